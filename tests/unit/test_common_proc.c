// SPDX-License-Identifier: GPL-2.0-or-later
/* pn_close_fds_from(): the close_range() gaps and the /proc walk behind them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proc.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/*
 * In a child (the test runner's own descriptors stay): open @n descriptors,
 * keep those whose index has its bit in @keep_mask, plus @extra (kept as
 * given: unsorted, repeated, negative, below 3), and check which survive.
 */
static int child_case(int n, unsigned keep_mask, bool extra)
{
	int fds[16], keep[24], nkeep = 0;

	for (int i = 0; i < n; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fds[i] < 3)
			return 10;
	}
	/* from the highest down, so the list is unsorted */
	for (int i = n - 1; i >= 0; i--)
		if (keep_mask & (1u << i))
			keep[nkeep++] = fds[i];
	if (extra) {
		keep[nkeep++] = -1;
		keep[nkeep++] = 1;
		if (nkeep > 2)
			keep[nkeep++] = keep[0]; /* twice */
	}
	pn_close_fds_from(3, keep, nkeep);
	/*
	 * Spelled out: GCC 12.2 -O2 (Debian 12) folds
	 * "is_open(fds[i]) != !!(keep_mask & (1u << i))" in this loop to the
	 * mask bit alone, dropping the call's result.
	 */
	for (int i = 0; i < n; i++) {
		if (keep_mask & (1u << i)) {
			if (!is_open(fds[i]))
				return 20 + i; /* a kept one was closed */
		} else if (is_open(fds[i])) {
			return 40 + i; /* one to close is still open */
		}
	}
	for (int fd = 0; fd < 3; fd++)
		if (!is_open(fd))
			return 60 + fd;
	return 0;
}

static void run_case(int n, unsigned keep_mask, bool extra)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_case(n, keep_mask, extra));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_keep_none(void **state)
{
	(void)state;
	run_case(5, 0, false);
}

static void test_keep_some(void **state)
{
	(void)state;
	run_case(8, 0x02 | 0x10 | 0x80, true); /* middle and last kept, gaps between */
	run_case(6, 0x01, false);              /* the lowest only: nothing below it to close */
	run_case(6, 0x3f, true);               /* all of them */
}

static void test_many_kept(void **state)
{
	(void)state;
	/* more kept descriptors than close_range() is driven for: the /proc walk */
	run_case(14, 0x2fff & ~0x0024u, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_none),
		cmocka_unit_test(test_keep_some),
		cmocka_unit_test(test_many_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
