#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "pp_mem.h"
#include "pp_util.h"
#include "pp_log.h"

enum pp_err
pp_strtonum(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	int neg = 0;
	size_t i = 0;
	uint64_t v = 0, lim;

	if (s == NULL || len == 0 || len > 20)
		return PP_ERR_FIELD_INVALID;
	if (s[0] == '-') {
		if (min >= 0 || len == 1)
			return PP_ERR_FIELD_INVALID;
		neg = 1;
		i = 1;
	}
	/* No leading zeros except "0" itself: one spelling per number. */
	if (s[i] == '0' && len - i > 1)
		return PP_ERR_FIELD_INVALID;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return PP_ERR_FIELD_INVALID;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (lim - d) / 10)
			return PP_ERR_FIELD_INVALID;
		v = v * 10 + d;
	}
	int64_t r;
	if (neg)
		r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		r = (int64_t)v;
	if (neg && v == 0)
		return PP_ERR_FIELD_INVALID;	/* "-0" */
	if (r < min || r > max)
		return PP_ERR_FIELD_INVALID;
	*out = r;
	return PP_OK;
}

int
pp_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
pp_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

int
pp_utf8_valid(const char *s, size_t len, int allow_newlines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = u[i];
		if (c < 0x80) {
			if (c == 0x7f || (c < 0x20 && !(allow_newlines &&
			    (c == '\t' || c == '\n' || c == '\r'))))
				return 0;
			i++;
			continue;
		}
		size_t n;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and out-of-range code points. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

void
pp_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static const char pp_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
pp_b64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = pp_b64_alphabet[v >> 18];
		out[o++] = pp_b64_alphabet[(v >> 12) & 63];
		out[o++] = pp_b64_alphabet[(v >> 6) & 63];
		out[o++] = pp_b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = pp_b64_alphabet[v >> 18];
		out[o++] = pp_b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = pp_b64_alphabet[v >> 18];
		out[o++] = pp_b64_alphabet[(v >> 12) & 63];
		out[o++] = pp_b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* Value of one base64 digit, -1 for anything else ('=' included: padding is
 * handled by position, never as a digit). */
static int
pp_b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * One spelling per byte string: the input is whole quanta, '=' only as the
 * last one or two characters of the last quantum, and the bits the padding
 * drops must be zero ("QR==" is refused, only "QQ==" decodes to "A").
 * Signatures and hashes travel in this encoding, so a second spelling would
 * be a second identity for the same note.
 */
enum pp_err
pp_b64_decode(const char *in, size_t len, unsigned char *out, size_t outcap, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t pad = 0, need, o = 0;

	if (len % 4 != 0)
		return PP_ERR_FIELD_INVALID;
	if (len == 0) {
		*outlen = 0;
		return PP_OK;
	}
	if (u[len - 1] == '=')
		pad = u[len - 2] == '=' ? 2 : 1;
	need = len / 4 * 3 - pad;
	if (need > outcap)
		return PP_ERR_FIELD_INVALID;
	for (size_t i = 0; i < len; i += 4) {
		int d[4];
		size_t digits = i + 4 == len ? 4 - pad : 4;
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			d[k] = k < digits ? pp_b64_val(u[i + k]) : 0;
			if (d[k] < 0)
				return PP_ERR_FIELD_INVALID;
			v = v << 6 | (uint32_t)d[k];
		}
		if (digits == 2 && (d[1] & 15) != 0)
			return PP_ERR_FIELD_INVALID;
		if (digits == 3 && (d[2] & 3) != 0)
			return PP_ERR_FIELD_INVALID;
		out[o++] = (unsigned char)(v >> 16);
		if (digits > 2)
			out[o++] = (unsigned char)(v >> 8);
		if (digits > 3)
			out[o++] = (unsigned char)v;
	}
	*outlen = o;
	return PP_OK;
}

enum pp_err
pp_secret_file_read(const char *path, char *buf, size_t cap, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;
	enum pp_err rc = PP_ERR_CONFIG;

	if (cap < 2)
		return PP_ERR_INTERNAL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		pp_err_log("secret file %s: %s", path, strerror(errno));
		return PP_ERR_CONFIG;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		pp_err_log("secret file %s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		pp_err_log("secret file %s: owned by uid %u, expected root or %u",
		    path, (unsigned)st.st_uid, (unsigned)geteuid());
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		pp_err_log("secret file %s: mode %03o is too open (want 0400 or 0600)",
		    path, (unsigned)(st.st_mode & 0777));
		goto fail;
	}
	while (got < cap - 1) {
		n = read(fd, buf + got, cap - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = PP_ERR_IO;
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == cap - 1) {
		char extra;
		if (read(fd, &extra, 1) > 0) {
			pp_err_log("secret file %s: too long", path);
			goto fail;
		}
	}
	while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	if (got == 0) {
		pp_err_log("secret file %s: empty", path);
		goto fail;
	}
	buf[got] = '\0';
	*len = got;
	close(fd);
	return PP_OK;
fail:
	pp_wipe(buf, cap);
	close(fd);
	return rc;
}

enum pp_err
pp_file_read(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		pp_err_log("%s: %s", path, strerror(errno));
		return PP_ERR_IO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		pp_err_log("%s: not a regular file or larger than %zu bytes", path, max);
		close(fd);
		return PP_ERR_IO;
	}
	buf = pp_malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return PP_ERR_NOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	if (len)
		*len = got;
	return PP_OK;
}

static int
pp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum pp_err
pp_url_decode(const char *in, size_t len, char *out, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '+')
			out[o++] = ' ';
		else if (in[i] == '%') {
			int hi, lo;
			if (len - i < 3 || (hi = pp_hexval(in[i + 1])) < 0 ||
			    (lo = pp_hexval(in[i + 2])) < 0)
				return PP_ERR_FIELD_INVALID;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = in[i];
	}
	out[o] = '\0';
	*outlen = o;
	return PP_OK;
}

enum pp_err
pp_random_hex(char *out, size_t n)
{
	unsigned char b[64];

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1)
		return PP_ERR_INTERNAL;
	pp_hex(b, n, out);
	out[2 * n] = '\0';
	pp_wipe(b, sizeof(b));
	return PP_OK;
}

enum pp_err
pp_sha256(const void *p, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return PP_ERR_INTERNAL;
	return PP_OK;
}

int64_t
pp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
pp_clock_offset_ms(void)
{
	struct timespec w, m;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)w.tv_sec - (int64_t)m.tv_sec) * 1000 + ((int64_t)w.tv_nsec - (int64_t)m.tv_nsec) / 1000000;
}

int64_t
pp_clock_step(int64_t *last)
{
	int64_t off = pp_clock_offset_ms(), step = 0;

	if (*last != 0 && (off - *last > PP_CLOCK_STEP_MS || *last - off > PP_CLOCK_STEP_MS))
		step = off - *last;
	*last = off != 0 ? off : 1;
	return step;
}
