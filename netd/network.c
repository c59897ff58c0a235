// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Network definitions. A definition is validated completely when built from
 * user options and again when loaded (the file is user-editable). Subnets are
 * chosen from 10.89.0.0/16 in /24 steps, the first that overlaps neither an
 * existing network nor a route of the host; IPv6 subnets from
 * fd89:7f3a:e0c1::/48 in /64 steps.
 */
#define _GNU_SOURCE
#include "network.h"
#include "cleanup.h"
#include "fileutil.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define POOL4 "10.89.0.0/16"
#define POOL6 "fd89:7f3a:e0c1::/48"

const char *netd_name_problem(const char *s, size_t len, size_t max, char *buf, size_t buflen)
{
	if (len == 0)
		return "it is empty";
	if (len > max) {
		snprintf(buf, buflen, "it is longer than %zu characters", max);
		return buf;
	}
	if (!isalnum((unsigned char)s[0]))
		return "it must start with a letter or digit";
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '_' || c == '.' || c == '-')
			continue;
		if (isgraph(c))
			snprintf(buf, buflen, "'%c' is not allowed: use letters, digits, '_', '.', '-'", c);
		else
			snprintf(buf, buflen, "byte 0x%02x is not allowed: use letters, digits, '_', '.', '-'", c);
		return buf;
	}
	return NULL;
}

bool netd_name_valid_n(const char *s, size_t len, size_t max)
{
	char buf[NETD_NAME_PROBLEM_LEN];

	return !netd_name_problem(s, len, max, buf, sizeof(buf));
}

bool netd_name_valid(const char *name)
{
	return name && netd_name_valid_n(name, strlen(name), NETD_NAME_MAX);
}

int netd_name_check(const char *what, const char *name, size_t max, struct pn_err *err)
{
	char buf[NETD_NAME_PROBLEM_LEN];
	const char *why = netd_name_problem(name ? name : "", name ? strlen(name) : 0, max, buf, sizeof(buf));

	return why ? pn_err_set(err, EINVAL, "invalid %s \"%s\": %s", what, name ? name : "", why) : 0;
}

void netd_network_clear(struct netd_network *net)
{
	if (net->labels)
		json_decref(net->labels);
	if (net->options)
		json_decref(net->options);
	if (net->dns_servers)
		json_decref(net->dns_servers);
	memset(net, 0, sizeof(*net));
}

void netd_subnet_pool(const struct netd_subnet *s, struct pn_ip *first, struct pn_ip *last)
{
	if (s->has_range) {
		*first = s->range_start;
		*last = s->range_end;
		return;
	}
	pn_cidr_nth(&s->subnet, 1, first);
	pn_cidr_last(&s->subnet, last);
	if (s->subnet.addr.family == AF_INET && s->subnet.prefix < 31) {
		/* the broadcast address is never handed out */
		struct pn_ip b = *last;

		for (int i = 3; i >= 0; i--)
			if (b.b[i]-- != 0)
				break;
		*last = b;
	}
}

static int parse_mtu(json_t *options, int *ret, struct pn_err *err)
{
	json_t *v = options ? json_object_get(options, "mtu") : NULL;
	const char *s;
	char *end;
	long mtu;

	*ret = 0;
	if (!v)
		return 0;
	s = json_string_value(v);
	if (!s)
		return pn_err_set(err, EINVAL, "option mtu must be a string holding a number");
	mtu = strtol(s, &end, 10);
	if (*s == '\0' || *end || mtu < 68 || mtu > 65535)
		return pn_err_set(err, EINVAL, "invalid mtu \"%s\": want a number from 68 to 65535", s);
	*ret = (int)mtu;
	return 0;
}

