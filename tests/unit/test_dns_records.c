// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of dns/records.c: the records file format (aardvark-dns's),
 * lookups by name and address with network isolation, skipped lines, the
 * records directory (which files are records), resolv.conf, a 10 000
 * record table, the IPv4 fast path against inet_pton(), and a file read in
 * chunks against the same text parsed whole.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileutil.h"
#include "records.h"

static const char net1[] =
	"10.89.0.1,fd00::1\n"
	"aaaa1111 10.89.0.2 fd00::2 Web,www,web.alias\n"
	"bbbb2222 10.89.0.3,10.89.0.4  db,shared 192.0.2.53,2001:db8::53#5353\n"
	"cccc3333  fd00::5 v6only\n"
	"broken line\n"
	"dddd4444 not-an-ip  bad\n"
	"eeee5555 10.89.0.9  bad!name\n"
	"\n"
	"ffff6666 10.89.0.10  shared\r\n";

static const char net2[] = "10.89.1.1\nzzzz9999 10.89.1.2  secret,shared\n";

static void load_two(struct dns_db *db)
{
	dns_db_init(db, 1234);
	assert_int_equal(dns_db_add_network(db, "one", net1, strlen(net1)), 0);
	assert_int_equal(dns_db_add_network(db, "two", net2, strlen(net2)), 0);
	assert_int_equal(dns_db_build(db), 0);
}

