/*
 * sam_ca: certificates of the signatory credentials (see sam_ca.h).
 *
 * Certificates are assembled with the X509_* API; the signature is made
 * outside OpenSSL: the TBSCertificate is re-encoded (i2d_re_X509_tbs),
 * handed to the callback, and the Certificate SEQUENCE is written here
 * around it.  OpenSSL 3.0 has no setter for the outer signature of an X509,
 * and writing the DER ourselves keeps what was signed and what is returned
 * byte-identical.  The result is parsed back and verified before it leaves.
 */
#include "config.h"
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_util.h"
#include "sam_ca.h"

struct sam_ca {
	X509 *cert;			/* owned */
	struct sam_ca_signer signer;	/* copy; members borrowed */
	struct sam_ca_profile profile;	/* copy; strings borrowed */
};

/*
 * qcStatements extension value (RFC 3739, ETSI EN 319 412-5), DER:
 *   SEQUENCE OF QCStatement { statementId OID, statementInfo ANY OPTIONAL }
 * A constant, because every certificate of the built-in CA carries the same
 * four statements; the unit test parses it back element by element.
 */
static const unsigned char qc_statements_der[] = {
	0x30, 0x40,
	/* QcCompliance 0.4.0.1862.1.1, no info */
	0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x01,
	/* QcSSCD 0.4.0.1862.1.4, no info */
	0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x04,
	/* QcType 0.4.0.1862.1.6, info SEQUENCE OF OID { esign 0.4.0.1862.1.6.1 } */
	0x30, 0x13, 0x06, 0x06, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x06,
	0x30, 0x09, 0x06, 0x07, 0x04, 0x00, 0x8e, 0x46, 0x01, 0x06, 0x01,
	/* pkixQCSyntax-v2 1.3.6.1.5.5.7.11.2, SemanticsInformation
	 * { semanticsIdentifier semanticsId-Natural 0.4.0.194121.1.1 } */
	0x30, 0x15, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x0b, 0x02,
	0x30, 0x09, 0x06, 0x07, 0x04, 0x00, 0x8b, 0xec, 0x49, 0x01, 0x01,
};

_Static_assert(sizeof(qc_statements_der) == 2 + 0x40, "qcStatements length octet");

#define QCP_N_QSCD "0.4.0.194112.1.2"

/* ------------------------------------------------------------ key policy */

/* Verdict on a key: RSA >= 3072 (2048 when legacy_ok, flagged in *legacy),
 * EC P-256/P-384/P-521. */
static enum sam_ca_verdict
ca_key_verdict(EVP_PKEY *k, int legacy_ok, int *legacy)
{
	char group[64];
	size_t glen = 0;
	int nid;

	*legacy = 0;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(k) >= 3072)
			return SAM_CA_ACCEPTED;
		if (EVP_PKEY_get_bits(k) == 2048 && legacy_ok) {
			*legacy = 1;
			return SAM_CA_ACCEPTED;
		}
		return SAM_CA_KEY_WEAK;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) != 1)
			return SAM_CA_CURVE;
		nid = OBJ_txt2nid(group);
		if (nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 || nid == NID_secp521r1)
			return SAM_CA_ACCEPTED;
		return SAM_CA_CURVE;
	default:
		return SAM_CA_KEY_TYPE;
	}
}

enum pp_err
sam_ca_sig_md(EVP_PKEY *key, const EVP_MD **md)
{
	int legacy;

	if (key == NULL || ca_key_verdict(key, 0, &legacy) != SAM_CA_ACCEPTED)
		return PP_ERR_FIELD_INVALID;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA || EVP_PKEY_get_bits(key) == 256)
		*md = EVP_sha256();
	else if (EVP_PKEY_get_bits(key) == 384)
		*md = EVP_sha384();
	else
		*md = EVP_sha512();
	return PP_OK;
}

/* Signature AlgorithmIdentifier for key: ecdsa-with-SHA* with parameters
 * absent (RFC 5758), sha256WithRSAEncryption with NULL (RFC 4055). */
static enum pp_err
ca_sig_alg(EVP_PKEY *key, X509_ALGOR *alg)
{
	const EVP_MD *md;
	int nid;

	if (sam_ca_sig_md(key, &md) != PP_OK)
		return PP_ERR_FIELD_INVALID;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
		if (X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256WithRSAEncryption), V_ASN1_NULL, NULL) != 1)
			return PP_ERR_NOMEM;
		return PP_OK;
	}
	nid = EVP_MD_get_type(md) == NID_sha256 ? NID_ecdsa_with_SHA256 :
	    EVP_MD_get_type(md) == NID_sha384 ? NID_ecdsa_with_SHA384 : NID_ecdsa_with_SHA512;
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(nid), V_ASN1_UNDEF, NULL) != 1)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* -------------------------------------------------------- input checking */

static int
ca_printable(char c)
{
	/* X.680 PrintableString alphabet */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr(" '()+,-./:=?", c) != NULL);
}

