// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `podnet run`: create a container's state, attach it to its networks (or
 * join its pod), start it and, in the foreground, wait for it, forwarding
 * signals, then tear its networking down. With -d a monitor process (like
 * conmon) does the waiting and the tear-down, and `run` returns the id once the
 * container runs.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "cleanup.h"
#include "fileutil.h"
#include "helpers.h"
#include "ipam.h"
#include "netcmd.h"
#include "nft.h"
#include "opts.h"
#include "sandbox.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct detach_report {
	int code;
	int exec_err;   /* the command could not be run: errno of its exec, -errno of its chdir */
	char msg[PN_ERR_MSG_MAX];
	char id[NETD_ID_LEN + 1];
};

/*
 * undo a prepared but never started container (under the lock): a new one
 * goes; one started again stays, exited as before (with its old exit code)
 */
static void abandon(struct cli *c, json_t *doc, const struct run_opts *o)
{
	if (!o->again) {
		json_object_set_new(doc, "rm", json_true());
		cli_teardown(c, doc, true, 125, NULL);
		return;
	}
	cli_teardown(c, doc, false, o->again_exit_code, NULL);
}

/* a new container's document, its name claimed (under the lock) */
static int create_doc(struct cli *c, const struct run_opts *o, json_t *pod, json_t *cfg, json_t **ret,
		      struct pn_err *err)
{
	char id[NETD_ID_LEN + 1], name[NETD_NAME_MAX + 1], created[40];
	_cleanup_json_ json_t *add_hosts = NULL, *env = NULL;
	bool host_access = false;
	json_t *doc, *cmd;
	int r;

	add_hosts = opts_add_hosts_json(&o->add_hosts, &host_access);
	env = opts_env_json(&o->env);
	if (!add_hosts || !env)
		return pn_err_set(err, ENOMEM, "out of memory");
	netd_id_new(id);
	snprintf(name, sizeof(name), "%s", o->name ? o->name : "");
	if (!name[0])
		snprintf(name, sizeof(name), "%.12s", id);
	r = netd_sandbox_claim(&c->paths, "container", id, name, err);
	if (r == -EEXIST) {
		/* the holder of the name may be a killed container: collect and retry once */
		cli_gc(c, NULL);
		pn_err_clear(err);
		r = netd_sandbox_claim(&c->paths, "container", id, name, err);
	}
	if (r < 0)
		return r;
	netd_now_rfc3339(created, sizeof(created));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:O, s:o, s:o, s:o, s:b, s:i, s:O, s:O}", "id", id,
			"name", name, "kind", "container", "pod",
			o->pod ? json_string_value(json_object_get(pod, "name")) : "", "created", created, "state",
			"created", "rm", o->rm, "add_hosts", add_hosts, "dns", str_list_json(&o->dns), "publish",
			str_list_json(&o->ports), "networks", json_object(), "host_access", host_access,
			"stop_timeout", o->stop_timeout, "env", env, "network_config", cfg);
	cmd = json_array();
	for (int i = 0; i < o->argc; i++)
		json_array_append_new(cmd, json_string(o->argv[i]));
	json_object_set_new(doc, "command", cmd);
	if (o->dns_search.n)
		json_object_set_new(doc, "dns_search", str_list_json(&o->dns_search));
	if (o->dns_options.n)
		json_object_set_new(doc, "dns_options", str_list_json(&o->dns_options));
	json_object_set_new(doc, "hostname",
			    json_string(o->pod ? json_string_value(json_object_get(pod, "hostname"))
					       : (o->hostname ? o->hostname : name)));
	json_object_set_new(doc, "network_mode", json_string(o->network_host ? "host" : o->network_none ? "none" : o->pod ? "pod" : "bridge"));
	json_object_set_new(doc, "restart_policy", json_pack("{s:s, s:i}", "name", o->restart ? o->restart : "no",
							     "max_retries", o->restart_retries));
	json_object_set_new(doc, "labels", opts_labels_json(&o->labels, NULL) ?: json_object()); /* checked by the parser */
	json_object_set_new(doc, "stop_signal", json_integer(o->stop_signal ? o->stop_signal : SIGTERM));
	{
		/* where the command starts, and `exec` too (Podman's WorkingDir): -w, else here */
		char cwd[PATH_MAX];
		const char *wd = o->workdir ? o->workdir : getcwd(cwd, sizeof(cwd)) ? cwd : "/";
		json_t *v = json_string(wd); /* NULL for a directory name that is not UTF-8 */

		json_object_set_new(doc, "workdir", v ? v : json_string("/"));
	}
	*ret = doc;
	return 0;
}

