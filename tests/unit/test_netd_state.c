// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: sandbox state round trip, names, corrupt files, DNS records files, /etc/hosts, lock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileutil.h"
#include "network.h"
#include "sandbox.h"
#include "state.h"

static struct pn_paths P;
static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/podnet-state-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	memset(&P, 0, sizeof(P));
	snprintf(P.runtime, sizeof(P.runtime), "%s", dir);
	snprintf(P.data, sizeof(P.data), "%s", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pn_rm_rf(dir);
	return 0;
}

static json_t *make(const char *id, const char *name)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", name, "kind", "container", "state", "running");
}

static void test_round_trip_and_lookup(void **state)
{
	char id[NETD_ID_LEN + 1], id2[NETD_ID_LEN + 1];
	struct pn_err err = { 0 };
	json_t *doc, *got = NULL;

	(void)state;
	netd_id_new(id);
	netd_id_new(id2);
	assert_int_equal(strlen(id), 64);
	assert_string_not_equal(id, id2);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "web", &err), 0);
	doc = make(id, "web");
	netd_sandbox_set_proc(doc, "init", &(struct pn_proc_id){ .pid = 42, .starttime = 7 });
	assert_int_equal(netd_sandbox_save(&P, doc, &err), 0);
	assert_int_equal(netd_sandbox_load(&P, "container", "web", &got, &err), 0);
	assert_true(json_equal(doc, got));
	json_decref(got);
	{
		char prefix[8];

		snprintf(prefix, sizeof(prefix), "%.6s", id);
		assert_int_equal(netd_sandbox_load(&P, "container", prefix, &got, &err), 0);
		json_decref(got);
		/* the whole id: the same document, and only for its kind */
		assert_int_equal(netd_sandbox_load(&P, "container", id, &got, &err), 0);
		assert_true(json_equal(doc, got));
		json_decref(got);
		assert_int_equal(netd_sandbox_load(&P, "pod", id, &got, &err), -ENOENT);
		assert_int_equal(netd_sandbox_load(&P, "container", id2, &got, &err), -ENOENT);
		assert_non_null(strstr(err.msg, "no such container"));
		assert_non_null(strstr(err.msg, id2));
	}
	{
		struct pn_proc_id p;

		assert_true(netd_sandbox_proc(doc, "init", &p));
		assert_int_equal(p.pid, 42);
		assert_int_equal(p.starttime, 7);
		/* PID 42 with start time 7 is not a live process of ours */
		assert_false(netd_sandbox_alive(doc));
	}
	/* names are unique */
	assert_int_equal(netd_sandbox_claim(&P, "container", id2, "web", &err), -EEXIST);
	assert_non_null(strstr(err.msg, "already in use"));
	/* pods and containers share one namespace of names, as in podman */
	assert_int_equal(netd_sandbox_claim(&P, "pod", id2, "web", &err), -EEXIST);
	assert_string_equal(err.msg, "name \"web\" is in use: container already exists");
	{
		char d[PATH_MAX];

		/* nothing of the refused claim is left */
		assert_int_equal(access(netd_sandbox_dir(&P, id2, d), F_OK), -1);
		assert_int_equal(netd_sandbox_load(&P, "pod", "web", &got, &err), -ENOENT);
	}
	assert_int_equal(netd_sandbox_claim(&P, "pod", id2, "web2", &err), 0);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "web2", &err), -EEXIST);
	assert_string_equal(err.msg, "name \"web2\" is in use: pod already exists");
	{
		json_t *pod = json_pack("{s:s, s:s, s:s}", "id", id2, "name", "web2", "kind", "pod");

		assert_int_equal(netd_sandbox_remove(&P, pod), 0);
		json_decref(pod);
	}
	/* the pod gone, its name is free for a container */
	{
		char id3[NETD_ID_LEN + 1];
		json_t *c3;

		netd_id_new(id3);
		assert_int_equal(netd_sandbox_claim(&P, "container", id3, "web2", &err), 0);
		c3 = make(id3, "web2");
		assert_int_equal(netd_sandbox_remove(&P, c3), 0);
		json_decref(c3);
	}
	assert_int_equal(netd_sandbox_load(&P, "container", "nope", &got, &err), -ENOENT);
	assert_string_equal(err.msg, "no such container: nope");
	assert_int_equal(netd_sandbox_remove(&P, doc), 0);
	assert_int_equal(netd_sandbox_load(&P, "container", "web", &got, &err), -ENOENT);
	json_decref(doc);
}

