// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests of dns/client.c against the real podnet-dns binary (PODNET_DNS_BIN,
 * set by ctest): start with dns_ensure() in a private network namespace
 * (and a private user namespace when not root), query it, reload it with
 * changed and added records files, stop it, and watch it exit by itself when
 * the last records file goes away. Without namespaces the tests are skipped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileutil.h"
#include "podnet_dns.h"
#include "proc.h"

static struct pn_paths paths;
static bool have_ns;
static char runtime[] = "/tmp/test_dns_client.XXXXXX";

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int enter_namespaces(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct ifreq ifr = { 0 };
	int fd;

	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			return -1;
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if (write_text("/proc/self/uid_map", map) < 0)
			return -1;
		write_text("/proc/self/setgroups", "deny\n");
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if (write_text("/proc/self/gid_map", map) < 0)
			return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_flags = IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void records(const char *net, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/dns/%s", runtime, net);
	if (text)
		assert_int_equal(pn_write_atomic(path, text, strlen(text), 0600, 0), 0);
	else
		assert_int_equal(unlink(path), 0);
}

static int setup(void **state)
{
	const char *bin = getenv("PODNET_DNS_BIN");
	char dir[PATH_MAX];

	(void)state;
	assert_non_null(mkdtemp(runtime));
	memset(&paths, 0, sizeof(paths));
	snprintf(paths.runtime, sizeof(paths.runtime), "%s", runtime);
	snprintf(dir, sizeof(dir), "%s", bin ? bin : "./podnet-dns");
	snprintf(paths.libexec, sizeof(paths.libexec), "%s", dirname(dir));
	paths.rootless = geteuid() != 0;
	snprintf(dir, sizeof(dir), "%s/dns", runtime);
	assert_int_equal(pn_mkdir_p(dir, 0700), 0);
	have_ns = enter_namespaces() == 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_stop(&paths);
	pn_rm_rf(runtime);
	return 0;
}

/* Ask @server (port 53) for the A record of @name. Return: rcode, *ip the first address. */
static int query(const char *server, const char *name, char *ip)
{
	uint8_t pkt[512], ans[512];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };
	struct pollfd pfd;
	size_t off = 12, n = strlen(name);
	ssize_t r;
	int fd;

	memset(pkt, 0, 12);
	pkt[0] = 0x42;
	pkt[5] = 1;
	pkt[off++] = (uint8_t)n;
	memcpy(pkt + off, name, n);
	off += n;
	pkt[off++] = 0;
	memcpy(pkt + off, "\0\1\0\1", 4);
	off += 4;
	inet_pton(AF_INET, server, &sin.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(sendto(fd, pkt, off, 0, (struct sockaddr *)&sin, sizeof(sin)), (ssize_t)off);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) != 1) {
		close(fd);
		return -1;
	}
	r = recv(fd, ans, sizeof(ans), 0);
	close(fd);
	ip[0] = '\0';
	if (r < 12)
		return -1;
	if (ans[7] >= 1 && (size_t)r >= off + 16)
		inet_ntop(AF_INET, ans + off + 12, ip, INET_ADDRSTRLEN);
	return ans[3] & 0xf;
}

