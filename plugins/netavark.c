// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `netavark`: podnet's front for Podman. Podman runs it in place of netavark
 * (CONTAINERS_HELPER_BINARY_DIR or helper_binaries_dir) as uid 0 of its user
 * namespace, inside its rootless network namespace, which plays the role of
 * podnet's infra namespace I: bridges, veth host ends and the `inet podnet`
 * table go there, through netd. State that must survive a call lives under
 * the --config directory (podnet/ for ours, aardvark-dns/ for the records
 * files, shared with aardvark-dns or podnet-dns). See docs/podman.md.
 *
 * Output contract: on success the StatusBlock map (setup) or nothing
 * (teardown) on stdout, exit 0; on failure {"error": "..."} alone, exit 1
 * (2 for usage errors), after undoing what this call set up.
 */
#define _GNU_SOURCE
#include "aardvark.h"
#include "cleanup.h"
#include "fileutil.h"
#include "front.h"
#include "link.h"
#include "nvk_proto.h"
#include "paths.h"
#include "state.h"

#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define NVK_ERRORS_MAX 4096


static int fail(const char *msg, int code)
{
	_cleanup_json_ json_t *doc = nvk_error_doc(msg);

	pf_print_json(doc);
	return code;
}

/* Teardown goes on past errors and reports them all, the way netavark joins them. */
struct errlist {
	char text[NVK_ERRORS_MAX];
	int n;
	char first[PN_ERR_MSG_MAX];
};

static void errlist_add(struct errlist *e, const char *msg)
{
	size_t l = strlen(e->text);

	if (e->n++ == 0)
		snprintf(e->first, sizeof(e->first), "%s", msg);
	snprintf(e->text + l, sizeof(e->text) - l, "\n\t- %s", msg);
}

static int errlist_finish(struct errlist *e)
{
	char msg[NVK_ERRORS_MAX + 64];

	if (e->n == 0)
		return 0;
	if (e->n == 1)
		return fail(e->first, 1);
	snprintf(msg, sizeof(msg), "podnet encountered multiple errors:%s", e->text);
	return fail(msg, 1);
}

struct ctx {
	struct nvk_args args;
	struct nvk_options opts;
	struct pf_state st;
	char state_dir[PATH_MAX];
	char dns_dir[PATH_MAX];
	int dns_lock;
	bool records_changed;   /* forget_dropped() changed records: the daemon must reload */
	int c_fd;
	struct nl_sock *sk_i, *sk_c;
};

static int dns_port(void)
{
	const char *s = getenv("NETAVARK_DNS_PORT");
	long v;
	char *end;

	if (!s || !*s)
		return 53;
	v = strtol(s, &end, 10);
	return (*end || v < 1 || v > 65535) ? 53 : (int)v;
}

