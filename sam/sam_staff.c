/*
 * sam_staff: the staff console's ops (see sam_staff.h).
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pp_audit.h"
#include "pp_daemon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_client.h"
#include "sam_cred.h"
#include "sam_enrol.h"
#include "sam_staff.h"

#define SAM_N(a) (sizeof(a) / sizeof((a)[0]))
#define SAM_STAFF_NULL ((struct pp_val){ .type = PP_VAL_NULL })

/* ------------------------------------------------------------------ request checks */

int
sam_staff_token_ok(const char *s, size_t max)
{
	size_t len, i;

	if (s == NULL || (len = strnlen(s, max + 1)) == 0 || len > max)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static const char *const sam_staff_roles[] = { "security_manager", "application_manager", "system_engineer",
	"operator", "controller", "share_holder" };

int
sam_staff_role_ok(const char *s)
{
	unsigned seen = 0;
	size_t len, i;

	if (s == NULL || (len = strnlen(s, SAM_STAFF_ROLE_MAX + 1)) == 0 || len > SAM_STAFF_ROLE_MAX)
		return 0;
	/* One role, or several joined with '+' (each once), as the console
	 * labels a member holding more than one (ROLE-2 allows some pairs). */
	while (*s) {
		size_t n = strcspn(s, "+");
		for (i = 0; i < SAM_N(sam_staff_roles); i++)
			if (strlen(sam_staff_roles[i]) == n && strncmp(s, sam_staff_roles[i], n) == 0)
				break;
		if (i == SAM_N(sam_staff_roles) || (seen & (1u << i)))
			return 0;
		seen |= 1u << i;
		s += n;
		if (*s == '+' && *++s == '\0')
			return 0;
	}
	return 1;
}

static const struct sam_sad_field sam_staff_person_fields[] = {
	{"id", json_type_string, 1}, {"name", json_type_string, 1}, {"role", json_type_string, 1} };

/* One person object: malformed (PP_ERR_BAD_REQUEST) or a refusal (*why). */
static enum pp_err
sam_staff_person(json_object *obj, const char *what, struct sam_staff_person *p, const char **why)
{
	const char *id, *name, *role;
	int missing;
	enum pp_err rc;

	memset(p, 0, sizeof(*p));
	/* sam_sad_shape lets a request's own "v" and "op" through: a person
	 * has neither. */
	if (json_object_object_get_ex(obj, "v", NULL) || json_object_object_get_ex(obj, "op", NULL))
		return PP_ERR_BAD_REQUEST;
	if ((rc = sam_sad_shape(obj, sam_staff_person_fields, SAM_N(sam_staff_person_fields), &missing)) != PP_OK)
		return rc;
	id = pp_json_get_str(obj, "id");
	name = pp_json_get_str(obj, "name");
	role = pp_json_get_str(obj, "role");
	if (sam_staff_token_ok(id, SAM_STAFF_ID_MAX))
		memcpy(p->id, id, strlen(id) + 1);
	if (sam_staff_role_ok(role))
		memcpy(p->role, role, strlen(role) + 1);
	if (sam_enrol_text_ok(name, SAM_STAFF_NAME_MAX))
		memcpy(p->name, name, strlen(name) + 1);
	if (*why != NULL)
		return PP_OK;
	if (missing)
		*why = what;
	else if (!*p->id)
		*why = "id: the staff account id, 1 to 64 characters [A-Za-z0-9._-]";
	else if (!*p->name)
		*why = "name: the person's name, 1 to 128 bytes of UTF-8 without control characters";
	else if (!*p->role)
		*why = "role: security_manager, application_manager, system_engineer, operator, controller"
		    " or share_holder, or several joined with '+'";
	return PP_OK;
}

enum pp_err
sam_staff_parse(json_object *req, const struct sam_staff_spec *spec, struct sam_staff_order *o, const char **why)
{
	struct sam_sad_field f[SAM_STAFF_FIELDS_MAX];
	struct sam_staff_person approver;
	json_object *v;
	const char *proposal;
	size_t n = 0;
	int missing;
	enum pp_err rc;

	memset(o, 0, sizeof(*o));
	*why = NULL;
	o->dual = spec->dual;
	if (spec->n + 4 > SAM_N(f))
		return PP_ERR_INTERNAL;
	f[n++] = (struct sam_sad_field){ "staff", json_type_object, 1 };
	if (spec->dual) {
		f[n++] = (struct sam_sad_field){ "proposal", json_type_string, 1 };
		f[n++] = (struct sam_sad_field){ "proposer", json_type_object, 1 };
		f[n++] = (struct sam_sad_field){ "approver", json_type_object, 1 };
	}
	for (size_t i = 0; i < spec->n; i++)
		f[n++] = spec->f[i];
	if ((rc = sam_sad_shape(req, f, n, &missing)) != PP_OK)
		return rc;
	if (json_object_object_get_ex(req, "staff", &v) &&
	    (rc = sam_staff_person(v, "staff: id, name and role are required", &o->staff, why)) != PP_OK)
		return rc;
	if (spec->dual) {
		if (json_object_object_get_ex(req, "proposer", &v) &&
		    (rc = sam_staff_person(v, "proposer: id, name and role are required", &o->proposer, why)) != PP_OK)
			return rc;
		memset(&approver, 0, sizeof(approver));
		if (json_object_object_get_ex(req, "approver", &v) &&
		    (rc = sam_staff_person(v, "approver: id, name and role are required", &approver, why)) != PP_OK)
			return rc;
		proposal = pp_json_get_str(req, "proposal");
		if (sam_staff_token_ok(proposal, SAM_STAFF_ID_MAX))
			memcpy(o->proposal, proposal, strlen(proposal) + 1);
		if (*why == NULL && !missing && !*o->proposal)
			*why = "proposal: the proposal id, 1 to 64 characters [A-Za-z0-9._-]";
		if (*why == NULL && !missing && strcmp(approver.id, o->staff.id) != 0)
			*why = "approver: must be the staff member acting (the one who approves)";
		if (*why == NULL && !missing && strcmp(o->proposer.id, approver.id) == 0)
			*why = "dual control: the proposer may not approve their own proposal";
	}
	if (*why == NULL && missing)
		*why = spec->dual ? "staff, proposal, proposer, approver and the op's required members are required"
		    : "staff and the op's required members are required";
	return PP_OK;
}

void
sam_staff_page(json_object *req, int64_t *limit, int64_t *offset, const char **why)
{
	json_object *v;

	*limit = SAM_STAFF_LIMIT_DEFAULT;
	*offset = 0;
	if (json_object_object_get_ex(req, "limit", &v))
		*limit = json_object_get_int64(v);
	if (json_object_object_get_ex(req, "offset", &v))
		*offset = json_object_get_int64(v);
	if (*why == NULL && (*limit < 1 || *limit > SAM_STAFF_LIMIT_MAX))
		*why = "limit: 1 to 100";
	else if (*why == NULL && (*offset < 0 || *offset > INT32_MAX))
		*why = "offset: 0 or more";
}

int
sam_staff_states(const char *status, const char *states[3])
{
	static const struct {
		const char *name, *s[3];
	} map[] = {
		{ "active", { "ACTIVE", NULL, NULL } },
		{ "pending", { "PENDING", NULL, NULL } },
		{ "revoked", { "REVOKED", NULL, NULL } },
		{ "expired", { "EXPIRED", NULL, NULL } },
		{ "destroyed", { "DESTROYED", NULL, NULL } },
		{ "closed", { "REVOKED", "EXPIRED", "DESTROYED" } },
	};

	states[0] = states[1] = states[2] = NULL;
	for (size_t i = 0; status != NULL && i < SAM_N(map); i++)
		if (strcmp(status, map[i].name) == 0) {
			memcpy(states, map[i].s, sizeof(map[i].s));
			return 1;
		}
	return 0;
}

void
sam_staff_mask_mobile(const char *mobile, char *out, size_t cap)
{
	size_t len = mobile ? strlen(mobile) : 0, i;

	if (cap == 0)
		return;
	for (i = 0; i < len && i + 1 < cap; i++)
		out[i] = i + 2 < len ? '*' : mobile[i];
	out[i] = '\0';
}

/* ms since the epoch as RFC 3339 UTC ("2026-11-21T14:45:00Z") into out. */
static enum pp_err
sam_staff_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return PP_ERR_INTERNAL;
	return PP_OK;
}

