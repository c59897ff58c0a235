// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of dns/server.c's event loop, run in a child process of the test on
 * 127.0.0.1, with the failures the kernel gives only now and then made
 * certain by the linker (-Wl,--wrap): an answer's destination that
 * sendmmsg() refuses in the middle of a batch, a forwarded query that our
 * socket cannot take (EAGAIN), a TCP forwarding socket that cannot be
 * created for one address family (IPv6 disabled on the host). The test is
 * the clients and the fake upstream servers (answers A 192.0.2.TAG).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileutil.h"
#include "hostsock.h"
#include "server.h"

/* ---- faults, set before the server's process is forked ---- */

static uint16_t poison_port;     /* sendmmsg(): an answer to this port fails with EINVAL */
static uint16_t eagain_port;     /* sendto(): a datagram to this port fails with EAGAIN ... */
static int eagain_left;          /* ... this many times */
static bool no_ipv6_stream;      /* hostsock_get(AF_INET6, SOCK_STREAM): EAFNOSUPPORT */

ssize_t __real_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen);
int __real_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags);
int __real_hostsock_get(int factory, int family, int type);
int __wrap_hostsock_get(int factory, int family, int type);

static uint16_t port_of(const struct sockaddr *sa)
{
	/* sin_port and sin6_port are at the same place */
	return sa ? ntohs(((const struct sockaddr_in *)sa)->sin_port) : 0;
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	if (eagain_port && port_of(to) == eagain_port && eagain_left > 0) {
		eagain_left--;
		errno = EAGAIN;
		return -1;
	}
	return __real_sendto(fd, buf, len, flags, to, tolen);
}

/* As the kernel does: the messages before the bad one are sent; it fails only when it is the first. */
int __wrap_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		if (poison_port && port_of(v[k].msg_hdr.msg_name) == poison_port)
			break;
	if (k == 0 && n > 0) {
		errno = EINVAL;
		return -1;
	}
	return __real_sendmmsg(fd, v, k, flags);
}

int __wrap_hostsock_get(int factory, int family, int type)
{
	if (no_ipv6_stream && family == AF_INET6 && type == SOCK_STREAM)
		return -EAFNOSUPPORT;
	return __real_hostsock_get(factory, family, type);
}

/* ---- the server, in a child process ---- */

static char dir[] = "/tmp/test_dns_server.XXXXXX";
static pid_t server_pid;
static uint16_t server_port;

static int bound_socket(int type, const char *addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* A port free for UDP and TCP on 127.0.0.1. */
static uint16_t free_port(void)
{
	for (int tries = 0; tries < 50; tries++) {
		int u = bound_socket(SOCK_DGRAM, "127.0.0.1", 0), t;
		uint16_t port = local_port(u);

		t = bound_socket(SOCK_STREAM, "127.0.0.1", port);
		close(u);
		if (t >= 0) {
			close(t);
			return port;
		}
	}
	fail_msg("no free port");
	return 0;
}

static void write_records(const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/net", dir);
	assert_int_equal(pn_write_atomic(path, text, strlen(text), 0600, 0), 0);
}

/* Start the server with upstream servers @ups (ADDR#PORT, NULL-terminated); faults as set now. */
static void server_start(const char *const *ups)
{
	struct dns_options opt = {
		.config_dir = dir,
		.resolv_conf = "/nonexistent/resolv.conf",
		.tcp_max = 8,
		.tcp_idle_ms = 5000,
		.upstream_timeout_ms = 300,
		.upstream_total_ms = 2000,
	};
	int ready[2];
	char c;

	for (; *ups; ups++)
		assert_int_equal(dns_addr_parse(*ups, strlen(*ups), &opt.fixed.addr[opt.fixed.count++]), 0);
	server_port = free_port();
	opt.port = server_port;
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		struct dns_server *s;
		sigset_t mask;

		close(ready[0]);
		sigemptyset(&mask);
		sigaddset(&mask, SIGHUP);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGINT);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		if (dns_server_new(&opt, -1, &s) < 0 || dns_server_load(s) <= 0)
			_exit(1);
		if (write(ready[1], "R", 1) != 1)
			_exit(1);
		close(ready[1]);
		_exit(dns_server_run(s, -1) < 0 ? 1 : 0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
}

static void server_stop(void)
{
	int status;

	if (server_pid <= 0)
		return;
	kill(server_pid, SIGCONT);
	kill(server_pid, SIGTERM);
	waitpid(server_pid, &status, 0);
	server_pid = 0;
	poison_port = eagain_port = 0;
	eagain_left = 0;
	no_ipv6_stream = false;
}

/* ---- DNS messages ---- */

static size_t make_query(uint8_t *pkt, uint16_t id, const char *name)
{
	size_t off = 12;

	memset(pkt, 0, 12);
	pkt[0] = (uint8_t)(id >> 8);
	pkt[1] = (uint8_t)id;
	pkt[2] = 0x01; /* RD */
	pkt[5] = 1;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		pkt[off++] = (uint8_t)n;
		memcpy(pkt + off, p, n);
		off += n;
		p += n + (dot ? 1 : 0);
	}
	pkt[off++] = 0;
	memcpy(pkt + off, "\0\1\0\1", 4);
	return off + 4;
}

