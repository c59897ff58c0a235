// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `podnet network ...`: create, ls, inspect, rm, prune, connect, disconnect.
 * Definitions are persistent files; when the infra namespace runs, bridges
 * and the nftables table follow every change at once.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "format.h"
#include "cleanup.h"
#include "fileutil.h"
#include "helpers.h"
#include "ipam.h"
#include "link.h"
#include "netcmd.h"
#include "opts.h"
#include "sandbox.h"
#include "state.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct apply_arg {
	struct cli *c;
	const struct netd_network *added;
};

static int apply_cb(void *arg, struct pn_err *err)
{
	struct apply_arg *a = arg;
	struct netd_network *nets = NULL, *all;
	size_t n = 0;
	int r;

	r = netd_network_list(&a->c->paths, &nets, &n, NULL);
	if (r < 0)
		return pn_err_set(err, r, "cannot read networks: %s", strerror(-r));
	/* shallow copies: the list owns what they point to */
	all = calloc(n + 1, sizeof(*all));
	if (!all) {
		netd_network_list_free(nets, n);
		return pn_err_set(err, ENOMEM, "out of memory");
	}
	if (n)
		memcpy(all, nets, n * sizeof(*nets));
	if (a->added)
		all[n] = *a->added;
	r = netd_infra_apply_networks(all, n + (a->added ? 1 : 0), err);
	free(all);
	netd_network_list_free(nets, n);
	return r;
}

int network_apply_infra(struct cli *c, const struct netd_network *added, struct pn_err *err)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	struct apply_arg a = { c, added };
	int r;

	if (netd_infra_open(&c->paths, &inf, NULL) < 0)
		return 0; /* applied when the infra starts */
	r = netd_infra_run(&inf, apply_cb, &a, err);
	netd_infra_close(&inf);
	return r;
}

/*
 * The bridge and the firewall first, then the definition: a command killed
 * in between leaves at most a bridge and rules that no definition names, which
 * the next apply removes (netd_bridges_tidy()), never a network whose
 * containers are outside the firewall.
 */
static int create(struct cli *c, struct netd_network_opts *o, struct netd_network *ret, struct pn_err *err)
{
	struct netd_network *nets = NULL, net;
	struct pn_cidr *routes = NULL;
	size_t n = 0, nroutes = 0;
	int r;

	r = netd_network_list(&c->paths, &nets, &n, NULL);
	if (r < 0)
		return pn_err_set(err, r, "cannot read networks: %s", strerror(-r));
	netd_host_routes(&routes, &nroutes);
	r = netd_network_build(o, nets, n, routes, nroutes, &net, err);
	free(routes);
	netd_network_list_free(nets, n);
	if (r < 0)
		return r;
	r = network_apply_infra(c, &net, err);
	if (r == 0)
		r = netd_network_save(&c->paths, &net, err);
	if (r < 0) {
		/* nothing half-created: its bridge and rules go again */
		network_apply_infra(c, NULL, NULL);
	}
	if (r == 0 && ret)
		*ret = net;
	else
		netd_network_clear(&net);
	return r;
}

int network_ensure_default(struct cli *c, struct pn_err *err)
{
	struct netd_network net;
	struct netd_network_opts o = { .name = NETD_DEFAULT_NETWORK };

	if (netd_network_load(&c->paths, NETD_DEFAULT_NETWORK, &net, NULL) == 0) {
		netd_network_clear(&net);
		return 0;
	}
	return create(c, &o, NULL, err);
}

static int net_create(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	struct netd_network_opts o;
	struct netd_network net;
	int r;

	r = net_create_opts_parse(argc, argv, &o, &err);
	if (r == 0)
		r = cli_lock(c, &err);
	/* podman's --ignore: the network of that name stays as it is, whatever was asked */
	if (r == 0 && o.ignore && netd_network_load(&c->paths, o.name, &net, NULL) == 0) {
		json_decref(o.labels);
		json_decref(o.options);
		printf("%s\n", net.name);
		netd_network_clear(&net);
		return 0;
	}
	if (r == 0)
		r = create(c, &o, &net, &err);
	json_decref(o.labels);
	json_decref(o.options);
	if (r < 0)
		return cli_fail(&err);
	printf("%s\n", net.name);
	netd_network_clear(&net);
	return 0;
}

