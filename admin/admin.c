/*
 * paraphe-admin: the staff console on the console listener, behind mutual
 * TLS with the staff CA (docs/CONSOLE.md).
 *
 * This file is the frame: it gathers every module's pages into the route
 * table and sends each request through admin_dispatch, the one place that
 * loads the session, ends it after inactivity, checks the permission matrix
 * and the CSRF token (admin.h says in which order).  The handlers live in
 * the modules (admin_staff.c, admin_dual.c, admin_ops.c, ...).
 */
#include "config.h"
#include <liboath/oath.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "pp_conf.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_store.h"
#include "pp_util.h"

/* Modules being written at the same time are linked when present (weak
 * until every one has landed). */
#pragma weak admin_audit_pages
#pragma weak admin_review_pages
#pragma weak admin_archive_pages
#pragma weak admin_status_pages
#pragma weak admin_review_alerts
#pragma weak admin_archive_alerts

static const struct admin_pages *const admin_modules[] = {
	&admin_staff_pages, &admin_dual_pages, &admin_ops_pages, &admin_audit_pages,
	&admin_review_pages, &admin_archive_pages, &admin_status_pages,
};

/* Built once in main from the modules' pages: route i is page i. */
static struct pp_route *admin_routes;
static const struct admin_page **admin_route_page;
static size_t admin_nroutes;

static struct admin admin_state;

struct admin *
admin_of(struct pp_req *req)
{
	return req->ctx->data;
}

struct pp_store *
admin_db(struct pp_req *req)
{
	return req->ctx->store;
}

/* The navigation: an entry is shown to the members whose roles allow it. */
static const struct {
	const char *href, *label;
	enum admin_action action;
} admin_nav[] = {
	{ "/", "Home", ADMIN_A_HOME },
	{ "/proposals", "Proposals", ADMIN_A_PROPOSAL_VIEW },
	{ "/staff", "Staff", ADMIN_A_STAFF_VIEW },
	{ "/clients", "SCAs and algorithms", ADMIN_A_CLIENT_VIEW },
	{ "/signatories", "Signatories", ADMIN_A_SIGNATORY_VIEW },
	{ "/status", "System status", ADMIN_A_STATUS_VIEW },
	{ "/audit", "Audit log", ADMIN_A_AUDIT_VIEW },
	{ "/review", "Reviews", ADMIN_A_AUDIT_VIEW },
	{ "/manual", "Manual entries", ADMIN_A_MANUAL_ENTRY },
	{ "/archive", "Archive", ADMIN_A_ARCHIVE_VIEW },
};

enum pp_err
admin_reply(struct pp_req *req, const struct admin_session *s, int status, const char *tmpl)
{
	HDF *hdf = pp_req_hdf(req);
	char key[64];
	size_t n = 0;

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	if (s != NULL) {
		if (pp_hdf_set(hdf, "Staff.id", s->staff.id) != PP_OK ||
		    pp_hdf_set(hdf, "Staff.name", s->staff.name) != PP_OK ||
		    pp_hdf_set(hdf, "Staff.roles", s->staff.role_label) != PP_OK ||
		    pp_hdf_set(hdf, "Csrf", s->csrf) != PP_OK)
			return PP_ERR_NOMEM;
		for (int r = 0; r < ADMIN_ROLE__MAX; r++) {
			if (!(s->staff.roles & ADMIN_R(r)))
				continue;
			snprintf(key, sizeof(key), "Staff.role.%s", admin_role_name((enum admin_role)r));
			if (pp_hdf_set(hdf, key, "1") != PP_OK)
				return PP_ERR_NOMEM;
		}
		for (size_t i = 0; i < sizeof(admin_nav) / sizeof(admin_nav[0]); i++) {
			if (!admin_perm_allows(s->staff.roles, admin_nav[i].action))
				continue;
			snprintf(key, sizeof(key), "Nav.%zu.href", n);
			if (pp_hdf_set(hdf, key, admin_nav[i].href) != PP_OK)
				return PP_ERR_NOMEM;
			snprintf(key, sizeof(key), "Nav.%zu.label", n);
			if (pp_hdf_set(hdf, key, admin_nav[i].label) != PP_OK)
				return PP_ERR_NOMEM;
			if (strcmp(req->path, admin_nav[i].href) == 0) {
				snprintf(key, sizeof(key), "Nav.%zu.current", n);
				if (pp_hdf_set(hdf, key, "1") != PP_OK)
					return PP_ERR_NOMEM;
			}
			n++;
		}
	}
	return pp_reply_html(req, status, tmpl);
}

