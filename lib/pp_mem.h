/*
 * pp_mem: allocation wrappers and the per-request memory pool.
 *
 * All core allocations go through pp_malloc() so that tests can make the
 * Nth allocation fail (pp_mem_fail_after) and check every error path.
 *
 * A pool owns everything allocated from it and runs its cleanups in reverse
 * order when freed.  One pool per request, freed when the response is sent;
 * nothing allocated from a pool may outlive it.
 */
#ifndef PP_MEM_H
#define PP_MEM_H

#include <stddef.h>
#include "pp_err.h"

void *pp_malloc(size_t n);
void *pp_calloc(size_t nmemb, size_t size);
void *pp_realloc(void *p, size_t n);
void pp_free(void *p);
/* Long-running processes: keep freed memory in the heap instead of giving
 * it back to the kernel after every request (glibc trims the heap top and
 * unmaps large blocks eagerly, which costs a system call and page faults
 * per request: a fifth of the SAM's CPU per signature).  Call once at
 * start, before any thread. */
void pp_mem_tune(void);
/* Testing hook: allocation number n (0-based, counted from this call) and
 * every one after it fails.  n < 0 disables injection. */
void pp_mem_fail_after(long n);

struct pp_pool;
typedef void (*pp_cleanup_fn)(void *arg);

/* OUT *pool: a new empty pool, owned by the caller (free with pp_pool_free). */
enum pp_err pp_pool_new(struct pp_pool **pool) PP_WUR;
/* Runs cleanups (last registered first), frees every block. NULL is a no-op. */
void pp_pool_free(struct pp_pool *pool);
/* Memory owned by the pool, aligned for any type; NULL when out of memory. */
void *pp_pool_alloc(struct pp_pool *pool, size_t n);
void *pp_pool_zalloc(struct pp_pool *pool, size_t n);
/* NUL-terminated copy of s[0..len); NULL when out of memory. */
char *pp_pool_strndup(struct pp_pool *pool, const char *s, size_t len);
char *pp_pool_strdup(struct pp_pool *pool, const char *s);
/* printf into pool memory; NULL when out of memory. */
char *pp_pool_printf(struct pp_pool *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Registers fn(arg) to run when the pool is freed. */
enum pp_err pp_pool_cleanup(struct pp_pool *pool, pp_cleanup_fn fn, void *arg) PP_WUR;
/* Bytes currently handed out (for limits and tests). */
size_t pp_pool_used(const struct pp_pool *pool);

#endif
