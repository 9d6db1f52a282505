/*
 * sam_client: the registry of the SAM's clients (SAD-5, AUTH-2, issue #4):
 * the SCAs and PKI/RA clients under contract, and the check every
 * client-facing op makes first.
 *
 * The registry is a JSON file (sam.clients_file, default
 * <service.state_dir>/etc/clients.json) written by the operator and read
 * once, at start.  It may not be written by anyone but its owner, who must
 * be root when the SAM starts as root; a registry that is missing, unsafe or
 * malformed stops the SAM with a message naming the entry and the member.
 *
 *   {"clients": [
 *     {"id": "demo-sca", "name": "Paraphe Demo SCA", "roles": ["sca", "ra"],
 *      "subject": "CN=Demo SCA,O=Paraphe Demo SCA,C=FR",
 *      "sha256": "<64 hex digits: SHA-256 of the client certificate's DER>",
 *      "status": "active"}
 *   ]}
 *
 * A client is identified by its certificate: the subject DN (RFC 2253, as
 * the SCA plugin derives it) and, when the entry gives one, the SHA-256
 * fingerprint, which must then match too (a renewed certificate needs a new
 * entry or fingerprint).  The subject stays the SAM's ownership key (the
 * "sca" of signatories, credentials and SADs), so two entries may not share
 * one; ids and fingerprints are unique too.
 *
 * Roles.  "ra": the PKI/RA enrolment ops (signatory.*, credential.create,
 * credential.revoke, credential.info on the RA route); "sca": the CSC ops
 * (credential.list, credential.info, sign) and the signature activation
 * made on an SCA's behalf (otp.send, sad.issue).  The SCA plugin says which
 * API a request came through ("client_role"); the SAM only uses it to pick
 * which of the op's roles the client must hold, so a plugin that lies about
 * it gains nothing the client's own roles do not allow.
 *
 * The check (sam_client_check) runs at the top of every client-facing op,
 * before the op reads anything else.  It takes the members "client_sha256"
 * and "client_role" out of the request (the ops' own shape checks never see
 * them).  A refusal is answered {"error":"access_denied",
 * "error_description": ...} and recorded (failure, details.error
 * "access_denied") before the answer.
 */
#ifndef SAM_CLIENT_H
#define SAM_CLIENT_H

#include <stddef.h>
#include <json-c/json.h>
#include "pp_audit.h"
#include "pp_err.h"

struct pp_daemon_ctx;
struct pp_conf;

#define SAM_CLIENT_MAX		256	/* entries in a registry */
#define SAM_CLIENT_ID_MAX	64	/* [A-Za-z0-9._-] */
#define SAM_CLIENT_NAME_MAX	128	/* display name: UTF-8, no controls */
#define SAM_CLIENT_SUBJECT_MAX	256	/* as SAM_ENROL_SCA_MAX */
#define SAM_CLIENT_FILE_MAX	(256 * 1024)
#define SAM_CLIENT_URIS_MAX	8	/* redirect URIs of one SCA */
#define SAM_CLIENT_URI_MAX	255	/* bytes of one redirect URI */

enum sam_client_role { SAM_CLIENT_SCA, SAM_CLIENT_RA, SAM_CLIENT_ROLE__MAX };
#define SAM_CLIENT_R_SCA (1u << SAM_CLIENT_SCA)
#define SAM_CLIENT_R_RA (1u << SAM_CLIENT_RA)

enum sam_client_status { SAM_CLIENT_ACTIVE, SAM_CLIENT_SUSPENDED, SAM_CLIENT_STATUS__MAX };

struct sam_client {
	char id[SAM_CLIENT_ID_MAX + 1];
	char name[SAM_CLIENT_NAME_MAX + 1];
	char subject[SAM_CLIENT_SUBJECT_MAX + 1];
	char sha256[65];		/* lower-case hex; "" when not given */
	unsigned roles;			/* SAM_CLIENT_R_* */
	enum sam_client_status status;
	/* OAuth redirect URIs (docs/AUTHZ.md), compared exactly. */
	char redirect_uris[SAM_CLIENT_URIS_MAX][SAM_CLIENT_URI_MAX + 1];
	size_t nredirect;
};

