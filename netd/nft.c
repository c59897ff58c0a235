// SPDX-License-Identifier: GPL-2.0-or-later
/* The podnet nftables table, as JSON through libnftables: see nft.h. */
#include "nft.h"
#include "nfnl.h"
#include "cleanup.h"

#include "nftrun.h"
#include "podnet_slirp.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#define TABLE "podnet"

static json_t *cmd_in(const char *family, const char *verb, const char *kind, json_t *obj)
{
	json_object_set_new(obj, "family", json_string(family));
	if (strcmp(kind, "table") != 0)
		json_object_set_new(obj, "table", json_string(TABLE));
	else
		json_object_set_new(obj, "name", json_string(TABLE));
	return json_pack("{s:{s:o}}", verb, kind, obj);
}

static json_t *cmd(const char *verb, const char *kind, json_t *obj)
{
	return cmd_in("inet", verb, kind, obj);
}

static json_t *match(const char *op, json_t *left, json_t *right)
{
	return json_pack("{s:{s:s, s:o, s:o}}", "match", "op", op, "left", left, "right", right);
}

static json_t *meta(const char *key)
{
	return json_pack("{s:{s:s}}", "meta", "key", key);
}

static json_t *payload(const char *proto, const char *field)
{
	return json_pack("{s:{s:s, s:s}}", "payload", "protocol", proto, "field", field);
}

static json_t *verdict(const char *v)
{
	return json_pack("{s:n}", v);
}

static json_t *rule(const char *chain, json_t *expr)
{
	return cmd("add", "rule", json_pack("{s:s, s:o}", "chain", chain, "expr", expr));
}

static json_t *base_chain(const char *name, const char *type, const char *hook, int prio, const char *policy)
{
	return cmd("add", "chain", json_pack("{s:s, s:s, s:s, s:i, s:s}", "name", name, "type", type, "hook", hook,
					     "prio", prio, "policy", policy));
}

static void input_rule(json_t *cmds, const struct netd_network *net, int family)
{
	const char *proto = family == AF_INET ? "ip" : "ip6";
	json_t *expr = json_array();
	char gw[PN_IPSTR_MAX] = "";

	for (int i = 0; i < net->nsubnets; i++)
		if (net->subnets[i].subnet.addr.family == family && net->subnets[i].gateway.family)
			pn_ip_format(&net->subnets[i].gateway, gw);
	json_array_append_new(expr, match("==", meta("iifname"), json_string(net->bridge)));
	json_array_append_new(expr, match("==", meta("nfproto"), json_string(family == AF_INET ? "ipv4" : "ipv6")));
	json_array_append_new(expr, match("==", json_pack("{s:{s:s, s:[s]}}", "fib", "result", "type", "flags", "daddr"),
					  json_string("local")));
	if (gw[0])
		json_array_append_new(expr, match("!=", payload(proto, "daddr"), json_string(gw)));
	if (family == AF_INET6)
		json_array_append_new(expr, match("!=", payload(proto, "daddr"),
						  json_pack("{s:{s:s, s:i}}", "prefix", "addr", "fe80::", "len", 10)));
	json_array_append_new(expr, verdict("drop"));
	json_array_append_new(cmds, rule("input", expr));
}

json_t *netd_nft_ruleset(const struct netd_network *nets, size_t n)
{
	return netd_nft_ruleset_uplink(nets, n, NULL);
}

json_t *netd_nft_ruleset_uplink(const struct netd_network *nets, size_t n, const char *uplink)
{
	const struct netd_nft_opts o = { .uplink = uplink };

	return netd_nft_ruleset_opts(nets, n, &o);
}

static json_t *bridge_set(const struct netd_network *nets, size_t n)
{
	json_t *set = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(set, json_string(nets[i].bridge));
	return json_pack("{s:o}", "set", set);
}

static bool any_v6(const struct netd_nft_dnat *dnat, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dnat[i].addr.family == AF_INET6)
			return true;
	return false;
}

/*
 * The outbound TCP fast path of podnet-slirp (docs/outbound.md): new TCP
 * connections from a bridge towards the uplink are diverted with tproxy to
 * podnet-slirp's transparent listener in I, which splices them to sockets in
 * the host namespace. Connections to the rest of the slirp network (slirp
 * DNS) are left to libslirp; the host gateway only from host_allowed sources.
 */
