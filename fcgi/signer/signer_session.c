/*
 * signer_session: browser sessions and the rate limit in web.db, shared by
 * every worker of the plugin.
 */
#include "config.h"
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "pp_core.h"
#include "pp_http.h"
#include "signer.h"
#include "signer_session.h"

static int
signer_is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void
signer_copy(char *dst, size_t cap, const struct pp_val *v)
{
	size_t n = 0;

	if (v->type == PP_VAL_TEXT) {
		n = v->len < cap - 1 ? v->len : cap - 1;
		memcpy(dst, v->p, n);
	}
	dst[n] = '\0';
}

static enum pp_err
signer_session_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct signer_session *s = ctx;

	if (n != 11)
		return PP_ERR_INTERNAL;
	signer_copy(s->authz, sizeof(s->authz), &c[0]);
	signer_copy(s->csrf, sizeof(s->csrf), &c[1]);
	signer_copy(s->lang, sizeof(s->lang), &c[2]);
	signer_copy(s->otp_id, sizeof(s->otp_id), &c[3]);
	signer_copy(s->oidc_state, sizeof(s->oidc_state), &c[4]);
	signer_copy(s->oidc_nonce, sizeof(s->oidc_nonce), &c[5]);
	signer_copy(s->oidc_verifier, sizeof(s->oidc_verifier), &c[6]);
	s->expires_ms = c[7].i;
	signer_copy(s->otp_notary, sizeof(s->otp_notary), &c[9]);
	s->changed_ms = c[10].type == PP_VAL_INT ? c[10].i : 0;
	return PP_OK;
}

static enum pp_err
signer_session_purge(struct pp_req *req)
{
	struct pp_val b[] = { PP_VAL_I(pp_now_ms()) };

	return pp_store_exec(req->ctx->store, "DELETE FROM browser_sessions WHERE expires_ms <= ?",
	    b, 1, NULL, NULL, NULL);
}

enum pp_err
signer_session_create(struct pp_req *req, const char *authz, const char *lang,
    struct signer_session *s)
{
	const struct signer *sg = req->ctx->data;
	char cookie[SIGNER_ID_HEX + 1];
	int64_t now = pp_now_ms();
	int bound = 0;
	enum pp_err rc;

	memset(s, 0, sizeof(*s));
	if (!signer_is_hex(authz, SIGNER_ID_HEX))
		return PP_ERR_INTERNAL;
	if ((rc = signer_session_purge(req)) != PP_OK ||
	    (rc = signer_session_bound(req, authz, &bound)) != PP_OK)
		return rc;
	if (bound)
		return PP_ERR_CONFLICT;
	if ((rc = pp_random_hex(cookie, 16)) != PP_OK ||
	    (rc = pp_random_hex(s->csrf, 16)) != PP_OK ||
	    (rc = pp_sha256(cookie, strlen(cookie), s->id)) != PP_OK)
		goto out;
	memcpy(s->authz, authz, SIGNER_ID_HEX + 1);
	snprintf(s->lang, sizeof(s->lang), "%s", strcmp(lang, "fr") == 0 ? "fr" : "en");
	s->expires_ms = now + sg->session_lifetime_s * 1000;
	{
		struct pp_val b[] = {
			{ .type = PP_VAL_BLOB, .p = s->id, .len = sizeof(s->id) },
			PP_VAL_S(s->authz), PP_VAL_S(s->csrf), PP_VAL_S(s->lang),
			PP_VAL_I(now), PP_VAL_I(s->expires_ms),
		};
		rc = pp_store_exec(req->ctx->store, "INSERT INTO browser_sessions (id, authz, csrf, lang,"
		    " created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)", b, 6, NULL, NULL, NULL);
	}
	/* Two browsers racing for one request: the UNIQUE constraint lets
	 * one in. */
	if (rc != PP_OK) {
		int again = 0;
		if (signer_session_bound(req, authz, &again) == PP_OK && again)
			rc = PP_ERR_CONFLICT;
		goto out;
	}
	rc = pp_reply_cookie(req, SIGNER_COOKIE, cookie, (long)sg->session_lifetime_s);
out:
	pp_wipe(cookie, sizeof(cookie));
	return rc;
}

static enum pp_err
signer_count_row(void *ctx, const struct pp_val *c, size_t n)
{
	*(int64_t *)ctx = n == 1 && c[0].type == PP_VAL_INT ? c[0].i : 0;
	return PP_OK;
}

