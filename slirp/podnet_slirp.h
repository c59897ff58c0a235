/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Client side of podnet-slirp, the outbound uplink of the infra namespace I.
 *
 * podnet-slirp runs in the host namespace H and drives the tap device
 * `podnet-tap0` in I with libslirp, so every connection a container makes to
 * the outside leaves from an ordinary host socket. These functions start it
 * (once per user, tied to the holder process), stop it and report its state.
 * They never print: errors come back as negative errno values with a message
 * in struct pn_err. See podnet-slirp(8) and docs/outbound.md.
 */
#ifndef PODNET_SLIRP_H
#define PODNET_SLIRP_H

#include <jansson.h>

#include "err.h"
#include "paths.h"
#include "proc.h"

/* The uplink as seen from I (fixed: nftables rules and DNS refer to these). */
#define PN_SLIRP_TAP_NAME "podnet-tap0"
#define PN_SLIRP_TAP_ADDR "10.0.2.100"
#define PN_SLIRP_GATEWAY "10.0.2.2"   /* libslirp's host: reaches the host's loopback */
#define PN_SLIRP_DNS "10.0.2.3"       /* forwarded to the host's resolvers */
#define PN_SLIRP_TAP_ADDR6 "fd00::100"
#define PN_SLIRP_GATEWAY6 "fd00::2"
#define PN_SLIRP_DNS6 "fd00::3"
#define PN_SLIRP_MTU 65520
/* what libslirp sends at most: the container links' default MTU (engine.c says why) */
#define PN_SLIRP_LINK_MTU 1500

/*
 * TCP fast path (docs/outbound.md): transparent listeners in I on 127.0.0.1 and
 * [::1] at this port; nftables in I tproxies outbound TCP there and marks it,
 * and podnet-slirp routes marked packets locally (ip rule fwmark -> table).
 */
#define PN_SLIRP_FASTPATH_PORT 16001
#define PN_SLIRP_FASTPATH_MARK 0x504e
#define PN_SLIRP_FASTPATH_TABLE 20558

/**
 * slirp_ensure() - make sure podnet-slirp runs for this holder
 * @paths: resolved directories (runtime dir for the pid file, libexec for the binary)
 * @holder: the process keeping U and I alive; podnet-slirp exits when it exits
 * @userns_fd: U (open), or -1 as root
 * @netns_fd: I (open)
 * @err: message for the user on failure
 *
 * If $RUN/slirp/podnet-slirp.pid names a live process, nothing is done.
 * Otherwise podnet-slirp is started detached in the caller's (host) namespaces
 * with @userns_fd and @netns_fd inherited, and this call returns once the tap
 * is up in I with its address and default route (or podnet-slirp reported why
 * it could not), within 10 seconds. Must be called from a single-threaded
 * process. The caller's descriptors are not changed.
 *
 * Return: 0, or a negative errno with @err filled.
 */
int slirp_ensure(const struct pn_paths *paths, const struct pn_proc_id *holder, int userns_fd,
		 int netns_fd, struct pn_err *err);

/**
 * slirp_stop() - stop podnet-slirp if it runs (SIGTERM, then SIGKILL after 2 s)
 * @paths: resolved directories
 *
 * Removes the pid file. Stopping a podnet-slirp that is not running is not an error.
 *
 * Return: 0 or a negative errno.
 */
int slirp_stop(const struct pn_paths *paths);

/**
 * slirp_status() - describe podnet-slirp for `podnet info`
 * @paths: resolved directories
 * @ret: on success a new JSON object owned by the caller:
 *       {"running": bool, "pid": N, "starttime": N, "mtu": N, "ipv6": bool,
 *        "tcp_fastpath": bool, "counters": {...}} (only "running" when it never ran)
 *
 * Counters come from the status file podnet-slirp rewrites every few seconds.
 *
 * Return: 0 or a negative errno.
 */
int slirp_status(const struct pn_paths *paths, json_t **ret);

#endif
