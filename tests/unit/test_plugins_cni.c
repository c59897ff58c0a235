// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CNI protocol of podnet-bridge: environment, CNI_ARGS as Podman 4.3.1
 * sends them, a conflist plugin object Podman wrote (type changed), results
 * in 0.4.0 and 1.0.0 shapes, VERSION and error objects, prevResult for CHECK,
 * and malformed input (shared/reference/cni.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cni_proto.h"
#include "fileutil.h"

static char *data(const char *name, size_t *len)
{
	char path[512];
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/%s", PLUGINS_TESTDATA, name);
	assert_int_equal(pn_read_file(path, 1 << 20, &buf, len), 0);
	return buf;
}

static const char *env_tab[16][2];

static const char *fake_env(const char *name)
{
	for (int i = 0; env_tab[i][0]; i++)
		if (strcmp(env_tab[i][0], name) == 0)
			return env_tab[i][1];
	return NULL;
}

static void set_env(const char *cmd, const char *id, const char *netns, const char *ifname, const char *args)
{
	memset(env_tab, 0, sizeof(env_tab));
	env_tab[0][0] = "CNI_COMMAND";
	env_tab[0][1] = cmd;
	env_tab[1][0] = "CNI_CONTAINERID";
	env_tab[1][1] = id;
	env_tab[2][0] = "CNI_NETNS";
	env_tab[2][1] = netns;
	env_tab[3][0] = "CNI_IFNAME";
	env_tab[3][1] = ifname;
	env_tab[4][0] = "CNI_ARGS";
	env_tab[4][1] = args;
}

static void test_env(void **state)
{
	struct cni_env e;
	struct pn_err err = { 0 };

	(void)state;
	set_env("ADD", "26750609d6e5fdbd9099d0d0a3be63c2d3acdc7e070ae6ca09c7dd6784e44826",
		"/run/user/1000/netns/netns-1b05baad", "eth0", "IgnoreUnknown=1;K8S_POD_NAME=if-cweb");
	assert_int_equal(cni_env_parse(fake_env, &e, &err), 0);
	assert_int_equal(e.command, CNI_CMD_ADD);
	assert_string_equal(e.ifname, "eth0");
	/* VERSION as Podman sends it: dummy values, empty id */
	set_env("VERSION", "", "dummy", "dummy", "");
	assert_int_equal(cni_env_parse(fake_env, &e, &err), 0);
	assert_int_equal(e.command, CNI_CMD_VERSION);
	/* DEL without a namespace is fine, ADD is not */
	set_env("DEL", "abc", "", "eth0", NULL);
	assert_int_equal(cni_env_parse(fake_env, &e, &err), 0);
	assert_null(e.netns);
	set_env("ADD", "abc", "", "eth0", NULL);
	assert_int_equal(cni_env_parse(fake_env, &e, &err), CNI_ERR_ENV);
	set_env("ADD", "a/b", "/x", "eth0", NULL);
	assert_int_equal(cni_env_parse(fake_env, &e, &err), CNI_ERR_ENV);
	set_env("ADD", "abc", "/x", "eth0/1", NULL);
	assert_int_equal(cni_env_parse(fake_env, &e, &err), CNI_ERR_ENV);
	set_env("FROB", "abc", "/x", "eth0", NULL);
	assert_int_equal(cni_env_parse(fake_env, &e, &err), CNI_ERR_ENV);
	set_env(NULL, "abc", "/x", "eth0", NULL);
	assert_int_equal(cni_env_parse(fake_env, &e, &err), CNI_ERR_ENV);
}

static void test_args(void **state)
{
	struct cni_args a;
	struct pn_err err = { 0 };
	char b[PN_IPSTR_MAX];

	(void)state;
	assert_int_equal(cni_args_parse("IgnoreUnknown=1;K8S_POD_NAME=if-cc3;MAC=02:aa:bb:cc:dd:ee;IP=10.89.11.77", &a, &err), 0);
	assert_string_equal(a.pod_name, "if-cc3");
	assert_true(a.has_mac);
	assert_int_equal(a.mac[5], 0xee);
	assert_int_equal(a.nips, 1);
	assert_string_equal(pn_ip_format(&a.ips[0], b), "10.89.11.77");
	assert_int_equal(cni_args_parse("IP=10.0.0.5,fd00::5", &a, &err), 0);
	assert_int_equal(a.nips, 2);
	assert_int_equal(cni_args_parse("", &a, &err), 0);
	assert_int_equal(cni_args_parse(NULL, &a, &err), 0);
	assert_int_equal(cni_args_parse("FOO=bar", &a, &err), CNI_ERR_ENV);
	assert_non_null(strstr(err.msg, "FOO"));
	assert_int_equal(cni_args_parse("FOO=bar;IgnoreUnknown=true", &a, &err), 0);
	assert_int_equal(cni_args_parse("IP=10.0.0.300", &a, &err), CNI_ERR_ENV);
	assert_int_equal(cni_args_parse("IP=1.2.3.4,5.6.7.8,9.9.9.9", &a, &err), CNI_ERR_ENV);
	assert_int_equal(cni_args_parse("MAC=01:00:5e:00:00:01", &a, &err), CNI_ERR_ENV);
	assert_int_equal(cni_args_parse("justakey", &a, &err), CNI_ERR_ENV);
}

static void test_conf_podman(void **state)
{
	struct cni_conf c;
	struct pn_err err = { 0 };
	size_t len;
	char *text = data("cni-podman-conf.json", &len);
	char b[PN_IPSTR_MAX];

	(void)state;
	assert_int_equal(cni_conf_parse(text, len, true, &c, &err), 0);
	assert_string_equal(c.version, "0.4.0");
	assert_string_equal(c.name, "if-cni1");
	assert_string_equal(c.net.bridge, "cni-podman1");
	assert_int_equal(c.net.nsubnets, 1);
	assert_string_equal(pn_ip_format(&c.net.subnets[0].gateway, b), "10.89.0.1");
	assert_false(c.net.internal);
	assert_false(c.dns);
	assert_string_equal(c.data_dir, CNI_DEFAULT_DATADIR);
	assert_int_equal(c.rt_nips, 1);
	assert_string_equal(pn_ip_format(&c.rt_ips[0], b), "10.89.0.77");
	assert_int_equal(json_array_size(c.aliases), 2);
	assert_null(c.prev_result);
	cni_conf_free(&c);
	free(text);
}

static void test_conf_variants(void **state)
{
	struct cni_conf c;
	struct pn_err err = { 0 };
	char b[PN_IPSTR_MAX];
	const char *internal = "{\"cniVersion\":\"1.0.0\",\"name\":\"int\",\"type\":\"podnet-bridge\",\"isGateway\":false,"
			       "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.99.5.0/24\"}]]}}";
	const char *flat = "{\"cniVersion\":\"0.3.1\",\"name\":\"flat\",\"type\":\"podnet-bridge\",\"mtu\":1400,"
			   "\"dnsEnabled\":true,\"dataDir\":\"/tmp/x\",\"ipam\":{\"subnet\":\"10.99.6.0/24\","
			   "\"rangeStart\":\"10.99.6.100\",\"rangeEnd\":\"10.99.6.110\"}}";

	(void)state;
	assert_int_equal(cni_conf_parse(internal, strlen(internal), true, &c, &err), 0);
	assert_true(c.net.internal);
	assert_int_equal(c.net.subnets[0].gateway.family, 0);
	assert_string_equal(c.net.bridge, CNI_DEFAULT_BRIDGE);
	assert_false(c.dns);
	cni_conf_free(&c);
	assert_int_equal(cni_conf_parse(flat, strlen(flat), true, &c, &err), 0);
	assert_int_equal(c.net.mtu, 1400);
	assert_true(c.dns);
	/* host-local's default gateway: the first address */
	assert_string_equal(pn_ip_format(&c.net.subnets[0].gateway, b), "10.99.6.1");
	assert_true(c.net.subnets[0].has_range);
	assert_string_equal(pn_ip_format(&c.net.subnets[0].range_end, b), "10.99.6.110");
	assert_string_equal(c.data_dir, "/tmp/x");
	cni_conf_free(&c);
}

static void expect_conf(const char *doc, int code, const char *msg_part)
{
	struct cni_conf c;
	struct pn_err err = { 0 };

	assert_int_equal(cni_conf_parse(doc, strlen(doc), true, &c, &err), code);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
	cni_conf_free(&c);
}

#define IPAM "\"ipam\":{\"ranges\":[[{\"subnet\":\"10.99.0.0/24\"}]]}"
static void test_conf_malformed(void **state)
{
	(void)state;
	expect_conf("", CNI_ERR_DECODE, NULL);
	expect_conf("[1]", CNI_ERR_DECODE, NULL);
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"a\",\"name\":\"b\"}", CNI_ERR_DECODE, NULL);
	expect_conf("{\"cniVersion\":\"9.9.9\",\"name\":\"n\"," IPAM "}", CNI_ERR_VERSION, "9.9.9");
	expect_conf("{\"name\":\"n\"," IPAM "}", CNI_ERR_VERSION, NULL);
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"bad name\"," IPAM "}", CNI_ERR_CONFIG, "name");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", CNI_ERR_CONFIG, "ipam");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"type\":\"dhcp\"}}", CNI_ERR_FIELD, "dhcp");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"ranges\":[[]]}}", CNI_ERR_CONFIG, "range");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"ipam\":{\"subnet\":\"10.1.2.0/33\"}}", CNI_ERR_CONFIG, "subnet");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"bridge\":\"a/b\"," IPAM "}", CNI_ERR_CONFIG, "bridge");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"mtu\":20," IPAM "}", CNI_ERR_CONFIG, "mtu");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"dataDir\":\"rel\"," IPAM "}", CNI_ERR_CONFIG, "dataDir");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"ips\":[\"x\"]}," IPAM "}", CNI_ERR_CONFIG, NULL);
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"mac\":\"zz\"}," IPAM "}", CNI_ERR_CONFIG, "mac");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"aliases\":{\"n\":[\"a b\"]}}," IPAM "}",
		    CNI_ERR_CONFIG, "aliases");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"prevResult\":[]," IPAM "}", CNI_ERR_DECODE, "prevResult");
}

