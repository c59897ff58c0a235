// SPDX-License-Identifier: GPL-2.0-or-later
/* Joining the user and infra namespaces: see ns.h. */
#define _GNU_SOURCE
#include "ns.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int pn_ns_open(pid_t pid, const char *type)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, type);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool pn_ns_is_mine(int fd, const char *type)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int pn_ns_join(int userns_fd, int netns_fd)
{
	if (userns_fd >= 0) {
		if (setns(userns_fd, CLONE_NEWUSER) < 0)
			return -errno;
		/* become root of U where the invoking user is mapped to 0 (ignore if not) */
		(void)!setresgid(0, 0, 0);
		(void)!setresuid(0, 0, 0);
	}
	if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	return 0;
}

int pn_ns_run_in(int netns_fd, int (*fn)(void *arg), void *arg)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r, r2;

	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	r = fn(arg);
	r2 = setns(self, CLONE_NEWNET) < 0 ? -errno : 0;
	/* not being able to return is fatal for the caller's assumptions */
	return r2 < 0 ? r2 : r;
}

struct sock_args {
	int domain, type, protocol;
};

static int make_socket(void *arg)
{
	struct sock_args *a = arg;
	int fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);

	return fd < 0 ? -errno : fd;
}

int pn_ns_socket(int netns_fd, int domain, int type, int protocol)
{
	struct sock_args a = { domain, type, protocol };

	return pn_ns_run_in(netns_fd, make_socket, &a);
}
