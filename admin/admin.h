/*
 * paraphe-admin: the staff console (issue #6).  Shared declarations of the
 * plugin's modules.
 *
 * Every console page is an admin_page: a route, the ACTION it performs
 * (admin_perm.c: the one role x action matrix) and a handler that receives
 * the logged-in staff member's session.  admin.c turns the pages of every
 * module into the plugin's route table and sends every request through one
 * dispatcher, which, before any handler runs:
 *   1. loads the session of the __Host-paraphe-admin cookie, bound to the
 *      client certificate's SHA-256 (another certificate: no session), and
 *      ends it after admin.idle_timeout_s without a request (audited
 *      role.logout, cause "timeout");
 *   2. checks the page's action against the member's roles (403 page and
 *      an audited refusal otherwise);
 *   3. on POST, checks the form's "csrf" field against the session's token.
 * Pages with ADMIN_A_PUBLIC (login, enrolment) skip 1-3 and do their own.
 *
 * Ownership: the session is the dispatcher's (stack), valid during the
 * handler.  Module state lives in struct admin (ctx->data), one per worker.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_audit.h"
#include "pp_err.h"
#include "pp_html.h"
#include "pp_http.h"

struct pp_store;
struct pp_val;

/* Trust roles (ROLE-1).  Names are the strings stored and shown. */
enum admin_role {
	ADMIN_ROLE_SECURITY_MANAGER,	/* security_manager */
	ADMIN_ROLE_APPLICATION_MANAGER,	/* application_manager */
	ADMIN_ROLE_SYSTEM_ENGINEER,	/* system_engineer */
	ADMIN_ROLE_OPERATOR,		/* operator */
	ADMIN_ROLE_CONTROLLER,		/* controller */
	ADMIN_ROLE_SHARE_HOLDER,	/* share_holder */
	ADMIN_ROLE__MAX
};
#define ADMIN_R(r) (1u << (r))
#define ADMIN_R_ALL ((1u << ADMIN_ROLE__MAX) - 1)

/* What a page or form does; admin_perm.c says which roles may. */
enum admin_action {
	ADMIN_A_PUBLIC,			/* login, enrolment: no session */
	ADMIN_A_HOME,			/* home, own account, logout */
	ADMIN_A_STAFF_VIEW,		/* staff accounts and their roles */
	ADMIN_A_STAFF_PROPOSE,		/* propose account create/disable, role grant/revoke */
	ADMIN_A_PROPOSAL_VIEW,		/* the dual-control queue */
	ADMIN_A_PROPOSAL_DECIDE,	/* approve/reject (the kind's approvers, admin_dual.c) */
	ADMIN_A_CLIENT_VIEW,		/* SCA and PKI client registry, algorithm notices */
	ADMIN_A_CLIENT_PROPOSE,		/* propose registering/removing a client */
	ADMIN_A_ALGO_PROPOSE,		/* propose withdrawing an algorithm (SEC-6) */
	ADMIN_A_SIGNATORY_VIEW,		/* signatories, credentials, signing sessions */
	ADMIN_A_CREDENTIAL_REVOKE,	/* revoke one credential (key destroyed), with a reason */
	ADMIN_A_KEYS_PROPOSE,		/* propose a bulk key destruction */
	ADMIN_A_CESSATION_PROPOSE,	/* propose the cessation procedure (SEC-7) */
	ADMIN_A_STATUS_VIEW,		/* components, HSM tokens, clock, disk, versions */
	ADMIN_A_AUDIT_VIEW,		/* audit search and export, reports, charts */
	ADMIN_A_REVIEW_SIGN,		/* daily review, fortnightly analysis, monthly reconciliation sign-off */
	ADMIN_A_MANUAL_ENTRY,		/* AUD-2 manual entries */
	ADMIN_A_PARAMS_PROPOSE,		/* propose a change of the audit review parameters */
	ADMIN_A_ARCHIVE_VIEW,		/* archive check history and reports */
	ADMIN_A_ARCHIVE_CHECK,		/* run the archive verifier */
	ADMIN_A_ARCHIVE_EXPORT,		/* recover a period's archive (ARC-4) */
	ADMIN_A__MAX
};

