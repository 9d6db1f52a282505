/*
 * pp_note: checkpoints in the C2SP formats (c2sp.org/tlog-checkpoint,
 * c2sp.org/signed-note), signed with an ECDSA P-256 key.
 *
 * Checkpoint text (the note body, every line ends with '\n'):
 *   <origin>
 *   <tree size, decimal>
 *   <root hash, standard base64>
 *   [extension lines]
 * Signed note: text, a blank line, then one line per signature:
 *   "\u2014 " <key name> " " base64(key ID (4 bytes, big-endian) || signature)
 * Signature type 0x02 (ECDSA, as transparency-dev/witness): the signature
 * is the ASN.1 DER ECDSA signature of SHA-256(text); the key ID is the
 * first four bytes of SHA-256(DER SubjectPublicKeyInfo).  The key name is
 * the origin.
 *
 * Parsing is strict (untrusted input: archives, pinned checkpoints): valid
 * UTF-8, no control characters but '\n', at most PP_NOTE_MAX bytes and
 * PP_NOTE_MAX_SIGS signature lines, decimal size without leading zeros,
 * 32-byte root.
 */
#ifndef PP_NOTE_H
#define PP_NOTE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "pp_err.h"
#include "pp_merkle.h"

#define PP_NOTE_MAX 8192
#define PP_NOTE_MAX_SIGS 16
#define PP_ORIGIN_MAX 255
#define PP_CHECKPOINT_EXT_MAX 2048

struct pp_checkpoint {
	char origin[PP_ORIGIN_MAX + 1];
	uint64_t size;
	pp_hash root;
	char ext[PP_CHECKPOINT_EXT_MAX + 1];	/* extension lines, each ending '\n'; "" if none */
};

/* Origin (= key name) rules: 1..PP_ORIGIN_MAX bytes of printable ASCII
 * without space or '+'.  1 when valid. */
int pp_note_origin_valid(const char *origin);

/* Checkpoint text of c.  OUT out[0..*len), NUL-terminated; outlen >= PP_NOTE_MAX. */
enum pp_err pp_checkpoint_format(const struct pp_checkpoint *c, char *out, size_t outlen,
    size_t *len) PP_WUR;
/* Parses checkpoint text (the note body only). */
enum pp_err pp_checkpoint_parse(const char *text, size_t len, struct pp_checkpoint *c) PP_WUR;

/* Key ID of a type-0x02 key: SHA-256(DER SPKI)[:4], big-endian. */
enum pp_err pp_note_key_id(EVP_PKEY *pub, uint32_t *id) PP_WUR;

/* Signs SHA-256 digest; OUT sig[0..*siglen) DER ECDSA (siglen in: capacity). */
typedef enum pp_err (*pp_note_sign_fn)(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen);

/* Signed note = text + "\n" + signature line by key_name/key_id through fn.
 * OUT out[0..*len), NUL-terminated. */
enum pp_err pp_note_sign(const char *text, size_t textlen, const char *key_name, uint32_t key_id,
    pp_note_sign_fn fn, void *ctx, char *out, size_t outlen, size_t *len) PP_WUR;

/* Verifies a signed note against one trusted key (name + public key):
 * PP_OK when a signature line with that name and key ID verifies; OUT
 * *textlen: length of the signed text at the start of note.
 * PP_ERR_FORBIDDEN: the known key's signature is absent or does not verify;
 * PP_ERR_BAD_REQUEST: the note is malformed. */
enum pp_err pp_note_verify(const char *note, size_t len, const char *key_name, EVP_PKEY *pub,
    size_t *textlen) PP_WUR;

/* Converts a raw r||s (PKCS#11 CKM_ECDSA output, 2*32 bytes) to DER. */
enum pp_err pp_note_ecdsa_raw_to_der(const uint8_t *rs, size_t rslen, uint8_t *der, size_t *derlen) PP_WUR;

/* Loads a PEM public key (SubjectPublicKeyInfo), P-256 only.  OUT *pub. */
enum pp_err pp_note_load_pubkey(const char *path, EVP_PKEY **pub) PP_WUR;

#endif
