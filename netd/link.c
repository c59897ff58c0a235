// SPDX-License-Identifier: GPL-2.0-or-later
/* rtnetlink objects through libnl-route: see link.h. */
#define _GNU_SOURCE
#include "link.h"
#include "cleanup.h"
#include "fileutil.h"
#include "ns.h"

#include <fcntl.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#define NLE(err, r, fmt, ...) pn_err_set(err, EIO, fmt ": %s", ##__VA_ARGS__, nl_geterror(r))

static int nle_errno(int r)
{
	switch (-r) {
	case NLE_EXIST: return EEXIST;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return ENODEV;
	case NLE_PERM: return EPERM;
	case NLE_NOMEM: return ENOMEM;
	case NLE_INVAL: return EINVAL;
	case NLE_BUSY: return EBUSY;
	default: return EIO;
	}
}

int netd_nl_open(struct nl_sock **ret, struct pn_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return pn_err_set(err, ENOMEM, "out of memory");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return NLE(err, r, "cannot open netlink socket");
	}
	fcntl(nl_socket_get_fd(sk), F_SETFD, FD_CLOEXEC);
	*ret = sk;
	return 0;
}

struct open_args {
	struct nl_sock **ret;
	struct pn_err *err;
};

static int open_cb(void *arg)
{
	struct open_args *a = arg;

	return netd_nl_open(a->ret, a->err);
}

int netd_nl_open_in(int netns_fd, struct nl_sock **ret, struct pn_err *err)
{
	struct open_args a = { ret, err };
	int r = pn_ns_run_in(netns_fd, open_cb, &a);

	if (r < 0 && err && !err->code)
		pn_err_set(err, r, "cannot enter network namespace: %s", strerror(-r));
	return r;
}

void netd_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int netd_link_exists(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, 0, ifname, &l);

	if (r == 0) {
		rtnl_link_put(l);
		return 1;
	}
	return (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) ? 0 : -nle_errno(r);
}

static int link_index(struct nl_sock *sk, const char *ifname, int *ret, struct pn_err *err)
{
	struct rtnl_link *l = NULL;
	int r = rtnl_link_get_kernel(sk, 0, ifname, &l);

	if (r < 0)
		return pn_err_set(err, nle_errno(r), "interface %s: %s", ifname, nl_geterror(r));
	*ret = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return 0;
}

int netd_link_up(struct nl_sock *sk, const char *ifname, struct pn_err *err)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	int r = rtnl_link_get_kernel(sk, 0, ifname, &orig);

	if (r < 0)
		return pn_err_set(err, nle_errno(r), "interface %s: %s", ifname, nl_geterror(r));
	change = rtnl_link_alloc();
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, orig, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return r < 0 ? NLE(err, r, "cannot set %s up", ifname) : 0;
}

int netd_lo_up(struct pn_err *err)
{
	struct nl_sock *sk = NULL;
	int r = netd_nl_open(&sk, err);

	if (r == 0)
		r = netd_link_up(sk, "lo", err);
	netd_nl_close(sk);
	return r;
}

int netd_link_delete(struct nl_sock *sk, const char *ifname, struct pn_err *err)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int r;

	rtnl_link_set_name(l, ifname);
	r = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
		return NLE(err, r, "cannot delete %s", ifname);
	return 0;
}

/* how many of the links in @links have bridge @ifindex as their master */
static int bridge_ports(struct nl_cache *links, int ifindex)
{
	int ports = 0;

	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o))
		ports += rtnl_link_get_master((struct rtnl_link *)o) == ifindex;
	return ports;
}

int netd_bridge_delete_unused(struct nl_sock *sk, const char *name, struct pn_err *err)
{
	struct nl_cache *cache = NULL;
	int ifindex = 0, r;
	bool ports;

	r = link_index(sk, name, &ifindex, NULL);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return pn_err_set(err, -r, "cannot look up bridge %s", name);
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (r < 0)
		return NLE(err, r, "cannot list the interfaces to see what %s still holds", name);
	ports = bridge_ports(cache, ifindex) > 0;
	nl_cache_free(cache);
	if (ports)
		return 0;
	return netd_link_delete(sk, name, err);
}

