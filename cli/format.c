// SPDX-License-Identifier: GPL-2.0-or-later
/* `--format` templates: see format.h. */
#define _GNU_SOURCE
#include "format.h"
#include "cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define TAB_MINWIDTH 12
#define TAB_PADDING 2

bool cli_format_is_template(const char *fmt)
{
	return strstr(fmt, "{{") != NULL;
}

int cli_format_check_ls(const char *fmt, const char *example, struct pn_err *err)
{
	if (strcmp(fmt, "table") == 0 || strcmp(fmt, "json") == 0 || cli_format_is_template(fmt))
		return 0;
	return pn_err_set(err, EINVAL, "invalid format \"%s\": want table, json or a template such as '%s'", fmt, example);
}

/* keys compare without case and '_' ("RestartCount" is "restart_count") */
static bool key_match(const char *key, const char *want, size_t wlen)
{
	size_t i = 0;

	for (const char *k = key; *k; k++) {
		if (*k == '_')
			continue;
		while (i < wlen && want[i] == '_')
			i++;
		if (i == wlen || tolower((unsigned char)*k) != tolower((unsigned char)want[i]))
			return false;
		i++;
	}
	while (i < wlen && want[i] == '_')
		i++;
	return i == wlen;
}

static json_t *lookup(json_t *obj, const char *path, size_t len)
{
	json_t *cur = obj;
	size_t i = 1; /* after the leading '.' */

	while (i < len) {
		size_t end = i;
		const char *k;
		json_t *v, *found = NULL;

		while (end < len && path[end] != '.')
			end++;
		if (!json_is_object(cur))
			return NULL;
		found = json_object_getn(cur, path + i, end - i);
		if (!found)
			json_object_foreach(cur, k, v)
				if (key_match(k, path + i, end - i)) {
					found = v;
					break;
				}
		if (!found)
			return NULL;
		cur = found;
		i = end + 1;
	}
	return cur;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* @v as Go's fmt prints an interface{} holding it */
static void print_value(FILE *f, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		fwrite(json_string_value(v), 1, json_string_length(v), f);
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		fputs("<nil>", f);
		break;
	case JSON_ARRAY: {
		json_t *e;
		size_t i;

		fputc('[', f);
		json_array_foreach(v, i, e) {
			if (i)
				fputc(' ', f);
			print_value(f, e);
		}
		fputc(']', f);
		break;
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *k;
		json_t *e;

		if (!keys)
			return;
		json_object_foreach(v, k, e)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_str);
		fputs("map[", f);
		for (i = 0; i < n; i++) {
			fprintf(f, "%s%s:", i ? " " : "", keys[i]);
			print_value(f, json_object_get(v, keys[i]));
		}
		fputc(']', f);
		free(keys);
		break;
	}
	}
}

/* literal text, with "\t" and "\n" (two characters each) made a tab and a newline */
static void print_literal(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			fputc(s[i + 1] == 't' ? '\t' : '\n', f);
			i++;
			continue;
		}
		fputc(s[i], f);
	}
}

/* the header of a "table" column: HEADER from @headers for the path's last field, else it in capitals */
static void print_header(FILE *f, const char *path, size_t len, const char *const *headers)
{
	const char *last = path + len;

	while (last > path && last[-1] != '.')
		last--;
	for (size_t i = 0; headers && headers[i]; i++) {
		const char *eq = strchr(headers[i], '=');

		if (eq && (size_t)(eq - headers[i]) == (size_t)(path + len - last) &&
		    strncmp(headers[i], last, (size_t)(eq - headers[i])) == 0) {
			fputs(eq + 1, f);
			return;
		}
	}
	for (const char *p = last; p < path + len; p++)
		fputc(toupper((unsigned char)*p), f);
}

#define UNSUPPORTED "use {{.Field}}, {{.Field.Sub}}, {{.}}, {{json .Field}} or {{range .Field}}...{{end}}"

