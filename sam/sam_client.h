/*
 * sam_client: the registry of the SAM's clients (SAD-5, AUTH-2, issue #4):
 * the SCAs and PKI/RA clients under contract, and the check every
 * client-facing op makes first.
 *
 * The registry is a JSON file (sam.clients_file, default
 * <service.state_dir>/etc/clients.json) written by the operator and read
 * once, at start, plus the entries staff add under dual control.  It may not be written by anyone but its owner, who must
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
 * Optional members: "redirect_uris" (OAuth, sca clients), "contact" (who
 * to call at the client) and "allowed_algos" (key type names such as
 * "ec-p256" or signature algorithm OIDs; when given, sign refuses any
 * other: sam_client_algo_ok).  Entries may also come from the staff
 * console (sam.db, "Console entries" below), checked by the same rules.
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
#define SAM_CLIENT_CONTACT_MAX	256	/* who to call at the client: UTF-8, no controls */
#define SAM_CLIENT_ALGOS_MAX	16	/* allowed_algos entries */
#define SAM_CLIENT_ALGO_MAX	64	/* a key type name or a signature algorithm OID */

/* Where an entry comes from: the registry file, or the staff console
 * (staff.client.put, sam.db table clients; sam/sam_staff.c). */
enum sam_client_source { SAM_CLIENT_FILE, SAM_CLIENT_CONSOLE, SAM_CLIENT_SOURCE__MAX };

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
	char contact[SAM_CLIENT_CONTACT_MAX + 1];	/* "" when not given */
	/* allowed_algos: when non-empty, sign refuses a credential whose key
	 * type name and signature algorithm OID are both absent from it. */
	char algos[SAM_CLIENT_ALGOS_MAX][SAM_CLIENT_ALGO_MAX + 1];
	size_t nalgos;
	enum sam_client_source source;
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

/*
 * One entry of either source, by the registry file's rules (members id,
 * name, roles, subject, sha256, status, redirect_uris, contact,
 * allowed_algos; unknown ones refused).  OUT *c.  PP_ERR_CONFIG with why.
 */
enum pp_err sam_client_entry_parse(json_object *e, struct sam_client *c, char *why, size_t cap) PP_WUR;
/* The entry as JSON (the registry file's members, and "source"), appended
 * to arr. */
enum pp_err sam_client_json(const struct sam_client *c, json_object *arr) PP_WUR;
/* 1 when c may sign with key type key_type (a sam_cred name) and signature
 * algorithm OID sign_algo: no allowed_algos, or one of them is either. */
int sam_client_algo_ok(const struct sam_client *c, const char *key_type, const char *sign_algo);

/*
 * Console entries (staff.client.put / remove, sam/sam_staff.c).  How the
 * two sources combine: a console entry may not take a file entry's id,
 * subject or fingerprint (the file is the operator's and wins: it is never
 * shadowed), nor another console entry's subject or fingerprint; a
 * console entry with the id of a console entry replaces it.  Console
 * entries are loaded after the file at start (a conflict then stops the
 * SAM, naming both).  sam_client_conflict: *why (static) says what clashes,
 * NULL when c may be put.
 */
void sam_client_conflict(const struct sam_clients *reg, const struct sam_client *c, const char **why);
/* Puts c (source console) into the SAM's registry: replaces the console
 * entry of the same id or appends (SAM_CLIENT_MAX in all).  OUT *replaced.
 * A refusal (sam_client_conflict's, or a full registry) is PP_OK with
 * *why (static) set and nothing changed. */
enum pp_err sam_client_put(const struct sam_client *c, int *replaced, const char **why) PP_WUR;
/* Removes the console entry id from the SAM's registry.
 * PP_ERR_NOT_FOUND: no such console entry. */
enum pp_err sam_client_remove(const char *id) PP_WUR;

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