enum pp_err
signer_session_bound(struct pp_req *req, const char *authz, int *bound)
{
	struct pp_val b[] = { PP_VAL_S(authz), PP_VAL_I(pp_now_ms()) };
	int64_t n = 0;
	enum pp_err rc = pp_store_exec(req->ctx->store,
	    "SELECT count(*) FROM browser_sessions WHERE authz = ? AND expires_ms > ?", b, 2,
	    signer_count_row, &n, NULL);

	*bound = n > 0;
	return rc;
}

enum pp_err
signer_session_load(struct pp_req *req, const char *authz, struct signer_session *s)
{
	const char *cookie = pp_req_cookie(req, SIGNER_COOKIE);
	enum pp_err rc;

	memset(s, 0, sizeof(*s));
	if (cookie == NULL || !signer_is_hex(cookie, SIGNER_ID_HEX))
		return PP_ERR_NOT_FOUND;
	if ((rc = pp_sha256(cookie, strlen(cookie), s->id)) != PP_OK)
		return rc;
	{
		struct pp_val b[] = {
			{ .type = PP_VAL_BLOB, .p = s->id, .len = sizeof(s->id) },
			PP_VAL_I(pp_now_ms()),
		};
		rc = pp_store_exec(req->ctx->store, "SELECT authz, csrf, lang, otp_id, oidc_state,"
		    " oidc_nonce, oidc_verifier, expires_ms, created_ms, otp_notary, changed_ms FROM browser_sessions"
		    " WHERE id = ? AND expires_ms > ?", b, 2, signer_session_row, s, NULL);
	}
	if (rc != PP_OK)
		return rc;
	if (s->authz[0] == '\0')
		return PP_ERR_NOT_FOUND;
	if (authz != NULL && strcmp(s->authz, authz) != 0)
		return PP_ERR_FORBIDDEN;
	return PP_OK;
}

static struct pp_val
signer_opt(const char *s)
{
	return *s ? PP_VAL_S(s) : (struct pp_val){ .type = PP_VAL_NULL };
}

enum pp_err
signer_session_changed(struct pp_req *req, const char *authz)
{
	struct pp_val b[] = { PP_VAL_I(pp_now_ms()), PP_VAL_S(authz) };

	return pp_store_exec(req->ctx->store, "UPDATE browser_sessions SET changed_ms = ? WHERE authz = ?",
	    b, 2, NULL, NULL, NULL);
}

enum pp_err
signer_session_save(struct pp_req *req, const struct signer_session *s)
{
	struct pp_val b[] = {
		signer_opt(s->otp_id), signer_opt(s->oidc_state), signer_opt(s->oidc_nonce),
		signer_opt(s->oidc_verifier), PP_VAL_S(s->lang), signer_opt(s->otp_notary),
		{ .type = PP_VAL_BLOB, .p = s->id, .len = sizeof(s->id) },
	};

	return pp_store_exec(req->ctx->store, "UPDATE browser_sessions SET otp_id = ?, oidc_state = ?,"
	    " oidc_nonce = ?, oidc_verifier = ?, lang = ?, otp_notary = ? WHERE id = ?", b, 7, NULL, NULL,
	    NULL);
}

enum pp_err
signer_session_end(struct pp_req *req, const struct signer_session *s)
{
	struct pp_val b[] = { { .type = PP_VAL_BLOB, .p = s->id, .len = sizeof(s->id) } };
	enum pp_err rc = pp_store_exec(req->ctx->store, "DELETE FROM browser_sessions WHERE id = ?",
	    b, 1, NULL, NULL, NULL);

	return rc != PP_OK ? rc : pp_reply_cookie(req, SIGNER_COOKIE, "", 0);
}

enum pp_err
signer_rate_hit(struct pp_req *req, int64_t limit, int *over)
{
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : "-";
	int64_t minute = pp_now_ms() / 60000, hits = 0;
	struct pp_val b[] = { PP_VAL_S(ip), PP_VAL_I(minute) };
	enum pp_err rc;

	rc = pp_store_exec(req->ctx->store, "INSERT INTO rate_hits (ip, minute, hits) VALUES (?, ?, 1)"
	    " ON CONFLICT (ip, minute) DO UPDATE SET hits = hits + 1 RETURNING hits", b, 2,
	    signer_count_row, &hits, NULL);
	if (rc != PP_OK)
		return rc;
	/* The first request of an address in a minute sweeps the old ones. */
	if (hits == 1) {
		struct pp_val old[] = { PP_VAL_I(minute) };
		if ((rc = pp_store_exec(req->ctx->store, "DELETE FROM rate_hits WHERE minute < ?", old, 1,
		    NULL, NULL, NULL)) != PP_OK)
			return rc;
	}
	*over = hits > limit;
	return PP_OK;
}
