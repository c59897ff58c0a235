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

#endif
