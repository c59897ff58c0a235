// SPDX-License-Identifier: GPL-2.0-or-later
/* Bounded frame queue in one preallocated buffer: see txqueue.h. */
#include "txqueue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REC_HDR sizeof(uint32_t)

static size_t rec_size(size_t len)
{
	return REC_HDR + ((len + 3) & ~(size_t)3);
}

static void reset(struct slirp_txq *q)
{
	q->head = q->tail = 0;
	q->wrap = SIZE_MAX;
	q->count = 0;
}

int slirp_txq_init(struct slirp_txq *q, size_t size)
{
	memset(q, 0, sizeof(*q));
	if (size < 64)
		return -EINVAL;
	size &= ~(size_t)3;
	q->buf = malloc(size);
	if (!q->buf)
		return -ENOMEM;
	q->size = size;
	reset(q);
	return 0;
}

void slirp_txq_free(struct slirp_txq *q)
{
	free(q->buf);
	q->buf = NULL;
	q->size = 0;
	reset(q);
}

static void put(struct slirp_txq *q, size_t at, const void *data, size_t len)
{
	uint32_t l = (uint32_t)len;

	memcpy(q->buf + at, &l, REC_HDR);
	memcpy(q->buf + at + REC_HDR, data, len);
	q->tail = at + rec_size(len);
	q->count++;
}

int slirp_txq_push(struct slirp_txq *q, const void *data, size_t len)
{
	size_t need;

	if (len == 0 || len > UINT32_MAX || rec_size(len) >= q->size) {
		q->dropped++;
		return -EMSGSIZE;
	}
	need = rec_size(len);
	if (q->count == 0)
		reset(q);
	if (q->wrap == SIZE_MAX) {
		/* data is [head, tail): room at the end, or wrap to the start */
		if (q->size - q->tail >= need) {
			put(q, q->tail, data, len);
			return 0;
		}
		if (need < q->head) {
			q->wrap = q->tail;
			put(q, 0, data, len);
			return 0;
		}
	} else if (q->tail + need < q->head) {
		/* wrapped: data is [head, wrap) then [0, tail) */
		put(q, q->tail, data, len);
		return 0;
	}
	q->dropped++;
	return -ENOBUFS;
}

bool slirp_txq_peek(const struct slirp_txq *q, const uint8_t **data, size_t *len)
{
	uint32_t l;

	if (q->count == 0)
		return false;
	memcpy(&l, q->buf + q->head, REC_HDR);
	*data = q->buf + q->head + REC_HDR;
	*len = l;
	return true;
}

void slirp_txq_pop(struct slirp_txq *q)
{
	uint32_t l;

	if (q->count == 0)
		return;
	memcpy(&l, q->buf + q->head, REC_HDR);
	q->head += rec_size(l);
	q->count--;
	if (q->count == 0) {
		reset(q);
		return;
	}
	if (q->head == q->wrap) {
		q->head = 0;
		q->wrap = SIZE_MAX;
	}
}
