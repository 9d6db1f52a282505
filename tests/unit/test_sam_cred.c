/*
 * Credentials: the closed list of key types, the sam.key_types setting
 * that withdraws some of them (SEC-6), credential ids, the decoding of an
 * external CA's certificate and chain, and the credential states the
 * schema allows (external CA, expiry), the legacy import's verdict on a
 * key (RSA 2048 by the certificate's date) and the migration that lets
 * rsa2048 rows in.  The key generation, certificate
 * binding, expiry sweep and destruction run against the real SoftHSMv2
 * token and audit daemon in tests/integration/t_sam.sh and t_cred.sh.
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
#include <arpa/inet.h>
#include <glob.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_ca.h"
#include "sam_cred.h"
#include "pp_test.h"

static void
test_key_types(void **state)
{
	enum pp_p11_keytype t;

	(void)state;
	assert_int_equal(sam_cred_key_type("ec-p256", &t), PP_OK);
	assert_int_equal(t, PP_P11_EC_P256);
	assert_int_equal(sam_cred_key_type("rsa3072", &t), PP_OK);
	assert_int_equal(t, PP_P11_RSA3072);
	assert_int_equal(sam_cred_key_type("rsa4096", &t), PP_OK);
	assert_int_equal(sam_cred_key_type("ec-p384", &t), PP_OK);
	assert_int_equal(sam_cred_key_type("ec-p521", &t), PP_OK);
	assert_int_equal(t, PP_P11_EC_P521);
	/* RSA 2048: a type of imported legacy credentials only. */
	assert_int_equal(sam_cred_key_type("rsa2048", &t), PP_OK);
	assert_int_equal(t, PP_P11_RSA2048);
	assert_string_equal(sam_cred_key_type_name(PP_P11_RSA2048), "rsa2048");
	/* Weaker or unknown: refused. */
	assert_int_equal(sam_cred_key_type("rsa1024", &t), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_key_type("EC-P256", &t), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_key_type("ec-p256 ", &t), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_key_type("", &t), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_key_type(NULL, &t), PP_ERR_FIELD_INVALID);
	for (int i = 0; i < PP_P11_KEYTYPE__MAX; i++) {
		assert_int_equal(sam_cred_key_type(sam_cred_key_type_name((enum pp_p11_keytype)i), &t), PP_OK);
		assert_int_equal(t, i);
	}
}

