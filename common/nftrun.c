// SPDX-License-Identifier: GPL-2.0-or-later
/* libnftables on demand: see nftrun.h. */
#define _GNU_SOURCE
#include "nftrun.h"

#include "cleanup.h"
#include "fileutil.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char helper_path[PATH_MAX];

/* the few entry points we use, as libnftables.h declares them */
#define NFT_CTX_DEFAULT 0
#define NFT_CTX_OUTPUT_JSON (1 << 4)

struct nft_api {
	void *(*ctx_new)(unsigned int flags);
	void (*ctx_free)(void *ctx);
	void (*output_set_flags)(void *ctx, unsigned int flags);
	int (*buffer_output)(void *ctx);
	int (*buffer_error)(void *ctx);
	const char *(*get_error_buffer)(void *ctx);
	int (*run_cmd_from_buffer)(void *ctx, const char *buf);
};

static int load(struct nft_api *api, char *errbuf, size_t errlen)
{
	static void *handle;

	if (!handle)
		handle = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(errbuf, errlen, "cannot load libnftables: %s", dlerror());
		return -ENOENT;
	}
	*(void **)&api->ctx_new = dlsym(handle, "nft_ctx_new");
	*(void **)&api->ctx_free = dlsym(handle, "nft_ctx_free");
	*(void **)&api->output_set_flags = dlsym(handle, "nft_ctx_output_set_flags");
	*(void **)&api->buffer_output = dlsym(handle, "nft_ctx_buffer_output");
	*(void **)&api->buffer_error = dlsym(handle, "nft_ctx_buffer_error");
	*(void **)&api->get_error_buffer = dlsym(handle, "nft_ctx_get_error_buffer");
	*(void **)&api->run_cmd_from_buffer = dlsym(handle, "nft_run_cmd_from_buffer");
	if (!api->ctx_new || !api->ctx_free || !api->output_set_flags || !api->buffer_output ||
	    !api->buffer_error || !api->get_error_buffer || !api->run_cmd_from_buffer) {
		snprintf(errbuf, errlen, "libnftables lacks a function podnet needs");
		return -ENOENT;
	}
	return 0;
}

void pn_nft_use_helper(const char *path)
{
	snprintf(helper_path, sizeof(helper_path), "%s", path ? path : "");
}

/* one line of the helper's stderr into @errbuf */
static void one_line(char *errbuf, size_t errlen, const char *text)
{
	size_t len;

	snprintf(errbuf, errlen, "%s", text && *text ? text : "unknown error");
	len = strlen(errbuf);
	while (len && errbuf[len - 1] == '\n')
		errbuf[--len] = '\0';
	for (char *p = errbuf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static int run_helper(const char *cmds, bool json, char *errbuf, size_t errlen)
{
	struct sigaction old_pipe;
	int in[2], err[2], status;
	char msg[1024];
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(in[0]), close(in[1]), close(err[0]), close(err[1]);
		return r;
	}
	if (pid == 0) {
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
			_exit(2);
		execl(helper_path, "podnet-nft", json ? "--json" : "--text", (char *)NULL);
		dprintf(STDERR_FILENO, "cannot run %s: %s", helper_path, strerror(errno));
		_exit(2);
	}
	close(in[0]);
	close(err[1]);
	/* the helper reads all of its input before it writes anything; one that
	 * died early must not kill us with SIGPIPE */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, &old_pipe);
	(void)pn_write_all(in[1], cmds, strlen(cmds));
	close(in[1]);
	sigaction(SIGPIPE, &old_pipe, NULL);
	while (got < (ssize_t)sizeof(msg) - 1 && (n = read(err[0], msg + got, sizeof(msg) - 1 - (size_t)got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += n;
	}
	msg[got] = '\0';
	close(err[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	one_line(errbuf, errlen, msg);
	return WIFEXITED(status) && WEXITSTATUS(status) == 2 ? -ENOENT : -EIO;
}

int pn_nft_helper_main(int argc, char **argv)
{
	_cleanup_free_ char *text = NULL;
	char msg[1024];
	size_t len = 0;
	int r;

	r = pn_read_file("/dev/stdin", 16 * 1024 * 1024, &text, &len);
	if (r < 0) {
		fprintf(stderr, "podnet-nft: reading the commands: %s\n", strerror(-r));
		return 1;
	}
	r = pn_nft_run(text, argc > 1 && strcmp(argv[1], "--json") == 0, msg, sizeof(msg));
	if (r < 0)
		fprintf(stderr, "%s\n", msg);
	return r == 0 ? 0 : r == -ENOENT ? 2 : 1;
}

int pn_nft_run(const char *cmds, bool json, char *errbuf, size_t errlen)
{
	struct nft_api api;
	void *ctx;
	int r;

	if (errlen)
		errbuf[0] = '\0';
	if (helper_path[0])
		return run_helper(cmds, json, errbuf, errlen);
	r = load(&api, errbuf, errlen);
	if (r < 0)
		return r;
	ctx = api.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		snprintf(errbuf, errlen, "cannot create an nftables context");
		return -ENOMEM;
	}
	/* with JSON output set, libnftables also parses JSON input */
	if (json)
		api.output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	api.buffer_output(ctx);
	api.buffer_error(ctx);
	r = api.run_cmd_from_buffer(ctx, cmds);
	if (r != 0)
		one_line(errbuf, errlen, api.get_error_buffer(ctx));
	api.ctx_free(ctx);
	return r != 0 ? -EIO : 0;
}
