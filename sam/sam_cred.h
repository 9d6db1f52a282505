/*
 * sam_cred: long-term credentials issued by the built-in CA (KEY-1..6,
 * SEC-6), and the built-in CA itself.
 *
 * The built-in CA is made at the SAM's first start: an EC P-384 key pair
 * generated in the token (CKA_ID: 16 random bytes, stored in table ca) and
 * a self-signed certificate signed by that key through the token.  P-384
 * rather than P-256: the CA key outlives every end-entity key it certifies
 * and its signatures (ECDSA with SHA-384) stay at the 192-bit level ETSI TS
 * 119 312 recommends for long-lived CA keys, at a signing cost that does
 * not matter for certificates.  RSA was not chosen: larger certificates,
 * slower key generation, no gain.
 *
 * A credential is born PENDING in the database before anything is made in
 * the token, then: key pair generated under a fresh CKA_ID (sensitive, not
 * extractable) -> key.generate recorded -> certificate issued by the CA key
 * in the token -> certificate checked against the key -> certificate
 * stored in the token under the same CKA_ID -> credential.change recorded
 * -> ACTIVE.  Any failure on the way destroys every object of that CKA_ID
 * and leaves the row DESTROYED: a half-made credential is never usable
 * (KEY-6).  Revocation marks the row REVOKED first (unusable at once), then
 * destroys the key objects and records key.destroy (KEY-5).
 *
 * Key types are the closed list below; sam.key_types withdraws any of them
 * for new credentials (SEC-6).
 *
 * External CA ("ca": "external" at creation): the key pair is generated the
 * same way, then a PKCS#10 request signed by that key in the token is
 * stored in the row (csr) and returned; the credential stays PENDING, and
 * can never sign, until credential.certificate uploads a certificate that
 * sam_ca_check_external accepts against sam.external_ca_file (the key is
 * the credential's, SHA-2, nonRepudiation, valid now, chains to a
 * configured CA).  Then the certificate is stored in the token under the
 * same CKA_ID, credential.change is recorded and the row becomes ACTIVE.
 * A refused upload is recorded and leaves the row PENDING.  A PENDING row
 * without csr is a creation that never finished (destroyed at start); with
 * csr it waits for its certificate and is kept.  Revoking a PENDING
 * credential abandons it: key destroyed, row DESTROYED.
 *
 * Legacy import (credential.import, KEY-2): a key pair already in the
 * token (migrated there by the HSM vendor's tools, found by its 16-byte
 * CKA_ID) becomes an ACTIVE external credential of a signatory together
 * with its certificate, when the private key is sensitive, not
 * extractable and may sign (sam_cred_import_check), its public key is the
 * certificate's (for RSA the private key object's own modulus and
 * exponent as well as the public key object), and the certificate passes
 * sam_ca_check_external against sam.external_ca_file.  RSA 2048 only
 * with a certificate whose notBefore is before 2025-12-31T00:00:00Z: its
 * key type is "rsa2048", which no new credential may have (credential.
 * create and sam.key_types refuse it) and which is in force only while
 * rsa3072 is (sam_cred_key_types_in_force).  Other key types must be
 * allowed by sam.key_types.  Nothing is generated and nothing destroyed
 * on the way: the key is not the SAM's until the row exists.  The
 * certificate is stored in the token under the key's CKA_ID (the same
 * certificate already there is accepted), credential.change is recorded
 * with cause "legacy import", then the row is inserted ACTIVE
 * (ca = 'external').  From then on it is a credential like the others:
 * revocation and the expiry sweep destroy its key.
 *
 * Expiry (KEY-5): sam_cred_sweep closes every ACTIVE credential whose
 * certificate's notAfter has passed: the row becomes EXPIRED first (no
 * signature from then on), then the key objects are destroyed and
 * key.destroy is recorded with the serial and the cause "certificate
 * expired".  It runs when the SAM starts, every sam.sweep_interval_s (the
 * daemon's tick) and on demand (op credential.sweep, paraphe-sam-admin).
 */
#ifndef SAM_CRED_H
#define SAM_CRED_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"
#include "pp_p11.h"

