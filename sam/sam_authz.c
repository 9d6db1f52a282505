/*
 * sam_authz: authorisation requests (see sam_authz.h and docs/AUTHZ.md).
 * SQL only through prepared statements with bound values; every op
 * records its outcome with pp_audit_emit before it answers.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <sys/stat.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_authz.h"
#include "sam_client.h"
#include "sam_cred.h"
#include "sam_enrol.h"
#include "sam_ledger.h"
#include "sam_otp.h"
#include "sam_sad.h"

#define SAM_N(a) (sizeof(a) / sizeof((a)[0]))
#define SAM_AUTHZ_PROG "paraphe-samd"

static const char *const sam_authz_statuses[SAM_AUTHZ_STATUS__MAX] = {
	"NEW", "AUTHENTICATED", "APPROVED", "REDEEMED", "CANCELLED", "EXPIRED"
};
static const char *const sam_authz_modes[SAM_AUTHZ_MODE__MAX] = { "redirect", "par", "link", "ephemeral" };

/* Set by sam_authz_init, read-only afterwards.  login_key: the public key
 * of the signer plugin's login tokens (NULL: OpenID Connect logins are
 * refused). */
static struct {
	int64_t life_ms;
	int64_t ephemeral_s;			/* sam.ephemeral_validity_s */
	EVP_PKEY *login_key;
} sam_authz_st = { 600000, 1800, NULL };

const char *
sam_authz_status_name(enum sam_authz_status s)
{
	return (unsigned)s < SAM_AUTHZ_STATUS__MAX ? sam_authz_statuses[s] : "?";
}

const char *
sam_authz_mode_name(enum sam_authz_mode m)
{
	return (unsigned)m < SAM_AUTHZ_MODE__MAX ? sam_authz_modes[m] : "?";
}

void
sam_authz_clear(struct sam_authz *a)
{
	pp_wipe(a->sad, sizeof(a->sad));
}

enum pp_err
sam_authz_docs_alloc(struct sam_authz_docs *d, size_t n, size_t hash_len)
{
	memset(d, 0, sizeof(*d));
	if (n == 0 || n > SAM_LEDGER_MAX_HASHES || hash_len == 0 || hash_len > 64)
		return PP_ERR_INTERNAL;
	if ((d->hash = pp_calloc(n, sizeof(*d->hash))) == NULL || (d->p = pp_calloc(n, sizeof(*d->p))) == NULL ||
	    (d->label = pp_calloc(n, sizeof(*d->label))) == NULL) {
		sam_authz_docs_free(d);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		d->p[i] = d->hash[i];
	d->n = n;
	d->hash_len = hash_len;
	return PP_OK;
}

void
sam_authz_docs_free(struct sam_authz_docs *d)
{
	if (d == NULL)
		return;
	pp_free(d->hash);
	pp_free(d->p);
	pp_free(d->label);
	memset(d, 0, sizeof(*d));
}

/* ------------------------------------------------------------------ encodings */

/* base64url without padding of in[0..len) into out (room for 4*len/3+2). */
static void
sam_authz_b64url(const unsigned char *in, size_t len, char *out)
{
	char tmp[4 * ((64 + 2) / 3) + 1];
	size_t i, o = 0;

	pp_b64_encode(in, len, tmp);
	for (i = 0; tmp[i] && tmp[i] != '='; i++)
		out[o++] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i];
	out[o] = '\0';
	pp_wipe(tmp, sizeof(tmp));
}

static int
sam_authz_b64url_chars(const char *s, size_t min, size_t max)
{
	size_t n;

	if (s == NULL || (n = strnlen(s, max + 1)) < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

enum pp_err
sam_authz_s256(const char *verifier, char out[SAM_AUTHZ_CHALLENGE_LEN + 1])
{
	unsigned char d[32];
	unsigned int dl = 0;
	size_t n;

	out[0] = '\0';
	if (verifier == NULL || (n = strnlen(verifier, SAM_AUTHZ_VERIFIER_MAX + 1)) < SAM_AUTHZ_VERIFIER_MIN ||
	    n > SAM_AUTHZ_VERIFIER_MAX)
		return PP_ERR_FIELD_INVALID;
	for (size_t i = 0; i < n; i++) {
		char c = verifier[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~'))
			return PP_ERR_FIELD_INVALID;
	}
	if (EVP_Digest(verifier, n, d, &dl, EVP_sha256(), NULL) != 1 || dl != sizeof(d))
		return PP_ERR_INTERNAL;
	sam_authz_b64url(d, sizeof(d), out);
	return PP_OK;
}

static enum pp_err
sam_authz_sha256(const char *s, unsigned char d[32])
{
	unsigned int dl = 0;

	return EVP_Digest(s, strlen(s), d, &dl, EVP_sha256(), NULL) == 1 && dl == 32 ? PP_OK : PP_ERR_INTERNAL;
}

#define SAM_AUTHZ_BLOB(ptr, n) ((struct pp_val){ .type = PP_VAL_BLOB, .p = (ptr), .len = (n) })
#define SAM_AUTHZ_TEXT_OR_NULL(s) ((s) != NULL && *(s) ? PP_VAL_S(s) : (struct pp_val){ .type = PP_VAL_NULL })

/* ------------------------------------------------------------------ rows */

#define SAM_AUTHZ_COLS "id, mode, client_id, sca, signatory, credential, hash_algo, num_signatures," \
	" description, redirect_uri, state, code_challenge, status, otp_id, otp_notary, auth_method, issuer," \
	" notary, sad_id, sad, sad_expires_ms, code_expires_ms, created_ms, expires_ms, approved_ms, key_type"

struct sam_authz_row {
	struct sam_authz *a;
	int found;
};

static int64_t
sam_authz_int(const struct pp_val *c)
{
	return c->type == PP_VAL_INT ? c->i : 0;
}

static int
sam_authz_enum(const struct pp_val *c, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (c->type == PP_VAL_TEXT && strlen(names[i]) == c->len && memcmp(c->p, names[i], c->len) == 0) {
			*out = i;
			return 1;
		}
	return 0;
}

static enum pp_err
sam_authz_row_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_authz_row *r = arg;
	struct sam_authz *a = r->a;
	int mode, status;

	if (n != 26 || !pp_val_text(&c[0], a->id, sizeof(a->id)) ||
	    !sam_authz_enum(&c[1], sam_authz_modes, SAM_AUTHZ_MODE__MAX, &mode) ||
	    !pp_val_text(&c[2], a->client_id, sizeof(a->client_id)) ||
	    !pp_val_text(&c[3], a->sca, sizeof(a->sca)) ||
	    !pp_val_text(&c[4], a->signatory, sizeof(a->signatory)) ||
	    !pp_val_text(&c[5], a->credential, sizeof(a->credential)) ||
	    !pp_val_text(&c[6], a->hash_algo, sizeof(a->hash_algo)) ||
	    !pp_val_text(&c[8], a->description, sizeof(a->description)) ||
	    !pp_val_text(&c[9], a->redirect_uri, sizeof(a->redirect_uri)) ||
	    !pp_val_text(&c[10], a->state, sizeof(a->state)) ||
	    !pp_val_text(&c[11], a->code_challenge, sizeof(a->code_challenge)) ||
	    !sam_authz_enum(&c[12], sam_authz_statuses, SAM_AUTHZ_STATUS__MAX, &status) ||
	    !pp_val_text(&c[13], a->otp_id, sizeof(a->otp_id)) ||
	    !pp_val_text(&c[14], a->otp_notary, sizeof(a->otp_notary)) ||
	    !pp_val_text(&c[15], a->auth_method, sizeof(a->auth_method)) ||
	    !pp_val_text(&c[16], a->issuer, sizeof(a->issuer)) ||
	    !pp_val_text(&c[17], a->notary, sizeof(a->notary)) ||
	    !pp_val_text(&c[18], a->sad_id, sizeof(a->sad_id)) ||
	    !pp_val_text(&c[19], a->sad, sizeof(a->sad)) ||
	    !pp_val_text(&c[25], a->key_type, sizeof(a->key_type)))
		return PP_ERR_DB;
	a->mode = (enum sam_authz_mode)mode;
	a->status = (enum sam_authz_status)status;
	a->num_signatures = sam_authz_int(&c[7]);
	a->sad_expires_ms = sam_authz_int(&c[20]);
	a->code_expires_ms = sam_authz_int(&c[21]);
	a->created_ms = sam_authz_int(&c[22]);
	a->expires_ms = sam_authz_int(&c[23]);
	a->approved_ms = sam_authz_int(&c[24]);
	r->found = 1;
	return PP_OK;
}

static enum pp_err
sam_authz_doc_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_authz_docs *d = arg;
	size_t i;

	if (n != 3 || c[0].type != PP_VAL_INT || c[0].i < 0 || (size_t)c[0].i >= d->n ||
	    c[1].type != PP_VAL_BLOB || c[1].len != d->hash_len ||
	    !pp_val_text(&c[2], d->label[c[0].i], sizeof(d->label[0])))
		return PP_ERR_DB;
	i = (size_t)c[0].i;
	memcpy(d->hash[i], c[1].p, c[1].len);
	return PP_OK;
}

/*
 * Expires what is past its time, inside the caller's transaction: every
 * request (id NULL: the sweep) or one.  An approved request whose code (or,
 * in mode link, whose SAD) has expired loses its SAD, and the SAD's unused
 * ledger rows are burned: it was never handed out.  OUT *n: how many.
 */
static enum pp_err
sam_authz_expire_tx(struct pp_store *st, const char *id, int64_t now, int64_t *n)
{
	struct pp_val b[4] = { PP_VAL_I(now), PP_VAL_I(now), PP_VAL_I(now), { 0 } };
	int64_t a = 0, c = 0;
	enum pp_err rc;
	size_t nb = 3;

	if (id != NULL) {
		b[3] = PP_VAL_S(id);
		nb = 4;
	}
	*n = 0;
	/* The burn first: it selects the rows the next update changes. */
	rc = pp_store_exec(st, id == NULL ?
	    "UPDATE sad_hashes SET state = 'BURNED', burned_why = 'REVOKED', updated_ms = ?1"
	    " WHERE state = 'AUTHORIZED' AND sad IN (SELECT sad_id FROM authz WHERE status = 'APPROVED'"
	    " AND ((mode IN ('redirect', 'par') AND code_expires_ms <= ?2) OR (mode IN ('link', 'ephemeral') AND sad_expires_ms <= ?3)))" :
	    "UPDATE sad_hashes SET state = 'BURNED', burned_why = 'REVOKED', updated_ms = ?1"
	    " WHERE state = 'AUTHORIZED' AND sad IN (SELECT sad_id FROM authz WHERE status = 'APPROVED'"
	    " AND ((mode IN ('redirect', 'par') AND code_expires_ms <= ?2) OR (mode IN ('link', 'ephemeral') AND sad_expires_ms <= ?3))"
	    " AND id = ?4)", b, nb, NULL, NULL, NULL);
	if (rc != PP_OK)
		return rc;
	rc = pp_store_exec(st, id == NULL ?
	    "UPDATE authz SET status = 'EXPIRED', sad = NULL, updated_ms = ?1 WHERE status = 'APPROVED'"
	    " AND ((mode IN ('redirect', 'par') AND code_expires_ms <= ?2) OR (mode IN ('link', 'ephemeral') AND sad_expires_ms <= ?3))" :
	    "UPDATE authz SET status = 'EXPIRED', sad = NULL, updated_ms = ?1 WHERE status = 'APPROVED'"
	    " AND ((mode IN ('redirect', 'par') AND code_expires_ms <= ?2) OR (mode IN ('link', 'ephemeral') AND sad_expires_ms <= ?3))"
	    " AND id = ?4", b, nb, NULL, NULL, &a);
	if (rc != PP_OK)
		return rc;
	rc = pp_store_exec(st, id == NULL ?
	    "UPDATE authz SET status = 'EXPIRED', updated_ms = ?1 WHERE status IN ('NEW', 'AUTHENTICATED')"
	    " AND expires_ms <= ?2 AND ?3 = ?3" :
	    "UPDATE authz SET status = 'EXPIRED', updated_ms = ?1 WHERE status IN ('NEW', 'AUTHENTICATED')"
	    " AND expires_ms <= ?2 AND ?3 = ?3 AND id = ?4", b, nb, NULL, NULL, &c);
	if (rc == PP_OK)
		*n = a + c;
	return rc;
}

static enum pp_err
sam_authz_select(struct pp_store *st, const char *sql, const struct pp_val *b, size_t nb, struct sam_authz *a,
    int *found)
{
	struct sam_authz_row r = { a, 0 };
	enum pp_err rc;

	memset(a, 0, sizeof(*a));
	rc = pp_store_exec(st, sql, b, nb, sam_authz_row_cb, &r, NULL);
	*found = r.found;
	if (rc != PP_OK)
		sam_authz_clear(a);
	return rc;
}

static enum pp_err
sam_authz_docs_load(struct pp_store *st, const struct sam_authz *a, struct sam_authz_docs *d)
{
	struct pp_val b[1] = { PP_VAL_S(a->id) };
	size_t hl = sam_hash_algo_len(a->hash_algo);
	enum pp_err rc;

	memset(d, 0, sizeof(*d));
	/* An ephemeral session before its documents. */
	if (a->num_signatures == 0 && a->mode == SAM_AUTHZ_EPHEMERAL)
		return PP_OK;
	if (a->num_signatures <= 0 || a->num_signatures > SAM_LEDGER_MAX_HASHES || hl == 0)
		return PP_ERR_DB;
	if ((rc = sam_authz_docs_alloc(d, (size_t)a->num_signatures, hl)) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(st, "SELECT position, hash, label FROM authz_docs WHERE authz = ? ORDER BY position",
	    b, 1, sam_authz_doc_cb, d, NULL)) != PP_OK)
		sam_authz_docs_free(d);
	return rc;
}

/* ------------------------------------------------------------------ store */

int
sam_authz_notary_ok(const struct sam_authz *a, const char *notary)
{
	/* Under a notary's supervision the notary stays the same one; without
	 * one at sending, none may appear at verification. */
	if (notary == NULL || *notary == '\0')
		return a->otp_notary[0] == '\0';
	return strcmp(notary, a->otp_notary) == 0;
}

