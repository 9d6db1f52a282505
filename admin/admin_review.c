/*
 * admin_review: the audit review of the console (AUD-6, AUD-2, SEC-3).
 *
 *   GET  /review                 the business days of the last 31 days and
 *                                whether their failed attempts were reviewed
 *   GET  /review/{day}           one day's failed attempts; POST signs it off
 *   GET  /analysis?from=DAY      the fortnightly analysis; POST signs it off
 *   GET  /reconciliation?month=  the monthly reconciliation (admin_recon.c)
 *   GET  /manual, POST /manual   manual entries (AUD-2)
 *
 * The rules are admin_anomaly.c's; this file reads audit.db (read-only),
 * the console parameters and the reviews table, and records every sign-off
 * (audit.review) and manual entry before answering.  A sign-off stores the
 * report exactly as it was signed; the audit record carries its SHA-256,
 * so that a report changed afterwards in admin.db shows.
 */
#include "config.h"
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "admin_review.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_store.h"
#include "pp_util.h"

#define ADMIN_REVIEW_LIST_DAYS 31	/* the review list and the alerts look this far back */
#define ADMIN_REVIEW_SHOW_MAX 2000	/* rows of one table on a page */
#define ADMIN_REVIEW_HISTORY_DAYS 90	/* the baseline of the new-country rule */
#define ADMIN_REVIEW_MANUAL_SHOW 50
#define ADMIN_REVIEW_MANUAL_FUTURE_S 300	/* clock skew allowed for an event time */
#define ADMIN_REVIEW_DESC_MAX 2000	/* characters of a manual entry's description */
#define ADMIN_REVIEW_DESC_BYTES 4000	/* ... and bytes: it must fit one audit record */
#define ADMIN_REVIEW_PRESENT_MAX 128	/* bytes of one name */

/* ------------------------------------------------------------ page data */

static enum pp_err
admin_review_vset(struct pp_req *req, const char *value, const char *namefmt, va_list ap)
{
	HDF *hdf = pp_req_hdf(req);
	char name[128];

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	vsnprintf(name, sizeof(name), namefmt, ap);
	return pp_hdf_set(hdf, name, value ? value : "");
}

enum pp_err
admin_review_hset(struct pp_req *req, const char *value, const char *namefmt, ...)
{
	va_list ap;
	enum pp_err rc;

	va_start(ap, namefmt);
	rc = admin_review_vset(req, value, namefmt, ap);
	va_end(ap);
	return rc;
}

enum pp_err
admin_review_hseti(struct pp_req *req, int64_t value, const char *namefmt, ...)
{
	char v[24];
	va_list ap;
	enum pp_err rc;

	snprintf(v, sizeof(v), "%lld", (long long)value);
	va_start(ap, namefmt);
	rc = admin_review_vset(req, v, namefmt, ap);
	va_end(ap);
	return rc;
}

const char *
admin_review_ms_str(struct pp_req *req, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL)
		return "?";
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return pp_pool_strdup(req->pool, buf);
}

/* The records' "time" text of t seconds: bounds compare as text with
 * every record time (always six fraction digits). */
static void
admin_review_time_bound(int64_t t, char *out, size_t cap)
{
	char day[16];
	int64_t d = t / ADMIN_DAY_S, s = t % ADMIN_DAY_S;

	admin_anomaly_day_format(d, day, sizeof(day));
	snprintf(out, cap, "%sT%02lld:%02lld:%02lld.000000Z", day, (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
}

int64_t
admin_review_today(void)
{
	return (int64_t)time(NULL) / ADMIN_DAY_S;
}

static enum pp_err
admin_review_created_row(void *ctx, const struct pp_val *c, size_t n)
{
	char *out = ctx;

	if (n == 1)
		(void)pp_val_text(&c[0], out, 11);
	return PP_OK;
}

int64_t
admin_review_since(struct pp_req *req)
{
	char created[32] = "";
	int64_t day;
	const char *v;

	/* The install day: the console store's first migration. */
	if (pp_store_exec(admin_db(req), "SELECT substr(value, 1, 10) FROM node_info WHERE name = 'created_at'",
	    NULL, 0, admin_review_created_row, created, NULL) != PP_OK ||
	    admin_anomaly_day_parse(created, &day) != PP_OK)
		day = admin_review_today();
	v = admin_param(req, "review_since", NULL);
	if (v != NULL) {
		int64_t p;
		if (admin_anomaly_day_parse(v, &p) == PP_OK)
			return p;
		pp_log(PP_LOG_WARN, "admin: console parameter review_since \"%s\" is not a date; using the install day", v);
	}
	return day;
}

void
admin_review_params(struct pp_req *req, struct admin_anomaly_params *p, const char **invalid)
{
	const char *v;
	int64_t n;

	*invalid = NULL;
	memset(p, 0, sizeof(*p));
	p->burst_window_s = 600;
	v = admin_param(req, "burst_threshold", "5");
	if (pp_strtonum(v, strlen(v), 2, 100000, &n) != PP_OK) {
		*invalid = "burst_threshold";
		n = 5;
	}
	p->burst_threshold = n;
	v = admin_param(req, "max_speed_kmh", "900");
	if (pp_strtonum(v, strlen(v), 1, 1000000, &n) != PP_OK) {
		*invalid = "max_speed_kmh";
		n = 900;
	}
	p->max_speed_kmh = n;
	p->allowed_countries = admin_param(req, "allowed_countries", "");
	v = admin_param(req, "business_days", "1-5");
	if (admin_anomaly_days_parse(v, &p->business_mask) != PP_OK) {
		*invalid = "business_days";
		p->business_mask = 0x3e;
	}
	v = admin_param(req, "working_hours", "07:00-20:00");
	if (admin_anomaly_hours_parse(v, &p->work_from_min, &p->work_to_min) != PP_OK) {
		*invalid = "working_hours";
		p->work_from_min = 7 * 60;
		p->work_to_min = 20 * 60;
	}
}

/* ------------------------------------------------------------ records */

static const char *const admin_review_sql[ADMIN_REVIEW_SEL__MAX] = {
	[ADMIN_REVIEW_SEL_FAILURES] = "SELECT seq, record FROM records WHERE time >= ? AND time < ?"
	    " AND outcome = 'failure' ORDER BY seq LIMIT ?",
	[ADMIN_REVIEW_SEL_ANALYSIS] = "SELECT seq, record FROM records WHERE time >= ? AND time < ?"
	    " AND (type IN ('role.login', 'role.login_failure', 'signatory.auth', 'audit.failure',"
	    " 'audit.message_refused', 'archive.check', 'access.denied')"
	    " OR json_extract(CAST(record AS TEXT), '$.actor.kind') = 'staff') ORDER BY seq LIMIT ?",
	[ADMIN_REVIEW_SEL_LOGINS] = "SELECT seq, record FROM records WHERE time >= ? AND time < ?"
	    " AND type IN ('role.login', 'role.login_failure', 'signatory.auth') ORDER BY seq LIMIT ?",
	[ADMIN_REVIEW_SEL_RECON] = "SELECT seq, record FROM records WHERE time >= ? AND time < ?"
	    " AND type IN ('signature.create', 'sad.issue', 'sad.use', 'signatory.auth') ORDER BY seq LIMIT ?",
};

static void
admin_review_free_hold(void *arg)
{
	void **hold = arg;

	pp_free(*hold);
	*hold = NULL;
}

static void
admin_review_put(void *arg)
{
	json_object_put(arg);
}

struct admin_review_loader {
	struct admin_review_set *set;
	int baseline;
	size_t max;
	size_t rows;
};

static const char *
admin_review_str(json_object *o, const char *key)
{
	return o != NULL ? pp_json_get_str(o, key) : NULL;
}

static enum pp_err
admin_review_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_review_loader *l = ctx;
	struct admin_review_set *set = l->set;
	struct admin_arec *r;
	json_object *o, *actor = NULL, *d = NULL;
	const char *geo;

	if (n != 2 || (c[1].type != PP_VAL_BLOB && c[1].type != PP_VAL_TEXT))
		return PP_ERR_DB;
	if (++l->rows > l->max) {
		set->truncated = 1;
		return PP_OK;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		void *p = pp_realloc(set->r, cap * sizeof(*set->r));
		if (p == NULL)
			return PP_ERR_NOMEM;
		set->r = p;
		*set->hold = p;
		set->cap = cap;
	}
	if (pp_json_parse(c[1].p, c[1].len, 8, 256, &o) != PP_OK)
		return PP_ERR_DB;
	if (json_object_array_add(set->keep, o) != 0) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	r = &set->r[set->n];
	memset(r, 0, sizeof(*r));
	r->seq = c[0].i;
	r->baseline = l->baseline;
	r->time = pp_json_get_str(o, "time");
	if (admin_anomaly_time_parse(r->time, &r->t) != PP_OK)
		return PP_ERR_DB;
	r->type = pp_json_get_str(o, "type");
	r->outcome = pp_json_get_str(o, "outcome");
	json_object_object_get_ex(o, "actor", &actor);
	r->actor_kind = admin_review_str(actor, "kind");
	r->actor_id = admin_review_str(actor, "id");
	r->requester = pp_json_get_str(o, "requester");
	r->recipient = pp_json_get_str(o, "recipient");
	r->correlation = pp_json_get_str(o, "correlation");
	r->ip = pp_json_get_str(o, "client_ip");
	r->cause = pp_json_get_str(o, "cause");
	json_object_object_get_ex(o, "details", &d);
	r->country = admin_review_str(d, "country");
	r->city = admin_review_str(d, "city");
	r->sad_id = admin_review_str(d, "sad_id");
	r->op = admin_review_str(d, "op");
	r->step = admin_review_str(d, "step");
	r->otp_id = admin_review_str(d, "otp_id");
	r->credential = admin_review_str(d, "credential");
	geo = admin_review_str(d, "geo");
	r->has_geo = geo != NULL && admin_anomaly_geo_parse(geo, &r->lat, &r->lon) == PP_OK;
	set->n++;
	return PP_OK;
}

enum pp_err
admin_review_load(struct pp_req *req, enum admin_review_sel sel, int64_t from_t, int64_t to_t,
    int baseline, struct admin_review_set *set)
{
	struct pp_store *db = admin_of(req)->audit_db;
	struct admin_review_loader l = { set, baseline, 0, 0 };
	char from[40], to[40];
	enum pp_err rc;

	if (db == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The audit log cannot be read by the console"
		    " (audit.db could not be opened read-only): the review is unavailable.");
	if ((unsigned)sel >= ADMIN_REVIEW_SEL__MAX)
		return PP_ERR_INTERNAL;
	if (set->hold == NULL) {
		if ((set->hold = pp_pool_zalloc(req->pool, sizeof(*set->hold))) == NULL)
			return PP_ERR_NOMEM;
		if (pp_pool_cleanup(req->pool, admin_review_free_hold, set->hold) != PP_OK)
			return PP_ERR_NOMEM;
		if ((set->keep = json_object_new_array()) == NULL)
			return PP_ERR_NOMEM;
		if (pp_pool_cleanup(req->pool, admin_review_put, set->keep) != PP_OK) {
			json_object_put(set->keep);
			set->keep = NULL;
			return PP_ERR_NOMEM;
		}
	}
	if (set->n >= ADMIN_REVIEW_MAX_RECORDS) {
		set->truncated = 1;
		return PP_OK;
	}
	l.max = ADMIN_REVIEW_MAX_RECORDS - set->n;
	admin_review_time_bound(from_t, from, sizeof(from));
	admin_review_time_bound(to_t, to, sizeof(to));
	struct pp_val b[3] = { PP_VAL_S(from), PP_VAL_S(to), PP_VAL_I((int64_t)l.max + 1) };
	rc = pp_store_exec(db, admin_review_sql[sel], b, 3, admin_review_row, &l, NULL);
	if (rc == PP_ERR_DB)
		return pp_fail(req, rc, "The audit log could not be read.");
	return rc;
}

/* ------------------------------------------------------------ sign-offs */

static size_t
admin_review_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The longest prefix of s of at most max bytes that ends on a character. */
static size_t
admin_review_utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* s with every run of line breaks and tabs made one space: an audit
 * record's strings hold no control character (pool memory, NULL when out
 * of memory). */
