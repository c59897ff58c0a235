// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-portfwd: publishes a container's ports on the host. Started in H by
 * portfwd_start() (client.c) with U and I as inherited descriptors, and told
 * by it which address families have transparent-source plumbing in I (set up
 * by the CLI, netd/tproxy.c: this process needs no nftables or netlink and is
 * linked statically). In order: bind every host listener in H; join U and I;
 * decide the source mode; drop every capability but CAP_NET_ADMIN (needed
 * per connection for IP_TRANSPARENT, and held over U's namespaces only when
 * rootless); write the pid and mode files; report "OK ..." (or "ERR ...")
 * on the ready pipe; then run one epoll loop until the watched container
 * init exits or SIGTERM arrives, and close every connection with a FIN.
 * See docs/podnet-portfwd.8.md.
 */
#define _GNU_SOURCE
#include "fwd.h"
#include "cleanup.h"
#include "fileutil.h"
#include "log.h"
#include "ns.h"
#include "proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define EVENTS_MAX 256
#define DEFAULT_MAX_CONNS 16384
#define DEFAULT_MAX_FLOWS 4096
#define DEFAULT_UDP_TIMEOUT 60
#define DEFAULT_PIPE_SIZE (256 * 1024)

struct options {
	const char *owner;
	const char *state_dir;
	struct pn_proc_id watch;
	int userns_fd, netns_fd, ready_fd;
	const char *target4, *target6;
	struct fwd_map_spec maps[PN_PORTFWD_MAX_MAPPINGS];
	size_t nmaps;
	bool no_transparent;
	const char *fallback_reason; /* why the CLI could not set up a family (--fallback-reason) */
};

static struct fwd_ctx ctx;
static struct options opt = { .userns_fd = -1, .netns_fd = -1, .ready_fd = -1 };

static void usage(void)
{
	fprintf(stderr,
		"usage: podnet-portfwd --state-dir DIR --watch PID:STARTTIME --netns-fd N [--userns-fd N]\n"
		"         --ready-fd N [--target4 ADDR] [--target6 ADDR] [--host-gateway ADDR]...\n"
		"         --map PROTO,HOSTIP,HOSTPORT,CTRPORT,RANGE... [--owner ID] [--max-conns N]\n"
		"         [--max-flows N] [--udp-timeout SECONDS] [--pipe-size BYTES] [--transparent=4|6|4,6]\n"
		"         [--fallback-reason TEXT] [--no-transparent] [--debug]\n");
}

/* Report to portfwd_start() once; later calls are no-ops. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	char buf[PN_ERR_MSG_MAX + 64];
	va_list ap;
	int n;

	if (opt.ready_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(opt.ready_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	close(opt.ready_fd);
	opt.ready_fd = -1;
}

static int fail(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int r, const char *fmt, ...)
{
	char msg[PN_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pn_err("%s", msg);
	report("ERR %d %s\n", r < 0 ? -r : r, msg);
	return 1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "tcp,HOSTIP,HOSTPORT,CTRPORT,RANGE" (HOSTIP may be empty) */
static int parse_map(const char *s, struct fwd_map_spec *out)
{
	char buf[128], *f[5], *p;
	unsigned long v[3];
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	p = buf;
	for (n = 0; n < 5; n++) {
		f[n] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n != 4)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (strcmp(f[0], "tcp") && strcmp(f[0], "udp"))
		return -EINVAL;
	snprintf(out->m.protocol, sizeof(out->m.protocol), "%s", f[0]);
	if (strlen(f[1]) >= sizeof(out->m.host_ip))
		return -EINVAL;
	if (f[1][0]) {
		unsigned char a[16];

		if (inet_pton(strchr(f[1], ':') ? AF_INET6 : AF_INET, f[1], a) != 1)
			return -EINVAL;
	}
	snprintf(out->m.host_ip, sizeof(out->m.host_ip), "%s", f[1]);
	if (parse_uint(f[2], 65535, &v[0]) < 0 || parse_uint(f[3], 65535, &v[1]) < 0 ||
	    parse_uint(f[4], PN_PORTFWD_MAX_RANGE, &v[2]) < 0 || v[1] == 0 || v[2] == 0 ||
	    v[1] + v[2] - 1 > 65535 || (v[0] && v[0] + v[2] - 1 > 65535))
		return -EINVAL;
	out->m.host_port = (uint16_t)v[0];
	out->m.container_port = (uint16_t)v[1];
	out->m.range = (uint16_t)v[2];
	out->auto_port = v[0] == 0;
	return 0;
}

