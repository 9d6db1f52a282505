#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_json.h"

#define DEPTH 8
#define MEMBERS 64

/* Parses an exact-size, non-NUL-terminated copy of s[0..len). */
static enum pp_err
parse_n(const char *s, size_t len, int depth, size_t members, json_object **o)
{
	char *copy = malloc(len ? len : 1);
	enum pp_err rc;

	assert_non_null(copy);
	memcpy(copy, s, len);
	*o = NULL;
	rc = pp_json_parse(copy, len, depth, members, o);
	free(copy);
	if (rc != PP_OK)
		assert_null(*o);
	return rc;
}

static enum pp_err
parse(const char *s, json_object **o)
{
	return parse_n(s, strlen(s), DEPTH, MEMBERS, o);
}

static void
expect(const char *s, enum pp_err want)
{
	json_object *o = NULL;
	enum pp_err rc = parse(s, &o);

	if (rc != want)
		fail_msg("pp_json_parse('%s') = %d, want %d", s, rc, want);
	json_object_put(o);
}

/* An object nested n levels deep (n >= 1); with arrays, every other
 * level is an array. */
static char *
nest(int n, int arrays)
{
	char *s = malloc((size_t)n * 8 + 16);
	char close[256];
	size_t p = 0;
	int in_array = 0;

	assert_non_null(s);
	assert_true(n < (int)sizeof(close));
	for (int i = 0; i < n; i++) {
		int arr = arrays && i % 2;
		if (i > 0 && !in_array) {
			memcpy(s + p, "\"k\":", 4);
			p += 4;
		}
		s[p++] = arr ? '[' : '{';
		close[i] = arr ? ']' : '}';
		in_array = arr;
	}
	for (int i = n - 1; i >= 0; i--)
		s[p++] = close[i];
	s[p] = '\0';
	return s;
}

