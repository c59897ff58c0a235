// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The answer rules of podnet-dns (see resolve.h and docs/dns.md): which
 * queries are refused, which names are ours (records of the receiving network,
 * NAME.dns.podnet, host.containers.internal, reverse names of known
 * addresses), what an answer holds, and what goes upstream.
 */
#define _GNU_SOURCE
#include "resolve.h"

#include <string.h>
#include <sys/socket.h>

static const char *const host_names[] = { "host.containers.internal", "host.podnet.internal" };

static bool has_suffix(const char *name, size_t len, const char *suffix, size_t *prefix_len)
{
	size_t slen = strlen(suffix);

	if (len == slen && memcmp(name, suffix, slen) == 0) {
		*prefix_len = 0;
		return true;
	}
	if (len > slen + 1 && name[len - slen - 1] == '.' && memcmp(name + len - slen, suffix, slen) == 0) {
		*prefix_len = len - slen - 1;
		return true;
	}
	return false;
}

size_t dns_reply_rcode(const struct dns_query *q, int rcode, uint8_t *out, size_t out_cap)
{
	struct dns_msg m;

	if (dns_msg_begin(&m, out, out_cap, out_cap, q, rcode, false) < 0)
		return 0;
	return dns_msg_finish(&m);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool dns_reverse_name(const char *name, size_t len, int *family, uint8_t *bytes)
{
	size_t prefix;

	if (has_suffix(name, len, "in-addr.arpa", &prefix) && prefix > 0) {
		unsigned int octet = 0, digits = 0, idx = 0;

		/* d.c.b.a.in-addr.arpa: four decimal labels, least significant first */
		for (size_t i = 0; i <= prefix; i++) {
			if (i == prefix || name[i] == '.') {
				if (digits == 0 || idx >= 4)
					return false;
				bytes[3 - idx++] = (uint8_t)octet;
				octet = digits = 0;
				continue;
			}
			if (name[i] < '0' || name[i] > '9' || ++digits > 3)
				return false;
			octet = octet * 10 + (unsigned int)(name[i] - '0');
			if (octet > 255)
				return false;
		}
		*family = AF_INET;
		return idx == 4;
	}
	if (has_suffix(name, len, "ip6.arpa", &prefix) && prefix == 63) {
		/* 32 single-nibble labels, least significant first */
		for (size_t n = 0; n < 32; n++) {
			int v = hexval(name[2 * n]);

			if (v < 0 || (n < 31 && name[2 * n + 1] != '.'))
				return false;
			if (n % 2 == 0)
				bytes[15 - n / 2] = (uint8_t)v;
			else
				bytes[15 - n / 2] |= (uint8_t)(v << 4);
		}
		*family = AF_INET6;
		return true;
	}
	return false;
}

/* A and/or AAAA answers for every address of @recs. */
static void answer_addrs(const struct dns_db *db, struct dns_msg *m, uint16_t qtype,
			 const struct dns_record *const *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY)
			for (uint16_t k = 0; k < recs[i]->n_v4; k++)
				dns_msg_add_addr(m, DNS_TYPE_A, db->v4[recs[i]->v4 + k], 4, DNS_LOCAL_TTL);
		if (qtype == DNS_TYPE_AAAA || qtype == DNS_TYPE_ANY)
			for (uint16_t k = 0; k < recs[i]->n_v6; k++)
				dns_msg_add_addr(m, DNS_TYPE_AAAA, db->v6[recs[i]->v6 + k], 16, DNS_LOCAL_TTL);
	}
}

/* does network @net have IPv6 (an IPv6 gateway)? */
static bool net_has_ipv6(const struct dns_db *db, uint16_t net)
{
	if (net >= db->n_nets)
		return false;
	for (unsigned int k = 0; k < db->nets[net].n_gateways; k++)
		if (db->nets[net].gateway[k].family == AF_INET6)
			return true;
	return false;
}

