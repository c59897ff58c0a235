/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Errors as values. Library code never prints and never exits: a function
 * returns 0 or a negative errno, and where a sentence helps the user it fills a
 * struct pn_err that travels up to the CLI, which prints it once.
 */
#ifndef PODNET_ERR_H
#define PODNET_ERR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#define PN_ERR_MSG_MAX 512

struct pn_err {
	int code;                  /* positive errno, 0 when no error */
	char msg[PN_ERR_MSG_MAX];  /* one line, no trailing newline */
};

/**
 * pn_err_set() - record an error
 * @err: destination, may be NULL
 * @code: errno value (sign ignored)
 * @fmt: printf format for the user-facing message
 *
 * Return: -abs(@code), so callers can write `return pn_err_set(...)`.
 */
int pn_err_set(struct pn_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * pn_err_prefix() - prepend context to an already recorded message
 *
 * Return: -err->code (or -EIO if none was recorded).
 */
int pn_err_prefix(struct pn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * pn_errno_no_resources() - @e says descriptors or memory ran out (EMFILE,
 * ENFILE, ENOBUFS, ENOMEM): an accept() that fails so leaves the connection
 * in the backlog and the listener readable, so retrying at once would spin.
 */
static inline bool pn_errno_no_resources(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

static inline void pn_err_clear(struct pn_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

#endif
