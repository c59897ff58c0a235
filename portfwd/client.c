// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CLI's side of published ports: start podnet-portfwd for a container and
 * wait until its host listeners are bound (or it reports why they could not
 * be), find out whether it still runs, stop it. State per owner lives in
 * $RUN/ctr/<id>/: portfwd.pid ("PID STARTTIME"), portfwd.mode
 * ("transparent" or "fallback REASON"), portfwd.log.
 *
 * Ready protocol on an inherited pipe, one line each, from the forwarder:
 *   PID <pid>                                  at once
 *   OK <pid> <starttime> <mode> <port>...      listening; one host port per mapping
 *   ERR <errno> <message>                      gave up; nothing is left bound
 */
#define _GNU_SOURCE
#include "portfwd.h"
#include "cleanup.h"
#include "fileutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 20000
#define ARG_MAX_COUNT (32 + 2 * PN_PORTFWD_MAX_MAPPINGS)
#define DEFAULT_HOST_GATEWAY4 "10.0.2.2"
#define DEFAULT_HOST_GATEWAY6 "fd00::2"

const char *portfwd_mode_name(enum pn_portfwd_mode mode)
{
	switch (mode) {
	case PN_PORTFWD_MODE_TRANSPARENT: return "transparent";
	case PN_PORTFWD_MODE_FALLBACK: return "fallback";
	default: return "unknown";
	}
}

static int owner_valid(const char *id)
{
	size_t n = id ? strnlen(id, 129) : 0;

	if (n == 0 || n > 128 || id[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '-' || id[i] == '.'))
			return 0;
	return 1;
}

static char *state_file(char *buf, const struct pn_paths *paths, const char *owner, const char *name)
{
	return pn_path(buf, "%s/ctr/%s/%s", paths->runtime, owner, name);
}

static int mapping_valid(const struct pn_port_mapping *m, struct pn_err *err)
{
	unsigned char a[16];

	if (strcmp(m->protocol, "tcp") && strcmp(m->protocol, "udp"))
		return pn_err_set(err, EINVAL, "protocol '%.4s' is not tcp or udp", m->protocol);
	if (!memchr(m->host_ip, '\0', sizeof(m->host_ip)) ||
	    (m->host_ip[0] && inet_pton(strchr(m->host_ip, ':') ? AF_INET6 : AF_INET, m->host_ip, a) != 1))
		return pn_err_set(err, EINVAL, "host IP is not an IP address");
	if (m->container_port == 0 || m->range == 0 || m->range > PN_PORTFWD_MAX_RANGE ||
	    (unsigned)m->container_port + m->range - 1 > 65535 ||
	    (m->host_port && (unsigned)m->host_port + m->range - 1 > 65535))
		return pn_err_set(err, EINVAL, "port mapping %u:%u (%u ports) is out of range", m->host_port,
				  m->container_port, m->range);
	return 0;
}

/* First IPv4 and IPv6 line of $RUN/dns/host-gateway, else the slirp defaults. */
static void host_gateways(const struct pn_paths *paths, char *gw4, char *gw6)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	unsigned char a[16];
	size_t len;

	strcpy(gw4, DEFAULT_HOST_GATEWAY4);
	strcpy(gw6, DEFAULT_HOST_GATEWAY6);
	if (!pn_path(path, "%s/dns/host-gateway", paths->runtime) || pn_read_file(path, 4096, &buf, &len) < 0)
		return;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strlen(line) >= 46)
			continue;
		if (inet_pton(AF_INET, line, a) == 1)
			strcpy(gw4, line);
		else if (inet_pton(AF_INET6, line, a) == 1)
			strcpy(gw6, line);
	}
}

/* An fd below 3 would be clobbered by the stdio setup of the child. */
static int fd_above_stdio(int fd, int *owned)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	*owned = nfd;
	return nfd;
}

struct spawn {
	char args[ARG_MAX_COUNT][PN_PORTFWD_REASON_MAX + 64];
	char *argv[ARG_MAX_COUNT + 1];
	int argc;
};

static int spawn_add(struct spawn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int spawn_add(struct spawn *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->argc >= ARG_MAX_COUNT)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(s->args[s->argc], sizeof(s->args[0]), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->args[0]))
		return -E2BIG;
	s->argv[s->argc] = s->args[s->argc];
	s->argc++;
	s->argv[s->argc] = NULL;
	return 0;
}



/*
 * Read the ready pipe until its OK/ERR line, EOF or the deadline. A leading
 * "PID n" line (the forwarder, before it binds) is consumed into @early_pid.
 */
