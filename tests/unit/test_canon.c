#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_canon.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_test.h"

#define DEPTH 8

/* ------------------------------------------------------------ helpers */

/* pp_canon_check on an exact-size heap copy, so that ASan sees any read
 * past the end. */
static enum pp_err
check_n(const char *s, size_t len, int depth, struct pp_canon_field *f, size_t nf)
{
	char *copy = malloc(len ? len : 1);
	enum pp_err rc;

	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = pp_canon_check(copy, len, depth, f, nf);
	free(copy);
	return rc;
}

static enum pp_err
check(const char *s)
{
	return check_n(s, strlen(s), DEPTH, NULL, 0);
}

static void
want_check(const char *s, enum pp_err want)
{
	enum pp_err rc = check(s);

	if (rc != want)
		fail_msg("pp_canon_check('%s') = %s, want %s", s, pp_err_name(rc), pp_err_name(want));
}

/* Serializes o and compares with want (NUL-terminated). */
static void
expect_ser(json_object *o, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	enum pp_err rc = pp_canon_serialize(o, DEPTH, &out, &len);

	if (rc != PP_OK)
		fail_msg("pp_canon_serialize = %s, want '%s'", pp_err_name(rc), want);
	if (len != strlen(want) || memcmp(out, want, len) != 0)
		fail_msg("pp_canon_serialize = '%s', want '%s'", out, want);
	assert_int_equal(out[len], '\0');
	assert_int_equal(check_n(out, len, DEPTH, NULL, 0), PP_OK);
	pp_free(out);
}

static void
expect_ser_err(json_object *o, int depth, enum pp_err want)
{
	char *out = (char *)(uintptr_t)1;
	size_t len = 4242;
	enum pp_err rc = pp_canon_serialize(o, depth, &out, &len);

	if (rc != want)
		fail_msg("pp_canon_serialize = %s, want %s", pp_err_name(rc), pp_err_name(want));
	/* OUT untouched on error. */
	assert_ptr_equal(out, (char *)(uintptr_t)1);
	assert_int_equal(len, 4242);
}

/* x is canonical: check accepts it, and parse + serialize gives x back. */
static void
expect_round_trip(const char *x, size_t len)
{
	json_object *o = NULL;
	char *out = NULL;
	size_t olen = 0;

	if (check_n(x, len, DEPTH, NULL, 0) != PP_OK)
		fail_msg("pp_canon_check refuses canonical '%.*s'", (int)len, x);
	if (pp_json_parse(x, len, DEPTH, SIZE_MAX, &o) != PP_OK)
		fail_msg("pp_json_parse refuses canonical '%.*s'", (int)len, x);
	assert_int_equal(pp_canon_serialize(o, DEPTH, &out, &olen), PP_OK);
	if (olen != len || memcmp(out, x, len) != 0)
		fail_msg("round trip of '%.*s' gave '%s'", (int)len, x, out);
	pp_free(out);
	json_object_put(o);
}

/* An object nested n deep (n >= 1); every other level an array when
 * arrays is set.  Caller frees. */
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

/* The same as a json-c tree. */
static json_object *
nest_obj(int n, int arrays)
{
	json_object *inner = NULL;

	for (int i = n - 1; i >= 0; i--) {
		int arr = arrays && i % 2;
		json_object *o = arr ? json_object_new_array() : json_object_new_object();
		assert_non_null(o);
		if (inner != NULL) {
			if (arr)
				assert_int_equal(json_object_array_add(o, inner), 0);
			else
				assert_int_equal(json_object_object_add(o, "k", inner), 0);
		}
		inner = o;
	}
	return inner;
}

/* ---------------------------------------------------- serialization */

static void
test_serialize_values(void **state)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	(void)state;

	expect_ser(o, "{}");
	assert_int_equal(pp_json_add_int(o, "zero", 0), PP_OK);
	assert_int_equal(pp_json_add_int(o, "neg", -1), PP_OK);
	assert_int_equal(pp_json_add_int(o, "min", INT64_MIN), PP_OK);
	assert_int_equal(pp_json_add_int(o, "max", INT64_MAX), PP_OK);
	assert_int_equal(pp_json_add_bool(o, "t", 1), PP_OK);
	assert_int_equal(pp_json_add_bool(o, "f", 0), PP_OK);
	assert_int_equal(json_object_object_add(o, "n", NULL), 0);
	assert_int_equal(json_object_array_add(a, json_object_new_int(3)), 0);
	assert_int_equal(json_object_array_add(a, json_object_new_string("x")), 0);
	assert_int_equal(json_object_array_add(a, json_object_new_object()), 0);
	assert_int_equal(json_object_array_add(a, json_object_new_array()), 0);
	assert_int_equal(json_object_array_add(a, NULL), 0);
	assert_int_equal(json_object_array_add(a, json_object_new_int(1)), 0);
	assert_int_equal(json_object_object_add(o, "arr", a), 0);
	expect_ser(o, "{\"arr\":[3,\"x\",{},[],null,1],\"f\":false,\"max\":9223372036854775807,"
	    "\"min\":-9223372036854775808,\"n\":null,\"neg\":-1,\"t\":true,\"zero\":0}");
	json_object_put(o);
}

