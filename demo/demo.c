/*
 * paraphe-demo: the demo pages of the quickstart instance (service.demo).
 * Never part of a production deployment: it holds the demo SCA's client
 * key and plays that SCA.
 *
 *   /demo/sca    a Signature Creation Application as an integrator would
 *                write one: the visitor picks a file (hashed in the browser,
 *                static/demo-sca.js; without JavaScript, a text typed in is
 *                hashed here), the page starts the CSC OAuth2 flow (PKCE,
 *                RAR with the document's label), and on the way back
 *                exchanges the code for the SAD (oauth2/token), has the hash
 *                signed (signatures/signHash) and shows the signature, the
 *                certificate and the openssl commands that verify them.
 *   /demo/phone  the demo "phone": the text messages the SAM wrote to the
 *                SMS spool (there is no gateway in the demo).
 *
 * The SCA side talks to the real SCA API over mutual TLS with libcurl, as
 * any SCA would; nothing here reaches the SAM directly.  Pending flows (the
 * PKCE verifier of each state) live in this process's memory: the demo runs
 * one worker, and a restart only loses flows under way.
 */
#include "config.h"
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "pp_conf.h"
#include "pp_core.h"
#include "pp_html.h"
#include "pp_http.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_util.h"

#define DEMO_PENDING 64			/* flows under way */
#define DEMO_PENDING_LIFE_S 1800
#define DEMO_SMS_SHOWN 20
#define DEMO_SMS_MAX 4096		/* bytes of one spool file */
#define DEMO_ANSWER_MAX (1024 * 1024)
#define DEMO_CSRF_COOKIE "__Host-paraphe-demo"
#define DEMO_SHA256_OID "2.16.840.1.101.3.4.2.1"
#define DEMO_ECDSA_SHA256 "1.2.840.10045.4.3.2"
#define DEMO_RSA_SHA256 "1.2.840.113549.1.1.11"

struct demo_flow {
	time_t created;			/* 0: free slot */
	char state[33];			/* 128 bits, hex */
	char verifier[48];		/* 32 bytes, base64url (the encoder writes 44 + NUL) */
	char credential[65];
	char key_type[16];
	char hash[45];			/* base64 of the SHA-256 */
	char label[129];
	char text[2048];		/* the typed text, when no file was chosen */
};

static struct demo_flow demo_flows[DEMO_PENDING];

/* The demo SCA's certificate and key, read before the privilege drop (the
 * key file is root-only); the key is wiped at exit. */
static char *demo_cert, *demo_key;
static size_t demo_cert_len, demo_key_len;

/* Pool cleanup of a JSON object. */
static void
demo_json_put(void *o)
{
	json_object_put(o);
}

/* base64url without padding of len bytes into out (4 * ceil(len / 3) + 1). */
static void
demo_b64url(const unsigned char *in, size_t len, char *out)
{
	char *p;

	pp_b64_encode(in, len, out);
	for (p = out; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=') {
			*p = '\0';
			break;
		}
	}
}

static enum pp_err
demo_random_hex(char *out, size_t bytes)
{
	unsigned char r[32];

	if (bytes > sizeof(r) || RAND_bytes(r, (int)bytes) != 1)
		return PP_ERR_INTERNAL;
	pp_hex(r, bytes, out);
	return PP_OK;
}

/* demo.json (service.demo's instance description), read at each request:
 * scripts/demo-enrol adds the demo credentials after the service started.
 * OUT *info owned by the request. */
static enum pp_err
demo_info(struct pp_req *req, json_object **info)
{
	char *data = NULL;
	size_t len = 0;
	enum pp_err rc;

	rc = pp_file_read(pp_conf_str(req->ctx->conf, "demo", "info_file"), 256 * 1024, &data, &len);
	if (rc != PP_OK)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The demo instance description cannot be read.");
	rc = pp_json_parse(data, len, 16, 4096, info);
	pp_free(data);
	if (rc != PP_OK)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The demo instance description is not valid JSON.");
	if (pp_pool_cleanup(req->pool, demo_json_put, *info) != PP_OK) {
		json_object_put(*info);
		return PP_ERR_NOMEM;
	}
	return PP_OK;
}