static int parse_watch(const char *s, struct pn_proc_id *ret)
{
	unsigned long long st;
	unsigned long pid;
	char *end;

	errno = 0;
	pid = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || pid == 0 || pid > INT32_MAX)
		return -EINVAL;
	st = strtoull(end + 1, &end, 10);
	if (errno || *end)
		return -EINVAL;
	ret->pid = (pid_t)pid;
	ret->starttime = st;
	return 0;
}

static int parse_host_gateway(const char *s)
{
	if (inet_pton(AF_INET, s, &ctx.src.host4) == 1) {
		ctx.src.have_host4 = true;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &ctx.src.host6) == 1) {
		ctx.src.have_host6 = true;
		return 0;
	}
	return -EINVAL;
}

/* "4", "6" or "4,6": the families whose transparent plumbing is in place in I */
static int parse_transparent(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '4')
			ctx.src.transparent4 = true;
		else if (*p == '6')
			ctx.src.transparent6 = true;
		else if (*p != ',' || p == s || !p[1])
			return -EINVAL;
	}
	return *s ? 0 : -EINVAL;
}

static int parse_args(int argc, char **argv)
{
	enum { O_OWNER = 256, O_STATE, O_WATCH, O_USERNS, O_NETNS, O_READY, O_T4, O_T6, O_HOSTGW,
	       O_MAP, O_MAXCONN, O_MAXFLOW, O_UDPTO, O_PIPE, O_TP, O_FBREASON, O_NOTP, O_DEBUG };
	static const struct option lo[] = {
		{ "owner", required_argument, NULL, O_OWNER },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "watch", required_argument, NULL, O_WATCH },
		{ "userns-fd", required_argument, NULL, O_USERNS },
		{ "netns-fd", required_argument, NULL, O_NETNS },
		{ "ready-fd", required_argument, NULL, O_READY },
		{ "target4", required_argument, NULL, O_T4 },
		{ "target6", required_argument, NULL, O_T6 },
		{ "host-gateway", required_argument, NULL, O_HOSTGW },
		{ "map", required_argument, NULL, O_MAP },
		{ "max-conns", required_argument, NULL, O_MAXCONN },
		{ "max-flows", required_argument, NULL, O_MAXFLOW },
		{ "udp-timeout", required_argument, NULL, O_UDPTO },
		{ "pipe-size", required_argument, NULL, O_PIPE },
		{ "transparent", required_argument, NULL, O_TP },
		{ "fallback-reason", required_argument, NULL, O_FBREASON },
		{ "no-transparent", no_argument, NULL, O_NOTP },
		{ "debug", no_argument, NULL, O_DEBUG },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	ctx.max_conns = DEFAULT_MAX_CONNS;
	ctx.max_flows = DEFAULT_MAX_FLOWS;
	ctx.udp_timeout_s = DEFAULT_UDP_TIMEOUT;
	ctx.pipe_size = DEFAULT_PIPE_SIZE;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_OWNER: opt.owner = optarg; break;
		case O_STATE: opt.state_dir = optarg; break;
		case O_WATCH:
			if (parse_watch(optarg, &opt.watch) < 0)
				return -EINVAL;
			break;
		case O_USERNS:
		case O_NETNS:
		case O_READY:
			if (parse_uint(optarg, INT32_MAX, &v) < 0)
				return -EINVAL;
			*(c == O_USERNS ? &opt.userns_fd : c == O_NETNS ? &opt.netns_fd : &opt.ready_fd) = (int)v;
			break;
		case O_T4: opt.target4 = optarg; break;
		case O_T6: opt.target6 = optarg; break;
		case O_HOSTGW:
			if (parse_host_gateway(optarg) < 0)
				return -EINVAL;
			break;
		case O_MAP:
			if (opt.nmaps == PN_PORTFWD_MAX_MAPPINGS || parse_map(optarg, &opt.maps[opt.nmaps]) < 0)
				return -EINVAL;
			opt.nmaps++;
			break;
		case O_MAXCONN:
			if (parse_uint(optarg, FWD_IDX_MAX, &v) < 0 || v == 0)
				return -EINVAL;
			ctx.max_conns = (unsigned)v;
			break;
		case O_MAXFLOW:
			if (parse_uint(optarg, 1u << 20, &v) < 0 || v == 0)
				return -EINVAL;
			ctx.max_flows = (unsigned)v;
			break;
		case O_UDPTO:
			if (parse_uint(optarg, 86400, &v) < 0 || v == 0)
				return -EINVAL;
			ctx.udp_timeout_s = (unsigned)v;
			break;
		case O_PIPE:
			if (parse_uint(optarg, 64u << 20, &v) < 0)
				return -EINVAL;
			ctx.pipe_size = (int)v;
			break;
		case O_TP:
			if (parse_transparent(optarg) < 0)
				return -EINVAL;
			break;
		case O_FBREASON:
			/* one line in portfwd.mode */
			if (strlen(optarg) >= PN_PORTFWD_REASON_MAX || strchr(optarg, '\n'))
				return -EINVAL;
			opt.fallback_reason = optarg;
			break;
		case O_NOTP: opt.no_transparent = true; break;
		case O_DEBUG: pn_log_max = PN_LOG_DEBUG; break;
		default: return -EINVAL;
		}
	}
	if (optind != argc || !opt.state_dir || !opt.watch.pid || opt.netns_fd < 0 || opt.ready_fd < 0 ||
	    !opt.nmaps)
		return -EINVAL;
	return 0;
}

