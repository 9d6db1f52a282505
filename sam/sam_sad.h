/*
 * sam_sad: signature activation in the SAM (SAD-1..5, SEC-5): the SMS OTP
 * sent to the signatory, the SAD issued once the signatory typed it and
 * consented, and the signatures made under a SAD.
 *
 * The SAD given to the SCA is an opaque bearer string:
 *
 *     base64url-without-padding( sad_id[16] || mac[32] )      (64 chars)
 *     mac = HMAC-SHA-256(K, sam_sad_mac_input(claims))
 *
 * K is a generic secret in the SAM's token (label SAM_SAD_KEY_LABEL,
 * sensitive, never extractable, made at the first start); the MAC is
 * computed in the token.  The claims are the SAD id (hex), signatory,
 * credential, SCA, session, hash algorithm, the authorised hashes sorted
 * bytewise (so the MAC does not depend on the order they were given in),
 * and the expiry.  On every "sign" the SAM reads the claims back from its
 * own ledger (never from the request), recomputes the MAC and compares it
 * in constant time: a SAD string that was altered, or a ledger row that
 * was (hashes added, expiry moved), is refused; the ledger then enforces
 * SCA, credential, algorithm, expiry and single use (sam_ledger.h).
 *
 * The SAD id alone is not a secret (it is in the audit records); the MAC
 * is, and it never enters a record or a log.
 *
 * Pure functions (encoding, MAC input, algorithm choice) are separate from
 * the ops so that the unit tests can check them with a software HMAC.
 */
#ifndef SAM_SAD_H
#define SAM_SAD_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"
#include "pp_ipc.h"
#include "pp_p11.h"
#include "sam_cred.h"
#include "sam_enrol.h"
#include "sam_otp.h"

struct pp_daemon_ctx;
struct pp_ipc_peer;

#define SAM_SAD_ID_BYTES	16
#define SAM_SAD_ID_HEX		(2 * SAM_SAD_ID_BYTES)
#define SAM_SAD_MAC_LEN		32
#define SAM_SAD_STR_LEN		64	/* base64url of 48 bytes, no padding */
#define SAM_SAD_KEY_LABEL	"paraphe-sam-sad-hmac"
/* Domain separation of the MAC input (and of the OTP key derivation). */
#define SAM_SAD_MAC_TAG		"paraphe-sad-v1"
#define SAM_SAD_OTP_KEY_TAG	"paraphe-sam-otp-key-v1"

/* What a SAD covers.  Borrowed for the call. */
struct sam_sad_claims {
	const char *sad_id;		/* SAM_SAD_ID_HEX lower-case hex digits */
	const char *signatory;
	const char *credential;
	const char *sca;
	const char *session;
	const char *hash_algo;		/* OID */
	const uint8_t *const *hashes;	/* nhashes pointers to hash_len bytes */
	size_t hash_len;
	size_t nhashes;
	int64_t expires_ms;
};

/*
 * OUT *out[0..*len): the bytes the MAC covers: SAM_SAD_MAC_TAG, then each
 * string as a 4-byte big-endian length and its bytes (sad_id, signatory,
 * credential, sca, session, hash_algo), the count and the length of the
 * hashes (4 bytes each), the hashes sorted bytewise, the expiry (8 bytes,
 * big-endian).  pp_malloc'd, owned by the caller (pp_free).
 * PP_ERR_BAD_REQUEST on a NULL or over-long string, no hash, more than
 * 1000, or a hash length not 32, 48 or 64.
 */
enum pp_err sam_sad_mac_input(const struct sam_sad_claims *c, unsigned char **out,
    size_t *len) PP_WUR;

/* The MAC: the token's HMAC in the SAM, a software one in tests. */
typedef enum pp_err (*sam_sad_mac_fn)(void *arg, const unsigned char *in, size_t len,
    unsigned char mac[SAM_SAD_MAC_LEN]);

/* OUT mac: the MAC of c's claims computed with fn. */
enum pp_err sam_sad_mac(const struct sam_sad_claims *c, sam_sad_mac_fn fn, void *arg,
    unsigned char mac[SAM_SAD_MAC_LEN]) PP_WUR;

/* OUT out: the SAD string of id and mac, NUL-terminated. */
void sam_sad_encode(const unsigned char id[SAM_SAD_ID_BYTES], const unsigned char mac[SAM_SAD_MAC_LEN],
    char out[SAM_SAD_STR_LEN + 1]);
/* Parses a SAD string (untrusted: exactly SAM_SAD_STR_LEN characters of the
 * base64url alphabet, canonical).  OUT id, mac.  PP_ERR_FIELD_INVALID
 * otherwise (nothing written). */
enum pp_err sam_sad_decode(const char *s, size_t len, unsigned char id[SAM_SAD_ID_BYTES],
    unsigned char mac[SAM_SAD_MAC_LEN]) PP_WUR;
