/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Supervision of the helper daemons from the CLI: the DNS responder and the
 * slirp uplink (one per infra), the port forwarders (one per sandbox with
 * published ports). Each helper's own library does the starting; this file
 * decides when.
 */
#ifndef PODNET_CLI_HELPERS_H
#define PODNET_CLI_HELPERS_H

#include <stdbool.h>
#include <jansson.h>
#include "cli.h"

/** helpers_ensure() - start the per-infra helpers that are not running. */
int helpers_ensure(struct cli *c, struct netd_infra *inf, bool infra_started, struct pn_err *err);
void helpers_reload(struct cli *c);
void helpers_stop_all(struct cli *c);
/** helpers_sandbox_started() - start the sandbox's port forwarder (ports in doc). */
int helpers_sandbox_started(struct cli *c, struct netd_infra *inf, json_t *doc, struct pn_err *err);
void helpers_sandbox_stopped(struct cli *c, json_t *doc);
/**
 * helpers_ports_follow() - after a network connect or disconnect, keep the published ports served
 *
 * Restarts the forwarder (same host ports) when, for a family it forwards
 * to, the address of the interface holding the default route changed (the
 * old one is gone, or a new network took the route), or when the sandbox
 * had none and has one now; stops it, with a warning, when the sandbox is
 * left on no network. The caller saves @doc.
 * Return: 0 or -errno with @err set.
 */
int helpers_ports_follow(struct cli *c, struct netd_infra *inf, json_t *doc, struct pn_err *err);
/** portfwd_stop_by_id() - stop a forwarder knowing only the sandbox id. */
void portfwd_stop_by_id(struct cli *c, const char *id);
/** helpers_repair() - restart forwarders of running sandboxes that died. Return: count. */
int helpers_repair(struct cli *c, json_t *docs);
/** helpers_status() - JSON for `podnet info`. */
json_t *helpers_status(struct cli *c);
void cli_mark_live(struct cli *c, const char *id, bool live);



struct run_opts;
/** helpers_validate_ports() - parse every -p spec before anything is created. */
int helpers_validate_ports(struct cli *c, const struct run_opts *o, struct pn_err *err);
/**
 * helpers_ports_taken() - a fixed host port of @o's -p that a running sandbox
 * other than @except_id publishes. Return: 0, or -EADDRINUSE with a message.
 */
int helpers_ports_taken(struct cli *c, const struct run_opts *o, const char *except_id, struct pn_err *err);
#endif
