// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Starting a sandbox. Theory of operation (process tree, rootless):
 *
 *   launcher (host namespaces, child subreaper)
 *     └─ A: joins U; unshares net (or joins the pod's), mount, uts, ipc, pid;
 *           creates the veths from I and configures them, bind-mounts
 *           hosts/resolv.conf, sets the hostname, forks B and exits
 *           └─ B: PID 1 of the new PID namespace (reparented to the launcher);
 *                 waits for the launcher's "go", then forks the command C and
 *                 forwards signals to it, reaping orphans, exiting with C's
 *                 status. For a pod, B is the pause process.
 *
 * Splitting A from B lets the launcher learn B's PID (for state, signals,
 * exec and the port forwarder) before anything of the user's runs, and lets a
 * failure leave nothing: if A fails it exits, its new namespaces die with it.
 * When B exits the kernel kills everything else in its PID namespace, so no
 * stray process can keep the container's network namespace alive.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "cleanup.h"
#include "fileutil.h"
#include "link.h"
#include "nft.h"
#include "ns.h"
#include "sandbox.h"
#include "state.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

struct report {
	struct pn_err err;
	pid_t init;
};


static void noop_handler(int sig)
{
	(void)sig;
}

void cli_signals_catch(const int *sigs, size_t n, sigset_t *ret_set, sigset_t *ret_old)
{
	struct sigaction sa = { .sa_handler = noop_handler };

	sigemptyset(ret_set);
	for (size_t i = 0; i < n; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(ret_set, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, ret_set, ret_old);
}

void cli_env_apply(json_t *env)
{
	size_t i;
	json_t *v;

	/* in a child about to exec: the strings outlive it, as putenv() wants */
	json_array_foreach(env, i, v)
		if (json_string_value(v) && strchr(json_string_value(v), '='))
			putenv((char *)json_string_value(v));
}

/* B as init: run the command, forward signals, reap, exit with its status */
static void __attribute__((noreturn)) init_main(char **argv, json_t *env, const char *workdir, int stop_sig,
						 int out_fd, int exec_w)
{
	/* the last slot: the container's --stop-signal when it is none of these (KILL needs no passing on) */
	int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGCHLD, SIGTERM };
	sigset_t set, old;
	pid_t child;

	if (stop_sig > 0 && stop_sig != SIGKILL && stop_sig != SIGSTOP)
		fwd[sizeof(fwd) / sizeof(fwd[0]) - 1] = stop_sig;
	/* a PID 1 only receives signals it has a handler for */
	cli_signals_catch(fwd, sizeof(fwd) / sizeof(fwd[0]), &set, &old);
	child = fork();
	if (child < 0)
		_exit(125);
	if (child == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
			sigaction(fwd[i], &dfl, NULL);
		sigaction(SIGCHLD, &dfl, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
		}
		cli_env_apply(env);
		/* checked by run and start; gone in between: as an exec that fails, told by -errno */
		if (workdir && chdir(workdir) < 0) {
			int e = -errno;

			signal(SIGPIPE, SIG_IGN);
			if (exec_w >= 0 && write(exec_w, &e, sizeof(e)) != (ssize_t)sizeof(e)) {
				/* nobody waits: the exit status tells */
			}
			fprintf(stderr, "Error: cannot change to the working directory %s: %s\n", workdir, strerror(-e));
			_exit(126);
		}
		execvp(argv[0], argv);
		{
			int e = errno;

			/* the launcher of a detached container reports it (the pipe closes on exec);
			 * a foreground launcher does not read it */
			signal(SIGPIPE, SIG_IGN);
			if (exec_w >= 0 && write(exec_w, &e, sizeof(e)) != (ssize_t)sizeof(e)) {
				/* nobody waits: the exit status tells */
			}
			fprintf(stderr, "Error: cannot run %s: %s\n", argv[0], strerror(e));
			_exit(e == ENOENT ? 127 : 126);
		}
	}
	if (exec_w >= 0)
		close(exec_w);
	if (out_fd >= 0) {
		/* detached: init keeps nothing of the launcher's stdio either */
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		close(out_fd);
	}
	pn_proc_set_name("podnet-init");
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		for (;;) {
			int status;
			pid_t w = waitpid(-1, &status, WNOHANG);

			if (w <= 0)
				break;
			if (w == child)
				_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
	}
}

