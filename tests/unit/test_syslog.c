/*
 * pp_syslog: RFC 5424 formatting byte for byte, field and target
 * validation, and delivery end to end against the stand-in collector
 * (tests/tools/pp-test-syslog) over unix, UDP and TCP: messages arrive,
 * a stopped collector is reported within the timeout (unix, TCP), the
 * next send after a restart reconnects, and a collector that stops
 * reading cannot block the sender.
 *
 * UDP cannot report loss (a datagram to a stopped collector is simply
 * dropped), so for UDP the tests only check that sends to a stopped
 * collector come back within the timeout, and that delivery resumes.
 *
 * No fixed sleeps: the tests poll for the collector's port file and for
 * lines in its output file, with generous bounds.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include "pp_syslog.h"
#include "pp_test.h"

#define BOM "\xef\xbb\xbf"
#define T0 "2024-05-06T07:08:09.123456Z"
#define WAIT_MS 20000	/* bound for a collector to start or a line to arrive */
#define SEND_MS 2000	/* timeout given to pp_syslog_send */
#define SLACK_MS 3000	/* scheduling allowance over a timeout (sanitizer builds) */
#define HOST "test-host"
#define APP "test_syslog"

static char tmpdir[256];

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ formatting */

static char fbuf[PP_SYSLOG_MAX];

static void
expect_format(enum pp_syslog_sev sev, const char *time, const char *hostname, const char *app,
    long procid, const char *msgid, const char *msg, size_t msglen, const char *want,
    size_t wantlen)
{
	size_t len = 0;
	enum pp_err rc = pp_syslog_format(sev, time, hostname, app, procid, msgid, msg, msglen,
	    fbuf, sizeof(fbuf), &len);

	if (rc != PP_OK)
		fail_msg("pp_syslog_format: %s", pp_err_name(rc));
	assert_int_equal(len, wantlen);
	assert_memory_equal(fbuf, want, wantlen);
}

#define EXPECT(sev, h, a, pid, mid, msg, want) \
	expect_format(sev, T0, h, a, pid, mid, msg, strlen(msg), want, sizeof(want) - 1)

static enum pp_err
format_rc(const char *time, const char *hostname, const char *app, const char *msgid,
    const char *msg, size_t msglen)
{
	size_t len;

	return pp_syslog_format(PP_SYSLOG_INFO, time, hostname, app, 1, msgid, msg, msglen,
	    fbuf, sizeof(fbuf), &len);
}

static void
test_format_exact(void **state)
{
	(void)state;
	EXPECT(PP_SYSLOG_INFO, "sign1.example.net", "paraphe-audit", 4242, "signature.created",
	    "{\"a\":1,\"n\":\"Zo\xc3\xab\"}",
	    "<86>1 2024-05-06T07:08:09.123456Z sign1.example.net paraphe-audit 4242 "
	    "signature.created - " BOM "{\"a\":1,\"n\":\"Zo\xc3\xab\"}");
	/* The BOM really is EF BB BF right after "- " (RFC 5424 6.4). */
	const char *p = memchr(fbuf, '{', sizeof(fbuf));
	assert_non_null(p);
	assert_memory_equal(p - 5, "- \xef\xbb\xbf", 5);
	/* A message made of a 4-byte UTF-8 character. */
	EXPECT(PP_SYSLOG_NOTICE, "h", "a", 1, "m", "\xf0\x9f\x94\x8f",
	    "<85>1 " T0 " h a 1 m - " BOM "\xf0\x9f\x94\x8f");
	/* Fields made of the extremes of PRINTUSASCII (! and ~). */
	EXPECT(PP_SYSLOG_INFO, "!~", "~!", 2147483647L, "!", "{}",
	    "<86>1 " T0 " !~ ~! 2147483647 ! - " BOM "{}");
}

