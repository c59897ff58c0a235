/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DNS wire format for podnet-dns: strict validation of an incoming query (in
 * the spirit of OpenBSD unwind's frontend: every defect has one fixed outcome,
 * decided before any work is done) and a bounds-checked builder for answers.
 * Nothing here allocates; every read of packet bytes is checked against the
 * packet length first.
 */
#ifndef PODNET_DNS_WIRE_H
#define PODNET_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_WIRE_MAX 255   /* RFC 1035 2.3.4, including length bytes and root */
#define DNS_NAME_TEXT_MAX 253   /* dotted form without the trailing dot */
#define DNS_UDP_MIN 512         /* answer size without EDNS0 */
#define DNS_UDP_OURS 1232       /* largest UDP answer we build; advertised in our OPT */
#define DNS_QUERY_MAX 4096      /* larger queries are not DNS queries we want */
#define DNS_TCP_MSG_MAX 65535
#define DNS_OPT_RR_LEN 11       /* OPT record without options */

enum dns_rcode {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16, /* extended: needs an OPT record */
};

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_TKEY = 249,
	DNS_TYPE_TSIG = 250,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_MAILB = 253,
	DNS_TYPE_MAILA = 254,
	DNS_TYPE_ANY = 255,
};

#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

/* What to do with a packet after validation. */
enum dns_verdict {
	DNS_V_OK,       /* a well-formed standard query */
	DNS_V_DROP,     /* not worth an answer: too short, or a response (QR set) */
	DNS_V_FORMERR,
	DNS_V_NOTIMP,
	DNS_V_REFUSED,
	DNS_V_BADVERS,  /* EDNS version other than 0 */
};

/* A validated query. Pointers refer to the packet passed to dns_query_parse(). */
struct dns_query {
	uint16_t id;
	uint8_t opcode;
	bool rd, cd;
	const uint8_t *question;   /* qname, qtype, qclass as received; NULL if not parsed */
	size_t question_len;
	uint16_t qtype, qclass;
	char name[DNS_NAME_TEXT_MAX + 3]; /* lower-case dotted, no trailing dot; "" is the root */
	size_t name_len;
	bool name_plain;           /* labels hold only [a-z0-9_-]: may name a local record */
	bool edns;
	bool edns_do;
	uint8_t edns_version;
	uint16_t edns_udp;         /* the client's advertised payload size */
	size_t udp_max;            /* largest UDP answer this client accepts from us */
};

/**
 * dns_query_parse() - validate a query packet and extract its question
 * @pkt: packet bytes
 * @len: packet length
 * @q: filled with what could be parsed (question is NULL if the question is bad)
 *
 * Outcomes: shorter than a header or QR set: drop. TC set, QDCOUNT != 1,
 * answer or authority records, more than one additional record, a name with a
 * compression pointer or bad label, a truncated question or OPT, an additional
 * record that is not OPT, or trailing bytes: FORMERR. Opcode other than QUERY:
 * NOTIMP. EDNS version above 0: BADVERS.
 *
 * Return: the verdict.
 */
enum dns_verdict dns_query_parse(const uint8_t *pkt, size_t len, struct dns_query *q);

/* An answer under construction in a caller-provided buffer. */
struct dns_msg {
	uint8_t *buf;
	size_t cap;       /* bytes available in buf */
	size_t limit;     /* largest message allowed (UDP size or TCP maximum), <= cap */
	size_t len;
	uint16_t ancount;
	bool truncated;
	bool opt;         /* append an OPT record at the end */
	uint8_t ext_rcode;
	bool edns_do;
};

/**
 * dns_msg_begin() - start an answer to @q
 * @m: message state
 * @buf: output buffer, at least DNS_HEADER_LEN + DNS_NAME_WIRE_MAX + 4 + DNS_OPT_RR_LEN bytes
 * @cap: size of @buf
 * @limit: largest message the client accepts (clamped to @cap)
 * @q: the query (its question is echoed when it was parsed)
 * @rcode: response code; DNS_RCODE_BADVERS sets the extended code in the OPT record
 * @authoritative: set AA
 *
 * Return: 0, or -ENOSPC if @buf cannot hold a header and the question.
 */
int dns_msg_begin(struct dns_msg *m, uint8_t *buf, size_t cap, size_t limit,
		  const struct dns_query *q, int rcode, bool authoritative);

/**
 * dns_msg_add_addr() - append an A (4 bytes) or AAAA (16 bytes) answer for the question name
 *
 * Return: true if it fitted; false sets TC and leaves the message as it was.
 */
bool dns_msg_add_addr(struct dns_msg *m, uint16_t type, const uint8_t *addr, size_t addr_len,
		      uint32_t ttl);

/**
 * dns_msg_add_ptr() - append a PTR answer pointing at @target.@suffix
 * @target: dotted name without trailing dot
 * @suffix: dotted suffix appended as more labels, or NULL
 *
 * Return: true if it fitted; false sets TC (or the name was invalid) and leaves the message.
 */
bool dns_msg_add_ptr(struct dns_msg *m, const char *target, size_t target_len, const char *suffix,
		     uint32_t ttl);

/**
 * dns_msg_finish() - write the counts and the OPT record
 *
 * Return: the message length.
 */
size_t dns_msg_finish(struct dns_msg *m);

/**
 * dns_reply_matches() - does an upstream reply belong to the query we sent?
 * @reply: reply bytes
 * @len: reply length
 * @id: the transaction id we sent
 * @question: the question section we sent (name compared ignoring ASCII case,
 *             type and class exactly)
 * @question_len: its length
 *
 * Return: true for a response (QR set) with @id and exactly our question.
 */
bool dns_reply_matches(const uint8_t *reply, size_t len, uint16_t id, const uint8_t *question,
		       size_t question_len);

/**
 * dns_truncate_reply() - cut a relayed reply down to header and question, with TC set
 * @reply: reply buffer, modified in place
 * @len: reply length
 * @cap: size of the buffer at @reply
 * @question_len: length of the question section after the header
 * @opt: the client's query had an OPT record: one of ours follows the question
 *       (RFC 6891 6.1.1: a responder includes OPT when the request had one)
 * @opt_do: the DO bit of the client's OPT, copied into ours
 *
 * Return: the new length (0 if the reply is too short to hold the question or
 * @cap too small for the OPT record).
 */
size_t dns_truncate_reply(uint8_t *reply, size_t len, size_t cap, size_t question_len, bool opt,
			  bool opt_do);

static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
