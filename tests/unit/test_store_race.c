/*
 * Several processes opening the same new database at once (plugins started
 * together by systemd): every one must succeed and each migration must be
 * applied exactly once.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "pp_core.h"
#include "pp_test.h"

static const struct pp_migration race_migrations[] = {
	{1, "first", "CREATE TABLE a (x INTEGER);"},
	{2, "second", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"},
	{3, "third", "CREATE TABLE c (z INTEGER);"},
};

static enum pp_err
race_count_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	*(int64_t *)ctx = ncols == 1 ? cols[0].i : -1;
	return PP_OK;
}

static void
test_concurrent_first_open(void **state)
{
	char dir[] = "/tmp/pp-race.XXXXXX", path[256];
	enum { N = 8 };
	pid_t pids[N];
	struct pp_store *s = NULL;
	int64_t n = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/race.db", dir);
	for (int round = 0; round < 5; round++) {
		unlink(path);
		for (int i = 0; i < N; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				struct pp_store *c = NULL;
				pp_log_open("race", PP_LOG_ERROR, PP_LOG_STDERR);
				enum pp_err rc = pp_store_open_with(&pp_store_sqlite_ops, path, 10000,
				    race_migrations, 3, &c);
				pp_store_close(c);
				_exit(rc == PP_OK ? 0 : 1);
			}
		}
		for (int i = 0; i < N; i++) {
			int st;
			assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
			assert_true(WIFEXITED(st));
			assert_int_equal(WEXITSTATUS(st), 0);
		}
		assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 1000, race_migrations, 3, &s), PP_OK);
		assert_int_equal(pp_store_exec(s, "SELECT COUNT(*) FROM schema_migrations", NULL, 0,
		    race_count_row, &n, NULL), PP_OK);
		assert_int_equal(n, 3);
		assert_int_equal(pp_store_exec(s, "SELECT COUNT(*) FROM a", NULL, 0, race_count_row, &n, NULL), PP_OK);
		assert_int_equal(n, 1);	/* migration 2 ran once */
		pp_store_close(s);
		s = NULL;
	}
	assert_int_equal(pp_test_rmtree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_first_open),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