static int
ca_upper2(const char *s)
{
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/* 1..SAM_CA_NAME_MAX bytes of UTF-8 without control characters. */
static int
ca_name_ok(const char *s)
{
	size_t i, n;

	if (s == NULL)
		return 0;
	n = strnlen(s, SAM_CA_NAME_MAX + 1);
	if (n < 1 || n > SAM_CA_NAME_MAX || !pp_utf8_valid(s, n, 0))
		return 0;
	/* pp_utf8_valid lets a tab through; a name has no place for one */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
ca_country_ok(const char *s)
{
	return s != NULL && strnlen(s, 3) == 2 && ca_upper2(s);
}

/* ETSI EN 319 412-1 §5.1.3 natural-person identifier "XXXCC-id". */
static int
ca_semantics_id_ok(const char *s)
{
	static const char *const types[] = { "IDC", "PAS", "PNO", "TIN", "TAX" };
	size_t i, n;
	int known = 0;

	if (!ca_name_ok(s))
		return 0;
	n = strlen(s);
	if (n < 7 || !ca_upper2(s + 3) || s[5] != '-')
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (memcmp(s, types[i], 3) == 0)
			known = 1;
	for (i = 6; i < n; i++)
		if (!ca_printable(s[i]))
			return 0;
	return known;
}

static int
ca_subject_ok(const struct sam_ca_subject *s)
{
	return s != NULL && ca_country_ok(s->country) && ca_name_ok(s->given_name) &&
	    ca_name_ok(s->surname) && ca_name_ok(s->common_name) &&
	    ca_semantics_id_ok(s->serial_number) &&
	    (s->organization == NULL || ca_name_ok(s->organization));
}

/* "http://" + printable ASCII without space, at most SAM_CA_URL_MAX. */
static int
ca_url_ok(const char *u)
{
	size_t i, n;

	if (u == NULL)
		return 1;
	n = strnlen(u, SAM_CA_URL_MAX + 1);
	if (n > SAM_CA_URL_MAX || n <= 7 || strncmp(u, "http://", 7) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (u[i] <= ' ' || u[i] > '~')
			return 0;
	return 1;
}

static int
ca_oid_ok(const char *oid)
{
	ASN1_OBJECT *o;
	size_t i, n;

	if (oid == NULL)
		return 0;
	n = strnlen(oid, SAM_CA_OID_MAX + 1);
	if (n == 0 || n > SAM_CA_OID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((oid[i] >= '0' && oid[i] <= '9') || oid[i] == '.'))
			return 0;
	o = OBJ_txt2obj(oid, 1);
	ASN1_OBJECT_free(o);
	return o != NULL;
}

/* ---------------------------------------------------- building blocks */

/* Appends attribute nid = s (UTF-8; OpenSSL's string table makes C and
 * serialNumber PrintableString, the rest UTF8String). */
static enum pp_err
ca_name_add(X509_NAME *n, int nid, const char *s)
{
	if (X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)s, -1, -1, 0) != 1)
		return PP_ERR_FIELD_INVALID;
	return PP_OK;
}

static enum pp_err
ca_subject_name(const struct sam_ca_subject *s, X509_NAME **out)
{
	X509_NAME *n = X509_NAME_new();
	enum pp_err rc = PP_ERR_NOMEM;

	if (n == NULL)
		goto fail;
	if ((rc = ca_name_add(n, NID_countryName, s->country)) != PP_OK ||
	    (s->organization != NULL && (rc = ca_name_add(n, NID_organizationName, s->organization)) != PP_OK) ||
	    (rc = ca_name_add(n, NID_givenName, s->given_name)) != PP_OK ||
	    (rc = ca_name_add(n, NID_surname, s->surname)) != PP_OK ||
	    (rc = ca_name_add(n, NID_serialNumber, s->serial_number)) != PP_OK ||
	    (rc = ca_name_add(n, NID_commonName, s->common_name)) != PP_OK)
		goto fail;
	*out = n;
	return PP_OK;
fail:
	X509_NAME_free(n);
	return rc;
}

/* Positive 16-byte serial: top bit clear so it is positive, next bit set so
 * DER never drops a leading zero byte (126 random bits). */
static enum pp_err
ca_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn = NULL;
	enum pp_err rc = PP_ERR_INTERNAL;

	if (RAND_bytes(b, sizeof(b)) != 1) {
		pp_err_log("sam ca: RAND_bytes failed");
		return PP_ERR_INTERNAL;
	}
	b[0] = (unsigned char)((b[0] & 0x7f) | 0x40);
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	rc = PP_OK;
fail:
	BN_free(bn);
	return rc;
}

static enum pp_err
ca_validity(X509 *x, int64_t not_before, int64_t not_after)
{
	ASN1_TIME *t;
	int ok;

	if (not_before < 0 || not_after <= not_before || (int64_t)(time_t)not_after != not_after)
		return PP_ERR_FIELD_INVALID;
	/* UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5) */
	if ((t = ASN1_TIME_set(NULL, (time_t)not_before)) == NULL)
		return PP_ERR_NOMEM;
	ok = X509_set1_notBefore(x, t);
	ASN1_TIME_free(t);
	if (ok != 1 || (t = ASN1_TIME_set(NULL, (time_t)not_after)) == NULL)
		return PP_ERR_NOMEM;
	ok = X509_set1_notAfter(x, t);
	ASN1_TIME_free(t);
	return ok == 1 ? PP_OK : PP_ERR_NOMEM;
}

