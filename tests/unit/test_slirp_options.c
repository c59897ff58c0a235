// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of podnet-slirp's command line (slirp/options.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"
#include "podnet_slirp.h"

#define PARSE(o, ...)                                                              \
	({                                                                         \
		char *argv_[] = { "podnet-slirp", __VA_ARGS__, NULL };             \
		char eb_[256];                                                     \
		slirp_options_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
				    argv_, (o), eb_, sizeof(eb_));                 \
	})

static void test_minimal_and_defaults(void **state)
{
	struct slirp_options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "77:88"), 0);
	assert_int_equal(o.netns_fd, 4);
	assert_int_equal(o.userns_fd, -1);
	assert_int_equal(o.ready_fd, -1);
	assert_int_equal(o.holder.pid, 77);
	assert_int_equal(o.holder.starttime, 88);
	assert_int_equal(o.mtu, PN_SLIRP_MTU);
	assert_int_equal(o.ipv6, SLIRP_AUTO);
	assert_true(o.host_loopback);
	assert_null(o.runtime_dir);
}

static void test_all_options(void **state)
{
	struct slirp_options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--userns-fd", "5", "--netns-fd", "4", "--holder", "1:2",
			       "--ready-fd", "3", "--runtime-dir", "/run/x", "--mtu", "1500",
			       "--ipv6", "off", "--no-host-loopback", "--tcp-fastpath", "on",
			       "--debug"),
			 0);
	assert_int_equal(o.userns_fd, 5);
	assert_int_equal(o.ready_fd, 3);
	assert_string_equal(o.runtime_dir, "/run/x");
	assert_int_equal(o.mtu, 1500);
	assert_int_equal(o.ipv6, SLIRP_OFF);
	assert_false(o.host_loopback);
	assert_true(o.tcp_fastpath);
	assert_true(o.debug);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--tcp-fastpath", "off"), 0);
	assert_false(o.tcp_fastpath);
}

static void test_rejects(void **state)
{
	struct slirp_options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--holder", "1:2"), -EINVAL);              /* no netns */
	assert_int_equal(PARSE(&o, "--netns-fd", "4"), -EINVAL);              /* no holder */
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder"), -EINVAL);  /* missing value */
	assert_int_equal(PARSE(&o, "--netns-fd", "-4", "--holder", "1:2"), -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4x", "--holder", "1:2"), -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--mtu", "65521"), -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--mtu", "1000"), -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--ipv6", "yes"), -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--tcp-fastpath", "auto"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--runtime-dir", "rel"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--holder", "1:2", "--bogus"), -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--userns-fd", "4", "--holder", "1:2"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--netns-fd", "4", "--ready-fd", "4", "--holder", "1:2"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--help"), 0);
	assert_true(o.help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
