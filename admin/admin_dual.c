/*
 * admin_dual: dual control (ROLE-5).  A sensitive change is a proposal made
 * by one person; it takes effect only when a different person, holding one
 * of the kind's approver roles, approves it before it expires
 * (admin.proposal_lifetime_s).  Both steps are audited (dual.propose,
 * dual.decide), and so is the change itself, with the approver as actor
 * and the proposer as requester, the proposal id as correlation.
 *
 * What cannot be bypassed, and where that is enforced:
 *   - the same person approving their own proposal, whatever roles they
 *     hold: here (account ids compared) and by the CHECK of the proposals
 *     table (decider <> proposer);
 *   - approving twice or replaying an approval form: the proposal is
 *     claimed ('pending' -> 'approving') by one UPDATE guarded by its
 *     status, so only one request ever carries a change out; a decided
 *     proposal never changes (trigger proposals_final);
 *   - a change that became invalid meanwhile (a role combination, an
 *     account disabled): the kind's apply re-checks everything at approval.
 *
 * Kinds and who proposes / approves them: admin_kinds[] below, shown in
 * docs/CONSOLE.md.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "admin_accounts.h"
#include "pp_cert.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_json.h"
#include "pp_store.h"
#include "pp_util.h"

#define SM ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER)
#define AM ADMIN_R(ADMIN_ROLE_APPLICATION_MANAGER)
#define OP ADMIN_R(ADMIN_ROLE_OPERATOR)
#define SH ADMIN_R(ADMIN_ROLE_SHARE_HOLDER)

struct admin_prop {
	char id[ADMIN_ID_HEX + 1];
	char kind[32];
	char proposer[ADMIN_ID_HEX + 1];
	char proposer_name[ADMIN_NAME_MAX + 1];
	char status[16];
	char summary[1024];
	json_object *payload;	/* owned by the request's pool */
	int64_t expires_ms;
};

typedef enum pp_err (*admin_kind_build)(struct pp_req *req, const struct admin_session *s,
    json_object *payload, char *summary, size_t cap);
typedef enum pp_err (*admin_kind_apply)(struct pp_req *req, const struct admin_session *s,
    const struct admin_prop *p, const char **result);

struct admin_kind {
	const char *name;
	const char *label;
	enum admin_action propose;
	unsigned approvers;
	admin_kind_build build;
	admin_kind_apply apply;
};

/* --- helpers */

static const char *
admin_field(struct pp_req *req, const char *name)
{
	const char *v = pp_req_value(req, name);

	return v && *v ? v : NULL;
}

static enum pp_err
admin_need(struct pp_req *req, const char *name, const char **v)
{
	if ((*v = admin_field(req, name)) == NULL)
		return pp_fail(req, PP_ERR_FIELD_MISSING, "The field '%s' is required.", name);
	return PP_OK;
}

static const char *
admin_pget(const struct admin_prop *p, const char *name)
{
	const char *v = pp_json_get_str(p->payload, name);

	return v ? v : "";
}

/* An audit record of the change a proposal carried out: actor the
 * approver, requester the proposer, correlation the proposal. */
static enum pp_err
admin_dual_audit(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    enum pp_audit_type type, enum pp_audit_outcome outcome, const char *cause, json_object *details)
{
	json_object *d = details ? json_object_get(details) : json_object_new_object();
	struct pp_audit_event ev = {
		.type = type,
		.outcome = outcome,
		.actor_kind = PP_AUDIT_ACTOR_STAFF,
		.actor_id = s->staff.id,
		.actor_role = s->staff.role_label,
		.requester = p->proposer,
		.cause = cause,
		.correlation = p->id,
		.details = d,
	};
	enum pp_err rc;

	if (d == NULL || pp_json_add_str(d, "staff_name", s->staff.name) != PP_OK ||
	    pp_json_add_str(d, "proposer_name", p->proposer_name) != PP_OK ||
	    pp_json_add_str(d, "proposal_kind", p->kind) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = pp_req_audit(req, &ev);
	json_object_put(d);
	return rc;
}

/* --- account kinds */

static enum pp_err
admin_build_account_create(struct pp_req *req, const struct admin_session *s, json_object *pl,
    char *summary, size_t cap)
{
	const char *name, *pem, *role, *why = NULL;
	struct pp_client_cert c;
	enum admin_role r;
	char *esc;
	enum pp_err rc;
	(void)s;

	if ((rc = admin_need(req, "name", &name)) != PP_OK || (rc = admin_need(req, "cert", &pem)) != PP_OK ||
	    (rc = admin_need(req, "role", &role)) != PP_OK)
		return rc;
	if (admin_role_from(role, &r) != PP_OK)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "Unknown role '%s'.", role);
	if (!admin_roles_allowed(ADMIN_R(r), &why))
		return pp_fail(req, PP_ERR_FIELD_INVALID, "%s", why);
	/* The certificate must be a valid one of the staff CA: the same check
	 * as at login (pp_cert), on the PEM pasted into the form. */
	if ((esc = pp_url_add_param(req->pool, "", "x", pem)) == NULL)
		return PP_ERR_NOMEM;
	memset(&c, 0, sizeof(c));
	if (pp_cert_check(req->pool, req->ctx->issuers, "SUCCESS", esc + 3, &c) != PP_OK || !c.present)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "The certificate is not a valid certificate of the"
		    " staff CA (PEM, not expired).");
	if (pp_json_add_str(pl, "name", name) != PP_OK || pp_json_add_str(pl, "role", role) != PP_OK ||
	    pp_json_add_str(pl, "cert_sha256", c.sha256) != PP_OK ||
	    pp_json_add_str(pl, "cert_subject", c.subject) != PP_OK ||
	    pp_json_add_str(pl, "cert_serial", c.serial) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "Create a staff account for %s as %s, bound to the certificate %s"
	    " (serial %s, SHA-256 %.16s…)", name, role, c.subject, c.serial, c.sha256);
	return PP_OK;
}

