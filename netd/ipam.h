/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address allocation within a network. Theory of operation: each network has
 * one lease file ($RUN/ipam/<network>.json) mapping address -> owner id, plus
 * the last address handed out per family. It is read and written only under
 * the state lock, so two concurrent commands can never hand out one address.
 * Allocation is round-robin from the address after the last one handed out,
 * skipping the network address, the IPv4 broadcast address, the gateway and
 * leased addresses, so a just-freed address (whose MAC may still sit in a
 * neighbour's ARP cache) is reused last. Cost: O(1) per lease lookup, O(range)
 * worst case when the network is nearly full.
 */
#ifndef PODNET_IPAM_H
#define PODNET_IPAM_H

#include <jansson.h>
#include <limits.h>
#include "err.h"
#include "ipaddr.h"
#include "network.h"
#include "paths.h"

struct netd_leases {
	json_t *doc;           /* {"leases": {ip: owner}, "last4": ip, "last6": ip} */
	char path[PATH_MAX];
	int dirty;
};

int netd_ipam_open(const struct pn_paths *p, const char *network, struct netd_leases *ret,
		   struct pn_err *err);
/** netd_ipam_open_mem() - an empty lease table not backed by a file (tests, dry runs). */
void netd_ipam_open_mem(struct netd_leases *ret);
void netd_ipam_close(struct netd_leases *l);
/** netd_ipam_save() - write back if changed (atomic). Return: 0 or -errno. */
int netd_ipam_save(struct netd_leases *l, struct pn_err *err);

/**
 * netd_ipam_alloc() - lease an address of @subnet for @owner
 * @want: a static address to lease, or NULL to choose one
 *
 * Return: 0 with *@ret set; -EADDRINUSE / -EINVAL (static address taken or
 * outside the subnet/range) or -ENOSPC (full), with a message.
 */
int netd_ipam_alloc(struct netd_leases *l, const char *network, const struct netd_subnet *subnet,
		    const char *owner, const struct pn_ip *want, struct pn_ip *ret, struct pn_err *err);

/**
 * netd_ipam_reserve_mac() - record @mac for @owner on this network
 *
 * Return: 0, or -EADDRINUSE with a message when another owner has it.
 */
int netd_ipam_reserve_mac(struct netd_leases *l, const char *network, const char *mac, const char *owner,
			  struct pn_err *err);

/** netd_ipam_release() - drop every lease (and MAC) of @owner. Return: number released. */
int netd_ipam_release(struct netd_leases *l, const char *owner);
/** netd_ipam_count() - number of leases. */
size_t netd_ipam_count(const struct netd_leases *l);
/** netd_ipam_owner() - who holds @ip, or NULL. */
const char *netd_ipam_owner(const struct netd_leases *l, const struct pn_ip *ip);

#endif
