/*
 * pp_jose: compact JWS (ES256, RS256), JWK sets.  See pp_jose.h.
 */
#include "config.h"
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_util.h"

#define PP_JOSE_DEPTH 8
#define PP_JOSE_MEMBERS 256
#define PP_JOSE_SIG_MAX 1024	/* RSA 8192 */
#define PP_JOSE_RSA_MIN_BITS 2048
#define PP_JOSE_RSA_MAX_BYTES 1024

/* ------------------------------------------------------------------ base64url */

static const char pp_b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
pp_b64url_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i = 0, o = 0;
	uint32_t v;

	for (; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = pp_b64url_alphabet[v >> 18];
		out[o++] = pp_b64url_alphabet[(v >> 12) & 63];
		out[o++] = pp_b64url_alphabet[(v >> 6) & 63];
		out[o++] = pp_b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = pp_b64url_alphabet[v >> 18];
		out[o++] = pp_b64url_alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = pp_b64url_alphabet[v >> 18];
		out[o++] = pp_b64url_alphabet[(v >> 12) & 63];
		out[o++] = pp_b64url_alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
}

static int
pp_b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

enum pp_err
pp_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outcap, size_t *outlen)
{
	size_t i, o = 0, rem = len % 4, need = (len / 4) * 3 + (rem ? rem - 1 : 0);
	uint32_t v = 0;
	int d;

	*outlen = 0;
	if (rem == 1)
		return PP_ERR_BAD_REQUEST;
	if (need > outcap)
		return PP_ERR_BAD_REQUEST;
	for (i = 0; i < len; i++) {
		if ((d = pp_b64url_val((unsigned char)in[i])) < 0)
			return PP_ERR_BAD_REQUEST;
		v = v << 6 | (uint32_t)d;
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(v >> 16);
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)v;
			v = 0;
		}
	}
	/* The unused low bits of the last character must be zero, so that
	 * one byte string has one encoding. */
	if (rem == 2) {
		if (v & 0xf)
			return PP_ERR_BAD_REQUEST;
		out[o++] = (unsigned char)(v >> 4);
	} else if (rem == 3) {
		if (v & 0x3)
			return PP_ERR_BAD_REQUEST;
		out[o++] = (unsigned char)(v >> 10);
		out[o++] = (unsigned char)(v >> 2);
	}
	*outlen = o;
	return PP_OK;
}

/* ------------------------------------------------------------------ keys */

static int
pp_jose_is_p256(EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen))
		return 0;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

const char *
pp_jose_alg(EVP_PKEY *key)
{
	if (key == NULL)
		return NULL;
	if (pp_jose_is_p256(key))
		return "ES256";
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= PP_JOSE_RSA_MIN_BITS &&
	    EVP_PKEY_get_bits(key) <= PP_JOSE_RSA_MAX_BYTES * 8)
		return "RS256";
	return NULL;
}

/* ------------------------------------------------------------------ parsing */

/* The three parts of a compact JWS. */
struct pp_jws_parts {
	const char *h, *p, *s;
	size_t hlen, plen, slen;
};

static enum pp_err
pp_jws_split(const char *jws, size_t len, struct pp_jws_parts *parts)
{
	const char *d1, *d2;

	if (jws == NULL || len == 0 || len > PP_JWS_MAX)
		return PP_ERR_TOKEN_INVALID;
	if ((d1 = memchr(jws, '.', len)) == NULL)
		return PP_ERR_TOKEN_INVALID;
	if ((d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws))) == NULL)
		return PP_ERR_TOKEN_INVALID;
	if (memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jws)) != NULL)
		return PP_ERR_TOKEN_INVALID;	/* JWE (5 parts) or garbage */
	parts->h = jws;
	parts->hlen = (size_t)(d1 - jws);
	parts->p = d1 + 1;
	parts->plen = (size_t)(d2 - parts->p);
	parts->s = d2 + 1;
	parts->slen = len - (size_t)(parts->s - jws);
	if (parts->hlen == 0 || parts->slen == 0)
		return PP_ERR_TOKEN_INVALID;	/* "none" has an empty signature */
	return PP_OK;
}