/* A string member at a dotted path of info, or NULL. */
static const char *
demo_get(json_object *info, const char *a, const char *b, const char *c)
{
	json_object *o = info;
	const char *path[3] = { a, b, c };

	for (int i = 0; i < 3 && path[i]; i++)
		if (!json_object_object_get_ex(o, path[i], &o))
			return NULL;
	return json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/* The browser's CSRF token (double submit: a random cookie the form repeats). */
static enum pp_err
demo_csrf(struct pp_req *req, const char **token)
{
	const char *c = pp_req_cookie(req, DEMO_CSRF_COOKIE);
	char *t;

	if (c != NULL && strlen(c) == 64) {
		*token = c;
		return PP_OK;
	}
	if ((t = pp_pool_alloc(req->pool, 65)) == NULL)
		return PP_ERR_NOMEM;
	if (demo_random_hex(t, 32) != PP_OK)
		return PP_ERR_INTERNAL;
	*token = t;
	return pp_reply_cookie(req, DEMO_CSRF_COOKIE, t, -1);
}

static enum pp_err
demo_page(struct pp_req *req, const char *tmpl)
{
	HDF *hdf = pp_req_hdf(req);

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	return pp_reply_html(req, 200, tmpl);
}

static enum pp_err
demo_home(struct pp_req *req)
{
	return pp_reply_redirect(req, 303, "/demo/sca");
}

static enum pp_err
demo_sca(struct pp_req *req)
{
	HDF *hdf = pp_req_hdf(req);
	json_object *info;
	const char *csrf, *ec, *rsa;
	enum pp_err rc;

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	if ((rc = demo_info(req, &info)) != PP_OK || (rc = demo_csrf(req, &csrf)) != PP_OK)
		return rc;
	ec = demo_get(info, "demo", "credentials", "ec-p256");
	rsa = demo_get(info, "demo", "credentials", "rsa3072");
	if ((rc = pp_hdf_set(hdf, "Demo.csrf", csrf)) != PP_OK ||
	    (ec && (rc = pp_hdf_set(hdf, "Demo.ec", ec)) != PP_OK) ||
	    (rsa && (rc = pp_hdf_set(hdf, "Demo.rsa", rsa)) != PP_OK) ||
	    (rc = pp_hdf_set(hdf, "Demo.signatory", demo_get(info, "demo", "signatory", "id"))) != PP_OK)
		return rc;
	return demo_page(req, "demo_sca.cs");
}

enum { DS_CSRF, DS_LABEL, DS_TEXT, DS_HASH, DS_KEY, DS__MAX };
static const char *const demo_keys[] = { "ec-p256", "rsa3072", NULL };
static const struct pp_field demo_start_fields[DS__MAX] = {
	[DS_CSRF] = { "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },	/* checked by pp_csrf_check */
	[DS_LABEL] = { "label", PP_FIELD_STRING, 128, 0, 0, 0, NULL },
	[DS_TEXT] = { "text", PP_FIELD_STRING, 2000, 0, 0, 0, NULL },
	[DS_HASH] = { "hash", PP_FIELD_TOKEN, 44, 0, 0, 0, NULL },
	[DS_KEY] = { "key_type", PP_FIELD_ENUM, 8, 1, 0, 0, demo_keys },
};

static struct demo_flow *
demo_flow_slot(void)
{
	time_t now = time(NULL);
	struct demo_flow *oldest = &demo_flows[0];

	for (size_t i = 0; i < DEMO_PENDING; i++) {
		struct demo_flow *f = &demo_flows[i];
		if (f->created == 0 || now - f->created > DEMO_PENDING_LIFE_S)
			return f;
		if (f->created < oldest->created)
			oldest = f;
	}
	return oldest;
}

static struct demo_flow *
demo_flow_find(const char *state)
{
	time_t now = time(NULL);

	if (state == NULL || strlen(state) != 32)
		return NULL;
	for (size_t i = 0; i < DEMO_PENDING; i++) {
		struct demo_flow *f = &demo_flows[i];
		if (f->created != 0 && now - f->created <= DEMO_PENDING_LIFE_S &&
		    pp_ct_equal(f->state, state, 32))
			return f;
	}
	return NULL;
}

static enum pp_err
demo_start(struct pp_req *req)
{
	const struct pp_value *v = req->val;
	json_object *info, *rar = NULL, *d, *docs, *doc;
	struct demo_flow *f;
	unsigned char digest[SHA256_DIGEST_LENGTH], rnd[32];
	char challenge[48];
	const char *cred, *pub, *url;
	enum pp_err rc;

	if ((rc = pp_csrf_check(req, pp_req_cookie(req, DEMO_CSRF_COOKIE))) != PP_OK)
		return rc;
	if ((rc = demo_info(req, &info)) != PP_OK)
		return rc;
	cred = demo_get(info, "demo", "credentials", v[DS_KEY].s);
	pub = demo_get(info, "urls", "public", NULL);
	if (cred == NULL || pub == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The demo credentials are not enrolled yet "
		    "(scripts/demo-enrol runs at the end of the quickstart).");
	f = demo_flow_slot();
	memset(f, 0, sizeof(*f));
	if (v[DS_HASH].set && v[DS_HASH].len > 0) {
		size_t n = 0;
		if (pp_b64_decode(v[DS_HASH].s, v[DS_HASH].len, digest, sizeof(digest), &n) != PP_OK ||
		    n != sizeof(digest))
			return pp_fail(req, PP_ERR_FIELD_INVALID, "The file's hash is not a base64 SHA-256 digest.");
	} else if (v[DS_TEXT].set && v[DS_TEXT].len > 0) {
		SHA256((const unsigned char *)v[DS_TEXT].s, v[DS_TEXT].len, digest);
		memcpy(f->text, v[DS_TEXT].s, v[DS_TEXT].len);
	} else
		return pp_fail(req, PP_ERR_FIELD_MISSING, "Choose a file or type a text to sign.");
	pp_b64_encode(digest, sizeof(digest), f->hash);
	snprintf(f->label, sizeof(f->label), "%s", v[DS_LABEL].set && v[DS_LABEL].len ? v[DS_LABEL].s :
	    (f->text[0] ? "Demo text" : "Demo document"));
	snprintf(f->credential, sizeof(f->credential), "%s", cred);
	snprintf(f->key_type, sizeof(f->key_type), "%s", v[DS_KEY].s);
	if (demo_random_hex(f->state, 16) != PP_OK || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return PP_ERR_INTERNAL;
	demo_b64url(rnd, sizeof(rnd), f->verifier);
	SHA256((const unsigned char *)f->verifier, strlen(f->verifier), digest);
	demo_b64url(digest, sizeof(digest), challenge);
	f->created = time(NULL);

	/* RAR (authorization_details) carries the document's label. */
	if ((rar = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_pool_cleanup(req->pool, demo_json_put, rar) != PP_OK) {
		json_object_put(rar);
		return PP_ERR_NOMEM;
	}
	if ((d = json_object_new_object()) == NULL || json_object_array_add(rar, d) != 0 ||
	    pp_json_add_str(d, "type", "credential") != PP_OK ||
	    pp_json_add_str(d, "credentialID", f->credential) != PP_OK ||
	    pp_json_add_str(d, "hashAlgorithmOID", DEMO_SHA256_OID) != PP_OK ||
	    (docs = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(d, "documentDigests", docs);
	if ((doc = json_object_new_object()) == NULL || json_object_array_add(docs, doc) != 0 ||
	    pp_json_add_str(doc, "hash", f->hash) != PP_OK || pp_json_add_str(doc, "label", f->label) != PP_OK)
		return PP_ERR_NOMEM;

	url = pp_pool_printf(req->pool, "%scsc/v2/oauth2/authorize", pub);
	if (url == NULL ||
	    (url = pp_url_add_param(req->pool, url, "response_type", "code")) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "client_id",
	    pp_conf_str(req->ctx->conf, "demo", "client_id"))) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "redirect_uri",
	    pp_pool_printf(req->pool, "%sdemo/sca/callback", pub))) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "scope", "credential")) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "authorization_details",
	    json_object_to_json_string_ext(rar, JSON_C_TO_STRING_PLAIN))) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "code_challenge", challenge)) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "code_challenge_method", "S256")) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "state", f->state)) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "description", "Paraphe demo SCA")) == NULL ||
	    (url = pp_url_add_param(req->pool, url, "lang", req->lang)) == NULL)
		return PP_ERR_NOMEM;
	return pp_reply_redirect(req, 303, url);
}

