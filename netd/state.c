// SPDX-License-Identifier: GPL-2.0-or-later
/* Runtime state files and the lock: see state.h for the protocol. */
#define _GNU_SOURCE
#include "state.h"
#include "cleanup.h"
#include "fileutil.h"
#include "ipam.h"
#include "network.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int netd_lock(const struct pn_paths *p, struct pn_err *err)
{
	char path[PATH_MAX];
	int fd;

	fd = open(pn_path(path, "%s/lock", p->runtime), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return pn_err_set(err, errno, "cannot open lock %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			return pn_err_set(err, e, "cannot lock %s: %s", path, strerror(e));
		}
	}
	return fd;
}

void netd_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void netd_id_new(char id[NETD_ID_LEN + 1])
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(rand() ^ getpid());
	for (size_t i = 0; i < sizeof(raw); i++)
		sprintf(id + 2 * i, "%02x", raw[i]);
}

char *netd_sandbox_dir(const struct pn_paths *p, const char *id, char *buf)
{
	return pn_path(buf, "%s/ctr/%s", p->runtime, id);
}

bool netd_id_hex(const char *s, size_t min)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n >= min && s[n] == '\0' && n <= NETD_ID_LEN;
}

static const char *names_dir(const char *kind)
{
	return strcmp(kind, "pod") == 0 ? "podnames" : "names";
}

static int load_by_id(const struct pn_paths *p, const char *id, json_t **ret, struct pn_err *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	json_t *doc = NULL;
	int r;

	r = pn_json_load(pn_path(path, "%s/state.json", netd_sandbox_dir(p, id, dir)), &doc, err);
	if (r < 0)
		return r;
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "id")) ||
	    !json_is_string(json_object_get(doc, "name")) || !json_is_string(json_object_get(doc, "kind")) ||
	    strcmp(json_string_value(json_object_get(doc, "id")), id) != 0) {
		json_decref(doc);
		return pn_err_set(err, EINVAL, "%s: not a podnet state file", path);
	}
	*ret = doc;
	return 0;
}

int netd_sandbox_load(const struct pn_paths *p, const char *kind, const char *ref, json_t **ret,
		      struct pn_err *err)
{
	char path[PATH_MAX], target[NETD_ID_LEN + 2];
	const char *what = strcmp(kind, "pod") == 0 ? "pod" : "container";
	ssize_t n;
	int r;

	if (!ref || !*ref || strchr(ref, '/'))
		return pn_err_set(err, ENOENT, "no such %s: %s", what, ref ? ref : "");
	/* by name first, as podman does */
	n = readlink(pn_path(path, "%s/%s/%s", p->runtime, names_dir(kind), ref), target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		/*
		 * Lookups run without the lock and never change anything: a name
		 * whose state is not written yet (or was lost) is simply not found
		 * here; netd_names_gc() removes dangling names under the lock.
		 */
		r = load_by_id(p, target, ret, err);
		if (r == -ENOENT)
			return pn_err_set(err, ENOENT, "no such %s: %s", what, ref);
		return r;
	}
	if (netd_id_hex(ref, NETD_ID_LEN)) {
		/* a whole id names its directory: no scan of the others */
		json_t *doc = NULL;

		if (load_by_id(p, ref, &doc, NULL) == 0 && strcmp(json_string_value(json_object_get(doc, "kind")), kind) == 0) {
			*ret = doc;
			return 0;
		}
		json_decref(doc);
	} else if (netd_id_hex(ref, 3)) {
		_cleanup_closedir_ DIR *d = opendir(pn_path(path, "%s/ctr", p->runtime));
		char found[NETD_ID_LEN + 1] = "";
		struct dirent *de;
		int matches = 0;

		while (d && (de = readdir(d))) {
			if (strncmp(de->d_name, ref, strlen(ref)) != 0 || !netd_id_hex(de->d_name, NETD_ID_LEN))
				continue;
			json_t *doc = NULL;

			if (load_by_id(p, de->d_name, &doc, NULL) < 0)
				continue;
			if (strcmp(json_string_value(json_object_get(doc, "kind")), kind) == 0) {
				matches++;
				snprintf(found, sizeof(found), "%.64s", de->d_name);
			}
			json_decref(doc);
		}
		if (matches > 1)
			return pn_err_set(err, EINVAL, "%s id prefix %s is ambiguous", what, ref);
		if (matches == 1)
			return load_by_id(p, found, ret, err);
	}
	return pn_err_set(err, ENOENT, "no such %s: %s", what, ref);
}

