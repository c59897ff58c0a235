// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet: the command-line front end and launcher. Parses, validates and
 * dispatches to one file per command group (table below); prints results and
 * the one error message of a failed command.
 */
#include "cli.h"
#include "fileutil.h"
#include "nftrun.h"
#include "opts.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "network", cmd_network, "manage networks (create, ls, inspect, update, rm, prune, connect, disconnect)" },
	{ "run", cmd_run, "run a command in a new container" },
	{ "pod", cmd_pod, "manage pods (create, ls, inspect, start, stop, kill, rm, prune)" },
	{ "ps", cmd_ps, "list containers" },
	{ "inspect", cmd_inspect, "show a container as JSON" },
	{ "exec", cmd_exec, "run a command in a running container" },
	{ "logs", cmd_logs, "show the output of a detached container" },
	{ "port", cmd_port, "list a container's published ports" },
	{ "start", cmd_start, "start exited containers again" },
	{ "stop", cmd_stop, "stop containers" },
	{ "restart", cmd_restart, "stop and start containers" },
	{ "kill", cmd_kill, "send a signal to containers" },
	{ "wait", cmd_wait, "wait for containers to exit, print their exit codes" },
	{ "rm", cmd_rm, "remove containers" },
	{ "container", cmd_container, "the same container commands as a group (container ls, rm, prune, ...)" },
	{ "info", cmd_info, "show the state of the infrastructure" },
	{ "system", cmd_system, "check or reset all state (system check, system reset -f)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: podnet COMMAND [OPTIONS]\n\nRootless container networking.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nSee podnet(1).\n");
}

int main(int argc, char **argv)
{
	struct cli c = { .lock_fd = -1 };
	int r;

	if (argc < 2) {
		usage(stderr);
		return EXIT_PODNET;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("podnet version %s\n", PODNET_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	{
		const char *help = opts_help(argc, argv);

		if (help) {
			fputs(help, stdout);
			return 0;
		}
	}
	/*
	 * A command lives a few milliseconds: never hand memory back to the kernel
	 * (a heap trim or munmap, and the page faults to take it again, cost more
	 * than the memory; ~0.3 ms per command with 1000 containers' records).
	 * The long-lived processes forked from here (monitors) keep little heap.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	r = pn_paths_init(&c.paths);
	if (r < 0 && c.paths.problem[0])
		return cli_failf("refusing the state directory: %s", c.paths.problem);
	if (r < 0)
		return cli_failf("cannot create podnet directories (%s, %s): %s", c.paths.data, c.paths.runtime,
				 strerror(-r));
#ifdef PODNET_CLI_STATIC
	{
		/* linked statically: libnftables runs in podnet-nft, beside us */
		char nft[PATH_MAX];

		if (pn_path(nft, "%s/podnet-nft", c.paths.libexec))
			pn_nft_use_helper(nft);
	}
#endif
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			r = commands[i].fn(&c, argc - 1, argv + 1);
			cli_unlock(&c);
			return r;
		}
	return cli_failf("unknown command \"%s\" (see 'podnet --help')", argv[1]);
}
