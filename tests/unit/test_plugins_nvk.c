// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netavark protocol: command lines and NetworkOptions documents captured
 * from Podman 4.3.1 (shared/reference/netavark-protocol.md), the StatusBlock
 * we print for them compared with netavark's real output, and malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fileutil.h"
#include "link.h"
#include "nvk_proto.h"

/* not inlined: GCC 12 at -O3 takes the pointers into the result for pointers to the local @buf */
static __attribute__((noinline)) char *data(const char *name, size_t *len)
{
	char path[512];
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s", PLUGINS_TESTDATA, name);
	assert_int_equal(pn_read_file(path, 1 << 20, &buf, len), 0);
	return buf;
}

static int parse_argv(struct nvk_args *a, struct pn_err *err, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, err);
	argv[argc++] = "netavark";
	for (char *s; (s = va_arg(ap, char *));)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	return nvk_args_parse(argc, argv, a, err);
}

static void test_args(void **state)
{
	struct nvk_args a;
	struct pn_err err = { 0 };

	(void)state;
	assert_int_equal(parse_argv(&a, &err, "--config", "/run/user/1000/containers/networks", "--rootless=true",
				    "--aardvark-binary=/usr/lib/podman/aardvark-dns", "setup",
				    "/run/user/1000/netns/netns-21964034", NULL), 0);
	assert_int_equal(a.command, NVK_SETUP);
	assert_true(a.rootless);
	assert_string_equal(a.config, "/run/user/1000/containers/networks");
	assert_string_equal(a.aardvark, "/usr/lib/podman/aardvark-dns");
	assert_string_equal(a.netns, "/run/user/1000/netns/netns-21964034");

	assert_int_equal(parse_argv(&a, &err, "--config", "/run/containers/networks", "--rootless=false",
				    "--aardvark-binary=", "teardown", "/run/netns/x", NULL), 0);
	assert_int_equal(a.command, NVK_TEARDOWN);
	assert_false(a.rootless);
	assert_string_equal(a.aardvark, "");

	assert_int_equal(parse_argv(&a, &err, "-f", "/tmp/opts.json", "setup", "/run/netns/x", NULL), 0);
	assert_string_equal(a.file, "/tmp/opts.json");
	assert_int_equal(parse_argv(&a, &err, "version", NULL), 0);
	assert_int_equal(a.command, NVK_VERSION);
	assert_int_equal(parse_argv(&a, &err, "--version", NULL), 0);
	assert_true(a.print_version);

	/* malformed command lines */
	assert_int_equal(parse_argv(&a, &err, "setup", NULL), -EINVAL);
	assert_int_equal(parse_argv(&a, &err, "--rootless=maybe", "setup", "/x", NULL), -EINVAL);
	assert_non_null(strstr(err.msg, "--rootless"));
	assert_int_equal(parse_argv(&a, &err, "frobnicate", "/x", NULL), -EINVAL);
	assert_int_equal(parse_argv(&a, &err, "setup", "/x", "extra", NULL), -EINVAL);
	assert_int_equal(parse_argv(&a, &err, "--bogus", "setup", "/x", NULL), -EINVAL);
	assert_int_equal(parse_argv(&a, &err, NULL), -EINVAL);
}

static void test_parse_multi(void **state)
{
	struct nvk_options o;
	struct pn_err err = { 0 };
	size_t len;
	char *text = data("nvk-multi.json", &len);
	char b[PN_IPSTR_MAX];

	(void)state;
	assert_int_equal(nvk_options_parse(text, len, &o, &err), 0);
	assert_string_equal(o.container_name, "if-multi");
	assert_int_equal(strlen(o.container_id), 64);
	assert_int_equal(o.nnets, 2);
	assert_string_equal(o.nets[0].ifname, "eth0");
	assert_string_equal(o.nets[0].net.name, "if-net1");
	assert_string_equal(o.nets[0].net.bridge, "podman1");
	assert_int_equal(o.nets[0].nips, 1);
	assert_string_equal(pn_ip_format(&o.nets[0].ips[0], b), "10.89.0.3");
	assert_int_equal(o.nets[0].prefixes[0], 24);
	assert_false(o.nets[0].has_mac);
	assert_true(o.nets[0].net.dns);
	/* names for DNS: the container name first, then the aliases Podman sent */
	assert_int_equal(json_array_size(o.nets[0].names), 3);
	assert_string_equal(json_string_value(json_array_get(o.nets[0].names, 0)), "if-multi");
	assert_string_equal(json_string_value(json_array_get(o.nets[0].names, 2)), "3ca05e326cd5");
	assert_string_equal(o.nets[1].ifname, "eth1");
	assert_int_equal(o.nports, 4);
	assert_int_equal(o.ports[3].range, 3);
	assert_string_equal(o.ports[3].protocol, "udp");
	assert_int_equal(o.ports[0].host_ip.family, AF_INET);
	assert_int_equal(o.ports[1].host_ip.family, 0);
	nvk_options_free(&o);
	free(text);
}

