/*
 * paraphe-signer: the signatory-facing pages on the public listener.
 * Here: the landing page.  The CSC OAuth2 authorisation pages arrive later.
 */
#include "config.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_http.h"

static const char *const signer_langs[] = { "en", "fr", NULL };

enum { SIGNER_LANDING_LANG, SIGNER_LANDING__MAX };
static const struct pp_field signer_landing_fields[SIGNER_LANDING__MAX] = {
	[SIGNER_LANDING_LANG] = { "lang", PP_FIELD_ENUM, 2, 0, 0, 0, signer_langs },
};

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

static const struct pp_route signer_routes[] = {
	{ PP_GET, "/", signer_landing, PP_BODY_NONE, signer_landing_fields, SIGNER_LANDING__MAX },
};

static const struct pp_app signer_app = {
	.name = "signer",
	.out = PP_OUT_HTML,
	.cert = PP_CERT_OPTIONAL,
	.deps = PP_DEP_SAM | PP_DEP_AUDIT,
	.routes = signer_routes,
	.nroutes = sizeof(signer_routes) / sizeof(signer_routes[0]),
};

int
main(int argc, char **argv)
{
	return pp_http_main(&signer_app, argc, argv);
}
