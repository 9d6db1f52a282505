/*
 * sam_otp: SMS one-time passwords of the SAM.
 *
 * The SAM is the only process that ever sees a code: it draws it, writes the
 * text message into the outgoing spool of an SMS gateway daemon (smstools3
 * file format), keeps only HMAC-SHA256(key, otp id || code) in its database,
 * and checks the code the signatory typed, which the web plugins only relay.
 *
 * Life of an OTP row (table otps, "sam" schema, migration 3):
 *
 *   PENDING --right code--------------------------> VERIFIED   (single use)
 *   PENDING --wrong code, max_attempts reached----> FAILED     (locked)
 *   PENDING --verify after expires_ms-------------> EXPIRED
 *   PENDING --new OTP issued for the same session-> SUPERSEDED
 *
 * No other transition exists; at most one PENDING row per session (a partial
 * unique index enforces it).  Every state change happens inside one store
 * transaction (BEGIN IMMEDIATE with SQLite), so two concurrent verifications
 * of the same OTP are serialised and only one can succeed.
 *
 * Outcomes that are refusals rather than faults (limit reached, wrong code,
 * expired...) are returned as an enum sam_otp_outcome with PP_OK; a non-OK
 * enum pp_err means the operation could not be carried out (bad argument,
 * database, spool, CSPRNG or memory) and then nothing usable was left behind.
 */
#ifndef SAM_OTP_H
#define SAM_OTP_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

struct pp_store;

#define SAM_OTP_DIGITS		6
/* HMAC key length; the key comes from the caller (HSM or key file). */
#define SAM_OTP_KEY_LEN		32
/* OTP id: 16 random bytes as lower-case hex. */
#define SAM_OTP_ID_LEN		32
#define SAM_OTP_ID_SIZE		(SAM_OTP_ID_LEN + 1)
/* Longest signatory or session identifier accepted (bytes). */
#define SAM_OTP_NAME_MAX	128
/* Longest message template and longest message text after substitution
 * (bytes of UTF-8; a concatenated SMS of three parts is about this long). */
#define SAM_OTP_TEMPLATE_MAX	320
#define SAM_OTP_TEXT_MAX	400
/* Longest spool directory path accepted. */
#define SAM_OTP_SPOOL_PATH_MAX	200

/*
 * Result of an issue or a verification, for the API and the audit record
 * (whose text says what happened, never the code).
 */
enum sam_otp_outcome {
	SAM_OTP_ISSUED = 0,		/* issue: code drawn, stored, spooled */
	SAM_OTP_VERIFIED,		/* verify: right code, OTP now used */
	SAM_OTP_WRONG,			/* verify: wrong code, attempts remain */
	SAM_OTP_LOCKED,			/* verify: attempts exhausted (now or before) */
	SAM_OTP_EXPIRED,		/* verify: past its expiry */
	SAM_OTP_USED,			/* verify: already verified once */
	SAM_OTP_SUPERSEDED,		/* verify: a newer OTP replaced it */
	SAM_OTP_NOT_FOUND,		/* verify: no such OTP id */
	SAM_OTP_MISMATCH,		/* verify: OTP of another signatory or session */
	SAM_OTP_MALFORMED,		/* verify: typed input is not 6 ASCII digits */
	SAM_OTP_SESSION_LIMIT,		/* issue: too many OTPs for this session */
	SAM_OTP_SIGNATORY_LIMIT,	/* issue: too many OTPs for this signatory */
	SAM_OTP__MAX
};

/* Short stable name, e.g. "otp verified"; never NULL. */
const char *sam_otp_outcome_text(enum sam_otp_outcome o);

/*
 * Limits.  Windows are sliding: an OTP counts against its session and its
 * signatory while created_ms > now - window_ms, whatever became of it.
 * Attempts are counted per OTP, so a session allows at most
 * max_per_session * max_attempts guesses and a signatory
 * max_per_signatory * max_attempts per window.
 */
struct sam_otp_policy {
	int64_t lifetime_ms;		/* default 5 minutes */
	int max_attempts;		/* wrong codes before FAILED; default 3 */
	int max_per_session;		/* OTPs per session per window; default 3 */
	int max_per_signatory;		/* OTPs per signatory per window; default 10 */
	int64_t window_ms;		/* default 1 hour */
};

/* OUT *p: the defaults above. */
void sam_otp_policy_default(struct sam_otp_policy *p);

/* Message templates: UTF-8, "{code}" exactly once, "{minutes}" (the
 * lifetime, rounded up) any number of times. */
