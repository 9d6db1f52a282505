/*
 * admin_audit: search, record view, export and charts of the audit log in
 * the console (admin_audit.h lists the pages).
 *
 * Every query is one compiled-in statement with numbered parameters: a
 * filter left empty is bound as NULL and its condition is true.  The time
 * range is written as coalesce() bounds so that SQLite searches the
 * records_time index first whatever else is set; the other filters read
 * the canonical record with json_extract (the record column is the BLOB the
 * daemon hashed: CAST to TEXT first, SQLite 3.40's JSON functions refuse
 * BLOBs).  Where the SAM writes what (docs/AUDIT.md, docs/ARCHITECTURE.md):
 * the signatory is the recipient (or the actor when the signatory acts, or
 * details.signatory), the SCA the requester (or the actor when the SCA
 * acts, or details.sca when staff act for it, or details.client, its OAuth
 * client id).
 */
#include "config.h"
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/sha.h>
#include "admin.h"
#include "admin_audit.h"
#include "admin_chart.h"
#include "pp_audit.h"
#include "pp_html.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"

const char *const admin_audit_filter_names[AAF__MAX] = {
	[AAF_FROM] = "from", [AAF_TO] = "to", [AAF_TYPE] = "type", [AAF_ACTOR] = "actor",
	[AAF_OUTCOME] = "outcome", [AAF_SIGNATORY] = "signatory", [AAF_SCA] = "sca", [AAF_IP] = "ip",
	[AAF_COUNTRY] = "country", [AAF_CORRELATION] = "correlation",
};

/* ------------------------------------------------------------ filters */

/* s as a UTC instant: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or
 * "YYYY-MM-DDTHH:MM:SS" ('T' or one space; an optional final 'Z').
 * OUT *t, *span (86400, 60 or 1: the length the text names).  1 or 0. */
static int
admin_audit_time(const char *s, time_t *t, int *span)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t len = strlen(s), i;
	int f[6] = { 0 }, nf;
	struct tm tm, back;

	if (len > 0 && s[len - 1] == 'Z')
		len--;
	if (len == 10)
		nf = 3, *span = 86400;
	else if (len == 16)
		nf = 5, *span = 60;
	else if (len == 19)
		nf = 6, *span = 1;
	else
		return 0;
	for (i = 0; i < len; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    pat[i] == 'T' ? (s[i] != 'T' && s[i] != ' ') : s[i] != pat[i])
			return 0;
	}
	for (int k = 0, pos = 0; k < nf; k++) {
		int w = k == 0 ? 4 : 2;
		for (int j = 0; j < w; j++)
			f[k] = f[k] * 10 + (s[pos + j] - '0');
		pos += w + 1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[3] > 23 || f[4] > 59 || f[5] > 59)
		return 0;
	*t = timegm(&tm);
	/* 2026-02-30 would become 2026-03-02: refused. */
	if (*t == (time_t)-1 || gmtime_r(t, &back) == NULL || back.tm_mday != f[2] || back.tm_mon != f[1] - 1)
		return 0;
	return 1;
}

static void
admin_audit_ts(time_t t, char out[ADMIN_AUDIT_TS_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, ADMIN_AUDIT_TS_LEN, "%Y-%m-%dT%H:%M:%S.000000Z", &tm) == 0)
		out[0] = '\0';
}

static int
admin_audit_correlation_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._:-", s[i]) != NULL))
			return 0;
	return 1;
}

enum pp_err
admin_audit_filter_parse(const char *const vals[AAF__MAX], struct admin_audit_filter *f, const char **why)
{
	time_t from = 0, to = 0;
	int span;

	memset(f, 0, sizeof(*f));
	*why = NULL;
	for (int i = 0; i < AAF__MAX; i++) {
		const char *v = vals[i];
		size_t len = v ? strlen(v) : 0;
		if (len == 0)
			continue;
		if (len > ADMIN_AUDIT_VAL_MAX || !pp_utf8_valid(v, len, 0)) {
			*why = "a filter is longer than 256 bytes or not text";
			return PP_ERR_FIELD_INVALID;
		}
		memcpy(f->v[i], v, len + 1);
	}
	if (f->v[AAF_FROM][0]) {
		if (!admin_audit_time(f->v[AAF_FROM], &from, &span)) {
			*why = "from: a UTC date YYYY-MM-DD or date and time YYYY-MM-DDTHH:MM[:SS]";
			return PP_ERR_FIELD_INVALID;
		}
		admin_audit_ts(from, f->from);
	}
	if (f->v[AAF_TO][0]) {
		if (!admin_audit_time(f->v[AAF_TO], &to, &span)) {
			*why = "to: a UTC date YYYY-MM-DD or date and time YYYY-MM-DDTHH:MM[:SS]";
			return PP_ERR_FIELD_INVALID;
		}
		/* Inclusive: the whole day, minute or second named. */
		to += span;
		admin_audit_ts(to, f->to);
		if (f->from[0] && to <= from) {
			*why = "the period ends before it starts";
			return PP_ERR_FIELD_INVALID;
		}
	}
	if (f->v[AAF_TYPE][0]) {
		enum pp_audit_type t;
		if (pp_audit_type_from(f->v[AAF_TYPE], &t) != PP_OK) {
			*why = "type: not an event type of the audit log";
			return PP_ERR_FIELD_INVALID;
		}
	}
	if (f->v[AAF_OUTCOME][0] && strcmp(f->v[AAF_OUTCOME], "success") != 0 &&
	    strcmp(f->v[AAF_OUTCOME], "failure") != 0) {
		*why = "outcome: success or failure";
		return PP_ERR_FIELD_INVALID;
	}
	if (f->v[AAF_IP][0]) {
		unsigned char a[16];
		char canon[INET6_ADDRSTRLEN];
		int fam = inet_pton(AF_INET, f->v[AAF_IP], a) == 1 ? AF_INET :
		    inet_pton(AF_INET6, f->v[AAF_IP], a) == 1 ? AF_INET6 : 0;
		/* Records hold the address as nginx writes it: canonical form. */
		if (fam == 0 || inet_ntop(fam, a, canon, sizeof(canon)) == NULL) {
			*why = "ip: an IPv4 or IPv6 address";
			return PP_ERR_FIELD_INVALID;
		}
		snprintf(f->v[AAF_IP], sizeof(f->v[AAF_IP]), "%s", canon);
	}
	if (f->v[AAF_COUNTRY][0]) {
		char *c = f->v[AAF_COUNTRY];
		if (strlen(c) != 2 || !((c[0] | 0x20) >= 'a' && (c[0] | 0x20) <= 'z') ||
		    !((c[1] | 0x20) >= 'a' && (c[1] | 0x20) <= 'z')) {
			*why = "country: a two-letter ISO 3166-1 code";
			return PP_ERR_FIELD_INVALID;
		}
		c[0] = (char)(c[0] & ~0x20);
		c[1] = (char)(c[1] & ~0x20);
	}
	if (f->v[AAF_CORRELATION][0] && !admin_audit_correlation_ok(f->v[AAF_CORRELATION])) {
		*why = "correlation: 1 to 64 of A-Z a-z 0-9 . _ : -";
		return PP_ERR_FIELD_INVALID;
	}
	return PP_OK;
}

