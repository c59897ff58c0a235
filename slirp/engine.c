// SPDX-License-Identifier: GPL-2.0-or-later
/* libslirp glue and the poll loop of podnet-slirp: see engine.h. */
#define _GNU_SOURCE
#include "engine.h"
#include "cleanup.h"
#include "log.h"
#include "podnet_slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define ETH_HDR 14
#define FIXED_FDS 3 /* tap, holder, signalfd */
#define HOOKS_MAX 2

struct slirp_engine {
	Slirp *slirp;
	int tap_fd;
	int holder_pidfd;
	int signal_fd;
	unsigned mtu;
	struct slirp_txq txq;
	struct slirp_counters ctr;
	struct slirp_engine_timer timers[SLIRP_TIMERS_MAX];
	struct pollfd *pfd;
	size_t npfd, cap_pfd;
	struct slirp_engine_hook hooks[HOOKS_MAX];
	size_t hook_first[HOOKS_MAX], hook_n[HOOKS_MAX];
	size_t nhooks;
	uint8_t *frame;
	size_t frame_size;
	unsigned status_interval_ms;
	int64_t next_status_ms;
	void (*status_cb)(void *opaque, const struct slirp_counters *c);
	void *status_opaque;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t now_ms(void)
{
	return now_ns() / 1000000;
}

/* Write what waits in the queue, in order, until the tap would block. */
static void txq_flush(struct slirp_engine *e)
{
	const uint8_t *data;
	size_t len;

	while (slirp_txq_peek(&e->txq, &data, &len)) {
		ssize_t n = write(e->tap_fd, data, len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS))
			return;
		if (n < 0)
			e->ctr.tx_dropped++;
		else {
			e->ctr.tx_frames++;
			e->ctr.tx_bytes += len;
		}
		slirp_txq_pop(&e->txq);
	}
}

