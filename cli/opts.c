// SPDX-License-Identifier: GPL-2.0-or-later
/* Option parsing for run and network create: see opts.h. */
#define _GNU_SOURCE
#include "opts.h"
#include "link.h"
#include "network.h"
#include "nft.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int str_list_add(struct str_list *l, const char *v, const char *what, struct pn_err *err)
{
	if (l->n >= CLI_MAX_LIST)
		return pn_err_set(err, EINVAL, "too many %s (at most %d)", what, CLI_MAX_LIST);
	l->v[l->n++] = v;
	return 0;
}

json_t *str_list_json(const struct str_list *l)
{
	json_t *a = json_array();

	for (int i = 0; a && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

void opts_networks_default(struct str_list *l)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i], "bridge") == 0)
			l->v[i] = NETD_DEFAULT_NETWORK;
}

void opts_options_first(int argc, char **argv, const char *const *with_value)
{
	char **opts = calloc((size_t)argc + 1, sizeof(*opts)), **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int no = 0, nr = 0, i;

	if (!opts || !rest) {
		free(opts);
		free(rest);
		return; /* left as given: the parser reports what it cannot take */
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		bool takes = false;

		if (argv[i][0] != '-' || !argv[i][1]) {
			rest[nr++] = argv[i];
			continue;
		}
		for (const char *const *w = with_value; w && *w && !takes; w++)
			takes = strcmp(argv[i], *w) == 0;
		opts[no++] = argv[i];
		if (takes && i + 1 < argc)
			opts[no++] = argv[++i];
	}
	/* as GNU getopt: the options, the "--", then every other argument in its order */
	if (i < argc)
		opts[no++] = argv[i++];
	while (i < argc)
		rest[nr++] = argv[i++];
	memcpy(argv + 1, opts, (size_t)no * sizeof(*argv));
	memcpy(argv + 1 + no, rest, (size_t)nr * sizeof(*argv));
	free(opts);
	free(rest);
}

void opts_inspect_first(int argc, char **argv)
{
	static const char *const with_value[] = { "-f", "--format", NULL };

	opts_options_first(argc, argv, with_value);
}

int opts_force(int argc, char **argv, const char *cmd, bool *force, struct pn_err *err)
{
	int i;

	*force = false;
	opts_options_first(argc, argv, NULL);
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
			*force = true;
		else
			return pn_err_set(err, EINVAL, "%s: unknown option %s (see 'podnet %s --help')", cmd, argv[i], cmd);
	}
	return i;
}

int opts_timeout_ms(int seconds)
{
	return seconds > INT_MAX / 1000 ? INT_MAX : seconds * 1000;
}

const char *opts_bad_option(int argc, char **argv)
{
	static char shortopt[3];
	const char *cur = optind < argc ? argv[optind] : NULL, *prev = argv[optind - 1];

	/*
	 * getopt names a short option in optopt (0 for an unknown long one). In a
	 * group of short options ("-it") argv[optind - 1] is the argument before
	 * the group until its last letter is read.
	 */
	if (optopt > 0 && optopt < 128 &&
	    ((cur && cur[0] == '-' && cur[1] && cur[1] != '-' && strchr(cur + 1, optopt)) ||
	     (prev[0] == '-' && prev[1] != '-'))) {
		snprintf(shortopt, sizeof(shortopt), "-%c", optopt);
		return shortopt;
	}
	return prev;
}

static int bad_usage(struct pn_err *err, const char *cmd, int opt, int argc, char **argv)
{
	const char *arg = opts_bad_option(argc, argv);

	if (opt == ':')
		return pn_err_set(err, EINVAL, "%s: option %s needs a value", cmd, arg);
	return pn_err_set(err, EINVAL, "%s: unknown option %s (see 'podnet %s --help')", cmd, arg, cmd);
}

/* what jansson takes as a string: UTF-8 */
static bool utf8_text(const char *s)
{
	json_t *t = json_string(s);

	json_decref(t);
	return t != NULL;
}

/* a copy of @v in @o's storage for --network values */
static char *netbuf_copy(struct run_opts *o, const char *v, struct pn_err *err)
{
	size_t len = strlen(v) + 1;
	char *copy = o->netbuf + o->netbuf_used;

	if (len > sizeof(o->netbuf) - o->netbuf_used) {
		pn_err_set(err, EINVAL, "--network values too long");
		return NULL;
	}
	memcpy(copy, v, len);
	o->netbuf_used += len;
	return copy;
}

/* NAME:OPT,... : @opts (in our storage) for network @idx */
static int network_settings(struct run_opts *o, int idx, char *opts, const char *given, struct pn_err *err)
{
	struct netd_static *st = &o->net_static[idx];
	char *save = NULL;

	if (!*opts)
		return pn_err_set(err, EINVAL, "invalid --network \"%s\": no option after ':'", given);
	for (char *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *val = strchr(t, '=');
		const char **slot = NULL;

		if (!val || val == t || !val[1])
			return pn_err_set(err, EINVAL, "invalid --network \"%s\": want NAME:KEY=VALUE,... (ip, ip6, mac, alias), not \"%s\"",
					  given, t);
		*val++ = '\0';
		if (strcmp(t, "ip") == 0)
			slot = netd_static_ip_slot(st, val); /* Podman: ip= twice, once per family */
		else if (strcmp(t, "ip6") == 0)
			slot = &st->ip6;
		else if (strcmp(t, "mac") == 0)
			slot = &st->mac;
		else if (strcmp(t, "alias") == 0) {
			int r = str_list_add(&o->net_aliases, val, "aliases", err);

			if (r < 0)
				return r;
			o->net_alias_of[o->net_aliases.n - 1] = (unsigned char)idx;
			continue;
		} else if (strcmp(t, "interface_name") == 0) {
			return pn_err_set(err, EINVAL, "invalid --network \"%s\": interface_name is not supported "
					  "(interfaces are eth0, eth1, ... in the order of the networks)", given);
		} else {
			return pn_err_set(err, EINVAL, "invalid --network \"%s\": unknown option \"%s\" (ip, ip6, mac, alias)",
					  given, t);
		}
		if (*slot)
			return pn_err_set(err, EINVAL, "invalid --network \"%s\": %s given twice", given,
					  slot == &st->mac ? "mac" : slot == &st->ip ? "an IPv4 address" : "an IPv6 address");
		*slot = val;
	}
	return 0;
}

