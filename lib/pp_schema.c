#include "config.h"
#include <string.h>
#include "pp_store.h"

/*
 * Versioned schema of each trust domain.  Append only: a released migration
 * is never edited; a change is a new version.
 */
static const struct pp_migration pp_schema_web[] = {
	{1, "node identity of the web plugins",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
};

static const struct pp_migration pp_schema_sam[] = {
	{1, "node identity of the SAM",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
};

static const struct pp_migration pp_schema_audit[] = {
	{1, "node identity of the audit store",
	 "CREATE TABLE node_info (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	 "INSERT INTO node_info VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"},
	/* records.record holds the canonical bytes that are hashed; the other
	 * columns are copies for queries (the console's audit review).  The
	 * tree state (size, frontier) changes in the same transaction as the
	 * records, so the two can never disagree after a crash. */
	{2, "tamper-evident audit log",
	 "CREATE TABLE records (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, type TEXT NOT NULL,"
	 " outcome TEXT NOT NULL, actor TEXT NOT NULL, record BLOB NOT NULL);"
	 "CREATE INDEX records_time ON records (time);"
	 "CREATE INDEX records_type ON records (type, time);"
	 "CREATE TABLE log_state (id INTEGER PRIMARY KEY CHECK (id = 1), origin TEXT NOT NULL,"
	 " tree_size INTEGER NOT NULL, frontier BLOB NOT NULL, forwarded INTEGER NOT NULL,"
	 " params TEXT NOT NULL);"
	 "CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, tree_size INTEGER NOT NULL,"
	 " root BLOB NOT NULL, frontier BLOB NOT NULL, note TEXT NOT NULL, time TEXT NOT NULL,"
	 " reason TEXT NOT NULL);"
	 "CREATE TABLE segments (number INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL,"
	 " last_seq INTEGER NOT NULL, manifest_sha256 TEXT NOT NULL, frontier BLOB NOT NULL,"
	 " time TEXT NOT NULL, timestamped INTEGER NOT NULL);"},
};

#define PP_N(a) (sizeof(a) / sizeof((a)[0]))

const struct pp_migration *
pp_schema_migrations(const char *domain, size_t *n)
{
	if (strcmp(domain, "web") == 0) {
		*n = PP_N(pp_schema_web);
		return pp_schema_web;
	}
	if (strcmp(domain, "sam") == 0) {
		*n = PP_N(pp_schema_sam);
		return pp_schema_sam;
	}
	if (strcmp(domain, "audit") == 0) {
		*n = PP_N(pp_schema_audit);
		return pp_schema_audit;
	}
	*n = 0;
	return NULL;
}