enum pp_err
sam_authz_insert(struct pp_store *st, struct sam_authz *a, const struct sam_authz_docs *d, int64_t now_ms,
    int64_t life_ms)
{
	unsigned char rid[SAM_AUTHZ_ID_LEN / 2];
	enum pp_err rc;

	if (life_ms <= 0 || (a->mode == SAM_AUTHZ_EPHEMERAL ? a->num_signatures != 0 || a->key_type[0] == '\0' :
	    d == NULL || d->n == 0 || (int64_t)d->n != a->num_signatures))
		return PP_ERR_INTERNAL;
	if (RAND_bytes(rid, sizeof(rid)) != 1)
		return PP_ERR_INTERNAL;
	pp_hex(rid, sizeof(rid), a->id);
	a->status = SAM_AUTHZ_NEW;
	a->created_ms = now_ms;
	a->expires_ms = now_ms + life_ms;
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	{
		struct pp_val b[16] = {
			PP_VAL_S(a->id), PP_VAL_S(sam_authz_mode_name(a->mode)), PP_VAL_S(a->client_id),
			PP_VAL_S(a->sca), PP_VAL_S(a->signatory), PP_VAL_S(a->credential), PP_VAL_S(a->hash_algo),
			PP_VAL_I(a->num_signatures), SAM_AUTHZ_TEXT_OR_NULL(a->description),
			SAM_AUTHZ_TEXT_OR_NULL(a->redirect_uri), SAM_AUTHZ_TEXT_OR_NULL(a->state),
			SAM_AUTHZ_TEXT_OR_NULL(a->code_challenge), PP_VAL_I(now_ms), PP_VAL_I(a->expires_ms),
			PP_VAL_I(now_ms), SAM_AUTHZ_TEXT_OR_NULL(a->key_type),
		};
		rc = pp_store_exec(st, "INSERT INTO authz (id, mode, client_id, sca, signatory, credential,"
		    " hash_algo, num_signatures, description, redirect_uri, state, code_challenge, status,"
		    " created_ms, expires_ms, updated_ms, key_type)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'NEW', ?, ?, ?, ?)",
		    b, SAM_N(b), NULL, NULL, NULL);
	}
	for (size_t i = 0; rc == PP_OK && d != NULL && i < d->n; i++) {
		struct pp_val b[4] = { PP_VAL_S(a->id), PP_VAL_I((int64_t)i), SAM_AUTHZ_BLOB(d->p[i], d->hash_len),
			SAM_AUTHZ_TEXT_OR_NULL(d->label[i]) };
		rc = pp_store_exec(st, "INSERT INTO authz_docs (authz, position, hash, label) VALUES (?, ?, ?, ?)",
		    b, 4, NULL, NULL, NULL);
	}
	if (rc == PP_OK && (rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
	pp_store_rollback(st);
	return rc;
}

enum pp_err
sam_authz_load(struct pp_store *st, const char *id, int64_t now_ms, struct sam_authz *a, struct sam_authz_docs *d,
    int *found)
{
	struct pp_val b[1];
	int64_t n;
	enum pp_err rc;

	*found = 0;
	memset(a, 0, sizeof(*a));
	if (d != NULL)
		memset(d, 0, sizeof(*d));
	if (id == NULL || strlen(id) != SAM_AUTHZ_ID_LEN)
		return PP_OK;
	b[0] = PP_VAL_S(id);
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_expire_tx(st, id, now_ms, &n)) == PP_OK &&
	    (rc = sam_authz_select(st, "SELECT " SAM_AUTHZ_COLS " FROM authz WHERE id = ?", b, 1, a, found)) == PP_OK &&
	    *found && d != NULL)
		rc = sam_authz_docs_load(st, a, d);
	if (rc == PP_OK && (rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
	pp_store_rollback(st);
	sam_authz_clear(a);
	if (d != NULL)
		sam_authz_docs_free(d);
	*found = 0;
	return rc;
}

/* The refusal of a request that is not in the state an action needs. */
static void
sam_authz_state_refusal(enum sam_authz_status s, struct sam_sad_refuse *ref)
{
	switch (s) {
	case SAM_AUTHZ_EXPIRED:
		*ref = (struct sam_sad_refuse){ "expired_token", "the authorisation request has expired" };
		break;
	case SAM_AUTHZ_CANCELLED:
		*ref = (struct sam_sad_refuse){ "access_denied", "the authorisation request was cancelled" };
		break;
	case SAM_AUTHZ_NEW:
		*ref = (struct sam_sad_refuse){ "access_denied", "the signatory has not authenticated yet" };
		break;
	default:
		*ref = (struct sam_sad_refuse){ "invalid_request", "the authorisation request is already past this step" };
		break;
	}
}

/* One guarded update of request id: applied only while its status is one
 * of the allowed (bit per status), else a refusal saying why. */
static enum pp_err
sam_authz_update(struct pp_store *st, const char *id, unsigned allowed, const char *sql, const struct pp_val *b,
    size_t nb, int64_t now_ms, struct sam_sad_refuse *ref, struct sam_authz *cur)
{
	struct pp_val kb[1] = { PP_VAL_S(id) };
	int64_t n = 0, changed = 0;
	int found = 0;
	enum pp_err rc;

	ref->error = ref->text = NULL;
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_expire_tx(st, id, now_ms, &n)) != PP_OK ||
	    (rc = sam_authz_select(st, "SELECT " SAM_AUTHZ_COLS " FROM authz WHERE id = ?", kb, 1, cur, &found)) != PP_OK)
		goto fail;
	if (!found)
		*ref = (struct sam_sad_refuse){ "invalid_request", "authz: no such authorisation request" };
	else if (!(allowed & (1u << cur->status)))
		sam_authz_state_refusal(cur->status, ref);
	else if ((rc = pp_store_exec(st, sql, b, nb, NULL, NULL, &changed)) != PP_OK)
		goto fail;
	else if (changed != 1) {
		rc = PP_ERR_DB;
		goto fail;
	}
	/* A refusal may still have expired the request: committed. */
	if ((rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
fail:
	pp_store_rollback(st);
	ref->error = ref->text = NULL;
	return rc;
}

enum pp_err
sam_authz_otp_sent(struct pp_store *st, const char *id, const char *otp_id, const char *notary, int64_t now_ms,
    struct sam_sad_refuse *ref)
{
	struct sam_authz cur;
	struct pp_val b[4] = { PP_VAL_S(otp_id), SAM_AUTHZ_TEXT_OR_NULL(notary), PP_VAL_I(now_ms), PP_VAL_S(id) };
	enum pp_err rc;

	rc = sam_authz_update(st, id, 1u << SAM_AUTHZ_NEW, "UPDATE authz SET otp_id = ?, otp_notary = ?,"
	    " updated_ms = ? WHERE id = ? AND status = 'NEW'", b, 4, now_ms, ref, &cur);
	sam_authz_clear(&cur);
	return rc;
}

enum pp_err
sam_authz_authenticated(struct pp_store *st, const char *id, const char *method, const char *issuer,
    const char *notary, const char *credential, int64_t now_ms, struct sam_sad_refuse *ref)
{
	struct sam_authz cur;
	struct pp_val b[6] = { PP_VAL_S(method), SAM_AUTHZ_TEXT_OR_NULL(issuer), SAM_AUTHZ_TEXT_OR_NULL(notary),
		SAM_AUTHZ_TEXT_OR_NULL(credential), PP_VAL_I(now_ms), PP_VAL_S(id) };
	enum pp_err rc;

	rc = sam_authz_update(st, id, 1u << SAM_AUTHZ_NEW, "UPDATE authz SET status = 'AUTHENTICATED',"
	    " auth_method = ?, issuer = ?, notary = ?, credential = coalesce(?, credential), updated_ms = ?"
	    " WHERE id = ? AND status = 'NEW'", b, 6, now_ms, ref, &cur);
	sam_authz_clear(&cur);
	return rc;
}

enum pp_err
sam_authz_approved(struct pp_store *st, const char *id, const char *sad_id, const char *sad, int64_t sad_expires_ms,
    int64_t now_ms, char code[SAM_AUTHZ_CODE_LEN + 1], struct sam_sad_refuse *ref)
{
	unsigned char raw[32], digest[32];
	struct sam_authz cur;
	struct pp_val b[8];
	enum pp_err rc;
	int with_code;

	code[0] = '\0';
	/* The mode decides whether there is a code: read it first. */
	{
		int found = 0;
		if ((rc = sam_authz_load(st, id, now_ms, &cur, NULL, &found)) != PP_OK)
			return rc;
		sam_authz_clear(&cur);
		if (!found) {
			*ref = (struct sam_sad_refuse){ "invalid_request", "authz: no such authorisation request" };
			return PP_OK;
		}
		with_code = cur.mode == SAM_AUTHZ_REDIRECT || cur.mode == SAM_AUTHZ_PAR;
	}
	if (with_code) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return PP_ERR_INTERNAL;
		sam_authz_b64url(raw, sizeof(raw), code);
		pp_wipe(raw, sizeof(raw));
		if ((rc = sam_authz_sha256(code, digest)) != PP_OK) {
			pp_wipe(code, SAM_AUTHZ_CODE_LEN + 1);
			return rc;
		}
	}
	b[0] = PP_VAL_S(sad_id);
	b[1] = PP_VAL_S(sad);
	b[2] = PP_VAL_I(sad_expires_ms);
	b[3] = with_code ? SAM_AUTHZ_BLOB(digest, sizeof(digest)) : (struct pp_val){ .type = PP_VAL_NULL };
	b[4] = with_code ? PP_VAL_I(now_ms + SAM_AUTHZ_CODE_LIFE_MS) : (struct pp_val){ .type = PP_VAL_NULL };
	b[5] = PP_VAL_I(now_ms);
	b[6] = PP_VAL_I(now_ms);
	b[7] = PP_VAL_S(id);
	rc = sam_authz_update(st, id, 1u << SAM_AUTHZ_AUTHENTICATED, "UPDATE authz SET status = 'APPROVED',"
	    " sad_id = ?, sad = ?, sad_expires_ms = ?, code_sha256 = ?, code_expires_ms = ?, approved_ms = ?,"
	    " updated_ms = ? WHERE id = ? AND status = 'AUTHENTICATED'", b, 8, now_ms, ref, &cur);
	sam_authz_clear(&cur);
	if (rc != PP_OK || ref->error != NULL)
		pp_wipe(code, SAM_AUTHZ_CODE_LEN + 1);
	return rc;
}

enum pp_err
sam_authz_cancel(struct pp_store *st, const char *id, int64_t now_ms, struct sam_sad_refuse *ref)
{
	struct pp_val kb[1] = { PP_VAL_S(id) }, b[2] = { PP_VAL_I(now_ms), PP_VAL_S(id) };
	struct sam_authz cur;
	int64_t n = 0, burned = 0, changed = 0;
	int found = 0;
	enum pp_err rc;

	ref->error = ref->text = NULL;
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_expire_tx(st, id, now_ms, &n)) != PP_OK ||
	    (rc = sam_authz_select(st, "SELECT " SAM_AUTHZ_COLS " FROM authz WHERE id = ?", kb, 1, &cur, &found)) != PP_OK)
		goto fail;
	if (!found) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "authz: no such authorisation request" };
	} else if (cur.status > SAM_AUTHZ_APPROVED) {
		sam_authz_state_refusal(cur.status, ref);
	} else {
		/* An approved request's SAD was never handed out: burned. */
		if (cur.status == SAM_AUTHZ_APPROVED &&
		    (rc = sam_ledger_revoke_tx(st, cur.sad_id, now_ms, &burned)) != PP_OK)
			goto fail;
		if ((rc = pp_store_exec(st, "UPDATE authz SET status = 'CANCELLED', sad = NULL, updated_ms = ?"
		    " WHERE id = ? AND status IN ('NEW', 'AUTHENTICATED', 'APPROVED')", b, 2, NULL, NULL,
		    &changed)) != PP_OK)
			goto fail;
		if (changed != 1) {
			rc = PP_ERR_DB;
			goto fail;
		}
	}
	sam_authz_clear(&cur);
	if ((rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
fail:
	sam_authz_clear(&cur);
	pp_store_rollback(st);
	ref->error = ref->text = NULL;
	return rc;
}

/* REDEEMED: the SAD leaves the row. */
static enum pp_err
sam_authz_redeemed_tx(struct pp_store *st, const struct sam_authz *a, int64_t now_ms)
{
	struct pp_val b[2] = { PP_VAL_I(now_ms), PP_VAL_S(a->id) };
	int64_t changed = 0;
	enum pp_err rc;

	if ((rc = pp_store_exec(st, "UPDATE authz SET status = 'REDEEMED', sad = NULL, updated_ms = ?"
	    " WHERE id = ? AND status = 'APPROVED'", b, 2, NULL, NULL, &changed)) != PP_OK)
		return rc;
	return changed == 1 ? PP_OK : PP_ERR_DB;
}

enum pp_err
sam_authz_redeem(struct pp_store *st, const char *sca, const char *client_id, const char *code,
    const char *verifier, const char *redirect_uri, int64_t now_ms, char sad[SAM_SAD_STR_LEN + 1],
    int64_t *expires_ms, struct sam_authz *a, int64_t *burned, struct sam_sad_refuse *ref)
{
	unsigned char digest[32];
	char s256[SAM_AUTHZ_CHALLENGE_LEN + 1];
	struct pp_val b[1];
	int64_t n = 0;
	int found = 0;
	enum pp_err rc;

	sad[0] = '\0';
	*expires_ms = 0;
	*burned = -1;
	ref->error = ref->text = NULL;
	memset(a, 0, sizeof(*a));
	if (!sam_authz_b64url_chars(code, SAM_AUTHZ_CODE_LEN, SAM_AUTHZ_CODE_LEN)) {
		*ref = (struct sam_sad_refuse){ "invalid_grant", "code: not an authorisation code of this service" };
		return PP_OK;
	}
	if ((rc = sam_authz_sha256(code, digest)) != PP_OK)
		return rc;
	b[0] = SAM_AUTHZ_BLOB(digest, sizeof(digest));
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_select(st, "SELECT " SAM_AUTHZ_COLS " FROM authz WHERE code_sha256 = ?", b, 1, a,
	    &found)) != PP_OK)
		goto fail;
	if (!found) {
		*ref = (struct sam_sad_refuse){ "invalid_grant", "code: unknown authorisation code" };
		goto done;
	}
	if ((rc = sam_authz_expire_tx(st, a->id, now_ms, &n)) != PP_OK)
		goto fail;
	if (n > 0) {
		*ref = (struct sam_sad_refuse){ "invalid_grant", "code: the authorisation code has expired (60 s)" };
		a->status = SAM_AUTHZ_EXPIRED;
		goto done;
	}
	if (a->status == SAM_AUTHZ_REDEEMED) {
		/* A code used twice: whoever holds it, the SAD it gave may be
		 * in the wrong hands (RFC 6749 section 4.1.2). */
		if ((rc = sam_ledger_revoke_tx(st, a->sad_id, now_ms, burned)) != PP_OK)
			goto fail;
		*ref = (struct sam_sad_refuse){ "invalid_grant",
			"code: the authorisation code was already used; the SAD it gave is revoked" };
		goto done;
	}
	if (a->status != SAM_AUTHZ_APPROVED) {
		*ref = (struct sam_sad_refuse){ "invalid_grant", a->status == SAM_AUTHZ_CANCELLED ?
			"code: the authorisation request was cancelled" : "code: the authorisation code has expired (60 s)" };
		goto done;
	}
	if (client_id == NULL || strcmp(client_id, a->client_id) != 0 || sca == NULL || strcmp(sca, a->sca) != 0) {
		*ref = (struct sam_sad_refuse){ "invalid_client", "the authorisation code was issued to another client" };
		goto done;
	}
	if (redirect_uri == NULL || strcmp(redirect_uri, a->redirect_uri) != 0) {
		*ref = (struct sam_sad_refuse){ "invalid_grant",
			"redirect_uri: not the redirect URI of the authorisation request" };
		goto done;
	}
	if (sam_authz_s256(verifier, s256) != PP_OK) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "code_verifier: 43 to 128 characters of [A-Za-z0-9._~-]" };
		goto done;
	}
	if (strlen(a->code_challenge) != SAM_AUTHZ_CHALLENGE_LEN ||
	    CRYPTO_memcmp(s256, a->code_challenge, SAM_AUTHZ_CHALLENGE_LEN) != 0) {
		*ref = (struct sam_sad_refuse){ "invalid_grant", "code_verifier: does not match the code_challenge (S256)" };
		goto done;
	}
	if ((rc = sam_authz_redeemed_tx(st, a, now_ms)) != PP_OK)
		goto fail;
	memcpy(sad, a->sad, sizeof(a->sad));
	*expires_ms = a->sad_expires_ms;
	a->status = SAM_AUTHZ_REDEEMED;