static int dns_lock(struct ctx *c, struct pn_err *err)
{
	char path[PATH_MAX];
	int r;

	if (c->dns_lock >= 0)
		return 0;
	r = pn_mkdir_p(c->dns_dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", c->dns_dir, strerror(-r));
	pn_path(path, "%s/aardvark.lock", c->args.config);
	c->dns_lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->dns_lock < 0)
		return pn_err_set(err, errno, "cannot open %s: %s", path, strerror(errno));
	while (flock(c->dns_lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return pn_err_set(err, errno, "cannot lock %s: %s", path, strerror(errno));
	return 0;
}

/* Add or (with @remove) drop the container's line in the network's records file. */
static int dns_record(struct ctx *c, const struct nvk_netreq *nr, bool remove, struct pn_err *err)
{
	char header[256], line[8192];
	int r;

	if (!nr->net.dns || pf_dns_header(&nr->net, header, sizeof(header)) == 0)
		return 0;
	r = dns_lock(c, err);
	if (r < 0)
		return r;
	{
		/*
		 * The records file follows our state: when no other container of
		 * ours is on the network, any other line in it is a leftover of a
		 * container that was never torn down (a killed run), so start afresh.
		 */
		json_t *atts = json_object_get(json_object_get(json_object_get(c->st.doc, "networks"), nr->net.name),
					       "attachments");
		size_t others = json_object_size(atts) - (json_object_get(atts, c->opts.container_id) ? 1 : 0);
		char path[PATH_MAX];

		if (others == 0 && pn_path(path, "%s/%s%s", c->dns_dir, nr->net.name,
					       nr->net.internal ? PN_DNS_INTERNAL_SUFFIX : ""))
			unlink(path);
	}
	/* no name that a query can carry (nvk_options_parse() left such names out): no line */
	if (!json_array_size(nr->names))
		remove = true;
	if (!remove) {
		r = pf_dns_line(c->opts.container_id, nr->ips, nr->nips, nr->names, line, sizeof(line));
		if (r < 0)
			return pn_err_set(err, -r, "network %s: cannot write a DNS record for %.80s", nr->net.name,
					  c->opts.container_name);
	}
	r = netd_dns_records_set_dir(c->dns_dir, nr->net.name, nr->net.internal, header, c->opts.container_id,
				     remove ? NULL : line);
	if (r < 0)
		return pn_err_set(err, -r, "cannot update %s/%s: %s", c->dns_dir, nr->net.name, strerror(-r));
	return 0;
}

/*
 * The records of what pf_state_collect() or pf_attach() dropped from the
 * state (containers gone without a teardown, networks removed without one):
 * their lines, or the whole file of a network that left the state, go, so
 * that a name does not resolve to a dead address and the daemon exits with
 * the last real record. Return: true when a records file may have changed.
 */
static bool forget_dropped(struct ctx *c)
{
	_cleanup_json_ json_t *dropped = c->st.dropped;
	const char *name;
	json_t *n;
	bool changed = false;

	c->st.dropped = NULL;
	if (!json_object_size(dropped) || dns_lock(c, NULL) < 0)
		return false;
	json_object_foreach(dropped, name, n) {
		struct netd_network net;
		char header[256], path[PATH_MAX];
		size_t i;
		json_t *id;

		if (json_is_true(json_object_get(n, "gone"))) {
			for (int internal = 0; internal < 2; internal++)
				if (pn_path(path, "%s/%s%s", c->dns_dir, name, internal ? PN_DNS_INTERNAL_SUFFIX : ""))
					changed |= unlink(path) == 0;
			continue;
		}
		if (netd_network_from_json(json_object_get(n, "network"), &net, NULL) < 0)
			continue;
		if (net.dns && pf_dns_header(&net, header, sizeof(header)) > 0) {
			json_array_foreach(json_object_get(n, "ids"), i, id) {
				netd_dns_records_set_dir(c->dns_dir, name, net.internal, header, json_string_value(id),
							 NULL);
				changed = true;
			}
		}
		netd_network_clear(&net);
	}
	return changed;
}

static bool any_dns(const struct ctx *c)
{
	for (size_t i = 0; i < c->opts.nnets; i++)
		if (c->opts.nets[i].net.dns)
			return true;
	return false;
}

static int open_ns(struct ctx *c, bool required, struct pn_err *err)
{
	int r;

	c->c_fd = open(c->args.netns, O_RDONLY | O_CLOEXEC);
	if (c->c_fd < 0) {
		if (!required)
			return 0;
		return pn_err_set(err, errno, "invalid namespace path: %s: %s", c->args.netns, strerror(errno));
	}
	r = netd_nl_open_in(c->c_fd, &c->sk_c, err);
	if (r < 0 && !required) {
		pn_err_clear(err);
		return 0;
	}
	return r < 0 ? pn_err_prefix(err, "invalid namespace path %s: ", c->args.netns) : 0;
}

static int metric_of(const struct nvk_netreq *nr)
{
	json_t *m = nr->net.options ? json_object_get(nr->net.options, "metric") : NULL;
	const char *s = json_string_value(m);

	if (s && *s) {
		char *end;
		long v = strtol(s, &end, 10);

		if (!*end && v >= 0 && v < 1 << 30)
			return (int)v;
	}
	return 100;
}

/*
 * Port mappings, as netavark does them (rootful: the only way host ports reach
 * the container; rootless: inside the rootless netns, next to rootlessport):
 * DNAT from the host port to the container's first address of the family on
 * the first network (in interface order) that has one.
 */
static const struct nvk_netreq *port_target(const struct ctx *c, int family, const struct pn_ip **ret_ip)
{
	for (size_t i = 0; i < c->opts.nnets; i++)
		for (int k = 0; k < c->opts.nets[i].nips; k++)
			if (c->opts.nets[i].ips[k].family == family) {
				*ret_ip = &c->opts.nets[i].ips[k];
				return &c->opts.nets[i];
			}
	return NULL;
}

static int publish_ports(struct ctx *c, struct pn_err *err)
{
	json_t *entries;
	int r;

	if (!c->opts.nports)
		return 0;
	entries = json_array();
	for (size_t i = 0; i < c->opts.nports; i++) {
		const struct nvk_port *pm = &c->opts.ports[i];
		char hb[PN_IPSTR_MAX];
		const char *host_ip = pm->host_ip.family ? pn_ip_format(&pm->host_ip, hb) : NULL;

		for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
			const struct pn_ip *ip = NULL;
			const struct nvk_netreq *nr;

			if (pm->host_ip.family && pm->host_ip.family != fam)
				continue;
			nr = port_target(c, fam, &ip);
			if (!nr)
				continue;
			json_array_append_new(entries, pf_port_entry(nr->net.name, host_ip, ip, pm->host_port,
								     pm->container_port, pm->range, pm->protocol));
		}
	}
	r = pf_ports_add(&c->st, c->opts.container_id, entries);
	if (r < 0)
		return pn_err_set(err, -r, "cannot publish the port mappings: %s",
				  r == -E2BIG ? "too many published ports in this namespace" : "invalid mapping");
	return 0;
}

/*
 * Podman recreated its rootless network namespace since our state was written:
 * every container attached then is gone with it, and so must its DNS records
 * be (a run that was killed may have left lines that no teardown will remove).
 */
static void drop_stale_records(const char *dns_dir)
{
	_cleanup_closedir_ DIR *d = opendir(dns_dir);
	char name[NETD_NAME_MAX + 1];
	struct dirent *de;
	bool internal;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !netd_dns_records_file(de->d_name, name, &internal) ||
		    strcmp(de->d_name, "aardvark.pid") == 0)
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
}

