// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DNS wire format: query validation and answer building (see wire.h). The
 * parser walks the packet with an explicit offset and checks the remaining
 * length before every read; it never follows compression pointers (a query's
 * only name comes first, so a pointer can only be a defect).
 */
#include "wire.h"

#include <errno.h>
#include <string.h>

#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_TC 0x0200
#define FLAG_RD 0x0100
#define FLAG_RA 0x0080
#define FLAG_CD 0x0010
#define OPCODE_SHIFT 11
#define OPCODE_MASK 0xf

/* Parse the name at @off into lower-case dotted text. Return: new offset, or 0 on a defect. */
static size_t parse_name(const uint8_t *pkt, size_t len, size_t off, struct dns_query *q)
{
	size_t wire = 0, text = 0;
	bool plain = true;

	for (;;) {
		uint8_t l;

		if (off >= len)
			return 0;
		l = pkt[off++];
		wire++;
		if (l == 0)
			break;
		if (l & 0xc0) /* compression pointer or reserved label type */
			return 0;
		if (len - off < l || wire + l + 1 > DNS_NAME_WIRE_MAX)
			return 0;
		if (text)
			q->name[text++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = pkt[off + i];

			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + ('a' - 'A'));
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
				plain = false;
			/* keep the text well-defined even for odd bytes; plain tells callers */
			q->name[text++] = (char)c;
		}
		off += l;
		wire += l;
	}
	q->name[text] = '\0';
	q->name_len = text;
	q->name_plain = plain && text > 0;
	return off;
}

enum dns_verdict dns_query_parse(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	uint16_t flags, qdcount, ancount, nscount, arcount;
	size_t off, qstart;

	memset(q, 0, sizeof(*q));
	q->udp_max = DNS_UDP_MIN;
	if (len < DNS_HEADER_LEN)
		return DNS_V_DROP;
	q->id = dns_get16(pkt);
	flags = dns_get16(pkt + 2);
	if (flags & FLAG_QR)
		return DNS_V_DROP;
	q->opcode = (flags >> OPCODE_SHIFT) & OPCODE_MASK;
	q->rd = flags & FLAG_RD;
	q->cd = flags & FLAG_CD;
	qdcount = dns_get16(pkt + 4);
	ancount = dns_get16(pkt + 6);
	nscount = dns_get16(pkt + 8);
	arcount = dns_get16(pkt + 10);

	/* the question first, so that error answers can echo it */
	off = DNS_HEADER_LEN;
	if (qdcount == 1) {
		qstart = off;
		off = parse_name(pkt, len, off, q);
		if (off == 0 || len - off < 4) {
			q->name_len = 0;
			q->name[0] = '\0';
			q->name_plain = false;
			return q->opcode ? DNS_V_NOTIMP : DNS_V_FORMERR;
		}
		q->qtype = dns_get16(pkt + off);
		q->qclass = dns_get16(pkt + off + 2);
		off += 4;
		q->question = pkt + qstart;
		q->question_len = off - qstart;
	}
	if (q->opcode != 0)
		return DNS_V_NOTIMP;
	if (flags & FLAG_TC || qdcount != 1 || ancount || nscount || arcount > 1)
		return DNS_V_FORMERR;
	if (q->qtype == DNS_TYPE_OPT)
		return DNS_V_FORMERR;

	if (arcount == 1) {
		uint16_t rdlen;
		uint32_t ttl;

		/* the only additional record we accept: OPT, owner the root */
		if (len - off < DNS_OPT_RR_LEN || pkt[off] != 0 ||
		    dns_get16(pkt + off + 1) != DNS_TYPE_OPT)
			return DNS_V_FORMERR;
		q->edns = true;
		q->edns_udp = dns_get16(pkt + off + 3);
		ttl = (uint32_t)dns_get16(pkt + off + 5) << 16 | dns_get16(pkt + off + 7);
		rdlen = dns_get16(pkt + off + 9);
		off += DNS_OPT_RR_LEN;
		if (len - off < rdlen)
			return DNS_V_FORMERR;
		/* options are length-prefixed TLVs; they must tile the rdata exactly */
		for (size_t o = 0; o < rdlen;) {
			if (rdlen - o < 4 || rdlen - o - 4 < dns_get16(pkt + off + o + 2))
				return DNS_V_FORMERR;
			o += 4u + dns_get16(pkt + off + o + 2);
		}
		off += rdlen;
		q->edns_version = (uint8_t)(ttl >> 16);
		q->edns_do = ttl & 0x8000;
		if (q->edns_udp > DNS_UDP_MIN)
			q->udp_max = q->edns_udp < DNS_UDP_OURS ? q->edns_udp : DNS_UDP_OURS;
		if (q->edns_version != 0) {
			if (off != len)
				return DNS_V_FORMERR;
			return DNS_V_BADVERS;
		}
	}
	if (off != len)
		return DNS_V_FORMERR;
	return DNS_V_OK;
}

int dns_msg_begin(struct dns_msg *m, uint8_t *buf, size_t cap, size_t limit,
		  const struct dns_query *q, int rcode, bool authoritative)
{
	uint16_t flags = FLAG_QR | FLAG_RA;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->cap = cap;
	m->limit = limit < cap ? limit : cap;
	if (m->limit < DNS_HEADER_LEN + q->question_len + DNS_OPT_RR_LEN)
		return -ENOSPC;
	flags |= (uint16_t)((q->opcode & OPCODE_MASK) << OPCODE_SHIFT);
	if (q->rd)
		flags |= FLAG_RD;
	if (q->cd)
		flags |= FLAG_CD;
	if (authoritative)
		flags |= FLAG_AA;
	flags |= (uint16_t)(rcode & 0xf);
	dns_put16(buf, q->id);
	dns_put16(buf + 2, flags);
	dns_put16(buf + 4, q->question ? 1 : 0);
	memset(buf + 6, 0, 6);
	m->len = DNS_HEADER_LEN;
	if (q->question) {
		memcpy(buf + m->len, q->question, q->question_len);
		m->len += q->question_len;
	}
	/* an OPT in the answer when the query had one, except for FORMERR (RFC 6891 7) */
	m->opt = q->edns && rcode != DNS_RCODE_FORMERR;
	m->ext_rcode = (uint8_t)(rcode >> 4);
	m->edns_do = q->edns_do;
	return 0;
}