static void test_corrupt_files(void **state)
{
	char id[NETD_ID_LEN + 1], path[PATH_MAX], d[PATH_MAX];
	struct pn_err err = { 0 };
	json_t *got = NULL, *all = NULL;

	(void)state;
	netd_id_new(id);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "broken", &err), 0);
	snprintf(path, sizeof(path), "%s/state.json", netd_sandbox_dir(&P, id, d));
	assert_int_equal(pn_write_atomic(path, "{\"id\": \"x\"", 10, 0600, 0), 0);
	assert_int_equal(netd_sandbox_load(&P, "container", "broken", &got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	/* valid JSON with a wrong id is refused too */
	assert_int_equal(pn_write_atomic(path, "{\"id\":\"ab\",\"name\":\"x\",\"kind\":\"container\"}", 40, 0600, 0), 0);
	assert_int_equal(netd_sandbox_load(&P, "container", "broken", &got, &err), -EINVAL);
	/* the listing reports it for clean-up instead of failing */
	assert_int_equal(netd_sandbox_list(&P, NULL, &all, &err), 0);
	assert_int_equal(json_array_size(all), 1);
	assert_non_null(json_object_get(json_array_get(all, 0), "corrupt"));
	json_decref(all);
	pn_rm_rf(d);
}

/* the whole text of @path is @want */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* networks/NAME.json in the test's data directory: a bridge network on 10.89.N.0/24, with @extra keys */
static void write_network(const char *name, int n, bool dns, const char *extra)
{
	char netdir[128], path[PATH_MAX], text[1024];

	snprintf(netdir, sizeof(netdir), "%s/networks", dir);
	assert_int_equal(pn_mkdir_p(netdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s.json", netdir, name);
	snprintf(text, sizeof(text),
		 "{\"name\": \"%s\", \"id\": \"%02d\", \"driver\": \"bridge\", \"dns_enabled\": %s,"
		 " \"network_interface\": \"podnet%d\", \"subnets\": [{\"subnet\": \"10.89.%d.0/24\","
		 " \"gateway\": \"10.89.%d.1\"}]%s}",
		 name, n, dns ? "true" : "false", n, n, n, extra ? extra : "");
	write_text(path, text);
}

static void assert_file_is(const char *path, const char *want)
{
	char *buf = NULL;

	assert_int_equal(pn_read_file(path, 4096, &buf, NULL), 0);
	assert_string_equal(buf, want);
	free(buf);
}

/* /etc/hosts: the sandbox's own names, then --add-host entries (a pod member's are the pod's) */
static void test_hosts_text(void **state)
{
	json_t *ctr, *pod, *member;
	char *t;

	(void)state;
	ctr = json_pack("{s:s, s:s, s:{s:{s:[s]}}, s:[s, s]}", "name", "web", "hostname", "web", "networks", "app", "ips",
			"10.89.0.5/24", "add_hosts", "db.example:10.1.2.3", "host.containers.internal:10.0.2.2");
	t = netd_hosts_text(ctr, NULL);
	assert_string_equal(t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			       "10.89.0.5\tweb\n10.1.2.3\tdb.example\n10.0.2.2\thost.containers.internal\n");
	free(t);
	/* the pod's hostname is its name: written once */
	pod = json_pack("{s:s, s:s, s:{s:{s:[s]}}, s:[s]}", "name", "mypod", "hostname", "mypod", "networks", "app", "ips",
			"10.89.0.7/24", "add_hosts", "host.containers.internal:10.0.2.2");
	member = json_pack("{s:s, s:s}", "name", "mydb", "hostname", "mypod");
	t = netd_hosts_text(member, pod);
	assert_string_equal(t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			       "10.89.0.7\tmypod mydb\n10.0.2.2\thost.containers.internal\n");
	free(t);
	/* a pod with a hostname of its own: all three names; a member's own entries
	 * (state from before they belonged to the pod) follow the pod's */
	json_object_set_new(member, "add_hosts", json_pack("[s]", "old.example:192.0.2.9"));
	json_object_set_new(member, "hostname", json_string("box"));
	t = netd_hosts_text(member, pod);
	assert_string_equal(t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			       "10.89.0.7\tbox mydb mypod\n10.0.2.2\thost.containers.internal\n192.0.2.9\told.example\n");
	free(t);
	json_decref(ctr);
	json_decref(pod);
	json_decref(member);
}

/* without a podnet resolver: the host's servers; loopback ones only on the host's network */
static void test_resolv_text_host(void **state)
{
	char path[PATH_MAX];
	json_t *doc;
	char *t;

	(void)state;
	snprintf(path, sizeof(path), "%s/host-resolv.conf", dir);
	write_text(path, "nameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nsearch example.org\n");
	netd_host_resolv_conf = path;
	doc = json_pack("{s:s, s:{}}", "network_mode", "none", "networks");
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 192.0.2.1\nsearch example.org\n");
	free(t);
	json_object_set_new(doc, "network_mode", json_string("host"));
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nsearch example.org\n");
	free(t);
	/* --dns-search and --dns-option replace the host's search and options lines */
	write_text(path, "nameserver 192.0.2.1\nsearch example.org\noptions ndots:1\ndomain example.net\n");
	json_object_set_new(doc, "network_mode", json_string("none"));
	json_object_set_new(doc, "dns_search", json_pack("[s, s]", "a.example", "b.example"));
	json_object_set_new(doc, "dns_options", json_pack("[s, s]", "ndots:3", "edns0"));
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "search a.example b.example\nnameserver 192.0.2.1\noptions ndots:3 edns0\n");
	free(t);
	/* --dns-search . : none at all; the host's options stay when none are given */
	json_object_set_new(doc, "dns_search", json_pack("[s]", "."));
	json_object_del(doc, "dns_options");
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 192.0.2.1\noptions ndots:1\n");
	free(t);
	/* --dns's servers instead of the host's, on the host's network too; search and options stay */
	json_object_del(doc, "dns_search");
	json_object_set_new(doc, "dns", json_pack("[s, s]", "198.51.100.7", "2001:db8::53"));
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 198.51.100.7\nnameserver 2001:db8::53\nsearch example.org\n"
			       "options ndots:1\ndomain example.net\n");
	free(t);
	json_object_set_new(doc, "network_mode", json_string("host"));
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 198.51.100.7\nnameserver 2001:db8::53\nsearch example.org\n"
			       "options ndots:1\ndomain example.net\n");
	free(t);
	json_decref(doc);
	netd_host_resolv_conf = "/etc/resolv.conf";
}