static void
test_format_pri(void **state)
{
	static const char *const pri[PP_SYSLOG__MAX] = {
		"<80>1 ", "<81>1 ", "<82>1 ", "<83>1 ", "<84>1 ", "<85>1 ", "<86>1 ", "<87>1 ",
	};
	size_t len;
	(void)state;

	for (int sev = 0; sev < PP_SYSLOG__MAX; sev++) {
		assert_int_equal(pp_syslog_format((enum pp_syslog_sev)sev, T0, "h", "a", 7, "m",
		    "x", 1, fbuf, sizeof(fbuf), &len), PP_OK);
		assert_true(len > 6);
		assert_memory_equal(fbuf, pri[sev], 6);
	}
	EXPECT(PP_SYSLOG_EMERG, "h", "a", 7, "m", "x", "<80>1 " T0 " h a 7 m - " BOM "x");
	EXPECT(PP_SYSLOG_DEBUG, "h", "a", 7, "m", "x", "<87>1 " T0 " h a 7 m - " BOM "x");
	assert_int_equal(pp_syslog_format(PP_SYSLOG__MAX, T0, "h", "a", 7, "m", "x", 1,
	    fbuf, sizeof(fbuf), &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_syslog_format((enum pp_syslog_sev)-1, T0, "h", "a", 7, "m", "x", 1,
	    fbuf, sizeof(fbuf), &len), PP_ERR_INTERNAL);
}

static void
test_format_nil(void **state)
{
	size_t len;
	(void)state;

	EXPECT(PP_SYSLOG_NOTICE, NULL, NULL, 0, NULL, "x", "<85>1 " T0 " - - - - - " BOM "x");
	EXPECT(PP_SYSLOG_NOTICE, "", "", -1, "", "x", "<85>1 " T0 " - - - - - " BOM "x");
	EXPECT(PP_SYSLOG_NOTICE, "h", "", 12, NULL, "x", "<85>1 " T0 " h - 12 - - " BOM "x");
	EXPECT(PP_SYSLOG_NOTICE, "", "a", 0, "m", "x", "<85>1 " T0 " - a - m - " BOM "x");
	/* An empty message is still a UTF-8 MSG: the BOM alone. */
	expect_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", NULL, 0,
	    "<86>1 " T0 " h a 1 m - " BOM, sizeof("<86>1 " T0 " h a 1 m - " BOM) - 1);
	expect_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", "", 0,
	    "<86>1 " T0 " h a 1 m - " BOM, sizeof("<86>1 " T0 " h a 1 m - " BOM) - 1);
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", NULL, 1,
	    fbuf, sizeof(fbuf), &len), PP_ERR_INTERNAL);
}

static void
test_format_bad_fields(void **state)
{
	char big[300];
	(void)state;

	/* MSGID: printable ASCII, no space, 32 bytes at most. */
	assert_int_equal(format_rc(T0, "h", "a", "sig created", "x", 1), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "sig\tcreated", "x", 1), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "sig\x7f", "x", 1), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "\xc3\xa9v", "x", 1), PP_ERR_FIELD_INVALID);
	memset(big, 'm', sizeof(big));
	big[32] = '\0';
	assert_int_equal(format_rc(T0, "h", "a", big, "x", 1), PP_OK);
	big[32] = 'm';
	big[33] = '\0';
	assert_int_equal(format_rc(T0, "h", "a", big, "x", 1), PP_ERR_FIELD_TOO_LONG);
	/* HOSTNAME: 255 bytes at most, ASCII only. */
	memset(big, 'h', sizeof(big));
	big[255] = '\0';
	assert_int_equal(format_rc(T0, big, "a", "m", "x", 1), PP_OK);
	big[255] = 'h';
	big[256] = '\0';
	assert_int_equal(format_rc(T0, big, "a", "m", "x", 1), PP_ERR_FIELD_TOO_LONG);
	assert_int_equal(format_rc(T0, "h\xc3\xb4te", "a", "m", "x", 1), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "ho st", "a", "m", "x", 1), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "host\n", "a", "m", "x", 1), PP_ERR_FIELD_INVALID);
	/* APP-NAME: 48 bytes at most. */
	memset(big, 'a', sizeof(big));
	big[48] = '\0';
	assert_int_equal(format_rc(T0, "h", big, "m", "x", 1), PP_OK);
	big[48] = 'a';
	big[49] = '\0';
	assert_int_equal(format_rc(T0, "h", big, "m", "x", 1), PP_ERR_FIELD_TOO_LONG);
	assert_int_equal(format_rc(T0, "h", "pa raphe", "m", "x", 1), PP_ERR_FIELD_INVALID);
	/* MSG: UTF-8 without NUL or control characters, newline included. */
	assert_int_equal(format_rc(T0, "h", "a", "m", "a\nb", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "ab\n", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "a\rb", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "a\tb", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "a\0b", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "a\x7f", 2), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "\xc3\x28", 2), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "\xc0\xaf", 2), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "\xed\xa0\x80", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "\xf4\x90\x80\x80", 4), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "ab\xc3", 3), PP_ERR_FIELD_INVALID);
	assert_int_equal(format_rc(T0, "h", "a", "m", "\xff", 1), PP_ERR_FIELD_INVALID);
	/* The length given counts, not the NUL: the valid prefix is fine. */
	assert_int_equal(format_rc(T0, "h", "a", "m", "ab\n", 2), PP_OK);
}