static int check_subnet(struct netd_subnet *s, const char *netname, struct pn_err *err)
{
	char buf[PN_CIDRSTR_MAX];
	struct pn_ip first, last;

	pn_cidr_format(&s->subnet, buf);
	if ((s->subnet.addr.family == AF_INET && s->subnet.prefix > 30) ||
	    (s->subnet.addr.family == AF_INET6 && s->subnet.prefix > 126))
		return pn_err_set(err, EINVAL, "network %s: subnet %s is too small", netname, buf);
	if (s->gateway.family && !pn_cidr_contains(&s->subnet, &s->gateway))
		return pn_err_set(err, EINVAL, "network %s: gateway is not in subnet %s", netname, buf);
	if (s->has_range) {
		if (!pn_cidr_contains(&s->subnet, &s->range_start) ||
		    !pn_cidr_contains(&s->subnet, &s->range_end) ||
		    pn_ip_cmp(&s->range_start, &s->range_end) > 0)
			return pn_err_set(err, EINVAL, "network %s: ip range is not inside subnet %s", netname, buf);
	}
	netd_subnet_pool(s, &first, &last);
	if (s->gateway.family && pn_ip_equal(&first, &last) && pn_ip_equal(&first, &s->gateway))
		return pn_err_set(err, EINVAL, "network %s: subnet %s leaves no address for containers", netname, buf);
	return 0;
}

int netd_dns_server_add(json_t *list, const char *text, const char *opt, struct pn_err *err)
{
	struct pn_ip ip;
	char b[PN_IPSTR_MAX];

	if (pn_ip_parse(text, &ip) < 0)
		return pn_err_set(err, EINVAL, "invalid %s \"%s\": want an IPv4 or IPv6 address", opt, text);
	json_array_append_new(list, json_string(pn_ip_format(&ip, b)));
	return 0;
}

/* network_dns_servers: at most NETD_MAX_NET_DNS addresses */
static int dns_servers_check(json_t *servers, const char *netname, struct pn_err *err)
{
	json_t *v;
	size_t i;

	if (!servers)
		return 0;
	if (!json_is_array(servers) || json_array_size(servers) > NETD_MAX_NET_DNS)
		return pn_err_set(err, EINVAL, "network %s: network_dns_servers must be an array of at most %d addresses",
				  netname, NETD_MAX_NET_DNS);
	json_array_foreach(servers, i, v) {
		struct pn_ip ip;

		if (!json_is_string(v) || pn_ip_parse(json_string_value(v), &ip) < 0)
			return pn_err_set(err, EINVAL, "network %s: invalid DNS server \"%s\"", netname,
					  json_string_value(v) ?: "(not a string)");
	}
	return 0;
}

