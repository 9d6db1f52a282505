#include "config.h"
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_util.h"

#define PP_PIN_MAX 256

/* One pooled session.  busy: taken by exactly one caller, who alone may use
 * or replace h; h is CK_INVALID_HANDLE after the session was found dead
 * and before a new one is opened.  Both are read and written under mu. */
struct pp_p11_sess {
	CK_SESSION_HANDLE h;
	int busy;
};

struct pp_p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* signalled when a session is given back or lost */
	int sync;                /* mu and cv initialised */
	struct pp_p11_sess *pool;
	size_t npool;
	atomic_int lost;         /* 0 -> 1 once, never back */
	int initialized, logged_in;
	struct pp_p11_kent *kc;  /* private-key handle cache (under mu) */
	unsigned long opened;    /* successful C_OpenSession calls (under mu) */
};

/*
 * Handles of the private keys found by CKA_ID.  Finding a key means a
 * C_FindObjects over the whole token, whose cost grows with the number of
 * credentials (SoftHSMv2's file store re-reads every object); a token
 * object keeps its handle in every session as long as one session stays
 * open (PKCS#11 2.40, 2.4), which the pool guarantees until a session dies.
 * So: direct-mapped by CKA_ID, emptied whenever a session is reopened,
 * entry dropped when its key is destroyed here, and a cached handle is
 * used only after the token confirmed its CKA_ID (read together with the
 * key type the signature needs anyway); on any doubt the key is looked up
 * again.
 */
#define PP_P11_KCACHE 1024
struct pp_p11_kent {
	unsigned char id[PP_P11_ID_MAX];
	size_t idlen;			/* 0: empty */
	CK_OBJECT_HANDLE h;
};

static size_t
pp_p11_kc_slot(const unsigned char *id, size_t idlen)
{
	uint32_t x = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < idlen; i++)
		x = (x ^ id[i]) * 16777619u;
	return x % PP_P11_KCACHE;
}

static CK_OBJECT_HANDLE
pp_p11_kc_get(struct pp_p11 *p, const unsigned char *id, size_t idlen)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	struct pp_p11_kent *e;

	if (p->kc == NULL)
		return h;
	pthread_mutex_lock(&p->mu);
	e = &p->kc[pp_p11_kc_slot(id, idlen)];
	if (e->idlen == idlen && memcmp(e->id, id, idlen) == 0)
		h = e->h;
	pthread_mutex_unlock(&p->mu);
	return h;
}

/* h == CK_INVALID_HANDLE: forgets id. */
static void
pp_p11_kc_set(struct pp_p11 *p, const unsigned char *id, size_t idlen, CK_OBJECT_HANDLE h)
{
	struct pp_p11_kent *e;

	if (p->kc == NULL || idlen > PP_P11_ID_MAX)
		return;
	pthread_mutex_lock(&p->mu);
	e = &p->kc[pp_p11_kc_slot(id, idlen)];
	if (h != CK_INVALID_HANDLE) {
		memcpy(e->id, id, idlen);
		e->idlen = idlen;
		e->h = h;
	} else if (e->idlen == idlen && memcmp(e->id, id, idlen) == 0) {
		e->idlen = 0;
	}
	pthread_mutex_unlock(&p->mu);
}

/*
 * An operation on one session.  It returns the PKCS#11 result that decides
 * recovery; errors that are not the token's (not found, bad request) go to
 * *err with CKR_OK, or beside an rv to say what that rv means for the
 * caller.  It must leave no find or sign operation active on the session,
 * and be safe to run a second time after a session died under it.
 */
typedef CK_RV (*pp_p11_op)(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err);

