/*
 * The staff ops' checks (sam/sam_staff.c): the strict, table-driven shape
 * of every request (unknown members and wrong types are malformed, inside
 * the people objects too), the people and dual control (the approver is
 * the acting member and not the proposer), pages and filters, the masked
 * mobile number, the algorithms staff may withdraw, the schema's final
 * cessation and withdrawal rows, and the read ops (search, credential and
 * session lists) on a real SQLite database.  Revocation, the inventory,
 * bulk destruction, cessation and withdrawal run against the real token
 * and audit daemon in tests/integration/t_sam_staff.sh.
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
#include "pp_daemon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_store.h"
#include "sam_client.h"
#include "sam_enrol.h"
#include "sam_staff.h"
#include "pp_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OPS "{\"id\":\"stf-1\",\"name\":\"Olivier Operateur\",\"role\":\"operator\"}"
#define SM1 "{\"id\":\"stf-2\",\"name\":\"Sophie S\",\"role\":\"security_manager\"}"
#define SM2 "{\"id\":\"stf-3\",\"name\":\"Samuel S\",\"role\":\"security_manager\"}"

static const struct sam_sad_field list_fields[] = {
	{"q", json_type_string, 0}, {"limit", json_type_int, 0}, {"offset", json_type_int, 0} };
static const struct sam_staff_spec list_spec = { "t.list", list_fields, N(list_fields), 0 };
static const struct sam_sad_field dual_fields[] = { {"reason", json_type_string, 1} };
static const struct sam_staff_spec dual_spec = { "t.dual", dual_fields, N(dual_fields), 1 };

/* Parses text against spec.  OUT *why.  Returns sam_staff_parse's code. */
static enum pp_err
parse(const char *text, const struct sam_staff_spec *spec, struct sam_staff_order *o, const char **why)
{
	json_object *req = json_tokener_parse(text);
	enum pp_err rc;

	assert_non_null(req);
	rc = sam_staff_parse(req, spec, o, why);
	json_object_put(req);
	return rc;
}

static void
test_tokens_roles(void **state)
{
	(void)state;
	assert_true(sam_staff_token_ok("stf-ops.1_A", SAM_STAFF_ID_MAX));
	assert_false(sam_staff_token_ok("", SAM_STAFF_ID_MAX));
	assert_false(sam_staff_token_ok(NULL, SAM_STAFF_ID_MAX));
	assert_false(sam_staff_token_ok("a b", SAM_STAFF_ID_MAX));
	assert_false(sam_staff_token_ok("a/b", SAM_STAFF_ID_MAX));
	assert_true(sam_staff_token_ok("abcd", 4));
	assert_false(sam_staff_token_ok("abcde", 4));
	/* ROLE-1's trust roles, nothing else */
	assert_true(sam_staff_role_ok("security_manager"));
	assert_true(sam_staff_role_ok("application_manager"));
	assert_true(sam_staff_role_ok("system_engineer"));
	assert_true(sam_staff_role_ok("operator"));
	assert_true(sam_staff_role_ok("controller"));
	assert_true(sam_staff_role_ok("share_holder"));
	assert_false(sam_staff_role_ok("signatory"));
	assert_false(sam_staff_role_ok("Operator"));
	assert_false(sam_staff_role_ok("root"));
	assert_false(sam_staff_role_ok(NULL));
	/* several, as the console labels them */
	assert_true(sam_staff_role_ok("application_manager+operator"));
	assert_true(sam_staff_role_ok("security_manager+share_holder"));
	assert_false(sam_staff_role_ok("operator+operator"));
	assert_false(sam_staff_role_ok("operator+"));
	assert_false(sam_staff_role_ok("+operator"));
	assert_false(sam_staff_role_ok("operator++controller"));
	assert_false(sam_staff_role_ok("operator+root"));
	assert_false(sam_staff_role_ok(""));
}

