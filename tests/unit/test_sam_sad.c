/*
 * The SAD string and its MAC (sam/sam_sad.h), with a software HMAC in place
 * of the token's: encoding round trip, strict decoding, the MAC input's
 * independence from the hashes' order and its dependence on every claim,
 * a flipped bit anywhere refused, and the choice of signature mechanism;
 * algorithm withdrawal (sam.hash_algos, the advertised signature algorithms).
 * Allocation failures in the MAC input builder change nothing.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "pp_mem.h"
#include "pp_test.h"
#include "sam_ledger.h"
#include "sam_sad.h"

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";

static enum pp_err
soft_mac(void *arg, const unsigned char *in, size_t len, unsigned char mac[SAM_SAD_MAC_LEN])
{
	unsigned int ml = 0;

	(void)arg;
	if (HMAC(EVP_sha256(), key, sizeof(key), in, len, mac, &ml) == NULL || ml != SAM_SAD_MAC_LEN)
		return PP_ERR_INTERNAL;
	return PP_OK;
}

static uint8_t hb[3][32];
static const uint8_t *hp[3] = { hb[0], hb[1], hb[2] };
static const uint8_t *hr[3] = { hb[2], hb[0], hb[1] };	/* same set, other order */

static struct sam_sad_claims
claims(void)
{
	for (int i = 0; i < 3; i++)
		memset(hb[i], 0x10 * (i + 1), sizeof(hb[i]));
	return (struct sam_sad_claims){ .sad_id = "00112233445566778899aabbccddeeff", .signatory = "sig-1",
		.credential = "0123456789abcdef0123456789abcdef", .sca = "sca-abc", .session = "s-1",
		.hash_algo = SAM_OID_SHA256, .hashes = hp, .hash_len = 32, .nhashes = 3,
		.expires_ms = INT64_C(1790000000000) };
}

static void
test_encode_decode(void **state)
{
	unsigned char id[SAM_SAD_ID_BYTES], mac[SAM_SAD_MAC_LEN], id2[SAM_SAD_ID_BYTES], mac2[SAM_SAD_MAC_LEN];
	char s[SAM_SAD_STR_LEN + 1], t[SAM_SAD_STR_LEN + 2];

	(void)state;
	for (int i = 0; i < SAM_SAD_ID_BYTES; i++)
		id[i] = (unsigned char)(i * 17 + 250);
	for (int i = 0; i < SAM_SAD_MAC_LEN; i++)
		mac[i] = (unsigned char)(255 - i * 3);
	sam_sad_encode(id, mac, s);
	assert_int_equal(strlen(s), SAM_SAD_STR_LEN);
	assert_null(strpbrk(s, "+/="));
	assert_int_equal(sam_sad_decode(s, strlen(s), id2, mac2), PP_OK);
	assert_memory_equal(id, id2, sizeof(id));
	assert_memory_equal(mac, mac2, sizeof(mac));
	/* Strict: length, alphabet. */
	assert_int_equal(sam_sad_decode(s, strlen(s) - 1, id2, mac2), PP_ERR_FIELD_INVALID);
	snprintf(t, sizeof(t), "%sA", s);
	assert_int_equal(sam_sad_decode(t, strlen(t), id2, mac2), PP_ERR_FIELD_INVALID);
	memcpy(t, s, sizeof(s));
	t[10] = '+';
	assert_int_equal(sam_sad_decode(t, SAM_SAD_STR_LEN, id2, mac2), PP_ERR_FIELD_INVALID);
	t[10] = '=';
	assert_int_equal(sam_sad_decode(t, SAM_SAD_STR_LEN, id2, mac2), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_sad_decode(NULL, 0, id2, mac2), PP_ERR_FIELD_INVALID);
}

static void
test_mac_order_independent(void **state)
{
	struct sam_sad_claims c = claims();
	unsigned char m1[SAM_SAD_MAC_LEN], m2[SAM_SAD_MAC_LEN];

	(void)state;
	assert_int_equal(sam_sad_mac(&c, soft_mac, NULL, m1), PP_OK);
	c.hashes = hr;
	assert_int_equal(sam_sad_mac(&c, soft_mac, NULL, m2), PP_OK);
	assert_true(sam_sad_mac_equal(m1, m2));
}