/*
 * The host gateway: its IPv6 address only on networks with IPv6, so that an
 * IPv4-only container is not handed an address it has no route to.
 */
static void answer_host(const struct dns_db *db, uint16_t net, struct dns_msg *m, uint16_t qtype)
{
	if (qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY)
		for (unsigned int k = 0; k < db->n_host4; k++)
			dns_msg_add_addr(m, DNS_TYPE_A, db->host4[k], 4, DNS_LOCAL_TTL);
	if ((qtype == DNS_TYPE_AAAA || qtype == DNS_TYPE_ANY) && net_has_ipv6(db, net))
		for (unsigned int k = 0; k < db->n_host6; k++)
			dns_msg_add_addr(m, DNS_TYPE_AAAA, db->host6[k], 16, DNS_LOCAL_TTL);
}

static bool is_host_gateway(const struct dns_db *db, int family, const uint8_t *bytes)
{
	if (family == AF_INET) {
		for (unsigned int k = 0; k < db->n_host4; k++)
			if (memcmp(db->host4[k], bytes, 4) == 0)
				return true;
	} else {
		for (unsigned int k = 0; k < db->n_host6; k++)
			if (memcmp(db->host6[k], bytes, 16) == 0)
				return true;
	}
	return false;
}

/* Finish @m as the reply. */
static enum dns_action reply(struct dns_msg *m, size_t *out_len)
{
	*out_len = dns_msg_finish(m);
	return DNS_ACT_REPLY;
}

/* Reverse lookups: PTR for addresses of this network and the host gateway. */
static enum dns_action resolve_reverse(const struct dns_db *db, uint16_t net, const uint16_t *others,
				       size_t n_others, const struct dns_query *q, struct dns_msg *m,
				       uint8_t *out, size_t cap, size_t limit, size_t *out_len)
{
	const struct dns_record *recs[DNS_LOOKUP_MAX];
	uint8_t bytes[16];
	bool elsewhere;
	int family;
	size_t n;

	if (!dns_reverse_name(q->name, q->name_len, &family, bytes))
		return DNS_ACT_FORWARD;
	n = dns_db_find_addr(db, net, family, bytes, recs, DNS_LOOKUP_MAX, &elsewhere);
	for (size_t i = 0; n == 0 && i < n_others; i++) {
		bool ignored;

		n = dns_db_find_addr(db, others[i], family, bytes, recs, DNS_LOOKUP_MAX, &ignored);
	}
	if (n > 0) {
		dns_msg_begin(m, out, cap, limit, q, DNS_RCODE_NOERROR, true);
		if (q->qtype == DNS_TYPE_PTR || q->qtype == DNS_TYPE_ANY)
			for (size_t i = 0; i < n; i++)
				dns_msg_add_ptr(m, db->arena + recs[i]->name, recs[i]->name_len,
						DNS_SEARCH_DOMAIN, DNS_LOCAL_TTL);
		return reply(m, out_len);
	}
	if (is_host_gateway(db, family, bytes)) {
		dns_msg_begin(m, out, cap, limit, q, DNS_RCODE_NOERROR, true);
		if (q->qtype == DNS_TYPE_PTR || q->qtype == DNS_TYPE_ANY)
			dns_msg_add_ptr(m, host_names[0], strlen(host_names[0]), NULL, DNS_LOCAL_TTL);
		return reply(m, out_len);
	}
	if (elsewhere) {
		dns_msg_begin(m, out, cap, limit, q, DNS_RCODE_NXDOMAIN, true);
		return reply(m, out_len);
	}
	return DNS_ACT_FORWARD;
}

/* The length of the name looked up for @q: NAME.dns.podnet is NAME. Return: whether @q is in our domain. */
static bool lookup_key(const struct dns_query *q, size_t *key_len)
{
	if (has_suffix(q->name, q->name_len, DNS_SEARCH_DOMAIN, key_len))
		return true; /* the search domain itself (length 0) is ours and empty */
	*key_len = q->name_len;
	return false;
}