static int do_setup(struct ctx *c)
{
	struct pn_err err = { 0 };
	_cleanup_json_ json_t *status = json_object();
	size_t done = 0;
	int r;

	r = open_ns(c, true, &err);
	if (r == 0)
		r = pf_state_open(c->state_dir, getenv("PODNET_UPLINK"), &c->st, &err);
	if (r == 0 && c->st.netns_changed)
		drop_stale_records(c->dns_dir);
	c->st.host_netns = !c->args.rootless;
	c->st.one_net_per_bridge = true;
	if (r == 0)
		r = netd_nl_open(&c->sk_i, &err);
	if (r == 0 && pf_state_collect(&c->st, c->sk_i) == 0)
		c->records_changed |= forget_dropped(c);
	for (; r == 0 && done < c->opts.nnets; done++) {
		const struct nvk_netreq *nr = &c->opts.nets[done];
		struct pf_attach_req rq = {
			.net = &nr->net, .id = c->opts.container_id, .ifname = nr->ifname,
			.has_mac = nr->has_mac, .nips = nr->nips, .metric = metric_of(nr), .names = nr->names,
		};
		struct pf_attach_res res;

		memcpy(rq.mac, nr->mac, 6);
		memcpy(rq.ips, nr->ips, sizeof(rq.ips));
		memcpy(rq.prefixes, nr->prefixes, sizeof(rq.prefixes));
		r = pf_attach(&c->st, c->sk_i, c->sk_c, c->c_fd, &rq, &res, &err);
		c->records_changed |= forget_dropped(c);
		if (r < 0)
			break; /* nothing of this one to undo: pf_attach cleans up after itself */
		r = dns_record(c, nr, false, &err);
		if (r == 0 && nvk_status_add(status, nr, res.mac) < 0)
			r = pn_err_set(&err, ENOMEM, "out of memory");
		if (r < 0) {
			done++; /* attached: undo this one too */
			break;
		}
	}
	if (r == 0) {
		/*
		 * The mappings to this call's networks are replaced (a container
		 * set up again after its namespace went without a teardown); those
		 * to its other networks stay (network connect resends all ports:
		 * the first target stays, see pf_ports_add()).
		 */
		for (size_t i = 0; i < c->opts.nnets; i++)
			pf_ports_drop(&c->st, c->opts.container_id, c->opts.nets[i].net.name);
		r = publish_ports(c, &err);
	}
	if (r == 0)
		r = pf_firewall_sync(&c->st, &err);
	if (r == 0 && (any_dns(c) || c->records_changed)) {
		r = pf_aardvark_notify(c->args.aardvark, c->dns_dir, dns_port(), c->args.rootless, &err);
		if (r < 0)
			done = c->opts.nnets;
	}
	if (r == 0)
		r = pf_state_save(&c->st, &err);
	if (r < 0 && c->st.doc) {
		/* undo this call's networks; Podman frees the addresses itself */
		for (size_t i = 0; i < done; i++) {
			pf_ports_drop(&c->st, c->opts.container_id, c->opts.nets[i].net.name);
			dns_record(c, &c->opts.nets[i], true, NULL);
			pf_detach(&c->st, c->sk_i, c->sk_c, c->opts.nets[i].net.name, c->opts.container_id,
				  c->opts.nets[i].ifname, NULL);
		}
		pf_firewall_sync(&c->st, NULL);
		pf_state_save(&c->st, NULL);
		if (any_dns(c) || c->records_changed)
			pf_aardvark_notify(c->args.aardvark, c->dns_dir, dns_port(), c->args.rootless, NULL);
	}
	if (r < 0)
		return fail(err.msg, 1);
	return pf_print_json(status) < 0 ? 1 : 0;
}