/* ------------------------------------------------------------------ records and answers */

/* A staff record: actor the acting member (or "unknown" when the request
 * named none acceptably), proposer and proposal of a dual-control op. */
static enum pp_err
sam_staff_audit(struct pp_daemon_ctx *ctx, const struct sam_staff_order *o, enum pp_audit_type type, int failure,
    const char *op, const char *cause, json_object *details)
{
	struct pp_audit_event ev;
	enum pp_err rc = PP_ERR_NOMEM;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.outcome = failure ? PP_AUDIT_FAILURE : PP_AUDIT_SUCCESS;
	ev.actor_kind = PP_AUDIT_ACTOR_STAFF;
	ev.actor_id = *o->staff.id ? o->staff.id : "unknown";
	ev.actor_role = *o->staff.role ? o->staff.role : NULL;
	if (o->dual) {
		ev.requester = *o->proposer.id ? o->proposer.id : NULL;
		ev.correlation = *o->proposal ? o->proposal : NULL;
	}
	ev.cause = cause;
	if (details == NULL && (details = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	ev.details = details;
	if (pp_json_add_str(details, "op", op) != PP_OK ||
	    (o->dual && *o->proposer.role && pp_json_add_str(details, "proposer_role", o->proposer.role) != PP_OK))
		goto out;
	if ((rc = pp_audit_emit(ctx->conf, &ev, NULL)) != PP_OK)
		pp_err_log("sam: the audit record %s of %s was not acknowledged", pp_audit_type_name(type), op);
out:
	json_object_put(details);
	return rc;
}

static enum pp_err
sam_staff_answer_refusal(json_object *ans, const char *code, const char *why)
{
	if (pp_json_add_str(ans, "error", code) != PP_OK || pp_json_add_str(ans, "error_description", why) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* A refusal of an op that changes something: recorded, then answered. */
static enum pp_err
sam_staff_refuse(struct pp_daemon_ctx *ctx, const struct sam_staff_order *o, enum pp_audit_type type,
    const char *op, const char *code, const char *why, json_object *ans)
{
	json_object *d = json_object_new_object();
	enum pp_err rc;

	if (d == NULL || pp_json_add_str(d, "error", code) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	if ((rc = sam_staff_audit(ctx, o, type, 1, op, why, d)) != PP_OK)
		return rc;
	return sam_staff_answer_refusal(ans, code, why);
}

static struct pp_val
sam_staff_opt(const char *s)
{
	return s ? PP_VAL_S(s) : SAM_STAFF_NULL;
}

/* ------------------------------------------------------------------ staff.signatory.search */

static const struct sam_sad_field sam_staff_search_fields[] = {
	{"q", json_type_string, 0}, {"sca", json_type_string, 0},
	{"limit", json_type_int, 0}, {"offset", json_type_int, 0} };
static const struct sam_staff_spec sam_staff_search_spec = { "staff.signatory.search", sam_staff_search_fields,
	SAM_N(sam_staff_search_fields), 0 };

static enum pp_err
sam_staff_signatory_row(void *arg, const struct pp_val *c, size_t n)
{
	json_object *arr = arg, *o, *m;
	char id[SAM_ENROL_ID_MAX + 1], sca[SAM_ENROL_SCA_MAX + 1], given[SAM_ENROL_NAME_MAX + 1];
	char surname[SAM_ENROL_NAME_MAX + 1], country[3], mobile[SAM_ENROL_MOBILE_MAX + 1];
	char masked[SAM_ENROL_MOBILE_MAX + 1], idp[SAM_ENROL_SUBJECT_MAX + 1], created[32];

	if (n != 9 || !pp_val_text(&c[0], id, sizeof(id)) || !pp_val_text(&c[1], sca, sizeof(sca)) ||
	    !pp_val_text(&c[2], given, sizeof(given)) || !pp_val_text(&c[3], surname, sizeof(surname)) ||
	    !pp_val_text(&c[4], country, sizeof(country)) || !pp_val_text(&c[5], mobile, sizeof(mobile)) ||
	    !pp_val_text(&c[6], idp, sizeof(idp)) || c[7].type != PP_VAL_INT || c[8].type != PP_VAL_INT)
		return PP_ERR_DB;
	sam_staff_mask_mobile(mobile, masked, sizeof(masked));
	if (sam_staff_time(c[7].i, created) != PP_OK)
		return PP_ERR_INTERNAL;
	if ((o = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	if ((m = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(o, "methods", m);
	/* What the signatory can authenticate with (docs/AUTHZ.md): the SMS
	 * code always (the mobile is required at enrolment), OpenID Connect
	 * when an IdP subject is enrolled.  No secret, no OTP state. */
	if (json_object_array_add(m, json_object_new_string("sms")) != 0 ||
	    (*idp && json_object_array_add(m, json_object_new_string("oidc")) != 0))
		return PP_ERR_NOMEM;
	if (pp_json_add_str(o, "id", id) != PP_OK || pp_json_add_str(o, "given_name", given) != PP_OK ||
	    pp_json_add_str(o, "surname", surname) != PP_OK || pp_json_add_str(o, "country", country) != PP_OK ||
	    pp_json_add_str(o, "sca", sca) != PP_OK || pp_json_add_str(o, "mobile", masked) != PP_OK ||
	    pp_json_add_str(o, "created", created) != PP_OK || pp_json_add_int(o, "created_ms", c[7].i) != PP_OK ||
	    pp_json_add_int(o, "credentials_active", c[8].i) != PP_OK ||
	    pp_json_add_str(o, "status", c[8].i > 0 ? "active" : "no_active_credential") != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

#define SAM_STAFF_SIG_FILTER " FROM signatories WHERE (?1 IS NULL OR sca = ?1) AND (?2 IS NULL" \
	" OR instr(lower(id), lower(?2)) > 0 OR instr(lower(given_name), lower(?2)) > 0" \
	" OR instr(lower(surname), lower(?2)) > 0)"

enum pp_err
sam_staff_op_signatory_search(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *q = pp_json_get_str(req, "q"), *sca = pp_json_get_str(req, "sca"), *why;
	struct sam_staff_order o;
	struct pp_val b[4];
	int64_t limit, offset, total = 0;
	json_object *arr;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_search_spec, &o, &why)) != PP_OK)
		return rc;
	sam_staff_page(req, &limit, &offset, &why);
	if (why == NULL && q != NULL && !sam_enrol_text_ok(q, SAM_STAFF_Q_MAX))
		why = "q: 1 to 64 bytes of UTF-8 without control characters";
	else if (why == NULL && sca != NULL && !sam_enrol_sca_ok(sca))
		why = "sca: 1 to 256 bytes of UTF-8 without control characters";
	if (why != NULL)
		return sam_staff_answer_refusal(ans, "invalid_request", why);
	b[0] = sam_staff_opt(sca);
	b[1] = sam_staff_opt(q);
	b[2] = PP_VAL_I(limit);
	b[3] = PP_VAL_I(offset);
	if ((rc = pp_store_exec(ctx->store, "SELECT count(*)" SAM_STAFF_SIG_FILTER, b, 2, pp_store_int_row, &total,
	    NULL)) != PP_OK)
		return rc;
	if ((arr = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "signatories", arr);
	if ((rc = pp_json_add_int(ans, "total", total)) != PP_OK)
		return rc;
	return pp_store_exec(ctx->store, "SELECT id, sca, given_name, surname, country, mobile, idp_subject,"
	    " created_ms, (SELECT count(*) FROM credentials c WHERE c.signatory = signatories.id"
	    " AND c.sca = signatories.sca AND c.state = 'ACTIVE')" SAM_STAFF_SIG_FILTER
	    " ORDER BY created_ms, id LIMIT ?3 OFFSET ?4", b, 4, sam_staff_signatory_row, arr, NULL);
}

/* ------------------------------------------------------------------ staff.credential.list */

static const struct sam_sad_field sam_staff_credlist_fields[] = {
	{"signatory", json_type_string, 0}, {"sca", json_type_string, 0}, {"status", json_type_string, 0},
	{"key_type", json_type_string, 0}, {"limit", json_type_int, 0}, {"offset", json_type_int, 0} };
static const struct sam_staff_spec sam_staff_credlist_spec = { "staff.credential.list", sam_staff_credlist_fields,
	SAM_N(sam_staff_credlist_fields), 0 };

enum pp_err
sam_staff_op_credential_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_cred_filter f;
	struct sam_staff_order o;
	enum pp_p11_keytype kt;
	const char *status = pp_json_get_str(req, "status"), *why;
	int64_t total = 0;
	json_object *arr;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_credlist_spec, &o, &why)) != PP_OK)
		return rc;
	memset(&f, 0, sizeof(f));
	f.sca = pp_json_get_str(req, "sca");
	f.signatory = pp_json_get_str(req, "signatory");
	f.key_type = pp_json_get_str(req, "key_type");
	sam_staff_page(req, &f.limit, &f.offset, &why);
	if (why == NULL && f.sca != NULL && !sam_enrol_sca_ok(f.sca))
		why = "sca: 1 to 256 bytes of UTF-8 without control characters";
	else if (why == NULL && f.signatory != NULL && !sam_enrol_id_ok(f.signatory))
		why = "signatory: 1 to 64 printable ASCII characters, no space";
	else if (why == NULL && f.key_type != NULL && sam_cred_key_type(f.key_type, &kt) != PP_OK)
		why = "key_type: rsa2048, rsa3072, rsa4096, ec-p256, ec-p384 or ec-p521";
	else if (why == NULL && status != NULL && !sam_staff_states(status, f.states))
		why = "status: active, pending, revoked, expired, destroyed or closed";
	if (why != NULL)
		return sam_staff_answer_refusal(ans, "invalid_request", why);
	if ((arr = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "credentials", arr);
	if ((rc = sam_cred_search(ctx, &f, arr, &total)) != PP_OK)
		return rc;
	return pp_json_add_int(ans, "total", total);
}

/* ------------------------------------------------------------------ staff.session.list */

static const struct sam_sad_field sam_staff_sessions_fields[] = {
	{"signatory", json_type_string, 0}, {"sca", json_type_string, 0},
	{"limit", json_type_int, 0}, {"offset", json_type_int, 0} };
static const struct sam_staff_spec sam_staff_sessions_spec = { "staff.session.list", sam_staff_sessions_fields,
	SAM_N(sam_staff_sessions_fields), 0 };

/*
 * One signing session per row, newest first: an authorisation request
 * (sam_authz) or a SAD of the ledger (sam_sad; one issued through a
 * request names it).  Columns: kind, id, sca, signatory, credential,
 * hash_algo, state, method, documents, signatures_used, created_ms,
 * expires_ms, mode (authorisation), client_id (authorisation), session
 * (SAD), authorisation (SAD).  No SAD value, code, OTP or PKCE value.
 */
static enum pp_err
sam_staff_session_row(void *arg, const struct pp_val *c, size_t n)
{
	json_object *arr = arg, *o;
	static const char *const names[] = { "kind", "id", "sca", "signatory", "credential", "hash_algo", "state",
		"method" };
	static const char *const opt[] = { "mode", "client_id", "session", "authorisation" };
	char buf[SAM_ENROL_SCA_MAX + 1], created[32];

	if (n != 16 || c[8].type != PP_VAL_INT || c[9].type != PP_VAL_INT || c[10].type != PP_VAL_INT ||
	    c[11].type != PP_VAL_INT)
		return PP_ERR_DB;
	if (sam_staff_time(c[10].i, created) != PP_OK)
		return PP_ERR_INTERNAL;
	if ((o = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < SAM_N(names); i++) {
		if (!pp_val_text(&c[i], buf, sizeof(buf)))
			return PP_ERR_DB;
		if (pp_json_add_str(o, names[i], buf) != PP_OK)
			return PP_ERR_NOMEM;
	}
	if (pp_json_add_int(o, "documents", c[8].i) != PP_OK || pp_json_add_int(o, "signatures_used", c[9].i) != PP_OK ||
	    pp_json_add_str(o, "created", created) != PP_OK || pp_json_add_int(o, "created_ms", c[10].i) != PP_OK ||
	    pp_json_add_int(o, "expires_ms", c[11].i) != PP_OK)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < SAM_N(opt); i++) {
		if (!pp_val_text(&c[12 + i], buf, sizeof(buf)))
			return PP_ERR_DB;
		if (*buf && pp_json_add_str(o, opt[i], buf) != PP_OK)
			return PP_ERR_NOMEM;
	}
	return PP_OK;
}

#define SAM_STAFF_SESS_FILTER " WHERE (?1 IS NULL OR sca = ?1) AND (?2 IS NULL OR signatory = ?2)"

enum pp_err
sam_staff_op_session_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *sig = pp_json_get_str(req, "signatory"), *why;
	struct sam_staff_order o;
	struct pp_val b[5];
	int64_t limit, offset, total = 0;
	json_object *arr;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_sessions_spec, &o, &why)) != PP_OK)
		return rc;
	sam_staff_page(req, &limit, &offset, &why);
	if (why == NULL && sca != NULL && !sam_enrol_sca_ok(sca))
		why = "sca: 1 to 256 bytes of UTF-8 without control characters";
	else if (why == NULL && sig != NULL && !sam_enrol_id_ok(sig))
		why = "signatory: 1 to 64 printable ASCII characters, no space";
	if (why != NULL)
		return sam_staff_answer_refusal(ans, "invalid_request", why);
	b[0] = sam_staff_opt(sca);
	b[1] = sam_staff_opt(sig);
	b[2] = PP_VAL_I(limit);
	b[3] = PP_VAL_I(offset);
	b[4] = PP_VAL_I(sam_now_ms());
	if ((rc = pp_store_exec(ctx->store, "SELECT (SELECT count(*) FROM authz" SAM_STAFF_SESS_FILTER ")"
	    " + (SELECT count(*) FROM sads" SAM_STAFF_SESS_FILTER ")", b, 2, pp_store_int_row, &total, NULL)) != PP_OK)
		return rc;
	if ((arr = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "sessions", arr);
	if ((rc = pp_json_add_int(ans, "total", total)) != PP_OK)
		return rc;
	/* A SAD's state from its ledger rows: every hash signed (used),
	 * past its expiry (expired), every hash signed or burned (closed),
	 * else valid.  Its method: its request's, else the SMS code of
	 * sad.issue. */
	return pp_store_exec(ctx->store,
	    "SELECT 'authorisation', id, sca, signatory, credential, hash_algo, lower(status),"
	    " COALESCE(auth_method, ''), (SELECT count(*) FROM authz_docs d WHERE d.authz = authz.id),"
	    " (SELECT count(*) FROM sad_hashes h WHERE h.sad = authz.sad_id AND h.state = 'CONSUMED'),"
	    " created_ms, expires_ms, mode, client_id, '', '' FROM authz" SAM_STAFF_SESS_FILTER
	    " UNION ALL SELECT 'sad', id, sca, signatory, credential, hash_algo,"
	    " CASE WHEN used >= num_signatures THEN 'used' WHEN expires_ms <= ?5 THEN 'expired'"
	    " WHEN used + burned >= num_signatures THEN 'closed' ELSE 'valid' END,"
	    " COALESCE((SELECT a.auth_method FROM authz a WHERE a.sad_id = s.id), 'sms'), num_signatures, used,"
	    " created_ms, expires_ms, '', '', session, COALESCE((SELECT a.id FROM authz a WHERE a.sad_id = s.id), '')"
	    " FROM (SELECT *, (SELECT count(*) FROM sad_hashes h WHERE h.sad = sads.id AND h.state = 'CONSUMED') AS used,"
	    " (SELECT count(*) FROM sad_hashes h WHERE h.sad = sads.id AND h.state = 'BURNED') AS burned FROM sads"
	    SAM_STAFF_SESS_FILTER ") AS s ORDER BY 11 DESC, 2 LIMIT ?3 OFFSET ?4", b, 5, sam_staff_session_row, arr, NULL);
}

/* ------------------------------------------------------------------ staff.credential.revoke */

static const struct sam_sad_field sam_staff_revoke_fields[] = {
	{"credential", json_type_string, 1}, {"reason", json_type_string, 1} };
static const struct sam_staff_spec sam_staff_revoke_spec = { "staff.credential.revoke", sam_staff_revoke_fields,
	SAM_N(sam_staff_revoke_fields), 0 };

/* "reason": 1..max bytes of UTF-8 without controls, else NULL. */
static const char *
sam_staff_reason(json_object *req, size_t max)
{
	const char *r = pp_json_get_str(req, "reason");

	return sam_enrol_text_ok(r, max) ? r : NULL;
}

#define SAM_STAFF_REASON_REFUSAL "reason: 1 to 256 bytes of UTF-8 without control characters"
#define SAM_STAFF_DC_REASON_REFUSAL "reason: 1 to 512 bytes of UTF-8 without control characters"

enum pp_err
sam_staff_op_credential_revoke(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *id = pp_json_get_str(req, "credential"), *reason = sam_staff_reason(req, SAM_STAFF_REASON_MAX), *why;
	struct sam_staff_order o;
	struct sam_cred_actor who;
	struct sam_cred_ended e;
	json_object *c;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_revoke_spec, &o, &why)) != PP_OK)
		return rc;
	if (why == NULL && !sam_cred_id_ok(id))
		why = "credential: a credential id (32 hex digits)";
	else if (why == NULL && reason == NULL)
		why = SAM_STAFF_REASON_REFUSAL;
	if (why != NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_KEY_DESTROY, sam_staff_revoke_spec.op, "invalid_request", why,
		    ans);
	who = (struct sam_cred_actor){ o.staff.id, o.staff.role, NULL, NULL };
	if ((rc = sam_cred_end(ctx, id, &who, reason, &e)) != PP_OK)
		return rc;
	if (!e.found)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_KEY_DESTROY, sam_staff_revoke_spec.op, "not_found",
		    "no credential with this id", ans);
	if (strcmp(e.was, "ACTIVE") != 0 && strcmp(e.was, "PENDING") != 0)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_KEY_DESTROY, sam_staff_revoke_spec.op, "invalid_request",
		    "credential already closed", ans);
	if ((c = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "credential", c);
	if (pp_json_add_str(c, "id", id) != PP_OK || pp_json_add_str(c, "signatory", e.signatory) != PP_OK ||
	    pp_json_add_str(c, "was", e.was) != PP_OK || pp_json_add_str(c, "state", e.state) != PP_OK ||
	    pp_json_add_int(c, "objects_destroyed", (int64_t)e.objects) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* ------------------------------------------------------------------ staff.keys.inventory */

static const struct sam_staff_spec sam_staff_inventory_spec = { "staff.keys.inventory", NULL, 0, 0 };

/* The credentials whose key should be in the token (ACTIVE, PENDING), and
 * every other row's key id, to name the owner of a key left behind. */
struct sam_staff_cred_key {
	char key_id[2 * SAM_CRED_KEY_ID_BYTES + 1];
	char id[SAM_CRED_ID_LEN + 1];
	char signatory[SAM_ENROL_ID_MAX + 1];
	char state[10];
	int found;		/* its private key is in the token */
};

struct sam_staff_keys {
	struct sam_staff_cred_key *k;
	size_t n, cap;
	char ca[2 * SAM_CRED_KEY_ID_BYTES + 1];
};

static enum pp_err
sam_staff_key_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_staff_keys *ks = arg;
	struct sam_staff_cred_key *k;

	if (n != 4)
		return PP_ERR_DB;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? 2 * ks->cap : 64;
		void *p = pp_realloc(ks->k, cap * sizeof(*ks->k));
		if (p == NULL)
			return PP_ERR_NOMEM;
		ks->k = p;
		ks->cap = cap;
	}
	k = &ks->k[ks->n];
	memset(k, 0, sizeof(*k));
	if (!pp_val_text(&c[0], k->key_id, sizeof(k->key_id)) || !pp_val_text(&c[1], k->id, sizeof(k->id)) ||
	    !pp_val_text(&c[2], k->signatory, sizeof(k->signatory)) || !pp_val_text(&c[3], k->state, sizeof(k->state)))
		return PP_ERR_DB;
	ks->n++;
	return PP_OK;
}