/* new TCP from @bridge that matches @m1 and @m2: to the fast path's listener, marked */
static void tproxy_rule(json_t *cmds, const char *bridge, bool v4, json_t *m1, json_t *m2)
{
	json_array_append_new(cmds, rule("prerouting", json_pack("[o, o, o, o, {s:{s:s, s:s, s:i}}, o, o]",
		match("==", meta("iifname"), json_string(bridge)),
		match("==", meta("l4proto"), json_string("tcp")),
		m1, m2,
		"tproxy", "family", v4 ? "ip" : "ip6", "addr", v4 ? "127.0.0.1" : "::1", "port", PN_SLIRP_FASTPATH_PORT,
		json_pack("{s:{s:o, s:i}}", "mangle", "key", meta("mark"), "value", PN_SLIRP_FASTPATH_MARK),
		verdict("accept"))));
}

static void fastpath_rule(json_t *cmds, const char *bridge, int family, const char *uplink)
{
	bool v4 = family == AF_INET;
	const char *proto = v4 ? "ip" : "ip6";

	tproxy_rule(cmds, bridge, v4,
		match("!=", payload(proto, "daddr"),
		      json_pack("{s:{s:s, s:i}}", "prefix", "addr", v4 ? "10.0.2.0" : "fd00::", "len", v4 ? 24 : 64)),
		match("==", json_pack("{s:{s:s, s:[s]}}", "fib", "result", "oifname", "flags", "daddr"), json_string(uplink)));
	/*
	 * TCP to the host gateway from a container allowed to reach it (the
	 * source guard makes the source its own): the same splice, to the
	 * host's loopback, instead of libslirp's TCP (0.6 against ~9 Gbit/s).
	 * Others fall through to the forward chain, which drops them.
	 */
	tproxy_rule(cmds, bridge, v4,
		match("==", payload(proto, "daddr"), json_string(v4 ? NETD_HOST_GATEWAY4 : NETD_HOST_GATEWAY6)),
		match("==", payload(proto, "saddr"), json_string(v4 ? "@host_allowed4" : "@host_allowed6")));
}

static json_t *bridge_rule(json_t *expr)
{
	return cmd_in("bridge", "add", "rule", json_pack("{s:s, s:o}", "chain", NETD_NFT_GUARD_CHAIN, "expr", expr));
}

static json_t *port_concat(const char *proto, const char *field)
{
	return json_pack("{s:[o, o]}", "concat", meta("iifname"), payload(proto, field));
}

static void guard_sets(json_t *cmds)
{
	json_array_append_new(cmds, cmd_in("bridge", "add", "set",
		json_pack("{s:s, s:s}", "name", NETD_NFT_GUARDED, "type", "ifname")));
	json_array_append_new(cmds, cmd_in("bridge", "add", "set",
		json_pack("{s:s, s:[s, s]}", "name", NETD_NFT_PORT_ADDRS4, "type", "ifname", "ipv4_addr")));
	json_array_append_new(cmds, cmd_in("bridge", "add", "set",
		json_pack("{s:s, s:[s, s]}", "name", NETD_NFT_PORT_ADDRS6, "type", "ifname", "ipv6_addr")));
}

static void host_sets(json_t *cmds)
{
	json_array_append_new(cmds, cmd("add", "set", json_pack("{s:s, s:s}", "name", "host_allowed4", "type", "ipv4_addr")));
	json_array_append_new(cmds, cmd("add", "set", json_pack("{s:s, s:s}", "name", "host_allowed6", "type", "ipv6_addr")));
}

/*
 * Table `bridge podnet`: a container holds every capability in its own
 * network namespace, so it can give itself any address, and I does no
 * reverse-path check. Every frame entering a bridge from a guarded port
 * (a container's veth, set NETD_NFT_GUARDED) must carry, as IPv4 source,
 * ARP sender or IPv6 source, an address podnet gave that port (sets of
 * `port . address`); IPv6 link-local and unspecified sources stay allowed
 * for neighbour discovery and DAD. The rules are fixed; each attachment
 * only adds elements (O(1)), and like the inet table's sets they survive
 * the rebuild, which flushes this chain only. Ports podnet did not create
 * (a pre-existing bridge's uplink, rootful) are not in the set and pass.
 */
