/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared pieces of the podnet CLI: the context every command gets, error
 * reporting (the CLI is the only place that prints), and the lifecycle
 * operations several commands need (tear-down, garbage collection of state
 * left by killed processes, helper supervision).
 */
#ifndef PODNET_CLI_H
#define PODNET_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <jansson.h>
#include "err.h"
#include "infra.h"
#include "paths.h"

struct netd_network;

#define EXIT_PODNET 125  /* podman's code for its own errors */

struct cli {
	struct pn_paths paths;
	int lock_fd;
	/* set by commands whose work after the netns change needs nothing of
	 * the host's namespaces (connect, disconnect): the namespace work then
	 * runs in this process, which joins U and I, instead of a worker */
	bool stay_in_infra;
	/* cli_infra() brought back a dead infra: it re-attached (and may have
	 * saved) every running sandbox, so documents loaded before are stale */
	bool infra_recovered;
};

/* a subcommand of a command group (`network`, `pod`) */
struct cli_sub {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
};

/**
 * cli_subcommand() - run the subcommand of group @group that argv[1] names
 * (argv[0] is the group), with argv from the subcommand on; @list names them
 * in the error when none is given. Return: its exit code, or EXIT_PODNET.
 */
int cli_subcommand(struct cli *c, int argc, char **argv, const char *group, const char *list,
		   const struct cli_sub *subs, size_t n);

/** cli_fail() - print "Error: <message>" once. Return: EXIT_PODNET. */
int cli_fail(const struct pn_err *err);
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cli_lock(struct cli *c, struct pn_err *err);
void cli_unlock(struct cli *c);

/**
 * cli_teardown() - undo a sandbox's networking bookkeeping (under the lock)
 * @remove: drop the state (else keep it as "exited" with @exit_code)
 *
 * Frees addresses, DNS records, host access, stops its port forwarder, updates
 * the pod it belongs to, and stops the infra when nothing runs any more.
 */
int cli_teardown(struct cli *c, json_t *doc, bool remove, int exit_code, struct pn_err *err);

/*
 * Exit codes of removed --rm containers, for `wait` (Podman keeps them about
 * 5 minutes too): `$RUN/exits/<id>`, {"id", "name", "exit_code"}, written
 * atomically under the lock just before the state is removed.
 */
#define CLI_EXIT_KEEP_SECONDS 300
/** cli_exit_record() - record the exit code of container @doc (exited, about to be removed). */
void cli_exit_record(struct cli *c, json_t *doc);
/**
 * cli_exit_lookup() - the recorded exit code of a removed container
 * @ref: its whole id, a prefix of it, or the name it had (the latest such)
 * Return: the code (>= 0), or -ENOENT (none younger than CLI_EXIT_KEEP_SECONDS).
 */
int cli_exit_lookup(struct cli *c, const char *ref);
/** cli_exits_prune() - remove the exit codes older than CLI_EXIT_KEEP_SECONDS, and temporaries of killed writers. */
void cli_exits_prune(struct cli *c);

/**
 * cli_sweep_tmp() - remove the temporaries that killed writers left in the
 * runtime and data directories (pn_sweep_stale_tmp()): when nothing runs any
 * more, and on `system check`.
 */
void cli_sweep_tmp(struct cli *c);

/** cli_gc() - tear down every sandbox whose processes are gone (under the lock). Return: count. */
int cli_gc(struct cli *c, struct pn_err *err);
/** cli_gc_list() - cli_gc(), then every sandbox left (new array; read once when nothing was stale). */
json_t *cli_gc_list(struct cli *c);
/**
 * cli_survey() - what ps and pod ps do under the lock: cli_gc(), cli_repair(),
 * helpers_repair() of every container and pod; the containers and the pods
 * left (new arrays, either pointer may be NULL). The state is read once when
 * nothing had to be torn down or rebuilt.
 */
void cli_survey(struct cli *c, json_t **ret_containers, json_t **ret_pods);

/**
 * cli_sandbox_stale() - created but its launcher died, or running but its init
 * died and no monitor is left to record that (a live monitor does it itself).
 */
bool cli_sandbox_stale(json_t *doc);
/**
 * cli_request_stop() - mark container @doc as stopped on request (stop,
 * restart, rm -f, a pod's removal), so that its restart policy does not start
 * it again, and end a monitor that waits to restart it. Nothing is read or
 * written for a container without a policy; else the state is re-read under
 * the lock (taken unless it is held).
 */