/* The answer of an upstream tagged @tag to @q: A 192.0.2.TAG. Return: its length. */
static size_t make_answer(const uint8_t *q, size_t qlen, uint8_t tag, uint8_t *out)
{
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2 };

	memcpy(out, q, qlen);
	out[2] = 0x81;
	out[3] = 0x80;
	out[7] = 1;
	memcpy(out + qlen, rr, sizeof(rr));
	out[qlen + sizeof(rr)] = tag;
	return qlen + sizeof(rr) + 1;
}

/* An answer's rcode and the last byte of its first A record (0: none). */
static int answer_rcode(const uint8_t *a, size_t len)
{
	return len >= 12 ? a[3] & 0xf : -1;
}

static int answer_last_byte(const uint8_t *a, size_t len)
{
	return len >= 16 && a[7] >= 1 && a[len - 6] == 0 && a[len - 5] == 4 ? a[len - 1] : 0;
}

/* ---- fake upstream servers and the loop that serves them while a client waits ---- */

struct fake {
	int udp, tcp;
	uint16_t port;
	char addr[32];             /* "127.0.0.1#PORT", as server_start() takes it */
	uint8_t tag;
	unsigned int udp_queries, tcp_queries;
	int delay_ms;              /* answer this late (one held query per transport) */
	uint8_t rcode;             /* answer with this rcode and no record (0: the A record) */
	struct {
		uint64_t due;      /* 0: nothing held */
		uint8_t a[1100];
		size_t len;
		int conn;          /* TCP: the connection to answer on, else -1 */
		struct sockaddr_storage to;
		socklen_t tolen;
	} held[2];
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Send the answers held by a slow fake whose time has come. */
static void fake_tick(struct fake *f)
{
	for (int t = 0; t < 2; t++) {
		if (!f->held[t].due || f->held[t].due > now_ms())
			continue;
		if (f->held[t].conn >= 0) {
			send(f->held[t].conn, f->held[t].a, f->held[t].len, MSG_NOSIGNAL);
			close(f->held[t].conn);
		} else {
			__real_sendto(f->udp, f->held[t].a, f->held[t].len, 0, (struct sockaddr *)&f->held[t].to,
				      f->held[t].tolen);
		}
		f->held[t].due = 0;
	}
}

/* Answer @a (@n bytes) now, or hold it when the fake is slow. Return: true when held. */
static bool fake_hold(struct fake *f, bool tcp, const uint8_t *a, size_t n, int conn,
		      const struct sockaddr_storage *to, socklen_t tolen)
{
	if (!f->delay_ms)
		return false;
	assert_int_equal(f->held[tcp].due, 0);
	memcpy(f->held[tcp].a, a, n);
	f->held[tcp].len = n;
	f->held[tcp].conn = conn;
	if (to)
		memcpy(&f->held[tcp].to, to, tolen);
	f->held[tcp].tolen = tolen;
	f->held[tcp].due = now_ms() + (uint64_t)f->delay_ms;
	return true;
}

/* @f's answer to query @q: its A record, or its rcode with no record */
static size_t fake_answer(const struct fake *f, const uint8_t *q, size_t qlen, uint8_t *out)
{
	size_t n = make_answer(q, qlen, f->tag, out);

	if (!f->rcode)
		return n;
	out[3] = (uint8_t)(0x80 | f->rcode);
	out[7] = 0;
	return qlen;
}

static void fake_start(struct fake *f, uint8_t tag)
{
	memset(f, 0, sizeof(*f));
	f->tag = tag;
	f->port = free_port();
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1#%u", f->port);
	f->udp = bound_socket(SOCK_DGRAM, "127.0.0.1", f->port);
	f->tcp = bound_socket(SOCK_STREAM, "127.0.0.1", f->port);
	assert_true(f->udp >= 0 && f->tcp >= 0);
	assert_int_equal(listen(f->tcp, 8), 0);
}

static void fake_stop(struct fake *f)
{
	close(f->udp);
	close(f->tcp);
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 2000) != 1)
			return false;
		n = recv(fd, buf + off, len - off, 0);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