static void source_guard(json_t *cmds)
{
	json_array_append_new(cmds, cmd_in("bridge", "add", "table", json_object()));
	guard_sets(cmds);
	json_array_append_new(cmds, cmd_in("bridge", "add", "chain",
		json_pack("{s:s, s:s, s:s, s:i, s:s}", "name", NETD_NFT_GUARD_CHAIN, "type", "filter",
			  "hook", "prerouting", "prio", -300, "policy", "accept")));
	json_array_append_new(cmds, cmd_in("bridge", "flush", "chain", json_pack("{s:s}", "name", NETD_NFT_GUARD_CHAIN)));
	json_array_append_new(cmds, bridge_rule(json_pack("[o, o]",
		match("!=", meta("iifname"), json_string("@" NETD_NFT_GUARDED)), verdict("accept"))));
	json_array_append_new(cmds, bridge_rule(json_pack("[o, o]",
		match("!=", port_concat("ip", "saddr"), json_string("@" NETD_NFT_PORT_ADDRS4)), verdict("drop"))));
	json_array_append_new(cmds, bridge_rule(json_pack("[o, o]",
		match("!=", port_concat("arp", "saddr ip"), json_string("@" NETD_NFT_PORT_ADDRS4)), verdict("drop"))));
	json_array_append_new(cmds, bridge_rule(json_pack("[o, o, o]",
		match("!=", payload("ip6", "saddr"),
		      json_pack("{s:[s, {s:{s:s, s:i}}]}", "set", "::", "prefix", "addr", "fe80::", "len", 10)),
		match("!=", port_concat("ip6", "saddr"), json_string("@" NETD_NFT_PORT_ADDRS6)), verdict("drop"))));
}