#define ADMIN_ID_HEX 32		/* 128-bit identifiers, lower-case hex */
#define ADMIN_NAME_MAX 128

/* A staff member as the dispatcher loaded them (active account). */
struct admin_staff {
	char id[ADMIN_ID_HEX + 1];
	char name[ADMIN_NAME_MAX + 1];
	unsigned roles;			/* ADMIN_R(...) bits */
	char role_label[160];		/* roles joined with '+', for audit records */
	char cert_sha256[65];
};

struct admin_session {
	struct admin_staff staff;
	unsigned char id[32];		/* SHA-256 of the cookie value */
	char csrf[ADMIN_ID_HEX + 1];	/* token every form of the session carries */
};

typedef enum pp_err (*admin_handler)(struct pp_req *req, const struct admin_session *s);

struct admin_page {
	unsigned methods;
	const char *path;
	enum admin_action action;
	admin_handler fn;
	enum pp_body body;
	const struct pp_field *fields;	/* POST forms: declare { "csrf", PP_FIELD_TOKEN, 64 } too */
	size_t nfields;
};

/* Each module's pages (declared in its own file). */
struct admin_pages {
	const struct admin_page *pages;
	size_t n;
};

/* Process state (ctx->data). */
struct admin {
	struct pp_store *audit_db;	/* audit.db, read-only, open during a request (admin.c) */
	int64_t idle_timeout_s;
	int64_t lockout_failures;
	int64_t lockout_s;
	int64_t proposal_lifetime_s;
};

/* --- admin_roles.c: role names and the ROLE-2 rule (also used by the CLI). */
const char *admin_role_name(enum admin_role r);
/* PP_ERR_FIELD_INVALID for an unknown name. */
enum pp_err admin_role_from(const char *name, enum admin_role *r) PP_WUR;
/* 1 when the role set is allowed by ROLE-2, else 0 and *why (static). */
int admin_roles_allowed(unsigned roles, const char **why);
/* "security_manager+controller" style label of a role set into out. */
void admin_roles_label(unsigned roles, char *out, size_t cap);

/* --- admin_perm.c: the permission matrix (docs/CONSOLE.md shows it). */
/* Roles that may perform action a. */
unsigned admin_perm_roles(enum admin_action a);
/* 1 when roles may perform a. */
int admin_perm_allows(unsigned roles, enum admin_action a);
const char *admin_action_name(enum admin_action a);

/* --- admin.c: helpers for the handlers. */

/* Sets the page frame's data (staff, roles, navigation the member may use,
 * csrf token, language) and renders tmpl with status. */
enum pp_err admin_reply(struct pp_req *req, const struct admin_session *s, int status,
    const char *tmpl) PP_WUR;
/* A raw body (CSV, JSON, SVG, archive) with its content type; body is
 * pool memory or static; disposition, when set, is the download name. */
enum pp_err admin_reply_bytes(struct pp_req *req, int status, const char *ctype,
    const char *disposition, const char *body, size_t len) PP_WUR;
/* Records an event with s's member as the actor (kind staff, id, role
 * label) and waits until it is durable (pp_req_audit): the caller must
 * fail when it does not return PP_OK. */
enum pp_err admin_audit(struct pp_req *req, const struct admin_session *s, enum pp_audit_type type,
    enum pp_audit_outcome outcome, const char *cause, json_object *details) PP_WUR;
/* The same for a member known without a session (login, enrolment). */
enum pp_err admin_audit_as(struct pp_req *req, const struct admin_staff *st, enum pp_audit_type type,
    enum pp_audit_outcome outcome, const char *cause, json_object *details) PP_WUR;
/* Copies a JSON value under prefix in hdf: objects as children by key,
 * arrays as children 0, 1, ..., scalars as their string form; an integer
 * member named *_ms (epoch milliseconds), not_before or not_after (epoch
 * seconds) also as <name>_utc, "YYYY-MM-DD HH:MM:SS". */
