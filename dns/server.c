// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The podnet-dns event loop (see server.h).
 *
 * Theory of operation.
 *
 * Listeners: one UDP and one TCP socket per gateway address (IP_FREEBIND, so
 * a bridge that is not up yet does not matter), each tagged with the index of
 * its network in the current records database. A reload builds a new
 * database, keeps the sockets whose address is still named, opens the new
 * ones, closes the vanished ones, then swaps the database: a query is always
 * answered from one consistent set of records, and no socket that stays is
 * ever closed, so no query is dropped.
 *
 * UDP queries are read in batches (recvmmsg), answered through the pure query
 * path (resolve.c) into preallocated buffers and sent in one sendmmsg; while
 * batches come back full the listener is read again (up to UDP_ROUNDS times)
 * before epoll is asked. Each batch slot receives into UDP_RX_SMALL bytes of a
 * compact area, with a second iovec for the rest of a larger query, so that
 * only a few pages are touched by ordinary queries. The clock is read only
 * when something needs it (forwarding, TCP), not per UDP batch. A query
 * that must be forwarded takes a slot from a fixed pool: the query is copied,
 * its id replaced by a random one (id -> slot table), and sent from one of a
 * few unconnected UDP sockets created in H at start. Slots sit on a FIFO list
 * ordered by deadline (every attempt has the same timeout, so appending keeps
 * the order); when an attempt times out, the upstream is marked down for a
 * while and the next server of the list is tried. A datagram that our own
 * socket could not take (EAGAIN, ENOBUFS) says nothing about the server: at
 * its timeout it is sent once more to the same server, which is not marked
 * down. A reply is accepted only from the server asked, on the kind of socket
 * it was asked from, with our id and our question; SERVFAIL and REFUSED move
 * on to the next server while one remains.
 *
 * Where a server is asked from: the defaults (the host's resolv.conf,
 * --upstream) from H. A container's own --dns servers may be on a podnet
 * network (a DNS container: coredns, pihole), which H cannot reach: a server
 * that I routes out of one of our bridges, or that a records line holds, is
 * asked from sockets of I (created on first use, after joining I: one UDP
 * socket per family, TCP sockets connected directly), as aardvark-dns asks
 * from inside its namespace. The host gateway (host.containers.internal,
 * libslirp's 10.0.2.2 / fd00::2) means the host's loopback, as for every
 * other connection to it: it is asked at 127.0.0.1 / ::1 from H.
 *
 * TCP: a fixed pool of connections, each with a read buffer, a buffer for
 * the query being forwarded and a 64 KiB answer buffer. Queries on one
 * connection are handled one after another (several per connection); while
 * one is forwarded (over TCP, with a socket from the host socket factory) or
 * its answer is being written, reading pauses. A connection must complete a
 * query within the idle time, however slowly it trickles bytes; when the pool
 * is full, an idle connection (the least recently active) is closed for the
 * new one, a busy one only when all are busy.  Once an answer is queued, the
 * connection waits for its client under the idle limit, not the upstream's.
 */
#define _GNU_SOURCE
#include "server.h"
#include "cleanup.h"
#include "fileutil.h"
#include "hostsock.h"
#include "log.h"
#include "resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <malloc.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LISTENERS_MAX 256
#define PENDING_MAX 1024
#define UDP_BATCH 32
#define UDP_ROUNDS 8              /* full batches read per readiness event */
#define UDP_RX_SMALL 512          /* first part of each receive slot; the rest only for larger queries */
#define UPSTREAM_SOCKS 4          /* per address family */
#define RELAY_MAX 4096            /* largest UDP reply relayed from upstream */
#define DOWN_MAX 16
#define DOWN_MS 30000             /* an upstream that timed out is avoided this long */
#define RELOAD_DEFER_MS 2         /* a records-only change is loaded this much later (request_reload) */
#define LOAD_STEP_LINES 1024      /* records parsed in one step of the first load (load_step()) */
#define SCAN_MAX 64               /* queries answered from the files before the first load runs in one go */
#define LOAD_RETRY_MS 1000        /* a first load that failed is done again this much later */
#define RELOAD_KEEP_MAX (256u << 10) /* a reload keeps freed memory for the next while the records hold less (install()) */
#define EPOLL_EVENTS 64
#define UDP_QUERY_MAX 2048        /* a larger UDP query would be fragmented: not one we serve */
#define CONN_RBUF (DNS_QUERY_MAX + 2)
#define CONN_WBUF (DNS_TCP_MSG_MAX + 2)

enum ev_kind { EV_SIGNAL = 1, EV_HOLDER, EV_UDP, EV_TCP_LISTEN, EV_TCP_CONN, EV_UP_UDP, EV_UP_TCP };
/* EV_UP_UDP indexes: s->up4[i] is i, s->up6[i] UP_V6 + i, the sockets of I UP_IN4 and UP_IN6 */
#define PLACE_CACHE 32 /* servers whose place (H or I) is remembered until the records change */
#define UP_V6 100
#define UP_IN4 200
#define UP_IN6 201
/*
 * epoll data: kind, index and, for TCP connections and their upstream
 * sockets, a 24-bit generation of the slot: an event fetched in the same
 * batch as the slot's close (and its reuse by an accept) is recognised as
 * stale and dropped instead of being applied to the new connection.
 */
#define EV_GEN(kind, gen, idx) ((uint64_t)((gen) & 0xffffffu) << 40 | (uint64_t)(kind) << 32 | (uint32_t)(idx))
#define EV(kind, idx) EV_GEN(kind, 0, idx)

struct listener {
	bool used;
	uint16_t net;
	struct dns_addr addr;
	int udp_fd, tcp_fd;
};

struct pending {
	bool used;
	int32_t prev, next;        /* deadline list */
	uint64_t deadline;
	uint16_t client_id, wire_id;
	int listener;
	struct sockaddr_storage client;
	socklen_t client_len;
	size_t relay_max;
	bool edns, edns_do;        /* the client's OPT: kept on an answer we truncate */
	struct dns_upstreams ups;
	uint32_t tried;            /* bit per server of ups */
	uint32_t sent;             /* bit per server of ups: the query left for it */
	uint32_t refused;          /* bit per server of ups: it will not answer (ICMP error, SERVFAIL, REFUSED) */
	uint32_t inside;           /* bit per server of ups: asked from I (upstreams_place()) */
	int current;
	uint64_t started;          /* first sent: the whole wait is bounded by upstream_total_ms */
	bool lingering;            /* every server asked: waiting for a late answer from any of them */
	bool unsent;               /* our socket could not take the datagram (EAGAIN, ENOBUFS) */
	bool resent;               /* ... and it was sent to the same server once more */
	size_t len, question_len;
	uint8_t *query;            /* DNS_QUERY_MAX bytes of s->pend_buf, touched only when used */
};

enum up_state { UP_NONE, UP_CONNECTING, UP_READING };

struct tcp_conn {
	struct dns_addr peer;   /* the asker: scopes answers to its networks */
	bool have_peer;
	bool used;
	int fd;
	int listener;
	uint16_t net;
	uint32_t gen, up_gen;   /* bumped when fd / up_fd is closed (see EV_GEN) */
	uint64_t deadline;
	uint64_t active;        /* accepted, last bytes of a query read, last answer sent */
	size_t rlen;
	size_t wlen, woff;
	/* forwarding of one query over TCP */
	enum up_state up;
	int up_fd;
	struct dns_upstreams ups;
	uint32_t tried;
	uint32_t inside;        /* as in struct pending */
	int current;
	uint64_t up_started;    /* first upstream attempt of this query */
	size_t qlen, up_off;
	/* in s->conn_buf: memory is touched only by connections that happen */
	uint8_t *rbuf;             /* CONN_RBUF */
	uint8_t *qbuf;             /* CONN_RBUF */
	uint8_t *wbuf;             /* CONN_WBUF */
};

struct down_entry {
	struct dns_addr addr;
	uint64_t until;
};

struct dns_server {
	size_t map_len;            /* the state and its pools are one mapping (dns_server_new()) */
	struct dns_options opt;
	int epfd, sigfd, factory;
	uint64_t now;
	bool now_stale;            /* s->now must be read again before use (see server_now()) */
	bool quit;
	uint64_t reload_at;        /* a deferred reload is due at this now_ms(), 0: none */
	int exit_code;
	struct dns_db db;
	/* the first load, in steps between queries (load_step()) */
	bool loading;
	bool scanning;             /* no complete database yet: a query's records are read from the files */
	unsigned long scanned;     /* queries answered while scanning */
	struct dns_loader loader;
	struct dns_db next;        /* what the loader builds */
	struct dns_db scan;        /* the records of the query being answered, while scanning */
	struct dns_readbuf scan_buf;
	struct dns_readbuf reload_buf; /* loads' read buffer, kept while the records are small (install()) */
	struct dns_upstreams defaults;
	struct stat resolv_st;     /* opt.resolv_conf when the defaults were read (zero: unreadable) */
	uint64_t resolv_check_at;  /* server_now() of the next look at it */
	int up4[UPSTREAM_SOCKS], up6[UPSTREAM_SOCKS];
	unsigned int n_up4, n_up6;
	int in4, in6;              /* UDP to servers on podnet networks, in I; -1 until needed */
	int probe4, probe6;        /* route lookups in I (upstreams_place()); -1 until needed */
	/* routed_to_network()'s answers, valid while place_gen is that of the records they were found with */
	struct place_entry {
		struct dns_addr addr;
		uint32_t gen;
		bool inside, used;
	} place[PLACE_CACHE];
	uint32_t place_gen;
	unsigned int place_next;
	uint64_t nosock_warned_at; /* server_now() of the last "no socket for TCP forwarding" */
	struct stat scope_warned_st; /* the resolv.conf whose unusable link-local servers were logged */
	unsigned int scope_unknown;  /* link-local servers of the last read without a known interface */
	char scope_unknown_name[IFNAMSIZ];
	struct down_entry down[DOWN_MAX];
	struct listener listeners[LISTENERS_MAX];
	/* forwarding */
	struct pending *pending;
	uint8_t *pend_buf;
	int32_t pend_head, pend_tail, pend_free, pend_fresh;
	uint16_t id_slot[65536];   /* wire id -> slot + 1 */
	/* TCP */
	struct tcp_conn *conns;
	uint8_t *conn_buf;
	unsigned int n_conns;
	/* randomness, refilled in blocks */
	uint8_t rnd[512];
	size_t rnd_pos;
	/* UDP batch buffers: headers set up once (udp_batch_init()) */
	uint8_t rx_small[UDP_BATCH][UDP_RX_SMALL];
	uint8_t rx_rest[UDP_BATCH][UDP_QUERY_MAX - UDP_RX_SMALL]; /* touched by large queries only */
	uint8_t rx_join[UDP_QUERY_MAX];                          /* a large query made contiguous */
	uint8_t tx[UDP_BATCH][DNS_UDP_OURS];
	uint8_t relay[UDP_BATCH][RELAY_MAX];
	struct sockaddr_storage rx_addr[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH][2], tx_iov[UDP_BATCH], up_iov[UDP_BATCH];
	struct mmsghdr rx_msg[UDP_BATCH], tx_msg[UDP_BATCH], up_msg[UDP_BATCH];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The time of the current event loop turn, read on first use. */
static uint64_t server_now(struct dns_server *s)
{
	if (s->now_stale) {
		s->now = now_ms();
		s->now_stale = false;
	}
	return s->now;
}

static uint16_t rand16(struct dns_server *s)
{
	uint16_t v;

	if (s->rnd_pos + 2 > sizeof(s->rnd)) {
		if (getrandom(s->rnd, sizeof(s->rnd), 0) != (ssize_t)sizeof(s->rnd)) {
			/* never expected after boot; still never hand out a fixed id */
			for (size_t i = 0; i < sizeof(s->rnd); i++)
				s->rnd[i] = (uint8_t)(now_ms() * 2654435761u >> (i % 24));
		}
		s->rnd_pos = 0;
	}
	memcpy(&v, s->rnd + s->rnd_pos, 2);
	s->rnd_pos += 2;
	return v;
}

static int ep_add(struct dns_server *s, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void ep_mod(struct dns_server *s, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static const char *addr_str(const struct dns_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ---- upstream servers ---- */

/*
 * dns_scope_fn for the host's resolv.conf ("nameserver fe80::1%wlp3s0"): the
 * interface is one of H's, looked up through an upstream socket (created in
 * H: an ioctl answers in its socket's namespace), so that a reload in I
 * still finds it. Return: its index, or 0 (noted for load_defaults()'s warning).
 */
static uint32_t host_if_index(const char *ifname, void *ctx)
{
	struct dns_server *s = ctx;
	int fd = s->n_up6 ? s->up6[0] : s->n_up4 ? s->up4[0] : -1;
	size_t len = strlen(ifname);
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (len > 0 && len < sizeof(ifr.ifr_name) && fd >= 0) {
		memcpy(ifr.ifr_name, ifname, len);
		if (ioctl(fd, SIOCGIFINDEX, &ifr) == 0 && ifr.ifr_ifindex > 0)
			return (uint32_t)ifr.ifr_ifindex;
	}
	s->scope_unknown++;
	snprintf(s->scope_unknown_name, sizeof(s->scope_unknown_name), "%s", ifname);
	return 0;
}

static bool same_version(const struct stat *a, const struct stat *b);

static void load_defaults(struct dns_server *s)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (s->opt.fixed.count > 0) {
		s->defaults = s->opt.fixed;
		return;
	}
	/* what was read is this version of the file or a newer one: a change in between is read again */
	if (stat(s->opt.resolv_conf, &s->resolv_st) < 0)
		memset(&s->resolv_st, 0, sizeof(s->resolv_st));
	r = pn_read_file(s->opt.resolv_conf, 1 << 20, &text, &len);
	if (r < 0) {
		pn_warn("%s: %s; keeping %u upstream servers", s->opt.resolv_conf, strerror(-r),
			s->defaults.count);
		return;
	}
	s->scope_unknown = 0;
	dns_resolv_conf_parse_scoped(text, len, &s->defaults, host_if_index, s);
	/* once per version of the file: it is read again at every reload */
	if (s->scope_unknown && !same_version(&s->resolv_st, &s->scope_warned_st)) {
		pn_warn("%s: %u link-local nameserver%s skipped: interface \"%s\" unknown in the host "
			"namespace (write fe80::...%%IFNAME)",
			s->opt.resolv_conf, s->scope_unknown, s->scope_unknown > 1 ? "s" : "",
			s->scope_unknown_name);
		s->scope_warned_st = s->resolv_st;
	}
	if (s->opt.resolv_port)
		for (unsigned int i = 0; i < s->defaults.count; i++)
			s->defaults.addr[i].port = s->opt.resolv_port;
	if (s->defaults.count == 0)
		pn_warn("%s names no nameserver: names outside podnet will fail", s->opt.resolv_conf);
}

/*
 * The host's resolv.conf changes under a long-lived responder: a laptop joins
 * another network or a VPN, NetworkManager or systemd-resolved rewrites it
 * (usually a new file renamed over the old one). Look at it at most once a
 * second, when a query is about to be forwarded to the defaults, and read it
 * again when it is another file or was written since.
 */
#define RESOLV_CHECK_MS 1000

static bool same_version(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void follow_resolv_conf(struct dns_server *s)
{
	struct stat st;
	unsigned int before = s->defaults.count;

	if (s->opt.fixed.count > 0 || server_now(s) < s->resolv_check_at)
		return;
	s->resolv_check_at = server_now(s) + RESOLV_CHECK_MS;
	if (stat(s->opt.resolv_conf, &st) < 0)
		memset(&st, 0, sizeof(st));
	if (same_version(&st, &s->resolv_st))
		return;
	load_defaults(s);
	pn_info("%s changed: %u upstream servers (were %u)", s->opt.resolv_conf, s->defaults.count, before);
}

static bool upstream_down(struct dns_server *s, const struct dns_addr *a)
{
	for (int i = 0; i < DOWN_MAX; i++)
		if (s->down[i].until > server_now(s) && dns_addr_equal(&s->down[i].addr, a))
			return true;
	return false;
}

static void upstream_mark(struct dns_server *s, const struct dns_addr *a, bool down)
{
	int slot = 0;

	for (int i = 0; i < DOWN_MAX; i++) {
		if (dns_addr_equal(&s->down[i].addr, a)) {
			s->down[i].until = down ? server_now(s) + DOWN_MS : 0;
			return;
		}
		if (s->down[i].until < s->down[slot].until)
			slot = i;
	}
	if (down) {
		char buf[INET6_ADDRSTRLEN];

		pn_info("upstream %s does not answer; trying the others first for %d s",
			addr_str(a, buf, sizeof(buf)), DOWN_MS / 1000);
		s->down[slot].addr = *a;
		s->down[slot].until = server_now(s) + DOWN_MS;
	}
}

/* Pick the next untried server, preferring those not marked down. Return: index or -1. */
static int upstream_next(struct dns_server *s, const struct dns_upstreams *ups, uint32_t *tried)
{
	int fallback = -1;

	for (unsigned int i = 0; i < ups->count; i++) {
		if (*tried & (1u << i))
			continue;
		if (!upstream_down(s, &ups->addr[i])) {
			*tried |= 1u << i;
			return (int)i;
		}
		if (fallback < 0)
			fallback = (int)i;
	}
	if (fallback >= 0)
		*tried |= 1u << fallback;
	return fallback;
}

/*
 * The records to answer a query from: the database, or while the first load
 * runs, what the records files hold for this query (dns_resolve_records()).
 * Return: NULL when they cannot be read (the query is dropped; the client asks again).
 */
static const struct dns_db *records_for(struct dns_server *s, uint16_t net, const struct dns_addr *client,
					const uint8_t *pkt, size_t len)
{
	const struct dns_db *db;

	if (!s->scanning)
		return &s->db;
	db = dns_resolve_records(&s->scan, &s->db, s->opt.config_dir, &s->scan_buf, net, client, pkt, len);
	if (db)
		s->scanned++;
	return db;
}

/*
 * The upstream list for a query from @src on network @net: the container's
 * own (*@own set) or the defaults.
 */
static const struct dns_upstreams *upstreams_for(struct dns_server *s, const struct dns_db *db, uint16_t net,
						 const struct sockaddr *src, bool *own)
{
	const struct dns_record *rec;
	struct dns_addr a;
	bool elsewhere;

	*own = false;
	if (db->n_upstreams > 0 && dns_addr_from_sockaddr(src, &a) == 0 &&
	    dns_db_find_addr(db, net, a.family, a.bytes, &rec, 1, &elsewhere) == 1 &&
	    rec->upstreams >= 0) {
		*own = true;
		return &db->upstreams[rec->upstreams];
	}
	follow_resolv_conf(s);
	return &s->defaults;
}

static const uint8_t loopback6[16] = { [15] = 1 };

/* A socket of I for forwarding (created on first use: podnet-dns is in I by then). Return: fd or -errno. */
static int inside_socket(int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/*
 * Queue ICMP errors for what this forwarding UDP socket sends (port or host
 * unreachable: a resolver that is not running), so that the server is given
 * up at once instead of at its timeout (upstream_udp_errors()).
 */
static int udp_recverr(int fd, int family)
{
	int one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, family == AF_INET6 ? SOL_IPV6 : SOL_IP,
				 family == AF_INET6 ? IPV6_RECVERR : IP_RECVERR, &one, sizeof(one));
	return fd;
}

/* Whether I routes @a out of one of our bridges: the source address it picks is a gateway we listen on. */
static bool routed_to_network(struct dns_server *s, const struct dns_addr *a)
{
	int *probe = a->family == AF_INET6 ? &s->probe6 : &s->probe4;
	struct sockaddr_storage ss, src;
	socklen_t sl, src_len = sizeof(src);
	struct dns_addr from;

	/* the host's loopback is H's (a resolver there is what H sockets are for) */
	if (a->family == AF_INET ? a->bytes[0] == 127 : memcmp(a->bytes, loopback6, 16) == 0)
		return false;
	if (*probe < 0)
		*probe = inside_socket(a->family, SOCK_DGRAM);
	if (*probe < 0)
		return false;
	/*
	 * A UDP connect() is a route lookup, nothing is sent. The first one of
	 * an unbound socket also fixes its source address for the later ones:
	 * dissolve the association (AF_UNSPEC) first, so each lookup is fresh.
	 */
	connect(*probe, &(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(struct sockaddr));
	sl = dns_addr_to_sockaddr(a, 53, &ss);
	if (connect(*probe, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(*probe, (struct sockaddr *)&src, &src_len) < 0 ||
	    dns_addr_from_sockaddr((struct sockaddr *)&src, &from) < 0)
		return false;
	for (int li = 0; li < LISTENERS_MAX; li++) {
		const struct listener *l = &s->listeners[li];

		if (l->used && l->addr.family == from.family &&
		    memcmp(l->addr.bytes, from.bytes, from.family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

/* routed_to_network(), remembered per address until the records (and so the listeners) change */
static bool routed_to_network_cached(struct dns_server *s, const struct dns_addr *a)
{
	struct place_entry *e;
	char buf[INET6_ADDRSTRLEN];

	for (unsigned int k = 0; k < PLACE_CACHE; k++) {
		e = &s->place[k];
		if (e->used && e->gen == s->place_gen && dns_addr_equal(&e->addr, a))
			return e->inside;
	}
	e = &s->place[s->place_next++ % PLACE_CACHE];
	e->addr = *a;
	e->gen = s->place_gen;
	e->used = true;
	e->inside = routed_to_network(s, a);
	if (e->inside)
		pn_debug("upstream %s is on a podnet network: asked from the infra namespace",
			 addr_str(a, buf, sizeof(buf)));
	return e->inside;
}

static bool is_host_gateway(const struct dns_db *db, const struct dns_addr *a)
{
	if (a->family == AF_INET) {
		for (unsigned int k = 0; k < db->n_host4; k++)
			if (memcmp(db->host4[k], a->bytes, 4) == 0)
				return true;
	} else {
		for (unsigned int k = 0; k < db->n_host6; k++)
			if (memcmp(db->host6[k], a->bytes, 16) == 0)
				return true;
	}
	return false;
}

/*
 * Where each of a container's own servers @ups (a copy, rewritten here) is
 * asked from (see the theory of operation): the host gateway becomes the
 * host's loopback, asked from H; an address on a podnet network is asked
 * from I; anything else from H.
 * Return: a bit per server asked from I.
 */
static uint32_t upstreams_place(struct dns_server *s, const struct dns_db *db, uint16_t net,
				struct dns_upstreams *ups)
{
	uint32_t inside = 0;

	for (unsigned int i = 0; i < ups->count; i++) {
		struct dns_addr *a = &ups->addr[i];
		const struct dns_record *rec;
		bool elsewhere = false;

		if (is_host_gateway(db, a)) {
			memset(a->bytes, 0, sizeof(a->bytes));
			if (a->family == AF_INET)
				memcpy(a->bytes, (const uint8_t[]){ 127, 0, 0, 1 }, 4);
			else
				memcpy(a->bytes, loopback6, 16);
			continue;
		}
		if (dns_db_find_addr(db, net, a->family, a->bytes, &rec, 1, &elsewhere) > 0 || elsewhere ||
		    routed_to_network_cached(s, a))
			inside |= 1u << i;
	}
	return inside;
}

/* ---- UDP forwarding ---- */

static void pend_unlink(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];

	if (p->prev >= 0)
		s->pending[p->prev].next = p->next;
	else
		s->pend_head = p->next;
	if (p->next >= 0)
		s->pending[p->next].prev = p->prev;
	else
		s->pend_tail = p->prev;
	p->prev = p->next = -1;
}

static void pend_append(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];

	p->prev = s->pend_tail;
	p->next = -1;
	if (s->pend_tail >= 0)
		s->pending[s->pend_tail].next = i;
	else
		s->pend_head = i;
	s->pend_tail = i;
}

/* Insert at its deadline's place (a lingering slot's is later than one attempt's). */
static void pend_insert_sorted(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];
	int32_t after = s->pend_tail;

	while (after >= 0 && s->pending[after].deadline > p->deadline)
		after = s->pending[after].prev;
	p->prev = after;
	p->next = after >= 0 ? s->pending[after].next : s->pend_head;
	if (p->next >= 0)
		s->pending[p->next].prev = i;
	else
		s->pend_tail = i;
	if (after >= 0)
		s->pending[after].next = i;
	else
		s->pend_head = i;
}

static void pend_release(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];

	pend_unlink(s, i);
	s->id_slot[p->wire_id] = 0;
	p->used = false;
	p->next = s->pend_free;
	s->pend_free = i;
}

/* The UDP socket of I for @family (watched as UP_IN4 / UP_IN6), created on first use. Return: fd or -1. */
static int inside_udp(struct dns_server *s, int family)
{
	int *fd = family == AF_INET6 ? &s->in6 : &s->in4;

	if (*fd < 0) {
		*fd = udp_recverr(inside_socket(family, SOCK_DGRAM), family);
		if (*fd >= 0 && ep_add(s, *fd, EPOLLIN, EV(EV_UP_UDP, family == AF_INET6 ? UP_IN6 : UP_IN4)) < 0) {
			close(*fd);
			*fd = -1;
		}
	}
	return *fd;
}

/*
 * Send the pending query to its current server and start its timeout.
 * Return: 0 (sent, or p->unsent: our socket could not take it), or -errno:
 * this server cannot be asked now.
 */
static int pend_send_current(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];
	const struct dns_addr *a = &p->ups.addr[p->current];
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (p->inside & (1u << p->current))
		fd = inside_udp(s, a->family);
	else if (a->family == AF_INET6)
		fd = s->n_up6 ? s->up6[rand16(s) % s->n_up6] : -1;
	else
		fd = s->n_up4 ? s->up4[rand16(s) % s->n_up4] : -1;
	if (fd < 0)
		return -EAFNOSUPPORT;
	sl = dns_addr_to_sockaddr(a, 53, &ss);
	p->unsent = false;
	/*
	 * An ICMP error for an earlier datagram of this socket (IP_RECVERR:
	 * any of them, ECONNREFUSED to EACCES) is also reported once by the
	 * next send, which it did not concern: the report clears it, so send
	 * again; a second failure is this send's own.
	 */
	if (sendto(fd, p->query, p->len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ss, sl) < 0 &&
	    (errno == EAGAIN || errno == ENOBUFS ||
	     sendto(fd, p->query, p->len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ss, sl) < 0)) {
		/*
		 * A full send buffer (EAGAIN, ENOBUFS) is a datagram lost on
		 * our side, not a server that failed: pending_timeouts() sends
		 * it again. Any other error (no route, a firewall) moves on.
		 */
		if (errno != EAGAIN && errno != ENOBUFS)
			return -errno;
		p->unsent = true;
	} else {
		p->sent |= 1u << p->current;
	}
	p->deadline = server_now(s) + s->opt.upstream_timeout_ms;
	/* sorted: lingering slots (pend_linger_or_fail()) have later deadlines than this one */
	pend_unlink(s, i);
	pend_insert_sorted(s, i);
	return 0;
}

/* Send the pending query to its next server. Return: 0, or -ENOENT when none is left. */
static int pend_send(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];

	for (;;) {
		p->current = upstream_next(s, &p->ups, &p->tried);
		if (p->current < 0)
			return -ENOENT;
		p->resent = false;
		if (pend_send_current(s, i) == 0)
			return 0;
	}
}

static void send_to_client(struct dns_server *s, const struct pending *p, const uint8_t *buf,
			   size_t len)
{
	const struct listener *l = &s->listeners[p->listener];

	if (!l->used)
		return;
	sendto(l->udp_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&p->client,
	       p->client_len);
}

static void pend_fail(struct dns_server *s, int32_t i)
{
	struct pending *p = &s->pending[i];
	struct dns_query q;
	uint8_t out[DNS_UDP_OURS];
	size_t n;

	/* restore the client's id, then answer SERVFAIL to the question it asked */
	dns_put16(p->query, p->client_id);
	dns_query_parse(p->query, p->len, &q);
	n = dns_reply_rcode(&q, DNS_RCODE_SERVFAIL, out, sizeof(out));
	if (n)
		send_to_client(s, p, out, n);
	pend_release(s, i);
}

/*
 * Every server of pending query @i was asked (@last the one asked last) and
 * none answered yet: a slow one (a cold cache, DNSSEC validation, a VPN) may
 * still answer, and is waited for until upstream_total_ms from the first
 * attempt, as a stub resolver asking it directly would. SERVFAIL at once
 * when the time is up or every server asked refused (ICMP).
 */
static void pend_linger_or_fail(struct dns_server *s, int32_t i, int last)
{
	struct pending *p = &s->pending[i];
	uint64_t end = p->started + s->opt.upstream_total_ms;

	if (last < 0 || end <= server_now(s) || !(p->sent & ~p->refused)) {
		pend_fail(s, i);
		return;
	}
	p->current = last;
	p->lingering = true;
	p->deadline = end;
	pend_unlink(s, i);
	pend_insert_sorted(s, i);
}

static void forward_udp(struct dns_server *s, const struct dns_db *db, int listener, const struct dns_query *q,
			const uint8_t *pkt, size_t len, const struct sockaddr_storage *src,
			socklen_t src_len)
{
	bool own;
	const struct dns_upstreams *ups = upstreams_for(s, db, s->listeners[listener].net,
							 (const struct sockaddr *)src, &own);
	struct pending *p;
	uint16_t id = 0;
	int32_t i;
	int tries;

	if ((s->pend_free < 0 && s->pend_fresh >= PENDING_MAX) || ups->count == 0) {
		uint8_t out[DNS_UDP_OURS];
		size_t n = dns_reply_rcode(q, DNS_RCODE_SERVFAIL, out, sizeof(out));

		if (n)
			sendto(s->listeners[listener].udp_fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL,
			       (const struct sockaddr *)src, src_len);
		return;
	}
	for (tries = 0; tries < 16; tries++) {
		id = rand16(s);
		if (!s->id_slot[id])
			break;
	}
	if (tries == 16)
		return; /* the table is that full only under attack: let the client retry */
	if (s->pend_free >= 0) {
		i = s->pend_free;
		s->pend_free = s->pending[i].next;
	} else {
		i = s->pend_fresh++; /* never used before: its memory is touched now */
	}
	p = &s->pending[i];
	p->query = s->pend_buf + (size_t)i * DNS_QUERY_MAX;
	p->used = true;
	p->prev = p->next = -1;
	p->client_id = q->id;
	p->wire_id = id;
	p->listener = listener;
	memcpy(&p->client, src, src_len);
	p->client_len = src_len;
	p->edns = q->edns;
	p->edns_do = q->edns_do;
	p->relay_max = q->edns ? q->edns_udp : DNS_UDP_MIN;
	if (p->relay_max < DNS_UDP_MIN)
		p->relay_max = DNS_UDP_MIN;
	if (p->relay_max > RELAY_MAX)
		p->relay_max = RELAY_MAX;
	p->ups = *ups;
	p->inside = own ? upstreams_place(s, db, s->listeners[listener].net, &p->ups) : 0;
	p->tried = 0;
	p->sent = 0;
	p->refused = 0;
	p->started = server_now(s);
	p->lingering = false;
	p->len = len;
	p->question_len = q->question_len;
	memcpy(p->query, pkt, len);
	dns_put16(p->query, id);
	s->id_slot[id] = (uint16_t)(i + 1);
	pend_append(s, i);
	if (pend_send(s, i) < 0)
		pend_fail(s, i);
}

/*
 * Which of the servers already asked for @p a reply from @a (on a socket of I
 * when @inside) comes from: an answer that arrives after its server's timeout
 * is still taken. Return: its index in p->ups, or -1.
 */
static int asked_server(const struct pending *p, const struct dns_addr *a, bool inside)
{
	for (unsigned int k = 0; k < p->ups.count; k++) {
		struct dns_addr from = *a;

		if (!(p->sent & (1u << k)) || inside != !!(p->inside & (1u << k)))
			continue;
		if (from.port == 53 && !p->ups.addr[k].port)
			from.port = 0;
		if (dns_addr_equal(&from, &p->ups.addr[k]))
			return (int)k;
	}
	return -1;
}

/*
 * The pending query that a datagram about our query with wire id @id, from
 * (or, for an ICMP error, to) @peer on a socket of I when @inside, concerns:
 * its slot in *@ret_i and the index of the server in *@ret_k. Return: NULL if none.
 */
static struct pending *pending_of(struct dns_server *s, uint16_t id, const struct sockaddr_storage *peer,
				  bool inside, int32_t *ret_i, int *ret_k)
{
	struct dns_addr a;
	uint16_t slot = s->id_slot[id];

	if (!slot || dns_addr_from_sockaddr((const struct sockaddr *)peer, &a) < 0)
		return NULL;
	*ret_i = slot - 1;
	*ret_k = asked_server(&s->pending[slot - 1], &a, inside);
	return *ret_k < 0 ? NULL : &s->pending[slot - 1];
}

/* A reply on an upstream socket (@inside: one of I). */
static void upstream_udp_reply(struct dns_server *s, uint8_t *buf, size_t len, bool truncated,
			       const struct sockaddr_storage *from, bool inside)
{
	struct pending *p;
	int32_t i;
	uint8_t rcode;
	int k;

	if (len < DNS_HEADER_LEN || !(p = pending_of(s, dns_get16(buf), from, inside, &i, &k)))
		return;
	if (!dns_reply_matches(buf, len, p->wire_id, p->query + DNS_HEADER_LEN, p->question_len))
		return; /* not an answer we wait for: a spoofed packet, or one for a slot released */
	upstream_mark(s, &p->ups.addr[k], false);
	rcode = buf[3] & 0xf;
	if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED) {
		p->refused |= 1u << k;
		if (!p->lingering && k != p->current)
			return; /* an earlier server gave up: the one asked now may still answer */
		if (!p->lingering && pend_send(s, i) == 0)
			return;
		/* none left to ask: wait for another one asked, else relay this answer */
		if (p->sent & ~p->refused) {
			if (!p->lingering)
				pend_linger_or_fail(s, i, k);
			return;
		}
	}
	dns_put16(buf, p->client_id);
	if (truncated || len > p->relay_max)
		len = dns_truncate_reply(buf, len, RELAY_MAX, p->question_len, p->edns, p->edns_do);
	if (len)
		send_to_client(s, p, buf, len);
	pend_release(s, i);
}

/*
 * An ICMP error (@payload: the start of the datagram we sent, @to: where)
 * says the server asked now for that query will not answer: the next one is
 * asked at once, or the query ends (pend_linger_or_fail()).
 */
static void upstream_udp_refused(struct dns_server *s, const uint8_t *payload, size_t len,
				 const struct sockaddr_storage *to, bool inside)
{
	struct pending *p;
	int32_t i;
	int k;

	/* a router may quote only the UDP header: without our id the timeout decides */
	if (len < 2 || !(p = pending_of(s, dns_get16(payload), to, inside, &i, &k)))
		return;
	if (k != p->current || (p->refused & (1u << k)))
		return; /* an earlier server's: its timeout already moved on */
	if (len >= DNS_HEADER_LEN + p->question_len &&
	    memcmp(payload + DNS_HEADER_LEN, p->query + DNS_HEADER_LEN, p->question_len) != 0)
		return;
	upstream_mark(s, &p->ups.addr[k], true);
	p->refused |= 1u << k;
	if (p->lingering) {
		if (!(p->sent & ~p->refused))
			pend_fail(s, i);
		return;
	}
	if (pend_send(s, i) == 0)
		return;
	pend_linger_or_fail(s, i, k);
}

/* The ICMP errors queued on forwarding socket @fd (udp_recverr()). */
static void upstream_udp_errors(struct dns_server *s, int fd, bool inside)
{
	for (int n = 0; n < UDP_BATCH; n++) {
		uint8_t payload[DNS_HEADER_LEN + DNS_NAME_WIRE_MAX + 4];
		union {
			char buf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_storage to;
		struct iovec iov = { payload, sizeof(payload) };
		struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
		const struct sock_extended_err *ee = NULL;
		ssize_t len = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);

		if (len < 0) {
			/* an error that could not be queued (receive memory full) stays pending: clear it, or EPOLLERR spins */
			if (n == 0) {
				int e;
				socklen_t el = sizeof(e);

				(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
			}
			return;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
				ee = (const struct sock_extended_err *)(const void *)CMSG_DATA(c);
		if (!ee || (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6))
			continue;
		/* unreachable port, host or network; not "fragmentation needed" and the like */
		if (ee->ee_errno == ECONNREFUSED || ee->ee_errno == EHOSTUNREACH || ee->ee_errno == ENETUNREACH ||
		    ee->ee_errno == EHOSTDOWN || ee->ee_errno == EACCES)
			upstream_udp_refused(s, payload, (size_t)len, &to, inside);
	}
}

/* Replies (and, with EPOLLERR in @events, ICMP errors) on the upstream socket with EV_UP_UDP index @idx. */
static void upstream_udp_readable(struct dns_server *s, uint32_t idx, uint32_t events)
{
	bool inside = idx == UP_IN4 || idx == UP_IN6;
	int fd = idx == UP_IN4 ? s->in4 : idx == UP_IN6 ? s->in6 : idx >= UP_V6 ? s->up6[idx - UP_V6] : s->up4[idx];
	int n;

	if (events & EPOLLERR)
		upstream_udp_errors(s, fd, inside);
	if (!(events & EPOLLIN))
		return;

	for (int i = 0; i < UDP_BATCH; i++)
		s->up_msg[i].msg_hdr.msg_namelen = sizeof(s->rx_addr[i]);
	n = recvmmsg(fd, s->up_msg, UDP_BATCH, MSG_DONTWAIT, NULL);

	for (int i = 0; i < n; i++)
		upstream_udp_reply(s, s->relay[i], s->up_msg[i].msg_len,
				   s->up_msg[i].msg_hdr.msg_flags & MSG_TRUNC, &s->rx_addr[i], inside);
}

static void pending_timeouts(struct dns_server *s)
{
	while (s->pend_head >= 0 && s->pending[s->pend_head].deadline <= server_now(s)) {
		int32_t i = s->pend_head;
		struct pending *p = &s->pending[i];
		int last = p->current;

		if (p->lingering) {
			pend_fail(s, i);
			continue;
		}
		if (p->unsent && !p->resent) {
			/* it never left: once more to the same server, which did not fail */
			p->resent = true;
			if (pend_send_current(s, i) == 0)
				continue;
		} else if (!p->unsent) {
			upstream_mark(s, &p->ups.addr[p->current], true);
		}
		if (pend_send(s, i) == 0)
			continue;
		pend_linger_or_fail(s, i, last);
	}
}

/* ---- UDP listeners ---- */

/* The fixed parts of the UDP batch headers (queries, answers, upstream
 * replies): buffers, address slots, no control data. */
static void udp_batch_init(struct dns_server *s)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		struct msghdr *h = &s->rx_msg[i].msg_hdr;

		s->rx_iov[i][0] = (struct iovec){ s->rx_small[i], UDP_RX_SMALL };
		s->rx_iov[i][1] = (struct iovec){ s->rx_rest[i], UDP_QUERY_MAX - UDP_RX_SMALL };
		memset(h, 0, sizeof(*h));
		h->msg_iov = s->rx_iov[i];
		h->msg_iovlen = 2;
		h->msg_name = &s->rx_addr[i];
		s->tx_iov[i].iov_base = s->tx[i];
		h = &s->tx_msg[i].msg_hdr;
		memset(h, 0, sizeof(*h));
		h->msg_iov = &s->tx_iov[i];
		h->msg_iovlen = 1;
		/* upstream replies: into the relay buffers */
		s->up_iov[i] = (struct iovec){ s->relay[i], RELAY_MAX };
		h = &s->up_msg[i].msg_hdr;
		memset(h, 0, sizeof(*h));
		h->msg_iov = &s->up_iov[i];
		h->msg_iovlen = 1;
		h->msg_name = &s->rx_addr[i];
	}
}

/* One batch from listener @li: answer what we can, forward the rest. Return: packets read. */
static int udp_batch(struct dns_server *s, int li)
{
	struct listener *l = &s->listeners[li];
	unsigned int out = 0;
	int n;

	for (int i = 0; i < UDP_BATCH; i++)
		s->rx_msg[i].msg_hdr.msg_namelen = sizeof(s->rx_addr[i]);
	n = recvmmsg(l->udp_fd, s->rx_msg, UDP_BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < n; i++) {
		struct dns_query q;
		size_t len = s->rx_msg[i].msg_len, alen;
		const uint8_t *pkt = s->rx_small[i];
		const struct dns_db *db;
		enum dns_action act;
		struct dns_addr peer;
		bool have_peer;

		if (s->rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC)
			continue; /* larger than any query we accept */
		/*
		 * Source port 0 (a raw socket can send it; the source guard
		 * checks addresses only): no answer can go there, sendto() fails.
		 * sin_port and sin6_port are at the same place.
		 */
		if (((const struct sockaddr_in *)&s->rx_addr[i])->sin_port == 0)
			continue;
		if (len > UDP_RX_SMALL) {
			/* a large query arrived in two parts: one buffer for the parser */
			memcpy(s->rx_join, s->rx_small[i], UDP_RX_SMALL);
			memcpy(s->rx_join + UDP_RX_SMALL, s->rx_rest[i], len - UDP_RX_SMALL);
			pkt = s->rx_join;
		}
		have_peer = dns_addr_from_sockaddr((struct sockaddr *)&s->rx_addr[i], &peer) == 0;
		db = records_for(s, l->net, have_peer ? &peer : NULL, pkt, len);
		if (!db)
			continue;
		act = dns_resolve(db, l->net, have_peer ? &peer : NULL, pkt, len, false, &q, s->tx[out],
				  sizeof(s->tx[out]), &alen);
		if (act == DNS_ACT_REPLY) {
			s->tx_iov[out].iov_len = alen;
			s->tx_msg[out].msg_hdr.msg_name = &s->rx_addr[i];
			s->tx_msg[out].msg_hdr.msg_namelen = s->rx_msg[i].msg_hdr.msg_namelen;
			out++;
		} else if (act == DNS_ACT_FORWARD) {
			forward_udp(s, db, li, &q, pkt, len, &s->rx_addr[i], s->rx_msg[i].msg_hdr.msg_namelen);
		}
	}
	/*
	 * sendmmsg() stops at the first answer that fails and reports it only
	 * when it is the first of the call. A full socket buffer (EAGAIN,
	 * ENOBUFS) drops the rest of the batch, as UDP may: the clients ask
	 * again, and queueing answers for later would cost memory for stale
	 * ones. Any other error is that answer's destination (no route, a
	 * port the kernel refuses): skip it, the others are sent.
	 */
	for (unsigned int sent = 0; sent < out;) {
		int r = sendmmsg(l->udp_fd, s->tx_msg + sent, out - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r > 0)
			sent += (unsigned int)r;
		else if (r == 0 || errno == EAGAIN || errno == ENOBUFS)
			break;
		else if (errno != EINTR)
			sent++;
	}
	return n;
}

static void udp_readable(struct dns_server *s, int li)
{
	/* full batches mean more is queued: read on without asking epoll, a bounded number of times */
	for (int round = 0; round < UDP_ROUNDS && s->listeners[li].used; round++)
		if (udp_batch(s, li) < UDP_BATCH)
			break;
}

/* ---- TCP ---- */

static void conn_close(struct dns_server *s, struct tcp_conn *c)
{
	if (!c->used)
		return;
	close(c->fd);
	if (c->up_fd >= 0)
		close(c->up_fd);
	c->up_fd = -1;
	c->up = UP_NONE;
	c->used = false;
	c->gen++;
	c->up_gen++;
	s->n_conns--;
}

static uint32_t conn_index(struct dns_server *s, struct tcp_conn *c)
{
	return (uint32_t)(c - s->conns);
}

/* Watch for what the connection waits for: writing an answer, or reading a query. */
static void conn_events(struct dns_server *s, struct tcp_conn *c)
{
	uint32_t ev = 0;

	if (c->woff < c->wlen)
		ev = EPOLLOUT;
	else if (c->up == UP_NONE)
		ev = EPOLLIN;
	ep_mod(s, c->fd, ev, EV_GEN(EV_TCP_CONN, c->gen, conn_index(s, c)));
}

static void conn_process(struct dns_server *s, struct tcp_conn *c);

/* Queue @len bytes already in c->wbuf + 2 as the next answer and try to send it. */
static void conn_answer(struct dns_server *s, struct tcp_conn *c, size_t len)
{
	ssize_t n;

	dns_put16(c->wbuf, (uint16_t)len);
	c->wlen = len + 2;
	c->woff = 0;
	/* from here the connection waits for its client: the idle limit, not an upstream's */
	c->deadline = server_now(s) + s->opt.tcp_idle_ms;
	n = send(c->fd, c->wbuf, c->wlen, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN) {
		conn_close(s, c);
		return;
	}
	if (n > 0)
		c->woff = (size_t)n;
	if (c->woff == c->wlen) {
		c->wlen = c->woff = 0;
		c->active = server_now(s);
	}
}

static void conn_up_close(struct tcp_conn *c)
{
	if (c->up_fd >= 0) {
		close(c->up_fd);
		c->up_gen++;
	}
	c->up_fd = -1;
	c->up = UP_NONE;
}

/* Connect to the next upstream for the query in c->qbuf. Return: 0, or -ENOENT when none is left. */
static int conn_up_start(struct dns_server *s, struct tcp_conn *c)
{
	char buf[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t sl;

	for (;;) {
		const struct dns_addr *a;
		int fd;

		conn_up_close(c);
		c->current = upstream_next(s, &c->ups, &c->tried);
		if (c->current < 0)
			return -ENOENT;
		a = &c->ups.addr[c->current];
		if (c->inside & (1u << c->current))
			fd = inside_socket(a->family, SOCK_STREAM);
		else
			fd = hostsock_get(s->factory, a->family, SOCK_STREAM);
		if (fd < 0) {
			/* e.g. IPv6 disabled on the host: the other servers may still be asked */
			if (!s->nosock_warned_at || server_now(s) >= s->nosock_warned_at + DOWN_MS) {
				pn_warn("no socket for TCP forwarding to %s: %s", addr_str(a, buf, sizeof(buf)),
					strerror(-fd));
				s->nosock_warned_at = server_now(s);
			}
			continue;
		}
		sl = dns_addr_to_sockaddr(a, 53, &ss);
		if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		if (ep_add(s, fd, EPOLLOUT, EV_GEN(EV_UP_TCP, c->up_gen, conn_index(s, c))) < 0) {
			close(fd);
			return -ENOENT;
		}
		c->up_fd = fd;
		c->up = UP_CONNECTING;
		c->up_off = 0;
		c->deadline = server_now(s) + s->opt.upstream_timeout_ms;
		if (!(((1u << c->ups.count) - 1) & ~c->tried) && c->deadline < c->up_started + s->opt.upstream_total_ms)
			c->deadline = c->up_started + s->opt.upstream_total_ms; /* the last server: the rest of the budget */
		return 0;
	}
}

static void conn_up_fail(struct dns_server *s, struct tcp_conn *c)
{
	struct dns_query q;
	size_t n;

	conn_up_close(c);
	dns_query_parse(c->qbuf + 2, c->qlen, &q);
	n = dns_reply_rcode(&q, DNS_RCODE_SERVFAIL, c->wbuf + 2, CONN_WBUF - 2);
	if (n == 0) {
		conn_close(s, c);
		return;
	}
	conn_answer(s, c, n);
	if (c->used) {
		conn_events(s, c);
		if (c->wlen == 0)
			conn_process(s, c);
	}
}

/* The upstream attempt failed or timed out: next server, or SERVFAIL. */
static void conn_up_retry(struct dns_server *s, struct tcp_conn *c, bool mark_down)
{
	if (mark_down)
		upstream_mark(s, &c->ups.addr[c->current], true);
	if (conn_up_start(s, c) < 0)
		conn_up_fail(s, c);
}

static void conn_up_event(struct dns_server *s, struct tcp_conn *c, uint32_t events)
{
	ssize_t n;

	if (c->up == UP_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(c->up_fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			conn_up_retry(s, c, true);
			return;
		}
		n = send(c->up_fd, c->qbuf + c->up_off, c->qlen + 2 - c->up_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			conn_up_retry(s, c, true);
			return;
		}
		if (n > 0)
			c->up_off += (size_t)n;
		if (c->up_off == c->qlen + 2) {
			c->up = UP_READING;
			c->up_off = 0;
			ep_mod(s, c->up_fd, EPOLLIN, EV_GEN(EV_UP_TCP, c->up_gen, conn_index(s, c)));
		}
		return;
	}
	if (c->up != UP_READING)
		return;
	/* the answer goes straight into the answer buffer: 2 length bytes then the message */
	for (;;) {
		size_t want = c->up_off < 2 ? 2 - c->up_off : 2 + dns_get16(c->wbuf) - c->up_off;

		if (want == 0)
			break;
		n = recv(c->up_fd, c->wbuf + c->up_off, want, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN && !(events & EPOLLERR))
			return;
		if (n <= 0) {
			conn_up_retry(s, c, n < 0);
			return;
		}
		c->up_off += (size_t)n;
		if (c->up_off == 2 && dns_get16(c->wbuf) < DNS_HEADER_LEN) {
			conn_up_retry(s, c, false);
			return;
		}
	}
	{
		size_t len = dns_get16(c->wbuf);
		uint8_t rcode = c->wbuf[2 + 3] & 0xf;
		struct dns_query q;

		dns_query_parse(c->qbuf + 2, c->qlen, &q);
		if (!dns_reply_matches(c->wbuf + 2, len, q.id, q.question, q.question_len)) {
			conn_up_retry(s, c, false);
			return;
		}
		upstream_mark(s, &c->ups.addr[c->current], false);
		if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED) {
			uint32_t untried = ((1u << c->ups.count) - 1) & ~c->tried;

			if (untried) {
				conn_up_retry(s, c, false);
				return;
			}
		}
		conn_up_close(c);
		conn_answer(s, c, len);
		if (c->used) {
			conn_events(s, c);
			if (c->wlen == 0)
				conn_process(s, c);
		}
	}
}

/* Answer every complete query in the read buffer, until one needs to wait. */
static void conn_process(struct dns_server *s, struct tcp_conn *c)
{
	while (c->used && c->up == UP_NONE && c->wlen == 0 && c->rlen >= 2) {
		size_t mlen = dns_get16(c->rbuf), alen;
		const struct dns_db *db;
		struct dns_query q;
		enum dns_action act;

		if (mlen < DNS_HEADER_LEN || mlen > DNS_QUERY_MAX) {
			conn_close(s, c);
			return;
		}
		if (c->rlen < mlen + 2)
			break;
		db = records_for(s, c->net, c->have_peer ? &c->peer : NULL, c->rbuf + 2, mlen);
		if (!db) {
			conn_close(s, c); /* no answer to give now; the client asks again */
			return;
		}
		act = dns_resolve(db, c->net, c->have_peer ? &c->peer : NULL, c->rbuf + 2, mlen, true, &q,
				  c->wbuf + 2, CONN_WBUF - 2, &alen);
		if (act == DNS_ACT_FORWARD) {
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			bool own;

			memcpy(c->qbuf, c->rbuf, mlen + 2);
			c->qlen = mlen;
			if (getpeername(c->fd, (struct sockaddr *)&peer, &pl) < 0)
				peer.ss_family = AF_UNSPEC;
			c->ups = *upstreams_for(s, db, c->net, (struct sockaddr *)&peer, &own);
			c->inside = own ? upstreams_place(s, db, c->net, &c->ups) : 0;
			c->tried = 0;
			c->up_started = server_now(s);
		}
		memmove(c->rbuf, c->rbuf + mlen + 2, c->rlen - mlen - 2);
		c->rlen -= mlen + 2;
		if (act == DNS_ACT_DROP) {
			conn_close(s, c); /* a response or a runt on a stream: not a DNS client */
			return;
		}
		if (act == DNS_ACT_REPLY) {
			conn_answer(s, c, alen);
			continue;
		}
		if (conn_up_start(s, c) < 0) {
			conn_up_fail(s, c);
			return;
		}
	}
	if (c->used)
		conn_events(s, c);
}

static void conn_event(struct dns_server *s, struct tcp_conn *c, uint32_t events)
{
	/* a reset client, or one gone while we wait: nothing more can reach it */
	if (events & EPOLLERR || (events & EPOLLHUP && (c->up != UP_NONE || c->woff < c->wlen))) {
		conn_close(s, c);
		return;
	}
	if (events & EPOLLOUT && c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN) {
			conn_close(s, c);
			return;
		}
		if (n > 0)
			c->woff += (size_t)n;
		if (c->woff == c->wlen) {
			c->wlen = c->woff = 0;
			c->deadline = server_now(s) + s->opt.tcp_idle_ms;
			c->active = server_now(s);
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR) && c->up == UP_NONE && c->wlen == 0) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, CONN_RBUF - c->rlen, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(s, c);
			return;
		}
		if (n > 0) {
			c->rlen += (size_t)n;
			c->active = server_now(s);
		}
	}
	conn_process(s, c);
}

/* A connection with a query in progress (being read, forwarded or answered) is busy. */
static bool conn_busy(const struct tcp_conn *c)
{
	return c->up != UP_NONE || c->woff < c->wlen || c->rlen > 0;
}

/*
 * Which of two connections a full pool closes first: an idle one before a
 * busy one, then the one least recently active (not the nearest deadline:
 * a connection waiting on an upstream has the shortest deadline of all).
 */
static bool conn_evict_before(const struct tcp_conn *a, const struct tcp_conn *b)
{
	if (conn_busy(a) != conn_busy(b))
		return !conn_busy(a);
	return a->active < b->active;
}

static void tcp_accept(struct dns_server *s, int li)
{
	struct listener *l = &s->listeners[li];
	struct tcp_conn *c = NULL;
	int fd;

	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof(peer);

	fd = accept4(l->tcp_fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (unsigned int i = 0; i < s->opt.tcp_max; i++) {
		if (!s->conns[i].used) {
			c = &s->conns[i];
			break;
		}
		if (!c || conn_evict_before(&s->conns[i], c))
			c = &s->conns[i];
	}
	if (c->used) {
		pn_debug("TCP connection limit (%u) reached: closing the least recently active", s->opt.tcp_max);
		conn_close(s, c);
	}
	c->used = true;
	/* its buffers: set here, so that start-up touches no page of the connection table */
	c->rbuf = s->conn_buf + (size_t)conn_index(s, c) * (2 * CONN_RBUF + CONN_WBUF);
	c->qbuf = c->rbuf + CONN_RBUF;
	c->wbuf = c->rbuf + 2 * CONN_RBUF;
	c->fd = fd;
	c->up_fd = -1;
	c->up = UP_NONE;
	c->listener = li;
	c->net = l->net;
	c->have_peer = dns_addr_from_sockaddr((struct sockaddr *)&peer, &c->peer) == 0;
	c->rlen = c->wlen = c->woff = 0;
	c->deadline = server_now(s) + s->opt.tcp_idle_ms;
	c->active = server_now(s);
	s->n_conns++;
	if (ep_add(s, fd, EPOLLIN, EV_GEN(EV_TCP_CONN, c->gen, conn_index(s, c))) < 0)
		conn_close(s, c);
}

static void conn_timeouts(struct dns_server *s)
{
	for (unsigned int i = 0; i < s->opt.tcp_max && s->n_conns; i++) {
		struct tcp_conn *c = &s->conns[i];

		if (!c->used || c->deadline > server_now(s))
			continue;
		if (c->up != UP_NONE)
			conn_up_retry(s, c, true);
		else
			conn_close(s, c);
	}
}

/* ---- listeners and reload ---- */

static int open_listen_socket(const struct dns_addr *a, uint16_t port, int type)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_storage ss;
	socklen_t sl = dns_addr_to_sockaddr(a, port, &ss);
	int one = 1, buf = 1 << 20;

	fd = socket(a->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	}
	if (type == SOCK_DGRAM)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		return -errno;
	return steal_fd(&fd);
}

static void listener_close(struct dns_server *s, int li)
{
	struct listener *l = &s->listeners[li];

	if (!l->used)
		return;
	close(l->udp_fd);
	close(l->tcp_fd);
	l->used = false;
	/* connections and forwarded queries of this listener have nowhere to answer */
	for (unsigned int i = 0; i < s->opt.tcp_max; i++)
		if (s->conns[i].used && s->conns[i].listener == li)
			conn_close(s, &s->conns[i]);
	for (int32_t i = 0; i < s->pend_fresh; i++)
		if (s->pending[i].used && s->pending[i].listener == li)
			pend_release(s, i);
}

/* Open a listener for @a serving network @net (@name for the log). Return: its index or -errno. */
static int listener_open(struct dns_server *s, const struct dns_addr *a, uint16_t net,
			 const char *name)
{
	char buf[INET6_ADDRSTRLEN];
	struct listener *l;
	int li, r;

	for (li = 0; li < LISTENERS_MAX && s->listeners[li].used; li++)
		;
	if (li == LISTENERS_MAX) {
		r = -E2BIG;
		goto fail;
	}
	l = &s->listeners[li];
	l->udp_fd = open_listen_socket(a, s->opt.port, SOCK_DGRAM);
	if (l->udp_fd < 0) {
		r = l->udp_fd;
		goto fail;
	}
	l->tcp_fd = open_listen_socket(a, s->opt.port, SOCK_STREAM);
	if (l->tcp_fd < 0) {
		r = l->tcp_fd;
		close(l->udp_fd);
		goto fail;
	}
	if ((r = ep_add(s, l->udp_fd, EPOLLIN, EV(EV_UDP, li))) < 0 ||
	    (r = ep_add(s, l->tcp_fd, EPOLLIN, EV(EV_TCP_LISTEN, li))) < 0) {
		close(l->udp_fd);
		close(l->tcp_fd);
		goto fail;
	}
	l->used = true;
	l->addr = *a;
	l->net = net;
	pn_info("listening on %s port %u for network %s", addr_str(a, buf, sizeof(buf)),
		s->opt.port, name);
	return li;
fail:
	pn_err("network %s: cannot listen on %s port %u: %s", name, addr_str(a, buf, sizeof(buf)),
	       s->opt.port, strerror(-r));
	return r;
}

/*
 * Make the listeners match @db: keep those whose address is still a gateway,
 * open the new ones, close the rest. Return: number of listeners open.
 */
static int sync_listeners(struct dns_server *s, const struct dns_db *db)
{
	bool keep[LISTENERS_MAX] = { false };
	char buf[INET6_ADDRSTRLEN];
	int open = 0;

	for (uint32_t n = 0; n < db->n_nets; n++) {
		for (unsigned int g = 0; g < db->nets[n].n_gateways; g++) {
			const struct dns_addr *a = &db->nets[n].gateway[g];
			int found = -1;

			for (int li = 0; li < LISTENERS_MAX; li++)
				if (s->listeners[li].used && dns_addr_equal(&s->listeners[li].addr, a))
					found = li;
			if (found >= 0 && keep[found]) {
				pn_warn("network %s: gateway %s already serves network %s, ignored",
					db->nets[n].name, addr_str(a, buf, sizeof(buf)),
					db->nets[s->listeners[found].net].name);
				continue;
			}
			if (found < 0) {
				found = listener_open(s, a, (uint16_t)n, db->nets[n].name);
				if (found < 0)
					continue;
			}
			keep[found] = true;
			s->listeners[found].net = (uint16_t)n;
			for (unsigned int i = 0; i < s->opt.tcp_max; i++)
				if (s->conns[i].used && s->conns[i].listener == found)
					s->conns[i].net = (uint16_t)n;
		}
	}
	for (int li = 0; li < LISTENERS_MAX; li++) {
		if (s->listeners[li].used && !keep[li]) {
			pn_info("no network uses %s any more: listener closed",
				addr_str(&s->listeners[li].addr, buf, sizeof(buf)));
			listener_close(s, li);
		}
		if (s->listeners[li].used)
			open++;
	}
	return open;
}

static uint32_t new_seed(void)
{
	uint32_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint32_t)now_ms();
	return seed;
}

