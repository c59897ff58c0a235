// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: parsing of `run`, `pod create` and `network create` command lines, and --help. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
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

/* -e/--env: given values, the caller's value for a bare name; -i and -t */
static void test_run_env(void **state)
{
	char *argv[] = { "run", "-it", "-e", "A=1", "--env", "B=x y=z", "-e", "PN_TEST_FROM_CALLER", "-e",
			 "PN_TEST_UNSET", "--", "sh", NULL };
	struct run_opts o;
	struct pn_err err = { 0 };
	json_t *env;

	(void)state;
	assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
	assert_true(o.interactive);
	assert_true(o.tty);
	assert_int_equal(o.env.n, 4);
	setenv("PN_TEST_FROM_CALLER", "caller's", 1);
	unsetenv("PN_TEST_UNSET");
	env = opts_env_json(&o.env);
	assert_int_equal(json_array_size(env), 3);
	assert_string_equal(json_string_value(json_array_get(env, 0)), "A=1");
	assert_string_equal(json_string_value(json_array_get(env, 1)), "B=x y=z");
	assert_string_equal(json_string_value(json_array_get(env, 2)), "PN_TEST_FROM_CALLER=caller's");
	json_decref(env);
	{
		static const char *bad[] = { "", "=x", "A=\xff\xfe" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *a[] = { "run", "-e", (char *)bad[i], "--", "true", NULL };

			pn_err_clear(&err);
			assert_int_equal(parse_run(a, ARGC(a), &o, &err), -EINVAL);
			if (!strstr(err.msg, "invalid --env"))
				fail_msg("-e \"%s\": got \"%s\"", bad[i], err.msg);
		}
	}
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
		assert_string_equal(err.msg, "invalid container name \"-bad\": it must start with a letter or digit");
	}
	{
		char name[NETD_NAME_MAX + 2];
		char *argv[] = { "run", "--name", name, "--", "true", NULL };

		memset(name, 'a', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		assert_int_equal(parse_run(argv, 5, &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "\": it is longer than 63 characters"));
		name[NETD_NAME_MAX] = '\0';
		assert_int_equal(parse_run(argv, 5, &o, &err), 0);
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
			{ "--ip", "10.89.0.9", "--ip, --ip6 and --mac-address belong to the pod: give them to 'podnet pod create'" },
			{ "--mac-address", "02:00:00:00:00:01", "--ip, --ip6 and --mac-address belong to the pod" },
			{ "--ip6", "fd00::1", "--ip, --ip6 and --mac-address belong to the pod" },
			{ "--dns", "1.1.1.1", "--dns belongs to the pod (its members share its /etc/resolv.conf)" },
			{ "--add-host", "a:10.0.0.1", "--add-host belongs to the pod: give it to 'podnet pod create'" },
			{ "--add-host", "h:host-gateway", "--add-host belongs to the pod" },
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
		char *argv[] = { "run", "--pod", "p", "--name", "m", "--stop-timeout", "3", "--", "true", NULL };

		assert_int_equal(parse_run(argv, 9, &o, &err), 0);
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
		static const char *bad_hosts[] = { "a b:1.2.3.4", "a\nb:1.2.3.4", "-x:1.2.3.4", "a\tb:host-gateway",
						   "a:not-an-ip", "a:", "a:1.2.3.4\nb 1.1.1.1" };

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

static int parse_pod(char **argv, int argc, struct run_opts *o, struct pn_err *err)
{
	return pod_opts_parse(argc, argv, o, err);
}

/* pod create: the network side of run, which the members share */
/* --network NAME:ip=,ip6=,mac=,alias= (Podman's syntax), merged with --ip/--ip6/--mac-address/--network-alias */
static void test_run_network_settings(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	struct netd_static st;
	json_t *a;

	(void)state;
	{
		char *argv[] = { "run", "--network", "front:ip=10.89.0.5,alias=web,alias=www",
				 "--network", "back:ip=10.89.1.5,ip=fd00::5,mac=02:00:00:00:00:05", "--network", "side",
				 "--network-alias", "all", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		assert_int_equal(o.networks.n, 3);
		assert_string_equal(o.networks.v[0], "front");
		assert_string_equal(o.networks.v[1], "back");
		assert_string_equal(o.networks.v[2], "side");
		a = opts_net_entry(&o, 0, &st);
		assert_string_equal(st.ip, "10.89.0.5");
		assert_null(st.ip6);
		assert_null(st.mac);
		assert_int_equal(json_array_size(a), 3); /* --network-alias first, then its own */
		assert_string_equal(json_string_value(json_array_get(a, 0)), "all");
		assert_string_equal(json_string_value(json_array_get(a, 1)), "web");
		assert_string_equal(json_string_value(json_array_get(a, 2)), "www");
		json_decref(a);
		a = opts_net_entry(&o, 1, &st);
		assert_string_equal(st.ip, "10.89.1.5");
		assert_string_equal(st.ip6, "fd00::5"); /* ip= of the other family */
		assert_string_equal(st.mac, "02:00:00:00:00:05");
		assert_int_equal(json_array_size(a), 1);
		json_decref(a);
		a = opts_net_entry(&o, 2, &st);
		assert_null(st.ip);
		assert_null(st.ip6);
		assert_int_equal(json_array_size(a), 1);
		json_decref(a);
	}
	{
		/* one network: the top-level options are its own; --ip of IPv6 is its ip6 */
		char *argv[] = { "run", "--network", "front:alias=x", "--ip", "fd00::9", "--mac-address", "02:00:00:00:00:09",
				 "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		a = opts_net_entry(&o, 0, &st);
		assert_null(st.ip);
		assert_string_equal(st.ip6, "fd00::9");
		assert_string_equal(st.mac, "02:00:00:00:00:09");
		json_decref(a);
	}
	{
		/* no --network: the default network takes --ip6 */
		char *argv[] = { "run", "--ip6", "fd00::7", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		a = opts_net_entry(&o, 0, &st);
		assert_string_equal(st.ip6, "fd00::7");
		json_decref(a);
	}
	static const struct {
		const char *net, *extra, *msg;
	} bad[] = {
		{ "front:bogus=1", NULL, "unknown option \"bogus\"" },
		{ "front:ip", NULL, "want NAME:KEY=VALUE" },
		{ "front:ip=", NULL, "want NAME:KEY=VALUE" },
		{ "front:", NULL, "no option after ':'" },
		{ "front:interface_name=eth5", NULL, "interface_name is not supported" },
		{ "front,back:ip=10.0.0.1", NULL, "options go with one network" },
		{ "none:ip=10.0.0.1", NULL, "options go with one network" },
		{ "front:ip=10.0.0.1,ip=10.0.0.2", NULL, "an IPv4 address given twice" },
		{ "front:ip6=fd00::1,ip=fd00::2", NULL, "an IPv6 address given twice" },
		{ "front:mac=02:00:00:00:00:01,mac=02:00:00:00:00:02", NULL, "mac given twice" },
		{ "front:ip=300.0.0.1", NULL, "invalid IP address \"300.0.0.1\"" },
		{ "front:ip6=10.0.0.1", NULL, "invalid IPv6 address" },
		{ "front:mac=ff:ff:ff:ff:ff:ff", NULL, "invalid MAC address" },
		{ "front:alias=-x", NULL, "invalid network alias \"-x\"" },
		{ "front:ip=10.0.0.1", "--ip=10.0.0.2", "conflicting options: --ip" },
		{ "front:ip6=fd00::1", "--ip6=fd00::2", "conflicting options: --ip6" },
		{ "front:mac=02:00:00:00:00:01", "--mac-address=02:00:00:00:00:02", "conflicting options: --mac-address" },
		{ "front,back", "--ip6=fd00::2", "need exactly one network" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[7] = { "run", "--network", (char *)bad[i].net };
		int argc = 3;

		if (bad[i].extra)
			argv[argc++] = (char *)bad[i].extra;
		argv[argc++] = "--";
		argv[argc++] = "true";
		argv[argc] = NULL;
		memset(&err, 0, sizeof(err));
		assert_int_equal(parse_run(argv, argc, &o, &err), -EINVAL);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("--network %s %s: got \"%s\", want \"%s\"", bad[i].net, bad[i].extra ?: "", err.msg,
				 bad[i].msg);
	}
	{
		/* --ip of IPv6 and --ip6 together: two static IPv6 addresses */
		char *argv[] = { "run", "--ip", "fd00::1", "--ip6", "fd00::2", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "two static IPv6 addresses"));
	}
	{
		/* pod create takes the same */
		char *argv[] = { "create", "--name", "p", "--network", "front:ip=10.89.0.7,alias=pa", "--network", "back", NULL };

		assert_int_equal(pod_opts_parse(ARGC(argv), argv, &o, &err), 0);
		a = opts_net_entry(&o, 0, &st);
		assert_string_equal(st.ip, "10.89.0.7");
		assert_int_equal(json_array_size(a), 1);
		json_decref(a);
	}
}

/* --dns-search and --dns-option: resolv.conf words, checked; a pod's, not a member's */
static void test_run_dns_search(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };

	(void)state;
	{
		char *argv[] = { "run", "--dns-search", "example.org", "--dns-search", "corp.example.", "--dns-option", "ndots:2",
				 "--dns-option", "edns0", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		assert_int_equal(o.dns_search.n, 2);
		assert_string_equal(o.dns_search.v[1], "corp.example.");
		assert_int_equal(o.dns_options.n, 2);
		assert_string_equal(o.dns_options.v[0], "ndots:2");
	}
	{
		char *argv[] = { "run", "--dns-search", ".", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
	}
	static const struct {
		const char *opt, *val, *msg;
	} bad[] = {
		{ "--dns-search", "a b", "invalid --dns-search \"a b\": want a domain name" },
		{ "--dns-search", "-x.org", "invalid --dns-search" },
		{ "--dns-search", "a..b", "invalid --dns-search" },
		{ "--dns-search", "", "invalid --dns-search" },
		{ "--dns-search", "x\nnameserver 1.2.3.4", "invalid --dns-search" },
		{ "--dns-option", "", "invalid --dns-option" },
		{ "--dns-option", "ndots:2 rotate", "invalid --dns-option" },
		{ "--dns-option", "a\nnameserver 1.2.3.4", "invalid --dns-option" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "run", (char *)bad[i].opt, (char *)bad[i].val, "--", "true", NULL };

		memset(&err, 0, sizeof(err));
		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("%s '%s': got \"%s\"", bad[i].opt, bad[i].val, err.msg);
	}
	{
		char *argv[] = { "run", "--dns-search", ".", "--dns-search", "a.example", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "cannot be combined"));
	}
	{
		char *argv[] = { "run", "--pod", "p", "--dns-option", "ndots:1", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "--dns-option belongs to the pod"));
	}
	{
		char *argv[] = { "create", "--name", "p", "--dns-search", "example.org", "--dns-option", "ndots:1", NULL };

		assert_int_equal(pod_opts_parse(ARGC(argv), argv, &o, &err), 0);
		assert_int_equal(o.dns_search.n, 1);
		assert_int_equal(o.dns_options.n, 1);
	}
}

static void test_run_restart(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	char *ok1[] = { "run", "-d", "--restart", "on-failure:3", "--", "x", NULL };
	char *ok2[] = { "run", "-d", "--restart=always", "x", NULL };
	char *ok3[] = { "run", "x", NULL };
	char *bad1[] = { "run", "-d", "--restart", "sometimes", "x", NULL };
	char *bad2[] = { "run", "-d", "--restart", "always:2", "x", NULL };
	char *bad3[] = { "run", "-d", "--restart", "on-failure:-1", "x", NULL };
	char *bad4[] = { "run", "--restart", "always", "x", NULL };
	char *bad5[] = { "run", "-d", "--rm", "--restart", "on-failure", "x", NULL };
	char *bad6[] = { "run", "-d", "--restart", "on-failure:", "x", NULL };

	(void)state;
	assert_int_equal(parse_run(ok1, ARGC(ok1), &o, &err), 0);
	assert_string_equal(o.restart, "on-failure");
	assert_int_equal(o.restart_retries, 3);
	assert_int_equal(parse_run(ok2, ARGC(ok2), &o, &err), 0);
	assert_string_equal(o.restart, "always");
	assert_int_equal(o.restart_retries, 0);
	assert_int_equal(parse_run(ok3, ARGC(ok3), &o, &err), 0);
	assert_string_equal(o.restart, "no");
	assert_int_equal(parse_run(bad1, ARGC(bad1), &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "want no, on-failure[:N], always or unless-stopped"));
	assert_int_equal(parse_run(bad2, ARGC(bad2), &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "a count goes only with on-failure"));
	assert_int_equal(parse_run(bad3, ARGC(bad3), &o, &err), -EINVAL);
	assert_int_equal(parse_run(bad6, ARGC(bad6), &o, &err), -EINVAL);
	assert_int_equal(parse_run(bad4, ARGC(bad4), &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--restart needs -d"));
	assert_int_equal(parse_run(bad5, ARGC(bad5), &o, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "conflicts with --restart"));
}

static void test_pod_create(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	bool host_access;
	json_t *a;

	(void)state;
	{
		char *argv[] = { "create", "--name", "mypod", "--network", "bridge", "-p", "8000:8000", "--hostname", "box",
				 "--network-alias", "api", "--ip", "10.89.0.50", "--mac-address", "02:00:00:00:00:05", "--dns",
				 "192.0.2.53", "--add-host", "db.example:10.1.2.3", "--add-host",
				 "host.containers.internal:host-gateway", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		assert_string_equal(o.name, "mypod");
		assert_int_equal(o.networks.n, 1);
		assert_string_equal(o.networks.v[0], NETD_DEFAULT_NETWORK);
		assert_string_equal(o.ports.v[0], "8000:8000");
		assert_string_equal(o.hostname, "box");
		assert_string_equal(o.aliases.v[0], "api");
		assert_string_equal(o.ip, "10.89.0.50");
		assert_string_equal(o.mac, "02:00:00:00:00:05");
		assert_string_equal(o.dns.v[0], "192.0.2.53");
		assert_int_equal(o.add_hosts.n, 2);
		a = opts_add_hosts_json(&o.add_hosts, &host_access);
		assert_true(host_access);
		assert_string_equal(json_string_value(json_array_get(a, 0)), "db.example:10.1.2.3");
		assert_string_equal(json_string_value(json_array_get(a, 1)), "host.containers.internal:10.0.2.2");
		json_decref(a);
	}
	{
		/* as Podman 4: the name as the one argument, when --name is not given */
		char *argv[] = { "create", "--network", "none", "posname", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		assert_string_equal(o.name, "posname");
		assert_true(o.network_none);
	}
	{
		char *argv[] = { "create", "--", "p2", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		assert_string_equal(o.name, "p2");
	}
	{
		char *argv[] = { "create", "--name", "p", "--add-host", "db.example:10.1.2.3", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		a = opts_add_hosts_json(&o.add_hosts, &host_access);
		assert_false(host_access);
		json_decref(a);
	}
	{
		char *argv[] = { "create", "--name", "p", "--network", "none", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		assert_true(o.network_none);
		assert_int_equal(o.networks.n, 0);
	}
	{
		char *argv[] = { "create", "--name", "p", "--network", "host", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		assert_true(o.network_host);
	}
	/* each refused with a message naming the problem */
	{
		static const struct {
			const char *argv[8], *msg;
		} bad[] = {
			{ { "create", "--network", "a", NULL }, "pod create: a name is required (--name POD, or POD)" },
			{ { "create", "--name", "-x", NULL }, "invalid pod name \"-x\": it must start with a letter or digit" },
			{ { "create", "--name", "p", "extra", NULL }, "pod create: cannot give both --name and a name (extra)" },
			{ { "create", "p", "extra", NULL }, "pod create: unexpected argument extra" },
			{ { "create", "-x", NULL }, "pod create: unknown option -x" },
			{ { "create", "--", "-x", NULL }, "invalid pod name \"-x\"" },
			{ { "create", "--name", "p", "--bogus", NULL }, "pod create: unknown option --bogus" },
			{ { "create", "--name", "p", "--ip", "10.89.0.9", "--network", "a,b", NULL },
			  "--ip, --ip6 and --mac-address need exactly one network" },
			{ { "create", "--name", "p", "--mac-address", "01:00:5e:00:00:01", NULL }, "invalid MAC address" },
			{ { "create", "--name", "p", "--dns", "example.org", NULL }, "invalid --dns \"example.org\"" },
			{ { "create", "--name", "p", "--add-host", "nocolon", NULL }, "invalid --add-host \"nocolon\"" },
			{ { "create", "--name", "p", "--add-host", "a:not-an-ip", NULL }, "want NAME:IP or NAME:host-gateway" },
			{ { "create", "--name", "p", "--add-host", "a b:1.2.3.4", NULL }, "invalid --add-host \"a b:1.2.3.4\": the name is not a host name: byte 0x20 is not allowed" },
			{ { "create", "--name", "p", "--hostname", "a b", NULL }, "invalid hostname \"a b\": byte 0x20" },
			{ { "create", "--name", "p", "--network-alias", "a b", NULL }, "invalid network alias" },
			{ { "create", "--name", "p", "--network", "a b", NULL }, "invalid network name" },
			{ { "create", "--name", "p", "--dns", NULL }, "needs a value" },
			{ { "create", "--name", "p", "--network", "none,app", NULL }, "cannot be combined with other networks" },
			{ { "create", "--name", "p", "--network", "host", "--network", "app", NULL },
			  "cannot be combined with other networks" },
			{ { "create", "--name", "p", "--network", "host", "-p", "80", NULL }, "--network host takes no -p" },
			{ { "create", "--name", "p", "--network", "none", "--ip", "10.89.0.9", NULL },
			  "conflicting options: ip and the network mode" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int argc = 0;

			while (bad[i].argv[argc])
				argc++;
			pn_err_clear(&err);
			assert_int_equal(parse_pod((char **)bad[i].argv, argc, &o, &err), -EINVAL);
			if (!strstr(err.msg, bad[i].msg))
				fail_msg("case %zu: want \"%s\", got \"%s\"", i, bad[i].msg, err.msg);
		}
	}
}

/* --help at every level; a run's or exec's own command keeps its --help */
/* the networks a new sandbox records: each with its own static values and aliases, in order */
static void test_network_config(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	json_t *cfg, *ent;

	(void)state;
	{
		char *argv[] = { "create", "--name", "p", "--network", "front:ip=10.89.0.5,alias=web", "--network", "back",
				 "--network-alias", "all", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), 0);
		cfg = opts_network_config(&o);
		assert_int_equal(json_array_size(cfg), 2);
		ent = json_array_get(cfg, 0);
		assert_string_equal(json_string_value(json_object_get(ent, "network")), "front");
		assert_string_equal(json_string_value(json_object_get(ent, "ip")), "10.89.0.5");
		assert_int_equal(json_array_size(json_object_get(ent, "aliases")), 2);
		ent = json_array_get(cfg, 1);
		assert_string_equal(json_string_value(json_object_get(ent, "network")), "back");
		assert_null(json_object_get(ent, "ip"));
		assert_string_equal(json_string_value(json_array_get(json_object_get(ent, "aliases"), 0)), "all");
		json_decref(cfg);
	}
	{
		/* no --network: the default one */
		char *argv[] = { "run", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		cfg = opts_network_config(&o);
		assert_int_equal(json_array_size(cfg), 1);
		assert_string_equal(json_string_value(json_object_get(json_array_get(cfg, 0), "network")), NETD_DEFAULT_NETWORK);
		json_decref(cfg);
	}
	{
		/* none, host and a pod's member: no networks of their own */
		char *none[] = { "run", "--network", "none", "--", "true", NULL };
		char *host[] = { "create", "--name", "p", "--network", "host", NULL };
		char *member[] = { "run", "--pod", "p", "--", "true", NULL };

		assert_int_equal(parse_run(none, ARGC(none), &o, &err), 0);
		cfg = opts_network_config(&o);
		assert_int_equal(json_array_size(cfg), 0);
		json_decref(cfg);
		assert_int_equal(parse_pod(host, ARGC(host), &o, &err), 0);
		cfg = opts_network_config(&o);
		assert_int_equal(json_array_size(cfg), 0);
		json_decref(cfg);
		assert_int_equal(parse_run(member, ARGC(member), &o, &err), 0);
		cfg = opts_network_config(&o);
		assert_int_equal(json_array_size(cfg), 0);
		json_decref(cfg);
	}
}

static void test_signal_number(void **state)
{
	(void)state;
	assert_int_equal(opts_signal_number("KILL"), SIGKILL);
	assert_int_equal(opts_signal_number("SIGHUP"), SIGHUP);
	assert_int_equal(opts_signal_number("sigterm"), SIGTERM);
	assert_int_equal(opts_signal_number("usr1"), SIGUSR1);
	assert_int_equal(opts_signal_number("9"), 9);
	assert_int_equal(opts_signal_number("0"), -1);
	assert_int_equal(opts_signal_number("9x"), -1);
	assert_int_equal(opts_signal_number("999"), -1);
	assert_int_equal(opts_signal_number("SIG"), -1);
	assert_int_equal(opts_signal_number("NOSUCH"), -1);
}

/* stop, kill, rm and their pod forms: only the options each one takes */
/* --label KEY[=VALUE]: parsed into an object; label=KEY[=VALUE] filters */
static void test_labels(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	json_t *l;

	(void)state;
	{
		char *argv[] = { "run", "-l", "a=1", "--label", "b", "-l", "c=x=y", "-l", "a=2", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		l = opts_labels_json(&o.labels, &err);
		assert_non_null(l);
		assert_int_equal(json_object_size(l), 3);
		assert_string_equal(json_string_value(json_object_get(l, "a")), "2"); /* the last one wins */
		assert_string_equal(json_string_value(json_object_get(l, "b")), "");
		assert_string_equal(json_string_value(json_object_get(l, "c")), "x=y");
		assert_true(opts_labels_match(l, "a"));
		assert_true(opts_labels_match(l, "a=2"));
		assert_false(opts_labels_match(l, "a=1"));
		assert_true(opts_labels_match(l, "b="));
		assert_true(opts_labels_match(l, "c=x=y"));
		assert_false(opts_labels_match(l, "d"));
		assert_false(opts_labels_match(NULL, "a"));
		json_decref(l);
	}
	{
		char *argv[] = { "run", "-l", "=v", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_string_equal(err.msg, "invalid --label \"=v\": want KEY=VALUE");
	}
	{
		char *argv[] = { "create", "--name", "p", "-l", "", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "invalid --label"));
	}
}

/* --stop-signal: a name or number; not STOP or CHLD */
static void test_stop_signal(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	static const struct {
		const char *arg;
		int want; /* 0: refused */
	} cases[] = { { "QUIT", SIGQUIT }, { "SIGINT", SIGINT }, { "usr1", SIGUSR1 }, { "40", 40 }, { "KILL", SIGKILL },
		      { "STOP", 0 }, { "CHLD", 0 }, { "0", 0 }, { "nope", 0 }, { "", 0 } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "run", "--stop-signal", (char *)cases[i].arg, "--", "true", NULL };
		int r = parse_run(argv, ARGC(argv), &o, &err);

		if (cases[i].want) {
			assert_int_equal(r, 0);
			assert_int_equal(o.stop_signal, cases[i].want);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err.msg, "invalid --stop-signal"));
		}
	}
}

/* -w/--workdir: an absolute path of a directory */
static void test_run_workdir(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };

	(void)state;
	{
		char *argv[] = { "run", "-w", "/tmp", "--", "pwd", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		assert_string_equal(o.workdir, "/tmp");
	}
	{
		char *argv[] = { "run", "--workdir", "tmp", "--", "pwd", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_string_equal(err.msg, "invalid --workdir \"tmp\": it must be an absolute path");
	}
	{
		char *argv[] = { "run", "--workdir=/nonexistent-podnet-dir", "--", "pwd", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_string_equal(err.msg, "invalid --workdir \"/nonexistent-podnet-dir\": No such file or directory");
	}
	{
		char *argv[] = { "run", "-w", "/dev/null", "--", "pwd", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_string_equal(err.msg, "invalid --workdir \"/dev/null\": not a directory");
	}
	{
		char *argv[] = { "run", "--", "pwd", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		assert_null(o.workdir);
	}
}

/* --network container:NAME: a mode of its own, with Podman's conflicts */
static void test_run_network_container(void **state)
{
	struct run_opts o;
	struct pn_err err = { 0 };
	json_t *cfg;

	(void)state;
	{
		char *argv[] = { "run", "--network", "container:web", "--hostname", "h", "-e", "A=1", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), 0);
		assert_string_equal(o.network_container, "web");
		assert_int_equal(o.networks.n, 0);
		cfg = opts_network_config(&o);
		assert_int_equal(json_array_size(cfg), 0); /* not the default network */
		json_decref(cfg);
	}
	{
		static const char *const bad[][2] = {
			{ "-p", "8000:80" }, { "--ip", "10.89.0.9" }, { "--ip6", "fd00::9" },
			{ "--mac-address", "02:00:00:00:00:09" }, { "--network-alias", "a" }, { "--dns", "192.0.2.1" },
			{ "--dns-search", "a.example" }, { "--dns-option", "ndots:1" }, { "--add-host", "a:192.0.2.1" },
		};
		static const char *const want[] = { "publish", "ip", "ip6", "mac-address", "network-alias", "dns",
						    "dns-search", "dns-option", "add-host" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *argv[] = { "run", "--network", "container:web", (char *)bad[i][0], (char *)bad[i][1], "--", "true", NULL };
			char msg[128];

			assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
			snprintf(msg, sizeof(msg), "conflicting options: --%s and the network mode (--network container:web)", want[i]);
			assert_string_equal(err.msg, msg);
		}
	}
	{
		char *argv[] = { "run", "--network", "container:web", "--network", "front", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "cannot be combined with other networks"));
	}
	{
		char *argv[] = { "run", "--network", "container:", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "want container:NAME"));
	}
	{
		char *argv[] = { "run", "--pod", "p", "--network", "container:web", "--", "true", NULL };

		assert_int_equal(parse_run(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "belong to the pod"));
	}
	{
		char *argv[] = { "create", "--name", "p", "--network", "container:web", NULL };

		assert_int_equal(parse_pod(argv, ARGC(argv), &o, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "not a pod's network mode"));
	}
}

static void test_names_opts(void **state)
{
	struct names_opts no;
	struct pn_err err = { 0 };

	(void)state;
	{
		char *argv[] = { "stop", "-t", "3", "--all", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "stop", "ta", &no, &err), 4);
		assert_int_equal(no.timeout, 3);
		assert_true(no.all);
		assert_false(no.force);
		assert_int_equal(no.sig, SIGKILL);
	}
	{
		char *argv[] = { "kill", "--signal", "hup", "c1", "c2", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "kill", "sa", &no, &err), 3);
		assert_int_equal(no.sig, SIGHUP);
		assert_int_equal(no.timeout, -1);
		assert_false(no.all);
	}
	{
		/* --depend: rm's, long only */
		char *argv[] = { "rm", "--depend", "-f", "web", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "rm", "faD", &no, &err), 3);
		assert_true(no.depend);
		assert_true(no.force);
	}
	{
		char *argv[] = { "rm", "-D", "web", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "rm", "faD", &no, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "unknown option -D"));
	}
	{
		char *argv[] = { "stop", "--depend", "web", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "stop", "ta", &no, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "unknown option --depend"));
	}
	{
		char *argv[] = { "rm", "-fa", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "rm", "fa", &no, &err), 2);
		assert_true(no.force);
		assert_true(no.all);
	}
	{
		/* options after a name, as Podman takes them; after "--" only names */
		char *argv[] = { "rm", "c1", "-f", "c2", "--", "-x", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "rm", "fa", &no, &err), 3);
		assert_true(no.force);
		assert_string_equal(argv[3], "c1");
		assert_string_equal(argv[4], "c2");
		assert_string_equal(argv[5], "-x");
	}
	{
		char *argv[] = { "stop", "web", "-t", "0", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "stop", "ta", &no, &err), 3);
		assert_int_equal(no.timeout, 0);
		assert_string_equal(argv[3], "web");
	}
	{
		/* the hand-made parsers' reordering: values stay with their options, "--" ends it */
		char *argv[] = { "inspect", "a", "-f", "{{.Name}}", "b", "--format=json", "--", "-f", NULL };
		static const char *const with_value[] = { "-f", "--format", NULL };

		opts_options_first(ARGC(argv), argv, with_value);
		assert_string_equal(argv[1], "-f");
		assert_string_equal(argv[2], "{{.Name}}");
		assert_string_equal(argv[3], "--format=json");
		/* then "--", and every name after it: the names are one run, as getopt leaves them */
		assert_string_equal(argv[4], "--");
		assert_string_equal(argv[5], "a");
		assert_string_equal(argv[6], "b");
		assert_string_equal(argv[7], "-f");
	}
	{
		char *argv[] = { "pod start", "--force", "p", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "pod start", "a", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "pod start: unknown option --force");
	}
	{
		char *argv[] = { "pod start", "-f", "p", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "pod start", "a", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "pod start: unknown option -f");
	}
	{
		/* a -t value that is not a number of seconds is refused, never taken as 0 (SIGKILL at once) */
		static const char *const bad[] = { "x", "", "-1", "5s", " 5", "+5", "4294967296", "2147483648",
						   "99999999999999999999", "0x10" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *argv[] = { "stop", "-t", (char *)bad[i], "web", NULL };
			char want[128];

			pn_err_clear(&err);
			assert_int_equal(opts_names_parse(ARGC(argv), argv, "stop", "tai", &no, &err), -EINVAL);
			snprintf(want, sizeof(want), "invalid timeout \"%s\": want a number of seconds from 0 to 2147483647",
				 bad[i]);
			assert_string_equal(err.msg, want);
		}
	}
	{
		char *argv[] = { "pod stop", "--time=", "p", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "pod stop", "tai", &no, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "invalid timeout \"\""));
	}
	{
		char *argv[] = { "restart", "web", "--time", "2147483647", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "restart", "ta", &no, &err), 3);
		assert_int_equal(no.timeout, 2147483647);
		assert_int_equal(opts_timeout_ms(no.timeout), 2147483647);
		assert_int_equal(opts_timeout_ms(3), 3000);
	}
	{
		char *argv[] = { "stop", "web", "-t", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "stop", "ta", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "stop: option -t needs a value");
	}
	{
		/* -i/--ignore: stop, rm, pod stop, pod rm; not kill */
		char *argv[] = { "stop", "--ignore", "web", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "stop", "tai", &no, &err), 2);
		assert_true(no.ignore);
	}
	{
		char *argv[] = { "kill", "-i", "web", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "kill", "sa", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "kill: unknown option -i");
	}
	{
		/* rm -f -t S: how long a running one gets to stop; -t without -f is refused, as Podman */
		char *argv[] = { "rm", "web", "-t", "5", "-f", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "rm", "faDti", &no, &err), 4);
		assert_int_equal(no.timeout, 5);
		assert_true(no.force);
		assert_string_equal(argv[4], "web");
	}
	{
		char *argv[] = { "pod rm", "--time", "5", "p", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "pod rm", "fati", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "pod rm: -t/--time needs -f/--force (only -f stops what runs)");
	}
	{
		/* "--" first, or among the names: not a name itself */
		char *argv[] = { "rm", "-f", "--", "a", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "rm", "faDti", &no, &err), 3);
		assert_string_equal(argv[3], "a");
	}
	{
		char *argv[] = { "kill", "-s", "NOSUCH", "c", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "kill", "sa", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "invalid signal \"NOSUCH\": want a name such as TERM or SIGHUP, or a number");
	}
	{
		char *argv[] = { "kill", "-t", "3", "c", NULL };

		assert_int_equal(opts_names_parse(ARGC(argv), argv, "kill", "sa", &no, &err), -EINVAL);
		assert_string_equal(err.msg, "kill: unknown option -t");
	}
}

