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
	/* the slirp fast path: the transparent-socket mark, then IPv4 and IPv6 per outgoing network */
	assert_int_equal(count_rules(doc, "prerouting"), 1 + 2);
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

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rules), cmocka_unit_test(test_dnat) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
