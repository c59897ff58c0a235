// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the SCM_RIGHTS hand-off between the tap child and podnet-slirp (slirp/tap.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tap.h"

static void same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	assert_true(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
}

static void test_status_and_fds(void **state)
{
	int sv[2], p[2], fds[SLIRP_FD_MAX], status = 0;
	int send[3];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	/* a gap in the middle: slot 1 carries nothing */
	send[0] = p[0];
	send[1] = -1;
	send[2] = p[1];
	assert_int_equal(slirp_fd_send(sv[0], 0, send, 3), 0);
	assert_int_equal(slirp_fd_recv(sv[1], &status, fds), 0);
	assert_int_equal(status, 0);
	assert_true(fds[0] >= 0 && fds[2] >= 0);
	assert_int_equal(fds[1], -1);
	same_file(fds[0], p[0]);
	same_file(fds[2], p[1]);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[2]);

	/* an error travels without descriptors */
	assert_int_equal(slirp_fd_send(sv[0], -EPERM, NULL, 0), 0);
	assert_int_equal(slirp_fd_recv(sv[1], &status, fds), 0);
	assert_int_equal(status, -EPERM);
	assert_int_equal(fds[0], -1);
	assert_int_equal(slirp_fd_send(sv[0], 0, send, SLIRP_FD_MAX + 1), -EINVAL);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_malformed(void **state)
{
	int sv[2], fds[SLIRP_FD_MAX], status;
	int32_t body[1 + SLIRP_FD_MAX] = { 0, 1, 0, 0 }; /* claims an fd, carries none */

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send(sv[0], "xy", 2, 0), 2);
	assert_int_equal(slirp_fd_recv(sv[1], &status, fds), -EPROTO);
	assert_int_equal(send(sv[0], body, sizeof(body), 0), (ssize_t)sizeof(body));
	assert_int_equal(slirp_fd_recv(sv[1], &status, fds), -EPROTO);
	close(sv[0]);
	/* peer gone: EOF is malformed too */
	assert_int_equal(slirp_fd_recv(sv[1], &status, fds), -EPROTO);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_and_fds),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
