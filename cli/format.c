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

/* @obj's keys in Go's order for maps (sorted); NULL without memory. Caller frees the array. */
static const char **sorted_keys(json_t *obj, size_t *ret_n)
{
	size_t n = json_object_size(obj), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *e;

	if (!keys)
		return NULL;
	json_object_foreach(obj, k, e)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	*ret_n = n;
	return keys;
}

json_t *cli_format_key_list(json_t *obj)
{
	json_t *out = json_array();
	const char **keys;
	size_t n;

	if (!json_is_object(obj) || !(keys = sorted_keys(obj, &n)))
		return out;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_string(keys[i]));
	free(keys);
	return out;
}

char *cli_format_join(json_t *list, const char *sep)
{
	char *text = NULL;
	size_t len = 0, i;
	json_t *e;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	json_array_foreach(list, i, e)
		fprintf(f, "%s%s", i ? sep : "", json_string_value(e) ?: "");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
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
		size_t n;
		const char **keys = sorted_keys(v, &n);

		if (!keys)
			return;
		fputs("map[", f);
		for (size_t i = 0; i < n; i++) {
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

#define UNSUPPORTED "use {{.Field}}, {{.Field.Sub}}, {{.}}, {{json X}}, {{index X \"key\"}}, " \
	"{{(index X \"key\").Field}}, {{range X}}, {{if X}}, {{else}}, {{end}}"

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

static bool is_word(const char *a, const char *b, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(b - a) >= n && strncmp(a, word, n) == 0 && (a + n == b || isspace((unsigned char)a[n]));
}

/* ---- expressions: .Path, (EXPR).Path, index X KEY..., json X ---- */

struct expr {
	const char *p, *end;
	json_t *dot;
};

static void skip_space(struct expr *e)
{
	while (e->p < e->end && isspace((unsigned char)*e->p))
		e->p++;
}

/* a field name's characters: Go's, and '-' and the like too, which network names use ({{.networks.my-net}}) */
static bool ident_char(char ch)
{
	return !isspace((unsigned char)ch) && !strchr(".()\"{}|", ch) && ch != '\0';
}

/* ".", or ".Field.Sub" (@bare: "." alone allowed); Return: its length at e->p, 0 when there is none */
static size_t path_len(const struct expr *e, bool bare)
{
	const char *q = e->p;

	if (q >= e->end || *q != '.')
		return 0;
	while (q < e->end && *q == '.') {
		const char *id = ++q;

		while (q < e->end && ident_char(*q))
			q++;
		if (q == id) /* "." with no field: only alone (not ".." or ".a.") */
			return bare && q - e->p == 1 && (q == e->end || *q != '.') ? 1 : 0;
	}
	return (size_t)(q - e->p);
}

static int eval_expr(struct expr *e, json_t **ret, bool *ret_json);

/* OPERAND: .Path, or (EXPR) with an optional .Path after it. Return: 0 (*@ret NULL: missing), -EINVAL */
static int eval_operand(struct expr *e, json_t **ret)
{
	size_t n;

	skip_space(e);
	if (e->p < e->end && *e->p == '(') {
		json_t *v = NULL;
		bool json = false;

		e->p++;
		if (eval_expr(e, &v, &json) < 0 || json)
			return -EINVAL;
		skip_space(e);
		if (e->p >= e->end || *e->p != ')')
			return -EINVAL;
		e->p++;
		n = path_len(e, false);
		*ret = n ? (v ? lookup(v, e->p, n) : NULL) : v;
		e->p += n;
		return 0;
	}
	n = path_len(e, true);
	if (!n)
		return -EINVAL;
	*ret = lookup(e->dot, e->p, n);
	e->p += n;
	return 0;
}

/* index X KEY...: a "quoted" key of an object, or a number of an array (Go's index) */
static int eval_index(struct expr *e, json_t **ret)
{
	json_t *v = NULL;
	int keys = 0;

	if (eval_operand(e, &v) < 0)
		return -EINVAL;
	for (;;) {
		skip_space(e);
		if (e->p >= e->end || *e->p == ')')
			break;
		if (*e->p == '"') {
			const char *k = ++e->p;

			while (e->p < e->end && *e->p != '"')
				e->p++;
			if (e->p >= e->end)
				return -EINVAL;
			v = json_is_object(v) ? json_object_getn(v, k, (size_t)(e->p - k)) : NULL;
			e->p++;
		} else if (isdigit((unsigned char)*e->p)) {
			size_t i = 0;

			while (e->p < e->end && isdigit((unsigned char)*e->p) && i < 1000000000)
				i = i * 10 + (size_t)(*e->p++ - '0');
			if (!json_is_array(v) || i >= json_array_size(v))
				return -ERANGE;
			v = json_array_get(v, i);
		} else {
			return -EINVAL;
		}
		keys++;
	}
	*ret = v;
	return keys ? 0 : -EINVAL;
}

/* EXPR: json X | index X KEY... | X */
static int eval_expr(struct expr *e, json_t **ret, bool *ret_json)
{
	skip_space(e);
	*ret_json = false;
	if (is_word(e->p, e->end, "json")) {
		e->p += 4;
		*ret_json = true;
		return eval_operand(e, ret);
	}
	if (is_word(e->p, e->end, "index")) {
		e->p += 5;
		return eval_index(e, ret);
	}
	return eval_operand(e, ret);
}

/* the whole of [@a, @b) as one EXPR over @dot. Return: 0, or -EINVAL/-ERANGE with @err set */
static int eval_action(const char *a, const char *b, json_t *dot, json_t **ret, bool *ret_json, const char *open,
		       const char *close, struct pn_err *err)
{
	struct expr e = { a, b, dot };
	int r = eval_expr(&e, ret, ret_json);

	skip_space(&e);
	if (r == -ERANGE)
		return pn_err_set(err, EINVAL, "template: {{%.*s}}: index out of range", (int)(close - open - 2), open + 2);
	if (r < 0 || e.p != e.end)
		return pn_err_set(err, EINVAL, "template: unsupported action \"{{%.*s}}\": " UNSUPPORTED,
				  (int)(close - open - 2), open + 2);
	return 0;
}

/* Go's truth: false, 0, "", nil, and empty lists and maps are false */
static bool truthy(json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	default:
		return true;
	}
}

/* ---- blocks: {{range X}} / {{if X}} ... [{{else}} ...] {{end}} ---- */

struct block {
	const char *body;                 /* after the opening action */
	const char *else_open, *else_after; /* its {{else}} at the same depth, or NULL */
	const char *end_open, *end_after;   /* its {{end}} */
};

/* Find the {{else}} and {{end}} of the block whose body starts at @b->body (blocks nest). Return: 0 or -EINVAL */
static int find_block(struct block *bl, const char *end)
{
	const char *p = bl->body;
	int depth = 1;

	bl->else_open = bl->else_after = NULL;
	for (const char *open; (open = memmem(p, (size_t)(end - p), "{{", 2)); ) {
		const char *a, *b, *close = action(open, end, &a, &b);

		if (!close)
			return -EINVAL;
		if (is_word(a, b, "range") || is_word(a, b, "if")) {
			depth++;
		} else if (b - a == 4 && strncmp(a, "else", 4) == 0 && depth == 1) {
			if (bl->else_open)
				return -EINVAL;
			bl->else_open = open;
			bl->else_after = close + 2;
		} else if (b - a == 3 && strncmp(a, "end", 3) == 0 && --depth == 0) {
			bl->end_open = open;
			bl->end_after = close + 2;
			return 0;
		}
		p = close + 2;
	}
	return -EINVAL;
}

static int render_region(FILE *f, const char *p, const char *end, json_t *obj, bool headers_mode,
			 const char *const *headers, struct pn_err *err);

/* {{range X}}: the body once for each element of a list, or each value of an object by key order (as Go) */
static int render_range(FILE *f, json_t *v, const struct block *bl, const char *text, int text_len,
			const char *const *headers, struct pn_err *err)
{
	const char *body_end = bl->else_open ? bl->else_open : bl->end_open;
	size_t i, n = 0;
	json_t *e;
	int r = 0;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if ((r = render_region(f, bl->body, body_end, e, false, headers, err)) < 0)
				return r;
		n = json_array_size(v);
	} else if (json_is_object(v)) {
		const char **keys = sorted_keys(v, &n);

		if (!keys)
			return pn_err_set(err, ENOMEM, "out of memory");
		for (i = 0; i < n && r == 0; i++)
			r = render_region(f, bl->body, body_end, json_object_get(v, keys[i]), false, headers, err);
		free(keys);
		if (r < 0)
			return r;
	} else if (v && !json_is_null(v)) {
		return pn_err_set(err, EINVAL, "template: {{%.*s}}: range can't iterate over a %s", text_len, text,
				  json_is_string(v) ? "string" : json_is_boolean(v) ? "bool" : "number");
	}
	/* {{range X}}...{{else}}...{{end}}: the else part when there was nothing */
	if (n == 0 && bl->else_open)
		return render_region(f, bl->else_after, bl->end_open, NULL, false, headers, err);
	return 0;
}

