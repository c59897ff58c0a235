/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running nftables commands through libnftables, loaded with dlopen() the
 * first time it is needed. Firewall changes are rare (a network created or
 * removed, the infra starting), while every podnet command starts a process:
 * linking libnftables (with libnftnl, libxtables and libgmp behind it) costs
 * each of them about 3 ms of start-up on a small VM.
 */
#ifndef PODNET_NFTRUN_H
#define PODNET_NFTRUN_H

#include <stdbool.h>
#include <stddef.h>

/**
 * pn_nft_run() - run @cmds (nft syntax, or the JSON schema when @json) in the
 * current network namespace, as one transaction
 * @errbuf: receives libnftables' message on failure (one line)
 *
 * Return: 0, -ENOENT when libnftables cannot be loaded, or -EIO.
 */
int pn_nft_run(const char *cmds, bool json, char *errbuf, size_t errlen);

#endif
