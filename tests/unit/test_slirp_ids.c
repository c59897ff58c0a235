// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the strict PID:STARTTIME parsing and pid files (slirp/ids.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ids.h"

static void test_parse_good(void **state)
{
	struct pn_proc_id id;

	(void)state;
	assert_int_equal(pn_proc_id_parse("123:456", ':', &id), 0);
	assert_int_equal(id.pid, 123);
	assert_int_equal(id.starttime, 456);
	assert_int_equal(pn_proc_id_parse("1 18446744073709551615\n", ' ', &id), 0);
	assert_true(id.starttime == UINT64_MAX);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", ":", "1:", ":1", "0:5", "-1:5", "+1:5", "1:-5", "1 5", "1:5x", "1:5\n\n",
		"2147483648:1", "1:18446744073709551616", " 1:5", "1:5 ", "0x10:5", "1::5",
	};
	struct pn_proc_id id;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pn_proc_id_parse(bad[i], ':', &id) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(pn_proc_id_parse(NULL, ':', &id), -EINVAL);
}

static void test_pidfile_roundtrip(void **state)
{
	char dir[] = "/tmp/test_slirp_ids.XXXXXX", path[256], text[64];
	struct pn_proc_id in = { .pid = 4242, .starttime = 987654321 }, out;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pid", dir);
	assert_int_equal(pn_pidfile_read(path, &out), -ENOENT);
	assert_int_equal(pn_proc_id_format(&in, text, sizeof(text)), (int)strlen("4242 987654321\n"));
	assert_int_equal(pn_proc_id_format(&in, text, 5), -ENOSPC);
	assert_int_equal(pn_proc_id_format(&in, text, sizeof(text)), 15);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(pn_pidfile_read(path, &out), 0);
	assert_int_equal(out.pid, in.pid);
	assert_true(out.starttime == in.starttime);

	/* an embedded NUL or an oversized file is malformed, not truncated */
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("12 34\0junk", 1, 10, f);
	fclose(f);
	assert_int_equal(pn_pidfile_read(path, &out), -EINVAL);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputc('1', f);
	fclose(f);
	assert_int_equal(pn_pidfile_read(path, &out), -EINVAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_pidfile_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
