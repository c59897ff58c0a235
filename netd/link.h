/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink through libnl-route: bridges and gateway addresses in I, veth
 * pairs from I into a container namespace C, addresses and routes in C.
 * Every function works on the netlink socket it is given, so one process in U
 * can hold sockets in I and in C at once (sockets keep their namespace).
 */
#ifndef PODNET_LINK_H
#define PODNET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <netlink/netlink.h>
#include "err.h"
#include "ipaddr.h"
#include "network.h"

/** netd_nl_open() - a connected NETLINK_ROUTE socket in the current netns. */
int netd_nl_open(struct nl_sock **ret, struct pn_err *err);
/** netd_nl_open_in() - the same inside the netns @netns_fd (then back). */
int netd_nl_open_in(int netns_fd, struct nl_sock **ret, struct pn_err *err);
void netd_nl_close(struct nl_sock *sk);

/** netd_link_up() - set an existing interface up (e.g. "lo"). */
int netd_link_up(struct nl_sock *sk, const char *ifname, struct pn_err *err);
/** netd_lo_up() - set lo up in the current network namespace. */
int netd_lo_up(struct pn_err *err);

/** netd_link_exists() - Return: 1 if @ifname exists, 0 if not, or -errno. */
int netd_link_exists(struct nl_sock *sk, const char *ifname);
/** netd_link_delete() - delete @ifname; a missing interface is not an error. */
int netd_link_delete(struct nl_sock *sk, const char *ifname, struct pn_err *err);

/**
 * netd_bridge_delete_unused() - delete bridge @name unless an interface is
 * still enslaved to it (a bridge that was there before podnet, with the
 * host's own ports, or another runtime's): as netavark does. A missing bridge
 * is not an error.
 */
int netd_bridge_delete_unused(struct nl_sock *sk, const char *name, struct pn_err *err);

/**
 * netd_bridge_ensure() - create the network's bridge with its gateways, up (idempotent)
 * @ret_created: NULL, or set to whether this call created the bridge (also
 *               when a later step fails: the caller may then delete it)
 *
 * A bridge that exists already gets the gateways and is set up; an interface
 * of that name that is not a bridge is left alone.
 * Return: 0, -EEXIST (with a message) when the name belongs to an interface
 * that is not a bridge, or -errno with a message.
 */
int netd_bridge_ensure(struct nl_sock *sk, const struct netd_network *net, bool *ret_created,
		       struct pn_err *err);

/**
 * netd_bridges_tidy() - (in I) what no network definition accounts for
 * @nets: every network defined
 * @fix: remove it (else only count and describe it)
 * @report: NULL, or a buffer of @cap bytes for one line per leftover
 *
 * A bridge that no network of @nets owns (its network was removed by a
 * command killed half-way), and an address on a network's bridge that is not
 * one of its gateways (the bridge name was reused): either would keep a route
 * that a network with that subnet needs. For I only, where podnet made every
 * bridge; a bridge elsewhere (netd_bridge_ensure() in a CNI namespace) may be
 * a user's. Return: the number of leftovers found, or -errno with a message.
 */
int netd_bridges_tidy(struct nl_sock *sk, const struct netd_network *nets, size_t n, bool fix, char *report,
		      size_t cap, struct pn_err *err);

struct netd_veth_spec {
	const char *host_ifname;   /* in I, enslaved to the bridge */
	const char *ifname;        /* in C: eth0, eth1, ... */
	unsigned char mac[6];
	struct pn_ip ips[NETD_MAX_SUBNETS];
	int prefixes[NETD_MAX_SUBNETS];
	int nips;
	int route_metric;          /* default routes via the gateways, unless internal */
};

/**
 * netd_veth_attach() - veth pair from the network's bridge in I into C
 * @sk_i: socket in I; @sk_c: socket in C; @c_netns_fd: C
 *
 * On failure nothing of the pair is left behind.
 */
int netd_veth_attach(struct nl_sock *sk_i, struct nl_sock *sk_c, int c_netns_fd,
		     const struct netd_network *net, const struct netd_veth_spec *spec,
		     struct pn_err *err);

/** netd_host_routes() - prefixes of the main routing table (to avoid when choosing subnets). */
int netd_host_routes(struct pn_cidr **ret, size_t *ret_n);

/**
 * netd_no_link_local() - new interfaces of the current netns get no IPv6
 * link-local address (addr_gen_mode none)
 *
 * Every link-local address means DAD and MLD multicast when a port comes up,
 * which the bridge floods to every container: attaching would cost CPU in
 * proportion to the containers already there. Global addresses (set without
 * DAD) and neighbour discovery with them work without it.
 */
void netd_no_link_local(void);

/** netd_mac_random() - a random locally administered unicast MAC. */
void netd_mac_random(unsigned char mac[6]);
/**
 * netd_mac_parse() - exactly xx:xx:xx:xx:xx:xx, unicast and not all zero
 * Return: 0, or -EINVAL (then @mac is untouched).
 */
int netd_mac_parse(const char *s, unsigned char mac[6]);
void netd_mac_format(const unsigned char mac[6], char buf[18]);

#endif
