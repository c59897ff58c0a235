// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tap creation and configuration in I, with raw rtnetlink (three requests:
 * link up with MTU, addresses, default routes), and the SCM_RIGHTS hand-off
 * from the child in I to the parent in H. See tap.h.
 */
#define _GNU_SOURCE
#include "tap.h"
#include "fileutil.h"
#include "cleanup.h"
#include "ns.h"
#include "podnet_slirp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct nl_req {
	struct nlmsghdr nh;
	char payload[512];
};

static int nl_addattr(struct nl_req *req, int type, const void *data, size_t len)
{
	struct nlmsghdr *nh = &req->nh;
	size_t rtalen = RTA_LENGTH(len), off = NLMSG_ALIGN(nh->nlmsg_len);
	struct rtattr *rta;

	if (off < sizeof(*nh) || off + RTA_ALIGN(rtalen) > sizeof(*req))
		return -EMSGSIZE;
	rta = (struct rtattr *)(req->payload + (off - sizeof(*nh)));
	rta->rta_type = (unsigned short)type;
	rta->rta_len = (unsigned short)rtalen;
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rtalen);
	return 0;
}

/* Send one request and wait for its acknowledgement. */
static int nl_talk(int sock, struct nlmsghdr *nh)
{
	static unsigned seq;
	char buf[4096];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = ++seq;
	if (sendto(sock, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;

		n = recv(sock, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nh->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error;
			}
		}
	}
}

static int link_up(int sock, int ifindex, unsigned mtu)
{
	struct nl_req req = { 0 };
	struct ifinfomsg *ifi = NLMSG_DATA(&req.nh);
	uint32_t m = mtu;
	int r;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	r = mtu ? nl_addattr(&req, IFLA_MTU, &m, sizeof(m)) : 0;
	return r < 0 ? r : nl_talk(sock, &req.nh);
}

static int addr_add(int sock, int ifindex, int family, const void *addr, size_t alen,
		    unsigned prefixlen)
{
	struct nl_req req = { 0 };
	struct ifaddrmsg *ifa = NLMSG_DATA(&req.nh);
	uint32_t flags = IFA_F_NODAD; /* usable at once: nothing else is on this link */
	int r;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	req.nh.nlmsg_type = RTM_NEWADDR;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_flags = (unsigned char)flags;
	r = nl_addattr(&req, IFA_LOCAL, addr, alen);
	if (r == 0)
		r = nl_addattr(&req, IFA_ADDRESS, addr, alen);
	if (r == 0 && family == AF_INET6)
		r = nl_addattr(&req, IFA_FLAGS, &flags, sizeof(flags));
	return r < 0 ? r : nl_talk(sock, &req.nh);
}

static int default_route_add(int sock, int ifindex, int family, const void *gw, size_t alen)
{
	struct nl_req req = { 0 };
	struct rtmsg *rt = NLMSG_DATA(&req.nh);
	uint32_t oif = (uint32_t)ifindex;
	int r;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rt));
	req.nh.nlmsg_type = RTM_NEWROUTE;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rt->rtm_family = (unsigned char)family;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	r = nl_addattr(&req, RTA_GATEWAY, gw, alen);
	if (r == 0)
		r = nl_addattr(&req, RTA_OIF, &oif, sizeof(oif));
	return r < 0 ? r : nl_talk(sock, &req.nh);
}

static int tap_open(const char *name, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	struct ifreq ifr = { 0 };
	int r = -EBUSY;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	/* a tap of that name may still belong to a process being torn down */
	for (int i = 0; i < 40; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
			*ret_fd = steal_fd(&fd);
			return 0;
		}
		r = -errno;
		if (r != -EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	return r;
}

int slirp_tap_create(const struct slirp_tap_config *cfg, int *ret_fd)
{
	_cleanup_close_ int tap = -1, nl = -1;
	int ifindex, r;

	r = tap_open(cfg->name, &tap);
	if (r < 0)
		return r;
	ifindex = (int)if_nametoindex(cfg->name);
	if (ifindex <= 0)
		return -ENODEV;
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0)
		return -errno;
	r = link_up(nl, ifindex, cfg->mtu);
	if (r == 0)
		r = addr_add(nl, ifindex, AF_INET, &cfg->addr, sizeof(cfg->addr), cfg->prefixlen);
	if (r == 0)
		r = default_route_add(nl, ifindex, AF_INET, &cfg->gateway, sizeof(cfg->gateway));
	if (r == 0 && cfg->ipv6) {
		/* podnet's I turns IPv6 off for new interfaces (bridge ports); the tap needs it */
		(void)pn_sysctl_ipv6_on(cfg->name);
		r = addr_add(nl, ifindex, AF_INET6, &cfg->addr6, sizeof(cfg->addr6),
			     cfg->prefixlen6);
		if (r == 0)
			r = default_route_add(nl, ifindex, AF_INET6, &cfg->gateway6,
					      sizeof(cfg->gateway6));
	}
	if (r < 0)
		return r;
	*ret_fd = steal_fd(&tap);
	return 0;
}

