/*
 * paraphe-admin: the staff console on the console listener, behind mutual
 * TLS with the staff CA.  Here: the home page greeting the staff member by
 * the subject of their (re-checked) certificate.
 */
#include "config.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_http.h"

static const char *const admin_langs[] = { "en", "fr", NULL };

enum { ADMIN_HOME_LANG, ADMIN_HOME__MAX };
static const struct pp_field admin_home_fields[ADMIN_HOME__MAX] = {
	[ADMIN_HOME_LANG] = { "lang", PP_FIELD_ENUM, 2, 0, 0, 0, admin_langs },
};

static enum pp_err
admin_home(struct pp_req *req)
{
	HDF *hdf = pp_req_hdf(req);

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	if (pp_hdf_set(hdf, "Staff.name", req->client.common_name) != PP_OK ||
	    pp_hdf_set(hdf, "Staff.subject", req->client.subject) != PP_OK ||
	    pp_hdf_set(hdf, "Staff.serial", req->client.serial) != PP_OK ||
	    pp_hdf_set(hdf, "Staff.fingerprint", req->client.sha256) != PP_OK ||
	    pp_hdf_set(hdf, "Page.other_lang", req->lang[0] == 'e' ? "fr" : "en") != PP_OK)
		return PP_ERR_NOMEM;
	return pp_reply_html(req, 200, "console_home.cs");
}

static const struct pp_route admin_routes[] = {
	{ PP_GET, "/", admin_home, PP_BODY_NONE, admin_home_fields, ADMIN_HOME__MAX },
};

static const struct pp_app admin_app = {
	.name = "admin",
	.out = PP_OUT_HTML,
	.cert = PP_CERT_REQUIRED,
	.deps = PP_DEP_AUDIT,
	.routes = admin_routes,
	.nroutes = sizeof(admin_routes) / sizeof(admin_routes[0]),
};

int
main(int argc, char **argv)
{
	return pp_http_main(&admin_app, argc, argv);
}