/* DER of the curve OIDs, the value of CKA_EC_PARAMS. */
static const CK_BYTE pp_p11_p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const CK_BYTE pp_p11_p384_oid[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const CK_BYTE pp_p11_p521_oid[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };

static const struct pp_p11_curve {
	const char *name;     /* OpenSSL group name */
	const CK_BYTE *oid;
	size_t oidlen;
	size_t flen;          /* field size in bytes: r and s are this long */
} pp_p11_curves[] = {
	{ "prime256v1", pp_p11_p256_oid, sizeof(pp_p11_p256_oid), 32 },
	{ "secp384r1", pp_p11_p384_oid, sizeof(pp_p11_p384_oid), 48 },
	{ "secp521r1", pp_p11_p521_oid, sizeof(pp_p11_p521_oid), 66 },
};
#define PP_P11_NCURVES (sizeof(pp_p11_curves) / sizeof(pp_p11_curves[0]))

static const struct {
	CK_KEY_TYPE kt;
	CK_ULONG bits;   /* RSA modulus bits */
	size_t curve;    /* index in pp_p11_curves for EC */
} pp_p11_keytypes[PP_P11_KEYTYPE__MAX] = {
	[PP_P11_RSA3072] = { CKK_RSA, 3072, 0 },
	[PP_P11_RSA4096] = { CKK_RSA, 4096, 0 },
	[PP_P11_EC_P256] = { CKK_EC, 0, 0 },
	[PP_P11_EC_P384] = { CKK_EC, 0, 1 },
	[PP_P11_EC_P521] = { CKK_EC, 0, 2 },
	[PP_P11_RSA2048] = { CKK_RSA, 2048, 0 },	/* never generated */
};

/* DER DigestInfo up to the digest bytes (RFC 8017 section 9.2, note 1). */
#define PP_P11_DI_LEN 19
static const struct {
	size_t len;
	CK_MECHANISM_TYPE mech;
	CK_RSA_PKCS_MGF_TYPE mgf;
	CK_BYTE di[PP_P11_DI_LEN];
} pp_p11_hashes[PP_P11_HASH__MAX] = {
	[PP_P11_SHA256] = { 32, CKM_SHA256, CKG_MGF1_SHA256, { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
	    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 } },
	[PP_P11_SHA384] = { 48, CKM_SHA384, CKG_MGF1_SHA384, { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
	    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 } },
	[PP_P11_SHA512] = { 64, CKM_SHA512, CKG_MGF1_SHA512, { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
	    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 } },
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

/* The session itself is gone: open a new one. */
static int
pp_p11_rv_session(CK_RV rv)
{
	return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED;
}

/* The token is gone or logged out: only a restart (and login) helps. */
static int
pp_p11_rv_lost(CK_RV rv)
{
	return rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED || rv == CKR_USER_NOT_LOGGED_IN ||
	    rv == CKR_CRYPTOKI_NOT_INITIALIZED || rv == CKR_TOKEN_NOT_RECOGNIZED;
}

static void
pp_p11_set_lost(struct pp_p11 *p, const char *what, CK_RV rv)
{
	if (atomic_exchange(&p->lost, 1) == 0)
		pp_err_log("pkcs11: token lost (%s: 0x%lx); the daemon must restart to log in again", what,
		    (unsigned long)rv);
	/* Wake the waiters so that they fail instead of sleeping forever. */
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
pp_p11_lost(struct pp_p11 *p)
{
	return atomic_load(&p->lost);
}

/* OUT *idx: a pool place now busy (ours).  Lowest free first, so that a
 * single-threaded caller always gets the same session. */
static enum pp_err
pp_p11_take_idx(struct pp_p11 *p, size_t *idx)
{
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (atomic_load(&p->lost)) {
			pthread_mutex_unlock(&p->mu);
			return PP_ERR_HSM;
		}
		for (size_t i = 0; i < p->npool; i++) {
			if (!p->pool[i].busy) {
				p->pool[i].busy = 1;
				pthread_mutex_unlock(&p->mu);
				*idx = i;
				return PP_OK;
			}
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
}

static void
pp_p11_give_idx(struct pp_p11 *p, size_t i)
{
	pthread_mutex_lock(&p->mu);
	p->pool[i].busy = 0;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Forgets the dead session of place i (ours).  Not closed: its handle
 * number may already belong to another session of the module. */
static void
pp_p11_drop(struct pp_p11 *p, size_t i)
{
	pthread_mutex_lock(&p->mu);
	p->pool[i].h = CK_INVALID_HANDLE;
	pthread_mutex_unlock(&p->mu);
}

/* Opens a new session for place i (ours, h invalid).  A fresh session that
 * is not logged in means the token forgot the login: reported as
 * CKR_USER_NOT_LOGGED_IN so that the caller declares the handle lost. */
static CK_RV
pp_p11_reopen(struct pp_p11 *p, size_t i)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	CK_SESSION_INFO si;
	CK_RV rv;

	rv = p->fn->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h);
	if (rv != CKR_OK)
		return rv;
	rv = p->fn->C_GetSessionInfo(h, &si);
	if (rv == CKR_OK && si.state != CKS_RW_USER_FUNCTIONS && si.state != CKS_RO_USER_FUNCTIONS)
		rv = CKR_USER_NOT_LOGGED_IN;
	if (pp_p11_rv_session(rv))
		rv = CKR_USER_NOT_LOGGED_IN;
	if (rv != CKR_OK) {
		p->fn->C_CloseSession(h);
		return rv;
	}
	pthread_mutex_lock(&p->mu);
	/* The module may reuse the number of a session that died behind our
	 * back; an idle place still holding that number must not share it. */
	for (size_t j = 0; j < p->npool; j++)
		if (j != i && !p->pool[j].busy && p->pool[j].h == h)
			p->pool[j].h = CK_INVALID_HANDLE;
	p->pool[i].h = h;
	p->opened++;
	/* A session died: the token may have been reset, handles with it. */
	if (p->kc != NULL)
		memset(p->kc, 0, PP_P11_KCACHE * sizeof(*p->kc));
	pthread_mutex_unlock(&p->mu);
	return CKR_OK;
}

/* Makes sure place i (ours) has a session; PP_ERR_HSM (and maybe lost). */
static enum pp_err
pp_p11_ensure(struct pp_p11 *p, size_t i, const char *what)
{
	CK_RV rv;

	if (p->pool[i].h != CK_INVALID_HANDLE)
		return PP_OK;
	rv = pp_p11_reopen(p, i);
	if (rv == CKR_OK)
		return PP_OK;
	if (pp_p11_rv_lost(rv))
		pp_p11_set_lost(p, what, rv);
	else
		pp_err_log("pkcs11: %s: cannot open a session: 0x%lx", what, (unsigned long)rv);
	return PP_ERR_HSM;
}

/*
 * Runs op on a pooled session, given back on every path.  A dead session
 * is replaced and op retried once; a token gone or logged out makes the
 * handle lost.  This is the one place that logs PKCS#11 failures of ops.
 */
static enum pp_err
pp_p11_run(struct pp_p11 *p, const char *what, pp_p11_op op, void *arg)
{
	enum pp_err rc, err = PP_OK;
	int retried = 0;
	size_t i;
	CK_RV rv;

	if ((rc = pp_p11_take_idx(p, &i)) != PP_OK)
		return rc;
	for (;;) {
		if ((rc = pp_p11_ensure(p, i, what)) != PP_OK)
			goto out;
		err = PP_OK;
		rv = op(p, p->pool[i].h, arg, &err);
		if (!pp_p11_rv_session(rv))
			break;
		pp_p11_drop(p, i);
		if (retried) {
			/* A session opened a moment ago died as well. */
			pp_p11_set_lost(p, what, rv);
			rc = PP_ERR_HSM;
			goto out;
		}
		retried = 1;
	}
	if (rv == CKR_OK) {
		rc = err;
	} else if (pp_p11_rv_lost(rv)) {
		pp_p11_set_lost(p, what, rv);
		rc = PP_ERR_HSM;
	} else {
		pp_err_log("pkcs11: %s: 0x%lx", what, (unsigned long)rv);
		rc = err != PP_OK ? err : PP_ERR_HSM;
	}
out:
	pp_p11_give_idx(p, i);
	return rc;
}

enum pp_err
pp_p11_session_take(struct pp_p11 *p, CK_SESSION_HANDLE *s)
{
	enum pp_err rc;
	size_t i;

	if ((rc = pp_p11_take_idx(p, &i)) != PP_OK)
		return rc;
	if ((rc = pp_p11_ensure(p, i, "session take")) != PP_OK) {
		pp_p11_give_idx(p, i);
		return rc;
	}
	*s = p->pool[i].h;
	return PP_OK;
}

void
pp_p11_session_give(struct pp_p11 *p, CK_SESSION_HANDLE s)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->npool; i++) {
		if (p->pool[i].busy && p->pool[i].h == s) {
			p->pool[i].busy = 0;
			pthread_cond_signal(&p->cv);
			pthread_mutex_unlock(&p->mu);
			return;
		}
	}
	pthread_mutex_unlock(&p->mu);
	pp_err_log("pkcs11: session 0x%lx given back but not taken", (unsigned long)s);
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

/* Before the login: a locked user PIN is not tried (PP_ERR_CONFIG, the
 * security officer must unlock it); a token that counts wrong PINs is
 * named in the log. */
static enum pp_err
pp_p11_pin_state(struct pp_p11 *p, const char *token_label)
{
	CK_TOKEN_INFO ti;

	if (p->fn->C_GetTokenInfo(p->slot, &ti) != CKR_OK)
		return PP_OK;	/* the login says what is wrong */
	if (ti.flags & CKF_USER_PIN_LOCKED) {
		pp_err_log("pkcs11: token '%s' reports its user PIN locked: no login tried; the token's"
		    " security officer must unlock or reset it", token_label);
		return PP_ERR_CONFIG;
	}
	if (ti.flags & CKF_USER_PIN_FINAL_TRY)
		pp_warn_log("pkcs11: token '%s': one more wrong PIN locks it", token_label);
	else if (ti.flags & CKF_USER_PIN_COUNT_LOW)
		pp_warn_log("pkcs11: token '%s' has counted wrong PINs", token_label);
	return PP_OK;
}

/* The PIN from pin_file, or (pin_file NULL) from pin[0..pinlen0). */
static enum pp_err
pp_p11_open_any(const char *module, const char *token_label, const char *pin_file, const char *pin0,
    size_t pinlen0, const char *softhsm2_conf, size_t nsessions, struct pp_p11 **out)
{
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS args;
	char pin[PP_PIN_MAX];
	size_t pinlen = 0;
	struct pp_p11 *p;
	enum pp_err rc = PP_ERR_HSM;
	CK_RV rv;

	*out = NULL;
	if (nsessions < 1 || nsessions > PP_P11_POOL_MAX) {
		pp_err_log("pkcs11: session pool size %zu outside 1..%d", nsessions, PP_P11_POOL_MAX);
		return PP_ERR_CONFIG;
	}
	p = pp_calloc(1, sizeof(*p));
	if (p == NULL)
		return PP_ERR_NOMEM;
	atomic_init(&p->lost, 0);
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		pp_free(p);
		return PP_ERR_INTERNAL;
	}
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		pp_free(p);
		return PP_ERR_INTERNAL;
	}
	p->sync = 1;
	if ((p->pool = pp_calloc(nsessions, sizeof(*p->pool))) == NULL ||
	    (p->kc = pp_calloc(PP_P11_KCACHE, sizeof(*p->kc))) == NULL) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	/* npool counts the places with a session, so that close closes them. */
	for (size_t i = 0; i < nsessions; i++)
		p->pool[i].h = CK_INVALID_HANDLE;
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
	/* The pool uses sessions from several threads at once. */
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->fn->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		pp_err_log("pkcs11: C_Initialize: 0x%lx", (unsigned long)rv);
		goto fail;
	}
	p->initialized = 1;
	if ((rc = pp_p11_find_slot(p, token_label)) != PP_OK)
		goto fail;
	rc = PP_ERR_HSM;
	for (size_t i = 0; i < nsessions; i++) {
		rv = p->fn->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
		    &p->pool[i].h);
		if (rv != CKR_OK) {
			pp_err_log("pkcs11: C_OpenSession %zu of %zu: 0x%lx", i + 1, nsessions, (unsigned long)rv);
			goto fail;
		}
		p->npool = i + 1;
		p->opened++;
		if (i > 0)
			continue;
		/* Login is the token's state: one login serves every session
		 * opened before or after it. */
		if (pin_file != NULL) {
			if ((rc = pp_secret_file_read(pin_file, pin, sizeof(pin), &pinlen)) != PP_OK)
				goto fail;
		} else {
			if (pin0 == NULL || pinlen0 == 0 || pinlen0 >= sizeof(pin)) {
				rc = PP_ERR_CONFIG;
				goto fail;
			}
			memcpy(pin, pin0, pinlen0);
			pinlen = pinlen0;
		}
		/* One attempt only, and none on a locked PIN: a real HSM locks
		 * its user PIN after a few wrong ones, so a wrong PIN file is a
		 * configuration error (PP_ERR_CONFIG: the daemons exit with
		 * status 78, which their units do not restart). */
		if ((rc = pp_p11_pin_state(p, token_label)) != PP_OK) {
			pp_wipe(pin, sizeof(pin));
			goto fail;
		}
		rv = p->fn->C_Login(p->pool[0].h, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)pinlen);
		pp_wipe(pin, sizeof(pin));
		if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID ||
		    rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED) {
			/* Never the PIN itself; only the outcome. */
			pp_err_log("pkcs11: token '%s' refused the PIN of %s (0x%lx): not tried again; each start"
			    " with this PIN counts toward the token's lockout: correct the PIN file first",
			    token_label, pin_file ? pin_file : "the caller", (unsigned long)rv);
			rc = PP_ERR_CONFIG;
			goto fail;
		}
		if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
			pp_err_log("pkcs11: login to token '%s' refused: 0x%lx", token_label, (unsigned long)rv);
			rc = PP_ERR_HSM;
			goto fail;
		}
		p->logged_in = 1;
		rc = PP_ERR_HSM;
	}
	*out = p;
	return PP_OK;
fail:
	pp_wipe(pin, sizeof(pin));
	pp_p11_close(p);
	return rc;
}

enum pp_err
pp_p11_open_pool(const char *module, const char *token_label, const char *pin_file,
    const char *softhsm2_conf, size_t nsessions, struct pp_p11 **out)
{
	if (pin_file == NULL) {
		*out = NULL;
		return PP_ERR_CONFIG;
	}
	return pp_p11_open_any(module, token_label, pin_file, NULL, 0, softhsm2_conf, nsessions, out);
}