/* Give up the first load if it still runs; the records are then loaded whole. */
static void loading_stop(struct dns_server *s)
{
	if (!s->loading)
		return;
	dns_loader_stop(&s->loader);
	dns_db_free(&s->next);
	s->loading = false;
}

/* sync_listeners() for @db. Return: 0, or -EADDRNOTAVAIL when none opened (@db freed). */
static int listen_on(struct dns_server *s, struct dns_db *db)
{
	if (sync_listeners(s, db) > 0)
		return 0;
	pn_err("no listener could be opened");
	dns_db_free(db);
	return -EADDRNOTAVAIL;
}

/*
 * Switch to @db, which holds @r networks: listeners first, then the records.
 * Return: @r, or -EADDRNOTAVAIL (@db freed, the previous records kept).
 */
static int install(struct dns_server *s, struct dns_db *db, int r)
{
	bool first;
	size_t old;

	if (r > 0 && listen_on(s, db) < 0)
		return -EADDRNOTAVAIL;
	if (r == 0)
		for (int li = 0; li < LISTENERS_MAX; li++)
			listener_close(s, li);
	first = !s->db.recs && !s->scanning;
	old = dns_db_bytes(&s->db);
	dns_db_free(&s->db);
	s->db = *db;
	s->place_gen++; /* networks may have come or gone: places are looked up again */
	if (s->scanning) {
		s->scanning = false;
		dns_db_free(&s->scan);
		dns_readbuf_free(&s->scan_buf);
		pn_info("first load done: %lu queries were answered from the records files meanwhile",
			s->scanned);
	}
	/*
	 * Small records (up to a few thousand) stay in the heap's free pages for
	 * the next reload: giving them back and faulting them in again cost as
	 * much as the reload's parsing (a fault is several µs in some VMs), and
	 * a reload follows every connect and disconnect. Larger ones go back to
	 * the kernel, as does the read buffer, so that two copies never stay
	 * resident (2 MiB with 10 000 records). A first load has no old
	 * tables to give back (and may be on the way to the first answer); its
	 * read buffer, the one the gateway lines were read with, stays for
	 * the reloads while the records are small.
	 */
	if (old > RELOAD_KEEP_MAX || dns_db_bytes(&s->db) > RELOAD_KEEP_MAX) {
		if (!first)
			malloc_trim(0);
		dns_readbuf_free(&s->reload_buf);
	}
	load_defaults(s);
	pn_info("records loaded: %u networks, %u records, %u upstream servers", s->db.n_nets,
		s->db.n_recs, s->defaults.count);
	return r;
}

