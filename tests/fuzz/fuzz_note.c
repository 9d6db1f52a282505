/*
 * Fuzz target: checkpoints and signed notes as they come back from an
 * archive or a relying party.  The same bytes go to pp_checkpoint_parse (as
 * a note body) and to pp_note_verify against a fixed P-256 key; the seed
 * corpus holds notes that key really signed, so mutations start from inputs
 * that reach the signature check.
 *
 * Invariants checked (abort = finding):
 *   - a parsed checkpoint formats back to exactly the input bytes (one
 *     spelling per checkpoint);
 *   - a verified note's text is a strict prefix of the note, ends with
 *     '\n' and is followed by the blank line.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include "pp_log.h"
#include "pp_note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ORIGIN "paraphe.example/audit"

/* Made once for this target; the private key was thrown away after
 * signing the seeds in corpus/note/signed-*. */
static const char fz_pub_pem[] =
"-----BEGIN PUBLIC KEY-----\n"
"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGyVR5yOToHNxcAemO9QQUxqkOjFG\n"
"nWxVJDNU0NvHBW5mpal0wp7L1TCSbOLcsBHFIwpnneKcwL6iLXrRsr0DZA==\n"
"-----END PUBLIC KEY-----\n"
;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static char out[PP_NOTE_MAX];
	const char *s = (const char *)data;
	struct pp_checkpoint c;
	size_t len, textlen = 0;

	if (pub == NULL) {
		BIO *b = BIO_new_mem_buf(fz_pub_pem, (int)sizeof(fz_pub_pem) - 1);
		pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
		pub = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		if (pub == NULL)
			abort();
	}
	if (pp_checkpoint_parse(s, size, &c) == PP_OK) {
		if (pp_checkpoint_format(&c, out, sizeof(out), &len) != PP_OK || len != size ||
		    memcmp(out, data, size) != 0)
			abort();
	}
	if (pp_note_verify(s, size, FZ_ORIGIN, pub, &textlen) == PP_OK) {
		if (textlen == 0 || textlen + 2 > size || s[textlen - 1] != '\n' || s[textlen] != '\n')
			abort();
		/* What a verifier does next with a trusted text: parsed, it must
		 * format back too. */
		if (pp_checkpoint_parse(s, textlen, &c) == PP_OK &&
		    (pp_checkpoint_format(&c, out, sizeof(out), &len) != PP_OK || len != textlen ||
		    memcmp(out, data, textlen) != 0))
			abort();
	}
	return 0;
}
