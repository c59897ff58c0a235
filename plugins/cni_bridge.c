// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-bridge: a CNI plugin (spec 1.0.0; results also in 0.3.x/0.4.0) that
 * puts a container on a podnet bridge through netd: bridge and gateway, veth
 * pair, addresses and default routes, the `inet podnet` nftables table
 * (networks isolated from each other, masquerade out of the uplink), netd's
 * IPAM with a lease file under dataDir, and DNS records files that
 * aardvark-dns or podnet-dns serve. It runs in the runtime's namespace (as
 * root on the host, or in Podman's rootless netns), which plays the role of
 * podnet's infra namespace I. See docs/cni.md and cni_proto.h for the keys.
 *
 * Output contract: ADD prints the result, CHECK and DEL print nothing, exit 0;
 * any failure prints a CNI error object on stdout and exits 1. DEL succeeds
 * when what it would remove is already gone.
 */
#define _GNU_SOURCE
#include "aardvark.h"
#include "cleanup.h"
#include "cni_proto.h"
#include "fileutil.h"
#include "front.h"
#include "ipam.h"
#include "link.h"
#include "paths.h"
#include "sandbox.h"
#include "state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static int fail(const char *version, int code, const char *msg, const char *details)
{
	_cleanup_json_ json_t *doc = cni_error_doc(version, code, msg, details);

	pf_print_json(doc);
	fprintf(stderr, "podnet-bridge: %s\n", msg);
	return 1;
}

struct ctx {
	struct cni_env env;
	struct cni_conf conf;
	struct cni_args args;
	struct pn_paths paths;   /* runtime = dataDir: ipam/<network>.json */
	struct pf_state st;
	char dns_dir[PATH_MAX];
	int c_fd;
	struct nl_sock *sk_i, *sk_c;
};

static int open_ns(struct ctx *c, bool required, struct pn_err *err)
{
	if (!c->env.netns)
		return required ? pn_err_set(err, ENOENT, "CNI_NETNS is not set") : 0;
	c->c_fd = open(c->env.netns, O_RDONLY | O_CLOEXEC);
	if (c->c_fd < 0)
		return required ? pn_err_set(err, errno, "cannot open network namespace %s: %s", c->env.netns,
					     strerror(errno)) : 0;
	if (netd_nl_open_in(c->c_fd, &c->sk_c, err) < 0) {
		if (!required) {
			pn_err_clear(err);
			return 0;
		}
		return pn_err_prefix(err, "network namespace %s: ", c->env.netns);
	}
	return 0;
}

static json_t *dns_names(struct ctx *c)
{
	json_t *names = json_array(), *v;
	size_t i;

	if (c->args.pod_name[0] && pf_id_valid(c->args.pod_name, PF_DNS_NAME_MAX))
		json_array_append_new(names, json_string(c->args.pod_name));
	else
		json_array_append_new(names, json_stringn(c->env.containerid, strnlen(c->env.containerid, 12)));
	json_array_foreach(c->conf.aliases, i, v)
		json_array_append(names, v);
	return names;
}

