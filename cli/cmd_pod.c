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
#include "fileutil.h"
#include "helpers.h"
#include "netcmd.h"
#include "opts.h"
#include "sandbox.h"
#include "state.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* pod @id is still the one this process is starting (under the lock) */
static bool still_ours(struct cli *c, const char *id, const struct pn_proc_id *self)
{
	_cleanup_json_ json_t *now = NULL;
	struct pn_proc_id mon;

	return netd_sandbox_load(&c->paths, "pod", id, &now, NULL) == 0 &&
	       strcmp(json_string_value(json_object_get(now, "state")) ?: "", "created") == 0 &&
	       netd_sandbox_proc(now, "monitor", &mon) && mon.pid == self->pid && mon.starttime == self->starttime;
}

/*
 * Bring pod @doc up, entered under the lock and leaving without it: take the
 * addresses its network_config asks for (@nets, loaded from it, are cleared),
 * start the pause process that holds its namespaces, then its port forwarder
 * and records. @fresh: a new pod, removed when it cannot start; otherwise an
 * exited one, which stays exited.
 */
static int pod_launch(struct cli *c, json_t *doc, struct netd_network *nets, int nnets, bool fresh,
		      struct pn_err *err)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	const char *mode = json_string_value(json_object_get(doc, "network_mode")) ?: "bridge";
	int exit_code = (int)json_integer_value(json_object_get(doc, "exit_code"));
	char id[NETD_ID_LEN + 1];
	struct pn_proc_id self, init;
	struct launch l;
	int r, go = -1;

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")));
	pn_proc_self_id(&self);
	netd_sandbox_set_proc(doc, "monitor", &self);
	json_object_set_new(doc, "state", json_string("created"));
	json_object_set_new(doc, "networks", json_object());
	json_object_del(doc, "exit_code");
	/*
	 * Started again: fresh interface names, as a container's (netd_attach_plan()),
	 * for the kernel may still be dismantling the last run's namespace and its veths.
	 */
	if (!fresh)
		json_object_set_new(doc, "restart_count",
				    json_integer(json_integer_value(json_object_get(doc, "restart_count")) + 1));
	r = netd_sandbox_save(&c->paths, doc, err);
	if (r < 0)
		cli_nets_clear(nets, nnets);
	else
		r = cli_nets_plan(c, doc, json_object_get(doc, "network_config"), nets, nnets, err);
	if (r == 0)
		r = cli_infra(c, &inf, err);
	if (r == 0)
		r = netd_sandbox_save(&c->paths, doc, err);
	if (r == 0)
		r = write_sandbox_files(c, doc, NULL, err);
	if (r == 0)
		cli_mark_live(c, id, true);
	cli_unlock(c);
	if (r == 0) {
		memset(&l, 0, sizeof(l));
		l.doc = doc;
		l.inf = &inf;
		l.is_pod = true;
		l.network_host = strcmp(mode, "host") == 0;
		l.out_fd = -1;
		r = launch_sandbox(c, &l, &init, &go, err);
	}
	cli_lock(c, NULL);
	if (r == 0 && !still_ours(c, id, &self)) {
		/* stopped or removed while it started: what it held is freed, not ours to touch */
		pn_proc_kill_wait(&init, 0);
		r = pn_err_set(err, ESRCH, "pod %s was stopped while it started",
			       json_string_value(json_object_get(doc, "name")) ?: id);
		cli_unlock(c);
		netd_infra_close(&inf);
		if (go >= 0)
			close(go);
		return r;
	}
	if (r == 0) {
		char path[PATH_MAX], dir[PATH_MAX];

		netd_sandbox_set_proc(doc, "init", &init);
		pn_pidfile_write(pn_path(path, "%s/init.pid", netd_sandbox_dir(&c->paths, id, dir)), &init);
		json_object_set_new(doc, "state", json_string("running"));
		/*
		 * A running pod has no monitor: its starter may be a member's
		 * monitor, which lives on, and a live monitor would keep a pod
		 * whose pause process died from being recognised as gone.
		 */
		json_object_del(doc, "monitor");
		r = helpers_sandbox_started(c, &inf, doc, err);
		if (r == 0)
			r = netd_sandbox_save(&c->paths, doc, err);
		if (r < 0)
			pn_proc_kill_wait(&init, 0);
	}
	if (r < 0) {
		if (fresh)
			json_object_set_new(doc, "rm", json_true());
		cli_teardown(c, doc, fresh, fresh ? 125 : exit_code, NULL);
	} else {
		netd_dns_publish(&c->paths, doc, NULL, false);
		cli_helpers_reload(c);
	}
	cli_unlock(c);
	netd_infra_close(&inf);
	if (go >= 0) {
		if (r == 0 && pn_write_nosigpipe(go, "g", 1) < 0)
			r = pn_err_set(err, EIO, "the pod's pause process died");
		close(go);
	}
	return r;
}

