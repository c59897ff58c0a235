// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Records files into hash tables (see records.h).
 *
 * Theory of operation: loading appends to growable arrays (networks, records,
 * addresses, a string arena for names, name and address entries, upstream
 * lists); before a file is parsed, the arrays are grown once to hold as many
 * records as it has lines (dns_db_load_dir() reads a file in chunks through
 * one small buffer and predicts its lines from the first chunk), so that
 * loading does not copy them again and again. A line is parsed in one pass
 * per field, without copies: IPv4 addresses without inet_pton(), names
 * checked and lower-cased at once. dns_db_build() cuts every array to its length (no slack stays
 * resident), then sizes each hash table to the next power of two at least 1.5
 * times its entry count (load <= 2/3) and inserts with linear probing. Entries
 * are 8 bytes (the network, the name's length and the address family come
 * from the record, the arena and a flag bit); a slot holds the entry index + 1
 * and the top bits of the key's hash, so a probe compares keys only when those
 * bits match. The tables are never modified after build: a reload builds
 * a complete new database and the daemon swaps it in between two packets, so
 * queries see either the old or the new records, never a mix.
 */
#define _GNU_SOURCE
#include "records.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert((uint64_t)DNS_RECORDS_MAX * 4 < (1u << DNS_SLOT_INDEX_BITS),
	       "entry indexes must fit below the hash bits of a slot");
_Static_assert(DNS_RECORDS_MAX <= (1u << 24) && DNS_NAME_LEN_MAX < 256,
	       "a record index and a name length share a name entry's second word");

void dns_db_init(struct dns_db *db, uint32_t seed)
{
	memset(db, 0, sizeof(*db));
	db->seed = seed;
}

void dns_db_free(struct dns_db *db)
{
	free(db->nets);
	free(db->recs);
	free(db->v4);
	free(db->v6);
	free(db->arena);
	free(db->names);
	free(db->addrs);
	free(db->upstreams);
	free(db->name_slots);
	free(db->addr_slots);
	dns_db_init(db, db->seed);
}

size_t dns_db_bytes(const struct dns_db *db)
{
	return (size_t)db->cap_nets * sizeof(*db->nets) + (size_t)db->cap_recs * sizeof(*db->recs) +
	       (size_t)db->cap_v4 * sizeof(*db->v4) + (size_t)db->cap_v6 * sizeof(*db->v6) + db->arena_cap +
	       (size_t)db->cap_names * sizeof(*db->names) + (size_t)db->cap_addrs * sizeof(*db->addrs) +
	       (size_t)db->cap_upstreams * sizeof(*db->upstreams) +
	       (db->name_slots ? ((size_t)db->name_mask + 1) * sizeof(uint32_t) : 0) +
	       (db->addr_slots ? ((size_t)db->addr_mask + 1) * sizeof(uint32_t) : 0);
}

/* Make room for @want elements at once (capped at @max). Return: 0 or -ENOMEM. */
static int reserve(void **arr, uint32_t *cap, uint64_t want, size_t elem, uint32_t max)
{
	void *p;

	if (want > max)
		want = max;
	if (want <= *cap)
		return 0;
	p = reallocarray(*arr, (size_t)want, elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = (uint32_t)want;
	return 0;
}

/* Make room for one more element in a growable array (doubling). Return: 0 or -ENOMEM/-E2BIG. */
static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem, uint32_t max)
{
	if (n < *cap)
		return 0;
	if (n >= max)
		return -E2BIG;
	return reserve(arr, cap, *cap ? (uint64_t)*cap * 2 : 16, elem, max);
}

#define GROW(db, field, count, cap, max) \
	grow((void **)&(db)->field, &(db)->cap, (db)->count, sizeof(*(db)->field), (max))

#define RESERVE(db, field, count, cap, want, max) \
	reserve((void **)&(db)->field, &(db)->cap, (want), sizeof(*(db)->field), (max))

/*
 * Populate the pages that elements [@n, @n + @more) of an array of @cap will
 * be written to: one call instead of a fault per page (a fault costs several
 * µs in some VMs, twice or more what populating costs).
 */
static void populate(void *arr, uint32_t n, uint32_t cap, uint64_t more, size_t elem)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;
	uint64_t last = (uint64_t)n + more < cap ? (uint64_t)n + more : cap;

	if (!arr || n >= last)
		return;
	/* whole pages: the page of element @n and that of the last element belong to the array's mapping */
	start = ((uintptr_t)arr + (size_t)n * elem) & ~(page - 1);
	end = ((uintptr_t)arr + (size_t)last * elem + page - 1) & ~(page - 1);
	(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

/* What the next @lines record lines will write, in the room net_begin() reserved. */
static void populate_ahead(struct dns_db *db, uint64_t lines)
{
	populate(db->recs, db->n_recs, db->cap_recs, lines, sizeof(*db->recs));
	populate(db->names, db->n_names, db->cap_names, 2 * lines, sizeof(*db->names));
	populate(db->addrs, db->n_addrs, db->cap_addrs, lines, sizeof(*db->addrs));
	populate(db->v4, db->n_v4, db->cap_v4, lines, sizeof(*db->v4));
}

/* Cut an array to its @n elements: the slack of doubling is given back. */
static void shrink(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	void *p;

	if (!*arr || n >= *cap)
		return;
	p = realloc(*arr, (n ? n : 1) * elem);
	if (p) {
		*arr = p;
		*cap = n ? n : 1;
	}
}

#define SHRINK(db, field, count, cap) \
	shrink((void **)&(db)->field, &(db)->cap, (db)->count, sizeof(*(db)->field))

static uint32_t hash_bytes(uint32_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t h = 2166136261u ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	/* final avalanche so that low bits (the slot index) depend on every byte */
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

/*
 * The owner of a record (its id, 64 hex digits from Podman): compared, never
 * looked up, so a word-at-a-time mix serves and costs a fraction of FNV-1a.
 */
static uint32_t hash_id(uint32_t seed, const char *data, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ seed ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, data + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, data + i, len - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t hash_addr(uint32_t seed, int family, const uint8_t *bytes)
{
	return hash_bytes(seed ^ (uint32_t)family, bytes, family == AF_INET ? 4 : 16);
}

/*
 * inet_pton(AF_INET) of exactly [@s, @s + @len), without copying it: four
 * decimal octets of at most 255, no leading zero, nothing else; the rules of
 * glibc's inet_pton4(), step for step. Return: whether it is one.
 */
static bool parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
	unsigned int octets = 0, val = 0;
	bool digit = false;
	uint8_t tmp[4];

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= '0' && c <= '9') {
			if (digit && val == 0)
				return false; /* a leading zero */
			val = val * 10 + (c - '0');
			if (val > 255)
				return false;
			if (!digit) {
				if (++octets > 4)
					return false;
				digit = true;
			}
		} else if (c == '.' && digit) {
			if (octets == 4)
				return false;
			tmp[octets - 1] = (uint8_t)val;
			val = 0;
			digit = false;
		} else {
			return false;
		}
	}
	if (octets < 4)
		return false;
	tmp[3] = (uint8_t)val;
	memcpy(out, tmp, 4);
	return true;
}

