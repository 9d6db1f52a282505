/*
 * sam_ca: certificates of the signatory credentials.
 *
 * Software keys stand in for the HSM: the callback signs with an EVP_PKEY.
 * Certificates made by the module are checked with OpenSSL's own verifier
 * and, independently, by the `openssl verify` and `openssl asn1parse`
 * commands; the qcStatements are parsed back element by element.  The
 * external-CA checks get certificates made directly with X509_sign by a
 * second, software "external CA".
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "sam_ca.h"
#include "pp_test.h"

#define POLICY "1.2.250.1.86.7.1.1.1"
#define CRL_URL "http://crl.paraphe.example/ca.crl"
#define AIA_URL "http://pki.paraphe.example/ca.cer"
#define OCSP_URL "http://ocsp.paraphe.example"
#define YEAR (365 * 86400)
#define T_2024_06_01 INT64_C(1717200000)
#define T_2023_01_01 INT64_C(1672531200)
#define T_2020_01_01 INT64_C(1577836800)

static EVP_PKEY *ca_key;	/* built-in CA, P-384 */
static EVP_PKEY *ec256, *ec384, *ec521, *rsa3072, *rsa2048, *ec256b, *p224;
static EVP_PKEY *ext_key;	/* the external CA, P-256 */
static X509 *ext_ca;
static unsigned char *ca_der;
static size_t ca_len;
static struct sam_ca *ca;
static char tmpdir[64], ca_pem[128], ext_pem[128];
static int64_t now;

static const struct sam_ca_subject alice = {
	.country = "FR", .given_name = "\xc3\x89lodie", .surname = "Martin",
	.common_name = "\xc3\x89lodie Martin", .serial_number = "IDCFR-123456",
	.organization = "Paraphe Test",
};

/* ------------------------------------------------------------------ helpers */

/* sam_ca_sign_fn over a software key: what an HSM returns, in X.509 form. */
static enum pp_err
sign_evp(void *ctx, const unsigned char *tbs, size_t len, unsigned char *sig, size_t *siglen)
{
	EVP_PKEY *k = ctx;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	const EVP_MD *md;
	enum pp_err rc = PP_ERR_HSM;

	if (mc != NULL && sam_ca_sig_md(k, &md) == PP_OK &&
	    EVP_DigestSignInit(mc, NULL, md, NULL, k) == 1 &&
	    EVP_DigestSign(mc, sig, siglen, tbs, len) == 1)
		rc = PP_OK;
	EVP_MD_CTX_free(mc);
	return rc;
}

static enum pp_err
sign_fails(void *ctx, const unsigned char *tbs, size_t len, unsigned char *sig, size_t *siglen)
{
	(void)ctx, (void)tbs, (void)len, (void)sig, (void)siglen;
	return PP_ERR_HSM;
}

/* Claims more bytes than the buffer holds. */
static enum pp_err
sign_overflow(void *ctx, const unsigned char *tbs, size_t len, unsigned char *sig, size_t *siglen)
{
	(void)ctx, (void)tbs, (void)len;
	memset(sig, 0x30, *siglen);
	*siglen += 1;
	return PP_OK;
}

static void
write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

static X509 *
parse(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	assert_non_null(x);
	assert_ptr_equal(p, der + len);
	return x;
}

/* Runs a shell command line; its exit status. */
static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Certificate made outside the module, signed by issuer_key with md. */
static unsigned char *
ext_cert(EVP_PKEY *subject_key, EVP_PKEY *issuer_key, X509 *issuer, int64_t nb, int64_t na,
    const EVP_MD *md, const char *ku, const char *bc, size_t *len)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *e;
	unsigned char *der = NULL;
	int l;

	assert_non_null(x);
	assert_non_null(n);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(nb & 0xffffff) + 7), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"External Holder", -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n), 1);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na));
	assert_int_equal(X509_set_pubkey(x, subject_key), 1);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if (bc != NULL) {
		assert_non_null(e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, bc));
		assert_int_equal(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	if (ku != NULL) {
		assert_non_null(e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ku));
		assert_int_equal(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	assert_non_null(e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_key_identifier, "hash"));
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	if (issuer != NULL) {
		assert_non_null(e = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier,
		    "keyid:always"));
		assert_int_equal(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key, md) > 0);
	l = i2d_X509(x, &der);
	assert_true(l > 0);
	*len = (size_t)l;
	X509_NAME_free(n);
	X509_free(x);
	return der;
}

static int
setup(void **state)
{
	struct sam_ca_signer s = { 0 };
	struct sam_ca_ca_name name = { .country = "FR", .organization = "Paraphe Test",
	    .common_name = "Paraphe Test Signatory CA", .organization_identifier = "NTRFR-123456789" };
	struct sam_ca_profile prof = { .policy_oid = POLICY, .crl_url = CRL_URL,
	    .ca_issuers_url = AIA_URL, .ocsp_url = OCSP_URL };
	unsigned char *der;
	size_t len;
	X509 *x;

	(void)state;
	now = (int64_t)time(NULL);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_sam_ca.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", tmpdir);
	snprintf(ext_pem, sizeof(ext_pem), "%s/ext.pem", tmpdir);
	ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec256b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	ec521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	p224 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	rsa3072 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ext_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!ca_key || !ec256 || !ec256b || !ec384 || !ec521 || !p224 || !rsa3072 || !rsa2048 || !ext_key)
		return -1;

	s.pub = ca_key, s.fn = sign_evp, s.ctx = ca_key;
	if (sam_ca_root_make(&s, &name, now - 3600, now + 10 * YEAR, &ca_der, &ca_len) != PP_OK ||
	    sam_ca_new(ca_der, ca_len, &s, &prof, &ca) != PP_OK)
		return -1;
	x = parse(ca_der, ca_len);
	write_pem(ca_pem, x);
	X509_free(x);

	der = ext_cert(ext_key, ext_key, NULL, T_2020_01_01, now + 10 * YEAR, EVP_sha256(),
	    "critical,keyCertSign,cRLSign", "critical,CA:TRUE", &len);
	ext_ca = parse(der, len);
	OPENSSL_free(der);
	write_pem(ext_pem, ext_ca);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sam_ca_free(ca);
	pp_free(ca_der);
	X509_free(ext_ca);
	EVP_PKEY_free(ca_key), EVP_PKEY_free(ec256), EVP_PKEY_free(ec256b), EVP_PKEY_free(ec384);
	EVP_PKEY_free(ec521);
	EVP_PKEY_free(p224), EVP_PKEY_free(rsa3072), EVP_PKEY_free(rsa2048), EVP_PKEY_free(ext_key);
	pp_test_rmtree(tmpdir);
	return 0;
}

