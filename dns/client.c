// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The caller's side of podnet-dns (see podnet_dns.h): find the running daemon
 * through its pid file (PID and start time, so a reused PID is never taken
 * for it), start it detached (double fork, new session, stderr to
 * $RUN/podnet-dns.log) with U, I and a ready pipe as inherited descriptors 3,
 * 4 and 5, and wait on the pipe until it serves.
 */
#define _GNU_SOURCE
#include "podnet_dns.h"
#include "cleanup.h"
#include "fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 5000

static int read_pid_file(const struct pn_paths *paths, struct pn_proc_id *id)
{
	char path[PATH_MAX];

	if (!pn_path(path, "%s/dns/podnet-dns.pid", paths->runtime))
		return -ENAMETOOLONG;
	return pn_pidfile_read(path, id);
}

/* In the grandchild: put @fd at @target without close-on-exec. */
static int place_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

static void __attribute__((noreturn)) exec_daemon(const char *exe, const char *config,
						  const char *log, const char *holder,
						  int userns_fd, int netns_fd, int ready_fd)
{
	char *argv[16];
	int argc = 0, logfd, nullfd;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* move the descriptors out of the way of 0..5 first */
	userns_fd = userns_fd >= 0 ? fcntl(userns_fd, F_DUPFD_CLOEXEC, 10) : -1;
	netns_fd = fcntl(netns_fd, F_DUPFD_CLOEXEC, 10);
	ready_fd = fcntl(ready_fd, F_DUPFD_CLOEXEC, 10);
	logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (netns_fd < 0 || ready_fd < 0 || logfd < 0 || nullfd < 0)
		_exit(127);
	if (place_fd(nullfd, 0) < 0 || place_fd(nullfd, 1) < 0 || place_fd(logfd, 2) < 0 ||
	    (userns_fd >= 0 && place_fd(userns_fd, 3) < 0) || place_fd(netns_fd, 4) < 0 ||
	    place_fd(ready_fd, 5) < 0)
		_exit(127);
	argv[argc++] = (char *)"podnet-dns";
	argv[argc++] = (char *)"--config";
	argv[argc++] = (char *)config;
	if (userns_fd >= 0) {
		argv[argc++] = (char *)"--userns-fd";
		argv[argc++] = (char *)"3";
	}
	argv[argc++] = (char *)"--netns-fd";
	argv[argc++] = (char *)"4";
	argv[argc++] = (char *)"--ready-fd";
	argv[argc++] = (char *)"5";
	/* the infra's responder: its networks may get their first records any time */
	argv[argc++] = (char *)"--stay";
	if (holder) {
		argv[argc++] = (char *)"--holder";
		argv[argc++] = (char *)holder;
	}
	argv[argc] = NULL;
	execv(exe, argv);
	dprintf(2, "podnet-dns: cannot run %s: %s\n", exe, strerror(errno));
	_exit(127);
}

bool dns_running(const struct pn_paths *paths, struct pn_proc_id *ret)
{
	struct pn_proc_id id;

	if (read_pid_file(paths, &id) < 0 || !pn_proc_alive(&id))
		return false;
	if (ret)
		*ret = id;
	return true;
}

int dns_ensure(const struct pn_paths *paths, const struct pn_proc_id *holder, int userns_fd,
	       int netns_fd, struct pn_err *err)
{
	char exe[PATH_MAX], config[PATH_MAX], log[PATH_MAX], holder_arg[64], line[256];
	_cleanup_close_ int ready_r = -1, ready_w = -1;
	struct pollfd pfd;
	int fds[2], status, r;
	char what = 0;
	pid_t pid;

	if (dns_running(paths, NULL))
		return 0;
	if (!pn_path(exe, "%s/podnet-dns", paths->libexec) ||
	    !pn_path(config, "%s/dns", paths->runtime) ||
	    !pn_path(log, "%s/podnet-dns.log", paths->runtime))
		return pn_err_set(err, ENAMETOOLONG, "runtime directory path too long");
	if (access(exe, X_OK) < 0)
		return pn_err_set(err, errno, "cannot run the DNS responder %s: %s", exe, strerror(errno));
	if (netns_fd < 0)
		return pn_err_set(err, EINVAL, "no infra network namespace to start podnet-dns in");
	r = pn_mkdir_p(config, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", config, strerror(-r));
	if (holder && holder->pid > 0)
		snprintf(holder_arg, sizeof(holder_arg), "%d:%" PRIu64, (int)holder->pid,
			 holder->starttime);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return pn_err_set(err, errno, "pipe: %s", strerror(errno));
	ready_r = fds[0];
	ready_w = fds[1];

	pid = fork();
	if (pid < 0)
		return pn_err_set(err, errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* detach: a new session, and a grandchild that init or a subreaper adopts */
		setsid();
		if (fork() == 0)
			exec_daemon(exe, config, log, holder && holder->pid > 0 ? holder_arg : NULL,
				    userns_fd, netns_fd, ready_w);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	close(steal_fd(&ready_w));

	pfd.fd = ready_r;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, READY_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		pn_file_last_line(log, line, sizeof(line));
		return pn_err_set(err, ETIMEDOUT, "podnet-dns did not start within %d ms%s%s",
				  READY_TIMEOUT_MS, line[0] ? ": " : "", line);
	}
	if (read(ready_r, &what, 1) == 1 && (what == 'R' || what == 'N'))
		return 0;
	pn_file_last_line(log, line, sizeof(line));
	return pn_err_set(err, EIO, "podnet-dns failed to start%s%s (see %s)", line[0] ? ": " : "",
			  line, log);
}

int dns_reload(const struct pn_paths *paths)
{
	struct pn_proc_id id;
	int r = read_pid_file(paths, &id);

	if (r == -ENOENT || r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	r = pn_proc_kill(&id, SIGHUP);
	return r == -ESRCH ? 0 : r;
}

int dns_stop(const struct pn_paths *paths)
{
	char path[PATH_MAX];
	struct pn_proc_id id;
	int r = read_pid_file(paths, &id);

	if (r == -ENOENT)
		return 0;
	if (r == 0) {
		r = pn_proc_kill_wait(&id, 2000);
		if (r < 0)
			return r;
	}
	if (pn_path(path, "%s/dns/podnet-dns.pid", paths->runtime))
		unlink(path);
	return 0;
}
