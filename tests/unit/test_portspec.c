// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the `-p` spec parser (portfwd/portspec.c): every accepted
 * form and the message of every rejected one. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "portfwd.h"

struct good {
	const char *spec;
	size_t n;
	const char *host_ip;
	unsigned host_port, container_port, range;
	const char *proto0, *proto1;
};

static const struct good goods[] = {
	{ "80", 1, "", 0, 80, 1, "tcp", NULL },
	{ "8080:80", 1, "", 8080, 80, 1, "tcp", NULL },
	{ "8080:80/udp", 1, "", 8080, 80, 1, "udp", NULL },
	{ "8080:80/tcp,udp", 2, "", 8080, 80, 1, "tcp", "udp" },
	{ "8080:80/udp,tcp", 2, "", 8080, 80, 1, "udp", "tcp" },
	{ "127.0.0.1:8080:80", 1, "127.0.0.1", 8080, 80, 1, "tcp", NULL },
	{ "127.0.0.1::80", 1, "127.0.0.1", 0, 80, 1, "tcp", NULL },
	{ "0.0.0.0:8080:80", 1, "0.0.0.0", 8080, 80, 1, "tcp", NULL },
	{ "[::1]:8080:80", 1, "::1", 8080, 80, 1, "tcp", NULL },
	{ "[::1]::80/udp", 1, "::1", 0, 80, 1, "udp", NULL },
	{ "[2001:DB8::0001]:8080:80", 1, "2001:db8::1", 8080, 80, 1, "tcp", NULL },
	{ "8080-8082:80-82", 1, "", 8080, 80, 3, "tcp", NULL },
	{ "80-82", 1, "", 0, 80, 3, "tcp", NULL },
	{ "0:80", 1, "", 0, 80, 1, "tcp", NULL },
	{ ":80", 1, "", 0, 80, 1, "tcp", NULL },
	{ "65535:65535", 1, "", 65535, 65535, 1, "tcp", NULL },
	{ "10.1.2.3:9000-9001:5000-5001/tcp,udp", 2, "10.1.2.3", 9000, 5000, 2, "tcp", "udp" },
};

static void test_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		struct pn_port_mapping m[2];
		struct pn_err err = { 0 };
		size_t n = 99;

		if (portspec_parse(g->spec, m, 2, &n, &err) != 0)
			fail_msg("'%s' rejected: %s", g->spec, err.msg);
		assert_int_equal(n, g->n);
		for (size_t k = 0; k < n; k++) {
			assert_string_equal(m[k].host_ip, g->host_ip);
			assert_int_equal(m[k].host_port, g->host_port);
			assert_int_equal(m[k].container_port, g->container_port);
			assert_int_equal(m[k].range, g->range);
			assert_string_equal(m[k].protocol, k ? g->proto1 : g->proto0);
		}
	}
}

struct bad {
	const char *spec;
	const char *msg_part; /* the message must name the defect */
};

static const struct bad bads[] = {
	{ "", "empty" },
	{ "abc", "not a number" },
	{ "0", "must not be 0" },
	{ "65536", "not a number" },
	{ "8080:", "container port is empty" },
	{ "8080:80/sctp", "sctp is not supported" },
	{ "8080:80/icmp", "protocol 'icmp'" },
	{ "8080:80/", "empty protocol" },
	{ "8080:80/tcp,", "ends with ','" },
	{ "8080:80/tcp,tcp", "names tcp twice" },
	{ "8080:80/tcp/udp", "more than one '/'" },
	{ "8080-8081:80", "host range has 2 ports, container range has 1" },
	{ "8080:80-81", "host range has 1 ports, container range has 2" },
	{ "82-80", "ends before it starts" },
	{ "0-5:80-85", "must not contain port 0" },
	{ "65535-65536:1-2", "START-END" },
	{ "1-2000", "longer than 1024" },
	{ "::1:8080:80", "too many ':'" },
	{ "1.2.3.4.5:8080:80", "not an IPv4 address" },
	{ "localhost:8080:80", "not an IPv4 address" },
	{ "[::1:8080:80", "'[' without ']'" },
	{ "[::1]8080:80", "expected ':' after ']'" },
	{ "[1.2.3.4]:8080:80", "not an IPv6 address" },
	{ "[::1]:80", "needs HOSTPORT:CTRPORT" },
	{ "80 :80", "space" },
	{ "-80", "START-END" },
	{ "+80", "not a number" },
	{ "65000-65535:100-635", NULL },
};

