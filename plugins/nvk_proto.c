// SPDX-License-Identifier: GPL-2.0-or-later
/* NetworkOptions in, StatusBlock out: see nvk_proto.h. */
#define _GNU_SOURCE
#include "nvk_proto.h"
#include "front.h"
#include "link.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NVK_DEFAULT_CONFIG "/run/containers/networks"
#define NVK_COMPAT_VERSION "1.4.0"

int nvk_args_parse(int argc, char **argv, struct nvk_args *ret, struct pn_err *err)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rootless", required_argument, NULL, 'r' },
		{ "aardvark-binary", required_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int c;

	memset(ret, 0, sizeof(*ret));
	ret->config = NVK_DEFAULT_CONFIG;
	ret->aardvark = "";
	optind = 0; /* GNU: full reinitialisation, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:r:a:f:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ret->config = optarg;
			break;
		case 'r':
			if (strcmp(optarg, "true") == 0)
				ret->rootless = true;
			else if (strcmp(optarg, "false") == 0)
				ret->rootless = false;
			else
				return pn_err_set(err, EINVAL, "invalid value '%s' for '--rootless': want true or false", optarg);
			break;
		case 'a':
			ret->aardvark = optarg;
			break;
		case 'f':
			ret->file = optarg;
			break;
		case 'V':
			ret->print_version = true;
			return 0;
		case 'h':
			return pn_err_set(err, EINVAL, "usage: netavark [--config DIR] [--rootless=BOOL] [--aardvark-binary=PATH] [-f FILE] setup|teardown NETNS | version");
		default:
			return pn_err_set(err, EINVAL, "unexpected argument '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return pn_err_set(err, EINVAL, "a subcommand is required: setup, teardown or version");
	cmd = argv[optind++];
	if (strcmp(cmd, "version") == 0) {
		ret->command = NVK_VERSION;
	} else if (strcmp(cmd, "update") == 0) {
		ret->command = NVK_UPDATE;
		return 0;
	} else if (strcmp(cmd, "setup") == 0 || strcmp(cmd, "teardown") == 0) {
		ret->command = cmd[0] == 's' ? NVK_SETUP : NVK_TEARDOWN;
		if (optind >= argc)
			return pn_err_set(err, EINVAL, "%s: the network namespace path is required", cmd);
		ret->netns = argv[optind++];
		if (!*ret->netns)
			return pn_err_set(err, EINVAL, "%s: empty network namespace path", cmd);
	} else {
		return pn_err_set(err, EINVAL, "unrecognized subcommand '%s'", cmd);
	}
	if (optind < argc)
		return pn_err_set(err, EINVAL, "unexpected argument '%s'", argv[optind]);
	if (!*ret->config)
		return pn_err_set(err, EINVAL, "--config must not be empty");
	return 0;
}

void nvk_options_free(struct nvk_options *o)
{
	for (size_t i = 0; i < o->nnets; i++) {
		netd_network_clear(&o->nets[i].net);
		if (o->nets[i].names)
			json_decref(o->nets[i].names);
	}
	free(o->nets);
	free(o->ports);
	free(o->container_name);
	memset(o, 0, sizeof(*o));
}

static int parse_ports(json_t *arr, struct nvk_options *o, struct pn_err *err)
{
	json_t *p;
	size_t i;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return pn_err_set(err, EINVAL, "port_mappings must be an array");
	if (json_array_size(arr) > NVK_MAX_PORTS)
		return pn_err_set(err, EINVAL, "too many port mappings (at most %d)", NVK_MAX_PORTS);
	o->ports = calloc(json_array_size(arr) + 1, sizeof(*o->ports));
	if (!o->ports)
		return pn_err_set(err, ENOMEM, "out of memory");
	json_array_foreach(arr, i, p) {
		struct nvk_port *pm = &o->ports[o->nports];
		const char *host_ip = "", *proto = NULL;
		json_int_t cport = 0, hport = 0, range = 1;
		json_error_t jerr;

		if (json_unpack_ex(p, &jerr, 0, "{s?s, s:I, s:I, s?I, s:s}", "host_ip", &host_ip, "container_port",
				   &cport, "host_port", &hport, "range", &range, "protocol", &proto) < 0)
			return pn_err_set(err, EINVAL, "invalid port mapping: %s", jerr.text);
		if (*host_ip && pn_ip_parse(host_ip, &pm->host_ip) < 0)
			return pn_err_set(err, EINVAL, "invalid host_ip \"%s\" in a port mapping", host_ip);
		/* compared without adding: a huge range must not overflow */
		if (range < 1 || cport < 1 || hport < 1 || cport > 65535 || hport > 65535 || range > 65536 - cport ||
		    range > 65536 - hport)
			return pn_err_set(err, EINVAL, "invalid port mapping %lld:%lld (range %lld)", (long long)hport,
					  (long long)cport, (long long)range);
		if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
			return pn_err_set(err, EINVAL, "invalid protocol \"%s\" in a port mapping", proto);
		pm->container_port = (unsigned)cport;
		pm->host_port = (unsigned)hport;
		pm->range = (unsigned)range;
		snprintf(pm->protocol, sizeof(pm->protocol), "%s", proto);
		o->nports++;
	}
	return 0;
}

