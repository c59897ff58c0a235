// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * common/pipes.c: pipes start small, grow on bulk, and keep within their
 * budget; pn_splice_urgent() carries a TCP stream past an urgent byte.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KIB 1024u

static size_t kernel_size(int w)
{
	return (size_t)fcntl(w, F_GETPIPE_SZ);
}

static void test_start_small(void **state)
{
	struct pn_pipes pp;
	int r, w;
	size_t cap;

	(void)state;
	pn_pipes_init(&pp, 1024 * KIB);
	assert_int_equal(pn_pipe_open(&pp, &r, &w, &cap), 0);
	assert_int_equal(cap, 16 * KIB);
	assert_int_equal(kernel_size(w), cap);
	assert_int_equal(pp.used, 4);
	assert_true(fcntl(r, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(w, F_GETFD) & FD_CLOEXEC);
	pn_pipe_close(&pp, r, w, cap);
	assert_int_equal(pp.used, 0);
}

static void test_grow_on_bulk_only(void **state)
{
	struct pn_pipes pp;
	int r, w;
	size_t cap;

	(void)state;
	pn_pipes_init(&pp, 256 * KIB);
	pn_pipes_set_limit(&pp, 1000);
	assert_int_equal(pn_pipe_open(&pp, &r, &w, &cap), 0);
	/* small messages: no growth */
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 1), cap);
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 4095), cap);
	/* 4 KiB in one splice: bulk */
	cap = pn_pipe_grow(&pp, w, cap, 4096);
	assert_int_equal(cap, 256 * KIB);
	assert_int_equal(kernel_size(w), cap);
	assert_int_equal(pp.used, 64);
	/* at the large size it stays */
	assert_int_equal(pn_pipe_grow(&pp, w, cap, cap), cap);
	/* back to a new pipe's size for a pool */
	cap = pn_pipe_shrink(&pp, w, cap);
	assert_int_equal(cap, 16 * KIB);
	assert_int_equal(kernel_size(w), cap);
	assert_int_equal(pp.used, 4);
	pn_pipe_close(&pp, r, w, cap);
	assert_int_equal(pp.used, 0);
	/* a one-page pipe (tight budget) grows at half of it */
	pn_pipes_set_limit(&pp, 3);
	assert_int_equal(pn_pipe_open(&pp, &r, &w, &cap), 0);
	assert_int_equal(cap, 4 * KIB);
	pn_pipes_set_limit(&pp, 1000);
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 2047), cap);
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 2048), 256 * KIB);
	pn_pipe_close(&pp, r, w, 256 * KIB);
	assert_int_equal(pp.used, 0);
}

static void test_budget(void **state)
{
	struct pn_pipes pp;
	int r[3], w[3];
	size_t cap[3];

	(void)state;
	pn_pipes_init(&pp, 1024 * KIB);
	/* room for one 1 MiB pipe (256 pages) and a little */
	pn_pipes_set_limit(&pp, 256 + 4 + 4 + 16);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pn_pipe_open(&pp, &r[i], &w[i], &cap[i]), 0);
	assert_int_equal(pp.used, 12);
	cap[0] = pn_pipe_grow(&pp, w[0], cap[0], 8 * KIB);
	assert_int_equal(cap[0], 1024 * KIB);
	/* the next one does not fit at 1 MiB: the kernel's default size */
	cap[1] = pn_pipe_grow(&pp, w[1], cap[1], 8 * KIB);
	assert_int_equal(cap[1], 64 * KIB);
	assert_int_equal(kernel_size(w[1]), 64 * KIB);
	/* and the third not at all */
	assert_int_equal(pn_pipe_grow(&pp, w[2], cap[2], 8 * KIB), cap[2]);
	assert_true(pp.used <= 256 + 4 + 4 + 16);
	/* a new pipe past the start budget gets one page */
	{
		int r4, w4;
		size_t c4;

		pn_pipes_set_limit(&pp, pp.used + 2);
		assert_int_equal(pn_pipe_open(&pp, &r4, &w4, &c4), 0);
		assert_int_equal(c4, 4 * KIB);
		pn_pipe_close(&pp, r4, w4, c4);
		pn_pipes_set_limit(&pp, 256 + 4 + 4 + 16);
	}
	/* giving the big one back makes room */
	pn_pipe_close(&pp, r[0], w[0], cap[0]);
	assert_int_equal(pn_pipe_grow(&pp, w[2], cap[2], 8 * KIB), 1024 * KIB);
	pn_pipe_close(&pp, r[1], w[1], cap[1]);
	pn_pipe_close(&pp, r[2], w[2], 1024 * KIB);
	assert_int_equal(pp.used, 0);
}

/* A connected TCP pair on the loopback: @ret_tx sends, @ret_rx (non-blocking) receives. */
static bool tcp_pair(int *ret_tx, int *ret_rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0) {
		if (l >= 0)
			close(l);
		return false;
	}
	*ret_tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*ret_tx >= 0);
	assert_int_equal(connect(*ret_tx, (struct sockaddr *)&a, sizeof(a)), 0);
	*ret_rx = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(*ret_rx >= 0);
	close(l);
	return true;
}

/* Send "abc", "X" as urgent data, then @after (may be NULL), then FIN when @fin. */
static void send_urgent(int tx, const char *after, bool fin)
{
	assert_int_equal(send(tx, "abc", 3, 0), 3);
	assert_int_equal(send(tx, "X", 1, MSG_OOB), 1);
	if (after)
		assert_int_equal(send(tx, after, strlen(after), 0), (ssize_t)strlen(after));
	if (fin)
		assert_int_equal(shutdown(tx, SHUT_WR), 0);
}

