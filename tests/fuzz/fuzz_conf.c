/* Fuzz target: the configuration file parser. */
#include "config.h"
#include <stdint.h>
#include "pp_conf.h"
#include "pp_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_conf *conf = NULL;
	char err[256];

	pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
	if (pp_conf_parse((const char *)data, size, &conf, err, sizeof(err)) == PP_OK)
		pp_conf_free(conf);
	return 0;
}
