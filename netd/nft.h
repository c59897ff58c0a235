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
#include "nfnl.h"
#include "err.h"
#include "network.h"

#define NETD_TAP_IFNAME "podnet-tap0"
#define NETD_HOST_GATEWAY4 "10.0.2.2"
#define NETD_HOST_GATEWAY6 "fd00::2"

/* table `bridge podnet`: the source guard of container ports (see netd_nft_port_elements()) */
#define NETD_NFT_GUARD_CHAIN "source_guard"
#define NETD_NFT_GUARDED "guarded_ports"
#define NETD_NFT_PORT_ADDRS4 "port_addrs4"
#define NETD_NFT_PORT_ADDRS6 "port_addrs6"

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

/**
 * netd_nft_port_elements() - append the set elements of one attachment to @cmds
 * @host_ifname: the bridge port (the I end of the container's veth)
 * @ips: the addresses podnet gave that attachment; the port may send from these only
 * @host_access: also list @ips in host_allowed4/6 (the host gateway)
 * @add: true to add; false to remove (elements that are absent are no error)
 *
 * Adding puts @host_ifname in `guarded_ports` and each `port . address` in
 * `port_addrs4/6` of table `bridge podnet`, in one transaction with the rest
 * of @cmds once netd_nft_commit() runs it: add them before the port exists,
 * remove them after it is gone. O(1) per attachment: no rule changes.
 *
 * Return: 0, or -EINVAL for a bad name or address family (nothing appended).
 */
int netd_nft_port_elements(json_t *cmds, const char *host_ifname, const struct pn_ip *ips, int nips,
			   bool host_access, bool add);

/*
 * The elements of one or more attachments, applied as one transaction: a raw
 * nfnetlink batch (~0.1 ms), or libnftables when that fails (~20 ms: a table
 * or set that does not exist yet is created with the elements).
 *	struct netd_nft_elems e;
 *	netd_nft_elems_init(&e);
 *	netd_nft_elems_add(&e, ...);   (as netd_nft_port_elements())
 *	netd_nft_elems_commit(&e, err);
 */
struct netd_nft_elems {
	struct netd_nfnl_batch nl;
	json_t *cmds;
};
void netd_nft_elems_init(struct netd_nft_elems *e);
/** netd_nft_elems_add() - as netd_nft_port_elements() without host access (see netd_nft_elems_host()). */
int netd_nft_elems_add(struct netd_nft_elems *e, const char *host_ifname, const struct pn_ip *ips, int nips,
		       bool add);
/**
 * netd_nft_elems_addrs() - add (or remove) addresses @host_ifname may send from,
 * leaving the port's own guarded_ports element as it is
 */
int netd_nft_elems_addrs(struct netd_nft_elems *e, const char *host_ifname, const struct pn_ip *ips, int nips,
			 bool add);
/** netd_nft_elems_host() - add (or remove) @ips in host_allowed4/6 only. Return: 0 or -EINVAL. */
int netd_nft_elems_host(struct netd_nft_elems *e, const struct pn_ip *ips, int nips, bool add);
/** netd_nft_elems_commit() - apply and release @e. Return: 0 or -errno with a message. */
int netd_nft_elems_commit(struct netd_nft_elems *e, struct pn_err *err);
/**
 * netd_nft_elems_commit_removal() - apply and release @e, made of removals only
 *
 * The raw batch alone: a missing table or set means there is nothing to
 * remove, where netd_nft_elems_commit()'s fallback would create them first.
 * Return: 0 (also when the table or a set is missing) or -errno with a message.
 */
int netd_nft_elems_commit_removal(struct netd_nft_elems *e, struct pn_err *err);

/**
 * netd_nft_commit() - run the commands of @cmds (an array; kept by the caller) as one
 * transaction in the current netns. An empty array does nothing.
 *
 * Return: 0 or -errno with a message.
 */
int netd_nft_commit(json_t *cmds, struct pn_err *err);

/*
 * Published ports (DNAT) and the host's own namespace
 *
 * netd_nft_ruleset_opts() adds, on request, what a backend needs when the
 * infra namespace is the host's (rootful Podman) or when host ports are
 * DNATed to containers inside it (netavark's port mappings):
 *  - host_netns: the forward chain keeps policy accept, so forwarding between
 *    the host's other interfaces is never touched; traffic into one of our
 *    bridges is dropped unless it is a reply, DNATed, or from the same bridge;
 *    internal networks cannot leave their bridge; the 10.0.2.2 guards of the
 *    slirp uplink are left out.
 *  - dnat: chains `dstnat` (prerouting) and `dstnat_out` (output) jump to
 *    `hostports` for local destinations; `hostports` holds one rule per
 *    mapping. DNATed connections are accepted in forward, and those from
 *    127.0.0.0/8 are masqueraded (the bridge needs route_localnet=1).
 * netd_nft_dnat_sync() replaces only the `hostports` rules, so publishing a
 * container's ports costs one small transaction, never a table rebuild.
 */
#define NETD_DNAT_MAX 4096

struct netd_nft_dnat {
	struct pn_ip host_ip;        /* family 0: any local address */
	struct pn_ip addr;           /* the container's address (the rule's family) */
	unsigned host_port, container_port, range; /* range >= 1 consecutive ports */
	char protocol[8];            /* tcp, udp or sctp */
};

struct netd_nft_opts {
	const char *uplink;          /* NULL: NETD_TAP_IFNAME */
	bool host_netns;             /* see above */
	const struct netd_nft_dnat *dnat;
	size_t ndnat;                /* <= NETD_DNAT_MAX */
};

/**
 * netd_nft_dnat_valid() - is @d usable (ports, range, protocol, families)?
 *
 * Return: true when a rule can be built for it.
 */
bool netd_nft_dnat_valid(const struct netd_nft_dnat *d);

/**
 * netd_nft_ruleset_opts() - the JSON commands for @nets with @opts (NULL: defaults)
 *
 * Return: the document (caller owns it); NULL when a DNAT entry is invalid.
 */
json_t *netd_nft_ruleset_opts(const struct netd_network *nets, size_t n, const struct netd_nft_opts *opts);

/**
 * netd_nft_apply_opts() - replace the table's rules with netd_nft_ruleset_opts()
 *
 * Return: 0 or -errno with a message.
 */
int netd_nft_apply_opts(const struct netd_network *nets, size_t n, const struct netd_nft_opts *opts,
			struct pn_err *err);

/** netd_nft_dnat_ruleset() - the commands of netd_nft_dnat_sync(). Return: document or NULL. */
json_t *netd_nft_dnat_ruleset(const struct netd_nft_dnat *dnat, size_t n);

/**
 * netd_nft_dnat_sync() - replace the `hostports` rules with @dnat; the table
 * must have been applied with a DNAT-capable netd_nft_apply_opts() before.
 *
 * Return: 0 or -errno with a message.
 */
int netd_nft_dnat_sync(const struct netd_nft_dnat *dnat, size_t n, struct pn_err *err);

#endif
