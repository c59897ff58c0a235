/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The podnet-dns daemon: host-side setup (upstream sockets, socket factory),
 * then, inside I, the listeners and one epoll loop that answers, forwards and
 * reloads. main.c orders the steps; this module owns the state.
 */
#ifndef PODNET_DNS_SERVER_H
#define PODNET_DNS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"

struct dns_options {
	const char *config_dir;     /* $RUN/dns */
	const char *resolv_conf;    /* host resolv.conf: read in H at start, on reload, and again
				     * when it has changed (checked at most once a second, on
				     * the way to forwarding a query) */
	uint16_t resolv_port;       /* port of the servers that resolv.conf names (53) */
	struct dns_upstreams fixed; /* --upstream: replaces resolv.conf when count > 0 */
	uint16_t port;              /* 53 */
	unsigned int tcp_max;       /* concurrent TCP connections */
	unsigned int tcp_idle_ms;   /* a TCP client must send a query this often */
	unsigned int upstream_timeout_ms;
	unsigned int upstream_total_ms; /* a query waits this long for any server asked, then SERVFAIL */
	bool stay;                  /* --stay: no records file is no reason to exit */
};

struct dns_server;

/**
 * dns_server_new() - allocate the daemon state and do the host-side setup
 *
 * @factory: the daemon's end of the host socket factory (hostsock_start()),
 *	owned by the server from here on, also when this fails; -1 when the
 *	daemon stays in H and creates its TCP forwarding sockets itself
 *
 * Reads the upstream servers and creates the upstream UDP sockets. Call in H,
 * before joining U and I.
 * Return: 0 with *@ret, or a negative errno (logged).
 */
int dns_server_new(const struct dns_options *opts, int factory, struct dns_server **ret);

/**
 * dns_server_load() - load the records and bind every listener (call in I)
 *
 * Return: the number of networks (0: nothing to serve), or a negative errno (logged).
 */
int dns_server_load(struct dns_server *s);

/**
 * dns_server_run() - serve until SIGTERM/SIGINT, the holder exits (@holder_pidfd
 * readable, -1 for none) or the last records file is removed.
 *
 * Return: 0 on an orderly exit, or a negative errno (logged).
 */
int dns_server_run(struct dns_server *s, int holder_pidfd);

/** dns_server_free() - close everything; NULL-safe. */
void dns_server_free(struct dns_server *s);

#endif
