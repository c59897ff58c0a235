// SPDX-License-Identifier: GPL-2.0-or-later
/* CNI environment, configuration and results: see cni_proto.h. */
#define _GNU_SOURCE
#include "cni_proto.h"
#include "cleanup.h"
#include "front.h"
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const supported[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0" };

bool cni_version_supported(const char *v)
{
	for (size_t i = 0; v && i < ARRAY_SIZE(supported); i++)
		if (strcmp(v, supported[i]) == 0)
			return true;
	return false;
}

/* Errors: the message goes to @err (code EINVAL), the CNI error code is returned. */
static int set(struct pn_err *err, int code, const char *msg)
{
	pn_err_set(err, EINVAL, "%s", msg);
	return code;
}

#define CNI_FAIL(err, code, ...)                        \
	({                                              \
		pn_err_set((err), EINVAL, __VA_ARGS__); \
		(code);                                 \
	})

int cni_env_parse(const char *(*get)(const char *name), struct cni_env *e, struct pn_err *err)
{
	const char *cmd = get("CNI_COMMAND");

	memset(e, 0, sizeof(*e));
	if (!cmd || !*cmd)
		return set(err, CNI_ERR_ENV, "CNI_COMMAND is not set");
	if (strcmp(cmd, "VERSION") == 0) {
		e->command = CNI_CMD_VERSION;
		return 0;
	}
	if (strcmp(cmd, "ADD") == 0)
		e->command = CNI_CMD_ADD;
	else if (strcmp(cmd, "DEL") == 0)
		e->command = CNI_CMD_DEL;
	else if (strcmp(cmd, "CHECK") == 0)
		e->command = CNI_CMD_CHECK;
	else
		return CNI_FAIL(err, CNI_ERR_ENV, "unknown CNI_COMMAND \"%.40s\"", cmd);
	e->containerid = get("CNI_CONTAINERID");
	e->netns = get("CNI_NETNS");
	e->ifname = get("CNI_IFNAME");
	e->args = get("CNI_ARGS");
	if (!pf_id_valid(e->containerid, PF_ID_MAX))
		return CNI_FAIL(err, CNI_ERR_ENV, "invalid CNI_CONTAINERID \"%.80s\"", e->containerid ?: "");
	if (!pf_ifname_valid(e->ifname))
		return CNI_FAIL(err, CNI_ERR_ENV, "invalid CNI_IFNAME \"%.40s\"", e->ifname ?: "");
	/* DEL may come without a namespace (it is already gone) */
	if (e->command != CNI_CMD_DEL && (!e->netns || !*e->netns))
		return set(err, CNI_ERR_ENV, "CNI_NETNS is not set");
	if (e->netns && !*e->netns)
		e->netns = NULL;
	return 0;
}

static int parse_ip_list(const char *s, size_t len, struct pn_ip *ips, int *n, struct pn_err *err)
{
	while (len) {
		const char *comma = memchr(s, ',', len);
		size_t l = comma ? (size_t)(comma - s) : len;
		char buf[PN_IPSTR_MAX + 8];

		if (l == 0 || l >= sizeof(buf) || *n >= NETD_MAX_SUBNETS)
			return set(err, CNI_ERR_ENV, "CNI_ARGS: invalid IP list");
		memcpy(buf, s, l);
		buf[l] = '\0';
		if (strchr(buf, '/'))
			*strchr(buf, '/') = '\0'; /* "10.0.0.5/24": the prefix comes from the network */
		if (pn_ip_parse(buf, &ips[*n]) < 0)
			return CNI_FAIL(err, CNI_ERR_ENV, "CNI_ARGS: invalid IP \"%s\"", buf);
		(*n)++;
		s += l;
		len -= l;
		if (comma) {
			s++;
			len--;
		}
	}
	return 0;
}

int cni_args_parse(const char *args, struct cni_args *ret, struct pn_err *err)
{
	const char *p = args ? args : "";
	bool ignore_unknown = false;
	char unknown[64] = "";

	memset(ret, 0, sizeof(*ret));
	if (strlen(p) > 4096)
		return set(err, CNI_ERR_ENV, "CNI_ARGS is too long");
	while (*p) {
		const char *semi = strchr(p, ';'), *eq;
		size_t l = semi ? (size_t)(semi - p) : strlen(p), kl, vl;
		const char *v;

		eq = memchr(p, '=', l);
		if (!eq)
			return CNI_FAIL(err, CNI_ERR_ENV, "CNI_ARGS: \"%.*s\" is not KEY=VALUE", (int)(l > 60 ? 60 : l), p);
		kl = (size_t)(eq - p);
		v = eq + 1;
		vl = l - kl - 1;
#define KEY(k) (kl == strlen(k) && strncmp(p, k, kl) == 0)
		if (KEY("IgnoreUnknown")) {
			ignore_unknown = (vl == 1 && *v == '1') || (vl == 4 && strncasecmp(v, "true", 4) == 0);
		} else if (KEY("IP")) {
			int r = parse_ip_list(v, vl, ret->ips, &ret->nips, err);

			if (r)
				return r;
		} else if (KEY("MAC")) {
			char buf[24];

			if (vl >= sizeof(buf))
				return set(err, CNI_ERR_ENV, "CNI_ARGS: invalid MAC");
			memcpy(buf, v, vl);
			buf[vl] = '\0';
			if (netd_mac_parse(buf, ret->mac) < 0)
				return CNI_FAIL(err, CNI_ERR_ENV, "CNI_ARGS: invalid MAC \"%s\"", buf);
			ret->has_mac = true;
		} else if (KEY("K8S_POD_NAME")) {
			if (vl >= sizeof(ret->pod_name))
				return set(err, CNI_ERR_ENV, "CNI_ARGS: K8S_POD_NAME is too long");
			memcpy(ret->pod_name, v, vl);
			ret->pod_name[vl] = '\0';
		} else if (!KEY("K8S_POD_NAMESPACE") && !KEY("K8S_POD_INFRA_CONTAINER_ID") && !KEY("K8S_POD_UID") &&
			   !unknown[0]) {
			snprintf(unknown, sizeof(unknown), "%.*s", (int)(kl > 60 ? 60 : kl), p);
		}
#undef KEY
		p += l;
		if (*p == ';')
			p++;
	}
	if (unknown[0] && !ignore_unknown)
		return CNI_FAIL(err, CNI_ERR_ENV, "CNI_ARGS: unknown key \"%s\" (and no IgnoreUnknown=1)", unknown);
	return 0;
}

void cni_conf_free(struct cni_conf *c)
{
	netd_network_clear(&c->net);
	if (c->aliases)
		json_decref(c->aliases);
	free(c->ports);
	if (c->prev_result)
		json_decref(c->prev_result);
	memset(c, 0, sizeof(*c));
}

/* host-local's ranges (first range of each set) or its flat keys, as netavark-format subnets */
static int ipam_subnets(json_t *ipam, bool gateway_wanted, json_t *out, struct pn_err *err)
{
	json_t *ranges = json_object_get(ipam, "ranges"), *set_, *list = json_array();
	const char *type = json_string_value(json_object_get(ipam, "type"));
	size_t i;

	if (type && strcmp(type, "host-local") != 0 && strcmp(type, "podnet") != 0) {
		json_decref(list);
		return CNI_FAIL(err, CNI_ERR_FIELD, "ipam type \"%.40s\" is not supported: podnet-bridge allocates addresses itself (use host-local or podnet)", type);
	}
	if (ranges) {
		if (!json_is_array(ranges)) {
			json_decref(list);
			return set(err, CNI_ERR_CONFIG, "ipam.ranges must be an array of range sets");
		}
		json_array_foreach(ranges, i, set_) {
			json_t *r0 = json_is_array(set_) ? json_array_get(set_, 0) : NULL;

			if (!json_is_object(r0)) {
				json_decref(list);
				return set(err, CNI_ERR_CONFIG, "ipam.ranges: each range set must be a non-empty array of ranges");
			}
			json_array_append(list, r0);
		}
	} else if (json_object_get(ipam, "subnet")) {
		json_array_append(list, ipam);
	}
	if (json_array_size(list) == 0 || json_array_size(list) > NETD_MAX_SUBNETS) {
		json_decref(list);
		return CNI_FAIL(err, CNI_ERR_CONFIG, "ipam: want 1 to %d subnets", NETD_MAX_SUBNETS);
	}
	json_array_foreach(list, i, set_) {
		const char *subnet = NULL, *gw = NULL, *start = NULL, *end = NULL;
		json_t *o;
		json_error_t jerr;
		struct pn_cidr c;
		struct pn_ip g;
		char b[PN_IPSTR_MAX];

		if (json_unpack_ex(set_, &jerr, 0, "{s:s, s?s, s?s, s?s}", "subnet", &subnet, "gateway", &gw,
				   "rangeStart", &start, "rangeEnd", &end) < 0) {
			json_decref(list);
			return CNI_FAIL(err, CNI_ERR_CONFIG, "ipam: %s", jerr.text);
		}
		if (pn_cidr_parse(subnet, false, &c) < 0) {
			json_decref(list);
			return CNI_FAIL(err, CNI_ERR_CONFIG, "ipam: invalid subnet \"%.60s\"", subnet);
		}
		o = json_pack("{s:s}", "subnet", pn_cidr_format(&c, (char[PN_CIDRSTR_MAX]){ 0 }));
		if (gateway_wanted) {
			if (gw)
				json_object_set_new(o, "gateway", json_string(gw));
			else if (pn_cidr_nth(&c, 1, &g) == 0)
				json_object_set_new(o, "gateway", json_string(pn_ip_format(&g, b)));
		}
		if (start || end) {
			struct pn_ip first, last;

			pn_cidr_nth(&c, 1, &first);
			pn_cidr_last(&c, &last);
			json_object_set_new(o, "lease_range",
					    json_pack("{s:s, s:s}", "start_ip", start ? start : pn_ip_format(&first, b),
						      "end_ip", end ? end : pn_ip_format(&last, (char[PN_IPSTR_MAX]){ 0 })));
		}
		json_array_append_new(out, o);
	}
	json_decref(list);
	return 0;
}

/* runtimeConfig.portMappings: [{hostPort, containerPort, protocol?, hostIP?}] (CNI conventions) */
static int port_mappings(json_t *pm, struct cni_conf *c, struct pn_err *err)
{
	json_t *v;
	size_t i;

	if (!json_is_array(pm) || json_array_size(pm) > CNI_MAX_PORTS)
		return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings: want an array of at most %d mappings",
				CNI_MAX_PORTS);
	c->ports = calloc(json_array_size(pm) + 1, sizeof(*c->ports));
	if (!c->ports)
		return set(err, CNI_ERR_GENERIC, "out of memory");
	json_array_foreach(pm, i, v) {
		struct cni_port *p = &c->ports[c->nports];
		const char *proto = "tcp", *host_ip = NULL;
		json_int_t hp = 0, cp = 0;
		json_error_t jerr;

		if (json_unpack_ex(v, &jerr, 0, "{s:I, s:I, s?s, s?s}", "hostPort", &hp, "containerPort", &cp,
				   "protocol", &proto, "hostIP", &host_ip) < 0)
			return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings: %s", jerr.text);
		if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
			return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings: invalid ports %lld:%lld",
					(long long)hp, (long long)cp);
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
			return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings: invalid protocol \"%.20s\"", proto);
		if (host_ip && *host_ip && pn_ip_parse(host_ip, &p->host_ip) < 0)
			return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.portMappings: invalid hostIP \"%.60s\"", host_ip);
		p->host_port = (unsigned)hp;
		p->container_port = (unsigned)cp;
		snprintf(p->protocol, sizeof(p->protocol), "%s", proto);
		c->nports++;
	}
	return 0;
}

