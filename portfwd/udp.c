// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UDP: one socket in I per client flow. A flow is the pair (host listener,
 * client address:port). Its inner socket is bound to the client's address
 * (transparently, see tproxy.c) and connected to the container's port, so
 * the container's replies arrive on exactly that socket and go back to that
 * client, from the host address the client last sent to (IP_PKTINFO; for a
 * datagram sent to a broadcast or multicast address, from the address the
 * kernel picks for the client, see flow_note_local()). Datagrams move in
 * batches with recvmmsg/sendmmsg; a flow idle for udp_timeout_s seconds is
 * closed. The flow table and its hash are sized at start; when it is full
 * the least recently used flow makes room.
 */
#define _GNU_SOURCE
#include "fwd.h"
#include "log.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BATCH 32
#define DGRAM_MAX 65536

union small_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct flow {
	int fd;
	uint32_t gen;
	uint32_t listener;
	int32_t next; /* hash chain */
	time_t last;
	uint32_t batch; /* the listener batch that last used it (see flow_evict_oldest()) */
	union small_addr client;
	socklen_t client_len;
	bool used;
	bool have_local;
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} local; /* the source of replies: the host address the client last sent to */
};

static struct flow *flows;
static int32_t *buckets;
static uint32_t nbuckets, flow_max, flow_unused, *free_flows, nfree_flows;
static uint32_t batch_no; /* the listener batch being mapped to flows */