static void addr4(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void test_parse_file(void **state)
{
	struct dns_db db;

	(void)state;
	load_two(&db);
	assert_int_equal(db.n_nets, 2);
	assert_string_equal(db.nets[0].name, "one");
	assert_int_equal(db.nets[0].n_gateways, 2);
	assert_int_equal(db.nets[0].gateway[0].family, AF_INET);
	assert_int_equal(db.nets[0].gateway[1].family, AF_INET6);
	/* aaaa, bbbb, cccc, ffff on one; zzzz on two; three lines skipped */
	assert_int_equal(db.n_recs, 5);
	assert_int_equal(db.bad_lines, 3);
	dns_db_free(&db);
}

static void test_find_names(void **state)
{
	const struct dns_record *r[8];
	struct dns_db db;
	bool elsewhere;

	(void)state;
	load_two(&db);
	/* names are stored lower-case: the primary "Web" is found as "web" */
	assert_int_equal(dns_db_find_name(&db, 0, "web", 3, r, 8, &elsewhere), 1);
	assert_false(elsewhere);
	assert_int_equal(r[0]->n_v4, 1);
	assert_int_equal(r[0]->n_v6, 1);
	assert_memory_equal(db.arena + r[0]->name, "web", 4);
	assert_memory_equal(db.v4[r[0]->v4], "\x0a\x59\x00\x02", 4);
	assert_int_equal(dns_db_find_name(&db, 0, "web.alias", 9, r, 8, &elsewhere), 1);
	assert_int_equal(dns_db_find_name(&db, 0, "www", 3, r, 8, &elsewhere), 1);
	/* two addresses on one line */
	assert_int_equal(dns_db_find_name(&db, 0, "db", 2, r, 8, &elsewhere), 1);
	assert_int_equal(r[0]->n_v4, 2);
	assert_int_equal(r[0]->n_v6, 0);
	assert_true(r[0]->upstreams >= 0);
	assert_int_equal(db.upstreams[r[0]->upstreams].count, 2);
	assert_int_equal(db.upstreams[r[0]->upstreams].addr[1].port, 5353);
	/* a shared alias: two records on one, and it also exists on two */
	assert_int_equal(dns_db_find_name(&db, 0, "shared", 6, r, 8, &elsewhere), 2);
	assert_true(elsewhere);
	/* isolation: "secret" is not on one, but exists elsewhere */
	assert_int_equal(dns_db_find_name(&db, 0, "secret", 6, r, 8, &elsewhere), 0);
	assert_true(elsewhere);
	assert_int_equal(dns_db_find_name(&db, 1, "secret", 6, r, 8, &elsewhere), 1);
	assert_false(elsewhere);
	/* unknown, prefix, skipped lines */
	assert_int_equal(dns_db_find_name(&db, 0, "nothere", 7, r, 8, &elsewhere), 0);
	assert_false(elsewhere);
	assert_int_equal(dns_db_find_name(&db, 0, "we", 2, r, 8, &elsewhere), 0);
	assert_int_equal(dns_db_find_name(&db, 0, "bad", 3, r, 8, &elsewhere), 0);
	assert_int_equal(dns_db_find_name(&db, 0, "v6only", 6, r, 8, &elsewhere), 1);
	assert_int_equal(r[0]->n_v4, 0);
	dns_db_free(&db);
}

static void test_find_addrs(void **state)
{
	const struct dns_record *r[8];
	struct dns_db db;
	uint8_t a[16];
	bool elsewhere;

	(void)state;
	load_two(&db);
	addr4("10.89.0.4", a);
	assert_int_equal(dns_db_find_addr(&db, 0, AF_INET, a, r, 8, &elsewhere), 1);
	assert_memory_equal(db.arena + r[0]->name, "db", 3);
	addr4("10.89.1.2", a);
	assert_int_equal(dns_db_find_addr(&db, 0, AF_INET, a, r, 8, &elsewhere), 0);
	assert_true(elsewhere);
	assert_int_equal(dns_db_find_addr(&db, 1, AF_INET, a, r, 8, &elsewhere), 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00::5", a), 1);
	assert_int_equal(dns_db_find_addr(&db, 0, AF_INET6, a, r, 8, &elsewhere), 1);
	assert_memory_equal(db.arena + r[0]->name, "v6only", 7);
	/* the same bytes as IPv4 are another address */
	assert_int_equal(dns_db_find_addr(&db, 0, AF_INET, a, r, 8, &elsewhere), 0);
	dns_db_free(&db);
}

static void test_bad_gateway_line(void **state)
{
	struct dns_db db;

	(void)state;
	dns_db_init(&db, 1);
	assert_int_equal(dns_db_add_network(&db, "x", "not-an-ip\n", 10), -EINVAL);
	assert_int_equal(dns_db_add_network(&db, "x", "", 0), -EINVAL);
	assert_int_equal(dns_db_add_network(&db, "x", "10.0.0.1#53\n", 12), -EINVAL);
	assert_int_equal(dns_db_add_network(&db, "x", "1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5\n", 40),
			 -E2BIG);
	assert_int_equal(db.n_nets, 0);
	assert_int_equal(dns_db_build(&db), 0);
	dns_db_free(&db);
}

static void test_addr_parse(void **state)
{
	struct dns_addr a;

	(void)state;
	assert_int_equal(dns_addr_parse("127.0.0.53", 10, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 0);
	assert_int_equal(dns_addr_parse("::1#5300", 8, &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.port, 5300);
	assert_int_equal(dns_addr_parse("1.2.3.4#0", 9, &a), -EINVAL);
	assert_int_equal(dns_addr_parse("1.2.3.4#65536", 13, &a), -EINVAL);
	assert_int_equal(dns_addr_parse("1.2.3.4#", 8, &a), -EINVAL);
	assert_int_equal(dns_addr_parse("1.2.3", 5, &a), -EINVAL);
	assert_int_equal(dns_addr_parse("", 0, &a), -EINVAL);
}

static void test_resolv_conf(void **state)
{
	static const char text[] = "# comment\nsearch example.com\nnameserver 127.0.0.53\n"
				   "  nameserver\t2001:db8::1 # trailing\nnameserver fe80::1%eth0\n"
				   "nameserver bogus\nnameserver1.2.3.4\noptions edns0\n";
	struct dns_upstreams u;

	(void)state;
	/* no way to look up eth0: the link-local server cannot be asked, it is left out */
	assert_int_equal(dns_resolv_conf_parse(text, strlen(text), &u), 2);
	assert_int_equal(u.addr[0].family, AF_INET);
	assert_int_equal(u.addr[1].family, AF_INET6);
	assert_int_equal(u.addr[1].scope, 0);
}

static unsigned int scope_calls;

static uint32_t fake_if_index(const char *ifname, void *ctx)
{
	scope_calls++;
	assert_ptr_equal(ctx, &scope_calls);
	return strcmp(ifname, "wlp3s0") == 0 ? 3 : strcmp(ifname, "eth0") == 0 ? 7 : 0;
}

/*
 * "nameserver fe80::1%wlp3s0" keeps its scope (the interface index), and a
 * sockaddr made from it carries it: without, sendto() fails with EINVAL and
 * the server is silently never asked. A link-local server with no scope or
 * an unknown interface is left out; other addresses ignore a scope.
 */
static void test_resolv_conf_scope(void **state)
{
	static const char text[] = "nameserver fe80::1%wlp3s0\n"
				   "nameserver fe80::2%eth0 # comment\n"
				   "nameserver fe80::3%12\n"
				   "nameserver fe80::4\n"
				   "nameserver fe80::5%nosuchif0\n"
				   "nameserver fe80::6%\n"
				   "nameserver 2001:db8::1%eth0\n"
				   "nameserver 192.0.2.1\n";
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct dns_addr back;
	struct dns_upstreams u;

	(void)state;
	scope_calls = 0;
	assert_int_equal(dns_resolv_conf_parse_scoped(text, strlen(text), &u, fake_if_index, &scope_calls), 5);
	assert_int_equal(scope_calls, 5); /* wlp3s0, eth0, "" (fe80::4), nosuchif0, "" (fe80::6%): 12 is a number */
	assert_int_equal(u.addr[0].bytes[15], 1);
	assert_int_equal(u.addr[0].scope, 3);
	assert_int_equal(u.addr[1].bytes[15], 2);
	assert_int_equal(u.addr[1].scope, 7);
	assert_int_equal(u.addr[2].bytes[15], 3);
	assert_int_equal(u.addr[2].scope, 12);
	assert_int_equal(u.addr[3].family, AF_INET6);
	assert_int_equal(u.addr[3].bytes[0], 0x20);
	assert_int_equal(u.addr[3].scope, 0);
	assert_int_equal(u.addr[4].family, AF_INET);

	assert_int_equal(dns_addr_to_sockaddr(&u.addr[0], 53, &ss), sizeof(*sin6));
	assert_int_equal(sin6->sin6_scope_id, 3);
	assert_int_equal(ntohs(sin6->sin6_port), 53);
	/* a reply from that server is recognised as from it, not from fe80::1 on another link */
	assert_int_equal(dns_addr_from_sockaddr((struct sockaddr *)&ss, &back), 0);
	back.port = 0;
	assert_true(dns_addr_equal(&back, &u.addr[0]));
	sin6->sin6_scope_id = 4;
	assert_int_equal(dns_addr_from_sockaddr((struct sockaddr *)&ss, &back), 0);
	back.port = 0;
	assert_false(dns_addr_equal(&back, &u.addr[0]));
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(pn_write_atomic(path, text, strlen(text), 0600, 0), 0);
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/test_dns_records.XXXXXX";
	const struct dns_record *r[2];
	struct dns_db db;
	bool elsewhere;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "one", net1);
	write_file(dir, "two", net2);
	write_file(dir, "three.tmp.123", "10.9.9.1\n");    /* a temporary of pn_write_atomic */
	write_file(dir, "podnet-dns.pid", "1 2\n");
	write_file(dir, "host-gateway", "10.0.2.2\nfd00::2:2\n");
	write_file(dir, "garbage", "hello\n");             /* skipped with a warning */
	write_file(dir, ".hidden", "10.9.9.2\n");
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_load_dir(&db, dir), 2);
	assert_int_equal(db.n_host4, 1);
	assert_int_equal(db.n_host6, 1);
	assert_int_equal(db.host4[0][3], 2);
	for (uint32_t n = 0; n < db.n_nets; n++) {
		if (strcmp(db.nets[n].name, "two") == 0)
			assert_int_equal(dns_db_find_name(&db, (uint16_t)n, "secret", 6, r, 2, &elsewhere), 1);
		else
			assert_int_equal(dns_db_find_name(&db, (uint16_t)n, "secret", 6, r, 2, &elsewhere), 0);
	}
	dns_db_free(&db);
	assert_int_equal(pn_rm_rf(dir), 0);
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_load_dir(&db, dir), -ENOENT);
	dns_db_free(&db);
}

/* what tells a reload that opens or closes listeners from a records-only one */
static void test_networks_differ(void **state)
{
	char dir[] = "/tmp/test_dns_records.XXXXXX", path[4096];
	struct dns_db db;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "one", net1);
	write_file(dir, "two", net2);
	write_file(dir, "host-gateway", "10.0.2.2\n");
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_load_dir(&db, dir), 2);
	assert_false(dns_db_networks_differ(&db, dir));
	/* new records of a known network, temporaries and the pid file: no change of networks */
	write_file(dir, "one", net2);
	write_file(dir, "two.tmp.99", net1);
	write_file(dir, "podnet-dns.pid", "1 2\n");
	assert_false(dns_db_networks_differ(&db, dir));
	/* a new network */
	write_file(dir, "three", net1);
	assert_true(dns_db_networks_differ(&db, dir));
	snprintf(path, sizeof(path), "%s/three", dir);
	assert_int_equal(unlink(path), 0);
	assert_false(dns_db_networks_differ(&db, dir));
	/* a network gone */
	snprintf(path, sizeof(path), "%s/two", dir);
	assert_int_equal(unlink(path), 0);
	assert_true(dns_db_networks_differ(&db, dir));
	dns_db_free(&db);
	assert_int_equal(pn_rm_rf(dir), 0);
	dns_db_init(&db, 7);
	assert_true(dns_db_networks_differ(&db, dir)); /* unreadable: reload at once */
	dns_db_free(&db);
}

