/*
 * Fuzz target: canonical JSON (pp_canon_check, as the offline verifier runs
 * it on archived records).  Beyond "no crash": whatever the check accepts
 * must be exactly canonical, so pp_json_parse reads it and
 * pp_canon_serialize writes the same bytes back; and the captured
 * top-level members must be the ones json-c sees.  Any difference aborts.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pp_canon.h"
#include "pp_json.h"
#include "pp_mem.h"

#define FUZZ_DEPTH 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_canon_field f[2] = { { .key = "seq", .is_int = 1 }, { .key = "prev", .is_int = 0 } };
	json_object *o = NULL, *v;
	char *out = NULL;
	size_t len = 0;

	if (pp_canon_check((const char *)data, size, FUZZ_DEPTH, f, 2) != PP_OK)
		return 0;
	if (pp_json_parse((const char *)data, size, FUZZ_DEPTH, SIZE_MAX, &o) != PP_OK)
		abort();	/* canonical but unreadable */
	if (pp_canon_serialize(o, FUZZ_DEPTH, &out, &len) != PP_OK)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();	/* accepted bytes that are not the canonical form */
	if (f[0].found != (json_object_object_get_ex(o, "seq", &v) &&
	    json_object_is_type(v, json_type_int)))
		abort();
	if (f[0].found && f[0].i != json_object_get_int64(v))
		abort();
	if (f[1].found != (json_object_object_get_ex(o, "prev", &v) &&
	    json_object_is_type(v, json_type_string)))
		abort();
	pp_free(out);
	json_object_put(o);
	return 0;
}
