// SPDX-License-Identifier: GPL-2.0-or-later
/* `podnet info` and `podnet system check|reset`. */
#define _GNU_SOURCE
#include "cli.h"
#include "cleanup.h"
#include "fileutil.h"
#include "helpers.h"
#include "infra.h"
#include "ipam.h"
#include "link.h"
#include "state.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_info(struct cli *c, int argc, char **argv)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	_cleanup_json_ json_t *doc = NULL, *all = NULL;
	struct netd_network *nets = NULL;
	size_t n = 0, running = 0, i;
	json_t *s;

	(void)argc;
	(void)argv;
	if (cli_lock(c, NULL) == 0) {
		all = cli_gc_list(c);
		cli_unlock(c);
	} else {
		netd_sandbox_list(&c->paths, NULL, &all, NULL);
	}
	netd_network_list(&c->paths, &nets, &n, NULL);
	json_array_foreach(all, i, s)
		running += strcmp(json_string_value(json_object_get(s, "state")) ?: "", "running") == 0;
	doc = json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:I}", "version", PODNET_VERSION, "rootless",
			c->paths.rootless, "data_dir", c->paths.data, "runtime_dir", c->paths.runtime, "networks",
			(json_int_t)n, "sandboxes", (json_int_t)json_array_size(all), "running", (json_int_t)running);
	netd_network_list_free(nets, n);
	if (netd_infra_open(&c->paths, &inf, NULL) == 0) {
		json_object_set_new(doc, "infra", json_pack("{s:b, s:I, s:b}", "running", 1, "holder_pid",
							    (json_int_t)inf.holder.pid, "subuid_range_mapped", inf.subids));
		netd_infra_close(&inf);
	} else {
		json_object_set_new(doc, "infra", json_pack("{s:b}", "running", 0));
	}
	json_object_set_new(doc, "helpers", helpers_status(c));
	cli_print_json(doc);
	return 0;
}

struct infra_check {
	const struct netd_network *nets;
	size_t n;
	int found;
	char report[1024];
};

/* (in I) what no network accounts for there, described */
static int infra_check_cb(void *arg, struct pn_err *err)
{
	struct infra_check *ic = arg;
	struct nl_sock *sk = NULL;
	int r = netd_nl_open(&sk, err);

	if (r == 0)
		r = netd_bridges_tidy(sk, ic->nets, ic->n, false, ic->report, sizeof(ic->report), err);
	netd_nl_close(sk);
	if (r < 0)
		return r;
	ic->found = r;
	return 0;
}

/* bridges and addresses in I that no network accounts for (a network command killed half-way) */
static int infra_leftovers(struct cli *c, const struct netd_infra *inf, bool print)
{
	struct infra_check ic = { 0 };
	struct netd_network *nets = NULL;
	size_t n = 0;
	int r;

	if (netd_network_list(&c->paths, &nets, &n, NULL) < 0)
		return 0;
	ic.nets = nets;
	ic.n = n;
	r = netd_infra_run_out(inf, infra_check_cb, &ic, &ic, sizeof(ic), NULL);
	netd_network_list_free(nets, n);
	if (r < 0 || ic.found <= 0)
		return 0;
	if (print) {
		ic.report[sizeof(ic.report) - 1] = '\0';
		for (char *save = NULL, *line = strtok_r(ic.report, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			printf("infra namespace: %s\n", line);
	}
	return ic.found;
}

/* what is left in this runtime directory; Return: number of leftovers */
static int leftovers(struct cli *c, bool print)
{
	_cleanup_json_ json_t *all = NULL;
	struct netd_infra inf = NETD_INFRA_INIT;
	_cleanup_closedir_ DIR *d = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	json_t *s;
	size_t i;
	int n = 0;

	netd_sandbox_list(&c->paths, NULL, &all, NULL);
	json_array_foreach(all, i, s) {
		if (print)
			printf("%s %s (%s)\n", json_string_value(json_object_get(s, "kind")) ?: "sandbox",
			       json_string_value(json_object_get(s, "name")) ?: json_string_value(json_object_get(s, "id")),
			       json_string_value(json_object_get(s, "state")) ?: "corrupt");
		n++;
	}
	if (netd_infra_open(&c->paths, &inf, NULL) == 0) {
		if (print)
			printf("namespace holder %d\n", (int)inf.holder.pid);
		n += 1 + infra_leftovers(c, &inf, print);
		netd_infra_close(&inf);
	}
	d = opendir(pn_path(path, "%s/ipam", c->paths.runtime));
	while (d && (de = readdir(d))) {
		struct netd_leases l;

		if (de->d_name[0] == '.' || !netd_name_valid(de->d_name))
			continue;
		if (netd_ipam_open(&c->paths, de->d_name, &l, NULL) == 0) {
			if (netd_ipam_count(&l)) {
				if (print)
					printf("network %s: %zu addresses leased\n", de->d_name, netd_ipam_count(&l));
				n++;
			}
			netd_ipam_close(&l);
		}
	}
	return n;
}

int cmd_system(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };

	if (argc >= 2 && strcmp(argv[1], "check") == 0) {
		if (cli_lock(c, &err) < 0)
			return cli_fail(&err);
		cli_gc(c, NULL);
		cli_sweep_tmp(c);
		return leftovers(c, true) ? 1 : 0;
	}
	if (argc >= 2 && strcmp(argv[1], "reset") == 0) {
		_cleanup_json_ json_t *all = NULL;
		json_t *s;
		size_t i;
		char path[PATH_MAX];

		if (argc < 3 || (strcmp(argv[2], "-f") && strcmp(argv[2], "--force")))
			return cli_failf("system reset removes every network, container and pod: confirm with -f");
		if (cli_lock(c, &err) < 0)
			return cli_fail(&err);
		netd_sandbox_list(&c->paths, NULL, &all, NULL);
		json_array_foreach(all, i, s) {
			struct pn_proc_id p;

			if (netd_sandbox_proc(s, "init", &p))
				pn_proc_kill_wait(&p, 0);
			if (netd_sandbox_proc(s, "monitor", &p))
				pn_proc_kill_wait(&p, 0);
			helpers_sandbox_stopped(c, s);
		}
		helpers_stop_all(c);
		netd_infra_stop(&c->paths);
		const char *sub[] = { "ctr", "names", "podnames", "ipam", "dns", "live", "slirp",
					"exits", "podnet-dns.log" };

		for (size_t k = 0; k < sizeof(sub) / sizeof(sub[0]); k++)
			pn_rm_rf(pn_path(path, "%s/%s", c->paths.runtime, sub[k]));
		pn_rm_rf(pn_path(path, "%s/networks", c->paths.data));
		return 0;
	}
	return cli_failf("system: want 'check' or 'reset -f'");
}