static void test_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct pn_port_mapping m[2];
		struct pn_err err = { 0 };
		size_t n = 99;
		int r = portspec_parse(b->spec, m, 2, &n, &err);

		if (!b->msg_part) {
			/* valid edge case listed here to pin it down */
			assert_int_equal(r, 0);
			continue;
		}
		if (r == 0)
			fail_msg("'%s' accepted", b->spec);
		assert_true(r < 0);
		assert_int_equal(n, 0);
		assert_int_equal(err.code, -r);
		if (!strstr(err.msg, b->msg_part))
			fail_msg("'%s': message '%s' lacks '%s'", b->spec, err.msg, b->msg_part);
	}
}

static void test_too_long(void **state)
{
	char spec[300];
	struct pn_port_mapping m[2];
	struct pn_err err = { 0 };
	size_t n;

	(void)state;
	memset(spec, '1', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	assert_int_equal(portspec_parse(spec, m, 2, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void test_no_room(void **state)
{
	struct pn_port_mapping m[1];
	struct pn_err err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(portspec_parse("80/tcp,udp", m, 1, &n, &err), -ENOSPC);
	assert_int_equal(portspec_parse("80/udp", m, 1, &n, &err), 0);
	assert_int_equal(n, 1);
}

static void test_format_roundtrip(void **state)
{
	static const char *specs[] = { "8080:80/tcp", "127.0.0.1:8080-8082:80-82/udp", "[::1]:9000:90/tcp" };

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct pn_port_mapping m[2];
		struct pn_err err = { 0 };
		char buf[96];
		size_t n;

		assert_int_equal(portspec_parse(specs[i], m, 2, &n, &err), 0);
		assert_int_equal(portspec_format(&m[0], buf, sizeof(buf)), 0);
		assert_string_equal(buf, specs[i]);
	}
	{
		struct pn_port_mapping m[2];
		struct pn_err err = { 0 };
		char small[8];
		size_t n;

		assert_int_equal(portspec_parse("[::1]:9000:90", m, 2, &n, &err), 0);
		assert_int_equal(portspec_format(&m[0], small, sizeof(small)), -ENOSPC);
	}
}

/* parse each spec, then merge them as `run -p A -p B ...` does */
static int merge_specs(const char *const *specs, size_t nspecs, struct pn_port_mapping *maps, size_t *n,
		       struct pn_err *err)
{
	*n = 0;
	for (size_t i = 0; i < nspecs; i++) {
		size_t got = 0;

		assert_int_equal(portspec_parse(specs[i], maps + *n, 8 - *n, &got, err), 0);
		*n += got;
	}
	return portspec_merge(maps, n, err);
}

static void test_merge(void **state)
{
	struct pn_port_mapping maps[8];
	struct pn_err err = { 0 };
	size_t n;

	(void)state;
	{
		/* podman accepts a mapping given twice, and keeps it once */
		static const char *const specs[] = { "18200:80", "0.0.0.0:18201:81", "18200:80", "0.0.0.0:18201:81/tcp" };

		assert_int_equal(merge_specs(specs, 4, maps, &n, &err), 0);
		assert_int_equal(n, 2);
		assert_int_equal(maps[0].host_port, 18200);
		assert_int_equal(maps[1].host_port, 18201);
	}
	{
		static const struct {
			const char *a, *b, *msg;
		} conflicts[] = {
			{ "18200:80", "18200:81", "conflicting port mappings for host port 18200 (protocol tcp)" },
			{ "18200:80/udp", "18200:81/udp", "conflicting port mappings for host port 18200 (protocol udp)" },
			{ "18200-18203:80-83", "18202:90", "conflicting port mappings for host port 18202 (protocol tcp)" },
			{ "18200:80", "127.0.0.1:18200:81", "conflicting port mappings for host port 18200 (protocol tcp)" },
			{ "0.0.0.0:18200:80", "127.0.0.1:18200:81", "conflicting port mappings for host port 18200 (protocol tcp)" },
			{ "[::1]:18200:80", "[::1]:18200:81", "conflicting port mappings for host port 18200 (protocol tcp)" },
			{ "18200:80/tcp,udp", "18200:81/udp", "conflicting port mappings for host port 18200 (protocol udp)" },
		};

		for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
			const char *specs[] = { conflicts[i].a, conflicts[i].b };

			pn_err_clear(&err);
			assert_int_equal(merge_specs(specs, 2, maps, &n, &err), -EINVAL);
			if (strcmp(err.msg, conflicts[i].msg) != 0)
				fail_msg("-p %s -p %s: got \"%s\"", conflicts[i].a, conflicts[i].b, err.msg);
		}
	}
	{
		/* no conflict: other protocol, other address, free host ports, adjacent ranges */
		static const char *const specs[] = { "18200:80", "18200:80/udp", "127.0.0.1:18201:81", "127.0.0.2:18201:81",
						     "80", "81", "18202-18203:82-83", "18204:84" };

		assert_int_equal(merge_specs(specs, 8, maps, &n, &err), 0);
		assert_int_equal(n, 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),      cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_too_long),     cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_format_roundtrip),  cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
