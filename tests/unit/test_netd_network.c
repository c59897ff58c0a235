// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: network names, option validation, subnet choice, JSON round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "link.h"
#include "network.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(netd_name_valid("app"));
	assert_true(netd_name_valid("a.b_c-1"));
	assert_true(netd_name_valid("0db"));
	assert_false(netd_name_valid(""));
	assert_false(netd_name_valid("-app"));
	assert_false(netd_name_valid(".app"));
	assert_false(netd_name_valid("a/b"));
	assert_false(netd_name_valid("a b"));
	assert_false(netd_name_valid("äpp"));
	char longname[80];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(netd_name_valid(longname));
	longname[NETD_NAME_MAX] = '\0';
	assert_true(netd_name_valid(longname));
}

/* the reason an error message gives, for each way a name can be wrong */
static void test_name_problems(void **state)
{
	static const struct {
		const char *name, *why;
	} cases[] = {
		{ "app", NULL },
		{ "", "it is empty" },
		{ "-app", "it must start with a letter or digit" },
		{ "a/b", "'/' is not allowed: use letters, digits, '_', '.', '-'" },
		{ "a b", "byte 0x20 is not allowed: use letters, digits, '_', '.', '-'" },
		{ "a\nb", "byte 0x0a is not allowed: use letters, digits, '_', '.', '-'" },
		{ "\xc3\xa4pp", "it must start with a letter or digit" },
		{ "p\xc3\xa4", "byte 0xc3 is not allowed: use letters, digits, '_', '.', '-'" },
		{ "abcdefgh", "it is longer than 7 characters" },
	};
	char buf[NETD_NAME_PROBLEM_LEN];
	struct pn_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = netd_name_problem(cases[i].name, strlen(cases[i].name), 7, buf, sizeof(buf));

		if (!cases[i].why)
			assert_null(why);
		else
			assert_string_equal(why, cases[i].why);
	}
	assert_int_equal(netd_name_check("pod name", "x/y", NETD_NAME_MAX, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid pod name \"x/y\": '/' is not allowed: use letters, digits, '_', '.', '-'");
	assert_int_equal(netd_name_check("pod name", NULL, NETD_NAME_MAX, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid pod name \"\": it is empty");
	assert_int_equal(netd_name_check("pod name", "ok", NETD_NAME_MAX, &err), 0);
}

static int build(struct netd_network_opts *o, struct netd_network *ex, size_t nex, struct netd_network *out,
		 struct pn_err *err)
{
	return netd_network_build(o, ex, nex, NULL, 0, out, err);
}

static void test_build_defaults(void **state)
{
	struct netd_network_opts o = { .name = "app" };
	struct netd_network a, b;
	struct pn_err err = { 0 };
	char buf[PN_CIDRSTR_MAX];

	(void)state;
	assert_int_equal(build(&o, NULL, 0, &a, &err), 0);
	assert_string_equal(pn_cidr_format(&a.subnets[0].subnet, buf), "10.89.0.0/24");
	assert_string_equal(pn_ip_format(&a.subnets[0].gateway, buf), "10.89.0.1");
	assert_string_equal(a.bridge, "podnet0");
	assert_true(a.dns);
	assert_int_equal(strlen(a.id), 64);
	o.name = "db";
	assert_int_equal(build(&o, &a, 1, &b, &err), 0);
	assert_string_equal(pn_cidr_format(&b.subnets[0].subnet, buf), "10.89.1.0/24");
	assert_string_equal(b.bridge, "podnet1");
	/* duplicate name */
	o.name = "app";
	assert_int_equal(build(&o, &a, 1, &b, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "already exists"));
	netd_network_clear(&a);
	netd_network_clear(&b);
}

static void test_build_avoids_host_routes(void **state)
{
	struct netd_network_opts o = { .name = "app" };
	struct netd_network a;
	struct pn_cidr avoid[2];
	struct pn_err err = { 0 };
	char buf[PN_CIDRSTR_MAX];

	(void)state;
	pn_cidr_parse("10.89.0.0/23", true, &avoid[0]);
	pn_cidr_parse("10.89.2.128/25", true, &avoid[1]);
	assert_int_equal(netd_network_build(&o, NULL, 0, avoid, 2, &a, &err), 0);
	assert_string_equal(pn_cidr_format(&a.subnets[0].subnet, buf), "10.89.3.0/24");
	netd_network_clear(&a);
}

static void test_build_errors(void **state)
{
	struct netd_network_opts o = { .name = "x", .nsubnets = 1 };
	struct netd_network a, ex;
	struct pn_err err = { 0 };

	(void)state;
	o.subnets[0] = "10.99.0.0/33";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid subnet"));
	o.subnets[0] = "10.99.0.1/24";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "host bits"));
	o.subnets[0] = "10.99.0.0/24";
	o.gateways[0] = "10.98.0.1";
	o.ngateways = 1;
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not in subnet"));
	o.gateways[0] = "10.99.0.255";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	o.ngateways = 0;
	o.ip_range = "10.98.0.0/25";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "range"));
	o.ip_range = NULL;
	/* overlap with an existing network */
	{
		struct netd_network_opts e = { .name = "e", .nsubnets = 1, .subnets = { "10.99.0.0/16" } };

		assert_int_equal(build(&e, NULL, 0, &ex, &err), 0);
		assert_int_equal(build(&o, &ex, 1, &a, &err), -EEXIST);
		assert_non_null(strstr(err.msg, "overlaps network e"));
		netd_network_clear(&ex);
	}
	o.name = "-bad";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid network name"));
	o.name = "x";
	o.driver = "macvlan";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	o.driver = NULL;
	/* loopback, multicast, unspecified and reserved blocks are no container network */
	{
		static const struct {
			const char *subnet, *msg;
		} special[] = {
			{ "224.0.0.0/24", "overlaps 224.0.0.0/4 (multicast addresses)" },
			{ "239.1.0.0/16", "overlaps 224.0.0.0/4 (multicast addresses)" },
			{ "127.0.0.0/8", "overlaps 127.0.0.0/8 (loopback addresses)" },
			{ "127.5.0.0/24", "overlaps 127.0.0.0/8 (loopback addresses)" },
			{ "0.0.0.0/8", "overlaps 0.0.0.0/8" },
			{ "0.0.0.0/1", "overlaps 0.0.0.0/8" },
			{ "255.255.255.0/24", "overlaps 240.0.0.0/4" },
			{ "ff00::/8", "overlaps ff00::/8 (multicast addresses)" },
			{ "ff02::/64", "overlaps ff00::/8 (multicast addresses)" },
			{ "::1/128", "overlaps ::1/128 (the loopback address)" },
			{ "::/128", "overlaps ::/128 (the unspecified address)" },
			{ "::/64", "overlaps ::/128 (the unspecified address)" },
		};

		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
			o.subnets[0] = special[i].subnet;
			o.nsubnets = 1;
			pn_err_clear(&err);
			assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
			if (!strstr(err.msg, special[i].msg) || !strstr(err.msg, "invalid subnet"))
				fail_msg("--subnet %s: got \"%s\"", special[i].subnet, err.msg);
		}
		/* neighbours of those blocks are fine */
		static const char *const fine[] = { "1.0.0.0/24", "126.255.255.0/24", "223.255.255.0/24", "fe00::/64", "::2:0/112" };

		for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
			o.subnets[0] = fine[i];
			if (build(&o, NULL, 0, &a, &err) != 0)
				fail_msg("--subnet %s rejected: %s", fine[i], err.msg);
			netd_network_clear(&a);
		}
		o.subnets[0] = "10.99.0.0/24";
	}
	/* podman's network modes are not network names */
	{
		static const char *const modes[] = { "none", "host", "bridge", "private", "slirp4netns",
						     "pasta", "container", "ns", "default" };

		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			char want[128];

			o.name = modes[i];
			assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
			snprintf(want, sizeof(want),
				 "cannot create network with name \"%s\" because it conflicts with a valid network mode",
				 modes[i]);
			assert_string_equal(err.msg, want);
		}
		o.name = "bridge0";
		assert_int_equal(build(&o, NULL, 0, &a, &err), 0);
		netd_network_clear(&a);
		/* nor the names of the other files in $RUN/dns, where records files are named after networks */
		{
			static const char *const files[] = { "podnet-dns.pid", "host-gateway", "web.tmp.42" };

			for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
				o.name = files[i];
				assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
				assert_non_null(strstr(err.msg, "reserved for podnet's own files"));
			}
		}
		o.name = "web.tmp";
		assert_int_equal(build(&o, NULL, 0, &a, &err), 0);
		netd_network_clear(&a);
		o.name = "podnet";
		assert_int_equal(build(&o, NULL, 0, &a, &err), 0);
		netd_network_clear(&a);
	}
}

