// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host listeners. Every published port is bound in the host network namespace
 * before the forwarder joins U and I, so a conflict is known (and reported to
 * portfwd_start()) before anything runs. A mapping without a host IP listens
 * on 0.0.0.0 and on :: (IPV6_V6ONLY, so the two are independent sockets); a
 * mapping with host_port 0 gets a free port chosen by the kernel, the same one
 * on both families and for every port of its range, and a tcp+udp pair of
 * automatic mappings gets the same port for both protocols where it can.
 */
#define _GNU_SOURCE
#include "fileutil.h"
#include "fwd.h"
#include "cleanup.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define AUTO_PORT_TRIES 64
#define LISTEN_BACKLOG 4096

static int unprivileged_port_start(void)
{
	char buf[32];

	if (pn_sysctl_read("net/ipv4/ip_unprivileged_port_start", buf, sizeof(buf)) < 0 || !buf[0])
		return 1024;
	return atoi(buf);
}

static const char *family_any(int family)
{
	return family == AF_INET6 ? "::" : "0.0.0.0";
}

static int bind_error(int r, const struct pn_port_mapping *m, int family, unsigned port,
		      struct pn_err *err)
{
	const char *ip = m->host_ip[0] ? m->host_ip : family_any(family);
	int start;

	switch (-r) {
	case EADDRINUSE:
		return pn_err_set(err, EADDRINUSE, "port %u/%s on %s is already in use", port, m->protocol, ip);
	case EACCES:
	case EPERM:
		start = unprivileged_port_start();
		if ((int)port < start)
			return pn_err_set(err, EACCES,
					  "port %u/%s on %s is below net.ipv4.ip_unprivileged_port_start (%d): publish a host port >= %d, or lower it with 'sysctl net.ipv4.ip_unprivileged_port_start=%u'",
					  port, m->protocol, ip, start, start, port);
		return pn_err_set(err, -r, "port %u/%s on %s: permission denied", port, m->protocol, ip);
	case EADDRNOTAVAIL:
		return pn_err_set(err, EADDRNOTAVAIL, "host IP %s is not an address of this host", ip);
	case EMFILE: {
		struct rlimit rl;

		/* main() raised the soft limit to the hard one before binding */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY)
			return pn_err_set(err, EMFILE,
					  "port %u/%s on %s: too many open files: each published port takes one descriptor per address family, and the limit (ulimit -Hn) is %llu",
					  port, m->protocol, ip, (unsigned long long)rl.rlim_max);
		return pn_err_set(err, EMFILE, "port %u/%s on %s: %s", port, m->protocol, ip, strerror(EMFILE));
	}
	default:
		return pn_err_set(err, -r, "port %u/%s on %s: %s", port, m->protocol, ip, strerror(-r));
	}
}

