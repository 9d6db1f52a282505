#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"

/* Prepared statements are cached by the address of their (compiled-in) SQL
 * text, so a hot statement is prepared once per process. */
#define PP_SQLITE_CACHE 64

struct pp_sqlite {
	struct pp_store base;	/* must be first */
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[PP_SQLITE_CACHE];
	int rollback_failed;	/* a ROLLBACK failed: the connection is still in a transaction */
};

static enum pp_err
pp_sqlite_err(struct pp_sqlite *s, int rc, const char *what)
{
	pp_err_log("sqlite %s: %s (%d)", what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc), rc);
	return rc == SQLITE_NOMEM ? PP_ERR_NOMEM : PP_ERR_DB;
}

static void
pp_sqlite_close(struct pp_store *base)
{
	struct pp_sqlite *s = (struct pp_sqlite *)base;

	if (s == NULL)
		return;
	for (int i = 0; i < PP_SQLITE_CACHE; i++)
		sqlite3_finalize(s->cache[i].stmt);
	sqlite3_close(s->db);
	pp_free(s);
}

static enum pp_err
pp_sqlite_simple(struct pp_sqlite *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		pp_err_log("sqlite: %s (%d) in: %.60s", msg ? msg : sqlite3_errstr(rc), rc, sql);
		sqlite3_free(msg);
		return rc == SQLITE_NOMEM ? PP_ERR_NOMEM : PP_ERR_DB;
	}
	return PP_OK;
}

/*
 * Switches to WAL.  On a new file, several processes doing this at once get
 * SQLITE_BUSY without the busy handler being called, so retry (with a
 * little jitter) until busy_ms has passed, and check the mode took.
 */
static enum pp_err
pp_sqlite_wal(struct pp_sqlite *s, int busy_ms)
{
	struct timespec t0, now, pause;
	sqlite3_stmt *st = NULL;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				const unsigned char *mode = sqlite3_column_text(st, 0);
				int wal = mode && strcmp((const char *)mode, "wal") == 0;
				sqlite3_finalize(st);
				if (!wal && strcmp(sqlite3_db_filename(s->db, "main"), "") != 0) {
					pp_err_log("sqlite: cannot switch to WAL (mode %s)", mode ? (const char *)mode : "?");
					return PP_ERR_DB;
				}
				return PP_OK;	/* in-memory databases stay "memory" */
			}
		}
		sqlite3_finalize(st);
		st = NULL;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return pp_sqlite_err(s, rc, "journal_mode");
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >= busy_ms)
			return pp_sqlite_err(s, rc, "journal_mode");
		pause.tv_sec = 0;
		pause.tv_nsec = (5 + (long)(now.tv_nsec % 10)) * 1000000L;
		nanosleep(&pause, NULL);
	}
}

static enum pp_err
pp_sqlite_open(const char *location, int busy_ms, struct pp_store **out)
{
	struct pp_sqlite *s;
	int rc;

	s = pp_calloc(1, sizeof(*s));
	if (s == NULL)
		return PP_ERR_NOMEM;
	s->base.ops = &pp_store_sqlite_ops;
	rc = sqlite3_open_v2(location, &s->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		enum pp_err e = pp_sqlite_err(s, rc, location);
		pp_sqlite_close(&s->base);
		return e;
	}
	sqlite3_busy_timeout(s->db, busy_ms);
	/* WAL for concurrent readers, full sync for durability, foreign keys
	 * enforced, no loading of extensions, no trusted schema tricks. */
	if (pp_sqlite_wal(s, busy_ms) != PP_OK ||
	    pp_sqlite_simple(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
	    " PRAGMA trusted_schema=OFF;") != PP_OK) {
		pp_sqlite_close(&s->base);
		return PP_ERR_DB;
	}
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	*out = &s->base;
	return PP_OK;
}

/* Read-only: another process (the database's single writer) owns it; this
 * one only queries (the console's audit review).  No migration, no WAL
 * switch; query_only refuses any write even through a bug. */
static enum pp_err
pp_sqlite_open_ro(const char *location, int busy_ms, struct pp_store **out)
{
	struct pp_sqlite *s;
	int rc;

	s = pp_calloc(1, sizeof(*s));
	if (s == NULL)
		return PP_ERR_NOMEM;
	s->base.ops = &pp_store_sqlite_ops;
	rc = sqlite3_open_v2(location, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		enum pp_err e = pp_sqlite_err(s, rc, location);
		pp_sqlite_close(&s->base);
		return e;
	}
	sqlite3_busy_timeout(s->db, busy_ms);
	if (pp_sqlite_simple(s, "PRAGMA query_only=ON; PRAGMA trusted_schema=OFF;") != PP_OK) {
		pp_sqlite_close(&s->base);
		return PP_ERR_DB;
	}
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	*out = &s->base;
	return PP_OK;
}

