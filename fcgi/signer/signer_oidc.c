/*
 * signer_oidc: the signer plugin's OpenID Connect client.  See signer_oidc.h.
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include "pp_conf.h"
#include "pp_http.h"
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_proc.h"
#include "pp_util.h"
#include "signer_oidc.h"

#define SIGNER_OIDC_SECRET_MAX 256	/* client secret, PIN */
#define SIGNER_OIDC_RESPONSE_MAX 65536	/* any answer of the provider */
#define SIGNER_OIDC_URL_MAX 2048
#define SIGNER_OIDC_SUB_MAX 256		/* idp_subject (sam_enrol: 1..256) */
#define SIGNER_OIDC_JWKS_MAX_AGE_S 3600	/* a key the provider withdrew stops verifying within this */

struct signer_oidc {
	const struct pp_conf *conf;
	const char *issuer, *client_id, *redirect_uri, *scope, *acr_values, *required_acr, *subject_claim;
	const char *ca_file;
	long timeout_ms;
	char secret[SIGNER_OIDC_SECRET_MAX];
	size_t secret_len;
	struct pp_p11 *p11;
	CK_OBJECT_HANDLE key;
	/* The provider's metadata, cached for the process's life. */
	char *authorization_endpoint, *token_endpoint, *jwks_uri;
	json_object *jwks;
	int64_t jwks_at;	/* when it was fetched (s) */
};

/* What preinit read, kept by the first process for every worker it forks
 * (and those that replace them): locked out of swap, wiped by nobody but
 * the process's end.  Workers wipe their own copy once used. */
static int signer_oidc_in_list(const char *list, const char *word);

static struct {
	int read;
	char pin[SIGNER_OIDC_SECRET_MAX], secret[SIGNER_OIDC_SECRET_MAX];
	size_t pin_len, secret_len;
} signer_oidc_pre;

/* ------------------------------------------------------------------ set up */

enum pp_err
signer_oidc_preinit(struct pp_ctx *ctx)
{
	enum pp_err rc;

	if (*pp_conf_str(ctx->conf, "oidc", "issuer") == '\0')
		return PP_OK;
	(void)mlock(&signer_oidc_pre, sizeof(signer_oidc_pre));
	if ((rc = pp_secret_file_read(pp_conf_str(ctx->conf, "oidc", "pin_file"), signer_oidc_pre.pin,
	    sizeof(signer_oidc_pre.pin), &signer_oidc_pre.pin_len)) != PP_OK) {
		pp_err_log("oidc: cannot read oidc.pin_file");
		return rc;
	}
	if ((rc = pp_secret_file_read(pp_conf_str(ctx->conf, "oidc", "client_secret_file"), signer_oidc_pre.secret,
	    sizeof(signer_oidc_pre.secret), &signer_oidc_pre.secret_len)) != PP_OK) {
		pp_wipe(&signer_oidc_pre, sizeof(signer_oidc_pre));
		pp_err_log("oidc: cannot read oidc.client_secret_file");
		return rc;
	}
	signer_oidc_pre.read = 1;
	return PP_OK;
}

static pthread_once_t signer_oidc_once = PTHREAD_ONCE_INIT;
static CURLcode signer_oidc_curl_rc = CURLE_FAILED_INIT;

