#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_util.h"
#include "pp_test.h"

/* ------------------------------------------------------------------ pp_strtonum */

static enum pp_err
num(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return pp_strtonum(s, strlen(s), min, max, out);
}

static void
assert_num_ok(const char *s, int64_t min, int64_t max, int64_t want)
{
	int64_t v = 12345;

	if (num(s, min, max, &v) != PP_OK)
		fail_msg("pp_strtonum(\"%s\", %lld, %lld) refused", s, (long long)min, (long long)max);
	if (v != want)
		fail_msg("pp_strtonum(\"%s\") = %lld, want %lld", s, (long long)v, (long long)want);
}

static void
assert_num_bad(const char *s, size_t len, int64_t min, int64_t max)
{
	int64_t v = 12345;

	if (pp_strtonum(s, len, min, max, &v) != PP_ERR_FIELD_INVALID)
		fail_msg("pp_strtonum(\"%.*s\", %lld, %lld) accepted (%lld)", (int)len, s,
		    (long long)min, (long long)max, (long long)v);
	/* OUT untouched on error. */
	assert_int_equal(v, 12345);
}

#define BAD(s, min, max) assert_num_bad((s), strlen(s), (min), (max))

static void
test_strtonum_bounds(void **state)
{
	(void)state;
	assert_num_ok("0", 0, 10, 0);
	assert_num_ok("10", 0, 10, 10);
	assert_num_ok("5", 5, 5, 5);
	BAD("11", 0, 10);
	BAD("4", 5, 10);
	assert_num_ok("-10", -10, 10, -10);
	BAD("-11", -10, 10);
	assert_num_ok("-1", -10, -1, -1);
	BAD("0", -10, -1);
	BAD("1", 2, 3);
	assert_num_ok("65536", 0, 16777216, 65536);
	assert_num_ok("16777216", 0, 16777216, 16777216);
	BAD("16777217", 0, 16777216);
}

static void
test_strtonum_spelling(void **state)
{
	int64_t v = 0;
	(void)state;

	/* "-0" is never a number (one spelling per value). */
	BAD("-0", -10, 10);
	BAD("-0", 0, 10);
	BAD("-00", -10, 10);
	/* A sign is refused when min >= 0. */
	BAD("-1", 0, 10);
	BAD("-", -10, 10);
	BAD("-", 0, 10);
	/* Leading zeros. */
	BAD("00", 0, 10);
	BAD("01", 0, 10);
	BAD("007", 0, 10);
	BAD("-01", -10, 10);
	/* '+', blanks, other characters. */
	BAD("+1", 0, 10);
	BAD("+1", -10, 10);
	BAD(" 1", 0, 10);
	BAD("1 ", 0, 10);
	BAD("1\n", 0, 10);
	BAD("\t1", 0, 10);
	BAD("- 1", -10, 10);
	BAD("1a", 0, 100);
	BAD("a1", 0, 100);
	BAD("0x10", 0, 100);
	BAD("1e3", 0, 10000);
	BAD("1.0", 0, 10);
	BAD("1,000", 0, 10000);
	BAD("--1", -10, 10);
	assert_num_bad("1\0", 2, 0, 100);
	assert_num_bad("", 0, 0, 10);
	assert_int_equal(pp_strtonum(NULL, 1, 0, 10, &v), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_strtonum("1", 0, 0, 10, &v), PP_ERR_FIELD_INVALID);
	/* Only len bytes are read. */
	assert_int_equal(pp_strtonum("123abc", 3, 0, 1000, &v), PP_OK);
	assert_int_equal(v, 123);
	assert_int_equal(pp_strtonum("-7xyz", 2, -10, 10, &v), PP_OK);
	assert_int_equal(v, -7);
}

