/*
 * sca_sam: the SCA plugin's calls to the SAM (docs/ARCHITECTURE.md, SAM
 * ops).  One op per call, on behalf of the SCA whose client certificate the
 * plugin re-checked; the SAM re-checks everything, owner included.
 */
#ifndef SCA_SAM_H
#define SCA_SAM_H

#include <json-c/json.h>
#include "pp_err.h"

struct pp_req;

/* Answer time allowed to an op; key generation (RSA-4096 in a software
 * token takes seconds) gets more, still below nginx's fastcgi_read_timeout. */
#define SCA_SAM_TIMEOUT_MS 5000
#define SCA_SAM_KEYGEN_TIMEOUT_MS 25000
/* A batch of RSA signatures in a software token takes seconds too. */
#define SCA_SAM_SIGN_TIMEOUT_MS 25000

/*
 * Sends op with the members of args (taken: freed on every path; NULL for
 * none) plus "v", "op", "sca" (req->client.subject), "client_sha256" (the
 * certificate's fingerprint) and "client_role" ("ra" on the /ra/ routes,
 * "sca" on the others) to the SAM, which checks them against its client
 * registry (sam/sam_client.h).
 * PP_OK: *answer is the SAM's answer, owned by the request (freed with its
 * pool).  A refusal {"error","error_description"} becomes the matching
 * error (invalid_request 400, invalid_token 400, expired_token 400,
 * access_denied 403, not_found 404, conflict 409) with the SAM's description as detail; no answer is
 * PP_ERR_UNAVAILABLE (503); an answer that is not one of these PP_ERR_PROTO.
 */
enum pp_err sca_sam_call(struct pp_req *req, const char *op, json_object *args, int timeout_ms,
    json_object **answer) PP_WUR;

/* The same, but a refusal is an answer too: PP_OK with *answer holding
 * "error" and "error_description" (the OAuth endpoints answer the SAM's
 * RFC 6749 codes themselves). */
enum pp_err sca_sam_call_raw(struct pp_req *req, const char *op, json_object *args, int timeout_ms,
    json_object **answer) PP_WUR;

/* The error of a SAM refusal code, or PP_ERR_PROTO for a code not in the
 * SAM's closed list. */
enum pp_err sca_sam_refusal(const char *code);

#endif