/* ------------------------------------------------------------ queries */

#define AA_REC "json_extract(CAST(record AS TEXT), "
/* ?1 from, ?2 to (exclusive), ?3 type, ?4 actor, ?5 outcome, ?6 signatory,
 * ?7 sca, ?8 ip, ?9 country, ?10 correlation. */
#define AA_WHERE \
	" WHERE time >= coalesce(?1, '') AND time < coalesce(?2, '~')" \
	" AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR actor = ?4) AND (?5 IS NULL OR outcome = ?5)" \
	" AND (?6 IS NULL OR " AA_REC "'$.recipient') = ?6 OR " AA_REC "'$.details.signatory') = ?6" \
	"  OR (actor = ?6 AND " AA_REC "'$.actor.kind') = 'signatory'))" \
	" AND (?7 IS NULL OR " AA_REC "'$.requester') = ?7 OR " AA_REC "'$.details.sca') = ?7" \
	"  OR " AA_REC "'$.details.client') = ?7 OR (actor = ?7 AND " AA_REC "'$.actor.kind') = 'sca'))" \
	" AND (?8 IS NULL OR " AA_REC "'$.client_ip') = ?8)" \
	" AND (?9 IS NULL OR " AA_REC "'$.details.country') = ?9)" \
	" AND (?10 IS NULL OR " AA_REC "'$.correlation') = ?10)"
#define AA_COLS "SELECT seq, time, type, outcome, actor, record FROM records"

static const char admin_audit_sql_older[] =
	AA_COLS AA_WHERE " AND (?11 IS NULL OR seq < ?11) ORDER BY seq DESC LIMIT ?12";
static const char admin_audit_sql_newer[] =
	AA_COLS AA_WHERE " AND seq > ?11 ORDER BY seq ASC LIMIT ?12";
static const char admin_audit_sql_count[] = "SELECT count(*) FROM records" AA_WHERE;
static const char admin_audit_sql_get[] = AA_COLS " WHERE seq = ?";

#define AA_NBINDS 10

static void
admin_audit_binds(const struct admin_audit_filter *f, struct pp_val b[AA_NBINDS])
{
	for (int i = 0; i < AA_NBINDS; i++)
		b[i] = (struct pp_val){ .type = PP_VAL_NULL };
	if (f->from[0])
		b[0] = PP_VAL_S(f->from);
	if (f->to[0])
		b[1] = PP_VAL_S(f->to);
	for (int i = AAF_TYPE; i < AAF__MAX; i++)
		if (f->v[i][0])
			b[i] = PP_VAL_S(f->v[i]);
}

struct admin_audit_cb {
	admin_audit_row_fn fn;
	void *ctx;
	int found;
};

static enum pp_err
admin_audit_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_audit_cb *cb = ctx;
	struct admin_audit_row r;

	if (n != 6 || c[0].type != PP_VAL_INT || c[1].type != PP_VAL_TEXT || c[2].type != PP_VAL_TEXT ||
	    c[3].type != PP_VAL_TEXT || c[4].type != PP_VAL_TEXT ||
	    (c[5].type != PP_VAL_BLOB && c[5].type != PP_VAL_TEXT))
		return PP_ERR_DB;
	r.seq = c[0].i;
	r.time = c[1].p;
	r.type = c[2].p;
	r.outcome = c[3].p;
	r.actor = c[4].p;
	r.record = c[5].p != NULL ? c[5].p : "";
	r.len = c[5].len;
	cb->found = 1;
	return cb->fn(cb->ctx, &r);
}

enum pp_err
admin_audit_search(struct pp_store *db, const struct admin_audit_filter *f, int64_t before, int64_t after,
    int64_t limit, admin_audit_row_fn fn, void *ctx)
{
	struct pp_val b[AA_NBINDS + 2];
	struct admin_audit_cb cb = { fn, ctx, 0 };

	if (db == NULL)
		return PP_ERR_UNAVAILABLE;
	admin_audit_binds(f, b);
	b[AA_NBINDS + 1] = PP_VAL_I(limit);
	if (after > 0) {
		b[AA_NBINDS] = PP_VAL_I(after);
		return pp_store_exec(db, admin_audit_sql_newer, b, AA_NBINDS + 2, admin_audit_row, &cb, NULL);
	}
	b[AA_NBINDS] = before > 0 ? PP_VAL_I(before) : (struct pp_val){ .type = PP_VAL_NULL };
	return pp_store_exec(db, admin_audit_sql_older, b, AA_NBINDS + 2, admin_audit_row, &cb, NULL);
}

enum pp_err
admin_audit_count(struct pp_store *db, const struct admin_audit_filter *f, int64_t *n)
{
	struct pp_val b[AA_NBINDS];

	*n = 0;
	if (db == NULL)
		return PP_ERR_UNAVAILABLE;
	admin_audit_binds(f, b);
	return pp_store_exec(db, admin_audit_sql_count, b, AA_NBINDS, pp_store_int_row, n, NULL);
}

enum pp_err
admin_audit_get(struct pp_store *db, int64_t seq, admin_audit_row_fn fn, void *ctx)
{
	struct pp_val b[1] = { PP_VAL_I(seq) };
	struct admin_audit_cb cb = { fn, ctx, 0 };
	enum pp_err rc;

	if (db == NULL)
		return PP_ERR_UNAVAILABLE;
	if ((rc = pp_store_exec(db, admin_audit_sql_get, b, 1, admin_audit_row, &cb, NULL)) != PP_OK)
		return rc;
	return cb.found ? PP_OK : PP_ERR_NOT_FOUND;
}

/* ------------------------------------------------------------ export */