json_t *netd_nft_ruleset_opts(const struct netd_network *nets, size_t n, const struct netd_nft_opts *opts)
{
	static const struct netd_nft_opts defaults = { 0 };
	const struct netd_nft_opts *o = opts ? opts : &defaults;
	const char *uplink = o->uplink ? o->uplink : NETD_TAP_IFNAME;
	bool ports = o->ndnat > 0, fastpath;
	json_t *cmds = json_array(), *hostports;

	hostports = ports ? netd_nft_dnat_ruleset(o->dnat, o->ndnat) : NULL;
	if (ports && !hostports) {
		json_decref(cmds);
		return NULL;
	}
	json_array_append_new(cmds, cmd("add", "table", json_object()));
	json_array_append_new(cmds, cmd("flush", "table", json_object()));
	/* sets survive a table flush: per-container elements are kept */
	host_sets(cmds);
	json_array_append_new(cmds, base_chain("forward", "filter", "forward", 0, o->host_netns ? "accept" : "drop"));
	json_array_append_new(cmds, base_chain("input", "filter", "input", 0, "accept"));
	json_array_append_new(cmds, base_chain("postrouting", "nat", "postrouting", 100, "accept"));
	/* podnet's own uplink has podnet-slirp's TCP fast path behind it */
	fastpath = !o->uplink && !o->host_netns;
	if (fastpath) {
		json_array_append_new(cmds, base_chain("prerouting", "filter", "prerouting", -150, "accept"));
		/* replies of diverted connections belong to the transparent socket */
		json_array_append_new(cmds, rule("prerouting", json_pack("[o, o, o, o]",
			match("==", meta("l4proto"), json_string("tcp")),
			match("==", json_pack("{s:{s:s}}", "socket", "key", "transparent"), json_integer(1)),
			json_pack("{s:{s:o, s:i}}", "mangle", "key", meta("mark"), "value", PN_SLIRP_FASTPATH_MARK),
			verdict("accept"))));
	}

	json_array_append_new(cmds, rule("forward", json_pack("[o, o]",
		match("in", json_pack("{s:{s:s}}", "ct", "key", "state"), json_pack("[s, s]", "established", "related")),
		verdict("accept"))));
	if (ports)
		json_array_append_new(cmds, rule("forward", json_pack("[o, o]",
			match("in", json_pack("{s:{s:s}}", "ct", "key", "status"), json_string("dnat")),
			verdict("accept"))));
	/* replies to connections this namespace opened itself (forwarders, helpers, the host to a published port) */
	json_array_append_new(cmds, rule("input", json_pack("[o, o]",
		match("in", json_pack("{s:{s:s}}", "ct", "key", "state"), json_pack("[s, s]", "established", "related")),
		verdict("accept"))));
	if (!o->host_netns) {
		json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
			match("==", payload("ip", "daddr"), json_string(NETD_HOST_GATEWAY4)),
			match("!=", payload("ip", "saddr"), json_string("@host_allowed4")), verdict("drop"))));
		json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
			match("==", payload("ip6", "daddr"), json_string(NETD_HOST_GATEWAY6)),
			match("!=", payload("ip6", "saddr"), json_string("@host_allowed6")), verdict("drop"))));
	}
	for (size_t i = 0; i < n; i++) {
		const struct netd_network *net = &nets[i];

		/*
		 * Frames bridged between two ports of one network reach this hook when
		 * the host has br_netfilter loaded (its per-netns sysctls are not ours
		 * to change): in and out device are then both the bridge.
		 */
		json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
			match("==", meta("iifname"), json_string(net->bridge)),
			match("==", meta("oifname"), json_string(net->bridge)), verdict("accept"))));
		if (fastpath && !net->internal) {
			fastpath_rule(cmds, net->bridge, AF_INET, uplink);
			fastpath_rule(cmds, net->bridge, AF_INET6, uplink);
		}
		/* only the uplink is reachable by routing: other bridges fall to the drop policy */
		if (!net->internal && !o->host_netns)
			json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
				match("==", meta("iifname"), json_string(net->bridge)),
				match("==", meta("oifname"), json_string(uplink)), verdict("accept"))));
		/* host namespace, policy accept: an internal network does not leave its bridge */
		if (net->internal && o->host_netns)
			json_array_append_new(cmds, rule("forward", json_pack("[o, o]",
				match("==", meta("iifname"), json_string(net->bridge)), verdict("drop"))));
		input_rule(cmds, net, AF_INET);
		input_rule(cmds, net, AF_INET6);
	}
	/* host namespace: nothing new enters a bridge but from itself or by a published port */
	if (o->host_netns && n > 0)
		json_array_append_new(cmds, rule("forward", json_pack("[o, o]",
			match("==", meta("oifname"), bridge_set(nets, n)), verdict("drop"))));
	json_array_append_new(cmds, rule("postrouting", json_pack("[o, o]",
		match("==", meta("oifname"), json_string(uplink)),
		json_pack("{s:n}", "masquerade"))));
	if (ports) {
		json_t *local = match("==", json_pack("{s:{s:s, s:[s]}}", "fib", "result", "type", "flags", "daddr"),
				      json_string("local"));

		json_array_append_new(cmds, rule("postrouting", json_pack("[o, o, o]",
			match("in", json_pack("{s:{s:s}}", "ct", "key", "status"), json_string("dnat")),
			match("==", payload("ip", "saddr"), json_pack("{s:{s:s, s:i}}", "prefix", "addr", "127.0.0.0", "len", 8)),
			json_pack("{s:n}", "masquerade"))));
		if (any_v6(o->dnat, o->ndnat))
			json_array_append_new(cmds, rule("postrouting", json_pack("[o, o, o]",
				match("in", json_pack("{s:{s:s}}", "ct", "key", "status"), json_string("dnat")),
				match("==", payload("ip6", "saddr"), json_string("::1")),
				json_pack("{s:n}", "masquerade"))));
		json_array_append_new(cmds, base_chain("dstnat", "nat", "prerouting", -100, "accept"));
		json_array_append_new(cmds, base_chain("dstnat_out", "nat", "output", -100, "accept"));
		json_array_append_new(cmds, cmd("add", "chain", json_pack("{s:s}", "name", "hostports")));
		json_array_append_new(cmds, rule("dstnat", json_pack("[o, {s:{s:s}}]", json_deep_copy(local),
									"jump", "target", "hostports")));
		json_array_append_new(cmds, rule("dstnat_out", json_pack("[o, {s:{s:s}}]", local,
									    "jump", "target", "hostports")));
		/* hostports' own rules, without its add/flush (already created and flushed above) */
		for (size_t i = 2; i < json_array_size(json_object_get(hostports, "nftables")); i++)
			json_array_append(cmds, json_array_get(json_object_get(hostports, "nftables"), i));
	}
	json_decref(hostports);
	source_guard(cmds);
	return json_pack("{s:o}", "nftables", cmds);
}

bool netd_nft_dnat_valid(const struct netd_nft_dnat *d)
{
	if (strcmp(d->protocol, "tcp") != 0 && strcmp(d->protocol, "udp") != 0 && strcmp(d->protocol, "sctp") != 0)
		return false;
	if (d->addr.family != AF_INET && d->addr.family != AF_INET6)
		return false;
	if (d->host_ip.family && d->host_ip.family != d->addr.family)
		return false;
	return d->range >= 1 && d->host_port >= 1 && d->container_port >= 1 &&
	       d->host_port + d->range - 1 <= 65535 && d->container_port + d->range - 1 <= 65535;
}