/* with a podnet resolver: its gateways, dns.podnet, then the host's search domains and options */
static void test_resolv_text_podnet(void **state)
{
	char path[PATH_MAX];
	json_t *doc;
	char *t;

	(void)state;
	write_network("app", 9, true, NULL);
	snprintf(path, sizeof(path), "%s/host-resolv2.conf", dir);
	/* the last search/domain line wins; options lines add up; comments end a line */
	write_text(path, "nameserver 127.0.0.53\nsearch old.example\ndomain corp.example\n"
			 "search a.example b.example # a comment\noptions edns0 trust-ad\noptions ndots:2\n");
	netd_host_resolv_conf = path;
	doc = json_pack("{s:{s:{s:[s], s:[s]}}}", "networks", "app", "ips", "10.89.9.2/24", "gateways", "10.89.9.1");
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "search dns.podnet a.example b.example\nnameserver 10.89.9.1\n"
			       "options edns0 trust-ad ndots:2\n");
	free(t);
	/* --dns-search and --dns-option replace the host's */
	json_object_set_new(doc, "dns_search", json_pack("[s]", "own.example"));
	json_object_set_new(doc, "dns_options", json_pack("[s]", "ndots:3"));
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "search dns.podnet own.example\nnameserver 10.89.9.1\noptions ndots:3\n");
	free(t);
	/* --dns-search . : no search line; the host's options stay */
	json_object_set_new(doc, "dns_search", json_pack("[s]", "."));
	json_object_del(doc, "dns_options");
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 10.89.9.1\noptions edns0 trust-ad ndots:2\n");
	free(t);
	/* a host without search domains or options (or without a resolv.conf) */
	json_object_del(doc, "dns_search");
	write_text(path, "nameserver 192.0.2.1\n");
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "search dns.podnet\nnameserver 10.89.9.1\n");
	free(t);
	unlink(path);
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "search dns.podnet\nnameserver 10.89.9.1\n");
	free(t);
	json_decref(doc);
	netd_host_resolv_conf = "/etc/resolv.conf";
}

