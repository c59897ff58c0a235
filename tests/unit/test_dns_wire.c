// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of dns/wire.c: validation of real dig queries and of malformed
 * ones (one fixed outcome per defect), the answer builder (TC, OPT, BADVERS)
 * and the checks applied to upstream replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire.h"
#include "testdata/dig_packets.h"

static uint8_t buf[4096];

/* Copy @pkt into buf so a test can damage it. */
static size_t copy(const uint8_t *pkt, size_t len)
{
	memcpy(buf, pkt, len);
	return len;
}

static void test_dig_a_with_cookie(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(dns_query_parse(pkt_web_a, sizeof(pkt_web_a), &q), DNS_V_OK);
	assert_int_equal(q.id, dns_get16(pkt_web_a));
	assert_string_equal(q.name, "web");
	assert_true(q.name_plain);
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_true(q.rd);
	assert_true(q.edns);
	assert_int_equal(q.edns_udp, 1232);
	assert_int_equal(q.udp_max, 1232);
	assert_int_equal(q.question_len, 5 + 4);
}

static void test_dig_noedns(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(dns_query_parse(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns), &q), DNS_V_OK);
	assert_false(q.edns);
	assert_int_equal(q.udp_max, 512);
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
}

static void test_case_folded_name_question_kept(void **state)
{
	struct dns_query q;

	(void)state;
	assert_int_equal(dns_query_parse(pkt_mixed_case, sizeof(pkt_mixed_case), &q), DNS_V_OK);
	assert_string_equal(q.name, "web.dns.podnet");
	/* the question as sent, for the echo: 'W' 'e' 'B' */
	assert_memory_equal(q.question, "\003WeB", 4);
}

static void test_short_and_responses_dropped(void **state)
{
	struct dns_query q;
	size_t len;

	(void)state;
	assert_int_equal(dns_query_parse(pkt_web_a, 11, &q), DNS_V_DROP);
	assert_int_equal(dns_query_parse(pkt_web_a, 0, &q), DNS_V_DROP);
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[2] |= 0x80; /* QR */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_DROP);
}

static void test_opcode_notimp(void **state)
{
	struct dns_query q;
	size_t len = copy(pkt_web_a, sizeof(pkt_web_a));

	(void)state;
	buf[2] = (uint8_t)((buf[2] & 0x87) | (2 << 3)); /* STATUS */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_NOTIMP);
	/* NOTIMP also when the rest is garbage: the opcode decides first */
	assert_int_equal(dns_query_parse(buf, 14, &q), DNS_V_NOTIMP);
}

static void test_header_defects_formerr(void **state)
{
	struct dns_query q;
	size_t len;

	(void)state;
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[2] |= 0x02; /* TC */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);

	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[5] = 0; /* QDCOUNT 0 */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	assert_null(q.question);

	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[5] = 2; /* QDCOUNT 2 */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);

	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[7] = 1; /* ANCOUNT 1 */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);

	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[9] = 1; /* NSCOUNT 1 */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);

	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[11] = 2; /* ARCOUNT 2 */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
}

static void test_name_defects_formerr(void **state)
{
	struct dns_query q;
	size_t len, off;

	(void)state;
	/* a compression pointer as the name */
	len = copy(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns));
	buf[12] = 0xc0;
	buf[13] = 0x0c;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* reserved label type 0x40 */
	len = copy(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns));
	buf[12] = 0x43;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* label running past the end */
	len = copy(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns));
	buf[12] = 60;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* question cut inside qtype */
	assert_int_equal(dns_query_parse(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns) - 3, &q),
			 DNS_V_FORMERR);
	/* a name of 5 x 63-byte labels: longer than 255 */
	memcpy(buf, pkt_web_aaaa_noedns, 12);
	off = 12;
	for (int l = 0; l < 5; l++) {
		buf[off++] = 63;
		memset(buf + off, 'a', 63);
		off += 63;
	}
	buf[off++] = 0;
	memcpy(buf + off, "\0\1\0\1", 4);
	off += 4;
	assert_int_equal(dns_query_parse(buf, off, &q), DNS_V_FORMERR);
	/* four 63-byte labels: 4*64+1 = 257 > 255 too; three plus one of 61 is exactly 255 */
	off = 12;
	for (int l = 0; l < 3; l++) {
		buf[off++] = 63;
		memset(buf + off, 'b', 63);
		off += 63;
	}
	buf[off++] = 61;
	memset(buf + off, 'c', 61);
	off += 61;
	buf[off++] = 0;
	memcpy(buf + off, "\0\1\0\1", 4);
	off += 4;
	assert_int_equal(dns_query_parse(buf, off, &q), DNS_V_OK);
	assert_int_equal(q.name_len, 253);
}

