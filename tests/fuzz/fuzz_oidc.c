/*
 * Fuzz target: what the signer's OpenID Connect client
 * (fcgi/signer/signer_oidc.c) reads from the provider, after the bytes
 * arrive: the discovery document, the token endpoint's answer and the ID
 * token it carries.  The module's source is compiled in (as in
 * tests/unit/test_signer_oidc.c) to reach its static functions; no network,
 * no token.  The provider's JWK set is built once from a fixed P-256 key
 * (kid "k1"), never fetched again (no jwks_uri).
 *
 * Input: one byte, then the rest:
 *   mode 0: a discovery document's bytes (HTTP 200; bit 2: another status)
 *   mode 1: a token endpoint's answer's bytes (HTTP 200; bit 2: 400)
 *   mode 2: an ID token as it comes (compact JWS, verified with the set)
 *   mode 3: the ID token's claims (JSON), signed here with the key, so
 *           that fuzzed claims reach the checks made after the signature
 *           (bit 2: without kid, bit 3: typ "JWT")
 * A token that passes must hold a subject of 1..256 bytes and an acr of
 * oidc.required_acr.
 */
#include "../../fcgi/signer/signer_oidc.c"
#include <stdint.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ISS		"https://idp.test"
#define FZ_CID		"paraphe-test"
#define FZ_NONCE	"n-0S6_WzA2Mj"
#define FZ_NOW		INT64_C(1800000000)

/* A fixed P-256 pair made for this target (no secret: it signs nothing
 * but these inputs). */
static EVP_PKEY *
fz_key(void)
{
	static const char pem[] =
	    "-----BEGIN PRIVATE KEY-----\n"
	    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGKcQwo3XUnBelXtF\n"
	    "ysqntWqiXb7hDipmJNiqozi3YLShRANCAASmq/DZof8++j0XtdglrDYRUpl8e7uY\n"
	    "Ev5pzU6yvQhVk2VJM11Htzowc18qmcbl7v2PId2ZQTHqNNcPypUySgDh\n"
	    "-----END PRIVATE KEY-----\n";
	BIO *b = BIO_new_mem_buf(pem, (int)sizeof(pem) - 1);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

static void
fz_check_token(struct signer_oidc *o, struct pp_req *req, enum pp_err rc, const char *sub, const char *acr)
{
	if (rc != PP_OK)
		return;
	if (sub == NULL || *sub == '\0' || strlen(sub) > SIGNER_OIDC_SUB_MAX || acr == NULL ||
	    !signer_oidc_in_list(o->required_acr, acr))
		abort();
	(void)req;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct signer_oidc o;
	static EVP_PKEY *key;
	struct pp_pool *pool = NULL;
	struct pp_req req;
	json_object *j = NULL, *jwk, *keys;
	const char *sub = NULL, *acr = NULL, *text;
	char *jws = NULL;
	int64_t auth_time;
	enum pp_err rc;

	if (key == NULL) {
		pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
		if ((key = fz_key()) == NULL || pp_jwk_public(key, "k1", &jwk) != PP_OK)
			abort();
		o.issuer = FZ_ISS;
		o.client_id = FZ_CID;
		o.required_acr = "substantial high";
		o.subject_claim = "sub";
		o.ca_file = "";
		if ((o.jwks = json_object_new_object()) == NULL || (keys = json_object_new_array()) == NULL)
			abort();
		json_object_array_add(keys, jwk);
		json_object_object_add(o.jwks, "keys", keys);
	}
	if (size < 1 || size - 1 > SIGNER_OIDC_RESPONSE_MAX || pp_pool_new(&pool) != PP_OK)
		return 0;
	memset(&req, 0, sizeof(req));
	req.pool = pool;
	text = (const char *)data + 1;
	switch (data[0] & 3) {
	case 0:
		if (signer_oidc_parse_answer(text, size - 1, &j) != PP_OK)
			break;
		rc = signer_oidc_discovery(&o, &req, data[0] & 4 ? 404 : 200, j);
		if (rc == PP_OK && (o.authorization_endpoint == NULL || o.token_endpoint == NULL || o.jwks_uri == NULL ||
		    strncmp(o.token_endpoint, "https://", 8) != 0 || (data[0] & 4) != 0))
			abort();
		if (rc != PP_OK && (o.authorization_endpoint != NULL || o.token_endpoint != NULL || o.jwks_uri != NULL))
			abort();
		pp_free(o.authorization_endpoint);
		pp_free(o.token_endpoint);
		pp_free(o.jwks_uri);
		o.authorization_endpoint = o.token_endpoint = o.jwks_uri = NULL;
		break;
	case 1:
		if (signer_oidc_parse_answer(text, size - 1, &j) != PP_OK)
			break;
		rc = signer_oidc_token_answer(&o, &req, data[0] & 4 ? 400 : 200, j, FZ_NONCE, FZ_NOW, &sub, &acr,
		    &auth_time);
		fz_check_token(&o, &req, rc, sub, acr);
		break;
	case 2: {
		/* The token as a string of the answer: up to its first NUL. */
		char *t = pp_pool_alloc(pool, size);
		if (t == NULL)
			break;
		memcpy(t, text, size - 1);
		t[size - 1] = '\0';
		rc = signer_oidc_check_id_token(&o, &req, t, FZ_NONCE, FZ_NOW, &sub, &acr, &auth_time);
		fz_check_token(&o, &req, rc, sub, acr);
		break;
	}
	case 3:
		if (pp_json_parse(text, size - 1, 16, 4096, &j) != PP_OK ||
		    pp_jws_sign_pkey(key, data[0] & 8 ? "JWT" : NULL, data[0] & 4 ? NULL : "k1", j, &jws) != PP_OK)
			break;
		rc = signer_oidc_check_id_token(&o, &req, jws, FZ_NONCE, FZ_NOW, &sub, &acr, &auth_time);
		fz_check_token(&o, &req, rc, sub, acr);
		pp_free(jws);
		break;
	}
	json_object_put(j);
	pp_pool_free(pool);
	return 0;
}