/* our StatusBlock equals netavark's real one, except for the random MACs */
static void check_status(const char *in, const char *want_file)
{
	struct nvk_options o;
	struct pn_err err = { 0 };
	size_t len, wlen;
	char *text = data(in, &len), *want_text = data(want_file, &wlen);
	json_t *status = json_object(), *want = json_loads(want_text, 0, NULL);
	const char *k;
	json_t *v;

	assert_non_null(want);
	assert_int_equal(nvk_options_parse(text, len, &o, &err), 0);
	for (size_t i = 0; i < o.nnets; i++) {
		json_t *wi = json_object_get(json_object_get(want, o.nets[i].net.name), "interfaces");
		const char *mac = json_string_value(json_object_get(json_object_get(wi, o.nets[i].ifname), "mac_address"));
		unsigned char m[6];

		assert_non_null(mac);
		assert_int_equal(netd_mac_parse(mac, m), 0);
		assert_int_equal(nvk_status_add(status, &o.nets[i], m), 0);
	}
	json_object_foreach(want, k, v)
		assert_true(json_equal(v, json_object_get(status, k)));
	assert_int_equal(json_object_size(status), json_object_size(want));
	json_decref(status);
	json_decref(want);
	nvk_options_free(&o);
	free(text);
	free(want_text);
}

static void test_status(void **state)
{
	(void)state;
	check_status("nvk-multi.json", "nvk-multi-status.json");
	/* DNS off, static MAC, custom gateway, lease range and mtu */
	check_status("nvk-opts.json", "nvk-opts-status.json");
}

static void test_static_mac(void **state)
{
	struct nvk_options o;
	struct pn_err err = { 0 };
	size_t len;
	char *text = data("nvk-opts.json", &len);

	(void)state;
	assert_int_equal(nvk_options_parse(text, len, &o, &err), 0);
	assert_true(o.nets[0].has_mac);
	assert_int_equal(o.nets[0].mac[5], 0x55);
	assert_int_equal(o.nets[0].net.mtu, 1400);
	assert_false(o.nets[0].net.dns);
	nvk_options_free(&o);
	free(text);
}

/* Replace the first occurrence of @from in the captured document and expect a rejection. */
static void expect_rejected(const char *from, const char *to, const char *msg_part)
{
	struct nvk_options o;
	struct pn_err err = { 0 };
	size_t len;
	char *text = data("nvk-multi.json", &len), *at = strstr(text, from);
	char *doc = malloc(len + strlen(to) + 1);

	assert_non_null(at);
	memcpy(doc, text, (size_t)(at - text));
	strcpy(doc + (at - text), to);
	strcat(doc, at + strlen(from));
	assert_int_equal(nvk_options_parse(doc, strlen(doc), &o, &err), -EINVAL);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
	nvk_options_free(&o);
	free(doc);
	free(text);
}