static enum pp_err
pp_sqlite_prepare(struct pp_sqlite *s, const char *sql, sqlite3_stmt **out)
{
	int slot = -1, rc;

	for (int i = 0; i < PP_SQLITE_CACHE; i++) {
		/* Keyed by the address of the (compiled-in) SQL, and checked
		 * against the statement's text: SQL built in a reused buffer
		 * would otherwise run a stale statement. */
		if (s->cache[i].sql == sql) {
			if (strcmp(sqlite3_sql(s->cache[i].stmt), sql) == 0) {
				sqlite3_reset(s->cache[i].stmt);
				sqlite3_clear_bindings(s->cache[i].stmt);
				*out = s->cache[i].stmt;
				return PP_OK;
			}
			sqlite3_finalize(s->cache[i].stmt);
			s->cache[i].sql = NULL;
			s->cache[i].stmt = NULL;
		}
		if (slot < 0 && s->cache[i].sql == NULL)
			slot = i;
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
	if (rc != SQLITE_OK)
		return pp_sqlite_err(s, rc, "prepare");
	if (slot >= 0) {
		s->cache[slot].sql = sql;
		s->cache[slot].stmt = *out;
	}
	return PP_OK;
}

static void
pp_sqlite_release(struct pp_sqlite *s, sqlite3_stmt *stmt)
{
	for (int i = 0; i < PP_SQLITE_CACHE; i++)
		if (s->cache[i].stmt == stmt) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			return;
		}
	sqlite3_finalize(stmt);
}

static enum pp_err
pp_sqlite_exec(struct pp_store *base, const char *sql, const struct pp_val *binds, size_t nbinds,
    pp_store_row_fn fn, void *ctx, int64_t *changes)
{
	struct pp_sqlite *s = (struct pp_sqlite *)base;
	struct pp_val cols[32];
	sqlite3_stmt *stmt;
	enum pp_err rc;
	int src;

	if ((rc = pp_sqlite_prepare(s, sql, &stmt)) != PP_OK)
		return rc;
	if ((size_t)sqlite3_bind_parameter_count(stmt) != nbinds) {
		pp_err_log("sqlite: statement wants %d values, %zu given",
		    sqlite3_bind_parameter_count(stmt), nbinds);
		pp_sqlite_release(s, stmt);
		return PP_ERR_INTERNAL;
	}
	for (size_t i = 0; i < nbinds; i++) {
		int b = (int)i + 1;
		switch (binds[i].type) {
		case PP_VAL_NULL:
			src = sqlite3_bind_null(stmt, b);
			break;
		case PP_VAL_INT:
			src = sqlite3_bind_int64(stmt, b, binds[i].i);
			break;
		case PP_VAL_TEXT:
			src = sqlite3_bind_text64(stmt, b, binds[i].p, binds[i].len, SQLITE_TRANSIENT, SQLITE_UTF8);
			break;
		case PP_VAL_BLOB:
			src = sqlite3_bind_blob64(stmt, b, binds[i].p, binds[i].len, SQLITE_TRANSIENT);
			break;
		default:
			src = SQLITE_MISUSE;
			break;
		}
		if (src != SQLITE_OK) {
			rc = pp_sqlite_err(s, src, "bind");
			pp_sqlite_release(s, stmt);
			return rc;
		}
	}
	for (;;) {
		src = sqlite3_step(stmt);
		if (src == SQLITE_DONE)
			break;
		if (src != SQLITE_ROW) {
			rc = pp_sqlite_err(s, src, "step");
			pp_sqlite_release(s, stmt);
			return rc;
		}
		if (fn == NULL)
			continue;
		int n = sqlite3_column_count(stmt);
		if (n > 32)
			n = 32;
		for (int c = 0; c < n; c++) {
			memset(&cols[c], 0, sizeof(cols[c]));
			switch (sqlite3_column_type(stmt, c)) {
			case SQLITE_INTEGER:
				cols[c].type = PP_VAL_INT;
				cols[c].i = sqlite3_column_int64(stmt, c);
				break;
			case SQLITE_TEXT:
				cols[c].type = PP_VAL_TEXT;
				cols[c].p = sqlite3_column_text(stmt, c);
				cols[c].len = (size_t)sqlite3_column_bytes(stmt, c);
				break;
			case SQLITE_BLOB:
				cols[c].type = PP_VAL_BLOB;
				cols[c].p = sqlite3_column_blob(stmt, c);
				cols[c].len = (size_t)sqlite3_column_bytes(stmt, c);
				break;
			default:
				cols[c].type = PP_VAL_NULL;
				break;
			}
		}
		if ((rc = fn(ctx, cols, (size_t)n)) != PP_OK) {
			pp_sqlite_release(s, stmt);
			return rc;
		}
	}
	if (changes)
		*changes = sqlite3_changes64(s->db);
	pp_sqlite_release(s, stmt);
	return PP_OK;
}