void
admin_audit_csv_cell(FILE *out, const char *s, size_t len)
{
	int quote = 0;

	if (s == NULL)
		s = "", len = 0;
	/* A spreadsheet would run a cell starting with these as a formula. */
	int formula = len > 0 && strchr("=+-@\t\r", s[0]) != NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (!quote && !formula) {
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

/* The CSV columns: the record's members, details and the record itself
 * (its exact bytes: a reader can hash it and find it in the archive). */
static const char *const admin_audit_csv_cols[] = {
	"seq", "time", "type", "outcome", "actor_kind", "actor_id", "actor_role", "requester",
	"recipient", "present", "client_ip", "country", "city", "correlation", "cause", "details",
	"record",
};
#define AA_NCSV (sizeof(admin_audit_csv_cols) / sizeof(admin_audit_csv_cols[0]))

static const char *
admin_audit_member(json_object *o, const char *a, const char *b)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b != NULL && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void
admin_audit_csv_str(FILE *out, const char *s, int last)
{
	admin_audit_csv_cell(out, s, s ? strlen(s) : 0);
	fputs(last ? "\r\n" : ",", out);
}

static enum pp_err
admin_audit_csv_row(FILE *out, const struct admin_audit_row *r)
{
	json_object *o = NULL, *v;
	char seq[24];

	/* The store holds what the daemon wrote: canonical JSON.  A record
	 * that does not parse is still exported (its bytes, in "record"). */
	if (pp_json_parse(r->record, r->len, 16, 1024, &o) != PP_OK)
		o = NULL;
	snprintf(seq, sizeof(seq), "%" PRId64, r->seq);
	admin_audit_csv_str(out, seq, 0);
	admin_audit_csv_str(out, r->time, 0);
	admin_audit_csv_str(out, r->type, 0);
	admin_audit_csv_str(out, r->outcome, 0);
	admin_audit_csv_str(out, admin_audit_member(o, "actor", "kind"), 0);
	admin_audit_csv_str(out, r->actor, 0);
	admin_audit_csv_str(out, admin_audit_member(o, "actor", "role"), 0);
	admin_audit_csv_str(out, admin_audit_member(o, "requester", NULL), 0);
	admin_audit_csv_str(out, admin_audit_member(o, "recipient", NULL), 0);
	if (o != NULL && json_object_object_get_ex(o, "present", &v) && json_object_is_type(v, json_type_array)) {
		/* The persons present, joined with "; ". */
		char *buf = NULL;
		size_t sz = 0;
		FILE *m = open_memstream(&buf, &sz);
		if (m == NULL) {
			json_object_put(o);
			return PP_ERR_NOMEM;
		}
		for (size_t i = 0; i < json_object_array_length(v); i++)
			fprintf(m, "%s%s", i ? "; " : "", json_object_get_string(json_object_array_get_idx(v, i)));
		if (fclose(m) != 0) {
			free(buf);
			json_object_put(o);
			return PP_ERR_NOMEM;
		}
		admin_audit_csv_str(out, buf, 0);
		free(buf);
	} else
		admin_audit_csv_str(out, NULL, 0);
	admin_audit_csv_str(out, admin_audit_member(o, "client_ip", NULL), 0);
	admin_audit_csv_str(out, admin_audit_member(o, "details", "country"), 0);
	admin_audit_csv_str(out, admin_audit_member(o, "details", "city"), 0);
	admin_audit_csv_str(out, admin_audit_member(o, "correlation", NULL), 0);
	admin_audit_csv_str(out, admin_audit_member(o, "cause", NULL), 0);
	if (o != NULL && json_object_object_get_ex(o, "details", &v))
		admin_audit_csv_str(out, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), 0);
	else
		admin_audit_csv_str(out, NULL, 0);
	admin_audit_csv_cell(out, r->record, r->len);
	fputs("\r\n", out);
	json_object_put(o);
	return PP_OK;
}

struct admin_audit_x {
	FILE *out;
	enum admin_audit_format fmt;
	struct admin_audit_export *x;
	long start;
};

static enum pp_err
admin_audit_export_row(void *ctx, const struct admin_audit_row *r)
{
	struct admin_audit_x *e = ctx;
	enum pp_err rc;

	/* Rows beyond the limits are only counted as "more". */
	if (e->x->truncated || e->x->count >= ADMIN_AUDIT_EXPORT_ROWS ||
	    (unsigned long)(ftell(e->out) - e->start) + r->len > ADMIN_AUDIT_EXPORT_BYTES) {
		e->x->truncated = 1;
		return PP_OK;
	}
	if (e->fmt == ADMIN_AUDIT_JSON) {
		fputs(e->x->count ? ",\n" : "\n", e->out);
		fwrite(r->record, 1, r->len, e->out);
	} else if ((rc = admin_audit_csv_row(e->out, r)) != PP_OK)
		return rc;
	if (e->x->count++ == 0)
		e->x->first_seq = r->seq;
	e->x->last_seq = r->seq;
	return ferror(e->out) ? PP_ERR_IO : PP_OK;
}

static const char admin_audit_sql_export[] =
	AA_COLS AA_WHERE " ORDER BY seq ASC LIMIT ?11";

enum pp_err
admin_audit_export(struct pp_store *db, const struct admin_audit_filter *f, enum admin_audit_format fmt,
    FILE *out, struct admin_audit_export *x)
{
	struct pp_val b[AA_NBINDS + 1];
	struct admin_audit_x e = { out, fmt, x, 0 };
	struct admin_audit_cb cb = { admin_audit_export_row, &e, 0 };
	enum pp_err rc;

	memset(x, 0, sizeof(*x));
	if (db == NULL)
		return PP_ERR_UNAVAILABLE;
	admin_audit_binds(f, b);
	/* One more than written: it says whether there were more. */
	b[AA_NBINDS] = PP_VAL_I(ADMIN_AUDIT_EXPORT_ROWS + 1);
	e.start = ftell(out);
	if (fmt == ADMIN_AUDIT_JSON)
		fputc('[', out);
	else
		for (size_t i = 0; i < AA_NCSV; i++)
			admin_audit_csv_str(out, admin_audit_csv_cols[i], i + 1 == AA_NCSV);
	if ((rc = pp_store_exec(db, admin_audit_sql_export, b, AA_NBINDS + 1, admin_audit_row, &cb, NULL)) != PP_OK)
		return rc;
	if (fmt == ADMIN_AUDIT_JSON)
		fputs(x->count ? "\n]\n" : "]\n", out);
	return ferror(out) ? PP_ERR_IO : PP_OK;
}

/* ------------------------------------------------------------ charts' data */

static const char admin_audit_sql_days[] =
	"SELECT substr(time, 1, 10), count(*), sum(outcome = 'failure') FROM records"
	" WHERE time >= ?1 AND time < ?2 GROUP BY 1";

struct admin_audit_days {
	time_t day0;
	size_t n;
	int64_t *events, *failures;
};

static enum pp_err
admin_audit_day_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_audit_days *d = ctx;
	char day[16];
	time_t t;
	int span;

	if (n != 3 || !pp_val_text(&c[0], day, sizeof(day)) || c[1].type != PP_VAL_INT || c[2].type != PP_VAL_INT)
		return PP_ERR_DB;
	if (!admin_audit_time(day, &t, &span) || t < d->day0)
		return PP_OK;
	size_t i = (size_t)((t - d->day0) / 86400);
	if (i < d->n) {
		d->events[i] = c[1].i;
		d->failures[i] = c[2].i;
	}
	return PP_OK;
}

