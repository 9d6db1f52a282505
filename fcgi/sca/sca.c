/*
 * paraphe-sca: the SCA-facing API on the SCA listener, behind mutual TLS
 * with the SCA CA: CSC API v2 (info, credentials/list, credentials/info) and
 * the PKI/RA enrolment API (/ra/v1/...).  Handlers are thin: the fields are
 * validated by the route table, every other check (owner, values, state,
 * SAD, hashes) is
 * the SAM's, which is asked on behalf of the client certificate's subject.
 */
#include "config.h"
#include <string.h>
#include <strings.h>
#include <time.h>
#include "pp_core.h"
#include "pp_http.h"
#include "sca_cred.h"
#include "sca_oauth.h"
#include "sca_pss.h"
#include "sca_sam.h"

/* CSC API version implemented, and the methods actually served.  Only what
 * works is advertised: an SCA must never discover a method by failure. */
#define SCA_CSC_SPECS "2.0.0.2"
static const char *const sca_methods[] = { "info", "credentials/list", "credentials/info",
    "signatures/signHash", "credentials/authorize", "credentials/authorizeCheck", "oauth2/pushed_authorize",
    "oauth2/token", NULL };
/* Hashes one SAD may cover: the SAM's SAM_LEDGER_MAX_HASHES. */
#define SCA_MULTISIGN 1000

enum { SCA_INFO_LANG, SCA_INFO__MAX };
static const struct pp_field sca_info_fields[SCA_INFO__MAX] = {
	/* RFC 5646 tag such as "en-US"; the document is only in English and
	 * French, chosen from the primary subtag. */
	[SCA_INFO_LANG] = { "lang", PP_FIELD_TOKEN, 35, 0, 0, 0, NULL },
};

/* The SAM's "algorithms" answer: what sam.key_types and sam.hash_algos
 * leave allowed (SEC-6).  OUT *algos, owned by the request. */
static enum pp_err
sca_algorithms(struct pp_req *req, json_object **algos)
{
	json_object *a;
	enum pp_err rc;

	if ((rc = sca_sam_call(req, "algorithms", NULL, SCA_SAM_TIMEOUT_MS, algos)) != PP_OK)
		return rc;
	if (!json_object_object_get_ex(*algos, "sign_algos", &a) || !json_object_is_type(a, json_type_array) ||
	    !json_object_object_get_ex(*algos, "key_types", &a) || !json_object_is_type(a, json_type_array))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no algorithms");
	return PP_OK;
}

