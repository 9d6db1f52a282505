/*
 * sca_oauth: PAR, oauth2/token, credentials/authorize and
 * credentials/authorizeCheck (see sca_oauth.h).  Handlers translate the
 * CSC/OAuth fields to the SAM's authz ops and its answers back; the SAM
 * checks the client, the credential, the documents and every state.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "pp_core.h"
#include "pp_http.h"
#include "sca_oauth.h"
#include "sca_sam.h"

#define SCA_OAUTH_HASHES_MAX	(1000 * 90)	/* 1000 SHA-512 digests in base64 and commas */
#define SCA_OAUTH_RAR_MAX	(1000 * 240)	/* 1000 digests with labels */
#define SCA_OAUTH_REQUEST_URI	"urn:ietf:params:oauth:request_uri:"
#define SCA_OAUTH_DIGEST_B64	88		/* base64 of a SHA-512 digest */

/* ------------------------------------------------------------------ documents */

/* One digest (base64 or base64url, padded or not) as standard base64 into
 * out (SCA_OAUTH_DIGEST_B64 + 1 bytes).  0 when it cannot be one. */
static int
sca_oauth_b64(const char *s, size_t len, char *out)
{
	size_t o = 0;

	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len == 0 || len > SCA_OAUTH_DIGEST_B64 || len % 4 == 1)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
		    c == '/'))
			return 0;
		out[o++] = c;
	}
	while (o % 4 != 0)
		out[o++] = '=';
	out[o] = '\0';
	return 1;
}

static enum pp_err
sca_oauth_doc_add(json_object *docs, const char *hash, const char *label)
{
	json_object *e = json_object_new_object();

	if (e == NULL || json_object_array_add(docs, e) != 0) {
		json_object_put(e);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(e, "hash", hash) != PP_OK || (label != NULL && pp_json_add_str(e, "label", label) != PP_OK))
		return PP_ERR_NOMEM;
	return PP_OK;
}