/* an exited container's document, made ready to start again (under the lock) */
static int reuse_doc(struct cli *c, const struct run_opts *o, json_t **ret, struct pn_err *err)
{
	json_t *doc = NULL;
	const char *state;
	int r;

	r = netd_sandbox_load(&c->paths, "container", o->again, &doc, err);
	if (r < 0)
		return r;
	state = json_string_value(json_object_get(doc, "state")) ?: "";
	if (o->by_policy && json_is_true(json_object_get(doc, "stop_requested"))) {
		/* stopped while its monitor waited to restart it */
		json_decref(doc);
		return pn_err_set(err, EALREADY, "container %s was stopped", o->name);
	}
	r = cli_network_config_check(doc, err);
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	if (strcmp(state, "exited") != 0) {
		/* another command started it meanwhile: as if this one had (EALREADY) */
		r = pn_err_set(err, EALREADY, "container %s is %s", o->name, netd_sandbox_alive(doc) ? "running" : state);
		json_decref(doc);
		return r;
	}
	json_object_set_new(doc, "state", json_string("created"));
	json_object_del(doc, "exit_code");
	json_object_del(doc, "stop_requested");
	json_object_set_new(doc, "restart_count",
			    json_integer(json_integer_value(json_object_get(doc, "restart_count")) + 1));
	json_object_set_new(doc, "networks", json_object());
	*ret = doc;
	return 0;
}

/*
 * --network container:REF (or a container started again that was run so): the
 * running container whose network it joins, under the lock. Return: 0 with
 * *@ret (NULL when @doc has another mode), or -errno.
 */
static int load_net_of(struct cli *c, const struct run_opts *o, json_t *doc, json_t **ret, struct pn_err *err)
{
	const char *mode = doc ? json_string_value(json_object_get(doc, "network_mode")) ?: "" : "";
	const char *ref = o->again ? (strncmp(mode, "container:", 10) == 0 ? mode + 10 : NULL) : o->network_container;
	int r;

	*ret = NULL;
	if (!ref)
		return 0;
	r = netd_sandbox_load(&c->paths, "container", ref, ret, err);
	if (r == -ENOENT && o->again)
		return pn_err_set(err, ENOENT, "container %s, whose network it joins, no longer exists", ref);
	if (r < 0)
		return r;
	if (doc && strcmp(json_string_value(json_object_get(*ret, "id")) ?: "",
			  json_string_value(json_object_get(doc, "id")) ?: "") == 0)
		r = pn_err_set(err, EINVAL, "a container cannot join its own network namespace");
	else if (!netd_sandbox_alive(*ret))
		r = pn_err_set(err, ESRCH, "container %s is not running", json_string_value(json_object_get(*ret, "name")));
	if (r < 0) {
		json_decref(*ret);
		*ret = NULL;
	}
	return r;
}

