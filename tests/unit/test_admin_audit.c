/*
 * admin_audit's service functions over an audit store of the test's own
 * (the audit domain's migrations, records built by pp_audit_record_build as
 * the daemon builds them): the filters (parsing, and what each finds and
 * does not), paging, the count, CSV and JSON export (quoting, formula
 * injection, the row limit), the per-day figures and signatures per SCA.
 * The pages themselves are driven by tests/integration/t_console_audit.sh.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "admin_audit.h"
#include "pp_audit.h"
#include "pp_json.h"
#include "pp_store.h"
#include "pp_test.h"

/* The console frame's functions admin_audit.c calls from its pages (not
 * exercised here). */
enum pp_err
admin_reply(struct pp_req *req, const struct admin_session *s, int status, const char *tmpl)
{
	(void)req, (void)s, (void)status, (void)tmpl;
	return PP_ERR_INTERNAL;
}

enum pp_err
admin_reply_bytes(struct pp_req *req, int status, const char *ctype, const char *disposition,
    const char *body, size_t len)
{
	(void)req, (void)status, (void)ctype, (void)disposition, (void)body, (void)len;
	return PP_ERR_INTERNAL;
}

enum pp_err
admin_audit(struct pp_req *req, const struct admin_session *s, enum pp_audit_type type,
    enum pp_audit_outcome outcome, const char *cause, json_object *details)
{
	(void)req, (void)s, (void)type, (void)outcome, (void)cause, (void)details;
	return PP_ERR_INTERNAL;
}

struct admin *
admin_of(struct pp_req *req)
{
	(void)req;
	return NULL;
}

static char dir[64];
static struct pp_store *db;
static int64_t next_seq = 1;

#define DEMO "CN=sca-demo,O=Demo,C=FR"
#define OTHER "CN=sca-other,O=Other,C=DE"

/* Appends one record as the daemon would store it. */
static void
add(const char *time, struct pp_audit_event *ev)
{
	json_object *in = NULL;
	char *rec = NULL;
	size_t len;
	const char *why = NULL;

	assert_int_equal(pp_audit_event_json(ev, &in), PP_OK);
	assert_int_equal(pp_audit_record_build(in, "test/audit", next_seq, time, NULL, &rec, &len, &why), PP_OK);
	struct pp_val b[6] = {
		PP_VAL_I(next_seq), PP_VAL_S(time), PP_VAL_S(pp_audit_type_name(ev->type)),
		PP_VAL_S(pp_audit_outcome_name(ev->outcome)), PP_VAL_S(ev->actor_id),
		{ .type = PP_VAL_BLOB, .p = rec, .len = len },
	};
	assert_int_equal(pp_store_exec(db, "INSERT INTO records (seq, time, type, outcome, actor, record)"
	    " VALUES (?, ?, ?, ?, ?, ?)", b, 6, NULL, NULL, NULL), PP_OK);
	next_seq++;
	pp_free(rec);
	json_object_put(in);
}

static json_object *
details(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_object *d = json_object_new_object();

	if (k1 && pp_json_add_str(d, k1, v1) != PP_OK)
		fail();
	if (k2 && pp_json_add_str(d, k2, v2) != PP_OK)
		fail();
	return d;
}

static void
add_sig(const char *time, const char *sca, int64_t count)
{
	json_object *d = json_object_new_object();
	struct pp_audit_event ev = {
		.type = PP_AUDIT_SIGNATURE, .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_SCA,
		.actor_id = sca, .requester = sca, .recipient = "sig-001", .details = d,
	};

	if (count > 0)
		assert_int_equal(pp_json_add_int(d, "count", count), PP_OK);
	add(time, &ev);
	json_object_put(d);
}