static void test_odd_bytes_not_plain(void **state)
{
	struct dns_query q;
	size_t len = copy(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns));

	(void)state;
	buf[14] = '.'; /* "w.b" as one label */
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_OK);
	assert_false(q.name_plain);
}

static void test_edns_defects(void **state)
{
	struct dns_query q;
	size_t len;

	(void)state;
	/* cut inside the cookie option */
	assert_int_equal(dns_query_parse(pkt_web_a, sizeof(pkt_web_a) - 1, &q), DNS_V_FORMERR);
	/* option length larger than the rdata */
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[35] = 0x09;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* additional record that is not OPT */
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[23] = 0x01;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* OPT owner not the root */
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[21] = 0x01;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* trailing garbage */
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[len++] = 0;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
	/* EDNS version 1 */
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[27] = 1;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_BADVERS);
	/* a tiny advertised size means 512 */
	len = copy(pkt_web_a, sizeof(pkt_web_a));
	buf[24] = 0;
	buf[25] = 100;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_OK);
	assert_int_equal(q.udp_max, 512);
	/* a huge one is capped at ours */
	buf[24] = 0xff;
	buf[25] = 0xff;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_OK);
	assert_int_equal(q.udp_max, DNS_UDP_OURS);
	/* qtype OPT */
	len = copy(pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns));
	buf[18] = 41;
	assert_int_equal(dns_query_parse(buf, len, &q), DNS_V_FORMERR);
}

static void test_builder_opt_and_tc(void **state)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 };
	uint8_t out[600];
	struct dns_query q;
	struct dns_msg m;
	size_t len;
	int added = 0;

	(void)state;
	assert_int_equal(dns_query_parse(pkt_web_a, sizeof(pkt_web_a), &q), DNS_V_OK);
	assert_int_equal(dns_msg_begin(&m, out, sizeof(out), 100, &q, 0, true), 0);
	while (dns_msg_add_addr(&m, DNS_TYPE_A, a, 4, 0))
		added++;
	/* 12 + 9 question + 11 OPT = 32; each A is 16: (100 - 32) / 16 = 4 */
	assert_int_equal(added, 4);
	len = dns_msg_finish(&m);
	assert_true(len <= 100);
	assert_int_equal(len, 32 + 4 * 16);
	assert_true(out[2] & 0x02);                 /* TC */
	assert_true(out[2] & 0x04);                 /* AA */
	assert_true(out[2] & 0x80);                 /* QR */
	assert_true(out[2] & 0x01);                 /* RD copied */
	assert_int_equal(dns_get16(out + 6), 4);    /* ANCOUNT */
	assert_int_equal(dns_get16(out + 10), 1);   /* ARCOUNT: OPT */
	assert_int_equal(out[len - 11], 0);
	assert_int_equal(dns_get16(out + len - 10), DNS_TYPE_OPT);
	assert_memory_equal(out + 12, pkt_web_a + 12, 9);
	/* the first answer points at the question name */
	assert_int_equal(dns_get16(out + 21), 0xc00c);

	/* BADVERS: rcode 0 in the header, 1 in the OPT's extended rcode */
	assert_int_equal(dns_msg_begin(&m, out, sizeof(out), sizeof(out), &q, DNS_RCODE_BADVERS, false), 0);
	len = dns_msg_finish(&m);
	assert_int_equal(out[3] & 0xf, 0);
	assert_int_equal(out[len - 6], 1);

	/* FORMERR carries no OPT */
	assert_int_equal(dns_msg_begin(&m, out, sizeof(out), sizeof(out), &q, DNS_RCODE_FORMERR, false), 0);
	len = dns_msg_finish(&m);
	assert_int_equal(len, 12 + 9);
	assert_int_equal(out[3] & 0xf, DNS_RCODE_FORMERR);
}

