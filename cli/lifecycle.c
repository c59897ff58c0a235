// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Lifecycle operations shared by the commands: error output, the lock,
 * tear-down of a sandbox, garbage collection of state whose processes were
 * killed, and keeping the infra and its helper daemons running.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "format.h"
#include "cleanup.h"
#include "fileutil.h"
#include "helpers.h"
#include "link.h"
#include "netcmd.h"
#include "nft.h"
#include "opts.h"
#include "ns.h"
#include "sandbox.h"
#include "state.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_fail(const struct pn_err *err)
{
	fprintf(stderr, "Error: %s\n", err && err->msg[0] ? err->msg : "unknown error");
	return EXIT_PODNET;
}

int cli_failf(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_PODNET;
}

int cli_subcommand(struct cli *c, int argc, char **argv, const char *group, const char *list,
		   const struct cli_sub *subs, size_t n)
{
	if (argc < 2)
		return cli_failf("%s: missing subcommand (%s)", group, list);
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(c, argc - 1, argv + 1);
	return cli_failf("%s: unknown subcommand \"%s\"", group, argv[1]);
}

int cli_lock(struct cli *c, struct pn_err *err)
{
	int fd;

	if (c->lock_fd >= 0)
		return 0;
	fd = netd_lock(&c->paths, err);
	if (fd < 0)
		return fd;
	c->lock_fd = fd;
	return 0;
}

void cli_unlock(struct cli *c)
{
	netd_unlock(c->lock_fd);
	c->lock_fd = -1;
}

void cli_print_json(json_t *doc)
{
	char *s = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);

	if (s) {
		puts(s);
		free(s);
	}
}

int cli_print_docs(json_t *arr, const char *fmt)
{
	struct pn_err err = { 0 };

	if (fmt && cli_format_is_template(fmt)) {
		if (cli_format_print(stdout, fmt, arr, NULL, &err) < 0)
			return cli_fail(&err);
		return 0;
	}
	cli_print_json(arr);
	return 0;
}

static char *live_path(struct cli *c, const char *id, char *buf)
{
	if (id)
		return pn_path(buf, "%s/live/%s", c->paths.runtime, id);
	return pn_path(buf, "%s/live", c->paths.runtime);
}

void cli_mark_live(struct cli *c, const char *id, bool live)
{
	char path[PATH_MAX];

	if (live) {
		pn_mkdir_p(live_path(c, NULL, path), 0700);
		pn_write_atomic(live_path(c, id, path), "", 0, 0600, 0);
	} else {
		unlink(live_path(c, id, path));
	}
}

/*
 * Whether any sandbox is marked live. One entry answers it: the directory is
 * read in small batches (readdir() would fetch 32 KiB of entries, ~370 of
 * them, which costs 0.5 ms with 1 000 containers running).
 */
static bool anything_live(struct cli *c)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX], buf[512] __attribute__((aligned(8)));
	ssize_t n;

	fd = open(live_path(c, NULL, path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			if (de->d_name[0] != '.')
				return true;
			off += de->d_reclen;
		}
	}
	return false;
}

bool cli_sandbox_starting(json_t *doc)
{
	struct pn_proc_id mon;

	return strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "created") == 0 &&
	       netd_sandbox_proc(doc, "monitor", &mon) && pn_proc_alive(&mon);
}

void cli_request_stop(struct cli *c, json_t *doc)
{
	const char *pol = json_string_value(json_object_get(json_object_get(doc, "restart_policy"), "name"));
	const char *id = json_string_value(json_object_get(doc, "id"));
	bool held = c->lock_fd >= 0;
	struct pn_proc_id mon;
	json_t *cur = NULL;

	/* the policy is fixed when the container is made: without one, nothing to do */
	if (!pol || strcmp(pol, "no") == 0 || !id)
		return;
	if (!held && cli_lock(c, NULL) < 0)
		return;
	if (netd_sandbox_load(&c->paths, "container", id, &cur, NULL) == 0) {
		if (!json_is_true(json_object_get(cur, "stop_requested"))) {
			json_object_set_new(cur, "stop_requested", json_true());
			netd_sandbox_save(&c->paths, cur, NULL);
		}
		/* exited with its monitor alive: the monitor waits to restart it, and gives up on SIGTERM */
		if (strcmp(json_string_value(json_object_get(cur, "state")) ?: "", "exited") == 0 &&
		    netd_sandbox_proc(cur, "monitor", &mon) && mon.pid != getpid())
			pn_proc_kill(&mon, SIGTERM);
		json_decref(cur);
	}
	if (!held)
		cli_unlock(c);
}

int cli_stop_signal(json_t *doc)
{
	json_int_t sig = json_integer_value(json_object_get(doc, "stop_signal"));

	return sig > 0 && sig < 65 ? (int)sig : SIGTERM;
}