/* one rule: [ip daddr HOST] l4proto dport[-range] dnat ADDR[:port | : dport map {...}] */
static json_t *dnat_rule(const struct netd_nft_dnat *d)
{
	const char *fam = d->addr.family == AF_INET ? "ip" : "ip6";
	json_t *expr = json_array(), *port, *dnat;
	char b[PN_IPSTR_MAX];

	if (d->host_ip.family)
		json_array_append_new(expr, match("==", payload(fam, "daddr"), json_string(pn_ip_format(&d->host_ip, b))));
	else
		json_array_append_new(expr, match("==", meta("nfproto"), json_string(d->addr.family == AF_INET ? "ipv4" : "ipv6")));
	json_array_append_new(expr, match("==", meta("l4proto"), json_string(d->protocol)));
	if (d->range == 1)
		json_array_append_new(expr, match("==", payload(d->protocol, "dport"), json_integer(d->host_port)));
	else
		json_array_append_new(expr, match("==", payload(d->protocol, "dport"),
						  json_pack("{s:[I, I]}", "range", (json_int_t)d->host_port,
							    (json_int_t)(d->host_port + d->range - 1))));
	if (d->range == 1 || d->host_port != d->container_port) {
		if (d->range == 1) {
			port = json_integer(d->container_port);
		} else {
			json_t *pairs = json_array();

			for (unsigned k = 0; k < d->range; k++)
				json_array_append_new(pairs, json_pack("[I, I]", (json_int_t)(d->host_port + k),
								       (json_int_t)(d->container_port + k)));
			port = json_pack("{s:{s:o, s:{s:o}}}", "map", "key", payload(d->protocol, "dport"), "data",
					 "set", pairs);
		}
		dnat = json_pack("{s:{s:s, s:s, s:o}}", "dnat", "family", fam, "addr", pn_ip_format(&d->addr, b),
				 "port", port);
	} else {
		/* the same ports on both sides: only the address changes */
		dnat = json_pack("{s:{s:s, s:s}}", "dnat", "family", fam, "addr", pn_ip_format(&d->addr, b));
	}
	json_array_append_new(expr, dnat);
	return rule("hostports", expr);
}

json_t *netd_nft_dnat_ruleset(const struct netd_nft_dnat *dnat, size_t n)
{
	json_t *cmds;

	if (n > NETD_DNAT_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!netd_nft_dnat_valid(&dnat[i]))
			return NULL;
	cmds = json_array();
	json_array_append_new(cmds, cmd("add", "chain", json_pack("{s:s}", "name", "hostports")));
	json_array_append_new(cmds, cmd("flush", "chain", json_pack("{s:s}", "name", "hostports")));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(cmds, dnat_rule(&dnat[i]));
	return json_pack("{s:o}", "nftables", cmds);
}

static int run_json(json_t *doc, struct pn_err *err)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);
	char msg[256];
	int r;

	if (!text)
		return pn_err_set(err, ENOMEM, "out of memory");
	r = pn_nft_run(text, true, msg, sizeof(msg));
	if (r < 0)
		return pn_err_set(err, -r, "nftables: %s", msg);
	return 0;
}

/* one expression of a raw rule: NFTA_LIST_ELEM { NAME, DATA { ... } } */
static void rexpr_begin(struct netd_nfnl_batch *b, const char *name)
{
	netd_nfnl_nest(b, NFTA_LIST_ELEM);
	netd_nfnl_attr_str(b, NFTA_EXPR_NAME, name);
	netd_nfnl_nest(b, NFTA_EXPR_DATA);
}

static void rexpr_end(struct netd_nfnl_batch *b)
{
	netd_nfnl_nest_end(b);
	netd_nfnl_nest_end(b);
}

static void rattr_u32(struct netd_nfnl_batch *b, uint16_t type, uint32_t v)
{
	uint32_t be = htonl(v);

	netd_nfnl_attr(b, type, &be, sizeof(be));
}

static void rexpr_meta(struct netd_nfnl_batch *b, uint32_t key, uint32_t dreg)
{
	rexpr_begin(b, "meta");
	rattr_u32(b, NFTA_META_KEY, key);
	rattr_u32(b, NFTA_META_DREG, dreg);
	rexpr_end(b);
}

static void rexpr_payload(struct netd_nfnl_batch *b, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg)
{
	rexpr_begin(b, "payload");
	rattr_u32(b, NFTA_PAYLOAD_DREG, dreg);
	rattr_u32(b, NFTA_PAYLOAD_BASE, base);
	rattr_u32(b, NFTA_PAYLOAD_OFFSET, offset);
	rattr_u32(b, NFTA_PAYLOAD_LEN, len);
	rexpr_end(b);
}

