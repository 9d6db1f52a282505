/*
 * signer_sam: one SAM op per call; the SAM's refusals handed to the pages,
 * which choose what the signatory reads.
 */
#include "config.h"
#include <string.h>
#include "pp_core.h"
#include "pp_http.h"
#include "pp_ipc.h"
#include "signer.h"
#include "signer_sam.h"
#include "signer_session.h"

#define SIGNER_AUTHZ_COPIES 32
static struct {
	char id[SIGNER_ID_HEX + 1];
	json_object *a;
	int64_t asked_ms;
} signer_authz_copies[SIGNER_AUTHZ_COPIES];
static unsigned signer_authz_next;

static void
signer_authz_forget(const char *id)
{
	for (size_t i = 0; i < SIGNER_AUTHZ_COPIES; i++)
		if (signer_authz_copies[i].a != NULL && strcmp(signer_authz_copies[i].id, id) == 0) {
			json_object_put(signer_authz_copies[i].a);
			signer_authz_copies[i].a = NULL;
		}
}

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
	/* An op that may change a request (all but authz.get and the
	 * creation of a new one): the copies of it are stale from now on. */
	const char *target = pp_json_get_str(args, "authz");
	char changed[SIGNER_ID_HEX + 1] = "";
	if (target != NULL && strlen(target) == SIGNER_ID_HEX && strcmp(op, "authz.get") != 0 &&
	    strcmp(op, "authz.create") != 0)
		memcpy(changed, target, SIGNER_ID_HEX + 1);
	rc = pp_ipc_call(pp_conf_str(req->ctx->conf, "sam", "socket"), args, timeout_ms, &ans);
	json_object_put(args);
	if (changed[0]) {
		signer_authz_forget(changed);
		/* Whatever the SAM answered (even nothing: it may have acted). */
		if (signer_session_changed(req, changed) != PP_OK) {
			json_object_put(ans);
			return pp_fail(req, PP_ERR_DB, "the browser sessions cannot be updated");
		}
	}
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

enum pp_err
signer_authz_copy(struct pp_req *req, const char *id, int64_t fresh_after, json_object **a)
{
	int64_t now = pp_now_ms();

	*a = NULL;
	for (size_t i = 0; i < SIGNER_AUTHZ_COPIES; i++) {
		if (signer_authz_copies[i].a == NULL || strcmp(signer_authz_copies[i].id, id) != 0)
			continue;
		if (signer_authz_copies[i].asked_ms <= fresh_after ||
		    now - signer_authz_copies[i].asked_ms >= SIGNER_AUTHZ_COPY_MS)
			return PP_OK;
		if (pp_pool_cleanup(req->pool, signer_sam_put, json_object_get(signer_authz_copies[i].a)) != PP_OK) {
			json_object_put(signer_authz_copies[i].a);
			return PP_ERR_NOMEM;
		}
		*a = signer_authz_copies[i].a;
		return PP_OK;
	}
	return PP_OK;
}

void
signer_authz_keep(const char *id, json_object *a, int64_t asked_ms)
{
	size_t slot = SIGNER_AUTHZ_COPIES;

	if (strlen(id) != SIGNER_ID_HEX)
		return;
	for (size_t i = 0; i < SIGNER_AUTHZ_COPIES; i++)
		if (signer_authz_copies[i].a != NULL && strcmp(signer_authz_copies[i].id, id) == 0)
			slot = i;
	if (slot == SIGNER_AUTHZ_COPIES)
		slot = signer_authz_next++ % SIGNER_AUTHZ_COPIES;
	json_object_put(signer_authz_copies[slot].a);
	memcpy(signer_authz_copies[slot].id, id, SIGNER_ID_HEX + 1);
	signer_authz_copies[slot].a = json_object_get(a);
	signer_authz_copies[slot].asked_ms = asked_ms;
}
