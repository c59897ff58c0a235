// SPDX-License-Identifier: GPL-2.0-or-later
/* Attach/detach through netd and the state of one infra namespace: see front.h. */
#define _GNU_SOURCE
#include "front.h"
#include "cleanup.h"
#include "fileutil.h"
#include "link.h"
#include "nfnl.h"
#include "nft.h"
#include "sandbox.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#define PF_FALLBACK_UPLINK "tap0"

int pf_read_fd(int fd, size_t max, char **ret, size_t *ret_len, struct pn_err *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);

	if (!buf)
		return pn_err_set(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				return pn_err_set(err, EFBIG, "input is larger than %zu bytes", max);
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return pn_err_set(err, ENOMEM, "out of memory");
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return pn_err_set(err, e, "cannot read input: %s", strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return pn_err_set(err, EFBIG, "input is larger than %zu bytes", max);
	}
	buf[len] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

bool pf_id_valid(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > max || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

bool pf_dns_name_valid(const char *s)
{
	size_t label = 0;

	if (!pf_id_valid(s, PF_DNS_NAME_MAX))
		return false;
	for (; *s; s++) {
		if (*s != '.') {
			if (++label > 63)
				return false;
		} else if (label == 0) {
			return false;
		} else {
			label = 0;
		}
	}
	return label > 0;
}

bool pf_ifname_valid(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) || !isprint((unsigned char)s[i]))
			return false;
	return true;
}

void pf_host_ifname(const char *id, const char *netname, char buf[IFNAMSIZ])
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *parts[2] = { id, netname };

	for (int p = 0; p < 2; p++) {
		for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++) {
			h ^= *c;
			h *= 0x100000001b3ull;
		}
		h ^= 0xff; /* separator that cannot occur in either part */
		h *= 0x100000001b3ull;
	}
	snprintf(buf, IFNAMSIZ, "pn%012llx", (unsigned long long)(h & 0xffffffffffffull));
}

size_t pf_dns_header(const struct netd_network *net, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = '\0';
	for (int i = 0; i < net->nsubnets; i++) {
		char b[PN_IPSTR_MAX];
		int w;

		if (!net->subnets[i].gateway.family)
			continue;
		w = snprintf(buf + l, len - l, "%s%s", l ? "," : "", pn_ip_format(&net->subnets[i].gateway, b));
		if (w < 0 || (size_t)w >= len - l) {
			buf[l] = '\0';
			break;
		}
		l += (size_t)w;
	}
	return l;
}

static int append(char *buf, size_t len, size_t *at, const char *s)
{
	size_t l = strlen(s);

	if (*at + l >= len)
		return -ENAMETOOLONG;
	memcpy(buf + *at, s, l + 1);
	*at += l;
	return 0;
}

int pf_dns_line(const char *id, const struct pn_ip *ips, int nips, json_t *names, char *buf,
		size_t len)
{
	size_t at = 0, i;
	json_t *v;
	int r;

	if (!pf_id_valid(id, PF_ID_MAX) || !json_array_size(names) || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	r = append(buf, len, &at, id);
	for (int fam = 0; r == 0 && fam < 2; fam++) {
		bool first = true;

		r = append(buf, len, &at, " ");
		for (int k = 0; r == 0 && k < nips; k++) {
			char b[PN_IPSTR_MAX];

			if (ips[k].family != (fam == 0 ? AF_INET : AF_INET6))
				continue;
			if (!first)
				r = append(buf, len, &at, ",");
			if (r == 0)
				r = append(buf, len, &at, pn_ip_format(&ips[k], b));
			first = false;
		}
	}
	if (r == 0)
		r = append(buf, len, &at, " ");
	json_array_foreach(names, i, v) {
		const char *s = json_string_value(v);

		if (r < 0)
			break;
		if (!pf_id_valid(s, PF_DNS_NAME_MAX))
			return -EINVAL;
		if (i)
			r = append(buf, len, &at, ",");
		if (r == 0)
			r = append(buf, len, &at, s);
	}
	return r;
}

/* ---- state ---- */

/*
 * "dev:ino:boot id" of the current network namespace. The inode alone is not
 * enough: the host's namespace has the same one after every boot, and a state
 * directory on disk (the CNI plugin's default dataDir) outlives a reboot that
 * took every attachment it describes with it.
 */
static void netns_identity(char *buf, size_t len)
{
	_cleanup_free_ char *boot = NULL;
	struct stat sb;

	if (stat("/proc/self/ns/net", &sb) < 0) {
		snprintf(buf, len, "unknown");
		return;
	}
	if (pn_read_file("/proc/sys/kernel/random/boot_id", 64, &boot, NULL) == 0)
		boot[strcspn(boot, "\n")] = '\0';
	snprintf(buf, len, "%llu:%llu:%s", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino,
		 boot && pf_id_valid(boot, 64) ? boot : "-");
}

/* when this boot began (btime of /proc/stat), or 0 */
static time_t boot_time(void)
{
	_cleanup_free_ char *text = NULL;
	const char *at;

	if (pn_read_file("/proc/stat", 1 << 20, &text, NULL) < 0 || !(at = strstr(text, "\nbtime ")))
		return 0;
	return (time_t)strtoll(at + 7, NULL, 10);
}

/*
 * @stored describes the namespace @ident names. A state written by an
 * earlier podnet says "dev:ino" only: with the same namespace, and written
 * since this boot began (@mtime), it is taken to be of this boot, so an
 * upgrade keeps the attachments of running containers; one older than the
 * boot describes what the reboot took (the host's namespace has the same
 * inode after every boot).
 */
static bool same_netns(const char *stored, const char *ident, time_t mtime)
{
	time_t booted;
	size_t n;

	if (!stored)
		return false;
	if (strcmp(stored, ident) == 0)
		return true;
	n = strlen(stored);
	if (!strchr(stored, ':') || strchr(stored, ':') != strrchr(stored, ':') || strncmp(stored, ident, n) != 0 ||
	    ident[n] != ':')
		return false;
	booted = boot_time();
	return booted > 0 && mtime >= booted;
}

/* the object @key of the state document, created empty if missing */
static json_t *state_object(struct pf_state *st, const char *key)
{
	json_t *o = json_object_get(st->doc, key);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(st->doc, key, o);
	}
	return o;
}

