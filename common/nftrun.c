// SPDX-License-Identifier: GPL-2.0-or-later
/* libnftables on demand: see nftrun.h. */
#define _GNU_SOURCE
#include "nftrun.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

int pn_nft_run(const char *cmds, bool json, char *errbuf, size_t errlen)
{
	struct nft_api api;
	void *ctx;
	int r;

	if (errlen)
		errbuf[0] = '\0';
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
	if (r != 0) {
		const char *msg = api.get_error_buffer(ctx);
		size_t len;

		snprintf(errbuf, errlen, "%s", msg && *msg ? msg : "unknown error");
		len = strlen(errbuf);
		while (len && errbuf[len - 1] == '\n')
			errbuf[--len] = '\0';
		for (char *p = errbuf; *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	api.ctx_free(ctx);
	return r != 0 ? -EIO : 0;
}
