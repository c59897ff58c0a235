// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TCP: a host socket (accepted in H) joined to an inner socket (connected in
 * I) with splice(2) through one pipe per direction. No data is copied to user
 * space and nothing is allocated per connection or per packet: connections
 * live in a table sized at start, pipes come from a small pool.
 *
 * Theory of operation
 * -------------------
 * A connection has two sides, HOST (0) and INNER (1), and two directions:
 * direction d carries bytes read from side d into pipe d and from pipe d to
 * side !d. Each direction tracks `pending` (bytes sitting in its pipe) and two
 * flags, EOF(d) (side d sent FIN: splice read returned 0) and SHUT(d) (we
 * passed that FIN on with shutdown(side !d, SHUT_WR) once pipe d was empty).
 *
 *   CONNECTING   accepted; the nonblocking connect() in I is in flight. Host
 *                data waits in the host socket's receive queue. EPOLLOUT on
 *                the inner socket ends it: SO_ERROR 0 -> OPEN, else the host
 *                socket is reset (the client sees what a refused direct
 *                connection would: a reset).
 *   OPEN         both directions pump. A direction pumps until neither its
 *                read nor its write makes progress, so it always stops on an
 *                EAGAIN whose edge will wake it (sockets are edge-triggered,
 *                EPOLLIN|EPOLLOUT): a full pipe stops reading, an unwritable
 *                destination leaves the bytes in the pipe and the source in
 *                the kernel's receive queue, so TCP's window pushes back on
 *                the sender (backpressure) without any buffering of ours.
 *   HALF-CLOSED  EOF(d) and pipe d drained: FIN passed on with
 *                shutdown(SHUT_WR); the other direction keeps flowing (the
 *                client may shut down writes and still read the reply).
 *   CLOSED       SHUT(0) and SHUT(1): both FINs passed on, both pipes empty;
 *                both sockets are closed normally.
 *   RESET        an error on either side (ECONNRESET, EPIPE, EPOLLERR): the
 *                other side is closed with SO_LINGER {1, 0}, which sends an
 *                RST, so a reset travels across like it would directly.
 *
 * Urgent data: splice() stops in front of a byte sent with MSG_OOB and reads
 * nothing more there (EAGAIN, or 0 once the FIN is in, which would pass a
 * cut-off stream on as complete). The sockets are also watched for EPOLLPRI,
 * which sets URG(d); a read of side d that gets EAGAIN with URG(d) set, or 0,
 * asks pn_splice_urgent() whether side d is at the urgent mark, and if so
 * steps over it (recv() of up to a page into the then empty pipe d). The
 * urgent byte itself is not carried: the other side gets the stream as a
 * reader of side d would (common/pipes.h).
 *
 * A direction that is still making progress after PUMP_TURNS rounds is put on
 * the deferred list and resumed after the other ready events of this loop
 * turn: one busy connection cannot starve the others.
 */
#define _GNU_SOURCE
#include "fwd.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"
#include "pipes.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SIDE_HOST 0
#define SIDE_INNER 1

#define F_USED 0x01u
#define F_CONNECTING 0x02u
#define F_EOF(d) (0x04u << (d))
#define F_SHUT(d) (0x10u << (d))
#define F_DEFERRED 0x40u
#define F_URG(d) (0x80u << (d)) /* EPOLLPRI seen on side d: an urgent mark may stop its reads */

#define PUMP_TURNS 8
#define ACCEPT_BATCH 64
#define PIPE_POOL_MAX 64
#define ACCEPT_REST_MS 100

struct conn {
	int fd[2];
	int pipe_r[2];
	int pipe_w[2];
	uint32_t pending[2];
	uint32_t cap[2];
	uint32_t gen;
	uint32_t flags;
};

struct pooled_pipe {
	int r, w;
	uint32_t cap;
};

static struct conn *conns;
static uint32_t conn_max, conn_unused, conn_used;
static uint32_t *free_slots, nfree;
static uint32_t *deferred, ndeferred;
static struct pooled_pipe pipe_pool[PIPE_POOL_MAX];
static unsigned npool;
static struct pn_pipes pipes; /* 16 KiB each, grown for bulk: see common/pipes.h */

int splice_init(struct fwd_ctx *ctx)
{
	conn_max = ctx->max_conns;
	/* calloc of large tables maps zero pages: untouched slots cost no RSS */
	conns = calloc(conn_max, sizeof(*conns));
	free_slots = calloc(conn_max, sizeof(*free_slots));
	deferred = calloc(2 * (size_t)conn_max, sizeof(*deferred));
	if (!conns || !free_slots || !deferred)
		return -ENOMEM;
	pn_pipes_init(&pipes, ctx->pipe_size > 0 ? (size_t)ctx->pipe_size : 65536);
	return 0;
}

