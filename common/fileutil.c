// SPDX-License-Identifier: GPL-2.0-or-later
/* Safe file writes and bounded reads: see fileutil.h. */
#define _GNU_SOURCE
#include "fileutil.h"
#include "cleanup.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <poll.h>
#include <time.h>

int pn_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pn_write_nosigpipe(int fd, const void *data, size_t len)
{
	sigset_t pipe_set, old, pending;
	bool was_pending;
	int r;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	/* one pending already (the caller blocks SIGPIPE) is the caller's: left as it is */
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	r = pn_write_all(fd, data, len);
	if (r == -EPIPE && !was_pending) {
		static const struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* open /proc/sys/@key with @flags. Return: the fd or -errno. */
static int sysctl_open(const char *key, int flags)
{
	char path[256];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "/proc/sys/%s", key) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pn_sysctl_write(const char *key, const char *value)
{
	_cleanup_close_ int fd = sysctl_open(key, O_WRONLY);
	size_t len = strlen(value);

	if (fd < 0)
		return fd;
	/* one write at offset 0: a sysctl takes nothing else */
	if (write(fd, value, len) != (ssize_t)len)
		return -errno;
	return 0;
}

int pn_sysctl_read(const char *key, char *buf, size_t size)
{
	_cleanup_close_ int fd = sysctl_open(key, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	if (size == 0)
		return -EINVAL;
	/* one read at offset 0: a sysctl answers nothing else */
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int pn_sysctl_ipv6_on(const char *ifname)
{
	char key[64], cur[16];
	int r;

	if ((size_t)snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", ifname) >= sizeof(key))
		return -ENAMETOOLONG;
	r = pn_sysctl_write(key, "0");
	/* a namespace where it cannot be written is fine if IPv6 is on there */
	if (r < 0 && pn_sysctl_read(key, cur, sizeof(cur)) == 0 && cur[0] == '0')
		r = 0;
	return r;
}

char *pn_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PATH_MAX ? NULL : buf;
}

void pn_file_last_line(const char *path, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	char *end, *start;

	buf[0] = '\0';
	if (pn_read_file(path, PN_FILE_MAX, &text, &len) < 0 || len == 0)
		return;
	end = text + len;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = strrchr(text, '\n');
	snprintf(buf, size, "%s", start ? start + 1 : text);
}

uint64_t pn_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int pn_read_line_until(int fd, char *buf, size_t size, size_t *len, uint64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now;
		ssize_t n;
		int r;

		if (memchr(buf, '\n', *len) || *len >= size - 1)
			return 0;
		now = pn_monotonic_ms();
		if (now >= deadline_ms)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(deadline_ms - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, buf + *len, size - 1 - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		*len += (size_t)n;
		buf[*len] = '\0';
		if (n == 0)
			return 1;
	}
}

int pn_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* writev() until all of @iov is written; @iov is not modified */
static int writev_all(int fd, const struct iovec *iov, int iovcnt)
{
	for (int i = 0; i < iovcnt;) {
		ssize_t n;

		/* whole vectors while the kernel takes them whole, the rest by pn_write_all() */
		n = writev(fd, iov + i, iovcnt - i > IOV_MAX ? IOV_MAX : iovcnt - i);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (i < iovcnt && (size_t)n >= iov[i].iov_len)
			n -= (ssize_t)iov[i++].iov_len;
		if (i < iovcnt && n > 0) {
			int r = pn_write_all(fd, (const char *)iov[i].iov_base + n,
					     iov[i].iov_len - (size_t)n);

			if (r < 0)
				return r;
			i++;
		}
	}
	return 0;
}

bool pn_is_atomic_tmp(const char *name)
{
	const char *tmp = strstr(name, ".tmp.");

	return tmp && tmp[5] && strspn(tmp + 5, "0123456789") == strlen(tmp + 5);
}

/* @name is NAME.tmp.PID and no process PID exists */
static bool tmp_writer_dead(const char *name)
{
	long pid;

	if (!pn_is_atomic_tmp(name))
		return false;
	errno = 0;
	pid = strtol(strstr(name, ".tmp.") + 5, NULL, 10);
	if (errno || pid <= 0 || pid > INT32_MAX)
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static int sweep_at(int dfd, int depth)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;
	int n = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		bool is_dir = de->d_type == DT_DIR;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;

			is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
		}
		if (is_dir) {
			int sub;

			if (depth > 0 &&
			    (sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
				n += sweep_at(sub, depth - 1);
		} else if (tmp_writer_dead(de->d_name) && unlinkat(dirfd(d), de->d_name, 0) == 0) {
			n++;
		}
	}
	return n;
}

int pn_sweep_stale_tmp(const char *dir, int depth)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return dfd < 0 ? 0 : sweep_at(dfd, depth);
}

int pn_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int fsync_data)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };

	return pn_write_atomicv(path, &iov, 1, mode, fsync_data);
}

int pn_write_atomicv(const char *path, const struct iovec *iov, int iovcnt, mode_t mode,
		     int fsync_data)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	r = writev_all(fd, iov, iovcnt);
	if (r == 0 && fsync_data && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && close(steal_fd(&fd)) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (fsync_data) {
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			_cleanup_close_ int dfd = -1;

			*slash = '\0';
			dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0)
				(void)fsync(dfd);
		}
	}
	return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

void pn_prefault(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;

	if (len < 16 * page)
		return;
	start = ((uintptr_t)p + page - 1) & ~(page - 1);
	end = ((uintptr_t)p + len) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

/* the linker's bounds of the executable's code (ld's default script) */
extern char __executable_start[], etext[];

void pn_map_text(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE),
		  start = (uintptr_t)__executable_start & ~(page - 1),
		  end = ((uintptr_t)etext + page - 1) & ~(page - 1);

	if (end > start)
		(void)madvise((void *)start, end - start, MADV_POPULATE_READ);
}

int pn_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a regular file: one buffer of its size (one more byte: reading 0
	 * there proves the end); a file that grows meanwhile is still read whole.
	 * /proc and /sys files say size 0 and some (sysctls) must be read in one
	 * read() of enough bytes: those keep the 4096-byte start */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > max)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	pn_prefault(buf, cap + 1);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > max)
				return -EFBIG;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return -EFBIG;
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_buf = steal_ptr(buf);
	return 0;
}

int pn_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	/* most calls find the directory there: one system call, not one per component */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_one(const char *fpath, const struct stat *sb, int typeflag, struct FTW *ftwbuf)
{
	(void)sb;
	(void)ftwbuf;
	if (typeflag == FTW_DP)
		return rmdir(fpath) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(fpath) < 0 && errno != ENOENT ? -1 : 0;
}

int pn_rm_rf(const char *path)
{
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}