enum pp_err admin_json_hdf(HDF *hdf, const char *prefix, json_object *j) PP_WUR;
/* A row callback copying each column under prefix.N.<names[i]> in hdf
 * (integers in decimal, text as is, anything else ""); N counts the rows. */
struct admin_rows {
	HDF *hdf;
	const char *prefix;
	const char *const *names;	/* one per column of the query */
	size_t nnames;
	int n;
};
enum pp_err admin_rows_hdf(void *ctx, const struct pp_val *c, size_t n);
/* The plugin's state. */
struct admin *admin_of(struct pp_req *req);
/* The admin database (the console's trust domain, database.admin). */
struct pp_store *admin_db(struct pp_req *req);

/* The value of console parameter name (table params, changed only by an
 * approved "params.set" proposal), or def when it was never set.  Known
 * names and defaults: docs/CONSOLE.md.  Returns pool memory or def. */
const char *admin_param(struct pp_req *req, const char *name, const char *def);
/* --- admin_params.c: 1 when value is a valid form of parameter name
 * (business_days, working_hours, allowed_countries, burst_threshold,
 * max_speed_kmh, review_since), else 0 (unknown names too). */
int admin_param_valid(const char *name, const char *value);

/* Adds one alert to the page data: Alerts.N.text, Alerts.N.href (may be
 * NULL), Alerts.N.level ("warning" or "alarm"). */
enum pp_err admin_alert(struct pp_req *req, const char *level, const char *text, const char *href) PP_WUR;

/* Alerts of the home page, one function per module (each adds its own
 * with admin_alert, for the roles that may act on them). */
enum pp_err admin_review_alerts(struct pp_req *req, const struct admin_session *s) PP_WUR;
enum pp_err admin_archive_alerts(struct pp_req *req, const struct admin_session *s) PP_WUR;

/* --- admin_staff.c: sessions (the dispatcher's step 1).
 * PP_ERR_NOT_FOUND: no live session for this cookie and certificate (a
 * timed-out one is ended and audited first, req->detail = "timeout"). */
enum pp_err admin_session_load(struct pp_req *req, struct admin_session *s) PP_WUR;
/* Loads the active account with id (roles included): PP_ERR_NOT_FOUND. */
enum pp_err admin_staff_get(struct pp_store *db, const char *id, struct admin_staff *st) PP_WUR;

/* --- admin_sam.c: one SAM op on behalf of s (adds "staff"; takes args).
 * OUT *ans, the SAM's answer, owned by the request; a SAM refusal is PP_OK
 * with *ans holding "error" (admin_sam_error). */
enum pp_err admin_sam_call(struct pp_req *req, const struct admin_session *s, const char *op,
    json_object *args, json_object **ans) PP_WUR;
/* The refusal code of a SAM answer, or NULL; *desc its description. */
const char *admin_sam_error(json_object *ans, const char **desc);
/* {"id","name","role"} of st (new object), as the SAM's staff ops take. */
json_object *admin_sam_staff(const struct admin_staff *st);

/* --- admin_dual.c: the roles that may approve a kind of proposal (0 for
 * an unknown kind). */
unsigned admin_dual_approvers(const char *kind);
/* Pending proposals the member may decide (home alerts). */
enum pp_err admin_dual_alerts(struct pp_req *req, const struct admin_session *s) PP_WUR;

/* Module page tables. */
extern const struct admin_pages admin_staff_pages;	/* admin_staff.c: login, accounts */
extern const struct admin_pages admin_dual_pages;	/* admin_dual.c: proposals */
extern const struct admin_pages admin_ops_pages;	/* admin_ops.c: clients, signatories, keys */
extern const struct admin_pages admin_audit_pages;	/* admin_audit.c: search, export, charts */
extern const struct admin_pages admin_review_pages;	/* admin_review.c: review, analysis, reconciliation, manual */
extern const struct admin_pages admin_archive_pages;	/* admin_archive.c: archive checks, export */
extern const struct admin_pages admin_status_pages;	/* admin_status.c: system status */

#endif
