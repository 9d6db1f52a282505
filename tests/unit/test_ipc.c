#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_proc.h"

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
	/* More members than PP_IPC_MAX_MEMBERS (in a message below PP_IPC_MAX,
	 * so that the member count is what refuses it). */
	size_t cap = 16 * (size_t)PP_IPC_MAX_MEMBERS + 64;
	char *big = malloc(cap);
	assert_non_null(big);
	p = (size_t)snprintf(big, cap, "{\"v\":1");
	for (int i = 0; i < PP_IPC_MAX_MEMBERS; i++)
		p += (size_t)snprintf(big + p, cap - p, ",\"k%d\":0", i);
	big[p++] = '}';
	big[p] = '\0';
	assert_true(p < PP_IPC_MAX);
	expect_proto(big);
	free(big);
}

/*
 * Deferred answers: a handler that answers "later" keeps the connection
 * waiting (not read, not timed out) until the wake hook delivers the answer
 * to the connection it came from, while other requests are answered at
 * once; an answer for a connection that has gone is dropped.
 */
static struct {
	uint64_t conn[64];
	int64_t n[64];
	size_t count;
	int efd;
} later;

static enum pp_err
later_handle(void *ctx, const struct pp_ipc_peer *peer, json_object *req, json_object **ans)
{
	const char *op = pp_json_get_str(req, "op");
	json_object *v;

	(void)ctx;
	(void)peer;
	if (op != NULL && strcmp(op, "later") == 0 && later.count < 64 &&
	    json_object_object_get_ex(req, "n", &v)) {
		later.conn[later.count] = pp_ipc_current_conn();
		later.n[later.count++] = json_object_get_int64(v);
		*ans = NULL;
		return PP_OK;
	}
	*ans = json_object_new_object();
	return pp_json_add_int(*ans, "v", 1) == PP_OK && pp_json_add_str(*ans, "now", "yes") == PP_OK ?
	    PP_OK : PP_ERR_NOMEM;
}

static enum pp_err
later_flush(void *ctx)
{
	uint64_t one = 1;

	(void)ctx;
	if (later.count > 0 && write(later.efd, &one, sizeof(one)) != sizeof(one))
		return PP_ERR_IO;
	return PP_OK;
}

static void
later_wake(void *ctx, pp_ipc_deliver_fn deliver, void *darg)
{
	uint64_t v;

	(void)ctx;
	if (read(later.efd, &v, sizeof(v)) != sizeof(v))
		return;
	/* In reverse order: each answer must still reach its own connection. */
	while (later.count > 0) {
		json_object *a = json_object_new_object();
		later.count--;
		if (a == NULL || pp_json_add_int(a, "v", 1) != PP_OK ||
		    pp_json_add_int(a, "n", later.n[later.count] * 10) != PP_OK) {
			json_object_put(a);
			continue;
		}
		deliver(darg, later.conn[later.count], a);
	}
}

static json_object *
req_of(const char *text)
{
	json_object *o = NULL;

	assert_int_equal(pp_json_parse(text, strlen(text), 8, 16, &o), PP_OK);
	return o;
}

static void
test_deferred(void **state)
{
	char path[108];
	struct sockaddr_un sa;
	int fd;
	pid_t pid;
	json_object *reqs[6], *ans[6] = { NULL };
	enum pp_err rcs[6];
	(void)state;

	snprintf(path, sizeof(path), "/tmp/pp-ipc-test-%ld.sock", (long)getpid());
	unlink(path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uid_t me = getuid();
		struct pp_ipc_server_ops ops = { .handle = later_handle, .flush = later_flush,
			.wake = later_wake, .tick_ms = 100 };
		later.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ops.wake_fd = later.efd;
		pp_proc_signals();
		_exit(pp_ipc_serve_ex(fd, &me, 1, &ops, NULL) == PP_OK ? 0 : 1);
	}
	close(fd);
	for (int i = 0; i < 5; i++) {
		char t[64];
		snprintf(t, sizeof(t), "{\"v\":1,\"op\":\"later\",\"n\":%d}", i + 1);
		reqs[i] = req_of(t);
	}
	reqs[5] = req_of("{\"v\":1,\"op\":\"now\"}");
	assert_int_equal(pp_ipc_call_many(path, reqs, 6, 5000, ans, rcs), PP_OK);
	for (int i = 0; i < 5; i++) {
		json_object *v;
		assert_int_equal(rcs[i], PP_OK);
		assert_true(json_object_object_get_ex(ans[i], "n", &v));
		assert_int_equal(json_object_get_int64(v), (i + 1) * 10);
	}
	assert_int_equal(rcs[5], PP_OK);
	assert_string_equal(pp_json_get_str(ans[5], "now"), "yes");
	for (int i = 0; i < 6; i++)
		json_object_put(ans[i]);

	/* A client that leaves before its deferred answer: the server drops
	 * the answer and keeps serving. */
	{
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		const char *m = "{\"v\":1,\"op\":\"later\",\"n\":7}";
		unsigned char hdr[4] = { 0, 0, 0, (unsigned char)strlen(m) };
		assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(write(c, hdr, 4), 4);
		assert_int_equal(write(c, m, strlen(m)), (ssize_t)strlen(m));
		close(c);
	}
	json_object *a = NULL;
	assert_int_equal(pp_ipc_call(path, reqs[5], 5000, &a), PP_OK);
	assert_string_equal(pp_json_get_str(a, "now"), "yes");
	json_object_put(a);
	for (int i = 0; i < 6; i++)
		json_object_put(reqs[i]);

	int st;
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_deferred),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