static enum pp_err
ca_add_ext(X509 *x, int nid, void *value, int crit)
{
	return X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_REPLACE) == 1 ? PP_OK : PP_ERR_NOMEM;
}

/* keyUsage bits as in RFC 5280: 0 digitalSignature, 1 nonRepudiation,
 * 5 keyCertSign, 6 cRLSign. */
static enum pp_err
ca_key_usage(X509 *x, X509_REQ *req, const int *bits, size_t nbits)
{
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	STACK_OF(X509_EXTENSION) *exts = NULL;
	enum pp_err rc = PP_ERR_NOMEM;
	size_t i;

	if (ku == NULL)
		goto fail;
	for (i = 0; i < nbits; i++)
		if (ASN1_BIT_STRING_set_bit(ku, bits[i], 1) != 1)
			goto fail;
	if (x != NULL) {
		rc = ca_add_ext(x, NID_key_usage, ku, 1);
	} else {
		rc = PP_ERR_NOMEM;
		if (X509V3_add1_i2d(&exts, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT) != 1 ||
		    X509_REQ_add_extensions(req, exts) != 1)
			goto fail;
		rc = PP_OK;
	}
fail:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ASN1_BIT_STRING_free(ku);
	return rc;
}

static enum pp_err
ca_basic_constraints(X509 *x, int is_ca)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	enum pp_err rc = PP_ERR_NOMEM;

	if (bc == NULL)
		return PP_ERR_NOMEM;
	bc->ca = is_ca ? 0xff : 0;
	if (is_ca && ((bc->pathlen = ASN1_INTEGER_new()) == NULL || ASN1_INTEGER_set(bc->pathlen, 0) != 1))
		goto fail;
	rc = ca_add_ext(x, NID_basic_constraints, bc, 1);
fail:
	BASIC_CONSTRAINTS_free(bc);
	return rc;
}

/* SHA-1 of the subjectPublicKey BIT STRING (RFC 5280 4.2.1.2 method 1). */
static enum pp_err
ca_key_id(X509_PUBKEY *pk, ASN1_OCTET_STRING **out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	const unsigned char *bits;
	int blen;
	unsigned int mdlen;
	ASN1_OCTET_STRING *os;

	if (X509_PUBKEY_get0_param(NULL, &bits, &blen, NULL, pk) != 1 ||
	    EVP_Digest(bits, (size_t)blen, md, &mdlen, EVP_sha1(), NULL) != 1)
		return PP_ERR_INTERNAL;
	if ((os = ASN1_OCTET_STRING_new()) == NULL || ASN1_OCTET_STRING_set(os, md, (int)mdlen) != 1) {
		ASN1_OCTET_STRING_free(os);
		return PP_ERR_NOMEM;
	}
	*out = os;
	return PP_OK;
}

static enum pp_err
ca_ski(X509 *x)
{
	ASN1_OCTET_STRING *id = NULL;
	enum pp_err rc;

	if ((rc = ca_key_id(X509_get_X509_PUBKEY(x), &id)) != PP_OK)
		return rc;
	rc = ca_add_ext(x, NID_subject_key_identifier, id, 0);
	ASN1_OCTET_STRING_free(id);
	return rc;
}

/* authorityKeyIdentifier { keyIdentifier } = the issuer's SKI (or its key's
 * method-1 identifier when its certificate has none). */
static enum pp_err
ca_aki(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer);
	enum pp_err rc = PP_ERR_NOMEM;

	if (aki == NULL)
		return PP_ERR_NOMEM;
	if (ski != NULL) {
		if ((aki->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL)
			goto fail;
	} else if ((rc = ca_key_id(X509_get_X509_PUBKEY(issuer), &aki->keyid)) != PP_OK) {
		goto fail;
	}
	rc = ca_add_ext(x, NID_authority_key_identifier, aki, 0);
fail:
	AUTHORITY_KEYID_free(aki);
	return rc;
}

static enum pp_err
ca_policies(X509 *x, const char *policy_oid)
{
	const char *oids[2] = { policy_oid, QCP_N_QSCD };
	CERTIFICATEPOLICIES *cp = sk_POLICYINFO_new_null();
	POLICYINFO *pi = NULL;
	enum pp_err rc = PP_ERR_NOMEM;
	size_t i;

	if (cp == NULL)
		return PP_ERR_NOMEM;
	for (i = 0; i < 2; i++) {
		if ((pi = POLICYINFO_new()) == NULL)
			goto fail;
		ASN1_OBJECT_free(pi->policyid);
		if ((pi->policyid = OBJ_txt2obj(oids[i], 1)) == NULL || sk_POLICYINFO_push(cp, pi) == 0)
			goto fail;
		pi = NULL;
	}
	rc = ca_add_ext(x, NID_certificate_policies, cp, 0);
fail:
	POLICYINFO_free(pi);
	sk_POLICYINFO_pop_free(cp, POLICYINFO_free);
	return rc;
}

