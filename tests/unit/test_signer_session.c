#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "pp_core.h"
#include "pp_http.h"
#include "pp_test.h"
#include "signer.h"
#include "signer_session.h"

/*
 * The signer's browser sessions and rate limit (fcgi/signer/signer_session.c)
 * on an in-memory web.db with the real migrations: the cookie and what the
 * database keeps of it, the binding to one request, expiry and purge, what
 * a session stores, its end, and the per-IP count per minute.
 */

#define AUTHZ1 "0123456789abcdef0123456789abcdef"
#define AUTHZ2 "fedcba9876543210fedcba9876543210"

static struct signer sg = { .session_lifetime_s = 600, .rate_per_ip = 3 };
static struct pp_app app = { .name = "signer" };
static struct pp_ctx ctx;
static struct pp_req req;
static char *envp[4];
static char cookie_env[128];

static void
new_req(const char *cookie, const char *ip)
{
	struct pp_pool *pool = req.pool;

	pp_pool_free(pool);
	memset(&req, 0, sizeof(req));
	assert_int_equal(pp_pool_new(&req.pool), PP_OK);
	req.ctx = &ctx;
	req.remote_addr = ip;
	memset(envp, 0, sizeof(envp));
	if (cookie) {
		snprintf(cookie_env, sizeof(cookie_env), "HTTP_COOKIE=a=b; __Host-paraphe=%s", cookie);
		envp[0] = cookie_env;
	}
	req.envp = envp;
}

/* The cookie value the last answer set ("" when deleted). */
static const char *
set_cookie(void)
{
	static char v[64];
	const char *h = req.headers ? strstr(req.headers, "Set-Cookie: __Host-paraphe=") : NULL;
	size_t n;

	assert_non_null(h);
	h += strlen("Set-Cookie: __Host-paraphe=");
	n = strcspn(h, ";");
	assert_true(n < sizeof(v));
	memcpy(v, h, n);
	v[n] = '\0';
	return v;
}

static enum pp_err
count_row(void *c, const struct pp_val *cols, size_t n)
{
	*(int64_t *)c = n == 1 ? cols[0].i : -1;
	return PP_OK;
}

static int64_t
count(const char *sql, const char *arg)
{
	struct pp_val b[] = { PP_VAL_S(arg ? arg : "") };
	int64_t n = -1;

	assert_int_equal(pp_store_exec(ctx.store, sql, b, arg ? 1 : 0, count_row, &n, NULL), PP_OK);
	return n;
}

static int
setup(void **state)
{
	size_t n;
	const struct pp_migration *m = pp_schema_migrations("web", &n);

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.app = &app;
	ctx.data = &sg;
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, ":memory:", 1000, m, n, &ctx.store), PP_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pp_pool_free(req.pool);
	req.pool = NULL;
	pp_store_close(ctx.store);
	return 0;
}

