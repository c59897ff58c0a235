// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * podnet-dns: the embedded DNS responder, one per user (per infra namespace).
 * This file orders the start-up so that every privilege is used once and
 * given up: in H, fork the host socket factory (first, while the process is
 * small; only when it will join I: a process that stays where it starts
 * creates its host sockets itself), read the upstream servers and create the upstream sockets; watch
 * the holder; write the pid file; join U and I; load the
 * records and bind the listeners; let unprivileged code bind the DNS port in I
 * (ip_unprivileged_port_start, a sysctl of I only) so that later reloads need
 * no capability; drop every capability; tell the starter we serve; loop.
 * See podnet-dns(8).
 */
#define _GNU_SOURCE
#include "cleanup.h"
#include "fileutil.h"
#include "hostsock.h"
#include "log.h"
#include "ns.h"
#include "paths.h"
#include "proc.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct cmdline {
	struct dns_options opt;
	int userns_fd, netns_fd, ready_fd;
	struct pn_proc_id holder;
	const char *pid_file;
	char pid_file_buf[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: podnet-dns --config DIR [options]\n"
		"  --config DIR            records directory ($RUN/dns)\n"
		"  --userns-fd N           join this user namespace (rootless)\n"
		"  --netns-fd N            then this network namespace (the infra namespace)\n"
		"  --holder PID:STARTTIME  exit when this process exits\n"
		"  --port N                DNS port (53)\n"
		"  --upstream ADDR[#PORT]  upstream server, repeatable (default: from resolv.conf)\n"
		"  --resolv-conf FILE      where to read upstream servers (/etc/resolv.conf);\n"
		"                          read again when it changes\n"
		"  --resolv-port N         port of the servers named there (53)\n"
		"  --pid-file FILE         (DIR/podnet-dns.pid)\n"
		"  --ready-fd N            write one byte there once serving, then close it\n"
		"  --tcp-max N             concurrent TCP connections (64)\n"
		"  --tcp-idle-ms N         TCP idle limit (10000)\n"
		"  --upstream-timeout-ms N time to wait for one upstream server before the next (1000)\n"
		"  --upstream-total-ms N   time to wait for an answer from any server asked (4000)\n"
		"  --stay                  keep running while there is no records file (until the\n"
		"                          holder exits or SIGTERM); without it podnet-dns exits\n"
		"                          when it finds none, as aardvark-dns does\n"
		"  --foreground            accepted for compatibility; podnet-dns never forks away\n"
		"  --debug                 verbose log\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end || *ret > max || s[0] == '-')
		return -EINVAL;
	return 0;
}

