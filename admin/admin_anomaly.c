/*
 * The audit review's rules over records already read (admin_anomaly.h):
 * calendar arithmetic, failed-login bursts, OTP failures, geographic
 * anomalies, integrity failures, activity outside working hours, and the
 * monthly reconciliation of signatures with their SADs, authentications
 * and SCA requests.
 */
#include "config.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin_anomaly.h"
#include "pp_json.h"
#include "pp_mem.h"

#define ADMIN_ANOMALY_TEXT 512
/* Below this, two places are the same place for the travel rule (the
 * precision of a city-level GeoIP database). */
#define ADMIN_ANOMALY_NEAR_KM 50.0

/* ------------------------------------------------------------ calendar */

/* Days from 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t
admin_anomaly_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
admin_anomaly_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
admin_anomaly_digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 1;
}

static int
admin_anomaly_mdays(int64_t y, unsigned m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : md[m - 1];
}

/* The date part of s (10 bytes, no NUL check beyond). */
static enum pp_err
admin_anomaly_date(const char *s, int64_t *day)
{
	unsigned y, m, d;

	if (!admin_anomaly_digits(s, 4, &y) || s[4] != '-' || !admin_anomaly_digits(s + 5, 2, &m) ||
	    s[7] != '-' || !admin_anomaly_digits(s + 8, 2, &d))
		return PP_ERR_FIELD_INVALID;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || (int)d > admin_anomaly_mdays(y, m))
		return PP_ERR_FIELD_INVALID;
	*day = admin_anomaly_days_from_civil(y, m, d);
	return PP_OK;
}

enum pp_err
admin_anomaly_day_parse(const char *s, int64_t *day)
{
	if (s == NULL || strlen(s) != 10)
		return PP_ERR_FIELD_INVALID;
	return admin_anomaly_date(s, day);
}

void
admin_anomaly_day_format(int64_t day, char *out, size_t cap)
{
	int64_t y;
	unsigned m, d;

	admin_anomaly_civil(day, &y, &m, &d);
	snprintf(out, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

unsigned
admin_anomaly_weekday(int64_t day)
{
	/* Day 0 was a Thursday (4). */
	int64_t w = (day + 3) % 7;
	if (w < 0)
		w += 7;
	return (unsigned)w + 1;
}

enum pp_err
admin_anomaly_days_parse(const char *s, unsigned *mask)
{
	unsigned m = 0;
	const char *p = s;

	if (s == NULL || *s == '\0')
		return PP_ERR_FIELD_INVALID;
	for (;;) {
		unsigned a, b;
		if (*p < '1' || *p > '7')
			return PP_ERR_FIELD_INVALID;
		a = b = (unsigned)(*p++ - '0');
		if (*p == '-') {
			p++;
			if (*p < '1' || *p > '7')
				return PP_ERR_FIELD_INVALID;
			b = (unsigned)(*p++ - '0');
			if (b < a)
				return PP_ERR_FIELD_INVALID;
		}
		for (unsigned d = a; d <= b; d++)
			m |= ADMIN_WD(d);
		if (*p == '\0')
			break;
		/* Commas or spaces (admin_dual.c's form "1 2 3 4 5"). */
		if (*p != ',' && *p != ' ')
			return PP_ERR_FIELD_INVALID;
		p++;
	}
	*mask = m;
	return PP_OK;
}

enum pp_err
admin_anomaly_hours_parse(const char *s, int *from_min, int *to_min)
{
	unsigned h1, m1, h2, m2;

	if (s == NULL || strlen(s) != 11 || !admin_anomaly_digits(s, 2, &h1) || s[2] != ':' ||
	    !admin_anomaly_digits(s + 3, 2, &m1) || s[5] != '-' || !admin_anomaly_digits(s + 6, 2, &h2) ||
	    s[8] != ':' || !admin_anomaly_digits(s + 9, 2, &m2))
		return PP_ERR_FIELD_INVALID;
	if (m1 > 59 || m2 > 59 || h1 * 60 + m1 > 1440 || h2 * 60 + m2 > 1440 ||
	    h1 * 60 + m1 >= h2 * 60 + m2)
		return PP_ERR_FIELD_INVALID;
	*from_min = (int)(h1 * 60 + m1);
	*to_min = (int)(h2 * 60 + m2);
	return PP_OK;
}

int
admin_anomaly_business(int64_t day, unsigned mask)
{
	return (mask & ADMIN_WD(admin_anomaly_weekday(day))) != 0;
}

int64_t
admin_anomaly_next_business(int64_t day, unsigned mask)
{
	if ((mask & 0xfeu) == 0)
		return day + 1;		/* no business day at all: never loop */
	do
		day++;
	while (!admin_anomaly_business(day, mask));
	return day;
}

int
admin_anomaly_review_overdue(int64_t day, int64_t today, unsigned mask)
{
	return admin_anomaly_business(day, mask) && admin_anomaly_next_business(day, mask) < today;
}

enum pp_err
admin_anomaly_time_parse(const char *s, int64_t *t)
{
	int64_t day;
	unsigned hh, mm, ss;
	size_t n;

	if (s == NULL || (n = strlen(s)) < 20 || s[n - 1] != 'Z')
		return PP_ERR_FIELD_INVALID;
	if (admin_anomaly_date(s, &day) != PP_OK || s[10] != 'T' || !admin_anomaly_digits(s + 11, 2, &hh) ||
	    s[13] != ':' || !admin_anomaly_digits(s + 14, 2, &mm) || s[16] != ':' ||
	    !admin_anomaly_digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
		return PP_ERR_FIELD_INVALID;
	if (n != 20) {
		unsigned frac;
		if (s[19] != '.' || n < 22 || n > 30 || !admin_anomaly_digits(s + 20, n - 21, &frac))
			return PP_ERR_FIELD_INVALID;
	}
	*t = day * ADMIN_DAY_S + hh * 3600 + mm * 60 + ss;
	return PP_OK;
}

enum pp_err
admin_anomaly_geo_parse(const char *s, double *lat, double *lon)
{
	char *end;
	double a, b;

	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return PP_ERR_FIELD_INVALID;
	a = strtod(s, &end);
	if (end == s || *end != ',')
		return PP_ERR_FIELD_INVALID;
	s = end + 1;
	b = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(a) || !isfinite(b) || a < -90 || a > 90 ||
	    b < -180 || b > 180)
		return PP_ERR_FIELD_INVALID;
	*lat = a;
	*lon = b;
	return PP_OK;
}

double
admin_anomaly_distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
	    cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1)
		a = 1;
	return 2 * 6371.0 * asin(sqrt(a));
}