enum pp_err
sca_oauth_hashes(const char *list, size_t len, json_object **docs, const char **why)
{
	char b64[SCA_OAUTH_DIGEST_B64 + 1];
	json_object *a;
	size_t pos = 0, n = 0;
	enum pp_err rc;

	*docs = NULL;
	*why = NULL;
	if ((a = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	while (pos <= len) {
		const char *item = list + pos, *comma = memchr(item, ',', len - pos);
		size_t ilen = comma ? (size_t)(comma - item) : len - pos;
		if (++n > 1000 || !sca_oauth_b64(item, ilen, b64)) {
			*why = n > 1000 ? "hashes: at most 1000 digests" :
			    "hashes: comma-separated base64 or base64url digests";
			json_object_put(a);
			return PP_OK;
		}
		if ((rc = sca_oauth_doc_add(a, b64, NULL)) != PP_OK) {
			json_object_put(a);
			return rc;
		}
		pos += ilen + 1;
	}
	*docs = a;
	return PP_OK;
}

enum pp_err
sca_oauth_digests(json_object *digests, json_object **docs, const char **why)
{
	char b64[SCA_OAUTH_DIGEST_B64 + 1];
	json_object *a;
	size_t n;
	enum pp_err rc;

	*docs = NULL;
	*why = NULL;
	if (!json_object_is_type(digests, json_type_array) || (n = json_object_array_length(digests)) == 0 ||
	    n > 1000) {
		*why = "documentDigests: an array of 1 to 1000 {\"hash\", \"label\"}";
		return PP_OK;
	}
	if ((a = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(digests, i), *h, *l = NULL;
		if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "hash", &h) ||
		    !json_object_is_type(h, json_type_string) ||
		    !sca_oauth_b64(json_object_get_string(h), (size_t)json_object_get_string_len(h), b64) ||
		    (json_object_object_get_ex(e, "label", &l) && !json_object_is_type(l, json_type_string)) ||
		    json_object_object_length(e) != (l != NULL ? 2 : 1)) {
			*why = "documentDigests: each one {\"hash\": base64 digest, \"label\": optional text}";
			json_object_put(a);
			return PP_OK;
		}
		if ((rc = sca_oauth_doc_add(a, b64, l != NULL ? json_object_get_string(l) : NULL)) != PP_OK) {
			json_object_put(a);
			return rc;
		}
	}
	*docs = a;
	return PP_OK;
}

/* RAR (RFC 9396) authorization_details, CSC v2 type "credential": one
 * object.  OUT *cred, *halg (borrowed from *root, owned by the caller),
 * *docs (new). */
enum pp_err
sca_oauth_rar(struct pp_req *req, const char *text, size_t len, json_object **root, const char **cred,
    const char **halg, json_object **docs)
{
	json_object *o, *dd, *arr = NULL;
	const char *why = NULL, *type;
	char *wrapped;
	enum pp_err rc;

	*root = NULL;
	/* pp_json parses one object: the array is wrapped in one, with the
	 * same limits (depth: wrapper, array, detail, digests, digest). */
	if ((wrapped = pp_pool_printf(req->pool, "{\"d\":%.*s}", (int)len, text)) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_json_parse(wrapped, len + 6, 5, 4 * 1000 + 16, root)) == PP_ERR_NOMEM)
		return rc;
	if (rc != PP_OK || !json_object_object_get_ex(*root, "d", &arr) || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) != 1 ||
	    !json_object_is_type(o = json_object_array_get_idx(arr, 0), json_type_object)) {
		json_object_put(*root);
		*root = NULL;
		return pp_fail(req, PP_ERR_FIELD_INVALID,
		    "authorization_details: a JSON array of one object of type \"credential\".");
	}
	type = pp_json_get_str(o, "type");
	*cred = pp_json_get_str(o, "credentialID");
	*halg = pp_json_get_str(o, "hashAlgorithmOID");
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "type") != 0 && strcmp(key, "credentialID") != 0 && strcmp(key, "hashAlgorithmOID") != 0 &&
		    strcmp(key, "documentDigests") != 0 && strcmp(key, "locations") != 0)
			why = "authorization_details: members type, credentialID, hashAlgorithmOID, documentDigests";
	}
	if (why == NULL && (type == NULL || strcmp(type, "credential") != 0))
		why = "authorization_details: type \"credential\"";
	else if (why == NULL && (*cred == NULL || *halg == NULL || !json_object_object_get_ex(o, "documentDigests", &dd)))
		why = "authorization_details: credentialID, hashAlgorithmOID and documentDigests are required";
	else if (why == NULL && (rc = sca_oauth_digests(dd, docs, &why)) != PP_OK)
		goto fail;
	if (why == NULL)
		return PP_OK;
	rc = pp_fail(req, PP_ERR_FIELD_INVALID, "%s.", why);
fail:
	json_object_put(*root);
	*root = NULL;
	return rc;
}

/* ------------------------------------------------------------------ PAR */

