// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: --format templates (cli/format.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static json_t *doc(void)
{
	json_error_t e;
	json_t *d = json_loads("{\"name\": \"web\", \"id\": \"0123456789abcdef\", \"restart_count\": 2,"
			       " \"rm\": false, \"init\": null, \"ratio\": 1.5,"
			       " \"networks\": {\"app\": {\"ips\": [\"10.89.0.2/24\", \"fd00::2/64\"]}, \"db\": {}},"
			       " \"labels\": {\"b\": \"2\", \"a\": \"1\"}}", 0, &e);

	assert_non_null(d);
	return d;
}

static void expect_render(const char *tmpl, const char *want)
{
	struct pn_err err = { 0 };
	json_t *d = doc();
	char *got = cli_format_render(tmpl, d, &err);

	if (!got)
		fail_msg("%s: %s", tmpl, err.msg);
	assert_string_equal(got, want);
	free(got);
	json_decref(d);
}

static void expect_error(const char *tmpl, const char *msg_part)
{
	struct pn_err err = { 0 };
	json_t *d = doc();
	char *got = cli_format_render(tmpl, d, &err);

	assert_null(got);
	assert_int_equal(err.code, EINVAL);
	if (!strstr(err.msg, msg_part))
		fail_msg("%s: message \"%s\" lacks \"%s\"", tmpl, err.msg, msg_part);
	json_decref(d);
}

static void test_fields(void **state)
{
	(void)state;
	expect_render("{{.name}}", "web");
	expect_render("name={{ .name }} id={{.id}}", "name=web id=0123456789abcdef");
	/* Podman's spelling finds our keys: case and '_' do not matter */
	expect_render("{{.Name}} {{.RestartCount}} {{.ID}}", "web 2 0123456789abcdef");
	expect_render("{{.networks.app.ips}}", "[10.89.0.2/24 fd00::2/64]");
	expect_render("{{.rm}} {{.ratio}} {{.init}}", "false 1.5 <nil>");
	/* objects print as Go maps: sorted keys */
	expect_render("{{.labels}}", "map[a:1 b:2]");
	expect_render("{{.networks.db}}", "map[]");
	/* a missing key prints as Go prints a missing map entry */
	expect_render("{{.nosuch}}|{{.name.deeper}}", "<no value>|<no value>");
	expect_render("no actions at all", "no actions at all");
}

static void test_json_and_escapes(void **state)
{
	(void)state;
	expect_render("{{json .labels}}", "{\"a\":\"1\",\"b\":\"2\"}");
	expect_render("{{json .name}}", "\"web\"");
	expect_render("{{json .nosuch}}", "null");
	expect_render("{{.name}}\\t{{.restart_count}}\\n", "web\t2\n");
	/* a lone backslash stays */
	expect_render("a\\b", "a\\b");
	{
		struct pn_err err = { 0 };
		json_t *d = doc();
		char *got = cli_format_render("{{.}}", d, &err);

		assert_non_null(got);
		const char *want = "map[id:0123456789abcdef init:<nil> labels:map[a:1 b:2] name:web networks:map[app:map[ips:";

		assert_true(strncmp(got, want, strlen(want)) == 0);
		free(got);
		json_decref(d);
	}
}

/* {{range .X}}...{{end}}: Docker's and Podman's way to list a container's networks */
static void test_range(void **state)
{
	(void)state;
	/* an object's values in key order, with {{.}} the element */
	expect_render("{{range .labels}}<{{.}}>{{end}}", "<1><2>");
	expect_render("{{range .networks}}{{.ips}};{{end}}", "[10.89.0.2/24 fd00::2/64];<no value>;");
	expect_render("{{range .networks.app.ips}}{{.}} {{end}}|", "10.89.0.2/24 fd00::2/64 |");
	/* nested, and text around */
	expect_render("a{{range .networks}}({{range .ips}}[{{.}}]{{end}}){{end}}b",
		      "a([10.89.0.2/24][fd00::2/64])()b");
	/* nothing to iterate: nothing printed */
	expect_render("x{{range .nosuch}}y{{end}}z{{range .init}}w{{end}}", "xz");
}