/* Decodes a base64url part holding a JSON object of at most max bytes. */
static enum pp_err
pp_jose_json_part(const char *b64, size_t len, size_t max, json_object **obj)
{
	unsigned char *buf;
	size_t n;
	enum pp_err rc;

	*obj = NULL;
	if (len == 0 || len > PP_B64URL_LEN(max))
		return PP_ERR_TOKEN_INVALID;
	if ((buf = pp_malloc(max)) == NULL)
		return PP_ERR_NOMEM;
	rc = pp_b64url_decode(b64, len, buf, max, &n);
	if (rc == PP_OK)
		rc = pp_json_parse((const char *)buf, n, PP_JOSE_DEPTH, PP_JOSE_MEMBERS, obj);
	pp_free(buf);
	if (rc == PP_ERR_NOMEM)
		return rc;
	return rc == PP_OK ? PP_OK : PP_ERR_TOKEN_INVALID;
}

enum pp_err
pp_jws_header(const char *jws, size_t len, json_object **header)
{
	struct pp_jws_parts parts;
	enum pp_err rc;

	*header = NULL;
	if ((rc = pp_jws_split(jws, len, &parts)) != PP_OK)
		return rc;
	return pp_jose_json_part(parts.h, parts.hlen, PP_JWS_HEADER_MAX, header);
}

/* "typ" is a media type: compared case-insensitively, and
 * "application/" may be left out (RFC 7515 section 4.1.9). */
static int
pp_jose_typ_equal(const char *got, const char *want)
{
	static const char app[] = "application/";

	if (strncasecmp(got, app, sizeof(app) - 1) == 0)
		got += sizeof(app) - 1;
	if (strncasecmp(want, app, sizeof(app) - 1) == 0)
		want += sizeof(app) - 1;
	return strcasecmp(got, want) == 0;
}

static enum pp_err
pp_jose_check_header(json_object *h, const char *alg, const char *typ)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(h, "alg", &v) || !json_object_is_type(v, json_type_string)) {
		pp_dbg_log("jose: header without alg");
		return PP_ERR_TOKEN_INVALID;
	}
	s = json_object_get_string(v);
	/* Exactly the key's algorithm: this refuses "none", HS256 (an RSA
	 * public key used as an HMAC secret), RS256 with an EC key... */
	if (strcmp(s, alg) != 0) {
		pp_dbg_log("jose: alg %.16s where the key implies %s", s, alg);
		return PP_ERR_TOKEN_INVALID;
	}
	if (json_object_object_get_ex(h, "crit", NULL)) {
		pp_dbg_log("jose: header with crit");
		return PP_ERR_TOKEN_INVALID;
	}
	/* Keys named by the token itself are never trusted. */
	if (json_object_object_get_ex(h, "jwk", NULL) || json_object_object_get_ex(h, "jku", NULL) ||
	    json_object_object_get_ex(h, "x5u", NULL) || json_object_object_get_ex(h, "x5c", NULL)) {
		pp_dbg_log("jose: header names its own key");
		return PP_ERR_TOKEN_INVALID;
	}
	if (typ != NULL) {
		if (!json_object_object_get_ex(h, "typ", &v) || !json_object_is_type(v, json_type_string) ||
		    !pp_jose_typ_equal(json_object_get_string(v), typ)) {
			pp_dbg_log("jose: typ is not %s", typ);
			return PP_ERR_TOKEN_INVALID;
		}
	}
	return PP_OK;
}

/* Raw r||s (n bytes each) to DER, for OpenSSL. */
static enum pp_err
pp_jose_rs_to_der(const unsigned char *rs, size_t n, unsigned char **der, int *derlen)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	enum pp_err rc = PP_ERR_NOMEM;

	*der = NULL;
	if ((sig = ECDSA_SIG_new()) == NULL || (r = BN_bin2bn(rs, (int)n, NULL)) == NULL ||
	    (s = BN_bin2bn(rs + n, (int)n, NULL)) == NULL)
		goto fail;
	if (!ECDSA_SIG_set0(sig, r, s))
		goto fail;
	r = s = NULL;
	if ((*derlen = i2d_ECDSA_SIG(sig, der)) <= 0) {
		*der = NULL;
		goto fail;
	}
	rc = PP_OK;
