/*
 * pp_tsa: RFC 3161 time-stamp client (libcurl + OpenSSL TS) and offline
 * verification of stored tokens.
 *
 * The TSA is a third party reached over the network: its answer is
 * untrusted bytes until the imprint, the nonce and (with a CA file) the
 * signature have been checked, and it is read with a hard size cap.
 */
#include "config.h"
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_tsa.h"

#define PP_TSA_CONTENT_TYPE "application/timestamp-reply"

/* The response body as it arrives; buf is pp_malloc'd, at most
 * PP_TSA_MAX_RESPONSE bytes. */
struct pp_tsa_body {
	uint8_t *buf;
	size_t len, cap;
	int too_big;
	int nomem;
};

static pthread_once_t pp_tsa_once = PTHREAD_ONCE_INIT;
static CURLcode pp_tsa_curl_init_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe in every libcurl we accept (>= 7.74):
 * run it once, before any handle exists. */
static void
pp_tsa_curl_init(void)
{
	pp_tsa_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
pp_tsa_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pp_tsa_body *b = arg;
	size_t n = size * nmemb;

	if (n > PP_TSA_MAX_RESPONSE - b->len) {
		b->too_big = 1;
		return 0;	/* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > PP_TSA_MAX_RESPONSE)
			cap = PP_TSA_MAX_RESPONSE;
		p = pp_realloc(b->buf, cap);
		if (p == NULL) {
			b->nomem = 1;
			return 0;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return n;
}

/* A TimeStampReq for digest: SHA-256 imprint, 64-bit random nonce, certReq.
 * OUT *req owned by the caller (TS_REQ_free), *der (OPENSSL_free). */
static enum pp_err
pp_tsa_request(const pp_hash digest, TS_REQ **req, unsigned char **der, int *derlen)
{
	unsigned char nonce_bytes[8];
	TS_REQ *r = NULL;
	TS_MSG_IMPRINT *imp = NULL;
	X509_ALGOR *alg = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *nonce = NULL;
	enum pp_err rc = PP_ERR_NOMEM;

	*der = NULL;
	if (RAND_bytes(nonce_bytes, sizeof(nonce_bytes)) != 1) {
		rc = PP_ERR_INTERNAL;
		goto fail;
	}
	r = TS_REQ_new();
	imp = TS_MSG_IMPRINT_new();
	alg = X509_ALGOR_new();
	bn = BN_bin2bn(nonce_bytes, sizeof(nonce_bytes), NULL);
	if (r == NULL || imp == NULL || alg == NULL || bn == NULL)
		goto fail;
	nonce = BN_to_ASN1_INTEGER(bn, NULL);
	if (nonce == NULL)
		goto fail;
	/* The algorithm with absent parameters, as RFC 5754 asks for SHA-2. */
	X509_ALGOR_set_md(alg, EVP_sha256());
	if (TS_REQ_set_version(r, 1) != 1 || TS_MSG_IMPRINT_set_algo(imp, alg) != 1 ||
	    TS_MSG_IMPRINT_set_msg(imp, (unsigned char *)digest, PP_HASH_LEN) != 1 ||
	    TS_REQ_set_msg_imprint(r, imp) != 1 || TS_REQ_set_nonce(r, nonce) != 1 ||
	    TS_REQ_set_cert_req(r, 1) != 1)
		goto fail;
	*derlen = i2d_TS_REQ(r, der);
	if (*derlen <= 0) {
		*der = NULL;
		goto fail;
	}
	*req = r;
	r = NULL;
	rc = PP_OK;
fail:
	/* The setters copied what they were given. */
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(imp);
	TS_REQ_free(r);
	ERR_clear_error();
	return rc;
}

/* A store of the CA certificate(s) in path; NULL when none can be read. */
static X509_STORE *
pp_tsa_store(const char *path)
{
	X509_STORE *st = X509_STORE_new();

	if (st == NULL)
		return NULL;
	if (X509_STORE_load_file(st, path) != 1) {
		pp_err_log("TSA CA file %s: cannot be read", path);
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

/* Parses a whole DER TimeStampResp: no trailing bytes. */
static TS_RESP *
pp_tsa_parse(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	TS_RESP *resp;

	if (len == 0 || len > PP_TSA_MAX_RESPONSE)
		return NULL;
	resp = d2i_TS_RESP(NULL, &p, (long)len);
	if (resp != NULL && p != der + len) {
		TS_RESP_free(resp);
		resp = NULL;
	}
	return resp;
}

/* 1 when the response is granted and its token is over a SHA-256 imprint
 * (the imprint bytes themselves are compared by TS_RESP_verify_response). */
static int
pp_tsa_granted_sha256(TS_RESP *resp, long *status)
{
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);

	*status = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;
	/* grantedWithMods (1) still carries a token over our imprint. */
	if ((*status != TS_STATUS_GRANTED && *status != TS_STATUS_GRANTED_WITH_MODS) ||
	    tst == NULL || TS_RESP_get_token(resp) == NULL)
		return 0;
	const X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
	const ASN1_OBJECT *oid = NULL;
	if (alg == NULL)
		return 0;
	X509_ALGOR_get0(&oid, NULL, NULL, alg);
	return oid != NULL && OBJ_obj2nid(oid) == NID_sha256;
}

static int
pp_tsa_gen_time(TS_RESP *resp, time_t *t)
{
	const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(TS_RESP_get_tst_info(resp));
	struct tm tm;

	if (gt == NULL || ASN1_TIME_to_tm(gt, &tm) != 1)
		return 0;
	*t = timegm(&tm);
	return *t != (time_t)-1;
}

enum pp_err
pp_tsa_fetch(const char *url, const pp_hash digest, int timeout_ms, const char *ca_file,
    uint8_t **tsr, size_t *len)
{
	struct pp_tsa_body body = {NULL, 0, 0, 0, 0};
	struct curl_slist *hdrs = NULL;
	CURL *c = NULL;
	CURLcode cc;
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	X509_STORE *store = NULL;
	unsigned char *der = NULL;
	int derlen = 0;
	long http = 0, status;
	char *ctype = NULL;
	unsigned flags;
	enum pp_err rc;

	if (url == NULL || *url == '\0' || timeout_ms <= 0)
		return PP_ERR_INTERNAL;
	pthread_once(&pp_tsa_once, pp_tsa_curl_init);
	if (pp_tsa_curl_init_rc != CURLE_OK) {
		pp_err_log("TSA: libcurl initialisation failed");
		return PP_ERR_INTERNAL;
	}
	if ((rc = pp_tsa_request(digest, &req, &der, &derlen)) != PP_OK)
		return rc;
	rc = PP_ERR_NOMEM;
	c = curl_easy_init();
	if (c == NULL)
		goto fail;
	hdrs = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
	if (hdrs == NULL)
		goto fail;
	/* Bounded in time and size; HTTP(S) only, no redirects, no proxy from
	 * the environment (the daemon's routing is configuration, not env). */
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)PP_TSA_MAX_RESPONSE) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)der) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)derlen) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, pp_tsa_write) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body) != CURLE_OK) {
		pp_err_log("TSA: cannot set up the request to %s", url);
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	cc = curl_easy_perform(c);
	if (body.nomem) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	if (body.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		pp_err_log("TSA %s: response over %d bytes", url, PP_TSA_MAX_RESPONSE);
		rc = PP_ERR_PROTO;
		goto fail;
	}
	if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
		pp_err_log("TSA URL %s: %s", url, curl_easy_strerror(cc));
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	if (cc != CURLE_OK) {
		pp_err_log("TSA %s: %s", url, curl_easy_strerror(cc));
		rc = PP_ERR_UNAVAILABLE;
		goto fail;
	}
	rc = PP_ERR_PROTO;
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http) != CURLE_OK || http != 200) {
		pp_err_log("TSA %s: HTTP status %ld", url, http);
		goto fail;
	}
	/* RFC 3161 section 3.4; parameters after ';' are tolerated. */
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype) != CURLE_OK || ctype == NULL ||
	    strncasecmp(ctype, PP_TSA_CONTENT_TYPE, strlen(PP_TSA_CONTENT_TYPE)) != 0 ||
	    (ctype[strlen(PP_TSA_CONTENT_TYPE)] != '\0' && ctype[strlen(PP_TSA_CONTENT_TYPE)] != ';')) {
		pp_err_log("TSA %s: Content-Type is not %s", url, PP_TSA_CONTENT_TYPE);
		goto fail;
	}
	resp = pp_tsa_parse(body.buf, body.len);
	if (resp == NULL) {
		pp_err_log("TSA %s: the answer is not one DER TimeStampResp", url);
		goto fail;
	}
	if (!pp_tsa_granted_sha256(resp, &status)) {
		pp_err_log("TSA %s: no SHA-256 token granted (status %ld)", url, status);
		goto fail;
	}
	/* Imprint (algorithm and bytes) and nonce come from our request.
	 * TS_VFY_SIGNER compares a tsaName with the signer certificate, which
	 * only exists once the signature is checked. */
	vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (vctx == NULL) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	flags = TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE;
	if (ca_file != NULL && *ca_file != '\0') {
		store = pp_tsa_store(ca_file);
		if (store == NULL) {
			rc = PP_ERR_CONFIG;
			goto fail;
		}
		TS_VERIFY_CTX_set_store(vctx, store);	/* owned by vctx now */
		store = NULL;
		flags |= TS_VFY_SIGNATURE | TS_VFY_SIGNER;
	}
	TS_VERIFY_CTX_set_flags(vctx, (int)flags);
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		unsigned long e = ERR_peek_last_error();
		pp_err_log("TSA %s: token refused: %s", url, e ? ERR_reason_error_string(e) : "?");
		goto fail;
	}
	*tsr = body.buf;
	*len = body.len;
	body.buf = NULL;
	rc = PP_OK;