int netd_network_from_json(json_t *doc, struct netd_network *net, struct pn_err *err)
{
	const char *name = NULL, *id = NULL, *driver = NULL, *iface = NULL, *created = NULL;
	json_t *subnets = NULL, *labels = NULL, *options = NULL, *ipam = NULL, *dns_servers = NULL;
	int ipv6 = 0, internal = 0, dns = 1;
	json_error_t jerr;
	size_t i;
	json_t *s;
	int r;

	memset(net, 0, sizeof(*net));
	if (json_unpack_ex(doc, &jerr, 0, "{s:s, s?s, s?s, s?s, s?s, s?o, s?b, s?b, s?b, s?o, s?o, s?o, s?o}",
			   "name", &name, "id", &id, "driver", &driver, "network_interface", &iface,
			   "created", &created, "subnets", &subnets, "ipv6_enabled", &ipv6,
			   "internal", &internal, "dns_enabled", &dns, "labels", &labels,
			   "options", &options, "ipam_options", &ipam, "network_dns_servers", &dns_servers) < 0)
		return pn_err_set(err, EINVAL, "invalid network definition: %s", jerr.text);
	if (!netd_name_valid(name))
		return pn_err_set(err, EINVAL, "invalid network name \"%s\"", name);
	snprintf(net->name, sizeof(net->name), "%s", name);
	snprintf(net->id, sizeof(net->id), "%s", id ? id : "");
	snprintf(net->driver, sizeof(net->driver), "%s", driver ? driver : "bridge");
	if (strcmp(net->driver, "bridge") != 0)
		return pn_err_set(err, EINVAL, "network %s: unsupported driver \"%s\" (only bridge)", name, net->driver);
	if (!iface || !*iface || strlen(iface) > 15 || strchr(iface, '/') || strchr(iface, ' '))
		return pn_err_set(err, EINVAL, "network %s: invalid or missing network_interface", name);
	snprintf(net->bridge, sizeof(net->bridge), "%s", iface);
	snprintf(net->created, sizeof(net->created), "%s", created ? created : "");
	net->ipv6 = ipv6;
	net->internal = internal;
	net->dns = dns;
	if (labels && !json_is_object(labels))
		return pn_err_set(err, EINVAL, "network %s: labels must be an object", name);
	if (options && !json_is_object(options))
		return pn_err_set(err, EINVAL, "network %s: options must be an object", name);
	if (subnets && !json_is_array(subnets))
		return pn_err_set(err, EINVAL, "network %s: subnets must be an array", name);
	if (json_array_size(subnets) > NETD_MAX_SUBNETS)
		return pn_err_set(err, EINVAL,
				  "network %s has %zu subnets: podnet supports at most %d per network (one IPv4, one IPv6)",
				  name, json_array_size(subnets), NETD_MAX_SUBNETS);
	if (!subnets || json_array_size(subnets) == 0)
		return pn_err_set(err, EINVAL, "network %s: no subnet", name);
	json_array_foreach(subnets, i, s) {
		struct netd_subnet *sn = &net->subnets[i];
		const char *cidr = NULL, *gw = NULL, *start = NULL, *end = NULL;

		if (json_unpack_ex(s, &jerr, 0, "{s:s, s?s, s?{s:s, s:s}}", "subnet", &cidr, "gateway", &gw,
				   "lease_range", "start_ip", &start, "end_ip", &end) < 0)
			return pn_err_set(err, EINVAL, "network %s: invalid subnet: %s", name, jerr.text);
		if (pn_cidr_parse(cidr, true, &sn->subnet) < 0)
			return pn_err_set(err, EINVAL, "network %s: invalid subnet \"%s\"", name, cidr);
		if (gw && pn_ip_parse(gw, &sn->gateway) < 0)
			return pn_err_set(err, EINVAL, "network %s: invalid gateway \"%s\"", name, gw);
		if (start) {
			sn->has_range = true;
			if (pn_ip_parse(start, &sn->range_start) < 0 || pn_ip_parse(end, &sn->range_end) < 0)
				return pn_err_set(err, EINVAL, "network %s: invalid lease_range", name);
		}
		r = check_subnet(sn, name, err);
		if (r < 0)
			return r;
		for (int j = 0; j < net->nsubnets; j++)
			if (pn_cidr_overlap(&net->subnets[j].subnet, &sn->subnet))
				return pn_err_set(err, EINVAL, "network %s: subnets overlap each other", name);
		net->nsubnets++;
	}
	r = parse_mtu(options, &net->mtu, err);
	if (r < 0)
		return r;
	r = dns_servers_check(dns_servers, name, err);
	if (r < 0)
		return r;
	net->labels = labels ? json_incref(labels) : NULL;
	net->options = options ? json_incref(options) : NULL;
	net->dns_servers = json_array_size(dns_servers) ? json_incref(dns_servers) : NULL;
	return 0;
}

json_t *netd_network_to_json(const struct netd_network *net)
{
	json_t *doc = json_object(), *subnets = json_array();
	char b1[PN_CIDRSTR_MAX], b2[PN_IPSTR_MAX];

	for (int i = 0; i < net->nsubnets; i++) {
		const struct netd_subnet *s = &net->subnets[i];
		json_t *o = json_object();

		json_object_set_new(o, "subnet", json_string(pn_cidr_format(&s->subnet, b1)));
		if (s->gateway.family)
			json_object_set_new(o, "gateway", json_string(pn_ip_format(&s->gateway, b2)));
		if (s->has_range)
			json_object_set_new(o, "lease_range",
					    json_pack("{s:s, s:s}", "start_ip", pn_ip_format(&s->range_start, b1),
						      "end_ip", pn_ip_format(&s->range_end, b2)));
		json_array_append_new(subnets, o);
	}
	json_object_set_new(doc, "name", json_string(net->name));
	json_object_set_new(doc, "id", json_string(net->id));
	json_object_set_new(doc, "driver", json_string(net->driver));
	json_object_set_new(doc, "network_interface", json_string(net->bridge));
	if (net->created[0])
		json_object_set_new(doc, "created", json_string(net->created));
	json_object_set_new(doc, "subnets", subnets);
	json_object_set_new(doc, "ipv6_enabled", json_boolean(net->ipv6));
	json_object_set_new(doc, "internal", json_boolean(net->internal));
	json_object_set_new(doc, "dns_enabled", json_boolean(net->dns));
	if (net->labels && json_object_size(net->labels))
		json_object_set(doc, "labels", net->labels);
	if (net->options && json_object_size(net->options))
		json_object_set(doc, "options", net->options);
	if (json_array_size(net->dns_servers))
		json_object_set(doc, "network_dns_servers", net->dns_servers);
	json_object_set_new(doc, "ipam_options", json_pack("{s:s}", "driver", "host-local"));
	return doc;
}

