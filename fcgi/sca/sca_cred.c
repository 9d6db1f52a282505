/*
 * sca_cred: CSC v2 credential descriptions from the SAM's credential
 * records.  The SAM is the authority on state and certificate; this file
 * only translates (key type -> OIDs and length, state -> CSC statuses, the
 * certificate's own fields -> issuerDN, subjectDN, serialNumber, validity).
 */
#include "config.h"
#include <string.h>
#include <time.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include "pp_core.h"
#include "sca_cred.h"

#define SCA_OID_RSA		"1.2.840.113549.1.1.1"	/* rsaEncryption */
#define SCA_OID_EC		"1.2.840.10045.2.1"	/* id-ecPublicKey */

static const char *const sca_cred_rsa_algos[] = {
	SCA_OID_RSA,
	"1.2.840.113549.1.1.11",	/* sha256WithRSAEncryption */
	"1.2.840.113549.1.1.12",	/* sha384WithRSAEncryption */
	"1.2.840.113549.1.1.13",	/* sha512WithRSAEncryption */
	"1.2.840.113549.1.1.10",	/* id-RSASSA-PSS */
	NULL
};
static const char *const sca_cred_ec_algos[] = {
	SCA_OID_EC,
	"1.2.840.10045.4.3.2",		/* ecdsa-with-SHA256 */
	"1.2.840.10045.4.3.3",		/* ecdsa-with-SHA384 */
	"1.2.840.10045.4.3.4",		/* ecdsa-with-SHA512 */
	NULL
};

/* The SAM's key types (docs/ARCHITECTURE.md); rsa2048 only ever for an
 * imported legacy certificate. */
static const struct {
	const char *type;
	const char *const *algos;	/* the key algorithm first, then signature algorithms */
	int64_t bits;
	const char *curve;		/* named curve OID, EC only */
	const char *text;
} sca_cred_types[] = {
	{ "rsa2048", sca_cred_rsa_algos, 2048, NULL, "RSA 2048" },
	{ "rsa3072", sca_cred_rsa_algos, 3072, NULL, "RSA 3072" },
	{ "rsa4096", sca_cred_rsa_algos, 4096, NULL, "RSA 4096" },
	{ "ec-p256", sca_cred_ec_algos, 256, "1.2.840.10045.3.1.7", "ECDSA P-256" },
	{ "ec-p384", sca_cred_ec_algos, 384, "1.3.132.0.34", "ECDSA P-384" },
	{ "ec-p521", sca_cred_ec_algos, 521, "1.3.132.0.35", "ECDSA P-521" },
};

static int64_t
sca_cred_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : 0;
}

int
sca_cred_visible(json_object *cred)
{
	const char *state = pp_json_get_str(cred, "state");

	return state && strcmp(state, "DESTROYED") != 0;
}

int
sca_cred_usable(json_object *cred, int64_t now)
{
	const char *state = pp_json_get_str(cred, "state");

	return state && strcmp(state, "ACTIVE") == 0 && sca_cred_int(cred, "not_before") <= now &&
	    now <= sca_cred_int(cred, "not_after");
}

/* 1 when the array member key of algos holds the string s. */
static int
sca_cred_listed(json_object *algos, const char *key, const char *s)
{
	json_object *a;

	if (algos == NULL || !json_object_object_get_ex(algos, key, &a) || !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (json_object_is_type(e, json_type_string) && strcmp(json_object_get_string(e), s) == 0)
			return 1;
	}
	return 0;
}

int
sca_cred_key_allowed(json_object *cred, json_object *algos)
{
	const char *type = pp_json_get_str(cred, "key_type");

	return type != NULL && sca_cred_listed(algos, "key_types", type);
}

/* key.algo: v[0] (the key's algorithm), then those of v[1..] that the
 * SAM's sign_algos lists, when the key type itself is allowed. */
static enum pp_err
sca_cred_add_algos(json_object *o, const char *const *v, int allowed, json_object *algos)
{
	json_object *a = json_object_new_array();

	if (a == NULL || json_object_object_add(o, "algo", a) != 0) {
		json_object_put(a);
		return PP_ERR_NOMEM;
	}
	if (json_object_array_add(a, json_object_new_string(*v)) != 0)
		return PP_ERR_NOMEM;
	for (v++; allowed && *v; v++)
		if (sca_cred_listed(algos, "sign_algos", *v) && json_object_array_add(a, json_object_new_string(*v)) != 0)
			return PP_ERR_NOMEM;
	return PP_OK;
}

