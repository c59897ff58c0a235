// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for podnet-bridge's CNI network configuration parser (the
 * JSON a CNI runtime writes to its stdin, with runtimeConfig and prevResult),
 * and for CNI_ARGS: the input is parsed as a full configuration, as a VERSION
 * request and as CNI_ARGS; an accepted configuration must give a network with
 * 1..NETD_MAX_SUBNETS subnets and a result document, and its prevResult (if
 * any) goes through CHECK's parser. Corpus: plugins_cni_corpus/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cni_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_conf c;
	struct cni_args a;
	struct pn_err err = { 0 };
	char *args;

	if (cni_conf_parse((const char *)data, size, true, &c, &err) == 0) {
		struct cni_iface ifs[3] = { { .name = "br" }, { .name = "veth" }, { .name = "eth0", .sandbox = "/ns" } };
		struct pn_ip ips[NETD_MAX_SUBNETS];
		int prefixes[NETD_MAX_SUBNETS];
		json_t *res;

		if (c.net.nsubnets < 1 || c.net.nsubnets > NETD_MAX_SUBNETS || !cni_version_supported(c.version))
			__builtin_trap();
		for (int i = 0; i < c.net.nsubnets; i++) {
			ips[i] = c.net.subnets[i].subnet.addr;
			prefixes[i] = c.net.subnets[i].subnet.prefix;
		}
		res = cni_result_doc(&c, ifs, ips, prefixes, c.net.nsubnets);
		if (!res)
			__builtin_trap();
		json_decref(res);
		if (c.prev_result) {
			struct cni_prev prev;

			cni_prev_parse(c.prev_result, "eth0", &prev, NULL);
		}
		for (size_t i = 0; i < c.nports; i++)
			if (c.ports[i].host_port < 1 || c.ports[i].host_port > 65535)
				__builtin_trap();
	}
	cni_conf_free(&c);
	cni_conf_parse((const char *)data, size, false, &c, NULL);
	json_decref(cni_version_doc(c.version));
	cni_conf_free(&c);

	args = malloc(size + 1);
	if (args) {
		memcpy(args, data, size);
		args[size] = '\0';
		cni_args_parse(args, &a, NULL);
		free(args);
	}
	return 0;
}