static void
test_create_and_load(void **state)
{
	struct signer_session s, l;
	char cookie[64], hex[65];
	unsigned char id[32];
	unsigned int len;
	(void)state;

	new_req(NULL, "192.0.2.1");
	assert_int_equal(signer_session_create(&req, AUTHZ1, "fr", &s), PP_OK);
	snprintf(cookie, sizeof(cookie), "%s", set_cookie());
	assert_int_equal(strlen(cookie), 32);
	assert_int_equal(strspn(cookie, "0123456789abcdef"), 32);
	assert_non_null(strstr(req.headers, "; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=Lax\r\n"));
	assert_int_equal(strlen(s.csrf), 32);
	assert_string_not_equal(s.csrf, cookie);
	/* The database holds the cookie's SHA-256, never the cookie. */
	assert_int_equal(EVP_Digest(cookie, 32, id, &len, EVP_sha256(), NULL), 1);
	pp_hex(id, 32, hex);
	assert_int_equal(count("SELECT count(*) FROM browser_sessions WHERE lower(hex(id)) = ?", hex), 1);
	assert_int_equal(count("SELECT count(*) FROM browser_sessions WHERE id = ? OR csrf = id", cookie), 0);

	new_req(cookie, "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_OK);
	assert_string_equal(l.csrf, s.csrf);
	assert_string_equal(l.lang, "fr");
	assert_string_equal(l.authz, AUTHZ1);
	assert_int_equal(signer_session_load(&req, NULL, &l), PP_OK);
	/* Bound to its request only. */
	assert_int_equal(signer_session_load(&req, AUTHZ2, &l), PP_ERR_FORBIDDEN);
	/* No cookie, another one, a malformed one. */
	new_req(NULL, "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_ERR_NOT_FOUND);
	new_req("00000000000000000000000000000000", "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_ERR_NOT_FOUND);
	new_req("ABC", "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_ERR_NOT_FOUND);
}

static void
test_one_session_per_request(void **state)
{
	struct signer_session s;
	int bound = -1;
	(void)state;

	new_req(NULL, "192.0.2.1");
	assert_int_equal(signer_session_bound(&req, AUTHZ1, &bound), PP_OK);
	assert_int_equal(bound, 0);
	assert_int_equal(signer_session_create(&req, AUTHZ1, "en", &s), PP_OK);
	assert_int_equal(signer_session_bound(&req, AUTHZ1, &bound), PP_OK);
	assert_int_equal(bound, 1);
	new_req(NULL, "198.51.100.7");
	assert_int_equal(signer_session_create(&req, AUTHZ1, "en", &s), PP_ERR_CONFLICT);
	assert_null(req.headers);
	assert_int_equal(signer_session_create(&req, AUTHZ2, "en", &s), PP_OK);
	/* Not a request id: refused before anything. */
	assert_int_equal(signer_session_create(&req, "x", "en", &s), PP_ERR_INTERNAL);
}

static void
test_expiry_and_purge(void **state)
{
	struct signer_session s, l;
	char cookie[64];
	(void)state;

	new_req(NULL, "192.0.2.1");
	assert_int_equal(signer_session_create(&req, AUTHZ1, "en", &s), PP_OK);
	snprintf(cookie, sizeof(cookie), "%s", set_cookie());
	assert_int_equal(pp_store_exec(ctx.store, "UPDATE browser_sessions SET expires_ms = 1", NULL, 0, NULL, NULL,
	    NULL), PP_OK);
	new_req(cookie, "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_ERR_NOT_FOUND);
	/* An expired session binds nothing, and the next creation purges it. */
	new_req(NULL, "198.51.100.7");
	assert_int_equal(signer_session_create(&req, AUTHZ1, "en", &s), PP_OK);
	assert_int_equal(count("SELECT count(*) FROM browser_sessions", NULL), 1);
}

static void
test_save_and_end(void **state)
{
	struct signer_session s, l;
	char cookie[64];
	(void)state;

	new_req(NULL, "192.0.2.1");
	assert_int_equal(signer_session_create(&req, AUTHZ1, "en", &s), PP_OK);
	snprintf(cookie, sizeof(cookie), "%s", set_cookie());
	snprintf(s.otp_id, sizeof(s.otp_id), "%s", "d3762879f9c42aa2e4dfdab51468ca8a");
	snprintf(s.otp_notary, sizeof(s.otp_notary), "%s", "CN=Ma\xc3\xaetre Demo Notary,C=FR");
	snprintf(s.oidc_state, sizeof(s.oidc_state), "%s", "st");
	snprintf(s.oidc_nonce, sizeof(s.oidc_nonce), "%s", "no");
	snprintf(s.oidc_verifier, sizeof(s.oidc_verifier), "%s", "ve");
	snprintf(s.lang, sizeof(s.lang), "%s", "fr");
	assert_int_equal(signer_session_save(&req, &s), PP_OK);
	new_req(cookie, "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_OK);
	assert_string_equal(l.otp_id, s.otp_id);
	assert_string_equal(l.otp_notary, s.otp_notary);
	assert_string_equal(l.oidc_state, "st");
	assert_string_equal(l.oidc_nonce, "no");
	assert_string_equal(l.oidc_verifier, "ve");
	assert_string_equal(l.lang, "fr");
	/* Emptied members are stored as nothing. */
	l.oidc_state[0] = l.oidc_nonce[0] = l.oidc_verifier[0] = l.otp_notary[0] = '\0';
	assert_int_equal(signer_session_save(&req, &l), PP_OK);
	assert_int_equal(count("SELECT count(*) FROM browser_sessions WHERE oidc_state IS NULL AND oidc_nonce IS NULL"
	    " AND oidc_verifier IS NULL AND otp_notary IS NULL", NULL), 1);
	assert_int_equal(signer_session_end(&req, &l), PP_OK);
	assert_string_equal(set_cookie(), "");
	assert_non_null(strstr(req.headers, "Max-Age=0"));
	new_req(cookie, "192.0.2.1");
	assert_int_equal(signer_session_load(&req, AUTHZ1, &l), PP_ERR_NOT_FOUND);
	assert_int_equal(count("SELECT count(*) FROM browser_sessions", NULL), 0);
}

static void
test_rate(void **state)
{
	int over = -1;
	(void)state;

	new_req(NULL, "192.0.2.1");
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(signer_rate_hit(&req, 3, &over), PP_OK);
		assert_int_equal(over, 0);
	}
	assert_int_equal(signer_rate_hit(&req, 3, &over), PP_OK);
	assert_int_equal(over, 1);
	/* Another address has its own count. */
	new_req(NULL, "2001:db8::1");
	assert_int_equal(signer_rate_hit(&req, 3, &over), PP_OK);
	assert_int_equal(over, 0);
	/* A past minute's counts are swept by the next address's first hit. */
	assert_int_equal(pp_store_exec(ctx.store, "UPDATE rate_hits SET minute = minute - 5", NULL, 0, NULL, NULL,
	    NULL), PP_OK);
	new_req(NULL, "192.0.2.1");
	assert_int_equal(signer_rate_hit(&req, 3, &over), PP_OK);
	assert_int_equal(over, 0);
	assert_int_equal(count("SELECT count(*) FROM rate_hits", NULL), 1);
}

static void
test_random_hex(void **state)
{
	char a[33], b[33], big[200];
	(void)state;

	assert_int_equal(pp_random_hex(a, 16), PP_OK);
	assert_int_equal(pp_random_hex(b, 16), PP_OK);
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	assert_int_equal(pp_random_hex(big, 65), PP_ERR_INTERNAL);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_and_load),
		T(test_one_session_per_request),
		T(test_expiry_and_purge),
		T(test_save_and_end),
		T(test_rate),
		T(test_random_hex),
	};
	pp_log_open("test_signer_session", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