static void fake_serve(struct fake *f, bool tcp)
{
	uint8_t q[1024], a[1100];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	size_t n;

	if (!tcp) {
		ssize_t r = recvfrom(f->udp, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);

		if (r < 12)
			return;
		f->udp_queries++;
		n = fake_answer(f, q, (size_t)r, a);
		if (!fake_hold(f, false, a, n, -1, &from, fl))
			__real_sendto(f->udp, a, n, 0, (struct sockaddr *)&from, fl);
		return;
	}
	{
		int c = accept4(f->tcp, NULL, NULL, SOCK_CLOEXEC);
		uint8_t hdr[2];
		size_t qlen;

		if (c < 0)
			return;
		if (!read_full(c, hdr, 2)) {
			close(c);
			return;
		}
		qlen = (size_t)hdr[0] << 8 | hdr[1];
		if (qlen >= 12 && qlen <= sizeof(q) && read_full(c, q, qlen)) {
			f->tcp_queries++;
			n = fake_answer(f, q, qlen, a + 2);
			a[0] = (uint8_t)(n >> 8);
			a[1] = (uint8_t)n;
			if (fake_hold(f, true, a, n + 2, c, NULL, 0))
				return;
			send(c, a, n + 2, MSG_NOSIGNAL);
		}
		close(c);
	}
}

/*
 * Serve @fakes until each of the @n client sockets got an answer (UDP:
 * one datagram; TCP (@tcp): one length-prefixed message) or @ms pass.
 * Return: how many clients got one; lens[i] (0: none) and the answers in ans[i].
 */
static int pump(struct fake *fakes, int n_fakes, const int *clients, int n, bool tcp, int ms,
		uint8_t (*ans)[1100], size_t *lens)
{
	struct pollfd p[16];
	int got = 0;

	for (int i = 0; i < n; i++)
		lens[i] = 0;
	for (int waited = 0; got < n && waited < ms; waited += 10) {
		int np = 0;

		for (int i = 0; i < n_fakes; i++) {
			p[np++] = (struct pollfd){ .fd = fakes[i].udp, .events = POLLIN };
			p[np++] = (struct pollfd){ .fd = fakes[i].tcp, .events = POLLIN };
		}
		for (int i = 0; i < n; i++)
			p[np++] = (struct pollfd){ .fd = lens[i] ? -1 : clients[i], .events = POLLIN };
		for (int i = 0; i < n_fakes; i++)
			fake_tick(&fakes[i]);
		if (poll(p, (nfds_t)np, 10) <= 0)
			continue;
		for (int i = 0; i < n_fakes; i++) {
			if (p[2 * i].revents & POLLIN)
				fake_serve(&fakes[i], false);
			if (p[2 * i + 1].revents & POLLIN)
				fake_serve(&fakes[i], true);
		}
		for (int i = 0; i < n; i++) {
			if (!(p[2 * n_fakes + i].revents & POLLIN))
				continue;
			if (tcp) {
				uint8_t hdr[2] = { 0, 0 };
				size_t len;

				if (!read_full(clients[i], hdr, 2))
					fail_msg("TCP connection closed without an answer");
				len = (size_t)hdr[0] << 8 | hdr[1];
				if (len > 1100 || !read_full(clients[i], ans[i], len))
					fail_msg("TCP answer cut");
				lens[i] = len;
			} else {
				ssize_t r = recv(clients[i], ans[i], 1100, MSG_DONTWAIT);

				if (r <= 0)
					continue;
				lens[i] = (size_t)r;
			}
			got++;
		}
	}
	return got;
}

static int udp_client(const char *addr)
{
	int fd = bound_socket(SOCK_DGRAM, addr, 0);

	assert_true(fd >= 0);
	return fd;
}

static void udp_ask(int fd, uint16_t id, const char *name)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(server_port) };
	uint8_t q[512];
	size_t len = make_query(q, id, name);

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(__real_sendto(fd, q, len, 0, (struct sockaddr *)&sin, sizeof(sin)), (ssize_t)len);
}