/* Value and criticality of extension nid of x. */
static const ASN1_OCTET_STRING *
ext_value(X509 *x, int nid, int *crit)
{
	int i = X509_get_ext_by_NID(x, nid, -1);
	X509_EXTENSION *e;

	assert_true(i >= 0);
	assert_int_equal(X509_get_ext_by_NID(x, nid, i), -1);	/* only once */
	e = X509_get_ext(x, i);
	*crit = X509_EXTENSION_get_critical(e);
	return X509_EXTENSION_get_data(e);
}

static void
assert_oid(const ASN1_TYPE *t, const char *dotted)
{
	char buf[80];

	assert_int_equal(ASN1_TYPE_get(t), V_ASN1_OBJECT);
	assert_true(OBJ_obj2txt(buf, sizeof(buf), t->value.object, 1) > 0);
	assert_string_equal(buf, dotted);
}

/* Parses a SEQUENCE's DER into its elements. */
static ASN1_SEQUENCE_ANY *
seq(const unsigned char *der, long len)
{
	const unsigned char *p = der;
	ASN1_SEQUENCE_ANY *s = d2i_ASN1_SEQUENCE_ANY(NULL, &p, len);

	assert_non_null(s);
	assert_ptr_equal(p, der + len);
	return s;
}

/* qcStatements parsed back without the module's help. */
static void
check_qc_statements(const ASN1_OCTET_STRING *v)
{
	ASN1_SEQUENCE_ANY *outer = seq(ASN1_STRING_get0_data(v), ASN1_STRING_length(v)), *st, *info;
	const ASN1_TYPE *t;
	int i;

	assert_int_equal(sk_ASN1_TYPE_num(outer), 4);
	for (i = 0; i < 4; i++) {
		t = sk_ASN1_TYPE_value(outer, i);
		assert_int_equal(ASN1_TYPE_get(t), V_ASN1_SEQUENCE);
		st = seq(t->value.sequence->data, t->value.sequence->length);
		switch (i) {
		case 0:		/* QcCompliance, no statementInfo */
			assert_int_equal(sk_ASN1_TYPE_num(st), 1);
			assert_oid(sk_ASN1_TYPE_value(st, 0), "0.4.0.1862.1.1");
			break;
		case 1:		/* QcSSCD, no statementInfo */
			assert_int_equal(sk_ASN1_TYPE_num(st), 1);
			assert_oid(sk_ASN1_TYPE_value(st, 0), "0.4.0.1862.1.4");
			break;
		case 2:		/* QcType: SEQUENCE OF OID { esign } */
			assert_int_equal(sk_ASN1_TYPE_num(st), 2);
			assert_oid(sk_ASN1_TYPE_value(st, 0), "0.4.0.1862.1.6");
			t = sk_ASN1_TYPE_value(st, 1);
			assert_int_equal(ASN1_TYPE_get(t), V_ASN1_SEQUENCE);
			info = seq(t->value.sequence->data, t->value.sequence->length);
			assert_int_equal(sk_ASN1_TYPE_num(info), 1);
			assert_oid(sk_ASN1_TYPE_value(info, 0), "0.4.0.1862.1.6.1");
			sk_ASN1_TYPE_pop_free(info, ASN1_TYPE_free);
			break;
		case 3:		/* pkixQCSyntax-v2 { semanticsId-Natural } */
			assert_int_equal(sk_ASN1_TYPE_num(st), 2);
			assert_oid(sk_ASN1_TYPE_value(st, 0), "1.3.6.1.5.5.7.11.2");
			t = sk_ASN1_TYPE_value(st, 1);
			assert_int_equal(ASN1_TYPE_get(t), V_ASN1_SEQUENCE);
			info = seq(t->value.sequence->data, t->value.sequence->length);
			assert_int_equal(sk_ASN1_TYPE_num(info), 1);
			assert_oid(sk_ASN1_TYPE_value(info, 0), "0.4.0.194121.1.1");
			sk_ASN1_TYPE_pop_free(info, ASN1_TYPE_free);
			break;
		}
		sk_ASN1_TYPE_pop_free(st, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(outer, ASN1_TYPE_free);
}

/* The same through `openssl asn1parse`: the four statement OIDs and the
 * esign type, in that order. */
static void
check_qc_asn1parse(const ASN1_OCTET_STRING *v)
{
	static const char *const want[] = { "0.4.0.1862.1.1", "0.4.0.1862.1.4", "0.4.0.1862.1.6",
	    "0.4.0.1862.1.6.1", "1.3.6.1.5.5.7.11.2", "0.4.0.194121.1.1" };
	char path[160], cmd[400], line[256];
	size_t i = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/qc.der", tmpdir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(ASN1_STRING_get0_data(v), 1, (size_t)ASN1_STRING_length(v), f),
	    (size_t)ASN1_STRING_length(v));
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "openssl asn1parse -inform DER -in %s", path);
	assert_non_null(f = popen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *o = strstr(line, "OBJECT            :");

		if (o == NULL)
			continue;
		assert_true(i < 6);
		o += strlen("OBJECT            :");
		assert_int_equal(strncmp(o, want[i], strlen(want[i])), 0);
		assert_true(o[strlen(want[i])] == '\n');
		i++;
	}
	assert_int_equal(pclose(f), 0);
	assert_int_equal(i, 6);
}

