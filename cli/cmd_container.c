// SPDX-License-Identifier: GPL-2.0-or-later
/* `podnet ps`, `inspect`, `stop`, `rm` and `exec`. */
#define _GNU_SOURCE
#include "cli.h"
#include "format.h"
#include "opts.h"
#include "cleanup.h"
#include "helpers.h"
#include "ns.h"
#include "state.h"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *display_state(json_t *doc)
{
	const char *s = json_string_value(json_object_get(doc, "state"));

	return s ? s : "unknown";
}

static void ports_text(json_t *doc, char *buf, size_t len)
{
	json_t *ports = json_object_get(doc, "ports"), *p;
	size_t i, used = 0;

	buf[0] = '\0';
	json_array_foreach(ports, i, p) {
		const char *hip = json_string_value(json_object_get(p, "host_ip"));
		json_int_t hp = json_integer_value(json_object_get(p, "host_port"));
		json_int_t cp = json_integer_value(json_object_get(p, "container_port"));
		json_int_t range = json_integer_value(json_object_get(p, "range"));
		const char *proto = json_string_value(json_object_get(p, "protocol"));

		if (used >= len)
			break;
		if (range > 1)
			used += (size_t)snprintf(buf + used, len - used, "%s%s:%lld-%lld->%lld-%lld/%s", i ? ", " : "",
						 hip && *hip ? hip : "0.0.0.0", (long long)hp, (long long)(hp + range - 1),
						 (long long)cp, (long long)(cp + range - 1), proto ? proto : "tcp");
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%s:%lld->%lld/%s", i ? ", " : "",
						 hip && *hip ? hip : "0.0.0.0", (long long)hp, (long long)cp,
						 proto ? proto : "tcp");
	}
}

/*
 * The networks of container @doc, sorted as Podman lists them: those it is on,
 * or, exited, those it joins when started again. A new array of names.
 */
static json_t *ps_networks(json_t *doc)
{
	_cleanup_json_ json_t *again = NULL;
	json_t *e;
	size_t j;

	if (json_object_size(json_object_get(doc, "networks")) || strcmp(display_state(doc), "exited") != 0)
		return cli_format_key_list(json_object_get(doc, "networks"));
	again = json_object();
	json_array_foreach(json_object_get(doc, "network_config"), j, e)
		json_object_set_new(again, json_string_value(json_object_get(e, "network")) ?: "", json_null());
	return cli_format_key_list(again);
}

/*
 * What ps shows of a container, under Podman's names for templates
 * (`ps --format '{{.Names}} {{.Status}}'`): ID (12 digits), Names, Status
 * ("exited (N)"), State, Networks ("a,b", as Podman's column), Ports,
 * Command, Pod, PodName, CreatedAt, ExitCode, Pid; and NetworksText, the
 * table's NETWORKS column (the network mode when it has no networks). A new
 * object.
 */
static json_t *ps_columns(json_t *doc)
{
	char ports[512], status[48], id[13];
	_cleanup_json_ json_t *nets = ps_networks(doc);
	json_t *e, *cmd = json_object_get(doc, "command");
	const char *state = display_state(doc);
	struct pn_proc_id init;
	char *joined = cli_format_join(nets, ","), *text = NULL, *cmdline = NULL;
	size_t len = 0, j;
	FILE *f;

	f = open_memstream(&text, &len);
	if (f) {
		fputs(joined ? joined : "", f);
		if (!json_array_size(nets)) {
			const char *mode = json_string_value(json_object_get(doc, "network_mode")) ?: "";

			/* container:<ID>, with the short id as ps shows ids */
			fprintf(f, "%.*s", strncmp(mode, "container:", 10) == 0 ? 22 : (int)strlen(mode), mode);
		}
		fclose(f);
	}
	f = open_memstream(&cmdline, &len);
	if (f) {
		json_array_foreach(cmd, j, e)
			fprintf(f, "%s%s", j ? " " : "", json_string_value(e) ?: "");
		fclose(f);
	}
	ports_text(doc, ports, sizeof(ports));
	if (strcmp(state, "exited") == 0)
		snprintf(status, sizeof(status), "exited (%lld)", (long long)json_integer_value(json_object_get(doc, "exit_code")));
	else
		snprintf(status, sizeof(status), "%s", state);
	if (json_is_false(json_object_get(doc, "portfwd_alive")))
		strncat(status, ",ports down", sizeof(status) - strlen(status) - 1);
	snprintf(id, sizeof(id), "%.12s", json_string_value(json_object_get(doc, "id")) ?: "");
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "ID", id, "Names",
		      json_string_value(json_object_get(doc, "name")) ?: "", "Status", status, "State", state, "Networks",
		      joined ? joined : "", "NetworksText", text ? text : "", "Ports", ports, "Command",
		      cmdline ? cmdline : "", "Pod", json_string_value(json_object_get(doc, "pod")) ?: "",
		      "PodName", json_string_value(json_object_get(doc, "pod")) ?: "",
		      "ExitCode", (json_int_t)json_integer_value(json_object_get(doc, "exit_code")),
		      "Pid", (json_int_t)(netd_sandbox_proc(doc, "init", &init) && strcmp(state, "running") == 0 ? init.pid : 0),
		      "CreatedAt", json_string_value(json_object_get(doc, "created")) ?: "");
	free(joined);
	free(text);
	free(cmdline);
	return e;
}

/*
 * @doc for `ps --format json`: the state document (its own keys stay, as
 * scripts of earlier versions read them) with Podman's keys added, as
 * `podman ps --format json` spells them: Id, Names (a list), State, Status,
 * Exited, ExitCode, Pid, Command (a list), Networks (a sorted list), Ports (Podman's
 * objects, which the document already holds), PodName and Pod (the pod's
 * name), AutoRemove, CreatedAt. A new object.
 */
