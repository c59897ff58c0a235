// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: allocation, round robin, exhaustion, static addresses, ranges, IPv6, files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fileutil.h"
#include "ipam.h"

static struct netd_subnet subnet(const char *cidr, const char *gw)
{
	struct netd_subnet s;

	memset(&s, 0, sizeof(s));
	pn_cidr_parse(cidr, true, &s.subnet);
	if (gw)
		pn_ip_parse(gw, &s.gateway);
	return s;
}

static const char *fmt(const struct pn_ip *ip)
{
	static char buf[PN_IPSTR_MAX];

	return pn_ip_format(ip, buf);
}

static void test_sequential_and_release(void **state)
{
	struct netd_subnet s = subnet("10.89.0.0/24", "10.89.0.1");
	struct netd_leases l;
	struct pn_ip ip;
	struct pn_err err = { 0 };

	(void)state;
	netd_ipam_open_mem(&l);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "a", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.2");
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.3");
	assert_int_equal(netd_ipam_release(&l, "a"), 1);
	assert_int_equal(netd_ipam_save(&l, &err), 0);
	/* round robin: a freed address is not handed out next */
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "c", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.4");
	assert_string_equal(netd_ipam_owner(&l, &ip), "c");
	assert_int_equal(netd_ipam_count(&l), 2);
	netd_ipam_close(&l);
}

static void test_exhaustion_and_wrap(void **state)
{
	struct netd_subnet s = subnet("10.89.7.0/29", "10.89.7.1"); /* hosts .2 .. .6 */
	struct netd_leases l;
	struct pn_ip ip;
	struct pn_err err = { 0 };
	char owner[8];

	(void)state;
	netd_ipam_open_mem(&l);
	for (int i = 0; i < 5; i++) {
		snprintf(owner, sizeof(owner), "o%d", i);
		assert_int_equal(netd_ipam_alloc(&l, "n", &s, owner, NULL, &ip, &err), 0);
		assert_int_not_equal(ip.b[3], 7); /* never the broadcast */
		assert_int_not_equal(ip.b[3], 1); /* never the gateway */
	}
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "x", NULL, &ip, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "no free address"));
	netd_ipam_release(&l, "o1");
	assert_int_equal(netd_ipam_save(&l, &err), 0);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "x", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.7.3");
	netd_ipam_close(&l);
}

static void test_static(void **state)
{
	struct netd_subnet s = subnet("10.89.0.0/24", "10.89.0.1");
	struct netd_leases l;
	struct pn_ip ip, want;
	struct pn_err err = { 0 };

	(void)state;
	netd_ipam_open_mem(&l);
	pn_ip_parse("10.89.0.77", &want);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "a", &want, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.77");
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", &want, &ip, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "already in use"));
	pn_ip_parse("10.90.0.5", &want);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", &want, &ip, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not in subnet"));
	pn_ip_parse("10.89.0.1", &want);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", &want, &ip, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "reserved"));
	pn_ip_parse("10.89.0.255", &want);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", &want, &ip, &err), -EINVAL);
	/* dynamic allocation continues after the static one */
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "c", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.78");
	netd_ipam_close(&l);
}

static void test_range(void **state)
{
	struct netd_subnet s = subnet("10.89.50.0/24", "10.89.50.254");
	struct netd_leases l;
	struct pn_ip ip, want;
	struct pn_err err = { 0 };

	(void)state;
	s.has_range = true;
	pn_ip_parse("10.89.50.129", &s.range_start);
	pn_ip_parse("10.89.50.255", &s.range_end);
	netd_ipam_open_mem(&l);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "a", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.50.129");
	pn_ip_parse("10.89.50.10", &want);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", &want, &ip, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "outside the ip range"));
	/* fill up: .255 is the broadcast and .254 the gateway, never handed out */
	for (int i = 0; i < 200; i++) {
		char o[8];

		snprintf(o, sizeof(o), "x%d", i);
		if (netd_ipam_alloc(&l, "n", &s, o, NULL, &ip, &err) < 0)
			break;
		assert_true(ip.b[3] >= 129 && ip.b[3] <= 253);
	}
	assert_int_equal(netd_ipam_count(&l), 253 - 129 + 1);
	netd_ipam_close(&l);
}