enum pp_err
pp_p11_open_pin(const char *module, const char *token_label, const char *pin, size_t pinlen,
    const char *softhsm2_conf, struct pp_p11 **out)
{
	return pp_p11_open_any(module, token_label, NULL, pin, pinlen, softhsm2_conf, 1, out);
}

enum pp_err
pp_p11_open(const char *module, const char *token_label, const char *pin_file,
    const char *softhsm2_conf, struct pp_p11 **out)
{
	return pp_p11_open_pool(module, token_label, pin_file, softhsm2_conf, 1, out);
}

void
pp_p11_close(struct pp_p11 *p)
{
	if (p == NULL)
		return;
	if (p->fn) {
		for (size_t i = 0; i < p->npool; i++) {
			if (p->pool[i].h == CK_INVALID_HANDLE)
				continue;
			if (p->logged_in) {
				p->fn->C_Logout(p->pool[i].h);
				p->logged_in = 0;
			}
			p->fn->C_CloseSession(p->pool[i].h);
		}
		if (p->initialized)
			p->fn->C_Finalize(NULL);
	}
	if (p->dl)
		dlclose(p->dl);
	pp_free(p->pool);
	pp_free(p->kc);
	if (p->sync) {
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
	}
	pp_free(p);
}

static CK_RV
pp_p11_health_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	CK_SESSION_INFO si;
	CK_RV rv;

	(void)arg;
	(void)err;
	rv = p->fn->C_GetSessionInfo(s, &si);
	if (rv == CKR_OK && si.state != CKS_RW_USER_FUNCTIONS && si.state != CKS_RO_USER_FUNCTIONS)
		return CKR_USER_NOT_LOGGED_IN;
	return rv;
}

enum pp_err
pp_p11_health(struct pp_p11 *p, struct pp_p11_info *info)
{
	CK_TOKEN_INFO ti;
	enum pp_err rc;
	CK_RV rv;

	memset(info, 0, sizeof(*info));
	info->module_sessions = -1;
	if (pp_p11_lost(p))
		return PP_ERR_HSM;
	rv = p->fn->C_GetTokenInfo(p->slot, &ti);
	if (rv != CKR_OK) {
		if (pp_p11_rv_lost(rv))
			pp_p11_set_lost(p, "token info", rv);
		else
			pp_err_log("pkcs11: token info: 0x%lx", (unsigned long)rv);
		return PP_ERR_HSM;
	}
	pp_p11_field(info->label, ti.label, sizeof(ti.label));
	pp_p11_field(info->manufacturer, ti.manufacturerID, sizeof(ti.manufacturerID));
	pp_p11_field(info->model, ti.model, sizeof(ti.model));
	pp_p11_field(info->serial, ti.serialNumber, sizeof(ti.serialNumber));
	info->slot = (unsigned long)p->slot;
	info->module_sessions = ti.ulSessionCount == CK_UNAVAILABLE_INFORMATION ||
	    ti.ulSessionCount > (CK_ULONG)LONG_MAX ? -1 : (long)ti.ulSessionCount;
	rc = pp_p11_run(p, "session info", pp_p11_health_op, NULL);
	/* Counted after the check, which may have replaced a session. */
	pthread_mutex_lock(&p->mu);
	info->sessions_pool = p->npool;
	for (size_t i = 0; i < p->npool; i++)
		if (p->pool[i].h != CK_INVALID_HANDLE)
			info->sessions_open++;
	info->sessions_opened = p->opened;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

CK_FUNCTION_LIST_PTR
pp_p11_fn(struct pp_p11 *p)
{
	return p->fn;
}

CK_SESSION_HANDLE
pp_p11_session(struct pp_p11 *p)
{
	CK_SESSION_HANDLE h;

	pthread_mutex_lock(&p->mu);
	h = p->pool[0].h;
	pthread_mutex_unlock(&p->mu);
	return h;
}

/* Finds up to max objects matching t[0..n) on session s; OUT *found. */
static CK_RV
pp_p11_find_s(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *h,
    CK_ULONG max, CK_ULONG *found)
{
	CK_RV rv, rv2;

	*found = 0;
	rv = p->fn->C_FindObjectsInit(s, t, n);
	if (rv != CKR_OK)
		return rv;
	rv = p->fn->C_FindObjects(s, h, max, found);
	/* Always finished, so the session is clean for its next user. */
	rv2 = p->fn->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		*found = 0;
	return rv != CKR_OK ? rv : rv2;
}

/* The one object of class cls with CKA_ID id (or CK_INVALID_HANDLE when
 * none); two is an error (*err PP_ERR_HSM, logged). */
static CK_RV
pp_p11_find_id(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const unsigned char *id,
    size_t idlen, CK_OBJECT_HANDLE *out, enum pp_err *err)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)(uintptr_t)id, idlen },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n;
	CK_RV rv;

	*out = CK_INVALID_HANDLE;
	if ((rv = pp_p11_find_s(p, s, t, 2, h, 2, &n)) != CKR_OK)
		return rv;
	if (n > 1) {
		pp_err_log("pkcs11: two objects of class %lu share one CKA_ID", (unsigned long)cls);
		*err = PP_ERR_HSM;
	} else if (n == 1) {
		*out = h[0];
	}
	return CKR_OK;
}

/* Builds an OpenSSL public key from EC params and point (either bare or,
 * as PKCS#11 2.40 says, wrapped in a DER OCTET STRING).  OUT *curve. */
static enum pp_err
pp_p11_ec_pkey(const CK_BYTE *params, size_t plen, const CK_BYTE *point, size_t len, EVP_PKEY **out,
    size_t *curve)
{
	const struct pp_p11_curve *c = NULL;
	const CK_BYTE *q = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM op[3];
	size_t want, ci;
	enum pp_err rc = PP_ERR_HSM;

	for (ci = 0; ci < PP_P11_NCURVES; ci++) {
		if (plen == pp_p11_curves[ci].oidlen && memcmp(params, pp_p11_curves[ci].oid, plen) == 0) {
			c = &pp_p11_curves[ci];
			break;
		}
	}
	if (c == NULL) {
		pp_err_log("pkcs11: EC key on a curve other than P-256, P-384, P-521");
		return PP_ERR_HSM;
	}
	/* Only the uncompressed form: 04 || X || Y. */
	want = 1 + 2 * c->flen;
	if (len == want && point[0] == 0x04)
		q = point;
	else if (want < 128 && len == 2 + want && point[0] == 0x04 && point[1] == want && point[2] == 0x04)
		q = point + 2;
	else if (want >= 128 && want < 256 && len == 3 + want && point[0] == 0x04 && point[1] == 0x81 &&
	    point[2] == want && point[3] == 0x04)
		q = point + 3;
	if (q == NULL) {
		pp_err_log("pkcs11: unexpected EC point encoding (%zu bytes)", len);
		return PP_ERR_HSM;
	}
	op[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)c->name, 0);
	op[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)q, want);
	op[2] = OSSL_PARAM_construct_end();
	*out = NULL;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, op) <= 0) {
		pp_err_log("pkcs11: cannot import the EC public key");
		goto fail;
	}
	*curve = ci;
	rc = PP_OK;
fail:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static enum pp_err
pp_p11_rsa_pkey(const CK_BYTE *n, size_t nlen, const CK_BYTE *e, size_t elen, EVP_PKEY **out)
{
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *op = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum pp_err rc = PP_ERR_HSM;

	*out = NULL;
	if ((bn = BN_bin2bn(n, (int)nlen, NULL)) == NULL || (be = BN_bin2bn(e, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (op = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, op) <= 0) {
		pp_err_log("pkcs11: cannot import the RSA public key");
		goto fail;
	}
	rc = PP_OK;
fail:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(op);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	BN_free(bn);
	return rc;
}

/* The public key object pub as an OpenSSL key.  OUT *out (caller frees),
 * *curve: index in pp_p11_curves, or PP_P11_NCURVES for RSA. */
static CK_RV
pp_p11_pub_s(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, EVP_PKEY **out, size_t *curve,
    enum pp_err *err)
{
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE tk = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_BYTE a[1024], b[64];
	CK_RV rv;

	*out = NULL;
	if ((rv = p->fn->C_GetAttributeValue(s, pub, &tk, 1)) != CKR_OK)
		return rv;
	if (kt == CKK_RSA) {
		CK_ATTRIBUTE t[] = {
			{ CKA_MODULUS, a, sizeof(a) },
			{ CKA_PUBLIC_EXPONENT, b, sizeof(b) },
		};
		if ((rv = p->fn->C_GetAttributeValue(s, pub, t, 2)) != CKR_OK)
			return rv;
		*curve = PP_P11_NCURVES;
		*err = pp_p11_rsa_pkey(a, t[0].ulValueLen, b, t[1].ulValueLen, out);
	} else if (kt == CKK_EC) {
		CK_ATTRIBUTE t[] = {
			{ CKA_EC_POINT, a, sizeof(a) },
			{ CKA_EC_PARAMS, b, sizeof(b) },
		};
		if ((rv = p->fn->C_GetAttributeValue(s, pub, t, 2)) != CKR_OK)
			return rv;
		*err = pp_p11_ec_pkey(b, t[1].ulValueLen, a, t[0].ulValueLen, out, curve);
	} else {
		pp_err_log("pkcs11: public key of unsupported type %lu", (unsigned long)kt);
		*err = PP_ERR_HSM;
	}
	return CKR_OK;
}

/*
 * The audit daemon's EC P-256 key, by label.
 */
struct pp_p11_label_arg {
	const char *label;
	CK_OBJECT_HANDLE *priv, *pub;
};

static CK_RV
pp_p11_find_label(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label,
    CK_OBJECT_HANDLE *out, enum pp_err *err)
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

	if ((rv = pp_p11_find_s(p, s, tmpl, 3, h, 2, &n)) != CKR_OK)
		return rv;
	if (n == 0) {
		*err = PP_ERR_NOT_FOUND;
	} else if (n > 1) {
		/* Two keys under one label: which one signs would be arbitrary. */
		pp_err_log("pkcs11: more than one key labelled '%s'", label);
		*err = PP_ERR_HSM;
	} else {
		*out = h[0];
	}
	return CKR_OK;
}

static CK_RV
pp_p11_ec_find_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_label_arg *a = arg;
	CK_RV rv;

	rv = pp_p11_find_label(p, s, CKO_PRIVATE_KEY, a->label, a->priv, err);
	if (rv != CKR_OK || *err != PP_OK)
		return rv;
	rv = pp_p11_find_label(p, s, CKO_PUBLIC_KEY, a->label, a->pub, err);
	if (rv == CKR_OK && *err == PP_ERR_NOT_FOUND) {
		pp_err_log("pkcs11: private key '%s' has no public key beside it", a->label);
		*err = PP_ERR_HSM;
	}
	return rv;
}

