// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * JSON documents in files, with the size limit of fileutil.h. Kept apart from
 * fileutil.c so that helpers which never parse JSON do not load libjansson.
 */
#define _GNU_SOURCE
#include "fileutil.h"
#include "cleanup.h"

#include <stdio.h>
#include <string.h>

int pn_json_load(const char *path, json_t **ret, struct pn_err *err)
{
	_cleanup_free_ char *buf = NULL;
	json_error_t jerr;
	size_t len;
	json_t *doc;
	int r;

	r = pn_read_file(path, PN_FILE_MAX, &buf, &len);
	if (r == -EFBIG)
		return pn_err_set(err, EFBIG, "%s: larger than %u bytes", path, PN_FILE_MAX);
	if (r < 0)
		return pn_err_set(err, -r, "%s: %s", path, strerror(-r));
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return pn_err_set(err, EINVAL, "%s: invalid JSON at line %d: %s", path, jerr.line, jerr.text);
	*ret = doc;
	return 0;
}

int pn_json_save_compact(const char *path, const json_t *doc)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);

	if (!text)
		return -ENOMEM;
	return pn_write_atomic(path, text, strlen(text), 0644, 0);
}

int pn_json_save(const char *path, const json_t *doc, int fsync_data)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len;
	int r;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	/* trailing newline for people who cat the file */
	{
		char *t = realloc(text, len + 2);

		if (!t)
			return -ENOMEM;
		text = t;
		text[len++] = '\n';
		text[len] = '\0';
	}
	r = pn_write_atomic(path, text, len, 0644, fsync_data);
	return r;
}

bool pn_json_array_has(const json_t *list, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), v))
			return true;
	return false;
}
