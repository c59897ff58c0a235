// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared pieces of the plugin fronts that need no namespace: bounded input,
 * names, host-side veth names, aardvark-dns records lines, the state file's
 * lock and reset when the namespace or the boot changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "aardvark.h"
#include "fileutil.h"
#include "front.h"
#include "state.h"

static void test_read_bounded(void **state)
{
	int p[2];
	char *buf = NULL;
	size_t len = 0;
	struct pn_err err = { 0 };
	static char big[10000];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "{\"a\":1}", 7), 7);
	close(p[1]);
	assert_int_equal(pf_read_fd(p[0], 7, &buf, &len, &err), 0);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "{\"a\":1}");
	free(buf);
	close(p[0]);

	memset(big, 'x', sizeof(big));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], big, sizeof(big)), (ssize_t)sizeof(big));
	close(p[1]);
	assert_int_equal(pf_read_fd(p[0], 9999, &buf, &len, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "larger"));
	close(p[0]);

	assert_int_equal(pipe(p), 0);
	close(p[1]);
	assert_int_equal(pf_read_fd(p[0], 10, &buf, &len, &err), 0);
	assert_int_equal(len, 0);
	free(buf);
	close(p[0]);
}

static void test_names(void **state)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	(void)state;
	assert_true(pf_id_valid("3ca05e326cd5", 64));
	assert_true(pf_id_valid("if-alias_a.b", 64));
	assert_false(pf_id_valid("", 64));
	assert_false(pf_id_valid("-x", 64));
	assert_false(pf_id_valid("a b", 64));
	assert_false(pf_id_valid("a,b", 64));
	assert_false(pf_id_valid("abcdef", 5));
	assert_false(pf_id_valid(NULL, 5));
	assert_true(pf_ifname_valid("eth0"));
	assert_false(pf_ifname_valid("0123456789abcdef"));
	assert_false(pf_ifname_valid("a:b"));
	assert_false(pf_ifname_valid(".."));

	pf_host_ifname("3ca05e326cd5d46372209b0156e9827c33a47ebaeadf9cf33469579a34fd8abe", "if-net1", a);
	pf_host_ifname("3ca05e326cd5d46372209b0156e9827c33a47ebaeadf9cf33469579a34fd8abe", "if-net2", b);
	pf_host_ifname("3ca05e326cd5d46372209b0156e9827c33a47ebaeadf9cf33469579a34fd8abe", "if-net1", c);
	assert_int_equal(strlen(a), 14);
	assert_memory_equal(a, "pn", 2);
	assert_string_not_equal(a, b);
	assert_string_equal(a, c);
	/* the separator matters: ("ab","c") and ("a","bc") differ */
	pf_host_ifname("ab", "c", a);
	pf_host_ifname("a", "bc", b);
	assert_string_not_equal(a, b);
}

static void test_records_line(void **state)
{
	struct netd_network net;
	struct pn_err err = { 0 };
	json_t *def = json_loads("{\"name\":\"if-net1\",\"network_interface\":\"podman1\",\"subnets\":["
				 "{\"subnet\":\"10.89.0.0/24\",\"gateway\":\"10.89.0.1\"},"
				 "{\"subnet\":\"fd00:1::/64\",\"gateway\":\"fd00:1::1\"}]}", 0, NULL);
	json_t *names = json_pack("[s, s, s]", "if-multi", "if-alias-a", "3ca05e326cd5");
	struct pn_ip ips[2];
	char header[128], line[512], small[40];

	(void)state;
	assert_int_equal(netd_network_from_json(def, &net, &err), 0);
	assert_int_equal(pf_dns_header(&net, header, sizeof(header)), strlen("10.89.0.1,fd00:1::1"));
	assert_string_equal(header, "10.89.0.1,fd00:1::1");
	pn_ip_parse("10.89.0.3", &ips[0]);
	/* the exact line aardvark-dns reads, from the reference (no IPv6: two spaces) */
	assert_int_equal(pf_dns_line("3ca05e326cd5d46372209b0156e9827c33a47ebaeadf9cf33469579a34fd8abe", ips, 1, names,
				     line, sizeof(line)), 0);
	assert_string_equal(line, "3ca05e326cd5d46372209b0156e9827c33a47ebaeadf9cf33469579a34fd8abe 10.89.0.3  "
				  "if-multi,if-alias-a,3ca05e326cd5");
	pn_ip_parse("fd00:1::3", &ips[1]);
	assert_int_equal(pf_dns_line("abc", ips, 2, names, line, sizeof(line)), 0);
	assert_string_equal(line, "abc 10.89.0.3 fd00:1::3 if-multi,if-alias-a,3ca05e326cd5");
	assert_int_equal(pf_dns_line("abc", ips, 2, names, small, sizeof(small)), -ENAMETOOLONG);
	json_array_append_new(names, json_string("bad name"));
	assert_int_equal(pf_dns_line("abc", ips, 1, names, line, sizeof(line)), -EINVAL);
	json_decref(names);
	names = json_array();
	assert_int_equal(pf_dns_line("abc", ips, 1, names, line, sizeof(line)), -EINVAL);
	json_decref(names);
	json_decref(def);
	netd_network_clear(&net);
}

