// SPDX-License-Identifier: GPL-2.0-or-later
/* Raw nf_tables batches: see nfnl.h. */
#include "nfnl.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

static void *put(struct netd_nfnl_batch *b, size_t len)
{
	void *p;

	if (b->overflow || b->at + NLMSG_ALIGN(len) > sizeof(b->buf)) {
		b->overflow = 1;
		return NULL;
	}
	p = b->buf + b->at;
	memset(p, 0, NLMSG_ALIGN(len));
	b->at += NLMSG_ALIGN(len);
	return p;
}

/* A header of type @type; its length is set when the next one starts. */
static void header(struct netd_nfnl_batch *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id)
{
	struct nlmsghdr *h;
	struct nfgenmsg *g;
	size_t at = b->at;

	h = put(b, sizeof(*h));
	g = put(b, sizeof(*g));
	if (!h || !g)
		return;
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	h->nlmsg_seq = ++b->seq;
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	b->msg = at;
}

static void close_msg(struct netd_nfnl_batch *b)
{
	if (!b->overflow)
		((struct nlmsghdr *)(b->buf + b->msg))->nlmsg_len = (uint32_t)(b->at - b->msg);
	b->depth = 0;
}

void netd_nfnl_begin(struct netd_nfnl_batch *b)
{
	memset(b, 0, sizeof(*b));
	header(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
}

void netd_nfnl_msg(struct netd_nfnl_batch *b, uint16_t type, uint16_t flags, uint8_t family)
{
	close_msg(b);
	header(b, (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type), (uint16_t)(flags | NLM_F_ACK), family, 0);
	b->nmsgs++;
}

void netd_nfnl_attr(struct netd_nfnl_batch *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = put(b, NLA_HDRLEN + len);

	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
}

void netd_nfnl_attr_str(struct netd_nfnl_batch *b, uint16_t type, const char *s)
{
	netd_nfnl_attr(b, type, s, strlen(s) + 1);
}

void netd_nfnl_nest(struct netd_nfnl_batch *b, uint16_t type)
{
	size_t at = b->at;
	struct nlattr *a = put(b, NLA_HDRLEN);

	if (!a || b->depth >= NETD_NFNL_NEST_MAX) {
		b->overflow = 1;
		return;
	}
	a->nla_type = (uint16_t)(type | NLA_F_NESTED);
	b->nest[b->depth++] = at;
}

void netd_nfnl_nest_end(struct netd_nfnl_batch *b)
{
	struct nlattr *a;

	if (b->overflow || b->depth == 0)
		return;
	a = (struct nlattr *)(b->buf + b->nest[--b->depth]);
	a->nla_len = (uint16_t)(b->buf + b->at - (char *)a);
}

int netd_nfnl_commit(struct netd_nfnl_batch *b)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 2 };
	char ack[8192] __attribute__((aligned(4)));
	unsigned answered = 0;
	int fd, r = 0;

	close_msg(b);
	header(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	close_msg(b);
	if (b->overflow)
		return -E2BIG;
	if (b->nmsgs == 0)
		return 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, b->buf, b->at, 0, (struct sockaddr *)&kernel, sizeof(kernel)) != (ssize_t)b->at) {
		r = errno ? -errno : -EIO;
		close(fd);
		return r;
	}
	/* every message asked for an answer: an ack, or the error that aborted the batch */
	while (answered < b->nmsgs && r == 0) {
		ssize_t n = recv(fd, ack, sizeof(ack), 0);
		struct nlmsghdr *m;
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		left = (size_t)n;
		for (m = (struct nlmsghdr *)ack; NLMSG_OK(m, left); m = NLMSG_NEXT(m, left)) {
			int e;

			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			e = ((struct nlmsgerr *)NLMSG_DATA(m))->error;
			answered++;
			if (e < 0 && r == 0)
				r = e;
		}
	}
	close(fd);
	return r;
}
