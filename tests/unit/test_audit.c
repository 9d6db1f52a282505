/*
 * pp_audit: the record schema (both sides), the client's fail-closed
 * behaviour, and the batching server the daemon's group commit rests on.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "pp_audit.h"
#include "pp_canon.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_proc.h"
#include "pp_test.h"

static const struct pp_ipc_peer peer = { 4321, 1000, 1000 };

static json_object *
parse(const char *s)
{
	json_object *o = NULL;

	assert_int_equal(pp_json_parse(s, strlen(s), 8, 256, &o), PP_OK);
	return o;
}

/* Builds a record from JSON text; returns the result, *out the bytes. */
static enum pp_err
build(const char *in, char **out, size_t *len, const char **why)
{
	json_object *o = parse(in);
	enum pp_err rc;

	*out = NULL;
	rc = pp_audit_record_build(o, "test.example/audit", 7, "2026-11-21T06:00:00.123456Z", &peer,
	    out, len, why);
	json_object_put(o);
	return rc;
}

static void
expect_refused(const char *in)
{
	char *out;
	size_t len;
	const char *why = NULL;
	enum pp_err rc = build(in, &out, &len, &why);

	if (rc == PP_OK)
		fail_msg("accepted: %s -> %s", in, out);
	assert_non_null(why);
	assert_null(out);
}

#define ACTOR "\"actor\":{\"kind\":\"system\",\"id\":\"paraphe-sca\"}"
#define BASE "\"type\":\"component.start\",\"outcome\":\"success\"," ACTOR

static void
test_names(void **state)
{
	enum pp_audit_type t;
	(void)state;

	/* Every type has a distinct dotted name that maps back to it. */
	for (int i = 0; i < PP_AUDIT__MAX; i++) {
		const char *n = pp_audit_type_name((enum pp_audit_type)i);
		assert_non_null(strchr(n, '.'));
		assert_int_equal(pp_audit_type_from(n, &t), PP_OK);
		assert_int_equal(t, i);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, pp_audit_type_name((enum pp_audit_type)j));
	}
	assert_int_equal(pp_audit_type_from("component.begin", &t), PP_ERR_FIELD_INVALID);
	assert_string_equal(pp_audit_type_name(PP_AUDIT__MAX), "?");
	assert_string_equal(pp_audit_outcome_name(PP_AUDIT_FAILURE), "failure");
	assert_string_equal(pp_audit_actor_name(PP_AUDIT_ACTOR_STAFF), "staff");
}

static void
test_build_canonical(void **state)
{
	char *out;
	size_t len;
	const char *why = NULL;
	(void)state;

	assert_int_equal(build("{" BASE ",\"details\":{\"version\":\"1\",\"pid\":5,\"ok\":true},"
	    "\"client_ip\":\"::1\",\"correlation\":\"req-1.a:b\",\"present\":[\"Maître Dupont\"],"
	    "\"cause\":\"a \\\"quoted\\\" cause\"}", &out, &len, &why), PP_OK);
	/* Sorted keys, no whitespace, the daemon's members added, the peer
	 * from the kernel, not from the request. */
	assert_string_equal(out,
	    "{\"actor\":{\"id\":\"paraphe-sca\",\"kind\":\"system\"},\"cause\":\"a \\\"quoted\\\" cause\","
	    "\"client_ip\":\"::1\",\"correlation\":\"req-1.a:b\",\"details\":{\"ok\":true,\"pid\":5,"
	    "\"version\":\"1\"},\"origin\":\"test.example/audit\",\"outcome\":\"success\","
	    "\"peer\":{\"pid\":4321,\"uid\":1000},\"present\":[\"Maître Dupont\"],\"seq\":7,"
	    "\"time\":\"2026-11-21T06:00:00.123456Z\",\"type\":\"component.start\",\"v\":1}");
	assert_int_equal(len, strlen(out));
	assert_int_equal(pp_canon_check(out, len, 8, NULL, 0), PP_OK);
	pp_free(out);
}