static bool wait_answer(const char *server, const char *name, const char *want, int ms)
{
	char ip[INET_ADDRSTRLEN];

	for (int i = 0; i < ms / 10; i++) {
		if (query(server, name, ip) == 0 && strcmp(ip, want) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static bool read_pid(struct pn_proc_id *id)
{
	char path[PATH_MAX], *text = NULL;
	unsigned long long st;
	size_t len;
	int pid;
	bool ok;

	snprintf(path, sizeof(path), "%s/dns/podnet-dns.pid", runtime);
	if (pn_read_file(path, 128, &text, &len) < 0)
		return false;
	ok = sscanf(text, "%d %llu", &pid, &st) == 2;
	free(text);
	id->pid = pid;
	id->starttime = st;
	return ok;
}

static void test_no_daemon(void **state)
{
	(void)state;
	assert_int_equal(dns_reload(&paths), 0);
	assert_int_equal(dns_stop(&paths), 0);
}

static void test_missing_binary(void **state)
{
	struct pn_paths p = paths;
	struct pn_err err = { 0 };

	(void)state;
	snprintf(p.libexec, sizeof(p.libexec), "/nonexistent");
	assert_true(dns_ensure(&p, NULL, -1, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/podnet-dns"));
}

static void test_lifecycle(void **state)
{
	struct pn_proc_id self, first, again;
	struct pn_err err = { 0 };
	char ip[INET_ADDRSTRLEN];
	struct timespec t0, t1;
	int netns;

	(void)state;
	if (!have_ns)
		skip();
	assert_int_equal(pn_proc_self_id(&self), 0);
	netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(netns >= 0);
	records("one", "127.77.0.1\nid1 10.1.2.3  web,alias\n");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (dns_ensure(&paths, &self, -1, netns, &err) < 0)
		fail_msg("dns_ensure: %s", err.msg);
	/* it serves once dns_ensure returns */
	assert_int_equal(query("127.77.0.1", "web", ip), 0);
	assert_string_equal(ip, "10.1.2.3");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("first answer %.1f ms after dns_ensure() was called\n",
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	assert_true(read_pid(&first));
	assert_true(pn_proc_alive(&first));

	/* a second ensure leaves the running daemon alone */
	assert_int_equal(dns_ensure(&paths, &self, -1, netns, &err), 0);
	assert_true(read_pid(&again));
	assert_int_equal(again.pid, first.pid);

	/* changed records, then a second network */
	records("one", "127.77.0.1\nid1 10.1.2.4  web,alias\n");
	assert_int_equal(dns_reload(&paths), 0);
	assert_true(wait_answer("127.77.0.1", "web", "10.1.2.4", 1000));
	records("two", "127.77.0.2\nid2 10.1.3.3  other\n");
	assert_int_equal(dns_reload(&paths), 0);
	assert_true(wait_answer("127.77.0.2", "other", "10.1.3.3", 1000));
	assert_int_equal(query("127.77.0.2", "web", ip), 3);   /* NXDOMAIN: other network */
	assert_int_equal(query("127.77.0.1", "other", ip), 3);
	/* a network removed: its listener closes, the other keeps serving */
	records("two", NULL);
	assert_int_equal(dns_reload(&paths), 0);
	for (int i = 0; i < 100 && query("127.77.0.2", "other", ip) >= 0; i++)
		usleep(10000);
	assert_int_equal(query("127.77.0.2", "other", ip), -1);
	assert_int_equal(query("127.77.0.1", "alias", ip), 0);

	assert_int_equal(dns_stop(&paths), 0);
	assert_false(pn_proc_alive(&first));
	assert_false(read_pid(&again));
	close(netns);
}

/*
 * The CLI's daemon (dns_ensure() passes --stay) outlives its records: it is
 * started with the infra, before the first container's records exist, and
 * must then serve what the first reload brings.
 */
static void test_stays_without_records(void **state)
{
	struct pn_proc_id self, id, again;
	struct pn_err err = { 0 };
	char ip[INET_ADDRSTRLEN];
	int netns;

	(void)state;
	if (!have_ns)
		skip();
	assert_int_equal(pn_proc_self_id(&self), 0);
	netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/* no records file at all: it starts and keeps running */
	if (dns_ensure(&paths, &self, -1, netns, &err) < 0)
		fail_msg("dns_ensure: %s", err.msg);
	assert_true(read_pid(&id));
	usleep(100000);
	assert_true(pn_proc_alive(&id));
	assert_true(dns_running(&paths, &again));
	assert_int_equal(again.pid, id.pid);
	/* the first records arrive: served after the reload */
	records("one", "127.77.0.1\nid1 10.1.2.3  web\n");
	assert_int_equal(dns_reload(&paths), 0);
	assert_true(wait_answer("127.77.0.1", "web", "10.1.2.3", 1000));
	/* the last records file goes: the listener closes, the daemon stays */
	records("one", NULL);
	assert_int_equal(dns_reload(&paths), 0);
	for (int i = 0; i < 100 && query("127.77.0.1", "web", ip) >= 0; i++)
		usleep(10000);
	assert_int_equal(query("127.77.0.1", "web", ip), -1);
	assert_true(pn_proc_alive(&id));
	assert_int_equal(dns_ensure(&paths, &self, -1, netns, &err), 0);
	assert_true(read_pid(&again));
	assert_int_equal(again.pid, id.pid);
	assert_int_equal(dns_stop(&paths), 0);
	assert_false(pn_proc_alive(&id));
	assert_false(dns_running(&paths, NULL));
	close(netns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_missing_binary),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_stays_without_records),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