static void
test_format_time(void **state)
{
	static const char *const bad[] = {
		NULL, "", "-", "2024-05-06T07:08:09Z", "2024-05-06T07:08:09.123Z",
		"2024-05-06T07:08:09.1234567Z", "2024-05-06 07:08:09.123456Z",
		"2024-05-06T07:08:09.123456", "2024-05-06T07:08:09.123456+00:00",
		"2024-05-06T07:08:09.123456z", "2024-05-06t07:08:09.123456Z",
		"2024-05-06T07:08:09.123456Z ", " 2024-05-06T07:08:09.123456Z",
		"2024-13-06T07:08:09.123456Z", "2024-00-06T07:08:09.123456Z",
		"2024-05-00T07:08:09.123456Z", "2024-05-32T07:08:09.123456Z",
		"2024-04-31T07:08:09.123456Z", "2023-02-29T07:08:09.123456Z",
		"1900-02-29T07:08:09.123456Z", "2024-05-06T24:08:09.123456Z",
		"2024-05-06T07:60:09.123456Z", "2024-05-06T07:08:60.123456Z",
		"2024-05-06T07:08:09.12345aZ", "+024-05-06T07:08:09.123456Z",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (format_rc(bad[i], "h", "a", "m", "x", 1) != PP_ERR_FIELD_INVALID)
			fail_msg("time '%s' accepted", bad[i] ? bad[i] : "(null)");
	assert_int_equal(format_rc("2024-02-29T23:59:59.999999Z", "h", "a", "m", "x", 1), PP_OK);
	assert_int_equal(format_rc("2000-02-29T00:00:00.000000Z", "h", "a", "m", "x", 1), PP_OK);
	assert_int_equal(format_rc("2024-12-31T00:00:00.000000Z", "h", "a", "m", "x", 1), PP_OK);
}

static void
test_format_limits(void **state)
{
	static char msg[PP_SYSLOG_MAX + 2];
	size_t hlen, len;
	(void)state;

	memset(msg, 'x', sizeof(msg));
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", NULL, 0, fbuf,
	    sizeof(fbuf), &hlen), PP_OK);
	/* Exactly PP_SYSLOG_MAX bytes in all: accepted, one more refused. */
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", msg,
	    PP_SYSLOG_MAX - hlen, fbuf, sizeof(fbuf), &len), PP_OK);
	assert_int_equal(len, PP_SYSLOG_MAX);
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", msg,
	    PP_SYSLOG_MAX - hlen + 1, fbuf, sizeof(fbuf), &len), PP_ERR_FIELD_TOO_LONG);
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", msg,
	    sizeof(msg), fbuf, sizeof(fbuf), &len), PP_ERR_FIELD_TOO_LONG);
	/* A larger buffer does not raise the limit. */
	static char bigbuf[2 * PP_SYSLOG_MAX];
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", msg,
	    PP_SYSLOG_MAX - hlen + 1, bigbuf, sizeof(bigbuf), &len), PP_ERR_FIELD_TOO_LONG);
	/* A smaller buffer is respected to the byte. */
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", msg, 10, fbuf,
	    hlen + 10, &len), PP_OK);
	assert_int_equal(len, hlen + 10);
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", msg, 11, fbuf,
	    hlen + 10, &len), PP_ERR_FIELD_TOO_LONG);
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", NULL, 0, fbuf,
	    hlen - 1, &len), PP_ERR_FIELD_TOO_LONG);
	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, "h", "a", 1, "m", NULL, 0, NULL,
	    0, &len), PP_ERR_INTERNAL);
}

/* --------------------------------------------------------------- targets */

