// SPDX-License-Identifier: GPL-2.0-or-later
/* Directory layout: see paths.h. */
#define _GNU_SOURCE
#include "paths.h"
#include "fileutil.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pwd.h>
#include <sys/stat.h>


static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : "/";
}

static void exe_dir(char *buf)
{
	ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 1);
	char *slash;

	if (n <= 0) {
		strcpy(buf, "/usr/local/libexec/podnet");
		return;
	}
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
}

int pn_paths_init(struct pn_paths *p)
{
	const char *env;
	bool tmp_fallback = false;
	int r;

	memset(p, 0, sizeof(*p));
	p->rootless = geteuid() != 0;

	if ((env = getenv("PODNET_DATA_DIR")) && *env)
		snprintf(p->data, sizeof(p->data), "%s", env);
	else if (!p->rootless)
		snprintf(p->data, sizeof(p->data), "/var/lib/podnet");
	else if ((env = getenv("XDG_DATA_HOME")) && *env)
		snprintf(p->data, sizeof(p->data), "%s/podnet", env);
	else
		snprintf(p->data, sizeof(p->data), "%s/.local/share/podnet", home_dir());

	if ((env = getenv("PODNET_RUNTIME_DIR")) && *env)
		snprintf(p->runtime, sizeof(p->runtime), "%s", env);
	else if (!p->rootless)
		snprintf(p->runtime, sizeof(p->runtime), "/run/podnet");
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		snprintf(p->runtime, sizeof(p->runtime), "%s/podnet", env);
	else {
		snprintf(p->runtime, sizeof(p->runtime), "/tmp/podnet-%u", (unsigned)getuid());
		tmp_fallback = true;
	}

	if ((env = getenv("PODNET_LIBEXEC_DIR")) && *env)
		snprintf(p->libexec, sizeof(p->libexec), "%s", env);
	else
		exe_dir(p->libexec);

	r = pn_mkdir_p(p->data, 0700);
	if (r < 0)
		return r;
	r = pn_mkdir_p(p->runtime, 0700);
	if (r < 0)
		return r;
	r = pn_dir_owned(p->data, (unsigned)geteuid(), true, p->problem, sizeof(p->problem));
	if (r < 0)
		return r;
	return pn_dir_owned(p->runtime, (unsigned)geteuid(), !tmp_fallback, p->problem, sizeof(p->problem));
}

int pn_dir_owned(const char *path, unsigned uid, bool follow, char *problem, size_t len)
{
	struct stat st;

	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
		int e = errno;

		snprintf(problem, len, "%s: %s", path, strerror(e));
		return -e;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(problem, len, "%s is a symbolic link; podnet keeps its state only in a real directory",
			 path);
		return -ENOTDIR;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(problem, len, "%s is not a directory", path);
		return -ENOTDIR;
	}
	if ((unsigned)st.st_uid != uid) {
		snprintf(problem, len, "%s belongs to uid %u, not to uid %u; remove it or set PODNET_RUNTIME_DIR / PODNET_DATA_DIR",
			 path, (unsigned)st.st_uid, uid);
		return -EPERM;
	}
	/* a group-writable directory of the user's own group is fine (user private groups, umask 002) */
	if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != getegid())) {
		snprintf(problem, len, "%s is writable by %s (mode %04o); chmod %s it",
			 path, st.st_mode & S_IWOTH ? "others" : "another group", (unsigned)(st.st_mode & 07777),
			 st.st_mode & S_IWOTH ? "o-w" : "g-w");
		return -EPERM;
	}
	return 0;
}

size_t pn_dns_records_name_len(const char *file, bool *ret_internal)
{
	size_t len = strlen(file), slen = strlen(PN_DNS_INTERNAL_SUFFIX);

	*ret_internal = len > slen && strcmp(file + len - slen, PN_DNS_INTERNAL_SUFFIX) == 0;
	return *ret_internal ? len - slen : len;
}
