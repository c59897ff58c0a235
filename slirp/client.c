// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Starting, stopping and describing podnet-slirp from the CLI: see
 * podnet_slirp.h. The daemon is started detached (double fork, own session),
 * with U, I and the write end of a "ready" pipe as its only inherited
 * descriptors, stdout/stderr on $RUN/slirp/podnet-slirp.log. It writes "ok"
 * or "error: ..." on the pipe once the tap is up in I (or it gave up).
 */
#define _GNU_SOURCE
#include "podnet_slirp.h"
#include "cleanup.h"
#include "fileutil.h"
#include "ids.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 2000

/* Descriptor numbers in the daemon. */
enum { CHILD_READY_FD = 3, CHILD_NETNS_FD = 4, CHILD_USERNS_FD = 5 };


/* In the grandchild: put @fd at @target without O_CLOEXEC. Async-signal-safe. */
static int place_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

static int is_alive(const struct pn_paths *paths, struct pn_proc_id *ret)
{
	char path[PATH_MAX];
	struct pn_proc_id id;

	if (!pn_path(path, "%s/%s", paths->runtime, SLIRP_PIDFILE))
		return -ENAMETOOLONG;
	if (pn_pidfile_read(path, &id) < 0 || !pn_proc_alive(&id))
		return 0;
	if (ret)
		*ret = id;
	return 1;
}

