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

/* reserve() for elements that will all be written: their pages faulted in at once. */
static int reserve_filled(void **arr, uint32_t *cap, uint32_t n, uint64_t want, size_t elem,
			  uint32_t max)
{
	int r = reserve(arr, cap, want, elem, max);

	if (r == 0 && *cap > n)
		pn_prefault((char *)*arr + (size_t)n * elem, (size_t)(*cap - n) * elem);
	return r;
}

#define RESERVE(db, field, count, cap, want, max) \
	reserve_filled((void **)&(db)->field, &(db)->cap, (db)->count, (want), sizeof(*(db)->field), (max))

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
		}
		a->port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

bool dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b)
{
	return a->family == b->family && a->port == b->port &&
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

/*
 * Load the records file @path as network @name, streamed through *@buf
 * (*@cap bytes, doubled for a line longer than that): the file is copied a
 * chunk at a time into the same few pages instead of into a buffer of its
 * size, each fresh page of which costs a fault (several µs in some VMs).
 * Return: 0, as dns_db_add_network() (-EINVAL, -E2BIG, -ENOMEM), or a
 * negative errno from opening or reading (-EFBIG past PN_FILE_MAX).
 */
static int load_file(struct dns_db *db, const char *path, const char *name, char **buf, size_t *cap)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct dns_db saved = *db;
	uint64_t size = 0, total = 0;
	bool begun = false, eof = false;
	size_t have = 0;
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size;
	if (size > PN_FILE_MAX)
		return -EFBIG;
	while (!eof) {
		const char *p, *end, *nl;
		ssize_t n;

		if (have == *cap) { /* one line fills the buffer */
			char *nb;

			if (*cap > PN_FILE_MAX) {
				r = -EFBIG;
				goto fail;
			}
			nb = mremap(*buf, *cap, *cap * 2, MREMAP_MAYMOVE);
			if (nb == MAP_FAILED) {
				r = -ENOMEM;
				goto fail;
			}
			*buf = nb;
			*cap *= 2;
		}
		n = read(fd, *buf + have, *cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		eof = n == 0;
		total += (uint64_t)n;
		if (total > PN_FILE_MAX) {
			r = -EFBIG;
			goto fail;
		}
		have += (size_t)n;
		p = *buf;
		end = *buf + have;
		/* complete lines; at the end of the file also the last one without '\n' */
		while ((nl = memchr(p, '\n', (size_t)(end - p))) || (eof && (p < end || !begun))) {
			const char *line = p;
			size_t llen = (size_t)((nl ? nl : end) - p);

			p = nl ? nl + 1 : end;
			if (!begun) {
				/* the lines of the file, from those of the first chunk */
				uint64_t lines = count_lines(*buf, end), known = total > size ? total : size;

				if (!eof && known > total)
					lines = lines * known / total + 16;
				r = net_begin(db, name, lines, known, line, llen);
				if (r < 0)
					return r; /* nothing was added */
				begun = true;
			} else {
				r = net_line(db, line, llen);
				if (r < 0)
					goto fail;
			}
			if (!nl)
				break;
		}
		have = (size_t)(end - p);
		memmove(*buf, p, have);
	}
	db->n_nets++;
	return 0;
fail:
	if (begun)
		rollback(db, &saved);
	return r;
}

#define LOAD_CHUNK (64u * 1024) /* read buffer of a load: a few pages, reused per chunk */

int dns_db_load_dir(struct dns_db *db, const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	size_t cap = LOAD_CHUNK;
	char path[PATH_MAX];
	struct dirent *de;
	char *buf;
	int r = 0;

	if (!d)
		return -errno;
	/* its own mapping, populated at once and unmapped after: no heap page stays resident */
	buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	while ((de = readdir(d))) {
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (skip_entry(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		r = load_file(db, path, de->d_name, &buf, &cap);
		if (r == -ENOENT) /* removed while we read the directory */
			continue;
		if (r == -EINVAL || r == -E2BIG) {
			pn_warn("records file %s: %s, skipped", path,
				r == -EINVAL ? "line 1 is not a list of gateway addresses"
					     : "more gateways or records than podnet-dns serves");
			continue;
		}
		if (r == -ENOMEM)
			break;
		if (r < 0)
			pn_warn("records file %s: %s", path, strerror(-r));
	}
	munmap(buf, cap);
	if (r == -ENOMEM)
		return r;
	if (snprintf(path, sizeof(path), "%s/host-gateway", dir) < (int)sizeof(path)) {
		_cleanup_free_ char *text = NULL;
		size_t len;

		r = pn_read_file(path, 64 * 1024, &text, &len);
		if (r == 0 && dns_db_set_host_gateway(db, text, len) < 0)
			pn_warn("%s: not one address per line, ignored", path);
	}
	if (db->bad_lines)
		pn_warn("%u records lines skipped (not <id> <ipv4s> <ipv6s> <names>[ <dns>])",
			db->bad_lines);
	r = dns_db_build(db);
	return r < 0 ? r : (int)db->n_nets;
}

int dns_resolv_conf_parse(const char *text, size_t len, struct dns_upstreams *ups)
{
	const char *p = text, *end = text + len, *line;
	size_t llen;

	ups->count = 0;
	while (p < end) {
		size_t i = 0, start;

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
		if (ups->count < DNS_UPSTREAMS_MAX &&
		    dns_addr_parse(line + start, i - start, &ups->addr[ups->count]) == 0 &&
		    ups->addr[ups->count].port == 0)
			ups->count++;
	}
	return (int)ups->count;
}
