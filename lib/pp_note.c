/*
 * pp_note: C2SP checkpoints and signed notes, signature type 0x02 (ECDSA
 * P-256 over SHA-256 of the note text, DER encoded).
 *
 * Everything parsed here may come from an attacker (an archive, a pinned
 * checkpoint handed over by a relying party), so the parsers work on
 * counted bytes, check limits before anything else, and accept exactly one
 * spelling of each value: format(parse(text)) == text.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_note.h"
#include "pp_p11.h"
#include "pp_util.h"

/* "\u2014 " (em dash, space) that starts every signature line. */
#define PP_NOTE_SIG_PREFIX "\xe2\x80\x94 "
#define PP_NOTE_SIG_PREFIX_LEN 4
/* Largest signature we make or accept: a DER ECDSA signature is at most
 * 72 bytes on P-256 and 139 on P-521; more is never a type-0x02 signature. */
#define PP_NOTE_SIG_MAX 144
/* Root hash in base64: 44 characters for 32 bytes. */
#define PP_NOTE_ROOT_B64 44
#define PP_NOTE_PUBKEY_PEM_MAX (16 * 1024)

int
pp_note_origin_valid(const char *origin)
{
	size_t n;

	if (origin == NULL)
		return 0;
	n = strnlen(origin, PP_ORIGIN_MAX + 1);
	if (n == 0 || n > PP_ORIGIN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)origin[i];
		if (c <= 0x20 || c >= 0x7f || c == '+')
			return 0;
	}
	return 1;
}

/*
 * 1 when s[0..len) is note-safe: valid UTF-8, no control character but
 * '\n' (pp_utf8_valid with newlines still lets tab and CR through, which
 * the signed-note format forbids).
 */
static int
pp_note_text_valid(const char *s, size_t len)
{
	if (!pp_utf8_valid(s, len, 1))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\t' || s[i] == '\r')
			return 0;
	return 1;
}

/* Extension lines: each non-empty and ending '\n', note-safe. */
static int
pp_checkpoint_ext_valid(const char *ext, size_t len)
{
	if (len > PP_CHECKPOINT_EXT_MAX || !pp_note_text_valid(ext, len))
		return 0;
	if (len > 0 && (ext[0] == '\n' || ext[len - 1] != '\n'))
		return 0;
	for (size_t i = 0; i + 1 < len; i++)
		if (ext[i] == '\n' && ext[i + 1] == '\n')
			return 0;
	return 1;
}

enum pp_err
pp_checkpoint_format(const struct pp_checkpoint *c, char *out, size_t outlen, size_t *len)
{
	char root[PP_NOTE_ROOT_B64 + 1];
	size_t extlen;
	int n;

	if (outlen < PP_NOTE_MAX)
		return PP_ERR_INTERNAL;
	if (!pp_note_origin_valid(c->origin)) {
		pp_err_log("checkpoint: invalid origin");
		return PP_ERR_INTERNAL;
	}
	/* The parser reads sizes through pp_strtonum (int64): never write what
	 * it would refuse. */
	if (c->size > INT64_MAX)
		return PP_ERR_INTERNAL;
	extlen = strnlen(c->ext, sizeof(c->ext));
	if (extlen == sizeof(c->ext) || !pp_checkpoint_ext_valid(c->ext, extlen)) {
		pp_err_log("checkpoint: invalid extension lines");
		return PP_ERR_INTERNAL;
	}
	pp_b64_encode(c->root, PP_HASH_LEN, root);
	/* At most 255 + 20 + 44 + 2048 + 3 bytes: always below PP_NOTE_MAX. */
	n = snprintf(out, outlen, "%s\n%llu\n%s\n%s", c->origin, (unsigned long long)c->size,
	    root, c->ext);
	if (n < 0 || (size_t)n >= outlen)
		return PP_ERR_INTERNAL;
	*len = (size_t)n;
	return PP_OK;
}

/* Next line of text[*pos..len) without its '\n'; 0 when no full line is left. */
static int
pp_note_line(const char *text, size_t len, size_t *pos, struct pp_str *line)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (nl == NULL)
		return 0;
	line->p = text + *pos;
	line->len = (size_t)(nl - line->p);
	*pos += line->len + 1;
	return 1;
}

