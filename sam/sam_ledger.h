/*
 * sam_ledger: the SAD ledger of the SAM (SAD-2, SAD-3).
 *
 * A SAD (Signature Activation Data) is issued once a signatory has
 * authenticated and approved a set of hashes.  The ledger holds one row per
 * SAD and one row per authorised hash, in the "sam" database (migration 2
 * of lib/pp_schema.c).  A hash row only ever moves
 *
 *     AUTHORIZED -> RESERVED -> CONSUMED          (signed)
 *     AUTHORIZED -> RESERVED -> AUTHORIZED        (HSM never asked to sign it)
 *     AUTHORIZED | RESERVED -> BURNED             (expired, ambiguous, crash)
 *
 * and CONSUMED and BURNED are final.  The schema enforces the transitions
 * with triggers, so even a bug here cannot sign a hash twice.
 *
 * Invariants the SAM relies on:
 *  - A hash is signed only while its row is RESERVED by the batch that
 *    signs it; sam_ledger_reserve moves every hash of a batch to RESERVED
 *    in one write transaction, or none.  Two processes reserving the same
 *    hash: exactly one succeeds.
 *  - A SAD signs only the hashes it lists, each at most once, only for its
 *    SCA client, its credential and its hash algorithm, and only before its
 *    expiry.  numSignatures must equal the number of hashes (as CSC
 *    credentials/authorize asks when hashes are given, which SCAL2 needs),
 *    so the count bound is the row count and cannot drift from it.
 *  - After a crash, sam_ledger_recover (at SAM start, before any signHash)
 *    burns every RESERVED row: the HSM may or may not have signed it.
 *
 * Conventions: every function returns PP_OK or an error and never crashes
 * on bad arguments (NULL, over-long or non-printable identifiers, wrong
 * lengths: PP_ERR_INTERNAL when the caller broke the contract, a refusal
 * when the input came from the request).  A refusal is PP_ERR_FORBIDDEN with
 * *why != SAM_REFUSE_NONE and nothing changed; any other error leaves *why
 * at SAM_REFUSE_NONE and nothing changed either (every write is one
 * transaction, rolled back on failure).  Time is always passed in (now_ms,
 * milliseconds since the epoch) so tests control it.  The ledger allocates
 * nothing on the heap: results go into caller-owned memory; it borrows the
 * store and every argument for the duration of the call only.
 *
 * Identifiers (SAD id, signatory, credential, SCA, session) are 1 to
 * SAM_ID_MAX bytes of printable ASCII without space (0x21..0x7e).  The SAD
 * id is the ledger key, not the bearer secret: the SAD given to the SCA is
 * a MAC over it checked by the SAM before calling the ledger.
 */
#ifndef SAM_LEDGER_H
#define SAM_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

struct pp_store;

#define SAM_ID_MAX		128	/* bytes of an identifier, NUL excluded */
#define SAM_LEDGER_MAX_HASHES	1000	/* hashes in one grant or one batch */
#define SAM_BATCH_ID_SIZE	33	/* 32 lower-case hex digits and the NUL */
/* Longest SAD lifetime for long-term credentials (pass as max_life_ms). */
#define SAM_SAD_MAX_LIFE_MS	(5 * 60 * 1000)

/* Hash algorithms by OID (CSC hashAlgo); the digest length follows. */
#define SAM_OID_SHA256	"2.16.840.1.101.3.4.2.1"
#define SAM_OID_SHA384	"2.16.840.1.101.3.4.2.2"
#define SAM_OID_SHA512	"2.16.840.1.101.3.4.2.3"

/* Why a grant or a reservation was refused.  Precise on purpose: the SCA
 * API maps it to a CSC error with sam_refusal_csc_error and
 * sam_refusal_text, and the SAM audits it (sad.refuse). */