static int prepare(struct cli *c, const struct run_opts *o, json_t **ret_doc, json_t **ret_pod,
		   json_t **ret_net_of, struct netd_infra *inf, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL, *pod = NULL, *cfg = NULL, *net_of = NULL;
	struct netd_network nets[CLI_MAX_LIST];
	struct pn_proc_id self;
	int r = 0, nnets;

	if (o->pod) {
		r = netd_sandbox_load(&c->paths, "pod", o->pod, &pod, err);
		if (r < 0)
			return r;
		if (!netd_sandbox_alive(pod))
			return pn_err_set(err, ESRCH, "pod %s is not running", o->pod);
	}
	if (o->again) {
		r = reuse_doc(c, o, &doc, err);
		if (r < 0)
			return r;
		cfg = json_incref(json_object_get(doc, "network_config"));
	} else {
		cfg = opts_network_config(o);
	}
	r = load_net_of(c, o, doc, &net_of, err);
	if (r < 0)
		return r;
	if (o->again && json_string_value(json_object_get(doc, "workdir"))) {
		/* its working directory may have gone since it last ran */
		struct stat st;
		const char *wd = json_string_value(json_object_get(doc, "workdir"));
		int e = stat(wd, &st) < 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;

		if (e)
			return pn_err_set(err, e, "cannot start container %s: its working directory %s: %s", o->name, wd,
					  strerror(e));
	}
	/* validate every network before claiming anything */
	nnets = cli_nets_load(c, cfg, nets, err);
	if (nnets < 0)
		return nnets;
	if (!o->again) {
		r = create_doc(c, o, pod, cfg, &doc, err);
		if (r < 0) {
			cli_nets_clear(nets, nnets);
			return r;
		}
		if (net_of) {
			char mode[80];
			const char *target = json_string_value(json_object_get(net_of, "id"));

			/* Podman's inspect says container:<ID> */
			snprintf(mode, sizeof(mode), "container:%s", target);
			json_object_set_new(doc, "network_mode", json_string(mode));
		}
	}
	pn_proc_self_id(&self);
	netd_sandbox_set_proc(doc, "monitor", &self);
	r = netd_sandbox_save(&c->paths, doc, err);
	/* for rm of the container it joins (a killed run leaves a created one, which gc removes) */
	if (r == 0 && net_of && !o->again)
		r = cli_joined_mark(c, json_string_value(json_object_get(net_of, "id")),
				    json_string_value(json_object_get(doc, "id")), err);
	if (r < 0)
		cli_nets_clear(nets, nnets);
	else
		r = cli_nets_plan(c, doc, cfg, nets, nnets, err);
	/* the leases exist now: the state names them before anything slow can be interrupted */
	if (r == 0 && nnets)
		r = netd_sandbox_save(&c->paths, doc, err);
	if (r == 0 && !o->network_host)
		r = cli_infra(c, inf, err);
	if (r == 0 && pod) {
		json_t *members = json_object_get(pod, "members");

		if (!json_is_array(members)) {
			members = json_array();
			json_object_set_new(pod, "members", members);
		}
		json_array_append_new(members, json_incref(json_object_get(doc, "name")));
		r = netd_sandbox_save(&c->paths, pod, err);
	}
	if (r == 0)
		r = netd_sandbox_save(&c->paths, doc, err);
	if (r == 0)
		r = write_sandbox_files(c, doc, pod, err);
	if (r < 0) {
		abandon(c, doc, o);
		return r;
	}
	cli_mark_live(c, json_string_value(json_object_get(doc, "id")), true);
	*ret_doc = steal_ptr(doc);
	*ret_pod = steal_ptr(pod);
	*ret_net_of = steal_ptr(net_of);
	return 0;
}

/* prepare + launch + mark running; on error everything is undone */
/*
 * @ret_exec_err: (may be NULL) wait until the command runs, and set the errno
 * of its exec when it could not, -errno of its chdir to the working
 * directory (0 when it runs)
 */