/* a network's --dns servers: in resolv.conf when no podnet resolver serves it, unless the container has its own */
static void test_resolv_text_net_dns(void **state)
{
	char path[PATH_MAX];
	json_t *doc;
	char *t;

	(void)state;
	write_network("nodns1", 7, false, ", \"network_dns_servers\": [\"192.0.2.7\", \"192.0.2.8\"]");
	write_network("nodns2", 8, false, ", \"network_dns_servers\": [\"192.0.2.8\", \"2001:db8::8\"]");
	snprintf(path, sizeof(path), "%s/host-resolv3.conf", dir);
	write_text(path, "nameserver 198.51.100.1\nsearch example.org\n");
	netd_host_resolv_conf = path;
	/* both networks' servers, in order, once each, instead of the host's */
	doc = json_pack("{s:{s:{s:[s]}, s:{s:[s]}}}", "networks", "nodns1", "ips", "10.89.7.2/24", "nodns2", "ips",
			"10.89.8.2/24");
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 192.0.2.7\nnameserver 192.0.2.8\nnameserver 2001:db8::8\nsearch example.org\n");
	free(t);
	/* the container's own --dns wins */
	json_object_set_new(doc, "dns", json_pack("[s]", "203.0.113.1"));
	t = netd_resolv_text(&P, doc);
	assert_string_equal(t, "nameserver 203.0.113.1\nsearch example.org\n");
	free(t);
	json_decref(doc);
	netd_host_resolv_conf = "/etc/resolv.conf";
}

static void test_dns_records(void **state)
{
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(netd_dns_records_set(&P, "app", false, "10.89.0.1", "aaa", "aaa 10.89.0.2  web,www"), 0);
	assert_int_equal(netd_dns_records_set(&P, "app", false, "10.89.0.1", "bbb", "bbb 10.89.0.3  db"), 0);
	assert_int_equal(netd_dns_records_set(&P, "app", false, "10.89.0.1", "aaa", "aaa 10.89.0.2  web"), 0);
	snprintf(path, sizeof(path), "%s/dns/app", dir);
	assert_file_is(path, "10.89.0.1\nbbb 10.89.0.3  db\naaa 10.89.0.2  web\n");
	/* an id that is a prefix of another must not remove it */
	assert_int_equal(netd_dns_records_set(&P, "app", false, "10.89.0.1", "bb", NULL), 0);
	assert_int_equal(netd_dns_records_set(&P, "app", false, "10.89.0.1", "bbb", NULL), 0);
	assert_file_is(path, "10.89.0.1\naaa 10.89.0.2  web\n");
	assert_int_equal(netd_dns_records_drop(&P, "app"), 0);
	assert_int_not_equal(access(path, F_OK), 0);
}

