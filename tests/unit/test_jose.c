/* pp_jose: base64url, compact JWS verification (RFC 7515 A.2/A.3 vectors),
 * algorithm confusion, JWK sets, signing in software and in a token. */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_test.h"

/* RFC 7515 Appendix A.2 (RS256) and A.3 (ES256). */
#define RFC_PAYLOAD "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
static const char a2_jws[] = "eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh"
    "7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYN"
    "X4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Q"
    "e7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7no"
    "OPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlV"
    "mtVrBp0igcN_IoypGlUPQGe77Rw";
static const char a2_jwks[] = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\""
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp"
    "-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOW"
    "vG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs"
    "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9k"
    "G4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2"
    "PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"}]}";
static const char a3_jws[] = "eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
static const char a3_jwks[] = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

static json_object *
parse(const char *s)
{
	json_object *o = NULL;

	assert_int_equal(pp_json_parse(s, strlen(s), 16, 1000, &o), PP_OK);
	return o;
}

static EVP_PKEY *
jwks_key(const char *set, const char *kid, const char *alg)
{
	json_object *j = parse(set);
	EVP_PKEY *k = NULL;

	assert_int_equal(pp_jwks_key(j, kid, alg, &k), PP_OK);
	json_object_put(j);
	return k;
}

static enum pp_err
verify(const char *jws, EVP_PKEY *k, const char *typ)
{
	json_object *p = (json_object *)1;
	enum pp_err rc = pp_jws_verify(jws, strlen(jws), k, typ, &p);

	if (rc == PP_OK) {
		assert_non_null(p);
		json_object_put(p);
	} else {
		assert_null(p);
	}
	return rc;
}

static EVP_PKEY *
gen(const char *type, int bits)
{
	EVP_PKEY *k = bits ? EVP_PKEY_Q_keygen(NULL, NULL, type, (size_t)bits) :
	    EVP_PKEY_Q_keygen(NULL, NULL, type, "P-256");

	assert_non_null(k);
	return k;
}

/* b64url of s into a static buffer. */
static const char *
b64u(const char *s)
{
	static char out[2048];

	pp_b64url_encode((const unsigned char *)s, strlen(s), out);
	return out;
}


/* "<b64url(header)>.<payload>.<sig>" into tok (4096 bytes). */
static const char *
tok3(char *tok, const char *header, const char *payload, const char *sig)
{
	const char *parts[5] = { b64u(header), ".", payload, ".", sig };
	size_t o = 0, n;

	for (int i = 0; i < 5; i++) {
		n = strlen(parts[i]);
		assert_true(o + n < 4096);
		memcpy(tok + o, parts[i], n);
		o += n;
	}
	tok[o] = '\0';
	return tok;
}

/* ------------------------------------------------------------------ base64url */

static void
test_b64url(void **state)
{
	unsigned char buf[16];
	char enc[32];
	size_t n;

	(void)state;
	for (size_t len = 0; len <= 6; len++) {
		const unsigned char in[] = { 0xfb, 0xff, 0xbf, 0x00, 0x3e, 0x7f };
		pp_b64url_encode(in, len, enc);
		assert_int_equal(strlen(enc), PP_B64URL_LEN(len));
		assert_null(strchr(enc, '='));
		assert_null(strchr(enc, '+'));
		assert_null(strchr(enc, '/'));
		assert_int_equal(pp_b64url_decode(enc, strlen(enc), buf, sizeof(buf), &n), PP_OK);
		assert_int_equal(n, len);
		assert_memory_equal(buf, in, len);
	}
	pp_b64url_encode((const unsigned char *)"\xfb\xff", 2, enc);
	assert_string_equal(enc, "-_8");
	assert_int_equal(pp_b64url_decode("QQ", 2, buf, sizeof(buf), &n), PP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 'A');
	/* Padding, the standard alphabet, a lone character, stray bits. */
	assert_int_equal(pp_b64url_decode("QQ==", 4, buf, sizeof(buf), &n), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_b64url_decode("+/8", 3, buf, sizeof(buf), &n), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_b64url_decode("QUJDR", 5, buf, sizeof(buf), &n), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_b64url_decode("QR", 2, buf, sizeof(buf), &n), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_b64url_decode("QUI", 3, buf, sizeof(buf), &n), PP_OK);
	assert_int_equal(pp_b64url_decode("QUJ", 3, buf, sizeof(buf), &n), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_b64url_decode("QU I", 4, buf, sizeof(buf), &n), PP_ERR_BAD_REQUEST);
	/* Too long for the buffer. */
	assert_int_equal(pp_b64url_decode("QUJDRA", 6, buf, 3, &n), PP_ERR_BAD_REQUEST);
}

