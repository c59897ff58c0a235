// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-slirp-ctl: a developer and test tool that drives the client library
 * (slirp_ensure/slirp_stop/slirp_status) without the CLI, for a holder given
 * by PID: `podnet-slirp-ctl ensure PID`, `stop`, `status`; and `exec PID CMD...`,
 * which runs CMD as root of PID's user namespace inside PID's network
 * namespace (what `nsenter -U -n` does, but without setgroups(2), which a
 * user namespace mapped by an unprivileged user forbids). The black-box tests
 * and bench/outbound.sh use it; users use `podnet`.
 */
#define _GNU_SOURCE
#include "cleanup.h"
#include "ns.h"
#include "paths.h"
#include "podnet_slirp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(void)
{
	fputs("usage: podnet-slirp-ctl ensure HOLDER_PID | stop | status | exec PID CMD [ARG...]\n",
	      stderr);
	return 2;
}

static int cmd_ensure(const struct pn_paths *paths, const char *arg)
{
	_cleanup_close_ int userns = -1, netns = -1;
	struct pn_err err = { 0 };
	struct pn_proc_id holder = { 0 };
	char *end;
	long pid;
	int r;

	pid = strtol(arg, &end, 10);
	if (*end || pid <= 0)
		return usage();
	holder.pid = (pid_t)pid;
	r = pn_proc_starttime(holder.pid, &holder.starttime);
	if (r < 0) {
		fprintf(stderr, "podnet-slirp-ctl: holder %ld: %s\n", pid, strerror(-r));
		return 1;
	}
	netns = pn_ns_open(holder.pid, "net");
	if (paths->rootless)
		userns = pn_ns_open(holder.pid, "user");
	if (netns < 0 || (paths->rootless && userns < 0)) {
		fprintf(stderr, "podnet-slirp-ctl: cannot open the holder's namespaces\n");
		return 1;
	}
	r = slirp_ensure(paths, &holder, userns, netns, &err);
	if (r < 0) {
		fprintf(stderr, "podnet-slirp-ctl: %s\n", err.msg);
		return 1;
	}
	return 0;
}

static int cmd_exec(char **argv)
{
	_cleanup_close_ int userns = -1, netns = -1;
	char *end;
	long pid = strtol(argv[0], &end, 10);
	int r;

	if (*end || pid <= 0)
		return usage();
	netns = pn_ns_open((pid_t)pid, "net");
	if (geteuid() != 0)
		userns = pn_ns_open((pid_t)pid, "user");
	if (netns < 0 || (geteuid() != 0 && userns < 0)) {
		fprintf(stderr, "podnet-slirp-ctl: cannot open the namespaces of %ld\n", pid);
		return 1;
	}
	r = pn_ns_join(userns, netns);
	if (r < 0) {
		fprintf(stderr, "podnet-slirp-ctl: cannot join the namespaces of %ld: %s\n", pid,
			strerror(-r));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "podnet-slirp-ctl: %s: %s\n", argv[1], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	struct pn_paths paths;
	int r;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "exec") && argc >= 4)
		return cmd_exec(argv + 2);
	r = pn_paths_init(&paths);
	if (r < 0) {
		fprintf(stderr, "podnet-slirp-ctl: runtime directory: %s\n",
			paths.problem[0] ? paths.problem : strerror(-r));
		return 1;
	}
	if (!strcmp(argv[1], "ensure") && argc == 3)
		return cmd_ensure(&paths, argv[2]);
	if (!strcmp(argv[1], "stop") && argc == 2) {
		r = slirp_stop(&paths);
		if (r < 0)
			fprintf(stderr, "podnet-slirp-ctl: stop: %s\n", strerror(-r));
		return r < 0;
	}
	if (!strcmp(argv[1], "status") && argc == 2) {
		_cleanup_json_ json_t *st = NULL;
		_cleanup_free_ char *text = NULL;

		r = slirp_status(&paths, &st);
		if (r < 0 || !(text = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS))) {
			fprintf(stderr, "podnet-slirp-ctl: status: %s\n", strerror(r < 0 ? -r : ENOMEM));
			return 1;
		}
		puts(text);
		return 0;
	}
	return usage();
}