enum pp_err
admin_reply_bytes(struct pp_req *req, int status, const char *ctype, const char *disposition,
    const char *body, size_t len)
{
	if (disposition != NULL) {
		const char *v = pp_pool_printf(req->pool, "attachment; filename=\"%s\"", disposition);
		enum pp_err rc;

		if (v == NULL)
			return PP_ERR_NOMEM;
		if ((rc = pp_reply_header(req, "Content-Disposition", v)) != PP_OK)
			return rc;
	}
	req->status = status;
	req->content_type = ctype;
	req->body = body;
	req->body_len = len;
	return PP_OK;
}

enum pp_err
admin_alert(struct pp_req *req, const char *level, const char *text, const char *href)
{
	HDF *hdf = pp_req_hdf(req);
	char key[48];
	int n;

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	n = hdf_get_int_value(hdf, "Alerts.count", 0);
	snprintf(key, sizeof(key), "Alerts.%d.text", n);
	if (pp_hdf_set(hdf, key, text) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(key, sizeof(key), "Alerts.%d.level", n);
	if (pp_hdf_set(hdf, key, level) != PP_OK)
		return PP_ERR_NOMEM;
	if (href != NULL) {
		snprintf(key, sizeof(key), "Alerts.%d.href", n);
		if (pp_hdf_set(hdf, key, href) != PP_OK)
			return PP_ERR_NOMEM;
	}
	return hdf_set_int_value(hdf, "Alerts.count", n + 1) == STATUS_OK ? PP_OK : PP_ERR_NOMEM;
}

enum pp_err
admin_audit_as(struct pp_req *req, const struct admin_staff *st, enum pp_audit_type type,
    enum pp_audit_outcome outcome, const char *cause, json_object *details)
{
	json_object *d = details ? json_object_get(details) : json_object_new_object();
	struct pp_audit_event ev = {
		.type = type,
		.outcome = outcome,
		.actor_kind = PP_AUDIT_ACTOR_STAFF,
		.actor_id = st->id,
		.actor_role = st->role_label[0] ? st->role_label : NULL,
		.cause = cause,
		.details = d,
	};
	enum pp_err rc;

	if (d == NULL)
		return PP_ERR_NOMEM;
	if (json_object_object_get_ex(d, "staff_name", NULL) == 0 &&
	    pp_json_add_str(d, "staff_name", st->name) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	if (!json_object_object_get_ex(d, "certificate_sha256", NULL) && req->client.present &&
	    pp_json_add_str(d, "certificate_sha256", req->client.sha256) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = pp_req_audit(req, &ev);
	json_object_put(d);
	return rc;
}

enum pp_err
admin_audit(struct pp_req *req, const struct admin_session *s, enum pp_audit_type type,
    enum pp_audit_outcome outcome, const char *cause, json_object *details)
{
	return admin_audit_as(req, &s->staff, type, outcome, cause, details);
}

enum pp_err
admin_json_hdf(HDF *hdf, const char *prefix, json_object *j)
{
	char key[256];

	switch (json_object_get_type(j)) {
	case json_type_object:
		json_object_object_foreach(j, k, v) {
			if (snprintf(key, sizeof(key), "%s.%s", prefix, k) >= (int)sizeof(key))
				continue;
			if (admin_json_hdf(hdf, key, v) != PP_OK)
				return PP_ERR_NOMEM;
		}
		return PP_OK;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(j); i++) {
			snprintf(key, sizeof(key), "%s.%zu", prefix, i);
			if (admin_json_hdf(hdf, key, json_object_array_get_idx(j, i)) != PP_OK)
				return PP_ERR_NOMEM;
		}
		return PP_OK;
	case json_type_null:
		return PP_OK;
	case json_type_int: {
		/* Times come as epoch numbers (members *_ms in milliseconds,
		 * not_before/not_after in seconds): a readable UTC form beside. */
		size_t n = strlen(prefix);
		int ms = n > 3 && strcmp(prefix + n - 3, "_ms") == 0;
		int sec = (n >= 10 && strcmp(prefix + n - 10, "not_before") == 0) ||
		    (n >= 9 && strcmp(prefix + n - 9, "not_after") == 0);
		if (ms || sec) {
			int64_t e = json_object_get_int64(j);
			time_t t = (time_t)(ms ? e / 1000 : e);
			struct tm tm;
			char when[32];

			if (e > 0 && gmtime_r(&t, &tm) != NULL &&
			    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) > 0 &&
			    snprintf(key, sizeof(key), "%s_utc", prefix) < (int)sizeof(key) &&
			    pp_hdf_set(hdf, key, when) != PP_OK)
				return PP_ERR_NOMEM;
		}
		return pp_hdf_set(hdf, prefix, json_object_get_string(j));
	}
	default:
		return pp_hdf_set(hdf, prefix, json_object_get_string(j));
	}
}

enum pp_err
admin_rows_hdf(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_rows *l = ctx;
	char key[96], buf[1200];

	if (n != l->nnames)
		return PP_ERR_DB;
	for (size_t i = 0; i < n; i++) {
		if (c[i].type == PP_VAL_INT)
			snprintf(buf, sizeof(buf), "%lld", (long long)c[i].i);
		else if (!pp_val_text(&c[i], buf, sizeof(buf)))
			buf[0] = '\0';
		if (snprintf(key, sizeof(key), "%s.%d.%s", l->prefix, l->n, l->names[i]) >= (int)sizeof(key))
			return PP_ERR_INTERNAL;
		if (pp_hdf_set(l->hdf, key, buf) != PP_OK)
			return PP_ERR_NOMEM;
	}
	l->n++;
	return PP_OK;
}

/* --- params */

struct admin_param_row {
	struct pp_pool *pool;
	const char *value;
};

static enum pp_err
admin_param_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct admin_param_row *r = ctx;

	if (ncols == 1 && cols[0].type == PP_VAL_TEXT)
		r->value = pp_pool_strndup(r->pool, cols[0].p, cols[0].len);
	return PP_OK;
}

