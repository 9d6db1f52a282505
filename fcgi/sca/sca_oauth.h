/*
 * sca_oauth: the SCA listener's OAuth2 and asynchronous authorisation
 * endpoints (docs/AUTHZ.md, docs/API.md): PAR, the token endpoint,
 * credentials/authorize and credentials/authorizeCheck.  The SAM holds
 * the authorisation requests (sam/sam_authz.h) and re-checks everything;
 * here only the CSC/OAuth shapes are translated to its ops.
 */
#ifndef SCA_OAUTH_H
#define SCA_OAUTH_H

#include "pp_http.h"

/* The handlers and their fields, for sca.c's route table. */
enum {
	SCA_PAR_RESPONSE_TYPE, SCA_PAR_CLIENT_ID, SCA_PAR_REDIRECT_URI, SCA_PAR_SCOPE, SCA_PAR_CREDENTIAL_ID,
	SCA_PAR_NUM_SIGNATURES, SCA_PAR_HASHES, SCA_PAR_HASH_OID, SCA_PAR_CODE_CHALLENGE, SCA_PAR_CODE_METHOD,
	SCA_PAR_STATE, SCA_PAR_DESCRIPTION, SCA_PAR_LANG, SCA_PAR_RAR, SCA_PAR_CLIENT_DATA, SCA_PAR__MAX
};
enum { SCA_TOK_GRANT_TYPE, SCA_TOK_CLIENT_ID, SCA_TOK_CODE, SCA_TOK_VERIFIER, SCA_TOK_REDIRECT_URI, SCA_TOK__MAX };
enum {
	SCA_CA_CREDENTIAL_ID, SCA_CA_NUM_SIGNATURES, SCA_CA_HASHES, SCA_CA_HASH_OID, SCA_CA_DESCRIPTION,
	SCA_CA_DIGESTS, SCA_CA_CLIENT_DATA, SCA_CA__MAX
};
enum { SCA_CHK_AUTHORIZATION_ID, SCA_CHK__MAX };
extern const struct pp_field sca_par_fields[SCA_PAR__MAX];
extern const struct pp_field sca_token_fields[SCA_TOK__MAX];
extern const struct pp_field sca_ca_fields[SCA_CA__MAX];
extern const struct pp_field sca_check_fields[SCA_CHK__MAX];
/* Ephemeral sessions (KEY-4, docs/AUTHZ.md). */
enum { SCA_EPH_SIGNATORY, SCA_EPH_KEY_TYPE, SCA_EPH_DESCRIPTION, SCA_EPH__MAX };
enum { SCA_EPHD_HASH_OID, SCA_EPHD_HASHES, SCA_EPHD_DIGESTS, SCA_EPHD__MAX };
extern const struct pp_field sca_eph_create_fields[SCA_EPH__MAX];
extern const struct pp_field sca_eph_docs_fields[SCA_EPHD__MAX];
/* POST /ephemeral/v1/sessions: 201 {sessionID, url, expiresIn}. */
enum pp_err sca_ephemeral_create(struct pp_req *req);
/* GET /ephemeral/v1/sessions/{id}: status, credentialID, the SAD once. */
enum pp_err sca_ephemeral_get(struct pp_req *req);
/* POST /ephemeral/v1/sessions/{id}/documents: the hashes to approve. */
enum pp_err sca_ephemeral_documents(struct pp_req *req);
/* POST /ephemeral/v1/sessions/{id}/close: the session and its key end. */
enum pp_err sca_ephemeral_close(struct pp_req *req);
/* POST /csc/v2/oauth2/pushed_authorize (form or JSON): 201 request_uri. */
enum pp_err sca_oauth_par(struct pp_req *req);
/* POST /csc/v2/oauth2/token (form or JSON): the SAD as access_token. */
enum pp_err sca_oauth_token(struct pp_req *req);
/* POST /csc/v2/credentials/authorize: 202 with the signatory's link. */
enum pp_err sca_oauth_authorize(struct pp_req *req);
/* POST /csc/v2/credentials/authorizeCheck: 202 pending, 200 SAD once. */
enum pp_err sca_oauth_authorize_check(struct pp_req *req);

/*
 * The documents of a request as the SAM's authz.create takes them: from
 * "hashes" (comma-separated base64 or base64url digests) or from RAR's
 * documentDigests ([{"hash","label"}]).  Each hash becomes standard
 * base64 (the SAM decodes and checks it strictly).  OUT *docs: a new
 * array owned by the caller.  A refusal: PP_OK with *why set (static).
 */
enum pp_err sca_oauth_hashes(const char *list, size_t len, json_object **docs, const char **why) PP_WUR;
enum pp_err sca_oauth_digests(json_object *digests, json_object **docs, const char **why) PP_WUR;
/* The same from a request's fields (for the handlers, and the fuzz target
 * tests/fuzz/fuzz_oauth.c): a refusal is answered on req (pp_fail) and
 * returned.  credentials/authorize's "hashes": an array of base64 digests
 * or the comma-separated list; OUT *docs (new) on PP_OK. */
enum pp_err sca_oauth_hash_array(struct pp_req *req, json_object *h, json_object **docs) PP_WUR;
/* PAR's authorization_details (len bytes of JSON text): one RAR object of
 * type "credential".  OUT *root (owned by the caller), *cred and *halg
 * (borrowed from *root), *docs (new), all on PP_OK. */
enum pp_err sca_oauth_rar(struct pp_req *req, const char *text, size_t len, json_object **root, const char **cred,
    const char **halg, json_object **docs) PP_WUR;

#endif
