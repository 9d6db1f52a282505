#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "pp_mem.h"
#include "pp_test.h"


static void
test_alloc_basic(void **state)
{
	struct pp_pool *pool = NULL;
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	assert_non_null(pool);
	assert_int_equal(pp_pool_used(pool), 0);
	char *a = pp_pool_alloc(pool, 10);
	char *b = pp_pool_alloc(pool, 1);
	char *c = pp_pool_alloc(pool, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(b, c);
	/* Aligned for any type. */
	assert_int_equal((uintptr_t)a % _Alignof(max_align_t), 0);
	assert_int_equal((uintptr_t)b % _Alignof(max_align_t), 0);
	assert_int_equal((uintptr_t)c % _Alignof(max_align_t), 0);
	memset(a, 'x', 10);
	memset(b, 'y', 1);
	assert_int_equal(a[9], 'x');
	assert_true(pp_pool_used(pool) >= 11);
	pp_pool_free(pool);
}

static void
test_strdup_printf(void **state)
{
	struct pp_pool *pool = NULL;
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	char *s = pp_pool_strdup(pool, "hello");
	assert_string_equal(s, "hello");
	assert_null(pp_pool_strdup(pool, NULL));
	char *n = pp_pool_strndup(pool, "abcdef", 3);
	assert_string_equal(n, "abc");
	char *z = pp_pool_strndup(pool, "", 0);
	assert_string_equal(z, "");
	/* Embedded bytes copied exactly, NUL appended. */
	char *e = pp_pool_strndup(pool, "a\0b", 3);
	assert_memory_equal(e, "a\0b\0", 4);
	char *p = pp_pool_printf(pool, "%s-%d-%zu", "x", -42, (size_t)7);
	assert_string_equal(p, "x--42-7");
	char *empty = pp_pool_printf(pool, "%s", "");
	assert_string_equal(empty, "");
	/* A long printf result. */
	char big[10000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *lp = pp_pool_printf(pool, "<%s>", big);
	assert_non_null(lp);
	assert_int_equal(strlen(lp), sizeof(big) + 1);
	assert_int_equal(lp[0], '<');
	assert_int_equal(lp[sizeof(big)], '>');
	/* Earlier strings are intact. */
	assert_string_equal(s, "hello");
	assert_string_equal(n, "abc");
	pp_pool_free(pool);
}

static void
counter(void *arg)
{
	(*(int *)arg)++;
}

struct order {
	int seq[8];
	int n;
};

struct step {
	struct order *o;
	int id;
};

static void
record(void *arg)
{
	struct step *s = arg;
	s->o->seq[s->o->n++] = s->id;
}

static void
test_cleanup_lifo(void **state)
{
	struct pp_pool *pool = NULL;
	struct order o = { {0}, 0 };
	struct step steps[4];
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	for (int i = 0; i < 4; i++) {
		steps[i].o = &o;
		steps[i].id = i + 1;
		assert_int_equal(pp_pool_cleanup(pool, record, &steps[i]), PP_OK);
		/* Interleave allocations, including large ones. */
		assert_non_null(pp_pool_alloc(pool, (size_t)(i * 3000 + 1)));
	}
	assert_int_equal(o.n, 0);
	pp_pool_free(pool);
	assert_int_equal(o.n, 4);
	assert_int_equal(o.seq[0], 4);
	assert_int_equal(o.seq[1], 3);
	assert_int_equal(o.seq[2], 2);
	assert_int_equal(o.seq[3], 1);
}

/* A cleanup can still read pool memory: cleanups run before blocks go. */
static void
check_pool_string(void *arg)
{
	assert_string_equal((const char *)arg, "still here");
}

static void
test_cleanup_sees_pool_memory(void **state)
{
	struct pp_pool *pool = NULL;
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	char *s = pp_pool_strdup(pool, "still here");
	assert_non_null(s);
	assert_int_equal(pp_pool_cleanup(pool, check_pool_string, s), PP_OK);
	pp_pool_free(pool);
}

static void
test_large(void **state)
{
	struct pp_pool *pool = NULL;
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	char *small1 = pp_pool_alloc(pool, 16);
	assert_non_null(small1);
	memset(small1, 1, 16);
	/* Larger than a block, exactly a block, half a block and more. */
	static const size_t sizes[] = {4096, 4097, 2049, 2048, 100000, 1 << 20, 3 * 1024 * 1024};
	char *bufs[sizeof(sizes) / sizeof(sizes[0])];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		bufs[i] = pp_pool_alloc(pool, sizes[i]);
		assert_non_null(bufs[i]);
		assert_int_equal((uintptr_t)bufs[i] % _Alignof(max_align_t), 0);
		memset(bufs[i], (int)(i + 2), sizes[i]);
	}
	/* Small allocations after a large one still work and do not overlap. */
	char *small2 = pp_pool_alloc(pool, 16);
	assert_non_null(small2);
	memset(small2, 0x55, 16);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(bufs[i][0], (char)(i + 2));
		assert_int_equal(bufs[i][sizes[i] - 1], (char)(i + 2));
	}
	assert_int_equal(small1[15], 1);
	size_t total = 32;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		total += sizes[i];
	assert_true(pp_pool_used(pool) >= total);
	/* Absurd sizes fail cleanly. */
	assert_null(pp_pool_alloc(pool, SIZE_MAX));
	assert_null(pp_pool_alloc(pool, SIZE_MAX / 2 + 1));
	assert_null(pp_pool_strndup(pool, "x", SIZE_MAX));
	pp_pool_free(pool);
}