static int tcp_ask(uint16_t id, const char *name)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(server_port) };
	uint8_t q[514];
	size_t len = make_query(q + 2, id, name);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	q[0] = (uint8_t)(len >> 8);
	q[1] = (uint8_t)len;
	assert_int_equal(send(fd, q, len + 2, MSG_NOSIGNAL), (ssize_t)(len + 2));
	return fd;
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	server_stop();
	pn_rm_rf(dir);
	return 0;
}

static int after_each(void **state)
{
	(void)state;
	server_stop();
	return 0;
}

/*
 * One batch of UDP answers where the middle one cannot be sent (its
 * destination is refused): the answers after it still go out. Before,
 * sendmmsg() stopped at it, the loop gave up, and every later answer of
 * the batch was lost.
 */
static void test_batch_bad_destination(void **state)
{
	uint8_t ans[3][1100];
	size_t lens[3];
	int c[3];

	(void)state;
	write_records("127.0.0.1\naaaa 127.0.0.2  web\n");
	for (int i = 0; i < 3; i++)
		c[i] = udp_client("127.0.0.1");
	poison_port = local_port(c[1]);
	server_start((const char *const[]){ NULL });
	/* the server answers: it is idle in its loop now */
	udp_ask(c[0], 1, "web");
	assert_int_equal(pump(NULL, 0, &c[0], 1, false, 2000, ans, lens), 1);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 2);
	/* three queries while it is stopped: one batch at once when it goes on */
	assert_int_equal(kill(server_pid, SIGSTOP), 0);
	assert_int_equal(waitpid(server_pid, NULL, WUNTRACED), server_pid);
	udp_ask(c[0], 2, "web");
	udp_ask(c[1], 3, "web");
	udp_ask(c[2], 4, "web");
	assert_int_equal(kill(server_pid, SIGCONT), 0);
	pump(NULL, 0, c, 3, false, 1000, ans, lens);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 2);
	assert_int_equal(lens[1], 0);
	assert_true(lens[2] > 0); /* the answer after the refused one */
	assert_int_equal(answer_last_byte(ans[2], lens[2]), 2);
	for (int i = 0; i < 3; i++)
		close(c[i]);
}

/*
 * A forwarded query our socket could not take (EAGAIN) is sent again at the
 * timeout to the same server, which is not marked down: it answers, and the
 * next query goes to it at once. Before, the datagram was never sent, the
 * server was marked down for 30 s and the next one answered.
 */