static void
test_key_types_setting(void **state)
{
	unsigned m;

	(void)state;
	assert_int_equal(sam_cred_key_types_parse("rsa3072 rsa4096 ec-p256 ec-p384 ec-p521", &m), PP_OK);
	assert_int_equal(m, ((1u << PP_P11_KEYTYPE__MAX) - 1) & ~(1u << PP_P11_RSA2048));
	/* never for new credentials, even alone */
	assert_int_equal(sam_cred_key_types_parse("rsa2048", &m), PP_ERR_CONFIG);
	assert_int_equal(m, 0);
	/* in force for signing: while rsa3072 is */
	assert_int_equal(sam_cred_key_types_in_force(1u << PP_P11_RSA3072),
	    (1u << PP_P11_RSA3072) | (1u << PP_P11_RSA2048));
	assert_int_equal(sam_cred_key_types_in_force((1u << PP_P11_RSA4096) | (1u << PP_P11_EC_P256)),
	    (1u << PP_P11_RSA4096) | (1u << PP_P11_EC_P256));
	assert_int_equal(sam_cred_key_types_parse("  ec-p384\trsa4096 ", &m), PP_OK);
	assert_int_equal(m, (1u << PP_P11_EC_P384) | (1u << PP_P11_RSA4096));
	assert_int_equal(sam_cred_key_types_parse("ec-p256 rsa2048", &m), PP_ERR_CONFIG);
	assert_int_equal(m, 0);
	assert_int_equal(sam_cred_key_types_parse("", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_cred_key_types_parse("   ", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_cred_key_types_parse("ec-p256,ec-p384", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_cred_key_types_parse("ec-p256-and-a-very-long-name", &m), PP_ERR_CONFIG);
}

static void
test_ids(void **state)
{
	(void)state;
	assert_true(sam_cred_id_ok("0123456789abcdef0123456789abcdef"));
	assert_false(sam_cred_id_ok("0123456789ABCDEF0123456789abcdef"));
	assert_false(sam_cred_id_ok("0123456789abcdef0123456789abcde"));
	assert_false(sam_cred_id_ok("0123456789abcdef0123456789abcdef0"));
	assert_false(sam_cred_id_ok("0123456789abcdef0123456789abcdeg"));
	assert_false(sam_cred_id_ok(""));
	assert_false(sam_cred_id_ok(NULL));
}

/* ------------------------------------------------------------------ certificates */

/* A self-signed EC P-256 certificate named cn.  OUT *der (OPENSSL_malloc),
 * *len; *pem (malloc'd, NUL-terminated). */
static void
mkcert(const char *cn, unsigned char **der, size_t *len, char **pem)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int dl;

	assert_non_null(k);
	assert_non_null(x);
	assert_non_null(b);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	*der = NULL;
	assert_true((dl = i2d_X509(x, der)) > 0);
	*len = (size_t)dl;
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	n = BIO_get_mem_data(b, &p);
	assert_true(n > 0);
	assert_non_null(*pem = malloc((size_t)n + 1));
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
test_ca_mode(void **state)
{
	int ext = -1;

	(void)state;
	assert_int_equal(sam_cred_ca_mode(NULL, &ext), PP_OK);
	assert_int_equal(ext, 0);
	assert_int_equal(sam_cred_ca_mode("builtin", &ext), PP_OK);
	assert_int_equal(ext, 0);
	assert_int_equal(sam_cred_ca_mode("external", &ext), PP_OK);
	assert_int_equal(ext, 1);
	assert_int_equal(sam_cred_ca_mode("External", &ext), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_ca_mode("", &ext), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_ca_mode("external ", &ext), PP_ERR_FIELD_INVALID);
}

static void
test_cert_decode(void **state)
{
	unsigned char *d1, *d2, out[8192], tmp[8192];
	size_t l1, l2, len;
	char *p1, *p2, b64[12000], text[16000];

	(void)state;
	mkcert("one", &d1, &l1, &p1);
	mkcert("two", &d2, &l2, &p2);
	/* PEM, with or without its final line break, and trailing blanks */
	assert_int_equal(sam_cred_cert_decode(p1, out, sizeof(out), &len), PP_OK);
	assert_int_equal(len, l1);
	assert_memory_equal(out, d1, l1);
	assert_true(strlen(p1) < sizeof(text));
	memcpy(text, p1, strlen(p1) + 1);
	assert_int_equal(text[strlen(text) - 1], '\n');
	text[strlen(text) - 1] = '\0';
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_OK);
	snprintf(text, sizeof(text), "%s \r\n\n", p1);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_OK);
	assert_int_equal(len, l1);
	/* base64 of the DER */
	pp_b64_encode(d1, l1, b64);
	assert_int_equal(sam_cred_cert_decode(b64, out, sizeof(out), &len), PP_OK);
	assert_int_equal(len, l1);
	assert_memory_equal(out, d1, l1);
	/* refused: two certificates, trailing bytes, a leading blank, a line
	 * break in the base64, a DER with a byte more or less, too small a
	 * buffer, nothing */
	snprintf(text, sizeof(text), "%s%s", p1, p2);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(len, 0);
	snprintf(text, sizeof(text), "%sx", p1);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	snprintf(text, sizeof(text), " %s", p1);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	snprintf(text, sizeof(text), "%.10s\n%s", b64, b64 + 10);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	memcpy(tmp, d1, l1);
	tmp[l1] = 0;
	pp_b64_encode(tmp, l1 + 1, text);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	pp_b64_encode(tmp, l1 - 1, text);
	assert_int_equal(sam_cred_cert_decode(text, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_cert_decode(p1, out, l1 - 1, &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_cert_decode(b64, out, l1 - 1, &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_cert_decode("", out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_cert_decode(NULL, out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_cert_decode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	    out, sizeof(out), &len), PP_ERR_FIELD_INVALID);
	OPENSSL_free(d1);
	OPENSSL_free(d2);
	free(p1);
	free(p2);
}

static void
test_chain_decode(void **state)
{
	unsigned char *d[5], out[SAM_CRED_CHAIN_MAX];
	size_t l[5], len, count;
	char *p[5], text[16384];

	(void)state;
	for (int i = 0; i < 5; i++)
		mkcert(i % 2 ? "odd" : "even", &d[i], &l[i], &p[i]);
	/* one, two (blank lines between), four */
	assert_int_equal(sam_cred_chain_decode(p[0], out, sizeof(out), &len, &count), PP_OK);
	assert_int_equal(count, 1);
	assert_int_equal(len, l[0]);
	snprintf(text, sizeof(text), "%s\n\n%s", p[0], p[1]);
	assert_int_equal(sam_cred_chain_decode(text, out, sizeof(out), &len, &count), PP_OK);
	assert_int_equal(count, 2);
	assert_int_equal(len, l[0] + l[1]);
	assert_memory_equal(out, d[0], l[0]);
	assert_memory_equal(out + l[0], d[1], l[1]);
	/* the stored chain splits back into its certificates */
	assert_int_equal(sam_cred_der_next(out, len), l[0]);
	assert_int_equal(sam_cred_der_next(out + l[0], len - l[0]), l[1]);
	assert_int_equal(sam_cred_der_next(out + 1, len - 1), 0);
	assert_int_equal(sam_cred_der_next(out, 0), 0);
	snprintf(text, sizeof(text), "%s%s%s%s", p[0], p[1], p[2], p[3]);
	assert_int_equal(sam_cred_chain_decode(text, out, sizeof(out), &len, &count), PP_OK);
	assert_int_equal(count, SAM_CRED_CHAIN_CERTS);
	/* refused: five, garbage between, not a certificate, too small a
	 * buffer, base64 DER (the chain is PEM), empty */
	snprintf(text, sizeof(text), "%s%s%s%s%s", p[0], p[1], p[2], p[3], p[4]);
	assert_int_equal(sam_cred_chain_decode(text, out, sizeof(out), &len, &count), PP_ERR_FIELD_INVALID);
	assert_int_equal(count, 0);
	assert_int_equal(len, 0);
	snprintf(text, sizeof(text), "%s-\n%s", p[0], p[1]);
	assert_int_equal(sam_cred_chain_decode(text, out, sizeof(out), &len, &count), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_chain_decode("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	    out, sizeof(out), &len, &count), PP_ERR_FIELD_INVALID);
	snprintf(text, sizeof(text), "%s%s", p[0], p[1]);
	assert_int_equal(sam_cred_chain_decode(text, out, l[0] + l[1] - 1, &len, &count), PP_ERR_FIELD_INVALID);
	pp_b64_encode(d[0], l[0], text);
	assert_int_equal(sam_cred_chain_decode(text, out, sizeof(out), &len, &count), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_chain_decode("  \n", out, sizeof(out), &len, &count), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_cred_chain_decode(NULL, out, sizeof(out), &len, &count), PP_ERR_FIELD_INVALID);
	for (int i = 0; i < 5; i++) {
		OPENSSL_free(d[i]);
		free(p[i]);
	}
}

/* ------------------------------------------------------------------ states in the schema */

static struct pp_store *
open_sam_db(char dir[64])
{
	const struct pp_migration *m;
	struct pp_store *st = NULL;
	char path[128];
	size_t n;

	snprintf(dir, 64, "/tmp/pp-cred.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sam.db", dir);
	m = pp_schema_migrations("sam", &n);
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, n, &st), PP_OK);
	return st;
}

static enum pp_err
row(struct pp_store *st, const char *id, const char *key_id, const char *ca)
{
	struct pp_val b[3] = { PP_VAL_S(id), PP_VAL_S(key_id), PP_VAL_S(ca) };

	return pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id, state,"
	    " created_ms, updated_ms, ca) VALUES (?, 'sig-1', 'CN=SCA', 'ec-p256', ?, 'PENDING', 1, 1, ?)",
	    b, 3, NULL, NULL, NULL);
}

static enum pp_err
set_state(struct pp_store *st, const char *id, const char *state)
{
	struct pp_val b[2] = { PP_VAL_S(state), PP_VAL_S(id) };

	return pp_store_exec(st, "UPDATE credentials SET state = ? WHERE id = ?", b, 2, NULL, NULL, NULL);
}

static enum pp_err
count_row(void *arg, const struct pp_val *c, size_t n)
{
	assert_int_equal(n, 1);
	*(int64_t *)arg = c[0].i;
	return PP_OK;
}

/* What the external CA and the sweep rely on: the ca column and its
 * default, a PENDING row that waits (csr set), ACTIVE -> EXPIRED only,
 * EXPIRED final but for DESTROYED, PENDING -> DESTROYED (abandoned). */
static void
test_schema_states(void **state)
{
	char dir[64];
	struct pp_store *st = open_sam_db(dir);
	int64_t n = -1;
	struct pp_val b[1] = { PP_VAL_S("c1") };
	unsigned char csr[4] = { 0x30, 0x02, 0x05, 0x00 };
	struct pp_val bc[2] = { { .type = PP_VAL_BLOB, .p = csr, .len = sizeof(csr) }, PP_VAL_S("c2") };

	(void)state;
	/* the default: builtin; anything but builtin or external refused */
	assert_int_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms) VALUES ('c1', 's', 'CN=SCA', 'ec-p256',"
	    " '00000000000000000000000000000001', 'PENDING', 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM credentials WHERE id = ? AND ca = 'builtin'"
	    " AND csr IS NULL AND chain IS NULL", b, 1, count_row, &n, NULL), PP_OK);
	assert_int_equal(n, 1);
	assert_int_not_equal(row(st, "c9", "00000000000000000000000000000009", "other"), PP_OK);
	/* an external credential waiting for its certificate */
	assert_int_equal(row(st, "c2", "00000000000000000000000000000002", "external"), PP_OK);
	assert_int_equal(pp_store_exec(st, "UPDATE credentials SET csr = ? WHERE id = ?", bc, 2, NULL, NULL,
	    NULL), PP_OK);
	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM credentials WHERE state = 'PENDING'"
	    " AND csr IS NULL", NULL, 0, count_row, &n, NULL), PP_OK);
	assert_int_equal(n, 1);	/* only c1 would be cleaned up at start */
	/* ACTIVE needs its certificate */
	assert_int_not_equal(set_state(st, "c2", "ACTIVE"), PP_OK);
	assert_int_equal(pp_store_exec(st, "UPDATE credentials SET state = 'ACTIVE', certificate = x'3000',"
	    " serial = '01', not_before = 1, not_after = 2 WHERE id = 'c2'", NULL, 0, NULL, NULL, NULL), PP_OK);
	/* not PENDING -> EXPIRED; ACTIVE -> EXPIRED; never back */
	assert_int_not_equal(set_state(st, "c1", "EXPIRED"), PP_OK);
	assert_int_equal(set_state(st, "c2", "EXPIRED"), PP_OK);
	assert_int_not_equal(set_state(st, "c2", "ACTIVE"), PP_OK);
	assert_int_not_equal(set_state(st, "c2", "REVOKED"), PP_OK);
	assert_int_not_equal(set_state(st, "c2", "PENDING"), PP_OK);
	assert_int_equal(set_state(st, "c2", "DESTROYED"), PP_OK);
	/* a pending credential abandoned */
	assert_int_equal(set_state(st, "c1", "DESTROYED"), PP_OK);
	assert_int_not_equal(set_state(st, "c1", "ACTIVE"), PP_OK);
	pp_store_close(st);
	assert_int_equal(pp_test_rmtree(dir), 0);
}