static int start(struct cli *c, const struct run_opts *o, int out_fd, json_t **ret_doc,
		 struct pn_proc_id *ret_init, int *ret_exec_err, struct pn_err *err)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	json_t *doc = NULL, *pod = NULL, *net_of = NULL;
	struct launch l;
	int go = -1, r;

	/* as podman: a container of a stopped pod starts the pod first (not a restart by policy) */
	if (o->pod && !o->by_policy) {
		r = cli_pod_up(c, o->pod, err);
		if (r < 0)
			return r;
	}
	r = cli_lock(c, err);
	if (r < 0)
		return r;
	r = prepare(c, o, &doc, &pod, &net_of, &inf, err);
	cli_unlock(c);
	if (r < 0)
		return r;
	memset(&l, 0, sizeof(l));
	l.exec_fd = -1;
	l.doc = doc;
	l.pod = pod;
	l.net_of = net_of;
	l.inf = o->network_host && !c->paths.rootless ? NULL : &inf;
	l.network_host = o->network_host;
	l.argv = o->argv;
	l.out_fd = out_fd;
	if (out_fd == -2) {
		/* detached: the command writes to $RUN/ctr/<id>/log */
		char path[PATH_MAX];

		l.out_fd = open(cli_log_path(c, doc, path), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	}
	if (o->network_host && c->paths.rootless && inf.userns_fd < 0) {
		/* host network: only U is needed; start the infra for it */
		r = cli_lock(c, err);
		if (r == 0)
			r = cli_infra(c, &inf, err);
		cli_unlock(c);
	}
	if (r == 0)
		r = launch_sandbox(c, &l, ret_init, &go, err);
	if (out_fd == -2 && l.out_fd >= 0)
		close(l.out_fd);
	if (r == 0) {
		json_t *pod_now = NULL;

		r = cli_lock(c, err);
		if (r == 0 && pod) {
			/*
			 * its pod stopped meanwhile (its addresses may be someone else's now): not into it;
			 * else its records from what it is now (other members, networks connected meanwhile)
			 */
			if (netd_sandbox_load(&c->paths, "pod", json_string_value(json_object_get(pod, "id")), &pod_now,
					      NULL) < 0 || !netd_sandbox_alive(pod_now))
				r = pn_err_set(err, ESRCH, "pod %s stopped while the container started", o->pod);
		}
		if (r == 0) {
			char path[PATH_MAX], dir[PATH_MAX];

			netd_sandbox_set_proc(doc, "init", ret_init);
			pn_pidfile_write(pn_path(path, "%s/init.pid", netd_sandbox_dir(&c->paths,
				json_string_value(json_object_get(doc, "id")), dir)), ret_init);
			json_object_set_new(doc, "state", json_string("running"));
			r = helpers_sandbox_started(c, &inf, doc, err);
			if (r == 0)
				r = netd_sandbox_save(&c->paths, doc, err);
			if (r == 0) {
				netd_dns_publish(&c->paths, doc, NULL, false);
				if (pod_now)
					netd_dns_publish(&c->paths, pod_now, NULL, false);
				cli_helpers_reload(c);
			}
		}
		json_decref(pod_now);
		if (r < 0) {
			pn_proc_kill_wait(ret_init, 0);
			waitpid(ret_init->pid, NULL, 0);
		}
	}
	if (r < 0) {
		cli_lock(c, NULL);
		abandon(c, doc, o);
		json_decref(doc);
		doc = NULL;
	}
	cli_unlock(c);
	netd_infra_close(&inf);
	if (pod)
		json_decref(pod);
	if (net_of)
		json_decref(net_of);
	if (r == 0) {
		char g = 'g';

		if (pn_write_nosigpipe(go, &g, 1) < 0) {
			/* init died (a `kill` that waited for "running"): the wait below reports its status */
		}
	}
	if (go >= 0)
		close(go);
	if (r == 0 && ret_exec_err && l.exec_fd >= 0) {
		int e = 0;
		ssize_t n;

		/* end of file: the command runs (the pipe closed on its exec) */
		while ((n = read(l.exec_fd, &e, sizeof(e))) < 0 && errno == EINTR)
			;
		*ret_exec_err = n == (ssize_t)sizeof(e) ? e : 0;
	}
	if (l.exec_fd >= 0)
		close(l.exec_fd);
	*ret_doc = doc;
	return r;
}


/* the launcher or monitor got SIGTERM or SIGINT (and passed it on): no restart after that */
static bool told_to_stop;