/*
 * An internal network's file is NAME%int (aardvark-dns's convention): the
 * network is NAME, marked internal, and its lines' upstream servers (a
 * container's --dns) are ignored, while the same line elsewhere keeps them.
 * A network that turns internal (or back) is another set of networks for a
 * reload; its records-only changes are not.
 */
static void test_internal_network(void **state)
{
	static const char text[] = "10.89.3.1\niiii 10.89.3.2  inside 198.51.100.1,2001:db8::1\n";
	char dir[] = "/tmp/test_dns_records.XXXXXX", path[4096];
	const struct dns_record *r[2];
	struct dns_db db;
	bool elsewhere;

	(void)state;
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_add_network(&db, "plain", text, strlen(text)), 0);
	assert_int_equal(dns_db_add_network(&db, "inner%int", text, strlen(text)), 0);
	assert_int_equal(dns_db_add_network(&db, "%int", text, strlen(text)), 0); /* just the suffix: a name */
	assert_int_equal(dns_db_build(&db), 0);
	assert_string_equal(db.nets[0].name, "plain");
	assert_false(db.nets[0].internal);
	assert_string_equal(db.nets[1].name, "inner");
	assert_true(db.nets[1].internal);
	assert_string_equal(db.nets[2].name, "%int");
	assert_false(db.nets[2].internal);
	assert_int_equal(dns_db_find_name(&db, 0, "inside", 6, r, 2, &elsewhere), 1);
	assert_int_equal(r[0]->upstreams, 0);
	assert_int_equal(db.upstreams[0].count, 2);
	assert_int_equal(dns_db_find_name(&db, 1, "inside", 6, r, 2, &elsewhere), 1);
	assert_int_equal(r[0]->upstreams, -1);
	assert_int_equal(r[0]->n_v4, 1);
	dns_db_free(&db);

	assert_non_null(mkdtemp(dir));
	write_file(dir, "inner%int", text);
	write_file(dir, "two", net2);
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_load_dir(&db, dir), 2);
	for (uint32_t n = 0; n < db.n_nets; n++)
		assert_int_equal(db.nets[n].internal, strcmp(db.nets[n].name, "inner") == 0);
	assert_int_equal(db.n_upstreams, 0);
	assert_false(dns_db_networks_differ(&db, dir));
	write_file(dir, "inner%int", net2); /* records only */
	assert_false(dns_db_networks_differ(&db, dir));
	/* the network is no longer internal (removed and created again) */
	snprintf(path, sizeof(path), "%s/inner%%int", dir);
	assert_int_equal(unlink(path), 0);
	write_file(dir, "inner", text);
	assert_true(dns_db_networks_differ(&db, dir));
	dns_db_free(&db);
	/* and the other way */
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_load_dir(&db, dir), 2);
	assert_false(dns_db_networks_differ(&db, dir));
	snprintf(path, sizeof(path), "%s/two", dir);
	assert_int_equal(unlink(path), 0);
	write_file(dir, "two%int", net2);
	assert_true(dns_db_networks_differ(&db, dir));
	dns_db_free(&db);
	assert_int_equal(pn_rm_rf(dir), 0);
}