done:
	sam_authz_clear(a);
	if ((rc = pp_store_commit(st)) == PP_OK) {
		if (ref->error == NULL)
			return PP_OK;
		pp_wipe(sad, SAM_SAD_STR_LEN + 1);
		return PP_OK;
	}
fail:
	pp_store_rollback(st);
	sam_authz_clear(a);
	pp_wipe(sad, SAM_SAD_STR_LEN + 1);
	ref->error = ref->text = NULL;
	*burned = -1;
	return rc;
}

enum pp_err
sam_authz_check(struct pp_store *st, const char *sca, const char *id, int64_t now_ms, int *pending,
    char sad[SAM_SAD_STR_LEN + 1], int64_t *expires_ms, struct sam_authz *a, struct sam_sad_refuse *ref)
{
	struct pp_val b[1];
	int64_t n = 0;
	int found = 0;
	enum pp_err rc;

	sad[0] = '\0';
	*pending = 0;
	*expires_ms = 0;
	ref->error = ref->text = NULL;
	memset(a, 0, sizeof(*a));
	if (id == NULL || strlen(id) != SAM_AUTHZ_ID_LEN) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "authorizationID: no such authorisation request" };
		return PP_OK;
	}
	b[0] = PP_VAL_S(id);
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_expire_tx(st, id, now_ms, &n)) != PP_OK ||
	    (rc = sam_authz_select(st, "SELECT " SAM_AUTHZ_COLS " FROM authz WHERE id = ?", b, 1, a, &found)) != PP_OK)
		goto fail;
	if (!found || sca == NULL || strcmp(sca, a->sca) != 0) {
		/* Another client's request is not revealed to exist. */
		*ref = (struct sam_sad_refuse){ found ? "access_denied" : "invalid_request",
			found ? "authorizationID: the authorisation request belongs to another client"
			: "authorizationID: no such authorisation request" };
	} else if (a->mode != SAM_AUTHZ_LINK && a->mode != SAM_AUTHZ_EPHEMERAL) {
		*ref = (struct sam_sad_refuse){ "invalid_request",
			"authorizationID: not a credentials/authorize request (use oauth2/token)" };
	} else if (a->status == SAM_AUTHZ_NEW || a->status == SAM_AUTHZ_AUTHENTICATED) {
		*pending = 1;
	} else if (a->status == SAM_AUTHZ_APPROVED) {
		if ((rc = sam_authz_redeemed_tx(st, a, now_ms)) != PP_OK)
			goto fail;
		memcpy(sad, a->sad, sizeof(a->sad));
		*expires_ms = a->sad_expires_ms;
		a->status = SAM_AUTHZ_REDEEMED;
	} else if (a->status == SAM_AUTHZ_REDEEMED && a->mode == SAM_AUTHZ_EPHEMERAL) {
		/* The session's state, without the SAD (delivered once). */
	} else if (a->status == SAM_AUTHZ_REDEEMED) {
		*ref = (struct sam_sad_refuse){ "access_denied", "authorizationID: the SAD was already delivered" };
	} else if (a->status == SAM_AUTHZ_CANCELLED) {
		*ref = (struct sam_sad_refuse){ "access_denied", "the signatory cancelled the authorisation request" };
	} else {
		*ref = (struct sam_sad_refuse){ "expired_token", "the authorisation request has expired" };
	}
	sam_authz_clear(a);
	if ((rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
fail:
	pp_store_rollback(st);
	sam_authz_clear(a);
	pp_wipe(sad, SAM_SAD_STR_LEN + 1);
	ref->error = ref->text = NULL;
	*pending = 0;
	return rc;
}

enum pp_err
sam_authz_documents(struct pp_store *st, const char *sca, const char *id, const char *hash_algo,
    const struct sam_authz_docs *d, int64_t now_ms, struct sam_sad_refuse *ref)
{
	struct pp_val kb[1] = { PP_VAL_S(id) };
	struct pp_val b[4] = { PP_VAL_S(hash_algo), PP_VAL_I((int64_t)d->n), PP_VAL_I(now_ms), PP_VAL_S(id) };
	struct sam_authz cur;
	int64_t n = 0, changed = 0;
	int found = 0;
	enum pp_err rc;

	ref->error = ref->text = NULL;
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_expire_tx(st, id, now_ms, &n)) != PP_OK ||
	    (rc = sam_authz_select(st, "SELECT " SAM_AUTHZ_COLS " FROM authz WHERE id = ?", kb, 1, &cur, &found)) != PP_OK)
		goto fail;
	if (!found || strcmp(cur.sca, sca) != 0 || cur.mode != SAM_AUTHZ_EPHEMERAL)
		*ref = (struct sam_sad_refuse){ "invalid_request", "sessionID: no such ephemeral session of this client" };
	else if (cur.status != SAM_AUTHZ_AUTHENTICATED)
		*ref = cur.status == SAM_AUTHZ_NEW ? (struct sam_sad_refuse){ "invalid_request",
			"the signatory has not authenticated yet: the session has no key" } :
			(struct sam_sad_refuse){ cur.status == SAM_AUTHZ_EXPIRED ? "expired_token" : "invalid_request",
			"the session no longer takes documents" };
	else if (cur.num_signatures != 0)
		*ref = (struct sam_sad_refuse){ "invalid_request", "the session has its documents already" };
	if (ref->error != NULL)
		goto done;
	if ((rc = pp_store_exec(st, "UPDATE authz SET hash_algo = ?, num_signatures = ?, updated_ms = ?"
	    " WHERE id = ? AND status = 'AUTHENTICATED' AND num_signatures = 0", b, 4, NULL, NULL, &changed)) != PP_OK)
		goto fail;
	if (changed != 1) {
		rc = PP_ERR_DB;
		goto fail;
	}
	for (size_t i = 0; i < d->n; i++) {
		struct pp_val db[4] = { PP_VAL_S(id), PP_VAL_I((int64_t)i), SAM_AUTHZ_BLOB(d->p[i], d->hash_len),
			SAM_AUTHZ_TEXT_OR_NULL(d->label[i]) };
		if ((rc = pp_store_exec(st, "INSERT INTO authz_docs (authz, position, hash, label) VALUES (?, ?, ?, ?)",
		    db, 4, NULL, NULL, NULL)) != PP_OK)
			goto fail;
	}
done:
	sam_authz_clear(&cur);
	if ((rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
fail:
	sam_authz_clear(&cur);
	pp_store_rollback(st);
	ref->error = ref->text = NULL;
	return rc;
}

struct sam_authz_reap {
	char (*cred)[33];
	size_t cap, n;
};

static enum pp_err
sam_authz_reap_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_authz_reap *r = arg;

	if (n != 1 || r->n >= r->cap || !pp_val_text(&c[0], r->cred[r->n], sizeof(r->cred[0])))
		return PP_ERR_DB;
	r->n++;
	return PP_OK;
}

enum pp_err
sam_authz_reapable(struct pp_store *st, int64_t now_ms, char (*cred)[33], size_t cap, size_t *n)
{
	struct pp_val b[3] = { PP_VAL_I(now_ms), PP_VAL_I(now_ms / 1000), PP_VAL_I((int64_t)cap) };
	struct sam_authz_reap r = { cred, cap, 0 };
	enum pp_err rc;

	*n = 0;
	/* notAfter is the certificate's last valid second: the session ends
	 * there at the latest (KEY-4: 30 minutes). */
	rc = pp_store_exec(st, "SELECT a.credential FROM authz a JOIN credentials c ON c.id = a.credential"
	    " WHERE a.mode = 'ephemeral' AND a.credential <> '' AND c.state = 'ACTIVE' AND ("
	    " a.status IN ('CANCELLED', 'EXPIRED') OR c.not_after <= ?2"
	    " OR (a.status = 'REDEEMED' AND (a.sad_expires_ms <= ?1 OR NOT EXISTS (SELECT 1 FROM sad_hashes h"
	    " WHERE h.sad = a.sad_id AND h.state IN ('AUTHORIZED', 'RESERVED')))))"
	    " ORDER BY a.updated_ms LIMIT ?3", b, 3, sam_authz_reap_cb, &r, NULL);
	*n = rc == PP_OK ? r.n : 0;
	return rc;
}

enum pp_err
sam_authz_sweep(struct pp_store *st, int64_t now_ms, int64_t *n)
{
	struct pp_val b[1] = { PP_VAL_I(now_ms) };
	enum pp_err rc;

	*n = 0;
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_authz_expire_tx(st, NULL, now_ms, n)) == PP_OK &&
	    (rc = pp_store_exec(st, "DELETE FROM authz_jti WHERE exp_ms <= ?", b, 1, NULL, NULL, NULL)) == PP_OK &&
	    (rc = pp_store_commit(st)) == PP_OK)
		return PP_OK;
	pp_store_rollback(st);
	*n = 0;
	return rc;
}

enum pp_err
sam_authz_jti_use(struct pp_store *st, const char *jti, int64_t exp_ms, int64_t now_ms, int *fresh)
{
	struct pp_val d[1] = { PP_VAL_I(now_ms) }, b[2];
	int64_t changed = 0;
	enum pp_err rc;

	*fresh = 0;
	if (jti == NULL || *jti == '\0' || strlen(jti) > 128)
		return PP_ERR_INTERNAL;
	b[0] = PP_VAL_S(jti);
	b[1] = PP_VAL_I(exp_ms);
	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(st, "DELETE FROM authz_jti WHERE exp_ms <= ?", d, 1, NULL, NULL, NULL)) == PP_OK &&
	    (rc = pp_store_exec(st, "INSERT OR IGNORE INTO authz_jti (jti, exp_ms) VALUES (?, ?)", b, 2, NULL, NULL,
	    &changed)) == PP_OK &&
	    (rc = pp_store_commit(st)) == PP_OK) {
		*fresh = changed == 1;
		return PP_OK;
	}
	pp_store_rollback(st);
	return rc;
}

/* ------------------------------------------------------------------ audit */

/* One record of an authorisation op.  Borrowed strings. */
struct sam_authz_rec {
	enum pp_audit_type type;
	int failure;
	int by_sca;			/* the SCA plugin's op: the SCA acts */
	const char *op, *sca, *signatory, *authz, *ip, *notary, *cause, *error, *credential, *client_id,
	    *sad_id, *otp_id, *method, *issuer, *hash_algo;
	int64_t count, expires_ms, burned;
};

static enum pp_err
sam_authz_audit(struct pp_daemon_ctx *ctx, const struct sam_authz_rec *r)
{
	struct pp_audit_event e;
	json_object *d;
	enum pp_err rc = PP_ERR_NOMEM;

	memset(&e, 0, sizeof(e));
	e.type = r->type;
	e.outcome = r->failure ? PP_AUDIT_FAILURE : PP_AUDIT_SUCCESS;
	if (r->by_sca) {
		e.actor_kind = PP_AUDIT_ACTOR_SCA;
		e.actor_id = sam_enrol_sca_ok(r->sca) ? r->sca : "unknown";
	} else if (sam_enrol_id_ok(r->signatory)) {
		e.actor_kind = PP_AUDIT_ACTOR_SIGNATORY;
		e.actor_id = r->signatory;
	} else {
		e.actor_kind = PP_AUDIT_ACTOR_ANONYMOUS;
		e.actor_id = "signer";
	}
	e.requester = sam_enrol_sca_ok(r->sca) ? r->sca : NULL;
	e.recipient = sam_enrol_id_ok(r->signatory) ? r->signatory : NULL;
	e.correlation = r->authz != NULL && strlen(r->authz) == SAM_AUTHZ_ID_LEN ? r->authz : NULL;
	e.client_ip = r->ip != NULL && *r->ip ? r->ip : NULL;
	/* The notary supervising the OTP is a person present (AUTH-2). */
	e.present[0] = r->notary != NULL && *r->notary ? r->notary : NULL;
	e.cause = r->cause;
	if ((d = e.details = json_object_new_object()) == NULL)
		goto out;
#define SAM_AUTHZ_ADD(key, v) \
	if ((v) != NULL && *(v) && pp_json_add_str(d, key, v) != PP_OK) goto out
	SAM_AUTHZ_ADD("op", r->op);
	SAM_AUTHZ_ADD("client", r->client_id);
	SAM_AUTHZ_ADD("credential", r->credential);
	SAM_AUTHZ_ADD("sad_id", r->sad_id);
	SAM_AUTHZ_ADD("otp_id", r->otp_id);
	SAM_AUTHZ_ADD("auth_method", r->method);
	SAM_AUTHZ_ADD("issuer", r->issuer);
	SAM_AUTHZ_ADD("hash_algo", r->hash_algo);
	SAM_AUTHZ_ADD("error", r->error);
#undef SAM_AUTHZ_ADD
	if (r->count > 0 && pp_json_add_int(d, "count", r->count) != PP_OK)
		goto out;
	if (r->expires_ms > 0 && pp_json_add_int(d, "expires_ms", r->expires_ms) != PP_OK)
		goto out;
	if (r->burned > 0 && pp_json_add_int(d, "burned", r->burned) != PP_OK)
		goto out;
	if ((rc = pp_audit_emit(ctx->conf, &e, NULL)) != PP_OK)
		pp_err_log("sam: the audit record %s of %s was not acknowledged", pp_audit_type_name(r->type),
		    r->op ? r->op : "?");
out:
	json_object_put(e.details);
	return rc;
}