enum pp_err
pp_checkpoint_parse(const char *text, size_t len, struct pp_checkpoint *c)
{
	struct pp_checkpoint tmp;
	struct pp_str line;
	size_t pos = 0, rootlen;
	int64_t size;

	/* Limits and the character set first: nothing below runs on bytes that
	 * are not note-safe. */
	if (text == NULL || len == 0 || len > PP_NOTE_MAX || text[len - 1] != '\n' ||
	    !pp_note_text_valid(text, len))
		return PP_ERR_BAD_REQUEST;
	memset(&tmp, 0, sizeof(tmp));

	if (!pp_note_line(text, len, &pos, &line) || line.len == 0 || line.len > PP_ORIGIN_MAX)
		return PP_ERR_BAD_REQUEST;
	memcpy(tmp.origin, line.p, line.len);
	if (!pp_note_origin_valid(tmp.origin))
		return PP_ERR_BAD_REQUEST;

	if (!pp_note_line(text, len, &pos, &line) ||
	    pp_strtonum(line.p, line.len, 0, INT64_MAX, &size) != PP_OK)
		return PP_ERR_BAD_REQUEST;
	tmp.size = (uint64_t)size;

	if (!pp_note_line(text, len, &pos, &line) || line.len != PP_NOTE_ROOT_B64 ||
	    pp_b64_decode(line.p, line.len, tmp.root, sizeof(tmp.root), &rootlen) != PP_OK ||
	    rootlen != PP_HASH_LEN)
		return PP_ERR_BAD_REQUEST;

	/* Whatever is left is extension lines, kept byte for byte. */
	if (!pp_checkpoint_ext_valid(text + pos, len - pos))
		return PP_ERR_BAD_REQUEST;
	memcpy(tmp.ext, text + pos, len - pos);
	tmp.ext[len - pos] = '\0';
	*c = tmp;
	return PP_OK;
}

enum pp_err
pp_note_key_id(EVP_PKEY *pub, uint32_t *id)
{
	unsigned char *der = NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	int n;

	if (pub == NULL)
		return PP_ERR_INTERNAL;
	n = i2d_PUBKEY(pub, &der);
	if (n <= 0) {
		ERR_clear_error();
		return PP_ERR_INTERNAL;
	}
	SHA256(der, (size_t)n, md);
	OPENSSL_free(der);
	*id = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	return PP_OK;
}

/*
 * Key names follow signed-note: non-empty, no '+', no Unicode space.  Ours
 * are origins (printable ASCII), but a note may carry other parties' lines
 * (witnesses) whose names we must parse to skip them.  s is valid UTF-8.
 */
static int
pp_note_name_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (u[i] == ' ' || u[i] == '+')
			return 0;
		/* U+0085, U+00A0 */
		if (u[i] == 0xc2 && i + 1 < len && (u[i + 1] == 0x85 || u[i + 1] == 0xa0))
			return 0;
		/* U+1680 */
		if (u[i] == 0xe1 && i + 2 < len && u[i + 1] == 0x9a && u[i + 2] == 0x80)
			return 0;
		/* U+2000..U+200A, U+2028, U+2029, U+202F, U+205F */
		if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
		    (u[i + 2] <= 0x8a || u[i + 2] == 0xa8 || u[i + 2] == 0xa9 || u[i + 2] == 0xaf))
			return 0;
		if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x81 && u[i + 2] == 0x9f)
			return 0;
		/* U+3000 */
		if (u[i] == 0xe3 && i + 2 < len && u[i + 1] == 0x80 && u[i + 2] == 0x80)
			return 0;
	}
	return 1;
}