/* the hand-made parsers of the commands that take names: "--" ends the options, an unknown option is named */
static void test_force_and_refs(void **state)
{
	struct pn_err err = { 0 };
	bool force;

	(void)state;
	{
		char *argv[] = { "rm", "--", "dd", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "network rm", &force, &err), 2);
		assert_false(force);
		assert_string_equal(argv[2], "dd");
	}
	{
		char *argv[] = { "rm", "dd", "-f", "--", "ee", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "network rm", &force, &err), 3);
		assert_true(force);
		assert_string_equal(argv[3], "dd");
		assert_string_equal(argv[4], "ee");
	}
	{
		char *argv[] = { "disconnect", "net", "--", "ctr", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "network disconnect", &force, &err), 2);
		assert_string_equal(argv[2], "net");
		assert_string_equal(argv[3], "ctr");
	}
	{
		char *argv[] = { "prune", "--", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "pod prune", &force, &err), 2);
	}
	{
		char *argv[] = { "rm", "--bogus", "dd", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "network rm", &force, &err), -EINVAL);
		assert_string_equal(err.msg, "network rm: unknown option --bogus (see 'podnet network rm --help')");
	}
	{
		char *argv[] = { "rm", "dd", "-t", "5", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "network rm", &force, &err), -EINVAL);
		assert_string_equal(err.msg, "network rm: unknown option -t (see 'podnet network rm --help')");
	}
	{
		char *argv[] = { "rm", "--", "-t", NULL };

		assert_int_equal(opts_force(ARGC(argv), argv, "network rm", &force, &err), 2);
		assert_string_equal(argv[2], "-t");
	}
	{
		char *argv[] = { "wait", "--", "web", NULL };

		assert_int_equal(opts_refs_only(ARGC(argv), argv, "wait", &err), 2);
		assert_string_equal(argv[2], "web");
	}
	{
		char *argv[] = { "exists", "web", "--", NULL };

		assert_int_equal(opts_refs_only(ARGC(argv), argv, "network exists", &err), 2);
		assert_string_equal(argv[2], "web");
	}
	{
		char *argv[] = { "port", "web", "80", NULL };

		assert_int_equal(opts_refs_only(ARGC(argv), argv, "port", &err), 1);
	}
	{
		char *argv[] = { "wait", "web", "--bogus", NULL };

		assert_int_equal(opts_refs_only(ARGC(argv), argv, "wait", &err), -EINVAL);
		assert_string_equal(err.msg, "wait: unknown option --bogus (see 'podnet wait --help')");
	}
}