void cli_request_stop(struct cli *c, json_t *doc);
/**
 * cli_load_settled() - load sandbox @ref of @kind under the lock once it runs
 * or has exited: one another command is starting (or whose monitor is
 * recording its exit) is waited for, 5 s at most; a dead one is collected
 * first. Return: 0 with the lock held and *@ret its document, or -errno with
 * @err set and the lock released.
 */
int cli_load_settled(struct cli *c, const char *kind, const char *ref, json_t **ret, struct pn_err *err);
/** cli_load_settled_unlocked() - cli_load_settled(), the lock released on return either way. */
int cli_load_settled_unlocked(struct cli *c, const char *kind, const char *ref, json_t **ret, struct pn_err *err);
/** cli_sandbox_starting() - created, and its launcher is still setting it up. */
bool cli_sandbox_starting(json_t *doc);
/**
 * cli_pod_stop_members() - stop the inits of @pod's running members and wait for them
 * @why: warn about each, with this reason (NULL: quietly)
 * @timeout: as `stop` does: SIGTERM to all at once, then SIGKILL to each still
 *           running after @timeout seconds (-1: its own stop timeout); 0: SIGKILL
 *           at once (the pod is gone)
 * @ret_stopped: when not NULL, the ids of the members stopped here are added (as keys)
 */
void cli_pod_stop_members(struct cli *c, json_t *pod, const char *why, int timeout, json_t *ret_stopped);

/**
 * cli_infra_links_delete() - delete the interfaces @names (@n of them) in I, if
 * the infra runs (a veth's end there takes its peer with it)
 * Return: 0 (also when the infra is down), or -errno of the first that failed.
 */
int cli_infra_links_delete(struct cli *c, const char *const *names, size_t n, struct pn_err *err);

/** cli_infra() - the infra with its helpers running (starting them as needed; under the lock). */
int cli_infra(struct cli *c, struct netd_infra *inf, struct pn_err *err);

/**
 * cli_repair() - while sandboxes run: if the infra was killed, rebuild it and reattach them;
 * if podnet-dns or podnet-slirp died, restart it (ps and pod ps call this).
 * Return: 1 when the infra was rebuilt (the sandboxes' state changed), 0, or -errno.
 */
int cli_repair(struct cli *c, struct pn_err *err);

/** cli_helpers_reload() - tell the DNS responder that records changed. */
void cli_helpers_reload(struct cli *c);

/** cli_print_json() - pretty JSON on stdout. */
void cli_print_json(json_t *doc);
/**
 * cli_print_docs() - what the inspect commands print: @arr as JSON, or with a
 * template (@fmt, format.h) a line per element. Return: 0, or EXIT_PODNET after
 * printing the template's error.
 */
int cli_print_docs(json_t *arr, const char *fmt);

/**
 * cli_network_config_check() - a stopped container or pod on networks (mode
 * bridge) must record them in "network_config" to start again: one made by an
 * older podnet does not. Return: 0, or -EINVAL with @err set.
 */
int cli_network_config_check(json_t *doc, struct pn_err *err);
/**
 * cli_nets_load() - load the networks of @cfg (a "network_config", sandbox.h)
 * into @nets (CLI_MAX_LIST of them), in order, under the lock; the default
 * network is made when named. Return: their count, or -errno with @err set
 * (a network that does not exist, or one named twice; nothing left loaded).
 */
int cli_nets_load(struct cli *c, json_t *cfg, struct netd_network *nets, struct pn_err *err);
/** cli_nets_clear() - free what cli_nets_load() loaded. */
void cli_nets_clear(struct netd_network *nets, int n);
/**
 * cli_nets_plan() - netd_attach_plan() of @doc to each of @nets with the
 * static values and aliases of its @cfg entry, stopping at the first error;
 * then cli_nets_clear(). Return: 0 or -errno with @err set.
 */
int cli_nets_plan(struct cli *c, json_t *doc, json_t *cfg, struct netd_network *nets, int n, struct pn_err *err);