static char *
admin_review_flat(struct pp_req *req, const char *s)
{
	char *out = pp_pool_strdup(req->pool, s), *w = out;

	if (out == NULL)
		return NULL;
	for (const char *p = s; *p; p++) {
		if (*p == '\r' || *p == '\n' || *p == '\t') {
			if (w == out || w[-1] != ' ')
				*w++ = ' ';
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
	return out;
}

enum pp_err
admin_review_comment(struct pp_req *req, const char **comment)
{
	const char *c = pp_req_value(req, "comment");
	size_t n;

	if (c == NULL || (n = admin_review_utf8_chars(c)) == 0 || strspn(c, " \t\r\n") == strlen(c))
		return pp_fail(req, PP_ERR_FIELD_MISSING, "A comment is required to sign off (what you looked at, what you concluded).");
	if (n > ADMIN_REVIEW_COMMENT_MAX)
		return pp_fail(req, PP_ERR_FIELD_TOO_LONG, "The comment is longer than %d characters.",
		    ADMIN_REVIEW_COMMENT_MAX);
	*comment = c;
	return PP_OK;
}

struct admin_review_signed_row {
	struct pp_req *req;
	int found;
	int64_t id, signed_ms, findings;
	const char *reviewer, *comment, *report;
};

static enum pp_err
admin_review_signed_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_review_signed_row *r = ctx;

	if (n != 6)
		return PP_ERR_DB;
	r->found = 1;
	r->id = c[0].i;
	r->reviewer = pp_pool_strndup(r->req->pool, c[1].p ? c[1].p : "", c[1].len);
	r->signed_ms = c[2].i;
	r->comment = pp_pool_strndup(r->req->pool, c[3].p ? c[3].p : "", c[3].len);
	r->findings = c[4].i;
	r->report = pp_pool_strndup(r->req->pool, c[5].p ? c[5].p : "", c[5].len);
	return r->reviewer && r->comment && r->report ? PP_OK : PP_ERR_NOMEM;
}

static enum pp_err
admin_review_find(struct pp_req *req, const char *kind, const char *period_start,
    struct admin_review_signed_row *r)
{
	struct pp_val b[2] = { PP_VAL_S(kind), PP_VAL_S(period_start) };

	memset(r, 0, sizeof(*r));
	r->req = req;
	return pp_store_exec(admin_db(req), "SELECT id, reviewer_name, signed_ms, comment, findings, report"
	    " FROM reviews WHERE kind = ? AND period_start = ?", b, 2, admin_review_signed_cb, r, NULL);
}

enum pp_err
admin_review_signed(struct pp_req *req, const char *kind, const char *period_start, int *signed_)
{
	struct admin_review_signed_row r;
	enum pp_err rc;

	if ((rc = admin_review_find(req, kind, period_start, &r)) != PP_OK)
		return rc;
	if (signed_ != NULL)
		*signed_ = r.found;
	if (!r.found)
		return PP_OK;
	if ((rc = admin_review_hset(req, r.reviewer, "Signed.reviewer")) != PP_OK ||
	    (rc = admin_review_hset(req, admin_review_ms_str(req, r.signed_ms), "Signed.time")) != PP_OK ||
	    (rc = admin_review_hset(req, r.comment, "Signed.comment")) != PP_OK ||
	    (rc = admin_review_hseti(req, r.findings, "Signed.findings")) != PP_OK ||
	    (rc = admin_review_hseti(req, r.id, "Signed.id")) != PP_OK)
		return rc;
	return PP_OK;
}

enum pp_err
admin_review_sign(struct pp_req *req, const struct admin_session *s, const char *kind,
    const char *period_start, const char *period_end, const char *comment, json_object *report,
    int64_t findings)
{
	struct pp_store *db = admin_db(req);
	struct admin_review_signed_row old;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	const char *text, *cause;
	json_object *d = NULL;
	size_t len;
	enum pp_err rc;

	if ((text = pp_json_str(report, &len)) == NULL)
		return PP_ERR_NOMEM;
	SHA256((const unsigned char *)text, len, md);
	pp_hex(md, sizeof(md), hex);
	/* The comment is the record's cause, cut to what a record holds (the
	 * whole text is in the review row). */
	if ((cause = admin_review_flat(req, comment)) == NULL ||
	    (cause = pp_pool_strndup(req->pool, cause, admin_review_utf8_cut(cause, PP_AUDIT_MAX_STRING))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_store_begin(db)) != PP_OK)
		return rc;
	if ((rc = admin_review_find(req, kind, period_start, &old)) != PP_OK)
		goto rollback;
	if (old.found) {
		pp_store_rollback(db);
		return pp_fail(req, PP_ERR_CONFLICT, "This %s review of %s was already signed off by %s on %s.",
		    kind, period_start, old.reviewer, admin_review_ms_str(req, old.signed_ms));
	}
	{
		struct pp_val b[] = {
			PP_VAL_S(kind), PP_VAL_S(period_start), PP_VAL_S(period_end), PP_VAL_S(s->staff.id),
			PP_VAL_S(s->staff.name), PP_VAL_I((int64_t)time(NULL) * 1000), PP_VAL_S(comment),
			{ .type = PP_VAL_TEXT, .p = text, .len = len }, PP_VAL_I(findings),
		};
		if ((rc = pp_store_exec(db, "INSERT INTO reviews (kind, period_start, period_end, reviewer,"
		    " reviewer_name, signed_ms, comment, report, findings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    b, sizeof(b) / sizeof(b[0]), NULL, NULL, NULL)) != PP_OK)
			goto rollback;
	}
	if ((rc = admin_review_find(req, kind, period_start, &old)) != PP_OK)
		goto rollback;
	rc = PP_ERR_NOMEM;
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "kind", kind) != PP_OK ||
	    pp_json_add_str(d, "period", period_start) != PP_OK || pp_json_add_str(d, "period_end", period_end) != PP_OK ||
	    pp_json_add_int(d, "findings", findings) != PP_OK || pp_json_add_int(d, "review_id", old.id) != PP_OK ||
	    pp_json_add_str(d, "report_sha256", hex) != PP_OK ||
	    (strcmp(kind, "daily") == 0 && pp_json_add_int(d, "failures", findings) != PP_OK))
		goto rollback;
	/* Recorded before the sign-off is committed: a sign-off the log does
	 * not hold is never stored. */
	if ((rc = admin_audit(req, s, PP_AUDIT_REVIEW, PP_AUDIT_SUCCESS, cause, d)) != PP_OK)
		goto rollback;
	json_object_put(d);
	return pp_store_commit(db);
rollback:
	json_object_put(d);
	pp_store_rollback(db);
	return rc;
}

enum pp_err
admin_review_findings_hdf(struct pp_req *req, const char *prefix, json_object *findings)
{
	size_t n = json_object_array_length(findings);
	enum pp_err rc = PP_OK;

	for (size_t i = 0; i < n && i < ADMIN_REVIEW_SHOW_MAX && rc == PP_OK; i++) {
		json_object *f = json_object_array_get_idx(findings, i), *seq = NULL;
		json_object_object_get_ex(f, "seq", &seq);
		if ((rc = admin_review_hseti(req, json_object_get_int64(seq), "%s.%zu.seq", prefix, i)) == PP_OK &&
		    (rc = admin_review_hset(req, pp_json_get_str(f, "time"), "%s.%zu.time", prefix, i)) == PP_OK &&
		    (rc = admin_review_hset(req, pp_json_get_str(f, "actor"), "%s.%zu.actor", prefix, i)) == PP_OK)
			rc = admin_review_hset(req, pp_json_get_str(f, "text"), "%s.%zu.text", prefix, i);
	}
	if (rc == PP_OK && n > ADMIN_REVIEW_SHOW_MAX)
		rc = admin_review_hseti(req, (int64_t)(n - ADMIN_REVIEW_SHOW_MAX), "%s_more", prefix);
	return rc;
}

/* ------------------------------------------------------------ daily review */

struct admin_review_daily {
	char day[11];
	char reviewer[ADMIN_NAME_MAX + 1];
	int64_t signed_ms, findings;
};

struct admin_review_dailies {
	struct admin_review_daily d[ADMIN_REVIEW_LIST_DAYS + 2];
	size_t n;
};

static enum pp_err
admin_review_daily_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_review_dailies *ds = ctx;
	struct admin_review_daily *d;

	if (n != 4)
		return PP_ERR_DB;
	if (ds->n == sizeof(ds->d) / sizeof(ds->d[0]))
		return PP_OK;
	d = &ds->d[ds->n++];
	(void)pp_val_text(&c[0], d->day, sizeof(d->day));
	(void)pp_val_text(&c[1], d->reviewer, sizeof(d->reviewer));
	d->signed_ms = c[2].i;
	d->findings = c[3].i;
	return PP_OK;
}

/* The daily sign-offs of the days from first on. */
static enum pp_err
admin_review_dailies(struct pp_req *req, int64_t first, struct admin_review_dailies *ds)
{
	char from[16];

	admin_anomaly_day_format(first, from, sizeof(from));
	struct pp_val b[] = { PP_VAL_S(from) };
	ds->n = 0;
	return pp_store_exec(admin_db(req), "SELECT period_start, reviewer_name, signed_ms, findings FROM reviews"
	    " WHERE kind = 'daily' AND period_start >= ? ORDER BY period_start LIMIT 40", b, 1,
	    admin_review_daily_row, ds, NULL);
}

static const struct admin_review_daily *
admin_review_daily_of(const struct admin_review_dailies *ds, const char *day)
{
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->d[i].day, day) == 0)
			return &ds->d[i];
	return NULL;
}

