/*
 * pp_audit: audit records, from the components' side and the daemon's.
 *
 * Every security event is sent to the audit daemon (the single writer)
 * with pp_audit_emit, which returns only once the record is durable (the
 * daemon acknowledges after its group commit).  When the daemon cannot be
 * reached or cannot write, the call fails with PP_ERR_UNAVAILABLE and the
 * caller's operation must fail too (503): no security event happens
 * unlogged.
 *
 * The record schema (docs/AUDIT.md, "Records") is a closed list of event
 * types and a fixed set of members.  The daemon re-validates every record
 * it receives (pp_audit_record_build) and adds what a component cannot be
 * trusted with: the sequence number, the origin, the time and the peer's
 * kernel-checked identity.  Secrets (PINs, OTPs, SADs, passwords) never
 * enter a record: there is no member for them, and detail keys that name
 * one are refused.
 */
#ifndef PP_AUDIT_H
#define PP_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"

struct pp_conf;
struct pp_ipc_peer;

/* Event types (AUD-2).  The names are the stable strings in the records. */
enum pp_audit_type {
	PP_AUDIT_ACCOUNT_CREATE,	/* account.create */
	PP_AUDIT_ACCOUNT_UPDATE,	/* account.update */
	PP_AUDIT_ACCOUNT_DELETE,	/* account.delete */
	PP_AUDIT_CREDENTIAL_CHANGE,	/* credential.change */
	PP_AUDIT_ROLE_ASSIGN,		/* role.assign */
	PP_AUDIT_ROLE_REVOKE,		/* role.revoke */
	PP_AUDIT_ROLE_LOGIN,		/* role.login */
	PP_AUDIT_ROLE_LOGOUT,		/* role.logout */
	PP_AUDIT_ROLE_LOGIN_FAILURE,	/* role.login_failure */
	PP_AUDIT_COMPONENT_START,	/* component.start */
	PP_AUDIT_COMPONENT_STOP,	/* component.stop */
	PP_AUDIT_LOG_START,		/* audit.start: logging starts */
	PP_AUDIT_LOG_STOP,		/* audit.stop: logging stops */
	PP_AUDIT_LOG_PARAM_CHANGE,	/* audit.param_change */
	PP_AUDIT_LOG_FAILURE,		/* audit.failure: writing failed, and the action taken */
	PP_AUDIT_LOG_FORWARD_FAILURE,	/* audit.forward_failure */
	PP_AUDIT_LOG_FORWARD_RESTORED,	/* audit.forward_restored */
	PP_AUDIT_LOG_HEARTBEAT,		/* audit.heartbeat: clock status while idle */
	PP_AUDIT_LOG_MESSAGE_REFUSED,	/* audit.message_refused: malformed or refused request */
	PP_AUDIT_LOG_SEGMENT,		/* audit.segment: an archive segment was cut */
	PP_AUDIT_LOG_PRUNE,		/* audit.prune: archived records removed on site */
	PP_AUDIT_KEY_GENERATE,		/* key.generate */
	PP_AUDIT_KEY_DESTROY,		/* key.destroy */
	PP_AUDIT_SIGNATURE,		/* signature.create */
	PP_AUDIT_SIGNATORY_AUTH,	/* signatory.auth */
	PP_AUDIT_SAD_ISSUE,		/* sad.issue */
	PP_AUDIT_SAD_USE,		/* sad.use */
	PP_AUDIT_SAD_REFUSE,		/* sad.refuse */
	PP_AUDIT_MANUAL_PHYSICAL,	/* manual.physical_access */
	PP_AUDIT_MANUAL_MAINTENANCE,	/* manual.maintenance */
	PP_AUDIT_MANUAL_CONFIG,		/* manual.config_change */
	PP_AUDIT_MANUAL_PERSONNEL,	/* manual.personnel_change */
	PP_AUDIT_MANUAL_MEDIA,		/* manual.media_destruction */
	PP_AUDIT_ARCHIVE_CHECK,		/* archive.check */
	PP_AUDIT_ARCHIVE_EXPORT,	/* archive.export: a period's archive recovered (ARC-4) */
	PP_AUDIT_REVIEW,		/* audit.review: a review, analysis or reconciliation signed off (AUD-6) */
	PP_AUDIT_DUAL_PROPOSE,		/* dual.propose: a sensitive change proposed (ROLE-5) */
	PP_AUDIT_DUAL_DECIDE,		/* dual.decide: approved, rejected or expired by another person */
	PP_AUDIT_ACCESS_DENIED,		/* access.denied: a staff action the member's roles do not allow */
	PP_AUDIT_SERVICE_CESSATION,	/* service.cessation: all signatory keys destroyed (SEC-7) */
	PP_AUDIT_ALGO_WITHDRAW,		/* algorithm.withdraw: an algorithm withdrawn, SCAs told (SEC-6) */
	PP_AUDIT__MAX
};

