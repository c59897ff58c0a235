// SPDX-License-Identifier: GPL-2.0-or-later
/* Attach/detach bookkeeping and the namespace side: see sandbox.h. */
#define _GNU_SOURCE
#include "sandbox.h"
#include "cleanup.h"
#include "fileutil.h"
#include "ipam.h"
#include "link.h"
#include "state.h"

#include <stdio.h>
#include <string.h>

static json_t *networks_of(json_t *doc)
{
	json_t *n = json_object_get(doc, "networks");

	if (!json_is_object(n)) {
		n = json_object();
		json_object_set_new(doc, "networks", n);
	}
	return n;
}

static void pick_ifname(json_t *nets, char *buf, size_t len)
{
	for (int i = 0; i < 1000; i++) {
		const char *k;
		json_t *v;
		bool used = false;

		snprintf(buf, len, "eth%d", i);
		json_object_foreach(nets, k, v)
			used |= strcmp(json_string_value(json_object_get(v, "interface")) ?: "", buf) == 0;
		if (!used)
			return;
	}
}

int netd_attach_parse(const struct netd_static *st, struct pn_ip *ret_ip, struct pn_ip *ret_ip6,
		      unsigned char ret_mac[6], struct pn_err *err)
{
	struct pn_ip ip6;

	if (st->ip && pn_ip_parse(st->ip, ret_ip) < 0)
		return pn_err_set(err, EINVAL, "invalid IP address \"%s\"", st->ip);
	if (st->ip6 && (pn_ip_parse(st->ip6, &ip6) < 0 || ip6.family != AF_INET6))
		return pn_err_set(err, EINVAL, "invalid IPv6 address \"%s\"", st->ip6);
	if (st->ip6 && st->ip && ret_ip->family == AF_INET6)
		return pn_err_set(err, EINVAL, "two static IPv6 addresses (%s, %s) for one network", st->ip, st->ip6);
	if (st->ip6)
		*ret_ip6 = ip6;
	if (st->mac && netd_mac_parse(st->mac, ret_mac) < 0)
		return pn_err_set(err, EINVAL, "invalid MAC address \"%s\": want a unicast xx:xx:xx:xx:xx:xx, not all zero", st->mac);
	return 0;
}

/* @addr (@given) lies in none of @net's subnets: say which ones it could have been in */
static int outside_subnets(const struct netd_network *net, const struct pn_ip *addr, const char *given,
			   struct pn_err *err)
{
	char list[512] = "", c[PN_CIDRSTR_MAX];
	size_t len = 0;

	for (int i = 0; i < net->nsubnets; i++)
		if (net->subnets[i].subnet.addr.family == addr->family && len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? " or " : "",
						pn_cidr_format(&net->subnets[i].subnet, c));
	if (!len)
		return pn_err_set(err, EINVAL, "address %s does not match any subnet of network %s (it has no IPv%d subnet)",
				  given, net->name, addr->family == AF_INET6 ? 6 : 4);
	return pn_err_set(err, EINVAL, "address %s is not in subnet %s of network %s", given, list, net->name);
}

int netd_attach_check(const struct netd_static *st, const struct netd_network *net, struct pn_ip *ret_ip,
		      struct pn_ip *ret_ip6, unsigned char ret_mac[6], struct pn_err *err)
{
	const char *given[2] = { st->ip, st->ip6 };
	struct pn_ip *want[2] = { ret_ip, ret_ip6 };
	int r = netd_attach_parse(st, ret_ip, ret_ip6, ret_mac, err);

	for (int k = 0; r == 0 && k < 2; k++) {
		bool fits = false;

		if (!given[k])
			continue;
		for (int i = 0; i < net->nsubnets; i++)
			fits |= pn_cidr_contains(&net->subnets[i].subnet, want[k]);
		if (!fits)
			r = outside_subnets(net, want[k], given[k], err);
	}
	return r;
}