int dns_addr_parse(const char *s, size_t len, struct dns_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *hash;
	size_t alen = len;

	memset(out, 0, sizeof(*out));
	/* the common case (every address of a records file): no copy, no inet_pton() */
	if (parse_ipv4(s, len, out->bytes)) {
		out->family = AF_INET;
		return 0;
	}
	/* a NUL would end the copy early: "1.2.3.4<NUL>junk" is not an address */
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	hash = memchr(buf, '#', len);
	if (hash) {
		char *end;
		unsigned long port;

		alen = (size_t)(hash - buf);
		errno = 0;
		port = strtoul(hash + 1, &end, 10);
		if (errno || *end || end == hash + 1 || port == 0 || port > 65535)
			return -EINVAL;
		out->port = (uint16_t)port;
		buf[alen] = '\0';
	}
	if (inet_pton(AF_INET, buf, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->bytes) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

socklen_t dns_addr_to_sockaddr(const struct dns_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->port)
		port = a->port;
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	sin6->sin6_scope_id = a->scope;
	return sizeof(*sin6);
}

int dns_addr_from_sockaddr(const struct sockaddr *sa, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		a->family = AF_INET;
		a->port = ntohs(sin->sin_port);
		memcpy(a->bytes, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		/* a v4-mapped source is the IPv4 client it stands for */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->bytes, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->bytes, &sin6->sin6_addr, 16);
			if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
				a->scope = sin6->sin6_scope_id;
		}
		a->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

bool dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b)
{
	return a->family == b->family && a->port == b->port && a->scope == b->scope &&
	       memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

/*
 * Split the next @sep-separated field off [*p, end). Empty fields are kept.
 * Fields are short (an address, a name): a byte loop beats memchr()'s set-up.
 */
static inline void next_field(const char **p, const char *end, char sep, const char **f,
			      size_t *flen)
{
	const char *s = *p, *e = s;

	while (e < end && *e != sep)
		e++;
	*f = s;
	*flen = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
}

/* Split the next line off [*p, end), without its '\n' (memchr: lines are long). */
static void next_line(const char **p, const char *end, const char **line, size_t *llen)
{
	const char *s = *p, *e = memchr(s, '\n', (size_t)(end - s));

	if (!e)
		e = end;
	*line = s;
	*llen = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
}

/* The names arena at @cap bytes; what lies past its length is not faulted in yet. */
static int arena_resize(struct dns_db *db, uint32_t cap)
{
	char *p = realloc(db->arena, cap);

	if (!p)
		return -ENOMEM;
	db->arena = p;
	db->arena_cap = cap;
	db->arena_ready = db->arena_len;
	return 0;
}

/*
 * Add name @s of record @rec, lower-cased, to the arena and the name entries.
 * A record name: [A-Za-z0-9_.-], labels of 1..63, at most 253 chars; one
 * trailing dot allowed (dropped). Checked and lower-cased in one pass.
 * Return: 0, -EINVAL (not a name: nothing added), -E2BIG or -ENOMEM.
 */
static int add_name(struct dns_db *db, const char *s, size_t len, uint32_t rec, uint32_t *ret_off)
{
	char lower[DNS_NAME_LEN_MAX];
	struct dns_name_entry *e;
	size_t label = 0;
	uint32_t off;
	int r;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_LEN_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
		} else {
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 'a' - 'A');
			else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
				return -EINVAL;
			if (++label > 63)
				return -EINVAL;
		}
		lower[i] = (char)c;
	}
	if (label == 0)
		return -EINVAL;

	if ((size_t)db->arena_len + len + 1 > UINT32_MAX / 2)
		return -E2BIG;
	while (db->arena_len + len + 1 > db->arena_cap) {
		if (arena_resize(db, db->arena_cap ? db->arena_cap * 2 : 4096) < 0)
			return -ENOMEM;
	}
	if (db->arena_len + len + 1 > db->arena_ready) {
		/* the arena is reserved generously (see net_begin()): populate as it fills */
		uint32_t step = db->arena_cap - db->arena_ready < 65536 ? db->arena_cap - db->arena_ready : 65536;

		pn_prefault(db->arena + db->arena_ready, step);
		db->arena_ready += step;
	}
	r = GROW(db, names, n_names, cap_names, DNS_RECORDS_MAX * 4);
	if (r < 0)
		return r;
	off = db->arena_len;
	memcpy(db->arena + off, lower, len);
	db->arena[off + len] = '\0';
	db->arena_len += (uint32_t)len + 1;
	e = &db->names[db->n_names++];
	e->name = off;
	e->rec = rec & 0xffffffu;
	e->len = (uint8_t)len;
	if (ret_off)
		*ret_off = off;
	return 0;
}

