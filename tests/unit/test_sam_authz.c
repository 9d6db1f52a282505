/*
 * Authorisation requests (sam/sam_authz.h) against a real SQLite database
 * with the "sam" schema: the state machine and its trigger, PKCE (RFC 7636
 * vector), the code single use and its replay burning the SAD's ledger
 * rows, expiry when touched (request, code, link SAD), another client,
 * another redirect URI, the notary rule, authorizeCheck's one delivery,
 * the login tokens' jti.  The ops around these (client registry, token,
 * audit) are driven end to end in tests/integration/t_oauth.sh.
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
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_test.h"
#include "sam_authz.h"
#include "sam_ledger.h"

#define NOW	INT64_C(1800000000000)
#define LIFE	INT64_C(600000)
#define SCA_A	"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"
#define SCA_B	"CN=Other SCA,O=Other Demo SCA,C=DE"
#define URI	"https://sca.example/callback"
/* RFC 7636 appendix B. */
#define VERIFIER	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE	"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define SAD_STR		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static char dbdir[] = "/tmp/pp-authz.XXXXXX";
static struct pp_store *store;
static uint8_t hb[3][32];

static int
setup(void **state)
{
	static int n;
	const struct pp_migration *m;
	char path[300];
	size_t nm;

	(void)state;
	snprintf(path, sizeof(path), "%s/sam%d.db", dbdir, n++);
	m = pp_schema_migrations("sam", &nm);
	return pp_store_open_with(&pp_store_sqlite_ops, path, 1000, m, nm, &store) == PP_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pp_store_close(store);
	store = NULL;
	return 0;
}

/* A new request of mode m over n documents; OUT id. */
static void
create(enum sam_authz_mode m, size_t n, char id[SAM_AUTHZ_ID_LEN + 1])
{
	struct sam_authz a;
	struct sam_authz_docs d;

	memset(&a, 0, sizeof(a));
	a.mode = m;
	snprintf(a.client_id, sizeof(a.client_id), "demo-sca");
	snprintf(a.sca, sizeof(a.sca), "%s", SCA_A);
	snprintf(a.signatory, sizeof(a.signatory), "sig-001");
	snprintf(a.credential, sizeof(a.credential), "0123456789abcdef0123456789abcdef");
	snprintf(a.hash_algo, sizeof(a.hash_algo), "%s", SAM_OID_SHA256);
	a.num_signatures = (int64_t)n;
	if (m != SAM_AUTHZ_LINK) {
		snprintf(a.redirect_uri, sizeof(a.redirect_uri), URI);
		snprintf(a.code_challenge, sizeof(a.code_challenge), CHALLENGE);
		snprintf(a.state, sizeof(a.state), "st");
	}
	assert_int_equal(sam_authz_docs_alloc(&d, n, 32), PP_OK);
	for (size_t i = 0; i < n; i++) {
		memset(hb[i], 0x31 + (int)i, 32);
		memcpy(d.hash[i], hb[i], 32);
	}
	snprintf(d.label[0], sizeof(d.label[0]), "Contrat.pdf");
	assert_int_equal(sam_authz_insert(store, &a, &d, NOW, LIFE), PP_OK);
	sam_authz_docs_free(&d);
	memcpy(id, a.id, SAM_AUTHZ_ID_LEN + 1);
}

static enum sam_authz_status
status_at(const char *id, int64_t now)
{
	struct sam_authz a;
	int found = 0;

	assert_int_equal(sam_authz_load(store, id, now, &a, NULL, &found), PP_OK);
	assert_true(found);
	return a.status;
}

/* A ledger grant for the request's hashes: the SAD approval would make. */
static void
grant(const char *sad_id, const char *session, size_t n)
{
	const uint8_t *p[3] = { hb[0], hb[1], hb[2] };
	struct sam_grant g = { .sad_id = sad_id, .signatory = "sig-001",
		.credential = "0123456789abcdef0123456789abcdef", .sca = "sca-x", .session = session,
		.hash_algo = SAM_OID_SHA256, .hashes = p, .hash_len = 32, .nhashes = n,
		.num_signatures = (int64_t)n, .expires_ms = NOW + 300000 };
	enum sam_refusal why;

	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);
}

