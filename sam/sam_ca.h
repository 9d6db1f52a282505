/* placeholder */
#ifndef SAM_CA_H
#define SAM_CA_H
#endif