enum pp_err
pp_p11_ec_find(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub)
{
	struct pp_p11_label_arg a = { label, priv, pub };

	return pp_p11_run(p, "EC key lookup", pp_p11_ec_find_op, &a);
}

static CK_RV
pp_p11_ec_generate_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_label_arg *a = arg;
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG llen = strlen(a->label);
	CK_ATTRIBUTE pubt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_EC_PARAMS, (void *)(uintptr_t)pp_p11_p256_oid, sizeof(pp_p11_p256_oid) },
		{ CKA_LABEL, (void *)(uintptr_t)a->label, llen },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)(uintptr_t)a->label, llen },
		/* Signs checkpoints and nothing else. */
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_DERIVE, &no, sizeof(no) },
	};

	(void)err;
	return p->fn->C_GenerateKeyPair(s, &mech, pubt, sizeof(pubt) / sizeof(pubt[0]), privt,
	    sizeof(privt) / sizeof(privt[0]), a->pub, a->priv);
}

enum pp_err
pp_p11_ec_generate(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub)
{
	struct pp_p11_label_arg a = { label, priv, pub };

	return pp_p11_run(p, "EC key generation", pp_p11_ec_generate_op, &a);
}

struct pp_p11_pub_arg {
	CK_OBJECT_HANDLE h;
	EVP_PKEY **out;
	size_t curve;
};

static CK_RV
pp_p11_ec_public_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_pub_arg *a = arg;
	CK_RV rv;

	rv = pp_p11_pub_s(p, s, a->h, a->out, &a->curve, err);
	if (rv == CKR_OK && *err == PP_OK && a->curve != 0) {
		pp_err_log("pkcs11: key is not on P-256");
		EVP_PKEY_free(*a->out);
		*a->out = NULL;
		*err = PP_ERR_HSM;
	}
	return rv;
}

enum pp_err
pp_p11_ec_public(struct pp_p11 *p, CK_OBJECT_HANDLE pub, EVP_PKEY **out)
{
	struct pp_p11_pub_arg a = { pub, out, 0 };

	*out = NULL;
	return pp_p11_run(p, "EC public key", pp_p11_ec_public_op, &a);
}

struct pp_p11_rawsign_arg {
	CK_OBJECT_HANDLE key;
	CK_MECHANISM *mech;
	const unsigned char *in;
	size_t inlen;
	unsigned char *sig;
	size_t *siglen;
};

/* C_SignInit + C_Sign into a buffer big enough for any key we make, so
 * that no CKR_BUFFER_TOO_SMALL can leave an operation active. */
static CK_RV
pp_p11_rawsign_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_rawsign_arg *a = arg;
	CK_BYTE buf[2 * PP_P11_SIG_MAX];
	CK_ULONG len = sizeof(buf);
	CK_RV rv;

	rv = p->fn->C_SignInit(s, a->mech, a->key);
	if (rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_KEY_TYPE_INCONSISTENT)
		*err = PP_ERR_BAD_REQUEST;
	if (rv != CKR_OK)
		return rv;
	rv = p->fn->C_Sign(s, (CK_BYTE_PTR)(uintptr_t)a->in, a->inlen, buf, &len);
	if (rv == CKR_DATA_LEN_RANGE)
		*err = PP_ERR_BAD_REQUEST;
	if (rv != CKR_OK)
		return rv;
	if (len > *a->siglen) {
		pp_err_log("pkcs11: signature of %lu bytes, room for %zu", (unsigned long)len, *a->siglen);
		*err = PP_ERR_BAD_REQUEST;
		return CKR_OK;
	}
	memcpy(a->sig, buf, len);
	*a->siglen = len;
	return CKR_OK;
}

enum pp_err
pp_p11_ecdsa_sign(struct pp_p11 *p, CK_OBJECT_HANDLE priv, const unsigned char *digest, size_t dlen,
    unsigned char *rs, size_t *rslen)
{
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	struct pp_p11_rawsign_arg a = { priv, &mech, digest, dlen, rs, rslen };

	return pp_p11_run(p, "ECDSA signature", pp_p11_rawsign_op, &a);
}

/*
 * Signatory keys by CKA_ID.
 */
size_t
pp_p11_hash_len(enum pp_p11_hash h)
{
	if ((unsigned)h >= PP_P11_HASH__MAX)
		return 0;
	return pp_p11_hashes[h].len;
}

static enum pp_err
pp_p11_id_check(const unsigned char *id, size_t idlen)
{
	if (id == NULL || idlen < 1 || idlen > PP_P11_ID_MAX) {
		pp_err_log("pkcs11: CKA_ID of %zu bytes outside 1..%d", idlen, PP_P11_ID_MAX);
		return PP_ERR_BAD_REQUEST;
	}
	return PP_OK;
}

struct pp_p11_gen_arg {
	enum pp_p11_keytype type;
	const unsigned char *id;
	size_t idlen;
	const char *label;
	struct pp_p11_objs *objs;
};

