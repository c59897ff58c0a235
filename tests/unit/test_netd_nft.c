// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the nftables rule set is per network, never per container, and isolates bridges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "nft.h"

static size_t count_rules(json_t *doc, const char *chain)
{
	json_t *cmds = json_object_get(doc, "nftables"), *c;
	size_t i, n = 0;

	json_array_foreach(cmds, i, c) {
		json_t *r = json_object_get(json_object_get(c, "add"), "rule");

		if (r && strcmp(json_string_value(json_object_get(r, "chain")), chain) == 0)
			n++;
	}
	return n;
}

static bool has_accept_to_tap(json_t *doc, const char *bridge)
{
	char *s = json_dumps(doc, JSON_COMPACT);
	char needle[256];
	bool found;

	snprintf(needle, sizeof(needle),
		 "\"right\":\"%s\"}},{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"oifname\"}},\"right\":\"%s\"",
		 bridge, NETD_TAP_IFNAME);
	found = strstr(s, needle) != NULL;
	free(s);
	return found;
}

/* does @doc's compact JSON text contain @needle? */
static bool doc_has(json_t *doc, const char *needle)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	bool found = text && strstr(text, needle);

	free(text);
	return found;
}

static void test_rules(void **state)
{
	struct netd_network nets[2];
	struct netd_network_opts a = { .name = "app" }, b = { .name = "db", .internal = true };
	struct pn_err err = { 0 };
	json_t *doc, *chain_cmd;

	(void)state;
	assert_int_equal(netd_network_build(&a, NULL, 0, NULL, 0, &nets[0], &err), 0);
	assert_int_equal(netd_network_build(&b, nets, 1, NULL, 0, &nets[1], &err), 0);
	doc = netd_nft_ruleset(nets, 2);
	/* forward: established + 2 host-gateway guards + same-bridge per network + one uplink accept (db is internal) */
	assert_int_equal(count_rules(doc, "forward"), 6);
	assert_true(has_accept_to_tap(doc, "podnet0"));
	assert_false(has_accept_to_tap(doc, "podnet1"));
	/* input: replies accepted, then one rule per network and family */
	assert_int_equal(count_rules(doc, "input"), 5);
	assert_int_equal(count_rules(doc, "postrouting"), 1);
	/* the slirp fast path: the transparent-socket mark, then IPv4 and IPv6 per outgoing network,
	 * to the outside and to the host gateway (from host_allowed sources only) */
	assert_int_equal(count_rules(doc, "prerouting"), 1 + 2 * 2);
	assert_true(doc_has(doc, "\"right\":\"@host_allowed4\""));
	assert_true(doc_has(doc, "\"right\":\"10.0.2.2\""));
	/* the forward chain drops by default: bridge to bridge is never accepted */
	chain_cmd = json_object_get(json_object_get(json_array_get(json_object_get(doc, "nftables"), 4), "add"), "chain");
	assert_string_equal(json_string_value(json_object_get(chain_cmd, "name")), "forward");
	assert_string_equal(json_string_value(json_object_get(chain_cmd, "policy")), "drop");
	json_decref(doc);
	/* the rule count depends on networks only */
	doc = netd_nft_ruleset(nets, 1);
	assert_int_equal(count_rules(doc, "input"), 3);
	json_decref(doc);
	netd_network_clear(&nets[0]);
	netd_network_clear(&nets[1]);
}

