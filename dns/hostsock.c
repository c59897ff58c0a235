// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host-side socket factory of podnet-dns (see hostsock.h). Protocol on a
 * SOCK_SEQPACKET pair: the daemon sends two bytes (family, type: 4/6, s/d);
 * the factory answers with one status byte (0, or a positive errno) carrying
 * the socket as SCM_RIGHTS when the status is 0.
 */
#define _GNU_SOURCE
#include "hostsock.h"
#include "cleanup.h"
#include "log.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_fd(int sock, uint8_t status, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &status, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * The factory's start is short on purpose: it runs on the daemon's CPU while
 * the daemon is still starting, and every page it writes is a copy-on-write
 * fault. A few system calls and libcap's one small allocation, then it
 * sleeps in recv().
 */
static void __attribute__((noreturn)) factory_loop(int sock, pid_t parent)
{
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	pn_close_fds_from(3, &sock, 1);
	pn_proc_set_name("podnet-dns-h");
	/* nothing here needs a capability: creating sockets is unprivileged */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	{
		/* libcap, as everywhere in podnet (one library for one job) */
		cap_t none = cap_init();

		r = none ? cap_set_proc(none) : -1;
		if (r < 0) {
			pn_err("socket factory: cannot drop capabilities: %s", strerror(errno));
			_exit(1);
		}
		cap_free(none);
	}
	for (;;) {
		uint8_t req[2];
		ssize_t n = recv(sock, req, sizeof(req), 0);
		int family, type, fd;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		family = req[0] == '6' ? AF_INET6 : AF_INET;
		type = req[1] == 's' ? SOCK_STREAM : SOCK_DGRAM;
		if (n != 2 || (req[0] != '4' && req[0] != '6') || (req[1] != 's' && req[1] != 'd')) {
			send_fd(sock, EINVAL, -1);
			continue;
		}
		fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			send_fd(sock, (uint8_t)errno, -1);
			continue;
		}
		send_fd(sock, 0, fd);
		close(fd);
	}
}

int hostsock_start(void)
{
	int sv[2];
	pid_t parent = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		factory_loop(sv[1], parent);
	}
	close(sv[1]);
	return sv[0];
}

int hostsock_get(int factory, int family, int type)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	uint8_t req[2] = { family == AF_INET6 ? '6' : '4', type == SOCK_STREAM ? 's' : 'd' };
	uint8_t status = 0;
	struct iovec iov = { .iov_base = &status, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	if (factory < 0) {
		/* no factory: this process never left H */
		fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	if (send(factory, req, sizeof(req), MSG_NOSIGNAL) < 0)
		return -errno;
	do
		n = recvmsg(factory, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (status != 0) {
		if (fd >= 0)
			close(fd);
		return -status;
	}
	return fd >= 0 ? fd : -EPROTO;
}
