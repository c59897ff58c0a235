/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address allocation within a network. Theory of operation: each network has
 * a lease directory $RUN/ipam/<network>/ holding one file per leased address
 * (named by the address, containing the owner's id), one per reserved MAC
 * (mac-xx:xx:...), and the last address handed out per family (last4,
 * last6), as CNI's host-local plugin does. A lease is taken by creating its
 * file with O_EXCL, so no two owners can hold one address, and the cost of an
 * allocation or a release does not grow with the number of leases.
 *
 * Everything happens under the state lock. Changes are transactional per
 * open/close: files created since the last netd_ipam_save() are removed again
 * by netd_ipam_close(), and releases are applied by netd_ipam_save() only.
 * Allocation is round-robin from the address after the last one handed out,
 * skipping the network address, the IPv4 broadcast address, the gateway and
 * leased addresses, so a just-freed address (whose MAC may still sit in a
 * neighbour's ARP cache) is reused last.
 */
#ifndef PODNET_IPAM_H
#define PODNET_IPAM_H

#include <limits.h>
#include <stdbool.h>
#include "err.h"
#include "ipaddr.h"
#include "network.h"
#include "paths.h"

typedef char netd_lease_name[64];

struct netd_leases {
	char dir[PATH_MAX];
	bool temporary;                 /* netd_ipam_open_mem(): removed on close */
	netd_lease_name *created;       /* taken since the last save */
	int ncreated, capcreated;
	netd_lease_name *released;      /* to remove at the next save */
	int nreleased, capreleased;
	char last4[PN_IPSTR_MAX], last6[PN_IPSTR_MAX];
	bool last_dirty;
	char owner_buf[128];
};

int netd_ipam_open(const struct pn_paths *p, const char *network, struct netd_leases *ret,
		   struct pn_err *err);
/** netd_ipam_open_mem() - an empty lease table of its own (tests); removed on close. */
void netd_ipam_open_mem(struct netd_leases *ret);
/** netd_ipam_close() - end the transaction: what was taken but not saved is given back. */
void netd_ipam_close(struct netd_leases *l);
/** netd_ipam_save() - make this transaction's allocations and releases final. */
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

/** netd_ipam_release_ip() - give back @ip (and nothing) if @owner holds it. */
void netd_ipam_release_ip(struct netd_leases *l, const struct pn_ip *ip, const char *owner);
/** netd_ipam_release_mac() - give back @mac if @owner holds it. */
void netd_ipam_release_mac(struct netd_leases *l, const char *mac, const char *owner);
/** netd_ipam_release() - give back every lease and MAC of @owner (scans). Return: count. */
int netd_ipam_release(struct netd_leases *l, const char *owner);
/** netd_ipam_count() - number of leased addresses. */
size_t netd_ipam_count(const struct netd_leases *l);
/** netd_ipam_owner() - who holds @ip, or NULL (valid until the next call). */
const char *netd_ipam_owner(struct netd_leases *l, const struct pn_ip *ip);

#endif