/* {{if}}/{{else}}, {{index}} and (EXPR).Field: what Podman's and Docker's documentation use */
static void test_if_index(void **state)
{
	(void)state;
	/* Go's truth: false, 0, "", nil, empty lists and maps are false */
	expect_render("{{if .name}}y{{else}}n{{end}} {{if .rm}}y{{else}}n{{end}} {{if .init}}y{{else}}n{{end}}", "y n n");
	expect_render("{{if .networks.db}}y{{else}}n{{end}}{{if .nosuch}}y{{end}}{{if .restart_count}}!{{end}}", "n!");
	expect_render("{{range .networks}}{{if .ips}}{{.ips}}{{else}}-{{end}};{{end}}", "[10.89.0.2/24 fd00::2/64];-;");
	/* range ... else: the else part when there is nothing to iterate */
	expect_render("{{range .networks.db}}x{{else}}none{{end}}|{{range .labels}}{{.}}{{else}}none{{end}}", "none|12");
	/* index: an object's key (any characters), a list's element; nested */
	expect_render("{{index .labels \"a\"}} {{index .networks.app.ips 1}} {{index .networks \"app\" \"ips\" 0}}",
		      "1 fd00::2/64 10.89.0.2/24");
	expect_render("{{(index .networks \"app\").ips}} {{json (index .networks \"app\")}}",
		      "[10.89.0.2/24 fd00::2/64] {\"ips\":[\"10.89.0.2/24\",\"fd00::2/64\"]}");
	expect_render("{{index .labels \"zz\"}}|{{(index .networks \"zz\").ips}}", "<no value>|<no value>");
	expect_render("{{if (index .labels \"a\")}}has a{{end}}", "has a");
	/* a field name with '-', as network names have */
	expect_render("{{.my-net}}", "<no value>");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{{.name", "unclosed action");
	expect_error("{{name}}", "unsupported action");
	expect_error("{{range .networks}}x", "has no {{end}}");
	expect_error("x{{end}}", "{{end}} without {{range}} or {{if}}");
	expect_error("x{{else}}", "{{else}} without");
	expect_error("{{if .name}}a{{else}}b{{else}}c{{end}}", "two {{else}}");
	expect_error("{{if .name}}a", "has no {{end}}");
	expect_error("{{index .networks.app.ips 5}}", "index out of range");
	expect_error("{{index .labels}}", "unsupported action");
	expect_error("{{index .labels \"a}}", "unsupported action");
	expect_error("{{(index .labels \"a\"}}", "unsupported action");
	expect_error("{{.name | upper}}", "unsupported action");
	expect_error("{{printf \"%s\" .name}}", "unsupported action");
	expect_error("{{if json .name}}x{{end}}", "unsupported action");
	expect_error("{{range networks}}x{{end}}", "unsupported action");
	expect_error("{{range .name}}x{{end}}", "range can't iterate over a string");
	expect_error("{{range .networks}}{{bad}}{{end}}", "unsupported action");
	expect_error("{{.a..b}}", "unsupported action");
	expect_error("{{.a.}}", "unsupported action");
	expect_error("{{}}", "unsupported action");
	expect_error("{{json}}", "unsupported action");
	expect_error("{{.a .b}}", "unsupported action");
	{
		struct pn_err err = { 0 };

		assert_int_equal(cli_format_check_ls("table", "{{.Name}}", &err), 0);
		assert_int_equal(cli_format_check_ls("json", "{{.Name}}", &err), 0);
		assert_int_equal(cli_format_check_ls("{{.Name}}", "{{.Name}}", &err), 0);
		assert_int_equal(cli_format_check_ls("yaml", "{{.Names}}", &err), -EINVAL);
		assert_string_equal(err.msg, "invalid format \"yaml\": want table, json or a template such as '{{.Names}}'");
	}
	assert_true(cli_format_is_template("x {{.a}}"));
	assert_false(cli_format_is_template("json"));
	assert_false(cli_format_is_template("table"));
}

static char *print_rows(const char *tmpl, const char *const *headers, int *ret)
{
	struct pn_err err = { 0 };
	json_error_t e;
	json_t *rows = json_loads("[{\"ID\": \"aaa\", \"Name\": \"frontend\", \"n\": 1},"
				  " {\"ID\": \"bbbbbbbbbbbbbbbb\", \"Name\": \"b\", \"n\": 22}]", 0, &e);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(rows);
	assert_non_null(f);
	*ret = cli_format_print(f, tmpl, rows, headers, &err);
	fclose(f);
	json_decref(rows);
	return buf;
}

static void test_print(void **state)
{
	static const char *const headers[] = { "ID=NETWORK ID", NULL };
	char *out;
	int r;

	(void)state;
	out = print_rows("{{.Name}}", NULL, &r);
	assert_int_equal(r, 0);
	assert_string_equal(out, "frontend\nb\n");
	free(out);
	/* table: a header line, columns aligned as Go's tabwriter does (padding 2, at least 12) */
	out = print_rows("table {{.ID}}\\t{{.Name}}\\t{{.n}}", headers, &r);
	assert_int_equal(r, 0);
	assert_string_equal(out, "NETWORK ID        NAME        N\n"
				 "aaa               frontend    1\n"
				 "bbbbbbbbbbbbbbbb  b           22\n");
	free(out);
	/* a bad template prints nothing, even with rows */
	out = print_rows("{{.Name}} {{bad}}", NULL, &r);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(out, "");
	free(out);
}

static void test_print_no_rows(void **state)
{
	struct pn_err err = { 0 };
	json_t *rows = json_array();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	/* with nothing to print, a bad template is still an error */
	assert_int_equal(cli_format_print(f, "{{bad}}", rows, NULL, &err), -EINVAL);
	assert_int_equal(cli_format_print(f, "{{.Name}}", rows, NULL, &err), 0);
	assert_int_equal(cli_format_print(f, "table {{.Name}}", rows, NULL, &err), 0);
	fclose(f);
	assert_string_equal(buf, "NAME\n");
	free(buf);
	json_decref(rows);
}

static bool filter_one(json_t *doc, size_t key, const char *v)
{
	return strcmp(json_string_value(json_object_get(doc, key == 0 ? "a" : "b")) ?: "", v) == 0;
}

/* Podman's rule: values of one key are alternatives, different keys must all match */
static void test_filter(void **state)
{
	static const char *const keys[] = { "a", "b" };
	static const struct cli_filter flt = { keys, 2, filter_one };
	json_t *doc = json_pack("{s:s, s:s}", "a", "1", "b", "2");
	struct pn_err err = { 0 };

	(void)state;
	assert_int_equal(cli_filter_check(&flt, "a=1", &err), 0);
	assert_int_equal(cli_filter_check(&flt, "b=", &err), 0);
	assert_int_equal(cli_filter_check(&flt, "c=1", &err), -EINVAL);
	assert_string_equal(err.msg, "invalid filter \"c=1\": want a= or b=");
	assert_int_equal(cli_filter_check(&flt, "a", &err), -EINVAL);
	assert_int_equal(cli_filter_check(&flt, "ab=1", &err), -EINVAL);
	assert_true(cli_filter_match(&flt, doc, NULL, 0));
	assert_true(cli_filter_match(&flt, doc, (const char *[]){ "a=1" }, 1));
	assert_false(cli_filter_match(&flt, doc, (const char *[]){ "a=2" }, 1));
	assert_true(cli_filter_match(&flt, doc, (const char *[]){ "a=2", "a=1" }, 2));
	assert_true(cli_filter_match(&flt, doc, (const char *[]){ "a=1", "b=2" }, 2));
	assert_false(cli_filter_match(&flt, doc, (const char *[]){ "a=1", "b=3" }, 2));
	assert_true(cli_filter_match(&flt, doc, (const char *[]){ "a=1", "b=3", "b=2" }, 3));
	json_decref(doc);
}

/* name= is a regular expression, unanchored, as in Podman: checked when given */
static void test_name_filter(void **state)
{
	static const char *const keys[] = { "name", "id" };
	static const struct cli_filter flt = { keys, 2, filter_one };
	struct pn_err err = { 0 };

	(void)state;
	assert_true(cli_name_matches("web-1", "web"));
	assert_true(cli_name_matches("myweb", "web"));
	assert_false(cli_name_matches("myweb", "^web"));
	assert_true(cli_name_matches("web", "^web$"));
	assert_false(cli_name_matches("web-1", "^web$"));
	assert_true(cli_name_matches("db2", "^(web|db)[0-9]+$"));
	assert_false(cli_name_matches("db", "^(web|db)[0-9]+$"));
	assert_true(cli_name_matches("anything", ""));
	assert_int_equal(cli_name_pattern_check("^a.*b$", &err), 0);
	assert_int_equal(cli_name_pattern_check("a(b", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid name filter \"a(b\""));
	pn_err_clear(&err);
	assert_int_equal(cli_filter_check(&flt, "name=[x", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid name filter \"[x\""));
	assert_int_equal(cli_filter_check(&flt, "id=[x", &err), 0);
}

/* Podman's list columns: names sorted and joined ({{.Networks}} is "app2,st") */
static void test_key_list_join(void **state)
{
	json_t *nets = json_pack("{s:{}, s:{}, s:{}}", "st", "app2", "b");
	json_t *list = cli_format_key_list(nets), *none = cli_format_key_list(NULL);
	char *text = cli_format_join(list, ","), *empty = cli_format_join(none, ",");

	(void)state;
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(text, "app2,b,st");
	assert_string_equal(empty, "");
	free(text);
	free(empty);
	json_decref(list);
	json_decref(none);
	json_decref(nets);
}

static void test_take(void **state)
{
	struct pn_err err = { 0 };
	const char *fmt;
	char *a1[] = { "inspect", "-f", "{{.Name}}", "web", NULL };
	char *a2[] = { "inspect", "--format=json", "web", NULL };
	char *a3[] = { "inspect", "web", NULL };
	char *a4[] = { "inspect", "--format", "yaml", "web", NULL };
	char *a5[] = { "inspect", "-f", NULL };
	char *a6[] = { "inspect", "--bogus", "web", NULL };
	char *a7[] = { "inspect", "-f", "json", "--", "web", NULL };

	(void)state;
	assert_int_equal(cli_format_take(4, a1, &fmt, &err), 3);
	assert_string_equal(fmt, "{{.Name}}");
	assert_int_equal(cli_format_take(3, a2, &fmt, &err), 2);
	assert_string_equal(fmt, "json");
	assert_int_equal(cli_format_take(2, a3, &fmt, &err), 1);
	assert_null(fmt);
	assert_int_equal(cli_format_take(4, a4, &fmt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid format \"yaml\""));
	assert_int_equal(cli_format_take(2, a5, &fmt, &err), -EINVAL);
	assert_int_equal(cli_format_take(3, a6, &fmt, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown option --bogus"));
	/* "--" ends the options */
	assert_int_equal(cli_format_take(5, a7, &fmt, &err), 4);
	assert_string_equal(fmt, "json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),     cmocka_unit_test(test_json_and_escapes),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_key_list_join),
		cmocka_unit_test(test_if_index),
		cmocka_unit_test(test_errors),     cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_no_rows), cmocka_unit_test(test_take),
		cmocka_unit_test(test_filter),     cmocka_unit_test(test_name_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
