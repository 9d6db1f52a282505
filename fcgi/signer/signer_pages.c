/*
 * signer_pages: the routes of the public listener (docs/AUTHZ.md).
 *
 * The SAM holds the authorisation request; these handlers only show it and
 * relay the signatory's actions (authz.create/get/otp_send/otp_verify/
 * approve/cancel).  Every /sign/{authz} page needs the browser session bound
 * to that request; every POST form carries the session's CSRF token.
 */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pp_audit.h"
#include "pp_core.h"
#include "pp_http.h"
#include "signer.h"
#include "signer_oidc.h"
#include "signer_sam.h"
#include "signer_session.h"

#define SIGNER_REQUEST_URI_PREFIX "urn:ietf:params:oauth:request_uri:"
#define SIGNER_MAX_DOCS 1000

/* ------------------------------------------------------------------ helpers */

static enum pp_err
signer_set(struct pp_req *req, const char *name, const char *value)
{
	HDF *hdf = pp_req_hdf(req);

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	return pp_hdf_set(hdf, name, value ? value : "");
}

static enum pp_err
signer_setf(struct pp_req *req, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum pp_err
signer_setf(struct pp_req *req, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return signer_set(req, name, buf);
}

/* A language string of the page (L.<key>), "" when missing. */
static const char *
signer_text(struct pp_req *req, const char *key)
{
	HDF *hdf = pp_req_hdf(req);
	char name[128];

	snprintf(name, sizeof(name), "L.%s", key);
	return hdf ? hdf_get_value(hdf, name, "") : "";
}

static enum pp_err
signer_other_lang(struct pp_req *req, const char *base)
{
	enum pp_err rc = signer_set(req, "Page.other_lang", strcmp(req->lang, "en") == 0 ? "fr" : "en");

	return rc != PP_OK || base == NULL ? rc : signer_set(req, "Page.lang_base", base);
}

enum pp_err
signer_error_page(struct pp_req *req, int status, const char *key)
{
	char k[64];
	enum pp_err rc;

	snprintf(k, sizeof(k), "signer.err.%s", key);
	if ((rc = signer_setf(req, "Err.status", "%d", status)) != PP_OK ||
	    (rc = signer_set(req, "Err.class", status >= 500 ? "server" : "client")) != PP_OK ||
	    (rc = signer_set(req, "Err.msg", signer_text(req, k))) != PP_OK ||
	    (rc = signer_set(req, "Err.key", key)) != PP_OK)
		return rc;
	/* What the SCA's request got wrong, for whoever debugs it (in
	 * English, from fixed words and checked names). */
	if ((strcmp(key, "bad_request") == 0 || strcmp(key, "bad_client") == 0) && req->detail &&
	    (rc = signer_set(req, "Err.detail", req->detail)) != PP_OK)
		return rc;
	return pp_reply_html(req, status, "error.cs");
}

static int
signer_is_authz_id(const char *s)
{
	if (s == NULL || strlen(s) != SIGNER_ID_HEX)
		return 0;
	for (size_t i = 0; i < SIGNER_ID_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static const char *
signer_path(struct pp_req *req, const char *authz, const char *tail)
{
	return pp_pool_printf(req->pool, "/sign/%s%s", authz, tail);
}

static enum pp_err
signer_see_other(struct pp_req *req, const char *url)
{
	return url ? pp_reply_redirect(req, 303, url) : PP_ERR_NOMEM;
}

/* "2026-11-21 12:34 UTC" */
static void
signer_time(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(out, cap, "-");
	else
		strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm);
}

/* The first 4 bytes of a base64 digest as "3F2A 9C01". */
static void
signer_fingerprint(const char *b64, char *out, size_t cap)
{
	unsigned char d[64];
	size_t n = 0;
	char hex[17];

	if (b64 == NULL || pp_b64_decode(b64, strlen(b64), d, sizeof(d), &n) != PP_OK || n < 4) {
		snprintf(out, cap, "?");
		return;
	}
	pp_hex(d, 4, hex);
	for (char *p = hex; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(out, cap, "%.4s %.4s", hex, hex + 4);
}

static const char *
signer_jstr(json_object *o, const char *key)
{
	const char *s = pp_json_get_str(o, key);

	return s ? s : "";
}

static int64_t
signer_jint(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static int
signer_has_method(json_object *authz, const char *m)
{
	json_object *a, *v;

	if (!json_object_object_get_ex(authz, "methods", &a) || !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if ((v = json_object_array_get_idx(a, i)) != NULL && json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), m) == 0)
			return 1;
	return 0;
}

/* The documents of an answer (authz.get or authz.approve) as Doc.N. */
static enum pp_err
signer_fill_docs(struct pp_req *req, json_object *docs)
{
	enum pp_err rc = PP_OK;
	size_t n;

	if (docs == NULL || !json_object_is_type(docs, json_type_array))
		return PP_OK;
	n = json_object_array_length(docs);
	for (size_t i = 0; i < n && rc == PP_OK; i++) {
		json_object *d = json_object_array_get_idx(docs, i);
		char name[32], fp[16];
		const char *hash = json_object_is_type(d, json_type_string) ? json_object_get_string(d) :
		    pp_json_get_str(d, "hash");
		signer_fingerprint(hash, fp, sizeof(fp));
		snprintf(name, sizeof(name), "Doc.%zu.fp", i);
		if ((rc = signer_set(req, name, fp)) != PP_OK)
			break;
		snprintf(name, sizeof(name), "Doc.%zu.label", i);
		rc = signer_set(req, name, json_object_is_type(d, json_type_object) ? signer_jstr(d, "label") : "");
		snprintf(name, sizeof(name), "Doc.%zu.n", i);
		if (rc == PP_OK)
			rc = signer_setf(req, name, "%zu", i + 1);
	}
	return rc;
}

/* Req.*, Cred.*, Doc.* from an authz.get answer's "authz". */
static enum pp_err
signer_fill(struct pp_req *req, json_object *a)
{
	json_object *cred = NULL, *docs = NULL, *v;
	char t[64];
	enum pp_err rc;
	int64_t n = signer_jint(a, "num_signatures");

	json_object_object_get_ex(a, "credential", &cred);
	json_object_object_get_ex(a, "documents", &docs);
	signer_time(signer_jint(a, "expires_ms"), t, sizeof(t));
	if ((rc = signer_set(req, "Req.id", signer_jstr(a, "id"))) != PP_OK ||
	    (rc = signer_set(req, "Req.sca", signer_jstr(a, "sca_name"))) != PP_OK ||
	    (rc = signer_set(req, "Req.description", signer_jstr(a, "description"))) != PP_OK ||
	    (rc = signer_setf(req, "Req.num", "%lld", (long long)n)) != PP_OK ||
	    (rc = signer_set(req, "Req.expires", t)) != PP_OK ||
	    (rc = signer_set(req, "Req.mode", signer_jstr(a, "mode"))) != PP_OK ||
	    (rc = signer_set(req, "Req.mobile_hint", signer_jstr(a, "mobile_hint"))) != PP_OK ||
	    (rc = signer_set(req, "Req.notary", signer_jstr(a, "notary"))) != PP_OK)
		return rc;
	if (cred && json_object_is_type(cred, json_type_object)) {
		/* Seconds since the epoch, as the SAM's credentials give it. */
		if (json_object_object_get_ex(cred, "not_after", &v) && json_object_is_type(v, json_type_int))
			signer_time(json_object_get_int64(v) * 1000, t, sizeof(t));
		else
			snprintf(t, sizeof(t), "%s", signer_jstr(cred, "not_after"));
		if ((rc = signer_set(req, "Cred.holder", signer_jstr(cred, "subject_cn"))) != PP_OK ||
		    (rc = signer_set(req, "Cred.issuer", signer_jstr(cred, "issuer_cn"))) != PP_OK ||
		    (rc = signer_set(req, "Cred.serial", signer_jstr(cred, "serial"))) != PP_OK ||
		    (rc = signer_set(req, "Cred.not_after", t)) != PP_OK ||
		    (rc = signer_set(req, "Cred.key_type", signer_jstr(cred, "key_type"))) != PP_OK)
			return rc;
	}
	return signer_fill_docs(req, docs);
}

/* authz.get: PP_OK with *authz, or an error page already set (*authz
 * NULL) when the SAM does not know the request (any more). */
static enum pp_err
signer_authz_get(struct pp_req *req, const char *id, const char *client_id, int64_t fresh_after,
    json_object **authz)
{
	json_object *args, *ans, *a;
	const char *refusal, *desc;
	int64_t asked = pp_now_ms();
	enum pp_err rc;

	*authz = NULL;
	/* A page of a browser session: this worker's copy when still good
	 * (signer_sam.h); fresh_after < 0 asks the SAM. */
	if (fresh_after >= 0 && client_id == NULL) {
		if ((rc = signer_authz_copy(req, id, fresh_after, authz)) != PP_OK || *authz != NULL)
			return rc;
	}
	args = json_object_new_object();
	if (args == NULL || pp_json_add_str(args, "authz", id) != PP_OK ||
	    (client_id && pp_json_add_str(args, "client_id", client_id) != PP_OK)) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = signer_sam_call(req, "authz.get", args, SIGNER_SAM_TIMEOUT_MS, &ans, &refusal, &desc)) != PP_OK)
		return rc;
	if (refusal)
		return signer_error_page(req, 404, "unknown");
	if (!json_object_object_get_ex(ans, "authz", &a) || !json_object_is_type(a, json_type_object))
		return pp_fail(req, PP_ERR_PROTO, "authz.get: no request in the answer");
	if (fresh_after >= 0 && client_id == NULL)
		signer_authz_keep(id, a, asked);
	*authz = a;
	return PP_OK;
}

/* The language of a session page: ?lang= switches it (and is kept), else
 * the session's. */
static enum pp_err
signer_session_lang(struct pp_req *req, struct signer_session *s)
{
	const char *given = pp_req_value(req, "lang");

	if (given != NULL && strcmp(given, s->lang) != 0) {
		snprintf(s->lang, sizeof(s->lang), "%s", strcmp(given, "fr") == 0 ? "fr" : "en");
		return signer_session_save(req, s);
	}
	req->lang = strcmp(s->lang, "fr") == 0 ? "fr" : "en";
	return PP_OK;
}

/*
 * The common start of every /sign/{authz} route: the id, the session bound
 * to it (a request opened through a link, credentials/authorize or an
 * ephemeral session, binds the first browser that opens it), its language,
 * the request from the SAM, the page data.  PP_OK with *authz NULL: an
 * error page is set.
 */
static enum pp_err
signer_begin(struct pp_req *req, int may_bind, struct signer_session *s, json_object **authz)
{
	const char *id = req->param.s;
	enum pp_err rc;

	*authz = NULL;
	if (!signer_is_authz_id(id))
		return signer_error_page(req, 404, "unknown");
	rc = signer_session_load(req, id, s);
	if (rc == PP_ERR_FORBIDDEN)
		return signer_error_page(req, 403, "other_request");
	if (rc == PP_ERR_NOT_FOUND) {
		json_object *a;
		if (!may_bind)
			return signer_error_page(req, 403, "no_session");
		if ((rc = signer_authz_get(req, id, NULL, -1, &a)) != PP_OK || a == NULL)
			return rc;
		/* Opened through a link the SCA gave (credentials/authorize, an
		 * ephemeral session): the first browser, while NEW. */
		if ((strcmp(signer_jstr(a, "mode"), "link") != 0 && strcmp(signer_jstr(a, "mode"), "ephemeral") != 0) ||
		    strcmp(signer_jstr(a, "status"), "NEW") != 0)
			return signer_error_page(req, 403, "no_session");
		rc = signer_session_create(req, id, req->lang, s);
		if (rc == PP_ERR_CONFLICT)
			return signer_error_page(req, 403, "no_session");
		if (rc != PP_OK)
			return rc;
	} else if (rc != PP_OK)
		return rc;
	if ((rc = signer_session_lang(req, s)) != PP_OK)
		return rc;
	if ((rc = signer_authz_get(req, id, NULL, s->changed_ms, authz)) != PP_OK || *authz == NULL)
		return rc;
	if ((rc = signer_fill(req, *authz)) != PP_OK ||
	    (rc = signer_set(req, "Sess.csrf", s->csrf)) != PP_OK)
		return rc;
	return PP_OK;
}

/* The page of a request in its state ("" the request's page, "/approve",
 * "/done"), or NULL when it is over (cancelled, expired). */
static const char *
signer_step(json_object *authz)
{
	const char *st = signer_jstr(authz, "status");

	if (strcmp(st, "NEW") == 0)
		return "";
	if (strcmp(st, "AUTHENTICATED") == 0)
		return "/approve";
	if (strcmp(st, "APPROVED") == 0 || strcmp(st, "REDEEMED") == 0)
		return "/done";
	return NULL;
}

/* Where a request in this state belongs, as a marker for signer_elsewhere;
 * NULL when it is on the page the route serves (want). */
static const char *
signer_route_for(struct pp_req *req, json_object *authz, const char *want)
{
	const char *at = signer_step(authz);

	if (at != NULL && strcmp(at, want) == 0)
		return NULL;
	return at == NULL ? "" : signer_path(req, signer_jstr(authz, "id"), at);
}

/* A request that is over (a 410 page) or in another step (303 there). */
static enum pp_err
signer_elsewhere(struct pp_req *req, json_object *authz, const char *url)
{
	if (signer_step(authz) == NULL)
		return signer_error_page(req, 410,
		    strcmp(signer_jstr(authz, "status"), "CANCELLED") == 0 ? "cancelled" : "expired");
	return signer_see_other(req, url);
}

/* ------------------------------------------------------------------ authorize */

/* A CSC hash (base64url or base64; '+' may arrive as ' ') as base64. */
static char *
signer_b64(struct pp_req *req, const char *s, size_t len)
{
	char *out = pp_pool_alloc(req->pool, len + 4);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		out[o++] = c == '-' ? '+' : c == '_' ? '/' : c == ' ' ? '+' : c;
	}
	while (o % 4 != 0 && !memchr(out, '=', o))
		out[o++] = '=';
	out[o] = '\0';
	return out;
}