/* ------------------------------------------------------------------ legacy import */

/* The import's verdict on a key found in the token: its protection, its
 * algorithm and size, and RSA 2048 only with a certificate issued before
 * 2025-12-31T00:00:00Z, on either side of the cut-off. */
static void
test_import_check(void **state)
{
	const int64_t t_2025_06_01 = 1748736000, t_2026_01_10 = 1768003200;
	unsigned all = sam_cred_key_types_in_force((1u << PP_P11_RSA3072) | (1u << PP_P11_RSA4096) |
	    (1u << PP_P11_EC_P256) | (1u << PP_P11_EC_P384) | (1u << PP_P11_EC_P521));
	struct pp_p11_key_attrs a = { .kind = PP_P11_KIND_RSA, .bits = 2048, .sensitive = 1, .sign = 1 };
	enum pp_p11_keytype t;
	const char *why;

	(void)state;
	assert_int_equal(SAM_CA_RSA2048_LEGACY_END, 1767139200);	/* 2025-12-31T00:00:00Z */
	/* RSA 2048: the date decides. */
	sam_cred_import_check(&a, t_2025_06_01, all, &t, &why);
	assert_null(why);
	assert_int_equal(t, PP_P11_RSA2048);
	sam_cred_import_check(&a, SAM_CA_RSA2048_LEGACY_END - 1, all, &t, &why);
	assert_null(why);
	assert_int_equal(t, PP_P11_RSA2048);
	sam_cred_import_check(&a, SAM_CA_RSA2048_LEGACY_END, all, &t, &why);
	assert_string_equal(why, SAM_CRED_RSA2048_REFUSAL);
	assert_int_equal(t, PP_P11_KEYTYPE__MAX);
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_string_equal(why, "RSA 2048 is accepted only for certificates issued before 2025-12-31");
	/* withdrawn with rsa3072 */
	sam_cred_import_check(&a, t_2025_06_01, all & ~(1u << PP_P11_RSA3072) & ~(1u << PP_P11_RSA2048), &t, &why);
	assert_non_null(strstr(why, "withdrawn"));
	/* The protection attributes, whatever the algorithm. */
	a.bits = 3072;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_null(why);
	assert_int_equal(t, PP_P11_RSA3072);
	a.extractable = 1;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_string_equal(why, "key_id: the private key is extractable (CKA_EXTRACTABLE must be false)");
	a.extractable = 0;
	a.sensitive = 0;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_string_equal(why, "key_id: the private key is not sensitive (CKA_SENSITIVE must be true)");
	a.sensitive = 1;
	a.sign = 0;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_string_equal(why, "key_id: the private key may not sign (CKA_SIGN must be true)");
	assert_int_equal(t, PP_P11_KEYTYPE__MAX);
	a.sign = 1;
	/* Sizes: below 2048 and odd sizes refused, whatever the date. */
	a.bits = 1024;
	sam_cred_import_check(&a, t_2025_06_01, all, &t, &why);
	assert_non_null(why);
	assert_non_null(strstr(why, "RSA key too short"));
	a.bits = 2047;
	sam_cred_import_check(&a, t_2025_06_01, all, &t, &why);
	assert_non_null(strstr(why, "RSA key too short"));
	a.bits = 3584;
	sam_cred_import_check(&a, t_2025_06_01, all, &t, &why);
	assert_non_null(strstr(why, "not supported"));
	a.bits = 4096;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_null(why);
	assert_int_equal(t, PP_P11_RSA4096);
	/* withdrawn by sam.key_types */
	sam_cred_import_check(&a, t_2026_01_10, all & ~(1u << PP_P11_RSA4096), &t, &why);
	assert_string_equal(why, "key_id: this key algorithm is withdrawn by the service (sam.key_types)");
	/* EC: the three curves; another curve (P-224: 0 bits) refused. */
	a.kind = PP_P11_KIND_EC;
	a.bits = 256;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_null(why);
	assert_int_equal(t, PP_P11_EC_P256);
	a.bits = 521;
	sam_cred_import_check(&a, t_2026_01_10, all, &t, &why);
	assert_int_equal(t, PP_P11_EC_P521);
	a.bits = 0;
	sam_cred_import_check(&a, t_2025_06_01, all, &t, &why);
	assert_string_equal(why, "key_id: EC curve not accepted (P-256, P-384 or P-521 only)");
	a.kind = PP_P11_KIND_OTHER;
	a.bits = 0;
	sam_cred_import_check(&a, t_2025_06_01, all, &t, &why);
	assert_string_equal(why, "key_id: the key is neither RSA nor EC");
}