enum pp_audit_outcome { PP_AUDIT_SUCCESS, PP_AUDIT_FAILURE, PP_AUDIT_OUTCOME__MAX };

/* Who acted. */
enum pp_audit_actor {
	PP_AUDIT_ACTOR_SYSTEM,		/* a component; id = program name */
	PP_AUDIT_ACTOR_STAFF,		/* a trust-role member; role = trust role */
	PP_AUDIT_ACTOR_SIGNATORY,
	PP_AUDIT_ACTOR_SCA,		/* a signature creation application */
	PP_AUDIT_ACTOR_NOTARY,
	PP_AUDIT_ACTOR_ANONYMOUS,	/* not (yet) identified */
	PP_AUDIT_ACTOR__MAX
};

#define PP_AUDIT_MAX_PRESENT 8
#define PP_AUDIT_MAX_DETAILS 32
#define PP_AUDIT_MAX_STRING 512
#define PP_AUDIT_MAX_RECORD 8192	/* canonical bytes of one record */

/* One event, as a component describes it.  Every pointer is borrowed;
 * NULL (or 0 entries) leaves the member out of the record. */
struct pp_audit_event {
	enum pp_audit_type type;
	enum pp_audit_outcome outcome;
	enum pp_audit_actor actor_kind;
	const char *actor_id;		/* required */
	const char *actor_role;
	const char *requester;		/* on whose request */
	const char *recipient;		/* on whose behalf / for whom */
	const char *present[PP_AUDIT_MAX_PRESENT];	/* persons present (e.g. notary) */
	const char *cause;		/* why (a failure's reason, a manual entry's text) */
	const char *correlation;	/* request or session id tying records together */
	const char *client_ip;
	json_object *details;		/* flat object: string, integer or boolean values */
};

const char *pp_audit_type_name(enum pp_audit_type t);
const char *pp_audit_outcome_name(enum pp_audit_outcome o);
const char *pp_audit_actor_name(enum pp_audit_actor a);
/* Reverse lookups; PP_ERR_FIELD_INVALID when unknown. */
enum pp_err pp_audit_type_from(const char *name, enum pp_audit_type *t) PP_WUR;

/* Sends ev to the audit daemon at conf's audit.socket and waits for the
 * durable acknowledgement.  OUT *seq (may be NULL): its sequence number.
 * PP_ERR_UNAVAILABLE when it is not acknowledged; PP_ERR_FIELD_INVALID
 * (a programming error, logged) when ev breaks the schema. */
enum pp_err pp_audit_emit(const struct pp_conf *conf, const struct pp_audit_event *ev,
    int64_t *seq) PP_WUR;
/* n events at once (each on its own connection, all sent before any
 * acknowledgement is awaited, so that the daemon commits them together).
 * OUT rcs[i]: as pp_audit_emit's for evs[i].  Returns PP_OK when every one
 * was acknowledged, else the first failure. */
enum pp_err pp_audit_emit_many(const struct pp_conf *conf, const struct pp_audit_event *const *evs,
    size_t n, enum pp_err *rcs);
/* Same with an explicit socket path and timeout (tests, benchmarks). */
enum pp_err pp_audit_emit_to(const char *socket, int timeout_ms, const struct pp_audit_event *ev,
    int64_t *seq) PP_WUR;
/* component.start / component.stop of program prog (with its version and
 * pid).  Every component calls it at start and refuses to run when it
 * fails, and at stop. */
enum pp_err pp_audit_component(const struct pp_conf *conf, const char *prog,
    enum pp_audit_type type) PP_WUR;
/* The "record" member of the request pp_audit_emit sends.  OUT *out. */
enum pp_err pp_audit_event_json(const struct pp_audit_event *ev, json_object **out) PP_WUR;

/* Daemon side: validates a received "record" member strictly (closed
 * members, closed types, bounded strings, detail keys) and builds the
 * record with the daemon's own members.  time: "YYYY-MM-DDTHH:MM:SS.ffffffZ".
 * OUT *out (pp_malloc'd canonical bytes, caller pp_free), *len.
 * PP_ERR_FIELD_* / PP_ERR_BAD_REQUEST say what is wrong; *why (may be
 * NULL) receives a short static reason for the refusal record. */
enum pp_err pp_audit_record_build(json_object *in, const char *origin, int64_t seq,
    const char *time, const struct pp_ipc_peer *peer, char **out, size_t *len,
    const char **why) PP_WUR;

/* Current UTC time "YYYY-MM-DDTHH:MM:SS.ffffffZ" (28 bytes with NUL). */
#define PP_AUDIT_TIME_LEN 28
void pp_audit_now(char out[PP_AUDIT_TIME_LEN]);

#endif