static bool filter_match(const struct netd_network *net, const struct str_list *filters)
{
	for (int i = 0; i < filters->n; i++) {
		const char *f = filters->v[i];

		if (strncmp(f, "name=", 5) == 0) {
			if (!cli_name_matches(net->name, f + 5))
				return false;
		} else if (strncmp(f, "label=", 6) == 0) {
			if (!opts_labels_match(net->labels, f + 6))
				return false;
		} else if (strncmp(f, "label!=", 7) == 0) {
			if (opts_labels_match(net->labels, f + 7))
				return false;
		} else if (strncmp(f, "driver=", 7) == 0) {
			if (strcmp(net->driver, f + 7) != 0)
				return false;
		}
	}
	return true;
}

static int net_ls(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'o' },
		{ "filter", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	struct pn_err err = { 0 };
	struct str_list filters = { 0 };
	struct netd_network *nets = NULL;
	const char *format = "table";
	bool quiet = false;
	size_t n = 0;
	int ch, r;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "qf:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q': quiet = true; break;
		case 'o': format = optarg; break;
		case 'f':
			if (!strchr(optarg, '=') || (strncmp(optarg, "name=", 5) && strncmp(optarg, "label=", 6) &&
						    strncmp(optarg, "label!=", 7) && strncmp(optarg, "driver=", 7)))
				return cli_failf("invalid filter \"%s\": want name=, label=, label!= or driver=", optarg);
			if (strncmp(optarg, "name=", 5) == 0 && cli_name_pattern_check(optarg + 5, &err) < 0)
				return cli_fail(&err);
			if (str_list_add(&filters, optarg, "filters", &err) < 0)
				return cli_fail(&err);
			break;
		default: return cli_failf("network ls: unknown option %s", opts_bad_option(argc, argv));
		}
	}
	if (cli_format_check_ls(format, "{{.Name}}", &err) < 0)
		return cli_fail(&err);
	r = netd_network_list(&c->paths, &nets, &n, &err);
	if (r < 0)
		return cli_fail(&err);
	if (err.msg[0])
		fprintf(stderr, "Warning: %s\n", err.msg);
	pn_err_clear(&err);
	if (strcmp(format, "table") != 0 && !quiet) {
		static const char *const headers[] = { "ID=NETWORK ID", NULL };
		_cleanup_json_ json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *doc;
			char id[13];

			if (!filter_match(&nets[i], &filters))
				continue;
			doc = netd_network_to_json(&nets[i]);
			if (strcmp(format, "json") != 0) {
				/* templates: Podman's {{.ID}} is the short id */
				snprintf(id, sizeof(id), "%.12s", nets[i].id);
				json_object_set_new(doc, "ID", json_string(id));
			}
			json_array_append_new(arr, doc);
		}
		if (strcmp(format, "json") == 0)
			cli_print_json(arr);
		else
			r = cli_format_print(stdout, format, arr, headers, &err);
	} else {
		if (!quiet)
			printf("%-14s %-24s %s\n", "NETWORK ID", "NAME", "DRIVER");
		for (size_t i = 0; i < n; i++) {
			if (!filter_match(&nets[i], &filters))
				continue;
			if (quiet)
				printf("%s\n", nets[i].name);
			else
				printf("%-14.12s %-24s %s\n", nets[i].id, nets[i].name, nets[i].driver);
		}
	}
	netd_network_list_free(nets, n);
	return r < 0 ? cli_fail(&err) : 0;
}

/* `network exists NAME`: exit 0 or 1, as podman, for scripts */
static int net_exists(struct cli *c, int argc, char **argv)
{
	struct netd_network net;
	struct pn_err err = { 0 };
	int first = opts_refs_only(argc, argv, "network exists", &err);

	if (first < 0)
		return cli_fail(&err);
	if (argc - first != 1)
		return cli_failf("network exists: give one network name");
	if (netd_network_load(&c->paths, argv[first], &net, NULL) < 0)
		return 1;
	netd_network_clear(&net);
	return 0;
}

