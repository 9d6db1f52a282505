/*
 * admin_ops: the pages that look at and act on what the SAM holds: the SCA
 * and PKI client registry with the algorithm notices (application manager,
 * SEC-6), signatories, credentials and signing sessions (operator), a
 * credential's revocation with its reason.  Everything comes from and goes
 * to the SAM's staff ops (sam/sam_staff.c); the changes under dual control
 * are proposals (admin_dual.c), not actions here.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_json.h"

/* One SAM op whose answer is copied under prefix; a refusal is shown. */
static enum pp_err
admin_ops_fetch(struct pp_req *req, const struct admin_session *s, const char *op, json_object *args,
    const char *prefix)
{
	json_object *ans = NULL;
	const char *err, *desc = "";
	HDF *hdf = pp_req_hdf(req);
	enum pp_err rc;

	if (hdf == NULL) {
		json_object_put(args);
		return PP_ERR_TEMPLATE;
	}
	if ((rc = admin_sam_call(req, s, op, args, &ans)) != PP_OK)
		return rc;
	if ((err = admin_sam_error(ans, &desc)) != NULL)
		return pp_fail(req, PP_ERR_CONFLICT, "The SAM refused %s: %s (%s)", op, desc, err);
	return admin_json_hdf(hdf, prefix, ans);
}

