/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One nf_tables transaction sent as a raw nfnetlink batch, for the few
 * small, hot changes that must not pay for libnftables (about 20 ms to load
 * it and fetch the ruleset cache, against ~0.1 ms for the batch): set
 * elements of one attachment, and deleting a table. Whole rulesets still go
 * through libnftables (nft.c). libnl has no nf_tables objects, and Debian's
 * libmnl ships no static archive for the static CLI, so the messages are
 * built here; each is checked against the kernel's answer.
 */
#ifndef PODNET_NETD_NFNL_H
#define PODNET_NETD_NFNL_H

#include <stddef.h>
#include <stdint.h>

#define NETD_NFNL_BUF 16384
#define NETD_NFNL_NEST_MAX 6

struct netd_nfnl_batch {
	char buf[NETD_NFNL_BUF] __attribute__((aligned(4)));
	size_t at;        /* bytes used */
	size_t msg;       /* offset of the open message */
	size_t nest[NETD_NFNL_NEST_MAX];
	int depth;
	uint32_t seq;     /* of the last message */
	unsigned nmsgs;   /* messages between begin and end */
	int overflow;     /* set when the buffer was too small: commit fails with -E2BIG */
};

/** netd_nfnl_begin() - an empty batch (NFNL_MSG_BATCH_BEGIN written). */
void netd_nfnl_begin(struct netd_nfnl_batch *b);

/**
 * netd_nfnl_msg() - open a message (the previous one is closed)
 * @type: NFT_MSG_* of subsystem nf_tables
 * @flags: NLM_F_* besides NLM_F_REQUEST and NLM_F_ACK (always set)
 * @family: NFPROTO_* of the table
 */
void netd_nfnl_msg(struct netd_nfnl_batch *b, uint16_t type, uint16_t flags, uint8_t family);

/** netd_nfnl_attr() - an attribute of @len bytes in the open message or nest. */
void netd_nfnl_attr(struct netd_nfnl_batch *b, uint16_t type, const void *data, size_t len);

/** netd_nfnl_attr_str() - a NUL-terminated string attribute. */
void netd_nfnl_attr_str(struct netd_nfnl_batch *b, uint16_t type, const char *s);

/** netd_nfnl_nest() / netd_nfnl_nest_end() - open and close a nested attribute. */
void netd_nfnl_nest(struct netd_nfnl_batch *b, uint16_t type);
void netd_nfnl_nest_end(struct netd_nfnl_batch *b);

/**
 * netd_nfnl_commit() - end the batch, send it in the current netns, read every answer
 *
 * Return: 0 when the kernel applied every message, else the first error as a
 * negative errno (-ENOENT: a table or set does not exist); the kernel then
 * applied none of them.
 */
int netd_nfnl_commit(struct netd_nfnl_batch *b);

#endif