static const char *const admin_review_wday[8] = { "", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday", "Sunday" };

struct admin_review_recent {
	struct pp_req *req;
	size_t n;
	enum pp_err rc;
};

static enum pp_err
admin_review_recent_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_review_recent *r = ctx;
	char v[ADMIN_NAME_MAX + 1];
	static const char *const names[] = { "kind", "period_start", "period_end", "reviewer" };
	enum pp_err rc = PP_OK;

	if (n != 6)
		return PP_ERR_DB;
	for (size_t i = 0; i < 4 && rc == PP_OK; i++) {
		if (!pp_val_text(&c[i], v, sizeof(v)))
			v[0] = '\0';
		rc = admin_review_hset(r->req, v, "Recent.%zu.%s", r->n, names[i]);
	}
	if (rc == PP_OK)
		rc = admin_review_hset(r->req, admin_review_ms_str(r->req, c[4].i), "Recent.%zu.time", r->n);
	if (rc == PP_OK)
		rc = admin_review_hseti(r->req, c[5].i, "Recent.%zu.findings", r->n);
	r->n++;
	return rc;
}

/* The latest sign-offs of every kind into Recent.N. */
static enum pp_err
admin_review_recent(struct pp_req *req, struct admin_review_recent *recent)
{
	return pp_store_exec(admin_db(req), "SELECT kind, period_start, period_end, reviewer_name, signed_ms,"
	    " findings FROM reviews ORDER BY signed_ms DESC, id DESC LIMIT 20", NULL, 0, admin_review_recent_row,
	    recent, NULL);
}

