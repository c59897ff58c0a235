/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The query path of podnet-dns, free of sockets so that unit tests and the
 * fuzz target drive exactly what the daemon runs: validate a packet, answer
 * it from the records of the network it arrived on, or say that it must be
 * forwarded upstream. The answer rules are written down in docs/dns.md.
 */
#ifndef PODNET_DNS_RESOLVE_H
#define PODNET_DNS_RESOLVE_H

#include "records.h"
#include "wire.h"

#define DNS_SEARCH_DOMAIN "dns.podnet"
#define DNS_ASKER_NETS_MAX 32 /* networks of one container searched for a name */
#define DNS_LOCAL_TTL 0 /* records change live; nobody should cache them */

enum dns_action {
	DNS_ACT_DROP,    /* send nothing */
	DNS_ACT_REPLY,   /* send the answer built in the output buffer */
	DNS_ACT_FORWARD, /* relay the packet to an upstream server */
};

/**
 * dns_resolve() - decide what to do with one query from network @net
 * @db: the current records
 * @net: index of the network whose listener received the packet
 * @client: the asker's address, or NULL; names of the asker's other networks
 *          are answered too (dns_db_asker_networks())
 * @pkt: the packet
 * @len: its length
 * @tcp: it came over TCP (the answer may use up to 65535 bytes)
 * @q: the parsed query, for the caller (forwarding needs it)
 * @out: answer buffer
 * @out_cap: its size (at least DNS_UDP_OURS)
 * @out_len: length of the answer when DNS_ACT_REPLY is returned
 *
 * Return: the action.
 */
enum dns_action dns_resolve(const struct dns_db *db, uint16_t net, const struct dns_addr *client,
			    const uint8_t *pkt, size_t len, bool tcp, struct dns_query *q, uint8_t *out, size_t out_cap,
			    size_t *out_len);

/**
 * dns_resolve_records() - read from the files the records dns_resolve() needs for @pkt
 * @scratch: receives them (freed, then initialised with @nets's seed)
 * @nets: the networks (dns_db_load_networks()), indexed by @net
 * @dir: the records directory
 * @buf: read buffer, kept from call to call
 * @net, @client, @pkt, @len: as for dns_resolve()
 *
 * For a daemon whose tables are not built yet: every name and address that
 * dns_resolve() may look up for @pkt (the name asked, the asker's address and
 * its name on other networks, a reverse name's address) is a key of
 * dns_db_load_matching(), so dns_resolve() with the result answers as it
 * would with every record loaded.
 * Return: @scratch, @nets when @pkt is answered by its header alone, or NULL (-ENOMEM).
 */
const struct dns_db *dns_resolve_records(struct dns_db *scratch, const struct dns_db *nets, const char *dir,
					 struct dns_readbuf *buf, uint16_t net, const struct dns_addr *client,
					 const uint8_t *pkt, size_t len);

/**
 * dns_reply_rcode() - build an answer to @q with just a response code
 *
 * Return: the answer length (0 if @out is too small).
 */
size_t dns_reply_rcode(const struct dns_query *q, int rcode, uint8_t *out, size_t out_cap);

/**
 * dns_reverse_name() - parse NAME.in-addr.arpa / NAME.ip6.arpa (all octets or nibbles)
 * @name: lower-case dotted name
 * @family: set to AF_INET or AF_INET6
 * @bytes: the address (16 bytes of room)
 *
 * Return: true if @name is a complete reverse name.
 */
bool dns_reverse_name(const char *name, size_t len, int *family, uint8_t *bytes);

#endif