static int net_inspect(struct cli *c, int argc, char **argv)
{
	_cleanup_json_ json_t *arr = json_array(), *all = NULL;
	struct pn_err err = { 0 };
	const char *fmt;
	int first;

	opts_inspect_first(argc, argv);
	first = cli_format_take(argc, argv, &fmt, &err);
	if (first < 0)
		return cli_fail(&err);
	if (argc <= first)
		return cli_failf("network inspect: give at least one network name");
	netd_sandbox_list(&c->paths, NULL, &all, NULL);
	for (int i = first; i < argc; i++) {
		struct netd_network net;
		json_t *doc;

		if (netd_network_load(&c->paths, argv[i], &net, &err) < 0)
			return cli_fail(&err);
		doc = netd_network_to_json(&net);
		json_object_set_new(doc, "containers", cli_network_used_by(all, net.name));
		json_array_append_new(arr, doc);
		netd_network_clear(&net);
	}
	return cli_print_docs(arr, fmt);
}

/* a stopped container or pod: it keeps the networks it joins when started (its network_config) */
static bool is_exited(json_t *doc)
{
	return strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "exited") == 0;
}

static void net_config_del(json_t *doc, const char *netname)
{
	size_t i;

	if (netd_net_config_find(json_object_get(doc, "network_config"), netname, &i))
		json_array_remove(json_object_get(doc, "network_config"), i);
}

/*
 * `network connect` of an exited container or pod: only its network_config changes
 * (as with Podman); the addresses are taken when it starts, and a static one
 * is checked against the network's subnets now.
 */
static int connect_exited(struct cli *c, json_t *doc, const struct netd_network *net, const struct netd_static *st,
			  json_t *aliases, struct pn_err *err)
{
	json_t *cfg = json_object_get(doc, "network_config");
	struct pn_ip ip, ip6;
	unsigned char mac[6];
	int r;

	if (!json_is_array(cfg)) {
		cfg = json_array();
		json_object_set_new(doc, "network_config", cfg);
	}
	if (netd_net_config_find(cfg, net->name, NULL))
		return pn_err_set(err, EEXIST, "%s is already connected to network %s",
				  json_string_value(json_object_get(doc, "name")), net->name);
	if (json_array_size(cfg) >= NETD_MAX_NETWORKS)
		return pn_err_set(err, E2BIG, "at most %d networks per container", NETD_MAX_NETWORKS);
	r = netd_attach_check(st, net, &ip, &ip6, mac, err);
	if (r < 0)
		return r;
	netd_net_config_add(cfg, net->name, aliases, st);
	return netd_sandbox_save(&c->paths, doc, err);
}

/* disconnect @doc from @netname: interface, leases, DNS (under the lock) */
/* Published ports follow the sandbox's addresses; a failure there does not undo the network change. */
static void ports_follow(struct cli *c, struct netd_infra *inf, json_t *doc)
{
	struct pn_err err = { 0 };

	if (helpers_ports_follow(c, inf, doc, &err) < 0)
		fprintf(stderr, "Warning: the published ports of %s are not served: %s\n",
			json_string_value(json_object_get(doc, "name")) ?: "the container", err.msg);
}

/* @doc read again from its file (under the lock), in place: its holders see the new one */
static int reload(struct cli *c, json_t *doc, struct pn_err *err)
{
	char id[NETD_ID_LEN + 1];
	json_t *now = NULL;
	int r;

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")) ?: "");
	r = netd_sandbox_load(&c->paths, json_string_value(json_object_get(doc, "kind")) ?: "container", id, &now, err);
	if (r < 0)
		return r;
	json_object_clear(doc);
	json_object_update(doc, now);
	json_decref(now);
	return 0;
}

