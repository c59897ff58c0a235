/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where podnet keeps things. Rootless: definitions under $XDG_DATA_HOME/podnet
 * (default ~/.local/share/podnet), runtime state under $XDG_RUNTIME_DIR/podnet
 * (default /tmp/podnet-UID). As root: /var/lib/podnet and /run/podnet.
 * PODNET_DATA_DIR and PODNET_RUNTIME_DIR override both (tests, packaging).
 */
#ifndef PODNET_PATHS_H
#define PODNET_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include "fileutil.h" /* pn_path() */

struct pn_paths {
	bool rootless;
	char data[PATH_MAX];     /* persistent: networks/ */
	char runtime[PATH_MAX];  /* volatile: lock, holder.json, ctr/, pods/, ipam/, dns/ */
	char libexec[PATH_MAX];  /* where podnet-dns, podnet-portfwd live */
	char problem[PATH_MAX + 96]; /* why pn_paths_init() refused a directory, or "" */
};

/**
 * pn_paths_init() - resolve directories and create them (0700)
 *
 * Both directories must then be real directories of the caller's (effective) uid
 * that no one else may write to (group-writable only for the caller's own group): /tmp/podnet-UID, the fallback, could have been
 * made by another user first, and state kept there would be theirs to change.
 * Return: 0 or -errno; -EPERM or -ENOTDIR with @p->problem saying which
 * directory and why.
 */
int pn_paths_init(struct pn_paths *p);

/**
 * pn_dir_owned() - is @path a directory of euid @uid that only its owner (and its own group) may write?
 * @follow: follow a symbolic link (refused otherwise: in /tmp its owner can
 *          re-point it at any time)
 * @problem: on failure, a sentence naming @path and what is wrong (@len bytes)
 * Return: 0, -ENOTDIR (not a directory, or a refused link), -EPERM (another
 * owner, or writable by group or others) or -errno of lstat().
 */
int pn_dir_owned(const char *path, unsigned uid, bool follow, char *problem, size_t len);

/*
 * The DNS records files in $RUN/dns are named after their network
 * (aardvark-dns's layout); an internal network's is NAME%int (the name
 * aardvark-dns, since 1.11, and netavark give it: its responder forwards
 * nothing). '%' is not allowed in a network name, so the two cannot be
 * confused. Written by netd and the fronts, read by podnet-dns.
 */
#define PN_DNS_INTERNAL_SUFFIX "%int"

/**
 * pn_dns_records_name_len() - how much of records file name @file is the network's name
 * @ret_internal: set when @file ends in PN_DNS_INTERNAL_SUFFIX (an internal network)
 */
size_t pn_dns_records_name_len(const char *file, bool *ret_internal);


#endif