static void
test_build_refusals(void **state)
{
	(void)state;
	expect_refused("{\"outcome\":\"success\"," ACTOR "}");			/* no type */
	expect_refused("{\"type\":\"component.start\"," ACTOR "}");		/* no outcome */
	expect_refused("{\"type\":\"component.start\",\"outcome\":\"success\"}");	/* no actor */
	expect_refused("{\"type\":\"component.begin\",\"outcome\":\"success\"," ACTOR "}");
	expect_refused("{\"type\":\"component.start\",\"outcome\":\"maybe\"," ACTOR "}");
	expect_refused("{\"type\":1,\"outcome\":\"success\"," ACTOR "}");
	expect_refused("{" BASE ",\"extra\":\"x\"}");				/* unknown member */
	/* Members only the daemon sets cannot be sent. */
	expect_refused("{" BASE ",\"seq\":1}");
	expect_refused("{" BASE ",\"time\":\"2020-01-01T00:00:00.000000Z\"}");
	expect_refused("{" BASE ",\"origin\":\"x\"}");
	expect_refused("{" BASE ",\"peer\":{\"uid\":0,\"pid\":1}}");
	expect_refused("{" BASE ",\"v\":1}");
	/* Actor. */
	expect_refused("{\"type\":\"role.login\",\"outcome\":\"success\",\"actor\":{\"kind\":\"god\",\"id\":\"x\"}}");
	expect_refused("{\"type\":\"role.login\",\"outcome\":\"success\",\"actor\":{\"kind\":\"staff\"}}");
	expect_refused("{\"type\":\"role.login\",\"outcome\":\"success\",\"actor\":{\"kind\":\"staff\",\"id\":\"\"}}");
	expect_refused("{\"type\":\"role.login\",\"outcome\":\"success\",\"actor\":{\"kind\":\"staff\",\"id\":\"a\",\"x\":1}}");
	expect_refused("{\"type\":\"role.login\",\"outcome\":\"success\",\"actor\":\"staff\"}");
	/* Strings: control characters, bounds, formats. */
	expect_refused("{" BASE ",\"cause\":\"tab\\there\"}");
	expect_refused("{" BASE ",\"cause\":\"line\\nbreak\"}");
	expect_refused("{" BASE ",\"requester\":\"\"}");
	expect_refused("{" BASE ",\"client_ip\":\"999.0.0.1\"}");
	expect_refused("{" BASE ",\"client_ip\":\"localhost\"}");
	expect_refused("{" BASE ",\"correlation\":\"has space\"}");
	expect_refused("{" BASE ",\"present\":[]}");
	expect_refused("{" BASE ",\"present\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}");
	expect_refused("{" BASE ",\"present\":[1]}");
	/* Details: flat, typed, bounded, and never a secret. */
	expect_refused("{" BASE ",\"details\":{\"nested\":{\"a\":1}}}");
	expect_refused("{" BASE ",\"details\":{\"list\":[1]}}");
	expect_refused("{" BASE ",\"details\":{\"Upper\":1}}");
	expect_refused("{" BASE ",\"details\":{\"nul\":null}}");
	expect_refused("{" BASE ",\"details\":{\"pin\":\"1234\"}}");
	expect_refused("{" BASE ",\"details\":{\"otp\":\"123456\"}}");
	expect_refused("{" BASE ",\"details\":{\"sad\":\"abc\"}}");
	expect_refused("{" BASE ",\"details\":{\"password\":\"x\"}}");
	expect_refused("{" BASE ",\"details\":{\"client_secret\":\"x\"}}");

	char big[PP_AUDIT_MAX_STRING + 100], in[sizeof(big) + 200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(in, sizeof(in), "{" BASE ",\"cause\":\"%s\"}", big);
	expect_refused(in);

	/* 33 details. */
	char many[2048];
	size_t p = (size_t)snprintf(many, sizeof(many), "{" BASE ",\"details\":{");
	for (int i = 0; i < PP_AUDIT_MAX_DETAILS + 1; i++)
		p += (size_t)snprintf(many + p, sizeof(many) - p, "%s\"k%d\":%d", i ? "," : "", i, i);
	snprintf(many + p, sizeof(many) - p, "}}");
	expect_refused(many);
}

/* Many long details: within every member limit, over the record limit. */
static void
test_build_record_limit(void **state)
{
	char in[32768], val[PP_AUDIT_MAX_STRING + 1], *out;
	size_t p, len;
	const char *why = NULL;
	(void)state;

	memset(val, 'x', PP_AUDIT_MAX_STRING);
	val[PP_AUDIT_MAX_STRING] = '\0';
	p = (size_t)snprintf(in, sizeof(in), "{" BASE ",\"details\":{");
	for (int i = 0; i < 20; i++)
		p += (size_t)snprintf(in + p, sizeof(in) - p, "%s\"k%d\":\"%s\"", i ? "," : "", i, val);
	snprintf(in + p, sizeof(in) - p, "}}");
	assert_int_equal(build(in, &out, &len, &why), PP_ERR_FIELD_TOO_LONG);
	assert_string_equal(why, "record too large");
}

static void
test_event_json(void **state)
{
	struct pp_audit_event ev = {
		.type = PP_AUDIT_SAD_REFUSE,
		.outcome = PP_AUDIT_FAILURE,
		.actor_kind = PP_AUDIT_ACTOR_SCA,
		.actor_id = "CN=sca-demo",
		.recipient = "signatory-1",
		.present = { "notary-1", "witness-2" },
		.cause = "hash not authorised",
		.correlation = "c-1",
		.client_ip = "192.0.2.7",
	};
	json_object *o = NULL, *d = json_object_new_object();
	char *out;
	size_t len;
	const char *why = NULL;
	(void)state;

	assert_int_equal(pp_json_add_int(d, "hashes", 3), PP_OK);
	ev.details = d;
	assert_int_equal(pp_audit_event_json(&ev, &o), PP_OK);
	/* What a component sends is exactly what the daemon accepts. */
	assert_int_equal(pp_audit_record_build(o, "o", 1, "2026-11-21T06:00:00.000000Z", NULL, &out, &len, &why), PP_OK);
	assert_non_null(strstr(out, "\"type\":\"sad.refuse\""));
	assert_non_null(strstr(out, "\"present\":[\"notary-1\",\"witness-2\"]"));
	assert_null(strstr(out, "\"peer\""));
	pp_free(out);
	json_object_put(o);

	/* A schema violation is caught on the component's side too. */
	assert_int_equal(pp_json_add_str(d, "otp", "123456"), PP_OK);
	o = NULL;
	assert_int_not_equal(pp_audit_event_json(&ev, &o), PP_OK);
	assert_null(o);
	ev.details = NULL;
	ev.actor_id = NULL;
	assert_int_equal(pp_audit_event_json(&ev, &o), PP_ERR_FIELD_INVALID);
	ev.actor_id = "x";
	ev.type = PP_AUDIT__MAX;
	assert_int_equal(pp_audit_event_json(&ev, &o), PP_ERR_FIELD_INVALID);
	json_object_put(d);
}

static void
test_event_json_nomem(void **state)
{
	struct pp_audit_event ev = {
		.type = PP_AUDIT_ROLE_LOGIN, .outcome = PP_AUDIT_SUCCESS,
		.actor_kind = PP_AUDIT_ACTOR_STAFF, .actor_id = "CN=a",
	};
	json_object *in = parse("{" BASE ",\"details\":{\"a\":\"b\"}}");
	(void)state;

	/* Allocation failures anywhere in the record build: a clean error. */
	for (int n = 0; n < 64; n++) {
		char *out = NULL;
		size_t len;
		const char *why = NULL;
		pp_mem_fail_after(n);
		enum pp_err rc = pp_audit_record_build(in, "o", 1, "2026-11-21T06:00:00.000000Z", &peer,
		    &out, &len, &why);
		pp_mem_fail_after(-1);
		if (rc == PP_OK) {
			pp_free(out);
			break;
		}
		assert_null(out);
		assert_non_null(why);
	}
	json_object_put(in);
	(void)ev;
}

static void
test_now(void **state)
{
	char t[PP_AUDIT_TIME_LEN];
	struct tm tm;
	(void)state;

	pp_audit_now(t);
	assert_int_equal(strlen(t), 27);
	assert_int_equal(t[19], '.');
	assert_int_equal(t[26], 'Z');
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(t, "%Y-%m-%dT%H:%M:%S", &tm));
	assert_true(tm.tm_year + 1900 >= 2024);
}