static void
test_shape(void **state)
{
	struct sam_staff_order o;
	const char *why;

	(void)state;
	/* well-formed */
	assert_int_equal(parse("{\"v\":1,\"op\":\"t.list\",\"staff\":" OPS ",\"q\":\"x\",\"limit\":5}", &list_spec,
	    &o, &why), PP_OK);
	assert_null(why);
	assert_string_equal(o.staff.id, "stf-1");
	assert_string_equal(o.staff.role, "operator");
	assert_string_equal(o.staff.name, "Olivier Operateur");
	/* malformed: unknown member, wrong types, an unknown or non-string
	 * member inside staff, staff not an object, not an object at all */
	static const char *const bad[] = {
		"{\"staff\":" OPS ",\"nope\":1}",
		"{\"staff\":" OPS ",\"q\":5}",
		"{\"staff\":" OPS ",\"limit\":\"5\"}",
		"{\"staff\":" OPS ",\"proposal\":\"p\"}",	/* not a dual-control op */
		"{\"staff\":{\"id\":\"a\",\"name\":\"b\",\"role\":\"operator\",\"x\":\"y\"}}",
		"{\"staff\":{\"id\":1,\"name\":\"b\",\"role\":\"operator\"}}",
		"{\"staff\":{\"id\":\"a\",\"name\":\"b\",\"role\":\"operator\",\"op\":\"x\"}}",
		"{\"staff\":\"stf-1\"}",
		"[1]",
	};
	for (size_t i = 0; i < N(bad); i++)
		assert_int_equal(parse(bad[i], &list_spec, &o, &why), PP_ERR_BAD_REQUEST);
	/* refused: what to fix */
	static const struct {
		const char *req, *why;
	} refused[] = {
		{ "{}", "staff and the op's required members are required" },
		{ "{\"staff\":{\"id\":\"a\",\"name\":\"b\"}}", "staff: id, name and role are required" },
		{ "{\"staff\":{\"id\":\"a b\",\"name\":\"b\",\"role\":\"operator\"}}",
		  "id: the staff account id, 1 to 64 characters [A-Za-z0-9._-]" },
		{ "{\"staff\":{\"id\":\"a\",\"name\":\"\",\"role\":\"operator\"}}",
		  "name: the person's name, 1 to 128 bytes of UTF-8 without control characters" },
		{ "{\"staff\":{\"id\":\"a\",\"name\":\"b\\u0007\",\"role\":\"operator\"}}",
		  "name: the person's name, 1 to 128 bytes of UTF-8 without control characters" },
		{ "{\"staff\":{\"id\":\"a\",\"name\":\"b\",\"role\":\"admin\"}}",
		  "role: security_manager, application_manager, system_engineer, operator, controller or share_holder,"
		  " or several joined with '+'" },
	};
	for (size_t i = 0; i < N(refused); i++) {
		assert_int_equal(parse(refused[i].req, &list_spec, &o, &why), PP_OK);
		assert_non_null(why);
		assert_string_equal(why, refused[i].why);
	}
}

static void
test_dual_control(void **state)
{
	struct sam_staff_order o;
	const char *why;

	(void)state;
	/* two people: the proposer proposed, the acting member approves */
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposal\":\"p-1\",\"proposer\":" SM1 ",\"approver\":" SM2
	    ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_OK);
	assert_null(why);
	assert_true(o.dual);
	assert_string_equal(o.proposal, "p-1");
	assert_string_equal(o.proposer.id, "stf-2");
	assert_string_equal(o.staff.id, "stf-3");
	/* the proposer approving their own proposal */
	assert_int_equal(parse("{\"staff\":" SM1 ",\"proposal\":\"p-1\",\"proposer\":" SM1 ",\"approver\":" SM1
	    ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_OK);
	assert_string_equal(why, "dual control: the proposer may not approve their own proposal");
	/* ... also under another name or role: the account id decides */
	assert_int_equal(parse("{\"staff\":" SM1 ",\"proposal\":\"p-1\",\"proposer\":{\"id\":\"stf-2\",\"name\":\"X\","
	    "\"role\":\"operator\"},\"approver\":" SM1 ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_OK);
	assert_string_equal(why, "dual control: the proposer may not approve their own proposal");
	/* the approver must be the acting member */
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposal\":\"p-1\",\"proposer\":" SM1 ",\"approver\":" OPS
	    ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_OK);
	assert_string_equal(why, "approver: must be the staff member acting (the one who approves)");
	/* a refusal still names the people, for its record */
	assert_string_equal(o.proposer.id, "stf-2");
	assert_string_equal(o.staff.id, "stf-3");
	/* missing members */
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposer\":" SM1 ",\"approver\":" SM2 ",\"reason\":\"r\"}",
	    &dual_spec, &o, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposal\":\"p-1\",\"proposer\":" SM1 ",\"approver\":" SM2 "}",
	    &dual_spec, &o, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposal\":\"p 1\",\"proposer\":" SM1 ",\"approver\":" SM2
	    ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_OK);
	assert_string_equal(why, "proposal: the proposal id, 1 to 64 characters [A-Za-z0-9._-]");
	/* malformed: the proposal not a string, the proposer not an object */
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposal\":1,\"proposer\":" SM1 ",\"approver\":" SM2
	    ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_ERR_BAD_REQUEST);
	assert_int_equal(parse("{\"staff\":" SM2 ",\"proposal\":\"p\",\"proposer\":\"stf-2\",\"approver\":" SM2
	    ",\"reason\":\"r\"}", &dual_spec, &o, &why), PP_ERR_BAD_REQUEST);
}