const char *
admin_param(struct pp_req *req, const char *name, const char *def)
{
	struct admin_param_row r = { req->pool, NULL };
	struct pp_val b[] = { PP_VAL_S(name) };

	if (pp_store_exec(admin_db(req), "SELECT value FROM params WHERE name = ?", b, 1,
	    admin_param_row, &r, NULL) != PP_OK || r.value == NULL)
		return def;
	return r.value;
}

/* --- the dispatcher */

/* The session of the request being handled (one request at a time per
 * worker process): loaded by admin_pre, used by admin_dispatch. */
static struct admin_session admin_current;
static int admin_current_ok;

static const struct admin_page *
admin_page_of(struct pp_req *req)
{
	size_t i = (size_t)(req->route - admin_routes);

	return i < admin_nroutes ? admin_route_page[i] : NULL;
}

/* Steps 1 and 2 (admin.h), before the body or the query is parsed: a
 * member whose roles do not allow the page learns nothing about what its
 * fields would accept. */
static enum pp_err
admin_pre(struct pp_req *req)
{
	const struct admin_page *pg = admin_page_of(req);
	struct admin_session *s = &admin_current;
	enum pp_err rc;

	admin_current_ok = 0;
	memset(s, 0, sizeof(*s));
	if (pg == NULL)
		return PP_ERR_INTERNAL;
	if (pg->action == ADMIN_A_PUBLIC)
		return PP_OK;
	rc = admin_session_load(req, s);
	if (rc == PP_ERR_NOT_FOUND) {
		/* No (live) session: to the login page, which says why. */
		return pp_reply_redirect(req, 303, req->detail && strcmp(req->detail, "timeout") == 0 ?
		    "/login?why=timeout" : "/login");
	}
	if (rc != PP_OK)
		return rc;
	if (!admin_perm_allows(s->staff.roles, pg->action)) {
		json_object *d = json_object_new_object();

		if (d == NULL || pp_json_add_str(d, "action", admin_action_name(pg->action)) != PP_OK ||
		    pp_json_add_str(d, "path", req->path) != PP_OK) {
			json_object_put(d);
			return PP_ERR_NOMEM;
		}
		rc = admin_audit(req, s, PP_AUDIT_ACCESS_DENIED, PP_AUDIT_FAILURE,
		    "the member's roles do not allow this action", d);
		json_object_put(d);
		if (rc != PP_OK)
			return rc;
		return pp_fail(req, PP_ERR_FORBIDDEN, "Your roles (%s) do not allow this action (%s).",
		    s->staff.role_label, admin_action_name(pg->action));
	}
	admin_current_ok = 1;
	return PP_OK;
}

/* The audit store is the audit daemon's; the console reads it read-only,
 * for the length of one request: a connection held open between requests
 * would keep the daemon's WAL from being checkpointed and removed when it
 * stops (an operator restoring the store from a copy would then pair it
 * with another file's log).  Not there (a first start, the file moved):
 * NULL, and the review pages say the audit log cannot be read. */
static void
admin_audit_db_open(struct pp_req *req)
{
	struct admin *a = admin_of(req);

	if (a->audit_db == NULL && pp_store_open_ro(req->ctx->conf, "audit", &a->audit_db) != PP_OK) {
		pp_log(PP_LOG_WARN, "admin: the audit database cannot be opened read-only");
		a->audit_db = NULL;
	}
}