static void
test_valid_object(void **state)
{
	json_object *o = NULL, *v;
	(void)state;

	assert_int_equal(parse("{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":null,\"e\":[1,2,{\"f\":2.5}],\"g\":{}}", &o),
	    PP_OK);
	assert_true(json_object_is_type(o, json_type_object));
	assert_true(json_object_object_get_ex(o, "a", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_string_equal(pp_json_get_str(o, "b"), "x");
	assert_null(pp_json_get_str(o, "a"));	/* not a string */
	assert_null(pp_json_get_str(o, "zz"));	/* absent */
	assert_null(pp_json_get_str(NULL, "b"));
	json_object_put(o);

	expect("{}", PP_OK);
	expect(" \t\r\n{ } ", PP_OK);
	expect("{\"k\":\"\\u00e9\\n\\\"\"}", PP_OK);
	expect("{\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac\"}", PP_OK);
	expect("{\"s\":\"line\\nbreak\"}", PP_OK);
	/* Raw newlines between tokens are whitespace. */
	expect("{\n\"a\": 1,\r\n\"b\": 2\n}\n", PP_OK);
}

static void
test_not_an_object(void **state)
{
	(void)state;
	expect("[]", PP_ERR_BAD_JSON);
	expect("[1,2,3]", PP_ERR_BAD_JSON);
	expect("[{\"a\":1}]", PP_ERR_BAD_JSON);
	expect("\"a string\"", PP_ERR_BAD_JSON);
	expect("123", PP_ERR_BAD_JSON);
	expect("true", PP_ERR_BAD_JSON);
	expect("null", PP_ERR_BAD_JSON);
	/* Malformed. */
	expect("{", PP_ERR_BAD_JSON);
	expect("{\"a\":}", PP_ERR_BAD_JSON);
	expect("{\"a\" 1}", PP_ERR_BAD_JSON);
	expect("{a:1}", PP_ERR_BAD_JSON);
	expect("{\"a\":1,}", PP_ERR_BAD_JSON);
	expect("{\"a\":01}", PP_ERR_BAD_JSON);
	expect("{\"a\":\"unterminated}", PP_ERR_BAD_JSON);
	expect("{/*c*/}", PP_ERR_BAD_JSON);
	expect("   ", PP_ERR_BAD_JSON);
}

static void
test_empty(void **state)
{
	json_object *o = (json_object *)(uintptr_t)1;
	(void)state;

	assert_int_equal(pp_json_parse("", 0, DEPTH, MEMBERS, &o), PP_ERR_BAD_JSON);
	assert_int_equal(pp_json_parse("{}", 0, DEPTH, MEMBERS, &o), PP_ERR_BAD_JSON);
}

static void
test_depth_limit(void **state)
{
	json_object *o = NULL;
	(void)state;

	for (int max = 1; max <= 12; max++) {
		for (int arrays = 0; arrays <= 1; arrays++) {
			char *at = nest(max, arrays), *over = nest(max + 1, arrays);
			if (parse_n(at, strlen(at), max, MEMBERS, &o) != PP_OK)
				fail_msg("depth %d (max %d) refused: %s", max, max, at);
			json_object_put(o);
			if (parse_n(over, strlen(over), max, MEMBERS, &o) != PP_ERR_TOO_DEEP)
				fail_msg("depth %d (max %d) not PP_ERR_TOO_DEEP: %s", max + 1, max, over);
			free(at);
			free(over);
		}
	}
	/* Very deep input fails fast, before json-c recurses. */
	size_t n = 100000;
	char *deep = malloc(2 * n + 8);
	assert_non_null(deep);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', n);
	memset(deep + 5 + n, ']', n);
	deep[5 + 2 * n] = '}';
	assert_int_equal(parse_n(deep, 2 * n + 6, DEPTH, MEMBERS, &o), PP_ERR_TOO_DEEP);
	free(deep);
}

/* Braces and brackets inside strings are text, not structure. */
static void
test_brace_in_string(void **state)
{
	json_object *o = NULL;
	(void)state;

	assert_int_equal(parse_n("{\"a\":\"{{{{[[[[\"}", 16, 1, MEMBERS, &o), PP_OK);
	assert_string_equal(pp_json_get_str(o, "a"), "{{{{[[[[");
	json_object_put(o);
	assert_int_equal(parse_n("{\"{{{{\":\"}}}}]]]]\"}", 19, 1, MEMBERS, &o), PP_OK);
	json_object_put(o);
	/* An escaped quote does not end the string. */
	const char *s = "{\"a\":\"\\\"{{{{\\\\\"}";
	assert_int_equal(parse_n(s, strlen(s), 1, MEMBERS, &o), PP_OK);
	assert_string_equal(pp_json_get_str(o, "a"), "\"{{{{\\");
	json_object_put(o);
	/* Colons inside strings are not members. */
	s = "{\"a\":\"::::::::\"}";
	assert_int_equal(parse_n(s, strlen(s), DEPTH, 1, &o), PP_OK);
	json_object_put(o);
}

static void
test_member_limit(void **state)
{
	json_object *o = NULL;
	char buf[4096];
	size_t p;
	(void)state;

	for (size_t max = 1; max <= 20; max++) {
		/* max members at top level: accepted; max + 1: refused. */
		for (size_t extra = 0; extra <= 1; extra++) {
			p = 0;
			buf[p++] = '{';
			for (size_t i = 0; i < max + extra; i++)
				p += (size_t)snprintf(buf + p, sizeof(buf) - p, "%s\"k%zu\":%zu", i ? "," : "", i, i);
			buf[p++] = '}';
			enum pp_err rc = parse_n(buf, p, DEPTH, max, &o);
			assert_int_equal(rc, extra ? PP_ERR_TOO_MANY_FIELDS : PP_OK);
			json_object_put(o);
		}
	}
	/* Nested members count too. */
	assert_int_equal(parse_n("{\"a\":{\"b\":1,\"c\":2}}", 19, DEPTH, 2, &o), PP_ERR_TOO_MANY_FIELDS);
	assert_int_equal(parse_n("{\"a\":{\"b\":1,\"c\":2}}", 19, DEPTH, 3, &o), PP_OK);
	json_object_put(o);
	assert_int_equal(parse_n("{\"a\":[{\"b\":1},{\"c\":2}]}", 23, DEPTH, 2, &o), PP_ERR_TOO_MANY_FIELDS);
}

static void
test_duplicates(void **state)
{
	(void)state;
	expect("{\"a\":1,\"a\":1}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"a\":1,\"a\":2}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"a\":1,\"b\":2,\"a\":{}}", PP_ERR_FIELD_DUPLICATE);
	/* The same key spelled differently is the same key. */
	expect("{\"a\":1,\"\\u0061\":2}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"\\u0061\":1,\"a\":2}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"\xc3\xa9\":1,\"\\u00e9\":2}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"\\/\":1,\"/\":2}", PP_ERR_FIELD_DUPLICATE);
	/* Nested objects, in objects and in arrays. */
	expect("{\"o\":{\"x\":1,\"x\":2}}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"o\":{\"p\":{\"x\":1,\"\\u0078\":2}}}", PP_ERR_FIELD_DUPLICATE);
	expect("{\"l\":[{\"x\":1,\"x\":2}]}", PP_ERR_FIELD_DUPLICATE);
	/* The same key in different objects is fine. */
	expect("{\"x\":1,\"o\":{\"x\":1},\"l\":[{\"x\":1},{\"x\":2}]}", PP_OK);
	expect("{\"a\":1,\"A\":2}", PP_OK);
}

/* Bytes after the object: PP_ERR_TRAILING_DATA ("Unexpected data after the
 * end of the body"), not a generic PP_ERR_BAD_JSON. */
static void
test_trailing_garbage(void **state)
{
	static const char *const bad[] = {
		"{} x", "{}x", "{}{}", "{\"a\":1}}", "{} \n ,", "{\"a\":[1]}]", "{}null",
	};
	int failures = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *o = NULL;
		enum pp_err rc = parse(bad[i], &o);
		json_object_put(o);
		/* Refused in any case... */
		assert_int_not_equal(rc, PP_OK);
		/* ...and with the error that says why. */
		if (rc != PP_ERR_TRAILING_DATA) {
			print_error("pp_json_parse('%s') = %s, want PP_ERR_TRAILING_DATA\n", bad[i],
			    pp_err_name(rc));
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void
test_trailing_whitespace(void **state)
{
	(void)state;
	expect("{}\x0b", PP_ERR_BAD_JSON);	/* a control character is refused first */
	expect("{} ", PP_OK);
	expect("{}\n", PP_OK);
	expect("{}\r\n", PP_OK);
	expect("{}\t \r\n \n", PP_OK);
	expect("{\"a\":[1, 2]} \n", PP_OK);
}

/* RFC 8259 grammar, which pp_json.h promises ("exactly one JSON object")
 * and json-c's strict mode does not fully enforce. */
static void
test_strict_grammar(void **state)
{
	static const char *const bad[] = {
		"{'a':1}",			/* single-quoted key */
		"{'a\"':1}",
		"{\"a\":NaN}",			/* not JSON numbers */
		"{\"a\":-Infinity}",
		"{\"a\":1.}",			/* fraction without digits */
		"{\"a\":\"tab\tinside\"}",	/* raw control characters in a string */
		"{\"a\":\"new\nline\"}",
	};
	int failures = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *o = NULL;
		enum pp_err rc = parse(bad[i], &o);
		json_object_put(o);
		if (rc != PP_ERR_BAD_JSON) {
			print_error("pp_json_parse('%s') = %s, want PP_ERR_BAD_JSON\n", bad[i], pp_err_name(rc));
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void
test_invalid_utf8(void **state)
{
	json_object *o = NULL;
	(void)state;

	expect("{\"a\":\"\xc3\"}", PP_ERR_BAD_JSON);
	expect("{\"a\":\"\xc0\xaf\"}", PP_ERR_BAD_JSON);
	expect("{\"a\":\"\xed\xa0\x80\"}", PP_ERR_BAD_JSON);
	expect("{\"a\":\"\xf4\x90\x80\x80\"}", PP_ERR_BAD_JSON);
	expect("{\"\xff\":1}", PP_ERR_BAD_JSON);
	expect("{\"a\":1}\xff", PP_ERR_BAD_JSON);
	assert_int_equal(parse_n("{\"a\":\"\0\"}", 9, DEPTH, MEMBERS, &o), PP_ERR_BAD_JSON);
	assert_int_equal(parse_n("{}\0", 3, DEPTH, MEMBERS, &o), PP_ERR_BAD_JSON);
	/* A control character inside a string. */
	expect("{\"a\":\"\x01\"}", PP_ERR_BAD_JSON);
}

static void
test_output_helpers(void **state)
{
	json_object *o = json_object_new_object();
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_json_add_str(o, "s", "a/b\"c"), PP_OK);
	assert_int_equal(pp_json_add_int(o, "i", INT64_MIN), PP_OK);
	assert_int_equal(pp_json_add_bool(o, "b", 7), PP_OK);
	const char *s = pp_json_str(o, &len);
	assert_string_equal(s, "{\"s\":\"a/b\\\"c\",\"i\":-9223372036854775808,\"b\":true}");
	assert_int_equal(len, strlen(s));
	/* Round trip through the strict parser. */
	json_object *back = NULL;
	assert_int_equal(parse(s, &back), PP_OK);
	assert_string_equal(pp_json_get_str(back, "s"), "a/b\"c");
	json_object_put(back);
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_object),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_brace_in_string),
		cmocka_unit_test(test_member_limit),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_trailing_whitespace),
		cmocka_unit_test(test_strict_grammar),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_output_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