enum sam_refusal {
	SAM_REFUSE_NONE = 0,
	SAM_REFUSE_MALFORMED,		/* identifier, hash list or count out of bounds */
	SAM_REFUSE_UNKNOWN_ALGO,	/* hash algorithm OID not SHA-256/384/512 */
	SAM_REFUSE_BAD_LENGTH,		/* hash length is not the algorithm's digest length */
	SAM_REFUSE_DUPLICATE,		/* same hash twice in one grant or one batch */
	SAM_REFUSE_COUNT_MISMATCH,	/* grant: numSignatures != number of hashes */
	SAM_REFUSE_BAD_EXPIRY,		/* grant: expiry not in (now, now + max] */
	SAM_REFUSE_SAD_EXISTS,		/* grant: SAD id already in the ledger */
	SAM_REFUSE_UNKNOWN_SAD,		/* reserve: no such SAD */
	SAM_REFUSE_OTHER_SCA,		/* reserve: SAD issued to another SCA client */
	SAM_REFUSE_EXPIRED,		/* reserve: SAD expired */
	SAM_REFUSE_OTHER_CREDENTIAL,	/* reserve: SAD is for another credential */
	SAM_REFUSE_OTHER_ALGO,		/* reserve: SAD is for another hash algorithm */
	SAM_REFUSE_HASH_NOT_COVERED,	/* reserve: a hash the SAD does not list */
	SAM_REFUSE_HASH_USED,		/* reserve: a hash already reserved, signed or burned */
	SAM_REFUSE__MAX
};

/* State of one authorised hash; the strings in the database are the names
 * without the prefix ("AUTHORIZED", ...). */
enum sam_hash_state {
	SAM_HASH_AUTHORIZED,
	SAM_HASH_RESERVED,
	SAM_HASH_CONSUMED,
	SAM_HASH_BURNED,
	SAM_HASH__MAX
};

/* What the HSM did with one hash of a reserved batch. */
enum sam_outcome {
	SAM_OUTCOME_SIGNED,		/* signature returned: CONSUMED */
	/* The HSM was never asked to sign this hash: the failure happened
	 * before C_SignInit for it (session, login or key lookup failed, or
	 * an earlier hash of the batch stopped it).  Back to AUTHORIZED, so
	 * the SCA may retry within the SAD's lifetime. */
	SAM_OUTCOME_NOT_ATTEMPTED,
	/* Anything else, including an error from C_SignInit or C_Sign: the
	 * HSM may have produced a signature we lost.  BURNED, never retried. */
	SAM_OUTCOME_AMBIGUOUS,
	SAM_OUTCOME__MAX
};

/*
 * What the signatory approved.  Borrowed for the call.  hashes[0..nhashes)
 * each point to hash_len bytes; their order is kept (position column).
 */
struct sam_grant {
	const char *sad_id;
	const char *signatory;
	const char *credential;
	const char *sca;		/* SCA client the SAD is issued to */
	const char *session;		/* signatory session that approved */
	const char *hash_algo;		/* OID, SAM_OID_* */
	const uint8_t *const *hashes;
	size_t hash_len;
	size_t nhashes;
	int64_t num_signatures;		/* CSC numSignatures; must equal nhashes */
	int64_t expires_ms;
};

/* Counts of hash rows per state (one SAD, or what recovery changed). */
struct sam_ledger_counts {
	int64_t n[SAM_HASH__MAX];
};

/* What recovery burned. */
struct sam_recovery {
	int64_t reserved_burned;	/* RESERVED rows left by a crash */
	int64_t expired_burned;		/* AUTHORIZED rows of expired SADs */
};

/*
 * Records a SAD and one AUTHORIZED row per hash, in one transaction.
 * Refused (PP_ERR_FORBIDDEN, OUT *why): malformed fields, an unknown
 * algorithm, a hash of the wrong length, duplicate hashes, numSignatures !=
 * nhashes, an empty or too large set, expires_ms not in
 * (now_ms, now_ms + max_life_ms], or a SAD id already used.
 * max_life_ms > 0 (SAM_SAD_MAX_LIFE_MS for long-term credentials).
 */
enum pp_err sam_ledger_authorize(struct pp_store *store, const struct sam_grant *grant,
    int64_t now_ms, int64_t max_life_ms, enum sam_refusal *why) PP_WUR;

/*
 * Reserves a signHash batch: in one write transaction, checks that the SAD
 * exists, belongs to sca, is not expired (now_ms < expires_ms), is for
 * credential and hash_algo, and that every hash of the batch is distinct
 * and AUTHORIZED for it; then marks them all RESERVED under a fresh random
 * batch id, in batch order.  Otherwise changes nothing and says why (the
 * first failing check in that order; hashes in batch order).
 * OUT batch_id: SAM_BATCH_ID_SIZE bytes owned by the caller, NUL-terminated
 * hex; set only on success.  The caller must then sign the hashes and call
 * sam_ledger_settle with the outcomes in the same order.
 */