static int addr_add(struct nl_sock *sk, int ifindex, const struct pn_ip *ip, int prefix, struct pn_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(ip->family, ip->b, (size_t)pn_ip_bits(ip) / 8);
	char b[PN_IPSTR_MAX];
	int r;

	if (!a || !local) {
		rtnl_addr_put(a);
		nl_addr_put(local);
		return pn_err_set(err, ENOMEM, "out of memory");
	}
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	if (ip->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	r = rtnl_addr_add(sk, a, NLM_F_CREATE | NLM_F_REPLACE);
	nl_addr_put(local);
	rtnl_addr_put(a);
	if (r < 0 && r != -NLE_EXIST)
		return NLE(err, r, "cannot add address %s/%d", pn_ip_format(ip, b), prefix);
	return 0;
}

static int route_default(struct nl_sock *sk, int ifindex, const struct pn_ip *gw, int metric,
			 struct pn_err *err)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_alloc(16), *via = nl_addr_build(gw->family, gw->b, (size_t)pn_ip_bits(gw) / 8);
	int r;

	nl_addr_set_family(dst, gw->family);
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, (uint8_t)gw->family);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_priority(rt, (uint32_t)metric);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(rt, nh);
	r = rtnl_route_add(sk, rt, NLM_F_CREATE);
	nl_addr_put(dst);
	nl_addr_put(via);
	rtnl_route_put(rt);
	if (r < 0 && r != -NLE_EXIST)
		return NLE(err, r, "cannot add default route");
	return 0;
}

/*
 * I's default is IPv6 off (bridge ports need none, see holder_setup()); a
 * bridge of an IPv6 network carries the gateway, so it is turned on there.
 * Elsewhere (Podman's or a CNI runtime's namespace) it is on already, and a
 * namespace where the sysctl cannot be written is fine if it reads 0.
 */
static int ipv6_enable(const char *ifname, struct pn_err *err)
{
	int r = pn_sysctl_ipv6_on(ifname);

	return r < 0 ? pn_err_set(err, -r, "cannot enable IPv6 on bridge %s: %s", ifname, strerror(-r)) : 0;
}

/*
 * Multicast snooping off: with no querier on the network (there is none), a
 * snooping bridge forwards a group only to the ports that reported it until
 * the membership times out (about 260 s), then floods again: the intermittent
 * multicast loss container users meet on bridges. Off, multicast is flooded
 * like broadcast, and attaching or detaching a port skips the per-port
 * multicast state (~0.1-0.5 ms per port with 1000 ports). libnl has no
 * setter for IFLA_BR_MCAST_SNOOPING, so the change is built with its
 * message API.
 */
static int bridge_no_snooping(struct nl_sock *sk, int ifindex, const char *name, struct pn_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nlattr *info, *data;
	struct nl_msg *msg;
	int r = -NLE_NOMEM;

	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return pn_err_set(err, ENOMEM, "out of memory");
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "bridge") < 0 ||
	    !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    nla_put_u8(msg, IFLA_BR_MCAST_SNOOPING, 0) < 0)
		goto out;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	r = nl_send_sync(sk, msg); /* frees msg */
	msg = NULL;
out:
	nlmsg_free(msg);
	return r < 0 ? NLE(err, r, "cannot turn multicast snooping off on bridge %s", name) : 0;
}

/* @name exists: it must be a bridge for us to put ports and a gateway on it */
static int link_is_bridge(struct nl_sock *sk, const struct netd_network *net, struct pn_err *err)
{
	struct rtnl_link *l = NULL;
	const char *type;
	int r = rtnl_link_get_kernel(sk, 0, net->bridge, &l);

	if (r < 0)
		return pn_err_set(err, nle_errno(r), "interface %s: %s", net->bridge, nl_geterror(r));
	type = rtnl_link_get_type(l);
	if (type && strcmp(type, "bridge") == 0)
		r = 0;
	else
		r = pn_err_set(err, EEXIST, "interface %s exists and is not a bridge (%s): network %s cannot use it",
			       net->bridge, type ? type : "no link kind", net->name);
	rtnl_link_put(l);
	return r;
}

int netd_bridge_ensure(struct nl_sock *sk, const struct netd_network *net, bool *ret_created,
		       struct pn_err *err)
{
	struct rtnl_link *br = rtnl_link_bridge_alloc();
	bool created;
	int ifindex = 0, r;

	if (ret_created)
		*ret_created = false;
	if (!br)
		return pn_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_name(br, net->bridge);
	rtnl_link_set_flags(br, IFF_UP);
	{
		/*
		 * A bridge without an address of its own takes the lowest of its
		 * ports' and changes it as ports come and go: every container's ARP
		 * entry for the gateway would go stale. Give it a fixed one.
		 */
		unsigned char mac[6];
		struct nl_addr *a;

		netd_mac_random(mac);
		a = nl_addr_build(AF_LLC, mac, 6);
		rtnl_link_set_addr(br, a);
		nl_addr_put(a);
	}
	if (net->mtu)
		rtnl_link_set_mtu(br, (unsigned)net->mtu);
	r = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(br);
	if (r < 0 && r != -NLE_EXIST)
		return NLE(err, r, "cannot create bridge %s for network %s", net->bridge, net->name);
	created = r == 0;
	if (ret_created)
		*ret_created = created;
	if (!created) {
		r = link_is_bridge(sk, net, err);
		if (r < 0)
			return r;
	}
	r = link_index(sk, net->bridge, &ifindex, err);
	if (r < 0)
		return r;
	/* a bridge that was there already (a CNI config's, a user's) keeps its settings */
	if (created) {
		r = bridge_no_snooping(sk, ifindex, net->bridge, err);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < net->nsubnets; i++) {
		if (net->subnets[i].subnet.addr.family == AF_INET6) {
			r = ipv6_enable(net->bridge, err);
			if (r < 0)
				return r;
			break;
		}
	}
	for (int i = 0; i < net->nsubnets; i++) {
		const struct netd_subnet *s = &net->subnets[i];

		if (!s->gateway.family)
			continue;
		r = addr_add(sk, ifindex, &s->gateway, s->subnet.prefix, err);
		if (r < 0)
			return r;
	}
	return netd_link_up(sk, net->bridge, err);
}

