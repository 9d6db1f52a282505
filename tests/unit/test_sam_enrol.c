/*
 * Signatory enrolment: every field's checks, the line between a malformed
 * request (connection closed) and a refusal (answered), and the stored
 * rows against a real SQLite database with the "sam" schema: ids unique
 * across SCAs, another SCA sees nothing of a signatory, deletion is real
 * and refused while a credential is active, the credential state machine
 * holds in the database itself.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "pp_json.h"
#include "pp_store.h"
#include "pp_test.h"
#include "sam_enrol.h"

#define NOW INT64_C(1700000000000)

struct fx {
	char dir[64];
	struct pp_store *st;
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct pp_migration *m;
	char path[128];
	size_t n;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/pp-enrol.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/sam.db", f->dir);
	m = pp_schema_migrations("sam", &n);
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, n, &f->st), PP_OK);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	pp_store_close(f->st);
	pp_test_rmtree(f->dir);
	free(f);
	return 0;
}

static json_object *
J(const char *text)
{
	json_object *o = NULL;

	assert_int_equal(pp_json_parse(text, strlen(text), 8, 256, &o), PP_OK);
	return o;
}

#define CREATE_REQ(extra) "{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"CN=sca-demo\",\"id\":\"sig-1\"," \
	"\"given_name\":\"\\u00c9lodie\",\"surname\":\"Martin\",\"country\":\"FR\"," \
	"\"serial_number\":\"IDCFR-123456\",\"mobile\":\"+33612345678\",\"evidence\":\"KYC-2026-0001\"" extra "}"

/* Parses text as a create request. OUT *s, *ref; returns the pp_err. */
static enum pp_err
parse(const char *text, int update, struct sam_signatory *s, struct sam_refuse *ref)
{
	json_object *o = J(text);
	unsigned mask;
	enum pp_err rc = sam_enrol_parse(o, update, s, &mask, ref);

	json_object_put(o);
	return rc;
}

/* ------------------------------------------------------------------ values */

static void
test_values(void **state)
{
	char m[SAM_ENROL_MOBILE_MAX + 1];
	char long_id[80];

	(void)state;
	assert_true(sam_enrol_id_ok("sig-1"));
	assert_true(sam_enrol_id_ok("A~!"));
	assert_false(sam_enrol_id_ok(""));
	assert_false(sam_enrol_id_ok("with space"));
	assert_false(sam_enrol_id_ok("caf\xc3\xa9"));
	assert_false(sam_enrol_id_ok("tab\t"));
	memset(long_id, 'a', 64);
	long_id[64] = '\0';
	assert_true(sam_enrol_id_ok(long_id));
	long_id[64] = 'a', long_id[65] = '\0';
	assert_false(sam_enrol_id_ok(long_id));

	assert_true(sam_enrol_country_ok("FR"));
	assert_true(sam_enrol_country_ok("DE"));
	assert_false(sam_enrol_country_ok("fr"));
	assert_false(sam_enrol_country_ok("XX"));	/* not assigned */
	assert_false(sam_enrol_country_ok("UK"));	/* reserved, not assigned */
	assert_false(sam_enrol_country_ok("FRA"));
	assert_false(sam_enrol_country_ok("F"));

	assert_true(sam_enrol_serial_ok("IDCFR-123456"));
	assert_true(sam_enrol_serial_ok("PASDE-C01X00T47"));
	assert_false(sam_enrol_serial_ok("IDCFR-"));
	assert_false(sam_enrol_serial_ok("XYZFR-123"));
	assert_false(sam_enrol_serial_ok("IDCfr-123"));
	assert_false(sam_enrol_serial_ok("IDCFR123456"));
	assert_false(sam_enrol_serial_ok("IDCFR-12 34"));
	assert_false(sam_enrol_serial_ok("IDCFR-12\xc3\xa9"));

	assert_true(sam_enrol_mobile_norm("+33612345678", m));
	assert_string_equal(m, "33612345678");
	assert_true(sam_enrol_mobile_norm("33612345678", m));
	assert_false(sam_enrol_mobile_norm("0612345678", m));
	assert_false(sam_enrol_mobile_norm("+3361234", m) && strlen(m) < 8);
	assert_false(sam_enrol_mobile_norm("+1234567", m));
	assert_false(sam_enrol_mobile_norm("+3361234567890123", m));
	assert_false(sam_enrol_mobile_norm("+33 612345678", m));
	assert_false(sam_enrol_mobile_norm("++33612345678", m));

	assert_true(sam_enrol_name_ok("\xc3\x89lodie"));
	assert_false(sam_enrol_name_ok(" Martin"));
	assert_false(sam_enrol_name_ok("Martin "));
	assert_false(sam_enrol_name_ok("Mar\ntin"));
	assert_false(sam_enrol_name_ok("\xc3"));		/* not UTF-8 */
	assert_true(sam_enrol_sca_ok("CN=sca-demo,O=Demo,C=FR"));
	assert_false(sam_enrol_sca_ok(""));
}

