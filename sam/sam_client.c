/*
 * sam_client: the registry of registered clients and the check of every
 * client-facing op (see sam_client.h).
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "sam_client.h"
#include "sam_enrol.h"

#define SAM_N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const sam_client_roles[SAM_CLIENT_ROLE__MAX] = {
	[SAM_CLIENT_SCA] = "sca",
	[SAM_CLIENT_RA] = "ra",
};

static const char *const sam_client_statuses[SAM_CLIENT_STATUS__MAX] = {
	[SAM_CLIENT_ACTIVE] = "active",
	[SAM_CLIENT_SUSPENDED] = "suspended",
};

/*
 * Which client may call which op.  Every op of the permit table that acts
 * for a client is listed; ops named "signatory.*" or "credential.*" that
 * are not (a new enrolment op) are RA ops; any other op calling the check
 * is refused, so a forgotten entry fails closed.  The audit type is the one
 * the op itself uses for its refusals, so a refused client shows up where
 * the op's other refusals do.
 */
static const struct {
	const char *op;
	struct sam_client_policy p;
} sam_client_ops[] = {
	{ "signatory.create", { SAM_CLIENT_R_RA, 0, PP_AUDIT_ACCOUNT_CREATE } },
	{ "signatory.get", { SAM_CLIENT_R_RA, 0, PP_AUDIT_ACCOUNT_UPDATE } },
	{ "signatory.update", { SAM_CLIENT_R_RA, 0, PP_AUDIT_ACCOUNT_UPDATE } },
	{ "signatory.delete", { SAM_CLIENT_R_RA, 0, PP_AUDIT_ACCOUNT_DELETE } },
	{ "credential.create", { SAM_CLIENT_R_RA, 0, PP_AUDIT_KEY_GENERATE } },
	{ "credential.revoke", { SAM_CLIENT_R_RA, 0, PP_AUDIT_KEY_DESTROY } },
	/* CSC credentials/info and the RA's GET /ra/v1/credentials/{id}. */
	{ "credential.info", { SAM_CLIENT_R_SCA | SAM_CLIENT_R_RA, 0, PP_AUDIT_CREDENTIAL_CHANGE } },
	{ "credential.list", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_CREDENTIAL_CHANGE } },
	{ "sign", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_SAD_REFUSE } },
	/* Made for an SCA's signature request by the signer pages, which do
	 * not hold the SCA's certificate: the SCA must be registered and
	 * active, its fingerprint is checked only when given. */
	{ "otp.send", { SAM_CLIENT_R_SCA, 1, PP_AUDIT_SIGNATORY_AUTH } },
	{ "sad.issue", { SAM_CLIENT_R_SCA, 1, PP_AUDIT_SAD_REFUSE } },
	/* Authorisation requests (sam_authz.c) the SCA plugin makes: PAR and
	 * credentials/authorize, oauth2/token, credentials/authorizeCheck. */
	{ "authz.create", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_SAD_REFUSE } },
	{ "authz.redeem", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_SAD_REFUSE } },
	{ "authz.check", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_SAD_REFUSE } },
	/* Ephemeral sessions (KEY-4): the documents, the end. */
	{ "authz.documents", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_SAD_REFUSE } },
	{ "authz.close", { SAM_CLIENT_R_SCA, 0, PP_AUDIT_SAD_REFUSE } },
	/* The algorithms in force, for CSC info and credentials/list: any
	 * registered client (a read refused like credential.list's). */
	{ "algorithms", { SAM_CLIENT_R_SCA | SAM_CLIENT_R_RA, 0, PP_AUDIT_CREDENTIAL_CHANGE } },
	/* The notices of algorithms withdrawn by staff (SEC-6, sam_staff.c,
	 * GET /csc/v2/notices): any registered client. */
	{ "algo.notices", { SAM_CLIENT_R_SCA | SAM_CLIENT_R_RA, 0, PP_AUDIT_CREDENTIAL_CHANGE } },
};

/* Ops of the signer pages (sam_authz.c), which hold no client certificate:
 * sam_client_check lets them through and they check the SCA recorded in
 * the authorisation request themselves. */
static const char *const sam_client_signer_ops[] = {
	"authz.get", "authz.otp_send", "authz.otp_verify", "authz.login", "authz.approve", "authz.cancel",
};

