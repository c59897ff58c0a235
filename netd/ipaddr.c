// SPDX-License-Identifier: GPL-2.0-or-later
/* Address arithmetic: see ipaddr.h. */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pn_ip_bits(const struct pn_ip *ip)
{
	return ip->family == AF_INET ? 32 : 128;
}

int pn_ip_parse(const char *s, struct pn_ip *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!s || !*s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ret->b) == 1) {
		ret->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ret->b) == 1) {
		ret->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *pn_ip_format(const struct pn_ip *ip, char *buf)
{
	if (!ip->family || !inet_ntop(ip->family, ip->b, buf, PN_IPSTR_MAX))
		strcpy(buf, "");
	return buf;
}

static void clear_host_bits(struct pn_ip *ip, int prefix)
{
	int bytes = pn_ip_bits(ip) / 8;

	for (int i = 0; i < bytes; i++) {
		int keep = prefix - i * 8;

		if (keep >= 8)
			continue;
		ip->b[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

int pn_cidr_parse(const char *s, bool strict, struct pn_cidr *ret)
{
	char buf[PN_CIDRSTR_MAX];
	const char *slash;
	char *end;
	long prefix;
	struct pn_ip orig;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1])
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (pn_ip_parse(buf, &ret->addr) < 0)
		return -EINVAL;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (errno || *end || prefix < 0 || prefix > pn_ip_bits(&ret->addr))
		return -EINVAL;
	ret->prefix = (int)prefix;
	orig = ret->addr;
	clear_host_bits(&ret->addr, ret->prefix);
	if (strict && !pn_ip_equal(&orig, &ret->addr))
		return -EINVAL;
	return 0;
}

const char *pn_cidr_format(const struct pn_cidr *c, char *buf)
{
	char ip[PN_IPSTR_MAX];

	snprintf(buf, PN_CIDRSTR_MAX, "%s/%d", pn_ip_format(&c->addr, ip), c->prefix);
	return buf;
}

bool pn_ip_equal(const struct pn_ip *a, const struct pn_ip *b)
{
	return a->family == b->family && memcmp(a->b, b->b, pn_ip_bits(a) / 8) == 0;
}

int pn_ip_cmp(const struct pn_ip *a, const struct pn_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, pn_ip_bits(a) / 8);
}

bool pn_cidr_contains(const struct pn_cidr *c, const struct pn_ip *ip)
{
	struct pn_ip masked = *ip;

	if (ip->family != c->addr.family)
		return false;
	clear_host_bits(&masked, c->prefix);
	return pn_ip_equal(&masked, &c->addr);
}

bool pn_cidr_overlap(const struct pn_cidr *a, const struct pn_cidr *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return a->prefix <= b->prefix ? pn_cidr_contains(a, &b->addr) : pn_cidr_contains(b, &a->addr);
}

int pn_ip_add(struct pn_ip *ip, uint64_t n)
{
	int i = pn_ip_bits(ip) / 8 - 1;
	unsigned carry = 0;

	for (; i >= 0 && (n || carry); i--) {
		unsigned v = ip->b[i] + (unsigned)(n & 0xff) + carry;

		ip->b[i] = (uint8_t)v;
		carry = v >> 8;
		n >>= 8;
	}
	return (n || carry) ? -ERANGE : 0;
}

int pn_cidr_nth(const struct pn_cidr *c, uint64_t n, struct pn_ip *ret)
{
	int host_bits = pn_ip_bits(&c->addr) - c->prefix;

	if (host_bits < 64 && n >> host_bits)
		return -ERANGE;
	*ret = c->addr;
	return pn_ip_add(ret, n);
}

void pn_cidr_last(const struct pn_cidr *c, struct pn_ip *ret)
{
	int bytes = pn_ip_bits(&c->addr) / 8;

	*ret = c->addr;
	for (int i = 0; i < bytes; i++) {
		int keep = c->prefix - i * 8;

		if (keep >= 8)
			continue;
		ret->b[i] |= keep <= 0 ? 0xff : (uint8_t)(0xff >> keep);
	}
}
