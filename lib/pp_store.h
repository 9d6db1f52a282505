/*
 * pp_store: the narrow storage interface.
 *
 * Callers see statements with '?' placeholders, typed bound values and a
 * row callback; never a backend handle.  SQLite (pp_store_sqlite.c) is the
 * embedded implementation; a PostgreSQL one implements the same ops table.
 * Only compiled-in SQL text reaches a backend: request data is always bound.
 *
 * Each trust domain has its own database and its own migration list
 * (pp_schema.c): "web" (the plugins), "sam", "audit", "admin" (the
 * console).  Migrations are
 * versioned 1..n, applied in order at open, each in its own transaction;
 * a database newer than the program is refused.
 */
#ifndef PP_STORE_H
#define PP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "pp_err.h"

struct pp_conf;

enum pp_val_type { PP_VAL_NULL, PP_VAL_INT, PP_VAL_TEXT, PP_VAL_BLOB, PP_VAL__MAX };

/* A bound parameter or a column value.  Column values are valid only during
 * the row callback. */
struct pp_val {
	enum pp_val_type type;
	int64_t i;
	const void *p;
	size_t len;
};

#define PP_VAL_I(v) ((struct pp_val){ .type = PP_VAL_INT, .i = (v) })
#define PP_VAL_S(s) ((struct pp_val){ .type = PP_VAL_TEXT, .p = (s), .len = strlen(s) })

struct pp_migration {
	int version;
	const char *description;
	const char *sql;	/* trusted, compiled-in; may hold several statements */
};

/* Called once per result row; a non-PP_OK return stops the query and is
 * returned by pp_store_exec. */
typedef enum pp_err (*pp_store_row_fn)(void *ctx, const struct pp_val *cols, size_t ncols);

struct pp_store;

struct pp_store_ops {
	const char *name;
	enum pp_err (*open)(const char *location, int busy_ms, struct pp_store **out);
	/* Opens an existing database for queries only (no migration). */
	enum pp_err (*open_ro)(const char *location, int busy_ms, struct pp_store **out);
	void (*close)(struct pp_store *s);
	enum pp_err (*migrate)(struct pp_store *s, const struct pp_migration *m, size_t n);
	enum pp_err (*exec)(struct pp_store *s, const char *sql, const struct pp_val *binds,
	    size_t nbinds, pp_store_row_fn fn, void *ctx, int64_t *changes);
	enum pp_err (*begin)(struct pp_store *s);
	enum pp_err (*commit)(struct pp_store *s);
	enum pp_err (*rollback)(struct pp_store *s);
	enum pp_err (*version)(struct pp_store *s, int *version);
};

/* Every backend's store begins with this header. */
struct pp_store {
	const struct pp_store_ops *ops;
};

extern const struct pp_store_ops pp_store_sqlite_ops;

/* Opens the database of domain ("web", "sam" or "audit") named in the
 * configuration, with that domain's migrations.  OUT *out owned by caller. */
enum pp_err pp_store_open(const struct pp_conf *conf, const char *domain, struct pp_store **out) PP_WUR;
/* Opens the existing database of domain read-only, for queries (the
 * console reads the audit store the audit daemon alone writes).  A
 * database newer than the program's schema is refused. */
enum pp_err pp_store_open_ro(const struct pp_conf *conf, const char *domain, struct pp_store **out) PP_WUR;
/* Same with an explicit backend, location and migration list (tests). */
enum pp_err pp_store_open_with(const struct pp_store_ops *ops, const char *location, int busy_ms,
    const struct pp_migration *m, size_t n, struct pp_store **out) PP_WUR;
void pp_store_close(struct pp_store *s);
/* A row callback's TEXT column into dst (cap bytes, NUL included); NULL
 * gives "".  1, or 0 when the column is of another type or does not fit. */
int pp_val_text(const struct pp_val *c, char *dst, size_t cap);
/* A row callback storing the first column, an integer, into *(int64_t *)ctx
 * (a count(*), a max(...)); other rows leave it as it is. */
enum pp_err pp_store_int_row(void *ctx, const struct pp_val *cols, size_t ncols);
enum pp_err pp_store_exec(struct pp_store *s, const char *sql, const struct pp_val *binds,
    size_t nbinds, pp_store_row_fn fn, void *ctx, int64_t *changes) PP_WUR;
enum pp_err pp_store_begin(struct pp_store *s) PP_WUR;
enum pp_err pp_store_commit(struct pp_store *s) PP_WUR;
enum pp_err pp_store_rollback(struct pp_store *s);
/* A cheap round trip proving the database answers (health checks). */
enum pp_err pp_store_ping(struct pp_store *s) PP_WUR;
enum pp_err pp_store_version(struct pp_store *s, int *version) PP_WUR;

/* Migration list of a domain (pp_schema.c); NULL for an unknown domain. */
const struct pp_migration *pp_schema_migrations(const char *domain, size_t *n);

#endif
