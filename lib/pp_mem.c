#include "config.h"
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_mem.h"

static long pp_mem_countdown = -1;

void
pp_mem_fail_after(long n)
{
	pp_mem_countdown = n;
}

static int
pp_mem_should_fail(void)
{
	if (pp_mem_countdown < 0)
		return 0;
	if (pp_mem_countdown == 0)
		return 1;
	pp_mem_countdown--;
	return 0;
}

void
pp_mem_tune(void)
{
	/* The kernel gets memory back only when 64 MiB lie free at the top;
	 * blocks up to 32 MiB come from the heap; the heap grows by 16 MiB
	 * more than asked (untouched pages cost no resident memory). */
	(void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	(void)mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	(void)mallopt(M_TOP_PAD, 16 * 1024 * 1024);
}

void *
pp_malloc(size_t n)
{
	if (pp_mem_should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *
pp_calloc(size_t nmemb, size_t size)
{
	if (pp_mem_should_fail())
		return NULL;
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *
pp_realloc(void *p, size_t n)
{
	if (pp_mem_should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void
pp_free(void *p)
{
	free(p);
}

/* A pool is a list of blocks; small allocations are carved from the current
 * block, large ones get a block of their own. */
#define PP_POOL_BLOCK 4096
#define PP_POOL_ALIGN (sizeof(max_align_t))

struct pp_pool_block {
	struct pp_pool_block *next;
	size_t size, used;
	max_align_t data[];
};

struct pp_pool_cleanup {
	struct pp_pool_cleanup *next;
	pp_cleanup_fn fn;
	void *arg;
};

struct pp_pool {
	struct pp_pool_block *blocks;
	struct pp_pool_cleanup *cleanups;
	size_t used;
};

enum pp_err
pp_pool_new(struct pp_pool **pool)
{
	*pool = pp_calloc(1, sizeof(**pool));
	return *pool ? PP_OK : PP_ERR_NOMEM;
}

void
pp_pool_free(struct pp_pool *pool)
{
	if (pool == NULL)
		return;
	while (pool->cleanups) {
		struct pp_pool_cleanup *c = pool->cleanups;
		pool->cleanups = c->next;
		c->fn(c->arg);
	}
	while (pool->blocks) {
		struct pp_pool_block *b = pool->blocks;
		pool->blocks = b->next;
		pp_free(b);
	}
	pp_free(pool);
}

void *
pp_pool_alloc(struct pp_pool *pool, size_t n)
{
	struct pp_pool_block *b;
	size_t need, size;

	if (n > SIZE_MAX / 2)
		return NULL;
	need = (n + PP_POOL_ALIGN - 1) & ~(PP_POOL_ALIGN - 1);
	if (need == 0)
		need = PP_POOL_ALIGN;
	b = pool->blocks;
	if (b == NULL || b->size - b->used < need) {
		size = need > PP_POOL_BLOCK / 2 ? need : PP_POOL_BLOCK;
		b = pp_malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		if (size == need && pool->blocks) {
			/* Dedicated block: keep the current block first so its
			 * free space stays usable. */
			b->next = pool->blocks->next;
			pool->blocks->next = b;
		} else {
			b->next = pool->blocks;
			pool->blocks = b;
		}
	}
	void *p = (char *)b->data + b->used;
	b->used += need;
	pool->used += need;
	return p;
}

void *
pp_pool_zalloc(struct pp_pool *pool, size_t n)
{
	void *p = pp_pool_alloc(pool, n);
	if (p)
		memset(p, 0, n);
	return p;
}

char *
pp_pool_strndup(struct pp_pool *pool, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = pp_pool_alloc(pool, len + 1);
	if (p == NULL)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
pp_pool_strdup(struct pp_pool *pool, const char *s)
{
	return s ? pp_pool_strndup(pool, s, strlen(s)) : NULL;
}

char *
pp_pool_printf(struct pp_pool *pool, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = pp_pool_alloc(pool, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

enum pp_err
pp_pool_cleanup(struct pp_pool *pool, pp_cleanup_fn fn, void *arg)
{
	struct pp_pool_cleanup *c = pp_pool_alloc(pool, sizeof(*c));

	if (c == NULL)
		return PP_ERR_NOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = pool->cleanups;
	pool->cleanups = c;
	return PP_OK;
}

size_t
pp_pool_used(const struct pp_pool *pool)
{
	return pool->used;
}
