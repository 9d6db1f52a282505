/*
 * pp_note: checkpoints and signed notes (C2SP), ECDSA P-256 (type 0x02).
 *
 * Keys are generated afresh for each run; one test proves the encoding is
 * the standard one by handing the signature to `openssl dgst -verify` and a
 * signature made by `openssl dgst -sign` back to pp_note_verify.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_note.h"
#include "pp_util.h"
#include "pp_test.h"

#define ORIGIN "paraphe.example/audit"

static EVP_PKEY *key;		/* the log's key */
static EVP_PKEY *other;		/* a witness, unknown to the verifier */
static uint32_t key_id, other_id;
static char tmpdir[256];

/* ------------------------------------------------------------------ helpers */

/* pp_note_sign_fn over an EVP_PKEY: DER signature of the digest. */
static enum pp_err
sign_evp(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new((EVP_PKEY *)ctx, NULL);
	enum pp_err rc = PP_ERR_HSM;

	if (pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
	    EVP_PKEY_sign(pc, sig, siglen, digest, PP_HASH_LEN) == 1)
		rc = PP_OK;
	EVP_PKEY_CTX_free(pc);
	return rc;
}

/* The same as a PKCS#11 token answers CKM_ECDSA: raw r||s, 32 bytes each,
 * converted with pp_note_ecdsa_raw_to_der. */
static enum pp_err
sign_raw(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	uint8_t der[160], rs[64];
	const unsigned char *p = der;
	size_t derlen = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	if (sign_evp(ctx, digest, der, &derlen) != PP_OK)
		return PP_ERR_HSM;
	es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (es == NULL)
		return PP_ERR_HSM;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, rs, 32) != 32 || BN_bn2binpad(s, rs + 32, 32) != 32) {
		ECDSA_SIG_free(es);
		return PP_ERR_HSM;
	}
	ECDSA_SIG_free(es);
	return pp_note_ecdsa_raw_to_der(rs, sizeof(rs), sig, siglen);
}

static enum pp_err
sign_fails(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	(void)ctx;
	(void)digest;
	(void)sig;
	(void)siglen;
	return PP_ERR_HSM;
}

static enum pp_err
sign_too_long(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	(void)ctx;
	(void)digest;
	memset(sig, 0x30, *siglen);
	*siglen += 1;
	return PP_OK;
}

static struct pp_checkpoint
sample_checkpoint(uint64_t size, const char *ext)
{
	struct pp_checkpoint c;

	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", ORIGIN);
	c.size = size;
	for (int i = 0; i < PP_HASH_LEN; i++)
		c.root[i] = (uint8_t)(i * 7 + 1);
	snprintf(c.ext, sizeof(c.ext), "%s", ext);
	return c;
}

/* A signed checkpoint note by key: OUT note (PP_NOTE_MAX + 1 bytes). */
static size_t
signed_checkpoint(char *note, pp_note_sign_fn fn)
{
	struct pp_checkpoint c = sample_checkpoint(1234, "");
	char text[PP_NOTE_MAX];
	size_t tlen, len;

	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	assert_int_equal(pp_note_sign(text, tlen, ORIGIN, key_id, fn, key, note, PP_NOTE_MAX + 1,
	    &len), PP_OK);
	return len;
}

static enum pp_err
verify(const char *note, size_t len)
{
	size_t tl = 0;

	return pp_note_verify(note, len, ORIGIN, key, &tl);
}

static enum pp_err
verify_str(const char *note)
{
	return verify(note, strlen(note));
}

/* Concatenates the NUL-terminated strings given, up to a NULL; fails the
 * test when they do not fit in cap bytes.  Returns the length. */
static size_t
cat(char *out, size_t cap, ...) __attribute__((sentinel));
static size_t
cat(char *out, size_t cap, ...)
{
	va_list ap;
	const char *p;
	size_t n = 0;

	va_start(ap, cap);
	while ((p = va_arg(ap, const char *)) != NULL) {
		size_t k = strlen(p);
		if (n + k + 1 > cap)
			fail_msg("test note too long");
		memcpy(out + n, p, k);
		n += k;
	}
	va_end(ap);
	out[n] = '\0';
	return n;
}

/* "— name base64(id || sig)\n" for arbitrary bytes. */
static void
sig_line(char *out, size_t cap, const char *name, uint32_t id, const uint8_t *sig, size_t siglen)
{
	uint8_t blob[256];
	char b64[512];

	assert_true(siglen + 4 <= sizeof(blob));
	blob[0] = (uint8_t)(id >> 24);
	blob[1] = (uint8_t)(id >> 16);
	blob[2] = (uint8_t)(id >> 8);
	blob[3] = (uint8_t)id;
	memcpy(blob + 4, sig, siglen);
	pp_b64_encode(blob, siglen + 4, b64);
	cat(out, cap, "\xe2\x80\x94 ", name, " ", b64, "\n", NULL);
}

