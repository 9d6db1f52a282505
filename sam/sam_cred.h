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

/* Key type name ("rsa3072", "rsa4096", "ec-p256", "ec-p384", "ec-p521")
 * to type.  PP_ERR_FIELD_INVALID for anything else. */
enum pp_err sam_cred_key_type(const char *name, enum pp_p11_keytype *t) PP_WUR;
const char *sam_cred_key_type_name(enum pp_p11_keytype t);
/* Parses sam.key_types (names separated by blanks).  OUT *mask: bit t set
 * for each type allowed.  PP_ERR_CONFIG on an unknown name or none. */
enum pp_err sam_cred_key_types_parse(const char *list, unsigned *mask) PP_WUR;
/* A credential id as issued: SAM_CRED_ID_LEN lower-case hex digits. */
int sam_cred_id_ok(const char *s);

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

#endif
