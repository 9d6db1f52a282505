/*
 * sam_authz: authorisation requests in the SAM (docs/AUTHZ.md; SAD-1,
 * SAD-3, SAD-4, AUTH-3, AUTH-4).
 *
 * Whatever the entry point (the signatory's browser at oauth2/authorize,
 * an SCA's PAR or credentials/authorize), the request is recorded here
 * (table authz, migration 8 of lib/pp_schema.c): client, credential, the
 * exact documents (hash and label), hash algorithm, PKCE challenge,
 * redirect URI.  The signer pages only display it and relay the
 * signatory's actions; the SAD is issued over the hashes recorded here.
 *
 *   NEW --otp_verify / login--> AUTHENTICATED --approve--> APPROVED --redeem / check--> REDEEMED
 *   NEW, AUTHENTICATED, APPROVED --cancel--> CANCELLED;  --past their time--> EXPIRED
 *
 * The schema's trigger refuses any other transition and any change of
 * what the request covers.  Times: a request is EXPIRED when touched (and
 * by the sweep) once sam.authz_lifetime_s has passed without approval;
 * once approved, its code lives SAM_AUTHZ_CODE_LIFE_MS (redirect and par:
 * then EXPIRED and the SAD's ledger rows burned) and in mode link the SAD
 * waits for authorizeCheck until its own expiry.
 *
 * Secrets: the SAD waits in the row until redeemed and is wiped from it
 * then; the authorisation code is stored only as its SHA-256, is single
 * use, and a second presentation burns the SAD's unused ledger rows
 * (sam_ledger_revoke_tx).  PKCE (S256 only) is compared in constant time.
 *
 * What the SAD binds: its claims (sam_sad.h) hold the signatory, the
 * credential, the SCA, the hashes and, as session, the request id; the
 * row of that id records the authentication (method, the IdP's issuer,
 * the notary present) for SAD-4, and the sad.issue record says the same.
 *
 * The store functions below take the time as an argument (tests control
 * it), do one transaction each, and change nothing when they refuse; a
 * refusal is PP_OK with ref->error set (an OAuth/CSC code) and ref->text a
 * static English text.
 */
#ifndef SAM_AUTHZ_H
#define SAM_AUTHZ_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include "pp_err.h"
#include "sam_sad.h"

struct pp_daemon_ctx;
struct pp_ipc_peer;
struct pp_store;

#define SAM_AUTHZ_ID_LEN	32	/* lower-case hex, 128 random bits */
#define SAM_AUTHZ_CODE_LEN	43	/* base64url of 32 random bytes */
#define SAM_AUTHZ_CODE_LIFE_MS	60000
#define SAM_AUTHZ_CHALLENGE_LEN	43	/* base64url of a SHA-256 */
#define SAM_AUTHZ_VERIFIER_MIN	43
#define SAM_AUTHZ_VERIFIER_MAX	128
#define SAM_AUTHZ_LABEL_MAX	128
#define SAM_AUTHZ_DESC_MAX	256
#define SAM_AUTHZ_STATE_MAX	512
#define SAM_AUTHZ_URI_MAX	255	/* SAM_CLIENT_URI_MAX */
#define SAM_AUTHZ_DN_MAX	256	/* a notary's subject, an issuer */
#define SAM_AUTHZ_IP_MAX	45

enum sam_authz_status {
	SAM_AUTHZ_NEW, SAM_AUTHZ_AUTHENTICATED, SAM_AUTHZ_APPROVED, SAM_AUTHZ_REDEEMED,
	SAM_AUTHZ_CANCELLED, SAM_AUTHZ_EXPIRED, SAM_AUTHZ_STATUS__MAX
};

/* redirect, par: the SAD for a code; link: credentials/authorize; ephemeral:
 * a KEY-4 session (key and certificate made at authentication, documents
 * added afterwards, the key destroyed when the session ends). */
enum sam_authz_mode { SAM_AUTHZ_REDIRECT, SAM_AUTHZ_PAR, SAM_AUTHZ_LINK, SAM_AUTHZ_EPHEMERAL, SAM_AUTHZ_MODE__MAX };