/* ------------------------------------------------------------------ parsing */

static void
test_parse(void **state)
{
	struct sam_signatory s;
	struct sam_refuse ref;

	(void)state;
	assert_int_equal(parse(CREATE_REQ(""), 0, &s, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	assert_string_equal(s.mobile, "33612345678");
	assert_string_equal(s.given_name, "\xc3\x89lodie");
	assert_string_equal(s.idp_subject, "");

	/* Malformed: closes the connection. */
	assert_int_equal(parse(CREATE_REQ(",\"role\":\"admin\""), 0, &s, &ref), PP_ERR_BAD_REQUEST);
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"a\",\"id\":7}", 0, &s, &ref),
	    PP_ERR_BAD_REQUEST);
	assert_int_equal(parse(CREATE_REQ(",\"idp_subject\":null"), 0, &s, &ref), PP_ERR_BAD_REQUEST);
	assert_int_equal(parse(CREATE_REQ(",\"idp_subject\":[\"x\"]"), 0, &s, &ref), PP_ERR_BAD_REQUEST);

	/* Refusals: answered with what to fix. */
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"a\",\"id\":\"b\"}", 0, &s, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_INVALID);
	assert_string_equal(sam_refusal_code(ref.why), "invalid_request");
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"CN=a\",\"id\":\"b c\","
	    "\"given_name\":\"A\",\"surname\":\"B\",\"country\":\"FR\",\"serial_number\":\"IDCFR-1\","
	    "\"mobile\":\"33612345678\",\"evidence\":\"e\"}", 0, &s, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_INVALID);
	assert_non_null(strstr(ref.text, "id:"));
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"CN=a\",\"id\":\"b\","
	    "\"given_name\":\"A\",\"surname\":\"B\",\"country\":\"ZZ\",\"serial_number\":\"IDCFR-1\","
	    "\"mobile\":\"33612345678\",\"evidence\":\"e\"}", 0, &s, &ref), PP_OK);
	assert_non_null(strstr(ref.text, "country"));
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"CN=a\",\"id\":\"b\","
	    "\"given_name\":\"A\",\"surname\":\"B\",\"country\":\"FR\",\"serial_number\":\"IDCFR-1\","
	    "\"mobile\":\"0612345678\",\"evidence\":\"e\"}", 0, &s, &ref), PP_OK);
	assert_non_null(strstr(ref.text, "mobile"));
	/* Common name "given surname" must fit 64 bytes. */
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.create\",\"sca\":\"CN=a\",\"id\":\"b\","
	    "\"given_name\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"surname\":\"BBBBBBBBBBBBBBBBBBBBBBBBB\","
	    "\"country\":\"FR\",\"serial_number\":\"IDCFR-1\",\"mobile\":\"33612345678\",\"evidence\":\"e\"}",
	    0, &s, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_INVALID);
	assert_non_null(strstr(ref.text, "common name"));

	/* Update: the ids plus at least one member. */
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.update\",\"sca\":\"CN=a\",\"id\":\"b\"}", 1, &s, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_INVALID);
	assert_int_equal(parse("{\"v\":1,\"op\":\"signatory.update\",\"sca\":\"CN=a\",\"id\":\"b\",\"mobile\":\"+4915112345678\"}",
	    1, &s, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	assert_string_equal(s.mobile, "4915112345678");
}

/* ------------------------------------------------------------------ storage */

static void
make(struct sam_signatory *s, const char *sca, const char *id)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->sca, sizeof(s->sca), "%s", sca);
	snprintf(s->id, sizeof(s->id), "%s", id);
	strcpy(s->given_name, "Jean");
	strcpy(s->surname, "Dupont");
	strcpy(s->country, "FR");
	strcpy(s->serial_number, "IDCFR-42");
	strcpy(s->mobile, "33612345678");
	strcpy(s->evidence, "KYC-1");
}