static int add_addr(struct dns_db *db, const struct dns_addr *a, uint32_t rec)
{
	struct dns_addr_entry *e;
	int r;

	r = GROW(db, addrs, n_addrs, cap_addrs, DNS_RECORDS_MAX * 4);
	if (r < 0)
		return r;
	if (a->family == AF_INET) {
		r = GROW(db, v4, n_v4, cap_v4, DNS_RECORDS_MAX * 4);
		if (r < 0)
			return r;
		memcpy(db->v4[db->n_v4], a->bytes, 4);
	} else {
		r = GROW(db, v6, n_v6, cap_v6, DNS_RECORDS_MAX * 4);
		if (r < 0)
			return r;
		memcpy(db->v6[db->n_v6], a->bytes, 16);
	}
	e = &db->addrs[db->n_addrs++];
	e->rec = rec;
	e->idx = a->family == AF_INET ? db->n_v4++ : (db->n_v6++ | DNS_ADDR_IDX_V6);
	return 0;
}

/* Parse a comma-joined address list of one family into @out. Return: count or -EINVAL. */
static int parse_addr_list(const char *s, size_t len, int family, struct dns_addr *out, int max,
			   bool allow_port)
{
	const char *p = s, *end = s + len, *f;
	size_t flen;
	int n = 0;

	if (len == 0)
		return 0;
	while (p < end) {
		next_field(&p, end, ',', &f, &flen);
		if (n >= max)
			return -E2BIG;
		if (dns_addr_parse(f, flen, &out[n]) < 0)
			return -EINVAL;
		if ((family && out[n].family != family) || (!allow_port && out[n].port))
			return -EINVAL;
		n++;
	}
	return n;
}

/* One record line. Return: 0, -EINVAL (skip the line) or another negative errno (fatal). */
static int parse_record_line(struct dns_db *db, uint16_t net, const char *line, size_t len)
{
	struct dns_addr a4[DNS_LINE_ITEMS_MAX], a6[DNS_LINE_ITEMS_MAX], dns[DNS_UPSTREAMS_MAX];
	const char *p = line, *end = line + len, *f[6];
	size_t fl[6];
	int nf = 0, n4, n6, ndns = 0, r;
	struct dns_record *rec;
	uint32_t rec_idx;
	bool first = true;

	/* the id (64 hex digits from Podman) is most of a line: memchr() for it */
	{
		const char *sp = memchr(p, ' ', len);

		f[0] = p;
		fl[0] = (size_t)((sp ? sp : end) - p);
		p = sp ? sp + 1 : end;
		nf = 1;
	}
	while (p < end && nf < 6) {
		next_field(&p, end, ' ', &f[nf], &fl[nf]);
		nf++;
	}
	if (p < end || nf < 4 || nf > 5 || fl[0] == 0 || fl[3] == 0)
		return -EINVAL;
	n4 = parse_addr_list(f[1], fl[1], AF_INET, a4, DNS_LINE_ITEMS_MAX, false);
	n6 = parse_addr_list(f[2], fl[2], AF_INET6, a6, DNS_LINE_ITEMS_MAX, false);
	/* an internal network has no way out: a container's own servers are not used (as aardvark-dns) */
	if (nf == 5 && fl[4] > 0 && !db->nets[net].internal)
		ndns = parse_addr_list(f[4], fl[4], 0, dns, DNS_UPSTREAMS_MAX, true);
	if (n4 < 0 || n6 < 0 || ndns < 0)
		return -EINVAL;

	r = GROW(db, recs, n_recs, cap_recs, DNS_RECORDS_MAX);
	if (r < 0)
		return r;
	rec_idx = db->n_recs;
	rec = &db->recs[rec_idx];
	memset(rec, 0, sizeof(*rec));
	rec->net = net;
	rec->upstreams = -1;
	rec->owner = hash_id(db->seed, f[0], fl[0]);
	rec->v4 = db->n_v4;
	rec->v6 = db->n_v6;

	/* names first: a line with no valid name is skipped before anything is added */
	{
		const char *q = f[3], *qend = f[3] + fl[3], *nm;
		size_t nlen;
		uint32_t first_names = db->n_names, arena = db->arena_len;

		while (q < qend) {
			next_field(&q, qend, ',', &nm, &nlen);
			r = add_name(db, nm, nlen, rec_idx, first ? &rec->name : NULL);
			if (r == -EINVAL) {
				db->n_names = first_names;
				db->arena_len = arena;
			}
			if (r < 0)
				return r;
			if (first)
				rec->name_len = (uint16_t)db->names[db->n_names - 1].len;
			first = false;
		}
		if (first)
			return -EINVAL;
	}
	for (int i = 0; i < n4; i++) {
		r = add_addr(db, &a4[i], rec_idx);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < n6; i++) {
		r = add_addr(db, &a6[i], rec_idx);
		if (r < 0)
			return r;
	}
	rec->n_v4 = (uint16_t)n4;
	rec->n_v6 = (uint16_t)n6;
	if (ndns > 0) {
		r = GROW(db, upstreams, n_upstreams, cap_upstreams, DNS_RECORDS_MAX);
		if (r < 0)
			return r;
		db->upstreams[db->n_upstreams].count = (unsigned int)ndns;
		memcpy(db->upstreams[db->n_upstreams].addr, dns, sizeof(dns[0]) * (size_t)ndns);
		rec->upstreams = (int32_t)db->n_upstreams++;
	}
	db->n_recs++;
	return 0;
}

/* Forget what a network that failed half-way added, so nothing is attributed to the next one. */
static void rollback(struct dns_db *db, const struct dns_db *saved)
{
	db->n_recs = saved->n_recs;
	db->n_v4 = saved->n_v4;
	db->n_v6 = saved->n_v6;
	db->arena_len = saved->arena_len;
	db->n_names = saved->n_names;
	db->n_addrs = saved->n_addrs;
	db->n_upstreams = saved->n_upstreams;
	db->bad_lines = saved->bad_lines;
}

/*
 * Start network @name: room for about @lines records (a name and an alias
 * and an address each) and @text_len bytes of names, grown once and not
 * doubled, then its gateway line. The network counts once net_end() ran.
 * Return: 0, -EINVAL if @line is not a list of addresses, -E2BIG, -ENOMEM.
 */
