/*
 * sam_enrol: signatories enrolled by a registered SCA/PKI client (AUTH-2,
 * SAD-5), and the request checking shared by the SAM's ops.
 *
 * Ownership.  Every request names the SCA acting ("sca": the subject of the
 * client certificate the plugin re-checked); a signatory belongs to the SCA
 * that created it and no other SCA can read, change, delete it or give it a
 * credential.  The check is made here, against the stored row, never taken
 * from the caller.
 *
 * Two kinds of "no".  A request that breaks the protocol (a member of the
 * wrong JSON type, a member the op does not declare) is malformed: the op
 * returns PP_ERR_BAD_REQUEST and the connection is closed.  A well-formed
 * request the SAM refuses (a value out of its character set or length, an
 * unknown or foreign signatory, a deletion blocked by an active credential)
 * is answered {"v":1,"error":<code>,"error_description":<text>}; the codes
 * are the closed list of enum sam_req_refusal.
 *
 * Deletion is real (GDPR): the row is gone; it is refused while a
 * credential of the signatory is PENDING or ACTIVE.
 */
#ifndef SAM_ENROL_H
#define SAM_ENROL_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"

struct pp_store;
struct pp_daemon_ctx;
struct pp_ipc_peer;

#define SAM_ENROL_ID_MAX	64	/* signatory id: printable ASCII, no space */
#define SAM_ENROL_SCA_MAX	256	/* SCA identity: UTF-8, no controls */
#define SAM_ENROL_NAME_MAX	64	/* given name, surname; both with a space: CN */
#define SAM_ENROL_SERIAL_MAX	64	/* semantics identifier, e.g. IDCFR-123456 */
#define SAM_ENROL_MOBILE_MAX	15	/* E.164 digits without '+' */
#define SAM_ENROL_SUBJECT_MAX	256	/* IdP subject */
#define SAM_ENROL_EVIDENCE_MAX	128	/* reference of the identity verification */

/* The closed list of refusal codes a client sees (docs/ARCHITECTURE.md). */
enum sam_req_refusal {
	SAM_REFUSAL_NONE = 0,
	SAM_REFUSAL_INVALID,		/* invalid_request: a value to fix */
	SAM_REFUSAL_DENIED,		/* access_denied: object of another SCA */
	SAM_REFUSAL_NOT_FOUND,		/* not_found */
	SAM_REFUSAL_CONFLICT,		/* conflict: exists already, or blocked by state */
	SAM_REFUSAL__MAX
};

/* A refusal: why, and a static English text saying what to fix. */
struct sam_refuse {
	enum sam_req_refusal why;
	const char *text;
};

/* "invalid_request" ...; never NULL. */
const char *sam_refusal_code(enum sam_req_refusal r);

struct sam_signatory {
	char id[SAM_ENROL_ID_MAX + 1];
	char sca[SAM_ENROL_SCA_MAX + 1];
	char given_name[SAM_ENROL_NAME_MAX + 1];
	char surname[SAM_ENROL_NAME_MAX + 1];
	char country[3];
	char serial_number[SAM_ENROL_SERIAL_MAX + 1];
	char mobile[SAM_ENROL_MOBILE_MAX + 1];
	char idp_subject[SAM_ENROL_SUBJECT_MAX + 1];	/* "" when none */
	char evidence[SAM_ENROL_EVIDENCE_MAX + 1];
	int64_t created_ms, updated_ms;
};

/* Request members: what an op accepts besides "v" and "op". */
struct sam_field {
	const char *name;
	int required;
};

/*
 * Checks the shape of req: every member is "v", "op" or one of f[0..n),
 * and every one of f is a string.  PP_ERR_BAD_REQUEST otherwise (malformed).
 * A required member missing is a refusal: PP_OK with ref->why set.
 */
enum pp_err sam_req_shape(json_object *req, const struct sam_field *f, size_t n,
    struct sam_refuse *ref) PP_WUR;

/* Value checks; each returns 1 when s (NUL-terminated) is acceptable. */
int sam_enrol_id_ok(const char *s);
int sam_enrol_sca_ok(const char *s);
int sam_enrol_name_ok(const char *s);
int sam_enrol_country_ok(const char *s);	/* assigned ISO 3166-1 alpha-2 */
int sam_enrol_serial_ok(const char *s);		/* EN 319 412-1 natural person */
int sam_enrol_text_ok(const char *s, size_t max);	/* UTF-8, no controls, 1..max */
/* E.164: optional '+', 8..15 digits, no leading 0.  OUT out: the digits. */
int sam_enrol_mobile_norm(const char *s, char out[SAM_ENROL_MOBILE_MAX + 1]);

/* Which members a signatory.update request carries. */
enum {
	SAM_ENROL_F_GIVEN = 1 << 0, SAM_ENROL_F_SURNAME = 1 << 1, SAM_ENROL_F_COUNTRY = 1 << 2,
	SAM_ENROL_F_SERIAL = 1 << 3, SAM_ENROL_F_MOBILE = 1 << 4, SAM_ENROL_F_IDP = 1 << 5,
	SAM_ENROL_F_EVIDENCE = 1 << 6
};