static enum pp_err
sam_staff_ca_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_staff_keys *ks = arg;

	return n == 1 && pp_val_text(&c[0], ks->ca, sizeof(ks->ca)) ? PP_OK : PP_ERR_DB;
}

static int
sam_staff_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sam_staff_cred_key *)a)->key_id, ((const struct sam_staff_cred_key *)b)->key_id);
}

static const char *
sam_staff_p11_kind(CK_KEY_TYPE t)
{
	return t == CKK_RSA ? "rsa" : t == CKK_EC ? "ec" : "other";
}

enum pp_err
sam_staff_op_keys_inventory(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_staff_keys ks = { 0 };
	struct sam_staff_order o;
	struct pp_p11_obj *objs = NULL;
	size_t nobj = 0, nkeys = 0, nactive = 0;
	json_object *stray, *lost, *e;
	const char *why;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_inventory_spec, &o, &why)) != PP_OK)
		return rc;
	if (why != NULL)
		return sam_staff_answer_refusal(ans, "invalid_request", why);
	if ((rc = pp_store_exec(ctx->store, "SELECT key_id FROM ca", NULL, 0, sam_staff_ca_row, &ks, NULL)) != PP_OK ||
	    (rc = pp_store_exec(ctx->store, "SELECT key_id, id, signatory, state FROM credentials", NULL, 0,
	    sam_staff_key_row, &ks, NULL)) != PP_OK || (rc = pp_p11_list(ctx->p11, &objs, &nobj)) != PP_OK)
		goto out;
	if (ks.n > 0)
		qsort(ks.k, ks.n, sizeof(*ks.k), sam_staff_key_cmp);
	rc = PP_ERR_NOMEM;
	if ((stray = json_object_new_array()) == NULL)
		goto out;
	json_object_object_add(ans, "keys_without_credential", stray);
	if ((lost = json_object_new_array()) == NULL)
		goto out;
	json_object_object_add(ans, "credentials_without_key", lost);
	/* Every private key of the token: the CA's, a live credential's, or
	 * one nobody should hold (a closed credential's left behind, or one
	 * made outside the SAM). */
	for (size_t i = 0; i < nobj; i++) {
		struct sam_staff_cred_key key, *k = NULL;
		char hexid[2 * PP_P11_ID_MAX + 1];
		if (objs[i].cls != CKO_PRIVATE_KEY)
			continue;
		nkeys++;
		memset(&key, 0, sizeof(key));
		pp_hex(objs[i].id, objs[i].idlen, hexid);
		/* The SAM's keys have 16-byte ids; any other is nobody's. */
		if (objs[i].idlen == SAM_CRED_KEY_ID_BYTES) {
			memcpy(key.key_id, hexid, sizeof(key.key_id));
			if (strcmp(key.key_id, ks.ca) == 0)
				continue;
			if (ks.n)
				k = bsearch(&key, ks.k, ks.n, sizeof(*ks.k), sam_staff_key_cmp);
		}
		if (k != NULL && (strcmp(k->state, "ACTIVE") == 0 || strcmp(k->state, "PENDING") == 0)) {
			k->found = 1;
			continue;
		}
		if ((e = json_object_new_object()) == NULL || json_object_array_add(stray, e) != 0) {
			json_object_put(e);
			goto out;
		}
		if (pp_json_add_str(e, "key_id", hexid) != PP_OK ||
		    pp_json_add_str(e, "key_type", sam_staff_p11_kind(objs[i].key_type)) != PP_OK ||
		    (objs[i].labellen && strlen(objs[i].label) == objs[i].labellen &&
		    sam_enrol_text_ok(objs[i].label, PP_P11_LABEL_MAX) && pp_json_add_str(e, "label", objs[i].label) != PP_OK) ||
		    (k != NULL && (pp_json_add_str(e, "credential", k->id) != PP_OK ||
		    pp_json_add_str(e, "state", k->state) != PP_OK)))
			goto out;
	}
	for (size_t i = 0; i < ks.n; i++) {
		if (strcmp(ks.k[i].state, "ACTIVE") != 0 && strcmp(ks.k[i].state, "PENDING") != 0)
			continue;
		nactive += strcmp(ks.k[i].state, "ACTIVE") == 0;
		if (ks.k[i].found)
			continue;
		if ((e = json_object_new_object()) == NULL || json_object_array_add(lost, e) != 0) {
			json_object_put(e);
			goto out;
		}
		if (pp_json_add_str(e, "credential", ks.k[i].id) != PP_OK ||
		    pp_json_add_str(e, "signatory", ks.k[i].signatory) != PP_OK ||
		    pp_json_add_str(e, "state", ks.k[i].state) != PP_OK ||
		    pp_json_add_str(e, "key_id", ks.k[i].key_id) != PP_OK)
			goto out;
	}
	if (pp_json_add_int(ans, "keys", (int64_t)nkeys) != PP_OK ||
	    pp_json_add_int(ans, "credentials_active", (int64_t)nactive) != PP_OK)
		goto out;
	rc = PP_OK;