static int do_teardown(struct ctx *c)
{
	struct errlist el = { 0 };
	struct pn_err err = { 0 };
	int r;

	open_ns(c, false, &err);
	r = pf_state_open(c->state_dir, getenv("PODNET_UPLINK"), &c->st, &err);
	if (r == 0 && c->st.netns_changed)
		drop_stale_records(c->dns_dir);
	if (r < 0)
		return fail(err.msg, 1);
	c->st.host_netns = !c->args.rootless;
	c->st.one_net_per_bridge = true;
	r = netd_nl_open(&c->sk_i, &err);
	if (r < 0) {
		pf_state_close(&c->st);
		return fail(err.msg, 1);
	}
	if (pf_state_collect(&c->st, c->sk_i) == 0)
		c->records_changed |= forget_dropped(c);
	for (size_t i = 0; i < c->opts.nnets; i++) {
		const struct nvk_netreq *nr = &c->opts.nets[i];

		/* on this network through another interface (this one's setup was refused): not ours */
		if (pf_other_attachment(&c->st, c->sk_i, nr->net.name, c->opts.container_id, nr->ifname))
			continue;
		pn_err_clear(&err);
		pf_ports_drop(&c->st, c->opts.container_id, nr->net.name);
		if (pf_detach(&c->st, c->sk_i, c->sk_c, nr->net.name, c->opts.container_id, nr->ifname, &err) < 0)
			errlist_add(&el, err.msg);
		pn_err_clear(&err);
		if (dns_record(c, nr, true, &err) < 0)
			errlist_add(&el, err.msg);
	}
	pn_err_clear(&err);
	if (pf_firewall_sync(&c->st, &err) < 0)
		errlist_add(&el, err.msg);
	pn_err_clear(&err);
	if ((any_dns(c) || c->records_changed) && pf_aardvark_notify(c->args.aardvark, c->dns_dir, dns_port(), c->args.rootless, &err) < 0)
		errlist_add(&el, err.msg);
	pn_err_clear(&err);
	if (pf_state_save(&c->st, &err) < 0)
		errlist_add(&el, err.msg);
	return errlist_finish(&el);
}

static int read_options(struct ctx *c, struct pn_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int r;

	if (c->args.file) {
		fd = open(c->args.file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pn_err_set(err, errno, "cannot open %s: %s", c->args.file, strerror(errno));
	}
	r = pf_read_fd(fd >= 0 ? fd : STDIN_FILENO, PF_INPUT_MAX, &text, &len, err);
	if (r < 0)
		return r;
	return nvk_options_parse(text, len, &c->opts, err);
}

int main(int argc, char **argv)
{
	struct ctx c = { .dns_lock = -1, .c_fd = -1 };
	struct pn_err err = { 0 };
	int rc;

	if (nvk_args_parse(argc, argv, &c.args, &err) < 0)
		return fail(err.msg, 2);
	if (c.args.print_version) {
		printf("netavark 1.4.0 (podnet %s)\n", PODNET_VERSION);
		return 0;
	}
	if (c.args.command == NVK_VERSION) {
		_cleanup_json_ json_t *v = nvk_version_doc();

		return pf_print_json(v) < 0 ? 1 : 0;
	}
	if (c.args.command == NVK_UPDATE)
		return fail("podnet: the update command is not supported", 1);
	if (!pn_path(c.state_dir, "%s/podnet", c.args.config) || !pn_path(c.dns_dir, "%s/aardvark-dns", c.args.config))
		return fail("--config path too long", 2);
	if (read_options(&c, &err) < 0) {
		nvk_options_free(&c.opts);
		return fail(err.msg, 1);
	}
	rc = c.args.command == NVK_SETUP ? do_setup(&c) : do_teardown(&c);
	pf_state_close(&c.st);
	netd_nl_close(c.sk_i);
	netd_nl_close(c.sk_c);
	if (c.c_fd >= 0)
		close(c.c_fd);
	if (c.dns_lock >= 0)
		close(c.dns_lock);
	nvk_options_free(&c.opts);
	return rc;
}