int pf_print_json(json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);
	int r = 0;

	if (!text)
		return -ENOMEM;
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		r = -EIO;
	free(text);
	return r;
}

int pf_state_open(const char *dir, const char *uplink, struct pf_state *st, struct pn_err *err)
{
	char path[PATH_MAX], ident[160];
	struct stat sb;
	json_t *doc = NULL;
	struct pn_err lerr = { 0 };
	int r;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >= (int)sizeof(st->dir))
		return pn_err_set(err, ENAMETOOLONG, "state directory name too long");
	r = pn_mkdir_p(dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", dir, strerror(-r));
	if (!pn_path(path, "%s/podnet.lock", dir))
		return pn_err_set(err, ENAMETOOLONG, "state directory name too long");
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0)
		return pn_err_set(err, errno, "cannot open %s: %s", path, strerror(errno));
	while (flock(st->lock_fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = pn_err_set(err, errno, "cannot lock %s: %s", path, strerror(errno));
			pf_state_close(st);
			return r;
		}
	}
	netns_identity(ident, sizeof(ident));
	pn_path(path, "%s/state.json", dir);
	r = pn_json_load(path, &doc, &lerr);
	if (r == 0 && json_is_object(doc) &&
	    same_netns(json_string_value(json_object_get(doc, "netns")), ident, stat(path, &sb) == 0 ? sb.st_mtime : 0)) {
		/* (a state written before the boot id was part of it takes it on) */
		json_object_set_new(doc, "netns", json_string(ident));
		st->doc = doc;
	} else {
		/* none yet, unreadable, or describing a namespace (or boot) that is gone: start afresh */
		st->netns_changed = r == 0 && json_is_object(doc);
		if (st->netns_changed)
			st->previous = doc;
		else if (doc)
			json_decref(doc);
		st->doc = json_pack("{s:s, s:{}}", "netns", ident, "networks");
	}
	if (uplink && *uplink) {
		snprintf(st->uplink, sizeof(st->uplink), "%s", uplink);
	} else {
		struct nl_sock *sk = NULL;

		if (netd_nl_open(&sk, NULL) < 0 || pf_default_ifname(sk, st->uplink) < 0)
			snprintf(st->uplink, sizeof(st->uplink), "%s", PF_FALLBACK_UPLINK);
		netd_nl_close(sk);
	}
	return 0;
}

int pf_state_save(struct pf_state *st, struct pn_err *err)
{
	char path[PATH_MAX];
	int r;

	pn_path(path, "%s/state.json", st->dir);
	r = pn_json_save(path, st->doc, 0);
	if (r < 0)
		return pn_err_set(err, r, "cannot write %s: %s", path, strerror(-r));
	return 0;
}

void pf_state_close(struct pf_state *st)
{
	if (st->doc)
		json_decref(st->doc);
	st->doc = NULL;
	if (st->previous)
		json_decref(st->previous);
	st->previous = NULL;
	if (st->dropped)
		json_decref(st->dropped);
	st->dropped = NULL;
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	st->lock_fd = -1;
}

