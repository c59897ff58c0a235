/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to podnet-portfwd: the forwarder's context shared by its modules
 * (listen.c binds host listeners, splice.c carries TCP, udp.c carries UDP,
 * tproxy.c binds transparent source addresses in I, main.c runs the loop).
 */
#ifndef PODNET_PORTFWD_FWD_H
#define PODNET_PORTFWD_FWD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "err.h"
#include "portfwd.h"

union fwd_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* epoll data: kind in the top byte, then side, generation and slot index */
enum fwd_ev_kind {
	FWD_EV_LISTEN_TCP = 1,
	FWD_EV_LISTEN_UDP,
	FWD_EV_CONN,
	FWD_EV_FLOW,
	FWD_EV_WATCH,
	FWD_EV_SIGNAL,
	FWD_EV_TIMER,
};

#define FWD_IDX_BITS 24
#define FWD_GEN_BITS 31
#define FWD_IDX_MAX ((1u << FWD_IDX_BITS) - 1)

static inline uint64_t fwd_ev_pack(enum fwd_ev_kind kind, unsigned side, uint32_t gen, uint32_t idx)
{
	return ((uint64_t)kind << 56) | ((uint64_t)(side & 1) << 55) |
	       ((uint64_t)(gen & ((1u << FWD_GEN_BITS) - 1)) << FWD_IDX_BITS) | (idx & FWD_IDX_MAX);
}

static inline enum fwd_ev_kind fwd_ev_kind(uint64_t v)
{
	return (enum fwd_ev_kind)(v >> 56);
}

static inline unsigned fwd_ev_side(uint64_t v)
{
	return (unsigned)(v >> 55) & 1;
}

static inline uint32_t fwd_ev_gen(uint64_t v)
{
	return (uint32_t)(v >> FWD_IDX_BITS) & ((1u << FWD_GEN_BITS) - 1);
}

static inline uint32_t fwd_ev_idx(uint64_t v)
{
	return (uint32_t)v & FWD_IDX_MAX;
}

/* One bound host socket: one port of one mapping on one address family. */
struct fwd_listener {
	int fd;
	int proto;                 /* IPPROTO_TCP or IPPROTO_UDP */
	int family;                /* of the host socket */
	uint16_t host_port;
	union fwd_addr target;     /* container address and port, in I */
	socklen_t target_len;
};

/* Source-address policy: the families the CLI set up in I (--transparent), and the host gateways. */
struct fwd_source {
	bool transparent4, transparent6; /* IP(V6)_TRANSPARENT works for that family in I */
	struct in_addr host4;            /* what a loopback (or other-family) client appears as */
	struct in6_addr host6;
	bool have_host4, have_host6;
};

struct fwd_ctx {
	int epfd;
	struct fwd_listener *listeners;
	size_t nlisteners;
	struct fwd_source src;
	unsigned max_conns;
	unsigned max_flows;
	unsigned udp_timeout_s;
	int pipe_size;
	time_t now; /* CLOCK_MONOTONIC seconds, refreshed each loop turn */
	uint64_t accept_resume_ms; /* TCP listeners rest (out of descriptors or memory) until then; 0: not */
};

/* listen.c */
struct fwd_map_spec {
	struct pn_port_mapping m;
	bool auto_port; /* host_port was 0: pick one */
};

/**
 * listen_bind_all() - bind (and for TCP, listen on) every host port of @specs
 *
 * Rewrites host_port of automatic mappings. @target4/@target6 (either may be
 * NULL) fill each listener's target; a listener whose family the container
 * lacks forwards to the other family.
 * Return: 0 or -errno with a message in @err naming the port.
 */
int listen_bind_all(struct fwd_ctx *ctx, struct fwd_map_spec *specs, size_t n, const char *target4,
		    const char *target6, struct pn_err *err);

/* splice.c */
int splice_init(struct fwd_ctx *ctx);
void splice_accept(struct fwd_ctx *ctx, struct fwd_listener *l, uint32_t listener_idx);
/**
 * splice_accept_resume() - let resting TCP listeners accept again once their time is up
 *
 * Return: -1 when none rest, else the milliseconds until they accept again (0: now done).
 */
int splice_accept_resume(struct fwd_ctx *ctx);
void splice_event(struct fwd_ctx *ctx, uint64_t data, uint32_t events);
/* Connections whose pump hit its per-turn budget and must run again. Return: count. */
size_t splice_run_deferred(struct fwd_ctx *ctx);
bool splice_has_deferred(void);
void splice_close_all(struct fwd_ctx *ctx);
size_t splice_count(void);

/* udp.c */
int udp_init(struct fwd_ctx *ctx);
void udp_listener_event(struct fwd_ctx *ctx, struct fwd_listener *l, uint32_t listener_idx);
void udp_flow_event(struct fwd_ctx *ctx, uint64_t data);
void udp_expire(struct fwd_ctx *ctx);
void udp_close_all(struct fwd_ctx *ctx);

/* tproxy.c */
/**
 * tproxy_source() - the address an inner socket should bind for @client
 * @target_family: family of the inner socket
 * @ret: receives the address (with the client's port where it is kept)
 * @ret_own: (may be NULL) whether that is the client's own address, not the
 *	host gateway standing in for it
 *
 * Return: true when a transparent bind should be attempted.
 */
bool tproxy_source(const struct fwd_ctx *ctx, const union fwd_addr *client, int target_family,
		   union fwd_addr *ret, socklen_t *ret_len, bool *ret_own);

/**
 * tproxy_socket() - create a nonblocking inner socket bound to @src (transparent) if given
 *
 * Return: fd or -errno.
 */
int tproxy_socket(int family, int type, const union fwd_addr *src, socklen_t src_len, bool keep_port);

/* main.c */
void fwd_set_nonblock_cloexec(int fd);

#endif
