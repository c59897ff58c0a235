// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of dns/resolve.c, the answer rules: names, aliases, case,
 * NAME.dns.podnet, A/AAAA/ANY/other types, PTR, host.containers.internal,
 * isolation between networks (NXDOMAIN, never the other address), what is
 * forwarded, refused types and classes, and truncation. Real dig queries
 * where we have them, hand-built ones for the rest.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "resolve.h"
#include "testdata/dig_packets.h"

static const char net1[] = "10.89.0.1\n"
			   "aaaa 10.89.0.2 fd00::2 web,www\n"
			   "bbbb 10.89.0.3  db 192.0.2.53\n"
			   "dddd 10.89.0.9  both\n"
			   "eeee 10.89.0.10  impostor\n";
static const char net2[] = "10.89.1.1\n"
			   "cccc 10.89.1.2  secret\n"
			   "dddd 10.89.1.9  both\n"
			   "ffff 10.89.1.10  impostor\n";

static struct dns_db db;
static uint8_t out[DNS_TCP_MSG_MAX];
static size_t out_len;
static struct dns_query q;

static int setup(void **state)
{
	static char many[8192];
	size_t len;

	(void)state;
	dns_db_init(&db, 42);
	assert_int_equal(dns_db_add_network(&db, "one", net1, strlen(net1)), 0);
	assert_int_equal(dns_db_add_network(&db, "two", net2, strlen(net2)), 0);
	/* a name with 64 IPv6 addresses on a third network: too big for 512 bytes */
	len = (size_t)snprintf(many, sizeof(many), "10.89.2.1\nmany  ");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%sfd02::%x", i ? "," : "", i + 2);
	len += (size_t)snprintf(many + len, sizeof(many) - len, " big\n");
	assert_int_equal(dns_db_add_network(&db, "three", many, len), 0);
	assert_int_equal(dns_db_set_host_gateway(&db, "10.0.2.2\n", 9), 0);
	assert_int_equal(dns_db_build(&db), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_db_free(&db);
	return 0;
}

/* A query for @name/@type, with an OPT advertising @edns_udp unless it is 0. */
static size_t make_query(uint8_t *pkt, const char *name, uint16_t type, uint16_t edns_udp)
{
	size_t off = 12, start = 0, n = strlen(name);

	memset(pkt, 0, 12);
	dns_put16(pkt, 0x1234);
	pkt[2] = 0x01; /* RD */
	dns_put16(pkt + 4, 1);
	for (size_t i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			pkt[off++] = (uint8_t)(i - start);
			memcpy(pkt + off, name + start, i - start);
			off += i - start;
			start = i + 1;
		}
	}
	pkt[off++] = 0;
	dns_put16(pkt + off, type);
	dns_put16(pkt + off + 2, DNS_CLASS_IN);
	off += 4;
	if (edns_udp) {
		dns_put16(pkt + 10, 1);
		memset(pkt + off, 0, 11);
		dns_put16(pkt + off + 1, DNS_TYPE_OPT);
		dns_put16(pkt + off + 3, edns_udp);
		off += 11;
	}
	return off;
}

static enum dns_action run(uint16_t net, const uint8_t *pkt, size_t len, bool tcp)
{
	return dns_resolve(&db, net, NULL, pkt, len, tcp, &q, out, tcp ? sizeof(out) : DNS_UDP_OURS, &out_len);
}

static enum dns_action run_from(uint16_t net, const char *client, const uint8_t *pkt, size_t len)
{
	struct dns_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	inet_pton(AF_INET, client, a.bytes);
	return dns_resolve(&db, net, &a, pkt, len, false, &q, out, DNS_UDP_OURS, &out_len);
}

static int rcode(void)
{
	return out[3] & 0xf;
}

static int ancount(void)
{
	return dns_get16(out + 6);
}

/* The rdata of answer @idx (answers use a 2-byte name pointer). */
static const uint8_t *answer(int idx, uint16_t *type, uint16_t *rdlen)
{
	size_t off = 12;

	while (out[off])
		off += out[off] + 1u;
	off += 5;
	for (int i = 0;; i++) {
		assert_true(off + 12 <= out_len);
		assert_int_equal(dns_get16(out + off), 0xc00c);
		*type = dns_get16(out + off + 2);
		*rdlen = dns_get16(out + off + 10);
		if (i == idx)
			return out + off + 12;
		off += 12u + *rdlen;
	}
}