/*
 * Render the template text [@p, @end) with "." being @obj (or, with
 * @headers_mode, the header line) into @f. Return: 0, or -EINVAL with @err set.
 */
static int render_region(FILE *f, const char *p, const char *end, json_t *obj, bool headers_mode,
			 const char *const *headers, struct pn_err *err)
{
	for (;;) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2), *close, *a, *b;
		bool range, json = false;
		json_t *v = NULL;
		int r;

		if (!open) {
			print_literal(f, p, (size_t)(end - p));
			return 0;
		}
		print_literal(f, p, (size_t)(open - p));
		close = action(open, end, &a, &b);
		if (!close)
			return pn_err_set(err, EINVAL, "template: unclosed action \"%.20s\"", open);
		if ((range = is_word(a, b, "range")) || is_word(a, b, "if")) {
			struct block bl = { .body = close + 2 };

			if (find_block(&bl, end) < 0)
				return pn_err_set(err, EINVAL, "template: {{%.*s}} has no {{end}} (or two {{else}})",
						  (int)(b - a), a);
			if (headers_mode)
				return pn_err_set(err, EINVAL, "template: {{range}} and {{if}} cannot make table columns");
			r = eval_action(a + (range ? 5 : 2), b, obj, &v, &json, open, close, err);
			if (r == 0 && json)
				r = pn_err_set(err, EINVAL, "template: unsupported action \"{{%.*s}}\": " UNSUPPORTED,
					       (int)(close - open - 2), open + 2);
			if (r == 0 && range)
				r = render_range(f, v, &bl, a, (int)(b - a), headers, err);
			else if (r == 0 && truthy(v))
				r = render_region(f, bl.body, bl.else_open ? bl.else_open : bl.end_open, obj, false, headers, err);
			else if (r == 0 && bl.else_open)
				r = render_region(f, bl.else_after, bl.end_open, obj, false, headers, err);
			if (r < 0)
				return r;
			p = bl.end_after;
			continue;
		}
		if (b - a == 3 && strncmp(a, "end", 3) == 0)
			return pn_err_set(err, EINVAL, "template: {{end}} without {{range}} or {{if}}");
		if (b - a == 4 && strncmp(a, "else", 4) == 0)
			return pn_err_set(err, EINVAL, "template: {{else}} without {{range}} or {{if}}");
		if (headers_mode) {
			/* a column's header: the last field of a plain {{.Path}} (or {{json .Path}}) */
			struct expr e = { a, b, NULL };
			size_t n;

			if (is_word(e.p, e.end, "json")) {
				e.p += 4;
				skip_space(&e);
			}
			n = path_len(&e, true);
			if (n == 0 || e.p + n != b)
				return pn_err_set(err, EINVAL, "template: unsupported action \"{{%.*s}}\" in a table: "
						  "use {{.Field}} columns", (int)(close - open - 2), open + 2);
			print_header(f, e.p, n, headers);
		} else {
			r = eval_action(a, b, obj, &v, &json, open, close, err);
			if (r < 0)
				return r;
			if (json) {
				char *js = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

				fputs(js ? js : "null", f);
				free(js);
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
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++; /* names only from here */
	else if (i < argc && argv[i][0] == '-' && argv[i][1])
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
		bool one;

		if (k < 0 || k >= 32)
			return false;
		one = flt->one(doc, (size_t)k, strchr(f[i], '=') + 1);
		/* Podman's one exception: every label= must match, not one of them */
		if (!one && strcmp(flt->keys[k], "label") == 0)
			return false;
		given[k] = true;
		hit[k] |= one;
	}
	for (size_t k = 0; k < flt->nkeys && k < 32; k++)
		if (given[k] && !hit[k])
			return false;
	return true;
}