/*
 * --network: the modes none and host, a list of networks (NAME,NAME), or one
 * network with its own settings (NAME:ip=IP,ip6=IP,mac=MAC,alias=A...).
 */
static int network_opt(struct run_opts *o, const char *v, struct pn_err *err)
{
	char *copy, *colon, *save = NULL;
	int r = 0;

	if (strcmp(v, "none") == 0) {
		o->network_none = true;
		return 0;
	}
	if (strcmp(v, "host") == 0) {
		o->network_host = true;
		return 0;
	}
	if (strncmp(v, "container:", 10) == 0) {
		if (o->network_container)
			return pn_err_set(err, EINVAL, "--network container: given twice");
		o->network_container = v + 10;
		if (!*o->network_container)
			return pn_err_set(err, EINVAL, "invalid --network \"%s\": want container:NAME or container:ID", v);
		return 0;
	}
	copy = netbuf_copy(o, v, err);
	if (!copy)
		return -EINVAL;
	colon = strchr(copy, ':');
	if (colon) {
		*colon = '\0';
		if (strcmp(copy, "none") == 0 || strcmp(copy, "host") == 0 || strchr(copy, ','))
			return pn_err_set(err, EINVAL, "invalid --network \"%s\": options go with one network (NAME:OPTIONS)", v);
		r = str_list_add(&o->networks, copy, "networks", err);
		return r < 0 ? r : network_settings(o, o->networks.n - 1, colon + 1, v, err);
	}
	for (char *t = strtok_r(copy, ",", &save); r == 0 && t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "none") == 0 || strcmp(t, "host") == 0)
			return pn_err_set(err, EINVAL, "--network none/host cannot be combined with other networks");
		r = str_list_add(&o->networks, t, "networks", err);
	}
	return r;
}

void opts_net_static(const struct run_opts *o, int i, struct netd_static *ret)
{
	*ret = o->net_static[i];
	if (o->networks.n > 1)
		return;
	/* check_net_opts() refused a setting given twice */
	if (o->ip)
		*netd_static_ip_slot(ret, o->ip) = o->ip;
	if (o->ip6)
		ret->ip6 = o->ip6;
	if (o->mac)
		ret->mac = o->mac;
}

json_t *opts_net_entry(const struct run_opts *o, int i, struct netd_static *ret)
{
	json_t *a = str_list_json(&o->aliases);

	opts_net_static(o, i, ret);
	for (int k = 0; a && k < o->net_aliases.n; k++)
		if (o->net_alias_of[k] == i)
			json_array_append_new(a, json_string(o->net_aliases.v[k]));
	return a;
}