void cli_pod_stop_members(struct cli *c, json_t *pod, const char *why, int timeout, json_t *ret_stopped)
{
	json_t *members = json_object_get(pod, "members"), *m;
	_cleanup_free_ struct pn_proc_id *inits = calloc(json_array_size(members) + 1, sizeof(*inits));
	_cleanup_free_ int *timeouts = calloc(json_array_size(members) + 1, sizeof(*timeouts));
	_cleanup_free_ int *sigs = calloc(json_array_size(members) + 1, sizeof(*sigs));
	size_t n = 0, k;
	uint64_t t0;

	if (!inits || !timeouts || !sigs)
		timeout = 0; /* out of memory: one at a time, at once */
	json_array_foreach(members, k, m) {
		json_t *ctr = NULL;
		struct pn_proc_id ci;

		if (netd_sandbox_load(&c->paths, "container", json_string_value(m), &ctr, NULL) < 0)
			continue;
		if (netd_sandbox_proc(ctr, "init", &ci) && pn_proc_alive(&ci)) {
			cli_request_stop(c, ctr);
			if (ret_stopped)
				json_object_set_new(ret_stopped, json_string_value(json_object_get(ctr, "id")) ?: "",
						    json_true());
			if (why)
				fprintf(stderr, "Warning: pod %s %s: stopping its container %s\n",
					json_string_value(json_object_get(pod, "name")) ?: "?", why, json_string_value(m));
			if (inits && timeouts && sigs) {
				timeouts[n] = timeout < 0 ? (int)json_integer_value(json_object_get(ctr, "stop_timeout"))
							  : timeout;
				sigs[n] = cli_stop_signal(ctr);
				inits[n++] = ci;
				if (timeout != 0)
					pn_proc_kill(&ci, sigs[n - 1]);
			} else {
				pn_proc_kill_wait(&ci, 0);
			}
		}
		json_decref(ctr);
	}
	/* all got their stop signal together: each waits out what is left of its own timeout */
	t0 = pn_monotonic_ms();
	for (k = 0; k < n; k++) {
		int64_t left = 0;

		if (timeout != 0) {
			left = timeouts[k] * 1000LL - (int64_t)(pn_monotonic_ms() - t0);
			if (left < 1)
				left = 1; /* 0 would skip the stop signal: it was sent, SIGKILL follows at once */
		}
		pn_proc_stop_wait(&inits[k], sigs[k], left > INT_MAX ? INT_MAX : (int)left);
	}
}

bool cli_sandbox_stale(json_t *doc)
{
	const char *state = json_string_value(json_object_get(doc, "state"));

	if (json_object_get(doc, "corrupt"))
		return true;
	if (!state || strcmp(state, "exited") == 0)
		return false;
	if (strcmp(state, "running") == 0) {
		struct pn_proc_id mon;

		if (netd_sandbox_alive(doc))
			return false;
		/*
		 * Its init has exited. The monitor (or foreground launcher)
		 * reaps it and records its exit code as it tears down: a tear-
		 * down by anyone else first would record 137 instead. Stale
		 * only when no monitor is left to do it.
		 */
		return !(netd_sandbox_proc(doc, "monitor", &mon) && pn_proc_alive(&mon));
	}
	/* "created": the launcher is still setting it up, unless it died */
	return !cli_sandbox_starting(doc);
}

int cli_load_settled(struct cli *c, const char *kind, const char *ref, json_t **ret, struct pn_err *err)
{
	json_t *doc = NULL;
	int r;

	for (int tries = 0;; tries++) {
		const char *state;

		r = cli_lock(c, err);
		if (r < 0)
			return r;
		r = netd_sandbox_load(&c->paths, kind, ref, &doc, err);
		if (r == 0 && cli_sandbox_stale(doc)) {
			/* its processes (or its starter) died: collect it, then it is exited */
			cli_gc(c, NULL);
			json_decref(doc);
			doc = NULL;
			r = netd_sandbox_load(&c->paths, kind, ref, &doc, err);
		}
		if (r < 0) {
			cli_unlock(c);
			return r;
		}
		state = json_string_value(json_object_get(doc, "state")) ?: "";
		if (netd_sandbox_alive(doc) || strcmp(state, "exited") == 0) {
			*ret = doc;
			return 0;
		}
		cli_unlock(c);
		if (tries == 200)
			r = pn_err_set(err, EBUSY, "%s %s is %s: try again once it runs", kind, ref, state);
		json_decref(doc);
		doc = NULL;
		if (r < 0)
			return r;
		usleep(25000);
	}
}

int cli_load_settled_unlocked(struct cli *c, const char *kind, const char *ref, json_t **ret, struct pn_err *err)
{
	int r = cli_load_settled(c, kind, ref, ret, err);

	if (r == 0)
		cli_unlock(c);
	return r;
}

struct firewall_drop {
	json_t *doc;
	const char *only_net;
};

static int drop_firewall(void *arg, struct pn_err *err)
{
	struct firewall_drop *d = arg;

	return cli_attach_firewall(d->doc, d->only_net, false, err);
}

void cli_sandbox_firewall_drop(struct cli *c, json_t *doc, const char *only_net)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	struct firewall_drop d = { doc, only_net };

	if (!json_object_size(json_object_get(doc, "networks")))
		return;
	if (netd_infra_open(&c->paths, &inf, NULL) == 0) {
		netd_infra_run(&inf, drop_firewall, &d, NULL);
		netd_infra_close(&inf);
	}
}

