/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scope-bound cleanup with __attribute__((cleanup)). Every destructor is
 * NULL-safe (or -1-safe for fds). Hand ownership over with steal_ptr()/steal_fd(),
 * so the transfer is visible where it happens.
 */
#ifndef PODNET_CLEANUP_H
#define PODNET_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <jansson.h>

static inline void pn_freep(void *p)
{
	free(*(void **)p);
}

static inline void pn_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void pn_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void pn_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void pn_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
}

#define _cleanup_free_ __attribute__((cleanup(pn_freep)))
#define _cleanup_close_ __attribute__((cleanup(pn_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(pn_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(pn_closedirp)))
#define _cleanup_json_ __attribute__((cleanup(pn_json_decrefp)))

#define steal_ptr(p)                           \
	({                                     \
		__typeof__(p) _stolen_ = (p);  \
		(p) = NULL;                    \
		_stolen_;                      \
	})

static inline int steal_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