int netd_names_gc(const struct pn_paths *p)
{
	static const char *const dirs[] = { "names", "podnames" };
	char path[PATH_MAX], target[NETD_ID_LEN + 2], dir[PATH_MAX];
	int n = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		_cleanup_closedir_ DIR *d = opendir(pn_path(path, "%s/%s", p->runtime, dirs[i]));
		struct dirent *de;

		while (d && (de = readdir(d))) {
			ssize_t len;

			if (de->d_name[0] == '.')
				continue;
			len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			if (!netd_id_hex(target, NETD_ID_LEN) || access(netd_sandbox_dir(p, target, dir), F_OK) < 0) {
				unlinkat(dirfd(d), de->d_name, 0);
				n++;
			}
		}
	}
	return n;
}

/* the sandbox this process marked as taking leases (netd_leasing_begin), until a save names them */
static char leasing_id[NETD_ID_LEN + 1];

#define LEASING_FILE "leasing"

/* Create sandbox @id's leasing mark; *@ret_made: made now (false: it was there). */
static int leasing_mark(const struct pn_paths *p, const char *id, bool *ret_made, struct pn_err *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int fd;

	*ret_made = false;
	if (!id || strlen(id) != NETD_ID_LEN)
		return pn_err_set(err, EINVAL, "invalid sandbox id");
	fd = open(pn_path(path, "%s/" LEASING_FILE, netd_sandbox_dir(p, id, dir)),
		  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return pn_err_set(err, errno, "cannot write %s: %s", path, strerror(errno));
	close(fd);
	*ret_made = true;
	return 0;
}

int netd_leasing_begin(const struct pn_paths *p, const char *id, struct pn_err *err)
{
	bool made;
	int r;

	if (id && strlen(id) == NETD_ID_LEN && strcmp(leasing_id, id) == 0)
		return 0;
	r = leasing_mark(p, id, &made, err);
	/*
	 * Marked already: an earlier command died holding leases the state
	 * may not name. The mark stays (no save of ours removes it) until the
	 * sandbox goes and its leases are swept.
	 */
	if (r == 0 && made)
		memcpy(leasing_id, id, sizeof(leasing_id));
	return r;
}

bool netd_leasing_pending(const struct pn_paths *p, const char *id)
{
	char path[PATH_MAX], dir[PATH_MAX];

	return id && access(pn_path(path, "%s/" LEASING_FILE, netd_sandbox_dir(p, id, dir)), F_OK) == 0;
}

int netd_leasing_hold(const struct pn_paths *p, const char *id, bool *ret_made, struct pn_err *err)
{
	return leasing_mark(p, id, ret_made, err);
}

void netd_leasing_drop(const struct pn_paths *p, const char *id)
{
	char path[PATH_MAX], dir[PATH_MAX];

	/* a mark of this process's netd_leasing_begin() is its saves' to remove */
	if (id && strlen(id) == NETD_ID_LEN && strcmp(leasing_id, id) != 0)
		unlink(pn_path(path, "%s/" LEASING_FILE, netd_sandbox_dir(p, id, dir)));
}

int netd_sandbox_save(const struct pn_paths *p, json_t *doc, struct pn_err *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *id = json_string_value(json_object_get(doc, "id"));
	int r;

	r = pn_json_save_compact(pn_path(path, "%s/state.json", netd_sandbox_dir(p, id, dir)), doc);
	if (r < 0)
		return pn_err_set(err, r, "cannot write %s: %s", path, strerror(-r));
	/* the state on disk names this process's leases now: the mark can go */
	if (id && strcmp(leasing_id, id) == 0) {
		unlink(pn_path(path, "%s/" LEASING_FILE, dir));
		leasing_id[0] = '\0';
	}
	return 0;
}

/* @name of @kind points at a sandbox directory that exists */
static bool name_taken(const struct pn_paths *p, const char *kind, const char *name)
{
	char path[PATH_MAX], target[NETD_ID_LEN + 2], dir[PATH_MAX];
	ssize_t n = readlink(pn_path(path, "%s/%s/%s", p->runtime, names_dir(kind), name), target,
			     sizeof(target) - 1);

	if (n <= 0)
		return false;
	target[n] = '\0';
	return netd_id_hex(target, NETD_ID_LEN) && access(netd_sandbox_dir(p, target, dir), F_OK) == 0;
}

int netd_sandbox_claim(const struct pn_paths *p, const char *kind, const char *id, const char *name,
		       struct pn_err *err)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int r;

	pn_path(dir, "%s/%s", p->runtime, names_dir(kind));
	r = pn_mkdir_p(dir, 0700);
	if (r == 0)
		r = pn_mkdir_p(netd_sandbox_dir(p, id, dir), 0700);
	if (r < 0)
		return pn_err_set(err, r, "cannot create %s: %s", dir, strerror(-r));
	if (symlink(id, pn_path(path, "%s/%s/%s", p->runtime, names_dir(kind), name)) < 0) {
		int e = errno;

		rmdir(dir);
		if (e == EEXIST)
			return pn_err_set(err, EEXIST, "the %s name \"%s\" is already in use",
					  strcmp(kind, "pod") == 0 ? "pod" : "container", name);
		return pn_err_set(err, e, "cannot create %s: %s", path, strerror(e));
	}
	/*
	 * Pods and containers share one namespace of names, as in podman (a
	 * pod's name resolves on its networks like a container's). The other
	 * kind's name is checked after ours exists: two claims racing without
	 * the lock may both fail, never both succeed. A name whose sandbox
	 * directory is gone does not count (netd_names_gc() removes it).
	 */
	if (name_taken(p, strcmp(kind, "pod") == 0 ? "container" : "pod", name)) {
		unlink(path);
		rmdir(dir);
		return pn_err_set(err, EEXIST, "name \"%s\" is in use: %s already exists", name,
				  strcmp(kind, "pod") == 0 ? "container" : "pod");
	}
	return 0;
}