enum pp_err sam_ledger_reserve(struct pp_store *store, const char *sad_id, const char *credential,
    const char *sca, const char *hash_algo, const uint8_t *const *hashes, size_t hash_len,
    size_t nhashes, int64_t now_ms, char *batch_id, enum sam_refusal *why) PP_WUR;

/*
 * Settles a reserved batch: outcomes[i] is the fate of the batch's i-th
 * hash (SIGNED -> CONSUMED, NOT_ATTEMPTED -> AUTHORIZED, AMBIGUOUS ->
 * BURNED), in one transaction.  PP_ERR_NOT_FOUND when no row of the batch
 * is RESERVED (unknown, already settled, or burned by recovery);
 * PP_ERR_INTERNAL when n differs from the batch size.  Either way nothing
 * changes; rows left RESERVED are never signable and recovery burns them.
 */
enum pp_err sam_ledger_settle(struct pp_store *store, const char *batch_id,
    const enum sam_outcome *outcomes, size_t n, int64_t now_ms) PP_WUR;
/*
 * The same two steps inside the caller's write transaction (the SAM's
 * rounds: every batch of a round reserved in one transaction, every one
 * settled in another, one fsync each).  They neither begin, commit nor roll
 * back; after a refusal or an error the caller rolls back to a savepoint
 * taken before the call (either may have changed rows).
 */
enum pp_err sam_ledger_reserve_tx(struct pp_store *store, const char *sad_id, const char *credential,
    const char *sca, const char *hash_algo, const uint8_t *const *hashes, size_t hash_len,
    size_t nhashes, int64_t now_ms, char *batch_id, enum sam_refusal *why) PP_WUR;
enum pp_err sam_ledger_settle_tx(struct pp_store *store, const char *batch_id,
    const enum sam_outcome *outcomes, size_t n, int64_t now_ms) PP_WUR;

/*
 * Burns the AUTHORIZED rows of SADs expired at now_ms (a periodic sweep;
 * reserve refuses them anyway).  OUT *burned: rows burned.
 */
enum pp_err sam_ledger_expire(struct pp_store *store, int64_t now_ms, int64_t *burned) PP_WUR;

/*
 * Burns (burned_why REVOKED) every AUTHORIZED row of SAD sad_id, inside the
 * caller's write transaction: a SAD that must not be used any more (its
 * authorisation code was presented twice, docs/AUTHZ.md).  OUT *burned:
 * rows burned.  PP_ERR_INTERNAL on a malformed id.
 */
enum pp_err sam_ledger_revoke_tx(struct pp_store *store, const char *sad_id, int64_t now_ms,
    int64_t *burned) PP_WUR;

/*
 * At SAM start, before serving: in one transaction burns every RESERVED row
 * (a batch interrupted by a crash: the HSM may have signed) and every
 * AUTHORIZED row of an expired SAD.  OUT *rec: the counts, for the audit
 * record.
 */
enum pp_err sam_ledger_recover(struct pp_store *store, int64_t now_ms,
    struct sam_recovery *rec) PP_WUR;

/* OUT *counts: rows of SAD sad_id per state.  PP_ERR_NOT_FOUND: no such
 * SAD (or an invalid id). */
enum pp_err sam_ledger_sad_counts(struct pp_store *store, const char *sad_id,
    struct sam_ledger_counts *counts) PP_WUR;

/* OUT *state: state of one hash of a SAD.  PP_ERR_NOT_FOUND: the SAD does
 * not list it (or invalid arguments from the request). */
enum pp_err sam_ledger_hash_state(struct pp_store *store, const char *sad_id,
    const uint8_t *hash, size_t hash_len, enum sam_hash_state *state) PP_WUR;

/* Digest length of a hash algorithm OID; 0 when not supported. */
size_t sam_hash_algo_len(const char *oid);
/* English description of a refusal for the CSC error_description; never
 * NULL, never secret. */
const char *sam_refusal_text(enum sam_refusal why);
/* CSC/OAuth error code: "invalid_request", "invalid_token",
 * "expired_token" or "access_denied"; never NULL. */
const char *sam_refusal_csc_error(enum sam_refusal why);
/* Symbolic name for logs and audit details, e.g. "HASH_USED". */
const char *sam_refusal_name(enum sam_refusal why);
/* Database name of a state ("AUTHORIZED", ...); "?" when out of range. */
const char *sam_hash_state_name(enum sam_hash_state st);

#endif
