// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the records file parser of podnet-dns (a file a user
 * can edit): parse the input as a records file and as host-gateway, build the
 * tables, and look up every name and address the parser accepted. Corpus:
 * dns_records_corpus/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dns_record *out[DNS_LOOKUP_MAX];
	struct dns_upstreams ups;
	struct dns_db db;
	bool elsewhere;

	dns_db_init(&db, 5);
	dns_db_add_network(&db, "fuzz", (const char *)data, size);
	dns_db_add_network(&db, "again%int", (const char *)data, size); /* internal: no upstreams */
	dns_db_set_host_gateway(&db, (const char *)data, size);
	dns_resolv_conf_parse((const char *)data, size, &ups);
	if (dns_db_build(&db) == 0) {
		for (uint32_t i = 0; i < db.n_names; i++) {
			const struct dns_name_entry *e = &db.names[i];

			/* every stored name is found again, on its own network */
			if (dns_db_find_name(&db, db.recs[e->rec].net, db.arena + e->name, e->len, out,
					     DNS_LOOKUP_MAX, &elsewhere) == 0)
				__builtin_trap();
			/* and a longer name that starts with it is not that name */
			if (e->len < DNS_NAME_LEN_MAX) {
				char longer[DNS_NAME_LEN_MAX + 1];
				size_t n;

				memcpy(longer, db.arena + e->name, e->len);
				longer[e->len] = 'x';
				n = dns_db_find_name(&db, db.recs[e->rec].net, longer, e->len + 1u, out,
						     DNS_LOOKUP_MAX, &elsewhere);
				/* what it finds holds that longer name, as its primary name or an alias */
				for (size_t k = 0; k < n; k++) {
					bool holds = false;

					for (uint32_t j = 0; j < db.n_names && !holds; j++)
						holds = &db.recs[db.names[j].rec] == out[k] &&
							db.names[j].len == e->len + 1u &&
							memcmp(db.arena + db.names[j].name, longer, e->len + 1u) == 0;
					if (!holds)
						__builtin_trap();
				}
			}
		}
		for (uint32_t i = 0; i < db.n_addrs; i++) {
			const struct dns_addr_entry *e = &db.addrs[i];
			bool v6 = e->idx & DNS_ADDR_IDX_V6;
			const uint8_t *b = v6 ? db.v6[e->idx & ~DNS_ADDR_IDX_V6] : db.v4[e->idx];

			if (dns_db_find_addr(&db, db.recs[e->rec].net, v6 ? AF_INET6 : AF_INET, b, out,
					     DNS_LOOKUP_MAX, &elsewhere) == 0)
				__builtin_trap();
		}
	}
	dns_db_free(&db);
	return 0;
}