static int net_begin(struct dns_db *db, const char *name, uint64_t lines, uint64_t text_len,
		     const char *line, size_t llen)
{
	bool internal;
	size_t name_len = pn_dns_records_name_len(name, &internal);
	struct dns_network *net;
	int n, r;

	if (name_len >= sizeof(net->name))
		return -EINVAL;
	if (RESERVE(db, recs, n_recs, cap_recs, (uint64_t)db->n_recs + lines, DNS_RECORDS_MAX) < 0 ||
	    RESERVE(db, names, n_names, cap_names, (uint64_t)db->n_names + 2 * lines, DNS_RECORDS_MAX * 4) < 0 ||
	    RESERVE(db, addrs, n_addrs, cap_addrs, (uint64_t)db->n_addrs + lines, DNS_RECORDS_MAX * 4) < 0 ||
	    RESERVE(db, v4, n_v4, cap_v4, (uint64_t)db->n_v4 + lines, DNS_RECORDS_MAX * 4) < 0)
		return -ENOMEM;
	/* the names are copied from the text: it is a bound of the arena's growth */
	if (db->arena_len + text_len + 1 <= UINT32_MAX / 2 && db->arena_len + text_len + 1 > db->arena_cap &&
	    arena_resize(db, db->arena_len + (uint32_t)text_len + 1) < 0)
		return -ENOMEM;
	r = GROW(db, nets, n_nets, cap_nets, DNS_NETWORKS_MAX);
	if (r < 0)
		return r;
	net = &db->nets[db->n_nets];
	memset(net, 0, sizeof(*net));
	memcpy(net->name, name, name_len);
	net->name[name_len] = '\0';
	net->internal = internal;

	if (llen > 0 && line[llen - 1] == '\r')
		llen--;
	n = parse_addr_list(line, llen, 0, net->gateway, DNS_GATEWAYS_MAX, false);
	if (n < 0)
		return n;
	if (n == 0)
		return -EINVAL;
	net->n_gateways = (unsigned int)n;
	return 0;
}

/* Lines in [@p, @end): its newlines, plus one for what follows the last. */
static uint64_t count_lines(const char *p, const char *end)
{
	uint64_t lines = 1;

	for (; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		lines++;
	return lines;
}

/* A line after the gateway line. Return: 0 (added or counted as bad) or a fatal negative errno. */
static int net_line(struct dns_db *db, const char *line, size_t llen)
{
	int r;

	if (llen > 0 && line[llen - 1] == '\r')
		llen--;
	if (llen == 0)
		return 0;
	r = parse_record_line(db, (uint16_t)db->n_nets, line, llen);
	if (r == -EINVAL) {
		db->bad_lines++;
		return 0;
	}
	return r;
}

int dns_db_add_network(struct dns_db *db, const char *name, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *line;
	struct dns_db saved = *db;
	uint64_t lines;
	size_t llen;
	int r;

	lines = count_lines(text, end);
	next_line(&p, end, &line, &llen);
	r = net_begin(db, name, lines, len, line, llen);
	if (r < 0)
		return r;
	while (p < end) {
		next_line(&p, end, &line, &llen);
		r = net_line(db, line, llen);
		if (r < 0) {
			rollback(db, &saved);
			return r;
		}
	}
	db->n_nets++;
	return 0;
}

int dns_db_set_host_gateway(struct dns_db *db, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *line;
	struct dns_addr a;
	size_t llen;

	db->n_host4 = db->n_host6 = 0;
	while (p < end) {
		next_line(&p, end, &line, &llen);
		while (llen > 0 && (line[llen - 1] == '\r' || line[llen - 1] == ' '))
			llen--;
		if (llen == 0)
			continue;
		if (dns_addr_parse(line, llen, &a) < 0 || a.port)
			return -EINVAL;
		if (a.family == AF_INET && db->n_host4 < DNS_HOST_GW_MAX)
			memcpy(db->host4[db->n_host4++], a.bytes, 4);
		else if (a.family == AF_INET6 && db->n_host6 < DNS_HOST_GW_MAX)
			memcpy(db->host6[db->n_host6++], a.bytes, 16);
	}
	return 0;
}

/* A power of two with the load at most 2/3: linear probing stays a few probes long. */
static uint32_t table_size(uint32_t n)
{
	uint32_t size = 16;

	while (size < n + n / 2)
		size *= 2;
	return size;
}

static uint32_t name_hash(const struct dns_db *db, uint32_t entry)
{
	const struct dns_name_entry *e = &db->names[entry];

	return hash_bytes(db->seed, db->arena + e->name, e->len);
}

static uint32_t addr_hash(const struct dns_db *db, uint32_t entry)
{
	uint32_t idx = db->addrs[entry].idx;

	if (idx & DNS_ADDR_IDX_V6)
		return hash_addr(db->seed, AF_INET6, db->v6[idx & ~DNS_ADDR_IDX_V6]);
	return hash_addr(db->seed, AF_INET, db->v4[idx]);
}

static inline uint32_t slot_tag(uint32_t hash)
{
	return hash & ~DNS_SLOT_INDEX_MASK;
}

/* Insert entries 0..@n-1 into a new table. Return: 0 or -ENOMEM. */
static int build_table(const struct dns_db *db, uint32_t n, uint32_t (*hash)(const struct dns_db *, uint32_t),
		       uint32_t **ret_slots, uint32_t *ret_mask)
{
	uint32_t size = table_size(n), mask = size - 1;
	uint32_t *slots = calloc(size, sizeof(uint32_t));

	if (!slots)
		return -ENOMEM;
	pn_prefault(slots, size * sizeof(uint32_t)); /* inserts land all over it */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = hash(db, i), s = h & mask;

		while (slots[s])
			s = (s + 1) & mask;
		slots[s] = slot_tag(h) | (i + 1);
	}
	*ret_slots = slots;
	*ret_mask = mask;
	return 0;
}

int dns_db_build(struct dns_db *db)
{
	int r;

	free(db->name_slots);
	free(db->addr_slots);
	db->name_slots = db->addr_slots = NULL;
	/* loading is over: no slack stays allocated */
	SHRINK(db, nets, n_nets, cap_nets);
	SHRINK(db, recs, n_recs, cap_recs);
	SHRINK(db, v4, n_v4, cap_v4);
	SHRINK(db, v6, n_v6, cap_v6);
	SHRINK(db, arena, arena_len, arena_cap);
	db->arena_ready = db->arena_cap; /* nothing more to prefault after the cut */
	SHRINK(db, names, n_names, cap_names);
	SHRINK(db, addrs, n_addrs, cap_addrs);
	SHRINK(db, upstreams, n_upstreams, cap_upstreams);
	r = build_table(db, db->n_names, name_hash, &db->name_slots, &db->name_mask);
	if (r == 0)
		r = build_table(db, db->n_addrs, addr_hash, &db->addr_slots, &db->addr_mask);
	return r;
}