fail:
	TS_VERIFY_CTX_free(vctx);
	X509_STORE_free(store);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	OPENSSL_free(der);
	curl_slist_free_all(hdrs);
	if (c != NULL)
		curl_easy_cleanup(c);
	pp_free(body.buf);
	ERR_clear_error();
	return rc;
}

enum pp_err
pp_tsa_verify(const uint8_t *tsr, size_t len, const pp_hash digest, const char *ca_file,
    time_t *gen_time)
{
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *vctx = NULL;
	X509_STORE *store = NULL;
	unsigned char *imprint = NULL;
	time_t t;
	long status;
	enum pp_err rc = PP_ERR_BAD_REQUEST;

	if (ca_file == NULL || *ca_file == '\0')
		return PP_ERR_CONFIG;
	if (tsr == NULL)
		return PP_ERR_BAD_REQUEST;
	resp = pp_tsa_parse(tsr, len);
	if (resp == NULL)
		goto fail;
	rc = PP_ERR_FORBIDDEN;
	if (!pp_tsa_granted_sha256(resp, &status) || !pp_tsa_gen_time(resp, &t))
		goto fail;
	store = pp_tsa_store(ca_file);
	if (store == NULL) {
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	/* The chain is checked as of the token's time: stored tokens must stay
	 * verifiable after the TSA certificate expires (ETSI long-term
	 * validation); the token's own signature vouches for that time. */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), t);
	vctx = TS_VERIFY_CTX_new();
	imprint = OPENSSL_memdup(digest, PP_HASH_LEN);
	if (vctx == NULL || imprint == NULL) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	TS_VERIFY_CTX_set_imprint(vctx, imprint, PP_HASH_LEN);	/* owned by vctx now */
	imprint = NULL;
	TS_VERIFY_CTX_set_store(vctx, store);
	store = NULL;
	TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_SIGNATURE |
	    TS_VFY_SIGNER);
	if (TS_RESP_verify_response(vctx, resp) != 1) {
		unsigned long e = ERR_peek_last_error();
		pp_warn_log("time-stamp token refused: %s", e ? ERR_reason_error_string(e) : "?");
		goto fail;
	}
	if (gen_time != NULL)
		*gen_time = t;
	rc = PP_OK;
fail:
	OPENSSL_free(imprint);
	TS_VERIFY_CTX_free(vctx);
	X509_STORE_free(store);
	TS_RESP_free(resp);
	ERR_clear_error();
	return rc;
}
