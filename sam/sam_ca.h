/*
 * sam_ca: certificates of the signatory credentials.
 *
 * The SAM never lets a credential be used before a certificate binds its
 * key: either the built-in CA (whose private key stays in the HSM) issues a
 * QES-profile certificate, or an external CA does, from a PKCS#10 request
 * made here, and the uploaded certificate passes sam_ca_check_external.
 *
 * Every signature (certificate, CSR, the CA's own certificate) goes through
 * a sam_ca_sign_fn, so this module knows nothing of PKCS#11: the callback
 * receives the exact DER to be signed and returns the signature in the form
 * X.509 carries it (ECDSA: DER Ecdsa-Sig-Value, so an HSM's raw r||s must be
 * converted; RSA: the PKCS#1 v1.5 block).  The hash is fixed by the key,
 * see sam_ca_sig_md: P-256 SHA-256, P-384 SHA-384, P-521 SHA-512, RSA
 * SHA-256.  Each signature is verified against the signer's public key
 * before anything is returned, so a token that signs with another key or
 * returns garbage yields PP_ERR_HSM, never a bad certificate.
 *
 * Built-in CA hierarchy: one self-signed CA (pathLenConstraint 0) that
 * issues the end-entity certificates directly.  A root above an issuing CA
 * only pays off with an offline root and its ceremonies; a deployment that
 * wants that uses the external-CA mode instead.
 *
 * End-entity profile (ETSI EN 319 412-2 natural person, 319 412-5):
 *   serial: 16 random bytes, positive (top bit clear, next bit set so the
 *     length is always 16: 126 random bits);
 *   keyUsage (critical): nonRepudiation (contentCommitment) only.  EN 319
 *     412-2 lets a QES certificate carry nonRepudiation alone, and a key
 *     whose certificate also says digitalSignature is a key relying parties
 *     may accept for authentication; keeping the signature key single-purpose
 *     is what a qualified signature certificate is for;
 *   basicConstraints (critical) CA:FALSE; subject and authority key
 *     identifiers (SHA-1 of the subjectPublicKey, RFC 5280 method 1);
 *   certificatePolicies: the configured policy OID, then QCP-n-qscd
 *     (0.4.0.194112.1.2);
 *   qcStatements (non-critical): QcCompliance, QcSSCD, QcType esign and
 *     pkixQCSyntax-v2 with semanticsId-Natural (EN 319 412-1: the subject
 *     serialNumber is a natural-person semantics identifier);
 *   optional CRL distribution point and AIA caIssuers / OCSP (http URLs).
 *
 * Times are seconds since the epoch (UTC).
 */
#ifndef SAM_CA_H
#define SAM_CA_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "pp_err.h"

/* Longest DER certificate or CSR accepted or produced. */
#define SAM_CA_DER_MAX		16384
/* Lifetime of an ephemeral credential's certificate. */
#define SAM_CA_EPHEMERAL_SECONDS	(30 * 60)
/* Clock skew tolerated on an uploaded certificate's notBefore. */
#define SAM_CA_SKEW_SECONDS	300
/* RSA-2048 certificates whose notBefore is earlier (2025-12-31T00:00:00Z)
 * are accepted as legacy; later ones need 3072 bits. */
#define SAM_CA_RSA2048_LEGACY_END	INT64_C(1767139200)
/* Longest subject attribute (bytes of UTF-8; RFC 5280 ub-common-name). */
#define SAM_CA_NAME_MAX		64
/* Longest URL and policy OID text accepted in a profile. */
#define SAM_CA_URL_MAX		200
#define SAM_CA_OID_MAX		64

/*
 * Signs tbs[0..len) with the key the caller bound to ctx.  IN *siglen: the
 * capacity of sig (at least EVP_PKEY_get_size of the key); OUT *siglen: the
 * signature length.  Any non-PP_OK return aborts the operation.
 */