/* One authorisation request as the table holds it ("" for NULL). */
struct sam_authz {
	char id[SAM_AUTHZ_ID_LEN + 1];
	enum sam_authz_mode mode;
	char client_id[65];
	char sca[SAM_AUTHZ_DN_MAX + 1];
	char signatory[65];
	char credential[33];
	char hash_algo[32];
	int64_t num_signatures;
	char description[SAM_AUTHZ_DESC_MAX + 1];
	char redirect_uri[SAM_AUTHZ_URI_MAX + 1];
	char state[SAM_AUTHZ_STATE_MAX + 1];
	char code_challenge[SAM_AUTHZ_CHALLENGE_LEN + 1];
	enum sam_authz_status status;
	char otp_id[33];
	char otp_notary[SAM_AUTHZ_DN_MAX + 1];	/* notary given when the OTP was sent */
	char auth_method[12];			/* sms, sms_notary, oidc */
	char issuer[SAM_AUTHZ_DN_MAX + 1];
	char notary[SAM_AUTHZ_DN_MAX + 1];
	char sad_id[33];
	char sad[SAM_SAD_STR_LEN + 1];		/* secret: wiped by sam_authz_clear */
	int64_t sad_expires_ms, code_expires_ms, created_ms, expires_ms, approved_ms;
	char key_type[8];			/* ephemeral: the key to make */
};

/* The documents of a request, in their order. */
struct sam_authz_docs {
	size_t n, hash_len;
	uint8_t (*hash)[64];
	const uint8_t **p;			/* n pointers into hash */
	char (*label)[SAM_AUTHZ_LABEL_MAX + 1];	/* "" when none */
};

const char *sam_authz_status_name(enum sam_authz_status s);
const char *sam_authz_mode_name(enum sam_authz_mode m);
/* Wipes the SAD held in a. */
void sam_authz_clear(struct sam_authz *a);
/* OUT d: room for n documents of hash_len bytes (sam_authz_docs_free). */
enum pp_err sam_authz_docs_alloc(struct sam_authz_docs *d, size_t n, size_t hash_len) PP_WUR;
void sam_authz_docs_free(struct sam_authz_docs *d);

/* The S256 challenge of a verifier: base64url(SHA-256(verifier)).  OUT
 * out (44 bytes).  PP_ERR_FIELD_INVALID when verifier is not 43..128 of
 * [A-Za-z0-9._~-]. */
enum pp_err sam_authz_s256(const char *verifier, char out[SAM_AUTHZ_CHALLENGE_LEN + 1]) PP_WUR;

/*
 * Records a new request a (id, status and times are set here) with its
 * documents d.  OUT a->id.  One transaction.
 */
enum pp_err sam_authz_insert(struct pp_store *st, struct sam_authz *a, const struct sam_authz_docs *d,
    int64_t now_ms, int64_t life_ms) PP_WUR;

/*
 * Loads request id as of now_ms: a request past its time becomes EXPIRED
 * here (an approved one loses its SAD, whose unused ledger rows are
 * burned).  OUT *a; *found 0 when there is none.  d, when not NULL, gets
 * the documents (sam_authz_docs_free).
 */
enum pp_err sam_authz_load(struct pp_store *st, const char *id, int64_t now_ms, struct sam_authz *a,
    struct sam_authz_docs *d, int *found) PP_WUR;

/* 1 when notary (NULL: none) is the one recorded when the OTP was sent. */
int sam_authz_notary_ok(const struct sam_authz *a, const char *notary);

/* NEW only: records the OTP sent (and the notary present then). */
enum pp_err sam_authz_otp_sent(struct pp_store *st, const char *id, const char *otp_id,
    const char *notary, int64_t now_ms, struct sam_sad_refuse *ref) PP_WUR;
/* NEW -> AUTHENTICATED with the method, issuer and notary (may be NULL);
 * credential: the ephemeral session's new credential (else NULL). */
enum pp_err sam_authz_authenticated(struct pp_store *st, const char *id, const char *method,
    const char *issuer, const char *notary, const char *credential, int64_t now_ms,
    struct sam_sad_refuse *ref) PP_WUR;
/* Ephemeral sessions: the documents d (hash_algo's digests) of an
 * AUTHENTICATED session of sca that has none yet, recorded once. */
enum pp_err sam_authz_documents(struct pp_store *st, const char *sca, const char *id, const char *hash_algo,
    const struct sam_authz_docs *d, int64_t now_ms, struct sam_sad_refuse *ref) PP_WUR;
/*
 * The ephemeral sessions whose key must go now (OUT cred[0..*n), at most
 * cap): cancelled or expired, every hash of their SAD signed or burned,
 * their SAD expired, or their certificate at its end; while the credential
 * is still ACTIVE.  The caller retires them (sam_cred_retire).
 */
#define SAM_AUTHZ_REAP_MAX 16
enum pp_err sam_authz_reapable(struct pp_store *st, int64_t now_ms, char (*cred)[33], size_t cap,
    size_t *n) PP_WUR;
/*
 * AUTHENTICATED -> APPROVED with the SAD issued for it.  Modes redirect and
 * par: OUT code (a new authorisation code; only its SHA-256 is stored).
 */
enum pp_err sam_authz_approved(struct pp_store *st, const char *id, const char *sad_id,
    const char *sad, int64_t sad_expires_ms, int64_t now_ms, char code[SAM_AUTHZ_CODE_LEN + 1],
    struct sam_sad_refuse *ref) PP_WUR;