static int disconnect_one(struct cli *c, json_t *doc, const char *netname, struct pn_err *err)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	_cleanup_json_ json_t *gone = NULL;
	char id[NETD_ID_LEN + 1];
	bool marked = false;
	int r = 0;

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")) ?: "");
	/* its launcher holds the document in memory and saves it when the process runs */
	if (cli_sandbox_starting(doc))
		return pn_err_set(err, EBUSY, "%s is starting: try again once it runs",
				  json_string_value(json_object_get(doc, "name")) ?: "the container");

	/*
	 * Its interface goes first. The infra is brought back if its holder
	 * died (else the interface would stay, on a bridge of the dead infra,
	 * and the next connect would find its name taken).
	 */
	if (netd_sandbox_alive(doc)) {
		r = cli_infra(c, &inf, err);
		if (r == 0 && c->infra_recovered)
			r = reload(c, doc, err);
		if (r == 0)
			r = sandbox_netns_apply(c, &inf, doc, netname, true, err);
		if (r < 0) {
			netd_infra_close(&inf);
			return r;
		}
	}
	/* a running sandbox's guard and host access went with its interface above */
	if (!netd_sandbox_alive(doc))
		cli_sandbox_firewall_drop(c, doc, netname);
	netd_dns_publish(&c->paths, doc, netname, true);
	/*
	 * The state stops naming the attachment before its leases are free:
	 * killed in between, they stay taken (under the leasing mark, swept when
	 * the sandbox goes), never free while the state names them.
	 */
	r = netd_leasing_hold(&c->paths, id, &marked, err);
	if (r == 0) {
		gone = json_pack("{s:s, s:{s:O}}", "id", id, "networks", netname,
				 json_object_get(json_object_get(doc, "networks"), netname));
		if (!gone)
			r = pn_err_set(err, ENOMEM, "out of memory");
	}
	if (r == 0) {
		json_object_del(json_object_get(doc, "networks"), netname);
		net_config_del(doc, netname);
		r = netd_sandbox_save(&c->paths, doc, err);
	}
	if (r == 0)
		r = netd_attach_release(&c->paths, gone, netname, err);
	if (r == 0 && marked)
		netd_leasing_drop(&c->paths, id);
	if (r == 0 && inf.netns_fd >= 0 && json_array_size(json_object_get(doc, "publish"))) {
		ports_follow(c, &inf, doc);
		r = netd_sandbox_save(&c->paths, doc, err);
	}
	netd_infra_close(&inf);
	if (r == 0)
		r = write_sandbox_files(c, doc, NULL, err);
	/* the remaining networks' records name the remaining addresses */
	netd_dns_publish(&c->paths, doc, NULL, false);
	cli_helpers_reload(c);
	return r;
}

/*
 * Every sandbox, in *@ret (under the lock). With @force, the users of
 * network @name that another command is starting are waited for first, as
 * `stop` and `rm -f` wait: their launchers save them when they run, and
 * would fail on a network taken from under them. The lock is let go while
 * waiting (released on error).
 */
static int wait_starting_users(struct cli *c, const char *name, bool force, json_t **ret, struct pn_err *err)
{
	for (int round = 0;; round++) {
		json_t *doc, *busy = NULL;
		size_t i;

		netd_sandbox_list(&c->paths, NULL, ret, NULL);
		if (!force)
			return 0;
		json_array_foreach(*ret, i, doc) {
			if (cli_sandbox_starting(doc) &&
			    (json_object_get(json_object_get(doc, "networks"), name) ||
			     netd_net_config_find(json_object_get(doc, "network_config"), name, NULL))) {
				busy = doc;
				break;
			}
		}
		if (!busy)
			return 0;
		if (round == 8) {
			cli_unlock(c);
			return pn_err_set(err, EBUSY, "network %s: %s keeps being started: try again", name,
					  json_string_value(json_object_get(busy, "name")) ?: "a container");
		}
		{
			char kind[16], id[NETD_ID_LEN + 1];
			json_t *now = NULL;
			int r;

			snprintf(kind, sizeof(kind), "%s", json_string_value(json_object_get(busy, "kind")) ?: "container");
			snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(busy, "id")) ?: "");
			json_decref(*ret);
			*ret = NULL;
			r = cli_load_settled(c, kind, id, &now, err);
			json_decref(now);
			if (r < 0)
				return r;
		}
	}
}

