/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nftables table `inet podnet` in the infra namespace I, built as JSON
 * with jansson and applied with libnftables in one transaction. The table is
 * regenerated whole from the list of networks whenever networks change; rules
 * are per network, never per container, so attaching a container costs no
 * firewall work. See docs/internals.md for the rule set.
 */
#ifndef PODNET_NFT_H
#define PODNET_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "err.h"
#include "network.h"

#define NETD_TAP_IFNAME "podnet-tap0"
#define NETD_HOST_GATEWAY4 "10.0.2.2"
#define NETD_HOST_GATEWAY6 "fd00::2"

/** netd_nft_ruleset() - the JSON commands for @nets (for tests and `podnet info`). */
json_t *netd_nft_ruleset(const struct netd_network *nets, size_t n);

/**
 * netd_nft_ruleset_uplink() - the JSON commands for @nets with another uplink
 * @uplink: interface towards the outside (forward accept, masquerade); NULL
 *          means NETD_TAP_IFNAME. Podman's rootless netns calls it tap0.
 *
 * Return: the document (caller owns it).
 */
json_t *netd_nft_ruleset_uplink(const struct netd_network *nets, size_t n, const char *uplink);

/** netd_nft_apply() - replace the table's rules in the current netns (must be I). */
int netd_nft_apply(const struct netd_network *nets, size_t n, struct pn_err *err);

/**
 * netd_nft_apply_uplink() - netd_nft_apply() with the uplink named @uplink (NULL: NETD_TAP_IFNAME)
 *
 * Return: 0 or -errno with a message.
 */
int netd_nft_apply_uplink(const struct netd_network *nets, size_t n, const char *uplink,
			  struct pn_err *err);

/**
 * netd_nft_remove() - delete the table (and its sets) from the current netns; absent is fine
 *
 * Return: 0 or -errno with a message.
 */
int netd_nft_remove(struct pn_err *err);

/** netd_nft_host_access() - allow or revoke @ips reaching the host gateway. */
int netd_nft_host_access(const struct pn_ip *ips, int nips, bool allow, struct pn_err *err);

#endif