struct sam_clients {
	struct sam_client *c;
	size_t n;
};

/* "sca", "ra"; "?" out of range. */
const char *sam_client_role_name(enum sam_client_role r);

/*
 * Parses a registry (len bytes of JSON).  OUT *out: owned by the caller
 * (sam_clients_free).  PP_ERR_CONFIG with why (cap bytes, NUL-terminated)
 * saying which entry and member is wrong.
 */
enum pp_err sam_clients_parse(const char *buf, size_t len, struct sam_clients **out,
    char *why, size_t cap) PP_WUR;
/*
 * Reads and parses the registry file: a regular file, not a symbolic link,
 * writable by its owner only, owned by root when must_be_root.
 */
enum pp_err sam_clients_load(const char *path, int must_be_root, struct sam_clients **out,
    char *why, size_t cap) PP_WUR;
void sam_clients_free(struct sam_clients *reg);

/* The entry whose subject is subject, or NULL. */
const struct sam_client *sam_clients_find(const struct sam_clients *reg, const char *subject);
/* The entry whose id (OAuth client_id) is id, or NULL. */
const struct sam_client *sam_clients_find_id(const struct sam_clients *reg, const char *id);
/* 1 when uri is one of c's redirect URIs, byte for byte. */
int sam_client_redirect_ok(const struct sam_client *c, const char *uri);
/* 1 when uri may be registered as a redirect URI: an absolute https URI,
 * or http on a loopback host (127.0.0.1, localhost, [::1]); printable
 * ASCII, no fragment, 1..SAM_CLIENT_URI_MAX bytes. */
int sam_client_redirect_uri_ok(const char *uri);
/* The registry the SAM loaded (sam_client_init); NULL before. */
const struct sam_clients *sam_client_registry(void);

/* What a client-facing op requires (sam_client_policy). */
struct sam_client_policy {
	unsigned roles;		/* roles that may call it (any one) */
	int behalf;		/* 1: made on the client's behalf (signer pages): no fingerprint to check */
	enum pp_audit_type audit;	/* the type of the op's records, its refusals included */
};

/* The policy of op; PP_ERR_NOT_FOUND for an op that is not client-facing. */
enum pp_err sam_client_policy(const char *op, struct sam_client_policy *p) PP_WUR;

/*
 * The decision for one request: subject (the "sca" member), sha256 (the
 * client certificate's fingerprint as the plugin computed it; NULL: not
 * given), role (the API the request came through: "sca", "ra" or NULL).
 * PP_OK: allowed, OUT *client the entry.  PP_ERR_FORBIDDEN: refused, OUT
 * *why a static English text, *client the entry when one matched the
 * subject (else NULL).
 */
enum pp_err sam_client_decide(const struct sam_clients *reg, const struct sam_client_policy *p,
    const char *subject, const char *sha256, const char *role, const struct sam_client **client,
    const char **why) PP_WUR;

/* Start-up: loads the registry named by the configuration (once, before
 * the first request); fini frees it. */
enum pp_err sam_client_init(struct pp_daemon_ctx *ctx) PP_WUR;
void sam_client_fini(struct pp_daemon_ctx *ctx);

/*
 * The check at the top of a client-facing op.  The authorisation ops the
 * signer pages call (authz.get, authz.otp_send, authz.otp_verify,
 * authz.login, authz.approve, authz.cancel, and authz.create with
 * "client_id" instead of "sca") carry no client identity: the check lets
 * them through by name, and the op checks the client recorded in the
 * request (or named by client_id) itself (sam/sam_authz.h).  Takes "client_sha256" and
 * "client_role" out of req (a member of the wrong type is malformed:
 * PP_ERR_BAD_REQUEST).  Allowed: PP_OK, *refused = 0.  Refused: the refusal
 * is recorded, then written into ans; PP_OK, *refused = 1, and the op
 * returns at once.  Any other error: the op fails (nothing answered).
 */
enum pp_err sam_client_check(struct pp_daemon_ctx *ctx, json_object *req, json_object *ans,
    int *refused) PP_WUR;

#endif