/* ---- the client against servers that misbehave ------------------------- */

static char sockpath[108];

static struct pp_audit_event start_ev = {
	.type = PP_AUDIT_COMPONENT_START, .outcome = PP_AUDIT_SUCCESS,
	.actor_kind = PP_AUDIT_ACTOR_SYSTEM, .actor_id = "paraphe-test",
};

static void
test_emit_unreachable(void **state)
{
	struct timespec a, b;
	int64_t seq = -1;
	(void)state;

	snprintf(sockpath, sizeof(sockpath), "/tmp/pp-audit-none-%ld.sock", (long)getpid());
	unlink(sockpath);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(pp_audit_emit_to(sockpath, 2000, &start_ev, &seq), PP_ERR_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(seq, -1);
	assert_true(b.tv_sec - a.tv_sec < 2);	/* fails at once, no wait */
}

/* A server whose flush fails every other round, and that counts. */
static int rounds, appended;

static enum pp_err
srv_handle(void *ctx, const struct pp_ipc_peer *p, json_object *req, json_object **ans)
{
	(void)ctx;
	(void)p;
	if (strcmp(pp_json_get_str(req, "op"), "append") != 0)
		return PP_ERR_BAD_REQUEST;
	*ans = json_object_new_object();
	if (pp_json_add_int(*ans, "v", 1) != PP_OK || pp_json_add_int(*ans, "seq", ++appended) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static enum pp_err
srv_flush(void *ctx)
{
	(void)ctx;
	return ++rounds % 2 == 0 ? PP_ERR_DB : PP_OK;
}

static enum pp_err
srv_flush_ok(void *ctx)
{
	(void)ctx;
	return PP_OK;
}

static pid_t
start_server(enum pp_err (*flush)(void *))
{
	struct sockaddr_un sa;
	int fd;
	pid_t pid;

	snprintf(sockpath, sizeof(sockpath), "/tmp/pp-audit-test-%ld.sock", (long)getpid());
	unlink(sockpath);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sockpath, strlen(sockpath) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uid_t me = getuid();
		struct pp_ipc_server_ops ops = { .handle = srv_handle, .flush = flush, .tick_ms = 100 };
		pp_proc_signals();
		_exit(pp_ipc_serve_ex(fd, &me, 1, &ops, NULL) == PP_OK ? 0 : 1);
	}
	close(fd);
	return pid;
}

static void
stop_server(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(sockpath);
}

static void
test_emit_flush_failure(void **state)
{
	pid_t pid = start_server(srv_flush);
	int ok = 0, refused = 0;
	(void)state;

	/* One request per round here: every other round's flush fails, and
	 * those requests must not be acknowledged. */
	for (int i = 0; i < 10; i++) {
		int64_t seq = 0;
		enum pp_err rc = pp_audit_emit_to(sockpath, 5000, &start_ev, &seq);
		if (rc == PP_OK) {
			ok++;
			assert_true(seq > 0);
		} else {
			assert_int_equal(rc, PP_ERR_UNAVAILABLE);
			refused++;
		}
	}
	assert_int_equal(ok, 5);
	assert_int_equal(refused, 5);
	stop_server(pid);
}

/* Group commit: concurrent clients share rounds, every one acknowledged. */
static void
test_emit_concurrent(void **state)
{
	pid_t pid = start_server(srv_flush_ok), kids[8];
	(void)state;

	for (int k = 0; k < 8; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			for (int i = 0; i < 50; i++)
				if (pp_audit_emit_to(sockpath, 5000, &start_ev, NULL) != PP_OK)
					_exit(1);
			_exit(0);
		}
	}
	for (int k = 0; k < 8; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	stop_server(pid);
}

/* A garbage frame closes that connection only; the server goes on. */
static void
test_server_survives_garbage(void **state)
{
	pid_t pid = start_server(srv_flush_ok);
	struct sockaddr_un sa;
	const unsigned char frames[][8] = {
		{ 0xff, 0xff, 0xff, 0xff, 'x' },	/* length beyond the limit */
		{ 0, 0, 0, 3, '{', '{', '{' },		/* not JSON */
		{ 0, 0, 0, 2, '{', '}' },		/* no version */
	};
	(void)state;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sockpath, strlen(sockpath) + 1);
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		char c;
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_true(send(fd, frames[i], sizeof(frames[i]), MSG_NOSIGNAL) > 0);
		assert_true(recv(fd, &c, 1, 0) <= 0);	/* closed (or reset), no answer */
		close(fd);
	}
	assert_int_equal(pp_audit_emit_to(sockpath, 5000, &start_ev, NULL), PP_OK);
	stop_server(pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_build_canonical),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_build_record_limit),
		cmocka_unit_test(test_event_json),
		cmocka_unit_test_teardown(test_event_json_nomem, pp_test_alloc_reset),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_emit_unreachable),
		cmocka_unit_test(test_emit_flush_failure),
		cmocka_unit_test(test_emit_concurrent),
		cmocka_unit_test(test_server_survives_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