static int remove_network(struct cli *c, const char *name, bool force, struct pn_err *err)
{
	struct netd_network net;
	_cleanup_json_ json_t *all = NULL;
	json_t *doc;
	size_t i;
	int r;

	r = wait_starting_users(c, name, force, &all, err);
	if (r < 0)
		return r;
	r = netd_network_load(&c->paths, name, &net, err);
	if (r < 0)
		return r;
	{
		_cleanup_json_ json_t *users = cli_network_used_by(all, name);

		if (json_array_size(users) && !force) {
			char list[256] = "";
			size_t len = 0;
			json_t *u;

			json_array_foreach(users, i, u)
				len += (size_t)snprintf(list + len, sizeof(list) > len ? sizeof(list) - len : 0, "%s%s",
							i ? ", " : "", json_string_value(u));
			netd_network_clear(&net);
			return pn_err_set(err, EBUSY, "network %s is in use by %s (use -f to disconnect them)", name, list);
		}
	}
	json_array_foreach(all, i, doc) {
		const char *state = json_string_value(json_object_get(doc, "state"));

		if (!state || strcmp(state, "exited") == 0 || !json_object_get(json_object_get(doc, "networks"), name))
			continue;
		r = disconnect_one(c, doc, name, err);
		if (r < 0) {
			netd_network_clear(&net);
			return r;
		}
	}
	/*
	 * What the network has in the infra before its definition: a command
	 * killed in between leaves the network defined, unused and without a
	 * bridge (an attach makes it again, under rules that name it), and
	 * `network rm` removes it again. The other way round, the bridge and its
	 * gateway stayed, with nothing left to remove them.
	 */
	r = cli_infra_links_delete(c, (const char *const[]){ net.bridge }, 1, err);
	if (r == 0) {
		char path[PATH_MAX];

		pn_rm_rf(pn_path(path, "%s/ipam/%s", c->paths.runtime, name));
		netd_dns_records_drop(&c->paths, name);
		r = netd_network_delete(&c->paths, name, err);
	}
	if (r == 0) {
		r = network_apply_infra(c, NULL, err);
		cli_helpers_reload(c);
	}
	netd_network_clear(&net);
	return r;
}

/*
 * `network rm [-f] NAME...`: without -f every name must exist before any
 * network is removed; with -f, as Podman, one that does not exist is no error
 * (and nothing is printed for it).
 */
static int net_rm(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	bool force;
	int first = opts_force(argc, argv, "network rm", &force, &err), rc = 0;

	if (first < 0)
		return cli_fail(&err);
	if (first >= argc)
		return cli_failf("network rm: give at least one network name");
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	cli_gc(c, NULL);
	for (int i = first; i < argc && !force; i++) {
		struct netd_network net;

		if (netd_network_load(&c->paths, argv[i], &net, &err) < 0)
			return cli_fail(&err);
		netd_network_clear(&net);
	}
	for (int i = first; i < argc; i++) {
		int r;

		pn_err_clear(&err);
		/* a wait for a starting container (remove_network()) may have let it go */
		r = cli_lock(c, &err);
		if (r == 0)
			r = remove_network(c, argv[i], force, &err);
		if (r == -ENOENT && force) {
			struct netd_network gone;
			int lr = netd_network_load(&c->paths, argv[i], &gone, NULL);

			/* only a network that does not exist: not some other ENOENT on the way */
			if (lr == -ENOENT)
				continue;
			if (lr == 0)
				netd_network_clear(&gone);
		}
		if (r < 0)
			rc = cli_fail(&err);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

/* `network prune [-f] [--filter label=K[=V]|label!=K[=V]]...`: the unused networks (that match) */
static int net_prune(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' }, { "filter", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 },
	};
	struct pn_err err = { 0 };
	struct str_list filters = { 0 };
	struct netd_network *nets = NULL;
	_cleanup_json_ json_t *sbs = NULL;
	size_t n = 0;
	int ch, rc = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': break; /* nothing asks for confirmation here */
		case 'F':
			/* Podman's prune filters: label and label!; until= needs a time the state does not keep */
			if ((strncmp(optarg, "label=", 6) && strncmp(optarg, "label!=", 7)) || !optarg[6 + (optarg[5] == '!')])
				return cli_failf("network prune: invalid filter \"%s\": want label=KEY[=VALUE] or label!=KEY[=VALUE]",
						 optarg);
			if (str_list_add(&filters, optarg, "filters", &err) < 0)
				return cli_fail(&err);
			break;
		default: return cli_failf("network prune: unknown option %s", opts_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return cli_failf("network prune: unexpected argument %s (it removes every unused network; "
				 "network rm removes one)", argv[optind]);
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	cli_gc(c, NULL);
	if (netd_network_list(&c->paths, &nets, &n, &err) < 0)
		return cli_fail(&err);
	netd_sandbox_list(&c->paths, NULL, &sbs, NULL);
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *users = cli_network_used_by(sbs, nets[i].name);
		bool wanted = false;
		json_t *doc;
		size_t j;

		/* as with Podman, a stopped container (or pod) keeps the networks it joins when started */
		json_array_foreach(sbs, j, doc)
			wanted |= is_exited(doc) &&
				  netd_net_config_find(json_object_get(doc, "network_config"), nets[i].name, NULL);
		if (wanted || json_array_size(users) || strcmp(nets[i].name, NETD_DEFAULT_NETWORK) == 0 ||
		    !filter_match(&nets[i], &filters))
			continue;
		pn_err_clear(&err);
		if (remove_network(c, nets[i].name, false, &err) < 0)
			rc = cli_fail(&err);
		else
			printf("%s\n", nets[i].name);
	}
	netd_network_list_free(nets, n);
	return rc;
}

/*
 * A container by name, else a pod (connect/disconnect work on both), under
 * the lock. One that another command is starting is waited for, as `stop`
 * does: its starter saves it when it runs. Then *@waited is set: the lock was
 * let go meanwhile, and what the caller loaded before may have changed.
 */
static int load_target(struct cli *c, const char *ref, json_t **ret, bool *waited, struct pn_err *err)
{
	const char *kind = "container";
	int r = netd_sandbox_load(&c->paths, kind, ref, ret, err);

	*waited = false;
	if (r == -ENOENT) {
		struct pn_err e2 = { 0 };

		if (netd_sandbox_load(&c->paths, "pod", ref, ret, &e2) == 0) {
			pn_err_clear(err);
			kind = "pod";
			r = 0;
		}
	}
	if (r == 0 && cli_sandbox_starting(*ret)) {
		char id[NETD_ID_LEN + 1];

		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(*ret, "id")) ?: "");
		json_decref(*ret);
		*ret = NULL;
		*waited = true;
		r = cli_load_settled(c, kind, id, ret, err);
	}
	if (r == 0 && strcmp(kind, "pod") == 0)
		return 0;
	if (r == 0 && json_string_value(json_object_get(*ret, "pod"))[0]) {
		char pod[NETD_NAME_MAX + 1];

		snprintf(pod, sizeof(pod), "%s", json_string_value(json_object_get(*ret, "pod")));
		json_decref(*ret);
		*ret = NULL; /* the caller's cleanup frees it otherwise a second time */
		return pn_err_set(err, EINVAL, "container %s is in pod %s: connect the pod instead", ref, pod);
	}
	return r;
}