static enum pp_err
admin_apply_account_create(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	enum admin_role r;
	char id[ADMIN_ID_HEX + 1] = "";
	struct admin_account_new a = {
		.name = admin_pget(p, "name"),
		.cert_sha256 = admin_pget(p, "cert_sha256"),
		.cert_subject = admin_pget(p, "cert_subject"),
		.created_by = p->proposer,
		.present = "",
	};
	json_object *d;
	enum pp_err rc;

	if (admin_role_from(admin_pget(p, "role"), &r) != PP_OK)
		return PP_ERR_INTERNAL;
	a.roles = ADMIN_R(r);
	if ((rc = admin_accounts_create(admin_db(req), &a, id, result)) != PP_OK)
		return rc == PP_ERR_DB || rc == PP_ERR_NOMEM ? rc : PP_ERR_CONFLICT;
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "account", id) != PP_OK ||
	    pp_json_add_str(d, "account_name", a.name) != PP_OK ||
	    pp_json_add_str(d, "roles", admin_role_name(r)) != PP_OK ||
	    pp_json_add_str(d, "certificate_sha256", a.cert_sha256) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = admin_dual_audit(req, s, p, PP_AUDIT_ACCOUNT_CREATE, PP_AUDIT_SUCCESS, NULL, d);
	if (rc == PP_OK)
		rc = admin_dual_audit(req, s, p, PP_AUDIT_ROLE_ASSIGN, PP_AUDIT_SUCCESS, NULL, d);
	json_object_put(d);
	*result = pp_pool_printf(req->pool, "account %s created", id);
	return rc;
}