static void
test_serialize_strings(void **state)
{
	json_object *o = json_object_new_object();
	(void)state;

	/* The short escapes, the other controls as lower-case \u00xx, '/' and
	 * non-ASCII raw. */
	json_object_object_add(o, "s", json_object_new_string_len("\"\\\b\f\n\r\t\x01\x1f\x1a/", 11));
	expect_ser(o, "{\"s\":\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\\u001a/\"}");
	json_object_object_add(o, "s", json_object_new_string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 ~"));
	expect_ser(o, "{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 ~\"}");
	json_object_object_add(o, "s", json_object_new_string(""));
	expect_ser(o, "{\"s\":\"\"}");
	/* Keys are escaped the same way. */
	json_object_put(o);
	o = json_object_new_object();
	json_object_object_add(o, "a\"b\n", json_object_new_int(1));
	expect_ser(o, "{\"a\\\"b\\n\":1}");
	json_object_put(o);
}

/* Sorted by the unescaped key bytes, not by their escaped spelling:
 * "\n" (0x0a) < " " (0x20) < "\"" (0x22) < "A" < "\\" (0x5c) < "a". */
static void
test_serialize_key_order(void **state)
{
	static const char *const keys[] = {
		"b", "a", "aa", "", "A", "\xc3\xa9", "\\", "\"", " ", "\n", "ab", "\x01", "~",
	};
	json_object *o = json_object_new_object();
	(void)state;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_equal(pp_json_add_int(o, keys[i], (int64_t)i), PP_OK);
	expect_ser(o, "{\"\":3,\"\\u0001\":11,\"\\n\":9,\" \":8,\"\\\"\":7,\"A\":4,\"\\\\\":6,"
	    "\"a\":1,\"aa\":2,\"ab\":10,\"b\":0,\"~\":12,\"\xc3\xa9\":5}");
	json_object_put(o);
}

static void
test_serialize_refused(void **state)
{
	json_object *o = json_object_new_object(), *in = json_object_new_object();
	(void)state;

	/* Doubles, even integral ones. */
	json_object_object_add(o, "d", json_object_new_double(1.5));
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_object_add(o, "d", json_object_new_double(1.0));
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	/* Nested too. */
	json_object_object_add(o, "d", json_object_new_int(1));
	json_object_object_add(in, "x", json_object_new_double(0.0));
	json_object_object_add(o, "in", in);
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_object_del(o, "in");
	expect_ser(o, "{\"d\":1}");
	/* Above INT64_MAX (json-c keeps it as uint64). */
	json_object_object_add(o, "u", json_object_new_uint64(UINT64_MAX));
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_object_add(o, "u", json_object_new_uint64((uint64_t)INT64_MAX + 1));
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_object_add(o, "u", json_object_new_uint64((uint64_t)INT64_MAX));
	expect_ser(o, "{\"d\":1,\"u\":9223372036854775807}");
	json_object_object_del(o, "u");
	/* Strings: NUL, invalid UTF-8, DEL. */
	static const struct { const char *s; size_t len; } bad[] = {
		{ "a\0b", 3 }, { "\0", 1 }, { "\xc3", 1 }, { "\xff", 1 }, { "\xc0\xaf", 2 },
		{ "\xed\xa0\x80", 3 }, { "\xf4\x90\x80\x80", 4 }, { "\xe2\x82", 2 }, { "a\x7f", 2 },
		{ "\xc3\n\xa9", 3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_object_add(o, "s", json_object_new_string_len(bad[i].s, (int)bad[i].len));
		expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
		json_object_object_del(o, "s");
		if (bad[i].s[0] != '\0' && memchr(bad[i].s, 0, bad[i].len) == NULL) {
			/* The same bytes as a key. */
			char key[8];
			memcpy(key, bad[i].s, bad[i].len);
			key[bad[i].len] = '\0';
			json_object_object_add(o, key, json_object_new_int(1));
			expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
			json_object_object_del(o, key);
		}
	}
	expect_ser(o, "{\"d\":1}");
	/* A key held twice (json-c allows it when told the key is new). */
	json_object_object_add_ex(o, "d", json_object_new_int(2), JSON_C_OBJECT_ADD_KEY_IS_NEW);
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_put(o);

	/* Only an object at the top. */
	o = json_object_new_array();
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_put(o);
	o = json_object_new_string("x");
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_put(o);
	expect_ser_err(NULL, DEPTH, PP_ERR_FIELD_INVALID);
	/* Programming errors. */
	o = json_object_new_object();
	expect_ser_err(o, 0, PP_ERR_INTERNAL);
	expect_ser_err(o, 65, PP_ERR_INTERNAL);
	assert_int_equal(pp_canon_serialize(o, DEPTH, NULL, NULL), PP_ERR_INTERNAL);
	json_object_put(o);
}

/* serialize and check draw the depth line at the same place, which is
 * also where pp_json_parse draws it. */
static void
test_depth(void **state)
{
	(void)state;

	for (int max = 1; max <= 12; max++) {
		for (int arrays = 0; arrays <= 1; arrays++) {
			char *at = nest(max, arrays), *over = nest(max + 1, arrays);
			json_object *oa = nest_obj(max, arrays), *oo = nest_obj(max + 1, arrays);
			char *out = NULL;
			size_t len;

			assert_int_equal(check_n(at, strlen(at), max, NULL, 0), PP_OK);
			assert_int_equal(check_n(over, strlen(over), max, NULL, 0), PP_ERR_TOO_DEEP);
			assert_int_equal(pp_canon_serialize(oa, max, &out, &len), PP_OK);
			assert_string_equal(out, at);
			pp_free(out);
			expect_ser_err(oo, max, PP_ERR_TOO_DEEP);
			json_object_put(oa);
			json_object_put(oo);
			free(at);
			free(over);
		}
	}
	/* 64 is the most either accepts. */
	char *deep = nest(64, 1);
	assert_int_equal(check_n(deep, strlen(deep), 64, NULL, 0), PP_OK);
	assert_int_equal(check_n(deep, strlen(deep), 65, NULL, 0), PP_ERR_INTERNAL);
	assert_int_equal(check_n(deep, strlen(deep), 0, NULL, 0), PP_ERR_INTERNAL);
	free(deep);
	/* Very deep input is refused at the limit, without recursing further. */
	size_t n = 100000;
	char *big = malloc(2 * n + 8);
	assert_non_null(big);
	memcpy(big, "{\"a\":", 5);
	memset(big + 5, '[', n);
	memset(big + 5 + n, ']', n);
	big[5 + 2 * n] = '}';
	assert_int_equal(check_n(big, 2 * n + 6, DEPTH, NULL, 0), PP_ERR_TOO_DEEP);
	free(big);
}

/* --------------------------------------------------------- checking */

static const char *const canonical[] = {
	"{}",
	"{\"a\":1}",
	"{\"\":0}",
	"{\"a\":-9223372036854775808,\"b\":9223372036854775807}",
	"{\"a\":[],\"b\":{},\"c\":[[],{}],\"d\":[null,true,false,0,-1,\"\"]}",
	"{\"a\":\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u000b\\u000e\\u001f\"}",
	"{\"a\":\"/\",\"b\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf\xc2\x80\"}",
	"{\"a\":{\"a\":{\"a\":[1,2,3]}},\"aa\":1,\"ab\":2,\"b\":[{\"x\":1,\"y\":2}]}",
	"{\"\\n\":1,\" \":2,\"\\\"\":3,\"A\":4,\"\\\\\":5,\"a\":6}",
	"{\"\\u0001\":1,\"\\u0001\\u0001\":2,\"\\u0002\":3}",
	"{\"k\":\"\\u001a \\\\u0041 \\\\/\"}",
	"{\"x\":10,\"y\":100,\"z\":1234567890}",
};

static void
test_check_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++)
		expect_round_trip(canonical[i], strlen(canonical[i]));
}

