// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the bounded tap tx queue (slirp/txqueue.c): order, wrap-around, limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "txqueue.h"

static void fill(uint8_t *b, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i);
}

static void expect_frame(struct slirp_txq *q, size_t len, uint8_t seed)
{
	const uint8_t *d;
	size_t l;
	uint8_t want[512];

	assert_true(slirp_txq_peek(q, &d, &l));
	assert_int_equal(l, len);
	fill(want, len, seed);
	assert_memory_equal(d, want, len);
	slirp_txq_pop(q);
}

static void test_fifo_order(void **state)
{
	struct slirp_txq q;
	uint8_t b[512];

	(void)state;
	assert_int_equal(slirp_txq_init(&q, 4096), 0);
	assert_true(slirp_txq_empty(&q));
	for (int i = 0; i < 5; i++) {
		fill(b, 100 + (size_t)i, (uint8_t)i);
		assert_int_equal(slirp_txq_push(&q, b, 100 + (size_t)i), 0);
	}
	for (int i = 0; i < 5; i++)
		expect_frame(&q, 100 + (size_t)i, (uint8_t)i);
	assert_true(slirp_txq_empty(&q));
	slirp_txq_free(&q);
}

static void test_full_drops_and_counts(void **state)
{
	struct slirp_txq q;
	uint8_t b[300];
	int pushed = 0;

	(void)state;
	assert_int_equal(slirp_txq_init(&q, 1024), 0);
	fill(b, sizeof(b), 7);
	while (slirp_txq_push(&q, b, sizeof(b)) == 0)
		pushed++;
	/* 304 bytes per record: three fit in 1024, the fourth does not */
	assert_int_equal(pushed, 3);
	assert_int_equal(q.dropped, 1);
	assert_int_equal(slirp_txq_push(&q, b, sizeof(b)), -ENOBUFS);
	assert_int_equal(q.dropped, 2);
	for (int i = 0; i < pushed; i++)
		expect_frame(&q, sizeof(b), 7);
	assert_false(slirp_txq_peek(&q, &(const uint8_t *){ NULL }, &(size_t){ 0 }));
	slirp_txq_free(&q);
}

static void test_wraparound_keeps_order(void **state)
{
	struct slirp_txq q;
	uint8_t b[512];
	uint8_t seed_in = 0, seed_out = 0;

	(void)state;
	assert_int_equal(slirp_txq_init(&q, 2048), 0);
	/* keep the queue half full while cycling many times round the buffer */
	for (int round = 0; round < 2000; round++) {
		size_t len = 37 + (size_t)(round * 53) % 400;

		fill(b, len, seed_in);
		if (slirp_txq_push(&q, b, len) == 0) {
			seed_in++;
		} else {
			/* full: drain in order until it fits; an empty queue always fits */
			const uint8_t *d;
			size_t l;

			do {
				assert_true(slirp_txq_peek(&q, &d, &l));
				assert_int_equal(d[0], seed_out);
				slirp_txq_pop(&q);
				seed_out++;
			} while (slirp_txq_push(&q, b, len) != 0);
			seed_in++;
		}
		if (round % 3 == 0 && !slirp_txq_empty(&q)) {
			const uint8_t *d;
			size_t l;

			assert_true(slirp_txq_peek(&q, &d, &l));
			assert_int_equal(d[0], seed_out);
			for (size_t i = 1; i < l; i++)
				assert_int_equal(d[i], (uint8_t)(seed_out + i));
			slirp_txq_pop(&q);
			seed_out++;
		}
	}
	while (!slirp_txq_empty(&q)) {
		const uint8_t *d;
		size_t l;

		assert_true(slirp_txq_peek(&q, &d, &l));
		assert_int_equal(d[0], seed_out);
		slirp_txq_pop(&q);
		seed_out++;
	}
	assert_int_equal(seed_in, seed_out);
	slirp_txq_free(&q);
}

static void test_limits(void **state)
{
	struct slirp_txq q;
	uint8_t b[128] = { 0 };

	(void)state;
	assert_int_equal(slirp_txq_init(&q, 16), -EINVAL);
	assert_int_equal(slirp_txq_init(&q, 128), 0);
	assert_int_equal(slirp_txq_push(&q, b, 0), -EMSGSIZE);
	assert_int_equal(slirp_txq_push(&q, b, 128), -EMSGSIZE);
	assert_int_equal(slirp_txq_push(&q, b, 100), 0);
	slirp_txq_pop(&q);
	slirp_txq_pop(&q); /* popping an empty queue is harmless */
	assert_true(slirp_txq_empty(&q));
	slirp_txq_free(&q);
	slirp_txq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_full_drops_and_counts),
		cmocka_unit_test(test_wraparound_keeps_order),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