fail:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return rc;
}

static enum pp_err
pp_jose_verify_sig(EVP_PKEY *key, int ec, const char *input, size_t inlen, const unsigned char *sig,
    size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	int derlen = 0, ok;
	enum pp_err rc;

	if (ec) {
		/* RFC 7518 3.4: exactly 64 bytes, r then s. */
		if (siglen != 64)
			return PP_ERR_TOKEN_INVALID;
		if ((rc = pp_jose_rs_to_der(sig, 32, &der, &derlen)) != PP_OK)
			return rc;
		sig = der;
		siglen = (size_t)derlen;
	} else if (siglen != (size_t)EVP_PKEY_get_size(key)) {
		return PP_ERR_TOKEN_INVALID;
	}
	rc = PP_ERR_NOMEM;
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto done;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1) {
		rc = PP_ERR_BAD_REQUEST;
		goto done;
	}
	ok = EVP_DigestVerify(md, sig, siglen, (const unsigned char *)input, inlen);
	rc = ok == 1 ? PP_OK : PP_ERR_TOKEN_INVALID;
done:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return rc;
}

enum pp_err
pp_jws_verify(const char *jws, size_t len, EVP_PKEY *key, const char *typ, json_object **payload)
{
	struct pp_jws_parts parts;
	json_object *h = NULL, *p = NULL;
	unsigned char sig[PP_JOSE_SIG_MAX];
	size_t siglen;
	const char *alg;
	enum pp_err rc;

	*payload = NULL;
	if ((alg = pp_jose_alg(key)) == NULL)
		return PP_ERR_BAD_REQUEST;
	if ((rc = pp_jws_split(jws, len, &parts)) != PP_OK)
		return rc;
	if ((rc = pp_jose_json_part(parts.h, parts.hlen, PP_JWS_HEADER_MAX, &h)) != PP_OK)
		return rc;
	if ((rc = pp_jose_check_header(h, alg, typ)) != PP_OK)
		goto done;
	if (pp_b64url_decode(parts.s, parts.slen, sig, sizeof(sig), &siglen) != PP_OK) {
		rc = PP_ERR_TOKEN_INVALID;
		goto done;
	}
	/* The signature covers the encoded header and payload as sent. */
	if ((rc = pp_jose_verify_sig(key, alg[0] == 'E', jws, parts.hlen + 1 + parts.plen, sig, siglen)) !=
	    PP_OK) {
		pp_dbg_log("jose: signature does not verify");
		goto done;
	}
	if ((rc = pp_jose_json_part(parts.p, parts.plen, PP_JWS_PAYLOAD_MAX, &p)) != PP_OK)
		goto done;
	*payload = p;
done:
	json_object_put(h);
	return rc;
}

/* ------------------------------------------------------------------ JWK sets */

static enum pp_err
pp_jwk_b64(json_object *jwk, const char *name, unsigned char *out, size_t cap, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(jwk, name, &v) || !json_object_is_type(v, json_type_string))
		return PP_ERR_TOKEN_INVALID;
	if (pp_b64url_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), out, cap, len) !=
	    PP_OK || *len == 0)
		return PP_ERR_TOKEN_INVALID;
	return PP_OK;
}

static enum pp_err
pp_jwk_ec(json_object *jwk, EVP_PKEY **key)
{
	unsigned char pt[65], x[33], y[33];
	size_t xl, yl;
	const char *crv = pp_json_get_str(jwk, "crv");
	OSSL_PARAM op[3];
	EVP_PKEY_CTX *ctx = NULL;
	enum pp_err rc = PP_ERR_TOKEN_INVALID;

	if (crv == NULL || strcmp(crv, "P-256") != 0)
		return PP_ERR_TOKEN_INVALID;
	if (pp_jwk_b64(jwk, "x", x, sizeof(x), &xl) != PP_OK || pp_jwk_b64(jwk, "y", y, sizeof(y), &yl) != PP_OK ||
	    xl != 32 || yl != 32)
		return PP_ERR_TOKEN_INVALID;
	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	op[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)"prime256v1", 0);
	op[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	op[2] = OSSL_PARAM_construct_end();
	*key = NULL;
	/* fromdata decodes the point, which refuses one off the curve. */
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto done;
	}
	if (EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, key, EVP_PKEY_PUBLIC_KEY, op) <= 0) {
		*key = NULL;
		goto done;
	}
	rc = PP_OK;
done:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static enum pp_err
pp_jwk_rsa(json_object *jwk, EVP_PKEY **key)
{
	unsigned char *n = NULL, e[8];
	size_t nl, el;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *op = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum pp_err rc = PP_ERR_TOKEN_INVALID;

	*key = NULL;
	if ((n = pp_malloc(PP_JOSE_RSA_MAX_BYTES)) == NULL)
		return PP_ERR_NOMEM;
	if (pp_jwk_b64(jwk, "n", n, PP_JOSE_RSA_MAX_BYTES, &nl) != PP_OK ||
	    pp_jwk_b64(jwk, "e", e, sizeof(e), &el) != PP_OK)
		goto done;
	rc = PP_ERR_NOMEM;
	if ((bn = BN_bin2bn(n, (int)nl, NULL)) == NULL || (be = BN_bin2bn(e, (int)el, NULL)) == NULL)
		goto done;
	rc = PP_ERR_TOKEN_INVALID;
	if (BN_num_bits(bn) < PP_JOSE_RSA_MIN_BITS || !BN_is_odd(be) || BN_is_one(be))
		goto done;
	rc = PP_ERR_NOMEM;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) || (op = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto done;
	rc = PP_ERR_TOKEN_INVALID;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, key, EVP_PKEY_PUBLIC_KEY, op) <= 0) {
		*key = NULL;
		goto done;
	}
	rc = PP_OK;
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(op);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	BN_free(bn);
	pp_free(n);
	return rc;
}

/* 1 when this JWK may verify alg signatures (kty, use, alg, key_ops). */
static int
pp_jwk_usable(json_object *jwk, const char *alg, const char *kty)
{
	const char *s;
	json_object *ops;

	if ((s = pp_json_get_str(jwk, "kty")) == NULL || strcmp(s, kty) != 0)
		return 0;
	if (json_object_object_get_ex(jwk, "use", NULL) && ((s = pp_json_get_str(jwk, "use")) == NULL ||
	    strcmp(s, "sig") != 0))
		return 0;
	if (json_object_object_get_ex(jwk, "alg", NULL) && ((s = pp_json_get_str(jwk, "alg")) == NULL ||
	    strcmp(s, alg) != 0))
		return 0;
	if (json_object_object_get_ex(jwk, "key_ops", &ops)) {
		size_t i, n;
		int verify = 0;

		if (!json_object_is_type(ops, json_type_array))
			return 0;
		n = json_object_array_length(ops);
		for (i = 0; i < n; i++) {
			json_object *o = json_object_array_get_idx(ops, i);
			if (json_object_is_type(o, json_type_string) && strcmp(json_object_get_string(o), "verify") == 0)
				verify = 1;
		}
		if (!verify)
			return 0;
	}
	return 1;
}

enum pp_err
pp_jwks_key(json_object *jwks, const char *kid, const char *alg, EVP_PKEY **key)
{
	json_object *keys, *jwk, *found = NULL;
	const char *kty, *k;
	size_t i, n, matches = 0;
	int ec;

	*key = NULL;
	if (alg == NULL)
		return PP_ERR_BAD_REQUEST;
	if (strcmp(alg, "ES256") == 0)
		ec = 1;
	else if (strcmp(alg, "RS256") == 0)
		ec = 0;
	else
		return PP_ERR_BAD_REQUEST;
	kty = ec ? "EC" : "RSA";
	if (jwks == NULL || !json_object_is_type(jwks, json_type_object) ||
	    !json_object_object_get_ex(jwks, "keys", &keys) || !json_object_is_type(keys, json_type_array))
		return PP_ERR_TOKEN_INVALID;
	n = json_object_array_length(keys);
	if (n > PP_JWKS_KEYS_MAX)
		return PP_ERR_TOKEN_INVALID;
	for (i = 0; i < n; i++) {
		jwk = json_object_array_get_idx(keys, i);
		if (!json_object_is_type(jwk, json_type_object))
			continue;
		if (kid != NULL && ((k = pp_json_get_str(jwk, "kid")) == NULL || strcmp(k, kid) != 0))
			continue;
		if (!pp_jwk_usable(jwk, alg, kty))
			continue;
		found = jwk;
		matches++;
	}
	if (matches == 0)
		return PP_ERR_NOT_FOUND;
	if (matches > 1) {
		pp_dbg_log("jose: %zu keys of the set match", matches);
		return PP_ERR_TOKEN_INVALID;
	}
	return ec ? pp_jwk_ec(found, key) : pp_jwk_rsa(found, key);
}

