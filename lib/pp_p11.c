#include "config.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_util.h"

#define PP_PIN_MAX 256

struct pp_p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	int initialized, logged_in;
};

/* Copies a blank-padded PKCS#11 field into a NUL-terminated string. */
static void
pp_p11_field(char *out, const CK_UTF8CHAR *in, size_t len)
{
	memcpy(out, in, len);
	out[len] = '\0';
	while (len && out[len - 1] == ' ')
		out[--len] = '\0';
}

static enum pp_err
pp_p11_find_slot(struct pp_p11 *p, const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_RV rv;

	rv = p->fn->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: C_GetSlotList: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char l[33];
		if (p->fn->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		pp_p11_field(l, ti.label, sizeof(ti.label));
		if (strcmp(l, label) == 0) {
			p->slot = slots[i];
			return PP_OK;
		}
	}
	pp_err_log("pkcs11: no token labelled '%s'", label);
	return PP_ERR_HSM;
}

enum pp_err
pp_p11_open(const char *module, const char *token_label, const char *pin_file,
    const char *softhsm2_conf, struct pp_p11 **out)
{
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS args;
	char pin[PP_PIN_MAX];
	size_t pinlen = 0;
	struct pp_p11 *p;
	enum pp_err rc = PP_ERR_HSM;
	CK_RV rv;

	p = pp_calloc(1, sizeof(*p));
	if (p == NULL)
		return PP_ERR_NOMEM;
	if (softhsm2_conf && *softhsm2_conf && setenv("SOFTHSM2_CONF", softhsm2_conf, 1) != 0) {
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	p->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL) {
		pp_err_log("pkcs11: cannot load %s: %s", module, dlerror());
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	*(void **)&getfl = dlsym(p->dl, "C_GetFunctionList");
	if (getfl == NULL || getfl(&p->fn) != CKR_OK || p->fn == NULL) {
		pp_err_log("pkcs11: %s has no usable C_GetFunctionList", module);
		rc = PP_ERR_CONFIG;
		goto fail;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->fn->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		pp_err_log("pkcs11: C_Initialize: 0x%lx", (unsigned long)rv);
		goto fail;
	}
	p->initialized = 1;
	if ((rc = pp_p11_find_slot(p, token_label)) != PP_OK)
		goto fail;
	rv = p->fn->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &p->session);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: C_OpenSession: 0x%lx", (unsigned long)rv);
		rc = PP_ERR_HSM;
		goto fail;
	}
	if ((rc = pp_secret_file_read(pin_file, pin, sizeof(pin), &pinlen)) != PP_OK)
		goto fail;
	rv = p->fn->C_Login(p->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)pinlen);
	pp_wipe(pin, sizeof(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		/* Never the PIN itself; only the outcome. */
		pp_err_log("pkcs11: login to token '%s' refused: 0x%lx", token_label, (unsigned long)rv);
		rc = PP_ERR_HSM;
		goto fail;
	}
	p->logged_in = 1;
	*out = p;
	return PP_OK;
fail:
	pp_wipe(pin, sizeof(pin));
	pp_p11_close(p);
	return rc;
}

void
pp_p11_close(struct pp_p11 *p)
{
	if (p == NULL)
		return;
	if (p->fn) {
		if (p->logged_in)
			p->fn->C_Logout(p->session);
		if (p->session)
			p->fn->C_CloseSession(p->session);
		if (p->initialized)
			p->fn->C_Finalize(NULL);
	}
	if (p->dl)
		dlclose(p->dl);
	pp_free(p);
}

enum pp_err
pp_p11_health(struct pp_p11 *p, struct pp_p11_info *info)
{
	CK_SESSION_INFO si;
	CK_TOKEN_INFO ti;
	CK_RV rv;

	memset(info, 0, sizeof(*info));
	rv = p->fn->C_GetTokenInfo(p->slot, &ti);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: token info: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	pp_p11_field(info->label, ti.label, sizeof(ti.label));
	pp_p11_field(info->manufacturer, ti.manufacturerID, sizeof(ti.manufacturerID));
	pp_p11_field(info->model, ti.model, sizeof(ti.model));
	pp_p11_field(info->serial, ti.serialNumber, sizeof(ti.serialNumber));
	info->slot = (unsigned long)p->slot;
	rv = p->fn->C_GetSessionInfo(p->session, &si);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: session info: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	if (si.state != CKS_RW_USER_FUNCTIONS && si.state != CKS_RO_USER_FUNCTIONS) {
		pp_err_log("pkcs11: session no longer logged in (state %lu)", (unsigned long)si.state);
		return PP_ERR_HSM;
	}
	return PP_OK;
}

CK_FUNCTION_LIST_PTR
pp_p11_fn(struct pp_p11 *p)
{
	return p->fn;
}