static void
signer_oidc_curl_init(void)
{
	signer_oidc_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum pp_err
signer_oidc_init(struct pp_ctx *ctx, struct signer_oidc **out)
{
	const struct pp_conf *c = ctx->conf;
	struct signer_oidc *o;
	char pin[SIGNER_OIDC_SECRET_MAX];
	size_t pin_len = 0;
	CK_OBJECT_HANDLE pub;
	enum pp_err rc;

	*out = NULL;
	if (*pp_conf_str(c, "oidc", "issuer") == '\0')
		return PP_OK;
	pthread_once(&signer_oidc_once, signer_oidc_curl_init);
	if (signer_oidc_curl_rc != CURLE_OK) {
		pp_err_log("oidc: libcurl initialisation failed");
		return PP_ERR_INTERNAL;
	}
	if ((o = pp_calloc(1, sizeof(*o))) == NULL)
		return PP_ERR_NOMEM;
	o->conf = c;
	o->issuer = pp_conf_str(c, "oidc", "issuer");
	o->client_id = pp_conf_str(c, "oidc", "client_id");
	o->redirect_uri = pp_conf_str(c, "oidc", "redirect_uri");
	o->scope = pp_conf_str(c, "oidc", "scope");
	o->acr_values = pp_conf_str(c, "oidc", "acr_values");
	o->required_acr = pp_conf_str(c, "oidc", "required_acr");
	o->subject_claim = pp_conf_str(c, "oidc", "subject_claim");
	o->ca_file = pp_conf_str(c, "oidc", "ca_file");
	o->timeout_ms = (long)pp_conf_int(c, "oidc", "timeout_ms");
	o->key = CK_INVALID_HANDLE;
	rc = PP_ERR_CONFIG;
	if (strncmp(o->issuer, "https://", 8) != 0 || *o->client_id == '\0' ||
	    strncmp(o->redirect_uri, "https://", 8) != 0 || !signer_oidc_in_list(o->scope, "openid") ||
	    *o->subject_claim == '\0') {
		pp_err_log("oidc: need an https issuer and redirect_uri, a client_id, a scope with openid, a subject_claim");
		goto fail;
	}
	if (signer_oidc_pre.read) {
		memcpy(pin, signer_oidc_pre.pin, sizeof(pin));
		pin_len = signer_oidc_pre.pin_len;
		memcpy(o->secret, signer_oidc_pre.secret, sizeof(o->secret));
		o->secret_len = signer_oidc_pre.secret_len;
		/* This worker's copy of the parent's memory: wiped here, the
		 * parent keeps its own for the workers it will fork. */
		pp_wipe(&signer_oidc_pre, sizeof(signer_oidc_pre));
	} else {
		if ((rc = pp_secret_file_read(pp_conf_str(c, "oidc", "pin_file"), pin, sizeof(pin), &pin_len)) != PP_OK ||
		    (rc = pp_secret_file_read(pp_conf_str(c, "oidc", "client_secret_file"), o->secret, sizeof(o->secret),
		    &o->secret_len)) != PP_OK) {
			pp_err_log("oidc: cannot read oidc.pin_file or oidc.client_secret_file");
			goto fail;
		}
	}
	(void)mlock(o->secret, sizeof(o->secret));
	if (o->secret_len == 0) {
		rc = PP_ERR_CONFIG;
		pp_err_log("oidc: the client secret is empty");
		goto fail;
	}
	rc = pp_p11_open_pin(pp_conf_str(c, "oidc", "pkcs11_module"), pp_conf_str(c, "oidc", "token_label"), pin,
	    pin_len, pp_conf_str(c, "oidc", "softhsm2_conf"), &o->p11);
	pp_wipe(pin, sizeof(pin));
	if (rc != PP_OK)
		goto fail;
	if ((rc = pp_p11_ec_find(o->p11, pp_conf_str(c, "oidc", "key_label"), &o->key, &pub)) != PP_OK) {
		pp_err_log("oidc: no login-token key '%s' in token '%s' (tools/paraphe-login-key makes it)",
		    pp_conf_str(c, "oidc", "key_label"), pp_conf_str(c, "oidc", "token_label"));
		goto fail;
	}
	*out = o;
	return PP_OK;
fail:
	pp_wipe(pin, sizeof(pin));
	signer_oidc_fini(o);
	return rc;
}

void
signer_oidc_fini(struct signer_oidc *o)
{
	if (o == NULL)
		return;
	pp_p11_close(o->p11);
	pp_wipe(o->secret, sizeof(o->secret));
	pp_free(o->authorization_endpoint);
	pp_free(o->token_endpoint);
	pp_free(o->jwks_uri);
	json_object_put(o->jwks);
	pp_free(o);
}

int
signer_oidc_enabled(const struct signer_oidc *o)
{
	return o != NULL;
}

/* ------------------------------------------------------------------ HTTP */

struct signer_oidc_body {
	char *buf;
	size_t len, cap;
	int too_big, nomem;
};

static size_t
signer_oidc_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct signer_oidc_body *b = arg;
	size_t n = size * nmemb;

	if (n > SIGNER_OIDC_RESPONSE_MAX - b->len) {
		b->too_big = 1;
		return 0;
	}
	if (b->buf == NULL && (b->buf = pp_malloc(SIGNER_OIDC_RESPONSE_MAX + 1)) == NULL) {
		b->nomem = 1;
		return 0;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* A provider's answer (len bytes, at most SIGNER_OIDC_RESPONSE_MAX): one
 * JSON object within pp_json's limits.  OUT *json (owned by the caller). */
static enum pp_err
signer_oidc_parse_answer(const char *buf, size_t len, json_object **json)
{
	*json = NULL;
	if (len == 0 || len > SIGNER_OIDC_RESPONSE_MAX)
		return PP_ERR_PROTO;
	return pp_json_parse(buf, len, 16, 4096, json);
}

/* GET url, or POST form with an Authorization header when form is not
 * NULL.  OUT *json: the answer's JSON object (owned by the caller), and
 * *status the HTTP status (the body of an error status is parsed too, for
 * OAuth error answers). */
static enum pp_err
signer_oidc_http(struct signer_oidc *o, struct pp_req *req, const char *what, const char *url, const char *form,
    const char *auth, long *status, json_object **json)
{
	struct signer_oidc_body body = { NULL, 0, 0, 0, 0 };
	struct curl_slist *hdrs = NULL;
	CURL *c;
	CURLcode cc;
	enum pp_err rc = PP_ERR_NOMEM;

	*json = NULL;
	*status = 0;
	if ((c = curl_easy_init()) == NULL)
		return PP_ERR_NOMEM;
	if ((hdrs = curl_slist_append(NULL, "Accept: application/json")) == NULL ||
	    (auth != NULL && (hdrs = curl_slist_append(hdrs, auth)) == NULL))
		goto done;
	/* https only, no redirects, no proxy from the environment, bounded
	 * in time and size; the provider's certificate verified (against
	 * oidc.ca_file when set). */
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    (*o->ca_file && curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file) != CURLE_OK) ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)SIGNER_OIDC_RESPONSE_MAX) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    (form != NULL && curl_easy_setopt(c, CURLOPT_POSTFIELDS, form) != CURLE_OK) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, signer_oidc_write) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body) != CURLE_OK) {
		rc = pp_fail(req, PP_ERR_CONFIG, "oidc: cannot set up the request to the %s", what);
		goto done;
	}
	cc = curl_easy_perform(c);
	if (body.nomem) {
		rc = PP_ERR_NOMEM;
		goto done;
	}
	if (body.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = pp_fail(req, PP_ERR_PROTO, "oidc: the %s answered more than %d bytes", what,
		    SIGNER_OIDC_RESPONSE_MAX);
		goto done;
	}
	if (cc != CURLE_OK) {
		rc = pp_fail(req, PP_ERR_UNAVAILABLE, "oidc: the %s cannot be reached: %s", what, curl_easy_strerror(cc));
		goto done;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status) != CURLE_OK ||
	    signer_oidc_parse_answer(body.buf, body.len, json) != PP_OK) {
		rc = pp_fail(req, PP_ERR_PROTO, "oidc: the %s answered HTTP %ld without a JSON object", what, *status);
		goto done;
	}
	rc = PP_OK;