enum pp_err
admin_audit_per_day(struct pp_store *db, const char *day0, size_t ndays, int64_t *events, int64_t *failures)
{
	struct admin_audit_days d = { 0, ndays, events, failures };
	char lo[ADMIN_AUDIT_TS_LEN], hi[ADMIN_AUDIT_TS_LEN];
	int span;

	memset(events, 0, ndays * sizeof(*events));
	memset(failures, 0, ndays * sizeof(*failures));
	if (db == NULL)
		return PP_ERR_UNAVAILABLE;
	if (strlen(day0) != 10 || !admin_audit_time(day0, &d.day0, &span))
		return PP_ERR_FIELD_INVALID;
	admin_audit_ts(d.day0, lo);
	admin_audit_ts(d.day0 + (time_t)ndays * 86400, hi);
	struct pp_val b[2] = { PP_VAL_S(lo), PP_VAL_S(hi) };
	return pp_store_exec(db, admin_audit_sql_days, b, 2, admin_audit_day_row, &d, NULL);
}

static const char admin_audit_sql_sigs[] =
	"SELECT coalesce(" AA_REC "'$.requester'), actor),"
	" sum(coalesce(" AA_REC "'$.details.count'), 1)) FROM records"
	" WHERE time >= ?1 AND type = 'signature.create' AND outcome = 'success'"
	" GROUP BY 1 ORDER BY 2 DESC, 1";

struct admin_audit_sigs {
	struct admin_audit_tally *t;
	size_t cap, n, rows;
};

static enum pp_err
admin_audit_sig_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_audit_sigs *s = ctx;
	struct admin_audit_tally *t;
	size_t i = s->rows++;

	if (n != 2 || c[1].type != PP_VAL_INT)
		return PP_ERR_DB;
	if (i < s->cap) {
		t = &s->t[i];
		if (!pp_val_text(&c[0], t->label, sizeof(t->label)) || t->label[0] == '\0')
			snprintf(t->label, sizeof(t->label), "(unknown)");
		t->n = c[1].i;
		s->n = i + 1;
		return PP_OK;
	}
	/* More SCAs than entries: the last entry adds up the rest. */
	t = &s->t[s->cap - 1];
	if (i == s->cap)
		snprintf(t->label, sizeof(t->label), "Other SCAs");
	t->n += c[1].i;
	return PP_OK;
}

enum pp_err
admin_audit_signatures(struct pp_store *db, const char *since, struct admin_audit_tally *t, size_t cap,
    size_t *n)
{
	struct admin_audit_sigs s = { t, cap, 0, 0 };
	struct pp_val b[1] = { PP_VAL_S(since) };
	enum pp_err rc;

	*n = 0;
	if (db == NULL)
		return PP_ERR_UNAVAILABLE;
	if (cap == 0)
		return PP_ERR_INTERNAL;
	if ((rc = pp_store_exec(db, admin_audit_sql_sigs, b, 1, admin_audit_sig_row, &s, NULL)) != PP_OK)
		return rc;
	*n = s.n;
	return PP_OK;
}

/* ------------------------------------------------------------ pages */

#define AA_PAGE 50
#define AA_DAYS_DEFAULT 30
#define AA_DAYS_MAX 366
#define AA_SCAS 20		/* bars of the signatures chart */

static enum pp_err
aa_set(HDF *h, const char *key, const char *val)
{
	return pp_hdf_set(h, key, val ? val : "");
}

static enum pp_err
aa_setf(HDF *h, const char *val, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum pp_err
aa_setf(HDF *h, const char *val, const char *fmt, ...)
{
	char key[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	return aa_set(h, key, val);
}

static enum pp_err
aa_seti(HDF *h, int64_t v, const char *key)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return aa_set(h, key, buf);
}

static struct pp_store *
aa_db(struct pp_req *req)
{
	struct admin *a = admin_of(req);

	return a != NULL ? a->audit_db : NULL;
}

/* The filters of the request; a refusal is recorded in req. */
static enum pp_err
aa_filter(struct pp_req *req, struct admin_audit_filter *f)
{
	const char *vals[AAF__MAX], *why = NULL;

	for (int i = 0; i < AAF__MAX; i++)
		vals[i] = pp_req_value(req, admin_audit_filter_names[i]);
	if (admin_audit_filter_parse(vals, f, &why) != PP_OK)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "%s", why);
	if (aa_db(req) == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "the audit database cannot be read");
	return PP_OK;
}

/* url with the filters that are set added as query parameters (pool). */
static char *
aa_url(struct pp_req *req, const char *url, const struct admin_audit_filter *f)
{
	for (int i = 0; i < AAF__MAX && url != NULL; i++)
		if (f->v[i][0])
			url = pp_url_add_param(req->pool, url, admin_audit_filter_names[i], f->v[i]);
	return (char *)url;
}

/* The filters' fields (every one optional; a GET form sends the empty ones). */
#define AA_FILTER_FIELDS \
	{ "from", PP_FIELD_STRING, 20, 0, 0, 0, NULL }, \
	{ "to", PP_FIELD_STRING, 20, 0, 0, 0, NULL }, \
	{ "type", PP_FIELD_STRING, 40, 0, 0, 0, NULL }, \
	{ "actor", PP_FIELD_STRING, ADMIN_AUDIT_VAL_MAX, 0, 0, 0, NULL }, \
	{ "outcome", PP_FIELD_STRING, 10, 0, 0, 0, NULL }, \
	{ "signatory", PP_FIELD_STRING, ADMIN_AUDIT_VAL_MAX, 0, 0, 0, NULL }, \
	{ "sca", PP_FIELD_STRING, ADMIN_AUDIT_VAL_MAX, 0, 0, 0, NULL }, \
	{ "ip", PP_FIELD_STRING, 45, 0, 0, 0, NULL }, \
	{ "country", PP_FIELD_STRING, 2, 0, 0, 0, NULL }, \
	{ "correlation", PP_FIELD_STRING, 64, 0, 0, 0, NULL }

static const struct pp_field aa_search_fields[] = {
	AA_FILTER_FIELDS,
	{ "before", PP_FIELD_INT, 20, 0, 1, INT64_MAX, NULL },
	{ "after", PP_FIELD_INT, 20, 0, 1, INT64_MAX, NULL },
};