static void
test_targets(void **state)
{
	static const char *const good[] = {
		"unix:/dev/log", "unix:/run/x/y.sock", "udp:127.0.0.1:514", "udp:[::1]:514",
		"tcp:collector.example.net:6514", "tcp:localhost:1", "tcp:h:65535",
		"udp:[2001:db8::5]:10514", "tcp:a-b.c1.example:601",
	};
	static const char *const bad[] = {
		"", "unix:", "unix:dev/log", "unix:./log", "unix:~/log",
		"udp:host", "udp:host:", "udp::514", "udp:host:0", "udp:host:65536",
		"udp:host:+514", "udp:host:-1", "udp:host:0514", "udp:host:514x", "udp:host: 514",
		"udp:host:514:1", "udp:host:99999999999999999999999", "tcp:[::1:514", "tcp:[]:514",
		"tcp:::1:514", "tcp:[::1]514", "tcp:[::1]", "tcp:[zz::1]:514", "tcp:[fe80::1%eth0]:514",
		"tcp:[127.0.0.1]:514", "tcp:ho st:514", "tcp:host_name:514", "tcp:-host:514",
		"tcp:host-:514", "tcp:.host:514", "tcp:a..b:514", "tcp:h\xc3\xb4te:514",
		"http:host:80", "UDP:host:514", "Unix:/dev/log", "udp", "tcp:", "udp://host:514",
		"unix/dev/log", " unix:/dev/log",
	};
	struct sockaddr_un sa;
	char longest[sizeof("unix:") + sizeof(sa.sun_path)];
	struct pp_syslog *s;
	(void)state;

	/* The longest path sun_path holds with its NUL, then one byte more. */
	memcpy(longest, "unix:/", 6);
	memset(longest + 6, 'p', sizeof(sa.sun_path) - 2);
	longest[5 + sizeof(sa.sun_path) - 1] = '\0';
	s = NULL;
	assert_int_equal(pp_syslog_open(longest, HOST, APP, &s), PP_OK);
	pp_syslog_close(s);
	longest[5 + sizeof(sa.sun_path) - 1] = 'p';
	longest[5 + sizeof(sa.sun_path)] = '\0';
	assert_int_equal(pp_syslog_open(longest, HOST, APP, &s), PP_ERR_CONFIG);

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s = NULL;
		if (pp_syslog_open(good[i], HOST, APP, &s) != PP_OK)
			fail_msg("target '%s' refused", good[i]);
		assert_non_null(s);
		pp_syslog_close(s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = NULL;
		enum pp_err rc = pp_syslog_open(bad[i], HOST, APP, &s);
		if (rc != PP_ERR_CONFIG)
			fail_msg("target '%s': %s, want PP_ERR_CONFIG", bad[i], pp_err_name(rc));
		assert_null(s);
	}
	/* Hostname and app are checked at open, NILVALUE when empty. */
	s = NULL;
	assert_int_equal(pp_syslog_open("udp:h:1", "bad host", APP, &s), PP_ERR_CONFIG);
	assert_int_equal(pp_syslog_open("udp:h:1", "h\xc3\xb4te", APP, &s), PP_ERR_CONFIG);
	assert_int_equal(pp_syslog_open("udp:h:1", HOST, "bad app", &s), PP_ERR_CONFIG);
	assert_int_equal(pp_syslog_open("udp:h:1", HOST,
	    "0123456789012345678901234567890123456789012345678", &s), PP_ERR_CONFIG);
	assert_null(s);
	assert_int_equal(pp_syslog_open("udp:h:1", NULL, "", &s), PP_OK);
	pp_syslog_close(s);
	pp_syslog_close(NULL);
}

static void
test_open_nomem(void **state)
{
	struct pp_syslog *s = NULL;
	(void)state;

	pp_mem_fail_after(0);
	assert_int_equal(pp_syslog_open("tcp:127.0.0.1:514", HOST, APP, &s), PP_ERR_NOMEM);
	assert_null(s);
	pp_mem_fail_after(-1);
}

/* Field errors come back as such, before any attempt to connect. */
static void
test_send_field_errors(void **state)
{
	static char huge[PP_SYSLOG_MAX + 1];
	struct pp_syslog *s = NULL;
	int64_t t0;
	(void)state;

	assert_int_equal(pp_syslog_open("unix:/nonexistent/pp-test/log.sock", HOST, APP, &s), PP_OK);
	assert_int_equal(pp_syslog_send(s, PP_SYSLOG_INFO, T0, "bad id", "x", 1, SEND_MS),
	    PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_syslog_send(s, PP_SYSLOG_INFO, T0, "m", "a\nb", 3, SEND_MS),
	    PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_syslog_send(s, PP_SYSLOG_INFO, "yesterday", "m", "x", 1, SEND_MS),
	    PP_ERR_FIELD_INVALID);
	memset(huge, 'x', sizeof(huge));
	assert_int_equal(pp_syslog_send(s, PP_SYSLOG_INFO, T0, "m", huge, sizeof(huge), SEND_MS),
	    PP_ERR_FIELD_TOO_LONG);
	t0 = now_ms();
	assert_int_equal(pp_syslog_send(s, PP_SYSLOG_INFO, T0, "m", "x", 1, SEND_MS),
	    PP_ERR_UNAVAILABLE);
	assert_true(now_ms() - t0 <= SEND_MS + SLACK_MS);
	pp_syslog_close(s);
}

