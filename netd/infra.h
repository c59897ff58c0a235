/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rootless infrastructure: user namespace U and infra network namespace I,
 * kept alive by a tiny holder process recorded in $RUN/holder.json (PID and
 * start time, so a reused PID is never mistaken for it).
 *
 * Theory of operation: netd_infra_ensure() (under the state lock) checks the
 * recorded holder; if it is gone it forks a new one, which unshares U (the
 * parent maps the user's /etc/subuid range with newuidmap/newgidmap, or only
 * the user itself when that is not available), becomes root there, unshares I,
 * raises lo, enables forwarding, creates every network's bridge, loads the
 * nftables table and then sleeps until told to exit. Code that needs I joins U
 * then I through the descriptors netd_infra_open() hands out. As root, U is
 * skipped and userns_fd is -1.
 */
#ifndef PODNET_INFRA_H
#define PODNET_INFRA_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "network.h"
#include "paths.h"
#include "proc.h"

struct netd_infra {
	struct pn_proc_id holder;
	bool rootless;
	bool subids;      /* the subuid range is mapped (else only the user) */
	int userns_fd;    /* -1 as root */
	int netns_fd;
};

#define NETD_INFRA_INIT { .userns_fd = -1, .netns_fd = -1 }

/** netd_infra_open() - descriptors of the live infra. Return: 0, -ENOENT if none runs. */
int netd_infra_open(const struct pn_paths *p, struct netd_infra *ret, struct pn_err *err);
/** netd_infra_ensure() - open the infra, starting the holder if needed (call under the lock). */
int netd_infra_ensure(const struct pn_paths *p, struct netd_infra *ret, bool *ret_started,
		      struct pn_err *err);
/**
 * netd_infra_adopt() - start a new holder inside an existing user namespace
 * @userns_fd: U, opened from a process that still lives in it (a container's init)
 *
 * For a holder that was killed while containers still run in U: their U is
 * kept and a fresh I is built in it (call under the lock). As root, pass -1.
 */
int netd_infra_adopt(const struct pn_paths *p, int userns_fd, struct netd_infra *ret, struct pn_err *err);
void netd_infra_close(struct netd_infra *inf);
/**
 * netd_infra_enter() - join U and I for good, in this process
 *
 * For a command whose remaining work all happens in I or on files
 * (network connect/disconnect): later netd_infra_run() calls run in place,
 * without the fork of a worker (about 2 ms of a 10 ms connect). There is no
 * way back to the host's namespaces, so helpers must already run. Return: 0
 * or a negative errno.
 */
int netd_infra_enter(const struct netd_infra *inf, struct pn_err *err);
/** netd_infra_stop() - end the holder (U and I go with it and with their last user). */
int netd_infra_stop(const struct pn_paths *p);

/**
 * netd_infra_run() - run @fn in a child process that has joined U and I
 *
 * @fn's error travels back to the caller. After netd_infra_enter() @fn runs
 * in this process. Return: what @fn returned.
 */
int netd_infra_run(const struct netd_infra *inf, int (*fn)(void *arg, struct pn_err *err), void *arg,
		   struct pn_err *err);

/**
 * netd_infra_run_out() - netd_infra_run() that also brings back a result
 * @out: @fn fills it (in the child's copy of memory); its @out_size bytes are
 *       copied back to the caller's @out, also when @fn fails
 *
 * Return: what @fn returned, or -EIO when the worker died before reporting.
 */
int netd_infra_run_out(const struct netd_infra *inf, int (*fn)(void *arg, struct pn_err *err), void *arg,
		       void *out, size_t out_size, struct pn_err *err);

/**
 * netd_infra_apply_networks() - (in I) make bridges and nftables follow @nets (every
 * network defined): remove what no network accounts for (netd_bridges_tidy()),
 * create bridges, reload nftables.
 */
int netd_infra_apply_networks(const struct netd_network *nets, size_t n, struct pn_err *err);

/** netd_subid_range() - the user's range from /etc/subuid or /etc/subgid. Return: 0 or -ENOENT. */
int netd_subid_range(const char *file, const char *user, unsigned id, unsigned long *start,
		     unsigned long *count);

#endif