/* The rows of one page, in the order shown. */
struct aa_line {
	int64_t seq;
	const char *time, *type, *outcome, *actor, *summary;
};

struct aa_page {
	struct pp_req *req;
	struct aa_line r[AA_PAGE + 1];
	size_t n;
};

/* A short line saying what a record is about: recipient, requester,
 * address and place, cause, the op. */
static const char *
aa_summary(struct pp_req *req, const char *rec, size_t len)
{
	static const struct {
		const char *label, *a, *b;
	} parts[] = {
		{ "for", "recipient", NULL }, { "by", "requester", NULL }, { "from", "client_ip", NULL },
		{ "in", "details", "country" }, { "", "details", "city" }, { "op", "details", "op" },
		{ "kind", "details", "kind" }, { "cause", "cause", NULL },
	};
	json_object *o = NULL;
	char buf[400];
	size_t pos = 0;
	int cut = 0;

	if (pp_json_parse(rec, len, 16, 1024, &o) != PP_OK)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !cut; i++) {
		const char *v = admin_audit_member(o, parts[i].a, parts[i].b);
		if (v == NULL || *v == '\0')
			continue;
		int w = snprintf(buf + pos, sizeof(buf) - pos, "%s%s%s%s", pos ? (*parts[i].label ? "; " : " ") : "",
		    parts[i].label, *parts[i].label ? " " : "", v);
		if (w < 0 || (size_t)w >= sizeof(buf) - pos) {
			cut = 1;
			pos = sizeof(buf) - 4;
		} else
			pos += (size_t)w;
	}
	json_object_put(o);
	if (cut) {
		/* Back to a character boundary, then the ellipsis. */
		while (pos > 0 && ((unsigned char)buf[pos - 1] & 0xC0) == 0x80)
			pos--;
		if (pos > 0 && (unsigned char)buf[pos - 1] >= 0xC0)
			pos--;
		memcpy(buf + pos, "...", 4);
	}
	return pp_pool_strdup(req->pool, buf);
}

static enum pp_err
aa_page_row(void *ctx, const struct admin_audit_row *r)
{
	struct aa_page *p = ctx;
	struct pp_pool *pool = p->req->pool;

	if (p->n >= AA_PAGE + 1)
		return PP_OK;
	p->r[p->n].seq = r->seq;
	if ((p->r[p->n].time = pp_pool_strdup(pool, r->time)) == NULL ||
	    (p->r[p->n].type = pp_pool_strdup(pool, r->type)) == NULL ||
	    (p->r[p->n].outcome = pp_pool_strdup(pool, r->outcome)) == NULL ||
	    (p->r[p->n].actor = pp_pool_strdup(pool, r->actor)) == NULL ||
	    (p->r[p->n].summary = aa_summary(p->req, r->record, r->len)) == NULL)
		return PP_ERR_NOMEM;
	p->n++;
	return PP_OK;
}

static enum pp_err
aa_exists_row(void *ctx, const struct admin_audit_row *r)
{
	(void)r;
	*(int *)ctx = 1;
	return PP_OK;
}

/* Is there a matching record newer than seq (dir > 0) or older (dir < 0)? */
static enum pp_err
aa_exists(struct pp_req *req, const struct admin_audit_filter *f, int64_t seq, int dir, int *yes)
{
	*yes = 0;
	return admin_audit_search(aa_db(req), f, dir < 0 ? seq : 0, dir > 0 ? seq : 0, 1, aa_exists_row, yes);
}

/* The search form's data: filter values, the list of types. */
static enum pp_err
aa_form(HDF *h, const struct admin_audit_filter *f)
{
	enum pp_err rc;

	for (int i = 0; i < AAF__MAX; i++)
		if ((rc = aa_setf(h, f->v[i], "Audit.f.%s", admin_audit_filter_names[i])) != PP_OK)
			return rc;
	for (int t = 0; t < PP_AUDIT__MAX; t++) {
		const char *name = pp_audit_type_name((enum pp_audit_type)t);
		if ((rc = aa_setf(h, name, "Audit.types.%d.name", t)) != PP_OK ||
		    (strcmp(name, f->v[AAF_TYPE]) == 0 && (rc = aa_setf(h, "1", "Audit.types.%d.selected", t)) != PP_OK))
			return rc;
	}
	return PP_OK;
}