/* ------------------------------------------------------------- collector */

struct collector {
	const char *mode;	/* "--unix", "--udp", "--tcp" */
	pid_t pid;		/* 0: not running */
	int port;
	char out[512], portfile[512], sock[512];
};

/* One collector at a time; the teardown stops it when a test failed. */
static struct collector col;
/* What the out file must hold, byte for byte. */
static char expected[256 * 1024];
static size_t explen;

static void
collector_init(const char *mode, const char *name)
{
	memset(&col, 0, sizeof(col));
	col.mode = mode;
	snprintf(col.out, sizeof(col.out), "%s/%s.out", tmpdir, name);
	snprintf(col.portfile, sizeof(col.portfile), "%s/%s.port", tmpdir, name);
	snprintf(col.sock, sizeof(col.sock), "%s/%s.sock", tmpdir, name);
	explen = 0;
}

/* Starts the collector (on port when > 0) and waits for its port file. */
static void
collector_start(int port)
{
	char path[1024], portarg[16];
	const char *top = getenv("top_builddir");
	char *argv[12];
	int n = 0, st;
	int64_t deadline;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/tests/tools/pp-test-syslog", top && *top ? top : ".");
	snprintf(portarg, sizeof(portarg), "%d", port);
	argv[n++] = path;
	argv[n++] = (char *)col.mode;
	if (strcmp(col.mode, "--unix") == 0)
		argv[n++] = col.sock;
	argv[n++] = "--out";
	argv[n++] = col.out;
	argv[n++] = "--port-file";
	argv[n++] = col.portfile;
	if (port > 0) {
		argv[n++] = "--port";
		argv[n++] = portarg;
	}
	argv[n] = NULL;
	unlink(col.portfile);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	col.pid = pid;
	deadline = now_ms() + WAIT_MS;
	for (;;) {
		FILE *f = fopen(col.portfile, "r");
		if (f != NULL) {
			int p, ok = fscanf(f, "%d", &p) == 1;
			fclose(f);
			if (ok) {
				col.port = p;
				return;
			}
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			col.pid = 0;
			fail_msg("%s exited (status 0x%x) before it was ready", path, (unsigned)st);
		}
		if (now_ms() > deadline)
			fail_msg("%s not ready after %d ms", path, WAIT_MS);
		nap();
	}
}

/* SIGTERM, then its exit: status 0, and the unix socket gone. */
static void
collector_stop(void)
{
	int st = 0;
	pid_t pid = col.pid;

	if (pid <= 0)
		return;
	col.pid = 0;
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("collector ended with status 0x%x", (unsigned)st);
	if (strcmp(col.mode, "--unix") == 0)
		assert_int_equal(access(col.sock, F_OK), -1);
}

static int
collector_teardown(void **state)
{
	(void)state;
	if (col.pid > 0) {
		kill(col.pid, SIGKILL);
		waitpid(col.pid, NULL, 0);
		col.pid = 0;
	}
	pp_mem_fail_after(-1);
	return 0;
}

/* Sends one message that must be delivered; records the line expected. */
static void
send_ok(struct pp_syslog *s, enum pp_syslog_sev sev, const char *msgid, const char *msg,
    size_t msglen)
{
	size_t len;
	enum pp_err rc = pp_syslog_send(s, sev, T0, msgid, msg, msglen, SEND_MS);

	if (rc != PP_OK)
		fail_msg("pp_syslog_send: %s", pp_err_name(rc));
	assert_int_equal(pp_syslog_format(sev, T0, HOST, APP, (long)getpid(), msgid, msg, msglen,
	    expected + explen, sizeof(expected) - explen - 1, &len), PP_OK);
	explen += len;
	expected[explen++] = '\n';
}

/* Records a line a raw client sent. */
static void
expect_line(const char *line)
{
	size_t n = strlen(line);

	assert_true(explen + n + 1 <= sizeof(expected));
	memcpy(expected + explen, line, n);
	explen += n;
	expected[explen++] = '\n';
}