static json_t *ps_json_row(json_t *doc)
{
	json_t *row = json_deep_copy(doc), *col = ps_columns(doc);
	json_t *cmd = json_object_get(doc, "command"), *ports = json_object_get(doc, "ports");
	const char *state = json_string_value(json_object_get(col, "State")) ?: "";

	json_object_set_new(row, "Id", json_string(json_string_value(json_object_get(doc, "id")) ?: ""));
	json_object_set_new(row, "Names", json_pack("[O]", json_object_get(col, "Names")));
	json_object_set(row, "State", json_object_get(col, "State"));
	json_object_set(row, "Status", json_object_get(col, "Status"));
	json_object_set_new(row, "Exited", json_boolean(strcmp(state, "exited") == 0));
	json_object_set(row, "ExitCode", json_object_get(col, "ExitCode"));
	json_object_set(row, "Pid", json_object_get(col, "Pid"));
	json_object_set_new(row, "Command", json_is_array(cmd) ? json_copy(cmd) : json_array());
	json_object_set_new(row, "Networks", ps_networks(doc));
	json_object_set_new(row, "Ports", json_is_array(ports) ? json_deep_copy(ports) : json_array());
	json_object_set(row, "PodName", json_object_get(col, "Pod"));
	json_object_set(row, "Pod", json_object_get(col, "Pod"));
	json_object_set_new(row, "AutoRemove", json_boolean(json_is_true(json_object_get(doc, "rm"))));
	json_object_set_new(row, "Labels", json_is_object(json_object_get(doc, "labels")) ?
						   json_deep_copy(json_object_get(doc, "labels")) : json_object());
	json_object_set(row, "CreatedAt", json_object_get(col, "CreatedAt"));
	json_decref(col);
	return row;
}

static bool ps_filter_one(json_t *doc, size_t key, const char *v)
{
	const char *state = display_state(doc);
	json_t *e;
	size_t i;

	switch (key) {
	case 0: /* name: a regular expression, as in Podman */
		return cli_name_matches(json_string_value(json_object_get(doc, "name")) ?: "", v);
	case 1: /* id: a prefix */
		return *v && strncmp(json_string_value(json_object_get(doc, "id")) ?: "", v, strlen(v)) == 0;
	case 2:
		return strcmp(state, v) == 0;
	case 3:
		if (json_object_get(json_object_get(doc, "networks"), v))
			return true;
		json_array_foreach(json_object_get(doc, "network_config"), i, e)
			if (strcmp(json_string_value(json_object_get(e, "network")) ?: "", v) == 0)
				return true;
		return false;
	case 4:
		return strcmp(json_string_value(json_object_get(doc, "pod")) ?: "", v) == 0;
	case 6: /* label=KEY[=VALUE] */
		return opts_labels_match(json_object_get(doc, "labels"), v);
	default: /* 5, exited=N */
		return strcmp(state, "exited") == 0 &&
		       json_integer_value(json_object_get(doc, "exit_code")) == strtoll(v, NULL, 10);
	}
}

static const char *const ps_filter_keys[] = { "name", "id", "status", "network", "pod", "exited", "label" };
static const struct cli_filter ps_filter = { ps_filter_keys, sizeof(ps_filter_keys) / sizeof(ps_filter_keys[0]),
					     ps_filter_one };