static const char *
tmp_path(const char *name)
{
	static char path[2][512];
	static int which;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", tmpdir, name);
	return path[which];
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
write_pubkey(const char *path, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	assert_int_equal(fclose(f), 0);
}

static void
write_privkey(const char *path, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
}

static int
run(const char *cmd)
{
	int st = system(cmd);

	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ------------------------------------------------------------------ setup */

static int
group_setup(void **state)
{
	(void)state;
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/pp_note_XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key == NULL || other == NULL)
		return -1;
	if (pp_note_key_id(key, &key_id) != PP_OK || pp_note_key_id(other, &other_id) != PP_OK)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	pp_mem_fail_after(-1);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	return pp_test_rmtree(tmpdir) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ origin */

static void
test_origin_valid(void **state)
{
	char longest[PP_ORIGIN_MAX + 2];
	(void)state;

	assert_true(pp_note_origin_valid("example.com/log42"));
	assert_true(pp_note_origin_valid("a"));
	assert_true(pp_note_origin_valid("~!\"#$%&'()*,-./:;<=>?@[\\]^_`{|}"));
	assert_false(pp_note_origin_valid(NULL));
	assert_false(pp_note_origin_valid(""));
	assert_false(pp_note_origin_valid("example.com/log 42"));
	assert_false(pp_note_origin_valid(" example.com"));
	assert_false(pp_note_origin_valid("example.com/a+b"));
	assert_false(pp_note_origin_valid("example.com\t"));
	assert_false(pp_note_origin_valid("example.com\n"));
	assert_false(pp_note_origin_valid("exa\x7fmple"));
	assert_false(pp_note_origin_valid("caf\xc3\xa9.example"));
	memset(longest, 'a', sizeof(longest));
	longest[PP_ORIGIN_MAX] = '\0';
	assert_true(pp_note_origin_valid(longest));
	longest[PP_ORIGIN_MAX] = 'a';
	longest[PP_ORIGIN_MAX + 1] = '\0';
	assert_false(pp_note_origin_valid(longest));
}

/* ------------------------------------------------------------------ checkpoint text */

static void
assert_checkpoint_equal(const struct pp_checkpoint *a, const struct pp_checkpoint *b)
{
	assert_string_equal(a->origin, b->origin);
	assert_int_equal(a->size, b->size);
	assert_memory_equal(a->root, b->root, PP_HASH_LEN);
	assert_string_equal(a->ext, b->ext);
}

static void
test_checkpoint_roundtrip(void **state)
{
	static const char *exts[] = {"", "one\n", "one\ntwo \xe2\x80\x94 three\n"};
	static const uint64_t sizes[] = {0, 1, 20852163, INT64_MAX};
	char text[PP_NOTE_MAX];
	size_t len;
	(void)state;

	for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct pp_checkpoint c = sample_checkpoint(sizes[s], exts[e]), d;
			char again[PP_NOTE_MAX];
			size_t len2;

			assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_OK);
			assert_int_equal(strlen(text), len);
			memset(&d, 'X', sizeof(d));
			assert_int_equal(pp_checkpoint_parse(text, len, &d), PP_OK);
			assert_checkpoint_equal(&c, &d);
			/* One spelling: formatting what was parsed gives the same bytes. */
			assert_int_equal(pp_checkpoint_format(&d, again, sizeof(again), &len2), PP_OK);
			assert_int_equal(len2, len);
			assert_memory_equal(again, text, len);
		}
	}
	struct pp_checkpoint c = sample_checkpoint(7, "");
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_OK);
	assert_string_equal(text, ORIGIN "\n7\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n");
}

static void
test_checkpoint_spec_example(void **state)
{
	static const char text[] = "example.com/behind-the-sofa\n20852163\n"
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
	struct pp_checkpoint c;
	(void)state;

	assert_int_equal(pp_checkpoint_parse(text, sizeof(text) - 1, &c), PP_OK);
	assert_string_equal(c.origin, "example.com/behind-the-sofa");
	assert_int_equal(c.size, 20852163);
	assert_int_equal(c.root[0], 0x0a);
	assert_int_equal(c.root[31], 0x62);
	assert_string_equal(c.ext, "");
}

static void
test_checkpoint_ext_preserved(void **state)
{
	static const char text[] = ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n"
	    "timestamp 1700000000\n\xc3\xa9t\xc3\xa9 extension\n";
	struct pp_checkpoint c;
	char out[PP_NOTE_MAX];
	size_t len;
	(void)state;

	assert_int_equal(pp_checkpoint_parse(text, sizeof(text) - 1, &c), PP_OK);
	assert_string_equal(c.ext, "timestamp 1700000000\n\xc3\xa9t\xc3\xa9 extension\n");
	assert_int_equal(pp_checkpoint_format(&c, out, sizeof(out), &len), PP_OK);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(out, text, len);

	/* Signed and verified with its extension lines, then parsed back. */
	char note[PP_NOTE_MAX + 1];
	size_t nlen, tlen = 0;
	assert_int_equal(pp_note_sign(out, len, ORIGIN, key_id, sign_evp, key, note, sizeof(note),
	    &nlen), PP_OK);
	assert_int_equal(pp_note_verify(note, nlen, ORIGIN, key, &tlen), PP_OK);
	assert_int_equal(tlen, len);
	struct pp_checkpoint d;
	assert_int_equal(pp_checkpoint_parse(note, tlen, &d), PP_OK);
	assert_checkpoint_equal(&c, &d);
}