int opts_signal_number(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "ALRM", SIGALRM },
		{ "WINCH", SIGWINCH }, { "PIPE", SIGPIPE },
	};
	char *end;
	long n;

	if (*s >= '0' && *s <= '9') {
		n = strtol(s, &end, 10);
		return *end || n < 1 || n > SIGRTMAX ? -1 : (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	return -1;
}

/* -t/--time S: decimal digits only, 0 to INT_MAX seconds (an empty value is not 0) */
static int timeout_arg(const char *v, int *ret, struct pn_err *err)
{
	char *end;
	long t;

	errno = 0;
	t = strtol(v, &end, 10);
	if (!(*v >= '0' && *v <= '9') || *end || errno || t < 0 || t > INT_MAX)
		return pn_err_set(err, EINVAL, "invalid timeout \"%s\": want a number of seconds from 0 to %d", v,
				  INT_MAX);
	*ret = (int)t;
	return 0;
}

int opts_names_parse(int argc, char **argv, const char *cmd, const char *accept, struct names_opts *o,
		     struct pn_err *err)
{
	static const struct option longopts[] = { { "time", required_argument, NULL, 't' },
						  { "signal", required_argument, NULL, 's' },
						  { "all", no_argument, NULL, 'a' },
						  { "force", no_argument, NULL, 'f' },
						  { "ignore", no_argument, NULL, 'i' },
						  { "depend", no_argument, NULL, 'D' }, /* long only */
						  { NULL, 0, NULL, 0 } };
	char shorts[16] = ":"; /* GNU getopt takes options after the names too, as Podman */
	int ch;

	for (const char *a = accept; *a && strlen(shorts) < sizeof(shorts) - 2; a++) {
		size_t n = strlen(shorts);

		if (*a == 'D')
			continue;
		shorts[n] = *a;
		if (*a == 't' || *a == 's')
			shorts[++n] = ':';
		shorts[n + 1] = '\0';
	}
	*o = (struct names_opts){ .timeout = -1, .sig = SIGKILL };
	optind = 0;
	opterr = 0;
	/* a long option of another command comes back as its letter: refused as unknown */
	while ((ch = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (ch == ':' && optopt > 0 && strchr(accept, optopt))
			return pn_err_set(err, EINVAL, "%s: option %s needs a value", cmd, opts_bad_option(argc, argv));
		if (ch == '?' || ch == ':' || !strchr(accept, ch))
			return pn_err_set(err, EINVAL, "%s: unknown option %s", cmd, opts_bad_option(argc, argv));
		switch (ch) {
		case 'a': o->all = true; break;
		case 'f': o->force = true; break;
		case 'i': o->ignore = true; break;
		case 'D': o->depend = true; break;
		case 't':
			if (timeout_arg(optarg, &o->timeout, err) < 0)
				return -EINVAL;
			break;
		default:
			o->sig = opts_signal_number(optarg);
			if (o->sig < 0)
				return pn_err_set(err, EINVAL,
						  "invalid signal \"%s\": want a name such as TERM or SIGHUP, or a number", optarg);
		}
	}
	/* as Podman's rm and pod rm: -t is how long a running one gets to stop, which only -f does */
	if (o->timeout >= 0 && !o->force && strchr(accept, 'f'))
		return pn_err_set(err, EINVAL, "%s: -t/--time needs -f/--force (only -f stops what runs)", cmd);
	return optind;
}

json_t *opts_network_config(const struct run_opts *o)
{
	json_t *cfg = json_array();

	if (o->pod || o->network_none || o->network_host || o->network_container)
		return cfg;
	for (int i = 0; i < (o->networks.n ? o->networks.n : 1); i++) {
		struct netd_static st;
		json_t *aliases = opts_net_entry(o, i, &st);

		netd_net_config_add(cfg, o->networks.n ? o->networks.v[i] : NETD_DEFAULT_NETWORK, aliases, &st);
		json_decref(aliases);
	}
	return cfg;
}

static int add_host_opt(struct run_opts *o, const char *v, struct pn_err *err)
{
	if (!strchr(v, ':') || v[0] == ':')
		return pn_err_set(err, EINVAL, "invalid --add-host \"%s\": want NAME:IP or NAME:host-gateway", v);
	return str_list_add(&o->add_hosts, v, "--add-host entries", err);
}

/* the options of a sandbox's network side, which run and pod create share */
static int check_net_opts(const struct run_opts *o, struct pn_err *err)
{
	if ((o->network_none || o->network_host) && o->networks.n)
		return pn_err_set(err, EINVAL, "--network none/host cannot be combined with other networks");
	if (o->network_container && (o->networks.n || o->network_none || o->network_host))
		return pn_err_set(err, EINVAL, "--network container:%s cannot be combined with other networks",
				  o->network_container);
	/*
	 * Podman's rules: the network, its addresses, ports and name servers are the
	 * other container's; /etc/hosts and /etc/resolv.conf are its files.
	 */
	if (o->network_container && (o->ports.n || o->ip || o->ip6 || o->mac || o->aliases.n || o->dns.n ||
				     o->dns_search.n || o->dns_options.n || o->add_hosts.n))
		return pn_err_set(err, EINVAL, "conflicting options: --%s and the network mode (--network container:%s)",
				  o->ports.n ? "publish" : o->ip ? "ip" : o->ip6 ? "ip6" : o->mac ? "mac-address" :
				  o->aliases.n ? "network-alias" : o->dns.n ? "dns" : o->dns_search.n ? "dns-search" :
				  o->dns_options.n ? "dns-option" : "add-host", o->network_container);
	if (o->network_none && o->network_host)
		return pn_err_set(err, EINVAL, "--network none and host are exclusive");
	/* podman: "conflicting options: dns and the network mode" */
	if (o->network_none && (o->dns.n || o->ip || o->ip6 || o->mac || o->aliases.n))
		return pn_err_set(err, EINVAL, "conflicting options: %s and the network mode (--network none)",
				  o->dns.n ? "dns" : o->ip ? "ip" : o->ip6 ? "ip6" : o->mac ? "mac-address" : "network-alias");
	if (o->network_host && (o->ports.n || o->ip || o->ip6 || o->mac || o->aliases.n))
		return pn_err_set(err, EINVAL, "--network host takes no -p, --ip, --ip6, --mac-address or --network-alias");
	if ((o->ip || o->ip6 || o->mac) && o->networks.n > 1)
		return pn_err_set(err, EINVAL, "--ip, --ip6 and --mac-address need exactly one network "
				  "(to give several networks their own: --network NAME:ip=IP,mac=MAC)");
	if (o->ip && o->ip6 && strchr(o->ip, ':'))
		return pn_err_set(err, EINVAL, "two static IPv6 addresses (--ip %s, --ip6 %s)", o->ip, o->ip6);
	if (o->networks.n == 1) {
		struct netd_static own = o->net_static[0];
		const char *clash = NULL;

		if (o->ip && *netd_static_ip_slot(&own, o->ip))
			clash = "ip";
		else if (o->ip6 && own.ip6)
			clash = "ip6";
		else if (o->mac && own.mac)
			clash = "mac-address";
		if (clash)
			return pn_err_set(err, EINVAL, "conflicting options: --%s and the same setting in --network %s:...",
					  clash, o->networks.v[0]);
	}
	for (int i = 0; i < o->networks.n; i++)
		if (netd_name_check("network name", o->networks.v[i], NETD_NAME_MAX, err) < 0)
			return -EINVAL;
	for (int i = 0; i < o->aliases.n; i++)
		if (netd_name_check("network alias", o->aliases.v[i], NETD_NAME_MAX, err) < 0)
			return -EINVAL;
	for (int i = 0; i < o->net_aliases.n; i++)
		if (netd_name_check("network alias", o->net_aliases.v[i], NETD_NAME_MAX, err) < 0)
			return -EINVAL;
	for (int i = 0; i < (o->networks.n ? o->networks.n : 1); i++) {
		struct netd_static st;
		struct pn_ip ip, ip6;
		unsigned char mac[6];
		int r;

		opts_net_static(o, i, &st);
		r = netd_attach_parse(&st, &ip, &ip6, mac, err);
		if (r < 0)
			return r;
	}
	if (o->hostname && netd_name_check("hostname", o->hostname, 63, err) < 0)
		return -EINVAL;
	/* both end up in files others read line by line (/etc/hosts, the DNS records): no blanks, no newlines */
	for (int i = 0; i < o->add_hosts.n; i++) {
		const char *v = o->add_hosts.v[i], *colon = strchr(v, ':'), *why;
		char buf[NETD_NAME_PROBLEM_LEN];
		struct pn_ip ip;

		why = netd_name_problem(v, (size_t)(colon - v), 253, buf, sizeof(buf));
		if (why)
			return pn_err_set(err, EINVAL, "invalid --add-host \"%s\": the name is not a host name: %s", v, why);
		if (strcmp(colon + 1, "host-gateway") != 0 && pn_ip_parse(colon + 1, &ip) < 0)
			return pn_err_set(err, EINVAL, "invalid --add-host \"%s\": want NAME:IP or NAME:host-gateway", v);
	}
	for (int i = 0; i < o->dns.n; i++) {
		struct pn_ip ip;

		if (pn_ip_parse(o->dns.v[i], &ip) < 0)
			return pn_err_set(err, EINVAL, "invalid --dns \"%s\": want an IP address", o->dns.v[i]);
	}
	/* one line of /etc/resolv.conf each: names and words, no blanks */
	for (int i = 0; i < o->dns_search.n; i++) {
		const char *d = o->dns_search.v[i];
		size_t len = strlen(d);

		if (strcmp(d, ".") == 0 && o->dns_search.n == 1)
			continue;
		if (strcmp(d, ".") == 0)
			return pn_err_set(err, EINVAL, "--dns-search . (no search domains) cannot be combined with domains");
		if (len && d[len - 1] == '.')
			len--;
		if (!len || len > 253 || !netd_name_valid_n(d, len, 253) || d[0] == '.' || strstr(d, ".."))
			return pn_err_set(err, EINVAL, "invalid --dns-search \"%s\": want a domain name", d);
	}
	for (int i = 0; i < o->dns_options.n; i++) {
		const char *v = o->dns_options.v[i];

		if (!*v || strlen(v) > 64 || strpbrk(v, " \t\n\r#;"))
			return pn_err_set(err, EINVAL, "invalid --dns-option \"%s\": want one resolver option (ndots:2, edns0, ...)", v);
	}
	return 0;
}

/* --restart no|on-failure[:N]|always|unless-stopped */
static int restart_opt(struct run_opts *o, const char *v, struct pn_err *err)
{
	static const char *const policies[] = { "no", "on-failure", "always", "unless-stopped" };
	const char *colon = strchr(v, ':');
	size_t len = colon ? (size_t)(colon - v) : strlen(v);

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		if (strlen(policies[i]) != len || strncmp(v, policies[i], len) != 0)
			continue;
		o->restart = policies[i];
		o->restart_retries = 0;
		if (colon) {
			char *end;
			long n = strtol(colon + 1, &end, 10);

			if (i != 1 || !colon[1] || *end || n < 0 || n > 1000000)
				return pn_err_set(err, EINVAL, "invalid --restart \"%s\": a count goes only with on-failure (on-failure:N)", v);
			o->restart_retries = (int)n;
		}
		return 0;
	}
	return pn_err_set(err, EINVAL, "invalid --restart \"%s\": want no, on-failure[:N], always or unless-stopped", v);
}

/* -l/--label KEY[=VALUE] of run and pod create: checked as opts_label_set() will take it */
static int label_arg(struct run_opts *o, const char *v, struct pn_err *err)
{
	json_t *scratch = json_object();
	int r = scratch ? opts_label_set(scratch, v, "--label", err) : pn_err_set(err, ENOMEM, "out of memory");

	json_decref(scratch);
	return r < 0 ? r : str_list_add(&o->labels, v, "labels", err);
}

int run_opts_parse(int argc, char **argv, struct run_opts *o, struct pn_err *err)
{
	enum { O_NAME = 256, O_POD, O_NET, O_ALIAS, O_IP, O_IP6, O_MAC, O_HOSTNAME, O_ADDHOST, O_RM, O_DNS, O_STOPT, O_STOPSIG,
	       O_REPLACE, O_RESTART, O_DNS_SEARCH, O_DNS_OPT };
	static const struct option longopts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "label", required_argument, NULL, 'l' },
		{ "rm", no_argument, NULL, O_RM },
		{ "replace", no_argument, NULL, O_REPLACE },
		{ "name", required_argument, NULL, O_NAME },
		{ "pod", required_argument, NULL, O_POD },
		{ "network", required_argument, NULL, O_NET },
		{ "net", required_argument, NULL, O_NET },
		{ "network-alias", required_argument, NULL, O_ALIAS },
		{ "ip", required_argument, NULL, O_IP },
		{ "ip6", required_argument, NULL, O_IP6 },
		{ "mac-address", required_argument, NULL, O_MAC },
		{ "hostname", required_argument, NULL, O_HOSTNAME },
		{ "add-host", required_argument, NULL, O_ADDHOST },
		{ "publish", required_argument, NULL, 'p' },
		{ "dns", required_argument, NULL, O_DNS },
		{ "dns-search", required_argument, NULL, O_DNS_SEARCH },
		{ "dns-option", required_argument, NULL, O_DNS_OPT },
		{ "stop-timeout", required_argument, NULL, O_STOPT },
		{ "stop-signal", required_argument, NULL, O_STOPSIG },
		{ "restart", required_argument, NULL, O_RESTART },
		{ NULL, 0, NULL, 0 },
	};
	int c, r = 0;

	memset(o, 0, sizeof(*o));
	o->stop_timeout = 10;
	o->restart = "no";
	optind = 0;
	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, "+:dp:h:e:w:l:it", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->detach = true; break;
		case 'i': o->interactive = true; break;
		case 't': o->tty = true; break;
		case 'e':
			r = opts_env_entry_check(optarg, err);
			if (r == 0)
				r = str_list_add(&o->env, optarg, "--env entries", err);
			break;
		case 'w':
			r = opts_workdir_check(optarg, err);
			o->workdir = optarg;
			break;
		case 'l':
			r = label_arg(o, optarg, err);
			break;
		case O_RM: o->rm = true; break;
		case O_REPLACE: o->replace = true; break;
		case O_NAME: o->name = optarg; break;
		case O_POD: o->pod = optarg; break;
		case O_NET: r = network_opt(o, optarg, err); break;
		case O_ALIAS: r = str_list_add(&o->aliases, optarg, "aliases", err); break;
		case O_IP: o->ip = optarg; break;
		case O_IP6: o->ip6 = optarg; break;
		case O_MAC: o->mac = optarg; break;
		case 'h':
		case O_HOSTNAME: o->hostname = optarg; break;
		case O_ADDHOST: r = add_host_opt(o, optarg, err); break;
		case 'p': r = str_list_add(&o->ports, optarg, "published ports", err); break;
		case O_DNS: r = str_list_add(&o->dns, optarg, "DNS servers", err); break;
		case O_DNS_SEARCH: r = str_list_add(&o->dns_search, optarg, "search domains", err); break;
		case O_DNS_OPT: r = str_list_add(&o->dns_options, optarg, "resolver options", err); break;
		case O_STOPT: {
			char *end;
			long t = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || t < 0 || t > 3600)
				return pn_err_set(err, EINVAL, "invalid --stop-timeout \"%s\"", optarg);
			o->stop_timeout = (int)t;
			break;
		}
		case O_STOPSIG:
			/* as Podman: a name or a number; KILL and STOP cannot be passed on by init */
			o->stop_signal = opts_signal_number(optarg);
			if (o->stop_signal <= 0 || o->stop_signal == SIGSTOP || o->stop_signal == SIGCHLD)
				return pn_err_set(err, EINVAL, "invalid --stop-signal \"%s\": want a name such as QUIT or "
						  "SIGINT, or a number (not STOP or CHLD)", optarg);
			break;
		case O_RESTART: r = restart_opt(o, optarg, err); break;
		default:
			return bad_usage(err, "run", c, argc, argv);
		}
	}
	if (r < 0)
		return r;
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return pn_err_set(err, EINVAL, "run: missing command (podnet run [OPTIONS] -- COMMAND [ARG...])");
	o->argv = argv + optind;
	o->argc = argc - optind;
	opts_networks_default(&o->networks);
	/* a member shares the pod's network and UTS namespaces and its /etc/resolv.conf */
	if (o->pod && (o->networks.n || o->network_none || o->network_host || o->network_container || o->ports.n))
		return pn_err_set(err, EINVAL, "--network and -p belong to the pod: give them to 'podnet pod create'");
	if (o->pod && o->aliases.n)
		return pn_err_set(err, EINVAL, "--network-alias belongs to the pod: give it to 'podnet pod create'");
	if (o->pod && o->hostname)
		return pn_err_set(err, EINVAL,
				  "cannot set hostname when joining the pod UTS namespace: give --hostname to 'podnet pod create'");
	if (o->pod && (o->ip || o->ip6 || o->mac))
		return pn_err_set(err, EINVAL, "--ip, --ip6 and --mac-address belong to the pod: give them to 'podnet pod create'");
	if (o->pod && (o->dns.n || o->dns_search.n || o->dns_options.n))
		return pn_err_set(err, EINVAL,
				  "--%s belongs to the pod (its members share its /etc/resolv.conf): give it to 'podnet pod create'",
				  o->dns.n ? "dns" : o->dns_search.n ? "dns-search" : "dns-option");
	/* the pod's /etc/hosts entries, and host-gateway opens the pod's firewall, not a member's */
	if (o->pod && o->add_hosts.n)
		return pn_err_set(err, EINVAL, "--add-host belongs to the pod: give it to 'podnet pod create'");
	if (strcmp(o->restart, "no") != 0 && o->rm)
		return pn_err_set(err, EINVAL, "the --rm option conflicts with --restart (as in Podman)");
	if (strcmp(o->restart, "no") != 0 && !o->detach)
		return pn_err_set(err, EINVAL, "--restart needs -d: a monitor restarts the command, and a foreground run ends with it");
	if (o->name && netd_name_check("container name", o->name, NETD_NAME_MAX, err) < 0)
		return -EINVAL;
	return check_net_opts(o, err);
}

