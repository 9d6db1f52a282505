/*
 * signer_sam: the signer plugin's calls to the SAM's authorisation ops
 * (docs/AUTHZ.md, "SAM ops").  The plugin carries no client identity: the
 * SCA is the one the SAM recorded in the request; every call carries the
 * signatory's address ("ip") for the audit record.
 */
#ifndef SIGNER_SAM_H
#define SIGNER_SAM_H

#include <json-c/json.h>
#include "pp_err.h"

struct pp_req;

#define SIGNER_SAM_TIMEOUT_MS 5000
/* authz.approve issues the SAD (ledger, audit): more time. */
#define SIGNER_SAM_APPROVE_TIMEOUT_MS 15000

/*
 * Sends op with the members of args (taken: freed on every path; NULL for
 * none) plus "v", "op" and "ip" (req->remote_addr).
 * PP_OK and *refusal NULL: *answer is the SAM's answer (owned by the
 * request's pool).  PP_OK and *refusal set: the SAM refused with that code
 * ("invalid_request", "invalid_client", "invalid_otp", ...), *desc its
 * description ("" when none), both pool or answer memory valid for the
 * request.  No answer: PP_ERR_UNAVAILABLE; a malformed one: PP_ERR_PROTO.
 */
enum pp_err signer_sam_call(struct pp_req *req, const char *op, json_object *args, int timeout_ms,
    json_object **answer, const char **refusal, const char **desc) PP_WUR;

#endif