/* Bind one host socket. Return: fd, or -errno. */
static int bind_one(int family, int proto, const char *ip, unsigned port, uint16_t *ret_port)
{
	_cleanup_close_ int fd = -1;
	union fwd_addr a;
	socklen_t alen;
	int one = 1;

	memset(&a, 0, sizeof(a));
	if (family == AF_INET) {
		a.in4.sin_family = AF_INET;
		a.in4.sin_port = htons((uint16_t)port);
		if (ip[0] && inet_pton(AF_INET, ip, &a.in4.sin_addr) != 1)
			return -EINVAL;
		alen = sizeof(a.in4);
	} else {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons((uint16_t)port);
		if (ip[0] && inet_pton(AF_INET6, ip, &a.in6.sin6_addr) != 1)
			return -EINVAL;
		alen = sizeof(a.in6);
	}
	fd = socket(family, (proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* TCP only: lets a restarted forwarder rebind despite TIME_WAIT. For UDP it
	 * would let us share a port with another program instead of failing. */
	if (proto == IPPROTO_TCP && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return -errno;
	if (bind(fd, &a.sa, alen) < 0)
		return -errno;
	if (proto == IPPROTO_TCP && listen(fd, LISTEN_BACKLOG) < 0)
		return -errno;
	alen = sizeof(a);
	if (getsockname(fd, &a.sa, &alen) < 0)
		return -errno;
	*ret_port = ntohs(family == AF_INET ? a.in4.sin_port : a.in6.sin6_port);
	return steal_fd(&fd);
}

static void close_from(struct fwd_ctx *ctx, size_t first)
{
	for (size_t i = first; i < ctx->nlisteners; i++)
		close(ctx->listeners[i].fd);
	ctx->nlisteners = first;
}

static int set_target(struct fwd_listener *l, const char *target4, const char *target6, unsigned port)
{
	bool use6;

	/* same family as the client where the container has it, else the other one */
	if (l->family == AF_INET6)
		use6 = target6 && target6[0];
	else
		use6 = !(target4 && target4[0]);
	memset(&l->target, 0, sizeof(l->target));
	if (use6) {
		l->target.in6.sin6_family = AF_INET6;
		l->target.in6.sin6_port = htons((uint16_t)port);
		if (!target6 || inet_pton(AF_INET6, target6, &l->target.in6.sin6_addr) != 1)
			return -EINVAL;
		l->target_len = sizeof(l->target.in6);
	} else {
		l->target.in4.sin_family = AF_INET;
		l->target.in4.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, target4, &l->target.in4.sin_addr) != 1)
			return -EINVAL;
		l->target_len = sizeof(l->target.in4);
	}
	return 0;
}

/*
 * Bind all ports of one mapping starting at @first (0: let the kernel choose
 * the first). On failure everything this call bound is closed again.
 */
static int bind_mapping(struct fwd_ctx *ctx, struct fwd_map_spec *s, unsigned first, const char *target4,
			const char *target6, struct pn_err *err)
{
	const struct pn_port_mapping *m = &s->m;
	int proto = strcmp(m->protocol, "udp") ? IPPROTO_TCP : IPPROTO_UDP;
	int families[2], nfam = 0;
	size_t mark = ctx->nlisteners;
	unsigned base = first;

	if (!m->host_ip[0]) {
		families[nfam++] = AF_INET;
		families[nfam++] = AF_INET6;
	} else {
		families[nfam++] = strchr(m->host_ip, ':') ? AF_INET6 : AF_INET;
	}
	for (unsigned i = 0; i < m->range; i++) {
		for (int f = 0; f < nfam; f++) {
			struct fwd_listener *l = &ctx->listeners[ctx->nlisteners];
			unsigned want = base ? base + i : 0;
			uint16_t got = 0;
			int fd;

			if (base && base + i > 65535) {
				close_from(ctx, mark);
				return pn_err_set(err, ERANGE, "no room for %u ports from %u", m->range, base);
			}
			fd = bind_one(families[f], proto, m->host_ip, want, &got);
			if (fd == -EAFNOSUPPORT && !m->host_ip[0] && families[f] == AF_INET6) {
				/* no IPv6 on this host: 0.0.0.0 alone serves "every address" */
				continue;
			}
			if (fd < 0) {
				close_from(ctx, mark);
				return bind_error(fd, m, families[f], want, err);
			}
			if (!base)
				base = got;
			l->fd = fd;
			l->proto = proto;
			l->family = families[f];
			l->host_port = got;
			if (set_target(l, target4, target6, (unsigned)m->container_port + i) < 0) {
				close(fd);
				close_from(ctx, mark);
				return pn_err_set(err, EINVAL, "invalid container address");
			}
			ctx->nlisteners++;
		}
	}
	s->m.host_port = (uint16_t)base;
	return 0;
}

int listen_bind_all(struct fwd_ctx *ctx, struct fwd_map_spec *specs, size_t n, const char *target4,
		    const char *target6, struct pn_err *err)
{
	size_t total = 0;
	int r;

	if (!(target4 && target4[0]) && !(target6 && target6[0]))
		return pn_err_set(err, EINVAL, "the container has no address to forward to");
	for (size_t i = 0; i < n; i++)
		total += (size_t)specs[i].m.range * 2;
	ctx->listeners = calloc(total ? total : 1, sizeof(*ctx->listeners));
	if (!ctx->listeners)
		return pn_err_set(err, ENOMEM, "out of memory");
	ctx->nlisteners = 0;

	/* explicit ports first, so an automatic choice cannot take one of them */
	for (size_t i = 0; i < n; i++) {
		if (specs[i].auto_port)
			continue;
		r = bind_mapping(ctx, &specs[i], specs[i].m.host_port, target4, target6, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct fwd_map_spec *s = &specs[i];
		unsigned hint = 0;

		if (!s->auto_port)
			continue;
		/* the other protocol of the same spec already got a port: try that one */
		for (size_t j = 0; j < i; j++)
			if (specs[j].auto_port && specs[j].m.container_port == s->m.container_port &&
			    specs[j].m.range == s->m.range && !strcmp(specs[j].m.host_ip, s->m.host_ip) &&
			    strcmp(specs[j].m.protocol, s->m.protocol))
				hint = specs[j].m.host_port;
		if (hint && bind_mapping(ctx, s, hint, target4, target6, err) == 0)
			continue;
		r = -EADDRINUSE;
		for (int t = 0; t < AUTO_PORT_TRIES && r < 0; t++) {
			r = bind_mapping(ctx, s, 0, target4, target6, err);
			if (r < 0 && r != -EADDRINUSE && r != -ERANGE)
				return r;
		}
		if (r < 0)
			return pn_err_set(err, EADDRINUSE, "found no free host port range for %u %s ports",
					  s->m.range, s->m.protocol);
		pn_err_clear(err);
	}
	return 0;
}