json_t *pf_state_attachment(struct pf_state *st, const char *netname, const char *id)
{
	json_t *net = json_object_get(state_object(st, "networks"), netname);

	return json_object_get(json_object_get(net, "attachments"), id);
}

json_t *pf_state_earlier_attachment(struct pf_state *st, const char *netname, const char *id)
{
	json_t *att = pf_state_attachment(st, netname, id);

	if (!att && st->previous)
		att = json_object_get(json_object_get(json_object_get(json_object_get(st->previous, "networks"),
									  netname), "attachments"), id);
	return att;
}

const char *pf_other_attachment(struct pf_state *st, struct nl_sock *sk_i, const char *netname, const char *id,
				const char *ifname)
{
	const char *recorded = json_string_value(json_object_get(pf_state_attachment(st, netname, id), "interface"));
	char host_if[IFNAMSIZ];

	if (!recorded || !ifname || strcmp(recorded, ifname) == 0)
		return NULL;
	/* a record whose host end is gone describes an attachment that is gone (its namespace went) */
	pf_host_ifname(id, netname, host_if);
	return netd_link_exists(sk_i, host_if) == 0 ? NULL : recorded;
}

/* ---- attach / detach ---- */

int pf_net_ip_prefix(const struct netd_network *net, const struct pn_ip *ip)
{
	for (int i = 0; i < net->nsubnets; i++)
		if (pn_cidr_contains(&net->subnets[i].subnet, ip))
			return net->subnets[i].subnet.prefix;
	return -EINVAL;
}

/*
 * The source guard of a port: @port_too adds or removes the port's own element
 * with its addresses, else only the addresses. A removal never creates the
 * table or its sets (netd_nft_elems_commit_removal()): there is nothing to
 * remove when they are not there.
 */
static int port_guard(const char *host_ifname, const struct pn_ip *ips, int nips, bool add, bool port_too,
		      struct pn_err *err)
{
	struct netd_nft_elems e;
	int r;

	netd_nft_elems_init(&e);
	r = port_too ? netd_nft_elems_add(&e, host_ifname, ips, nips, add)
		     : netd_nft_elems_addrs(&e, host_ifname, ips, nips, add);
	if (r < 0) {
		json_decref(e.cmds);
		return pn_err_set(err, EINVAL, "invalid addresses for %s", host_ifname);
	}
	return add ? netd_nft_elems_commit(&e, err) : netd_nft_elems_commit_removal(&e, err);
}

/* @a without @b, into @ret (room for @na). Return: count. */
static int ips_minus(const struct pn_ip *a, int na, const struct pn_ip *b, int nb, struct pn_ip *ret)
{
	int n = 0;

	for (int i = 0; i < na; i++) {
		bool found = false;

		for (int k = 0; k < nb && !found; k++)
			found = pn_ip_equal(&a[i], &b[k]);
		if (!found)
			ret[n++] = a[i];
	}
	return n;
}

/* note in @st->dropped that @id (NULL: none) of @netname went, or (@gone) the network itself */
static void note_dropped(struct pf_state *st, const char *netname, json_t *def, const char *id, bool gone)
{
	json_t *n;

	if (!st->dropped)
		st->dropped = json_object();
	n = json_object_get(st->dropped, netname);
	if (!n) {
		n = json_pack("{s:O?, s:[]}", "network", def, "ids");
		json_object_set_new(st->dropped, netname, n);
	}
	if (id)
		json_array_append_new(json_object_get(n, "ids"), json_string(id));
	if (gone)
		json_object_set_new(n, "gone", json_true());
}

/*
 * Forget the attachment @id of network @netname (state entry @entry): its
 * source guard elements, its published ports to the network, and with
 * @delete_port its host end if it is still there.
 */
static void drop_attachment(struct pf_state *st, struct nl_sock *sk_i, const char *netname, json_t *entry,
			    const char *key, bool delete_port)
{
	json_t *atts = json_object_get(entry, "attachments");
	struct pn_ip ips[NETD_MAX_SUBNETS];
	char id[PF_ID_MAX + 1], host_if[IFNAMSIZ];
	int n;

	snprintf(id, sizeof(id), "%s", key); /* @key may be the object's own: it goes with the member */
	n = netd_attach_ips(json_object_get(atts, id), ips, NETD_MAX_SUBNETS);
	pf_host_ifname(id, netname, host_if);
	if (delete_port)
		netd_link_delete(sk_i, host_if, NULL);
	port_guard(host_if, ips, n, false, true, NULL);
	pf_ports_drop(st, id, netname);
	note_dropped(st, netname, json_object_get(entry, "network"), id, false);
	json_object_del(atts, id);
}

