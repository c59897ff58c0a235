// SPDX-License-Identifier: GPL-2.0-or-later
/* Process identity and signalling without PID-reuse races: see proc.h. */
#define _GNU_SOURCE
#include "proc.h"
#include "cleanup.h"
#include "fileutil.h"

#include <limits.h>
#include <stdint.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* the kernel's PF_EXITING task flag (include/linux/sched.h), field 9 of stat */
#define PN_PF_EXITING 0x00000004u

static int read_stat(pid_t pid, uint64_t *starttime, char *state, unsigned *flags)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: skip to the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EINVAL;
	p += 2;
	if (state)
		*state = *p;
	/* p points at field 3; flags is field 9, starttime field 22 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
		if (field + 1 == 9 && flags)
			*flags = (unsigned)strtoul(p, NULL, 10);
	}
	*starttime = strtoull(p, NULL, 10);
	return 0;
}

int pn_proc_starttime(pid_t pid, uint64_t *ret)
{
	return read_stat(pid, ret, NULL, NULL);
}

int pn_proc_self_id(struct pn_proc_id *ret)
{
	ret->pid = getpid();
	return pn_proc_starttime(ret->pid, &ret->starttime);
}

/* the recorded process, not yet a zombie; @exiting (may be NULL): it is on its way out */
static bool same_process(const struct pn_proc_id *id, bool *exiting)
{
	uint64_t st;
	char state = 0;
	unsigned flags = 0;

	if (!id || id->pid <= 0 || read_stat(id->pid, &st, &state, &flags) < 0)
		return false;
	if (exiting)
		*exiting = flags & PN_PF_EXITING;
	return st == id->starttime && state != 'Z' && state != 'X';
}

bool pn_proc_alive(const struct pn_proc_id *id)
{
	bool exiting = false;

	/* a process that is exiting (a killed pid-namespace init waits in
	 * the kernel for its namespace to empty) is as good as gone */
	return same_process(id, &exiting) && !exiting;
}

static int pidfd_open_compat(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* a pidfd of the recorded process: -ESRCH when it is gone (or another one) */
static int pidfd_of(const struct pn_proc_id *id)
{
	int pfd;

	if (!id || id->pid <= 0)
		return -ESRCH;
	pfd = pidfd_open_compat(id->pid);
	if (pfd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	/* the pidfd pins the process: check identity after opening it (an
	 * exiting process still counts here, so kill_wait waits it out) */
	if (!same_process(id, NULL)) {
		close(pfd);
		return -ESRCH;
	}
	return pfd;
}

int pn_proc_kill(const struct pn_proc_id *id, int sig)
{
	_cleanup_close_ int pfd = pidfd_of(id);

	if (pfd < 0)
		return pfd;
	if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

static int wait_gone(int pfd, int timeout_ms)
{
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

int pn_proc_kill_wait(const struct pn_proc_id *id, int timeout_ms)
{
	return pn_proc_stop_wait(id, SIGTERM, timeout_ms);
}

int pn_proc_stop_wait(const struct pn_proc_id *id, int sig, int timeout_ms)
{
	_cleanup_close_ int pfd = pidfd_of(id);

	if (pfd < 0)
		return pfd == -ESRCH ? 0 : pfd;
	if (timeout_ms > 0) {
		syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
		if (wait_gone(pfd, timeout_ms) == 0)
			return 0;
	}
	if (syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return -errno;
	/* a process of ours that is not our child: poll says readable once it exits */
	return wait_gone(pfd, 5000);
}

int pn_proc_wait_exit(const struct pn_proc_id *id, int timeout_ms)
{
	_cleanup_close_ int pfd = pidfd_of(id);

	if (pfd < 0)
		return pfd == -ESRCH ? 0 : pfd;
	return wait_gone(pfd, timeout_ms);
}

void pn_proc_set_name(const char *name)
{
	prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/*
 * close_range() over the gaps between the kept descriptors, in ascending
 * order: a few system calls, no /proc walk. Return: 0, or -1 to walk (a
 * kernel without close_range(), or more kept descriptors than sorted here).
 */
static int close_ranges(unsigned int first, const int *keep, int nkeep)
{
	int sorted[8], n = 0;

	if (nkeep > (int)ARRAY_SIZE(sorted))
		return -1;
	for (int i = 0; i < nkeep; i++) {
		int fd = keep[i], j = n;

		if (fd < 0 || (unsigned int)fd < first)
			continue;
		while (j > 0 && sorted[j - 1] > fd) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = fd;
		n++;
	}
	for (int i = 0; i < n; i++) {
		unsigned int fd = (unsigned int)sorted[i];

		if (fd > first && close_range(first, fd - 1, 0) < 0)
			return -1;
		if (fd + 1 > first)
			first = fd + 1;
	}
	return close_range(first, ~0u, 0) < 0 ? -1 : 0;
}

void pn_close_fds_from(int first, const int *keep, int nkeep)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (first >= 0 && close_ranges((unsigned int)first, keep, nkeep) == 0)
		return;
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		bool kept = false;

		if (de->d_name[0] == '.' || fd < first || fd == dirfd(d))
			continue;
		for (int i = 0; i < nkeep; i++)
			kept |= keep[i] == fd;
		if (!kept)
			close(fd);
	}
}

/* Parse decimal digits at *p into *ret, advancing *p; reject empty and overflow. */
static int parse_u64(const char **p, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*p = s;
	*ret = v;
	return 0;
}

int pn_proc_id_parse(const char *s, char sep, struct pn_proc_id *ret)
{
	uint64_t pid, st;

	if (!s || parse_u64(&s, &pid) < 0 || *s++ != sep || parse_u64(&s, &st) < 0)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s != '\0' || pid == 0 || pid > INT_MAX)
		return -EINVAL;
	ret->pid = (pid_t)pid;
	ret->starttime = st;
	return 0;
}

int pn_proc_id_format(const struct pn_proc_id *id, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%d %llu\n", (int)id->pid, (unsigned long long)id->starttime);

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int pn_pidfile_read(const char *path, struct pn_proc_id *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = pn_read_file(path, 64, &buf, &len);
	if (r == -EFBIG)
		return -EINVAL;
	if (r < 0)
		return r;
	if (strlen(buf) != len)
		return -EINVAL;
	return pn_proc_id_parse(buf, ' ', ret);
}

int pn_pidfile_write(const char *path, const struct pn_proc_id *id)
{
	char buf[48];
	int n = pn_proc_id_format(id, buf, sizeof(buf));

	return n < 0 ? n : pn_write_atomic(path, buf, (size_t)n, 0600, 0);
}