static void test_ten_thousand(void **state)
{
	const struct dns_record *r[2];
	size_t cap = 10000 * 128 + 64, len;
	char *text = malloc(cap), name[32];
	struct dns_db db;
	bool elsewhere;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "10.90.0.1\n");
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf(text + len, cap - len, "%064x 10.90.%d.%d  c%d,a%d\n", i,
					(i + 2) / 256, (i + 2) % 256, i, i);
	dns_db_init(&db, 99);
	assert_int_equal(dns_db_add_network(&db, "big", text, len), 0);
	assert_int_equal(dns_db_build(&db), 0);
	assert_int_equal(db.n_recs, 10000);
	for (int i = 0; i < 10000; i++) {
		size_t n = (size_t)snprintf(name, sizeof(name), "c%d", i);

		assert_int_equal(dns_db_find_name(&db, 0, name, n, r, 2, &elsewhere), 1);
		assert_int_equal(db.v4[r[0]->v4][3], (i + 2) % 256);
	}
	assert_int_equal(dns_db_find_name(&db, 0, "c10000", 6, r, 2, &elsewhere), 0);
	/* the tables are at most two thirds full */
	assert_true(3 * (uint64_t)db.n_names <= 2 * ((uint64_t)db.name_mask + 1));
	assert_true(3 * (uint64_t)db.n_addrs <= 2 * ((uint64_t)db.addr_mask + 1));
	dns_db_free(&db);
	free(text);
}

/*
 * Many records on two networks, with the same names on both and IPv4 and IPv6
 * addresses: the compact entries (network from the record, family in a flag
 * bit, hash bits in the slots) must still tell every key and network apart,
 * prefixes of names must not match, and a network added after a build (the
 * arrays were cut to length) must load and be found too.
 */
static void test_two_networks_compact(void **state)
{
	const struct dns_record *r[4];
	size_t cap = 3000 * 128 + 64, len[2];
	char *text[2], name[32];
	uint8_t a[16];
	struct dns_db db;
	bool elsewhere;

	(void)state;
	for (int k = 0; k < 2; k++) {
		text[k] = malloc(cap);
		assert_non_null(text[k]);
		len[k] = (size_t)snprintf(text[k], cap, "10.%d.0.1,fd0%d::1\n", 80 + k, k);
		for (int i = 0; i < 3000; i++)
			len[k] += (size_t)snprintf(text[k] + len[k], cap - len[k],
						   "%08x%d 10.%d.%d.%d fd0%d::%x n%d,only%d-%d\n", i, k, 80 + k,
						   (i + 2) / 256, (i + 2) % 256, k, i + 2, i, k, i);
	}
	dns_db_init(&db, 7);
	assert_int_equal(dns_db_add_network(&db, "a", text[0], len[0]), 0);
	assert_int_equal(dns_db_build(&db), 0);
	/* after the cut to length: one more network, then build again */
	assert_int_equal(dns_db_add_network(&db, "b", text[1], len[1]), 0);
	assert_int_equal(dns_db_build(&db), 0);
	assert_int_equal(db.n_recs, 6000);
	for (int i = 0; i < 3000; i += 7) {
		for (uint16_t k = 0; k < 2; k++) {
			size_t n = (size_t)snprintf(name, sizeof(name), "n%d", i);

			assert_int_equal(dns_db_find_name(&db, k, name, n, r, 4, &elsewhere), 1);
			assert_int_equal(r[0]->net, k);
			assert_true(elsewhere); /* the same name on the other network */
			assert_int_equal(db.v4[r[0]->v4][1], 80 + k);
			n = (size_t)snprintf(name, sizeof(name), "only%d-%d", k, i);
			assert_int_equal(dns_db_find_name(&db, k, name, n, r, 4, &elsewhere), 1);
			assert_false(elsewhere);
			assert_int_equal(dns_db_find_name(&db, (uint16_t)(1 - k), name, n, r, 4, &elsewhere), 0);
			assert_true(elsewhere);
			/* a prefix of a name is another name */
			assert_int_equal(dns_db_find_name(&db, k, name, n - 1, r, 4, &elsewhere), i >= 10 ? 1 : 0);

			memset(a, 0, sizeof(a));
			a[0] = 10;
			a[1] = (uint8_t)(80 + k);
			a[2] = (uint8_t)((i + 2) / 256);
			a[3] = (uint8_t)((i + 2) % 256);
			assert_int_equal(dns_db_find_addr(&db, k, AF_INET, a, r, 4, &elsewhere), 1);
			assert_int_equal(r[0]->net, k);
			assert_int_equal(dns_db_find_addr(&db, (uint16_t)(1 - k), AF_INET, a, r, 4, &elsewhere), 0);
			assert_true(elsewhere);
			snprintf(name, sizeof(name), "fd0%d::%x", k, i + 2);
			assert_int_equal(inet_pton(AF_INET6, name, a), 1);
			assert_int_equal(dns_db_find_addr(&db, k, AF_INET6, a, r, 4, &elsewhere), 1);
			assert_int_equal(db.v6[r[0]->v6][15], (uint8_t)(i + 2));
			/* the same first bytes as an IPv4 address are not that address */
			assert_int_equal(dns_db_find_addr(&db, k, AF_INET, a, r, 4, &elsewhere), 0);
		}
	}
	dns_db_free(&db);
	free(text[0]);
	free(text[1]);
}

