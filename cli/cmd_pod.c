// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `podnet pod ...`: a pod is a sandbox whose network, UTS and IPC namespaces
 * are held by a pause process; its members join them and reach each other on
 * localhost. Networks and published ports belong to the pod.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "format.h"
#include "cleanup.h"
#include "helpers.h"
#include "netcmd.h"
#include "opts.h"
#include "sandbox.h"
#include "state.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int pod_create(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	struct run_opts o;
	struct netd_infra inf = NETD_INFRA_INIT;
	struct netd_network nets[CLI_MAX_LIST];
	json_t *doc = NULL, *add_hosts;
	char id[NETD_ID_LEN + 1], created[40];
	struct pn_proc_id self, init;
	int r, nnets = 0, go = -1;
	bool host_access;
	struct launch l;

	if (pod_opts_parse(argc, argv, &o, &err) < 0)
		return cli_fail(&err);
	if (helpers_validate_ports(c, &o, &err) < 0)
		return cli_fail(&err);
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	if (o.networks.n == 0 && !o.network_none && !o.network_host)
		o.networks.v[o.networks.n++] = NETD_DEFAULT_NETWORK;
	for (int i = 0; i < o.networks.n; i++)
		if (strcmp(o.networks.v[i], NETD_DEFAULT_NETWORK) == 0 && network_ensure_default(c, &err) < 0)
			return cli_fail(&err);
	for (int i = 0; i < o.networks.n; i++) {
		if (netd_network_load(&c->paths, o.networks.v[i], &nets[i], &err) < 0) {
			for (int j = 0; j < i; j++)
				netd_network_clear(&nets[j]);
			return cli_fail(&err);
		}
		nnets++;
	}
	netd_id_new(id);
	r = netd_sandbox_claim(&c->paths, "pod", id, o.name, &err);
	if (r == -EEXIST) {
		cli_gc(c, NULL);
		pn_err_clear(&err);
		r = netd_sandbox_claim(&c->paths, "pod", id, o.name, &err);
	}
	if (r < 0) {
		for (int j = 0; j < nnets; j++)
			netd_network_clear(&nets[j]);
		return cli_fail(&err);
	}
	netd_now_rfc3339(created, sizeof(created));
	pn_proc_self_id(&self);
	add_hosts = opts_add_hosts_json(&o.add_hosts, &host_access);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:[], s:o, s:o, s:b, s:s}", "id", id, "name", o.name,
			"kind", "pod", "pod", "", "created", created, "state", "created", "publish", str_list_json(&o.ports),
			"networks", json_object(), "members", "add_hosts", add_hosts, "dns", str_list_json(&o.dns),
			"host_access", host_access, "hostname", o.hostname ? o.hostname : o.name);
	json_object_set_new(doc, "network_mode", json_string(o.network_host ? "host" : o.network_none ? "none" : "bridge"));
	if (o.dns_search.n)
		json_object_set_new(doc, "dns_search", str_list_json(&o.dns_search));
	if (o.dns_options.n)
		json_object_set_new(doc, "dns_options", str_list_json(&o.dns_options));
	netd_sandbox_set_proc(doc, "monitor", &self);
	r = netd_sandbox_save(&c->paths, doc, &err);
	for (int i = 0; r == 0 && i < nnets; i++) {
		struct netd_static st;
		json_t *own = opts_net_entry(&o, i, &st);

		r = netd_attach_plan(&c->paths, doc, &nets[i], &st, own, &err);
		json_decref(own);
	}
	for (int j = 0; j < nnets; j++)
		netd_network_clear(&nets[j]);
	if (r == 0)
		r = cli_infra(c, &inf, &err);
	if (r == 0)
		r = netd_sandbox_save(&c->paths, doc, &err);
	if (r == 0)
		r = write_sandbox_files(c, doc, NULL, &err);
	if (r == 0)
		cli_mark_live(c, id, true);
	cli_unlock(c);
	if (r == 0) {
		memset(&l, 0, sizeof(l));
		l.doc = doc;
		l.inf = &inf;
		l.is_pod = true;
		l.network_host = o.network_host;
		l.out_fd = -1;
		r = launch_sandbox(c, &l, &init, &go, &err);
	}
	cli_lock(c, NULL);
	if (r == 0) {
		char path[PATH_MAX], dir[PATH_MAX];

		netd_sandbox_set_proc(doc, "init", &init);
		pn_pidfile_write(pn_path(path, "%s/init.pid", netd_sandbox_dir(&c->paths, id, dir)), &init);
		json_object_set_new(doc, "state", json_string("running"));
		r = helpers_sandbox_started(c, &inf, doc, &err);
		if (r == 0)
			r = netd_sandbox_save(&c->paths, doc, &err);
		if (r < 0)
			pn_proc_kill_wait(&init, 0);
	}
	if (r < 0) {
		json_object_set_new(doc, "rm", json_true());
		cli_teardown(c, doc, true, 125, NULL);
	} else {
		netd_dns_publish(&c->paths, doc, NULL, false);
		cli_helpers_reload(c);
	}
	cli_unlock(c);
	netd_infra_close(&inf);
	if (go >= 0) {
		if (r == 0 && write(go, "g", 1) != 1)
			r = pn_err_set(&err, EIO, "the pod's pause process died");
		close(go);
	}
	json_decref(doc);
	if (r < 0)
		return cli_fail(&err);
	printf("%s\n", id);
	return 0;
}

