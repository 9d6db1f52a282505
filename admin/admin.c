/*
 * paraphe-admin: the staff console on the console listener, behind mutual
 * TLS with the staff CA.  Here: the home page greeting the staff member by
 * the subject of their (re-checked) certificate.
 */
#include "config.h"
#include "pp_audit.h"
#include "pp_core.h"
#include "pp_json.h"
#include "pp_html.h"
#include "pp_http.h"

static const char *const admin_langs[] = { "en", "fr", NULL };

enum { ADMIN_HOME_LANG, ADMIN_HOME__MAX };
static const struct pp_field admin_home_fields[ADMIN_HOME__MAX] = {
	[ADMIN_HOME_LANG] = { "lang", PP_FIELD_ENUM, 2, 0, 0, 0, admin_langs },
};

/*
 * Opening the console with a staff certificate is a trust-role login
 * (AUD-2), recorded before anything is shown.  The console's sessions and
 * second factor replace this with a real login later; the record stays.
 */
static enum pp_err
admin_home(struct pp_req *req)
{
	HDF *hdf = pp_req_hdf(req);
	json_object *d = json_object_new_object();
	struct pp_audit_event ev = {
		.type = PP_AUDIT_ROLE_LOGIN,
		.outcome = PP_AUDIT_SUCCESS,
		.actor_kind = PP_AUDIT_ACTOR_STAFF,
		.details = d,
	};
	enum pp_err rc;

	if (hdf == NULL || d == NULL) {
		json_object_put(d);
		return hdf == NULL ? PP_ERR_TEMPLATE : PP_ERR_NOMEM;
	}
	if (pp_json_add_str(d, "certificate_serial", req->client.serial) != PP_OK ||
	    pp_json_add_str(d, "certificate_sha256", req->client.sha256) != PP_OK ||
	    pp_json_add_str(d, "interface", "console") != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = pp_req_audit(req, &ev);
	json_object_put(d);
	if (rc != PP_OK)
		return rc;
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