done:
	if (body.buf != NULL)
		pp_wipe(body.buf, body.len);
	pp_free(body.buf);
	/* libcurl's copy of the Authorization header holds the secret. */
	for (struct curl_slist *h = hdrs; h != NULL; h = h->next)
		pp_wipe(h->data, strlen(h->data));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (rc != PP_OK)
		pp_warn_log("%s", req->detail ? req->detail : "oidc: request to the provider failed");
	return rc;
}

/* An https URL member of the discovery document, copied. */
static enum pp_err
signer_oidc_meta_url(struct pp_req *req, json_object *doc, const char *name, char **out)
{
	const char *v = pp_json_get_str(doc, name);

	if (v == NULL || strncmp(v, "https://", 8) != 0 || strlen(v) >= SIGNER_OIDC_URL_MAX)
		return pp_fail(req, PP_ERR_PROTO, "oidc: the discovery document has no https %s", name);
	if ((*out = pp_malloc(strlen(v) + 1)) == NULL)
		return PP_ERR_NOMEM;
	memcpy(*out, v, strlen(v) + 1);
	return PP_OK;
}

/* The discovery document doc the provider answered with HTTP status:
 * its issuer must be oidc.issuer, its endpoints https URLs, then kept in o. */
static enum pp_err
signer_oidc_discovery(struct signer_oidc *o, struct pp_req *req, long status, json_object *doc)
{
	const char *iss;
	enum pp_err rc;

	if (status != 200)
		return pp_fail(req, PP_ERR_PROTO, "oidc: the discovery document answered HTTP %ld", status);
	/* Section 4.3: the issuer it names must be the one configured. */
	if ((iss = pp_json_get_str(doc, "issuer")) == NULL || strcmp(iss, o->issuer) != 0)
		return pp_fail(req, PP_ERR_PROTO, "oidc: the discovery document names another issuer");
	if ((rc = signer_oidc_meta_url(req, doc, "authorization_endpoint", &o->authorization_endpoint)) != PP_OK ||
	    (rc = signer_oidc_meta_url(req, doc, "token_endpoint", &o->token_endpoint)) != PP_OK ||
	    (rc = signer_oidc_meta_url(req, doc, "jwks_uri", &o->jwks_uri)) != PP_OK) {
		pp_free(o->authorization_endpoint);
		pp_free(o->token_endpoint);
		pp_free(o->jwks_uri);
		o->authorization_endpoint = o->token_endpoint = o->jwks_uri = NULL;
		return rc;
	}
	return PP_OK;
}