static bool pod_filter_one(json_t *doc, size_t key, const char *v)
{
	json_t *m;
	size_t i;

	switch (key) {
	case 0: /* name: a part of it */
		return strstr(json_string_value(json_object_get(doc, "name")) ?: "", v) != NULL;
	case 1: /* id: a prefix */
		return *v && strncmp(json_string_value(json_object_get(doc, "id")) ?: "", v, strlen(v)) == 0;
	case 2:
		return strcmp(json_string_value(json_object_get(doc, "state")) ?: "", v) == 0;
	case 3:
		return json_object_get(json_object_get(doc, "networks"), v) != NULL;
	case 4: /* ctr-names: one of its members */
		json_array_foreach(json_object_get(doc, "members"), i, m)
			if (strcmp(json_string_value(m) ?: "", v) == 0)
				return true;
		return false;
	default: { /* ctr-number=N */
		char *end;
		long long n = strtoll(v, &end, 10);

		return *v && !*end && n == (long long)json_array_size(json_object_get(doc, "members"));
	}
	}
}

static const char *const pod_filter_keys[] = { "name", "id", "status", "network", "ctr-names", "ctr-number" };
static const struct cli_filter pod_filter = { pod_filter_keys, sizeof(pod_filter_keys) / sizeof(pod_filter_keys[0]),
					      pod_filter_one };