static int rule_add(int sock, int family, uint32_t mark, uint32_t table)
{
	struct nl_req req = { 0 };
	struct rtmsg *rt = NLMSG_DATA(&req.nh); /* struct fib_rule_hdr has the same layout */
	uint32_t prio = 100;
	int r;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rt));
	req.nh.nlmsg_type = RTM_NEWRULE;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rt->rtm_family = (unsigned char)family;
	rt->rtm_table = RT_TABLE_UNSPEC;
	rt->rtm_type = FR_ACT_TO_TBL;
	r = nl_addattr(&req, FRA_FWMARK, &mark, sizeof(mark));
	if (r == 0)
		r = nl_addattr(&req, FRA_TABLE, &table, sizeof(table));
	if (r == 0)
		r = nl_addattr(&req, FRA_PRIORITY, &prio, sizeof(prio));
	if (r == 0)
		r = nl_talk(sock, &req.nh);
	return r == -EEXIST ? 0 : r;
}

static int local_route_add(int sock, int family, uint32_t table)
{
	struct nl_req req = { 0 };
	struct rtmsg *rt = NLMSG_DATA(&req.nh);
	uint32_t oif = 1; /* lo */
	int r;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rt));
	req.nh.nlmsg_type = RTM_NEWROUTE;
	req.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rt->rtm_family = (unsigned char)family;
	rt->rtm_table = RT_TABLE_UNSPEC;
	rt->rtm_protocol = RTPROT_STATIC;
	rt->rtm_scope = RT_SCOPE_HOST;
	rt->rtm_type = RTN_LOCAL;
	r = nl_addattr(&req, RTA_TABLE, &table, sizeof(table));
	if (r == 0)
		r = nl_addattr(&req, RTA_OIF, &oif, sizeof(oif));
	return r < 0 ? r : nl_talk(sock, &req.nh);
}

static int transparent_listener(int family, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) < 0)
			return -errno;
		s->sin_family = AF_INET;
		s->sin_port = htons(PN_SLIRP_FASTPATH_PORT);
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* not reachable from bridges but by tproxy */
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		if (setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
			return -errno;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(PN_SLIRP_FASTPATH_PORT);
		s->sin6_addr = in6addr_loopback;
		len = sizeof(*s);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 1024) < 0)
		return -errno;
	*ret_fd = steal_fd(&fd);
	return 0;
}

/*
 * With br_netfilter active, IP packets entering a bridge run the inet
 * prerouting hook at bridge level; the socket tproxy assigns there is dropped
 * before the IP layer sees the packet, and TCP answers with a reset. Routed
 * traffic (all that podnet filters) still passes the IP hooks with this off.
 */
static int bridge_nf_off(void)
{
	static const char *const knobs[] = { "net/bridge/bridge-nf-call-iptables",
					     "net/bridge/bridge-nf-call-ip6tables" };

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		int r = pn_sysctl_write(knobs[i], "0\n");

		if (r < 0 && r != -ENOENT) /* ENOENT: no br_netfilter, nothing to turn off */
			return r;
	}
	return 0;
}

