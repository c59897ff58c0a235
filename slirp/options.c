// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict command-line parsing for podnet-slirp: see options.h. */
#include "options.h"
#include "ids.h"
#include "podnet_slirp.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char slirp_usage[] =
	"usage: podnet-slirp --netns-fd FD [--userns-fd FD] --holder PID:STARTTIME\n"
	"                    [--runtime-dir DIR] [--ready-fd FD] [--mtu N] [--ipv6 auto|on|off]\n"
	"                    [--no-host-loopback] [--tcp-fastpath on|off] [--debug]\n";

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_onoff(const char *s, bool allow_auto, enum slirp_tristate *ret)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "on"))
		*ret = SLIRP_ON;
	else if (!strcmp(s, "off"))
		*ret = SLIRP_OFF;
	else if (allow_auto && !strcmp(s, "auto"))
		*ret = SLIRP_AUTO;
	else
		return -EINVAL;
	return 0;
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(errbuf, errlen, __VA_ARGS__); \
		return -EINVAL;                     \
	} while (0)

int slirp_options_parse(int argc, char **argv, struct slirp_options *o, char *errbuf,
			size_t errlen)
{
	bool have_holder = false;

	memset(o, 0, sizeof(*o));
	o->userns_fd = o->netns_fd = o->ready_fd = -1;
	o->mtu = PN_SLIRP_MTU;
	o->ipv6 = SLIRP_AUTO;
	o->host_loopback = true;
	o->tcp_fastpath = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long n;
		enum slirp_tristate t;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
			return 0;
		} else if (!strcmp(a, "--version")) {
			o->version = true;
			return 0;
		} else if (!strcmp(a, "--debug")) {
			o->debug = true;
		} else if (!strcmp(a, "--no-host-loopback")) {
			o->host_loopback = false;
		} else if (!strcmp(a, "--userns-fd") || !strcmp(a, "--netns-fd") ||
			   !strcmp(a, "--ready-fd")) {
			if (parse_uint(v, 0, INT_MAX, &n) < 0)
				FAIL("%s wants a descriptor number", a);
			if (a[2] == 'u')
				o->userns_fd = (int)n;
			else if (a[2] == 'n')
				o->netns_fd = (int)n;
			else
				o->ready_fd = (int)n;
			i++;
		} else if (!strcmp(a, "--holder")) {
			if (pn_proc_id_parse(v, ':', &o->holder) < 0)
				FAIL("--holder wants PID:STARTTIME");
			have_holder = true;
			i++;
		} else if (!strcmp(a, "--runtime-dir")) {
			if (!v || v[0] != '/' || strlen(v) >= PATH_MAX - 64)
				FAIL("--runtime-dir wants an absolute path");
			o->runtime_dir = v;
			i++;
		} else if (!strcmp(a, "--mtu")) {
			if (parse_uint(v, 1280, PN_SLIRP_MTU, &n) < 0)
				FAIL("--mtu wants a number from 1280 to %d", PN_SLIRP_MTU);
			o->mtu = (unsigned)n;
			i++;
		} else if (!strcmp(a, "--ipv6")) {
			if (parse_onoff(v, true, &o->ipv6) < 0)
				FAIL("--ipv6 wants auto, on or off");
			i++;
		} else if (!strcmp(a, "--tcp-fastpath")) {
			if (parse_onoff(v, false, &t) < 0)
				FAIL("--tcp-fastpath wants on or off");
			o->tcp_fastpath = t == SLIRP_ON;
			i++;
		} else {
			FAIL("unknown argument '%s'", a);
		}
	}
	if (o->netns_fd < 0)
		FAIL("--netns-fd is required");
	if (!have_holder)
		FAIL("--holder is required");
	if (o->netns_fd == o->userns_fd || (o->ready_fd >= 0 && (o->ready_fd == o->netns_fd ||
								 o->ready_fd == o->userns_fd)))
		FAIL("descriptor numbers must differ");
	return 0;
}
