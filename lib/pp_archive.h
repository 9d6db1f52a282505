/*
 * pp_archive: audit archive segments, written by the audit daemon and
 * verified offline (tools/paraphe-audit-verify) with nothing but the
 * archive and the audit public key.  Format: docs/AUDIT.md, "Archive".
 *
 * A segment is a directory <archive_dir>/seg-NNNNNNNN (8 digits, 1-based):
 *   records.jsonl.gz  gzip of the canonical records, each followed by '\n',
 *                     in sequence order (seq = tree_size_before + 1 + i)
 *   manifest.json     canonical JSON (pp_canon), fields in docs/AUDIT.md
 *   checkpoint        C2SP signed note at the segment's end (pp_note); its
 *                     one extension line "paraphe-segment N SHA256HEX" binds
 *                     the SHA-256 of manifest.json to the signed tree head
 *   manifest.tsr      optional RFC 3161 TimeStampResp over SHA-256(manifest.json)
 * The writer builds the segment in "<archive_dir>/.seg-NNNNNNNN.tmp", fsyncs
 * every file and the directory, then renames it into place, so a segment
 * is either complete or absent.
 */
#ifndef PP_ARCHIVE_H
#define PP_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include "pp_err.h"
#include "pp_merkle.h"
#include "pp_note.h"

#define PP_ARCHIVE_FORMAT "paraphe-audit-segment/1"
#define PP_ARCHIVE_MAX_RECORD 16384	/* longest record line accepted */
#define PP_ARCHIVE_MAX_HASH_FILES 64

/* What the daemon hands over to cut one segment. */
struct pp_segment_in {
	const char *archive_dir;
	const char *origin;
	uint64_t number;			/* 1 for the first segment of the origin */
	const struct pp_merkle_frontier *before;	/* tree before the first record */
	const char *const *records;		/* canonical records, in order */
	const size_t *lens;
	size_t count;				/* >= 1 */
	const char *prev_manifest_sha256;	/* hex of the previous manifest.json; "" for number 1 */
	const char *const *hash_files;		/* ARC-1: executables and configuration */
	size_t nhash_files;
	const char *created;			/* UTC time "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
	int clock_synchronised;			/* TIME-1, as measured by the daemon */
	uint32_t key_id;			/* checkpoint key (pp_note_key_id) */
	pp_note_sign_fn sign;			/* signs the checkpoint (HSM) */
	void *sign_ctx;
	const char *tsa_url;			/* "" for no time-stamp */
	const char *tsa_ca;
	int tsa_timeout_ms;
};

struct pp_segment_out {
	char manifest_sha256[2 * PP_HASH_LEN + 1];
	char checkpoint[PP_NOTE_MAX];		/* the signed note written */
	size_t checkpoint_len;
	uint64_t tree_size;
	pp_hash root;
	int timestamped;			/* 1 when manifest.tsr was written */
	enum pp_err tsa_error;			/* why not, when a TSA was configured */
};

/* Writes segment in->number.  PP_ERR_IO when it cannot be written (nothing
 * is left in place); a TSA failure does not fail the cut (out->tsa_error). */
enum pp_err pp_archive_write_segment(const struct pp_segment_in *in, struct pp_segment_out *out) PP_WUR;

/* Offline verification.  Results, also the verifier's exit codes. */
enum pp_verify_result {
	PP_VERIFY_OK = 0,
	PP_VERIFY_INTEGRITY = 1,	/* something was modified, removed, inserted or rolled back */
	PP_VERIFY_UNVERIFIABLE = 2,	/* cannot conclude: unreadable, unknown format, no key */
	PP_VERIFY__MAX
};

struct pp_verify_opts {
	const char *archive_dir;
	EVP_PKEY *key;			/* trusted audit public key (P-256) */
	const char *origin;		/* expected origin; NULL: the one in the first segment read */
	uint64_t from, to;		/* segment numbers, inclusive; 0 = first / last present */
	const char *pin;		/* a signed checkpoint kept outside the archive, or NULL */
	size_t pinlen;
	const char *tsa_ca;		/* when set, time-stamp tokens are checked against it */
};

/* Verifies segments [from, to] and the links between them, and the pinned
 * checkpoint if given.  OUT *report (new json-c object, caller puts):
 * {"result", "origin", "segments":[...], "problems":[{"segment","code","message"}],
 *  "tree_size", "root", ...}.  Never stops at the first problem when it can
 * go on. */
enum pp_verify_result pp_archive_verify(const struct pp_verify_opts *o, json_object **report);

/* Consistency of two signed checkpoints (old, new) through the archive's
 * records: both signatures, then an RFC 9162 consistency proof built from
 * the archived leaves and verified against both roots. */
enum pp_verify_result pp_archive_consistency(const struct pp_verify_opts *o, const char *old_note,
    size_t oldlen, const char *new_note, size_t newlen, json_object **report);

/* Inclusion of record seq in the tree of checkpoint (a signed note; NULL:
 * the last segment's checkpoint): RFC 9162 inclusion proof built from the
 * archived leaves and verified; the report holds the record and the proof. */
enum pp_verify_result pp_archive_inclusion(const struct pp_verify_opts *o, uint64_t seq,
    const char *note, size_t notelen, json_object **report);

#endif
