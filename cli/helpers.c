// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * When the helper daemons run: podnet-dns and podnet-slirp start with the
 * infra and end with it; a podnet-portfwd runs for each sandbox that
 * publishes ports, started after its init exists and before the command runs,
 * once the transparent-source plumbing in I is in place (netd/tproxy.c).
 * A helper found dead by a later command is restarted (helpers_repair).
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "cleanup.h"
#include "opts.h"
#include "podnet_dns.h"
#include "podnet_slirp.h"
#include "portfwd.h"
#include "sandbox.h"
#include "state.h"
#include "tproxy.h"

#include <stdio.h>
#include <string.h>

int helpers_ensure(struct cli *c, struct netd_infra *inf, bool infra_started, struct pn_err *err)
{
	struct pn_err serr = { 0 };
	int r;

	(void)infra_started;
	r = dns_ensure(&c->paths, &inf->holder, inf->userns_fd, inf->netns_fd, err);
	if (r < 0)
		return pn_err_prefix(err, "cannot start the DNS responder");
	/* without outbound access containers still reach each other: warn, go on */
	if (slirp_ensure(&c->paths, &inf->holder, inf->userns_fd, inf->netns_fd, &serr) < 0)
		fprintf(stderr, "Warning: no outbound connectivity: %s\n", serr.msg);
	return 0;
}

void helpers_reload(struct cli *c)
{
	dns_reload(&c->paths);
}

void helpers_stop_all(struct cli *c)
{
	dns_stop(&c->paths);
	slirp_stop(&c->paths);
}

static int parse_all(json_t *publish, struct pn_port_mapping *maps, size_t *ret_n, struct pn_err *err)
{
	json_t *v;
	size_t i, n = 0;

	json_array_foreach(publish, i, v) {
		size_t got = 0;
		int r = portspec_parse(json_string_value(v) ?: "", maps + n, PN_PORTFWD_MAX_MAPPINGS - n, &got, err);

		if (r < 0)
			return r;
		n += got;
	}
	*ret_n = n;
	return portspec_merge(maps, ret_n, err);
}

/* every -p of @o, parsed and merged, into @maps */
static int parse_opts_ports(const struct run_opts *o, struct pn_port_mapping *maps, size_t *ret_n, struct pn_err *err)
{
	size_t n = 0;

	for (int i = 0; i < o->ports.n; i++) {
		size_t got = 0;
		int r = portspec_parse(o->ports.v[i], maps + n, PN_PORTFWD_MAX_MAPPINGS - n, &got, err);

		if (r < 0)
			return r;
		n += got;
	}
	*ret_n = n;
	return portspec_merge(maps, ret_n, err);
}

/* host addresses "" (every one) and another overlap, as do two equal ones */
static bool host_ips_overlap(const char *a, const char *b)
{
	return !*a || !*b || strcmp(a, b) == 0;
}

int helpers_ports_taken(struct cli *c, const struct run_opts *o, const char *except_id, struct pn_err *err)
{
	struct pn_port_mapping maps[PN_PORTFWD_MAX_MAPPINGS];
	_cleanup_json_ json_t *all = NULL;
	size_t n = 0, i, k;
	json_t *doc, *p;

	if (parse_opts_ports(o, maps, &n, NULL) < 0 || !n)
		return 0; /* nothing to publish, or specs the run reports */
	netd_sandbox_list(&c->paths, NULL, &all, NULL);
	json_array_foreach(all, i, doc) {
		if (strcmp(json_string_value(json_object_get(doc, "id")) ?: "", except_id ? except_id : "") == 0 ||
		    !netd_sandbox_alive(doc))
			continue;
		json_array_foreach(json_object_get(doc, "ports"), k, p) {
			unsigned int first = (unsigned int)json_integer_value(json_object_get(p, "host_port"));
			unsigned int count = (unsigned int)json_integer_value(json_object_get(p, "range"));
			const char *proto = json_string_value(json_object_get(p, "protocol")) ?: "tcp";
			const char *hip = json_string_value(json_object_get(p, "host_ip")) ?: "";

			for (size_t m = 0; m < n; m++) {
				unsigned int lo = maps[m].host_port, hi = lo + maps[m].range;

				if (!lo || strcmp(maps[m].protocol, proto) != 0 || !host_ips_overlap(maps[m].host_ip, hip) ||
				    lo >= first + (count ? count : 1) || hi <= first)
					continue;
				return pn_err_set(err, EADDRINUSE, "port %u/%s is already published by %s %s",
						  lo > first ? lo : first, proto,
						  json_string_value(json_object_get(doc, "kind")) ?: "container",
						  json_string_value(json_object_get(doc, "name")) ?: "?");
			}
		}
	}
	return 0;
}

