// SPDX-License-Identifier: GPL-2.0-or-later
/* common/paths.c: state directories must be the caller's own and closed to others. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct scratch {
	char top[64];
	char dir[128];
	char problem[PATH_MAX + 96];
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->top, sizeof(s->top), "/tmp/pn-paths-test.XXXXXX");
	if (!mkdtemp(s->top))
		return -1;
	snprintf(s->dir, sizeof(s->dir), "%s/d", s->top);
	if (mkdir(s->dir, 0700) < 0)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;

	pn_rm_rf(s->top);
	free(s);
	return 0;
}

static int own(struct scratch *s, const char *path, bool follow)
{
	s->problem[0] = '\0';
	return pn_dir_owned(path, (unsigned)geteuid(), follow, s->problem, sizeof(s->problem));
}

static void test_own_private_dir(void **state)
{
	struct scratch *s = *state;

	assert_int_equal(own(s, s->dir, false), 0);
	assert_string_equal(s->problem, "");
	assert_int_equal(chmod(s->dir, 0755), 0); /* readable by others is fine */
	assert_int_equal(own(s, s->dir, false), 0);
}

static void test_writable_by_others(void **state)
{
	struct scratch *s = *state;

	assert_int_equal(chmod(s->dir, 0777), 0);
	assert_int_equal(own(s, s->dir, true), -EPERM);
	assert_non_null(strstr(s->problem, s->dir));
	assert_non_null(strstr(s->problem, "writable by others (mode 0777)"));
	assert_int_equal(chmod(s->dir, 01777), 0);
	assert_int_equal(own(s, s->dir, true), -EPERM);
	assert_non_null(strstr(s->problem, "writable by others (mode 1777); chmod o-w it"));
	/* writable by the caller's own group: fine (a user private group, umask 002) */
	assert_int_equal(chmod(s->dir, 0770), 0);
	assert_int_equal(own(s, s->dir, true), 0);
	/* by another group: refused (root can give it one here) */
	if (geteuid() == 0) {
		assert_int_equal(chown(s->dir, 0, getegid() + 1), 0);
		assert_int_equal(own(s, s->dir, true), -EPERM);
		assert_non_null(strstr(s->problem, "writable by another group (mode 0770); chmod g-w it"));
	}
}

static void test_foreign_owner(void **state)
{
	struct scratch *s = *state;
	unsigned other = (unsigned)geteuid() + 1;

	assert_int_equal(pn_dir_owned(s->dir, other, true, s->problem, sizeof(s->problem)), -EPERM);
	assert_non_null(strstr(s->problem, "belongs to uid"));
	assert_non_null(strstr(s->problem, s->dir));
}

static void test_symlink_and_file(void **state)
{
	struct scratch *s = *state;
	char link[160], file[160];

	snprintf(link, sizeof(link), "%s/link", s->top);
	snprintf(file, sizeof(file), "%s/file", s->top);
	assert_int_equal(symlink(s->dir, link), 0);
	assert_int_equal(own(s, link, false), -ENOTDIR);
	assert_non_null(strstr(s->problem, "symbolic link"));
	assert_int_equal(own(s, link, true), 0); /* a link the user chose for data */
	fclose(fopen(file, "w"));
	assert_int_equal(own(s, file, true), -ENOTDIR);
	assert_non_null(strstr(s->problem, "is not a directory"));
	snprintf(file, sizeof(file), "%s/missing", s->top);
	assert_int_equal(own(s, file, true), -ENOENT);
}

static void test_paths_init_refuses(void **state)
{
	struct scratch *s = *state;
	char data[160];
	struct pn_paths p;

	snprintf(data, sizeof(data), "%s/data", s->top);
	setenv("PODNET_DATA_DIR", data, 1);
	setenv("PODNET_RUNTIME_DIR", s->dir, 1);
	assert_int_equal(pn_paths_init(&p), 0);
	assert_string_equal(p.problem, "");
	assert_int_equal(chmod(s->dir, 0703), 0);
	assert_int_equal(pn_paths_init(&p), -EPERM);
	assert_non_null(strstr(p.problem, s->dir));
	assert_int_equal(chmod(s->dir, 0700), 0);
	assert_int_equal(chmod(data, 0777), 0);
	assert_int_equal(pn_paths_init(&p), -EPERM);
	assert_non_null(strstr(p.problem, data));
	unsetenv("PODNET_DATA_DIR");
	unsetenv("PODNET_RUNTIME_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_own_private_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable_by_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_and_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_init_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