/* Records a refusal, then answers it. */
static enum pp_err
sam_authz_refuse(struct pp_daemon_ctx *ctx, struct sam_authz_rec *rec, enum pp_audit_type type,
    const struct sam_sad_refuse *ref, json_object *ans)
{
	enum pp_err rc;

	rec->type = type;
	rec->failure = 1;
	rec->error = ref->error ? ref->error : "invalid_request";
	rec->cause = ref->text ? ref->text : "refused";
	if ((rc = sam_authz_audit(ctx, rec)) != PP_OK)
		return rc;
	if (pp_json_add_str(ans, "error", rec->error) != PP_OK ||
	    pp_json_add_str(ans, "error_description", rec->cause) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* ------------------------------------------------------------------ requests */

/* Members of the ops below: struct sam_sad_field, checked by sam_sad_shape
 * (sam_sad.h). */

static int
sam_authz_id_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < SAM_AUTHZ_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/* An address as nginx gives it: IPv4 or IPv6 text. */
static int
sam_authz_ip_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > SAM_AUTHZ_IP_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F') ||
		    s[i] == '.' || s[i] == ':'))
			return 0;
	return 1;
}

static int
sam_authz_printable(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strnlen(s, max + 1)) == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/* Loads the request of a signer op; a refusal when there is none. */
static enum pp_err
sam_authz_find(struct pp_daemon_ctx *ctx, const char *id, struct sam_authz *a, struct sam_authz_docs *d,
    struct sam_sad_refuse *ref)
{
	int found = 0;
	enum pp_err rc;

	ref->error = ref->text = NULL;
	if (!sam_authz_id_ok(id)) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "authz: 32 lower-case hex digits" };
		return PP_OK;
	}
	if ((rc = sam_authz_load(ctx->store, id, sam_now_ms(), a, d, &found)) != PP_OK)
		return rc;
	if (!found)
		*ref = (struct sam_sad_refuse){ "invalid_request", "authz: no such authorisation request" };
	return PP_OK;
}

/* ------------------------------------------------------------------ authz.create */

static const struct sam_sad_field sam_authz_create_fields[] = {
	{ "client_id", json_type_string, 0 },
	{ "sca", json_type_string, 0 },
	{ "mode", json_type_string, 1 },
	{ "redirect_uri", json_type_string, 0 },
	/* Required but in mode ephemeral (checked by the op). */
	{ "credential", json_type_string, 0 },
	{ "hash_algo", json_type_string, 0 },
	{ "documents", json_type_array, 0 },
	{ "num_signatures", json_type_int, 0 },
	{ "description", json_type_string, 0 },
	{ "code_challenge", json_type_string, 0 },
	{ "code_challenge_method", json_type_string, 0 },
	{ "state", json_type_string, 0 },
	{ "ip", json_type_string, 0 },
	/* Mode ephemeral only. */
	{ "signatory", json_type_string, 0 },
	{ "key_type", json_type_string, 0 },
};

/* KEY-4: an ephemeral session of client cl for one of its signatories;
 * its key is made when the signatory authenticates.  rec: the record so
 * far. */
static enum pp_err
sam_authz_create_ephemeral(struct pp_daemon_ctx *ctx, json_object *req, json_object *ans,
    const struct sam_client *cl, struct sam_authz_rec *rec)
{
	const char *sig = pp_json_get_str(req, "signatory"), *kt = pp_json_get_str(req, "key_type");
	const char *desc = pp_json_get_str(req, "description");
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_signatory s;
	struct sam_refuse eref;
	struct sam_authz a;
	enum pp_p11_keytype t;
	enum pp_err rc;

	if (sig == NULL || kt == NULL)
		ref.text = "signatory and key_type are required for an ephemeral session";
	else if (json_object_object_get_ex(req, "credential", NULL) || json_object_object_get_ex(req, "documents", NULL) ||
	    json_object_object_get_ex(req, "hash_algo", NULL) || json_object_object_get_ex(req, "num_signatures", NULL) ||
	    json_object_object_get_ex(req, "redirect_uri", NULL) || json_object_object_get_ex(req, "code_challenge", NULL))
		ref.text = "an ephemeral session names no credential, documents or redirect URI at creation";
	else if (!sam_enrol_id_ok(sig))
		ref.text = "signatory: 1 to 64 printable ASCII characters, no space";
	else if (sam_cred_key_type(kt, &t) != PP_OK || t == PP_P11_RSA2048)
		ref.text = "key_type: one of rsa3072, rsa4096, ec-p256, ec-p384, ec-p521";
	else if (desc != NULL && !sam_enrol_text_ok(desc, SAM_AUTHZ_DESC_MAX))
		ref.text = "description: 1 to 256 bytes of UTF-8 without control characters";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	if ((rc = sam_enrol_get(ctx->store, cl->subject, sig, &s, &eref)) != PP_OK)
		return rc;
	if (eref.why != SAM_REFUSAL_NONE) {
		ref = (struct sam_sad_refuse){ sam_refusal_code(eref.why), eref.text };
		return sam_authz_refuse(ctx, rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	}
	memset(&a, 0, sizeof(a));
	a.mode = SAM_AUTHZ_EPHEMERAL;
	snprintf(a.client_id, sizeof(a.client_id), "%s", cl->id);
	snprintf(a.sca, sizeof(a.sca), "%s", cl->subject);
	snprintf(a.signatory, sizeof(a.signatory), "%s", sig);
	snprintf(a.key_type, sizeof(a.key_type), "%s", kt);
	snprintf(a.description, sizeof(a.description), "%s", desc ? desc : "");
	if ((rc = sam_authz_insert(ctx->store, &a, NULL, sam_now_ms(), sam_authz_st.life_ms)) != PP_OK)
		return rc;
	rec->type = PP_AUDIT_SAD_USE;
	rec->authz = a.id;
	rec->signatory = a.signatory;
	rec->expires_ms = a.expires_ms;
	rec->cause = "ephemeral signing session opened";
	if ((rc = sam_authz_audit(ctx, rec)) != PP_OK)
		return rc;
	if ((rc = pp_json_add_str(ans, "authz", a.id)) == PP_OK)
		rc = pp_json_add_int(ans, "expires_ms", a.expires_ms);
	return rc;
}

/* The documents member: 1..1000 {"hash": base64, "label": UTF-8 1..128},
 * no duplicate hash.  OUT d (on success).  A refusal: *why set. */
enum pp_err
sam_authz_docs_get(json_object *arr, size_t dlen, struct sam_authz_docs *d, const char **why)
{
	size_t n = json_object_array_length(arr), got;
	enum pp_err rc;

	*why = NULL;
	if (n == 0 || n > SAM_LEDGER_MAX_HASHES) {
		*why = "documents: 1 to 1000 documents";
		return PP_OK;
	}
	if ((rc = sam_authz_docs_alloc(d, n, dlen)) != PP_OK)
		return rc;
	for (size_t i = 0; i < n && *why == NULL; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *h, *l = NULL;
		if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "hash", &h) ||
		    !json_object_is_type(h, json_type_string) ||
		    json_object_object_length(e) != (json_object_object_get_ex(e, "label", &l) ? 2 : 1)) {
			*why = "documents: each one {\"hash\": base64 digest, \"label\": optional text}";
			break;
		}
		if (pp_b64_decode(json_object_get_string(h), (size_t)json_object_get_string_len(h), d->hash[i],
		    sizeof(d->hash[i]), &got) != PP_OK || got != dlen) {
			*why = "documents: each hash the standard base64 of a digest of hash_algo's length";
			break;
		}
		if (l != NULL) {
			if (!json_object_is_type(l, json_type_string) ||
			    !sam_enrol_text_ok(json_object_get_string(l), SAM_AUTHZ_LABEL_MAX)) {
				*why = "documents: a label is 1 to 128 bytes of UTF-8 without control characters";
				break;
			}
			snprintf(d->label[i], sizeof(d->label[i]), "%s", json_object_get_string(l));
		}
		for (size_t j = 0; j < i; j++)
			if (memcmp(d->hash[j], d->hash[i], dlen) == 0) {
				*why = "documents: the same hash twice";
				break;
			}
	}
	if (*why != NULL)
		sam_authz_docs_free(d);
	return PP_OK;
}