static void test_state(void **state)
{
	char dir[] = "/tmp/pf-state-XXXXXX", path[256];
	struct pf_state st;
	struct pn_err err = { 0 };
	json_t *doc = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	assert_string_equal(st.uplink, "tap0");
	json_object_set_new(json_object_get(st.doc, "networks"), "n1",
			    json_pack("{s:{}, s:{s:{s:s}}}", "network", "attachments", "ctr1", "interface", "eth0"));
	assert_non_null(pf_state_attachment(&st, "n1", "ctr1"));
	assert_null(pf_state_attachment(&st, "n1", "ctr2"));
	assert_int_equal(pf_state_save(&st, &err), 0);
	pf_state_close(&st);
	/* same namespace: the state is kept */
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	assert_non_null(pf_state_attachment(&st, "n1", "ctr1"));
	pf_state_close(&st);
	/* a state of another namespace is dropped */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(pn_json_load(path, &doc, &err), 0);
	json_object_set_new(doc, "netns", json_string("1:2"));
	assert_int_equal(pn_json_save(path, doc, 0), 0);
	json_decref(doc);
	assert_int_equal(pf_state_open(dir, NULL, &st, &err), 0);
	assert_true(st.netns_changed);
	assert_null(pf_state_attachment(&st, "n1", "ctr1"));
	/* what it recorded can still be looked up (leases outlive a namespace) */
	assert_non_null(pf_state_earlier_attachment(&st, "n1", "ctr1"));
	assert_null(pf_state_earlier_attachment(&st, "n1", "ctr2"));
	assert_true(st.uplink[0] != '\0');
	pf_state_close(&st);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/*
 * The host's namespace has the same inode after every boot, and a CNI dataDir
 * on disk outlives a reboot: the identity names the boot too, and a state of
 * an earlier boot is dropped.
 */
static void test_state_other_boot(void **state)
{
	char dir[] = "/tmp/pf-state-XXXXXX", path[256], boot[64] = "", ident[256], netns[256];
	struct pf_state st;
	struct pn_err err = { 0 };
	json_t *doc = NULL;
	FILE *f;
	size_t l;

	(void)state;
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && !fgets(boot, sizeof(boot), f))
		boot[0] = '\0';
	if (f)
		fclose(f);
	if (!boot[0])
		skip();
	boot[strcspn(boot, "\n")] = '\0';
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	json_object_set_new(json_object_get(st.doc, "networks"), "n1",
			    json_pack("{s:{}, s:{s:{s:s, s:[s]}}}", "network", "attachments", "ctr1", "interface", "eth0",
				      "ips", "10.89.0.3/24"));
	assert_int_equal(pf_state_save(&st, &err), 0);
	pf_state_close(&st);

	snprintf(path, sizeof(path), "%s/state.json", dir);
	assert_int_equal(pn_json_load(path, &doc, &err), 0);
	assert_non_null(json_string_value(json_object_get(doc, "netns")));
	snprintf(netns, sizeof(netns), "%s", json_string_value(json_object_get(doc, "netns")));
	l = strlen(netns);
	assert_true(l > strlen(boot) + 1);
	assert_string_equal(netns + l - strlen(boot), boot);
	assert_int_equal(netns[l - strlen(boot) - 1], ':');
	/* the same namespace inode in another boot */
	snprintf(ident, sizeof(ident), "%.*s00000000-0000-0000-0000-000000000000", (int)(l - strlen(boot)), netns);
	json_object_set_new(doc, "netns", json_string(ident));
	assert_int_equal(pn_json_save(path, doc, 0), 0);
	json_decref(doc);
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	assert_true(st.netns_changed);
	assert_null(pf_state_attachment(&st, "n1", "ctr1"));
	assert_non_null(pf_state_earlier_attachment(&st, "n1", "ctr1"));
	pf_state_close(&st);
	/* a state of an earlier podnet ("dev:ino" only) of this namespace is kept, and takes the boot id */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(ident, sizeof(ident), "%.*s", (int)(l - strlen(boot) - 1), netns);
	doc = json_pack("{s:s, s:{s:{s:{}, s:{s:{s:s, s:[s]}}}}}", "netns", ident, "networks", "n1", "network",
			"attachments", "ctr1", "interface", "eth0", "ips", "10.89.0.3/24");
	assert_int_equal(pn_json_save(path, doc, 0), 0);
	json_decref(doc);
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	assert_false(st.netns_changed);
	assert_non_null(pf_state_attachment(&st, "n1", "ctr1"));
	assert_string_equal(json_string_value(json_object_get(st.doc, "netns")), netns);
	pf_state_close(&st);
	/* nor is one written before this boot began (the reboot took what it describes) */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	doc = json_pack("{s:s, s:{s:{s:{}, s:{s:{s:s, s:[s]}}}}}", "netns", ident, "networks", "n1", "network",
			"attachments", "ctr1", "interface", "eth0", "ips", "10.89.0.3/24");
	assert_int_equal(pn_json_save(path, doc, 0), 0);
	json_decref(doc);
	{
		struct timespec old[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1000000000 } };

		assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	}
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	assert_true(st.netns_changed);
	assert_null(pf_state_attachment(&st, "n1", "ctr1"));
	pf_state_close(&st);
	/* another namespace's legacy state is not */
	snprintf(ident, sizeof(ident), "1:2");
	doc = json_pack("{s:s, s:{}}", "netns", ident, "networks");
	assert_int_equal(pn_json_save(path, doc, 0), 0);
	json_decref(doc);
	assert_int_equal(pf_state_open(dir, "tap0", &st, &err), 0);
	assert_true(st.netns_changed);
	pf_state_close(&st);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* published ports in the state: validated, first publication kept, dropped per network */
