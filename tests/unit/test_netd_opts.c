// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: parsing of `run` and `network create` command lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "opts.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(v) ((int)(sizeof(v) / sizeof(char *)) - 1)

static int parse_run(char **argv, int argc, struct run_opts *o, struct pn_err *err)
{
	return run_opts_parse(argc, argv, o, err);
}

static void test_run_full(void **state)
{
	char *argv[] = { "run", "-d", "--rm", "--name", "app", "--network", "frontend,backend", "--network-alias", "api",
			 "-p", "8000:8000", "--publish", "127.0.0.1:9000:90/udp", "--add-host", "h:10.0.0.1",
			 "--hostname", "apphost", "--", "app-server", "--listen", ":8000", NULL };
	struct run_opts o;
	struct pn_err err = { 0 };

	(void)state;
	assert_int_equal(parse_run(argv, ARGC(argv) + 0, &o, &err), 0);
	assert_true(o.detach);
	assert_true(o.rm);
	assert_string_equal(o.name, "app");
	assert_int_equal(o.networks.n, 2);
	assert_string_equal(o.networks.v[0], "frontend");
	assert_string_equal(o.networks.v[1], "backend");
	assert_int_equal(o.aliases.n, 1);
	assert_int_equal(o.ports.n, 2);
	assert_string_equal(o.hostname, "apphost");
	assert_int_equal(o.argc, 3);
	assert_string_equal(o.argv[0], "app-server");
	assert_string_equal(o.argv[1], "--listen");
}

static void test_run_command_options_not_ours(void **state)
{
	/* options after the command belong to the command */
	char *argv[] = { "run", "--name", "x", "sh", "-c", "echo --rm", NULL };
	struct run_opts o;
	struct pn_err err = { 0 };

	(void)state;
	assert_int_equal(parse_run(argv, 6, &o, &err), 0);
	assert_false(o.rm);
	assert_string_equal(o.argv[0], "sh");
	assert_string_equal(o.argv[1], "-c");
}