/* the action that starts at @open ("{{"), trimmed to [*@a, *@b); Return: its "}}", or NULL */
static const char *action(const char *open, const char *end, const char **a, const char **b)
{
	const char *close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);

	if (!close)
		return NULL;
	*a = open + 2;
	*b = close;
	while (*a < *b && isspace((unsigned char)**a))
		(*a)++;
	while (*b > *a && isspace((unsigned char)(*b)[-1]))
		(*b)--;
	return close;
}

/* [@a, @b) is "." or ".Field.Sub...": no empty field, no space */
static bool field_path_ok(const char *a, const char *b)
{
	if (a == b || *a != '.' || (b - a > 1 && b[-1] == '.') || memmem(a, (size_t)(b - a), "..", 2))
		return false;
	for (const char *q = a; q < b; q++)
		if (isspace((unsigned char)*q))
			return false;
	return true;
}

static bool is_word(const char *a, const char *b, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(b - a) >= n && strncmp(a, word, n) == 0 && (a + n == b || isspace((unsigned char)a[n]));
}

/*
 * The {{end}} that closes the {{range}} whose body starts at @p (ranges nest).
 * Return: its "{{", or NULL; *@ret_after: just after its "}}".
 */
static const char *matching_end(const char *p, const char *end, const char **ret_after)
{
	int depth = 1;

	for (const char *open; (open = memmem(p, (size_t)(end - p), "{{", 2)); ) {
		const char *a, *b, *close = action(open, end, &a, &b);

		if (!close)
			return NULL;
		if (is_word(a, b, "range"))
			depth++;
		else if (b - a == 3 && strncmp(a, "end", 3) == 0 && --depth == 0) {
			*ret_after = close + 2;
			return open;
		}
		p = close + 2;
	}
	return NULL;
}

static int render_region(FILE *f, const char *p, const char *end, json_t *obj, bool headers_mode,
			 const char *const *headers, struct pn_err *err);

/* {{range .Path}}: the body once for each element of an array, or each value of an object by key order (as Go) */
static int render_range(FILE *f, json_t *v, const char *body, const char *body_end, const char *text, int text_len,
			const char *const *headers, struct pn_err *err)
{
	size_t i;
	json_t *e;
	int r = 0;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if ((r = render_region(f, body, body_end, e, false, headers, err)) < 0)
				return r;
		return 0;
	}
	if (json_is_object(v)) {
		size_t n = json_object_size(v);
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *k;

		if (!keys)
			return pn_err_set(err, ENOMEM, "out of memory");
		i = 0;
		json_object_foreach(v, k, e)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_str);
		for (i = 0; i < n && r == 0; i++)
			r = render_region(f, body, body_end, json_object_get(v, keys[i]), false, headers, err);
		free(keys);
		return r;
	}
	return pn_err_set(err, EINVAL, "template: {{%.*s}}: range can't iterate over a %s", text_len, text,
			  json_is_string(v) ? "string" : json_is_boolean(v) ? "bool" : "number");
}

/*
 * Render the template text [@p, @end) for @obj (or, with @headers_mode, the
 * header line) into @f. Return: 0, or -EINVAL with @err set.
 */
