/* placeholder: implemented with the audit issue */
#include "config.h"
typedef int pp_syslog_placeholder;