int helpers_validate_ports(struct cli *c, const struct run_opts *o, struct pn_err *err)
{
	struct pn_port_mapping maps[PN_PORTFWD_MAX_MAPPINGS];
	size_t n = 0;

	(void)c;
	if (o->ports.n && o->network_none)
		return pn_err_set(err, EINVAL, "-p needs a network: it cannot be used with --network none");
	return parse_opts_ports(o, maps, &n, err);
}

/*
 * The addresses the forwarder targets, one per family: those of the interface
 * that holds the container's default route (the lowest ethN of a network that
 * is not internal: its metric is 100 + N, netd/sandbox.c), else of the lowest
 * ethN. In transparent mode the container answers an off-link client by its
 * default route, so the connection must arrive on that interface.
 */
static void first_addrs(const struct pn_paths *paths, json_t *doc, char *v4, char *v6)
{
	char *dst[2] = { v4, v6 };       /* [0] IPv4, [1] IPv6 */
	int best[2] = { -1, -1 };        /* ethN of the address kept, -1: none yet */
	bool best_routed[2] = { false, false };
	json_t *att, *ip;
	const char *k;
	size_t i;

	v4[0] = v6[0] = '\0';
	json_object_foreach(json_object_get(doc, "networks"), k, att) {
		const char *ifname = json_string_value(json_object_get(att, "interface")) ?: "";
		int num = strncmp(ifname, "eth", 3) == 0 ? atoi(ifname + 3) : 1 << 20;
		struct netd_network net;
		bool routed = true;

		if (netd_network_load(paths, k, &net, NULL) == 0) {
			routed = !net.internal;
			netd_network_clear(&net);
		}
		json_array_foreach(json_object_get(att, "ips"), i, ip) {
			const char *s = json_string_value(ip);
			int f;

			if (!s || !strchr(s, '/'))
				continue;
			f = strchr(s, ':') != NULL;
			/* a routed interface beats an internal one, then the lower number */
			if (best[f] >= 0 && (best_routed[f] > routed || (best_routed[f] == routed && best[f] <= num)))
				continue;
			snprintf(dst[f], PN_IPSTR_MAX, "%.*s", (int)(strchr(s, '/') - s), s);
			best[f] = num;
			best_routed[f] = routed;
		}
	}
}

static int start_forwarder(struct cli *c, struct netd_infra *inf, json_t *doc, struct pn_err *err)
{
	struct pn_port_mapping maps[PN_PORTFWD_MAX_MAPPINGS];
	struct pn_portfwd_source src;
	struct pn_proc_id init, proc;
	char v4[PN_IPSTR_MAX], v6[PN_IPSTR_MAX];
	json_t *ports;
	size_t n = 0;
	int r;

	r = parse_all(json_object_get(doc, "publish"), maps, &n, err);
	if (r < 0 || n == 0)
		return r;
	/* after a restart keep the ports that were picked for "-p 80" */
	ports = json_object_get(doc, "ports");
	for (size_t i = 0; i < n && json_array_size(ports) == n; i++)
		maps[i].host_port = (uint16_t)json_integer_value(json_object_get(json_array_get(ports, i), "host_port"));
	if (!netd_sandbox_proc(doc, "init", &init))
		return pn_err_set(err, ESRCH, "not running");
	first_addrs(&c->paths, doc, v4, v6);
	if (!v4[0] && !v6[0])
		return pn_err_set(err, EINVAL, "-p needs the container on a network with an address");
	/* the forwarder shows the container real client addresses where this works; else fallback */
	netd_tproxy_setup(inf, &src);
	r = portfwd_start(&c->paths, json_string_value(json_object_get(doc, "id")), &init, inf->userns_fd,
			  inf->netns_fd, v4, v6, maps, n, &src, &proc, err);
	if (r < 0)
		return r;
	ports = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:i, s:s}", "host_ip", maps[i].host_ip,
						       "host_port", maps[i].host_port, "container_port",
						       maps[i].container_port, "range", maps[i].range, "protocol",
						       maps[i].protocol));
	json_object_set_new(doc, "ports", ports);
	/* the addresses it forwards to: a network change that takes one away restarts it */
	json_object_set_new(doc, "port_targets", json_pack("{s:s, s:s}", "ipv4", v4, "ipv6", v6));
	netd_sandbox_set_proc(doc, "portfwd", &proc);
	{
		enum pn_portfwd_mode mode;
		char reason[256] = "";

		if (portfwd_source_mode(&c->paths, json_string_value(json_object_get(doc, "id")), &mode, reason,
					sizeof(reason)) == 0)
			json_object_set_new(doc, "port_source_mode",
					    json_pack("{s:s, s:s}", "mode", portfwd_mode_name(mode), "reason", reason));
	}
	return 0;
}