static bool prefix_taken(const struct pn_cidr *c, const struct netd_network *existing, size_t nexisting,
			 const struct pn_cidr *avoid, size_t navoid)
{
	for (size_t i = 0; i < nexisting; i++)
		for (int j = 0; j < existing[i].nsubnets; j++)
			if (pn_cidr_overlap(&existing[i].subnets[j].subnet, c))
				return true;
	for (size_t i = 0; i < navoid; i++)
		if (avoid[i].prefix > 0 && pn_cidr_overlap(&avoid[i], c))
			return true;
	return false;
}

static int pick_subnet(int family, const struct netd_network *existing, size_t nexisting,
		       const struct pn_cidr *avoid, size_t navoid, struct pn_cidr *ret)
{
	struct pn_cidr pool;
	int step_prefix = family == AF_INET ? 24 : 64;
	int nsteps = 256;

	pn_cidr_parse(family == AF_INET ? POOL4 : POOL6, true, &pool);
	for (int i = 0; i < nsteps; i++) {
		struct pn_cidr c = { .addr = pool.addr, .prefix = step_prefix };
		int shift = pn_ip_bits(&pool.addr) - step_prefix;
		/* add i << shift: shift is a multiple of 8 for both pools */
		int byte = pn_ip_bits(&pool.addr) / 8 - 1 - shift / 8;

		c.addr.b[byte] = (uint8_t)(c.addr.b[byte] + i);
		if (!prefix_taken(&c, existing, nexisting, avoid, navoid)) {
			*ret = c;
			return 0;
		}
	}
	return -ENOSPC;
}

static void random_hex(char *buf, size_t nbytes)
{
	unsigned char raw[32];

	if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
		for (size_t i = 0; i < nbytes; i++)
			raw[i] = (unsigned char)(rand() ^ getpid());
	for (size_t i = 0; i < nbytes; i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
}

void netd_now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.19s.%09dZ", base, (int)(ts.tv_nsec % 1000000000));
}

/*
 * Blocks no container network may overlap: a bridge's address there would be
 * a loopback, multicast or unspecified address, or one the kernel refuses to
 * route (RFC 6890). Checked at create only: a stored network still loads.
 */
static const struct {
	const char *cidr, *what;
} special_blocks[] = {
	{ "0.0.0.0/8", "\"this network\" addresses" },
	{ "127.0.0.0/8", "loopback addresses" },
	{ "224.0.0.0/4", "multicast addresses" },
	{ "240.0.0.0/4", "reserved addresses (and broadcast)" },
	{ "::/128", "the unspecified address" },
	{ "::1/128", "the loopback address" },
	{ "ff00::/8", "multicast addresses" },
};

static int check_special(const struct pn_cidr *subnet, const char *cidr, struct pn_err *err)
{
	for (size_t i = 0; i < sizeof(special_blocks) / sizeof(special_blocks[0]); i++) {
		struct pn_cidr b;

		if (pn_cidr_parse(special_blocks[i].cidr, true, &b) < 0 || b.addr.family != subnet->addr.family)
			continue;
		if (pn_cidr_overlap(&b, subnet))
			return pn_err_set(err, EINVAL, "invalid subnet \"%s\": it overlaps %s (%s)", cidr,
					  special_blocks[i].cidr, special_blocks[i].what);
	}
	return 0;
}