/* ------------------------------------------------------------ findings */

static int
admin_anomaly_is(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* One finding about record r; text is printf-formatted. */
static enum pp_err
admin_anomaly_add(json_object *out, const char *rule, const struct admin_arec *r, json_object **made,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum pp_err
admin_anomaly_add(json_object *out, const char *rule, const struct admin_arec *r, json_object **made,
    const char *fmt, ...)
{
	char text[ADMIN_ANOMALY_TEXT];
	json_object *f;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((f = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (json_object_array_add(out, f) != 0) {
		json_object_put(f);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(f, "rule", rule) != PP_OK || pp_json_add_int(f, "seq", r->seq) != PP_OK ||
	    pp_json_add_str(f, "time", r->time ? r->time : "") != PP_OK ||
	    pp_json_add_str(f, "actor", r->actor_id ? r->actor_id : "") != PP_OK ||
	    pp_json_add_str(f, "text", text) != PP_OK)
		return PP_ERR_NOMEM;
	if (made != NULL)
		*made = f;
	return PP_OK;
}

static const char *
admin_anomaly_or(const char *s, const char *def)
{
	return s != NULL && *s ? s : def;
}

/* The signatory a record is about: the recipient, else a signatory actor. */
static const char *
admin_anomaly_signatory(const struct admin_arec *r)
{
	if (r->recipient != NULL && *r->recipient)
		return r->recipient;
	if (admin_anomaly_is(r->actor_kind, "signatory"))
		return r->actor_id;
	return NULL;
}

static int
admin_anomaly_failed_login(const struct admin_arec *r)
{
	return admin_anomaly_is(r->type, "role.login_failure") ||
	    (admin_anomaly_is(r->type, "signatory.auth") && admin_anomaly_is(r->outcome, "failure"));
}

/* --- bursts */

struct admin_anomaly_key;
static enum pp_err admin_anomaly_group(const struct admin_arec *r, size_t n,
    const char *(*keyf)(const struct admin_arec *), int with_baseline, struct admin_anomaly_key **out,
    size_t *nout);

struct admin_anomaly_key {
	const char *key;
	const struct admin_arec *r;
};

static int
admin_anomaly_key_cmp(const void *a, const void *b)
{
	const struct admin_anomaly_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	if (x->r->t != y->r->t)
		return x->r->t < y->r->t ? -1 : 1;
	return x->r->seq < y->r->seq ? -1 : x->r->seq > y->r->seq;
}

static const char *
admin_anomaly_burst_ip(const struct admin_arec *r)
{
	return admin_anomaly_failed_login(r) ? r->ip : NULL;
}

static const char *
admin_anomaly_burst_actor(const struct admin_arec *r)
{
	if (!admin_anomaly_failed_login(r))
		return NULL;
	return admin_anomaly_is(r->type, "signatory.auth") ? admin_anomaly_signatory(r) : r->actor_id;
}

/* Sliding window over the failures grouped by IP or by actor: a burst is
 * a run of failures during which the window holds at least the threshold;
 * it is reported once, with its largest count and its last record. */
static enum pp_err
admin_anomaly_burst_by(const struct admin_arec *r, size_t n, const struct admin_anomaly_params *p,
    int by_ip, json_object *out)
{
	struct admin_anomaly_key *k;
	size_t nk, i, j, start;
	enum pp_err rc;

	if ((rc = admin_anomaly_group(r, n, by_ip ? admin_anomaly_burst_ip : admin_anomaly_burst_actor, 0,
	    &k, &nk)) != PP_OK)
		return rc;
	for (start = 0; start < nk && rc == PP_OK; start = j) {
		json_object *f = NULL;
		int64_t best = 0;
		size_t lo = start;
		for (j = start; j < nk && strcmp(k[j].key, k[start].key) == 0; j++)
			;
		for (i = start; i < j && rc == PP_OK; i++) {
			while (k[i].r->t - k[lo].r->t >= p->burst_window_s)
				lo++;
			int64_t cnt = (int64_t)(i - lo + 1);
			if (cnt < p->burst_threshold) {
				f = NULL;	/* below the threshold: any burst is over */
				best = 0;
				continue;
			}
			if (f == NULL) {
				rc = admin_anomaly_add(out, by_ip ? "burst_ip" : "burst_actor", k[lo].r, &f,
				    "failed logins or authentications from %s %s: at least %lld within %lld minutes",
				    by_ip ? "IP" : "actor", k[i].key, (long long)cnt,
				    (long long)(p->burst_window_s / 60));
				if (rc == PP_OK)
					rc = pp_json_add_str(f, "who", k[i].key);
			}
			if (cnt > best) {
				best = cnt;
				if (rc == PP_OK)
					rc = pp_json_add_int(f, "count", cnt);
			}
			if (rc == PP_OK)
				rc = pp_json_add_int(f, "last_seq", k[i].r->seq);
		}
	}
	pp_free(k);
	return rc;
}

enum pp_err
admin_anomaly_bursts(const struct admin_arec *r, size_t n, const struct admin_anomaly_params *p,
    json_object *out)
{
	enum pp_err rc;

	if (p->burst_threshold < 2 || p->burst_window_s < 1)
		return PP_ERR_FIELD_INVALID;
	if ((rc = admin_anomaly_burst_by(r, n, p, 1, out)) != PP_OK)
		return rc;
	return admin_anomaly_burst_by(r, n, p, 0, out);
}

/* The records selected by keyf (non-NULL key), sorted by key, time, seq.
 * OUT *out (free), *nout. */
static enum pp_err
admin_anomaly_group(const struct admin_arec *r, size_t n, const char *(*keyf)(const struct admin_arec *),
    int with_baseline, struct admin_anomaly_key **out, size_t *nout)
{
	struct admin_anomaly_key *k;
	size_t nk = 0;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return PP_OK;
	if ((k = pp_calloc(n, sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *key;
		if ((r[i].baseline && !with_baseline) || (key = keyf(&r[i])) == NULL || *key == '\0')
			continue;
		k[nk].key = key;
		k[nk++].r = &r[i];
	}
	qsort(k, nk, sizeof(*k), admin_anomaly_key_cmp);
	*out = k;
	*nout = nk;
	return PP_OK;
}

/* --- OTP failures per signatory */

static const char *
admin_anomaly_otp_failure(const struct admin_arec *r)
{
	if (!admin_anomaly_is(r->type, "signatory.auth") || !admin_anomaly_is(r->outcome, "failure"))
		return NULL;
	if ((r->otp_id != NULL && *r->otp_id) || admin_anomaly_is(r->step, "otp.verify") ||
	    (r->op != NULL && strstr(r->op, "otp") != NULL))
		return admin_anomaly_signatory(r);
	return NULL;
}

enum pp_err
admin_anomaly_otp_failures(const struct admin_arec *r, size_t n, json_object *out)
{
	struct admin_anomaly_key *k;
	size_t nk, i, j;
	enum pp_err rc;

	if ((rc = admin_anomaly_group(r, n, admin_anomaly_otp_failure, 0, &k, &nk)) != PP_OK)
		return rc;
	for (i = 0; i < nk && rc == PP_OK; i = j) {
		for (j = i; j < nk && strcmp(k[j].key, k[i].key) == 0; j++)
			;
		json_object *o = json_object_new_object();
		if (o == NULL || json_object_array_add(out, o) != 0) {
			json_object_put(o);
			rc = PP_ERR_NOMEM;
			break;
		}
		if (pp_json_add_str(o, "signatory", k[i].key) != PP_OK ||
		    pp_json_add_int(o, "failures", (int64_t)(j - i)) != PP_OK ||
		    pp_json_add_str(o, "first", admin_anomaly_or(k[i].r->time, "")) != PP_OK ||
		    pp_json_add_str(o, "last", admin_anomaly_or(k[j - 1].r->time, "")) != PP_OK)
			rc = PP_ERR_NOMEM;
	}
	pp_free(k);
	return rc;
}

/* --- geography */

static const char *
admin_anomaly_located_auth(const struct admin_arec *r)
{
	if (!admin_anomaly_is(r->type, "signatory.auth") || !admin_anomaly_is(r->outcome, "success") ||
	    r->country == NULL || *r->country == '\0')
		return NULL;
	return admin_anomaly_signatory(r);
}

enum pp_err
admin_anomaly_new_country(const struct admin_arec *r, size_t n, json_object *out)
{
	struct admin_anomaly_key *k;
	size_t nk, i, j;
	enum pp_err rc;

	if ((rc = admin_anomaly_group(r, n, admin_anomaly_located_auth, 1, &k, &nk)) != PP_OK)
		return rc;
	for (i = 0; i < nk && rc == PP_OK; i = j) {
		for (j = i; j < nk && strcmp(k[j].key, k[i].key) == 0; j++)
			;
		/* k[i] is the signatory's first: the baseline.  Each later one
		 * is compared with all before it (a signatory has few
		 * countries; each new one is reported once). */
		for (size_t a = i + 1; a < j && rc == PP_OK; a++) {
			const struct admin_arec *x = k[a].r;
			int seen = 0;
			for (size_t b = i; b < a && !seen; b++)
				seen = strcmp(k[b].r->country, x->country) == 0;
			if (seen || x->baseline)
				continue;
			json_object *f;
			rc = admin_anomaly_add(out, "new_country", x, &f,
			    "signatory %s authenticated from %s (%s) for the first time", k[a].key, x->country,
			    admin_anomaly_or(x->city, "city unknown"));
			if (rc == PP_OK)
				rc = pp_json_add_str(f, "country", x->country);
			if (rc == PP_OK)
				rc = pp_json_add_str(f, "who", k[a].key);
		}
	}
	pp_free(k);
	return rc;
}

/* The actor an authentication or login locates, or NULL. */
static const char *
admin_anomaly_traveller(const struct admin_arec *r)
{
	if (!r->has_geo)
		return NULL;
	if (admin_anomaly_is(r->type, "signatory.auth"))
		return admin_anomaly_signatory(r);
	if (admin_anomaly_is(r->type, "role.login") || admin_anomaly_is(r->type, "role.login_failure"))
		return r->actor_id;
	return NULL;
}

enum pp_err
admin_anomaly_travel(const struct admin_arec *r, size_t n, const struct admin_anomaly_params *p,
    json_object *out)
{
	struct admin_anomaly_key *k;
	size_t nk, i;
	enum pp_err rc;

	if ((rc = admin_anomaly_group(r, n, admin_anomaly_traveller, 1, &k, &nk)) != PP_OK)
		return rc;
	for (i = 1; i < nk && rc == PP_OK; i++) {
		const struct admin_arec *prev = k[i - 1].r, *cur = k[i].r;
		if (strcmp(k[i - 1].key, k[i].key) != 0 || cur->baseline)
			continue;
		double km = admin_anomaly_distance_km(prev->lat, prev->lon, cur->lat, cur->lon);
		int64_t dt = cur->t - prev->t;
		if (km < ADMIN_ANOMALY_NEAR_KM)
			continue;
		double kmh = dt > 0 ? km * 3600.0 / (double)dt : INFINITY;
		if (kmh <= (double)p->max_speed_kmh)
			continue;
		json_object *f;
		rc = admin_anomaly_add(out, "impossible_travel", cur, &f,
		    "%s: %s (%s) then %s (%s), %.0f km in %lld s", k[i].key,
		    admin_anomaly_or(prev->city, "?"), admin_anomaly_or(prev->country, "?"),
		    admin_anomaly_or(cur->city, "?"), admin_anomaly_or(cur->country, "?"), km, (long long)dt);
		if (rc == PP_OK)
			rc = pp_json_add_int(f, "previous_seq", prev->seq);
		if (rc == PP_OK)
			rc = pp_json_add_int(f, "km", (int64_t)llround(km));
		if (rc == PP_OK)
			rc = pp_json_add_str(f, "who", k[i].key);
	}
	pp_free(k);
	return rc;
}

/* 1 when the two-letter code cc is a word of the space-separated list. */
static int
admin_anomaly_listed(const char *list, const char *cc)
{
	size_t n = strlen(cc);

	for (const char *p = list; *p;) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (w == n && w > 0 && strncasecmp(p, cc, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

enum pp_err
admin_anomaly_countries(const struct admin_arec *r, size_t n, const struct admin_anomaly_params *p,
    json_object *out)
{
	const char *list = p->allowed_countries;

	if (list == NULL || strspn(list, " ") == strlen(list))
		return PP_OK;
	for (size_t i = 0; i < n; i++) {
		if (r[i].baseline || (!admin_anomaly_is(r[i].type, "role.login") &&
		    !admin_anomaly_is(r[i].type, "role.login_failure")) ||
		    r[i].country == NULL || *r[i].country == '\0' || admin_anomaly_listed(list, r[i].country))
			continue;
		json_object *f;
		enum pp_err rc = admin_anomaly_add(out, "country_not_allowed", &r[i], &f,
		    "staff %s %s from %s (%s), outside the allowed countries (%s)",
		    admin_anomaly_or(r[i].actor_id, "?"),
		    admin_anomaly_is(r[i].type, "role.login") ? "logged in" : "failed to log in",
		    r[i].country, admin_anomaly_or(r[i].city, "city unknown"), list);
		if (rc == PP_OK)
			rc = pp_json_add_str(f, "country", r[i].country);
		if (rc != PP_OK)
			return rc;
	}
	return PP_OK;
}

/* --- integrity and working hours */

enum pp_err
admin_anomaly_integrity(const struct admin_arec *r, size_t n, json_object *out)
{
	for (size_t i = 0; i < n; i++) {
		const char *t = r[i].type;
		if (r[i].baseline || !(admin_anomaly_is(t, "audit.failure") || admin_anomaly_is(t, "audit.message_refused") ||
		    admin_anomaly_is(t, "access.denied") ||
		    (admin_anomaly_is(t, "archive.check") && admin_anomaly_is(r[i].outcome, "failure"))))
			continue;
		enum pp_err rc = admin_anomaly_add(out, "integrity", &r[i], NULL, "%s: %s", t,
		    admin_anomaly_or(r[i].cause, "no cause recorded"));
		if (rc != PP_OK)
			return rc;
	}
	return PP_OK;
}

enum pp_err
admin_anomaly_off_hours(const struct admin_arec *r, size_t n, const struct admin_anomaly_params *p,
    json_object *out)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].baseline || !admin_anomaly_is(r[i].actor_kind, "staff"))
			continue;
		int64_t day = r[i].t >= 0 ? r[i].t / ADMIN_DAY_S : (r[i].t - ADMIN_DAY_S + 1) / ADMIN_DAY_S;
		int min = (int)((r[i].t - day * ADMIN_DAY_S) / 60);
		int business = admin_anomaly_business(day, p->business_mask);
		if (business && min >= p->work_from_min && min < p->work_to_min)
			continue;
		enum pp_err rc = admin_anomaly_add(out, "off_hours", &r[i], NULL, "%s by staff %s %s",
		    admin_anomaly_or(r[i].type, "?"), admin_anomaly_or(r[i].actor_id, "?"),
		    business ? "outside the working hours" : "on a non-business day");
		if (rc != PP_OK)
			return rc;
	}
	return PP_OK;
}

/* ------------------------------------------------------------ reconciliation */

static int
admin_anomaly_otp_sent(const struct admin_arec *r)
{
	return admin_anomaly_is(r->step, "otp.send") || admin_anomaly_is(r->op, "otp.send") ||
	    admin_anomaly_is(r->op, "authz.otp_send");
}

static const char *
admin_anomaly_issue_key(const struct admin_arec *r)
{
	return admin_anomaly_is(r->type, "sad.issue") && admin_anomaly_is(r->outcome, "success") ? r->sad_id : NULL;
}

static const char *
admin_anomaly_corr_key(const struct admin_arec *r)
{
	return r->correlation;
}

/* The first entry of k[0..n) with key, or n. */
static size_t
admin_anomaly_find(const struct admin_anomaly_key *k, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(k[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(k[lo].key, key) == 0 ? lo : n;
}

enum pp_err
admin_anomaly_reconcile(const struct admin_arec *r, size_t n, json_object *out)
{
	struct admin_anomaly_key *iss = NULL, *cor = NULL;
	size_t niss, ncor;
	enum pp_err rc;

	if ((rc = admin_anomaly_group(r, n, admin_anomaly_issue_key, 1, &iss, &niss)) != PP_OK ||
	    (rc = admin_anomaly_group(r, n, admin_anomaly_corr_key, 1, &cor, &ncor)) != PP_OK)
		goto out;
	for (size_t i = 0; i < n && rc == PP_OK; i++) {
		const struct admin_arec *s = &r[i], *issue = NULL;
		const char *sca, *sig;
		int auth = 0, request = 0;
		size_t at;

		if (s->baseline || !admin_anomaly_is(s->type, "signature.create") ||
		    !admin_anomaly_is(s->outcome, "success"))
			continue;
		sca = admin_anomaly_is(s->actor_kind, "sca") ? s->actor_id : s->requester;
		sig = admin_anomaly_signatory(s);
		if (s->sad_id == NULL || *s->sad_id == '\0') {
			rc = admin_anomaly_add(out, "no_sad", s, NULL,
			    "signature.create #%lld names no SAD", (long long)s->seq);
			continue;
		}
		for (at = admin_anomaly_find(iss, niss, s->sad_id);
		    at < niss && strcmp(iss[at].key, s->sad_id) == 0 && issue == NULL; at++)
			if (iss[at].r->seq < s->seq)
				issue = iss[at].r;
		if (issue == NULL) {
			rc = admin_anomaly_add(out, "no_sad_issue", s, NULL,
			    "signature.create #%lld: no sad.issue record of SAD %s before it", (long long)s->seq,
			    s->sad_id);
			continue;
		}
		const char *corr = issue->correlation;
		if (corr != NULL && *corr)
			for (at = admin_anomaly_find(cor, ncor, corr);
			    at < ncor && strcmp(cor[at].key, corr) == 0; at++) {
				const struct admin_arec *x = cor[at].r;
				if (x->seq > issue->seq)
					continue;
				/* Sending an OTP is recorded as signatory.auth too; it
				 * authenticates nobody. */
				if (admin_anomaly_is(x->type, "signatory.auth") &&
				    admin_anomaly_is(x->outcome, "success") && !admin_anomaly_otp_sent(x) &&
				    (sig == NULL || admin_anomaly_is(admin_anomaly_signatory(x), sig)))
					auth = 1;
				if (admin_anomaly_is(x->actor_kind, "sca") && admin_anomaly_is(x->actor_id, sca))
					request = 1;
			}
		if (!auth)
			rc = admin_anomaly_add(out, "no_auth", s, NULL,
			    "signature.create #%lld: SAD %s (sad.issue #%lld) has no successful signatory.auth"
			    " of %s before it", (long long)s->seq, s->sad_id, (long long)issue->seq,
			    corr ? corr : "(no correlation)");
		if (!request && rc == PP_OK)
			rc = admin_anomaly_add(out, "no_sca_request", s, NULL,
			    "signature.create #%lld: no request of SCA %s recorded for %s", (long long)s->seq,
			    admin_anomaly_or(sca, "?"), corr ? corr : "(no correlation)");
	}
out:
	pp_free(iss);
	pp_free(cor);
	return rc;
}
