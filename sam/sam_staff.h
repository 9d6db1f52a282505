/*
 * sam_staff: what the staff console (admin/, issue #6) asks of the SAM for
 * the service's trust roles: read-only views of signatories, credentials
 * and signing sessions; a credential's revocation; the reconciliation of
 * the token's keys with the credentials; and, under dual control, the
 * destruction of keys in bulk and the cessation of the service (SEC-7).
 *
 * Who the SAM believes.  The console authenticates staff (client
 * certificate of the staff CA and TOTP), checks their trust roles and
 * collects the second person's approval of a dual-control proposal.  The
 * SAM cannot check any of that: it has no staff accounts, sessions or
 * proposals, and the console runs under the same service uid as every
 * plugin (the socket's peer check says only that much).  So the SAM
 * records what it is told, and re-checks all it can:
 *   - every request's shape, strictly (a table per op; an unknown member
 *     or one of the wrong JSON type is malformed: the connection closes,
 *     as for every SAM op), and every value's character set and length;
 *   - "staff": {"id", "name", "role"} is the acting person: a token id, a
 *     name, the trust roles of ROLE-1 it holds (sam_staff_role_ok); the
 *     audit records name them (actor kind staff, id, role);
 *   - a dual-control op also carries "proposal" (the console's proposal
 *     id), "proposer" and "approver" ({"id","name","role"} each): the
 *     approver must be the acting staff member and must not be the
 *     proposer (refused and recorded otherwise); the records carry the
 *     proposer as requester and the proposal id as correlation;
 *   - the targets exist and are in a state that allows the order, and the
 *     SAM's own invariants hold (a key is destroyed only through the
 *     revocation path: row closed and destruction owed first).
 * A compromised console (or any process of the service uid) can therefore
 * order what a legitimate one could, under names it chooses; what it
 * cannot do is act unrecorded, destroy a key without closing its
 * credential, or undo a cessation.
 *
 * Staff ops do not go through sam_client_check: the console is not an
 * SCA or RA client.  Their names start with "staff." (samd.c).  The one
 * client op here, "algo.notices", does (any registered client).
 *
 * The client registry (SAD-5): staff.client.list shows the file's and the
 * console's entries with their source; staff.client.put and
 * staff.client.remove (dual control) add, replace or remove a console
 * entry, stored in sam.db (table clients) and in force at once (the
 * in-memory registry is changed between requests).  One validator for
 * both sources (sam_client_entry_parse); how they combine is in
 * sam_client.h ("Console entries": a console entry never takes a file
 * entry's id, subject or fingerprint; file entries are changed only in
 * the file).  Records: account.create, account.update, account.delete,
 * actor staff, details.client the client id.  Console entries are loaded
 * after the file at start; one that conflicts stops the SAM.  A client's
 * allowed_algos is enforced by sign (sam_client_algo_ok).
 *
 * Algorithm withdrawal (SEC-6): staff.algo.withdraw (dual control) stores
 * {algo, notice} in sam.db (algo_withdrawals) and records it
 * (algorithm.withdraw, the notice as the cause),
 * then applies it at once: credential.create refuses the key type,
 * sad.issue, authz.create and sign refuse credentials of it or the hash,
 * each with a text naming the withdrawal and GET /csc/v2/notices
 * (sam_enrol.h), and the "algorithms" op (CSC info, credentials/info)
 * leaves it out.  A withdrawal is final (no op undoes it, and the
 * table's triggers refuse a change); sam.key_types and sam.hash_algos keep
 * working beside it.
 *
 * Cessation (SEC-7): the service is marked ceased in sam.db (table
 * service_state) and in memory FIRST, so that nothing new can be made
 * while keys are being destroyed and a cessation interrupted half-way
 * leaves the service ceased (running staff.cessation again destroys what
 * is left); then every ACTIVE and PENDING credential, ephemeral ones
 * included, is ended through sam_cred_end and the destructions still owed
 * are paid (sam_cred_sweep).  From then on credential.create, sad.issue,
 * authz.create and sign are refused with "access_denied" and a
 * description that ends with "(service_ceased)" (SAM_CEASED_TEXT,
 * sam_enrol.h), which the SCA plugin answers 403.  Records:
 * service.cessation at the start (with proposer and approver),
 * credential.change and key.destroy per key, service.cessation at the
 * end with the counts.
 */
#ifndef SAM_STAFF_H
#define SAM_STAFF_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"
#include "sam_sad.h"

struct pp_daemon_ctx;
struct pp_ipc_peer;