/* wait for init, forwarding signals; then tear down. Return: the exit code. */
static int supervise(struct cli *c, json_t *doc, const struct pn_proc_id *init, bool rm)
{
	static const int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
	sigset_t set;
	int status = 0, code;
	char id[NETD_ID_LEN + 1];

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(doc, "id")));
	cli_signals_catch(fwd, sizeof(fwd) / sizeof(fwd[0]), &set, NULL);
	for (;;) {
		siginfo_t si;
		bool done = false;
		pid_t w;
		int st, sig;

		/*
		 * As child subreaper we also inherit orphans of helpers that
		 * daemonised: reap them all, keeping init's status.
		 */
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == init->pid) {
				status = st;
				done = true;
			}
		if (done)
			break;
		if (w < 0 && errno == ECHILD) {
			status = 137 << 8; /* init is not ours any more: its status is unknown */
			break;
		}
		sig = sigwaitinfo(&set, &si);
		if (sig == SIGTERM || sig == SIGINT)
			told_to_stop = true;
		if (sig > 0 && sig != SIGCHLD)
			pn_proc_kill(init, sig);
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (cli_lock(c, NULL) == 0) {
		json_t *cur = NULL;

		/* reload: connect/disconnect may have changed the attachments */
		if (netd_sandbox_load(&c->paths, "container", id, &cur, NULL) == 0) {
			struct pn_proc_id rec;

			if (netd_sandbox_proc(cur, "init", &rec) && rec.pid == init->pid && rec.starttime == init->starttime)
				cli_teardown(c, cur, rm, code, NULL);
			else if (rm && strcmp(json_string_value(json_object_get(cur, "state")) ?: "", "exited") == 0) {
				cli_exit_record(c, cur);
				netd_sandbox_remove(&c->paths, cur);
			}
			json_decref(cur);
		}
		cli_unlock(c);
	}
	return code;
}

/*
 * Whether the restart policy of @doc (just exited with @code) starts it
 * again; @retries: the restarts this monitor made so far. A stop asked for
 * (stop, restart, rm -f) is never undone, as with Podman and Docker.
 */
static bool restart_wanted(json_t *doc, int code, int retries)
{
	json_t *pol = json_object_get(doc, "restart_policy");
	const char *name = json_string_value(json_object_get(pol, "name")) ?: "no";
	json_int_t max = json_integer_value(json_object_get(pol, "max_retries"));

	if (json_is_true(json_object_get(doc, "stop_requested")) ||
	    strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "exited") != 0)
		return false;
	if (strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") == 0)
		return true;
	return strcmp(name, "on-failure") == 0 && code != 0 && (max == 0 || retries < max);
}

/*
 * The monitor after the command exited with @code: while the restart policy
 * asks for it, wait (100 ms, doubling to 6.4 s; back to 100 ms after a run
 * of 10 s) and start the container again, as `start` does, then supervise it.
 * Return: the last exit code.
 */
static int restart_loop(struct cli *c, const struct run_opts *o, const char *id, int code)
{
	struct run_opts again = *o;
	unsigned int backoff = 0;
	int retries = 0;

	again.again = id;
	again.rm = false;
	again.by_policy = true;
	for (;;) {
		struct pn_err err = { 0 };
		struct pn_proc_id init;
		json_t *doc = NULL;
		bool go = false;
		time_t began;

		if (!told_to_stop && cli_lock(c, NULL) == 0) {
			go = netd_sandbox_load(&c->paths, "container", id, &doc, NULL) == 0 && restart_wanted(doc, code, retries);
			cli_unlock(c);
		}
		json_decref(doc);
		doc = NULL;
		if (!go)
			return code;
		{
			/* a stop meanwhile sends SIGTERM (blocked since supervise(): taken here) */
			unsigned int ms = 100u << backoff;
			struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
			sigset_t set;
			int sig;

			sigemptyset(&set);
			sigaddset(&set, SIGTERM);
			sigaddset(&set, SIGINT);
			sig = sigtimedwait(&set, NULL, &ts);
			if (sig == SIGTERM || sig == SIGINT)
				return code;
		}
		again.again_exit_code = code;
		if (start(c, &again, -2, &doc, &init, NULL, &err) < 0) {
			/* started by someone else meanwhile (EALREADY), removed, or it cannot start */
			if (err.code != EALREADY)
				fprintf(stderr, "podnet-monitor: restarting %s: %s\n", id, err.msg);
			return code;
		}
		retries++;
		fprintf(stderr, "podnet-monitor: restarted (%d) after exit code %d\n", retries, code);
		began = time(NULL);
		code = supervise(c, doc, &init, false);
		json_decref(doc);
		backoff = time(NULL) - began >= 10 ? 0 : backoff < 6 ? backoff + 1 : 6;
	}
}

