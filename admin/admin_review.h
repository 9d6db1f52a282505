/*
 * The audit review's shared helpers (admin_review.c), used by its pages
 * and by the monthly reconciliation (admin_recon.c).
 */
#ifndef ADMIN_REVIEW_H
#define ADMIN_REVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "admin.h"
#include "admin_anomaly.h"

/* Most records one review page reads from audit.db (the rest is said to
 * be left out: the page, and the report, say "truncated"). */
#define ADMIN_REVIEW_MAX_RECORDS 200000
/* Longest comment of a sign-off, in characters. */
#define ADMIN_REVIEW_COMMENT_MAX 2000

/* Which records a load selects (each a compiled-in query). */
enum admin_review_sel {
	ADMIN_REVIEW_SEL_FAILURES,	/* outcome failure */
	ADMIN_REVIEW_SEL_ANALYSIS,	/* logins, authentications, integrity, staff actions */
	ADMIN_REVIEW_SEL_LOGINS,	/* role.login(_failure), signatory.auth */
	ADMIN_REVIEW_SEL_RECON,		/* signature.create, sad.*, signatory.auth */
	ADMIN_REVIEW_SEL__MAX
};

/* Records read from audit.db, in sequence order; the strings belong to
 * parsed records freed with the request's pool. */
struct admin_review_set {
	struct admin_arec *r;
	size_t n, cap;
	int truncated;
	/* Private: the parsed records, and where the pool's cleanup finds r. */
	json_object *keep;
	void **hold;
};

/* Appends to set the records of sel whose time is in [from_t, to_t)
 * (seconds, UTC), marked baseline when baseline is set.  PP_ERR_UNAVAILABLE
 * (with a detail) when the console cannot read audit.db. */
enum pp_err admin_review_load(struct pp_req *req, enum admin_review_sel sel, int64_t from_t, int64_t to_t,
    int baseline, struct admin_review_set *set) PP_WUR;

/* Today (days since the epoch, UTC) and the first day reviews are due
 * (console parameter review_since, default the console's install day). */
int64_t admin_review_today(void);
int64_t admin_review_since(struct pp_req *req);

/* Checks a sign-off comment: 1..ADMIN_REVIEW_COMMENT_MAX characters. */
enum pp_err admin_review_comment(struct pp_req *req, const char **comment) PP_WUR;

/* Stores a sign-off of kind ("daily", "fortnightly", "monthly") for
 * [period_start, period_end) with its report (JSON, as signed) and
 * findings, and records audit.review, in one transaction: a period
 * already signed is PP_ERR_CONFLICT (nothing recorded). */
enum pp_err admin_review_sign(struct pp_req *req, const struct admin_session *s, const char *kind,
    const char *period_start, const char *period_end, const char *comment, json_object *report,
    int64_t findings) PP_WUR;

/* Sets Signed.* in the page data when kind's period_start is signed
 * (reviewer, time, comment, findings); *signed_ (may be NULL) 1 then. */
enum pp_err admin_review_signed(struct pp_req *req, const char *kind, const char *period_start,
    int *signed_) PP_WUR;

/* Page data of a findings list: prefix.N.{seq,time,actor,text,href}. */
enum pp_err admin_review_findings_hdf(struct pp_req *req, const char *prefix, json_object *findings) PP_WUR;

/* Page data: the value (NULL: "") or integer at a printf-formatted name. */
enum pp_err admin_review_hset(struct pp_req *req, const char *value, const char *namefmt, ...) PP_WUR
	__attribute__((format(printf, 3, 4)));
enum pp_err admin_review_hseti(struct pp_req *req, int64_t value, const char *namefmt, ...) PP_WUR
	__attribute__((format(printf, 3, 4)));
/* "YYYY-MM-DD HH:MM:SS UTC" of a time in ms, in pool memory. */
const char *admin_review_ms_str(struct pp_req *req, int64_t ms);
/* The console parameters of the analysis (defaults when unset or invalid;
 * *invalid names the first invalid one, or NULL). */
void admin_review_params(struct pp_req *req, struct admin_anomaly_params *p, const char **invalid);

/* admin_recon.c: the monthly reconciliation's pages (in admin_review_pages). */
enum pp_err admin_recon_page(struct pp_req *req, const struct admin_session *s) PP_WUR;
enum pp_err admin_recon_sign(struct pp_req *req, const struct admin_session *s) PP_WUR;

#endif
