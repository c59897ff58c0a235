/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pipes for the splice(2) forwarders (podnet-portfwd, podnet-slirp's fast
 * path), sized by need and kept within a share of the user's pipe budget.
 *
 * The kernel charges each pipe's buffer slots (pages) to the user that made
 * it; past fs.pipe-user-pages-soft (16384 pages by default) every new pipe of
 * that user, of any of the user's programs, gets 2 slots and cannot grow. A
 * forwarder that gave each of a hundred idle connections two 1 MiB pipes
 * would thus shrink the pipes of the user's shell. So a pipe starts at one
 * page, which carries a small message per splice, and grows to the large size
 * when one splice fills half of it (a bulk transfer); the pipes of one
 * process together keep within half the budget, and a pipe that does not fit
 * there grows to the kernel's default (64 KiB) only, or not at all.
 *
 * splice(2) from a TCP socket also stops for good in front of an urgent byte
 * (MSG_OOB): pn_splice_urgent() carries the stream on past it.
 */
#ifndef PODNET_PIPES_H
#define PODNET_PIPES_H

#include <stdbool.h>
#include <stddef.h>

struct pn_pipes {
	size_t page;   /* bytes in a page: a pipe's smallest size */
	size_t big;    /* bytes a busy pipe grows to */
	size_t limit;  /* pages this process may hold in pipes (SIZE_MAX: no limit) */
	size_t used;   /* pages its open pipes hold */
	size_t ceiling; /* the kernel refused to grow a pipe at this use: SIZE_MAX when not */
};

/**
 * pn_pipes_init() - a budget for pipes that grow to @big bytes
 *
 * The limit is half of fs.pipe-user-pages-soft (no limit when that is 0; half
 * of the kernel's default when it cannot be read).
 */
void pn_pipes_init(struct pn_pipes *pp, size_t big);

/** pn_pipes_set_limit() - the limit in pages (for tests). */
void pn_pipes_set_limit(struct pn_pipes *pp, size_t pages);

/**
 * pn_pipe_open() - a non-blocking, close-on-exec pipe of four pages (one when the budget is tight)
 * @ret_cap: its size in bytes
 *
 * Return: 0 or -errno.
 */
int pn_pipe_open(struct pn_pipes *pp, int *ret_r, int *ret_w, size_t *ret_cap);

/**
 * pn_pipe_grow() - grow the pipe written by @w, now @cap bytes, after a splice of @moved bytes
 *
 * Grows when @moved is 4 KiB or half of @cap: to the large size if the
 * budget has room, else to 64 KiB if that has, else not.
 * Return: the pipe's size now.
 */
size_t pn_pipe_grow(struct pn_pipes *pp, int w, size_t cap, size_t moved);

/**
 * pn_pipe_shrink() - an empty pipe back to the size of a new one, 16 KiB (to keep it in a pool)
 *
 * Return: the pipe's size now.
 */
size_t pn_pipe_shrink(struct pn_pipes *pp, int w, size_t cap);

/** pn_pipe_close() - close both ends (those >= 0) and release the pipe's pages. */
void pn_pipe_close(struct pn_pipes *pp, int r, int w, size_t cap);

/* What pn_splice_urgent() found and did. */
enum pn_urgent {
	PN_URGENT_NONE,    /* not at an urgent mark: what splice() said stands */
	PN_URGENT_WAIT,    /* at one, but the pipe must drain first */
	PN_URGENT_STEPPED, /* stepped over it; the bytes after it (maybe none yet) are in the pipe */
	PN_URGENT_EOF,     /* stepped over it, and the peer's FIN came right after it */
};

/**
 * pn_splice_urgent() - carry a TCP stream on past an urgent byte, where splice(2) stops
 * @src: TCP socket whose splice() read just returned 0 or failed with EAGAIN
 * @pipe_w: write end of the (non-blocking) pipe the stream goes to
 * @pipe_empty: whether that pipe holds nothing now
 * @ret_moved: bytes put in the pipe (PN_URGENT_STEPPED only; 0 otherwise)
 *
 * A byte sent with MSG_OOB is urgent data: with SO_OOBINLINE off (ours) it
 * is not part of the stream, and a reader's recv() skips it. splice() does
 * not: it stops in front of it and fails with EAGAIN there, though poll()
 * says readable once bytes follow it, and returns 0 once the peer's FIN is
 * in, though bytes may follow it. The caller asks here when a splice read
 * said EAGAIN (if it has seen POLLPRI on @src) or 0 (always). At the mark,
 * one recv() of at most a page steps over the urgent byte and reads what
 * follows it; that goes into the pipe, which must be empty so that it fits.
 * The urgent byte is dropped: the receiver gets the stream that a reader
 * of @src would get (as through rootlessport or pasta), with no mark in it.
 *
 * Return: an enum pn_urgent, or -errno (the connection must be reset: bytes
 * may have been read that could not be passed on).
 */
int pn_splice_urgent(int src, int pipe_w, bool pipe_empty, size_t *ret_moved);

#endif