int pod_opts_parse(int argc, char **argv, struct run_opts *o, struct pn_err *err)
{
	enum { O_NET = 256, O_ALIAS, O_IP, O_IP6, O_MAC, O_HOSTNAME, O_ADDHOST, O_DNS, O_DNS_SEARCH, O_DNS_OPT };
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "network", required_argument, NULL, O_NET },
		{ "net", required_argument, NULL, O_NET },
		{ "publish", required_argument, NULL, 'p' },
		{ "hostname", required_argument, NULL, O_HOSTNAME },
		{ "network-alias", required_argument, NULL, O_ALIAS },
		{ "ip", required_argument, NULL, O_IP },
		{ "ip6", required_argument, NULL, O_IP6 },
		{ "mac-address", required_argument, NULL, O_MAC },
		{ "add-host", required_argument, NULL, O_ADDHOST },
		{ "dns", required_argument, NULL, O_DNS },
		{ "dns-search", required_argument, NULL, O_DNS_SEARCH },
		{ "dns-option", required_argument, NULL, O_DNS_OPT },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r = 0;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, ":n:p:l:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o->name = optarg; break;
		case O_NET: r = network_opt(o, optarg, err); break;
		case 'p': r = str_list_add(&o->ports, optarg, "published ports", err); break;
		case O_HOSTNAME: o->hostname = optarg; break;
		case O_ALIAS: r = str_list_add(&o->aliases, optarg, "aliases", err); break;
		case O_IP: o->ip = optarg; break;
		case O_IP6: o->ip6 = optarg; break;
		case O_MAC: o->mac = optarg; break;
		case O_ADDHOST: r = add_host_opt(o, optarg, err); break;
		case O_DNS: r = str_list_add(&o->dns, optarg, "DNS servers", err); break;
		case O_DNS_SEARCH: r = str_list_add(&o->dns_search, optarg, "search domains", err); break;
		case O_DNS_OPT: r = str_list_add(&o->dns_options, optarg, "resolver options", err); break;
		case 'l': r = label_arg(o, optarg, err); break;
		default: return bad_usage(err, "pod create", c, argc, argv);
		}
	}
	if (r < 0)
		return r;
	/* as Podman: the name by --name or as the one argument, not both */
	if (optind < argc && o->name)
		return pn_err_set(err, EINVAL, "pod create: cannot give both --name and a name (%s)", argv[optind]);
	if (optind < argc)
		o->name = argv[optind++];
	if (optind < argc)
		return pn_err_set(err, EINVAL, "pod create: unexpected argument %s", argv[optind]);
	if (!o->name)
		return pn_err_set(err, EINVAL, "pod create: a name is required (--name POD, or POD)");
	if (netd_name_check("pod name", o->name, NETD_NAME_MAX, err) < 0)
		return -EINVAL;
	if (o->network_container)
		return pn_err_set(err, EINVAL, "pod create: --network container:%s is not a pod's network mode",
				  o->network_container);
	opts_networks_default(&o->networks);
	return check_net_opts(o, err);
}