/* A name as an RFC 4514 string, UTF-8 unescaped. */
static enum pp_err
sca_cred_add_dn(json_object *o, const char *key, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	enum pp_err rc = PP_ERR_NOMEM;

	if (b == NULL)
		return PP_ERR_NOMEM;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) >= 0) {
		json_object *s = json_object_new_string_len(p, (int)n);
		rc = s && json_object_object_add(o, key, s) == 0 ? PP_OK : PP_ERR_NOMEM;
	}
	BIO_free(b);
	return rc;
}

/* GeneralizedTime "YYYYMMDDHHMMSSZ", the CSC date format. */
static enum pp_err
sca_cred_add_time(json_object *o, const char *key, const ASN1_TIME *t)
{
	struct tm tm;
	char buf[32];

	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, sizeof(buf), "%Y%m%d%H%M%SZ", &tm) == 0)
		return PP_ERR_PROTO;
	return pp_json_add_str(o, key, buf);
}

static enum pp_err
sca_cred_cert_info(json_object *cert, const char *b64)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t len = 0, cap = strlen(b64) / 4 * 3 + 3;
	X509 *x = NULL;
	BIGNUM *bn = NULL;
	char *hex = NULL;
	enum pp_err rc = PP_ERR_PROTO;

	if (cap > 16384 || (der = pp_malloc(cap)) == NULL)
		return cap > 16384 ? PP_ERR_PROTO : PP_ERR_NOMEM;
	if (pp_b64_decode(b64, strlen(b64), der, cap, &len) != PP_OK)
		goto out;
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
		goto out;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL ||
	    (hex = BN_bn2hex(bn)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	if ((rc = sca_cred_add_dn(cert, "issuerDN", X509_get_issuer_name(x))) != PP_OK ||
	    (rc = pp_json_add_str(cert, "serialNumber", hex)) != PP_OK ||
	    (rc = sca_cred_add_dn(cert, "subjectDN", X509_get_subject_name(x))) != PP_OK ||
	    (rc = sca_cred_add_time(cert, "validFrom", X509_get0_notBefore(x))) != PP_OK ||
	    (rc = sca_cred_add_time(cert, "validTo", X509_get0_notAfter(x))) != PP_OK)
		goto out;
	rc = PP_OK;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	pp_free(der);
	return rc;
}

static enum pp_err
sca_cred_cert(json_object *info, json_object *cred, const struct sca_cred_opts *o, int64_t now)
{
	const char *state = pp_json_get_str(cred, "state");
	const char *b64 = pp_json_get_str(cred, "certificate");
	json_object *chain, *cert, *certs;
	const char *status;
	enum pp_err rc;

	/* A credential waiting for its certificate (external CA) has none. */
	if (b64 == NULL || !json_object_object_get_ex(cred, "chain", &chain) ||
	    !json_object_is_type(chain, json_type_array))
		return PP_OK;
	if (strcmp(state, "REVOKED") == 0)
		status = "revoked";
	else if (strcmp(state, "EXPIRED") == 0 || now > sca_cred_int(cred, "not_after"))
		status = "expired";
	else
		status = "valid";
	if ((cert = json_object_new_object()) == NULL || json_object_object_add(info, "cert", cert) != 0) {
		json_object_put(cert);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(cert, "status", status) != PP_OK)
		return PP_ERR_NOMEM;
	if (o->certs != SCA_CERTS_NONE) {
		if ((certs = json_object_new_array()) == NULL ||
		    json_object_object_add(cert, "certificates", certs) != 0) {
			json_object_put(certs);
			return PP_ERR_NOMEM;
		}
		/* The SAM's chain is the signer first, then its CA. */
		size_t n = o->certs == SCA_CERTS_SINGLE ? 1 : json_object_array_length(chain);
		for (size_t i = 0; i < n && i < json_object_array_length(chain); i++) {
			json_object *c = json_object_array_get_idx(chain, i);
			if (!json_object_is_type(c, json_type_string))
				return PP_ERR_PROTO;
			if (json_object_array_add(certs, json_object_get(c)) != 0) {
				json_object_put(c);
				return PP_ERR_NOMEM;
			}
		}
	}
	if (o->cert_info && (rc = sca_cred_cert_info(cert, b64)) != PP_OK)
		return rc;
	return PP_OK;
}