static int dns_update(struct ctx *c, const struct pn_ip *ips, int nips, bool remove, struct pn_err *err)
{
	_cleanup_json_ json_t *names = NULL;
	char header[256], line[8192];
	int r;

	if (!c->conf.dns || pf_dns_header(&c->conf.net, header, sizeof(header)) == 0)
		return 0;
	r = pn_mkdir_p(c->dns_dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", c->dns_dir, strerror(-r));
	if (!remove) {
		names = dns_names(c);
		r = pf_dns_line(c->env.containerid, ips, nips, names, line, sizeof(line));
		if (r < 0)
			return pn_err_set(err, -r, "cannot write a DNS record for %s", c->env.containerid);
	}
	r = netd_dns_records_set_dir(c->dns_dir, c->conf.name, c->conf.net.internal, header, c->env.containerid,
				     remove ? NULL : line);
	if (r < 0)
		return pn_err_set(err, -r, "cannot update %s/%s: %s", c->dns_dir, c->conf.name, strerror(-r));
	return 0;
}

/* runtimeConfig.portMappings as DNAT to the container's first address of each family */
static int publish_ports(struct ctx *c, const struct pn_ip *ips, int nips, struct pn_err *err)
{
	json_t *entries;
	int r;

	if (!c->conf.nports)
		return 0;
	entries = json_array();
	for (size_t i = 0; i < c->conf.nports; i++) {
		const struct cni_port *p = &c->conf.ports[i];
		char hb[PN_IPSTR_MAX];
		bool done[2] = { false, false };

		for (int k = 0; k < nips; k++) {
			int f = ips[k].family == AF_INET ? 0 : 1;

			if (done[f] || (p->host_ip.family && p->host_ip.family != ips[k].family))
				continue;
			done[f] = true;
			json_array_append_new(entries, pf_port_entry(c->conf.name, p->host_ip.family ?
								     pn_ip_format(&p->host_ip, hb) : NULL,
								     &ips[k], p->host_port, p->container_port, 1,
								     p->protocol));
		}
	}
	r = pf_ports_add(&c->st, c->env.containerid, entries);
	if (r < 0)
		return pn_err_set(err, -r, "cannot publish the port mappings");
	return 0;
}

/* The runtime's namespace is the host's (rootful): keep the host's forwarding alone. */
static bool in_host_netns(void)
{
	struct stat a, b;

	return stat("/proc/self/ns/net", &a) == 0 && stat("/proc/1/ns/net", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * After a successful ADD: the addresses an earlier attachment of this container
 * to this network held (recorded in the state, or in the state of a namespace
 * or boot that is gone) and this one does not are stale, there being one
 * attachment per (container, network). Best effort: a failure only keeps them.
 */
static void release_earlier(struct ctx *c, struct netd_leases *leases, const struct pn_ip *earlier, int nearlier,
			    const struct pn_ip *ips, int nips)
{
	int n = 0;

	for (int i = 0; i < nearlier; i++) {
		bool kept = false;

		for (int k = 0; k < nips && !kept; k++)
			kept = pn_ip_equal(&earlier[i], &ips[k]);
		if (!kept) {
			netd_ipam_release_ip(leases, &earlier[i], c->env.containerid);
			n++;
		}
	}
	if (n)
		netd_ipam_save(leases, NULL);
}

static int do_add(struct ctx *c)
{
	struct pn_err err = { 0 };
	struct netd_leases leases = { 0 };
	const struct pn_ip *want = c->conf.rt_nips ? c->conf.rt_ips : c->args.ips;
	int nwant = c->conf.rt_nips ? c->conf.rt_nips : c->args.nips;
	struct pf_attach_req rq = { .net = &c->conf.net, .id = c->env.containerid, .ifname = c->env.ifname,
				    .metric = 100 };
	struct pf_attach_res res;
	_cleanup_json_ json_t *result = NULL;
	struct cni_iface ifs[3];
	struct pn_ip earlier[NETD_MAX_SUBNETS];
	bool fresh[NETD_MAX_SUBNETS] = { false };
	bool leased = false, attached = false;
	const char *other;
	int nearlier = 0, r;

	r = open_ns(c, true, &err);
	if (r < 0)
		return fail(c->conf.version, CNI_ERR_CONTAINER, err.msg, NULL);
	r = netd_nl_open(&c->sk_i, &err);
	/*
	 * One attachment per (container, network): a second interface of a live
	 * one is refused before anything is leased (its DEL then leaves the
	 * first alone, see do_del()).
	 */
	if (r == 0 && (other = pf_other_attachment(&c->st, c->sk_i, c->conf.name, c->env.containerid,
						   c->env.ifname)))
		r = pn_err_set(&err, EEXIST, "container %s is already attached to network %s as %s: podnet-bridge "
			       "supports one interface per container and network", c->env.containerid,
			       c->conf.name, other);
	if (r == 0)
		nearlier = netd_attach_ips(pf_state_earlier_attachment(&c->st, c->conf.name, c->env.containerid),
					   earlier, NETD_MAX_SUBNETS);
	/* addresses: netd's IPAM, static ones from runtimeConfig.ips or CNI_ARGS IP= */
	if (r == 0)
		r = netd_ipam_open(&c->paths, c->conf.name, &leases, &err);
	for (int k = 0; r == 0 && k < nwant; k++)
		if (pf_net_ip_prefix(&c->conf.net, &want[k]) < 0)
			r = pn_err_set(&err, EINVAL, "address %s is in no subnet of network %s",
				       pn_ip_format(&want[k], (char[PN_IPSTR_MAX]){ 0 }), c->conf.name);
	for (int s = 0; r == 0 && s < c->conf.net.nsubnets; s++) {
		const struct netd_subnet *sn = &c->conf.net.subnets[s];
		const struct pn_ip *w = NULL;
		int before = leases.ncreated;

		for (int k = 0; r == 0 && k < nwant; k++) {
			if (!pn_cidr_contains(&sn->subnet, &want[k]))
				continue;
			if (w)
				r = pn_err_set(&err, EINVAL, "addresses %s and %s are both in subnet %s: one address per subnet",
					       pn_ip_format(w, (char[PN_IPSTR_MAX]){ 0 }),
					       pn_ip_format(&want[k], (char[PN_IPSTR_MAX]){ 0 }),
					       pn_cidr_format(&sn->subnet, (char[PN_CIDRSTR_MAX]){ 0 }));
			w = &want[k];
		}
		if (r < 0)
			break;
		r = netd_ipam_alloc(&leases, c->conf.name, sn, c->env.containerid, w, &rq.ips[rq.nips], &err);
		if (r == 0) {
			/* taken now, not an address the container held already (a repeated ADD) */
			fresh[rq.nips] = leases.ncreated > before;
			rq.prefixes[rq.nips++] = sn->subnet.prefix;
		}
	}
	if (r == 0) {
		r = netd_ipam_save(&leases, &err);
		leased = r == 0;
	}
	if (r == 0) {
		rq.has_mac = c->conf.rt_has_mac || c->args.has_mac;
		memcpy(rq.mac, c->conf.rt_has_mac ? c->conf.rt_mac : c->args.mac, 6);
		r = pf_attach(&c->st, c->sk_i, c->sk_c, c->c_fd, &rq, &res, &err);
		attached = r == 0;
	}
	if (r == 0)
		r = dns_update(c, rq.ips, rq.nips, false, &err);
	if (r == 0) {
		/* this ADD's mappings replace any an earlier attachment to this network left */
		pf_ports_drop(&c->st, c->env.containerid, c->conf.name);
		r = publish_ports(c, rq.ips, rq.nips, &err);
	}
	if (r == 0)
		r = pf_firewall_sync(&c->st, &err);
	if (r == 0 && c->conf.dns)
		r = pf_aardvark_notify(c->conf.aardvark, c->dns_dir, c->conf.dns_port, geteuid() != 0, &err);
	if (r == 0) {
		memset(ifs, 0, sizeof(ifs));
		ifs[0].name = c->conf.net.bridge;
		pf_link_mac(c->sk_i, c->conf.net.bridge, ifs[0].mac);
		ifs[1].name = res.host_ifname;
		pf_link_mac(c->sk_i, res.host_ifname, ifs[1].mac);
		ifs[2].name = c->env.ifname;
		memcpy(ifs[2].mac, res.mac, 6);
		ifs[2].sandbox = c->env.netns;
		result = cni_result_doc(&c->conf, ifs, rq.ips, rq.prefixes, rq.nips);
	}
	if (r == 0)
		r = pf_state_save(&c->st, &err);
	if (r < 0) {
		if (attached) {
			pf_ports_drop(&c->st, c->env.containerid, c->conf.name);
			dns_update(c, NULL, 0, true, NULL);
			pf_detach(&c->st, c->sk_i, c->sk_c, c->conf.name, c->env.containerid, c->env.ifname, NULL);
		}
		/* also after a failed attach: the first one of a namespace may have left the table */
		pf_firewall_sync(&c->st, NULL);
		if (attached && c->conf.dns)
			pf_aardvark_notify(c->conf.aardvark, c->dns_dir, c->conf.dns_port, geteuid() != 0, NULL);
		if (leased) {
			/* only what this call leased: the container may hold others (an earlier ADD) */
			for (int i = 0; i < rq.nips; i++)
				if (fresh[i])
					netd_ipam_release_ip(&leases, &rq.ips[i], c->env.containerid);
			netd_ipam_save(&leases, NULL);
		}
		pf_state_save(&c->st, NULL);
	} else {
		release_earlier(c, &leases, earlier, nearlier, rq.ips, rq.nips);
	}
	netd_ipam_close(&leases);
	if (r < 0)
		return fail(c->conf.version, CNI_ERR_GENERIC, err.msg, NULL);
	return pf_print_json(result) < 0 ? 1 : 0;
}

static int do_del(struct ctx *c)
{
	struct pn_err err = { 0 };
	struct netd_leases leases;
	int r;

	open_ns(c, false, &err);
	r = netd_nl_open(&c->sk_i, &err);
	/* the container is on this network through another interface (this one's ADD was refused): not ours */
	if (r == 0 && pf_other_attachment(&c->st, c->sk_i, c->conf.name, c->env.containerid, c->env.ifname))
		return 0;
	pf_ports_drop(&c->st, c->env.containerid, c->conf.name);
	if (r == 0)
		r = pf_detach(&c->st, c->sk_i, c->sk_c, c->conf.name, c->env.containerid, c->env.ifname, &err);
	if (r == 0 && netd_ipam_open(&c->paths, c->conf.name, &leases, &err) == 0) {
		netd_ipam_release(&leases, c->env.containerid);
		r = netd_ipam_save(&leases, &err);
		netd_ipam_close(&leases);
	}
	if (r == 0)
		r = dns_update(c, NULL, 0, true, &err);
	if (r == 0)
		r = pf_firewall_sync(&c->st, &err);
	if (r == 0 && c->conf.dns)
		r = pf_aardvark_notify(c->conf.aardvark, c->dns_dir, c->conf.dns_port, geteuid() != 0, &err);
	if (r == 0)
		r = pf_state_save(&c->st, &err);
	return r < 0 ? fail(c->conf.version, CNI_ERR_IO, err.msg, NULL) : 0;
}

static int do_check(struct ctx *c)
{
	struct pn_err err = { 0 };
	struct cni_prev prev;
	struct netd_leases leases;
	unsigned char mac[6];
	char host_if[IFNAMSIZ];
	int r;

	if (!c->conf.prev_result)
		return fail(c->conf.version, CNI_ERR_DECODE, "CHECK needs prevResult", NULL);
	r = cni_prev_parse(c->conf.prev_result, c->env.ifname, &prev, &err);
	if (r)
		return fail(c->conf.version, r, err.msg, NULL);
	if (open_ns(c, true, &err) < 0)
		return fail(c->conf.version, CNI_ERR_CONTAINER, err.msg, NULL);
	if (netd_nl_open(&c->sk_i, &err) < 0)
		return fail(c->conf.version, CNI_ERR_IO, err.msg, NULL);
	if (pf_link_mac(c->sk_c, c->env.ifname, mac) < 0)
		return fail(c->conf.version, CNI_ERR_GENERIC, "the container has no interface of this network",
			    c->env.ifname);
	if (prev.has_mac && memcmp(mac, prev.mac, 6) != 0)
		return fail(c->conf.version, CNI_ERR_GENERIC, "the container interface has another MAC address",
			    c->env.ifname);
	for (int i = 0; i < prev.nips; i++) {
		char b[PN_IPSTR_MAX];

		if (pf_link_has_addr(c->sk_c, c->env.ifname, &prev.ips[i], prev.prefixes[i]) != 1)
			return fail(c->conf.version, CNI_ERR_GENERIC, "the container interface lacks an address",
				    pn_ip_format(&prev.ips[i], b));
	}
	pf_host_ifname(c->env.containerid, c->conf.name, host_if);
	if (pf_link_master_is(c->sk_i, host_if, c->conf.net.bridge) != 1)
		return fail(c->conf.version, CNI_ERR_GENERIC, "the host end of the veth pair is not on the bridge",
			    host_if);
	if (!pf_state_attachment(&c->st, c->conf.name, c->env.containerid))
		return fail(c->conf.version, CNI_ERR_GENERIC, "podnet has no record of this attachment", NULL);
	if (netd_ipam_open(&c->paths, c->conf.name, &leases, &err) < 0)
		return fail(c->conf.version, CNI_ERR_IO, err.msg, NULL);
	for (int i = 0; i < prev.nips; i++) {
		const char *owner = netd_ipam_owner(&leases, &prev.ips[i]);

		if (!owner || strcmp(owner, c->env.containerid) != 0) {
			netd_ipam_close(&leases);
			return fail(c->conf.version, CNI_ERR_GENERIC, "an address of the container is not leased to it",
				    pn_ip_format(&prev.ips[i], (char[PN_IPSTR_MAX]){ 0 }));
		}
	}
	netd_ipam_close(&leases);
	return 0;
}

static const char *get_env(const char *name)
{
	return getenv(name);
}

int main(void)
{
	struct ctx c = { .c_fd = -1 };
	struct pn_err err = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int code, rc;

	code = cni_env_parse(get_env, &c.env, &err);
	if (code)
		return fail(NULL, code, err.msg, NULL);
	if (pf_read_fd(STDIN_FILENO, PF_INPUT_MAX, &text, &len, &err) < 0)
		return fail(NULL, CNI_ERR_IO, err.msg, NULL);
	if (c.env.command == CNI_CMD_VERSION) {
		_cleanup_json_ json_t *v = NULL;

		cni_conf_parse(text, len, false, &c.conf, NULL);
		v = cni_version_doc(c.conf.version);
		cni_conf_free(&c.conf);
		return pf_print_json(v) < 0 ? 1 : 0;
	}
	code = cni_conf_parse(text, len, true, &c.conf, &err);
	if (code == 0)
		code = cni_args_parse(c.env.args, &c.args, &err);
	if (code) {
		rc = fail(c.conf.version, code, err.msg, NULL);
		cni_conf_free(&c.conf);
		return rc;
	}
	snprintf(c.paths.runtime, sizeof(c.paths.runtime), "%s", c.conf.data_dir);
	snprintf(c.paths.data, sizeof(c.paths.data), "%s", c.conf.data_dir);
	c.paths.rootless = geteuid() != 0;
	pn_path(c.dns_dir, "%s/dns", c.conf.data_dir);
	if (pf_state_open(c.conf.data_dir, c.conf.uplink[0] ? c.conf.uplink : NULL, &c.st, &err) < 0) {
		rc = fail(c.conf.version, CNI_ERR_IO, err.msg, NULL);
		cni_conf_free(&c.conf);
		return rc;
	}
	c.st.host_netns = in_host_netns();
	switch (c.env.command) {
	case CNI_CMD_ADD:
		rc = do_add(&c);
		break;
	case CNI_CMD_DEL:
		rc = do_del(&c);
		break;
	default:
		rc = do_check(&c);
		break;
	}
	pf_state_close(&c.st);
	netd_nl_close(c.sk_i);
	netd_nl_close(c.sk_c);
	if (c.c_fd >= 0)
		close(c.c_fd);
	cni_conf_free(&c.conf);
	return rc;
}