static void expect_a(int idx, const char *ip)
{
	uint16_t type, rdlen;
	const uint8_t *rd = answer(idx, &type, &rdlen);
	uint8_t want[16];

	if (strchr(ip, ':')) {
		assert_int_equal(type, DNS_TYPE_AAAA);
		assert_int_equal(rdlen, 16);
		inet_pton(AF_INET6, ip, want);
	} else {
		assert_int_equal(type, DNS_TYPE_A);
		assert_int_equal(rdlen, 4);
		inet_pton(AF_INET, ip, want);
	}
	assert_memory_equal(rd, want, rdlen);
}

static void test_dig_name(void **state)
{
	(void)state;
	assert_int_equal(run(0, pkt_web_a, sizeof(pkt_web_a), false), DNS_ACT_REPLY);
	assert_memory_equal(out, pkt_web_a, 2);   /* id */
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_true(out[2] & 0x04);                /* authoritative */
	assert_true(out[3] & 0x80);                /* RA */
	assert_int_equal(ancount(), 1);
	expect_a(0, "10.89.0.2");
	assert_int_equal(dns_get16(out + 10), 1);  /* OPT echoed */
	assert_true(out_len <= 1232);
}

static void test_aaaa_without_edns(void **state)
{
	(void)state;
	assert_int_equal(run(0, pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns), false), DNS_ACT_REPLY);
	assert_int_equal(ancount(), 1);
	expect_a(0, "fd00::2");
	assert_int_equal(dns_get16(out + 10), 0);  /* no OPT */
}