/* documents from the comma-separated hashes; NULL *err on success. */
static enum pp_err
signer_docs_from_hashes(struct pp_req *req, const char *hashes, json_object *docs, const char **err)
{
	const char *p = hashes;

	while (*p) {
		const char *c = strchr(p, ','), *e = c ? c : p + strlen(p);
		json_object *d;
		char *h;
		if (e == p) {
			*err = "hashes has an empty item.";
			return PP_OK;
		}
		if (json_object_array_length(docs) >= SIGNER_MAX_DOCS) {
			*err = "hashes has too many items.";
			return PP_OK;
		}
		if ((h = signer_b64(req, p, (size_t)(e - p))) == NULL || (d = json_object_new_object()) == NULL)
			return PP_ERR_NOMEM;
		if (json_object_array_add(docs, d) != 0) {
			json_object_put(d);
			return PP_ERR_NOMEM;
		}
		if (pp_json_add_str(d, "hash", h) != PP_OK)
			return PP_ERR_NOMEM;
		p = c ? c + 1 : e;
		if (c && *p == '\0') {
			*err = "hashes has an empty item.";
			return PP_OK;
		}
	}
	if (json_object_array_length(docs) == 0)
		*err = "hashes is empty.";
	return PP_OK;
}

/* RAR authorization_details (RFC 9396) of type "credential": one entry,
 * its credentialID, hashAlgorithmOID and documentDigests [{hash, label}]. */