#define SAM_STAFF_ID_MAX	64	/* staff account id, proposal id: [A-Za-z0-9._-] */
#define SAM_STAFF_NAME_MAX	128	/* the person's name: UTF-8, no controls */
#define SAM_STAFF_ROLE_MAX	64	/* the audit record's limit */
#define SAM_STAFF_REASON_MAX	256	/* a revocation's reason */
#define SAM_STAFF_DC_REASON_MAX	512	/* a dual-control order's reason */
#define SAM_STAFF_NOTICE_MAX	512	/* an algorithm's withdrawal notice */
#define SAM_STAFF_Q_MAX		64	/* search text */
#define SAM_STAFF_LIMIT_MAX	100	/* rows per page */
#define SAM_STAFF_LIMIT_DEFAULT	50
#define SAM_STAFF_FIELDS_MAX	16	/* members of one op, the common ones included */

struct sam_staff_person {
	char id[SAM_STAFF_ID_MAX + 1];
	char name[SAM_STAFF_NAME_MAX + 1];
	char role[SAM_STAFF_ROLE_MAX + 1];
};

/* An op's request: its own members (besides "staff" and, for dual
 * control, "proposal", "proposer", "approver"). */
struct sam_staff_spec {
	const char *op;
	const struct sam_sad_field *f;
	size_t n;
	int dual;			/* 1: dual control */
};

/* The people of a request. */
struct sam_staff_order {
	struct sam_staff_person staff;		/* acting (the approver under dual control) */
	struct sam_staff_person proposer;	/* dual control only */
	char proposal[SAM_STAFF_ID_MAX + 1];	/* dual control only */
	int dual;
};

/* 1 when s is a token of 1..max bytes of [A-Za-z0-9._-]. */
int sam_staff_token_ok(const char *s, size_t max);
/* 1 when s is a trust role (ROLE-1): security_manager,
 * application_manager, system_engineer, operator, controller,
 * share_holder; or several of them joined with '+' (each once), the
 * console's label of a member holding more than one. */
int sam_staff_role_ok(const char *s);

/*
 * Checks req against spec: its members are "v", "op", "staff", the dual-
 * control members when spec->dual, and spec's own, each of its JSON type;
 * the people objects have exactly "id", "name" and "role", strings.
 * PP_ERR_BAD_REQUEST: malformed.  PP_OK with *why (static text) set: a
 * refusal (a required member missing, a value out of range, the approver
 * not the acting member, the proposer approving their own proposal).
 * OUT *o: the people (also filled, as far as they parse, on a refusal,
 * for its record).
 */
enum pp_err sam_staff_parse(json_object *req, const struct sam_staff_spec *spec, struct sam_staff_order *o,
    const char **why) PP_WUR;
/* "limit" (1..SAM_STAFF_LIMIT_MAX, default SAM_STAFF_LIMIT_DEFAULT) and
 * "offset" (>= 0, default 0) of a list request whose shape was checked.
 * *why set on a refusal. */
void sam_staff_page(json_object *req, int64_t *limit, int64_t *offset, const char **why);
/* A credential status filter: "active", "pending", "revoked", "expired",
 * "destroyed" or "closed" (revoked, expired or destroyed).  OUT states
 * (up to 3 names, NULL-padded).  0 for anything else. */
int sam_staff_states(const char *status, const char *states[3]);
/* The mobile number shown to staff: its last two digits, the others as
 * '*'.  out holds at least SAM_ENROL_MOBILE_MAX + 1 bytes. */
void sam_staff_mask_mobile(const char *mobile, char *out, size_t cap);

/* An algorithm staff may withdraw: a key type of sam_cred ("rsa3072",
 * "ec-p256", ...; rsa3072 takes rsa2048 with it) or a hash ("sha256",
 * "sha384", "sha512").  OUT the masks (bits as sam_cred's key types and
 * sam_sad's hashes).  0 for anything else. */
int sam_staff_algo(const char *name, unsigned *key_mask, unsigned *hash_mask);

/* pp_daemon init: reads whether the service has ceased and which
 * algorithms staff withdrew (before the other modules' init);
 * sam_staff_start applies the withdrawals to sam_cred's and sam_sad's
 * masks once they are initialised. */
enum pp_err sam_staff_init(struct pp_daemon_ctx *ctx) PP_WUR;
void sam_staff_start(struct pp_daemon_ctx *ctx);

/* The ops (samd.c's permit table). */
enum pp_err sam_staff_op_signatory_search(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_credential_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_session_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_credential_revoke(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_keys_inventory(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_keys_destroy_bulk(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_cessation(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_algo_withdraw(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_algo_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_client_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_client_put(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_staff_op_client_remove(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
/* "algo.notices": a client op (sam_client_check first; any registered
 * client): {"notices": [{"algo", "withdrawn_at" (RFC 3339 UTC), "notice"}]}. */
enum pp_err sam_staff_op_algo_notices(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);

#endif