static void
names_row_cb(void *arg, const char *name)
{
	char *out = arg;

	strncat(out, name, 1023 - strlen(out));
	strncat(out, " ", 1023 - strlen(out));
}

static enum pp_err
text_row(void *arg, const struct pp_val *c, size_t n)
{
	char buf[128];

	assert_int_equal(n, 1);
	assert_true(c[0].type == PP_VAL_TEXT && c[0].len < sizeof(buf));
	memcpy(buf, c[0].p, c[0].len);
	buf[c[0].len] = '\0';
	names_row_cb(arg, buf);
	return PP_OK;
}

/* Migration 6 rebuilds the credentials table: a database of version 5
 * holding rows of every kind keeps them all, byte for byte, with its
 * indexes and the transition trigger, and then takes rsa2048 for an
 * external credential certified before 2025-12-31 only. */
static void
test_schema_migration_rsa2048(void **state)
{
	const struct pp_migration *m;
	struct pp_store *st = NULL;
	char dir[64], path[128], names[1024] = "", before[4096] = "", after[4096] = "";
	size_t n;
	int v = 0;
	int64_t count = -1;
	const char *dump = "SELECT id || '|' || signatory || '|' || sca || '|' || key_type || '|' || key_id || '|'"
	    " || state || '|' || ifnull(hex(certificate), '-') || '|' || ifnull(serial, '-') || '|' ||"
	    " ifnull(not_before, '-') || '|' || ifnull(not_after, '-') || '|' || created_ms || '|' || updated_ms"
	    " || '|' || ca || '|' || ifnull(hex(csr), '-') || '|' || ifnull(hex(chain), '-')"
	    " FROM credentials ORDER BY id";

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pp-cred.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sam.db", dir);
	m = pp_schema_migrations("sam", &n);
	assert_true(n >= 6);
	assert_int_equal(m[5].version, 6);
	/* version 5, as a SAM of the previous release left it */
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, 5, &st), PP_OK);
	assert_int_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, certificate, serial, not_before, not_after, created_ms, updated_ms, ca, csr, chain) VALUES"
	    " ('a1', 's1', 'CN=SCA', 'ec-p256', '000000000000000000000000000000a1', 'ACTIVE', x'3082', '0a', 10,"
	    " 20, 1, 2, 'builtin', NULL, NULL),"
	    " ('a2', 's1', 'CN=SCA', 'rsa3072', '000000000000000000000000000000a2', 'PENDING', NULL, NULL, NULL,"
	    " NULL, 3, 4, 'external', x'3001', NULL),"
	    " ('a3', 's2', 'CN=Other', 'rsa4096', '000000000000000000000000000000a3', 'ACTIVE', x'3083', '0b', 11,"
	    " 21, 5, 6, 'external', x'3002', x'30033004'),"
	    " ('a4', 's2', 'CN=Other', 'ec-p384', '000000000000000000000000000000a4', 'ACTIVE', x'3084', '0c', 12,"
	    " 22, 7, 8, 'builtin', NULL, NULL)", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(st, "UPDATE credentials SET state = 'EXPIRED' WHERE id = 'a4'", NULL, 0,
	    NULL, NULL, NULL), PP_OK);
	/* RSA 2048 was refused by version 5 */
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms, ca) VALUES ('x', 's', 'CN=SCA', 'rsa2048',"
	    " '000000000000000000000000000000ff', 'PENDING', 1, 1, 'external')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(st, dump, NULL, 0, text_row, before, NULL), PP_OK);
	pp_store_close(st);
	st = NULL;

	/* the SAM of this release opens it */
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, n, &st), PP_OK);
	assert_int_equal(pp_store_version(st, &v), PP_OK);
	assert_int_equal(v, (int)n);
	assert_int_equal(pp_store_exec(st, dump, NULL, 0, text_row, after, NULL), PP_OK);
	assert_string_equal(after, before);
	assert_non_null(strstr(after, "a3|s2|CN=Other|rsa4096|000000000000000000000000000000a3|ACTIVE|3083|0b|11|21|5|6"
	    "|external|3002|30033004"));
	/* the indexes and the trigger, under their names; no table left over */
	assert_int_equal(pp_store_exec(st, "SELECT name FROM sqlite_master WHERE tbl_name = 'credentials' OR"
	    " name LIKE 'credentials%' ORDER BY name", NULL, 0, text_row, names, NULL), PP_OK);
	assert_string_equal(names, "credentials credentials_signatory credentials_state credentials_transition"
	    " sqlite_autoindex_credentials_1 sqlite_autoindex_credentials_2 ");
	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM pragma_index_info('credentials_state')"
	    " WHERE name IN ('state', 'not_after')", NULL, 0, count_row, &count, NULL), PP_OK);
	assert_int_equal(count, 2);
	/* the trigger still holds: EXPIRED never back to ACTIVE */
	assert_int_not_equal(set_state(st, "a4", "ACTIVE"), PP_OK);
	assert_int_equal(set_state(st, "a1", "REVOKED"), PP_OK);
	/* key_id stays unique, the other checks stay */
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms, ca) VALUES ('y', 's', 'CN=SCA', 'ec-p256',"
	    " '000000000000000000000000000000a1', 'PENDING', 1, 1, 'builtin')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms) VALUES ('y', 's', 'CN=SCA', 'rsa1024',"
	    " '000000000000000000000000000000b1', 'PENDING', 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms) VALUES ('y', 's', 'CN=SCA', 'ec-p256',"
	    " '000000000000000000000000000000b1', 'ACTIVE', 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
	/* rsa2048: an external credential only, ACTIVE from the start, its
	 * certificate issued before 2025-12-31T00:00:00Z */
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, certificate, serial, not_before, not_after, created_ms, updated_ms) VALUES ('y', 's',"
	    " 'CN=SCA', 'rsa2048', '000000000000000000000000000000b1', 'ACTIVE', x'30', '01', 1748736000,"
	    " 1830000000, 1, 1)", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, certificate, serial, not_before, not_after, created_ms, updated_ms, ca) VALUES ('y', 's',"
	    " 'CN=SCA', 'rsa2048', '000000000000000000000000000000b1', 'ACTIVE', x'30', '01', 1767139200,"
	    " 1830000000, 1, 1, 'external')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_not_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms, ca) VALUES ('y', 's', 'CN=SCA', 'rsa2048',"
	    " '000000000000000000000000000000b1', 'PENDING', 1, 1, 'external')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(st, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, certificate, serial, not_before, not_after, created_ms, updated_ms, ca) VALUES ('y', 's',"
	    " 'CN=SCA', 'rsa2048', '000000000000000000000000000000b1', 'ACTIVE', x'30', '01', 1767139199,"
	    " 1830000000, 1, 1, 'external')", NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM credentials", NULL, 0, count_row, &count, NULL),
	    PP_OK);
	assert_int_equal(count, 5);
	pp_store_close(st);
	/* opened again: nothing more to migrate, nothing lost */
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, n, &st), PP_OK);
	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM credentials", NULL, 0, count_row, &count, NULL),
	    PP_OK);
	assert_int_equal(count, 5);
	pp_store_close(st);
	assert_int_equal(pp_test_rmtree(dir), 0);
}