out:
	pp_free(objs);
	pp_free(ks.k);
	return rc;
}

/* ------------------------------------------------------------------ bulk destruction, cessation */

struct sam_staff_ids {
	char (*id)[SAM_CRED_ID_LEN + 1];
	size_t n, cap;
};

static enum pp_err
sam_staff_id_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_staff_ids *ids = arg;

	if (n != 1)
		return PP_ERR_DB;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? 2 * ids->cap : 64;
		void *p = pp_realloc(ids->id, cap * sizeof(*ids->id));
		if (p == NULL)
			return PP_ERR_NOMEM;
		ids->id = p;
		ids->cap = cap;
	}
	if (!pp_val_text(&c[0], ids->id[ids->n], sizeof(ids->id[0])))
		return PP_ERR_DB;
	ids->n++;
	return PP_OK;
}

/* Ends every credential of ids on o's order.  OUT *done, *failed.  Goes
 * on after a failure (each is recorded by sam_cred_end or logged); the
 * destructions that failed stay owed. */
static void
sam_staff_end_all(struct pp_daemon_ctx *ctx, const struct sam_staff_order *o, const struct sam_staff_ids *ids,
    const char *reason, size_t *done, size_t *failed)
{
	struct sam_cred_actor who = { o->staff.id, o->staff.role, o->dual ? o->proposer.id : NULL,
		o->dual ? o->proposal : NULL };
	struct sam_cred_ended e;

	*done = *failed = 0;
	for (size_t i = 0; i < ids->n; i++) {
		if (sam_cred_end(ctx, ids->id[i], &who, reason, &e) != PP_OK) {
			pp_err_log("sam: credential %s: not ended on a staff order", ids->id[i]);
			(*failed)++;
		} else if (e.found && (strcmp(e.was, "ACTIVE") == 0 || strcmp(e.was, "PENDING") == 0))
			(*done)++;
	}
}

