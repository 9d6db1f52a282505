/*
 * sca_pss: the RSASSA-PSS-params of a CSC signHash request (signAlgoParams,
 * base64 DER, RFC 4055 section 3.1) as the SAM's sign members.  The bytes
 * are the SCA's, untrusted: this is the only code that parses them.
 */
#ifndef SCA_PSS_H
#define SCA_PSS_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

/* Longest base64 signAlgoParams accepted (the DER of the parameters with
 * SHA-512 is 65 bytes; room for explicit NULL parameters and a trailer). */
#define SCA_PSS_B64_MAX 256
#define SCA_PSS_OID_MAX 64

struct sca_pss {
	char hash[SCA_PSS_OID_MAX];	/* hashAlgorithm OID (default SHA-1) */
	char mgf1[SCA_PSS_OID_MAX];	/* MGF1's hash OID (default SHA-1) */
	int64_t salt_len;		/* saltLength (default 20) */
};

/*
 * Decodes b64[0..len) into *out.  PP_ERR_FIELD_INVALID with a fixed
 * description in *why (static text) when it is not base64 of one DER
 * RSASSA-PSS-params with MGF1, a salt length in 0..1024 and trailer 1.
 */
enum pp_err sca_pss_decode(const char *b64, size_t len, struct sca_pss *out, const char **why) PP_WUR;

#endif
