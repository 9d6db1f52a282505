/* Fuzz target: a frame body of the daemon protocol (pp_ipc_decode). */
#include "config.h"
#include <stdint.h>
#include "pp_ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *o = NULL;

	if (size > PP_IPC_MAX)
		return 0;
	if (pp_ipc_decode(data, size, &o) == PP_OK)
		json_object_put(o);
	return 0;
}