static const struct sam_sad_field sam_staff_bulk_fields[] = {
	{"reason", json_type_string, 1}, {"sca", json_type_string, 0}, {"key_type", json_type_string, 0} };
static const struct sam_staff_spec sam_staff_bulk_spec = { "staff.keys.destroy_bulk", sam_staff_bulk_fields,
	SAM_N(sam_staff_bulk_fields), 1 };

enum pp_err
sam_staff_op_keys_destroy_bulk(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *kt = pp_json_get_str(req, "key_type");
	const char *reason = sam_staff_reason(req, SAM_STAFF_DC_REASON_MAX), *why;
	struct sam_staff_order o;
	struct sam_staff_ids ids = { 0 };
	enum pp_p11_keytype t;
	struct pp_val b[2];
	size_t done, failed;
	json_object *d;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_bulk_spec, &o, &why)) != PP_OK)
		return rc;
	if (why == NULL && reason == NULL)
		why = SAM_STAFF_DC_REASON_REFUSAL;
	else if (why == NULL && sca == NULL && kt == NULL)
		why = "sca or key_type: at least one filter is required";
	else if (why == NULL && sca != NULL && !sam_enrol_sca_ok(sca))
		why = "sca: 1 to 256 bytes of UTF-8 without control characters";
	else if (why == NULL && kt != NULL && sam_cred_key_type(kt, &t) != PP_OK)
		why = "key_type: rsa2048, rsa3072, rsa4096, ec-p256, ec-p384 or ec-p521";
	if (why != NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_KEY_DESTROY, sam_staff_bulk_spec.op, "invalid_request", why, ans);
	b[0] = sam_staff_opt(sca);
	b[1] = sam_staff_opt(kt);
	if ((rc = pp_store_exec(ctx->store, "SELECT id FROM credentials WHERE state = 'ACTIVE'"
	    " AND (?1 IS NULL OR sca = ?1) AND (?2 IS NULL OR key_type = ?2) ORDER BY created_ms, id", b, 2,
	    sam_staff_id_row, &ids, NULL)) != PP_OK)
		goto out;
	sam_staff_end_all(ctx, &o, &ids, reason, &done, &failed);
	rc = PP_ERR_NOMEM;
	if ((d = json_object_new_object()) == NULL || (sca && pp_json_add_str(d, "sca", sca) != PP_OK) ||
	    (kt && pp_json_add_str(d, "key_type", kt) != PP_OK) ||
	    pp_json_add_int(d, "destroyed", (int64_t)done) != PP_OK || pp_json_add_int(d, "failed", (int64_t)failed) != PP_OK) {
		json_object_put(d);
		goto out;
	}
	/* The order's outcome, after the records of each key. */
	if ((rc = sam_staff_audit(ctx, &o, PP_AUDIT_CREDENTIAL_CHANGE, failed > 0, sam_staff_bulk_spec.op, reason,
	    d)) != PP_OK)
		goto out;
	if ((rc = pp_json_add_int(ans, "destroyed", (int64_t)done)) == PP_OK)
		rc = pp_json_add_int(ans, "failed", (int64_t)failed);