static void test_ipv6(void **state)
{
	struct netd_subnet s = subnet("fd89:7f3a:e0c1::/64", "fd89:7f3a:e0c1::1");
	struct netd_leases l;
	struct pn_ip ip;
	struct pn_err err = { 0 };

	(void)state;
	netd_ipam_open_mem(&l);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "a", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "fd89:7f3a:e0c1::2");
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "fd89:7f3a:e0c1::3");
	netd_ipam_close(&l);
}

static void test_file_round_trip_and_corrupt(void **state)
{
	char dir[] = "/tmp/podnet-ipam-test.XXXXXX";
	struct pn_paths p;
	struct netd_subnet s = subnet("10.89.0.0/24", "10.89.0.1");
	struct netd_leases l;
	struct pn_ip ip;
	struct pn_err err = { 0 };
	char path[PATH_MAX];

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&p, 0, sizeof(p));
	snprintf(p.runtime, sizeof(p.runtime), "%s", dir);
	assert_int_equal(netd_ipam_open(&p, "n", &l, &err), 0);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "a", NULL, &ip, &err), 0);
	assert_int_equal(netd_ipam_save(&l, &err), 0);
	netd_ipam_close(&l);
	assert_int_equal(netd_ipam_open(&p, "n", &l, &err), 0);
	assert_string_equal(netd_ipam_owner(&l, &ip), "a");
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "b", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.3");
	/* not saved: the transaction is rolled back, .3 is free again */
	netd_ipam_close(&l);
	assert_int_equal(netd_ipam_open(&p, "n", &l, &err), 0);
	assert_null(netd_ipam_owner(&l, &ip));
	assert_int_equal(netd_ipam_count(&l), 1);
	/* a lease whose file cannot be understood still holds its address */
	snprintf(path, sizeof(path), "%s/ipam/n/10.89.0.3", dir);
	assert_int_equal(pn_write_atomic(path, "", 0, 0600, 0), 0);
	assert_int_equal(netd_ipam_alloc(&l, "n", &s, "c", NULL, &ip, &err), 0);
	assert_string_equal(fmt(&ip), "10.89.0.4");
	/* releases by address check the owner and apply at save */
	netd_ipam_release_ip(&l, &ip, "someone-else");
	assert_int_equal(netd_ipam_save(&l, &err), 0);
	assert_string_equal(netd_ipam_owner(&l, &ip), "c");
	netd_ipam_release_ip(&l, &ip, "c");
	assert_string_equal(netd_ipam_owner(&l, &ip), "c");
	assert_int_equal(netd_ipam_save(&l, &err), 0);
	assert_null(netd_ipam_owner(&l, &ip));
	netd_ipam_close(&l);
	pn_rm_rf(dir);
}

static void test_mac_reservation(void **state)
{
	struct netd_leases l;
	struct pn_err err = { 0 };

	(void)state;
	netd_ipam_open_mem(&l);
	assert_int_equal(netd_ipam_reserve_mac(&l, "n", "02:11:22:33:44:55", "a", &err), 0);
	assert_int_equal(netd_ipam_reserve_mac(&l, "n", "02:11:22:33:44:55", "a", &err), 0);
	assert_int_equal(netd_ipam_reserve_mac(&l, "n", "02:11:22:33:44:55", "b", &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "already in use"));
	netd_ipam_release(&l, "a");
	assert_int_equal(netd_ipam_save(&l, &err), 0);
	assert_int_equal(netd_ipam_reserve_mac(&l, "n", "02:11:22:33:44:55", "b", &err), 0);
	netd_ipam_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_and_release),
		cmocka_unit_test(test_exhaustion_and_wrap),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_file_round_trip_and_corrupt),
		cmocka_unit_test(test_mac_reservation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