/* published ports of the Podman front: DNAT rules in their own chain, policy accept in the host */
static void test_dnat(void **state)
{
	struct netd_network nets[1];
	struct netd_network_opts a = { .name = "app" };
	struct netd_nft_dnat d = { .host_port = 18100, .container_port = 8100, .range = 3, .protocol = "udp" };
	struct netd_nft_opts o = { .host_netns = true, .dnat = &d, .ndnat = 1 };
	struct pn_err err = { 0 };
	json_t *doc, *chain;
	char *text;

	(void)state;
	assert_int_equal(netd_network_build(&a, NULL, 0, NULL, 0, &nets[0], &err), 0);
	pn_ip_parse("10.89.0.3", &d.addr);
	doc = netd_nft_ruleset_opts(nets, 1, &o);
	assert_non_null(doc);
	assert_true(count_rules(doc, "hostports") >= 1);
	chain = json_object_get(json_object_get(json_array_get(json_object_get(doc, "nftables"), 4), "add"), "chain");
	assert_string_equal(json_string_value(json_object_get(chain, "policy")), "accept");
	/* the host namespace gets no slirp fast path */
	assert_int_equal(count_rules(doc, "prerouting"), 0);
	text = json_dumps(doc, JSON_COMPACT);
	assert_non_null(strstr(text, "10.89.0.3"));
	free(text);
	json_decref(doc);
	/* a mapping of zero ports is refused */
	d.range = 0;
	assert_null(netd_nft_ruleset_opts(nets, 1, &o));
	netd_network_clear(&nets[0]);
}


/* the commands of @doc that add a rule to the source guard of table bridge podnet */
static size_t count_guard_rules(json_t *doc)
{
	json_t *c;
	size_t i, n = 0;

	json_array_foreach(json_object_get(doc, "nftables"), i, c) {
		json_t *r = json_object_get(json_object_get(c, "add"), "rule");

		if (r && strcmp(json_string_value(json_object_get(r, "family")), "bridge") == 0 &&
		    strcmp(json_string_value(json_object_get(r, "chain")), NETD_NFT_GUARD_CHAIN) == 0)
			n++;
	}
	return n;
}

/*
 * Source addresses: a container may send from its own addresses only. The
 * rules of table bridge podnet are fixed (one ruleset for any number of
 * networks and containers); rebuilding flushes the chain but keeps the sets.
 */
static void test_source_guard(void **state)
{
	struct netd_network nets[2];
	struct netd_network_opts a = { .name = "app" }, b = { .name = "db" };
	struct netd_nft_opts host = { .host_netns = true };
	struct pn_err err = { 0 };
	json_t *doc;

	(void)state;
	assert_int_equal(netd_network_build(&a, NULL, 0, NULL, 0, &nets[0], &err), 0);
	assert_int_equal(netd_network_build(&b, nets, 1, NULL, 0, &nets[1], &err), 0);
	doc = netd_nft_ruleset(nets, 1);
	/* unguarded ports pass; IPv4, ARP sender and IPv6 (but link-local and ::) must be the port's */
	assert_int_equal(count_guard_rules(doc), 4);
	assert_true(doc_has(doc, "{\"add\":{\"table\":{\"family\":\"bridge\",\"name\":\"podnet\"}}}"));
	assert_true(doc_has(doc, "\"hook\":\"prerouting\""));
	assert_true(doc_has(doc, "{\"flush\":{\"chain\":{\"name\":\"source_guard\",\"family\":\"bridge\""));
	assert_false(doc_has(doc, "{\"flush\":{\"table\":{\"family\":\"bridge\""));
	assert_true(doc_has(doc, "{\"match\":{\"op\":\"!=\",\"left\":{\"meta\":{\"key\":\"iifname\"}},"
				 "\"right\":\"@guarded_ports\"}},{\"accept\":null}"));
	assert_true(doc_has(doc, "{\"concat\":[{\"meta\":{\"key\":\"iifname\"}},"
				 "{\"payload\":{\"protocol\":\"ip\",\"field\":\"saddr\"}}]},\"right\":\"@port_addrs4\"}},"
				 "{\"drop\":null}"));
	assert_true(doc_has(doc, "{\"payload\":{\"protocol\":\"arp\",\"field\":\"saddr ip\"}}]},"
				 "\"right\":\"@port_addrs4\"}},{\"drop\":null}"));
	assert_true(doc_has(doc, "{\"set\":[\"::\",{\"prefix\":{\"addr\":\"fe80::\",\"len\":10}}]}"));
	assert_true(doc_has(doc, "{\"payload\":{\"protocol\":\"ip6\",\"field\":\"saddr\"}}]},"
				 "\"right\":\"@port_addrs6\"}},{\"drop\":null}"));
	json_decref(doc);
	/* the same four rules for two networks, and in the host's namespace */
	doc = netd_nft_ruleset(nets, 2);
	assert_int_equal(count_guard_rules(doc), 4);
	json_decref(doc);
	doc = netd_nft_ruleset_opts(nets, 2, &host);
	assert_int_equal(count_guard_rules(doc), 4);
	json_decref(doc);
	netd_network_clear(&nets[0]);
	netd_network_clear(&nets[1]);
}