int slirp_fastpath_listen(bool ipv6, int *ret_fd4, int *ret_fd6)
{
	_cleanup_close_ int nl = -1, fd4 = -1, fd6 = -1;
	int r;

	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0)
		return -errno;
	r = bridge_nf_off();
	if (r == 0)
		r = link_up(nl, 1, 0); /* lo: the local table needs it */
	if (r == 0)
		r = rule_add(nl, AF_INET, PN_SLIRP_FASTPATH_MARK, PN_SLIRP_FASTPATH_TABLE);
	if (r == 0)
		r = local_route_add(nl, AF_INET, PN_SLIRP_FASTPATH_TABLE);
	if (r == 0)
		r = transparent_listener(AF_INET, &fd4);
	if (r == 0 && ipv6) {
		r = rule_add(nl, AF_INET6, PN_SLIRP_FASTPATH_MARK, PN_SLIRP_FASTPATH_TABLE);
		if (r == 0)
			r = local_route_add(nl, AF_INET6, PN_SLIRP_FASTPATH_TABLE);
		if (r == 0)
			r = transparent_listener(AF_INET6, &fd6);
	}
	if (r < 0)
		return r;
	*ret_fd4 = steal_fd(&fd4);
	*ret_fd6 = steal_fd(&fd6);
	return 0;
}

int slirp_fd_send(int sock, int status, const int *fds, int n)
{
	int32_t msg_body[1 + SLIRP_FD_MAX];
	struct iovec iov = { .iov_base = msg_body, .iov_len = sizeof(msg_body) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * SLIRP_FD_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int pass[SLIRP_FD_MAX], npass = 0;

	if (n < 0 || n > SLIRP_FD_MAX)
		return -EINVAL;
	/* body: status, then for each slot 1 if a descriptor travels for it */
	memset(msg_body, 0, sizeof(msg_body));
	msg_body[0] = status;
	for (int i = 0; i < n; i++) {
		if (fds[i] >= 0) {
			msg_body[1 + i] = 1;
			pass[npass++] = fds[i];
		}
	}
	if (npass > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)npass);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)npass);
		memcpy(CMSG_DATA(c), pass, sizeof(int) * (size_t)npass);
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int slirp_fd_recv(int sock, int *ret_status, int *ret_fds)
{
	int32_t msg_body[1 + SLIRP_FD_MAX];
	struct iovec iov = { .iov_base = msg_body, .iov_len = sizeof(msg_body) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * SLIRP_FD_MAX)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	int got[SLIRP_FD_MAX], ngot = 0, want = 0, k = 0;
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < cnt; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (ngot < SLIRP_FD_MAX)
				got[ngot++] = fd;
			else
				close(fd);
		}
	}
	for (int i = 0; n == (ssize_t)sizeof(msg_body) && i < SLIRP_FD_MAX; i++)
		want += msg_body[1 + i] != 0;
	if (n != (ssize_t)sizeof(msg_body) || want != ngot ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (int i = 0; i < ngot; i++)
			close(got[i]);
		return -EPROTO;
	}
	for (int i = 0; i < SLIRP_FD_MAX; i++)
		ret_fds[i] = msg_body[1 + i] ? got[k++] : -1;
	*ret_status = msg_body[0];
	return 0;
}

int slirp_tap_open_in(int userns_fd, int netns_fd, const struct slirp_tap_config *cfg, int *ret_fd,
		      int *ret_listen4, int *ret_listen6)
{
	_cleanup_close_ int parent_end = -1, child_end = -1;
	int sv[2], status = 0, fds[SLIRP_FD_MAX], r, wstatus;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	parent_end = sv[0];
	child_end = sv[1];
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int out[SLIRP_FD_MAX] = { -1, -1, -1 };

		close(steal_fd(&parent_end));
		r = pn_ns_join(userns_fd, netns_fd);
		if (r == 0)
			r = slirp_tap_create(cfg, &out[0]);
		if (r == 0 && cfg->fastpath)
			r = slirp_fastpath_listen(cfg->ipv6, &out[1], &out[2]);
		r = slirp_fd_send(child_end, r, out, r == 0 ? SLIRP_FD_MAX : 0);
		_exit(r < 0 ? 1 : 0);
	}
	close(steal_fd(&child_end));
	r = slirp_fd_recv(parent_end, &status, fds);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (status < 0 || fds[0] < 0) {
		for (int i = 0; i < SLIRP_FD_MAX; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		return status < 0 ? status : -EPROTO;
	}
	*ret_fd = fds[0];
	*ret_listen4 = fds[1];
	*ret_listen6 = fds[2];
	return 0;
}
