// SPDX-License-Identifier: GPL-2.0-or-later
/* TCP fast path through transparent listeners and splice(2): see fastpath.h. */
#define _GNU_SOURCE
#include "fastpath.h"
#include "engine.h"
#include "fileutil.h"
#include "log.h"
#include "pipes.h"
#include "podnet_slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define FP_CONNS_MAX 1024
#define FP_PIPE_SIZE (1u << 20)
#define FP_SPLICE_CHUNK (1u << 20)
#define FP_ACCEPT_BATCH 32

enum { SIDE_INNER, SIDE_OUTER };

struct fp_dir {
	int pipe_r, pipe_w;
	size_t cap;       /* the pipe's real size (F_GETPIPE_SZ: the user's pipe budget may shrink it) */
	size_t in_pipe;   /* bytes in the pipe not yet written */
	bool in_blocked;  /* reading into a non-empty pipe found no room (or nothing): wait for a drain */
	bool urgent;      /* POLLPRI seen on the source: an urgent mark may stop its reads */
	bool read_eof;    /* source said EOF */
	bool done;        /* EOF passed on (shutdown sent) */
};

struct fp_conn {
	bool used;
	bool connecting;
	int fd[2];             /* [SIDE_INNER] in I (accepted), [SIDE_OUTER] in H */
	struct fp_dir dir[2];  /* [0]: inner -> outer, [1]: outer -> inner */
};

struct slirp_fastpath {
	int listen_fd[2];
	struct fp_conn *conns;
	size_t nconns;
	struct pn_pipes pipes;
	bool host_loopback; /* the host gateway reaches the host's loopback */
	/* what fill() put where: listener (-1, -2) or conn index * 2 + side */
	int *slot;
	size_t max_slots;
	uint64_t accept_pause_until; /* ms (CLOCK_MONOTONIC): out of descriptors, listeners rest */
	struct slirp_fastpath_counters ctr;
};


static void dir_close(struct slirp_fastpath *fp, struct fp_dir *d)
{
	pn_pipe_close(&fp->pipes, d->pipe_r, d->pipe_w, d->cap);
	d->pipe_r = d->pipe_w = -1;
}

/* Close a connection; @reset sends RST on both sides instead of FIN. */
static void conn_close(struct slirp_fastpath *fp, struct fp_conn *c, bool reset)
{
	for (int s = 0; s < 2; s++) {
		if (c->fd[s] < 0)
			continue;
		if (reset) {
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			(void)setsockopt(c->fd[s], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(c->fd[s]);
		c->fd[s] = -1;
	}
	dir_close(fp, &c->dir[0]);
	dir_close(fp, &c->dir[1]);
	c->used = false;
	fp->ctr.active--;
}

/* A direction's pipe starts at one page and grows when it carries bulk (common/pipes.h). */
static int dir_open(struct slirp_fastpath *fp, struct fp_dir *d)
{
	memset(d, 0, sizeof(*d));
	d->pipe_r = d->pipe_w = -1;
	return pn_pipe_open(&fp->pipes, &d->pipe_r, &d->pipe_w, &d->cap);
}

bool slirp_fastpath_host_gateway(struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		struct in_addr gw;

		if (inet_pton(AF_INET, PN_SLIRP_GATEWAY, &gw) != 1 || s->sin_addr.s_addr != gw.s_addr)
			return false;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		struct in6_addr gw;

		if (inet_pton(AF_INET6, PN_SLIRP_GATEWAY6, &gw) != 1 || memcmp(&s->sin6_addr, &gw, sizeof(gw)) != 0)
			return false;
		s->sin6_addr = in6addr_loopback;
		s->sin6_scope_id = 0;
		return true;
	}
	return false;
}

bool slirp_fastpath_dest_allowed(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		uint32_t a = ntohl(s->sin_addr.s_addr);

		if (s->sin_port == 0)
			return false;
		if ((a >> 24) == 127 || (a >> 24) == 0 || a >= 0xe0000000u ||
		    (a & 0xffffff00u) == 0x0a000200u /* 10.0.2.0/24 */)
			return false;
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		const uint8_t *b = s->sin6_addr.s6_addr;
		static const uint8_t slirp_prefix[8] = { 0xfd, 0x00 };

		if (s->sin6_port == 0)
			return false;
		if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&s->sin6_addr) ||
		    IN6_IS_ADDR_MULTICAST(&s->sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr) ||
		    IN6_IS_ADDR_V4MAPPED(&s->sin6_addr) || !memcmp(b, slirp_prefix, 8))
			return false;
		return true;
	}
	return false;
}

