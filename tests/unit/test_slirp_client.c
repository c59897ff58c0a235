// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the podnet-slirp client (slirp/client.c): pid files, status, stop, ensure errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileutil.h"
#include "ids.h"
#include "podnet_slirp.h"

struct fixture {
	char dir[64];
	struct pn_paths paths;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_slirp_client.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	assert_non_null(pn_path(f->paths.runtime, "%s/run", f->dir));
	assert_non_null(pn_path(f->paths.libexec, "%s/libexec", f->dir));
	assert_non_null(pn_path(f->paths.data, "%s/data", f->dir));
	f->paths.rootless = true;
	mkdir(f->paths.runtime, 0700);
	mkdir(f->paths.libexec, 0700);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pn_rm_rf(f->dir);
	free(f);
	return 0;
}

static void write_file(const struct fixture *f, const char *rel, const char *text)
{
	char path[PATH_MAX];

	assert_non_null(pn_path(path, "%s/slirp", f->paths.runtime));
	mkdir(path, 0700);
	assert_non_null(pn_path(path, "%s/%s", f->paths.runtime, rel));
	assert_int_equal(pn_write_atomic(path, text, strlen(text), 0600, 0), 0);
}

static void write_pid(const struct fixture *f, const struct pn_proc_id *id)
{
	char text[64];

	assert_true(pn_proc_id_format(id, text, sizeof(text)) > 0);
	write_file(f, SLIRP_PIDFILE, text);
}

static void test_status_never_ran(void **state)
{
	struct fixture *f = *state;
	json_t *st = NULL;

	assert_int_equal(slirp_status(&f->paths, &st), 0);
	assert_true(json_is_false(json_object_get(st, "running")));
	assert_null(json_object_get(st, "pid"));
	json_decref(st);
	assert_int_equal(slirp_stop(&f->paths), 0);
}

static void test_status_running_merges_counters(void **state)
{
	struct fixture *f = *state;
	struct pn_proc_id self;
	json_t *st = NULL;
	char text[256];

	assert_int_equal(pn_proc_self_id(&self), 0);
	write_pid(f, &self);
	snprintf(text, sizeof(text),
		 "{\"pid\":%d,\"mtu\":65520,\"ipv6\":false,\"tcp_fastpath\":true,"
		 "\"counters\":{\"rx_frames\":5},\"evil\":1}",
		 (int)self.pid);
	write_file(f, SLIRP_STATUSFILE, text);
	assert_int_equal(slirp_status(&f->paths, &st), 0);
	assert_true(json_is_true(json_object_get(st, "running")));
	assert_int_equal(json_integer_value(json_object_get(st, "pid")), self.pid);
	assert_int_equal(json_integer_value(json_object_get(st, "mtu")), 65520);
	assert_true(json_is_true(json_object_get(st, "tcp_fastpath")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "counters"),
							    "rx_frames")), 5);
	assert_null(json_object_get(st, "evil")); /* only known keys are taken */
	json_decref(st);

	/* a status file of another process is ignored */
	snprintf(text, sizeof(text), "{\"pid\":%d,\"mtu\":1}", (int)self.pid + 1);
	write_file(f, SLIRP_STATUSFILE, text);
	assert_int_equal(slirp_status(&f->paths, &st), 0);
	assert_null(json_object_get(st, "mtu"));
	json_decref(st);
}

static void test_stale_pidfile(void **state)
{
	struct fixture *f = *state;
	struct pn_proc_id self, stale;
	char path[PATH_MAX];
	json_t *st = NULL;

	assert_int_equal(pn_proc_self_id(&self), 0);
	stale = self;
	stale.starttime += 12345; /* same PID, other process: must not count as running */
	write_pid(f, &stale);
	assert_int_equal(slirp_status(&f->paths, &st), 0);
	assert_true(json_is_false(json_object_get(st, "running")));
	json_decref(st);
	/* stop must not signal us, only remove the file */
	assert_int_equal(slirp_stop(&f->paths), 0);
	assert_non_null(pn_path(path, "%s/%s", f->paths.runtime, SLIRP_PIDFILE));
	assert_int_equal(access(path, F_OK), -1);
}