#define ROOT "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o="

static void
assert_parse_bad(const char *text, size_t len)
{
	struct pp_checkpoint c;

	memset(&c, 'X', sizeof(c));
	if (pp_checkpoint_parse(text, len, &c) != PP_ERR_BAD_REQUEST)
		fail_msg("checkpoint accepted: \"%.*s\"", (int)len, text);
	/* OUT untouched on error. */
	assert_int_equal(c.origin[0], 'X');
}

#define PARSE_BAD(s) assert_parse_bad((s), sizeof(s) - 1)

static void
test_checkpoint_parse_bad(void **state)
{
	(void)state;
	/* Sanity: the base form is accepted. */
	struct pp_checkpoint c;
	assert_int_equal(pp_checkpoint_parse(ORIGIN "\n5\n" ROOT "\n", sizeof(ORIGIN "\n5\n" ROOT "\n") - 1,
	    &c), PP_OK);

	PARSE_BAD("");
	PARSE_BAD(ORIGIN "\n5\n" ROOT);			/* no final newline */
	PARSE_BAD(ORIGIN "\n5\n");			/* no root */
	PARSE_BAD(ORIGIN "\n");
	PARSE_BAD("\n5\n" ROOT "\n");			/* empty origin */
	/* Origin with space or '+', or non-ASCII. */
	PARSE_BAD("paraphe.example/a b\n5\n" ROOT "\n");
	PARSE_BAD("paraphe.example/a+b\n5\n" ROOT "\n");
	PARSE_BAD("caf\xc3\xa9.example\n5\n" ROOT "\n");
	/* Size: leading zero, sign, blanks, overflow, empty. */
	PARSE_BAD(ORIGIN "\n05\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n00\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n+5\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n-5\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n 5\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n5 \n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n0x5\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n9223372036854775808\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n18446744073709551616\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n\n" ROOT "\n");
	/* Root: not 32 bytes, not canonical base64, blanks. */
	PARSE_BAD(ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM\n");	/* 30 bytes */
	PARSE_BAD(ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09oA\n");	/* 33 bytes */
	PARSE_BAD(ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09p=\n");	/* bits left */
	PARSE_BAD(ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o\n");	/* unpadded */
	PARSE_BAD(ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=" " \n");
	PARSE_BAD(ORIGIN "\n5\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o==\n");
	PARSE_BAD(ORIGIN "\n5\n\n");
	/* Extension lines: empty, control characters, bad UTF-8. */
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\n\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\next\n\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\next\n\nmore\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\next");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\ne\tx\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\nex\r\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\ne\x01x\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\ne\x7fx\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\ne\xc3x\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\ne\xed\xa0\x80x\n");
	/* A NUL anywhere. */
	PARSE_BAD(ORIGIN "\n5\0\n" ROOT "\n");
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\n\0\n");
	/* CRLF line ends. */
	PARSE_BAD(ORIGIN "\r\n5\r\n" ROOT "\r\n");
	/* A whole signed note is not a checkpoint text. */
	PARSE_BAD(ORIGIN "\n5\n" ROOT "\n\n\xe2\x80\x94 " ORIGIN " AAAAAAA=\n");

	/* Extension lines over PP_CHECKPOINT_EXT_MAX, and the whole over PP_NOTE_MAX. */
	static char big[PP_NOTE_MAX + 16];
	size_t n = (size_t)snprintf(big, sizeof(big), ORIGIN "\n5\n" ROOT "\n");
	size_t base = n;
	while (n - base < PP_CHECKPOINT_EXT_MAX + 1) {
		memcpy(big + n, "abcdefghijklmno\n", 16);
		n += 16;
	}
	assert_parse_bad(big, n);
	/* Exactly PP_CHECKPOINT_EXT_MAX bytes of extension lines are fine. */
	n = base;
	while (n - base + 16 <= PP_CHECKPOINT_EXT_MAX) {
		memcpy(big + n, "abcdefghijklmno\n", 16);
		n += 16;
	}
	assert_int_equal(n - base, PP_CHECKPOINT_EXT_MAX);
	assert_int_equal(pp_checkpoint_parse(big, n, &c), PP_OK);
	assert_int_equal(strlen(c.ext), PP_CHECKPOINT_EXT_MAX);
	memset(big, 'a', sizeof(big));
	big[PP_NOTE_MAX] = '\n';
	assert_parse_bad(big, PP_NOTE_MAX + 1);
	assert_int_equal(pp_checkpoint_parse(NULL, 0, &c), PP_ERR_BAD_REQUEST);
}

static void
test_checkpoint_format_refuses(void **state)
{
	char text[PP_NOTE_MAX];
	size_t len = 777;
	struct pp_checkpoint c;
	(void)state;

	c = sample_checkpoint(1, "");
	snprintf(c.origin, sizeof(c.origin), "bad origin");
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_ERR_INTERNAL);
	c = sample_checkpoint(1, "no newline");
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_ERR_INTERNAL);
	c = sample_checkpoint(1, "a\n\nb\n");
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_ERR_INTERNAL);
	c = sample_checkpoint(1, "tab\there\n");
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_ERR_INTERNAL);
	c = sample_checkpoint((uint64_t)INT64_MAX + 1, "");
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &len), PP_ERR_INTERNAL);
	c = sample_checkpoint(1, "");
	assert_int_equal(pp_checkpoint_format(&c, text, PP_NOTE_MAX - 1, &len), PP_ERR_INTERNAL);
	assert_int_equal(len, 777);
}