int netd_attach_plan(const struct pn_paths *p, json_t *doc, const struct netd_network *net,
		     const struct netd_static *st, json_t *aliases, struct pn_err *err)
{
	static const struct netd_static none;
	const char *id = json_string_value(json_object_get(doc, "id"));
	json_t *nets = networks_of(doc), *ips = json_array(), *gws = json_array();
	struct netd_leases leases;
	struct pn_ip want, want6;
	unsigned char mac[6];
	char ifname[16], host_if[16], macs[18], b[PN_IPSTR_MAX], cb[PN_CIDRSTR_MAX + 8];
	bool static_used = false, static6_used = false;
	int r;

	if (!st)
		st = &none;
	if (json_object_get(nets, net->name)) {
		json_decref(ips);
		json_decref(gws);
		return pn_err_set(err, EEXIST, "%s is already connected to network %s",
				  json_string_value(json_object_get(doc, "name")), net->name);
	}
	if (json_object_size(nets) >= NETD_MAX_NETWORKS) {
		json_decref(ips);
		json_decref(gws);
		return pn_err_set(err, E2BIG, "at most %d networks per container", NETD_MAX_NETWORKS);
	}
	/* every static address lies in a subnet: each goes to the one that holds it, below */
	r = netd_attach_check(st, net, &want, &want6, mac, err);
	if (r < 0) {
		json_decref(ips);
		json_decref(gws);
		return r;
	}
	if (!st->mac)
		netd_mac_random(mac);
	/* until the state names them, the leases are found by this mark (state.h) */
	r = netd_leasing_begin(p, id, err);
	if (r == 0)
		r = netd_ipam_open(p, net->name, &leases, err);
	if (r < 0) {
		json_decref(ips);
		json_decref(gws);
		return r;
	}
	for (int i = 0; i < net->nsubnets && r == 0; i++) {
		const struct netd_subnet *s = &net->subnets[i];
		const struct pn_ip *w = NULL;
		struct pn_ip got;

		/* a static address goes to the subnet that holds it */
		if (st->ip && !static_used && pn_cidr_contains(&s->subnet, &want)) {
			w = &want;
			static_used = true;
		} else if (st->ip6 && !static6_used && pn_cidr_contains(&s->subnet, &want6)) {
			w = &want6;
			static6_used = true;
		}
		r = netd_ipam_alloc(&leases, net->name, s, id, w, &got, err);
		if (r < 0)
			break;
		snprintf(cb, sizeof(cb), "%s/%d", pn_ip_format(&got, b), s->subnet.prefix);
		json_array_append_new(ips, json_string(cb));
		if (s->gateway.family)
			json_array_append_new(gws, json_string(pn_ip_format(&s->gateway, b)));
	}
	if (r == 0) {
		/* a MAC twice on one bridge breaks both containers: refuse it */
		netd_mac_format(mac, macs);
		r = netd_ipam_reserve_mac(&leases, net->name, macs, id, err);
	}
	if (r == 0)
		r = netd_ipam_save(&leases, err);
	netd_ipam_close(&leases);
	if (r < 0) {
		json_decref(ips);
		json_decref(gws);
		return r;
	}
	pick_ifname(nets, ifname, sizeof(ifname));
	{
		/*
		 * A container started again (restart_count > 0) gets fresh names:
		 * its previous interfaces may still exist for a few milliseconds
		 * while the kernel dismantles the old network namespace.
		 */
		static const char gen[] = "abcdefghijklmnopqrstuvwxyz";
		json_int_t n = json_integer_value(json_object_get(doc, "restart_count"));
		char g[2] = { n > 0 ? gen[(n - 1) % (json_int_t)(sizeof(gen) - 1)] : 0, 0 };

		snprintf(host_if, sizeof(host_if), "pn%.8s%s-%.3s", id, g, ifname + 3);
	}
	json_object_set_new(nets, net->name,
			    json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "interface", ifname, "host_interface", host_if,
				      "mac", macs, "ips", ips, "gateways", gws, "aliases",
				      aliases ? json_deep_copy(aliases) : json_array()));
	return 0;
}

void netd_net_config_add(json_t *cfg, const char *netname, json_t *aliases, const struct netd_static *st)
{
	json_t *e = json_pack("{s:s, s:o}", "network", netname, "aliases",
			      aliases ? json_deep_copy(aliases) : json_array());

	if (st && st->ip)
		json_object_set_new(e, "ip", json_string(st->ip));
	if (st && st->ip6)
		json_object_set_new(e, "ip6", json_string(st->ip6));
	if (st && st->mac)
		json_object_set_new(e, "mac", json_string(st->mac));
	json_array_append_new(cfg, e);
}