static GENERAL_NAME *
ca_uri(const char *url)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	if (gn == NULL || s == NULL || ASN1_STRING_set(s, url, -1) != 1) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, GEN_URI, s);
	return gn;
}

static enum pp_err
ca_crl_dp(X509 *x, const char *url)
{
	CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
	DIST_POINT *dp = NULL;
	GENERAL_NAME *gn = NULL;
	enum pp_err rc = PP_ERR_NOMEM;

	if (dps == NULL || (dp = DIST_POINT_new()) == NULL || (dp->distpoint = DIST_POINT_NAME_new()) == NULL)
		goto fail;
	dp->distpoint->type = 0;	/* fullName */
	if ((dp->distpoint->name.fullname = GENERAL_NAMES_new()) == NULL || (gn = ca_uri(url)) == NULL ||
	    sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gn) == 0)
		goto fail;
	gn = NULL;
	if (sk_DIST_POINT_push(dps, dp) == 0)
		goto fail;
	dp = NULL;
	rc = ca_add_ext(x, NID_crl_distribution_points, dps, 0);
fail:
	GENERAL_NAME_free(gn);
	DIST_POINT_free(dp);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return rc;
}

static enum pp_err
ca_aia(X509 *x, const char *ca_issuers, const char *ocsp)
{
	AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
	ACCESS_DESCRIPTION *ad = NULL;
	const char *urls[2] = { ocsp, ca_issuers };
	const int methods[2] = { NID_ad_OCSP, NID_ad_ca_issuers };
	enum pp_err rc = PP_ERR_NOMEM;
	size_t i;

	if (aia == NULL)
		return PP_ERR_NOMEM;
	for (i = 0; i < 2; i++) {
		if (urls[i] == NULL)
			continue;
		if ((ad = ACCESS_DESCRIPTION_new()) == NULL)
			goto fail;
		ASN1_OBJECT_free(ad->method);
		ad->method = OBJ_nid2obj(methods[i]);
		GENERAL_NAME_free(ad->location);
		if ((ad->location = ca_uri(urls[i])) == NULL || sk_ACCESS_DESCRIPTION_push(aia, ad) == 0)
			goto fail;
		ad = NULL;
	}
	rc = ca_add_ext(x, NID_info_access, aia, 0);
fail:
	ACCESS_DESCRIPTION_free(ad);
	sk_ACCESS_DESCRIPTION_pop_free(aia, ACCESS_DESCRIPTION_free);
	return rc;
}

static enum pp_err
ca_qc_statements(X509 *x)
{
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	enum pp_err rc = PP_ERR_NOMEM;

	if (v == NULL || ASN1_OCTET_STRING_set(v, qc_statements_der, (int)sizeof(qc_statements_der)) != 1 ||
	    (e = X509_EXTENSION_create_by_NID(NULL, NID_qcStatements, 0, v)) == NULL ||
	    X509_add_ext(x, e, -1) != 1)
		goto fail;
	rc = PP_OK;
fail:
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(v);
	return rc;
}

/* DER length octets of n into b (at most 5); returns their count. */
static size_t
ca_der_len(size_t n, unsigned char *b)
{
	size_t k = 0, i;

	if (n < 0x80) {
		b[0] = (unsigned char)n;
		return 1;
	}
	for (i = n; i != 0; i >>= 8)
		k++;
	b[0] = (unsigned char)(0x80 | k);
	for (i = 0; i < k; i++)
		b[k - i] = (unsigned char)(n >> (8 * i));
	return k + 1;
}

/* Calls the signer on tbs; OUT *sig (pp_malloc'd), *siglen. */
static enum pp_err
ca_call_signer(const struct sam_ca_signer *s, const unsigned char *tbs, size_t tbslen,
    unsigned char **sig, size_t *siglen)
{
	int cap = EVP_PKEY_get_size(s->pub);
	unsigned char *b;
	size_t n;
	enum pp_err rc;

	if (cap <= 0)
		return PP_ERR_INTERNAL;
	if ((b = pp_malloc((size_t)cap)) == NULL)
		return PP_ERR_NOMEM;
	n = (size_t)cap;
	rc = s->fn(s->ctx, tbs, tbslen, b, &n);
	if (rc == PP_OK && (n == 0 || n > (size_t)cap)) {
		pp_err_log("sam ca: signer returned %zu bytes for a %d-byte key", n, cap);
		rc = PP_ERR_HSM;
	}
	if (rc != PP_OK) {
		/* a failing callback has logged its own cause */
		pp_free(b);
		return rc;
	}
	*sig = b;
	*siglen = n;
	return PP_OK;
}

/*
 * Signs x with s and writes Certificate ::= SEQUENCE { tbsCertificate,
 * signatureAlgorithm, signatureValue BIT STRING }.  The result is parsed
 * back and verified with s->pub.  OUT *der (pp_malloc'd), *len.
 */