/*
 * dns_addr_parse() reads a plain IPv4 address without inet_pton(): it must
 * accept and reject exactly what inet_pton(AF_INET) does (leading zeros,
 * octets past 255, missing or extra parts, stray dots), on chosen strings and
 * on many random strings of digits and dots.
 */
static void check_ipv4_like_inet_pton(const char *s)
{
	uint8_t want[4];
	struct dns_addr a;
	int ok = inet_pton(AF_INET, s, want) == 1;
	int r = dns_addr_parse(s, strlen(s), &a);

	if (ok != (r == 0 && a.family == AF_INET && a.port == 0))
		fail_msg("\"%s\": inet_pton says %d, dns_addr_parse %d (family %d)", s, ok, r, a.family);
	if (ok)
		assert_memory_equal(a.bytes, want, 4);
}

static void test_ipv4_like_inet_pton(void **state)
{
	static const char *const chosen[] = {
		"0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04",
		"1.2.3.0", "1.2.3.00", "10.90.39.13", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3",
		"1.2.3.4.5", "1234.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1.2.3.4a",
		"0x1.2.3.4", "1.2.3.4#53", "::1", "::ffff:1.2.3.4", "1", "", ".", "999.999.999.999",
	};
	char s[24];

	(void)state;
	for (size_t i = 0; i < sizeof(chosen) / sizeof(chosen[0]); i++)
		check_ipv4_like_inet_pton(chosen[i]);
	srandom(42);
	for (int i = 0; i < 200000; i++) {
		size_t len = (size_t)random() % 17;

		for (size_t k = 0; k < len; k++) {
			long c = random() % 13;

			s[k] = c < 10 ? (char)('0' + c) : '.';
		}
		s[len] = '\0';
		check_ipv4_like_inet_pton(s);
	}
	/* a NUL ends no address early */
	{
		struct dns_addr a;

		assert_int_equal(dns_addr_parse("1.2.3.4\0junk", 12, &a), -EINVAL);
		assert_int_equal(dns_addr_parse("::1\0junk", 8, &a), -EINVAL);
	}
}

/* Record names: checked and lower-cased in one pass, with the old rules. */
static void test_record_names(void **state)
{
	char label63[64], label64[65], long253[254], long254[255], text[1024];
	const struct dns_record *r[2];
	struct dns_db db;
	bool elsewhere;

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'b', 64);
	label64[64] = '\0';
	/* 253 characters: four labels of 62 and a dot between each, and "x" */
	memset(long253, 'c', 253);
	for (int i = 62; i < 253; i += 63)
		long253[i] = '.';
	long253[253] = '\0';
	snprintf(long254, sizeof(long254), "%sd", long253);
	snprintf(text, sizeof(text),
		 "10.0.0.1\n"
		 "1 10.0.0.2  UPPER.Case_x-y.\n"  /* lower-cased, trailing dot dropped */
		 "2 10.0.0.3  %s\n"               /* a label of 63: kept */
		 "3 10.0.0.4  %s\n"               /* a label of 64: skipped */
		 "4 10.0.0.5  %s\n"               /* 253 characters: kept */
		 "5 10.0.0.6  %s\n"               /* 254: skipped */
		 "6 10.0.0.7  good,bad..name\n"   /* one bad name skips the line */
		 "7 10.0.0.8  sp ace\n"           /* six fields */
		 "8 10.0.0.9  .\n"                /* only the dot */
		 "9 10.0.0.10  a.b.\n",
		 label63, label64, long253, long254);
	dns_db_init(&db, 3);
	assert_int_equal(dns_db_add_network(&db, "n", text, strlen(text)), 0);
	assert_int_equal(dns_db_build(&db), 0);
	assert_int_equal(db.n_recs, 4);
	assert_int_equal(db.bad_lines, 5);
	assert_int_equal(dns_db_find_name(&db, 0, "upper.case_x-y", 14, r, 2, &elsewhere), 1);
	assert_int_equal(r[0]->name_len, 14);
	assert_string_equal(db.arena + r[0]->name, "upper.case_x-y");
	assert_int_equal(dns_db_find_name(&db, 0, label63, 63, r, 2, &elsewhere), 1);
	assert_int_equal(dns_db_find_name(&db, 0, long253, 253, r, 2, &elsewhere), 1);
	assert_int_equal(dns_db_find_name(&db, 0, "good", 4, r, 2, &elsewhere), 0);
	assert_int_equal(dns_db_find_name(&db, 0, "a.b", 3, r, 2, &elsewhere), 1);
	dns_db_free(&db);
}

