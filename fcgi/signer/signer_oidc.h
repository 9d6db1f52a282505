/*
 * signer_oidc: the signer plugin's OpenID Connect client (AUTH-1, AUTH-3,
 * AUTH-4; docs/AUTHZ.md "Login token").
 *
 * Authorization code flow with PKCE (S256) against the provider of
 * [oidc] (its discovery document, fetched at first use and cached; its
 * issuer must be oidc.issuer).  The ID token is verified here (signature
 * with the provider's JWK set, ES256 or RS256, the set fetched again once
 * on an unknown kid; iss, aud/azp, exp/iat with a small skew, nonce in
 * constant time, acr in oidc.required_acr) and its identifying claim
 * (oidc.subject_claim) is put in a login token signed with the plugin's
 * own ECDSA P-256 key in its own token (oidc.token_label, key
 * oidc.key_label), which the SAM verifies (authz.login).
 *
 * Secrets: the token's PIN and the client secret are files only root
 * reads.  signer_oidc_preinit (the app's preinit hook, before the privilege
 * drop) reads them into memory; signer_oidc_init (in each worker) logs in
 * with the PIN and keeps the client secret; when preinit did not run, init
 * reads the files itself (a plugin that never drops privileges).
 */
#ifndef SIGNER_OIDC_H
#define SIGNER_OIDC_H

#include "pp_err.h"

struct pp_ctx;
struct pp_req;
struct signer_oidc;

/* Lifetime of a login token (seconds; docs/AUTHZ.md: at most 120). */
#define SIGNER_OIDC_LOGIN_TTL_S 120
/* Allowed clock difference with the provider (seconds). */
#define SIGNER_OIDC_SKEW_S 60

/* Before the privilege drop: reads oidc.pin_file and
 * oidc.client_secret_file (nothing when oidc.issuer is empty). */
enum pp_err signer_oidc_preinit(struct pp_ctx *ctx) PP_WUR;
/* Reads [oidc].  oidc.issuer empty: *out = NULL and PP_OK (OIDC not
 * offered).  Otherwise opens the login-key token and finds the key.  OUT
 * *out owned by the caller (signer_oidc_fini). */
enum pp_err signer_oidc_init(struct pp_ctx *ctx, struct signer_oidc **out) PP_WUR;
/* Logs out of the token, wipes the client secret.  NULL is a no-op. */
void signer_oidc_fini(struct signer_oidc *o);
/* 1 when OIDC login is offered (o not NULL). */
int signer_oidc_enabled(const struct signer_oidc *o);

/* Starts a login.  OUT (pool memory): *url, the provider's authorization
 * endpoint with response_type=code, client_id, redirect_uri, scope, state,
 * nonce, code_challenge (S256 of *verifier), code_challenge_method and
 * acr_values (when configured); *state (22 characters), *nonce (22) and
 * *verifier (43, [A-Za-z0-9_-]), fresh random values the caller keeps in
 * the browser session.  PP_ERR_UNAVAILABLE / PP_ERR_PROTO when the
 * discovery document cannot be had. */
enum pp_err signer_oidc_begin(struct signer_oidc *o, struct pp_req *req, const char **url,
    const char **state, const char **nonce, const char **verifier) PP_WUR;

/* Finishes a login: the caller has checked the callback's state against
 * the session's (constant time) and gives the code, the session's nonce
 * and verifier, and the authorisation request id.  Exchanges the code
 * (client_secret_basic, TLS verified against oidc.ca_file, oidc.timeout_ms),
 * verifies the ID token and signs the login token.  OUT *login_token
 * (pool memory).  Refusals, each with req->detail naming the reason (for
 * the audit record and the log; the page stays generic):
 *   PP_ERR_UNAVAILABLE   the provider cannot be reached
 *   PP_ERR_PROTO         the provider answered nonsense (discovery, JSON)
 *   PP_ERR_BAD_REQUEST   the provider refused the code (invalid_grant...)
 *   PP_ERR_TOKEN_INVALID the ID token: signature, issuer, audience, nonce,
 *                        or the identifying claim missing
 *   PP_ERR_TOKEN_EXPIRED the ID token is expired (or issued in the future)
 *   PP_ERR_FORBIDDEN     the ID token's acr is not in oidc.required_acr
 *   PP_ERR_HSM           the login token could not be signed */
enum pp_err signer_oidc_finish(struct signer_oidc *o, struct pp_req *req, const char *code, const char *nonce,
    const char *verifier, const char *authz, const char **login_token) PP_WUR;

#endif