out:
	pp_free(ids.id);
	return rc;
}

static const struct sam_sad_field sam_staff_cessation_fields[] = { {"reason", json_type_string, 1} };
static const struct sam_staff_spec sam_staff_cessation_spec = { "staff.cessation", sam_staff_cessation_fields,
	SAM_N(sam_staff_cessation_fields), 1 };

enum pp_err
sam_staff_op_cessation(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *reason = sam_staff_reason(req, SAM_STAFF_DC_REASON_MAX), *why;
	struct sam_staff_order o;
	struct sam_staff_ids ids = { 0 };
	struct pp_val b[5];
	size_t done = 0, failed = 0, swept = 0;
	int64_t now = sam_now_ms(), since;
	json_object *d;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_cessation_spec, &o, &why)) != PP_OK)
		return rc;
	if (why == NULL && reason == NULL)
		why = SAM_STAFF_DC_REASON_REFUSAL;
	if (why != NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_SERVICE_CESSATION, sam_staff_cessation_spec.op,
		    "invalid_request", why, ans);
	/* The ceremony's start, with the proposer (requester) and the
	 * approver (actor), before anything changes. */
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "phase", "start") != PP_OK ||
	    pp_json_add_str(d, "approver_name", o.staff.name) != PP_OK ||
	    pp_json_add_str(d, "proposer_name", o.proposer.name) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	if ((rc = sam_staff_audit(ctx, &o, PP_AUDIT_SERVICE_CESSATION, 0, sam_staff_cessation_spec.op, reason, d)) != PP_OK)
		return rc;
	/* Ceased first: nothing new from now on, even if what follows fails
	 * half-way (running the op again finishes it). */
	since = sam_service_ceased() ? sam_service_ceased() : now;
	b[0] = PP_VAL_I(since);
	b[1] = PP_VAL_S(o.staff.id);
	b[2] = PP_VAL_S(o.proposer.id);
	b[3] = PP_VAL_S(o.proposal);
	b[4] = PP_VAL_S(reason);
	if ((rc = pp_store_exec(ctx->store, "INSERT OR IGNORE INTO service_state (id, ceased_ms, approver, proposer,"
	    " proposal, reason) VALUES (1, ?, ?, ?, ?, ?)", b, 5, NULL, NULL, NULL)) != PP_OK)
		return rc;
	sam_service_set_ceased(since);
	pp_info_log("sam: the service has ceased (staff.cessation, proposal %s)", o.proposal);
	/* Every signatory key: every live credential, ephemeral ones too,
	 * then the destructions still owed. */
	if ((rc = pp_store_exec(ctx->store, "SELECT id FROM credentials WHERE state IN ('ACTIVE', 'PENDING')"
	    " ORDER BY created_ms, id", NULL, 0, sam_staff_id_row, &ids, NULL)) != PP_OK)
		goto out;
	sam_staff_end_all(ctx, &o, &ids, reason, &done, &failed);
	if (sam_cred_sweep(ctx, now / 1000, &swept) != PP_OK)
		failed++;
	rc = PP_ERR_NOMEM;
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "phase", "end") != PP_OK ||
	    pp_json_add_int(d, "destroyed", (int64_t)done) != PP_OK || pp_json_add_int(d, "failed", (int64_t)failed) != PP_OK) {
		json_object_put(d);
		goto out;
	}
	if ((rc = sam_staff_audit(ctx, &o, PP_AUDIT_SERVICE_CESSATION, failed > 0, sam_staff_cessation_spec.op, reason,
	    d)) != PP_OK)
		goto out;
	if ((rc = pp_json_add_int(ans, "ceased_ms", since)) != PP_OK ||
	    (rc = pp_json_add_int(ans, "destroyed", (int64_t)done)) != PP_OK)
		goto out;
	rc = pp_json_add_int(ans, "failed", (int64_t)failed);
out:
	pp_free(ids.id);
	return rc;
}

/* ------------------------------------------------------------------ algorithm withdrawal (SEC-6) */

int
sam_staff_algo(const char *name, unsigned *key_mask, unsigned *hash_mask)
{
	enum pp_p11_keytype t;

	*key_mask = *hash_mask = 0;
	if (!sam_staff_token_ok(name, 16))
		return 0;
	if (sam_cred_key_type(name, &t) == PP_OK) {
		*key_mask = 1u << t;
		/* RSA 2048 (imported legacy keys) signs only while RSA 3072 is
		 * in force (sam_cred_key_types_in_force): it goes with it. */
		if (t == PP_P11_RSA3072)
			*key_mask |= 1u << PP_P11_RSA2048;
		return 1;
	}
	/* The names of sam.hash_algos, compared here rather than parsed by
	 * sam_sad_hash_algos_parse, which logs a configuration error. */
	static const char *const hashes[PP_P11_HASH__MAX] = { "sha256", "sha384", "sha512" };
	for (int h = 0; h < PP_P11_HASH__MAX; h++)
		if (strcmp(name, hashes[h]) == 0) {
			*hash_mask = 1u << h;
			return 1;
		}
	return 0;
}

/* Makes a withdrawal take effect in this process. */
static void
sam_staff_algo_apply(struct pp_daemon_ctx *ctx, unsigned km, unsigned hm)
{
	sam_algo_withdraw(km, hm);
	sam_sad_withdraw(km, hm);
	for (int t = 0; t < PP_P11_KEYTYPE__MAX; t++)
		if (km & (1u << t))
			sam_cred_withdraw(ctx, (enum pp_p11_keytype)t);
}

static const struct sam_sad_field sam_staff_withdraw_fields[] = {
	{"algo", json_type_string, 1}, {"notice", json_type_string, 1} };
static const struct sam_staff_spec sam_staff_withdraw_spec = { "staff.algo.withdraw", sam_staff_withdraw_fields,
	SAM_N(sam_staff_withdraw_fields), 1 };

enum pp_err
sam_staff_op_algo_withdraw(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *algo = pp_json_get_str(req, "algo"), *notice = pp_json_get_str(req, "notice"), *why;
	struct sam_staff_order o;
	struct pp_val b[6];
	unsigned km = 0, hm = 0;
	int64_t now = sam_now_ms(), have = 0;
	json_object *d;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_withdraw_spec, &o, &why)) != PP_OK)
		return rc;
	if (why == NULL && !sam_staff_algo(algo, &km, &hm))
		why = "algo: a key type (rsa2048, rsa3072, rsa4096, ec-p256, ec-p384, ec-p521) or a hash algorithm"
		    " (sha256, sha384, sha512)";
	else if (why == NULL && !sam_enrol_text_ok(notice, SAM_STAFF_NOTICE_MAX))
		why = "notice: 1 to 512 bytes of UTF-8 without control characters";
	if (why != NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_ALGO_WITHDRAW, sam_staff_withdraw_spec.op, "invalid_request",
		    why, ans);
	b[0] = PP_VAL_S(algo);
	if ((rc = pp_store_exec(ctx->store, "SELECT count(*) FROM algo_withdrawals WHERE algo = ?", b, 1,
	    pp_store_int_row, &have, NULL)) != PP_OK)
		return rc;
	if (have > 0)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_ALGO_WITHDRAW, sam_staff_withdraw_spec.op, "conflict",
		    "algo: already withdrawn", ans);
	/* Stored and recorded together: the record before the commit, so
	 * that no withdrawal exists unrecorded. */
	b[1] = PP_VAL_I(now);
	b[2] = PP_VAL_S(notice);
	b[3] = PP_VAL_S(o.staff.id);
	b[4] = PP_VAL_S(o.proposer.id);
	b[5] = PP_VAL_S(o.proposal);
	if ((rc = pp_store_begin(ctx->store)) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(ctx->store, "INSERT INTO algo_withdrawals (algo, withdrawn_ms, notice, approver,"
	    " proposer, proposal) VALUES (?, ?, ?, ?, ?, ?)", b, 6, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "algo", algo) != PP_OK) {
		json_object_put(d);
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	if ((rc = sam_staff_audit(ctx, &o, PP_AUDIT_ALGO_WITHDRAW, 0, sam_staff_withdraw_spec.op, notice, d)) != PP_OK ||
	    (rc = pp_store_commit(ctx->store)) != PP_OK)
		goto fail;
	sam_staff_algo_apply(ctx, km, hm);
	pp_info_log("sam: algorithm %s withdrawn by staff (proposal %s) (SEC-6)", algo, o.proposal);
	if ((rc = pp_json_add_str(ans, "algo", algo)) != PP_OK || (rc = pp_json_add_int(ans, "withdrawn_ms", now)) != PP_OK)
		return rc;
	return pp_json_add_str(ans, "notice", notice);
fail:
	pp_store_rollback(ctx->store);
	return rc;
}