static void test_run_errors(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };

	(void)state;
	{
		char *argv[] = { "run", "--name", "x", NULL };

		assert_int_equal(parse_run(argv, 3, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "missing command"));
	}
	{
		char *argv[] = { "run", "--bogus", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 4, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "unknown option --bogus"));
	}
	{
		char *argv[] = { "run", "--name", "-bad", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 5, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "invalid container name"));
	}
	{
		char *argv[] = { "run", "--network", "none", "--network", "app", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 7, &o, &err), -EINVAL);
	}
	{
		char *argv[] = { "run", "--pod", "p", "--network", "app", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 7, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "belong to the pod"));
	}
	/* what a pod member cannot have: it shares the pod's namespaces and resolv.conf */
	{
		static const struct {
			const char *opt, *val, *msg;
		} member[] = {
			{ "-p", "8080:80", "--network and -p belong to the pod: give them to 'podnet pod create'" },
			{ "--network", "none", "--network and -p belong to the pod" },
			{ "--network-alias", "api", "--network-alias belongs to the pod: give it to 'podnet pod create'" },
			{ "--hostname", "h", "cannot set hostname when joining the pod UTS namespace" },
			{ "-h", "h", "cannot set hostname when joining the pod UTS namespace" },
			{ "--ip", "10.89.0.9", "--ip and --mac-address cannot be set on a pod member, and 'podnet pod create' has neither" },
			{ "--mac-address", "02:00:00:00:00:01", "--ip and --mac-address cannot be set on a pod member" },
			{ "--dns", "1.1.1.1", "--dns cannot be set on a pod member" },
		};

		for (size_t i = 0; i < sizeof(member) / sizeof(member[0]); i++) {
			char *argv[] = { "run", "--pod", "p", (char *)member[i].opt, (char *)member[i].val, "--", "true", NULL };

			pn_err_clear(&err);
			assert_int_equal(parse_run(argv, 7, &o, &err), -EINVAL);
			if (!strstr(err.msg, member[i].msg))
				fail_msg("run --pod p %s %s: got \"%s\"", member[i].opt, member[i].val, err.msg);
		}
	}
	/* --network none: nothing to put an address, an alias or a name server on */
	{
		static const struct {
			const char *opt, *val, *msg;
		} none[] = {
			{ "--dns", "1.1.1.1", "conflicting options: dns and the network mode" },
			{ "--ip", "10.89.0.9", "conflicting options: ip and the network mode" },
			{ "--mac-address", "02:00:00:00:00:01", "conflicting options: mac-address and the network mode" },
			{ "--network-alias", "api", "conflicting options: network-alias and the network mode" },
		};

		for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
			char *argv[] = { "run", "--network", "none", (char *)none[i].opt, (char *)none[i].val, "--", "true", NULL };

			pn_err_clear(&err);
			assert_int_equal(parse_run(argv, 7, &o, &err), -EINVAL);
			if (!strstr(err.msg, none[i].msg))
				fail_msg("run --network none %s %s: got \"%s\"", none[i].opt, none[i].val, err.msg);
		}
	}
	{
		char *argv[] = { "run", "--pod", "p", "--name", "m", "--stop-timeout", "3", "--add-host", "a:10.0.0.1", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 11, &o, &err), 0);
	}
	{
		char *argv[] = { "run", "--ip", "10.0.0.2", "--network", "a,b", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 7, &o, &err), -EINVAL);
	}
	/* refused at parse time, not by the kernel when the veth is made */
	{
		static const char *bad_mac[] = { "00:00:00:00:00:00", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "zz:zz" };

		for (size_t i = 0; i < sizeof(bad_mac) / sizeof(bad_mac[0]); i++) {
			char *argv[] = { "run", "--network", "n", "--mac-address", (char *)bad_mac[i], "--", "true", NULL };

			pn_err_clear(&err);
			assert_int_equal(parse_run(argv, 7, &o, &err), -EINVAL);
			if (!strstr(err.msg, "invalid MAC address"))
				fail_msg("--mac-address %s: got \"%s\"", bad_mac[i], err.msg);
		}
	}
	{
		char *argv[] = { "run", "--add-host", "nocolon", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 5, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "--add-host"));
	}
	{
		char *argv[] = { "run", "--name", NULL };

		assert_int_equal(parse_run(argv, 2, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "needs a value"));
	}
	/* what lands in /etc/hosts and the DNS records file line by line */
	{
		static const char *bad_dns[] = { "1.1.1.1\nabcd 10.89.0.99  spoof", "x y", "", "1.1.1", "example.org" };

		for (size_t i = 0; i < sizeof(bad_dns) / sizeof(bad_dns[0]); i++) {
			char *argv[] = { "run", "--dns", (char *)bad_dns[i], "--", "true", NULL };

			assert_int_equal(parse_run(argv, 5, &o, &err), -EINVAL);
			assert_non_null(strstr(err.msg, "--dns"));
		}
	}
	{
		static const char *bad_hosts[] = { "a b:1.2.3.4", "a\nb:1.2.3.4", "-x:1.2.3.4", "a\tb:host-gateway" };

		for (size_t i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
			char *argv[] = { "run", "--add-host", (char *)bad_hosts[i], "--", "true", NULL };

			assert_int_equal(parse_run(argv, 5, &o, &err), -EINVAL);
			assert_non_null(strstr(err.msg, "--add-host"));
		}
	}
	{
		char *argv[] = { "run", "--dns", "1.1.1.1", "--dns", "fd00::53", "--add-host", "db.local:10.0.0.5",
				 "--add-host", "host.containers.internal:host-gateway", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 11, &o, &err), 0);
		assert_int_equal(o.dns.n, 2);
		assert_int_equal(o.add_hosts.n, 2);
	}
}

static void test_network_create(void **state)
{
	struct netd_network_opts o;
	struct pn_err err = { 0 };

	(void)state;
	{
		char *argv[] = { "create", "--subnet", "10.99.0.0/24", "--gateway", "10.99.0.254", "--internal",
				 "--label", "a=b", "--opt", "mtu=1400", "--disable-dns", "net1", NULL };

		assert_int_equal(net_create_opts_parse(12, argv, &o, &err), 0);
		assert_string_equal(o.name, "net1");
		assert_int_equal(o.nsubnets, 1);
		assert_int_equal(o.ngateways, 1);
		assert_true(o.internal);
		assert_true(o.disable_dns);
		assert_string_equal(json_string_value(json_object_get(o.labels, "a")), "b");
		assert_string_equal(json_string_value(json_object_get(o.options, "mtu")), "1400");
		json_decref(o.labels);
		json_decref(o.options);
	}
	{
		char *argv[] = { "create", NULL };

		assert_int_equal(net_create_opts_parse(1, argv, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "missing network name"));
		json_decref(o.labels);
		json_decref(o.options);
	}
	{
		char *argv[] = { "create", "--opt", "mtu", "n", NULL };

		assert_int_equal(net_create_opts_parse(4, argv, &o, &err), -EINVAL);
		json_decref(o.labels);
		json_decref(o.options);
	}
	{
		char *argv[] = { "create", "a", "b", NULL };

		assert_int_equal(net_create_opts_parse(3, argv, &o, &err), -EINVAL);
		json_decref(o.labels);
		json_decref(o.options);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_full),
		cmocka_unit_test(test_run_command_options_not_ours),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_network_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