static int parse_args(int argc, char **argv, struct cmdline *c)
{
	enum { O_CONFIG = 256, O_USERNS, O_NETNS, O_HOLDER, O_PORT, O_UPSTREAM, O_RESOLV, O_RESOLVPORT, O_PIDFILE,
	       O_READY, O_TCPMAX, O_TCPIDLE, O_UPTIMEOUT, O_UPTOTAL, O_STAY, O_FOREGROUND, O_DEBUG, O_HELP, O_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "userns-fd", required_argument, NULL, O_USERNS },
		{ "netns-fd", required_argument, NULL, O_NETNS },
		{ "holder", required_argument, NULL, O_HOLDER },
		{ "port", required_argument, NULL, O_PORT },
		{ "upstream", required_argument, NULL, O_UPSTREAM },
		{ "resolv-conf", required_argument, NULL, O_RESOLV },
		{ "resolv-port", required_argument, NULL, O_RESOLVPORT },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "ready-fd", required_argument, NULL, O_READY },
		{ "tcp-max", required_argument, NULL, O_TCPMAX },
		{ "tcp-idle-ms", required_argument, NULL, O_TCPIDLE },
		{ "upstream-timeout-ms", required_argument, NULL, O_UPTIMEOUT },
		{ "upstream-total-ms", required_argument, NULL, O_UPTOTAL },
		{ "stay", no_argument, NULL, O_STAY },
		{ "foreground", no_argument, NULL, O_FOREGROUND },
		{ "debug", no_argument, NULL, O_DEBUG },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int o;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case O_CONFIG:
			c->opt.config_dir = optarg;
			break;
		case O_USERNS:
		case O_NETNS:
		case O_READY:
			if (parse_uint(optarg, INT_MAX, &v) < 0)
				goto bad;
			*(o == O_USERNS ? &c->userns_fd : o == O_NETNS ? &c->netns_fd : &c->ready_fd) = (int)v;
			break;
		case O_HOLDER: {
			char pidtext[16], *colon = strchr(optarg, ':');
			unsigned long pid;
			char *end;

			if (!colon || (size_t)(colon - optarg) >= sizeof(pidtext))
				goto bad;
			memcpy(pidtext, optarg, (size_t)(colon - optarg));
			pidtext[colon - optarg] = '\0';
			if (parse_uint(pidtext, INT_MAX, &pid) < 0 || pid == 0)
				goto bad;
			errno = 0;
			c->holder.starttime = strtoull(colon + 1, &end, 10);
			if (errno || *end || colon[1] == '\0')
				goto bad;
			c->holder.pid = (pid_t)pid;
			break;
		}
		case O_PORT:
			if (parse_uint(optarg, 65535, &v) < 0 || v == 0)
				goto bad;
			c->opt.port = (uint16_t)v;
			break;
		case O_UPSTREAM:
			if (c->opt.fixed.count >= DNS_UPSTREAMS_MAX ||
			    dns_addr_parse(optarg, strlen(optarg), &c->opt.fixed.addr[c->opt.fixed.count]) < 0)
				goto bad;
			c->opt.fixed.count++;
			break;
		case O_RESOLV:
			c->opt.resolv_conf = optarg;
			break;
		case O_RESOLVPORT:
			if (parse_uint(optarg, 65535, &v) < 0 || v == 0)
				goto bad;
			c->opt.resolv_port = (uint16_t)v;
			break;
		case O_PIDFILE:
			c->pid_file = optarg;
			break;
		case O_STAY:
			c->opt.stay = true;
			break;
		case O_TCPMAX:
			if (parse_uint(optarg, 4096, &v) < 0 || v == 0)
				goto bad;
			c->opt.tcp_max = (unsigned int)v;
			break;
		case O_TCPIDLE:
		case O_UPTIMEOUT:
		case O_UPTOTAL:
			if (parse_uint(optarg, 600000, &v) < 0 || v < 10)
				goto bad;
			*(o == O_TCPIDLE     ? &c->opt.tcp_idle_ms :
			  o == O_UPTIMEOUT ? &c->opt.upstream_timeout_ms :
					     &c->opt.upstream_total_ms) = (unsigned int)v;
			break;
		case O_FOREGROUND:
			break;
		case O_DEBUG:
			pn_log_max = PN_LOG_DEBUG;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf("podnet-dns %s\n", PODNET_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !c->opt.config_dir) {
		usage(stderr);
		return -EINVAL;
	}
	if (!c->pid_file) {
		if (!pn_path(c->pid_file_buf, "%s/podnet-dns.pid", c->opt.config_dir))
			return -ENAMETOOLONG;
		c->pid_file = c->pid_file_buf;
	}
	return 0;
bad:
	fprintf(stderr, "podnet-dns: invalid value for --%s: %s\n", longopts[o - O_CONFIG].name, optarg);
	return -EINVAL;
}

/* Let unprivileged code bind @port in the current netns. Return: 0 or -errno. */
static int allow_port(uint16_t port)
{
	const char *key = "net/ipv4/ip_unprivileged_port_start";
	char buf[16];
	int r;

	r = pn_sysctl_read(key, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (strtoul(buf, NULL, 10) <= port)
		return 0;
	snprintf(buf, sizeof(buf), "%u\n", port);
	return pn_sysctl_write(key, buf);
}

/* Do we hold @cap in the effective set? */
static bool have_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (caps) {
		cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
		cap_free(caps);
	}
	return v == CAP_SET;
}

/*
 * Give up every capability, for good. @keep_bind: keep CAP_NET_BIND_SERVICE
 * (only used when the port sysctl could not be set, so reloads can bind).
 */