/* Waits until the out file holds at least what is expected, then checks
 * it holds exactly that. */
static void
wait_out(void)
{
	static char got[sizeof(expected) + 1];
	int64_t deadline = now_ms() + WAIT_MS;
	struct stat st;
	size_t n = 0;
	FILE *f;

	while (stat(col.out, &st) != 0 || (size_t)st.st_size < explen) {
		if (now_ms() > deadline)
			fail_msg("%s: %lld bytes after %d ms, want %zu", col.out,
			    stat(col.out, &st) == 0 ? (long long)st.st_size : -1LL, WAIT_MS, explen);
		nap();
	}
	f = fopen(col.out, "rb");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	if (n != explen || memcmp(got, expected, explen) != 0)
		fail_msg("%s: %zu bytes, want %zu:\n%.*s\nwant:\n%.*s", col.out, n, explen,
		    (int)(n > 2000 ? 2000 : n), got, (int)(explen > 2000 ? 2000 : explen), expected);
}

/* A send to a stopped collector fails, within its timeout. */
static void
send_down(struct pp_syslog *s)
{
	int64_t t0 = now_ms();
	enum pp_err rc = pp_syslog_send(s, PP_SYSLOG_INFO, T0, "lost", "{\"lost\":1}", 10, SEND_MS);
	int64_t el = now_ms() - t0;

	if (rc != PP_ERR_UNAVAILABLE)
		fail_msg("send to a stopped collector: %s, want PP_ERR_UNAVAILABLE", pp_err_name(rc));
	if (el > SEND_MS + SLACK_MS)
		fail_msg("send to a stopped collector took %lld ms", (long long)el);
}

/* A message of exactly PP_SYSLOG_MAX bytes once formatted. */
static const char *
max_msg(const char *msgid, size_t *msglen)
{
	static char msg[PP_SYSLOG_MAX];
	size_t hlen;

	assert_int_equal(pp_syslog_format(PP_SYSLOG_INFO, T0, HOST, APP, (long)getpid(), msgid,
	    NULL, 0, fbuf, sizeof(fbuf), &hlen), PP_OK);
	*msglen = PP_SYSLOG_MAX - hlen;
	memset(msg, 'x', *msglen);
	msg[0] = '"';
	msg[*msglen - 1] = '"';
	return msg;
}

static void
test_unix_e2e(void **state)
{
	struct pp_syslog *s = NULL;
	char target[600];
	size_t biglen;
	const char *big;
	(void)state;

	collector_init("--unix", "unix");
	collector_start(0);
	assert_int_equal(col.port, 0);
	snprintf(target, sizeof(target), "unix:%s", col.sock);
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s), PP_OK);
	send_ok(s, PP_SYSLOG_INFO, "signature.created", "{\"seq\":1}", 9);
	send_ok(s, PP_SYSLOG_WARNING, "login.failed", "{\"user\":\"Zo\xc3\xab\"}", 15);
	big = max_msg("big", &biglen);
	send_ok(s, PP_SYSLOG_NOTICE, "big", big, biglen);
	send_ok(s, PP_SYSLOG_DEBUG, NULL, "", 0);
	wait_out();

	collector_stop();
	send_down(s);	/* the kept socket notices the collector left */
	send_down(s);	/* and a fresh one finds nobody */

	collector_start(0);
	send_ok(s, PP_SYSLOG_INFO, "after.restart", "{\"seq\":2}", 9);
	send_ok(s, PP_SYSLOG_INFO, "after.restart", "{\"seq\":3}", 9);
	wait_out();
	collector_stop();
	pp_syslog_close(s);
}

