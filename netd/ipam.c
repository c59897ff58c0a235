// SPDX-License-Identifier: GPL-2.0-or-later
/* Round-robin address allocation with a lease file per network: see ipam.h. */
#include "ipam.h"
#include "cleanup.h"
#include "fileutil.h"

#include <stdio.h>
#include <string.h>

static json_t *leases_obj(struct netd_leases *l)
{
	json_t *o = json_object_get(l->doc, "leases");

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(l->doc, "leases", o);
	}
	return o;
}

void netd_ipam_open_mem(struct netd_leases *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->doc = json_object();
	leases_obj(ret);
}

int netd_ipam_open(const struct pn_paths *p, const char *network, struct netd_leases *ret,
		   struct pn_err *err)
{
	char dir[PATH_MAX];
	int r;

	netd_ipam_open_mem(ret);
	pn_path(dir, "%s/ipam", p->runtime);
	r = pn_mkdir_p(dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", dir, strerror(-r));
	pn_path(ret->path, "%s/%s.json", dir, network);
	{
		json_t *doc = NULL;
		struct pn_err lerr = { 0 };

		r = pn_json_load(ret->path, &doc, &lerr);
		if (r == 0 && json_is_object(doc)) {
			json_decref(ret->doc);
			ret->doc = doc;
			leases_obj(ret);
		} else if (r == 0) {
			json_decref(doc);
			ret->dirty = 1; /* not an object: rebuilt from scratch below */
		} else if (r != -ENOENT) {
			/* a corrupt lease file would hand out taken addresses: refuse */
			netd_ipam_close(ret);
			return pn_err_set(err, -r, "lease file of network %s is unreadable (%s); run 'podnet system reset' if it cannot be repaired",
					  network, lerr.msg);
		}
	}
	return 0;
}

void netd_ipam_close(struct netd_leases *l)
{
	if (l->doc)
		json_decref(l->doc);
	l->doc = NULL;
}

int netd_ipam_save(struct netd_leases *l, struct pn_err *err)
{
	int r;

	if (!l->dirty || !l->path[0])
		return 0;
	r = pn_json_save(l->path, l->doc, 0);
	if (r < 0)
		return pn_err_set(err, r, "cannot write %s: %s", l->path, strerror(-r));
	l->dirty = 0;
	return 0;
}

const char *netd_ipam_owner(const struct netd_leases *l, const struct pn_ip *ip)
{
	char buf[PN_IPSTR_MAX];
	json_t *o = json_object_get(l->doc, "leases");

	return json_string_value(json_object_get(o, pn_ip_format(ip, buf)));
}

size_t netd_ipam_count(const struct netd_leases *l)
{
	return json_object_size(json_object_get(l->doc, "leases"));
}

static bool reserved(const struct netd_subnet *s, const struct pn_ip *ip)
{
	struct pn_ip last;

	if (pn_ip_equal(ip, &s->subnet.addr) || (s->gateway.family && pn_ip_equal(ip, &s->gateway)))
		return true;
	pn_cidr_last(&s->subnet, &last);
	return ip->family == AF_INET && pn_ip_equal(ip, &last);
}

static int take(struct netd_leases *l, const struct pn_ip *ip, const char *owner)
{
	char buf[PN_IPSTR_MAX];

	pn_ip_format(ip, buf);
	json_object_set_new(leases_obj(l), buf, json_string(owner));
	json_object_set_new(l->doc, ip->family == AF_INET ? "last4" : "last6", json_string(buf));
	l->dirty = 1;
	return 0;
}

int netd_ipam_alloc(struct netd_leases *l, const char *network, const struct netd_subnet *s,
		    const char *owner, const struct pn_ip *want, struct pn_ip *ret, struct pn_err *err)
{
	struct pn_ip first, last, cur;
	const char *lasts;
	char b[PN_IPSTR_MAX], c[PN_CIDRSTR_MAX];
	uint64_t tries = 0, limit;
	int host_bits;

	netd_subnet_pool(s, &first, &last);
	if (want) {
		const char *holder;

		pn_ip_format(want, b);
		if (!pn_cidr_contains(&s->subnet, want))
			return pn_err_set(err, EINVAL, "address %s is not in subnet %s of network %s", b,
					  pn_cidr_format(&s->subnet, c), network);
		if (reserved(s, want))
			return pn_err_set(err, EINVAL, "address %s is reserved in network %s (network, broadcast or gateway address)",
					  b, network);
		if (s->has_range && (pn_ip_cmp(want, &first) < 0 || pn_ip_cmp(want, &last) > 0))
			return pn_err_set(err, EINVAL, "address %s is outside the ip range of network %s", b, network);
		holder = netd_ipam_owner(l, want);
		if (holder && strcmp(holder, owner) != 0)
			return pn_err_set(err, EADDRINUSE, "address %s is already in use on network %s", b, network);
		*ret = *want;
		return take(l, want, owner);
	}

	/* start after the last address handed out, wrap to the first */
	cur = first;
	lasts = json_string_value(json_object_get(l->doc, s->subnet.addr.family == AF_INET ? "last4" : "last6"));
	if (lasts) {
		struct pn_ip lip;

		if (pn_ip_parse(lasts, &lip) == 0 && lip.family == first.family &&
		    pn_ip_cmp(&lip, &first) >= 0 && pn_ip_cmp(&lip, &last) < 0) {
			cur = lip;
			pn_ip_add(&cur, 1);
		}
	}
	host_bits = pn_ip_bits(&s->subnet.addr) - s->subnet.prefix;
	limit = host_bits >= 20 ? (1u << 20) : (1ull << host_bits) + 1;
	for (; tries < limit; tries++) {
		if (!reserved(s, &cur) && !netd_ipam_owner(l, &cur)) {
			*ret = cur;
			return take(l, &cur, owner);
		}
		if (pn_ip_cmp(&cur, &last) >= 0)
			cur = first;
		else
			pn_ip_add(&cur, 1);
	}
	return pn_err_set(err, ENOSPC, "network %s has no free address left in %s", network,
			  pn_cidr_format(&s->subnet, c));
}

int netd_ipam_reserve_mac(struct netd_leases *l, const char *network, const char *mac, const char *owner,
			  struct pn_err *err)
{
	json_t *macs = json_object_get(l->doc, "macs");
	const char *holder;

	if (!json_is_object(macs)) {
		macs = json_object();
		json_object_set_new(l->doc, "macs", macs);
	}
	holder = json_string_value(json_object_get(macs, mac));
	if (holder && strcmp(holder, owner) != 0)
		return pn_err_set(err, EADDRINUSE, "MAC address %s is already in use on network %s", mac, network);
	json_object_set_new(macs, mac, json_string(owner));
	l->dirty = 1;
	return 0;
}

int netd_ipam_release(struct netd_leases *l, const char *owner)
{
	json_t *o = json_object_get(l->doc, "leases"), *v;
	const char *k;
	void *tmp;
	int n = 0;

	json_object_foreach_safe(o, tmp, k, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), owner) == 0) {
			json_object_del(o, k);
			n++;
		}
	}
	o = json_object_get(l->doc, "macs");
	json_object_foreach_safe(o, tmp, k, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), owner) == 0) {
			json_object_del(o, k);
			l->dirty = 1;
		}
	}
	if (n)
		l->dirty = 1;
	return n;
}