static enum pp_err
signer_docs_from_rar(struct pp_req *req, const char *rar, json_object *args, json_object *docs,
    const char **err)
{
	json_object *j = json_tokener_parse(rar), *e, *dd;
	enum pp_err rc = PP_OK;
	const char *s;

	(void)req;
	if (j == NULL || !json_object_is_type(j, json_type_array) || json_object_array_length(j) != 1 ||
	    !json_object_is_type(e = json_object_array_get_idx(j, 0), json_type_object) ||
	    (s = pp_json_get_str(e, "type")) == NULL || strcmp(s, "credential") != 0) {
		*err = "authorization_details must be one object of type credential.";
		goto out;
	}
	if ((s = pp_json_get_str(e, "credentialID")) != NULL && pp_json_add_str(args, "credential", s) != PP_OK)
		goto nomem;
	if ((s = pp_json_get_str(e, "hashAlgorithmOID")) != NULL && pp_json_add_str(args, "hash_algo", s) != PP_OK)
		goto nomem;
	if (!json_object_object_get_ex(e, "documentDigests", &dd) || !json_object_is_type(dd, json_type_array) ||
	    json_object_array_length(dd) == 0 || json_object_array_length(dd) > SIGNER_MAX_DOCS) {
		*err = "authorization_details needs documentDigests (1 to 1000).";
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(dd); i++) {
		json_object *src = json_object_array_get_idx(dd, i), *d;
		const char *h = json_object_is_type(src, json_type_object) ? pp_json_get_str(src, "hash") : NULL;
		const char *label = h ? pp_json_get_str(src, "label") : NULL;
		char *b;
		if (h == NULL) {
			*err = "each of documentDigests needs a hash.";
			goto out;
		}
		if ((b = signer_b64(req, h, strlen(h))) == NULL || (d = json_object_new_object()) == NULL)
			goto nomem;
		if (json_object_array_add(docs, d) != 0) {
			json_object_put(d);
			goto nomem;
		}
		if (pp_json_add_str(d, "hash", b) != PP_OK || (label && pp_json_add_str(d, "label", label) != PP_OK))
			goto nomem;
	}
	goto out;
nomem:
	rc = PP_ERR_NOMEM;
out:
	json_object_put(j);
	return rc;
}

