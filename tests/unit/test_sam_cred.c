/*
 * Credentials: the closed list of key types, the sam.key_types setting
 * that withdraws some of them (SEC-6), and credential ids.  The key
 * generation, certificate binding and destruction run against the real
 * SoftHSMv2 token and audit daemon in tests/integration/t_sam.sh.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "pp_log.h"
#include "sam_cred.h"

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
	/* Weaker or unknown: refused. */
	assert_int_equal(sam_cred_key_type("rsa2048", &t), PP_ERR_FIELD_INVALID);
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
	assert_int_equal(m, (1u << PP_P11_KEYTYPE__MAX) - 1);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_key_types_setting),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