static CK_RV
pp_p11_gen_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_gen_arg *a = arg;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE e[] = { 0x01, 0x00, 0x01 };
	CK_ULONG bits = pp_p11_keytypes[a->type].bits;
	const struct pp_p11_curve *c = &pp_p11_curves[pp_p11_keytypes[a->type].curve];
	int rsa = pp_p11_keytypes[a->type].kt == CKK_RSA;
	CK_MECHANISM mech = { rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE idt = { CKA_ID, (void *)(uintptr_t)a->id, a->idlen };
	CK_ATTRIBUTE pubt[12], privt[12];
	CK_ULONG npub = 0, npriv = 0, n;
	CK_OBJECT_HANDLE h;
	CK_RV rv;

	/* An id names one key: a second key under it would make signing
	 * with "the" key of that id arbitrary. */
	if ((rv = pp_p11_find_s(p, s, &idt, 1, &h, 1, &n)) != CKR_OK)
		return rv;
	if (n > 0) {
		pp_err_log("pkcs11: CKA_ID already in use; key not generated");
		*err = PP_ERR_BAD_REQUEST;
		return CKR_OK;
	}
#define PP_P11_A(t, n, type, ptr, len) (t[n++] = (CK_ATTRIBUTE){ (type), (void *)(uintptr_t)(ptr), (len) })
	PP_P11_A(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	PP_P11_A(pubt, npub, CKA_PRIVATE, &no, sizeof(no));
	PP_P11_A(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	PP_P11_A(pubt, npub, CKA_ID, a->id, a->idlen);
	PP_P11_A(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	PP_P11_A(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	PP_P11_A(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	PP_P11_A(privt, npriv, CKA_EXTRACTABLE, &no, sizeof(no));
	PP_P11_A(privt, npriv, CKA_SIGN, &yes, sizeof(yes));
	PP_P11_A(privt, npriv, CKA_ID, a->id, a->idlen);
	if (a->label) {
		PP_P11_A(pubt, npub, CKA_LABEL, a->label, strlen(a->label));
		PP_P11_A(privt, npriv, CKA_LABEL, a->label, strlen(a->label));
	}
	/* A signatory key signs and does nothing else. */
	if (rsa) {
		PP_P11_A(pubt, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		PP_P11_A(pubt, npub, CKA_PUBLIC_EXPONENT, e, sizeof(e));
	} else {
		PP_P11_A(pubt, npub, CKA_EC_PARAMS, c->oid, c->oidlen);
		PP_P11_A(privt, npriv, CKA_DERIVE, &no, sizeof(no));
	}
	/* For both key types: a module's default may allow these for EC keys too. */
	PP_P11_A(pubt, npub, CKA_ENCRYPT, &no, sizeof(no));
	PP_P11_A(pubt, npub, CKA_WRAP, &no, sizeof(no));
	PP_P11_A(privt, npriv, CKA_DECRYPT, &no, sizeof(no));
	PP_P11_A(privt, npriv, CKA_UNWRAP, &no, sizeof(no));
#undef PP_P11_A
	a->objs->cert = CK_INVALID_HANDLE;
	return p->fn->C_GenerateKeyPair(s, &mech, pubt, npub, privt, npriv, &a->objs->pub, &a->objs->priv);
}

enum pp_err
pp_p11_key_generate(struct pp_p11 *p, enum pp_p11_keytype type, const unsigned char *id, size_t idlen,
    const char *label, struct pp_p11_objs *objs)
{
	struct pp_p11_gen_arg a = { type, id, idlen, label, objs };
	enum pp_err rc;

	objs->priv = objs->pub = objs->cert = CK_INVALID_HANDLE;
	if ((unsigned)type >= PP_P11_KEYTYPE__MAX) {
		pp_err_log("pkcs11: unknown key type %d", (int)type);
		return PP_ERR_BAD_REQUEST;
	}
	/* KEY-2: RSA 2048 is only ever a legacy key imported with its
	 * certificate, never a new one. */
	if (type == PP_P11_RSA2048) {
		pp_err_log("pkcs11: RSA 2048 keys are not generated (legacy keys are imported)");
		return PP_ERR_BAD_REQUEST;
	}
	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	if (label && strnlen(label, PP_P11_LABEL_MAX + 1) > PP_P11_LABEL_MAX) {
		pp_err_log("pkcs11: key label longer than %d bytes", PP_P11_LABEL_MAX);
		return PP_ERR_BAD_REQUEST;
	}
	rc = pp_p11_run(p, "key generation", pp_p11_gen_op, &a);
	if (rc != PP_OK)
		objs->priv = objs->pub = CK_INVALID_HANDLE;
	return rc;
}

struct pp_p11_find_arg {
	const unsigned char *id;
	size_t idlen;
	struct pp_p11_objs *objs;
};

static CK_RV
pp_p11_find_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_find_arg *a = arg;
	CK_RV rv;

	if ((rv = pp_p11_find_id(p, s, CKO_PRIVATE_KEY, a->id, a->idlen, &a->objs->priv, err)) != CKR_OK ||
	    (rv = pp_p11_find_id(p, s, CKO_PUBLIC_KEY, a->id, a->idlen, &a->objs->pub, err)) != CKR_OK ||
	    (rv = pp_p11_find_id(p, s, CKO_CERTIFICATE, a->id, a->idlen, &a->objs->cert, err)) != CKR_OK)
		return rv;
	if (*err == PP_OK && a->objs->priv == CK_INVALID_HANDLE && a->objs->pub == CK_INVALID_HANDLE &&
	    a->objs->cert == CK_INVALID_HANDLE)
		*err = PP_ERR_NOT_FOUND;
	return CKR_OK;
}

enum pp_err
pp_p11_find(struct pp_p11 *p, const unsigned char *id, size_t idlen, struct pp_p11_objs *objs)
{
	struct pp_p11_find_arg a = { id, idlen, objs };
	enum pp_err rc;

	objs->priv = objs->pub = objs->cert = CK_INVALID_HANDLE;
	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	return pp_p11_run(p, "lookup by CKA_ID", pp_p11_find_op, &a);
}

struct pp_p11_attrs_arg {
	const unsigned char *id;
	size_t idlen;
	struct pp_p11_key_attrs *a;
};

/* One CK_BBOOL attribute; *out unsafe when the token does not answer it. */
static CK_RV
pp_p11_attr_bool(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    int unsafe, int *out)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE t = { type, &v, sizeof(v) };
	CK_RV rv = p->fn->C_GetAttributeValue(s, h, &t, 1);

	*out = unsafe;
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE)
		return CKR_OK;
	if (rv == CKR_OK && t.ulValueLen == sizeof(v))
		*out = v == CK_TRUE;
	return rv;
}

static CK_RV
pp_p11_attrs_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_attrs_arg *x = arg;
	struct pp_p11_key_attrs *a = x->a;
	CK_OBJECT_HANDLE h, cert;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE tk = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_BYTE n[1024], e[64];
	CK_RV rv;

	/* A retry after a lost session starts from scratch. */
	EVP_PKEY_free(a->rsa_pub);
	memset(a, 0, sizeof(*a));
	a->kind = PP_P11_KIND_OTHER;
	a->extractable = 1;
	if ((rv = pp_p11_find_id(p, s, CKO_PRIVATE_KEY, x->id, x->idlen, &h, err)) != CKR_OK || *err != PP_OK)
		return rv;
	if (h == CK_INVALID_HANDLE) {
		*err = PP_ERR_NOT_FOUND;
		return CKR_OK;
	}
	if ((rv = pp_p11_find_id(p, s, CKO_CERTIFICATE, x->id, x->idlen, &cert, err)) != CKR_OK || *err != PP_OK)
		return rv;
	a->has_cert = cert != CK_INVALID_HANDLE;
	if ((rv = pp_p11_attr_bool(p, s, h, CKA_SENSITIVE, 0, &a->sensitive)) != CKR_OK ||
	    (rv = pp_p11_attr_bool(p, s, h, CKA_EXTRACTABLE, 1, &a->extractable)) != CKR_OK ||
	    (rv = pp_p11_attr_bool(p, s, h, CKA_SIGN, 0, &a->sign)) != CKR_OK ||
	    (rv = pp_p11_attr_bool(p, s, h, CKA_ALWAYS_SENSITIVE, 0, &a->always_sensitive)) != CKR_OK ||
	    (rv = pp_p11_attr_bool(p, s, h, CKA_NEVER_EXTRACTABLE, 0, &a->never_extractable)) != CKR_OK)
		return rv;
	if ((rv = p->fn->C_GetAttributeValue(s, h, &tk, 1)) != CKR_OK)
		return rv;
	if (kt == CKK_RSA) {
		CK_ATTRIBUTE t[] = { { CKA_MODULUS, n, sizeof(n) }, { CKA_PUBLIC_EXPONENT, e, sizeof(e) } };
		a->kind = PP_P11_KIND_RSA;
		if ((rv = p->fn->C_GetAttributeValue(s, h, t, 2)) != CKR_OK)
			return rv;
		if ((*err = pp_p11_rsa_pkey(n, t[0].ulValueLen, e, t[1].ulValueLen, &a->rsa_pub)) != PP_OK)
			return CKR_OK;
		a->bits = (unsigned)EVP_PKEY_get_bits(a->rsa_pub);
	} else if (kt == CKK_EC) {
		CK_ATTRIBUTE t = { CKA_EC_PARAMS, e, sizeof(e) };
		static const unsigned bits[PP_P11_NCURVES] = { 256, 384, 521 };
		a->kind = PP_P11_KIND_EC;
		if ((rv = p->fn->C_GetAttributeValue(s, h, &t, 1)) != CKR_OK)
			return rv;
		for (size_t i = 0; i < PP_P11_NCURVES; i++)
			if (t.ulValueLen == pp_p11_curves[i].oidlen &&
			    memcmp(e, pp_p11_curves[i].oid, t.ulValueLen) == 0)
				a->bits = bits[i];
	}
	return CKR_OK;
}

enum pp_err
pp_p11_key_attrs(struct pp_p11 *p, const unsigned char *id, size_t idlen, struct pp_p11_key_attrs *a)
{
	struct pp_p11_attrs_arg x = { id, idlen, a };
	enum pp_err rc;

	memset(a, 0, sizeof(*a));
	a->kind = PP_P11_KIND_OTHER;
	a->extractable = 1;
	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	rc = pp_p11_run(p, "key attributes", pp_p11_attrs_op, &x);
	if (rc != PP_OK) {
		EVP_PKEY_free(a->rsa_pub);
		a->rsa_pub = NULL;
	}
	return rc;
}

struct pp_p11_idpub_arg {
	const unsigned char *id;
	size_t idlen;
	EVP_PKEY **out;
};

static CK_RV
pp_p11_key_public_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_idpub_arg *a = arg;
	CK_OBJECT_HANDLE h;
	size_t curve;
	CK_RV rv;

	if ((rv = pp_p11_find_id(p, s, CKO_PUBLIC_KEY, a->id, a->idlen, &h, err)) != CKR_OK || *err != PP_OK)
		return rv;
	if (h == CK_INVALID_HANDLE) {
		*err = PP_ERR_NOT_FOUND;
		return CKR_OK;
	}
	return pp_p11_pub_s(p, s, h, a->out, &curve, err);
}

enum pp_err
pp_p11_key_public(struct pp_p11 *p, const unsigned char *id, size_t idlen, EVP_PKEY **out)
{
	struct pp_p11_idpub_arg a = { id, idlen, out };
	enum pp_err rc;

	*out = NULL;
	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	rc = pp_p11_run(p, "public key export", pp_p11_key_public_op, &a);
	if (rc != PP_OK) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return rc;
}

struct pp_p11_sign_arg {
	const unsigned char *id;
	size_t idlen;
	CK_KEY_TYPE kt;       /* the key type the mechanism needs */
	size_t pss_min;       /* PSS: hLen + sLen + 2, the least modulus length */
	struct pp_p11_rawsign_arg raw;
};

static CK_RV
pp_p11_sign_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_sign_arg *a = arg;
	CK_KEY_TYPE kt;
	CK_OBJECT_CLASS cls;
	CK_BYTE gotid[PP_P11_ID_MAX];
	CK_ATTRIBUTE t[3] = { { CKA_KEY_TYPE, &kt, sizeof(kt) }, { CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, gotid, sizeof(gotid) } };
	CK_RV rv;

	if ((a->raw.key = pp_p11_kc_get(p, a->id, a->idlen)) != CK_INVALID_HANDLE) {
		rv = p->fn->C_GetAttributeValue(s, a->raw.key, t, 3);
		if (rv == CKR_OK && cls == CKO_PRIVATE_KEY && t[2].ulValueLen == a->idlen &&
		    memcmp(gotid, a->id, a->idlen) == 0)
			goto found;
		if (pp_p11_rv_session(rv))
			return rv;
		/* Not (or no longer) that key: look it up. */
		pp_p11_kc_set(p, a->id, a->idlen, CK_INVALID_HANDLE);
	}
	rv = pp_p11_find_id(p, s, CKO_PRIVATE_KEY, a->id, a->idlen, &a->raw.key, err);
	if (rv != CKR_OK || *err != PP_OK)
		return rv;
	if (a->raw.key == CK_INVALID_HANDLE) {
		*err = PP_ERR_NOT_FOUND;
		return CKR_OK;
	}
	if ((rv = p->fn->C_GetAttributeValue(s, a->raw.key, t, 1)) != CKR_OK)
		return rv;
	pp_p11_kc_set(p, a->id, a->idlen, a->raw.key);
found:
	if (kt != a->kt) {
		pp_err_log("pkcs11: signature mechanism does not fit the key type");
		*err = PP_ERR_BAD_REQUEST;
		return CKR_OK;
	}
	if (a->pss_min) {
		/* RFC 8017 section 9.1.1: the salt must fit beside the hash in
		 * the encoded message, or the token fails with a vague error. */
		CK_ATTRIBUTE m = { CKA_MODULUS, NULL, 0 };
		if ((rv = p->fn->C_GetAttributeValue(s, a->raw.key, &m, 1)) != CKR_OK)
			return rv;
		if (m.ulValueLen == CK_UNAVAILABLE_INFORMATION || m.ulValueLen < a->pss_min) {
			pp_err_log("pkcs11: PSS salt too long for the key");
			*err = PP_ERR_BAD_REQUEST;
			return CKR_OK;
		}
	}
	return pp_p11_rawsign_op(p, s, &a->raw, err);
}