static json_object *
admin_ops_args(struct pp_req *req, const char *const *names)
{
	json_object *a = json_object_new_object();

	for (size_t i = 0; a != NULL && names[i] != NULL; i++) {
		const char *v = pp_req_value(req, names[i]);
		if (v != NULL && *v && pp_json_add_str(a, names[i], v) != PP_OK) {
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static enum pp_err
admin_ops_paging(struct pp_req *req, json_object *a, int64_t *offset)
{
	const char *o = pp_req_value(req, "offset");

	*offset = 0;
	if (o != NULL && *o && pp_strtonum(o, strlen(o), 0, 1000000, offset) != PP_OK)
		return PP_ERR_FIELD_INVALID;
	if (pp_json_add_int(a, "limit", 50) != PP_OK || pp_json_add_int(a, "offset", *offset) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* GET /clients: the registry, the withdrawn algorithms, the proposal forms. */
static enum pp_err
admin_ops_clients(struct pp_req *req, const struct admin_session *s)
{
	enum pp_err rc;

	if ((rc = admin_ops_fetch(req, s, "staff.client.list", NULL, "Registry")) != PP_OK ||
	    (rc = admin_ops_fetch(req, s, "staff.algo.list", NULL, "Algos")) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_clients.cs");
}

/* GET /signatories?q=&sca=&offset= */
static enum pp_err
admin_ops_signatories(struct pp_req *req, const struct admin_session *s)
{
	static const char *const names[] = { "q", "sca", NULL };
	json_object *a = admin_ops_args(req, names);
	int64_t offset = 0;
	enum pp_err rc;

	if (a == NULL)
		return PP_ERR_NOMEM;
	if ((rc = admin_ops_paging(req, a, &offset)) != PP_OK) {
		json_object_put(a);
		return pp_fail(req, rc, "offset must be a number");
	}
	if ((rc = admin_ops_fetch(req, s, "staff.signatory.search", a, "Result")) != PP_OK)
		return rc;
	char o[32];
	const char *q = pp_req_value(req, "q");
	if (q != NULL && pp_hdf_set(pp_req_hdf(req), "Query.q", q) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(o, sizeof(o), "%lld", (long long)offset);
	if (pp_hdf_set(pp_req_hdf(req), "Query.offset", o) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(o, sizeof(o), "%lld", (long long)offset + 50);
	if (pp_hdf_set(pp_req_hdf(req), "Query.next", o) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(o, sizeof(o), "%lld", (long long)(offset >= 50 ? offset - 50 : 0));
	if (pp_hdf_set(pp_req_hdf(req), "Query.prev", o) != PP_OK)
		return PP_ERR_NOMEM;
	return admin_reply(req, s, 200, "console_signatories.cs");
}

/* GET /signatories/{id}: their credentials and signing sessions. */
static enum pp_err
admin_ops_signatory(struct pp_req *req, const struct admin_session *s)
{
	json_object *a = json_object_new_object(), *b = json_object_new_object();
	enum pp_err rc;

	if (a == NULL || b == NULL || pp_json_add_str(a, "signatory", req->param.s) != PP_OK ||
	    pp_json_add_int(a, "limit", 100) != PP_OK || pp_json_add_int(a, "offset", 0) != PP_OK ||
	    pp_json_add_str(b, "signatory", req->param.s) != PP_OK ||
	    pp_json_add_int(b, "limit", 100) != PP_OK || pp_json_add_int(b, "offset", 0) != PP_OK) {
		json_object_put(a);
		json_object_put(b);
		return PP_ERR_NOMEM;
	}
	const char *revoked = pp_req_value(req, "revoked");
	if ((rc = pp_hdf_set(pp_req_hdf(req), "Signatory.id", req->param.s)) != PP_OK ||
	    (revoked != NULL && (rc = pp_hdf_set(pp_req_hdf(req), "Query.revoked", revoked)) != PP_OK)) {
		json_object_put(a);
		json_object_put(b);
		return rc;
	}
	if ((rc = admin_ops_fetch(req, s, "staff.credential.list", a, "Creds")) != PP_OK) {
		json_object_put(b);
		return rc;
	}
	if ((rc = admin_ops_fetch(req, s, "staff.session.list", b, "Sessions")) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_signatory.cs");
}

/* POST /credentials/{id}/revoke: reason required; the key is destroyed. */
static enum pp_err
admin_ops_revoke(struct pp_req *req, const struct admin_session *s)
{
	const char *reason = pp_req_value(req, "reason"), *back = pp_req_value(req, "signatory");
	json_object *a = json_object_new_object(), *ans = NULL;
	const char *err, *desc = "";
	enum pp_err rc;

	if (a == NULL)
		return PP_ERR_NOMEM;
	if (reason == NULL || *reason == '\0') {
		json_object_put(a);
		return pp_fail(req, PP_ERR_FIELD_MISSING, "Say why the credential is revoked.");
	}
	if (pp_json_add_str(a, "credential", req->param.s) != PP_OK || pp_json_add_str(a, "reason", reason) != PP_OK) {
		json_object_put(a);
		return PP_ERR_NOMEM;
	}
	if ((rc = admin_sam_call(req, s, "staff.credential.revoke", a, &ans)) != PP_OK)
		return rc;
	if ((err = admin_sam_error(ans, &desc)) != NULL)
		return pp_fail(req, strcmp(err, "invalid_request") == 0 ? PP_ERR_CONFLICT : PP_ERR_FORBIDDEN,
		    "The SAM refused the revocation: %s", desc);
	return pp_reply_redirect(req, 303, back && *back ?
	    pp_pool_printf(req->pool, "/signatories/%s?revoked=%s", back, req->param.s) : "/signatories");
}

static const struct pp_field admin_ops_search_fields[] = {
	{ "q", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "sca", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "offset", PP_FIELD_STRING, 8, 0, 0, 0, NULL },
};
static const struct pp_field admin_ops_signatory_fields[] = {
	{ "revoked", PP_FIELD_TOKEN, 128, 0, 0, 0, NULL },
};
static const struct pp_field admin_ops_revoke_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "reason", PP_FIELD_STRING, 256, 1, 0, 0, NULL },
	{ "signatory", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

static const struct admin_page admin_ops_page_list[] = {
	{ PP_GET, "/clients", ADMIN_A_CLIENT_VIEW, admin_ops_clients, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/signatories", ADMIN_A_SIGNATORY_VIEW, admin_ops_signatories, PP_BODY_NONE,
	  admin_ops_search_fields, NF(admin_ops_search_fields) },
	{ PP_GET, "/signatories/{id}", ADMIN_A_SIGNATORY_VIEW, admin_ops_signatory, PP_BODY_NONE,
	  admin_ops_signatory_fields, NF(admin_ops_signatory_fields) },
	{ PP_POST, "/credentials/{id}/revoke", ADMIN_A_CREDENTIAL_REVOKE, admin_ops_revoke, PP_BODY_FORM,
	  admin_ops_revoke_fields, NF(admin_ops_revoke_fields) },
};

const struct admin_pages admin_ops_pages = { admin_ops_page_list, NF(admin_ops_page_list) };