enum pp_err
sam_authz_op_create(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *client_id = pp_json_get_str(req, "client_id"), *sca = pp_json_get_str(req, "sca");
	const char *mode = pp_json_get_str(req, "mode"), *uri = pp_json_get_str(req, "redirect_uri");
	const char *cid = pp_json_get_str(req, "credential"), *halg = pp_json_get_str(req, "hash_algo");
	const char *desc = pp_json_get_str(req, "description"), *chal = pp_json_get_str(req, "code_challenge");
	const char *cmeth = pp_json_get_str(req, "code_challenge_method"), *state = pp_json_get_str(req, "state");
	const char *ip = pp_json_get_str(req, "ip"), *why = NULL;
	struct sam_authz_rec rec = { .op = "authz.create", .by_sca = sca != NULL, .sca = sca, .ip = ip,
		.credential = cid, .client_id = client_id, .hash_algo = halg };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	const struct sam_client *cl = NULL;
	struct sam_authz_docs d = { 0 };
	struct sam_authz a;
	struct sam_sad_cred k;
	enum pp_p11_keytype kt;
	json_object *docs = NULL, *num = NULL;
	size_t dlen = 0;
	int missing, refused, m = -1;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_authz_create_fields, SAM_N(sam_authz_create_fields), &missing)) != PP_OK)
		return rc;
	json_object_object_get_ex(req, "documents", &docs);
	json_object_object_get_ex(req, "num_signatures", &num);
	for (int i = 0; mode != NULL && i < SAM_AUTHZ_MODE__MAX; i++)
		if (strcmp(mode, sam_authz_modes[i]) == 0)
			m = i;
	memset(&a, 0, sizeof(a));
	if (!missing && m != SAM_AUTHZ_EPHEMERAL && (cid == NULL || halg == NULL || docs == NULL || num == NULL))
		missing = 1;
	if (sam_service_ceased())
		ref = (struct sam_sad_refuse){ SAM_CEASED_CODE, SAM_CEASED_TEXT };
	else if (missing)
		ref.text = "mode, credential, hash_algo, documents and num_signatures are required";
	else if (client_id == NULL && sca == NULL)
		ref.text = "client_id (signer) or sca (SCA plugin) is required";
	else if (ip != NULL && !sam_authz_ip_ok(ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	/* The client: named by the SCA plugin's certificate (checked by
	 * sam_client_check), or by client_id at oauth2/authorize. */
	cl = sca != NULL ? sam_clients_find(sam_client_registry(), sca)
	    : sam_clients_find_id(sam_client_registry(), client_id);
	if (cl == NULL || cl->status != SAM_CLIENT_ACTIVE || !(cl->roles & SAM_CLIENT_R_SCA)) {
		ref = (struct sam_sad_refuse){ "access_denied", "client_id: not an active SCA client of this service" };
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	}
	/* PAR names its client too: it must be the certificate's. */
	if (sca != NULL && client_id != NULL && strcmp(client_id, cl->id) != 0) {
		ref = (struct sam_sad_refuse){ "invalid_client", "client_id: not the client of the certificate" };
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	}
	rec.client_id = cl->id;
	rec.sca = cl->subject;
	if (m == SAM_AUTHZ_EPHEMERAL && sca != NULL)
		return sam_authz_create_ephemeral(ctx, req, ans, cl, &rec);
	if (m < 0 || m == SAM_AUTHZ_EPHEMERAL)
		ref.text = "mode: redirect, par or link (ephemeral from the SCA API)";
	else if (json_object_object_get_ex(req, "signatory", NULL) || json_object_object_get_ex(req, "key_type", NULL))
		ref.text = "signatory and key_type: only for an ephemeral session";
	else if ((sca == NULL) != (m == SAM_AUTHZ_REDIRECT))
		ref.text = "mode: redirect from the signer pages, par or link from the SCA API";
	else if (m != SAM_AUTHZ_LINK && (uri == NULL || !sam_client_redirect_ok(cl, uri)))
		ref.text = "redirect_uri: not one of the client's registered redirect URIs";
	else if (m == SAM_AUTHZ_LINK && (uri != NULL || chal != NULL || cmeth != NULL))
		ref.text = "redirect_uri and code_challenge: not for mode link";
	else if (m != SAM_AUTHZ_LINK && (chal == NULL || !sam_authz_b64url_chars(chal, SAM_AUTHZ_CHALLENGE_LEN,
	    SAM_AUTHZ_CHALLENGE_LEN)))
		ref.text = "code_challenge: 43 base64url characters (PKCE S256) are required";
	else if (m != SAM_AUTHZ_LINK && (cmeth == NULL || strcmp(cmeth, "S256") != 0))
		ref.text = "code_challenge_method: S256";
	else if (!sam_cred_id_ok(cid))
		ref.text = "credential: a credential id (32 hex digits)";
	else if ((dlen = sam_hash_algo_len(halg)) == 0)
		ref.text = "hash_algo: one of the SHA-256, SHA-384, SHA-512 OIDs";
	else if (!sam_sad_hash_allowed(halg))
		ref.text = "hash_algo: this hash algorithm is withdrawn by the service (sam.hash_algos)";
	else if (desc != NULL && !sam_enrol_text_ok(desc, SAM_AUTHZ_DESC_MAX))
		ref.text = "description: 1 to 256 bytes of UTF-8 without control characters";
	else if (state != NULL && !sam_authz_printable(state, SAM_AUTHZ_STATE_MAX))
		ref.text = "state: 1 to 512 printable ASCII characters";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	if ((rc = sam_authz_docs_get(docs, dlen, &d, &why)) != PP_OK)
		return rc;
	if (why != NULL) {
		ref.text = why;
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	}
	if (json_object_get_int64(num) != (int64_t)d.n) {
		ref.text = "num_signatures: must equal the number of documents";
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	/* The credential: the client's, active, usable now; not an
	 * ephemeral session's (it signs only in its session). */
	if ((rc = sam_sad_cred_check(ctx->store, cid, cl->subject, NULL, sam_now_ms(), &k, &kt, &ref)) != PP_OK)
		goto out;
	{
		int eph = 0;
		if (ref.error == NULL && (rc = sam_sad_cred_ephemeral(ctx->store, cid, &eph)) != PP_OK)
			goto out;
		if (eph)
			ref = (struct sam_sad_refuse){ "invalid_request", "credential: an ephemeral session's, usable only in it" };
	}
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	a.mode = (enum sam_authz_mode)m;
	snprintf(a.client_id, sizeof(a.client_id), "%s", cl->id);
	snprintf(a.sca, sizeof(a.sca), "%s", cl->subject);
	snprintf(a.signatory, sizeof(a.signatory), "%s", k.signatory);
	snprintf(a.credential, sizeof(a.credential), "%s", cid);
	snprintf(a.hash_algo, sizeof(a.hash_algo), "%s", halg);
	a.num_signatures = (int64_t)d.n;
	snprintf(a.description, sizeof(a.description), "%s", desc ? desc : "");
	snprintf(a.redirect_uri, sizeof(a.redirect_uri), "%s", uri ? uri : "");
	snprintf(a.state, sizeof(a.state), "%s", state ? state : "");
	snprintf(a.code_challenge, sizeof(a.code_challenge), "%s", chal ? chal : "");
	if ((rc = sam_authz_insert(ctx->store, &a, &d, sam_now_ms(), sam_authz_st.life_ms)) != PP_OK)
		goto out;
	rec.type = PP_AUDIT_SAD_USE;
	rec.authz = a.id;
	rec.signatory = a.signatory;
	rec.count = (int64_t)d.n;
	rec.expires_ms = a.expires_ms;
	rec.cause = "authorisation request recorded";
	if ((rc = sam_authz_audit(ctx, &rec)) != PP_OK)
		goto out;
	if ((rc = pp_json_add_str(ans, "authz", a.id)) == PP_OK)
		rc = pp_json_add_int(ans, "expires_ms", a.expires_ms);
out:
	sam_authz_docs_free(&d);
	return rc;
}

/* ------------------------------------------------------------------ authz.get */

static const struct sam_sad_field sam_authz_get_fields[] = {
	{ "authz", json_type_string, 1 },
	{ "client_id", json_type_string, 0 },
	{ "ip", json_type_string, 0 },
};

/* The CN of a name, or "" (OUT out, cap bytes). */
static void
sam_authz_cn(const X509_NAME *name, char *out, size_t cap)
{
	out[0] = '\0';
	if (name == NULL || X509_NAME_get_text_by_NID((X509_NAME *)name, NID_commonName, out, (int)cap) < 0)
		out[0] = '\0';
}

struct sam_authz_cert {
	char subject_cn[SAM_AUTHZ_DN_MAX + 1], issuer_cn[SAM_AUTHZ_DN_MAX + 1];
};

/* Enters the DER element at *p (of the expected tag, constructed when
 * cons) within end: *p then points at its contents, *len is their length. */
static int
sam_authz_der_enter(const unsigned char **p, const unsigned char *end, int tag, int cls, long *len)
{
	int t, c;

	if (*p >= end || (ASN1_get_object(p, len, &t, &c, end - *p) & 0x80) != 0 || t != tag || c != cls ||
	    *len > end - *p)
		return -1;
	return 0;
}

/* Skips the DER element at *p. */
static int
sam_authz_der_skip(const unsigned char **p, const unsigned char *end)
{
	long len;
	int t, c;

	if (*p >= end || (ASN1_get_object(p, &len, &t, &c, end - *p) & 0x80) != 0 || len > end - *p)
		return -1;
	*p += len;
	return 0;
}

/* The issuer and subject names of a DER certificate, without decoding the
 * rest (RFC 5280 4.1: tbsCertificate = version [0] optional, serial,
 * signature, issuer, validity, subject, ...).  OUT names to X509_NAME_free. */
static enum pp_err
sam_authz_tbs_names(const unsigned char **p, long len, X509_NAME **issuer, X509_NAME **subject)
{
	const unsigned char *end = *p + len, *q;
	long l;

	if (sam_authz_der_enter(p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &l) != 0)
		return PP_ERR_PROTO;
	end = *p + l;
	if (sam_authz_der_enter(p, end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &l) != 0)
		return PP_ERR_PROTO;
	end = *p + l;
	if (*p < end && **p == 0xa0 && sam_authz_der_skip(p, end) != 0)	/* [0] version */
		return PP_ERR_PROTO;
	if (sam_authz_der_skip(p, end) != 0 || sam_authz_der_skip(p, end) != 0)	/* serial, signature */
		return PP_ERR_PROTO;
	q = *p;
	if (sam_authz_der_skip(p, end) != 0 || (*issuer = d2i_X509_NAME(NULL, &q, *p - q)) == NULL)
		return PP_ERR_PROTO;
	if (sam_authz_der_skip(p, end) != 0) {			/* validity */
		X509_NAME_free(*issuer);
		return PP_ERR_PROTO;
	}
	q = *p;
	if (sam_authz_der_skip(p, end) != 0 || (*subject = d2i_X509_NAME(NULL, &q, *p - q)) == NULL) {
		X509_NAME_free(*issuer);
		return PP_ERR_PROTO;
	}
	return PP_OK;
}

static enum pp_err
sam_authz_cert_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_authz_cert *k = arg;
	const unsigned char *p;
	X509_NAME *issuer = NULL, *subject = NULL;

	if (n != 1 || c[0].type != PP_VAL_BLOB)
		return PP_OK;
	/* Only the two names are read: d2i_X509 would also decode the public
	 * key through OpenSSL 3's decoders, half of the SAM's time per page. */
	p = c[0].p;
	if (sam_authz_tbs_names(&p, (long)c[0].len, &issuer, &subject) != PP_OK)
		return PP_ERR_DB;
	sam_authz_cn(subject, k->subject_cn, sizeof(k->subject_cn));
	sam_authz_cn(issuer, k->issuer_cn, sizeof(k->issuer_cn));
	X509_NAME_free(issuer);
	X509_NAME_free(subject);
	return PP_OK;
}

/* "credential": what the signatory is shown of the signing certificate. */
static enum pp_err
sam_authz_cred_json(struct pp_daemon_ctx *ctx, const struct sam_authz *a, json_object *o)
{
	struct pp_val b[1] = { PP_VAL_S(a->credential) };
	struct sam_authz_cert cert = { "", "" };
	struct sam_sad_cred k;
	struct sam_sad_refuse ref;
	enum pp_p11_keytype kt;
	json_object *c;
	enum pp_err rc;

	if ((rc = sam_sad_cred_check(ctx->store, a->credential, a->sca, a->signatory, sam_now_ms(), &k, &kt,
	    &ref)) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(ctx->store, "SELECT certificate FROM credentials WHERE id = ?", b, 1,
	    sam_authz_cert_cb, &cert, NULL)) != PP_OK)
		return rc;
	if ((c = json_object_new_object()) == NULL || json_object_object_add(o, "credential", c) != 0) {
		json_object_put(c);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(c, "id", a->credential) != PP_OK || pp_json_add_str(c, "key_type", k.key_type) != PP_OK ||
	    pp_json_add_str(c, "subject_cn", cert.subject_cn) != PP_OK ||
	    pp_json_add_str(c, "issuer_cn", cert.issuer_cn) != PP_OK || pp_json_add_str(c, "serial", k.serial) != PP_OK ||
	    pp_json_add_int(c, "not_after", k.not_after) != PP_OK ||
	    /* Whether it may still sign: the page says so before anything. */
	    pp_json_add_bool(c, "usable", ref.error == NULL) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static enum pp_err
sam_authz_add_opt(json_object *o, const char *key, const char *v)
{
	return v != NULL && *v ? pp_json_add_str(o, key, v) : PP_OK;
}

static enum pp_err
sam_authz_int_cb(void *arg, const struct pp_val *cols, size_t ncols)
{
	if (ncols == 1 && cols[0].type == PP_VAL_INT)
		*(int64_t *)arg = cols[0].i;
	return PP_OK;
}

static enum pp_err
sam_authz_row_seen(void *arg, const struct pp_val *cols, size_t ncols)
{
	(void)cols;
	(void)ncols;
	*(int *)arg = 1;
	return PP_OK;
}

/* Records authz.get's "shown" event when the request was not yet recorded
 * as shown in its present state, then marks it so. */
static enum pp_err
sam_authz_shown_once(struct pp_daemon_ctx *ctx, struct sam_authz_rec *rec, const char *id)
{
	struct pp_val b[1] = { PP_VAL_S(id) };
	int unseen = 0;
	enum pp_err rc;

	if ((rc = pp_store_exec(ctx->store, "SELECT 1 FROM authz WHERE id = ? AND shown_status IS NOT status",
	    b, 1, sam_authz_row_seen, &unseen, NULL)) != PP_OK)
		return rc;
	if (!unseen)
		return PP_OK;
	rec->type = PP_AUDIT_SAD_USE;
	rec->cause = "authorisation request shown";
	if ((rc = sam_authz_audit(ctx, rec)) != PP_OK)
		return rc;
	return pp_store_exec(ctx->store, "UPDATE authz SET shown_status = status WHERE id = ?", b, 1, NULL, NULL,
	    NULL);
}

/*
 * authz.get's answers, kept for the pages that show a request again and
 * again (every page of the flow, every reload).  An answer is reused only
 * while the request's row still says what it said when the answer was
 * built (status and updated_ms: every change of a request moves them), it
 * was already recorded as shown in that state, it has not expired, and for
 * at most SAM_AUTHZ_GET_TTL_MS (what other tables contribute: the
 * signatory's enrolment, the credential's usability).  Everything else takes
 * the full path below.  The SAM's loop is the only user.
 */
#define SAM_AUTHZ_GET_CACHE 64
#define SAM_AUTHZ_GET_TTL_MS 2000
#define SAM_AUTHZ_GET_MAX_DOCS 100
static struct {
	char id[SAM_AUTHZ_ID_LEN + 1];
	char client_id[65];
	char status[16];
	int64_t updated_ms, expires_ms, built_ms;
	json_object *answer;	/* the "authz" object (a reference) */
} sam_authz_get_cache[SAM_AUTHZ_GET_CACHE];
static unsigned sam_authz_get_next;

struct sam_authz_get_row {
	int found;
	char status[16], shown[16], client_id[65];
	int64_t updated_ms, expires_ms;
};

static enum pp_err
sam_authz_get_row_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_authz_get_row *r = arg;

	if (n != 5 || c[0].type != PP_VAL_TEXT || c[1].type != PP_VAL_INT || c[2].type != PP_VAL_INT ||
	    c[4].type != PP_VAL_TEXT)
		return PP_OK;
	snprintf(r->status, sizeof(r->status), "%.*s", (int)c[0].len, (const char *)c[0].p);
	r->updated_ms = c[1].i;
	r->expires_ms = c[2].i;
	if (c[3].type == PP_VAL_TEXT)
		snprintf(r->shown, sizeof(r->shown), "%.*s", (int)c[3].len, (const char *)c[3].p);
	snprintf(r->client_id, sizeof(r->client_id), "%.*s", (int)c[4].len, (const char *)c[4].p);
	r->found = 1;
	return PP_OK;
}

/* The cached answer for id if it may still be given (OUT *hit). */
static enum pp_err
sam_authz_get_cached(struct pp_daemon_ctx *ctx, const char *id, const char *client_id, json_object *ans,
    int *hit)
{
	struct pp_val b[1] = { PP_VAL_S(id) };
	struct sam_authz_get_row r = { 0 };
	int64_t now = sam_now_ms();
	enum pp_err rc;

	*hit = 0;
	for (size_t i = 0; i < SAM_AUTHZ_GET_CACHE; i++) {
		if (sam_authz_get_cache[i].answer == NULL || strcmp(sam_authz_get_cache[i].id, id) != 0)
			continue;
		if (now - sam_authz_get_cache[i].built_ms > SAM_AUTHZ_GET_TTL_MS ||
		    now >= sam_authz_get_cache[i].expires_ms)
			return PP_OK;
		if ((rc = pp_store_exec(ctx->store, "SELECT status, updated_ms, expires_ms, shown_status, client_id"
		    " FROM authz WHERE id = ?", b, 1, sam_authz_get_row_cb, &r, NULL)) != PP_OK)
			return rc;
		if (!r.found || strcmp(r.status, sam_authz_get_cache[i].status) != 0 ||
		    r.updated_ms != sam_authz_get_cache[i].updated_ms || r.expires_ms != sam_authz_get_cache[i].expires_ms ||
		    strcmp(r.shown, r.status) != 0 || (client_id != NULL && strcmp(client_id, r.client_id) != 0))
			return PP_OK;
		if (json_object_object_add(ans, "authz", json_object_get(sam_authz_get_cache[i].answer)) != 0)
			return PP_ERR_NOMEM;
		*hit = 1;
		return PP_OK;
	}
	return PP_OK;
}

/* Keeps the answer o just built for request a (its row as it is now). */
static void
sam_authz_get_keep(struct pp_daemon_ctx *ctx, const struct sam_authz *a, json_object *o, size_t ndocs)
{
	struct pp_val b[1] = { PP_VAL_S(a->id) };
	struct sam_authz_get_row r = { 0 };
	size_t slot = SAM_AUTHZ_GET_CACHE;

	if (ndocs > SAM_AUTHZ_GET_MAX_DOCS ||
	    pp_store_exec(ctx->store, "SELECT status, updated_ms, expires_ms, shown_status, client_id"
	    " FROM authz WHERE id = ?", b, 1, sam_authz_get_row_cb, &r, NULL) != PP_OK || !r.found)
		return;
	for (size_t i = 0; i < SAM_AUTHZ_GET_CACHE; i++)
		if (sam_authz_get_cache[i].answer != NULL && strcmp(sam_authz_get_cache[i].id, a->id) == 0)
			slot = i;
	if (slot == SAM_AUTHZ_GET_CACHE)
		slot = sam_authz_get_next++ % SAM_AUTHZ_GET_CACHE;
	json_object_put(sam_authz_get_cache[slot].answer);
	snprintf(sam_authz_get_cache[slot].id, sizeof(sam_authz_get_cache[slot].id), "%s", a->id);
	snprintf(sam_authz_get_cache[slot].status, sizeof(sam_authz_get_cache[slot].status), "%s", r.status);
	sam_authz_get_cache[slot].updated_ms = r.updated_ms;
	sam_authz_get_cache[slot].expires_ms = r.expires_ms;
	sam_authz_get_cache[slot].built_ms = sam_now_ms();
	sam_authz_get_cache[slot].answer = json_object_get(o);
}

enum pp_err
sam_authz_op_get(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req, json_object *ans)
{
	const char *id = pp_json_get_str(req, "authz"), *client_id = pp_json_get_str(req, "client_id");
	const char *ip = pp_json_get_str(req, "ip");
	struct sam_authz_rec rec = { .op = "authz.get", .authz = id, .ip = ip };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	const struct sam_client *cl;
	struct sam_authz_docs d = { 0 };
	struct sam_authz a;
	struct sam_signatory s;
	struct sam_refuse eref;
	json_object *o = NULL, *arr, *meth;
	char b64[4 * ((64 + 2) / 3) + 1];
	int missing, refused;
	enum pp_err rc;

	(void)peer;
	memset(&a, 0, sizeof(a));
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_authz_get_fields, SAM_N(sam_authz_get_fields), &missing)) != PP_OK)
		return rc;
	if (missing)
		ref.text = "authz is required";
	else if (ip != NULL && !sam_authz_ip_ok(ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	{
		int hit;
		if ((rc = sam_authz_get_cached(ctx, id, client_id, ans, &hit)) != PP_OK || hit)
			return rc;
	}
	if ((rc = sam_authz_find(ctx, id, &a, &d, &ref)) != PP_OK)
		return rc;
	rec.sca = a.sca;
	rec.signatory = a.signatory;
	rec.client_id = a.client_id;
	rec.credential = a.credential;
	/* A request_uri is only valid with the client that pushed it. */
	if (ref.error == NULL && client_id != NULL && strcmp(client_id, a.client_id) != 0)
		ref = (struct sam_sad_refuse){ "invalid_request", "client_id: the authorisation request belongs to another client" };
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	if ((rc = sam_enrol_get(ctx->store, a.sca, a.signatory, &s, &eref)) != PP_OK)
		goto out;
	if (eref.why != SAM_REFUSAL_NONE) {
		ref = (struct sam_sad_refuse){ "access_denied", "the signatory of the credential is no longer enrolled" };
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	rc = PP_ERR_NOMEM;
	if ((o = json_object_new_object()) == NULL || json_object_object_add(ans, "authz", o) != 0) {
		json_object_put(o);
		goto out;
	}
	cl = sam_clients_find_id(sam_client_registry(), a.client_id);
	if (pp_json_add_str(o, "id", a.id) != PP_OK || pp_json_add_str(o, "status", sam_authz_status_name(a.status)) != PP_OK ||
	    pp_json_add_str(o, "mode", sam_authz_mode_name(a.mode)) != PP_OK ||
	    pp_json_add_str(o, "client_id", a.client_id) != PP_OK ||
	    pp_json_add_str(o, "sca_name", cl != NULL ? cl->name : a.client_id) != PP_OK ||
	    sam_authz_add_opt(o, "redirect_uri", a.redirect_uri) != PP_OK ||
	    sam_authz_add_opt(o, "state", a.state) != PP_OK ||
	    sam_authz_add_opt(o, "description", a.description) != PP_OK ||
	    pp_json_add_str(o, "hash_algo", a.hash_algo) != PP_OK ||
	    pp_json_add_int(o, "num_signatures", a.num_signatures) != PP_OK ||
	    sam_authz_add_opt(o, "auth_method", a.auth_method) != PP_OK ||
	    sam_authz_add_opt(o, "notary", a.notary) != PP_OK ||
	    pp_json_add_int(o, "expires_ms", a.expires_ms) != PP_OK ||
	    (a.approved_ms > 0 && pp_json_add_int(o, "approved_ms", a.approved_ms) != PP_OK))
		goto out;
	if ((arr = json_object_new_array()) == NULL || json_object_object_add(o, "documents", arr) != 0) {
		json_object_put(arr);
		goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		json_object *e = json_object_new_object();
		if (e == NULL || json_object_array_add(arr, e) != 0) {
			json_object_put(e);
			goto out;
		}
		pp_b64_encode(d.hash[i], d.hash_len, b64);
		if (pp_json_add_str(e, "hash", b64) != PP_OK || sam_authz_add_opt(e, "label", d.label[i]) != PP_OK)
			goto out;
	}
	/* The methods the signatory is enrolled for. */
	if ((meth = json_object_new_array()) == NULL || json_object_object_add(o, "methods", meth) != 0) {
		json_object_put(meth);
		goto out;
	}
	if (s.mobile[0] && sam_sad_otp_enabled() && (json_object_array_add(meth, json_object_new_string("sms")) != 0 ||
	    json_object_array_add(meth, json_object_new_string("sms_notary")) != 0))
		goto out;
	if (s.idp_subject[0] && json_object_array_add(meth, json_object_new_string("oidc")) != 0)
		goto out;
	{
		size_t ml = strlen(s.mobile);
		char hint[3] = { 0 };
		if (ml >= 2)
			memcpy(hint, s.mobile + ml - 2, 2);
		if (sam_authz_add_opt(o, "mobile_hint", hint) != PP_OK)
			goto out;
	}
	/* An ephemeral session has a credential once authenticated. */
	if (a.credential[0] && (rc = sam_authz_cred_json(ctx, &a, o)) != PP_OK)
		goto out;
	if (a.mode == SAM_AUTHZ_EPHEMERAL && sam_authz_add_opt(o, "key_type", a.key_type) != PP_OK) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	/* The first showing in each state is recorded, before the answer
	 * leaves (the signatory saw the request; later, the documents to
	 * approve); a page shown again in the same state is not a new event,
	 * and a record per page view would cost the audit log more than the
	 * page.  Recorded first, then marked: a failed mark only repeats it. */
	rc = sam_authz_shown_once(ctx, &rec, a.id);
	if (rc == PP_OK)
		sam_authz_get_keep(ctx, &a, o, d.n);
out:
	sam_authz_clear(&a);
	sam_authz_docs_free(&d);
	return rc;
}

/* ------------------------------------------------------------------ authz.otp_send, authz.otp_verify */

/*
 * KEY-4: the signatory of ephemeral session a has just authenticated: its
 * key and its certificate (sam.ephemeral_validity_s, at most 30 minutes)
 * are made now.  OUT cred (the credential id; "" for other modes); a
 * refusal in *ref (the signatory gone, the key type withdrawn since).
 */
static enum pp_err
sam_authz_ephemeral_key(struct pp_daemon_ctx *ctx, const struct sam_authz *a, char cred[SAM_CRED_ID_LEN + 1],
    struct sam_sad_refuse *ref)
{
	const char *why = NULL;
	enum pp_err rc;

	cred[0] = '\0';
	ref->error = ref->text = NULL;
	if (a->mode != SAM_AUTHZ_EPHEMERAL)
		return PP_OK;
	if ((rc = sam_cred_make_builtin(ctx, a->sca, a->signatory, a->key_type, sam_authz_st.ephemeral_s, cred,
	    &why)) != PP_OK)
		return rc;
	if (why != NULL)
		*ref = (struct sam_sad_refuse){ "invalid_request", why };
	return PP_OK;
}

static const struct sam_sad_field sam_authz_otp_send_fields[] = {
	{ "authz", json_type_string, 1 },
	{ "notary", json_type_string, 0 },
	{ "ip", json_type_string, 0 },
};

static const struct sam_sad_field sam_authz_otp_verify_fields[] = {
	{ "authz", json_type_string, 1 },
	{ "otp_id", json_type_string, 1 },
	{ "otp", json_type_string, 1 },
	{ "notary", json_type_string, 0 },
	{ "ip", json_type_string, 0 },
};

/* The common start of the signer ops: shape, ip, notary, the request (in
 * *a, with rec filled from it).  A refusal is answered here (*done = 1). */
static enum pp_err
sam_authz_signer_start(struct pp_daemon_ctx *ctx, json_object *req, json_object *ans,
    const struct sam_sad_field *f, size_t nf, struct sam_authz_rec *rec, enum pp_audit_type type,
    struct sam_authz *a, int *done)
{
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	const char *notary = pp_json_get_str(req, "notary");
	int missing, refused;
	enum pp_err rc;

	*done = 1;
	memset(a, 0, sizeof(*a));
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, f, nf, &missing)) != PP_OK)
		return rc;
	rec->authz = pp_json_get_str(req, "authz");
	rec->ip = pp_json_get_str(req, "ip");
	rec->notary = notary;
	if (missing)
		ref.text = "a required member is missing";
	else if (rec->ip != NULL && !sam_authz_ip_ok(rec->ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	else if (notary != NULL && !sam_enrol_sca_ok(notary))
		ref.text = "notary: the subject DN of the notary's certificate, 1 to 256 bytes of UTF-8";
	if (ref.text != NULL) {
		rec->notary = NULL;
		return sam_authz_refuse(ctx, rec, type, &ref, ans);
	}
	if ((rc = sam_authz_find(ctx, rec->authz, a, NULL, &ref)) != PP_OK)
		return rc;
	rec->sca = a->sca;
	rec->signatory = a->signatory;
	rec->client_id = a->client_id;
	rec->credential = a->credential;
	if (ref.error != NULL)
		return sam_authz_refuse(ctx, rec, type, &ref, ans);
	*done = 0;
	return PP_OK;
}

enum pp_err
sam_authz_op_otp_send(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_authz_rec rec = { .op = "authz.otp_send" };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_signatory s;
	struct sam_refuse eref;
	struct sam_authz a;
	enum sam_otp_outcome out;
	char id[SAM_OTP_ID_SIZE];
	int done;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_authz_signer_start(ctx, req, ans, sam_authz_otp_send_fields, SAM_N(sam_authz_otp_send_fields),
	    &rec, PP_AUDIT_SIGNATORY_AUTH, &a, &done)) != PP_OK || done)
		goto out;
	if (a.status != SAM_AUTHZ_NEW)
		sam_authz_state_refusal(a.status, &ref);
	else if (!sam_sad_otp_enabled())
		ref.text = "SMS OTP is not enabled on this service (sam.sms_spool is empty)";
	if (ref.text != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	if ((rc = sam_enrol_get(ctx->store, a.sca, a.signatory, &s, &eref)) != PP_OK)
		goto out;
	if (eref.why != SAM_REFUSAL_NONE || s.mobile[0] == '\0') {
		ref = (struct sam_sad_refuse){ "access_denied", "the signatory has no mobile number for SMS OTP" };
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	/* The OTP session is the request: its resend and attempt limits. */
	if ((rc = sam_sad_otp_issue(ctx->store, a.signatory, a.id, s.mobile, sam_now_ms(), id, &out)) != PP_OK) {
		pp_err_log("sam: authz.otp_send: the OTP could not be issued: %s", pp_err_name(rc));
		goto out;
	}
	if (out != SAM_OTP_ISSUED) {
		ref = (struct sam_sad_refuse){ "otp_locked", out == SAM_OTP_SESSION_LIMIT ?
			"too many codes for this request: start a new one later" :
			"too many codes for this signatory: try again later" };
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	/* The notary present now must be the one present at verification. */
	if ((rc = sam_authz_otp_sent(ctx->store, a.id, id, rec.notary, sam_now_ms(), &ref)) != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SIGNATORY_AUTH;
	rec.otp_id = id;
	rec.method = rec.notary != NULL ? "sms_notary" : "sms";
	rec.cause = sam_otp_outcome_text(out);
	if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK)
		rc = pp_json_add_str(ans, "otp_id", id);
out:
	sam_authz_clear(&a);
	return rc;
}

enum pp_err
sam_authz_op_otp_verify(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *otp_id = pp_json_get_str(req, "otp_id");
	struct sam_authz_rec rec = { .op = "authz.otp_verify", .otp_id = otp_id };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	char cred[SAM_CRED_ID_LEN + 1] = "", wrong[96];
	struct sam_authz a;
	json_object *otp = NULL;
	enum sam_otp_outcome out;
	int done;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_authz_signer_start(ctx, req, ans, sam_authz_otp_verify_fields,
	    SAM_N(sam_authz_otp_verify_fields), &rec, PP_AUDIT_SIGNATORY_AUTH, &a, &done)) != PP_OK || done)
		goto out;
	json_object_object_get_ex(req, "otp", &otp);
	rec.method = rec.notary != NULL ? "sms_notary" : "sms";
	if (a.status != SAM_AUTHZ_NEW)
		sam_authz_state_refusal(a.status, &ref);
	else if (a.otp_id[0] == '\0' || strcmp(otp_id, a.otp_id) != 0)
		ref.text = "otp_id: not the code last sent for this request";
	else if (!sam_authz_notary_ok(&a, rec.notary))
		ref = (struct sam_sad_refuse){ "access_denied", "notary: not the notary present when the code was sent" };
	if (ref.text != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	if ((rc = sam_sad_otp_verify(ctx->store, otp_id, a.signatory, a.id, json_object_get_string(otp),
	    (size_t)json_object_get_string_len(otp), sam_now_ms(), &out)) != PP_OK)
		goto out;
	if (out != SAM_OTP_VERIFIED) {
		switch (out) {
		case SAM_OTP_WRONG: {
			/* The page tells the signatory how many tries remain. */
			struct pp_val ob[1] = { PP_VAL_S(otp_id) };
			int64_t used = -1;
			long left;
			if ((rc = pp_store_exec(ctx->store, "SELECT attempts FROM otps WHERE id = ?", ob, 1,
			    sam_authz_int_cb, &used, NULL)) != PP_OK)
				goto out;
			left = used < 0 ? 0 : (long)(sam_sad_otp_max_attempts() - used);
			snprintf(wrong, sizeof(wrong), "otp: wrong code, %ld attempt%s left; then send a new code",
			    left < 0 ? 0 : left, left == 1 ? "" : "s");
			ref = (struct sam_sad_refuse){ "invalid_otp", wrong };
			break;
		}
		case SAM_OTP_MALFORMED:
			ref = (struct sam_sad_refuse){ "invalid_otp", "otp: 6 digits" };
			break;
		case SAM_OTP_EXPIRED:
			ref = (struct sam_sad_refuse){ "expired_otp", "otp: expired: send a new code" };
			break;
		case SAM_OTP_LOCKED:
			ref = (struct sam_sad_refuse){ "otp_locked", "otp: locked after too many wrong codes" };
			break;
		default:
			ref = (struct sam_sad_refuse){ "invalid_otp", sam_otp_outcome_text(out) };
			break;
		}
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	if ((rc = sam_authz_ephemeral_key(ctx, &a, cred, &ref)) != PP_OK)
		goto out;
	if (ref.error == NULL)
		rc = sam_authz_authenticated(ctx->store, a.id, rec.method, NULL, rec.notary, cred[0] ? cred : NULL,
		    sam_now_ms(), &ref);
	/* A key the session does not name would never be reaped: gone now. */
	if (cred[0] && (rc != PP_OK || ref.error != NULL) &&
	    sam_cred_retire(ctx, cred, "ephemeral session: the authentication could not be recorded") != PP_OK)
		pp_err_log("sam: ephemeral credential %s: not retired (its destruction is owed)", cred);
	if (rc != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SIGNATORY_AUTH;
	rec.cause = sam_otp_outcome_text(out);
	if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK)
		rc = pp_json_add_str(ans, "status", "AUTHENTICATED");
out:
	sam_authz_clear(&a);
	return rc;
}

/* ------------------------------------------------------------------ authz.login */

static const struct sam_sad_field sam_authz_login_fields[] = {
	{ "authz", json_type_string, 1 },
	{ "token", json_type_string, 1 },
	{ "ip", json_type_string, 0 },
};

#define SAM_AUTHZ_LOGIN_TYP	"paraphe-login+jwt"
#define SAM_AUTHZ_LOGIN_MAX_S	120	/* exp - iat at most */
#define SAM_AUTHZ_SKEW_S	60	/* iat this far in the future at most */

/* An integer claim, or -1. */
static int64_t
sam_authz_claim_int(json_object *p, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(p, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

/*
 * The login token's claims (docs/AUTHZ.md, "Login token") for request a:
 * NULL when they hold, else the refusal text.  OUT iss, sub, jti
 * (borrowed from p), *exp_s.
 */
static const char *
sam_authz_login_claims(json_object *p, const struct sam_authz *a, int64_t now_s, const char **iss,
    const char **sub, const char **jti, int64_t *exp_s)
{
	const char *az = pp_json_get_str(p, "authz");
	int64_t iat = sam_authz_claim_int(p, "iat");

	*iss = pp_json_get_str(p, "iss");
	*sub = pp_json_get_str(p, "idp_sub");
	*jti = pp_json_get_str(p, "jti");
	*exp_s = sam_authz_claim_int(p, "exp");
	if (*iss == NULL || !sam_enrol_text_ok(*iss, SAM_AUTHZ_DN_MAX) || *sub == NULL ||
	    !sam_enrol_text_ok(*sub, SAM_ENROL_SUBJECT_MAX) || *jti == NULL || !sam_authz_id_ok(*jti) ||
	    iat < 0 || *exp_s < 0 || sam_authz_claim_int(p, "auth_time") < 0)
		return "login token: iss, idp_sub, authz, auth_time, iat, exp and jti are required";
	if (az == NULL || strcmp(az, a->id) != 0)
		return "login token: issued for another authorisation request";
	if (*exp_s <= now_s || *exp_s - iat > SAM_AUTHZ_LOGIN_MAX_S || iat > now_s + SAM_AUTHZ_SKEW_S)
		return "login token: expired or not yet valid";
	return NULL;
}

const char *
sam_authz_login_check(EVP_PKEY *key, const char *token, const struct sam_authz *a, int64_t now_s,
    json_object **payload, const char **iss, const char **sub, const char **jti, int64_t *exp_s)
{
	size_t len = strlen(token);

	*payload = NULL;
	*iss = *sub = *jti = NULL;
	*exp_s = -1;
	if (len > PP_JWS_MAX || pp_jws_verify(token, len, key, SAM_AUTHZ_LOGIN_TYP, payload) != PP_OK)
		return "login token: not signed by the signer's login key, or malformed";
	return sam_authz_login_claims(*payload, a, now_s, iss, sub, jti, exp_s);
}

enum pp_err
sam_authz_op_login(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_authz_rec rec = { .op = "authz.login", .method = "oidc" };
	struct sam_sad_refuse ref = { "access_denied", NULL };
	char cred[SAM_CRED_ID_LEN + 1] = "";
	const char *token = pp_json_get_str(req, "token"), *iss = NULL, *sub = NULL, *jti = NULL;
	struct sam_signatory s;
	struct sam_refuse eref;
	struct sam_authz a;
	json_object *payload = NULL;
	int64_t now, exp_s = 0;
	size_t sl, el;
	int done, fresh = 0;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_authz_signer_start(ctx, req, ans, sam_authz_login_fields, SAM_N(sam_authz_login_fields), &rec,
	    PP_AUDIT_SIGNATORY_AUTH, &a, &done)) != PP_OK || done)
		goto out;
	now = sam_now_ms();
	if (sam_authz_st.login_key == NULL)
		ref.text = "OpenID Connect logins are not enabled on this service (no sam.login_key_file)";
	else if (a.status != SAM_AUTHZ_NEW)
		sam_authz_state_refusal(a.status, &ref);
	else
		ref.text = sam_authz_login_check(sam_authz_st.login_key, token, &a, now / 1000, &payload, &iss, &sub,
		    &jti, &exp_s);
	rec.issuer = iss;
	if (ref.text != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	/* AUTH-3: the identity the IdP asserted is the one enrolled. */
	if ((rc = sam_enrol_get(ctx->store, a.sca, a.signatory, &s, &eref)) != PP_OK)
		goto out;
	sl = strlen(sub);
	el = strlen(s.idp_subject);
	if (eref.why != SAM_REFUSAL_NONE || el == 0 || sl != el || CRYPTO_memcmp(sub, s.idp_subject, sl) != 0) {
		ref.text = "login token: the identity provider's subject is not the signatory's enrolled one";
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	if ((rc = sam_authz_jti_use(ctx->store, jti, exp_s * 1000, now, &fresh)) != PP_OK)
		goto out;
	if (!fresh) {
		ref.text = "login token: already used (jti seen)";
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	if ((rc = sam_authz_ephemeral_key(ctx, &a, cred, &ref)) != PP_OK)
		goto out;
	if (ref.error == NULL)
		rc = sam_authz_authenticated(ctx->store, a.id, "oidc", iss, NULL, cred[0] ? cred : NULL, now, &ref);
	if (cred[0] && (rc != PP_OK || ref.error != NULL) &&
	    sam_cred_retire(ctx, cred, "ephemeral session: the authentication could not be recorded") != PP_OK)
		pp_err_log("sam: ephemeral credential %s: not retired (its destruction is owed)", cred);
	if (rc != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SIGNATORY_AUTH, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SIGNATORY_AUTH;
	rec.cause = "OpenID Connect login verified (login token)";
	if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK)
		rc = pp_json_add_str(ans, "status", "AUTHENTICATED");
out:
	json_object_put(payload);
	sam_authz_clear(&a);
	return rc;
}

/* ------------------------------------------------------------------ authz.approve, authz.cancel */

static const struct sam_sad_field sam_authz_approve_fields[] = {
	{ "authz", json_type_string, 1 },
	{ "consent", json_type_boolean, 1 },
	{ "ip", json_type_string, 0 },
};

static const struct sam_sad_field sam_authz_cancel_fields[] = {
	{ "authz", json_type_string, 1 },
	{ "ip", json_type_string, 0 },
};

/* The receipt's documents: hash (base64) and label. */
static enum pp_err
sam_authz_docs_json(const struct sam_authz_docs *d, json_object *ans)
{
	char b64[4 * ((64 + 2) / 3) + 1];
	json_object *arr = json_object_new_array();

	if (arr == NULL || json_object_object_add(ans, "documents", arr) != 0) {
		json_object_put(arr);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < d->n; i++) {
		json_object *e = json_object_new_object();
		if (e == NULL || json_object_array_add(arr, e) != 0) {
			json_object_put(e);
			return PP_ERR_NOMEM;
		}
		pp_b64_encode(d->hash[i], d->hash_len, b64);
		if (pp_json_add_str(e, "hash", b64) != PP_OK || sam_authz_add_opt(e, "label", d->label[i]) != PP_OK)
			return PP_ERR_NOMEM;
	}
	return PP_OK;
}

enum pp_err
sam_authz_op_approve(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_authz_rec rec = { .op = "authz.approve" };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_authz_docs d = { 0 };
	struct sam_authz a;
	struct sam_sad_cred k;
	enum pp_p11_keytype kt;
	json_object *consent = NULL;
	char sad_id[SAM_SAD_ID_HEX + 1], sad[SAM_SAD_STR_LEN + 1] = "", code[SAM_AUTHZ_CODE_LEN + 1] = "";
	int64_t now, expires = 0;
	int done;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_authz_signer_start(ctx, req, ans, sam_authz_approve_fields, SAM_N(sam_authz_approve_fields),
	    &rec, PP_AUDIT_SAD_REFUSE, &a, &done)) != PP_OK || done)
		goto out;
	rec.notary = a.notary;
	rec.method = a.auth_method;
	rec.issuer = a.issuer;
	rec.hash_algo = a.hash_algo;
	json_object_object_get_ex(req, "consent", &consent);
	/* SAD-1: the approval is its own explicit action, after the
	 * authentication. */
	if (!json_object_get_boolean(consent))
		ref.text = "consent: the signatory's explicit consent (true) is required";
	else if (a.status != SAM_AUTHZ_AUTHENTICATED)
		sam_authz_state_refusal(a.status, &ref);
	else if (a.num_signatures == 0)
		ref = (struct sam_sad_refuse){ "invalid_request", "the session has no documents to sign yet" };
	if (ref.text != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	now = sam_now_ms();
	if ((rc = sam_authz_docs_load(ctx->store, &a, &d)) != PP_OK)
		goto out;
	/* What was true at creation may not be any more. */
	if ((rc = sam_sad_cred_check(ctx->store, a.credential, a.sca, a.signatory, now, &k, &kt, &ref)) != PP_OK)
		goto out;
	if (ref.error == NULL && !sam_sad_hash_allowed(a.hash_algo))
		ref = (struct sam_sad_refuse){ "invalid_request",
			"hash_algo: this hash algorithm is withdrawn by the service (sam.hash_algos)" };
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	/* The SAD over the hashes this module recorded; its session is the
	 * request, whose row says how the signatory authenticated. */
	if ((rc = sam_sad_grant(ctx->store, a.sca, a.signatory, a.credential, a.id, a.hash_algo, d.p, d.hash_len, d.n,
	    now, sad_id, sad, &expires, &ref)) != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SAD_ISSUE;
	rec.sad_id = sad_id;
	rec.count = (int64_t)d.n;
	rec.expires_ms = expires;
	rec.cause = "SAD issued after authentication and the signatory's approval";
	/* Recorded before it can be redeemed; an unrecorded SAD is never
	 * handed out (its ledger rows expire). */
	if ((rc = sam_authz_audit(ctx, &rec)) != PP_OK)
		goto out;
	if ((rc = sam_authz_approved(ctx->store, a.id, sad_id, sad, expires, now, code, &ref)) != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	if ((code[0] && (rc = pp_json_add_str(ans, "code", code)) != PP_OK) ||
	    (rc = sam_authz_add_opt(ans, "redirect_uri", a.redirect_uri)) != PP_OK ||
	    (rc = sam_authz_add_opt(ans, "state", a.state)) != PP_OK ||
	    (rc = pp_json_add_int(ans, "approved_ms", now)) != PP_OK ||
	    (rc = pp_json_add_str(ans, "serial", k.serial)) != PP_OK)
		goto out;
	rc = sam_authz_docs_json(&d, ans);
out:
	pp_wipe(sad, sizeof(sad));
	pp_wipe(code, sizeof(code));
	sam_authz_clear(&a);
	sam_authz_docs_free(&d);
	return rc;
}

enum pp_err
sam_authz_op_cancel(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_authz_rec rec = { .op = "authz.cancel" };
	struct sam_sad_refuse ref = { NULL, NULL };
	struct sam_authz a;
	int done;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_authz_signer_start(ctx, req, ans, sam_authz_cancel_fields, SAM_N(sam_authz_cancel_fields),
	    &rec, PP_AUDIT_SAD_REFUSE, &a, &done)) != PP_OK || done)
		goto out;
	rec.sad_id = a.sad_id;
	if ((rc = sam_authz_cancel(ctx->store, a.id, sam_now_ms(), &ref)) != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	/* The signatory's refusal: a sad.refuse record, then the way back. */
	rec.type = PP_AUDIT_SAD_REFUSE;
	rec.failure = 1;
	rec.error = "access_denied";
	rec.cause = "the signatory cancelled the authorisation request";
	if ((rc = sam_authz_audit(ctx, &rec)) != PP_OK)
		goto out;
	/* KEY-4: an ephemeral session's key goes with it (else the reaper). */
	if (a.mode == SAM_AUTHZ_EPHEMERAL && a.credential[0] &&
	    sam_cred_retire(ctx, a.credential, "ephemeral session cancelled by the signatory") != PP_OK)
		pp_err_log("sam: ephemeral credential %s: not retired now (its destruction is owed)", a.credential);
	if ((rc = sam_authz_add_opt(ans, "redirect_uri", a.redirect_uri)) == PP_OK)
		rc = sam_authz_add_opt(ans, "state", a.state);
out:
	sam_authz_clear(&a);
	return rc;
}

/* ------------------------------------------------------------------ authz.redeem, authz.check */

static const struct sam_sad_field sam_authz_redeem_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "client_id", json_type_string, 1 },
	{ "code", json_type_string, 1 },
	{ "code_verifier", json_type_string, 1 },
	{ "redirect_uri", json_type_string, 1 },
	{ "ip", json_type_string, 0 },
};

static const struct sam_sad_field sam_authz_check_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "authz", json_type_string, 1 },
	{ "ip", json_type_string, 0 },
};

/* The SAD and its remaining seconds into ans. */
static enum pp_err
sam_authz_sad_json(json_object *ans, const char *sad, int64_t expires_ms, int64_t now)
{
	int64_t left = (expires_ms - now + 999) / 1000;
	enum pp_err rc;

	if ((rc = pp_json_add_str(ans, "sad", sad)) != PP_OK)
		return rc;
	return pp_json_add_int(ans, "expires_in", left > 0 ? left : 1);
}

enum pp_err
sam_authz_op_redeem(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *ip = pp_json_get_str(req, "ip");
	struct sam_authz_rec rec = { .op = "authz.redeem", .by_sca = 1, .sca = sca, .ip = ip,
		.client_id = pp_json_get_str(req, "client_id") };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_authz a;
	char sad[SAM_SAD_STR_LEN + 1] = "";
	int64_t expires = 0, burned = -1, now;
	int missing, refused;
	enum pp_err rc;

	(void)peer;
	memset(&a, 0, sizeof(a));
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_authz_redeem_fields, SAM_N(sam_authz_redeem_fields), &missing)) != PP_OK)
		return rc;
	if (missing)
		ref.text = "client_id, code, code_verifier and redirect_uri are required";
	else if (ip != NULL && !sam_authz_ip_ok(ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	now = sam_now_ms();
	if ((rc = sam_authz_redeem(ctx->store, sca, rec.client_id, pp_json_get_str(req, "code"),
	    pp_json_get_str(req, "code_verifier"), pp_json_get_str(req, "redirect_uri"), now, sad, &expires, &a,
	    &burned, &ref)) != PP_OK)
		goto out;
	rec.authz = a.id[0] ? a.id : NULL;
	rec.signatory = a.signatory;
	rec.credential = a.credential;
	rec.sad_id = a.sad_id;
	rec.burned = burned;
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SAD_USE;
	rec.expires_ms = expires;
	rec.cause = "SAD delivered for the authorisation code (PKCE verified)";
	if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK)
		rc = sam_authz_sad_json(ans, sad, expires, now);
out:
	pp_wipe(sad, sizeof(sad));
	sam_authz_clear(&a);
	return rc;
}

