// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-slirp: the outbound uplink of the infra namespace I.
 *
 * Started in the host namespace H by slirp_ensure() with U and I as inherited
 * descriptors. A child joins U and I, creates the tap `podnet-tap0` there
 * (address 10.0.2.100/24, default route via 10.0.2.2, large MTU) and passes it
 * back; this process never leaves H, drops every capability, and runs libslirp
 * on the tap, so every outbound connection of every container is an ordinary
 * socket of this process in H. It exits when the holder of U and I exits.
 */
#define _GNU_SOURCE
#include "cleanup.h"
#include "engine.h"
#include "fastpath.h"
#include "fileutil.h"
#include "ids.h"
#include "log.h"
#include "options.h"
#include "paths.h"
#include "podnet_slirp.h"
#include "proc.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <slirp/libslirp.h>
#include <sys/capability.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define STATUS_INTERVAL_MS 5000

struct daemon_state {
	char run[PATH_MAX];
	struct pn_proc_id self;
	unsigned mtu;
	bool ipv6;
	bool fastpath;
	struct slirp_counters last;
	bool written;
	struct slirp_fastpath *fp;
};

static int ready_fd = -1;

/* Tell the starter how it went (once), then close the pipe. */
static void notify_ready(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (ready_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(ready_fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	close(ready_fd);
	ready_fd = -1;
}

static int fail(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pn_err("%s: %s", msg, strerror(-r));
	notify_ready("error: %s: %s\n", msg, strerror(-r));
	return 1;
}

/*
 * Give up every capability in H: bounding set (needs CAP_SETPCAP, which only
 * root has), ambient, then effective/permitted/inheritable; no_new_privs so
 * nothing can be regained. Rootless we hold none in H to begin with.
 */
static int drop_caps(void)
{
	cap_t empty, cur;
	int same;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (CAP_IS_SUPPORTED(c) && cap_get_bound(c) > 0 && cap_drop_bound(c) < 0 &&
		    errno != EPERM)
			return -errno;
	}
	if (cap_reset_ambient() < 0 && errno != EINVAL)
		return -errno;
	empty = cap_init();
	if (!empty)
		return -ENOMEM;
	if (cap_set_proc(empty) < 0) {
		int r = -errno;

		cap_free(empty);
		return r;
	}
	cur = cap_get_proc();
	same = cur ? cap_compare(cur, empty) : -1;
	cap_free(cur);
	cap_free(empty);
	return same == 0 ? 0 : -EPERM;
}

/* Does the host route IPv6 anywhere? A UDP connect() only looks the route up. */
static bool host_has_ipv6(void)
{
	_cleanup_close_ int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(53) };

	if (fd < 0)
		return false;
	inet_pton(AF_INET6, "2001:db8::1", &sa.sin6_addr); /* documentation prefix */
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

static int write_text(const char *run, const char *rel, const char *text)
{
	char path[PATH_MAX];

	if (!pn_path(path, "%s/%s", run, rel))
		return -ENAMETOOLONG;
	return pn_write_atomic(path, text, strlen(text), 0644, 0);
}

static void status_write(void *opaque, const struct slirp_counters *c)
{
	struct daemon_state *d = opaque;
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *text = NULL;
	struct slirp_fastpath_counters fc = { 0 };

	if (d->written && !memcmp(&d->last, c, sizeof(*c)) && !d->fp)
		return;
	if (d->fp)
		slirp_fastpath_get_counters(d->fp, &fc);
	doc = json_pack("{s:I, s:I, s:I, s:b, s:b, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			" s:I, s:I, s:I, s:I}}",
			"pid", (json_int_t)d->self.pid, "starttime", (json_int_t)d->self.starttime,
			"mtu", (json_int_t)d->mtu, "ipv6", d->ipv6, "tcp_fastpath", d->fastpath,
			"updated", (json_int_t)time(NULL), "counters",
			"rx_frames", (json_int_t)c->rx_frames, "rx_bytes", (json_int_t)c->rx_bytes,
			"tx_frames", (json_int_t)c->tx_frames, "tx_bytes", (json_int_t)c->tx_bytes,
			"tx_queued", (json_int_t)c->tx_queued, "tx_dropped", (json_int_t)c->tx_dropped,
			"guest_errors", (json_int_t)c->guest_errors,
			"tcp_fastpath_connections", (json_int_t)fc.accepted,
			"tcp_fastpath_active", (json_int_t)fc.active,
			"tcp_fastpath_refused", (json_int_t)fc.refused,
			"tcp_fastpath_bytes_out", (json_int_t)fc.bytes_out,
			"tcp_fastpath_bytes_in", (json_int_t)fc.bytes_in);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (!text || write_text(d->run, SLIRP_STATUSFILE, text) < 0)
		return;
	d->last = *c;
	d->written = true;
}