int netd_sandbox_remove(const struct pn_paths *p, json_t *doc)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	const char *name = json_string_value(json_object_get(doc, "name"));
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	char path[PATH_MAX], target[NETD_ID_LEN + 2];
	ssize_t n;

	if (name && kind && netd_name_valid(name)) {
		pn_path(path, "%s/%s/%s", p->runtime, names_dir(kind), name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (id && strcmp(target, id) == 0)
				unlink(path);
		}
	}
	if (!id || !netd_id_hex(id, NETD_ID_LEN))
		return -EINVAL;
	return pn_rm_rf(netd_sandbox_dir(p, id, path));
}

int netd_sandbox_list(const struct pn_paths *p, const char *kind, json_t **ret, struct pn_err *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char path[PATH_MAX];
	json_t *arr = json_array();
	struct dirent *de;

	(void)err;
	d = opendir(pn_path(path, "%s/ctr", p->runtime));
	while (d && (de = readdir(d))) {
		json_t *doc = NULL;
		struct pn_err lerr = { 0 };

		if (!netd_id_hex(de->d_name, NETD_ID_LEN))
			continue;
		if (load_by_id(p, de->d_name, &doc, &lerr) < 0) {
			json_array_append_new(arr, json_pack("{s:s, s:s}", "id", de->d_name, "corrupt", lerr.msg));
			continue;
		}
		if (kind && strcmp(json_string_value(json_object_get(doc, "kind")), kind) != 0) {
			json_decref(doc);
			continue;
		}
		json_array_append_new(arr, doc);
	}
	*ret = arr;
	return 0;
}

bool netd_sandbox_proc(json_t *doc, const char *key, struct pn_proc_id *ret)
{
	json_int_t pid = 0, st = 0;

	memset(ret, 0, sizeof(*ret));
	if (json_unpack(json_object_get(doc, key), "{s:I, s:I}", "pid", &pid, "starttime", &st) < 0 || pid <= 0)
		return false;
	ret->pid = (pid_t)pid;
	ret->starttime = (uint64_t)st;
	return true;
}