/* The registry of this SAM: loaded by sam_client_init before the first
 * request; afterwards changed only by the op loop, between requests
 * (staff.client.put / remove: sam_client_put, sam_client_remove), so an
 * entry a request found stays put until that request is answered. */
static struct sam_clients *sam_client_reg;

const char *
sam_client_role_name(enum sam_client_role r)
{
	return (unsigned)r < SAM_CLIENT_ROLE__MAX ? sam_client_roles[r] : "?";
}

static int
sam_client_role_of(const char *name, enum sam_client_role *r)
{
	for (int i = 0; name != NULL && i < SAM_CLIENT_ROLE__MAX; i++)
		if (strcmp(name, sam_client_roles[i]) == 0) {
			*r = (enum sam_client_role)i;
			return 1;
		}
	return 0;
}

enum pp_err
sam_client_policy(const char *op, struct sam_client_policy *p)
{
	for (size_t i = 0; op != NULL && i < SAM_N(sam_client_ops); i++)
		if (strcmp(op, sam_client_ops[i].op) == 0) {
			*p = sam_client_ops[i].p;
			return PP_OK;
		}
	if (op != NULL && strncmp(op, "signatory.", 10) == 0) {
		*p = (struct sam_client_policy){ SAM_CLIENT_R_RA, 0, PP_AUDIT_ACCOUNT_UPDATE };
		return PP_OK;
	}
	if (op != NULL && strncmp(op, "credential.", 11) == 0) {
		*p = (struct sam_client_policy){ SAM_CLIENT_R_RA, 0, PP_AUDIT_CREDENTIAL_CHANGE };
		return PP_OK;
	}
	return PP_ERR_NOT_FOUND;
}

/* ------------------------------------------------------------------ registry */

void
sam_clients_free(struct sam_clients *reg)
{
	if (reg == NULL)
		return;
	pp_free(reg->c);
	pp_free(reg);
}

static int
sam_client_id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return i >= 1 && i <= SAM_CLIENT_ID_MAX;
}

/* 64 hex digits, either case; OUT out lower-case. */
static int
sam_client_sha256_norm(const char *s, char out[65])
{
	size_t i;

	for (i = 0; s[i] && i < 64; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			out[i] = s[i];
		else if (s[i] >= 'a' && s[i] <= 'f')
			out[i] = s[i];
		else if (s[i] >= 'A' && s[i] <= 'F')
			out[i] = (char)(s[i] - 'A' + 'a');
		else
			return 0;
	}
	out[i] = '\0';
	return i == 64 && s[i] == '\0';
}

/* A string member of e; NULL when absent, or when not a string (*bad = 1). */
static const char *
sam_client_str(json_object *e, const char *key, int *bad)
{
	json_object *v;

	if (!json_object_object_get_ex(e, key, &v))
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*bad = 1;
		return NULL;
	}
	return json_object_get_string(v);
}

/* Says why a registry is refused (why: cap bytes); PP_ERR_CONFIG. */
static enum pp_err sam_client_why(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum pp_err
sam_client_why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return PP_ERR_CONFIG;
}