static int net_connect(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' }, { "ip6", required_argument, NULL, '6' },
		{ "alias", required_argument, NULL, 'a' }, { "mac-address", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct pn_err err = { 0 };
	struct str_list aliases = { 0 };
	struct netd_static st = { 0 };
	struct netd_network net;
	struct netd_infra inf = NETD_INFRA_INIT;
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_json_ json_t *jaliases = json_array();
	bool waited;
	int ch, r;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		/* --ip takes either family, as it always has here; Podman's --ip is IPv4 */
		case 'i': *netd_static_ip_slot(&st, optarg) = optarg; break;
		case '6': st.ip6 = optarg; break;
		case 'm': st.mac = optarg; break;
		case 'a':
			if (netd_name_check("alias", optarg, NETD_NAME_MAX, &err) < 0)
				return cli_fail(&err);
			if (str_list_add(&aliases, optarg, "aliases", &err) < 0)
				return cli_fail(&err);
			json_array_append_new(jaliases, json_string(optarg));
			break;
		default: return cli_failf("network connect: unknown option %s", opts_bad_option(argc, argv));
		}
	}
	if (argc - optind != 2)
		return cli_failf("network connect: usage: podnet network connect [--ip IP] [--ip6 IP] [--mac-address MAC] "
				 "[--alias NAME]... NETWORK CONTAINER");
	c->stay_in_infra = true;
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	if (netd_network_load(&c->paths, argv[optind], &net, &err) < 0)
		return cli_fail(&err);
	r = load_target(c, argv[optind + 1], &doc, &waited, &err);
	if (r == 0 && waited) {
		/* the lock was let go: the network may have changed (or gone) meanwhile */
		netd_network_clear(&net);
		if (netd_network_load(&c->paths, argv[optind], &net, &err) < 0)
			return cli_fail(&err);
	}
	/* a forwarder that may have to follow binds in the host's namespace: this process stays there */
	if (r == 0 && json_array_size(json_object_get(doc, "publish")))
		c->stay_in_infra = false;
	if (r == 0 && strcmp(json_string_value(json_object_get(doc, "network_mode")) ?: "bridge", "bridge") != 0) {
		const char *mode = json_string_value(json_object_get(doc, "network_mode"));

		if (strncmp(mode, "container:", 10) == 0)
			r = pn_err_set(&err, EINVAL, "%s shares the network of container %.12s (its network mode): "
				       "connect that one instead", argv[optind + 1], mode + 10);
		else
			r = pn_err_set(&err, EINVAL, "%s uses --network %s: it cannot join networks", argv[optind + 1], mode);
	}
	if (r == 0 && !netd_sandbox_alive(doc)) {
		/* an exited container or pod joins the network when it starts again */
		if (is_exited(doc))
			r = connect_exited(c, doc, &net, &st, jaliases, &err);
		else
			r = pn_err_set(&err, ESRCH, "%s is not running", argv[optind + 1]);
		netd_network_clear(&net);
		return r < 0 ? cli_fail(&err) : 0;
	}
	/*
	 * The infra first: if its holder died, bringing it back re-attaches
	 * every running sandbox as its state says, and would already attach
	 * this one to @net if the state named the new attachment.
	 */
	if (r == 0)
		r = cli_infra(c, &inf, &err);
	if (r == 0 && c->infra_recovered)
		r = reload(c, doc, &err);
	if (r == 0)
		r = netd_attach_plan(&c->paths, doc, &net, &st, jaliases, &err);
	if (r == 0 && json_is_array(json_object_get(doc, "network_config")))
		netd_net_config_add(json_object_get(doc, "network_config"), net.name, jaliases, &st);
	/*
	 * The state names the attachment before its interface exists: a kill
	 * after this leaves a connection without an interface, which
	 * disconnect (and a repair) handle, never an interface nobody knows.
	 */
	if (r == 0 && netd_sandbox_save(&c->paths, doc, &err) < 0) {
		netd_attach_release(&c->paths, doc, net.name, NULL);
		r = -1;
	}
	if (r == 0) {
		r = sandbox_netns_apply(c, &inf, doc, net.name, false, &err);
		if (r < 0) {
			netd_attach_release(&c->paths, doc, net.name, NULL);
			net_config_del(doc, net.name);
			netd_sandbox_save(&c->paths, doc, NULL);
		} else {
			ports_follow(c, &inf, doc);
			r = netd_sandbox_save(&c->paths, doc, &err);
			if (r == 0)
				write_sandbox_files(c, doc, NULL, NULL);
			/* its records on the other networks have not changed */
			netd_dns_publish(&c->paths, doc, net.name, false);
			cli_helpers_reload(c);
		}
	}
	netd_infra_close(&inf);
	netd_network_clear(&net);
	return r < 0 ? cli_fail(&err) : 0;
}

