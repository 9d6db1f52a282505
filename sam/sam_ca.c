/* placeholder: implemented with the signing core */
#include "config.h"
typedef int sam_ca_placeholder;