/* runtimeConfig.portMappings as Podman and libcni send it, and what is refused */
static void test_conf_ports(void **state)
{
	static const char ok[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":["
				 "{\"hostPort\":18400,\"containerPort\":80,\"protocol\":\"tcp\"},"
				 "{\"hostPort\":18401,\"containerPort\":81,\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"},"
				 "{\"hostPort\":18402,\"containerPort\":82}]}," IPAM "}";
	struct pn_err err = { 0 };
	struct cni_conf c;

	(void)state;
	assert_int_equal(cni_conf_parse(ok, strlen(ok), true, &c, &err), 0);
	assert_int_equal(c.nports, 3);
	assert_int_equal(c.ports[0].host_port, 18400);
	assert_int_equal(c.ports[0].container_port, 80);
	assert_string_equal(c.ports[0].protocol, "tcp");
	assert_int_equal(c.ports[0].host_ip.family, 0);
	assert_string_equal(c.ports[1].protocol, "udp");
	assert_int_equal(c.ports[1].host_ip.family, AF_INET);
	assert_string_equal(c.ports[2].protocol, "tcp"); /* the CNI default */
	cni_conf_free(&c);
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":{}}," IPAM "}",
		    CNI_ERR_CONFIG, "portMappings");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":0,"
		    "\"containerPort\":80}]}," IPAM "}", CNI_ERR_CONFIG, "ports");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,"
		    "\"containerPort\":65536}]}," IPAM "}", CNI_ERR_CONFIG, "ports");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,"
		    "\"containerPort\":80,\"protocol\":\"icmp\"}]}," IPAM "}", CNI_ERR_CONFIG, "protocol");
	expect_conf("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":80,"
		    "\"containerPort\":80,\"hostIP\":\"localhost\"}]}," IPAM "}", CNI_ERR_CONFIG, "hostIP");
}

