/*
 * pp_p11: loading a PKCS#11 module and logging in to one token.
 *
 * Module path and token label come from the configuration; the PIN comes
 * from an owner-only file (pp_secret_file_read), is used for C_Login and
 * wiped at once.  It is never taken from argv or the environment.  Only the
 * SAM and the audit daemon link this module for real tokens.
 */
#ifndef PP_P11_H
#define PP_P11_H

#include <p11-kit/pkcs11.h>
#include <openssl/evp.h>
#include "pp_err.h"

struct pp_p11;

struct pp_p11_info {
	char label[33];
	char manufacturer[33];
	char model[17];
	char serial[17];
	unsigned long slot;
};

/* softhsm2_conf: when not empty, SOFTHSM2_CONF is set to it before the
 * module loads (SoftHSMv2 reads its token directory from there).
 * OUT *out: a logged-in session, owned by the caller (pp_p11_close). */
enum pp_err pp_p11_open(const char *module, const char *token_label, const char *pin_file,
    const char *softhsm2_conf, struct pp_p11 **out) PP_WUR;
/* Logs out, closes the session, finalizes and unloads.  NULL is a no-op. */
void pp_p11_close(struct pp_p11 *p);
/* PP_OK when the token is present and the session is logged in; fills info. */
enum pp_err pp_p11_health(struct pp_p11 *p, struct pp_p11_info *info) PP_WUR;
CK_FUNCTION_LIST_PTR pp_p11_fn(struct pp_p11 *p);

/*
 * EC P-256 key pairs on the logged-in token, named by CKA_LABEL.  The
 * private key is generated on the token, sensitive and not extractable;
 * only signatures and the public key ever leave it.
 */
/* PP_ERR_NOT_FOUND when no private key has that label. */
enum pp_err pp_p11_ec_find(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *priv,
    CK_OBJECT_HANDLE *pub) PP_WUR;
enum pp_err pp_p11_ec_generate(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *priv,
    CK_OBJECT_HANDLE *pub) PP_WUR;
/* The public key as an OpenSSL key.  OUT *out owned by caller (EVP_PKEY_free). */
enum pp_err pp_p11_ec_public(struct pp_p11 *p, CK_OBJECT_HANDLE pub, EVP_PKEY **out) PP_WUR;
/* CKM_ECDSA over a digest computed by the caller.  OUT rs[0..*rslen): raw
 * r||s (64 bytes for P-256); *rslen in: capacity. */
enum pp_err pp_p11_ecdsa_sign(struct pp_p11 *p, CK_OBJECT_HANDLE priv, const unsigned char *digest,
    size_t dlen, unsigned char *rs, size_t *rslen) PP_WUR;
CK_SESSION_HANDLE pp_p11_session(struct pp_p11 *p);

#endif