/* The target account of a staff kind, by id, with its name for the summary. */
static enum pp_err
admin_build_target(struct pp_req *req, json_object *pl, struct admin_staff *t)
{
	const char *id;
	enum pp_err rc;

	if ((rc = admin_need(req, "staff", &id)) != PP_OK)
		return rc;
	if (admin_staff_get(admin_db(req), id, t) != PP_OK)
		return pp_fail(req, PP_ERR_NOT_FOUND, "No active staff account '%s'.", id);
	if (pp_json_add_str(pl, "staff", t->id) != PP_OK || pp_json_add_str(pl, "staff_name", t->name) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static enum pp_err
admin_build_role(struct pp_req *req, const struct admin_session *s, json_object *pl, char *summary,
    size_t cap)
{
	struct admin_staff t;
	enum admin_role r;
	const char *role, *why = NULL;
	int grant = strstr(req->path, "grant") != NULL;
	enum pp_err rc;
	(void)s;

	if ((rc = admin_build_target(req, pl, &t)) != PP_OK || (rc = admin_need(req, "role", &role)) != PP_OK)
		return rc;
	if (admin_role_from(role, &r) != PP_OK)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "Unknown role '%s'.", role);
	if (grant && (t.roles & ADMIN_R(r)))
		return pp_fail(req, PP_ERR_CONFLICT, "%s already holds the role %s.", t.name, role);
	if (!grant && !(t.roles & ADMIN_R(r)))
		return pp_fail(req, PP_ERR_CONFLICT, "%s does not hold the role %s.", t.name, role);
	/* ROLE-2 refused at once, not only at approval. */
	if (grant && !admin_roles_allowed(t.roles | ADMIN_R(r), &why))
		return pp_fail(req, PP_ERR_FIELD_INVALID, "%s cannot be given the role %s: %s.", t.name,
		    role, why);
	if (pp_json_add_str(pl, "role", role) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "%s the role %s %s %s (who holds: %s)", grant ? "Grant" : "Revoke", role,
	    grant ? "to" : "from", t.name, t.role_label[0] ? t.role_label : "no role");
	return PP_OK;
}

static enum pp_err
admin_apply_role(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	int grant = strcmp(p->kind, "role.grant") == 0;
	enum admin_role r;
	json_object *d;
	enum pp_err rc;

	if (admin_role_from(admin_pget(p, "role"), &r) != PP_OK)
		return PP_ERR_INTERNAL;
	rc = grant ? admin_accounts_grant(admin_db(req), admin_pget(p, "staff"), r, p->proposer, result) :
	    admin_accounts_revoke(admin_db(req), admin_pget(p, "staff"), r, result);
	if (rc != PP_OK)
		return rc == PP_ERR_DB || rc == PP_ERR_NOMEM ? rc : PP_ERR_CONFLICT;
	if ((d = json_object_new_object()) == NULL ||
	    pp_json_add_str(d, "account", admin_pget(p, "staff")) != PP_OK ||
	    pp_json_add_str(d, "account_name", admin_pget(p, "staff_name")) != PP_OK ||
	    pp_json_add_str(d, "role", admin_pget(p, "role")) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = admin_dual_audit(req, s, p, grant ? PP_AUDIT_ROLE_ASSIGN : PP_AUDIT_ROLE_REVOKE,
	    PP_AUDIT_SUCCESS, NULL, d);
	json_object_put(d);
	*result = grant ? "role granted" : "role revoked; the member's sessions ended";
	return rc;
}

static enum pp_err
admin_build_account_disable(struct pp_req *req, const struct admin_session *s, json_object *pl,
    char *summary, size_t cap)
{
	struct admin_staff t;
	const char *reason;
	enum pp_err rc;
	(void)s;

	if ((rc = admin_build_target(req, pl, &t)) != PP_OK || (rc = admin_need(req, "reason", &reason)) != PP_OK)
		return rc;
	if (pp_json_add_str(pl, "reason", reason) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "Disable the account of %s (%s): %s", t.name,
	    t.role_label[0] ? t.role_label : "no role", reason);
	return PP_OK;
}

static enum pp_err
admin_apply_account_disable(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	json_object *d;
	enum pp_err rc;

	if ((rc = admin_accounts_disable(admin_db(req), admin_pget(p, "staff"), result)) != PP_OK)
		return rc == PP_ERR_DB || rc == PP_ERR_NOMEM ? rc : PP_ERR_CONFLICT;
	if ((d = json_object_new_object()) == NULL ||
	    pp_json_add_str(d, "account", admin_pget(p, "staff")) != PP_OK ||
	    pp_json_add_str(d, "account_name", admin_pget(p, "staff_name")) != PP_OK ||
	    pp_json_add_str(d, "status", "disabled") != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = admin_dual_audit(req, s, p, PP_AUDIT_ACCOUNT_UPDATE, PP_AUDIT_SUCCESS, admin_pget(p, "reason"), d);
	json_object_put(d);
	*result = "account disabled; its sessions ended";
	return rc;
}

/* --- console parameters (the audit review's) */

static enum pp_err
admin_build_params(struct pp_req *req, const struct admin_session *s, json_object *pl, char *summary,
    size_t cap)
{
	const char *name, *value = pp_req_value(req, "value");
	enum pp_err rc;

	if ((rc = admin_need(req, "param", &name)) != PP_OK)
		return rc;
	if (value == NULL)
		value = "";
	if (!admin_param_valid(name, value))
		return pp_fail(req, PP_ERR_FIELD_INVALID, "'%s' is not a valid value of the parameter %s"
		    " (docs/CONSOLE.md lists the parameters and their forms).", value, name);
	if (pp_json_add_str(pl, "param", name) != PP_OK || pp_json_add_str(pl, "value", value) != PP_OK ||
	    pp_json_add_str(pl, "old", admin_param(req, name, "(default)")) != PP_OK)
		return PP_ERR_NOMEM;
	(void)s;
	snprintf(summary, cap, "Set the audit review parameter %s from '%s' to '%s'", name,
	    admin_param(req, name, "(default)"), value);
	return PP_OK;
}

static enum pp_err
admin_apply_params(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	struct pp_val b[] = { PP_VAL_S(admin_pget(p, "param")), PP_VAL_S(admin_pget(p, "value")),
	    PP_VAL_I(pp_now_ms()), PP_VAL_S(s->staff.id) };
	json_object *d;
	enum pp_err rc;

	if ((rc = pp_store_exec(admin_db(req), "INSERT INTO params (name, value, changed_ms, changed_by)"
	    " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
	    " changed_ms = excluded.changed_ms, changed_by = excluded.changed_by", b, 4, NULL, NULL, NULL)) != PP_OK)
		return rc;
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "param", admin_pget(p, "param")) != PP_OK ||
	    pp_json_add_str(d, "old", admin_pget(p, "old")) != PP_OK ||
	    pp_json_add_str(d, "new", admin_pget(p, "value")) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = admin_dual_audit(req, s, p, PP_AUDIT_LOG_PARAM_CHANGE, PP_AUDIT_SUCCESS, NULL, d);
	json_object_put(d);
	*result = "parameter changed";
	return rc;
}

/* --- kinds carried out by the SAM (sam/sam_staff.c) */

static enum pp_err
admin_words_array(const char *s, json_object **out)
{
	json_object *a = json_object_new_array();
	const char *p = s ? s : "";

	if (a == NULL)
		return PP_ERR_NOMEM;
	while (*p) {
		size_t n;

		p += strspn(p, " \t\r\n,");
		n = strcspn(p, " \t\r\n,");
		if (n == 0)
			break;
		if (json_object_array_add(a, json_object_new_string_len(p, (int)n)) != 0) {
			json_object_put(a);
			return PP_ERR_NOMEM;
		}
		p += n;
	}
	*out = a;
	return PP_OK;
}

static enum pp_err
admin_build_client_register(struct pp_req *req, const struct admin_session *s, json_object *pl,
    char *summary, size_t cap)
{
	const char *id, *name, *subject, *sha, *roles, *contact;
	json_object *c = json_object_new_object(), *a;
	enum pp_err rc;
	(void)s;

	if (c == NULL || json_object_object_add(pl, "client", c) != 0) {
		json_object_put(c);
		return PP_ERR_NOMEM;
	}
	if ((rc = admin_need(req, "client_id", &id)) != PP_OK || (rc = admin_need(req, "client_name", &name)) != PP_OK ||
	    (rc = admin_need(req, "subject", &subject)) != PP_OK || (rc = admin_need(req, "sha256", &sha)) != PP_OK ||
	    (rc = admin_need(req, "client_roles", &roles)) != PP_OK || (rc = admin_need(req, "contact", &contact)) != PP_OK)
		return rc;
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "The fingerprint must be 64 lower-case hex digits"
		    " (SHA-256 of the certificate's DER).");
	if (pp_json_add_str(c, "id", id) != PP_OK || pp_json_add_str(c, "name", name) != PP_OK ||
	    pp_json_add_str(c, "subject", subject) != PP_OK || pp_json_add_str(c, "sha256", sha) != PP_OK ||
	    pp_json_add_str(c, "contact", contact) != PP_OK)
		return PP_ERR_NOMEM;
	if ((rc = admin_words_array(roles, &a)) != PP_OK)
		return rc;
	json_object_object_add(c, "roles", a);
	if ((rc = admin_words_array(pp_req_value(req, "redirect_uris"), &a)) != PP_OK)
		return rc;
	json_object_object_add(c, "redirect_uris", a);
	if ((rc = admin_words_array(pp_req_value(req, "allowed_algos"), &a)) != PP_OK)
		return rc;
	json_object_object_add(c, "allowed_algos", a);
	snprintf(summary, cap, "Register the client %s (%s) with the roles %s, certificate %s (SHA-256 %.16s…),"
	    " contact %s", id, name, roles, subject, sha, contact);
	return PP_OK;
}

static enum pp_err
admin_build_client_remove(struct pp_req *req, const struct admin_session *s, json_object *pl,
    char *summary, size_t cap)
{
	const char *id, *reason;
	enum pp_err rc;
	(void)s;

	if ((rc = admin_need(req, "client_id", &id)) != PP_OK || (rc = admin_need(req, "reason", &reason)) != PP_OK)
		return rc;
	if (pp_json_add_str(pl, "id", id) != PP_OK || pp_json_add_str(pl, "reason", reason) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "Remove the client %s: %s", id, reason);
	return PP_OK;
}

static enum pp_err
admin_build_algo(struct pp_req *req, const struct admin_session *s, json_object *pl, char *summary,
    size_t cap)
{
	const char *algo, *notice;
	enum pp_err rc;
	(void)s;

	if ((rc = admin_need(req, "algo", &algo)) != PP_OK || (rc = admin_need(req, "notice", &notice)) != PP_OK)
		return rc;
	if (pp_json_add_str(pl, "algo", algo) != PP_OK || pp_json_add_str(pl, "notice", notice) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "Withdraw the algorithm %s; notice to every SCA: %s", algo, notice);
	return PP_OK;
}

static enum pp_err
admin_build_keys(struct pp_req *req, const struct admin_session *s, json_object *pl, char *summary,
    size_t cap)
{
	const char *sca = admin_field(req, "sca"), *kt = admin_field(req, "key_type"), *reason;
	enum pp_err rc;
	(void)s;

	if ((rc = admin_need(req, "reason", &reason)) != PP_OK)
		return rc;
	if (sca == NULL && kt == NULL)
		return pp_fail(req, PP_ERR_FIELD_MISSING, "Say which keys: an SCA, a key type or both"
		    " (the cessation procedure is the way to destroy every key).");
	if ((sca && pp_json_add_str(pl, "sca", sca) != PP_OK) || (kt && pp_json_add_str(pl, "key_type", kt) != PP_OK) ||
	    pp_json_add_str(pl, "reason", reason) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "Destroy the keys of every active credential%s%s%s%s: %s",
	    sca ? " of the SCA " : "", sca ? sca : "", kt ? " of key type " : "", kt ? kt : "", reason);
	return PP_OK;
}

static enum pp_err
admin_build_cessation(struct pp_req *req, const struct admin_session *s, json_object *pl, char *summary,
    size_t cap)
{
	const char *reason, *confirm = pp_req_value(req, "confirm");
	enum pp_err rc;
	(void)s;

	if ((rc = admin_need(req, "reason", &reason)) != PP_OK)
		return rc;
	if (confirm == NULL || strcmp(confirm, "DESTROY ALL KEYS") != 0)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "Type DESTROY ALL KEYS to confirm the cessation"
		    " procedure.");
	if (pp_json_add_str(pl, "reason", reason) != PP_OK)
		return PP_ERR_NOMEM;
	snprintf(summary, cap, "CESSATION OF SERVICE: destroy every signatory key and refuse every new"
	    " credential and signature (SEC-7): %s", reason);
	return PP_OK;
}