static const struct netd_network *bridge_owner(const struct netd_network *nets, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nets[i].bridge, name) == 0)
			return &nets[i];
	return NULL;
}

/* @local (with its prefix) is one of @net's gateways */
static bool is_gateway(const struct netd_network *net, struct nl_addr *local)
{
	unsigned len = nl_addr_get_len(local);

	for (int i = 0; i < net->nsubnets; i++) {
		const struct netd_subnet *s = &net->subnets[i];

		if (s->gateway.family && (unsigned)pn_ip_bits(&s->gateway) / 8 == len &&
		    memcmp(s->gateway.b, nl_addr_get_binary_addr(local), len) == 0 &&
		    (int)nl_addr_get_prefixlen(local) == s->subnet.prefix)
			return true;
	}
	return false;
}

static void report_line(char *report, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report_line(char *report, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (!report || *len >= cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(report + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len = w < 0 ? *len : *len + (size_t)w < cap ? *len + (size_t)w : cap - 1;
}

int netd_bridges_tidy(struct nl_sock *sk, const struct netd_network *nets, size_t n, bool fix, char *report,
		      size_t cap, struct pn_err *err)
{
	struct nl_cache *links = NULL, *addrs = NULL;
	struct nl_object *obj;
	size_t len = 0;
	int found = 0, r;

	if (report && cap)
		report[0] = '\0';
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (r < 0)
		return NLE(err, r, "cannot list the interfaces of the infra namespace");
	r = rtnl_addr_alloc_cache(sk, &addrs);
	if (r < 0) {
		nl_cache_free(links);
		return NLE(err, r, "cannot list the addresses of the infra namespace");
	}
	/* the addresses first: a bridge deleted below takes its own with it */
	for (obj = nl_cache_get_first(addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct rtnl_link *l = rtnl_link_get(links, rtnl_addr_get_ifindex(a));
		const char *type = l ? rtnl_link_get_type(l) : NULL;
		const struct netd_network *owner = l ? bridge_owner(nets, n, rtnl_link_get_name(l)) : NULL;
		struct nl_addr *local = rtnl_addr_get_local(a);
		char b[PN_CIDRSTR_MAX + 8];

		if (owner && type && strcmp(type, "bridge") == 0 && local && !is_gateway(owner, local) &&
		    rtnl_addr_get_scope(a) != RT_SCOPE_LINK) {
			found++;
			report_line(report, cap, &len, "bridge %s: address %s is no gateway of network %s\n",
				    owner->bridge, nl_addr2str(local, b, sizeof(b)), owner->name);
			if (fix && (r = rtnl_addr_delete(sk, a, 0)) < 0 && r != -NLE_NOADDR && r != -NLE_OBJ_NOTFOUND) {
				rtnl_link_put(l);
				r = NLE(err, r, "cannot remove address %s from bridge %s", b, owner->bridge);
				goto out;
			}
		}
		if (l)
			rtnl_link_put(l);
	}
	for (obj = nl_cache_get_first(links); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *l = (struct rtnl_link *)obj;
		const char *type = rtnl_link_get_type(l), *name = rtnl_link_get_name(l);

		int ports;

		if (!type || strcmp(type, "bridge") != 0 || !name || bridge_owner(nets, n, name))
			continue;
		/*
		 * One with ports stays: its network's definition may only have
		 * failed to load, and its containers would lose their network
		 * (a network removed half-way has none: its users went first).
		 */
		ports = bridge_ports(links, rtnl_link_get_ifindex(l));
		found++;
		if (ports) {
			report_line(report, cap, &len, "bridge %s: no network owns it (%d ports: kept)\n", name, ports);
			continue;
		}
		report_line(report, cap, &len, "bridge %s: no network owns it\n", name);
		if (fix) {
			r = netd_link_delete(sk, name, err);
			if (r < 0)
				goto out;
		}
	}
	r = found;
out:
	nl_cache_free(addrs);
	nl_cache_free(links);
	return r;
}

int netd_veth_attach(struct nl_sock *sk_i, struct nl_sock *sk_c, int c_netns_fd,
		     const struct netd_network *net, const struct netd_veth_spec *spec,
		     struct pn_err *err)
{
	struct rtnl_link *veth = NULL, *peer = NULL;
	struct nl_addr *mac = NULL;
	int br_index = 0, c_index = 0, r;

	r = link_index(sk_i, net->bridge, &br_index, err);
	if (r == -ENODEV) {
		/* the holder was restarted or the bridge removed by hand: recreate it */
		pn_err_clear(err);
		r = netd_bridge_ensure(sk_i, net, NULL, err);
		if (r == 0)
			r = link_index(sk_i, net->bridge, &br_index, err);
	}
	if (r < 0)
		return r;
	veth = rtnl_link_veth_alloc();
	if (!veth)
		return pn_err_set(err, ENOMEM, "out of memory");
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, spec->host_ifname);
	rtnl_link_set_master(veth, br_index);
	rtnl_link_set_flags(veth, IFF_UP);

	rtnl_link_set_name(peer, spec->ifname);
	rtnl_link_set_ns_fd(peer, c_netns_fd);

	mac = nl_addr_build(AF_LLC, spec->mac, 6);
	rtnl_link_set_addr(peer, mac);
	if (net->mtu) {
		rtnl_link_set_mtu(veth, (unsigned)net->mtu);
		rtnl_link_set_mtu(peer, (unsigned)net->mtu);
	}
	r = rtnl_link_add(sk_i, veth, NLM_F_CREATE | NLM_F_EXCL);
	nl_addr_put(mac);
	rtnl_link_put(peer);
	rtnl_link_veth_release(veth);
	if (r < 0) {
		if (r == -NLE_EXIST)
			return pn_err_set(err, EEXIST, "interface %s already exists in the container or %s in the infra namespace",
					  spec->ifname, spec->host_ifname);
		return NLE(err, r, "cannot create veth %s for network %s", spec->host_ifname, net->name);
	}

	r = link_index(sk_c, spec->ifname, &c_index, err);
	if (r == 0)
		r = netd_link_up(sk_c, spec->ifname, err);
	for (int i = 0; r == 0 && i < spec->nips; i++)
		r = addr_add(sk_c, c_index, &spec->ips[i], spec->prefixes[i], err);
	for (int i = 0; r == 0 && !net->internal && i < net->nsubnets; i++)
		if (net->subnets[i].gateway.family)
			r = route_default(sk_c, c_index, &net->subnets[i].gateway, spec->route_metric, err);
	if (r < 0) {
		struct pn_err ignored = { 0 };

		netd_link_delete(sk_i, spec->host_ifname, &ignored);
	}
	return r;
}

int netd_host_routes(struct pn_cidr **ret, size_t *ret_n)
{
	struct nl_sock *sk = NULL;
	struct nl_cache *cache = NULL;
	struct pn_cidr *out = NULL;
	size_t n = 0;
	struct nl_object *obj;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (netd_nl_open(&sk, NULL) < 0)
		return -EIO;
	r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache);
	if (r < 0) {
		netd_nl_close(sk);
		return -EIO;
	}
	out = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*out));
	for (obj = nl_cache_get_first(cache); out && obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *rt = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct pn_cidr c;
		unsigned len;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || !dst)
			continue;
		len = nl_addr_get_len(dst);
		if ((len != 4 && len != 16) || nl_addr_get_prefixlen(dst) == 0)
			continue;
		memset(&c, 0, sizeof(c));
		c.addr.family = len == 4 ? AF_INET : AF_INET6;
		memcpy(c.addr.b, nl_addr_get_binary_addr(dst), len);
		c.prefix = (int)nl_addr_get_prefixlen(dst);
		out[n++] = c;
	}
	nl_cache_free(cache);
	netd_nl_close(sk);
	*ret = out;
	*ret_n = n;
	return out ? 0 : -ENOMEM;
}

void netd_no_link_local(void)
{
	pn_sysctl_write("net/ipv6/conf/default/addr_gen_mode", "1");
}

void netd_mac_random(unsigned char mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		for (int i = 0; i < 6; i++)
			mac[i] = (unsigned char)rand();
	mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int netd_mac_parse(const char *s, unsigned char mac[6])
{
	unsigned char v[6];

	/* exactly xx:xx:xx:xx:xx:xx (scanf's %x would take a sign or blanks) */
	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		v[i] = (unsigned char)(hi << 4 | lo);
	}
	if (v[0] & 1)
		return -EINVAL; /* multicast (and broadcast) */
	if (!(v[0] | v[1] | v[2] | v[3] | v[4] | v[5]))
		return -EINVAL; /* the kernel refuses 00:00:00:00:00:00 on a veth */
	memcpy(mac, v, 6);
	return 0;
}

void netd_mac_format(const unsigned char mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
