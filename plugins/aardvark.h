/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DNS responder of a records directory, driven the way netavark 1.4 drives
 * aardvark-dns: records files named after the networks in one directory,
 * `aardvark.pid` written by the daemon, SIGHUP to reload, start on demand as
 * `<binary> --config <dir> -p <port> run` (which returns once the forked daemon
 * is ready), behind `systemd-run -q --scope [--user]` when systemd runs.
 * A daemon left without records files exits by itself.
 */
#ifndef PODNET_PLUGINS_AARDVARK_H
#define PODNET_PLUGINS_AARDVARK_H

#include <stdbool.h>
#include "err.h"

/**
 * pf_aardvark_notify() - make the daemon serving @dir see its files
 * @binary: the daemon (Podman's --aardvark-binary); NULL or "" does nothing
 * @dir: the records directory (its files are the networks)
 * @port: listening port (53 unless NETAVARK_DNS_PORT says otherwise)
 * @rootless: pass --user to systemd-run
 *
 * SIGHUP to the live daemon named in @dir/aardvark.pid; when there is none and
 * @dir holds at least one records file, start one. A daemon named there that
 * has exited (a zombie) counts as none; one that runs in another network
 * namespace than ours (Podman recreated its rootless netns) is stopped
 * (SIGTERM, SIGKILL after a second) and counts as none.
 * Return: 0 or -errno with a message.
 */
int pf_aardvark_notify(const char *binary, const char *dir, int port, bool rootless,
		       struct pn_err *err);

/** pf_aardvark_has_records() - does @dir hold a records file (anything but aardvark.pid)? */
bool pf_aardvark_has_records(const char *dir);

#endif