/* NEW -> AUTHENTICATED -> APPROVED with a SAD of n rows; OUT code. */
static void
approve(const char *id, const char *sad_id, size_t n, char code[SAM_AUTHZ_CODE_LEN + 1])
{
	struct sam_sad_refuse ref;

	assert_int_equal(sam_authz_authenticated(store, id, "sms", NULL, NULL, NULL, NOW + 1, &ref), PP_OK);
	assert_null(ref.error);
	grant(sad_id, id, n);
	assert_int_equal(sam_authz_approved(store, id, sad_id, SAD_STR, NOW + 300000, NOW + 2, code, &ref), PP_OK);
	assert_null(ref.error);
}

static enum pp_err
one_int(void *arg, const struct pp_val *v, size_t n)
{
	*(int64_t *)arg = n == 1 && v[0].type == PP_VAL_INT ? v[0].i : -1;
	return PP_OK;
}

static int64_t
query_int(const char *sql)
{
	int64_t r = -2;

	assert_int_equal(pp_store_exec(store, sql, NULL, 0, one_int, &r, NULL), PP_OK);
	return r;
}

/* oauth2/token at NOW + 10 (within the code's 60 s); the caller declares
 * sad, exp, a, burned and ref. */
#define REDEEM(sca, cid, c, v, uri) \
	assert_int_equal(sam_authz_redeem(store, sca, cid, c, v, uri, NOW + 10, sad, &exp, &a, &burned, &ref), PP_OK)

/* ------------------------------------------------------------------ tests */

static void
test_s256(void **state)
{
	char c[SAM_AUTHZ_CHALLENGE_LEN + 1];

	(void)state;
	assert_int_equal(sam_authz_s256(VERIFIER, c), PP_OK);
	assert_string_equal(c, CHALLENGE);
	assert_int_equal(sam_authz_s256("short", c), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_authz_s256(VERIFIER "+", c), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_authz_s256(NULL, c), PP_ERR_FIELD_INVALID);
}

/* The happy path, and every step out of order refused. */
static void
test_state_machine(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1], code[SAM_AUTHZ_CODE_LEN + 1], sad[SAM_SAD_STR_LEN + 1];
	struct sam_sad_refuse ref;
	struct sam_authz a;
	struct sam_authz_docs d;
	int64_t exp, burned;
	int found;

	(void)state;
	create(SAM_AUTHZ_REDIRECT, 2, id);
	assert_int_equal(sam_authz_load(store, id, NOW, &a, &d, &found), PP_OK);
	assert_true(found);
	assert_int_equal(a.status, SAM_AUTHZ_NEW);
	assert_int_equal(a.expires_ms, NOW + LIFE);
	assert_int_equal(d.n, 2);
	assert_memory_equal(d.hash[1], hb[1], 32);
	assert_string_equal(d.label[0], "Contrat.pdf");
	assert_string_equal(d.label[1], "");
	sam_authz_docs_free(&d);
	/* Approval before authentication. */
	assert_int_equal(sam_authz_approved(store, id, "00112233445566778899aabbccddeeff", SAD_STR, NOW + 300000,
	    NOW + 1, code, &ref), PP_OK);
	assert_string_equal(ref.error, "access_denied");
	assert_string_equal(code, "");
	assert_int_equal(status_at(id, NOW + 1), SAM_AUTHZ_NEW);
	approve(id, "00112233445566778899aabbccddeeff", 2, code);
	assert_int_equal(strlen(code), SAM_AUTHZ_CODE_LEN);
	assert_int_equal(status_at(id, NOW + 3), SAM_AUTHZ_APPROVED);
	/* Authenticated twice, approved twice: no. */
	assert_int_equal(sam_authz_authenticated(store, id, "sms", NULL, NULL, NULL, NOW + 3, &ref), PP_OK);
	assert_non_null(ref.error);
	assert_int_equal(sam_authz_redeem(store, SCA_A, "demo-sca", code, VERIFIER, URI, NOW + 4, sad, &exp, &a,
	    &burned, &ref), PP_OK);
	assert_null(ref.error);
	assert_string_equal(sad, SAD_STR);
	assert_int_equal(exp, NOW + 300000);
	assert_int_equal(burned, -1);
	assert_int_equal(status_at(id, NOW + 5), SAM_AUTHZ_REDEEMED);
	/* The SAD left the row. */
	assert_int_equal(query_int("SELECT count(*) FROM authz WHERE status = 'REDEEMED' AND sad IS NULL"), 1);
	/* Cancelled after redemption: no. */
	assert_int_equal(sam_authz_cancel(store, id, NOW + 6, &ref), PP_OK);
	assert_non_null(ref.error);
	assert_int_equal(status_at(id, NOW + 6), SAM_AUTHZ_REDEEMED);
}

