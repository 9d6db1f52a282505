/*
 * paraphe-signer: the signatory-facing pages on the public listener: the
 * landing page and the CSC authorisation pages (docs/AUTHZ.md).  The
 * handlers are in signer_pages.c, the browser sessions and the rate limit
 * in signer_session.c, the SAM calls in signer_sam.c.
 */
#include "config.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_http.h"
#include "signer.h"
#include "signer_oidc.h"
#include "signer_session.h"

static const char *const signer_langs[] = { "en", "fr", NULL };
/* The page offers oidc as a link (GET /sign/{id}/oidc): see signer_pages.c. */
static const char *const signer_methods[] = { "sms", "sms_notary", "oidc", NULL };
static const char *const signer_otp_actions[] = { "verify", "resend", NULL };
static const char *const signer_consent[] = { "true", NULL };

enum { SIGNER_LANDING_LANG, SIGNER_LANDING__MAX };
static const struct pp_field signer_landing_fields[SIGNER_LANDING__MAX] = {
	[SIGNER_LANDING_LANG] = { "lang", PP_FIELD_ENUM, 2, 0, 0, 0, signer_langs },
};

/* CSC v2 oauth2/authorize (and RAR, PAR).  The values are checked by the
 * handler and by the SAM, which alone knows the clients: a field the
 * framework refuses shows an error page and never redirects. */
static const struct pp_field signer_authorize_fields[] = {
	{ "response_type", PP_FIELD_STRING, 16, 0, 0, 0, NULL },
	{ "client_id", PP_FIELD_TOKEN, 128, 0, 0, 0, NULL },
	{ "redirect_uri", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "scope", PP_FIELD_STRING, 32, 0, 0, 0, NULL },
	{ "credentialID", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	{ "numSignatures", PP_FIELD_INT, 0, 0, 1, 1000, NULL },
	{ "hashes", PP_FIELD_STRING, 96000, 0, 0, 0, NULL },
	{ "hashAlgorithmOID", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "code_challenge", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	{ "code_challenge_method", PP_FIELD_STRING, 16, 0, 0, 0, NULL },
	{ "state", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "description", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "lang", PP_FIELD_ENUM, 2, 0, 0, 0, signer_langs },
	{ "authorization_details", PP_FIELD_STRING, 200000, 0, 0, 0, NULL },
	{ "request_uri", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
};

static const struct pp_field signer_page_fields[] = {
	{ "lang", PP_FIELD_ENUM, 2, 0, 0, 0, signer_langs },
};

static const struct pp_field signer_method_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "method", PP_FIELD_ENUM, 16, 1, 0, 0, signer_methods },
};

static const struct pp_field signer_otp_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "otp", PP_FIELD_STRING, 32, 0, 0, 0, NULL },
	{ "action", PP_FIELD_ENUM, 8, 0, 0, 0, signer_otp_actions },
	{ "lang", PP_FIELD_ENUM, 2, 0, 0, 0, signer_langs },
};

static const struct pp_field signer_approve_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "consent", PP_FIELD_ENUM, 8, 0, 0, 0, signer_consent },
	{ "lang", PP_FIELD_ENUM, 2, 0, 0, 0, signer_langs },
};

/* The provider's answer (OpenID Connect Core 3.1.2.5 and 3.1.2.6, RFC 9207's
 * iss, and the session_state some providers add). */