struct sam_staff_notices {
	json_object *arr;
	int staff;		/* 1: with the proposal and the people */
};

static enum pp_err
sam_staff_notice_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_staff_notices *l = arg;
	char algo[17], notice[SAM_STAFF_NOTICE_MAX + 1], who[3][SAM_STAFF_ID_MAX + 1], at[32];
	json_object *o;

	if (n != 6 || !pp_val_text(&c[0], algo, sizeof(algo)) || c[1].type != PP_VAL_INT ||
	    !pp_val_text(&c[2], notice, sizeof(notice)) || !pp_val_text(&c[3], who[0], sizeof(who[0])) ||
	    !pp_val_text(&c[4], who[1], sizeof(who[1])) || !pp_val_text(&c[5], who[2], sizeof(who[2])))
		return PP_ERR_DB;
	if (sam_staff_time(c[1].i, at) != PP_OK)
		return PP_ERR_INTERNAL;
	if ((o = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (json_object_array_add(l->arr, o) != 0) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(o, "algo", algo) != PP_OK || pp_json_add_str(o, "withdrawn_at", at) != PP_OK ||
	    pp_json_add_str(o, "notice", notice) != PP_OK ||
	    (l->staff && (pp_json_add_int(o, "withdrawn_ms", c[1].i) != PP_OK ||
	    pp_json_add_str(o, "approver", who[0]) != PP_OK || pp_json_add_str(o, "proposer", who[1]) != PP_OK ||
	    pp_json_add_str(o, "proposal", who[2]) != PP_OK)))
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* Into ans[key]: every withdrawal, oldest first; staff: with the people. */
static enum pp_err
sam_staff_notices(struct pp_daemon_ctx *ctx, int staff, const char *key, json_object *ans)
{
	struct sam_staff_notices l = { NULL, staff };

	if ((l.arr = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, key, l.arr);
	return pp_store_exec(ctx->store, "SELECT algo, withdrawn_ms, notice, approver, proposer, proposal"
	    " FROM algo_withdrawals ORDER BY withdrawn_ms, algo", NULL, 0, sam_staff_notice_row, &l, NULL);
}

static const struct sam_staff_spec sam_staff_algo_list_spec = { "staff.algo.list", NULL, 0, 0 };

enum pp_err
sam_staff_op_algo_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_staff_order o;
	const char *why;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_algo_list_spec, &o, &why)) != PP_OK)
		return rc;
	if (why != NULL)
		return sam_staff_answer_refusal(ans, "invalid_request", why);
	return sam_staff_notices(ctx, 1, "withdrawn", ans);
}

static const struct sam_field sam_staff_notices_fields[] = { {"sca", 1} };

enum pp_err
sam_staff_op_algo_notices(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_refuse ref;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_staff_notices_fields, SAM_N(sam_staff_notices_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why != SAM_REFUSAL_NONE)
		return sam_refuse_json(&ref, ans);
	return sam_staff_notices(ctx, 0, "notices", ans);
}

/* ------------------------------------------------------------------ the client registry */

static const struct sam_staff_spec sam_staff_clients_spec = { "staff.client.list", NULL, 0, 0 };

enum pp_err
sam_staff_op_client_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const struct sam_clients *reg = sam_client_registry();
	struct sam_staff_order o;
	json_object *arr;
	const char *why;
	enum pp_err rc;

	(void)ctx;
	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_clients_spec, &o, &why)) != PP_OK)
		return rc;
	if (why != NULL)
		return sam_staff_answer_refusal(ans, "invalid_request", why);
	if ((arr = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "clients", arr);
	for (size_t i = 0; reg != NULL && i < reg->n; i++)
		if ((rc = sam_client_json(&reg->c[i], arr)) != PP_OK)
			return rc;
	return PP_OK;
}

/* A console entry as sent (with "status" "active" when not given): the
 * registry file's rules (sam_client_entry_parse).  OUT *c; *why a refusal
 * (static), the validator's text in buf. */
static enum pp_err
sam_staff_client_parse(json_object *entry, struct sam_client *c, char *buf, size_t cap, const char **why)
{
	enum pp_err rc;

	*why = NULL;
	if (!json_object_object_get_ex(entry, "status", NULL) && pp_json_add_str(entry, "status", "active") != PP_OK)
		return PP_ERR_NOMEM;
	if ((rc = sam_client_entry_parse(entry, c, buf, cap)) == PP_ERR_CONFIG) {
		*why = buf;
		return PP_OK;
	}
	c->source = SAM_CLIENT_CONSOLE;
	return rc;
}

/* A client change's record: account.create, .update or .delete of client
 * id by the staff members (the change is in the caller's transaction). */
static enum pp_err
sam_staff_client_audit(struct pp_daemon_ctx *ctx, const struct sam_staff_order *o, enum pp_audit_type t,
    const char *op, const char *id, const char *cause)
{
	json_object *d = json_object_new_object();

	if (d == NULL || pp_json_add_str(d, "client", id) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	return sam_staff_audit(ctx, o, t, 0, op, cause, d);
}

static const struct sam_sad_field sam_staff_put_fields[] = { {"client", json_type_object, 1} };
static const struct sam_staff_spec sam_staff_put_spec = { "staff.client.put", sam_staff_put_fields,
	SAM_N(sam_staff_put_fields), 1 };

enum pp_err
sam_staff_op_client_put(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_staff_order o;
	struct sam_client *c = NULL;
	json_object *entry = NULL;
	const struct sam_clients *reg = sam_client_registry();
	char buf[512];
	const char *why, *text;
	struct pp_val b[7];
	int64_t now = sam_now_ms();
	int replaced = 0;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_put_spec, &o, &why)) != PP_OK)
		return rc;
	if (why != NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_ACCOUNT_CREATE, sam_staff_put_spec.op, "invalid_request", why, ans);
	if ((c = pp_malloc(sizeof(*c))) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_get_ex(req, "client", &entry);
	if ((rc = sam_staff_client_parse(entry, c, buf, sizeof(buf), &why)) != PP_OK)
		goto out;
	if (why == NULL)
		sam_client_conflict(reg, c, &why);
	if (why != NULL) {
		rc = sam_staff_refuse(ctx, &o, PP_AUDIT_ACCOUNT_CREATE, sam_staff_put_spec.op, "invalid_request", why, ans);
		goto out;
	}
	for (size_t i = 0; reg != NULL && i < reg->n; i++)
		if (strcmp(reg->c[i].id, c->id) == 0)
			replaced = 1;
	/* Stored and recorded in one transaction, then in force at once. */
	text = json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN);
	b[0] = PP_VAL_S(c->id);
	b[1] = PP_VAL_S(text);
	b[2] = PP_VAL_I(now);
	b[3] = PP_VAL_S(o.staff.id);
	b[4] = PP_VAL_S(o.proposer.id);
	b[5] = PP_VAL_S(o.proposal);
	b[6] = PP_VAL_I(now);
	if ((rc = pp_store_begin(ctx->store)) != PP_OK)
		goto out;
	if ((rc = pp_store_exec(ctx->store, "INSERT INTO clients (id, entry, created_ms, approver, proposer, proposal,"
	    " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET entry = ?2,"
	    " approver = ?4, proposer = ?5, proposal = ?6, updated_ms = ?7", b, 7, NULL, NULL, NULL)) != PP_OK ||
	    (rc = sam_staff_client_audit(ctx, &o, replaced ? PP_AUDIT_ACCOUNT_UPDATE : PP_AUDIT_ACCOUNT_CREATE,
	    sam_staff_put_spec.op, c->id, replaced ? "client registration replaced" : "client registered")) != PP_OK ||
	    (rc = pp_store_commit(ctx->store)) != PP_OK) {
		pp_store_rollback(ctx->store);
		goto out;
	}
	if ((rc = sam_client_put(c, &replaced, &why)) != PP_OK || why != NULL) {
		/* Stored but not in force: the next start loads it. */
		pp_err_log("sam: client %s stored but not in force until the next start: %s", c->id,
		    why ? why : pp_err_name(rc));
		rc = rc != PP_OK ? rc : PP_ERR_INTERNAL;
		goto out;
	}
	pp_info_log("sam: client %s %s by staff (proposal %s)", c->id, replaced ? "replaced" : "registered", o.proposal);
	if ((rc = pp_json_add_str(ans, "client", c->id)) == PP_OK)
		rc = pp_json_add_bool(ans, "replaced", replaced);