int opts_refs_only(int argc, char **argv, const char *cmd, struct pn_err *err)
{
	opts_options_first(argc, argv, NULL);
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		return 2;
	/* reordered: an option of any kind comes first */
	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		return pn_err_set(err, EINVAL, "%s: unknown option %s (see 'podnet %s --help')", cmd, argv[1], cmd);
	return 1;
}

int opts_label_set(json_t *obj, const char *kv, const char *what, struct pn_err *err)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	json_t *key = json_stringn(kv, klen), *val = json_string(eq ? eq + 1 : "");
	int r = 0;

	/* a key, and text the state (JSON) can hold */
	if (klen == 0 || klen >= 256 || !key || !val)
		r = pn_err_set(err, EINVAL, "invalid %s \"%s\": want KEY=VALUE", what, kv);
	else
		json_object_setn(obj, kv, klen, val); /* takes its own reference */
	json_decref(key);
	json_decref(val);
	return r;
}

json_t *opts_labels_json(const struct str_list *l, struct pn_err *err)
{
	json_t *obj = json_object();

	for (int i = 0; obj && i < l->n; i++)
		if (opts_label_set(obj, l->v[i], "--label", err) < 0) {
			json_decref(obj);
			return NULL;
		}
	return obj;
}

bool opts_labels_match(json_t *labels, const char *kv)
{
	const char *eq = strchr(kv, '=');
	json_t *v = json_object_getn(labels, kv, eq ? (size_t)(eq - kv) : strlen(kv));

	return v && (!eq || strcmp(json_string_value(v) ?: "", eq + 1) == 0);
}