/* ------------------------------------------------------------------ RFC vectors */

static void
test_rfc7515_vectors(void **state)
{
	EVP_PKEY *rsa = jwks_key(a2_jwks, NULL, "RS256"), *ec = jwks_key(a3_jwks, NULL, "ES256");
	json_object *p = NULL;

	(void)state;
	assert_string_equal(pp_jose_alg(rsa), "RS256");
	assert_string_equal(pp_jose_alg(ec), "ES256");
	assert_int_equal(pp_jws_verify(a2_jws, strlen(a2_jws), rsa, NULL, &p), PP_OK);
	assert_string_equal(pp_json_get_str(p, "iss"), "joe");
	json_object_put(p);
	assert_int_equal(pp_jws_verify(a3_jws, strlen(a3_jws), ec, NULL, &p), PP_OK);
	assert_string_equal(pp_json_get_str(p, "iss"), "joe");
	json_object_put(p);
	/* Each with the other's key. */
	assert_int_equal(verify(a2_jws, ec, NULL), PP_ERR_TOKEN_INVALID);
	assert_int_equal(verify(a3_jws, rsa, NULL), PP_ERR_TOKEN_INVALID);
	/* The RFC tokens have no typ: one required is missing. */
	assert_int_equal(verify(a3_jws, ec, "JWT"), PP_ERR_TOKEN_INVALID);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

/* Flips one character of part `part` (0 header, 1 payload, 2 signature). */
static char *
tamper(const char *jws, int part, size_t at)
{
	char *t = strdup(jws), *s = t;

	assert_non_null(t);
	for (int i = 0; i < part; i++)
		s = strchr(s, '.') + 1;
	s[at] = s[at] == 'A' ? 'B' : 'A';
	return t;
}

static void
test_tampered(void **state)
{
	EVP_PKEY *rsa = jwks_key(a2_jwks, NULL, "RS256"), *ec = jwks_key(a3_jwks, NULL, "ES256");
	const char *vec[2] = { a2_jws, a3_jws };
	EVP_PKEY *key[2] = { rsa, ec };
	char *t;

	(void)state;
	for (int v = 0; v < 2; v++) {
		for (int part = 0; part < 3; part++) {
			for (size_t at = 0; at < 16; at += 5) {
				t = tamper(vec[v], part, at);
				assert_int_not_equal(verify(t, key[v], NULL), PP_OK);
				free(t);
			}
		}
		/* Truncated signature, missing part, extra part, empty parts. */
		t = strdup(vec[v]);
		t[strlen(t) - 2] = '\0';
		assert_int_equal(verify(t, key[v], NULL), PP_ERR_TOKEN_INVALID);
		*strrchr(t, '.') = '\0';
		assert_int_equal(verify(t, key[v], NULL), PP_ERR_TOKEN_INVALID);
		free(t);
		size_t tl = strlen(vec[v]) + 3;
		assert_non_null(t = malloc(tl));
		snprintf(t, tl, "%s.x", vec[v]);
		assert_int_equal(verify(t, key[v], NULL), PP_ERR_TOKEN_INVALID);
		free(t);
	}
	assert_int_equal(verify("..", ec, NULL), PP_ERR_TOKEN_INVALID);
	assert_int_equal(verify("", ec, NULL), PP_ERR_TOKEN_INVALID);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

/* ------------------------------------------------------------------ algorithm confusion */

static void
test_alg_confusion(void **state)
{
	EVP_PKEY *rsa = jwks_key(a2_jwks, NULL, "RS256"), *ec = jwks_key(a3_jwks, NULL, "ES256");
	const char *a3sig = strrchr(a3_jws, '.') + 1, *a2sig = strrchr(a2_jws, '.') + 1;
	char tok[4096], h[4096], pem[2048];
	unsigned char mac[32];
	unsigned maclen = sizeof(mac);
	BIO *bio;
	long pemlen;
	char *pemp;

	(void)state;
	/* An RS256 header over the EC vector's signature, with the EC key;
	 * and an ES256 header with the RSA key. */
	tok3(tok, "{\"alg\":\"RS256\"}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	tok3(tok, "{\"alg\":\"ES256\"}", RFC_PAYLOAD, a2sig);
	assert_int_equal(verify(tok, rsa, NULL), PP_ERR_TOKEN_INVALID);
	/* RFC 7515 A.5 (unsecured): empty signature; and "none" with one. */
	snprintf(tok, sizeof(tok), "eyJhbGciOiJub25lIn0.%s.", RFC_PAYLOAD);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	snprintf(tok, sizeof(tok), "eyJhbGciOiJub25lIn0.%s.%s", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	tok3(tok, "{\"alg\":\"None\"}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	/* HS256 keyed with the RSA public key's PEM (the classic confusion). */
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PUBKEY(bio, rsa), 1);
	pemlen = BIO_get_mem_data(bio, &pemp);
	assert_true(pemlen > 0 && (size_t)pemlen < sizeof(pem));
	memcpy(pem, pemp, (size_t)pemlen);
	BIO_free(bio);
	tok3(h, "{\"alg\":\"HS256\"}", RFC_PAYLOAD, "");
	h[strlen(h) - 1] = '\0';
	assert_non_null(HMAC(EVP_sha256(), pem, (int)pemlen, (const unsigned char *)h, strlen(h), mac, &maclen));
	{
		char sig[64];
		pp_b64url_encode(mac, maclen, sig);
		tok3(tok, "{\"alg\":\"HS256\"}", RFC_PAYLOAD, sig);
	}
	assert_int_equal(verify(tok, rsa, NULL), PP_ERR_TOKEN_INVALID);
	/* alg missing, not a string; crit; keys named by the token. */
	tok3(tok, "{\"typ\":\"JWT\"}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	tok3(tok, "{\"alg\":[\"ES256\"]}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	tok3(tok, "{\"alg\":\"ES256\",\"crit\":[\"b64\"],\"b64\":false}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	tok3(tok, "{\"alg\":\"ES256\",\"jku\":\"https://evil/\"}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	/* A header that is not JSON, or has a duplicate alg. */
	tok3(tok, "{\"alg\":\"ES256\"", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	tok3(tok, "{\"alg\":\"none\",\"alg\":\"ES256\"}", RFC_PAYLOAD, a3sig);
	assert_int_equal(verify(tok, ec, NULL), PP_ERR_TOKEN_INVALID);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void
test_unsupported_keys(void **state)
{
	EVP_PKEY *small = gen("RSA", 1024), *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	json_object *p = NULL, *claims = parse("{\"a\":1}");
	char *jws = NULL;

	(void)state;
	assert_non_null(p384);
	assert_null(pp_jose_alg(small));
	assert_null(pp_jose_alg(p384));
	assert_int_equal(pp_jws_verify(a3_jws, strlen(a3_jws), small, NULL, &p), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_jws_verify(a3_jws, strlen(a3_jws), p384, NULL, &p), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_jws_sign_pkey(small, NULL, NULL, claims, &jws), PP_ERR_BAD_REQUEST);
	assert_null(jws);
	json_object_put(claims);
	EVP_PKEY_free(small);
	EVP_PKEY_free(p384);
}

/* ------------------------------------------------------------------ signing, typ */

static void
test_sign_verify(void **state)
{
	EVP_PKEY *keys[2] = { gen("EC", 0), gen("RSA", 2048) }, *other = gen("EC", 0);
	json_object *claims = parse("{\"iss\":\"https://idp/\",\"sub\":\"alice\",\"n\":42}"), *p = NULL, *h = NULL;
	char *jws = NULL;

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pp_jws_sign_pkey(keys[i], "paraphe-login+jwt", "k1", claims, &jws), PP_OK);
		assert_int_equal(pp_jws_header(jws, strlen(jws), &h), PP_OK);
		assert_string_equal(pp_json_get_str(h, "alg"), i == 0 ? "ES256" : "RS256");
		assert_string_equal(pp_json_get_str(h, "kid"), "k1");
		json_object_put(h);
		assert_int_equal(pp_jws_verify(jws, strlen(jws), keys[i], "paraphe-login+jwt", &p), PP_OK);
		assert_string_equal(pp_json_get_str(p, "sub"), "alice");
		json_object_put(p);
		assert_int_equal(verify(jws, keys[i], NULL), PP_OK);
		assert_int_equal(verify(jws, keys[i], "application/Paraphe-Login+JWT"), PP_OK);
		assert_int_equal(verify(jws, keys[i], "JWT"), PP_ERR_TOKEN_INVALID);
		assert_int_equal(verify(jws, other, NULL), PP_ERR_TOKEN_INVALID);
		pp_free(jws);
	}
	/* Only objects are signed. */
	json_object_put(claims);
	claims = json_object_new_string("x");
	assert_int_equal(pp_jws_sign_pkey(keys[0], NULL, NULL, claims, &jws), PP_ERR_BAD_REQUEST);
	json_object_put(claims);
	/* A signed payload that is not an object is refused by verify. */
	EVP_PKEY_free(keys[0]);
	EVP_PKEY_free(keys[1]);
	EVP_PKEY_free(other);
}

static void
test_size_limits(void **state)
{
	EVP_PKEY *ec = gen("EC", 0);
	json_object *claims = json_object_new_object(), *p = NULL;
	char *big, *jws = NULL;

	(void)state;
	assert_non_null(big = malloc(PP_JWS_PAYLOAD_MAX + 1));
	memset(big, 'a', PP_JWS_PAYLOAD_MAX);
	big[PP_JWS_PAYLOAD_MAX] = '\0';
	assert_int_equal(pp_json_add_str(claims, "x", big), PP_OK);
	assert_int_equal(pp_jws_sign_pkey(ec, NULL, NULL, claims, &jws), PP_ERR_BAD_REQUEST);
	free(big);
	assert_non_null(big = malloc(PP_JWS_MAX + 2));
	memset(big, 'A', PP_JWS_MAX + 1);
	big[10] = big[20] = '.';
	assert_int_equal(pp_jws_verify(big, PP_JWS_MAX + 1, ec, NULL, &p), PP_ERR_TOKEN_INVALID);
	free(big);
	json_object_put(claims);
	EVP_PKEY_free(ec);
}

/* ------------------------------------------------------------------ JWK sets */

static void
test_jwks(void **state)
{
	EVP_PKEY *ec1 = gen("EC", 0), *ec2 = gen("EC", 0), *rsa = gen("RSA", 2048), *k = NULL;
	json_object *set = json_object_new_object(), *keys = json_object_new_array(), *jwk, *claims;
	char *jws = NULL;
	char buf[4096];

	(void)state;
	assert_int_equal(pp_jwk_public(ec1, "one", &jwk), PP_OK);
	json_object_array_add(keys, jwk);
	assert_int_equal(pp_jwk_public(ec2, "two", &jwk), PP_OK);
	json_object_array_add(keys, jwk);
	assert_int_equal(pp_jwk_public(rsa, "three", &jwk), PP_OK);
	json_object_array_add(keys, jwk);
	json_object_object_add(set, "keys", keys);

	/* By kid, a token of the second key verifies with what the set gives. */
	claims = parse("{\"sub\":\"x\"}");
	assert_int_equal(pp_jws_sign_pkey(ec2, NULL, "two", claims, &jws), PP_OK);
	assert_int_equal(pp_jwks_key(set, "two", "ES256", &k), PP_OK);
	assert_int_equal(verify(jws, k, NULL), PP_OK);
	EVP_PKEY_free(k);
	assert_int_equal(pp_jwks_key(set, "one", "ES256", &k), PP_OK);
	assert_int_equal(verify(jws, k, NULL), PP_ERR_TOKEN_INVALID);
	EVP_PKEY_free(k);
	pp_free(jws);
	json_object_put(claims);
	assert_int_equal(pp_jwks_key(set, "three", "RS256", &k), PP_OK);
	assert_string_equal(pp_jose_alg(k), "RS256");
	EVP_PKEY_free(k);
	/* Unknown kid; a kid of another type; no kid with two EC keys. */
	assert_int_equal(pp_jwks_key(set, "four", "ES256", &k), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_jwks_key(set, "three", "ES256", &k), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_jwks_key(set, NULL, "ES256", &k), PP_ERR_TOKEN_INVALID);
	assert_int_equal(pp_jwks_key(set, NULL, "RS256", &k), PP_OK);
	EVP_PKEY_free(k);
	assert_int_equal(pp_jwks_key(set, "one", "HS256", &k), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_jwks_key(set, "one", "none", &k), PP_ERR_BAD_REQUEST);
	assert_null(k);
	json_object_put(set);

	/* use, alg and key_ops say what a key may do. */
#define A3XY "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\""
	static const struct {
		const char *jwk;
		enum pp_err want;
	} cases[] = {
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"sig\"," A3XY "}", PP_OK },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\"," A3XY "}", PP_ERR_NOT_FOUND },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES384\"," A3XY "}", PP_ERR_NOT_FOUND },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"key_ops\":[\"sign\",\"verify\"]," A3XY "}", PP_OK },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"key_ops\":[\"encrypt\"]," A3XY "}", PP_ERR_NOT_FOUND },
		{ "{\"kty\":\"EC\",\"crv\":\"P-384\"," A3XY "}", PP_ERR_TOKEN_INVALID },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"}",
		  PP_ERR_TOKEN_INVALID },
		/* y changed: the point is not on the curve. */
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
		  "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}", PP_ERR_TOKEN_INVALID },
		{ "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}", PP_ERR_TOKEN_INVALID },
		{ "{\"kty\":\"oct\",\"k\":\"AAAA\"}", PP_ERR_NOT_FOUND },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"keys\":[%s]}", cases[i].jwk);
		set = parse(buf);
		k = NULL;
		if (pp_jwks_key(set, NULL, "ES256", &k) != cases[i].want)
			fail_msg("case %zu: %s", i, cases[i].jwk);
		assert_true((k != NULL) == (cases[i].want == PP_OK));
		EVP_PKEY_free(k);
		json_object_put(set);
	}
	/* RSA below 2048 bits. */
	EVP_PKEY_free(ec1);
	ec1 = gen("RSA", 1024);
	{
		BIGNUM *n = NULL;
		unsigned char nb[128];
		char nenc[200];

		assert_true(EVP_PKEY_get_bn_param(ec1, "n", &n));
		assert_int_equal(BN_bn2bin(n, nb), 128);
		BN_free(n);
		pp_b64url_encode(nb, 128, nenc);
		snprintf(buf, sizeof(buf), "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", nenc);
	}
	set = parse(buf);
	assert_int_equal(pp_jwks_key(set, NULL, "RS256", &k), PP_ERR_TOKEN_INVALID);
	json_object_put(set);
	/* Not a set. */
	set = parse("{\"keys\":{}}");
	assert_int_equal(pp_jwks_key(set, NULL, "RS256", &k), PP_ERR_TOKEN_INVALID);
	json_object_put(set);
	EVP_PKEY_free(ec1);
	EVP_PKEY_free(ec2);
	EVP_PKEY_free(rsa);
}