static void
assert_name(X509_NAME *n, int nid, const char *want, int type)
{
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	const ASN1_STRING *s;

	assert_true(i >= 0);
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	assert_int_equal(ASN1_STRING_type(s), type);
	assert_int_equal(ASN1_STRING_length(s), (int)strlen(want));
	assert_memory_equal(ASN1_STRING_get0_data(s), want, strlen(want));
}

/* Everything the profile promises, for a certificate of key. */
static void
check_issued(EVP_PKEY *key, int key_type)
{
	unsigned char *der = NULL;
	size_t len = 0;
	X509 *x, *cax;
	const ASN1_OCTET_STRING *v;
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	CERTIFICATEPOLICIES *cp;
	CRL_DIST_POINTS *dps;
	AUTHORITY_INFO_ACCESS *aia;
	AUTHORITY_KEYID *aki;
	GENERAL_NAME *gn;
	const ASN1_INTEGER *serial;
	BIGNUM *bn;
	char buf[80], path[160];
	enum sam_ca_verdict verdict;
	int crit, legacy = -1;
	FILE *f;

	assert_int_equal(sam_ca_issue(ca, key, &alice, now - 60, now + YEAR, &der, &len), PP_OK);
	x = parse(der, len);
	cax = parse(ca_der, ca_len);

	/* signed by the CA, with the algorithm of its P-384 key */
	assert_int_equal(X509_verify(x, ca_key), 1);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA384);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(cax)), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)(now - 60)), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)(now + YEAR)), 0);
	assert_int_equal(EVP_PKEY_get_base_id(X509_get0_pubkey(x)), key_type);

	/* independent check by the openssl command */
	snprintf(path, sizeof(path), "%s/cert.pem", tmpdir);
	write_pem(path, x);
	assert_int_equal(run("openssl verify -x509_strict -CAfile %s %s >/dev/null", ca_pem, path), 0);

	/* serial: 16 bytes, positive */
	serial = X509_get0_serialNumber(x);
	assert_int_equal(ASN1_STRING_type(serial), V_ASN1_INTEGER);
	assert_int_equal(ASN1_STRING_length(serial), 16);
	assert_non_null(bn = ASN1_INTEGER_to_BN(serial, NULL));
	assert_int_equal(BN_num_bytes(bn), 16);
	BN_free(bn);

	/* subject */
	assert_name(X509_get_subject_name(x), NID_countryName, "FR", V_ASN1_PRINTABLESTRING);
	assert_name(X509_get_subject_name(x), NID_givenName, alice.given_name, V_ASN1_UTF8STRING);
	assert_name(X509_get_subject_name(x), NID_surname, "Martin", V_ASN1_UTF8STRING);
	assert_name(X509_get_subject_name(x), NID_commonName, alice.common_name, V_ASN1_UTF8STRING);
	assert_name(X509_get_subject_name(x), NID_serialNumber, "IDCFR-123456", V_ASN1_PRINTABLESTRING);
	assert_name(X509_get_subject_name(x), NID_organizationName, "Paraphe Test", V_ASN1_UTF8STRING);

	/* basicConstraints critical CA:FALSE */
	v = ext_value(x, NID_basic_constraints, &crit);
	assert_int_equal(crit, 1);
	assert_non_null(bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL));
	assert_int_equal(bc->ca, 0);
	assert_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_check_ca(x), 0);

	/* keyUsage critical, nonRepudiation alone */
	v = ext_value(x, NID_key_usage, &crit);
	assert_int_equal(crit, 1);
	assert_non_null(ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL));
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 1), 1);
	for (int b = 0; b < 9; b++)
		if (b != 1)
			assert_int_equal(ASN1_BIT_STRING_get_bit(ku, b), 0);
	ASN1_BIT_STRING_free(ku);
	assert_int_equal(X509_get_key_usage(x), KU_NON_REPUDIATION);

	/* key identifiers: SKI present, AKI = the CA's SKI */
	v = ext_value(x, NID_subject_key_identifier, &crit);
	assert_int_equal(crit, 0);
	assert_int_equal(ASN1_STRING_length(X509_get0_subject_key_id(x)), 20);
	v = ext_value(x, NID_authority_key_identifier, &crit);
	assert_int_equal(crit, 0);
	assert_non_null(aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL));
	assert_int_equal(ASN1_OCTET_STRING_cmp(aki->keyid, X509_get0_subject_key_id(cax)), 0);
	AUTHORITY_KEYID_free(aki);

	/* policies: the configured one, then QCP-n-qscd */
	v = ext_value(x, NID_certificate_policies, &crit);
	assert_int_equal(crit, 0);
	assert_non_null(cp = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL));
	assert_int_equal(sk_POLICYINFO_num(cp), 2);
	OBJ_obj2txt(buf, sizeof(buf), sk_POLICYINFO_value(cp, 0)->policyid, 1);
	assert_string_equal(buf, POLICY);
	OBJ_obj2txt(buf, sizeof(buf), sk_POLICYINFO_value(cp, 1)->policyid, 1);
	assert_string_equal(buf, "0.4.0.194112.1.2");
	sk_POLICYINFO_pop_free(cp, POLICYINFO_free);

	/* CRL distribution point and AIA */
	assert_non_null(dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL));
	assert_int_equal(sk_DIST_POINT_num(dps), 1);
	gn = sk_GENERAL_NAME_value(sk_DIST_POINT_value(dps, 0)->distpoint->name.fullname, 0);
	assert_int_equal(gn->type, GEN_URI);
	assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier), CRL_URL);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	assert_non_null(aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL));
	assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 2);
	assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 0)->method), NID_ad_OCSP);
	assert_string_equal((const char *)ASN1_STRING_get0_data(
	    sk_ACCESS_DESCRIPTION_value(aia, 0)->location->d.uniformResourceIdentifier), OCSP_URL);
	assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 1)->method), NID_ad_ca_issuers);
	assert_string_equal((const char *)ASN1_STRING_get0_data(
	    sk_ACCESS_DESCRIPTION_value(aia, 1)->location->d.uniformResourceIdentifier), AIA_URL);
	sk_ACCESS_DESCRIPTION_pop_free(aia, ACCESS_DESCRIPTION_free);

	/* qcStatements: non-critical, parsed back two ways */
	v = ext_value(x, NID_qcStatements, &crit);
	assert_int_equal(crit, 0);
	check_qc_statements(v);
	check_qc_asn1parse(v);

	/* the key is the credential's, and nobody else's */
	assert_int_equal(sam_ca_cert_matches_key(der, len, key), PP_OK);
	assert_int_equal(sam_ca_cert_matches_key(der, len, key == ec256 ? ec256b : ec256), PP_ERR_FORBIDDEN);
	assert_int_equal(sam_ca_cert_matches_key(der, len, ca_key), PP_ERR_FORBIDDEN);

	/* and it passes the check applied to external certificates */
	snprintf(path, sizeof(path), "%s/ca-only.pem", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(PEM_write_X509(f, cax), 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sam_ca_check_external(der, len, key, path, now, &verdict, &legacy), PP_OK);
	assert_int_equal(verdict, SAM_CA_ACCEPTED);
	assert_int_equal(legacy, 0);

	X509_free(cax);
	X509_free(x);
	pp_free(der);
}