static enum pp_err
pp_sqlite_begin(struct pp_store *base)
{
	struct pp_sqlite *s = (struct pp_sqlite *)base;

	/* A ROLLBACK that failed (out of memory) left the connection inside
	 * the abandoned transaction: finish it now, or every later BEGIN
	 * would fail.  Only then: a nested BEGIN by mistake stays an error. */
	if (s->rollback_failed && !sqlite3_get_autocommit(s->db)) {
		if (pp_sqlite_simple(s, "ROLLBACK") != PP_OK)
			return PP_ERR_DB;
	}
	s->rollback_failed = 0;
	return pp_sqlite_simple(s, "BEGIN IMMEDIATE");
}

static enum pp_err
pp_sqlite_commit(struct pp_store *base)
{
	return pp_sqlite_simple((struct pp_sqlite *)base, "COMMIT");
}

static enum pp_err
pp_sqlite_rollback(struct pp_store *base)
{
	struct pp_sqlite *s = (struct pp_sqlite *)base;

	if (sqlite3_get_autocommit(s->db))
		return PP_OK;
	if (pp_sqlite_simple(s, "ROLLBACK") != PP_OK) {
		s->rollback_failed = 1;
		return PP_ERR_DB;
	}
	return PP_OK;
}

static enum pp_err
pp_sqlite_version_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	int *v = ctx;

	if (ncols == 1 && cols[0].type == PP_VAL_INT)
		*v = (int)cols[0].i;
	return PP_OK;
}

static enum pp_err
pp_sqlite_version(struct pp_store *base, int *version)
{
	*version = 0;
	return pp_sqlite_exec(base, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
	    NULL, 0, pp_sqlite_version_row, version, NULL);
}

static enum pp_err
pp_sqlite_migrate(struct pp_store *base, const struct pp_migration *m, size_t n)
{
	struct pp_sqlite *s = (struct pp_sqlite *)base;
	enum pp_err rc;
	int cur;

	/* Several processes may open a new database at once: each step reads
	 * the version inside its own write transaction (BEGIN IMMEDIATE), so
	 * exactly one of them applies a given migration. */
	for (;;) {
		size_t i;
		if ((rc = pp_sqlite_begin(base)) != PP_OK)
			return rc;
		rc = pp_sqlite_simple(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
		    " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
		    " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))");
		if (rc != PP_OK)
			goto undo;
		if ((rc = pp_sqlite_version(base, &cur)) != PP_OK)
			goto undo;
		if ((size_t)cur > n) {
			pp_err_log("database schema version %d is newer than this program (%zu): refusing", cur, n);
			rc = PP_ERR_DB;
			goto undo;
		}
		if ((size_t)cur == n) {
			if ((rc = pp_sqlite_commit(base)) != PP_OK)
				goto undo;
			return PP_OK;
		}
		i = (size_t)cur;
		if (m[i].version != (int)i + 1) {
			pp_err_log("migration list out of order at %zu", i);
			rc = PP_ERR_INTERNAL;
			goto undo;
		}
		if ((rc = pp_sqlite_simple(s, m[i].sql)) != PP_OK)
			goto undo;
		struct pp_val b[2] = { PP_VAL_I(m[i].version), PP_VAL_S(m[i].description) };
		rc = pp_sqlite_exec(base, "INSERT INTO schema_migrations (version, description) VALUES (?, ?)",
		    b, 2, NULL, NULL, NULL);
		if (rc != PP_OK)
			goto undo;
		if ((rc = pp_sqlite_commit(base)) != PP_OK)
			goto undo;
		pp_info_log("database migrated to version %d: %s", m[i].version, m[i].description);
	}
undo:
	pp_sqlite_rollback(base);
	return rc;
}

const struct pp_store_ops pp_store_sqlite_ops = {
	.name = "sqlite",
	.open = pp_sqlite_open,
	.open_ro = pp_sqlite_open_ro,
	.close = pp_sqlite_close,
	.migrate = pp_sqlite_migrate,
	.exec = pp_sqlite_exec,
	.begin = pp_sqlite_begin,
	.commit = pp_sqlite_commit,
	.rollback = pp_sqlite_rollback,
	.version = pp_sqlite_version,
};