/* Drop network @key from the state with its attachments (see drop_attachment()) and its bridge if unused. */
static void drop_network(struct pf_state *st, struct nl_sock *sk_i, const char *key, bool delete_ports)
{
	json_t *nets = state_object(st, "networks"), *entry, *atts, *v;
	const char *id, *br;
	char name[NETD_NAME_MAX + 1];
	void *tmp;

	snprintf(name, sizeof(name), "%s", key);
	entry = json_object_get(nets, name);
	atts = json_object_get(entry, "attachments");
	json_object_foreach_safe(atts, tmp, id, v)
		drop_attachment(st, sk_i, name, entry, id, delete_ports);
	br = json_string_value(json_object_get(json_object_get(entry, "network"), "network_interface"));
	if (br && pf_ifname_valid(br))
		netd_bridge_delete_unused(sk_i, br, NULL);
	note_dropped(st, name, json_object_get(entry, "network"), NULL, true);
	json_object_del(nets, name);
	st->nft_dirty = true;
}

/* the names of the links of I, as the keys of an object (new reference), or NULL */
static json_t *link_names(struct nl_sock *sk)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	json_t *names;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return NULL;
	names = json_object();
	for (obj = nl_cache_get_first(cache); obj && names; obj = nl_cache_get_next(obj)) {
		const char *n = rtnl_link_get_name((struct rtnl_link *)obj);

		if (n && json_object_set_new(names, n, json_true()) < 0) {
			json_decref(names);
			names = NULL;
		}
	}
	nl_cache_free(cache);
	return names;
}

int pf_state_collect(struct pf_state *st, struct nl_sock *sk_i)
{
	json_t *nets = state_object(st, "networks"), *entry, *att, *links;
	const char *netname, *id;
	void *tmp, *tmp2;
	bool any = false;

	json_object_foreach(nets, netname, entry)
		any |= json_object_size(json_object_get(entry, "attachments")) > 0;
	if (!any)
		return 0;
	links = link_names(sk_i);
	if (!links)
		return -EIO;
	json_object_foreach_safe(nets, tmp, netname, entry) {
		json_t *atts = json_object_get(entry, "attachments");

		json_object_foreach_safe(atts, tmp2, id, att) {
			const char *host_if = json_string_value(json_object_get(att, "host_interface"));
			char derived[IFNAMSIZ];

			if (!host_if) {
				pf_host_ifname(id, netname, derived);
				host_if = derived;
			}
			if (!json_object_get(links, host_if))
				drop_attachment(st, sk_i, netname, entry, id, false);
		}
		if (!json_object_size(atts))
			drop_network(st, sk_i, netname, false);
	}
	json_decref(links);
	return 0;
}

/*
 * Networks that the one being attached (@net) replaces: Podman puts one
 * network on a bridge, and a network's name and id go together, so a
 * recorded one with @net's bridge and another name, or with @net's name and
 * another id, was removed without the teardown of its containers.
 */
static void drop_replaced_networks(struct pf_state *st, struct nl_sock *sk_i, const struct netd_network *net)
{
	json_t *nets = state_object(st, "networks"), *entry;
	const char *name;
	void *tmp;

	json_object_foreach_safe(nets, tmp, name, entry) {
		json_t *def = json_object_get(entry, "network");
		const char *br = json_string_value(json_object_get(def, "network_interface"));
		const char *id = json_string_value(json_object_get(def, "id"));
		bool stale = strcmp(name, net->name) == 0 ? (net->id[0] && id && *id && strcmp(id, net->id) != 0)
							 : (br && strcmp(br, net->bridge) == 0);

		if (stale)
			drop_network(st, sk_i, name, true);
	}
}

