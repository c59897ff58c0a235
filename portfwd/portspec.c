// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The `-p` publish spec, as podman writes it:
 *   [HOSTIP:][HOSTPORT[-HOSTPORT2]:]CTRPORT[-CTRPORT2][/tcp|/udp|/tcp,udp]
 * An IPv6 host IP goes in brackets ([::1]:8080:80). An empty or missing host
 * port asks for a free one. The spec is untrusted user input: every field is
 * checked and each defect gets its own message.
 */
#define _GNU_SOURCE
#include "portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SPEC_MAX 128

/* Parse a decimal port 0..65535 from [s, s+len); no sign, no spaces. */
static int parse_port(const char *s, size_t len, unsigned *ret)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "P" or "P-Q" into first and count; @what names the field in messages. */
static int parse_range(const char *s, size_t len, const char *what, bool allow_zero, unsigned *first,
		       unsigned *count, struct pn_err *err)
{
	const char *dash = memchr(s, '-', len);
	unsigned a, b;

	if (len == 0)
		return pn_err_set(err, EINVAL, "%s port is empty", what);
	if (!dash) {
		if (parse_port(s, len, &a) < 0)
			return pn_err_set(err, EINVAL, "%s port '%.*s' is not a number from 1 to 65535",
					  what, (int)len, s);
		if (a == 0 && !allow_zero)
			return pn_err_set(err, EINVAL, "%s port must not be 0", what);
		*first = a;
		*count = 1;
		return 0;
	}
	if (parse_port(s, (size_t)(dash - s), &a) < 0 ||
	    parse_port(dash + 1, len - (size_t)(dash - s) - 1, &b) < 0)
		return pn_err_set(err, EINVAL, "%s port range '%.*s' is not START-END with ports from 1 to 65535",
				  what, (int)len, s);
	if (a == 0 || b == 0)
		return pn_err_set(err, EINVAL, "%s port range '%.*s' must not contain port 0", what,
				  (int)len, s);
	if (b < a)
		return pn_err_set(err, EINVAL, "%s port range '%.*s' ends before it starts", what, (int)len, s);
	if (b - a + 1 > PN_PORTFWD_MAX_RANGE)
		return pn_err_set(err, EINVAL, "%s port range '%.*s' is longer than %d ports", what,
				  (int)len, s, PN_PORTFWD_MAX_RANGE);
	*first = a;
	*count = b - a + 1;
	return 0;
}

/* Validate and canonicalise a host IP; @bracketed says it was written as [..]. */
static int parse_host_ip(const char *s, size_t len, bool bracketed, char *out, struct pn_err *err)
{
	char buf[64];
	unsigned char addr[16];

	if (len == 0 || len >= sizeof(buf))
		return pn_err_set(err, EINVAL, "host IP '%.*s' is not an IP address", (int)len, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (bracketed) {
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return pn_err_set(err, EINVAL, "host IP '[%s]' is not an IPv6 address", buf);
		inet_ntop(AF_INET6, addr, out, 46);
		return 0;
	}
	if (inet_pton(AF_INET, buf, addr) != 1)
		return pn_err_set(err, EINVAL, "host IP '%s' is not an IPv4 address (write IPv6 as [ADDR])",
				  buf);
	inet_ntop(AF_INET, addr, out, 46);
	return 0;
}

int portspec_parse(const char *spec, struct pn_port_mapping *out, size_t max, size_t *ret_n,
		   struct pn_err *err)
{
	const char *protos[2];
	size_t nproto = 0, len;
	const char *slash, *rest, *end, *colon;
	char host_ip[46] = "";
	unsigned hfirst = 0, hcount = 1, cfirst, ccount;
	bool host_given = false;
	int r;

	*ret_n = 0;
	if (!spec || !*spec)
		return pn_err_set(err, EINVAL, "empty port spec");
	len = strnlen(spec, SPEC_MAX + 1);
	if (len > SPEC_MAX)
		return pn_err_set(err, EINVAL, "port spec is longer than %d characters", SPEC_MAX);
	for (size_t i = 0; i < len; i++)
		if (spec[i] <= ' ' || spec[i] > '~')
			return pn_err_set(err, EINVAL, "port spec '%s' contains a space or control character",
					  spec);

	/* protocol suffix */
	slash = strchr(spec, '/');
	end = slash ? slash : spec + len;
	if (slash) {
		const char *p = slash + 1;

		if (strchr(p, '/'))
			return pn_err_set(err, EINVAL, "port spec '%s' has more than one '/'", spec);
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t plen = comma ? (size_t)(comma - p) : strlen(p);
			const char *name;

			if (plen == 3 && !strncmp(p, "tcp", 3))
				name = "tcp";
			else if (plen == 3 && !strncmp(p, "udp", 3))
				name = "udp";
			else if (plen == 4 && !strncmp(p, "sctp", 4))
				return pn_err_set(err, EOPNOTSUPP, "port spec '%s': sctp is not supported", spec);
			else
				return pn_err_set(err, EINVAL,
						  "port spec '%s': protocol '%.*s' is not tcp, udp or tcp,udp",
						  spec, (int)plen, p);
			for (size_t i = 0; i < nproto; i++)
				if (protos[i] == name)
					return pn_err_set(err, EINVAL, "port spec '%s' names %s twice", spec, name);
			if (nproto == 2)
				return pn_err_set(err, EINVAL, "port spec '%s' names too many protocols", spec);
			protos[nproto++] = name;
			if (!comma)
				break;
			p = comma + 1;
			if (!*p)
				return pn_err_set(err, EINVAL, "port spec '%s' ends with ','", spec);
		}
		if (nproto == 0)
			return pn_err_set(err, EINVAL, "port spec '%s' has an empty protocol", spec);
	} else {
		protos[nproto++] = "tcp";
	}

	/* host IP: [v6]: or, with two colons, v4: */
	rest = spec;
	if (*rest == '[') {
		const char *close = memchr(rest, ']', (size_t)(end - rest));

		if (!close)
			return pn_err_set(err, EINVAL, "port spec '%s': '[' without ']'", spec);
		if (close + 1 >= end || close[1] != ':')
			return pn_err_set(err, EINVAL, "port spec '%s': expected ':' after ']'", spec);
		r = parse_host_ip(rest + 1, (size_t)(close - rest - 1), true, host_ip, err);
		if (r < 0)
			return r;
		rest = close + 2;
		/* what follows is HOSTPORT:CTRPORT or :CTRPORT */
		colon = memchr(rest, ':', (size_t)(end - rest));
		if (!colon)
			return pn_err_set(err, EINVAL,
					  "port spec '%s': a host IP needs HOSTPORT:CTRPORT or :CTRPORT after it",
					  spec);
	} else {
		const char *c1 = memchr(rest, ':', (size_t)(end - rest));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;

		if (c2 && memchr(c2 + 1, ':', (size_t)(end - c2 - 1)))
			return pn_err_set(err, EINVAL,
					  "port spec '%s' has too many ':' (write an IPv6 host IP as [ADDR])",
					  spec);
		if (c2) {
			r = parse_host_ip(rest, (size_t)(c1 - rest), false, host_ip, err);
			if (r < 0)
				return r;
			rest = c1 + 1;
			colon = c2;
		} else {
			colon = c1;
		}
	}

	/* rest: [HOSTPORT:]CTRPORT, colon at the separator (or NULL) */
	if (colon) {
		if (colon > rest) {
			r = parse_range(rest, (size_t)(colon - rest), "host", true, &hfirst, &hcount, err);
			if (r < 0)
				return r;
			host_given = hfirst != 0;
		}
		rest = colon + 1;
	}
	r = parse_range(rest, (size_t)(end - rest), "container", false, &cfirst, &ccount, err);
	if (r < 0)
		return r;
	if (host_given && hcount != ccount)
		return pn_err_set(err, EINVAL,
				  "port spec '%s': host range has %u ports, container range has %u", spec,
				  hcount, ccount);
	if (!host_given && hcount > 1)
		return pn_err_set(err, EINVAL, "port spec '%s': host port range starts at 0", spec);
	if (host_given && hfirst + ccount - 1 > 65535)
		return pn_err_set(err, EINVAL, "port spec '%s': host range ends above 65535", spec);

	if (nproto > max)
		return pn_err_set(err, ENOSPC, "too many port mappings");
	for (size_t i = 0; i < nproto; i++) {
		struct pn_port_mapping *m = &out[i];

		memset(m, 0, sizeof(*m));
		snprintf(m->host_ip, sizeof(m->host_ip), "%s", host_ip);
		m->host_port = (uint16_t)(host_given ? hfirst : 0);
		m->container_port = (uint16_t)cfirst;
		m->range = (uint16_t)ccount;
		snprintf(m->protocol, sizeof(m->protocol), "%s", protos[i]);
	}
	*ret_n = nproto;
	return 0;
}