static int build_subnet(const char *cidr, const char *gw, const char *range, struct netd_subnet *s,
			const char *name, struct pn_err *err)
{
	memset(s, 0, sizeof(*s));
	if (pn_cidr_parse(cidr, false, &s->subnet) < 0)
		return pn_err_set(err, EINVAL, "invalid subnet \"%s\": want ADDRESS/PREFIX", cidr);
	{
		struct pn_cidr strict;

		if (pn_cidr_parse(cidr, true, &strict) < 0) {
			char b[PN_CIDRSTR_MAX];

			return pn_err_set(err, EINVAL, "invalid subnet \"%s\": host bits set (did you mean %s?)", cidr,
					  pn_cidr_format(&s->subnet, b));
		}
	}
	if (check_special(&s->subnet, cidr, err) < 0)
		return -EINVAL;
	if (gw) {
		if (pn_ip_parse(gw, &s->gateway) < 0)
			return pn_err_set(err, EINVAL, "invalid gateway \"%s\"", gw);
		if (s->gateway.family != s->subnet.addr.family || !pn_cidr_contains(&s->subnet, &s->gateway))
			return pn_err_set(err, EINVAL, "gateway %s is not in subnet %s", gw, cidr);
		{
			struct pn_ip last;

			pn_cidr_last(&s->subnet, &last);
			if (pn_ip_equal(&s->gateway, &s->subnet.addr) ||
			    (s->gateway.family == AF_INET && pn_ip_equal(&s->gateway, &last)))
				return pn_err_set(err, EINVAL, "gateway %s is the network or broadcast address of %s",
						  gw, cidr);
		}
	} else {
		pn_cidr_nth(&s->subnet, 1, &s->gateway);
	}
	if (range) {
		struct pn_cidr r;

		if (pn_cidr_parse(range, false, &r) < 0)
			return pn_err_set(err, EINVAL, "invalid ip range \"%s\": want ADDRESS/PREFIX", range);
		if (r.addr.family != s->subnet.addr.family || r.prefix < s->subnet.prefix ||
		    !pn_cidr_contains(&s->subnet, &r.addr))
			return pn_err_set(err, EINVAL, "ip range %s is not inside subnet %s", range, cidr);
		s->has_range = true;
		/* as podman: from the range's first host address to its last address */
		s->range_start = r.addr;
		if (r.prefix < pn_ip_bits(&r.addr))
			pn_ip_add(&s->range_start, 1);
		pn_cidr_last(&r, &s->range_end);
	}
	return check_subnet(s, name, err);
}

/*
 * Why @name cannot name a network, or NULL: a network mode of podman's
 * `--network` (`--network bridge` would never reach it), or the name of one of
 * podnet's own files beside the records files in $RUN/dns.
 */
static const char *name_reserved_why(const char *name)
{
	/* podman's list: `--network none|host|bridge|...` name a mode, not a network */
	static const char *const modes[] = { "none", "host", "bridge", "private", "slirp4netns",
					     "pasta", "container", "ns", "default" };
	/* the files beside the records files in $RUN/dns that podnet-dns skips (dns/records.c) */
	static const char *const files[] = { "podnet-dns.pid", "host-gateway" };

	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(name, modes[i]) == 0)
			return "conflicts with a valid network mode";
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(name, files[i]) == 0)
			return "is reserved for podnet's own files";
	/* a records file named like a pn_write_atomic() temporary is skipped too */
	return pn_is_atomic_tmp(name) ? "is reserved for podnet's own files" : NULL;
}

int netd_network_build(const struct netd_network_opts *o, const struct netd_network *existing,
		       size_t nexisting, const struct pn_cidr *avoid, size_t navoid,
		       struct netd_network *ret, struct pn_err *err)
{
	struct netd_network net;
	bool have4 = false, have6 = false;
	const char *why;
	int r;