static void
admin_audit_db_close(struct pp_req *req)
{
	struct admin *a = admin_of(req);

	pp_store_close(a->audit_db);
	a->audit_db = NULL;
}

/* Step 3 and the handler. */
static enum pp_err
admin_dispatch(struct pp_req *req)
{
	const struct admin_page *pg = admin_page_of(req);
	enum pp_err rc;

	if (pg == NULL)
		return PP_ERR_INTERNAL;
	if (pg->action == ADMIN_A_PUBLIC)
		return pg->fn(req, NULL);
	/* Never without a session admin_pre accepted for this request. */
	if (!admin_current_ok)
		return PP_ERR_INTERNAL;
	admin_current_ok = 0;
	if (req->method == PP_POST && (rc = pp_csrf_check(req, admin_current.csrf)) != PP_OK)
		return rc;
	admin_audit_db_open(req);
	rc = pg->fn(req, &admin_current);
	admin_audit_db_close(req);
	pp_wipe(&admin_current, sizeof(admin_current));
	return rc;
}

static enum pp_err
admin_init(struct pp_ctx *ctx)
{
	struct admin *a = &admin_state;

	if (oath_init() != OATH_OK) {
		pp_err_log("admin: liboath cannot be initialised");
		return PP_ERR_INTERNAL;
	}
	a->idle_timeout_s = pp_conf_int(ctx->conf, "admin", "idle_timeout_s");
	a->lockout_failures = pp_conf_int(ctx->conf, "admin", "lockout_failures");
	a->lockout_s = pp_conf_int(ctx->conf, "admin", "lockout_s");
	a->proposal_lifetime_s = pp_conf_int(ctx->conf, "admin", "proposal_lifetime_s");
	a->audit_db = NULL;	/* opened for each request (admin_audit_db_open) */
	ctx->data = a;
	return PP_OK;
}

static void
admin_fini(struct pp_ctx *ctx)
{
	struct admin *a = ctx->data;

	if (a != NULL) {
		pp_store_close(a->audit_db);
		a->audit_db = NULL;
	}
}

static enum pp_err
admin_build_routes(void)
{
	size_t n = 0, k = 0;

	for (size_t m = 0; m < sizeof(admin_modules) / sizeof(admin_modules[0]); m++)
		if (admin_modules[m] != NULL)
			n += admin_modules[m]->n;
	admin_routes = pp_calloc(n ? n : 1, sizeof(*admin_routes));
	admin_route_page = pp_calloc(n ? n : 1, sizeof(*admin_route_page));
	if (admin_routes == NULL || admin_route_page == NULL)
		return PP_ERR_NOMEM;
	for (size_t m = 0; m < sizeof(admin_modules) / sizeof(admin_modules[0]); m++)
		for (size_t i = 0; admin_modules[m] != NULL && i < admin_modules[m]->n; i++, k++) {
			const struct admin_page *pg = &admin_modules[m]->pages[i];

			admin_routes[k] = (struct pp_route){ pg->methods, pg->path, admin_dispatch,
			    pg->body, pg->fields, pg->nfields };
			admin_route_page[k] = pg;
		}
	admin_nroutes = n;
	return PP_OK;
}

int
main(int argc, char **argv)
{
	struct pp_app app = {
		.name = "admin",
		.out = PP_OUT_HTML,
		.cert = PP_CERT_REQUIRED,
		/* The console works without the SAM (login, reviews, archive):
		 * its health is the audit log's; /status shows the SAM's. */
		.deps = PP_DEP_AUDIT,
		.store = "admin",
		.init = admin_init,
		.fini = admin_fini,
		.pre = admin_pre,
	};

	if (admin_build_routes() != PP_OK)
		return 1;
	/* The route table with each page's action and the roles allowed, one
	 * per line, for the permission-matrix test and the docs. */
	if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
		for (size_t i = 0; i < admin_nroutes; i++) {
			const struct admin_page *pg = admin_route_page[i];
			char roles[160];

			admin_roles_label(pg->action == ADMIN_A_PUBLIC ? 0 : admin_perm_roles(pg->action),
			    roles, sizeof(roles));
			printf("%s %s %s %s\n", pg->methods & PP_POST ? "POST" : "GET", pg->path,
			    admin_action_name(pg->action), pg->action == ADMIN_A_PUBLIC ? "-" : roles);
		}
		return 0;
	}
	app.routes = admin_routes;
	app.nroutes = admin_nroutes;
	return pp_http_main(&app, argc, argv);
}