static int read_ready(int fd, char *buf, size_t size, pid_t *early_pid)
{
	uint64_t deadline = pn_monotonic_ms() + READY_TIMEOUT_MS;
	size_t len = 0;
	char *nl;
	int r;

	buf[0] = '\0';
	for (;;) {
		r = pn_read_line_until(fd, buf, size, &len, deadline);
		if (r < 0)
			return r;
		while (!strncmp(buf, "PID ", 4) && (nl = strchr(buf, '\n'))) {
			*early_pid = (pid_t)atoi(buf + 4);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
		if (r == 1 || strchr(buf, '\n') || len == size - 1)
			return 0;
	}
}

int portfwd_start(const struct pn_paths *paths, const char *owner_id, const struct pn_proc_id *watch,
		  int userns_fd, int netns_fd, const char *target_ipv4, const char *target_ipv6,
		  struct pn_port_mapping *maps, size_t n, const struct pn_portfwd_source *src,
		  struct pn_proc_id *ret_proc, struct pn_err *err)
{
	char dir[PATH_MAX], exe[PATH_MAX], logpath[PATH_MAX], gw4[46], gw6[46], reply[PN_ERR_MSG_MAX + 64];
	_cleanup_close_ int rd = -1, wr = -1, logfd = -1, devnull = -1, u_owned = -1, i_owned = -1;
	_cleanup_free_ struct spawn *s = NULL;
	unsigned char a[16];
	struct pn_proc_id old;
	bool alive = false;
	pid_t child, early_pid = 0;
	int p[2], r, status;

	if (!paths || !owner_valid(owner_id))
		return pn_err_set(err, EINVAL, "invalid container id for port forwarding");
	if (!watch || watch->pid <= 0 || netns_fd < 0 || !maps || n == 0 || n > PN_PORTFWD_MAX_MAPPINGS)
		return pn_err_set(err, EINVAL, "invalid port forwarding request");
	if ((target_ipv4 && *target_ipv4 && inet_pton(AF_INET, target_ipv4, a) != 1) ||
	    (target_ipv6 && *target_ipv6 && inet_pton(AF_INET6, target_ipv6, a) != 1))
		return pn_err_set(err, EINVAL, "invalid container address");
	if (!(target_ipv4 && *target_ipv4) && !(target_ipv6 && *target_ipv6))
		return pn_err_set(err, EINVAL, "the container has no address to publish ports to");
	for (size_t i = 0; i < n; i++)
		if ((r = mapping_valid(&maps[i], err)) < 0)
			return r;
	if (portfwd_status(paths, owner_id, &old, &alive) == 0 && alive)
		return pn_err_set(err, EALREADY, "the port forwarder of %s is already running (pid %d)", owner_id,
				  (int)old.pid);

	if (!pn_path(dir, "%s/ctr/%s", paths->runtime, owner_id) ||
	    !pn_path(exe, "%s/podnet-portfwd", paths->libexec) || !pn_path(logpath, "%s/portfwd.log", dir))
		return pn_err_set(err, ENAMETOOLONG, "path too long");
	r = pn_mkdir_p(dir, 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", dir, strerror(-r));
	if (access(exe, X_OK) < 0)
		return pn_err_set(err, errno, "cannot run %s: %s", exe, strerror(errno));
	host_gateways(paths, gw4, gw6);

	s = calloc(1, sizeof(*s));
	if (!s)
		return pn_err_set(err, ENOMEM, "out of memory");
	userns_fd = fd_above_stdio(userns_fd, &u_owned);
	netns_fd = fd_above_stdio(netns_fd, &i_owned);
	if (netns_fd < 0)
		return pn_err_set(err, errno, "dup: %s", strerror(errno));
	if (pipe2(p, O_CLOEXEC) < 0)
		return pn_err_set(err, errno, "pipe: %s", strerror(errno));
	rd = p[0];
	wr = p[1];
	logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (logfd < 0 || devnull < 0)
		return pn_err_set(err, errno, "cannot open %s: %s", logpath, strerror(errno));

	r = spawn_add(s, "%s", exe);
	r = r ?: spawn_add(s, "--owner=%s", owner_id);
	r = r ?: spawn_add(s, "--state-dir=%s", dir);
	r = r ?: spawn_add(s, "--watch=%d:%" PRIu64, (int)watch->pid, watch->starttime);
	r = r ?: spawn_add(s, "--netns-fd=%d", netns_fd);
	r = r ?: spawn_add(s, "--ready-fd=%d", wr);
	r = r ?: spawn_add(s, "--host-gateway=%s", gw4);
	r = r ?: spawn_add(s, "--host-gateway=%s", gw6);
	if (!r && userns_fd >= 0)
		r = spawn_add(s, "--userns-fd=%d", userns_fd);
	if (!r && target_ipv4 && *target_ipv4)
		r = spawn_add(s, "--target4=%s", target_ipv4);
	if (!r && target_ipv6 && *target_ipv6)
		r = spawn_add(s, "--target6=%s", target_ipv6);
	/* what the CLI set up in I for transparent source addresses (netd/tproxy.c) */
	if (!r && src && (src->transparent4 || src->transparent6))
		r = spawn_add(s, "--transparent=%s%s%s", src->transparent4 ? "4" : "",
			      src->transparent4 && src->transparent6 ? "," : "", src->transparent6 ? "6" : "");
	if (!r && src && src->reason[0])
		r = spawn_add(s, "--fallback-reason=%.*s", (int)strcspn(src->reason, "\n"), src->reason);
	for (size_t i = 0; i < n && !r; i++)
		r = spawn_add(s, "--map=%s,%s,%u,%u,%u", maps[i].protocol, maps[i].host_ip, maps[i].host_port,
			      maps[i].container_port, maps[i].range);
	if (r < 0)
		return pn_err_set(err, E2BIG, "too many arguments for podnet-portfwd");

	child = fork();
	if (child < 0)
		return pn_err_set(err, errno, "fork: %s", strerror(errno));
	if (child == 0) {
		/* detach: a session of its own, reparented away from the caller */
		sigset_t all;

		setsid();
		if (fork() != 0)
			_exit(0);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(127);
		fcntl(netns_fd, F_SETFD, 0);
		fcntl(wr, F_SETFD, 0);
		if (userns_fd >= 0)
			fcntl(userns_fd, F_SETFD, 0);
		execv(exe, s->argv);
		_exit(127);
	}
	close(steal_fd(&wr));
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;

	r = read_ready(rd, reply, sizeof(reply), &early_pid);
	if (r == -ETIMEDOUT) {
		if (early_pid > 0)
			kill(early_pid, SIGKILL);
		return pn_err_set(err, ETIMEDOUT, "podnet-portfwd did not report within %d s (see %s)",
				  READY_TIMEOUT_MS / 1000, logpath);
	}
	if (r < 0)
		return pn_err_set(err, r, "reading from podnet-portfwd: %s", strerror(-r));
	if (!strncmp(reply, "ERR ", 4)) {
		char *msg = NULL;
		long code = strtol(reply + 4, &msg, 10);

		if (msg && *msg == ' ')
			msg++;
		if (msg)
			msg[strcspn(msg, "\n")] = '\0';
		return pn_err_set(err, code > 0 ? (int)code : EIO, "%s", msg && *msg ? msg : "podnet-portfwd failed");
	}
	if (!strncmp(reply, "OK ", 3)) {
		struct pn_proc_id id;
		char mode[32], *q;
		int used;

		if (sscanf(reply + 3, "%d %" SCNu64 " %31s%n", &id.pid, &id.starttime, mode, &used) != 3)
			return pn_err_set(err, EPROTO, "podnet-portfwd sent a malformed reply");
		q = reply + 3 + used;
		for (size_t i = 0; i < n; i++) {
			char *end;
			unsigned long port = strtoul(q, &end, 10);

			if (end == q || port == 0 || port > 65535)
				return pn_err_set(err, EPROTO, "podnet-portfwd sent a malformed reply");
			maps[i].host_port = (uint16_t)port;
			q = end;
		}
		if (ret_proc)
			*ret_proc = id;
		return 0;
	}
	{
		char tail[256];

		pn_file_last_line(logpath, tail, sizeof(tail));
		return pn_err_set(err, EIO, "podnet-portfwd exited during start%s%s", tail[0] ? ": " : "", tail);
	}
}

int portfwd_status(const struct pn_paths *paths, const char *owner_id, struct pn_proc_id *ret, bool *ret_alive)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	struct pn_proc_id id = { 0 };
	size_t len;
	int r;

	if (ret)
		memset(ret, 0, sizeof(*ret));
	*ret_alive = false;
	if (!owner_valid(owner_id) || !state_file(path, paths, owner_id, "portfwd.pid"))
		return -EINVAL;
	r = pn_read_file(path, 128, &buf, &len);
	if (r < 0)
		return r;
	if (sscanf(buf, "%d %" SCNu64, &id.pid, &id.starttime) != 2 || id.pid <= 0)
		return -EBADMSG;
	if (ret)
		*ret = id;
	*ret_alive = pn_proc_alive(&id);
	return 0;
}

int portfwd_stop(const struct pn_paths *paths, const char *owner_id)
{
	char path[PATH_MAX];
	struct pn_proc_id id;
	bool alive;
	int r;

	r = portfwd_status(paths, owner_id, &id, &alive);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && r != -EBADMSG)
		return r;
	if (r == 0 && alive) {
		r = pn_proc_kill_wait(&id, 3000);
		if (r < 0)
			return r;
	}
	if (state_file(path, paths, owner_id, "portfwd.pid"))
		unlink(path);
	if (state_file(path, paths, owner_id, "portfwd.mode"))
		unlink(path);
	return 0;
}

int portfwd_source_mode(const struct pn_paths *paths, const char *owner_id, enum pn_portfwd_mode *ret_mode,
			char *reason, size_t reason_size)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	*ret_mode = PN_PORTFWD_MODE_UNKNOWN;
	if (reason && reason_size)
		reason[0] = '\0';
	if (!owner_valid(owner_id) || !state_file(path, paths, owner_id, "portfwd.mode"))
		return -EINVAL;
	r = pn_read_file(path, 4096, &buf, &len);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "transparent")) {
		*ret_mode = PN_PORTFWD_MODE_TRANSPARENT;
	} else if (!strncmp(buf, "fallback", 8) && (buf[8] == '\0' || buf[8] == ' ')) {
		*ret_mode = PN_PORTFWD_MODE_FALLBACK;
		if (reason && reason_size)
			snprintf(reason, reason_size, "%s", buf[8] ? buf + 9 : "");
	} else {
		return -EBADMSG;
	}
	return 0;
}
