/*
 * sca_pss: RSASSA-PSS-params (RFC 4055) decoded with OpenSSL's ASN.1
 * templates; every default is made explicit for the SAM.
 */
#include "config.h"
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "pp_util.h"
#include "sca_pss.h"

#define SCA_PSS_SHA1 "1.3.14.3.2.26"

/* The numeric OID of alg into buf; SHA-1 when alg is absent (the DEFAULT). */
static int
sca_pss_oid(const X509_ALGOR *alg, char *buf, size_t cap)
{
	const ASN1_OBJECT *obj;
	int n;

	if (alg == NULL) {
		memcpy(buf, SCA_PSS_SHA1, sizeof(SCA_PSS_SHA1));
		return 0;
	}
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	n = OBJ_obj2txt(buf, (int)cap, obj, 1);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

enum pp_err
sca_pss_decode(const char *b64, size_t len, struct sca_pss *out, const char **why)
{
	unsigned char der[SCA_PSS_B64_MAX];
	const unsigned char *p = der, *q;
	size_t dlen;
	RSA_PSS_PARAMS *pss = NULL;
	X509_ALGOR *mgf_hash = NULL;
	const ASN1_OBJECT *mgf_obj;
	const void *mgf_val;
	int mgf_type;
	enum pp_err rc = PP_ERR_FIELD_INVALID;

	*why = "signAlgoParams must be base64 DER RSASSA-PSS-params.";
	if (len > SCA_PSS_B64_MAX || pp_b64_decode(b64, len, der, sizeof(der), &dlen) != PP_OK)
		return rc;
	/* One DER value and nothing after it. */
	if ((pss = d2i_RSA_PSS_PARAMS(NULL, &p, (long)dlen)) == NULL || (size_t)(p - der) != dlen)
		goto done;
	if (sca_pss_oid(pss->hashAlgorithm, out->hash, sizeof(out->hash)) != 0)
		goto done;
	if (pss->maskGenAlgorithm == NULL)
		memcpy(out->mgf1, SCA_PSS_SHA1, sizeof(SCA_PSS_SHA1));
	else {
		/* MGF1 whose parameter is the AlgorithmIdentifier of its hash. */
		X509_ALGOR_get0(&mgf_obj, &mgf_type, &mgf_val, pss->maskGenAlgorithm);
		if (OBJ_obj2nid(mgf_obj) != NID_mgf1 || mgf_type != V_ASN1_SEQUENCE) {
			*why = "signAlgoParams: the mask generation function must be MGF1.";
			goto done;
		}
		q = ASN1_STRING_get0_data(mgf_val);
		if ((mgf_hash = d2i_X509_ALGOR(NULL, &q, ASN1_STRING_length(mgf_val))) == NULL ||
		    q != ASN1_STRING_get0_data(mgf_val) + ASN1_STRING_length(mgf_val) ||
		    sca_pss_oid(mgf_hash, out->mgf1, sizeof(out->mgf1)) != 0)
			goto done;
	}
	out->salt_len = 20;
	if (pss->saltLength != NULL &&
	    (ASN1_INTEGER_get_int64(&out->salt_len, pss->saltLength) != 1 ||
	     out->salt_len < 0 || out->salt_len > 1024)) {
		*why = "signAlgoParams: the salt length is out of range.";
		goto done;
	}
	if (pss->trailerField != NULL) {
		int64_t t;
		if (ASN1_INTEGER_get_int64(&t, pss->trailerField) != 1 || t != 1) {
			*why = "signAlgoParams: the trailer field must be 1.";
			goto done;
		}
	}
	rc = PP_OK;
done:
	X509_ALGOR_free(mgf_hash);
	RSA_PSS_PARAMS_free(pss);
	return rc;
}