static void test_case_and_search_domain(void **state)
{
	(void)state;
	assert_int_equal(run(0, pkt_mixed_case, sizeof(pkt_mixed_case), false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 1);
	expect_a(0, "10.89.0.2");
	/* the question goes back with the client's own case */
	assert_memory_equal(out + 12, "\003WeB\003DnS\006PoDnEt", 15);
}

static void test_alias_and_types(void **state)
{
	uint8_t pkt[512];
	size_t len;

	(void)state;
	len = make_query(pkt, "WWW", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	expect_a(0, "10.89.0.2");
	len = make_query(pkt, "www.dns.podnet", DNS_TYPE_ANY, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(ancount(), 2);
	expect_a(0, "10.89.0.2");
	expect_a(1, "fd00::2");
	/* an existing name without that type: NOERROR, no answer */
	len = make_query(pkt, "web", 15 /* MX */, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 0);
	len = make_query(pkt, "db", DNS_TYPE_AAAA, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 0);
	/* the search domain itself */
	len = make_query(pkt, "dns.podnet", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 0);
}

static void test_isolation(void **state)
{
	uint8_t pkt[512];
	size_t len;

	(void)state;
	len = make_query(pkt, "secret", DNS_TYPE_A, 1232);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ancount(), 0);
	/* the other network's address appears nowhere in the answer */
	assert_null(memmem(out, out_len, "\x0a\x59\x01\x02", 4));
	len = make_query(pkt, "secret.dns.podnet", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	len = make_query(pkt, "secret", DNS_TYPE_A, 0);
	assert_int_equal(run(1, pkt, len, false), DNS_ACT_REPLY);
	expect_a(0, "10.89.1.2");
	/* and web is not on two */
	assert_int_equal(run(1, pkt_web_a, sizeof(pkt_web_a), false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	/* reverse: an address of two is NXDOMAIN from one */
	len = make_query(pkt, "2.1.89.10.in-addr.arpa", DNS_TYPE_PTR, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
}

static void test_unknown_names(void **state)
{
	uint8_t pkt[512];
	size_t len;

	(void)state;
	len = make_query(pkt, "nope.dns.podnet", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_true(out[2] & 0x04);
	/* everything else goes upstream */
	assert_int_equal(run(0, pkt_external, sizeof(pkt_external), false), DNS_ACT_FORWARD);
	assert_string_equal(q.name, "example.com");
	len = make_query(pkt, "nope", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_FORWARD);
	len = make_query(pkt, "com", DNS_TYPE_NS, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_FORWARD);
	/* reverse names of unknown addresses, and partial ones, too */
	len = make_query(pkt, "8.8.8.8.in-addr.arpa", DNS_TYPE_PTR, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_FORWARD);
	len = make_query(pkt, "89.10.in-addr.arpa", DNS_TYPE_PTR, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_FORWARD);
	/* odd bytes in our domain never exist */
	len = make_query(pkt, "a b.dns.podnet", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
}

static void test_ptr(void **state)
{
	uint16_t type, rdlen;
	const uint8_t *rd;

	(void)state;
	assert_int_equal(run(0, pkt_ptr, sizeof(pkt_ptr), false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 1);
	rd = answer(0, &type, &rdlen);
	assert_int_equal(type, DNS_TYPE_PTR);
	assert_int_equal(rdlen, 16);
	assert_memory_equal(rd, "\003web\003dns\006podnet", 16);
	assert_int_equal(run(0, pkt_ptr6, sizeof(pkt_ptr6), false), DNS_ACT_REPLY);
	assert_int_equal(ancount(), 1);
	rd = answer(0, &type, &rdlen);
	assert_memory_equal(rd, "\003web\003dns\006podnet", 16);
}

static void test_reverse_names(void **state)
{
	uint8_t b[16];
	int family;

	(void)state;
	assert_true(dns_reverse_name("4.3.2.1.in-addr.arpa", 20, &family, b));
	assert_int_equal(family, AF_INET);
	assert_memory_equal(b, "\001\002\003\004", 4);
	assert_false(dns_reverse_name("256.3.2.1.in-addr.arpa", 22, &family, b));
	assert_false(dns_reverse_name("5.4.3.2.1.in-addr.arpa", 22, &family, b));
	assert_false(dns_reverse_name("3.2.1.in-addr.arpa", 18, &family, b));
	assert_false(dns_reverse_name("in-addr.arpa", 12, &family, b));
	assert_false(dns_reverse_name("x.3.2.1.in-addr.arpa", 20, &family, b));
	assert_false(dns_reverse_name("1..2.3.in-addr.arpa", 19, &family, b));
	assert_false(dns_reverse_name("0.0.ip6.arpa", 12, &family, b));
}

static void test_host_gateway(void **state)
{
	uint8_t pkt[512];
	size_t len;

	(void)state;
	assert_int_equal(run(1, pkt_host, sizeof(pkt_host), false), DNS_ACT_REPLY);
	assert_int_equal(ancount(), 1);
	expect_a(0, "10.0.2.2");
	len = make_query(pkt, "HOST.podnet.internal", DNS_TYPE_A, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	expect_a(0, "10.0.2.2");
	len = make_query(pkt, "host.podnet.internal", DNS_TYPE_AAAA, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 0);
	len = make_query(pkt, "2.2.0.10.in-addr.arpa", DNS_TYPE_PTR, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(ancount(), 1);
}

/* the host gateway's IPv6 address is offered only on networks with IPv6 */
static void test_host_gateway_ipv6_only_with_ipv6(void **state)
{
	static const char v4only[] = "10.89.0.1\n";
	static const char dual[] = "10.89.5.1,fd00:5::1\n";
	struct dns_db db2;
	uint8_t pkt[512], o[DNS_UDP_OURS];
	size_t len, olen;
	struct dns_query qq;

	(void)state;
	dns_db_init(&db2, 7);
	assert_int_equal(dns_db_add_network(&db2, "v4only", v4only, strlen(v4only)), 0);
	assert_int_equal(dns_db_add_network(&db2, "dual", dual, strlen(dual)), 0);
	assert_int_equal(dns_db_set_host_gateway(&db2, "10.0.2.2\nfd00::2\n", 17), 0);
	assert_int_equal(dns_db_build(&db2), 0);
	len = make_query(pkt, "host.containers.internal", DNS_TYPE_AAAA, 0);
	assert_int_equal(dns_resolve(&db2, 0, NULL, pkt, len, false, &qq, o, sizeof(o), &olen), DNS_ACT_REPLY);
	assert_int_equal(dns_get16(o + 6), 0);
	assert_int_equal(dns_resolve(&db2, 1, NULL, pkt, len, false, &qq, o, sizeof(o), &olen), DNS_ACT_REPLY);
	assert_int_equal(dns_get16(o + 6), 1);
	len = make_query(pkt, "host.containers.internal", DNS_TYPE_A, 0);
	assert_int_equal(dns_resolve(&db2, 0, NULL, pkt, len, false, &qq, o, sizeof(o), &olen), DNS_ACT_REPLY);
	assert_int_equal(dns_get16(o + 6), 1);
	dns_db_free(&db2);
}

static void test_refused_and_notimp(void **state)
{
	uint8_t pkt[512];
	size_t len;

	(void)state;
	len = make_query(pkt, "web", DNS_TYPE_AXFR, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	len = make_query(pkt, "web", DNS_TYPE_MAILB, 0);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOTIMP);
	len = make_query(pkt, "web", DNS_TYPE_A, 0);
	dns_put16(pkt + len - 2, 3); /* CHAOS */
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	len = make_query(pkt, "web", DNS_TYPE_A, 0);
	pkt[2] |= 4 << 3; /* opcode NOTIFY */
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOTIMP);
	assert_int_equal((out[2] >> 3) & 0xf, 4);
	assert_int_equal(dns_get16(out), 0x1234);
	/* FORMERR echoes the id */
	len = make_query(pkt, "web", DNS_TYPE_A, 0);
	pkt[7] = 1;
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	assert_int_equal(dns_get16(out), 0x1234);
	/* responses and runts: nothing */
	pkt[2] |= 0x80;
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_DROP);
	assert_int_equal(run(0, pkt, 5, false), DNS_ACT_DROP);
	/* BADVERS */
	len = make_query(pkt, "web", DNS_TYPE_A, 1232);
	pkt[len - 5] = 1;
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), 0);
	assert_int_equal(out[out_len - 6], 1);
}

static void test_truncation(void **state)
{
	uint8_t pkt[512];
	size_t len;

	(void)state;
	/* 64 AAAA records are 1792 bytes of answers */
	len = make_query(pkt, "big", DNS_TYPE_AAAA, 0);
	assert_int_equal(run(2, pkt, len, false), DNS_ACT_REPLY);
	assert_true(out_len <= 512);
	assert_true(out[2] & 0x02);
	assert_true(ancount() < 64);
	len = make_query(pkt, "big", DNS_TYPE_AAAA, 4096);
	assert_int_equal(run(2, pkt, len, false), DNS_ACT_REPLY);
	assert_true(out_len <= DNS_UDP_OURS);
	assert_true(out[2] & 0x02);
	/* over TCP everything fits */
	len = make_query(pkt, "big", DNS_TYPE_AAAA, 0);
	assert_int_equal(run(2, pkt, len, true), DNS_ACT_REPLY);
	assert_false(out[2] & 0x02);
	assert_int_equal(ancount(), 64);
	expect_a(63, "fd02::41");
}

/*
 * A container on two networks asks through the listener of one of them for a
 * name that lives only on the other: it is answered. A container that is on
 * one network only, asking the same listener, gets NXDOMAIN; so does one whose
 * name (but not id) matches a record on the other network.
 */
static void test_asker_networks(void **state)
{
	uint8_t pkt[512];
	size_t len = make_query(pkt, "secret", DNS_TYPE_A, 0);
	uint16_t nets[4];

	(void)state;
	assert_int_equal(run_from(0, "10.89.0.9", pkt, len), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 1);
	assert_int_equal(run_from(0, "10.89.0.2", pkt, len), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_int_equal(run_from(0, "10.89.0.10", pkt, len), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_int_equal(run(0, pkt, len, false), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	/* the asker's own name on the listener's network wins over the other one */
	len = make_query(pkt, "both", DNS_TYPE_A, 0);
	assert_int_equal(run_from(1, "10.89.1.9", pkt, len), DNS_ACT_REPLY);
	assert_int_equal(ancount(), 1);
	assert_int_equal(memcmp(out + out_len - 4, (uint8_t[]){ 10, 89, 1, 9 }, 4), 0);
	{
		struct dns_addr a = { .family = AF_INET, .bytes = { 10, 89, 0, 9 } };

		assert_int_equal(dns_db_asker_networks(&db, 0, &a, nets, 4), 1);
		assert_int_equal(nets[0], 1);
	}
}

/*
 * An internal network (records file NAME%int) has no outbound path and its
 * listener is none either: its own names, PTR and host.containers.internal
 * are answered as on any network; everything that would be forwarded is
 * NXDOMAIN (not authoritative), over UDP and TCP, from a container on that
 * network only, from one also on a network with a way out, and from an
 * address nobody holds. The same queries on the other network still go out.
 */
static void test_internal_network(void **state)
{
	static const char out_net[] = "10.89.4.1\n"
				      "jjjj 10.89.4.9  multi\n";
	static const char in_net[] = "10.89.3.1\n"
				     "iiii 10.89.3.2  inside 198.51.100.1\n"
				     "jjjj 10.89.3.9  multi\n";
	static const char *const askers[] = { "10.89.3.2", "10.89.3.9", "10.89.3.77", NULL };
	struct dns_db idb;
	struct dns_addr a;
	uint8_t pkt[512];
	size_t len;

	(void)state;
	dns_db_init(&idb, 7);
	assert_int_equal(dns_db_add_network(&idb, "outside", out_net, strlen(out_net)), 0);
	assert_int_equal(dns_db_add_network(&idb, "inner" PN_DNS_INTERNAL_SUFFIX, in_net, strlen(in_net)), 0);
	assert_int_equal(dns_db_set_host_gateway(&idb, "10.0.2.2\n", 9), 0);
	assert_int_equal(dns_db_build(&idb), 0);
	assert_string_equal(idb.nets[1].name, "inner");
	assert_true(idb.nets[1].internal);
	assert_false(idb.nets[0].internal);

	for (int i = 0; i <= 3; i++) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		if (askers[i])
			inet_pton(AF_INET, askers[i], a.bytes);
		for (int tcp = 0; tcp < 2; tcp++) {
			/* a name nobody has: NXDOMAIN, question echoed, nothing forwarded */
			assert_int_equal(dns_resolve(&idb, 1, askers[i] ? &a : NULL, pkt_external, sizeof(pkt_external),
						     tcp, &q, out, tcp ? sizeof(out) : DNS_UDP_OURS, &out_len),
					 DNS_ACT_REPLY);
			assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
			assert_false(out[2] & 0x04); /* not authoritative for example.com */
			assert_int_equal(dns_get16(out + 4), 1);
			assert_int_equal(ancount(), 0);
			assert_string_equal(q.name, "example.com");
		}
	}
	/* the rest of what goes upstream elsewhere: single labels, NS, partial and foreign reverse names */
	{
		static const struct { const char *name; uint16_t type; } qs[] = {
			{ "nope", DNS_TYPE_A }, { "com", DNS_TYPE_NS }, { "exfil.example.com", 16 /* TXT */ },
			{ "8.8.8.8.in-addr.arpa", DNS_TYPE_PTR }, { "89.10.in-addr.arpa", DNS_TYPE_PTR },
			{ "a b.example", DNS_TYPE_A },
		};

		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			len = make_query(pkt, qs[i].name, qs[i].type, 1232);
			assert_int_equal(dns_resolve(&idb, 1, NULL, pkt, len, false, &q, out, DNS_UDP_OURS, &out_len),
					 DNS_ACT_REPLY);
			assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
			assert_int_equal(dns_get16(out + 10), 1); /* our OPT, as for any answer */
			assert_int_equal(dns_resolve(&idb, 0, NULL, pkt, len, false, &q, out, DNS_UDP_OURS, &out_len),
					 DNS_ACT_FORWARD);
		}
	}
	/* the network's own names, reverse names and the host gateway are answered */
	inet_pton(AF_INET, "10.89.3.9", a.bytes);
	len = make_query(pkt, "inside", DNS_TYPE_A, 0);
	assert_int_equal(dns_resolve(&idb, 1, &a, pkt, len, false, &q, out, DNS_UDP_OURS, &out_len), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	expect_a(0, "10.89.3.2");
	len = make_query(pkt, "2.3.89.10.in-addr.arpa", DNS_TYPE_PTR, 0);
	assert_int_equal(dns_resolve(&idb, 1, &a, pkt, len, false, &q, out, DNS_UDP_OURS, &out_len), DNS_ACT_REPLY);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ancount(), 1);
	len = make_query(pkt, "host.containers.internal", DNS_TYPE_A, 0);
	assert_int_equal(dns_resolve(&idb, 1, &a, pkt, len, false, &q, out, DNS_UDP_OURS, &out_len), DNS_ACT_REPLY);
	expect_a(0, "10.0.2.2");
	/* and the outside network still forwards */
	inet_pton(AF_INET, "10.89.4.9", a.bytes);
	assert_int_equal(dns_resolve(&idb, 0, &a, pkt_external, sizeof(pkt_external), true, &q, out, sizeof(out),
				     &out_len),
			 DNS_ACT_FORWARD);
	dns_db_free(&idb);
}

/* ---- answers from the records files, while the first load runs ---- */

static const char *const files_text[][2] = {
	{ "one", "10.89.0.1,fd00::1\n"
		 "aaaa 10.89.0.2 fd00::2 web,www\n"
		 "bbbb 10.89.0.3  db 192.0.2.53\n"
		 "dddd 10.89.0.9  both,Shared\n"
		 "eeee 10.89.0.10,10.89.0.11 fd00::a MiXeD.,shared 2001:db8::53#5353,192.0.2.1\n"
		 "ffff  fd00:0::f v6only\n"
		 "gggg 10.89.0.2  dupaddr\n"
		 "broken\n"
		 "hhhh not-an-ip  bad\n"
		 "kkkk 10.89.0.12  bad!name,web\n"
		 "\n"
		 "llll 10.89.0.13  crlf\r\n" },
	{ "two", "10.89.1.1\n"
		 "cccc 10.89.1.2  secret\n"
		 "dddd 10.89.1.9  both,Shared 10.0.0.53\n"
		 "ffff2 10.89.1.10  web" },
	{ "three%int", "10.89.2.1\n"
		       "iiii 10.89.2.2  inner 192.0.2.99\n"
		       "dddd 10.89.2.9  both\n" },
	{ "four", "fd04::1\njjjj  fd04::2 six,SHARED\n" },
	{ "host-gateway", "10.0.2.2\nfd00::2:2\n" },
};

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The reverse name of @text ("10.89.0.2" or "fd00::2"). */
static void reverse_of(const char *text, char *buf, size_t cap)
{
	uint8_t b[16];
	size_t n = 0;

	if (inet_pton(AF_INET, text, b) == 1) {
		snprintf(buf, cap, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, text, b), 1);
	for (int i = 15; i >= 0; i--)
		n += (size_t)snprintf(buf + n, cap - n, "%x.%x.", b[i] & 0xf, b[i] >> 4);
	snprintf(buf + n, cap - n, "ip6.arpa");
}

static bool make_client(const char *text, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!text)
		return false;
	if (inet_pton(AF_INET, text, a->bytes) == 1)
		a->family = AF_INET;
	else
		assert_int_equal(inet_pton(AF_INET6, text, a->bytes), 1), a->family = AF_INET6;
	return true;
}

/* The upstream list that podnet-dns's upstreams_for() picks from @d, or NULL for the defaults. */
static const struct dns_upstreams *client_upstreams(const struct dns_db *d, uint16_t net, const struct dns_addr *c)
{
	const struct dns_record *rec;
	bool elsewhere;

	if (!c || dns_db_find_addr(d, net, c->family, c->bytes, &rec, 1, &elsewhere) != 1 || rec->upstreams < 0)
		return NULL;
	return &d->upstreams[rec->upstreams];
}

/*
 * Every query, from every asker, through every listener, answered from the
 * records that dns_resolve_records() reads for it gets the bytes it gets from
 * the complete database, and the same upstream servers: names, aliases, case,
 * a trailing dot, the search domain, PTR (IPv4 and IPv6, a non-canonical IPv6
 * text in the file), isolation, askers on several networks, an internal
 * network, host.containers.internal, duplicate addresses, bad lines, odd bytes.
 */
static void test_records_from_files(void **state)
{
	static const char *const names[] = {
		"web", "WEB", "www", "db", "both", "shared", "Shared", "mixed", "MIXED.dns.podnet", "v6only",
		"dupaddr", "bad", "bad!name", "crlf", "secret", "inner", "six", "web.dns.podnet", "dns.podnet",
		"nope", "nope.dns.podnet", "example.com", "host.containers.internal", "host.podnet.internal",
		"we b", "x\001y.dns.podnet", "ab\x80z",
	};
	static const char *const addrs[] = {
		"10.89.0.2", "fd00::2", "10.89.0.3", "10.89.0.9", "10.89.0.10", "10.89.0.11", "fd00::a", "fd00::f",
		"10.89.0.12", "10.89.0.13", "10.89.1.2", "10.89.1.9", "10.89.1.10", "10.89.2.2", "10.89.2.9",
		"fd04::2", "10.0.2.2", "fd00::2:2", "10.89.0.200", "fd00::99",
	};
	static const char *const clients[] = {
		NULL, "10.89.0.2", "10.89.0.9", "10.89.0.10", "10.89.0.11", "10.89.1.9", "10.89.1.2", "10.89.2.9",
		"10.89.2.2", "fd00::2", "fd00::a", "fd04::2", "10.89.0.200", "10.89.0.13",
	};
	static const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_PTR, DNS_TYPE_ANY, 16 /* TXT */ };
	static uint8_t out_full[DNS_TCP_MSG_MAX], out_scan[DNS_TCP_MSG_MAX];
	char dir[] = "/tmp/pn-dns-scan-XXXXXX", qname[128];
	struct dns_db full, nets, scratch;
	struct dns_readbuf buf = { 0 };
	unsigned long compared = 0, answered = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(files_text) / sizeof(files_text[0]); i++)
		write_text(dir, files_text[i][0], files_text[i][1]);
	dns_db_init(&full, 7);
	assert_int_equal(dns_db_load_dir(&full, dir), 4);
	dns_db_init(&nets, 9);
	assert_int_equal(dns_db_load_networks(&nets, dir, NULL), 4);
	assert_int_equal(nets.n_recs, 0);
	dns_db_init(&scratch, 0);
	for (uint16_t net = 0; net < 4; net++) {
		assert_string_equal(nets.nets[net].name, full.nets[net].name);
		for (size_t c = 0; c < sizeof(clients) / sizeof(clients[0]); c++) {
			struct dns_addr client;
			const struct dns_addr *cp = make_client(clients[c], &client) ? &client : NULL;

			for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) + sizeof(addrs) / sizeof(addrs[0]); k++) {
				if (k < sizeof(names) / sizeof(names[0]))
					snprintf(qname, sizeof(qname), "%s", names[k]);
				else
					reverse_of(addrs[k - sizeof(names) / sizeof(names[0])], qname, sizeof(qname));
				for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
					uint8_t pkt[512];
					size_t len = make_query(pkt, qname, types[t], 1232), len_full = 0, len_scan = 0;
					const struct dns_db *sdb;
					const struct dns_upstreams *uf, *us;
					struct dns_query qf, qs;
					enum dns_action af, as;

					af = dns_resolve(&full, net, cp, pkt, len, false, &qf, out_full, DNS_UDP_OURS,
							 &len_full);
					sdb = dns_resolve_records(&scratch, &nets, dir, &buf, net, cp, pkt, len);
					assert_non_null(sdb);
					as = dns_resolve(sdb, net, cp, pkt, len, false, &qs, out_scan, DNS_UDP_OURS,
							 &len_scan);
					if (af != as || (af == DNS_ACT_REPLY && (len_full != len_scan ||
										 memcmp(out_full, out_scan, len_full) != 0)))
						fail_msg("net %u client %s query %s type %u: answers differ (%d/%d)", net,
							 clients[c] ? clients[c] : "-", qname, types[t], af, as);
					uf = client_upstreams(&full, net, cp);
					us = client_upstreams(sdb, net, cp);
					if ((uf == NULL) != (us == NULL) ||
					    (uf && (uf->count != us->count ||
						    memcmp(uf->addr, us->addr, sizeof(uf->addr[0]) * uf->count) != 0)))
						fail_msg("net %u client %s: upstream servers differ", net,
							 clients[c] ? clients[c] : "-");
					compared++;
					answered += af == DNS_ACT_REPLY && (out_full[3] & 0xf) == 0 && dns_get16(out_full + 6) > 0;
				}
			}
		}
	}
	print_message("%lu answers compared, %lu with records\n", compared, answered);
	/* the comparison covered answers with records, not only NXDOMAIN */
	assert_true(compared > 5000);
	assert_true(answered > 500);
	dns_db_free(&full);
	dns_db_free(&nets);
	dns_db_free(&scratch);
	dns_readbuf_free(&buf);
	for (size_t i = 0; i < sizeof(files_text) / sizeof(files_text[0]); i++) {
		snprintf(qname, sizeof(qname), "%s/%s", dir, files_text[i][0]);
		unlink(qname);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_asker_networks),
		cmocka_unit_test(test_internal_network),
		cmocka_unit_test(test_dig_name),
		cmocka_unit_test(test_aaaa_without_edns),
		cmocka_unit_test(test_case_and_search_domain),
		cmocka_unit_test(test_alias_and_types),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_ptr),
		cmocka_unit_test(test_reverse_names),
		cmocka_unit_test(test_host_gateway),
		cmocka_unit_test(test_host_gateway_ipv6_only_with_ipv6),
		cmocka_unit_test(test_refused_and_notimp),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_records_from_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
