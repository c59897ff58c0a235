// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict parsing of process identities: see ids.h. */
#include "ids.h"
#include "cleanup.h"
#include "fileutil.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Parse decimal digits at *p into *ret, advancing *p; reject empty and overflow. */
static int parse_u64(const char **p, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*p = s;
	*ret = v;
	return 0;
}

int slirp_parse_proc_id(const char *s, char sep, struct pn_proc_id *ret)
{
	uint64_t pid, st;

	if (!s || parse_u64(&s, &pid) < 0 || *s++ != sep || parse_u64(&s, &st) < 0)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s != '\0' || pid == 0 || pid > INT_MAX)
		return -EINVAL;
	ret->pid = (pid_t)pid;
	ret->starttime = st;
	return 0;
}

int slirp_format_proc_id(const struct pn_proc_id *id, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%d %llu\n", (int)id->pid, (unsigned long long)id->starttime);

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int slirp_read_pidfile(const char *path, struct pn_proc_id *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = pn_read_file(path, 64, &buf, &len);
	if (r == -EFBIG)
		return -EINVAL;
	if (r < 0)
		return r;
	if (strlen(buf) != len)
		return -EINVAL;
	return slirp_parse_proc_id(buf, ' ', ret);
}