CK_SESSION_HANDLE
pp_p11_session(struct pp_p11 *p)
{
	return p->session;
}

/* DER of the OID of prime256v1 (1.2.840.10045.3.1.7), CKA_EC_PARAMS. */
static const CK_BYTE pp_p11_p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

static enum pp_err
pp_p11_find_one(struct pp_p11 *p, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *out)
{
	CK_KEY_TYPE kt = CKK_EC;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv;

	rv = p->fn->C_FindObjectsInit(p->session, tmpl, 3);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: C_FindObjectsInit: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	rv = p->fn->C_FindObjects(p->session, h, 2, &n);
	p->fn->C_FindObjectsFinal(p->session);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: C_FindObjects: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	if (n == 0)
		return PP_ERR_NOT_FOUND;
	if (n > 1) {
		/* Two keys under one label: which one signs would be arbitrary. */
		pp_err_log("pkcs11: more than one key labelled '%s'", label);
		return PP_ERR_HSM;
	}
	*out = h[0];
	return PP_OK;
}

enum pp_err
pp_p11_ec_find(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub)
{
	enum pp_err rc = pp_p11_find_one(p, CKO_PRIVATE_KEY, label, priv);

	if (rc != PP_OK)
		return rc;
	rc = pp_p11_find_one(p, CKO_PUBLIC_KEY, label, pub);
	if (rc == PP_ERR_NOT_FOUND) {
		pp_err_log("pkcs11: private key '%s' has no public key beside it", label);
		return PP_ERR_HSM;
	}
	return rc;
}

enum pp_err
pp_p11_ec_generate(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub)
{
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG llen = strlen(label);
	CK_ATTRIBUTE pubt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_EC_PARAMS, (void *)(uintptr_t)pp_p11_p256_oid, sizeof(pp_p11_p256_oid) },
		{ CKA_LABEL, (void *)(uintptr_t)label, llen },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)(uintptr_t)label, llen },
	};
	CK_RV rv;

	rv = p->fn->C_GenerateKeyPair(p->session, &mech, pubt, 4, privt, 6, pub, priv);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: C_GenerateKeyPair '%s': 0x%lx", label, (unsigned long)rv);
		return PP_ERR_HSM;
	}
	return PP_OK;
}

enum pp_err
pp_p11_ec_public(struct pp_p11 *p, CK_OBJECT_HANDLE pub, EVP_PKEY **out)
{
	CK_BYTE point[256], params[64];
	CK_ATTRIBUTE t[] = {
		{ CKA_EC_POINT, point, sizeof(point) },
		{ CKA_EC_PARAMS, params, sizeof(params) },
	};
	const unsigned char *q = point;
	size_t qlen;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM op[3];
	CK_RV rv;
	enum pp_err rc = PP_ERR_HSM;

	rv = p->fn->C_GetAttributeValue(p->session, pub, t, 2);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: public key attributes: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	if (t[1].ulValueLen != sizeof(pp_p11_p256_oid) ||
	    memcmp(params, pp_p11_p256_oid, sizeof(pp_p11_p256_oid)) != 0) {
		pp_err_log("pkcs11: key is not on P-256");
		return PP_ERR_HSM;
	}
	/* PKCS#11 2.40 wraps the point in a DER OCTET STRING; some modules
	 * give it bare.  Either way it must be the 65-byte uncompressed form. */
	qlen = t[0].ulValueLen;
	if (qlen == 67 && point[0] == 0x04 && point[1] == 65) {
		q = point + 2;
		qlen = 65;
	}
	if (qlen != 65 || q[0] != 0x04) {
		pp_err_log("pkcs11: unexpected EC point encoding (%zu bytes)", qlen);
		return PP_ERR_HSM;
	}
	op[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0);
	op[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)q, qlen);
	op[2] = OSSL_PARAM_construct_end();
	*out = NULL;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, op) <= 0) {
		pp_err_log("pkcs11: cannot import the public key");
		goto out;
	}
	rc = PP_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

enum pp_err
pp_p11_ecdsa_sign(struct pp_p11 *p, CK_OBJECT_HANDLE priv, const unsigned char *digest, size_t dlen,
    unsigned char *rs, size_t *rslen)
{
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	CK_ULONG len = *rslen;
	CK_RV rv;

	rv = p->fn->C_SignInit(p->session, &mech, priv);
	if (rv == CKR_OK)
		rv = p->fn->C_Sign(p->session, (CK_BYTE_PTR)(uintptr_t)digest, dlen, rs, &len);
	if (rv != CKR_OK) {
		pp_err_log("pkcs11: ECDSA signature: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	*rslen = len;
	return PP_OK;
}