extern const char sam_otp_template_en[];
extern const char sam_otp_template_fr[];

/* Where and how the text message is written.  Borrowed, not copied. */
struct sam_otp_spool {
	const char *dir;		/* smstools3 outgoing directory */
	const char *template;		/* NULL: sam_otp_template_en */
	unsigned int mode;		/* file mode; 0: 0600.  Group bits allowed
					 * (gateway daemon in the SAM's group),
					 * never any bit for others. */
};

/*
 * Issues an OTP for (signatory, session) and spools the text message to
 * phone ("+33612345678" or "33612345678": E.164, 8 to 15 digits, no
 * spaces; the '+' is dropped as smstools3 wants).
 *
 * IN key[SAM_OTP_KEY_LEN]: HMAC key, borrowed (the caller wipes it).
 * IN now_ms: wall clock in milliseconds since the epoch.
 * OUT id: the new OTP id, NUL-terminated (only with SAM_OTP_ISSUED).
 * OUT *outcome: SAM_OTP_ISSUED, SAM_OTP_SESSION_LIMIT or
 *   SAM_OTP_SIGNATORY_LIMIT (then nothing was stored or sent).
 *
 * One transaction: limits checked, the session's PENDING OTP superseded,
 * the row inserted, the spool file written (write, fsync, rename, fsync of
 * the directory), then commit.  If anything fails the transaction is rolled
 * back, so no row of the new OTP exists and the previous one stays as it
 * was; if the commit itself fails after the rename, the spool file is
 * unlinked (the message may already have left: its code matches no row).
 * Errors: PP_ERR_FIELD_INVALID (phone, names, template), PP_ERR_CONFIG
 * (policy, spool), PP_ERR_IO (spool), PP_ERR_DB, PP_ERR_NOMEM,
 * PP_ERR_INTERNAL (CSPRNG or HMAC).
 */
enum pp_err sam_otp_issue(struct pp_store *store, const unsigned char *key,
    const struct sam_otp_policy *policy, const struct sam_otp_spool *spool,
    const char *signatory, const char *session, const char *phone, int64_t now_ms,
    char id[SAM_OTP_ID_SIZE], enum sam_otp_outcome *outcome) PP_WUR;

/*
 * Checks the code the signatory typed for OTP id.
 *
 * IN typed[0..len): untrusted bytes relayed by a web plugin, borrowed (the
 *   caller wipes them; the copies made here are wiped).  Anything but
 *   exactly 6 ASCII digits is refused as SAM_OTP_MALFORMED before the
 *   database is read, and is not counted as an attempt: it cannot be the
 *   right code, so it teaches an attacker nothing, and a stray space must
 *   not cost the signatory one of three tries.
 * OUT *outcome: SAM_OTP_VERIFIED (exactly once per OTP), SAM_OTP_WRONG,
 *   SAM_OTP_LOCKED, SAM_OTP_EXPIRED, SAM_OTP_USED, SAM_OTP_SUPERSEDED,
 *   SAM_OTP_NOT_FOUND, SAM_OTP_MISMATCH or SAM_OTP_MALFORMED.
 *
 * Order of the checks: owner (a mismatch changes nothing, so nobody can
 * burn another signatory's attempts), state, expiry (not an attempt), then
 * the constant-time comparison of HMACs.  A wrong code adds one attempt;
 * the max_attempts-th wrong code makes the OTP FAILED and is reported as
 * SAM_OTP_LOCKED.  Errors: PP_ERR_FIELD_INVALID (id or names malformed),
 * PP_ERR_CONFIG (policy), PP_ERR_DB, PP_ERR_INTERNAL (HMAC); the OTP is then
 * unchanged.
 */
enum pp_err sam_otp_verify(struct pp_store *store, const unsigned char *key,
    const struct sam_otp_policy *policy, const char *id, const char *signatory,
    const char *session, const char *typed, size_t len, int64_t now_ms,
    enum sam_otp_outcome *outcome) PP_WUR;

/*
 * The code generator, exposed for its distribution test; callers use
 * sam_otp_issue.  OUT code: 6 ASCII digits and a NUL, uniform over
 * 000000..999999 (rejection sampling of 32-bit CSPRNG draws).  The caller
 * wipes code.  PP_ERR_INTERNAL when the CSPRNG fails.
 */
enum pp_err sam_otp_code_generate(char code[SAM_OTP_DIGITS + 1]) PP_WUR;

#endif