/* Room for @need more bytes while keeping space for the OPT record. */
static bool msg_room(struct dns_msg *m, size_t need)
{
	size_t reserve = m->opt ? DNS_OPT_RR_LEN : 0;

	if (m->len + need + reserve > m->limit) {
		m->truncated = true;
		return false;
	}
	return true;
}

/* Owner name (pointer to the question name), type, class IN, TTL, rdlength. */
static void put_rr_head(struct dns_msg *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	uint8_t *p = m->buf + m->len;

	dns_put16(p, 0xc000 | DNS_HEADER_LEN);
	dns_put16(p + 2, type);
	dns_put16(p + 4, DNS_CLASS_IN);
	dns_put16(p + 6, (uint16_t)(ttl >> 16));
	dns_put16(p + 8, (uint16_t)ttl);
	dns_put16(p + 10, rdlen);
	m->len += 12;
}

bool dns_msg_add_addr(struct dns_msg *m, uint16_t type, const uint8_t *addr, size_t addr_len,
		      uint32_t ttl)
{
	if (m->truncated || !msg_room(m, 12 + addr_len))
		return false;
	put_rr_head(m, type, ttl, (uint16_t)addr_len);
	memcpy(m->buf + m->len, addr, addr_len);
	m->len += addr_len;
	m->ancount++;
	return true;
}

/* Encode dotted @s (no trailing dot) as labels at @out. Return: bytes written or 0 if invalid. */
static size_t put_labels(uint8_t *out, size_t room, const char *s, size_t len)
{
	size_t w = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t l = i - start;

			if (l == 0 || l > 63 || w + 1 + l > room)
				return 0;
			out[w++] = (uint8_t)l;
			memcpy(out + w, s + start, l);
			w += l;
			start = i + 1;
		}
	}
	return w;
}

bool dns_msg_add_ptr(struct dns_msg *m, const char *target, size_t target_len, const char *suffix,
		     uint32_t ttl)
{
	uint8_t name[DNS_NAME_WIRE_MAX];
	size_t n, s = 0;

	if (m->truncated)
		return false;
	n = put_labels(name, sizeof(name) - 1, target, target_len);
	if (n == 0)
		return false;
	if (suffix) {
		s = put_labels(name + n, sizeof(name) - 1 - n, suffix, strlen(suffix));
		if (s == 0)
			return false;
	}
	name[n + s] = 0;
	n += s + 1;
	if (!msg_room(m, 12 + n))
		return false;
	put_rr_head(m, DNS_TYPE_PTR, ttl, (uint16_t)n);
	memcpy(m->buf + m->len, name, n);
	m->len += n;
	m->ancount++;
	return true;
}

/* Our OPT record (no options) at @p: DNS_OPT_RR_LEN bytes. */
static void put_opt(uint8_t *p, uint8_t ext_rcode, bool edns_do)
{
	p[0] = 0; /* root owner */
	dns_put16(p + 1, DNS_TYPE_OPT);
	dns_put16(p + 3, DNS_UDP_OURS);
	p[5] = ext_rcode;
	p[6] = 0; /* version */
	p[7] = edns_do ? 0x80 : 0;
	p[8] = 0;
	dns_put16(p + 9, 0); /* RDLEN */
}

size_t dns_msg_finish(struct dns_msg *m)
{
	dns_put16(m->buf + 6, m->ancount);
	if (m->truncated)
		m->buf[2] |= FLAG_TC >> 8;
	if (m->opt) {
		put_opt(m->buf + m->len, m->ext_rcode, m->edns_do);
		m->len += DNS_OPT_RR_LEN;
		dns_put16(m->buf + 10, 1);
	}
	return m->len;
}

bool dns_reply_matches(const uint8_t *reply, size_t len, uint16_t id, const uint8_t *question,
		       size_t question_len)
{
	if (len < DNS_HEADER_LEN + question_len)
		return false;
	if (dns_get16(reply) != id || !(dns_get16(reply + 2) & FLAG_QR))
		return false;
	if (dns_get16(reply + 4) != 1 || question_len < 5)
		return false;
	/* the name case-insensitively (some servers do not keep 0x20 case), type and class exactly */
	for (size_t i = 0; i < question_len - 4; i++) {
		uint8_t a = reply[DNS_HEADER_LEN + i], b = question[i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 'a' - 'A');
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 'a' - 'A');
		if (a != b)
			return false;
	}
	return memcmp(reply + DNS_HEADER_LEN + question_len - 4, question + question_len - 4, 4) == 0;
}

size_t dns_truncate_reply(uint8_t *reply, size_t len, size_t cap, size_t question_len, bool opt,
			  bool opt_do)
{
	size_t n = DNS_HEADER_LEN + question_len;
	uint8_t *p = reply + n;

	if (len < n || (opt && cap < n + DNS_OPT_RR_LEN))
		return 0;
	reply[2] |= FLAG_TC >> 8;
	memset(reply + 6, 0, 6);
	if (!opt)
		return n;
	put_opt(p, 0, opt_do);
	dns_put16(reply + 10, 1);
	return n + DNS_OPT_RR_LEN;
}
