// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Source addresses: the container sees the real client.
 *
 * Inside I the forwarder is root of U, so its inner sockets may set
 * IP_TRANSPARENT / IPV6_TRANSPARENT (CAP_NET_ADMIN over I's owner) and bind
 * the client's address and port before connecting to the container. The
 * container answers that address through its gateway, i.e. into I, where the
 * address is not local. Three pieces, all in I and all idempotent, deliver
 * those answers to our socket instead of routing them away:
 *
 *   nft:    table inet podnet_portfwd, chain prerouting (mangle priority):
 *           packets that belong to a transparent socket get mark 0x5046
 *   rule:   fwmark 0x5046/0x5046 lookup 20550 (IPv4 and IPv6, priority 20550)
 *   route:  local 0.0.0.0/0 dev lo table 20550, local ::/0 dev lo table 20550
 *
 * A loopback client (127.0.0.0/8, ::1) cannot be shown as itself: the
 * container would answer its own loopback. It appears as the host gateway
 * (what host.containers.internal resolves to, 10.0.2.2 by default), as pasta
 * maps loopback to its gateway. So does a client of the other address family
 * (an IPv6 client of an IPv4-only container). If setup fails, or a family is
 * missing in I, the forwarder falls back to plain connects from its own
 * address in I and records "fallback" with the reason (podnet inspect).
 *
 * libnftables is only needed once, so it is loaded with dlopen() in a short
 * child process: the long-running forwarder never maps it (RSS budget).
 */
#define _GNU_SOURCE
#include "fwd.h"
#include "nftrun.h"
#include "cleanup.h"
#include "log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char nft_rules[] =
	"table inet podnet_portfwd {\n"
	"	chain prerouting {\n"
	"		type filter hook prerouting priority mangle; policy accept;\n"
	"	}\n"
	"}\n"
	"flush chain inet podnet_portfwd prerouting\n"
	"add rule inet podnet_portfwd prerouting meta l4proto { tcp, udp } socket transparent 1 meta mark set " TPROXY_FWMARK_STR "\n";

/* Child side: apply the rules, report errors on @fd. */
static __attribute__((noreturn)) void nft_child(int fd)
{
	char msg[256];

	if (pn_nft_run(nft_rules, false, msg, sizeof(msg)) < 0) {
		dprintf(fd, "nft: %s", msg);
		_exit(1);
	}
	_exit(0);
}

static int nft_apply(char *reason, size_t reason_size)
{
	_cleanup_close_ int rd = -1;
	int p[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		nft_child(p[1]);
	}
	close(p[1]);
	rd = p[0];
	n = read(rd, reason, reason_size - 1);
	reason[n > 0 ? n : 0] = '\0';
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (!reason[0])
			snprintf(reason, reason_size, "nft setup failed");
		/* one line for status files */
		for (char *c = reason; *c; c++)
			if (*c == '\n')
				*c = ' ';
		return -EIO;
	}
	return 0;
}

/* Send one request and wait for its acknowledgement. Return: 0 or -errno. */
static int nl_request(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned portid = mnl_socket_get_portid(nl);
	ssize_t n;

	nlh->nlmsg_seq = (unsigned)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0)
		return -errno;
	return 0;
}

static int rule_add(struct mnl_socket *nl, int family)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fib_rule_hdr *frh;
	int r;

	nlh->nlmsg_type = RTM_NEWRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (unsigned char)family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = RT_TABLE_UNSPEC; /* > 255: FRA_TABLE carries it */
	mnl_attr_put_u32(nlh, FRA_FWMARK, TPROXY_FWMARK);
	mnl_attr_put_u32(nlh, FRA_FWMASK, TPROXY_FWMARK);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, TPROXY_RULE_PRIORITY);
	mnl_attr_put_u32(nlh, FRA_TABLE, TPROXY_TABLE);
	r = nl_request(nl, nlh);
	return r == -EEXIST ? 0 : r;
}

static int local_route_add(struct mnl_socket *nl, int family)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	unsigned lo = if_nametoindex("lo");

	if (!lo)
		return -ENODEV;
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_UNSPEC; /* > 255: RTA_TABLE carries it */
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_HOST;
	rtm->rtm_type = RTN_LOCAL;
	mnl_attr_put_u32(nlh, RTA_TABLE, TPROXY_TABLE);
	mnl_attr_put_u32(nlh, RTA_OIF, lo);
	return nl_request(nl, nlh);
}

int tproxy_setup(struct fwd_ctx *ctx, char *reason, size_t reason_size)
{
	struct mnl_socket *nl;
	int r, families[2] = { AF_INET, AF_INET6 };
	bool ok[2] = { false, false };

	reason[0] = '\0';
	r = nft_apply(reason, reason_size);
	if (r < 0)
		return r;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl) {
		snprintf(reason, reason_size, "netlink: %s", strerror(errno));
		return -errno;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		snprintf(reason, reason_size, "netlink bind: %s", strerror(-r));
		mnl_socket_close(nl);
		return r;
	}
	for (int i = 0; i < 2; i++) {
		r = rule_add(nl, families[i]);
		if (r == 0)
			r = local_route_add(nl, families[i]);
		if (r < 0) {
			snprintf(reason, reason_size, "%s policy routing in I: %s",
				 families[i] == AF_INET ? "IPv4" : "IPv6", strerror(-r));
			continue;
		}
		ok[i] = true;
	}
	mnl_socket_close(nl);
	ctx->src.transparent4 = ok[0];
	ctx->src.transparent6 = ok[1];
	if (!ok[0] && !ok[1])
		return -EIO;
	return 0;
}

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
		   union fwd_addr *ret, socklen_t *ret_len)
{
	uint16_t port = client->sa.sa_family == AF_INET ? client->in4.sin_port : client->in6.sin6_port;

	memset(ret, 0, sizeof(*ret));
	if (target_family == AF_INET) {
		struct in_addr a;

		if (!ctx->src.transparent4)
			return false;
		if (client->sa.sa_family == AF_INET && v4_usable(client->in4.sin_addr.s_addr))
			a = client->in4.sin_addr;
		else if (client->sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&client->in6.sin6_addr) &&
			 v4_usable(client->in6.sin6_addr.s6_addr32[3]))
			a.s_addr = client->in6.sin6_addr.s6_addr32[3];
		else if (ctx->src.have_host4)
			a = ctx->src.host4;
		else
			return false;
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
	else if (ctx->src.have_host6)
		ret->in6.sin6_addr = ctx->src.host6;
	else
		return false;
	*ret_len = sizeof(ret->in6);
	return true;
}

static int transparent_bind(int fd, int family, const union fwd_addr *src, socklen_t len, bool keep_port)
{
	union fwd_addr a = *src;
	int one = 1;

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
	/* the same client address:port may reach several published ports */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
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
