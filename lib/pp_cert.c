#include "config.h"
#include <string.h>
#include <time.h>
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

/*
 * Certificates already checked by this process.  Parsing a PEM certificate
 * goes through OpenSSL 3's decoder machinery and costs more than the rest
 * of an API request; an SCA sends the same certificate on every request.
 * So the outcome of the checks that depend only on the certificate bytes
 * and the issuers (issuer, fingerprint, names, serial) is kept, keyed by the
 * SHA-256 of the exact string nginx passed and the issuers it was checked
 * against; the validity period is checked again on every request from the
 * times kept.  Per process (the FastCGI workers are single-threaded), a
 * few entries replaced in turn; a refused certificate is never kept.
 */
#define PP_CERT_CACHE 8

struct pp_cert_cent {
	const struct pp_cert_issuers *iss;	/* NULL: free */
	unsigned char key[32];
	time_t not_before, not_after;
	struct pp_client_cert c;		/* strings malloc'd */
};

static struct pp_cert_cent pp_cert_cache[PP_CERT_CACHE];
static size_t pp_cert_cache_next;

static void
pp_cert_cent_clear(struct pp_cert_cent *e)
{
	free((char *)e->c.subject);
	free((char *)e->c.common_name);
	free((char *)e->c.serial);
	free((char *)e->c.issuer);
	memset(e, 0, sizeof(*e));
}

static int
pp_cert_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	*out = timegm(&tm);
	return 1;
}

/* Keeps a certificate that passed every check (best effort: a failure only
 * means it is parsed again next time). */
static void
pp_cert_cache_put(const struct pp_cert_issuers *iss, const unsigned char key[32], const X509 *cert,
    const struct pp_client_cert *c)
{
	struct pp_cert_cent *e = &pp_cert_cache[pp_cert_cache_next];

	pp_cert_cent_clear(e);
	if (!pp_cert_time(X509_get0_notBefore(cert), &e->not_before) ||
	    !pp_cert_time(X509_get0_notAfter(cert), &e->not_after))
		return;
	e->c = *c;
	e->c.subject = strdup(c->subject);
	e->c.common_name = strdup(c->common_name);
	e->c.serial = strdup(c->serial);
	e->c.issuer = strdup(c->issuer);
	if (e->c.subject == NULL || e->c.common_name == NULL || e->c.serial == NULL || e->c.issuer == NULL) {
		pp_cert_cent_clear(e);
		return;
	}
	memcpy(e->key, key, 32);
	e->iss = iss;
	pp_cert_cache_next = (pp_cert_cache_next + 1) % PP_CERT_CACHE;
}

/* A kept certificate: 1 and *out filled (pool copies) when found, still
 * valid now; 0 when not kept; -1 when kept but outside its validity. */
static int
pp_cert_cache_get(struct pp_pool *pool, const struct pp_cert_issuers *iss, const unsigned char key[32],
    struct pp_client_cert *out)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < PP_CERT_CACHE; i++) {
		struct pp_cert_cent *e = &pp_cert_cache[i];
		if (e->iss != iss || memcmp(e->key, key, 32) != 0)
			continue;
		if (now < e->not_before || now >= e->not_after)
			return -1;
		*out = e->c;
		out->subject = pp_pool_strdup(pool, e->c.subject);
		out->common_name = pp_pool_strdup(pool, e->c.common_name);
		out->serial = pp_pool_strdup(pool, e->c.serial);
		out->issuer = pp_pool_strdup(pool, e->c.issuer);
		if (out->subject == NULL || out->common_name == NULL || out->serial == NULL ||
		    out->issuer == NULL)
			return 0;
		return 1;
	}
	return 0;
}

enum pp_err
pp_cert_check(struct pp_pool *pool, const struct pp_cert_issuers *iss, const char *verify,
    const char *escaped_pem, struct pp_client_cert *out)
{
	unsigned char key[32];
	int kept;
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
	if (EVP_Digest(escaped_pem, elen, key, NULL, EVP_sha256(), NULL) != 1)
		return PP_ERR_INTERNAL;
	if ((kept = pp_cert_cache_get(pool, iss, key, out)) == 1)
		return PP_OK;
	if (kept < 0) {
		pp_info_log("client certificate outside its validity period");
		memset(out, 0, sizeof(*out));
		return PP_ERR_CLIENT_CERT;
	}
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
	pp_cert_cache_put(iss, key, cert, out);
done:
	X509_free(cert);
	if (rc != PP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