/* two host addresses of mappings can be bound at once only if they differ and neither is a wildcard */
static bool host_ips_overlap(const char *a, const char *b)
{
	if (!a[0] || !b[0] || strcmp(a, b) == 0)
		return true;
	if (strcmp(a, "0.0.0.0") == 0 || strcmp(b, "0.0.0.0") == 0)
		return !strchr(a, ':') && !strchr(b, ':');
	if (strcmp(a, "::") == 0 || strcmp(b, "::") == 0)
		return strchr(a, ':') && strchr(b, ':');
	return false;
}

int portspec_merge(struct pn_port_mapping *maps, size_t *n, struct pn_err *err)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		const struct pn_port_mapping *m = &maps[i];
		bool dup = false;

		for (size_t k = 0; k < kept && !dup; k++) {
			const struct pn_port_mapping *o = &maps[k];
			unsigned lo, hi;

			if (strcmp(m->protocol, o->protocol) != 0)
				continue;
			if (strcmp(m->host_ip, o->host_ip) == 0 && m->host_port == o->host_port &&
			    m->container_port == o->container_port && m->range == o->range) {
				dup = true; /* podman accepts the same mapping twice */
				break;
			}
			if (!m->host_port || !o->host_port || !host_ips_overlap(m->host_ip, o->host_ip))
				continue;
			lo = m->host_port > o->host_port ? m->host_port : o->host_port;
			hi = m->host_port + m->range < o->host_port + o->range ? m->host_port + m->range
									     : o->host_port + o->range;
			if (lo < hi)
				return pn_err_set(err, EINVAL, "conflicting port mappings for host port %u (protocol %s)", lo,
						  m->protocol);
		}
		if (!dup)
			maps[kept++] = *m;
	}
	*n = kept;
	return 0;
}

int portspec_format(const struct pn_port_mapping *m, char *buf, size_t size)
{
	char host[64] = "", hp[16], cp[16];
	int n;

	if (m->host_ip[0])
		snprintf(host, sizeof(host), strchr(m->host_ip, ':') ? "[%s]:" : "%s:", m->host_ip);
	if (m->range > 1) {
		snprintf(hp, sizeof(hp), "%u-%u", m->host_port, m->host_port + m->range - 1u);
		snprintf(cp, sizeof(cp), "%u-%u", m->container_port, m->container_port + m->range - 1u);
	} else {
		snprintf(hp, sizeof(hp), "%u", m->host_port);
		snprintf(cp, sizeof(cp), "%u", m->container_port);
	}
	n = snprintf(buf, size, "%s%s:%s/%s", host, hp, cp, m->protocol);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}