int cmd_ps(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' }, { "format", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' }, { "filter", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	_cleanup_json_ json_t *all = NULL;
	struct str_list filters = { 0 };
	struct pn_err err = { 0 };
	bool show_all = false, quiet = false;
	const char *format = "table";
	json_t *doc, *out;
	size_t i;
	int ch;

	optind = 0;
	opterr = 0;
	/* -f is --filter, as in Podman and Docker; --format has no short form */
	while ((ch = getopt_long(argc, argv, "aqf:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': show_all = true; break;
		case 'q': quiet = true; break;
		case 'o': format = optarg; break;
		case 'f':
			if (cli_filter_check(&ps_filter, optarg, &err) < 0)
				return cli_fail(&err);
			/* a status or exit code asked for: not only the running ones */
			if (strncmp(optarg, "status=", 7) == 0 || strncmp(optarg, "exited=", 7) == 0)
				show_all = true;
			if (str_list_add(&filters, optarg, "filters", &err) < 0)
				return cli_fail(&err);
			break;
		default: return cli_failf("ps: unknown option %s", opts_bad_option(argc, argv));
		}
	}
	if (cli_format_check_ls(format, "{{.Names}}", &err) < 0)
		return cli_fail(&err);
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	cli_survey(c, &all, NULL);
	cli_unlock(c);
	out = json_array();
	json_array_foreach(all, i, doc) {
		if ((!show_all && strcmp(display_state(doc), "running") != 0) || !cli_filter_match(&ps_filter, doc, filters.v, filters.n))
			continue;
		json_array_append(out, doc);
	}
	if (strcmp(format, "json") == 0) {
		_cleanup_json_ json_t *rows = json_array();

		json_array_foreach(out, i, doc)
			json_array_append_new(rows, ps_json_row(doc));
		json_decref(out);
		cli_print_json(rows);
		return 0;
	}
	if (cli_format_is_template(format) && !quiet) {
		/* the row: the state document, with Podman's names of the columns on top */
		static const char *const headers[] = { "ID=CONTAINER ID", "CreatedAt=CREATED", "ExitCode=EXIT CODE", NULL };
		_cleanup_json_ json_t *rows = json_array();
		int r;

		json_array_foreach(out, i, doc) {
			json_t *row = json_deep_copy(doc), *col = ps_columns(doc);

			json_object_update(row, col);
			json_decref(col);
			json_array_append_new(rows, row);
		}
		json_decref(out);
		r = cli_format_print(stdout, format, rows, headers, &err);
		return r < 0 ? cli_fail(&err) : 0;
	}
	if (!quiet)
		printf("%-12s  %-20s  %-14s  %-28s  %s\n", "CONTAINER ID", "NAMES", "STATUS", "NETWORKS", "PORTS");
	json_array_foreach(out, i, doc) {
		_cleanup_json_ json_t *col = NULL;

		if (quiet) {
			printf("%.12s\n", json_string_value(json_object_get(doc, "id")));
			continue;
		}
		col = ps_columns(doc);
		printf("%-12.12s  %-20s  %-14s  %-28s  %s\n", json_string_value(json_object_get(col, "ID")),
		       json_string_value(json_object_get(col, "Names")), json_string_value(json_object_get(col, "Status")),
		       json_string_value(json_object_get(col, "NetworksText")), json_string_value(json_object_get(col, "Ports")));
	}
	json_decref(out);
	return 0;
}

/*
 * The container @ref names, or else the pod. When neither exists, the
 * container's error ("no such container: X"); a pod that cannot be read gives its own.
 */
static int load_ctr_or_pod(struct cli *c, const char *ref, json_t **ret, struct pn_err *err)
{
	struct pn_err perr = { 0 };
	int r = netd_sandbox_load(&c->paths, "container", ref, ret, err);

	if (r != -ENOENT)
		return r;
	r = netd_sandbox_load(&c->paths, "pod", ref, ret, &perr);
	if (r == 0)
		pn_err_clear(err);
	else if (r != -ENOENT)
		*err = perr;
	return r;
}

/* Podman's InspectBasicNetworkConfig of one attachment (a state document's networks.NAME) */
static json_t *basic_net_config(json_t *att)
{
	json_t *cfg = json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:s}", "IPAddress", "", "IPPrefixLen", 0, "Gateway", "",
				"GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "IPv6Gateway", "", "MacAddress",
				json_string_value(json_object_get(att, "mac")) ?: "");
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(att, "ips"), i, v) {
		const char *ip = json_string_value(v) ?: "", *slash = strchr(ip, '/');
		bool six = strchr(ip, ':') != NULL;

		if (!slash || *json_string_value(json_object_get(cfg, six ? "GlobalIPv6Address" : "IPAddress")))
			continue; /* the first of each family, as Podman */
		json_object_set_new(cfg, six ? "GlobalIPv6Address" : "IPAddress", json_stringn(ip, (size_t)(slash - ip)));
		json_object_set_new(cfg, six ? "GlobalIPv6PrefixLen" : "IPPrefixLen", json_integer(atoi(slash + 1)));
	}
	json_array_foreach(json_object_get(att, "gateways"), i, v) {
		const char *gw = json_string_value(v) ?: "";

		if (!*json_string_value(json_object_get(cfg, strchr(gw, ':') ? "IPv6Gateway" : "Gateway")))
			json_object_set_new(cfg, strchr(gw, ':') ? "IPv6Gateway" : "Gateway", json_string(gw));
	}
	return cfg;
}

/*
 * Podman's NetworkSettings of a container: Networks (NAME: NetworkID, Aliases
 * and the basic config), Ports ("80/tcp": [{HostIp, HostPort}]) and, when its
 * only network is the default one, the basic config at the top as well (else
 * empty, as Podman, whose users then read .NetworkSettings.Networks).
 */
static json_t *network_settings(json_t *doc)
{
	json_t *set = json_object(), *nets = json_object(), *ports = json_object(), *att, *p;
	json_t *top = NULL;
	const char *k;
	size_t i;

	json_object_foreach(json_object_get(doc, "networks"), k, att) {
		json_t *n = basic_net_config(att);

		json_object_set_new(n, "NetworkID", json_string(k));
		json_object_set(n, "Aliases", json_is_array(json_object_get(att, "aliases")) ?
						  json_object_get(att, "aliases") : json_array());
		json_object_set_new(nets, k, n);
		if (json_object_size(json_object_get(doc, "networks")) == 1 && strcmp(k, NETD_DEFAULT_NETWORK) == 0)
			top = basic_net_config(att);
	}
	json_array_foreach(json_object_get(doc, "ports"), i, p) {
		json_int_t host = json_integer_value(json_object_get(p, "host_port"));
		json_int_t ctr = json_integer_value(json_object_get(p, "container_port"));
		json_int_t range = json_integer_value(json_object_get(p, "range")) ?: 1;
		const char *proto = json_string_value(json_object_get(p, "protocol")) ?: "tcp";

		for (json_int_t j = 0; j < range; j++) {
			char key[32], hp[16];
			json_t *list;

			snprintf(key, sizeof(key), "%lld/%s", (long long)(ctr + j), proto);
			snprintf(hp, sizeof(hp), "%lld", (long long)(host + j));
			list = json_object_get(ports, key);
			if (!list) {
				list = json_array();
				json_object_set_new(ports, key, list);
			}
			json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
							      json_string_value(json_object_get(p, "host_ip")) ?: "",
							      "HostPort", hp));
		}
	}
	if (!top)
		top = basic_net_config(NULL);
	json_object_update(set, top);
	json_decref(top);
	json_object_set_new(set, "Networks", nets);
	json_object_set_new(set, "Ports", ports);
	return set;
}