/* The fixed history every test reads (seq 1..9). */
static int
setup(void **state)
{
	size_t n;
	const struct pp_migration *m = pp_schema_migrations("audit", &n);
	json_object *d;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pp-test-aa.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	if (pp_store_open_with(&pp_store_sqlite_ops, path, 1000, m, n, &db) != PP_OK)
		return -1;
	/* 1: a signatory authenticates from New York. */
	d = details("country", "US", "city", "New York");
	add("2026-11-01T10:00:00.000001Z", &(struct pp_audit_event){ .type = PP_AUDIT_SIGNATORY_AUTH,
	    .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_SIGNATORY, .actor_id = "sig-001",
	    .requester = DEMO, .recipient = "sig-001", .client_ip = "127.0.0.3", .correlation = "req.A1",
	    .details = d });
	json_object_put(d);
	/* 2: another fails from Tokyo. */
	d = details("country", "JP", "op", "authz.otp_verify");
	add("2026-11-01T11:00:00.000000Z", &(struct pp_audit_event){ .type = PP_AUDIT_SIGNATORY_AUTH,
	    .outcome = PP_AUDIT_FAILURE, .actor_kind = PP_AUDIT_ACTOR_SIGNATORY, .actor_id = "sig-002",
	    .requester = OTHER, .recipient = "sig-002", .client_ip = "127.0.0.4", .correlation = "req.B2",
	    .cause = "=HYPERLINK(\"http://x\",\"a, b\")", .details = d });
	json_object_put(d);
	/* 3: the demo SCA has three hashes signed. */
	add_sig("2026-11-02T09:00:00.000000Z", DEMO, 3);
	/* 4: a staff login from ::1. */
	d = details("country", "FR", NULL, NULL);
	add("2026-11-02T09:30:00.000000Z", &(struct pp_audit_event){ .type = PP_AUDIT_ROLE_LOGIN,
	    .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_STAFF, .actor_id = "staff-1",
	    .actor_role = "operator", .client_ip = "::1", .details = d });
	json_object_put(d);
	/* 5: staff revoke a credential for an SCA (details.sca). */
	d = details("sca", "CN=sca-x", "signatory", "sig-003");
	add("2026-11-03T00:00:00.000000Z", &(struct pp_audit_event){ .type = PP_AUDIT_CREDENTIAL_CHANGE,
	    .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_STAFF, .actor_id = "staff-1",
	    .present = { "Alice Witness", "Bob Notary" }, .details = d });
	json_object_put(d);
	/* 6, 7: two more batches, one SCA without a count (one signature). */
	add_sig("2026-11-03T12:00:00.000000Z", OTHER, 1);
	add_sig("2026-11-03T12:00:01.000000Z", "CN=sca-third", 0);
	/* 8: the demo SCA acts itself (its OAuth client id in details). */
	d = details("client", "demo-sca", NULL, NULL);
	add("2026-11-03T23:59:59.999999Z", &(struct pp_audit_event){ .type = PP_AUDIT_SAD_USE,
	    .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_SCA, .actor_id = DEMO, .details = d });
	json_object_put(d);
	/* 9: the next day, a component starts. */
	add("2026-11-04T00:00:00.000000Z", &(struct pp_audit_event){ .type = PP_AUDIT_COMPONENT_START,
	    .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_SYSTEM, .actor_id = "paraphe-samd" });
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pp_store_close(db);
	pp_test_rmtree(dir);
	return 0;
}

/* ---- parsing */

static enum pp_err
parse1(int which, const char *v, struct admin_audit_filter *f, const char **why)
{
	const char *vals[AAF__MAX] = { 0 };

	vals[which] = v;
	return admin_audit_filter_parse(vals, f, why);
}

