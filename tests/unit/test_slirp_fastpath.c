// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the TCP fast path's destination policy (slirp/fastpath.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "fastpath.h"

static void fill(struct sockaddr_storage *ss, const char *addr, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, addr, &s->sin6_addr), 1);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, addr, &s->sin_addr), 1);
	}
}

/* the host gateway becomes the host's loopback, same port; nothing else changes */
static void test_host_gateway(void **state)
{
	struct sockaddr_storage ss;
	char b[64];

	(void)state;
	fill(&ss, "10.0.2.2", 8080);
	assert_true(slirp_fastpath_host_gateway(&ss));
	assert_string_equal(inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, b, sizeof(b)), "127.0.0.1");
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
	fill(&ss, "fd00::2", 8443);
	assert_true(slirp_fastpath_host_gateway(&ss));
	assert_string_equal(inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, b, sizeof(b)), "::1");
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 8443);
	/* the rest of the slirp network and the outside are not the gateway */
	fill(&ss, "10.0.2.3", 53);
	assert_false(slirp_fastpath_host_gateway(&ss));
	fill(&ss, "10.0.2.22", 80);
	assert_false(slirp_fastpath_host_gateway(&ss));
	fill(&ss, "fd00::3", 53);
	assert_false(slirp_fastpath_host_gateway(&ss));
	fill(&ss, "198.51.100.2", 80);
	assert_false(slirp_fastpath_host_gateway(&ss));
	assert_string_equal(inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, b, sizeof(b)), "198.51.100.2");
}

static bool allowed(const char *addr, int port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, addr, &s->sin6_addr), 1);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, addr, &s->sin_addr), 1);
	}
	return slirp_fastpath_dest_allowed(&ss);
}

static void test_outside_allowed(void **state)
{
	(void)state;
	assert_true(allowed("198.51.100.10", 80));
	assert_true(allowed("10.0.3.1", 443));
	assert_true(allowed("192.168.1.1", 22));
	assert_true(allowed("2001:db8::1", 80));
	assert_true(allowed("fd01::1", 80));
}

static void test_inside_refused(void **state)
{
	struct sockaddr_storage ss;

	(void)state;
	/* the slirp network is never an outside destination (the host gateway is mapped first, see above) */
	assert_false(allowed("10.0.2.2", 80));
	assert_false(allowed("10.0.2.3", 53));
	assert_false(allowed("10.0.2.255", 80));
	assert_false(allowed("127.0.0.1", 80));
	assert_false(allowed("0.0.0.0", 80));
	assert_false(allowed("224.0.0.1", 80));
	assert_false(allowed("255.255.255.255", 80));
	assert_false(allowed("198.51.100.10", 0));
	assert_false(allowed("::1", 80));
	assert_false(allowed("::", 80));
	assert_false(allowed("fd00::2", 80));
	assert_false(allowed("fe80::1", 80));
	assert_false(allowed("ff02::1", 80));
	assert_false(allowed("::ffff:127.0.0.1", 80));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_false(slirp_fastpath_dest_allowed(&ss));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outside_allowed),
		cmocka_unit_test(test_inside_refused),
		cmocka_unit_test(test_host_gateway),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
