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

/*
 * This worker's copies of authz.get answers (the "authz" object), so that a
 * page shown again does not ask the SAM each time.  A copy is used only if
 * it was asked for after fresh_after (the browser session's changed_ms: any
 * worker that asks the SAM to change a request, through signer_sam_call,
 * records the time in the sessions bound to it and forgets its own copy)
 * and less than SIGNER_AUTHZ_COPY_MS ago (what changes without the
 * signatory: an SCA's cancel or documents, expiry).  The SAM re-checks
 * every action, so a copy only ever decides what a page shows.
 * signer_authz_copy: OUT *a a reference owned by the request, or NULL.
 * signer_authz_keep: keeps a (a reference is taken) as asked at asked_ms.
 */
#define SIGNER_AUTHZ_COPY_MS 1000
enum pp_err signer_authz_copy(struct pp_req *req, const char *id, int64_t fresh_after, json_object **a) PP_WUR;
void signer_authz_keep(const char *id, json_object *a, int64_t asked_ms);

#endif
