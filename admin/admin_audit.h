/*
 * admin_audit: the audit log's search, record view, export and charts in
 * the console (issue #6, items 7 and 10; docs/CONSOLE.md).  Pages:
 *   GET /audit                 search form and results (50 per page)
 *   GET /audit/record/{seq}    one record, every member
 *   GET /audit/export          the matching records as CSV or JSON
 *   GET /audit/charts          the charts with their data tables
 *   GET /charts/events.svg     events and failures per day
 *   GET /charts/signatures.svg signatures per SCA
 * all with ADMIN_A_AUDIT_VIEW (security managers, controllers).
 *
 * The service functions below are what the pages call; they read the
 * audit store the audit daemon writes (opened read-only by admin.c) with
 * compiled-in statements and bound values only, and are unit-tested over
 * a store of their own (tests/unit/test_admin_audit.c).
 */
#ifndef ADMIN_AUDIT_H
#define ADMIN_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "pp_err.h"

struct pp_store;

/* The search filters, in the order of the form (names = query fields). */
enum admin_audit_f {
	AAF_FROM,		/* UTC date or date-time, inclusive */
	AAF_TO,			/* UTC date or date-time, inclusive (the whole day, minute or second) */
	AAF_TYPE,		/* event type (pp_audit.h's names) */
	AAF_ACTOR,		/* actor.id */
	AAF_OUTCOME,		/* success | failure */
	AAF_SIGNATORY,		/* recipient, details.signatory, or the acting signatory */
	AAF_SCA,		/* requester, details.sca, details.client, or the acting SCA */
	AAF_IP,			/* client_ip (IPv4 or IPv6, compared in canonical form) */
	AAF_COUNTRY,		/* details.country (ISO 3166-1 alpha-2, GeoIP) */
	AAF_CORRELATION,	/* correlation */
	AAF__MAX
};
extern const char *const admin_audit_filter_names[AAF__MAX];

#define ADMIN_AUDIT_TS_LEN 28	/* "YYYY-MM-DDTHH:MM:SS.000000Z" and NUL */
#define ADMIN_AUDIT_VAL_MAX 256

/* Checked filters; an empty v[i] is "not filtered". */
struct admin_audit_filter {
	char v[AAF__MAX][ADMIN_AUDIT_VAL_MAX + 1];	/* normalised values (IP canonical, country upper case) */
	char from[ADMIN_AUDIT_TS_LEN];		/* time >= from, or "" */
	char to[ADMIN_AUDIT_TS_LEN];		/* time < to (exclusive bound), or "" */
};

/*
 * Checks the filter values vals[i] (NULL or "" = not set) into *f.
 * PP_ERR_FIELD_INVALID with *why (static text naming the filter) when one
 * is malformed or the period ends before it starts.
 */
enum pp_err admin_audit_filter_parse(const char *const vals[AAF__MAX], struct admin_audit_filter *f,
    const char **why) PP_WUR;

/* One record as the store holds it; valid during the callback. */
struct admin_audit_row {
	int64_t seq;
	const char *time, *type, *outcome, *actor;
	const char *record;	/* canonical JSON bytes, not NUL-terminated */
	size_t len;
};
typedef enum pp_err (*admin_audit_row_fn)(void *ctx, const struct admin_audit_row *r);

/*
 * The records matching f, at most limit: newest first with seq < before
 * (0: from the newest), or, when after > 0, oldest first with seq > after
 * (the "newer" page, which the caller shows reversed).  fn is called per row.
 */
enum pp_err admin_audit_search(struct pp_store *db, const struct admin_audit_filter *f, int64_t before,
    int64_t after, int64_t limit, admin_audit_row_fn fn, void *ctx) PP_WUR;
/* How many records match f.  OUT *n. */
enum pp_err admin_audit_count(struct pp_store *db, const struct admin_audit_filter *f, int64_t *n) PP_WUR;
/* One record by seq: PP_ERR_NOT_FOUND when absent. */
enum pp_err admin_audit_get(struct pp_store *db, int64_t seq, admin_audit_row_fn fn, void *ctx) PP_WUR;

/* The export (oldest first). */
#define ADMIN_AUDIT_EXPORT_ROWS 100000
#define ADMIN_AUDIT_EXPORT_BYTES (64u * 1024 * 1024)
enum admin_audit_format { ADMIN_AUDIT_CSV, ADMIN_AUDIT_JSON };
struct admin_audit_export {
	int64_t count;			/* records written */
	int64_t first_seq, last_seq;	/* 0 when none */
	int truncated;			/* more matched than the limits allow */
};
/*
 * Writes the records matching f to out as CSV (RFC 4180, CRLF, a header
 * line; cells starting with = + - @ tab or CR prefixed with ' against
 * formula injection) or as a JSON array of the canonical records, at most
 * ADMIN_AUDIT_EXPORT_ROWS records and about ADMIN_AUDIT_EXPORT_BYTES.
 * OUT *x.  PP_ERR_IO when out fails.
 */
enum pp_err admin_audit_export(struct pp_store *db, const struct admin_audit_filter *f,
    enum admin_audit_format fmt, FILE *out, struct admin_audit_export *x) PP_WUR;
/* One CSV cell (quoted when needed, formula-injection safe). */
void admin_audit_csv_cell(FILE *out, const char *s, size_t len);

/* Per UTC day from day0 ("YYYY-MM-DD") for ndays days: records and
 * failures.  OUT events[ndays], failures[ndays] (zero-filled first). */
enum pp_err admin_audit_per_day(struct pp_store *db, const char *day0, size_t ndays, int64_t *events,
    int64_t *failures) PP_WUR;

/* Signatures made since since ("YYYY-MM-DDTHH:MM:SS.000000Z") per SCA (the
 * requester of each successful signature.create; a batch counts its
 * details.count signatures), most first; beyond cap - 1 SCAs the rest are
 * added up in the last entry, labelled "Other SCAs".  OUT t[0..*n). */
struct admin_audit_tally {
	char label[ADMIN_AUDIT_VAL_MAX + 1];
	int64_t n;
};
enum pp_err admin_audit_signatures(struct pp_store *db, const char *since, struct admin_audit_tally *t,
    size_t cap, size_t *n) PP_WUR;

#endif