/* Carries out a SAM kind: the op with the payload, the proposal and both
 * persons; the SAM records the change itself. */
static enum pp_err
admin_apply_sam(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char *op, const char **result)
{
	json_object *args = NULL, *ans = NULL, *who;
	struct admin_staff proposer;
	const char *err, *desc = "";
	enum pp_err rc;

	memset(&proposer, 0, sizeof(proposer));
	/* The proposer as they are now (their roles may have changed). */
	if (admin_staff_get(admin_db(req), p->proposer, &proposer) != PP_OK) {
		*result = "the proposer's account is no longer active";
		return PP_ERR_CONFLICT;
	}
	if ((args = json_tokener_parse(json_object_to_json_string(p->payload))) == NULL)
		return PP_ERR_NOMEM;
	if ((who = admin_sam_staff(&proposer)) == NULL || json_object_object_add(args, "proposer", who) != 0 ||
	    (who = admin_sam_staff(&s->staff)) == NULL || json_object_object_add(args, "approver", who) != 0 ||
	    pp_json_add_str(args, "proposal", p->id) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = admin_sam_call(req, s, op, args, &ans)) != PP_OK)
		return rc;
	if ((err = admin_sam_error(ans, &desc)) != NULL) {
		*result = pp_pool_printf(req->pool, "refused by the SAM: %s (%s)", desc, err);
		return PP_ERR_CONFLICT;
	}
	*result = pp_pool_printf(req->pool, "done: %s", json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PLAIN));
	return PP_OK;
}

static enum pp_err
admin_apply_client_register(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	return admin_apply_sam(req, s, p, "staff.client.put", result);
}

static enum pp_err
admin_apply_client_remove(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	return admin_apply_sam(req, s, p, "staff.client.remove", result);
}

static enum pp_err
admin_apply_algo(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	return admin_apply_sam(req, s, p, "staff.algo.withdraw", result);
}

static enum pp_err
admin_apply_keys(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	return admin_apply_sam(req, s, p, "staff.keys.destroy_bulk", result);
}

static enum pp_err
admin_apply_cessation(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    const char **result)
{
	return admin_apply_sam(req, s, p, "staff.cessation", result);
}

