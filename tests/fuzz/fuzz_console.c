/*
 * Fuzz target: the console's parsers of what staff type (admin/): the audit
 * search filters (admin_audit.c), the review's dates, days, hours and
 * locations (admin_anomaly.c), and the console parameters a proposal may set
 * (admin_params.c).  Beyond "no crash", it checks that the two halves agree:
 * a business_days or working_hours value a proposal accepts is one the
 * review can read, and a parsed period never ends before it starts.
 *
 * Input: one byte, then the rest as text (cut at the first NUL):
 *   mode 0: the ten search filters, separated by '\n', in the form's order
 *   mode 1: the text through every review parser
 *   mode 2: a console parameter (name by the second byte) and its value
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "admin_anomaly.h"
#include "admin_audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* admin_audit.c's pages need the frame; the parsers fuzzed here never
 * call it. */
enum pp_err
admin_reply(struct pp_req *req, const struct admin_session *s, int status, const char *tmpl)
{
	(void)req, (void)s, (void)status, (void)tmpl;
	abort();
}

enum pp_err
admin_reply_bytes(struct pp_req *req, int status, const char *ctype, const char *disposition,
    const char *body, size_t len)
{
	(void)req, (void)status, (void)ctype, (void)disposition, (void)body, (void)len;
	abort();
}

enum pp_err
admin_audit(struct pp_req *req, const struct admin_session *s, enum pp_audit_type type,
    enum pp_audit_outcome outcome, const char *cause, json_object *details)
{
	(void)req, (void)s, (void)type, (void)outcome, (void)cause, (void)details;
	abort();
}

struct admin *
admin_of(struct pp_req *req)
{
	(void)req;
	abort();
}

static const char *const fz_params[] = { "business_days", "working_hours", "allowed_countries",
	"burst_threshold", "max_speed_kmh", "review_since", "nope" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	int mode;

	if (size < 2 || size > 4096)
		return 0;
	mode = data[0] % 3;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (mode == 0) {
		const char *vals[AAF__MAX] = { 0 };
		struct admin_audit_filter f;
		const char *why = NULL;
		char *p = s;

		for (int i = 0; i < AAF__MAX && p != NULL; i++) {
			char *nl = strchr(p, '\n');
			vals[i] = p;
			if (nl)
				*nl++ = '\0';
			p = nl;
		}
		if (admin_audit_filter_parse(vals, &f, &why) == PP_OK) {
			if (f.from[0] && f.to[0] && strcmp(f.from, f.to) > 0)
				abort();	/* a period ending before it starts */
		} else if (why == NULL)
			abort();	/* a refusal always says which filter */
	} else if (mode == 1) {
		int64_t d, t;
		unsigned mask;
		int a, b;
		double lat, lon;

		if (admin_anomaly_day_parse(s, &d) == PP_OK) {
			char back[16];
			admin_anomaly_day_format(d, back, sizeof(back));
			if (strcmp(back, s) != 0)
				abort();	/* a date reads back as itself */
		}
		if (admin_anomaly_days_parse(s, &mask) == PP_OK && (mask == 0 || mask >= (1u << 8)))
			abort();
		if (admin_anomaly_hours_parse(s, &a, &b) == PP_OK && !(0 <= a && a < b && b <= 24 * 60))
			abort();
		if (admin_anomaly_time_parse(s, &t) == PP_OK && t < 0)
			abort();	/* the parser takes 1970 on */
		if (admin_anomaly_geo_parse(s, &lat, &lon) == PP_OK &&
		    !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
			abort();
	} else {
		const char *name = fz_params[(unsigned char)s[0] % (sizeof(fz_params) / sizeof(fz_params[0]))];
		const char *v = s[0] ? s + 1 : s;

		if (admin_param_valid(name, v)) {
			unsigned mask;
			int a, b;
			int64_t d;

			if (strcmp(name, "nope") == 0)
				abort();
			if (strcmp(name, "business_days") == 0 && admin_anomaly_days_parse(v, &mask) != PP_OK)
				abort();	/* accepted by a proposal, unreadable by the review */
			if (strcmp(name, "working_hours") == 0 && admin_anomaly_hours_parse(v, &a, &b) != PP_OK)
				abort();
			if (strcmp(name, "review_since") == 0 && admin_anomaly_day_parse(v, &d) != PP_OK)
				abort();
		}
	}
	free(s);
	return 0;
}