static void
test_many_small(void **state)
{
	struct pp_pool *pool = NULL;
	char *p[2000];
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	for (int i = 0; i < 2000; i++) {
		p[i] = pp_pool_printf(pool, "item-%d", i);
		assert_non_null(p[i]);
	}
	for (int i = 0; i < 2000; i++) {
		char want[32];
		snprintf(want, sizeof(want), "item-%d", i);
		assert_string_equal(p[i], want);
	}
	pp_pool_free(pool);
}

static void
test_zalloc(void **state)
{
	struct pp_pool *pool = NULL;
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	/* Dirty the block first so that zeroes cannot be an accident. */
	for (int round = 0; round < 3; round++) {
		unsigned char *d = pp_pool_alloc(pool, 512);
		assert_non_null(d);
		memset(d, 0xa5, 512);
	}
	static const size_t sizes[] = {1, 7, 64, 1000, 5000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *z = pp_pool_zalloc(pool, sizes[i]);
		assert_non_null(z);
		for (size_t k = 0; k < sizes[i]; k++)
			assert_int_equal(z[k], 0);
	}
	pp_pool_free(pool);
}

static void
test_free_null(void **state)
{
	(void)state;
	pp_pool_free(NULL);
	pp_free(NULL);
}

static void
test_raw_wrappers(void **state)
{
	(void)state;
	void *p = pp_malloc(0);
	assert_non_null(p);
	pp_free(p);
	unsigned char *c = pp_calloc(4, 4);
	assert_non_null(c);
	for (int i = 0; i < 16; i++)
		assert_int_equal(c[i], 0);
	c = pp_realloc(c, 64);
	assert_non_null(c);
	pp_free(c);
	pp_free(pp_calloc(0, 0));
}

/* ------------------------------------------------------------------ failure injection */

static void
test_fail_after_counts(void **state)
{
	(void)state;
	/* n = 0: the very next allocation fails, and every one after. */
	pp_mem_fail_after(0);
	assert_null(pp_malloc(1));
	assert_null(pp_calloc(1, 1));
	assert_null(pp_realloc(NULL, 1));
	pp_mem_fail_after(-1);

	/* n = 2: two succeed, the third and the rest fail. */
	pp_mem_fail_after(2);
	void *a = pp_malloc(8), *b = pp_calloc(1, 8), *c = pp_malloc(8), *d = pp_malloc(8);
	pp_mem_fail_after(-1);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(c);
	assert_null(d);
	pp_free(a);
	pp_free(b);

	/* Disabled: everything works again. */
	void *e = pp_malloc(8);
	assert_non_null(e);
	pp_free(e);
}

