/*
 * sca_sam: one SAM op per call; refusals mapped to the plugin's errors.
 */
#include "config.h"
#include <string.h>
#include "pp_core.h"
#include "pp_http.h"
#include "pp_ipc.h"
#include "sca_sam.h"

/* The SAM's closed list of refusal codes (docs/ARCHITECTURE.md). */
static const struct {
	const char *code;
	enum pp_err err;
} sca_sam_refusals[] = {
	{ "invalid_request", PP_ERR_FIELD_INVALID },
	{ "access_denied", PP_ERR_FORBIDDEN },
	{ "not_found", PP_ERR_NOT_FOUND },
	{ "conflict", PP_ERR_CONFLICT },
	/* The sign op's SAD refusals, with CSC's 400 (not OAuth's 401: the
	 * SAD is a request parameter, the SCA authenticated with TLS). */
	{ "invalid_token", PP_ERR_TOKEN_INVALID },
	{ "expired_token", PP_ERR_TOKEN_EXPIRED },
	/* The round could not be carried out (ledger, token or audit log
	 * failed): nothing was delivered; 503, try again. */
	{ "temporarily_unavailable", PP_ERR_UNAVAILABLE },
};

enum pp_err
sca_sam_refusal(const char *code)
{
	for (size_t i = 0; code && i < sizeof(sca_sam_refusals) / sizeof(sca_sam_refusals[0]); i++)
		if (strcmp(code, sca_sam_refusals[i].code) == 0)
			return sca_sam_refusals[i].err;
	return PP_ERR_PROTO;
}

/* The role a route serves: the PKI/RA enrolment API under /ra/, the CSC
 * API otherwise. */
static const char *
sca_sam_role(const char *path)
{
	return path != NULL && strncmp(path, "/ra/", 4) == 0 ? "ra" : "sca";
}

static void
sca_sam_put(void *arg)
{
	json_object_put(arg);
}

enum pp_err
sca_sam_call_raw(struct pp_req *req, const char *op, json_object *args, int timeout_ms,
    json_object **answer)
{
	json_object *ans = NULL, *v;
	enum pp_err rc;

	if (args == NULL && (args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (!req->client.present || req->client.subject == NULL) {
		json_object_put(args);
		return PP_ERR_CLIENT_CERT;
	}
	/* The client as the SAM's registry knows it: the subject (also the
	 * owner of what it creates), the fingerprint of the certificate the
	 * plugin re-checked, and the API the request came through. */
	if (pp_json_add_int(args, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(args, "op", op) != PP_OK ||
	    pp_json_add_str(args, "sca", req->client.subject) != PP_OK ||
	    pp_json_add_str(args, "client_sha256", req->client.sha256) != PP_OK ||
	    pp_json_add_str(args, "client_role", sca_sam_role(req->path)) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	rc = pp_ipc_call(pp_conf_str(req->ctx->conf, "sam", "socket"), args, timeout_ms, &ans);
	json_object_put(args);
	if (rc == PP_ERR_NOMEM || rc == PP_ERR_CONFIG)
		return rc;
	/* The SAM closes the connection without an answer on a server-side
	 * failure (HSM, database, audit log) as on a malformed request. */
	if (rc != PP_OK)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The signature activation module did not answer.");
	if (pp_pool_cleanup(req->pool, sca_sam_put, ans) != PP_OK) {
		json_object_put(ans);
		return PP_ERR_NOMEM;
	}
	if (!json_object_is_type(ans, json_type_object) ||
	    !json_object_object_get_ex(ans, "v", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != PP_IPC_VERSION)
		return pp_fail(req, PP_ERR_PROTO, "op %s: not a version %d answer", op, PP_IPC_VERSION);
	*answer = ans;
	return PP_OK;
}

enum pp_err
sca_sam_call(struct pp_req *req, const char *op, json_object *args, int timeout_ms,
    json_object **answer)
{
	json_object *ans = NULL, *v;
	const char *code, *desc;
	enum pp_err rc, e;

	if ((rc = sca_sam_call_raw(req, op, args, timeout_ms, &ans)) != PP_OK)
		return rc;
	if (!json_object_object_get_ex(ans, "error", &v)) {
		*answer = ans;
		return PP_OK;
	}
	code = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	desc = pp_json_get_str(ans, "error_description");
	if ((e = sca_sam_refusal(code)) == PP_ERR_PROTO)
		return pp_fail(req, PP_ERR_PROTO, "op %s: unknown refusal", op);
	/* The SAM's text says what to fix; it is made of the SAM's fixed
	 * words and the names of the members it checked, never of secrets. */
	if (desc == NULL || *desc == '\0')
		return e;
	return pp_fail(req, e, "%c%s%s", desc[0] >= 'a' && desc[0] <= 'z' ? desc[0] - 'a' + 'A' : desc[0],
	    desc + 1, desc[strlen(desc) - 1] == '.' ? "" : ".");
}