/* A big-endian parameter of key as base64url into the JWK. */
static enum pp_err
pp_jwk_add_bn(json_object *jwk, const char *name, const BIGNUM *bn, int pad)
{
	unsigned char buf[PP_JOSE_RSA_MAX_BYTES];
	char b64[PP_B64URL_LEN(PP_JOSE_RSA_MAX_BYTES) + 1];
	int n = pad > 0 ? pad : BN_num_bytes(bn);

	if (n <= 0 || n > (int)sizeof(buf) || BN_bn2binpad(bn, buf, n) != n)
		return PP_ERR_INTERNAL;
	pp_b64url_encode(buf, (size_t)n, b64);
	return pp_json_add_str(jwk, name, b64);
}

enum pp_err
pp_jwk_public(EVP_PKEY *key, const char *kid, json_object **jwk)
{
	const char *alg = pp_jose_alg(key);
	json_object *j;
	BIGNUM *a = NULL, *b = NULL;
	enum pp_err rc = PP_ERR_INTERNAL;

	*jwk = NULL;
	if (alg == NULL)
		return PP_ERR_BAD_REQUEST;
	if ((j = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if (alg[0] == 'E') {
		if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &a) ||
		    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &b))
			goto fail;
		if ((rc = pp_json_add_str(j, "kty", "EC")) != PP_OK || (rc = pp_json_add_str(j, "crv", "P-256")) != PP_OK ||
		    (rc = pp_jwk_add_bn(j, "x", a, 32)) != PP_OK || (rc = pp_jwk_add_bn(j, "y", b, 32)) != PP_OK)
			goto fail;
	} else {
		if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &a) ||
		    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &b))
			goto fail;
		if ((rc = pp_json_add_str(j, "kty", "RSA")) != PP_OK || (rc = pp_jwk_add_bn(j, "n", a, 0)) != PP_OK ||
		    (rc = pp_jwk_add_bn(j, "e", b, 0)) != PP_OK)
			goto fail;
	}
	if ((kid != NULL && (rc = pp_json_add_str(j, "kid", kid)) != PP_OK) ||
	    (rc = pp_json_add_str(j, "use", "sig")) != PP_OK || (rc = pp_json_add_str(j, "alg", alg)) != PP_OK)
		goto fail;
	BN_free(a);
	BN_free(b);
	*jwk = j;
	return PP_OK;
fail:
	BN_free(a);
	BN_free(b);
	json_object_put(j);
	return rc;
}

/* ------------------------------------------------------------------ signing */

/* "<b64url header>.<b64url payload>" into a pp_malloc'd buffer with room
 * for the signature's base64url (siglen bytes) and the NUL. */
