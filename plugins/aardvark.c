// SPDX-License-Identifier: GPL-2.0-or-later
/* Starting and reloading an aardvark-dns compatible responder: see aardvark.h. */
#define _GNU_SOURCE
#include "aardvark.h"
#include "cleanup.h"
#include "fileutil.h"
#include "paths.h"
#include "proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PID_FILE "aardvark.pid"

bool pf_aardvark_has_records(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, PID_FILE) == 0)
			continue;
		if (de->d_type == DT_REG || de->d_type == DT_UNKNOWN)
			return true;
	}
	return false;
}

/* is /proc/@pid/ns/net our network namespace? 1 yes, 0 no, -errno when it cannot be told */
static int in_our_netns(pid_t pid)
{
	char path[64];
	struct stat self, other;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &self) < 0 || stat(path, &other) < 0)
		return -errno;
	return self.st_dev == other.st_dev && self.st_ino == other.st_ino;
}

/*
 * The daemon that @dir/aardvark.pid names, if that process still runs
 * @binary (a reused PID is not ours) and has not exited (a zombie that its
 * parent has not reaped yet still answers kill(): it is gone all the same).
 * @ret_id: its identity, for signalling it without a PID-reuse race.
 * Return: 1 when it serves this network namespace, 0 when there is no such
 * daemon, -ESTALE when it runs in another one (Podman recreated its rootless
 * netns: the daemon went on in the old one, which it keeps alive).
 */
static int recorded_daemon(const char *binary, const char *dir, struct pn_proc_id *ret_id)
{
	_cleanup_free_ char *text = NULL, *comm = NULL, *bin = strdup(binary);
	char path[PATH_MAX];
	const char *base;
	long pid;
	char *end;

	if (!bin || pn_read_file(pn_path(path, "%s/%s", dir, PID_FILE) ?: "", 64, &text, NULL) < 0)
		return 0;
	pid = strtol(text, &end, 10);
	if (pid <= 1 || pid > 1 << 22 || (*end && *end != '\n'))
		return 0;
	ret_id->pid = (pid_t)pid;
	if (pn_proc_starttime(ret_id->pid, &ret_id->starttime) < 0 || !pn_proc_alive(ret_id))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (pn_read_file(path, 64, &comm, NULL) < 0)
		return 0;
	comm[strcspn(comm, "\n")] = '\0';
	base = basename(bin);
	if (strncmp(comm, base, 15) != 0)
		return 0;
	/* when it cannot be told (no access to its namespace), it is taken to be ours, as before */
	return in_our_netns(ret_id->pid) == 0 ? -ESTALE : 1;
}

static bool systemd_booted(const char **ret_systemd_run)
{
	static const char *const cands[] = { "/usr/bin/systemd-run", "/bin/systemd-run" };
	struct stat sb;

	if (stat("/run/systemd/system", &sb) < 0 || !S_ISDIR(sb.st_mode))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
		if (access(cands[i], X_OK) == 0) {
			*ret_systemd_run = cands[i];
			return true;
		}
	return false;
}

/*
 * Podman passes RUST_LOG=netavark=<level>; netavark gives aardvark-dns the bare
 * level (aardvark-dns rejects the filter syntax).
 */
static void rust_log_level(void)
{
	const char *v = getenv("RUST_LOG"), *eq = v ? strrchr(v, '=') : NULL;
	char level[32];

	if (!eq)
		return;
	snprintf(level, sizeof(level), "%s", eq + 1);
	setenv("RUST_LOG", level, 1);
}

static int spawn(const char *const argv[], struct pn_err *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return pn_err_set(err, errno, "cannot fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* the daemon must not hold Podman's stdout pipe: Podman reads it after we exit */
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
			_exit(127);
		pn_close_fds_from(3, NULL, 0);
		rust_log_level();
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return pn_err_set(err, errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return pn_err_set(err, EIO, "%s failed (%s %d)", argv[0], WIFEXITED(status) ? "exit" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

int pf_aardvark_notify(const char *binary, const char *dir, int port, bool rootless,
		       struct pn_err *err)
{
	const char *argv[16], *systemd_run = NULL;
	struct pn_proc_id id = { 0 };
	char portbuf[16];
	int n = 0, r;

	if (!binary || !*binary)
		return 0;
	r = recorded_daemon(binary, dir, &id);
	if (r > 0 && pn_proc_kill(&id, SIGHUP) == 0)
		return 0;
	if (r == -ESTALE) {
		/*
		 * It serves a namespace that is gone from Podman's view, and keeps
		 * it alive: stop it (the pidfd signal goes to that very process),
		 * and start one here when there are records.
		 */
		char path[PATH_MAX];

		pn_proc_kill_wait(&id, 1000);
		if (pn_path(path, "%s/%s", dir, PID_FILE))
			unlink(path);
	}
	if (!pf_aardvark_has_records(dir))
		return 0;
	if (access(binary, X_OK) < 0)
		return pn_err_set(err, errno, "dns: cannot run %s: %s", binary, strerror(errno));
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	if (systemd_booted(&systemd_run)) {
		argv[n++] = systemd_run;
		argv[n++] = "-q";
		argv[n++] = "--scope";
		if (rootless)
			argv[n++] = "--user";
	}
	argv[n++] = binary;
	argv[n++] = "--config";
	argv[n++] = dir;
	argv[n++] = "-p";
	argv[n++] = portbuf;
	argv[n++] = "run";
	argv[n] = NULL;
	if (spawn(argv, err) == 0)
		return 0;
	if (systemd_run) {
		/* no systemd user instance (no login session): run it directly */
		pn_err_clear(err);
		return spawn(argv + (rootless ? 4 : 3), err);
	}
	return pn_err_prefix(err, "dns: ");
}