static int pod_create(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	struct run_opts o;
	struct netd_network nets[CLI_MAX_LIST];
	_cleanup_json_ json_t *doc = NULL, *cfg = NULL;
	json_t *add_hosts;
	char id[NETD_ID_LEN + 1], created[40];
	int r, nnets;
	bool host_access;

	if (pod_opts_parse(argc, argv, &o, &err) < 0)
		return cli_fail(&err);
	if (helpers_validate_ports(c, &o, &err) < 0)
		return cli_fail(&err);
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	cfg = opts_network_config(&o);
	nnets = cli_nets_load(c, cfg, nets, &err);
	if (nnets < 0)
		return cli_fail(&err);
	netd_id_new(id);
	r = netd_sandbox_claim(&c->paths, "pod", id, o.name, &err);
	if (r == -EEXIST) {
		cli_gc(c, NULL);
		pn_err_clear(&err);
		r = netd_sandbox_claim(&c->paths, "pod", id, o.name, &err);
	}
	if (r < 0) {
		cli_nets_clear(nets, nnets);
		return cli_fail(&err);
	}
	netd_now_rfc3339(created, sizeof(created));
	add_hosts = opts_add_hosts_json(&o.add_hosts, &host_access);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:[], s:o, s:o, s:b, s:s, s:O}", "id", id, "name",
			o.name, "kind", "pod", "pod", "", "created", created, "state", "created", "publish",
			str_list_json(&o.ports), "networks", json_object(), "members", "add_hosts", add_hosts, "dns",
			str_list_json(&o.dns), "host_access", host_access, "hostname", o.hostname ? o.hostname : o.name,
			"network_config", cfg);
	json_object_set_new(doc, "network_mode", json_string(o.network_host ? "host" : o.network_none ? "none" : "bridge"));
	json_object_set_new(doc, "labels", opts_labels_json(&o.labels, NULL) ?: json_object()); /* checked by the parser */
	if (o.dns_search.n)
		json_object_set_new(doc, "dns_search", str_list_json(&o.dns_search));
	if (o.dns_options.n)
		json_object_set_new(doc, "dns_options", str_list_json(&o.dns_options));
	if (pod_launch(c, doc, nets, nnets, true, &err) < 0)
		return cli_fail(&err);
	printf("%s\n", id);
	return 0;
}

/*
 * Start pod @ref if it has exited (a running one is left as it is). Taken
 * and released the lock. @ret_doc: (may be NULL) its document.
 * Return: 0, or -errno with @err set.
 */
