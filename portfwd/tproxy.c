// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Source addresses: the container sees the real client.
 *
 * Inside I the forwarder is root of U, so its inner sockets may set
 * IP_TRANSPARENT / IPV6_TRANSPARENT (CAP_NET_ADMIN over I's owner) and bind
 * the client's address and port before connecting to the container. The
 * container answers that address through its gateway, i.e. into I, where the
 * address is not local. Three idempotent pieces in I (an nft table that marks
 * packets of transparent sockets, a policy rule and a local route; see
 * portfwd.h) deliver those answers to our socket instead of routing them
 * away. The CLI sets them up before it starts us (netd/tproxy.c) and passes
 * the families that work (--transparent); this process never talks to
 * nftables or rtnetlink, which is what lets it be linked statically.
 *
 * A loopback client (127.0.0.0/8, ::1) cannot be shown as itself: the
 * container would answer its own loopback. It appears as the host gateway
 * (what host.containers.internal resolves to, 10.0.2.2 by default), as pasta
 * maps loopback to its gateway. So does a client of the other address family
 * (an IPv6 client of an IPv4-only container). Without the plumbing for a
 * family the container uses, the forwarder connects plainly from its own
 * address in I and records "fallback" with the reason (podnet inspect).
 */
#define _GNU_SOURCE
#include "fwd.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static bool v4_usable(in_addr_t a)
{
	uint32_t h = ntohl(a);

	return h != 0 && (h >> 24) != 127 && h != 0xffffffffu;
}

static bool v6_usable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a) && !IN6_IS_ADDR_MULTICAST(a);
}

bool tproxy_source(const struct fwd_ctx *ctx, const union fwd_addr *client, int target_family,
		   union fwd_addr *ret, socklen_t *ret_len, bool *ret_own)
{
	uint16_t port = client->sa.sa_family == AF_INET ? client->in4.sin_port : client->in6.sin6_port;
	bool own_buf, *own = ret_own ? ret_own : &own_buf;

	memset(ret, 0, sizeof(*ret));
	*own = true;
	if (target_family == AF_INET) {
		struct in_addr a;

		if (!ctx->src.transparent4)
			return false;
		if (client->sa.sa_family == AF_INET && v4_usable(client->in4.sin_addr.s_addr))
			a = client->in4.sin_addr;
		else if (client->sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&client->in6.sin6_addr) &&
			 v4_usable(client->in6.sin6_addr.s6_addr32[3]))
			a.s_addr = client->in6.sin6_addr.s6_addr32[3];
		else if (ctx->src.have_host4) {
			a = ctx->src.host4;
			*own = false;
		} else {
			return false;
		}
		ret->in4.sin_family = AF_INET;
		ret->in4.sin_addr = a;
		ret->in4.sin_port = port;
		*ret_len = sizeof(ret->in4);
		return true;
	}
	if (!ctx->src.transparent6)
		return false;
	ret->in6.sin6_family = AF_INET6;
	ret->in6.sin6_port = port;
	if (client->sa.sa_family == AF_INET6 && v6_usable(&client->in6.sin6_addr))
		ret->in6.sin6_addr = client->in6.sin6_addr;
	else if (ctx->src.have_host6) {
		ret->in6.sin6_addr = ctx->src.host6;
		*own = false;
	} else {
		return false;
	}
	*ret_len = sizeof(ret->in6);
	return true;
}

static int transparent_bind(int fd, int family, const union fwd_addr *src, socklen_t len, bool keep_port)
{
	union fwd_addr a = *src;
	int one = 1, reuse = keep_port;

	if (family == AF_INET) {
		if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) < 0)
			return -errno;
		if (!keep_port)
			a.in4.sin_port = 0;
	} else {
		if (setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)) < 0)
			return -errno;
		if (!keep_port)
			a.in6.sin6_port = 0;
	}
	/*
	 * The same client address:port may reach several published ports. A
	 * port the kernel picks (port 0) must not be shared: with SO_REUSEADDR
	 * on both, the kernel does not count another such socket's port as taken.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse)) < 0)
		return -errno;
	if (bind(fd, &a.sa, len) < 0) {
		if (keep_port && errno == EADDRINUSE)
			return transparent_bind(fd, family, src, len, false);
		return -errno;
	}
	return 0;
}

int tproxy_socket(int family, int type, const union fwd_addr *src, socklen_t src_len, bool keep_port)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0 || !src)
		return fd < 0 ? -errno : fd;
	r = transparent_bind(fd, family, src, src_len, keep_port);
	if (r == 0)
		return fd;
	/* a socket that failed to bind transparently is replaced by a plain one */
	pn_debug("transparent bind failed (%s), plain connect", strerror(-r));
	close(fd);
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}