void netd_net_config_static(json_t *ent, struct netd_static *ret)
{
	ret->ip = json_string_value(json_object_get(ent, "ip"));
	ret->ip6 = json_string_value(json_object_get(ent, "ip6"));
	ret->mac = json_string_value(json_object_get(ent, "mac"));
}

json_t *netd_net_config_find(json_t *cfg, const char *netname, size_t *ret_index)
{
	json_t *e;
	size_t i;

	json_array_foreach(cfg, i, e)
		if (strcmp(json_string_value(json_object_get(e, "network")) ?: "", netname) == 0) {
			if (ret_index)
				*ret_index = i;
			return e;
		}
	return NULL;
}

int netd_attach_release(const struct pn_paths *p, json_t *doc, const char *netname, struct pn_err *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	struct netd_leases leases;
	int r;

	r = netd_ipam_open(p, netname, &leases, err);
	if (r == 0) {
		json_t *att = json_object_get(networks_of(doc), netname);
		const char *mac = json_string_value(json_object_get(att, "mac"));
		struct pn_ip ips[NETD_MAX_SUBNETS];
		int n = netd_attach_ips(att, ips, NETD_MAX_SUBNETS);

		/* the attachment names its leases: no scan of the others */
		for (int i = 0; i < n; i++)
			netd_ipam_release_ip(&leases, &ips[i], id);
		if (mac)
			netd_ipam_release_mac(&leases, mac, id);
		r = netd_ipam_save(&leases, err);
		netd_ipam_close(&leases);
	}
	json_object_del(networks_of(doc), netname);
	return r;
}

int netd_attach_ips(json_t *att, struct pn_ip *ips, int max)
{
	json_t *arr = json_object_get(att, "ips"), *v;
	size_t i;
	int n = 0;

	json_array_foreach(arr, i, v) {
		struct pn_cidr c;

		/* addresses carry their prefix: parse leniently (host bits set) */
		if (n < max && json_is_string(v) && pn_cidr_parse(json_string_value(v), false, &c) == 0) {
			char b[PN_IPSTR_MAX];
			const char *s = json_string_value(v);
			const char *slash = strchr(s, '/');

			snprintf(b, sizeof(b), "%.*s", (int)(slash - s), s);
			if (pn_ip_parse(b, &ips[n]) == 0)
				n++;
		}
	}
	return n;
}

int netd_attach_apply(int i_netns_fd, int c_netns_fd, const struct netd_network *net, json_t *att,
		      struct pn_err *err)
{
	struct netd_veth_spec spec;
	struct nl_sock *sk_i = NULL, *sk_c = NULL;
	json_t *ips = json_object_get(att, "ips"), *v;
	size_t i;
	int r;

	memset(&spec, 0, sizeof(spec));
	spec.host_ifname = json_string_value(json_object_get(att, "host_interface"));
	spec.ifname = json_string_value(json_object_get(att, "interface"));
	if (!spec.host_ifname || !spec.ifname ||
	    netd_mac_parse(json_string_value(json_object_get(att, "mac")), spec.mac) < 0)
		return pn_err_set(err, EINVAL, "corrupt attachment to network %s", net->name);
	json_array_foreach(ips, i, v) {
		struct pn_cidr c;
		const char *s = json_string_value(v);
		char b[PN_IPSTR_MAX];

		if (spec.nips >= NETD_MAX_SUBNETS || !s || pn_cidr_parse(s, false, &c) < 0)
			continue;
		snprintf(b, sizeof(b), "%.*s", (int)(strchr(s, '/') - s), s);
		pn_ip_parse(b, &spec.ips[spec.nips]);
		spec.prefixes[spec.nips++] = c.prefix;
	}
	spec.route_metric = 100 + atoi(spec.ifname + 3);
	r = netd_nl_open_in(i_netns_fd, &sk_i, err);
	if (r == 0)
		r = netd_nl_open_in(c_netns_fd, &sk_c, err);
	if (r == 0)
		r = netd_veth_attach(sk_i, sk_c, c_netns_fd, net, &spec, err);
	netd_nl_close(sk_i);
	netd_nl_close(sk_c);
	return r;
}