static void test_result(void **state)
{
	struct cni_conf c;
	struct pn_err err = { 0 };
	size_t len, wlen;
	char *text = data("cni-podman-conf.json", &len), *want_text = data("cni-bridge-result.json", &wlen);
	json_t *want = json_loads(want_text, 0, NULL), *got, *ip;
	struct cni_iface ifs[3] = {
		{ "cni-podman1", { 0x12, 0x9f, 0x22, 0x23, 0x6c, 0xcc }, NULL },
		{ "vethcf00e737", { 0x42, 0x01, 0xb7, 0xa3, 0x77, 0xf5 }, NULL },
		{ "eth0", { 0x16, 0x38, 0xbb, 0xc4, 0x9e, 0x9e }, "/run/user/1000/netns/netns-1b05baad-57a2-4ad9-588f-5eb50d8830c2" },
	};
	struct pn_ip ip4;
	int prefix = 24;
	struct cni_prev prev;

	(void)state;
	assert_int_equal(cni_conf_parse(text, len, true, &c, &err), 0);
	assert_int_equal(pn_ip_parse("10.89.0.2", &ip4), 0);
	got = cni_result_doc(&c, ifs, &ip4, &prefix, 1);
	/* the stock bridge plugin's real answer, except that we name the gateway of the route */
	assert_true(json_equal(json_object_get(got, "interfaces"), json_object_get(want, "interfaces")));
	assert_true(json_equal(json_object_get(got, "ips"), json_object_get(want, "ips")));
	assert_string_equal(json_string_value(json_object_get(got, "cniVersion")), "0.4.0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(got, "routes"), 0), "dst")),
			    "0.0.0.0/0");
	assert_int_equal(json_object_size(json_object_get(got, "dns")), 0);
	/* and it reads back as a prevResult for CHECK, as does the real one */
	assert_int_equal(cni_prev_parse(got, "eth0", &prev, &err), 0);
	assert_int_equal(prev.nips, 1);
	assert_true(pn_ip_equal(&prev.ips[0], &ip4));
	assert_true(prev.has_mac);
	assert_int_equal(cni_prev_parse(want, "eth0", &prev, &err), 0);
	assert_int_equal(prev.prefixes[0], 24);
	assert_int_equal(cni_prev_parse(want, "eth1", &prev, &err), CNI_ERR_DECODE);
	json_decref(got);

	/* 1.0.0: no "version" in ips; DNS on: the gateway and dns.podman */
	strcpy(c.version, "1.0.0");
	c.dns = true;
	got = cni_result_doc(&c, ifs, &ip4, &prefix, 1);
	ip = json_array_get(json_object_get(got, "ips"), 0);
	assert_null(json_object_get(ip, "version"));
	assert_int_equal(json_integer_value(json_object_get(ip, "interface")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(got, "dns"), "nameservers"), 0)),
			    "10.89.0.1");
	json_decref(got);
	json_decref(want);
	cni_conf_free(&c);
	free(text);
	free(want_text);
}