/* ------------------------------------------------------------------ sign and verify */

static void
test_sign_verify(void **state)
{
	pp_note_sign_fn fns[] = {sign_evp, sign_raw};
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		char note[PP_NOTE_MAX + 1];
		size_t len = signed_checkpoint(note, fns[i]), tlen = 0;
		struct pp_checkpoint c, want = sample_checkpoint(1234, "");

		assert_int_equal(strlen(note), len);
		assert_int_equal(pp_note_verify(note, len, ORIGIN, key, &tlen), PP_OK);
		assert_int_equal(pp_checkpoint_parse(note, tlen, &c), PP_OK);
		assert_checkpoint_equal(&c, &want);
		/* The signature line: em dash, space, origin, space, base64. */
		assert_memory_equal(note + tlen, "\n\xe2\x80\x94 " ORIGIN " ", 5 + strlen(ORIGIN) + 1);
		/* Verifying against another key, or another name, fails. */
		assert_int_equal(pp_note_verify(note, len, ORIGIN, other, &tlen), PP_ERR_FORBIDDEN);
		assert_int_equal(pp_note_verify(note, len, "paraphe.example/other", key, &tlen),
		    PP_ERR_FORBIDDEN);
	}
}

static void
test_sign_refuses(void **state)
{
	char note[PP_NOTE_MAX + 1];
	size_t len = 777;
	static const char text[] = ORIGIN "\n1\n" ROOT "\n";
	(void)state;

	assert_int_equal(pp_note_sign(text, sizeof(text) - 2, ORIGIN, key_id, sign_evp, key, note,
	    sizeof(note), &len), PP_ERR_INTERNAL);	/* no final newline */
	assert_int_equal(pp_note_sign(text, sizeof(text) - 1, "bad name", key_id, sign_evp, key,
	    note, sizeof(note), &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_note_sign(text, sizeof(text) - 1, "a+b", key_id, sign_evp, key,
	    note, sizeof(note), &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_note_sign("a\tb\n", 4, ORIGIN, key_id, sign_evp, key,
	    note, sizeof(note), &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_note_sign("", 0, ORIGIN, key_id, sign_evp, key,
	    note, sizeof(note), &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_note_sign(text, sizeof(text) - 1, ORIGIN, key_id, sign_fails, key,
	    note, sizeof(note), &len), PP_ERR_HSM);
	assert_int_equal(pp_note_sign(text, sizeof(text) - 1, ORIGIN, key_id, sign_too_long, key,
	    note, sizeof(note), &len), PP_ERR_HSM);
	/* Output buffer too small. */
	assert_int_equal(pp_note_sign(text, sizeof(text) - 1, ORIGIN, key_id, sign_evp, key,
	    note, 100, &len), PP_ERR_INTERNAL);
	assert_int_equal(len, 777);
	/* A text so long the signed note would pass PP_NOTE_MAX. */
	static char big[PP_NOTE_MAX];
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	static char bignote[2 * PP_NOTE_MAX];
	assert_int_equal(pp_note_sign(big, sizeof(big), ORIGIN, key_id, sign_evp, key,
	    bignote, sizeof(bignote), &len), PP_ERR_INTERNAL);
}

static void
test_tamper_every_byte(void **state)
{
	char note[PP_NOTE_MAX + 1], bad[PP_NOTE_MAX + 1];
	size_t len = signed_checkpoint(note, sign_evp);
	static const uint8_t flips[] = {0x01, 0x02, 0x20, 0x80};
	(void)state;

	assert_int_equal(verify(note, len), PP_OK);
	for (size_t i = 0; i < len; i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(bad, note, len);
			bad[i] = (char)(bad[i] ^ flips[f]);
			if (verify(bad, len) == PP_OK)
				fail_msg("note accepted with byte %zu ^ 0x%02x", i, flips[f]);
		}
		/* Dropping the byte, too. */
		memcpy(bad, note, i);
		memcpy(bad + i, note + i + 1, len - i - 1);
		if (verify(bad, len - 1) == PP_OK)
			fail_msg("note accepted without byte %zu", i);
	}
	/* Truncated or extended. */
	assert_int_not_equal(verify(note, len - 1), PP_OK);
	memcpy(bad, note, len);
	bad[len] = '\n';
	assert_int_equal(verify(bad, len + 1), PP_ERR_BAD_REQUEST);
}

static void
test_tamper_fields(void **state)
{
	char note[PP_NOTE_MAX + 1], text[PP_NOTE_MAX], line[512], bad[PP_NOTE_MAX + 1];
	uint8_t sig[80];
	size_t siglen = sizeof(sig), tlen;
	pp_hash digest;
	struct pp_checkpoint c = sample_checkpoint(99, "");
	(void)state;

	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	SHA256((const unsigned char *)text, tlen, digest);
	assert_int_equal(sign_evp(key, digest, sig, &siglen), PP_OK);

	/* Built by hand: the right line verifies ... */
	sig_line(line, sizeof(line), ORIGIN, key_id, sig, siglen);
	cat(note, sizeof(note), text, "\n", line, NULL);
	assert_int_equal(verify_str(note), PP_OK);
	/* ... another key ID under the same name is someone else's: ignored. */
	sig_line(line, sizeof(line), ORIGIN, key_id ^ 1, sig, siglen);
	cat(bad, sizeof(bad), text, "\n", line, NULL);
	assert_int_equal(verify_str(bad), PP_ERR_FORBIDDEN);
	/* ... same for another name with the right key ID. */
	sig_line(line, sizeof(line), ORIGIN "x", key_id, sig, siglen);
	cat(bad, sizeof(bad), text, "\n", line, NULL);
	assert_int_equal(verify_str(bad), PP_ERR_FORBIDDEN);
	/* A signature of another text. */
	c.size = 100;
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	sig_line(line, sizeof(line), ORIGIN, key_id, sig, siglen);
	cat(bad, sizeof(bad), text, "\n", line, NULL);
	assert_int_equal(verify_str(bad), PP_ERR_FORBIDDEN);
	/* The signature with a trailing byte (not DER any more). */
	c.size = 99;
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	sig[siglen] = 0;
	sig_line(line, sizeof(line), ORIGIN, key_id, sig, siglen + 1);
	cat(bad, sizeof(bad), text, "\n", line, NULL);
	assert_int_equal(verify_str(bad), PP_ERR_FORBIDDEN);
	/* Raw r||s instead of DER. */
	uint8_t rs[64];
	memset(rs, 0x11, sizeof(rs));
	sig_line(line, sizeof(line), ORIGIN, key_id, rs, sizeof(rs));
	cat(bad, sizeof(bad), text, "\n", line, NULL);
	assert_int_equal(verify_str(bad), PP_ERR_FORBIDDEN);
}

static void
test_unknown_signatures(void **state)
{
	char note[PP_NOTE_MAX + 1], text[PP_NOTE_MAX], other_note[PP_NOTE_MAX + 1];
	char line[512], mixed[PP_NOTE_MAX + 1];
	size_t len, tlen, olen, textlen = 0;
	struct pp_checkpoint c = sample_checkpoint(42, "");
	(void)state;

	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	assert_int_equal(pp_note_sign(text, tlen, ORIGIN, key_id, sign_evp, key, note, sizeof(note),
	    &len), PP_OK);
	/* A witness cosigns the same text under its own name. */
	assert_int_equal(pp_note_sign(text, tlen, "witness.example/w1", other_id, sign_evp, other,
	    other_note, sizeof(other_note), &olen), PP_OK);
	const char *wline = other_note + tlen + 1;

	/* Known then unknown, and unknown then known: both verify. */
	cat(mixed, sizeof(mixed), note, wline, NULL);
	assert_int_equal(pp_note_verify(mixed, strlen(mixed), ORIGIN, key, &textlen), PP_OK);
	assert_int_equal(textlen, tlen);
	cat(mixed, sizeof(mixed), text, "\n", wline, note + tlen + 1, NULL);
	assert_int_equal(pp_note_verify(mixed, strlen(mixed), ORIGIN, key, &textlen), PP_OK);
	/* The witness's own view of the same note. */
	assert_int_equal(pp_note_verify(mixed, strlen(mixed), "witness.example/w1", other, &textlen),
	    PP_OK);
	/* An unknown line with garbage for a signature is ignored too, even
	 * under our name (other key ID) or our key ID (other name). */
	uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	char l1[256], l2[256], l3[256];
	sig_line(l1, sizeof(l1), ORIGIN, key_id + 1, junk, sizeof(junk));
	sig_line(l2, sizeof(l2), "other.example", key_id, junk, sizeof(junk));
	sig_line(l3, sizeof(l3), "\xe2\x9c\x93.example/unicode", 7, junk, 1);
	cat(mixed, sizeof(mixed), note, l1, l2, l3, NULL);
	assert_int_equal(verify_str(mixed), PP_OK);

	/* Only unknown signatures: rejected. */
	assert_int_equal(pp_note_verify(other_note, olen, ORIGIN, key, &textlen), PP_ERR_FORBIDDEN);
	cat(mixed, sizeof(mixed), text, "\n", l1, l2, NULL);
	assert_int_equal(verify_str(mixed), PP_ERR_FORBIDDEN);

	/* A failing signature by the known key sinks the note, even next to a
	 * good one. */
	sig_line(line, sizeof(line), ORIGIN, key_id, junk, sizeof(junk));
	cat(mixed, sizeof(mixed), note, line, NULL);
	assert_int_equal(verify_str(mixed), PP_ERR_FORBIDDEN);
	cat(mixed, sizeof(mixed), text, "\n", line, note + tlen + 1, NULL);
	assert_int_equal(verify_str(mixed), PP_ERR_FORBIDDEN);
	/* The same good line twice is fine. */
	cat(mixed, sizeof(mixed), note, note + tlen + 1, NULL);
	assert_int_equal(verify_str(mixed), PP_OK);
}

/* The example of c2sp.org/signed-note: well-formed, by a key we do not know
 * (Ed25519), with blank lines and non-ASCII in its text. */
static void
test_spec_note_unknown_key(void **state)
{
	static const char note[] =
	    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\n"
	    "ed \xc3\xa8 subito sera.\n\n"
	    "\xe2\x80\x94 quasimodo.example/salvatore "
	    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
	size_t tl = 0;
	(void)state;

	assert_int_equal(pp_note_verify(note, sizeof(note) - 1, "quasimodo.example/salvatore", key,
	    &tl), PP_ERR_FORBIDDEN);
	assert_int_equal(verify(note, sizeof(note) - 1), PP_ERR_FORBIDDEN);
}

static void
test_text_with_blank_lines(void **state)
{
	static const char text[] = "line one\n\nline three\n\n";
	char note[PP_NOTE_MAX + 1];
	size_t len, tl = 0;
	(void)state;

	assert_int_equal(pp_note_sign(text, sizeof(text) - 1, ORIGIN, key_id, sign_evp, key, note,
	    sizeof(note), &len), PP_OK);
	assert_int_equal(pp_note_verify(note, len, ORIGIN, key, &tl), PP_OK);
	assert_int_equal(tl, sizeof(text) - 1);
}

static void
assert_note_bad(const char *note, size_t len)
{
	size_t tl = 777;

	if (pp_note_verify(note, len, ORIGIN, key, &tl) != PP_ERR_BAD_REQUEST)
		fail_msg("malformed note not refused as such: \"%.*s\"", (int)len, note);
	assert_int_equal(tl, 777);
}

static void
test_note_malformed(void **state)
{
	char note[PP_NOTE_MAX + 1], text[PP_NOTE_MAX], bad[2 * PP_NOTE_MAX];
	char line[512];
	size_t len = signed_checkpoint(note, sign_evp), tlen, n;
	const char *sigl;
	struct pp_checkpoint c = sample_checkpoint(1234, "");
	(void)state;

	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	sigl = note + tlen + 1;		/* our signature line */

	/* No blank line between text and signatures. */
	n = cat(bad, sizeof(bad), text, sigl, NULL);
	assert_note_bad(bad, n);
	/* No signature line at all. */
	n = cat(bad, sizeof(bad), text, "\n", NULL);
	assert_note_bad(bad, n);
	assert_note_bad("", 0);
	assert_note_bad("\n", 1);
	assert_note_bad("\n\n", 2);
	assert_int_equal(pp_note_verify(NULL, 0, ORIGIN, key, &n), PP_ERR_BAD_REQUEST);
	/* Missing final newline. */
	assert_note_bad(note, len - 1);
	/* Control characters in the text, the key name, the signature. */
	static const char *ctl[] = {"\t", "\r", "\x01", "\x1b", "\x7f", "\0"};
	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		memcpy(bad, note, len);
		bad[3] = ctl[i][0];
		assert_note_bad(bad, len);
		memcpy(bad, note, len);
		bad[tlen + 1 + 4 + 2] = ctl[i][0];	/* in the key name */
		assert_note_bad(bad, len);
		memcpy(bad, note, len);
		bad[len - 5] = ctl[i][0];		/* in the base64 */
		assert_note_bad(bad, len);
	}
	/* CRLF line ends. */
	n = cat(bad, sizeof(bad), "a\r\n\r\n", sigl, NULL);
	assert_note_bad(bad, n);
	/* Invalid UTF-8: lone continuation, overlong, surrogate, truncated. */
	static const char *utf[] = {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xff"};
	for (size_t i = 0; i < sizeof(utf) / sizeof(utf[0]); i++) {
		n = cat(bad, sizeof(bad), ORIGIN, utf[i], "\n\n", sigl, NULL);
		assert_note_bad(bad, n);
	}
	/* Signature lines: no em dash, a hyphen, no space, empty name, '+' or a
	 * Unicode space in the name, bad base64, fewer than 5 bytes. */
	static const char *lines[] = {
		"paraphe.example/audit AAAAAAA=\n",
		"- paraphe.example/audit AAAAAAA=\n",
		"\xe2\x80\x94paraphe.example/audit AAAAAAA=\n",
		"\xe2\x80\x94 paraphe.example/auditAAAAAAA=\n",
		"\xe2\x80\x94  AAAAAAA=\n",
		"\xe2\x80\x94 a+b AAAAAAA=\n",
		"\xe2\x80\x94 a\xc2\xa0" "b AAAAAAA=\n",
		"\xe2\x80\x94 a\xe2\x80\x83" "b AAAAAAA=\n",
		"\xe2\x80\x94 a\xe3\x80\x80" "b AAAAAAA=\n",
		"\xe2\x80\x94 paraphe.example/audit AAAAAAA\n",
		"\xe2\x80\x94 paraphe.example/audit AAAAAAB=\n",
		"\xe2\x80\x94 paraphe.example/audit AAAAAAA= \n",
		"\xe2\x80\x94 paraphe.example/audit  AAAAAAA=\n",
		"\xe2\x80\x94 paraphe.example/audit AAAAAA==\n",	/* 4 bytes */
		"\xe2\x80\x94 paraphe.example/audit \n",
		"\xe2\x80\x94 paraphe.example/audit AAAA-AA=\n",
		"\xe2\x80\x94 \n",
		"\xe2\x80\x94\n",
		" \n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = cat(bad, sizeof(bad), text, "\n", sigl, lines[i], NULL);
		assert_note_bad(bad, n);
	}
	/* Too many signature lines: PP_NOTE_MAX_SIGS is the limit. */
	uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	sig_line(line, sizeof(line), "witness.example", 1, junk, sizeof(junk));
	n = cat(bad, sizeof(bad), text, "\n", sigl, NULL);
	for (int i = 1; i < PP_NOTE_MAX_SIGS; i++)
		n += cat(bad + n, sizeof(bad) - n, line, NULL);
	assert_int_equal(verify(bad, n), PP_OK);
	n += cat(bad + n, sizeof(bad) - n, line, NULL);
	assert_note_bad(bad, n);
	/* Over PP_NOTE_MAX, even if well-formed otherwise. */
	static char big[PP_NOTE_MAX + 512];
	n = 0;
	while (n < PP_NOTE_MAX - 100) {
		memcpy(big + n, "abcdefghijklmno\n", 16);
		n += 16;
	}
	n += cat(big + n, sizeof(big) - n, "\n", sigl, NULL);
	assert_true(n > PP_NOTE_MAX);
	assert_note_bad(big, n);
	/* Our own key name must be a valid origin. */
	assert_int_equal(pp_note_verify(note, len, "bad name", key, &n), PP_ERR_INTERNAL);
}

/* ------------------------------------------------------------------ openssl CLI */

static void
test_openssl_cli(void **state)
{
	char note[PP_NOTE_MAX + 1], text[PP_NOTE_MAX], cmd[4096], line[512];
	uint8_t blob[128];
	size_t len, tlen, bloblen;
	const char *b64, *end;
	struct pp_checkpoint c = sample_checkpoint(31337, "");
	(void)state;

	if (run("openssl version >/dev/null 2>&1") != 0) {
		skip();
		return;
	}
	/* pp_note_sign -> openssl dgst -verify. */
	assert_int_equal(pp_checkpoint_format(&c, text, sizeof(text), &tlen), PP_OK);
	assert_int_equal(pp_note_sign(text, tlen, ORIGIN, key_id, sign_raw, key, note, sizeof(note),
	    &len), PP_OK);
	b64 = strrchr(note, ' ') + 1;
	end = note + len - 1;
	assert_int_equal(pp_b64_decode(b64, (size_t)(end - b64), blob, sizeof(blob), &bloblen), PP_OK);
	write_bytes(tmp_path("text"), text, tlen);
	write_bytes(tmp_path("sig.der"), blob + 4, bloblen - 4);
	write_pubkey(tmp_path("pub.pem"), key);
	write_privkey(tmp_path("key.pem"), key);
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl dgst -sha256 -verify pub.pem -signature sig.der "
	    "text >/dev/null 2>&1", tmpdir);
	assert_int_equal(run(cmd), 0);
	/* ... and a signature of another text does not pass there either. */
	write_bytes(tmp_path("text2"), "x\n", 2);
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl dgst -sha256 -verify pub.pem -signature sig.der "
	    "text2 >/dev/null 2>&1", tmpdir);
	assert_int_not_equal(run(cmd), 0);

	/* The key ID: SHA-256 of the DER SPKI as the CLI writes it. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl pkey -pubin -in pub.pem -outform DER -out pub.der "
	    "2>/dev/null && openssl dgst -sha256 -binary -out id.bin pub.der 2>/dev/null", tmpdir);
	assert_int_equal(run(cmd), 0);
	FILE *f = fopen(tmp_path("id.bin"), "rb");
	uint8_t idb[32];
	assert_non_null(f);
	assert_int_equal(fread(idb, 1, sizeof(idb), f), sizeof(idb));
	fclose(f);
	assert_memory_equal(idb, blob, 4);
	assert_int_equal(((uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 | (uint32_t)idb[2] << 8 |
	    idb[3]), key_id);

	/* openssl dgst -sign -> pp_note_verify. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && openssl dgst -sha256 -sign key.pem -out sig2.der text "
	    ">/dev/null 2>&1", tmpdir);
	assert_int_equal(run(cmd), 0);
	f = fopen(tmp_path("sig2.der"), "rb");
	uint8_t sig2[128];
	size_t s2;
	assert_non_null(f);
	s2 = fread(sig2, 1, sizeof(sig2), f);
	fclose(f);
	assert_true(s2 > 8 && s2 <= 72);
	sig_line(line, sizeof(line), ORIGIN, key_id, sig2, s2);
	cat(note, sizeof(note), text, "\n", line, NULL);
	assert_int_equal(verify_str(note), PP_OK);
}

/* ------------------------------------------------------------------ raw r||s, public keys */

static void
test_raw_to_der(void **state)
{
	uint8_t rs[64], der[80];
	size_t derlen;
	(void)state;

	/* Small r, s: DER drops leading zeros. */
	memset(rs, 0, sizeof(rs));
	rs[31] = 1;
	rs[63] = 2;
	derlen = sizeof(der);
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 64, der, &derlen), PP_OK);
	static const uint8_t small[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
	assert_int_equal(derlen, sizeof(small));
	assert_memory_equal(der, small, sizeof(small));
	/* Top bit set: DER INTEGERs get a leading zero byte (33 bytes each). */
	memset(rs, 0xff, sizeof(rs));
	derlen = sizeof(der);
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 64, der, &derlen), PP_OK);
	assert_int_equal(derlen, 72);
	assert_int_equal(der[0], 0x30);
	assert_int_equal(der[1], 70);
	assert_int_equal(der[2], 0x02);
	assert_int_equal(der[3], 33);
	assert_int_equal(der[4], 0x00);
	/* Capacity too small. */
	derlen = 71;
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 64, der, &derlen), PP_ERR_INTERNAL);
	/* Wrong length, zero r or s. */
	derlen = sizeof(der);
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 63, der, &derlen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 96, der, &derlen), PP_ERR_BAD_REQUEST);
	memset(rs, 0, 32);
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 64, der, &derlen), PP_ERR_BAD_REQUEST);
	memset(rs, 0xff, 32);
	memset(rs + 32, 0, 32);
	assert_int_equal(pp_note_ecdsa_raw_to_der(rs, 64, der, &derlen), PP_ERR_BAD_REQUEST);
}