/* Wait (bounded) until @fd reports one of @events. */
static void wait_for_events(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	assert_int_equal(poll(&p, 1, 2000), 1);
}

static ssize_t splice_in(int src, int w)
{
	return splice(src, NULL, w, NULL, 65536, SPLICE_F_NONBLOCK);
}

/* What the pipe holds, as a string. */
static const char *pipe_text(int r)
{
	static char buf[64];
	ssize_t n = read(r, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* splice() stops at the urgent byte for good; the step carries the stream on, without it */
static void test_urgent_step(void **state)
{
	int tx, rx, p[2];
	size_t moved = 99;

	(void)state;
	if (!tcp_pair(&tx, &rx))
		skip();
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	/* not at a mark: nothing to do */
	assert_int_equal(send(tx, "0", 1, 0), 1);
	wait_for_events(rx, POLLIN);
	assert_int_equal(splice_in(rx, p[1]), 1);
	assert_int_equal(pn_splice_urgent(rx, p[1], false, &moved), PN_URGENT_NONE);
	assert_int_equal(moved, 0);
	assert_string_equal(pipe_text(p[0]), "0");

	send_urgent(tx, "def", false);
	wait_for_events(rx, POLLPRI);
	wait_for_events(rx, POLLIN);
	assert_int_equal(splice_in(rx, p[1]), 3);
	/* the bug: at the mark splice() reads nothing though "def" is there */
	assert_int_equal(splice_in(rx, p[1]), -1);
	assert_int_equal(errno, EAGAIN);
	/* a pipe with bytes in it must drain first */
	assert_int_equal(pn_splice_urgent(rx, p[1], false, &moved), PN_URGENT_WAIT);
	assert_string_equal(pipe_text(p[0]), "abc");
	assert_int_equal(pn_splice_urgent(rx, p[1], true, &moved), PN_URGENT_STEPPED);
	assert_int_equal(moved, 3);
	assert_string_equal(pipe_text(p[0]), "def");
	/* past the mark, splice() works again */
	assert_int_equal(send(tx, "ghi", 3, 0), 3);
	wait_for_events(rx, POLLIN);
	assert_int_equal(splice_in(rx, p[1]), 3);
	assert_string_equal(pipe_text(p[0]), "ghi");
	assert_int_equal(pn_splice_urgent(rx, p[1], true, &moved), PN_URGENT_NONE);
	close(tx);
	close(rx);
	close(p[0]);
	close(p[1]);
}

/* with the FIN in, splice() returns 0 at the mark: the bytes after it must not be lost */
static void test_urgent_then_fin(void **state)
{
	int tx, rx, p[2];
	size_t moved;

	(void)state;
	if (!tcp_pair(&tx, &rx))
		skip();
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	send_urgent(tx, "def", true);
	wait_for_events(rx, POLLRDHUP);
	assert_int_equal(splice_in(rx, p[1]), 3);
	assert_int_equal(splice_in(rx, p[1]), 0); /* looks like the end, is not */
	assert_string_equal(pipe_text(p[0]), "abc");
	assert_int_equal(pn_splice_urgent(rx, p[1], true, &moved), PN_URGENT_STEPPED);
	assert_string_equal(pipe_text(p[0]), "def");
	assert_int_equal(splice_in(rx, p[1]), 0); /* now it is */
	assert_int_equal(pn_splice_urgent(rx, p[1], true, &moved), PN_URGENT_NONE);
	close(tx);
	close(rx);

	/* the urgent byte last, then the FIN: the end */
	assert_true(tcp_pair(&tx, &rx));
	send_urgent(tx, NULL, true);
	wait_for_events(rx, POLLRDHUP);
	assert_int_equal(splice_in(rx, p[1]), 3);
	assert_int_equal(splice_in(rx, p[1]), 0);
	assert_string_equal(pipe_text(p[0]), "abc");
	assert_int_equal(pn_splice_urgent(rx, p[1], true, &moved), PN_URGENT_EOF);
	assert_int_equal(moved, 0);
	close(tx);
	close(rx);
	close(p[0]);
	close(p[1]);
}

/* the urgent byte with nothing after it yet: stepped over, the next bytes splice */
static void test_urgent_alone(void **state)
{
	int tx, rx, p[2];
	size_t moved = 99;

	(void)state;
	if (!tcp_pair(&tx, &rx))
		skip();
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	send_urgent(tx, NULL, false);
	wait_for_events(rx, POLLPRI);
	assert_int_equal(splice_in(rx, p[1]), 3);
	assert_string_equal(pipe_text(p[0]), "abc");
	assert_int_equal(pn_splice_urgent(rx, p[1], true, &moved), PN_URGENT_STEPPED);
	assert_int_equal(moved, 0);
	assert_int_equal(sockatmark(rx), 0);
	assert_int_equal(send(tx, "def", 3, 0), 3);
	wait_for_events(rx, POLLIN);
	assert_int_equal(splice_in(rx, p[1]), 3);
	assert_string_equal(pipe_text(p[0]), "def");
	close(tx);
	close(rx);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_small),
		cmocka_unit_test(test_grow_on_bulk_only),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_urgent_step),
		cmocka_unit_test(test_urgent_then_fin),
		cmocka_unit_test(test_urgent_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