/* Back to the SCA with an OAuth error (RFC 6749 4.1.2.1): only once the SAM
 * said the client and its redirect URI are registered. */
static enum pp_err
signer_back_with_error(struct pp_req *req, const char *redirect_uri, const char *error,
    const char *desc, const char *state)
{
	char *url = pp_url_add_param(req->pool, redirect_uri, "error", error);

	if (url && desc && *desc)
		url = pp_url_add_param(req->pool, url, "error_description", desc);
	if (url && state && *state)
		url = pp_url_add_param(req->pool, url, "state", state);
	return signer_see_other(req, url);
}

static enum pp_err
signer_start_session(struct pp_req *req, const char *authz)
{
	struct signer_session s;
	enum pp_err rc = signer_session_create(req, authz, req->lang, &s);

	if (rc == PP_ERR_CONFLICT)
		return signer_error_page(req, 403, "no_session");
	if (rc != PP_OK)
		return rc;
	return signer_see_other(req, signer_path(req, authz, ""));
}

/* PAR: client_id + request_uri=urn:ietf:params:oauth:request_uri:<authz>. */
static enum pp_err
signer_authorize_par(struct pp_req *req, const char *client_id, const char *request_uri)
{
	size_t pl = sizeof(SIGNER_REQUEST_URI_PREFIX) - 1;
	const char *id;
	json_object *a;
	enum pp_err rc;

	if (client_id == NULL || strncmp(request_uri, SIGNER_REQUEST_URI_PREFIX, pl) != 0 ||
	    !signer_is_authz_id(id = request_uri + pl))
		return signer_error_page(req, 400, "bad_client");
	if ((rc = signer_authz_get(req, id, client_id, -1, &a)) != PP_OK || a == NULL)
		return rc;
	if (strcmp(signer_jstr(a, "mode"), "par") != 0 || strcmp(signer_jstr(a, "client_id"), client_id) != 0)
		return signer_error_page(req, 400, "bad_client");
	if (strcmp(signer_jstr(a, "status"), "NEW") != 0)
		return signer_error_page(req, 410, "expired");
	return signer_start_session(req, id);
}

/* Whether a refusal of authz.create came after the SAM vouched for the
 * client and its redirect URI (docs/AUTHZ.md: it checks the members'
 * presence, then the client, then the redirect URI, then the rest; the
 * signer sends every member it requires): only then may the browser be
 * sent back to that URI. */
static int
signer_refusal_redirectable(const char *code, const char *desc)
{
	static const char *const before[] = { "client_id", "redirect_uri", "mode", "ip", "sca" };

	if (strcmp(code, "invalid_request") != 0)
		return 0;
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		if (strncmp(desc, before[i], strlen(before[i])) == 0)
			return 0;
	return 1;
}