int opts_env_entry_check(const char *v, struct pn_err *err)
{
	/* a name, not a line of shell: no '=' first, no NUL can come */
	if (v[0] == '\0' || v[0] == '=')
		return pn_err_set(err, EINVAL, "invalid --env \"%s\": want NAME=VALUE or NAME", v);
	if (!utf8_text(v))
		return pn_err_set(err, EINVAL, "invalid --env: \"%.40s\" is not UTF-8 text", v);
	return 0;
}

int opts_workdir_check(const char *dir, struct pn_err *err)
{
	struct stat st;

	/* Docker's rule: the working directory must be an absolute path */
	if (dir[0] != '/')
		return pn_err_set(err, EINVAL, "invalid --workdir \"%s\": it must be an absolute path", dir);
	if (!utf8_text(dir))
		return pn_err_set(err, EINVAL, "invalid --workdir: \"%.40s\" is not UTF-8 text", dir);
	if (stat(dir, &st) < 0)
		return pn_err_set(err, EINVAL, "invalid --workdir \"%s\": %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pn_err_set(err, EINVAL, "invalid --workdir \"%s\": not a directory", dir);
	return 0;
}

json_t *opts_env_json(const struct str_list *l)
{
	json_t *a = json_array();

	for (int i = 0; a && i < l->n; i++) {
		const char *v = l->v[i], *val;
		char *entry;

		if (strchr(v, '=')) {
			json_array_append_new(a, json_string(v));
			continue;
		}
		val = getenv(v);
		if (!val || !utf8_text(val)) /* unset, or a value the state (JSON) cannot hold */
			continue;
		if (asprintf(&entry, "%s=%s", v, val) < 0) {
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, json_string(entry));
		free(entry);
	}
	return a;
}

json_t *opts_add_hosts_json(const struct str_list *l, bool *host_access)
{
	json_t *a = json_array();

	*host_access = false;
	for (int i = 0; a && i < l->n; i++) {
		const char *colon = strchr(l->v[i], ':');
		char entry[320];

		if (strcmp(colon + 1, "host-gateway") == 0) {
			snprintf(entry, sizeof(entry), "%.*s:%s", (int)(colon - l->v[i]), l->v[i], NETD_HOST_GATEWAY4);
			*host_access = true;
		} else {
			snprintf(entry, sizeof(entry), "%s", l->v[i]);
		}
		json_array_append_new(a, json_string(entry));
	}
	return a;
}