int netd_attach_remove(int c_netns_fd, json_t *att, struct pn_err *err)
{
	struct nl_sock *sk = NULL;
	const char *ifname = json_string_value(json_object_get(att, "interface"));
	int r;

	if (!ifname)
		return 0;
	r = netd_nl_open_in(c_netns_fd, &sk, err);
	if (r == 0)
		r = netd_link_delete(sk, ifname, err);
	netd_nl_close(sk);
	return r;
}

static void append_list(char *buf, size_t cap, size_t *len, json_t *arr, bool strip_prefix)
{
	json_t *v;
	size_t i;
	bool first = true;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		int l;

		if (!s)
			continue;
		l = strip_prefix && strchr(s, '/') ? (int)(strchr(s, '/') - s) : (int)strlen(s);
		*len += (size_t)snprintf(buf + *len, cap - *len, "%s%.*s", first ? "" : ",", l, s);
		if (*len >= cap)
			*len = cap - 1;
		first = false;
	}
}

int netd_dns_publish(const struct pn_paths *p, json_t *doc, const char *netname, bool remove)
{
	json_t *nets = networks_of(doc), *att;
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *k;
	int r = 0;

	json_object_foreach(nets, k, att) {
		struct netd_network net;
		char header[256], line[4096];
		size_t hl = 0, len = 0;
		_cleanup_json_ json_t *v4 = NULL, *v6 = NULL;
		json_t *ip;
		size_t i;

		if (netname && strcmp(k, netname) != 0)
			continue;
		if (netd_network_load(p, k, &net, NULL) < 0)
			continue;
		if (!net.dns) {
			netd_network_clear(&net);
			continue;
		}
		for (int s = 0; s < net.nsubnets; s++) {
			char b[PN_IPSTR_MAX];

			if (!net.subnets[s].gateway.family)
				continue;
			hl += (size_t)snprintf(header + hl, sizeof(header) - hl, "%s%s", hl ? "," : "",
					       pn_ip_format(&net.subnets[s].gateway, b));
		}
		if (remove) {
			r |= netd_dns_records_set(p, k, net.internal, header, id, NULL);
			netd_network_clear(&net);
			continue;
		}
		v4 = json_array();
		v6 = json_array();
		json_array_foreach(json_object_get(att, "ips"), i, ip)
			json_array_append(strchr(json_string_value(ip) ?: "", ':') ? v6 : v4, ip);
		len += (size_t)snprintf(line, sizeof(line), "%s ", id);
		append_list(line, sizeof(line), &len, v4, true);
		len += (size_t)snprintf(line + len, sizeof(line) - len, " ");
		append_list(line, sizeof(line), &len, v6, true);
		/* the name, then the short id (12 hex digits), which Podman and Docker add as an alias */
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s,%.12s",
					json_string_value(json_object_get(doc, "name")), id);
		{
			json_t *extra = json_array();

			json_array_extend(extra, json_object_get(att, "aliases"));
			json_array_extend(extra, json_object_get(doc, "members"));
			if (json_array_size(extra)) {
				len += (size_t)snprintf(line + len, sizeof(line) - len, ",");
				append_list(line, sizeof(line), &len, extra, false);
			}
			json_decref(extra);
		}
		{
			/* its upstreams: its own --dns, else the network's */
			json_t *up = json_array_size(json_object_get(doc, "dns")) ? json_object_get(doc, "dns")
										  : net.dns_servers;

			if (json_array_size(up)) {
				len += (size_t)snprintf(line + len, sizeof(line) - len, " ");
				append_list(line, sizeof(line), &len, up, false);
			}
		}
		r |= netd_dns_records_set(p, k, net.internal, header, id, line);
		netd_network_clear(&net);
	}
	return r ? -EIO : 0;
}