static enum pp_err
sca_cred_auth(json_object *info, const struct sca_cred_opts *o)
{
	json_object *auth = json_object_new_object(), *objs, *otp;

	if (auth == NULL || json_object_object_add(info, "auth", auth) != 0) {
		json_object_put(auth);
		return PP_ERR_NOMEM;
	}
	/* The signatory authorises each signature on the service's own pages
	 * (SMS one-time code), never through the SCA: no PIN, no OTP travels
	 * in the CSC calls. */
	if (pp_json_add_str(auth, "mode", "explicit") != PP_OK)
		return PP_ERR_NOMEM;
	if (!o->auth_info)
		return PP_OK;
	if (pp_json_add_str(auth, "expression", "OTP") != PP_OK ||
	    (objs = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(auth, "objects", objs);
	if ((otp = json_object_new_object()) == NULL || json_object_array_add(objs, otp) != 0) {
		json_object_put(otp);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(otp, "type", "Password") != PP_OK || pp_json_add_str(otp, "id", "OTP") != PP_OK ||
	    pp_json_add_str(otp, "format", "N") != PP_OK ||
	    pp_json_add_str(otp, "label", "SMS code") != PP_OK ||
	    pp_json_add_str(otp, "description",
	    "A 6-digit one-time code sent by SMS to the signatory, typed on the service's pages") != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

enum pp_err
sca_cred_info(json_object *cred, const struct sca_cred_opts *o, int64_t now, json_object **out)
{
	const char *type = pp_json_get_str(cred, "key_type"), *state = pp_json_get_str(cred, "state");
	json_object *info = NULL, *key;
	size_t t;
	int allowed;
	enum pp_err rc = PP_ERR_NOMEM;

	if (type == NULL || state == NULL)
		return PP_ERR_PROTO;
	for (t = 0; t < sizeof(sca_cred_types) / sizeof(sca_cred_types[0]); t++)
		if (strcmp(type, sca_cred_types[t].type) == 0)
			break;
	if (t == sizeof(sca_cred_types) / sizeof(sca_cred_types[0]))
		return PP_ERR_PROTO;
	if ((info = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	char desc[64];
	snprintf(desc, sizeof(desc), "%s long-term credential", sca_cred_types[t].text);
	if (pp_json_add_str(info, "description", desc) != PP_OK ||
	    pp_json_add_str(info, "signatureQualifier", "eu_eidas_qes") != PP_OK ||
	    (key = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(info, "key", key);
	/* A key type withdrawn by the service (sam.key_types) cannot sign any
	 * more: the key is disabled whatever its certificate says. */
	allowed = sca_cred_key_allowed(cred, o->algos);
	if (pp_json_add_str(key, "status", allowed && sca_cred_usable(cred, now) ? "enabled" : "disabled") != PP_OK ||
	    sca_cred_add_algos(key, sca_cred_types[t].algos, allowed, o->algos) != PP_OK ||
	    pp_json_add_int(key, "len", sca_cred_types[t].bits) != PP_OK ||
	    (sca_cred_types[t].curve && pp_json_add_str(key, "curve", sca_cred_types[t].curve) != PP_OK))
		goto fail;
	if ((rc = sca_cred_cert(info, cred, o, now)) != PP_OK || (rc = sca_cred_auth(info, o)) != PP_OK)
		goto fail;
	rc = PP_ERR_NOMEM;
	/* v1.0.4 clients read authMode; v2 clients auth.mode. */
	if (pp_json_add_str(info, "authMode", "explicit") != PP_OK ||
	    pp_json_add_str(info, "SCAL", "2") != PP_OK ||
	    pp_json_add_int(info, "multisign", o->multisign) != PP_OK)
		goto fail;
	*out = info;
	return PP_OK;
fail:
	json_object_put(info);
	return rc;
}