	memset(&net, 0, sizeof(net));
	r = netd_name_check("network name", o->name, NETD_NAME_MAX, err);
	if (r < 0)
		return r;
	why = name_reserved_why(o->name);
	if (why)
		return pn_err_set(err, EINVAL, "cannot create network with name \"%s\" because it %s", o->name, why);
	for (size_t i = 0; i < nexisting; i++)
		if (strcmp(existing[i].name, o->name) == 0)
			return pn_err_set(err, EEXIST, "network %s already exists", o->name);
	if (o->driver && strcmp(o->driver, "bridge") != 0)
		return pn_err_set(err, EINVAL, "unsupported driver \"%s\": podnet supports bridge", o->driver);
	if (o->ngateways > o->nsubnets)
		return pn_err_set(err, EINVAL, "--gateway needs a matching --subnet");
	if (o->ip_range && o->nsubnets == 0)
		return pn_err_set(err, EINVAL, "--ip-range needs --subnet");
	if (o->nsubnets > NETD_MAX_SUBNETS)
		return pn_err_set(err, EINVAL, "at most %d subnets (one IPv4, one IPv6)", NETD_MAX_SUBNETS);
	snprintf(net.name, sizeof(net.name), "%s", o->name);
	snprintf(net.driver, sizeof(net.driver), "bridge");
	net.internal = o->internal;
	net.dns = !o->disable_dns;
	net.ipv6 = o->ipv6;

	for (int i = 0; i < o->nsubnets; i++) {
		struct netd_subnet *s = &net.subnets[net.nsubnets];
		const char *range = NULL;

		if (o->ip_range && i == 0)
			range = o->ip_range;
		r = build_subnet(o->subnets[i], i < o->ngateways ? o->gateways[i] : NULL, range, s, o->name, err);
		if (r < 0)
			return r;
		if (s->subnet.addr.family == AF_INET ? have4 : have6)
			return pn_err_set(err, EINVAL, "at most one IPv4 and one IPv6 subnet");
		if (s->subnet.addr.family == AF_INET)
			have4 = true;
		else
			have6 = net.ipv6 = true;
		for (size_t k = 0; k < nexisting; k++)
			for (int j = 0; j < existing[k].nsubnets; j++)
				if (pn_cidr_overlap(&existing[k].subnets[j].subnet, &s->subnet)) {
					char b[PN_CIDRSTR_MAX];

					return pn_err_set(err, EEXIST, "subnet %s overlaps network %s (%s)",
							  o->subnets[i], existing[k].name,
							  pn_cidr_format(&existing[k].subnets[j].subnet, b));
				}
		net.nsubnets++;
	}
	if (!have4 && (o->nsubnets == 0 || !have6)) {
		struct netd_subnet *s = &net.subnets[net.nsubnets];

		memset(s, 0, sizeof(*s));
		if (pick_subnet(AF_INET, existing, nexisting, avoid, navoid, &s->subnet) < 0)
			return pn_err_set(err, ENOSPC, "no free IPv4 subnet left in %s; give one with --subnet", POOL4);
		pn_cidr_nth(&s->subnet, 1, &s->gateway);
		net.nsubnets++;
	}
	if (net.ipv6 && !have6) {
		struct netd_subnet *s = &net.subnets[net.nsubnets];

		memset(s, 0, sizeof(*s));
		if (pick_subnet(AF_INET6, existing, nexisting, avoid, navoid, &s->subnet) < 0)
			return pn_err_set(err, ENOSPC, "no free IPv6 subnet left in %s", POOL6);
		pn_cidr_nth(&s->subnet, 1, &s->gateway);
		net.nsubnets++;
	}

	if (o->bridge) {
		if (!*o->bridge || strlen(o->bridge) > 15 || strchr(o->bridge, '/') || strchr(o->bridge, ' '))
			return pn_err_set(err, EINVAL, "invalid interface name \"%s\" (at most 15 characters)", o->bridge);
		for (size_t k = 0; k < nexisting; k++)
			if (strcmp(existing[k].bridge, o->bridge) == 0)
				return pn_err_set(err, EEXIST, "interface name %s is used by network %s", o->bridge,
						  existing[k].name);
		snprintf(net.bridge, sizeof(net.bridge), "%s", o->bridge);
	} else {
		for (int n = 0; n < 10000 && !net.bridge[0]; n++) {
			char cand[16];
			bool used = false;

			snprintf(cand, sizeof(cand), "podnet%d", n);
			for (size_t k = 0; k < nexisting; k++)
				used |= strcmp(existing[k].bridge, cand) == 0;
			if (!used)
				snprintf(net.bridge, sizeof(net.bridge), "%s", cand);
		}
	}
	if (o->labels)
		net.labels = json_deep_copy(o->labels);
	if (o->ndns) {
		net.dns_servers = json_array();
		for (int i = 0; i < o->ndns; i++) {
			if (netd_dns_server_add(net.dns_servers, o->dns[i], "--dns", err) < 0) {
				netd_network_clear(&net);
				return -EINVAL;
			}
		}
	}
	if (o->options && json_object_size(o->options)) {
		const char *k;
		json_t *v;

		json_object_foreach(o->options, k, v) {
			if (strcmp(k, "mtu") != 0) {
				netd_network_clear(&net);
				return pn_err_set(err, EINVAL, "unsupported option \"%s\" (supported: mtu)", k);
			}
		}
		net.options = json_deep_copy(o->options);
		r = parse_mtu(net.options, &net.mtu, err);
		if (r < 0) {
			netd_network_clear(&net);
			return r;
		}
	}
	random_hex(net.id, 32);
	netd_now_rfc3339(net.created, sizeof(net.created));
	*ret = net;
	return 0;
}