/* Batch buffers: static, touched (and resident) only as far as datagrams fill them. */
static char bufs[BATCH][DGRAM_MAX];
static struct iovec iovs[BATCH];
static struct mmsghdr msgs[BATCH];
static union small_addr names[BATCH];
static char cmsgs[BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
static int32_t msg_flow[BATCH];

int udp_init(struct fwd_ctx *ctx)
{
	flow_max = ctx->max_flows;
	for (nbuckets = 64; nbuckets < 2 * flow_max; nbuckets *= 2)
		;
	flows = calloc(flow_max, sizeof(*flows));
	free_flows = calloc(flow_max, sizeof(*free_flows));
	buckets = malloc(nbuckets * sizeof(*buckets));
	if (!flows || !free_flows || !buckets)
		return -ENOMEM;
	for (uint32_t i = 0; i < nbuckets; i++)
		buckets[i] = -1;
	/* receive the destination address, to answer from it */
	for (size_t i = 0; i < ctx->nlisteners; i++) {
		struct fwd_listener *l = &ctx->listeners[i];
		int one = 1;

		if (l->proto != IPPROTO_UDP)
			continue;
		if (l->family == AF_INET)
			(void)setsockopt(l->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		else
			(void)setsockopt(l->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	return 0;
}

static uint32_t flow_hash(uint32_t listener, const union small_addr *a)
{
	const unsigned char *p;
	size_t len;
	uint32_t h = 2166136261u ^ listener;

	if (a->sa.sa_family == AF_INET) {
		p = (const unsigned char *)&a->in4.sin_addr;
		len = 4;
		h = (h ^ a->in4.sin_port) * 16777619u;
	} else {
		p = (const unsigned char *)&a->in6.sin6_addr;
		len = 16;
		h = (h ^ a->in6.sin6_port) * 16777619u;
	}
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (nbuckets - 1);
}

static bool addr_eq(const union small_addr *a, const union small_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_port == b->in4.sin_port && a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	return a->in6.sin6_port == b->in6.sin6_port &&
	       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr));
}

static void flow_free(uint32_t idx)
{
	struct flow *f = &flows[idx];
	int32_t *pp = &buckets[flow_hash(f->listener, &f->client)];

	while (*pp >= 0 && *pp != (int32_t)idx)
		pp = &flows[*pp].next;
	if (*pp == (int32_t)idx)
		*pp = f->next;
	close(f->fd);
	f->used = false;
	f->gen++;
	free_flows[nfree_flows++] = idx;
}

static int32_t flow_lookup(uint32_t listener, const union small_addr *client)
{
	for (int32_t i = buckets[flow_hash(listener, client)]; i >= 0; i = flows[i].next)
		if (flows[i].listener == listener && addr_eq(&flows[i].client, client))
			return i;
	return -1;
}

/*
 * Make room: close the least recently used flow, but never one that a
 * datagram of the batch being mapped already points to (its slot would be
 * handed to the new client, and that datagram sent on the new client's
 * socket). Return: whether a slot was freed.
 */
static bool flow_evict_oldest(void)
{
	uint32_t oldest = UINT32_MAX;

	for (uint32_t i = 0; i < flow_unused; i++)
		if (flows[i].used && flows[i].batch != batch_no &&
		    (oldest == UINT32_MAX || flows[i].last < flows[oldest].last))
			oldest = i;
	if (oldest == UINT32_MAX)
		return false;
	pn_debug("UDP flow table full, closing the least recently used flow");
	flow_free(oldest);
	return true;
}

/*
 * Whether the inner socket of a new flow, bound to the client's own address
 * (tproxy_source()), may keep the client's port: not when a flow of another
 * listener forwarding to the same target has this client (the same client
 * address:port reaching two published ports of one container port). Two UDP
 * sockets bound to one address:port and connected to one target would both
 * be accepted by the kernel, and the container's replies would all reach one
 * of them. (Clients shown as the host gateway never keep their port: two of
 * them may have the same one.)
 */
static bool flow_keeps_port(const struct fwd_ctx *ctx, uint32_t li, const union small_addr *client)
{
	const struct fwd_listener *l = &ctx->listeners[li];

	for (size_t i = 0; i < ctx->nlisteners; i++) {
		const struct fwd_listener *o = &ctx->listeners[i];

		if (i == li || o->proto != IPPROTO_UDP || o->target_len != l->target_len ||
		    memcmp(&o->target, &l->target, l->target_len) != 0)
			continue;
		if (flow_lookup((uint32_t)i, client) >= 0)
			return false;
	}
	return true;
}

static int32_t flow_create(struct fwd_ctx *ctx, uint32_t li, const union small_addr *client, socklen_t clen)
{
	const struct fwd_listener *l = &ctx->listeners[li];
	int family = l->target.sa.sa_family;
	union fwd_addr c, src;
	socklen_t srclen = 0;
	bool transparent, own;
	struct epoll_event ev;
	struct flow *f;
	uint32_t idx;
	int fd;

	if (!nfree_flows && flow_unused == flow_max && !flow_evict_oldest()) {
		pn_debug("UDP flow table full with flows of this batch: datagram dropped");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	memcpy(&c, client, clen);
	transparent = tproxy_source(ctx, &c, family, &src, &srclen, &own);
	fd = tproxy_socket(family, SOCK_DGRAM, transparent ? &src : NULL, srclen,
			   transparent && own && flow_keeps_port(ctx, li, client));
	if (fd < 0)
		return -1;
	if (connect(fd, &l->target.sa, l->target_len) < 0) {
		pn_debug("UDP connect in I: %s", strerror(errno));
		close(fd);
		return -1;
	}
	idx = nfree_flows ? free_flows[--nfree_flows] : flow_unused++;
	f = &flows[idx];
	f->fd = fd;
	f->listener = li;
	f->client = *client;
	f->client_len = clen;
	f->used = true;
	f->have_local = false;
	f->last = ctx->now;
	ev.events = EPOLLIN;
	ev.data.u64 = fwd_ev_pack(FWD_EV_FLOW, 0, f->gen, idx);
	if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		flow_free(idx);
		return -1;
	}
	f->next = buckets[flow_hash(li, client)];
	buckets[flow_hash(li, client)] = (int32_t)idx;
	return (int32_t)idx;
}

static void batch_prepare(bool with_names)
{
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = DGRAM_MAX;
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (with_names) {
			msgs[i].msg_hdr.msg_name = &names[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
			msgs[i].msg_hdr.msg_control = cmsgs[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(cmsgs[i]);
		}
	}
}

/*
 * Remember the source address for the replies to a client's datagram (from
 * IP_PKTINFO / IPV6_PKTINFO): the address the client sent to, when that is one
 * of ours. A datagram sent to a broadcast or multicast address cannot be
 * answered from there (sendmsg() fails, and would for every reply of the flow).
 */
static void flow_note_local(struct flow *f, struct msghdr *h)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			/*
			 * On send, ipi_spec_dst is the source. On receive the kernel
			 * sets it to the destination (ipi_addr) of a unicast datagram,
			 * and to the address it would answer from for a broadcast or
			 * multicast one: exactly what we need, as received.
			 */
			memcpy(&f->local.v4, CMSG_DATA(cm), sizeof(f->local.v4));
			f->local.v4.ipi_ifindex = 0;
			f->have_local = true;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			/* ipi6_addr is the destination; for multicast, let routing pick the source */
			memcpy(&f->local.v6, CMSG_DATA(cm), sizeof(f->local.v6));
			if (IN6_IS_ADDR_MULTICAST(&f->local.v6.ipi6_addr))
				f->local.v6.ipi6_addr = in6addr_any;
			f->local.v6.ipi6_ifindex = 0;
			f->have_local = true;
		}
	}
}

