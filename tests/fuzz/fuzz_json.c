/* Fuzz target: JSON request bodies (pp_json_parse with the default limits). */
#include "config.h"
#include <stdint.h>
#include "pp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *o = NULL;

	if (pp_json_parse((const char *)data, size, 8, 64, &o) == PP_OK)
		json_object_put(o);
	return 0;
}