/* Who proposes and who approves each kind (docs/CONSOLE.md, "Dual control"). */
static const struct admin_kind admin_kinds[] = {
	{ "account.create", "Create a staff account", ADMIN_A_STAFF_PROPOSE, SM,
	  admin_build_account_create, admin_apply_account_create },
	{ "account.disable", "Disable a staff account", ADMIN_A_STAFF_PROPOSE, SM,
	  admin_build_account_disable, admin_apply_account_disable },
	{ "role.grant", "Grant a trust role", ADMIN_A_STAFF_PROPOSE, SM, admin_build_role, admin_apply_role },
	{ "role.revoke", "Revoke a trust role", ADMIN_A_STAFF_PROPOSE, SM, admin_build_role, admin_apply_role },
	{ "params.set", "Change an audit review parameter", ADMIN_A_PARAMS_PROPOSE, SM,
	  admin_build_params, admin_apply_params },
	{ "client.register", "Register an SCA or PKI client", ADMIN_A_CLIENT_PROPOSE, SM | AM,
	  admin_build_client_register, admin_apply_client_register },
	{ "client.remove", "Remove an SCA or PKI client", ADMIN_A_CLIENT_PROPOSE, SM | AM,
	  admin_build_client_remove, admin_apply_client_remove },
	{ "algorithm.withdraw", "Withdraw an algorithm", ADMIN_A_ALGO_PROPOSE, SM | AM,
	  admin_build_algo, admin_apply_algo },
	{ "keys.destroy", "Destroy keys in bulk", ADMIN_A_KEYS_PROPOSE, SM | OP | SH,
	  admin_build_keys, admin_apply_keys },
	{ "cessation", "Cessation of service: destroy every signatory key", ADMIN_A_CESSATION_PROPOSE, SM | SH,
	  admin_build_cessation, admin_apply_cessation },
};

#define NKINDS (sizeof(admin_kinds) / sizeof(admin_kinds[0]))

static const struct admin_kind *
admin_kind_by_name(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(admin_kinds[i].name, name) == 0)
			return &admin_kinds[i];
	return NULL;
}

unsigned
admin_dual_approvers(const char *kind)
{
	const struct admin_kind *k = admin_kind_by_name(kind);

	return k ? k->approvers : 0;
}

/* --- proposals in the database */

static void
admin_json_put(void *arg)
{
	json_object_put(arg);
}

struct admin_prop_row {
	struct pp_req *req;
	struct admin_prop *p;
	int found;
};

static enum pp_err
admin_prop_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_prop_row *r = ctx;
	char payload[8192];

	if (n != 8 || !pp_val_text(&c[0], r->p->id, sizeof(r->p->id)) ||
	    !pp_val_text(&c[1], r->p->kind, sizeof(r->p->kind)) ||
	    !pp_val_text(&c[2], payload, sizeof(payload)) ||
	    !pp_val_text(&c[3], r->p->summary, sizeof(r->p->summary)) ||
	    !pp_val_text(&c[4], r->p->proposer, sizeof(r->p->proposer)) ||
	    !pp_val_text(&c[5], r->p->proposer_name, sizeof(r->p->proposer_name)) ||
	    !pp_val_text(&c[6], r->p->status, sizeof(r->p->status)))
		return PP_ERR_DB;
	r->p->expires_ms = c[7].i;
	if ((r->p->payload = json_tokener_parse(payload)) == NULL ||
	    pp_pool_cleanup(r->req->pool, admin_json_put, r->p->payload) != PP_OK) {
		json_object_put(r->p->payload);
		r->p->payload = NULL;
		return PP_ERR_DB;
	}
	r->found = 1;
	return PP_OK;
}

static enum pp_err
admin_prop_load(struct pp_req *req, const char *id, struct admin_prop *p)
{
	struct admin_prop_row r = { req, p, 0 };
	struct pp_val b[] = { PP_VAL_S(id) };
	enum pp_err rc;

	memset(p, 0, sizeof(*p));
	if ((rc = pp_store_exec(admin_db(req), "SELECT id, kind, payload, summary, proposer, proposer_name,"
	    " status, expires_ms FROM proposals WHERE id = ?", b, 1, admin_prop_row, &r, NULL)) != PP_OK)
		return rc;
	return r.found ? PP_OK : pp_fail(req, PP_ERR_NOT_FOUND, "No such proposal.");
}

/* Marks the pending proposals past their expiry, each audited (by the
 * system: nobody decided). */
struct admin_ids {
	char id[16][ADMIN_ID_HEX + 1];
	char kind[16][32];
	size_t n;
};

static enum pp_err
admin_ids_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_ids *ids = ctx;

	if (n == 2 && ids->n < 16 && pp_val_text(&c[0], ids->id[ids->n], sizeof(ids->id[0])) &&
	    pp_val_text(&c[1], ids->kind[ids->n], sizeof(ids->kind[0])))
		ids->n++;
	return PP_OK;
}

static enum pp_err
admin_dual_expire(struct pp_req *req)
{
	struct admin_ids ids = { .n = 0 };
	int64_t now = pp_now_ms();
	struct pp_val b[] = { PP_VAL_I(now) };
	enum pp_err rc;

	if ((rc = pp_store_exec(admin_db(req), "SELECT id, kind FROM proposals WHERE status = 'pending'"
	    " AND expires_ms <= ? LIMIT 16", b, 1, admin_ids_row, &ids, NULL)) != PP_OK)
		return rc;
	for (size_t i = 0; i < ids.n; i++) {
		struct pp_val u[] = { PP_VAL_I(now), PP_VAL_S(ids.id[i]) };
		int64_t changed = 0;
		json_object *d;

		if ((rc = pp_store_exec(admin_db(req), "UPDATE proposals SET status = 'expired', decided_ms = ?,"
		    " result = 'expired without approval' WHERE id = ? AND status = 'pending'", u, 2, NULL, NULL,
		    &changed)) != PP_OK)
			return rc;
		if (changed != 1)
			continue;
		if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "proposal_kind", ids.kind[i]) != PP_OK) {
			json_object_put(d);
			return PP_ERR_NOMEM;
		}
		struct pp_audit_event ev = {
			.type = PP_AUDIT_DUAL_DECIDE, .outcome = PP_AUDIT_FAILURE,
			.actor_kind = PP_AUDIT_ACTOR_SYSTEM, .actor_id = "paraphe-admin",
			.cause = "expired without approval", .correlation = ids.id[i], .details = d,
		};
		rc = pp_req_audit(req, &ev);
		json_object_put(d);
		if (rc != PP_OK)
			return rc;
	}
	return PP_OK;
}

