/*
 * admin_recon: the monthly reconciliation of the audit review (AUD-6).
 *
 *   GET  /reconciliation?month=YYYY-MM   every mismatch of the month
 *   POST /reconciliation                 signs it off (reviews kind monthly)
 *
 * Two halves.  The log: every signature.create of the month has the
 * sad.issue of its SAD (details.sad_id), the signatory's successful
 * authentication and the SCA's request in the same correlation (the CSC
 * session or the authorisation request) before that SAD was issued
 * (admin_anomaly_reconcile).  The HSM: every private key in the token has
 * a live credential and every live credential its key (the SAM's
 * staff.keys.inventory; the console never touches the token).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "admin_review.h"
#include "pp_core.h"
#include "pp_json.h"

/* SADs live minutes and requests hours: a signature early in the month
 * finds its SAD and authentication in the week before. */
#define ADMIN_RECON_LOOKBACK_DAYS 7

/* "YYYY-MM" -> its first day and the next month's. */
static enum pp_err
admin_recon_month(const char *v, int64_t *first, int64_t *next)
{
	char buf[16];
	unsigned y, m;

	if (v == NULL || strlen(v) != 7 || v[4] != '-' || sscanf(v, "%4u-%2u", &y, &m) != 2 || m < 1 || m > 12)
		return PP_ERR_FIELD_INVALID;
	snprintf(buf, sizeof(buf), "%.7s-01", v);
	if (admin_anomaly_day_parse(buf, first) != PP_OK)
		return PP_ERR_FIELD_INVALID;
	snprintf(buf, sizeof(buf), "%04u-%02u-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
	return admin_anomaly_day_parse(buf, next);
}

/* The month asked for, else the last month (the one to reconcile). */
static enum pp_err
admin_recon_period(struct pp_req *req, char *month, size_t cap, int64_t *first, int64_t *next)
{
	const char *v = pp_req_value(req, "month");
	char day[16];

	if (v == NULL || *v == '\0') {
		admin_anomaly_day_format(admin_review_today(), day, sizeof(day));
		int64_t f, n;
		if (admin_recon_month(pp_pool_strndup(req->pool, day, 7), &f, &n) != PP_OK)
			return PP_ERR_INTERNAL;
		admin_anomaly_day_format(f - 1, day, sizeof(day));
		v = pp_pool_strndup(req->pool, day, 7);
		if (v == NULL)
			return PP_ERR_NOMEM;
	}
	if (admin_recon_month(v, first, next) != PP_OK)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "month: YYYY-MM.");
	snprintf(month, cap, "%s", v);
	return PP_OK;
}

static enum pp_err
admin_recon_add(json_object *out, const char *rule, const char *text)
{
	json_object *f = json_object_new_object();

	if (f == NULL || json_object_array_add(out, f) != 0) {
		json_object_put(f);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(f, "rule", rule) != PP_OK || pp_json_add_int(f, "seq", 0) != PP_OK ||
	    pp_json_add_str(f, "time", "") != PP_OK || pp_json_add_str(f, "actor", "") != PP_OK ||
	    pp_json_add_str(f, "text", text) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static const char *
admin_recon_or(const char *s, const char *def)
{
	return s != NULL && *s ? s : def;
}

/* The HSM half: mismatches from the SAM's inventory into hsm (an object:
 * "available", "keys", "credentials_active", "error") and out. */
static enum pp_err
admin_recon_hsm(struct pp_req *req, const struct admin_session *s, json_object *hsm, json_object *out)
{
	json_object *ans = NULL, *v, *list;
	const char *err;
	char text[512];
	enum pp_err rc;

	rc = admin_sam_call(req, s, "staff.keys.inventory", NULL, &ans);
	if (rc == PP_ERR_NOMEM)
		return rc;
	if (rc != PP_OK || (err = pp_json_get_str(ans, "error")) != NULL) {
		const char *why = rc != PP_OK ? admin_recon_or(req->detail, "the SAM did not answer") :
		    admin_recon_or(pp_json_get_str(ans, "error_description"), err);
		req->detail = NULL;
		if (pp_json_add_bool(hsm, "available", 0) != PP_OK || pp_json_add_str(hsm, "error", why) != PP_OK)
			return PP_ERR_NOMEM;
		return PP_OK;
	}
	if (pp_json_add_bool(hsm, "available", 1) != PP_OK)
		return PP_ERR_NOMEM;
	if (json_object_object_get_ex(ans, "keys", &v) && pp_json_add_int(hsm, "keys", json_object_get_int64(v)) != PP_OK)
		return PP_ERR_NOMEM;
	if (json_object_object_get_ex(ans, "credentials_active", &v) &&
	    pp_json_add_int(hsm, "credentials_active", json_object_get_int64(v)) != PP_OK)
		return PP_ERR_NOMEM;
	if (json_object_object_get_ex(ans, "keys_without_credential", &list) && json_object_is_type(list, json_type_array))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *k = json_object_array_get_idx(list, i);
			const char *cred = pp_json_get_str(k, "credential");
			snprintf(text, sizeof(text), "HSM key %s (%s%s%s) has no live credential%s%s%s",
			    admin_recon_or(pp_json_get_str(k, "key_id"), "without id"),
			    admin_recon_or(pp_json_get_str(k, "key_type"), "?"),
			    pp_json_get_str(k, "label") ? ", label " : "", admin_recon_or(pp_json_get_str(k, "label"), ""),
			    cred ? ": it belongs to credential " : "", cred ? cred : "",
			    cred ? pp_pool_printf(req->pool, " (%s)", admin_recon_or(pp_json_get_str(k, "state"), "?")) : "");
			if ((rc = admin_recon_add(out, "key_without_credential", text)) != PP_OK)
				return rc;
		}
	if (json_object_object_get_ex(ans, "credentials_without_key", &list) && json_object_is_type(list, json_type_array))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *c = json_object_array_get_idx(list, i);
			snprintf(text, sizeof(text), "credential %s of signatory %s (%s) has no key in the HSM (key id %s)",
			    admin_recon_or(pp_json_get_str(c, "credential"), "?"),
			    admin_recon_or(pp_json_get_str(c, "signatory"), "?"),
			    admin_recon_or(pp_json_get_str(c, "state"), "?"),
			    admin_recon_or(pp_json_get_str(c, "key_id"), "?"));
			if ((rc = admin_recon_add(out, "credential_without_key", text)) != PP_OK)
				return rc;
		}
	return PP_OK;
}