size_t splice_count(void)
{
	return conn_used;
}

static int pipe_get(int *r, int *w, uint32_t *cap)
{
	size_t sz = 0;
	int ret;

	if (npool) {
		npool--;
		*r = pipe_pool[npool].r;
		*w = pipe_pool[npool].w;
		*cap = pipe_pool[npool].cap;
		return 0;
	}
	ret = pn_pipe_open(&pipes, r, w, &sz);
	*cap = (uint32_t)sz;
	return ret;
}

static void pipe_put(int r, int w, uint32_t cap, uint32_t pending)
{
	if (r < 0)
		return;
	/* only an empty pipe can serve another connection, at a new pipe's size again */
	if (pending == 0 && npool < PIPE_POOL_MAX) {
		cap = (uint32_t)pn_pipe_shrink(&pipes, w, cap);
		pipe_pool[npool++] = (struct pooled_pipe){ r, w, cap };
		return;
	}
	pn_pipe_close(&pipes, r, w, cap);
}

static struct conn *conn_alloc(uint32_t *ret_idx)
{
	uint32_t idx;
	struct conn *c;

	if (nfree)
		idx = free_slots[--nfree];
	else if (conn_unused < conn_max)
		idx = conn_unused++;
	else
		return NULL;
	c = &conns[idx];
	c->fd[0] = c->fd[1] = -1;
	c->pipe_r[0] = c->pipe_r[1] = c->pipe_w[0] = c->pipe_w[1] = -1;
	c->pending[0] = c->pending[1] = 0;
	c->flags = F_USED;
	conn_used++;
	*ret_idx = idx;
	return c;
}

static void set_linger0(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* Close both sides (with RST when @reset) and free the slot. */
static void conn_free(struct conn *c, bool reset)
{
	for (int s = 0; s < 2; s++) {
		if (c->fd[s] < 0)
			continue;
		if (reset)
			set_linger0(c->fd[s]);
		close(c->fd[s]);
	}
	for (int d = 0; d < 2; d++)
		pipe_put(c->pipe_r[d], c->pipe_w[d], c->cap[d], c->pending[d]);
	c->flags = 0;
	c->gen++;
	free_slots[nfree++] = (uint32_t)(c - conns);
	conn_used--;
}

/*
 * A read of side @d found nothing (EAGAIN) or the end (@eof): unless side @d
 * is at an urgent mark, that stands; at one, step over it (see the top).
 * Return: 1 on progress (bytes in pipe @d, or EOF), 0 on none, -errno to reset.
 */
static int pump_urgent(struct conn *c, int d, bool eof)
{
	size_t moved;
	int r;

	if (!eof && !(c->flags & F_URG(d)))
		return 0;
	r = pn_splice_urgent(c->fd[d], c->pipe_w[d], c->pending[d] == 0, &moved);
	switch (r) {
	case PN_URGENT_NONE:
		if (!eof)
			return 0;
		c->flags |= F_EOF(d);
		return 1;
	case PN_URGENT_WAIT:
		return 0; /* the write half of the pump empties the pipe, then we come back */
	case PN_URGENT_STEPPED:
		c->flags &= ~F_URG(d);
		c->pending[d] += (uint32_t)moved;
		return moved > 0;
	case PN_URGENT_EOF:
		c->flags = (c->flags & ~F_URG(d)) | F_EOF(d);
		return 1;
	default:
		return r;
	}
}

/* Move what can be moved in direction @d. Return: 0, or -errno to reset. */
static int pump(struct conn *c, int d, bool *more)
{
	int src = c->fd[d], dst = c->fd[!d];

	for (int turn = 0; turn < PUMP_TURNS; turn++) {
		bool progress = false;
		ssize_t n;

		if (!(c->flags & F_EOF(d)) && c->pending[d] < c->cap[d]) {
			n = splice(src, NULL, c->pipe_w[d], NULL, c->cap[d] - c->pending[d],
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->pending[d] += (uint32_t)n;
				progress = true;
				/* bulk: a bigger pipe (the next turn reads into its room) */
				c->cap[d] = (uint32_t)pn_pipe_grow(&pipes, c->pipe_w[d], c->cap[d], (size_t)n);
			} else if (n == 0 || errno == EAGAIN) {
				int r = pump_urgent(c, d, n == 0);

				if (r < 0)
					return r;
				progress = r > 0;
			} else if (errno != EINTR) {
				return -errno;
			}
		}
		if (c->pending[d]) {
			n = splice(c->pipe_r[d], NULL, dst, NULL, c->pending[d], SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				c->pending[d] -= (uint32_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -errno;
			}
		}
		if (!progress)
			break;
		if (turn == PUMP_TURNS - 1)
			*more = true;
	}
	if ((c->flags & F_EOF(d)) && !c->pending[d] && !(c->flags & F_SHUT(d))) {
		if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
			return -errno;
		c->flags |= F_SHUT(d);
	}
	return 0;
}

static void conn_pump(struct conn *c, uint32_t idx)
{
	bool more = false;
	int r;

	for (int d = 0; d < 2; d++) {
		r = pump(c, d, &more);
		if (r < 0) {
			pn_debug("connection %u: %s, resetting", idx, strerror(-r));
			conn_free(c, true);
			return;
		}
	}
	if ((c->flags & F_SHUT(0)) && (c->flags & F_SHUT(1))) {
		conn_free(c, false);
		return;
	}
	/* the list holds at most one live entry per slot plus stale ones of freed slots */
	if (more && !(c->flags & F_DEFERRED) && ndeferred < 2 * conn_max) {
		c->flags |= F_DEFERRED;
		deferred[ndeferred++] = idx;
	}
}

bool splice_has_deferred(void)
{
	return ndeferred > 0;
}

size_t splice_run_deferred(struct fwd_ctx *ctx)
{
	uint32_t n = ndeferred;

	(void)ctx;
	for (uint32_t i = 0; i < n; i++) {
		struct conn *c = &conns[deferred[i]];

		if (!(c->flags & F_DEFERRED))
			continue; /* freed meanwhile */
		c->flags &= ~F_DEFERRED;
		conn_pump(c, deferred[i]);
	}
	/* entries added while running go to the front for the next turn */
	memmove(deferred, deferred + n, (ndeferred - n) * sizeof(*deferred));
	ndeferred -= n;
	return n;
}

static int epoll_add(struct fwd_ctx *ctx, struct conn *c, uint32_t idx, int side)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLET,
		.data.u64 = fwd_ev_pack(FWD_EV_CONN, (unsigned)side, c->gen, idx),
	};

	return epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, c->fd[side], &ev) < 0 ? -errno : 0;
}