static void
test_check_whitespace(void **state)
{
	(void)state;
	want_check("{ }", PP_ERR_BAD_JSON);
	want_check(" {}", PP_ERR_BAD_JSON);
	want_check("{} ", PP_ERR_BAD_JSON);
	want_check("{}\n", PP_ERR_BAD_JSON);
	want_check("{\"a\": 1}", PP_ERR_BAD_JSON);
	want_check("{\"a\" :1}", PP_ERR_BAD_JSON);
	want_check("{\"a\":1 }", PP_ERR_BAD_JSON);
	want_check("{\"a\":1, \"b\":2}", PP_ERR_BAD_JSON);
	want_check("{\"a\":[1, 2]}", PP_ERR_BAD_JSON);
	want_check("{\"a\":[ ]}", PP_ERR_BAD_JSON);
	want_check("{\n\"a\":1}", PP_ERR_BAD_JSON);
	want_check("{\t\"a\":1}", PP_ERR_BAD_JSON);
	want_check("{\"a\":1\r}", PP_ERR_BAD_JSON);
}

static void
test_check_order(void **state)
{
	(void)state;
	want_check("{\"b\":1,\"a\":2}", PP_ERR_BAD_JSON);
	want_check("{\"aa\":1,\"a\":2}", PP_ERR_BAD_JSON);	/* shorter prefix first */
	want_check("{\"a\":1,\"A\":2}", PP_ERR_BAD_JSON);
	want_check("{\"\xc3\xa9\":1,\"z\":2}", PP_ERR_BAD_JSON);
	want_check("{\"a\":{\"c\":1,\"b\":2}}", PP_ERR_BAD_JSON);
	want_check("{\"a\":[{\"y\":1,\"x\":2}]}", PP_ERR_BAD_JSON);
	/* Escaped keys compare by what they stand for: "\\" (0x5c) after "A",
	 * "\n" (0x0a) before " ", "\"" (0x22) before "A". */
	want_check("{\"\\\\\":1,\"A\":2}", PP_ERR_BAD_JSON);
	want_check("{\" \":1,\"\\n\":2}", PP_ERR_BAD_JSON);
	want_check("{\"A\":1,\"\\\"\":2}", PP_ERR_BAD_JSON);
	want_check("{\"\\u0002\":1,\"\\u0001\":2}", PP_ERR_BAD_JSON);
	want_check("{\"\\u001f\":1,\"\\t\":2}", PP_ERR_BAD_JSON);
	want_check("{\"\\t\":1,\"\\u001f\":2}", PP_OK);
	/* Duplicates, at any level. */
	want_check("{\"a\":1,\"a\":1}", PP_ERR_BAD_JSON);
	want_check("{\"\":1,\"\":2}", PP_ERR_BAD_JSON);
	want_check("{\"a\":1,\"b\":{\"x\":1,\"x\":2}}", PP_ERR_BAD_JSON);
	want_check("{\"l\":[{\"x\":1,\"x\":1}]}", PP_ERR_BAD_JSON);
	want_check("{\"\\n\":1,\"\\n\":2}", PP_ERR_BAD_JSON);
	/* The same key in different objects is fine. */
	want_check("{\"a\":{\"a\":1},\"b\":[{\"a\":1},{\"a\":2}]}", PP_OK);
}

