/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network definitions: validation, subnet choice, and the persistent store
 * ($DATA/networks/<name>.json, netavark's format, see podnet-network(5)).
 */
#ifndef PODNET_NETWORK_H
#define PODNET_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "err.h"
#include "ipaddr.h"
#include "paths.h"

#define NETD_NAME_MAX 63
#define NETD_MAX_SUBNETS 2
#define NETD_DEFAULT_NETWORK "podnet"

struct netd_subnet {
	struct pn_cidr subnet;
	struct pn_ip gateway;
	bool has_range;
	struct pn_ip range_start, range_end;
};

struct netd_network {
	char name[NETD_NAME_MAX + 1];
	char id[65];
	char driver[16];
	char bridge[16];
	char created[40];
	struct netd_subnet subnets[NETD_MAX_SUBNETS];
	int nsubnets;
	bool ipv6, internal, dns;
	int mtu;        /* 0 = default (1500) */
	json_t *labels; /* object, owned; may be NULL */
	json_t *options;/* object, owned; may be NULL */
	json_t *dns_servers; /* array of addresses (--dns), owned; may be NULL */
};

#define NETD_MAX_NET_DNS 8

/**
 * netd_dns_server_add() - append the address @text, in its canonical form, to
 * @list (network_dns_servers); @opt names the option in the message.
 * Return: 0, or -EINVAL with a message when @text is no IPv4 or IPv6 address.
 */
int netd_dns_server_add(json_t *list, const char *text, const char *opt, struct pn_err *err);

struct netd_network_opts {
	const char *name;
	const char *subnets[NETD_MAX_SUBNETS];
	int nsubnets;
	const char *gateways[NETD_MAX_SUBNETS];
	int ngateways;
	const char *ip_range;
	const char *bridge;
	const char *driver;
	bool ipv6, internal, disable_dns;
	bool ignore;     /* --ignore: an existing network of that name is no error (the CLI's) */
	json_t *labels;  /* borrowed */
	json_t *options; /* borrowed, string values: mtu=N */
	const char *dns[NETD_MAX_NET_DNS]; /* --dns: the network's upstream servers */
	int ndns;
};

#define NETD_NAME_PROBLEM_LEN 80
/**
 * netd_name_problem() - why the @len bytes at @s are not a name of at most @max bytes
 * (^[a-zA-Z0-9][a-zA-Z0-9_.-]*$)
 * @buf: @buflen (NETD_NAME_PROBLEM_LEN) bytes for a phrase that names a character
 *
 * Return: NULL for a valid name, else a phrase for an error message ("it is empty", ...).
 */
const char *netd_name_problem(const char *s, size_t len, size_t max, char *buf, size_t buflen);
/**
 * netd_name_check() - "invalid @what \"@name\": why" in @err unless @name is a valid name
 * of at most @max bytes (NULL counts as empty)
 *
 * Return: 0, or -EINVAL with @err set.
 */
int netd_name_check(const char *what, const char *name, size_t max, struct pn_err *err);
/** netd_name_valid() - network, container and pod names: ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$, <= 63. */
bool netd_name_valid(const char *name);
/** netd_name_valid_n() - the same pattern for the @len bytes at @s, at most @max of them (host names: 253). */
bool netd_name_valid_n(const char *s, size_t len, size_t max);

void netd_network_clear(struct netd_network *net);
/** netd_now_rfc3339() - the current UTC time with nanoseconds, as Podman writes it. */
void netd_now_rfc3339(char *buf, size_t len);
/** netd_network_from_json() - validate a definition. Return: 0 or -EINVAL with a message. */
int netd_network_from_json(json_t *doc, struct netd_network *net, struct pn_err *err);
json_t *netd_network_to_json(const struct netd_network *net);

/**
 * netd_network_build() - turn user options into a definition
 * @existing: networks already defined (their subnets and bridges are avoided)
 * @avoid: other prefixes to avoid (the host's routes)
 *
 * Return: 0 or -errno with a message naming the bad option.
 */
int netd_network_build(const struct netd_network_opts *opts, const struct netd_network *existing,
		       size_t nexisting, const struct pn_cidr *avoid, size_t navoid,
		       struct netd_network *ret, struct pn_err *err);

int netd_network_load(const struct pn_paths *p, const char *name, struct netd_network *ret,
		      struct pn_err *err);
int netd_network_save(const struct pn_paths *p, const struct netd_network *net, struct pn_err *err);
int netd_network_delete(const struct pn_paths *p, const char *name, struct pn_err *err);
/**
 * netd_network_list() - load every valid definition, sorted by name
 *
 * Invalid files are skipped (their names go to @err as a warning, return stays 0).
 */
int netd_network_list(const struct pn_paths *p, struct netd_network **ret, size_t *ret_n,
		      struct pn_err *err);
void netd_network_list_free(struct netd_network *nets, size_t n);

/** netd_subnet_first_host() - first address handed to containers (after the gateway). */
void netd_subnet_pool(const struct netd_subnet *s, struct pn_ip *first, struct pn_ip *last);

#endif