typedef enum pp_err (*sam_ca_sign_fn)(void *ctx, const unsigned char *tbs, size_t len,
    unsigned char *sig, size_t *siglen);

/* A key that signs through a callback.  All members borrowed. */
struct sam_ca_signer {
	EVP_PKEY *pub;		/* public half (RSA >= 3072, EC P-256/384/521) */
	sam_ca_sign_fn fn;
	void *ctx;
};

/* Subject of a signatory certificate or CSR.  Strings NUL-terminated UTF-8
 * of 1..SAM_CA_NAME_MAX bytes, borrowed. */
struct sam_ca_subject {
	const char *country;		/* C: two upper-case letters */
	const char *given_name;
	const char *surname;
	const char *common_name;
	/* serialNumber: ETSI EN 319 412-1 natural-person semantics identifier,
	 * "IDC|PAS|PNO|TIN|TAX" + two upper-case letters + "-" + 1 or more
	 * PrintableString characters, e.g. "IDCFR-123456". */
	const char *serial_number;
	const char *organization;	/* O, or NULL */
};

/* What the built-in CA writes in every certificate.  Strings borrowed. */
struct sam_ca_profile {
	const char *policy_oid;		/* dotted, e.g. "1.2.250.1.86.7.1.1.1" */
	const char *crl_url;		/* "http://..." or NULL */
	const char *ca_issuers_url;	/* AIA caIssuers, "http://..." or NULL */
	const char *ocsp_url;		/* AIA OCSP, "http://..." or NULL */
};

/* Subject of the built-in CA's own certificate.  Strings borrowed. */
struct sam_ca_ca_name {
	const char *country;		/* two upper-case letters */
	const char *organization;
	const char *common_name;
	/* organizationIdentifier (EN 319 412-1, e.g. "NTRFR-123456789"), or NULL */
	const char *organization_identifier;
};

struct sam_ca;

/* Digest the signature of key uses.  PP_ERR_FIELD_INVALID when the key is
 * not an accepted algorithm or size. */
enum pp_err sam_ca_sig_md(EVP_PKEY *key, const EVP_MD **md) PP_WUR;

/*
 * Makes the built-in CA's self-signed certificate for signer->pub:
 * basicConstraints critical CA:TRUE pathlen 0, keyUsage critical
 * keyCertSign + cRLSign, subject key identifier.  OUT *der (pp_malloc'd,
 * caller frees with pp_free), *len.
 */
enum pp_err sam_ca_root_make(const struct sam_ca_signer *signer, const struct sam_ca_ca_name *name,
    int64_t not_before, int64_t not_after, unsigned char **der, size_t *len) PP_WUR;

/*
 * The built-in CA: its certificate (DER, copied) and the signer of its key.
 * Refuses (PP_ERR_CONFIG) a certificate that is not a CA's, whose key is not
 * signer->pub, or a profile with a malformed OID or URL.  signer and profile
 * are copied by value; the strings and the key they point to are borrowed
 * and must outlive *out.  OUT *out, freed with sam_ca_free.
 */
enum pp_err sam_ca_new(const unsigned char *ca_der, size_t ca_len, const struct sam_ca_signer *signer,
    const struct sam_ca_profile *profile, struct sam_ca **out) PP_WUR;
/* NULL is a no-op. */
void sam_ca_free(struct sam_ca *ca);

/*
 * Issues the QES certificate of key (public half of the credential key)
 * for subject, valid [not_before, not_after].  PP_ERR_FIELD_INVALID for a
 * bad subject, a weak or unsupported key or an empty period; PP_ERR_HSM
 * when the CA's callback fails or its signature does not verify.
 * OUT *der (pp_malloc'd), *len.
 */
enum pp_err sam_ca_issue(struct sam_ca *ca, EVP_PKEY *key, const struct sam_ca_subject *subject,
    int64_t not_before, int64_t not_after, unsigned char **der, size_t *len) PP_WUR;
