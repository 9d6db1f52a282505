/*
 * Fuzz target: an activation request to the SAM as it arrives in a frame
 * (untrusted JSON from a web plugin): decoded like every frame
 * (pp_ipc_decode), then every check the ops otp.send, sad.issue, sign and
 * algorithms make before they touch the store or the token
 * (sam_sad_req_check: member tables, value formats, the SAD string, the
 * signature algorithm members, the hashes and the MAC input over them).
 * Needs no token and no database.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include "pp_ipc.h"
#include "sam_sad.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *o = NULL;
	const char *why = NULL;
	enum pp_err rc;

	if (size > PP_IPC_MAX || pp_ipc_decode(data, size, &o) != PP_OK)
		return 0;
	rc = sam_sad_req_check(o, &why);
	/* A refusal is an answer with a text; a malformed request has none. */
	if ((rc != PP_OK && rc != PP_ERR_BAD_REQUEST && rc != PP_ERR_NOMEM) || (rc != PP_OK && why != NULL))
		abort();
	json_object_put(o);
	return 0;
}
