#include "config.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
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
