/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting, reloading and stopping podnet-dns, for the CLI and netd
 * (library pn_dns_client). The daemon serves the records files in $RUN/dns
 * (docs/internals.md); callers change those files under the state lock and
 * then call dns_ensure() (first network with DNS) or dns_reload() (any change).
 */
#ifndef PODNET_DNS_H
#define PODNET_DNS_H

#include "err.h"
#include "paths.h"
#include "proc.h"

/**
 * dns_ensure() - start podnet-dns unless its pid file names a live process
 * @paths: resolved directories (podnet-dns is looked up in @paths->libexec)
 * @holder: the process keeping U and I alive; the daemon exits with it
 * @userns_fd: U (passed to the daemon, which joins it), -1 when rootful
 * @netns_fd: I
 * @err: message for the user on failure
 *
 * Call with the state lock held. Returns once the daemon answers queries on
 * every gateway named in $RUN/dns (or has found no records file and exited).
 * The daemon logs to $RUN/podnet-dns.log. A daemon already running is left
 * alone: call dns_reload() after changing records.
 *
 * Return: 0, or a negative errno with @err filled (the log's last line included).
 */
int dns_ensure(const struct pn_paths *paths, const struct pn_proc_id *holder, int userns_fd,
	       int netns_fd, struct pn_err *err);

/**
 * dns_reload() - make the running daemon re-read $RUN/dns (SIGHUP)
 *
 * Return: 0, also when no daemon runs; or a negative errno.
 */
int dns_reload(const struct pn_paths *paths);

/**
 * dns_running() - whether the podnet-dns of @paths runs (its pid file names a live process)
 * @ret: (may be NULL) the process, when it runs
 */
bool dns_running(const struct pn_paths *paths, struct pn_proc_id *ret);

/**
 * dns_stop() - stop the daemon (SIGTERM, SIGKILL after 2 s) and remove its pid file
 *
 * Return: 0, also when no daemon runs; or a negative errno.
 */
int dns_stop(const struct pn_paths *paths);

#endif
