/*
 * Fuzz target: the RSASSA-PSS-params of a CSC signHash request
 * (signAlgoParams, fcgi/sca/sca_pss.c).  The first byte chooses how the
 * rest is given: 0, as the base64 text the SCA sends (so the base64 layer
 * is fuzzed too); otherwise as DER bytes encoded here, so that the ASN.1
 * decoder sees every mutation.  What is accepted must be what the SAM is
 * then sent: NUL-terminated OIDs and a salt length in range.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pp_util.h"
#include "sca_pss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char b64[4 * (SCA_PSS_B64_MAX / 3 + 2) + 1];
	struct sca_pss p;
	const char *why = NULL, *text;
	size_t len;

	if (size < 1 || size > 1 + 2 * SCA_PSS_B64_MAX)
		return 0;
	if (data[0] == 0) {
		text = (const char *)data + 1;
		len = size - 1;
	} else {
		if (size - 1 > SCA_PSS_B64_MAX)
			return 0;
		pp_b64_encode(data + 1, size - 1, b64);
		text = b64;
		len = strlen(b64);
	}
	memset(&p, 0x5a, sizeof(p));
	if (sca_pss_decode(text, len, &p, &why) == PP_OK) {
		if (memchr(p.hash, '\0', sizeof(p.hash)) == NULL || memchr(p.mgf1, '\0', sizeof(p.mgf1)) == NULL ||
		    p.salt_len < 0 || p.salt_len > 1024)
			abort();
	} else if (why == NULL) {
		abort();	/* every refusal says why */
	}
	return 0;
}
