#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_ipc.h"
#include "pp_json.h"

static enum pp_err
decode(const char *s, json_object **msg)
{
	size_t len = strlen(s);
	unsigned char *copy = malloc(len ? len : 1);
	enum pp_err rc;

	assert_non_null(copy);
	memcpy(copy, s, len);
	*msg = NULL;
	rc = pp_ipc_decode(copy, len, msg);
	free(copy);
	return rc;
}

static void
expect_proto(const char *s)
{
	json_object *msg = NULL;
	enum pp_err rc = decode(s, &msg);

	if (rc != PP_ERR_PROTO)
		fail_msg("pp_ipc_decode('%.200s') = %s, want PP_ERR_PROTO", s, pp_err_name(rc));
	assert_null(msg);
}

static void
test_valid(void **state)
{
	json_object *msg = NULL, *v;
	(void)state;

	assert_int_equal(decode("{\"v\":1,\"op\":\"health\"}", &msg), PP_OK);
	assert_non_null(msg);
	assert_true(json_object_object_get_ex(msg, "v", &v));
	assert_int_equal(json_object_get_int64(v), PP_IPC_VERSION);
	assert_string_equal(pp_json_get_str(msg, "op"), "health");
	json_object_put(msg);

	/* Answers carry "ok"; key order and whitespace do not matter. */
	assert_int_equal(decode(" {\"ok\":true, \"v\" : 1}\n", &msg), PP_OK);
	json_object_put(msg);
	/* Nesting exactly at the limit (PP_IPC_MAX_DEPTH levels). */
	char buf[512];
	size_t p = 0;
	buf[p++] = '{';
	p += (size_t)snprintf(buf + p, sizeof(buf) - p, "\"v\":1");
	for (int i = 1; i < PP_IPC_MAX_DEPTH; i++)
		p += (size_t)snprintf(buf + p, sizeof(buf) - p, ",\"n\":{\"x\":1");
	for (int i = 0; i < PP_IPC_MAX_DEPTH; i++)
		buf[p++] = '}';
	buf[p] = '\0';
	assert_int_equal(decode(buf, &msg), PP_OK);
	json_object_put(msg);
}

static void
test_version(void **state)
{
	(void)state;
	expect_proto("{\"op\":\"health\"}");		/* missing v */
	expect_proto("{\"v\":2,\"op\":\"health\"}");
	expect_proto("{\"v\":0,\"op\":\"health\"}");
	expect_proto("{\"v\":-1,\"op\":\"health\"}");
	expect_proto("{\"v\":\"1\",\"op\":\"health\"}");	/* v as string */
	expect_proto("{\"v\":1.0,\"op\":\"health\"}");
	expect_proto("{\"v\":true,\"op\":\"health\"}");
	expect_proto("{\"v\":null,\"op\":\"health\"}");
	expect_proto("{\"v\":[1],\"op\":\"health\"}");
	expect_proto("{\"v\":{\"v\":1},\"op\":\"health\"}");
	expect_proto("{\"v\":4294967297,\"op\":\"health\"}");	/* 1 modulo 2^32 */
	expect_proto("{\"V\":1,\"op\":\"health\"}");
	expect_proto("{\"v\":1,\"v\":1,\"op\":\"health\"}");	/* duplicate */
}

static void
test_malformed(void **state)
{
	json_object *msg = NULL;
	(void)state;

	expect_proto("[1]");				/* not an object */
	expect_proto("[{\"v\":1}]");
	expect_proto("\"v\"");
	expect_proto("1");
	expect_proto("null");
	expect_proto("{\"v\":1,\"op\":\"health\"} x");	/* trailing data */
	expect_proto("{\"v\":1,\"op\":\"health\"}{}");
	expect_proto("{\"v\":1,\"op\":\"health\"");	/* truncated */
	expect_proto("{\"v\":1,\"op\":\"he\xc3\"}");	/* invalid UTF-8 */
	expect_proto("");
	assert_int_equal(pp_ipc_decode((const unsigned char *)"{\"v\":1}\0", 8, &msg), PP_ERR_PROTO);
	assert_null(msg);
}

static void
test_limits(void **state)
{
	char buf[8192];
	size_t p = 0;
	(void)state;

	/* One level deeper than PP_IPC_MAX_DEPTH. */
	p = (size_t)snprintf(buf, sizeof(buf), "{\"v\":1");
	for (int i = 1; i < PP_IPC_MAX_DEPTH + 1; i++)
		p += (size_t)snprintf(buf + p, sizeof(buf) - p, ",\"n\":{\"x\":1");
	for (int i = 1; i < PP_IPC_MAX_DEPTH + 1; i++)
		buf[p++] = '}';
	buf[p++] = '}';
	buf[p] = '\0';
	expect_proto(buf);
	/* Arrays count as nesting too. */
	p = (size_t)snprintf(buf, sizeof(buf), "{\"v\":1,\"a\":");
	for (int i = 0; i < 100; i++)
		buf[p++] = '[';
	for (int i = 0; i < 100; i++)
		buf[p++] = ']';
	buf[p++] = '}';
	buf[p] = '\0';
	expect_proto(buf);
	/* More members than PP_IPC_MAX_MEMBERS. */
	p = (size_t)snprintf(buf, sizeof(buf), "{\"v\":1");
	for (int i = 0; i < PP_IPC_MAX_MEMBERS; i++)
		p += (size_t)snprintf(buf + p, sizeof(buf) - p, ",\"k%d\":0", i);
	buf[p++] = '}';
	buf[p] = '\0';
	expect_proto(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