enum pp_err
sam_authz_op_check(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *ip = pp_json_get_str(req, "ip");
	struct sam_authz_rec rec = { .op = "authz.check", .by_sca = 1, .sca = sca, .ip = ip,
		.authz = pp_json_get_str(req, "authz") };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_authz a;
	char sad[SAM_SAD_STR_LEN + 1] = "";
	int64_t expires = 0, now;
	int missing, refused, pending = 0;
	enum pp_err rc;

	(void)peer;
	memset(&a, 0, sizeof(a));
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_authz_check_fields, SAM_N(sam_authz_check_fields), &missing)) != PP_OK)
		return rc;
	if (missing)
		ref.text = "authz is required";
	else if (ip != NULL && !sam_authz_ip_ok(ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	now = sam_now_ms();
	if ((rc = sam_authz_check(ctx->store, sca, rec.authz, now, &pending, sad, &expires, &a, &ref)) != PP_OK)
		goto out;
	/* Another client's request: its signatory is not named. */
	if (ref.error == NULL || strcmp(ref.error, "access_denied") != 0 || strcmp(a.sca, sca) == 0) {
		rec.signatory = a.signatory;
		rec.credential = a.credential;
		rec.sad_id = a.sad_id;
	}
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SAD_USE;
	if (a.mode == SAM_AUTHZ_EPHEMERAL && sad[0] == '\0') {
		/* The session's state: its credential once the signatory has
		 * authenticated (the SCA builds what it hashes with it). */
		rec.cause = "ephemeral session state";
		if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK && (rc = pp_json_add_str(ans, "status",
		    sam_authz_status_name(a.status))) == PP_OK)
			rc = sam_authz_add_opt(ans, "credential", a.credential);
		goto out;
	}
	if (pending) {
		rec.cause = "authorisation request pending";
		if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK)
			rc = pp_json_add_str(ans, "status", "pending");
		goto out;
	}
	rec.expires_ms = expires;
	rec.cause = "SAD delivered to the client that asked (credentials/authorizeCheck)";
	if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK && (rc = pp_json_add_str(ans, "status", "approved")) == PP_OK &&
	    (rc = sam_authz_add_opt(ans, "credential", a.mode == SAM_AUTHZ_EPHEMERAL ? a.credential : NULL)) == PP_OK)
		rc = sam_authz_sad_json(ans, sad, expires, now);