static void
test_pool_new_fails(void **state)
{
	struct pp_pool *pool = (struct pp_pool *)(uintptr_t)1;
	(void)state;

	pp_mem_fail_after(0);
	assert_int_equal(pp_pool_new(&pool), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(pool);
}

/* Every pool function reports a failed block allocation, and the pool is
 * unchanged and usable afterwards. */
static void
test_pool_functions_fail(void **state)
{
	struct pp_pool *pool = NULL;
	int ran = 0;
	(void)state;

	assert_int_equal(pp_pool_new(&pool), PP_OK);
	/* Fill the current block completely: the next allocation needs a block. */
	assert_non_null(pp_pool_alloc(pool, 2048));
	assert_non_null(pp_pool_alloc(pool, 2048));
	size_t used = pp_pool_used(pool);

	pp_mem_fail_after(0);
	assert_null(pp_pool_alloc(pool, 1));
	assert_null(pp_pool_alloc(pool, 100000));
	assert_null(pp_pool_zalloc(pool, 10));
	assert_null(pp_pool_strdup(pool, "x"));
	assert_null(pp_pool_strndup(pool, "xyz", 2));
	assert_null(pp_pool_printf(pool, "%d", 42));
	assert_int_equal(pp_pool_cleanup(pool, counter, &ran), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_int_equal(pp_pool_used(pool), used);

	assert_string_equal(pp_pool_strdup(pool, "back"), "back");
	assert_int_equal(pp_pool_cleanup(pool, counter, &ran), PP_OK);
	pp_pool_free(pool);
	/* The cleanup that could not be registered does not run. */
	assert_int_equal(ran, 1);
}

/* The nth allocation fails at every position of a pool workload; every
 * function reports it and nothing leaks (checked under ASan). */
static void
test_pool_fail_every_index(void **state)
{
	(void)state;
	int done = 0;

	for (long n = 0; n < 100 && !done; n++) {
		struct pp_pool *pool = NULL;
		int ran = 0, registered = 0;
		int failed = 0;

		pp_mem_fail_after(n);
		if (pp_pool_new(&pool) != PP_OK) {
			pp_mem_fail_after(-1);
			assert_int_equal(n, 0);
			continue;
		}
		for (int i = 0; i < 6; i++) {
			char *s = pp_pool_strdup(pool, "abc");
			char *big = pp_pool_alloc(pool, 5000);
			char *z = pp_pool_zalloc(pool, 3000);
			char *f = pp_pool_printf(pool, "%d-%s", i, "x");
			enum pp_err rc = pp_pool_cleanup(pool, counter, &ran);

			if (s)
				assert_string_equal(s, "abc");
			else
				failed = 1;
			if (big)
				memset(big, 1, 5000);
			else
				failed = 1;
			if (z)
				assert_int_equal(z[2999], 0);
			else
				failed = 1;
			if (f == NULL)
				failed = 1;
			if (rc == PP_OK)
				registered++;
			else {
				assert_int_equal(rc, PP_ERR_NOMEM);
				failed = 1;
			}
		}
		pp_mem_fail_after(-1);
		pp_pool_free(pool);
		/* Only registered cleanups run, each exactly once. */
		assert_int_equal(ran, registered);
		if (!failed)
			done = 1;
	}
	assert_true(done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alloc_basic, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_strdup_printf, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_cleanup_lifo, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_cleanup_sees_pool_memory, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_large, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_many_small, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_zalloc, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_free_null, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_raw_wrappers, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_fail_after_counts, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_pool_new_fails, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_pool_functions_fail, pp_test_alloc_reset),
		cmocka_unit_test_teardown(test_pool_fail_every_index, pp_test_alloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