enum pp_err
pp_p11_sign(struct pp_p11 *p, const unsigned char *id, size_t idlen, enum pp_p11_mech mech,
    enum pp_p11_hash hash, const struct pp_p11_pss *pss, const unsigned char *digest, size_t dlen,
    unsigned char *sig, size_t *siglen)
{
	CK_BYTE in[PP_P11_DI_LEN + 64];
	CK_RSA_PKCS_PSS_PARAMS pp;
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	struct pp_p11_sign_arg a;
	enum pp_err rc;

	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	if ((unsigned)mech >= PP_P11_MECH__MAX || (unsigned)hash >= PP_P11_HASH__MAX) {
		pp_err_log("pkcs11: unknown signature mechanism %d or hash %d", (int)mech, (int)hash);
		return PP_ERR_BAD_REQUEST;
	}
	/* The digest is the caller's; its length is all we can check. */
	if (digest == NULL || dlen != pp_p11_hashes[hash].len) {
		pp_err_log("pkcs11: digest of %zu bytes for a %zu-byte hash", dlen, pp_p11_hashes[hash].len);
		return PP_ERR_BAD_REQUEST;
	}
	if (sig == NULL || siglen == NULL)
		return PP_ERR_BAD_REQUEST;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.idlen = idlen;
	a.raw.mech = &m;
	a.raw.sig = sig;
	a.raw.siglen = siglen;
	switch (mech) {
	case PP_P11_RSA_PKCS1:
		/* CKM_RSA_PKCS pads whatever it gets: the DigestInfo naming
		 * the hash is ours to build. */
		memcpy(in, pp_p11_hashes[hash].di, PP_P11_DI_LEN);
		memcpy(in + PP_P11_DI_LEN, digest, dlen);
		m.mechanism = CKM_RSA_PKCS;
		a.kt = CKK_RSA;
		a.raw.in = in;
		a.raw.inlen = PP_P11_DI_LEN + dlen;
		break;
	case PP_P11_RSA_PSS:
		if (pss == NULL || (unsigned)pss->mgf1 >= PP_P11_HASH__MAX || pss->salt_len > PP_P11_SIG_MAX) {
			pp_err_log("pkcs11: missing or invalid PSS parameters");
			return PP_ERR_BAD_REQUEST;
		}
		pp.hashAlg = pp_p11_hashes[hash].mech;
		pp.mgf = pp_p11_hashes[pss->mgf1].mgf;
		pp.sLen = pss->salt_len;
		a.pss_min = dlen + pss->salt_len + 2;
		m.mechanism = CKM_RSA_PKCS_PSS;
		m.pParameter = &pp;
		m.ulParameterLen = sizeof(pp);
		a.kt = CKK_RSA;
		a.raw.in = digest;
		a.raw.inlen = dlen;
		break;
	default:
		m.mechanism = CKM_ECDSA;
		a.kt = CKK_EC;
		a.raw.in = digest;
		a.raw.inlen = dlen;
		break;
	}
	return pp_p11_run(p, "signature", pp_p11_sign_op, &a);
}

/* One DER INTEGER from an unsigned big-endian number; returns its length. */
static size_t
pp_p11_der_int(const unsigned char *v, size_t len, unsigned char *out)
{
	size_t pad;

	while (len > 1 && v[0] == 0) {
		v++;
		len--;
	}
	pad = (v[0] & 0x80) ? 1 : 0;
	if (out) {
		out[0] = 0x02;
		out[1] = (unsigned char)(len + pad);
		out[2] = 0;
		memcpy(out + 2 + pad, v, len);
	}
	return 2 + pad + len;
}

enum pp_err
pp_p11_ecdsa_der(const unsigned char *rs, size_t rslen, unsigned char *der, size_t *derlen)
{
	size_t half = rslen / 2, rl, sl, body, hl;

	/* r and s each fit a short-form INTEGER (at most 67 content bytes). */
	if (rs == NULL || rslen < 2 || rslen % 2 != 0 || half > 66) {
		pp_err_log("pkcs11: raw ECDSA signature of %zu bytes", rslen);
		return PP_ERR_BAD_REQUEST;
	}
	rl = pp_p11_der_int(rs, half, NULL);
	sl = pp_p11_der_int(rs + half, half, NULL);
	body = rl + sl;
	hl = body < 128 ? 2 : 3;
	if (der == NULL || *derlen < hl + body) {
		pp_err_log("pkcs11: DER ECDSA signature of %zu bytes, room for %zu", hl + body,
		    der ? *derlen : 0);
		return PP_ERR_BAD_REQUEST;
	}
	der[0] = 0x30;
	if (hl == 2) {
		der[1] = (unsigned char)body;
	} else {
		der[1] = 0x81;
		der[2] = (unsigned char)body;
	}
	pp_p11_der_int(rs, half, der + hl);
	pp_p11_der_int(rs + half, half, der + hl + rl);
	*derlen = hl + body;
	return PP_OK;
}

struct pp_p11_cert_arg {
	const unsigned char *id;
	size_t idlen;
	const unsigned char *der;
	size_t len;
	EVP_PKEY *certkey;
	unsigned char *subject, *issuer, *serial;
	size_t sublen, isslen, serlen;
	/* cert_load */
	unsigned char **out;
	size_t *outlen;
};

