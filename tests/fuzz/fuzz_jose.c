/* Fuzz target: JOSE (pp_jose): a JWK set and a compact JWS, as an OpenID
 * Connect provider sends them.  Input: the JWK set's JSON, a newline, the
 * JWS.  The JWS's header chooses the key in the set (kid, alg) and the JWS
 * is verified with it; it is also verified with a fixed key, and its
 * header and the raw bytes go through the base64url decoder. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pp_jose.h"
#include "pp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_jose_verify(const char *jws, size_t len, json_object *jwks)
{
	json_object *h = NULL, *p = NULL;
	EVP_PKEY *key = NULL;
	const char *kid, *alg;

	if (pp_jws_header(jws, len, &h) != PP_OK)
		return;
	kid = pp_json_get_str(h, "kid");
	alg = pp_json_get_str(h, "alg");
	if (jwks != NULL && alg != NULL && pp_jwks_key(jwks, kid, alg, &key) == PP_OK) {
		if (pp_jws_verify(jws, len, key, NULL, &p) == PP_OK)
			json_object_put(p);
		EVP_PKEY_free(key);
	}
	json_object_put(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char fixed[] = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
	static EVP_PKEY *ec;
	const char *s = (const char *)data, *nl = memchr(data, '\n', size);
	json_object *jwks = NULL, *fj = NULL, *p = NULL;
	unsigned char buf[PP_JWS_MAX];
	size_t n, jlen = nl ? (size_t)(nl - s) : 0;

	if (ec == NULL && pp_json_parse(fixed, sizeof(fixed) - 1, 8, 64, &fj) == PP_OK) {
		if (pp_jwks_key(fj, NULL, "ES256", &ec) != PP_OK)
			ec = NULL;
		json_object_put(fj);
	}
	if (pp_b64url_decode(s, size, buf, sizeof(buf), &n) == PP_OK && n > sizeof(buf))
		abort();
	if (nl == NULL)
		return 0;
	if (jlen > 0 && jlen <= PP_JWKS_MAX && pp_json_parse(s, jlen, 8, 1024, &jwks) != PP_OK)
		jwks = NULL;
	fuzz_jose_verify(nl + 1, size - jlen - 1, jwks);
	if (ec != NULL && pp_jws_verify(nl + 1, size - jlen - 1, ec, "JWT", &p) == PP_OK)
		json_object_put(p);
	json_object_put(jwks);
	return 0;
}