int pf_attach(struct pf_state *st, struct nl_sock *sk_i, struct nl_sock *sk_c, int c_netns_fd,
	      const struct pf_attach_req *rq, struct pf_attach_res *res, struct pn_err *err)
{
	json_t *nets = state_object(st, "networks"), *entry, *ips, *att;
	struct netd_veth_spec spec;
	struct pn_ip held[NETD_MAX_SUBNETS], stale[NETD_MAX_SUBNETS];
	const char *other;
	char macs[18];
	bool new_net = false, bridge_created = false;
	int nheld, nstale, r;

	memset(&spec, 0, sizeof(spec));
	if (st->one_net_per_bridge)
		drop_replaced_networks(st, sk_i, rq->net);
	pf_host_ifname(rq->id, rq->net->name, res->host_ifname);
	if (rq->has_mac)
		memcpy(res->mac, rq->mac, 6);
	else
		netd_mac_random(res->mac);

	/*
	 * One attachment per (owner, network): the host end's name says so. A
	 * live one through another interface (CNI allows a second ADD with
	 * another CNI_IFNAME) is refused before anything is touched.
	 */
	other = pf_other_attachment(st, sk_i, rq->net->name, rq->id, rq->ifname);
	if (other)
		return pn_err_set(err, EEXIST, "%s is already attached to network %s as %s: one interface per container and network",
				  rq->id, rq->net->name, other);
	att = pf_state_attachment(st, rq->net->name, rq->id);
	entry = json_object_get(nets, rq->net->name);
	if (!entry) {
		new_net = true;
	} else {
		r = netd_link_exists(sk_i, rq->net->bridge);
		if (r < 0)
			return pn_err_set(err, -r, "cannot look up bridge %s: %s", rq->net->bridge, strerror(-r));
		new_net = r == 0;
	}
	r = netd_bridge_ensure(sk_i, rq->net, &bridge_created, err);
	if (r < 0)
		goto fail_bridge;

	spec.host_ifname = res->host_ifname;
	spec.ifname = rq->ifname;
	memcpy(spec.mac, res->mac, 6);
	spec.nips = rq->nips;
	for (int i = 0; i < rq->nips; i++) {
		spec.ips[i] = rq->ips[i];
		spec.prefixes[i] = rq->prefixes[i];
	}
	spec.route_metric = rq->metric;
	/* the port may send from its addresses only, from its first frame on (netd_nft_port_elements()) */
	r = port_guard(res->host_ifname, rq->ips, rq->nips, true, true, err);
	if (r == 0)
		r = netd_link_up(sk_c, "lo", err);
	if (r == 0) {
		r = netd_veth_attach(sk_i, sk_c, c_netns_fd, rq->net, &spec, err);
		if (r == -EEXIST && netd_link_exists(sk_i, res->host_ifname) == 1 &&
		    netd_link_exists(sk_c, rq->ifname) == 0) {
			/*
			 * A host end of this very owner and network, and no such
			 * interface in C: left by a killed earlier call, or by a
			 * namespace of the owner's that is gone from its runtime's
			 * view (not a live attachment through another interface:
			 * refused above). Replace it.
			 */
			pn_err_clear(err);
			netd_link_delete(sk_i, res->host_ifname, NULL);
			r = netd_veth_attach(sk_i, sk_c, c_netns_fd, rq->net, &spec, err);
		}
	}
	nheld = netd_attach_ips(att, held, NETD_MAX_SUBNETS);
	if (r < 0) {
		if (netd_link_exists(sk_i, res->host_ifname) != 1) {
			port_guard(res->host_ifname, rq->ips, rq->nips, false, true, NULL);
		} else {
			/* the port is a live attachment's (a repeated ADD): take back only what this call allowed */
			nstale = ips_minus(rq->ips, rq->nips, held, nheld, stale);
			if (nstale)
				port_guard(res->host_ifname, stale, nstale, false, false, NULL);
		}
		goto fail_bridge;
	}
	/* the port replaced an earlier one of the same name: it may not send from that one's other addresses */
	nstale = ips_minus(held, nheld, rq->ips, rq->nips, stale);
	if (nstale)
		port_guard(res->host_ifname, stale, nstale, false, false, NULL);

	if (!entry) {
		entry = json_pack("{s:o, s:{}}", "network", netd_network_to_json(rq->net), "attachments");
		json_object_set_new(nets, rq->net->name, entry);
	} else {
		json_object_set_new(entry, "network", netd_network_to_json(rq->net));
	}
	ips = json_array();
	for (int i = 0; i < rq->nips; i++) {
		char b[PN_IPSTR_MAX], cb[PN_IPSTR_MAX + 8];

		snprintf(cb, sizeof(cb), "%s/%d", pn_ip_format(&rq->ips[i], b), rq->prefixes[i]);
		json_array_append_new(ips, json_string(cb));
	}
	netd_mac_format(res->mac, macs);
	json_object_set_new(json_object_get(entry, "attachments"), rq->id,
			    json_pack("{s:s, s:s, s:s, s:o}", "interface", rq->ifname, "host_interface",
				      res->host_ifname, "mac", macs, "ips", ips));
	if (new_net)
		st->nft_dirty = true;
	return 0;

fail_bridge:
	/* a bridge that was there before (a user's, another attachment's) stays */
	if (bridge_created)
		netd_bridge_delete_unused(sk_i, rq->net->bridge, NULL);
	/*
	 * No network of this namespace is in use: the table must not be there,
	 * but the source guard may have created it (and its sets) for this
	 * attachment. The caller's pf_firewall_sync() removes it.
	 */
	if (!json_object_size(nets))
		st->nft_dirty = true;
	return r;
}

