// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the records file parser of podnet-dns (a file a user
 * can edit): parse the input as a records file and as host-gateway, build the
 * tables, and look up every name and address the parser accepted. Then the
 * input as a file: for the first names and addresses, the lines that a
 * matching load keeps (what the first load answers from, before its tables
 * exist) give the same records as the full load. Corpus: dns_records_corpus/.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "records.h"

#define MATCH_CHECKS 6 /* keys checked per input: each is a load of the file */

static bool same_records(const struct dns_db *a, const struct dns_record *const *ra, const struct dns_db *b,
			 const struct dns_record *const *rb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ra[i]->n_v4 != rb[i]->n_v4 || ra[i]->n_v6 != rb[i]->n_v6 || ra[i]->name_len != rb[i]->name_len ||
		    memcmp(a->arena + ra[i]->name, b->arena + rb[i]->name, ra[i]->name_len) != 0 ||
		    (ra[i]->n_v4 && memcmp(a->v4[ra[i]->v4], b->v4[rb[i]->v4], 4u * ra[i]->n_v4) != 0) ||
		    (ra[i]->n_v6 && memcmp(a->v6[ra[i]->v6], b->v6[rb[i]->v6], 16u * ra[i]->n_v6) != 0))
			return false;
	}
	return true;
}

static char fuzz_dir[64];
static char fuzz_path[96];

static void remove_dir(void)
{
	unlink(fuzz_path);
	rmdir(fuzz_dir);
}

/* The input as the records file of network "fuzz" in a directory of this process (removed at exit). */
static const char *write_dir(const uint8_t *data, size_t size)
{
	int fd;

	if (!fuzz_dir[0]) {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/pn-records-fuzz.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(fuzz_dir))
			__builtin_trap();
		snprintf(fuzz_path, sizeof(fuzz_path), "%s/fuzz", fuzz_dir);
		atexit(remove_dir);
	}
	fd = open(fuzz_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	close(fd);
	return fuzz_dir;
}

static void check_matching(const uint8_t *data, size_t size)
{
	const struct dns_record *rf[DNS_LOOKUP_MAX], *rm[DNS_LOOKUP_MAX];
	const char *dir = write_dir(data, size);
	static struct dns_readbuf buf;
	struct dns_db full, nets, m;
	bool ef, em;

	dns_db_init(&full, 5);
	dns_db_init(&nets, 5);
	if (dns_db_load_dir(&full, dir) == 1 && dns_db_load_networks(&nets, dir, NULL) == 1) {
		for (uint32_t i = 0; i < full.n_names && i < MATCH_CHECKS; i++) {
			const struct dns_name_entry *e = &full.names[i * (full.n_names / MATCH_CHECKS + 1) % full.n_names];
			struct dns_keys k = { .n_names = 1 };
			size_t nf, nm;

			k.name[0] = full.arena + e->name;
			k.name_len[0] = e->len;
			dns_db_init(&m, 5);
			if (dns_db_load_matching(&m, &nets, dir, &k, &buf) < 0)
				__builtin_trap();
			nf = dns_db_find_name(&full, 0, k.name[0], e->len, rf, DNS_LOOKUP_MAX, &ef);
			nm = dns_db_find_name(&m, 0, k.name[0], e->len, rm, DNS_LOOKUP_MAX, &em);
			if (nf != nm || !same_records(&full, rf, &m, rm, nf))
				__builtin_trap();
			dns_db_free(&m);
		}
		for (uint32_t i = 0; i < full.n_addrs && i < MATCH_CHECKS; i++) {
			const struct dns_addr_entry *e = &full.addrs[i * (full.n_addrs / MATCH_CHECKS + 1) % full.n_addrs];
			bool v6 = e->idx & DNS_ADDR_IDX_V6;
			struct dns_keys k = { .n_addrs = 1 };
			size_t nf, nm;

			k.addr[0].family = v6 ? AF_INET6 : AF_INET;
			memcpy(k.addr[0].bytes, v6 ? full.v6[e->idx & ~DNS_ADDR_IDX_V6] : full.v4[e->idx], v6 ? 16 : 4);
			dns_db_init(&m, 5);
			if (dns_db_load_matching(&m, &nets, dir, &k, &buf) < 0)
				__builtin_trap();
			nf = dns_db_find_addr(&full, 0, k.addr[0].family, k.addr[0].bytes, rf, DNS_LOOKUP_MAX, &ef);
			nm = dns_db_find_addr(&m, 0, k.addr[0].family, k.addr[0].bytes, rm, DNS_LOOKUP_MAX, &em);
			if (nf != nm || !same_records(&full, rf, &m, rm, nf))
				__builtin_trap();
			dns_db_free(&m);
		}
	}
	dns_db_free(&full);
	dns_db_free(&nets);
}

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
	/* through files only when there is a record to look for: most inputs have none */
	if (db.n_recs > 0)
		check_matching(data, size);
	dns_db_free(&db);
	return 0;
}
