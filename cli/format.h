/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `--format` templates, the part of Go's text/template that Podman and Docker
 * users put on command lines: literal text with actions
 *
 *   {{.Field}}  {{.a.b}}  {{.}}  {{json .Field}}  {{ .Field }}
 *   {{index X "key" N}}  {{(index X "key").Field}}
 *   {{range X}}...{{else}}...{{end}}  (a list's elements or an object's values by key, as Go)
 *   {{if X}}...{{else}}...{{end}}  (Go's truth: false, 0, "", missing, empty are false)
 *
 * over one JSON object per line. Keys match without regard to case or '_'
 * ({{.RestartCount}} finds "restart_count"); a missing key prints "<no value>"
 * as Go does for maps. Values print as Go prints them: strings as they are,
 * arrays as [a b], objects as map[k:v] with sorted keys, null as <nil>.
 * "\t" and "\n" written as two characters become a tab and a newline.
 * A template starting with "table " prints a header line first (the fields'
 * names in capitals) and aligns tab-separated columns (Go's tabwriter with
 * Podman's settings: cells padded by 2, at least 12 wide).
 */
#ifndef PODNET_CLI_FORMAT_H
#define PODNET_CLI_FORMAT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "err.h"

/** cli_format_is_template() - @fmt is a template (has "{{"), not a format name like json or table. */
bool cli_format_is_template(const char *fmt);

/**
 * cli_format_check_ls() - the --format of a listing command: table, json or
 * a template. @example: a template to name in the error ("{{.Name}}").
 * Return: 0, or -EINVAL with @err set.
 */
int cli_format_check_ls(const char *fmt, const char *example, struct pn_err *err);

/**
 * cli_format_render() - @tmpl applied to @obj.
 * Return: a new string (free()), or NULL with @err set (a malformed template).
 */
char *cli_format_render(const char *tmpl, json_t *obj, struct pn_err *err);

/**
 * cli_format_print() - print @tmpl for each object of @rows, one line each
 * (a "table " template: a header line first, columns aligned).
 * @headers: NULL, or "Field=HEADER" pairs naming columns ("ID=NETWORK ID")
 * Return: 0, or -EINVAL with @err set (nothing printed).
 */
int cli_format_print(FILE *out, const char *tmpl, json_t *rows, const char *const *headers, struct pn_err *err);

/**
 * cli_format_take() - the leading -f/--format FMT (or --format=FMT) of an
 * inspect command line (argv[0] is the command); after opts_inspect_first(),
 * given after the names too.
 * @ret_fmt: the format (NULL when none was given)
 * Return: the index of the first other argument, or -EINVAL with @err set.
 */
int cli_format_take(int argc, char **argv, const char **ret_fmt, struct pn_err *err);

/**
 * cli_format_key_list() - the keys of object @obj (a state document's
 * "networks"), sorted, as Podman lists a container's or pod's networks.
 * Return: a new array of strings (empty when @obj is not an object).
 */
json_t *cli_format_key_list(json_t *obj);

/**
 * cli_format_join() - the strings of @list joined by @sep, as Podman's
 * template columns print lists (`{{.Networks}}` is "a,b").
 * Return: a new string (free()), or NULL without memory.
 */
char *cli_format_join(json_t *list, const char *sep);

/*
 * `--filter KEY=VALUE` of a listing (ps, pod ls). As in Podman, the values of
 * one key are alternatives and different keys must all match, except label=,
 * of which every one must match.
 */
struct cli_filter {
	const char *const *keys; /* the keys the listing takes */
	size_t nkeys;
	/* whether @doc matches value @v of keys[@key] */
	bool (*one)(json_t *doc, size_t key, const char *v);
};

/**
 * cli_name_pattern_check() - @re is a valid `name=` filter: a POSIX extended
 * regular expression, unanchored, as Podman's (Go) ones mostly are written.
 * Return: 0, or -EINVAL with @err naming the problem.
 */
int cli_name_pattern_check(const char *re, struct pn_err *err);

/** cli_name_matches() - whether @name matches the checked `name=` filter @re. */
bool cli_name_matches(const char *name, const char *re);

/**
 * cli_filter_check() - @f is KEY=VALUE with a key of @flt (and a valid pattern
 * for name=). Return: 0, or -EINVAL with @err naming the keys or the problem.
 */
int cli_filter_check(const struct cli_filter *flt, const char *f, struct pn_err *err);

/** cli_filter_match() - whether @doc passes the @n checked filters @f. */
bool cli_filter_match(const struct cli_filter *flt, json_t *doc, const char *const *f, int n);

#endif