struct pp_daemon_ctx;
struct pp_ipc_peer;

#define SAM_CRED_ID_LEN		32	/* credential id: 16 random bytes, hex */
#define SAM_CRED_KEY_ID_BYTES	16	/* CKA_ID */

/* Key type name ("rsa3072", "rsa4096", "ec-p256", "ec-p384", "ec-p521",
 * and "rsa2048" of imported legacy credentials) to type.
 * PP_ERR_FIELD_INVALID for anything else. */
enum pp_err sam_cred_key_type(const char *name, enum pp_p11_keytype *t) PP_WUR;
const char *sam_cred_key_type_name(enum pp_p11_keytype t);
/* Parses sam.key_types (names separated by blanks).  OUT *mask: bit t set
 * for each type allowed.  PP_ERR_CONFIG on an unknown name, rsa2048 (never
 * a type for new credentials) or none. */
enum pp_err sam_cred_key_types_parse(const char *list, unsigned *mask) PP_WUR;
/* The key types that may sign under the sam.key_types mask: the mask, and
 * rsa2048 (imported legacy keys) while rsa3072 is allowed: withdrawing RSA
 * 3072 withdraws the weaker RSA 2048 with it (SEC-6). */
unsigned sam_cred_key_types_in_force(unsigned mask);

/* The refusal of an RSA 2048 key whose certificate is too recent. */
#define SAM_CRED_RSA2048_REFUSAL "RSA 2048 is accepted only for certificates issued before 2025-12-31"
/*
 * The verdict of credential.import on a key found in the token (a) whose
 * certificate's notBefore is not_before (seconds since the epoch), under
 * the key types in force (sam_cred_key_types_in_force of sam.key_types):
 * the private key must be sensitive, not extractable and able to sign;
 * RSA 3072 or 4096, EC P-256, P-384 or P-521 allowed by the mask, or RSA
 * 2048 with not_before < SAM_CA_RSA2048_LEGACY_END (and rsa2048 in force).
 * OUT *type; *why: NULL when acceptable, else the refusal (static text).
 */
void sam_cred_import_check(const struct pp_p11_key_attrs *a, int64_t not_before, unsigned in_force,
    enum pp_p11_keytype *type, const char **why);
/* A credential id as issued: SAM_CRED_ID_LEN lower-case hex digits. */
int sam_cred_id_ok(const char *s);

/* The DER certificates an external CA may send along (chain member). */
#define SAM_CRED_CHAIN_MAX	8192
#define SAM_CRED_CHAIN_CERTS	4

/* "builtin" (also NULL: the default) or "external".  OUT *external.
 * PP_ERR_FIELD_INVALID for anything else. */
enum pp_err sam_cred_ca_mode(const char *s, int *external) PP_WUR;
/*
 * The text of an uploaded certificate: one PEM block ("-----BEGIN
 * CERTIFICATE-----", optional whitespace after its end line) or the base64
 * of its DER (strict, no whitespace).  OUT der[0..*len), at most cap bytes.
 * PP_ERR_FIELD_INVALID: anything else (two certificates, trailing bytes,
 * not a certificate).
 */
enum pp_err sam_cred_cert_decode(const char *text, unsigned char *der, size_t cap,
    size_t *len) PP_WUR;
/*
 * The chain sent with it: 1..SAM_CRED_CHAIN_CERTS PEM certificates,
 * concatenated.  OUT der[0..*len): their DER, concatenated, at most cap
 * bytes; *count.  PP_ERR_FIELD_INVALID otherwise.
 */
enum pp_err sam_cred_chain_decode(const char *pem, unsigned char *der, size_t cap, size_t *len,
    size_t *count) PP_WUR;
/* The length of the first DER certificate of der[0..len) (concatenated
 * ones), 0 when it does not start with one. */
size_t sam_cred_der_next(const unsigned char *der, size_t len);

/* pp_daemon hooks: loads or creates the built-in CA; frees it. */
enum pp_err sam_cred_init(struct pp_daemon_ctx *ctx);
void sam_cred_fini(struct pp_daemon_ctx *ctx);