/*
 * A container's `inspect` document: its own keys, which scripts of earlier
 * versions read, and Podman's: Id, Name, State {Status, Running, Pid, ExitCode},
 * NetworkSettings and HostConfig.NetworkMode. A container on another's network
 * (container:ID) shows that one's networks, as Podman does.
 */
static void add_podman_keys(struct cli *c, json_t *doc)
{
	const char *state = display_state(doc);
	const char *mode = json_string_value(json_object_get(doc, "network_mode")) ?: "bridge";
	_cleanup_json_ json_t *other = NULL;
	struct pn_proc_id init;
	bool running = strcmp(state, "running") == 0;

	if (strncmp(mode, "container:", 10) == 0)
		netd_sandbox_load(&c->paths, "container", mode + 10, &other, NULL);
	json_object_set_new(doc, "Id", json_string(json_string_value(json_object_get(doc, "id")) ?: ""));
	json_object_set_new(doc, "Name", json_string(json_string_value(json_object_get(doc, "name")) ?: ""));
	json_object_set_new(doc, "State",
			    json_pack("{s:s, s:b, s:I, s:I}", "Status", state, "Running", running, "Pid",
				      (json_int_t)(running && netd_sandbox_proc(doc, "init", &init) ? init.pid : 0),
				      "ExitCode", (json_int_t)json_integer_value(json_object_get(doc, "exit_code"))));
	json_object_set_new(doc, "NetworkSettings", network_settings(other ? other : doc));
	json_object_set_new(doc, "HostConfig", json_pack("{s:s}", "NetworkMode", mode));
	json_object_set_new(doc, "Config", json_pack("{s:o}", "Labels", json_is_object(json_object_get(doc, "labels")) ?
							     json_deep_copy(json_object_get(doc, "labels")) : json_object()));
}

int cmd_inspect(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *arr = json_array();
	struct pn_err err = { 0 };
	int rc = 0;
	const char *fmt;
	int first;

	opts_inspect_first(argc, argv);
	first = cli_format_take(argc, argv, &fmt, &err);
	if (first < 0)
		return cli_fail(&err);
	if (argc <= first)
		return cli_failf("inspect: give at least one container");
	for (int i = first; i < argc; i++) {
		json_t *doc = NULL;

		/* as Podman: an error for each name not found, and the documents of the others */
		pn_err_clear(&err);
		if (load_ctr_or_pod(c, argv[i], &doc, &err) < 0) {
			rc = cli_fail(&err);
			continue;
		}
		if (strcmp(display_state(doc), "running") == 0 && !netd_sandbox_alive(doc))
			json_object_set_new(doc, "state", json_string("stopped (not yet cleaned)"));
		if (strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "container") == 0)
			add_podman_keys(c, doc);
		else
			cli_pod_podman_keys(c, doc, NULL);
		json_array_append_new(arr, doc);
	}
	if (json_array_size(arr) || rc == 0) {
		int r = cli_print_docs(arr, fmt);

		if (rc == 0)
			return r;
	}
	return rc;
}

/*
 * Stop one container: TERM, wait, KILL; then make sure its state is torn
 * down. Like `kill`, `restart` and `rm`, it loads the container once no
 * other command is starting it (cli_load_settled_unlocked(), as Podman's
 * container lock makes them wait for a `run` or `start` under way): else a
 * stop would find nothing to signal and the container would run after all.
 */
static int stop_one(struct cli *c, const char *ref, int timeout, bool quiet, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	struct pn_proc_id init;
	char id[NETD_ID_LEN + 1];
	int r;

	r = cli_load_settled_unlocked(c, "container", ref, &doc, err);
	if (r < 0)
		return r;
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")));
	if (timeout < 0)
		timeout = (int)json_integer_value(json_object_get(doc, "stop_timeout"));
	/* also while its monitor waits to restart it: then the monitor goes at once */
	cli_request_stop(c, doc);
	if (netd_sandbox_proc(doc, "init", &init))
		pn_proc_stop_wait(&init, cli_stop_signal(doc), opts_timeout_ms(timeout));
	/* the monitor tears down and exits; if it was killed too, we do it now */
	{
		struct pn_proc_id mon;

		if (netd_sandbox_proc(doc, "monitor", &mon) && mon.pid != getpid())
			pn_proc_wait_exit(&mon, 5000);
	}
	r = cli_lock(c, err);
	if (r < 0)
		return r;
	json_decref(doc);
	doc = NULL;
	/* stopped, and still not torn down: its monitor is gone, or stuck (then it finds the work done) */
	if (netd_sandbox_load(&c->paths, "container", id, &doc, NULL) == 0 &&
	    (cli_sandbox_stale(doc) ||
	     (strcmp(display_state(doc), "running") == 0 && !netd_sandbox_alive(doc))))
		cli_teardown(c, doc, json_is_true(json_object_get(doc, "rm")), 137, NULL);
	cli_unlock(c);
	if (!quiet)
		printf("%s\n", ref);
	return 0;
}

/*
 * `stop [-t S] CONTAINER... | --all`: TERM, then KILL after the stop timeout
 * (or S). `restart`, the same options: stop each running one, then start it
 * again with its networks; --all names every container, running or not.
 */
static int stop_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	(void)ctx;
	return stop_one(c, ref, no->timeout, false, err);
}

static int restart_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	json_t *doc = NULL;
	int r;

	(void)ctx;
	r = cli_load_settled_unlocked(c, "container", ref, &doc, err);
	if (r == 0 && json_is_true(json_object_get(doc, "rm")))
		r = pn_err_set(err, EINVAL, "container %s was run with --rm: it is removed when it stops, so it cannot restart", ref);
	if (r == 0 && netd_sandbox_alive(doc))
		r = stop_one(c, ref, no->timeout, true, err);
	json_decref(doc);
	return r < 0 ? r : cli_start_one(c, ref, false, err);
}

