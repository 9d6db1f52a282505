#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_test.h"

static const struct pp_migration migs[] = {
	{1, "first", "CREATE TABLE t1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"},
	{2, "second", "CREATE TABLE t2 (k TEXT PRIMARY KEY, v BLOB, n INTEGER);"
	    "INSERT INTO t1 (name) VALUES ('seeded');"},
	{3, "third", "ALTER TABLE t1 ADD COLUMN extra TEXT;"},
};

/* Version 2 fails half-way: its first statement succeeds, its second not. */
static const struct pp_migration failing[] = {
	{1, "first", "CREATE TABLE t1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"},
	{2, "broken", "CREATE TABLE partial (x INTEGER);"
	    "INSERT INTO partial VALUES (1);"
	    "INSERT INTO no_such_table VALUES (1);"},
};

static const struct pp_migration out_of_order[] = {
	{1, "first", "CREATE TABLE t1 (id INTEGER PRIMARY KEY);"},
	{3, "skips two", "CREATE TABLE t3 (id INTEGER PRIMARY KEY);"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char dbdir[256];
static char dbpath[300];

static int
group_setup(void **state)
{
	(void)state;
	snprintf(dbdir, sizeof(dbdir), "/tmp/pp_store_XXXXXX");
	if (mkdtemp(dbdir) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return pp_test_rmtree(dbdir) == 0 ? 0 : -1;
}

/* A fresh database file per test. */
static int
setup(void **state)
{
	static int n;
	(void)state;
	snprintf(dbpath, sizeof(dbpath), "%s/db%d.sqlite", dbdir, n++);
	return 0;
}

/* Stores opened by a test; teardown closes what a failed assertion left
 * open, so that a failure never shows up as a leak too. */
static struct pp_store *tracked[8];

static enum pp_err
open_store(const char *location, const struct pp_migration *m, size_t n, struct pp_store **out)
{
	enum pp_err rc = pp_store_open_with(&pp_store_sqlite_ops, location, 1000, m, n, out);

	if (rc == PP_OK)
		for (size_t i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++)
			if (tracked[i] == NULL) {
				tracked[i] = *out;
				break;
			}
	return rc;
}

static void
close_store(struct pp_store *s)
{
	for (size_t i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++)
		if (tracked[i] == s)
			tracked[i] = NULL;
	pp_store_close(s);
}

static int
teardown(void **state)
{
	(void)state;
	pp_mem_fail_after(-1);
	for (size_t i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++) {
		pp_store_close(tracked[i]);
		tracked[i] = NULL;
	}
	return 0;
}

/* ------------------------------------------------------------------ row collectors */

struct rows {
	int n;
	int64_t ints[16];
	char text[16][128];
	size_t lens[16];
	enum pp_val_type types[16];
	size_t ncols;
};

static enum pp_err
collect(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct rows *r = ctx;

	if (r->n >= 16)
		return PP_ERR_INTERNAL;
	r->ncols = ncols;
	r->types[r->n] = cols[0].type;
	r->ints[r->n] = cols[0].i;
	r->lens[r->n] = cols[0].len;
	if (cols[0].type == PP_VAL_TEXT || cols[0].type == PP_VAL_BLOB) {
		assert_true(cols[0].len < sizeof(r->text[0]));
		if (cols[0].len)
			memcpy(r->text[r->n], cols[0].p, cols[0].len);
		r->text[r->n][cols[0].len] = '\0';
	}
	r->n++;
	return PP_OK;
}

static int64_t
count(struct pp_store *s, const char *sql, const struct pp_val *b, size_t nb)
{
	struct rows r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(pp_store_exec(s, sql, b, nb, collect, &r, NULL), PP_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.types[0], PP_VAL_INT);
	return r.ints[0];
}

static int
table_exists(struct pp_store *s, const char *name)
{
	struct pp_val b[1] = { PP_VAL_S(name) };

	return (int)count(s, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", b, 1);
}

/* ------------------------------------------------------------------ migrations */

static void
check_migrated(struct pp_store *s, int want)
{
	struct rows r;
	int v = -1;

	assert_int_equal(pp_store_version(s, &v), PP_OK);
	assert_int_equal(v, want);
	memset(&r, 0, sizeof(r));
	assert_int_equal(pp_store_exec(s, "SELECT version FROM schema_migrations ORDER BY rowid",
	    NULL, 0, collect, &r, NULL), PP_OK);
	assert_int_equal(r.n, want);
	for (int i = 0; i < want; i++)
		assert_int_equal(r.ints[i], i + 1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(pp_store_exec(s, "SELECT description FROM schema_migrations ORDER BY version",
	    NULL, 0, collect, &r, NULL), PP_OK);
	assert_int_equal(r.n, want);
	for (int i = 0; i < want; i++)
		assert_string_equal(r.text[i], migs[i].description);
	/* applied_at is filled in. */
	assert_int_equal(count(s, "SELECT COUNT(*) FROM schema_migrations WHERE applied_at LIKE '____-__-__T%Z'",
	    NULL, 0), want);
}

static void
test_migrate_memory(void **state)
{
	struct pp_store *s = NULL;
	(void)state;

	assert_int_equal(open_store(":memory:", migs, N(migs), &s), PP_OK);
	assert_non_null(s);
	check_migrated(s, 3);
	assert_true(table_exists(s, "t1"));
	assert_true(table_exists(s, "t2"));
	/* Migration 2 ran after 1 (its INSERT needed t1), 3 after 2. */
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t1 WHERE name = 'seeded' AND extra IS NULL", NULL, 0), 1);
	assert_int_equal(pp_store_ping(s), PP_OK);
	close_store(s);
	pp_store_close(NULL);
}

static void
test_migrate_no_list(void **state)
{
	struct pp_store *s = NULL;
	int v = -1;
	(void)state;

	assert_int_equal(open_store(":memory:", NULL, 0, &s), PP_OK);
	assert_int_equal(pp_store_version(s, &v), PP_OK);
	assert_int_equal(v, 0);
	assert_int_equal(pp_store_ping(s), PP_OK);
	close_store(s);
}

static void
test_migrate_file_incremental(void **state)
{
	struct pp_store *s = NULL;
	(void)state;

	/* Version 1 first, then the program gains 2 and 3. */
	assert_int_equal(open_store(dbpath, migs, 1, &s), PP_OK);
	check_migrated(s, 1);
	assert_false(table_exists(s, "t2"));
	assert_int_equal(pp_store_exec(s, "INSERT INTO t1 (name) VALUES ('kept')", NULL, 0, NULL, NULL, NULL), PP_OK);
	close_store(s);

	assert_int_equal(open_store(dbpath, migs, N(migs), &s), PP_OK);
	check_migrated(s, 3);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t1", NULL, 0), 2);
	close_store(s);

	/* Re-opening with the same list is idempotent: nothing re-applied. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(open_store(dbpath, migs, N(migs), &s), PP_OK);
		check_migrated(s, 3);
		assert_int_equal(count(s, "SELECT COUNT(*) FROM t1 WHERE name = 'seeded'", NULL, 0), 1);
		close_store(s);
	}
}

static void
test_newer_database_refused(void **state)
{
	struct pp_store *s = (struct pp_store *)(uintptr_t)1;
	(void)state;

	assert_int_equal(open_store(dbpath, migs, N(migs), &s), PP_OK);
	close_store(s);
	s = NULL;
	/* An older program (knows only 2 versions) refuses the database. */
	assert_int_equal(open_store(dbpath, migs, 2, &s), PP_ERR_DB);
	assert_null(s);
	assert_int_equal(open_store(dbpath, NULL, 0, &s), PP_ERR_DB);
	assert_null(s);
	/* The database itself is untouched. */
	assert_int_equal(open_store(dbpath, migs, N(migs), &s), PP_OK);
	check_migrated(s, 3);
	close_store(s);
}

static void
test_failing_migration_rolls_back(void **state)
{
	struct pp_store *s = NULL;
	(void)state;

	assert_int_not_equal(open_store(dbpath, failing, N(failing), &s),
	    PP_OK);
	assert_null(s);
	/* Version 1 committed; nothing of version 2 remains. */
	assert_int_equal(open_store(dbpath, failing, 1, &s), PP_OK);
	check_migrated(s, 1);
	assert_true(table_exists(s, "t1"));
	assert_false(table_exists(s, "partial"));
	assert_int_equal(count(s, "SELECT COUNT(*) FROM schema_migrations WHERE version = 2", NULL, 0), 0);
	/* The store is usable: no transaction left open. */
	assert_int_equal(pp_store_begin(s), PP_OK);
	assert_int_equal(pp_store_commit(s), PP_OK);
	close_store(s);

	/* Same on ":memory:": the open fails cleanly. */
	s = NULL;
	assert_int_equal(open_store(":memory:", failing, N(failing), &s),
	    PP_ERR_DB);
	assert_null(s);
}

static void
test_out_of_order_refused(void **state)
{
	struct pp_store *s = NULL;
	(void)state;

	assert_int_equal(open_store(":memory:", out_of_order,
	    N(out_of_order), &s), PP_ERR_INTERNAL);
	assert_null(s);
}

static void
test_open_failure(void **state)
{
	struct pp_store *s = NULL;
	char path[400];
	(void)state;

	snprintf(path, sizeof(path), "%s/no/such/dir/db.sqlite", dbdir);
	assert_int_equal(open_store(path, migs, N(migs), &s), PP_ERR_DB);
	assert_null(s);
	/* Out of memory for the handle itself. */
	pp_mem_fail_after(0);
	assert_int_equal(open_store(":memory:", migs, N(migs), &s),
	    PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(s);
}

/* The real schemas of the three trust domains apply cleanly. */
static void
test_real_schemas(void **state)
{
	static const char *const domains[] = {"web", "sam", "audit"};
	(void)state;

	for (size_t i = 0; i < N(domains); i++) {
		size_t n = 0;
		const struct pp_migration *m = pp_schema_migrations(domains[i], &n);
		struct pp_store *s = NULL;
		int v = -1;

		assert_non_null(m);
		assert_true(n > 0);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(m[k].version, (int)k + 1);
			assert_non_null(m[k].description);
			assert_non_null(m[k].sql);
		}
		assert_int_equal(open_store(":memory:", m, n, &s), PP_OK);
		assert_int_equal(pp_store_version(s, &v), PP_OK);
		assert_int_equal(v, (int)n);
		close_store(s);
	}
	size_t n = 7;
	assert_null(pp_schema_migrations("nope", &n));
	assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------ exec */

struct kv_row {
	int n;
	char k[256];
	size_t klen;
	unsigned char v[256];
	size_t vlen;
	enum pp_val_type ktype, vtype, ntype;
	int64_t num;
};

static enum pp_err
kv_collect(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct kv_row *r = ctx;

	assert_int_equal(ncols, 3);
	r->n++;
	r->ktype = cols[0].type;
	r->vtype = cols[1].type;
	r->ntype = cols[2].type;
	if (cols[0].type == PP_VAL_TEXT) {
		assert_true(cols[0].len < sizeof(r->k));
		if (cols[0].len)
			memcpy(r->k, cols[0].p, cols[0].len);
		r->klen = cols[0].len;
	}
	if (cols[1].type == PP_VAL_BLOB || cols[1].type == PP_VAL_TEXT) {
		assert_true(cols[1].len <= sizeof(r->v));
		if (cols[1].len)
			memcpy(r->v, cols[1].p, cols[1].len);
		r->vlen = cols[1].len;
	}
	r->num = cols[2].i;
	return PP_OK;
}

static void
roundtrip(struct pp_store *s, const char *key, const void *blob, size_t bloblen, int64_t num, int null_blob)
{
	struct pp_val ins[3] = {
		PP_VAL_S(key),
		null_blob ? (struct pp_val){ .type = PP_VAL_NULL }
		    : (struct pp_val){ .type = PP_VAL_BLOB, .p = blob, .len = bloblen },
		PP_VAL_I(num),
	};
	struct pp_val sel[1] = { PP_VAL_S(key) };
	struct kv_row r;
	int64_t changes = -1;

	assert_int_equal(pp_store_exec(s, "INSERT INTO t2 (k, v, n) VALUES (?, ?, ?)", ins, 3, NULL, NULL, &changes),
	    PP_OK);
	assert_int_equal(changes, 1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(pp_store_exec(s, "SELECT k, v, n FROM t2 WHERE k = ?", sel, 1, kv_collect, &r, NULL), PP_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ktype, PP_VAL_TEXT);
	assert_int_equal(r.klen, strlen(key));
	assert_memory_equal(r.k, key, strlen(key));
	if (null_blob) {
		assert_int_equal(r.vtype, PP_VAL_NULL);
	} else {
		/* An empty blob may come back as a zero-length blob or NULL. */
		if (bloblen > 0) {
			assert_int_equal(r.vtype, PP_VAL_BLOB);
			assert_int_equal(r.vlen, bloblen);
			assert_memory_equal(r.v, blob, bloblen);
		}
	}
	assert_int_equal(r.ntype, PP_VAL_INT);
	assert_int_equal(r.num, num);
}

static void
test_exec_roundtrip(void **state)
{
	struct pp_store *s = NULL;
	static const unsigned char bin[] = {0x00, 0x01, 0xff, 0x00, 0x27, 0x22, 0x3b, 0x00};
	(void)state;

	assert_int_equal(open_store(":memory:", migs, N(migs), &s), PP_OK);
	roundtrip(s, "plain", "abc", 3, 42, 0);
	roundtrip(s, "'; DROP TABLE t1; --", "'; DROP TABLE t2; --", 20, -1, 0);
	roundtrip(s, "\" OR 1=1 --", bin, sizeof(bin), INT64_MIN, 0);
	roundtrip(s, "?", "?", 1, INT64_MAX, 0);
	roundtrip(s, "%_\\", "", 0, 0, 0);
	roundtrip(s, "null blob", NULL, 0, 7, 1);
	roundtrip(s, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", bin, 1, 1, 0);
	/* The metacharacters were data: every table is still there. */
	assert_true(table_exists(s, "t1"));
	assert_true(table_exists(s, "t2"));
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t2", NULL, 0), 7);
	struct pp_val b[1] = { PP_VAL_S("'; DROP TABLE t1; --") };
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t2 WHERE k = ?", b, 1), 1);
	/* Binding NULL explicitly, and reading it back. */
	struct rows r;
	memset(&r, 0, sizeof(r));
	struct pp_val nul[1] = { { .type = PP_VAL_NULL } };
	assert_int_equal(pp_store_exec(s, "SELECT ?", nul, 1, collect, &r, NULL), PP_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.types[0], PP_VAL_NULL);
	/* Text with an embedded NUL keeps its length. */
	memset(&r, 0, sizeof(r));
	struct pp_val t[1] = { { .type = PP_VAL_TEXT, .p = "a\0b", .len = 3 } };
	assert_int_equal(pp_store_exec(s, "SELECT ?", t, 1, collect, &r, NULL), PP_OK);
	assert_int_equal(r.types[0], PP_VAL_TEXT);
	assert_int_equal(r.lens[0], 3);
	assert_memory_equal(r.text[0], "a\0b", 3);
	/* Changes counted for UPDATE and DELETE. */
	int64_t changes = -1;
	assert_int_equal(pp_store_exec(s, "UPDATE t2 SET n = n", NULL, 0, NULL, NULL, &changes), PP_OK);
	assert_int_equal(changes, 7);
	assert_int_equal(pp_store_exec(s, "DELETE FROM t2 WHERE n < 0", NULL, 0, NULL, NULL, &changes), PP_OK);
	assert_int_equal(changes, 2);
	/* SQL built in one reused buffer: each text runs, not the statement
	 * cached for the buffer's address. */
	char sql[64];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM t2");
	assert_int_equal(count(s, sql, NULL, 0), 5);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM t2 WHERE n = 42");
	assert_int_equal(count(s, sql, NULL, 0), 1);
	close_store(s);
}

static void
test_exec_errors(void **state)
{
	struct pp_store *s = NULL;
	struct pp_val one[1] = { PP_VAL_I(1) };
	struct pp_val three[3] = { PP_VAL_I(1), PP_VAL_I(2), PP_VAL_I(3) };
	(void)state;

	assert_int_equal(open_store(":memory:", migs, N(migs), &s), PP_OK);
	/* Wrong number of binds, both ways. */
	assert_int_equal(pp_store_exec(s, "SELECT ?, ?", one, 1, NULL, NULL, NULL), PP_ERR_INTERNAL);
	assert_int_equal(pp_store_exec(s, "SELECT ?, ?", three, 3, NULL, NULL, NULL), PP_ERR_INTERNAL);
	assert_int_equal(pp_store_exec(s, "SELECT 1", one, 1, NULL, NULL, NULL), PP_ERR_INTERNAL);
	assert_int_equal(pp_store_exec(s, "SELECT ?", NULL, 0, NULL, NULL, NULL), PP_ERR_INTERNAL);
	/* The cached statement still works with the right count afterwards. */
	struct rows r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(pp_store_exec(s, "SELECT ?", one, 1, collect, &r, NULL), PP_OK);
	assert_int_equal(r.ints[0], 1);
	/* SQL errors and constraint violations. */
	assert_int_equal(pp_store_exec(s, "SELECT * FROM no_such_table", NULL, 0, NULL, NULL, NULL), PP_ERR_DB);
	assert_int_equal(pp_store_exec(s, "THIS IS NOT SQL", NULL, 0, NULL, NULL, NULL), PP_ERR_DB);
	struct pp_val dup[3] = { PP_VAL_S("k"), { .type = PP_VAL_NULL }, PP_VAL_I(1) };
	assert_int_equal(pp_store_exec(s, "INSERT INTO t2 (k, v, n) VALUES (?, ?, ?)", dup, 3, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(s, "INSERT INTO t2 (k, v, n) VALUES (?, ?, ?)", dup, 3, NULL, NULL, NULL),
	    PP_ERR_DB);
	struct pp_val nul[1] = { { .type = PP_VAL_NULL } };
	assert_int_equal(pp_store_exec(s, "INSERT INTO t1 (name) VALUES (?)", nul, 1, NULL, NULL, NULL), PP_ERR_DB);
	/* A bad value type. */
	struct pp_val bad[1] = { { .type = PP_VAL__MAX } };
	assert_int_not_equal(pp_store_exec(s, "SELECT ?", bad, 1, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_ping(s), PP_OK);
	close_store(s);
}

static enum pp_err
stop_after_one(void *ctx, const struct pp_val *cols, size_t ncols)
{
	(void)cols;
	(void)ncols;
	(*(int *)ctx)++;
	return PP_ERR_FORBIDDEN;
}

static void
test_exec_callback_stops(void **state)
{
	struct pp_store *s = NULL;
	int calls = 0;
	(void)state;

	assert_int_equal(open_store(":memory:", migs, N(migs), &s), PP_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(pp_store_exec(s, "INSERT INTO t1 (name) VALUES ('x')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(s, "SELECT id FROM t1", NULL, 0, stop_after_one, &calls, NULL),
	    PP_ERR_FORBIDDEN);
	assert_int_equal(calls, 1);
	/* And the statement can run again at once. */
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t1", NULL, 0), 6);
	close_store(s);
}

static void
test_transactions(void **state)
{
	struct pp_store *s = NULL;
	(void)state;

	assert_int_equal(open_store(dbpath, migs, N(migs), &s), PP_OK);
	assert_int_equal(pp_store_begin(s), PP_OK);
	assert_int_equal(pp_store_exec(s, "INSERT INTO t1 (name) VALUES ('rolled back')", NULL, 0, NULL, NULL, NULL),
	    PP_OK);
	assert_int_equal(pp_store_rollback(s), PP_OK);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t1 WHERE name = 'rolled back'", NULL, 0), 0);
	assert_int_equal(pp_store_begin(s), PP_OK);
	assert_int_equal(pp_store_exec(s, "INSERT INTO t1 (name) VALUES ('committed')", NULL, 0, NULL, NULL, NULL),
	    PP_OK);
	assert_int_equal(pp_store_commit(s), PP_OK);
	/* Rollback outside a transaction is harmless. */
	assert_int_equal(pp_store_rollback(s), PP_OK);
	/* Commit without begin is an error. */
	assert_int_equal(pp_store_commit(s), PP_ERR_DB);
	close_store(s);
	assert_int_equal(open_store(dbpath, migs, N(migs), &s), PP_OK);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM t1 WHERE name = 'committed'", NULL, 0), 1);
	close_store(s);
}

static void
test_ping(void **state)
{
	struct pp_store *s = NULL;
	(void)state;

	assert_int_equal(open_store(dbpath, NULL, 0, &s), PP_OK);
	assert_int_equal(pp_store_ping(s), PP_OK);
	assert_int_equal(pp_store_ping(s), PP_OK);
	close_store(s);
}

/* SQLite's allocator, wrapped before SQLite starts: while sqlite_oom is
 * set every allocation fails (SQLite does not use pp_malloc). */
static sqlite3_mem_methods sqlite_real;
static int sqlite_oom;

static void *
oom_malloc(int n)
{
	return sqlite_oom ? NULL : sqlite_real.xMalloc(n);
}

static void *
oom_realloc(void *p, int n)
{
	return sqlite_oom ? NULL : sqlite_real.xRealloc(p, n);
}

static int
oom_install(void)
{
	sqlite3_mem_methods m;

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_real) != SQLITE_OK)
		return -1;
	m = sqlite_real;
	m.xMalloc = oom_malloc;
	m.xRealloc = oom_realloc;
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -1;
}

static enum pp_err
count_first(void *ctx, const struct pp_val *cols, size_t ncols)
{
	assert_int_equal(ncols, 1);
	*(int64_t *)ctx = cols[0].i;
	return PP_OK;
}

/* A ROLLBACK that fails for lack of memory must not leave the connection
 * stuck in the abandoned transaction: the next BEGIN finishes it, and the
 * abandoned writes are gone. */
static void
test_rollback_failure_recovers(void **state)
{
	struct pp_store *s = NULL;
	int64_t rows = 0;
	(void)state;

	assert_int_equal(open_store(dbpath, migs, 1, &s), PP_OK);
	assert_int_equal(pp_store_begin(s), PP_OK);
	for (int i = 1; i <= 200; i++) {
		struct pp_val b[2] = { PP_VAL_I(i), PP_VAL_S("abandoned") };
		assert_int_equal(pp_store_exec(s, "INSERT INTO t1 (id, name) VALUES (?, ?)", b, 2,
		    NULL, NULL, NULL), PP_OK);
	}
	sqlite_oom = 1;
	enum pp_err rc = pp_store_rollback(s);
	sqlite_oom = 0;
	if (rc == PP_OK)
		skip();		/* this SQLite rolled back without allocating */
	assert_int_equal(pp_store_begin(s), PP_OK);
	assert_int_equal(pp_store_exec(s, "SELECT count(*) FROM t1 WHERE name = 'abandoned'", NULL, 0,
	    count_first, &rows, NULL), PP_OK);
	assert_int_equal(pp_store_commit(s), PP_OK);
	assert_int_equal(rows, 0);
	close_store(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_no_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_file_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_migration_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_schemas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_callback_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_failure_recovers, setup, teardown),
	};
	if (oom_install() != 0)
		return 1;
	/* Migrations log at info level; errors are expected here. */
	pp_log_open("test_store", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
