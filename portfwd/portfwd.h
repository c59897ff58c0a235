/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published ports: the public face of portfwd/. The CLI parses `-p` specs with
 * portspec_parse(), starts one podnet-portfwd per container (or pod) with
 * portfwd_start(), asks portfwd_status() whether it still runs (to report it
 * in `podnet ps` and restart it after a crash), and stops it with
 * portfwd_stop(). portfwd_source_mode() tells `podnet inspect` whether the
 * container sees real client addresses ("transparent") or the forwarder's own
 * address in I ("fallback"). See docs/ports.md and docs/podnet-portfwd.8.md.
 */
#ifndef PODNET_PORTFWD_H
#define PODNET_PORTFWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "paths.h"
#include "proc.h"

/* Most mappings (after splitting protocols) one container may publish. */
#define PN_PORTFWD_MAX_MAPPINGS 64
/* Most host ports one mapping may cover (a range). */
#define PN_PORTFWD_MAX_RANGE 1024

struct pn_port_mapping {
	char host_ip[46];        /* "" = every address (0.0.0.0 and ::), else one IPv4/IPv6 address */
	uint16_t host_port;      /* first host port; 0 = pick a free one (rewritten by portfwd_start) */
	uint16_t container_port; /* first container port */
	uint16_t range;          /* number of consecutive ports, >= 1 */
	char protocol[4];        /* "tcp" or "udp" */
};

/*
 * Transparent source addresses (docs/ports.md): the forwarder binds the
 * client's address in I with IP(V6)_TRANSPARENT; three idempotent pieces in I
 * route the container's answers to its sockets. The CLI sets them up
 * (netd_tproxy_setup(), netd/tproxy.h) and tells the forwarder the outcome;
 * the forwarder itself needs no nftables or netlink. The mark and table differ
 * from podnet-slirp's fast path (0x504e, table 20558): 0x5046 is "PF".
 *   nft:   table inet podnet_portfwd, chain prerouting (mangle priority):
 *          packets of a transparent socket get mark PN_PORTFWD_FWMARK
 *   rule:  fwmark PN_PORTFWD_FWMARK/PN_PORTFWD_FWMARK lookup PN_PORTFWD_TABLE
 *          (IPv4 and IPv6, priority PN_PORTFWD_RULE_PRIORITY)
 *   route: local 0.0.0.0/0 and local ::/0 dev lo in PN_PORTFWD_TABLE
 */
#define PN_PORTFWD_FWMARK 0x5046
#define PN_PORTFWD_FWMARK_STR "0x5046"
#define PN_PORTFWD_TABLE 20550
#define PN_PORTFWD_RULE_PRIORITY 20550
/* Longest fallback reason passed to the forwarder (and reported by inspect). */
#define PN_PORTFWD_REASON_MAX 256

/* What the transparent-source setup in I achieved, per address family. */
struct pn_portfwd_source {
	bool transparent4, transparent6;     /* that family's rule and route (and the nft table) are in place */
	char reason[PN_PORTFWD_REASON_MAX]; /* why a family is missing, one line; "" when both work */
};

enum pn_portfwd_mode {
	PN_PORTFWD_MODE_UNKNOWN = 0,
	PN_PORTFWD_MODE_TRANSPARENT, /* the container sees the client's address */
	PN_PORTFWD_MODE_FALLBACK,    /* the container sees the forwarder's address in I */
};

/**
 * portspec_parse() - parse one podman-style `-p` publish spec
 * @spec: `[HOSTIP:][HOSTPORT[-HOSTPORT2]:]CTRPORT[-CTRPORT2][/tcp|/udp|/tcp,udp]`;
 *        an IPv6 host IP is written in brackets: `[::1]:8080:80`
 * @out: array receiving one mapping per protocol
 * @max: capacity of @out
 * @ret_n: number of entries written (1 or 2)
 * @err: receives a message naming the defect
 *
 * `HOSTIP::CTRPORT` (empty host port) and a bare `CTRPORT` ask for a free
 * host port (host_port 0). Ranges must have the same length on both sides; a
 * host range with a single container port is rejected, as podman does.
 *
 * Return: 0, -EINVAL for a malformed spec, -ENOSPC when @max is too small.
 */
int portspec_parse(const char *spec, struct pn_port_mapping *out, size_t max, size_t *ret_n,
		   struct pn_err *err);