static void
test_parse(void **state)
{
	struct admin_audit_filter f;
	const char *vals[AAF__MAX] = { 0 }, *why;

	(void)state;
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_string_equal(f.from, "");
	assert_string_equal(f.to, "");
	/* Dates: from inclusive, to the end of the day, minute or second. */
	vals[AAF_FROM] = "2026-11-01";
	vals[AAF_TO] = "2026-11-01";
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_string_equal(f.from, "2026-11-01T00:00:00.000000Z");
	assert_string_equal(f.to, "2026-11-02T00:00:00.000000Z");
	vals[AAF_FROM] = "2026-11-01T10:00";
	vals[AAF_TO] = "2026-11-01 10:00:05Z";
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_string_equal(f.from, "2026-11-01T10:00:00.000000Z");
	assert_string_equal(f.to, "2026-11-01T10:00:06.000000Z");
	vals[AAF_TO] = "2026-12-31T23:59";
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_string_equal(f.to, "2027-01-01T00:00:00.000000Z");
	/* The period cannot end before it starts. */
	vals[AAF_TO] = "2026-10-31";
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_ERR_FIELD_INVALID);
	assert_string_equal(why, "the period ends before it starts");
	static const char *const bad_times[] = {
		"2026-02-30", "2026-13-01", "2026-11-1", "26-11-01", "2026/11/01", "2026-11-01T24:00",
		"2026-11-01T10:60", "2026-11-01T10", "2026-11-01T10:00:00.5", "yesterday", "1969-12-31",
		"2026-11-01ZZ",
	};
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
		assert_int_equal(parse1(AAF_FROM, bad_times[i], &f, &why), PP_ERR_FIELD_INVALID);
		assert_non_null(strstr(why, "from:"));
		assert_int_equal(parse1(AAF_TO, bad_times[i], &f, &why), PP_ERR_FIELD_INVALID);
	}
	assert_int_equal(parse1(AAF_FROM, "2028-02-29", &f, &why), PP_OK);
	/* Type, outcome, ip, country, correlation. */
	assert_int_equal(parse1(AAF_TYPE, "signatory.auth", &f, &why), PP_OK);
	assert_int_equal(parse1(AAF_TYPE, "signatory.nope", &f, &why), PP_ERR_FIELD_INVALID);
	assert_int_equal(parse1(AAF_OUTCOME, "failure", &f, &why), PP_OK);
	assert_int_equal(parse1(AAF_OUTCOME, "failed", &f, &why), PP_ERR_FIELD_INVALID);
	assert_int_equal(parse1(AAF_IP, "0:0:0:0:0:0:0:1", &f, &why), PP_OK);
	assert_string_equal(f.v[AAF_IP], "::1");
	assert_int_equal(parse1(AAF_IP, "127.0.0.3", &f, &why), PP_OK);
	assert_int_equal(parse1(AAF_IP, "127.0.0.300", &f, &why), PP_ERR_FIELD_INVALID);
	assert_int_equal(parse1(AAF_IP, "host.example", &f, &why), PP_ERR_FIELD_INVALID);
	assert_int_equal(parse1(AAF_COUNTRY, "us", &f, &why), PP_OK);
	assert_string_equal(f.v[AAF_COUNTRY], "US");
	assert_int_equal(parse1(AAF_COUNTRY, "USA", &f, &why), PP_ERR_FIELD_INVALID);
	assert_int_equal(parse1(AAF_COUNTRY, "1A", &f, &why), PP_ERR_FIELD_INVALID);
	assert_int_equal(parse1(AAF_CORRELATION, "req.A1:x-y_z", &f, &why), PP_OK);
	assert_int_equal(parse1(AAF_CORRELATION, "req A1", &f, &why), PP_ERR_FIELD_INVALID);
	/* Free text (actor, signatory, SCA): up to 256 bytes. */
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse1(AAF_ACTOR, big, &f, &why), PP_ERR_FIELD_INVALID);
	big[256] = '\0';
	assert_int_equal(parse1(AAF_ACTOR, big, &f, &why), PP_OK);
}

/* ---- searching */

struct seqs {
	int64_t v[64];
	size_t n;
};

static enum pp_err
collect(void *ctx, const struct admin_audit_row *r)
{
	struct seqs *s = ctx;

	assert_true(s->n < 64);
	assert_true(r->len > 0 && r->record[0] == '{' && r->record[r->len - 1] == '}');
	s->v[s->n++] = r->seq;
	return PP_OK;
}

/* The seqs filter which=value finds, newest first, as "9,8,..." */
static const char *
find(int which, const char *value)
{
	static char out[256];
	const char *vals[AAF__MAX] = { 0 }, *why;
	struct admin_audit_filter f;
	struct seqs s = { .n = 0 };
	int64_t total = -1;
	size_t pos = 0;

	vals[which] = value;
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_int_equal(admin_audit_search(db, &f, 0, 0, 50, collect, &s), PP_OK);
	assert_int_equal(admin_audit_count(db, &f, &total), PP_OK);
	assert_int_equal(total, (int64_t)s.n);
	out[0] = '\0';
	for (size_t i = 0; i < s.n; i++)
		pos += (size_t)snprintf(out + pos, sizeof(out) - pos, "%s%lld", i ? "," : "", (long long)s.v[i]);
	return out;
}