static enum pp_err
aa_search(struct pp_req *req, const struct admin_session *s)
{
	struct admin_audit_filter f;
	struct aa_page *p;
	int64_t before = 0, after = 0, total = 0;
	int more_newer = 0, more_older = 0;
	const char *v;
	char *base, *url, *self;
	HDF *h = pp_req_hdf(req);
	enum pp_err rc;

	if (h == NULL)
		return PP_ERR_NOMEM;
	if ((rc = aa_filter(req, &f)) != PP_OK)
		return rc;
	if ((v = pp_req_value(req, "before")) != NULL && *v)
		before = req->val[AAF__MAX].i;
	if ((v = pp_req_value(req, "after")) != NULL && *v)
		after = req->val[AAF__MAX + 1].i;
	if ((p = pp_pool_zalloc(req->pool, sizeof(*p))) == NULL)
		return PP_ERR_NOMEM;
	p->req = req;
	if ((rc = admin_audit_count(aa_db(req), &f, &total)) != PP_OK ||
	    (rc = admin_audit_search(aa_db(req), &f, before, after, AA_PAGE + 1, aa_page_row, p)) != PP_OK)
		return pp_fail(req, rc == PP_ERR_NOMEM ? rc : PP_ERR_DB, "the audit database cannot be searched");
	if (after > 0) {
		/* Read oldest first: shown newest first, the 51st is "more". */
		more_newer = p->n > AA_PAGE;
		if (p->n > AA_PAGE)
			p->n = AA_PAGE;
		for (size_t i = 0; i < p->n / 2; i++) {
			struct aa_line t = p->r[i];
			p->r[i] = p->r[p->n - 1 - i];
			p->r[p->n - 1 - i] = t;
		}
		if (p->n > 0 && (rc = aa_exists(req, &f, p->r[p->n - 1].seq, -1, &more_older)) != PP_OK)
			return rc;
	} else {
		more_older = p->n > AA_PAGE;
		if (p->n > AA_PAGE)
			p->n = AA_PAGE;
		if (p->n > 0 && before > 0 && (rc = aa_exists(req, &f, p->r[0].seq, 1, &more_newer)) != PP_OK)
			return rc;
	}
	if ((rc = aa_form(h, &f)) != PP_OK || (rc = aa_seti(h, total, "Audit.total")) != PP_OK ||
	    (rc = aa_seti(h, (int64_t)p->n, "Audit.shown")) != PP_OK)
		return rc;
	if ((base = aa_url(req, "/audit", &f)) == NULL)
		return PP_ERR_NOMEM;
	/* This page's own address, for the records' "back" links. */
	if (before > 0 || after > 0) {
		char seq[24];
		snprintf(seq, sizeof(seq), "%" PRId64, after > 0 ? after : before);
		self = pp_url_add_param(req->pool, base, after > 0 ? "after" : "before", seq);
	} else
		self = base;
	if (self == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < p->n; i++) {
		char seq[24];
		snprintf(seq, sizeof(seq), "%" PRId64, p->r[i].seq);
		url = pp_pool_printf(req->pool, "/audit/record/%s", seq);
		if (url != NULL)
			url = pp_url_add_param(req->pool, url, "back", self);
		if (url == NULL || (rc = aa_setf(h, seq, "Audit.rows.%zu.seq", i)) != PP_OK ||
		    (rc = aa_setf(h, url, "Audit.rows.%zu.href", i)) != PP_OK ||
		    (rc = aa_setf(h, p->r[i].time, "Audit.rows.%zu.time", i)) != PP_OK ||
		    (rc = aa_setf(h, p->r[i].type, "Audit.rows.%zu.type", i)) != PP_OK ||
		    (rc = aa_setf(h, p->r[i].outcome, "Audit.rows.%zu.outcome", i)) != PP_OK ||
		    (rc = aa_setf(h, p->r[i].actor, "Audit.rows.%zu.actor", i)) != PP_OK ||
		    (rc = aa_setf(h, p->r[i].summary, "Audit.rows.%zu.summary", i)) != PP_OK)
			return rc == PP_OK ? PP_ERR_NOMEM : rc;
	}
	if (p->n > 0 && more_newer) {
		char seq[24];
		snprintf(seq, sizeof(seq), "%" PRId64, p->r[0].seq);
		if ((url = pp_url_add_param(req->pool, base, "after", seq)) == NULL ||
		    (rc = aa_set(h, "Audit.newer", url)) != PP_OK)
			return rc == PP_OK ? PP_ERR_NOMEM : rc;
	}
	if (p->n > 0 && more_older) {
		char seq[24];
		snprintf(seq, sizeof(seq), "%" PRId64, p->r[p->n - 1].seq);
		if ((url = pp_url_add_param(req->pool, base, "before", seq)) == NULL ||
		    (rc = aa_set(h, "Audit.older", url)) != PP_OK)
			return rc == PP_OK ? PP_ERR_NOMEM : rc;
	}
	for (int k = 0; k < 2; k++) {
		const char *fmt = k == 0 ? "csv" : "json";
		url = pp_url_add_param(req->pool, "/audit/export", "format", fmt);
		if (url == NULL || (url = aa_url(req, url, &f)) == NULL ||
		    (rc = aa_setf(h, url, "Audit.export_%s", fmt)) != PP_OK)
			return rc == PP_OK ? PP_ERR_NOMEM : rc;
	}
	if (total > ADMIN_AUDIT_EXPORT_ROWS && (rc = aa_set(h, "Audit.export_truncated", "1")) != PP_OK)
		return rc;
	if ((rc = aa_seti(h, ADMIN_AUDIT_EXPORT_ROWS, "Audit.export_max")) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_audit.cs");
}

/* ---- one record */

struct aa_one {
	struct pp_req *req;
	json_object *o;
	char *bytes;
	int64_t seq;
};

static enum pp_err
aa_one_row(void *ctx, const struct admin_audit_row *r)
{
	struct aa_one *a = ctx;

	a->seq = r->seq;
	if ((a->bytes = pp_pool_strndup(a->req->pool, r->record, r->len)) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_parse(r->record, r->len, 16, 1024, &a->o) != PP_OK)
		a->o = NULL;
	return PP_OK;
}

/* Every member as a "name" / "value" row: nested objects with dotted
 * names (actor.kind, details.country), arrays joined. */
static enum pp_err
aa_members(HDF *h, json_object *o, const char *prefix, int *n)
{
	enum pp_err rc;

	json_object_object_foreach(o, k, v) {
		char name[128];
		snprintf(name, sizeof(name), "%s%s", prefix, k);
		if (json_object_is_type(v, json_type_object)) {
			char p2[130];
			snprintf(p2, sizeof(p2), "%s.", name);
			if ((rc = aa_members(h, v, p2, n)) != PP_OK)
				return rc;
			continue;
		}
		const char *val = json_object_is_type(v, json_type_string) ? json_object_get_string(v) :
		    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if ((rc = aa_setf(h, name, "Rec.members.%d.name", *n)) != PP_OK ||
		    (rc = aa_setf(h, val, "Rec.members.%d.value", *n)) != PP_OK)
			return rc;
		(*n)++;
	}
	return PP_OK;
}

static const struct pp_field aa_record_fields[] = {
	{ "back", PP_FIELD_STRING, 2048, 0, 0, 0, NULL },
};

/* A link back to the search the record was opened from: only a path of
 * this console's search page, with a query of URL-safe characters. */
static int
aa_back_ok(const char *b)
{
	if (strncmp(b, "/audit", 6) != 0 || (b[6] != '\0' && b[6] != '?'))
		return 0;
	for (const char *c = b; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    strchr("/?&=%._~-+", *c) != NULL))
			return 0;
	return 1;
}

