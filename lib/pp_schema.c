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
