/*
 * pp_p11: loading a PKCS#11 module, logging in to one token, and the key
 * operations of the signing core.
 *
 * Module path and token label come from the configuration; the PIN comes
 * from an owner-only file (pp_secret_file_read), is used for C_Login and
 * wiped at once.  It is never taken from argv or the environment, and it is
 * never kept: a token that loses its login cannot be logged in again by
 * this process.  Only the SAM and the audit daemon link this module for
 * real tokens (besides the test tools under tests/tools).
 *
 * Sessions.  After login a pool of sessions is opened (pp_p11_open_pool);
 * every operation takes one, uses it, and gives it back on every path, so
 * concurrent callers never share a session (PKCS#11 allows one active
 * operation per session).  Taking blocks while all sessions are in use.
 * Login state belongs to the token, not to a session, so a replacement
 * session opened later is logged in too.
 *
 * Recovery.  An operation whose session answers CKR_SESSION_HANDLE_INVALID
 * or CKR_SESSION_CLOSED gets a freshly opened session in the same pool
 * place and is retried once.  When the token itself is gone or logged out
 * (token not present, device removed, user not logged in, or a fresh
 * session that is not logged in or fails again) the handle is "lost":
 * the call returns PP_ERR_HSM, pp_p11_lost() becomes true for good, and
 * every later operation fails fast with PP_ERR_HSM.  The daemon then exits
 * so that its supervisor restarts it and it logs in again from the PIN
 * file.
 *
 * Thread safety: every function may be called from several threads on one
 * handle, except pp_p11_open* and pp_p11_close.
 */
#ifndef PP_P11_H
#define PP_P11_H

#include <stddef.h>
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
	/* Sessions of this handle (the soak benchmark watches them): the
	 * pool's places holding an open session, the pool's size, every
	 * C_OpenSession that succeeded since open (the first pool plus each
	 * replacement), and the module's own count of this application's
	 * sessions, -1 when it does not say (SoftHSMv2 does not). */
	size_t sessions_open, sessions_pool;
	unsigned long sessions_opened;
	long module_sessions;
};

/* Pool size bounds; pp_p11_open uses 1 session. */
#define PP_P11_POOL_MAX 64

/* softhsm2_conf: when not empty, SOFTHSM2_CONF is set to it before the
 * module loads (SoftHSMv2 reads its token directory from there).
 * nsessions: pool size in [1, PP_P11_POOL_MAX], else PP_ERR_CONFIG.
 * OUT *out: logged in with nsessions open sessions, owned by the caller
 * (pp_p11_close).  Only one handle per process: C_Initialize/C_Finalize
 * are process-wide. */
enum pp_err pp_p11_open_pool(const char *module, const char *token_label, const char *pin_file,
    const char *softhsm2_conf, size_t nsessions, struct pp_p11 **out) PP_WUR;
/* pp_p11_open_pool with one session (what the audit daemon uses). */
enum pp_err pp_p11_open(const char *module, const char *token_label, const char *pin_file,
    const char *softhsm2_conf, struct pp_p11 **out) PP_WUR;
/* pp_p11_open with the PIN given in memory (pin[0..pinlen), not kept; the
 * caller wipes its copy): for a process that read the PIN file before
 * dropping privileges and logs in later, after its workers are forked
 * (the signer plugin's login-token key). */
enum pp_err pp_p11_open_pin(const char *module, const char *token_label, const char *pin, size_t pinlen,
    const char *softhsm2_conf, struct pp_p11 **out) PP_WUR;
/* Logs out, closes the sessions, finalizes and unloads.  NULL is a no-op.
 * No session may be taken at that point. */
void pp_p11_close(struct pp_p11 *p);
/* PP_OK when the token is present and a session is logged in; fills info. */
enum pp_err pp_p11_health(struct pp_p11 *p, struct pp_p11_info *info) PP_WUR;
/* 1 once the token was found gone or logged out (see Recovery); the
 * daemon should exit.  Never goes back to 0. */
int pp_p11_lost(struct pp_p11 *p);
/* The module's function list; owned by the module, valid until close. */
CK_FUNCTION_LIST_PTR pp_p11_fn(struct pp_p11 *p);
/* The first pooled session, for callers that predate the pool and never
 * run concurrently with other users of the handle.  Not taken: prefer
 * pp_p11_session_take.  May change when the pool replaces it. */
