// SPDX-License-Identifier: GPL-2.0-or-later
/* The podnet nftables table, as JSON through libnftables: see nft.h. */
#include "nft.h"
#include "cleanup.h"

#include "nftrun.h"
#include <string.h>

#define TABLE "podnet"

static json_t *cmd(const char *verb, const char *kind, json_t *obj)
{
	json_object_set_new(obj, "family", json_string("inet"));
	if (strcmp(kind, "table") != 0)
		json_object_set_new(obj, "table", json_string(TABLE));
	else
		json_object_set_new(obj, "name", json_string(TABLE));
	return json_pack("{s:{s:o}}", verb, kind, obj);
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
	json_t *cmds = json_array();

	if (!uplink)
		uplink = NETD_TAP_IFNAME;

	json_array_append_new(cmds, cmd("add", "table", json_object()));
	json_array_append_new(cmds, cmd("flush", "table", json_object()));
	/* sets survive a table flush: per-container elements are kept */
	json_array_append_new(cmds, cmd("add", "set", json_pack("{s:s, s:s}", "name", "host_allowed4", "type", "ipv4_addr")));
	json_array_append_new(cmds, cmd("add", "set", json_pack("{s:s, s:s}", "name", "host_allowed6", "type", "ipv6_addr")));
	json_array_append_new(cmds, base_chain("forward", "filter", "forward", 0, "drop"));
	json_array_append_new(cmds, base_chain("input", "filter", "input", 0, "accept"));
	json_array_append_new(cmds, base_chain("postrouting", "nat", "postrouting", 100, "accept"));

	json_array_append_new(cmds, rule("forward", json_pack("[o, o]",
		match("in", json_pack("{s:{s:s}}", "ct", "key", "state"), json_pack("[s, s]", "established", "related")),
		verdict("accept"))));
	json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
		match("==", payload("ip", "daddr"), json_string(NETD_HOST_GATEWAY4)),
		match("!=", payload("ip", "saddr"), json_string("@host_allowed4")), verdict("drop"))));
	json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
		match("==", payload("ip6", "daddr"), json_string(NETD_HOST_GATEWAY6)),
		match("!=", payload("ip6", "saddr"), json_string("@host_allowed6")), verdict("drop"))));
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
		/* only the uplink is reachable by routing: other bridges fall to the drop policy */
		if (!net->internal)
			json_array_append_new(cmds, rule("forward", json_pack("[o, o, o]",
				match("==", meta("iifname"), json_string(net->bridge)),
				match("==", meta("oifname"), json_string(uplink)), verdict("accept"))));
		input_rule(cmds, net, AF_INET);
		input_rule(cmds, net, AF_INET6);
	}
	json_array_append_new(cmds, rule("postrouting", json_pack("[o, o]",
		match("==", meta("oifname"), json_string(uplink)),
		json_pack("{s:n}", "masquerade"))));
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

int netd_nft_apply(const struct netd_network *nets, size_t n, struct pn_err *err)
{
	return netd_nft_apply_uplink(nets, n, NULL, err);
}

int netd_nft_apply_uplink(const struct netd_network *nets, size_t n, const char *uplink,
			  struct pn_err *err)
{
	_cleanup_json_ json_t *doc = netd_nft_ruleset_uplink(nets, n, uplink);

	return run_json(doc, err);
}

int netd_nft_remove(struct pn_err *err)
{
	/* "add" first so that deleting an absent table is not an error */
	_cleanup_json_ json_t *doc = json_pack("{s:[o, o]}", "nftables", cmd("add", "table", json_object()),
					       cmd("delete", "table", json_object()));

	return run_json(doc, err);
}

int netd_nft_host_access(const struct pn_ip *ips, int nips, bool allow, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *cmds = json_array();
	char b[PN_IPSTR_MAX];

	for (int i = 0; i < nips; i++) {
		const char *set = ips[i].family == AF_INET ? "host_allowed4" : "host_allowed6";

		json_array_append_new(cmds, cmd(allow ? "add" : "delete", "element",
						json_pack("{s:s, s:[s]}", "name", set, "elem", pn_ip_format(&ips[i], b))));
	}
	doc = json_pack("{s:o}", "nftables", cmds);
	return json_array_size(cmds) ? run_json(doc, err) : 0;
}
