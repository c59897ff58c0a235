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
#include "err.h"
#include "network.h"
#include "paths.h"

#define NETD_MAX_NETWORKS 32

/**
 * netd_attach_parse() - a static address and MAC as `--ip` and `--mac-address`
 * give them (either may be NULL: then its result is untouched).
 * Return: 0, or -EINVAL with a message naming the bad value.
 */
int netd_attach_parse(const char *ip, const char *mac, struct pn_ip *ret_ip, unsigned char ret_mac[6],
		      struct pn_err *err);
/** netd_attach_plan() - reserve everything for attaching @doc to @net (under the lock). */
int netd_attach_plan(const struct pn_paths *p, json_t *doc, const struct netd_network *net,
		     const char *static_ip, const char *static_mac, json_t *aliases, struct pn_err *err);
/*
 * A container's "network_config": the networks it asks for, in interface
 * order, each as {"network", "aliases", "ip"?, "mac"?} (the static address and
 * MAC when given). Unlike "networks" (the attachments that exist) it outlives
 * the container's run: `start` attaches an exited container to these again,
 * and connect and disconnect change it.
 */
/** netd_net_config_add() - append @netname's entry to @cfg (@aliases copied; may be NULL). */
void netd_net_config_add(json_t *cfg, const char *netname, json_t *aliases, const char *ip, const char *mac);
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