/* The reconciliation of month as a report; OUT *findings (mismatches). */
static enum pp_err
admin_recon_build(struct pp_req *req, const struct admin_session *s, const char *month, int64_t first,
    int64_t next, json_object **report, int64_t *findings)
{
	struct admin_review_set set = { 0 };
	json_object *rep, *mism, *hsm;
	int64_t now = (int64_t)time(NULL), to = next * ADMIN_DAY_S, sigs = 0;
	enum pp_err rc;

	*report = NULL;
	if ((rc = admin_review_load(req, ADMIN_REVIEW_SEL_RECON, (first - ADMIN_RECON_LOOKBACK_DAYS) * ADMIN_DAY_S,
	    first * ADMIN_DAY_S, 1, &set)) != PP_OK ||
	    (rc = admin_review_load(req, ADMIN_REVIEW_SEL_RECON, first * ADMIN_DAY_S, to < now + 1 ? to : now + 1, 0,
	    &set)) != PP_OK)
		return rc;
	for (size_t i = 0; i < set.n; i++)
		sigs += !set.r[i].baseline && set.r[i].type && strcmp(set.r[i].type, "signature.create") == 0 &&
		    set.r[i].outcome && strcmp(set.r[i].outcome, "success") == 0;
	if ((rep = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	rc = PP_ERR_NOMEM;
	if (pp_json_add_str(rep, "kind", "monthly") != PP_OK || pp_json_add_str(rep, "month", month) != PP_OK ||
	    pp_json_add_int(rep, "signatures", sigs) != PP_OK || pp_json_add_bool(rep, "truncated", set.truncated) != PP_OK ||
	    (mism = json_object_new_array()) == NULL)
		goto fail;
	json_object_object_add(rep, "mismatches", mism);
	if ((hsm = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(rep, "hsm", hsm);
	if ((rc = admin_anomaly_reconcile(set.r, set.n, mism)) != PP_OK ||
	    (rc = admin_recon_hsm(req, s, hsm, mism)) != PP_OK)
		goto fail;
	*findings = (int64_t)json_object_array_length(mism);
	*report = rep;
	return PP_OK;
fail:
	json_object_put(rep);
	return rc;
}

static void
admin_recon_put(void *arg)
{
	json_object_put(arg);
}

enum pp_err
admin_recon_page(struct pp_req *req, const struct admin_session *s)
{
	json_object *report = NULL, *mism = NULL, *hsm = NULL, *v;
	int64_t first, next, findings = 0;
	char month[8], day[16];
	int signed_ = 0;
	enum pp_err rc;

	if ((rc = admin_recon_period(req, month, sizeof(month), &first, &next)) != PP_OK)
		return rc;
	if ((rc = admin_recon_build(req, s, month, first, next, &report, &findings)) != PP_OK)
		return rc;
	if (pp_pool_cleanup(req->pool, admin_recon_put, report) != PP_OK) {
		json_object_put(report);
		return PP_ERR_NOMEM;
	}
	admin_anomaly_day_format(first, day, sizeof(day));
	if ((rc = admin_review_signed(req, "monthly", day, &signed_)) != PP_OK)
		return rc;
	json_object_object_get_ex(report, "mismatches", &mism);
	json_object_object_get_ex(report, "hsm", &hsm);
	if ((rc = admin_review_findings_hdf(req, "Mismatch", mism)) != PP_OK)
		return rc;
	for (size_t i = 0; i < json_object_array_length(mism) && i < 2000; i++)
		if ((rc = admin_review_hset(req, pp_json_get_str(json_object_array_get_idx(mism, i), "rule"),
		    "Mismatch.%zu.rule", i)) != PP_OK)
			return rc;
	if ((rc = admin_review_hset(req, month, "Recon.month")) != PP_OK ||
	    (rc = admin_review_hseti(req, findings, "Recon.mismatches")) != PP_OK)
		return rc;
	if (json_object_object_get_ex(report, "signatures", &v) &&
	    (rc = admin_review_hseti(req, json_object_get_int64(v), "Recon.signatures")) != PP_OK)
		return rc;
	if (json_object_object_get_ex(report, "truncated", &v) && json_object_get_boolean(v) &&
	    (rc = admin_review_hset(req, "1", "Recon.truncated")) != PP_OK)
		return rc;
	if (json_object_object_get_ex(hsm, "available", &v) && json_object_get_boolean(v)) {
		if ((rc = admin_review_hset(req, "1", "Recon.hsm")) != PP_OK)
			return rc;
		if (json_object_object_get_ex(hsm, "keys", &v) &&
		    (rc = admin_review_hseti(req, json_object_get_int64(v), "Recon.keys")) != PP_OK)
			return rc;
		if (json_object_object_get_ex(hsm, "credentials_active", &v) &&
		    (rc = admin_review_hseti(req, json_object_get_int64(v), "Recon.credentials")) != PP_OK)
			return rc;
	} else if ((rc = admin_review_hset(req, pp_json_get_str(hsm, "error"), "Recon.hsm_error")) != PP_OK) {
		return rc;
	}
	if ((next > admin_review_today() && (rc = admin_review_hset(req, "1", "Recon.open")) != PP_OK) ||
	    (!signed_ && next <= admin_review_today() && admin_perm_allows(s->staff.roles, ADMIN_A_REVIEW_SIGN) &&
	    (rc = admin_review_hset(req, "1", "Recon.can_sign")) != PP_OK))
		return rc;
	return admin_reply(req, s, 200, "console_recon.cs");
}

enum pp_err
admin_recon_sign(struct pp_req *req, const struct admin_session *s)
{
	json_object *report = NULL, *hsm = NULL, *v = NULL;
	const char *comment, *loc;
	int64_t first, next, findings = 0;
	char month[8], a[16], b[16];
	enum pp_err rc;

	if ((rc = admin_recon_period(req, month, sizeof(month), &first, &next)) != PP_OK)
		return rc;
	if (next > admin_review_today())
		return pp_fail(req, PP_ERR_CONFLICT, "%s is not over: a month is reconciled once it has ended.", month);
	if ((rc = admin_review_comment(req, &comment)) != PP_OK)
		return rc;
	if ((rc = admin_recon_build(req, s, month, first, next, &report, &findings)) != PP_OK)
		return rc;
	/* Without the HSM half the reconciliation is not complete: nothing
	 * to sign. */
	json_object_object_get_ex(report, "hsm", &hsm);
	if (!json_object_object_get_ex(hsm, "available", &v) || !json_object_get_boolean(v)) {
		rc = pp_fail(req, PP_ERR_UNAVAILABLE, "The HSM inventory is unavailable (%s): the reconciliation"
		    " cannot be signed off without it.", admin_recon_or(pp_json_get_str(hsm, "error"), "?"));
		json_object_put(report);
		return rc;
	}
	admin_anomaly_day_format(first, a, sizeof(a));
	admin_anomaly_day_format(next, b, sizeof(b));
	rc = admin_review_sign(req, s, "monthly", a, b, comment, report, findings);
	json_object_put(report);
	if (rc != PP_OK)
		return rc;
	if ((loc = pp_pool_printf(req->pool, "/reconciliation?month=%s", month)) == NULL)
		return PP_ERR_NOMEM;
	return pp_reply_redirect(req, 303, loc);
}