CK_SESSION_HANDLE pp_p11_session(struct pp_p11 *p);
/* OUT *s: a pooled session, exclusively the caller's until
 * pp_p11_session_give(p, *s); blocks while none is free, so a thread must
 * not hold more than the pool size.  PP_ERR_HSM when lost.  The caller
 * must not close it (if it did anyway, the pool replaces it on next use). */
enum pp_err pp_p11_session_take(struct pp_p11 *p, CK_SESSION_HANDLE *s) PP_WUR;
/* Gives back a session from pp_p11_session_take; anything else is ignored. */
void pp_p11_session_give(struct pp_p11 *p, CK_SESSION_HANDLE s);

/*
 * EC P-256 key pairs on the logged-in token, named by CKA_LABEL (the audit
 * daemon's log-signing key).  The private key is generated on the token,
 * sensitive and not extractable; only signatures and the public key ever
 * leave it.
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

/*
 * Signatory keys, named by CKA_ID (the SAM's credential key id).  One
 * CKA_ID names at most one private key, one public key and one X.509
 * certificate object; the caller chooses unique ids (random bytes) and
 * pp_p11_key_generate refuses an id already on the token.  All objects are
 * token objects; the private key is CKA_PRIVATE, CKA_SENSITIVE, not
 * CKA_EXTRACTABLE, and may only sign.
 */
#define PP_P11_ID_MAX 64      /* CKA_ID length: 1..PP_P11_ID_MAX bytes */
#define PP_P11_LABEL_MAX 128  /* CKA_LABEL length */
#define PP_P11_SIG_MAX 512    /* largest signature (RSA 4096) */
#define PP_P11_ECDSA_DER_MAX 141 /* DER ECDSA-Sig-Value for P-521 */
#define PP_P11_CERT_MAX 65536 /* largest stored certificate DER */

enum pp_p11_keytype {
	PP_P11_RSA3072,
	PP_P11_RSA4096,
	PP_P11_EC_P256,
	PP_P11_EC_P384,
	PP_P11_EC_P521,
	/* Legacy: only an RSA-2048 key imported with a certificate issued
	 * before 2025-12-31 (KEY-2) has it; pp_p11_key_generate refuses it. */
	PP_P11_RSA2048,
	PP_P11_KEYTYPE__MAX
};

enum pp_p11_hash {
	PP_P11_SHA256,
	PP_P11_SHA384,
	PP_P11_SHA512,
	PP_P11_HASH__MAX
};

enum pp_p11_mech {
	PP_P11_RSA_PKCS1,  /* RSASSA-PKCS1-v1_5: CKM_RSA_PKCS over DigestInfo */
	PP_P11_RSA_PSS,    /* RSASSA-PSS: CKM_RSA_PKCS_PSS, hashAlg = the hash */
	PP_P11_ECDSA,      /* CKM_ECDSA: raw r||s */
	PP_P11_MECH__MAX
};

/* RSASSA-PSS parameters besides the hash: MGF1 hash and salt length in
 * bytes (usually mgf1 = the hash and salt_len = its length). */
struct pp_p11_pss {
	enum pp_p11_hash mgf1;
	size_t salt_len;
};

struct pp_p11_objs {
	CK_OBJECT_HANDLE priv, pub, cert; /* CK_INVALID_HANDLE when absent */
};

/* Digest length of a hash; 0 for an unknown value. */
size_t pp_p11_hash_len(enum pp_p11_hash h);

/* Generates a key pair of the given type in the token under id[0..idlen);
 * label (NULL: none) is informative only.  PP_ERR_BAD_REQUEST for a bad
 * type (PP_P11_RSA2048 included: never generated), id or label, or an id
 * already on the token.  OUT *objs: priv and
 * pub set, cert CK_INVALID_HANDLE (handles are not owned: the objects live
 * on the token until pp_p11_destroy). */
enum pp_err pp_p11_key_generate(struct pp_p11 *p, enum pp_p11_keytype type, const unsigned char *id,
    size_t idlen, const char *label, struct pp_p11_objs *objs) PP_WUR;