static void
test_strtonum_int64_limits(void **state)
{
	(void)state;
	assert_num_ok("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
	assert_num_ok("9223372036854775807", 0, INT64_MAX, INT64_MAX);
	assert_num_ok("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
	assert_num_ok("-9223372036854775807", INT64_MIN, 0, INT64_MIN + 1);
	BAD("9223372036854775808", INT64_MIN, INT64_MAX);
	BAD("9223372036854775808", 0, INT64_MAX);
	BAD("9223372036854775810", 0, INT64_MAX);
	BAD("-9223372036854775809", INT64_MIN, INT64_MAX);
	BAD("-9223372036854775810", INT64_MIN, INT64_MAX);
	BAD("18446744073709551615", 0, INT64_MAX);	/* UINT64_MAX */
	BAD("18446744073709551616", 0, INT64_MAX);	/* wraps uint64 */
	BAD("99999999999999999999", 0, INT64_MAX);
	BAD("-99999999999999999999", INT64_MIN, INT64_MAX);
	BAD("123456789012345678901", 0, INT64_MAX);	/* 21 bytes */
	BAD("-9223372036854775808", INT64_MIN + 1, INT64_MAX);
}

/* ------------------------------------------------------------------ pp_utf8_valid */

#define U8(s, nl) pp_utf8_valid((s), sizeof(s) - 1, (nl))

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(pp_utf8_valid("", 0, 0));
	assert_true(U8("hello, world", 0));
	assert_true(U8("\xc3\xa9t\xc3\xa9", 0));		/* été */
	assert_true(U8("\xc2\x80", 0));			/* U+0080, smallest 2-byte */
	assert_true(U8("\xdf\xbf", 0));			/* U+07FF */
	assert_true(U8("\xe0\xa0\x80", 0));		/* U+0800, smallest 3-byte */
	assert_true(U8("\xe2\x82\xac", 0));		/* euro */
	assert_true(U8("\xed\x9f\xbf", 0));		/* U+D7FF */
	assert_true(U8("\xee\x80\x80", 0));		/* U+E000 */
	assert_true(U8("\xef\xbf\xbd", 0));		/* U+FFFD */
	assert_true(U8("\xef\xbf\xbf", 0));		/* U+FFFF */
	assert_true(U8("\xf0\x90\x80\x80", 0));		/* U+10000 */
	assert_true(U8("\xf0\x9d\x84\x9e", 0));		/* G clef */
	assert_true(U8("\xf4\x8f\xbf\xbf", 0));		/* U+10FFFF */
	assert_true(U8("~ \x20", 0));
}

static void
test_utf8_overlong(void **state)
{
	(void)state;
	assert_false(U8("\xc0\x80", 0));		/* NUL */
	assert_false(U8("\xc0\xaf", 0));		/* '/' */
	assert_false(U8("\xc1\xbf", 0));
	assert_false(U8("\xe0\x80\x80", 0));
	assert_false(U8("\xe0\x80\xaf", 0));
	assert_false(U8("\xe0\x9f\xbf", 0));		/* U+07FF in 3 bytes */
	assert_false(U8("\xf0\x80\x80\x80", 0));
	assert_false(U8("\xf0\x80\x80\xaf", 0));
	assert_false(U8("\xf0\x8f\xbf\xbf", 0));	/* U+FFFF in 4 bytes */
	assert_false(U8("\xf8\x88\x80\x80\x80", 0));	/* 5-byte form */
	assert_false(U8("\xfc\x84\x80\x80\x80\x80", 0));
}

static void
test_utf8_surrogates_and_range(void **state)
{
	(void)state;
	assert_false(U8("\xed\xa0\x80", 0));		/* U+D800 */
	assert_false(U8("\xed\xad\xbf", 0));		/* U+DB7F */
	assert_false(U8("\xed\xb0\x80", 0));		/* U+DC00 */
	assert_false(U8("\xed\xbf\xbf", 0));		/* U+DFFF */
	assert_false(U8("\xed\xa0\xbd\xed\xb2\xa9", 0));/* CESU-8 pair */
	assert_false(U8("\xf4\x90\x80\x80", 0));	/* U+110000 */
	assert_false(U8("\xf4\xbf\xbf\xbf", 0));
	assert_false(U8("\xf5\x80\x80\x80", 0));
	assert_false(U8("\xf7\xbf\xbf\xbf", 0));
	assert_false(U8("\xfe", 0));
	assert_false(U8("\xff", 0));
	assert_false(U8("a\xffz", 0));
}

static void
test_utf8_truncated(void **state)
{
	(void)state;
	assert_false(U8("\xc3", 0));
	assert_false(U8("abc\xc3", 0));
	assert_false(U8("\xe2\x82", 0));
	assert_false(U8("\xe2", 0));
	assert_false(U8("\xf0\x9d\x84", 0));
	assert_false(U8("\xf0\x9d", 0));
	assert_false(U8("\xf0", 0));
	/* Truncated then followed by ASCII: bad continuation. */
	assert_false(U8("\xc3(", 0));
	assert_false(U8("\xe2(\xa1", 0));
	assert_false(U8("\xe2\x82(", 0));
	assert_false(U8("\xf0\x9d\x84(", 0));
	/* Lone continuation bytes. */
	assert_false(U8("\x80", 0));
	assert_false(U8("\xbf", 0));
	assert_false(U8("a\x80z", 0));
	/* The length is honoured: a valid sequence cut by len. */
	assert_false(pp_utf8_valid("\xe2\x82\xac", 2, 0));
	assert_true(pp_utf8_valid("\xe2\x82\xac\xff", 3, 0));
}

static void
test_utf8_controls(void **state)
{
	(void)state;
	assert_false(pp_utf8_valid("a\0b", 3, 0));
	assert_false(pp_utf8_valid("a\0b", 3, 1));
	assert_false(U8("\x01", 1));
	assert_false(U8("\x1b[31m", 1));
	assert_false(U8("\x1f", 1));
	assert_false(U8("\x7f", 0));
	assert_false(U8("\x7f", 1));
	assert_false(U8("\x0b", 1));	/* vertical tab */
	assert_false(U8("\x0c", 1));	/* form feed */
	assert_false(U8("\x08", 1));	/* backspace */
	/* Tab, CR and LF only with the newline flag. */
	assert_false(U8("a\nb", 0));
	assert_false(U8("a\rb", 0));
	assert_false(U8("a\tb", 0));
	assert_true(U8("a\nb", 1));
	assert_true(U8("a\r\nb", 1));
	assert_true(U8("a\tb", 1));
}

/* ------------------------------------------------------------------ pp_url_decode */

static void
assert_decode(const char *in, const char *want, size_t wantlen)
{
	char out[256];
	size_t n = 999;

	memset(out, 'Z', sizeof(out));
	assert_int_equal(pp_url_decode(in, strlen(in), out, &n), PP_OK);
	assert_int_equal(n, wantlen);
	assert_memory_equal(out, want, wantlen);
	assert_int_equal(out[n], '\0');
}

static void
assert_decode_bad(const char *in)
{
	char out[256];
	size_t n;

	if (pp_url_decode(in, strlen(in), out, &n) != PP_ERR_FIELD_INVALID)
		fail_msg("pp_url_decode(\"%s\") accepted", in);
}

static void
test_url_decode(void **state)
{
	(void)state;
	assert_decode("", "", 0);
	assert_decode("abc", "abc", 3);
	assert_decode("a+b", "a b", 3);
	assert_decode("++", "  ", 2);
	assert_decode("%20", " ", 1);
	assert_decode("%2B", "+", 1);
	assert_decode("%2b", "+", 1);
	assert_decode("%41%7a%7A", "Azz", 3);
	assert_decode("%C3%A9", "\xc3\xa9", 2);
	assert_decode("%25", "%", 1);
	assert_decode("%2525", "%25", 3);
	assert_decode("a%3Db%26c", "a=b&c", 5);
	assert_decode("%ff", "\xff", 1);
	/* %00 decodes to a NUL byte: the length counts it, callers check. */
	assert_decode("a%00b", "a\0b", 3);
}

static void
test_url_decode_bad(void **state)
{
	char out[8];
	size_t n;
	(void)state;

	assert_decode_bad("%");
	assert_decode_bad("%4");
	assert_decode_bad("abc%");
	assert_decode_bad("abc%4");
	assert_decode_bad("%zz");
	assert_decode_bad("%g0");
	assert_decode_bad("%0g");
	assert_decode_bad("%%41");
	assert_decode_bad("% 41");
	assert_decode_bad("%+1");
	assert_decode_bad("%-1");
	assert_decode_bad("%\xc3\xa9");
	/* Only len bytes are read: "%4" cut from "%41". */
	assert_int_equal(pp_url_decode("%41", 2, out, &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_url_decode("ab%41", 2, out, &n), PP_OK);
	assert_int_equal(n, 2);
	assert_string_equal(out, "ab");
}

/* ------------------------------------------------------------------ hex, ct_equal, wipe */

static void
test_hex(void **state)
{
	static const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff};
	char out[2 * sizeof(in) + 1];
	char empty[1] = {'X'};
	(void)state;

	memset(out, 'Z', sizeof(out));
	pp_hex(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abcdefff");
	pp_hex(in, 0, empty);
	assert_string_equal(empty, "");
	char one[3];
	pp_hex((const unsigned char *)"\x5a", 1, one);
	assert_string_equal(one, "5a");
}

static void
test_ct_equal(void **state)
{
	(void)state;
	assert_true(pp_ct_equal("abcdef", "abcdef", 6));
	assert_false(pp_ct_equal("abcdef", "abcdeg", 6));
	assert_false(pp_ct_equal("abcdef", "bbcdef", 6));
	assert_true(pp_ct_equal("abcdef", "abcxyz", 3));
	assert_true(pp_ct_equal("a", "b", 0));
	assert_false(pp_ct_equal("a\0b", "a\0c", 3));
	assert_true(pp_ct_equal("\x80\xff", "\x80\xff", 2));
	assert_false(pp_ct_equal("\x80\xff", "\x80\xfe", 2));
}

static void
test_wipe(void **state)
{
	char buf[16];
	(void)state;

	memset(buf, 'S', sizeof(buf));
	pp_wipe(buf, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[8], 'S');
	pp_wipe(NULL, 10);
	pp_wipe(buf, 0);
}

/* ------------------------------------------------------------------ files */

static char tmpdir[256];

static int
files_setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/pp_util_XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
files_teardown(void **state)
{
	(void)state;
	pp_mem_fail_after(-1);
	return pp_test_rmtree(tmpdir) == 0 ? 0 : -1;
}

/* Writes len bytes of data to tmpdir/name with mode; returns the path. */
static const char *
write_file(const char *name, const char *data, size_t len, mode_t mode)
{
	static char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
test_secret_ok(void **state)
{
	char buf[64];
	size_t len = 0;
	const char *p;
	(void)state;

	p = write_file("pin1", "1234\n", 5, 0600);
	assert_int_equal(pp_secret_file_read(p, buf, sizeof(buf), &len), PP_OK);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "1234");

	p = write_file("pin2", "s3cr3t pin", 10, 0400);
	assert_int_equal(pp_secret_file_read(p, buf, sizeof(buf), &len), PP_OK);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "s3cr3t pin");

	p = write_file("pin3", "abcd\r\n", 6, 0600);
	assert_int_equal(pp_secret_file_read(p, buf, sizeof(buf), &len), PP_OK);
	assert_string_equal(buf, "abcd");
	assert_int_equal(len, 4);

	/* Exactly cap - 1 bytes fit. */
	p = write_file("pin4", "1234567", 7, 0600);
	assert_int_equal(pp_secret_file_read(p, buf, 8, &len), PP_OK);
	assert_int_equal(len, 7);
	assert_string_equal(buf, "1234567");
}

static void
assert_secret_refused(const char *path, size_t cap, enum pp_err want)
{
	char buf[64];
	size_t len = 777;

	memset(buf, 'S', sizeof(buf));
	assert_int_equal(pp_secret_file_read(path, buf, cap, &len), want);
	assert_int_equal(len, 777);
	/* Nothing of the secret is left in the buffer. */
	for (size_t i = 0; i < cap && i < sizeof(buf); i++)
		assert_int_not_equal(buf[i], '1');
}

static void
test_secret_refused(void **state)
{
	char target[512], link[512];
	(void)state;

	/* Group or other permission bits. */
	assert_secret_refused(write_file("g_r", "1111\n", 5, 0640), 64, PP_ERR_CONFIG);
	assert_secret_refused(write_file("g_w", "1111\n", 5, 0620), 64, PP_ERR_CONFIG);
	assert_secret_refused(write_file("o_r", "1111\n", 5, 0604), 64, PP_ERR_CONFIG);
	assert_secret_refused(write_file("o_x", "1111\n", 5, 0601), 64, PP_ERR_CONFIG);
	assert_secret_refused(write_file("all", "1111\n", 5, 0666), 64, PP_ERR_CONFIG);
	/* A symbolic link, even to a good file. */
	snprintf(target, sizeof(target), "%s", write_file("good", "1111\n", 5, 0600));
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	assert_int_equal(symlink(target, link), 0);
	assert_secret_refused(link, 64, PP_ERR_CONFIG);
	/* Empty, or only a newline. */
	assert_secret_refused(write_file("empty", "", 0, 0600), 64, PP_ERR_CONFIG);
	assert_secret_refused(write_file("nl", "\n", 1, 0600), 64, PP_ERR_CONFIG);
	assert_secret_refused(write_file("crlf", "\r\n\n", 3, 0600), 64, PP_ERR_CONFIG);
	/* Too long for the buffer. */
	assert_secret_refused(write_file("long", "11111111", 8, 0600), 8, PP_ERR_CONFIG);
	assert_secret_refused(write_file("long2", "1111111111111111111111111111111111111111", 40, 0600),
	    16, PP_ERR_CONFIG);
	/* Missing, a directory. */
	char missing[512];
	snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
	assert_secret_refused(missing, 64, PP_ERR_CONFIG);
	assert_secret_refused(tmpdir, 64, PP_ERR_CONFIG);
	/* A buffer too small to hold anything. */
	char tiny[1];
	size_t len;
	assert_int_equal(pp_secret_file_read(target, tiny, 1, &len), PP_ERR_INTERNAL);
}

static void
test_secret_owner(void **state)
{
	const char *p;
	(void)state;

	if (geteuid() != 0) {
		skip();
		return;
	}
	p = write_file("other_owner", "1111\n", 5, 0600);
	assert_int_equal(chown(p, 4242, 4242), 0);
	assert_secret_refused(p, 64, PP_ERR_CONFIG);
}

static void
test_file_read(void **state)
{
	char content[100];
	char *data = NULL;
	size_t len = 0;
	const char *p;
	(void)state;

	for (size_t i = 0; i < sizeof(content); i++)
		content[i] = (char)('a' + i % 26);
	p = write_file("data", content, sizeof(content), 0644);
	assert_int_equal(pp_file_read(p, 100, &data, &len), PP_OK);
	assert_int_equal(len, 100);
	assert_memory_equal(data, content, 100);
	assert_int_equal(data[100], '\0');
	pp_free(data);
	data = NULL;
	assert_int_equal(pp_file_read(p, 1000, &data, NULL), PP_OK);
	pp_free(data);
	data = NULL;
	/* One byte over the maximum. */
	assert_int_equal(pp_file_read(p, 99, &data, &len), PP_ERR_IO);
	assert_null(data);
	assert_int_equal(pp_file_read(p, 0, &data, &len), PP_ERR_IO);
	/* Empty file. */
	p = write_file("zero", "", 0, 0644);
	assert_int_equal(pp_file_read(p, 0, &data, &len), PP_OK);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	pp_free(data);
	data = NULL;
	/* Missing file, directory. */
	char missing[512];
	snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
	assert_int_equal(pp_file_read(missing, 100, &data, &len), PP_ERR_IO);
	assert_int_equal(pp_file_read(tmpdir, 1 << 20, &data, &len), PP_ERR_IO);
	assert_null(data);
	/* Allocation failure. */
	p = write_file("data2", content, sizeof(content), 0644);
	pp_mem_fail_after(0);
	assert_int_equal(pp_file_read(p, 100, &data, &len), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(data);
}

/* ------------------------------------------------------------------ base64 */

/* RFC 4648 section 10. */
static const struct {
	const char *raw;
	const char *b64;
} b64_vectors[] = {
	{"", ""},
	{"f", "Zg=="},
	{"fo", "Zm8="},
	{"foo", "Zm9v"},
	{"foob", "Zm9vYg=="},
	{"fooba", "Zm9vYmE="},
	{"foobar", "Zm9vYmFy"},
};

static void
test_b64_vectors(void **state)
{
	char enc[16];
	unsigned char dec[16];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
		const char *raw = b64_vectors[i].raw, *b64 = b64_vectors[i].b64;

		memset(enc, 'Z', sizeof(enc));
		pp_b64_encode((const unsigned char *)raw, strlen(raw), enc);
		assert_string_equal(enc, b64);
		memset(dec, 'Z', sizeof(dec));
		n = 999;
		assert_int_equal(pp_b64_decode(b64, strlen(b64), dec, sizeof(dec), &n), PP_OK);
		assert_int_equal(n, strlen(raw));
		assert_memory_equal(dec, raw, n);
		/* The exact capacity is enough. */
		assert_int_equal(pp_b64_decode(b64, strlen(b64), dec, strlen(raw), &n), PP_OK);
		assert_int_equal(n, strlen(raw));
	}
}

static void
test_b64_binary_roundtrip(void **state)
{
	unsigned char in[256], dec[256];
	char enc[4 * ((sizeof(in) + 2) / 3) + 1];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(255 - i);
	/* Every length, so every padding case meets every byte value. */
	for (size_t len = 0; len <= sizeof(in); len++) {
		pp_b64_encode(in, len, enc);
		assert_int_equal(strlen(enc), 4 * ((len + 2) / 3));
		assert_int_equal(pp_b64_decode(enc, strlen(enc), dec, sizeof(dec), &n), PP_OK);
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
	}
	/* The whole alphabet, '+' and '/' included. */
	static const unsigned char all[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b,
		0x30, 0xd3, 0x8f, 0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7,
		0x9f, 0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7, 0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf, 0xc3,
		0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
	pp_b64_encode(all, sizeof(all), enc);
	assert_string_equal(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

static void
assert_b64_bad(const char *in)
{
	unsigned char out[64];
	size_t n = 777;

	if (pp_b64_decode(in, strlen(in), out, sizeof(out), &n) != PP_ERR_FIELD_INVALID)
		fail_msg("pp_b64_decode(\"%s\") accepted", in);
	assert_int_equal(n, 777);
}

static void
test_b64_strict(void **state)
{
	unsigned char out[8];
	size_t n = 777;
	(void)state;

	/* Length not a multiple of 4: missing padding or truncation. */
	assert_b64_bad("Zg");
	assert_b64_bad("Zg=");
	assert_b64_bad("Zm8");
	assert_b64_bad("Z");
	assert_b64_bad("Zm9vY");
	assert_b64_bad("Zg===");
	/* Non-canonical: bits left over under the padding. */
	assert_b64_bad("Zh==");
	assert_b64_bad("Zv==");
	assert_b64_bad("QR==");
	assert_b64_bad("Zm9=");
	/* Padding elsewhere than at the very end. */
	assert_b64_bad("====");
	assert_b64_bad("Z===");
	assert_b64_bad("=Zg=");
	assert_b64_bad("Zg==Zg==");
	assert_b64_bad("Zg=a");
	assert_b64_bad("Z=g=");
	assert_b64_bad("Zm9v=A==");
	/* Whitespace and line breaks anywhere. */
	assert_b64_bad(" Zm9v");
	assert_b64_bad("Zm9v ");
	assert_b64_bad("Zm 9v");
	assert_b64_bad("Zm9v\nYmFy");
	assert_b64_bad("Zm9v\r\n");
	assert_b64_bad("Zm9\tv");
	/* Characters outside the standard alphabet (URL-safe ones included). */
	assert_b64_bad("Zm9-");
	assert_b64_bad("Zm9_");
	assert_b64_bad("Zm9.");
	assert_b64_bad("Zm9\xc3\xa9");
	assert_b64_bad("Zm9\x80");
	/* A NUL byte inside the counted length. */
	assert_int_equal(pp_b64_decode("Zm\0v", 4, out, sizeof(out), &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(n, 777);
}

/* pp_clock_step reports a change of the wall-minus-monotonic offset over
 * PP_CLOCK_STEP_MS, signed, once; the offset is steady between two calls. */
static void
test_clock_step(void **state)
{
	int64_t last = 0, off, step, t0, t1;

	(void)state;
	assert_int_equal(pp_clock_step(&last), 0);	/* first look */
	assert_true(last != 0);
	assert_int_equal(pp_clock_step(&last), 0);	/* no step */
	off = pp_clock_offset_ms();
	t0 = pp_now_ms();
	t1 = pp_now_ms();
	assert_true(t1 >= t0);
	/* A step forward of 5 s since the last look, then the same back. */
	last = off - 5000;
	step = pp_clock_step(&last);
	assert_true(step >= 4990 && step <= 5010);
	assert_int_equal(pp_clock_step(&last), 0);	/* reported once */
	last += 5000;
	step = pp_clock_step(&last);
	assert_true(step <= -4990 && step >= -5010);
	/* Under PP_CLOCK_STEP_MS: drift, not a step. */
	last = pp_clock_offset_ms() - PP_CLOCK_STEP_MS / 2;
	assert_int_equal(pp_clock_step(&last), 0);
}

static void
test_b64_outcap(void **state)
{
	unsigned char out[8];
	size_t n = 777;
	(void)state;

	/* "foobar" needs 6 bytes: 5 is one too few, whatever the padding. */
	assert_int_equal(pp_b64_decode("Zm9vYmFy", 8, out, 5, &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_b64_decode("Zm9vYmE=", 8, out, 4, &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_b64_decode("Zm9vYg==", 8, out, 3, &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_b64_decode("Zg==", 4, out, 0, &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(n, 777);
	/* Nothing written past the capacity when refused. */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(pp_b64_decode("Zm9vYmFy", 8, out, 5, &n), PP_ERR_FIELD_INVALID);
	assert_int_equal(out[5], 'Z');
	/* Only len bytes are read. */
	assert_int_equal(pp_b64_decode("Zm9vYmFy!!!!", 8, out, sizeof(out), &n), PP_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(pp_b64_decode("", 0, out, 0, &n), PP_OK);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strtonum_bounds),
		cmocka_unit_test(test_strtonum_spelling),
		cmocka_unit_test(test_strtonum_int64_limits),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates_and_range),
		cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_utf8_controls),
		cmocka_unit_test(test_url_decode),
		cmocka_unit_test(test_url_decode_bad),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_secret_ok),
		cmocka_unit_test(test_secret_refused),
		cmocka_unit_test(test_secret_owner),
		cmocka_unit_test(test_file_read),
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_binary_roundtrip),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_b64_outcap),
		cmocka_unit_test(test_clock_step),
	};
	/* Refusals are logged; keep the test log readable. */
	pp_log_open("test_util", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, files_setup, files_teardown);
}