static void
test_page_filters(void **state)
{
	const char *states[3], *why;
	int64_t limit, offset;
	json_object *req;
	char m[SAM_ENROL_MOBILE_MAX + 1];

	(void)state;
	req = json_tokener_parse("{}");
	why = NULL;
	sam_staff_page(req, &limit, &offset, &why);
	assert_null(why);
	assert_int_equal(limit, SAM_STAFF_LIMIT_DEFAULT);
	assert_int_equal(offset, 0);
	json_object_put(req);
	static const struct {
		const char *req;
		int ok;
	} pages[] = {
		{ "{\"limit\":1}", 1 }, { "{\"limit\":100,\"offset\":7}", 1 }, { "{\"limit\":0}", 0 },
		{ "{\"limit\":101}", 0 }, { "{\"offset\":-1}", 0 }, { "{\"limit\":-5}", 0 },
	};
	for (size_t i = 0; i < N(pages); i++) {
		req = json_tokener_parse(pages[i].req);
		why = NULL;
		sam_staff_page(req, &limit, &offset, &why);
		assert_int_equal(why == NULL, pages[i].ok);
		json_object_put(req);
	}
	assert_true(sam_staff_states("active", states));
	assert_string_equal(states[0], "ACTIVE");
	assert_null(states[1]);
	assert_true(sam_staff_states("closed", states));
	assert_string_equal(states[0], "REVOKED");
	assert_string_equal(states[1], "EXPIRED");
	assert_string_equal(states[2], "DESTROYED");
	assert_false(sam_staff_states("ACTIVE", states));
	assert_false(sam_staff_states("", states));
	assert_false(sam_staff_states(NULL, states));
	/* the mobile number: only its last two digits */
	sam_staff_mask_mobile("33612345678", m, sizeof(m));
	assert_string_equal(m, "*********78");
	sam_staff_mask_mobile("12", m, sizeof(m));
	assert_string_equal(m, "12");
	sam_staff_mask_mobile("", m, sizeof(m));
	assert_string_equal(m, "");
}