/* Remove a runtime file only if it still describes this process. */
static void remove_pidfile(const struct daemon_state *d)
{
	char path[PATH_MAX];
	struct pn_proc_id id;

	if (!pn_path(path, "%s/%s", d->run, SLIRP_PIDFILE))
		return;
	if (pn_pidfile_read(path, &id) == 0 && id.pid == d->self.pid &&
	    id.starttime == d->self.starttime) {
		unlink(path);
		if (pn_path(path, "%s/%s", d->run, SLIRP_STATUSFILE))
			unlink(path);
	}
}

static int pidfd_open_checked(const struct pn_proc_id *id)
{
	int fd = (int)syscall(SYS_pidfd_open, id->pid, 0);

	if (fd < 0)
		return -errno;
	/* the pidfd pins the process: check that it is still the recorded one */
	if (!pn_proc_alive(id)) {
		close(fd);
		return -ESRCH;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int main(int argc, char **argv)
{
	struct slirp_options o;
	struct daemon_state d = { 0 };
	struct slirp_tap_config tc = { 0 };
	struct slirp_engine_config ec = { 0 };
	struct slirp_engine *engine = NULL;
	_cleanup_close_ int lock_fd = -1, holder_fd = -1, tap_fd = -1, listen4 = -1, listen6 = -1;
	char errbuf[256], path[PATH_MAX], text[128];
	int keep[3], nkeep = 0, r;
	sigset_t mask;

	pn_log_ident = "podnet-slirp";
	if (slirp_options_parse(argc, argv, &o, errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "podnet-slirp: %s\n%s", errbuf, slirp_usage);
		return 2;
	}
	if (o.help) {
		fputs(slirp_usage, stdout);
		return 0;
	}
	if (o.version) {
		puts("podnet-slirp " PODNET_VERSION);
		return 0;
	}
	if (o.debug)
		pn_log_max = PN_LOG_DEBUG;
	pn_proc_set_name("podnet-slirp");
	ready_fd = o.ready_fd;
	if (fcntl(o.netns_fd, F_GETFD) < 0 || (o.userns_fd >= 0 && fcntl(o.userns_fd, F_GETFD) < 0))
		return fail(-EBADF, "namespace descriptors not inherited");
	keep[nkeep++] = o.netns_fd;
	if (o.userns_fd >= 0)
		keep[nkeep++] = o.userns_fd;
	if (o.ready_fd >= 0)
		keep[nkeep++] = o.ready_fd;
	pn_close_fds_from(3, keep, nkeep);
	for (int i = 0; i < nkeep; i++)
		(void)fcntl(keep[i], F_SETFD, FD_CLOEXEC);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (o.runtime_dir) {
		snprintf(d.run, sizeof(d.run), "%s", o.runtime_dir);
	} else {
		struct pn_paths paths;

		r = pn_paths_init(&paths);
		if (r < 0)
			return fail(r, "cannot use the runtime directory (%s)",
				    paths.problem[0] ? paths.problem : paths.runtime);
		snprintf(d.run, sizeof(d.run), "%s", paths.runtime);
	}
	r = pn_proc_self_id(&d.self);
	if (r < 0)
		return fail(r, "cannot read own start time");

	holder_fd = pidfd_open_checked(&o.holder);
	if (holder_fd < 0)
		return fail(holder_fd, "holder %d is not running", (int)o.holder.pid);

	if (!pn_path(path, "%s/%s", d.run, SLIRP_DIR) || (r = pn_mkdir_p(path, 0700)) < 0)
		return fail(path[0] ? r : -ENAMETOOLONG, "cannot create %s/%s", d.run, SLIRP_DIR);
	if (!pn_path(path, "%s/%s", d.run, SLIRP_LOCKFILE))
		return fail(-ENAMETOOLONG, "runtime directory");
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return fail(-errno, "cannot open %s", path);
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return fail(errno == EWOULDBLOCK ? -EEXIST : -errno,
			    "another podnet-slirp runs for %s", d.run);

	d.mtu = o.mtu;
	d.ipv6 = o.ipv6 == SLIRP_ON || (o.ipv6 == SLIRP_AUTO && host_has_ipv6());
	tc.name = PN_SLIRP_TAP_NAME;
	tc.mtu = o.mtu;
	inet_pton(AF_INET, PN_SLIRP_TAP_ADDR, &tc.addr);
	tc.prefixlen = 24;
	inet_pton(AF_INET, PN_SLIRP_GATEWAY, &tc.gateway);
	tc.ipv6 = d.ipv6;
	inet_pton(AF_INET6, PN_SLIRP_TAP_ADDR6, &tc.addr6);
	tc.prefixlen6 = 64;
	inet_pton(AF_INET6, PN_SLIRP_GATEWAY6, &tc.gateway6);
	tc.fastpath = o.tcp_fastpath;
	r = slirp_tap_open_in(o.userns_fd, o.netns_fd, &tc, &tap_fd, &listen4, &listen6);
	if (r < 0)
		return fail(r, "cannot set up %s in the infra namespace", PN_SLIRP_TAP_NAME);
	/* U and I are not needed any more: nothing of this process enters them */
	close(o.netns_fd);
	if (o.userns_fd >= 0)
		close(o.userns_fd);

	r = drop_caps();
	if (r < 0)
		return fail(r, "cannot drop capabilities");

	ec.mtu = o.mtu;
	ec.ipv6 = d.ipv6;
	ec.host_loopback = o.host_loopback;
	ec.tap_fd = tap_fd;
	ec.holder_pidfd = holder_fd;
	ec.status_interval_ms = STATUS_INTERVAL_MS;
	ec.status_cb = status_write;
	ec.status_opaque = &d;
	r = slirp_engine_new(&ec, &engine);
	if (r < 0)
		return fail(r, "cannot start libslirp");
	steal_fd(&tap_fd);
	steal_fd(&holder_fd);
	if (listen4 >= 0 || listen6 >= 0) {
		r = slirp_fastpath_new(listen4, listen6, o.host_loopback, engine, &d.fp);
		if (r < 0) {
			slirp_engine_free(engine);
			return fail(r, "cannot start the TCP fast path");
		}
		steal_fd(&listen4);
		steal_fd(&listen6);
		d.fastpath = true;
	}

	r = pn_proc_id_format(&o.holder, text, sizeof(text));
	if (r >= 0)
		r = write_text(d.run, SLIRP_HOLDERFILE, text);
	if (r >= 0)
		r = pn_proc_id_format(&d.self, text, sizeof(text));
	if (r >= 0)
		r = write_text(d.run, SLIRP_PIDFILE, text);
	if (r < 0) {
		slirp_fastpath_free(d.fp);
		slirp_engine_free(engine);
		return fail(r, "cannot write the pid file");
	}
	snprintf(text, sizeof(text), "%s\n%s", PN_SLIRP_GATEWAY, d.ipv6 ? PN_SLIRP_GATEWAY6 "\n" : "");
	if (!pn_path(path, "%s/dns", d.run) || pn_mkdir_p(path, 0700) < 0 ||
	    write_text(d.run, SLIRP_HOSTGW_FILE, text) < 0)
		pn_warn("cannot write %s/%s", d.run, SLIRP_HOSTGW_FILE);

	pn_info("up: pid %d, %s %s/24 mtu %u via %s%s, ipv6 %s, tcp fast path %s, libslirp %s",
		(int)d.self.pid, PN_SLIRP_TAP_NAME, PN_SLIRP_TAP_ADDR, o.mtu, PN_SLIRP_GATEWAY,
		o.host_loopback ? " (host loopback)" : "", d.ipv6 ? "on" : "off",
		d.fastpath ? "on" : "off", slirp_version_string());
	notify_ready("ok\n");

	r = slirp_engine_run(engine);
	if (r < 0)
		pn_err("loop failed: %s", strerror(-r));
	remove_pidfile(&d);
	slirp_fastpath_free(d.fp);
	slirp_engine_free(engine);
	return r < 0 ? 1 : 0;
}