/* one attachment: its port and addresses as set elements, host access only when asked */
static void test_port_elements(void **state)
{
	struct pn_ip ips[2];
	struct pn_err err = { 0 };
	json_t *cmds = json_array(), *doc;

	(void)state;
	(void)err;
	pn_ip_parse("10.89.0.3", &ips[0]);
	pn_ip_parse("fd89::3", &ips[1]);
	assert_int_equal(netd_nft_port_elements(cmds, "pn01234567-0", ips, 2, false, true), 0);
	doc = json_pack("{s:O}", "nftables", cmds);
	assert_true(doc_has(doc, "{\"add\":{\"element\":{\"name\":\"port_addrs4\",\"elem\":[{\"concat\":"
				 "[\"pn01234567-0\",\"10.89.0.3\"]}],\"family\":\"bridge\",\"table\":\"podnet\"}}}"));
	assert_true(doc_has(doc, "{\"add\":{\"element\":{\"name\":\"port_addrs6\",\"elem\":[{\"concat\":"
				 "[\"pn01234567-0\",\"fd89::3\"]}]"));
	assert_true(doc_has(doc, "{\"add\":{\"element\":{\"name\":\"guarded_ports\",\"elem\":[\"pn01234567-0\"]"));
	assert_false(doc_has(doc, "host_allowed"));
	assert_false(doc_has(doc, "delete"));
	json_decref(doc);
	/* removal: add then delete each, so that an element already gone is no error; host access too */
	json_array_clear(cmds);
	assert_int_equal(netd_nft_port_elements(cmds, "pn01234567-0", ips, 2, true, false), 0);
	doc = json_pack("{s:O}", "nftables", cmds);
	assert_true(doc_has(doc, "{\"delete\":{\"element\":{\"name\":\"port_addrs4\",\"elem\":[{\"concat\":"
				 "[\"pn01234567-0\",\"10.89.0.3\"]}]"));
	assert_true(doc_has(doc, "{\"delete\":{\"element\":{\"name\":\"host_allowed4\",\"elem\":[\"10.89.0.3\"]"));
	assert_true(doc_has(doc, "{\"delete\":{\"element\":{\"name\":\"host_allowed6\",\"elem\":[\"fd89::3\"]"));
	assert_true(doc_has(doc, "{\"delete\":{\"element\":{\"name\":\"guarded_ports\",\"elem\":[\"pn01234567-0\"]"));
	json_decref(doc);
	/* a bad name or family appends nothing */
	json_array_clear(cmds);
	assert_int_equal(netd_nft_port_elements(cmds, "", ips, 2, false, true), -EINVAL);
	assert_int_equal(netd_nft_port_elements(cmds, "a-name-far-too-long", ips, 2, false, true), -EINVAL);
	ips[1].family = 0;
	assert_int_equal(netd_nft_port_elements(cmds, "pn01234567-0", ips, 2, false, true), -EINVAL);
	assert_int_equal(json_array_size(cmds), 0);
	json_decref(cmds);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rules), cmocka_unit_test(test_dnat),
					    cmocka_unit_test(test_source_guard), cmocka_unit_test(test_port_elements) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