static char *def_path(const struct pn_paths *p, const char *name, char *buf)
{
	return pn_path(buf, "%s/networks/%s.json", p->data, name);
}

int netd_network_load(const struct pn_paths *p, const char *name, struct netd_network *ret,
		      struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	char path[PATH_MAX];
	int r;

	if (!netd_name_valid(name))
		return pn_err_set(err, ENOENT, "network %s not found", name);
	r = pn_json_load(def_path(p, name, path), &doc, err);
	if (r == -ENOENT)
		return pn_err_set(err, ENOENT, "network %s not found", name);
	if (r < 0)
		return r;
	r = netd_network_from_json(doc, ret, err);
	if (r == 0 && strcmp(ret->name, name) != 0) {
		netd_network_clear(ret);
		return pn_err_set(err, EINVAL, "%s: name inside the file is not %s", path, name);
	}
	return r;
}

int netd_network_save(const struct pn_paths *p, const struct netd_network *net, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = netd_network_to_json(net);
	char path[PATH_MAX];
	int r;

	pn_path(path, "%s/networks", p->data);
	r = pn_mkdir_p(path, 0700);
	if (r == 0)
		r = pn_json_save(def_path(p, net->name, path), doc, 1);
	if (r < 0)
		return pn_err_set(err, r, "cannot write network %s: %s", net->name, strerror(-r));
	return 0;
}

int netd_network_delete(const struct pn_paths *p, const char *name, struct pn_err *err)
{
	char path[PATH_MAX];

	if (unlink(def_path(p, name, path)) < 0 && errno != ENOENT)
		return pn_err_set(err, errno, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

static int cmp_net(const void *a, const void *b)
{
	return strcmp(((const struct netd_network *)a)->name, ((const struct netd_network *)b)->name);
}

int netd_network_list(const struct pn_paths *p, struct netd_network **ret, size_t *ret_n,
		      struct pn_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct netd_network *nets = NULL;
	size_t n = 0, cap = 0;
	char path[PATH_MAX];
	struct dirent *de;

	*ret = NULL;
	*ret_n = 0;
	d = opendir(pn_path(path, "%s/networks", p->data));
	if (!d)
		return errno == ENOENT ? 0 : pn_err_set(err, errno, "cannot read %s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		char name[NAME_MAX + 1];
		size_t len = strlen(de->d_name);
		struct pn_err lerr = { 0 };

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (n == cap) {
			struct netd_network *nn = realloc(nets, (cap ? cap * 2 : 8) * sizeof(*nets));

			if (!nn) {
				netd_network_list_free(nets, n);
				return pn_err_set(err, ENOMEM, "out of memory");
			}
			nets = nn;
			cap = cap ? cap * 2 : 8;
		}
		if (netd_network_load(p, name, &nets[n], &lerr) < 0) {
			/* a broken file is reported, never fatal for the others */
			if (err && !err->code)
				snprintf(err->msg, sizeof(err->msg), "skipped %.400s", lerr.msg);
			continue;
		}
		n++;
	}
	if (n)
		qsort(nets, n, sizeof(*nets), cmp_net);
	*ret = nets;
	*ret_n = n;
	return 0;
}

void netd_network_list_free(struct netd_network *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		netd_network_clear(&nets[i]);
	free(nets);
}