/* libcurl write callback into a bounded buffer. */
struct demo_buf {
	char *p;
	size_t len, cap;
};

static size_t
demo_curl_write(char *data, size_t size, size_t n, void *arg)
{
	struct demo_buf *b = arg;
	size_t len = size * n;

	if (len > b->cap - b->len)
		return 0;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return len;
}

/* POSTs body (content type ctype) to the SCA API's path with the demo SCA's
 * certificate.  OUT *status, *answer (JSON, owned by the request). */
static enum pp_err
demo_sca_call(struct pp_req *req, json_object *info, const char *path, const char *ctype,
    const char *body, long *status, json_object **answer)
{
	struct demo_buf b = { NULL, 0, 64 * 1024 };
	struct curl_slist *h = NULL;
	const char *api = demo_get(info, "urls", "sca_api", NULL);
	char hdr[128];
	CURL *c;
	CURLcode cc;
	enum pp_err rc = PP_ERR_UNAVAILABLE;

	*answer = NULL;
	if (api == NULL)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "The demo instance description has no SCA API URL.");
	if ((b.p = pp_pool_alloc(req->pool, b.cap + 1)) == NULL || (c = curl_easy_init()) == NULL)
		return PP_ERR_NOMEM;
	snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
	h = curl_slist_append(NULL, hdr);
	curl_easy_setopt(c, CURLOPT_URL, pp_pool_printf(req->pool, "%s%s", api, path));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_CAINFO, demo_get(info, "ca_file", NULL, NULL));
	{
		struct curl_blob cb = { demo_cert, demo_cert_len, CURL_BLOB_COPY };
		struct curl_blob kb = { demo_key, demo_key_len, CURL_BLOB_COPY };
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cb);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &kb);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 25000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, demo_curl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		pp_warn_log("%s: %s", path, curl_easy_strerror(cc));
		rc = pp_fail(req, PP_ERR_UNAVAILABLE, "The SCA API did not answer (%s).", curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (pp_json_parse(b.p, b.len, 16, 4096, answer) != PP_OK) {
		rc = pp_fail(req, PP_ERR_PROTO, "The SCA API's answer to %s is not JSON.", path);
		goto out;
	}
	if (pp_pool_cleanup(req->pool, demo_json_put, *answer) != PP_OK) {
		json_object_put(*answer);
		*answer = NULL;
		rc = PP_ERR_NOMEM;
		goto out;
	}
	rc = PP_OK;
out:
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

/* An SCA API error answer as the page's error text. */
static enum pp_err
demo_api_error(struct pp_req *req, const char *step, long status, json_object *answer)
{
	json_object *e = NULL, *d = NULL;

	json_object_object_get_ex(answer, "error", &e);
	json_object_object_get_ex(answer, "error_description", &d);
	pp_warn_log("%s: the SCA API answered %ld %s %s", step, status, e ? json_object_get_string(e) : "",
	    d ? json_object_get_string(d) : "");
	return pp_fail(req, PP_ERR_PROTO, "%s: the SCA API answered %ld %s%s%s", step, status,
	    e ? json_object_get_string(e) : "", d ? ": " : "", d ? json_object_get_string(d) : "");
}

/* PEM of a base64 DER certificate, 64 characters a line (pool). */
static char *
demo_pem(struct pp_pool *pool, const char *b64)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----\n", end[] = "-----END CERTIFICATE-----\n";
	size_t n = strlen(b64), lines = n / 64 + 1;
	size_t cap = sizeof(begin) + n + lines + sizeof(end);
	char *out = pp_pool_alloc(pool, cap), *p;

	if (out == NULL)
		return NULL;
	memcpy(out, begin, sizeof(begin) - 1);
	p = out + sizeof(begin) - 1;
	for (size_t i = 0; i < n; i += 64) {
		size_t k = n - i < 64 ? n - i : 64;
		memcpy(p, b64 + i, k);
		p += k;
		*p++ = '\n';
	}
	memcpy(p, end, sizeof(end));	/* with its NUL: cap counts both */
	return out;
}