static void test_stop_kills_live_process(void **state)
{
	struct fixture *f = *state;
	struct pn_proc_id child = { 0 };
	int status;

	child.pid = fork();
	assert_true(child.pid >= 0);
	if (child.pid == 0) {
		pause();
		_exit(0);
	}
	/* wait until /proc shows it, then record it */
	while (pn_proc_starttime(child.pid, &child.starttime) < 0)
		usleep(1000);
	write_pid(f, &child);
	/* slirp_stop polls a pidfd; reap the child concurrently in a grandchild-free way */
	assert_int_equal(kill(child.pid, 0), 0);
	{
		pid_t reaper = fork();

		if (reaper == 0) {
			_exit(slirp_stop(&f->paths) == 0 ? 0 : 1);
		}
		/* the zombie of our child must be reaped for the pidfd to stay readable: it is,
		 * since zombie state already counts as exited for pidfds */
		assert_int_equal(waitpid(reaper, &status, 0), reaper);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(waitpid(child.pid, &status, 0), child.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void test_ensure_errors(void **state)
{
	struct fixture *f = *state;
	struct pn_proc_id self, gone = { .pid = 0x7ffffff0, .starttime = 1 };
	struct pn_err err = { 0 };
	int fd;

	assert_int_equal(pn_proc_self_id(&self), 0);
	assert_int_equal(slirp_ensure(&f->paths, &gone, -1, 0, &err), -ESRCH);
	assert_non_null(strstr(err.msg, "holder"));
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	pn_err_clear(&err);
	/* no binary in libexec */
	assert_int_equal(slirp_ensure(&f->paths, &self, -1, fd, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "podnet-slirp"));
	/* a binary that exits without a word */
	{
		char path[PATH_MAX];
		FILE *s;

		assert_non_null(pn_path(path, "%s/podnet-slirp", f->paths.libexec));
		s = fopen(path, "w");
		assert_non_null(s);
		fputs("#!/bin/sh\necho \"started $*\" >&2\nexit 3\n", s);
		fclose(s);
		chmod(path, 0755);
		pn_err_clear(&err);
		assert_int_equal(slirp_ensure(&f->paths, &self, -1, fd, &err), -EIO);
		assert_non_null(strstr(err.msg, "exited without a word"));
		/* a binary that reports an error */
		s = fopen(path, "w");
		assert_non_null(s);
		fputs("#!/bin/sh\necho 'error: no tun device' >&3\nexit 1\n", s);
		fclose(s);
		pn_err_clear(&err);
		assert_int_equal(slirp_ensure(&f->paths, &self, -1, fd, &err), -EIO);
		assert_non_null(strstr(err.msg, "no tun device"));
		/* a binary that says ok and checks its arguments and descriptors */
		s = fopen(path, "w");
		assert_non_null(s);
		fprintf(s, "#!/bin/sh\ncase \"$*\" in *'--netns-fd 4 --holder %d:%llu --ready-fd 3 "
			   "--runtime-dir %s') ;; *) exit 1;; esac\n"
			   "[ -e /proc/self/fd/4 ] || exit 1\n[ -e /proc/self/fd/5 ] && exit 1\n"
			   "echo ok >&3\n",
			(int)self.pid, (unsigned long long)self.starttime, f->paths.runtime);
		fclose(s);
		pn_err_clear(&err);
		assert_int_equal(slirp_ensure(&f->paths, &self, -1, fd, &err), 0);
	}
	close(fd);
}

/* A live podnet-slirp serving this holder is kept; one serving another holder is replaced. */
static void test_ensure_checks_holder(void **state)
{
	struct fixture *f = *state;
	struct pn_proc_id self, daemon = { 0 }, other;
	struct pn_err err = { 0 };
	char text[64];
	int fd, status;

	assert_int_equal(pn_proc_self_id(&self), 0);
	daemon.pid = fork();
	assert_true(daemon.pid >= 0);
	if (daemon.pid == 0) {
		pause();
		_exit(0);
	}
	while (pn_proc_starttime(daemon.pid, &daemon.starttime) < 0)
		usleep(1000);
	write_pid(f, &daemon);
	assert_true(pn_proc_id_format(&self, text, sizeof(text)) > 0);
	write_file(f, SLIRP_HOLDERFILE, text);
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	/* same holder: nothing is started (there is no binary to start) */
	assert_int_equal(slirp_ensure(&f->paths, &self, -1, fd, &err), 0);
	assert_int_equal(kill(daemon.pid, 0), 0);

	/* another holder: the old daemon is stopped, then the (missing) binary is looked for */
	other = self;
	other.starttime++;
	assert_true(pn_proc_id_format(&other, text, sizeof(text)) > 0);
	write_file(f, SLIRP_HOLDERFILE, text);
	{
		pid_t tester = fork();

		if (tester == 0)
			_exit(slirp_ensure(&f->paths, &self, -1, fd, &err) == -ENOENT ? 0 : 1);
		assert_int_equal(waitpid(tester, &status, 0), tester);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(waitpid(daemon.pid, &status, 0), daemon.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_never_ran, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_running_merges_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_pidfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_kills_live_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ensure_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ensure_checks_holder, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
