// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the netavark front's NetworkOptions parser (the JSON
 * Podman writes to its stdin): parse the input; when it is accepted, every
 * network must have 1..NETD_MAX_SUBNETS addresses inside its subnets, a valid
 * interface name, DNS names only, a StatusBlock entry that can be built, and every port
 * mapping must fit in 1..65535. Corpus: plugins_nvk_corpus/ (documents
 * captured from Podman 4.3.1).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "front.h"
#include "nvk_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nvk_options o;
	struct pn_err err = { 0 };
	static const unsigned char mac[6] = { 0x02, 1, 2, 3, 4, 5 };

	if (nvk_options_parse((const char *)data, size, &o, &err) == 0) {
		json_t *status = json_object();

		for (size_t i = 0; i < o.nnets; i++) {
			const struct nvk_netreq *nr = &o.nets[i];

			json_t *name;
			size_t n;

			if (!pf_ifname_valid(nr->ifname) || nr->nips > NETD_MAX_SUBNETS)
				__builtin_trap();
			/* the names for the records: DNS names only (others are left out) */
			json_array_foreach(nr->names, n, name)
				if (!pf_dns_name_valid(json_string_value(name)))
					__builtin_trap();
			for (int k = 0; k < nr->nips; k++)
				if (pf_net_ip_prefix(&nr->net, &nr->ips[k]) != nr->prefixes[k])
					__builtin_trap();
			if (nvk_status_add(status, nr, mac) < 0)
				__builtin_trap();
		}
		if (json_object_size(status) != o.nnets)
			__builtin_trap();
		for (size_t i = 0; i < o.nports; i++) {
			const struct nvk_port *p = &o.ports[i];

			if (p->range < 1 || p->host_port + p->range - 1 > 65535 ||
			    p->container_port + p->range - 1 > 65535)
				__builtin_trap();
		}
		json_decref(status);
	} else if (!err.msg[0]) {
		__builtin_trap(); /* every refusal carries a message for Podman */
	}
	nvk_options_free(&o);
	return 0;
}
