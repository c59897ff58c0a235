// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-portfwd-testctl: drives the client library (portfwd.h) from the
 * black-box tests and the benchmark before, and independently of, the CLI.
 *   start --owner ID --watch PID[:STARTTIME] --holder PID [--no-userns] [--no-tproxy-setup]
 *         [--target4 A] [--target6 A] SPEC...
 *   stop|status|mode --owner ID
 *   parse SPEC...
 * U and I are the holder's /proc/PID/ns/{user,net}; the watched process is
 * the container's init. Like the CLI, start sets up the transparent-source
 * plumbing in I first (netd_tproxy_setup); --no-tproxy-setup skips it.
 */
#define _GNU_SOURCE
#include "portfwd.h"
#include "cleanup.h"
#include "ns.h"
#include "tproxy.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_maps(const struct pn_port_mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char spec[96];

		if (portspec_format(&m[i], spec, sizeof(spec)) == 0)
			printf("map %s %s %u %u %u %s\n", m[i].protocol, m[i].host_ip[0] ? m[i].host_ip : "*",
			       m[i].host_port, m[i].container_port, m[i].range, spec);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "owner", required_argument, NULL, 'o' }, { "watch", required_argument, NULL, 'w' },
		{ "holder", required_argument, NULL, 'h' }, { "target4", required_argument, NULL, '4' },
		{ "target6", required_argument, NULL, '6' }, { "no-userns", no_argument, NULL, 'n' },
		{ "no-tproxy-setup", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct pn_port_mapping maps[PN_PORTFWD_MAX_MAPPINGS];
	const char *owner = NULL, *t4 = NULL, *t6 = NULL, *cmd;
	struct pn_proc_id watch = { 0 }, proc;
	struct pn_err err = { 0 };
	struct pn_paths paths;
	_cleanup_close_ int userns = -1, netns = -1;
	pid_t holder = 0;
	struct pn_portfwd_source src;
	bool no_userns = false, no_tproxy = false, alive;
	size_t n = 0, got;
	int c, r;

	if (argc < 2) {
		fprintf(stderr, "usage: podnet-portfwd-testctl start|stop|status|mode|parse ...\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'o': owner = optarg; break;
		case 'w':
			/* PID, or PID:STARTTIME to hand over a stale identity on purpose */
			watch.pid = atoi(optarg);
			if (strchr(optarg, ':'))
				watch.starttime = strtoull(strchr(optarg, ':') + 1, NULL, 10);
			break;
		case 'h': holder = atoi(optarg); break;
		case '4': t4 = optarg; break;
		case '6': t6 = optarg; break;
		case 'n': no_userns = true; break;
		case 'T': no_tproxy = true; break;
		default: return 2;
		}
	}
	if (!strcmp(cmd, "parse")) {
		for (int i = optind; i < argc; i++) {
			r = portspec_parse(argv[i], maps, PN_PORTFWD_MAX_MAPPINGS, &got, &err);
			if (r < 0) {
				fprintf(stderr, "error: %s\n", err.msg);
				return 1;
			}
			print_maps(maps, got);
		}
		return 0;
	}
	if (pn_paths_init(&paths) < 0 || !owner) {
		fprintf(stderr, "error: no runtime directory or no --owner\n");
		return 2;
	}
	if (!strcmp(cmd, "stop"))
		return portfwd_stop(&paths, owner) < 0;
	if (!strcmp(cmd, "status")) {
		r = portfwd_status(&paths, owner, &proc, &alive);
		if (r == -ENOENT) {
			printf("none\n");
			return 0;
		}
		if (r < 0)
			return 1;
		printf("%s %d\n", alive ? "alive" : "dead", (int)proc.pid);
		return 0;
	}
	if (!strcmp(cmd, "mode")) {
		enum pn_portfwd_mode mode;
		char reason[256];

		if (portfwd_source_mode(&paths, owner, &mode, reason, sizeof(reason)) < 0)
			return 1;
		printf("%s%s%s\n", portfwd_mode_name(mode), reason[0] ? " " : "", reason);
		return 0;
	}
	if (strcmp(cmd, "start"))
		return 2;
	for (int i = optind; i < argc; i++) {
		r = portspec_parse(argv[i], maps + n, PN_PORTFWD_MAX_MAPPINGS - n, &got, &err);
		if (r < 0) {
			fprintf(stderr, "error: %s\n", err.msg);
			return 1;
		}
		n += got;
	}
	if ((!watch.starttime && pn_proc_starttime(watch.pid, &watch.starttime) < 0) || holder <= 0) {
		fprintf(stderr, "error: --watch and --holder must name running processes\n");
		return 2;
	}
	netns = pn_ns_open(holder, "net");
	if (!no_userns)
		userns = pn_ns_open(holder, "user");
	if (netns < 0 || (!no_userns && userns < 0)) {
		fprintf(stderr, "error: cannot open the holder's namespaces\n");
		return 2;
	}
	if (!no_tproxy) {
		struct netd_infra inf = { .userns_fd = userns, .netns_fd = netns };

		netd_tproxy_setup(&inf, &src);
	}
	r = portfwd_start(&paths, owner, &watch, userns, netns, t4, t6, maps, n, no_tproxy ? NULL : &src, &proc,
			  &err);
	if (r < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	print_maps(maps, n);
	printf("pid %d\n", (int)proc.pid);
	return 0;
}
