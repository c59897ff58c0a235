/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command line of podnet-slirp (see docs/podnet-slirp.8.md). Parsed strictly:
 * every number is range-checked, unknown options are errors.
 */
#ifndef PODNET_SLIRP_OPTIONS_H
#define PODNET_SLIRP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "proc.h"

enum slirp_tristate { SLIRP_AUTO, SLIRP_ON, SLIRP_OFF };

struct slirp_options {
	int userns_fd;               /* -1: not given (root) */
	int netns_fd;                /* required */
	struct pn_proc_id holder;    /* required */
	int ready_fd;                /* -1: none */
	const char *runtime_dir;     /* NULL: resolve like the CLI (common/paths.h) */
	unsigned mtu;
	enum slirp_tristate ipv6;
	bool host_loopback;
	bool tcp_fastpath;
	bool debug;
	bool help, version;
};

/**
 * slirp_options_parse() - parse argv into @o
 * @errbuf: one-line reason on failure
 *
 * Return: 0 or -EINVAL.
 */
int slirp_options_parse(int argc, char **argv, struct slirp_options *o, char *errbuf,
			size_t errlen);

extern const char slirp_usage[];

#endif