/* 1 when the two MACs are equal, in constant time. */
int sam_sad_mac_equal(const unsigned char a[SAM_SAD_MAC_LEN], const unsigned char b[SAM_SAD_MAC_LEN]);

/*
 * The signature mechanism for a CSC signAlgo OID, hashAlgo OID and key
 * type: rsaEncryption (1.2.840.113549.1.1.1) -> PKCS#1 v1.5 with the
 * hash's DigestInfo; sha256/384/512WithRSAEncryption (1.1.11/12/13) the
 * same when the hash matches; RSASSA-PSS (1.2.840.113549.1.1.10) -> PSS;
 * ecdsa-with-SHA256/384/512 (1.2.840.10045.4.3.2/3/4) -> ECDSA when the
 * hash matches.  OUT *mech, *hash.  A refusal is PP_OK with *why set to a
 * static text (a signature algorithm that is unknown, does not fit the
 * key, or names another hash); *why is NULL when accepted.
 */
enum pp_err sam_sad_sign_algo(const char *sign_oid, const char *hash_oid, enum pp_p11_keytype kt,
    enum pp_p11_mech *mech, enum pp_p11_hash *hash, const char **why) PP_WUR;

/*
 * Algorithm withdrawal (SEC-6).  sam.key_types (sam_cred.h) and
 * sam.hash_algos name what may still be used; "sad.issue" and "sign"
 * refuse anything else, existing credentials included, and the op
 * "algorithms" tells the SCA API what to advertise.
 *
 * Parses sam.hash_algos (names "sha256", "sha384", "sha512" separated by
 * blanks).  OUT *mask: bit h (enum pp_p11_hash) set for each one allowed.
 * PP_ERR_CONFIG on an unknown name or none.
 */
enum pp_err sam_sad_hash_algos_parse(const char *list, unsigned *mask) PP_WUR;
/* 1 when oid is the OID of SHA-256, SHA-384 or SHA-512 and in mask. */
int sam_sad_hash_ok(const char *oid, unsigned mask);
/* OUT out[0..return): the signature algorithm OIDs (static strings, in
 * a fixed order) that sam_sad_sign_algo accepts for at least one key type
 * of key_mask (bit per enum pp_p11_keytype) and one hash of hash_mask; at
 * most cap of them. */
size_t sam_sad_sign_algos(unsigned key_mask, unsigned hash_mask, const char **out, size_t cap);

/* 1 when s is a session or other ledger identifier: 1..128 bytes of
 * printable ASCII without space. */
int sam_sad_ident_ok(const char *s);

/* A member of a request: its JSON type and whether it is required. */
struct sam_sad_field {
	const char *name;
	json_type type;
	int required;
};

/* Like sam_req_shape, with typed members (the SAD and authorisation ops):
 * PP_ERR_BAD_REQUEST (malformed: the connection closes) for an unknown
 * member or one of the wrong type; *missing = 1 when a required one is
 * absent (a refusal). */
enum pp_err sam_sad_shape(json_object *req, const struct sam_sad_field *f, size_t n, int *missing) PP_WUR;

/*
 * The checks of an activation request (the JSON object of a frame,
 * untrusted) that need neither the store nor the token, made with the
 * ops' own member tables and helpers: the members of its "op" (otp.send,
 * sad.issue, sign, algorithms) and their types, each value's format, the
 * SAD string, the signature algorithm members against every key type, the
 * hashes decoded for hash_algo and the MAC input built over them.  PP_OK
 * with *why NULL: the op would go on to the store; PP_OK with *why set (a
 * static text): it would refuse; PP_ERR_BAD_REQUEST: malformed (the SAM
 * closes the connection).  The entry point of tests/fuzz/fuzz_sam.c.
 */
enum pp_err sam_sad_req_check(json_object *req, const char **why) PP_WUR;

/*
 * What the activation ops (and sam_authz) share: the credential check and
 * the SAD issue.
 */
#define SAM_SAD_SERIAL_MAX 64
struct pp_store;

/* A credential as sam_sad_cred_check loads it. */
struct sam_sad_cred {
	char signatory[SAM_ENROL_ID_MAX + 1];
	char sca[SAM_ENROL_SCA_MAX + 1];
	char key_type[8];
	char key_id[2 * SAM_CRED_KEY_ID_BYTES + 1];
	char state[10];
	char serial[SAM_SAD_SERIAL_MAX + 1];
	int64_t not_after;
	int found;
};

/* A refusal of the activation ops: CSC/OAuth code and text (static). */
struct sam_sad_refuse {
	const char *error;
	const char *text;
};

/*
 * Loads credential id and checks it may sign for sca (and signatory when
 * not NULL): it exists, belongs to them, is ACTIVE, its certificate is
 * valid now and its key type is not withdrawn.  OUT *k, *kt; a refusal in
 * *ref (error NULL when accepted).
 */