static const char *const sca_oauth_code[] = { "code", NULL };
static const char *const sca_oauth_credential[] = { "credential", NULL };
static const char *const sca_oauth_s256[] = { "S256", NULL };
const struct pp_field sca_par_fields[SCA_PAR__MAX] = {
	[SCA_PAR_RESPONSE_TYPE] = { "response_type", PP_FIELD_ENUM, 0, 1, 0, 0, sca_oauth_code },
	[SCA_PAR_CLIENT_ID] = { "client_id", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_PAR_REDIRECT_URI] = { "redirect_uri", PP_FIELD_STRING, 255, 1, 0, 0, NULL },
	[SCA_PAR_SCOPE] = { "scope", PP_FIELD_ENUM, 0, 0, 0, 0, sca_oauth_credential },
	[SCA_PAR_CREDENTIAL_ID] = { "credentialID", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 0, 0, 0, NULL },
	[SCA_PAR_NUM_SIGNATURES] = { "numSignatures", PP_FIELD_INT, 0, 0, 1, 1000, NULL },
	[SCA_PAR_HASHES] = { "hashes", PP_FIELD_STRING, SCA_OAUTH_HASHES_MAX, 0, 0, 0, NULL },
	[SCA_PAR_HASH_OID] = { "hashAlgorithmOID", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	[SCA_PAR_CODE_CHALLENGE] = { "code_challenge", PP_FIELD_TOKEN, 43, 1, 0, 0, NULL },
	[SCA_PAR_CODE_METHOD] = { "code_challenge_method", PP_FIELD_ENUM, 0, 1, 0, 0, sca_oauth_s256 },
	[SCA_PAR_STATE] = { "state", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
	[SCA_PAR_DESCRIPTION] = { "description", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	[SCA_PAR_LANG] = { "lang", PP_FIELD_TOKEN, 35, 0, 0, 0, NULL },
	/* RFC 9396: a JSON text, in a form as in a JSON body. */
	[SCA_PAR_RAR] = { "authorization_details", PP_FIELD_STRING, SCA_OAUTH_RAR_MAX, 0, 0, 0, NULL },
	[SCA_PAR_CLIENT_DATA] = { "clientData", PP_FIELD_STRING, 255, 0, 0, 0, NULL },
};

/* Adds the request's set fields named in map (field index -> SAM member). */
static enum pp_err
sca_oauth_put(struct pp_req *req, json_object *args, const int *idx, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (req->val[idx[i]].set && pp_json_add_str(args, names[i], req->val[idx[i]].s) != PP_OK)
			return PP_ERR_NOMEM;
	return PP_OK;
}

/* The client's address, for the SAM's records. */
static enum pp_err
sca_oauth_ip(struct pp_req *req, json_object *args)
{
	return req->remote_addr != NULL && *req->remote_addr ? pp_json_add_str(args, "ip", req->remote_addr) : PP_OK;
}

/* A SAM refusal as the OAuth error it is (RFC 6749 section 5.2: 401 for
 * invalid_client, 400 otherwise); a code outside the OAuth/CSC list is the
 * SAM's fault. */
static enum pp_err
sca_oauth_refusal(struct pp_req *req, json_object *ans)
{
	static const char *const codes[] = { "invalid_request", "invalid_grant", "invalid_client", "access_denied",
		"expired_token", "invalid_token", "not_found", NULL };
	const char *code = pp_json_get_str(ans, "error"), *desc = pp_json_get_str(ans, "error_description");
	json_object *o;
	int status;

	for (size_t i = 0; codes[i]; i++)
		if (code != NULL && strcmp(code, codes[i]) == 0) {
			status = strcmp(code, "invalid_client") == 0 ? 401 : strcmp(code, "access_denied") == 0 ? 403 :
			    strcmp(code, "not_found") == 0 ? 404 : 400;
			if ((o = json_object_new_object()) == NULL || pp_json_add_str(o, "error", code) != PP_OK ||
			    pp_json_add_str(o, "error_description", desc ? desc : code) != PP_OK) {
				json_object_put(o);
				return PP_ERR_NOMEM;
			}
			return pp_reply_json(req, status, o);
		}
	return pp_fail(req, code != NULL && strcmp(code, "temporarily_unavailable") == 0 ? PP_ERR_UNAVAILABLE :
	    PP_ERR_PROTO, "%s", desc ? desc : "the SAM's refusal is not an OAuth error");
}

/* authz.create for PAR and credentials/authorize; OUT *ans the SAM's answer
 * (NULL when a refusal was answered). */
static enum pp_err
sca_oauth_create(struct pp_req *req, json_object *args, json_object **ans)
{
	enum pp_err rc;

	*ans = NULL;
	if ((rc = sca_oauth_ip(req, args)) != PP_OK) {
		json_object_put(args);
		return rc;
	}
	if ((rc = sca_sam_call_raw(req, "authz.create", args, SCA_SAM_TIMEOUT_MS, ans)) != PP_OK)
		return rc;
	if (json_object_object_get_ex(*ans, "error", NULL)) {
		rc = sca_oauth_refusal(req, *ans);
		*ans = NULL;
		return rc;
	}
	if (pp_json_get_str(*ans, "authz") == NULL)
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no authz");
	return PP_OK;
}

static int64_t
sca_oauth_expires_in(json_object *ans)
{
	json_object *v;
	int64_t left = 0;

	if (json_object_object_get_ex(ans, "expires_ms", &v) && json_object_is_type(v, json_type_int))
		left = (json_object_get_int64(v) - (int64_t)time(NULL) * 1000) / 1000;
	return left > 0 ? left : 1;
}

/* The answer that gives the SCA the signatory's link to a request the SAM
 * just recorded (ans): {id_name: id, "url": <public>/sign/<id>, "expiresIn"}. */
static enum pp_err
sca_oauth_link_reply(struct pp_req *req, const char *pub, json_object *ans, const char *id_name, int status)
{
	const char *id = pp_json_get_str(ans, "authz");
	size_t pl = strlen(pub);
	json_object *doc;
	char *url;

	while (pl > 0 && pub[pl - 1] == '/')
		pl--;
	if ((url = pp_pool_printf(req->pool, "%.*s/sign/%s", (int)pl, pub, id)) == NULL)
		return PP_ERR_NOMEM;
	if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, id_name, id) != PP_OK ||
	    pp_json_add_str(doc, "url", url) != PP_OK ||
	    pp_json_add_int(doc, "expiresIn", sca_oauth_expires_in(ans)) != PP_OK) {
		json_object_put(doc);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, status, doc);
}

enum pp_err
sca_oauth_par(struct pp_req *req)
{
	static const int idx[] = { SCA_PAR_CLIENT_ID, SCA_PAR_REDIRECT_URI, SCA_PAR_CODE_CHALLENGE, SCA_PAR_CODE_METHOD,
		SCA_PAR_STATE, SCA_PAR_DESCRIPTION };
	static const char *const names[] = { "client_id", "redirect_uri", "code_challenge", "code_challenge_method",
		"state", "description" };
	const struct pp_value *rar = &req->val[SCA_PAR_RAR], *hashes = &req->val[SCA_PAR_HASHES];
	const char *cred = req->val[SCA_PAR_CREDENTIAL_ID].s, *halg = req->val[SCA_PAR_HASH_OID].s, *why = NULL;
	json_object *root = NULL, *docs = NULL, *args, *ans, *doc;
	char uri[sizeof(SCA_OAUTH_REQUEST_URI) + 32];
	enum pp_err rc;

	if (rar->set) {
		if (hashes->set || req->val[SCA_PAR_CREDENTIAL_ID].set || req->val[SCA_PAR_HASH_OID].set ||
		    req->val[SCA_PAR_NUM_SIGNATURES].set)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "Give authorization_details or credentialID, "
			    "numSignatures, hashes and hashAlgorithmOID, not both.");
		if ((rc = sca_oauth_rar(req, rar->s, rar->len, &root, &cred, &halg, &docs)) != PP_OK)
			return rc;
	} else {
		if (!hashes->set || cred == NULL || halg == NULL || !req->val[SCA_PAR_NUM_SIGNATURES].set)
			return pp_fail(req, PP_ERR_FIELD_MISSING, "credentialID, numSignatures, hashes and "
			    "hashAlgorithmOID are required (or authorization_details).");
		if ((rc = sca_oauth_hashes(hashes->s, hashes->len, &docs, &why)) != PP_OK)
			return rc;
		if (why != NULL)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "%s.", why);
	}
	rc = PP_ERR_NOMEM;
	if ((args = json_object_new_object()) == NULL) {
		json_object_put(docs);
		goto out;
	}
	json_object_object_add(args, "documents", docs);
	if (pp_json_add_str(args, "mode", "par") != PP_OK || pp_json_add_str(args, "credential", cred) != PP_OK ||
	    pp_json_add_str(args, "hash_algo", halg) != PP_OK ||
	    pp_json_add_int(args, "num_signatures", req->val[SCA_PAR_NUM_SIGNATURES].set ?
	    req->val[SCA_PAR_NUM_SIGNATURES].i : (int64_t)json_object_array_length(docs)) != PP_OK ||
	    sca_oauth_put(req, args, idx, names, sizeof(idx) / sizeof(idx[0])) != PP_OK) {
		json_object_put(args);
		goto out;
	}
	if ((rc = sca_oauth_create(req, args, &ans)) != PP_OK || ans == NULL)
		goto out;
	snprintf(uri, sizeof(uri), "%s%s", SCA_OAUTH_REQUEST_URI, pp_json_get_str(ans, "authz"));
	rc = PP_ERR_NOMEM;
	if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, "request_uri", uri) != PP_OK ||
	    pp_json_add_int(doc, "expires_in", sca_oauth_expires_in(ans)) != PP_OK) {
		json_object_put(doc);
		goto out;
	}
	rc = pp_reply_json(req, 201, doc);