/* @show: what to print once it runs (NULL: the id) */
static int run_detached(struct cli *c, const struct run_opts *o, const char *show)
{
	struct detach_report rep;
	int fds[2];
	pid_t m;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return cli_failf("pipe: %s", strerror(errno));
	fflush(NULL);
	m = fork();
	if (m < 0)
		return cli_failf("fork: %s", strerror(errno));
	if (m == 0) {
		struct pn_err err = { 0 };
		struct pn_proc_id init;
		json_t *doc = NULL;
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), logfd = -1, r;
		char path[PATH_MAX], dir[PATH_MAX];

		close(fds[0]);
		setsid();
		/*
		 * Nothing started from here may hold the caller's stdout: a caller
		 * reading `$(podnet run -d ...)` waits for it to close. Warnings
		 * still reach the caller's stderr until the container runs.
		 */
		dup2(devnull, 0);
		dup2(devnull, 1);
		memset(&rep, 0, sizeof(rep));
		/* the monitor takes over: a "created" record now names it */
		r = start(c, o, -2, &doc, &init, &rep.exec_err, &err);
		(void)logfd;
		if (r < 0) {
			rep.code = err.code ? err.code : EIO;
			snprintf(rep.msg, sizeof(rep.msg), "%s", err.msg);
		} else {
			snprintf(rep.id, sizeof(rep.id), "%s", json_string_value(json_object_get(doc, "id")));
			if (rep.exec_err < 0)
				snprintf(rep.msg, sizeof(rep.msg), "cannot change to the working directory %s: %s",
					 json_string_value(json_object_get(doc, "workdir")) ?: "?", strerror(-rep.exec_err));
		}
		if (pn_write_nosigpipe(fds[1], &rep, sizeof(rep)) < 0) {
			/* the parent is gone; keep supervising */
		}
		close(fds[1]);
		if (r < 0)
			_exit(EXIT_PODNET);
		pn_path(path, "%s/monitor.log", netd_sandbox_dir(&c->paths, rep.id, dir));
		logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		dup2(logfd >= 0 ? logfd : devnull, 1);
		dup2(logfd >= 0 ? logfd : devnull, 2);
		pn_proc_set_name("podnet-monitor");
		r = supervise(c, doc, &init, o->rm);
		json_decref(doc);
		r = restart_loop(c, o, rep.id, r);
		_exit(r);
	}
	close(fds[1]);
	n = read(fds[0], &rep, sizeof(rep));
	close(fds[0]);
	if (n != (ssize_t)sizeof(rep))
		return cli_failf("the container monitor died while starting the container");
	if (rep.code == EALREADY && show) {
		/* start: another command started it first, which is what was asked */
		if (!o->quiet)
			printf("%s\n", show);
		return 0;
	}
	if (rep.code)
		return cli_failf("%s", rep.msg);
	if (rep.exec_err < 0) {
		/* its working directory went after the check */
		fprintf(stderr, "Error: %s\n", rep.msg);
		return 126;
	}
	if (rep.exec_err) {
		/* as podman: the container stays, exited; the status says why */
		fprintf(stderr, "Error: cannot run %s: %s\n", o->argv[0], strerror(rep.exec_err));
		return rep.exec_err == ENOENT ? 127 : 126;
	}
	if (!o->quiet)
		printf("%s\n", show ? show : rep.id);
	return 0;
}