int cmd_stop(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "stop", "tai", "container", true, stop_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

int cmd_restart(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "restart", "ta", "container", false, restart_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

/*
 * `kill [-s SIGNAL] CONTAINER...`: send SIGNAL (default KILL, as Podman) to
 * the container's command; its init passes every signal but KILL on to it.
 */
static int kill_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	struct pn_proc_id init;
	int r;

	(void)ctx;
	r = cli_load_settled_unlocked(c, "container", ref, &doc, err);
	if (r == 0 && (!netd_sandbox_alive(doc) || !netd_sandbox_proc(doc, "init", &init)))
		r = pn_err_set(err, ESRCH, "container %s is not running", ref);
	if (r == 0 && (r = pn_proc_kill(&init, no->sig)) < 0)
		pn_err_set(err, -r, r == -ESRCH ? "container %s is not running" : "cannot signal container %s: %s", ref,
			   strerror(-r));
	if (r == 0)
		printf("%s\n", ref);
	return r;
}

int cmd_kill(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "kill", "sa", "container", true, kill_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

int cli_wait_exit(struct cli *c, const char *ref, struct pn_err *err)
{
	char id[NETD_ID_LEN + 1] = "";
	bool seen = false;

	for (;;) {
		_cleanup_json_ json_t *doc = NULL;
		struct pn_proc_id p;
		int r = netd_sandbox_load(&c->paths, "container", id[0] ? id : ref, &doc, err);

		if (r == -ENOENT) {
			/* a --rm container removed when it exited (by the id seen, or the name or id given) */
			int code = cli_exit_lookup(c, id[0] ? id : ref);

			if (code >= 0) {
				pn_err_clear(err);
				return code;
			}
			if (seen)
				r = pn_err_set(err, ENOENT, "container %s was removed: its exit code is gone", ref);
		}
		if (r < 0)
			return r;
		seen = true;
		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")) ?: "");
		if (strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "exited") == 0)
			return (int)json_integer_value(json_object_get(doc, "exit_code"));
		if (cli_sandbox_stale(doc)) {
			/* nobody is left to record the end: do it, as any command would */
			if (cli_lock(c, err) == 0) {
				cli_gc(c, NULL);
				cli_unlock(c);
			} else {
				usleep(20000);
			}
			continue;
		}
		/* the init's end, then the monitor's tear-down that records the code */
		if (netd_sandbox_proc(doc, "init", &p) && pn_proc_alive(&p))
			pn_proc_wait_exit(&p, 1000);
		else if (netd_sandbox_proc(doc, "monitor", &p) && pn_proc_alive(&p))
			pn_proc_wait_exit(&p, 1000);
		else
			usleep(20000);
	}
}

/*
 * `wait CONTAINER...`: block until each has exited, and print its exit code
 * (one line each, as Podman). A container run with --rm is gone once it has
 * exited: its code is kept for CLI_EXIT_KEEP_SECONDS (cli_exit_record()), as
 * Podman keeps it, so that `run -d --rm` then `wait` works.
 */
int cmd_wait(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	int rc = 0, first = opts_refs_only(argc, argv, "wait", &err);

	if (first < 0)
		return cli_fail(&err);
	if (first >= argc)
		return cli_failf("wait: give at least one container");
	cli_exits_prune(c);
	for (int i = first; i < argc; i++) {
		int code;

		pn_err_clear(&err);
		code = cli_wait_exit(c, argv[i], &err);
		if (code < 0) {
			rc = cli_fail(&err);
			continue;
		}
		printf("%d\n", code);
		fflush(stdout);
	}
	return rc;
}

/*
 * Decided on one look at the container and done under a later hold of the
 * lock: a `start` (or its restart policy) may run it in between. The second
 * look is by id, and finds it running again: refused without -f, stopped
 * again with it (a few times at most).
 */
/* -EBUSY in Podman's words when containers joined @id's network (run --network container:), else 0 */
static int dependents_check(struct cli *c, const char *ref, const char *id, const char *why, struct pn_err *err)
{
	_cleanup_json_ json_t *deps = cli_joined_names(c, id);
	char list[512];
	size_t len = 0, i;
	json_t *v;

	if (!json_array_size(deps))
		return 0;
	list[0] = '\0';
	json_array_foreach(deps, i, v)
		if (len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", json_string_value(v));
	return pn_err_set(err, EBUSY, "container %s has dependent containers which must be removed before it: %s (%s)",
			  ref, list, why);
}

int cli_rm_one(struct cli *c, const char *ref, bool force, int timeout, struct pn_err *err)
{
	for (int tries = 0;; tries++) {
		char id[NETD_ID_LEN + 1];
		json_t *doc = NULL;
		bool busy;
		int r;

		r = cli_load_settled_unlocked(c, "container", ref, &doc, err);
		if (r < 0)
			return r;
		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")) ?: "");
		r = dependents_check(c, ref, id, "or use rm --depend", err);
		if (r < 0) {
			json_decref(doc);
			return r;
		}
		if (netd_sandbox_alive(doc)) {
			json_decref(doc);
			if (!force)
				return pn_err_set(err, EBUSY, "container %s is running: stop it first or use rm -f", ref);
			stop_one(c, id, timeout, true, NULL);
		} else {
			cli_request_stop(c, doc);
			json_decref(doc);
		}
		doc = NULL;
		r = cli_lock(c, err);
		if (r < 0)
			return r;
		if (netd_sandbox_load(&c->paths, "container", id, &doc, NULL) < 0) {
			cli_unlock(c); /* removed meanwhile: what was asked */
			return 0;
		}
		busy = netd_sandbox_alive(doc) || cli_sandbox_starting(doc);
		if (!busy) {
			/* a container may have joined its network since the first look */
			r = dependents_check(c, ref, id, "one joined it meanwhile", err);
			if (r < 0) {
				json_decref(doc);
				cli_unlock(c);
				return r;
			}
			cli_teardown(c, doc, true, 137, NULL);
		}
		json_decref(doc);
		cli_unlock(c);
		if (!busy)
			return 0;
		if (!force || tries >= 3)
			return pn_err_set(err, EBUSY, "container %s was started again meanwhile: %s", ref,
					  force ? "not removed" : "stop it first or use rm -f");
	}
}

static int rm_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	int r;

	(void)ctx;
	if (no->depend || no->all) {
		/* the containers on its network first (and theirs); --all lists them too: gone by then */
		json_t *doc = NULL;

		if (netd_sandbox_load(&c->paths, "container", ref, &doc, NULL) == -ENOENT && no->all)
			return 0;
		if (doc) {
			_cleanup_json_ json_t *deps = cli_joined_names(c, json_string_value(json_object_get(doc, "id")));
			json_t *v;
			size_t i;

			json_decref(doc);
			json_array_foreach(deps, i, v) {
				r = rm_named(c, json_string_value(v), no, ctx, err);
				/* --all comes to the dependent in turn and says why it stays: say here why this one does */
				if (r < 0 && no->all)
					return pn_err_set(err, EBUSY, "container %s has dependent containers which must be "
							  "removed before it: %s", ref, json_string_value(v));
				if (r != 0)
					return r;
			}
		}
	}
	r = cli_rm_one(c, ref, no->force, no->timeout < 0 ? 0 : no->timeout, err);
	if (r == 0)
		printf("%s\n", ref);
	return r;
}

int cmd_rm(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "rm", "faDti", "container", false, rm_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

int cmd_exec(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	struct netd_infra inf = NETD_INFRA_INIT;
	_cleanup_json_ json_t *doc = NULL;
	static const char *const types[] = { "ipc", "uts", "net", "pid", "mnt" };
	static const int flags[] = { CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS };
	static const struct option longopts[] = {
		{ "interactive", no_argument, NULL, 'i' }, { "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' }, { "workdir", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ json_t *env = NULL;
	const char *workdir = NULL;
	int fds[5], argi, status, ch;
	struct str_list envs = { 0 };
	struct pn_proc_id init;
	pid_t pid;

	optind = 0;
	opterr = 0;
	/* as podman exec: -i and -t accepted (the caller's stdio is the command's), -e, -w */
	while ((ch = getopt_long(argc, argv, "+:ite:w:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
		case 't':
			break;
		case 'e':
			if (opts_env_entry_check(optarg, &err) < 0 || str_list_add(&envs, optarg, "--env entries", &err) < 0)
				return cli_fail(&err);
			break;
		case 'w':
			if (opts_workdir_check(optarg, &err) < 0)
				return cli_fail(&err);
			workdir = optarg;
			break;
		case ':':
			return cli_failf("exec: option %s needs a value", argv[optind - 1]);
		default:
			return cli_failf("exec: unknown option %s", opts_bad_option(argc, argv));
		}
	}
	argi = optind;
	if (argi >= argc)
		return cli_failf("exec: usage: podnet exec [-e NAME[=VALUE]]... [-w DIR] CONTAINER|POD -- CMD [ARG...]");
	env = opts_env_json(&envs);
	if (!env)
		return cli_failf("out of memory");
	/* a pod's namespaces are its pause process's, as its members' are */
	if (load_ctr_or_pod(c, argv[argi], &doc, &err) < 0)
		return cli_fail(&err);
	argi++;
	if (argi < argc && strcmp(argv[argi], "--") == 0)
		argi++;
	if (argi >= argc)
		return cli_failf("exec: missing command");
	if (!netd_sandbox_proc(doc, "init", &init) || !pn_proc_alive(&init))
		return cli_failf("%s %s is not running", json_string_value(json_object_get(doc, "kind")) ?: "container",
				 json_string_value(json_object_get(doc, "name")));
	if (c->paths.rootless && netd_infra_open(&c->paths, &inf, &err) < 0)
		return cli_failf("the infra namespace is gone; run 'podnet ps' to clean up");
	for (int i = 0; i < 5; i++) {
		fds[i] = pn_ns_open(init.pid, types[i]);
		if (fds[i] < 0)
			return cli_failf("cannot open the container's namespaces: %s", strerror(-fds[i]));
		/* one the container shares with us (the network of --network host) is not entered */
		if (pn_ns_is_mine(fds[i], types[i])) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	pid = fork();
	if (pid < 0)
		return cli_failf("fork: %s", strerror(errno));
	if (pid == 0) {
		pid_t child;

		if (pn_ns_join(inf.userns_fd, -1) < 0)
			_exit(EXIT_PODNET);
		for (int i = 0; i < 5; i++)
			if (fds[i] >= 0 && setns(fds[i], flags[i]) < 0) {
				fprintf(stderr, "Error: cannot enter the container's %s namespace: %s\n", types[i],
					strerror(errno));
				_exit(EXIT_PODNET);
			}
		/* entering the PID namespace takes effect for children */
		child = fork();
		if (child == 0) {
			/* as podman exec: the container's working directory and --env, then exec's own */
			const char *wd = workdir ? workdir : json_string_value(json_object_get(doc, "workdir")) ?: "/";

			if (chdir(wd) < 0) {
				fprintf(stderr, "Error: cannot change to the working directory %s: %s\n", wd, strerror(errno));
				_exit(126);
			}
			cli_env_apply(json_object_get(doc, "env"));
			cli_env_apply(env);
			execvp(argv[argi], argv + argi);
			fprintf(stderr, "Error: cannot run %s: %s\n", argv[argi], strerror(errno));
			_exit(errno == ENOENT ? 127 : 126);
		}
		if (child < 0 || waitpid(child, &status, 0) < 0)
			_exit(EXIT_PODNET);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	netd_infra_close(&inf);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_failf("wait: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *cli_log_path(struct cli *c, json_t *doc, char *buf)
{
	char dir[PATH_MAX];

	netd_sandbox_dir(&c->paths, json_string_value(json_object_get(doc, "id")), dir);
	return pn_path(buf, "%s/log", dir);
}

static volatile sig_atomic_t attach_signal;

static void attach_on_signal(int sig)
{
	attach_signal = sig;
}

/*
 * Copy the log at @path to stdout from byte @off; with @follow, on until the
 * container of @doc has stopped (woken by writes; its end is checked between
 * them). A log that does not exist is empty. With @proxy, a signal caught
 * meanwhile (attach_signal) goes to that process.
 */
static int log_copy(const char *path, off_t off, json_t *doc, bool follow, const struct pn_proc_id *proxy)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC), ino = -1;
	char buf[65536];

	if (fd < 0)
		return errno == ENOENT ? 0 : cli_failf("%s: %s", path, strerror(errno));
	if (off > 0 && lseek(fd, off, SEEK_SET) < 0)
		return cli_failf("%s: %s", path, strerror(errno));
	if (follow) {
		ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (ino >= 0 && inotify_add_watch(ino, path, IN_MODIFY) < 0) {
			close(ino);
			ino = -1;
		}
	}
	fflush(stdout);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			for (ssize_t o = 0, w; o < n; o += w) {
				w = write(1, buf + o, (size_t)(n - o));
				if (w < 0 && errno == EINTR)
					w = 0;
				else if (w < 0)
					return cli_failf("writing the log: %s", strerror(errno));
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_failf("%s: %s", path, strerror(errno));
		if (proxy && attach_signal) {
			pn_proc_kill(proxy, attach_signal);
			attach_signal = 0;
		}
		if (!follow || !netd_sandbox_alive(doc)) {
			/* what it wrote before it stopped is all there: one last read */
			if (follow) {
				follow = false;
				continue;
			}
			return 0;
		}
		{
			struct pollfd p = { .fd = ino, .events = POLLIN };

			if (poll(&p, ino >= 0 ? 1 : 0, 250) > 0)
				while (read(ino, buf, sizeof(buf)) > 0) {
				}
		}
	}
}

/*
 * `logs [-f] CONTAINER`: the output of a detached container (run -d writes it
 * to $RUN/ctr/ID/log; a foreground container's went to its terminal). -f
 * follows it until the container stops.
 */
/* where the last @n lines of file @path begin (a last line without its newline counts); 0 for fewer */
static off_t tail_offset(const char *path, long long n)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[8192];
	off_t pos, size;
	bool last = true; /* the file's last byte */

	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) <= 0)
		return 0;
	if (n == 0)
		return size;
	for (pos = size; pos > 0;) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t got = pread(fd, buf, chunk, pos - (off_t)chunk);

		if (got != (ssize_t)chunk)
			return 0;
		for (size_t i = chunk; i-- > 0;) {
			/* a newline ends a line; the one that ends the file does not start another */
			if (buf[i] == '\n' && !(last && i == chunk - 1) && n-- == 1)
				return pos - (off_t)chunk + (off_t)i + 1;
			last = false;
		}
		pos -= (off_t)chunk;
	}
	return 0;
}

int cmd_logs(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *doc = NULL;
	struct pn_err err = { 0 };
	char path[PATH_MAX];
	bool follow = false;
	long long tail = -1;
	int argi = 1;
	static const char *const with_value[] = { "--tail", NULL };

	opts_options_first(argc, argv, with_value);
	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		const char *v = NULL;
		char *end;

		if (strcmp(argv[argi], "-f") == 0 || strcmp(argv[argi], "--follow") == 0) {
			follow = true;
			continue;
		}
		if (strcmp(argv[argi], "--") == 0) {
			argi++;
			break;
		}
		if (strcmp(argv[argi], "--tail") == 0 && argi + 1 < argc)
			v = argv[++argi];
		else if (strncmp(argv[argi], "--tail=", 7) == 0)
			v = argv[argi] + 7;
		else
			return cli_failf("logs: unknown option %s", argv[argi]);
		/* as podman logs --tail: the last N lines, -1 for all */
		errno = 0;
		tail = strtoll(v, &end, 10);
		if (!*v || *end || errno || tail < -1)
			return cli_failf("logs: invalid --tail \"%s\": want a number of lines (-1: all)", v);
	}
	if (argi != argc - 1)
		return cli_failf("logs: give one container");
	if (netd_sandbox_load(&c->paths, "container", argv[argi], &doc, &err) < 0)
		return cli_fail(&err);
	cli_log_path(c, doc, path);
	return log_copy(path, tail >= 0 ? tail_offset(path, tail) : 0, doc, follow, NULL);
}

off_t cli_log_size(struct cli *c, const char *ref)
{
	_cleanup_json_ json_t *doc = NULL;
	char path[PATH_MAX];
	struct stat st;

	if (netd_sandbox_load(&c->paths, "container", ref, &doc, NULL) < 0 || stat(cli_log_path(c, doc, path), &st) < 0)
		return 0;
	return st.st_size;
}

int cli_attach(struct cli *c, const char *ref, off_t off, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	struct sigaction sa = { .sa_handler = attach_on_signal }, old_int, old_term;
	struct pn_proc_id init;
	char path[PATH_MAX];
	int r = netd_sandbox_load(&c->paths, "container", ref, &doc, err);

	if (r < 0)
		return r;
	/* as Podman's --sig-proxy: INT and TERM go to the container, which decides */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	r = log_copy(cli_log_path(c, doc, path), off, doc, true, netd_sandbox_proc(doc, "init", &init) ? &init : NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	/* log_copy() printed its error: its exit code */
	return r != 0 ? r : cli_wait_exit(c, ref, err);
}

/*
 * `port CONTAINER|POD [PORT[/PROTO]]`, as podman port: every published port as
 * "80/tcp -> 0.0.0.0:8080" (a range, port by port), or the host ends of one.
 * A pod member's ports are its pod's.
 */
int cmd_port(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *doc = NULL, *pod = NULL;
	struct pn_err err = { 0 };
	long want = 0;
	char want_proto[8] = "tcp";
	const char *podname;
	json_t *ports, *p;
	size_t i;
	int found = 0, first = opts_refs_only(argc, argv, "port", &err);

	if (first < 0)
		return cli_fail(&err);
	if (argc - first < 1 || argc - first > 2)
		return cli_failf("port: usage: podnet port CONTAINER|POD [PORT[/PROTO]]");
	if (argc - first == 2) {
		const char *spec = argv[first + 1];
		char *end;

		errno = 0;
		want = strtol(spec, &end, 10);
		if (errno || end == spec || want < 1 || want > 65535 ||
		    (*end && (*end != '/' || (strcmp(end + 1, "tcp") && strcmp(end + 1, "udp")))))
			return cli_failf("port: invalid port \"%s\": want PORT or PORT/tcp or PORT/udp", spec);
		if (*end)
			snprintf(want_proto, sizeof(want_proto), "%s", end + 1);
	}
	if (load_ctr_or_pod(c, argv[first], &doc, &err) < 0)
		return cli_fail(&err);
	podname = json_string_value(json_object_get(doc, "pod"));
	if (podname && *podname && netd_sandbox_load(&c->paths, "pod", podname, &pod, NULL) == 0)
		ports = json_object_get(pod, "ports");
	else
		ports = json_object_get(doc, "ports");
	json_array_foreach(ports, i, p) {
		const char *hip = json_string_value(json_object_get(p, "host_ip"));
		json_int_t hp = json_integer_value(json_object_get(p, "host_port"));
		json_int_t cp = json_integer_value(json_object_get(p, "container_port"));
		json_int_t range = json_integer_value(json_object_get(p, "range"));
		const char *proto = json_string_value(json_object_get(p, "protocol")) ?: "tcp";
		char host[64];

		if (!hip || !*hip)
			hip = "0.0.0.0";
		snprintf(host, sizeof(host), strchr(hip, ':') ? "[%s]" : "%s", hip);
		for (json_int_t k = 0; k < (range > 1 ? range : 1); k++) {
			if (!want) {
				printf("%lld/%s -> %s:%lld\n", (long long)(cp + k), proto, host, (long long)(hp + k));
			} else if (cp + k == want && strcmp(proto, want_proto) == 0) {
				printf("%s:%lld\n", host, (long long)(hp + k));
				found++;
			}
		}
	}
	if (want && !found)
		return cli_failf("failed to find published port \"%ld/%s\"", want, want_proto);
	return 0;
}

/* `container exists NAME`: 0 when it exists, 1 when not (Podman's exit codes) */
static int container_exists(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *doc = NULL;
	struct pn_err err = { 0 };
	int first = opts_refs_only(argc, argv, "container exists", &err);

	if (first < 0)
		return cli_fail(&err);
	if (argc - first != 1)
		return cli_failf("container exists: give one container");
	return netd_sandbox_load(&c->paths, "container", argv[first], &doc, NULL) < 0 ? 1 : 0;
}

/* container prune's removal: 1 for one gone meanwhile (a --rm container, or another command) */
static int prune_one(struct cli *c, const char *id, struct pn_err *err)
{
	int r = cli_rm_one(c, id, false, 0, err);

	return r == -ENOENT ? 1 : r;
}

int cmd_container(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *c, int argc, char **argv);
	} cmds[] = {
		{ "ps", cmd_ps }, { "run", cmd_run }, { "inspect", cmd_inspect }, { "exec", cmd_exec },
		{ "logs", cmd_logs }, { "port", cmd_port }, { "start", cmd_start }, { "stop", cmd_stop },
		{ "restart", cmd_restart }, { "kill", cmd_kill }, { "wait", cmd_wait }, { "rm", cmd_rm },
	};
	const char *cmd;

	if (argc < 2)
		return cli_failf("container: missing subcommand (ls, run, inspect, exec, logs, port, start, stop, "
				 "restart, kill, wait, rm, exists, prune)");
	if (strcmp(argv[1], "exists") == 0)
		return container_exists(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "prune") == 0) /* every exited container, as Podman */
		return cli_prune(c, argc - 1, argv + 1, "container prune", false, prune_one);
	cmd = opts_container_sub(argv[1]);
	for (size_t i = 0; cmd && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, cmd) == 0) {
			argv[1] = (char *)cmd; /* its messages name the command as at the top level */
			return cmds[i].fn(c, argc - 1, argv + 1);
		}
	return cli_failf("container: unknown subcommand \"%s\"", argv[1]);
}