static int parse_net(const char *name, json_t *req, json_t *info, const char *ctr_name,
		     struct nvk_netreq *nr, struct pn_err *err)
{
	json_t *static_ips = NULL, *aliases = NULL, *v;
	const char *ifname = NULL, *mac = NULL, *info_name;
	json_error_t jerr;
	size_t i;
	int r;

	if (!info)
		return pn_err_set(err, EINVAL, "network %s has no entry in network_info", name);
	r = netd_network_from_json(info, &nr->net, err);
	if (r < 0)
		return r;
	info_name = json_string_value(json_object_get(info, "name"));
	if (!info_name || strcmp(info_name, name) != 0)
		return pn_err_set(err, EINVAL, "network_info of %s names another network", name);
	if (json_unpack_ex(req, &jerr, 0, "{s?o, s?o, s?s, s:s}", "static_ips", &static_ips, "aliases", &aliases,
			   "static_mac", &mac, "interface_name", &ifname) < 0)
		return pn_err_set(err, EINVAL, "network %s: %s", name, jerr.text);
	if (!pf_ifname_valid(ifname))
		return pn_err_set(err, EINVAL, "network %s: invalid interface_name \"%s\"", name, ifname);
	snprintf(nr->ifname, sizeof(nr->ifname), "%s", ifname);
	if (mac && *mac) {
		if (netd_mac_parse(mac, nr->mac) < 0)
			return pn_err_set(err, EINVAL, "network %s: invalid static_mac \"%s\"", name, mac);
		nr->has_mac = true;
	}
	if (static_ips && !json_is_null(static_ips)) {
		if (!json_is_array(static_ips) || json_array_size(static_ips) > NETD_MAX_SUBNETS)
			return pn_err_set(err, EINVAL, "network %s: static_ips must be an array of at most %d addresses",
					  name, NETD_MAX_SUBNETS);
		json_array_foreach(static_ips, i, v) {
			const char *s = json_string_value(v);
			struct pn_ip ip;
			int prefix;

			if (!s || pn_ip_parse(s, &ip) < 0)
				return pn_err_set(err, EINVAL, "network %s: invalid static IP \"%s\"", name, s ? s : "?");
			prefix = pf_net_ip_prefix(&nr->net, &ip);
			if (prefix < 0)
				return pn_err_set(err, EINVAL, "network %s: address %s is in none of its subnets", name, s);
			for (int k = 0; k < nr->nips; k++)
				if (pn_ip_equal(&nr->ips[k], &ip))
					return pn_err_set(err, EINVAL, "network %s: address %s given twice", name, s);
			nr->ips[nr->nips] = ip;
			nr->prefixes[nr->nips++] = prefix;
		}
	}
	if (nr->nips == 0)
		return pn_err_set(err, EINVAL, "network %s: no static_ips (podnet needs Podman's host-local IPAM)", name);
	nr->names = json_array();
	if (pf_dns_name_valid(ctr_name))
		json_array_append_new(nr->names, json_string(ctr_name));
	if (aliases && !json_is_null(aliases)) {
		if (!json_is_array(aliases) || json_array_size(aliases) > 64)
			return pn_err_set(err, EINVAL, "network %s: aliases must be an array of at most 64 names", name);
		json_array_foreach(aliases, i, v) {
			if (!json_is_string(v))
				return pn_err_set(err, EINVAL, "network %s: aliases must be strings", name);
			/* one that cannot be asked for is left out, as a container name is */
			if (pf_dns_name_valid(json_string_value(v)))
				json_array_append(nr->names, v);
		}
	}
	return 0;
}

static int cmp_ifname(const void *a, const void *b)
{
	const struct nvk_netreq *x = a, *y = b;
	size_t lx = strlen(x->ifname), ly = strlen(y->ifname);

	/* eth2 before eth10 */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->ifname, y->ifname);
}