char *netd_hosts_text(json_t *doc, json_t *pod_doc)
{
	json_t *owner = pod_doc ? pod_doc : doc;
	json_t *nets = json_object_get(owner, "networks"), *att, *v;
	const char *k;
	size_t cap = 8192, len = 0, i;
	char *buf = malloc(cap);
	const char *name = json_string_value(json_object_get(doc, "name"));
	const char *hostname = json_string_value(json_object_get(doc, "hostname"));

	if (!buf)
		return NULL;
	len += (size_t)snprintf(buf, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	json_object_foreach(nets, k, att) {
		json_t *ips = json_object_get(att, "ips");

		json_array_foreach(ips, i, v) {
			const char *s = json_string_value(v);

			if (!s || len >= cap - 512)
				continue;
			len += (size_t)snprintf(buf + len, cap - len, "%.*s\t%s", (int)(strchr(s, '/') - s), s,
						hostname && *hostname ? hostname : name);
			if (hostname && strcmp(hostname, name) != 0)
				len += (size_t)snprintf(buf + len, cap - len, " %s", name);
			if (pod_doc) {
				const char *pod = json_string_value(json_object_get(pod_doc, "name")) ?: "";

				/* the pod's hostname is its name unless given: no name twice */
				if (strcmp(pod, hostname ? hostname : "") != 0 && strcmp(pod, name ? name : "") != 0)
					len += (size_t)snprintf(buf + len, cap - len, " %s", pod);
			}
			len += (size_t)snprintf(buf + len, cap - len, "\n");
		}
	}
	if (!json_object_size(nets))
		len += (size_t)snprintf(buf + len, cap - len, "127.0.1.1\t%s\n", hostname && *hostname ? hostname : name);
	/* the pod's --add-host entries, then a member's own (state written before they belonged to the pod) */
	json_t *entries_of[2] = { owner, pod_doc ? doc : NULL };

	for (int e = 0; e < 2 && entries_of[e]; e++) {
		json_array_foreach(json_object_get(entries_of[e], "add_hosts"), i, v) {
			const char *s = json_string_value(v), *colon = s ? strchr(s, ':') : NULL;

			if (!colon || len >= cap - 512)
				continue;
			len += (size_t)snprintf(buf + len, cap - len, "%s\t%.*s\n", colon + 1, (int)(colon - s), s);
		}
	}
	return buf;
}

const char *netd_host_resolv_conf = "/etc/resolv.conf";

/* "search D..." (@first: a domain before @doc's own) or "options O...", with its newline; "" when empty */
static size_t resolv_line(char *buf, size_t cap, const char *key, const char *first, json_t *list)
{
	size_t len = 0, i;
	json_t *v;

	if (!first && !json_array_size(list))
		return 0;
	len += (size_t)snprintf(buf + len, cap - len, "%s", key);
	if (first)
		len += (size_t)snprintf(buf + len, cap - len, " %s", first);
	json_array_foreach(list, i, v)
		if (len < cap)
			len += (size_t)snprintf(buf + len, cap - len, " %s", json_string_value(v) ?: "");
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "\n");
	return len < cap ? len : cap - 1;
}

/*
 * The search domains and options of the host's resolv.conf, as the resolver
 * reads them: the last "search" or "domain" line wins, "options" lines add up.
 * Words that could not be written back on one line are left out.
 */
static void host_resolv_lists(json_t **ret_search, json_t **ret_opts)
{
	_cleanup_free_ char *host = NULL;
	char *line, *save = NULL;

	*ret_search = json_array();
	*ret_opts = json_array();
	if (!*ret_search || !*ret_opts || pn_read_file(netd_host_resolv_conf, 65536, &host, NULL) < 0)
		return;
	for (line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *to;
		char *word, *wsave = NULL, *key = strtok_r(line, " \t\r", &wsave);

		if (!key)
			continue;
		if (strcmp(key, "search") == 0 || strcmp(key, "domain") == 0) {
			json_array_clear(*ret_search);
			to = *ret_search;
		} else if (strcmp(key, "options") == 0) {
			to = *ret_opts;
		} else {
			continue;
		}
		while ((word = strtok_r(NULL, " \t\r", &wsave)) && *word != '#' && *word != ';')
			if (strlen(word) < 256)
				json_array_append_new(to, json_string(word));
	}
}