/**
 * portspec_merge() - drop repeated mappings, refuse two that want one host port
 * @maps: the mappings of one container or pod, in the order given
 * @n: their number; on return, the number kept
 * @err: receives "conflicting port mappings for host port P (protocol T)"
 *
 * As podman: the same mapping given twice is kept once; two mappings of one
 * protocol whose host port ranges overlap on overlapping host addresses ("",
 * 0.0.0.0 and :: are wildcards) conflict. Free host ports (0) never conflict.
 *
 * Return: 0, or -EINVAL (then @maps and @n are unspecified).
 */
int portspec_merge(struct pn_port_mapping *maps, size_t *n, struct pn_err *err);

/**
 * portspec_format() - write @m back as a spec (`[HOSTIP:]HOSTPORT[-N]:CTRPORT[-M]/PROTO`)
 * @buf: destination
 * @size: capacity of @buf (96 bytes always suffice)
 *
 * Return: 0, or -ENOSPC when @buf is too small.
 */
int portspec_format(const struct pn_port_mapping *m, char *buf, size_t size);

/**
 * portfwd_start() - start podnet-portfwd for one container and wait until it listens
 * @paths: resolved directories; the binary is @paths->libexec/podnet-portfwd
 * @owner_id: container (or pod) id; state goes to $RUN/ctr/@owner_id/
 * @watch: the container's init; the forwarder exits when it exits
 * @userns_fd: U (inherited by the forwarder), -1 when running as root
 * @netns_fd: I (inherited by the forwarder)
 * @target_ipv4: the container's IPv4 address in I, or NULL/"" if it has none
 * @target_ipv6: the container's IPv6 address in I, or NULL/""
 * @maps: mappings to publish; host_port 0 is rewritten to the port bound
 * @n: number of @maps
 * @src: the transparent-source plumbing set up in I for this forwarder
 *       (netd_tproxy_setup()); NULL when none was set up: the forwarder then
 *       connects from its own address and reports fallback
 * @ret_proc: receives the forwarder's identity (may be NULL)
 * @err: receives a message (a port in use, a port below
 *       net.ipv4.ip_unprivileged_port_start, a forwarder that died)
 *
 * The forwarder binds every host listener in the host network namespace
 * before this returns, so a conflict is reported here and nothing is left
 * running. It writes $RUN/ctr/@owner_id/portfwd.pid and logs to portfwd.log.
 *
 * Return: 0 or a negative errno (-EADDRINUSE, -EACCES, ...).
 */
int portfwd_start(const struct pn_paths *paths, const char *owner_id, const struct pn_proc_id *watch,
		  int userns_fd, int netns_fd, const char *target_ipv4, const char *target_ipv6,
		  struct pn_port_mapping *maps, size_t n, const struct pn_portfwd_source *src,
		  struct pn_proc_id *ret_proc, struct pn_err *err);

/**
 * portfwd_stop() - stop the forwarder of @owner_id (if any) and remove its pid file
 *
 * Open connections are closed cleanly (FIN) by the forwarder on SIGTERM.
 * Return: 0 (also when none was running) or a negative errno.
 */
int portfwd_stop(const struct pn_paths *paths, const char *owner_id);

/**
 * portfwd_status() - read the forwarder's pid file and check that it still runs
 * @ret: receives the recorded identity (zeroed when there is no pid file)
 * @ret_alive: true when that process is still the forwarder
 *
 * Return: 0, -ENOENT when no forwarder was ever recorded, or a negative errno.
 */
int portfwd_status(const struct pn_paths *paths, const char *owner_id, struct pn_proc_id *ret,
		   bool *ret_alive);

/**
 * portfwd_source_mode() - which source-address mode the forwarder runs in
 * @ret_mode: transparent or fallback
 * @reason: receives why it fell back ("" when transparent); may be NULL
 * @reason_size: capacity of @reason
 *
 * Return: 0, -ENOENT when no forwarder recorded a mode, or a negative errno.
 */
int portfwd_source_mode(const struct pn_paths *paths, const char *owner_id,
			enum pn_portfwd_mode *ret_mode, char *reason, size_t reason_size);

/** portfwd_mode_name() - "transparent", "fallback" or "unknown". Return: static string. */
const char *portfwd_mode_name(enum pn_portfwd_mode mode);

#endif