enum pp_err
pp_note_sign(const char *text, size_t textlen, const char *key_name, uint32_t key_id,
    pp_note_sign_fn fn, void *ctx, char *out, size_t outlen, size_t *len)
{
	uint8_t blob[4 + PP_NOTE_SIG_MAX];
	char b64[4 * ((sizeof(blob) + 2) / 3) + 1];
	size_t siglen = PP_NOTE_SIG_MAX, namelen, b64len, total;
	pp_hash digest;
	enum pp_err rc;

	if (text == NULL || textlen == 0 || text[textlen - 1] != '\n' ||
	    !pp_note_text_valid(text, textlen) || !pp_note_origin_valid(key_name)) {
		pp_err_log("note: refusing to sign malformed text or key name");
		return PP_ERR_INTERNAL;
	}
	SHA256((const unsigned char *)text, textlen, digest);
	rc = fn(ctx, digest, blob + 4, &siglen);
	if (rc != PP_OK)
		return rc;
	if (siglen == 0 || siglen > PP_NOTE_SIG_MAX) {
		pp_err_log("note: signer returned %zu bytes", siglen);
		return PP_ERR_HSM;
	}
	blob[0] = (uint8_t)(key_id >> 24);
	blob[1] = (uint8_t)(key_id >> 16);
	blob[2] = (uint8_t)(key_id >> 8);
	blob[3] = (uint8_t)key_id;
	pp_b64_encode(blob, 4 + siglen, b64);
	b64len = strlen(b64);
	namelen = strlen(key_name);
	/* text "\n" "— " name " " b64 "\n" NUL */
	total = textlen + 1 + PP_NOTE_SIG_PREFIX_LEN + namelen + 1 + b64len + 1;
	if (total > PP_NOTE_MAX || total + 1 > outlen) {
		pp_err_log("note: signed note of %zu bytes over the limit", total);
		return PP_ERR_INTERNAL;
	}
	memcpy(out, text, textlen);
	*len = textlen;
	out[(*len)++] = '\n';
	memcpy(out + *len, PP_NOTE_SIG_PREFIX, PP_NOTE_SIG_PREFIX_LEN);
	*len += PP_NOTE_SIG_PREFIX_LEN;
	memcpy(out + *len, key_name, namelen);
	*len += namelen;
	out[(*len)++] = ' ';
	memcpy(out + *len, b64, b64len);
	*len += b64len;
	out[(*len)++] = '\n';
	out[*len] = '\0';
	return PP_OK;
}

