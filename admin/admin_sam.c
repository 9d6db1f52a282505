/*
 * admin_sam: the console's calls to the SAM's staff ops (sam/sam_staff.c).
 * The SAM cannot check a staff login; it records the member the console
 * names and re-checks what it can (docs/CONSOLE.md, "What the SAM checks").
 */
#include "config.h"
#include <string.h>
#include "admin.h"
#include "pp_conf.h"
#include "pp_core.h"
#include "pp_ipc.h"
#include "pp_json.h"

/* A bulk destruction or the cessation destroys keys one by one. */
#define ADMIN_SAM_TIMEOUT_MS 120000

static void
admin_sam_put(void *arg)
{
	json_object_put(arg);
}

json_object *
admin_sam_staff(const struct admin_staff *st)
{
	json_object *o = json_object_new_object();

	if (o == NULL || pp_json_add_str(o, "id", st->id) != PP_OK ||
	    pp_json_add_str(o, "name", st->name) != PP_OK ||
	    pp_json_add_str(o, "role", st->role_label) != PP_OK) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

enum pp_err
admin_sam_call(struct pp_req *req, const struct admin_session *s, const char *op, json_object *args,
    json_object **ans)
{
	json_object *a = NULL, *v, *who;
	enum pp_err rc;

	*ans = NULL;
	if (args == NULL && (args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if ((who = admin_sam_staff(&s->staff)) == NULL ||
	    json_object_object_add(args, "staff", who) != 0 ||
	    pp_json_add_int(args, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(args, "op", op) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	rc = pp_ipc_call(pp_conf_str(req->ctx->conf, "sam", "socket"), args, ADMIN_SAM_TIMEOUT_MS, &a);
	json_object_put(args);
	if (rc == PP_ERR_NOMEM)
		return rc;
	if (rc != PP_OK)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The signature activation module did not answer (%s).", op);
	if (pp_pool_cleanup(req->pool, admin_sam_put, a) != PP_OK) {
		json_object_put(a);
		return PP_ERR_NOMEM;
	}
	if (!json_object_is_type(a, json_type_object) || !json_object_object_get_ex(a, "v", &v) ||
	    json_object_get_int64(v) != PP_IPC_VERSION)
		return pp_fail(req, PP_ERR_PROTO, "op %s: not a version %d answer", op, PP_IPC_VERSION);
	*ans = a;
	return PP_OK;
}

const char *
admin_sam_error(json_object *ans, const char **desc)
{
	const char *e = pp_json_get_str(ans, "error");

	if (desc != NULL && (*desc = pp_json_get_str(ans, "error_description")) == NULL)
		*desc = "";
	return e;
}