/* Every allocation of verify and sign failing in turn: an error, no leak. */
static void
test_alloc_failures(void **state)
{
	EVP_PKEY *ec = jwks_key(a3_jwks, NULL, "ES256");
	json_object *claims = parse("{\"sub\":\"x\"}"), *p;
	char *jws;
	enum pp_err rc;

	(void)state;
	for (long n = 0; n < 64; n++) {
		p = NULL;
		pp_mem_fail_after(n);
		rc = pp_jws_verify(a3_jws, strlen(a3_jws), ec, NULL, &p);
		pp_mem_fail_after(-1);
		if (rc == PP_OK) {
			json_object_put(p);
			break;
		}
		assert_null(p);
	}
	for (long n = 0; n < 64; n++) {
		jws = NULL;
		pp_mem_fail_after(n);
		rc = pp_jws_sign_pkey(ec, NULL, NULL, claims, &jws);
		pp_mem_fail_after(-1);
		if (rc == PP_ERR_BAD_REQUEST || rc == PP_ERR_INTERNAL) /* public key only: cannot sign */
			break;
		assert_null(jws);
	}
	json_object_put(claims);
	EVP_PKEY_free(ec);
}

/* ------------------------------------------------------------------ in a token */

static char dir[64];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static int
find_module(char *module, size_t cap)
{
	glob_t g;
	int found = 0;

	if (access("/usr/lib/softhsm/libsofthsm2.so", R_OK) == 0) {
		snprintf(module, cap, "%s", "/usr/lib/softhsm/libsofthsm2.so");
		return 1;
	}
	if (glob("/usr/lib/*/softhsm/libsofthsm2.so", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(module, cap, "%s", g.gl_pathv[0]);
		found = 1;
	}
	globfree(&g);
	return found;
}

static void
test_sign_p11(void **state)
{
	char module[256], tokens[128], conf[128], pin[128], text[256];
	struct pp_p11 *p = NULL;
	CK_OBJECT_HANDLE priv, pub;
	EVP_PKEY *k = NULL;
	json_object *claims = parse("{\"authz\":\"00112233445566778899aabbccddeeff\"}"), *out = NULL;
	char *jws = NULL;

	(void)state;
	if (!find_module(module, sizeof(module)) || access("/usr/bin/softhsm2-util", X_OK) != 0) {
		json_object_put(claims);
		skip();
	}
	snprintf(dir, sizeof(dir), "%s", "/tmp/pp-test-jose-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(tokens, sizeof(tokens), "%s/tokens", dir);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	snprintf(pin, sizeof(pin), "%s/pin", dir);
	assert_int_equal(mkdir(tokens, 0700), 0);
	snprintf(text, sizeof(text), "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
	    tokens);
	write_file(conf, text);
	write_file(pin, "1234\n");
	assert_int_equal(setenv("SOFTHSM2_CONF", conf, 1), 0);
	/* A throwaway token: its PINs on argv harm nobody. */
	assert_int_equal(system("softhsm2-util --init-token --free --label web --pin 1234 --so-pin 5678 >/dev/null"),
	    0);
	assert_int_equal(pp_p11_open(module, "web", pin, conf, &p), PP_OK);
	assert_int_equal(pp_p11_ec_generate(p, "paraphe-login", &priv, &pub), PP_OK);
	assert_int_equal(pp_p11_ec_public(p, pub, &k), PP_OK);
	/* Several signatures: r or s with leading zero bytes must still
	 * come out as 32 bytes each. */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pp_jws_sign_p11(p, priv, "paraphe-login+jwt", NULL, claims, &jws), PP_OK);
		assert_int_equal(pp_jws_verify(jws, strlen(jws), k, "paraphe-login+jwt", &out), PP_OK);
		assert_string_equal(pp_json_get_str(out, "authz"), "00112233445566778899aabbccddeeff");
		json_object_put(out);
		pp_free(jws);
	}
	EVP_PKEY_free(k);
	json_object_put(claims);
	pp_p11_close(p);
	pp_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_rfc7515_vectors),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_alg_confusion),
		cmocka_unit_test(test_unsupported_keys),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_jwks),
		cmocka_unit_test_teardown(test_alloc_failures, pp_test_alloc_reset),
		cmocka_unit_test(test_sign_p11),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