static void
test_udp_e2e(void **state)
{
	struct pp_syslog *s = NULL;
	char target[64];
	size_t biglen;
	const char *big;
	int port;
	(void)state;

	collector_init("--udp", "udp");
	collector_start(0);
	port = col.port;
	assert_true(port > 0 && port <= 65535);
	snprintf(target, sizeof(target), "udp:127.0.0.1:%d", port);
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s), PP_OK);
	send_ok(s, PP_SYSLOG_INFO, "signature.created", "{\"seq\":1}", 9);
	wait_out();
	send_ok(s, PP_SYSLOG_ERR, "sam.down", "{\"seq\":2}", 9);
	wait_out();
	big = max_msg("big", &biglen);
	send_ok(s, PP_SYSLOG_NOTICE, "big", big, biglen);
	wait_out();

	/* Loss cannot be detected: only that nothing hangs. */
	collector_stop();
	for (int i = 0; i < 3; i++) {
		int64_t t0 = now_ms();
		enum pp_err rc = pp_syslog_send(s, PP_SYSLOG_INFO, T0, "lost", "{}", 2, SEND_MS);
		assert_true(rc == PP_OK || rc == PP_ERR_UNAVAILABLE);
		assert_true(now_ms() - t0 <= SEND_MS + SLACK_MS);
	}

	/* Same port again: delivery resumes, nothing sent meanwhile appears. */
	collector_start(port);
	assert_int_equal(col.port, port);
	send_ok(s, PP_SYSLOG_INFO, "after.restart", "{\"seq\":3}", 9);
	wait_out();
	collector_stop();
	pp_syslog_close(s);
}

static void
test_tcp_e2e(void **state)
{
	struct pp_syslog *s = NULL;
	char target[64];
	size_t biglen;
	const char *big;
	int port;
	(void)state;

	collector_init("--tcp", "tcp");
	collector_start(0);
	port = col.port;
	assert_true(port > 0 && port <= 65535);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", port);
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s), PP_OK);
	send_ok(s, PP_SYSLOG_INFO, "signature.created", "{\"seq\":1}", 9);
	send_ok(s, PP_SYSLOG_CRIT, "hsm.error", "{\"seq\":2,\"n\":\"\xe2\x82\xac\"}", 19);
	big = max_msg("big", &biglen);
	for (int i = 0; i < 5; i++)
		send_ok(s, PP_SYSLOG_NOTICE, "big", big, biglen);
	send_ok(s, PP_SYSLOG_INFO, NULL, "", 0);
	wait_out();

	collector_stop();
	send_down(s);	/* the connection was closed by the collector */
	send_down(s);	/* and connecting again is refused */

	collector_start(port);
	assert_int_equal(col.port, port);
	send_ok(s, PP_SYSLOG_INFO, "after.restart", "{\"seq\":3}", 9);
	send_ok(s, PP_SYSLOG_INFO, "after.restart", "{\"seq\":4}", 9);
	wait_out();
	collector_stop();
	pp_syslog_close(s);
}

static int
raw_connect(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
raw_send(int fd, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* The collector closes a connection whose framing is broken. */
static void
expect_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	assert_true(recv(fd, &c, 1, 0) <= 0);
	close(fd);
}

/* The stand-in itself: several clients, frames split anywhere or packed
 * together, malformed frames refused. */
static void
test_tcp_collector(void **state)
{
	struct pp_syslog *s1 = NULL, *s2 = NULL;
	char target[64];
	int fd;
	(void)state;

	collector_init("--tcp", "tcpc");
	collector_start(0);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", col.port);
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s1), PP_OK);
	/* localhost may resolve to ::1 first, where nobody listens: the next
	 * address is tried. */
	snprintf(target, sizeof(target), "tcp:localhost:%d", col.port);
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s2), PP_OK);
	send_ok(s1, PP_SYSLOG_INFO, "one", "{\"c\":1}", 7);
	wait_out();
	send_ok(s2, PP_SYSLOG_INFO, "two", "{\"c\":2}", 7);
	wait_out();
	send_ok(s1, PP_SYSLOG_INFO, "one", "{\"c\":3}", 7);
	wait_out();

	/* One frame in pieces, then two frames in one write. */
	fd = raw_connect(col.port);
	raw_send(fd, "1");
	nap();
	raw_send(fd, "1 <13>1 ");
	nap();
	raw_send(fd, "s");
	nap();
	raw_send(fd, "plit");
	expect_line("<13>1 split");
	wait_out();
	raw_send(fd, "5 <1>ab5 <1>cd");
	expect_line("<1>ab");
	expect_line("<1>cd");
	wait_out();
	/* A message not starting with '<' is dropped, the stream goes on. */
	raw_send(fd, "3 abc4 <1>e");
	expect_line("<1>e");
	wait_out();
	close(fd);

	/* Broken framing: the client is disconnected, nothing written. */
	fd = raw_connect(col.port);
	raw_send(fd, "x5 <1>ab");
	expect_closed(fd);
	fd = raw_connect(col.port);
	raw_send(fd, "05 <1>ab");
	expect_closed(fd);
	fd = raw_connect(col.port);
	raw_send(fd, "5<1>ab");
	expect_closed(fd);
	fd = raw_connect(col.port);
	raw_send(fd, "9999999 <1>");
	expect_closed(fd);

	/* Others are unaffected. */
	send_ok(s2, PP_SYSLOG_INFO, "two", "{\"c\":4}", 7);
	wait_out();
	collector_stop();
	pp_syslog_close(s1);
	pp_syslog_close(s2);
}