static void test_ports_state(void **state)
{
	struct pf_state st;
	struct pn_ip a, b;
	json_t *ports;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.doc = json_object();
	assert_int_equal(pn_ip_parse("10.89.0.3", &a), 0);
	assert_int_equal(pn_ip_parse("10.89.1.3", &b), 0);
	/* an unusable entry refuses the whole set */
	assert_int_equal(pf_ports_add(&st, "c1", json_pack("[o]", pf_port_entry("n1", NULL, &a, 65535, 80, 2, "tcp"))),
			 -EINVAL);
	assert_int_equal(pf_ports_add(&st, "c1", json_pack("[o]", pf_port_entry("n1", "::1", &a, 80, 80, 1, "tcp"))),
			 -EINVAL);
	assert_int_equal(pf_ports_add(&st, "c1", json_pack("[o]", pf_port_entry("n1", NULL, &a, 80, 80, 1, "icmp"))),
			 -EINVAL);
	assert_false(st.ports_dirty);
	assert_int_equal(pf_ports_add(&st, "c1", json_pack("[o, o]", pf_port_entry("n1", NULL, &a, 8080, 80, 1, "tcp"),
							   pf_port_entry("n1", "127.0.0.1", &a, 18100, 8100, 3, "udp"))), 0);
	assert_true(st.ports_dirty);
	ports = json_object_get(json_object_get(st.doc, "ports"), "c1");
	assert_int_equal(json_array_size(ports), 2);
	/* network connect resends all ports for the new network: the first target stays */
	assert_int_equal(pf_ports_add(&st, "c1", json_pack("[o]", pf_port_entry("n2", NULL, &b, 8080, 80, 1, "tcp"))), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(st.doc, "ports"), "c1")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ports, 0), "addr")), "10.89.0.3");
	/* disconnecting another network keeps them; the target network's teardown drops them */
	st.ports_dirty = false;
	pf_ports_drop(&st, "c1", "n2");
	assert_false(st.ports_dirty);
	pf_ports_drop(&st, "c1", "n1");
	assert_true(st.ports_dirty);
	assert_null(json_object_get(json_object_get(st.doc, "ports"), "c1"));
	pf_ports_drop(&st, "nobody", NULL);
	json_decref(st.doc);
}

static void test_aardvark_dir(void **state)
{
	char dir[] = "/tmp/pf-aardvark-XXXXXX", path[256];
	struct pn_err err = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_false(pf_aardvark_has_records(dir));
	snprintf(path, sizeof(path), "%s/aardvark.pid", dir);
	assert_int_equal(pn_write_atomic(path, "1\n", 2, 0644, 0), 0);
	assert_false(pf_aardvark_has_records(dir));
	/* pid 1 is not the daemon: no signal, and nothing to serve, so nothing starts */
	assert_int_equal(pf_aardvark_notify("/bin/false", dir, 53, true, &err), 0);
	assert_int_equal(netd_dns_records_set_dir(dir, "net1", false, "10.89.0.1", "aaa", "aaa 10.89.0.2  web"), 0);
	assert_true(pf_aardvark_has_records(dir));
	/* a records file and no daemon: it is started, and its failure is reported */
	assert_int_equal(pf_aardvark_notify("/bin/false", dir, 53, true, &err), -EIO);
	assert_non_null(strstr(err.msg, "/bin/false"));
	/* removing the last line removes the file */
	assert_int_equal(netd_dns_records_set_dir(dir, "net1", false, "10.89.0.1", "aaa", NULL), 0);
	assert_false(pf_aardvark_has_records(dir));
	assert_int_equal(pf_aardvark_notify("", dir, 53, true, &err), 0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_bounded), cmocka_unit_test(test_names),
		cmocka_unit_test(test_records_line), cmocka_unit_test(test_state),
		cmocka_unit_test(test_state_other_boot),
		cmocka_unit_test(test_aardvark_dir), cmocka_unit_test(test_ports_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