static enum pp_err
aa_record(struct pp_req *req, const struct admin_session *s)
{
	struct aa_one a = { req, NULL, NULL, 0 };
	const char *back = pp_req_value(req, "back");
	int64_t seq;
	int n = 0;
	HDF *h = pp_req_hdf(req);
	enum pp_err rc;

	if (h == NULL)
		return PP_ERR_NOMEM;
	if (req->param.s == NULL || pp_strtonum(req->param.s, req->param.len, 1, INT64_MAX, &seq) != PP_OK)
		return pp_fail(req, PP_ERR_NOT_FOUND, "a record is named by its sequence number");
	if (aa_db(req) == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "the audit database cannot be read");
	rc = admin_audit_get(aa_db(req), seq, aa_one_row, &a);
	if (rc == PP_ERR_NOT_FOUND)
		return pp_fail(req, PP_ERR_NOT_FOUND, "no record %" PRId64 " in the audit database on site", seq);
	if (rc != PP_OK)
		return pp_fail(req, rc == PP_ERR_NOMEM ? rc : PP_ERR_DB, "the audit database cannot be read");
	if (a.o != NULL) {
		rc = aa_members(h, a.o, "", &n);
		if (rc == PP_OK)
			rc = aa_set(h, "Rec.pretty", json_object_to_json_string_ext(a.o,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(a.o);
		if (rc != PP_OK)
			return rc;
	}
	if ((rc = aa_seti(h, a.seq, "Rec.seq")) != PP_OK || (rc = aa_set(h, "Rec.canonical", a.bytes)) != PP_OK ||
	    (rc = aa_set(h, "Rec.back", back != NULL && aa_back_ok(back) ? back : "/audit")) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_audit_record.cs");
}

/* ---- export */

static const char *const aa_formats[] = { "csv", "json", NULL };
static const struct pp_field aa_export_fields[] = {
	AA_FILTER_FIELDS,
	{ "format", PP_FIELD_ENUM, 4, 1, 0, 0, aa_formats },
};

/*
 * An export is audit data leaving the system: recorded as archive.export
 * (the event type of audit data recovered from the console for someone,
 * ARC-4) with details.kind "records", before the answer.  Not audit.review:
 * that type is the evidence of a review signed off (AUD-6), and an export
 * must never pass for one.  The record says who (actor), which records
 * (the filters, the number, the first and last seq, whether the limit cut
 * them) and what left (format, bytes, the SHA-256 of the file), so that a
 * copy found later can be matched to its export.
 */
static enum pp_err
aa_export(struct pp_req *req, const struct admin_session *s)
{
	const char *fmt = pp_req_value(req, "format");
	enum admin_audit_format f_ = strcmp(fmt, "json") == 0 ? ADMIN_AUDIT_JSON : ADMIN_AUDIT_CSV;
	struct admin_audit_filter f;
	struct admin_audit_export x;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1], name[64], key[40], count[24];
	char *buf = NULL, *body;
	size_t size = 0;
	json_object *d;
	struct tm tm;
	time_t now = time(NULL);
	FILE *m;
	enum pp_err rc;

	if ((rc = aa_filter(req, &f)) != PP_OK)
		return rc;
	if ((m = open_memstream(&buf, &size)) == NULL)
		return PP_ERR_NOMEM;
	rc = admin_audit_export(aa_db(req), &f, f_, m, &x);
	if (fclose(m) != 0 && rc == PP_OK)
		rc = PP_ERR_NOMEM;
	if (rc != PP_OK) {
		free(buf);
		return pp_fail(req, rc == PP_ERR_NOMEM ? rc : PP_ERR_DB, "the audit database cannot be exported");
	}
	body = pp_pool_strndup(req->pool, buf, size);
	free(buf);
	if (body == NULL)
		return PP_ERR_NOMEM;
	SHA256((const unsigned char *)body, size, md);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if ((d = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	rc = PP_ERR_NOMEM;
	if (pp_json_add_str(d, "kind", "records") != PP_OK || pp_json_add_str(d, "format", fmt) != PP_OK ||
	    pp_json_add_int(d, "count", x.count) != PP_OK || pp_json_add_bool(d, "truncated", x.truncated) != PP_OK ||
	    pp_json_add_int(d, "bytes", (int64_t)size) != PP_OK || pp_json_add_str(d, "sha256", hex) != PP_OK ||
	    (x.count > 0 && (pp_json_add_int(d, "first_seq", x.first_seq) != PP_OK ||
	    pp_json_add_int(d, "last_seq", x.last_seq) != PP_OK)))
		goto out;
	for (int i = 0; i < AAF__MAX; i++) {
		snprintf(key, sizeof(key), "filter_%s", admin_audit_filter_names[i]);
		if (f.v[i][0] && pp_json_add_str(d, key, f.v[i]) != PP_OK)
			goto out;
	}
	if ((rc = admin_audit(req, s, PP_AUDIT_ARCHIVE_EXPORT, PP_AUDIT_SUCCESS, NULL, d)) != PP_OK)
		goto out;
	snprintf(count, sizeof(count), "%" PRId64, x.count);
	gmtime_r(&now, &tm);
	strftime(name, sizeof(name), "audit-%Y%m%dT%H%M%SZ", &tm);
	snprintf(name + strlen(name), sizeof(name) - strlen(name), ".%s", fmt);
	/* The limit is said in the headers (the CSV and the JSON array stay
	 * plain) and on the search page, which shows the total. */
	if ((rc = pp_reply_header(req, "Paraphe-Export-Count", count)) != PP_OK ||
	    (rc = pp_reply_header(req, "Paraphe-Export-Truncated", x.truncated ? "yes" : "no")) != PP_OK)
		goto out;
	rc = admin_reply_bytes(req, 200, f_ == ADMIN_AUDIT_JSON ? "application/json" : "text/csv; charset=utf-8",
	    name, body, size);
out:
	json_object_put(d);
	return rc;
}

/* ---- charts */

static const struct pp_field aa_days_fields[] = {
	{ "days", PP_FIELD_INT, 3, 0, 1, AA_DAYS_MAX, NULL },
};

static int64_t
aa_days(struct pp_req *req)
{
	const char *v = pp_req_value(req, "days");

	return v != NULL && *v ? req->val[0].i : AA_DAYS_DEFAULT;
}

/* The last ndays UTC days, today included: labels (pool) and figures. */
struct aa_daily {
	size_t n;
	const char **labels;
	int64_t *events, *failures;
};

static enum pp_err
aa_daily(struct pp_req *req, size_t ndays, struct aa_daily *d)
{
	time_t day0 = time(NULL) / 86400 * 86400 - (time_t)(ndays - 1) * 86400;
	char day[16];
	struct tm tm;
	enum pp_err rc;

	d->n = ndays;
	d->labels = pp_pool_zalloc(req->pool, ndays * sizeof(*d->labels));
	d->events = pp_pool_zalloc(req->pool, ndays * sizeof(*d->events));
	d->failures = pp_pool_zalloc(req->pool, ndays * sizeof(*d->failures));
	if (d->labels == NULL || d->events == NULL || d->failures == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < ndays; i++) {
		time_t t = day0 + (time_t)i * 86400;
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		if ((d->labels[i] = pp_pool_strdup(req->pool, day)) == NULL)
			return PP_ERR_NOMEM;
	}
	if (aa_db(req) == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "the audit database cannot be read");
	if ((rc = admin_audit_per_day(aa_db(req), d->labels[0], ndays, d->events, d->failures)) != PP_OK)
		return pp_fail(req, rc == PP_ERR_NOMEM ? rc : PP_ERR_DB, "the audit database cannot be read");
	return PP_OK;
}

struct aa_sigs {
	struct admin_audit_tally t[AA_SCAS];
	size_t n;
	const char *labels[AA_SCAS];
	int64_t v[AA_SCAS];
};

static enum pp_err
aa_sigs(struct pp_req *req, int64_t days, struct aa_sigs *g)
{
	char since[ADMIN_AUDIT_TS_LEN];
	enum pp_err rc;

	admin_audit_ts(time(NULL) / 86400 * 86400 - (time_t)(days - 1) * 86400, since);
	if (aa_db(req) == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "the audit database cannot be read");
	if ((rc = admin_audit_signatures(aa_db(req), since, g->t, AA_SCAS, &g->n)) != PP_OK)
		return pp_fail(req, rc == PP_ERR_NOMEM ? rc : PP_ERR_DB, "the audit database cannot be read");
	for (size_t i = 0; i < g->n; i++) {
		g->labels[i] = g->t[i].label;
		g->v[i] = g->t[i].n;
	}
	return PP_OK;
}

static enum pp_err
aa_svg(struct pp_req *req, const struct admin_chart *c)
{
	char *svg;
	size_t len;
	enum pp_err rc;

	if ((rc = admin_chart_bars(req->pool, c, &svg, &len)) != PP_OK)
		return rc;
	return admin_reply_bytes(req, 200, "image/svg+xml", NULL, svg, len);
}

static enum pp_err
aa_chart_events(struct pp_req *req, const struct admin_session *s)
{
	struct aa_daily d;
	struct admin_chart_series ser[2];
	struct admin_chart c;
	int64_t days = aa_days(req);
	enum pp_err rc;

	(void)s;
	if ((rc = aa_daily(req, (size_t)days, &d)) != PP_OK)
		return rc;
	ser[0] = (struct admin_chart_series){ "all events", d.events };
	ser[1] = (struct admin_chart_series){ "failures", d.failures };
	c = (struct admin_chart){
		.title = pp_pool_printf(req->pool, "Audit events and failures per day, last %" PRId64 " days (UTC)", days),
		.desc = "Two bars per day: the number of audit records, and how many of them record a failure.",
		.unit = "records", .labels = d.labels, .n = d.n, .series = ser, .nseries = 2,
	};
	if (c.title == NULL)
		return PP_ERR_NOMEM;
	return aa_svg(req, &c);
}

static enum pp_err
aa_chart_signatures(struct pp_req *req, const struct admin_session *s)
{
	struct aa_sigs *g = pp_pool_zalloc(req->pool, sizeof(*g));
	struct admin_chart_series ser[1];
	struct admin_chart c;
	int64_t days = aa_days(req);
	enum pp_err rc;

	(void)s;
	if (g == NULL)
		return PP_ERR_NOMEM;
	if ((rc = aa_sigs(req, days, g)) != PP_OK)
		return rc;
	ser[0] = (struct admin_chart_series){ "signatures", g->v };
	c = (struct admin_chart){
		.title = pp_pool_printf(req->pool, "Signatures per SCA, last %" PRId64 " days (UTC)", days),
		.desc = "One bar per SCA: the signatures made at its request (each hash signed counts one).",
		.unit = "signatures", .labels = g->labels, .n = g->n, .series = ser, .nseries = 1,
	};
	if (c.title == NULL)
		return PP_ERR_NOMEM;
	return aa_svg(req, &c);
}

static enum pp_err
aa_charts(struct pp_req *req, const struct admin_session *s)
{
	struct aa_daily d;
	struct aa_sigs *g = pp_pool_zalloc(req->pool, sizeof(*g));
	int64_t days = aa_days(req), tev = 0, tfail = 0;
	HDF *h = pp_req_hdf(req);
	char q[32];
	enum pp_err rc;

	if (h == NULL || g == NULL)
		return PP_ERR_NOMEM;
	if ((rc = aa_daily(req, (size_t)days, &d)) != PP_OK || (rc = aa_sigs(req, days, g)) != PP_OK)
		return rc;
	snprintf(q, sizeof(q), "?days=%" PRId64, days);
	if ((rc = aa_seti(h, days, "Charts.days")) != PP_OK ||
	    (rc = aa_setf(h, q, "Charts.query")) != PP_OK)
		return rc;
	/* The tables: newest day first. */
	for (size_t i = 0; i < d.n; i++) {
		size_t j = d.n - 1 - i;
		char key[48];
		tev += d.events[j];
		tfail += d.failures[j];
		if ((rc = aa_setf(h, d.labels[j], "Charts.daily.%zu.day", i)) != PP_OK)
			return rc;
		snprintf(key, sizeof(key), "Charts.daily.%zu.events", i);
		if ((rc = aa_seti(h, d.events[j], key)) != PP_OK)
			return rc;
		snprintf(key, sizeof(key), "Charts.daily.%zu.failures", i);
		if ((rc = aa_seti(h, d.failures[j], key)) != PP_OK)
			return rc;
	}
	if ((rc = aa_seti(h, tev, "Charts.total_events")) != PP_OK ||
	    (rc = aa_seti(h, tfail, "Charts.total_failures")) != PP_OK)
		return rc;
	for (size_t i = 0; i < g->n; i++) {
		char key[48];
		if ((rc = aa_setf(h, g->t[i].label, "Charts.sigs.%zu.sca", i)) != PP_OK)
			return rc;
		snprintf(key, sizeof(key), "Charts.sigs.%zu.n", i);
		if ((rc = aa_seti(h, g->t[i].n, key)) != PP_OK)
			return rc;
	}
	return admin_reply(req, s, 200, "console_audit_charts.cs");
}

static const struct admin_page aa_pages[] = {
	{ PP_GET, "/audit", ADMIN_A_AUDIT_VIEW, aa_search, PP_BODY_NONE, aa_search_fields,
	  sizeof(aa_search_fields) / sizeof(aa_search_fields[0]) },
	{ PP_GET, "/audit/record/{id}", ADMIN_A_AUDIT_VIEW, aa_record, PP_BODY_NONE, aa_record_fields,
	  sizeof(aa_record_fields) / sizeof(aa_record_fields[0]) },
	{ PP_GET, "/audit/export", ADMIN_A_AUDIT_VIEW, aa_export, PP_BODY_NONE, aa_export_fields,
	  sizeof(aa_export_fields) / sizeof(aa_export_fields[0]) },
	{ PP_GET, "/audit/charts", ADMIN_A_AUDIT_VIEW, aa_charts, PP_BODY_NONE, aa_days_fields, 1 },
	{ PP_GET, "/charts/events.svg", ADMIN_A_AUDIT_VIEW, aa_chart_events, PP_BODY_NONE, aa_days_fields, 1 },
	{ PP_GET, "/charts/signatures.svg", ADMIN_A_AUDIT_VIEW, aa_chart_signatures, PP_BODY_NONE, aa_days_fields, 1 },
};

const struct admin_pages admin_audit_pages = { aa_pages, sizeof(aa_pages) / sizeof(aa_pages[0]) };