static void
test_filters(void **state)
{
	(void)state;
	assert_string_equal(find(AAF_FROM, NULL), "9,8,7,6,5,4,3,2,1");
	assert_string_equal(find(AAF_FROM, "2026-11-02"), "9,8,7,6,5,4,3");
	assert_string_equal(find(AAF_FROM, "2026-11-01T10:30"), "9,8,7,6,5,4,3,2");
	assert_string_equal(find(AAF_TO, "2026-11-01"), "2,1");
	assert_string_equal(find(AAF_TO, "2026-11-03"), "8,7,6,5,4,3,2,1");	/* 23:59:59.999999 included */
	assert_string_equal(find(AAF_TO, "2026-11-01T10:00"), "1");
	assert_string_equal(find(AAF_TO, "2026-10-31"), "");
	assert_string_equal(find(AAF_TYPE, "signatory.auth"), "2,1");
	assert_string_equal(find(AAF_TYPE, "signature.create"), "7,6,3");
	assert_string_equal(find(AAF_TYPE, "key.destroy"), "");
	assert_string_equal(find(AAF_ACTOR, "staff-1"), "5,4");
	assert_string_equal(find(AAF_ACTOR, "staff"), "");
	assert_string_equal(find(AAF_OUTCOME, "failure"), "2");
	assert_string_equal(find(AAF_OUTCOME, "success"), "9,8,7,6,5,4,3,1");
	/* Signatory: recipient, details.signatory, or the acting signatory. */
	assert_string_equal(find(AAF_SIGNATORY, "sig-001"), "7,6,3,1");
	assert_string_equal(find(AAF_SIGNATORY, "sig-002"), "2");
	assert_string_equal(find(AAF_SIGNATORY, "sig-003"), "5");
	assert_string_equal(find(AAF_SIGNATORY, "sig-00"), "");
	/* SCA: requester, acting SCA, details.sca, details.client. */
	assert_string_equal(find(AAF_SCA, DEMO), "8,3,1");
	assert_string_equal(find(AAF_SCA, OTHER), "6,2");
	assert_string_equal(find(AAF_SCA, "CN=sca-x"), "5");
	assert_string_equal(find(AAF_SCA, "demo-sca"), "8");
	assert_string_equal(find(AAF_SCA, "CN=sca-demo"), "");
	assert_string_equal(find(AAF_IP, "127.0.0.3"), "1");
	assert_string_equal(find(AAF_IP, "0::1"), "4");
	assert_string_equal(find(AAF_IP, "127.0.0.1"), "");
	assert_string_equal(find(AAF_COUNTRY, "us"), "1");
	assert_string_equal(find(AAF_COUNTRY, "JP"), "2");
	assert_string_equal(find(AAF_COUNTRY, "DE"), "");
	assert_string_equal(find(AAF_CORRELATION, "req.A1"), "1");
	assert_string_equal(find(AAF_CORRELATION, "req.A"), "");

	/* Filters combine with AND. */
	const char *vals[AAF__MAX] = { 0 }, *why;
	struct admin_audit_filter f;
	struct seqs s = { .n = 0 };
	vals[AAF_TYPE] = "signature.create";
	vals[AAF_SCA] = DEMO;
	vals[AAF_FROM] = "2026-11-02";
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_int_equal(admin_audit_search(db, &f, 0, 0, 50, collect, &s), PP_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 3);
}

static void
test_paging(void **state)
{
	const char *vals[AAF__MAX] = { 0 }, *why;
	struct admin_audit_filter f;
	struct seqs s = { .n = 0 };

	(void)state;
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	/* Older: newest first below before. */
	assert_int_equal(admin_audit_search(db, &f, 0, 0, 4, collect, &s), PP_OK);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.v[0], 9);
	assert_int_equal(s.v[3], 6);
	s.n = 0;
	assert_int_equal(admin_audit_search(db, &f, 6, 0, 4, collect, &s), PP_OK);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.v[0], 5);
	assert_int_equal(s.v[3], 2);
	s.n = 0;
	assert_int_equal(admin_audit_search(db, &f, 2, 0, 4, collect, &s), PP_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 1);
	/* Newer: oldest first above after. */
	s.n = 0;
	assert_int_equal(admin_audit_search(db, &f, 0, 5, 3, collect, &s), PP_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0], 6);
	assert_int_equal(s.v[2], 8);
	/* Paging keeps the filters. */
	vals[AAF_SIGNATORY] = "sig-001";
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	s.n = 0;
	assert_int_equal(admin_audit_search(db, &f, 6, 0, 50, collect, &s), PP_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 3);
	assert_int_equal(s.v[1], 1);
	/* One record. */
	s.n = 0;
	assert_int_equal(admin_audit_get(db, 4, collect, &s), PP_OK);
	assert_int_equal(s.v[0], 4);
	assert_int_equal(admin_audit_get(db, 99, collect, &s), PP_ERR_NOT_FOUND);
	assert_int_equal(admin_audit_search(NULL, &f, 0, 0, 1, collect, &s), PP_ERR_UNAVAILABLE);
}