/* Add @rec to @out unless it is already there (a name listed twice on one line). */
static size_t collect(const struct dns_record **out, size_t n, size_t max, const struct dns_record *rec)
{
	for (size_t i = 0; i < n; i++)
		if (out[i] == rec)
			return n;
	if (n < max)
		out[n++] = rec;
	return n;
}

size_t dns_db_find_name(const struct dns_db *db, uint16_t net, const char *name, size_t len,
			const struct dns_record **out, size_t max, bool *elsewhere)
{
	uint32_t h, s, tag, slot;
	size_t n = 0;

	*elsewhere = false;
	if (!db->name_slots || len > UINT16_MAX)
		return 0;
	h = hash_bytes(db->seed, name, len);
	tag = slot_tag(h);
	for (s = h & db->name_mask; (slot = db->name_slots[s]); s = (s + 1) & db->name_mask) {
		const struct dns_name_entry *e;

		if (slot_tag(slot) != tag)
			continue;
		e = &db->names[(slot & DNS_SLOT_INDEX_MASK) - 1];
		if (e->len != len || memcmp(db->arena + e->name, name, len) != 0)
			continue;
		if (db->recs[e->rec].net == net)
			n = collect(out, n, max, &db->recs[e->rec]);
		else
			*elsewhere = true;
	}
	return n;
}

size_t dns_db_find_addr(const struct dns_db *db, uint16_t net, int family, const uint8_t *bytes,
			const struct dns_record **out, size_t max, bool *elsewhere)
{
	uint32_t h, s, tag, slot;
	size_t n = 0;

	*elsewhere = false;
	if (!db->addr_slots || (family != AF_INET && family != AF_INET6))
		return 0;
	h = hash_addr(db->seed, family, bytes);
	tag = slot_tag(h);
	for (s = h & db->addr_mask; (slot = db->addr_slots[s]); s = (s + 1) & db->addr_mask) {
		const struct dns_addr_entry *e;

		if (slot_tag(slot) != tag)
			continue;
		e = &db->addrs[(slot & DNS_SLOT_INDEX_MASK) - 1];
		if (family == AF_INET ? (e->idx & DNS_ADDR_IDX_V6) || memcmp(db->v4[e->idx], bytes, 4) != 0
				      : !(e->idx & DNS_ADDR_IDX_V6) ||
					memcmp(db->v6[e->idx & ~DNS_ADDR_IDX_V6], bytes, 16) != 0)
			continue;
		if (db->recs[e->rec].net == net)
			n = collect(out, n, max, &db->recs[e->rec]);
		else
			*elsewhere = true;
	}
	return n;
}

size_t dns_db_asker_networks(const struct dns_db *db, uint16_t net, const struct dns_addr *client,
			     uint16_t *out, size_t max)
{
	const struct dns_record *me[DNS_LOOKUP_MAX], *there[DNS_LOOKUP_MAX];
	bool elsewhere;
	size_t n = 0, nme;

	if (!client || (client->family != AF_INET && client->family != AF_INET6))
		return 0;
	nme = dns_db_find_addr(db, net, client->family, client->bytes, me, DNS_LOOKUP_MAX, &elsewhere);
	if (nme == 0)
		return 0;
	for (uint32_t i = 0; i < db->n_nets && n < max; i++) {
		size_t nt;

		if (i == net)
			continue;
		nt = dns_db_find_name(db, (uint16_t)i, db->arena + me[0]->name, me[0]->name_len, there,
				      DNS_LOOKUP_MAX, &elsewhere);
		for (size_t k = 0; k < nt; k++)
			if (there[k]->owner == me[0]->owner && there[k]->name_len == me[0]->name_len &&
			    memcmp(db->arena + there[k]->name, db->arena + me[0]->name, me[0]->name_len) == 0) {
				out[n++] = (uint16_t)i;
				break;
			}
	}
	return n;
}

/* Files in the records directory that are not records files. */
static bool skip_entry(const char *name)
{
	if (name[0] == '.' || strcmp(name, "podnet-dns.pid") == 0 || strcmp(name, "host-gateway") == 0)
		return true;
	return pn_is_atomic_tmp(name);
}

bool dns_db_networks_differ(const struct dns_db *db, const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	uint32_t files = 0;

	if (!d)
		return true;
	while ((de = readdir(d))) {
		bool known = false;

		if ((de->d_type != DT_REG && de->d_type != DT_UNKNOWN) || skip_entry(de->d_name))
			continue;
		for (uint32_t i = 0; i < db->n_nets && !known; i++) {
			size_t nl = strlen(db->nets[i].name);

			known = strncmp(db->nets[i].name, de->d_name, nl) == 0 &&
				strcmp(de->d_name + nl, db->nets[i].internal ? PN_DNS_INTERNAL_SUFFIX : "") == 0;
		}
		if (!known)
			return true;
		files++;
	}
	/* every file is a known network: the same set unless one went away */
	return files != db->n_nets;
}

/* ---- loading: whole, in steps, gateways only, or the lines one query needs ---- */

#define LOAD_CHUNK (64u * 1024) /* read buffer of a load: a few pages, reused per chunk */

enum load_mode {
	LOAD_ALL,      /* every line of every file (warnings for what does not parse) */
	LOAD_GATEWAYS, /* line 1 of every file */
	LOAD_MATCHING, /* the networks of ld->nets, lines that match ld->keys */
};

#define GATEWAY_READ 4096u /* a gateway-only load reads this much of a file first (doubled for a longer line) */

void dns_readbuf_free(struct dns_readbuf *b)
{
	if (b->p)
		munmap(b->p, b->cap);
	b->p = NULL;
	b->cap = b->ready = 0;
}