/* What a private key found by CKA_ID says about itself (a key made
 * elsewhere, e.g. migrated by an HSM vendor's tools, before it is trusted).
 * A boolean the token does not answer counts as the unsafe value: not
 * sensitive, extractable, cannot sign. */
enum pp_p11_kind {
	PP_P11_KIND_RSA,
	PP_P11_KIND_EC,
	PP_P11_KIND_OTHER,	/* any other CKA_KEY_TYPE */
	PP_P11_KIND__MAX
};
struct pp_p11_key_attrs {
	enum pp_p11_kind kind;
	unsigned bits;		/* RSA modulus bits; EC 256, 384 or 521; 0: another curve or other */
	int sensitive;		/* CKA_SENSITIVE */
	int extractable;	/* CKA_EXTRACTABLE */
	int sign;		/* CKA_SIGN */
	int always_sensitive;	/* CKA_ALWAYS_SENSITIVE */
	int never_extractable;	/* CKA_NEVER_EXTRACTABLE */
	int has_cert;		/* a certificate object has that CKA_ID too */
	/* RSA: the public key the private key object names (CKA_MODULUS,
	 * CKA_PUBLIC_EXPONENT), owned by the caller (EVP_PKEY_free); NULL
	 * otherwise. */
	EVP_PKEY *rsa_pub;
};
/* OUT *a: the attributes of the private key with that CKA_ID.
 * PP_ERR_NOT_FOUND when there is none; PP_ERR_HSM when two. */
enum pp_err pp_p11_key_attrs(struct pp_p11 *p, const unsigned char *id, size_t idlen,
    struct pp_p11_key_attrs *a) PP_WUR;
/* OUT *objs: the objects with that CKA_ID.  PP_ERR_NOT_FOUND when there is
 * none; PP_ERR_HSM when one class has two (which one to use would be
 * arbitrary). */
enum pp_err pp_p11_find(struct pp_p11 *p, const unsigned char *id, size_t idlen,
    struct pp_p11_objs *objs) PP_WUR;
/* The public key with that CKA_ID (RSA or EC on one of the three curves).
 * OUT *out owned by the caller (EVP_PKEY_free).  PP_ERR_NOT_FOUND. */
enum pp_err pp_p11_key_public(struct pp_p11 *p, const unsigned char *id, size_t idlen,
    EVP_PKEY **out) PP_WUR;
/* Signs digest[0..dlen), computed by the caller with hash, with the private
 * key of that CKA_ID.  dlen must be the hash's length; pss is required for
 * PP_P11_RSA_PSS and ignored otherwise; the mechanism must fit the key
 * type (PP_ERR_BAD_REQUEST otherwise).  OUT sig[0..*siglen); *siglen in:
 * capacity (PP_P11_SIG_MAX always suffices; PP_ERR_BAD_REQUEST when too
 * small).  ECDSA gives raw r||s; see pp_p11_ecdsa_der. */
enum pp_err pp_p11_sign(struct pp_p11 *p, const unsigned char *id, size_t idlen, enum pp_p11_mech mech,
    enum pp_p11_hash hash, const struct pp_p11_pss *pss, const unsigned char *digest, size_t dlen,
    unsigned char *sig, size_t *siglen) PP_WUR;
/* Converts raw r||s (rslen even, 2..2*66 bytes) into a DER ECDSA-Sig-Value.
 * OUT der[0..*derlen); *derlen in: capacity (PP_P11_ECDSA_DER_MAX suffices). */
enum pp_err pp_p11_ecdsa_der(const unsigned char *rs, size_t rslen, unsigned char *der,
    size_t *derlen) PP_WUR;
/* Stores an X.509 certificate (DER, one whole certificate, at most
 * PP_P11_CERT_MAX bytes) as a CKO_CERTIFICATE token object with that
 * CKA_ID, CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER taken from it.  The
 * certificate's public key must be the public key of that id.
 * PP_ERR_BAD_REQUEST: not a certificate, another key, or the id already has
 * a certificate; PP_ERR_NOT_FOUND: no such key. */
enum pp_err pp_p11_cert_store(struct pp_p11 *p, const unsigned char *id, size_t idlen,
    const unsigned char *der, size_t len) PP_WUR;