/* The answer rules, with DNS_ACT_FORWARD for whatever is not ours. */
static enum dns_action resolve_query(const struct dns_db *db, uint16_t net, const struct dns_addr *client,
				     const uint8_t *pkt, size_t len, bool tcp, struct dns_query *q, uint8_t *out,
				     size_t out_cap, size_t *out_len)
{
	const struct dns_record *recs[DNS_LOOKUP_MAX];
	uint16_t others[DNS_ASKER_NETS_MAX];
	size_t limit, key_len, n, n_others = 0;
	bool elsewhere, in_domain;
	struct dns_msg m;
	int rcode;

	switch (dns_query_parse(pkt, len, q)) {
	case DNS_V_OK:
		break;
	case DNS_V_DROP:
		return DNS_ACT_DROP;
	case DNS_V_FORMERR:
		rcode = DNS_RCODE_FORMERR;
		goto rcode_only;
	case DNS_V_NOTIMP:
		rcode = DNS_RCODE_NOTIMP;
		goto rcode_only;
	case DNS_V_REFUSED:
		rcode = DNS_RCODE_REFUSED;
		goto rcode_only;
	case DNS_V_BADVERS:
		rcode = DNS_RCODE_BADVERS;
		goto rcode_only;
	}
	limit = tcp ? DNS_TCP_MSG_MAX : q->udp_max;

	/* the types and classes we never serve or relay */
	if (q->qclass != DNS_CLASS_IN && q->qclass != DNS_CLASS_ANY) {
		rcode = DNS_RCODE_REFUSED;
		goto rcode_only;
	}
	switch (q->qtype) {
	case DNS_TYPE_AXFR:
	case DNS_TYPE_IXFR:
		rcode = DNS_RCODE_REFUSED;
		goto rcode_only;
	case DNS_TYPE_TKEY:
	case DNS_TYPE_TSIG:
	case DNS_TYPE_MAILA:
	case DNS_TYPE_MAILB:
		rcode = DNS_RCODE_NOTIMP;
		goto rcode_only;
	default:
		break;
	}
	if (!q->name_plain) {
		/* odd bytes never name a record; in our domain they do not exist */
		if (!has_suffix(q->name, q->name_len, DNS_SEARCH_DOMAIN, &key_len))
			return DNS_ACT_FORWARD;
		dns_msg_begin(&m, out, out_cap, limit, q, DNS_RCODE_NXDOMAIN, true);
		return reply(&m, out_len);
	}

	for (size_t i = 0; i < sizeof(host_names) / sizeof(host_names[0]); i++) {
		if (strcmp(q->name, host_names[i]) == 0) {
			dns_msg_begin(&m, out, out_cap, limit, q, DNS_RCODE_NOERROR, true);
			answer_host(db, net, &m, q->qtype);
			return reply(&m, out_len);
		}
	}

	in_domain = lookup_key(q, &key_len);
	if (in_domain && key_len == 0) {
		dns_msg_begin(&m, out, out_cap, limit, q, DNS_RCODE_NOERROR, true);
		return reply(&m, out_len);
	}
	n = dns_db_find_name(db, net, q->name, key_len, recs, DNS_LOOKUP_MAX, &elsewhere);
	if (n == 0 && elsewhere)
		n_others = dns_db_asker_networks(db, net, client, others, DNS_ASKER_NETS_MAX);
	/* the listener's own network first: its addresses are the ones the asker reaches from here */
	for (size_t i = 0; n == 0 && i < n_others; i++) {
		bool ignored;

		n = dns_db_find_name(db, others[i], q->name, key_len, recs, DNS_LOOKUP_MAX, &ignored);
	}
	if (n > 0) {
		dns_msg_begin(&m, out, out_cap, limit, q, DNS_RCODE_NOERROR, true);
		answer_addrs(db, &m, q->qtype, recs, n);
		return reply(&m, out_len);
	}
	if (in_domain || elsewhere) {
		/* names of other networks do not exist here: no address leaks */
		dns_msg_begin(&m, out, out_cap, limit, q, DNS_RCODE_NXDOMAIN, true);
		return reply(&m, out_len);
	}
	if (n_others == 0)
		n_others = dns_db_asker_networks(db, net, client, others, DNS_ASKER_NETS_MAX);
	return resolve_reverse(db, net, others, n_others, q, &m, out, out_cap, limit, out_len);

rcode_only:
	*out_len = dns_reply_rcode(q, rcode, out, out_cap);
	return *out_len ? DNS_ACT_REPLY : DNS_ACT_DROP;
}