static int inner_connect(struct fwd_ctx *ctx, const struct fwd_listener *l, const union fwd_addr *client)
{
	int family = l->target.sa.sa_family;
	union fwd_addr src;
	socklen_t srclen = 0;
	bool transparent = tproxy_source(ctx, client, family, &src, &srclen, NULL);
	int one = 1;

	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = tproxy_socket(family, SOCK_STREAM, transparent ? &src : NULL, srclen, attempt == 0);

		if (fd < 0)
			return fd;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, &l->target.sa, l->target_len) == 0 || errno == EINPROGRESS)
			return fd;
		/* the client's port is taken towards this target (TIME_WAIT in I): any port */
		if (errno == EADDRNOTAVAIL && transparent && attempt == 0) {
			close(fd);
			continue;
		}
		close(fd);
		return -errno;
	}
	return -EADDRNOTAVAIL;
}

static void conn_new(struct fwd_ctx *ctx, const struct fwd_listener *l, int host_fd,
		     const union fwd_addr *client)
{
	/* a client may make these at the rate it connects: one line per 1000 (100) */
	static unsigned long refused, failed;
	struct conn *c;
	uint32_t idx;
	int one = 1, r;

	c = conn_alloc(&idx);
	if (!c) {
		if (refused++ % 1000 == 0)
			pn_warn("connection table full (%u): refusing new connections (%lu so far)", conn_max,
				refused);
		set_linger0(host_fd);
		close(host_fd);
		return;
	}
	c->fd[SIDE_HOST] = host_fd;
	(void)setsockopt(host_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (int d = 0; d < 2; d++) {
		r = pipe_get(&c->pipe_r[d], &c->pipe_w[d], &c->cap[d]);
		if (r < 0)
			goto fail;
	}
	r = inner_connect(ctx, l, client);
	if (r < 0)
		goto fail;
	c->fd[SIDE_INNER] = r;
	c->flags |= F_CONNECTING;
	if ((r = epoll_add(ctx, c, idx, SIDE_HOST)) < 0 || (r = epoll_add(ctx, c, idx, SIDE_INNER)) < 0)
		goto fail;
	return;
fail:
	if (failed++ % 100 == 0)
		pn_warn("cannot forward a connection: %s (%lu failures so far)", strerror(-r), failed);
	conn_free(c, true);
}

/* (Un)watch every TCP listener: @events 0 lets them rest. */
static void tcp_listeners_watch(struct fwd_ctx *ctx, uint32_t events)
{
	for (size_t i = 0; i < ctx->nlisteners; i++) {
		struct epoll_event ev = {
			.events = events,
			.data.u64 = fwd_ev_pack(FWD_EV_LISTEN_TCP, 0, 0, (uint32_t)i),
		};

		if (ctx->listeners[i].proto == IPPROTO_TCP)
			(void)epoll_ctl(ctx->epfd, EPOLL_CTL_MOD, ctx->listeners[i].fd, &ev);
	}
}

/*
 * Out of descriptors or memory: the connection stays in the backlog and the
 * listener readable, so waiting on it again at once would spin (and log at
 * every turn). The TCP listeners rest for ACCEPT_REST_MS.
 */
static void accept_rest(struct fwd_ctx *ctx, int err)
{
	static unsigned long rests;

	if (rests++ % 100 == 0)
		pn_warn("cannot accept connections (%s): new connections wait %d ms (%lu times so far)",
			strerror(err), ACCEPT_REST_MS, rests);
	if (!ctx->accept_resume_ms)
		tcp_listeners_watch(ctx, 0);
	ctx->accept_resume_ms = pn_monotonic_ms() + ACCEPT_REST_MS;
}

int splice_accept_resume(struct fwd_ctx *ctx)
{
	uint64_t now;

	if (!ctx->accept_resume_ms)
		return -1;
	now = pn_monotonic_ms();
	if (now < ctx->accept_resume_ms)
		return (int)(ctx->accept_resume_ms - now);
	ctx->accept_resume_ms = 0;
	tcp_listeners_watch(ctx, EPOLLIN);
	return 0;
}

void splice_accept(struct fwd_ctx *ctx, struct fwd_listener *l, uint32_t listener_idx)
{
	(void)listener_idx;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		union fwd_addr client;
		socklen_t clen = sizeof(client);
		int fd = accept4(l->fd, &client.sa, &clen, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (pn_errno_no_resources(errno))
				accept_rest(ctx, errno);
			else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				pn_warn("accept on port %u: %s", l->host_port, strerror(errno));
			return;
		}
		conn_new(ctx, l, fd, &client);
	}
}