static void __attribute__((noreturn)) pause_main(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	sigset_t set;
	int sig;

	pn_proc_set_name("podnet-pause");
	/* as PID 1, signals need a handler to be delivered at all */
	cli_signals_catch(sigs, sizeof(sigs) / sizeof(sigs[0]), &set, NULL);
	for (;;)
		if (sigwait(&set, &sig) == 0 && sig != SIGHUP)
			_exit(0);
}

/*
 * Each port of a sandbox may send from every address of the sandbox, not only
 * its own network's: the container has no source routing, so a reply or a
 * socket bound to eth1's address can leave by the default route on eth0. Other
 * sandboxes' addresses stay refused. For @only_net, its port gets (or loses)
 * them all, and the other ports gain (or lose) that network's addresses.
 */
int cli_attach_firewall(json_t *doc, const char *only_net, bool add, struct pn_err *err)
{
	struct netd_nft_elems e;
	struct pn_ip all[NETD_MAX_NETWORKS * NETD_MAX_SUBNETS]; /* every address of every attachment */
	const struct pn_ip *mine = all; /* @only_net's addresses: a slice of @all */
	int nall = 0, nmine = 0;
	bool host_access = json_is_true(json_object_get(doc, "host_access"));
	json_t *att;
	const char *k;
	int r = 0;

	json_object_foreach(json_object_get(doc, "networks"), k, att) {
		int n = netd_attach_ips(att, all + nall, (int)(sizeof(all) / sizeof(all[0])) - nall);

		if (only_net && strcmp(k, only_net) == 0) {
			mine = all + nall;
			nmine = n;
		}
		nall += n;
	}
	netd_nft_elems_init(&e);
	json_object_foreach(json_object_get(doc, "networks"), k, att) {
		const char *port = json_string_value(json_object_get(att, "host_interface"));
		bool this = !only_net || strcmp(k, only_net) == 0;

		/* the port itself is guarded (or unguarded) only with its own network */
		r = this ? netd_nft_elems_add(&e, port, all, nall, add)
			 : netd_nft_elems_addrs(&e, port, mine, nmine, add);
		if (r < 0)
			break;
	}
	if (r == 0 && host_access)
		r = netd_nft_elems_host(&e, only_net ? mine : all, only_net ? nmine : nall, add);
	if (r < 0) {
		json_decref(e.cmds);
		return pn_err_set(err, EINVAL, "corrupt attachment of %s", json_string_value(json_object_get(doc, "name")) ?: "a sandbox");
	}
	return netd_nft_elems_commit(&e, err);
}

struct firewall_arg {
	json_t *doc;
	struct pn_err err;
};

static int firewall_in_infra(void *arg)
{
	struct firewall_arg *a = arg;

	return cli_attach_firewall(a->doc, NULL, true, &a->err);
}

static int bind_file(const char *src, const char *dst)
{
	if (access(dst, F_OK) < 0)
		return 0; /* nothing to cover */
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return 0;
}