/* a new id's line is appended in place; anything else rewrites the file (a new inode, renamed over) */
static void test_dns_records_append(void **state)
{
	char path[PATH_MAX];
	struct stat a, b;

	(void)state;
	snprintf(path, sizeof(path), "%s/dns/app2", dir);
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "aaa", "aaa 10.89.0.2  a"), 0);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "bbb", "bbb 10.89.0.3  b"), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino); /* appended */
	assert_file_is(path, "10.89.0.1\naaa 10.89.0.2  a\nbbb 10.89.0.3  b\n");
	/* the id has a line already: replaced by a rewrite */
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "aaa", "aaa 10.89.0.4  a"), 0);
	assert_int_equal(stat(path, &a), 0);
	assert_int_not_equal(a.st_ino, b.st_ino);
	assert_file_is(path, "10.89.0.1\nbbb 10.89.0.3  b\naaa 10.89.0.4  a\n");
	/* an id that is a prefix of one in the file is new: appended */
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "bb", "bb 10.89.0.5  c"), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_file_is(path, "10.89.0.1\nbbb 10.89.0.3  b\naaa 10.89.0.4  a\nbb 10.89.0.5  c\n");
	/* a header that changed (a gateway added): rewritten with the new one */
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1,fd00::1", "ccc", "ccc 10.89.0.6  d"), 0);
	assert_file_is(path, "10.89.0.1,fd00::1\nbbb 10.89.0.3  b\naaa 10.89.0.4  a\nbb 10.89.0.5  c\nccc 10.89.0.6  d\n");
	/* a header that is a prefix of the current one is not current */
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "ddd", "ddd 10.89.0.7  e"), 0);
	assert_file_is(path, "10.89.0.1\nbbb 10.89.0.3  b\naaa 10.89.0.4  a\nbb 10.89.0.5  c\nccc 10.89.0.6  d\nddd 10.89.0.7  e\n");
	/* a last line cut short (by hand): never appended to, the rewrite ends it */
	write_text(path, "10.89.0.1\naaa 10.89.0.2  a");
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "eee", "eee 10.89.0.8  f"), 0);
	assert_file_is(path, "10.89.0.1\naaa 10.89.0.2  a\neee 10.89.0.8  f\n");
	/* a file holding only the header */
	write_text(path, "10.89.0.1\n");
	assert_int_equal(netd_dns_records_set(&P, "app2", false, "10.89.0.1", "fff", "fff 10.89.0.9  g"), 0);
	assert_file_is(path, "10.89.0.1\nfff 10.89.0.9  g\n");
	assert_int_equal(netd_dns_records_drop(&P, "app2"), 0);
}

