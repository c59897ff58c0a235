/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line parsing for the commands with many options, kept apart from
 * the commands so that unit tests can drive it: argv in, a struct out, or an
 * error that names the bad option.
 */
#ifndef PODNET_CLI_OPTS_H
#define PODNET_CLI_OPTS_H

#include <stdbool.h>
#include <jansson.h>
#include "err.h"
#include "network.h"
#include "sandbox.h"

#define CLI_MAX_LIST 32

struct str_list {
	const char *v[CLI_MAX_LIST];
	int n;
};

struct run_opts {
	bool detach, rm, interactive, tty, replace;
	const char *name, *pod, *hostname, *ip, *ip6, *mac;
	struct str_list networks;   /* split on ',' */
	/*
	 * --network NAME:ip=IP,ip6=IP,mac=MAC,alias=A (Podman's syntax): one
	 * network's own settings, by its index in networks; its aliases are in
	 * net_aliases, each with the index of its network in net_alias_of.
	 * opts_net_entry() merges them with --ip, --ip6, --mac-address and
	 * --network-alias.
	 */
	struct netd_static net_static[CLI_MAX_LIST];
	struct str_list net_aliases;
	unsigned char net_alias_of[CLI_MAX_LIST];
	struct str_list aliases, add_hosts, ports, dns;
	struct str_list dns_search, dns_options; /* --dns-search, --dns-option: the sandbox's /etc/resolv.conf */
	struct str_list env;        /* -e NAME=VALUE or NAME (the caller's value, if set) */
	const char *workdir;        /* -w/--workdir: an absolute path (default: the caller's directory) */
	struct str_list labels;     /* -l/--label KEY[=VALUE] */
	bool network_none, network_host;
	const char *network_container; /* --network container:NAME: join that container's network namespace */
	int stop_timeout;
	int stop_signal;            /* --stop-signal: what stop sends first (0: SIGTERM) */
	const char *restart;        /* --restart: "no", "on-failure", "always" or "unless-stopped" */
	int restart_retries;        /* on-failure:N (0: no limit) */
	char **argv;                /* the command, NULL-terminated */
	const char *again;          /* `start`: the id of an exited container to start again
				     * (its document gives the rest; name, pod, argv and the
				     * network mode are copied here from it) */
	int again_exit_code;        /* ... and its exit code, kept if it cannot start */
	bool by_policy;             /* ... by its monitor's restart policy: not after a stop was asked for */
	bool quiet;                 /* ... printing nothing once it runs (start -a) */
	int argc;
	char netbuf[1024];          /* storage for the split --network values */
	size_t netbuf_used;
};

/**
 * opts_net_static() - the static addresses and MAC network @i of @o asks for:
 * its own NAME:OPTS, or --ip/--ip6/--mac-address, which need a single network;
 * with no --network, @i 0 is the default network.
 */
void opts_net_static(const struct run_opts *o, int i, struct netd_static *ret);

/**
 * opts_net_entry() - opts_net_static(), and network @i's aliases.
 * Return: a new array of them (--network-alias, which every network gets,
 * then its own alias=), NULL without memory.
 */
json_t *opts_net_entry(const struct run_opts *o, int i, struct netd_static *ret);

/**
 * opts_network_config() - the networks a new sandbox asks for, in order: its
 * "network_config" (sandbox.h); the default network when none is named, none
 * for --network none/host/container:NAME or a pod's member. Return: a new array.
 */
json_t *opts_network_config(const struct run_opts *o);

/** opts_signal_number() - "KILL", "SIGKILL", "kill" or "9": the signal number, or -1. */
int opts_signal_number(const char *s);

/*
 * the options of the commands that act on names (stop, kill, rm, their pod
 * forms, pod start); "--" ends the options, as everywhere
 */
struct names_opts {
	int timeout;   /* -t/--time S; -1 when not given */
	int sig;       /* -s/--signal SIGNAL; SIGKILL when not given */
	bool all;      /* -a/--all */
	bool force;    /* -f/--force */
	bool ignore;   /* -i/--ignore: a name that does not exist is no error */
	bool depend;   /* --depend (rm): first the containers on this one's network (container:) */
};

/**
 * opts_names_parse() - those of -t, -s, -a, -f, -i and --depend (D) (long
 * forms too) that @accept lists by their letters ("tai" for stop); any other
 * is refused as unknown, named in the message with @cmd. A -t value is a
 * number of seconds from 0 to INT_MAX: anything else (empty, not a number,
 * out of range) is refused, never taken as 0.
 * Return: the index of the first name, or -EINVAL with a message.
 */
int opts_names_parse(int argc, char **argv, const char *cmd, const char *accept, struct names_opts *o,
		     struct pn_err *err);

/** run_opts_parse() - `run` options (argv[0] is "run"). Return: 0 or -EINVAL with a message. */
int run_opts_parse(int argc, char **argv, struct run_opts *o, struct pn_err *err);