static void test_builder_ptr(void **state)
{
	uint8_t out[600];
	struct dns_query q;
	struct dns_msg m;
	size_t len;

	(void)state;
	assert_int_equal(dns_query_parse(pkt_ptr, sizeof(pkt_ptr), &q), DNS_V_OK);
	dns_msg_begin(&m, out, sizeof(out), 512, &q, 0, true);
	assert_true(dns_msg_add_ptr(&m, "web", 3, "dns.podnet", 0));
	assert_false(dns_msg_add_ptr(&m, "bad..name", 9, NULL, 0));
	len = dns_msg_finish(&m);
	assert_int_equal(dns_get16(out + 6), 1);
	assert_memory_equal(out + len - 11 - 16, "\003web\003dns\006podnet\0", 16);
}

static void test_reply_matching(void **state)
{
	uint8_t reply[64];
	const uint8_t *question = pkt_web_aaaa_noedns + 12;
	size_t qlen = sizeof(pkt_web_aaaa_noedns) - 12;

	(void)state;
	memcpy(reply, pkt_web_aaaa_noedns, sizeof(pkt_web_aaaa_noedns));
	reply[2] |= 0x80;
	assert_true(dns_reply_matches(reply, sizeof(pkt_web_aaaa_noedns), dns_get16(reply), question, qlen));
	assert_false(dns_reply_matches(reply, sizeof(pkt_web_aaaa_noedns), (uint16_t)(dns_get16(reply) + 1),
				       question, qlen));
	reply[13] = 'W'; /* case may differ */
	assert_true(dns_reply_matches(reply, sizeof(pkt_web_aaaa_noedns), dns_get16(reply), question, qlen));
	reply[13] = 'x'; /* another name */
	assert_false(dns_reply_matches(reply, sizeof(pkt_web_aaaa_noedns), dns_get16(reply), question, qlen));
	reply[13] = 'w';
	reply[18] = 1; /* another type */
	assert_false(dns_reply_matches(reply, sizeof(pkt_web_aaaa_noedns), dns_get16(reply), question, qlen));
	reply[18] = 0x1c;
	reply[2] &= 0x7f; /* not a response */
	assert_false(dns_reply_matches(reply, sizeof(pkt_web_aaaa_noedns), dns_get16(reply), question, qlen));
	reply[2] |= 0x80;
	assert_false(dns_reply_matches(reply, 15, dns_get16(reply), question, qlen));
	/* truncation keeps header and question, sets TC and zeroes the counts */
	reply[7] = 3;
	assert_int_equal(dns_truncate_reply(reply, sizeof(reply), sizeof(reply), qlen, false, false), 12 + qlen);
	assert_true(reply[2] & 0x02);
	assert_int_equal(dns_get16(reply + 6), 0);
	assert_int_equal(dns_get16(reply + 10), 0);
	assert_int_equal(dns_truncate_reply(reply, 14, sizeof(reply), qlen, false, false), 0);
	/* the client's query had EDNS: our OPT follows the question, DO copied (RFC 6891 6.1.1) */
	{
		uint8_t big[512];

		memcpy(big, reply, 12 + qlen);
		big[7] = 2;
		big[11] = 1;
		assert_int_equal(dns_truncate_reply(big, 12 + qlen, sizeof(big), qlen, true, true),
				 12 + qlen + DNS_OPT_RR_LEN);
		assert_int_equal(dns_get16(big + 6), 0);
		assert_int_equal(dns_get16(big + 10), 1);
		assert_int_equal(big[12 + qlen], 0);
		assert_int_equal(dns_get16(big + 12 + qlen + 1), DNS_TYPE_OPT);
		assert_int_equal(dns_get16(big + 12 + qlen + 3), DNS_UDP_OURS);
		assert_int_equal(big[12 + qlen + 7], 0x80);
		assert_int_equal(dns_truncate_reply(big, 12 + qlen, 12 + qlen + 3, qlen, true, false), 0);
		assert_int_equal(dns_truncate_reply(big, 12 + qlen, sizeof(big), qlen, true, false),
				 12 + qlen + DNS_OPT_RR_LEN);
		assert_int_equal(big[12 + qlen + 7], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dig_a_with_cookie),
		cmocka_unit_test(test_dig_noedns),
		cmocka_unit_test(test_case_folded_name_question_kept),
		cmocka_unit_test(test_short_and_responses_dropped),
		cmocka_unit_test(test_opcode_notimp),
		cmocka_unit_test(test_header_defects_formerr),
		cmocka_unit_test(test_name_defects_formerr),
		cmocka_unit_test(test_odd_bytes_not_plain),
		cmocka_unit_test(test_edns_defects),
		cmocka_unit_test(test_builder_opt_and_tc),
		cmocka_unit_test(test_builder_ptr),
		cmocka_unit_test(test_reply_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