/* Its own mapping of LOAD_CHUNK bytes, unmapped after: no heap page stays resident. */
static int readbuf_get(struct dns_readbuf *b)
{
	char *p;

	if (b->p)
		return 0;
	p = mmap(NULL, LOAD_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	b->p = p;
	b->cap = LOAD_CHUNK;
	b->ready = 0;
	return 0;
}

_Static_assert(2ull * PN_FILE_MAX < UINT32_MAX, "a read buffer (at most twice PN_FILE_MAX) is indexed as populate() indexes arrays");

/*
 * Populate the buffer's first @bytes (whole pages, at most its size) unless
 * done already: one call instead of a fault per page a read() fills.
 */
static void readbuf_ready(struct dns_readbuf *b, uint64_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (bytes > b->cap)
		bytes = b->cap;
	if (bytes <= b->ready)
		return;
	/* the buffer as an array of bytes: @ready is page-aligned, so whole pages from there */
	populate(b->p, (uint32_t)b->ready, (uint32_t)b->cap, bytes - b->ready, 1);
	b->ready = ((size_t)bytes + page - 1) & ~(page - 1);
}

static bool name_is_key(const struct dns_keys *k, const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '.')
		len--;
	for (unsigned int i = 0; i < k->n_names; i++)
		if (k->name_len[i] == len && strncasecmp(k->name[i], s, len) == 0)
			return true;
	return false;
}

/* An item of the IPv4 field: its text against the keys' (parse_ipv4() takes no other form). */
static bool v4_is_key(const struct dns_loader *ld, const char *s, size_t len)
{
	for (unsigned int i = 0; i < ld->n_key_v4; i++)
		if (ld->key_v4_len[i] == len && memcmp(ld->key_v4[i], s, len) == 0)
			return true;
	return false;
}

static bool v6_is_key(const struct dns_keys *k, const char *s, size_t len)
{
	struct dns_addr a;

	if (dns_addr_parse(s, len, &a) < 0 || a.family != AF_INET6)
		return false;
	for (unsigned int i = 0; i < k->n_addrs; i++)
		if (k->addr[i].family == AF_INET6 && memcmp(k->addr[i].bytes, a.bytes, 16) == 0)
			return true;
	return false;
}

/*
 * Whether record line @line names a key or holds a key address. Fields are
 * split as parse_record_line() splits them, so a line it would keep with a
 * key in it always matches (an IPv4 key in the IPv4 field, an IPv6 key in the
 * IPv6 field: any other place makes the line invalid); what matches but does
 * not parse is skipped there.
 */
static bool line_matches(const struct dns_loader *ld, const char *line, size_t len)
{
	const char *p = memchr(line, ' ', len), *end = line + len, *f[4], *item;
	size_t fl[4], ilen;

	if (!p)
		return false;
	p++;
	for (int i = 1; i < 4; i++)
		next_field(&p, end, ' ', &f[i], &fl[i]);
	for (const char *q = f[3]; q < f[3] + fl[3];) {
		next_field(&q, f[3] + fl[3], ',', &item, &ilen);
		if (name_is_key(ld->keys, item, ilen))
			return true;
	}
	for (const char *q = f[1]; ld->n_key_v4 > 0 && q < f[1] + fl[1];) {
		next_field(&q, f[1] + fl[1], ',', &item, &ilen);
		if (v4_is_key(ld, item, ilen))
			return true;
	}
	for (const char *q = f[2]; ld->key_v6 && q < f[2] + fl[2];) {
		next_field(&q, f[2] + fl[2], ',', &item, &ilen);
		if (v6_is_key(ld->keys, item, ilen))
			return true;
	}
	return false;
}