enum { DC_CODE, DC_STATE, DC_ERROR, DC_ERROR_DESC, DC__MAX };
static const struct pp_field demo_callback_fields[DC__MAX] = {
	[DC_CODE] = { "code", PP_FIELD_TOKEN, 256, 0, 0, 0, NULL },
	[DC_STATE] = { "state", PP_FIELD_TOKEN, 64, 1, 0, 0, NULL },
	[DC_ERROR] = { "error", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	[DC_ERROR_DESC] = { "error_description", PP_FIELD_STRING, 512, 0, 0, 0, NULL },
};

static enum pp_err
demo_callback(struct pp_req *req)
{
	const struct pp_value *v = req->val;
	HDF *hdf = pp_req_hdf(req);
	struct demo_flow *f = demo_flow_find(v[DC_STATE].s), flow;
	json_object *info, *ans, *tok, *sigs, *cert, *certs;
	const char *pub, *body, *sad, *sig, *der;
	char hex[2 * SHA256_DIGEST_LENGTH + 1];
	unsigned char digest[SHA256_DIGEST_LENGTH];
	size_t n = 0;
	long status = 0;
	enum pp_err rc;

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	if (f == NULL)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "This state is not one of a flow this demo SCA started "
		    "(or it started more than 30 minutes ago).");
	flow = *f;
	memset(f, 0, sizeof(*f));	/* a state is used once */
	if ((rc = pp_hdf_set(hdf, "Demo.label", flow.label)) != PP_OK)
		return rc;
	if (v[DC_ERROR].set) {
		if ((rc = pp_hdf_set(hdf, "Demo.error", v[DC_ERROR].s)) != PP_OK ||
		    (v[DC_ERROR_DESC].set &&
		    (rc = pp_hdf_set(hdf, "Demo.error_description", v[DC_ERROR_DESC].s)) != PP_OK))
			return rc;
		return demo_page(req, "demo_result.cs");
	}
	if (!v[DC_CODE].set)
		return pp_fail(req, PP_ERR_FIELD_MISSING, "The authorisation server sent neither a code nor an error.");
	if ((rc = demo_info(req, &info)) != PP_OK)
		return rc;
	pub = demo_get(info, "urls", "public", NULL);

	/* 1. The code and the PKCE verifier for the SAD. */
	{
		const char *ruri = pp_pool_printf(req->pool, "%sdemo/sca/callback", pub ? pub : "");
		char *esc = ruri ? curl_easy_escape(NULL, ruri, 0) : NULL;
		if (esc == NULL)
			return PP_ERR_NOMEM;
		body = pp_pool_printf(req->pool, "grant_type=authorization_code&client_id=%s&code=%s"
		    "&code_verifier=%s&redirect_uri=%s", pp_conf_str(req->ctx->conf, "demo", "client_id"),
		    v[DC_CODE].s, flow.verifier, esc);
		curl_free(esc);
		if (body == NULL)
			return PP_ERR_NOMEM;
	}
	if ((rc = demo_sca_call(req, info, "csc/v2/oauth2/token", "application/x-www-form-urlencoded", body,
	    &status, &ans)) != PP_OK)
		return rc;
	if (status != 200 || !json_object_object_get_ex(ans, "access_token", &tok))
		return demo_api_error(req, "oauth2/token", status, ans);
	sad = json_object_get_string(tok);

	/* 2. signHash with the SAD. */
	{
		json_object *sh = json_object_new_object(), *hs = json_object_new_array();
		if (sh == NULL || hs == NULL ||
		    pp_pool_cleanup(req->pool, demo_json_put, sh) != PP_OK) {
			json_object_put(sh);
			json_object_put(hs);
			return PP_ERR_NOMEM;
		}
		json_object_object_add(sh, "hashes", hs);
		if (json_object_array_add(hs, json_object_new_string(flow.hash)) != 0 ||
		    pp_json_add_str(sh, "credentialID", flow.credential) != PP_OK ||
		    pp_json_add_str(sh, "SAD", sad) != PP_OK ||
		    pp_json_add_str(sh, "hashAlgorithmOID", DEMO_SHA256_OID) != PP_OK ||
		    pp_json_add_str(sh, "signAlgo", strcmp(flow.key_type, "ec-p256") == 0 ?
		    DEMO_ECDSA_SHA256 : DEMO_RSA_SHA256) != PP_OK)
			return PP_ERR_NOMEM;
		if ((rc = demo_sca_call(req, info, "csc/v2/signatures/signHash", "application/json",
		    json_object_to_json_string_ext(sh, JSON_C_TO_STRING_PLAIN), &status, &ans)) != PP_OK)
			return rc;
	}
	if (status != 200 || !json_object_object_get_ex(ans, "signatures", &sigs) ||
	    !json_object_is_type(sigs, json_type_array) || json_object_array_length(sigs) != 1)
		return demo_api_error(req, "signatures/signHash", status, ans);
	sig = json_object_get_string(json_object_array_get_idx(sigs, 0));

	/* 3. The certificate that verifies it. */
	body = pp_pool_printf(req->pool, "{\"credentialID\":\"%s\",\"certificates\":\"single\"}", flow.credential);
	if (body == NULL)
		return PP_ERR_NOMEM;
	if ((rc = demo_sca_call(req, info, "csc/v2/credentials/info", "application/json", body, &status,
	    &ans)) != PP_OK)
		return rc;
	if (status != 200 || !json_object_object_get_ex(ans, "cert", &cert) ||
	    !json_object_object_get_ex(cert, "certificates", &certs) ||
	    !json_object_is_type(certs, json_type_array) || json_object_array_length(certs) < 1)
		return demo_api_error(req, "credentials/info", status, ans);
	der = json_object_get_string(json_object_array_get_idx(certs, 0));

	if (pp_b64_decode(flow.hash, strlen(flow.hash), digest, sizeof(digest), &n) != PP_OK)
		return PP_ERR_INTERNAL;
	pp_hex(digest, sizeof(digest), hex);
	if ((rc = pp_hdf_set(hdf, "Demo.hash_hex", hex)) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Demo.hash", flow.hash)) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Demo.signature", sig)) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Demo.certificate", demo_pem(req->pool, der))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Demo.key_type", flow.key_type)) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Demo.credential", flow.credential)) != PP_OK ||
	    (flow.text[0] && (rc = pp_hdf_set(hdf, "Demo.text", flow.text)) != PP_OK))
		return rc;
	return demo_page(req, "demo_result.cs");
}