/*
 * Whether a running (or starting) container shares the network namespace of
 * container @id: one that joined it (run --network container:), or one that
 * joined such a one, which is in the same namespace. A stopped link of the
 * chain counts for the ones behind it.
 */
static bool netns_shared(struct cli *c, const char *id, int depth)
{
	_cleanup_json_ json_t *deps = NULL;
	json_t *v;
	size_t i;

	if (!id || depth > 8)
		return false;
	deps = cli_joined_names(c, id);
	json_array_foreach(deps, i, v) {
		_cleanup_json_ json_t *dep = NULL;
		bool shared;

		if (netd_sandbox_load(&c->paths, "container", json_string_value(v), &dep, NULL) < 0)
			continue;
		shared = netd_sandbox_alive(dep) || cli_sandbox_starting(dep) ||
			 netns_shared(c, json_string_value(json_object_get(dep, "id")), depth + 1);
		if (shared)
			return true;
	}
	return false;
}

/* whether @doc's network namespace outlives its init: another container holds it (a pod's: through a member) */
static bool sandbox_netns_outlives(struct cli *c, json_t *doc)
{
	json_t *m;
	size_t i;

	if (!json_object_size(json_object_get(doc, "networks")))
		return false;
	if (strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "pod") != 0)
		return netns_shared(c, json_string_value(json_object_get(doc, "id")), 0);
	json_array_foreach(json_object_get(doc, "members"), i, m) {
		_cleanup_json_ json_t *member = NULL;

		if (netd_sandbox_load(&c->paths, "container", json_string_value(m), &member, NULL) == 0 &&
		    netns_shared(c, json_string_value(json_object_get(member, "id")), 0))
			return true;
	}
	return false;
}

struct links_arg {
	const char *const *names;
	size_t n;
};

static int links_delete_cb(void *arg, struct pn_err *err)
{
	const struct links_arg *a = arg;
	struct nl_sock *sk = NULL;
	int r = netd_nl_open(&sk, err);

	for (size_t i = 0; i < a->n && r == 0; i++)
		r = netd_link_delete(sk, a->names[i], err);
	netd_nl_close(sk);
	return r;
}

int cli_infra_links_delete(struct cli *c, const char *const *names, size_t n, struct pn_err *err)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	struct links_arg a = { names, n };
	int r;

	if (!n || netd_infra_open(&c->paths, &inf, NULL) < 0)
		return 0;
	r = netd_infra_run(&inf, links_delete_cb, &a, err);
	netd_infra_close(&inf);
	return r;
}

/*
 * @doc's interfaces, deleted from I's side (which deletes both ends of each
 * veth): for a sandbox whose network namespace lives on in a container that
 * joined it. Without this the dependent would keep addresses that are about
 * to be given to others, on ports no longer in the source guard. Ordinarily
 * the namespace dies with the sandbox's init, and its veths with it.
 */
static void sandbox_unplug_shared(struct cli *c, json_t *doc)
{
	const char *names[NETD_MAX_NETWORKS];
	struct pn_err err = { 0 };
	size_t n = 0;
	const char *k;
	json_t *att;

	if (!sandbox_netns_outlives(c, doc))
		return;
	json_object_foreach(json_object_get(doc, "networks"), k, att)
		if (n < NETD_MAX_NETWORKS && json_string_value(json_object_get(att, "host_interface")))
			names[n++] = json_string_value(json_object_get(att, "host_interface"));
	if (cli_infra_links_delete(c, names, n, &err) < 0)
		fprintf(stderr, "Warning: %s: cannot remove its interfaces from the network namespace it shares: %s\n",
			json_string_value(json_object_get(doc, "name")) ?: "sandbox", err.msg);
}

/* nothing runs any more: U, I and the helpers go (networks stay defined), and what killed writers left */
static void infra_down(struct cli *c)
{
	helpers_stop_all(c);
	netd_infra_stop(&c->paths);
	cli_sweep_tmp(c);
}