static CK_RV
pp_p11_cert_store_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_cert_arg *a = arg;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_ID, (void *)(uintptr_t)a->id, a->idlen },
		{ CKA_SUBJECT, a->subject, a->sublen },
		{ CKA_ISSUER, a->issuer, a->isslen },
		{ CKA_SERIAL_NUMBER, a->serial, a->serlen },
		{ CKA_VALUE, (void *)(uintptr_t)a->der, a->len },
	};
	CK_OBJECT_HANDLE h, pub;
	EVP_PKEY *key = NULL;
	size_t curve;
	CK_RV rv;

	if ((rv = pp_p11_find_id(p, s, CKO_CERTIFICATE, a->id, a->idlen, &h, err)) != CKR_OK || *err != PP_OK)
		return rv;
	if (h != CK_INVALID_HANDLE) {
		pp_err_log("pkcs11: CKA_ID already has a certificate");
		*err = PP_ERR_BAD_REQUEST;
		return CKR_OK;
	}
	if ((rv = pp_p11_find_id(p, s, CKO_PUBLIC_KEY, a->id, a->idlen, &pub, err)) != CKR_OK || *err != PP_OK)
		return rv;
	if (pub == CK_INVALID_HANDLE) {
		*err = PP_ERR_NOT_FOUND;
		return CKR_OK;
	}
	if ((rv = pp_p11_pub_s(p, s, pub, &key, &curve, err)) != CKR_OK || *err != PP_OK)
		return rv;
	/* The certificate must certify this key, or signatures made with
	 * the key would be presented under someone else's certificate. */
	if (EVP_PKEY_eq(key, a->certkey) != 1) {
		EVP_PKEY_free(key);
		pp_err_log("pkcs11: certificate is for another key");
		*err = PP_ERR_BAD_REQUEST;
		return CKR_OK;
	}
	EVP_PKEY_free(key);
	return p->fn->C_CreateObject(s, t, sizeof(t) / sizeof(t[0]), &h);
}

enum pp_err
pp_p11_cert_store(struct pp_p11 *p, const unsigned char *id, size_t idlen, const unsigned char *der,
    size_t len)
{
	struct pp_p11_cert_arg a;
	const unsigned char *q = der;
	X509 *x = NULL;
	int n;
	enum pp_err rc;

	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.idlen = idlen;
	a.der = der;
	a.len = len;
	rc = PP_ERR_BAD_REQUEST;
	/* One whole certificate and nothing after it. */
	if (der == NULL || len == 0 || len > PP_P11_CERT_MAX || (x = d2i_X509(NULL, &q, (long)len)) == NULL ||
	    q != der + len || (a.certkey = X509_get0_pubkey(x)) == NULL) {
		pp_err_log("pkcs11: not one DER X.509 certificate (%zu bytes)", len);
		goto fail;
	}
	rc = PP_ERR_NOMEM;
	if ((n = i2d_X509_NAME(X509_get_subject_name(x), &a.subject)) <= 0)
		goto fail;
	a.sublen = (size_t)n;
	if ((n = i2d_X509_NAME(X509_get_issuer_name(x), &a.issuer)) <= 0)
		goto fail;
	a.isslen = (size_t)n;
	if ((n = i2d_ASN1_INTEGER(X509_get0_serialNumber(x), &a.serial)) <= 0)
		goto fail;
	a.serlen = (size_t)n;
	rc = pp_p11_run(p, "certificate store", pp_p11_cert_store_op, &a);
fail:
	OPENSSL_free(a.subject);
	OPENSSL_free(a.issuer);
	OPENSSL_free(a.serial);
	X509_free(x);
	return rc;
}

static CK_RV
pp_p11_cert_load_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_cert_arg *a = arg;
	CK_ATTRIBUTE t = { CKA_VALUE, NULL, 0 };
	CK_OBJECT_HANDLE h;
	unsigned char *buf;
	CK_RV rv;

	if ((rv = pp_p11_find_id(p, s, CKO_CERTIFICATE, a->id, a->idlen, &h, err)) != CKR_OK || *err != PP_OK)
		return rv;
	if (h == CK_INVALID_HANDLE) {
		*err = PP_ERR_NOT_FOUND;
		return CKR_OK;
	}
	if ((rv = p->fn->C_GetAttributeValue(s, h, &t, 1)) != CKR_OK)
		return rv;
	if (t.ulValueLen == 0 || t.ulValueLen == CK_UNAVAILABLE_INFORMATION || t.ulValueLen > PP_P11_CERT_MAX) {
		pp_err_log("pkcs11: stored certificate of %lu bytes", (unsigned long)t.ulValueLen);
		*err = PP_ERR_HSM;
		return CKR_OK;
	}
	if ((buf = pp_malloc(t.ulValueLen)) == NULL) {
		*err = PP_ERR_NOMEM;
		return CKR_OK;
	}
	t.pValue = buf;
	if ((rv = p->fn->C_GetAttributeValue(s, h, &t, 1)) != CKR_OK) {
		pp_free(buf);
		return rv;
	}
	*a->out = buf;
	*a->outlen = t.ulValueLen;
	return CKR_OK;
}

enum pp_err
pp_p11_cert_load(struct pp_p11 *p, const unsigned char *id, size_t idlen, unsigned char **der, size_t *len)
{
	struct pp_p11_cert_arg a;
	enum pp_err rc;

	*der = NULL;
	*len = 0;
	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.idlen = idlen;
	a.out = der;
	a.outlen = len;
	return pp_p11_run(p, "certificate load", pp_p11_cert_load_op, &a);
}

struct pp_p11_destroy_arg {
	const unsigned char *id;
	size_t idlen;
	size_t count;   /* kept across a retry: destroyed objects stay destroyed */
};

static CK_RV
pp_p11_destroy_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_destroy_arg *a = arg;
	CK_ATTRIBUTE t = { CKA_ID, (void *)(uintptr_t)a->id, a->idlen };
	CK_OBJECT_HANDLE h[16];
	CK_ULONG n;
	CK_RV rv;

	/* Destroying while a search is active is not allowed, hence batches.
	 * Bounded, in case a module reports success and keeps the object. */
	for (int round = 0; round < 64; round++) {
		if ((rv = pp_p11_find_s(p, s, &t, 1, h, 16, &n)) != CKR_OK)
			return rv;
		if (n == 0) {
			if (a->count == 0)
				*err = PP_ERR_NOT_FOUND;
			return CKR_OK;
		}
		for (CK_ULONG i = 0; i < n; i++) {
			if ((rv = p->fn->C_DestroyObject(s, h[i])) != CKR_OK)
				return rv;
			a->count++;
		}
	}
	pp_err_log("pkcs11: objects of a CKA_ID survive destruction");
	*err = PP_ERR_HSM;
	return CKR_OK;
}

enum pp_err
pp_p11_destroy(struct pp_p11 *p, const unsigned char *id, size_t idlen, size_t *count)
{
	struct pp_p11_destroy_arg a = { id, idlen, 0 };
	enum pp_err rc;

	*count = 0;
	if ((rc = pp_p11_id_check(id, idlen)) != PP_OK)
		return rc;
	pp_p11_kc_set(p, id, idlen, CK_INVALID_HANDLE);
	rc = pp_p11_run(p, "key destruction", pp_p11_destroy_op, &a);
	*count = a.count;
	return rc;
}

/*
 * Generic secret keys and HMAC-SHA-256 in the token.
 */
struct pp_p11_secret_arg {
	const char *label;
	size_t len;
	CK_OBJECT_HANDLE *key;
};

static CK_RV
pp_p11_secret_find_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_secret_arg *a = arg;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_LABEL, (void *)(uintptr_t)a->label, strlen(a->label) },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	CK_RV rv;

	if ((rv = pp_p11_find_s(p, s, t, 3, h, 2, &n)) != CKR_OK)
		return rv;
	if (n == 0) {
		*err = PP_ERR_NOT_FOUND;
	} else if (n > 1) {
		pp_err_log("pkcs11: more than one secret key labelled '%s'", a->label);
		*err = PP_ERR_HSM;
	} else {
		*a->key = h[0];
	}
	return CKR_OK;
}

static int
pp_p11_label_ok(const char *label)
{
	size_t n = label != NULL ? strnlen(label, PP_P11_LABEL_MAX + 1) : 0;

	return n > 0 && n <= PP_P11_LABEL_MAX;
}

enum pp_err
pp_p11_secret_find(struct pp_p11 *p, const char *label, CK_OBJECT_HANDLE *key)
{
	struct pp_p11_secret_arg a = { label, 0, key };

	if (!pp_p11_label_ok(label) || key == NULL)
		return PP_ERR_BAD_REQUEST;
	*key = CK_INVALID_HANDLE;
	return pp_p11_run(p, "secret key lookup", pp_p11_secret_find_op, &a);
}

static CK_RV
pp_p11_secret_gen_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_secret_arg *a = arg;
	CK_MECHANISM mech = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ULONG vlen = a->len;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &no, sizeof(no) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_WRAP, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_DERIVE, &no, sizeof(no) },
		{ CKA_LABEL, (void *)(uintptr_t)a->label, strlen(a->label) },
	};

	(void)err;
	return p->fn->C_GenerateKey(s, &mech, t, sizeof(t) / sizeof(t[0]), a->key);
}

enum pp_err
pp_p11_secret_generate(struct pp_p11 *p, const char *label, size_t len, CK_OBJECT_HANDLE *key)
{
	struct pp_p11_secret_arg a = { label, len, key };

	if (!pp_p11_label_ok(label) || key == NULL || len < 16 || len > 64)
		return PP_ERR_BAD_REQUEST;
	*key = CK_INVALID_HANDLE;
	return pp_p11_run(p, "secret key generation", pp_p11_secret_gen_op, &a);
}

