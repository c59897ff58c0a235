/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process identities as podnet-slirp reads and writes them: the `--holder
 * PID:STARTTIME` argument and the `PID STARTTIME\n` pid file. Both come from
 * outside the process (a command line, a file the user can edit), so parsing
 * is strict: decimal digits only, no sign, no overflow, nothing trailing.
 */
#ifndef PODNET_SLIRP_IDS_H
#define PODNET_SLIRP_IDS_H

#include <stddef.h>

#include "proc.h"

/* Runtime files, relative to $RUN. */
#define SLIRP_DIR "slirp"
#define SLIRP_PIDFILE "slirp/podnet-slirp.pid"
#define SLIRP_HOLDERFILE "slirp/holder"   /* the holder this podnet-slirp serves */
#define SLIRP_LOCKFILE "slirp/podnet-slirp.lock"
#define SLIRP_LOGFILE "slirp/podnet-slirp.log"
#define SLIRP_STATUSFILE "slirp/status.json"
#define SLIRP_HOSTGW_FILE "dns/host-gateway"

/**
 * slirp_parse_proc_id() - parse "PID<sep>STARTTIME"
 * @s: text, NUL-terminated; one trailing newline is accepted
 * @sep: separator between the two numbers (':' on the command line, ' ' in pid files)
 * @ret: filled on success
 *
 * Return: 0, or -EINVAL when @s is not exactly two decimal numbers with a PID > 0.
 */
int slirp_parse_proc_id(const char *s, char sep, struct pn_proc_id *ret);

/**
 * slirp_format_proc_id() - format @id as "PID STARTTIME\n"
 *
 * Return: number of characters written (without the NUL), or -ENOSPC.
 */
int slirp_format_proc_id(const struct pn_proc_id *id, char *buf, size_t size);

/**
 * slirp_read_pidfile() - read a pid file written by slirp_format_proc_id()
 *
 * Return: 0, -ENOENT when absent, -EINVAL when malformed, or a negative errno.
 */
int slirp_read_pidfile(const char *path, struct pn_proc_id *ret);

#endif