/* Build a new database from the records directory and switch to it. Return: networks, or -errno. */
static int reload(struct dns_server *s)
{
	struct dns_db db;
	int r;

	loading_stop(s);
	dns_db_init(&db, new_seed());
	r = dns_db_reload_dir(&db, s->opt.config_dir, &s->reload_buf);
	if (r < 0) {
		pn_err("reading records in %s: %s; keeping the previous records", s->opt.config_dir,
		       strerror(-r));
		dns_db_free(&db);
		return r;
	}
	return install(s, &db, r);
}

/* the last records file is gone: stop, or with --stay listen nowhere until one appears */
static void nothing_left(struct dns_server *s)
{
	if (s->opt.stay) {
		pn_info("no records files left: waiting for some");
		return;
	}
	pn_info("no records files left: stopping");
	s->quit = true;
}

/*
 * One step of the first load (LOAD_STEP_LINES records); the last one
 * installs the database. Until then the listeners, opened from the gateway
 * lines alone, answer each query from what the files hold for it; once
 * SCAN_MAX queries were answered so, the rest of the load is one step.
 */
static void load_step(struct dns_server *s)
{
	struct dns_db db;
	/* each query answered from the files reads them: past SCAN_MAX, a stream of queries would starve the load */
	int r = dns_loader_step(&s->loader, s->scanned < SCAN_MAX ? LOAD_STEP_LINES : UINT32_MAX);

	if (r == 1)
		return;
	s->loading = false;
	db = s->next;
	dns_db_init(&s->next, 0);
	if (r < 0) {
		pn_err("reading records in %s: %s; answering from the files, loading again in %d ms",
		       s->opt.config_dir, strerror(-r), LOAD_RETRY_MS);
		dns_db_free(&db);
		s->reload_at = server_now(s) + LOAD_RETRY_MS;
		return;
	}
	if (install(s, &db, (int)db.n_nets) == 0)
		nothing_left(s);
}