static int pod_up(struct cli *c, const char *ref, json_t **ret_doc, struct pn_err *err)
{
	struct netd_network nets[CLI_MAX_LIST];
	_cleanup_json_ json_t *doc = NULL;
	int r, nnets;

	/* another command may be starting it: that is as good, once it runs (or fails) */
	r = cli_load_settled(c, "pod", ref, &doc, err);
	if (r < 0)
		return r;
	if (ret_doc)
		*ret_doc = json_incref(doc);
	if (strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "exited") != 0) {
		cli_unlock(c);
		return 0; /* running */
	}
	r = cli_network_config_check(doc, err);
	nnets = r < 0 ? r : cli_nets_load(c, json_object_get(doc, "network_config"), nets, err);
	if (nnets < 0) {
		cli_unlock(c);
		return nnets;
	}
	return pod_launch(c, doc, nets, nnets, false, err);
}

int cli_pod_up(struct cli *c, const char *ref, struct pn_err *err)
{
	return pod_up(c, ref, NULL, err);
}

/*
 * The containers of pod @pod (a state document) among @ctrs: those naming it
 * that were created after it (a container of an earlier pod of the same name,
 * left running when that pod was removed, is not this pod's). Return: a new
 * array of their documents.
 */
static json_t *pod_containers_in(json_t *ctrs, json_t *pod)
{
	const char *name = json_string_value(json_object_get(pod, "name")) ?: "";
	const char *created = json_string_value(json_object_get(pod, "created")) ?: "";
	json_t *out = json_array(), *doc;
	size_t i;

	json_array_foreach(ctrs, i, doc) {
		const char *cc = json_string_value(json_object_get(doc, "created")) ?: "";

		if (strcmp(json_string_value(json_object_get(doc, "pod")) ?: "", name) == 0 && strcmp(cc, created) >= 0)
			json_array_append(out, doc);
	}
	return out;
}

/* pod_containers_in() of every container */
static json_t *pod_containers(struct cli *c, json_t *pod)
{
	_cleanup_json_ json_t *all = NULL;

	netd_sandbox_list(&c->paths, "container", &all, NULL);
	return pod_containers_in(all, pod);
}

/* what pod ls and pod inspect show besides the state: "containers", the names of all of them, running or not */
static void pod_show_containers(json_t *pod, json_t *ctrs)
{
	_cleanup_json_ json_t *mine = pod_containers_in(ctrs, pod);
	json_t *names = json_array(), *doc;
	size_t i;

	json_array_foreach(mine, i, doc)
		json_array_append(names, json_object_get(doc, "name"));
	json_object_set_new(pod, "containers", names);
}

/* 0: never started (or starting), 1: running, 2: stopped; a dead init not yet cleaned up is stopped */
static int sandbox_phase(json_t *doc)
{
	const char *state = json_string_value(json_object_get(doc, "state")) ?: "";

	if (strcmp(state, "running") == 0)
		return netd_sandbox_alive(doc) ? 1 : 2;
	return strcmp(state, "created") == 0 ? 0 : 2;
}

/*
 * Pod @pod's status as Podman computes it from the states of its containers,
 * the pause process standing for Podman's infra container (@mine: the pod's
 * containers, pod_containers_in()): "Running" when all of them run,
 * "Degraded" when some do, "Exited" when all have exited, "Stopped" when some
 * have and the others never ran, else "Created". Capitalised as Podman prints
 * it in `pod ps`, its JSON and `pod inspect`.
 */
static const char *pod_status(json_t *pod, json_t *mine)
{
	size_t n = json_array_size(mine) + 1, count[3] = { 0 }, i;
	json_t *doc;

	count[sandbox_phase(pod)]++;
	json_array_foreach(mine, i, doc)
		count[sandbox_phase(doc)]++;
	if (count[1] == n)
		return "Running";
	if (count[1])
		return "Degraded";
	if (count[2] == n)
		return "Exited";
	return count[2] ? "Stopped" : "Created";
}

void cli_pod_podman_keys(struct cli *c, json_t *pod, json_t *ctrs)
{
	_cleanup_json_ json_t *all = NULL, *mine = NULL;

	if (!ctrs && netd_sandbox_list(&c->paths, "container", &all, NULL) == 0)
		ctrs = all;
	mine = pod_containers_in(ctrs, pod);
	json_object_set_new(pod, "Id", json_string(json_string_value(json_object_get(pod, "id")) ?: ""));
	json_object_set_new(pod, "Name", json_string(json_string_value(json_object_get(pod, "name")) ?: ""));
	json_object_set_new(pod, "State", json_string(pod_status(pod, mine)));
}

