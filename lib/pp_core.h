/* Umbrella header of the Paraphe core library. */
#ifndef PP_CORE_H
#define PP_CORE_H
#include "pp_err.h"
#include "pp_mem.h"
#include "pp_log.h"
#include "pp_util.h"
#include "pp_conf.h"
#include "pp_json.h"
#include "pp_store.h"
#include "pp_proc.h"
#include "pp_ipc.h"
#endif
