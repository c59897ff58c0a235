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
	/* input: one rule per network and family */
	assert_int_equal(count_rules(doc, "input"), 4);
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
	assert_int_equal(count_rules(doc, "input"), 2);
	json_decref(doc);
	netd_network_clear(&nets[0]);
	netd_network_clear(&nets[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_rules) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