int net_create_opts_parse(int argc, char **argv, struct netd_network_opts *o, struct pn_err *err)
{
	enum { O_SUBNET = 256, O_GW, O_RANGE, O_IPV6, O_INTERNAL, O_NODNS, O_LABEL, O_DRIVER, O_OPT, O_IFNAME, O_IGNORE,
	       O_DNS };
	static const struct option longopts[] = {
		{ "subnet", required_argument, NULL, O_SUBNET },
		{ "dns", required_argument, NULL, O_DNS },
		{ "gateway", required_argument, NULL, O_GW },
		{ "ip-range", required_argument, NULL, O_RANGE },
		{ "ipv6", no_argument, NULL, O_IPV6 },
		{ "internal", no_argument, NULL, O_INTERNAL },
		{ "disable-dns", no_argument, NULL, O_NODNS },
		{ "ignore", no_argument, NULL, O_IGNORE },
		{ "label", required_argument, NULL, O_LABEL },
		{ "driver", required_argument, NULL, O_DRIVER },
		{ "opt", required_argument, NULL, O_OPT },
		{ "interface-name", required_argument, NULL, O_IFNAME },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->labels = json_object();
	o->options = json_object();
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:o:", longopts, NULL)) != -1) {
		switch (c) {
		case O_SUBNET:
			if (o->nsubnets >= NETD_MAX_SUBNETS)
				return pn_err_set(err, EINVAL, "at most %d --subnet", NETD_MAX_SUBNETS);
			o->subnets[o->nsubnets++] = optarg;
			break;
		case O_GW:
			if (o->ngateways >= NETD_MAX_SUBNETS)
				return pn_err_set(err, EINVAL, "at most %d --gateway", NETD_MAX_SUBNETS);
			o->gateways[o->ngateways++] = optarg;
			break;
		case O_RANGE: o->ip_range = optarg; break;
		case O_DNS:
			if (o->ndns >= NETD_MAX_NET_DNS)
				return pn_err_set(err, EINVAL, "at most %d --dns", NETD_MAX_NET_DNS);
			o->dns[o->ndns++] = optarg;
			break;
		case O_IPV6: o->ipv6 = true; break;
		case O_INTERNAL: o->internal = true; break;
		case O_NODNS: o->disable_dns = true; break;
		case O_IGNORE: o->ignore = true; break;
		case O_IFNAME: o->bridge = optarg; break;
		case 'd':
		case O_DRIVER: o->driver = optarg; break;
		case O_LABEL:
			if (opts_label_set(o->labels, optarg, "--label", err) < 0)
				return -EINVAL;
			break;
		case 'o':
		case O_OPT:
			if (!strchr(optarg, '='))
				return pn_err_set(err, EINVAL, "invalid --opt \"%s\": want KEY=VALUE", optarg);
			if (opts_label_set(o->options, optarg, "--opt", err) < 0)
				return -EINVAL;
			break;
		default:
			return bad_usage(err, "network create", c, argc, argv);
		}
	}
	if (optind != argc - 1)
		return pn_err_set(err, EINVAL, optind >= argc ? "network create: missing network name"
							      : "network create: exactly one network name expected");
	o->name = argv[optind];
	return 0;
}

