/* placeholder: implemented with the audit issue */
#include "config.h"
typedef int pp_archive_placeholder;
