/*
 * signer_session: a signatory's browser session (web.db, table
 * browser_sessions) and the per-IP rate limit (table rate_hits).
 *
 * The cookie __Host-paraphe holds 128 random bits (32 hex digits); the
 * database holds only their SHA-256, so a copy of web.db opens no session.
 * A session is bound to ONE authorisation request (one session per
 * request) and holds the CSRF token of its forms (128 random bits), the
 * OTP id, the OpenID Connect state, nonce and verifier, and the language.
 */
#ifndef SIGNER_SESSION_H
#define SIGNER_SESSION_H

#include <stdint.h>
#include "pp_err.h"

struct pp_req;

#define SIGNER_COOKIE "__Host-paraphe"
#define SIGNER_ID_HEX 32	/* 128 bits */

struct signer_session {
	unsigned char id[32];		/* SHA-256 of the cookie value */
	char authz[SIGNER_ID_HEX + 1];
	char csrf[SIGNER_ID_HEX + 1];
	char lang[3];
	char otp_id[65];		/* "" when none */
	char otp_notary[257];		/* notary subject of that code, "" when none */
	char oidc_state[129], oidc_nonce[129], oidc_verifier[129];
	int64_t expires_ms;
	int64_t changed_ms;		/* the last change of its request asked by a worker */
};

/* A new session bound to authz (32 lower-case hex digits) in lang, its
 * cookie set on the answer (Max-Age: the session's life); expired sessions
 * are purged first.  PP_ERR_CONFLICT when a live session is already bound
 * to authz (another browser holds it). */
enum pp_err signer_session_create(struct pp_req *req, const char *authz, const char *lang,
    struct signer_session *s) PP_WUR;
/* The live session of the request's cookie bound to authz (any request
 * when authz is NULL: the OpenID Connect callback).
 * PP_ERR_NOT_FOUND: no cookie, or no live session for it;
 * PP_ERR_FORBIDDEN: the session is bound to another request. */
enum pp_err signer_session_load(struct pp_req *req, const char *authz, struct signer_session *s) PP_WUR;
/* Whether a live session is bound to authz: *bound 1 or 0. */
enum pp_err signer_session_bound(struct pp_req *req, const char *authz, int *bound) PP_WUR;
/* Notes that a worker just asked the SAM to change request authz (every
 * session bound to it; 0 rows is fine). */
enum pp_err signer_session_changed(struct pp_req *req, const char *authz) PP_WUR;
/* Stores s's otp_id and otp_notary, OIDC members and language. */
enum pp_err signer_session_save(struct pp_req *req, const struct signer_session *s) PP_WUR;
/* Ends s (cookie deleted on the answer). */
enum pp_err signer_session_end(struct pp_req *req, const struct signer_session *s) PP_WUR;

/* Counts one request of the request's client IP in the current minute:
 * *over 1 once it made more than limit requests in it. */
enum pp_err signer_rate_hit(struct pp_req *req, int64_t limit, int *over) PP_WUR;


#endif
