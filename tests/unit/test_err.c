#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "pp_err.h"

/* Every value below PP_ERR__MAX has a complete table entry. */
static void
test_every_value_described(void **state)
{
	(void)state;
	for (int i = 0; i < PP_ERR__MAX; i++) {
		enum pp_err e = (enum pp_err)i;
		char want[64];
		const char *name = pp_err_name(e);

		assert_non_null(pp_err_code(e));
		assert_non_null(pp_err_text(e));
		assert_non_null(name);
		assert_true(strlen(pp_err_code(e)) > 0);
		assert_true(strlen(pp_err_text(e)) > 0);
		/* The text is a sentence; the name is never the fallback. */
		assert_int_equal(pp_err_text(e)[strlen(pp_err_text(e)) - 1], '.');
		assert_string_not_equal(name, "PP_ERR_?");
		assert_true(strncmp(name, "PP_", 3) == 0);
		if (e == PP_OK) {
			snprintf(want, sizeof(want), "PP_OK");
			assert_string_equal(name, want);
			assert_int_equal(pp_err_status(e), 200);
			assert_string_equal(pp_err_code(e), "ok");
		} else {
			assert_true(strncmp(name, "PP_ERR_", 7) == 0);
			assert_in_range(pp_err_status(e), 400, 599);
		}
	}
}

/* Names are unique: a log line identifies exactly one error. */
static void
test_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < PP_ERR__MAX; i++)
		for (int j = i + 1; j < PP_ERR__MAX; j++)
			assert_string_not_equal(pp_err_name((enum pp_err)i), pp_err_name((enum pp_err)j));
}

/* The enum is split in two groups: client errors (4xx) up to
 * PP_ERR_HEADERS_TOO_LARGE, server errors (5xx) from PP_ERR_NOMEM. */
static void
test_client_and_server_classes(void **state)
{
	(void)state;
	for (int i = PP_ERR_BAD_REQUEST; i <= PP_ERR_HEADERS_TOO_LARGE; i++)
		assert_in_range(pp_err_status((enum pp_err)i), 400, 499);
	for (int i = PP_ERR_NOMEM; i < PP_ERR__MAX; i++) {
		assert_in_range(pp_err_status((enum pp_err)i), 500, 599);
		/* Server errors never use a client error code. */
		assert_string_not_equal(pp_err_code((enum pp_err)i), "invalid_request");
	}
}

static void
test_specific_mappings(void **state)
{
	static const struct {
		enum pp_err e;
		int status;
		const char *code;
	} t[] = {
		{PP_ERR_BAD_REQUEST, 400, "invalid_request"},
		{PP_ERR_BAD_JSON, 400, "invalid_request"},
		{PP_ERR_FIELD_UNKNOWN, 400, "invalid_request"},
		{PP_ERR_FIELD_DUPLICATE, 400, "invalid_request"},
		{PP_ERR_FIELD_TOO_LONG, 400, "invalid_request"},
		{PP_ERR_FIELD_INVALID, 400, "invalid_request"},
		{PP_ERR_FIELD_MISSING, 400, "invalid_request"},
		{PP_ERR_TOO_MANY_FIELDS, 400, "invalid_request"},
		{PP_ERR_TOO_DEEP, 400, "invalid_request"},
		{PP_ERR_TRAILING_DATA, 400, "invalid_request"},
		{PP_ERR_TOKEN_INVALID, 400, "invalid_token"},
		{PP_ERR_TOKEN_EXPIRED, 400, "expired_token"},
		{PP_ERR_CLIENT_CERT, 401, "invalid_client"},
		{PP_ERR_FORBIDDEN, 403, "access_denied"},
		{PP_ERR_NOT_FOUND, 404, "not_found"},
		{PP_ERR_METHOD, 405, "method_not_allowed"},
		{PP_ERR_CONFLICT, 409, "conflict"},
		{PP_ERR_BODY_TOO_LARGE, 413, "request_too_large"},
		{PP_ERR_UNSUPPORTED_MEDIA, 415, "invalid_request"},
		{PP_ERR_HEADERS_TOO_LARGE, 431, "invalid_request"},
		{PP_ERR_NOMEM, 500, "server_error"},
		{PP_ERR_INTERNAL, 500, "server_error"},
		{PP_ERR_IO, 500, "server_error"},
		{PP_ERR_CONFIG, 500, "server_error"},
		{PP_ERR_TEMPLATE, 500, "server_error"},
		{PP_ERR_DB, 503, "temporarily_unavailable"},
		{PP_ERR_HSM, 503, "temporarily_unavailable"},
		{PP_ERR_UNAVAILABLE, 503, "temporarily_unavailable"},
		{PP_ERR_PROTO, 502, "server_error"},
	};
	(void)state;
	assert_int_equal(sizeof(t) / sizeof(t[0]), PP_ERR__MAX - 1);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pp_err_status(t[i].e), t[i].status);
		assert_string_equal(pp_err_code(t[i].e), t[i].code);
	}
	assert_string_equal(pp_err_name(PP_ERR_BAD_JSON), "PP_ERR_BAD_JSON");
	assert_string_equal(pp_err_name(PP_ERR_PROTO), "PP_ERR_PROTO");
}

/* PP_ERR__MAX and anything outside the enum are internal errors. */
static void
test_out_of_range(void **state)
{
	static const int bad[] = {PP_ERR__MAX, PP_ERR__MAX + 1, 1000, -1, INT32_MIN, INT32_MAX};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum pp_err e = (enum pp_err)bad[i];
		assert_int_equal(pp_err_status(e), 500);
		assert_string_equal(pp_err_code(e), "server_error");
		assert_non_null(pp_err_text(e));
		assert_non_null(pp_err_name(e));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_value_described),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_client_and_server_classes),
		cmocka_unit_test(test_specific_mappings),
		cmocka_unit_test(test_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