static void test_help(void **state)
{
	static const struct {
		const char *argv[8], *want; /* want: the start of the text, or NULL for no help */
	} cases[] = {
		{ { "podnet", "network", "--help" }, "Usage: podnet network create|ls|" },
		{ { "podnet", "network", "create", "--subnet", "10.9.0.0/24", "--help" }, "Usage: podnet network create [--subnet" },
		{ { "podnet", "network", "connect", "--help" }, "Usage: podnet network connect [--ip IP]" },
		{ { "podnet", "pod", "create", "--help" }, "Usage: podnet pod create [--name] POD" },
		{ { "podnet", "pod", "rm", "-f", "--help" }, "Usage: podnet pod rm [-f] [-t S] [-i] POD..." },
		{ { "podnet", "pod", "stop", "--help" }, "Usage: podnet pod stop [-t S] [-i] POD... | --all" },
		{ { "podnet", "pod", "kill", "--help" }, "Usage: podnet pod kill [-s SIGNAL] POD... | --all" },
		{ { "podnet", "pod", "--help" }, "Usage: podnet pod create|ls|inspect|exists|start|stop|" },
		{ { "podnet", "system", "reset", "--help" }, "Usage: podnet system reset -f" },
		{ { "podnet", "run", "--help" }, "Usage: podnet run [-d] [--rm]" },
		{ { "podnet", "ps", "-a", "--help" }, "Usage: podnet ps [-a]" },
		{ { "podnet", "exec", "--help" }, "Usage: podnet exec [-i] [-t]" },
		{ { "podnet", "run", "--rm", "--", "sh", "--help" }, NULL },
		{ { "podnet", "run", "--rm", "sh", "--help" }, NULL },
		{ { "podnet", "exec", "c1", "--", "ls", "--help" }, NULL },
		{ { "podnet", "network", "ls" }, NULL },
		{ { "podnet", "network", "bogus", "--help" }, NULL },
		{ { "podnet", "rm", "--", "--help" }, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int argc = 0;
		const char *got;

		while (cases[i].argv[argc])
			argc++;
		got = opts_help(argc, (char **)cases[i].argv);
		if (!cases[i].want ? got != NULL : !got || strncmp(got, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].want ? cases[i].want : "(none)",
				 got ? got : "(none)");
	}
}

/* the option named in an error is the one the user wrote */
static void test_bad_option_named(void **state)
{
	static const struct {
		const char *argv[6], *msg;
	} cases[] = {
		{ { "run", "--rm", "-zt", "--", "sh" }, "run: unknown option -z (see 'podnet run --help')" },
		{ { "run", "--rm", "-iz", "--", "sh" }, "run: unknown option -z" },
		{ { "run", "-dx", "--", "sh" }, "run: unknown option -x" },
		{ { "run", "--bogus", "--", "sh" }, "run: unknown option --bogus" },
		{ { "run", "--rm", "-p" }, "run: option -p needs a value" },
		{ { "run", "--rm", "--publish" }, "run: option --publish needs a value" },
		{ { "create", "--name", "p", "-z" }, "pod create: unknown option -z" },
	};
	struct run_opts o;
	struct pn_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int argc = 0;

		while (cases[i].argv[argc])
			argc++;
		pn_err_clear(&err);
		if (strcmp(cases[i].argv[0], "run") == 0)
			assert_int_equal(parse_run((char **)cases[i].argv, argc, &o, &err), -EINVAL);
		else
			assert_int_equal(parse_pod((char **)cases[i].argv, argc, &o, &err), -EINVAL);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, cases[i].msg, err.msg);
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
		cmocka_unit_test(test_run_env),
		cmocka_unit_test(test_run_command_options_not_ours),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_run_network_settings),
		cmocka_unit_test(test_run_dns_search),
		cmocka_unit_test(test_run_restart),
		cmocka_unit_test(test_pod_create),
		cmocka_unit_test(test_network_config),
		cmocka_unit_test(test_signal_number),
		cmocka_unit_test(test_stop_signal),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_run_workdir),
		cmocka_unit_test(test_run_network_container),
		cmocka_unit_test(test_names_opts),
		cmocka_unit_test(test_force_and_refs),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_option_named),
		cmocka_unit_test(test_network_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