static void rexpr_cmp_eq(struct netd_nfnl_batch *b, const void *data, size_t len)
{
	rexpr_begin(b, "cmp");
	rattr_u32(b, NFTA_CMP_SREG, NFT_REG_1);
	rattr_u32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	netd_nfnl_nest(b, NFTA_CMP_DATA);
	netd_nfnl_attr(b, NFTA_DATA_VALUE, data, len);
	netd_nfnl_nest_end(b);
	rexpr_end(b);
}

/*
 * The source guard's rule for neighbour advertisements, appended to the chain
 * that the ruleset above (re)creates:
 *
 *   ether type ip6 meta l4proto ipv6-icmp icmpv6 type nd-neighbor-advert
 *     meta iifname . @th,64,128 != @port_addrs6 drop
 *
 * The target of an advertisement is what a neighbour cache learns, whatever
 * the packet's source: from a link-local source (allowed, for neighbour
 * discovery) a container could announce another's address and take its
 * traffic from the gateway and the other containers. ARP's sender address is
 * guarded the same way. nft 1.0.6 has no name for the target field, and its
 * front end refuses a raw payload against the set's address type, so the
 * rule is sent as a raw nfnetlink message; the kernel compares bytes.
 */
static int nd_guard_rule(struct pn_err *err)
{
	static const uint8_t ip6[2] = { 0x86, 0xdd }, icmp6 = IPPROTO_ICMPV6, na = 136;
	struct netd_nfnl_batch *b = malloc(sizeof(*b));
	int r;

	if (!b)
		return pn_err_set(err, ENOMEM, "out of memory");
	netd_nfnl_begin(b);
	netd_nfnl_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, NFPROTO_BRIDGE);
	netd_nfnl_attr_str(b, NFTA_RULE_TABLE, TABLE);
	netd_nfnl_attr_str(b, NFTA_RULE_CHAIN, NETD_NFT_GUARD_CHAIN);
	netd_nfnl_nest(b, NFTA_RULE_EXPRESSIONS);
	rexpr_meta(b, NFT_META_PROTOCOL, NFT_REG_1);
	rexpr_cmp_eq(b, ip6, sizeof(ip6));
	rexpr_meta(b, NFT_META_L4PROTO, NFT_REG_1);
	rexpr_cmp_eq(b, &icmp6, 1);
	rexpr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
	rexpr_cmp_eq(b, &na, 1);
	/* the set's key: the port's name in 16 bytes (NFT_REG_1), the address (NFT_REG_2) */
	rexpr_meta(b, NFT_META_IIFNAME, NFT_REG_1);
	rexpr_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG_2);
	rexpr_begin(b, "lookup");
	netd_nfnl_attr_str(b, NFTA_LOOKUP_SET, NETD_NFT_PORT_ADDRS6);
	rattr_u32(b, NFTA_LOOKUP_SREG, NFT_REG_1);
	rattr_u32(b, NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	rexpr_end(b);
	rexpr_begin(b, "immediate");
	rattr_u32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	netd_nfnl_nest(b, NFTA_IMMEDIATE_DATA);
	netd_nfnl_nest(b, NFTA_DATA_VERDICT);
	rattr_u32(b, NFTA_VERDICT_CODE, NF_DROP);
	netd_nfnl_nest_end(b);
	netd_nfnl_nest_end(b);
	rexpr_end(b);
	netd_nfnl_nest_end(b);
	r = netd_nfnl_commit(b);
	free(b);
	if (r < 0)
		return pn_err_set(err, -r, "nftables: cannot add the neighbour advertisement guard: %s", strerror(-r));
	return 0;
}

/* a whole ruleset (netd_nft_ruleset_opts()), then the rule it cannot say in JSON */
static int apply_ruleset(json_t *doc, struct pn_err *err)
{
	int r = run_json(doc, err);

	return r < 0 ? r : nd_guard_rule(err);
}

int netd_nft_apply(const struct netd_network *nets, size_t n, struct pn_err *err)
{
	return netd_nft_apply_uplink(nets, n, NULL, err);
}

int netd_nft_apply_uplink(const struct netd_network *nets, size_t n, const char *uplink,
			  struct pn_err *err)
{
	_cleanup_json_ json_t *doc = netd_nft_ruleset_uplink(nets, n, uplink);

	return apply_ruleset(doc, err);
}