out:
	json_object_put(root);
	return rc;
}

/* ------------------------------------------------------------------ token */

const struct pp_field sca_token_fields[SCA_TOK__MAX] = {
	/* Any token: an unknown grant type is unsupported_grant_type, not a
	 * malformed request (RFC 6749 section 5.2). */
	[SCA_TOK_GRANT_TYPE] = { "grant_type", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_TOK_CLIENT_ID] = { "client_id", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_TOK_CODE] = { "code", PP_FIELD_TOKEN, 128, 1, 0, 0, NULL },
	[SCA_TOK_VERIFIER] = { "code_verifier", PP_FIELD_TOKEN, 128, 1, 0, 0, NULL },
	[SCA_TOK_REDIRECT_URI] = { "redirect_uri", PP_FIELD_STRING, 255, 1, 0, 0, NULL },
};

enum pp_err
sca_oauth_token(struct pp_req *req)
{
	static const int idx[] = { SCA_TOK_CLIENT_ID, SCA_TOK_CODE, SCA_TOK_VERIFIER, SCA_TOK_REDIRECT_URI };
	static const char *const names[] = { "client_id", "code", "code_verifier", "redirect_uri" };
	json_object *args, *ans, *doc, *v;
	const char *sad;
	enum pp_err rc;

	if (strcmp(req->val[SCA_TOK_GRANT_TYPE].s, "authorization_code") != 0) {
		if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, "error", "unsupported_grant_type") != PP_OK ||
		    pp_json_add_str(doc, "error_description", "grant_type: authorization_code") != PP_OK) {
			json_object_put(doc);
			return PP_ERR_NOMEM;
		}
		return pp_reply_json(req, 400, doc);
	}
	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (sca_oauth_put(req, args, idx, names, sizeof(idx) / sizeof(idx[0])) != PP_OK ||
	    sca_oauth_ip(req, args) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call_raw(req, "authz.redeem", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if (json_object_object_get_ex(ans, "error", NULL))
		return sca_oauth_refusal(req, ans);
	if ((sad = pp_json_get_str(ans, "sad")) == NULL || !json_object_object_get_ex(ans, "expires_in", &v) ||
	    !json_object_is_type(v, json_type_int))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no SAD");
	if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, "access_token", sad) != PP_OK ||
	    pp_json_add_str(doc, "token_type", "SAD") != PP_OK ||
	    pp_json_add_int(doc, "expires_in", json_object_get_int64(v)) != PP_OK) {
		json_object_put(doc);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, 200, doc);
}