static void reload_now(struct dns_server *s)
{
	s->reload_at = 0;
	if (reload(s) == 0)
		nothing_left(s);
}

/*
 * SIGHUP. A change that adds or removes a network (listeners to open or
 * close) is loaded at once: a new network's first container may ask at once.
 * A change of records only is loaded RELOAD_DEFER_MS later, so that the
 * command that signalled us exits before we take a CPU to re-read everything
 * (on a 2-CPU machine the woken server would otherwise often run on the
 * signaller's CPU first), and a burst of changes costs one reload.
 */
static void request_reload(struct dns_server *s)
{
	if (dns_db_networks_differ(&s->db, s->opt.config_dir)) {
		reload_now(s);
		return;
	}
	if (!s->reload_at)
		s->reload_at = server_now(s) + RELOAD_DEFER_MS;
}

/* ---- lifecycle ---- */

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n + page - 1) / page * page;
}

int dns_server_new(const struct dns_options *opts, int factory, struct dns_server **ret)
{
	size_t at_pending = page_round(sizeof(struct dns_server)),
	       at_conns = at_pending + page_round((size_t)PENDING_MAX * sizeof(struct pending)),
	       at_pend_buf = at_conns + page_round((size_t)opts->tcp_max * sizeof(struct tcp_conn)),
	       at_conn_buf = at_pend_buf + (size_t)PENDING_MAX * DNS_QUERY_MAX,
	       len = page_round(at_conn_buf + (size_t)opts->tcp_max * (2 * CONN_RBUF + CONN_WBUF));
	struct dns_server *s;
	uint8_t *map;

	/*
	 * The state and its pools (forwarding slots and buffers, TCP connections
	 * and buffers) in one anonymous mapping of zero pages, sized at start and
	 * touched as used. calloc() would map each pool apart and write a chunk
	 * header into it: a system call and a page fault apiece before the first
	 * answer.
	 */
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		if (factory >= 0)
			close(factory);
		return -ENOMEM;
	}
	s = (struct dns_server *)map;
	s->map_len = len;
	s->pending = (struct pending *)(map + at_pending);
	s->conns = (struct tcp_conn *)(map + at_conns);
	s->pend_buf = map + at_pend_buf;
	s->conn_buf = map + at_conn_buf;
	s->opt = *opts;
	s->epfd = s->sigfd = -1;
	s->in4 = s->in6 = s->probe4 = s->probe6 = -1;
	s->factory = factory;
	s->now_stale = true;
	dns_db_init(&s->db, 0);
	s->rnd_pos = sizeof(s->rnd);
	s->pend_head = s->pend_tail = -1;
	s->pend_free = -1;
	s->pend_fresh = 0;
	udp_batch_init(s);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		int r = -errno;

		dns_server_free(s);
		return r;
	}
	/* upstream sockets now, in H: a resolver on the host's loopback stays reachable */
	for (int i = 0; i < UPSTREAM_SOCKS; i++) {
		int fd4 = udp_recverr(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), AF_INET);
		int fd6 = udp_recverr(socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), AF_INET6);

		if (fd4 >= 0) {
			s->up4[s->n_up4] = fd4;
			ep_add(s, fd4, EPOLLIN, EV(EV_UP_UDP, s->n_up4));
			s->n_up4++;
		}
		if (fd6 >= 0) {
			s->up6[s->n_up6] = fd6;
			ep_add(s, fd6, EPOLLIN, EV(EV_UP_UDP, UP_V6 + s->n_up6));
			s->n_up6++;
		}
	}
	/* after the sockets: a link-local server's interface is looked up through one (host_if_index()) */
	load_defaults(s);
	*ret = s;
	return 0;
}

