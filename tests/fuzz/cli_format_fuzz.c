// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the --format template engine (cli/format.c): the input
 * is a template, rendered over a container-like document (nested objects,
 * lists, every JSON type) and printed as a table of two rows; it must render
 * or fail with EINVAL and a message. Corpus: cli_format_corpus/.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *doc(void)
{
	static const char text[] =
		"{\"id\": \"0123456789abcdef\", \"name\": \"web\", \"state\": \"running\", \"rm\": false, \"init\": null,"
		" \"ratio\": 1.5, \"restart_count\": 2, \"command\": [\"sleep\", \"60\"],"
		" \"networks\": {\"app\": {\"ips\": [\"10.89.0.2/24\", \"fd00::2/64\"], \"aliases\": []}, \"db\": {}},"
		" \"NetworkSettings\": {\"Networks\": {\"app\": {\"IPAddress\": \"10.89.0.2\"}}, \"Ports\": {}},"
		" \"labels\": {\"b\": \"2\", \"a\": \"1\"}}";
	json_error_t e;

	return json_loads(text, 0, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *tmpl = malloc(size + 1);
	struct pn_err err = { 0 };
	json_t *d = doc(), *rows;
	char *out;
	FILE *sink;

	if (!tmpl || !d) {
		free(tmpl);
		json_decref(d);
		return 0;
	}
	memcpy(tmpl, data, size);
	tmpl[size] = '\0';
	out = cli_format_render(tmpl, d, &err);
	if (!out && (err.code != EINVAL || !err.msg[0]))
		abort(); /* a failure always says why */
	free(out);
	rows = json_pack("[O, O]", d, d);
	sink = fopen("/dev/null", "w");
	if (rows && sink) {
		pn_err_clear(&err);
		cli_format_print(sink, tmpl, rows, NULL, &err);
	}
	if (sink)
		fclose(sink);
	json_decref(rows);
	json_decref(d);
	free(tmpl);
	return 0;
}
