/*
 * The console's archive export (admin/admin_tar.c): the ustar writer that
 * builds the download.  What is checked: names that could escape the
 * extraction directory are refused, every header is a valid ustar header
 * (magic, checksum, octal size), data is padded to blocks, the size bound
 * holds before any byte is added, and an allocation failure leaves a
 * usable archive.  t_console_archive.sh has tar(1) extract a real export.
 */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "admin_tar.h"
#include "pp_test.h"

static void
test_names(void **state)
{
	static const char *const good[] = {
		"a", "paraphe-archive", "archive/seg-00000001/records.jsonl.gz",
		"README.txt", "a/b.c/d_e-f", "..a", "a..", ".hidden",
	};
	static const char *const bad[] = {
		"", "/etc/passwd", "..", ".", "../x", "a/../b", "a/./b", "a//b", "a/",
		"a/..", "x y", "a\\b", "caf\xc3\xa9", "a\nb", "a:b",
		/* 100 bytes: one more than the ustar name field holds with its NUL */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(admin_tar_name_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(admin_tar_name_ok(bad[i]));
	assert_true(admin_tar_name_ok(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static uint64_t
octal(const char *f, size_t w)
{
	uint64_t v = 0;

	for (size_t i = 0; i < w && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(f[i] - '0');
	return v;
}

/* Checks the header at h: name, type, size; returns the size. */
static uint64_t
check_header(const char *h, const char *name, char type)
{
	unsigned sum = 0;

	assert_string_equal(h, name);
	assert_int_equal(h[156], type);
	assert_memory_equal(h + 257, "ustar\0" "00", 8);
	for (size_t i = 0; i < ADMIN_TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
	assert_int_equal(octal(h + 148, 8), sum);
	assert_int_equal(h[154], '\0');
	assert_int_equal(h[155], ' ');
	assert_int_equal(octal(h + 100, 8), type == '5' ? 0755 : 0644);
	assert_int_equal(octal(h + 136, 12), 1700000000);
	return octal(h + 124, 12);
}

static void
test_layout(void **state)
{
	struct admin_tar t;
	char data[700];
	static const char zero[2 * ADMIN_TAR_BLOCK];
	(void)state;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + 1);
	admin_tar_init(&t, 1 << 20);
	assert_int_equal(admin_tar_dir(&t, "export", 1700000000), PP_OK);
	assert_int_equal(admin_tar_file(&t, "export/README.txt", "hello\n", 6, 1700000000), PP_OK);
	assert_int_equal(admin_tar_file(&t, "export/big", data, sizeof(data), 1700000000), PP_OK);
	assert_int_equal(admin_tar_file(&t, "export/empty", "", 0, 1700000000), PP_OK);
	assert_int_equal(admin_tar_finish(&t), PP_OK);
	/* dir (1 block), README (1 + 1), big (1 + 2), empty (1), end (2). */
	assert_int_equal(t.len, 9 * ADMIN_TAR_BLOCK);
	assert_int_equal(t.len % ADMIN_TAR_BLOCK, 0);
	assert_int_equal(check_header(t.buf, "export", '5'), 0);
	assert_int_equal(check_header(t.buf + 512, "export/README.txt", '0'), 6);
	assert_memory_equal(t.buf + 1024, "hello\n", 6);
	assert_int_equal(t.buf[1024 + 6], 0);			/* padding is zero */
	assert_int_equal(check_header(t.buf + 1536, "export/big", '0'), sizeof(data));
	assert_memory_equal(t.buf + 2048, data, sizeof(data));
	assert_int_equal(check_header(t.buf + 3072, "export/empty", '0'), 0);
	assert_memory_equal(t.buf + 3584, zero, sizeof(zero));
	assert_int_equal(admin_tar_entry_size(0), 512);
	assert_int_equal(admin_tar_entry_size(1), 1024);
	assert_int_equal(admin_tar_entry_size(512), 1024);
	assert_int_equal(admin_tar_entry_size(513), 1536);
	admin_tar_free(&t);
	admin_tar_free(&t);
	admin_tar_free(NULL);
}

static void
test_refusals(void **state)
{
	struct admin_tar t;
	char *big = calloc(1, 4000);
	(void)state;

	assert_non_null(big);
	admin_tar_init(&t, 4 * ADMIN_TAR_BLOCK);
	/* A refused name adds nothing. */
	assert_int_equal(admin_tar_file(&t, "../evil", "x", 1, 0), PP_ERR_FIELD_INVALID);
	assert_int_equal(admin_tar_dir(&t, "/abs", 0), PP_ERR_FIELD_INVALID);
	assert_int_equal(admin_tar_file(&t, "ok", "x", 1, -1), PP_ERR_FIELD_INVALID);
	assert_int_equal(t.len, 0);
	/* Over the bound: refused before anything is written. */
	assert_int_equal(admin_tar_file(&t, "big", big, 4000, 0), PP_ERR_BODY_TOO_LARGE);
	assert_int_equal(t.len, 0);
	assert_int_equal(admin_tar_file(&t, "a", "x", 1, 0), PP_OK);
	assert_int_equal(t.len, 2 * ADMIN_TAR_BLOCK);
	/* Exactly at the bound: the end blocks fit, nothing more does. */
	assert_int_equal(admin_tar_file(&t, "b", "", 0, 0), PP_OK);
	assert_int_equal(admin_tar_finish(&t), PP_ERR_BODY_TOO_LARGE);
	assert_int_equal(t.len, 3 * ADMIN_TAR_BLOCK);
	admin_tar_free(&t);
	admin_tar_init(&t, 4 * ADMIN_TAR_BLOCK);
	assert_int_equal(admin_tar_file(&t, "a", "x", 1, 0), PP_OK);
	assert_int_equal(admin_tar_finish(&t), PP_OK);
	assert_int_equal(t.len, 4 * ADMIN_TAR_BLOCK);
	admin_tar_free(&t);
	free(big);
}

static void
test_nomem(void **state)
{
	struct admin_tar t;
	(void)state;

	admin_tar_init(&t, 1 << 20);
	pp_mem_fail_after(0);
	assert_int_equal(admin_tar_file(&t, "a", "x", 1, 0), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_int_equal(t.len, 0);
	assert_int_equal(admin_tar_file(&t, "a", "x", 1, 1700000000), PP_OK);
	assert_int_equal(admin_tar_finish(&t), PP_OK);
	assert_int_equal(check_header(t.buf, "a", '0'), 1);
	admin_tar_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test_teardown(test_nomem, pp_test_alloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