/* the rewrite keeps every other line byte for byte, wherever the removed ones are */
static void test_dns_records_pieces(void **state)
{
	char path[PATH_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/dns/pieces", dir);
	/* written by hand: a duplicate id, an id that is another's name, no final newline */
	write_text(path, "10.89.0.1\naaa 10.89.0.2  x\nccc 10.89.0.4  aaa\naaa 10.89.0.9  y\nddd 10.89.0.5  d");
	/* first, duplicate and the header replaced; the unterminated last line is ended */
	assert_int_equal(netd_dns_records_set(&P, "pieces", false, "10.89.0.1,fd00::1", "aaa", "aaa 10.89.0.7  z"), 0);
	assert_file_is(path, "10.89.0.1,fd00::1\nccc 10.89.0.4  aaa\nddd 10.89.0.5  d\naaa 10.89.0.7  z\n");
	/* a middle line, then the last one */
	assert_int_equal(netd_dns_records_set(&P, "pieces", false, "10.89.0.1", "ddd", NULL), 0);
	assert_int_equal(netd_dns_records_set(&P, "pieces", false, "10.89.0.1", "aaa", NULL), 0);
	assert_file_is(path, "10.89.0.1\nccc 10.89.0.4  aaa\n");
	/* the plugins' form drops a file left without records; ours keeps the header */
	snprintf(path, sizeof(path), "%s/dns", dir);
	assert_int_equal(netd_dns_records_set_dir(path, "pieces", false, "10.89.0.1", "ccc", NULL), 0);
	snprintf(path, sizeof(path), "%s/dns/pieces", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(netd_dns_records_set(&P, "pieces", false, "10.89.0.1", "eee", "eee 10.89.0.6  e"), 0);
	assert_int_equal(netd_dns_records_set(&P, "pieces", false, "10.89.0.1", "eee", NULL), 0);
	assert_file_is(path, "10.89.0.1\n");
	assert_int_equal(netd_dns_records_drop(&P, "pieces"), 0);
}

/*
 * An internal network's records file is NAME%int (aardvark-dns's name for
 * it); writing one kind removes a leftover of the other; netd_forget_owner()
 * and netd_dns_records_drop() find both kinds.
 */
static void test_dns_records_internal(void **state)
{
	char path[PATH_MAX], plain[PATH_MAX], name[NETD_NAME_MAX + 1];
	bool internal;

	(void)state;
	snprintf(path, sizeof(path), "%s/dns/inner%%int", dir);
	snprintf(plain, sizeof(plain), "%s/dns/inner", dir);
	assert_int_equal(netd_dns_records_set(&P, "inner", false, "10.89.3.1", "old", "old 10.89.3.5  o"), 0);
	assert_int_equal(netd_dns_records_set(&P, "inner", true, "10.89.3.1", "aaa", "aaa 10.89.3.2  a"), 0);
	assert_int_equal(netd_dns_records_set(&P, "inner", true, "10.89.3.1", "bbb", "bbb 10.89.3.3  b 198.51.100.1"), 0);
	assert_file_is(path, "10.89.3.1\naaa 10.89.3.2  a\nbbb 10.89.3.3  b 198.51.100.1\n");
	assert_int_not_equal(access(plain, F_OK), 0);
	assert_int_equal(netd_forget_owner(&P, "aaa"), 0);
	assert_file_is(path, "10.89.3.1\nbbb 10.89.3.3  b 198.51.100.1\n");
	assert_int_equal(netd_dns_records_drop(&P, "inner"), 0);
	assert_int_not_equal(access(path, F_OK), 0);

	assert_true(netd_dns_records_file("inner%int", name, &internal));
	assert_string_equal(name, "inner");
	assert_true(internal);
	assert_true(netd_dns_records_file("inner", name, &internal));
	assert_false(internal);
	assert_false(netd_dns_records_file("%int", name, &internal));
	assert_false(netd_dns_records_file("a%intx", name, &internal));
}

static void test_names_gc(void **state)
{
	char id[NETD_ID_LEN + 1], d[PATH_MAX];
	struct pn_err err = { 0 };
	json_t *got = NULL;

	(void)state;
	netd_names_gc(&P); /* names left dangling by the tests above */
	netd_id_new(id);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "half", &err), 0);
	/* claimed, state not written yet: a lookup fails but must not drop the name */
	assert_int_equal(netd_sandbox_load(&P, "container", "half", &got, &err), -ENOENT);
	assert_int_equal(netd_names_gc(&P), 0);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "half", &err), -EEXIST);
	/* the directory gone: the name is dangling and collected */
	pn_rm_rf(netd_sandbox_dir(&P, id, d));
	assert_int_equal(netd_names_gc(&P), 1);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "half", &err), 0);
	pn_rm_rf(netd_sandbox_dir(&P, id, d));
	netd_names_gc(&P);
}

/*
 * The leasing mark: set before leases are taken, removed by the save that
 * names them; a mark left by a killed command survives the next command's
 * saves, so that the sandbox's removal still sweeps for its unnamed leases.
 */