int nvk_options_parse(const char *text, size_t len, struct nvk_options *o, struct pn_err *err)
{
	json_t *doc, *networks = NULL, *info = NULL, *ports = NULL, *req;
	const char *id = NULL, *name = NULL, *k;
	json_error_t jerr;
	int r = 0;

	memset(o, 0, sizeof(*o));
	/* Podman sends one document; whatever follows it is not ours to interpret */
	doc = json_loadb(text, len, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return pn_err_set(err, EINVAL, "cannot parse the network options: %s (line %d)", jerr.text, jerr.line);
	if (json_unpack_ex(doc, &jerr, 0, "{s:s, s:s, s:o, s:o, s?o}", "container_id", &id, "container_name", &name,
			   "networks", &networks, "network_info", &info, "port_mappings", &ports) < 0) {
		r = pn_err_set(err, EINVAL, "invalid network options: %s", jerr.text);
		goto out;
	}
	if (!pf_id_valid(id, sizeof(o->container_id) - 2)) {
		r = pn_err_set(err, EINVAL, "invalid container_id \"%.80s\"", id);
		goto out;
	}
	if (!*name) {
		r = pn_err_set(err, EINVAL, "empty container_name");
		goto out;
	}
	snprintf(o->container_id, sizeof(o->container_id), "%s", id);
	o->container_name = strdup(name);
	if (!o->container_name) {
		r = pn_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!json_is_object(networks) || !json_is_object(info)) {
		r = pn_err_set(err, EINVAL, "networks and network_info must be objects");
		goto out;
	}
	if (json_object_size(networks) == 0 || json_object_size(networks) > NETD_MAX_NETWORKS) {
		r = pn_err_set(err, EINVAL, "want 1 to %d networks, got %zu", NETD_MAX_NETWORKS,
			       json_object_size(networks));
		goto out;
	}
	o->nets = calloc(json_object_size(networks), sizeof(*o->nets));
	if (!o->nets) {
		r = pn_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	json_object_foreach(networks, k, req) {
		struct nvk_netreq *nr = &o->nets[o->nnets++];

		r = parse_net(k, req, json_object_get(info, k), o->container_name, nr, err);
		if (r < 0)
			goto out;
		for (size_t j = 0; j + 1 < o->nnets; j++)
			if (strcmp(o->nets[j].ifname, nr->ifname) == 0) {
				r = pn_err_set(err, EINVAL, "interface %s requested for two networks", nr->ifname);
				goto out;
			}
	}
	qsort(o->nets, o->nnets, sizeof(*o->nets), cmp_ifname);
	r = parse_ports(ports, o, err);
out:
	json_decref(doc);
	return r;
}

int nvk_status_add(json_t *status, const struct nvk_netreq *req, const unsigned char mac[6])
{
	json_t *subnets = json_array(), *search = json_array(), *servers = json_array(), *entry;
	char macs[18], b[PN_IPSTR_MAX], cb[PN_IPSTR_MAX + 8];

	for (int i = 0; i < req->nips; i++) {
		json_t *s;

		snprintf(cb, sizeof(cb), "%s/%d", pn_ip_format(&req->ips[i], b), req->prefixes[i]);
		s = json_pack("{s:s}", "ipnet", cb);
		for (int k = 0; k < req->net.nsubnets; k++) {
			const struct netd_subnet *sn = &req->net.subnets[k];

			if (sn->gateway.family && pn_cidr_contains(&sn->subnet, &req->ips[i]))
				json_object_set_new(s, "gateway", json_string(pn_ip_format(&sn->gateway, b)));
		}
		json_array_append_new(subnets, s);
	}
	if (req->net.dns) {
		for (int k = 0; k < req->net.nsubnets; k++)
			if (req->net.subnets[k].gateway.family)
				json_array_append_new(servers, json_string(pn_ip_format(&req->net.subnets[k].gateway, b)));
		if (json_array_size(servers))
			json_array_append_new(search, json_string("dns.podman"));
	}
	netd_mac_format(mac, macs);
	entry = json_pack("{s:o, s:o, s:{s:{s:s, s:o}}}", "dns_search_domains", search, "dns_server_ips", servers,
			  "interfaces", req->ifname, "mac_address", macs, "subnets", subnets);
	if (!entry)
		return -ENOMEM;
	return json_object_set_new(status, req->net.name, entry) < 0 ? -ENOMEM : 0;
}

json_t *nvk_error_doc(const char *msg)
{
	return json_pack("{s:s}", "error", msg && *msg ? msg : "unknown error");
}

json_t *nvk_version_doc(void)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "version", NVK_COMPAT_VERSION, "commit", "podnet " PODNET_VERSION,
			 "build_time", "unknown", "target", "podnet");
}