/*
 * Fills s from a signatory.create (update = 0) or signatory.update
 * (update = 1) request, checking every value.  OUT *mask: the members
 * present (update).  PP_ERR_BAD_REQUEST: malformed; PP_OK with ref->why
 * set: a refusal (nothing to store).
 */
enum pp_err sam_enrol_parse(json_object *req, int update, struct sam_signatory *s,
    unsigned *mask, struct sam_refuse *ref) PP_WUR;

/*
 * Called once a change is made and before it is committed, with the
 * transaction still open: the audit record (AUD-3: written during the
 * operation).  A failure rolls the change back and is returned, so no
 * change happens unrecorded.  NULL: no record (unit tests).
 */
struct sam_enrol_record {
	enum pp_err (*fn)(void *arg);
	void *arg;
	int done;		/* OUT: 1 once fn succeeded (a later COMMIT failure needs a second record) */
};

/* Store operations.  A refusal is PP_OK with ref->why set; errors are
 * database failures and change nothing. */
enum pp_err sam_enrol_create(struct pp_store *st, struct sam_signatory *s, int64_t now_ms,
    struct sam_refuse *ref, struct sam_enrol_record *rec) PP_WUR;
/* OUT *s: the signatory id of sca.  Refusals: not_found, access_denied. */
enum pp_err sam_enrol_get(struct pp_store *st, const char *sca, const char *id,
    struct sam_signatory *s, struct sam_refuse *ref) PP_WUR;
/* Changes the members in mask of signatory upd->id (owned by upd->sca).
 * OUT *s: the signatory after the change. */
enum pp_err sam_enrol_update(struct pp_store *st, const struct sam_signatory *upd, unsigned mask,
    int64_t now_ms, struct sam_signatory *s, struct sam_refuse *ref, struct sam_enrol_record *rec) PP_WUR;
/* Deletes the row; conflict while a credential is PENDING or ACTIVE. */
enum pp_err sam_enrol_delete(struct pp_store *st, const char *sca, const char *id,
    struct sam_refuse *ref, struct sam_enrol_record *rec) PP_WUR;

/* The answer members of a signatory ("signatory": {...}). */
enum pp_err sam_enrol_json(const struct sam_signatory *s, json_object *answer) PP_WUR;
/* Sets "error" and "error_description" of answer. */
enum pp_err sam_refuse_json(const struct sam_refuse *ref, json_object *answer) PP_WUR;

/* Milliseconds since the epoch. */
int64_t sam_now_ms(void);

/*
 * Cessation of service (SEC-7, sam/sam_staff.c, staff.cessation): once the
 * service has ceased, credential.create, credential.import, sad.issue,
 * authz.create and sign are refused (and an ephemeral session opened
 * before makes no key: sam_cred_make_builtin) with {"error":
 * "access_denied", "error_description": SAM_CEASED_TEXT} (the SCA plugin
 * answers 403 with that text, which ends with the marker
 * "(service_ceased)"), recorded like their other refusals.  The flag
 * lives here because every op module links this file; it is set from
 * sam.db at start (sam_staff_init) and when a cessation begins, and never
 * cleared while the SAM runs.
 */
#define SAM_CEASED_CODE "access_denied"
#define SAM_CEASED_TEXT "the service has ceased (SEC-7): no new credential, SAD or signature (service_ceased)"
void sam_service_set_ceased(int64_t since_ms);
/* The time the service ceased (ms since the epoch), 0 while it runs. */
int64_t sam_service_ceased(void);

/*
 * Algorithms withdrawn by staff (SEC-6, sam/sam_staff.c, staff.algo.
 * withdraw), besides what sam.key_types and sam.hash_algos leave out: bit
 * t of the key mask for enum pp_p11_keytype t, bit h of the hash mask for
 * enum pp_p11_hash h.  Loaded from sam.db at start, added to at once by a
 * withdrawal, never cleared while the SAM runs.  credential.create (and an
 * ephemeral session's credential) refuses a withdrawn key type with
 * SAM_WITHDRAWN_KEY_TEXT; sad.issue and sign refuse a credential of a
 * withdrawn key type or a withdrawn hash with the texts below; every
 * refusal names the notice SCAs read at GET /csc/v2/notices.
 */
#define SAM_WITHDRAWN_KEY_TEXT "key_type: this key type was withdrawn by the service (SEC-6); its notice is at" \
	" GET /csc/v2/notices"
#define SAM_WITHDRAWN_CRED_TEXT "the credential's key type was withdrawn by the service (SEC-6); its notice is at" \
	" GET /csc/v2/notices"
#define SAM_WITHDRAWN_HASH_TEXT "hash_algo: this hash algorithm was withdrawn by the service (SEC-6); its notice" \
	" is at GET /csc/v2/notices"
void sam_algo_withdraw(unsigned key_mask, unsigned hash_mask);
unsigned sam_algo_withdrawn_keys(void);
unsigned sam_algo_withdrawn_hashes(void);

/* The ops of the SAM permit table (samd.c).  Each records its outcome with
 * pp_audit_emit before answering; when that fails the op fails. */
enum pp_err sam_enrol_op_create(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_enrol_op_get(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_enrol_op_update(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_enrol_op_delete(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);

#endif
