/* Unit tests of admin/admin_anomaly.c: the calendar and the audit review's
 * rules, on hand-made record lists. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "admin_anomaly.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_test.h"

static int64_t
day_of(const char *s)
{
	int64_t d = -1;
	assert_int_equal(admin_anomaly_day_parse(s, &d), PP_OK);
	return d;
}

static int64_t
time_of(const char *s)
{
	int64_t t = -1;
	assert_int_equal(admin_anomaly_time_parse(s, &t), PP_OK);
	return t;
}

static void
test_days(void **state)
{
	char buf[16];
	int64_t d;

	(void)state;
	assert_int_equal(day_of("1970-01-01"), 0);
	assert_int_equal(admin_anomaly_weekday(0), 4);			/* Thursday */
	assert_int_equal(admin_anomaly_weekday(day_of("2026-11-21")), 6);	/* Saturday */
	assert_int_equal(admin_anomaly_weekday(day_of("2026-11-23")), 1);	/* Monday */
	assert_int_equal(day_of("2024-03-01") - day_of("2024-02-28"), 2);	/* leap year */
	assert_int_equal(day_of("2100-03-01") - day_of("2100-02-28"), 1);	/* not leap */
	admin_anomaly_day_format(day_of("2026-11-19"), buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-19");
	admin_anomaly_day_format(day_of("2000-02-29"), buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29");
	assert_int_not_equal(admin_anomaly_day_parse("2026-02-29", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_day_parse("2026-13-01", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_day_parse("2026-1-01", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_day_parse("2026-01-01x", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_day_parse("1969-12-31", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_day_parse(NULL, &d), PP_OK);
	assert_int_equal(time_of("1970-01-02T00:00:01Z"), 86401);
	assert_int_equal(time_of("2026-11-21T06:05:38.123456Z"), day_of("2026-11-21") * 86400 + 6 * 3600 + 5 * 60 + 38);
	assert_int_not_equal(admin_anomaly_time_parse("2026-11-21T06:05:38", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_time_parse("2026-11-21T24:05:38Z", &d), PP_OK);
	assert_int_not_equal(admin_anomaly_time_parse("2026-11-21T06:05:38.Z", &d), PP_OK);
}

static void
test_business_days(void **state)
{
	unsigned m;
	int from, to;
	int64_t fri = day_of("2026-11-20"), sat = fri + 1, mon = fri + 3, tue = fri + 4, wed = fri + 5;

	(void)state;
	assert_int_equal(admin_anomaly_days_parse("1-5", &m), PP_OK);
	assert_int_equal(m, ADMIN_WD(1) | ADMIN_WD(2) | ADMIN_WD(3) | ADMIN_WD(4) | ADMIN_WD(5));
	assert_int_equal(admin_anomaly_days_parse("1,3,5-7", &m), PP_OK);
	assert_int_equal(m, ADMIN_WD(1) | ADMIN_WD(3) | ADMIN_WD(5) | ADMIN_WD(6) | ADMIN_WD(7));
	assert_int_not_equal(admin_anomaly_days_parse("", &m), PP_OK);
	assert_int_not_equal(admin_anomaly_days_parse("0-5", &m), PP_OK);
	assert_int_not_equal(admin_anomaly_days_parse("5-1", &m), PP_OK);
	assert_int_not_equal(admin_anomaly_days_parse("1-5,", &m), PP_OK);
	assert_int_equal(admin_anomaly_days_parse("1 2 3 4 5", &m), PP_OK);	/* the proposal form's */
	assert_int_equal(m, ADMIN_WD(1) | ADMIN_WD(2) | ADMIN_WD(3) | ADMIN_WD(4) | ADMIN_WD(5));
	assert_int_not_equal(admin_anomaly_days_parse("1  2", &m), PP_OK);
	assert_int_not_equal(admin_anomaly_days_parse("1 ", &m), PP_OK);
	assert_int_not_equal(admin_anomaly_days_parse("8", &m), PP_OK);
	assert_int_equal(admin_anomaly_days_parse("1-5", &m), PP_OK);
	assert_true(admin_anomaly_business(fri, m));
	assert_false(admin_anomaly_business(sat, m));
	assert_int_equal(admin_anomaly_next_business(fri, m), mon);
	/* Friday's review: due once Monday is over, i.e. overdue on Tuesday. */
	assert_false(admin_anomaly_review_overdue(fri, sat, m));
	assert_false(admin_anomaly_review_overdue(fri, mon, m));
	assert_true(admin_anomaly_review_overdue(fri, tue, m));
	/* Monday's: overdue on Wednesday; a Saturday never. */
	assert_false(admin_anomaly_review_overdue(mon, tue, m));
	assert_true(admin_anomaly_review_overdue(mon, wed, m));
	assert_false(admin_anomaly_review_overdue(sat, wed + 30, m));

	assert_int_equal(admin_anomaly_hours_parse("07:00-20:00", &from, &to), PP_OK);
	assert_int_equal(from, 420);
	assert_int_equal(to, 1200);
	assert_int_equal(admin_anomaly_hours_parse("00:00-24:00", &from, &to), PP_OK);
	assert_int_not_equal(admin_anomaly_hours_parse("20:00-07:00", &from, &to), PP_OK);
	assert_int_not_equal(admin_anomaly_hours_parse("7:00-20:00", &from, &to), PP_OK);
	assert_int_not_equal(admin_anomaly_hours_parse("07:60-20:00", &from, &to), PP_OK);
}

static void
test_distance(void **state)
{
	double lat, lon, km;

	(void)state;
	assert_int_equal(admin_anomaly_geo_parse("48.8566,2.3522", &lat, &lon), PP_OK);
	assert_true(lat > 48.85 && lat < 48.86 && lon > 2.35 && lon < 2.36);
	assert_int_not_equal(admin_anomaly_geo_parse("48.8566", &lat, &lon), PP_OK);
	assert_int_not_equal(admin_anomaly_geo_parse("91,2", &lat, &lon), PP_OK);
	assert_int_not_equal(admin_anomaly_geo_parse("48,2x", &lat, &lon), PP_OK);
	assert_int_not_equal(admin_anomaly_geo_parse("nan,2", &lat, &lon), PP_OK);
	/* Paris - Tokyo: about 9,700 km; Paris - Lyon about 392 km. */
	km = admin_anomaly_distance_km(48.8566, 2.3522, 35.6762, 139.6503);
	assert_true(km > 9650 && km < 9770);
	km = admin_anomaly_distance_km(48.8566, 2.3522, 45.7640, 4.8357);
	assert_true(km > 385 && km < 400);
	assert_true(admin_anomaly_distance_km(10, 20, 10, 20) < 1e-9);
}

/* --- record lists */

static const struct admin_anomaly_params params = {
	.burst_threshold = 5, .burst_window_s = 600, .max_speed_kmh = 900,
	.allowed_countries = "FR BE", .business_mask = 0x3e /* Mon-Fri */,
	.work_from_min = 420, .work_to_min = 1200,
};

static struct admin_arec
rec(int64_t seq, int64_t t, const char *type, const char *outcome, const char *kind, const char *actor)
{
	struct admin_arec r = { .seq = seq, .t = t, .time = "", .type = type, .outcome = outcome,
		.actor_kind = kind, .actor_id = actor };
	return r;
}

static size_t
count_rule(json_object *out, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < json_object_array_length(out); i++)
		if (strcmp(pp_json_get_str(json_object_array_get_idx(out, i), "rule"), rule) == 0)
			n++;
	return n;
}

static void
test_bursts(void **state)
{
	struct admin_arec r[20];
	json_object *out = json_object_new_array();
	int64_t t0 = time_of("2026-11-19T10:00:00Z");
	size_t n = 0;

	(void)state;
	/* Four failures from one IP within 10 minutes: no burst. */
	for (int i = 0; i < 4; i++) {
		r[n] = rec((int64_t)n + 1, t0 + i * 60, "role.login_failure", "failure", "staff", "alice");
		r[n++].ip = "192.0.2.1";
	}
	/* A fifth eleven minutes after the first: still no window of five. */
	r[n] = rec((int64_t)n + 1, t0 + 11 * 60, "role.login_failure", "failure", "staff", "bob");
	r[n++].ip = "192.0.2.1";
	assert_int_equal(admin_anomaly_bursts(r, n, &params, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 0);
	/* Two more within the window of the second: 5 in 10 min from the IP. */
	r[n] = rec((int64_t)n + 1, t0 + 11 * 60 + 5, "signatory.auth", "failure", "signatory", "sig-1");
	r[n++].ip = "192.0.2.1";
	r[n] = rec((int64_t)n + 1, t0 + 11 * 60 + 6, "signatory.auth", "failure", "signatory", "sig-1");
	r[n++].ip = "192.0.2.1";
	/* A success does not count. */
	r[n] = rec((int64_t)n + 1, t0 + 11 * 60 + 7, "signatory.auth", "success", "signatory", "sig-1");
	r[n++].ip = "192.0.2.1";
	assert_int_equal(admin_anomaly_bursts(r, n, &params, out), PP_OK);
	assert_int_equal(count_rule(out, "burst_ip"), 1);
	assert_int_equal(count_rule(out, "burst_actor"), 0);
	json_object *f = json_object_array_get_idx(out, 0);
	assert_string_equal(pp_json_get_str(f, "who"), "192.0.2.1");
	assert_int_equal(json_object_get_int64(json_object_object_get(f, "count")), 5);
	assert_int_equal(json_object_get_int64(json_object_object_get(f, "seq")), 3);
	json_object_put(out);

	/* One actor from five IPs within a minute: an actor burst; baseline
	 * records are not counted. */
	out = json_object_new_array();
	static const char *ips[] = { "192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14" };
	n = 0;
	for (int i = 0; i < 5; i++) {
		r[n] = rec((int64_t)n + 1, t0 + i, "signatory.auth", "failure", "sca", "sca-1");
		r[n].recipient = "sig-2";
		r[n++].ip = ips[i];
	}
	assert_int_equal(admin_anomaly_bursts(r, n, &params, out), PP_OK);
	assert_int_equal(count_rule(out, "burst_actor"), 1);
	assert_string_equal(pp_json_get_str(json_object_array_get_idx(out, 0), "who"), "sig-2");
	json_object_put(out);
	out = json_object_new_array();
	r[0].baseline = 1;
	assert_int_equal(admin_anomaly_bursts(r, n, &params, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 0);
	json_object_put(out);

	/* Two separate bursts of one IP (an hour apart): two findings. */
	out = json_object_new_array();
	n = 0;
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < 6; i++) {
			r[n] = rec((int64_t)n + 1, t0 + b * 3600 + i, "role.login_failure", "failure", "staff",
			    i % 2 ? "x" : "y");
			r[n++].ip = "198.51.100.7";
		}
	assert_int_equal(admin_anomaly_bursts(r, n, &params, out), PP_OK);
	assert_int_equal(count_rule(out, "burst_ip"), 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(out, 0), "count")), 6);
	json_object_put(out);
}

static void
test_otp_failures(void **state)
{
	struct admin_arec r[6];
	json_object *out = json_object_new_array();

	(void)state;
	r[0] = rec(1, 10, "signatory.auth", "failure", "sca", "sca-1");
	r[0].recipient = "s1";
	r[0].step = "otp.verify";
	r[1] = rec(2, 20, "signatory.auth", "failure", "signatory", "s1");
	r[1].op = "authz.otp_verify";
	r[2] = rec(3, 30, "signatory.auth", "failure", "signatory", "s2");
	r[2].otp_id = "abc";
	r[3] = rec(4, 40, "signatory.auth", "failure", "signatory", "s3");	/* not an OTP */
	r[3].op = "authz.login";
	r[4] = rec(5, 50, "signatory.auth", "success", "signatory", "s2");
	r[4].otp_id = "abc";
	assert_int_equal(admin_anomaly_otp_failures(r, 5, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 2);
	json_object *a = json_object_array_get_idx(out, 0), *b = json_object_array_get_idx(out, 1);
	assert_string_equal(pp_json_get_str(a, "signatory"), "s1");
	assert_int_equal(json_object_get_int64(json_object_object_get(a, "failures")), 2);
	assert_string_equal(pp_json_get_str(b, "signatory"), "s2");
	assert_int_equal(json_object_get_int64(json_object_object_get(b, "failures")), 1);
	json_object_put(out);
}

static struct admin_arec
auth(int64_t seq, int64_t t, const char *who, const char *cc, const char *city, double lat, double lon)
{
	struct admin_arec r = rec(seq, t, "signatory.auth", "success", "signatory", who);
	r.country = cc;
	r.city = city;
	r.has_geo = 1;
	r.lat = lat;
	r.lon = lon;
	return r;
}

static void
test_new_country(void **state)
{
	struct admin_arec r[6];
	json_object *out = json_object_new_array();

	(void)state;
	r[0] = auth(1, 100, "s1", "FR", "Paris", 48.8566, 2.3522);
	r[0].baseline = 1;			/* seen before the period */
	r[1] = auth(2, 200, "s1", "FR", "Lyon", 45.764, 4.8357);
	r[2] = auth(3, 300, "s2", "US", "New York", 40.7128, -74.006);	/* first ever: baseline */
	r[3] = auth(4, 400, "s1", "US", "New York", 40.7128, -74.006);	/* new for s1 */
	r[4] = auth(5, 500, "s1", "US", "New York", 40.7128, -74.006);	/* seen now */
	r[5] = auth(6, 600, "s1", "JP", "Tokyo", 35.6762, 139.6503);
	r[5].outcome = "failure";		/* only successes count */
	assert_int_equal(admin_anomaly_new_country(r, 6, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 1);
	json_object *f = json_object_array_get_idx(out, 0);
	assert_string_equal(pp_json_get_str(f, "rule"), "new_country");
	assert_string_equal(pp_json_get_str(f, "country"), "US");
	assert_string_equal(pp_json_get_str(f, "who"), "s1");
	assert_int_equal(json_object_get_int64(json_object_object_get(f, "seq")), 4);
	json_object_put(out);
}

static void
test_travel(void **state)
{
	struct admin_arec r[8];
	json_object *out = json_object_new_array();
	int64_t t0 = 1000000;

	(void)state;
	/* Paris then Lyon 1 h later (392 km/h): fine.  Lyon then Tokyo 2 h
	 * later (about 4,600 km/h): impossible. */
	r[0] = auth(1, t0, "s1", "FR", "Paris", 48.8566, 2.3522);
	r[1] = auth(2, t0 + 3600, "s1", "FR", "Lyon", 45.764, 4.8357);
	r[2] = auth(3, t0 + 3 * 3600, "s1", "JP", "Tokyo", 35.6762, 139.6503);
	/* Another signatory in New York in between does not pair with s1. */
	r[3] = auth(4, t0 + 3 * 3600 + 1, "s2", "US", "New York", 40.7128, -74.006);
	/* Staff login from Paris, then New York the same second. */
	r[4] = rec(5, t0 + 10, "role.login", "success", "staff", "alice");
	r[4].has_geo = 1;
	r[4].lat = 48.8566;
	r[4].lon = 2.3522;
	r[5] = rec(6, t0 + 10, "role.login_failure", "failure", "staff", "alice");
	r[5].has_geo = 1;
	r[5].lat = 40.7128;
	r[5].lon = -74.006;
	/* Same place seconds apart: never (GeoIP precision). */
	r[6] = auth(7, t0 + 3 * 3600 + 2, "s2", "US", "New York", 40.7200, -74.0000);
	assert_int_equal(admin_anomaly_travel(r, 7, &params, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 2);
	assert_int_equal(count_rule(out, "impossible_travel"), 2);
	json_object *a = json_object_array_get_idx(out, 0), *b = json_object_array_get_idx(out, 1);
	/* Grouped by actor: alice first. */
	assert_string_equal(pp_json_get_str(a, "who"), "alice");
	assert_int_equal(json_object_get_int64(json_object_object_get(a, "previous_seq")), 5);
	assert_string_equal(pp_json_get_str(b, "who"), "s1");
	assert_int_equal(json_object_get_int64(json_object_object_get(b, "seq")), 3);
	assert_int_equal(json_object_get_int64(json_object_object_get(b, "previous_seq")), 2);
	json_object_put(out);

	/* At a higher speed limit, only the same-second pair remains. */
	struct admin_anomaly_params fast = params;
	fast.max_speed_kmh = 6000;
	out = json_object_new_array();
	assert_int_equal(admin_anomaly_travel(r, 7, &fast, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 1);
	json_object_put(out);
}

static void
test_countries_integrity_hours(void **state)
{
	struct admin_arec r[8];
	json_object *out = json_object_new_array();
	int64_t thu = day_of("2026-11-19") * 86400, sat = day_of("2026-11-21") * 86400;

	(void)state;
	r[0] = rec(1, thu + 8 * 3600, "role.login", "success", "staff", "alice");
	r[0].country = "FR";
	r[1] = rec(2, thu + 9 * 3600, "role.login", "success", "staff", "bob");
	r[1].country = "US";
	r[2] = rec(3, thu + 9 * 3600, "role.login_failure", "failure", "staff", "eve");
	r[2].country = "be";			/* case-insensitive */
	r[3] = rec(4, thu + 9 * 3600, "signatory.auth", "success", "signatory", "s1");
	r[3].country = "US";			/* not staff */
	assert_int_equal(admin_anomaly_countries(r, 4, &params, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 1);
	assert_string_equal(pp_json_get_str(json_object_array_get_idx(out, 0), "actor"), "bob");
	json_object_put(out);
	struct admin_anomaly_params open = params;
	open.allowed_countries = "  ";
	out = json_object_new_array();
	assert_int_equal(admin_anomaly_countries(r, 4, &open, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 0);
	json_object_put(out);

	r[4] = rec(5, thu + 6 * 3600 + 59 * 60, "account.create", "success", "staff", "alice");	/* 06:59 */
	r[5] = rec(6, thu + 20 * 3600, "role.logout", "success", "staff", "alice");	/* 20:00 */
	r[6] = rec(7, sat + 12 * 3600, "role.login", "success", "staff", "bob");	/* Saturday */
	r[7] = rec(8, sat + 12 * 3600, "audit.failure", "failure", "system", "paraphe-auditd");
	r[7].cause = "disk full";
	out = json_object_new_array();
	assert_int_equal(admin_anomaly_off_hours(r, 8, &params, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 3);	/* seq 5, 6, 7 */
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(out, 0), "seq")), 5);
	assert_non_null(strstr(pp_json_get_str(json_object_array_get_idx(out, 2), "text"), "non-business"));
	json_object_put(out);

	out = json_object_new_array();
	r[0] = rec(1, thu, "audit.message_refused", "failure", "system", "paraphe-auditd");
	r[1] = rec(2, thu, "archive.check", "success", "staff", "alice");
	r[2] = rec(3, thu, "archive.check", "failure", "staff", "alice");
	r[3] = rec(4, thu, "access.denied", "failure", "staff", "bob");
	r[4] = rec(5, thu, "role.login_failure", "failure", "staff", "bob");
	assert_int_equal(admin_anomaly_integrity(r, 5, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 3);
	assert_int_equal(admin_anomaly_integrity(&r[7], 1, out), PP_OK);
	assert_non_null(strstr(pp_json_get_str(json_object_array_get_idx(out, 3), "text"), "disk full"));
	json_object_put(out);
}

static void
test_reconcile(void **state)
{
	struct admin_arec r[20];
	json_object *out = json_object_new_array();
	size_t n = 0;

	(void)state;
	/* A clean CSC flow: the SCA's sad.issue after the OTP check. */
	r[n] = rec(1, 1, "signatory.auth", "success", "sca", "sca-A");
	r[n].recipient = "s1";
	r[n++].correlation = "sess-1";
	r[n] = rec(2, 2, "sad.issue", "success", "sca", "sca-A");
	r[n].recipient = "s1";
	r[n].correlation = "sess-1";
	r[n++].sad_id = "sad1";
	r[n] = rec(3, 3, "signature.create", "success", "sca", "sca-A");
	r[n].recipient = "s1";
	r[n].correlation = "sess-1";
	r[n++].sad_id = "sad1";
	/* A clean authorisation request: created by the SCA, authenticated
	 * and approved by the signatory, signed by the SCA. */
	r[n] = rec(4, 4, "sad.use", "success", "sca", "sca-B");
	r[n].recipient = "s2";
	r[n++].correlation = "req-2";
	r[n] = rec(5, 5, "signatory.auth", "success", "signatory", "s2");
	r[n++].correlation = "req-2";
	r[n] = rec(6, 6, "sad.issue", "success", "signatory", "s2");
	r[n].requester = "sca-B";
	r[n].correlation = "req-2";
	r[n++].sad_id = "sad2";
	r[n] = rec(7, 7, "signature.create", "success", "sca", "sca-B");
	r[n].recipient = "s2";
	r[n].correlation = "req-2";
	r[n++].sad_id = "sad2";
	assert_int_equal(admin_anomaly_reconcile(r, n, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 0);

	/* Mismatches: no SAD at all; an unknown SAD; a SAD whose session has
	 * no authentication (only a failed one) and another SCA's signature. */
	r[n] = rec(8, 8, "signature.create", "success", "sca", "sca-A");
	r[n++].recipient = "s1";
	r[n] = rec(9, 9, "signature.create", "success", "sca", "sca-A");
	r[n++].sad_id = "nosuch";
	r[n] = rec(10, 10, "signatory.auth", "failure", "sca", "sca-A");
	r[n].recipient = "s3";
	r[n++].correlation = "sess-3";
	r[n] = rec(10, 10, "signatory.auth", "success", "sca", "sca-A");	/* an OTP sent: no authentication */
	r[n].recipient = "s3";
	r[n].step = "otp.send";
	r[n++].correlation = "sess-3";
	r[n] = rec(11, 11, "sad.issue", "success", "sca", "sca-A");
	r[n].correlation = "sess-3";
	r[n++].sad_id = "sad3";
	r[n] = rec(12, 12, "signature.create", "success", "sca", "sca-C");
	r[n].recipient = "s3";
	r[n++].sad_id = "sad3";
	/* A failed signature is not reconciled; a baseline one neither. */
	r[n] = rec(13, 13, "signature.create", "failure", "sca", "sca-A");
	r[n++].sad_id = "zzz";
	r[n] = rec(14, 14, "signature.create", "success", "sca", "sca-A");
	r[n].baseline = 1;
	r[n++].sad_id = "zzz";
	assert_int_equal(admin_anomaly_reconcile(r, n, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 4);
	assert_int_equal(count_rule(out, "no_sad"), 1);
	assert_int_equal(count_rule(out, "no_sad_issue"), 1);
	assert_int_equal(count_rule(out, "no_auth"), 1);
	assert_int_equal(count_rule(out, "no_sca_request"), 1);
	json_object_put(out);
}

/* An allocation that fails is PP_ERR_NOMEM, never a partial answer taken
 * for a clean one. */
static void
test_nomem(void **state)
{
	struct admin_arec r[6];
	json_object *out = json_object_new_array();

	(void)state;
	for (int i = 0; i < 6; i++) {
		r[i] = rec(i + 1, i, "role.login_failure", "failure", "staff", "alice");
		r[i].ip = "192.0.2.1";
	}
	pp_mem_fail_after(0);
	assert_int_equal(admin_anomaly_bursts(r, 6, &params, out), PP_ERR_NOMEM);
	assert_int_equal(admin_anomaly_travel(r, 6, &params, out), PP_ERR_NOMEM);
	assert_int_equal(admin_anomaly_reconcile(r, 6, out), PP_ERR_NOMEM);
	assert_int_equal(admin_anomaly_otp_failures(r, 6, out), PP_ERR_NOMEM);
	assert_int_equal(admin_anomaly_new_country(r, 6, out), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_int_equal(json_object_array_length(out), 0);
	assert_int_equal(admin_anomaly_bursts(r, 6, &params, out), PP_OK);
	assert_int_equal(json_object_array_length(out), 2);	/* by IP and by actor */
	json_object_put(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_business_days),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_bursts),
		cmocka_unit_test(test_otp_failures),
		cmocka_unit_test(test_new_country),
		cmocka_unit_test(test_travel),
		cmocka_unit_test(test_countries_integrity_hours),
		cmocka_unit_test(test_reconcile),
		cmocka_unit_test_teardown(test_nomem, pp_test_alloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
