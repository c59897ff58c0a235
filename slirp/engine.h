/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The data path of podnet-slirp: one poll loop in the host namespace that
 * moves frames between the tap device in I and libslirp, whose sockets are
 * host sockets.
 *
 * Theory of operation: each turn of the loop builds one pollfd array: the tap
 * (readable; writable only while frames wait in the tx queue), the holder's
 * pidfd, a signalfd, the fast path's descriptors (if any), then whatever
 * libslirp asks for through slirp_pollfds_fill(). After poll(), libslirp
 * services its sockets (slirp_pollfds_poll), which may emit frames through
 * send_packet() -> tap; then frames read from the tap are fed to slirp_input()
 * (at most SLIRP_RX_BATCH per turn, so one busy direction cannot starve the
 * other); then due timers fire. A tap write that would block queues the frame
 * in the bounded tx queue instead of blocking the loop. The loop ends when the
 * holder exits or on SIGTERM/SIGINT.
 */
#ifndef PODNET_SLIRP_ENGINE_H
#define PODNET_SLIRP_ENGINE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "txqueue.h"

#define SLIRP_RX_BATCH 128
#define SLIRP_TXQ_BYTES (4u << 20)
#define SLIRP_TIMERS_MAX 8

struct slirp_counters {
	uint64_t rx_frames, rx_bytes;          /* tap -> libslirp (container to outside) */
	uint64_t tx_frames, tx_bytes;          /* libslirp -> tap */
	uint64_t tx_queued, tx_dropped;        /* tap writes that would have blocked / were lost */
	uint64_t rx_errors, guest_errors, poll_oom;
};

struct slirp_engine_timer {
	bool used;
	bool armed;
	int id;               /* SlirpTimerId for opaque timers, -1 for callback timers */
	void (*cb)(void *cb_opaque);
	void *cb_opaque;
	int64_t expire_ms;
};

/* An extra set of descriptors served by the same loop (the TCP fast path). */
struct slirp_engine_hook {
	void *opaque;
	/* append pollfds starting at @pfd (room for @room); return how many, or -errno */
	int (*fill)(void *opaque, struct pollfd *pfd, size_t room);
	/* handle the results for the @n pollfds fill() added */
	void (*dispatch)(void *opaque, const struct pollfd *pfd, size_t n);
	/* upper bound on what fill() may add */
	size_t (*max_fds)(void *opaque);
};

struct slirp_engine_config {
	unsigned mtu;
	bool ipv6;
	bool host_loopback;    /* 10.0.2.2 reaches 127.0.0.1 of the host (gated in I by nft) */
	int tap_fd;            /* taken over by the engine */
	int holder_pidfd;      /* taken over; -1 to run until a signal */
	unsigned status_interval_ms;
	void (*status_cb)(void *opaque, const struct slirp_counters *c);
	void *status_opaque;
};

struct slirp_engine;

/** slirp_engine_new() - create the libslirp instance and the loop state. Return: 0 or -errno. */
int slirp_engine_new(const struct slirp_engine_config *cfg, struct slirp_engine **ret);

/** slirp_engine_add_hook() - serve @hook's descriptors in the loop too. Return: 0 or -errno. */
int slirp_engine_add_hook(struct slirp_engine *e, const struct slirp_engine_hook *hook);

/**
 * slirp_engine_run() - run the loop until the holder exits or a stop signal arrives
 *
 * SIGTERM, SIGINT and SIGHUP must be blocked by the caller (they are read
 * from a signalfd). Return: 0 on an orderly stop, or a negative errno.
 */
int slirp_engine_run(struct slirp_engine *e);

/** slirp_engine_counters() - current counters. */
const struct slirp_counters *slirp_engine_counters(const struct slirp_engine *e);

/** slirp_engine_free() - tear down libslirp, close the tap and every descriptor. */
void slirp_engine_free(struct slirp_engine *e);

#endif