static bool pod_filter_one(json_t *doc, size_t key, const char *v)
{
	json_t *m;
	size_t i;

	switch (key) {
	case 0: /* name: a regular expression, as in Podman */
		return cli_name_matches(json_string_value(json_object_get(doc, "name")) ?: "", v);
	case 1: /* id: a prefix */
		return *v && strncmp(json_string_value(json_object_get(doc, "id")) ?: "", v, strlen(v)) == 0;
	case 2: /* its state, or Podman's status of it (pod_status(): running, degraded, exited...) */
		return strcmp(json_string_value(json_object_get(doc, "state")) ?: "", v) == 0 ||
		       strcasecmp(json_string_value(json_object_get(doc, "Status")) ?: "", v) == 0;
	case 3:
		return json_object_get(json_object_get(doc, "networks"), v) != NULL;
	case 4: /* ctr-names: one of its containers, running or not (pod_show_containers()) */
		json_array_foreach(json_object_get(doc, "containers"), i, m)
			if (strcmp(json_string_value(m) ?: "", v) == 0)
				return true;
		return false;
	case 6: /* label=KEY[=VALUE] */
		return opts_labels_match(json_object_get(doc, "labels"), v);
	default: { /* 5, ctr-number=N */
		char *end;
		long long n = strtoll(v, &end, 10);

		return *v && !*end && n == (long long)json_array_size(json_object_get(doc, "containers"));
	}
	}
}

static const char *const pod_filter_keys[] = { "name", "id", "status", "network", "ctr-names", "ctr-number", "label" };
static const struct cli_filter pod_filter = { pod_filter_keys, sizeof(pod_filter_keys) / sizeof(pod_filter_keys[0]),
					      pod_filter_one };