enum dns_action dns_resolve(const struct dns_db *db, uint16_t net, const struct dns_addr *client,
			    const uint8_t *pkt, size_t len, bool tcp, struct dns_query *q, uint8_t *out, size_t out_cap,
			    size_t *out_len)
{
	enum dns_action act = resolve_query(db, net, client, pkt, len, tcp, q, out, out_cap, out_len);
	struct dns_msg m;

	/*
	 * An internal network has no outbound path, and its resolver is none
	 * either (else it is a channel out: queries carry data, answers bring
	 * it in). A name that is not ours does not exist there: NXDOMAIN, not
	 * authoritative, as aardvark-dns answers. Whoever asks, over UDP or TCP.
	 */
	if (act == DNS_ACT_FORWARD && net < db->n_nets && db->nets[net].internal) {
		dns_msg_begin(&m, out, out_cap, tcp ? DNS_TCP_MSG_MAX : q->udp_max, q, DNS_RCODE_NXDOMAIN, false);
		return reply(&m, out_len);
	}
	return act;
}

static void key_addr(struct dns_keys *k, int family, const uint8_t *bytes)
{
	if (k->n_addrs < DNS_KEYS_MAX) {
		k->addr[k->n_addrs].family = (uint8_t)family;
		memcpy(k->addr[k->n_addrs++].bytes, bytes, family == AF_INET ? 4 : 16);
	}
}

const struct dns_db *dns_resolve_records(struct dns_db *scratch, const struct dns_db *nets, const char *dir,
					 struct dns_readbuf *buf, uint16_t net, const struct dns_addr *client,
					 const uint8_t *pkt, size_t len)
{
	char me_name[DNS_NAME_LEN_MAX + 1];
	const struct dns_record *me;
	struct dns_keys keys = { 0 };
	struct dns_query q;
	size_t key_len;
	uint8_t bytes[16];
	bool elsewhere;
	int family;

	dns_db_free(scratch);
	dns_db_init(scratch, nets->seed);
	if (dns_query_parse(pkt, len, &q) != DNS_V_OK)
		return nets; /* answered by its header alone, never forwarded */
	/* the lookups of resolve_query() and resolve_reverse() */
	lookup_key(&q, &key_len);
	if (q.name_plain && key_len > 0) {
		keys.name[keys.n_names] = q.name;
		keys.name_len[keys.n_names++] = key_len;
	}
	if (q.name_plain && dns_reverse_name(q.name, q.name_len, &family, bytes))
		key_addr(&keys, family, bytes);
	/* the asker's record (dns_db_asker_networks(), its upstreams): by address, then by name elsewhere */
	if (client && (client->family == AF_INET || client->family == AF_INET6))
		key_addr(&keys, client->family, client->bytes);
	if (dns_db_load_matching(scratch, nets, dir, &keys, buf) < 0)
		return NULL;
	if (!client || nets->n_nets < 2 ||
	    dns_db_find_addr(scratch, net, client->family, client->bytes, &me, 1, &elsewhere) == 0)
		return scratch;
	memcpy(me_name, scratch->arena + me->name, me->name_len);
	keys.name[keys.n_names] = me_name;
	keys.name_len[keys.n_names++] = me->name_len;
	dns_db_free(scratch);
	dns_db_init(scratch, nets->seed);
	return dns_db_load_matching(scratch, nets, dir, &keys, buf) < 0 ? NULL : scratch;
}