/* ---- export */

static char *
export(const char *type, enum admin_audit_format fmt, struct admin_audit_export *x, size_t *size)
{
	const char *vals[AAF__MAX] = { 0 }, *why;
	struct admin_audit_filter f;
	char *buf = NULL;
	FILE *m;

	vals[AAF_TYPE] = type;
	assert_int_equal(admin_audit_filter_parse(vals, &f, &why), PP_OK);
	assert_non_null(m = open_memstream(&buf, size));
	assert_int_equal(admin_audit_export(db, &f, fmt, m, x), PP_OK);
	assert_int_equal(fclose(m), 0);
	return buf;
}

static void
test_csv_cell(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" }, { "", "" }, { "a,b", "\"a,b\"" }, { "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "=1+2", "\"'=1+2\"" }, { "+33 6", "\"'+33 6\"" }, { "-74.0060", "\"'-74.0060\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" }, { "\tx", "\"'\tx\"" }, { "a=b", "a=b" },
		{ "=\"x\",y", "\"'=\"\"x\"\",y\"" }, { "line\nbreak", "\"line\nbreak\"" },
	};
	char *buf = NULL;
	size_t size;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *m = open_memstream(&buf, &size);
		assert_non_null(m);
		admin_audit_csv_cell(m, cases[i].in, strlen(cases[i].in));
		fclose(m);
		assert_string_equal(buf, cases[i].out);
		free(buf);
		buf = NULL;
	}
}

#define CSV_HEADER "seq,time,type,outcome,actor_kind,actor_id,actor_role,requester,recipient,present," \
	"client_ip,country,city,correlation,cause,details,record\r\n"

static void
test_export_csv(void **state)
{
	struct admin_audit_export x;
	size_t size;
	char *csv = export(NULL, ADMIN_AUDIT_CSV, &x, &size);
	int lines = 0;

	(void)state;
	assert_int_equal(x.count, 9);
	assert_int_equal(x.first_seq, 1);
	assert_int_equal(x.last_seq, 9);
	assert_false(x.truncated);
	assert_true(strncmp(csv, CSV_HEADER, strlen(CSV_HEADER)) == 0);
	for (char *p = csv; (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines++;
	assert_int_equal(lines, 10);
	/* Oldest first; the DN with commas quoted; the country from details. */
	assert_non_null(strstr(csv, "\r\n1,2026-11-01T10:00:00.000001Z,signatory.auth,success,signatory,sig-001,,"
	    "\"CN=sca-demo,O=Demo,C=FR\",sig-001,,127.0.0.3,US,New York,req.A1,,"));
	/* The cause that would be a formula is quoted and neutralised. */
	assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://x\"\",\"\"a, b\"\")\","));
	assert_null(strstr(csv, ",=HYPERLINK"));
	/* Persons present joined; details as JSON. */
	assert_non_null(strstr(csv, ",Alice Witness; Bob Notary,"));
	/* The record's exact bytes are the last cell. */
	assert_non_null(strstr(csv, "\"{\"\"actor\"\":{\"\"id\"\":\"\"paraphe-samd\"\",\"\"kind\"\":\"\"system\"\"}"));
	free(csv);

	csv = export("key.destroy", ADMIN_AUDIT_CSV, &x, &size);
	assert_int_equal(x.count, 0);
	assert_int_equal(x.first_seq, 0);
	assert_string_equal(csv, CSV_HEADER);	/* the header alone */
	free(csv);
}

static void
test_export_json(void **state)
{
	struct admin_audit_export x;
	size_t size;
	char *js = export("signature.create", ADMIN_AUDIT_JSON, &x, &size);
	json_object *a = NULL;

	(void)state;
	assert_int_equal(x.count, 3);
	assert_int_equal(x.first_seq, 3);
	assert_int_equal(x.last_seq, 7);
	assert_int_equal(strlen(js), size);
	assert_non_null(a = json_tokener_parse(js));
	assert_true(json_object_is_type(a, json_type_array));
	assert_int_equal(json_object_array_length(a), 3);
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(a, 0), "seq")), 3);
	assert_int_equal(json_object_get_int64(json_object_object_get(json_object_array_get_idx(a, 2), "seq")), 7);
	json_object_put(a);
	free(js);

	js = export("key.destroy", ADMIN_AUDIT_JSON, &x, &size);
	assert_string_equal(js, "[]\n");
	free(js);
}

