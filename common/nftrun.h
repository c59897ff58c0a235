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

/**
 * pn_nft_use_helper() - run nftables commands through the program @path
 *
 * For a statically linked caller (the podnet CLI), which must not dlopen():
 * pn_nft_run() then forks and execs @path (podnet-nft, beside the caller)
 * in the current namespaces, with the commands on its standard input.
 */
void pn_nft_use_helper(const char *path);

/**
 * pn_nft_helper_main() - podnet-nft: the commands from standard input (JSON
 * when argv[1] is "--json"), through libnftables; the error on stderr.
 *
 * Return: the exit status: 0, 2 without libnftables, 1 on an nftables error.
 */
int pn_nft_helper_main(int argc, char **argv);

#endif