/* One smstools3 spool file: "To: <number>" among the headers, a blank line,
 * then the text. */
static enum pp_err
demo_sms_read(struct pp_req *req, const char *dir, const char *name, HDF *hdf, int i)
{
	char path[4096], *data = NULL, *text, *to;
	size_t len = 0;
	enum pp_err rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return PP_OK;
	if (pp_file_read(path, DEMO_SMS_MAX, &data, &len) != PP_OK)
		return PP_OK;	/* gone (a gateway took it) or unreadable: not shown */
	text = strstr(data, "\n\n");
	to = strncmp(data, "To: ", 4) == 0 ? data + 4 : strstr(data, "\nTo: ");
	if (to && to != data + 4)
		to += 5;
	if (to)
		to[strcspn(to, "\n")] = '\0';
	rc = pp_hdf_set(hdf, pp_pool_printf(req->pool, "Demo.sms.%d.to", i), to ? to : "?");
	if (rc == PP_OK)
		rc = pp_hdf_set(hdf, pp_pool_printf(req->pool, "Demo.sms.%d.text", i), text ? text + 2 : "");
	pp_free(data);
	return rc;
}

struct demo_sms {
	char name[256];
	time_t mtime;
};

static int
demo_sms_newer(const void *a, const void *b)
{
	const struct demo_sms *x = a, *y = b;

	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

static enum pp_err
demo_phone(struct pp_req *req)
{
	HDF *hdf = pp_req_hdf(req);
	const char *dir = pp_conf_str(req->ctx->conf, "sam", "sms_spool");
	struct demo_sms *list;
	struct dirent *e;
	size_t n = 0, cap = 512;
	DIR *d;
	enum pp_err rc = PP_OK;

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	if ((list = pp_pool_alloc(req->pool, cap * sizeof(*list))) == NULL)
		return PP_ERR_NOMEM;
	if (*dir && (d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL && n < cap) {
			struct stat st;
			char path[4096];
			if (strncmp(e->d_name, "paraphe-", 8) != 0 || strlen(e->d_name) >= sizeof(list[n].name))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			memcpy(list[n].name, e->d_name, strlen(e->d_name) + 1);	/* length checked above */
			list[n++].mtime = st.st_mtime;
		}
		closedir(d);
	}
	qsort(list, n, sizeof(*list), demo_sms_newer);
	for (size_t i = 0; i < n && i < DEMO_SMS_SHOWN && rc == PP_OK; i++)
		rc = demo_sms_read(req, dir, list[i].name, hdf, (int)i);
	if (rc != PP_OK)
		return rc;
	/* A phone screen refreshes itself: a meta refresh, no script. */
	return demo_page(req, "demo_phone.cs");
}

/* Before the privilege drop: the demo SCA's certificate and key, named by
 * the instance description. */
static enum pp_err
demo_preinit(struct pp_ctx *ctx)
{
	json_object *info = NULL, *o;
	const char *cert = NULL, *key = NULL;
	char *data = NULL;
	size_t len = 0;
	enum pp_err rc;

	if (!pp_conf_int(ctx->conf, "service", "demo")) {
		pp_err_log("the demo pages run only with service.demo = true");
		return PP_ERR_CONFIG;
	}
	if ((rc = pp_file_read(pp_conf_str(ctx->conf, "demo", "info_file"), 256 * 1024, &data, &len)) != PP_OK) {
		pp_err_log("demo.info_file cannot be read");
		return PP_ERR_CONFIG;
	}
	rc = pp_json_parse(data, len, 16, 4096, &info);
	pp_free(data);
	if (rc == PP_OK && json_object_object_get_ex(info, "sca", &o)) {
		cert = demo_get(o, "cert", NULL, NULL);
		key = demo_get(o, "key", NULL, NULL);
	}
	if (cert == NULL || key == NULL ||
	    pp_file_read(cert, 64 * 1024, &demo_cert, &demo_cert_len) != PP_OK ||
	    pp_file_read(key, 64 * 1024, &demo_key, &demo_key_len) != PP_OK) {
		pp_err_log("the demo SCA's certificate and key (sca.cert, sca.key of demo.info_file) cannot be read");
		json_object_put(info);
		return PP_ERR_CONFIG;
	}
	json_object_put(info);
	return PP_OK;
}

static enum pp_err
demo_init(struct pp_ctx *ctx)
{
	(void)ctx;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return PP_ERR_INTERNAL;
	return PP_OK;
}

static void
demo_fini(struct pp_ctx *ctx)
{
	(void)ctx;
	curl_global_cleanup();
	if (demo_key != NULL)
		pp_wipe(demo_key, demo_key_len);
	pp_free(demo_key);
	pp_free(demo_cert);
	demo_key = demo_cert = NULL;
}

static const struct pp_route demo_routes[] = {
	{ PP_GET, "/demo/", demo_home, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/demo/sca", demo_sca, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/demo/sca/start", demo_start, PP_BODY_FORM, demo_start_fields, DS__MAX },
	{ PP_GET, "/demo/sca/callback", demo_callback, PP_BODY_NONE, demo_callback_fields, DC__MAX },
	{ PP_GET, "/demo/phone", demo_phone, PP_BODY_NONE, NULL, 0 },
};

static const struct pp_app demo_app = {
	.name = "demo",
	.out = PP_OUT_HTML,
	.cert = PP_CERT_OPTIONAL,
	.deps = 0,
	.routes = demo_routes,
	.nroutes = sizeof(demo_routes) / sizeof(demo_routes[0]),
	.preinit = demo_preinit,
	.init = demo_init,
	.fini = demo_fini,
};

int
main(int argc, char **argv)
{
	return pp_http_main(&demo_app, argc, argv);
}