/* A collector that accepts but never reads: once the buffers are full a
 * send must give up at its timeout, not block. */
static void
test_tcp_stalled(void **state)
{
	const int timeout = 300;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct pp_syslog *s = NULL;
	char target[64];
	size_t biglen;
	const char *big;
	int lfd, cfd = -1, tiny = 1, failed = 0;
	(void)state;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	/* Set before listen: accepted connections inherit it. */
	assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", ntohs(sa.sin_port));
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s), PP_OK);
	big = max_msg("big", &biglen);
	for (int i = 0; i < 10000 && !failed; i++) {
		int64_t t0 = now_ms();
		enum pp_err rc = pp_syslog_send(s, PP_SYSLOG_INFO, T0, "big", big, biglen, timeout);
		int64_t el = now_ms() - t0;

		if (el > timeout + SLACK_MS)
			fail_msg("send %d took %lld ms (timeout %d)", i, (long long)el, timeout);
		if (cfd < 0) {
			cfd = accept(lfd, NULL, NULL);
			assert_true(cfd >= 0);
		}
		if (rc == PP_ERR_UNAVAILABLE)
			failed = 1;
		else if (rc != PP_OK)
			fail_msg("send %d: %s", i, pp_err_name(rc));
	}
	assert_true(failed);
	/* Nor does the next send, on a new connection, hang. */
	int64_t t0 = now_ms();
	enum pp_err rc = pp_syslog_send(s, PP_SYSLOG_INFO, T0, "big", big, biglen, timeout);
	assert_true(rc == PP_OK || rc == PP_ERR_UNAVAILABLE);
	assert_true(now_ms() - t0 <= timeout + SLACK_MS);
	pp_syslog_close(s);
	close(cfd);
	close(lfd);
}

/* Same for a unix collector that never reads its queue. */
static void
test_unix_stalled(void **state)
{
	const int timeout = 300;
	struct sockaddr_un sa;
	struct pp_syslog *s = NULL;
	char target[600];
	int fd, failed = 0;
	(void)state;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	assert_true((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%.64s/stall.sock", tmpdir) <
	    sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(target, sizeof(target), "unix:%s", sa.sun_path);
	assert_int_equal(pp_syslog_open(target, HOST, APP, &s), PP_OK);
	for (int i = 0; i < 10000 && !failed; i++) {
		int64_t t0 = now_ms();
		enum pp_err rc = pp_syslog_send(s, PP_SYSLOG_INFO, T0, "m", "{}", 2, timeout);
		int64_t el = now_ms() - t0;

		if (el > timeout + SLACK_MS)
			fail_msg("send %d took %lld ms (timeout %d)", i, (long long)el, timeout);
		if (rc == PP_ERR_UNAVAILABLE)
			failed = 1;
		else if (rc != PP_OK)
			fail_msg("send %d: %s", i, pp_err_name(rc));
	}
	assert_true(failed);
	pp_syslog_close(s);
	close(fd);
	unlink(sa.sun_path);
}

/* ------------------------------------------------------------------ main */

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;

	/* Socket paths must fit sun_path: fall back to /tmp for a long TMPDIR. */
	if (base == NULL || *base == '\0' || strlen(base) > 40)
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/pp_syslog_XXXXXX", base);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return pp_test_rmtree(tmpdir) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_pri),
		cmocka_unit_test(test_format_nil),
		cmocka_unit_test(test_format_bad_fields),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_format_limits),
		cmocka_unit_test(test_targets),
		cmocka_unit_test_teardown(test_open_nomem, pp_test_alloc_reset),
		cmocka_unit_test(test_send_field_errors),
		cmocka_unit_test_teardown(test_unix_e2e, collector_teardown),
		cmocka_unit_test_teardown(test_udp_e2e, collector_teardown),
		cmocka_unit_test_teardown(test_tcp_e2e, collector_teardown),
		cmocka_unit_test_teardown(test_tcp_collector, collector_teardown),
		cmocka_unit_test(test_tcp_stalled),
		cmocka_unit_test(test_unix_stalled),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