static void
credential_row(struct pp_store *st, const char *id, const char *sig, const char *state)
{
	struct pp_val b[4] = { PP_VAL_S(id), PP_VAL_S(sig), PP_VAL_S(id), PP_VAL_S(state) };

	assert_int_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, certificate, serial, created_ms, updated_ms) VALUES (?, ?, 'CN=A', 'ec-p256',"
	    " substr(?||'00000000000000000000000000000000', 1, 32), ?, x'3000', '01', 1, 1)",
	    b, 4, NULL, NULL, NULL), PP_OK);
}

static void
test_store(void **state)
{
	struct fx *f = *state;
	struct sam_signatory s, got, upd;
	struct sam_refuse ref;

	make(&s, "CN=A", "sig-1");
	assert_int_equal(sam_enrol_create(f->st, &s, NOW, &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	/* Ids are unique whoever asks. */
	assert_int_equal(sam_enrol_create(f->st, &s, NOW, &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_CONFLICT);
	make(&s, "CN=B", "sig-1");
	assert_int_equal(sam_enrol_create(f->st, &s, NOW, &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_CONFLICT);

	assert_int_equal(sam_enrol_get(f->st, "CN=A", "sig-1", &got, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	assert_string_equal(got.surname, "Dupont");
	assert_string_equal(got.idp_subject, "");
	assert_int_equal(got.created_ms, NOW);
	/* Another SCA: denied, and nothing is copied out. */
	assert_int_equal(sam_enrol_get(f->st, "CN=B", "sig-1", &got, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_DENIED);
	assert_string_equal(got.surname, "");
	assert_int_equal(sam_enrol_get(f->st, "CN=A", "nobody", &got, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NOT_FOUND);

	make(&upd, "CN=A", "sig-1");
	strcpy(upd.mobile, "4915112345678");
	strcpy(upd.idp_subject, "oidc|1234");
	assert_int_equal(sam_enrol_update(f->st, &upd, SAM_ENROL_F_MOBILE | SAM_ENROL_F_IDP, NOW + 5, &got, &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	assert_string_equal(got.mobile, "4915112345678");
	assert_string_equal(got.surname, "Dupont");
	assert_int_equal(got.updated_ms, NOW + 5);
	make(&upd, "CN=B", "sig-1");
	assert_int_equal(sam_enrol_update(f->st, &upd, SAM_ENROL_F_MOBILE, NOW + 6, &got, &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_DENIED);
	assert_int_equal(sam_enrol_get(f->st, "CN=A", "sig-1", &got, &ref), PP_OK);
	assert_string_equal(got.mobile, "4915112345678");
	assert_string_equal(got.idp_subject, "oidc|1234");

	/* Deletion: another SCA cannot; an active credential blocks it. */
	assert_int_equal(sam_enrol_delete(f->st, "CN=B", "sig-1", &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_DENIED);
	credential_row(f->st, "c1", "sig-1", "ACTIVE");
	assert_int_equal(sam_enrol_delete(f->st, "CN=A", "sig-1", &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_CONFLICT);
	assert_int_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'REVOKED'", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(sam_enrol_delete(f->st, "CN=A", "sig-1", &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	assert_int_equal(sam_enrol_get(f->st, "CN=A", "sig-1", &got, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NOT_FOUND);
	assert_int_equal(sam_enrol_delete(f->st, "CN=A", "sig-1", &ref, NULL), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NOT_FOUND);
}

/* The database refuses illegal credential transitions and an ACTIVE row
 * without a certificate, whatever the code does. */
static void
test_credential_states(void **state)
{
	struct fx *f = *state;

	credential_row(f->st, "c2", "sig-2", "PENDING");
	assert_int_not_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'REVOKED' WHERE id = 'c2'",
	    NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'ACTIVE' WHERE id = 'c2'",
	    NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'PENDING' WHERE id = 'c2'",
	    NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'REVOKED' WHERE id = 'c2'",
	    NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'ACTIVE' WHERE id = 'c2'",
	    NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(f->st, "UPDATE credentials SET state = 'DESTROYED' WHERE id = 'c2'",
	    NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(f->st, "INSERT INTO credentials (id, signatory, sca, key_type,"
	    " key_id, state, created_ms, updated_ms) VALUES ('c3', 's', 'CN=A', 'ec-p256',"
	    " '0123456789abcdef0123456789abcdef', 'ACTIVE', 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(f->st, "INSERT INTO credentials (id, signatory, sca, key_type,"
	    " key_id, state, created_ms, updated_ms) VALUES ('c4', 's', 'CN=A', 'rsa2048',"
	    " '0123456789abcdef0123456789abcdef', 'PENDING', 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
}

static void
test_shape(void **state)
{
	static const struct sam_field f[] = { {"sca", 1}, {"credential", 1}, {"note", 0} };
	struct sam_refuse ref;
	json_object *o;

	(void)state;
	o = J("{\"v\":1,\"op\":\"x\",\"sca\":\"a\",\"credential\":\"b\"}");
	assert_int_equal(sam_req_shape(o, f, 3, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	json_object_put(o);
	o = J("{\"v\":1,\"op\":\"x\",\"sca\":\"a\"}");
	assert_int_equal(sam_req_shape(o, f, 3, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_INVALID);
	json_object_put(o);
	o = J("{\"v\":1,\"op\":\"x\",\"sca\":\"a\",\"credential\":\"b\",\"note\":{}}");
	assert_int_equal(sam_req_shape(o, f, 3, &ref), PP_ERR_BAD_REQUEST);
	json_object_put(o);
	o = J("{\"v\":1,\"op\":\"x\",\"sca\":\"a\",\"credential\":\"b\",\"Note\":\"c\"}");
	assert_int_equal(sam_req_shape(o, f, 3, &ref), PP_ERR_BAD_REQUEST);
	json_object_put(o);
	o = J("{\"v\":1,\"op\":\"x\"}");
	assert_int_equal(sam_req_shape(o, NULL, 0, &ref), PP_OK);
	assert_int_equal(ref.why, SAM_REFUSAL_NONE);
	json_object_put(o);
	o = J("{\"v\":1,\"op\":\"x\",\"sca\":\"a\"}");
	assert_int_equal(sam_req_shape(o, NULL, 0, &ref), PP_ERR_BAD_REQUEST);
	json_object_put(o);
}

static void
test_answers(void **state)
{
	struct sam_signatory s;
	struct sam_refuse ref = { SAM_REFUSAL_DENIED, "the signatory belongs to another SCA" };
	json_object *a = json_object_new_object();
	const char *out;

	(void)state;
	make(&s, "CN=A", "sig-1");
	assert_int_equal(sam_enrol_json(&s, a), PP_OK);
	out = pp_json_str(a, NULL);
	assert_non_null(strstr(out, "\"mobile\":\"33612345678\""));
	assert_null(strstr(out, "idp_subject"));
	json_object_put(a);
	a = json_object_new_object();
	assert_int_equal(sam_refuse_json(&ref, a), PP_OK);
	assert_string_equal(pp_json_str(a, NULL),
	    "{\"error\":\"access_denied\",\"error_description\":\"the signatory belongs to another SCA\"}");
	json_object_put(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_answers),
		cmocka_unit_test_setup_teardown(test_store, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_credential_states, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
