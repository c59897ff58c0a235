// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The raw nfnetlink batch of an attachment's set elements (netd/nfnl.c,
 * netd_nft_elems_*): applied to the sets netd's own ruleset declares, in a
 * private network namespace, and read back with nft(8). Checks the key
 * layout the kernel stores (ifname . address), removal (also of absent
 * elements) and the error when a set is missing (the caller then falls back
 * to libnftables).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nfnl.h"
#include "nft.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NFT "/usr/sbin/nft"

static char *run(const char *cmd)
{
	static char out[8192];
	FILE *f = popen(cmd, "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

/* a network namespace of our own, with netd's (empty) ruleset: its tables and sets */
static int setup(void **state)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	json_t *rules;
	char *text;
	FILE *f;

	(void)state;
	if (access(NFT, X_OK) < 0)
		return -1;
	if (uid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			return -1;
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		write_file("/proc/self/setgroups", "deny");
		if (write_file("/proc/self/uid_map", map) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	rules = netd_nft_ruleset(NULL, 0);
	text = json_dumps(rules, JSON_COMPACT);
	json_decref(rules);
	f = popen(NFT " -j -f -", "w");
	if (!f || !text)
		return -1;
	fputs(text, f);
	free(text);
	return pclose(f) == 0 ? 0 : -1;
}

static struct pn_ip ip(const char *s)
{
	struct pn_ip a;

	assert_int_equal(pn_ip_parse(s, &a), 0);
	return a;
}

static int raw(const char *ifname, const struct pn_ip *ips, int n, bool host_access, bool add)
{
	struct netd_nft_elems e;
	int r;

	netd_nft_elems_init(&e);
	assert_int_equal(netd_nft_elems_add(&e, ifname, ips, n, add), 0);
	if (host_access)
		assert_int_equal(netd_nft_elems_host(&e, ips, n, add), 0);
	/* the batch alone, without the libnftables fallback of netd_nft_elems_commit() */
	r = netd_nfnl_commit(&e.nl);
	json_decref(e.cmds);
	return r;
}

static void test_add_remove(void **state)
{
	struct pn_ip ips[2] = { ip("10.1.2.3"), ip("fd00:1::3") };
	char *out;

	(void)state;
	assert_int_equal(raw("pnv0abc", ips, 2, true, true), 0);
	assert_int_equal(raw("pnv1", ips, 1, false, true), 0);
	/* adding again is no error */
	assert_int_equal(raw("pnv1", ips, 1, false, true), 0);
	out = run(NFT " list set bridge podnet " NETD_NFT_PORT_ADDRS4);
	assert_non_null(strstr(out, "\"pnv0abc\" . 10.1.2.3"));
	assert_non_null(strstr(out, "\"pnv1\" . 10.1.2.3"));
	out = run(NFT " list set bridge podnet " NETD_NFT_PORT_ADDRS6);
	assert_non_null(strstr(out, "\"pnv0abc\" . fd00:1::3"));
	assert_null(strstr(out, "pnv1"));
	out = run(NFT " list set bridge podnet " NETD_NFT_GUARDED);
	assert_non_null(strstr(out, "\"pnv0abc\""));
	assert_non_null(strstr(out, "\"pnv1\""));
	out = run(NFT " list set inet podnet host_allowed4");
	assert_non_null(strstr(out, "10.1.2.3"));
	out = run(NFT " list set inet podnet host_allowed6");
	assert_non_null(strstr(out, "fd00:1::3"));

	assert_int_equal(raw("pnv0abc", ips, 2, true, false), 0);
	/* removing what is not there is no error either */
	assert_int_equal(raw("pnv0abc", ips, 2, true, false), 0);
	out = run(NFT " list set bridge podnet " NETD_NFT_PORT_ADDRS4);
	assert_null(strstr(out, "pnv0abc"));
	assert_non_null(strstr(out, "\"pnv1\" . 10.1.2.3"));
	out = run(NFT " list set bridge podnet " NETD_NFT_GUARDED);
	assert_null(strstr(out, "pnv0abc"));
	out = run(NFT " list set inet podnet host_allowed4");
	assert_null(strstr(out, "10.1.2.3"));
	assert_int_equal(raw("pnv1", ips, 1, false, false), 0);
}

static void test_missing_set_fails_whole(void **state)
{
	struct pn_ip ips[1] = { ip("10.1.2.4") };
	char *out;

	(void)state;
	run(NFT " delete table bridge podnet 2>&1");
	/* a missing table: the whole batch fails, nothing of it is applied (not host_allowed4) */
	assert_true(raw("pnv2", ips, 1, true, true) < 0);
	out = run(NFT " list set inet podnet host_allowed4");
	assert_null(strstr(out, "10.1.2.4"));
	/* what callers do then: libnftables creates the set with the elements */
	{
		struct netd_nft_elems e;
		struct pn_err err = { 0 };

		netd_nft_elems_init(&e);
		assert_int_equal(netd_nft_elems_add(&e, "pnv2", ips, 1, true), 0);
		assert_int_equal(netd_nft_elems_host(&e, ips, 1, true), 0);
		if (netd_nft_elems_commit(&e, &err) == 0) {
			out = run(NFT " list set inet podnet host_allowed4");
			assert_non_null(strstr(out, "10.1.2.4"));
			out = run(NFT " list set bridge podnet " NETD_NFT_GUARDED);
			assert_non_null(strstr(out, "\"pnv2\""));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_missing_set_fails_whole),
	};

	if (setup(NULL) < 0) {
		printf("# skipped: no private network namespace with nft(8) here\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