/* Two databases hold the same records, addresses and names in the same order. */
static void assert_same_db(const struct dns_db *a, const struct dns_db *b)
{
	assert_int_equal(a->n_nets, b->n_nets);
	assert_int_equal(a->n_recs, b->n_recs);
	assert_int_equal(a->n_names, b->n_names);
	assert_int_equal(a->n_addrs, b->n_addrs);
	assert_int_equal(a->n_v4, b->n_v4);
	assert_int_equal(a->n_v6, b->n_v6);
	assert_int_equal(a->arena_len, b->arena_len);
	assert_int_equal(a->n_upstreams, b->n_upstreams);
	assert_int_equal(a->bad_lines, b->bad_lines);
	for (uint32_t i = 0; i < a->n_nets; i++) {
		assert_string_equal(a->nets[i].name, b->nets[i].name);
		assert_int_equal(a->nets[i].n_gateways, b->nets[i].n_gateways);
	}
	assert_memory_equal(a->recs, b->recs, a->n_recs * sizeof(*a->recs));
	assert_memory_equal(a->names, b->names, a->n_names * sizeof(*a->names));
	assert_memory_equal(a->addrs, b->addrs, a->n_addrs * sizeof(*a->addrs));
	if (a->n_v4)
		assert_memory_equal(a->v4, b->v4, a->n_v4 * 4);
	if (a->n_v6)
		assert_memory_equal(a->v6, b->v6, a->n_v6 * 16);
	assert_memory_equal(a->arena, b->arena, a->arena_len);
	for (uint32_t i = 0; i < a->n_upstreams; i++) {
		assert_int_equal(a->upstreams[i].count, b->upstreams[i].count);
		for (unsigned int k = 0; k < a->upstreams[i].count; k++)
			assert_true(dns_addr_equal(&a->upstreams[i].addr[k], &b->upstreams[i].addr[k]));
	}
}

/*
 * dns_db_load_dir() reads a file a chunk at a time: lines cut by a chunk's
 * end, CRLF, empty and bad lines, a line longer than a chunk and a last line
 * without '\n' must load as dns_db_add_network() loads the whole text.
 */
static void test_load_streamed(void **state)
{
	char dir[] = "/tmp/test_dns_records.XXXXXX", path[4096];
	size_t cap = 4u << 20, len = 0;
	char *text = malloc(cap);
	struct dns_db whole, streamed;

	(void)state;
	assert_non_null(text);
	assert_non_null(mkdtemp(dir));
	len += (size_t)snprintf(text + len, cap - len, "10.77.0.1,fd77::1\r\n");
	for (int i = 0; i < 6000; i++) {
		/* line lengths vary, so chunk ends fall at every place in a line */
		len += (size_t)snprintf(text + len, cap - len, "%0*x 10.77.%d.%d%s %s n%d,Alias%d%s%s\n",
					8 + i % 57, i, (i + 2) / 256, (i + 2) % 256,
					i % 7 ? "" : ",10.78.0.1", i % 5 ? "" : "fd77::2",
					i, i, i % 11 ? "" : " 192.0.2.1#5353", i % 13 ? "" : "\r");
		if (i % 97 == 0)
			len += (size_t)snprintf(text + len, cap - len, "\nbad line %d\n", i);
		if (i == 3000) {
			/* one record with 12 000 aliases: a line of ~100 KB, longer than a chunk */
			len += (size_t)snprintf(text + len, cap - len, "long 10.77.250.1  first");
			for (int k = 0; k < 12000; k++)
				len += (size_t)snprintf(text + len, cap - len, ",al%d", k);
			text[len++] = '\n';
		}
	}
	len += (size_t)snprintf(text + len, cap - len, "last 10.77.251.1  the-end");
	snprintf(path, sizeof(path), "%s/net", dir);
	assert_int_equal(pn_write_atomic(path, text, len, 0600, 0), 0);

	dns_db_init(&whole, 11);
	assert_int_equal(dns_db_add_network(&whole, "net", text, len), 0);
	assert_int_equal(dns_db_build(&whole), 0);
	dns_db_init(&streamed, 11);
	assert_int_equal(dns_db_load_dir(&streamed, dir), 1);
	assert_int_equal(streamed.n_recs, 6002);
	assert_true(streamed.bad_lines > 60);
	assert_same_db(&whole, &streamed);
	dns_db_free(&whole);
	dns_db_free(&streamed);

	/* an empty file is no network; a file of one line without '\n' has no records */
	assert_int_equal(pn_write_atomic(path, "", 0, 0600, 0), 0);
	dns_db_init(&streamed, 11);
	assert_int_equal(dns_db_load_dir(&streamed, dir), 0);
	dns_db_free(&streamed);
	assert_int_equal(pn_write_atomic(path, "10.1.1.1", 8, 0600, 0), 0);
	dns_db_init(&streamed, 11);
	assert_int_equal(dns_db_load_dir(&streamed, dir), 1);
	assert_int_equal(streamed.n_recs, 0);
	assert_int_equal(streamed.nets[0].n_gateways, 1);
	dns_db_free(&streamed);

	/* the same file, and two more, loaded in steps of a few lines: the same database */
	assert_int_equal(pn_write_atomic(path, text, len, 0600, 0), 0);
	write_file(dir, "one", net1);
	write_file(dir, "two", net2);
	write_file(dir, "host-gateway", "10.0.2.2\nfd00::2:2\n");
	dns_db_init(&whole, 11);
	assert_int_equal(dns_db_load_dir(&whole, dir), 3);
	for (uint32_t lines = 1; lines <= 4096; lines *= 16) {
		struct dns_loader ld;
		unsigned int steps = 0;
		int r;

		dns_db_init(&streamed, 11);
		assert_int_equal(dns_loader_start(&ld, &streamed, dir, NULL), 0);
		while ((r = dns_loader_step(&ld, lines)) == 1)
			steps++;
		assert_int_equal(r, 0);
		/* each step stops after its lines; building the tables is one more */
		assert_true(steps >= (6002 + 7) / lines);
		assert_same_db(&whole, &streamed);
		assert_int_equal(streamed.name_mask, whole.name_mask);
		assert_memory_equal(streamed.name_slots, whole.name_slots, (whole.name_mask + 1) * sizeof(uint32_t));
		assert_int_equal(streamed.n_host6, 1);
		dns_db_free(&streamed);
	}
	/* a load given up half-way releases what it holds */
	{
		struct dns_loader ld;

		dns_db_init(&streamed, 11);
		assert_int_equal(dns_loader_start(&ld, &streamed, dir, NULL), 0);
		assert_int_equal(dns_loader_step(&ld, 100), 1);
		dns_loader_stop(&ld);
		dns_db_free(&streamed);
	}
	/*
	 * Reloads read through the daemon's buffer: the same database each time,
	 * the buffer kept from one to the next (grown once by the ~100 KB line),
	 * and a failed reload (the directory gone) leaves it usable.
	 */
	{
		struct dns_readbuf buf = { 0 };
		char *kept = NULL;

		for (int i = 0; i < 3; i++) {
			dns_db_init(&streamed, 11);
			assert_int_equal(dns_db_reload_dir(&streamed, dir, &buf), 3);
			assert_same_db(&whole, &streamed);
			assert_memory_equal(streamed.name_slots, whole.name_slots,
					    (whole.name_mask + 1) * sizeof(uint32_t));
			assert_non_null(buf.p);
			assert_true(buf.cap >= 128 * 1024);
			if (i > 0)
				assert_ptr_equal(buf.p, kept);
			kept = buf.p;
			assert_int_equal(dns_db_bytes(&streamed), dns_db_bytes(&whole));
			dns_db_free(&streamed);
		}
		/* what the records hold: at least their arrays' elements and both tables */
		assert_true(dns_db_bytes(&whole) >= (size_t)whole.n_recs * sizeof(*whole.recs) +
							   (size_t)whole.n_names * sizeof(*whole.names) +
							   (size_t)(whole.name_mask + 1 + whole.addr_mask + 1) * 4);
		dns_db_init(&streamed, 11);
		assert_int_equal(dns_db_bytes(&streamed), 0);
		assert_int_equal(dns_db_reload_dir(&streamed, "/nonexistent/podnet-dns-test", &buf), -ENOENT);
		assert_ptr_equal(buf.p, kept);
		dns_db_free(&streamed);
		dns_readbuf_free(&buf);
		assert_null(buf.p);
	}
	dns_db_free(&whole);
	unlink(path);
	snprintf(path, sizeof(path), "%s/one", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/two", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/host-gateway", dir);
	unlink(path);
	rmdir(dir);
	free(text);
}