int dns_server_load(struct dns_server *s)
{
	struct dns_db nets;
	uint32_t seed = new_seed();
	int r;

	s->now_stale = true;
	/* the gateway lines open the listeners; the records follow in steps (load_step()) */
	dns_db_init(&nets, seed);
	r = dns_db_load_networks(&nets, s->opt.config_dir, &s->reload_buf);
	if (r < 0) {
		pn_err("reading records in %s: %s", s->opt.config_dir, strerror(-r));
		dns_db_free(&nets);
		return r;
	}
	if (r == 0) {
		dns_db_free(&nets);
		return 0;
	}
	if (listen_on(s, &nets) < 0)
		return -EADDRNOTAVAIL;
	dns_db_free(&s->db);
	s->db = nets;
	s->place_gen++;
	s->scanning = true;
	dns_db_init(&s->next, seed);
	if (dns_loader_start(&s->loader, &s->next, s->opt.config_dir, &s->reload_buf) < 0)
		return reload(s);
	s->loading = true;
	return r;
}

int dns_server_run(struct dns_server *s, int holder_pidfd)
{
	struct epoll_event ev[EPOLL_EVENTS];
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0 || (r = ep_add(s, s->sigfd, EPOLLIN, EV(EV_SIGNAL, 0))) < 0) {
		pn_err("signalfd: %s", strerror(errno));
		return -errno;
	}
	if (holder_pidfd >= 0 && (r = ep_add(s, holder_pidfd, EPOLLIN, EV(EV_HOLDER, 0))) < 0) {
		pn_err("watching the holder: %s", strerror(-r));
		return r;
	}
	while (!s->quit) {
		int timeout = -1, n;
		uint64_t next = UINT64_MAX;

		if (s->pend_head >= 0)
			next = s->pending[s->pend_head].deadline;
		if (s->reload_at && s->reload_at < next)
			next = s->reload_at;
		for (unsigned int i = 0; i < s->opt.tcp_max && s->n_conns; i++)
			if (s->conns[i].used && s->conns[i].deadline < next)
				next = s->conns[i].deadline;
		if (next != UINT64_MAX) {
			uint64_t t = now_ms();

			timeout = next > t ? (int)(next - t) + 1 : 0;
		}
		if (s->loading)
			timeout = 0; /* a look at the sockets between two steps */
		n = epoll_wait(s->epfd, ev, EPOLL_EVENTS, timeout);
		if (n < 0 && errno != EINTR) {
			pn_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		s->now_stale = true;
		for (int i = 0; i < n && !s->quit; i++) {
			uint32_t kind = (uint32_t)(ev[i].data.u64 >> 32) & 0xff, idx = (uint32_t)ev[i].data.u64,
				 gen = (uint32_t)(ev[i].data.u64 >> 40);

			switch (kind) {
			case EV_UDP:
				if (s->listeners[idx].used)
					udp_readable(s, (int)idx);
				break;
			case EV_TCP_LISTEN:
				if (s->listeners[idx].used)
					tcp_accept(s, (int)idx);
				break;
			case EV_TCP_CONN:
				if (s->conns[idx].used && (s->conns[idx].gen & 0xffffffu) == gen)
					conn_event(s, &s->conns[idx], ev[i].events);
				break;
			case EV_UP_TCP:
				if (s->conns[idx].used && s->conns[idx].up != UP_NONE &&
				    (s->conns[idx].up_gen & 0xffffffu) == gen)
					conn_up_event(s, &s->conns[idx], ev[i].events);
				break;
			case EV_UP_UDP:
				upstream_udp_readable(s, idx, ev[i].events);
				break;
			case EV_HOLDER:
				pn_info("the holder process exited: stopping");
				s->quit = true;
				break;
			case EV_SIGNAL: {
				struct signalfd_siginfo si;

				while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						request_reload(s);
					} else {
						pn_info("signal %u: stopping", si.ssi_signo);
						s->quit = true;
					}
				}
				break;
			}
			default:
				break;
			}
		}
		if (s->loading && !s->quit)
			load_step(s);
		if (s->reload_at && !s->quit && server_now(s) >= s->reload_at)
			reload_now(s);
		pending_timeouts(s);
		conn_timeouts(s);
	}
	return 0;
}

void dns_server_free(struct dns_server *s)
{
	if (!s)
		return;
	for (int li = 0; s->pending && s->conns && li < LISTENERS_MAX; li++)
		listener_close(s, li);
	for (unsigned int i = 0; s->conns && i < s->opt.tcp_max; i++)
		conn_close(s, &s->conns[i]);
	for (unsigned int i = 0; i < s->n_up4; i++)
		close(s->up4[i]);
	for (unsigned int i = 0; i < s->n_up6; i++)
		close(s->up6[i]);
	{
		const int inside[] = { s->in4, s->in6, s->probe4, s->probe6 };

		for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
			if (inside[i] >= 0)
				close(inside[i]);
	}
	if (s->factory >= 0)
		close(s->factory);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
	loading_stop(s);
	dns_db_free(&s->db);
	dns_db_free(&s->scan);
	dns_readbuf_free(&s->scan_buf);
	dns_readbuf_free(&s->reload_buf);
	munmap(s, s->map_len);
}