static int runtime_config(json_t *rc, struct cni_conf *c, struct pn_err *err)
{
	json_t *ips = json_object_get(rc, "ips"), *aliases = json_object_get(rc, "aliases"), *v;
	const char *mac = json_string_value(json_object_get(rc, "mac"));
	size_t i;

	if (ips) {
		if (!json_is_array(ips) || json_array_size(ips) > NETD_MAX_SUBNETS)
			return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.ips: want an array of at most %d addresses",
					NETD_MAX_SUBNETS);
		json_array_foreach(ips, i, v) {
			const char *s = json_string_value(v);
			int r;

			if (!s)
				return set(err, CNI_ERR_CONFIG, "runtimeConfig.ips: addresses must be strings");
			r = parse_ip_list(s, strlen(s), c->rt_ips, &c->rt_nips, err);
			if (r)
				return CNI_ERR_CONFIG;
		}
	}
	if (mac) {
		if (netd_mac_parse(mac, c->rt_mac) < 0)
			return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.mac: invalid MAC \"%.40s\"", mac);
		c->rt_has_mac = true;
	}
	if (aliases) {
		json_t *mine = json_object_get(aliases, c->name);

		if (!json_is_object(aliases) || (mine && (!json_is_array(mine) || json_array_size(mine) > 64)))
			return set(err, CNI_ERR_CONFIG, "runtimeConfig.aliases: want {network: [names]}");
		json_array_foreach(mine, i, v)
			if (!pf_id_valid(json_string_value(v), PF_DNS_NAME_MAX))
				return CNI_FAIL(err, CNI_ERR_CONFIG, "runtimeConfig.aliases: invalid name \"%.60s\"",
						json_string_value(v) ?: "?");
		if (mine)
			c->aliases = json_incref(mine);
	}
	if (json_object_get(rc, "portMappings"))
		return port_mappings(json_object_get(rc, "portMappings"), c, err);
	return 0;
}