static void test_build_ipv6_and_range(void **state)
{
	struct netd_network_opts o = { .name = "v6", .ipv6 = true };
	struct netd_network a;
	struct pn_err err = { 0 };
	char buf[PN_CIDRSTR_MAX];

	(void)state;
	assert_int_equal(build(&o, NULL, 0, &a, &err), 0);
	assert_int_equal(a.nsubnets, 2);
	assert_string_equal(pn_cidr_format(&a.subnets[1].subnet, buf), "fd89:7f3a:e0c1::/64");
	assert_string_equal(pn_ip_format(&a.subnets[1].gateway, buf), "fd89:7f3a:e0c1::1");
	netd_network_clear(&a);

	struct netd_network_opts r = { .name = "r", .nsubnets = 1, .subnets = { "10.89.50.0/24" },
				       .ngateways = 1, .gateways = { "10.89.50.254" }, .ip_range = "10.89.50.128/25" };

	assert_int_equal(build(&r, NULL, 0, &a, &err), 0);
	assert_true(a.subnets[0].has_range);
	assert_string_equal(pn_ip_format(&a.subnets[0].range_start, buf), "10.89.50.129");
	assert_string_equal(pn_ip_format(&a.subnets[0].range_end, buf), "10.89.50.255");
	netd_network_clear(&a);
}