void netd_sandbox_set_proc(json_t *doc, const char *key, const struct pn_proc_id *id)
{
	json_object_set_new(doc, key, json_pack("{s:I, s:I}", "pid", (json_int_t)id->pid,
						 "starttime", (json_int_t)id->starttime));
}

bool netd_sandbox_alive(json_t *doc)
{
	struct pn_proc_id id;

	return netd_sandbox_proc(doc, "init", &id) && pn_proc_alive(&id);
}

static int records_set(const char *dir, const char *network, bool internal, const char *header,
		       const char *id, const char *line, bool drop_empty);

bool netd_dns_records_file(const char *file, char *ret_name, bool *ret_internal)
{
	size_t len = pn_dns_records_name_len(file, ret_internal);

	if (!netd_name_valid_n(file, len, NETD_NAME_MAX))
		return false;
	memcpy(ret_name, file, len);
	ret_name[len] = '\0';
	return true;
}

int netd_dns_records_set(const struct pn_paths *p, const char *network, bool internal, const char *header,
			 const char *id, const char *line)
{
	char dir[PATH_MAX];
	int r;

	pn_path(dir, "%s/dns", p->runtime);
	r = pn_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	return records_set(dir, network, internal, header, id, line, false);
}

int netd_dns_records_set_dir(const char *dir, const char *network, bool internal, const char *header,
			     const char *id, const char *line)
{
	return records_set(dir, network, internal, header, id, line, true);
}

/*
 * A new line for @id, when the file has none yet and its header is current,
 * is appended in place (O_APPEND: one write under the lock; a reader sees the
 * file without the line or with all of it, since the size grows after the
 * bytes are in). The old file is looked at through a mapping of its pages,
 * not read into fresh memory: with 1000 containers, reading and rewriting
 * the file was 0.4 ms of every connect, the append is flat.
 * Return: 0, -EAGAIN when only a rewrite will do, or -errno.
 */
static int records_append(const char *path, const char *header, const char *needle, const char *tail)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	size_t hl = strlen(header), tl = strlen(tail), size;
	struct stat st;
	const char *map;
	bool ok;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	size = (size_t)st.st_size;
	if (!S_ISREG(st.st_mode) || size <= hl || size > PN_FILE_MAX)
		return -EAGAIN;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -EAGAIN;
	/* the header as it should be, every line whole, and no line of @id */
	ok = memcmp(map, header, hl) == 0 && map[hl] == '\n' && map[size - 1] == '\n' &&
	     !memmem(map + hl, size - hl, needle, strlen(needle));
	munmap((void *)map, size);
	if (!ok)
		return -EAGAIN;
	n = write(fd, tail, tl);
	if (n == (ssize_t)tl)
		return 0;
	/* a short write (no space): take back what went in, so that no line is cut */
	if (n >= 0 && ftruncate(fd, (off_t)size) == 0)
		return -ENOSPC;
	return n < 0 ? -errno : -EIO;
}

/*
 * Otherwise the file is rewritten from pieces of the old one (writev), not
 * copied line by line: with 1000 containers that copy and its fresh pages
 * were half a millisecond of every connect. Lines of @id are found with
 * memmem().
 */
