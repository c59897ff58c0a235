/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the netavark front and the CNI plugin share: both run inside a network
 * namespace that plays the role of podnet's infra namespace I (Podman's
 * rootless netns, or a namespace of the CNI runtime), and both attach a
 * container namespace C to a network through netd (bridge, veth, addresses,
 * routes, the `inet podnet` nftables table, records files).
 *
 * Theory of operation: a small state directory (the netavark --config dir's
 * podnet/ subdirectory, or the CNI plugin's dataDir) holds state.json under an
 * exclusive flock on its lock file: the identity of the namespace I it
 * describes and, per network in use there, the definition and the
 * attachments (owner id -> interface names, addresses, MAC). The state is
 * only bookkeeping for the firewall and for removing a bridge with its last
 * attachment: when the namespace I is a new one (Podman recreated its
 * rootless netns) or the machine was rebooted since (the identity includes
 * the boot id: the host's namespace has the same inode after every boot),
 * the old state is discarded, because everything it described went with the
 * old namespace; only what outlives it (CNI leases) is looked up there. Host-side veth names are derived
 * from (owner id, network) so a teardown finds them without the state.
 */
#ifndef PODNET_PLUGINS_FRONT_H
#define PODNET_PLUGINS_FRONT_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <netlink/netlink.h>
#include "err.h"
#include "ipaddr.h"
#include "network.h"

/* Largest document accepted on stdin (Podman sends a few KiB). */
#define PF_INPUT_MAX (1u << 20)
/* Owner ids (container ids) and DNS names: bounded, printable, no separators. */
#define PF_ID_MAX 128
#define PF_DNS_NAME_MAX 253

/**
 * pf_read_fd() - read @fd to end of file, at most @max bytes, NUL-terminated
 * @ret: the buffer (caller frees); @ret_len: its length without the NUL
 *
 * Return: 0, -EFBIG (with a message) when the input is larger, or -errno.
 */
int pf_read_fd(int fd, size_t max, char **ret, size_t *ret_len, struct pn_err *err);

/**
 * pf_id_valid() - an owner id or DNS name we put into file names and records lines
 *
 * Return: true for 1..@max characters of [A-Za-z0-9_.-], not starting with '.' or '-'.
 */
bool pf_id_valid(const char *s, size_t max);

/**
 * pf_dns_name_valid() - a name that can go into a records line and be asked for:
 * pf_id_valid() up to PF_DNS_NAME_MAX characters, labels of 1..63 characters
 *
 * Return: true when usable.
 */
bool pf_dns_name_valid(const char *s);

/** pf_ifname_valid() - a Linux interface name (1..15 bytes, no '/', ':' or space). */
bool pf_ifname_valid(const char *s);

/**
 * pf_host_ifname() - the host-side veth name of (@id, @netname): "pn" + 12 hex digits
 * of a 64-bit FNV-1a hash, so a teardown finds it without any state.
 */
void pf_host_ifname(const char *id, const char *netname, char buf[IFNAMSIZ]);

/**
 * pf_dns_header() - line 1 of a records file: the network's gateways, comma-joined
 *
 * Return: length written, 0 when the network has no gateway (no DNS possible).
 */
size_t pf_dns_header(const struct netd_network *net, char *buf, size_t len);

/**
 * pf_dns_line() - one records line "<id> <v4,..> <v6,..> <name,alias,..>"
 * @names: array of strings, at least one
 *
 * Return: 0, or -EINVAL/-ENAMETOOLONG when a name is unusable or the line does not fit.
 */
int pf_dns_line(const char *id, const struct pn_ip *ips, int nips, json_t *names, char *buf,
		size_t len);

struct pf_state {
	json_t *doc;          /* {"netns": "dev:ino:boot id", "networks": {name: {"network": {}, "attachments": {}}}} */
	char dir[PATH_MAX];
	int lock_fd;
	bool nft_dirty;       /* the set of networks changed: the table must be regenerated */
	bool ports_dirty;     /* published ports changed: the hostports rules must be replaced */
	bool host_netns;      /* I is the host's namespace (rootful): forward policy accept */
	bool netns_changed;   /* the state described a namespace that is gone: its containers are too */
	json_t *previous;     /* when netns_changed: that state, for what outlives the namespace (leases) */
	bool one_net_per_bridge; /* networks never share a bridge (Podman's): see pf_attach() */
	/*
	 * What pf_state_collect() and pf_attach() dropped, for the caller's records
	 * files: NULL or {name: {"network": {definition}, "ids": [owner, ...],
	 * "gone": true when the network left the state}}. The caller takes it.
	 */
	json_t *dropped;
	char uplink[IFNAMSIZ];
};

/**
 * pf_state_open() - lock @dir (created 0700) and load its state for the current netns
 * @uplink: interface towards the outside, or NULL to take the default route's
 *          interface (fallback: "tap0", Podman's slirp4netns uplink)
 *
 * Return: 0 or -errno with a message. Close with pf_state_close().
 */
/** pf_print_json() - one compact JSON document and a newline on stdout. Return: 0 or -errno. */
int pf_print_json(json_t *doc);

int pf_state_open(const char *dir, const char *uplink, struct pf_state *st, struct pn_err *err);
/**
 * pf_state_collect() - drop the attachments whose host end is gone from I
 * @sk_i: netlink socket in I
 *
 * A container whose namespace went without a teardown (a killed teardown, a
 * runtime that forgot it) takes the veth pair with it; its attachment, its
 * source guard elements and its published ports are dropped here, and a
 * network left without attachments leaves the state with its bridge (if
 * unused), the firewall marked dirty. One link dump for the whole state
 * (nothing when there is no attachment). What went is noted in @st->dropped.
 * Return: 0, or -errno when the links cannot be listed (nothing dropped).
 */
int pf_state_collect(struct pf_state *st, struct nl_sock *sk_i);

/** pf_state_save() - write state.json atomically. Return: 0 or -errno with a message. */
int pf_state_save(struct pf_state *st, struct pn_err *err);
/** pf_state_close() - drop the document and the lock (NULL-safe on a zeroed struct). */
void pf_state_close(struct pf_state *st);
/** pf_state_attachment() - the recorded attachment of @id to @netname, or NULL. */
json_t *pf_state_attachment(struct pf_state *st, const char *netname, const char *id);
/**
 * pf_state_earlier_attachment() - as pf_state_attachment(), or else the one the
 * discarded state of a namespace (or boot) that is gone recorded
 *
 * Return: the attachment (borrowed) or NULL.
 */
json_t *pf_state_earlier_attachment(struct pf_state *st, const char *netname, const char *id);
/**
 * pf_other_attachment() - a live attachment of @id to @netname through another
 * interface than @ifname: one that the state records and whose host end exists
 * @sk_i: netlink socket in I
 *
 * There is one attachment per (owner, network) (the host end is named after
 * them): an ADD through a second interface is refused and its DEL leaves the
 * first alone.
 * Return: the interface name of that attachment (valid while @st is), or NULL.
 */
const char *pf_other_attachment(struct pf_state *st, struct nl_sock *sk_i, const char *netname, const char *id,
				const char *ifname);

struct pf_attach_req {
	const struct netd_network *net;
	const char *id;                 /* owner: container id */
	const char *ifname;             /* in C */
	bool has_mac;
	unsigned char mac[6];
	struct pn_ip ips[NETD_MAX_SUBNETS];
	int prefixes[NETD_MAX_SUBNETS];
	int nips;
	int metric;                     /* of the default routes */
	json_t *names;                  /* DNS names (borrowed), may be NULL */
};

struct pf_attach_res {
	char host_ifname[IFNAMSIZ];
	unsigned char mac[6];
};

/**
 * pf_attach() - bridge (if needed), veth pair from I into C, addresses, routes, lo up
 * @sk_i: netlink socket in I; @sk_c: in C; @c_netns_fd: C
 *
 * Records the attachment in @st (and marks the firewall dirty for a network new
 * in this namespace). On failure nothing of this attachment is left (call
 * pf_firewall_sync(): the firewall may be marked dirty then too), and a bridge
 * that this call did not create stays. A live attachment of the owner to the
 * network through another interface (pf_other_attachment()) is -EEXIST, with
 * nothing touched. With @st->one_net_per_bridge, a recorded network on the
 * same bridge under another name, or of the same name with another id, is a
 * removed one whose teardown never came (Podman reuses podmanN and names):
 * it leaves the state first, with its attachments (their host ends are
 * deleted), ports, firewall rules and its bridge if unused (noted in
 * @st->dropped).
 * Return: 0 or -errno with a message.
 */
int pf_attach(struct pf_state *st, struct nl_sock *sk_i, struct nl_sock *sk_c, int c_netns_fd,
	      const struct pf_attach_req *rq, struct pf_attach_res *res, struct pn_err *err);

/**
 * pf_detach() - remove the attachment of @id to @netname; absent parts are fine
 * @sk_c: socket in C or NULL when C is gone; @ifname: the interface in C (may be NULL)
 *
 * The bridge goes with the network's last attachment.
 * Return: 0 or -errno with a message.
 */
int pf_detach(struct pf_state *st, struct nl_sock *sk_i, struct nl_sock *sk_c, const char *netname,
	      const char *id, const char *ifname, struct pn_err *err);

/**
 * pf_firewall_sync() - when networks came or went: forwarding on, nftables table
 * regenerated for the networks in @st (removed when none is left).
 *
 * Return: 0 or -errno with a message.
 */
int pf_firewall_sync(struct pf_state *st, struct pn_err *err);

/*
 * Published ports, kept in the state as {"ports": {owner id: [entry, ...]}}, an
 * entry being {"network", "host_ip", "addr", "host_port", "container_port",
 * "range", "protocol"}: DNAT from a local host port to the owner's address on
 * that network. pf_firewall_sync() turns them into netd's hostports rules.
 */

/**
 * pf_ports_add() - publish @owner's ports (a JSON array of entries, stolen)
 * unless the owner has published ports already (Podman resends all ports when
 * it connects a container to one more network: the first target stays).
 * Callers first drop the owner's ports to the networks they attach
 * (pf_ports_drop()): those are an earlier attachment's, gone without a teardown.
 *
 * Return: 0, or -EINVAL when an entry is not usable (nothing recorded).
 */
int pf_ports_add(struct pf_state *st, const char *owner, json_t *entries);

/**
 * pf_ports_drop() - unpublish the ports of @owner that lead to network @netname
 * (NULL: all of the owner's ports).
 */
void pf_ports_drop(struct pf_state *st, const char *owner, const char *netname);

/**
 * pf_port_entry() - one entry of pf_ports_add()
 * @host_ip: NULL or "" for any local address
 *
 * Return: new reference.
 */
json_t *pf_port_entry(const char *netname, const char *host_ip, const struct pn_ip *addr,
		      unsigned host_port, unsigned container_port, unsigned range, const char *protocol);

/** pf_link_mac() - MAC address of @ifname. Return: 0 or -errno. */
int pf_link_mac(struct nl_sock *sk, const char *ifname, unsigned char mac[6]);
/** pf_link_master_is() - Return: 1 if @ifname is a port of @bridge, 0 if not, -errno. */
int pf_link_master_is(struct nl_sock *sk, const char *ifname, const char *bridge);
/** pf_link_has_addr() - Return: 1 if @ifname carries @ip/@prefix, 0 if not, -errno. */
int pf_link_has_addr(struct nl_sock *sk, const char *ifname, const struct pn_ip *ip, int prefix);
/** pf_default_ifname() - interface of the IPv4 default route. Return: 0, -ENOENT, -errno. */
int pf_default_ifname(struct nl_sock *sk, char buf[IFNAMSIZ]);

/**
 * pf_net_ip_prefix() - prefix length of the subnet of @net that holds @ip
 *
 * Return: the prefix, or -EINVAL when @ip is in no subnet of @net.
 */
int pf_net_ip_prefix(const struct netd_network *net, const struct pn_ip *ip);

#endif