static void
test_withdrawal_checks(void **state)
{
	unsigned km, hm;

	(void)state;
	assert_true(sam_staff_algo("ec-p384", &km, &hm));
	assert_int_equal(km, 1u << PP_P11_EC_P384);
	assert_int_equal(hm, 0);
	/* RSA 3072 takes the weaker legacy RSA 2048 with it */
	assert_true(sam_staff_algo("rsa3072", &km, &hm));
	assert_int_equal(km, (1u << PP_P11_RSA3072) | (1u << PP_P11_RSA2048));
	assert_true(sam_staff_algo("rsa2048", &km, &hm));
	assert_int_equal(km, 1u << PP_P11_RSA2048);
	assert_true(sam_staff_algo("sha512", &km, &hm));
	assert_int_equal(km, 0);
	assert_int_equal(hm, 1u << PP_P11_SHA512);
	assert_true(sam_staff_algo("sha256", &km, &hm));
	assert_int_equal(hm, 1u << PP_P11_SHA256);
	static const char *const bad[] = { "rsa1024", "sha1", "md5", "EC-P256", "sha256 sha384", "", "2.16.840.1.101.3.4.2.1" };
	for (size_t i = 0; i < N(bad); i++) {
		assert_false(sam_staff_algo(bad[i], &km, &hm));
		assert_int_equal(km | hm, 0);
	}
	assert_false(sam_staff_algo(NULL, &km, &hm));
	/* what credential.create, sad.issue and sign check */
	assert_int_equal(sam_algo_withdrawn_keys(), 0);
	sam_algo_withdraw(1u << PP_P11_EC_P384, 0);
	sam_algo_withdraw(0, 1u << PP_P11_SHA512);
	assert_int_equal(sam_algo_withdrawn_keys(), 1u << PP_P11_EC_P384);
	assert_int_equal(sam_algo_withdrawn_hashes(), 1u << PP_P11_SHA512);
	/* the refusals name where SCAs read the notice */
	assert_non_null(strstr(SAM_WITHDRAWN_KEY_TEXT, "GET /csc/v2/notices"));
	assert_non_null(strstr(SAM_WITHDRAWN_HASH_TEXT, "GET /csc/v2/notices"));
	assert_non_null(strstr(SAM_WITHDRAWN_CRED_TEXT, "GET /csc/v2/notices"));
	/* the cessation mark, once set, stays at its first time */
	assert_int_equal(sam_service_ceased(), 0);
	sam_service_set_ceased(1000);
	sam_service_set_ceased(2000);
	assert_int_equal(sam_service_ceased(), 1000);
	assert_non_null(strstr(SAM_CEASED_TEXT, "(service_ceased)"));
}

/* One validator for the file's and the console's entries; how the two
 * sources combine; allowed_algos at signing. */
static void
test_client_entries(void **state)
{
	struct sam_clients reg = { NULL, 0 };
	struct sam_client c, file, other;
	json_object *e;
	const char *why;
	char buf[512];

	(void)state;
	e = json_tokener_parse("{\"id\":\"c-1\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\","
	    "\"status\":\"active\",\"contact\":\"ops@c.example\",\"allowed_algos\":[\"ec-p256\","
	    "\"1.2.840.10045.4.3.2\"]}");
	assert_int_equal(sam_client_entry_parse(e, &c, buf, sizeof(buf)), PP_OK);
	json_object_put(e);
	assert_string_equal(c.contact, "ops@c.example");
	assert_int_equal(c.nalgos, 2);
	assert_int_equal(c.source, SAM_CLIENT_FILE);
	/* allowed_algos: the key type or the signature algorithm */
	assert_true(sam_client_algo_ok(&c, "ec-p256", "1.2.840.10045.4.3.3"));
	assert_true(sam_client_algo_ok(&c, "ec-p384", "1.2.840.10045.4.3.2"));
	assert_false(sam_client_algo_ok(&c, "ec-p384", "1.2.840.10045.4.3.3"));
	assert_false(sam_client_algo_ok(&c, "rsa3072", NULL));
	c.nalgos = 0;
	assert_true(sam_client_algo_ok(&c, "rsa3072", "1.2.840.113549.1.1.11"));
	assert_true(sam_client_algo_ok(NULL, "rsa3072", NULL));
	/* refused entries, each saying what is wrong */
	static const char *const bad[] = {
		"{\"id\":\"c\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\",\"status\":\"active\","
		"\"allowed_algos\":[\"EC P256\"]}",
		"{\"id\":\"c\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\",\"status\":\"active\","
		"\"allowed_algos\":[\"1..2\"]}",
		"{\"id\":\"c\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\",\"status\":\"active\","
		"\"allowed_algos\":\"ec-p256\"}",
		"{\"id\":\"c\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\",\"status\":\"active\","
		"\"contact\":\"\"}",
		"{\"id\":\"c\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\",\"status\":\"active\","
		"\"contact\":7}",
		"{\"id\":\"c\",\"name\":\"C\",\"roles\":[\"sca\"],\"subject\":\"CN=C\",\"status\":\"active\","
		"\"other\":\"x\"}",
	};
	for (size_t i = 0; i < N(bad); i++) {
		e = json_tokener_parse(bad[i]);
		assert_non_null(e);
		assert_int_equal(sam_client_entry_parse(e, &c, buf, sizeof(buf)), PP_ERR_CONFIG);
		assert_true(buf[0] != '\0');
		json_object_put(e);
	}
	/* a file entry's id, subject and fingerprint are never taken; a
	 * console entry replaces the console entry of its id only */
	memset(&file, 0, sizeof(file));
	snprintf(file.id, sizeof(file.id), "f-1");
	snprintf(file.subject, sizeof(file.subject), "CN=F");
	memset(file.sha256, 'a', 64);
	memset(&other, 0, sizeof(other));
	other.source = SAM_CLIENT_CONSOLE;
	snprintf(other.id, sizeof(other.id), "k-1");
	snprintf(other.subject, sizeof(other.subject), "CN=K");
	struct sam_client both[2] = { file, other };
	reg.c = both;
	reg.n = 2;
	memset(&c, 0, sizeof(c));
	c.source = SAM_CLIENT_CONSOLE;
	snprintf(c.id, sizeof(c.id), "f-1");
	snprintf(c.subject, sizeof(c.subject), "CN=new");
	sam_client_conflict(&reg, &c, &why);
	assert_non_null(why);
	snprintf(c.id, sizeof(c.id), "n-1");
	snprintf(c.subject, sizeof(c.subject), "CN=F");
	sam_client_conflict(&reg, &c, &why);
	assert_non_null(why);
	snprintf(c.subject, sizeof(c.subject), "CN=new");
	memset(c.sha256, 'a', 64);
	sam_client_conflict(&reg, &c, &why);
	assert_non_null(why);
	c.sha256[0] = '\0';
	sam_client_conflict(&reg, &c, &why);
	assert_null(why);
	snprintf(c.subject, sizeof(c.subject), "CN=K");
	sam_client_conflict(&reg, &c, &why);
	assert_string_equal(why, "client.subject: already the subject of another console entry");
	/* the same console id with its own subject: a replacement */
	snprintf(c.id, sizeof(c.id), "k-1");
	sam_client_conflict(&reg, &c, &why);
	assert_null(why);
}