out:
	pp_wipe(sad, sizeof(sad));
	sam_authz_clear(&a);
	return rc;
}

/* ------------------------------------------------------------------ ephemeral sessions (KEY-4) */

static const struct sam_sad_field sam_authz_documents_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "authz", json_type_string, 1 },
	{ "hash_algo", json_type_string, 1 },
	{ "documents", json_type_array, 1 },
	{ "num_signatures", json_type_int, 1 },
	{ "ip", json_type_string, 0 },
};

static const struct sam_sad_field sam_authz_close_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "authz", json_type_string, 1 },
	{ "ip", json_type_string, 0 },
};

enum pp_err
sam_authz_op_documents(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *halg = pp_json_get_str(req, "hash_algo"), *why = NULL;
	struct sam_authz_rec rec = { .op = "authz.documents", .by_sca = 1, .sca = sca, .ip = pp_json_get_str(req, "ip"),
		.authz = pp_json_get_str(req, "authz"), .hash_algo = halg };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_authz_docs d = { 0 };
	json_object *docs = NULL, *num = NULL;
	size_t dlen = 0;
	int missing, refused;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_authz_documents_fields, SAM_N(sam_authz_documents_fields), &missing)) != PP_OK)
		return rc;
	json_object_object_get_ex(req, "documents", &docs);
	json_object_object_get_ex(req, "num_signatures", &num);
	if (missing)
		ref.text = "authz, hash_algo, documents and num_signatures are required";
	else if (rec.ip != NULL && !sam_authz_ip_ok(rec.ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	else if (!sam_authz_id_ok(rec.authz))
		ref.text = "authz: 32 lower-case hex digits";
	else if ((dlen = sam_hash_algo_len(halg)) == 0)
		ref.text = "hash_algo: one of the SHA-256, SHA-384, SHA-512 OIDs";
	else if (!sam_sad_hash_allowed(halg))
		ref.text = "hash_algo: this hash algorithm is withdrawn by the service (sam.hash_algos)";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	if ((rc = sam_authz_docs_get(docs, dlen, &d, &why)) != PP_OK)
		return rc;
	if (why != NULL) {
		ref.text = why;
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	}
	if (json_object_get_int64(num) != (int64_t)d.n)
		ref.text = "num_signatures: must equal the number of documents";
	else if ((rc = sam_authz_documents(ctx->store, sca, rec.authz, halg, &d, sam_now_ms(), &ref)) != PP_OK)
		goto out;
	if (ref.text != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SAD_USE;
	rec.count = (int64_t)d.n;
	rec.cause = "ephemeral session: the documents to sign recorded";
	if ((rc = sam_authz_audit(ctx, &rec)) == PP_OK)
		rc = pp_json_add_str(ans, "status", "AUTHENTICATED");
out:
	sam_authz_docs_free(&d);
	return rc;
}

/* The SCA ends its ephemeral session: cancelled if not delivered yet, and
 * in any case its key destroyed now (an approved SAD goes with it). */
enum pp_err
sam_authz_op_close(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca");
	struct sam_authz_rec rec = { .op = "authz.close", .by_sca = 1, .sca = sca, .ip = pp_json_get_str(req, "ip"),
		.authz = pp_json_get_str(req, "authz") };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_authz a;
	int64_t burned = 0;
	int missing, refused;
	enum pp_err rc;

	(void)peer;
	memset(&a, 0, sizeof(a));
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_authz_close_fields, SAM_N(sam_authz_close_fields), &missing)) != PP_OK)
		return rc;
	if (missing)
		ref.text = "authz is required";
	else if (rec.ip != NULL && !sam_authz_ip_ok(rec.ip))
		ref.text = "ip: an IPv4 or IPv6 address";
	if (ref.text != NULL)
		return sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
	if ((rc = sam_authz_find(ctx, rec.authz, &a, NULL, &ref)) != PP_OK)
		return rc;
	if (ref.error == NULL && (strcmp(a.sca, sca) != 0 || a.mode != SAM_AUTHZ_EPHEMERAL))
		ref = (struct sam_sad_refuse){ "invalid_request", "sessionID: no such ephemeral session of this client" };
	if (ref.error != NULL) {
		rc = sam_authz_refuse(ctx, &rec, PP_AUDIT_SAD_REFUSE, &ref, ans);
		goto out;
	}
	rec.signatory = a.signatory;
	rec.credential = a.credential;
	rec.sad_id = a.sad_id;
	if (a.status <= SAM_AUTHZ_APPROVED) {
		if ((rc = sam_authz_cancel(ctx->store, a.id, sam_now_ms(), &ref)) != PP_OK)
			goto out;
	} else if (a.status == SAM_AUTHZ_REDEEMED) {
		/* Delivered: what is not signed yet will not be. */
		if ((rc = pp_store_begin(ctx->store)) != PP_OK)
			goto out;
		if ((rc = sam_ledger_revoke_tx(ctx->store, a.sad_id, sam_now_ms(), &burned)) != PP_OK ||
		    (rc = pp_store_commit(ctx->store)) != PP_OK) {
			pp_store_rollback(ctx->store);
			goto out;
		}
	}
	rec.type = PP_AUDIT_SAD_REFUSE;
	rec.failure = 1;
	rec.error = "access_denied";
	rec.burned = burned;
	rec.cause = "ephemeral session closed by the client";
	if ((rc = sam_authz_audit(ctx, &rec)) != PP_OK)
		goto out;
	/* The key now; a token or audit failure leaves it owed (the sweep). */
	if (a.credential[0] && (rc = sam_cred_retire(ctx, a.credential, "ephemeral session closed by the client")) != PP_OK)
		goto out;
	rc = pp_json_add_str(ans, "status", "CLOSED");
