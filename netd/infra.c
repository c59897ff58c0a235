// SPDX-License-Identifier: GPL-2.0-or-later
/* The holder of U and I: see infra.h for the theory of operation. */
#define _GNU_SOURCE
#include "infra.h"
#include "cleanup.h"
#include "fileutil.h"
#include "link.h"
#include "nft.h"
#include "ns.h"

#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *holder_path(const struct pn_paths *p, char *buf)
{
	return pn_path(buf, "%s/holder.json", p->runtime);
}

void netd_infra_close(struct netd_infra *inf)
{
	if (inf->userns_fd >= 0)
		close(inf->userns_fd);
	if (inf->netns_fd >= 0)
		close(inf->netns_fd);
	inf->userns_fd = inf->netns_fd = -1;
}

int netd_infra_open(const struct pn_paths *p, struct netd_infra *ret, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	char path[PATH_MAX];
	json_int_t pid = 0, st = 0;
	int rootless = 0, subids = 0;
	int r;

	ret->userns_fd = ret->netns_fd = -1;
	r = pn_json_load(holder_path(p, path), &doc, NULL);
	if (r < 0)
		return -ENOENT;
	if (json_unpack(doc, "{s:I, s:I, s:b, s?b}", "pid", &pid, "starttime", &st, "rootless", &rootless,
			"subids", &subids) < 0 || pid <= 0)
		return -ENOENT;
	ret->holder.pid = (pid_t)pid;
	ret->holder.starttime = (uint64_t)st;
	ret->rootless = rootless;
	ret->subids = subids;
	if (!pn_proc_alive(&ret->holder))
		return -ENOENT;
	ret->netns_fd = pn_ns_open(ret->holder.pid, "net");
	if (rootless)
		ret->userns_fd = pn_ns_open(ret->holder.pid, "user");
	/* it could have exited between the check and the opens */
	if (ret->netns_fd < 0 || (rootless && ret->userns_fd < 0) || !pn_proc_alive(&ret->holder)) {
		netd_infra_close(ret);
		return -ENOENT;
	}
	(void)err;
	return 0;
}

int netd_subid_range(const char *file, const char *user, unsigned id, unsigned long *start,
		     unsigned long *count)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	char line[512], idstr[16];

	snprintf(idstr, sizeof(idstr), "%u", id);
	while (f && fgets(line, sizeof(line), f)) {
		char *name = strtok(line, ":"), *s = strtok(NULL, ":"), *c = strtok(NULL, ":\n");

		if (!name || !s || !c)
			continue;
		if ((user && strcmp(name, user) == 0) || strcmp(name, idstr) == 0) {
			*start = strtoul(s, NULL, 10);
			*count = strtoul(c, NULL, 10);
			if (*count > 0)
				return 0;
		}
	}
	return -ENOENT;
}

static int run_map_tool(const char *tool, pid_t pid, unsigned id, unsigned long start, unsigned long count)
{
	char spid[16], sid[16], sstart[24], scount[24];
	pid_t child;
	int status;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sid, sizeof(sid), "%u", id);
	snprintf(sstart, sizeof(sstart), "%lu", start);
	snprintf(scount, sizeof(scount), "%lu", count);
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 1);
		dup2(devnull, 2);
		execlp(tool, tool, spid, "0", sid, "1", "1", sstart, scount, (char *)NULL);
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -errno;
}

/* map the user's subordinate ranges, else just the user itself */
static int map_ids(pid_t pid, bool *ret_subids)
{
	struct passwd *pw = getpwuid(getuid());
	/* /etc/subuid names the user (or its uid, which netd_subid_range also takes) */
	const char *user = pw ? pw->pw_name : getenv("USER");
	unsigned long us, uc, gs, gc;
	char map[64];
	int r;

	*ret_subids = false;
	if (netd_subid_range("/etc/subuid", user, getuid(), &us, &uc) == 0 &&
	    netd_subid_range("/etc/subgid", user, getuid(), &gs, &gc) == 0 &&
	    run_map_tool("newuidmap", pid, getuid(), us, uc) == 0 &&
	    run_map_tool("newgidmap", pid, getgid(), gs, gc) == 0) {
		*ret_subids = true;
		return 0;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", getuid());
	r = write_proc(pid, "uid_map", map);
	if (r == 0)
		r = write_proc(pid, "setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", getgid());
	if (r == 0)
		r = write_proc(pid, "gid_map", map);
	return r;
}

/* whether @pid's user namespace maps a range beyond the user itself (its subordinate ids) */
static bool maps_subids(pid_t pid)
{
	char path[64], line[128];
	_cleanup_fclose_ FILE *f = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long inside, outside, count;

		found = sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3 && count > 1;
	}
	return found;
}

int netd_infra_apply_networks(const struct netd_network *nets, size_t n, struct pn_err *err)
{
	struct nl_sock *sk = NULL;
	int r;

	r = netd_nl_open(&sk, err);
	if (r < 0)
		return r;
	/* what a command killed half-way left (a removed network's bridge, a reused bridge's old gateway) */
	r = netd_bridges_tidy(sk, nets, n, true, NULL, 0, err);
	if (r > 0)
		r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = netd_bridge_ensure(sk, &nets[i], NULL, err);
	netd_nl_close(sk);
	if (r == 0)
		r = netd_nft_apply(nets, n, err);
	return r;
}