/* POST /proposals/<kind>: a new proposal. */
static enum pp_err
admin_dual_propose(struct pp_req *req, const struct admin_session *s)
{
	const struct admin_kind *k = admin_kind_by_name(req->path + strlen("/proposals/new/"));
	json_object *pl, *d;
	char id[ADMIN_ID_HEX + 1], summary[1024] = "";
	int64_t now = pp_now_ms();
	enum pp_err rc;

	if (k == NULL)
		return PP_ERR_NOT_FOUND;
	/* The route's action is the kind's; checked again so that a table
	 * mistake cannot open a kind to the wrong roles. */
	if (!admin_perm_allows(s->staff.roles, k->propose))
		return pp_fail(req, PP_ERR_FORBIDDEN, "Your roles do not allow proposing this.");
	if ((pl = json_object_new_object()) == NULL || pp_pool_cleanup(req->pool, admin_json_put, pl) != PP_OK) {
		json_object_put(pl);
		return PP_ERR_NOMEM;
	}
	if ((rc = k->build(req, s, pl, summary, sizeof(summary))) != PP_OK)
		return rc;
	if ((rc = pp_random_hex(id, 16)) != PP_OK)
		return rc;
	struct pp_val b[] = { PP_VAL_S(id), PP_VAL_S(k->name), PP_VAL_S(json_object_to_json_string_ext(pl,
	    JSON_C_TO_STRING_PLAIN)), PP_VAL_S(summary), PP_VAL_S(s->staff.id), PP_VAL_S(s->staff.name),
	    PP_VAL_S(s->staff.role_label), PP_VAL_I(now), PP_VAL_I(now + admin_of(req)->proposal_lifetime_s * 1000) };
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "proposal_kind", k->name) != PP_OK ||
	    pp_json_add_str(d, "summary", summary) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	/* Recorded first: a proposal that is not in the log does not exist. */
	struct pp_audit_event ev = {
		.type = PP_AUDIT_DUAL_PROPOSE, .outcome = PP_AUDIT_SUCCESS,
		.actor_kind = PP_AUDIT_ACTOR_STAFF, .actor_id = s->staff.id, .actor_role = s->staff.role_label,
		.correlation = id, .details = d,
	};
	if (pp_json_add_str(d, "staff_name", s->staff.name) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = pp_req_audit(req, &ev);
	json_object_put(d);
	if (rc != PP_OK)
		return rc;
	if ((rc = pp_store_exec(admin_db(req), "INSERT INTO proposals (id, kind, payload, summary, proposer,"
	    " proposer_name, proposer_roles, created_ms, expires_ms, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " 'pending')", b, 9, NULL, NULL, NULL)) != PP_OK)
		return rc;
	return pp_reply_redirect(req, 303, pp_pool_printf(req->pool, "/proposals/%s", id));
}

/* Refuses a decision, audited. */
static enum pp_err
admin_dual_refuse(struct pp_req *req, const struct admin_session *s, const struct admin_prop *p,
    enum pp_err e, const char *why)
{
	enum pp_err rc = admin_dual_audit(req, s, p, PP_AUDIT_DUAL_DECIDE, PP_AUDIT_FAILURE, why, NULL);

	if (rc != PP_OK)
		return rc;
	return pp_fail(req, e, "%s", why);
}

/* POST /proposals/{id}/approve and /reject */
static enum pp_err
admin_dual_decide(struct pp_req *req, const struct admin_session *s)
{
	int approve = strstr(req->path, "/approve") != NULL;
	const struct admin_kind *k;
	struct admin_prop p;
	const char *result = NULL;
	int64_t now = pp_now_ms(), changed = 0;
	enum pp_err rc, arc;

	if ((rc = admin_dual_expire(req)) != PP_OK || (rc = admin_prop_load(req, req->param.s, &p)) != PP_OK)
		return rc;
	if ((k = admin_kind_by_name(p.kind)) == NULL)
		return PP_ERR_INTERNAL;
	if (strcmp(p.status, "pending") != 0)
		return admin_dual_refuse(req, s, &p, PP_ERR_CONFLICT, pp_pool_printf(req->pool,
		    "This proposal is already %s: a decision is taken once.", p.status));
	if (strcmp(p.proposer, s->staff.id) == 0)
		return admin_dual_refuse(req, s, &p, PP_ERR_FORBIDDEN, "A proposal must be decided by a"
		    " different person than the one who proposed it (dual control), whatever roles they hold.");
	if (!(s->staff.roles & k->approvers))
		return admin_dual_refuse(req, s, &p, PP_ERR_FORBIDDEN, "Your roles do not allow deciding"
		    " this kind of proposal.");
	if (!approve) {
		const char *reason = pp_req_value(req, "reason");
		struct pp_val b[] = { PP_VAL_S(s->staff.id), PP_VAL_S(s->staff.name), PP_VAL_I(now),
		    PP_VAL_S(reason && *reason ? reason : "rejected"), PP_VAL_S(p.id) };

		if ((rc = pp_store_exec(admin_db(req), "UPDATE proposals SET status = 'rejected', decider = ?,"
		    " decider_name = ?, decided_ms = ?, result = ? WHERE id = ? AND status = 'pending'", b, 5, NULL,
		    NULL, &changed)) != PP_OK)
			return rc;
		if (changed != 1)
			return admin_dual_refuse(req, s, &p, PP_ERR_CONFLICT, "This proposal was decided meanwhile.");
		if ((rc = admin_dual_audit(req, s, &p, PP_AUDIT_DUAL_DECIDE, PP_AUDIT_SUCCESS,
		    reason && *reason ? reason : "rejected", NULL)) != PP_OK)
			return rc;
		return pp_reply_redirect(req, 303, pp_pool_printf(req->pool, "/proposals/%s", p.id));
	}
	/* The claim: one approver only. */
	{
		struct pp_val b[] = { PP_VAL_S(s->staff.id), PP_VAL_S(s->staff.name), PP_VAL_I(now), PP_VAL_S(p.id),
		    PP_VAL_I(now) };
		if ((rc = pp_store_exec(admin_db(req), "UPDATE proposals SET status = 'approving', decider = ?,"
		    " decider_name = ?, decided_ms = ? WHERE id = ? AND status = 'pending' AND expires_ms > ?",
		    b, 5, NULL, NULL, &changed)) != PP_OK)
			return rc;
		if (changed != 1)
			return admin_dual_refuse(req, s, &p, PP_ERR_CONFLICT, "This proposal was decided or"
			    " expired meanwhile.");
	}
	if ((rc = admin_dual_audit(req, s, &p, PP_AUDIT_DUAL_DECIDE, PP_AUDIT_SUCCESS, "approved", NULL)) != PP_OK)
		result = "the approval could not be recorded; nothing was changed";
	else if ((arc = k->apply(req, s, &p, &result)) != PP_OK) {
		if (result == NULL)
			result = req->detail ? req->detail : pp_err_name(arc);
		rc = arc;
	}
	{
		struct pp_val b[] = { PP_VAL_S(rc == PP_OK ? "approved" : "failed"), PP_VAL_S(result ? result : ""),
		    PP_VAL_S(p.id) };
		enum pp_err urc = pp_store_exec(admin_db(req), "UPDATE proposals SET status = ?, result = ?"
		    " WHERE id = ? AND status = 'approving'", b, 3, NULL, NULL, NULL);
		if (urc != PP_OK)
			return urc;
	}
	if (rc == PP_ERR_CONFLICT || rc == PP_ERR_FIELD_INVALID) {
		/* Refused by a rule at approval: recorded and shown. */
		enum pp_err frc = admin_dual_audit(req, s, &p, PP_AUDIT_DUAL_DECIDE, PP_AUDIT_FAILURE, result, NULL);
		if (frc != PP_OK)
			return frc;
		return pp_fail(req, PP_ERR_CONFLICT, "Approved, but the change was refused: %s", result);
	}
	if (rc != PP_OK)
		return rc;
	return pp_reply_redirect(req, 303, pp_pool_printf(req->pool, "/proposals/%s", p.id));
}

/* --- pages */

static const char *const admin_prop_names[] = { "id", "kind", "summary", "proposer", "proposer_name",
	"proposer_roles", "created", "expires", "status", "decider_name", "decided", "result" };
#define ADMIN_PROP_ROWS(prefix) { pp_req_hdf(req), prefix, admin_prop_names, \
	sizeof(admin_prop_names) / sizeof(admin_prop_names[0]), 0 }

#define ADMIN_PROP_COLS "SELECT id, kind, summary, proposer, proposer_name, proposer_roles," \
	" strftime('%Y-%m-%d %H:%M:%S', created_ms / 1000, 'unixepoch')," \
	" strftime('%Y-%m-%d %H:%M:%S', expires_ms / 1000, 'unixepoch'), status," \
	" COALESCE(decider_name, ''), COALESCE(strftime('%Y-%m-%d %H:%M:%S', decided_ms / 1000, 'unixepoch'), '')," \
	" COALESCE(result, '') FROM proposals"

static enum pp_err
admin_kinds_hdf(struct pp_req *req, const struct admin_session *s)
{
	HDF *hdf = pp_req_hdf(req);
	char key[64];

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	for (size_t i = 0; i < NKINDS; i++) {
		const char *n = admin_kinds[i].name;
		snprintf(key, sizeof(key), "Kinds.%s.label", n);
		if (pp_hdf_set(hdf, key, admin_kinds[i].label) != PP_OK)
			return PP_ERR_NOMEM;
		snprintf(key, sizeof(key), "Kinds.%s.may_propose", n);
		if (pp_hdf_set(hdf, key, admin_perm_allows(s->staff.roles, admin_kinds[i].propose) ? "1" : "0") != PP_OK)
			return PP_ERR_NOMEM;
		snprintf(key, sizeof(key), "Kinds.%s.may_approve", n);
		if (pp_hdf_set(hdf, key, (s->staff.roles & admin_kinds[i].approvers) ? "1" : "0") != PP_OK)
			return PP_ERR_NOMEM;
	}
	return PP_OK;
}

static enum pp_err
admin_dual_list(struct pp_req *req, const struct admin_session *s)
{
	struct admin_rows l = ADMIN_PROP_ROWS("Pending");
	enum pp_err rc;

	if (l.hdf == NULL)
		return PP_ERR_TEMPLATE;
	if ((rc = admin_dual_expire(req)) != PP_OK ||
	    (rc = pp_store_exec(admin_db(req), ADMIN_PROP_COLS " WHERE status IN ('pending', 'approving')"
	    " ORDER BY created_ms", NULL, 0, admin_rows_hdf, &l, NULL)) != PP_OK)
		return rc;
	l.prefix = "Decided";
	l.n = 0;
	if ((rc = pp_store_exec(admin_db(req), ADMIN_PROP_COLS " WHERE status NOT IN ('pending', 'approving')"
	    " ORDER BY decided_ms DESC LIMIT 50", NULL, 0, admin_rows_hdf, &l, NULL)) != PP_OK ||
	    (rc = admin_kinds_hdf(req, s)) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_proposals.cs");
}

static enum pp_err
admin_dual_show(struct pp_req *req, const struct admin_session *s)
{
	struct admin_rows l = ADMIN_PROP_ROWS("Proposal");
	struct pp_val b[] = { PP_VAL_S(req->param.s) };
	const struct admin_kind *k;
	enum pp_err rc;

	if (l.hdf == NULL)
		return PP_ERR_TEMPLATE;
	if ((rc = admin_dual_expire(req)) != PP_OK ||
	    (rc = pp_store_exec(admin_db(req), ADMIN_PROP_COLS " WHERE id = ?", b, 1, admin_rows_hdf, &l,
	    NULL)) != PP_OK)
		return rc;
	if (l.n != 1)
		return pp_fail(req, PP_ERR_NOT_FOUND, "No such proposal.");
	k = admin_kind_by_name(hdf_get_value(l.hdf, "Proposal.0.kind", ""));
	if (pp_hdf_set(l.hdf, "Proposal.0.label", k ? k->label : "?") != PP_OK ||
	    pp_hdf_set(l.hdf, "Proposal.0.may_decide", k && (s->staff.roles & k->approvers) &&
	    strcmp(hdf_get_value(l.hdf, "Proposal.0.proposer", ""), s->staff.id) != 0 ? "1" : "0") != PP_OK ||
	    pp_hdf_set(l.hdf, "Proposal.0.own", strcmp(hdf_get_value(l.hdf, "Proposal.0.proposer", ""),
	    s->staff.id) == 0 ? "1" : "0") != PP_OK)
		return PP_ERR_NOMEM;
	return admin_reply(req, s, 200, "console_proposal.cs");
}

enum pp_err
admin_dual_alerts(struct pp_req *req, const struct admin_session *s)
{
	int64_t total = 0;
	struct pp_val b[] = { PP_VAL_S(s->staff.id), PP_VAL_I(pp_now_ms()) };
	enum pp_err rc;
	size_t i;
	char kinds[512] = "";
	size_t len = 0;

	/* The kinds this member may approve, as a SQL-free filter: counted
	 * per kind. */
	for (i = 0; i < NKINDS; i++) {
		if (!(s->staff.roles & admin_kinds[i].approvers))
			continue;
		struct pp_val k[] = { b[0], b[1], PP_VAL_S(admin_kinds[i].name) };
		int64_t one = 0;
		if ((rc = pp_store_exec(admin_db(req), "SELECT count(*) FROM proposals WHERE status = 'pending'"
		    " AND proposer <> ? AND expires_ms > ? AND kind = ?", k, 3, pp_store_int_row, &one, NULL)) != PP_OK)
			return rc;
		total += one;
		if (one && len < sizeof(kinds) - 40)
			len += (size_t)snprintf(kinds + len, sizeof(kinds) - len, "%s%s", len ? ", " : "",
			    admin_kinds[i].label);
	}
	if (total == 0)
		return PP_OK;
	return admin_alert(req, "warning", pp_pool_printf(req->pool, "%lld proposal(s) wait for your"
	    " decision: %s.", (long long)total, kinds), "/proposals");
}

static const char *const admin_role_choices[] = { "security_manager", "application_manager",
	"system_engineer", "operator", "controller", "share_holder", NULL };
static const char *const admin_param_choices[] = { "business_days", "working_hours", "allowed_countries",
	"burst_threshold", "max_speed_kmh", "review_since", NULL };

static const struct pp_field admin_propose_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "name", PP_FIELD_STRING, ADMIN_NAME_MAX, 0, 0, 0, NULL },
	{ "cert", PP_FIELD_TEXT, 8192, 0, 0, 0, NULL },
	{ "role", PP_FIELD_ENUM, 32, 0, 0, 0, admin_role_choices },
	{ "staff", PP_FIELD_TOKEN, ADMIN_ID_HEX, 0, 0, 0, NULL },
	{ "reason", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "param", PP_FIELD_ENUM, 32, 0, 0, 0, admin_param_choices },
	{ "value", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "client_id", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "client_name", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	{ "client_roles", PP_FIELD_STRING, 16, 0, 0, 0, NULL },
	{ "subject", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "sha256", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "redirect_uris", PP_FIELD_STRING, 2048, 0, 0, 0, NULL },
	{ "allowed_algos", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "contact", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "algo", PP_FIELD_TOKEN, 32, 0, 0, 0, NULL },
	{ "notice", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	{ "sca", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	{ "key_type", PP_FIELD_TOKEN, 32, 0, 0, 0, NULL },
	{ "confirm", PP_FIELD_STRING, 32, 0, 0, 0, NULL },
};
static const struct pp_field admin_decide_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "reason", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define PROPOSE(kind, action) { PP_POST, "/proposals/new/" kind, action, admin_dual_propose, PP_BODY_FORM, \
	admin_propose_fields, NF(admin_propose_fields) }

static const struct admin_page admin_dual_page_list[] = {
	{ PP_GET, "/proposals", ADMIN_A_PROPOSAL_VIEW, admin_dual_list, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/proposals/{id}", ADMIN_A_PROPOSAL_VIEW, admin_dual_show, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/proposals/{id}/approve", ADMIN_A_PROPOSAL_DECIDE, admin_dual_decide, PP_BODY_FORM,
	  admin_decide_fields, NF(admin_decide_fields) },
	{ PP_POST, "/proposals/{id}/reject", ADMIN_A_PROPOSAL_DECIDE, admin_dual_decide, PP_BODY_FORM,
	  admin_decide_fields, NF(admin_decide_fields) },
	PROPOSE("account.create", ADMIN_A_STAFF_PROPOSE),
	PROPOSE("account.disable", ADMIN_A_STAFF_PROPOSE),
	PROPOSE("role.grant", ADMIN_A_STAFF_PROPOSE),
	PROPOSE("role.revoke", ADMIN_A_STAFF_PROPOSE),
	PROPOSE("params.set", ADMIN_A_PARAMS_PROPOSE),
	PROPOSE("client.register", ADMIN_A_CLIENT_PROPOSE),
	PROPOSE("client.remove", ADMIN_A_CLIENT_PROPOSE),
	PROPOSE("algorithm.withdraw", ADMIN_A_ALGO_PROPOSE),
	PROPOSE("keys.destroy", ADMIN_A_KEYS_PROPOSE),
	PROPOSE("cessation", ADMIN_A_CESSATION_PROPOSE),
};

const struct admin_pages admin_dual_pages = { admin_dual_page_list, NF(admin_dual_page_list) };