static int render_region(FILE *f, const char *p, const char *end, json_t *obj, bool headers_mode,
			 const char *const *headers, struct pn_err *err)
{
	for (;;) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2), *close, *a, *b;
		bool json = false;

		if (!open) {
			print_literal(f, p, (size_t)(end - p));
			return 0;
		}
		print_literal(f, p, (size_t)(open - p));
		close = action(open, end, &a, &b);
		if (!close)
			return pn_err_set(err, EINVAL, "template: unclosed action \"%.20s\"", open);
		if (is_word(a, b, "range")) {
			const char *body = close + 2, *after, *stop = matching_end(body, end, &after);
			const char *path = a + 5;
			int r;

			if (!stop)
				return pn_err_set(err, EINVAL, "template: {{%.*s}} has no {{end}}", (int)(b - a), a);
			if (headers_mode)
				return pn_err_set(err, EINVAL, "template: {{range}} cannot make table columns");
			while (path < b && isspace((unsigned char)*path))
				path++;
			if (!field_path_ok(path, b))
				return pn_err_set(err, EINVAL, "template: unsupported action \"{{%.*s}}\": " UNSUPPORTED,
						  (int)(close - open - 2), open + 2);
			r = render_range(f, lookup(obj, path, (size_t)(b - path)), body, stop, a, (int)(b - a), headers, err);
			if (r < 0)
				return r;
			p = after;
			continue;
		}
		if (b - a == 3 && strncmp(a, "end", 3) == 0)
			return pn_err_set(err, EINVAL, "template: {{end}} without {{range}}");
		if ((size_t)(b - a) > 5 && strncmp(a, "json", 4) == 0 && isspace((unsigned char)a[4])) {
			json = true;
			a += 5;
			while (a < b && isspace((unsigned char)*a))
				a++;
		}
		if (!field_path_ok(a, b))
			return pn_err_set(err, EINVAL, "template: unsupported action \"{{%.*s}}\": " UNSUPPORTED,
					  (int)(close - open - 2), open + 2);
		if (headers_mode) {
			print_header(f, a, (size_t)(b - a), headers);
		} else {
			json_t *v = lookup(obj, a, (size_t)(b - a));

			if (json) {
				char *s = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

				fputs(s ? s : "null", f);
				free(s);
			} else if (v) {
				print_value(f, v);
			} else {
				fputs("<no value>", f);
			}
		}
		p = close + 2;
	}
}

static int render(FILE *f, const char *tmpl, json_t *obj, bool headers_mode, const char *const *headers,
		  struct pn_err *err)
{
	return render_region(f, tmpl, tmpl + strlen(tmpl), obj, headers_mode, headers, err);
}

char *cli_format_render(const char *tmpl, json_t *obj, struct pn_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f) {
		pn_err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	r = render(f, tmpl, obj, false, NULL, err);
	fclose(f);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* the cells of @line: split at tabs; the last one is not part of a column */
static size_t cell_width(const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80; /* UTF-8: count code points */
	return w;
}

/* Go's tabwriter as Podman sets it up: minwidth 12, padding 2, spaces */
static void print_aligned(FILE *out, const char *text)
{
	size_t widths[64] = { 0 };
	const char *line, *nl;

	for (line = text; *line; line = nl + 1) {
		const char *cell = line, *tab;
		int col = 0;

		nl = strchrnul(line, '\n');
		while ((tab = memchr(cell, '\t', (size_t)(nl - cell))) && col < 64) {
			size_t w = cell_width(cell, (size_t)(tab - cell)) + TAB_PADDING;

			if (w < TAB_MINWIDTH)
				w = TAB_MINWIDTH;
			if (w > widths[col])
				widths[col] = w;
			col++;
			cell = tab + 1;
		}
		if (!*nl)
			break;
	}
	for (line = text; *line; line = nl + 1) {
		const char *cell = line, *tab;
		int col = 0;

		nl = strchrnul(line, '\n');
		while ((tab = memchr(cell, '\t', (size_t)(nl - cell))) && col < 64) {
			size_t w = cell_width(cell, (size_t)(tab - cell));

			fwrite(cell, 1, (size_t)(tab - cell), out);
			for (; w < widths[col]; w++)
				fputc(' ', out);
			col++;
			cell = tab + 1;
		}
		fwrite(cell, 1, (size_t)(nl - cell), out);
		fputc('\n', out);
		if (!*nl)
			break;
	}
}

int cli_format_print(FILE *out, const char *tmpl, json_t *rows, const char *const *headers, struct pn_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, i;
	bool table = strncmp(tmpl, "table", 5) == 0 && (tmpl[5] == ' ' || tmpl[5] == '\t');
	FILE *f;
	json_t *row;
	int r = 0;

	if (table)
		tmpl += 6;
	f = open_memstream(&buf, &len);
	if (!f)
		return pn_err_set(err, ENOMEM, "out of memory");
	if (table) {
		r = render(f, tmpl, NULL, true, headers, err);
		fputc('\n', f);
	}
	json_array_foreach(rows, i, row) {
		if (r < 0)
			break;
		r = render(f, tmpl, row, false, NULL, err);
		fputc('\n', f);
	}
	/* a template without rows is still checked */
	if (r == 0 && !json_array_size(rows) && !table) {
		_cleanup_json_ json_t *empty = json_object();
		char *s = cli_format_render(tmpl, empty, err);

		r = s ? 0 : -EINVAL;
		free(s);
	}
	fclose(f);
	if (r < 0)
		return r;
	if (table)
		print_aligned(out, buf);
	else
		fputs(buf, out);
	return 0;
}

int cli_format_take(int argc, char **argv, const char **ret_fmt, struct pn_err *err)
{
	int i = 1;

	*ret_fmt = NULL;
	while (i < argc) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--format") == 0) {
			if (i + 1 >= argc)
				return pn_err_set(err, EINVAL, "%s needs a value (json or a template such as '{{.Name}}')", argv[i]);
			*ret_fmt = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--format=", 9) == 0) {
			*ret_fmt = argv[i] + 9;
			i++;
		} else {
			break;
		}
	}
	if (i < argc && argv[i][0] == '-' && argv[i][1])
		return pn_err_set(err, EINVAL, "%s: unknown option %s", argv[0], argv[i]);
	if (*ret_fmt && strcmp(*ret_fmt, "json") != 0 && !cli_format_is_template(*ret_fmt))
		return pn_err_set(err, EINVAL, "invalid format \"%s\": want json or a template such as '{{.Name}}'", *ret_fmt);
	return i;
}

