/*
 * pp_cert: the client certificate nginx passes, checked by the plugin
 * itself, and the per-process memory of certificates already checked: the
 * same outcome the second time, the validity period checked again on every
 * request, a refused certificate never remembered, another listener's
 * issuers never matched.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "pp_cert.h"
#include "pp_mem.h"

static EVP_PKEY *
key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

/* A certificate for cn with key k, signed by (ca, cakey) or self-signed,
 * valid from now - 60 s for secs seconds. */
static X509 *
cert(const char *cn, EVP_PKEY *k, X509 *ca, EVP_PKEY *cakey, long secs, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"Test", -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : n), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), secs));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, cakey ? cakey : k, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

/* The PEM of x, URL-encoded as nginx's $ssl_client_escaped_cert. */
static char *
escaped(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out, *o;
	long len;

	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	len = BIO_get_mem_data(b, &p);
	size_t cap = (size_t)len * 3 + 1;
	out = o = malloc(cap);
	assert_non_null(out);
	for (long i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			*o++ = (char)c;
		else
			o += snprintf(o, cap - (size_t)(o - out), "%%%02X", c);
	}
	*o = '\0';
	BIO_free(b);
	return out;
}

static char *
ca_file(X509 *ca)
{
	char *path = strdup("/tmp/pp-test-cert-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, ca), 1);
	fclose(f);
	return path;
}

static void
test_check_and_remember(void **state)
{
	EVP_PKEY *cak = key(), *ck = key(), *ok = key(), *sk = key(), *k2 = key();
	X509 *ca = cert("Test CA", cak, NULL, NULL, 3600, 1), *other = cert("Other CA", ok, NULL, NULL, 3600, 2);
	X509 *c = cert("client", ck, ca, cak, 3600, 10), *alien = cert("alien", sk, other, ok, 3600, 11);
	X509 *brief = cert("brief", k2, ca, cak, 2, 12);
	char *caf = ca_file(ca), *otherf = ca_file(other), *e = escaped(c), *ea = escaped(alien);
	char *eb = escaped(brief), sha[65];
	struct pp_cert_issuers *iss = NULL, *iss2 = NULL;
	struct pp_client_cert out, out2;
	struct pp_pool *pool = NULL;

	(void)state;
	assert_int_equal(pp_pool_new(&pool), PP_OK);
	assert_int_equal(pp_cert_issuers_load(caf, &iss), PP_OK);
	assert_int_equal(pp_cert_issuers_load(otherf, &iss2), PP_OK);

	/* Checked, then the same answer from memory. */
	assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", e, &out), PP_OK);
	assert_true(out.present);
	assert_string_equal(out.subject, "O=Test,CN=client");
	assert_string_equal(out.issuer, "O=Test,CN=Test CA");
	assert_string_equal(out.serial, "0A");
	assert_int_equal(strlen(out.sha256), 64);
	memcpy(sha, out.sha256, sizeof(sha));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", e, &out2), PP_OK);
		assert_true(out2.present);
		assert_string_equal(out2.subject, out.subject);
		assert_string_equal(out2.common_name, "client");
		assert_string_equal(out2.serial, "0A");
		assert_string_equal(out2.sha256, sha);
	}
	/* nginx's verdict still counts on every request. */
	assert_int_equal(pp_cert_check(pool, iss, "FAILED:certificate revoked", e, &out2), PP_ERR_CLIENT_CERT);
	assert_false(out2.present);
	/* Remembered for these issuers only: another listener refuses it. */
	assert_int_equal(pp_cert_check(pool, iss2, "SUCCESS", e, &out2), PP_ERR_CLIENT_CERT);
	/* A certificate of another CA is refused, every time. */
	assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", ea, &out2), PP_ERR_CLIENT_CERT);
	assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", ea, &out2), PP_ERR_CLIENT_CERT);
	/* Accepted while valid, refused once it expired though remembered. */
	assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", eb, &out2), PP_OK);
	sleep(3);
	assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", eb, &out2), PP_ERR_CLIENT_CERT);
	assert_false(out2.present);
	/* Memory is bounded: many certificates, each still checked right. */
	for (long i = 0; i < 20; i++) {
		X509 *x = cert("many", ck, ca, cak, 3600, 100 + i);
		char *ex = escaped(x);
		assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", ex, &out2), PP_OK);
		assert_string_equal(out2.common_name, "many");
		free(ex);
		X509_free(x);
	}
	assert_int_equal(pp_cert_check(pool, iss, "SUCCESS", e, &out2), PP_OK);
	assert_string_equal(out2.sha256, sha);

	pp_pool_free(pool);
	pp_cert_issuers_free(iss);
	pp_cert_issuers_free(iss2);
	unlink(caf);
	unlink(otherf);
	free(caf);
	free(otherf);
	free(e);
	free(ea);
	free(eb);
	X509_free(ca);
	X509_free(other);
	X509_free(c);
	X509_free(alien);
	X509_free(brief);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(ok);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(k2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_and_remember),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
