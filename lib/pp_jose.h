/*
 * pp_jose: the JOSE subset Paraphe needs (RFC 7515 compact JWS, RFC 7517
 * JWK sets, RFC 7518 ES256 and RS256), for OpenID Connect ID tokens
 * (AUTH-1) and the signer plugin's login tokens (AUTH-4, docs/AUTHZ.md).
 *
 * Verification is driven by the key, never by the token: the algorithm
 * is the one the key implies (ES256 for an EC P-256 key, RS256 for an RSA
 * key of 2048 bits or more) and the header's "alg" must name exactly it.
 * "none", HMAC and every other algorithm are refused, as is a header with
 * "crit" (no extension is understood).  Sizes are bounded before anything
 * is decoded; base64url must be canonical (no padding, no stray bits).
 *
 * Every refusal of a token is PP_ERR_TOKEN_INVALID, with the reason
 * logged at debug level only (tokens come from the network); callers that
 * need a reason for the audit record check the claims themselves.
 */
#ifndef PP_JOSE_H
#define PP_JOSE_H

#include <stddef.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>
#include "pp_err.h"

struct pp_p11;

/* Largest compact JWS accepted (bytes), and largest decoded header and
 * payload. */
#define PP_JWS_MAX 16384
#define PP_JWS_HEADER_MAX 1024
#define PP_JWS_PAYLOAD_MAX 8192
/* Largest JWK set (JSON bytes) and number of keys considered. */
#define PP_JWKS_MAX 65536
#define PP_JWKS_KEYS_MAX 32

/* Base64url without padding (RFC 7515 section 2).  Encoding: out needs
 * PP_B64URL_LEN(len) + 1 bytes (NUL-terminated).  Decoding: refuses '=',
 * characters outside the alphabet, a length of 1 mod 4 and non-zero
 * unused bits; OUT out[0..*outlen), PP_ERR_BAD_REQUEST when it does not
 * fit outcap. */
#define PP_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 == 0 ? 0 : (n) % 3 + 1))
void pp_b64url_encode(const unsigned char *in, size_t len, char *out);
enum pp_err pp_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outcap,
    size_t *outlen) PP_WUR;

/* The protected header of a compact JWS, NOT verified (to choose the key
 * by "kid").  OUT *header: a JSON object owned by the caller
 * (json_object_put).  PP_ERR_TOKEN_INVALID for anything malformed. */
enum pp_err pp_jws_header(const char *jws, size_t len, json_object **header) PP_WUR;

/* Verifies a compact JWS jws[0..len) with key (see above for the
 * algorithm).  typ: when not NULL, the header's "typ" must be it (media
 * type comparison: case-insensitive, "application/" optional).  OUT
 * *payload: the payload, a JSON object, owned by the caller
 * (json_object_put); set only on PP_OK.  PP_ERR_TOKEN_INVALID for any
 * refusal; PP_ERR_BAD_REQUEST for a key of an unsupported type or size. */
enum pp_err pp_jws_verify(const char *jws, size_t len, EVP_PKEY *key, const char *typ,
    json_object **payload) PP_WUR;

/* The algorithm a key implies: "ES256", "RS256", or NULL (unsupported). */
const char *pp_jose_alg(EVP_PKEY *key);

/* Finds the verification key in a JWK set ({"keys":[...]}).  alg:
 * "ES256" (kty EC, crv P-256, x and y of 32 bytes, on the curve) or
 * "RS256" (kty RSA, n of 2048 bits or more, e); a key with "use" must say
 * "sig", with "alg" must say alg, with "key_ops" must allow "verify".
 * kid: when not NULL, the key's "kid" must equal it; when NULL, exactly
 * one usable key must be in the set.  OUT *key: owned by the caller
 * (EVP_PKEY_free).  PP_ERR_NOT_FOUND when no usable key matches (a caller
 * may fetch the set again once: the provider may have rolled its keys);
 * PP_ERR_TOKEN_INVALID when several do, or the set is malformed;
 * PP_ERR_BAD_REQUEST for an unsupported alg. */
enum pp_err pp_jwks_key(json_object *jwks, const char *kid, const char *alg, EVP_PKEY **key) PP_WUR;

/* The public JWK of key (EC P-256 or RSA), with "kid" (when not NULL),
 * "use":"sig" and "alg".  OUT *jwk owned by the caller (json_object_put). */
enum pp_err pp_jwk_public(EVP_PKEY *key, const char *kid, json_object **jwk) PP_WUR;

/* Signs payload (a JSON object, serialized compactly) as a compact JWS
 * with header {"alg","typ","kid"} (typ and kid left out when NULL).
 * pp_jws_sign_p11: ES256 with the private key priv of a P-256 pair on the
 * logged-in token (the token's raw r||s is JWS's form).  pp_jws_sign_pkey:
 * with a software key (ES256 or RS256 per pp_jose_alg), for the stand-in
 * provider and tests.  OUT *jws: NUL-terminated, allocated with
 * pp_malloc, owned by the caller (pp_free). */
enum pp_err pp_jws_sign_p11(struct pp_p11 *p, CK_OBJECT_HANDLE priv, const char *typ, const char *kid,
    json_object *payload, char **jws) PP_WUR;
enum pp_err pp_jws_sign_pkey(EVP_PKEY *key, const char *typ, const char *kid, json_object *payload,
    char **jws) PP_WUR;

#endif