static void test_malformed(void **state)
{
	struct nvk_options o;
	struct pn_err err = { 0 };

	(void)state;
	assert_int_equal(nvk_options_parse("", 0, &o, &err), -EINVAL);
	nvk_options_free(&o);
	assert_int_equal(nvk_options_parse("{\"container_id\":", 16, &o, &err), -EINVAL);
	nvk_options_free(&o);
	assert_int_equal(nvk_options_parse("[]", 2, &o, &err), -EINVAL);
	nvk_options_free(&o);
	expect_rejected("\"container_id\"", "\"container_idx\"", "container_id");
	expect_rejected("\"container_name\":\"if-multi\"", "\"container_name\":\"\"", "container_name");
	expect_rejected("\"10.89.0.3\"", "\"10.89.7.3\"", "none of its subnets");
	expect_rejected("\"10.89.0.3\"", "\"10.89.0.300\"", "invalid static IP");
	expect_rejected("\"interface_name\":\"eth0\"", "\"interface_name\":\"eth1\"", "two networks");
	expect_rejected("\"interface_name\":\"eth0\"", "\"interface_name\":\"a/b\"", "interface_name");
	expect_rejected("\"interface_name\":\"eth0\"", "\"interface_name\":\"a-very-long-ifname0\"", "interface_name");
	expect_rejected("\"if-alias-a\"", "7", "alias");
	expect_rejected("\"protocol\":\"tcp\"", "\"protocol\":\"icmp\"", "protocol");
	expect_rejected("\"range\":3", "\"range\":0", "port mapping");
	expect_rejected("\"host_port\":18100", "\"host_port\":65535", "port mapping");
	/* a range so large that container_port + range overflows */
	expect_rejected("\"range\":3", "\"range\":9223372036854775807", "port mapping");
	expect_rejected("\"host_port\":18100", "\"host_port\":70000", "port mapping");
	expect_rejected("\"network_interface\":\"podman1\"", "\"network_interface\":\"\"", "network_interface");
	expect_rejected("\"subnet\":\"10.89.0.0/24\"", "\"subnet\":\"10.89.0.5/24\"", "subnet");
	expect_rejected("\"network_info\":{\"if-net1\"", "\"network_info\":{\"if-netX\"", "network_info");
	expect_rejected("\"static_ips\":[\"10.89.0.3\"],", "", "static_ips");
	expect_rejected("\"static_ips\":[\"10.89.0.3\"]", "\"static_ips\":[\"10.89.0.3\",\"10.89.0.3\"]", "twice");
	expect_rejected("\"driver\":\"bridge\"", "\"driver\":\"macvlan\"", "driver");
	/* netavark takes any number; podnet's limit is podnet's, and the message says so */
	expect_rejected("{\"subnet\":\"10.89.0.0/24\",\"gateway\":\"10.89.0.1\"}",
			"{\"subnet\":\"10.89.0.0/24\",\"gateway\":\"10.89.0.1\"},{\"subnet\":\"10.89.5.0/24\"},"
			"{\"subnet\":\"fd00:5::/64\"}",
			"if-net1 has 3 subnets: podnet supports at most 2 per network");
	expect_rejected("\"networks\":{", "\"networks\":{\"if-net1\":{},", NULL); /* duplicate key */
}

/* the names of the captured document's first network after replacing @from by @to */
static void names_after(const char *from, const char *to, const char *want)
{
	struct nvk_options o;
	struct pn_err err = { 0 };
	size_t len, i;
	char *text = data("nvk-multi.json", &len), *at = strstr(text, from);
	char *doc = malloc(len + strlen(to) + 1), got[8192] = "";
	json_t *v;

	assert_non_null(at);
	memcpy(doc, text, (size_t)(at - text));
	strcpy(doc + (at - text), to);
	strcat(doc, at + strlen(from));
	if (nvk_options_parse(doc, strlen(doc), &o, &err) < 0)
		fail_msg("rejected: %s", err.msg);
	json_array_foreach(o.nets[0].names, i, v) {
		if (i)
			strcat(got, ",");
		strcat(got, json_string_value(v));
	}
	assert_string_equal(got, want);
	nvk_options_free(&o);
	free(doc);
	free(text);
}

/*
 * A container name or alias that cannot be a DNS name is left out of the
 * names (netavark accepts them; Podman allows 254+ character names), not refused.
 */
static void test_names_not_dns(void **state)
{
	char long_name[400], long_label[80], ok_label[80];

	(void)state;
	memset(long_name, 'n', 300);
	strcpy(long_name + 300, "\"");
	memset(long_label, 'l', 64);
	strcpy(long_label + 64, ".x\"");
	memset(ok_label, 'k', 63);
	strcpy(ok_label + 63, ".x\"");
	names_after("if-multi\"", long_name, "if-alias-a,3ca05e326cd5");
	names_after("if-multi\"", long_label, "if-alias-a,3ca05e326cd5");
	names_after("if-multi\"", ok_label,
		    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk.x,if-alias-a,3ca05e326cd5");
	names_after("if-multi\"", "if multi\"", "if-alias-a,3ca05e326cd5");
	names_after("\"if-alias-a\"", "\"bad alias\"", "if-multi,3ca05e326cd5");
	names_after("\"if-alias-a\"", "\"a..b\"", "if-multi,3ca05e326cd5");
}

static void test_error_doc(void **state)
{
	json_t *e = nvk_error_doc("invalid namespace path: x");
	json_t *v = nvk_version_doc();

	(void)state;
	/* Podman rejects unknown keys: exactly one */
	assert_int_equal(json_object_size(e), 1);
	assert_string_equal(json_string_value(json_object_get(e, "error")), "invalid namespace path: x");
	assert_non_null(json_string_value(json_object_get(v, "version")));
	json_decref(e);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),          cmocka_unit_test(test_parse_multi),
		cmocka_unit_test(test_status),        cmocka_unit_test(test_static_mac),
		cmocka_unit_test(test_malformed),     cmocka_unit_test(test_error_doc),
		cmocka_unit_test(test_names_not_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