int netd_nft_remove(struct pn_err *err)
{
	/* "add" first so that deleting an absent table is not an error */
	_cleanup_json_ json_t *doc = json_pack("{s:[o, o, o, o]}", "nftables", cmd("add", "table", json_object()),
					       cmd("delete", "table", json_object()),
					       cmd_in("bridge", "add", "table", json_object()),
					       cmd_in("bridge", "delete", "table", json_object()));

	return run_json(doc, err);
}

/* "add" then "delete": removing an element that is not there is no error */
static void element(json_t *cmds, const char *family, const char *set, json_t *elem, bool add)
{
	json_array_append_new(cmds, cmd_in(family, "add", "element",
					   json_pack("{s:s, s:[O]}", "name", set, "elem", elem)));
	if (!add)
		json_array_append_new(cmds, cmd_in(family, "delete", "element",
						   json_pack("{s:s, s:[O]}", "name", set, "elem", elem)));
	json_decref(elem);
}

static bool ips_valid(const struct pn_ip *ips, int nips)
{
	if (nips < 0)
		return false;
	for (int i = 0; i < nips; i++)
		if (ips[i].family != AF_INET && ips[i].family != AF_INET6)
			return false;
	return true;
}

/* @ips in host_allowed4/6 (with the table and sets, should the ruleset not be there yet) */
static void host_elements(json_t *cmds, const struct pn_ip *ips, int nips, bool add)
{
	char b[PN_IPSTR_MAX];

	if (nips > 0) {
		json_array_append_new(cmds, cmd("add", "table", json_object()));
		host_sets(cmds);
	}
	for (int i = 0; i < nips; i++)
		element(cmds, "inet", ips[i].family == AF_INET ? "host_allowed4" : "host_allowed6",
			json_string(pn_ip_format(&ips[i], b)), add);
}

/* @port_too: also the port's own element in guarded_ports (else its addresses only) */
static int port_elements(json_t *cmds, const char *host_ifname, const struct pn_ip *ips, int nips, bool add,
			 bool port_too)
{
	char b[PN_IPSTR_MAX];

	if (!host_ifname || !*host_ifname || strlen(host_ifname) >= 16 || !ips_valid(ips, nips))
		return -EINVAL;
	/* the table and its sets, should the ruleset not have been applied yet (a plugin's first attach) */
	json_array_append_new(cmds, cmd_in("bridge", "add", "table", json_object()));
	guard_sets(cmds);
	for (int i = 0; i < nips; i++) {
		pn_ip_format(&ips[i], b);
		element(cmds, "bridge", ips[i].family == AF_INET ? NETD_NFT_PORT_ADDRS4 : NETD_NFT_PORT_ADDRS6,
			json_pack("{s:[s, s]}", "concat", host_ifname, b), add);
	}
	/* one transaction: the port is never guarded without its addresses */
	if (port_too)
		element(cmds, "bridge", NETD_NFT_GUARDED, json_string(host_ifname), add);
	return 0;
}

int netd_nft_port_elements(json_t *cmds, const char *host_ifname, const struct pn_ip *ips, int nips,
			   bool host_access, bool add)
{
	int r = port_elements(cmds, host_ifname, ips, nips, add, true);

	if (r == 0 && host_access)
		host_elements(cmds, ips, nips, add);
	return r;
}

/*
 * The same elements as one raw nfnetlink batch (nfnl.h). Keys are laid out
 * as nf_tables stores them: an ifname is IFNAMSIZ bytes, zero-padded; in a
 * concatenation each part takes a multiple of 4 bytes.
 */
static void raw_element(struct netd_nfnl_batch *b, uint8_t family, const char *set, const void *key, size_t klen,
			bool add)
{
	/* removal adds first, so an element that is absent is no error (as element() does) */
	for (int del = 0; del < (add ? 1 : 2); del++) {
		netd_nfnl_msg(b, del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, del ? 0 : NLM_F_CREATE, family);
		netd_nfnl_attr_str(b, NFTA_SET_ELEM_LIST_TABLE, TABLE);
		netd_nfnl_attr_str(b, NFTA_SET_ELEM_LIST_SET, set);
		netd_nfnl_nest(b, NFTA_SET_ELEM_LIST_ELEMENTS);
		netd_nfnl_nest(b, NFTA_LIST_ELEM);
		netd_nfnl_nest(b, NFTA_SET_ELEM_KEY);
		netd_nfnl_attr(b, NFTA_DATA_VALUE, key, klen);
		netd_nfnl_nest_end(b);
		netd_nfnl_nest_end(b);
		netd_nfnl_nest_end(b);
	}
}