static void test_leasing_mark(void **state)
{
	char id[NETD_ID_LEN + 1], id2[NETD_ID_LEN + 1], mark[PATH_MAX], d[PATH_MAX];
	struct pn_err err = { 0 };
	json_t *doc, *doc2;
	int fd;

	(void)state;
	netd_id_new(id);
	netd_id_new(id2);
	assert_int_equal(netd_sandbox_claim(&P, "container", id, "lease1", &err), 0);
	assert_int_equal(netd_sandbox_claim(&P, "container", id2, "lease2", &err), 0);
	doc = make(id, "lease1");
	doc2 = make(id2, "lease2");
	assert_int_equal(netd_sandbox_save(&P, doc, &err), 0);
	assert_int_equal(netd_sandbox_save(&P, doc2, &err), 0);
	assert_false(netd_leasing_pending(&P, id));

	/* a command that finishes: marked while it takes leases, not after its save */
	assert_int_equal(netd_leasing_begin(&P, id, &err), 0);
	assert_true(netd_leasing_pending(&P, id));
	assert_int_equal(netd_leasing_begin(&P, id, &err), 0); /* a second network of the same run */
	assert_int_equal(netd_sandbox_save(&P, doc2, &err), 0); /* another sandbox's save */
	assert_true(netd_leasing_pending(&P, id));
	assert_int_equal(netd_sandbox_save(&P, doc, &err), 0);
	assert_false(netd_leasing_pending(&P, id));
	assert_int_equal(netd_sandbox_save(&P, doc, &err), 0); /* later saves: nothing to remove */
	assert_false(netd_leasing_pending(&P, id));

	/* a command killed after taking leases left the mark: a later one keeps it */
	snprintf(mark, sizeof(mark), "%s/leasing", netd_sandbox_dir(&P, id, d));
	fd = open(mark, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_true(netd_leasing_pending(&P, id));
	assert_int_equal(netd_leasing_begin(&P, id, &err), 0);
	assert_int_equal(netd_sandbox_save(&P, doc, &err), 0);
	assert_true(netd_leasing_pending(&P, id));

	/* no directory to mark: an error, nothing taken */
	pn_rm_rf(netd_sandbox_dir(&P, id2, d));
	assert_int_equal(netd_leasing_begin(&P, id2, &err), -ENOENT);
	assert_false(netd_leasing_pending(&P, id2));
	json_decref(doc);
	json_decref(doc2);
}

static void test_mkdir_p(void **state)
{
	char path[PATH_MAX + 8], file[PATH_MAX];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/mk/a/b/c", dir);
	assert_int_equal(pn_mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(pn_mkdir_p(path, 0700), 0); /* there already */
	snprintf(path, sizeof(path), "%s/mk/a/d", dir); /* the parent exists */
	assert_int_equal(pn_mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	snprintf(file, sizeof(file), "%s/mk/f", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/x/y", file);
	assert_int_equal(pn_mkdir_p(path, 0700), -ENOTDIR);
	assert_int_equal(pn_mkdir_p("", 0700), -EINVAL);
}

static void test_lock_excludes(void **state)
{
	struct pn_err err = { 0 };
	char path[PATH_MAX];
	int fd = netd_lock(&P, &err), other;

	(void)state;
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/lock", dir);
	other = open(path, O_RDWR);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	netd_unlock(fd);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
}

/* pn_read_file: a file in one buffer of its size; /proc files (size 0) in one read */
static void test_read_file(void **state)
{
	char path[4096], *text = NULL;
	size_t len = 0, want = 100000;
	char *big = malloc(want);
	int fd;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < want; i++)
		big[i] = (char)('a' + i % 26);
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_int_equal(pn_write_atomic(path, big, want, 0600, 0), 0);
	assert_int_equal(pn_read_file(path, want, &text, &len), 0);
	assert_int_equal(len, want);
	assert_memory_equal(text, big, want);
	free(text);
	assert_int_equal(pn_read_file(path, want - 1, &text, &len), -EFBIG);
	/* a sysctl answers only a read at offset 0: it must come whole */
	fd = open("/proc/sys/kernel/pid_max", O_RDONLY);
	if (fd >= 0) {
		char direct[64] = "";
		ssize_t n = read(fd, direct, sizeof(direct) - 1);

		close(fd);
		assert_true(n > 1);
		assert_int_equal(pn_read_file("/proc/sys/kernel/pid_max", 64, &text, &len), 0);
		assert_string_equal(text, direct);
		free(text);
	}
	free(big);
}

/* a temporary whose writer is dead goes; a live writer's, and other files, stay */
/* a write to a pipe whose reader is gone: -EPIPE, and the caller lives (a plain write() kills it) */
static void test_write_nosigpipe(void **state)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t set, pending, mask;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pn_write_nosigpipe(p[1], "g", 1), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_DFL);
	assert_int_equal(pn_write_nosigpipe(p[1], "g", 1), -EPIPE);
	/* the signal the write raised is taken off, and the mask is as it was */
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	sigprocmask(SIG_SETMASK, NULL, &mask);
	assert_false(sigismember(&mask, SIGPIPE));
	/* one the caller had pending already (blocked) stays for the caller */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGPIPE);
	assert_int_equal(pn_write_nosigpipe(p[1], "g", 1), -EPIPE);
	sigpending(&pending);
	assert_true(sigismember(&pending, SIGPIPE));
	sigprocmask(SIG_SETMASK, NULL, &mask);
	assert_true(sigismember(&mask, SIGPIPE));
	assert_int_equal(sigtimedwait(&set, NULL, &zero), SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(p[1]);
}

static void test_sweep_stale_tmp(void **state)
{
	char path[PATH_MAX], dead[PATH_MAX], live[PATH_MAX], deep[PATH_MAX], deeper[PATH_MAX], other[PATH_MAX];
	pid_t child = fork();
	int status;

	(void)state;
	if (child == 0)
		_exit(0);
	assert_true(child > 0);
	assert_int_equal(waitpid(child, &status, 0), child); /* its PID is free now (no reuse this soon) */
	snprintf(path, sizeof(path), "%s/sw/a/b/c", dir);
	assert_int_equal(pn_mkdir_p(path, 0700), 0);
	snprintf(dead, sizeof(dead), "%s/sw/last4.tmp.%d", dir, (int)child);
	snprintf(live, sizeof(live), "%s/sw/last6.tmp.%d", dir, (int)getpid());
	snprintf(deep, sizeof(deep), "%s/sw/a/b/state.json.tmp.%d", dir, (int)child);
	snprintf(deeper, sizeof(deeper), "%s/sw/a/b/c/x.tmp.%d", dir, (int)child);
	snprintf(other, sizeof(other), "%s/sw/a/name.tmp.x%d", dir, (int)child);
	write_text(dead, "");
	write_text(live, "");
	write_text(deep, "{}");
	write_text(deeper, "");
	write_text(other, "");
	snprintf(path, sizeof(path), "%s/sw/a", dir);
	assert_int_equal(pn_sweep_stale_tmp(path, 0), 0); /* not a temporary; depth 0 stays out of b */
	snprintf(path, sizeof(path), "%s/sw", dir);
	assert_int_equal(pn_sweep_stale_tmp(path, 2), 2); /* dead and deep; deeper is 3 levels down */
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(deep, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(deeper, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
	assert_int_equal(pn_sweep_stale_tmp(path, 3), 1);
	assert_int_equal(access(deeper, F_OK), -1);
	assert_int_equal(pn_sweep_stale_tmp("/nonexistent/podnet", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_lookup),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_hosts_text),
		cmocka_unit_test(test_resolv_text_host),
		cmocka_unit_test(test_resolv_text_podnet),
		cmocka_unit_test(test_resolv_text_net_dns),
		cmocka_unit_test(test_dns_records),
		cmocka_unit_test(test_dns_records_internal),
		cmocka_unit_test(test_dns_records_append),
		cmocka_unit_test(test_dns_records_pieces),
		cmocka_unit_test(test_names_gc),
		cmocka_unit_test(test_leasing_mark),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_lock_excludes),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_sweep_stale_tmp),
		cmocka_unit_test(test_write_nosigpipe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
