/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TCP fast path: outbound TCP of containers as spliced host sockets instead of
 * packets through libslirp's TCP/IP stack.
 *
 * Theory of operation: nftables in I sends new TCP flows from non-internal
 * bridges towards the outside to a transparent listener (tproxy) that the tap
 * child created in I on 127.0.0.1 (and [::1]) port PN_SLIRP_FASTPATH_PORT.
 * The kernel in I terminates the container's TCP; accept() yields a socket in
 * I whose local address is the address the container wanted. We open a socket
 * in H (this process never leaves H), connect it there without blocking, and
 * then move bytes between the two with splice(2) through one pipe per
 * direction: zero copies in user space, no per-packet work here at all.
 *
 * Per connection: CONNECTING (outer connect in flight; the inner side is not
 * read) -> SPLICING (each direction: read side until EOF, pipe drained, then
 * shutdown(SHUT_WR) on the other side) -> closed when both directions ended.
 * An error or reset on either side closes both, the other with a reset
 * (SO_LINGER 0), so a refused or reset connection reads as a reset inside.
 * The connection table has a fixed size set at start; when it is full new
 * connections are reset and counted. Urgent data (MSG_OOB) is not carried:
 * splice() stops at an urgent byte, and a direction that saw POLLPRI steps
 * over it (pn_splice_urgent(), common/pipes.h); the bytes around it are.
 */
#ifndef PODNET_SLIRP_FASTPATH_H
#define PODNET_SLIRP_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct slirp_engine;
struct slirp_fastpath;

struct slirp_fastpath_counters {
	uint64_t accepted, refused, failed, active;
	uint64_t bytes_out, bytes_in; /* container -> outside, outside -> container */
};

/**
 * slirp_fastpath_new() - serve the transparent listeners in @engine's loop
 * @listen4: transparent listener in I (IPv4), or -1; taken over on success
 * @listen6: transparent listener in I (IPv6), or -1; taken over on success
 *
 * Return: 0 or a negative errno.
 */
int slirp_fastpath_new(int listen4, int listen6, bool host_loopback, struct slirp_engine *engine,
		       struct slirp_fastpath **ret);

/** slirp_fastpath_get_counters() - snapshot of the counters. */
void slirp_fastpath_get_counters(const struct slirp_fastpath *fp,
				 struct slirp_fastpath_counters *ret);

/**
 * slirp_fastpath_dest_allowed() - may the fast path connect to this original destination?
 *
 * Refuses what must stay inside (loopback, unspecified, multicast, broadcast,
 * the slirp network 10.0.2.0/24 and fd00::/64: those go through libslirp and
 * the host_allowed gate) and port 0.
 * Return: true if allowed.
 */
bool slirp_fastpath_dest_allowed(const struct sockaddr_storage *ss);

/**
 * slirp_fastpath_host_gateway() - the host's loopback for the host gateway
 *
 * A connection to 10.0.2.2 (fd00::2) reaches the host's 127.0.0.1 (::1),
 * the same port, as libslirp would carry it. The fast path only gets such a
 * connection from a container in host_allowed4/6 (netd's tproxy rule checks
 * the source; the source guard makes it the container's own).
 * Return: true if @ss was the host gateway, now rewritten.
 */
bool slirp_fastpath_host_gateway(struct sockaddr_storage *ss);

/** slirp_fastpath_free() - reset every connection and close the listeners (NULL-safe). */
void slirp_fastpath_free(struct slirp_fastpath *fp);

#endif