static enum pp_err
signer_oidc_discover(struct signer_oidc *o, struct pp_req *req)
{
	char url[SIGNER_OIDC_URL_MAX];
	size_t il = strlen(o->issuer);
	json_object *doc = NULL;
	long status;
	enum pp_err rc;

	if (o->token_endpoint != NULL)
		return PP_OK;
	/* OpenID Connect Discovery 1.0 section 4: a trailing '/' of the
	 * issuer is not doubled. */
	if ((size_t)snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	    (int)(il > 0 && o->issuer[il - 1] == '/' ? il - 1 : il), o->issuer) >= sizeof(url))
		return pp_fail(req, PP_ERR_CONFIG, "oidc: issuer too long");
	if ((rc = signer_oidc_http(o, req, "discovery document", url, NULL, NULL, &status, &doc)) != PP_OK)
		return rc;
	if ((rc = signer_oidc_discovery(o, req, status, doc)) == PP_OK)
		pp_info_log("oidc: provider %s: token endpoint %s", o->issuer, o->token_endpoint);
	json_object_put(doc);
	return rc;
}

static enum pp_err
signer_oidc_fetch_jwks(struct signer_oidc *o, struct pp_req *req)
{
	json_object *set = NULL;
	long status;
	enum pp_err rc;

	if ((rc = signer_oidc_http(o, req, "JWK set", o->jwks_uri, NULL, NULL, &status, &set)) != PP_OK)
		return rc;
	if (status != 200) {
		json_object_put(set);
		return pp_fail(req, PP_ERR_PROTO, "oidc: the JWK set answered HTTP %ld", status);
	}
	json_object_put(o->jwks);
	o->jwks = set;
	o->jwks_at = (int64_t)time(NULL);
	return PP_OK;
}

/* ------------------------------------------------------------------ begin */