/* More than the limit: the first ADMIN_AUDIT_EXPORT_ROWS, and "truncated". */
static void
test_export_limit(void **state)
{
	struct admin_audit_export x;
	size_t size;
	char *csv;

	(void)state;
	assert_int_equal(pp_store_begin(db), PP_OK);
	for (int i = 0; i < ADMIN_AUDIT_EXPORT_ROWS; i++)
		add("2026-11-05T00:00:00.000000Z", &(struct pp_audit_event){ .type = PP_AUDIT_LOG_HEARTBEAT,
		    .outcome = PP_AUDIT_SUCCESS, .actor_kind = PP_AUDIT_ACTOR_SYSTEM, .actor_id = "paraphe-auditd" });
	assert_int_equal(pp_store_commit(db), PP_OK);
	csv = export(NULL, ADMIN_AUDIT_CSV, &x, &size);
	assert_int_equal(x.count, ADMIN_AUDIT_EXPORT_ROWS);
	assert_true(x.truncated);
	assert_int_equal(x.first_seq, 1);
	assert_int_equal(x.last_seq, ADMIN_AUDIT_EXPORT_ROWS);
	free(csv);
	csv = export("audit.heartbeat", ADMIN_AUDIT_JSON, &x, &size);
	assert_int_equal(x.count, ADMIN_AUDIT_EXPORT_ROWS);
	assert_false(x.truncated);
	free(csv);
	/* Back to the nine records of the other tests. */
	struct pp_val b[1] = { PP_VAL_I(10) };
	assert_int_equal(pp_store_exec(db, "DELETE FROM records WHERE seq >= ?", b, 1, NULL, NULL, NULL), PP_OK);
	next_seq = 10;
}

/* ---- charts' data */

static void
test_per_day(void **state)
{
	int64_t ev[4], fail[4];

	(void)state;
	assert_int_equal(admin_audit_per_day(db, "2026-10-31", 4, ev, fail), PP_OK);
	assert_int_equal(ev[0], 0);
	assert_int_equal(ev[1], 2);
	assert_int_equal(fail[1], 1);
	assert_int_equal(ev[2], 2);
	assert_int_equal(fail[2], 0);
	assert_int_equal(ev[3], 4);	/* 23:59:59.999999 is still the 3rd */
	assert_int_equal(admin_audit_per_day(db, "2026-11-04", 1, ev, fail), PP_OK);
	assert_int_equal(ev[0], 1);
	assert_int_equal(admin_audit_per_day(db, "2026-11-4", 1, ev, fail), PP_ERR_FIELD_INVALID);
}

static void
test_signatures(void **state)
{
	struct admin_audit_tally t[3];
	size_t n;

	(void)state;
	assert_int_equal(admin_audit_signatures(db, "2026-11-01T00:00:00.000000Z", t, 3, &n), PP_OK);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].label, DEMO);
	assert_int_equal(t[0].n, 3);
	/* One each: ordered by name. */
	assert_string_equal(t[1].label, "CN=sca-other,O=Other,C=DE");
	assert_int_equal(t[1].n, 1);
	assert_string_equal(t[2].label, "CN=sca-third");
	assert_int_equal(t[2].n, 1);
	/* Two entries for three SCAs: the last adds up the rest. */
	assert_int_equal(admin_audit_signatures(db, "2026-11-01T00:00:00.000000Z", t, 2, &n), PP_OK);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].label, DEMO);
	assert_string_equal(t[1].label, "Other SCAs");
	assert_int_equal(t[1].n, 2);
	/* Since a later day. */
	assert_int_equal(admin_audit_signatures(db, "2026-11-03T00:00:00.000000Z", t, 3, &n), PP_OK);
	assert_int_equal(n, 2);
	assert_int_equal(admin_audit_signatures(db, "2026-12-01T00:00:00.000000Z", t, 3, &n), PP_OK);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_csv_cell),
		cmocka_unit_test(test_export_csv),
		cmocka_unit_test(test_export_json),
		cmocka_unit_test(test_per_day),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_export_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