int slirp_ensure(const struct pn_paths *paths, const struct pn_proc_id *holder, int userns_fd,
		 int netns_fd, struct pn_err *err)
{
	char exe[PATH_MAX], logpath[PATH_MAX], dir[PATH_MAX], holder_arg[64], buf[512];
	char netns_arg[16], userns_arg[16], ready_arg[16];
	_cleanup_close_ int log_fd = -1, null_fd = -1, ready_r = -1, ready_w = -1;
	const char *argv[16], *fastpath;
	int argc = 0, fds[2], r, hi[3] = { -1, -1, -1 }, wstatus;
	pid_t pid;

	if (!holder || !pn_proc_alive(holder))
		return pn_err_set(err, ESRCH, "the holder process of the infra namespace is not running");
	if (netns_fd < 0)
		return pn_err_set(err, EBADF, "no infra network namespace to attach podnet-slirp to");
	r = is_alive(paths, NULL);
	if (r < 0)
		return pn_err_set(err, r, "runtime directory path too long");
	if (r > 0) {
		struct pn_proc_id served;

		/* alive and serving this holder: done. Serving another (stale) one: replace it */
		if (pn_path(dir, "%s/%s", paths->runtime, SLIRP_HOLDERFILE) &&
		    pn_pidfile_read(dir, &served) == 0 && served.pid == holder->pid &&
		    served.starttime == holder->starttime)
			return 0;
		r = slirp_stop(paths);
		if (r < 0)
			return pn_err_set(err, r, "cannot stop the podnet-slirp of an old holder: %s",
					  strerror(-r));
	}

	if (!pn_path(exe, "%s/podnet-slirp", paths->libexec) ||
	    !pn_path(dir, "%s/%s", paths->runtime, SLIRP_DIR) ||
	    !pn_path(logpath, "%s/%s", paths->runtime, SLIRP_LOGFILE))
		return pn_err_set(err, ENAMETOOLONG, "path too long for podnet-slirp");
	if (access(exe, X_OK) < 0)
		return pn_err_set(err, errno, "cannot run %s: %s", exe, strerror(errno));
	r = pn_mkdir_p(dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", dir, strerror(-r));
	log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (log_fd < 0)
		return pn_err_set(err, errno, "cannot open %s: %s", logpath, strerror(errno));
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0)
		return pn_err_set(err, errno, "cannot open /dev/null");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pn_err_set(err, errno, "pipe: %s", strerror(errno));
	ready_r = fds[0];
	ready_w = fds[1];

	snprintf(holder_arg, sizeof(holder_arg), "%d:%llu", (int)holder->pid,
		 (unsigned long long)holder->starttime);
	snprintf(netns_arg, sizeof(netns_arg), "%d", CHILD_NETNS_FD);
	snprintf(userns_arg, sizeof(userns_arg), "%d", CHILD_USERNS_FD);
	snprintf(ready_arg, sizeof(ready_arg), "%d", CHILD_READY_FD);
	argv[argc++] = "podnet-slirp";
	argv[argc++] = "--netns-fd";
	argv[argc++] = netns_arg;
	if (userns_fd >= 0) {
		argv[argc++] = "--userns-fd";
		argv[argc++] = userns_arg;
	}
	argv[argc++] = "--holder";
	argv[argc++] = holder_arg;
	argv[argc++] = "--ready-fd";
	argv[argc++] = ready_arg;
	argv[argc++] = "--runtime-dir";
	argv[argc++] = paths->runtime;
	/* an escape hatch, documented in podnet-slirp(8): benchmarks compare both paths */
	fastpath = getenv("PODNET_SLIRP_TCP_FASTPATH");
	if (fastpath && (!strcmp(fastpath, "on") || !strcmp(fastpath, "off"))) {
		argv[argc++] = "--tcp-fastpath";
		argv[argc++] = fastpath;
	}
	argv[argc] = NULL;

	/* copies above the targets first, so no dup2() overwrites a source */
	hi[0] = fcntl(ready_w, F_DUPFD_CLOEXEC, 10);
	hi[1] = fcntl(netns_fd, F_DUPFD_CLOEXEC, 10);
	hi[2] = userns_fd >= 0 ? fcntl(userns_fd, F_DUPFD_CLOEXEC, 10) : -1;
	if (hi[0] < 0 || hi[1] < 0 || (userns_fd >= 0 && hi[2] < 0)) {
		r = pn_err_set(err, errno, "fcntl: %s", strerror(errno));
		goto out;
	}

	pid = fork();
	if (pid < 0) {
		r = pn_err_set(err, errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		sigset_t all;

		/* own session, and a grandchild so the daemon is nobody's child here */
		if (setsid() < 0 || (pid = fork()) < 0)
			_exit(1);
		if (pid > 0)
			_exit(0);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0 ||
		    place_fd(hi[0], CHILD_READY_FD) < 0 || place_fd(hi[1], CHILD_NETNS_FD) < 0 ||
		    (hi[2] >= 0 && place_fd(hi[2], CHILD_USERNS_FD) < 0))
			_exit(1);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	/* our copies of the write end must go, or EOF never comes */
	for (int i = 0; i < 3; i++)
		if (hi[i] >= 0)
			close(steal_fd(&hi[i]));
	close(steal_fd(&ready_w));
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	{
		size_t len = 0;

		buf[0] = '\0';
		r = pn_read_line_until(ready_r, buf, sizeof(buf), &len, pn_monotonic_ms() + READY_TIMEOUT_MS);
	}
	if (r == -ETIMEDOUT) {
		r = pn_err_set(err, ETIMEDOUT, "podnet-slirp did not come up within %d s (see %s)",
			       READY_TIMEOUT_MS / 1000, logpath);
	} else if (r < 0) {
		r = pn_err_set(err, r, "waiting for podnet-slirp: %s", strerror(-r));
	} else if (strncmp(buf, "ok\n", 3) != 0) {
		buf[strcspn(buf, "\n")] = '\0';
		r = pn_err_set(err, EIO, "podnet-slirp failed to start: %s (see %s)",
			       buf[0] ? buf : "exited without a word", logpath);
	} else {
		r = 0;
	}
out:
	for (int i = 0; i < 3; i++)
		if (hi[i] >= 0)
			close(hi[i]);
	return r;
}

int slirp_stop(const struct pn_paths *paths)
{
	char path[PATH_MAX];
	struct pn_proc_id id;
	int r;

	if (!pn_path(path, "%s/%s", paths->runtime, SLIRP_PIDFILE))
		return -ENAMETOOLONG;
	r = pn_pidfile_read(path, &id);
	if (r == -ENOENT)
		return 0;
	if (r == 0 && pn_proc_alive(&id)) {
		r = pn_proc_kill_wait(&id, STOP_TIMEOUT_MS);
		if (r < 0)
			return r;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	if (pn_path(path, "%s/%s", paths->runtime, SLIRP_STATUSFILE))
		(void)unlink(path);
	return 0;
}

int slirp_status(const struct pn_paths *paths, json_t **ret)
{
	_cleanup_json_ json_t *doc = NULL, *st = NULL;
	char path[PATH_MAX];
	struct pn_proc_id id;
	int r;

	r = is_alive(paths, &id);
	if (r < 0)
		return r;
	doc = json_object();
	if (!doc)
		return -ENOMEM;
	if (json_object_set_new(doc, "running", json_boolean(r > 0)) < 0)
		return -ENOMEM;
	if (r > 0) {
		if (json_object_set_new(doc, "pid", json_integer(id.pid)) < 0 ||
		    json_object_set_new(doc, "starttime", json_integer((json_int_t)id.starttime)) < 0)
			return -ENOMEM;
		/* the status file is written by the daemon; take only what we know */
		if (pn_path(path, "%s/%s", paths->runtime, SLIRP_STATUSFILE) &&
		    pn_json_load(path, &st, NULL) == 0 && json_is_object(st) &&
		    json_integer_value(json_object_get(st, "pid")) == id.pid) {
			static const char *const keys[] = { "mtu", "ipv6", "tcp_fastpath",
							    "counters", "updated" };

			for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
				json_t *v = json_object_get(st, keys[i]);

				if (v && json_object_set(doc, keys[i], v) < 0)
					return -ENOMEM;
			}
		}
	}
	*ret = steal_ptr(doc);
	return 0;
}