int cni_conf_parse(const char *text, size_t len, bool full, struct cni_conf *c, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL, *def = NULL;
	json_t *ipam = NULL, *rc = NULL, *prev = NULL, *subnets;
	const char *version = NULL, *name = NULL, *bridge = NULL, *aardvark = NULL, *data_dir = NULL,
		   *uplink = NULL;
	int is_gateway = 1, ip_masq = 1, dns = 0;
	json_int_t mtu = 0, dns_port = 53;
	json_error_t jerr;
	int r;

	memset(c, 0, sizeof(*c));
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc))
		return CNI_FAIL(err, CNI_ERR_DECODE, "cannot decode the network configuration: %s",
				doc ? "not an object" : jerr.text);
	version = json_string_value(json_object_get(doc, "cniVersion"));
	snprintf(c->version, sizeof(c->version), "%s", version && cni_version_supported(version) ? version : CNI_DEFAULT_VERSION);
	if (!full)
		return 0;
	if (!version || !cni_version_supported(version))
		return CNI_FAIL(err, CNI_ERR_VERSION, "incompatible CNI version \"%.20s\" (supported: 0.3.0, 0.3.1, 0.4.0, 1.0.0)",
				version ?: "");
	if (json_unpack_ex(doc, &jerr, 0, "{s:s, s?s, s?b, s?b, s?I, s?o, s?s, s?s, s?b, s?s, s?I, s?o, s?o}",
			   "name", &name, "bridge", &bridge, "isGateway", &is_gateway, "ipMasq", &ip_masq, "mtu", &mtu,
			   "ipam", &ipam, "dataDir", &data_dir, "uplink", &uplink, "dnsEnabled", &dns,
			   "aardvarkBinary", &aardvark, "dnsPort", &dns_port, "runtimeConfig", &rc, "prevResult", &prev) < 0)
		return CNI_FAIL(err, CNI_ERR_CONFIG, "invalid network configuration: %s", jerr.text);
	(void)ip_masq;
	if (!netd_name_valid(name))
		return CNI_FAIL(err, CNI_ERR_CONFIG, "invalid network name \"%.64s\"", name);
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (bridge && !pf_ifname_valid(bridge))
		return CNI_FAIL(err, CNI_ERR_CONFIG, "invalid bridge name \"%.40s\"", bridge);
	if (mtu && (mtu < 68 || mtu > 65535))
		return set(err, CNI_ERR_CONFIG, "mtu must be between 68 and 65535");
	if (dns_port < 1 || dns_port > 65535)
		return set(err, CNI_ERR_CONFIG, "dnsPort must be between 1 and 65535");
	if (uplink && !pf_ifname_valid(uplink))
		return CNI_FAIL(err, CNI_ERR_CONFIG, "invalid uplink \"%.40s\"", uplink);
	if (!json_is_object(ipam))
		return set(err, CNI_ERR_CONFIG, "ipam is required (host-local style ranges or subnet)");
	if (data_dir && (data_dir[0] != '/' || strlen(data_dir) >= sizeof(c->data_dir) - 64))
		return set(err, CNI_ERR_CONFIG, "dataDir must be an absolute path");
	if (aardvark && (aardvark[0] != '/' || strlen(aardvark) >= sizeof(c->aardvark)))
		return set(err, CNI_ERR_CONFIG, "aardvarkBinary must be an absolute path");

	subnets = json_array();
	def = json_pack("{s:s, s:s, s:s, s:o, s:b, s:b, s:b}", "name", name, "driver", "bridge", "network_interface",
			bridge ? bridge : CNI_DEFAULT_BRIDGE, "subnets", subnets, "internal", !is_gateway,
			"dns_enabled", dns, "ipv6_enabled", 0);
	r = ipam_subnets(ipam, is_gateway, subnets, err);
	if (r)
		return r;
	if (mtu) {
		char b[16];

		snprintf(b, sizeof(b), "%lld", (long long)mtu);
		json_object_set_new(def, "options", json_pack("{s:s}", "mtu", b));
	}
	if (netd_network_from_json(def, &c->net, err) < 0)
		return CNI_ERR_CONFIG;
	for (int i = 0; i < c->net.nsubnets; i++)
		c->net.ipv6 |= c->net.subnets[i].subnet.addr.family == AF_INET6;
	c->dns = dns && pf_dns_header(&c->net, (char[256]){ 0 }, 256) > 0;
	snprintf(c->aardvark, sizeof(c->aardvark), "%s", aardvark ? aardvark : "");
	c->dns_port = (int)dns_port;
	snprintf(c->data_dir, sizeof(c->data_dir), "%s", data_dir ? data_dir : CNI_DEFAULT_DATADIR);
	snprintf(c->uplink, sizeof(c->uplink), "%s", uplink ? uplink : "");
	if (rc && !json_is_object(rc))
		return set(err, CNI_ERR_CONFIG, "runtimeConfig must be an object");
	if (rc) {
		r = runtime_config(rc, c, err);
		if (r)
			return r;
	}
	if (prev && !json_is_object(prev))
		return set(err, CNI_ERR_DECODE, "prevResult must be an object");
	c->prev_result = prev ? json_incref(prev) : NULL;
	return 0;
}