static void test_json_round_trip(void **state)
{
	struct netd_network_opts o = { .name = "app", .internal = true, .disable_dns = true };
	struct netd_network a, b;
	struct pn_err err = { 0 };
	json_t *doc;

	(void)state;
	o.labels = json_pack("{s:s}", "tier", "front");
	o.options = json_pack("{s:s}", "mtu", "1400");
	o.dns[o.ndns++] = "192.0.2.53";
	o.dns[o.ndns++] = "2001:DB8::53";
	assert_int_equal(build(&o, NULL, 0, &a, &err), 0);
	assert_int_equal(a.mtu, 1400);
	doc = netd_network_to_json(&a);
	/* Podman's key; addresses in their canonical form */
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "network_dns_servers"), 1)),
			    "2001:db8::53");
	assert_int_equal(netd_network_from_json(doc, &b, &err), 0);
	assert_string_equal(a.id, b.id);
	assert_true(b.internal);
	assert_false(b.dns);
	assert_int_equal(b.mtu, 1400);
	assert_string_equal(json_string_value(json_object_get(b.labels, "tier")), "front");
	assert_int_equal(json_array_size(b.dns_servers), 2);
	assert_string_equal(json_string_value(json_array_get(b.dns_servers, 0)), "192.0.2.53");
	json_decref(doc);
	netd_network_clear(&a);
	netd_network_clear(&b);
	json_decref(o.labels);
	json_decref(o.options);
	/* a bad --dns */
	o.labels = NULL;
	o.options = NULL;
	o.dns[0] = "dns.example";
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	assert_string_equal(err.msg, "invalid --dns \"dns.example\": want an IPv4 or IPv6 address");
	o.ndns = 0;
	/* a bad mtu option */
	o.options = json_pack("{s:s}", "mtu", "12x");
	assert_int_equal(build(&o, NULL, 0, &a, &err), -EINVAL);
	json_decref(o.options);
}

static void test_json_rejects_corrupt(void **state)
{
	struct netd_network n;
	struct pn_err err = { 0 };
	const char *bad[] = {
		"[]",
		"{\"name\": 3}",
		"{\"name\": \"a\", \"network_interface\": \"podnet0\"}",
		"{\"name\": \"a\", \"network_interface\": \"podnet0\", \"subnets\": [{\"subnet\": \"10.0.0.1/24\"}]}",
		"{\"name\": \"a\", \"network_interface\": \"podnet0\", \"subnets\": [{\"subnet\": \"10.0.0.0/24\", \"gateway\": \"11.0.0.1\"}]}",
		"{\"name\": \"../x\", \"network_interface\": \"podnet0\", \"subnets\": [{\"subnet\": \"10.0.0.0/24\"}]}",
		"{\"name\": \"a\", \"network_interface\": \"this-is-far-too-long\", \"subnets\": [{\"subnet\": \"10.0.0.0/24\"}]}",
		"{\"name\": \"a\", \"network_interface\": \"podnet0\", \"subnets\": [{\"subnet\": \"10.0.0.0/24\"}],"
		" \"network_dns_servers\": [\"not-an-ip\"]}",
		"{\"name\": \"a\", \"network_interface\": \"podnet0\", \"subnets\": [{\"subnet\": \"10.0.0.0/24\"}],"
		" \"network_dns_servers\": \"192.0.2.1\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = json_loads(bad[i], 0, NULL);

		assert_non_null(doc);
		assert_int_equal(netd_network_from_json(doc, &n, &err), -EINVAL);
		json_decref(doc);
	}
}

static void test_mac_parse(void **state)
{
	static const char *bad[] = { "02:aa:bb:cc:-1:ee", "02:aa:bb:cc: d:ee", "02:aa:bb:cc:+d:ee", "02:aa:bb:cc:dd:e",
				     "02-aa-bb-cc-dd-ee", "02:aa:bb:cc:dd:eeX", "03:aa:bb:cc:dd:ee", "0x:aa:bb:cc:dd:ee",
				     "", "02:aa:bb:cc:dd:e ", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01" };
	unsigned char m[6], want[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

	(void)state;
	assert_int_equal(netd_mac_parse("02:aa:bb:cc:dd:ee", m), 0);
	assert_memory_equal(m, want, 6);
	assert_int_equal(netd_mac_parse("02:AA:BB:CC:DD:EE", m), 0);
	assert_memory_equal(m, want, 6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(m, 0x55, sizeof(m));
		if (netd_mac_parse(bad[i], m) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(m[0], 0x55); /* untouched on error */
	}
	assert_int_equal(netd_mac_parse(NULL, m), -EINVAL);
	/* one bit set is enough to be a unicast address */
	assert_int_equal(netd_mac_parse("00:00:00:00:00:01", m), 0);
	assert_int_equal(netd_mac_parse("02:00:00:00:00:00", m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_problems),
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_build_defaults),
		cmocka_unit_test(test_build_avoids_host_routes),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_ipv6_and_range),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_rejects_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