static void
test_load_pubkey(void **state)
{
	EVP_PKEY *pub = NULL, *k;
	uint32_t id = 0;
	char cmd[1024];
	(void)state;

	write_pubkey(tmp_path("p256.pem"), key);
	assert_int_equal(pp_note_load_pubkey(tmp_path("p256.pem"), &pub), PP_OK);
	assert_non_null(pub);
	assert_int_equal(pp_note_key_id(pub, &id), PP_OK);
	assert_int_equal(id, key_id);
	/* The loaded key verifies what the private key signed. */
	char note[PP_NOTE_MAX + 1];
	size_t len = signed_checkpoint(note, sign_evp), tl;
	assert_int_equal(pp_note_verify(note, len, ORIGIN, pub, &tl), PP_OK);
	EVP_PKEY_free(pub);
	pub = NULL;

	/* Other curves and algorithms are refused. */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	assert_non_null(k);
	write_pubkey(tmp_path("p384.pem"), k);
	EVP_PKEY_free(k);
	assert_int_equal(pp_note_load_pubkey(tmp_path("p384.pem"), &pub), PP_ERR_CONFIG);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	write_pubkey(tmp_path("ed.pem"), k);
	EVP_PKEY_free(k);
	assert_int_equal(pp_note_load_pubkey(tmp_path("ed.pem"), &pub), PP_ERR_CONFIG);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	assert_non_null(k);
	write_pubkey(tmp_path("rsa.pem"), k);
	EVP_PKEY_free(k);
	assert_int_equal(pp_note_load_pubkey(tmp_path("rsa.pem"), &pub), PP_ERR_CONFIG);
	/* secp256k1: a 256-bit curve that is not P-256. */
	snprintf(cmd, sizeof(cmd), "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 "
	    "2>/dev/null | openssl pkey -pubout -out '%s' 2>/dev/null", tmp_path("k1.pem"));
	if (run(cmd) == 0)
		assert_int_equal(pp_note_load_pubkey(tmp_path("k1.pem"), &pub), PP_ERR_CONFIG);
	/* A private key, garbage, an empty file, a missing file. */
	write_privkey(tmp_path("priv.pem"), key);
	assert_int_equal(pp_note_load_pubkey(tmp_path("priv.pem"), &pub), PP_ERR_CONFIG);
	static const char junk[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
	write_bytes(tmp_path("junk.pem"), junk, sizeof(junk) - 1);
	assert_int_equal(pp_note_load_pubkey(tmp_path("junk.pem"), &pub), PP_ERR_CONFIG);
	write_bytes(tmp_path("empty.pem"), "", 0);
	assert_int_equal(pp_note_load_pubkey(tmp_path("empty.pem"), &pub), PP_ERR_CONFIG);
	assert_int_equal(pp_note_load_pubkey(tmp_path("missing.pem"), &pub), PP_ERR_CONFIG);
	assert_null(pub);
	/* Allocation failure. */
	pp_mem_fail_after(0);
	assert_int_equal(pp_note_load_pubkey(tmp_path("p256.pem"), &pub), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(pub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_valid),
		cmocka_unit_test(test_checkpoint_roundtrip),
		cmocka_unit_test(test_checkpoint_spec_example),
		cmocka_unit_test(test_checkpoint_ext_preserved),
		cmocka_unit_test(test_checkpoint_parse_bad),
		cmocka_unit_test(test_checkpoint_format_refuses),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sign_refuses),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_tamper_fields),
		cmocka_unit_test(test_unknown_signatures),
		cmocka_unit_test(test_spec_note_unknown_key),
		cmocka_unit_test(test_text_with_blank_lines),
		cmocka_unit_test(test_note_malformed),
		cmocka_unit_test(test_openssl_cli),
		cmocka_unit_test(test_raw_to_der),
		cmocka_unit_test_teardown(test_load_pubkey, pp_test_alloc_reset),
	};
	/* Refusals are logged; keep the test log readable. */
	pp_log_open("test_note", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
