/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transparent source addresses for published ports: the plumbing in I that
 * lets podnet-portfwd show a container the real client address (the three
 * idempotent pieces described in portfwd.h and docs/ports.md: nft table
 * `inet podnet_portfwd`, a policy rule per family, a local route per family).
 * The CLI sets it up in an infra worker each time it starts a forwarder and
 * passes the outcome to portfwd_start(), so the forwarder itself never loads
 * libnftables or speaks rtnetlink (it is linked statically).
 */
#ifndef PODNET_TPROXY_H
#define PODNET_TPROXY_H

#include "infra.h"
#include "portfwd.h"

/**
 * netd_tproxy_apply() - set up the plumbing in the current netns (must be I)
 * @ret: receives the families that work and, for those that do not, why
 *
 * Idempotent: the nft table is replaced whole, an existing rule or route is
 * kept. A family whose rule or route fails is left out; when the table
 * cannot be loaded, neither family works.
 * Return: 0 when at least one family works, else a negative errno.
 */
int netd_tproxy_apply(struct pn_portfwd_source *ret);

/**
 * netd_tproxy_setup() - netd_tproxy_apply() in I, from a worker of @inf
 * @ret: as for netd_tproxy_apply(); also filled when the worker cannot run
 *
 * A failure is not fatal for the caller: the forwarder then runs in fallback
 * mode and reports @ret->reason.
 * Return: 0 when at least one family works, else a negative errno.
 */
int netd_tproxy_setup(const struct netd_infra *inf, struct pn_portfwd_source *ret);

#endif