struct names_opts;
/* a command that acts on each sandbox it names (stop, kill, rm, their pod forms, pod start) */
struct cli_each {
	const char *cmd;        /* as in messages: "stop", "pod rm" */
	const char *accept;     /* the options it takes (opts_names_parse()) */
	const char *kind;       /* "container" or "pod" */
	bool running_only;      /* --all names only the running ones */
	/* act on @ref, printing what it prints. Return: 0, -errno with @err set,
	 * or an exit code > 0 when the error was printed already */
	int (*one)(struct cli *c, const char *ref, const struct names_opts *no, void *ctx, struct pn_err *err);
	void *ctx;
};
/**
 * cli_each_name() - parse @argv (argv[0] the command) as @e says, then call
 * @e->one for each name, or with --all each sandbox of @e->kind; an error is
 * printed and the next name taken. Return: 0, EXIT_PODNET, or the last exit
 * code of @e->one > 0.
 */
int cli_each_name(struct cli *c, int argc, char **argv, const struct cli_each *e);

/**
 * cli_joined_mark() - record that container @dep joins the network of
 * container @target (--network container:): the file
 * $RUN/ctr/TARGET/joined/DEP, made before DEP's state names TARGET, so that
 * `rm TARGET` finds its dependents without reading every container's state.
 * Return: 0, or -errno with @err set.
 */
int cli_joined_mark(struct cli *c, const char *target, const char *dep, struct pn_err *err);

/**
 * cli_joined_names() - the names of the containers that join @target's
 * network; a mark whose container is gone (or never came) is left out.
 * Return: a new array (empty without memory).
 */
json_t *cli_joined_names(struct cli *c, const char *target);

/**
 * cli_prune() - `@cmd [-f]` (container prune, pod prune): survey under the
 * lock, then call @rm for each container (@pods false) or pod whose state is
 * exited (one "created" is being started by another command, once the survey
 * has cleaned those whose command died), printing the ids it removed; an error
 * is printed and the next one taken. @rm returns 0 (removed), 1 (gone
 * meanwhile: nothing printed) or -errno with its @err set.
 * Return: 0 or EXIT_PODNET.
 */
int cli_prune(struct cli *c, int argc, char **argv, const char *cmd, bool pods,
	      int (*rm)(struct cli *c, const char *id, struct pn_err *err));

/** cli_network_used_by() - names of the sandboxes in @all (netd_sandbox_list()) attached to @net; caller decrefs. */
json_t *cli_network_used_by(json_t *all, const char *net);