int pf_detach(struct pf_state *st, struct nl_sock *sk_i, struct nl_sock *sk_c, const char *netname,
	      const char *id, const char *ifname, struct pn_err *err)
{
	json_t *nets = state_object(st, "networks"), *entry = json_object_get(nets, netname), *atts;
	char host_if[IFNAMSIZ];
	bool had_host;
	int r, r2 = 0;

	pf_host_ifname(id, netname, host_if);
	/*
	 * Deleting one end of a veth pair deletes both. The container's end is
	 * deleted by name only if ours was there: an interface of that name in
	 * the container without our host end is not ours (a setup that failed
	 * because the name was taken must not remove the one that took it).
	 */
	had_host = netd_link_exists(sk_i, host_if) == 1;
	r = netd_link_delete(sk_i, host_if, err);
	if (r == 0 && had_host && sk_c && ifname && netd_link_exists(sk_c, ifname) == 1)
		r = netd_link_delete(sk_c, ifname, err);
	atts = json_object_get(entry, "attachments");
	if (r == 0) {
		/* the port is gone: so are its addresses */
		struct pn_ip ips[NETD_MAX_SUBNETS];
		int n = netd_attach_ips(json_object_get(atts, id), ips, NETD_MAX_SUBNETS);

		r = port_guard(host_if, ips, n, false, true, err);
	}
	json_object_del(atts, id);
	if (entry && !json_object_size(atts)) {
		struct netd_network net;
		struct pn_err lerr = { 0 };

		if (netd_network_from_json(json_object_get(entry, "network"), &net, &lerr) == 0) {
			r2 = netd_bridge_delete_unused(sk_i, net.bridge, r < 0 ? NULL : err);
			netd_network_clear(&net);
		}
		json_object_del(nets, netname);
		st->nft_dirty = true;
	}
	return r < 0 ? r : r2;
}

/* ---- published ports ---- */

json_t *pf_port_entry(const char *netname, const char *host_ip, const struct pn_ip *addr,
		      unsigned host_port, unsigned container_port, unsigned range, const char *protocol)
{
	char b[PN_IPSTR_MAX];

	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "network", netname, "host_ip",
			 host_ip ? host_ip : "", "addr", pn_ip_format(addr, b), "host_port",
			 (json_int_t)host_port, "container_port", (json_int_t)container_port, "range",
			 (json_int_t)range, "protocol", protocol);
}

/* An entry of the state into netd's form. Return: 0 or -EINVAL. */
static int port_from_json(json_t *e, struct netd_nft_dnat *d)
{
	const char *host_ip = NULL, *addr = NULL, *proto = NULL, *net = NULL;
	json_int_t hp = 0, cp = 0, range = 0;

	memset(d, 0, sizeof(*d));
	if (json_unpack(e, "{s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "network", &net, "host_ip", &host_ip, "addr",
			&addr, "host_port", &hp, "container_port", &cp, "range", &range, "protocol", &proto) < 0)
		return -EINVAL;
	if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535 || range < 1 || range > 65535 ||
	    snprintf(d->protocol, sizeof(d->protocol), "%s", proto) >= (int)sizeof(d->protocol))
		return -EINVAL;
	if (pn_ip_parse(addr, &d->addr) < 0 || (*host_ip && pn_ip_parse(host_ip, &d->host_ip) < 0))
		return -EINVAL;
	d->host_port = (unsigned)hp;
	d->container_port = (unsigned)cp;
	d->range = (unsigned)range;
	return netd_nft_dnat_valid(d) ? 0 : -EINVAL;
}

int pf_ports_add(struct pf_state *st, const char *owner, json_t *entries)
{
	json_t *ports = state_object(st, "ports"), *e;
	struct netd_nft_dnat d;
	size_t i, total = 0;
	const char *k;
	json_t *v;

	json_array_foreach(entries, i, e) {
		if (port_from_json(e, &d) < 0) {
			json_decref(entries);
			return -EINVAL;
		}
	}
	json_object_foreach(ports, k, v)
		total += json_array_size(v);
	if (json_array_size(json_object_get(ports, owner)) || !json_array_size(entries)) {
		json_decref(entries);
		return 0;
	}
	if (total + json_array_size(entries) > NETD_DNAT_MAX) {
		json_decref(entries);
		return -E2BIG;
	}
	json_object_set_new(ports, owner, entries);
	st->ports_dirty = true;
	return 0;
}