static int drop_capabilities(bool keep_bind)
{
	cap_value_t bind = CAP_NET_BIND_SERVICE;
	bool setpcap = have_cap(CAP_SETPCAP);
	cap_t caps;
	int r = 0;

	keep_bind = keep_bind && have_cap(bind);
	for (cap_value_t v = 0; setpcap && v <= CAP_LAST_CAP; v++)
		if (!(keep_bind && v == bind) && cap_drop_bound(v) < 0 && errno != EINVAL)
			return -errno;
	caps = cap_init();
	if (!caps)
		return -errno;
	if (keep_bind && (cap_set_flag(caps, CAP_PERMITTED, 1, &bind, CAP_SET) < 0 ||
			  cap_set_flag(caps, CAP_EFFECTIVE, 1, &bind, CAP_SET) < 0))
		r = -errno;
	if (r == 0 && cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	if (r == 0)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (r == 0)
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return r;
}

static int write_pid_file(const char *path)
{
	struct pn_proc_id self;
	char buf[64];
	int n, r;

	r = pn_proc_self_id(&self);
	if (r < 0)
		return r;
	n = snprintf(buf, sizeof(buf), "%d %" PRIu64 "\n", (int)self.pid, self.starttime);
	return pn_write_atomic(path, buf, (size_t)n, 0644, 0);
}

/* Remove the pid file if it still names this process. */
static void remove_pid_file(const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (pn_read_file(path, 64, &text, &len) == 0 && atoi(text) == getpid())
		unlink(path);
}

static void notify_ready(int *fd, char what)
{
	if (*fd < 0)
		return;
	(void)!write(*fd, &what, 1);
	close(*fd);
	*fd = -1;
}

int main(int argc, char **argv)
{
	struct cmdline c = {
		.opt = { .resolv_conf = "/etc/resolv.conf", .port = 53, .tcp_max = 64,
			 .tcp_idle_ms = 10000, .upstream_timeout_ms = 1000,
			 .upstream_total_ms = 4000 },
		.userns_fd = -1, .netns_fd = -1, .ready_fd = -1,
	};
	_cleanup_close_ int holder_pidfd = -1;
	struct dns_server *s = NULL;
	bool pid_written = false;
	sigset_t mask;
	int r, factory, keep[4], nkeep = 0;

	/* the code of the first answer, mapped in one call (counted in the time to it) */
	pn_map_text();
	pn_log_ident = "podnet-dns";
	/* a fixed threshold: large tables are mmap()ed and really freed on reload */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (getenv("PODNET_DNS_DEBUG"))
		pn_log_max = PN_LOG_DEBUG;
	if (parse_args(argc, argv, &c) < 0)
		return 2;
	pn_proc_set_name("podnet-dns");

	/* signals are read from a signalfd; block them before anything can arrive */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* the socket factory is reaped by the kernel */

	/* only the descriptors we were told about survive */
	keep[nkeep++] = c.userns_fd;
	keep[nkeep++] = c.netns_fd;
	keep[nkeep++] = c.ready_fd;
	pn_close_fds_from(3, keep, nkeep);

	/*
	 * The host socket factory first, while this process is small: fork()
	 * then copies few page tables, and the pages written later (the server's
	 * state, its buffers) are not shared with the child, so they take no
	 * copy-on-write fault on the way to the first answer. A process that
	 * joins no namespace (run inside a namespace set up by someone else, as
	 * aardvark-dns is) can create its host sockets itself: no factory, no
	 * fork on the way to the first answer.
	 */
	factory = -1;
	if (c.userns_fd >= 0 || c.netns_fd >= 0) {
		factory = hostsock_start();
		if (factory < 0) {
			pn_err("cannot start the host socket factory: %s", strerror(-factory));
			return 1;
		}
	}

	if (c.holder.pid > 0) {
		holder_pidfd = (int)syscall(SYS_pidfd_open, c.holder.pid, 0);
		if (holder_pidfd < 0 || !pn_proc_alive(&c.holder)) {
			pn_err("holder %d is not running", (int)c.holder.pid);
			if (factory >= 0)
				close(factory);
			return 1;
		}
		fcntl(holder_pidfd, F_SETFD, FD_CLOEXEC);
	}

	r = dns_server_new(&c.opt, factory, &s);
	if (r < 0)
		return 1;
	r = write_pid_file(c.pid_file);
	if (r < 0) {
		pn_err("%s: %s", c.pid_file, strerror(-r));
		goto out;
	}
	pid_written = true;

	if (c.userns_fd >= 0 || c.netns_fd >= 0) {
		r = pn_ns_join(c.userns_fd, c.netns_fd);
		if (r < 0) {
			pn_err("joining the infra namespace: %s", strerror(-r));
			goto out;
		}
	}
	if (c.userns_fd >= 0)
		close(c.userns_fd);
	if (c.netns_fd >= 0)
		close(c.netns_fd);

	r = dns_server_load(s);
	if (r < 0)
		goto out;
	if (r == 0 && !c.opt.stay) {
		pn_info("no records files in %s: nothing to serve", c.opt.config_dir);
		notify_ready(&c.ready_fd, 'N');
		r = 0;
		goto out;
	}
	if (r == 0)
		pn_info("no records files in %s yet: waiting for some", c.opt.config_dir);
	r = c.opt.port < 1024 ? allow_port(c.opt.port) : 0;
	if (r < 0)
		pn_warn("cannot let port %u be bound without privilege in this namespace (%s): "
			"keeping CAP_NET_BIND_SERVICE for reloads", c.opt.port, strerror(-r));
	r = drop_capabilities(r < 0);
	if (r < 0) {
		pn_err("dropping capabilities: %s", strerror(-r));
		goto out;
	}
	notify_ready(&c.ready_fd, 'R');
	pn_info("serving (pid %d)", (int)getpid());
	r = dns_server_run(s, holder_pidfd);
out:
	if (pid_written)
		remove_pid_file(c.pid_file);
	dns_server_free(s);
	return r < 0 ? 1 : 0;
}