static enum pp_err
sca_info(struct pp_req *req)
{
	const struct pp_conf *conf = req->ctx->conf;
	json_object *doc, *a, *algos, *sa, *sign;
	enum pp_err rc;
	const struct pp_value *lang = &req->val[SCA_INFO_LANG];
	const char *l = lang->set && (lang->len == 2 || (lang->len > 2 && lang->s[2] == '-')) &&
	    strncasecmp(lang->s, "fr", 2) == 0 ? "fr" : "en";

	/* Only the signature algorithms the SAM still accepts: a withdrawn one
	 * disappears from the document at the SAM's next start (SEC-6). */
	if ((rc = sca_algorithms(req, &algos)) != PP_OK)
		return rc;
	json_object_object_get_ex(algos, "sign_algos", &sa);
	if ((doc = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(doc, "specs", SCA_CSC_SPECS) != PP_OK ||
	    pp_json_add_str(doc, "name", pp_conf_str(conf, "sca", "service_name")) != PP_OK ||
	    pp_json_add_str(doc, "logo", pp_conf_str(conf, "sca", "logo_url")) != PP_OK ||
	    pp_json_add_str(doc, "region", pp_conf_str(conf, "sca", "region")) != PP_OK ||
	    pp_json_add_str(doc, "lang", strcmp(l, "fr") == 0 ? "fr-FR" : "en-US") != PP_OK ||
	    pp_json_add_str(doc, "description", pp_conf_str(conf, "sca", "description")) != PP_OK)
		goto nomem;
	/* The SCA authenticates with its TLS client certificate. */
	if ((a = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(doc, "authType", a);
	if (json_object_array_add(a, json_object_new_string("TLS")) != 0)
		goto nomem;
	if ((a = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(doc, "methods", a);
	for (const char *const *m = sca_methods; *m; m++)
		if (json_object_array_add(a, json_object_new_string(*m)) != 0)
			goto nomem;
	/* signAlgorithms.algos (CSC v2 info); no algoParams: RSASSA-PSS takes
	 * its parameters with each signHash. */
	if ((sign = json_object_new_object()) == NULL)
		goto nomem;
	json_object_object_add(doc, "signAlgorithms", sign);
	if ((a = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(sign, "algos", a);
	for (size_t i = 0; i < json_object_array_length(sa); i++) {
		json_object *o = json_object_array_get_idx(sa, i);
		if (!json_object_is_type(o, json_type_string)) {
			json_object_put(doc);
			return pp_fail(req, PP_ERR_PROTO, "the SAM's algorithms are not strings");
		}
		if (json_object_array_add(a, json_object_new_string(json_object_get_string(o))) != 0)
			goto nomem;
	}
	return pp_reply_json(req, 200, doc);
nomem:
	json_object_put(doc);
	return PP_ERR_NOMEM;
}



/* GET /csc/v2/notices: the algorithms the service withdrew (SEC-6), as the
 * SAM's algo.notices lists them (docs/API.md); any registered client. */
static enum pp_err
sca_notices(struct pp_req *req)
{
	json_object *ans, *n, *doc;
	enum pp_err rc;

	if ((rc = sca_sam_call(req, "algo.notices", NULL, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if (!json_object_object_get_ex(ans, "notices", &n) || !json_object_is_type(n, json_type_array))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no notices");
	if ((doc = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	/* The array belongs to the SAM's answer, freed with the pool. */
	json_object_object_add(doc, "notices", json_object_get(n));
	return pp_reply_json(req, 200, doc);
}

/* ------------------------------------------------------------------ helpers */

/* A new object with every set field of the request as a string member of
 * the same name: the RA fields are the SAM's member names. */
static enum pp_err
sca_args(struct pp_req *req, json_object **out)
{
	json_object *a = json_object_new_object();

	if (a == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < req->route->nfields; i++)
		if (req->val[i].set && pp_json_add_str(a, req->route->fields[i].name, req->val[i].s) != PP_OK) {
			json_object_put(a);
			return PP_ERR_NOMEM;
		}
	*out = a;
	return PP_OK;
}

/* Replies with member key (an object) of the SAM's answer. */
static enum pp_err
sca_reply_member(struct pp_req *req, int status, json_object *ans, const char *key)
{
	json_object *o;

	if (!json_object_object_get_ex(ans, key, &o) || !json_object_is_type(o, json_type_object))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no '%s'", key);
	/* The token's CKA_ID is the SAM's business. */
	json_object_object_del(o, "key_id");
	return pp_reply_json(req, status, json_object_get(o));
}

/* One SAM op whose args are the request's fields plus, when the route has
 * a path parameter, member pkey = that parameter. */
static enum pp_err
sca_forward(struct pp_req *req, const char *op, const char *pkey, int timeout_ms, json_object **ans)
{
	json_object *args;
	enum pp_err rc;

	if ((rc = sca_args(req, &args)) != PP_OK)
		return rc;
	if (pkey && pp_json_add_str(args, pkey, req->param.s) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	return sca_sam_call(req, op, args, timeout_ms, ans);
}

/* ------------------------------------------------------------------ PKI/RA */

enum {
	SCA_SIG_ID, SCA_SIG_GIVEN_NAME, SCA_SIG_SURNAME, SCA_SIG_COUNTRY, SCA_SIG_SERIAL_NUMBER,
	SCA_SIG_MOBILE, SCA_SIG_EVIDENCE, SCA_SIG_IDP_SUBJECT, SCA_SIG__MAX
};
/* Bounds as the SAM's (docs/ARCHITECTURE.md), which checks the values
 * themselves; ids are tokens so that they can be addressed in a path. */
static const struct pp_field sca_sig_create_fields[SCA_SIG__MAX] = {
	[SCA_SIG_ID] = { "id", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	[SCA_SIG_GIVEN_NAME] = { "given_name", PP_FIELD_STRING, 64, 1, 0, 0, NULL },
	[SCA_SIG_SURNAME] = { "surname", PP_FIELD_STRING, 64, 1, 0, 0, NULL },
	[SCA_SIG_COUNTRY] = { "country", PP_FIELD_TOKEN, 2, 1, 0, 0, NULL },
	[SCA_SIG_SERIAL_NUMBER] = { "serial_number", PP_FIELD_STRING, 64, 1, 0, 0, NULL },
	[SCA_SIG_MOBILE] = { "mobile", PP_FIELD_STRING, 16, 1, 0, 0, NULL },
	[SCA_SIG_EVIDENCE] = { "evidence", PP_FIELD_STRING, 128, 1, 0, 0, NULL },
	[SCA_SIG_IDP_SUBJECT] = { "idp_subject", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
};
/* The same without the id (it is in the path), none required. */
static const struct pp_field sca_sig_update_fields[SCA_SIG__MAX - 1] = {
	{ "given_name", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "surname", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "country", PP_FIELD_TOKEN, 2, 0, 0, 0, NULL },
	{ "serial_number", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "mobile", PP_FIELD_STRING, 16, 0, 0, 0, NULL },
	{ "evidence", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	{ "idp_subject", PP_FIELD_STRING, 256, 0, 0, 0, NULL },
};

static enum pp_err
sca_ra_signatory_create(struct pp_req *req)
{
	json_object *ans;
	enum pp_err rc = sca_forward(req, "signatory.create", NULL, SCA_SAM_TIMEOUT_MS, &ans);

	return rc != PP_OK ? rc : sca_reply_member(req, 201, ans, "signatory");
}

static enum pp_err
sca_ra_signatory_get(struct pp_req *req)
{
	json_object *ans;
	enum pp_err rc = sca_forward(req, "signatory.get", "id", SCA_SAM_TIMEOUT_MS, &ans);

	return rc != PP_OK ? rc : sca_reply_member(req, 200, ans, "signatory");
}

static enum pp_err
sca_ra_signatory_update(struct pp_req *req)
{
	json_object *ans;
	enum pp_err rc = sca_forward(req, "signatory.update", "id", SCA_SAM_TIMEOUT_MS, &ans);

	return rc != PP_OK ? rc : sca_reply_member(req, 200, ans, "signatory");
}

static enum pp_err
sca_ra_signatory_delete(struct pp_req *req)
{
	json_object *ans, *d;
	enum pp_err rc = sca_forward(req, "signatory.delete", "id", SCA_SAM_TIMEOUT_MS, &ans);

	if (rc != PP_OK)
		return rc;
	if (!json_object_object_get_ex(ans, "deleted", &d) || !json_object_get_boolean(d))
		return pp_fail(req, PP_ERR_PROTO, "the SAM did not confirm the deletion");
	return pp_reply_empty(req, 204);
}

enum { SCA_CRED_SIGNATORY, SCA_CRED_KEY_TYPE, SCA_CRED_CA, SCA_CRED__MAX };
static const char *const sca_cred_ca_modes[] = { "builtin", "external", NULL };
static const struct pp_field sca_cred_create_fields[SCA_CRED__MAX] = {
	[SCA_CRED_SIGNATORY] = { "signatory", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	/* Which types exist and which are withdrawn is the SAM's to say. */
	[SCA_CRED_KEY_TYPE] = { "key_type", PP_FIELD_TOKEN, 16, 1, 0, 0, NULL },
	/* Who certifies the key; external: the answer carries the CSR. */
	[SCA_CRED_CA] = { "ca", PP_FIELD_ENUM, 8, 0, 0, 0, sca_cred_ca_modes },
};
/* The external CA's certificate: PEM (with its line breaks) or base64 DER,
 * and an optional chain of PEM certificates.  JSON strings, because PEM
 * has line breaks; the SAM decodes and checks them. */
enum { SCA_CERT_CERTIFICATE, SCA_CERT_CHAIN, SCA_CERT__MAX };
static const struct pp_field sca_cred_cert_fields[SCA_CERT__MAX] = {
	[SCA_CERT_CERTIFICATE] = { "certificate", PP_FIELD_JSON, 0, 1, 0, 0, NULL },
	[SCA_CERT_CHAIN] = { "chain", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
};
#define SCA_CERT_TEXT_MAX 24576		/* PEM of a 16 KiB DER certificate */
#define SCA_CHAIN_TEXT_MAX 16384	/* PEM of the SAM's 8 KiB of chain */

static enum pp_err
sca_ra_credential_create(struct pp_req *req)
{
	json_object *ans;
	enum pp_err rc = sca_forward(req, "credential.create", NULL, SCA_SAM_KEYGEN_TIMEOUT_MS, &ans);

	return rc != PP_OK ? rc : sca_reply_member(req, 201, ans, "credential");
}

static enum pp_err
sca_ra_credential_get(struct pp_req *req)
{
	json_object *ans;
	enum pp_err rc = sca_forward(req, "credential.info", "credential", SCA_SAM_TIMEOUT_MS, &ans);

	return rc != PP_OK ? rc : sca_reply_member(req, 200, ans, "credential");
}

static enum pp_err
sca_ra_credential_certificate(struct pp_req *req)
{
	static const size_t max[SCA_CERT__MAX] = { SCA_CERT_TEXT_MAX, SCA_CHAIN_TEXT_MAX };
	json_object *args, *ans;
	enum pp_err rc;

	for (size_t i = 0; i < SCA_CERT__MAX; i++) {
		json_object *j = req->val[i].j;
		if (!req->val[i].set)
			continue;
		if (!json_object_is_type(j, json_type_string) || json_object_get_string_len(j) == 0 ||
		    (size_t)json_object_get_string_len(j) > max[i])
			return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' must be a string of 1 to %zu bytes.",
			    sca_cred_cert_fields[i].name, max[i]);
	}
	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(args, "credential", req->param.s) != PP_OK ||
	    pp_json_add_str(args, "certificate", json_object_get_string(req->val[SCA_CERT_CERTIFICATE].j)) != PP_OK ||
	    (req->val[SCA_CERT_CHAIN].set && pp_json_add_str(args, "chain",
	    json_object_get_string(req->val[SCA_CERT_CHAIN].j)) != PP_OK)) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "credential.certificate", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	return sca_reply_member(req, 200, ans, "credential");
}

/* A legacy key already in the signatory token (KEY-2), registered with
 * its certificate: the SAM checks the key, the certificate and the date. */
enum { SCA_IMP_SIGNATORY, SCA_IMP_KEY_ID, SCA_IMP_CERTIFICATE, SCA_IMP_CHAIN, SCA_IMP__MAX };
static const struct pp_field sca_cred_import_fields[SCA_IMP__MAX] = {
	[SCA_IMP_SIGNATORY] = { "signatory", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	/* The key's CKA_ID in hex: the SAM says which lengths it takes. */
	[SCA_IMP_KEY_ID] = { "key_id", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[SCA_IMP_CERTIFICATE] = { "certificate", PP_FIELD_JSON, 0, 1, 0, 0, NULL },
	[SCA_IMP_CHAIN] = { "chain", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
};

static enum pp_err
sca_ra_credential_import(struct pp_req *req)
{
	static const size_t max[SCA_IMP__MAX] = { 0, 0, SCA_CERT_TEXT_MAX, SCA_CHAIN_TEXT_MAX };
	json_object *args, *ans;
	enum pp_err rc;

	for (size_t i = SCA_IMP_CERTIFICATE; i < SCA_IMP__MAX; i++) {
		json_object *j = req->val[i].j;
		if (!req->val[i].set)
			continue;
		if (!json_object_is_type(j, json_type_string) || json_object_get_string_len(j) == 0 ||
		    (size_t)json_object_get_string_len(j) > max[i])
			return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' must be a string of 1 to %zu bytes.",
			    sca_cred_import_fields[i].name, max[i]);
	}
	if ((args = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(args, "signatory", req->val[SCA_IMP_SIGNATORY].s) != PP_OK ||
	    pp_json_add_str(args, "key_id", req->val[SCA_IMP_KEY_ID].s) != PP_OK ||
	    pp_json_add_str(args, "certificate", json_object_get_string(req->val[SCA_IMP_CERTIFICATE].j)) != PP_OK ||
	    (req->val[SCA_IMP_CHAIN].set && pp_json_add_str(args, "chain",
	    json_object_get_string(req->val[SCA_IMP_CHAIN].j)) != PP_OK)) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "credential.import", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	return sca_reply_member(req, 201, ans, "credential");
}

static enum pp_err
sca_ra_credential_revoke(struct pp_req *req)
{
	json_object *ans;
	enum pp_err rc = sca_forward(req, "credential.revoke", "credential", SCA_SAM_TIMEOUT_MS, &ans);

	return rc != PP_OK ? rc : sca_reply_member(req, 200, ans, "credential");
}

/* ------------------------------------------------------------------ CSC credentials */

static const char *const sca_certs_choices[] = { "none", "single", "chain", NULL };

/* One credential's CSC description, fetched with credential.info. */
static enum pp_err
sca_csc_describe(struct pp_req *req, const char *id, const struct sca_cred_opts *o, json_object **out)
{
	json_object *args = json_object_new_object(), *ans, *cred;
	enum pp_err rc;

	if (args == NULL || pp_json_add_str(args, "credential", id) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "credential.info", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if (!json_object_object_get_ex(ans, "credential", &cred) || !json_object_is_type(cred, json_type_object))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no credential");
	/* A creation that failed half-way never existed for the SCA. */
	if (!sca_cred_visible(cred))
		return pp_fail(req, PP_ERR_NOT_FOUND, "No credential with this id.");
	if ((rc = sca_cred_info(cred, o, (int64_t)time(NULL), out)) == PP_ERR_PROTO)
		return pp_fail(req, rc, "the SAM's credential %s cannot be described", id);
	return rc;
}

static enum sca_cred_certs
sca_csc_certs(const struct pp_value *v)
{
	if (!v->set || strcmp(v->s, "single") == 0)
		return SCA_CERTS_SINGLE;	/* the CSC default */
	return strcmp(v->s, "none") == 0 ? SCA_CERTS_NONE : SCA_CERTS_CHAIN;
}

enum {
	SCA_CINFO_CREDENTIAL_ID, SCA_CINFO_CERTIFICATES, SCA_CINFO_CERT_INFO, SCA_CINFO_AUTH_INFO,
	SCA_CINFO_LANG, SCA_CINFO_CLIENT_DATA, SCA_CINFO__MAX
};
static const struct pp_field sca_cinfo_fields[SCA_CINFO__MAX] = {
	[SCA_CINFO_CREDENTIAL_ID] = { "credentialID", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	[SCA_CINFO_CERTIFICATES] = { "certificates", PP_FIELD_ENUM, 0, 0, 0, 0, sca_certs_choices },
	[SCA_CINFO_CERT_INFO] = { "certInfo", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	[SCA_CINFO_AUTH_INFO] = { "authInfo", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	[SCA_CINFO_LANG] = { "lang", PP_FIELD_TOKEN, 35, 0, 0, 0, NULL },
	/* Opaque to the service (CSC): accepted, not used. */
	[SCA_CINFO_CLIENT_DATA] = { "clientData", PP_FIELD_STRING, 255, 0, 0, 0, NULL },
};

static enum pp_err
sca_csc_credentials_info(struct pp_req *req)
{
	struct sca_cred_opts o = {
		.certs = sca_csc_certs(&req->val[SCA_CINFO_CERTIFICATES]),
		.cert_info = req->val[SCA_CINFO_CERT_INFO].set && req->val[SCA_CINFO_CERT_INFO].i,
		.auth_info = req->val[SCA_CINFO_AUTH_INFO].set && req->val[SCA_CINFO_AUTH_INFO].i,
		.multisign = SCA_MULTISIGN,
	};
	json_object *info;
	enum pp_err rc;

	if ((rc = sca_algorithms(req, &o.algos)) != PP_OK)
		return rc;
	rc = sca_csc_describe(req, req->val[SCA_CINFO_CREDENTIAL_ID].s, &o, &info);
	return rc != PP_OK ? rc : pp_reply_json(req, 200, info);
}

enum {
	SCA_LIST_USER_ID, SCA_LIST_CREDENTIAL_INFO, SCA_LIST_CRED_INFO, SCA_LIST_CERTIFICATES,
	SCA_LIST_CERT_INFO, SCA_LIST_AUTH_INFO, SCA_LIST_ONLY_VALID, SCA_LIST_MAX_RESULTS,
	SCA_LIST_LANG, SCA_LIST_CLIENT_DATA, SCA_LIST__MAX
};
static const struct pp_field sca_list_fields[SCA_LIST__MAX] = {
	/* The signatory's id: the SCA authenticates with its certificate, no
	 * user-specific token, so the owner is always named. */
	[SCA_LIST_USER_ID] = { "userID", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	[SCA_LIST_CREDENTIAL_INFO] = { "credentialInfo", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	[SCA_LIST_CRED_INFO] = { "credInfo", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	[SCA_LIST_CERTIFICATES] = { "certificates", PP_FIELD_ENUM, 0, 0, 0, 0, sca_certs_choices },
	[SCA_LIST_CERT_INFO] = { "certInfo", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	[SCA_LIST_AUTH_INFO] = { "authInfo", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	[SCA_LIST_ONLY_VALID] = { "onlyValid", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	/* v1.0.4: a cap on the answer; there is no paging (no pageToken). */
	[SCA_LIST_MAX_RESULTS] = { "maxResults", PP_FIELD_INT, 0, 0, 1, 1000, NULL },
	[SCA_LIST_LANG] = { "lang", PP_FIELD_TOKEN, 35, 0, 0, 0, NULL },
	[SCA_LIST_CLIENT_DATA] = { "clientData", PP_FIELD_STRING, 255, 0, 0, 0, NULL },
};

static int
sca_flag(const struct pp_req *req, int i)
{
	return req->val[i].set && req->val[i].i;
}

static enum pp_err
sca_csc_credentials_list(struct pp_req *req)
{
	const struct pp_value *ci = &req->val[SCA_LIST_CREDENTIAL_INFO], *alias = &req->val[SCA_LIST_CRED_INFO];
	struct sca_cred_opts o = {
		.certs = sca_csc_certs(&req->val[SCA_LIST_CERTIFICATES]),
		.cert_info = sca_flag(req, SCA_LIST_CERT_INFO),
		.auth_info = sca_flag(req, SCA_LIST_AUTH_INFO),
		.multisign = SCA_MULTISIGN,
	};
	int with_info, only_valid = sca_flag(req, SCA_LIST_ONLY_VALID);
	int64_t max = req->val[SCA_LIST_MAX_RESULTS].set ? req->val[SCA_LIST_MAX_RESULTS].i : 1000;
	int64_t now = (int64_t)time(NULL);
	json_object *args, *ans, *creds, *doc = NULL, *ids, *infos = NULL;
	enum pp_err rc;

	if (ci->set && alias->set && ci->i != alias->i)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "credentialInfo and its alias credInfo disagree.");
	with_info = (ci->set && ci->i) || (alias->set && alias->i);
	if ((with_info || only_valid) && (rc = sca_algorithms(req, &o.algos)) != PP_OK)
		return rc;
	if ((args = json_object_new_object()) == NULL ||
	    pp_json_add_str(args, "signatory", req->val[SCA_LIST_USER_ID].s) != PP_OK) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "credential.list", args, SCA_SAM_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if (!json_object_object_get_ex(ans, "credentials", &creds) || !json_object_is_type(creds, json_type_array))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has no credentials");
	if ((doc = json_object_new_object()) == NULL || (ids = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(doc, "credentialIDs", ids);
	if (with_info) {
		if ((infos = json_object_new_array()) == NULL)
			goto nomem;
		json_object_object_add(doc, "credentialInfos", infos);
	}
	for (size_t i = 0; i < json_object_array_length(creds) && (int64_t)json_object_array_length(ids) < max; i++) {
		json_object *c = json_object_array_get_idx(creds, i), *info;
		const char *id = pp_json_get_str(c, "id");
		if (id == NULL) {
			rc = pp_fail(req, PP_ERR_PROTO, "a credential without id");
			goto fail;
		}
		if (!sca_cred_visible(c) ||
		    (only_valid && !(sca_cred_usable(c, now) && sca_cred_key_allowed(c, o.algos))))
			continue;
		if (json_object_array_add(ids, json_object_new_string(id)) != 0)
			goto nomem;
		if (!with_info)
			continue;
		if ((rc = sca_csc_describe(req, id, &o, &info)) != PP_OK)
			goto fail;
		if (pp_json_add_str(info, "credentialID", id) != PP_OK || json_object_array_add(infos, info) != 0) {
			json_object_put(info);
			goto nomem;
		}
	}
	if (only_valid && pp_json_add_bool(doc, "onlyValid", 1) != PP_OK)
		goto nomem;
	return pp_reply_json(req, 200, doc);
nomem:
	rc = PP_ERR_NOMEM;
fail:
	json_object_put(doc);
	return rc;
}

/* ------------------------------------------------------------------ CSC signHash */

#define SCA_OID_RSASSA_PSS "1.2.840.113549.1.1.10"

static const char *const sca_opmode_choices[] = { "S", "A", NULL };

enum {
	SCA_SH_CREDENTIAL_ID, SCA_SH_SAD, SCA_SH_HASHES, SCA_SH_HASH, SCA_SH_HASH_OID, SCA_SH_HASH_ALGO,
	SCA_SH_SIGN_ALGO, SCA_SH_SIGN_ALGO_PARAMS, SCA_SH_OPERATION_MODE, SCA_SH_CLIENT_DATA, SCA_SH__MAX
};
/* hash and hashAlgo are the v1.0.4 names of hashes and hashAlgorithmOID;
 * exactly one of each pair.  The SAD, the digests and the algorithms are
 * the SAM's to check; here only their shape and bounds. */
static const struct pp_field sca_sh_fields[SCA_SH__MAX] = {
	[SCA_SH_CREDENTIAL_ID] = { "credentialID", PP_FIELD_TOKEN, PP_PATH_PARAM_MAX, 1, 0, 0, NULL },
	/* 64 base64url characters; longer is no SAD either, but the SAM says so. */
	[SCA_SH_SAD] = { "SAD", PP_FIELD_TOKEN, 128, 1, 0, 0, NULL },
	[SCA_SH_HASHES] = { "hashes", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
	[SCA_SH_HASH] = { "hash", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
	[SCA_SH_HASH_OID] = { "hashAlgorithmOID", PP_FIELD_TOKEN, SCA_PSS_OID_MAX - 1, 0, 0, 0, NULL },
	[SCA_SH_HASH_ALGO] = { "hashAlgo", PP_FIELD_TOKEN, SCA_PSS_OID_MAX - 1, 0, 0, 0, NULL },
	[SCA_SH_SIGN_ALGO] = { "signAlgo", PP_FIELD_TOKEN, SCA_PSS_OID_MAX - 1, 1, 0, 0, NULL },
	[SCA_SH_SIGN_ALGO_PARAMS] = { "signAlgoParams", PP_FIELD_STRING, SCA_PSS_B64_MAX, 0, 0, 0, NULL },
	[SCA_SH_OPERATION_MODE] = { "operationMode", PP_FIELD_ENUM, 0, 0, 0, 0, sca_opmode_choices },
	[SCA_SH_CLIENT_DATA] = { "clientData", PP_FIELD_STRING, 255, 0, 0, 0, NULL },
};

/* The one value of a field and its alias; NULL with the error set when
 * both or neither are given. */
static const struct pp_value *
sca_sh_pair(struct pp_req *req, int v2, int v1, enum pp_err *rc)
{
	const struct pp_value *a = &req->val[v2], *b = &req->val[v1];

	if (a->set == b->set) {
		*rc = pp_fail(req, a->set ? PP_ERR_FIELD_INVALID : PP_ERR_FIELD_MISSING,
		    a->set ? "Give '%s' or its alias '%s', not both." : "Field '%s' (or its alias '%s') is required.",
		    req->route->fields[v2].name, req->route->fields[v1].name);
		return NULL;
	}
	return a->set ? a : b;
}

/* The hashes as a new array of strings for the SAM (1..SCA_MULTISIGN). */
static enum pp_err
sca_sh_hashes(struct pp_req *req, const struct pp_value *v, json_object **out)
{
	json_object *a;
	size_t n;

	if (!json_object_is_type(v->j, json_type_array) || (n = json_object_array_length(v->j)) == 0 ||
	    n > SCA_MULTISIGN)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "The hashes must be an array of 1 to %d base64 strings.",
		    SCA_MULTISIGN);
	if ((a = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(v->j, i);
		if (!json_object_is_type(h, json_type_string)) {
			json_object_put(a);
			return pp_fail(req, PP_ERR_FIELD_INVALID, "Hash %zu is not a string.", i + 1);
		}
		if (json_object_array_add(a, json_object_new_string(json_object_get_string(h))) != 0) {
			json_object_put(a);
			return PP_ERR_NOMEM;
		}
	}
	*out = a;
	return PP_OK;
}

static enum pp_err
sca_csc_sign_hash(struct pp_req *req)
{
	const struct pp_value *hashes, *halg, *params = &req->val[SCA_SH_SIGN_ALGO_PARAMS];
	const char *salg = req->val[SCA_SH_SIGN_ALGO].s, *why;
	int pss = strcmp(salg, SCA_OID_RSASSA_PSS) == 0;
	struct sca_pss p;
	json_object *args = NULL, *h = NULL, *ans, *sigs, *doc;
	enum pp_err rc;

	if ((hashes = sca_sh_pair(req, SCA_SH_HASHES, SCA_SH_HASH, &rc)) == NULL ||
	    (halg = sca_sh_pair(req, SCA_SH_HASH_OID, SCA_SH_HASH_ALGO, &rc)) == NULL)
		return rc;
	/* Asynchronous signing would need signatures/signHash results to be
	 * polled; it is not served, and an SCA must not believe it is. */
	if (req->val[SCA_SH_OPERATION_MODE].set && strcmp(req->val[SCA_SH_OPERATION_MODE].s, "S") != 0)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "operationMode 'A' (asynchronous) is not supported: use 'S'.");
	if (pss && !params->set)
		return pp_fail(req, PP_ERR_FIELD_MISSING, "signAlgoParams is required with RSASSA-PSS.");
	if (!pss && params->set)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "signAlgoParams is only for RSASSA-PSS.");
	if (pss) {
		if (sca_pss_decode(params->s, params->len, &p, &why) != PP_OK)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "%s", why);
		if (strcmp(p.hash, halg->s) != 0)
			return pp_fail(req, PP_ERR_FIELD_INVALID,
			    "The hash of signAlgoParams differs from hashAlgorithmOID.");
	}
	if ((rc = sca_sh_hashes(req, hashes, &h)) != PP_OK)
		return rc;
	if ((args = json_object_new_object()) == NULL) {
		json_object_put(h);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(args, "hashes", h);
	if (pp_json_add_str(args, "credential", req->val[SCA_SH_CREDENTIAL_ID].s) != PP_OK ||
	    pp_json_add_str(args, "sad", req->val[SCA_SH_SAD].s) != PP_OK ||
	    pp_json_add_str(args, "hash_algo", halg->s) != PP_OK ||
	    pp_json_add_str(args, "sign_algo", salg) != PP_OK ||
	    (pss && (pp_json_add_str(args, "pss_mgf1", p.mgf1) != PP_OK ||
	    pp_json_add_int(args, "pss_salt_len", p.salt_len) != PP_OK))) {
		json_object_put(args);
		return PP_ERR_NOMEM;
	}
	if ((rc = sca_sam_call(req, "sign", args, SCA_SAM_SIGN_TIMEOUT_MS, &ans)) != PP_OK)
		return rc;
	if (!json_object_object_get_ex(ans, "signatures", &sigs) || !json_object_is_type(sigs, json_type_array) ||
	    json_object_array_length(sigs) != json_object_array_length(hashes->j))
		return pp_fail(req, PP_ERR_PROTO, "the SAM's answer has not one signature per hash");
	if ((doc = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	/* The array belongs to the SAM's answer, freed with the pool. */
	json_object_object_add(doc, "signatures", json_object_get(sigs));
	return pp_reply_json(req, 200, doc);
}

static const struct pp_route sca_routes[] = {
	{ PP_GET | PP_POST, "/csc/v2/info", sca_info, PP_BODY_JSON, sca_info_fields, SCA_INFO__MAX },
	{ PP_POST, "/csc/v2/credentials/list", sca_csc_credentials_list, PP_BODY_JSON, sca_list_fields,
	    SCA_LIST__MAX },
	{ PP_POST, "/csc/v2/credentials/info", sca_csc_credentials_info, PP_BODY_JSON, sca_cinfo_fields,
	    SCA_CINFO__MAX },
	{ PP_POST, "/csc/v2/signatures/signHash", sca_csc_sign_hash, PP_BODY_JSON, sca_sh_fields, SCA_SH__MAX },
	{ PP_GET, "/csc/v2/notices", sca_notices, PP_BODY_NONE, NULL, 0 },
	/* The authorisation requests (sca_oauth.c, docs/AUTHZ.md). */
	{ PP_POST, "/csc/v2/oauth2/pushed_authorize", sca_oauth_par, PP_BODY_JSON_FORM, sca_par_fields, SCA_PAR__MAX },
	{ PP_POST, "/csc/v2/oauth2/token", sca_oauth_token, PP_BODY_JSON_FORM, sca_token_fields, SCA_TOK__MAX },
	{ PP_POST, "/csc/v2/credentials/authorize", sca_oauth_authorize, PP_BODY_JSON, sca_ca_fields, SCA_CA__MAX },
	{ PP_POST, "/csc/v2/credentials/authorizeCheck", sca_oauth_authorize_check, PP_BODY_JSON, sca_check_fields,
	    SCA_CHK__MAX },
	/* Ephemeral signing sessions (KEY-4, sca_oauth.c). */
	{ PP_POST, "/ephemeral/v1/sessions", sca_ephemeral_create, PP_BODY_JSON, sca_eph_create_fields, SCA_EPH__MAX },
	{ PP_GET, "/ephemeral/v1/sessions/{id}", sca_ephemeral_get, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/ephemeral/v1/sessions/{id}/documents", sca_ephemeral_documents, PP_BODY_JSON, sca_eph_docs_fields,
	    SCA_EPHD__MAX },
	{ PP_POST, "/ephemeral/v1/sessions/{id}/close", sca_ephemeral_close, PP_BODY_JSON, NULL, 0 },
	{ PP_POST, "/ra/v1/signatories", sca_ra_signatory_create, PP_BODY_JSON, sca_sig_create_fields,
	    SCA_SIG__MAX },
	{ PP_GET, "/ra/v1/signatories/{id}", sca_ra_signatory_get, PP_BODY_NONE, NULL, 0 },
	{ PP_PATCH, "/ra/v1/signatories/{id}", sca_ra_signatory_update, PP_BODY_JSON, sca_sig_update_fields,
	    SCA_SIG__MAX - 1 },
	{ PP_DELETE, "/ra/v1/signatories/{id}", sca_ra_signatory_delete, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/ra/v1/credentials", sca_ra_credential_create, PP_BODY_JSON, sca_cred_create_fields,
	    SCA_CRED__MAX },
	{ PP_GET, "/ra/v1/credentials/{id}", sca_ra_credential_get, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/ra/v1/credentials/import", sca_ra_credential_import, PP_BODY_JSON, sca_cred_import_fields,
	    SCA_IMP__MAX },
	/* No fields: an empty body or {}. */
	{ PP_POST, "/ra/v1/credentials/{id}/revoke", sca_ra_credential_revoke, PP_BODY_JSON, NULL, 0 },
	{ PP_POST, "/ra/v1/credentials/{id}/certificate", sca_ra_credential_certificate, PP_BODY_JSON,
	    sca_cred_cert_fields, SCA_CERT__MAX },
};

static const struct pp_app sca_app = {
	.name = "sca",
	.out = PP_OUT_JSON,
	.cert = PP_CERT_REQUIRED,
	.deps = PP_DEP_SAM | PP_DEP_AUDIT,
	.routes = sca_routes,
	.nroutes = sizeof(sca_routes) / sizeof(sca_routes[0]),
};

int
main(int argc, char **argv)
{
	return pp_http_main(&sca_app, argc, argv);
}