/* -------------------------------------------------------------------- tests */

static void
test_root(void **state)
{
	X509 *x = parse(ca_der, ca_len);
	BASIC_CONSTRAINTS *bc;
	AUTHORITY_KEYID *aki;
	int crit;

	(void)state;
	assert_int_equal(X509_verify(x, ca_key), 1);
	assert_int_equal(X509_check_issued(x, x), X509_V_OK);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	assert_name(X509_get_subject_name(x), NID_organizationIdentifier, "NTRFR-123456789",
	    V_ASN1_UTF8STRING);
	ext_value(x, NID_basic_constraints, &crit);
	assert_int_equal(crit, 1);
	assert_non_null(bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL));
	assert_true(bc->ca);
	assert_non_null(bc->pathlen);
	assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	ext_value(x, NID_key_usage, &crit);
	assert_int_equal(crit, 1);
	assert_int_equal(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_non_null(aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL));
	assert_int_equal(ASN1_OCTET_STRING_cmp(aki->keyid, X509_get0_subject_key_id(x)), 0);
	AUTHORITY_KEYID_free(aki);
	assert_int_equal(run("openssl verify -x509_strict -CAfile %s %s >/dev/null", ca_pem, ca_pem), 0);
	X509_free(x);
}

static void
test_issue_ec256(void **state)
{
	(void)state;
	check_issued(ec256, EVP_PKEY_EC);
}

static void
test_issue_ec384(void **state)
{
	(void)state;
	check_issued(ec384, EVP_PKEY_EC);
}

static void
test_issue_ec521(void **state)
{
	(void)state;
	check_issued(ec521, EVP_PKEY_EC);
}

static void
test_issue_rsa3072(void **state)
{
	(void)state;
	check_issued(rsa3072, EVP_PKEY_RSA);
}

/* A CA whose key is RSA signs with sha256WithRSAEncryption. */
static void
test_rsa_ca(void **state)
{
	struct sam_ca_signer s = { .pub = rsa3072, .fn = sign_evp, .ctx = rsa3072 };
	struct sam_ca_ca_name name = { .country = "FR", .organization = "Paraphe Test",
	    .common_name = "RSA CA" };
	struct sam_ca_profile prof = { .policy_oid = POLICY };
	struct sam_ca *rca = NULL;
	unsigned char *cder = NULL, *der = NULL;
	size_t clen, len;
	X509 *cx, *x;

	(void)state;
	assert_int_equal(sam_ca_root_make(&s, &name, now, now + YEAR, &cder, &clen), PP_OK);
	assert_int_equal(sam_ca_new(cder, clen, &s, &prof, &rca), PP_OK);
	assert_int_equal(sam_ca_issue(rca, ec256, &alice, now, now + 3600, &der, &len), PP_OK);
	cx = parse(cder, clen);
	x = parse(der, len);
	assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	assert_int_equal(X509_verify(x, rsa3072), 1);
	assert_int_equal(X509_check_issued(cx, x), X509_V_OK);
	/* no URLs configured: no CRL DP, no AIA */
	assert_int_equal(X509_get_ext_by_NID(x, NID_crl_distribution_points, -1), -1);
	assert_int_equal(X509_get_ext_by_NID(x, NID_info_access, -1), -1);
	X509_free(x);
	X509_free(cx);
	pp_free(der);
	pp_free(cder);
	sam_ca_free(rca);
	sam_ca_free(NULL);
}