/* ------------------------------------------------------------------ credentials/authorize */

const struct pp_field sca_ca_fields[SCA_CA__MAX] = {
	[SCA_CA_CREDENTIAL_ID] = { "credentialID", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	[SCA_CA_NUM_SIGNATURES] = { "numSignatures", PP_FIELD_INT, 0, 1, 1, 1000, NULL },
	/* An array of base64 digests (CSC v2), or the comma-separated list. */
	[SCA_CA_HASHES] = { "hashes", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
	[SCA_CA_HASH_OID] = { "hashAlgorithmOID", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_CA_DESCRIPTION] = { "description", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
	/* The same digests with the labels the signatory is shown. */
	[SCA_CA_DIGESTS] = { "documentDigests", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
	[SCA_CA_CLIENT_DATA] = { "clientData", PP_FIELD_STRING, 255, 0, 0, 0, NULL },
};

/* "hashes" of credentials/authorize: an array of strings or one string. */
enum pp_err
sca_oauth_hash_array(struct pp_req *req, json_object *h, json_object **docs)
{
	const char *why = NULL;
	json_object *a;
	char b64[SCA_OAUTH_DIGEST_B64 + 1];
	size_t n;
	enum pp_err rc;

	if (json_object_is_type(h, json_type_string)) {
		if ((rc = sca_oauth_hashes(json_object_get_string(h), (size_t)json_object_get_string_len(h), docs,
		    &why)) != PP_OK)
			return rc;
		return why == NULL ? PP_OK : pp_fail(req, PP_ERR_FIELD_INVALID, "%s.", why);
	}
	if (!json_object_is_type(h, json_type_array) || (n = json_object_array_length(h)) == 0 || n > 1000)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "hashes: an array of 1 to 1000 base64 digests.");
	if ((a = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(h, i);
		if (!json_object_is_type(e, json_type_string) ||
		    !sca_oauth_b64(json_object_get_string(e), (size_t)json_object_get_string_len(e), b64)) {
			json_object_put(a);
			return pp_fail(req, PP_ERR_FIELD_INVALID, "hashes: hash %zu is not a base64 digest.", i + 1);
		}
		if ((rc = sca_oauth_doc_add(a, b64, NULL)) != PP_OK) {
			json_object_put(a);
			return rc;
		}
	}
	*docs = a;
	return PP_OK;
}

enum pp_err
sca_oauth_authorize(struct pp_req *req)
{
	static const int idx[] = { SCA_CA_CREDENTIAL_ID, SCA_CA_HASH_OID, SCA_CA_DESCRIPTION };
	static const char *const names[] = { "credential", "hash_algo", "description" };
	const char *pub = pp_conf_str(req->ctx->conf, "service", "public_url"), *why = NULL;
	const struct pp_value *h = &req->val[SCA_CA_HASHES], *dd = &req->val[SCA_CA_DIGESTS];
	json_object *docs = NULL, *args, *ans;
	enum pp_err rc;

	if (pub == NULL || *pub == '\0')
		return pp_fail(req, PP_ERR_FORBIDDEN, "credentials/authorize is not enabled on this service "
		    "(it has no public address for the signatory).");
	if (h->set == dd->set)
		return pp_fail(req, h->set ? PP_ERR_FIELD_INVALID : PP_ERR_FIELD_MISSING,
		    "Give hashes or documentDigests (with labels), exactly one.");
	if (h->set)
		rc = sca_oauth_hash_array(req, h->j, &docs);
	else if ((rc = sca_oauth_digests(dd->j, &docs, &why)) == PP_OK && why != NULL)
		rc = pp_fail(req, PP_ERR_FIELD_INVALID, "%s.", why);
	if (rc != PP_OK)
		return rc;
	if ((args = json_object_new_object()) == NULL) {
		json_object_put(docs);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(args, "documents", docs);
	if (pp_json_add_str(args, "mode", "link") != PP_OK ||
	    pp_json_add_int(args, "num_signatures", req->val[SCA_CA_NUM_SIGNATURES].i) != PP_OK ||
	    sca_oauth_put(req, args, idx, names, sizeof(idx) / sizeof(idx[0])) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_oauth_create(req, args, &ans)) != PP_OK || ans == NULL)
		return rc;
	return sca_oauth_link_reply(req, pub, ans, "authorizationID", 202);
}

const struct pp_field sca_check_fields[SCA_CHK__MAX] = {
	[SCA_CHK_AUTHORIZATION_ID] = { "authorizationID", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
};

enum pp_err
sca_oauth_authorize_check(struct pp_req *req)
{
	json_object *args, *ans, *doc, *v;
	const char *status, *sad;
	enum pp_err rc;

	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(args, "authz", req->val[SCA_CHK_AUTHORIZATION_ID].s) != PP_OK ||
	    sca_oauth_ip(req, args) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "authz.check", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if ((status = pp_json_get_str(ans, "status")) == NULL)
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no status");
	if ((doc = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (strcmp(status, "pending") == 0) {
		if (pp_json_add_str(doc, "status", "pending") != PP_OK) {
			json_object_put(doc);
			return PP_ERR_NOMEM;
		}
		return pp_reply_json(req, 202, doc);
	}
	if ((sad = pp_json_get_str(ans, "sad")) == NULL || !json_object_object_get_ex(ans, "expires_in", &v)) {
		json_object_put(doc);
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no SAD");
	}
	if (pp_json_add_str(doc, "SAD", sad) != PP_OK || pp_json_add_int(doc, "expiresIn", json_object_get_int64(v)) != PP_OK) {
		json_object_put(doc);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, 200, doc);
}


/* ------------------------------------------------------------------ ephemeral sessions (KEY-4) */

const struct pp_field sca_eph_create_fields[SCA_EPH__MAX] = {
	[SCA_EPH_SIGNATORY] = { "signatory", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_EPH_KEY_TYPE] = { "key_type", PP_FIELD_TOKEN, 16, 1, 0, 0, NULL },
	[SCA_EPH_DESCRIPTION] = { "description", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
};

enum pp_err
sca_ephemeral_create(struct pp_req *req)
{
	static const int idx[] = { SCA_EPH_SIGNATORY, SCA_EPH_KEY_TYPE, SCA_EPH_DESCRIPTION };
	static const char *const names[] = { "signatory", "key_type", "description" };
	const char *pub = pp_conf_str(req->ctx->conf, "service", "public_url");
	json_object *args, *ans;
	enum pp_err rc;

	if (pub == NULL || *pub == '\0')
		return pp_fail(req, PP_ERR_FORBIDDEN, "Ephemeral sessions are not enabled on this service "
		    "(it has no public address for the signatory).");
	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(args, "mode", "ephemeral") != PP_OK ||
	    sca_oauth_put(req, args, idx, names, sizeof(idx) / sizeof(idx[0])) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_oauth_create(req, args, &ans)) != PP_OK || ans == NULL)
		return rc;
	return sca_oauth_link_reply(req, pub, ans, "sessionID", 201);
}

/* The SAM's state of a session as the API names it. */
static const char *
sca_ephemeral_status(const char *s)
{
	if (strcmp(s, "NEW") == 0)
		return "pending";
	if (strcmp(s, "AUTHENTICATED") == 0)
		return "authenticated";
	if (strcmp(s, "approved") == 0)
		return "approved";
	if (strcmp(s, "REDEEMED") == 0)
		return "delivered";
	return NULL;
}

enum pp_err
sca_ephemeral_get(struct pp_req *req)
{
	json_object *args, *ans, *doc, *v;
	const char *status, *st, *cred, *sad;
	enum pp_err rc;

	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(args, "authz", req->param.s) != PP_OK || sca_oauth_ip(req, args) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "authz.check", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if ((status = pp_json_get_str(ans, "status")) == NULL || (st = sca_ephemeral_status(status)) == NULL)
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no session state");
	cred = pp_json_get_str(ans, "credential");
	sad = pp_json_get_str(ans, "sad");
	if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, "status", st) != PP_OK ||
	    (cred != NULL && pp_json_add_str(doc, "credentialID", cred) != PP_OK) ||
	    (sad != NULL && pp_json_add_str(doc, "SAD", sad) != PP_OK) ||
	    (sad != NULL && json_object_object_get_ex(ans, "expires_in", &v) &&
	    pp_json_add_int(doc, "expiresIn", json_object_get_int64(v)) != PP_OK)) {
		json_object_put(doc);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, 200, doc);
}

const struct pp_field sca_eph_docs_fields[SCA_EPHD__MAX] = {
	[SCA_EPHD_HASH_OID] = { "hashAlgorithmOID", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_EPHD_HASHES] = { "hashes", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
	[SCA_EPHD_DIGESTS] = { "documentDigests", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
};

enum pp_err
sca_ephemeral_documents(struct pp_req *req)
{
	const struct pp_value *h = &req->val[SCA_EPHD_HASHES], *dd = &req->val[SCA_EPHD_DIGESTS];
	json_object *docs = NULL, *args, *ans, *doc;
	const char *why = NULL;
	enum pp_err rc;

	if (h->set == dd->set)
		return pp_fail(req, h->set ? PP_ERR_FIELD_INVALID : PP_ERR_FIELD_MISSING,
		    "Give hashes or documentDigests (with labels), exactly one.");
	if (h->set)
		rc = sca_oauth_hash_array(req, h->j, &docs);
	else if ((rc = sca_oauth_digests(dd->j, &docs, &why)) == PP_OK && why != NULL)
		rc = pp_fail(req, PP_ERR_FIELD_INVALID, "%s.", why);
	if (rc != PP_OK)
		return rc;
	if ((args = json_object_new_object()) == NULL) {
		json_object_put(docs);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(args, "documents", docs);
	if (pp_json_add_str(args, "authz", req->param.s) != PP_OK ||
	    pp_json_add_str(args, "hash_algo", req->val[SCA_EPHD_HASH_OID].s) != PP_OK ||
	    pp_json_add_int(args, "num_signatures", (int64_t)json_object_array_length(docs)) != PP_OK ||
	    sca_oauth_ip(req, args) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "authz.documents", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, "status", "authenticated") != PP_OK) {
		json_object_put(doc);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, 200, doc);
}

enum pp_err
sca_ephemeral_close(struct pp_req *req)
{
	json_object *args, *ans, *doc;
	enum pp_err rc;

	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(args, "authz", req->param.s) != PP_OK || sca_oauth_ip(req, args) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "authz.close", args, SCA_SAM_KEYGEN_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if ((doc = json_object_new_object()) == NULL || pp_json_add_str(doc, "status", "closed") != PP_OK) {
		json_object_put(doc);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, 200, doc);
}