json_t *cni_version_doc(const char *conf_version)
{
	json_t *list = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(supported); i++)
		json_array_append_new(list, json_string(supported[i]));
	return json_pack("{s:s, s:o}", "cniVersion", conf_version && *conf_version ? conf_version : CNI_DEFAULT_VERSION,
			 "supportedVersions", list);
}

json_t *cni_error_doc(const char *version, int code, const char *msg, const char *details)
{
	json_t *doc = json_pack("{s:s, s:i, s:s}", "cniVersion", version && *version ? version : CNI_DEFAULT_VERSION,
				"code", code, "msg", msg && *msg ? msg : "unknown error");

	if (details && *details)
		json_object_set_new(doc, "details", json_string(details));
	return doc;
}

json_t *cni_result_doc(const struct cni_conf *conf, const struct cni_iface ifaces[3],
		       const struct pn_ip *ips, const int *prefixes, int nips)
{
	bool v1 = strcmp(conf->version, "1.0.0") == 0;
	json_t *ifs = json_array(), *addrs = json_array(), *routes = json_array(), *dns = json_object();
	char b[PN_IPSTR_MAX], cb[PN_IPSTR_MAX + 8], macs[18];

	for (int i = 0; i < 3; i++) {
		json_t *o;

		netd_mac_format(ifaces[i].mac, macs);
		o = json_pack("{s:s, s:s}", "name", ifaces[i].name, "mac", macs);
		if (ifaces[i].sandbox)
			json_object_set_new(o, "sandbox", json_string(ifaces[i].sandbox));
		json_array_append_new(ifs, o);
	}
	for (int i = 0; i < nips; i++) {
		json_t *o;

		snprintf(cb, sizeof(cb), "%s/%d", pn_ip_format(&ips[i], b), prefixes[i]);
		o = json_pack("{s:i, s:s}", "interface", 2, "address", cb);
		if (!v1)
			json_object_set_new(o, "version", json_string(ips[i].family == AF_INET ? "4" : "6"));
		for (int k = 0; k < conf->net.nsubnets; k++) {
			const struct netd_subnet *s = &conf->net.subnets[k];

			if (s->gateway.family && pn_cidr_contains(&s->subnet, &ips[i]))
				json_object_set_new(o, "gateway", json_string(pn_ip_format(&s->gateway, b)));
		}
		json_array_append_new(addrs, o);
	}
	if (!conf->net.internal)
		for (int k = 0; k < conf->net.nsubnets; k++) {
			const struct netd_subnet *s = &conf->net.subnets[k];

			if (!s->gateway.family)
				continue;
			json_array_append_new(routes, json_pack("{s:s, s:s}", "dst",
								s->gateway.family == AF_INET ? "0.0.0.0/0" : "::/0",
								"gw", pn_ip_format(&s->gateway, b)));
		}
	if (conf->dns) {
		json_t *ns = json_array();

		for (int k = 0; k < conf->net.nsubnets; k++)
			if (conf->net.subnets[k].gateway.family)
				json_array_append_new(ns, json_string(pn_ip_format(&conf->net.subnets[k].gateway, b)));
		json_object_set_new(dns, "nameservers", ns);
		json_object_set_new(dns, "search", json_pack("[s]", "dns.podman"));
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o}", "cniVersion", conf->version, "interfaces", ifs, "ips", addrs,
			 "routes", routes, "dns", dns);
}