static void
test_ephemeral(void **state)
{
	unsigned char *der = NULL;
	size_t len;
	X509 *x;

	(void)state;
	assert_int_equal(sam_ca_issue_ephemeral(ca, ec256, &alice, now, &der, &len), PP_OK);
	x = parse(der, len);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)now), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)(now + 1800)), 0);
	assert_int_equal(X509_verify(x, ca_key), 1);
	X509_free(x);
	pp_free(der);
	der = NULL;
	assert_int_equal(sam_ca_issue_ephemeral(ca, ec256, &alice, INT64_MAX - 10, &der, &len),
	    PP_ERR_FIELD_INVALID);
	assert_null(der);
}

/* Two certificates of the same key never share a serial. */
static void
test_serials_differ(void **state)
{
	unsigned char *a = NULL, *b = NULL;
	size_t al, bl;
	X509 *xa, *xb;

	(void)state;
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, now, now + 60, &a, &al), PP_OK);
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, now, now + 60, &b, &bl), PP_OK);
	xa = parse(a, al);
	xb = parse(b, bl);
	assert_int_not_equal(ASN1_INTEGER_cmp(X509_get0_serialNumber(xa), X509_get0_serialNumber(xb)), 0);
	X509_free(xa);
	X509_free(xb);
	pp_free(a);
	pp_free(b);
}

static void
test_issue_refused(void **state)
{
	struct sam_ca_subject s;
	unsigned char *der = NULL;
	size_t len = 0;
	char longname[SAM_CA_NAME_MAX + 2];
	X509 *x;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
#define REFUSED(field, value) do { \
	s = alice; s.field = value; \
	assert_int_equal(sam_ca_issue(ca, ec256, &s, now, now + 60, &der, &len), PP_ERR_FIELD_INVALID); \
	assert_null(der); \
} while (0)
	REFUSED(country, "fr");
	REFUSED(country, "FRA");
	REFUSED(country, NULL);
	REFUSED(given_name, "");
	REFUSED(surname, longname);
	REFUSED(common_name, "bad\xff utf-8");
	REFUSED(common_name, "line\nbreak");
	REFUSED(common_name, "tab\there");
	REFUSED(serial_number, "123456");
	REFUSED(serial_number, "XYZFR-123");
	REFUSED(serial_number, "IDCfr-123");
	REFUSED(serial_number, "IDCFR-");
	REFUSED(serial_number, "IDCFR-12_3");
	REFUSED(organization, "");
#undef REFUSED
	/* weak or unsupported credential keys */
	assert_int_equal(sam_ca_issue(ca, rsa2048, &alice, now, now + 60, &der, &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_ca_issue(ca, p224, &alice, now, now + 60, &der, &len), PP_ERR_FIELD_INVALID);
	/* empty period */
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, now, now, &der, &len), PP_ERR_FIELD_INVALID);
	assert_null(der);
	/* no organisation is fine */
	s = alice;
	s.organization = NULL;
	assert_int_equal(sam_ca_issue(ca, ec256, &s, now, now + 60, &der, &len), PP_OK);
	x = parse(der, len);
	assert_int_equal(X509_NAME_get_index_by_NID(X509_get_subject_name(x), NID_organizationName, -1), -1);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 5);
	X509_free(x);
	pp_free(der);
}

static void
test_new_refused(void **state)
{
	struct sam_ca_signer s = { .pub = ca_key, .fn = sign_evp, .ctx = ca_key };
	struct sam_ca_signer other = { .pub = ec256, .fn = sign_evp, .ctx = ec256 };
	struct sam_ca_profile prof = { .policy_oid = POLICY };
	struct sam_ca *c = NULL;
	unsigned char *der = NULL;
	size_t len;

	(void)state;
	/* CA certificate of another key */
	assert_int_equal(sam_ca_new(ca_der, ca_len, &other, &prof, &c), PP_ERR_CONFIG);
	/* bad profiles */
	prof.policy_oid = "not.an.oid";
	assert_int_equal(sam_ca_new(ca_der, ca_len, &s, &prof, &c), PP_ERR_CONFIG);
	prof.policy_oid = NULL;
	assert_int_equal(sam_ca_new(ca_der, ca_len, &s, &prof, &c), PP_ERR_CONFIG);
	prof.policy_oid = POLICY;
	prof.crl_url = "ldap://x/y";
	assert_int_equal(sam_ca_new(ca_der, ca_len, &s, &prof, &c), PP_ERR_CONFIG);
	prof.crl_url = "http://a b";
	assert_int_equal(sam_ca_new(ca_der, ca_len, &s, &prof, &c), PP_ERR_CONFIG);
	prof.crl_url = NULL;
	/* truncated certificate, trailing byte */
	assert_int_equal(sam_ca_new(ca_der, ca_len - 1, &s, &prof, &c), PP_ERR_CONFIG);
	/* an end-entity certificate is no CA */
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, now, now + 60, &der, &len), PP_OK);
	assert_int_equal(sam_ca_new(der, len, &other, &prof, &c), PP_ERR_CONFIG);
	assert_null(c);
	pp_free(der);
	/* nor is a CA certificate whose keyUsage forbids certificate signing */
	der = ext_cert(ec256, ec256, NULL, now, now + YEAR, EVP_sha256(), "critical,cRLSign",
	    "critical,CA:TRUE", &len);
	assert_int_equal(sam_ca_new(der, len, &other, &prof, &c), PP_ERR_CONFIG);
	OPENSSL_free(der);
	der = ext_cert(ec256, ec256, NULL, now, now + YEAR, EVP_sha256(), "critical,keyCertSign",
	    "critical,CA:TRUE", &len);
	assert_int_equal(sam_ca_new(der, len, &other, &prof, &c), PP_OK);
	sam_ca_free(c);
	OPENSSL_free(der);
}