/* ------------------------------------------------------------------ the expiry sweep */

/*
 * A stand-in audit daemon on a unix socket: acknowledges every append with
 * a sequence number and keeps the records' type, cause and details; with
 * fake_audit.refuse set it closes the connection instead (the record is
 * then not durable, as when the real daemon is down).
 */
static struct {
	int fd;
	char path[108];
	pthread_t th;
	pthread_mutex_t mu;
	int refuse, stop, n;
	char recs[16][512];
} fake_audit = { .fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER };

static int
read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

static void *
fake_audit_run(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(fake_audit.fd, NULL, NULL);
		unsigned char hdr[4];
		char body[PP_IPC_MAX + 1], ans[128];
		uint32_t len, alen;
		json_object *req = NULL, *rec;

		if (c < 0)
			return NULL;
		pthread_mutex_lock(&fake_audit.mu);
		int stop = fake_audit.stop, refuse = fake_audit.refuse;
		pthread_mutex_unlock(&fake_audit.mu);
		if (stop) {
			close(c);
			return NULL;
		}
		if (!read_full(c, hdr, 4) || (len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
		    (uint32_t)hdr[2] << 8 | hdr[3]) == 0 || len > PP_IPC_MAX || !read_full(c, body, len) || refuse) {
			close(c);
			continue;
		}
		body[len] = '\0';
		if ((req = json_tokener_parse(body)) != NULL && json_object_object_get_ex(req, "record", &rec)) {
			pthread_mutex_lock(&fake_audit.mu);
			if (fake_audit.n < 16)
				snprintf(fake_audit.recs[fake_audit.n], sizeof(fake_audit.recs[0]), "%s",
				    json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
			fake_audit.n++;
			alen = (uint32_t)snprintf(ans, sizeof(ans), "{\"v\":1,\"component\":\"audit\",\"seq\":%d}",
			    fake_audit.n);
			pthread_mutex_unlock(&fake_audit.mu);
			hdr[0] = (unsigned char)(alen >> 24);
			hdr[1] = (unsigned char)(alen >> 16);
			hdr[2] = (unsigned char)(alen >> 8);
			hdr[3] = (unsigned char)alen;
			if (write(c, hdr, 4) != 4 || write(c, ans, alen) != (ssize_t)alen)
				fprintf(stderr, "fake audit: short write\n");
		}
		json_object_put(req);
		close(c);
	}
}

