// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the podnet-dns query path: every input is a packet
 * received on network 0 of a small fixed database, run through dns_resolve()
 * over UDP and over TCP, on an internal network (which must never forward),
 * and also checked as an upstream reply against a fixed
 * question. Anything but a clean return is a bug. Corpus: dns_query_corpus/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char net0[] = "10.89.0.1,fd00::1\n"
			   "aaaa 10.89.0.2,10.89.0.12 fd00::2 web,www,Alias 192.0.2.53\n"
			   "bbbb 10.89.0.3  db\n";
static const char net1[] = "10.89.1.1\ncccc 10.89.1.2  secret,web\n";

static struct dns_db db;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_TCP_MSG_MAX];
	static const uint8_t question[] = { 3, 'w', 'e', 'b', 0, 0, 1, 0, 1 };
	struct dns_query q;
	size_t len = 0;

	if (!ready) {
		dns_db_init(&db, 1);
		dns_db_add_network(&db, "n0", net0, sizeof(net0) - 1);
		dns_db_add_network(&db, "n1", net1, sizeof(net1) - 1);
		dns_db_add_network(&db, "n2%int", net1, sizeof(net1) - 1); /* internal: never forwards */
		dns_db_set_host_gateway(&db, "10.0.2.2\n", 9);
		dns_db_build(&db);
		ready = 1;
	}
	if (dns_resolve(&db, 0, NULL, data, size, false, &q, out, DNS_UDP_OURS, &len) == DNS_ACT_REPLY &&
	    len > q.udp_max)
		__builtin_trap(); /* a UDP answer larger than the client accepts */
	if (dns_resolve(&db, 1, NULL, data, size, true, &q, out, sizeof(out), &len) == DNS_ACT_REPLY &&
	    len < DNS_HEADER_LEN)
		__builtin_trap();
	switch (dns_resolve(&db, 2, NULL, data, size, false, &q, out, DNS_UDP_OURS, &len)) {
	case DNS_ACT_FORWARD:
		__builtin_trap(); /* an internal network's listener forwarded */
	case DNS_ACT_REPLY:
		if (len > q.udp_max)
			__builtin_trap();
		break;
	case DNS_ACT_DROP:
		break;
	}
	if (dns_reply_matches(data, size, size >= 2 ? dns_get16(data) : 0, question, sizeof(question))) {
		uint8_t copy[DNS_QUERY_MAX];

		if (size <= sizeof(copy)) {
			memcpy(copy, data, size);
			dns_truncate_reply(copy, size, sizeof(copy), sizeof(question), size & 1, size & 2);
		}
	}
	return 0;
}