/* Every claim is covered: changing any one changes the MAC. */
static void
test_mac_binds_every_claim(void **state)
{
	struct sam_sad_claims c0 = claims(), c;
	unsigned char m0[SAM_SAD_MAC_LEN], m[SAM_SAD_MAC_LEN];
	static uint8_t other[32];

	(void)state;
	assert_int_equal(sam_sad_mac(&c0, soft_mac, NULL, m0), PP_OK);
#define DIFFERS(stmt) do { c = claims(); stmt; \
	assert_int_equal(sam_sad_mac(&c, soft_mac, NULL, m), PP_OK); \
	assert_false(sam_sad_mac_equal(m0, m)); } while (0)
	DIFFERS(c.sad_id = "00112233445566778899aabbccddeefe");
	DIFFERS(c.signatory = "sig-2");
	DIFFERS(c.credential = "1123456789abcdef0123456789abcdef");
	DIFFERS(c.sca = "sca-abd");
	DIFFERS(c.session = "s-2");
	DIFFERS(c.hash_algo = SAM_OID_SHA384);
	DIFFERS(c.nhashes = 2);
	DIFFERS(c.expires_ms += 1);
	DIFFERS(hb[1][31] ^= 1);
	memset(other, 0x77, sizeof(other));
	DIFFERS(hp[2] = other);
	hp[2] = hb[2];
	/* Field boundaries are length-prefixed: moving a byte from one
	 * field to the next is another input. */
	DIFFERS((c.signatory = "sig-1s", c.session = "-1"));
#undef DIFFERS
}

/* A SAD whose string had any bit flipped never verifies. */
static void
test_tampered_string(void **state)
{
	struct sam_sad_claims c = claims();
	unsigned char id[SAM_SAD_ID_BYTES] = { 1, 2, 3 }, mac[SAM_SAD_MAC_LEN], id2[SAM_SAD_ID_BYTES];
	unsigned char mac2[SAM_SAD_MAC_LEN];
	char s[SAM_SAD_STR_LEN + 1], t[SAM_SAD_STR_LEN + 1];
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	(void)state;
	assert_int_equal(sam_sad_mac(&c, soft_mac, NULL, mac), PP_OK);
	sam_sad_encode(id, mac, s);
	for (size_t pos = 0; pos < SAM_SAD_STR_LEN; pos++) {
		memcpy(t, s, sizeof(s));
		t[pos] = t[pos] == alpha[0] ? alpha[1] : alpha[0];
		assert_int_equal(sam_sad_decode(t, SAM_SAD_STR_LEN, id2, mac2), PP_OK);
		/* Either the id changed (another SAD, whose MAC differs) or the MAC did. */
		assert_true(memcmp(id, id2, sizeof(id)) != 0 || !sam_sad_mac_equal(mac, mac2));
	}
}

static void
test_mac_input_bounds(void **state)
{
	struct sam_sad_claims c;
	unsigned char *in;
	size_t len;

	(void)state;
	c = claims();
	c.nhashes = 0;
	assert_int_equal(sam_sad_mac_input(&c, &in, &len), PP_ERR_BAD_REQUEST);
	c = claims();
	c.hash_len = 20;
	assert_int_equal(sam_sad_mac_input(&c, &in, &len), PP_ERR_BAD_REQUEST);
	c = claims();
	c.sca = NULL;
	assert_int_equal(sam_sad_mac_input(&c, &in, &len), PP_ERR_BAD_REQUEST);
	c = claims();
	c.nhashes = SAM_LEDGER_MAX_HASHES + 1;
	assert_int_equal(sam_sad_mac_input(&c, &in, &len), PP_ERR_BAD_REQUEST);
	c = claims();
	assert_int_equal(sam_sad_mac_input(&c, &in, &len), PP_OK);
	assert_memory_equal(in, SAM_SAD_MAC_TAG, sizeof(SAM_SAD_MAC_TAG) - 1);
	pp_free(in);
}

static void
test_mac_input_alloc_failure(void **state)
{
	struct sam_sad_claims c = claims();
	unsigned char *in;
	size_t len;
	enum pp_err rc;
	long n;

	(void)state;
	for (n = 0; n < 10; n++) {
		pp_mem_fail_after(n);
		rc = sam_sad_mac_input(&c, &in, &len);
		pp_mem_fail_after(-1);
		if (rc == PP_OK) {
			pp_free(in);
			break;
		}
		assert_int_equal(rc, PP_ERR_NOMEM);
		assert_null(in);
	}
	assert_true(n < 10);
}