static int records_set(const char *dir, const char *network, bool internal, const char *header,
		       const char *id, const char *line, bool drop_empty)
{
	_cleanup_free_ char *old = NULL, *needle = NULL, *tail = NULL;
	_cleanup_free_ struct iovec *iov = NULL;
	char path[PATH_MAX];
	size_t oldlen = 0, nlen, body = 0, body_len = 0, cap = 8;
	const char *cur, *end, *hit;
	int r, n = 0;

	if (line) {
		/* a file of the other kind is a leftover of a network of that name that was removed */
		unlink(pn_path(path, "%s/%s%s", dir, network, internal ? "" : PN_DNS_INTERNAL_SUFFIX));
	}
	pn_path(path, "%s/%s%s", dir, network, internal ? PN_DNS_INTERNAL_SUFFIX : "");
	if (asprintf(&needle, "\n%s ", id) < 0 || (line && asprintf(&tail, "%s\n", line) < 0))
		return -ENOMEM;
	if (line && !drop_empty) {
		r = records_append(path, header, needle, tail);
		if (r != -EAGAIN)
			return r;
	}
	r = pn_read_file(path, PN_FILE_MAX, &old, &oldlen);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == -ENOENT && !line)
		return 0;
	nlen = strlen(needle);
	/* line 1 is always the current header: gateways may have been re-added */
	if (old) {
		hit = memchr(old, '\n', oldlen);
		body = hit ? (size_t)(hit - old) + 1 : oldlen;
	}
	iov = malloc(cap * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	iov[n++] = (struct iovec){ .iov_base = (void *)header, .iov_len = strlen(header) };
	iov[n++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
	cur = old ? old + body : NULL;
	end = old ? old + oldlen : NULL;
	while (cur && cur < end) {
		const char *from = cur - 1; /* the newline ending the previous line */
		const char *stop;

		/* room for this piece and the two after the loop */
		if ((size_t)n + 3 > cap) {
			struct iovec *more = reallocarray(iov, cap * 2, sizeof(*iov));

			if (!more)
				return -ENOMEM;
			iov = more;
			cap *= 2;
		}
		hit = memmem(from, (size_t)(end - from), needle, nlen);
		stop = hit ? hit + 1 : end;
		if (stop > cur) {
			iov[n++] = (struct iovec){ .iov_base = (void *)cur, .iov_len = (size_t)(stop - cur) };
			body_len += (size_t)(stop - cur);
		}
		if (!hit)
			break;
		/* skip the line of @id */
		cur = memchr(hit + 1, '\n', (size_t)(end - hit - 1));
		cur = cur ? cur + 1 : end;
	}
	if (body_len && ((const char *)iov[n - 1].iov_base)[iov[n - 1].iov_len - 1] != '\n') {
		/* a file cut short by hand: keep its last line whole */
		iov[n++] = (struct iovec){ .iov_base = "\n", .iov_len = 1 };
	}
	if (tail)
		iov[n++] = (struct iovec){ .iov_base = tail, .iov_len = strlen(tail) };
	if (drop_empty && !body_len && !tail) {
		/* aardvark-dns: a network without containers has no file */
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	return pn_write_atomicv(path, iov, n, 0644, 0);
}

int netd_dns_records_drop(const struct pn_paths *p, const char *network)
{
	char path[PATH_MAX];
	int r = 0;

	if (unlink(pn_path(path, "%s/dns/%s", p->runtime, network)) < 0 && errno != ENOENT)
		r = -errno;
	if (unlink(pn_path(path, "%s/dns/%s%s", p->runtime, network, PN_DNS_INTERNAL_SUFFIX)) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int netd_forget_owner(const struct pn_paths *p, const char *id)
{
	_cleanup_closedir_ DIR *d = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	int r = 0;

	d = opendir(pn_path(path, "%s/ipam", p->runtime));
	while (d && (de = readdir(d))) {
		struct netd_leases l;

		if (de->d_name[0] == '.' || !netd_name_valid(de->d_name))
			continue;
		if (netd_ipam_open(p, de->d_name, &l, NULL) < 0)
			continue;
		netd_ipam_release(&l, id);
		if (netd_ipam_save(&l, NULL) < 0)
			r = -EIO;
		netd_ipam_close(&l);
	}
	if (d)
		closedir(d);
	d = opendir(pn_path(path, "%s/dns", p->runtime));
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *buf = NULL;
		char file[PATH_MAX], name[NETD_NAME_MAX + 1], *nl;
		bool internal;

		if (de->d_name[0] == '.' || !netd_dns_records_file(de->d_name, name, &internal))
			continue;
		if (pn_read_file(pn_path(file, "%s/%s", path, de->d_name), PN_FILE_MAX, &buf, NULL) < 0)
			continue;
		nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		netd_dns_records_set(p, name, internal, buf, id, NULL);
	}
	return r;
}