enum pp_err
pp_p11_hmac_sha256(struct pp_p11 *p, CK_OBJECT_HANDLE key, const unsigned char *in, size_t len,
    unsigned char mac[PP_P11_HMAC_LEN])
{
	CK_MECHANISM mech = { CKM_SHA256_HMAC, NULL, 0 };
	size_t maclen = PP_P11_HMAC_LEN;
	struct pp_p11_rawsign_arg a = { key, &mech, in, len, mac, &maclen };
	enum pp_err rc;

	if (key == CK_INVALID_HANDLE || (in == NULL && len > 0) || len > 1024 * 1024 || mac == NULL)
		return PP_ERR_BAD_REQUEST;
	if ((rc = pp_p11_run(p, "HMAC", pp_p11_rawsign_op, &a)) != PP_OK)
		return rc;
	if (maclen != PP_P11_HMAC_LEN) {
		pp_err_log("pkcs11: HMAC-SHA-256 of %zu bytes", maclen);
		return PP_ERR_HSM;
	}
	return PP_OK;
}

/*
 * Listing.
 */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
} pp_p11_attrs[PP_P11_A__MAX] = {
	[PP_P11_A_TOKEN] = { CKA_TOKEN, "token" },
	[PP_P11_A_PRIVATE] = { CKA_PRIVATE, "private" },
	[PP_P11_A_SENSITIVE] = { CKA_SENSITIVE, "sensitive" },
	[PP_P11_A_ALWAYS_SENSITIVE] = { CKA_ALWAYS_SENSITIVE, "always_sensitive" },
	[PP_P11_A_EXTRACTABLE] = { CKA_EXTRACTABLE, "extractable" },
	[PP_P11_A_NEVER_EXTRACTABLE] = { CKA_NEVER_EXTRACTABLE, "never_extractable" },
	[PP_P11_A_SIGN] = { CKA_SIGN, "sign" },
	[PP_P11_A_VERIFY] = { CKA_VERIFY, "verify" },
	[PP_P11_A_ENCRYPT] = { CKA_ENCRYPT, "encrypt" },
	[PP_P11_A_DECRYPT] = { CKA_DECRYPT, "decrypt" },
	[PP_P11_A_WRAP] = { CKA_WRAP, "wrap" },
	[PP_P11_A_UNWRAP] = { CKA_UNWRAP, "unwrap" },
	[PP_P11_A_DERIVE] = { CKA_DERIVE, "derive" },
};

const char *
pp_p11_attr_name(enum pp_p11_attr a)
{
	return (unsigned)a < PP_P11_A__MAX ? pp_p11_attrs[a].name : NULL;
}

/* The object has no such attribute (or may not tell): not a failure. */
static int
pp_p11_rv_absent(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE;
}

/* A byte attribute into buf[0..cap); OUT *len (0 when absent), *truncated
 * set when it was longer.  The length is asked first, so that a longer
 * value is cut rather than refused. */
static CK_RV
pp_p11_attr_bytes(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    void *buf, size_t cap, size_t *len, int *truncated)
{
	CK_ATTRIBUTE t = { type, NULL, 0 };
	unsigned char *tmp;
	CK_RV rv;

	*len = 0;
	rv = p->fn->C_GetAttributeValue(s, h, &t, 1);
	if (pp_p11_rv_absent(rv) || (rv == CKR_OK && t.ulValueLen == CK_UNAVAILABLE_INFORMATION))
		return CKR_OK;
	if (rv != CKR_OK || t.ulValueLen == 0)
		return rv;
	if (t.ulValueLen <= cap) {
		t.pValue = buf;
		if ((rv = p->fn->C_GetAttributeValue(s, h, &t, 1)) == CKR_OK)
			*len = t.ulValueLen;
		return rv;
	}
	/* Bounded by the module, not by us: CKA_ID and CKA_LABEL are small. */
	if (t.ulValueLen > PP_P11_CERT_MAX || (tmp = pp_malloc(t.ulValueLen)) == NULL)
		return CKR_HOST_MEMORY;
	t.pValue = tmp;
	if ((rv = p->fn->C_GetAttributeValue(s, h, &t, 1)) == CKR_OK) {
		memcpy(buf, tmp, cap);
		*len = cap;
		*truncated = 1;
	}
	pp_free(tmp);
	return rv;
}

static CK_RV
pp_p11_obj_read(struct pp_p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, struct pp_p11_obj *o)
{
	CK_ULONG vlen = 0;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &o->cls, sizeof(o->cls) },
		{ CKA_KEY_TYPE, &o->key_type, sizeof(o->key_type) },
		{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
	};
	CK_RV rv;

	memset(o, 0, sizeof(*o));
	/* One attribute a call: a module answering several at once may leave
	 * the valid ones unfilled when one is invalid for the class. */
	if ((rv = p->fn->C_GetAttributeValue(s, h, &t[0], 1)) != CKR_OK)
		return rv;
	rv = p->fn->C_GetAttributeValue(s, h, &t[1], 1);
	if (rv != CKR_OK && !pp_p11_rv_absent(rv))
		return rv;
	if (rv != CKR_OK || t[1].ulValueLen != sizeof(o->key_type))
		o->key_type = CK_UNAVAILABLE_INFORMATION;
	rv = p->fn->C_GetAttributeValue(s, h, &t[2], 1);
	if (rv != CKR_OK && !pp_p11_rv_absent(rv))
		return rv;
	if (rv == CKR_OK && t[2].ulValueLen == sizeof(vlen))
		o->value_len = (unsigned long)vlen;
	for (size_t i = 0; i < PP_P11_A__MAX; i++) {
		CK_BBOOL b = CK_FALSE;
		CK_ATTRIBUTE a = { pp_p11_attrs[i].type, &b, sizeof(b) };

		rv = p->fn->C_GetAttributeValue(s, h, &a, 1);
		if (rv != CKR_OK && !pp_p11_rv_absent(rv))
			return rv;
		o->attr[i] = rv == CKR_OK && a.ulValueLen == sizeof(b) ? (b != CK_FALSE) : -1;
	}
	if ((rv = pp_p11_attr_bytes(p, s, h, CKA_ID, o->id, sizeof(o->id), &o->idlen, &o->truncated)) != CKR_OK)
		return rv;
	rv = pp_p11_attr_bytes(p, s, h, CKA_LABEL, o->label, sizeof(o->label) - 1, &o->labellen, &o->truncated);
	o->label[o->labellen] = '\0';
	return rv;
}

struct pp_p11_list_arg {
	struct pp_p11_obj *objs;
	size_t n;
};

static CK_RV
pp_p11_list_op(struct pp_p11 *p, CK_SESSION_HANDLE s, void *arg, enum pp_err *err)
{
	struct pp_p11_list_arg *a = arg;
	CK_OBJECT_HANDLE *h;
	CK_ULONG got, total = 0;
	CK_RV rv, rv2;

	/* Run again after a dead session: start from nothing. */
	pp_free(a->objs);
	a->objs = NULL;
	a->n = 0;
	/* One more than the limit, to tell "exactly the limit" from "more". */
	if ((h = pp_calloc(PP_P11_LIST_MAX + 1, sizeof(*h))) == NULL) {
		*err = PP_ERR_NOMEM;
		return CKR_OK;
	}
	if ((rv = p->fn->C_FindObjectsInit(s, NULL, 0)) != CKR_OK) {
		pp_free(h);
		return rv;
	}
	/* Handles first, attributes after the search is finished. */
	while (total < PP_P11_LIST_MAX + 1) {
		rv = p->fn->C_FindObjects(s, h + total, PP_P11_LIST_MAX + 1 - total, &got);
		if (rv != CKR_OK || got == 0)
			break;
		total += got;
	}
	rv2 = p->fn->C_FindObjectsFinal(s);
	if (rv == CKR_OK)
		rv = rv2;
	if (rv != CKR_OK)
		goto out;
	if (total > PP_P11_LIST_MAX) {
		pp_err_log("pkcs11: more than %d objects on the token", PP_P11_LIST_MAX);
		*err = PP_ERR_HSM;
		goto out;
	}
	if (total > 0 && (a->objs = pp_calloc(total, sizeof(*a->objs))) == NULL) {
		*err = PP_ERR_NOMEM;
		goto out;
	}
	for (CK_ULONG i = 0; i < total; i++) {
		rv = pp_p11_obj_read(p, s, h[i], &a->objs[a->n]);
		if (rv == CKR_OBJECT_HANDLE_INVALID) {
			/* Destroyed by another process since the search. */
			rv = CKR_OK;
			continue;
		}
		if (rv != CKR_OK)
			break;
		a->n++;
	}
out:
	pp_free(h);
	if ((rv != CKR_OK || *err != PP_OK) && a->objs != NULL) {
		pp_free(a->objs);
		a->objs = NULL;
		a->n = 0;
	}
	return rv;
}

enum pp_err
pp_p11_list(struct pp_p11 *p, struct pp_p11_obj **objs, size_t *n)
{
	struct pp_p11_list_arg a = { NULL, 0 };
	enum pp_err rc;

	*objs = NULL;
	*n = 0;
	if ((rc = pp_p11_run(p, "object listing", pp_p11_list_op, &a)) != PP_OK) {
		pp_free(a.objs);
		return rc;
	}
	if (a.n == 0) {
		pp_free(a.objs);
		a.objs = NULL;
	}
	*objs = a.objs;
	*n = a.n;
	return PP_OK;
}