/* a static address of @cfg that a sandbox other than @old_id holds: -EADDRINUSE */
static int static_ips_taken(struct cli *c, json_t *cfg, const char *old_id, struct pn_err *err)
{
	json_t *ent;
	size_t i;

	json_array_foreach(cfg, i, ent) {
		const char *net = json_string_value(json_object_get(ent, "network"));
		const char *want[2] = { json_string_value(json_object_get(ent, "ip")),
					json_string_value(json_object_get(ent, "ip6")) };

		for (int k = 0; k < 2 && net; k++) {
			struct netd_leases l;
			struct pn_ip ip;
			const char *owner;
			bool taken;

			if (!want[k] || pn_ip_parse(want[k], &ip) < 0 || netd_ipam_open(&c->paths, net, &l, NULL) < 0)
				continue;
			owner = netd_ipam_owner(&l, &ip);
			taken = owner && strcmp(owner, old_id) != 0;
			netd_ipam_close(&l);
			if (taken)
				return pn_err_set(err, EADDRINUSE, "address %s is already in use on network %s", want[k], net);
		}
	}
	return 0;
}

/*
 * What `run` would refuse once the container it replaces is gone: the pod,
 * the container whose network it joins and the networks must exist, and its
 * static addresses and fixed host ports must not be another's. Those of the
 * replaced container are free after it. (A host port that a program other
 * than podnet holds is still found only when the forwarder binds it.)
 */
static int replace_precheck(struct cli *c, const struct run_opts *o, struct pn_err *err)
{
	_cleanup_json_ json_t *cfg = opts_network_config(o), *doc = NULL, *old = NULL;
	struct netd_network nets[CLI_MAX_LIST];
	const char *old_id;
	int r, n;

	r = cli_lock(c, err);
	if (r < 0)
		return r;
	netd_sandbox_load(&c->paths, "container", o->name, &old, NULL);
	old_id = json_string_value(json_object_get(old, "id")) ?: "";
	if (o->pod)
		r = netd_sandbox_load(&c->paths, "pod", o->pod, &doc, err);
	if (r == 0 && o->network_container && strcmp(o->network_container, o->name) != 0) {
		json_decref(doc);
		doc = NULL;
		r = netd_sandbox_load(&c->paths, "container", o->network_container, &doc, err);
		if (r == 0 && !netd_sandbox_alive(doc))
			r = pn_err_set(err, ESRCH, "container %s is not running", o->network_container);
	}
	if (r == 0) {
		n = cli_nets_load(c, cfg, nets, err);
		if (n < 0)
			r = n;
		else
			cli_nets_clear(nets, n);
	}
	if (r == 0)
		r = static_ips_taken(c, cfg, old_id, err);
	if (r == 0)
		r = helpers_ports_taken(c, o, old_id, err);
	cli_unlock(c);
	return r;
}

int cmd_run(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	struct run_opts o;
	struct pn_proc_id init;
	json_t *doc = NULL;
	int r;

	r = run_opts_parse(argc, argv, &o, &err);
	if (r < 0)
		return cli_fail(&err);
	r = helpers_validate_ports(c, &o, &err);
	if (r < 0)
		return cli_fail(&err);
	/* --replace: a container holding the name goes first, as with rm -f; not for a run that cannot start */
	if (o.replace && o.name) {
		r = replace_precheck(c, &o, &err);
		if (r < 0)
			return cli_fail(&err);
		r = cli_rm_one(c, o.name, true, 0, &err);
		if (r < 0 && r != -ENOENT)
			return cli_fail(&err);
		pn_err_clear(&err);
	}
	if (o.detach)
		return run_detached(c, &o, NULL);
	r = start(c, &o, -1, &doc, &init, NULL, &err);
	if (r < 0)
		return cli_fail(&err);
	r = supervise(c, doc, &init, o.rm);
	json_decref(doc);
	return r;
}

/*
 * `start`: an exited container runs its command again, detached, with the
 * same id, name, command, environment, published ports and networks
 * (network_config: the addresses are taken afresh, static ones as given).
 * Already running: nothing to do, as with Podman.
 */
