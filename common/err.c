// SPDX-License-Identifier: GPL-2.0-or-later
/* Error values with a message: see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pn_err_set(struct pn_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EIO;
	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}

int pn_err_prefix(struct pn_err *err, const char *fmt, ...)
{
	char prefix[PN_ERR_MSG_MAX], old[PN_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -EIO;
	if (err->code == 0)
		err->code = EIO;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	{
		size_t n = strnlen(prefix, sizeof(err->msg) - 1);

		memcpy(err->msg, prefix, n);
		if (n + 2 < sizeof(err->msg)) {
			err->msg[n++] = ':';
			err->msg[n++] = ' ';
		}
		memcpy(err->msg + n, old, sizeof(err->msg) - n - 1);
		err->msg[sizeof(err->msg) - 1] = '\0';
	}
	return -err->code;
}