void pf_ports_drop(struct pf_state *st, const char *owner, const char *netname)
{
	json_t *ports = state_object(st, "ports"), *list = json_object_get(ports, owner);
	size_t i = 0;

	if (!list)
		return;
	while (i < json_array_size(list)) {
		const char *n = json_string_value(json_object_get(json_array_get(list, i), "network"));

		if (!netname || !n || strcmp(n, netname) == 0) {
			json_array_remove(list, i);
			st->ports_dirty = true;
		} else {
			i++;
		}
	}
	if (!json_array_size(list))
		json_object_del(ports, owner);
}

/* netd's DNAT list from the state (invalid entries, e.g. edited by hand, skipped). */
static int ports_collect(struct pf_state *st, struct netd_nft_dnat **ret, size_t *ret_n)
{
	json_t *ports = state_object(st, "ports"), *list, *e;
	struct netd_nft_dnat *d;
	const char *k;
	size_t total = 0, n = 0, i;

	*ret = NULL;
	*ret_n = 0;
	json_object_foreach(ports, k, list)
		total += json_array_size(list);
	if (total == 0)
		return 0;
	if (total > NETD_DNAT_MAX)
		total = NETD_DNAT_MAX;
	d = calloc(total, sizeof(*d));
	if (!d)
		return -ENOMEM;
	json_object_foreach(ports, k, list)
		json_array_foreach(list, i, e)
			if (n < total && port_from_json(e, &d[n]) == 0)
				n++;
	*ret = d;
	*ret_n = n;
	return 0;
}