/*
 * The daemon reads its gateway lines, its first load (in steps) and its
 * reloads through one buffer: each load must give what a load with a buffer
 * of its own gives, and the buffer's pages are populated only as far as the
 * files need (one page for small files, a gateway-only load one page per
 * file however long the file) - also past a first line longer than what a
 * gateway-only load reads at first.
 */
/* pages of @b's mapping that are resident */
static size_t resident_pages(const struct dns_readbuf *b)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
	unsigned char vec[1024];

	assert_true(b->cap / page <= sizeof(vec));
	assert_int_equal(mincore(b->p, b->cap, vec), 0);
	for (size_t i = 0; i < b->cap / page; i++)
		n += vec[i] & 1;
	return n;
}

static void test_shared_read_buffer(void **state)
{
	char dir[] = "/tmp/test_dns_records.XXXXXX", path[4096];
	size_t page = (size_t)sysconf(_SC_PAGESIZE), cap = 1u << 20, len = 0;
	struct dns_readbuf buf = { 0 };
	struct dns_db nets, own, shared;
	struct dns_loader ld;
	char *text = malloc(cap), *kept;
	uint32_t small;
	int r;

	(void)state;
	assert_non_null(text);
	assert_non_null(mkdtemp(dir));
	write_file(dir, "one", net1);
	write_file(dir, "two", net2);
	write_file(dir, "host-gateway", "10.0.2.2\n");

	dns_db_init(&nets, 5);
	assert_int_equal(dns_db_load_networks(&nets, dir, &buf), 2);
	assert_non_null(buf.p);
	assert_int_equal(buf.ready, page);
	assert_int_equal(resident_pages(&buf), 1);
	kept = buf.p;
	dns_db_free(&nets);
	dns_db_init(&own, 5);
	assert_int_equal(dns_db_load_dir(&own, dir), 2);
	dns_db_init(&shared, 5);
	assert_int_equal(dns_loader_start(&ld, &shared, dir, &buf), 0);
	while ((r = dns_loader_step(&ld, 2)) == 1)
		;
	assert_int_equal(r, 0);
	assert_same_db(&own, &shared);
	assert_ptr_equal(buf.p, kept);
	assert_int_equal(buf.ready, page);
	assert_int_equal(resident_pages(&buf), 1);
	small = own.n_recs;
	dns_db_free(&own);
	dns_db_free(&shared);

	/* a file whose first line is 10 000 bytes (no gateway: skipped), one of 200 KB */
	memset(text, 'x', 10000);
	text[10000] = '\n';
	snprintf(path, sizeof(path), "%s/long", dir);
	assert_int_equal(pn_write_atomic(path, text, 10001, 0600, 0), 0);
	len += (size_t)snprintf(text, cap, "10.66.0.1\n");
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, cap - len, "%064x 10.66.%d.%d  big%d\n", i, (i + 2) / 256,
					(i + 2) % 256, i);
	snprintf(path, sizeof(path), "%s/big", dir);
	assert_int_equal(pn_write_atomic(path, text, len, 0600, 0), 0);
	dns_db_init(&nets, 5);
	assert_int_equal(dns_db_load_networks(&nets, dir, &buf), 3);
	assert_int_equal(nets.n_recs, 0);
	/* the long line was read up to its end (16 KiB), the big file's first page only */
	assert_int_equal(buf.ready, 16384);
	assert_int_equal(resident_pages(&buf), 16384 / page);
	dns_db_free(&nets);
	dns_db_init(&own, 5);
	assert_int_equal(dns_db_load_dir(&own, dir), 3);
	assert_int_equal(own.n_recs, small + 3000);
	dns_db_init(&shared, 5);
	assert_int_equal(dns_db_reload_dir(&shared, dir, &buf), 3);
	assert_same_db(&own, &shared);
	assert_int_equal(buf.ready, buf.cap);
	dns_db_free(&own);
	dns_db_free(&shared);
	dns_readbuf_free(&buf);
	assert_null(buf.p);
	assert_int_equal(buf.ready, 0);
	assert_int_equal(pn_rm_rf(dir), 0);
	free(text);
}

