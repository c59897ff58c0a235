// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP DNS load generator for bench/dns.sh: saturation queries/s of a server,
 * beyond what one dnsperf process can offer on one core.
 *
 *   dns-flood -s SERVER -p PORT -a SOURCE -d FILE -e RCODE [-l SECONDS]
 *             [-w WINDOW] [-n SOCKETS]
 *
 * FILE holds dnsperf-style lines ("NAME TYPE", TYPE one of A, AAAA, PTR,
 * ANY), sent in turn, round and round. SOCKETS connected UDP sockets (bound to
 * SOURCE) each keep WINDOW/SOCKETS queries outstanding: answers are read with
 * recvmmsg and the window is refilled with sendmmsg, so the server always has
 * work queued and the generator never waits on one answer at a time.
 *
 * An answer counts only when it matches an outstanding query: its id (ids run
 * in sequence per socket), QR set, the question echoed byte for byte, the
 * expected RCODE (NOERROR also needs at least one answer record). Anything
 * else is counted as bad. A query unanswered after 200 ms gives its window
 * slot to a new query and counts as lost, unless its answer still comes
 * (then it counts as answered and late: a slow server is slow, not lossy).
 * The run stops by itself after SECONDS (2).
 *
 * Prints one line:
 *   answered N qps Q sent S lost L bad B late T inflight I seconds E
 * where qps = answers that counted, received before the end, / E.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SOCKS_MAX 16
#define BATCH 64
#define QUERY_LEN_MAX 300
#define ANSWER_LEN_MAX 1500
#define LOST_NS 200000000ull

struct query {
	uint16_t len;
	uint8_t pkt[QUERY_LEN_MAX];
};

enum slot_state { SLOT_FREE, SLOT_WAITING, SLOT_OVERDUE };

struct slot {
	uint32_t query;    /* index into queries */
	uint64_t sent_ns;
	uint8_t state;
};

struct flood_sock {
	int fd;
	uint32_t lo, hi;   /* sequence numbers: [lo, hi) sent, not yet retired */
	struct slot slots[65536];
};

