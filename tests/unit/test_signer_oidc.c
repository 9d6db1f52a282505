/* signer_oidc: the ID token checks against tokens signed here (each
 * refusal of OpenID Connect Core 3.1.3.7 the plugin makes), and the login
 * token signed with a key in a SoftHSMv2 token.  The module's source is
 * compiled in to reach its static functions. */
#include "../../fcgi/signer/signer_oidc.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pp_test.h"

#define ISS "https://idp.test"
#define CID "paraphe-test"
#define NOW 1800000000LL

static EVP_PKEY *idp_key, *other_key, *rsa_key;
static struct signer_oidc O;
static struct pp_pool *pool;
static struct pp_req R;

static int
setup(void **state)
{
	json_object *set, *keys, *jwk;

	(void)state;
	if (idp_key == NULL) {
		idp_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		other_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	}
	memset(&O, 0, sizeof(O));
	O.issuer = ISS;
	O.client_id = CID;
	O.required_acr = "substantial high";
	O.subject_claim = "sub";
	set = json_object_new_object();
	keys = json_object_new_array();
	if (pp_jwk_public(idp_key, "k1", &jwk) != PP_OK)
		return -1;
	json_object_array_add(keys, jwk);
	if (pp_jwk_public(rsa_key, "r1", &jwk) != PP_OK)
		return -1;
	json_object_array_add(keys, jwk);
	json_object_object_add(set, "keys", keys);
	O.jwks = set;	/* jwks_uri NULL: never fetched again */
	if (pp_pool_new(&pool) != PP_OK)
		return -1;
	memset(&R, 0, sizeof(R));
	R.pool = pool;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_object_put(O.jwks);
	O.jwks = NULL;
	pp_pool_free(pool);
	return 0;
}

/* The claims of a good ID token; a test changes one. */
static json_object *
good_claims(void)
{
	json_object *c = json_object_new_object();

	assert_int_equal(pp_json_add_str(c, "iss", ISS), PP_OK);
	assert_int_equal(pp_json_add_str(c, "sub", "demo-signatory"), PP_OK);
	assert_int_equal(pp_json_add_str(c, "aud", CID), PP_OK);
	assert_int_equal(pp_json_add_int(c, "iat", NOW - 5), PP_OK);
	assert_int_equal(pp_json_add_int(c, "exp", NOW + 300), PP_OK);
	assert_int_equal(pp_json_add_int(c, "auth_time", NOW - 30), PP_OK);
	assert_int_equal(pp_json_add_str(c, "nonce", "n0nce-value"), PP_OK);
	assert_int_equal(pp_json_add_str(c, "acr", "substantial"), PP_OK);
	return c;
}

/* Signs c (consumed) with key under kid and runs the checks. */
static enum pp_err
check(json_object *c, EVP_PKEY *key, const char *kid, const char **sub)
{
	char *jws = NULL;
	const char *acr;
	int64_t at;
	enum pp_err rc;

	assert_int_equal(pp_jws_sign_pkey(key, "JWT", kid, c, &jws), PP_OK);
	json_object_put(c);
	R.detail = NULL;
	rc = signer_oidc_check_id_token(&O, &R, jws, "n0nce-value", NOW, sub, &acr, &at);
	pp_free(jws);
	if (rc != PP_OK)
		assert_non_null(R.detail);
	return rc;
}

