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
 */
#ifndef PODNET_PIPES_H
#define PODNET_PIPES_H

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

#endif