static struct query *queries;
static size_t n_queries, next_query;
static struct flood_sock *socks;
static uint8_t rx[BATCH][ANSWER_LEN_MAX];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int qtype_of(const char *s)
{
	static const struct { const char *name; int type; } types[] = {
		{ "A", 1 }, { "AAAA", 28 }, { "PTR", 12 }, { "ANY", 255 }, { "TXT", 16 }, { "MX", 15 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	return -1;
}

/* "NAME TYPE" into a query packet (id filled at send time). Return: 0 or -1. */
static int build_query(const char *name, const char *type, struct query *q)
{
	size_t off = 12, start = 0, nlen = strlen(name);
	int t = qtype_of(type);

	if (t < 0 || nlen == 0 || nlen > 253)
		return -1;
	memset(q->pkt, 0, 12);
	q->pkt[2] = 0x01; /* RD */
	q->pkt[5] = 1;    /* QDCOUNT */
	if (name[nlen - 1] == '.')
		nlen--;
	for (size_t i = 0; i <= nlen; i++) {
		if (i == nlen || name[i] == '.') {
			size_t l = i - start;

			if (l == 0 || l > 63)
				return -1;
			q->pkt[off++] = (uint8_t)l;
			memcpy(q->pkt + off, name + start, l);
			off += l;
			start = i + 1;
		}
	}
	q->pkt[off++] = 0;
	q->pkt[off++] = (uint8_t)(t >> 8);
	q->pkt[off++] = (uint8_t)t;
	q->pkt[off++] = 0;
	q->pkt[off++] = 1; /* IN */
	q->len = (uint16_t)off;
	return 0;
}

static int load_queries(const char *path)
{
	char line[512], name[300], type[16];
	size_t cap = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%299s %15s", name, type) != 2)
			continue;
		if (n_queries == cap) {
			cap = cap ? cap * 2 : 1024;
			queries = realloc(queries, cap * sizeof(*queries));
			if (!queries)
				return -1;
		}
		if (build_query(name, type, &queries[n_queries]) == 0)
			n_queries++;
	}
	fclose(f);
	return n_queries ? 0 : -1;
}

static int rcode_of(const char *s)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED" };

	for (int i = 0; i < 6; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	return -1;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *source = NULL, *file = NULL;
	unsigned long window = 128, nsocks = 4, port = 53;
	double seconds = 2;
	int expect = -1, o;
	uint64_t answered = 0, sent = 0, lost = 0, bad = 0, late = 0, inflight = 0, t0, t_end, t_stop;
	struct sockaddr_in dst = { .sin_family = AF_INET }, src = { .sin_family = AF_INET };
	unsigned int per_sock;

	while ((o = getopt(argc, argv, "s:p:a:d:e:l:w:n:")) != -1) {
		switch (o) {
		case 's': server = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 10); break;
		case 'a': source = optarg; break;
		case 'd': file = optarg; break;
		case 'e': expect = rcode_of(optarg); break;
		case 'l': seconds = strtod(optarg, NULL); break;
		case 'w': window = strtoul(optarg, NULL, 10); break;
		case 'n': nsocks = strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (!server || !file || expect < 0 || nsocks == 0 || nsocks > SOCKS_MAX || window < nsocks ||
	    window / nsocks > 4096 || seconds <= 0 || seconds > 60 || port == 0 || port > 65535 ||
	    inet_pton(AF_INET, server, &dst.sin_addr) != 1 ||
	    (source && inet_pton(AF_INET, source, &src.sin_addr) != 1))
		goto usage;
	dst.sin_port = htons((uint16_t)port);
	if (load_queries(file) < 0) {
		fprintf(stderr, "dns-flood: no queries in %s\n", file);
		return 1;
	}
	socks = calloc(nsocks, sizeof(*socks));
	if (!socks)
		return 1;
	per_sock = (unsigned int)(window / nsocks);
	for (unsigned long i = 0; i < nsocks; i++) {
		int buf = 1 << 20;

		socks[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (socks[i].fd < 0 ||
		    setsockopt(socks[i].fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0 ||
		    (source && bind(socks[i].fd, (struct sockaddr *)&src, sizeof(src)) < 0) ||
		    connect(socks[i].fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("dns-flood: socket");
			return 1;
		}
	}

	t0 = now_ns();
	t_end = t0 + (uint64_t)(seconds * 1e9);
	for (;;) {
		bool progress = false;
		uint64_t now = now_ns();

		if (now >= t_end)
			break;
		for (unsigned long si = 0; si < nsocks; si++) {
			struct flood_sock *fs = &socks[si];
			struct mmsghdr msg[BATCH];
			struct iovec iov[BATCH];
			int n;

			/* answers */
			for (int i = 0; i < BATCH; i++) {
				iov[i].iov_base = rx[i];
				iov[i].iov_len = sizeof(rx[i]);
				memset(&msg[i].msg_hdr, 0, sizeof(msg[i].msg_hdr));
				msg[i].msg_hdr.msg_iov = &iov[i];
				msg[i].msg_hdr.msg_iovlen = 1;
			}
			n = recvmmsg(fs->fd, msg, BATCH, MSG_DONTWAIT, NULL);
			for (int i = 0; i < n; i++) {
				const uint8_t *a = rx[i];
				size_t len = msg[i].msg_len;
				struct slot *sl;
				const struct query *q;
				bool ok;

				progress = true;
				if (len < 12) {
					bad++;
					continue;
				}
				sl = &fs->slots[a[0] << 8 | a[1]];
				if (sl->state == SLOT_FREE) {
					bad++; /* never sent, or answered twice */
					continue;
				}
				if (sl->state == SLOT_OVERDUE) {
					late++;
					lost--;
				}
				q = &queries[sl->query];
				sl->state = SLOT_FREE;
				ok = (a[2] & 0x80) && len >= q->len &&
				     memcmp(a + 12, q->pkt + 12, q->len - 12u) == 0 && (a[3] & 0xf) == expect &&
				     a[4] == 0 && a[5] == 1 && (expect != 0 || (a[6] << 8 | a[7]) > 0);
				if (ok)
					answered++;
				else
					bad++;
			}
			/* retire answered and lost queries at the bottom of the window */
			while (fs->lo != fs->hi) {
				struct slot *sl = &fs->slots[fs->lo & 0xffff];

				if (sl->state == SLOT_WAITING) {
					if (now - sl->sent_ns < LOST_NS)
						break;
					sl->state = SLOT_OVERDUE;
					lost++;
				}
				fs->lo++;
			}
			/* refill */
			while (fs->hi - fs->lo < per_sock) {
				unsigned int k = 0;

				while (k < BATCH && fs->hi + k - fs->lo < per_sock) {
					uint32_t seq = fs->hi + k;
					struct slot *sl = &fs->slots[seq & 0xffff];
					struct query *q = &queries[next_query];

					sl->query = (uint32_t)next_query;
					sl->sent_ns = now;
					sl->state = SLOT_WAITING;
					if (++next_query == n_queries)
						next_query = 0;
					/* the packet is sent from a copy: the template keeps no id */
					memcpy(rx[k], q->pkt, q->len);
					rx[k][0] = (uint8_t)(seq >> 8);
					rx[k][1] = (uint8_t)seq;
					iov[k].iov_base = rx[k];
					iov[k].iov_len = q->len;
					memset(&msg[k].msg_hdr, 0, sizeof(msg[k].msg_hdr));
					msg[k].msg_hdr.msg_iov = &iov[k];
					msg[k].msg_hdr.msg_iovlen = 1;
					k++;
				}
				n = sendmmsg(fs->fd, msg, k, MSG_DONTWAIT);
				if (n <= 0) {
					/* not sent: forget the slots again */
					for (unsigned int i = 0; i < k; i++)
						fs->slots[(fs->hi + i) & 0xffff].state = SLOT_FREE;
					break;
				}
				for (unsigned int i = (unsigned int)n; i < k; i++)
					fs->slots[(fs->hi + i) & 0xffff].state = SLOT_FREE;
				fs->hi += (uint32_t)n;
				sent += (uint64_t)n;
				progress = true;
			}
		}
		if (!progress) {
			struct pollfd pfd[SOCKS_MAX];
			struct timespec ts = { 0, 1000000 };

			for (unsigned long i = 0; i < nsocks; i++)
				pfd[i] = (struct pollfd){ .fd = socks[i].fd, .events = POLLIN };
			ppoll(pfd, nsocks, &ts, NULL);
		}
	}
	t_stop = now_ns();
	for (unsigned long si = 0; si < nsocks; si++)
		for (uint32_t s = socks[si].lo; s != socks[si].hi; s++)
			if (socks[si].slots[s & 0xffff].state == SLOT_WAITING)
				inflight++; /* the window at the end: neither answered nor lost */
	printf("answered %llu qps %.0f sent %llu lost %llu bad %llu late %llu inflight %llu seconds %.3f\n",
	       (unsigned long long)answered, answered / ((t_stop - t0) / 1e9), (unsigned long long)sent,
	       (unsigned long long)lost, (unsigned long long)bad, (unsigned long long)late,
	       (unsigned long long)inflight, (t_stop - t0) / 1e9);
	return 0;
usage:
	fprintf(stderr, "usage: dns-flood -s SERVER -p PORT -a SOURCE -d FILE -e RCODE [-l SECONDS] "
			"[-w WINDOW] [-n SOCKETS]\n");
	return 2;
}