/* synopses, as in podnet(1) */
static const struct {
	const char *cmd, *text;
} usages[] = {
	{ "network", "Usage: podnet network create|ls|inspect|exists|rm|prune|connect|disconnect ...\n" },
	{ "network create", "Usage: podnet network create [--subnet CIDR]... [--gateway IP]... [--ip-range CIDR] [--ipv6]\n"
			    "       [--internal] [--disable-dns] [--label K=V]... [--driver bridge] [--opt mtu=N]\n"
			    "       [--interface-name BR] [--dns IP]... [--ignore] NAME\n" },
	{ "network exists", "Usage: podnet network exists NAME\n" },
	{ "network update", "Usage: podnet network update [--dns-add IP[,IP...]]... [--dns-drop IP[,IP...]]... NAME\n" },
	{ "network ls", "Usage: podnet network ls [-q] [--format json|table|TEMPLATE] [-f|--filter name=...|label=K[=V]|driver=...]...\n" },
	{ "network inspect", "Usage: podnet network inspect [-f json|TEMPLATE] NAME...\n" },
	{ "network rm", "Usage: podnet network rm [-f] NAME...\n" },
	{ "network prune", "Usage: podnet network prune [-f] [--filter label=KEY[=VALUE]|label!=KEY[=VALUE]]...\n" },
	{ "network connect", "Usage: podnet network connect [--ip IP] [--ip6 IP] [--alias NAME]... [--mac-address MAC] NETWORK CONTAINER|POD\n" },
	{ "network disconnect", "Usage: podnet network disconnect [-f] NETWORK CONTAINER|POD\n" },
	{ "pod", "Usage: podnet pod create|ls|inspect|exists|start|stop|restart|kill|rm|prune ...\n" },
	{ "pod exists", "Usage: podnet pod exists POD\n" },
	{ "pod create", "Usage: podnet pod create [--name] POD [--network NET[,NET...]|NET:OPT[,OPT...]|none|host]... [-p SPEC]...\n"
			"       [--hostname H] [--network-alias A]... [--ip IP] [--ip6 IP] [--mac-address MAC]\n"
			"       [--add-host NAME:IP|NAME:host-gateway]... [--dns IP]... [--dns-search DOMAIN]... [--dns-option OPT]...\n"
			"       [-l|--label KEY[=VALUE]]...\n" },
	{ "pod ls", "Usage: podnet pod ls [-q] [--format json|table|TEMPLATE]\n"
		    "       [-f|--filter name=...|id=...|status=...|network=...|ctr-names=...|ctr-number=N|label=K[=V]]...\n" },
	{ "pod inspect", "Usage: podnet pod inspect [-f json|TEMPLATE] POD...\n" },
	{ "pod start", "Usage: podnet pod start POD... | --all\n" },
	{ "pod stop", "Usage: podnet pod stop [-t S] [-i] POD... | --all\n" },
	{ "pod restart", "Usage: podnet pod restart [-t S] POD... | --all\n" },
	{ "pod kill", "Usage: podnet pod kill [-s SIGNAL] POD... | --all\n" },
	{ "pod rm", "Usage: podnet pod rm [-f] [-t S] [-i] POD... | --all\n" },
	{ "pod prune", "Usage: podnet pod prune [-f]\n" },
	{ "run", "Usage: podnet run [-d] [--rm] [-i] [-t] [--name NAME [--replace]] [--pod POD]\n"
		 "       [--network NET[,NET...]|NET:OPT[,OPT...]|none|host|container:NAME]... (OPT: ip=IP, ip6=IP, mac=MAC, alias=A)\n"
		 "       [--network-alias A]... [--ip IP] [--ip6 IP] [--mac-address MAC] [--hostname H]\n"
		 "       [--add-host NAME:IP|NAME:host-gateway]... [--dns IP]... [--dns-search DOMAIN]... [--dns-option OPT]...\n"
		 "       [-p SPEC]... [-e NAME[=VALUE]]... [-w DIR] [-l|--label KEY[=VALUE]]...\n"
		 "       [--stop-timeout S] [--stop-signal SIG] [--restart no|on-failure[:N]|always|unless-stopped] -- CMD [ARG...]\n" },
	{ "ps", "Usage: podnet ps [-a] [-q] [--format json|table|TEMPLATE]\n"
		"       [-f|--filter name=...|id=...|status=...|network=...|pod=...|exited=N|label=K[=V]]...\n" },
	{ "inspect", "Usage: podnet inspect [-f json|TEMPLATE] CONTAINER|POD...\n" },
	{ "exec", "Usage: podnet exec [-i] [-t] [-e NAME[=VALUE]]... [-w DIR] CONTAINER|POD -- CMD [ARG...]\n" },
	{ "logs", "Usage: podnet logs [-f] [--tail N] CONTAINER\n" },
	{ "port", "Usage: podnet port CONTAINER|POD [PORT[/PROTO]]\n" },
	{ "start", "Usage: podnet start [-a|--attach] CONTAINER... | --all\n" },
	{ "stop", "Usage: podnet stop [-t S] [-i] CONTAINER... | --all\n" },
	{ "restart", "Usage: podnet restart [-t S] CONTAINER... | --all\n" },
	{ "kill", "Usage: podnet kill [-s SIGNAL] CONTAINER... | --all\n" },
	{ "wait", "Usage: podnet wait CONTAINER...\n" },
	{ "rm", "Usage: podnet rm [-f] [-t S] [-i] [--depend] CONTAINER... | --all\n" },
	{ "container", "Usage: podnet container ls|run|inspect|exec|logs|port|start|stop|restart|kill|wait|rm|exists|prune ...\n"
		       "  the top-level commands of the same names (ls and list: ps), as Podman's and Docker's group\n" },
	{ "container exists", "Usage: podnet container exists CONTAINER\n" },
	{ "container prune", "Usage: podnet container prune [-f]\n" },
	{ "info", "Usage: podnet info\n" },
	{ "system", "Usage: podnet system check | reset -f\n" },
	{ "system check", "Usage: podnet system check\n" },
	{ "system reset", "Usage: podnet system reset -f\n" },
};

static const char *usage_of(const char *cmd, const char *sub)
{
	char key[64];

	snprintf(key, sizeof(key), "%s%s%s", cmd, sub ? " " : "", sub ? sub : "");
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++)
		if (strcmp(usages[i].cmd, key) == 0)
			return usages[i].text;
	return NULL;
}

static const struct {
	const char *sub, *cmd;
} container_subs[] = {
	{ "ls", "ps" }, { "list", "ps" }, { "ps", "ps" }, { "run", "run" }, { "inspect", "inspect" },
	{ "exec", "exec" }, { "logs", "logs" }, { "port", "port" }, { "start", "start" }, { "stop", "stop" },
	{ "restart", "restart" }, { "kill", "kill" }, { "wait", "wait" }, { "rm", "rm" }, { "remove", "rm" },
};

const char *opts_container_sub(const char *sub)
{
	for (size_t i = 0; i < sizeof(container_subs) / sizeof(container_subs[0]); i++)
		if (strcmp(container_subs[i].sub, sub) == 0)
			return container_subs[i].cmd;
	return NULL;
}

const char *opts_help(int argc, char **argv)
{
	/* `container SUB --help` is the top-level command's help */
	if (argc >= 3 && strcmp(argv[1], "container") == 0) {
		static char *shifted[64];
		const char *cmd = opts_container_sub(argv[2]);

		if (strcmp(argv[2], "--help") == 0)
			return usage_of("container", NULL);
		if (strcmp(argv[2], "exists") == 0 || strcmp(argv[2], "prune") == 0) {
			for (int i = 3; i < argc; i++)
				if (strcmp(argv[i], "--help") == 0)
					return usage_of("container", argv[2]);
			return NULL;
		}
		if (!cmd || argc - 1 > (int)(sizeof(shifted) / sizeof(shifted[0])))
			return NULL;
		shifted[0] = argv[0];
		shifted[1] = (char *)cmd;
		for (int i = 3; i < argc; i++)
			shifted[i - 1] = argv[i];
		return opts_help(argc - 1, shifted);
	}
	bool group = strcmp(argv[1], "network") == 0 || strcmp(argv[1], "pod") == 0 || strcmp(argv[1], "system") == 0;
	int first = 2;

	if (argc < 3)
		return NULL;
	if (group) {
		if (strcmp(argv[2], "--help") == 0)
			return usage_of(argv[1], NULL);
		first = 3;
	}
	/* run and exec end with a command of their own: only `podnet run --help` is ours */
	if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "exec") == 0)
		return strcmp(argv[2], "--help") == 0 ? usage_of(argv[1], NULL) : NULL;
	for (int i = first; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			return usage_of(argv[1], group ? argv[2] : NULL);
	return NULL;
}