/*
 * What a daemon reads before its first load: the gateway lines only (and
 * host-gateway); then, per query, the lines with its keys, network i staying
 * network i when a file went away meanwhile.
 */
static void test_load_networks_and_matching(void **state)
{
	char dir[] = "/tmp/test_dns_records.XXXXXX", path[4096];
	const struct dns_record *r[4];
	struct dns_db nets, m;
	struct dns_readbuf buf = { 0 };
	struct dns_keys keys = { 0 };
	uint16_t one, two;
	bool elsewhere;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "one", net1);
	write_file(dir, "two", net2);
	write_file(dir, "inner%int", "10.89.9.1\nqqqq 10.89.9.2  web\n");
	write_file(dir, "bad", "not a gateway\n");
	write_file(dir, "host-gateway", "10.0.2.2\n");
	dns_db_init(&nets, 3);
	assert_int_equal(dns_db_load_networks(&nets, dir, NULL), 3);
	assert_int_equal(nets.n_recs, 0);
	assert_int_equal(nets.n_host4, 1);
	one = strcmp(nets.nets[0].name, "one") == 0 ? 0 : strcmp(nets.nets[1].name, "one") == 0 ? 1 : 2;
	two = strcmp(nets.nets[0].name, "two") == 0 ? 0 : strcmp(nets.nets[1].name, "two") == 0 ? 1 : 2;
	assert_int_equal(nets.nets[one].n_gateways, 2);
	for (uint32_t i = 0; i < nets.n_nets; i++)
		if (strcmp(nets.nets[i].name, "inner") == 0)
			assert_true(nets.nets[i].internal);

	/* a name in any case and an address: only their lines */
	keys.name[0] = "web";
	keys.name_len[0] = 3;
	keys.n_names = 1;
	keys.addr[0].family = AF_INET;
	inet_pton(AF_INET, "10.89.0.3", keys.addr[0].bytes);
	keys.addr[1].family = AF_INET6;
	inet_pton(AF_INET6, "fd00::5", keys.addr[1].bytes);
	keys.n_addrs = 2;
	dns_db_init(&m, 3);
	assert_int_equal(dns_db_load_matching(&m, &nets, dir, &keys, &buf), 0);
	assert_int_equal(m.n_nets, 3);
	assert_int_equal(m.n_recs, 4); /* Web, db (10.89.0.3), v6only (fd00::5), inner's web */
	assert_int_equal(dns_db_find_name(&m, one, "web", 3, r, 4, &elsewhere), 1);
	assert_true(elsewhere);
	assert_int_equal(dns_db_find_name(&m, one, "db", 2, r, 4, &elsewhere), 1);
	assert_int_equal(dns_db_find_name(&m, two, "secret", 6, r, 4, &elsewhere), 0);
	assert_int_equal(m.n_host4, 1);
	dns_db_free(&m);

	/* "one" goes: its index stays, without records, and the others keep theirs */
	snprintf(path, sizeof(path), "%s/one", dir);
	unlink(path);
	keys.name[0] = "secret";
	keys.name_len[0] = 6;
	keys.n_addrs = 0;
	dns_db_init(&m, 3);
	assert_int_equal(dns_db_load_matching(&m, &nets, dir, &keys, &buf), 0);
	assert_int_equal(m.n_nets, 3);
	assert_string_equal(m.nets[one].name, "one");
	assert_int_equal(m.nets[one].n_gateways, 2);
	assert_int_equal(dns_db_find_name(&m, two, "secret", 6, r, 4, &elsewhere), 1);
	assert_int_equal(m.n_recs, 1);
	dns_db_free(&m);
	dns_db_free(&nets);
	dns_readbuf_free(&buf);
	assert_int_equal(pn_rm_rf(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_find_names),
		cmocka_unit_test(test_find_addrs),
		cmocka_unit_test(test_bad_gateway_line),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_resolv_conf_scope),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_networks_differ),
		cmocka_unit_test(test_internal_network),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_two_networks_compact),
		cmocka_unit_test(test_ipv4_like_inet_pton),
		cmocka_unit_test(test_record_names),
		cmocka_unit_test(test_load_streamed),
		cmocka_unit_test(test_load_networks_and_matching),
		cmocka_unit_test(test_shared_read_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