static void reset_fd(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static struct fp_conn *conn_alloc(struct slirp_fastpath *fp)
{
	for (size_t i = 0; i < fp->nconns; i++) {
		if (!fp->conns[i].used)
			return &fp->conns[i];
	}
	return NULL;
}

/* One accepted socket in I: open its twin in H and start connecting. */
static void accept_one(struct slirp_fastpath *fp, int inner)
{
	struct sockaddr_storage dst;
	socklen_t len = sizeof(dst);
	struct fp_conn *c;
	int outer, one = 1;

	if (getsockname(inner, (struct sockaddr *)&dst, &len) < 0 ||
	    (!(fp->host_loopback && slirp_fastpath_host_gateway(&dst)) && !slirp_fastpath_dest_allowed(&dst))) {
		fp->ctr.refused++;
		reset_fd(inner);
		return;
	}
	c = conn_alloc(fp);
	if (!c) {
		if (fp->ctr.refused++ % 1000 == 0)
			pn_warn("TCP fast path: %zu connections open, resetting new ones", fp->nconns);
		reset_fd(inner);
		return;
	}
	outer = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (outer < 0) {
		fp->ctr.failed++;
		reset_fd(inner);
		return;
	}
	(void)setsockopt(outer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(inner, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(outer, (struct sockaddr *)&dst, len) < 0 && errno != EINPROGRESS) {
		fp->ctr.failed++;
		close(outer);
		reset_fd(inner);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->connecting = true;
	c->fd[SIDE_INNER] = inner;
	c->fd[SIDE_OUTER] = outer;
	c->dir[0].pipe_r = c->dir[0].pipe_w = c->dir[1].pipe_r = c->dir[1].pipe_w = -1;
	fp->ctr.active++;
	if (dir_open(fp, &c->dir[0]) < 0 || dir_open(fp, &c->dir[1]) < 0) {
		fp->ctr.failed++;
		conn_close(fp, c, true);
		return;
	}
	fp->ctr.accepted++;
}

static void accept_batch(struct slirp_fastpath *fp, int lfd)
{
	for (int i = 0; i < FP_ACCEPT_BATCH; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			/*
			 * Out of descriptors or memory: the connection stays in the
			 * backlog and the listener readable, so polling it again at
			 * once would spin. Let the listeners rest for 100 ms.
			 */
			if (pn_errno_no_resources(errno)) {
				if (!fp->accept_pause_until)
					pn_warn("TCP fast path: cannot accept (%s): pausing new connections", strerror(errno));
				fp->accept_pause_until = pn_monotonic_ms() + 100;
			}
			return;
		}
		fp->accept_pause_until = 0;
		accept_one(fp, fd);
	}
}

/*
 * A read of @src found nothing (EAGAIN) or the end (@eof). splice() also stops
 * so in front of an urgent byte (MSG_OOB), though bytes follow it: poll()
 * would say POLLIN at once again, and 0 would cut the stream short. Where
 * @src is at the urgent mark (asked when POLLPRI was seen, or at EOF), step
 * over it (common/pipes.h); the urgent byte itself is not carried.
 * Return: 1 on progress, 0 on none, -1 to reset the connection.
 */
static int dir_urgent(struct fp_dir *d, int src, bool eof)
{
	size_t moved;

	switch (eof || d->urgent ? pn_splice_urgent(src, d->pipe_w, d->in_pipe == 0, &moved) : PN_URGENT_NONE) {
	case PN_URGENT_NONE:
		if (eof) {
			d->read_eof = true;
			return 1;
		}
		/*
		 * Nothing to read, or no room: a pipe runs out of buffer slots
		 * before bytes when segments are small. With bytes in the pipe
		 * it may be the latter, and polling the source would spin: wait
		 * for a drain.
		 */
		d->in_blocked = d->in_pipe > 0;
		return 0;
	case PN_URGENT_WAIT:
		d->in_blocked = true; /* at the mark: empty the pipe first, then step */
		return 0;
	case PN_URGENT_STEPPED:
		d->urgent = false;
		d->in_pipe += moved;
		return moved > 0;
	case PN_URGENT_EOF:
		d->urgent = false;
		d->read_eof = true;
		return 1;
	default:
		return -1;
	}
}

/*
 * Move what can move in direction @d from fd @src to fd @dst.
 * Return: 0 to go on, -1 to reset the connection.
 */
static int dir_pump(struct pn_pipes *pipes, struct fp_dir *d, int src, int dst,
		    uint64_t *bytes)
{
	for (;;) {
		bool progress = false, drained = false;
		ssize_t n;

		if (!d->read_eof && d->in_pipe < d->cap) {
			size_t room = d->cap - d->in_pipe;

			n = splice(src, NULL, d->pipe_w, NULL, FP_SPLICE_CHUNK,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				size_t cap = d->cap;

				d->in_pipe += (size_t)n;
				d->in_blocked = false;
				progress = true;
				/* bulk: a bigger pipe, and read on into the room it gives */
				d->cap = pn_pipe_grow(pipes, d->pipe_w, cap, (size_t)n);
				/*
				 * Less than the room left: the socket had no more
				 * (or the pipe ran out of slots). Either way, poll
				 * tells when to read again; trying at once would
				 * mostly cost an EAGAIN per message.
				 */
				drained = (size_t)n < room && d->cap == cap;
			} else if (n == 0 || errno == EAGAIN) {
				int r = dir_urgent(d, src, n == 0);

				if (r < 0)
					return -1;
				progress = r > 0;
			} else if (errno != EINTR) {
				return -1;
			}
		}
		if (d->in_pipe > 0) {
			n = splice(d->pipe_r, NULL, dst, NULL, d->in_pipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->in_pipe -= (size_t)n;
				d->in_blocked = false;
				*bytes += (uint64_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->read_eof && d->in_pipe == 0 && !d->done) {
			d->done = true;
			(void)shutdown(dst, SHUT_WR);
		}
		if (!progress || (drained && d->in_pipe == 0))
			return 0;
	}
}

static void conn_service(struct slirp_fastpath *fp, struct fp_conn *c, short rev_inner,
			 short rev_outer)
{
	/* a direction moves when its source is readable (or has urgent data) or its sink writable */
	bool pump_out = (rev_inner & (POLLIN | POLLPRI)) || (rev_outer & POLLOUT);
	bool pump_in = (rev_outer & (POLLIN | POLLPRI)) || (rev_inner & POLLOUT);

	if (rev_inner & POLLPRI)
		c->dir[0].urgent = true;
	if (rev_outer & POLLPRI)
		c->dir[1].urgent = true;

	if (c->connecting) {
		int err = 0;
		socklen_t l = sizeof(err);

		if (rev_inner & (POLLERR | POLLHUP)) {
			fp->ctr.failed++;
			conn_close(fp, c, true);
			return;
		}
		if (!(rev_outer & (POLLOUT | POLLERR | POLLHUP)))
			return;
		if (getsockopt(c->fd[SIDE_OUTER], SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err) {
			fp->ctr.failed++;
			conn_close(fp, c, true);
			return;
		}
		c->connecting = false;
		pump_out = pump_in = true; /* the container may have sent while we connected */
	}
	if (((rev_inner | rev_outer) & POLLERR) ||
	    (pump_out && dir_pump(&fp->pipes, &c->dir[0], c->fd[SIDE_INNER], c->fd[SIDE_OUTER], &fp->ctr.bytes_out) < 0) ||
	    (pump_in && dir_pump(&fp->pipes, &c->dir[1], c->fd[SIDE_OUTER], c->fd[SIDE_INNER], &fp->ctr.bytes_in) < 0)) {
		conn_close(fp, c, true);
		return;
	}
	if (c->dir[0].done && c->dir[1].done)
		conn_close(fp, c, false);
}

static short side_events(const struct fp_conn *c, int side)
{
	const struct fp_dir *from = &c->dir[side == SIDE_INNER ? 0 : 1];
	const struct fp_dir *to = &c->dir[side == SIDE_INNER ? 1 : 0];
	short ev = 0;

	if (c->connecting)
		return side == SIDE_OUTER ? POLLOUT : 0;
	/*
	 * A full pipe stops reading: poll the source only when there is room.
	 * POLLPRI tells of urgent data (see dir_urgent()); once seen, it is not
	 * asked again until stepped over: poll() reports it until then.
	 */
	if (!from->read_eof && from->in_pipe < from->cap && !from->in_blocked)
		ev |= from->urgent ? POLLIN : POLLIN | POLLPRI;
	if (to->in_pipe > 0)
		ev |= POLLOUT;
	return ev;
}

static size_t fp_max_fds(void *opaque)
{
	struct slirp_fastpath *fp = opaque;

	return fp->max_slots;
}

static int fp_fill(void *opaque, struct pollfd *pfd, size_t room)
{
	struct slirp_fastpath *fp = opaque;
	size_t n = 0;
	bool full = fp->ctr.active >= fp->nconns || (fp->accept_pause_until && pn_monotonic_ms() < fp->accept_pause_until);

	if (room < fp->max_slots)
		return -ENOSPC;
	for (int l = 0; l < 2; l++) {
		if (fp->listen_fd[l] < 0)
			continue;
		/* when the table is full, leave new connections in the backlog */
		pfd[n] = (struct pollfd){ .fd = full ? -1 : fp->listen_fd[l], .events = POLLIN };
		fp->slot[n++] = -1 - l;
	}
	for (size_t i = 0; i < fp->nconns; i++) {
		const struct fp_conn *c = &fp->conns[i];

		if (!c->used)
			continue;
		for (int s = 0; s < 2; s++) {
			short ev = side_events(c, s);

			/*
			 * A side we wait for nothing on is left out (fd -1): poll
			 * reports POLLHUP on a socket shut down both ways whatever
			 * the events, and would return at once, again and again,
			 * while the connection waits for the other side to drain
			 * the pipe. While connecting, the container's side stays
			 * in for its hang-up.
			 */
			pfd[n] = (struct pollfd){ .fd = ev || c->connecting ? c->fd[s] : -1, .events = ev };
			fp->slot[n++] = (int)(i * 2 + (size_t)s);
		}
	}
	return (int)n;
}

static void fp_dispatch(void *opaque, const struct pollfd *pfd, size_t n)
{
	struct slirp_fastpath *fp = opaque;

	for (size_t k = 0; k < n; k++) {
		int slot = fp->slot[k];
		struct fp_conn *c;

		if (slot < 0) {
			if (pfd[k].revents & POLLIN)
				accept_batch(fp, fp->listen_fd[-1 - slot]);
			continue;
		}
		/* the two sides of a connection are adjacent: handle them together */
		if (slot % 2 != SIDE_INNER || k + 1 >= n)
			continue;
		c = &fp->conns[slot / 2];
		if (c->used) {
			/* only what was asked for, and errors (see fp_fill()) */
			short hup = c->connecting ? POLLHUP : 0;
			short ri = (short)(pfd[k].revents & (pfd[k].events | POLLERR | hup));
			short ro = (short)(pfd[k + 1].revents & (pfd[k + 1].events | POLLERR | hup));

			if (ri || ro)
				conn_service(fp, c, ri, ro);
		}
	}
}

int slirp_fastpath_new(int listen4, int listen6, bool host_loopback, struct slirp_engine *engine,
		       struct slirp_fastpath **ret)
{
	struct slirp_engine_hook hook = { 0 };
	struct slirp_fastpath *fp;
	struct rlimit rl;
	size_t nconns = FP_CONNS_MAX;
	int r;

	/* six descriptors per connection: raise the soft limit as far as allowed */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		/* (compared before subtracting: a limit under 512 must not wrap round) */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    (rl.rlim_cur <= 512 + 6 * 16 || (rl.rlim_cur - 512) / 6 < nconns))
			nconns = rl.rlim_cur > 512 + 6 * 16 ? (rl.rlim_cur - 512) / 6 : 16;
	}
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		return -ENOMEM;
	fp->listen_fd[0] = fp->listen_fd[1] = -1;
	fp->host_loopback = host_loopback;
	fp->nconns = nconns;
	pn_pipes_init(&fp->pipes, FP_PIPE_SIZE);
	fp->max_slots = 2 + 2 * nconns;
	fp->conns = calloc(nconns, sizeof(*fp->conns));
	fp->slot = calloc(fp->max_slots, sizeof(*fp->slot));
	if (!fp->conns || !fp->slot) {
		slirp_fastpath_free(fp);
		return -ENOMEM;
	}
	hook.opaque = fp;
	hook.fill = fp_fill;
	hook.dispatch = fp_dispatch;
	hook.max_fds = fp_max_fds;
	r = slirp_engine_add_hook(engine, &hook);
	if (r < 0) {
		slirp_fastpath_free(fp);
		return r;
	}
	fp->listen_fd[0] = listen4;
	fp->listen_fd[1] = listen6;
	pn_info("TCP fast path: up to %zu connections, pipes of 16 KiB growing to %zu bytes",
		nconns, fp->pipes.big);
	*ret = fp;
	return 0;
}

void slirp_fastpath_get_counters(const struct slirp_fastpath *fp,
				 struct slirp_fastpath_counters *ret)
{
	*ret = fp->ctr;
}

void slirp_fastpath_free(struct slirp_fastpath *fp)
{
	if (!fp)
		return;
	for (size_t i = 0; fp->conns && i < fp->nconns; i++) {
		if (fp->conns[i].used)
			conn_close(fp, &fp->conns[i], true);
	}
	for (int l = 0; l < 2; l++) {
		if (fp->listen_fd[l] >= 0)
			close(fp->listen_fd[l]);
	}
	free(fp->conns);
	free(fp->slot);
	free(fp);
}