static void
test_check_escapes(void **state)
{
	static const char *const bad[] = {
		"{\"a\":\"\\/\"}",		/* '/' is written raw */
		"{\"a\":\"\\u0041\"}",		/* a printable character */
		"{\"\\u0061\":1}",
		"{\"a\":\"\\u00e9\"}",		/* non-ASCII is written raw */
		"{\"a\":\"\\u20ac\"}",
		"{\"a\":\"\\ud83d\\ude00\"}",
		"{\"a\":\"\\u001F\"}",		/* upper-case hex */
		"{\"a\":\"\\u001A\"}",
		"{\"a\":\"\\U001f\"}",
		"{\"a\":\"\\u000a\"}",		/* has a short escape */
		"{\"a\":\"\\u0008\"}",
		"{\"a\":\"\\u0009\"}",
		"{\"a\":\"\\u000c\"}",
		"{\"a\":\"\\u000d\"}",
		"{\"a\":\"\\u0022\"}",
		"{\"a\":\"\\u005c\"}",
		"{\"a\":\"\\u0000\"}",		/* NUL */
		"{\"a\":\"\\u007f\"}",		/* DEL */
		"{\"a\":\"\\u0020\"}",
		"{\"a\":\"\\u01\"}",		/* short */
		"{\"a\":\"\\u001\"}",
		"{\"a\":\"\\x41\"}",		/* not JSON */
		"{\"a\":\"\\a\"}",
		"{\"a\":\"\\'\"}",
		"{\"a\":\"\\\"}",		/* escape eats the closing quote */
		"{\"a\":\"\x01\"}",		/* raw controls */
		"{\"a\":\"\t\"}",
		"{\"a\":\"\n\"}",
		"{\"a\":\"\x1f\"}",
		"{\"a\":\"\x7f\"}",		/* raw DEL (see pp_canon.h) */
		"{\"\x7f\":1}",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		want_check(bad[i], PP_ERR_BAD_JSON);
	assert_int_equal(check_n("{\"a\":\"\0\"}", 9, DEPTH, NULL, 0), PP_ERR_BAD_JSON);
	want_check("{\"a\\u0000\":1}", PP_ERR_BAD_JSON);
}

static void
test_check_numbers(void **state)
{
	static const char *const bad[] = {
		"{\"a\":01}", "{\"a\":00}", "{\"a\":-01}", "{\"a\":-0}", "{\"a\":+1}", "{\"a\":-}",
		"{\"a\":1.0}", "{\"a\":1.5}", "{\"a\":0.0}", "{\"a\":1e3}", "{\"a\":1E3}", "{\"a\":1e+3}",
		"{\"a\":-1e-3}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":0x10}", "{\"a\":NaN}",
		"{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":9223372036854775808}",
		"{\"a\":-9223372036854775809}", "{\"a\":99999999999999999999999}",
		"{\"a\":[1,01]}", "{\"a\":[-0]}",
		"{\"a\":True}", "{\"a\":nul}", "{\"a\":nulll}", "{\"a\":truefalse}", "{\"a\":undefined}",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		want_check(bad[i], PP_ERR_BAD_JSON);
	want_check("{\"a\":0,\"b\":-1,\"c\":10,\"d\":[0,-9]}", PP_OK);
}

static void
test_check_structure(void **state)
{
	static const char *const bad[] = {
		"", "[]", "1", "\"a\"", "null", "true", "}", "{", "{\"a\"", "{\"a\":", "{\"a\":1",
		"{\"a\":\"x", "{\"a\":\"\\", "{\"a\":\"\\u00", "{\"a\":[", "{\"a\":[1", "{\"a\":[1,",
		"{,}", "{\"a\":1,}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\"1}", "{\"a\"::1}",
		"{\"a\":1,,\"b\":2}", "{a:1}", "{'a':1}", "{\"a\":'x'}", "{\"a\":1}}", "{\"a\":[1]]}",
		"{}x", "{}{}", "{}[]", "{\"a\":{}", "{\"a\":]}", "{\"a\":[}]}", "{\"a\":1]",
		"{\"a\":[1}", "{\"a\":{\"b\":1]}",
		"\xef\xbb\xbf{}",	/* a byte order mark */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		want_check(bad[i], PP_ERR_BAD_JSON);
	assert_int_equal(check_n("{}\0", 3, DEPTH, NULL, 0), PP_ERR_BAD_JSON);
	assert_int_equal(pp_canon_check(NULL, 0, DEPTH, NULL, 0), PP_ERR_BAD_JSON);
	/* Length, not NUL, ends the input. */
	assert_int_equal(pp_canon_check("{}", 1, DEPTH, NULL, 0), PP_ERR_BAD_JSON);
	assert_int_equal(pp_canon_check("{\"a\":1}xyz", 7, DEPTH, NULL, 0), PP_OK);
}

static void
test_check_utf8(void **state)
{
	static const char *const bad[] = {
		"{\"a\":\"\xc3\"}", "{\"a\":\"\xc3\\n\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xe0\x80\xaf\"}",
		"{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xed\xbf\xbf\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xf8\x88\x80\x80\x80\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\x80\"}",
		"{\"a\":\"\xe2\x82\"}", "{\"\xff\":1}", "{\"\xc3\":1}", "{\"a\":1}\xff",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		want_check(bad[i], PP_ERR_BAD_JSON);
	want_check("{\"a\":\"\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"}", PP_OK);
}

/* ---------------------------------------------------------- capture */

static void
test_capture(void **state)
{
	struct pp_canon_field f[4] = {
		{ .key = "seq", .is_int = 1 },
		{ .key = "prev", .is_int = 0 },
		{ .key = "a\nb", .is_int = 0 },
		{ .key = "absent", .is_int = 1 },
	};
	const char *s = "{\"a\":{\"prev\":\"inner\",\"seq\":5},\"a\\nb\":\"x\",\"prev\":\"p\\\"q\","
	    "\"seq\":-7,\"z\":[{\"seq\":9}]}";
	(void)state;

	f[3].found = 1;	/* cleared on entry */
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 4), PP_OK);
	assert_int_equal(f[0].found, 1);
	assert_int_equal(f[0].i, -7);
	assert_int_equal(f[1].found, 1);
	assert_int_equal(f[1].slen, 4);
	assert_memory_equal(f[1].s, "p\\\"q", 4);
	assert_ptr_equal(f[1].s, strstr(s, "p\\\"q"));
	assert_int_equal(f[2].found, 1);
	assert_int_equal(f[2].slen, 1);
	assert_memory_equal(f[2].s, "x", 1);
	assert_int_equal(f[3].found, 0);

	/* Present only in a nested object (seq in "a" comes first; prev
	 * later in the array): not captured. */
	s = "{\"a\":{\"prev\":\"inner\",\"seq\":5},\"z\":[{\"prev\":\"y\",\"seq\":9}]}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_OK);
	assert_int_equal(f[0].found, 0);
	assert_int_equal(f[1].found, 0);
	/* Nested after the top-level one: the top-level value is kept. */
	s = "{\"prev\":\"top\",\"q\":{\"prev\":\"inner\"},\"seq\":1}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_OK);
	assert_int_equal(f[0].found, 1);
	assert_int_equal(f[0].i, 1);
	assert_int_equal(f[1].found, 1);
	assert_int_equal(f[1].slen, 3);
	assert_memory_equal(f[1].s, "top", 3);

	/* The wrong type is not found. */
	s = "{\"prev\":7,\"seq\":\"7\"}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_OK);
	assert_int_equal(f[0].found, 0);
	assert_int_equal(f[1].found, 0);
	s = "{\"prev\":null,\"seq\":[7]}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_OK);
	assert_int_equal(f[0].found, 0);
	assert_int_equal(f[1].found, 0);
	/* Extremes and the empty string. */
	s = "{\"prev\":\"\",\"seq\":-9223372036854775808}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_OK);
	assert_int_equal(f[0].found, 1);
	assert_true(f[0].i == INT64_MIN);
	assert_int_equal(f[1].found, 1);
	assert_int_equal(f[1].slen, 0);
	/* A key that only looks like it: prefix, longer, escaped differently. */
	s = "{\"pre\":\"a\",\"prev \":\"b\",\"prevv\":\"c\",\"se\":1,\"seq\\t\":2}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_OK);
	assert_int_equal(f[0].found, 0);
	assert_int_equal(f[1].found, 0);

	/* Refused bytes leave nothing captured, even what came before the
	 * error. */
	s = "{\"prev\":\"p\",\"seq\":1,\"z\":01}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_ERR_BAD_JSON);
	assert_int_equal(f[0].found, 0);
	assert_int_equal(f[1].found, 0);
	assert_null(f[1].s);
	s = "{\"prev\":\"p\",\"seq\":1,\"z\":[[[[[[[[[]]]]]]]]]}";
	assert_int_equal(pp_canon_check(s, strlen(s), DEPTH, f, 2), PP_ERR_TOO_DEEP);
	assert_int_equal(f[0].found, 0);
	assert_int_equal(f[1].found, 0);

	/* Programming errors. */
	assert_int_equal(pp_canon_check("{}", 2, DEPTH, NULL, 1), PP_ERR_INTERNAL);
	f[3].key = NULL;
	assert_int_equal(pp_canon_check("{}", 2, DEPTH, f, 4), PP_ERR_INTERNAL);
}

/* ----------------------------------------------------------- RFC 8785 */

/*
 * RFC 8785 section 3.2.2: parsing the example and serializing it.  The
 * "numbers" member of the RFC holds floats, which are refused here; with
 * integers instead, the rest (literals, the string with its escapes) must
 * come out as the RFC shows.
 */
static void
test_rfc8785_values(void **state)
{
	static const char rfc_floats[] =
	    "{\n"
	    "  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
	    "              2e-3, 0.000000000000000000000000001],\n"
	    "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
	    "  \"literals\": [null, true, false]\n"
	    "}";
	static const char rfc_ints[] =
	    "{\n"
	    "  \"numbers\": [333333333, 1000000000000000000, 4, -2, 0],\n"
	    "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
	    "  \"literals\": [null, true, false]\n"
	    "}";
	static const char want[] =
	    "{\"literals\":[null,true,false],\"numbers\":[333333333,1000000000000000000,4,-2,0],"
	    "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
	json_object *o = NULL;
	(void)state;

	assert_int_equal(pp_json_parse(rfc_floats, strlen(rfc_floats), DEPTH, 64, &o), PP_OK);
	expect_ser_err(o, DEPTH, PP_ERR_FIELD_INVALID);
	json_object_put(o);
	assert_int_equal(pp_json_parse(rfc_ints, strlen(rfc_ints), DEPTH, 64, &o), PP_OK);
	expect_ser(o, want);
	json_object_put(o);
	want_check(rfc_ints, PP_ERR_BAD_JSON);
	expect_round_trip(want, strlen(want));
}

/*
 * RFC 8785 section 3.2.3: the sorting example.  JCS sorts by UTF-16 code
 * units; this scheme sorts by UTF-8 bytes (pp_canon.h).  The two agree for
 * every key here except the one outside the Basic Multilingual Plane (the
 * emoji): JCS puts it before U+FB33 (its surrogate 0xD83D < 0xFB33), byte
 * order after (0xF0 > 0xEF).
 */
static void
test_rfc8785_sorting(void **state)
{
	static const char rfc[] =
	    "{\n"
	    "  \"\\u20ac\": \"Euro Sign\",\n"
	    "  \"\\r\": \"Carriage Return\",\n"
	    "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
	    "  \"1\": \"One\",\n"
	    "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
	    "  \"\\u0080\": \"Control\",\n"
	    "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
	    "}";
	static const char want[] =
	    "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
	    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
	    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\","
	    "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\"}";
	/* The JCS order, refused here: the emoji before U+FB33. */
	static const char jcs[] =
	    "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
	    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
	    "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
	json_object *o = NULL;
	(void)state;

	assert_int_equal(pp_json_parse(rfc, strlen(rfc), DEPTH, 64, &o), PP_OK);
	expect_ser(o, want);
	json_object_put(o);
	expect_round_trip(want, strlen(want));
	want_check(jcs, PP_ERR_BAD_JSON);
}

/* ----------------------------------------------- pseudo-random objects */

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Pieces strings are made of: escapes of every kind, '/', multi-byte
 * UTF-8, characters around the escaped ones in byte order. */
static const char *const pieces[] = {
	"a", "b", "ab", "z", "A", "0", " ", "!", "#", "~", "/", "\"", "\\", "\n", "\r", "\t",
	"\b", "\f", "\x01", "\x1f", "\x0b", "\xc2\x80", "\xc3\xa9", "\xe2\x82\xac", "\xef\xbf\xbf",
	"\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "u0041", "{", "}", "[", "]", ",", ":",
};

static void
rnd_string(uint64_t *seed, char *buf, size_t cap, size_t maxpieces)
{
	size_t n = rnd(seed) % (maxpieces + 1), p = 0;

	for (size_t i = 0; i < n; i++) {
		const char *x = pieces[rnd(seed) % (sizeof(pieces) / sizeof(pieces[0]))];
		size_t l = strlen(x);
		if (p + l >= cap)
			break;
		memcpy(buf + p, x, l);
		p += l;
	}
	buf[p] = '\0';
}

static json_object *
rnd_value(uint64_t *seed, int depth, int max_depth)
{
	static const int64_t ints[] = { 0, 1, -1, 9, 10, -10, INT64_MAX, INT64_MIN, INT64_MAX - 1,
	    INT64_MIN + 1 };
	unsigned kind = (unsigned)(rnd(seed) % (depth < max_depth ? 8 : 6));
	char buf[64];
	json_object *o;

	switch (kind) {
	case 0:
		return NULL;
	case 1:
		return json_object_new_boolean((int)(rnd(seed) & 1));
	case 2:
		return json_object_new_int64(ints[rnd(seed) % (sizeof(ints) / sizeof(ints[0]))]);
	case 3:
		return json_object_new_int64((int64_t)rnd(seed) >> (rnd(seed) % 64));
	case 4:
	case 5:
		rnd_string(seed, buf, sizeof(buf), 6);
		return json_object_new_string(buf);
	case 6:
		o = json_object_new_array();
		assert_non_null(o);
		for (uint64_t i = 0, n = rnd(seed) % 5; i < n; i++)
			assert_int_equal(json_object_array_add(o, rnd_value(seed, depth + 1, max_depth)), 0);
		return o;
	default:
		o = json_object_new_object();
		assert_non_null(o);
		for (uint64_t i = 0, n = rnd(seed) % 7; i < n; i++) {
			rnd_string(seed, buf, sizeof(buf), 3);
			assert_int_equal(json_object_object_add(o, buf, rnd_value(seed, depth + 1,
			    max_depth)), 0);
		}
		return o;
	}
}

static json_object *
rnd_object(uint64_t *seed, int max_depth)
{
	json_object *o = json_object_new_object();
	char key[64];

	assert_non_null(o);
	for (uint64_t i = 0, n = rnd(seed) % 9; i < n; i++) {
		rnd_string(seed, key, sizeof(key), 3);
		assert_int_equal(json_object_object_add(o, key, rnd_value(seed, 2, max_depth)), 0);
	}
	return o;
}

/* The invariant the fuzz target also checks: whatever pp_canon_check
 * accepts, pp_json_parse reads and pp_canon_serialize writes back
 * byte for byte. */
static void
assert_canonical_fixpoint(const char *x, size_t len)
{
	json_object *o = NULL;
	char *out = NULL;
	size_t olen;

	if (pp_json_parse(x, len, DEPTH, SIZE_MAX, &o) != PP_OK)
		fail_msg("accepted as canonical but not parsed: '%.*s'", (int)len, x);
	assert_int_equal(pp_canon_serialize(o, DEPTH, &out, &olen), PP_OK);
	if (olen != len || memcmp(out, x, len) != 0)
		fail_msg("accepted as canonical: '%.*s', canonical: '%s'", (int)len, x, out);
	pp_free(out);
	json_object_put(o);
}

static void
test_random_objects(void **state)
{
	static const char inserts[] = " ,:{}[]\"\\0-1.e/u\n\x7f\xc3\xa9";
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t mutants = 0, accepted = 0;
	(void)state;

	for (int iter = 0; iter < 2000; iter++) {
		json_object *o = rnd_object(&seed, DEPTH), *back = NULL;
		char *out = NULL, *out2 = NULL;
		size_t len, len2;

		assert_int_equal(pp_canon_serialize(o, DEPTH, &out, &len), PP_OK);
		if (check_n(out, len, DEPTH, NULL, 0) != PP_OK)
			fail_msg("serialization not accepted by the check: '%s'", out);
		assert_int_equal(pp_json_parse(out, len, DEPTH, SIZE_MAX, &back), PP_OK);
		assert_true(json_object_equal(o, back));
		assert_int_equal(pp_canon_serialize(back, DEPTH, &out2, &len2), PP_OK);
		assert_int_equal(len, len2);
		assert_memory_equal(out, out2, len);
		pp_free(out2);
		json_object_put(back);

		/* Mutants: one byte changed, removed, inserted or doubled. */
		char *m = malloc(len + 2);
		assert_non_null(m);
		for (int k = 0; k < 20; k++) {
			size_t pos = rnd(&seed) % len, mlen = len;
			memcpy(m, out, len);
			switch (rnd(&seed) % 4) {
			case 0:
				m[pos] ^= (char)(1u << (rnd(&seed) % 8));
				break;
			case 1:
				memmove(m + pos, m + pos + 1, len - pos - 1);
				mlen--;
				break;
			case 2:
				memmove(m + pos + 1, m + pos, len - pos);
				m[pos] = inserts[rnd(&seed) % (sizeof(inserts) - 1)];
				mlen++;
				break;
			default:
				memmove(m + pos + 1, m + pos, len - pos);
				mlen++;
				break;
			}
			mutants++;
			enum pp_err rc = check_n(m, mlen, DEPTH, NULL, 0);
			assert_true(rc == PP_OK || rc == PP_ERR_BAD_JSON || rc == PP_ERR_TOO_DEEP);
			if (rc == PP_OK) {
				accepted++;
				assert_canonical_fixpoint(m, mlen);
			}
		}
		free(m);
		pp_free(out);
		json_object_put(o);
	}
	print_message("%zu of %zu mutants were canonical, and round-tripped\n", accepted, mutants);
	/* Some mutants are canonical too (a digit or a letter changed). */
	assert_true(accepted > 0);
	assert_true(accepted < mutants);
}

/* ----------------------------------------------- allocation failures */

static void
test_alloc_failures(void **state)
{
	json_object *o = json_object_new_object(), *in = json_object_new_object();
	json_object *arr = json_object_new_array();
	char big[600];
	long k;
	(void)state;

	/* Enough members and bytes for several allocations: the buffer grows
	 * and every object needs its sorted member table. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 5; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(pp_json_add_str(in, key, big), PP_OK);
		assert_int_equal(json_object_array_add(arr, json_object_new_object()), 0);
	}
	assert_int_equal(json_object_object_add(in, "arr", arr), 0);
	assert_int_equal(json_object_object_add(o, "in", in), 0);
	assert_int_equal(pp_json_add_str(o, "s", big), PP_OK);

	for (k = 0; k < 1000; k++) {
		char *out = (char *)(uintptr_t)1;
		size_t len = 4242;
		pp_mem_fail_after(k);
		enum pp_err rc = pp_canon_serialize(o, DEPTH, &out, &len);
		pp_mem_fail_after(-1);
		if (rc == PP_OK) {
			assert_int_equal(check_n(out, len, DEPTH, NULL, 0), PP_OK);
			pp_free(out);
			break;
		}
		assert_int_equal(rc, PP_ERR_NOMEM);
		assert_ptr_equal(out, (char *)(uintptr_t)1);
		assert_int_equal(len, 4242);
	}
	/* Several allocations were made to fail before it went through (and
	 * ASan's leak check sees that each failure freed what it had). */
	assert_true(k >= 5);
	assert_true(k < 1000);

	/* The check allocates nothing: it works with every allocation failing. */
	pp_mem_fail_after(0);
	assert_int_equal(check(canonical[7]), PP_OK);
	pp_mem_fail_after(-1);
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serialize_values),
		cmocka_unit_test(test_serialize_strings),
		cmocka_unit_test(test_serialize_key_order),
		cmocka_unit_test(test_serialize_refused),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_check_accepts),
		cmocka_unit_test(test_check_whitespace),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_check_escapes),
		cmocka_unit_test(test_check_numbers),
		cmocka_unit_test(test_check_structure),
		cmocka_unit_test(test_check_utf8),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_rfc8785_values),
		cmocka_unit_test(test_rfc8785_sorting),
		cmocka_unit_test(test_random_objects),
		cmocka_unit_test_teardown(test_alloc_failures, pp_test_alloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
