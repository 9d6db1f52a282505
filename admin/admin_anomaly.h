/*
 * The pure half of the audit review (AUD-6, SEC-3): calendar arithmetic
 * (business days, working hours) and the analysis rules run over audit
 * records already read from audit.db.  No I/O here: admin_review.c and
 * admin_recon.c read the records and the console parameters, these
 * functions decide; the unit tests drive them with hand-made record lists.
 *
 * Days are counted from 1970-01-01 (day 0, a Thursday), UTC.  Weekdays
 * are ISO: 1 = Monday ... 7 = Sunday; a set of business days is a mask of
 * ADMIN_WD(1..7) bits.
 */
#ifndef ADMIN_ANOMALY_H
#define ADMIN_ANOMALY_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"

#define ADMIN_WD(d) (1u << (d))
#define ADMIN_DAY_S 86400

/* One audit record as the rules see it.  Every string is borrowed (the
 * caller's parsed record) and may be NULL when the record lacks it. */
struct admin_arec {
	int64_t seq;
	int64_t t;			/* seconds since the epoch, UTC */
	const char *time;		/* the record's "time" */
	const char *type, *outcome;
	const char *actor_kind, *actor_id;
	const char *requester, *recipient, *correlation, *ip, *cause;
	const char *country, *city;	/* details.country, details.city */
	const char *sad_id, *op, *step, *otp_id, *credential;	/* details */
	int has_geo;			/* details.geo parsed into lat, lon */
	double lat, lon;
	int baseline;			/* before the analysed period: history only */
};

/* --- calendar */
/* "YYYY-MM-DD" (a real date, 1970..9999) -> *day.  PP_ERR_FIELD_INVALID. */
enum pp_err admin_anomaly_day_parse(const char *s, int64_t *day) PP_WUR;
/* out: "YYYY-MM-DD" of day (cap >= 11). */
void admin_anomaly_day_format(int64_t day, char *out, size_t cap);
/* ISO weekday (1 Monday .. 7 Sunday) of day. */
unsigned admin_anomaly_weekday(int64_t day);
/* "1-5", "1,2,3,4,5", "1 2 3 4 5", "1-3,6" (ISO weekdays) -> mask; an
 * empty set or anything else: PP_ERR_FIELD_INVALID. */
enum pp_err admin_anomaly_days_parse(const char *s, unsigned *mask) PP_WUR;
/* "HH:MM-HH:MM" (from < to, 00:00..24:00) -> minutes of the day. */
enum pp_err admin_anomaly_hours_parse(const char *s, int *from_min, int *to_min) PP_WUR;
/* 1 when day is a business day of mask. */
int admin_anomaly_business(int64_t day, unsigned mask);
/* The first business day after day (mask non-empty). */
int64_t admin_anomaly_next_business(int64_t day, unsigned mask);
/* 1 when the daily review of business day `day` is overdue on day
 * `today`: the next business day after it is over too (SEC-3). */
int admin_anomaly_review_overdue(int64_t day, int64_t today, unsigned mask);
/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" -> seconds since the epoch. */
enum pp_err admin_anomaly_time_parse(const char *s, int64_t *t) PP_WUR;
/* "lat,lon" decimal degrees -> values; PP_ERR_FIELD_INVALID. */
enum pp_err admin_anomaly_geo_parse(const char *s, double *lat, double *lon) PP_WUR;
/* Great-circle distance in km (haversine, mean Earth radius 6371 km). */
double admin_anomaly_distance_km(double lat1, double lon1, double lat2, double lon2);

/* --- rules.  Each appends its findings to the JSON array out, one object
 * each: {"rule", "seq", "time", "actor", "text", ...}; records r[0..n) are
 * in sequence order.  Records marked baseline produce no finding. */
struct admin_anomaly_params {
	int64_t burst_threshold;	/* failures, >= 2 */
	int64_t burst_window_s;		/* 600 */
	int64_t max_speed_kmh;		/* impossible travel above this */
	const char *allowed_countries;	/* space-separated ISO codes; "" = no rule */
	unsigned business_mask;
	int work_from_min, work_to_min;	/* working hours, UTC */
};

/* Bursts of failed logins (role.login_failure, failed signatory.auth): at
 * least burst_threshold from one IP, or from one actor, within
 * burst_window_s.  One finding per burst. */
enum pp_err admin_anomaly_bursts(const struct admin_arec *r, size_t n,
    const struct admin_anomaly_params *p, json_object *out) PP_WUR;
/* OTP failures per signatory: out gets {"signatory", "failures", "first",
 * "last"} per signatory with at least one. */
enum pp_err admin_anomaly_otp_failures(const struct admin_arec *r, size_t n, json_object *out) PP_WUR;
/* A signatory authenticating (signatory.auth success) from a country never
 * seen for them before; their first authentication sets the baseline. */
enum pp_err admin_anomaly_new_country(const struct admin_arec *r, size_t n, json_object *out) PP_WUR;
/* Two successive located authentications or logins of one actor (the
 * signatory of a signatory.auth, the staff member of a role.login) too
 * far apart for the time between them. */
enum pp_err admin_anomaly_travel(const struct admin_arec *r, size_t n,
    const struct admin_anomaly_params *p, json_object *out) PP_WUR;
/* Staff logins and failed logins from a country outside allowed_countries
 * (nothing when the rule is empty). */
enum pp_err admin_anomaly_countries(const struct admin_arec *r, size_t n,
    const struct admin_anomaly_params *p, json_object *out) PP_WUR;
/* Integrity failures: audit.failure, audit.message_refused, failed
 * archive.check, access.denied. */
enum pp_err admin_anomaly_integrity(const struct admin_arec *r, size_t n, json_object *out) PP_WUR;
/* Staff actions outside the working hours or on a non-business day. */
enum pp_err admin_anomaly_off_hours(const struct admin_arec *r, size_t n,
    const struct admin_anomaly_params *p, json_object *out) PP_WUR;

/* --- reconciliation (admin_recon.c reads, this decides).  Every successful
 * signature.create in r (non-baseline) must have: a successful sad.issue
 * with the same details.sad_id; a successful signatory.auth of the same
 * correlation (session or authorisation request) before that issue; and
 * the SCA's request: a record of that correlation whose actor is the SCA
 * that asked for the signature.  Appends {"rule", "seq", "time", "text"}
 * per mismatch. */
enum pp_err admin_anomaly_reconcile(const struct admin_arec *r, size_t n, json_object *out) PP_WUR;

#endif