out:
	pp_free(c);
	return rc;
}

static const struct sam_sad_field sam_staff_remove_fields[] = {
	{"id", json_type_string, 1}, {"reason", json_type_string, 1} };
static const struct sam_staff_spec sam_staff_remove_spec = { "staff.client.remove", sam_staff_remove_fields,
	SAM_N(sam_staff_remove_fields), 1 };

enum pp_err
sam_staff_op_client_remove(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *id = pp_json_get_str(req, "id"), *reason = sam_staff_reason(req, SAM_STAFF_DC_REASON_MAX), *why;
	const struct sam_client *c;
	struct sam_staff_order o;
	struct pp_val b[1];
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_staff_parse(req, &sam_staff_remove_spec, &o, &why)) != PP_OK)
		return rc;
	if (why == NULL && !sam_staff_token_ok(id, SAM_CLIENT_ID_MAX))
		why = "id: a client id, 1 to 64 characters [A-Za-z0-9._-]";
	else if (why == NULL && reason == NULL)
		why = SAM_STAFF_DC_REASON_REFUSAL;
	if (why != NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_ACCOUNT_DELETE, sam_staff_remove_spec.op, "invalid_request", why,
		    ans);
	if ((c = sam_clients_find_id(sam_client_registry(), id)) == NULL)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_ACCOUNT_DELETE, sam_staff_remove_spec.op, "not_found",
		    "no client with this id", ans);
	if (c->source != SAM_CLIENT_CONSOLE)
		return sam_staff_refuse(ctx, &o, PP_AUDIT_ACCOUNT_DELETE, sam_staff_remove_spec.op, "invalid_request",
		    "id: a registry file entry (sam.clients_file): the file's entries are changed in the file", ans);
	b[0] = PP_VAL_S(id);
	if ((rc = pp_store_begin(ctx->store)) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(ctx->store, "DELETE FROM clients WHERE id = ?", b, 1, NULL, NULL, NULL)) != PP_OK ||
	    (rc = sam_staff_client_audit(ctx, &o, PP_AUDIT_ACCOUNT_DELETE, sam_staff_remove_spec.op, id, reason)) != PP_OK ||
	    (rc = pp_store_commit(ctx->store)) != PP_OK) {
		pp_store_rollback(ctx->store);
		return rc;
	}
	if ((rc = sam_client_remove(id)) != PP_OK)
		return rc;
	pp_info_log("sam: client %s removed by staff (proposal %s)", id, o.proposal);
	return pp_json_add_str(ans, "removed", id);
}

/* At start, after the file: every console entry, by the same rules. */
static enum pp_err
sam_staff_client_row(void *arg, const struct pp_val *c, size_t n)
{
	char id[SAM_CLIENT_ID_MAX + 1], buf[512];
	json_object *e = NULL;
	struct sam_client *cl;
	const char *why = NULL;
	int replaced;
	enum pp_err rc;

	(void)arg;
	if (n != 2 || !pp_val_text(&c[0], id, sizeof(id)) || c[1].type != PP_VAL_TEXT)
		return PP_ERR_DB;
	if ((cl = pp_malloc(sizeof(*cl))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_json_parse((const char *)c[1].p, c[1].len, 3, 64, &e)) != PP_OK ||
	    (rc = sam_staff_client_parse(e, cl, buf, sizeof(buf), &why)) != PP_OK ||
	    (why == NULL && (rc = sam_client_put(cl, &replaced, &why)) != PP_OK))
		goto out;
	if (why != NULL || strcmp(cl->id, id) != 0) {
		pp_err_log("sam: console client entry %s (sam.db) refused: %s", id, why ? why : "id mismatch");
		rc = PP_ERR_CONFIG;
	}
out:
	json_object_put(e);
	pp_free(cl);
	return rc;
}

/* ------------------------------------------------------------------ start-up */

static enum pp_err
sam_staff_ceased_row(void *arg, const struct pp_val *c, size_t n)
{
	if (n != 1 || c[0].type != PP_VAL_INT)
		return PP_ERR_DB;
	*(int64_t *)arg = c[0].i;
	return PP_OK;
}

static enum pp_err
sam_staff_withdrawn_row(void *arg, const struct pp_val *c, size_t n)
{
	unsigned *m = arg, km, hm;
	char algo[17];

	if (n != 1 || !pp_val_text(&c[0], algo, sizeof(algo)) || !sam_staff_algo(algo, &km, &hm))
		return PP_ERR_DB;
	m[0] |= km;
	m[1] |= hm;
	return PP_OK;
}

enum pp_err
sam_staff_init(struct pp_daemon_ctx *ctx)
{
	int64_t since = 0;
	unsigned m[2] = { 0, 0 };
	enum pp_err rc;

	if ((rc = pp_store_exec(ctx->store, "SELECT ceased_ms FROM service_state WHERE id = 1", NULL, 0,
	    sam_staff_ceased_row, &since, NULL)) != PP_OK ||
	    (rc = pp_store_exec(ctx->store, "SELECT algo FROM algo_withdrawals", NULL, 0, sam_staff_withdrawn_row, m,
	    NULL)) != PP_OK ||
	    (rc = pp_store_exec(ctx->store, "SELECT id, entry FROM clients ORDER BY created_ms, id", NULL, 0,
	    sam_staff_client_row, NULL, NULL)) != PP_OK)
		return rc;
	if (since > 0) {
		sam_service_set_ceased(since);
		pp_info_log("sam: the service has ceased (SEC-7): no new credential, SAD or signature");
	}
	/* The masks of sam_sad and sam_cred are applied once they are
	 * initialised (sam_staff_start). */
	sam_algo_withdraw(m[0], m[1]);
	return PP_OK;
}

void
sam_staff_start(struct pp_daemon_ctx *ctx)
{
	sam_staff_algo_apply(ctx, sam_algo_withdrawn_keys(), sam_algo_withdrawn_hashes());
}