int cni_prev_parse(json_t *prev, const char *ifname, struct cni_prev *ret, struct pn_err *err)
{
	json_t *ifs = json_object_get(prev, "interfaces"), *ips = json_object_get(prev, "ips"), *v;
	long idx = -1;
	size_t i;

	memset(ret, 0, sizeof(*ret));
	if (!json_is_array(ifs) || !json_is_array(ips))
		return set(err, CNI_ERR_DECODE, "prevResult: interfaces and ips must be arrays");
	json_array_foreach(ifs, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));

		if (json_string_value(json_object_get(v, "sandbox")) && name && strcmp(name, ifname) == 0) {
			const char *mac = json_string_value(json_object_get(v, "mac"));

			idx = (long)i;
			snprintf(ret->ifname, sizeof(ret->ifname), "%s", name);
			ret->has_mac = mac && netd_mac_parse(mac, ret->mac) == 0;
		}
	}
	if (idx < 0)
		return CNI_FAIL(err, CNI_ERR_DECODE, "prevResult has no interface %s in the container", ifname);
	json_array_foreach(ips, i, v) {
		json_t *ifi = json_object_get(v, "interface");
		const char *addr = json_string_value(json_object_get(v, "address"));
		struct pn_cidr c;
		char b[PN_IPSTR_MAX];

		if (!json_is_integer(ifi) || json_integer_value(ifi) != idx)
			continue;
		if (!addr || pn_cidr_parse(addr, false, &c) < 0 || ret->nips >= NETD_MAX_SUBNETS)
			return CNI_FAIL(err, CNI_ERR_DECODE, "prevResult: invalid address \"%.60s\"", addr ?: "?");
		snprintf(b, sizeof(b), "%.*s", (int)(strchr(addr, '/') - addr), addr);
		if (pn_ip_parse(b, &ret->ips[ret->nips]) < 0)
			return CNI_FAIL(err, CNI_ERR_DECODE, "prevResult: invalid address \"%.60s\"", addr);
		ret->prefixes[ret->nips++] = c.prefix;
	}
	return 0;
}