int cli_start_one(struct cli *c, const char *ref, bool quiet, struct pn_err *err)
{
	_cleanup_json_ json_t *doc = NULL;
	json_t *cmd, *v;
	struct run_opts o;
	const char *mode;
	char **argv;
	size_t i;
	int r;

	/* another command may be starting it: that is as good, once it runs (or fails) */
	r = cli_load_settled_unlocked(c, "container", ref, &doc, err);
	if (r < 0)
		return r;
	if (netd_sandbox_alive(doc)) {
		if (!quiet)
			printf("%s\n", ref);
		return 0;
	}
	cmd = json_object_get(doc, "command");
	if (!json_array_size(cmd))
		return pn_err_set(err, EINVAL, "container %s has no command to run", ref);
	memset(&o, 0, sizeof(o));
	argv = calloc(json_array_size(cmd) + 1, sizeof(*argv));
	if (!argv)
		return pn_err_set(err, ENOMEM, "out of memory");
	json_array_foreach(cmd, i, v)
		argv[i] = (char *)(json_string_value(v) ?: "");
	o.argv = argv;
	o.argc = (int)json_array_size(cmd);
	o.detach = true;
	o.again = json_string_value(json_object_get(doc, "id"));
	o.again_exit_code = (int)json_integer_value(json_object_get(doc, "exit_code"));
	o.name = json_string_value(json_object_get(doc, "name"));
	mode = json_string_value(json_object_get(doc, "network_mode")) ?: "bridge";
	o.network_none = strcmp(mode, "none") == 0;
	o.network_host = strcmp(mode, "host") == 0;
	if (strcmp(mode, "pod") == 0)
		o.pod = json_string_value(json_object_get(doc, "pod"));
	o.stop_timeout = (int)json_integer_value(json_object_get(doc, "stop_timeout"));
	o.rm = json_is_true(json_object_get(doc, "rm"));
	o.quiet = quiet;
	r = run_detached(c, &o, ref);
	free(argv);
	return r;
}

int cmd_start(struct cli *c, int argc, char **argv)
{
	struct pn_err err = { 0 };
	bool attach = false, all = false;
	int rc = 0, first = 1;

	opts_options_first(argc, argv, NULL);
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp(argv[first], "-a") == 0 || strcmp(argv[first], "--attach") == 0)
			attach = true;
		else if (strcmp(argv[first], "--all") == 0)
			all = true; /* as Podman: long only, -a is --attach */
		else if (strcmp(argv[first], "--") == 0)
			break;
		else
			return cli_failf("start: unknown option %s", argv[first]);
	}
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (all) {
		_cleanup_json_ json_t *ctrs = NULL;
		json_t *doc;
		size_t i;

		if (first < argc || attach)
			return cli_failf("start: --all takes no names%s", attach ? " and cannot attach" : "");
		if (cli_lock(c, &err) < 0)
			return cli_fail(&err);
		cli_survey(c, &ctrs, NULL);
		cli_unlock(c);
		json_array_foreach(ctrs, i, doc) {
			int r;

			if (strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "exited") != 0)
				continue;
			pn_err_clear(&err);
			r = cli_start_one(c, json_string_value(json_object_get(doc, "id")), false, &err);
			if (r < 0)
				rc = cli_fail(&err);
			else if (r > 0)
				rc = r;
		}
		return rc;
	}
	if (first == argc)
		return cli_failf("start: give at least one container, or --all");
	if (attach) {
		/* as Podman: its output and its exit code, for one container */
		off_t off;
		int r;

		if (argc - first != 1)
			return cli_failf("start: you cannot start and attach multiple containers at once");
		off = cli_log_size(c, argv[first]);
		r = cli_start_one(c, argv[first], true, &err);
		if (r == 0)
			r = cli_attach(c, argv[first], off, &err);
		return r < 0 ? cli_fail(&err) : r;
	}
	for (int i = first; i < argc; i++) {
		int r;

		pn_err_clear(&err);
		r = cli_start_one(c, argv[i], false, &err);
		if (r < 0)
			rc = cli_fail(&err);
		else if (r > 0)
			rc = r;
	}
	return rc;
}