static const struct pp_field signer_callback_fields[] = {
	{ "code", PP_FIELD_STRING, 2048, 0, 0, 0, NULL },
	{ "state", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	{ "error", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	{ "error_description", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "error_uri", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "iss", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "session_state", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
};

static const struct pp_field signer_cancel_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

static enum pp_err
signer_landing(struct pp_req *req)
{
	HDF *hdf = pp_req_hdf(req);

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	/* A notary reaches the pages with a certificate from the notary CA. */
	if (req->client.present &&
	    (pp_hdf_set(hdf, "Notary.name", req->client.common_name) != PP_OK ||
	     pp_hdf_set(hdf, "Notary.subject", req->client.subject) != PP_OK))
		return PP_ERR_NOMEM;
	if (pp_hdf_set(hdf, "Page.other_lang", req->lang[0] == 'e' ? "fr" : "en") != PP_OK)
		return PP_ERR_NOMEM;
	return pp_reply_html(req, 200, "landing.cs");
}

/* Every routed request counts against its client IP's minute; over
 * signer.rate_per_ip, a readable 429 page. */
static enum pp_err
signer_pre(struct pp_req *req)
{
	const struct signer *sg = req->ctx->data;
	int over = 0;
	enum pp_err rc;

	if ((rc = signer_rate_hit(req, sg->rate_per_ip, &over)) != PP_OK)
		return rc;
	if (!over)
		return PP_OK;
	if ((rc = pp_reply_header(req, "Retry-After", "60")) != PP_OK)
		return rc;
	return signer_error_page(req, 429, "rate");
}

static enum pp_err
signer_init(struct pp_ctx *ctx)
{
	static struct signer sg;

	sg.session_lifetime_s = pp_conf_int(ctx->conf, "signer", "session_lifetime_s");
	sg.rate_per_ip = pp_conf_int(ctx->conf, "signer", "rate_per_ip");
	ctx->data = &sg;
	/* OpenID Connect (oidc.issuer set): its login-token key's token. */
	return signer_oidc_init(ctx, &sg.oidc);
}

static void
signer_fini(struct pp_ctx *ctx)
{
	struct signer *sg = ctx->data;

	if (sg != NULL) {
		signer_oidc_fini(sg->oidc);
		sg->oidc = NULL;
	}
}

static const struct pp_route signer_routes[] = {
	{ PP_GET, "/", signer_landing, PP_BODY_NONE, signer_landing_fields, SIGNER_LANDING__MAX },
	{ PP_GET, "/csc/v2/oauth2/authorize", signer_authorize, PP_BODY_NONE, signer_authorize_fields,
	  NF(signer_authorize_fields) },
	{ PP_GET, "/sign/{id}", signer_overview, PP_BODY_NONE, signer_page_fields, NF(signer_page_fields) },
	{ PP_POST, "/sign/{id}/method", signer_method, PP_BODY_FORM, signer_method_fields,
	  NF(signer_method_fields) },
	{ PP_GET | PP_POST, "/sign/{id}/otp", signer_otp, PP_BODY_FORM, signer_otp_fields,
	  NF(signer_otp_fields) },
	{ PP_GET | PP_POST, "/sign/{id}/approve", signer_approve, PP_BODY_FORM, signer_approve_fields,
	  NF(signer_approve_fields) },
	{ PP_GET, "/sign/{id}/done", signer_done, PP_BODY_NONE, signer_page_fields, NF(signer_page_fields) },
	{ PP_POST, "/sign/{id}/cancel", signer_cancel, PP_BODY_FORM, signer_cancel_fields,
	  NF(signer_cancel_fields) },
	{ PP_GET, "/sign/{id}/oidc", signer_oidc, PP_BODY_NONE, signer_page_fields, NF(signer_page_fields) },
	{ PP_GET, "/oidc/callback", signer_oidc_callback, PP_BODY_NONE, signer_callback_fields,
	  NF(signer_callback_fields) },
};

static const struct pp_app signer_app = {
	.name = "signer",
	.out = PP_OUT_HTML,
	.cert = PP_CERT_OPTIONAL,
	.deps = PP_DEP_SAM | PP_DEP_AUDIT,
	.routes = signer_routes,
	.nroutes = NF(signer_routes),
	.init = signer_init,
	.fini = signer_fini,
	.pre = signer_pre,
	.preinit = signer_oidc_preinit,
};

int
main(int argc, char **argv)
{
	return pp_http_main(&signer_app, argc, argv);
}