static void
test_good(void **state)
{
	const char *sub = NULL, *acr = NULL;
	json_object *c = good_claims();
	char *jws = NULL;
	int64_t at = 0;

	(void)state;
	assert_int_equal(pp_jws_sign_pkey(idp_key, "JWT", "k1", c, &jws), PP_OK);
	json_object_put(c);
	assert_int_equal(signer_oidc_check_id_token(&O, &R, jws, "n0nce-value", NOW, &sub, &acr, &at), PP_OK);
	assert_string_equal(sub, "demo-signatory");
	assert_string_equal(acr, "substantial");
	assert_int_equal(at, NOW - 30);
	pp_free(jws);
	/* auth_time absent: iat stands for it; aud as an array of one. */
	c = good_claims();
	json_object_object_del(c, "auth_time");
	json_object_object_del(c, "aud");
	json_object_object_add(c, "aud", json_object_new_array());
	json_object_array_add(json_object_object_get(c, "aud"), json_object_new_string(CID));
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_OK);
	/* Another identifying claim, when configured. */
	O.subject_claim = "preferred_username";
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "preferred_username", "elodie"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_OK);
	assert_string_equal(sub, "elodie");
	assert_int_equal(check(good_claims(), idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	O.subject_claim = "sub";
}

static void
test_signature(void **state)
{
	const char *sub;
	json_object *c;
	char *jws = NULL, *t;
	const char *acr;
	int64_t at;

	(void)state;
	/* Another key under the provider's kid; an unknown kid. */
	assert_int_equal(check(good_claims(), other_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	assert_non_null(strstr(R.detail, "signature"));
	assert_int_equal(check(good_claims(), idp_key, "k2", &sub), PP_ERR_TOKEN_INVALID);
	/* No kid: the only EC key of the set. */
	assert_int_equal(check(good_claims(), idp_key, NULL, &sub), PP_OK);
	/* RS256 from the provider's RSA key; the RSA key under the EC kid. */
	assert_int_equal(check(good_claims(), rsa_key, "r1", &sub), PP_OK);
	assert_int_equal(check(good_claims(), rsa_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	/* A payload changed after signing. */
	c = good_claims();
	assert_int_equal(pp_jws_sign_pkey(idp_key, "JWT", "k1", c, &jws), PP_OK);
	json_object_put(c);
	t = strchr(jws, '.') + 5;
	*t = *t == 'A' ? 'B' : 'A';
	assert_int_equal(signer_oidc_check_id_token(&O, &R, jws, "n0nce-value", NOW, &sub, &acr, &at),
	    PP_ERR_TOKEN_INVALID);
	pp_free(jws);
	/* Not a JWS at all. */
	assert_int_equal(signer_oidc_check_id_token(&O, &R, "not-a-token", "n0nce-value", NOW, &sub, &acr, &at),
	    PP_ERR_TOKEN_INVALID);
}

static void
test_claims(void **state)
{
	const char *sub;
	json_object *c;

	(void)state;
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "iss", "https://impostor.test"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	assert_non_null(strstr(R.detail, "issuer"));

	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "aud", "another-client"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	assert_non_null(strstr(R.detail, "aud"));
	/* Several audiences: azp must be us. */
	c = good_claims();
	json_object_object_add(c, "aud", json_object_new_array());
	json_object_array_add(json_object_object_get(c, "aud"), json_object_new_string(CID));
	json_object_array_add(json_object_object_get(c, "aud"), json_object_new_string("other"));
	assert_int_equal(check(json_object_get(c), idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	assert_int_equal(pp_json_add_str(c, "azp", "other"), PP_OK);
	assert_int_equal(check(json_object_get(c), idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	assert_int_equal(pp_json_add_str(c, "azp", CID), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_OK);

	c = good_claims();
	assert_int_equal(pp_json_add_int(c, "exp", NOW - SIGNER_OIDC_SKEW_S - 1), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_EXPIRED);
	/* Within the skew still passes. */
	c = good_claims();
	assert_int_equal(pp_json_add_int(c, "exp", NOW - SIGNER_OIDC_SKEW_S + 5), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_OK);
	c = good_claims();
	assert_int_equal(pp_json_add_int(c, "iat", NOW + SIGNER_OIDC_SKEW_S + 10), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_EXPIRED);
	c = good_claims();
	json_object_object_del(c, "exp");
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "exp", "tomorrow"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);

	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "nonce", "n0nce-valuf"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	assert_non_null(strstr(R.detail, "nonce"));
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "nonce", "n0nce-value-longer"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	c = good_claims();
	json_object_object_del(c, "nonce");
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);

	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "acr", "low"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_FORBIDDEN);
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "acr", "substantia"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_FORBIDDEN);
	c = good_claims();
	json_object_object_del(c, "acr");
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_FORBIDDEN);
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "acr", "high"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_OK);

	c = good_claims();
	json_object_object_del(c, "sub");
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
	c = good_claims();
	assert_int_equal(pp_json_add_str(c, "sub", "a\nb"), PP_OK);
	assert_int_equal(check(c, idp_key, "k1", &sub), PP_ERR_TOKEN_INVALID);
}

static void
test_acr_list(void **state)
{
	(void)state;
	assert_true(signer_oidc_in_list("substantial high", "high"));
	assert_true(signer_oidc_in_list(" substantial ", "substantial"));
	assert_false(signer_oidc_in_list("substantial high", "hig"));
	assert_false(signer_oidc_in_list("substantial high", ""));
	assert_false(signer_oidc_in_list("", "high"));
}


/* The authorization request: every parameter, fresh values, S256. */
static void
test_begin(void **state)
{
	char ep[] = "https://idp.test/authorize", tok[] = "https://idp.test/token";
	const char *url, *st, *no, *ve, *url2, *st2, *no2, *ve2;
	unsigned char dg[SHA256_DIGEST_LENGTH];
	char ch[PP_B64URL_LEN(SHA256_DIGEST_LENGTH) + 1], want[256];

	(void)state;
	O.authorization_endpoint = ep;	/* discovery done */
	O.token_endpoint = tok;
	O.redirect_uri = "https://sign.test/oidc/callback";
	O.scope = "openid profile";
	O.acr_values = "substantial";
	assert_int_equal(signer_oidc_begin(&O, &R, &url, &st, &no, &ve), PP_OK);
	assert_int_equal(strlen(st), 22);
	assert_int_equal(strlen(no), 22);
	assert_int_equal(strlen(ve), 43);
	assert_true(strncmp(url, "https://idp.test/authorize?response_type=code&", 46) == 0);
	assert_non_null(strstr(url, "&client_id=" CID "&"));
	assert_non_null(strstr(url, "&redirect_uri=https%3A%2F%2Fsign.test%2Foidc%2Fcallback&"));
	assert_non_null(strstr(url, "&scope=openid%20profile&"));
	snprintf(want, sizeof(want), "&state=%s&nonce=%s&", st, no);
	assert_non_null(strstr(url, want));
	SHA256((const unsigned char *)ve, strlen(ve), dg);
	pp_b64url_encode(dg, sizeof(dg), ch);
	snprintf(want, sizeof(want), "&code_challenge=%s&code_challenge_method=S256&acr_values=substantial", ch);
	assert_non_null(strstr(url, want));
	assert_null(strstr(url, ve));	/* the verifier never leaves */
	assert_int_equal(signer_oidc_begin(&O, &R, &url2, &st2, &no2, &ve2), PP_OK);
	assert_string_not_equal(st, st2);
	assert_string_not_equal(no, no2);
	assert_string_not_equal(ve, ve2);
	/* No acr_values configured: none sent. */
	O.acr_values = "";
	assert_int_equal(signer_oidc_begin(&O, &R, &url, &st, &no, &ve), PP_OK);
	assert_null(strstr(url, "acr_values"));
	O.authorization_endpoint = O.token_endpoint = NULL;
}

/* Every allocation of the checks failing in turn: an error, no leak. */
static void
test_check_alloc(void **state)
{
	json_object *c = good_claims();
	char *jws = NULL;
	const char *sub, *acr;
	int64_t at;
	enum pp_err rc = PP_ERR_NOMEM;

	(void)state;
	assert_int_equal(pp_jws_sign_pkey(idp_key, "JWT", "k1", c, &jws), PP_OK);
	json_object_put(c);
	for (long n = 0; n < 200 && rc != PP_OK; n++) {
		pp_mem_fail_after(n);
		rc = signer_oidc_check_id_token(&O, &R, jws, "n0nce-value", NOW, &sub, &acr, &at);
		pp_mem_fail_after(-1);
		assert_true(rc == PP_OK || rc == PP_ERR_NOMEM || rc == PP_ERR_TOKEN_INVALID);
	}
	assert_int_equal(rc, PP_OK);
	pp_free(jws);
}


/* The JWK set is kept an hour at most: older, it is fetched again (here
 * from a port where nobody listens: the provider is unavailable). */
static void
test_jwks_age(void **state)
{
	char uri[] = "https://127.0.0.1:1/jwks";
	const char *sub;

	(void)state;
	O.jwks_uri = uri;
	O.ca_file = "";
	O.timeout_ms = 2000;
	O.jwks_at = NOW - 10;
	assert_int_equal(check(good_claims(), idp_key, "k1", &sub), PP_OK);
	O.jwks_at = NOW - SIGNER_OIDC_JWKS_MAX_AGE_S - 1;
	assert_int_equal(check(good_claims(), idp_key, "k1", &sub), PP_ERR_UNAVAILABLE);
	assert_non_null(strstr(R.detail, "JWK set"));
	/* An unknown kid with a fresh set: fetched again once, same outcome. */
	O.jwks_at = NOW - 10;
	assert_int_equal(check(good_claims(), idp_key, "k9", &sub), PP_ERR_UNAVAILABLE);
	O.jwks_uri = NULL;
}

/* The login token: ES256 with the key in a token, typ paraphe-login+jwt,
 * the claims of docs/AUTHZ.md. */
static void
test_login_token(void **state)
{
	char module[256] = "", dir[64], tokens[128], conf[128], pin[128], text[256];
	CK_OBJECT_HANDLE pub;
	EVP_PKEY *k = NULL;
	json_object *p = NULL;
	const char *tok = NULL;
	glob_t g;
	FILE *f;
	int64_t v = 0, iat = 0;

	(void)state;
	if (access("/usr/lib/softhsm/libsofthsm2.so", R_OK) == 0)
		snprintf(module, sizeof(module), "%s", "/usr/lib/softhsm/libsofthsm2.so");
	else if (glob("/usr/lib/*/softhsm/libsofthsm2.so", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(module, sizeof(module), "%s", g.gl_pathv[0]);
		globfree(&g);
	}
	if (!*module || access("/usr/bin/softhsm2-util", X_OK) != 0)
		skip();
	snprintf(dir, sizeof(dir), "%s", "/tmp/pp-test-oidc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(tokens, sizeof(tokens), "%s/tokens", dir);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	snprintf(pin, sizeof(pin), "%s/pin", dir);
	assert_int_equal(mkdir(tokens, 0700), 0);
	snprintf(text, sizeof(text), "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
	    tokens);
	assert_non_null(f = fopen(conf, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(setenv("SOFTHSM2_CONF", conf, 1), 0);
	/* A throwaway token: its PINs on argv harm nobody. */
	assert_int_equal(system("softhsm2-util --init-token --free --label web --pin 1234 --so-pin 5678 >/dev/null"),
	    0);
	assert_int_equal(pp_p11_open_pin(module, "web", "1234", 4, conf, &O.p11), PP_OK);
	assert_int_equal(pp_p11_ec_generate(O.p11, "paraphe-login", &O.key, &pub), PP_OK);
	assert_int_equal(pp_p11_ec_public(O.p11, pub, &k), PP_OK);

	assert_int_equal(signer_oidc_login_token(&O, &R, "demo-signatory", "substantial", NOW - 30,
	    "00112233445566778899aabbccddeeff", NOW, &tok), PP_OK);
	assert_int_equal(pp_jws_verify(tok, strlen(tok), k, "paraphe-login+jwt", &p), PP_OK);
	assert_string_equal(pp_json_get_str(p, "iss"), ISS);
	assert_string_equal(pp_json_get_str(p, "idp_sub"), "demo-signatory");
	assert_string_equal(pp_json_get_str(p, "authz"), "00112233445566778899aabbccddeeff");
	assert_string_equal(pp_json_get_str(p, "acr"), "substantial");
	assert_true(signer_oidc_int_claim(p, "auth_time", &v) && v == NOW - 30);
	assert_true(signer_oidc_int_claim(p, "iat", &iat) && iat == NOW);
	assert_true(signer_oidc_int_claim(p, "exp", &v) && v - iat == SIGNER_OIDC_LOGIN_TTL_S && v - iat <= 120);
	assert_int_equal(strlen(pp_json_get_str(p, "jti")), 32);
	json_object_put(p);
	/* The token lost (every session closed under it): the login token
	 * is refused and the worker asks to stop, to be replaced. */
	{
		struct pp_p11_info info;
		assert_int_equal(pp_p11_health(O.p11, &info), PP_OK);
		assert_int_equal(pp_p11_fn(O.p11)->C_CloseAllSessions(info.slot), CKR_OK);
		assert_int_equal(pp_proc_stop, 0);
		tok = NULL;
		assert_int_equal(signer_oidc_login_token(&O, &R, "demo-signatory", "substantial", NOW - 30,
		    "00112233445566778899aabbccddeeff", NOW, &tok), PP_ERR_HSM);
		assert_null(tok);
		assert_true(pp_p11_lost(O.p11));
		assert_int_equal(pp_proc_stop, 1);
		pp_proc_stop = 0;
	}
	/* A wrong PIN does not log in, and is a configuration error: starting
	 * again with it would only count toward the token's lockout. */
	{
		struct pp_p11 *bad = NULL;
		pp_p11_close(O.p11);
		O.p11 = NULL;
		assert_int_equal(pp_p11_open_pin(module, "web", "9999", 4, conf, &bad), PP_ERR_CONFIG);
		assert_null(bad);
	}
	EVP_PKEY_free(k);
	pp_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims, setup, teardown),
		cmocka_unit_test(test_acr_list),
		cmocka_unit_test_setup_teardown(test_begin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jwks_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_token, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	EVP_PKEY_free(idp_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(rsa_key);
	return rc;
}