void udp_listener_event(struct fwd_ctx *ctx, struct fwd_listener *l, uint32_t li)
{
	int n, i = 0;

	batch_prepare(true);
	n = recvmmsg(l->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	batch_no++;
	for (int k = 0; k < n; k++) {
		socklen_t nlen = msgs[k].msg_hdr.msg_namelen;
		int32_t f = flow_lookup(li, &names[k]);

		if (f < 0 && nlen <= sizeof(union small_addr))
			f = flow_create(ctx, li, &names[k], nlen);
		msg_flow[k] = f;
		if (f >= 0) {
			flows[f].last = ctx->now;
			flows[f].batch = batch_no;
			/* the latest: a client may broadcast first, then talk to one address */
			flow_note_local(&flows[f], &msgs[k].msg_hdr);
		}
		/* the same buffers go out on the connected inner socket: no name, no control */
		iovs[k].iov_len = msgs[k].msg_len;
		msgs[k].msg_hdr.msg_name = NULL;
		msgs[k].msg_hdr.msg_namelen = 0;
		msgs[k].msg_hdr.msg_control = NULL;
		msgs[k].msg_hdr.msg_controllen = 0;
	}
	/* consecutive datagrams of one flow leave in one sendmmsg */
	while (i < n) {
		int j = i + 1;

		while (j < n && msg_flow[j] == msg_flow[i])
			j++;
		if (msg_flow[i] >= 0)
			(void)sendmmsg(flows[msg_flow[i]].fd, &msgs[i], (unsigned)(j - i), MSG_DONTWAIT);
		i = j;
	}
}

void udp_flow_event(struct fwd_ctx *ctx, uint64_t data)
{
	uint32_t idx = fwd_ev_idx(data);
	struct flow *f;
	int n;

	if (idx >= flow_max)
		return;
	f = &flows[idx];
	if (!f->used || (f->gen & ((1u << FWD_GEN_BITS) - 1)) != fwd_ev_gen(data))
		return;
	batch_prepare(false);
	n = recvmmsg(f->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return; /* e.g. ECONNREFUSED from an ICMP error: nothing to carry */
	f->last = ctx->now;
	for (int k = 0; k < n; k++) {
		struct msghdr *h = &msgs[k].msg_hdr;

		iovs[k].iov_len = msgs[k].msg_len;
		h->msg_name = &f->client;
		h->msg_namelen = f->client_len;
		if (f->have_local) {
			struct cmsghdr *cm;

			h->msg_control = cmsgs[k];
			if (f->client.sa.sa_family == AF_INET) {
				h->msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
				cm = CMSG_FIRSTHDR(h);
				cm->cmsg_level = IPPROTO_IP;
				cm->cmsg_type = IP_PKTINFO;
				cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
				memcpy(CMSG_DATA(cm), &f->local.v4, sizeof(f->local.v4));
			} else {
				h->msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
				cm = CMSG_FIRSTHDR(h);
				cm->cmsg_level = IPPROTO_IPV6;
				cm->cmsg_type = IPV6_PKTINFO;
				cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
				memcpy(CMSG_DATA(cm), &f->local.v6, sizeof(f->local.v6));
			}
		}
	}
	(void)sendmmsg(ctx->listeners[f->listener].fd, msgs, (unsigned)n, MSG_DONTWAIT);
}

void udp_expire(struct fwd_ctx *ctx)
{
	for (uint32_t i = 0; i < flow_unused; i++)
		if (flows[i].used && ctx->now - flows[i].last >= (time_t)ctx->udp_timeout_s)
			flow_free(i);
}

void udp_close_all(struct fwd_ctx *ctx)
{
	(void)ctx;
	for (uint32_t i = 0; i < flow_unused; i++)
		if (flows[i].used)
			flow_free(i);
}