/*
 * Raise the soft descriptor limit to the hard one, before anything is bound:
 * a range of ports needs one listener per port and family (-p 8000-8599 is
 * 1200 sockets, past the usual soft limit of 1024).
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Size the tables to the descriptors we may have (raise_nofile()): six per connection, one per flow. */
static void fit_limits(void)
{
	struct rlimit rl;
	rlim_t reserve = 64 + ctx.nlisteners, avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	avail = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 0;
	if (ctx.max_flows > avail / 4)
		ctx.max_flows = (unsigned)(avail / 4 > 0 ? avail / 4 : 1);
	avail -= ctx.max_flows < avail ? ctx.max_flows : avail;
	if (ctx.max_conns > avail / 6)
		ctx.max_conns = (unsigned)(avail / 6 > 0 ? avail / 6 : 1);
}

/* Keep only CAP_NET_ADMIN (for IP_TRANSPARENT) when @keep_net_admin, nothing otherwise. */
static int drop_caps(bool keep_net_admin)
{
	cap_value_t keep = CAP_NET_ADMIN;
	cap_t caps;
	int r = 0;

	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (keep_net_admin && c == keep)
			continue;
		if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0 && errno != EINVAL)
			r = -errno;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if (keep_net_admin && (cap_set_flag(caps, CAP_EFFECTIVE, 1, &keep, CAP_SET) < 0 ||
			       cap_set_flag(caps, CAP_PERMITTED, 1, &keep, CAP_SET) < 0))
		r = -errno;
	if (r == 0 && cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	return r;
}

static int write_state(const char *name, const char *content)
{
	char path[PATH_MAX];

	if (!pn_path(path, "%s/%s", opt.state_dir, name))
		return -ENAMETOOLONG;
	return pn_write_atomic(path, content, strlen(content), 0600, 0);
}

/* Remove our pid file on a clean exit, unless a newer forwarder replaced it. */
static void remove_pid_file(const struct pn_proc_id *self)
{
	char path[PATH_MAX], want[64];
	_cleanup_free_ char *buf = NULL;
	size_t len;

	snprintf(want, sizeof(want), "%d %" PRIu64 "\n", (int)self->pid, self->starttime);
	if (!pn_path(path, "%s/portfwd.pid", opt.state_dir))
		return;
	if (pn_read_file(path, 256, &buf, &len) == 0 && !strcmp(buf, want))
		unlink(path);
}