char *netd_resolv_text(const struct pn_paths *p, json_t *doc)
{
	json_t *nets = json_object_get(doc, "networks"), *att, *v;
	json_t *search = json_object_get(doc, "dns_search"), *opts = json_object_get(doc, "dns_options");
	/* --dns-search . : no search domains at all, as in Podman and Docker */
	bool no_search = json_array_size(search) == 1 && strcmp(json_string_value(json_array_get(search, 0)) ?: "", ".") == 0;
	bool own_search = json_array_size(search) > 0, own_opts = json_array_size(opts) > 0;
	const char *k;
	size_t cap = 4096, len = 0, nslen = 0, i;
	char *buf = malloc(cap), ns[2048];
	/* podnet resolvers of networks with a way out, of internal ones; the networks' --dns servers */
	_cleanup_json_ json_t *gws_out = json_array(), *gws_int = json_array(), *net_dns = json_array();
	json_t *gws[2] = { gws_out, gws_int };

	if (!buf)
		return NULL;
	buf[0] = ns[0] = '\0';
	/* each network's definition read once */
	json_object_foreach(nets, k, att) {
		struct netd_network net;

		if (netd_network_load(p, k, &net, NULL) < 0)
			continue;
		if (net.dns)
			json_array_extend(gws[net.internal], json_object_get(att, "gateways"));
		json_array_foreach(net.dns_servers, i, v)
			if (!pn_json_array_has(net_dns, v))
				json_array_append(net_dns, v);
		netd_network_clear(&net);
	}
	/*
	 * Internal networks' resolvers last: they answer names only (NXDOMAIN for
	 * the rest), and a stub resolver does not ask the next server after an
	 * NXDOMAIN. Every listener answers the names of all the asker's networks.
	 */
	for (int internal = 0; internal < 2; internal++)
		json_array_foreach(gws[internal], i, v)
			if (nslen < sizeof(ns) - 128)
				nslen += (size_t)snprintf(ns + nslen, sizeof(ns) - nslen, "nameserver %s\n",
							  json_string_value(v));
	if (json_array_size(gws[0]) + json_array_size(gws[1])) {
		/*
		 * The networks' domain first, then --dns-search's, else the host's
		 * search domains (as Podman and Docker: a short name of the host's
		 * domain resolves in a container as on the host); the host's options
		 * unless --dns-option gives some.
		 */
		_cleanup_json_ json_t *host_search = NULL, *host_opts = NULL;

		if (!own_search || !own_opts)
			host_resolv_lists(&host_search, &host_opts);
		if (!no_search)
			len += resolv_line(buf + len, cap - len, "search", "dns.podnet",
					   own_search ? search : host_search);
		len += (size_t)snprintf(buf + len, cap - len, "%s", ns);
		if (!own_opts && len < cap - 256)
			len += resolv_line(buf + len, cap - len, "options", NULL, host_opts);
	} else {
		/*
		 * No podnet resolver: --dns's servers, else its networks' (network
		 * create --dns), else the host's, minus
		 * loopback ones the container cannot reach; on the host's own
		 * network (--network host) they are reachable, and often the only
		 * ones (systemd-resolved). --dns-search and --dns-option replace
		 * the host's.
		 */
		bool host_net = strcmp(json_string_value(json_object_get(doc, "network_mode")) ?: "", "host") == 0;
		/* else the servers of its networks (network create --dns), in order, once each */
		json_t *own_dns = json_array_size(json_object_get(doc, "dns")) ? json_object_get(doc, "dns") : net_dns;
		_cleanup_free_ char *host = NULL;
		char *line, *save = NULL;

		if (own_search && !no_search)
			len += resolv_line(buf + len, cap - len, "search", NULL, search);
		json_array_foreach(own_dns, i, v)
			if (len < cap - 256)
				len += (size_t)snprintf(buf + len, cap - len, "nameserver %s\n", json_string_value(v) ?: "");
		if (pn_read_file(netd_host_resolv_conf, 65536, &host, NULL) == 0) {
			for (line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				if (strncmp(line, "nameserver", 10) == 0 &&
				    (json_array_size(own_dns) || (!host_net && (strstr(line, " 127.") || strstr(line, " ::1")))))
					continue;
				if (own_search && (strncmp(line, "search", 6) == 0 || strncmp(line, "domain", 6) == 0))
					continue;
				if (own_opts && strncmp(line, "options", 7) == 0)
					continue;
				if (len < cap - 256)
					len += (size_t)snprintf(buf + len, cap - len, "%s\n", line);
			}
		}
	}
	if (len < cap - 256)
		len += resolv_line(buf + len, cap - len, "options", NULL, opts);
	return buf;
}