int helpers_sandbox_started(struct cli *c, struct netd_infra *inf, json_t *doc, struct pn_err *err)
{
	if (!json_array_size(json_object_get(doc, "publish")))
		return 0;
	return start_forwarder(c, inf, doc, err);
}

int helpers_ports_follow(struct cli *c, struct netd_infra *inf, json_t *doc, struct pn_err *err)
{
	json_t *targets = json_object_get(doc, "port_targets");
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *old4 = json_string_value(json_object_get(targets, "ipv4")) ?: "";
	const char *old6 = json_string_value(json_object_get(targets, "ipv6")) ?: "";
	char v4[PN_IPSTR_MAX], v6[PN_IPSTR_MAX];

	if (!id || !json_array_size(json_object_get(doc, "publish")) || !netd_sandbox_alive(doc))
		return 0;
	first_addrs(&c->paths, doc, v4, v6);
	/*
	 * It keeps running while each family it forwards to still goes to the
	 * interface of the default route (a network added beside it changes
	 * nothing; one that takes over the route, e.g. by getting eth0 back,
	 * does). A family it had no address for stays served through the other.
	 */
	if (targets && (old4[0] || old6[0]) && (!old4[0] || strcmp(old4, v4) == 0) &&
	    (!old6[0] || strcmp(old6, v6) == 0))
		return 0;
	if (targets && !old4[0] && !old6[0] && !v4[0] && !v6[0])
		return 0;
	portfwd_stop(&c->paths, id);
	if (!v4[0] && !v6[0]) {
		/* kept: "ports" names the host ports, taken again when it joins a network */
		json_object_set_new(doc, "port_targets", json_pack("{s:s, s:s}", "ipv4", "", "ipv6", ""));
		json_object_del(doc, "portfwd");
		fprintf(stderr, "Warning: %s is on no network now: its published ports are not served until it joins one\n",
			json_string_value(json_object_get(doc, "name")) ?: id);
		return 0;
	}
	return start_forwarder(c, inf, doc, err);
}

void portfwd_stop_by_id(struct cli *c, const char *id)
{
	portfwd_stop(&c->paths, id);
}

void helpers_sandbox_stopped(struct cli *c, json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id"));

	if (id && json_array_size(json_object_get(doc, "publish")))
		portfwd_stop(&c->paths, id);
}

int helpers_repair(struct cli *c, json_t *docs)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	bool have_infra = false;
	json_t *doc;
	size_t i;
	int n = 0;

	json_array_foreach(docs, i, doc) {
		struct pn_proc_id p;
		bool alive = false;
		struct pn_err err = { 0 };
		const char *id = json_string_value(json_object_get(doc, "id"));

		char v4[PN_IPSTR_MAX], v6[PN_IPSTR_MAX];

		if (!json_array_size(json_object_get(doc, "publish")) || !netd_sandbox_alive(doc))
			continue;
		if (portfwd_status(&c->paths, id, &p, &alive) == 0 && alive)
			continue;
		/* on no network (disconnected from all): nothing to forward to until it joins one */
		first_addrs(&c->paths, doc, v4, v6);
		if (!v4[0] && !v6[0])
			continue;
		if (!have_infra && netd_infra_open(&c->paths, &inf, NULL) < 0)
			break;
		have_infra = true;
		if (start_forwarder(c, &inf, doc, &err) < 0) {
			fprintf(stderr, "Warning: the port forwarder of %s died and could not be restarted: %s\n",
				json_string_value(json_object_get(doc, "name")), err.msg);
			json_object_set_new(doc, "portfwd_alive", json_false());
			continue;
		}
		fprintf(stderr, "Warning: the port forwarder of %s had died; restarted\n",
			json_string_value(json_object_get(doc, "name")));
		netd_sandbox_save(&c->paths, doc, NULL);
		n++;
	}
	if (have_infra)
		netd_infra_close(&inf);
	return n;
}

json_t *helpers_status(struct cli *c)
{
	json_t *slirp = NULL, *doc = json_object();
	struct pn_proc_id dns;

	if (dns_running(&c->paths, &dns))
		json_object_set_new(doc, "dns", json_pack("{s:b, s:I}", "running", 1, "pid", (json_int_t)dns.pid));
	else
		json_object_set_new(doc, "dns", json_pack("{s:b}", "running", 0));
	if (slirp_status(&c->paths, &slirp) == 0 && slirp)
		json_object_set_new(doc, "slirp", slirp);
	return doc;
}