enum pp_err
signer_authorize(struct pp_req *req)
{
	const char *client_id = pp_req_value(req, "client_id");
	const char *redirect_uri = pp_req_value(req, "redirect_uri");
	const char *request_uri = pp_req_value(req, "request_uri");
	const char *rar = pp_req_value(req, "authorization_details");
	const char *hashes = pp_req_value(req, "hashes");
	const char *rt = pp_req_value(req, "response_type");
	const char *scope = pp_req_value(req, "scope");
	const char *state = pp_req_value(req, "state");
	const char *v, *err = NULL, *late = NULL, *late_desc = NULL, *refusal, *desc, *id;
	json_object *args, *docs, *ans;
	enum pp_err rc;

	if (request_uri)
		return signer_authorize_par(req, client_id, request_uri);
	/* Without both, nothing says where an error could safely go. */
	if (client_id == NULL || redirect_uri == NULL)
		return signer_error_page(req, 400, "bad_client");
	if ((args = json_object_new_object()) == NULL || (docs = json_object_new_array()) == NULL) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if (json_object_object_add(args, "documents", docs) != 0) {
		json_object_put(docs);
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	rc = PP_OK;
	if (pp_json_add_str(args, "client_id", client_id) != PP_OK ||
	    pp_json_add_str(args, "mode", "redirect") != PP_OK ||
	    pp_json_add_str(args, "redirect_uri", redirect_uri) != PP_OK)
		rc = PP_ERR_NOMEM;
	/* The documents: without them there is no request the SAM could
	 * check the client of, so such an error is a page, never a redirect. */
	if (rar != NULL && hashes != NULL)
		err = "Give hashes or authorization_details, not both.";
	else if (rar != NULL)
		rc = signer_docs_from_rar(req, rar, args, docs, &err);
	else if (hashes != NULL)
		rc = signer_docs_from_hashes(req, hashes, docs, &err);
	else
		err = "hashes or authorization_details is required.";
	if (err == NULL && rar == NULL && pp_req_value(req, "credentialID") == NULL)
		err = "credentialID is required.";
	if (err == NULL && rar == NULL && pp_req_value(req, "hashAlgorithmOID") == NULL)
		err = "hashAlgorithmOID is required.";
	if (rc == PP_OK && (v = pp_req_value(req, "credentialID")) != NULL && rar == NULL)
		rc = pp_json_add_str(args, "credential", v);
	if (rc == PP_OK && (v = pp_req_value(req, "hashAlgorithmOID")) != NULL && rar == NULL)
		rc = pp_json_add_str(args, "hash_algo", v);
	if (rc == PP_OK && (v = pp_req_value(req, "numSignatures")) != NULL)
		rc = pp_json_add_int(args, "num_signatures", (int64_t)strtoll(v, NULL, 10));
	else if (rc == PP_OK)
		rc = pp_json_add_int(args, "num_signatures", (int64_t)json_object_array_length(docs));
	if (rc == PP_OK && (v = pp_req_value(req, "description")) != NULL)
		rc = pp_json_add_str(args, "description", v);
	if (rc == PP_OK && (v = pp_req_value(req, "code_challenge")) != NULL)
		rc = pp_json_add_str(args, "code_challenge", v);
	if (rc == PP_OK && (v = pp_req_value(req, "code_challenge_method")) != NULL)
		rc = pp_json_add_str(args, "code_challenge_method", v);
	if (rc == PP_OK && state != NULL)
		rc = pp_json_add_str(args, "state", state);
	if (rc != PP_OK || err != NULL) {
		json_object_put(args);
		if (rc != PP_OK)
			return rc;
		pp_fail(req, PP_ERR_BAD_REQUEST, "%s", err);
		return signer_error_page(req, 400, "bad_request");
	}
	/* Errors of the OAuth request itself go back to the SCA, once the SAM
	 * has vouched for its client and redirect URI. */
	if (rt == NULL || strcmp(rt, "code") != 0) {
		late = "unsupported_response_type";
		late_desc = "response_type must be code.";
	} else if (scope != NULL && strcmp(scope, "credential") != 0) {
		late = "invalid_scope";
		late_desc = "scope must be credential.";
	}
	rc = signer_sam_call(req, "authz.create", args, SIGNER_SAM_TIMEOUT_MS, &ans, &refusal, &desc);
	if (rc != PP_OK)
		return rc;
	if (refusal && !signer_refusal_redirectable(refusal, desc)) {
		pp_fail(req, PP_ERR_BAD_REQUEST, "%s", desc);
		return signer_error_page(req, 400, "bad_client");
	}
	if (refusal)
		return signer_back_with_error(req, redirect_uri, "invalid_request", desc, state);
	if ((id = pp_json_get_str(ans, "authz")) == NULL || !signer_is_authz_id(id))
		return pp_fail(req, PP_ERR_PROTO, "authz.create: no request id");
	if (late != NULL) {
		/* Recorded, but not what the SCA may ask: cancelled at once. */
		json_object *c = json_object_new_object();
		if (c == NULL || pp_json_add_str(c, "authz", id) != PP_OK) {
			json_object_put(c);
			return PP_ERR_NOMEM;
		}
		if ((rc = signer_sam_call(req, "authz.cancel", c, SIGNER_SAM_TIMEOUT_MS, &ans, &refusal, &desc)) != PP_OK)
			return rc;
		return signer_back_with_error(req, redirect_uri, late, late_desc, state);
	}
	return signer_start_session(req, id);
}

/* ------------------------------------------------------------------ the pages */

enum pp_err
signer_overview(struct pp_req *req)
{
	struct signer_session s;
	json_object *a;
	const char *url;
	enum pp_err rc;

	if ((rc = signer_begin(req, 1, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if ((url = signer_route_for(req, a, "")) != NULL)
		return signer_elsewhere(req, a, url);
	if ((rc = signer_other_lang(req, NULL)) != PP_OK)
		return rc;
	if (signer_has_method(a, "sms") && (rc = signer_set(req, "Methods.sms", "1")) != PP_OK)
		return rc;
	{
		const struct signer *sg = req->ctx->data;
		if (signer_oidc_enabled(sg->oidc) && signer_has_method(a, "oidc") &&
		    (rc = signer_set(req, "Methods.oidc", "1")) != PP_OK)
			return rc;
	}
	/* Under a notary's supervision only with the notary's certificate. */
	if (req->client.present && signer_has_method(a, "sms_notary") &&
	    ((rc = signer_set(req, "Methods.sms_notary", "1")) != PP_OK ||
	     (rc = signer_set(req, "Notary.name", req->client.common_name)) != PP_OK))
		return rc;
	return pp_reply_html(req, 200, "sign.cs");
}

/* Sends a code (method sms or sms_notary, or a resend); the OTP id goes to
 * the session.  *refused: the SAM's refusal, or NULL. */
static enum pp_err
signer_send_otp(struct pp_req *req, struct signer_session *s, const char *notary, const char **refused)
{
	json_object *args = json_object_new_object(), *ans;
	const char *desc, *otp_id;
	enum pp_err rc;

	*refused = NULL;
	if (args == NULL || pp_json_add_str(args, "authz", s->authz) != PP_OK ||
	    (notary && pp_json_add_str(args, "notary", notary) != PP_OK)) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = signer_sam_call(req, "authz.otp_send", args, SIGNER_SAM_TIMEOUT_MS, &ans, refused, &desc)) != PP_OK ||
	    *refused)
		return rc;
	if ((otp_id = pp_json_get_str(ans, "otp_id")) == NULL || strlen(otp_id) >= sizeof(s->otp_id))
		return pp_fail(req, PP_ERR_PROTO, "authz.otp_send: no otp_id");
	snprintf(s->otp_id, sizeof(s->otp_id), "%s", otp_id);
	snprintf(s->otp_notary, sizeof(s->otp_notary), "%s", notary ? notary : "");
	return signer_session_save(req, s);
}

/*
 * OpenID Connect: state, nonce and PKCE verifier into the session, the
 * browser to the provider.  The request's page offers it as a link,
 * GET /sign/{authz}/oidc: under the CSP's form-action 'self' a browser does
 * not follow a form's answer (POST .../method with method=oidc, which does
 * the same) to another site.  A GET that changes the session: at worst
 * another site starts this browser's own login again.
 */
static enum pp_err
signer_oidc_start(struct pp_req *req, struct signer_session *s, json_object *a)
{
	const struct signer *sg = req->ctx->data;
	const char *url, *state, *nonce, *verifier;
	enum pp_err rc;

	if (!signer_oidc_enabled(sg->oidc) || !signer_has_method(a, "oidc"))
		return signer_error_page(req, 400, "method");
	if ((rc = signer_oidc_begin(sg->oidc, req, &url, &state, &nonce, &verifier)) != PP_OK)
		return rc;
	if (strlen(state) >= sizeof(s->oidc_state) || strlen(nonce) >= sizeof(s->oidc_nonce) ||
	    strlen(verifier) >= sizeof(s->oidc_verifier))
		return PP_ERR_INTERNAL;
	snprintf(s->oidc_state, sizeof(s->oidc_state), "%s", state);
	snprintf(s->oidc_nonce, sizeof(s->oidc_nonce), "%s", nonce);
	snprintf(s->oidc_verifier, sizeof(s->oidc_verifier), "%s", verifier);
	if ((rc = signer_session_save(req, s)) != PP_OK)
		return rc;
	return signer_see_other(req, url);
}

enum pp_err
signer_oidc(struct pp_req *req)
{
	struct signer_session s;
	json_object *a;
	const char *at;
	enum pp_err rc;

	if ((rc = signer_begin(req, 0, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if ((at = signer_route_for(req, a, "")) != NULL)
		return signer_elsewhere(req, a, at);
	return signer_oidc_start(req, &s, a);
}

enum pp_err
signer_method(struct pp_req *req)
{
	struct signer_session s;
	const char *m = pp_req_value(req, "method"), *url, *refused, *notary = NULL;
	json_object *a;
	enum pp_err rc;

	if ((rc = signer_begin(req, 0, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if ((rc = pp_csrf_check(req, s.csrf)) != PP_OK)
		return signer_error_page(req, 403, "csrf");
	if ((url = signer_route_for(req, a, "")) != NULL)
		return signer_elsewhere(req, a, url);
	if (strcmp(m, "sms_notary") == 0) {
		if (!req->client.present || !signer_has_method(a, "sms_notary"))
			return signer_error_page(req, 403, "notary_needed");
		notary = req->client.subject;
	} else if (strcmp(m, "oidc") == 0)
		return signer_oidc_start(req, &s, a);
	else if (!signer_has_method(a, m))
		return signer_error_page(req, 400, "method");

	if ((rc = signer_send_otp(req, &s, notary, &refused)) != PP_OK)
		return rc;
	if (refused)
		return signer_error_page(req, 409, "send_failed");
	return signer_see_other(req, signer_path(req, s.authz, "/otp"));
}

/* The attempts left in a SAM description ("... 2 attempts left ..."), or
 * -1 when it does not say. */
static long
signer_attempts_left(const char *s)
{
	for (const char *p = s; p && *p; p++) {
		const char *q = p;
		long n = 0;
		if (*p < '0' || *p > '9' || (p > s && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		while (*q >= '0' && *q <= '9' && n < 1000)
			n = n * 10 + (*q++ - '0');
		if (strncmp(q, " attempt left", 13) == 0 || strncmp(q, " attempts left", 14) == 0)
			return n;
	}
	return -1;
}

static enum pp_err
signer_otp_page(struct pp_req *req, const char *error, const char *info)
{
	enum pp_err rc;

	if ((rc = signer_other_lang(req, NULL)) != PP_OK ||
	    (error && (rc = signer_set(req, "Form.error", error)) != PP_OK) ||
	    (info && (rc = signer_set(req, "Form.info", info)) != PP_OK))
		return rc;
	return pp_reply_html(req, 200, "otp.cs");
}

enum pp_err
signer_otp(struct pp_req *req)
{
	struct signer_session s;
	json_object *a, *args, *ans;
	const char *url, *refused, *desc, *otp, *action, *notary = NULL;
	enum pp_err rc;

	if ((rc = signer_begin(req, 0, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if (req->method == PP_POST && pp_csrf_check(req, s.csrf) != PP_OK)
		return signer_error_page(req, 403, "csrf");
	if ((url = signer_route_for(req, a, "")) != NULL)
		return signer_elsewhere(req, a, url);
	if (s.otp_id[0] == '\0')
		return signer_see_other(req, signer_path(req, s.authz, ""));
	/* A code sent under a notary's supervision is checked with the same
	 * notary's certificate (the SAM compares them). */
	if (s.otp_notary[0]) {
		if (!req->client.present || req->client.subject == NULL ||
		    strcmp(req->client.subject, s.otp_notary) != 0)
			return signer_error_page(req, 403, "notary_needed");
		notary = req->client.subject;
		if ((rc = signer_set(req, "Notary.name", req->client.common_name)) != PP_OK)
			return rc;
	}
	if (req->method != PP_POST)
		return signer_otp_page(req, NULL, NULL);
	action = pp_req_value(req, "action");
	if (action && strcmp(action, "resend") == 0) {
		if ((rc = signer_send_otp(req, &s, notary, &refused)) != PP_OK)
			return rc;
		return signer_otp_page(req, refused ? signer_text(req, "signer.otp.send_failed") : NULL,
		    refused ? NULL : signer_text(req, "signer.otp.resent"));
	}
	otp = pp_req_value(req, "otp");
	if (otp == NULL || strlen(otp) != 6 || strspn(otp, "0123456789") != 6)
		return signer_otp_page(req, signer_text(req, "signer.otp.format"), NULL);
	if ((args = json_object_new_object()) == NULL || pp_json_add_str(args, "authz", s.authz) != PP_OK ||
	    pp_json_add_str(args, "otp_id", s.otp_id) != PP_OK || pp_json_add_str(args, "otp", otp) != PP_OK ||
	    (notary && pp_json_add_str(args, "notary", notary) != PP_OK)) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = signer_sam_call(req, "authz.otp_verify", args, SIGNER_SAM_TIMEOUT_MS, &ans, &refused, &desc)) != PP_OK)
		return rc;
	if (refused == NULL)
		return signer_see_other(req, signer_path(req, s.authz, "/approve"));
	if (strcmp(refused, "invalid_otp") == 0) {
		long left = signer_attempts_left(desc);
		char msg[256];
		if (left < 0)
			return signer_otp_page(req, signer_text(req, "signer.otp.wrong"), NULL);
		snprintf(msg, sizeof(msg), "%s %ld", signer_text(req, "signer.otp.wrong_left"), left);
		return signer_otp_page(req, msg, NULL);
	}
	if (strcmp(refused, "expired_otp") == 0)
		return signer_otp_page(req, signer_text(req, "signer.otp.expired"), NULL);
	if (strcmp(refused, "otp_locked") == 0)
		return signer_otp_page(req, signer_text(req, "signer.otp.locked"), NULL);
	return signer_error_page(req, 400, "refused");
}

/* The way back to the SCA with the code (redirect and PAR), or "you can
 * close this page" (credentials/authorize). */
static enum pp_err
signer_receipt(struct pp_req *req, json_object *ans)
{
	const char *ru = signer_jstr(ans, "redirect_uri"), *code = pp_json_get_str(ans, "code");
	const char *state = pp_json_get_str(ans, "state");
	json_object *docs = NULL;
	char t[64], *url;
	enum pp_err rc;

	json_object_object_get_ex(ans, "documents", &docs);
	signer_time(signer_jint(ans, "approved_ms"), t, sizeof(t));
	if ((rc = signer_set(req, "Done.time", t)) != PP_OK ||
	    (rc = signer_set(req, "Done.serial", signer_jstr(ans, "serial"))) != PP_OK)
		return rc;
	if (docs && (rc = signer_fill_docs(req, docs)) != PP_OK)
		return rc;
	if (*ru && code && *code) {
		url = pp_url_add_param(req->pool, ru, "code", code);
		if (url && state && *state)
			url = pp_url_add_param(req->pool, url, "state", state);
		if (url == NULL)
			return PP_ERR_NOMEM;
		if ((rc = signer_set(req, "Done.back", url)) != PP_OK)
			return rc;
	}
	if ((rc = signer_other_lang(req, signer_path(req, signer_jstr(ans, "authz"), "/done"))) != PP_OK)
		return rc;
	return pp_reply_html(req, 200, "done.cs");
}

enum pp_err
signer_approve(struct pp_req *req)
{
	struct signer_session s;
	json_object *a, *args, *ans;
	const char *url, *refused, *desc;
	enum pp_err rc;

	if ((rc = signer_begin(req, 0, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if (req->method == PP_POST && pp_csrf_check(req, s.csrf) != PP_OK)
		return signer_error_page(req, 403, "csrf");
	if ((url = signer_route_for(req, a, "/approve")) != NULL)
		return signer_elsewhere(req, a, url);
	if (req->method != PP_POST) {
		if ((rc = signer_other_lang(req, NULL)) != PP_OK)
			return rc;
		/* An ephemeral session's documents come after authentication:
		 * until they do, the page waits and refreshes itself (no
		 * script). */
		if (*hdf_get_value(pp_req_hdf(req), "Doc.0.fp", "") == '\0' &&
		    (rc = signer_set(req, "Page.refresh", "5")) != PP_OK)
			return rc;
		return pp_reply_html(req, 200, "approve.cs");
	}
	if ((args = json_object_new_object()) == NULL || pp_json_add_str(args, "authz", s.authz) != PP_OK ||
	    pp_json_add_bool(args, "consent", 1) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = signer_sam_call(req, "authz.approve", args, SIGNER_SAM_APPROVE_TIMEOUT_MS, &ans, &refused,
	    &desc)) != PP_OK)
		return rc;
	if (refused)
		return signer_error_page(req, 409, "refused");
	if (pp_json_get_str(ans, "authz") == NULL && pp_json_add_str(ans, "authz", s.authz) != PP_OK)
		return PP_ERR_NOMEM;
	/* The receipt is this POST's answer: the code is shown once and
	 * never stored by the signer. */
	return signer_receipt(req, ans);
}

enum pp_err
signer_done(struct pp_req *req)
{
	struct signer_session s;
	json_object *a;
	const char *url;
	enum pp_err rc;
	char t[64];

	if ((rc = signer_begin(req, 0, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if ((url = signer_route_for(req, a, "/done")) != NULL)
		return signer_elsewhere(req, a, url);
	signer_time(signer_jint(a, "approved_ms"), t, sizeof(t));
	if ((rc = signer_set(req, "Done.time", t)) != PP_OK ||
	    (rc = signer_set(req, "Done.serial", hdf_get_value(pp_req_hdf(req), "Cred.serial", ""))) != PP_OK ||
	    (rc = signer_set(req, "Done.again", "1")) != PP_OK ||
	    (rc = signer_other_lang(req, NULL)) != PP_OK)
		return rc;
	return pp_reply_html(req, 200, "done.cs");
}

enum pp_err
signer_cancel(struct pp_req *req)
{
	struct signer_session s;
	json_object *a, *args, *ans;
	const char *refused, *desc, *ru, *state;
	char *url;
	enum pp_err rc;

	if ((rc = signer_begin(req, 0, &s, &a)) != PP_OK || a == NULL)
		return rc;
	if (pp_csrf_check(req, s.csrf) != PP_OK)
		return signer_error_page(req, 403, "csrf");
	if ((args = json_object_new_object()) == NULL || pp_json_add_str(args, "authz", s.authz) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = signer_sam_call(req, "authz.cancel", args, SIGNER_SAM_TIMEOUT_MS, &ans, &refused, &desc)) != PP_OK)
		return rc;
	if (refused)
		return signer_error_page(req, 409, "refused");
	if ((rc = signer_session_end(req, &s)) != PP_OK)
		return rc;
	ru = signer_jstr(ans, "redirect_uri");
	state = pp_json_get_str(ans, "state");
	/* A page with the way back rather than a 303: the strict CSP's
	 * form-action 'self' forbids a form's answer to lead to another site. */
	if (*ru) {
		url = pp_url_add_param(req->pool, ru, "error", "access_denied");
		if (url && state && *state)
			url = pp_url_add_param(req->pool, url, "state", state);
		if (url == NULL)
			return PP_ERR_NOMEM;
		if ((rc = signer_set(req, "Cancel.back", url)) != PP_OK)
			return rc;
	}
	return pp_reply_html(req, 200, "cancelled.cs");
}

/* A failed OpenID Connect login: its audit record (method oidc, the
 * reason).  signer_oidc_refused: a login the signer refused (the provider's
 * answer, the ID token): that record, before the page. */
static enum pp_err
signer_oidc_record(struct pp_req *req, const struct signer_session *s, const char *why)
{
	struct pp_audit_event ev = {
		.type = PP_AUDIT_SIGNATORY_AUTH, .outcome = PP_AUDIT_FAILURE,
		.actor_kind = PP_AUDIT_ACTOR_ANONYMOUS, .actor_id = "-",
		.cause = why, .correlation = s->authz,
	};
	json_object *d = json_object_new_object();
	enum pp_err rc;

	if (d == NULL || pp_json_add_str(d, "auth_method", "oidc") != PP_OK ||
	    pp_json_add_str(d, "op", "oidc.callback") != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	ev.details = d;
	rc = pp_req_audit(req, &ev);
	json_object_put(d);
	return rc;
}

static enum pp_err
signer_oidc_refused(struct pp_req *req, const struct signer_session *s, const char *why, int status,
    const char *key)
{
	enum pp_err rc;

	if ((rc = signer_oidc_record(req, s, why)) != PP_OK)
		return rc;
	if ((rc = signer_set(req, "Err.back", signer_path(req, s->authz, ""))) != PP_OK)
		return rc;
	return signer_error_page(req, status, key);
}

enum pp_err
signer_oidc_callback(struct pp_req *req)
{
	const struct signer *sg = req->ctx->data;
	const char *state = pp_req_value(req, "state"), *code = pp_req_value(req, "code");
	const char *error = pp_req_value(req, "error"), *token, *refused, *desc;
	char nonce[sizeof(((struct signer_session *)0)->oidc_nonce)];
	char verifier[sizeof(((struct signer_session *)0)->oidc_verifier)];
	struct signer_session s;
	json_object *args, *ans;
	size_t n;
	enum pp_err rc;

	if (!signer_oidc_enabled(sg->oidc))
		return PP_ERR_NOT_FOUND;
	rc = signer_session_load(req, NULL, &s);
	if (rc == PP_ERR_NOT_FOUND)
		return signer_error_page(req, 403, "no_session");
	if (rc != PP_OK)
		return rc;
	req->lang = strcmp(s.lang, "fr") == 0 ? "fr" : "en";
	/* The state ties the answer to this browser's login, once. */
	n = strlen(s.oidc_state);
	if (n == 0 || state == NULL || strlen(state) != n || !pp_ct_equal(state, s.oidc_state, n))
		return signer_oidc_refused(req, &s, "OpenID Connect: the state is not this browser's login", 403,
		    "oidc_failed");
	snprintf(nonce, sizeof(nonce), "%s", s.oidc_nonce);
	snprintf(verifier, sizeof(verifier), "%s", s.oidc_verifier);
	s.oidc_state[0] = s.oidc_nonce[0] = s.oidc_verifier[0] = '\0';
	if ((rc = signer_session_save(req, &s)) != PP_OK)
		goto out;
	if (error != NULL || code == NULL) {
		rc = signer_oidc_refused(req, &s, error ? "OpenID Connect: the provider answered an error" :
		    "OpenID Connect: no code", 403, "oidc_cancelled");
		goto out;
	}
	rc = signer_oidc_finish(sg->oidc, req, code, nonce, verifier, s.authz, &token);
	if (rc == PP_ERR_UNAVAILABLE || rc == PP_ERR_HSM) {
		/* The provider or the login-key token failed: not the
		 * signatory's fault (503), but a failed authentication all the
		 * same, recorded when the audit log can take it. */
		char why[300];
		snprintf(why, sizeof(why), "OpenID Connect: %s", req->detail ? req->detail : pp_err_name(rc));
		if (signer_oidc_record(req, &s, why) != PP_OK)
			pp_warn_log("an OpenID Connect failure could not be recorded: %s", why);
		goto out;
	}
	if (rc == PP_ERR_NOMEM || rc == PP_ERR_DB)
		goto out;
	if (rc != PP_OK) {
		char why[300];
		snprintf(why, sizeof(why), "OpenID Connect: %s", req->detail ? req->detail : pp_err_name(rc));
		rc = signer_oidc_refused(req, &s, why, 403, "oidc_failed");
		goto out;
	}
	if ((args = json_object_new_object()) == NULL || pp_json_add_str(args, "authz", s.authz) != PP_OK ||
	    pp_json_add_str(args, "token", token) != PP_OK) {
		json_object_put(args);
		rc = PP_ERR_NOMEM;
		goto out;
	}
	/* The SAM checks the login token and the identity, and records it. */
	if ((rc = signer_sam_call(req, "authz.login", args, SIGNER_SAM_TIMEOUT_MS, &ans, &refused, &desc)) != PP_OK)
		goto out;
	if (refused) {
		if ((rc = signer_set(req, "Err.back", signer_path(req, s.authz, ""))) == PP_OK)
			rc = signer_error_page(req, 403, "oidc_refused");
		goto out;
	}
	rc = signer_see_other(req, signer_path(req, s.authz, "/approve"));
out:
	pp_wipe(nonce, sizeof(nonce));
	pp_wipe(verifier, sizeof(verifier));
	return rc;
}
