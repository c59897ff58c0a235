// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: address parsing, prefixes, containment, arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ipaddr.h"

static void test_parse_format(void **state)
{
	struct pn_ip ip;
	char buf[PN_IPSTR_MAX];

	(void)state;
	assert_int_equal(pn_ip_parse("10.89.0.1", &ip), 0);
	assert_int_equal(ip.family, AF_INET);
	assert_string_equal(pn_ip_format(&ip, buf), "10.89.0.1");
	assert_int_equal(pn_ip_parse("fd89::1", &ip), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_string_equal(pn_ip_format(&ip, buf), "fd89::1");
	assert_int_equal(pn_ip_parse("10.89.0.256", &ip), -EINVAL);
	assert_int_equal(pn_ip_parse("", &ip), -EINVAL);
	assert_int_equal(pn_ip_parse("hello", &ip), -EINVAL);
}

static void test_cidr(void **state)
{
	struct pn_cidr c, d;
	char buf[PN_CIDRSTR_MAX];

	(void)state;
	assert_int_equal(pn_cidr_parse("10.89.3.0/24", true, &c), 0);
	assert_string_equal(pn_cidr_format(&c, buf), "10.89.3.0/24");
	assert_int_equal(pn_cidr_parse("10.89.3.7/24", true, &c), -EINVAL);
	assert_int_equal(pn_cidr_parse("10.89.3.7/24", false, &c), 0);
	assert_string_equal(pn_cidr_format(&c, buf), "10.89.3.0/24");
	assert_int_equal(pn_cidr_parse("10.89.3.0/33", false, &c), -EINVAL);
	assert_int_equal(pn_cidr_parse("10.89.3.0/", false, &c), -EINVAL);
	assert_int_equal(pn_cidr_parse("10.89.3.0", false, &c), -EINVAL);
	assert_int_equal(pn_cidr_parse("10.89.3.0/2x", false, &c), -EINVAL);
	assert_int_equal(pn_cidr_parse("fd00:1::/64", true, &c), 0);
	assert_int_equal(pn_cidr_parse("10.0.0.0/8", true, &c), 0);
	assert_int_equal(pn_cidr_parse("10.89.0.0/16", true, &d), 0);
	assert_true(pn_cidr_overlap(&c, &d));
	assert_true(pn_cidr_overlap(&d, &c));
	assert_int_equal(pn_cidr_parse("192.168.0.0/16", true, &c), 0);
	assert_false(pn_cidr_overlap(&c, &d));
}

static void test_arith(void **state)
{
	struct pn_cidr c;
	struct pn_ip ip, last;
	char buf[PN_IPSTR_MAX];

	(void)state;
	pn_cidr_parse("10.89.0.0/24", true, &c);
	assert_int_equal(pn_cidr_nth(&c, 1, &ip), 0);
	assert_string_equal(pn_ip_format(&ip, buf), "10.89.0.1");
	assert_int_equal(pn_cidr_nth(&c, 256, &ip), -ERANGE);
	pn_cidr_last(&c, &last);
	assert_string_equal(pn_ip_format(&last, buf), "10.89.0.255");
	pn_ip_parse("10.89.0.255", &ip);
	assert_int_equal(pn_ip_add(&ip, 1), 0);
	assert_string_equal(pn_ip_format(&ip, buf), "10.89.1.0");
	pn_ip_parse("255.255.255.255", &ip);
	assert_int_equal(pn_ip_add(&ip, 1), -ERANGE);
	pn_cidr_parse("fd89::/64", true, &c);
	pn_cidr_last(&c, &last);
	assert_string_equal(pn_ip_format(&last, buf), "fd89::ffff:ffff:ffff:ffff");
	assert_true(pn_cidr_contains(&c, &last));
	pn_ip_parse("10.0.0.1", &ip);
	assert_false(pn_cidr_contains(&c, &ip));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_arith),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