static int epoll_add(int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ctx.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void run_loop(int watch_fd, int sig_fd, int timer_fd)
{
	struct epoll_event evs[EVENTS_MAX];
	bool stop = false;

	while (!stop) {
		struct timespec ts;
		int rest = splice_accept_resume(&ctx);
		int n = epoll_wait(ctx.epfd, evs, EVENTS_MAX, splice_has_deferred() ? 0 : rest);

		if (n < 0 && errno != EINTR) {
			pn_err("epoll_wait: %s", strerror(errno));
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ctx.now = ts.tv_sec;
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			uint32_t idx = fwd_ev_idx(d);

			switch (fwd_ev_kind(d)) {
			case FWD_EV_LISTEN_TCP:
				splice_accept(&ctx, &ctx.listeners[idx], idx);
				break;
			case FWD_EV_LISTEN_UDP:
				udp_listener_event(&ctx, &ctx.listeners[idx], idx);
				break;
			case FWD_EV_CONN:
				splice_event(&ctx, d, evs[i].events);
				break;
			case FWD_EV_FLOW:
				udp_flow_event(&ctx, d);
				break;
			case FWD_EV_WATCH:
				pn_info("container init %d exited, stopping", (int)opt.watch.pid);
				stop = true;
				break;
			case FWD_EV_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
					pn_info("signal %u, stopping", si.ssi_signo);
					stop = true;
				}
				break;
			}
			case FWD_EV_TIMER: {
				uint64_t ticks;

				(void)!read(timer_fd, &ticks, sizeof(ticks));
				udp_expire(&ctx);
				break;
			}
			}
		}
		splice_run_deferred(&ctx);
	}
	(void)watch_fd;
}