int cmd_network(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_pod(struct cli *c, int argc, char **argv);
/**
 * cli_pod_up() - start pod @ref again when it has exited (its containers stay
 * as they are); nothing when it runs. Takes and releases the lock.
 * Return: 0, or -errno with @err set.
 */
int cli_pod_up(struct cli *c, const char *ref, struct pn_err *err);
/**
 * cli_pod_podman_keys() - add Podman's keys of `pod inspect` to pod document
 * @pod: Id, Name and State ("Running", "Degraded", "Exited", "Stopped" or
 * "Created", from the states of its pause process and containers, as Podman's).
 * @ctrs: every container's document, or NULL to read them.
 */
void cli_pod_podman_keys(struct cli *c, json_t *pod, json_t *ctrs);
int cmd_ps(struct cli *c, int argc, char **argv);
int cmd_inspect(struct cli *c, int argc, char **argv);
int cmd_stop(struct cli *c, int argc, char **argv);
int cmd_rm(struct cli *c, int argc, char **argv);
int cmd_exec(struct cli *c, int argc, char **argv);
int cmd_logs(struct cli *c, int argc, char **argv);
/**
 * cli_rm_one() - remove container @ref (a running one only with @force: it is
 * stopped as `stop -t @timeout` stops it, 0: killed at once).
 * Return: 0, -ENOENT when there is none, -EBUSY when it runs.
 */
int cli_rm_one(struct cli *c, const char *ref, bool force, int timeout, struct pn_err *err);
/**
 * cmd_container() - `podnet container SUB ...`, Podman's and Docker's group
 * spelling of the container commands (ls/list/ps, run, inspect, exec, logs,
 * port, start, stop, restart, kill, wait, rm/remove), plus exists and prune.
 */
int cmd_container(struct cli *c, int argc, char **argv);
/** cli_stop_signal() - what `stop` sends a container first: its --stop-signal, or SIGTERM */
int cli_stop_signal(json_t *doc);
int cmd_port(struct cli *c, int argc, char **argv);
int cmd_start(struct cli *c, int argc, char **argv);
int cmd_restart(struct cli *c, int argc, char **argv);
int cmd_kill(struct cli *c, int argc, char **argv);
int cmd_wait(struct cli *c, int argc, char **argv);
/**
 * cli_wait_exit() - wait until container @ref has exited.
 * Return: its exit code (>= 0), or -errno with @err set.
 */
int cli_wait_exit(struct cli *c, const char *ref, struct pn_err *err);
/** cli_log_path() - the log of container @doc (run -d's output) in @buf (PATH_MAX). Return: @buf. */
char *cli_log_path(struct cli *c, json_t *doc, char *buf);
/** cli_log_size() - the size of @ref's log now (0 when it has none). */
off_t cli_log_size(struct cli *c, const char *ref);
/**
 * cli_attach() - copy @ref's log from byte @off to stdout until it exits,
 * passing SIGINT and SIGTERM to its command meanwhile (Podman's sig-proxy).
 * Return: its exit code (>= 0), -errno with @err set, or 125 when the log
 * could not be read (the error printed already).
 */
int cli_attach(struct cli *c, const char *ref, off_t off, struct pn_err *err);
/**
 * cli_start_one() - start the exited container @ref again, detached (already
 * running: nothing to do); prints @ref once it runs, unless @quiet.
 * Return: 0; -errno with @err set (nothing printed); or an exit code > 0 when
 * the error was printed already (its command could not be run: 126/127).
 */
int cli_start_one(struct cli *c, const char *ref, bool quiet, struct pn_err *err);
int cmd_info(struct cli *c, int argc, char **argv);
int cmd_system(struct cli *c, int argc, char **argv);

/* shared by run and pod create: the namespace side of starting a sandbox */
struct launch {
	json_t *doc;            /* the sandbox (container or pod) */
	json_t *pod;            /* the pod a container joins, or NULL */
	json_t *net_of;         /* --network container:NAME: the running container whose network
				 * namespace, /etc/hosts and /etc/resolv.conf it shares, or NULL */
	struct netd_infra *inf;
	bool is_pod;            /* start a pause process instead of a command */
	bool network_host;
	char **argv;
	int out_fd;             /* stdout/stderr for the command (-1: inherit) */
	int exec_fd;            /* set by launch_sandbox() for a command: end of file once it
				 * runs, or its exec errno (an int) when it cannot; -1 for a pod */
};

/**
 * cli_env_apply() - put a container's "env" entries (NAME=VALUE) into this
 * process's environment, over the caller's; for a child about to exec.
 */
void cli_env_apply(json_t *env);

/**
 * launch_sandbox() - create the namespaces, attach networks and start init
 * @ret_init: the init process (in our PID namespace); it waits on @ret_go_fd
 *            for one byte before it runs the command
 *
 * Return: 0 or -errno with a message; on error nothing runs.
 */
int launch_sandbox(struct cli *c, struct launch *l, struct pn_proc_id *ret_init, int *ret_go_fd,
		   struct pn_err *err);

/**
 * cli_signals_catch() - give @sigs a no-op handler and block them, for sigwaitinfo()
 *
 * A handler matters for a PID 1: signals it has none for are never delivered.
 */
void cli_signals_catch(const int *sigs, size_t n, sigset_t *ret_set, sigset_t *ret_old);

/**
 * cli_attach_firewall() - (in I) the source guard and host access elements of @doc's attachments
 * @only_net: that network's attachment only, or NULL for all of them
 * @add: list them (before the ports exist), or remove them (after the ports are gone)
 *
 * One nftables transaction (netd_nft_port_elements()); host_allowed4/6 only
 * when @doc has host access. Return: 0 or -errno with a message.
 */
int cli_attach_firewall(json_t *doc, const char *only_net, bool add, struct pn_err *err);

/**
 * cli_sandbox_firewall_drop() - remove what cli_attach_firewall() listed for @doc
 * (@only_net, or every network), in an infra worker; nothing when no infra runs.
 * Best effort (a failure is not reported).
 */
void cli_sandbox_firewall_drop(struct cli *c, json_t *doc, const char *only_net);

/** connect_networks() - (worker) apply attachments @names of @doc to its running sandbox. */
int sandbox_netns_apply(struct cli *c, struct netd_infra *inf, json_t *doc, const char *only_net,
			bool remove, struct pn_err *err);

/**
 * write_sandbox_files() - hosts, resolv.conf, hostname into $RUN/ctr/<id>/; for a
 * pod (@pod NULL), its members' too, which follow the pod's networks
 */
int write_sandbox_files(struct cli *c, json_t *doc, json_t *pod, struct pn_err *err);

#endif