static void test_version_error(void **state)
{
	struct cni_conf c;
	json_t *v, *e, *list;
	const char *req = "{\"cniVersion\":\"1.0.0\"}";

	(void)state;
	/* VERSION as Podman sends it */
	assert_int_equal(cni_conf_parse(req, strlen(req), false, &c, NULL), 0);
	v = cni_version_doc(c.version);
	assert_string_equal(json_string_value(json_object_get(v, "cniVersion")), "1.0.0");
	list = json_object_get(v, "supportedVersions");
	assert_true(json_array_size(list) >= 4);
	assert_string_equal(json_string_value(json_array_get(list, json_array_size(list) - 1)), "1.0.0");
	json_decref(v);
	cni_conf_free(&c);
	assert_true(cni_version_supported("0.4.0"));
	assert_false(cni_version_supported("0.2.0"));
	assert_false(cni_version_supported(NULL));

	e = cni_error_doc("0.4.0", 999, "if-fail: boom", "some details");
	assert_int_equal(json_object_size(e), 4);
	assert_int_equal(json_integer_value(json_object_get(e, "code")), 999);
	assert_string_equal(json_string_value(json_object_get(e, "details")), "some details");
	json_decref(e);
	e = cni_error_doc(NULL, 7, "bad", NULL);
	assert_int_equal(json_object_size(e), 3);
	assert_string_equal(json_string_value(json_object_get(e, "cniVersion")), CNI_DEFAULT_VERSION);
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),           cmocka_unit_test(test_args),
		cmocka_unit_test(test_conf_podman),   cmocka_unit_test(test_conf_variants),
		cmocka_unit_test(test_conf_malformed), cmocka_unit_test(test_result),
		cmocka_unit_test(test_version_error), cmocka_unit_test(test_conf_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
