// SPDX-License-Identifier: GPL-2.0-or-later
/* Daemon logging to stderr with a timestamp: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

enum pn_log_level pn_log_max = PN_LOG_INFO;
const char *pn_log_ident = "podnet";

void pn_log(enum pn_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct timespec ts;
	va_list ap;

	if (lvl > pn_log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld %s: %s: ", (long long)ts.tv_sec, ts.tv_nsec / 1000000,
		pn_log_ident, names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