int cli_teardown(struct cli *c, json_t *doc, bool remove, int exit_code, struct pn_err *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *state = json_string_value(json_object_get(doc, "state"));
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const char *podname = json_string_value(json_object_get(doc, "pod"));
	json_t *nets, *att;
	const char *k;
	void *tmp;
	int r = 0;

	if (json_object_get(doc, "corrupt")) {
		char path[PATH_MAX], dir[PATH_MAX];
		struct pn_proc_id init;

		if (!id || strlen(id) != NETD_ID_LEN)
			return 0;
		/* all we know is the id, and the init recorded beside the state */
		netd_sandbox_dir(&c->paths, id, dir);
		if (pn_pidfile_read(pn_path(path, "%s/init.pid", dir), &init) == 0)
			pn_proc_kill_wait(&init, 0);
		portfwd_stop_by_id(c, id);
		netd_forget_owner(&c->paths, id);
		cli_mark_live(c, id, false);
		pn_rm_rf(dir);
		cli_helpers_reload(c);
		return 0;
	}
	if (id && strlen(id) == NETD_ID_LEN && ((state && strcmp(state, "created") == 0) || remove) &&
	    netd_leasing_pending(&c->paths, id)) {
		/*
		 * A start or a connect killed between taking a lease and saving
		 * the state leaves a lease the document does not name (and the
		 * mark that says so): when the sandbox never ran, or goes for
		 * good, everything of its id goes. Without the mark the document
		 * names every lease, and the releases below are enough: the
		 * sweep reads every lease of every network.
		 */
		netd_forget_owner(&c->paths, id);
	}
	if (!state || strcmp(state, "exited") != 0) {
		struct pn_proc_id init;

		/* a killed init may still be emptying its pid namespace, its
		 * network namespace holding the addresses: let it finish
		 * before they are given to anyone else */
		if (netd_sandbox_proc(doc, "init", &init))
			pn_proc_wait_exit(&init, 2000);
		/* a namespace that others hold loses its interfaces before their addresses are free */
		sandbox_unplug_shared(c, doc);
		helpers_sandbox_stopped(c, doc);
		/* its ports' addresses and host access, before the addresses are free again */
		cli_sandbox_firewall_drop(c, doc, NULL);
		netd_dns_publish(&c->paths, doc, NULL, true);
		nets = json_object_get(doc, "networks");
		json_object_foreach_safe(nets, tmp, k, att) {
			struct pn_err lerr = { 0 };

			if (netd_attach_release(&c->paths, doc, k, &lerr) < 0 && !r) {
				r = -lerr.code;
				if (err)
					*err = lerr;
			}
		}
		if (podname && *podname && kind && strcmp(kind, "container") == 0) {
			json_t *pod = NULL;

			if (netd_sandbox_load(&c->paths, "pod", podname, &pod, NULL) == 0) {
				json_t *members = json_object_get(pod, "members"), *v;
				size_t i;

				json_array_foreach(members, i, v)
					if (strcmp(json_string_value(v) ?: "", json_string_value(json_object_get(doc, "name"))) == 0) {
						json_array_remove(members, i);
						break;
					}
				netd_sandbox_save(&c->paths, pod, NULL);
				netd_dns_publish(&c->paths, pod, NULL, false);
				json_decref(pod);
			}
		}
		cli_mark_live(c, id, false);
		json_object_set_new(doc, "state", json_string("exited"));
		json_object_set_new(doc, "exit_code", json_integer(exit_code));
		json_object_del(doc, "init");
	}
	if (remove) {
		/* a --rm container's code, for a `wait` on it (its own removal; not `rm` of one kept) */
		if (json_is_true(json_object_get(doc, "rm")))
			cli_exit_record(c, doc);
		cli_exits_prune(c);
		netd_sandbox_remove(&c->paths, doc);
	} else
		netd_sandbox_save(&c->paths, doc, NULL);
	cli_helpers_reload(c);
	if (!anything_live(c))
		infra_down(c);
	return r;
}

void cli_exit_record(struct cli *c, json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id")) ?: "";
	_cleanup_json_ json_t *rec = NULL;
	char path[PATH_MAX];

	if (!netd_id_hex(id, NETD_ID_LEN) ||
	    strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "container") != 0 ||
	    pn_mkdir_p(pn_path(path, "%s/exits", c->paths.runtime), 0700) < 0)
		return;
	rec = json_pack("{s:s, s:s, s:I}", "id", id, "name", json_string_value(json_object_get(doc, "name")) ?: "",
			"exit_code", (json_int_t)json_integer_value(json_object_get(doc, "exit_code")));
	/* best effort: without it, wait says the code is gone, as before */
	if (rec)
		pn_json_save_compact(pn_path(path, "%s/exits/%s", c->paths.runtime, id), rec);
}

void cli_exits_prune(struct cli *c)
{
	char path[PATH_MAX];
	_cleanup_closedir_ DIR *d = opendir(pn_path(path, "%s/exits", c->paths.runtime));
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;

	while (d && (de = readdir(d)))
		if (netd_id_hex(de->d_name, NETD_ID_LEN) &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (now - st.st_mtime > CLI_EXIT_KEEP_SECONDS || !S_ISREG(st.st_mode)))
			unlinkat(dirfd(d), de->d_name, 0);
	/* and what a writer killed in cli_exit_record() left */
	pn_sweep_stale_tmp(path, 0);
}

/*
 * The exit code in exits file @name, when it is younger than
 * CLI_EXIT_KEEP_SECONDS and well formed; the container's name in *@ret_name
 * (held by *@ret_rec, the caller's to release) and the file's mtime.
 * Return: the code, or -ENOENT.
 */
static int exit_read(struct cli *c, const char *name, const char **ret_name, json_t **ret_rec,
		     struct timespec *ret_mtime)
{
	char path[PATH_MAX];
	struct stat st;
	json_t *rec = NULL, *code;

	pn_path(path, "%s/exits/%s", c->paths.runtime, name);
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || time(NULL) - st.st_mtime > CLI_EXIT_KEEP_SECONDS ||
	    pn_json_load(path, &rec, NULL) < 0)
		return -ENOENT;
	code = json_object_get(rec, "exit_code");
	if (!json_is_object(rec) || strcmp(json_string_value(json_object_get(rec, "id")) ?: "", name) != 0 ||
	    !json_is_string(json_object_get(rec, "name")) || !json_is_integer(code) || json_integer_value(code) < 0 ||
	    json_integer_value(code) > 255) {
		json_decref(rec);
		return -ENOENT;
	}
	*ret_name = json_string_value(json_object_get(rec, "name"));
	*ret_rec = rec;
	*ret_mtime = st.st_mtim;
	return (int)json_integer_value(code);
}