/* OUT *der[0..*len): the certificate of that CKA_ID, allocated with
 * pp_malloc, owned by the caller (pp_free).  PP_ERR_NOT_FOUND. */
enum pp_err pp_p11_cert_load(struct pp_p11 *p, const unsigned char *id, size_t idlen,
    unsigned char **der, size_t *len) PP_WUR;
/* Destroys every object with that CKA_ID (key destruction, KEY-5).
 * OUT *count: objects destroyed.  PP_ERR_NOT_FOUND when there was none. */
enum pp_err pp_p11_destroy(struct pp_p11 *p, const unsigned char *id, size_t idlen,
    size_t *count) PP_WUR;

/*
 * Secret keys for MACs (the SAM's SAD key), named by CKA_LABEL: a token
 * object of type CKK_GENERIC_SECRET, private, sensitive, never
 * extractable, with CKA_SIGN and CKA_VERIFY only (no encrypt, decrypt,
 * wrap, unwrap or derive).  HMAC-SHA-256 is computed in the token
 * (CKM_SHA256_HMAC through C_SignInit/C_Sign); the key never leaves it.
 */
#define PP_P11_HMAC_LEN 32
/* OUT *key: the one secret key with that label.  PP_ERR_NOT_FOUND when
 * none; PP_ERR_HSM when two (which one MACs would be arbitrary). */
enum pp_err pp_p11_secret_find(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *key) PP_WUR;
/* Generates a secret of len bytes (16..64) under label (1..PP_P11_LABEL_MAX
 * bytes; the caller makes sure none exists).  OUT *key. */
enum pp_err pp_p11_secret_generate(struct pp_p11 *p, const char *label, size_t len,
    CK_OBJECT_HANDLE *key) PP_WUR;
/* HMAC-SHA-256 of in[0..len) (len <= 1 MiB) with that key, in the token.
 * OUT mac. */
enum pp_err pp_p11_hmac_sha256(struct pp_p11 *p, CK_OBJECT_HANDLE key, const unsigned char *in,
    size_t len, unsigned char mac[PP_P11_HMAC_LEN]) PP_WUR;

/*
 * Listing, for inspection tools and tests (tests/tools/pp-test-p11): every
 * object the logged-in user sees, with what says what a key may do.  It
 * reads attributes only; no secret value is ever asked for.
 */
enum pp_p11_attr {
	PP_P11_A_TOKEN,
	PP_P11_A_PRIVATE,
	PP_P11_A_SENSITIVE,
	PP_P11_A_ALWAYS_SENSITIVE,
	PP_P11_A_EXTRACTABLE,
	PP_P11_A_NEVER_EXTRACTABLE,
	PP_P11_A_SIGN,
	PP_P11_A_VERIFY,
	PP_P11_A_ENCRYPT,
	PP_P11_A_DECRYPT,
	PP_P11_A_WRAP,
	PP_P11_A_UNWRAP,
	PP_P11_A_DERIVE,
	PP_P11_A__MAX
};

#define PP_P11_LIST_MAX 4096  /* most objects pp_p11_list returns */

struct pp_p11_obj {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type;   /* CK_UNAVAILABLE_INFORMATION: not a key */
	unsigned char id[PP_P11_ID_MAX];
	size_t idlen;
	char label[PP_P11_LABEL_MAX + 1];   /* NUL-terminated; may hold NULs */
	size_t labellen;
	int truncated;          /* the id or the label was longer than kept */
	signed char attr[PP_P11_A__MAX];  /* 1 true, 0 false, -1 the object has none */
	unsigned long value_len;  /* CKA_VALUE_LEN of a secret key, else 0 */
};

/* Lower-case name of an attribute ("never_extractable"); NULL when out
 * of range. */
const char *pp_p11_attr_name(enum pp_p11_attr a);
/* OUT *objs[0..*n): the token's objects in the module's order, allocated
 * with pp_malloc, owned by the caller (pp_free; NULL when *n is 0).
 * PP_ERR_HSM when the token holds more than PP_P11_LIST_MAX.  Objects
 * destroyed by another process while listing are left out. */
enum pp_err pp_p11_list(struct pp_p11 *p, struct pp_p11_obj **objs, size_t *n) PP_WUR;

#endif