/* NEW, AUTHENTICATED or APPROVED -> CANCELLED (an issued SAD is burned). */
enum pp_err sam_authz_cancel(struct pp_store *st, const char *id, int64_t now_ms,
    struct sam_sad_refuse *ref) PP_WUR;

/*
 * oauth2/token: exchanges code for the SAD.  client_id and sca (the
 * caller's subject, checked by sam_client_check) must be the request's,
 * redirect_uri its own, and the verifier's S256 its challenge.  A code
 * already redeemed burns the SAD's unused rows (OUT *burned, -1 when not a
 * replay) and is refused; so is an expired, cancelled or unknown code.
 * OUT sad (wiped by the caller), *expires_ms, a (the request, for the
 * record, also on refusals when the code was known; a->id "" when not).
 */
enum pp_err sam_authz_redeem(struct pp_store *st, const char *sca, const char *client_id,
    const char *code, const char *verifier, const char *redirect_uri, int64_t now_ms,
    char sad[SAM_SAD_STR_LEN + 1], int64_t *expires_ms, struct sam_authz *a, int64_t *burned,
    struct sam_sad_refuse *ref) PP_WUR;

/*
 * credentials/authorizeCheck (mode link) and an ephemeral session's state:
 * OUT *pending 1 while not approved; once approved, sad and *expires_ms
 * (once: the request is then REDEEMED; an ephemeral session is reported
 * REDEEMED afterwards, a link request refused).  OUT a: the request.
 */
enum pp_err sam_authz_check(struct pp_store *st, const char *sca, const char *id, int64_t now_ms,
    int *pending, char sad[SAM_SAD_STR_LEN + 1], int64_t *expires_ms, struct sam_authz *a,
    struct sam_sad_refuse *ref) PP_WUR;

/* Expires every request past its time.  OUT *n: how many. */
enum pp_err sam_authz_sweep(struct pp_store *st, int64_t now_ms, int64_t *n) PP_WUR;

/* Records a login token's jti until exp_ms; OUT *fresh 0 when it was seen
 * already (replay).  Forgets those past their expiry. */
enum pp_err sam_authz_jti_use(struct pp_store *st, const char *jti, int64_t exp_ms, int64_t now_ms,
    int *fresh) PP_WUR;

/*
 * What the ops check of a request before the client registry, the store
 * or the token (the ops call these; tests/fuzz/fuzz_authz.c drives them):
 *
 * sam_authz_req_shape: the members of op's request ("authz.create",
 * "authz.documents", ...): PP_ERR_BAD_REQUEST (malformed: the connection
 * closes) for an unknown member or one of the wrong type, PP_ERR_NOT_FOUND
 * for an op not of this module; *missing = 1 when a required one is absent.
 *
 * sam_authz_docs_get: the documents member of authz.create and
 * authz.documents, 1..1000 {"hash": standard base64 of dlen bytes,
 * "label": UTF-8 1..128 without control characters}, no hash twice.  OUT d
 * (sam_authz_docs_free) when they hold; a refusal: PP_OK with *why set.
 *
 * sam_authz_login_check: authz.login's token: a compact JWS of typ
 * paraphe-login+jwt verified with key, then its claims (docs/AUTHZ.md,
 * "Login token") for request a at now_s.  NULL when they hold, else the
 * refusal text.  OUT *payload (owned by the caller, also on a refusal of
 * the claims), iss, sub and jti (borrowed from it), *exp_s.
 */
enum pp_err sam_authz_req_shape(const char *op, json_object *req, int *missing) PP_WUR;
enum pp_err sam_authz_docs_get(json_object *arr, size_t dlen, struct sam_authz_docs *d, const char **why) PP_WUR;
const char *sam_authz_login_check(EVP_PKEY *key, const char *token, const struct sam_authz *a, int64_t now_s,
    json_object **payload, const char **iss, const char **sub, const char **jti, int64_t *exp_s);

/* pp_daemon hooks (samd.c): the lifetime and the login key at start; the
 * expiry sweep at each tick. */
enum pp_err sam_authz_init(struct pp_daemon_ctx *ctx) PP_WUR;
void sam_authz_fini(struct pp_daemon_ctx *ctx);
void sam_authz_tick(struct pp_daemon_ctx *ctx);

/* The ops (samd.c's permit table; docs/AUTHZ.md). */
enum pp_err sam_authz_op_create(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_get(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_otp_send(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_otp_verify(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_login(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_approve(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_cancel(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_redeem(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_check(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
/* Ephemeral sessions, SCA side: the documents; the end of the session. */
enum pp_err sam_authz_op_documents(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_authz_op_close(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);

#endif