int cli_exit_lookup(struct cli *c, const char *ref)
{
	char path[PATH_MAX];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int by_name = -ENOENT, by_id = -ENOENT, ids = 0;
	struct timespec newest = { 0 };
	size_t reflen = strlen(ref);
	bool hex = netd_id_hex(ref, 3); /* an id prefix, as lookups of sandboxes take */
	bool maybe_name = netd_name_valid(ref);

	d = opendir(pn_path(path, "%s/exits", c->paths.runtime));
	while (d && (de = readdir(d))) {
		_cleanup_json_ json_t *rec = NULL;
		const char *name;
		struct timespec mtime;
		bool id_match;
		int code;

		if (!netd_id_hex(de->d_name, NETD_ID_LEN))
			continue;
		id_match = hex && strncmp(de->d_name, ref, reflen) == 0;
		if ((!id_match && !maybe_name) || (code = exit_read(c, de->d_name, &name, &rec, &mtime)) < 0)
			continue;
		if (strcmp(name, ref) == 0) {
			/* a name taken again and again: the latest holder's */
			if (by_name < 0 || mtime.tv_sec > newest.tv_sec ||
			    (mtime.tv_sec == newest.tv_sec && mtime.tv_nsec >= newest.tv_nsec)) {
				by_name = code;
				newest = mtime;
			}
		} else if (id_match) {
			by_id = code;
			ids++;
		}
	}
	/* by name first, as lookups of containers go; an ambiguous id prefix names none */
	return by_name >= 0 ? by_name : ids == 1 ? by_id : -ENOENT;
}

/* cli_gc(), and the sandboxes left in *@ret_all (when not NULL) */
static int gc(struct cli *c, struct pn_err *err, json_t **ret_all)
{
	_cleanup_json_ json_t *all = NULL;
	json_t *doc;
	size_t i;
	int n = 0;

	netd_sandbox_list(&c->paths, NULL, &all, err);
	/*
	 * A pod whose pause process died is torn down, its addresses freed,
	 * and kept as exited (`pod start` brings it back): its members, which
	 * would go on using the pod's network namespace and those addresses,
	 * are stopped first (then they are stale too).
	 */
	_cleanup_json_ json_t *orphans = json_object(); /* ids of members of gone pods that this gc stopped */

	json_array_foreach(all, i, doc)
		if (strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "pod") == 0 && cli_sandbox_stale(doc))
			cli_pod_stop_members(c, doc, "is gone", 0, orphans);
	json_array_foreach(all, i, doc) {
		const char *id = json_string_value(json_object_get(doc, "id")) ?: "";
		_cleanup_json_ json_t *now = NULL;
		bool orphan = orphans && json_object_get(orphans, id);

		if (!orphan && !cli_sandbox_stale(doc))
			continue;
		/*
		 * Torn down from what is on disk now: the stop just saved its
		 * mark in a member, and a member's teardown its pod's list.
		 * A member that this gc killed has a monitor that would record
		 * it, but only once this command lets the lock go: torn down
		 * here (137, as killed), so that this command's listing does
		 * not show it running; the monitor then finds the work done.
		 * One that had exited by itself is left to its monitor, which
		 * knows its code.
		 */
		if (netd_sandbox_load(&c->paths, json_string_value(json_object_get(doc, "kind")) ?: "", id, &now,
				      NULL) == 0) {
			if (!cli_sandbox_stale(now)) {
				struct pn_proc_id init;

				if (!orphan || !netd_sandbox_proc(now, "init", &init) || pn_proc_alive(&init))
					continue;
			}
			doc = now;
		} /* else corrupt (or gone meanwhile): the listed copy */
		/* a killed "run --rm" would have removed itself: so would we */
		cli_teardown(c, doc, json_is_true(json_object_get(doc, "rm")) || json_object_get(doc, "corrupt"), 137, NULL);
		n++;
	}
	netd_names_gc(&c->paths);
	/* live markers of sandboxes that no longer exist */
	{
		_cleanup_closedir_ DIR *d = NULL;
		char path[PATH_MAX], sd[PATH_MAX];
		struct dirent *de;

		d = opendir(live_path(c, NULL, path));
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (access(netd_sandbox_dir(&c->paths, de->d_name, sd), F_OK) < 0)
				unlinkat(dirfd(d), de->d_name, 0);
		}
	}
	if (!anything_live(c)) {
		struct netd_infra inf = NETD_INFRA_INIT;

		if (netd_infra_open(&c->paths, &inf, NULL) == 0) {
			netd_infra_close(&inf);
			infra_down(c);
		}
	}
	if (ret_all) {
		/* the listing is still true when nothing was torn down: no second reading */
		if (n == 0)
			*ret_all = steal_ptr(all);
		else
			netd_sandbox_list(&c->paths, NULL, ret_all, NULL);
	}
	return n;
}

