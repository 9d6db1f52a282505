/*
 * Fuzz target: a record as a component sends it to the audit daemon
 * (pp_audit_record_build, after the daemon's JSON limits).  Whatever is
 * accepted must come out as canonical JSON that pp_canon_check accepts,
 * with the daemon's own members, and never over the size limit.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include "pp_audit.h"
#include "pp_canon.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_ipc_peer peer = { 1234, 1000, 1000 };
	json_object *o = NULL;
	char *rec = NULL;
	size_t len = 0;
	const char *why = NULL;

	if (size > PP_IPC_MAX)
		return 0;
	if (pp_json_parse((const char *)data, size, PP_IPC_MAX_DEPTH, PP_IPC_MAX_MEMBERS, &o) != PP_OK)
		return 0;
	if (pp_audit_record_build(o, "fuzz.example/audit", 42, "2026-01-01T00:00:00.000000Z", &peer,
	    &rec, &len, &why) == PP_OK) {
		struct pp_canon_field f[2] = { { .key = "seq", .is_int = 1 }, { .key = "origin" } };
		if (len > PP_AUDIT_MAX_RECORD || pp_canon_check(rec, len, 8, f, 2) != PP_OK ||
		    !f[0].found || f[0].i != 42 || !f[1].found)
			abort();
		pp_free(rec);
	} else if (why == NULL)
		abort();	/* every refusal has a reason for the refusal record */
	json_object_put(o);
	return 0;
}