/* A: everything that happens inside U before the command starts */
static int child_setup(struct cli *c, struct launch *l, int pod_fds[3], int net_of_fd, struct pn_err *err)
{
	const char *id = json_string_value(json_object_get(l->doc, "id"));
	const char *hostname = json_string_value(json_object_get(l->doc, "hostname"));
	char dir[PATH_MAX], src[PATH_MAX];
	int flags = CLONE_NEWNS | CLONE_NEWPID;
	int r;

	if (l->inf && (r = pn_ns_join(l->inf->userns_fd, -1)) < 0)
		return pn_err_set(err, r, "cannot join the user namespace: %s", strerror(-r));
	if (l->pod) {
		static const int types[] = { CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC };

		for (int i = 0; i < 3; i++)
			if (pod_fds[i] >= 0 && setns(pod_fds[i], types[i]) < 0)
				return pn_err_set(err, errno, "cannot join the pod's namespaces: %s", strerror(errno));
	} else if (l->net_of) {
		/* another container's network (-1: it is on the host's, where we are already) */
		if (net_of_fd >= 0 && setns(net_of_fd, CLONE_NEWNET) < 0)
			return pn_err_set(err, errno, "cannot join the network namespace of container %s: %s",
					  json_string_value(json_object_get(l->net_of, "name")), strerror(errno));
		flags |= CLONE_NEWUTS | CLONE_NEWIPC;
	} else {
		flags |= CLONE_NEWUTS | CLONE_NEWIPC | (l->network_host ? 0 : CLONE_NEWNET);
	}
	/* the pid namespace last: the first process forked after it would become
	 * its init, and a helper forked for the network setup (podnet-nft, as
	 * the static CLI runs nftables) would leave it dead when it exits */
	if (unshare(flags & ~CLONE_NEWPID) < 0)
		return pn_err_set(err, errno, "cannot create namespaces: %s", strerror(errno));

	if (!l->pod && !l->network_host && !l->net_of) {
		_cleanup_close_ int cfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		struct firewall_arg fw = { .doc = l->doc };
		json_t *att;
		const char *k;

		r = netd_lo_up(err);
		if (r < 0)
			return r;
		/* containers never do router discovery on their links */
		pn_sysctl_write("net/ipv6/conf/default/accept_ra", "0");
		netd_no_link_local();
		/* each port's addresses are listed (and so guarded) before the port exists */
		r = pn_ns_run_in(l->inf->netns_fd, firewall_in_infra, &fw);
		if (r < 0 && fw.err.code) {
			*err = fw.err;
			return r;
		}
		if (r < 0)
			return pn_err_set(err, r, "cannot enter the infra namespace: %s", strerror(-r));
		json_object_foreach(json_object_get(l->doc, "networks"), k, att) {
			struct netd_network net;

			r = netd_network_load(&c->paths, k, &net, err);
			if (r < 0)
				return r;
			r = netd_attach_apply(l->inf->netns_fd, cfd, &net, att, err);
			netd_network_clear(&net);
			if (r < 0)
				return pn_err_prefix(err, "network %s", k);
		}
	}
	if (!l->pod && hostname && *hostname && sethostname(hostname, strlen(hostname)) < 0)
		return pn_err_set(err, errno, "cannot set hostname: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return pn_err_set(err, errno, "cannot make mounts private: %s", strerror(errno));
	/*
	 * sysfs shows the network namespace it was mounted in: a fresh one makes
	 * /sys/class/net the container's own interfaces (best effort: the host's
	 * /sys stays if the kernel refuses).
	 */
	if (!l->network_host)
		mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	/* the other container's /etc/hosts and resolv.conf, as in Podman: rewritten in place, so its
	 * connects and disconnects show here too */
	netd_sandbox_dir(&c->paths, l->net_of ? json_string_value(json_object_get(l->net_of, "id")) : id, dir);
	if (bind_file(pn_path(src, "%s/hosts", dir), "/etc/hosts") < 0 ||
	    bind_file(pn_path(src, "%s/resolv.conf", dir), "/etc/resolv.conf") < 0 ||
	    bind_file(pn_path(src, "%s/hostname", netd_sandbox_dir(&c->paths, id, dir)), "/etc/hostname") < 0)
		return pn_err_set(err, errno, "cannot mount /etc files: %s", strerror(errno));
	if (unshare(CLONE_NEWPID) < 0)
		return pn_err_set(err, errno, "cannot create namespaces: %s", strerror(errno));
	return 0;
}

/*
 * Namespaces @names of running sandbox @sb (a pod its members join, a container
 * another joins the network of) into @fds. A network namespace that is ours
 * already (the host's: U could not join it) is -1.
 * Return: 0, or -errno with @err set (nothing left open).
 */
static int sandbox_ns_open(json_t *sb, const char *const *names, int n, int *fds, struct pn_err *err)
{
	const char *kind = json_string_value(json_object_get(sb, "kind")) ?: "container";
	const char *name = json_string_value(json_object_get(sb, "name")) ?: "?";
	struct pn_proc_id init;

	if (!netd_sandbox_proc(sb, "init", &init) || !pn_proc_alive(&init))
		return pn_err_set(err, ESRCH, "%s %s is not running", kind, name);
	for (int i = 0; i < n; i++) {
		fds[i] = pn_ns_open(init.pid, names[i]);
		if (fds[i] < 0) {
			int r = fds[i];

			for (int j = 0; j < i; j++)
				if (fds[j] >= 0)
					close(fds[j]);
			return pn_err_set(err, r, "cannot open the namespaces of %s %s: %s", kind, name, strerror(-r));
		}
		if (strcmp(names[i], "net") == 0 && pn_ns_is_mine(fds[i], "net")) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	return 0;
}

int launch_sandbox(struct cli *c, struct launch *l, struct pn_proc_id *ret_init, int *ret_go_fd,
		   struct pn_err *err)
{
	static const char *const pod_ns[] = { "net", "uts", "ipc" }, *const net_ns[] = { "net" };
	int rep[2] = { -1, -1 }, go[2] = { -1, -1 }, ex[2] = { -1, -1 };
	int pod_fds[3] = { -1, -1, -1 }, net_of_fd = -1;
	struct report rp;
	pid_t a;
	int status, r;

	/* a pod member and a container on another's network are exclusive (opts) */
	if (l->pod && (r = sandbox_ns_open(l->pod, pod_ns, 3, pod_fds, err)) < 0)
		return r;
	if (l->net_of && (r = sandbox_ns_open(l->net_of, net_ns, 1, &net_of_fd, err)) < 0)
		return r;
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	l->exec_fd = -1;
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || (!l->is_pod && pipe2(ex, O_CLOEXEC) < 0)) {
		r = pn_err_set(err, errno, "pipe: %s", strerror(errno));
		goto fail_early;
	}
	a = fork();
	if (a < 0) {
		r = pn_err_set(err, errno, "fork: %s", strerror(errno));
		goto fail_early;
	}
	if (a == 0) {
		pid_t b;

		close(rep[0]);
		close(go[1]);
		if (ex[0] >= 0)
			close(ex[0]);
		memset(&rp, 0, sizeof(rp));
		if (child_setup(c, l, pod_fds, net_of_fd, &rp.err) < 0)
			goto report;
		b = fork();
		if (b < 0) {
			pn_err_set(&rp.err, errno, "fork: %s", strerror(errno));
			goto report;
		}
		if (b == 0) {
			char ch;

			close(rep[1]);
			/* our own /proc for our own PID namespace; harmless if refused */
			mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
			if (pn_read_full(go[0], &ch, 1) < 0 || ch != 'g')
				_exit(125);
			close(go[0]);
			if (l->is_pod) {
				int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

				dup2(devnull, 0);
				dup2(devnull, 1);
				dup2(devnull, 2);
				pause_main();
			}
			init_main(l->argv, json_object_get(l->doc, "env"),
				  json_string_value(json_object_get(l->doc, "workdir")), cli_stop_signal(l->doc), l->out_fd,
				  ex[1]);
		}
		rp.init = b;
report:
		if (write(rep[1], &rp, sizeof(rp)) != (ssize_t)sizeof(rp))
			_exit(2);
		_exit(rp.err.code ? 1 : 0);
	}
	for (int i = 0; i < 3; i++)
		if (pod_fds[i] >= 0)
			close(pod_fds[i]);
	if (net_of_fd >= 0)
		close(net_of_fd);
	close(rep[1]);
	close(go[0]);
	if (ex[1] >= 0)
		close(ex[1]);
	r = pn_read_full(rep[0], &rp, sizeof(rp));
	close(rep[0]);
	while (waitpid(a, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0 || rp.err.code || rp.init <= 0) {
		close(go[1]);
		if (ex[0] >= 0)
			close(ex[0]);
		if (r < 0 || !rp.err.code)
			return pn_err_set(err, EIO, "container setup died");
		*err = rp.err;
		return -rp.err.code;
	}
	ret_init->pid = rp.init;
	if (pn_proc_starttime(rp.init, &ret_init->starttime) < 0) {
		close(go[1]);
		if (ex[0] >= 0)
			close(ex[0]);
		return pn_err_set(err, ESRCH, "container init exited before it started");
	}
	*ret_go_fd = go[1];
	l->exec_fd = ex[0];
	return 0;
fail_early:
	for (int i = 0; i < 2; i++) {
		if (rep[i] >= 0)
			close(rep[i]);
		if (go[i] >= 0)
			close(go[i]);
		if (ex[i] >= 0)
			close(ex[i]);
	}
	for (int i = 0; i < 3; i++)
		if (pod_fds[i] >= 0)
			close(pod_fds[i]);
	if (net_of_fd >= 0)
		close(net_of_fd);
	return r;
}

struct apply_args {
	struct cli *c;
	json_t *doc;
	const char *only;
	bool remove;
	int c_netns_fd;
	int i_netns_fd;
};

static int apply_cb(void *arg, struct pn_err *err)
{
	struct apply_args *a = arg;
	json_t *att;
	const char *k;
	int r;

	json_object_foreach(json_object_get(a->doc, "networks"), k, att) {
		struct netd_network net;

		if (a->only && strcmp(k, a->only) != 0)
			continue;
		if (a->remove) {
			/* every network's interface (or the one asked for), not the first only */
			r = netd_attach_remove(a->c_netns_fd, att, err);
			/* the port is gone: its addresses (and their host access) go too */
			if (r == 0)
				r = cli_attach_firewall(a->doc, k, false, err);
			if (r < 0)
				return r;
			continue;
		}
		r = netd_network_load(&a->c->paths, k, &net, err);
		if (r < 0)
			return r;
		/* the port's addresses first: it never sends unguarded */
		r = cli_attach_firewall(a->doc, k, true, err);
		if (r == 0) {
			r = netd_attach_apply(a->i_netns_fd, a->c_netns_fd, &net, att, err);
			if (r < 0)
				cli_attach_firewall(a->doc, k, false, NULL);
		}
		netd_network_clear(&net);
		if (r < 0)
			return r;
	}
	return 0;
}

int sandbox_netns_apply(struct cli *c, struct netd_infra *inf, json_t *doc, const char *only_net,
			bool remove, struct pn_err *err)
{
	struct pn_proc_id init;
	struct apply_args a = { c, doc, only_net, remove, -1, inf->netns_fd };
	int r;

	if (!netd_sandbox_proc(doc, "init", &init) || !pn_proc_alive(&init))
		return pn_err_set(err, ESRCH, "%s is not running", json_string_value(json_object_get(doc, "name")));
	a.c_netns_fd = pn_ns_open(init.pid, "net");
	if (a.c_netns_fd < 0)
		return pn_err_set(err, a.c_netns_fd, "cannot open the container's network namespace: %s",
				  strerror(-a.c_netns_fd));
	r = c->stay_in_infra ? netd_infra_enter(inf, err) : 0;
	if (r == 0)
		r = netd_infra_run(inf, apply_cb, &a, err);
	close(a.c_netns_fd);
	return r;
}
