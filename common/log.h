/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for the helper daemons (podnet-dns, podnet-portfwd). The CLI and the
 * library never log: they return errors. Daemons log to stderr, which their
 * launcher points at a log file in the runtime directory.
 */
#ifndef PODNET_LOG_H
#define PODNET_LOG_H

enum pn_log_level { PN_LOG_ERR, PN_LOG_WARN, PN_LOG_INFO, PN_LOG_DEBUG };

extern enum pn_log_level pn_log_max;
extern const char *pn_log_ident;

void pn_log(enum pn_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pn_err(...) pn_log(PN_LOG_ERR, __VA_ARGS__)
#define pn_warn(...) pn_log(PN_LOG_WARN, __VA_ARGS__)
#define pn_info(...) pn_log(PN_LOG_INFO, __VA_ARGS__)
#define pn_debug(...) pn_log(PN_LOG_DEBUG, __VA_ARGS__)

#endif