static int pod_ls(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
		{ "filter", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	static const char *const headers[] = { "ID=POD ID", "NumberOfContainers=# OF CONTAINERS", NULL };
	_cleanup_json_ json_t *all = NULL, *rows = NULL, *some = NULL;
	struct str_list filters = { 0 };
	struct pn_err err = { 0 };
	const char *format = "table";
	bool quiet = false;
	json_t *doc;
	size_t i;
	int ch;

	optind = 0;
	opterr = 0;
	/* -f is --filter, as in ps */
	while ((ch = getopt_long(argc, argv, "+qf:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q': quiet = true; break;
		case 'o': format = optarg; break;
		case 'f':
			if (cli_filter_check(&pod_filter, optarg, &err) < 0 || str_list_add(&filters, optarg, "filters", &err) < 0)
				return cli_fail(&err);
			break;
		default: return cli_failf("pod ls: unknown option %s", opts_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return cli_failf("pod ls: unexpected argument %s", argv[optind]);
	if (cli_format_check_ls(format, "{{.Name}}", &err) < 0)
		return cli_fail(&err);
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	cli_survey(c, NULL, &some);
	cli_unlock(c);
	all = json_array();
	json_array_foreach(some, i, doc)
		if (cli_filter_match(&pod_filter, doc, filters.v, filters.n))
			json_array_append(all, doc);
	if (quiet) {
		json_array_foreach(all, i, doc)
			printf("%.12s\n", json_string_value(json_object_get(doc, "id")));
		return 0;
	}
	if (strcmp(format, "json") == 0) {
		cli_print_json(all);
		return 0;
	}
	/* a row: the pod's document with Podman's names of its columns on top */
	rows = json_array();
	json_array_foreach(all, i, doc) {
		json_t *row = json_deep_copy(doc), *nets = json_array(), *att;
		const char *k;
		char id[13];

		json_object_foreach(json_object_get(doc, "networks"), k, att)
			json_array_append_new(nets, json_string(k));
		snprintf(id, sizeof(id), "%.12s", json_string_value(json_object_get(doc, "id")) ?: "");
		json_object_set_new(row, "ID", json_string(id));
		json_object_set_new(row, "Status", json_string(json_string_value(json_object_get(doc, "state")) ?: ""));
		json_object_set_new(row, "NumberOfContainers",
				    json_integer((json_int_t)json_array_size(json_object_get(doc, "members"))));
		json_object_set_new(row, "Networks", nets);
		json_array_append_new(rows, row);
	}
	if (strcmp(format, "table") == 0)
		format = "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.NumberOfContainers}}";
	if (cli_format_print(stdout, format, rows, headers, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* `pod exists POD`: exit 0 or 1, as podman, for scripts */
static int pod_exists(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *doc = NULL;

	if (argc != 2)
		return cli_failf("pod exists: give one pod");
	return netd_sandbox_load(&c->paths, "pod", argv[1], &doc, NULL) < 0 ? 1 : 0;
}

static int pod_inspect(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *arr = json_array();
	struct pn_err err = { 0 };
	const char *fmt;
	int first = cli_format_take(argc, argv, &fmt, &err);

	if (first < 0)
		return cli_fail(&err);
	if (argc <= first)
		return cli_failf("pod inspect: give a pod");
	for (int i = first; i < argc; i++) {
		json_t *doc = NULL;

		if (netd_sandbox_load(&c->paths, "pod", argv[i], &doc, &err) < 0)
			return cli_fail(&err);
		json_array_append_new(arr, doc);
	}
	return cli_print_docs(arr, fmt);
}

/*
 * The containers of pod @pod (a state document): those naming it that were
 * created after it (an exited container of an earlier pod of the same name
 * is not this pod's). Return: a new array of their documents.
 */
static json_t *pod_containers(struct cli *c, json_t *pod)
{
	_cleanup_json_ json_t *all = NULL;
	const char *name = json_string_value(json_object_get(pod, "name")) ?: "";
	const char *created = json_string_value(json_object_get(pod, "created")) ?: "";
	json_t *out = json_array(), *doc;
	size_t i;

	netd_sandbox_list(&c->paths, "container", &all, NULL);
	json_array_foreach(all, i, doc) {
		const char *cc = json_string_value(json_object_get(doc, "created")) ?: "";

		if (strcmp(json_string_value(json_object_get(doc, "pod")) ?: "", name) == 0 && strcmp(cc, created) >= 0)
			json_array_append(out, doc);
	}
	return out;
}

/* by their processes, not the pod's member list: a member killed outside podnet is not running */
static bool pod_has_running(json_t *ctrs)
{
	json_t *doc;
	size_t i;

	json_array_foreach(ctrs, i, doc)
		if (netd_sandbox_alive(doc) || cli_sandbox_starting(doc))
			return true;
	return false;
}

/*
 * As podman: a pod with running containers is refused without -f; with -f
 * they are stopped as `stop` would (SIGTERM, their stop timeout, SIGKILL).
 * The pod's containers, stopped, go with it.
 */
static int pod_rm(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	bool force;
	int first = opts_force(argc, argv, &force);
	if (first >= argc)
		return cli_failf("pod rm: give a pod");
	for (int i = first; i < argc; i++) {
		_cleanup_json_ json_t *doc = NULL, *ctrs = NULL;
		struct pn_proc_id init;
		char id[NETD_ID_LEN + 1];
		json_t *ctr;
		size_t k;

		if (netd_sandbox_load(&c->paths, "pod", argv[i], &doc, &err) < 0)
			return cli_fail(&err);
		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")));
		ctrs = pod_containers(c, doc);
		if (pod_has_running(ctrs) && !force)
			return cli_failf("pod %s has running containers: stop them first or use pod rm -f", argv[i]);
		cli_pod_stop_members(c, doc, NULL, true);
		/* each member's monitor tears it down and exits: let it finish before the state goes */
		json_array_foreach(ctrs, k, ctr) {
			struct pn_proc_id mon;

			if (netd_sandbox_proc(ctr, "monitor", &mon) && mon.pid != getpid())
				pn_proc_wait_exit(&mon, 5000);
		}
		if (netd_sandbox_proc(doc, "init", &init))
			pn_proc_kill_wait(&init, 2000);
		if (cli_lock(c, &err) < 0)
			return cli_fail(&err);
		cli_gc(c, NULL);
		json_array_foreach(ctrs, k, ctr) {
			json_t *now = NULL;

			if (netd_sandbox_load(&c->paths, "container", json_string_value(json_object_get(ctr, "id")),
					      &now, NULL) < 0)
				continue;
			if (!netd_sandbox_alive(now) && !cli_sandbox_starting(now))
				cli_teardown(c, now, true, 137, NULL);
			else
				fprintf(stderr, "Warning: pod %s: container %s is still running: not removed\n", argv[i],
					json_string_value(json_object_get(now, "name")) ?: "?");
			json_decref(now);
		}
		json_decref(doc);
		doc = NULL;
		if (netd_sandbox_load(&c->paths, "pod", id, &doc, NULL) == 0)
			cli_teardown(c, doc, true, 0, NULL);
		cli_unlock(c);
		printf("%s\n", argv[i]);
	}
	return 0;
}

int cmd_pod(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_failf("pod: missing subcommand (create, ls, inspect, exists, rm)");
	if (strcmp(argv[1], "create") == 0)
		return pod_create(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "ls") == 0 || strcmp(argv[1], "ps") == 0 || strcmp(argv[1], "list") == 0)
		return pod_ls(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "inspect") == 0)
		return pod_inspect(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "exists") == 0)
		return pod_exists(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0)
		return pod_rm(c, argc - 1, argv + 1);
	return cli_failf("pod: unknown subcommand \"%s\"", argv[1]);
}
