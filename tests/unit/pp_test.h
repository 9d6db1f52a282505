/* Helpers shared by the unit tests. */
#ifndef PP_TEST_H
#define PP_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <unistd.h>
#include "pp_mem.h"

static int
pp_test_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

/* Removes a temporary directory and everything below it (no shell, no
 * symbolic links followed).  0 on success. */
static inline int
pp_test_rmtree(const char *dir)
{
	return nftw(dir, pp_test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* cmocka teardown: allocation-failure injection off again. */
static inline int
pp_test_alloc_reset(void **state)
{
	(void)state;
	pp_mem_fail_after(-1);
	return 0;
}

#endif
