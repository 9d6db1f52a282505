/*
 * The SCA plugin's translation of OAuth/CSC document lists for the SAM
 * (fcgi/sca/sca_oauth.h): comma-separated base64 or base64url digests and
 * RAR documentDigests become {"hash": standard base64, "label"} objects;
 * what cannot be a digest list is refused before the SAM is asked.  The
 * endpoints themselves are driven through nginx in t_oauth.sh.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "pp_json.h"
#include "pp_test.h"
#include "sca_oauth.h"

/* The documents of list as compact JSON (static buffer), or the refusal. */
static const char *
hashes(const char *list)
{
	static char out[4096];
	json_object *d = NULL;
	const char *why = NULL;

	assert_int_equal(sca_oauth_hashes(list, strlen(list), &d, &why), PP_OK);
	if (why != NULL) {
		assert_null(d);
		snprintf(out, sizeof(out), "refused: %s", why);
		return out;
	}
	snprintf(out, sizeof(out), "%s", pp_json_str(d, NULL));
	json_object_put(d);
	return out;
}

static const char *
digests(const char *json)
{
	static char out[4096];
	json_object *in = json_tokener_parse(json), *d = NULL;
	const char *why = NULL;

	assert_non_null(in);
	assert_int_equal(sca_oauth_digests(in, &d, &why), PP_OK);
	json_object_put(in);
	if (why != NULL) {
		assert_null(d);
		snprintf(out, sizeof(out), "refused: %s", why);
		return out;
	}
	snprintf(out, sizeof(out), "%s", pp_json_str(d, NULL));
	json_object_put(d);
	return out;
}

static void
test_hashes(void **state)
{
	(void)state;
	/* base64url without padding and base64 with: both standard base64 out. */
	assert_string_equal(hashes("sOPp-_8A,sOPp+/8A"), "[{\"hash\":\"sOPp+/8A\"},{\"hash\":\"sOPp+/8A\"}]");
	assert_string_equal(hashes("ab-_Yw"), "[{\"hash\":\"ab+/Yw==\"}]");
	assert_string_equal(hashes("ab-_Yw=="), "[{\"hash\":\"ab+/Yw==\"}]");
	/* A SHA-512 digest's 86 characters fit, one more does not. */
	char big[100];
	memset(big, 'A', 86);
	big[86] = '\0';
	assert_string_equal(hashes(big), "[{\"hash\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}]");
	memset(big, 'A', 89);
	big[89] = '\0';
	assert_non_null(strstr(hashes(big), "refused"));
	/* Empty items, other characters, a length no base64 has. */
	assert_non_null(strstr(hashes(""), "refused"));
	assert_non_null(strstr(hashes("AAAA,"), "refused"));
	assert_non_null(strstr(hashes(",AAAA"), "refused"));
	assert_non_null(strstr(hashes("AAAA,,AAAA"), "refused"));
	assert_non_null(strstr(hashes("AA AA"), "refused"));
	assert_non_null(strstr(hashes("AAAAA"), "refused"));
	assert_non_null(strstr(hashes("AAAA%2C"), "refused"));
	assert_non_null(strstr(hashes("===="), "refused"));
}

static void
test_too_many(void **state)
{
	static char list[1001 * 5 + 1];
	size_t o = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		memcpy(list + o, "AAAA,", 5);
		o += 5;
	}
	list[o - 1] = '\0';
	json_object *d = NULL;
	const char *why = NULL;
	assert_int_equal(sca_oauth_hashes(list, strlen(list), &d, &why), PP_OK);
	assert_null(why);
	assert_int_equal(json_object_array_length(d), 1000);
	json_object_put(d);
	list[o - 1] = ',';
	memcpy(list + o, "AAAA", 5);
	assert_int_equal(sca_oauth_hashes(list, strlen(list), &d, &why), PP_OK);
	assert_non_null(why);
	assert_null(d);
}

static void
test_digests(void **state)
{
	(void)state;
	assert_string_equal(digests("[{\"hash\":\"sOPp-_8A\",\"label\":\"Contrat.pdf\"},{\"hash\":\"AAAA\"}]"),
	    "[{\"hash\":\"sOPp+/8A\",\"label\":\"Contrat.pdf\"},{\"hash\":\"AAAA\"}]");
	assert_non_null(strstr(digests("[]"), "refused"));
	assert_non_null(strstr(digests("{}"), "refused"));
	assert_non_null(strstr(digests("[\"AAAA\"]"), "refused"));
	assert_non_null(strstr(digests("[{\"label\":\"x\"}]"), "refused"));
	assert_non_null(strstr(digests("[{\"hash\":\"AAAA\",\"label\":1}]"), "refused"));
	assert_non_null(strstr(digests("[{\"hash\":\"AAAA\",\"other\":\"x\"}]"), "refused"));
	assert_non_null(strstr(digests("[{\"hash\":\"A A\"}]"), "refused"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_digests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
