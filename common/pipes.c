// SPDX-License-Identifier: GPL-2.0-or-later
/* Pipes sized by need within a share of the user's pipe budget, and the step over
 * a TCP urgent byte that splice(2) stops at: see pipes.h. */
#define _GNU_SOURCE
#include "pipes.h"
#include "fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_SOFT_PAGES 16384 /* the kernel's fs.pipe-user-pages-soft */
#define DEFAULT_PIPE_BYTES 65536 /* the kernel's size of a new pipe */
#define START_PAGES 4            /* a new pipe: a few small messages per splice */
#define BULK_BYTES 4096          /* a splice moving this much (or half the pipe) is bulk */

static size_t pages_of(const struct pn_pipes *pp, size_t bytes)
{
	return (bytes + pp->page - 1) / pp->page;
}

void pn_pipes_init(struct pn_pipes *pp, size_t big)
{
	char buf[32];
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long soft = DEFAULT_SOFT_PAGES;

	pp->page = page > 0 ? (size_t)page : 4096;
	pp->big = big > pp->page ? big : pp->page;
	pp->used = 0;
	pp->ceiling = SIZE_MAX;
	if (pn_sysctl_read("fs/pipe-user-pages-soft", buf, sizeof(buf)) == 0) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(buf, &end, 10);
		if (!errno && end != buf)
			soft = v;
	}
	pp->limit = soft == 0 ? SIZE_MAX : (size_t)(soft / 2);
	/* an unprivileged process cannot grow a pipe past fs.pipe-max-size */
	if (pn_sysctl_read("fs/pipe-max-size", buf, sizeof(buf)) == 0) {
		unsigned long long v = strtoull(buf, NULL, 10);

		if (v >= pp->page && v < pp->big)
			pp->big = (size_t)v;
	}
}

void pn_pipes_set_limit(struct pn_pipes *pp, size_t pages)
{
	pp->limit = pages;
}

/* The pipe's size now, as the kernel has it; @fallback when it cannot tell. */
static size_t pipe_size(int w, size_t fallback)
{
	int sz = fcntl(w, F_GETPIPE_SZ);

	return sz > 0 ? (size_t)sz : fallback;
}

int pn_pipe_open(struct pn_pipes *pp, int *ret_r, int *ret_w, size_t *ret_cap)
{
	int p[2];
	size_t cap;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -errno;
	/* shrinking is always allowed, also past the user's soft limit */
	(void)fcntl(p[1], F_SETPIPE_SZ,
		    (int)(pp->used + START_PAGES <= pp->limit ? START_PAGES : 1) * (int)pp->page);
	cap = pipe_size(p[1], DEFAULT_PIPE_BYTES);
	pp->used += pages_of(pp, cap);
	*ret_r = p[0];
	*ret_w = p[1];
	*ret_cap = cap;
	return 0;
}

/* Resize the pipe to @want bytes if the budget has room; the pipe's size now. */
static size_t resize(struct pn_pipes *pp, int w, size_t cap, size_t want)
{
	size_t have = pages_of(pp, cap), need = pages_of(pp, want);
	size_t limit = pp->limit < pp->ceiling ? pp->limit : pp->ceiling;
	size_t now;

	if (need > have && (pp->used - have > limit || need > limit - (pp->used - have)))
		return cap;
	/*
	 * Past the user's soft limit (the user's other programs count too)
	 * growing fails: keep the size, and grow nothing more until one of our
	 * pipes is given back.
	 */
	if (fcntl(w, F_SETPIPE_SZ, (int)want) < 0) {
		if (need > have)
			pp->ceiling = pp->used;
		return cap;
	}
	now = pipe_size(w, want);
	pp->used = pp->used - have + pages_of(pp, now);
	return now;
}

size_t pn_pipe_grow(struct pn_pipes *pp, int w, size_t cap, size_t moved)
{
	size_t now;

	if (cap >= pp->big || (moved < cap / 2 && moved < BULK_BYTES))
		return cap;
	now = resize(pp, w, cap, pp->big);
	if (now == cap && cap < DEFAULT_PIPE_BYTES && pp->big > DEFAULT_PIPE_BYTES)
		now = resize(pp, w, cap, DEFAULT_PIPE_BYTES);
	return now;
}

size_t pn_pipe_shrink(struct pn_pipes *pp, int w, size_t cap)
{
	size_t start = START_PAGES * pp->page, now;

	if (cap <= start)
		return cap;
	now = resize(pp, w, cap, start);
	pp->ceiling = SIZE_MAX;
	return now;
}

void pn_pipe_close(struct pn_pipes *pp, int r, int w, size_t cap)
{
	if (r >= 0)
		close(r);
	if (w >= 0) {
		close(w);
		pp->used -= pp->used >= pages_of(pp, cap) ? pages_of(pp, cap) : pp->used;
		pp->ceiling = SIZE_MAX;
	}
}

int pn_splice_urgent(int src, int pipe_w, bool pipe_empty, size_t *ret_moved)
{
	/* PIPE_BUF: a write this size into an empty pipe (one page at least) is whole */
	char buf[PIPE_BUF];
	ssize_t n, w;
	int mark;

	*ret_moved = 0;
	mark = sockatmark(src);
	if (mark < 0)
		return -errno;
	if (!mark)
		return PN_URGENT_NONE;
	if (!pipe_empty)
		return PN_URGENT_WAIT;
	/* at the mark, recv() skips the urgent byte (and clears the mark once past it) */
	do
		n = recv(src, buf, sizeof(buf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return PN_URGENT_EOF;
	if (n < 0)
		return errno == EAGAIN ? PN_URGENT_STEPPED : -errno;
	do
		w = write(pipe_w, buf, (size_t)n);
	while (w < 0 && errno == EINTR);
	if (w != n)
		return w < 0 ? -errno : -EIO;
	*ret_moved = (size_t)n;
	return PN_URGENT_STEPPED;
}