/* 1 when sig (DER) is pub's ECDSA signature of SHA-256(text). */
static int
pp_note_sig_ok(EVP_PKEY *pub, const char *text, size_t textlen, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = 0;

	/* OpenSSL re-encodes the parsed signature and refuses any other
	 * spelling (BER, trailing bytes), so a signature has one encoding. */
	if (md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, (const unsigned char *)text, textlen) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

enum pp_err
pp_note_verify(const char *note, size_t len, const char *key_name, EVP_PKEY *pub,
    size_t *textlen)
{
	/* Decoded signature lines are bounded by the note size. */
	uint8_t blob[PP_NOTE_MAX / 4 * 3];
	struct pp_str line;
	size_t split, pos, namelen, bloblen;
	unsigned nsigs = 0, good = 0, bad = 0;
	uint32_t want_id;
	enum pp_err rc;

	if (!pp_note_origin_valid(key_name) || pub == NULL)
		return PP_ERR_INTERNAL;
	if ((rc = pp_note_key_id(pub, &want_id)) != PP_OK)
		return rc;
	if (note == NULL || len < 2 || len > PP_NOTE_MAX || note[len - 1] != '\n' ||
	    !pp_note_text_valid(note, len))
		return PP_ERR_BAD_REQUEST;
	/* The text ends at the last blank line (the text may hold blank lines;
	 * signature lines never do). */
	for (split = len - 1; split > 0; split--)
		if (note[split] == '\n' && note[split - 1] == '\n')
			break;
	if (split == 0)
		return PP_ERR_BAD_REQUEST;
	/* note[split - 1] ends the text, note[split] is the blank line. */
	pos = split + 1;
	if (pos == len)
		return PP_ERR_BAD_REQUEST;
	namelen = strlen(key_name);

	/* Every line is parsed before any verdict, so a malformed note is
	 * reported as such whatever its signatures. */
	while (pp_note_line(note, len, &pos, &line)) {
		const char *name, *sp;
		size_t nlen;
		uint32_t id;

		if (++nsigs > PP_NOTE_MAX_SIGS)
			return PP_ERR_BAD_REQUEST;
		if (line.len < PP_NOTE_SIG_PREFIX_LEN ||
		    memcmp(line.p, PP_NOTE_SIG_PREFIX, PP_NOTE_SIG_PREFIX_LEN) != 0)
			return PP_ERR_BAD_REQUEST;
		name = line.p + PP_NOTE_SIG_PREFIX_LEN;
		sp = memchr(name, ' ', line.len - PP_NOTE_SIG_PREFIX_LEN);
		if (sp == NULL)
			return PP_ERR_BAD_REQUEST;
		nlen = (size_t)(sp - name);
		if (!pp_note_name_valid(name, nlen))
			return PP_ERR_BAD_REQUEST;
		if (pp_b64_decode(sp + 1, (size_t)(line.p + line.len - sp - 1), blob, sizeof(blob),
		    &bloblen) != PP_OK || bloblen < 5)
			return PP_ERR_BAD_REQUEST;
		id = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
		/* signed-note: a line is the known key's only when both the name
		 * and the key ID match; any other line is someone else's. */
		if (nlen != namelen || memcmp(name, key_name, namelen) != 0 || id != want_id)
			continue;
		if (pp_note_sig_ok(pub, note, split, blob + 4, bloblen - 4))
			good++;
		else
			bad++;
	}
	/* pp_note_line stopped before the end only if a line lacked its '\n',
	 * impossible as the note ends with one; checked all the same. */
	if (pos != len)
		return PP_ERR_BAD_REQUEST;
	if (bad > 0) {
		pp_warn_log("note: a signature by %s does not verify", key_name);
		return PP_ERR_FORBIDDEN;
	}
	if (good == 0)
		return PP_ERR_FORBIDDEN;
	*textlen = split;
	return PP_OK;
}

/* P-256 only (the checkpoint key); the encoding itself is pp_p11's, which
 * every HSM signature goes through. */
enum pp_err
pp_note_ecdsa_raw_to_der(const uint8_t *rs, size_t rslen, uint8_t *der, size_t *derlen)
{
	static const uint8_t zero[32];
	size_t cap = *derlen;

	if (rs == NULL || rslen != 64)
		return PP_ERR_BAD_REQUEST;
	/* A zero r or s is never a signature. */
	if (memcmp(rs, zero, 32) == 0 || memcmp(rs + 32, zero, 32) == 0)
		return PP_ERR_BAD_REQUEST;
	if (cap < PP_P11_ECDSA_DER_MAX) {
		uint8_t tmp[PP_P11_ECDSA_DER_MAX];
		size_t n = sizeof(tmp);
		if (pp_p11_ecdsa_der(rs, rslen, tmp, &n) != PP_OK)
			return PP_ERR_INTERNAL;
		if (n > cap)
			return PP_ERR_INTERNAL;	/* the caller's buffer is too small */
		memcpy(der, tmp, n);
		*derlen = n;
		return PP_OK;
	}
	return pp_p11_ecdsa_der(rs, rslen, der, derlen) == PP_OK ? PP_OK : PP_ERR_INTERNAL;
}

enum pp_err
pp_note_load_pubkey(const char *path, EVP_PKEY **pub)
{
	char group[64];
	char *pem = NULL;
	size_t pemlen = 0;
	EVP_PKEY *k = NULL;
	BIO *b = NULL;
	enum pp_err rc;

	if ((rc = pp_file_read(path, PP_NOTE_PUBKEY_PEM_MAX, &pem, &pemlen)) != PP_OK)
		return rc == PP_ERR_NOMEM ? rc : PP_ERR_CONFIG;
	rc = PP_ERR_CONFIG;
	b = BIO_new_mem_buf(pem, (int)pemlen);
	if (b == NULL) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	/* PEM_read_bio_PUBKEY reads a SubjectPublicKeyInfo only ("PUBLIC KEY"):
	 * no certificate, no private key. */
	k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (k == NULL) {
		pp_err_log("%s: no PEM public key", path);
		goto fail;
	}
	if (!EVP_PKEY_is_a(k, "EC") ||
	    EVP_PKEY_get_group_name(k, group, sizeof(group), NULL) != 1 ||
	    OBJ_sn2nid(group) != NID_X9_62_prime256v1) {
		pp_err_log("%s: not an EC P-256 public key", path);
		goto fail;
	}
	*pub = k;
	k = NULL;
	rc = PP_OK;
fail:
	EVP_PKEY_free(k);
	BIO_free(b);
	pp_free(pem);
	ERR_clear_error();
	return rc;
}