static void
test_sign_algo(void **state)
{
	enum pp_p11_mech m;
	enum pp_p11_hash h;
	const char *why;

	(void)state;
	assert_int_equal(sam_sad_sign_algo("1.2.840.10045.4.3.2", SAM_OID_SHA256, PP_P11_EC_P256, &m, &h, &why), PP_OK);
	assert_null(why);
	assert_int_equal(m, PP_P11_ECDSA);
	assert_int_equal(h, PP_P11_SHA256);
	assert_int_equal(sam_sad_sign_algo("1.2.840.10045.4.3.4", SAM_OID_SHA512, PP_P11_EC_P384, &m, &h, &why), PP_OK);
	assert_null(why);
	assert_int_equal(h, PP_P11_SHA512);
	assert_int_equal(sam_sad_sign_algo("1.2.840.113549.1.1.1", SAM_OID_SHA384, PP_P11_RSA3072, &m, &h, &why), PP_OK);
	assert_null(why);
	assert_int_equal(m, PP_P11_RSA_PKCS1);
	assert_int_equal(h, PP_P11_SHA384);
	assert_int_equal(sam_sad_sign_algo("1.2.840.113549.1.1.10", SAM_OID_SHA256, PP_P11_RSA4096, &m, &h, &why), PP_OK);
	assert_null(why);
	assert_int_equal(m, PP_P11_RSA_PSS);
	assert_int_equal(sam_sad_sign_algo("1.2.840.113549.1.1.11", SAM_OID_SHA256, PP_P11_RSA3072, &m, &h, &why), PP_OK);
	assert_null(why);
	/* Refusals: another hash, another key family, unknown OIDs. */
	assert_int_equal(sam_sad_sign_algo("1.2.840.10045.4.3.3", SAM_OID_SHA256, PP_P11_EC_P256, &m, &h, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(sam_sad_sign_algo("1.2.840.113549.1.1.12", SAM_OID_SHA256, PP_P11_RSA3072, &m, &h, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(sam_sad_sign_algo("1.2.840.113549.1.1.1", SAM_OID_SHA256, PP_P11_EC_P256, &m, &h, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(sam_sad_sign_algo("1.2.840.10045.4.3.2", SAM_OID_SHA256, PP_P11_RSA3072, &m, &h, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(sam_sad_sign_algo("1.2.840.10045.4.1", SAM_OID_SHA256, PP_P11_EC_P256, &m, &h, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(sam_sad_sign_algo("1.2.840.10045.4.3.2", "1.3.14.3.2.26", PP_P11_EC_P256, &m, &h, &why), PP_OK);
	assert_non_null(why);
	assert_int_equal(sam_sad_sign_algo(NULL, SAM_OID_SHA256, PP_P11_EC_P256, &m, &h, &why), PP_OK);
	assert_non_null(why);
}

static void
test_ident(void **state)
{
	(void)state;
	assert_true(sam_sad_ident_ok("s-1"));
	assert_false(sam_sad_ident_ok(""));
	assert_false(sam_sad_ident_ok("a b"));
	assert_false(sam_sad_ident_ok(NULL));
	char big[SAM_ID_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(sam_sad_ident_ok(big));
	big[SAM_ID_MAX] = '\0';
	assert_true(sam_sad_ident_ok(big));
}

/* sam.hash_algos: names, blanks, refusals (SEC-6). */
static void
test_hash_algos_parse(void **state)
{
	unsigned m = 99;

	(void)state;
	assert_int_equal(sam_sad_hash_algos_parse("sha256 sha384 sha512", &m), PP_OK);
	assert_int_equal(m, 7u);
	assert_int_equal(sam_sad_hash_algos_parse("  sha384\tsha256 ", &m), PP_OK);
	assert_int_equal(m, (1u << PP_P11_SHA256) | (1u << PP_P11_SHA384));
	assert_int_equal(sam_sad_hash_algos_parse("sha512", &m), PP_OK);
	assert_int_equal(m, 1u << PP_P11_SHA512);
	/* Unknown, weak, a prefix or a longer name, nothing at all. */
	assert_int_equal(sam_sad_hash_algos_parse("sha256 sha1", &m), PP_ERR_CONFIG);
	assert_int_equal(m, 0u);
	assert_int_equal(sam_sad_hash_algos_parse("md5", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_sad_hash_algos_parse("sha25", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_sad_hash_algos_parse("sha2566", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_sad_hash_algos_parse("SHA256", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_sad_hash_algos_parse("", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_sad_hash_algos_parse(" \t ", &m), PP_ERR_CONFIG);
	assert_int_equal(sam_sad_hash_algos_parse(NULL, &m), PP_ERR_CONFIG);
}

static void
test_hash_ok(void **state)
{
	unsigned no512 = (1u << PP_P11_SHA256) | (1u << PP_P11_SHA384);

	(void)state;
	assert_true(sam_sad_hash_ok(SAM_OID_SHA256, no512));
	assert_true(sam_sad_hash_ok(SAM_OID_SHA384, no512));
	assert_false(sam_sad_hash_ok(SAM_OID_SHA512, no512));
	assert_true(sam_sad_hash_ok(SAM_OID_SHA512, 7u));
	assert_false(sam_sad_hash_ok("1.3.14.3.2.26", 7u));		/* SHA-1 */
	assert_false(sam_sad_hash_ok("1.2.840.113549.2.5", 7u));	/* MD5 */
	assert_false(sam_sad_hash_ok(NULL, 7u));
	assert_false(sam_sad_hash_ok(SAM_OID_SHA256, 0u));
}

/* 1 when oid is among out[0..n). */
static int
listed(const char **out, size_t n, const char *oid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], oid) == 0)
			return 1;
	return 0;
}

/* The advertised list follows both masks and never names an algorithm
 * that sam_sad_sign_algo would refuse for every allowed key and hash. */
static void
test_sign_algos(void **state)
{
	const char *out[16];
	unsigned all_k = (1u << PP_P11_KEYTYPE__MAX) - 1, all_h = (1u << PP_P11_HASH__MAX) - 1;
	size_t n;

	(void)state;
	n = sam_sad_sign_algos(all_k, all_h, out, 16);
	assert_int_equal(n, 8);
	assert_string_equal(out[0], "1.2.840.113549.1.1.1");
	assert_true(listed(out, n, "1.2.840.113549.1.1.10"));
	assert_true(listed(out, n, "1.2.840.10045.4.3.4"));
	/* No EC key type: no ECDSA. */
	n = sam_sad_sign_algos((1u << PP_P11_RSA3072) | (1u << PP_P11_RSA4096), all_h, out, 16);
	assert_int_equal(n, 5);
	assert_false(listed(out, n, "1.2.840.10045.4.3.2"));
	assert_true(listed(out, n, "1.2.840.113549.1.1.13"));
	/* SHA-512 withdrawn: the algorithms bound to it go, the others stay. */
	n = sam_sad_sign_algos(all_k, (1u << PP_P11_SHA256) | (1u << PP_P11_SHA384), out, 16);
	assert_int_equal(n, 6);
	assert_false(listed(out, n, "1.2.840.113549.1.1.13"));
	assert_false(listed(out, n, "1.2.840.10045.4.3.4"));
	assert_true(listed(out, n, "1.2.840.113549.1.1.1"));
	assert_true(listed(out, n, "1.2.840.113549.1.1.10"));
	assert_true(listed(out, n, "1.2.840.10045.4.3.3"));
	/* EC P-256 and SHA-256 only. */
	n = sam_sad_sign_algos(1u << PP_P11_EC_P256, 1u << PP_P11_SHA256, out, 16);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "1.2.840.10045.4.3.2");
	/* Nothing allowed, and the cap. */
	assert_int_equal(sam_sad_sign_algos(0, all_h, out, 16), 0);
	assert_int_equal(sam_sad_sign_algos(all_k, 0, out, 16), 0);
	assert_int_equal(sam_sad_sign_algos(all_k, all_h, out, 3), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_mac_order_independent),
		cmocka_unit_test(test_mac_binds_every_claim),
		cmocka_unit_test(test_tampered_string),
		cmocka_unit_test(test_mac_input_bounds),
		cmocka_unit_test_teardown(test_mac_input_alloc_failure, pp_test_alloc_reset),
		cmocka_unit_test(test_sign_algo),
		cmocka_unit_test(test_ident),
		cmocka_unit_test(test_hash_algos_parse),
		cmocka_unit_test(test_hash_ok),
		cmocka_unit_test(test_sign_algos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