/* The schema itself refuses what the code never does. */
static void
test_trigger(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1];
	struct pp_val b[1];

	(void)state;
	create(SAM_AUTHZ_REDIRECT, 1, id);
	b[0] = PP_VAL_S(id);
	/* (Literal statements: the store caches them by address.) */
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET status = 'APPROVED', sad_id = 'x', sad = 'y',"
	    " approved_ms = 1, auth_method = 'sms' WHERE id = ?", b, 1, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET credential = 'ffffffffffffffffffffffffffffffff'"
	    " WHERE id = ?", b, 1, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET code_challenge = 'x' WHERE id = ?", b, 1, NULL, NULL,
	    NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz_docs SET hash = zeroblob(32) WHERE authz = ?", b, 1, NULL,
	    NULL, NULL), PP_OK);
	assert_int_equal(status_at(id, NOW), SAM_AUTHZ_NEW);
	assert_int_equal(pp_store_exec(store, "UPDATE authz SET status = 'CANCELLED' WHERE id = ?", b, 1, NULL, NULL,
	    NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET status = 'NEW' WHERE id = ?", b, 1, NULL, NULL, NULL),
	    PP_OK);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET sad = 'y' WHERE id = ?", b, 1, NULL, NULL, NULL),
	    PP_OK);
	assert_int_equal(status_at(id, NOW), SAM_AUTHZ_CANCELLED);
}

/* PKCE, client and redirect URI: each refusal changes nothing, so the
 * rightful SCA still redeems afterwards. */
