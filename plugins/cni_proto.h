/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CNI protocol for podnet-bridge (CNI spec 1.0.0, plus what Podman 4.3.1
 * sends: shared/reference/cni.md): the CNI_* environment, CNI_ARGS, the
 * network configuration on stdin with runtimeConfig and prevResult, and the
 * result, version and error objects on stdout. Pure functions, unit-tested.
 *
 * podnet-bridge's configuration is the stock bridge plugin's (so a conflist
 * that Podman wrote keeps working with "type" changed), with these meanings:
 *   bridge       bridge name in the runtime's namespace (default "pncni0")
 *   isGateway    default true; false makes the network internal (no gateway,
 *                no routes, no masquerade)
 *   ipMasq       accepted; non-internal networks are always masqueraded
 *   mtu          bridge and veth MTU
 *   ipam         host-local's "ranges" (first range of each set) or "subnet",
 *                "gateway", "rangeStart", "rangeEnd"; allocation is netd's
 *                IPAM with a lease file under dataDir (type must be
 *                host-local, podnet or absent)
 *   dataDir      state directory (default /var/lib/cni/podnet)
 *   uplink       interface to masquerade out of (default: the default route's)
 *   dnsEnabled   write records files (dataDir/dns/<network>), return the
 *                gateway as name server and dns.podman as search domain
 *   aardvarkBinary  responder to start/SIGHUP on dataDir/dns (aardvark-dns or
 *                a compatible one), dnsPort (default 53)
 *   capabilities ips, mac, aliases, portMappings (runtimeConfig); published
 *                ports are DNAT rules in podnet's table (netd), like
 *                netavark's, not the stock portmap plugin's iptables chains
 */
#ifndef PODNET_PLUGINS_CNI_PROTO_H
#define PODNET_PLUGINS_CNI_PROTO_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "err.h"
#include "ipaddr.h"
#include "network.h"

/* Error codes of the CNI specification. */
enum cni_code {
	CNI_ERR_VERSION = 1,      /* incompatible CNI version */
	CNI_ERR_FIELD = 2,        /* unsupported field in network configuration */
	CNI_ERR_CONTAINER = 3,    /* container unknown or does not exist */
	CNI_ERR_ENV = 4,          /* invalid necessary environment variables */
	CNI_ERR_IO = 5,           /* I/O failure */
	CNI_ERR_DECODE = 6,       /* failed to decode content */
	CNI_ERR_CONFIG = 7,       /* invalid network config */
	CNI_ERR_AGAIN = 11,       /* try again later */
	CNI_ERR_GENERIC = 999,
};

#define CNI_DEFAULT_VERSION "1.0.0"
#define CNI_DEFAULT_BRIDGE "pncni0"
#define CNI_DEFAULT_DATADIR "/var/lib/cni/podnet"

enum cni_command { CNI_CMD_ADD, CNI_CMD_DEL, CNI_CMD_CHECK, CNI_CMD_VERSION };

struct cni_env {
	enum cni_command command;
	const char *containerid, *netns, *ifname, *args;
};

/**
 * cni_env_parse() - the CNI_* variables through @get (getenv in the plugin)
 *
 * Return: 0, or a CNI error code with a message in @err.
 */
int cni_env_parse(const char *(*get)(const char *name), struct cni_env *ret, struct pn_err *err);

struct cni_args {
	struct pn_ip ips[NETD_MAX_SUBNETS];
	int nips;
	bool has_mac;
	unsigned char mac[6];
	char pod_name[256];
};

/**
 * cni_args_parse() - CNI_ARGS: "K=V;K=V". IP (comma-separated), MAC, K8S_POD_NAME;
 * other keys are an error unless IgnoreUnknown=1|true is present.
 *
 * Return: 0 or CNI_ERR_ENV with a message.
 */
int cni_args_parse(const char *args, struct cni_args *ret, struct pn_err *err);

#define CNI_MAX_PORTS 1024

struct cni_port {
	struct pn_ip host_ip;      /* family 0: any local address */
	unsigned host_port, container_port;
	char protocol[8];          /* tcp, udp, sctp */
};

struct cni_conf {
	char version[16];
	char name[NETD_NAME_MAX + 1];
	struct netd_network net;
	bool dns;
	char aardvark[PATH_MAX];
	int dns_port;
	char data_dir[PATH_MAX];
	char uplink[IFNAMSIZ];
	struct pn_ip rt_ips[NETD_MAX_SUBNETS];   /* runtimeConfig.ips */
	int rt_nips;
	bool rt_has_mac;                          /* runtimeConfig.mac */
	unsigned char rt_mac[6];
	json_t *aliases;                          /* runtimeConfig.aliases[name], owned, may be NULL */
	struct cni_port *ports;                   /* runtimeConfig.portMappings, owned */
	size_t nports;
	json_t *prev_result;                      /* owned, may be NULL */
};

/**
 * cni_version_supported() - is @v one of the versions whose results we write?
 */
bool cni_version_supported(const char *v);

/**
 * cni_conf_parse() - the network configuration from stdin
 * @full: false for VERSION (only cniVersion matters)
 *
 * Return: 0, or a CNI error code with a message. Free with cni_conf_free() either way.
 */
int cni_conf_parse(const char *text, size_t len, bool full, struct cni_conf *ret, struct pn_err *err);
void cni_conf_free(struct cni_conf *c);

/** cni_version_doc() - the VERSION answer. Return: new reference. */
json_t *cni_version_doc(const char *conf_version);

/** cni_error_doc() - an error object. @details may be NULL. Return: new reference. */
json_t *cni_error_doc(const char *version, int code, const char *msg, const char *details);

struct cni_iface {
	const char *name;
	unsigned char mac[6];
	const char *sandbox;   /* NULL for interfaces outside the container */
};

/**
 * cni_result_doc() - an ADD result: interfaces (bridge, host veth, container
 * interface last), addresses on the container interface, default routes
 * unless internal, DNS when enabled.
 *
 * Return: new reference.
 */
json_t *cni_result_doc(const struct cni_conf *conf, const struct cni_iface ifaces[3],
		       const struct pn_ip *ips, const int *prefixes, int nips);

struct cni_prev {
	char ifname[IFNAMSIZ];
	bool has_mac;
	unsigned char mac[6];
	struct pn_ip ips[NETD_MAX_SUBNETS];
	int prefixes[NETD_MAX_SUBNETS];
	int nips;
};

/**
 * cni_prev_parse() - what CHECK verifies: the container interface of a
 * prevResult (the one with a sandbox named @ifname) and its addresses.
 *
 * Return: 0 or CNI_ERR_DECODE with a message.
 */
int cni_prev_parse(json_t *prev, const char *ifname, struct cni_prev *ret, struct pn_err *err);

#endif