int main(int argc, char **argv)
{
	char reason[PN_ERR_MSG_MAX] = "", msg[PN_ERR_MSG_MAX + 32], buf[128], ports[PN_PORTFWD_MAX_MAPPINGS * 7 + 1];
	_cleanup_close_ int watch_fd = -1, sig_fd = -1, timer_fd = -1;
	struct pn_err err = { 0 };
	struct pn_proc_id self;
	bool transparent = false, need4 = false, need6 = false;
	struct itimerspec its = { { 5, 0 }, { 5, 0 } };
	sigset_t mask;
	int r;

	pn_log_ident = "podnet-portfwd";
	pn_proc_set_name("podnet-portfwd");
	if (parse_args(argc, argv) < 0) {
		usage();
		return fail(EINVAL, "invalid arguments");
	}
	{
		int keep[] = { opt.userns_fd, opt.netns_fd, opt.ready_fd };

		pn_close_fds_from(3, keep, 3);
	}
	/* first line to the starter: who we are, so it can stop us if we hang */
	snprintf(buf, sizeof(buf), "PID %d\n", (int)getpid());
	(void)!write(opt.ready_fd, buf, strlen(buf));
	signal(SIGPIPE, SIG_IGN);

	/* the container must still be the one we were told about */
	watch_fd = (int)syscall(SYS_pidfd_open, opt.watch.pid, 0);
	if (watch_fd < 0 || !pn_proc_alive(&opt.watch))
		return fail(ESRCH, "container process %d is not running", (int)opt.watch.pid);
	fcntl(watch_fd, F_SETFD, FD_CLOEXEC);

	/* 1. host listeners, in H (as many descriptors as we may have first) */
	raise_nofile();
	r = listen_bind_all(&ctx, opt.maps, opt.nmaps, opt.target4, opt.target6, &err);
	if (r < 0)
		return fail(r, "%s", err.msg);

	/* 2. into U and I */
	r = pn_ns_join(opt.userns_fd, opt.netns_fd);
	if (r < 0)
		return fail(r, "cannot join the infra namespace: %s", strerror(-r));
	if (opt.userns_fd >= 0)
		close(opt.userns_fd);
	close(opt.netns_fd);

	/* 3. transparent source addresses: every family we connect in must have its plumbing */
	for (size_t i = 0; i < ctx.nlisteners; i++) {
		need4 |= ctx.listeners[i].target.sa.sa_family == AF_INET;
		need6 |= ctx.listeners[i].target.sa.sa_family == AF_INET6;
	}
	if (opt.no_transparent)
		snprintf(reason, sizeof(reason), "disabled with --no-transparent");
	else
		transparent = (ctx.src.transparent4 || ctx.src.transparent6) && (!need4 || ctx.src.transparent4) &&
			      (!need6 || ctx.src.transparent6);
	if (!transparent && !reason[0])
		snprintf(reason, sizeof(reason), "%s",
			 opt.fallback_reason ? opt.fallback_reason : "transparent sources are not set up in I");
	if (!transparent) {
		ctx.src.transparent4 = ctx.src.transparent6 = false;
		pn_warn("source addresses: fallback (%s); the container sees the forwarder's address", reason);
	}

	/* 4. no capabilities beyond what a transparent bind needs */
	r = drop_caps(transparent);
	if (r < 0)
		pn_warn("dropping capabilities: %s", strerror(-r));

	/* 5. tables and the loop's descriptors */
	fit_limits();
	ctx.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx.epfd < 0)
		return fail(-errno, "epoll: %s", strerror(errno));
	if (splice_init(&ctx) < 0 || udp_init(&ctx) < 0)
		return fail(ENOMEM, "out of memory");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sig_fd < 0 || timer_fd < 0 || timerfd_settime(timer_fd, 0, &its, NULL) < 0)
		return fail(-errno, "signalfd/timerfd: %s", strerror(errno));
	r = epoll_add(watch_fd, EPOLLIN, fwd_ev_pack(FWD_EV_WATCH, 0, 0, 0));
	if (r == 0)
		r = epoll_add(sig_fd, EPOLLIN, fwd_ev_pack(FWD_EV_SIGNAL, 0, 0, 0));
	if (r == 0)
		r = epoll_add(timer_fd, EPOLLIN, fwd_ev_pack(FWD_EV_TIMER, 0, 0, 0));
	for (size_t i = 0; i < ctx.nlisteners && r == 0; i++)
		r = epoll_add(ctx.listeners[i].fd, EPOLLIN,
			      fwd_ev_pack(ctx.listeners[i].proto == IPPROTO_TCP ? FWD_EV_LISTEN_TCP : FWD_EV_LISTEN_UDP,
					  0, 0, (uint32_t)i));
	if (r < 0)
		return fail(r, "epoll_ctl: %s", strerror(-r));

	/* 6. state files, then tell the starter */
	if (pn_proc_self_id(&self) < 0)
		return fail(EIO, "cannot read our own start time");
	snprintf(msg, sizeof(msg), "%s%s%s\n", transparent ? "transparent" : "fallback",
		 transparent ? "" : " ", transparent ? "" : reason);
	r = write_state("portfwd.mode", msg);
	snprintf(buf, sizeof(buf), "%d %" PRIu64 "\n", (int)self.pid, self.starttime);
	if (r == 0)
		r = write_state("portfwd.pid", buf);
	if (r < 0)
		return fail(r, "cannot write state in %s: %s", opt.state_dir, strerror(-r));
	ports[0] = '\0';
	for (size_t i = 0; i < opt.nmaps; i++)
		snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), " %u", opt.maps[i].m.host_port);
	pn_info("%s: %zu listeners, source addresses %s, up to %u connections and %u UDP flows",
		opt.owner ? opt.owner : "forwarder", ctx.nlisteners, transparent ? "transparent" : "fallback",
		ctx.max_conns, ctx.max_flows);
	report("OK %d %" PRIu64 " %s%s\n", (int)self.pid, self.starttime,
	       transparent ? "transparent" : "fallback", ports);

	run_loop(watch_fd, sig_fd, timer_fd);

	pn_info("closing %zu connections", splice_count());
	splice_close_all(&ctx);
	udp_close_all(&ctx);
	remove_pid_file(&self);
	return 0;
}
