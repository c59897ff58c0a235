/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bounded queue of frames waiting to be written to the tap device.
 *
 * Theory of operation: a write to the tap can fail with EAGAIN when the
 * kernel's queue is full (a burst from a fast host peer). libslirp hands us a
 * frame exactly once, so a frame that cannot be written now is copied here and
 * written, in order, when the tap becomes writable. The queue is one buffer
 * allocated at start (nothing is allocated per frame) holding records
 * [u32 length][payload, padded to 4]. The writer appends at @tail; when the
 * space up to the end of the buffer is too small it wraps to offset 0 and
 * remembers where the data stopped (@wrap), which the reader follows. @tail
 * never catches up with @head while records are queued, so "empty" and "full"
 * are never confused. When the buffer is full, new frames are dropped and
 * counted: TCP retransmits, which is what a full link does anyway.
 */
#ifndef PODNET_SLIRP_TXQUEUE_H
#define PODNET_SLIRP_TXQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct slirp_txq {
	uint8_t *buf;
	size_t size;
	size_t head;  /* oldest record */
	size_t tail;  /* where the next record goes */
	size_t wrap;  /* end of data before the writer wrapped, SIZE_MAX if not wrapped */
	size_t count; /* records queued */
	uint64_t dropped;
};

/** slirp_txq_init() - allocate a queue of @size bytes (>= 64). Return: 0 or -errno. */
int slirp_txq_init(struct slirp_txq *q, size_t size);

/** slirp_txq_free() - release the buffer (safe on a zeroed or freed queue). */
void slirp_txq_free(struct slirp_txq *q);

/**
 * slirp_txq_push() - append a copy of a frame
 *
 * Return: 0; -EMSGSIZE when @len is 0 or can never fit; -ENOBUFS when the queue
 * is full (the frame is dropped and counted).
 */
int slirp_txq_push(struct slirp_txq *q, const void *data, size_t len);

/**
 * slirp_txq_peek() - the oldest frame, without removing it
 *
 * Return: true with *@data and *@len set, false when empty.
 */
bool slirp_txq_peek(const struct slirp_txq *q, const uint8_t **data, size_t *len);

/** slirp_txq_pop() - remove the oldest frame (no-op when empty). */
void slirp_txq_pop(struct slirp_txq *q);

static inline bool slirp_txq_empty(const struct slirp_txq *q)
{
	return q->count == 0;
}

#endif
