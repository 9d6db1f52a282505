#include "config.h"
#include <string.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_store.h"

enum pp_err
pp_store_open_with(const struct pp_store_ops *ops, const char *location, int busy_ms,
    const struct pp_migration *m, size_t n, struct pp_store **out)
{
	struct pp_store *s = NULL;
	enum pp_err rc;

	if ((rc = ops->open(location, busy_ms, &s)) != PP_OK)
		return rc;
	if ((rc = ops->migrate(s, m, n)) != PP_OK) {
		ops->close(s);
		return rc;
	}
	*out = s;
	return PP_OK;
}

int
pp_val_text(const struct pp_val *c, char *dst, size_t cap)
{
	if (c->type == PP_VAL_NULL) {
		dst[0] = '\0';
		return 1;
	}
	if (c->type != PP_VAL_TEXT || c->len >= cap)
		return 0;
	memcpy(dst, c->p, c->len);
	dst[c->len] = '\0';
	return 1;
}

enum pp_err
pp_store_int_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	if (ncols >= 1 && cols[0].type == PP_VAL_INT)
		*(int64_t *)ctx = cols[0].i;
	return PP_OK;
}

enum pp_err
pp_store_open(const struct pp_conf *conf, const char *domain, struct pp_store **out)
{
	const struct pp_migration *m;
	size_t n;

	m = pp_schema_migrations(domain, &n);
	if (m == NULL) {
		pp_err_log("no schema for storage domain '%s'", domain);
		return PP_ERR_INTERNAL;
	}
	/* Only one backend today; pp_conf validation refuses any other. */
	enum pp_err rc = pp_store_open_with(&pp_store_sqlite_ops, pp_conf_str(conf, "database", domain),
	    (int)pp_conf_int(conf, "database", "busy_timeout_ms"), m, n, out);
	/* The web plugins' state (browser sessions, per-IP counts) is not worth
	 * an fsync per request: in WAL mode, NORMAL keeps every commit across
	 * a process crash and loses at most the last ones on a power failure
	 * (the signatory then starts again).  The SAM's ledger and the audit
	 * log stay FULL: every commit is on disk before anything else happens. */
	if (rc == PP_OK && strcmp(domain, "web") == 0 &&
	    (rc = pp_store_exec(*out, "PRAGMA synchronous=NORMAL", NULL, 0, NULL, NULL, NULL)) != PP_OK) {
		pp_store_close(*out);
		*out = NULL;
	}
	return rc;
}

enum pp_err
pp_store_open_ro(const struct pp_conf *conf, const char *domain, struct pp_store **out)
{
	size_t n;
	int version = 0;
	enum pp_err rc;

	if (pp_schema_migrations(domain, &n) == NULL) {
		pp_err_log("no schema for storage domain '%s'", domain);
		return PP_ERR_INTERNAL;
	}
	rc = pp_store_sqlite_ops.open_ro(pp_conf_str(conf, "database", domain),
	    (int)pp_conf_int(conf, "database", "busy_timeout_ms"), out);
	if (rc != PP_OK)
		return rc;
	if ((rc = pp_store_version(*out, &version)) != PP_OK || version < 1 || (size_t)version > n) {
		pp_err_log("database '%s' (%s): schema version %d is not one this program knows",
		    domain, pp_conf_str(conf, "database", domain), version);
		pp_store_close(*out);
		*out = NULL;
		return rc != PP_OK ? rc : PP_ERR_DB;
	}
	return PP_OK;
}

void
pp_store_close(struct pp_store *s)
{
	if (s)
		s->ops->close(s);
}

enum pp_err
pp_store_exec(struct pp_store *s, const char *sql, const struct pp_val *binds, size_t nbinds,
    pp_store_row_fn fn, void *ctx, int64_t *changes)
{
	return s->ops->exec(s, sql, binds, nbinds, fn, ctx, changes);
}

enum pp_err
pp_store_begin(struct pp_store *s)
{
	return s->ops->begin(s);
}

enum pp_err
pp_store_commit(struct pp_store *s)
{
	return s->ops->commit(s);
}

enum pp_err
pp_store_rollback(struct pp_store *s)
{
	return s->ops->rollback(s);
}

enum pp_err
pp_store_version(struct pp_store *s, int *version)
{
	return s->ops->version(s, version);
}

static enum pp_err
pp_store_ping_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	int *ok = ctx;

	*ok = ncols == 1 && cols[0].type == PP_VAL_INT && cols[0].i == 1;
	return PP_OK;
}

enum pp_err
pp_store_ping(struct pp_store *s)
{
	int ok = 0;
	enum pp_err rc = pp_store_exec(s, "SELECT 1", NULL, 0, pp_store_ping_row, &ok, NULL);

	if (rc != PP_OK)
		return rc;
	return ok ? PP_OK : PP_ERR_DB;
}
