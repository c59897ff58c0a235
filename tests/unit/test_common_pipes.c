// SPDX-License-Identifier: GPL-2.0-or-later
/* common/pipes.c: pipes start small, grow on bulk, and keep within their budget. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pipes.h"

#include <fcntl.h>
#include <unistd.h>

#define KIB 1024u

static size_t kernel_size(int w)
{
	return (size_t)fcntl(w, F_GETPIPE_SZ);
}

static void test_start_small(void **state)
{
	struct pn_pipes pp;
	int r, w;
	size_t cap;

	(void)state;
	pn_pipes_init(&pp, 1024 * KIB);
	assert_int_equal(pn_pipe_open(&pp, &r, &w, &cap), 0);
	assert_int_equal(cap, 16 * KIB);
	assert_int_equal(kernel_size(w), cap);
	assert_int_equal(pp.used, 4);
	assert_true(fcntl(r, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(w, F_GETFD) & FD_CLOEXEC);
	pn_pipe_close(&pp, r, w, cap);
	assert_int_equal(pp.used, 0);
}

static void test_grow_on_bulk_only(void **state)
{
	struct pn_pipes pp;
	int r, w;
	size_t cap;

	(void)state;
	pn_pipes_init(&pp, 256 * KIB);
	pn_pipes_set_limit(&pp, 1000);
	assert_int_equal(pn_pipe_open(&pp, &r, &w, &cap), 0);
	/* small messages: no growth */
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 1), cap);
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 4095), cap);
	/* 4 KiB in one splice: bulk */
	cap = pn_pipe_grow(&pp, w, cap, 4096);
	assert_int_equal(cap, 256 * KIB);
	assert_int_equal(kernel_size(w), cap);
	assert_int_equal(pp.used, 64);
	/* at the large size it stays */
	assert_int_equal(pn_pipe_grow(&pp, w, cap, cap), cap);
	/* back to a new pipe's size for a pool */
	cap = pn_pipe_shrink(&pp, w, cap);
	assert_int_equal(cap, 16 * KIB);
	assert_int_equal(kernel_size(w), cap);
	assert_int_equal(pp.used, 4);
	pn_pipe_close(&pp, r, w, cap);
	assert_int_equal(pp.used, 0);
	/* a one-page pipe (tight budget) grows at half of it */
	pn_pipes_set_limit(&pp, 3);
	assert_int_equal(pn_pipe_open(&pp, &r, &w, &cap), 0);
	assert_int_equal(cap, 4 * KIB);
	pn_pipes_set_limit(&pp, 1000);
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 2047), cap);
	assert_int_equal(pn_pipe_grow(&pp, w, cap, 2048), 256 * KIB);
	pn_pipe_close(&pp, r, w, 256 * KIB);
	assert_int_equal(pp.used, 0);
}

static void test_budget(void **state)
{
	struct pn_pipes pp;
	int r[3], w[3];
	size_t cap[3];

	(void)state;
	pn_pipes_init(&pp, 1024 * KIB);
	/* room for one 1 MiB pipe (256 pages) and a little */
	pn_pipes_set_limit(&pp, 256 + 4 + 4 + 16);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pn_pipe_open(&pp, &r[i], &w[i], &cap[i]), 0);
	assert_int_equal(pp.used, 12);
	cap[0] = pn_pipe_grow(&pp, w[0], cap[0], 8 * KIB);
	assert_int_equal(cap[0], 1024 * KIB);
	/* the next one does not fit at 1 MiB: the kernel's default size */
	cap[1] = pn_pipe_grow(&pp, w[1], cap[1], 8 * KIB);
	assert_int_equal(cap[1], 64 * KIB);
	assert_int_equal(kernel_size(w[1]), 64 * KIB);
	/* and the third not at all */
	assert_int_equal(pn_pipe_grow(&pp, w[2], cap[2], 8 * KIB), cap[2]);
	assert_true(pp.used <= 256 + 4 + 4 + 16);
	/* a new pipe past the start budget gets one page */
	{
		int r4, w4;
		size_t c4;

		pn_pipes_set_limit(&pp, pp.used + 2);
		assert_int_equal(pn_pipe_open(&pp, &r4, &w4, &c4), 0);
		assert_int_equal(c4, 4 * KIB);
		pn_pipe_close(&pp, r4, w4, c4);
		pn_pipes_set_limit(&pp, 256 + 4 + 4 + 16);
	}
	/* giving the big one back makes room */
	pn_pipe_close(&pp, r[0], w[0], cap[0]);
	assert_int_equal(pn_pipe_grow(&pp, w[2], cap[2], 8 * KIB), 1024 * KIB);
	pn_pipe_close(&pp, r[1], w[1], cap[1]);
	pn_pipe_close(&pp, r[2], w[2], 1024 * KIB);
	assert_int_equal(pp.used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_small),
		cmocka_unit_test(test_grow_on_bulk_only),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
