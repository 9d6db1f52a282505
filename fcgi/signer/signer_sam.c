/*
 * signer_sam: one SAM op per call; the SAM's refusals handed to the pages,
 * which choose what the signatory reads.
 */
#include "config.h"
#include <string.h>
#include "pp_core.h"
#include "pp_http.h"
#include "pp_ipc.h"
#include "signer_sam.h"

static void
signer_sam_put(void *arg)
{
	json_object_put(arg);
}

enum pp_err
signer_sam_call(struct pp_req *req, const char *op, json_object *args, int timeout_ms,
    json_object **answer, const char **refusal, const char **desc)
{
	json_object *ans = NULL, *v;
	const char *code;
	enum pp_err rc;

	*answer = NULL;
	*refusal = NULL;
	*desc = "";
	if (args == NULL && (args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_int(args, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(args, "op", op) != PP_OK ||
	    pp_json_add_str(args, "ip", req->remote_addr ? req->remote_addr : "") != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	rc = pp_ipc_call(pp_conf_str(req->ctx->conf, "sam", "socket"), args, timeout_ms, &ans);
	json_object_put(args);
	if (rc == PP_ERR_NOMEM || rc == PP_ERR_CONFIG)
		return rc;
	if (rc != PP_OK)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The signature activation module did not answer.");
	if (pp_pool_cleanup(req->pool, signer_sam_put, ans) != PP_OK) {
		json_object_put(ans);
		return PP_ERR_NOMEM;
	}
	if (!json_object_is_type(ans, json_type_object) ||
	    !json_object_object_get_ex(ans, "v", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != PP_IPC_VERSION)
		return pp_fail(req, PP_ERR_PROTO, "op %s: not a version %d answer", op, PP_IPC_VERSION);
	if (!json_object_object_get_ex(ans, "error", &v)) {
		*answer = ans;
		return PP_OK;
	}
	code = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (code == NULL || *code == '\0')
		return pp_fail(req, PP_ERR_PROTO, "op %s: a refusal without a code", op);
	/* A failed round (ledger, token, audit log): nothing was done. */
	if (strcmp(code, "temporarily_unavailable") == 0)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The signature activation module could not do it now.");
	*refusal = code;
	if ((*desc = pp_json_get_str(ans, "error_description")) == NULL)
		*desc = "";
	return PP_OK;
}