static int net_disconnect(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	_cleanup_json_ json_t *doc = NULL;
	bool force, waited;
	int first = opts_force(argc, argv, "network disconnect", &force, &err);

	if (first < 0)
		return cli_fail(&err);
	if (argc - first != 2)
		return cli_failf("network disconnect: usage: podnet network disconnect [-f] NETWORK CONTAINER");
	c->stay_in_infra = true;
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	if (load_target(c, argv[first + 1], &doc, &waited, &err) < 0)
		return cli_fail(&err);
	if (is_exited(doc) && netd_net_config_find(json_object_get(doc, "network_config"), argv[first], NULL)) {
		/* it leaves the network it would join when started again (which may be gone by now) */
		net_config_del(doc, argv[first]);
		if (netd_sandbox_save(&c->paths, doc, &err) < 0)
			return cli_fail(&err);
		return 0;
	}
	{
		struct netd_network net;

		if (netd_network_load(&c->paths, argv[first], &net, &err) < 0)
			return cli_fail(&err);
		netd_network_clear(&net);
	}
	if (!json_object_get(json_object_get(doc, "networks"), argv[first]))
		return cli_failf("%s is not connected to network %s", argv[first + 1], argv[first]);
	/* a forwarder that may have to follow binds in the host's namespace: this process stays there */
	if (json_array_size(json_object_get(doc, "publish")))
		c->stay_in_infra = false;
	if (disconnect_one(c, doc, argv[first], &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* the addresses of a --dns-add/--dns-drop value (Podman takes comma-separated lists), canonical, into @to */
static int dns_arg(json_t *to, const char *opt, const char *arg, struct pn_err *err)
{
	_cleanup_free_ char *copy = strdup(arg);
	size_t before = json_array_size(to);
	char *save = NULL;

	if (!copy)
		return pn_err_set(err, ENOMEM, "out of memory");
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (netd_dns_server_add(to, w, opt, err) < 0)
			return -EINVAL;
	if (json_array_size(to) == before)
		return pn_err_set(err, EINVAL, "invalid %s \"%s\": want an IPv4 or IPv6 address", opt, arg);
	return 0;
}

/*
 * `network update [--dns-add IP[,IP]]... [--dns-drop IP[,IP]]... NAME`, as
 * Podman's: the network's own DNS servers (network create --dns). Its running
 * users' records name the new list at once; on a network without a podnet
 * resolver, their resolv.conf does.
 */
static int net_update(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dns-add", required_argument, NULL, 'A' }, { "dns-drop", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_json_ json_t *adds = json_array(), *drops = json_array(), *list = json_array(), *all = NULL;
	struct pn_err err = { 0 };
	struct netd_network net;
	json_t *v, *doc;
	size_t i;
	int ch, r;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'A' && ch != 'D')
			return cli_failf("network update: unknown option %s", opts_bad_option(argc, argv));
		if (dns_arg(ch == 'A' ? adds : drops, ch == 'A' ? "--dns-add" : "--dns-drop", optarg, &err) < 0)
			return cli_fail(&err);
	}
	if (optind != argc - 1)
		return cli_failf(optind >= argc ? "network update: missing network name"
						: "network update: exactly one network name expected");
	if (cli_lock(c, &err) < 0 || netd_network_load(&c->paths, argv[optind], &net, &err) < 0)
		return cli_fail(&err);
	json_array_foreach(drops, i, v)
		if (!pn_json_array_has(net.dns_servers, v)) {
			netd_network_clear(&net);
			return cli_failf("network %s has no DNS server %s", argv[optind], json_string_value(v));
		}
	json_array_foreach(net.dns_servers, i, v)
		if (!pn_json_array_has(drops, v))
			json_array_append(list, v);
	json_array_foreach(adds, i, v)
		if (!pn_json_array_has(list, v))
			json_array_append(list, v);
	if (json_array_size(list) > NETD_MAX_NET_DNS) {
		netd_network_clear(&net);
		return cli_failf("network %s: at most %d DNS servers", argv[optind], NETD_MAX_NET_DNS);
	}
	if (net.dns_servers)
		json_decref(net.dns_servers);
	net.dns_servers = json_array_size(list) ? json_incref(list) : NULL;
	r = netd_network_save(&c->paths, &net, &err);
	if (r == 0) {
		netd_sandbox_list(&c->paths, NULL, &all, NULL);
		json_array_foreach(all, i, doc) {
			if (!netd_sandbox_alive(doc) || !json_object_get(json_object_get(doc, "networks"), net.name))
				continue;
			if (net.dns)
				netd_dns_publish(&c->paths, doc, net.name, false);
			else
				write_sandbox_files(c, doc, NULL, NULL);
		}
		cli_helpers_reload(c);
		printf("%s\n", net.name);
	}
	netd_network_clear(&net);
	return r < 0 ? cli_fail(&err) : 0;
}

int cmd_network(struct cli *c, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "create", net_create }, { "ls", net_ls }, { "list", net_ls }, { "inspect", net_inspect }, { "exists", net_exists },
		{ "rm", net_rm }, { "remove", net_rm }, { "prune", net_prune }, { "connect", net_connect },
		{ "disconnect", net_disconnect }, { "update", net_update },
	};

	return cli_subcommand(c, argc, argv, "network", "create, ls, inspect, exists, update, rm, prune, connect, disconnect",
			      subs, sizeof(subs) / sizeof(subs[0]));
}