out:
	sam_authz_clear(&a);
	return rc;
}

/*
 * The ephemeral sessions' reaper, at every tick: whatever ended them (every
 * hash signed, the SAD or the certificate at its end, cancellation,
 * expiry, a crash between the end and the destruction), their keys go.
 */
static void
sam_authz_reap(struct pp_daemon_ctx *ctx)
{
	char cred[SAM_AUTHZ_REAP_MAX][33];
	size_t n = 0;

	if (sam_authz_reapable(ctx->store, sam_now_ms(), cred, SAM_AUTHZ_REAP_MAX, &n) != PP_OK) {
		pp_err_log("sam: the ephemeral sessions could not be read; the next tick tries again");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (sam_cred_retire(ctx, cred[i], "ephemeral session ended (signed, expired or cancelled)") != PP_OK)
			pp_err_log("sam: ephemeral credential %s: its key is not destroyed yet (owed)", cred[i]);
}

/* ------------------------------------------------------------------ start, tick */

static struct {
	int64_t interval_s, last_s;
} sam_authz_sweep_st;

/* The login-token key: none configured, or its file not made yet (no
 * OpenID Connect on this instance), leaves logins refused; a file that is
 * there but not one EC P-256 public key stops the SAM. */
static enum pp_err
sam_authz_login_key_load(const char *path)
{
	struct stat st;
	char *pem = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	enum pp_err rc = PP_ERR_CONFIG;

	EVP_PKEY_free(sam_authz_st.login_key);
	sam_authz_st.login_key = NULL;
	if (path == NULL || *path == '\0') {
		pp_info_log("sam: no sam.login_key_file: OpenID Connect logins are refused");
		return PP_OK;
	}
	if (stat(path, &st) != 0 && errno == ENOENT) {
		pp_info_log("sam: %s does not exist (no login-token key made): OpenID Connect logins are refused", path);
		return PP_OK;
	}
	if (pp_file_read(path, 16384, &pem, &len) != PP_OK || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL || pp_jose_alg(key) == NULL ||
	    strcmp(pp_jose_alg(key), "ES256") != 0) {
		pp_err_log("sam: sam.login_key_file %s: not an EC P-256 public key (PEM)", path);
		EVP_PKEY_free(key);
		goto out;
	}
	sam_authz_st.login_key = key;
	pp_info_log("sam: login tokens verified with %s", path);
	rc = PP_OK;
out:
	BIO_free(bio);
	pp_free(pem);
	return rc;
}

enum pp_err
sam_authz_init(struct pp_daemon_ctx *ctx)
{
	int64_t life = pp_conf_int(ctx->conf, "sam", "authz_lifetime_s");

	sam_authz_st.life_ms = (life > 0 ? life : 600) * 1000;
	sam_authz_st.ephemeral_s = pp_conf_int(ctx->conf, "sam", "ephemeral_validity_s");
	if (sam_authz_st.ephemeral_s <= 0 || sam_authz_st.ephemeral_s > 1800)
		sam_authz_st.ephemeral_s = 1800;
	sam_authz_sweep_st.interval_s = pp_conf_int(ctx->conf, "sam", "sweep_interval_s");
	if (sam_authz_sweep_st.interval_s <= 0)
		sam_authz_sweep_st.interval_s = 60;
	sam_authz_sweep_st.last_s = 0;
	return sam_authz_login_key_load(pp_conf_str(ctx->conf, "sam", "login_key_file"));
}

void
sam_authz_fini(struct pp_daemon_ctx *ctx)
{
	(void)ctx;
	EVP_PKEY_free(sam_authz_st.login_key);
	sam_authz_st.login_key = NULL;
}

void
sam_authz_tick(struct pp_daemon_ctx *ctx)
{
	int64_t now = sam_now_ms(), n = 0;

	sam_authz_reap(ctx);
	if (now / 1000 - sam_authz_sweep_st.last_s < sam_authz_sweep_st.interval_s)
		return;
	sam_authz_sweep_st.last_s = now / 1000;
	if (sam_authz_sweep(ctx->store, now, &n) != PP_OK)
		pp_err_log("sam: the authorisation requests' expiry sweep failed; it runs again in %lld s",
		    (long long)sam_authz_sweep_st.interval_s);
	else if (n > 0)
		pp_info_log("sam: %lld authorisation request(s) expired", (long long)n);
}

/* ------------------------------------------------------------------ request members */

enum pp_err
sam_authz_req_shape(const char *op, json_object *req, int *missing)
{
	static const struct {
		const char *op;
		const struct sam_sad_field *f;
		size_t n;
	} ops[] = {
		{ "authz.create", sam_authz_create_fields, SAM_N(sam_authz_create_fields) },
		{ "authz.get", sam_authz_get_fields, SAM_N(sam_authz_get_fields) },
		{ "authz.otp_send", sam_authz_otp_send_fields, SAM_N(sam_authz_otp_send_fields) },
		{ "authz.otp_verify", sam_authz_otp_verify_fields, SAM_N(sam_authz_otp_verify_fields) },
		{ "authz.login", sam_authz_login_fields, SAM_N(sam_authz_login_fields) },
		{ "authz.approve", sam_authz_approve_fields, SAM_N(sam_authz_approve_fields) },
		{ "authz.cancel", sam_authz_cancel_fields, SAM_N(sam_authz_cancel_fields) },
		{ "authz.redeem", sam_authz_redeem_fields, SAM_N(sam_authz_redeem_fields) },
		{ "authz.check", sam_authz_check_fields, SAM_N(sam_authz_check_fields) },
		{ "authz.documents", sam_authz_documents_fields, SAM_N(sam_authz_documents_fields) },
		{ "authz.close", sam_authz_close_fields, SAM_N(sam_authz_close_fields) },
	};

	*missing = 0;
	for (size_t i = 0; op != NULL && i < SAM_N(ops); i++)
		if (strcmp(op, ops[i].op) == 0)
			return sam_sad_shape(req, ops[i].f, ops[i].n, missing);
	return PP_ERR_NOT_FOUND;
}