/* An allowed_algos entry: a key type name ([a-z0-9-]) or a dotted OID. */
static int
sam_client_algo_name_ok(const char *s)
{
	size_t len = strnlen(s, SAM_CLIENT_ALGO_MAX + 1), i, digits = 0, dots = 0;
	int oid = s[0] >= '0' && s[0] <= '9';

	if (len == 0 || len > SAM_CLIENT_ALGO_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (oid && s[i] == '.' && i > 0 && s[i - 1] != '.')
			dots++;
		else if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (oid || !((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			return 0;
	}
	return oid ? dots >= 1 && s[len - 1] != '.' : len <= 16;
}

/* Entry i of the registry into c. */
static enum pp_err
sam_client_entry(json_object *e, size_t i, struct sam_client *c, char *why, size_t cap)
{
	static const char *const members[] = { "id", "name", "roles", "subject", "sha256", "status",
		"redirect_uris", "contact", "allowed_algos" };
	const char *id, *name, *subject, *sha, *status, *contact;
	json_object *roles;
	enum sam_client_role r;
	size_t k, n;
	int bad = 0;

	memset(c, 0, sizeof(*c));
	if (!json_object_is_type(e, json_type_object))
		return sam_client_why(why, cap, "clients[%zu]: not an object", i);
	json_object_object_foreach(e, key, val) {
		(void)val;
		for (k = 0; k < SAM_N(members); k++)
			if (strcmp(key, members[k]) == 0)
				break;
		if (k == SAM_N(members))
			return sam_client_why(why, cap, "clients[%zu]: unknown member \"%.32s\" (id, name, roles, subject,"
			    " sha256, status, redirect_uris, contact, allowed_algos)", i, key);
	}
	id = sam_client_str(e, "id", &bad);
	name = sam_client_str(e, "name", &bad);
	subject = sam_client_str(e, "subject", &bad);
	sha = sam_client_str(e, "sha256", &bad);
	status = sam_client_str(e, "status", &bad);
	contact = sam_client_str(e, "contact", &bad);
	if (bad)
		return sam_client_why(why, cap, "clients[%zu]: id, name, subject, sha256, status and contact are"
		    " strings", i);
	if (id == NULL || !sam_client_id_ok(id))
		return sam_client_why(why, cap, "clients[%zu]: id: 1 to %d characters A-Z a-z 0-9 . _ -", i,
		    SAM_CLIENT_ID_MAX);
	snprintf(c->id, sizeof(c->id), "%s", id);
	if (name == NULL || !sam_enrol_text_ok(name, SAM_CLIENT_NAME_MAX))
		return sam_client_why(why, cap, "client %s: name: 1 to %d bytes of UTF-8 without control characters",
		    c->id, SAM_CLIENT_NAME_MAX);
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (subject == NULL || !sam_enrol_sca_ok(subject))
		return sam_client_why(why, cap, "client %s: subject: the certificate's subject DN (RFC 2253), 1 to %d"
		    " bytes of UTF-8 without control characters", c->id, SAM_CLIENT_SUBJECT_MAX);
	snprintf(c->subject, sizeof(c->subject), "%s", subject);
	if (sha != NULL && !sam_client_sha256_norm(sha, c->sha256))
		return sam_client_why(why, cap, "client %s: sha256: 64 hex digits (SHA-256 of the certificate's DER)",
		    c->id);
	if (status == NULL)
		return sam_client_why(why, cap, "client %s: status: \"active\" or \"suspended\"", c->id);
	for (k = 0; k < SAM_CLIENT_STATUS__MAX; k++)
		if (strcmp(status, sam_client_statuses[k]) == 0)
			break;
	if (k == SAM_CLIENT_STATUS__MAX)
		return sam_client_why(why, cap, "client %s: status: \"active\" or \"suspended\"", c->id);
	c->status = (enum sam_client_status)k;
	if (!json_object_object_get_ex(e, "roles", &roles) || !json_object_is_type(roles, json_type_array) ||
	    (n = json_object_array_length(roles)) == 0 || n > SAM_CLIENT_ROLE__MAX)
		return sam_client_why(why, cap, "client %s: roles: a non-empty array of \"sca\", \"ra\"", c->id);
	for (k = 0; k < n; k++) {
		json_object *v = json_object_array_get_idx(roles, k);

		if (!json_object_is_type(v, json_type_string) || !sam_client_role_of(json_object_get_string(v), &r))
			return sam_client_why(why, cap, "client %s: roles: each one \"sca\" or \"ra\"", c->id);
		if (c->roles & (1u << r))
			return sam_client_why(why, cap, "client %s: roles: \"%s\" given twice", c->id, sam_client_role_name(r));
		c->roles |= 1u << r;
	}
	if (json_object_object_get_ex(e, "redirect_uris", &roles)) {
		if (!json_object_is_type(roles, json_type_array) || (n = json_object_array_length(roles)) == 0 ||
		    n > SAM_CLIENT_URIS_MAX || !(c->roles & SAM_CLIENT_R_SCA))
			return sam_client_why(why, cap, "client %s: redirect_uris: an array of 1 to %d URIs, for an sca"
			    " client", c->id, SAM_CLIENT_URIS_MAX);
		for (k = 0; k < n; k++) {
			json_object *v = json_object_array_get_idx(roles, k);
			if (!json_object_is_type(v, json_type_string) || !sam_client_redirect_uri_ok(json_object_get_string(v)))
				return sam_client_why(why, cap, "client %s: redirect_uris[%zu]: an absolute https URI (http only"
				    " for 127.0.0.1, localhost or [::1]) without fragment, at most %d bytes of printable ASCII",
				    c->id, k, SAM_CLIENT_URI_MAX);
			snprintf(c->redirect_uris[k], sizeof(c->redirect_uris[k]), "%s", json_object_get_string(v));
		}
		c->nredirect = n;
	}
	if (contact != NULL) {
		if (!sam_enrol_text_ok(contact, SAM_CLIENT_CONTACT_MAX))
			return sam_client_why(why, cap, "client %s: contact: 1 to %d bytes of UTF-8 without control"
			    " characters", c->id, SAM_CLIENT_CONTACT_MAX);
		snprintf(c->contact, sizeof(c->contact), "%s", contact);
	}
	if (json_object_object_get_ex(e, "allowed_algos", &roles)) {
		if (!json_object_is_type(roles, json_type_array) || (n = json_object_array_length(roles)) > SAM_CLIENT_ALGOS_MAX)
			return sam_client_why(why, cap, "client %s: allowed_algos: an array of at most %d key types or"
			    " signature algorithm OIDs", c->id, SAM_CLIENT_ALGOS_MAX);
		for (k = 0; k < n; k++) {
			json_object *v = json_object_array_get_idx(roles, k);
			if (!json_object_is_type(v, json_type_string) || !sam_client_algo_name_ok(json_object_get_string(v)))
				return sam_client_why(why, cap, "client %s: allowed_algos[%zu]: a key type (ec-p256, rsa3072...)"
				    " or a signature algorithm OID (1.2.840.10045.4.3.2...)", c->id, k);
			snprintf(c->algos[k], sizeof(c->algos[k]), "%s", json_object_get_string(v));
		}
		c->nalgos = n;
	}
	return PP_OK;
}

enum pp_err
sam_client_entry_parse(json_object *e, struct sam_client *c, char *why, size_t cap)
{
	why[0] = '\0';
	return sam_client_entry(e, 0, c, why, cap);
}

int
sam_client_algo_ok(const struct sam_client *c, const char *key_type, const char *sign_algo)
{
	if (c == NULL || c->nalgos == 0)
		return 1;
	for (size_t i = 0; i < c->nalgos; i++)
		if ((key_type && strcmp(c->algos[i], key_type) == 0) || (sign_algo && strcmp(c->algos[i], sign_algo) == 0))
			return 1;
	return 0;
}

static enum pp_err
sam_client_strs(json_object *o, const char *key, const char (*v)[SAM_CLIENT_URI_MAX + 1], size_t n)
{
	json_object *a = json_object_new_array();

	if (a == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(o, key, a);
	for (size_t i = 0; i < n; i++)
		if (json_object_array_add(a, json_object_new_string(v[i])) != 0)
			return PP_ERR_NOMEM;
	return PP_OK;
}

enum pp_err
sam_client_json(const struct sam_client *c, json_object *arr)
{
	json_object *o = json_object_new_object(), *a;

	if (o == NULL)
		return PP_ERR_NOMEM;
	if (json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(o, "id", c->id) != PP_OK || pp_json_add_str(o, "name", c->name) != PP_OK ||
	    (a = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(o, "roles", a);
	for (int r = 0; r < SAM_CLIENT_ROLE__MAX; r++)
		if ((c->roles & (1u << r)) && json_object_array_add(a, json_object_new_string(sam_client_roles[r])) != 0)
			return PP_ERR_NOMEM;
	if (pp_json_add_str(o, "subject", c->subject) != PP_OK ||
	    (c->sha256[0] && pp_json_add_str(o, "sha256", c->sha256) != PP_OK) ||
	    pp_json_add_str(o, "status", sam_client_statuses[c->status]) != PP_OK ||
	    (c->nredirect && sam_client_strs(o, "redirect_uris", c->redirect_uris, c->nredirect) != PP_OK) ||
	    (c->contact[0] && pp_json_add_str(o, "contact", c->contact) != PP_OK) ||
	    pp_json_add_str(o, "source", c->source == SAM_CLIENT_CONSOLE ? "console" : "file") != PP_OK)
		return PP_ERR_NOMEM;
	if ((a = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(o, "allowed_algos", a);
	for (size_t i = 0; i < c->nalgos; i++)
		if (json_object_array_add(a, json_object_new_string(c->algos[i])) != 0)
			return PP_ERR_NOMEM;
	return PP_OK;
}

void
sam_client_conflict(const struct sam_clients *reg, const struct sam_client *c, const char **why)
{
	*why = NULL;
	for (size_t i = 0; reg != NULL && i < reg->n && *why == NULL; i++) {
		const struct sam_client *o = &reg->c[i];
		int same = strcmp(o->id, c->id) == 0;
		if (o->source == SAM_CLIENT_FILE) {
			if (same)
				*why = "client.id: the id of a registry file entry (sam.clients_file): the file's entries"
				    " are changed in the file";
			else if (strcmp(o->subject, c->subject) == 0)
				*why = "client.subject: already the subject of a registry file entry";
			else if (c->sha256[0] && strcmp(o->sha256, c->sha256) == 0)
				*why = "client.sha256: already the fingerprint of a registry file entry";
		} else if (!same) {
			if (strcmp(o->subject, c->subject) == 0)
				*why = "client.subject: already the subject of another console entry";
			else if (c->sha256[0] && strcmp(o->sha256, c->sha256) == 0)
				*why = "client.sha256: already the fingerprint of another console entry";
		}
	}
}

enum pp_err
sam_client_put(const struct sam_client *c, int *replaced, const char **why)
{
	struct sam_clients *reg = sam_client_reg;
	struct sam_client *grown;

	*replaced = 0;
	if (reg == NULL)
		return PP_ERR_INTERNAL;
	sam_client_conflict(reg, c, why);
	if (*why != NULL)
		return PP_OK;
	for (size_t i = 0; i < reg->n; i++)
		if (reg->c[i].source == SAM_CLIENT_CONSOLE && strcmp(reg->c[i].id, c->id) == 0) {
			reg->c[i] = *c;
			reg->c[i].source = SAM_CLIENT_CONSOLE;
			*replaced = 1;
			return PP_OK;
		}
	if (reg->n >= SAM_CLIENT_MAX) {
		*why = "the registry is full (256 clients)";
		return PP_OK;
	}
	if ((grown = pp_realloc(reg->c, (reg->n + 1) * sizeof(*reg->c))) == NULL)
		return PP_ERR_NOMEM;
	reg->c = grown;
	reg->c[reg->n] = *c;
	reg->c[reg->n].source = SAM_CLIENT_CONSOLE;
	reg->n++;
	return PP_OK;
}

enum pp_err
sam_client_remove(const char *id)
{
	struct sam_clients *reg = sam_client_reg;

	for (size_t i = 0; reg != NULL && i < reg->n; i++)
		if (reg->c[i].source == SAM_CLIENT_CONSOLE && strcmp(reg->c[i].id, id) == 0) {
			memmove(&reg->c[i], &reg->c[i + 1], (reg->n - i - 1) * sizeof(*reg->c));
			reg->n--;
			return PP_OK;
		}
	return PP_ERR_NOT_FOUND;
}

int
sam_client_redirect_uri_ok(const char *uri)
{
	static const char *const loopback[] = { "127.0.0.1", "localhost", "[::1]" };
	const char *host, *end;
	size_t len, i, hl;

	if (uri == NULL || (len = strlen(uri)) == 0 || len > SAM_CLIENT_URI_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (uri[i] < 0x21 || uri[i] > 0x7e || uri[i] == '#')
			return 0;
	if (strncmp(uri, "https://", 8) == 0)
		host = uri + 8;
	else if (strncmp(uri, "http://", 7) == 0)
		host = uri + 7;
	else
		return 0;
	/* The authority ends at the path, query or end; no user info. */
	end = host + strcspn(host, "/?");
	if (end == host || memchr(host, '@', (size_t)(end - host)) != NULL)
		return 0;
	if (host == uri + 8)
		return 1;
	/* http: the host (before any port) must be a loopback one. */
	hl = host[0] == '[' ? (size_t)(strchr(host, ']') ? strchr(host, ']') - host + 1 : 0)
	    : strcspn(host, ":/?");
	if (hl == 0 || host + hl > end || (host + hl < end && host[hl] != ':'))
		return 0;
	for (i = 0; i < SAM_N(loopback); i++)
		if (strlen(loopback[i]) == hl && strncmp(host, loopback[i], hl) == 0)
			return 1;
	return 0;
}

int
sam_client_redirect_ok(const struct sam_client *c, const char *uri)
{
	for (size_t i = 0; c != NULL && uri != NULL && i < c->nredirect; i++)
		if (strcmp(c->redirect_uris[i], uri) == 0)
			return 1;
	return 0;
}

enum pp_err
sam_clients_parse(const char *buf, size_t len, struct sam_clients **out, char *why, size_t cap)
{
	struct sam_clients *reg = NULL;
	json_object *root = NULL, *arr;
	size_t n, i, j;
	enum pp_err rc;

	*out = NULL;
	why[0] = '\0';
	/* Depth 4: root, array, entry, roles.  Members: 9 per entry plus the
	 * roles, redirect URIs and allowed algorithms, with room to name an
	 * unknown one. */
	if ((rc = pp_json_parse(buf, len, 4, (12 + SAM_CLIENT_URIS_MAX + SAM_CLIENT_ALGOS_MAX) * SAM_CLIENT_MAX + 2,
	    &root)) != PP_OK) {
		if (rc == PP_ERR_NOMEM)
			return rc;
		return sam_client_why(why, cap, "not one JSON object (UTF-8, no duplicate member, at most %d clients): %s",
		    SAM_CLIENT_MAX, pp_err_name(rc));
	}
	if (json_object_object_length(root) != 1 || !json_object_object_get_ex(root, "clients", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		rc = sam_client_why(why, cap, "the only member is \"clients\", an array");
		goto out;
	}
	if ((n = json_object_array_length(arr)) > SAM_CLIENT_MAX) {
		rc = sam_client_why(why, cap, "more than %d clients", SAM_CLIENT_MAX);
		goto out;
	}
	rc = PP_ERR_NOMEM;
	if ((reg = pp_malloc(sizeof(*reg))) == NULL)
		goto out;
	reg->n = 0;
	if ((reg->c = pp_calloc(n ? n : 1, sizeof(*reg->c))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct sam_client *c = &reg->c[i];

		if ((rc = sam_client_entry(json_object_array_get_idx(arr, i), i, c, why, cap)) != PP_OK)
			goto out;
		for (j = 0; j < i; j++) {
			if (strcmp(reg->c[j].id, c->id) == 0) {
				rc = sam_client_why(why, cap, "client %s: id given twice", c->id);
				goto out;
			}
			/* The subject is the ownership key of everything a client
			 * creates: two entries with one subject would share it. */
			if (strcmp(reg->c[j].subject, c->subject) == 0) {
				rc = sam_client_why(why, cap, "client %s: subject already registered for client %s", c->id,
				    reg->c[j].id);
				goto out;
			}
			if (c->sha256[0] && strcmp(reg->c[j].sha256, c->sha256) == 0) {
				rc = sam_client_why(why, cap, "client %s: sha256 already registered for client %s", c->id,
				    reg->c[j].id);
				goto out;
			}
		}
		reg->n++;
	}
	*out = reg;
	reg = NULL;
	rc = PP_OK;
out:
	sam_clients_free(reg);
	json_object_put(root);
	return rc;
}

enum pp_err
sam_clients_load(const char *path, int must_be_root, struct sam_clients **out, char *why, size_t cap)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t len = 0;
	enum pp_err rc;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return sam_client_why(why, cap, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = sam_client_why(why, cap, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		rc = sam_client_why(why, cap, "%s: writable by its group or others (chmod 0644)", path);
		goto out;
	}
	if (must_be_root && st.st_uid != 0) {
		rc = sam_client_why(why, cap, "%s: not owned by root (the service user may not change its clients)", path);
		goto out;
	}
	if (st.st_size > SAM_CLIENT_FILE_MAX) {
		rc = sam_client_why(why, cap, "%s: larger than %d bytes", path, SAM_CLIENT_FILE_MAX);
		goto out;
	}
	rc = PP_ERR_NOMEM;
	if ((buf = pp_malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (len < (size_t)st.st_size) {
		if ((r = read(fd, buf + len, (size_t)st.st_size - len)) < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = sam_client_why(why, cap, "%s: read failed", path);
			goto out;
		}
		len += (size_t)r;
	}
	rc = sam_clients_parse(buf, len, out, why, cap);
	if (rc == PP_ERR_CONFIG && why[0]) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s", why);
		snprintf(why, cap, "%s: %s", path, tmp);
	}
out:
	pp_free(buf);
	close(fd);
	return rc;
}

const struct sam_client *
sam_clients_find(const struct sam_clients *reg, const char *subject)
{
	for (size_t i = 0; reg != NULL && subject != NULL && i < reg->n; i++)
		if (strcmp(reg->c[i].subject, subject) == 0)
			return &reg->c[i];
	return NULL;
}

const struct sam_client *
sam_clients_find_id(const struct sam_clients *reg, const char *id)
{
	for (size_t i = 0; reg != NULL && id != NULL && i < reg->n; i++)
		if (strcmp(reg->c[i].id, id) == 0)
			return &reg->c[i];
	return NULL;
}

/* ------------------------------------------------------------------ the decision */

/* Static texts only: they reach the audit record and the SCA. */
static const char *const sam_client_not_for[SAM_CLIENT_ROLE__MAX] = {
	[SAM_CLIENT_SCA] = "the client is not registered for this: the CSC signature API needs the sca role",
	[SAM_CLIENT_RA] = "the client is not registered for this: the PKI/RA enrolment API needs the ra role",
};

enum pp_err
sam_client_decide(const struct sam_clients *reg, const struct sam_client_policy *p, const char *subject,
    const char *sha256, const char *role, const struct sam_client **client, const char **why)
{
	const struct sam_client *c;
	enum sam_client_role r;
	char fp[65];

	*client = NULL;
	if (subject == NULL || (c = sam_clients_find(reg, subject)) == NULL) {
		*why = "the client is not registered with this service";
		return PP_ERR_FORBIDDEN;
	}
	*client = c;
	if (c->status != SAM_CLIENT_ACTIVE) {
		*why = "the client's registration is suspended";
		return PP_ERR_FORBIDDEN;
	}
	if (sha256 != NULL) {
		/* Fingerprints are public: no constant-time need, but no cost. */
		if (!sam_client_sha256_norm(sha256, fp)) {
			*why = "client_sha256: 64 hex digits";
			return PP_ERR_FORBIDDEN;
		}
		if (c->sha256[0] && CRYPTO_memcmp(fp, c->sha256, 64) != 0) {
			*why = "the client certificate is not the one registered for this client";
			return PP_ERR_FORBIDDEN;
		}
	} else if (c->sha256[0] && !p->behalf) {
		*why = "the client certificate's fingerprint is missing: the client is registered with one";
		return PP_ERR_FORBIDDEN;
	}
	if (role != NULL) {
		if (!sam_client_role_of(role, &r)) {
			*why = "client_role: \"sca\" or \"ra\"";
			return PP_ERR_FORBIDDEN;
		}
		if (!(p->roles & (1u << r))) {
			*why = r == SAM_CLIENT_SCA ? "this operation is not part of the CSC signature API"
			    : "this operation is not part of the PKI/RA enrolment API";
			return PP_ERR_FORBIDDEN;
		}
		if (!(c->roles & (1u << r))) {
			*why = sam_client_not_for[r];
			return PP_ERR_FORBIDDEN;
		}
		return PP_OK;
	}
	if (!(c->roles & p->roles)) {
		*why = sam_client_not_for[(p->roles & SAM_CLIENT_R_SCA) ? SAM_CLIENT_SCA : SAM_CLIENT_RA];
		return PP_ERR_FORBIDDEN;
	}
	return PP_OK;
}

/* ------------------------------------------------------------------ in the SAM */

enum pp_err
sam_client_init(struct pp_daemon_ctx *ctx)
{
	const char *path = pp_conf_str(ctx->conf, "sam", "clients_file");
	const char *user = pp_conf_str(ctx->conf, "service", "user");
	char def[4096], why[768];
	enum pp_err rc;

	if (path == NULL || *path == '\0') {
		if ((size_t)snprintf(def, sizeof(def), "%s/etc/clients.json",
		    pp_conf_str(ctx->conf, "service", "state_dir")) >= sizeof(def))
			return PP_ERR_CONFIG;
		path = def;
	}
	sam_clients_free(sam_client_reg);
	sam_client_reg = NULL;
	/* Started as root (a service user to drop to): the registry is root's. */
	if ((rc = sam_clients_load(path, user != NULL && *user != '\0', &sam_client_reg, why,
	    sizeof(why))) != PP_OK) {
		if (rc == PP_ERR_CONFIG)
			pp_err_log("sam: client registry (sam.clients_file) refused: %s", why);
		return rc;
	}
	pp_info_log("sam: %zu registered client(s) from %s", sam_client_reg->n, path);
	return PP_OK;
}

const struct sam_clients *
sam_client_registry(void)
{
	return sam_client_reg;
}

void
sam_client_fini(struct pp_daemon_ctx *ctx)
{
	(void)ctx;
	sam_clients_free(sam_client_reg);
	sam_client_reg = NULL;
}

/* Takes member key out of req: OUT *val a copy (cap bytes), "" absent. */
static enum pp_err
sam_client_take(json_object *req, const char *key, char *val, size_t cap, int *present)
{
	json_object *v;
	const char *s;

	*present = 0;
	val[0] = '\0';
	if (!json_object_object_get_ex(req, key, &v))
		return PP_OK;
	if (!json_object_is_type(v, json_type_string))
		return PP_ERR_BAD_REQUEST;
	s = json_object_get_string(v);
	if (strlen(s) >= cap)
		return PP_ERR_BAD_REQUEST;
	snprintf(val, cap, "%s", s);
	*present = 1;
	json_object_object_del(req, key);
	return PP_OK;
}

enum pp_err
sam_client_check(struct pp_daemon_ctx *ctx, json_object *req, json_object *ans, int *refused)
{
	const char *op = pp_json_get_str(req, "op"), *sca = pp_json_get_str(req, "sca");
	const struct sam_client *c = NULL;
	const char *why = NULL;
	struct sam_client_policy p;
	struct pp_audit_event ev;
	char fp[65], norm[65], role[8];
	int has_fp, has_role;
	enum pp_err rc;

	*refused = 0;
	if (!json_object_is_type(req, json_type_object))
		return PP_ERR_BAD_REQUEST;
	/* The signer pages' ops: no client identity to check here (the op
	 * checks the client recorded in, or named for, the request); any
	 * client member they carry is refused by the op's own shape check. */
	for (size_t i = 0; op != NULL && i < SAM_N(sam_client_signer_ops); i++)
		if (strcmp(op, sam_client_signer_ops[i]) == 0)
			return PP_OK;
	if (op != NULL && strcmp(op, "authz.create") == 0 && sca == NULL &&
	    json_object_object_get_ex(req, "client_id", NULL))
		return PP_OK;
	if ((rc = sam_client_take(req, "client_sha256", fp, sizeof(fp), &has_fp)) != PP_OK ||
	    (rc = sam_client_take(req, "client_role", role, sizeof(role), &has_role)) != PP_OK)
		return rc;
	if (sam_client_policy(op, &p) != PP_OK) {
		pp_err_log("sam: op %s has no client policy: refused", op ? op : "?");
		p = (struct sam_client_policy){ 0, 0, PP_AUDIT_CREDENTIAL_CHANGE };
		why = "this operation is not open to clients";
	} else if (sam_client_decide(sam_client_reg, &p, sca, has_fp ? fp : NULL, has_role ? role : NULL, &c,
	    &why) == PP_OK)
		return PP_OK;

	memset(&ev, 0, sizeof(ev));
	ev.type = p.audit;
	ev.outcome = PP_AUDIT_FAILURE;
	ev.actor_kind = PP_AUDIT_ACTOR_SCA;
	ev.actor_id = sam_enrol_sca_ok(sca) ? sca : "unknown";
	ev.requester = ev.actor_id;
	ev.cause = why;
	rc = PP_ERR_NOMEM;
	if ((ev.details = json_object_new_object()) == NULL ||
	    pp_json_add_str(ev.details, "error", "access_denied") != PP_OK ||
	    (op != NULL && pp_json_add_str(ev.details, "op", op) != PP_OK) ||
	    (c != NULL && pp_json_add_str(ev.details, "client", c->id) != PP_OK) ||
	    (has_fp && sam_client_sha256_norm(fp, norm) &&
	    pp_json_add_str(ev.details, "client_sha256", norm) != PP_OK) ||
	    (has_role && sam_client_role_of(role, &(enum sam_client_role){ 0 }) &&
	    pp_json_add_str(ev.details, "client_role", role) != PP_OK))
		goto out;
	if ((rc = pp_audit_emit(ctx->conf, &ev, NULL)) != PP_OK) {
		pp_err_log("sam: the audit record of a refused client was not acknowledged");
		goto out;
	}
	if ((rc = pp_json_add_str(ans, "error", "access_denied")) != PP_OK ||
	    (rc = pp_json_add_str(ans, "error_description", why)) != PP_OK)
		goto out;
	*refused = 1;
out:
	json_object_put(ev.details);
	return rc;
}