/* Open @name in the loader's directory as the file to read next. Return: 0 or -errno. */
static int file_open(struct dns_loader *ld, const char *name)
{
	struct dns_file *f = &ld->file;
	char path[PATH_MAX];
	struct stat st;

	if (strlen(name) >= sizeof(f->name) ||
	    snprintf(path, sizeof(path), "%s/%s", ld->path, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->size = fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (f->size > PN_FILE_MAX) {
		close(f->fd);
		f->fd = -1;
		return -EFBIG;
	}
	strcpy(f->name, name);
	f->total = 0;
	f->have = f->pos = 0;
	f->begun = f->eof = false;
	f->saved = *ld->db;
	/* a gateway line is short: a page is read (doubled for a longer line), for each file */
	if (ld->mode == LOAD_GATEWAYS)
		ld->read_max = ld->buf->cap > GATEWAY_READ ? GATEWAY_READ : ld->buf->cap;
	/* what the first read fills: the whole file (+1: the read that sees its end), or a chunk */
	readbuf_ready(ld->buf, f->size + 1 < ld->read_max ? f->size + 1 : ld->read_max);
	return 0;
}

/* Close the file; @err < 0 undoes what a half-read file added. */
static void file_close(struct dns_loader *ld, int err)
{
	struct dns_file *f = &ld->file;

	if (err < 0 && f->begun)
		rollback(ld->db, &f->saved);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/*
 * One line of the open file: its gateway line, or a record line; @budget
 * lines more may follow in this step. Return: 0 or a negative errno.
 */
static int file_line(struct dns_loader *ld, const char *line, size_t llen, const char *end, uint32_t budget)
{
	struct dns_file *f = &ld->file;
	int r;

	if (f->begun) {
		if (ld->mode == LOAD_MATCHING) {
			size_t l = llen > 0 && line[llen - 1] == '\r' ? llen - 1 : llen;

			if (!line_matches(ld, line, l))
				return 0;
		}
		return net_line(ld->db, line, llen);
	}
	if (ld->mode == LOAD_ALL) {
		/* the lines of the file, from those of the first chunk */
		uint64_t lines = count_lines(ld->buf->p, end), known = f->total > f->size ? f->total : f->size;

		if (!f->eof && known > f->total)
			lines = lines * known / f->total + 16;
		r = net_begin(ld->db, f->name, lines, known, line, llen);
		if (r == 0)
			populate_ahead(ld->db, budget);
	} else {
		/* a few lines or none: no room reserved for the whole file */
		r = net_begin(ld->db, f->name, 1, 0, line, llen);
	}
	if (r == 0)
		f->begun = true;
	return r;
}

/*
 * Parse lines of the open file while *@budget lasts, reading a chunk at a
 * time into the loader's buffer (doubled for a line longer than it): the file
 * is copied into the same few pages instead of into a buffer of its size,
 * each fresh page of which costs a fault (several µs in some VMs).
 * Return: 1 when the budget ran out first, 0 when the file is complete (its
 * network counted), or a negative errno: as dns_db_add_network() (-EINVAL,
 * -E2BIG, -ENOMEM) or from reading (-EFBIG past PN_FILE_MAX; a file that is
 * larger already is refused by file_open()).
 */
static int file_step(struct dns_loader *ld, uint32_t *budget)
{
	struct dns_file *f = &ld->file;
	struct dns_readbuf *b = ld->buf;

	for (;;) {
		ssize_t n;
		int r;

		/* complete lines; at the end of the file also the last one without '\n' */
		while (*budget > 0) {
			const char *p = b->p + f->pos, *end = b->p + f->have;
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl && !(f->eof && (p < end || !f->begun)))
				break;
			f->pos = nl ? (size_t)(nl + 1 - b->p) : f->have;
			r = file_line(ld, p, (size_t)((nl ? nl : end) - p), end, *budget - 1);
			if (r < 0)
				return r;
			(*budget)--;
			if (ld->mode == LOAD_GATEWAYS)
				f->pos = f->have, f->eof = true; /* the rest is not read */
		}
		if (f->eof && f->pos == f->have && f->begun) {
			ld->db->n_nets++;
			return 0;
		}
		if (*budget == 0)
			return 1;
		f->have -= f->pos;
		memmove(b->p, b->p + f->pos, f->have);
		f->pos = 0;
		if (f->have == ld->read_max && ld->read_max < b->cap) { /* a gateway line longer than read */
			ld->read_max = ld->read_max * 2 < b->cap ? ld->read_max * 2 : b->cap;
			readbuf_ready(b, ld->read_max);
		} else if (f->have == b->cap) { /* one line fills the buffer */
			char *nb;

			if (b->cap > PN_FILE_MAX)
				return -EFBIG;
			nb = mremap(b->p, b->cap, b->cap * 2, MREMAP_MAYMOVE);
			if (nb == MAP_FAILED)
				return -ENOMEM;
			b->p = nb;
			b->cap *= 2;
			ld->read_max = b->cap;
			readbuf_ready(b, b->cap);
		}
		n = read(f->fd, b->p + f->have, ld->read_max - f->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		f->eof = n == 0;
		f->total += (uint64_t)n;
		if (f->total > PN_FILE_MAX)
			return -EFBIG;
		f->have += (size_t)n;
	}
}

/* A file that could not be loaded, in the way the mode reports it. Return: 0 or a fatal -ENOMEM. */
static int file_failed(struct dns_loader *ld, const char *name, int r)
{
	if (r == -ENOMEM)
		return r;
	if (ld->mode == LOAD_MATCHING) {
		/* network i stays network i, without records */
		const struct dns_network *src = &ld->nets->nets[ld->db->n_nets];
		int g = GROW(ld->db, nets, n_nets, cap_nets, DNS_NETWORKS_MAX);

		if (g < 0)
			return g;
		ld->db->nets[ld->db->n_nets++] = *src;
		return 0;
	}
	if (r == -ENOENT || ld->mode == LOAD_GATEWAYS) /* removed while we read the directory */
		return 0;
	if (r == -EINVAL || r == -E2BIG)
		pn_warn("records file %s/%s: %s, skipped", ld->path, name,
			r == -EINVAL ? "line 1 is not a list of gateway addresses"
				     : "more gateways or records than podnet-dns serves");
	else
		pn_warn("records file %s/%s: %s", ld->path, name, strerror(-r));
	return 0;
}

/* Open the next file to load. Return: 1 (opened), 0 (no more) or a fatal negative errno. */
static int next_file(struct dns_loader *ld)
{
	char name[256 + sizeof(PN_DNS_INTERNAL_SUFFIX)];
	struct dirent *de;
	int r;

	if (ld->mode == LOAD_MATCHING) {
		while (ld->next_net < ld->nets->n_nets) {
			const struct dns_network *net = &ld->nets->nets[ld->next_net++];

			snprintf(name, sizeof(name), "%s%s", net->name, net->internal ? PN_DNS_INTERNAL_SUFFIX : "");
			r = file_open(ld, name);
			if (r == 0)
				return 1;
			r = file_failed(ld, name, r);
			if (r < 0)
				return r;
		}
		return 0;
	}
	while ((de = readdir(ld->dir))) {
		if ((de->d_type != DT_REG && de->d_type != DT_UNKNOWN) || skip_entry(de->d_name))
			continue;
		r = file_open(ld, de->d_name);
		if (r == 0)
			return 1;
		r = file_failed(ld, de->d_name, r);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every file was read: host-gateway, then the tables. Return: 0 or -ENOMEM. */
static int load_finish(struct dns_loader *ld)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	size_t len;

	if (snprintf(path, sizeof(path), "%s/host-gateway", ld->path) < (int)sizeof(path) &&
	    pn_read_file(path, 64 * 1024, &text, &len) == 0 && dns_db_set_host_gateway(ld->db, text, len) < 0 &&
	    ld->mode == LOAD_ALL)
		pn_warn("%s: not one address per line, ignored", path);
	if (ld->db->bad_lines && ld->mode == LOAD_ALL)
		pn_warn("%u records lines skipped (not <id> <ipv4s> <ipv6s> <names>[ <dns>])",
			ld->db->bad_lines);
	return dns_db_build(ld->db);
}

static int loader_begin(struct dns_loader *ld, struct dns_db *db, const char *dir, int mode,
			struct dns_readbuf *buf)
{
	memset(ld, 0, sizeof(*ld));
	ld->db = db;
	ld->path = dir;
	ld->mode = mode;
	ld->buf = buf ? buf : &ld->own_buf;
	ld->file.fd = -1;
	if (mode != LOAD_MATCHING) {
		ld->dir = opendir(dir);
		if (!ld->dir)
			return -errno;
	}
	return 0;
}

int dns_loader_start(struct dns_loader *ld, struct dns_db *db, const char *dir, struct dns_readbuf *buf)
{
	return loader_begin(ld, db, dir, LOAD_ALL, buf);
}

void dns_loader_stop(struct dns_loader *ld)
{
	file_close(ld, 0);
	if (ld->dir)
		closedir(ld->dir);
	ld->dir = NULL;
	if (ld->buf == &ld->own_buf)
		dns_readbuf_free(ld->buf);
}

int dns_loader_step(struct dns_loader *ld, uint32_t lines)
{
	uint32_t budget = lines ? lines : 1;
	int r = readbuf_get(ld->buf);

	if (r == 0 && !ld->read_max) /* see file_open() for a gateway-only load */
		ld->read_max = ld->buf->cap;

	if (r == 0 && ld->file.fd >= 0 && ld->file.begun)
		populate_ahead(ld->db, budget);
	while (r == 0 && budget > 0) {
		if (ld->built) {
			r = load_finish(ld);
			break;
		}
		if (ld->file.fd < 0) {
			r = next_file(ld);
			if (r == 0) {
				/* the tables are a step of their own unless the budget is unbounded */
				ld->built = true;
				if (lines != UINT32_MAX)
					return 1;
				continue;
			}
			r = r > 0 ? 0 : r;
			continue;
		}
		r = file_step(ld, &budget);
		if (r == 1)
			return 1;
		file_close(ld, r);
		if (r < 0)
			r = file_failed(ld, ld->file.name, r);
	}
	if (r == 0 && budget == 0 && !ld->built)
		return 1;
	dns_loader_stop(ld);
	return r;
}

/* Run a loader of @mode to its end. Return: 0 or a negative errno. */
static int load_all(struct dns_loader *ld)
{
	int r;

	while ((r = dns_loader_step(ld, UINT32_MAX)) == 1)
		;
	return r;
}

int dns_db_load_dir(struct dns_db *db, const char *dir)
{
	return dns_db_reload_dir(db, dir, NULL);
}

/* A load of @dir in @mode run in one go. Return: the networks loaded, or a negative errno. */
static int load_dir(struct dns_db *db, const char *dir, int mode, struct dns_readbuf *buf)
{
	struct dns_loader ld;
	int r = loader_begin(&ld, db, dir, mode, buf);

	if (r == 0)
		r = load_all(&ld);
	return r < 0 ? r : (int)db->n_nets;
}

int dns_db_reload_dir(struct dns_db *db, const char *dir, struct dns_readbuf *buf)
{
	return load_dir(db, dir, LOAD_ALL, buf);
}

int dns_db_load_networks(struct dns_db *db, const char *dir, struct dns_readbuf *buf)
{
	return load_dir(db, dir, LOAD_GATEWAYS, buf);
}

int dns_db_load_matching(struct dns_db *db, const struct dns_db *nets, const char *dir,
			 const struct dns_keys *keys, struct dns_readbuf *buf)
{
	struct dns_loader ld;
	int r = loader_begin(&ld, db, dir, LOAD_MATCHING, buf);

	ld.nets = nets;
	ld.keys = keys;
	for (unsigned int i = 0; i < keys->n_addrs; i++) {
		if (keys->addr[i].family == AF_INET6) {
			ld.key_v6 = true;
		} else if (keys->addr[i].family == AF_INET &&
			   inet_ntop(AF_INET, keys->addr[i].bytes, ld.key_v4[ld.n_key_v4], sizeof(ld.key_v4[0]))) {
			ld.key_v4_len[ld.n_key_v4] = strlen(ld.key_v4[ld.n_key_v4]);
			ld.n_key_v4++;
		}
	}
	if (r == 0)
		r = load_all(&ld);
	return r;
}

/*
 * The scope of a link-local server from the text after its '%' (@len bytes,
 * 0 when there was none): a number, or an interface name for @fn (also "").
 * Return: the interface index, or 0 (unknown: the server cannot be asked).
 */
static uint32_t resolv_scope(const char *s, size_t len, dns_scope_fn fn, void *ctx)
{
	char name[16]; /* IFNAMSIZ */
	uint32_t index = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9' && index < 100000000u; i++)
		index = index * 10 + (uint32_t)(s[i] - '0');
	if (len > 0 && i == len)
		return index;
	if (!fn || len >= sizeof(name) || memchr(s, '\0', len))
		return 0;
	memcpy(name, s, len);
	name[len] = '\0';
	return fn(name, ctx);
}

int dns_resolv_conf_parse(const char *text, size_t len, struct dns_upstreams *ups)
{
	return dns_resolv_conf_parse_scoped(text, len, ups, NULL, NULL);
}

int dns_resolv_conf_parse_scoped(const char *text, size_t len, struct dns_upstreams *ups, dns_scope_fn scope,
				 void *ctx)
{
	const char *p = text, *end = text + len, *line;
	size_t llen;

	ups->count = 0;
	while (p < end) {
		size_t i = 0, start, addr_end, scope_start;
		struct dns_addr *a = &ups->addr[ups->count];

		next_line(&p, end, &line, &llen);
		while (i < llen && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (llen - i < 11 || memcmp(line + i, "nameserver", 10) != 0 ||
		    (line[i + 10] != ' ' && line[i + 10] != '\t'))
			continue;
		i += 10;
		while (i < llen && (line[i] == ' ' || line[i] == '\t'))
			i++;
		start = i;
		while (i < llen && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
		       line[i] != '#' && line[i] != ';' && line[i] != '%')
			i++;
		addr_end = i;
		/* "fe80::1%wlp3s0": the scope (glibc's resolver takes an interface name or index) */
		scope_start = i < llen && line[i] == '%' ? i + 1 : i;
		for (i = scope_start; i < llen && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
				      line[i] != '#' && line[i] != ';';
		     i++)
			;
		if (ups->count >= DNS_UPSTREAMS_MAX || dns_addr_parse(line + start, addr_end - start, a) < 0 ||
		    a->port != 0)
			continue;
		if (a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80) { /* fe80::/10 */
			a->scope = resolv_scope(line + scope_start, i - scope_start, scope, ctx);
			if (!a->scope)
				continue; /* no interface to send it out of: sendto() would fail */
		}
		ups->count++;
	}
	return (int)ups->count;
}
