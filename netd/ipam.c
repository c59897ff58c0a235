// SPDX-License-Identifier: GPL-2.0-or-later
/* Round-robin address allocation with a file per lease: see ipam.h. */
#define _GNU_SOURCE
#include "ipam.h"
#include "cleanup.h"
#include "fileutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *entry_path(const struct netd_leases *l, const char *name, char *buf)
{
	return pn_path(buf, "%s/%s", l->dir, name);
}

static void read_last(struct netd_leases *l, const char *name, char *out)
{
	_cleanup_free_ char *buf = NULL;
	char path[PATH_MAX];
	struct pn_ip ip;

	out[0] = '\0';
	if (pn_read_file(entry_path(l, name, path), 128, &buf, NULL) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	if (pn_ip_parse(buf, &ip) == 0)
		snprintf(out, PN_IPSTR_MAX, "%s", buf);
}

int netd_ipam_open(const struct pn_paths *p, const char *network, struct netd_leases *ret,
		   struct pn_err *err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	pn_path(ret->dir, "%s/ipam/%s", p->runtime, network);
	r = pn_mkdir_p(ret->dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", ret->dir, strerror(-r));
	read_last(ret, "last4", ret->last4);
	read_last(ret, "last6", ret->last6);
	return 0;
}

void netd_ipam_open_mem(struct netd_leases *ret)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->dir, sizeof(ret->dir), "/tmp/podnet-ipam.XXXXXX");
	if (!mkdtemp(ret->dir))
		ret->dir[0] = '\0';
	ret->temporary = true;
}

/* append @name to a transaction list; Return: 0, -ENAMETOOLONG or -ENOMEM */
static int txn_add(netd_lease_name **list, int *n, int *cap, const char *name)
{
	size_t len = strlen(name);

	if (len >= sizeof(netd_lease_name))
		return -ENAMETOOLONG;
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		netd_lease_name *nl = realloc(*list, (size_t)ncap * sizeof(**list));

		if (!nl)
			return -ENOMEM;
		*list = nl;
		*cap = ncap;
	}
	memcpy((*list)[(*n)++], name, len + 1);
	return 0;
}

void netd_ipam_close(struct netd_leases *l)
{
	char path[PATH_MAX];

	/* a transaction that was not saved leaves nothing behind */
	for (int i = 0; i < l->ncreated; i++)
		unlink(entry_path(l, l->created[i], path));
	l->ncreated = l->nreleased = 0;
	free(l->created);
	free(l->released);
	l->created = l->released = NULL;
	l->capcreated = l->capreleased = 0;
	if (l->temporary && l->dir[0])
		pn_rm_rf(l->dir);
	l->dir[0] = '\0';
}

int netd_ipam_save(struct netd_leases *l, struct pn_err *err)
{
	char path[PATH_MAX];
	int r;

	for (int i = 0; i < l->nreleased; i++)
		unlink(entry_path(l, l->released[i], path));
	l->nreleased = 0;
	l->ncreated = 0;
	if (l->last_dirty) {
		r = pn_write_atomic(entry_path(l, "last4", path), l->last4, strlen(l->last4), 0600, 0);
		if (r == 0)
			r = pn_write_atomic(entry_path(l, "last6", path), l->last6, strlen(l->last6), 0600, 0);
		if (r < 0)
			return pn_err_set(err, r, "cannot write %s: %s", path, strerror(-r));
		l->last_dirty = false;
	}
	return 0;
}

static const char *owner_of(struct netd_leases *l, const char *name)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = open(entry_path(l, name, path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, l->owner_buf, sizeof(l->owner_buf) - 1);
	if (n < 0)
		n = 0;
	l->owner_buf[n] = '\0';
	/* an empty or unreadable lease still holds its address */
	return l->owner_buf;
}

const char *netd_ipam_owner(struct netd_leases *l, const struct pn_ip *ip)
{
	char name[PN_IPSTR_MAX];

	return owner_of(l, pn_ip_format(ip, name));
}

size_t netd_ipam_count(const struct netd_leases *l)
{
	_cleanup_closedir_ DIR *d = opendir(l->dir);
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		struct pn_ip ip;

		n += pn_ip_parse(de->d_name, &ip) == 0;
	}
	return n;
}

/* create entry @name for @owner; Return: 0, -EEXIST (someone else's) or -errno */
static int take(struct netd_leases *l, const char *name, const char *owner)
{
	char path[PATH_MAX];
	int fd, r = 0;
	size_t len = strlen(owner);

	fd = open(entry_path(l, name, path), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		const char *holder;

		if (errno != EEXIST)
			return -errno;
		holder = owner_of(l, name);
		return holder && strcmp(holder, owner) == 0 ? 0 : -EEXIST;
	}
	if (write(fd, owner, len) != (ssize_t)len)
		r = -EIO;
	close(fd);
	if (r < 0) {
		unlink(path);
		return r;
	}
	r = txn_add(&l->created, &l->ncreated, &l->capcreated, name);
	if (r < 0) {
		unlink(path);
		return r;
	}
	return 0;
}