static void raw_host_elements(struct netd_nfnl_batch *b, const struct pn_ip *ips, int nips, bool add)
{
	for (int i = 0; i < nips; i++) {
		bool v4 = ips[i].family == AF_INET;

		raw_element(b, NFPROTO_INET, v4 ? "host_allowed4" : "host_allowed6", ips[i].b, v4 ? 4 : 16, add);
	}
}

static void raw_port_elements(struct netd_nfnl_batch *b, const char *host_ifname, const struct pn_ip *ips, int nips,
			      bool add, bool port_too)
{
	uint8_t key[IFNAMSIZ + 16];

	for (int i = 0; i < nips; i++) {
		bool v4 = ips[i].family == AF_INET;
		size_t alen = v4 ? 4 : 16;

		memset(key, 0, sizeof(key));
		memcpy(key, host_ifname, strlen(host_ifname));
		memcpy(key + IFNAMSIZ, ips[i].b, alen);
		raw_element(b, NFPROTO_BRIDGE, v4 ? NETD_NFT_PORT_ADDRS4 : NETD_NFT_PORT_ADDRS6, key, IFNAMSIZ + alen, add);
	}
	if (!port_too)
		return;
	memset(key, 0, sizeof(key));
	memcpy(key, host_ifname, strlen(host_ifname));
	raw_element(b, NFPROTO_BRIDGE, NETD_NFT_GUARDED, key, IFNAMSIZ, add);
}

void netd_nft_elems_init(struct netd_nft_elems *e)
{
	netd_nfnl_begin(&e->nl);
	e->cmds = json_array();
}

/* both forms of the same elements: the batch, and libnftables' commands should it fail */
static int elems_port(struct netd_nft_elems *e, const char *host_ifname, const struct pn_ip *ips, int nips, bool add,
		      bool port_too)
{
	int r = port_elements(e->cmds, host_ifname, ips, nips, add, port_too);

	if (r == 0)
		raw_port_elements(&e->nl, host_ifname, ips, nips, add, port_too);
	return r;
}

int netd_nft_elems_add(struct netd_nft_elems *e, const char *host_ifname, const struct pn_ip *ips, int nips,
		       bool add)
{
	return elems_port(e, host_ifname, ips, nips, add, true);
}

int netd_nft_elems_addrs(struct netd_nft_elems *e, const char *host_ifname, const struct pn_ip *ips, int nips,
			 bool add)
{
	return elems_port(e, host_ifname, ips, nips, add, false);
}

int netd_nft_elems_host(struct netd_nft_elems *e, const struct pn_ip *ips, int nips, bool add)
{
	if (!ips_valid(ips, nips))
		return -EINVAL;
	host_elements(e->cmds, ips, nips, add);
	raw_host_elements(&e->nl, ips, nips, add);
	return 0;
}

int netd_nft_elems_commit(struct netd_nft_elems *e, struct pn_err *err)
{
	int r = netd_nfnl_commit(&e->nl);

	/*
	 * The batch fails when a table or set does not exist yet (a plugin's
	 * first attach, before any ruleset): libnftables then creates them
	 * with the elements, in one transaction too.
	 */
	if (r < 0)
		r = netd_nft_commit(e->cmds, err);
	json_decref(e->cmds);
	e->cmds = NULL;
	return r;
}

int netd_nft_elems_commit_removal(struct netd_nft_elems *e, struct pn_err *err)
{
	int r = netd_nfnl_commit(&e->nl);

	json_decref(e->cmds);
	e->cmds = NULL;
	if (r == -ENOENT)
		return 0;
	return r < 0 ? pn_err_set(err, -r, "cannot remove nftables set elements: %s", strerror(-r)) : 0;
}

int netd_nft_commit(json_t *cmds, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = json_pack("{s:O}", "nftables", cmds);

	return json_array_size(cmds) ? run_json(doc, err) : 0;
}

int netd_nft_apply_opts(const struct netd_network *nets, size_t n, const struct netd_nft_opts *opts,
			struct pn_err *err)
{
	_cleanup_json_ json_t *doc = netd_nft_ruleset_opts(nets, n, opts);

	if (!doc)
		return pn_err_set(err, EINVAL, "invalid port mapping");
	return apply_ruleset(doc, err);
}

int netd_nft_dnat_sync(const struct netd_nft_dnat *dnat, size_t n, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = netd_nft_dnat_ruleset(dnat, n);

	if (!doc)
		return pn_err_set(err, EINVAL, "invalid port mapping");
	return run_json(doc, err);
}