/* route_localnet on the bridges that published ports lead to: DNAT from 127.0.0.1 */
static void ports_localnet(struct pf_state *st)
{
	json_t *ports = state_object(st, "ports"), *list, *e, *nets = state_object(st, "networks");
	const char *k;
	size_t i;

	json_object_foreach(ports, k, list) {
		json_array_foreach(list, i, e) {
			const char *br = json_string_value(json_object_get(json_object_get(json_object_get(
				nets, json_string_value(json_object_get(e, "network"))), "network"), "network_interface"));
			char key[64];

			if (br && pf_ifname_valid(br) &&
			    snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", br) < (int)sizeof(key))
				pn_sysctl_write(key, "1");
		}
	}
}

/*
 * Deleting the table when the last network leaves, with one nf_tables batch
 * on a netlink socket (DELTABLE of inet "podnet", the name netd's nft.c uses):
 * a teardown then neither loads libnftables nor fetches the ruleset cache,
 * about 12 ms of the 25 ms that teardown spends outside the kernel's device
 * deletion. Return: 0 (also when there is no table) or -errno.
 */
#define PF_NFT_TABLE "podnet"

static int nft_delete_table_raw(int family)
{
	struct netd_nfnl_batch b;
	int r;

	netd_nfnl_begin(&b);
	netd_nfnl_msg(&b, NFT_MSG_DELTABLE, 0, (uint8_t)family);
	netd_nfnl_attr_str(&b, NFTA_TABLE_NAME, PF_NFT_TABLE);
	r = netd_nfnl_commit(&b);
	return r == -ENOENT ? 0 : r;
}

int pf_firewall_sync(struct pf_state *st, struct pn_err *err)
{
	json_t *nets = state_object(st, "networks"), *entry;
	struct netd_network *list = NULL;
	struct netd_nft_dnat *dnat = NULL;
	struct netd_nft_opts opts = { .uplink = st->uplink, .host_netns = st->host_netns };
	bool had_dnat = json_is_true(json_object_get(st->doc, "nft_hostports"));
	const char *k;
	size_t n = 0, ndnat = 0;
	bool v6 = false;
	int r = 0;

	if (!st->nft_dirty && !st->ports_dirty)
		return 0;
	if (json_object_size(nets) == 0) {
		/* `inet podnet`, then the source guard's `bridge podnet` */
		r = nft_delete_table_raw(NFPROTO_INET);
		if (r == 0)
			r = nft_delete_table_raw(NFPROTO_BRIDGE);
		if (r < 0)
			r = netd_nft_remove(err);
		if (r == 0) {
			st->nft_dirty = st->ports_dirty = false;
			json_object_del(st->doc, "nft_hostports");
		}
		return r;
	}
	r = ports_collect(st, &dnat, &ndnat);
	if (r < 0)
		return pn_err_set(err, -r, "out of memory");
	opts.dnat = dnat;
	opts.ndnat = ndnat;
	if (!st->nft_dirty && had_dnat == (ndnat > 0)) {
		/* only ports changed, and the table has the chains they need (or needs none) */
		r = ndnat ? netd_nft_dnat_sync(dnat, ndnat, err) : 0;
		if (r == 0 && ndnat)
			ports_localnet(st);
		if (r == 0)
			st->ports_dirty = false;
		free(dnat);
		return r;
	}
	list = calloc(json_object_size(nets), sizeof(*list));
	if (!list) {
		free(dnat);
		return pn_err_set(err, ENOMEM, "out of memory");
	}
	json_object_foreach(nets, k, entry) {
		if (netd_network_from_json(json_object_get(entry, "network"), &list[n], NULL) < 0)
			continue;
		v6 |= list[n].ipv6;
		for (int i = 0; i < list[n].nsubnets; i++)
			v6 |= list[n].subnets[i].subnet.addr.family == AF_INET6;
		n++;
	}
	r = pn_sysctl_write("net/ipv4/ip_forward", "1");
	if (r == 0 && v6)
		r = pn_sysctl_write("net/ipv6/conf/all/forwarding", "1");
	if (r < 0)
		r = pn_err_set(err, -r, "cannot enable forwarding: %s", strerror(-r));
	if (r == 0)
		r = netd_nft_apply_opts(list, n, &opts, err);
	if (r == 0 && ndnat)
		ports_localnet(st);
	for (size_t i = 0; i < n; i++)
		netd_network_clear(&list[i]);
	free(list);
	free(dnat);
	if (r == 0) {
		st->nft_dirty = st->ports_dirty = false;
		json_object_set_new(st->doc, "nft_hostports", json_boolean(ndnat > 0));
	}
	return r;
}

/* ---- link queries ---- */

int pf_link_mac(struct nl_sock *sk, const char *ifname, unsigned char mac[6])
{
	struct rtnl_link *l = NULL;
	struct nl_addr *a;
	int r = rtnl_link_get_kernel(sk, 0, ifname, &l);

	if (r < 0)
		return -ENODEV;
	a = rtnl_link_get_addr(l);
	if (!a || nl_addr_get_len(a) != 6) {
		rtnl_link_put(l);
		return -EINVAL;
	}
	memcpy(mac, nl_addr_get_binary_addr(a), 6);
	rtnl_link_put(l);
	return 0;
}

int pf_link_master_is(struct nl_sock *sk, const char *ifname, const char *bridge)
{
	struct rtnl_link *l = NULL, *b = NULL;
	int r = rtnl_link_get_kernel(sk, 0, ifname, &l);

	if (r < 0)
		return -ENODEV;
	r = rtnl_link_get_kernel(sk, 0, bridge, &b);
	if (r < 0) {
		rtnl_link_put(l);
		return -ENODEV;
	}
	r = rtnl_link_get_master(l) == rtnl_link_get_ifindex(b);
	rtnl_link_put(l);
	rtnl_link_put(b);
	return r;
}

int pf_link_has_addr(struct nl_sock *sk, const char *ifname, const struct pn_ip *ip, int prefix)
{
	struct rtnl_link *l = NULL;
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int ifindex, found = 0, r;

	r = rtnl_link_get_kernel(sk, 0, ifname, &l);
	if (r < 0)
		return -ENODEV;
	ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	if (rtnl_addr_alloc_cache(sk, &cache) < 0)
		return -EIO;
	for (obj = nl_cache_get_first(cache); obj && !found; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != ifindex || !local || rtnl_addr_get_family(a) != ip->family)
			continue;
		if (nl_addr_get_len(local) == (unsigned)pn_ip_bits(ip) / 8 &&
		    memcmp(nl_addr_get_binary_addr(local), ip->b, nl_addr_get_len(local)) == 0 &&
		    (int)nl_addr_get_prefixlen(local) == prefix)
			found = 1;
	}
	nl_cache_free(cache);
	return found;
}

int pf_default_ifname(struct nl_sock *sk, char buf[IFNAMSIZ])
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	int ifindex = 0;

	if (rtnl_route_alloc_cache(sk, AF_INET, 0, &cache) < 0)
		return -EIO;
	for (obj = nl_cache_get_first(cache); obj && !ifindex; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *rt = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		struct rtnl_nexthop *nh;

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || (dst && nl_addr_get_prefixlen(dst) != 0))
			continue;
		if (rtnl_route_get_nnexthops(rt) < 1)
			continue;
		nh = rtnl_route_nexthop_n(rt, 0);
		ifindex = rtnl_route_nh_get_ifindex(nh);
	}
	nl_cache_free(cache);
	if (!ifindex)
		return -ENOENT;
	if (!if_indextoname((unsigned)ifindex, buf))
		return -errno;
	return 0;
}
