/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netavark protocol as Podman 4.3.1 speaks it (shared/reference/
 * netavark-protocol.md): the command line, the NetworkOptions document on
 * stdin, the StatusBlock map and the error object on stdout. Pure functions:
 * no I/O, so they are unit-tested with the documents captured from Podman.
 */
#ifndef PODNET_PLUGINS_NVK_PROTO_H
#define PODNET_PLUGINS_NVK_PROTO_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "err.h"
#include "ipaddr.h"
#include "network.h"
#include "sandbox.h"

enum nvk_command { NVK_NONE, NVK_SETUP, NVK_TEARDOWN, NVK_VERSION, NVK_UPDATE };

struct nvk_args {
	enum nvk_command command;
	const char *config;        /* --config, default /run/containers/networks */
	bool rootless;
	const char *aardvark;      /* --aardvark-binary, may be "" */
	const char *file;          /* -f: read options from this file instead of stdin */
	const char *netns;         /* setup/teardown argument */
	bool print_version;        /* --version */
};

/**
 * nvk_args_parse() - netavark's command line
 *
 * Return: 0, or -EINVAL with a usage message (exit code 2, like netavark).
 */
int nvk_args_parse(int argc, char **argv, struct nvk_args *ret, struct pn_err *err);

#define NVK_MAX_PORTS 1024

struct nvk_port {
	struct pn_ip host_ip;      /* family 0 = all addresses */
	unsigned container_port, host_port, range;
	char protocol[8];          /* tcp, udp, sctp */
};

struct nvk_netreq {
	struct netd_network net;   /* from network_info */
	char ifname[IFNAMSIZ];
	struct pn_ip ips[NETD_MAX_SUBNETS];
	int prefixes[NETD_MAX_SUBNETS];
	int nips;
	bool has_mac;
	unsigned char mac[6];
	json_t *names;             /* container name, then the aliases: those that are DNS names (owned) */
};

struct nvk_options {
	char container_id[130];
	char *container_name;      /* as Podman sent it (owned); in the records only if a DNS name */
	struct nvk_netreq *nets;   /* sorted by interface name */
	size_t nnets;
	struct nvk_port *ports;
	size_t nports;
};

/**
 * nvk_options_parse() - validate a NetworkOptions document completely
 *
 * Unknown keys are ignored; every value we use is checked (ids usable in
 * records files, interface names, addresses inside the network's subnets).
 * A container name or alias that cannot be a DNS name (pf_dns_name_valid():
 * too long, a label over 63 characters, a character outside [A-Za-z0-9_.-])
 * is left out of the names, not refused: netavark accepts such names.
 * Return: 0 or -EINVAL with a message. Free with nvk_options_free() either way.
 */
int nvk_options_parse(const char *text, size_t len, struct nvk_options *ret, struct pn_err *err);
void nvk_options_free(struct nvk_options *o);

/**
 * nvk_status_add() - add @req's network to a StatusBlock map being built
 * @mac: the container interface's MAC as created
 *
 * Return: 0 or -ENOMEM.
 */
int nvk_status_add(json_t *status, const struct nvk_netreq *req, const unsigned char mac[6]);

/** nvk_error_doc() - {"error": @msg}. Return: new reference. */
json_t *nvk_error_doc(const char *msg);

/** nvk_version_doc() - the `version` subcommand's document. Return: new reference. */
json_t *nvk_version_doc(void);

#endif