/* the index of @f's key in @flt, or -1 */
static int filter_key(const struct cli_filter *flt, const char *f)
{
	const char *eq = strchr(f, '=');

	for (size_t k = 0; eq && k < flt->nkeys; k++)
		if ((size_t)(eq - f) == strlen(flt->keys[k]) && strncmp(f, flt->keys[k], (size_t)(eq - f)) == 0)
			return (int)k;
	return -1;
}

int cli_name_pattern_check(const char *re, struct pn_err *err)
{
	regex_t rx;
	char why[128];
	int r = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);

	if (r == 0) {
		regfree(&rx);
		return 0;
	}
	regerror(r, &rx, why, sizeof(why));
	regfree(&rx);
	return pn_err_set(err, EINVAL, "invalid name filter \"%s\": %s", re, why);
}

bool cli_name_matches(const char *name, const char *re)
{
	regex_t rx;
	bool hit;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false; /* checked when the filter was given */
	hit = regexec(&rx, name, 0, NULL, 0) == 0;
	regfree(&rx);
	return hit;
}

int cli_filter_check(const struct cli_filter *flt, const char *f, struct pn_err *err)
{
	char want[256];
	size_t len = 0;
	int key = filter_key(flt, f);

	if (key >= 0)
		return strcmp(flt->keys[key], "name") == 0 ? cli_name_pattern_check(strchr(f, '=') + 1, err) : 0;
	for (size_t k = 0; k < flt->nkeys && len < sizeof(want); k++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s%s=", k == 0 ? "" : k + 1 == flt->nkeys ? " or " : ", ",
					flt->keys[k]);
	return pn_err_set(err, EINVAL, "invalid filter \"%s\": want %s", f, want);
}

bool cli_filter_match(const struct cli_filter *flt, json_t *doc, const char *const *f, int n)
{
	bool given[32] = { false }, hit[32] = { false };

	for (int i = 0; i < n; i++) {
		int k = filter_key(flt, f[i]);

		if (k < 0 || k >= 32)
			return false;
		given[k] = true;
		hit[k] |= flt->one(doc, (size_t)k, strchr(f[i], '=') + 1);
	}
	for (size_t k = 0; k < flt->nkeys && k < 32; k++)
		if (given[k] && !hit[k])
			return false;
	return true;
}