/* The same for an ephemeral credential: valid [now, now + 30 min]. */
enum pp_err sam_ca_issue_ephemeral(struct sam_ca *ca, EVP_PKEY *key,
    const struct sam_ca_subject *subject, int64_t now, unsigned char **der, size_t *len) PP_WUR;

/*
 * PKCS#10 request for signer->pub (private half in the HSM), with subject
 * and a keyUsage (critical, nonRepudiation) extension request, signed
 * through signer.  OUT *der (pp_malloc'd), *len.
 */
enum pp_err sam_ca_csr_make(const struct sam_ca_signer *signer, const struct sam_ca_subject *subject,
    unsigned char **der, size_t *len) PP_WUR;

/*
 * The certificate der[0..len) certifies exactly key (EVP_PKEY_eq on the
 * public key).  PP_OK: it does; PP_ERR_FORBIDDEN: another key;
 * PP_ERR_BAD_REQUEST: not one well-formed DER certificate.
 */
enum pp_err sam_ca_cert_matches_key(const unsigned char *der, size_t len, EVP_PKEY *key) PP_WUR;

/*
 * The validity period and serial of the DER certificate der[0..len).
 * OUT *not_before, *not_after (seconds since the epoch); serial (may be
 * NULL): lower-case hex of the serial number, no leading "00" beyond what
 * the value needs, NUL-terminated, of at most cap - 1 characters.
 * PP_ERR_BAD_REQUEST: not one well-formed DER certificate, a time that
 * does not parse, or a serial that does not fit.
 */
enum pp_err sam_ca_cert_facts(const unsigned char *der, size_t len, int64_t *not_before,
    int64_t *not_after, char *serial, size_t cap) PP_WUR;

/* Why an uploaded certificate is refused (first failed check, in order). */
enum sam_ca_verdict {
	SAM_CA_ACCEPTED = 0,
	SAM_CA_MALFORMED,	/* not one DER X.509 v3 certificate of at most SAM_CA_DER_MAX */
	SAM_CA_KEY_MISMATCH,	/* its key is not the credential's (the CSR's) */
	SAM_CA_KEY_TYPE,	/* key neither RSA nor EC */
	SAM_CA_KEY_WEAK,	/* RSA under 3072 bits (2048 only before the legacy end) */
	SAM_CA_CURVE,		/* EC curve other than P-256, P-384, P-521 */
	SAM_CA_SIG_ALG,		/* signed (or a CA of the chain signed) without SHA-256/384/512 */
	SAM_CA_IS_CA,		/* basicConstraints CA:TRUE */
	SAM_CA_KEY_USAGE,	/* keyUsage absent or without nonRepudiation */
	SAM_CA_NOT_YET_VALID,	/* notBefore later than now + SAM_CA_SKEW_SECONDS */
	SAM_CA_EXPIRED,		/* notAfter earlier than now */
	SAM_CA_UNTRUSTED,	/* no valid chain to a certificate of the CA file */
	SAM_CA_VERDICT__MAX
};

/* English text of a verdict, for the API and the audit record; never NULL. */
const char *sam_ca_verdict_text(enum sam_ca_verdict v);

/*
 * Checks an uploaded certificate der[0..len) for the credential whose key
 * (the CSR's) is key, at time now, against the CA certificates in the PEM
 * file ca_file: each of them is a trust anchor (an issuing CA alone is
 * enough).  PP_OK with *verdict: the outcome (SAM_CA_ACCEPTED or why not);
 * OUT *legacy (may be NULL): 1 when accepted only under the RSA-2048
 * legacy rule.  Non-OK: the check could not be made (CA file unreadable:
 * PP_ERR_CONFIG; memory).
 */
enum pp_err sam_ca_check_external(const unsigned char *der, size_t len, EVP_PKEY *key,
    const char *ca_file, int64_t now, enum sam_ca_verdict *verdict, int *legacy) PP_WUR;

#endif
