/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The records database of podnet-dns: every network's records file
 * ($RUN/dns/<network>, aardvark-dns's format, see docs/internals.md) parsed
 * into flat arrays, with two open-addressing hash tables built once per
 * (re)load: names and addresses. A lookup hashes once and walks one probe run;
 * it never allocates. Entries for the same key on several networks share a
 * run, so one walk answers both "records on my network" and "does this exist
 * on another network" (the isolation rule: NXDOMAIN, never a leak).
 */
#ifndef PODNET_DNS_RECORDS_H
#define PODNET_DNS_RECORDS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "paths.h" /* PN_DNS_INTERNAL_SUFFIX */

#define DNS_UPSTREAMS_MAX 8      /* servers per upstream list */
#define DNS_GATEWAYS_MAX 4       /* gateway addresses per network */
#define DNS_NETWORKS_MAX 1024
#define DNS_LINE_ITEMS_MAX 64    /* addresses or names per record line */
#define DNS_RECORDS_MAX (1u << 20)
#define DNS_HOST_GW_MAX 8
#define DNS_LOOKUP_MAX 64        /* records returned by one lookup */
#define DNS_NAME_LEN_MAX 253     /* a record name, dotted, without a trailing dot */

/* An IPv4 or IPv6 address with an optional port (0: the default). */
struct dns_addr {
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint16_t port;
	uint8_t bytes[16]; /* IPv4 in the first 4 */
	uint32_t scope;  /* a link-local IPv6 address's interface index (in H for upstreams), else 0 */
};

struct dns_upstreams {
	unsigned int count;
	struct dns_addr addr[DNS_UPSTREAMS_MAX];
};


struct dns_network {
	char name[256];  /* the network's name: the file name without PN_DNS_INTERNAL_SUFFIX */
	bool internal;   /* no outbound path: nothing asked on its listener goes upstream */
	unsigned int n_gateways;
	struct dns_addr gateway[DNS_GATEWAYS_MAX];
};

struct dns_record {
	uint32_t v4, v6;       /* first index into db->v4 / db->v6 */
	uint16_t n_v4, n_v6;
	uint32_t name;         /* primary name: offset into db->arena */
	uint16_t name_len;
	uint16_t net;
	int32_t upstreams;     /* index into db->upstreams, or -1: the defaults */
	uint32_t owner;        /* hash of the record's id (first field): one container or pod */
};

/* A name of a record: the network is the record's; the name is also NUL-terminated in the arena. */
struct dns_name_entry {
	uint32_t name;     /* arena offset */
	uint32_t rec : 24; /* < DNS_RECORDS_MAX */
	uint32_t len : 8;  /* <= 253 */
};

#define DNS_ADDR_IDX_V6 0x80000000u /* set in dns_addr_entry.idx: an index into db->v6 */

/* An address of a record: the network is the record's. */
struct dns_addr_entry {
	uint32_t rec;
	uint32_t idx;    /* index into db->v4, or into db->v6 with DNS_ADDR_IDX_V6 */
};

/*
 * A hash table slot: 0 is empty, else the entry index + 1 in the low
 * DNS_SLOT_INDEX_BITS and the top bits of the key's hash above them, so that
 * a probe skips other keys without reading their entries.
 */
#define DNS_SLOT_INDEX_BITS 23
#define DNS_SLOT_INDEX_MASK ((1u << DNS_SLOT_INDEX_BITS) - 1)

struct dns_db {
	uint32_t seed;
	struct dns_network *nets;
	uint32_t n_nets, cap_nets;
	struct dns_record *recs;
	uint32_t n_recs, cap_recs;
	uint8_t (*v4)[4];
	uint32_t n_v4, cap_v4;
	uint8_t (*v6)[16];
	uint32_t n_v6, cap_v6;
	char *arena;
	uint32_t arena_len, arena_cap;
	uint32_t arena_ready;              /* loading: arena bytes below this were prefaulted */
	struct dns_name_entry *names;
	uint32_t n_names, cap_names;
	struct dns_addr_entry *addrs;
	uint32_t n_addrs, cap_addrs;
	struct dns_upstreams *upstreams;
	uint32_t n_upstreams, cap_upstreams;
	uint32_t *name_slots, name_mask;   /* see DNS_SLOT_INDEX_BITS */
	uint32_t *addr_slots, addr_mask;
	unsigned int n_host4, n_host6;
	uint8_t host4[DNS_HOST_GW_MAX][4];
	uint8_t host6[DNS_HOST_GW_MAX][16];
	unsigned int bad_lines;            /* lines skipped while loading */
};

/** dns_db_init() - an empty database whose hashes are keyed with @seed. */
void dns_db_init(struct dns_db *db, uint32_t seed);

/** dns_db_free() - release everything; @db may then be initialised again. */
void dns_db_free(struct dns_db *db);

/**
 * dns_db_add_network() - parse one records file
 * @db: database being loaded (before dns_db_build())
 * @name: the file name: the network's name, with PN_DNS_INTERNAL_SUFFIX for an internal network
 * @text: file contents
 * @len: length of @text
 *
 * Line 1 must hold the gateway addresses; a record line that does not parse is
 * skipped and counted in @db->bad_lines. On an internal network the upstream
 * servers of record lines (the fifth field) are ignored.
 *
 * Return: 0, -EINVAL if line 1 is not a list of addresses, -E2BIG past a limit, -ENOMEM.
 */
int dns_db_add_network(struct dns_db *db, const char *name, const char *text, size_t len);

/**
 * dns_db_set_host_gateway() - parse $RUN/dns/host-gateway (one address per line)
 *
 * Return: 0, or -EINVAL if a line is not an address.
 */
int dns_db_set_host_gateway(struct dns_db *db, const char *text, size_t len);

/**
 * dns_db_build() - build the hash tables once every file was added
 *
 * Return: 0 or -ENOMEM.
 */
int dns_db_build(struct dns_db *db);

/**
 * dns_db_load_dir() - load every records file in @dir and host-gateway, then build
 *
 * Skips podnet-dns.pid, host-gateway, dot files and pn_write_atomic()
 * temporaries (NAME.tmp.PID). A file that does not parse is skipped with a warning.
 *
 * Return: the number of networks loaded, or a negative errno.
 */
int dns_db_load_dir(struct dns_db *db, const char *dir);

/*
 * A read buffer for loading: LOAD_CHUNK bytes of their own mapping, kept
 * across loads. Its pages are populated as far as the files read need
 * (@ready), so that small files touch one page and not sixteen.
 */
struct dns_readbuf {
	char *p;
	size_t cap;
	size_t ready; /* bytes from p populated */
};

/**
 * dns_db_reload_dir() - dns_db_load_dir() reading through @buf
 * @buf: read buffer, mapped by the first load that needs it and kept for the
 *       next (dns_readbuf_free() gives it back)
 *
 * A daemon's reloads: each would otherwise map and unmap a buffer of its own.
 */
int dns_db_reload_dir(struct dns_db *db, const char *dir, struct dns_readbuf *buf);

/**
 * dns_db_bytes() - the memory @db's arrays and tables hold (their capacity)
 *
 * What freeing it hands back to the allocator.
 */
size_t dns_db_bytes(const struct dns_db *db);

/** dns_readbuf_free() - unmap the buffer; @b may be used again. */
void dns_readbuf_free(struct dns_readbuf *b);

/* One records file being read a chunk at a time (records.c's; here for its size). */
struct dns_file {
	int fd;                  /* -1: no file open */
	char name[256];          /* the file name */
	struct dns_db saved;     /* the database before this file, to undo a half-read file */
	uint64_t size, total;    /* stat size, bytes read */
	size_t have, pos;        /* bytes in the buffer; the first not parsed */
	bool begun, eof;         /* gateway line parsed; read() returned 0 */
};

#define DNS_KEYS_MAX 4

/* What one query may look up: names (lower-case, dotted) and addresses (see dns_db_load_matching()). */
struct dns_keys {
	unsigned int n_names, n_addrs;
	const char *name[DNS_KEYS_MAX];
	size_t name_len[DNS_KEYS_MAX];
	struct dns_addr addr[DNS_KEYS_MAX];
};

/*
 * A load of the records directory done in steps (dns_loader_step()), so
 * that a daemon answers queries between them. dns_db_load_dir() is a loader
 * run in one step.
 */
struct dns_loader {
	struct dns_db *db;
	DIR *dir;
	const char *path;
	struct dns_readbuf *buf;       /* own_buf, or the caller's */
	struct dns_readbuf own_buf;    /* unmapped when the loader stops */
	size_t read_max;               /* bytes of buf a read may fill: less for gateway lines */
	struct dns_file file;
	int mode;                      /* records.c's enum load_mode */
	const struct dns_db *nets;     /* LOAD_MATCHING: the networks, in their order */
	uint32_t next_net;
	const struct dns_keys *keys;
	/* the IPv4 keys as text: a records file's IPv4 addresses parse only in this one form */
	char key_v4[DNS_KEYS_MAX][16];
	size_t key_v4_len[DNS_KEYS_MAX];
	unsigned int n_key_v4;
	bool key_v6;
	bool built;                    /* the last file was read: what is left is building the tables */
};

/**
 * dns_loader_start() - begin loading the records files of @dir into @db (initialised, empty)
 * @buf: read buffer kept by the caller from load to load, or NULL for one of the loader's
 *       own (then @ld must stay where it is until it stops)
 *
 * Return: 0, or a negative errno (opendir()); nothing to stop then.
 */
int dns_loader_start(struct dns_loader *ld, struct dns_db *db, const char *dir, struct dns_readbuf *buf);

/**
 * dns_loader_step() - parse up to @lines more lines (at least one)
 *
 * Return: 1 while there is more, 0 when @db is complete and built (the
 * loader stopped), or a negative errno (-ENOMEM; the loader stopped, @db is
 * half-loaded and only fit for dns_db_free()).
 */
int dns_loader_step(struct dns_loader *ld, uint32_t lines);

/** dns_loader_stop() - give up a load: close what it holds; @db keeps what was parsed. */
void dns_loader_stop(struct dns_loader *ld);

/**
 * dns_db_load_networks() - only the gateway lines of @dir's records files, and host-gateway
 *
 * What a daemon needs to open its listeners before the records are read.
 * @buf: read buffer as for dns_loader_start() (NULL: one of its own)
 * Return: the number of networks, or a negative errno.
 */
int dns_db_load_networks(struct dns_db *db, const char *dir, struct dns_readbuf *buf);

/**
 * dns_db_load_matching() - the records of @dir that a query with @keys may need
 * @nets: the networks to load, by name and in this order: network i of @db is network i of
 *        @nets (a network whose file went or does not parse is there without records)
 * @buf: read buffer, reused from call to call
 *
 * Keeps a record line when one of its names equals a key name (ignoring case
 * and a trailing dot) or one of its addresses a key address; every other line
 * is skipped unparsed. A lookup of a key in @db then finds exactly what it
 * finds in a complete load of the same files.
 * Return: 0 or a negative errno (@db only fit for dns_db_free()).
 */
int dns_db_load_matching(struct dns_db *db, const struct dns_db *nets, const char *dir,
			 const struct dns_keys *keys, struct dns_readbuf *buf);

/**
 * dns_db_networks_differ() - whether @dir's records files name other networks than @db
 *
 * A cheap look (one readdir, no file read) telling a reload that must open or
 * close listeners from one that only changes records. Return: true when a
 * file has no network in @db (a network that became internal or stopped
 * being so counts as another), a network of @db has no file, or @dir cannot be read.
 */
bool dns_db_networks_differ(const struct dns_db *db, const char *dir);

/**
 * dns_db_find_name() - records named @name (lower-case dotted) on network @net
 * @out: up to @max records
 * @elsewhere: set when the name exists on another network
 *
 * Return: number of records stored in @out.
 */
size_t dns_db_find_name(const struct dns_db *db, uint16_t net, const char *name, size_t len,
			const struct dns_record **out, size_t max, bool *elsewhere);

/**
 * dns_db_find_addr() - records holding address @bytes on network @net
 *
 * Return: number of records stored in @out; @elsewhere as for dns_db_find_name().
 */
size_t dns_db_find_addr(const struct dns_db *db, uint16_t net, int family, const uint8_t *bytes,
			const struct dns_record **out, size_t max, bool *elsewhere);

/**
 * dns_addr_parse() - parse "1.2.3.4", "fd00::1", optionally followed by "#PORT"
 *
 * Return: 0 or -EINVAL.
 */
/**
 * dns_db_asker_networks() - the other networks the asker is attached to
 * @net: the network whose listener received the query
 * @client: the asker's address on @net
 * @out: receives network indexes other than @net
 *
 * The asker is the record holding @client on @net; it is the same container
 * or pod on another network when a record there has the same id and name.
 * A container on several networks resolves the names of all of them, through
 * whichever listener it asks; a container never sees networks it is not on.
 *
 * Return: the number of networks written.
 */
size_t dns_db_asker_networks(const struct dns_db *db, uint16_t net, const struct dns_addr *client,
			     uint16_t *out, size_t max);

int dns_addr_parse(const char *s, size_t len, struct dns_addr *out);

/** dns_addr_to_sockaddr() - @a as a sockaddr (@port used when @a has none; the scope kept). Return: its length. */
socklen_t dns_addr_to_sockaddr(const struct dns_addr *a, uint16_t port, struct sockaddr_storage *ss);

/**
 * dns_addr_from_sockaddr() - the address and port of @sa, and the scope of a link-local IPv6 one
 *
 * Return: 0 or -EAFNOSUPPORT.
 */
int dns_addr_from_sockaddr(const struct sockaddr *sa, struct dns_addr *a);

/** dns_addr_equal() - same family, bytes, port and scope. */
bool dns_addr_equal(const struct dns_addr *a, const struct dns_addr *b);

/**
 * dns_resolv_conf_parse() - the nameserver lines of a resolv.conf
 *
 * dns_resolv_conf_parse_scoped() with no @scope function: only numeric scopes
 * ("fe80::1%2") are understood.
 * Return: the number of servers stored in @ups (at most DNS_UPSTREAMS_MAX).
 */
int dns_resolv_conf_parse(const char *text, size_t len, struct dns_upstreams *ups);

/*
 * The interface index of @ifname ("" when the address had no "%SCOPE"), or 0
 * when there is no such interface.
 */
typedef uint32_t (*dns_scope_fn)(const char *ifname, void *ctx);

/**
 * dns_resolv_conf_parse_scoped() - the nameserver lines of a resolv.conf, link-local ones too
 * @scope: called for a link-local IPv6 server ("nameserver fe80::1%wlp3s0") whose
 *	   scope is not a number, with the interface name ("" when there is no scope);
 *	   NULL: such servers are skipped
 * @ctx: passed to @scope
 *
 * A link-local server gets its interface index in its scope; one without a
 * scope, or whose interface is unknown, cannot be asked (sendto() fails with
 * EINVAL) and is skipped.
 * Return: the number of servers stored in @ups (at most DNS_UPSTREAMS_MAX).
 */
int dns_resolv_conf_parse_scoped(const char *text, size_t len, struct dns_upstreams *ups, dns_scope_fn scope,
				 void *ctx);

#endif