static enum pp_err
admin_review_list(struct pp_req *req, const struct admin_session *s)
{
	struct admin_review_dailies *ds;
	struct admin_anomaly_params p;
	struct admin_review_recent recent = { req, 0, PP_OK };
	const char *invalid;
	int64_t today = admin_review_today(), since = admin_review_since(req);
	char day[16];
	size_t n = 0;
	enum pp_err rc;

	admin_review_params(req, &p, &invalid);
	if ((ds = pp_pool_zalloc(req->pool, sizeof(*ds))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = admin_review_dailies(req, today - ADMIN_REVIEW_LIST_DAYS, ds)) != PP_OK)
		return rc;
	for (int64_t d = today; d >= today - ADMIN_REVIEW_LIST_DAYS; d--) {
		const struct admin_review_daily *sg;
		const char *state;
		if (!admin_anomaly_business(d, p.business_mask))
			continue;
		admin_anomaly_day_format(d, day, sizeof(day));
		sg = admin_review_daily_of(ds, day);
		if (sg != NULL)
			state = "signed";
		else if (d >= today)
			state = "in progress";
		else if (d < since)
			state = "before review_since";
		else
			state = admin_anomaly_review_overdue(d, today, p.business_mask) ? "NOT REVIEWED (overdue)" :
			    "NOT REVIEWED";
		if ((rc = admin_review_hset(req, day, "Days.%zu.day", n)) != PP_OK ||
		    (rc = admin_review_hset(req, admin_review_wday[admin_anomaly_weekday(d)], "Days.%zu.weekday", n)) != PP_OK ||
		    (rc = admin_review_hset(req, state, "Days.%zu.state", n)) != PP_OK)
			return rc;
		if (sg != NULL && ((rc = admin_review_hset(req, sg->reviewer, "Days.%zu.reviewer", n)) != PP_OK ||
		    (rc = admin_review_hset(req, admin_review_ms_str(req, sg->signed_ms), "Days.%zu.signed", n)) != PP_OK ||
		    (rc = admin_review_hseti(req, sg->findings, "Days.%zu.failures", n)) != PP_OK))
			return rc;
		if (sg == NULL && d < today && d >= since && admin_anomaly_review_overdue(d, today, p.business_mask) &&
		    (rc = admin_review_hset(req, "1", "Days.%zu.overdue", n)) != PP_OK)
			return rc;
		n++;
	}
	if ((rc = admin_review_recent(req, &recent)) != PP_OK)
		return rc;
	admin_anomaly_day_format(since, day, sizeof(day));
	if ((rc = admin_review_hset(req, day, "Review.since")) != PP_OK ||
	    (rc = admin_review_hset(req, admin_param(req, "business_days", "1-5"), "Review.business_days")) != PP_OK ||
	    (invalid != NULL && (rc = admin_review_hset(req, invalid, "Review.invalid_param")) != PP_OK))
		return rc;
	return admin_reply(req, s, 200, "console_review.cs");
}

/* The day of the path, or a 404. */
static enum pp_err
admin_review_path_day(struct pp_req *req, int64_t *day)
{
	if (req->param.s == NULL || admin_anomaly_day_parse(req->param.s, day) != PP_OK)
		return pp_fail(req, PP_ERR_NOT_FOUND, "Not a day: the review pages are /review/YYYY-MM-DD.");
	return PP_OK;
}