static void
test_signer_failure(void **state)
{
	struct sam_ca_signer s = { .pub = ca_key, .fn = sign_fails, .ctx = NULL };
	struct sam_ca_signer wrong = { .pub = ca_key, .fn = sign_evp, .ctx = ec384 };
	struct sam_ca_signer over = { .pub = ca_key, .fn = sign_overflow, .ctx = NULL };
	struct sam_ca_profile prof = { .policy_oid = POLICY };
	struct sam_ca_ca_name name = { .country = "FR", .organization = "O", .common_name = "CN" };
	struct sam_ca *c = NULL;
	unsigned char *der = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(sam_ca_root_make(&s, &name, now, now + YEAR, &der, &len), PP_ERR_HSM);
	assert_null(der);
	assert_int_equal(sam_ca_new(ca_der, ca_len, &s, &prof, &c), PP_OK);
	assert_int_equal(sam_ca_issue(c, ec256, &alice, now, now + 60, &der, &len), PP_ERR_HSM);
	assert_null(der);
	sam_ca_free(c);
	/* a token that signs with another key of the same size */
	assert_int_equal(sam_ca_new(ca_der, ca_len, &wrong, &prof, &c), PP_OK);
	assert_int_equal(sam_ca_issue(c, ec256, &alice, now, now + 60, &der, &len), PP_ERR_HSM);
	assert_null(der);
	sam_ca_free(c);
	/* one that claims more bytes than it was given */
	assert_int_equal(sam_ca_new(ca_der, ca_len, &over, &prof, &c), PP_OK);
	assert_int_equal(sam_ca_issue(c, ec256, &alice, now, now + 60, &der, &len), PP_ERR_HSM);
	assert_null(der);
	sam_ca_free(c);
	/* and a CSR whose signing fails */
	s.pub = ec256;
	assert_int_equal(sam_ca_csr_make(&s, &alice, &der, &len), PP_ERR_HSM);
	wrong.pub = ec256, wrong.ctx = ec256b;
	assert_int_equal(sam_ca_csr_make(&wrong, &alice, &der, &len), PP_ERR_HSM);
	assert_null(der);
}

static void
check_csr(EVP_PKEY *key)
{
	struct sam_ca_signer s = { .pub = key, .fn = sign_evp, .ctx = key };
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_REQ *req;
	EVP_PKEY *pk;
	STACK_OF(X509_EXTENSION) *exts;
	ASN1_BIT_STRING *ku;
	char path[160];
	FILE *f;

	assert_int_equal(sam_ca_csr_make(&s, &alice, &der, &len), PP_OK);
	p = der;
	assert_non_null(req = d2i_X509_REQ(NULL, &p, (long)len));
	assert_ptr_equal(p, der + len);
	assert_int_equal(X509_REQ_verify(req, key), 1);
	assert_non_null(pk = X509_REQ_get0_pubkey(req));
	assert_int_equal(EVP_PKEY_eq(pk, key), 1);
	assert_name(X509_REQ_get_subject_name(req), NID_serialNumber, "IDCFR-123456", V_ASN1_PRINTABLESTRING);
	assert_name(X509_REQ_get_subject_name(req), NID_commonName, alice.common_name, V_ASN1_UTF8STRING);
	assert_name(X509_REQ_get_subject_name(req), NID_countryName, "FR", V_ASN1_PRINTABLESTRING);
	assert_name(X509_REQ_get_subject_name(req), NID_givenName, alice.given_name, V_ASN1_UTF8STRING);
	assert_name(X509_REQ_get_subject_name(req), NID_surname, "Martin", V_ASN1_UTF8STRING);
	assert_non_null(exts = X509_REQ_get_extensions(req));
	assert_int_equal(X509v3_get_ext_by_NID(exts, NID_key_usage, -1), 0);
	assert_int_equal(X509_EXTENSION_get_critical(sk_X509_EXTENSION_value(exts, 0)), 1);
	assert_non_null(ku = X509V3_get_d2i(exts, NID_key_usage, NULL, NULL));
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 1), 1);
	assert_int_equal(ASN1_BIT_STRING_get_bit(ku, 0), 0);
	ASN1_BIT_STRING_free(ku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	/* the openssl command agrees */
	snprintf(path, sizeof(path), "%s/req.der", tmpdir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(der, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(run("openssl req -inform DER -in %s -verify -noout 2>/dev/null", path), 0);
	X509_REQ_free(req);
	pp_free(der);
}

static void
test_csr(void **state)
{
	struct sam_ca_subject bad = alice;
	struct sam_ca_signer weak = { .pub = rsa2048, .fn = sign_evp, .ctx = rsa2048 };
	unsigned char *der = NULL;
	size_t len;

	(void)state;
	check_csr(ec256);
	check_csr(ec384);
	check_csr(rsa3072);
	bad.serial_number = "nope";
	weak.pub = ec256, weak.ctx = ec256;
	assert_int_equal(sam_ca_csr_make(&weak, &bad, &der, &len), PP_ERR_FIELD_INVALID);
	weak.pub = rsa2048, weak.ctx = rsa2048;
	assert_int_equal(sam_ca_csr_make(&weak, &alice, &der, &len), PP_ERR_FIELD_INVALID);
	assert_null(der);
}

static void
test_matches_key_malformed(void **state)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	unsigned char *der = NULL;
	unsigned char *longer;
	size_t len;

	(void)state;
	assert_int_equal(sam_ca_cert_matches_key(junk, sizeof(junk), ec256), PP_ERR_BAD_REQUEST);
	assert_int_equal(sam_ca_cert_matches_key(NULL, 0, ec256), PP_ERR_BAD_REQUEST);
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, now, now + 60, &der, &len), PP_OK);
	assert_non_null(longer = malloc(len + 1));
	memcpy(longer, der, len);
	longer[len] = 0;
	assert_int_equal(sam_ca_cert_matches_key(longer, len + 1, ec256), PP_ERR_BAD_REQUEST);
	assert_int_equal(sam_ca_cert_matches_key(longer, len, ec256), PP_OK);
	free(longer);
	pp_free(der);
}