static enum pp_err
pp_jws_input(const char *alg, const char *typ, const char *kid, json_object *payload, size_t siglen,
    char **buf, size_t *inlen)
{
	json_object *h;
	const char *hs, *ps;
	size_t hl, pl, cap;
	char *b;
	enum pp_err rc;

	*buf = NULL;
	if (payload == NULL || !json_object_is_type(payload, json_type_object))
		return PP_ERR_BAD_REQUEST;
	if ((h = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_json_add_str(h, "alg", alg)) != PP_OK ||
	    (typ != NULL && (rc = pp_json_add_str(h, "typ", typ)) != PP_OK) ||
	    (kid != NULL && (rc = pp_json_add_str(h, "kid", kid)) != PP_OK)) {
		json_object_put(h);
		return rc;
	}
	hs = pp_json_str(h, &hl);
	ps = pp_json_str(payload, &pl);
	if (hs == NULL || ps == NULL || hl > PP_JWS_HEADER_MAX || pl > PP_JWS_PAYLOAD_MAX) {
		json_object_put(h);
		return hs == NULL || ps == NULL ? PP_ERR_NOMEM : PP_ERR_BAD_REQUEST;
	}
	cap = PP_B64URL_LEN(hl) + 1 + PP_B64URL_LEN(pl) + 1 + PP_B64URL_LEN(siglen) + 1;
	if ((b = pp_malloc(cap)) == NULL) {
		json_object_put(h);
		return PP_ERR_NOMEM;
	}
	pp_b64url_encode((const unsigned char *)hs, hl, b);
	*inlen = strlen(b);
	b[(*inlen)++] = '.';
	pp_b64url_encode((const unsigned char *)ps, pl, b + *inlen);
	*inlen += strlen(b + *inlen);
	json_object_put(h);
	*buf = b;
	return PP_OK;
}

static void
pp_jws_finish(char *buf, size_t inlen, const unsigned char *sig, size_t siglen)
{
	buf[inlen] = '.';
	pp_b64url_encode(sig, siglen, buf + inlen + 1);
}

enum pp_err
pp_jws_sign_p11(struct pp_p11 *p, CK_OBJECT_HANDLE priv, const char *typ, const char *kid, json_object *payload,
    char **jws)
{
	unsigned char digest[SHA256_DIGEST_LENGTH], rs[132];
	size_t rslen = sizeof(rs), inlen;
	char *buf;
	enum pp_err rc;

	*jws = NULL;
	if ((rc = pp_jws_input("ES256", typ, kid, payload, 64, &buf, &inlen)) != PP_OK)
		return rc;
	SHA256((const unsigned char *)buf, inlen, digest);
	if ((rc = pp_p11_ecdsa_sign(p, priv, digest, sizeof(digest), rs, &rslen)) != PP_OK) {
		pp_free(buf);
		return rc;
	}
	/* CKM_ECDSA answers r||s, each as long as the field: for P-256
	 * that is JWS's 64 bytes already.  Anything else is another curve. */
	if (rslen != 64) {
		pp_err_log("jose: the token's ECDSA signature has %zu bytes, not 64 (not a P-256 key)", rslen);
		pp_free(buf);
		return PP_ERR_HSM;
	}
	pp_jws_finish(buf, inlen, rs, rslen);
	*jws = buf;
	return PP_OK;
}

enum pp_err
pp_jws_sign_pkey(EVP_PKEY *key, const char *typ, const char *kid, json_object *payload, char **jws)
{
	const char *alg = pp_jose_alg(key);
	EVP_MD_CTX *md = NULL;
	unsigned char sig[PP_JOSE_SIG_MAX], rs[64];
	const unsigned char *sp;
	size_t siglen = sizeof(sig), inlen;
	ECDSA_SIG *es = NULL;
	char *buf = NULL;
	enum pp_err rc;

	*jws = NULL;
	if (alg == NULL)
		return PP_ERR_BAD_REQUEST;
	if ((rc = pp_jws_input(alg, typ, kid, payload, alg[0] == 'E' ? 64 : (size_t)EVP_PKEY_get_size(key), &buf,
	    &inlen)) != PP_OK)
		return rc;
	rc = PP_ERR_INTERNAL;
	if ((md = EVP_MD_CTX_new()) == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)buf, inlen) != 1)
		goto fail;
	if (alg[0] == 'E') {
		const BIGNUM *r, *s;

		sp = sig;
		if ((es = d2i_ECDSA_SIG(NULL, &sp, (long)siglen)) == NULL)
			goto fail;
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, rs, 32) != 32 || BN_bn2binpad(s, rs + 32, 32) != 32)
			goto fail;
		pp_jws_finish(buf, inlen, rs, 64);
	} else {
		pp_jws_finish(buf, inlen, sig, siglen);
	}
	*jws = buf;
	buf = NULL;
	rc = PP_OK;
fail:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	pp_free(buf);
	return rc;
}