/* The day's failed attempts: counts by type into *counts (new object). */
static enum pp_err
admin_review_day_report(struct pp_req *req, int64_t day, struct admin_review_set *set, json_object **report)
{
	json_object *rep = NULL, *counts, *seqs;
	char name[16];
	enum pp_err rc;

	*report = NULL;
	if ((rc = admin_review_load(req, ADMIN_REVIEW_SEL_FAILURES, day * ADMIN_DAY_S, (day + 1) * ADMIN_DAY_S, 0,
	    set)) != PP_OK)
		return rc;
	admin_anomaly_day_format(day, name, sizeof(name));
	if ((rep = json_object_new_object()) == NULL || pp_json_add_str(rep, "kind", "daily") != PP_OK ||
	    pp_json_add_str(rep, "day", name) != PP_OK || pp_json_add_int(rep, "failures", (int64_t)set->n) != PP_OK ||
	    pp_json_add_bool(rep, "truncated", set->truncated) != PP_OK)
		goto nomem;
	if ((counts = json_object_new_object()) == NULL)
		goto nomem;
	json_object_object_add(rep, "counts", counts);
	if ((seqs = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(rep, "seqs", seqs);
	for (size_t i = 0; i < set->n; i++) {
		const char *t = set->r[i].type ? set->r[i].type : "?";
		json_object *c = NULL;
		int64_t v = 0;
		if (json_object_object_get_ex(counts, t, &c))
			v = json_object_get_int64(c);
		if (pp_json_add_int(counts, t, v + 1) != PP_OK)
			goto nomem;
		json_object *q = json_object_new_int64(set->r[i].seq);
		if (q == NULL || json_object_array_add(seqs, q) != 0) {
			json_object_put(q);
			goto nomem;
		}
	}
	*report = rep;
	return PP_OK;
nomem:
	json_object_put(rep);
	return PP_ERR_NOMEM;
}

static enum pp_err
admin_review_day(struct pp_req *req, const struct admin_session *s)
{
	struct admin_review_set set = { 0 };
	json_object *report = NULL, *counts;
	int64_t day, today = admin_review_today();
	int signed_ = 0;
	size_t i = 0;
	enum pp_err rc;

	if ((rc = admin_review_path_day(req, &day)) != PP_OK)
		return rc;
	if ((rc = admin_review_day_report(req, day, &set, &report)) != PP_OK)
		return rc;
	if (pp_pool_cleanup(req->pool, admin_review_put, report) != PP_OK) {
		json_object_put(report);
		return PP_ERR_NOMEM;
	}
	if ((rc = admin_review_signed(req, "daily", req->param.s, &signed_)) != PP_OK)
		return rc;
	json_object_object_get_ex(report, "counts", &counts);
	json_object_object_foreach(counts, type, cnt) {
		if ((rc = admin_review_hset(req, type, "Counts.%zu.type", i)) != PP_OK ||
		    (rc = admin_review_hseti(req, json_object_get_int64(cnt), "Counts.%zu.count", i)) != PP_OK)
			return rc;
		i++;
	}
	for (i = 0; i < set.n && i < ADMIN_REVIEW_SHOW_MAX; i++) {
		const struct admin_arec *r = &set.r[i];
		const char *where = r->country ? (r->city ? pp_pool_printf(req->pool, "%s (%s)", r->country, r->city) :
		    r->country) : "";
		if ((rc = admin_review_hseti(req, r->seq, "Fail.%zu.seq", i)) != PP_OK ||
		    (rc = admin_review_hset(req, r->time, "Fail.%zu.time", i)) != PP_OK ||
		    (rc = admin_review_hset(req, r->type, "Fail.%zu.type", i)) != PP_OK ||
		    (rc = admin_review_hset(req, r->actor_kind, "Fail.%zu.actor_kind", i)) != PP_OK ||
		    (rc = admin_review_hset(req, r->actor_id, "Fail.%zu.actor", i)) != PP_OK ||
		    (rc = admin_review_hset(req, r->ip, "Fail.%zu.ip", i)) != PP_OK ||
		    (rc = admin_review_hset(req, where, "Fail.%zu.country", i)) != PP_OK ||
		    (rc = admin_review_hset(req, r->cause, "Fail.%zu.cause", i)) != PP_OK)
			return rc;
	}
	if ((rc = admin_review_hset(req, req->param.s, "Day.day")) != PP_OK ||
	    (rc = admin_review_hset(req, admin_review_wday[admin_anomaly_weekday(day)], "Day.weekday")) != PP_OK ||
	    (rc = admin_review_hseti(req, (int64_t)set.n, "Day.failures")) != PP_OK ||
	    (set.n > ADMIN_REVIEW_SHOW_MAX && (rc = admin_review_hseti(req, (int64_t)(set.n - ADMIN_REVIEW_SHOW_MAX),
	    "Day.more")) != PP_OK) ||
	    (set.truncated && (rc = admin_review_hset(req, "1", "Day.truncated")) != PP_OK) ||
	    (day >= today && (rc = admin_review_hset(req, "1", "Day.open")) != PP_OK) ||
	    (!signed_ && day < today && admin_perm_allows(s->staff.roles, ADMIN_A_REVIEW_SIGN) &&
	    (rc = admin_review_hset(req, "1", "Day.can_sign")) != PP_OK))
		return rc;
	return admin_reply(req, s, 200, "console_review_day.cs");
}

static enum pp_err
admin_review_day_sign(struct pp_req *req, const struct admin_session *s)
{
	struct admin_review_set set = { 0 };
	json_object *report = NULL, *f;
	const char *comment, *loc;
	int64_t day;
	char end[16];
	enum pp_err rc;

	if ((rc = admin_review_path_day(req, &day)) != PP_OK)
		return rc;
	if (day >= admin_review_today())
		return pp_fail(req, PP_ERR_CONFLICT, "%s is not over: a day's failed attempts are reviewed once it has ended.",
		    req->param.s);
	if ((rc = admin_review_comment(req, &comment)) != PP_OK)
		return rc;
	if ((rc = admin_review_day_report(req, day, &set, &report)) != PP_OK)
		return rc;
	admin_anomaly_day_format(day + 1, end, sizeof(end));
	json_object_object_get_ex(report, "failures", &f);
	rc = admin_review_sign(req, s, "daily", req->param.s, end, comment, report, json_object_get_int64(f));
	json_object_put(report);
	if (rc != PP_OK)
		return rc;
	if ((loc = pp_pool_printf(req->pool, "/review/%s", req->param.s)) == NULL)
		return PP_ERR_NOMEM;
	return pp_reply_redirect(req, 303, loc);
}

/* ------------------------------------------------------------ fortnightly analysis */

static const struct {
	const char *key, *title;
} admin_review_sections[] = {
	{ "bursts", "Failed-login bursts" },
	{ "otp_failures", "OTP failures per signatory" },
	{ "new_country", "Signatories authenticating from a new country" },
	{ "impossible_travel", "Impossible travel" },
	{ "country_not_allowed", "Staff logins from outside the allowed countries" },
	{ "integrity", "Integrity failures" },
	{ "off_hours", "Staff activity outside working hours" },
};
#define ADMIN_REVIEW_NSECTIONS (sizeof(admin_review_sections) / sizeof(admin_review_sections[0]))

/* The analysis of [from, from + 14 days) as a report; OUT *findings. */
static enum pp_err
admin_review_analyse(struct pp_req *req, int64_t from, json_object **report, int64_t *findings)
{
	struct admin_review_set set = { 0 };
	struct admin_anomaly_params p;
	json_object *rep, *sec[ADMIN_REVIEW_NSECTIONS], *all, *params;
	const char *invalid;
	int64_t now = (int64_t)time(NULL), to = (from + 14) * ADMIN_DAY_S;
	char a[16], b[16];
	enum pp_err rc;
	size_t i;

	*report = NULL;
	*findings = 0;
	admin_review_params(req, &p, &invalid);
	/* History first (sequence order): who authenticated from where before. */
	if ((rc = admin_review_load(req, ADMIN_REVIEW_SEL_LOGINS, (from - ADMIN_REVIEW_HISTORY_DAYS) * ADMIN_DAY_S,
	    from * ADMIN_DAY_S, 1, &set)) != PP_OK)
		return rc;
	if ((rc = admin_review_load(req, ADMIN_REVIEW_SEL_ANALYSIS, from * ADMIN_DAY_S, to < now + 1 ? to : now + 1, 0,
	    &set)) != PP_OK)
		return rc;
	if ((rep = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	admin_anomaly_day_format(from, a, sizeof(a));
	admin_anomaly_day_format(from + 14, b, sizeof(b));
	rc = PP_ERR_NOMEM;
	if (pp_json_add_str(rep, "kind", "fortnightly") != PP_OK || pp_json_add_str(rep, "from", a) != PP_OK ||
	    pp_json_add_str(rep, "to", b) != PP_OK || pp_json_add_bool(rep, "truncated", set.truncated) != PP_OK ||
	    (all = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(rep, "findings", all);
	if ((params = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(rep, "params", params);
	if (pp_json_add_int(params, "burst_threshold", p.burst_threshold) != PP_OK ||
	    pp_json_add_int(params, "burst_window_s", p.burst_window_s) != PP_OK ||
	    pp_json_add_int(params, "max_speed_kmh", p.max_speed_kmh) != PP_OK ||
	    pp_json_add_str(params, "allowed_countries", p.allowed_countries) != PP_OK ||
	    pp_json_add_str(params, "business_days", admin_param(req, "business_days", "1-5")) != PP_OK ||
	    pp_json_add_str(params, "working_hours", admin_param(req, "working_hours", "07:00-20:00")) != PP_OK)
		goto fail;
	for (i = 0; i < ADMIN_REVIEW_NSECTIONS; i++) {
		if ((sec[i] = json_object_new_array()) == NULL)
			goto fail;
		json_object_object_add(all, admin_review_sections[i].key, sec[i]);
	}
	int64_t records = 0;
	for (i = 0; i < set.n; i++)
		records += !set.r[i].baseline;
	if (pp_json_add_int(rep, "records", records) != PP_OK)
		goto fail;
	if ((rc = admin_anomaly_bursts(set.r, set.n, &p, sec[0])) != PP_OK ||
	    (rc = admin_anomaly_otp_failures(set.r, set.n, sec[1])) != PP_OK ||
	    (rc = admin_anomaly_new_country(set.r, set.n, sec[2])) != PP_OK ||
	    (rc = admin_anomaly_travel(set.r, set.n, &p, sec[3])) != PP_OK ||
	    (rc = admin_anomaly_countries(set.r, set.n, &p, sec[4])) != PP_OK ||
	    (rc = admin_anomaly_integrity(set.r, set.n, sec[5])) != PP_OK ||
	    (rc = admin_anomaly_off_hours(set.r, set.n, &p, sec[6])) != PP_OK)
		goto fail;
	for (i = 0; i < ADMIN_REVIEW_NSECTIONS; i++)
		*findings += (int64_t)json_object_array_length(sec[i]);
	*report = rep;
	return PP_OK;
fail:
	json_object_put(rep);
	return rc;
}

/* The analysis period's first day: ?from=, else the last 14 days. */
static enum pp_err
admin_review_from(struct pp_req *req, int64_t *from)
{
	const char *v = pp_req_value(req, "from");

	if (v == NULL || *v == '\0') {
		*from = admin_review_today() - 14;
		return PP_OK;
	}
	if (admin_anomaly_day_parse(v, from) != PP_OK)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "from: a day, YYYY-MM-DD.");
	return PP_OK;
}

static enum pp_err
admin_review_analysis(struct pp_req *req, const struct admin_session *s)
{
	json_object *report = NULL, *all = NULL;
	int64_t from, findings, today = admin_review_today();
	char a[16], b[16];
	int signed_ = 0;
	enum pp_err rc;

	if ((rc = admin_review_from(req, &from)) != PP_OK)
		return rc;
	if ((rc = admin_review_analyse(req, from, &report, &findings)) != PP_OK)
		return rc;
	if (pp_pool_cleanup(req->pool, admin_review_put, report) != PP_OK) {
		json_object_put(report);
		return PP_ERR_NOMEM;
	}
	admin_anomaly_day_format(from, a, sizeof(a));
	admin_anomaly_day_format(from + 14, b, sizeof(b));
	if ((rc = admin_review_signed(req, "fortnightly", a, &signed_)) != PP_OK)
		return rc;
	json_object_object_get_ex(report, "findings", &all);
	for (size_t i = 0; i < ADMIN_REVIEW_NSECTIONS; i++) {
		json_object *sec = NULL;
		char prefix[32];
		json_object_object_get_ex(all, admin_review_sections[i].key, &sec);
		if ((rc = admin_review_hset(req, admin_review_sections[i].title, "Sec.%zu.title", i)) != PP_OK ||
		    (rc = admin_review_hset(req, admin_review_sections[i].key, "Sec.%zu.key", i)) != PP_OK ||
		    (rc = admin_review_hseti(req, (int64_t)json_object_array_length(sec), "Sec.%zu.count", i)) != PP_OK)
			return rc;
		snprintf(prefix, sizeof(prefix), "Sec.%zu.f", i);
		if (i == 1) {
			/* OTP failures: one line per signatory. */
			for (size_t j = 0; j < json_object_array_length(sec) && j < ADMIN_REVIEW_SHOW_MAX; j++) {
				json_object *o = json_object_array_get_idx(sec, j), *nf = NULL;
				json_object_object_get_ex(o, "failures", &nf);
				if ((rc = admin_review_hset(req, pp_json_get_str(o, "first"), "%s.%zu.time", prefix, j)) != PP_OK ||
				    (rc = admin_review_hset(req, pp_json_get_str(o, "signatory"), "%s.%zu.actor", prefix, j)) != PP_OK ||
				    (rc = admin_review_hset(req, pp_pool_printf(req->pool, "%lld OTP failure(s), the last at %s",
				    (long long)json_object_get_int64(nf), pp_json_get_str(o, "last")), "%s.%zu.text", prefix, j)) != PP_OK)
					return rc;
			}
		} else if ((rc = admin_review_findings_hdf(req, prefix, sec)) != PP_OK) {
			return rc;
		}
	}
	json_object *rec = NULL, *tr = NULL;
	json_object_object_get_ex(report, "records", &rec);
	json_object_object_get_ex(report, "truncated", &tr);
	if ((rc = admin_review_hset(req, a, "Analysis.from")) != PP_OK ||
	    (rc = admin_review_hset(req, b, "Analysis.to")) != PP_OK ||
	    (rc = admin_review_hseti(req, findings, "Analysis.findings")) != PP_OK ||
	    (rc = admin_review_hseti(req, json_object_get_int64(rec), "Analysis.records")) != PP_OK ||
	    (json_object_get_boolean(tr) && (rc = admin_review_hset(req, "1", "Analysis.truncated")) != PP_OK) ||
	    (from + 14 > today && (rc = admin_review_hset(req, "1", "Analysis.open")) != PP_OK) ||
	    (!signed_ && from + 14 <= today && admin_perm_allows(s->staff.roles, ADMIN_A_REVIEW_SIGN) &&
	    (rc = admin_review_hset(req, "1", "Analysis.can_sign")) != PP_OK))
		return rc;
	return admin_reply(req, s, 200, "console_analysis.cs");
}

static enum pp_err
admin_review_analysis_sign(struct pp_req *req, const struct admin_session *s)
{
	json_object *report = NULL;
	const char *comment, *loc;
	int64_t from, findings;
	char a[16], b[16];
	enum pp_err rc;

	if ((rc = admin_review_from(req, &from)) != PP_OK)
		return rc;
	if (from + 14 > admin_review_today())
		return pp_fail(req, PP_ERR_CONFLICT, "The fortnight is not over: an analysis is signed off once its 14 days have ended.");
	if ((rc = admin_review_comment(req, &comment)) != PP_OK)
		return rc;
	if ((rc = admin_review_analyse(req, from, &report, &findings)) != PP_OK)
		return rc;
	admin_anomaly_day_format(from, a, sizeof(a));
	admin_anomaly_day_format(from + 14, b, sizeof(b));
	rc = admin_review_sign(req, s, "fortnightly", a, b, comment, report, findings);
	json_object_put(report);
	if (rc != PP_OK)
		return rc;
	if ((loc = pp_pool_printf(req->pool, "/analysis?from=%s", a)) == NULL)
		return PP_ERR_NOMEM;
	return pp_reply_redirect(req, 303, loc);
}

/* ------------------------------------------------------------ manual entries (AUD-2) */

static const char *const admin_review_manual_kinds[] = {
	"physical_access", "maintenance", "config_change", "personnel_change", "media_destruction", NULL
};
static const enum pp_audit_type admin_review_manual_types[] = {
	PP_AUDIT_MANUAL_PHYSICAL, PP_AUDIT_MANUAL_MAINTENANCE, PP_AUDIT_MANUAL_CONFIG, PP_AUDIT_MANUAL_PERSONNEL,
	PP_AUDIT_MANUAL_MEDIA,
};

struct admin_review_manual_rows {
	struct pp_req *req;
	size_t n;
};

static enum pp_err
admin_review_manual_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_review_manual_rows *m = ctx;
	struct pp_req *req = m->req;
	json_object *o, *actor = NULL, *d = NULL, *pr = NULL, *late = NULL;
	char *present = NULL, *desc;
	const char *cause;
	size_t i = m->n;
	enum pp_err rc;

	if (n != 2 || (c[1].type != PP_VAL_BLOB && c[1].type != PP_VAL_TEXT))
		return PP_ERR_DB;
	if (pp_json_parse(c[1].p, c[1].len, 8, 256, &o) != PP_OK)
		return PP_ERR_DB;
	if (pp_pool_cleanup(req->pool, admin_review_put, o) != PP_OK) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	json_object_object_get_ex(o, "actor", &actor);
	json_object_object_get_ex(o, "details", &d);
	json_object_object_get_ex(o, "present", &pr);
	for (size_t k = 0; pr != NULL && k < json_object_array_length(pr); k++) {
		const char *p = json_object_get_string(json_object_array_get_idx(pr, k));
		present = present ? pp_pool_printf(req->pool, "%s, %s", present, p) : pp_pool_strdup(req->pool, p);
		if (present == NULL)
			return PP_ERR_NOMEM;
	}
	/* The description: the cause, then its continuations. */
	cause = pp_json_get_str(o, "cause");
	if ((desc = pp_pool_strdup(req->pool, cause ? cause : "")) == NULL)
		return PP_ERR_NOMEM;
	for (int k = 2; d != NULL && k <= 8; k++) {
		char key[24];
		const char *more;
		snprintf(key, sizeof(key), "description_%d", k);
		if ((more = pp_json_get_str(d, key)) == NULL)
			break;
		if ((desc = pp_pool_printf(req->pool, "%s%s", desc, more)) == NULL)
			return PP_ERR_NOMEM;
	}
	json_object_object_get_ex(d, "late", &late);
	const char *type = pp_json_get_str(o, "type");
	if ((rc = admin_review_hseti(req, c[0].i, "Manual.%zu.seq", i)) != PP_OK ||
	    (rc = admin_review_hset(req, pp_json_get_str(o, "time"), "Manual.%zu.recorded", i)) != PP_OK ||
	    (rc = admin_review_hset(req, type && strncmp(type, "manual.", 7) == 0 ? type + 7 : type,
	    "Manual.%zu.kind", i)) != PP_OK ||
	    (rc = admin_review_hset(req, admin_review_str(d, "staff_name") ? admin_review_str(d, "staff_name") :
	    admin_review_str(actor, "id"), "Manual.%zu.by", i)) != PP_OK ||
	    (rc = admin_review_hset(req, admin_review_str(d, "event_time"), "Manual.%zu.event_time", i)) != PP_OK ||
	    (rc = admin_review_hset(req, present, "Manual.%zu.present", i)) != PP_OK ||
	    (rc = admin_review_hset(req, desc, "Manual.%zu.description", i)) != PP_OK ||
	    (late != NULL && json_object_get_boolean(late) &&
	    (rc = admin_review_hset(req, "1", "Manual.%zu.late", i)) != PP_OK))
		return rc;
	m->n++;
	return PP_OK;
}

/* The latest manual entries of the audit log into Manual.N. */
static enum pp_err
admin_review_manual_latest(struct pp_store *db, struct admin_review_manual_rows *m)
{
	struct pp_val b[] = { PP_VAL_I(ADMIN_REVIEW_MANUAL_SHOW) };

	return pp_store_exec(db, "SELECT seq, record FROM records WHERE type IN ('manual.physical_access',"
	    " 'manual.maintenance', 'manual.config_change', 'manual.personnel_change', 'manual.media_destruction')"
	    " ORDER BY seq DESC LIMIT ?", b, 1, admin_review_manual_row, m, NULL);
}

static enum pp_err
admin_review_manual(struct pp_req *req, const struct admin_session *s)
{
	struct admin_review_manual_rows m = { req, 0 };
	struct pp_store *db = admin_of(req)->audit_db;
	enum pp_err rc;
	time_t now = time(NULL);
	struct tm tm;
	char def[24];

	if (db == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The audit log cannot be read by the console.");
	if ((rc = admin_review_manual_latest(db, &m)) != PP_OK)
		return rc;
	/* The form's default event time: now (UTC), as datetime-local wants it. */
	gmtime_r(&now, &tm);
	strftime(def, sizeof(def), "%Y-%m-%dT%H:%M", &tm);
	if ((rc = admin_review_hset(req, def, "Form.now")) != PP_OK)
		return rc;
	for (size_t i = 0; admin_review_manual_kinds[i] != NULL; i++)
		if ((rc = admin_review_hset(req, admin_review_manual_kinds[i], "Kinds.%zu", i)) != PP_OK)
			return rc;
	return admin_reply(req, s, 200, "console_manual.cs");
}

/* "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC) -> seconds and the canonical text. */
static enum pp_err
admin_review_event_time(const char *v, int64_t *t, char *out, size_t cap)
{
	char buf[32];
	size_t n;

	if (v == NULL || (n = strlen(v)) < 16 || n > 20)
		return PP_ERR_FIELD_INVALID;
	if (v[n - 1] == 'Z')
		n--;
	if (n == 16)
		snprintf(buf, sizeof(buf), "%.16s:00Z", v);
	else if (n == 19)
		snprintf(buf, sizeof(buf), "%.19sZ", v);
	else
		return PP_ERR_FIELD_INVALID;
	if (admin_anomaly_time_parse(buf, t) != PP_OK)
		return PP_ERR_FIELD_INVALID;
	snprintf(out, cap, "%s", buf);
	return PP_OK;
}

static enum pp_err
admin_review_manual_add(struct pp_req *req, const struct admin_session *s)
{
	const char *kind = pp_req_value(req, "kind"), *desc = pp_req_value(req, "description");
	const char *present = pp_req_value(req, "present");
	struct pp_audit_event ev = { .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_STAFF,
		.actor_id = s->staff.id, .actor_role = s->staff.role_label[0] ? s->staff.role_label : NULL };
	char evtime[32], *names, *save = NULL;
	int64_t t, now = (int64_t)time(NULL);
	size_t np = 0, i, off, len;
	json_object *d;
	enum pp_err rc;

	for (i = 0; admin_review_manual_kinds[i] != NULL; i++)
		if (kind != NULL && strcmp(kind, admin_review_manual_kinds[i]) == 0)
			break;
	if (admin_review_manual_kinds[i] == NULL)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "kind: one of physical_access, maintenance, config_change,"
		    " personnel_change, media_destruction.");
	ev.type = admin_review_manual_types[i];
	if (admin_review_event_time(pp_req_value(req, "event_time"), &t, evtime, sizeof(evtime)) != PP_OK)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "event_time: the date and time of the event, UTC"
		    " (YYYY-MM-DDTHH:MM).");
	if (t > now + ADMIN_REVIEW_MANUAL_FUTURE_S)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "event_time: in the future; record an event once it happened.");
	if (desc == NULL || strspn(desc, " \t\r\n") == strlen(desc))
		return pp_fail(req, PP_ERR_FIELD_MISSING, "description: what happened, who did what (required).");
	if (admin_review_utf8_chars(desc) > ADMIN_REVIEW_DESC_MAX)
		return pp_fail(req, PP_ERR_FIELD_TOO_LONG, "description: at most %d characters.", ADMIN_REVIEW_DESC_MAX);
	/* The record holds it as one paragraph. */
	if ((desc = admin_review_flat(req, desc)) == NULL)
		return PP_ERR_NOMEM;
	/* Persons present: comma-separated names, up to the record's 8. */
	if ((names = pp_pool_strdup(req->pool, present ? present : "")) == NULL)
		return PP_ERR_NOMEM;
	for (char *p = strtok_r(names, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		char *e;
		while (*p == ' ')
			p++;
		for (e = p + strlen(p); e > p && e[-1] == ' '; e--)
			;
		*e = '\0';
		if (*p == '\0')
			continue;
		if (np == PP_AUDIT_MAX_PRESENT)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "present: at most %d persons.", PP_AUDIT_MAX_PRESENT);
		if (strlen(p) > ADMIN_REVIEW_PRESENT_MAX)
			return pp_fail(req, PP_ERR_FIELD_TOO_LONG, "present: a name is at most %d bytes.",
			    ADMIN_REVIEW_PRESENT_MAX);
		ev.present[np++] = p;
	}
	if ((d = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	rc = PP_ERR_NOMEM;
	if (pp_json_add_str(d, "event_time", evtime) != PP_OK || pp_json_add_str(d, "kind", kind) != PP_OK ||
	    pp_json_add_str(d, "staff_name", s->staff.name) != PP_OK ||
	    pp_json_add_bool(d, "late", t / ADMIN_DAY_S != now / ADMIN_DAY_S) != PP_OK ||
	    (req->client.present && pp_json_add_str(d, "certificate_sha256", req->client.sha256) != PP_OK))
		goto out;
	/* The description: the cause, and what does not fit a record's string
	 * in description_2 .. _8, cut on character boundaries. */
	len = strlen(desc);
	off = admin_review_utf8_cut(desc, PP_AUDIT_MAX_STRING);
	if ((ev.cause = pp_pool_strndup(req->pool, desc, off)) == NULL)
		goto out;
	for (int k = 2; off < len; k++) {
		size_t n = admin_review_utf8_cut(desc + off, PP_AUDIT_MAX_STRING);
		char key[24];
		const char *part;
		if (k > 8) {
			rc = pp_fail(req, PP_ERR_FIELD_TOO_LONG, "description: too long for one audit record.");
			goto out;
		}
		snprintf(key, sizeof(key), "description_%d", k);
		if ((part = pp_pool_strndup(req->pool, desc + off, n)) == NULL || pp_json_add_str(d, key, part) != PP_OK)
			goto out;
		off += n;
	}
	ev.details = d;
	if ((rc = pp_req_audit(req, &ev)) != PP_OK)
		goto out;
	json_object_put(d);
	return pp_reply_redirect(req, 303, "/manual");
out:
	json_object_put(d);
	return rc;
}

/* ------------------------------------------------------------ home-page alerts (SEC-3) */

/* Signed daily reviews of business days. */
struct admin_review_older {
	unsigned mask;
	int64_t signed_;
};

static enum pp_err
admin_review_older_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_review_older *o = ctx;
	char day[16];
	int64_t d;

	if (n == 1 && pp_val_text(&c[0], day, sizeof(day)) && admin_anomaly_day_parse(day, &d) == PP_OK &&
	    admin_anomaly_business(d, o->mask))
		o->signed_++;
	return PP_OK;
}

enum pp_err
admin_review_alerts(struct pp_req *req, const struct admin_session *s)
{
	struct admin_review_dailies *ds;
	struct admin_anomaly_params p;
	int64_t last_ms;
	const char *invalid;
	int64_t today = admin_review_today(), since = admin_review_since(req), first, now_ms;
	char day[16], text[96], href[32];
	enum pp_err rc;

	if (!admin_perm_allows(s->staff.roles, ADMIN_A_AUDIT_VIEW))
		return PP_OK;
	admin_review_params(req, &p, &invalid);
	first = today - ADMIN_REVIEW_LIST_DAYS;
	if (first < since)
		first = since;
	if ((ds = pp_pool_zalloc(req->pool, sizeof(*ds))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = admin_review_dailies(req, first, ds)) != PP_OK)
		return rc;
	for (int64_t d = first; d < today; d++) {
		if (!admin_anomaly_review_overdue(d, today, p.business_mask))
			continue;
		admin_anomaly_day_format(d, day, sizeof(day));
		if (admin_review_daily_of(ds, day) != NULL)
			continue;
		snprintf(text, sizeof(text), "Failed attempts of %s not reviewed", day);
		snprintf(href, sizeof(href), "/review/%s", day);
		if ((rc = admin_alert(req, "alarm", text, href)) != PP_OK)
			return rc;
	}
	/* Older days are not listed one by one: one alarm says how many. */
	if (since < first) {
		struct admin_review_older o = { p.business_mask, 0 };
		char a[16], b[16];
		int64_t due = 0;
		admin_anomaly_day_format(since, a, sizeof(a));
		admin_anomaly_day_format(first, b, sizeof(b));
		struct pp_val ob[] = { PP_VAL_S(a), PP_VAL_S(b) };
		if ((rc = pp_store_exec(admin_db(req), "SELECT DISTINCT period_start FROM reviews WHERE kind = 'daily'"
		    " AND period_start >= ? AND period_start < ?", ob, 2, admin_review_older_row, &o, NULL)) != PP_OK)
			return rc;
		for (int64_t d = since; d < first; d++)
			due += admin_anomaly_business(d, p.business_mask);
		if (due > o.signed_) {
			snprintf(text, sizeof(text), "%lld business day(s) between %s and %s not reviewed",
			    (long long)(due - o.signed_), a, b);
			if ((rc = admin_alert(req, "alarm", text, "/review")) != PP_OK)
				return rc;
		}
	}
	now_ms = (int64_t)time(NULL) * 1000;
	static const struct {
		const char *kind, *text, *href;
		int days;
	} due[] = {
		{ "fortnightly", "No fortnightly analysis of the audit log signed off in the last 14 days", "/analysis", 14 },
		{ "monthly", "No monthly reconciliation signed off in the last 31 days", "/reconciliation", 31 },
	};
	for (size_t i = 0; i < sizeof(due) / sizeof(due[0]); i++) {
		struct pp_val b[] = { PP_VAL_S(due[i].kind) };
		if (today - since < due[i].days)
			continue;	/* not due yet since the review started */
		last_ms = 0;
		if ((rc = pp_store_exec(admin_db(req), "SELECT max(signed_ms) FROM reviews WHERE kind = ?", b, 1,
		    pp_store_int_row, &last_ms, NULL)) != PP_OK)
			return rc;
		if (last_ms >= now_ms - (int64_t)due[i].days * ADMIN_DAY_S * 1000)
			continue;
		if ((rc = admin_alert(req, "warning", due[i].text, due[i].href)) != PP_OK)
			return rc;
	}
	if (invalid != NULL) {
		snprintf(text, sizeof(text), "Console parameter %s is invalid: its default is used", invalid);
		if ((rc = admin_alert(req, "warning", text, "/review")) != PP_OK)
			return rc;
	}
	return PP_OK;
}

/* ------------------------------------------------------------ pages */

#define ADMIN_REVIEW_CSRF { "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL }
/* Bytes: the character limit is checked by the handler. */
#define ADMIN_REVIEW_COMMENT { "comment", PP_FIELD_TEXT, 4 * ADMIN_REVIEW_COMMENT_MAX, 1, 0, 0, NULL }

static const struct pp_field admin_review_sign_fields[] = { ADMIN_REVIEW_CSRF, ADMIN_REVIEW_COMMENT };
static const struct pp_field admin_review_from_fields[] = {
	{ "from", PP_FIELD_STRING, 10, 0, 0, 0, NULL },
};
static const struct pp_field admin_review_from_sign_fields[] = {
	ADMIN_REVIEW_CSRF, ADMIN_REVIEW_COMMENT, { "from", PP_FIELD_STRING, 10, 1, 0, 0, NULL },
};
static const struct pp_field admin_review_month_fields[] = {
	{ "month", PP_FIELD_STRING, 7, 0, 0, 0, NULL },
};
static const struct pp_field admin_review_month_sign_fields[] = {
	ADMIN_REVIEW_CSRF, ADMIN_REVIEW_COMMENT, { "month", PP_FIELD_STRING, 7, 1, 0, 0, NULL },
};
static const struct pp_field admin_review_manual_fields[] = {
	ADMIN_REVIEW_CSRF,
	{ "kind", PP_FIELD_ENUM, 32, 1, 0, 0, admin_review_manual_kinds },
	{ "event_time", PP_FIELD_STRING, 20, 1, 0, 0, NULL },
	{ "present", PP_FIELD_STRING, PP_AUDIT_MAX_PRESENT * (ADMIN_REVIEW_PRESENT_MAX + 2), 0, 0, 0, NULL },
	{ "description", PP_FIELD_TEXT, ADMIN_REVIEW_DESC_BYTES, 1, 0, 0, NULL },
};
#define ADMIN_REVIEW_N(a) (sizeof(a) / sizeof((a)[0]))

static const struct admin_page admin_review_page_list[] = {
	{ PP_GET, "/review", ADMIN_A_AUDIT_VIEW, admin_review_list, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/review/{id}", ADMIN_A_AUDIT_VIEW, admin_review_day, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/review/{id}", ADMIN_A_REVIEW_SIGN, admin_review_day_sign, PP_BODY_FORM,
	  admin_review_sign_fields, ADMIN_REVIEW_N(admin_review_sign_fields) },
	{ PP_GET, "/analysis", ADMIN_A_AUDIT_VIEW, admin_review_analysis, PP_BODY_NONE,
	  admin_review_from_fields, ADMIN_REVIEW_N(admin_review_from_fields) },
	{ PP_POST, "/analysis", ADMIN_A_REVIEW_SIGN, admin_review_analysis_sign, PP_BODY_FORM,
	  admin_review_from_sign_fields, ADMIN_REVIEW_N(admin_review_from_sign_fields) },
	{ PP_GET, "/reconciliation", ADMIN_A_AUDIT_VIEW, admin_recon_page, PP_BODY_NONE,
	  admin_review_month_fields, ADMIN_REVIEW_N(admin_review_month_fields) },
	{ PP_POST, "/reconciliation", ADMIN_A_REVIEW_SIGN, admin_recon_sign, PP_BODY_FORM,
	  admin_review_month_sign_fields, ADMIN_REVIEW_N(admin_review_month_sign_fields) },
	{ PP_GET, "/manual", ADMIN_A_MANUAL_ENTRY, admin_review_manual, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/manual", ADMIN_A_MANUAL_ENTRY, admin_review_manual_add, PP_BODY_FORM,
	  admin_review_manual_fields, ADMIN_REVIEW_N(admin_review_manual_fields) },
};

const struct admin_pages admin_review_pages = {
	admin_review_page_list, ADMIN_REVIEW_N(admin_review_page_list)
};