/* Verdict of the external check on a certificate made by ext_cert. */
static enum sam_ca_verdict
ext_verdict(EVP_PKEY *subject, EVP_PKEY *csr_key, EVP_PKEY *issuer_key, X509 *issuer, int64_t nb,
    int64_t na, const EVP_MD *md, const char *ku, const char *bc, int *legacy)
{
	unsigned char *der;
	size_t len;
	enum sam_ca_verdict v = SAM_CA_VERDICT__MAX;

	der = ext_cert(subject, issuer_key, issuer, nb, na, md, ku, bc, &len);
	*legacy = -1;
	assert_int_equal(sam_ca_check_external(der, len, csr_key, ext_pem, now, &v, legacy), PP_OK);
	OPENSSL_free(der);
	return v;
}

#define NR "critical,nonRepudiation"

static void
test_external(void **state)
{
	int legacy;
	EVP_PKEY *rogue_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	unsigned char *der, *mine = NULL;
	size_t len, mlen;
	X509 *rogue;
	enum sam_ca_verdict v;

	(void)state;
	assert_non_null(rogue_key);
	assert_non_null(k1);
	/* accepted: P-256, P-384, RSA-3072, SHA-256 or SHA-384 */
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(), NR,
	    "critical,CA:FALSE", &legacy), SAM_CA_ACCEPTED);
	assert_int_equal(legacy, 0);
	assert_int_equal(ext_verdict(ec384, ec384, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha384(),
	    "critical,nonRepudiation,digitalSignature", NULL, &legacy), SAM_CA_ACCEPTED);
	assert_int_equal(ext_verdict(rsa3072, rsa3072, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(),
	    NR, NULL, &legacy), SAM_CA_ACCEPTED);
	assert_int_equal(legacy, 0);
	/* RSA-2048: refused when recent, accepted as legacy from before 2025-12-31 */
	assert_int_equal(ext_verdict(rsa2048, rsa2048, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(),
	    NR, NULL, &legacy), SAM_CA_KEY_WEAK);
	assert_int_equal(legacy, 0);
	assert_int_equal(ext_verdict(rsa2048, rsa2048, ext_key, ext_ca, SAM_CA_RSA2048_LEGACY_END,
	    now + YEAR, EVP_sha256(), NR, NULL, &legacy), SAM_CA_KEY_WEAK);
	assert_int_equal(ext_verdict(rsa2048, rsa2048, ext_key, ext_ca, T_2024_06_01, now + YEAR,
	    EVP_sha256(), NR, NULL, &legacy), SAM_CA_ACCEPTED);
	assert_int_equal(legacy, 1);
	/* curves */
	assert_int_equal(ext_verdict(p224, p224, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(), NR,
	    NULL, &legacy), SAM_CA_CURVE);
	assert_int_equal(ext_verdict(k1, k1, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(), NR,
	    NULL, &legacy), SAM_CA_CURVE);
	/* SHA-1 and SHA-224 signatures */
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha1(), NR,
	    NULL, &legacy), SAM_CA_SIG_ALG);
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha224(), NR,
	    NULL, &legacy), SAM_CA_SIG_ALG);
	/* validity */
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, T_2023_01_01, now - 3600, EVP_sha256(),
	    NR, NULL, &legacy), SAM_CA_EXPIRED);
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now + 3600, now + YEAR, EVP_sha256(),
	    NR, NULL, &legacy), SAM_CA_NOT_YET_VALID);
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now + 120, now + YEAR, EVP_sha256(),
	    NR, NULL, &legacy), SAM_CA_ACCEPTED);
	/* another key than the CSR's */
	assert_int_equal(ext_verdict(ec256b, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(),
	    NR, NULL, &legacy), SAM_CA_KEY_MISMATCH);
	/* keyUsage */
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(),
	    "critical,digitalSignature", NULL, &legacy), SAM_CA_KEY_USAGE);
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(),
	    NULL, NULL, &legacy), SAM_CA_KEY_USAGE);
	/* a CA certificate */
	assert_int_equal(ext_verdict(ec256, ec256, ext_key, ext_ca, now - 60, now + YEAR, EVP_sha256(),
	    "critical,nonRepudiation,keyCertSign", "critical,CA:TRUE", &legacy), SAM_CA_IS_CA);
	/* same issuer name, another key: no chain */
	der = ext_cert(rogue_key, rogue_key, NULL, T_2020_01_01, now + YEAR, EVP_sha256(),
	    "critical,keyCertSign", "critical,CA:TRUE", &len);
	rogue = parse(der, len);
	OPENSSL_free(der);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(rogue), X509_get_subject_name(ext_ca)), 0);
	assert_int_equal(ext_verdict(ec256, ec256, rogue_key, rogue, now - 60, now + YEAR, EVP_sha256(), NR,
	    NULL, &legacy), SAM_CA_UNTRUSTED);
	assert_int_equal(legacy, 0);
	X509_free(rogue);
	/* a certificate of the built-in CA does not chain to the external one */
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, now - 60, now + YEAR, &mine, &mlen), PP_OK);
	assert_int_equal(sam_ca_check_external(mine, mlen, ec256, ext_pem, now, &v, NULL), PP_OK);
	assert_int_equal(v, SAM_CA_UNTRUSTED);
	/* malformed input */
	assert_int_equal(sam_ca_check_external(mine, mlen - 1, ec256, ext_pem, now, &v, NULL), PP_OK);
	assert_int_equal(v, SAM_CA_MALFORMED);
	assert_int_equal(sam_ca_check_external(mine, SAM_CA_DER_MAX + 1, ec256, ext_pem, now, &v, NULL),
	    PP_OK);
	assert_int_equal(v, SAM_CA_MALFORMED);
	/* an unreadable CA file is a configuration fault, not a verdict */
	v = SAM_CA_VERDICT__MAX;
	assert_int_equal(sam_ca_check_external(mine, mlen, ec256, "/nonexistent/ca.pem", now, &v, NULL),
	    PP_ERR_CONFIG);
	assert_int_equal(v, SAM_CA_VERDICT__MAX);
	pp_free(mine);
	EVP_PKEY_free(rogue_key);
	EVP_PKEY_free(k1);
}

