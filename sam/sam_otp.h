/* placeholder */
#ifndef SAM_OTP_H
#define SAM_OTP_H
#endif
