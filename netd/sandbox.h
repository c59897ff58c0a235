/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attaching a sandbox (a container, or a pod whose members share its network
 * namespace) to networks. Split in two halves so that the lock is held only
 * for bookkeeping:
 *   - plan/release run in the host namespaces under the state lock: interface
 *     name, addresses (IPAM), MAC, the attachment recorded in the document,
 *     and the DNS records;
 *   - apply/remove run in a process that has joined U: the veth pair, the
 *     addresses and routes in C.
 * An attachment in the document looks like
 *   {"interface":"eth0","host_interface":"pn1a2b3c4d-0","mac":"..",
 *    "ips":["10.89.0.2/24"],"gateways":["10.89.0.1"],"aliases":["db"]}
 */
#ifndef PODNET_SANDBOX_H
#define PODNET_SANDBOX_H

#include <stdbool.h>
#include <jansson.h>
#include <string.h>
#include "err.h"
#include "network.h"
#include "paths.h"

#define NETD_MAX_NETWORKS 32

/*
 * What a container asks of one network beyond an address from the pool: a
 * static address (`--ip`: either family), a static IPv6 address (`--ip6`) and
 * a MAC (`--mac-address`). Each may be NULL.
 */
struct netd_static {
	const char *ip, *ip6, *mac;
};

/**
 * netd_static_ip_slot() - where a static address @ip given as `--ip` or `ip=`
 * (either family) goes in @st: ip6 for an IPv6 address, else ip.
 */
static inline const char **netd_static_ip_slot(struct netd_static *st, const char *ip)
{
	return strchr(ip, ':') ? &st->ip6 : &st->ip;
}

/**
 * netd_attach_parse() - check @st's values: @ret_ip/@ret_ip6/@ret_mac get them
 * (a result whose value is NULL is untouched).
 * Return: 0, or -EINVAL with a message naming the bad value.
 */
int netd_attach_parse(const struct netd_static *st, struct pn_ip *ret_ip, struct pn_ip *ret_ip6,
		      unsigned char ret_mac[6], struct pn_err *err);
/**
 * netd_attach_check() - netd_attach_parse(), and whether each static address
 * lies in a subnet of @net (an error names the subnets it could have been in).
 */
int netd_attach_check(const struct netd_static *st, const struct netd_network *net, struct pn_ip *ret_ip,
		      struct pn_ip *ret_ip6, unsigned char ret_mac[6], struct pn_err *err);
/** netd_attach_plan() - reserve everything for attaching @doc to @net (under the lock). @st may be NULL. */
int netd_attach_plan(const struct pn_paths *p, json_t *doc, const struct netd_network *net,
		     const struct netd_static *st, json_t *aliases, struct pn_err *err);
/*
 * A container's "network_config": the networks it asks for, in interface
 * order, each as {"network", "aliases", "ip"?, "ip6"?, "mac"?} (the static
 * addresses and MAC when given). Unlike "networks" (the attachments that exist) it outlives
 * the container's run: `start` attaches an exited container to these again,
 * and connect and disconnect change it.
 */
/** netd_net_config_add() - append @netname's entry to @cfg (@aliases copied; may be NULL). */
void netd_net_config_add(json_t *cfg, const char *netname, json_t *aliases, const struct netd_static *st);
/** netd_net_config_static() - the static values of entry @ent (borrowed from it). */
void netd_net_config_static(json_t *ent, struct netd_static *ret);
/** netd_net_config_find() - @netname's entry in @cfg (borrowed), or NULL. */
json_t *netd_net_config_find(json_t *cfg, const char *netname, size_t *ret_index);

/** netd_attach_release() - free @netname's leases of @doc and forget the attachment. */
int netd_attach_release(const struct pn_paths *p, json_t *doc, const char *netname, struct pn_err *err);
/** netd_attach_apply() - (in U) create the veth from I into C and configure C's side. */
int netd_attach_apply(int i_netns_fd, int c_netns_fd, const struct netd_network *net, json_t *att,
		      struct pn_err *err);
/** netd_attach_remove() - (in U) remove the attachment's interface from C. */
int netd_attach_remove(int c_netns_fd, json_t *att, struct pn_err *err);

/** netd_dns_publish() - write (or with @remove, drop) @doc's records on @netname (NULL: all). */
int netd_dns_publish(const struct pn_paths *p, json_t *doc, const char *netname, bool remove);

/** netd_attach_ips() - the addresses of an attachment (without prefix). Return: count. */
int netd_attach_ips(json_t *att, struct pn_ip *ips, int max);

/** netd_hosts_text() - /etc/hosts for a sandbox. Caller frees. */
char *netd_hosts_text(json_t *doc, json_t *pod_doc);
/**
 * netd_resolv_text() - /etc/resolv.conf for a sandbox: the gateways of its
 * DNS-enabled networks; without any, the host's servers (loopback ones only
 * when the sandbox is on the host's network). Caller frees.
 */
char *netd_resolv_text(const struct pn_paths *p, json_t *doc);
/** the host's resolv.conf that netd_resolv_text() reads (tests point it elsewhere) */
extern const char *netd_host_resolv_conf;

#endif