static void
signer_oidc_random(char *out, size_t bytes)
{
	unsigned char b[32];

	/* RAND_bytes failing is the process's end, not a weak value. */
	if (bytes > sizeof(b) || RAND_bytes(b, (int)bytes) != 1)
		abort();
	pp_b64url_encode(b, bytes, out);
	pp_wipe(b, sizeof(b));
}

enum pp_err
signer_oidc_begin(struct signer_oidc *o, struct pp_req *req, const char **url, const char **state,
    const char **nonce, const char **verifier)
{
	char st[PP_B64URL_LEN(16) + 1], no[PP_B64URL_LEN(16) + 1], ve[PP_B64URL_LEN(32) + 1];
	char ch[PP_B64URL_LEN(SHA256_DIGEST_LENGTH) + 1];
	unsigned char dg[SHA256_DIGEST_LENGTH];
	char *u;
	enum pp_err rc;

	*url = *state = *nonce = *verifier = NULL;
	if (o == NULL)
		return PP_ERR_NOT_FOUND;
	if ((rc = signer_oidc_discover(o, req)) != PP_OK)
		return rc;
	signer_oidc_random(st, 16);
	signer_oidc_random(no, 16);
	signer_oidc_random(ve, 32);
	/* RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
	SHA256((const unsigned char *)ve, strlen(ve), dg);
	pp_b64url_encode(dg, sizeof(dg), ch);
	u = o->authorization_endpoint;
	if ((u = pp_url_add_param(req->pool, u, "response_type", "code")) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "client_id", o->client_id)) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "redirect_uri", o->redirect_uri)) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "scope", o->scope)) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "state", st)) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "nonce", no)) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "code_challenge", ch)) == NULL ||
	    (u = pp_url_add_param(req->pool, u, "code_challenge_method", "S256")) == NULL ||
	    (*o->acr_values && (u = pp_url_add_param(req->pool, u, "acr_values", o->acr_values)) == NULL))
		return PP_ERR_NOMEM;
	if ((*state = pp_pool_strdup(req->pool, st)) == NULL || (*nonce = pp_pool_strdup(req->pool, no)) == NULL ||
	    (*verifier = pp_pool_strdup(req->pool, ve)) == NULL)
		return PP_ERR_NOMEM;
	*url = u;
	return PP_OK;
}

/* ------------------------------------------------------------------ the ID token */

/* An integer claim (JSON number without fraction). */
static int
signer_oidc_int_claim(json_object *claims, const char *name, int64_t *v)
{
	json_object *j;

	if (!json_object_object_get_ex(claims, name, &j) || !json_object_is_type(j, json_type_int))
		return 0;
	*v = json_object_get_int64(j);
	return 1;
}

/* 1 when word is one of the space-separated words of list. */
static int
signer_oidc_in_list(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list, *e;

	while (*p) {
		while (*p == ' ')
			p++;
		e = p;
		while (*e && *e != ' ')
			e++;
		if ((size_t)(e - p) == wl && wl > 0 && strncmp(p, word, wl) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* OpenID Connect Core 1.0 section 3.1.3.7, for the code flow. */
static enum pp_err
signer_oidc_check_id_token(struct signer_oidc *o, struct pp_req *req, const char *id_token, const char *nonce,
    int64_t now, const char **sub, const char **acr, int64_t *auth_time)
{
	json_object *h = NULL, *claims = NULL, *aud, *j;
	EVP_PKEY *key = NULL;
	const char *alg, *kid, *s, *azp;
	int64_t exp, iat;
	size_t len = strlen(id_token), n, i;
	int found;
	enum pp_err rc;

	*sub = *acr = NULL;
	*auth_time = 0;
	if (pp_jws_header(id_token, len, &h) != PP_OK)
		return pp_fail(req, PP_ERR_TOKEN_INVALID, "oidc: the ID token is not a compact JWS");
	alg = pp_json_get_str(h, "alg");
	kid = pp_json_get_str(h, "kid");
	if (alg == NULL || (strcmp(alg, "ES256") != 0 && strcmp(alg, "RS256") != 0)) {
		rc = pp_fail(req, PP_ERR_TOKEN_INVALID, "oidc: the ID token's algorithm is not ES256 or RS256");
		goto done;
	}
	/* The set is kept, but not forever: a key the provider withdrew must
	 * stop verifying. */
	if ((o->jwks == NULL || (o->jwks_uri != NULL && now - o->jwks_at > SIGNER_OIDC_JWKS_MAX_AGE_S)) &&
	    (rc = signer_oidc_fetch_jwks(o, req)) != PP_OK)
		goto done;
	rc = pp_jwks_key(o->jwks, kid, alg, &key);
	if (rc == PP_ERR_NOT_FOUND && o->jwks_uri != NULL) {
		/* The provider may have rolled its keys: fetch the set once more. */
		if ((rc = signer_oidc_fetch_jwks(o, req)) != PP_OK)
			goto done;
		rc = pp_jwks_key(o->jwks, kid, alg, &key);
	}
	if (rc != PP_OK) {
		rc = pp_fail(req, PP_ERR_TOKEN_INVALID, "oidc: no key of the provider's JWK set for the ID token");
		goto done;
	}
	if (pp_jws_verify(id_token, len, key, NULL, &claims) != PP_OK) {
		rc = pp_fail(req, PP_ERR_TOKEN_INVALID, "oidc: the ID token's signature does not verify");
		goto done;
	}
	rc = PP_ERR_TOKEN_INVALID;
	if ((s = pp_json_get_str(claims, "iss")) == NULL || strcmp(s, o->issuer) != 0) {
		rc = pp_fail(req, rc, "oidc: the ID token's issuer is not %s", o->issuer);
		goto done;
	}
	/* aud: the client id, or an array holding it (then azp must be us
	 * when there are several). */
	found = 0;
	n = 0;
	if (json_object_object_get_ex(claims, "aud", &aud)) {
		if (json_object_is_type(aud, json_type_string)) {
			found = strcmp(json_object_get_string(aud), o->client_id) == 0;
			n = 1;
		} else if (json_object_is_type(aud, json_type_array)) {
			n = json_object_array_length(aud);
			for (i = 0; i < n; i++) {
				j = json_object_array_get_idx(aud, i);
				if (json_object_is_type(j, json_type_string) &&
				    strcmp(json_object_get_string(j), o->client_id) == 0)
					found = 1;
			}
		}
	}
	azp = pp_json_get_str(claims, "azp");
	if (!found || (n > 1 && azp == NULL) || (azp != NULL && strcmp(azp, o->client_id) != 0)) {
		rc = pp_fail(req, rc, "oidc: the ID token is not for this client (aud/azp)");
		goto done;
	}
	if (!signer_oidc_int_claim(claims, "exp", &exp) || !signer_oidc_int_claim(claims, "iat", &iat)) {
		rc = pp_fail(req, rc, "oidc: the ID token has no exp or iat");
		goto done;
	}
	if (exp + SIGNER_OIDC_SKEW_S <= now) {
		rc = pp_fail(req, PP_ERR_TOKEN_EXPIRED, "oidc: the ID token expired %lld s ago", (long long)(now - exp));
		goto done;
	}
	if (iat > now + SIGNER_OIDC_SKEW_S) {
		rc = pp_fail(req, PP_ERR_TOKEN_EXPIRED, "oidc: the ID token is issued in the future");
		goto done;
	}
	/* The nonce ties the token to this browser session's request. */
	s = pp_json_get_str(claims, "nonce");
	if (s == NULL || nonce == NULL || strlen(s) != strlen(nonce) || !pp_ct_equal(s, nonce, strlen(nonce))) {
		rc = pp_fail(req, rc, "oidc: the ID token's nonce is not the one sent");
		goto done;
	}
	s = pp_json_get_str(claims, "acr");
	if (*o->required_acr && (s == NULL || !signer_oidc_in_list(o->required_acr, s))) {
		rc = pp_fail(req, PP_ERR_FORBIDDEN, "oidc: the ID token's acr is not one of \"%s\"", o->required_acr);
		goto done;
	}
	if ((*acr = pp_pool_strdup(req->pool, s ? s : "")) == NULL) {
		rc = PP_ERR_NOMEM;
		goto done;
	}
	s = pp_json_get_str(claims, o->subject_claim);
	if (s == NULL || *s == '\0' || strlen(s) > SIGNER_OIDC_SUB_MAX || !pp_utf8_valid(s, strlen(s), 0)) {
		rc = pp_fail(req, rc, "oidc: the ID token has no usable %s claim", o->subject_claim);
		goto done;
	}
	if ((*sub = pp_pool_strdup(req->pool, s)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto done;
	}
	if (!signer_oidc_int_claim(claims, "auth_time", auth_time))
		*auth_time = iat;
	rc = PP_OK;
done:
	EVP_PKEY_free(key);
	json_object_put(claims);
	json_object_put(h);
	return rc;
}

/* The token endpoint's answer ans (HTTP status): a refusal, or an
 * id_token verified for nonce at now.  OUT as signer_oidc_check_id_token. */
static enum pp_err
signer_oidc_token_answer(struct signer_oidc *o, struct pp_req *req, long status, json_object *ans,
    const char *nonce, int64_t now, const char **sub, const char **acr, int64_t *auth_time)
{
	const char *idt, *err;

	*sub = *acr = NULL;
	*auth_time = 0;
	if (status != 200) {
		err = pp_json_get_str(ans, "error");
		return pp_fail(req, PP_ERR_BAD_REQUEST, "oidc: the token endpoint refused the code (HTTP %ld, %.64s)",
		    status, err ? err : "no error code");
	}
	if ((idt = pp_json_get_str(ans, "id_token")) == NULL)
		return pp_fail(req, PP_ERR_PROTO, "oidc: the token endpoint gave no id_token");
	return signer_oidc_check_id_token(o, req, idt, nonce, now, sub, acr, auth_time);
}

/* ------------------------------------------------------------------ finish */

/* RFC 6749 2.3.1: client id and secret form-encoded, then Basic. */
static enum pp_err
signer_oidc_basic(struct signer_oidc *o, struct pp_req *req, char **header)
{
	char *id, *sec, *both, *b64;
	size_t len;

	if ((id = pp_url_add_param(req->pool, "", "x", o->client_id)) == NULL ||
	    (sec = pp_url_add_param(req->pool, "", "x", o->secret)) == NULL)
		return PP_ERR_NOMEM;
	/* pp_url_add_param gives "?x=<encoded>". */
	id += 3;
	sec += 3;
	len = strlen(id) + 1 + strlen(sec);
	both = pp_pool_alloc(req->pool, len + 1);
	b64 = pp_pool_alloc(req->pool, ((len + 2) / 3) * 4 + 32);
	if (both == NULL || b64 == NULL)
		return PP_ERR_NOMEM;
	snprintf(both, len + 1, "%s:%s", id, sec);
	memcpy(b64, "Authorization: Basic ", 21);
	pp_b64_encode((const unsigned char *)both, len, b64 + 21);
	pp_wipe(both, len);
	pp_wipe(sec, strlen(sec));
	*header = b64;
	return PP_OK;
}

static void
signer_oidc_wipe_str(void *arg)
{
	char *s = arg;

	pp_wipe(s, strlen(s));
}

static enum pp_err
signer_oidc_login_token(struct signer_oidc *o, struct pp_req *req, const char *sub, const char *acr,
    int64_t auth_time, const char *authz, int64_t now, const char **out)
{
	unsigned char jb[16];
	char jti[33], *jws = NULL;
	json_object *claims;
	enum pp_err rc = PP_ERR_NOMEM;

	if (RAND_bytes(jb, sizeof(jb)) != 1)
		return PP_ERR_INTERNAL;
	pp_hex(jb, sizeof(jb), jti);
	if ((claims = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (pp_json_add_str(claims, "iss", o->issuer) != PP_OK || pp_json_add_str(claims, "idp_sub", sub) != PP_OK ||
	    pp_json_add_str(claims, "authz", authz) != PP_OK || pp_json_add_str(claims, "acr", acr) != PP_OK ||
	    pp_json_add_int(claims, "auth_time", auth_time) != PP_OK || pp_json_add_int(claims, "iat", now) != PP_OK ||
	    pp_json_add_int(claims, "exp", now + SIGNER_OIDC_LOGIN_TTL_S) != PP_OK ||
	    pp_json_add_str(claims, "jti", jti) != PP_OK)
		goto done;
	if ((rc = pp_jws_sign_p11(o->p11, o->key, "paraphe-login+jwt", NULL, claims, &jws)) != PP_OK) {
		rc = pp_fail(req, rc == PP_ERR_NOMEM ? rc : PP_ERR_HSM, "oidc: the login token could not be signed");
		/* A token gone or logged out never comes back in this process
		 * (pp_p11): this worker answers, then stops; the one replacing
		 * it logs in again with the PIN the first process kept. */
		if (pp_p11_lost(o->p11)) {
			pp_err_log("oidc: the login-key token is lost: this worker stops after this request");
			pp_proc_stop = 1;
		}
		goto done;
	}
	if ((*out = pp_pool_strdup(req->pool, jws)) == NULL)
		rc = PP_ERR_NOMEM;
done:
	pp_free(jws);
	json_object_put(claims);
	return rc;
}

enum pp_err
signer_oidc_finish(struct signer_oidc *o, struct pp_req *req, const char *code, const char *nonce,
    const char *verifier, const char *authz, const char **login_token)
{
	json_object *ans = NULL;
	char *auth = NULL, *form;
	const char *sub, *acr;
	int64_t auth_time, now = (int64_t)time(NULL);
	long status;
	enum pp_err rc;

	*login_token = NULL;
	if (o == NULL)
		return PP_ERR_NOT_FOUND;
	if (code == NULL || *code == '\0' || nonce == NULL || *nonce == '\0' || verifier == NULL ||
	    *verifier == '\0' || authz == NULL || *authz == '\0')
		return pp_fail(req, PP_ERR_BAD_REQUEST, "oidc: no code, nonce, verifier or request");
	if ((rc = signer_oidc_discover(o, req)) != PP_OK)
		return rc;
	/* RFC 6749 4.1.3 with RFC 7636's verifier. */
	form = pp_url_add_param(req->pool, "", "grant_type", "authorization_code");
	if (form == NULL || (form = pp_url_add_param(req->pool, form, "code", code)) == NULL ||
	    (form = pp_url_add_param(req->pool, form, "redirect_uri", o->redirect_uri)) == NULL ||
	    (form = pp_url_add_param(req->pool, form, "code_verifier", verifier)) == NULL)
		return PP_ERR_NOMEM;
	form++;		/* the leading '?' */
	if ((rc = signer_oidc_basic(o, req, &auth)) != PP_OK)
		return rc;
	if (pp_pool_cleanup(req->pool, signer_oidc_wipe_str, auth) != PP_OK) {
		pp_wipe(auth, strlen(auth));
		return PP_ERR_NOMEM;
	}
	rc = signer_oidc_http(o, req, "token endpoint", o->token_endpoint, form, auth, &status, &ans);
	pp_wipe(auth, strlen(auth));
	if (rc != PP_OK)
		return rc;
	if ((rc = signer_oidc_token_answer(o, req, status, ans, nonce, now, &sub, &acr, &auth_time)) != PP_OK)
		goto done;
	rc = signer_oidc_login_token(o, req, sub, acr, auth_time, authz, now, login_token);
	if (rc == PP_OK)
		pp_info_log("oidc: ID token of %s from %s verified; login token for request %s signed", sub, o->issuer,
		    authz);
done:
	if (rc != PP_OK)
		pp_warn_log("%s", req->detail ? req->detail : "oidc: login refused");
	json_object_put(ans);
	return rc;
}