enum pp_err sam_sad_cred_check(struct pp_store *st, const char *id, const char *sca,
    const char *signatory, int64_t now_ms, struct sam_sad_cred *k, enum pp_p11_keytype *kt,
    struct sam_sad_refuse *ref) PP_WUR;

/* The SMS OTP of the activation ops with the SAM's key, policy and spool
 * (sam_otp.h): PP_ERR_CONFIG from issue when sam.sms_spool is empty. */
enum pp_err sam_sad_otp_issue(struct pp_store *st, const char *signatory, const char *session,
    const char *phone, int64_t now_ms, char id[SAM_OTP_ID_SIZE], enum sam_otp_outcome *outcome) PP_WUR;
/* Wrong codes an OTP allows (the policy's max_attempts). */
int sam_sad_otp_max_attempts(void);
enum pp_err sam_sad_otp_verify(struct pp_store *st, const char *id, const char *signatory,
    const char *session, const char *typed, size_t len, int64_t now_ms,
    enum sam_otp_outcome *outcome) PP_WUR;
/* 1 when SMS OTPs can be sent (sam.sms_spool set). */
int sam_sad_otp_enabled(void);

/* OUT *ephemeral 1 when credential id is an ephemeral session's (KEY-4,
 * sam/sam_authz.c): it signs only what was approved in that session. */
enum pp_err sam_sad_cred_ephemeral(struct pp_store *st, const char *id, int *ephemeral) PP_WUR;

/* 1 when hash algorithm oid is known and not withdrawn (sam.hash_algos). */
int sam_sad_hash_allowed(const char *oid);
/* A staff withdrawal (SEC-6, sam_staff.c): the key types and hashes of
 * the masks (bits as sam.key_types', sam.hash_algos') leave the ones in
 * force at once: "algorithms", sad.issue, authz.create and sign. */
void sam_sad_withdraw(unsigned key_mask, unsigned hash_mask);

/*
 * Issues a SAD for the n hashes (hash_len bytes each, already checked
 * against hash_algo) the signatory approved: a ledger grant of
 * sam.sad_lifetime_s, then the MAC in the token over what was granted.
 * sca is the client's subject (the ledger holds its digest); session ties
 * the SAD to what the signatory authenticated (an OTP session, an
 * authorisation request id).  OUT sad_id, sad (the bearer string: the
 * caller wipes it), *expires_ms.  A refusal of the ledger is PP_OK with
 * ref->error set (nothing granted); any other error: nothing usable left
 * (ledger rows, if written, are never handed out and expire).  The caller
 * records sad.issue before handing the SAD out.
 */
enum pp_err sam_sad_grant(struct pp_store *st, const char *sca, const char *signatory,
    const char *credential, const char *session, const char *hash_algo, const uint8_t *const *hashes,
    size_t hash_len, size_t n, int64_t now_ms, char sad_id[SAM_SAD_ID_HEX + 1],
    char sad[SAM_SAD_STR_LEN + 1], int64_t *expires_ms, struct sam_sad_refuse *ref) PP_WUR;

/* pp_daemon hooks (chained after sam_cred's by samd.c): finds or makes
 * the SAD key in the token, derives the OTP key, reads sam.sms_spool and
 * sam.sad_lifetime_s, runs sam_ledger_recover and records what it burned.
 * Any failure stops the SAM before it serves. */
enum pp_err sam_sad_init(struct pp_daemon_ctx *ctx) PP_WUR;
void sam_sad_fini(struct pp_daemon_ctx *ctx);
/* pp_daemon flush hook: does the round's queued "sign" requests together
 * and fills in their answers (see sam_sad.c, "Signing in rounds"). */
enum pp_err sam_sad_flush(struct pp_daemon_ctx *ctx);
/* The signing thread: started once the SAM is ready to serve (after
 * sam_sad_init), stopped by sam_sad_fini.  sam_sad_wake_fd is readable
 * when signed batches wait to be recorded, settled and answered, which
 * sam_sad_wake does (pp_daemon wake hooks). */
enum pp_err sam_sad_start(struct pp_daemon_ctx *ctx) PP_WUR;
int sam_sad_wake_fd(struct pp_daemon_ctx *ctx);
void sam_sad_wake(struct pp_daemon_ctx *ctx, pp_ipc_deliver_fn deliver, void *darg);
/* Every second (samd's tick): burns the batches whose settlement failed
 * after signing, once the ledger can be written (at most every 5 s). */
void sam_sad_tick(struct pp_daemon_ctx *ctx);

/* The ops (samd.c's permit table; docs/ARCHITECTURE.md). */
enum pp_err sam_sad_op_otp_send(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_sad_op_issue(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_sad_op_sign(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
/* {"sca"} -> "key_types" (names), "hash_algos" (OIDs), "sign_algos" (OIDs):
 * what sam.key_types and sam.hash_algos leave allowed. */
enum pp_err sam_sad_op_algorithms(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);

#endif