static void conn_connected(struct conn *c, uint32_t idx)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(c->fd[SIDE_INNER], SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		e = errno;
	if (e) {
		pn_debug("connection %u: connect in I failed: %s", idx, strerror(e));
		conn_free(c, true);
		return;
	}
	c->flags &= ~F_CONNECTING;
	conn_pump(c, idx);
}

void splice_event(struct fwd_ctx *ctx, uint64_t data, uint32_t events)
{
	uint32_t idx = fwd_ev_idx(data);
	unsigned side = fwd_ev_side(data);
	struct conn *c;

	(void)ctx;
	if (idx >= conn_max)
		return;
	c = &conns[idx];
	if (!(c->flags & F_USED) || (c->gen & ((1u << FWD_GEN_BITS) - 1)) != fwd_ev_gen(data))
		return; /* a stale event for a slot freed earlier in this batch */
	if (events & EPOLLPRI)
		c->flags |= F_URG(side); /* urgent data in that side's stream: see pump_urgent() */
	if (c->flags & F_CONNECTING) {
		if (side == SIDE_INNER && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			conn_connected(c, idx);
		else if (side == SIDE_HOST && (events & EPOLLERR))
			conn_free(c, true); /* the client gave up */
		return;
	}
	if (events & EPOLLERR) {
		conn_free(c, true);
		return;
	}
	conn_pump(c, idx);
}

void splice_close_all(struct fwd_ctx *ctx)
{
	(void)ctx;
	for (uint32_t i = 0; i < conn_unused; i++) {
		struct conn *c = &conns[i];

		if (!(c->flags & F_USED))
			continue;
		/*
		 * A FIN to each side, so that an idle connection ends in order;
		 * but a side that has not received what its peer sent (bytes
		 * still in the pipe towards it) gets a reset: a FIN would make a
		 * cut-off stream look complete to a reader that reads to the end.
		 */
		for (int s = 0; s < 2; s++) {
			if (c->fd[s] < 0)
				continue;
			if (c->pending[!s] > 0)
				set_linger0(c->fd[s]);
			else
				(void)shutdown(c->fd[s], SHUT_WR);
		}
		conn_free(c, false);
	}
}