static void
fake_audit_start(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(fake_audit.path, sizeof(fake_audit.path), "%s/audit.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake_audit.path);
	assert_true((fake_audit.fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fake_audit.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fake_audit.fd, 8), 0);
	assert_int_equal(pthread_create(&fake_audit.th, NULL, fake_audit_run, NULL), 0);
}

static void
fake_audit_stop(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int c = socket(AF_UNIX, SOCK_STREAM, 0);

	pthread_mutex_lock(&fake_audit.mu);
	fake_audit.stop = 1;
	pthread_mutex_unlock(&fake_audit.mu);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fake_audit.path);
	assert_true(c >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	assert_int_equal(pthread_join(fake_audit.th, NULL), 0);
	close(fake_audit.fd);
	fake_audit.fd = -1;
}

/* The records received, from the i-th on, holding every string given. */
static int
fake_audit_has(int from, const char *a, const char *b, const char *c)
{
	int found = 0;

	pthread_mutex_lock(&fake_audit.mu);
	for (int i = from; i < fake_audit.n && i < 16; i++)
		if (strstr(fake_audit.recs[i], a) && (!b || strstr(fake_audit.recs[i], b)) &&
		    (!c || strstr(fake_audit.recs[i], c)))
			found++;
	pthread_mutex_unlock(&fake_audit.mu);
	return found;
}

static int
softhsm_module(char *out, size_t cap)
{
	glob_t g;
	int found = 0;

	if (access("/usr/lib/softhsm/libsofthsm2.so", R_OK) == 0) {
		snprintf(out, cap, "%s", "/usr/lib/softhsm/libsofthsm2.so");
		return 1;
	}
	if (glob("/usr/lib/*/softhsm/libsofthsm2.so", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(out, cap, "%s", g.gl_pathv[0]);
		found = 1;
	}
	globfree(&g);
	return found;
}

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

/* A configuration with every required key (paths under dir) and the audit
 * socket of the stand-in. */
static struct pp_conf *
sweep_conf(const char *dir)
{
	const struct pp_conf_key *k;
	struct pp_conf *conf = NULL;
	char *text = malloc(65536), err[256];
	const char *sec = "";
	size_t n, len = 0;

	assert_non_null(text);
	k = pp_conf_schema(&n);
	for (size_t i = 0; i < n; i++) {
		if (k[i].def != NULL && !(strcmp(k[i].section, "audit") == 0 && strcmp(k[i].key, "socket") == 0))
			continue;
		if (strcmp(sec, k[i].section) != 0) {
			sec = k[i].section;
			len += (size_t)snprintf(text + len, 65536 - len, "[%s]\n", sec);
		}
		if (strcmp(k[i].section, "audit") == 0 && strcmp(k[i].key, "socket") == 0)
			len += (size_t)snprintf(text + len, 65536 - len, "socket = %s\n", fake_audit.path);
		else if (k[i].type == PP_CONF_PATH)
			len += (size_t)snprintf(text + len, 65536 - len, "%s = %s/%s_%s\n", k[i].key, dir,
			    k[i].section, k[i].key);
		else
			len += (size_t)snprintf(text + len, 65536 - len, "%s = test\n", k[i].key);
		assert_true(len < 65536);
	}
	if (pp_conf_parse(text, len, &conf, err, sizeof(err)) != PP_OK)
		fail_msg("configuration refused: %s", err);
	free(text);
	return conf;
}

#define C_PAST "000000000000000000000000000000a1"
#define C_NOW "000000000000000000000000000000a2"
#define C_FUTURE "000000000000000000000000000000a3"
#define C_UNLOGGED "000000000000000000000000000000a4"
#define C_OWED "000000000000000000000000000000a5"

static int64_t
owed_count(struct pp_store *st)
{
	int64_t n = -1;

	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM keys_owed", NULL, 0, count_row, &n, NULL), PP_OK);
	return n;
}

/* A credential row (id: 32 hex digits) with a key generated in the token
 * under CKA_ID = the id's bytes; not_after given. */
static void
sweep_cred(struct pp_daemon_ctx *ctx, const char *id, unsigned char kid[SAM_CRED_KEY_ID_BYTES],
    int64_t not_after)
{
	struct pp_p11_objs o;
	char hex[2 * SAM_CRED_KEY_ID_BYTES + 1];
	struct pp_val b[4];

	for (size_t i = 0; i < SAM_CRED_KEY_ID_BYTES; i++) {
		unsigned v;
		assert_int_equal(sscanf(id + 2 * i, "%2x", &v), 1);
		kid[i] = (unsigned char)v;
	}
	pp_hex(kid, SAM_CRED_KEY_ID_BYTES, hex);
	assert_int_equal(pp_p11_key_generate(ctx->p11, PP_P11_EC_P256, kid, SAM_CRED_KEY_ID_BYTES, id, &o), PP_OK);
	b[0] = PP_VAL_S(id);
	b[1] = PP_VAL_S(hex);
	b[2] = PP_VAL_I(not_after - 3600);
	b[3] = PP_VAL_I(not_after);
	assert_int_equal(pp_store_exec(ctx->store, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, certificate, serial, not_before, not_after, created_ms, updated_ms) VALUES (?, 'sig-1',"
	    " 'CN=SCA', 'ec-p256', ?, 'ACTIVE', x'3000', 'a1b2', ?, ?, 1, 1)", b, 4, NULL, NULL, NULL), PP_OK);
}

static void
expect_state(struct pp_store *st, const char *id, const char *state)
{
	struct pp_val b[2] = { PP_VAL_S(id), PP_VAL_S(state) };
	int64_t n = -1;

	assert_int_equal(pp_store_exec(st, "SELECT count(*) FROM credentials WHERE id = ? AND state = ?", b, 2,
	    count_row, &n, NULL), PP_OK);
	if (n != 1)
		fail_msg("credential %s is not %s", id, state);
}

/*
 * sam_cred_sweep against a SoftHSMv2 token and the stand-in audit daemon:
 * only ACTIVE credentials whose notAfter has passed (notAfter itself
 * included) are closed, each EXPIRED with its key objects gone and one
 * key.destroy record (serial, cause) each; a second sweep closes nothing;
 * with the audit daemon down the sweep fails, yet the credential is
 * already EXPIRED (unusable before anything else) and its key destroyed.
 */
static void
test_sweep(void **state)
{
	char dir[64], module[256], path[160], text[256], cmd[512];
	struct pp_daemon_ctx ctx = { 0 };
	unsigned char k1[SAM_CRED_KEY_ID_BYTES], k2[SAM_CRED_KEY_ID_BYTES], k3[SAM_CRED_KEY_ID_BYTES],
	    k4[SAM_CRED_KEY_ID_BYTES];
	struct pp_p11_objs o;
	int64_t now = 1800000000;
	size_t closed = 99;
	int before, after;

	(void)state;
	if (!softhsm_module(module, sizeof(module)) || access("/usr/bin/softhsm2-util", X_OK) != 0)
		skip();
	ctx.store = open_sam_db(dir);
	snprintf(path, sizeof(path), "%s/tokens", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(text, sizeof(text), "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", path);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	put_file(path, text);
	assert_int_equal(setenv("SOFTHSM2_CONF", path, 1), 0);
	/* A throwaway token: its PINs on argv harm nobody. */
	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free --label sweep --pin 1234 --so-pin 5678 >/dev/null");
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/pin", dir);
	put_file(path, "1234\n");
	assert_int_equal(pp_p11_open(module, "sweep", path, NULL, &ctx.p11), PP_OK);
	fake_audit_start(dir);
	ctx.conf = sweep_conf(dir);

	sweep_cred(&ctx, C_PAST, k1, now - 1);
	sweep_cred(&ctx, C_NOW, k2, now);
	sweep_cred(&ctx, C_FUTURE, k3, now + 1);
	assert_int_equal(sam_cred_sweep(&ctx, now, &closed), PP_OK);
	assert_int_equal(closed, 2);
	expect_state(ctx.store, C_PAST, "EXPIRED");
	expect_state(ctx.store, C_NOW, "EXPIRED");
	expect_state(ctx.store, C_FUTURE, "ACTIVE");
	assert_int_equal(pp_p11_find(ctx.p11, k1, sizeof(k1), &o), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_p11_find(ctx.p11, k2, sizeof(k2), &o), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_p11_find(ctx.p11, k3, sizeof(k3), &o), PP_OK);
	assert_int_equal(fake_audit_has(0, "\"type\":\"key.destroy\"", "\"cause\":\"certificate expired\"",
	    "\"serial\":\"a1b2\""), 2);
	assert_int_equal(fake_audit_has(0, "\"credential\":\"" C_PAST "\"", "\"kind\":\"system\"", "\"key_type\":\"ec-p256\""), 1);
	assert_int_equal(fake_audit_has(0, "\"credential\":\"" C_NOW "\"", "\"recipient\":\"sig-1\"", NULL), 1);
	assert_int_equal(fake_audit_has(0, C_FUTURE, NULL, NULL), 0);
	/* nothing left to close; then the third one's time comes */
	assert_int_equal(sam_cred_sweep(&ctx, now, &closed), PP_OK);
	assert_int_equal(closed, 0);
	assert_int_equal(sam_cred_sweep(&ctx, now + 1, &closed), PP_OK);
	assert_int_equal(closed, 1);
	expect_state(ctx.store, C_FUTURE, "EXPIRED");
	assert_int_equal(pp_p11_find(ctx.p11, k3, sizeof(k3), &o), PP_ERR_NOT_FOUND);

	/* the audit daemon down: the sweep fails, the credential is closed */
	sweep_cred(&ctx, C_UNLOGGED, k4, now);
	pthread_mutex_lock(&fake_audit.mu);
	fake_audit.refuse = 1;
	before = fake_audit.n;
	pthread_mutex_unlock(&fake_audit.mu);
	assert_int_not_equal(sam_cred_sweep(&ctx, now + 10, &closed), PP_OK);
	assert_int_equal(closed, 0);
	expect_state(ctx.store, C_UNLOGGED, "EXPIRED");
	assert_int_equal(pp_p11_find(ctx.p11, k4, sizeof(k4), &o), PP_ERR_NOT_FOUND);
	pthread_mutex_lock(&fake_audit.mu);
	after = fake_audit.n;
	pthread_mutex_unlock(&fake_audit.mu);
	assert_int_equal(after, before);
	/* ... and its record is owed: the next sweep writes it */
	assert_int_equal(owed_count(ctx.store), 1);
	pthread_mutex_lock(&fake_audit.mu);
	fake_audit.refuse = 0;
	pthread_mutex_unlock(&fake_audit.mu);
	assert_int_equal(sam_cred_sweep(&ctx, now + 10, &closed), PP_OK);
	assert_int_equal(closed, 0);
	assert_int_equal(fake_audit_has(after, "\"credential\":\"" C_UNLOGGED "\"",
	    "\"cause\":\"certificate expired; destroyed on a later attempt\"", "\"type\":\"key.destroy\""), 1);
	assert_int_equal(owed_count(ctx.store), 0);

	/* A destruction the token refused (the row closed, the key still
	 * there, the debt listed): the next sweep destroys and records it. */
	sweep_cred(&ctx, C_OWED, k4, now + 100000);
	{
		struct pp_val b[1] = { PP_VAL_S(C_OWED) };
		assert_int_equal(pp_store_exec(ctx.store, "UPDATE credentials SET state = 'REVOKED' WHERE id = ?",
		    b, 1, NULL, NULL, NULL), PP_OK);
		assert_int_equal(pp_store_exec(ctx.store, "INSERT INTO keys_owed (credential, key_id, cause, since_ms)"
		    " SELECT id, key_id, 'credential revoked', 1 FROM credentials WHERE id = ?", b, 1, NULL, NULL,
		    NULL), PP_OK);
	}
	assert_int_equal(pp_p11_find(ctx.p11, k4, sizeof(k4), &o), PP_OK);
	pthread_mutex_lock(&fake_audit.mu);
	before = fake_audit.n;
	pthread_mutex_unlock(&fake_audit.mu);
	assert_int_equal(sam_cred_sweep(&ctx, now + 20, &closed), PP_OK);
	assert_int_equal(pp_p11_find(ctx.p11, k4, sizeof(k4), &o), PP_ERR_NOT_FOUND);
	assert_int_equal(owed_count(ctx.store), 0);
	assert_int_equal(fake_audit_has(before, "\"credential\":\"" C_OWED "\"",
	    "\"cause\":\"credential revoked; destroyed on a later attempt\"", NULL), 1);
	expect_state(ctx.store, C_OWED, "REVOKED");

	fake_audit_stop();
	pp_conf_free(ctx.conf);
	pp_p11_close(ctx.p11);
	pp_store_close(ctx.store);
	assert_int_equal(pp_test_rmtree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_key_types_setting),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_ca_mode),
		cmocka_unit_test(test_cert_decode),
		cmocka_unit_test(test_chain_decode),
		cmocka_unit_test(test_schema_states),
		cmocka_unit_test(test_import_check),
		cmocka_unit_test(test_schema_migration_rsa2048),
		cmocka_unit_test(test_sweep),
	};
	pp_log_open("test_sam_cred", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