void cli_sweep_tmp(struct cli *c)
{
	pn_sweep_stale_tmp(c->paths.runtime, 3);
	pn_sweep_stale_tmp(c->paths.data, 2);
}

int cli_gc(struct cli *c, struct pn_err *err)
{
	return gc(c, err, NULL);
}

json_t *cli_gc_list(struct cli *c)
{
	json_t *all = NULL;

	gc(c, NULL, &all);
	return all ? all : json_array();
}

/* the members of @all of @kind (new array; references) */
static json_t *of_kind(json_t *all, const char *kind)
{
	json_t *out = json_array(), *doc;
	size_t i;

	json_array_foreach(all, i, doc)
		if (strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", kind) == 0)
			json_array_append(out, doc);
	return out;
}

void cli_survey(struct cli *c, json_t **ret_containers, json_t **ret_pods)
{
	struct pn_err err = { 0 };
	json_t *all = NULL, *ctrs, *pods;
	int r;

	gc(c, NULL, &all);
	r = cli_repair(c, &err);
	if (r < 0)
		fprintf(stderr, "Warning: %s\n", err.msg);
	if (r > 0 || !all) {
		/* the infra was rebuilt: the sandboxes' state changed on disk */
		json_decref(all);
		all = NULL;
		netd_sandbox_list(&c->paths, NULL, &all, NULL);
	}
	ctrs = of_kind(all, "container");
	pods = of_kind(all, "pod");
	json_decref(all);
	helpers_repair(c, ctrs);
	/* a pod's forwarder serves its members' ports */
	helpers_repair(c, pods);
	if (ret_containers)
		*ret_containers = ctrs;
	else
		json_decref(ctrs);
	if (ret_pods)
		*ret_pods = pods;
	else
		json_decref(pods);
}

/*
 * The holder was killed while sandboxes still run: their user namespace lives
 * on in them, their infra namespace is gone or orphaned. Build a new I inside
 * that U and re-attach every running sandbox with its recorded addresses.
 */
static int recover_infra(struct cli *c, json_t *live, struct netd_infra *inf, struct pn_err *err)
{
	bool stay = c->stay_in_infra;
	json_t *doc;
	size_t i;
	int ufd = -1, r;

	json_array_foreach(live, i, doc) {
		struct pn_proc_id init;

		if (netd_sandbox_proc(doc, "init", &init) && (ufd = pn_ns_open(init.pid, "user")) >= 0)
			break;
	}
	if (c->paths.rootless && ufd < 0)
		return -ENOENT;
	r = netd_infra_adopt(&c->paths, ufd, inf, err);
	if (ufd >= 0)
		close(ufd);
	if (r < 0)
		return r;
	/*
	 * The re-attachments run in a worker: a command that works from inside
	 * U and I (connect, disconnect) joins them only for its own change, so
	 * that the helpers started after this one are started from the host.
	 */
	c->stay_in_infra = false;
	json_array_foreach(live, i, doc) {
		struct pn_err e = { 0 };

		/* pod members share the pod's namespace: the pod is re-attached */
		if (json_string_value(json_object_get(doc, "pod")) && json_string_value(json_object_get(doc, "pod"))[0])
			continue;
		if (!json_object_size(json_object_get(doc, "networks")))
			continue;
		helpers_sandbox_stopped(c, doc);
		if (sandbox_netns_apply(c, inf, doc, NULL, true, &e) < 0 ||
		    sandbox_netns_apply(c, inf, doc, NULL, false, &e) < 0) {
			fprintf(stderr, "Warning: could not reconnect %s: %s\n",
				json_string_value(json_object_get(doc, "name")), e.msg);
			continue;
		}
		if (json_array_size(json_object_get(doc, "publish")) &&
		    helpers_sandbox_started(c, inf, doc, &e) == 0)
			netd_sandbox_save(&c->paths, doc, NULL);
	}
	c->stay_in_infra = stay;
	return 0;
}

int cli_infra(struct cli *c, struct netd_infra *inf, struct pn_err *err)
{
	bool started = false;
	int r;

	if (netd_infra_open(&c->paths, inf, NULL) < 0 && anything_live(c)) {
		_cleanup_json_ json_t *all = NULL;
		json_t *live = json_array(), *doc;
		size_t i;

		netd_sandbox_list(&c->paths, NULL, &all, NULL);
		json_array_foreach(all, i, doc)
			if (strcmp(json_string_value(json_object_get(doc, "state")) ?: "", "running") == 0 &&
			    netd_sandbox_alive(doc))
				json_array_append(live, doc);
		r = json_array_size(live) ? recover_infra(c, live, inf, err) : -ENOENT;
		json_decref(live);
		if (r == 0) {
			started = true;
			c->infra_recovered = true;
			return helpers_ensure(c, inf, started, err);
		}
		if (r != -ENOENT)
			return r;
		pn_err_clear(err);
	}
	if (inf->netns_fd < 0) {
		r = netd_infra_ensure(&c->paths, inf, &started, err);
		if (r < 0)
			return r;
	}
	return helpers_ensure(c, inf, started, err);
}

int cli_repair(struct cli *c, struct pn_err *err)
{
	struct netd_infra inf = NETD_INFRA_INIT;
	int r = 0;

	if (!anything_live(c))
		return 0;
	/* a dead holder brings everything back; a dead podnet-dns or podnet-slirp is restarted */
	if (netd_infra_open(&c->paths, &inf, NULL) < 0) {
		r = cli_infra(c, &inf, err);
		if (r == 0)
			r = 1;
	} else {
		r = helpers_ensure(c, &inf, false, err);
	}
	netd_infra_close(&inf);
	return r;
}

void cli_helpers_reload(struct cli *c)
{
	helpers_reload(c);
}

int cli_network_config_check(json_t *doc, struct pn_err *err)
{
	const char *kind = json_string_value(json_object_get(doc, "kind")) ?: "container";

	if (json_is_array(json_object_get(doc, "network_config")) ||
	    strcmp(json_string_value(json_object_get(doc, "network_mode")) ?: "", "bridge") != 0)
		return 0;
	/* made before sandboxes kept their networks: starting it would give it none */
	return pn_err_set(err, EINVAL, "%s %s does not record its networks (made by an older podnet): remove it and %s it again",
			  kind, json_string_value(json_object_get(doc, "name")) ?: "?",
			  strcmp(kind, "pod") == 0 ? "create" : "run");
}

int cli_nets_load(struct cli *c, json_t *cfg, struct netd_network *nets, struct pn_err *err)
{
	json_t *ent;
	size_t i;
	int n = 0, r = 0;

	json_array_foreach(cfg, i, ent) {
		const char *name = json_string_value(json_object_get(ent, "network")) ?: "";

		if (n == CLI_MAX_LIST)
			break;
		/* the default network is made when first used (also when named, or as "bridge") */
		if (strcmp(name, NETD_DEFAULT_NETWORK) == 0)
			r = network_ensure_default(c, err);
		if (r == 0)
			r = netd_network_load(&c->paths, name, &nets[n], err);
		for (int j = 0; r == 0 && j < n; j++)
			if (strcmp(name, nets[j].name) == 0) {
				netd_network_clear(&nets[n]);
				r = pn_err_set(err, EINVAL, "network %s given twice", name);
			}
		if (r < 0) {
			cli_nets_clear(nets, n);
			return r;
		}
		n++;
	}
	return n;
}

void cli_nets_clear(struct netd_network *nets, int n)
{
	for (int j = 0; j < n; j++)
		netd_network_clear(&nets[j]);
}

int cli_nets_plan(struct cli *c, json_t *doc, json_t *cfg, struct netd_network *nets, int n, struct pn_err *err)
{
	int r = 0;

	for (int i = 0; r == 0 && i < n; i++) {
		json_t *ent = json_array_get(cfg, (size_t)i);
		struct netd_static st;

		netd_net_config_static(ent, &st);
		r = netd_attach_plan(&c->paths, doc, &nets[i], &st, json_object_get(ent, "aliases"), err);
	}
	cli_nets_clear(nets, n);
	return r;
}

/*
 * The sandboxes of @kind a command names: @n references, or with @all every
 * one (only the running ones with @running_only). Return: a new array of
 * names, NULL when nothing was named (an empty array when --all finds none).
 */
static json_t *targets(struct cli *c, const char *kind, bool all, bool running_only, int n, char **refs)
{
	json_t *out, *doc, *list = NULL;
	size_t i;

	if (!all) {
		if (n == 0)
			return NULL;
		out = json_array();
		for (int j = 0; j < n; j++)
			json_array_append_new(out, json_string(refs[j]));
		return out;
	}
	if (n > 0)
		return NULL;
	out = json_array();
	netd_sandbox_list(&c->paths, kind, &list, NULL);
	json_array_foreach(list, i, doc) {
		const char *name = json_string_value(json_object_get(doc, "name"));

		if (name && (!running_only || netd_sandbox_alive(doc)))
			json_array_append_new(out, json_string(name));
	}
	json_decref(list);
	return out;
}

int cli_each_name(struct cli *c, int argc, char **argv, const struct cli_each *e)
{
	_cleanup_json_ json_t *names = NULL;
	struct pn_err err = { 0 };
	struct names_opts no;
	int first, rc = 0;
	json_t *v;
	size_t i;

	first = opts_names_parse(argc, argv, e->cmd, e->accept, &no, &err);
	if (first < 0)
		return cli_fail(&err);
	names = targets(c, e->kind, no.all, e->running_only, argc - first, argv + first);
	if (!names)
		return cli_failf("%s: give at least one %s, or --all", e->cmd, e->kind);
	json_array_foreach(names, i, v) {
		_cleanup_json_ json_t *doc = NULL;
		int r;

		pn_err_clear(&err);
		r = e->one(c, json_string_value(v), &no, e->ctx, &err);
		/*
		 * As Podman: with -i (and rm's -f) a name that does not exist
		 * (any more: another command may have removed it meanwhile) is
		 * no error, and nothing is printed for it.
		 */
		if (r == -ENOENT && (no.ignore || no.force) &&
		    netd_sandbox_load(&c->paths, e->kind, json_string_value(v), &doc, NULL) == -ENOENT)
			continue;
		if (r < 0)
			rc = cli_fail(&err);
		else if (r > 0)
			rc = r; /* printed already (a command that cannot run) */
	}
	return rc;
}

int cli_joined_mark(struct cli *c, const char *target, const char *dep, struct pn_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, r;

	pn_path(dir, "%s/joined", netd_sandbox_dir(&c->paths, target, path));
	r = pn_mkdir_p(dir, 0700);
	if (r == 0) {
		fd = open(pn_path(path, "%s/%s", dir, dep), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		r = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
	}
	if (r < 0)
		return pn_err_set(err, r, "cannot record the network it joins: %s", strerror(-r));
	return 0;
}

json_t *cli_joined_names(struct cli *c, const char *target)
{
	char dir[PATH_MAX], sdir[PATH_MAX], mode[80];
	_cleanup_closedir_ DIR *d = NULL;
	json_t *names = json_array();
	struct dirent *e;

	pn_path(dir, "%s/joined", netd_sandbox_dir(&c->paths, target, sdir));
	d = opendir(dir);
	snprintf(mode, sizeof(mode), "container:%s", target);
	while (names && d && (e = readdir(d))) {
		json_t *doc = NULL;

		/* a stale mark (its container removed, or its run failed) stays: the lock may not be held here */
		if (e->d_name[0] == '.' || netd_sandbox_load(&c->paths, "container", e->d_name, &doc, NULL) < 0)
			continue;
		if (strcmp(json_string_value(json_object_get(doc, "network_mode")) ?: "", mode) == 0)
			json_array_append(names, json_object_get(doc, "name"));
		json_decref(doc);
	}
	return names ?: json_array();
}

int cli_prune(struct cli *c, int argc, char **argv, const char *cmd, bool pods,
	      int (*rm)(struct cli *c, const char *id, struct pn_err *err))
{
	_cleanup_json_ json_t *docs = NULL;
	struct pn_err err = { 0 };
	bool force;
	int first = opts_force(argc, argv, cmd, &force, &err), rc = 0;
	json_t *doc;
	size_t i;

	if (first < 0)
		return cli_fail(&err);
	if (first < argc)
		return cli_failf("%s: unexpected argument %s", cmd, argv[first]);
	if (cli_lock(c, &err) < 0)
		return cli_fail(&err);
	cli_survey(c, pods ? NULL : &docs, pods ? &docs : NULL);
	cli_unlock(c);
	json_array_foreach(docs, i, doc) {
		const char *state = json_string_value(json_object_get(doc, "state")) ?: "";
		const char *id = json_string_value(json_object_get(doc, "id")) ?: "";
		int r;

		if (strcmp(state, "exited") != 0)
			continue;
		pn_err_clear(&err);
		r = rm(c, id, &err);
		if (r < 0)
			rc = cli_fail(&err);
		else if (r == 0)
			printf("%s\n", id);
	}
	return rc;
}

json_t *cli_network_used_by(json_t *all, const char *net)
{
	json_t *users = json_array(), *doc;
	size_t i;

	json_array_foreach(all, i, doc) {
		const char *state = json_string_value(json_object_get(doc, "state"));

		if (state && strcmp(state, "exited") != 0 && json_object_get(json_object_get(doc, "networks"), net))
			json_array_append(users, json_object_get(doc, "name"));
	}
	return users;
}

/*
 * The container bind-mounts these files: replacing them by rename would leave
 * it looking at the old inode, so they are rewritten in place (as Docker does).
 */
static int write_in_place(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
		return -errno;
	return 0;
}

int write_sandbox_files(struct cli *c, json_t *doc, json_t *pod, struct pn_err *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *hostname = json_string_value(json_object_get(doc, "hostname"));
	_cleanup_free_ char *hosts = netd_hosts_text(doc, pod);
	_cleanup_free_ char *resolv = netd_resolv_text(&c->paths, pod ? pod : doc);
	char dir[PATH_MAX], path[PATH_MAX], hn[80];
	int r;

	if (!hosts || !resolv)
		return pn_err_set(err, ENOMEM, "out of memory");
	netd_sandbox_dir(&c->paths, id, dir);
	r = write_in_place(pn_path(path, "%s/hosts", dir), hosts);
	if (r == 0)
		r = write_in_place(pn_path(path, "%s/resolv.conf", dir), resolv);
	snprintf(hn, sizeof(hn), "%s\n", hostname ? hostname : "");
	if (r == 0)
		r = write_in_place(pn_path(path, "%s/hostname", dir), hn);
	if (r < 0)
		return pn_err_set(err, r, "cannot write files in %s: %s", dir, strerror(-r));
	if (!pod && strcmp(json_string_value(json_object_get(doc, "kind")) ?: "", "pod") == 0) {
		/* a pod's members have files of their own, from the pod's networks: a connect changes them */
		json_t *m;
		size_t i;

		json_array_foreach(json_object_get(doc, "members"), i, m) {
			_cleanup_json_ json_t *member = NULL;

			if (netd_sandbox_load(&c->paths, "container", json_string_value(m), &member, NULL) == 0)
				write_sandbox_files(c, member, doc, NULL);
		}
	}
	return 0;
}