/* ------------------------------------------------------------------ on a database */

static struct pp_store *
open_sam_db(char dir[64])
{
	const struct pp_migration *m;
	struct pp_store *st = NULL;
	char path[128];
	size_t n;

	snprintf(dir, 64, "/tmp/pp-staff.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sam.db", dir);
	m = pp_schema_migrations("sam", &n);
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, n, &st), PP_OK);
	return st;
}

static void
exec(struct pp_store *st, const char *sql)
{
	assert_int_equal(pp_store_exec(st, sql, NULL, 0, NULL, NULL, NULL), PP_OK);
}

static void
test_schema_final(void **state)
{
	char dir[64];
	struct pp_store *st = open_sam_db(dir);

	(void)state;
	/* one cessation, by two people, never changed or removed */
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO service_state (id, ceased_ms, approver, proposer, proposal,"
	    " reason) VALUES (1, 1, 'a', 'a', 'p', 'r')", NULL, 0, NULL, NULL, NULL), PP_OK);
	exec(st, "INSERT INTO service_state (id, ceased_ms, approver, proposer, proposal, reason)"
	    " VALUES (1, 1, 'a', 'b', 'p', 'r')");
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO service_state (id, ceased_ms, approver, proposer, proposal,"
	    " reason) VALUES (2, 1, 'a', 'b', 'p', 'r')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "UPDATE service_state SET ceased_ms = 0", NULL, 0, NULL, NULL, NULL),
	    PP_OK);
	assert_int_not_equal(pp_store_exec(st, "DELETE FROM service_state", NULL, 0, NULL, NULL, NULL), PP_OK);
	/* withdrawals: one per algorithm, with a notice, final */
	exec(st, "INSERT INTO algo_withdrawals (algo, withdrawn_ms, notice, approver, proposer, proposal)"
	    " VALUES ('ec-p384', 1, 'n', 'a', 'b', 'p')");
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO algo_withdrawals (algo, withdrawn_ms, notice, approver,"
	    " proposer, proposal) VALUES ('ec-p384', 2, 'n', 'a', 'b', 'p')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO algo_withdrawals (algo, withdrawn_ms, notice, approver,"
	    " proposer, proposal) VALUES ('sha512', 2, '', 'a', 'b', 'p')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "DELETE FROM algo_withdrawals", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "UPDATE algo_withdrawals SET notice = 'x'", NULL, 0, NULL, NULL, NULL),
	    PP_OK);
	pp_store_close(st);
	assert_int_equal(pp_test_rmtree(dir), 0);
}

