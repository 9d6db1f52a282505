/*
 * pp_util: small, bounded helpers for untrusted bytes and secrets.
 */
#ifndef PP_UTIL_H
#define PP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

/* A length-counted view of bytes it does not own. */
struct pp_str {
	const char *p;
	size_t len;
};

/* Parses a whole decimal integer in [min, max]: no sign for min >= 0, no
 * spaces, no leading '+', no trailing bytes.  OUT *out untouched on error. */
enum pp_err pp_strtonum(const char *s, size_t len, int64_t min, int64_t max, int64_t *out) PP_WUR;
/* Constant-time equality of two buffers of the same length. */
int pp_ct_equal(const void *a, const void *b, size_t len);
/* Wipes a secret so the compiler cannot elide it. */
void pp_wipe(void *p, size_t len);
/* 1 when s[0..len) is valid UTF-8 without NUL or C0 controls other than
 * tab, CR, LF (allow_newlines); else 0. */
int pp_utf8_valid(const char *s, size_t len, int allow_newlines);
/* Standard base64 (RFC 4648 section 4, with padding).  encode: out needs
 * 4*((len+2)/3)+1 bytes, NUL-terminated.  decode: strict (no whitespace,
 * canonical padding, no bits left over); PP_ERR_FIELD_INVALID otherwise;
 * OUT out[0..*outlen), outcap bytes at most. */
void pp_b64_encode(const unsigned char *in, size_t len, char *out);
enum pp_err pp_b64_decode(const char *in, size_t len, unsigned char *out, size_t outcap,
    size_t *outlen) PP_WUR;
/* Lower-case hex of in[0..len) into out (2*len+1 bytes, NUL-terminated). */
void pp_hex(const unsigned char *in, size_t len, char *out);
/* n (<= 64) random bytes from the OpenSSL DRBG as 2n lower-case hex digits
 * into out (2n + 1 bytes): identifiers, cookies, CSRF tokens. */
enum pp_err pp_random_hex(char *out, size_t n) PP_WUR;
/* SHA-256 of p[0..len) into out. */
enum pp_err pp_sha256(const void *p, size_t len, unsigned char out[32]) PP_WUR;
/* Milliseconds since the epoch, wall clock (stored times, expiries). */
int64_t pp_now_ms(void);
/*
 * Clock steps (TIME-1).  The wall clock minus CLOCK_MONOTONIC, in
 * milliseconds: constant while the clock runs or is slewed (NTP's slew is at
 * most 0.5 ms a second), changed by the size of a step (settimeofday, an
 * NTP step, a virtual machine resumed).
 */
int64_t pp_clock_offset_ms(void);
/* Smallest change of the offset between two looks reported as a step. */
#define PP_CLOCK_STEP_MS 1000
/*
 * The step since the previous call with the same *last (0 before the
 * first): the change of pp_clock_offset_ms() in ms (positive: forward) when
 * larger than PP_CLOCK_STEP_MS, else 0.  Updates *last.  A caller looks
 * every second or so; the slow drift between two looks is never a step.
 */
int64_t pp_clock_step(int64_t *last);

/*
 * Reads a secret (PIN) file: it must be a regular file owned by root or by
 * the effective user, with no group or other permission bits.  At most
 * cap-1 bytes; a trailing newline is dropped; buf is NUL-terminated.
 * OUT *len: secret length.  The caller wipes buf with pp_wipe().
 */
enum pp_err pp_secret_file_read(const char *path, char *buf, size_t cap, size_t *len) PP_WUR;

/* Reads a whole (non-secret) file up to max bytes; OUT *data malloc'd (NUL
 * terminated), caller frees with pp_free. */
enum pp_err pp_file_read(const char *path, size_t max, char **data, size_t *len) PP_WUR;

/* Percent-decoding of application/x-www-form-urlencoded bytes ('+' = space)
 * into out (at least len+1 bytes).  Invalid escapes are PP_ERR_FIELD_INVALID. */
enum pp_err pp_url_decode(const char *in, size_t len, char *out, size_t *outlen) PP_WUR;

#endif