static void
test_redeem_checks(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1], code[SAM_AUTHZ_CODE_LEN + 1], sad[SAM_SAD_STR_LEN + 1];
	struct sam_sad_refuse ref;
	struct sam_authz a;
	int64_t exp, burned;

	(void)state;
	create(SAM_AUTHZ_PAR, 1, id);
	approve(id, "00112233445566778899aabbccddee01", 1, code);
	REDEEM(SCA_A, "demo-sca", code, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK", URI);
	assert_string_equal(ref.error, "invalid_grant");
	assert_string_equal(sad, "");
	REDEEM(SCA_A, "demo-sca", code, "bad verifier", URI);
	assert_string_equal(ref.error, "invalid_request");
	REDEEM(SCA_B, "other-sca", code, VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_client");
	REDEEM(SCA_B, "demo-sca", code, VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_client");
	REDEEM(SCA_A, "demo-sca", code, VERIFIER, URI "/x");
	assert_string_equal(ref.error, "invalid_grant");
	REDEEM(SCA_A, "demo-sca", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_grant");
	REDEEM(SCA_A, "demo-sca", "short", VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_grant");
	assert_int_equal(status_at(id, NOW + 10), SAM_AUTHZ_APPROVED);
	REDEEM(SCA_A, "demo-sca", code, VERIFIER, URI);
	assert_null(ref.error);
	assert_string_equal(sad, SAD_STR);
}

/* A code used twice: refused, and the SAD's unused rows burned REVOKED. */
static void
test_code_replay(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1], code[SAM_AUTHZ_CODE_LEN + 1], sad[SAM_SAD_STR_LEN + 1], batch[SAM_BATCH_ID_SIZE];
	const uint8_t *p[1] = { hb[0] };
	struct sam_sad_refuse ref;
	struct sam_authz a;
	struct sam_ledger_counts c;
	enum sam_outcome ok[1] = { SAM_OUTCOME_SIGNED };
	enum sam_refusal why;
	int64_t exp, burned;

	(void)state;
	create(SAM_AUTHZ_REDIRECT, 3, id);
	approve(id, "00112233445566778899aabbccddee02", 3, code);
	REDEEM(SCA_A, "demo-sca", code, VERIFIER, URI);
	assert_null(ref.error);
	/* One hash signed with it. */
	assert_int_equal(sam_ledger_reserve(store, "00112233445566778899aabbccddee02", "0123456789abcdef0123456789abcdef",
	    "sca-x", SAM_OID_SHA256, p, 32, 1, NOW + 20, batch, &why), PP_OK);
	assert_int_equal(sam_ledger_settle(store, batch, ok, 1, NOW + 21), PP_OK);
	REDEEM(SCA_A, "demo-sca", code, VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_grant");
	assert_string_equal(sad, "");
	assert_int_equal(burned, 2);
	assert_int_equal(sam_ledger_sad_counts(store, "00112233445566778899aabbccddee02", &c), PP_OK);
	assert_int_equal(c.n[SAM_HASH_CONSUMED], 1);
	assert_int_equal(c.n[SAM_HASH_BURNED], 2);
	assert_int_equal(c.n[SAM_HASH_AUTHORIZED], 0);
	assert_int_equal(query_int("SELECT count(*) FROM sad_hashes WHERE burned_why = 'REVOKED'"), 2);
	/* A third time, by anyone: refused again, nothing left to burn. */
	REDEEM(SCA_B, "other-sca", code, VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_grant");
	assert_int_equal(burned, 0);
}

/* Expiry when touched: the request's lifetime, the code's 60 s (its SAD
 * burned), a link request's SAD; and the sweep. */
static void
test_expiry(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1], id2[SAM_AUTHZ_ID_LEN + 1], id3[SAM_AUTHZ_ID_LEN + 1];
	char code[SAM_AUTHZ_CODE_LEN + 1], sad[SAM_SAD_STR_LEN + 1];
	struct sam_sad_refuse ref;
	struct sam_authz a;
	struct sam_ledger_counts c;
	int64_t exp, burned, n;
	int pending;

	(void)state;
	create(SAM_AUTHZ_REDIRECT, 1, id);
	assert_int_equal(status_at(id, NOW + LIFE - 1), SAM_AUTHZ_NEW);
	assert_int_equal(status_at(id, NOW + LIFE), SAM_AUTHZ_EXPIRED);
	assert_int_equal(sam_authz_authenticated(store, id, "sms", NULL, NULL, NULL, NOW + LIFE, &ref), PP_OK);
	assert_string_equal(ref.error, "expired_token");

	create(SAM_AUTHZ_REDIRECT, 2, id2);
	approve(id2, "00112233445566778899aabbccddee04", 2, code);
	assert_int_equal(sam_authz_redeem(store, SCA_A, "demo-sca", code, VERIFIER, URI, NOW + 2 + SAM_AUTHZ_CODE_LIFE_MS,
	    sad, &exp, &a, &burned, &ref), PP_OK);
	assert_string_equal(ref.error, "invalid_grant");
	assert_int_equal(status_at(id2, NOW + 70000), SAM_AUTHZ_EXPIRED);
	assert_int_equal(sam_ledger_sad_counts(store, "00112233445566778899aabbccddee04", &c), PP_OK);
	assert_int_equal(c.n[SAM_HASH_BURNED], 2);
	assert_int_equal(query_int("SELECT count(*) FROM authz WHERE status = 'EXPIRED' AND sad IS NOT NULL"), 0);

	/* Link mode: the SAD waits for authorizeCheck until its own expiry. */
	create(SAM_AUTHZ_LINK, 1, id3);
	approve(id3, "00112233445566778899aabbccddee05", 1, code);
	assert_string_equal(code, "");
	assert_int_equal(status_at(id3, NOW + 200000), SAM_AUTHZ_APPROVED);
	assert_int_equal(sam_authz_sweep(store, NOW + 300000, &n), PP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sam_authz_check(store, SCA_A, id3, NOW + 300001, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_string_equal(ref.error, "expired_token");
	assert_string_equal(sad, "");
}

/* credentials/authorizeCheck: pending, then the SAD once, to its client. */
static void
test_check(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1], id2[SAM_AUTHZ_ID_LEN + 1], code[SAM_AUTHZ_CODE_LEN + 1];
	char sad[SAM_SAD_STR_LEN + 1];
	struct sam_sad_refuse ref;
	struct sam_authz a;
	int64_t exp;
	int pending;

	(void)state;
	create(SAM_AUTHZ_LINK, 1, id);
	assert_int_equal(sam_authz_check(store, SCA_A, id, NOW + 1, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_null(ref.error);
	assert_true(pending);
	approve(id, "00112233445566778899aabbccddee06", 1, code);
	assert_int_equal(sam_authz_check(store, SCA_B, id, NOW + 3, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_string_equal(ref.error, "access_denied");
	assert_string_equal(sad, "");
	assert_int_equal(sam_authz_check(store, SCA_A, id, NOW + 4, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_null(ref.error);
	assert_false(pending);
	assert_string_equal(sad, SAD_STR);
	assert_int_equal(sam_authz_check(store, SCA_A, id, NOW + 5, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_string_equal(ref.error, "access_denied");
	assert_string_equal(sad, "");
	/* A redirect request is not checked this way; a cancelled one is refused. */
	create(SAM_AUTHZ_REDIRECT, 1, id2);
	assert_int_equal(sam_authz_check(store, SCA_A, id2, NOW + 5, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_string_equal(ref.error, "invalid_request");
	create(SAM_AUTHZ_LINK, 1, id2);
	assert_int_equal(sam_authz_cancel(store, id2, NOW + 6, &ref), PP_OK);
	assert_null(ref.error);
	assert_int_equal(sam_authz_check(store, SCA_A, id2, NOW + 7, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_string_equal(ref.error, "access_denied");
}

/* Cancelling an approved request burns the SAD it never handed out. */
static void
test_cancel(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1], code[SAM_AUTHZ_CODE_LEN + 1], sad[SAM_SAD_STR_LEN + 1];
	struct sam_sad_refuse ref;
	struct sam_authz a;
	struct sam_ledger_counts c;
	int64_t exp, burned;

	(void)state;
	create(SAM_AUTHZ_REDIRECT, 2, id);
	approve(id, "00112233445566778899aabbccddee07", 2, code);
	assert_int_equal(sam_authz_cancel(store, id, NOW + 3, &ref), PP_OK);
	assert_null(ref.error);
	assert_int_equal(sam_ledger_sad_counts(store, "00112233445566778899aabbccddee07", &c), PP_OK);
	assert_int_equal(c.n[SAM_HASH_BURNED], 2);
	REDEEM(SCA_A, "demo-sca", code, VERIFIER, URI);
	assert_string_equal(ref.error, "invalid_grant");
	assert_int_equal(sam_authz_cancel(store, id, NOW + 4, &ref), PP_OK);
	assert_string_equal(ref.error, "access_denied");
}

/* The notary present at sending must be the one at verification. */
static void
test_notary(void **state)
{
	char id[SAM_AUTHZ_ID_LEN + 1];
	struct sam_sad_refuse ref;
	struct sam_authz a;
	int found;

	(void)state;
	create(SAM_AUTHZ_REDIRECT, 1, id);
	assert_int_equal(sam_authz_otp_sent(store, id, "0123456789abcdef0123456789abcdef", "CN=Notary A,C=FR", NOW + 1,
	    &ref), PP_OK);
	assert_null(ref.error);
	assert_int_equal(sam_authz_load(store, id, NOW + 2, &a, NULL, &found), PP_OK);
	assert_string_equal(a.otp_notary, "CN=Notary A,C=FR");
	assert_true(sam_authz_notary_ok(&a, "CN=Notary A,C=FR"));
	assert_false(sam_authz_notary_ok(&a, "CN=Notary B,C=FR"));
	assert_false(sam_authz_notary_ok(&a, NULL));
	assert_false(sam_authz_notary_ok(&a, "CN=Notary A,C=FR "));
	/* Sent again without a notary: none may appear at verification. */
	assert_int_equal(sam_authz_otp_sent(store, id, "0123456789abcdef0123456789abcde0", NULL, NOW + 3, &ref), PP_OK);
	assert_int_equal(sam_authz_load(store, id, NOW + 4, &a, NULL, &found), PP_OK);
	assert_true(sam_authz_notary_ok(&a, NULL));
	assert_false(sam_authz_notary_ok(&a, "CN=Notary A,C=FR"));
	/* Recorded with the authentication. */
	assert_int_equal(sam_authz_authenticated(store, id, "sms_notary", NULL, "CN=Notary A,C=FR", NULL, NOW + 5, &ref), PP_OK);
	assert_int_equal(sam_authz_load(store, id, NOW + 6, &a, NULL, &found), PP_OK);
	assert_string_equal(a.notary, "CN=Notary A,C=FR");
	assert_string_equal(a.auth_method, "sms_notary");
	/* No OTP once authenticated. */
	assert_int_equal(sam_authz_otp_sent(store, id, "0123456789abcdef0123456789abcde1", NULL, NOW + 7, &ref), PP_OK);
	assert_non_null(ref.error);
}

static void
test_jti(void **state)
{
	int fresh = -1;

	(void)state;
	assert_int_equal(sam_authz_jti_use(store, "00aa", NOW + 120000, NOW, &fresh), PP_OK);
	assert_true(fresh);
	assert_int_equal(sam_authz_jti_use(store, "00aa", NOW + 120000, NOW + 1, &fresh), PP_OK);
	assert_false(fresh);
	/* Forgotten once expired (the token is refused by its exp anyway). */
	assert_int_equal(sam_authz_jti_use(store, "00aa", NOW + 300000, NOW + 120000, &fresh), PP_OK);
	assert_true(fresh);
	assert_int_equal(sam_authz_jti_use(store, "", NOW, NOW, &fresh), PP_ERR_INTERNAL);
}

/* KEY-4: an ephemeral session: no credential nor documents at creation,
 * its credential set once with the authentication, its documents once
 * while authenticated; the schema refuses anything else; the SAD is
 * delivered once and the session still reported; the reaper names its
 * key once the session has ended (here: every hash signed; and the
 * certificate's end). */
static void
test_ephemeral(void **state)
{
	const char *cred = "00000000000000000000000000000eee";
	char id[SAM_AUTHZ_ID_LEN + 1], code[SAM_AUTHZ_CODE_LEN + 1], sad[SAM_SAD_STR_LEN + 1], batch[SAM_BATCH_ID_SIZE];
	char reap[SAM_AUTHZ_REAP_MAX][33];
	const uint8_t *p[2] = { hb[0], hb[1] };
	enum sam_outcome ok[2] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED };
	struct sam_sad_refuse ref;
	struct sam_authz a;
	struct sam_authz_docs d;
	struct pp_val b[1];
	enum sam_refusal why;
	int64_t exp;
	size_t n;
	int found, pending;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.mode = SAM_AUTHZ_EPHEMERAL;
	snprintf(a.client_id, sizeof(a.client_id), "demo-sca");
	snprintf(a.sca, sizeof(a.sca), "%s", SCA_A);
	snprintf(a.signatory, sizeof(a.signatory), "sig-001");
	snprintf(a.key_type, sizeof(a.key_type), "ec-p256");
	assert_int_equal(sam_authz_insert(store, &a, NULL, NOW, LIFE), PP_OK);
	memcpy(id, a.id, sizeof(id));
	b[0] = PP_VAL_S(id);
	assert_int_equal(sam_authz_load(store, id, NOW, &a, &d, &found), PP_OK);
	assert_int_equal(a.mode, SAM_AUTHZ_EPHEMERAL);
	assert_string_equal(a.credential, "");
	assert_string_equal(a.key_type, "ec-p256");
	assert_int_equal(d.n, 0);
	/* Documents before the key: no. */
	assert_int_equal(sam_authz_docs_alloc(&d, 2, 32), PP_OK);
	memset(hb[0], 0x41, 32);
	memset(hb[1], 0x42, 32);
	memcpy(d.hash[0], hb[0], 32);
	memcpy(d.hash[1], hb[1], 32);
	assert_int_equal(sam_authz_documents(store, SCA_A, id, SAM_OID_SHA256, &d, NOW + 1, &ref), PP_OK);
	assert_non_null(ref.error);
	/* The credential only with the authentication. */
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET credential = 'x' WHERE id = ?", b, 1, NULL, NULL,
	    NULL), PP_OK);
	assert_int_equal(pp_store_exec(store, "INSERT INTO credentials (id, signatory, sca, key_type, key_id, state,"
	    " certificate, serial, not_before, not_after, created_ms, updated_ms) VALUES"
	    " ('00000000000000000000000000000eee', 'sig-001', 'x', 'ec-p256', '0000000000000000000000000000000e',"
	    " 'ACTIVE', zeroblob(10), '01', 1800000000, 1800001800, 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(sam_authz_authenticated(store, id, "sms", NULL, NULL, cred, NOW + 2, &ref), PP_OK);
	assert_null(ref.error);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET credential = 'y' WHERE id = ?", b, 1, NULL, NULL,
	    NULL), PP_OK);
	/* Not another client's; then once. */
	assert_int_equal(sam_authz_documents(store, SCA_B, id, SAM_OID_SHA256, &d, NOW + 3, &ref), PP_OK);
	assert_string_equal(ref.error, "invalid_request");
	assert_int_equal(sam_authz_documents(store, SCA_A, id, SAM_OID_SHA256, &d, NOW + 3, &ref), PP_OK);
	assert_null(ref.error);
	assert_int_equal(sam_authz_documents(store, SCA_A, id, SAM_OID_SHA256, &d, NOW + 4, &ref), PP_OK);
	assert_string_equal(ref.error, "invalid_request");
	sam_authz_docs_free(&d);
	assert_int_equal(sam_authz_load(store, id, NOW + 5, &a, &d, &found), PP_OK);
	assert_int_equal(a.num_signatures, 2);
	assert_int_equal(d.n, 2);
	assert_memory_equal(d.hash[1], hb[1], 32);
	sam_authz_docs_free(&d);
	assert_int_not_equal(pp_store_exec(store, "UPDATE authz SET num_signatures = 3 WHERE id = ?", b, 1, NULL, NULL,
	    NULL), PP_OK);
	/* Approved (no code), delivered once, still reported. */
	{
		struct sam_grant g = { .sad_id = "00112233445566778899aabbccddee08", .signatory = "sig-001",
			.credential = cred, .sca = "sca-x", .session = id, .hash_algo = SAM_OID_SHA256, .hashes = p,
			.hash_len = 32, .nhashes = 2, .num_signatures = 2, .expires_ms = NOW + 300000 };
		assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);
	}
	assert_int_equal(sam_authz_approved(store, id, "00112233445566778899aabbccddee08", SAD_STR, NOW + 300000, NOW + 6,
	    code, &ref), PP_OK);
	assert_string_equal(code, "");
	assert_int_equal(sam_authz_reapable(store, NOW + 7, reap, SAM_AUTHZ_REAP_MAX, &n), PP_OK);
	assert_int_equal(n, 0);
	assert_int_equal(sam_authz_check(store, SCA_A, id, NOW + 7, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_null(ref.error);
	assert_string_equal(sad, SAD_STR);
	assert_int_equal(sam_authz_check(store, SCA_A, id, NOW + 8, &pending, sad, &exp, &a, &ref), PP_OK);
	assert_null(ref.error);
	assert_string_equal(sad, "");
	assert_int_equal(a.status, SAM_AUTHZ_REDEEMED);
	/* One hash signed: the session goes on; both: its key must go. */
	assert_int_equal(sam_ledger_reserve(store, "00112233445566778899aabbccddee08", cred, "sca-x", SAM_OID_SHA256, p,
	    32, 1, NOW + 9, batch, &why), PP_OK);
	assert_int_equal(sam_ledger_settle(store, batch, ok, 1, NOW + 9), PP_OK);
	assert_int_equal(sam_authz_reapable(store, NOW + 10, reap, SAM_AUTHZ_REAP_MAX, &n), PP_OK);
	assert_int_equal(n, 0);
	/* ... unless its certificate has ended (notAfter 1800001800 s). */
	assert_int_equal(sam_authz_reapable(store, INT64_C(1800001800000), reap, SAM_AUTHZ_REAP_MAX, &n), PP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sam_ledger_reserve(store, "00112233445566778899aabbccddee08", cred, "sca-x", SAM_OID_SHA256, &p[1],
	    32, 1, NOW + 11, batch, &why), PP_OK);
	assert_int_equal(sam_ledger_settle(store, batch, ok, 1, NOW + 11), PP_OK);
	assert_int_equal(sam_authz_reapable(store, NOW + 12, reap, SAM_AUTHZ_REAP_MAX, &n), PP_OK);
	assert_int_equal(n, 1);
	assert_string_equal(reap[0], cred);
	/* Retired (no longer ACTIVE): not named again. */
	assert_int_equal(pp_store_exec(store, "UPDATE credentials SET state = 'REVOKED'", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(sam_authz_reapable(store, NOW + 13, reap, SAM_AUTHZ_REAP_MAX, &n), PP_OK);
	assert_int_equal(n, 0);
}

/* Unknown ids are not found, never an error. */
static void
test_unknown(void **state)
{
	struct sam_authz a;
	struct sam_sad_refuse ref;
	int found = 1;

	(void)state;
	assert_int_equal(sam_authz_load(store, "00000000000000000000000000000000", NOW, &a, NULL, &found), PP_OK);
	assert_false(found);
	assert_int_equal(sam_authz_load(store, "x", NOW, &a, NULL, &found), PP_OK);
	assert_false(found);
	assert_int_equal(sam_authz_cancel(store, "00000000000000000000000000000000", NOW, &ref), PP_OK);
	assert_string_equal(ref.error, "invalid_request");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s256),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_state_machine),
		T(test_trigger),
		T(test_redeem_checks),
		T(test_code_replay),
		T(test_expiry),
		T(test_check),
		T(test_cancel),
		T(test_notary),
		T(test_jti),
		T(test_ephemeral),
		T(test_unknown),
#undef T
	};
	int rc;

	if (mkdtemp(dbdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pp_test_rmtree(dbdir);
	return rc;
}
