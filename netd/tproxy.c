// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transparent-source plumbing for podnet-portfwd in I: see tproxy.h. The nft
 * table goes through libnftables (loaded on demand, common/nftrun.c), the
 * rule and the local route through libnl-route, like the rest of netd.
 */
#define _GNU_SOURCE
#include "tproxy.h"
#include "link.h"
#include "nftrun.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

/* our own table, never netd's `inet podnet`; replaced whole each time */
static const char nft_rules[] =
	"table inet podnet_portfwd {\n"
	"	chain prerouting {\n"
	"		type filter hook prerouting priority mangle; policy accept;\n"
	"	}\n"
	"}\n"
	"flush chain inet podnet_portfwd prerouting\n"
	"add rule inet podnet_portfwd prerouting meta l4proto { tcp, udp } socket transparent 1 meta mark set "
	PN_PORTFWD_FWMARK_STR "\n";

static int rule_add(struct nl_sock *sk, int family)
{
	struct rtnl_rule *rule = rtnl_rule_alloc();
	int r;

	if (!rule)
		return -NLE_NOMEM;
	rtnl_rule_set_family(rule, family);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	rtnl_rule_set_mark(rule, PN_PORTFWD_FWMARK);
	rtnl_rule_set_mask(rule, PN_PORTFWD_FWMARK);
	rtnl_rule_set_prio(rule, PN_PORTFWD_RULE_PRIORITY);
	rtnl_rule_set_table(rule, PN_PORTFWD_TABLE); /* > 255: travels as FRA_TABLE */
	/* without NLM_F_EXCL the kernel would add a duplicate each time */
	r = rtnl_rule_add(sk, rule, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_rule_put(rule);
	return r == -NLE_EXIST ? 0 : r;
}

static int local_route_add(struct nl_sock *sk, int family, int lo)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_alloc(16);
	int r;

	if (!rt || !nh || !dst) {
		rtnl_route_put(rt);
		if (nh)
			rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		return -NLE_NOMEM;
	}
	nl_addr_set_family(dst, family);
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, (uint8_t)family);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_table(rt, PN_PORTFWD_TABLE); /* > 255: travels as RTA_TABLE */
	rtnl_route_set_type(rt, RTN_LOCAL);
	rtnl_route_set_scope(rt, RT_SCOPE_HOST);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_nh_set_ifindex(nh, lo);
	rtnl_route_add_nexthop(rt, nh); /* the route owns @nh now */
	r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_REPLACE);
	nl_addr_put(dst);
	rtnl_route_put(rt);
	return r;
}

int netd_tproxy_apply(struct pn_portfwd_source *ret)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	bool *ok[2] = { &ret->transparent4, &ret->transparent6 };
	struct pn_err err = { 0 };
	struct nl_sock *sk = NULL;
	char msg[200];
	int lo, r;

	memset(ret, 0, sizeof(*ret));
	r = pn_nft_run(nft_rules, false, msg, sizeof(msg));
	if (r < 0) {
		snprintf(ret->reason, sizeof(ret->reason), "nft: %s", msg);
		return r;
	}
	lo = (int)if_nametoindex("lo");
	if (lo <= 0) {
		snprintf(ret->reason, sizeof(ret->reason), "no loopback interface in I");
		return -ENODEV;
	}
	r = netd_nl_open(&sk, &err);
	if (r < 0) {
		snprintf(ret->reason, sizeof(ret->reason), "%.*s", (int)sizeof(msg), err.msg);
		return r;
	}
	for (int i = 0; i < 2; i++) {
		r = rule_add(sk, families[i]);
		if (r == 0)
			r = local_route_add(sk, families[i], lo);
		if (r < 0) {
			snprintf(ret->reason, sizeof(ret->reason), "%s policy routing in I: %s",
				 families[i] == AF_INET ? "IPv4" : "IPv6", nl_geterror(r));
			continue;
		}
		*ok[i] = true;
	}
	netd_nl_close(sk);
	return ret->transparent4 || ret->transparent6 ? 0 : -EIO;
}

static int apply_cb(void *arg, struct pn_err *err)
{
	(void)err;
	/* the outcome travels back in @arg, a failure is not the worker's error */
	netd_tproxy_apply(arg);
	return 0;
}

int netd_tproxy_setup(const struct netd_infra *inf, struct pn_portfwd_source *ret)
{
	struct pn_err err = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = netd_infra_run_out(inf, apply_cb, ret, ret, sizeof(*ret), &err);
	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		snprintf(ret->reason, sizeof(ret->reason), "%.*s", (int)sizeof(ret->reason) - 1, err.msg);
		return r;
	}
	ret->reason[sizeof(ret->reason) - 1] = '\0';
	return ret->transparent4 || ret->transparent6 ? 0 : -EIO;
}