static enum pp_err
ca_finish(X509 *x, const struct sam_ca_signer *s, unsigned char **der, size_t *len)
{
	unsigned char *tbs = NULL, *alg = NULL, *sig = NULL, *out = NULL, *p;
	unsigned char hdr[6], bhdr[6];
	const unsigned char *cp;
	size_t siglen = 0, hlen, bhlen, content, total;
	int tbslen, alglen;
	X509_ALGOR *a = NULL;
	X509 *back = NULL;
	enum pp_err rc;

	/* The TBS signature field is the same AlgorithmIdentifier as the
	 * outer one; OpenSSL 3.0 exposes it only as const, but it is a member
	 * of x, which is ours to modify. */
	if ((a = X509_ALGOR_new()) == NULL) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	if ((rc = ca_sig_alg(s->pub, a)) != PP_OK ||
	    (rc = ca_sig_alg(s->pub, (X509_ALGOR *)X509_get0_tbs_sigalg(x))) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	if ((tbslen = i2d_re_X509_tbs(x, &tbs)) <= 0 || (alglen = i2d_X509_ALGOR(a, &alg)) <= 0)
		goto fail;
	if ((rc = ca_call_signer(s, tbs, (size_t)tbslen, &sig, &siglen)) != PP_OK)
		goto fail;
	bhlen = ca_der_len(siglen + 1, bhdr);
	content = (size_t)tbslen + (size_t)alglen + 1 + bhlen + 1 + siglen;
	hlen = ca_der_len(content, hdr);
	total = 1 + hlen + content;
	rc = PP_ERR_INTERNAL;
	if (total > SAM_CA_DER_MAX)
		goto fail;
	rc = PP_ERR_NOMEM;
	if ((out = pp_malloc(total)) == NULL)
		goto fail;
	p = out;
	*p++ = 0x30;
	memcpy(p, hdr, hlen), p += hlen;
	memcpy(p, tbs, (size_t)tbslen), p += tbslen;
	memcpy(p, alg, (size_t)alglen), p += alglen;
	*p++ = 0x03;
	memcpy(p, bhdr, bhlen), p += bhlen;
	*p++ = 0x00;	/* no unused bits */
	memcpy(p, sig, siglen);
	cp = out;
	rc = PP_ERR_HSM;
	if ((back = d2i_X509(NULL, &cp, (long)total)) == NULL || cp != out + total ||
	    X509_verify(back, s->pub) != 1) {
		pp_err_log("sam ca: the signer's signature does not verify with its public key");
		goto fail;
	}
	*der = out;
	*len = total;
	out = NULL;
	rc = PP_OK;
fail:
	X509_free(back);
	pp_free(out);
	pp_free(sig);
	OPENSSL_free(alg);
	OPENSSL_free(tbs);
	X509_ALGOR_free(a);
	ERR_clear_error();
	return rc;
}

/* Exactly one DER certificate of at most SAM_CA_DER_MAX bytes, or NULL. */
static X509 *
ca_parse(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || len == 0 || len > SAM_CA_DER_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

static int
ca_signer_ok(const struct sam_ca_signer *s)
{
	const EVP_MD *md;

	return s != NULL && s->pub != NULL && s->fn != NULL && sam_ca_sig_md(s->pub, &md) == PP_OK;
}

/* -------------------------------------------------------------- the CA */

enum pp_err
sam_ca_root_make(const struct sam_ca_signer *signer, const struct sam_ca_ca_name *name,
    int64_t not_before, int64_t not_after, unsigned char **der, size_t *len)
{
	static const int ku[] = { 5, 6 };	/* keyCertSign, cRLSign */
	X509 *x = NULL;
	X509_NAME *n = NULL;
	enum pp_err rc = PP_ERR_FIELD_INVALID;

	if (!ca_signer_ok(signer) || name == NULL || !ca_country_ok(name->country) ||
	    !ca_name_ok(name->organization) || !ca_name_ok(name->common_name) ||
	    (name->organization_identifier != NULL && !ca_name_ok(name->organization_identifier)))
		return PP_ERR_FIELD_INVALID;
	rc = PP_ERR_NOMEM;
	if ((x = X509_new()) == NULL || (n = X509_NAME_new()) == NULL)
		goto fail;
	if ((rc = ca_name_add(n, NID_countryName, name->country)) != PP_OK ||
	    (rc = ca_name_add(n, NID_organizationName, name->organization)) != PP_OK ||
	    (name->organization_identifier != NULL &&
	    (rc = ca_name_add(n, NID_organizationIdentifier, name->organization_identifier)) != PP_OK) ||
	    (rc = ca_name_add(n, NID_commonName, name->common_name)) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	if (X509_set_version(x, X509_VERSION_3) != 1 || X509_set_subject_name(x, n) != 1 ||
	    X509_set_issuer_name(x, n) != 1 || X509_set_pubkey(x, signer->pub) != 1)
		goto fail;
	if ((rc = ca_serial(x)) != PP_OK || (rc = ca_validity(x, not_before, not_after)) != PP_OK ||
	    (rc = ca_basic_constraints(x, 1)) != PP_OK ||
	    (rc = ca_key_usage(x, NULL, ku, 2)) != PP_OK || (rc = ca_ski(x)) != PP_OK ||
	    (rc = ca_aki(x, x)) != PP_OK)
		goto fail;
	rc = ca_finish(x, signer, der, len);
fail:
	X509_NAME_free(n);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

enum pp_err
sam_ca_new(const unsigned char *ca_der, size_t ca_len, const struct sam_ca_signer *signer,
    const struct sam_ca_profile *profile, struct sam_ca **out)
{
	struct sam_ca *ca = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk;
	enum pp_err rc = PP_ERR_CONFIG;

	if (!ca_signer_ok(signer) || profile == NULL || !ca_oid_ok(profile->policy_oid) ||
	    !ca_url_ok(profile->crl_url) || !ca_url_ok(profile->ca_issuers_url) ||
	    !ca_url_ok(profile->ocsp_url)) {
		pp_err_log("sam ca: bad CA key or profile (policy OID, URLs)");
		goto fail;
	}
	/* a CA by basicConstraints, allowed to sign certificates if keyUsage
	 * says anything (X509_check_ca alone would take a v1 certificate) */
	if ((x = ca_parse(ca_der, ca_len)) == NULL ||
	    (X509_get_extension_flags(x) & (EXFLAG_BCONS | EXFLAG_CA | EXFLAG_INVALID)) !=
	    (EXFLAG_BCONS | EXFLAG_CA) ||
	    ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) && !(X509_get_key_usage(x) & KU_KEY_CERT_SIGN)) ||
	    (pk = X509_get0_pubkey(x)) == NULL || EVP_PKEY_eq(pk, signer->pub) != 1) {
		pp_err_log("sam ca: the CA certificate is not a CA's or not for the CA key");
		goto fail;
	}
	rc = PP_ERR_NOMEM;
	if ((ca = pp_calloc(1, sizeof(*ca))) == NULL)
		goto fail;
	ca->cert = x;
	ca->signer = *signer;
	ca->profile = *profile;
	*out = ca;
	ERR_clear_error();
	return PP_OK;
fail:
	X509_free(x);
	ERR_clear_error();
	return rc;
}

void
sam_ca_free(struct sam_ca *ca)
{
	if (ca == NULL)
		return;
	X509_free(ca->cert);
	pp_free(ca);
}

enum pp_err
sam_ca_issue(struct sam_ca *ca, EVP_PKEY *key, const struct sam_ca_subject *subject,
    int64_t not_before, int64_t not_after, unsigned char **der, size_t *len)
{
	static const int ku[] = { 1 };	/* nonRepudiation only: see sam_ca.h */
	X509 *x = NULL;
	X509_NAME *n = NULL;
	int legacy;
	enum pp_err rc = PP_ERR_FIELD_INVALID;

	if (ca == NULL || key == NULL || ca_key_verdict(key, 0, &legacy) != SAM_CA_ACCEPTED ||
	    !ca_subject_ok(subject))
		return PP_ERR_FIELD_INVALID;
	if ((rc = ca_subject_name(subject, &n)) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_set_subject_name(x, n) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) != 1 || X509_set_pubkey(x, key) != 1)
		goto fail;
	if ((rc = ca_serial(x)) != PP_OK || (rc = ca_validity(x, not_before, not_after)) != PP_OK ||
	    (rc = ca_basic_constraints(x, 0)) != PP_OK || (rc = ca_key_usage(x, NULL, ku, 1)) != PP_OK ||
	    (rc = ca_ski(x)) != PP_OK || (rc = ca_aki(x, ca->cert)) != PP_OK ||
	    (rc = ca_policies(x, ca->profile.policy_oid)) != PP_OK ||
	    (ca->profile.crl_url != NULL && (rc = ca_crl_dp(x, ca->profile.crl_url)) != PP_OK) ||
	    ((ca->profile.ca_issuers_url != NULL || ca->profile.ocsp_url != NULL) &&
	    (rc = ca_aia(x, ca->profile.ca_issuers_url, ca->profile.ocsp_url)) != PP_OK) ||
	    (rc = ca_qc_statements(x)) != PP_OK)
		goto fail;
	rc = ca_finish(x, &ca->signer, der, len);
fail:
	X509_NAME_free(n);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

enum pp_err
sam_ca_issue_ephemeral(struct sam_ca *ca, EVP_PKEY *key, const struct sam_ca_subject *subject,
    int64_t now, unsigned char **der, size_t *len)
{
	if (now < 0 || now > INT64_MAX - SAM_CA_EPHEMERAL_SECONDS)
		return PP_ERR_FIELD_INVALID;
	return sam_ca_issue(ca, key, subject, now, now + SAM_CA_EPHEMERAL_SECONDS, der, len);
}

/* ------------------------------------------------------------------ CSR */

enum pp_err
sam_ca_csr_make(const struct sam_ca_signer *signer, const struct sam_ca_subject *subject,
    unsigned char **der, size_t *len)
{
	static const int ku[] = { 1 };
	X509_REQ *req = NULL;
	X509_NAME *n = NULL;
	X509_ALGOR *a = NULL;
	ASN1_BIT_STRING *bs = NULL;
	unsigned char *tbs = NULL, *sig = NULL, *out = NULL, *p;
	size_t siglen = 0;
	int tbslen, outlen;
	enum pp_err rc = PP_ERR_FIELD_INVALID;

	if (!ca_signer_ok(signer) || !ca_subject_ok(subject))
		return PP_ERR_FIELD_INVALID;
	if ((rc = ca_subject_name(subject, &n)) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, 0) != 1 ||
	    X509_REQ_set_subject_name(req, n) != 1 || X509_REQ_set_pubkey(req, signer->pub) != 1 ||
	    (a = X509_ALGOR_new()) == NULL)
		goto fail;
	if ((rc = ca_key_usage(NULL, req, ku, 1)) != PP_OK || (rc = ca_sig_alg(signer->pub, a)) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	if (X509_REQ_set1_signature_algo(req, a) != 1 || (tbslen = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0)
		goto fail;
	if ((rc = ca_call_signer(signer, tbs, (size_t)tbslen, &sig, &siglen)) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	if ((bs = ASN1_BIT_STRING_new()) == NULL || ASN1_BIT_STRING_set(bs, sig, (int)siglen) != 1)
		goto fail;
	/* whole octets: no unused bits, and none to be trimmed on encoding */
	bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bs);
	bs = NULL;
	rc = PP_ERR_HSM;
	if (X509_REQ_verify(req, signer->pub) != 1) {
		pp_err_log("sam ca: the CSR signature does not verify with the key");
		goto fail;
	}
	rc = PP_ERR_NOMEM;
	if ((outlen = i2d_X509_REQ(req, NULL)) <= 0 || (size_t)outlen > SAM_CA_DER_MAX ||
	    (out = pp_malloc((size_t)outlen)) == NULL)
		goto fail;
	p = out;
	if (i2d_X509_REQ(req, &p) != outlen)
		goto fail;
	*der = out;
	*len = (size_t)outlen;
	out = NULL;
	rc = PP_OK;
fail:
	pp_free(out);
	pp_free(sig);
	OPENSSL_free(tbs);
	ASN1_BIT_STRING_free(bs);
	X509_ALGOR_free(a);
	X509_REQ_free(req);
	X509_NAME_free(n);
	ERR_clear_error();
	return rc;
}

/* ------------------------------------------------------------- checking */

enum pp_err
sam_ca_cert_matches_key(const unsigned char *der, size_t len, EVP_PKEY *key)
{
	X509 *x;
	EVP_PKEY *pk;
	enum pp_err rc = PP_ERR_FORBIDDEN;

	if (key == NULL)
		return PP_ERR_INTERNAL;
	if ((x = ca_parse(der, len)) == NULL)
		return PP_ERR_BAD_REQUEST;
	if ((pk = X509_get0_pubkey(x)) != NULL && EVP_PKEY_eq(pk, key) == 1)
		rc = PP_OK;
	X509_free(x);
	ERR_clear_error();
	return rc;
}

static const char *const verdict_text[SAM_CA_VERDICT__MAX] = {
	[SAM_CA_ACCEPTED] = "certificate accepted",
	[SAM_CA_MALFORMED] = "not a well-formed DER X.509 v3 certificate",
	[SAM_CA_KEY_MISMATCH] = "the certificate is not for the credential key",
	[SAM_CA_KEY_TYPE] = "the certificate key is neither RSA nor EC",
	[SAM_CA_KEY_WEAK] = "RSA key too short (3072 bits required; 2048 only for certificates "
	    "valid from before 2025-12-31)",
	[SAM_CA_CURVE] = "EC curve not accepted (P-256, P-384 or P-521 only)",
	[SAM_CA_SIG_ALG] = "signature algorithm not accepted (SHA-256, SHA-384 or SHA-512 only)",
	[SAM_CA_IS_CA] = "the certificate is a CA certificate",
	[SAM_CA_KEY_USAGE] = "keyUsage absent or without nonRepudiation",
	[SAM_CA_NOT_YET_VALID] = "the certificate is not valid yet",
	[SAM_CA_EXPIRED] = "the certificate has expired",
	[SAM_CA_UNTRUSTED] = "the certificate does not chain to the configured CA",
};

const char *
sam_ca_verdict_text(enum sam_ca_verdict v)
{
	if ((unsigned)v >= SAM_CA_VERDICT__MAX)
		return "unknown verdict";
	return verdict_text[v];
}

/* Seconds since the epoch of t. */
static int
ca_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	*out = (int64_t)timegm(&tm);
	return 1;
}

enum pp_err
sam_ca_cert_facts(const unsigned char *der, size_t len, int64_t *not_before, int64_t *not_after,
    char *serial, size_t cap)
{
	X509 *x = ca_parse(der, len);
	BIGNUM *bn = NULL;
	char *hex = NULL;
	enum pp_err rc = PP_ERR_BAD_REQUEST;

	if (x == NULL || !ca_time(X509_get0_notBefore(x), not_before) ||
	    !ca_time(X509_get0_notAfter(x), not_after))
		goto done;
	if (serial != NULL) {
		size_t n;
		if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
		    (hex = BN_bn2hex(bn)) == NULL || (n = strlen(hex)) >= cap)
			goto done;
		for (size_t i = 0; i <= n; i++)
			serial[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] - 'A' + 'a' : hex[i]);
	}
	rc = PP_OK;
done:
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

static int
ca_sig_alg_ok(X509 *x)
{
	int md, pk;

	if (X509_get_signature_info(x, &md, &pk, NULL, NULL) != 1)
		return 0;
	return (md == NID_sha256 || md == NID_sha384 || md == NID_sha512) &&
	    (pk == NID_rsaEncryption || pk == NID_rsassaPss || pk == NID_X9_62_id_ecPublicKey);
}

/* Chain to a certificate of ca_file, verified at time t; every certificate
 * but the anchor signed with SHA-2.  OUT *v. */
static enum pp_err
ca_chain(X509 *x, const char *ca_file, int64_t t, enum sam_ca_verdict *v)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *sc = NULL;
	STACK_OF(X509) *chain;
	enum pp_err rc = PP_ERR_NOMEM;
	int i, n;

	if ((st = X509_STORE_new()) == NULL || (sc = X509_STORE_CTX_new()) == NULL)
		goto fail;
	if (ca_file == NULL || X509_STORE_load_file(st, ca_file) != 1) {
		pp_err_log("sam ca: cannot load the CA file %s", ca_file != NULL ? ca_file : "(none)");
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	if (X509_STORE_CTX_init(sc, st, x, NULL) != 1)
		goto fail;
	/* an issuing CA of the file suffices; no root needed above it */
	X509_STORE_CTX_set_flags(sc, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT);
	X509_STORE_CTX_set_time(sc, 0, (time_t)t);
	rc = PP_OK;
	if (X509_verify_cert(sc) != 1) {
		pp_warn_log("sam ca: chain refused: %s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc)));
		*v = SAM_CA_UNTRUSTED;
		goto fail;
	}
	chain = X509_STORE_CTX_get0_chain(sc);
	n = sk_X509_num(chain);
	for (i = 1; i < n - 1; i++)
		if (!ca_sig_alg_ok(sk_X509_value(chain, i))) {
			*v = SAM_CA_SIG_ALG;
			goto fail;
		}
	*v = SAM_CA_ACCEPTED;
fail:
	X509_STORE_CTX_free(sc);
	X509_STORE_free(st);
	ERR_clear_error();
	return rc;
}

enum pp_err
sam_ca_check_external(const unsigned char *der, size_t len, EVP_PKEY *key, const char *ca_file,
    int64_t now, enum sam_ca_verdict *verdict, int *legacy)
{
	X509 *x = NULL;
	EVP_PKEY *pk;
	int64_t nb, na;
	int leg = 0;
	uint32_t ku;
	enum sam_ca_verdict v = SAM_CA_MALFORMED;
	enum pp_err rc = PP_OK;

	if (key == NULL || verdict == NULL)
		return PP_ERR_INTERNAL;
	if ((x = ca_parse(der, len)) == NULL || X509_get_version(x) != X509_VERSION_3 ||
	    (pk = X509_get0_pubkey(x)) == NULL || !ca_time(X509_get0_notBefore(x), &nb) ||
	    !ca_time(X509_get0_notAfter(x), &na))
		goto done;
	/* X509_get_extension_flags also reports extensions it could not parse */
	if (X509_get_extension_flags(x) & EXFLAG_INVALID)
		goto done;
	v = SAM_CA_KEY_MISMATCH;
	if (EVP_PKEY_eq(pk, key) != 1)
		goto done;
	if ((v = ca_key_verdict(pk, nb < SAM_CA_RSA2048_LEGACY_END, &leg)) != SAM_CA_ACCEPTED)
		goto done;
	v = SAM_CA_SIG_ALG;
	if (!ca_sig_alg_ok(x))
		goto done;
	v = SAM_CA_IS_CA;
	if (X509_check_ca(x) != 0)
		goto done;
	v = SAM_CA_KEY_USAGE;
	ku = X509_get_key_usage(x);
	if (!(X509_get_extension_flags(x) & EXFLAG_KUSAGE) || !(ku & KU_NON_REPUDIATION))
		goto done;
	v = SAM_CA_NOT_YET_VALID;
	if (nb > now + SAM_CA_SKEW_SECONDS)
		goto done;
	v = SAM_CA_EXPIRED;
	if (na < now)
		goto done;
	/* Inside the skew window the chain is judged at notBefore, so that a
	 * certificate issued seconds ago by a CA whose clock is ahead passes. */
	if ((rc = ca_chain(x, ca_file, nb > now ? nb : now, &v)) != PP_OK)
		goto done;
done:
	X509_free(x);
	ERR_clear_error();
	if (rc != PP_OK)
		return rc;
	*verdict = v;
	if (legacy != NULL)
		*legacy = v == SAM_CA_ACCEPTED ? leg : 0;
	if (v != SAM_CA_ACCEPTED)
		pp_info_log("sam ca: uploaded certificate refused: %s", sam_ca_verdict_text(v));
	return PP_OK;
}