static bool reserved(const struct netd_subnet *s, const struct pn_ip *ip)
{
	struct pn_ip last;

	if (pn_ip_equal(ip, &s->subnet.addr) || (s->gateway.family && pn_ip_equal(ip, &s->gateway)))
		return true;
	pn_cidr_last(&s->subnet, &last);
	return ip->family == AF_INET && pn_ip_equal(ip, &last);
}

static void set_last(struct netd_leases *l, const struct pn_ip *ip)
{
	pn_ip_format(ip, ip->family == AF_INET ? l->last4 : l->last6);
	l->last_dirty = true;
}

int netd_ipam_alloc(struct netd_leases *l, const char *network, const struct netd_subnet *s,
		    const char *owner, const struct pn_ip *want, struct pn_ip *ret, struct pn_err *err)
{
	struct pn_ip first, last, cur;
	const char *lasts;
	char b[PN_IPSTR_MAX], c[PN_CIDRSTR_MAX];
	uint64_t tries = 0, limit;
	int host_bits, r;

	netd_subnet_pool(s, &first, &last);
	if (want) {
		pn_ip_format(want, b);
		if (!pn_cidr_contains(&s->subnet, want))
			return pn_err_set(err, EINVAL, "address %s is not in subnet %s of network %s", b,
					  pn_cidr_format(&s->subnet, c), network);
		if (reserved(s, want))
			return pn_err_set(err, EINVAL, "address %s is reserved in network %s (network, broadcast or gateway address)",
					  b, network);
		if (s->has_range && (pn_ip_cmp(want, &first) < 0 || pn_ip_cmp(want, &last) > 0))
			return pn_err_set(err, EINVAL, "address %s is outside the ip range of network %s", b, network);
		r = take(l, b, owner);
		if (r == -EEXIST)
			return pn_err_set(err, EADDRINUSE, "address %s is already in use on network %s", b, network);
		if (r < 0)
			return pn_err_set(err, -r, "cannot lease %s on network %s: %s", b, network, strerror(-r));
		*ret = *want;
		set_last(l, want);
		return 0;
	}

	/* start after the last address handed out, wrap to the first */
	cur = first;
	lasts = s->subnet.addr.family == AF_INET ? l->last4 : l->last6;
	if (lasts[0]) {
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
		if (!reserved(s, &cur)) {
			r = take(l, pn_ip_format(&cur, b), owner);
			if (r == 0) {
				*ret = cur;
				set_last(l, &cur);
				return 0;
			}
			if (r != -EEXIST)
				return pn_err_set(err, -r, "cannot lease %s on network %s: %s", b, network, strerror(-r));
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
	char name[32];
	int r;

	snprintf(name, sizeof(name), "mac-%s", mac);
	r = take(l, name, owner);
	if (r == -EEXIST)
		return pn_err_set(err, EADDRINUSE, "MAC address %s is already in use on network %s", mac, network);
	if (r < 0)
		return pn_err_set(err, -r, "cannot reserve MAC %s: %s", mac, strerror(-r));
	return 0;
}

static void release_name(struct netd_leases *l, const char *name, const char *owner)
{
	const char *holder = owner_of(l, name);

	if (!holder || strcmp(holder, owner) != 0)
		return;
	txn_add(&l->released, &l->nreleased, &l->capreleased, name);
}

void netd_ipam_release_ip(struct netd_leases *l, const struct pn_ip *ip, const char *owner)
{
	char name[PN_IPSTR_MAX];

	release_name(l, pn_ip_format(ip, name), owner);
}

void netd_ipam_release_mac(struct netd_leases *l, const char *mac, const char *owner)
{
	char name[32];

	snprintf(name, sizeof(name), "mac-%s", mac);
	release_name(l, name, owner);
}

int netd_ipam_release(struct netd_leases *l, const char *owner)
{
	_cleanup_closedir_ DIR *d = opendir(l->dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		struct pn_ip ip;
		int before = l->nreleased;

		if (pn_ip_parse(de->d_name, &ip) < 0 && strncmp(de->d_name, "mac-", 4) != 0)
			continue;
		release_name(l, de->d_name, owner);
		n += l->nreleased > before && strncmp(de->d_name, "mac-", 4) != 0;
	}
	return n;
}
