/*
 * paraphe-signer: the signatory-facing pages on the public listener
 * (docs/AUTHZ.md, "Public listener").  The plugin's shared state and the
 * route handlers of its modules.
 */
#ifndef SIGNER_H
#define SIGNER_H

#include <stdint.h>
#include "pp_err.h"

struct pp_ctx;
struct pp_req;
struct signer_oidc;

/* The plugin's state (ctx->data). */
struct signer {
	int64_t session_lifetime_s;	/* signer.session_lifetime_s */
	int64_t rate_per_ip;		/* signer.rate_per_ip, requests a minute */
	struct signer_oidc *oidc;	/* NULL: OpenID Connect not offered */
};


/* signer_pages.c: the routes. */
enum pp_err signer_authorize(struct pp_req *req);
enum pp_err signer_overview(struct pp_req *req);
enum pp_err signer_method(struct pp_req *req);
enum pp_err signer_otp(struct pp_req *req);
enum pp_err signer_approve(struct pp_req *req);
enum pp_err signer_done(struct pp_req *req);
enum pp_err signer_cancel(struct pp_req *req);
enum pp_err signer_oidc(struct pp_req *req);
enum pp_err signer_oidc_callback(struct pp_req *req);

/* A readable error page in the page's language: status, the message
 * L.signer.err.<key>, and no redirect. */
enum pp_err signer_error_page(struct pp_req *req, int status, const char *key);

#endif
