/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network operations shared between `network` and `run`. */
#ifndef PODNET_CLI_NETCMD_H
#define PODNET_CLI_NETCMD_H

#include "cli.h"

/** network_ensure_default() - create the default network on first use (under the lock). */
int network_ensure_default(struct cli *c, struct pn_err *err);
/**
 * network_apply_infra() - if the infra runs, bring bridges and nftables up to
 * date with the networks defined, and @added (NULL: none), which is not yet.
 */
int network_apply_infra(struct cli *c, const struct netd_network *added, struct pn_err *err);

#endif
