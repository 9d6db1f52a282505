/* placeholder */
#ifndef SAM_LEDGER_H
#define SAM_LEDGER_H
#endif