/* The ops (samd.c's permit table). */
enum pp_err sam_cred_op_ca(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_create(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_info(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_revoke(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_certificate(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_import(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);
enum pp_err sam_cred_op_sweep(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *req, json_object *ans);

/*
 * Closes every ACTIVE credential whose certificate's notAfter is at or
 * before now (seconds since the epoch), see above.  OUT *closed: how many.
 * Stops at the first failure (database, HSM, audit), which is returned;
 * what was closed before stays closed.
 */
enum pp_err sam_cred_sweep(struct pp_daemon_ctx *ctx, int64_t now, size_t *closed) PP_WUR;
/* pp_daemon tick: sweeps once sam.sweep_interval_s has passed. */
void sam_cred_tick(struct pp_daemon_ctx *ctx);

/*
 * Ephemeral credentials (KEY-4, sam/sam_authz.c).  sam_cred_make_builtin:
 * a key of key_type for signatory of sca, certified by the built-in CA for
 * validity_s seconds from now, as credential.create makes it (key.generate
 * and the binding recorded; undone on any failure).  OUT id.  A refusal
 * (no such signatory, a key type unknown or withdrawn) is PP_OK with *why
 * set (static) and nothing made.
 */
enum pp_err sam_cred_make_builtin(struct pp_daemon_ctx *ctx, const char *sca, const char *signatory,
    const char *key_type, int64_t validity_s, char id[SAM_CRED_ID_LEN + 1], const char **why) PP_WUR;
/*
 * Ends credential id at once: ACTIVE -> REVOKED with the destruction owed
 * in the same transaction, the key destroyed and key.destroy recorded with
 * cause (static), the debt paid.  A credential no longer ACTIVE is left as
 * it is (PP_OK).  A token or audit failure is returned; the destruction
 * stays owed and the next sweep retries it.
 */
enum pp_err sam_cred_retire(struct pp_daemon_ctx *ctx, const char *id, const char *cause) PP_WUR;

/*
 * Staff orders (sam/sam_staff.c).  The SAM cannot check a staff login (the
 * console does); it records who the console says acted: actor kind staff,
 * id and trust role, and for a dual-control order the proposer as
 * requester and the proposal id as correlation.  Borrowed strings.
 */
struct sam_cred_actor {
	const char *id, *role;
	const char *requester;		/* NULL: no proposer */
	const char *correlation;	/* NULL: no proposal */
};
struct sam_cred_ended {
	int found;			/* 0: no credential with that id */
	char was[10], state[10];	/* state before and after ("ACTIVE" -> "REVOKED") */
	char signatory[65];
	size_t objects;			/* token objects destroyed */
};
/*
 * Ends credential id on a staff member's order, by the revocation path:
 * ACTIVE -> REVOKED (PENDING -> DESTROYED), the destruction owed in the
 * same transaction, credential.change recorded with the new state, the
 * key objects destroyed, key.destroy recorded, the debt paid; actor who,
 * cause the staff member's reason.  A credential in another state is left
 * as it is (out->was says which).  OUT *out.  Token or audit failures are
 * returned (the destruction stays owed, the next sweep retries it).
 */
enum pp_err sam_cred_end(struct pp_daemon_ctx *ctx, const char *id, const struct sam_cred_actor *who,
    const char *cause, struct sam_cred_ended *out) PP_WUR;

/* A credential search for the staff console (every SCA's).  NULL members
 * are no filter; states: up to 3 state names ("ACTIVE", "REVOKED", ...). */
struct sam_cred_filter {
	const char *sca, *signatory, *key_type;
	const char *states[3];
	int64_t limit, offset;
};
/*
 * Appends to arr the credentials matching f (oldest first; no certificate
 * or chain: id, ca, sca, signatory, key_type, key_id, state, serial,
 * subject, validity, ephemeral).  OUT *total: how many match in all.
 */
enum pp_err sam_cred_search(struct pp_daemon_ctx *ctx, const struct sam_cred_filter *f, json_object *arr,
    int64_t *total) PP_WUR;
/* Withdraws a key type for new credentials at once (SEC-6, staff.algo.withdraw). */
void sam_cred_withdraw(struct pp_daemon_ctx *ctx, enum pp_p11_keytype t);

#endif