/* libslirp -> tap. Never blocks: a frame the tap cannot take now is queued. */
static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct slirp_engine *e = opaque;
	ssize_t n;

	if (slirp_txq_empty(&e->txq)) {
		n = write(e->tap_fd, buf, len);
		if (n == (ssize_t)len) {
			e->ctr.tx_frames++;
			e->ctr.tx_bytes += len;
			return n;
		}
		if (n >= 0 || (errno != EAGAIN && errno != EINTR && errno != ENOBUFS)) {
			e->ctr.tx_dropped++;
			return (ssize_t)len;
		}
	}
	if (slirp_txq_push(&e->txq, buf, len) == 0)
		e->ctr.tx_queued++;
	else
		e->ctr.tx_dropped++;
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	struct slirp_engine *e = opaque;

	/* a misbehaving container must not fill the log: first few, then every 1000th */
	if (e->ctr.guest_errors++ < 10 || e->ctr.guest_errors % 1000 == 0)
		pn_warn("guest error (%llu so far): %s", (unsigned long long)e->ctr.guest_errors,
			msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static struct slirp_engine_timer *timer_alloc(struct slirp_engine *e)
{
	for (size_t i = 0; i < SLIRP_TIMERS_MAX; i++) {
		if (!e->timers[i].used) {
			memset(&e->timers[i], 0, sizeof(e->timers[i]));
			e->timers[i].used = true;
			return &e->timers[i];
		}
	}
	pn_err("libslirp asked for more than %d timers", SLIRP_TIMERS_MAX);
	return NULL;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct slirp_engine_timer *t = timer_alloc(opaque);

	if (t) {
		t->id = -1;
		t->cb = cb;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct slirp_engine_timer *t = timer_alloc(opaque);

	if (t) {
		t->id = (int)id;
		t->cb_opaque = cb_opaque;
	}
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct slirp_engine_timer *t = timer;

	(void)opaque;
	if (t)
		t->used = t->armed = false;
}

static void cb_timer_mod(void *timer, int64_t expire_time, void *opaque)
{
	struct slirp_engine_timer *t = timer;

	(void)opaque;
	if (t) {
		t->expire_ms = expire_time;
		t->armed = true;
	}
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque; /* the pollfd array is rebuilt every turn */
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	(void)opaque; /* only used by guestfwd, which we do not configure */
}

static const SlirpCb engine_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

static int pfd_reserve(struct slirp_engine *e, size_t want)
{
	struct pollfd *p;
	size_t cap;

	if (want <= e->cap_pfd)
		return 0;
	cap = e->cap_pfd ? e->cap_pfd : 64;
	while (cap < want)
		cap *= 2;
	p = realloc(e->pfd, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	e->pfd = p;
	e->cap_pfd = cap;
	return 0;
}

static int pfd_add(struct slirp_engine *e, int fd, short events)
{
	if (pfd_reserve(e, e->npfd + 1) < 0) {
		/* not polled this turn (libslirp treats index -1 as no events) */
		if (e->ctr.poll_oom++ == 0)
			pn_err("out of memory for the poll array");
		return -1;
	}
	e->pfd[e->npfd].fd = fd;
	e->pfd[e->npfd].events = events;
	e->pfd[e->npfd].revents = 0;
	return (int)e->npfd++;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	short ev = 0;

	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return pfd_add(opaque, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct slirp_engine *e = opaque;
	short rev;
	int r = 0;

	if (idx < 0 || (size_t)idx >= e->npfd)
		return 0;
	rev = e->pfd[idx].revents;
	if (rev & POLLIN)
		r |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (rev & (POLLERR | POLLNVAL))
		r |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

int slirp_engine_new(const struct slirp_engine_config *cfg, struct slirp_engine **ret)
{
	struct slirp_engine *e;
	SlirpConfig sc = { 0 };
	sigset_t mask;
	int r;

	if (cfg->mtu < 576 || cfg->mtu > PN_SLIRP_MTU)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->tap_fd = cfg->tap_fd;
	e->holder_pidfd = cfg->holder_pidfd;
	e->signal_fd = -1;
	e->mtu = cfg->mtu;
	e->status_interval_ms = cfg->status_interval_ms;
	e->status_cb = cfg->status_cb;
	e->status_opaque = cfg->status_opaque;
	e->frame_size = cfg->mtu + ETH_HDR + 4;
	e->frame = malloc(e->frame_size);
	r = e->frame ? slirp_txq_init(&e->txq, SLIRP_TXQ_BYTES) : -ENOMEM;
	if (r == 0)
		r = pfd_reserve(e, 256);
	if (r < 0)
		goto fail;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	e->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (e->signal_fd < 0) {
		r = -errno;
		goto fail;
	}

	sc.version = 4;
	sc.restricted = 0;
	sc.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &sc.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &sc.vnetmask);
	inet_pton(AF_INET, PN_SLIRP_GATEWAY, &sc.vhost);
	inet_pton(AF_INET, PN_SLIRP_DNS, &sc.vnameserver);
	inet_pton(AF_INET, "10.0.2.15", &sc.vdhcp_start);
	sc.in6_enabled = cfg->ipv6;
	inet_pton(AF_INET6, "fd00::", &sc.vprefix_addr6);
	sc.vprefix_len = 64;
	inet_pton(AF_INET6, PN_SLIRP_GATEWAY6, &sc.vhost6);
	inet_pton(AF_INET6, PN_SLIRP_DNS6, &sc.vnameserver6);
	sc.vhostname = "podnet";
	/*
	 * What libslirp sends is cut to the container links' MTU (1500 unless a
	 * network says otherwise), not to the tap's: libslirp 4.7 sizes its TCP
	 * segments from if_mtu and drops the MSS of a container's SYN (it is
	 * lost while the host connect runs), so 64 KiB segments would reach a
	 * 1500-byte bridge, where IPv4 is fragmented in I at a cost and IPv6,
	 * never fragmented by routers, is dropped: downloads from fd00::2
	 * stalled. Frames from I are still taken up to the tap's MTU.
	 */
	sc.if_mtu = cfg->mtu < PN_SLIRP_LINK_MTU ? cfg->mtu : PN_SLIRP_LINK_MTU;
	sc.if_mru = cfg->mtu;
	sc.disable_host_loopback = !cfg->host_loopback;
	sc.enable_emu = false;
	sc.disable_dhcp = true; /* addresses in I are static */
	e->slirp = slirp_new(&sc, &engine_callbacks, e);
	if (!e->slirp) {
		r = -EINVAL;
		goto fail;
	}
	*ret = e;
	return 0;
fail:
	/* the caller still owns the descriptors when we fail */
	e->tap_fd = e->holder_pidfd = -1;
	slirp_engine_free(e);
	return r;
}

int slirp_engine_add_hook(struct slirp_engine *e, const struct slirp_engine_hook *hook)
{
	if (e->nhooks >= HOOKS_MAX)
		return -ENOSPC;
	e->hooks[e->nhooks++] = *hook;
	return 0;
}

const struct slirp_counters *slirp_engine_counters(const struct slirp_engine *e)
{
	return &e->ctr;
}

/* Milliseconds until the earliest armed timer or status tick, at most @cap. */
static uint32_t next_timeout(struct slirp_engine *e, int64_t now, uint32_t cap)
{
	int64_t best = cap;

	for (size_t i = 0; i < SLIRP_TIMERS_MAX; i++) {
		const struct slirp_engine_timer *t = &e->timers[i];

		if (t->used && t->armed && t->expire_ms - now < best)
			best = t->expire_ms - now;
	}
	if (e->status_cb && e->next_status_ms - now < best)
		best = e->next_status_ms - now;
	return best < 0 ? 0 : (uint32_t)best;
}

static void fire_timers(struct slirp_engine *e, int64_t now)
{
	for (size_t i = 0; i < SLIRP_TIMERS_MAX; i++) {
		struct slirp_engine_timer *t = &e->timers[i];

		if (!t->used || !t->armed || t->expire_ms > now)
			continue;
		t->armed = false;
		if (t->id >= 0)
			slirp_handle_timer(e->slirp, (SlirpTimerId)t->id, t->cb_opaque);
		else if (t->cb)
			t->cb(t->cb_opaque);
	}
}

/* Container -> outside: read up to a batch of frames from the tap into libslirp. */
static void tap_read_batch(struct slirp_engine *e)
{
	for (int i = 0; i < SLIRP_RX_BATCH; i++) {
		ssize_t n = read(e->tap_fd, e->frame, e->frame_size);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				e->ctr.rx_errors++;
			return;
		}
		if (n < ETH_HDR)
			continue;
		e->ctr.rx_frames++;
		e->ctr.rx_bytes += (uint64_t)n;
		slirp_input(e->slirp, e->frame, (int)n);
	}
}

/* Return: 1 to stop, 0 to go on. */
static int read_signals(struct slirp_engine *e)
{
	struct signalfd_siginfo si;

	while (read(e->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			continue;
		pn_info("signal %u: stopping", si.ssi_signo);
		return 1;
	}
	return 0;
}

int slirp_engine_run(struct slirp_engine *e)
{
	int64_t now = now_ms();

	e->next_status_ms = now;
	for (;;) {
		uint32_t timeout;
		int r;

		e->npfd = 0;
		pfd_add(e, e->tap_fd, (short)(POLLIN | (slirp_txq_empty(&e->txq) ? 0 : POLLOUT)));
		pfd_add(e, e->holder_pidfd, POLLIN);
		pfd_add(e, e->signal_fd, POLLIN);
		for (size_t h = 0; h < e->nhooks; h++) {
			size_t room = e->hooks[h].max_fds(e->hooks[h].opaque);

			if (pfd_reserve(e, e->npfd + room) < 0)
				return -ENOMEM;
			r = e->hooks[h].fill(e->hooks[h].opaque, e->pfd + e->npfd, room);
			if (r < 0)
				return r;
			e->hook_first[h] = e->npfd;
			e->hook_n[h] = (size_t)r;
			e->npfd += (size_t)r;
		}
		timeout = next_timeout(e, now_ms(), 1000);
		slirp_pollfds_fill(e->slirp, &timeout, cb_add_poll, e);

		r = poll(e->pfd, e->npfd, (int)timeout);
		if (r < 0 && errno != EINTR)
			return -errno;
		slirp_pollfds_poll(e->slirp, r < 0, cb_get_revents, e);
		if (r > 0) {
			if (e->pfd[0].revents & POLLOUT)
				txq_flush(e);
			if (e->pfd[0].revents & POLLIN)
				tap_read_batch(e);
			if (e->pfd[0].revents & (POLLERR | POLLNVAL)) {
				pn_err("tap device failed");
				return -EIO;
			}
			for (size_t h = 0; h < e->nhooks; h++)
				e->hooks[h].dispatch(e->hooks[h].opaque, e->pfd + e->hook_first[h],
						     e->hook_n[h]);
			if (e->pfd[1].revents) {
				pn_info("holder exited: stopping");
				return 0;
			}
			if ((e->pfd[2].revents & POLLIN) && read_signals(e))
				return 0;
		}
		now = now_ms();
		fire_timers(e, now);
		if (e->status_cb && now >= e->next_status_ms) {
			e->status_cb(e->status_opaque, &e->ctr);
			e->next_status_ms = now + e->status_interval_ms;
		}
	}
}

void slirp_engine_free(struct slirp_engine *e)
{
	if (!e)
		return;
	if (e->slirp)
		slirp_cleanup(e->slirp);
	if (e->tap_fd >= 0)
		close(e->tap_fd);
	if (e->holder_pidfd >= 0)
		close(e->holder_pidfd);
	if (e->signal_fd >= 0)
		close(e->signal_fd);
	slirp_txq_free(&e->txq);
	free(e->frame);
	free(e->pfd);
	free(e);
}