static int pod_ls(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
		{ "filter", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	static const char *const headers[] = { "ID=POD ID", "NumberOfContainers=# OF CONTAINERS", NULL };
	_cleanup_json_ json_t *all = NULL, *rows = NULL, *some = NULL, *ctrs = NULL;
	struct str_list filters = { 0 };
	struct pn_err err = { 0 };
	const char *format = "table";
	bool quiet = false, as_json;
	json_t *doc;
	size_t i;
	int ch;

	optind = 0;
	opterr = 0;
	/* -f is --filter, as in ps */
	while ((ch = getopt_long(argc, argv, "qf:", longopts, NULL)) != -1) {
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
	cli_survey(c, &ctrs, &some);
	cli_unlock(c);
	all = json_array();
	json_array_foreach(some, i, doc) {
		_cleanup_json_ json_t *mine = pod_containers_in(ctrs, doc);

		pod_show_containers(doc, ctrs);
		json_object_set_new(doc, "Status", json_string(pod_status(doc, mine)));
		if (cli_filter_match(&pod_filter, doc, filters.v, filters.n))
			json_array_append(all, doc);
	}
	if (quiet) {
		json_array_foreach(all, i, doc)
			printf("%.12s\n", json_string_value(json_object_get(doc, "id")));
		return 0;
	}
	as_json = strcmp(format, "json") == 0;
	/*
	 * A row: the pod's document with Podman's names of its columns on top.
	 * JSON gets them too, as `podman pod ps --format json` spells them (Id,
	 * Name, Status, Created, Networks, Containers: [{Id, Names, Status}]).
	 */
	rows = json_array();
	json_array_foreach(all, i, doc) {
		json_t *row = json_deep_copy(doc), *nets = cli_format_key_list(json_object_get(doc, "networks"));
		char id[13];

		snprintf(id, sizeof(id), "%.12s", json_string_value(json_object_get(doc, "id")) ?: "");
		if (as_json) /* Podman's JSON has the whole id, its table 12 digits */
			json_object_set_new(row, "Id", json_string(json_string_value(json_object_get(doc, "id")) ?: ""));
		else
			json_object_set_new(row, "ID", json_string(id));
		json_object_set_new(row, "NumberOfContainers",
				    json_integer((json_int_t)json_array_size(json_object_get(doc, "containers"))));
		if (as_json) { /* a list in Podman's JSON, "a,b" in its templates */
			json_object_set_new(row, "Networks", nets);
		} else {
			char *joined = cli_format_join(nets, ",");

			json_object_set_new(row, "Networks", json_string(joined ? joined : ""));
			free(joined);
			json_decref(nets);
		}
		if (as_json) {
			_cleanup_json_ json_t *mine = pod_containers_in(ctrs, doc);
			json_t *list = json_array(), *m;
			size_t j;

			json_array_foreach(mine, j, m)
				json_array_append_new(list, json_pack("{s:s, s:s, s:s}",
					"Id", json_string_value(json_object_get(m, "id")) ?: "",
					"Names", json_string_value(json_object_get(m, "name")) ?: "",
					"Status", json_string_value(json_object_get(m, "state")) ?: ""));
			json_object_set_new(row, "Containers", list);
			json_object_set_new(row, "Name", json_string(json_string_value(json_object_get(doc, "name")) ?: ""));
			json_object_set_new(row, "Created", json_string(json_string_value(json_object_get(doc, "created")) ?: ""));
		}
		json_array_append_new(rows, row);
	}
	if (as_json) {
		cli_print_json(rows);
		return 0;
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
	struct pn_err err = { 0 };
	int first = opts_refs_only(argc, argv, "pod exists", &err);

	if (first < 0)
		return cli_fail(&err);
	if (argc - first != 1)
		return cli_failf("pod exists: give one pod");
	return netd_sandbox_load(&c->paths, "pod", argv[first], &doc, NULL) < 0 ? 1 : 0;
}

static int pod_inspect(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *arr = json_array(), *ctrs = NULL;
	struct pn_err err = { 0 };
	const char *fmt;
	int first;

	opts_inspect_first(argc, argv);
	first = cli_format_take(argc, argv, &fmt, &err);
	if (first < 0)
		return cli_fail(&err);
	if (argc <= first)
		return cli_failf("pod inspect: give a pod");
	for (int i = first; i < argc; i++) {
		json_t *doc = NULL;

		if (netd_sandbox_load(&c->paths, "pod", argv[i], &doc, &err) < 0)
			return cli_fail(&err);
		if (!ctrs)
			netd_sandbox_list(&c->paths, "container", &ctrs, NULL);
		pod_show_containers(doc, ctrs);
		cli_pod_podman_keys(c, doc, ctrs);
		json_array_append_new(arr, doc);
	}
	return cli_print_docs(arr, fmt);
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
 * Stop pod @doc: its running members as `stop` would (SIGTERM, then SIGKILL
 * after @timeout seconds, -1: each one's stop timeout), then its pause
 * process; its networking is torn down and it is kept as exited. @ctrs: its
 * containers (pod_containers()). Return: 0 with the lock held, or -errno with
 * @err set.
 */
static int pod_down(struct cli *c, json_t *doc, json_t *ctrs, int timeout, struct pn_err *err)
{
	_cleanup_json_ json_t *now = NULL;
	char id[NETD_ID_LEN + 1];
	struct pn_proc_id init;
	json_t *ctr;
	size_t k;
	int r;

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")));
	/* one waiting to restart by its policy is not a member now: its monitor gives up (members: below) */
	json_array_foreach(ctrs, k, ctr)
		if (!netd_sandbox_alive(ctr))
			cli_request_stop(c, ctr);
	cli_pod_stop_members(c, doc, NULL, timeout, NULL);
	/* each member's monitor tears it down and exits: let it finish before the pod goes */
	json_array_foreach(ctrs, k, ctr) {
		struct pn_proc_id mon;

		if (netd_sandbox_proc(ctr, "monitor", &mon) && mon.pid != getpid())
			pn_proc_wait_exit(&mon, 5000);
	}
	for (int round = 0;; round++) {
		if (netd_sandbox_proc(now ? now : doc, "init", &init))
			pn_proc_kill_wait(&init, 2000);
		r = cli_lock(c, err);
		if (r < 0)
			return r;
		json_decref(now);
		now = NULL;
		if (netd_sandbox_load(&c->paths, "pod", id, &now, NULL) < 0)
			break;
		/*
		 * Started anew meanwhile (a member's start brings its pod up, as
		 * `pod start` of its members does): tearing that down under its
		 * starter would leave it recorded as running on freed addresses.
		 * It is stopped in turn once it runs.
		 */
		if (cli_sandbox_starting(now) && round < 3) {
			json_decref(now);
			now = NULL;
			r = cli_load_settled(c, "pod", id, &now, err);
			if (r < 0)
				return r;
			cli_unlock(c);
			cli_pod_stop_members(c, now, NULL, timeout, NULL);
			continue;
		}
		/* stopped on request: its exit is not a failure (a pod found dead by gc records 137) */
		if (strcmp(json_string_value(json_object_get(now, "state")) ?: "", "exited") != 0) {
			/* a member that joined meanwhile would stay on addresses freed here */
			cli_pod_stop_members(c, now, NULL, 0, NULL);
			cli_teardown(c, now, false, 0, NULL);
		}
		break;
	}
	/* members whose monitor was killed too */
	cli_gc(c, NULL);
	return 0;
}

static int pod_stop_one(struct cli *c, const char *ref, int timeout, char *ret_id, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL, *ctrs = NULL;
	/* one being started is stopped once it runs: its starter would bring back what we tear down */
	int r = cli_load_settled_unlocked(c, "pod", ref, &doc, err);

	if (r < 0)
		return r;
	snprintf(ret_id, NETD_ID_LEN + 1, "%s", json_string_value(json_object_get(doc, "id")));
	if (strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "exited") == 0)
		return 0; /* as podman: stopping a stopped pod is no error */
	ctrs = pod_containers(c, doc);
	r = pod_down(c, doc, ctrs, timeout, err);
	if (r == 0)
		cli_unlock(c);
	return r;
}

/*
 * pod_up(), then start the pod's exited containers (all of them, as podman's
 * pod start). @ret_id: its id. Return: 0, or the first failure (-errno, @err set).
 */
static int pod_start_one(struct cli *c, const char *ref, char *ret_id, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL, *ctrs = NULL;
	json_t *ctr;
	size_t k;
	int rc;

	rc = pod_up(c, ref, &doc, err);
	if (rc < 0)
		return rc;
	snprintf(ret_id, NETD_ID_LEN + 1, "%s", json_string_value(json_object_get(doc, "id")));
	ctrs = pod_containers(c, doc);
	json_array_foreach(ctrs, k, ctr) {
		struct pn_err e = { 0 };
		int r;

		if (strcmp(json_string_value(json_object_get(ctr, "state")) ?: "", "exited") != 0)
			continue;
		r = cli_start_one(c, json_string_value(json_object_get(ctr, "id")), true, &e);
		if (r < 0 && rc == 0) {
			*err = e;
			rc = r;
		} else if (r > 0 && rc == 0) {
			rc = pn_err_set(err, ENOEXEC, "pod %s: container %s could not run its command",
					json_string_value(json_object_get(doc, "name")),
					json_string_value(json_object_get(ctr, "name")));
		}
	}
	return rc;
}

/*
 * `pod stop [-t S] POD... | --all`: the members as `stop` stops them, then the
 * pause process; the pod stays, exited, with its containers and the networks
 * it asked for. `pod restart`, the same options: stop, then `pod start`.
 * Each prints the pod's id, as podman does.
 */
static int pod_stop_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	char id[NETD_ID_LEN + 1];
	int r = pod_stop_one(c, ref, no->timeout, id, err);

	(void)ctx;
	if (r == 0)
		printf("%s\n", id);
	return r;
}

static int pod_restart_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx,
			     struct pn_err *err)
{
	char id[NETD_ID_LEN + 1];
	int r = pod_stop_one(c, ref, no->timeout, id, err);

	(void)ctx;
	if (r == 0)
		r = pod_start_one(c, id, id, err);
	if (r == 0)
		printf("%s\n", id);
	return r;
}

static int pod_stop(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "pod stop", "tai", "pod", true, pod_stop_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

static int pod_restart(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "pod restart", "ta", "pod", false, pod_restart_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

/* `pod start POD...`: an exited pod comes back with its networks and ports, then its containers start */
static int pod_start_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	char id[NETD_ID_LEN + 1];
	int r = pod_start_one(c, ref, id, err);

	(void)no;
	(void)ctx;
	if (r == 0)
		printf("%s\n", id);
	return r;
}

static int pod_start(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "pod start", "a", "pod", false, pod_start_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

/*
 * `pod kill [-s SIGNAL] POD...`: SIGNAL (default KILL, as podman) to every
 * running member's command and to the pause process. The pause process ends
 * on KILL, TERM and INT, and the pod with it: then it is torn down and kept
 * as exited, and a member still running is stopped (it would be left on a
 * network namespace nobody holds).
 */
static int pod_kill_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	/* the signals that end the pause process (launch.c), and the pod with it */
	bool ends = no->sig == SIGKILL || no->sig == SIGTERM || no->sig == SIGINT;
	_cleanup_json_ json_t *doc = NULL;
	struct pn_proc_id init;
	json_t *m;
	size_t k;
	int r;

	(void)ctx;
	r = netd_sandbox_load(&c->paths, "pod", ref, &doc, err);
	if (r == 0 && (!netd_sandbox_alive(doc) || !netd_sandbox_proc(doc, "init", &init)))
		r = pn_err_set(err, ESRCH, "pod %s is not running", ref);
	if (r < 0)
		return r;
	json_array_foreach(json_object_get(doc, "members"), k, m) {
		_cleanup_json_ json_t *ctr = NULL;
		struct pn_proc_id ci;

		if (netd_sandbox_load(&c->paths, "container", json_string_value(m), &ctr, NULL) == 0 &&
		    netd_sandbox_proc(ctr, "init", &ci) && pn_proc_alive(&ci)) {
			if (ends)
				cli_request_stop(c, ctr); /* no restart policy brings it back */
			pn_proc_kill(&ci, no->sig);
		}
	}
	pn_proc_kill(&init, no->sig);
	if (ends && pn_proc_wait_exit(&init, 2000) == 0 && cli_lock(c, NULL) == 0) {
		/* the pod is gone: record it now, as ps would */
		cli_gc(c, NULL);
		cli_unlock(c);
	}
	printf("%s\n", json_string_value(json_object_get(doc, "id")));
	return 0;
}

static int pod_kill(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "pod kill", "sa", "pod", true, pod_kill_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

/*
 * A container outside the pod that joined a member's network (run --network
 * container:MEMBER) would lose its interfaces with the pod: refused, -f or not,
 * as Podman refuses a pod whose containers others depend on.
 */
static int pod_outside_dependents(struct cli *c, const char *ref, json_t *ctrs, struct pn_err *err)
{
	json_t *ctr, *dep, *m;
	size_t k, i, j;

	json_array_foreach(ctrs, k, ctr) {
		_cleanup_json_ json_t *deps = cli_joined_names(c, json_string_value(json_object_get(ctr, "id")));

		json_array_foreach(deps, i, dep) {
			bool member = false;

			json_array_foreach(ctrs, j, m)
				member = member || json_equal(json_object_get(m, "name"), dep);
			if (!member)
				return pn_err_set(err, EBUSY, "pod %s: container %s has dependent containers outside the pod, "
						  "which must be removed first: %s", ref,
						  json_string_value(json_object_get(ctr, "name")), json_string_value(dep));
		}
	}
	return 0;
}

/*
 * As podman: a pod with running containers is refused without -f; with -f
 * they are stopped as `stop` would (SIGTERM, their stop timeout or @timeout
 * seconds when >= 0, SIGKILL). The pod's containers, stopped, go with it.
 */
static int pod_rm_one(struct cli *c, const char *ref, bool force, int timeout, char *ret_id, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL, *ctrs = NULL;
	json_t *ctr;
	size_t k;
	int r;

	r = cli_load_settled_unlocked(c, "pod", ref, &doc, err);
	if (r < 0)
		return r;
	snprintf(ret_id, NETD_ID_LEN + 1, "%s", json_string_value(json_object_get(doc, "id")));
	ctrs = pod_containers(c, doc);
	r = pod_outside_dependents(c, ref, ctrs, err);
	if (r < 0)
		return r;
	if (pod_has_running(ctrs) && !force)
		return pn_err_set(err, EBUSY, "pod %s has running containers: stop them first or use pod rm -f", ref);
	r = pod_down(c, doc, ctrs, timeout, err);
	if (r < 0)
		return r;
	json_array_foreach(ctrs, k, ctr) {
		json_t *now = NULL;

		if (netd_sandbox_load(&c->paths, "container", json_string_value(json_object_get(ctr, "id")), &now,
				      NULL) < 0)
			continue;
		if (!netd_sandbox_alive(now) && !cli_sandbox_starting(now))
			cli_teardown(c, now, true, 137, NULL);
		else
			fprintf(stderr, "Warning: pod %s: container %s is still running: not removed\n", ref,
				json_string_value(json_object_get(now, "name")) ?: "?");
		json_decref(now);
	}
	json_decref(doc);
	doc = NULL;
	if (netd_sandbox_load(&c->paths, "pod", ret_id, &doc, NULL) == 0)
		cli_teardown(c, doc, true, 0, NULL);
	cli_unlock(c);
	return 0;
}

static int pod_rm_named(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err)
{
	char id[NETD_ID_LEN + 1];
	int r = pod_rm_one(c, ref, no->force, no->timeout, id, err);

	(void)ctx;
	if (r == 0)
		printf("%s\n", ref);
	return r;
}

static int pod_rm(struct cli *c, int argc, char **argv)
{
	static const struct cli_each e = { "pod rm", "fati", "pod", false, pod_rm_named, NULL };

	return cli_each_name(c, argc, argv, &e);
}

/* `pod prune [-f]`: remove every exited pod, with its containers; print their ids */
static int pod_prune_one(struct cli *c, const char *id, struct pn_err *err)
{
	char gone[NETD_ID_LEN + 1];

	return pod_rm_one(c, id, false, -1, gone, err);
}

static int pod_prune(struct cli *c, int argc, char **argv)
{
	return cli_prune(c, argc, argv, "pod prune", true, pod_prune_one);
}

int cmd_pod(struct cli *c, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "create", pod_create }, { "ls", pod_ls }, { "ps", pod_ls }, { "list", pod_ls }, { "inspect", pod_inspect },
		{ "exists", pod_exists }, { "start", pod_start }, { "stop", pod_stop }, { "restart", pod_restart },
		{ "kill", pod_kill }, { "rm", pod_rm }, { "remove", pod_rm }, { "prune", pod_prune },
	};

	return cli_subcommand(c, argc, argv, "pod", "create, ls, inspect, exists, start, stop, restart, kill, rm, prune", subs,
			      sizeof(subs) / sizeof(subs[0]));
}