/* Validity and serial of a certificate, as the SAM stores them for an
 * uploaded one (and as the expiry sweep then reads not_after). */
static void
test_cert_facts(void **state)
{
	unsigned char *der = NULL;
	size_t len;
	int64_t nb = 0, na = 0;
	char serial[65], small[8];
	X509 *x;
	BIGNUM *bn;
	char *hex;

	(void)state;
	assert_int_equal(sam_ca_issue(ca, ec256, &alice, T_2024_06_01, T_2024_06_01 + 5, &der, &len), PP_OK);
	assert_int_equal(sam_ca_cert_facts(der, len, &nb, &na, serial, sizeof(serial)), PP_OK);
	assert_int_equal(nb, T_2024_06_01);
	assert_int_equal(na, T_2024_06_01 + 5);
	x = parse(der, len);
	assert_non_null(bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL));
	assert_non_null(hex = BN_bn2hex(bn));
	assert_int_equal(strlen(serial), strlen(hex));
	assert_int_equal(strcasecmp(serial, hex), 0);
	for (size_t i = 0; serial[i]; i++)
		assert_true((serial[i] >= '0' && serial[i] <= '9') || (serial[i] >= 'a' && serial[i] <= 'f'));
	/* the serial is optional; too small a buffer is refused */
	assert_int_equal(sam_ca_cert_facts(der, len, &nb, &na, NULL, 0), PP_OK);
	assert_int_equal(sam_ca_cert_facts(der, len, &nb, &na, small, sizeof(small)), PP_ERR_BAD_REQUEST);
	/* not one whole certificate */
	assert_int_equal(sam_ca_cert_facts(der, len - 1, &nb, &na, serial, sizeof(serial)), PP_ERR_BAD_REQUEST);
	assert_int_equal(sam_ca_cert_facts(der, 0, &nb, &na, serial, sizeof(serial)), PP_ERR_BAD_REQUEST);
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	pp_free(der);
}

static void
test_verdict_text(void **state)
{
	(void)state;
	for (int v = 0; v < SAM_CA_VERDICT__MAX; v++) {
		assert_non_null(sam_ca_verdict_text((enum sam_ca_verdict)v));
		assert_true(strlen(sam_ca_verdict_text((enum sam_ca_verdict)v)) > 5);
	}
	assert_string_equal(sam_ca_verdict_text(SAM_CA_VERDICT__MAX), "unknown verdict");
}

/* Every allocation of the module fails in turn: a clean PP_ERR_NOMEM and
 * nothing left behind (the sanitizer build checks for leaks), then success. */
static void
test_alloc_failure(void **state)
{
	struct sam_ca_signer s = { .pub = ca_key, .fn = sign_evp, .ctx = ca_key };
	struct sam_ca_signer cs = { .pub = ec256, .fn = sign_evp, .ctx = ec256 };
	struct sam_ca_profile prof = { .policy_oid = POLICY, .crl_url = CRL_URL };
	struct sam_ca_ca_name name = { .country = "FR", .organization = "O", .common_name = "CN" };
	unsigned char *der;
	size_t len;
	struct sam_ca *c;
	enum pp_err rc;
	long n;

	(void)state;
	for (int op = 0; op < 4; op++) {
		for (n = 0; n < 10; n++) {
			der = NULL;
			c = NULL;
			pp_mem_fail_after(n);
			switch (op) {
			case 0:
				rc = sam_ca_issue(ca, ec256, &alice, now, now + 60, &der, &len);
				break;
			case 1:
				rc = sam_ca_csr_make(&cs, &alice, &der, &len);
				break;
			case 2:
				rc = sam_ca_root_make(&s, &name, now, now + 60, &der, &len);
				break;
			default:
				rc = sam_ca_new(ca_der, ca_len, &s, &prof, &c);
				break;
			}
			pp_mem_fail_after(-1);
			if (rc == PP_OK)
				break;
			assert_int_equal(rc, PP_ERR_NOMEM);
			assert_null(der);
			assert_null(c);
		}
		/* signature buffer and output (one for sam_ca_new) */
		assert_int_equal(n, op == 3 ? 1 : 2);
		pp_free(der);
		sam_ca_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_issue_ec256),
		cmocka_unit_test(test_issue_ec384),
		cmocka_unit_test(test_issue_ec521),
		cmocka_unit_test(test_issue_rsa3072),
		cmocka_unit_test(test_rsa_ca),
		cmocka_unit_test(test_ephemeral),
		cmocka_unit_test(test_serials_differ),
		cmocka_unit_test(test_issue_refused),
		cmocka_unit_test(test_new_refused),
		cmocka_unit_test(test_signer_failure),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_matches_key_malformed),
		cmocka_unit_test(test_external),
		cmocka_unit_test(test_cert_facts),
		cmocka_unit_test(test_verdict_text),
		cmocka_unit_test_teardown(test_alloc_failure, pp_test_alloc_reset),
	};

	pp_log_open("test_sam_ca", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