/* Runs op fn on text; OUT the answer (caller json_object_put). */
static json_object *
run(struct pp_daemon_ctx *ctx, pp_daemon_op_fn fn, const char *text, enum pp_err want)
{
	json_object *req = json_tokener_parse(text), *ans = json_object_new_object();

	assert_non_null(req);
	assert_int_equal(fn(ctx, NULL, req, ans), want);
	json_object_put(req);
	return ans;
}

static int
has(json_object *ans, const char *sub)
{
	return strstr(json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN), sub) != NULL;
}

static void
test_read_ops(void **state)
{
	char dir[64];
	struct pp_daemon_ctx ctx;
	json_object *a;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.store = open_sam_db(dir);
	exec(ctx.store, "INSERT INTO signatories (id, sca, given_name, surname, country, serial_number, mobile,"
	    " idp_subject, evidence, created_ms, updated_ms) VALUES"
	    " ('sig-1', 'CN=A', 'Elodie', 'Martin', 'FR', 'IDCFR-1', '33612345678', NULL, 'e', 1, 1),"
	    " ('sig-2', 'CN=A', 'Jean', 'Dupont', 'FR', 'IDCFR-2', '33698765432', 'sub-2', 'e', 2, 2),"
	    " ('sig-3', 'CN=B', 'Marthe', 'Durand', 'FR', 'IDCFR-3', '33611112299', NULL, 'e', 3, 3)");
	exec(ctx.store, "INSERT INTO credentials (id, signatory, sca, key_type, key_id, state, certificate, serial,"
	    " not_before, not_after, created_ms, updated_ms) VALUES"
	    " ('c1', 'sig-1', 'CN=A', 'ec-p256', '00000000000000000000000000000001', 'ACTIVE', x'3000', '01', 1, 2, 1, 1),"
	    " ('c2', 'sig-1', 'CN=A', 'ec-p384', '00000000000000000000000000000002', 'REVOKED', x'3000', '02', 1, 2, 2, 2),"
	    " ('c3', 'sig-3', 'CN=B', 'ec-p256', '00000000000000000000000000000003', 'EXPIRED', x'3000', '03', 1, 2, 3, 3)");
	exec(ctx.store, "INSERT INTO sads (id, signatory, credential, sca, session, hash_algo, num_signatures,"
	    " expires_ms, created_ms) VALUES ('s1', 'sig-1', 'c1', 'CN=A', 'sess-1', '2.16.840.1.101.3.4.2.1', 2,"
	    " 9999999999999, 5)");

	/* search: any case, on names and ids; an SCA; pages */
	a = run(&ctx, sam_staff_op_signatory_search, "{\"staff\":" OPS ",\"q\":\"MAR\"}", PP_OK);
	assert_true(has(a, "\"total\":2"));
	assert_true(has(a, "\"id\":\"sig-1\""));
	assert_true(has(a, "\"id\":\"sig-3\""));
	assert_true(has(a, "\"mobile\":\"*********78\""));
	assert_false(has(a, "33612345678"));
	assert_true(has(a, "\"credentials_active\":1,\"status\":\"active\""));
	assert_true(has(a, "\"created\":\"1970-01-01T00:00:00Z\""));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_signatory_search, "{\"staff\":" OPS ",\"sca\":\"CN=A\",\"limit\":1,\"offset\":1}",
	    PP_OK);
	assert_true(has(a, "\"total\":2"));
	assert_true(has(a, "\"id\":\"sig-2\""));
	assert_true(has(a, "\"methods\":[\"sms\",\"oidc\"]"));
	assert_true(has(a, "\"status\":\"no_active_credential\""));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_signatory_search, "{\"staff\":" OPS ",\"limit\":0}", PP_OK);
	assert_true(has(a, "\"error\":\"invalid_request\""));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_signatory_search, "{\"staff\":" OPS ",\"q\":\"\"}", PP_OK);
	assert_true(has(a, "\"error_description\":\"q: 1 to 64"));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_signatory_search, "{\"staff\":" OPS ",\"other\":true}", PP_ERR_BAD_REQUEST);
	json_object_put(a);

	/* credentials: filters by signatory, status, key type */
	a = run(&ctx, sam_staff_op_credential_list, "{\"staff\":" OPS ",\"signatory\":\"sig-1\"}", PP_OK);
	assert_true(has(a, "\"total\":2"));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_credential_list, "{\"staff\":" OPS ",\"status\":\"closed\"}", PP_OK);
	assert_true(has(a, "\"total\":2"));
	assert_true(has(a, "\"id\":\"c2\""));
	assert_true(has(a, "\"id\":\"c3\""));
	assert_false(has(a, "\"id\":\"c1\""));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_credential_list, "{\"staff\":" OPS ",\"status\":\"active\",\"key_type\":\"ec-p256\"}",
	    PP_OK);
	assert_true(has(a, "\"total\":1"));
	assert_true(has(a, "\"id\":\"c1\""));
	assert_true(has(a, "\"status\":\"active\""));
	assert_true(has(a, "\"sca\":\"CN=A\""));
	assert_true(has(a, "\"ephemeral\":false"));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_credential_list, "{\"staff\":" OPS ",\"key_type\":\"dsa\"}", PP_OK);
	assert_true(has(a, "\"error\":\"invalid_request\""));
	json_object_put(a);

	/* sessions: the SAD with its use, no SAD value */
	exec(ctx.store, "INSERT INTO authz (id, mode, client_id, sca, signatory, credential, hash_algo,"
	    " num_signatures, status, created_ms, expires_ms, updated_ms) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',"
	    " 'link', 'cl', 'CN=A', 'sig-1', 'c1', '2.16.840.1.101.3.4.2.1', 1, 'NEW', 9, 99, 9)");
	exec(ctx.store, "INSERT INTO authz_docs (authz, position, hash) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 0,"
	    " zeroblob(32))");
	a = run(&ctx, sam_staff_op_session_list, "{\"staff\":" OPS ",\"signatory\":\"sig-1\"}", PP_OK);
	assert_true(has(a, "\"total\":2"));
	/* newest first: the request, then the SAD */
	assert_true(has(a, "\"sessions\":[{\"kind\":\"authorisation\",\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""));
	assert_true(has(a, "\"state\":\"new\""));
	assert_true(has(a, "\"documents\":1"));
	assert_true(has(a, "\"mode\":\"link\""));
	assert_true(has(a, "\"kind\":\"sad\",\"id\":\"s1\""));
	assert_true(has(a, "\"session\":\"sess-1\""));
	assert_true(has(a, "\"signatures_used\":0"));
	assert_true(has(a, "\"state\":\"valid\""));
	assert_true(has(a, "\"method\":\"sms\""));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_session_list, "{\"staff\":" OPS ",\"signatory\":\"sig-2\"}", PP_OK);
	assert_true(has(a, "\"sessions\":[],\"total\":0"));
	json_object_put(a);
	a = run(&ctx, sam_staff_op_session_list, "{\"staff\":" OPS ",\"signatory\":\"sig-1\",\"limit\":1,\"offset\":1}",
	    PP_OK);
	assert_true(has(a, "\"total\":2"));
	assert_true(has(a, "\"id\":\"s1\""));
	assert_false(has(a, "\"kind\":\"authorisation\""));
	json_object_put(a);

	pp_store_close(ctx.store);
	assert_int_equal(pp_test_rmtree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_roles),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_dual_control),
		cmocka_unit_test(test_page_filters),
		cmocka_unit_test(test_withdrawal_checks),
		cmocka_unit_test(test_client_entries),
		cmocka_unit_test(test_schema_final),
		cmocka_unit_test(test_read_ops),
	};
	pp_log_open("test_sam_staff", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