static int holder_setup(const struct netd_network *nets, size_t n, struct pn_err *err)
{
	int r;

	if (unshare(CLONE_NEWNET) < 0)
		return pn_err_set(err, errno, "cannot create the infra network namespace: %s", strerror(errno));
	r = netd_lo_up(err);
	if (r < 0)
		return r;
	pn_sysctl_write("net/ipv4/ip_forward", "1");
	netd_no_link_local();
	/*
	 * Bridge ports (the I end of every veth) need no IPv6 of their own: with
	 * it, each port that comes up adds a multicast route next to every other
	 * port's in one fib6 node, and each removal walks the fib, so attaching
	 * and detaching grow with the containers on the network. Interfaces that
	 * carry addresses enable it (netd_bridge_ensure(), podnet-slirp's tap);
	 * lo exists already and keeps it.
	 */
	pn_sysctl_write("net/ipv6/conf/default/disable_ipv6", "1");
	pn_sysctl_write("net/ipv6/conf/all/forwarding", "1");
	/* answers for the gateways must not depend on reverse-path heuristics */
	pn_sysctl_write("net/ipv4/conf/all/rp_filter", "0");
	pn_sysctl_write("net/ipv4/conf/default/rp_filter", "0");
	return netd_infra_apply_networks(nets, n, err);
}

static void holder_loop(void)
{
	sigset_t set;
	int sig = 0;

	pn_proc_set_name("podnet-holder");
	setsid();
	if (chdir("/") < 0) {
		/* nothing useful to do about it */
	}
	{
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		pn_close_fds_from(3, NULL, 0);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		if (sigwait(&set, &sig) == 0 && sig != SIGHUP)
			_exit(0);
	}
}


