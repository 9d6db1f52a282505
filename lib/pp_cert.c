#include "config.h"
#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "pp_cert.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_util.h"

#define PP_CERT_MAX_PEM (16 * 1024)
#define PP_CERT_MAX_ISSUERS 16

struct pp_cert_issuers {
	X509 *ca[PP_CERT_MAX_ISSUERS];
	size_t n;
};

void
pp_cert_issuers_free(struct pp_cert_issuers *iss)
{
	if (iss == NULL)
		return;
	for (size_t i = 0; i < iss->n; i++)
		X509_free(iss->ca[i]);
	pp_free(iss);
}

enum pp_err
pp_cert_issuers_load(const char *path, struct pp_cert_issuers **out)
{
	struct pp_cert_issuers *iss;
	BIO *b;
	X509 *x;

	iss = pp_calloc(1, sizeof(*iss));
	if (iss == NULL)
		return PP_ERR_NOMEM;
	b = BIO_new_file(path, "r");
	if (b == NULL) {
		pp_err_log("cannot read issuing CA file %s", path);
		pp_free(iss);
		return PP_ERR_CONFIG;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (iss->n == PP_CERT_MAX_ISSUERS) {
			pp_err_log("%s holds more than %d CA certificates", path, PP_CERT_MAX_ISSUERS);
			X509_free(x);
			BIO_free(b);
			pp_cert_issuers_free(iss);
			return PP_ERR_CONFIG;
		}
		iss->ca[iss->n++] = x;
	}
	ERR_clear_error();
	BIO_free(b);
	if (iss->n == 0) {
		pp_err_log("no certificate in issuing CA file %s", path);
		pp_free(iss);
		return PP_ERR_CONFIG;
	}
	*out = iss;
	return PP_OK;
}

static char *
pp_cert_name(struct pp_pool *pool, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long n;

	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n >= 0)
			s = pp_pool_strndup(pool, p, (size_t)n);
	}
	BIO_free(b);
	return s;
}

static char *
pp_cert_cn(struct pp_pool *pool, const X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	char *s = NULL;
	int n;

	if (i < 0)
		return pp_pool_strdup(pool, "");
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (n < 0)
		return NULL;
	s = pp_pool_strndup(pool, (char *)utf8, (size_t)n);
	OPENSSL_free(utf8);
	return s;
}

static const X509 *
pp_cert_issuer_of(const struct pp_cert_issuers *iss, X509 *cert)
{
	for (size_t i = 0; i < iss->n; i++) {
		if (X509_check_issued(iss->ca[i], cert) != X509_V_OK)
			continue;
		EVP_PKEY *k = X509_get0_pubkey(iss->ca[i]);
		if (k != NULL && X509_verify(cert, k) == 1)
			return iss->ca[i];
	}
	return NULL;
}

enum pp_err
pp_cert_check(struct pp_pool *pool, const struct pp_cert_issuers *iss, const char *verify,
    const char *escaped_pem, struct pp_client_cert *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *pem = NULL;
	size_t pemlen = 0, elen;
	X509 *cert = NULL;
	BIO *b = NULL;
	enum pp_err rc = PP_ERR_CLIENT_CERT;

	memset(out, 0, sizeof(*out));
	elen = escaped_pem ? strlen(escaped_pem) : 0;
	if ((verify == NULL || *verify == '\0' || strcmp(verify, "NONE") == 0) && elen == 0)
		return PP_OK;
	if (verify == NULL || strcmp(verify, "SUCCESS") != 0 || elen == 0 ||
	    elen > PP_CERT_MAX_PEM || iss == NULL)
		return PP_ERR_CLIENT_CERT;
	pem = pp_pool_alloc(pool, elen + 1);
	if (pem == NULL)
		return PP_ERR_NOMEM;
	if (pp_url_decode(escaped_pem, elen, pem, &pemlen) != PP_OK)
		return PP_ERR_CLIENT_CERT;
	b = BIO_new_mem_buf(pem, (int)pemlen);
	if (b == NULL)
		return PP_ERR_NOMEM;
	cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (cert == NULL)
		return PP_ERR_CLIENT_CERT;
	const X509 *ca = pp_cert_issuer_of(iss, cert);
	if (ca == NULL) {
		pp_info_log("client certificate not issued by this listener's CA");
		goto done;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0 ||
	    X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
		pp_info_log("client certificate outside its validity period");
		goto done;
	}
	if (!X509_digest(cert, EVP_sha256(), md, &mdlen) || mdlen != 32) {
		rc = PP_ERR_INTERNAL;
		goto done;
	}
	pp_hex(md, mdlen, out->sha256);
	out->subject = pp_cert_name(pool, X509_get_subject_name(cert));
	out->issuer = pp_cert_name(pool, X509_get_subject_name(ca));
	out->common_name = pp_cert_cn(pool, X509_get_subject_name(cert));
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	out->serial = hex ? pp_pool_strdup(pool, hex) : NULL;
	OPENSSL_free(hex);
	BN_free(bn);
	if (out->subject == NULL || out->issuer == NULL || out->common_name == NULL ||
	    out->serial == NULL) {
		rc = PP_ERR_NOMEM;
		goto done;
	}
	out->present = 1;
	rc = PP_OK;
done:
	X509_free(cert);
	if (rc != PP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