static void test_unsent_query_resent(void **state)
{
	struct fake f[2];
	uint8_t ans[1][1100];
	size_t lens[1];
	int c;

	(void)state;
	write_records("127.0.0.1\n");
	fake_start(&f[0], 1);
	fake_start(&f[1], 2);
	eagain_port = f[0].port;
	eagain_left = 1;
	server_start((const char *const[]){ f[0].addr, f[1].addr, NULL });
	c = udp_client("127.0.0.1");
	udp_ask(c, 1, "first.example");
	assert_int_equal(pump(f, 2, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 1); /* the first server, after the resend */
	assert_int_equal(f[0].udp_queries, 1);
	assert_int_equal(f[1].udp_queries, 0);
	udp_ask(c, 2, "second.example");
	assert_int_equal(pump(f, 2, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 1); /* still the first: not marked down */
	assert_int_equal(f[1].udp_queries, 0);
	close(c);
	fake_stop(&f[0]);
	fake_stop(&f[1]);
}

/*
 * TCP forwarding when no socket can be made for the first server (IPv6
 * disabled on the host): the next server is asked. Before, the client got
 * SERVFAIL though a server was left.
 */
static void test_tcp_no_socket_next_server(void **state)
{
	struct fake f;
	uint8_t ans[1][1100];
	size_t lens[1];
	int c;

	(void)state;
	write_records("127.0.0.1\n");
	fake_start(&f, 3);
	no_ipv6_stream = true;
	server_start((const char *const[]){ "::1#9", f.addr, NULL });
	c = tcp_ask(1, "over.tcp.example");
	assert_int_equal(pump(&f, 1, &c, 1, true, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 3);
	assert_int_equal(f.tcp_queries, 1);
	close(c);
	fake_stop(&f);
}

/*
 * A container's own server that a records line holds (a DNS container on a
 * podnet network) is asked from the sockets made after joining I, over UDP
 * and TCP, and its replies are taken there. (Here I is the test's own
 * namespace: this checks the plumbing; t-dns-upstream.sh the namespaces.)
 */
static void test_own_server_on_network(void **state)
{
	char text[256];
	struct fake f;
	uint8_t ans[1][1100];
	size_t lens[1];
	int c;

	(void)state;
	fake_start(&f, 4);
	snprintf(text, sizeof(text), "127.0.0.1\naaaa 127.0.0.2  web 127.0.0.1#%u\nbbbb 127.0.0.1  dnsctr\n", f.port);
	write_records(text);
	server_start((const char *const[]){ "127.0.0.1#9", NULL });
	c = udp_client("127.0.0.2");
	udp_ask(c, 1, "own.example");
	assert_int_equal(pump(&f, 1, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 4);
	assert_int_equal(f.udp_queries, 1);
	close(c);
	fake_stop(&f);
}

/*
 * An upstream that answers after its timeout (700 ms against 300): over UDP,
 * the late answer is taken although a second server was asked meanwhile;
 * over TCP, the last server is waited for until the total budget. Before,
 * both gave SERVFAIL at the timeout and dropped the late answer.
 */
static void test_slow_upstream_waited_for(void **state)
{
	struct fake f[2];
	uint8_t ans[1][1100];
	size_t lens[1];
	uint64_t t0;
	int c;

	(void)state;
	write_records("127.0.0.1\n");
	fake_start(&f[0], 5);
	fake_start(&f[1], 6);
	f[0].delay_ms = 700;
	f[1].delay_ms = 100000; /* never within the test: a dead second server */
	server_start((const char *const[]){ f[0].addr, f[1].addr, NULL });
	c = udp_client("127.0.0.1");
	t0 = now_ms();
	udp_ask(c, 1, "slow.example");
	assert_int_equal(pump(f, 2, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 5);
	assert_true(now_ms() - t0 >= 650);
	assert_int_equal(f[1].udp_queries, 1); /* asked at the first one's timeout */
	close(c);
	f[1].held[0].due = 0;
	server_stop();

	/* TCP, one slow server */
	server_start((const char *const[]){ f[0].addr, NULL });
	c = tcp_ask(2, "slow.tcp.example");
	assert_int_equal(pump(f, 1, &c, 1, true, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 5);
	close(c);
	fake_stop(&f[0]);
	fake_stop(&f[1]);
}

/* No server answers at all: SERVFAIL once the total budget is spent, not before. */
static void test_total_budget_then_servfail(void **state)
{
	struct fake f;
	uint8_t ans[1][1100];
	size_t lens[1];
	uint64_t t0, ms;
	int c;

	(void)state;
	write_records("127.0.0.1\n");
	fake_start(&f, 7);
	f.delay_ms = 100000;
	server_start((const char *const[]){ f.addr, NULL });
	c = udp_client("127.0.0.1");
	t0 = now_ms();
	udp_ask(c, 1, "dead.example");
	assert_int_equal(pump(&f, 1, &c, 1, false, 4000, ans, lens), 1);
	ms = now_ms() - t0;
	assert_int_equal(answer_rcode(ans[0], lens[0]), 2);
	assert_true(ms >= 1900 && ms < 3000);
	close(c);
	f.held[0].due = 0;
	fake_stop(&f);
}

/*
 * A server whose port is closed (a resolver that is not running) answers
 * with ICMP port unreachable: the next server is asked at once, and with
 * none left the client gets SERVFAIL at once. Before, each waited for the
 * timeout (300 ms here) and, since the total budget, for the budget (2 s).
 */
static void test_refused_server_given_up_at_once(void **state)
{
	struct fake f;
	char dead[32];
	uint8_t ans[1][1100];
	size_t lens[1];
	uint64_t t0;
	int c;

	(void)state;
	write_records("127.0.0.1\n");
	fake_start(&f, 8);
	snprintf(dead, sizeof(dead), "127.0.0.1#%u", free_port()); /* nothing listens there */
	server_start((const char *const[]){ dead, f.addr, NULL });
	c = udp_client("127.0.0.1");
	t0 = now_ms();
	udp_ask(c, 1, "refused.example");
	assert_int_equal(pump(&f, 1, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 8);
	assert_true(now_ms() - t0 < 250);
	close(c);
	server_stop();

	server_start((const char *const[]){ dead, NULL });
	c = udp_client("127.0.0.1");
	t0 = now_ms();
	udp_ask(c, 2, "nobody.example");
	assert_int_equal(pump(&f, 1, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 2);
	assert_true(now_ms() - t0 < 250);
	/* the socket that got the error still forwards the next query (to the refused server: SERVFAIL again, at once) */
	udp_ask(c, 3, "again.example");
	assert_int_equal(pump(&f, 1, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 2);
	close(c);
	fake_stop(&f);
}

/*
 * A query lingering for a late answer (its only server is dead) does not
 * hold up another query's failover: the deadline list stays sorted. Before,
 * the second query's next attempt was appended behind the lingering one and
 * taken only when that one ended (about 1.6 s instead of 0.3 s here).
 */
static void test_linger_does_not_delay_others(void **state)
{
	struct fake f[3];
	char text[256];
	uint8_t ans[2][1100];
	size_t lens[2];
	uint64_t t0;
	int c[2];

	(void)state;
	for (int k = 0; k < 3; k++)
		fake_start(&f[k], (uint8_t)(10 + k));
	f[0].delay_ms = f[1].delay_ms = 100000; /* dead */
	/* 127.0.0.2's own server is d1; the defaults are d2, then the live one */
	snprintf(text, sizeof(text), "127.0.0.1\naaaa 127.0.0.2  web %s\n", f[0].addr);
	write_records(text);
	server_start((const char *const[]){ f[1].addr, f[2].addr, NULL });
	c[0] = udp_client("127.0.0.2");
	c[1] = udp_client("127.0.0.1");
	udp_ask(c[0], 1, "lingers.example");
	assert_int_equal(pump(f, 3, &c[0], 1, false, 400, ans, lens), 0); /* d1 timed out: it lingers */
	t0 = now_ms();
	udp_ask(c[1], 2, "fails.over.example");
	assert_int_equal(pump(f, 3, &c[1], 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 12);
	assert_true(now_ms() - t0 < 650);
	for (int k = 0; k < 3; k++) {
		f[k].held[0].due = 0;
		fake_stop(&f[k]);
	}
	close(c[0]);
	close(c[1]);
}

/*
 * [slow, refusing]: the second server's REFUSED comes while the first may
 * still answer; the first one's late answer is relayed. Before, REFUSED was
 * relayed at once and the answer dropped.
 */
static void test_refusal_waits_for_slow_server(void **state)
{
	struct fake f[2];
	uint8_t ans[1][1100];
	size_t lens[1];
	int c;

	(void)state;
	write_records("127.0.0.1\n");
	fake_start(&f[0], 20);
	fake_start(&f[1], 21);
	f[0].delay_ms = 700;
	f[1].rcode = 5; /* REFUSED */
	server_start((const char *const[]){ f[0].addr, f[1].addr, NULL });
	c = udp_client("127.0.0.1");
	udp_ask(c, 1, "slow.then.refused.example");
	assert_int_equal(pump(f, 2, &c, 1, false, 3000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 0);
	assert_int_equal(answer_last_byte(ans[0], lens[0]), 20);
	assert_int_equal(f[1].udp_queries, 1);
	close(c);
	server_stop();
	/* the refusing server alone: its REFUSED is relayed, at once */
	server_start((const char *const[]){ f[1].addr, NULL });
	c = udp_client("127.0.0.1");
	udp_ask(c, 2, "refused.example");
	assert_int_equal(pump(f, 2, &c, 1, false, 1000, ans, lens), 1);
	assert_int_equal(answer_rcode(ans[0], lens[0]), 5);
	close(c);
	fake_stop(&f[0]);
	fake_stop(&f[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_batch_bad_destination, after_each),
		cmocka_unit_test_teardown(test_unsent_query_resent, after_each),
		cmocka_unit_test_teardown(test_tcp_no_socket_next_server, after_each),
		cmocka_unit_test_teardown(test_own_server_on_network, after_each),
		cmocka_unit_test_teardown(test_slow_upstream_waited_for, after_each),
		cmocka_unit_test_teardown(test_total_budget_then_servfail, after_each),
		cmocka_unit_test_teardown(test_refused_server_given_up_at_once, after_each),
		cmocka_unit_test_teardown(test_linger_does_not_delay_others, after_each),
		cmocka_unit_test_teardown(test_refusal_waits_for_slow_server, after_each),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