/**
 * pod_opts_parse() - `pod create` options (argv[0] is "create"): the network side of
 * `run` (networks, -p, --hostname, --network-alias, --ip, --mac-address, --add-host,
 * --dns), which a pod's members share; the pod's name by --name or, as Podman 4
 * takes it, as the one argument (not both). Return: 0 or -EINVAL with a message.
 */
int pod_opts_parse(int argc, char **argv, struct run_opts *o, struct pn_err *err);

/**
 * opts_env_json() - the -e entries as the command gets them: NAME=VALUE as
 * given, a bare NAME with the caller's value (left out when the caller has none,
 * as in Podman). Return: a new array of "NAME=VALUE" (NULL without memory).
 */
json_t *opts_env_json(const struct str_list *l);

/**
 * opts_add_hosts_json() - the --add-host entries as stored ("NAME:IP"), with
 * host-gateway replaced by the address that reaches the host.
 * @host_access: set when one of them was host-gateway (the sandbox may reach the host)
 * Return: a new array (NULL without memory).
 */
json_t *opts_add_hosts_json(const struct str_list *l, bool *host_access);

/** net_create_opts_parse() - `network create` options. @labels/@options are new objects. */
int net_create_opts_parse(int argc, char **argv, struct netd_network_opts *o, struct pn_err *err);

/**
 * opts_options_first() - reorder @argv[1..] in place so that its options (and
 * the value of each option named in @with_value, a NULL-terminated list) come
 * before the other arguments, keeping the order of each: Podman and Docker
 * take `rm web -f` as `rm -f web`. A "--" ends the options: it comes right
 * after them, and every argument after it follows the others (`rm a -- b`
 * becomes `rm -- a b`), as GNU getopt orders them.
 */
void opts_options_first(int argc, char **argv, const char *const *with_value);
/** opts_inspect_first() - opts_options_first() for the inspect commands (-f/--format FMT) */
void opts_inspect_first(int argc, char **argv);

/**
 * opts_force() - the command line of a command whose one option is -f/--force
 * (before or after the names, opts_options_first()); "--" ends the options.
 * @cmd: the command, as in messages ("network rm")
 * Return: the index of the first name, or -EINVAL with a message for any other option.
 */
int opts_force(int argc, char **argv, const char *cmd, bool *force, struct pn_err *err);

/**
 * opts_refs_only() - the command line of a command that takes only names
 * (argv[0] is the command, @cmd as in messages): no option; "--" may come
 * before the names (or among them: opts_options_first()). The caller checks
 * their number.
 * Return: the index of the first name, or -EINVAL with a message.
 */
int opts_refs_only(int argc, char **argv, const char *cmd, struct pn_err *err);

/** opts_timeout_ms() - a -t timeout of @seconds in milliseconds, at most INT_MAX */
int opts_timeout_ms(int seconds);

/** str_list_add() - append, failing with a message past CLI_MAX_LIST. */
int str_list_add(struct str_list *l, const char *v, const char *what, struct pn_err *err);

/** str_list_json() - @l as a new JSON array of strings. */
json_t *str_list_json(const struct str_list *l);

/**
 * opts_networks_default() - Podman's network mode "bridge" names the default network
 * (`--network bridge`, also among others: `--network bridge,backend`); no network
 * can be created with that name.
 */
void opts_networks_default(struct str_list *l);

/**
 * opts_bad_option() - after getopt_long() returned '?' or ':', the option it
 * stopped at as the user wrote it ("-i" of "-it", "--bogus"). Static storage.
 */
const char *opts_bad_option(int argc, char **argv);

/**
 * opts_help() - the synopsis to print for `podnet ARGS` when it asks for help
 * (`--help` after a command or subcommand; for run and exec only right after
 * the command, since what follows may be the container's own command line).
 * @argc/@argv: podnet's own, argv[1] the command
 * Return: the text, or NULL when no help is asked for (or the command is unknown).
 */
const char *opts_help(int argc, char **argv);

/** opts_container_sub() - the top-level command that `container @sub` is, or NULL (exists, prune, unknown) */
const char *opts_container_sub(const char *sub);

/**
 * opts_env_entry_check() - @v is a -e/--env value: NAME=VALUE or NAME, UTF-8.
 * Return: 0, or -EINVAL with @err naming the problem.
 */
int opts_env_entry_check(const char *v, struct pn_err *err);

/** opts_workdir_check() - @dir is a -w/--workdir value: an absolute path of a directory. */
int opts_workdir_check(const char *dir, struct pn_err *err);

/**
 * opts_label_set() - put "KEY=VALUE" (or "KEY": an empty value) into object @obj,
 * as --label and --opt are given. @what names the option in errors.
 * Return: 0, or -EINVAL with @err set.
 */
int opts_label_set(json_t *obj, const char *kv, const char *what, struct pn_err *err);

/** opts_labels_json() - @l's --label entries as an object; NULL for a bad one (@err set). */
json_t *opts_labels_json(const struct str_list *l, struct pn_err *err);

/** opts_labels_match() - whether @labels has KEY (and VALUE) of a `label=KEY[=VALUE]` filter value @kv */
bool opts_labels_match(json_t *labels, const char *kv);

#endif