static int start_holder(const struct pn_paths *p, int adopt_userns_fd, struct netd_infra *ret, struct pn_err *err)
{
	struct netd_network *nets = NULL;
	size_t n = 0;
	int to_child[2] = { -1, -1 }, to_parent[2] = { -1, -1 };
	struct pn_err cerr = { 0 };
	struct pn_err lerr = { 0 };
	bool subids = false;
	pid_t pid;
	char c;
	int r;

	r = netd_network_list(p, &nets, &n, &lerr);
	if (r < 0)
		return pn_err_set(err, r, "%s", lerr.msg);
	if (pipe2(to_child, O_CLOEXEC) < 0 || pipe2(to_parent, O_CLOEXEC) < 0) {
		netd_network_list_free(nets, n);
		return pn_err_set(err, errno, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		netd_network_list_free(nets, n);
		return pn_err_set(err, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		struct pn_err e = { 0 };
		int rc = 0;

		close(to_child[1]);
		close(to_parent[0]);
		if (p->rootless && adopt_userns_fd >= 0) {
			/* U lives on in running containers: build the new I inside it */
			if (setns(adopt_userns_fd, CLONE_NEWUSER) < 0) {
				rc = pn_err_set(&e, errno, "cannot join the existing user namespace: %s", strerror(errno));
				goto report;
			}
			(void)!setresgid(0, 0, 0);
			(void)!setresuid(0, 0, 0);
		} else if (p->rootless) {
			if (unshare(CLONE_NEWUSER) < 0) {
				rc = pn_err_set(&e, errno, "cannot create a user namespace: %s (is kernel.unprivileged_userns_clone or user.max_user_namespaces 0?)",
						strerror(errno));
				goto report;
			}
			c = 'u';
			if (write(to_parent[1], &c, 1) != 1 || pn_read_full(to_child[0], &c, 1) < 0 || c != 'm')
				_exit(1);
			(void)!setresgid(0, 0, 0);
			(void)!setresuid(0, 0, 0);
		}
		rc = holder_setup(nets, n, &e);
report:
		if (write(to_parent[1], &e, sizeof(e)) != (ssize_t)sizeof(e))
			_exit(1);
		if (rc < 0)
			_exit(1);
		close(to_parent[1]);
		close(to_child[0]);
		holder_loop();
	}
	close(to_child[0]);
	close(to_parent[1]);
	netd_network_list_free(nets, n);
	r = 0;
	if (p->rootless && adopt_userns_fd < 0) {
		if (pn_read_full(to_parent[0], &c, 1) < 0 || c != 'u') {
			r = pn_err_set(err, EIO, "the namespace holder failed to start");
		} else {
			r = map_ids(pid, &subids);
			if (r < 0)
				pn_err_set(err, r, "cannot map user ids into the user namespace: %s", strerror(-r));
			c = r < 0 ? 'x' : 'm';
			if (write(to_child[1], &c, 1) != 1 && r == 0)
				r = pn_err_set(err, EIO, "the namespace holder died");
		}
	}
	if (r == 0 && pn_read_full(to_parent[0], &cerr, sizeof(cerr)) < 0)
		r = pn_err_set(err, EIO, "the namespace holder died while starting");
	if (r == 0 && cerr.code) {
		*err = cerr;
		r = -cerr.code;
	}
	close(to_child[1]);
	close(to_parent[0]);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	/* an adopted U keeps the mapping it was given when it was made */
	if (p->rootless && adopt_userns_fd >= 0)
		subids = maps_subids(pid);
	/* the holder is our child only until we exit; it is reparented then */
	ret->holder.pid = pid;
	pn_proc_starttime(pid, &ret->holder.starttime);
	ret->rootless = p->rootless;
	ret->subids = subids;
	{
		_cleanup_json_ json_t *doc = json_pack("{s:I, s:I, s:b, s:b}", "pid", (json_int_t)pid, "starttime",
						       (json_int_t)ret->holder.starttime, "rootless", p->rootless,
						       "subids", subids);
		char path[PATH_MAX];

		r = pn_json_save(holder_path(p, path), doc, 0);
		if (r < 0) {
			kill(pid, SIGKILL);
			return pn_err_set(err, r, "cannot write %s: %s", path, strerror(-r));
		}
	}
	return 0;
}

int netd_infra_ensure(const struct pn_paths *p, struct netd_infra *ret, bool *ret_started,
		      struct pn_err *err)
{
	int r;

	if (ret_started)
		*ret_started = false;
	if (netd_infra_open(p, ret, err) == 0)
		return 0;
	r = start_holder(p, -1, ret, err);
	if (r < 0)
		return r;
	if (ret_started)
		*ret_started = true;
	r = netd_infra_open(p, ret, err);
	if (r < 0)
		return pn_err_set(err, EIO, "the namespace holder exited right after starting");
	return 0;
}

int netd_infra_adopt(const struct pn_paths *p, int userns_fd, struct netd_infra *ret, struct pn_err *err)
{
	int r = start_holder(p, userns_fd, ret, err);

	if (r < 0)
		return r;
	/* the id mapping of the adopted U is whatever it was */
	r = netd_infra_open(p, ret, err);
	if (r < 0)
		return pn_err_set(err, EIO, "the namespace holder exited right after starting");
	return 0;
}

int netd_infra_stop(const struct pn_paths *p)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	char path[PATH_MAX];
	int r = 0;

	if (netd_infra_open(p, &inf, NULL) == 0) {
		r = pn_proc_kill_wait(&inf.holder, 2000);
		netd_infra_close(&inf);
	}
	unlink(holder_path(p, path));
	return r;
}

static bool infra_entered;

static int join_infra(const struct netd_infra *inf, struct pn_err *err)
{
	int r = pn_ns_join(inf->userns_fd, inf->netns_fd);

	return r < 0 ? pn_err_set(err, r, "cannot join the infra namespaces: %s", strerror(-r)) : 0;
}

/* @fn, its failure always described in @cerr */
static int call_fn(int (*fn)(void *arg, struct pn_err *err), void *arg, struct pn_err *cerr)
{
	int r = fn(arg, cerr);

	if (r < 0 && !cerr->code)
		pn_err_set(cerr, r, "%s", strerror(-r));
	return r;
}

int netd_infra_enter(const struct netd_infra *inf, struct pn_err *err)
{
	int r = infra_entered ? 0 : join_infra(inf, err);

	if (r == 0)
		infra_entered = true;
	return r;
}

int netd_infra_run(const struct netd_infra *inf, int (*fn)(void *arg, struct pn_err *err), void *arg,
		   struct pn_err *err)
{
	return netd_infra_run_out(inf, fn, arg, NULL, 0, err);
}

int netd_infra_run_out(const struct netd_infra *inf, int (*fn)(void *arg, struct pn_err *err), void *arg,
		       void *out, size_t out_size, struct pn_err *err)
{
	int fds[2];
	struct pn_err cerr = { 0 };
	pid_t pid;
	int status, r;

	if (infra_entered) {
		/* in this process: the same error reporting as from a worker */
		call_fn(fn, arg, &cerr);
		if (cerr.code && err)
			*err = cerr;
		return -cerr.code;
	}

	if (pipe2(fds, O_CLOEXEC) < 0)
		return pn_err_set(err, errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return pn_err_set(err, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		r = join_infra(inf, &cerr);
		if (r == 0)
			r = call_fn(fn, arg, &cerr);
		if (write(fds[1], &cerr, sizeof(cerr)) != (ssize_t)sizeof(cerr))
			_exit(2);
		/* @out lives in our copy of the caller's memory: send it back */
		if (out_size && write(fds[1], out, out_size) != (ssize_t)out_size)
			_exit(2);
		_exit(r < 0 ? 1 : 0);
	}
	close(fds[1]);
	r = pn_read_full(fds[0], &cerr, sizeof(cerr));
	if (r == 0 && out_size)
		r = pn_read_full(fds[0], out, out_size);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return pn_err_set(err, EIO, "worker in the infra namespace died");
	if (cerr.code) {
		if (err)
			*err = cerr;
		return -cerr.code;
	}
	return 0;
}
