/*
 * sam_sad: SMS OTP, SAD issue and signing under a SAD (see sam_sad.h).
 * SQL only through prepared statements with bound values; every refusal
 * and every signature is recorded with pp_audit_emit before the answer.
 */
#include "config.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_client.h"
#include "sam_cred.h"
#include "sam_enrol.h"
#include "sam_ledger.h"
#include "sam_otp.h"
#include "sam_sad.h"

#define SAM_N(a) (sizeof(a) / sizeof((a)[0]))
#define SAM_SAD_PROG "paraphe-samd"

/*
 * The SAM's activation state.  One per process, like the token login it
 * depends on; set by sam_sad_init before the first request and read-only
 * afterwards, but for the masks a staff withdrawal narrows on the loop
 * (sam_sad_withdraw; ctx->data belongs to sam_cred).  otp_key is derived from the
 * token key at start and wiped at the end.
 */
static void sam_sad_cache_free(void);
static enum pp_err sam_sad_pipe_start(struct pp_daemon_ctx *ctx);
static void sam_sad_pipe_stop(struct pp_daemon_ctx *ctx);

static struct sam_sad_state {
	struct pp_p11 *p11;
	CK_OBJECT_HANDLE key;
	unsigned char otp_key[SAM_OTP_KEY_LEN];
	char spool[SAM_OTP_SPOOL_PATH_MAX + 1];	/* "" : OTP by SMS refused */
	int64_t life_ms;
	unsigned allowed;			/* sam.key_types mask */
	unsigned hashes;			/* sam.hash_algos mask (bit per enum pp_p11_hash) */
	struct sam_otp_policy policy;
} sam_sad_st;

/* ------------------------------------------------------------------ pure helpers */

int
sam_sad_ident_ok(const char *s)
{
	size_t n, i;

	if (s == NULL)
		return 0;
	n = strnlen(s, SAM_ID_MAX + 1);
	if (n == 0 || n > SAM_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * The ledger's name of an SCA: its identity may hold spaces and be 256
 * bytes long, a ledger identifier may not, so the ledger (and the MAC)
 * carry "sca-" and the hex SHA-256 of the identity.  OUT out.
 */
static enum pp_err
sam_sad_sca_key(const char *sca, char out[4 + 64 + 1])
{
	unsigned char d[32];
	unsigned int dl = 0;

	if (EVP_Digest(sca, strlen(sca), d, &dl, EVP_sha256(), NULL) != 1 || dl != sizeof(d))
		return PP_ERR_INTERNAL;
	memcpy(out, "sca-", 4);
	pp_hex(d, sizeof(d), out + 4);
	return PP_OK;
}

static int
sam_sad_hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 64);
}

static unsigned char *
sam_sad_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

enum pp_err
sam_sad_mac_input(const struct sam_sad_claims *c, unsigned char **out, size_t *len)
{
	const char *s[6];
	size_t sl[6], total, i;
	unsigned char *buf, *p, *sorted;

	if (c == NULL || out == NULL || len == NULL)
		return PP_ERR_BAD_REQUEST;
	*out = NULL;
	*len = 0;
	s[0] = c->sad_id;
	s[1] = c->signatory;
	s[2] = c->credential;
	s[3] = c->sca;
	s[4] = c->session;
	s[5] = c->hash_algo;
	total = sizeof(SAM_SAD_MAC_TAG) - 1;
	for (i = 0; i < 6; i++) {
		if (s[i] == NULL || (sl[i] = strnlen(s[i], 1025)) > 1024)
			return PP_ERR_BAD_REQUEST;
		total += 4 + sl[i];
	}
	if (c->nhashes == 0 || c->nhashes > SAM_LEDGER_MAX_HASHES || c->hashes == NULL ||
	    (c->hash_len != 32 && c->hash_len != 48 && c->hash_len != 64))
		return PP_ERR_BAD_REQUEST;
	for (i = 0; i < c->nhashes; i++)
		if (c->hashes[i] == NULL)
			return PP_ERR_BAD_REQUEST;
	total += 8 + c->nhashes * c->hash_len + 8;
	/* Sorted in 64-byte zero-padded slots: the order of memcmp over the
	 * first hash_len bytes, with a comparator that needs no length. */
	if ((sorted = pp_malloc(c->nhashes * 64)) == NULL)
		return PP_ERR_NOMEM;
	memset(sorted, 0, c->nhashes * 64);
	for (i = 0; i < c->nhashes; i++)
		memcpy(sorted + 64 * i, c->hashes[i], c->hash_len);
	qsort(sorted, c->nhashes, 64, sam_sad_hash_cmp);
	if ((buf = pp_malloc(total)) == NULL) {
		pp_free(sorted);
		return PP_ERR_NOMEM;
	}
	p = buf;
	memcpy(p, SAM_SAD_MAC_TAG, sizeof(SAM_SAD_MAC_TAG) - 1);
	p += sizeof(SAM_SAD_MAC_TAG) - 1;
	for (i = 0; i < 6; i++) {
		p = sam_sad_put32(p, (uint32_t)sl[i]);
		memcpy(p, s[i], sl[i]);
		p += sl[i];
	}
	p = sam_sad_put32(p, (uint32_t)c->nhashes);
	p = sam_sad_put32(p, (uint32_t)c->hash_len);
	for (i = 0; i < c->nhashes; i++) {
		memcpy(p, sorted + 64 * i, c->hash_len);
		p += c->hash_len;
	}
	p = sam_sad_put32(p, (uint32_t)((uint64_t)c->expires_ms >> 32));
	p = sam_sad_put32(p, (uint32_t)((uint64_t)c->expires_ms & 0xffffffffu));
	pp_free(sorted);
	*out = buf;
	*len = (size_t)(p - buf);
	return PP_OK;
}

enum pp_err
sam_sad_mac(const struct sam_sad_claims *c, sam_sad_mac_fn fn, void *arg,
    unsigned char mac[SAM_SAD_MAC_LEN])
{
	unsigned char *in = NULL;
	size_t len = 0;
	enum pp_err rc;

	if (fn == NULL || mac == NULL)
		return PP_ERR_BAD_REQUEST;
	if ((rc = sam_sad_mac_input(c, &in, &len)) != PP_OK)
		return rc;
	rc = fn(arg, in, len, mac);
	pp_free(in);
	return rc;
}

static const char sam_sad_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
sam_sad_encode(const unsigned char id[SAM_SAD_ID_BYTES], const unsigned char mac[SAM_SAD_MAC_LEN],
    char out[SAM_SAD_STR_LEN + 1])
{
	unsigned char raw[SAM_SAD_ID_BYTES + SAM_SAD_MAC_LEN];
	size_t i, o = 0;

	memcpy(raw, id, SAM_SAD_ID_BYTES);
	memcpy(raw + SAM_SAD_ID_BYTES, mac, SAM_SAD_MAC_LEN);
	/* 48 bytes: 16 whole groups of three, no padding. */
	for (i = 0; i < sizeof(raw); i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = sam_sad_b64url[(v >> 18) & 63];
		out[o++] = sam_sad_b64url[(v >> 12) & 63];
		out[o++] = sam_sad_b64url[(v >> 6) & 63];
		out[o++] = sam_sad_b64url[v & 63];
	}
	out[o] = '\0';
	pp_wipe(raw, sizeof(raw));
}

static int
sam_sad_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

enum pp_err
sam_sad_decode(const char *s, size_t len, unsigned char id[SAM_SAD_ID_BYTES],
    unsigned char mac[SAM_SAD_MAC_LEN])
{
	unsigned char raw[SAM_SAD_ID_BYTES + SAM_SAD_MAC_LEN];
	size_t i, o = 0;

	if (s == NULL || len != SAM_SAD_STR_LEN)
		return PP_ERR_FIELD_INVALID;
	for (i = 0; i < len; i += 4) {
		int a = sam_sad_b64val(s[i]), b = sam_sad_b64val(s[i + 1]);
		int c = sam_sad_b64val(s[i + 2]), d = sam_sad_b64val(s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0) {
			pp_wipe(raw, sizeof(raw));
			return PP_ERR_FIELD_INVALID;
		}
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		raw[o++] = (unsigned char)(v >> 16);
		raw[o++] = (unsigned char)(v >> 8);
		raw[o++] = (unsigned char)v;
	}
	memcpy(id, raw, SAM_SAD_ID_BYTES);
	memcpy(mac, raw + SAM_SAD_ID_BYTES, SAM_SAD_MAC_LEN);
	pp_wipe(raw, sizeof(raw));
	return PP_OK;
}

int
sam_sad_mac_equal(const unsigned char a[SAM_SAD_MAC_LEN], const unsigned char b[SAM_SAD_MAC_LEN])
{
	return CRYPTO_memcmp(a, b, SAM_SAD_MAC_LEN) == 0;
}

#define SAM_OID_RSA		"1.2.840.113549.1.1.1"
#define SAM_OID_RSA_PSS		"1.2.840.113549.1.1.10"
#define SAM_OID_RSA_SHA256	"1.2.840.113549.1.1.11"
#define SAM_OID_RSA_SHA384	"1.2.840.113549.1.1.12"
#define SAM_OID_RSA_SHA512	"1.2.840.113549.1.1.13"
#define SAM_OID_ECDSA_SHA256	"1.2.840.10045.4.3.2"
#define SAM_OID_ECDSA_SHA384	"1.2.840.10045.4.3.3"
#define SAM_OID_ECDSA_SHA512	"1.2.840.10045.4.3.4"

static int
sam_sad_hash_of(const char *oid, enum pp_p11_hash *h)
{
	if (oid == NULL)
		return 0;
	if (strcmp(oid, SAM_OID_SHA256) == 0)
		*h = PP_P11_SHA256;
	else if (strcmp(oid, SAM_OID_SHA384) == 0)
		*h = PP_P11_SHA384;
	else if (strcmp(oid, SAM_OID_SHA512) == 0)
		*h = PP_P11_SHA512;
	else
		return 0;
	return 1;
}

/* Every signature algorithm the SAM knows, in the order the CSC info
 * document lists them. */
static const struct {
	const char *oid;
	enum pp_p11_mech mech;
	int hash;	/* -1: the hash_algo's */
} sam_sad_algos[] = {
	{ SAM_OID_RSA, PP_P11_RSA_PKCS1, -1 },
	{ SAM_OID_RSA_SHA256, PP_P11_RSA_PKCS1, PP_P11_SHA256 },
	{ SAM_OID_RSA_SHA384, PP_P11_RSA_PKCS1, PP_P11_SHA384 },
	{ SAM_OID_RSA_SHA512, PP_P11_RSA_PKCS1, PP_P11_SHA512 },
	{ SAM_OID_RSA_PSS, PP_P11_RSA_PSS, -1 },
	{ SAM_OID_ECDSA_SHA256, PP_P11_ECDSA, PP_P11_SHA256 },
	{ SAM_OID_ECDSA_SHA384, PP_P11_ECDSA, PP_P11_SHA384 },
	{ SAM_OID_ECDSA_SHA512, PP_P11_ECDSA, PP_P11_SHA512 },
};

/* The hash algorithms by enum pp_p11_hash: sam.hash_algos names, OIDs. */
static const char *const sam_sad_hash_names[PP_P11_HASH__MAX] = { "sha256", "sha384", "sha512" };
static const char *const sam_sad_hash_oids[PP_P11_HASH__MAX] = {
	SAM_OID_SHA256, SAM_OID_SHA384, SAM_OID_SHA512
};

enum pp_err
sam_sad_sign_algo(const char *sign_oid, const char *hash_oid, enum pp_p11_keytype kt,
    enum pp_p11_mech *mech, enum pp_p11_hash *hash, const char **why)
{
	enum pp_p11_hash h;
	size_t i;
	int rsa;

	if (why == NULL || mech == NULL || hash == NULL)
		return PP_ERR_BAD_REQUEST;
	*why = NULL;
	if ((unsigned)kt >= PP_P11_KEYTYPE__MAX)
		return PP_ERR_BAD_REQUEST;
	if (!sam_sad_hash_of(hash_oid, &h)) {
		*why = "hash_algo: one of the SHA-256, SHA-384, SHA-512 OIDs";
		return PP_OK;
	}
	for (i = 0; sign_oid != NULL && i < SAM_N(sam_sad_algos); i++)
		if (strcmp(sign_oid, sam_sad_algos[i].oid) == 0)
			break;
	if (sign_oid == NULL || i == SAM_N(sam_sad_algos)) {
		*why = "sign_algo: rsaEncryption, RSASSA-PSS, sha2WithRSAEncryption or ecdsa-with-SHA2 OID";
		return PP_OK;
	}
	rsa = kt == PP_P11_RSA3072 || kt == PP_P11_RSA4096 || kt == PP_P11_RSA2048;
	if (rsa != (sam_sad_algos[i].mech != PP_P11_ECDSA)) {
		*why = "sign_algo: the signature algorithm does not fit the credential's key";
		return PP_OK;
	}
	if (sam_sad_algos[i].hash >= 0 && (enum pp_p11_hash)sam_sad_algos[i].hash != h) {
		*why = "sign_algo names another hash algorithm than hash_algo";
		return PP_OK;
	}
	*mech = sam_sad_algos[i].mech;
	*hash = h;
	return PP_OK;
}

enum pp_err
sam_sad_hash_algos_parse(const char *list, unsigned *mask)
{
	size_t n;
	int i;

	*mask = 0;
	while (list != NULL && *list) {
		while (*list == ' ' || *list == '\t')
			list++;
		if (!*list)
			break;
		n = strcspn(list, " \t");
		for (i = 0; i < PP_P11_HASH__MAX; i++)
			if (strlen(sam_sad_hash_names[i]) == n && memcmp(list, sam_sad_hash_names[i], n) == 0)
				break;
		if (i == PP_P11_HASH__MAX)
			goto bad;
		*mask |= 1u << i;
		list += n;
	}
	if (*mask == 0)
		goto bad;
	return PP_OK;
bad:
	pp_err_log("sam: sam.hash_algos: give one or more of sha256 sha384 sha512");
	*mask = 0;
	return PP_ERR_CONFIG;
}

int
sam_sad_hash_ok(const char *oid, unsigned mask)
{
	enum pp_p11_hash h;

	return sam_sad_hash_of(oid, &h) && (mask & (1u << h)) != 0;
}

size_t
sam_sad_sign_algos(unsigned key_mask, unsigned hash_mask, const char **out, size_t cap)
{
	enum pp_p11_mech mech;
	enum pp_p11_hash hash;
	const char *why;
	size_t i, n = 0;
	int kt, h, ok;

	/* An algorithm is allowed when some allowed key and some allowed hash
	 * pass sam_sad_sign_algo: the very check "sign" makes, so the list
	 * and the refusals cannot disagree. */
	for (i = 0; i < SAM_N(sam_sad_algos) && n < cap; i++) {
		ok = 0;
		for (kt = 0; !ok && kt < PP_P11_KEYTYPE__MAX; kt++)
			for (h = 0; !ok && h < PP_P11_HASH__MAX; h++)
				ok = (key_mask & (1u << kt)) && (hash_mask & (1u << h)) &&
				    sam_sad_sign_algo(sam_sad_algos[i].oid, sam_sad_hash_oids[h],
				    (enum pp_p11_keytype)kt, &mech, &hash, &why) == PP_OK && why == NULL;
		if (ok)
			out[n++] = sam_sad_algos[i].oid;
	}
	return n;
}

/* The refusal of a hash_algo that sam.hash_algos withdrew. */
#define SAM_SAD_HASH_WITHDRAWN "hash_algo: this hash algorithm is withdrawn by the service (sam.hash_algos)"
/* The refusal of an expired SAD: what happened and what to do. */
#define SAM_SAD_EXPIRED "The SAD has expired (a SAD is valid sam.sad_lifetime_s seconds from the signatory's" \
	" consent): the signatory must authorise the signature again"

/* ------------------------------------------------------------------ requests */

enum pp_err
sam_sad_shape(json_object *req, const struct sam_sad_field *f, size_t n, int *missing)
{
	size_t i;

	*missing = 0;
	if (!json_object_is_type(req, json_type_object))
		return PP_ERR_BAD_REQUEST;
	json_object_object_foreach(req, key, val) {
		if (strcmp(key, "v") == 0 || strcmp(key, "op") == 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(key, f[i].name) == 0)
				break;
		if (i == n || !json_object_is_type(val, f[i].type))
			return PP_ERR_BAD_REQUEST;
	}
	for (i = 0; i < n; i++)
		if (f[i].required && !json_object_object_get_ex(req, f[i].name, NULL))
			*missing = 1;
	return PP_OK;
}

/* Decoded hashes of a request: every one of len bytes. */
struct sam_sad_hashes {
	uint8_t (*buf)[64];
	const uint8_t **p;
	size_t n, len;
};

static void
sam_sad_hashes_free(struct sam_sad_hashes *h)
{
	pp_free(h->buf);
	pp_free(h->p);
	memset(h, 0, sizeof(*h));
}

/* Decodes the "hashes" array (strings of standard base64) for digests of
 * len bytes.  OUT *h, owned by the caller (sam_sad_hashes_free).  A refusal
 * is PP_OK with *why set and nothing allocated; PP_ERR_BAD_REQUEST for an
 * element that is not a string (malformed). */
static enum pp_err
sam_sad_hashes_get(json_object *arr, size_t len, struct sam_sad_hashes *h, const char **why)
{
	size_t n = arr ? json_object_array_length(arr) : 0, i, got;
	enum pp_err rc;

	memset(h, 0, sizeof(*h));
	*why = NULL;
	if (n == 0 || n > SAM_LEDGER_MAX_HASHES) {
		*why = "hashes: 1 to 1000 base64 digests";
		return PP_OK;
	}
	for (i = 0; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string))
			return PP_ERR_BAD_REQUEST;
	if ((h->buf = pp_malloc(n * sizeof(*h->buf))) == NULL || (h->p = pp_malloc(n * sizeof(*h->p))) == NULL) {
		sam_sad_hashes_free(h);
		return PP_ERR_NOMEM;
	}
	h->n = n;
	h->len = len;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		rc = pp_b64_decode(json_object_get_string(e), (size_t)json_object_get_string_len(e), h->buf[i],
		    sizeof(h->buf[i]), &got);
		if (rc != PP_OK) {
			*why = "hashes: each one standard base64 (RFC 4648)";
			break;
		}
		if (got != len) {
			*why = "hashes: a digest's length is not the length of hash_algo";
			break;
		}
		h->p[i] = h->buf[i];
	}
	if (*why != NULL)
		sam_sad_hashes_free(h);
	return PP_OK;
}

/* ------------------------------------------------------------------ credentials */


static enum pp_err
sam_sad_cred_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_sad_cred *k = arg;

	if (n != 7 || !pp_val_text(&c[0], k->signatory, sizeof(k->signatory)) ||
	    !pp_val_text(&c[1], k->sca, sizeof(k->sca)) ||
	    !pp_val_text(&c[2], k->key_type, sizeof(k->key_type)) ||
	    !pp_val_text(&c[3], k->key_id, sizeof(k->key_id)) ||
	    !pp_val_text(&c[4], k->state, sizeof(k->state)) ||
	    !pp_val_text(&c[5], k->serial, sizeof(k->serial)))
		return PP_ERR_DB;
	k->not_after = c[6].type == PP_VAL_INT ? c[6].i : 0;
	k->found = 1;
	return PP_OK;
}

static enum pp_err
sam_sad_count_row(void *arg, const struct pp_val *c, size_t n)
{
	*(int64_t *)arg = n == 1 && c[0].type == PP_VAL_INT ? c[0].i : 0;
	return PP_OK;
}

enum pp_err
sam_sad_cred_check(struct pp_store *st, const char *id, const char *sca, const char *signatory,
    int64_t now_ms, struct sam_sad_cred *k, enum pp_p11_keytype *kt, struct sam_sad_refuse *ref)
{
	struct pp_val b[1] = { PP_VAL_S(id) };
	enum pp_err rc;

	memset(k, 0, sizeof(*k));
	ref->error = NULL;
	if ((rc = pp_store_exec(st, "SELECT signatory, sca, key_type, key_id, state, serial, not_after"
	    " FROM credentials WHERE id = ?", b, 1, sam_sad_cred_row, k, NULL)) != PP_OK)
		return rc;
	if (!k->found) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "credential: no credential with this id" };
	} else if (strcmp(k->sca, sca) != 0) {
		*ref = (struct sam_sad_refuse){ "access_denied", "the credential belongs to another SCA" };
	} else if (signatory != NULL && strcmp(k->signatory, signatory) != 0) {
		*ref = (struct sam_sad_refuse){ "access_denied", "the credential belongs to another signatory" };
	} else if (strcmp(k->state, "ACTIVE") != 0) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "the credential is not active (revoked, expired or destroyed)" };
	} else if (k->not_after * 1000 <= now_ms) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "the credential's certificate has expired" };
	} else if (sam_cred_key_type(k->key_type, kt) != PP_OK) {
		return PP_ERR_DB;
	} else if (sam_algo_withdrawn_keys() & (1u << *kt)) {
		*ref = (struct sam_sad_refuse){ "invalid_request", SAM_WITHDRAWN_CRED_TEXT };
	} else if (!(sam_sad_st.allowed & (1u << *kt))) {
		*ref = (struct sam_sad_refuse){ "invalid_request", "the credential's key algorithm is withdrawn by the service (sam.key_types)" };
	}
	return PP_OK;
}

enum pp_err
sam_sad_cred_ephemeral(struct pp_store *st, const char *id, int *ephemeral)
{
	struct pp_val b[1] = { PP_VAL_S(id) };
	int64_t n = 0;
	enum pp_err rc;

	*ephemeral = 0;
	if ((rc = pp_store_exec(st, "SELECT count(*) FROM authz WHERE mode = 'ephemeral' AND credential = ?", b, 1,
	    sam_sad_count_row, &n, NULL)) == PP_OK)
		*ephemeral = n > 0;
	return rc;
}

/* ------------------------------------------------------------------ audit */

struct sam_sad_rec {
	enum pp_audit_type type;
	int failure;
	int system;			/* actor: the SAM itself */
	const char *sca, *signatory, *session, *cause;
	const char *credential, *serial, *error, *op, *sad_id, *otp_id, *hash_algo, *sign_algo,
	    *batch, *hashes_sha256, *step;
	int64_t count, expires_ms, extra1, extra2;
	const char *extra1_name, *extra2_name;
};

/* The audit event of r.  OUT *e; e->details is owned by the caller
 * (json_object_put), even on failure. */
static enum pp_err
sam_sad_event(const struct sam_sad_rec *r, struct pp_audit_event *e)
{
	json_object *d;
	enum pp_err rc = PP_ERR_NOMEM;

	memset(e, 0, sizeof(*e));
	e->type = r->type;
	e->outcome = r->failure ? PP_AUDIT_FAILURE : PP_AUDIT_SUCCESS;
	if (r->system) {
		e->actor_kind = PP_AUDIT_ACTOR_SYSTEM;
		e->actor_id = SAM_SAD_PROG;
	} else {
		e->actor_kind = PP_AUDIT_ACTOR_SCA;
		e->actor_id = sam_enrol_sca_ok(r->sca) ? r->sca : "unknown";
		e->requester = e->actor_id;
	}
	e->recipient = sam_enrol_id_ok(r->signatory) ? r->signatory : NULL;
	e->correlation = sam_sad_ident_ok(r->session) ? r->session : NULL;
	e->cause = r->cause;
	if ((d = e->details = json_object_new_object()) == NULL)
		goto out;
#define SAM_SAD_ADD(key, v) \
	if ((v) != NULL && *(v) && pp_json_add_str(d, key, v) != PP_OK) goto out
	SAM_SAD_ADD("op", r->op);
	SAM_SAD_ADD("step", r->step);
	if (sam_cred_id_ok(r->credential) && pp_json_add_str(d, "credential", r->credential) != PP_OK)
		goto out;
	SAM_SAD_ADD("serial", r->serial);
	SAM_SAD_ADD("sad_id", r->sad_id);
	SAM_SAD_ADD("otp_id", r->otp_id);
	SAM_SAD_ADD("hash_algo", r->hash_algo);
	SAM_SAD_ADD("sign_algo", r->sign_algo);
	SAM_SAD_ADD("batch", r->batch);
	SAM_SAD_ADD("hashes_sha256", r->hashes_sha256);
	SAM_SAD_ADD("error", r->error);
#undef SAM_SAD_ADD
	if (r->count > 0 && pp_json_add_int(d, "count", r->count) != PP_OK)
		goto out;
	if (r->expires_ms > 0 && pp_json_add_int(d, "expires_ms", r->expires_ms) != PP_OK)
		goto out;
	if (r->extra1_name && pp_json_add_int(d, r->extra1_name, r->extra1) != PP_OK)
		goto out;
	if (r->extra2_name && pp_json_add_int(d, r->extra2_name, r->extra2) != PP_OK)
		goto out;
	rc = PP_OK;
out:
	return rc;
}

static enum pp_err
sam_sad_audit(struct pp_daemon_ctx *ctx, const struct sam_sad_rec *r)
{
	struct pp_audit_event ev;
	enum pp_err rc;

	if ((rc = sam_sad_event(r, &ev)) == PP_OK &&
	    (rc = pp_audit_emit(ctx->conf, &ev, NULL)) != PP_OK)
		pp_err_log("sam: the audit record %s was not acknowledged", pp_audit_type_name(r->type));
	json_object_put(ev.details);
	return rc;
}

/* Records a refusal (rec->failure set by us), then answers it. */
static enum pp_err
sam_sad_refuse(struct pp_daemon_ctx *ctx, struct sam_sad_rec *rec, const struct sam_sad_refuse *ref,
    json_object *ans)
{
	enum pp_err rc;

	rec->failure = 1;
	rec->cause = ref->text ? ref->text : "refused";
	rec->error = ref->error ? ref->error : "invalid_request";
	if ((rc = sam_sad_audit(ctx, rec)) != PP_OK)
		return rc;
	if (pp_json_add_str(ans, "error", rec->error) != PP_OK ||
	    pp_json_add_str(ans, "error_description", rec->cause) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* ------------------------------------------------------------------ start */

static enum pp_err
sam_sad_token_mac(void *arg, const unsigned char *in, size_t len, unsigned char mac[SAM_SAD_MAC_LEN])
{
	const struct sam_sad_state *s = arg;

	return pp_p11_hmac_sha256(s->p11, s->key, in, len, mac);
}

enum pp_err
sam_sad_init(struct pp_daemon_ctx *ctx)
{
	struct sam_sad_state *s = &sam_sad_st;
	const char *spool = pp_conf_str(ctx->conf, "sam", "sms_spool");
	struct sam_recovery rec;
	struct sam_sad_rec ar;
	enum pp_err rc;

	memset(s, 0, sizeof(*s));
	s->p11 = ctx->p11;
	s->life_ms = pp_conf_int(ctx->conf, "sam", "sad_lifetime_s") * 1000;
	if (s->life_ms <= 0 || s->life_ms > SAM_SAD_MAX_LIFE_MS)
		s->life_ms = SAM_SAD_MAX_LIFE_MS;
	sam_otp_policy_default(&s->policy);
	if (spool == NULL)
		spool = "";
	if (strlen(spool) > SAM_OTP_SPOOL_PATH_MAX) {
		pp_err_log("sam: sam.sms_spool longer than %d bytes", SAM_OTP_SPOOL_PATH_MAX);
		return PP_ERR_CONFIG;
	}
	snprintf(s->spool, sizeof(s->spool), "%s", spool);
	if ((rc = sam_cred_key_types_parse(pp_conf_str(ctx->conf, "sam", "key_types"), &s->allowed)) != PP_OK)
		return rc;
	s->allowed = sam_cred_key_types_in_force(s->allowed);	/* imported legacy RSA 2048 */
	if ((rc = sam_sad_hash_algos_parse(pp_conf_str(ctx->conf, "sam", "hash_algos"), &s->hashes)) != PP_OK)
		return rc;
	pp_info_log("sam: algorithms in force: key types \"%s\", hashes \"%s\" (SEC-6)",
	    pp_conf_str(ctx->conf, "sam", "key_types"), pp_conf_str(ctx->conf, "sam", "hash_algos"));

	rc = pp_p11_secret_find(ctx->p11, SAM_SAD_KEY_LABEL, &s->key);
	if (rc == PP_ERR_NOT_FOUND) {
		if ((rc = pp_p11_secret_generate(ctx->p11, SAM_SAD_KEY_LABEL, 32, &s->key)) != PP_OK) {
			pp_err_log("sam: the SAD key could not be generated in the token");
			return rc;
		}
		memset(&ar, 0, sizeof(ar));
		ar.type = PP_AUDIT_KEY_GENERATE;
		ar.system = 1;
		ar.cause = "SAD MAC key (HMAC-SHA-256, generic secret in the token)";
		if ((rc = sam_sad_audit(ctx, &ar)) != PP_OK)
			return rc;
		pp_info_log("sam: SAD key generated in the token");
	} else if (rc != PP_OK) {
		pp_err_log("sam: no usable SAD key in the token");
		return rc;
	}
	/* The OTP HMAC key: derived from the token key, so OTPs survive a
	 * restart and no second secret needs storing. */
	if ((rc = pp_p11_hmac_sha256(ctx->p11, s->key, (const unsigned char *)SAM_SAD_OTP_KEY_TAG,
	    sizeof(SAM_SAD_OTP_KEY_TAG) - 1, s->otp_key)) != PP_OK) {
		pp_err_log("sam: the OTP key could not be derived");
		return rc;
	}

	/* Before any signature: a batch interrupted by a crash is burned. */
	if ((rc = sam_ledger_recover(ctx->store, sam_now_ms(), &rec)) != PP_OK) {
		pp_err_log("sam: the SAD ledger could not be recovered");
		return rc;
	}
	pp_info_log("sam: ledger recovered: %lld interrupted and %lld expired hash(es) burned",
	    (long long)rec.reserved_burned, (long long)rec.expired_burned);
	if (rec.reserved_burned == 0 && rec.expired_burned == 0)
		return PP_OK;	/* nothing changed: the log line above is enough */
	memset(&ar, 0, sizeof(ar));
	ar.type = PP_AUDIT_SAD_USE;
	ar.system = 1;
	ar.step = "ledger.recover";
	ar.cause = "SAD ledger recovery at start";
	ar.extra1_name = "reserved_burned";
	ar.extra1 = rec.reserved_burned;
	ar.extra2_name = "expired_burned";
	ar.extra2 = rec.expired_burned;
	return sam_sad_audit(ctx, &ar);
}

void
sam_sad_fini(struct pp_daemon_ctx *ctx)
{
	sam_sad_pipe_stop(ctx);
	sam_sad_cache_free();
	pp_wipe(sam_sad_st.otp_key, sizeof(sam_sad_st.otp_key));
}

/* ------------------------------------------------------------------ otp.send */

static const struct sam_sad_field sam_sad_otp_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "signatory", json_type_string, 1 },
	{ "session", json_type_string, 1 },
};

enum pp_err
sam_sad_op_otp_send(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *sig = pp_json_get_str(req, "signatory");
	const char *session = pp_json_get_str(req, "session");
	struct sam_sad_rec rec = { .type = PP_AUDIT_SIGNATORY_AUTH, .sca = sca, .signatory = sig,
		.session = session, .op = "otp.send", .step = "otp.send" };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_otp_spool spool = { sam_sad_st.spool, NULL, 0 };
	struct sam_signatory s;
	struct sam_refuse eref;
	enum sam_otp_outcome out;
	char id[SAM_OTP_ID_SIZE];
	int missing;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_sad_otp_fields, SAM_N(sam_sad_otp_fields), &missing)) != PP_OK)
		return rc;
	if (missing)
		ref.text = "sca, signatory and session are required";
	else if (!sam_enrol_sca_ok(sca))
		ref.text = "sca: 1 to 256 bytes of UTF-8 without control characters";
	else if (!sam_enrol_id_ok(sig))
		ref.text = "signatory: 1 to 64 printable ASCII characters, no space";
	else if (!sam_sad_ident_ok(session))
		ref.text = "session: 1 to 128 printable ASCII characters, no space";
	else if (sam_sad_st.spool[0] == '\0')
		ref.text = "SMS OTP is not enabled on this service (sam.sms_spool is empty)";
	if (ref.text != NULL)
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	if ((rc = sam_enrol_get(ctx->store, sca, sig, &s, &eref)) != PP_OK)
		return rc;
	if (eref.why != SAM_REFUSAL_NONE) {
		ref.error = sam_refusal_code(eref.why);
		ref.text = eref.text;
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	}
	if ((rc = sam_otp_issue(ctx->store, sam_sad_st.otp_key, &sam_sad_st.policy, &spool, sig, session,
	    s.mobile, sam_now_ms(), id, &out)) != PP_OK) {
		pp_err_log("sam: otp.send: the OTP could not be issued: %s", pp_err_name(rc));
		return rc;
	}
	if (out != SAM_OTP_ISSUED) {
		ref.error = "access_denied";
		ref.text = out == SAM_OTP_SESSION_LIMIT ? "too many OTPs for this session: start a new one later"
		    : "too many OTPs for this signatory: try again later";
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	}
	rec.otp_id = id;
	rec.cause = sam_otp_outcome_text(out);
	if ((rc = sam_sad_audit(ctx, &rec)) != PP_OK)
		return rc;
	return pp_json_add_str(ans, "otp_id", id);
}

/* ------------------------------------------------------------------ sad.issue */

enum pp_err
sam_sad_otp_issue(struct pp_store *st, const char *signatory, const char *session, const char *phone,
    int64_t now_ms, char id[SAM_OTP_ID_SIZE], enum sam_otp_outcome *outcome)
{
	struct sam_otp_spool spool = { sam_sad_st.spool, NULL, 0 };

	if (sam_sad_st.spool[0] == '\0')
		return PP_ERR_CONFIG;
	return sam_otp_issue(st, sam_sad_st.otp_key, &sam_sad_st.policy, &spool, signatory, session, phone,
	    now_ms, id, outcome);
}

enum pp_err
sam_sad_otp_verify(struct pp_store *st, const char *id, const char *signatory, const char *session,
    const char *typed, size_t len, int64_t now_ms, enum sam_otp_outcome *outcome)
{
	return sam_otp_verify(st, sam_sad_st.otp_key, &sam_sad_st.policy, id, signatory, session, typed, len,
	    now_ms, outcome);
}

int
sam_sad_otp_max_attempts(void)
{
	return sam_sad_st.policy.max_attempts;
}

int
sam_sad_otp_enabled(void)
{
	return sam_sad_st.spool[0] != '\0';
}

void
sam_sad_withdraw(unsigned key_mask, unsigned hash_mask)
{
	sam_sad_st.allowed &= ~key_mask;
	sam_sad_st.hashes &= ~hash_mask;
}

int
sam_sad_hash_allowed(const char *oid)
{
	return sam_sad_hash_ok(oid, sam_sad_st.hashes);
}

enum pp_err
sam_sad_grant(struct pp_store *st, const char *sca, const char *signatory, const char *credential,
    const char *session, const char *hash_algo, const uint8_t *const *hashes, size_t hash_len, size_t n,
    int64_t now_ms, char sad_id[SAM_SAD_ID_HEX + 1], char sad[SAM_SAD_STR_LEN + 1], int64_t *expires_ms,
    struct sam_sad_refuse *ref)
{
	enum sam_refusal why = SAM_REFUSE_NONE;
	unsigned char rid[SAM_SAD_ID_BYTES], mac[SAM_SAD_MAC_LEN];
	char scakey[4 + 64 + 1];
	struct sam_grant g;
	struct sam_sad_claims c;
	int64_t expires;
	enum pp_err rc;

	ref->error = NULL;
	ref->text = NULL;
	sad[0] = '\0';
	if ((rc = sam_sad_sca_key(sca, scakey)) != PP_OK)
		return rc;
	if (RAND_bytes(rid, sizeof(rid)) != 1)
		return PP_ERR_INTERNAL;
	pp_hex(rid, sizeof(rid), sad_id);
	expires = now_ms + sam_sad_st.life_ms;
	g = (struct sam_grant){ .sad_id = sad_id, .signatory = signatory, .credential = credential,
		.sca = scakey, .session = session, .hash_algo = hash_algo, .hashes = hashes,
		.hash_len = hash_len, .nhashes = n, .num_signatures = (int64_t)n, .expires_ms = expires };
	if ((rc = sam_ledger_authorize(st, &g, now_ms, SAM_SAD_MAX_LIFE_MS, &why)) != PP_OK &&
	    rc != PP_ERR_FORBIDDEN)
		return rc;
	if (why != SAM_REFUSE_NONE) {
		ref->error = sam_refusal_csc_error(why);
		ref->text = sam_refusal_text(why);
		return PP_OK;
	}
	if (rc != PP_OK)
		return rc;
	c = (struct sam_sad_claims){ .sad_id = sad_id, .signatory = signatory, .credential = credential,
		.sca = scakey, .session = session, .hash_algo = hash_algo, .hashes = hashes,
		.hash_len = hash_len, .nhashes = n, .expires_ms = expires };
	if ((rc = sam_sad_mac(&c, sam_sad_token_mac, &sam_sad_st, mac)) == PP_OK) {
		sam_sad_encode(rid, mac, sad);
		*expires_ms = expires;
	}
	pp_wipe(mac, sizeof(mac));
	return rc;
}

static const struct sam_sad_field sam_sad_issue_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "signatory", json_type_string, 1 },
	{ "credential", json_type_string, 1 },
	{ "session", json_type_string, 1 },
	{ "otp_id", json_type_string, 1 },
	{ "otp", json_type_string, 1 },
	{ "hash_algo", json_type_string, 1 },
	{ "hashes", json_type_array, 1 },
	{ "consent", json_type_boolean, 0 },
};

static int
sam_sad_otp_id_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < SAM_OTP_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

static const char *
sam_sad_otp_refusal(enum sam_otp_outcome o)
{
	switch (o) {
	case SAM_OTP_WRONG: return "otp: wrong code";
	case SAM_OTP_LOCKED: return "otp: locked after too many wrong codes: send a new one";
	case SAM_OTP_EXPIRED: return "otp: expired: send a new one";
	case SAM_OTP_USED: return "otp: already used: send a new one";
	case SAM_OTP_SUPERSEDED: return "otp: replaced by a newer OTP";
	case SAM_OTP_NOT_FOUND: return "otp_id: no such OTP";
	case SAM_OTP_MISMATCH: return "otp_id: the OTP was sent for another signatory or session";
	case SAM_OTP_MALFORMED: return "otp: 6 digits";
	default: return "otp: refused";
	}
}

enum pp_err
sam_sad_op_issue(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *sig = pp_json_get_str(req, "signatory");
	const char *cid = pp_json_get_str(req, "credential"), *session = pp_json_get_str(req, "session");
	const char *otp_id = pp_json_get_str(req, "otp_id"), *halg = pp_json_get_str(req, "hash_algo");
	json_object *otp = NULL, *hashes = NULL, *consent = NULL;
	struct sam_sad_rec rec = { .type = PP_AUDIT_SAD_REFUSE, .sca = sca, .signatory = sig,
		.session = session, .credential = cid, .op = "sad.issue", .hash_algo = halg };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_sad_hashes h = { 0 };
	struct sam_sad_cred k;
	enum pp_p11_keytype kt;
	enum sam_otp_outcome out;
	char sad_id[SAM_SAD_ID_HEX + 1], sad[SAM_SAD_STR_LEN + 1];
	const char *hwhy = NULL;
	size_t dlen = 0;
	int64_t now, expires;
	int missing;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_sad_issue_fields, SAM_N(sam_sad_issue_fields), &missing)) != PP_OK)
		return rc;
	json_object_object_get_ex(req, "otp", &otp);
	json_object_object_get_ex(req, "hashes", &hashes);
	json_object_object_get_ex(req, "consent", &consent);
	if (sam_service_ceased())
		ref = (struct sam_sad_refuse){ SAM_CEASED_CODE, SAM_CEASED_TEXT };
	else if (missing)
		ref.text = "sca, signatory, credential, session, otp_id, otp, hash_algo and hashes are required";
	else if (!sam_enrol_sca_ok(sca))
		ref.text = "sca: 1 to 256 bytes of UTF-8 without control characters";
	else if (!sam_enrol_id_ok(sig))
		ref.text = "signatory: 1 to 64 printable ASCII characters, no space";
	else if (!sam_cred_id_ok(cid))
		ref.text = "credential: a credential id (32 hex digits)";
	else if (!sam_sad_ident_ok(session))
		ref.text = "session: 1 to 128 printable ASCII characters, no space";
	else if (!sam_sad_otp_id_ok(otp_id))
		ref.text = "otp_id: the id otp.send answered (32 hex digits)";
	else if (consent == NULL || !json_object_get_boolean(consent))
		ref.text = "consent: the signatory's explicit consent (true) is required";
	else if ((dlen = sam_hash_algo_len(halg)) == 0)
		ref.text = "hash_algo: one of the SHA-256, SHA-384, SHA-512 OIDs";
	else if (!sam_sad_hash_ok(halg, ~sam_algo_withdrawn_hashes()))
		ref.text = SAM_WITHDRAWN_HASH_TEXT;
	else if (!sam_sad_hash_ok(halg, sam_sad_st.hashes))
		ref.text = SAM_SAD_HASH_WITHDRAWN;
	if (ref.text != NULL)
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	if ((rc = sam_sad_hashes_get(hashes, dlen, &h, &hwhy)) != PP_OK)
		return rc;
	if (hwhy != NULL) {
		ref.text = hwhy;
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	}
	now = sam_now_ms();
	/* The credential before the OTP: a refusal here must not use it up. */
	if ((rc = sam_sad_cred_check(ctx->store, cid, sca, sig, now, &k, &kt, &ref)) != PP_OK)
		goto out;
	/* An ephemeral session's key signs only what its signatory approved
	 * in that session (sam_authz.c). */
	{
		int eph = 0;
		if (ref.error == NULL && (rc = sam_sad_cred_ephemeral(ctx->store, cid, &eph)) != PP_OK)
			goto out;
		if (eph)
			ref = (struct sam_sad_refuse){ "invalid_request",
				"the credential is an ephemeral session's, usable only in it" };
	}
	if (ref.error != NULL) {
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}
	rec.serial = k.serial;

	/* The signatory's authentication: the code typed, single use. */
	rc = sam_otp_verify(ctx->store, sam_sad_st.otp_key, &sam_sad_st.policy, otp_id, sig, session,
	    json_object_get_string(otp), (size_t)json_object_get_string_len(otp), now, &out);
	if (rc != PP_OK)
		goto out;
	{
		struct sam_sad_rec arec = { .type = PP_AUDIT_SIGNATORY_AUTH, .failure = out != SAM_OTP_VERIFIED,
			.sca = sca, .signatory = sig, .session = session, .op = "sad.issue", .step = "otp.verify",
			.otp_id = otp_id, .credential = cid, .cause = sam_otp_outcome_text(out) };
		if ((rc = sam_sad_audit(ctx, &arec)) != PP_OK)
			goto out;
	}
	if (out != SAM_OTP_VERIFIED) {
		ref.error = "access_denied";
		ref.text = sam_sad_otp_refusal(out);
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}

	/* The SAD: a ledger grant, then the MAC over what was granted. */
	if ((rc = sam_sad_grant(ctx->store, sca, sig, cid, session, halg, h.p, dlen, h.n, now, sad_id, sad,
	    &expires, &ref)) != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}
	rec.type = PP_AUDIT_SAD_ISSUE;
	rec.sad_id = sad_id;
	rec.count = (int64_t)h.n;
	rec.expires_ms = expires;
	rec.cause = "SAD issued after OTP and consent";
	/* Recorded before the answer; an unrecorded SAD is never handed out
	 * (its ledger rows simply expire). */
	if ((rc = sam_sad_audit(ctx, &rec)) != PP_OK)
		goto out;
	if ((rc = pp_json_add_str(ans, "sad", sad)) == PP_OK)
		rc = pp_json_add_int(ans, "expires_ms", expires);
out:
	pp_wipe(sad, sizeof(sad));
	sam_sad_hashes_free(&h);
	return rc;
}

/* ------------------------------------------------------------------ sign */

static const struct sam_sad_field sam_sad_sign_fields[] = {
	{ "sca", json_type_string, 1 },
	{ "credential", json_type_string, 1 },
	{ "sad", json_type_string, 1 },
	{ "hash_algo", json_type_string, 1 },
	{ "sign_algo", json_type_string, 1 },
	{ "hashes", json_type_array, 1 },
	{ "pss_mgf1", json_type_string, 0 },
	{ "pss_salt_len", json_type_int, 0 },
};

/* The SAD as the ledger holds it. */
struct sam_sad_row {
	char signatory[SAM_ID_MAX + 1], credential[SAM_ID_MAX + 1], sca[SAM_ENROL_SCA_MAX + 1];
	char session[SAM_ID_MAX + 1], hash_algo[SAM_ID_MAX + 1];
	int64_t expires_ms;
	int found;
	/* All its hashes, in position order. */
	struct sam_sad_hashes h;
	size_t cap;
	int bad;
};

static enum pp_err
sam_sad_row_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_sad_row *r = arg;

	if (n != 6 || !pp_val_text(&c[0], r->signatory, sizeof(r->signatory)) ||
	    !pp_val_text(&c[1], r->credential, sizeof(r->credential)) ||
	    !pp_val_text(&c[2], r->sca, sizeof(r->sca)) ||
	    !pp_val_text(&c[3], r->session, sizeof(r->session)) ||
	    !pp_val_text(&c[4], r->hash_algo, sizeof(r->hash_algo)) || c[5].type != PP_VAL_INT)
		return PP_ERR_DB;
	r->expires_ms = c[5].i;
	r->found = 1;
	return PP_OK;
}

static enum pp_err
sam_sad_hash_cb(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_sad_row *r = arg;

	if (n != 1 || c[0].type != PP_VAL_BLOB || c[0].len != r->h.len || r->h.n >= r->cap)
		return PP_ERR_DB;
	memcpy(r->h.buf[r->h.n], c[0].p, c[0].len);
	r->h.p[r->h.n] = r->h.buf[r->h.n];
	r->h.n++;
	return PP_OK;
}

/* Loads SAD sad_id and every hash it lists.  r->found 0: no such SAD. */
static enum pp_err
sam_sad_row_load(struct pp_store *st, const char *sad_id, struct sam_sad_row *r)
{
	struct pp_val b[1] = { PP_VAL_S(sad_id) };
	struct sam_ledger_counts cnt;
	int64_t total = 0;
	enum pp_err rc;

	memset(r, 0, sizeof(*r));
	if ((rc = pp_store_exec(st, "SELECT signatory, credential, sca, session, hash_algo, expires_ms"
	    " FROM sads WHERE id = ?", b, 1, sam_sad_row_cb, r, NULL)) != PP_OK || !r->found)
		return rc;
	if ((rc = sam_ledger_sad_counts(st, sad_id, &cnt)) != PP_OK)
		return rc == PP_ERR_NOT_FOUND ? PP_ERR_DB : rc;
	for (int i = 0; i < SAM_HASH__MAX; i++)
		total += cnt.n[i];
	if (total <= 0 || total > SAM_LEDGER_MAX_HASHES || (r->h.len = sam_hash_algo_len(r->hash_algo)) == 0)
		return PP_ERR_DB;
	r->cap = (size_t)total;
	if ((r->h.buf = pp_malloc(r->cap * sizeof(*r->h.buf))) == NULL ||
	    (r->h.p = pp_malloc(r->cap * sizeof(*r->h.p))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_store_exec(st, "SELECT hash FROM sad_hashes WHERE sad = ? ORDER BY position", b, 1,
	    sam_sad_hash_cb, r, NULL)) != PP_OK)
		return rc;
	return r->h.n == r->cap ? PP_OK : PP_ERR_DB;
}

/*
 * Verified SADs.  Re-deriving a SAD's MAC means reading back every hash it
 * covers (up to SAM_LEDGER_MAX_HASHES rows) and an HMAC in the token: on
 * every call of a SAD used one hash at a time, that would make a SAD of n
 * hashes cost O(n^2).  So the claims of a SAD whose MAC was verified are
 * kept in memory, with its MAC and its hashes sorted, until it expires:
 * a later call presenting the same id must present the same MAC (compared
 * in constant time), and the claims it is checked against are the verified
 * ones, never the database's.  Every hash of a batch reserved in the ledger
 * must also be in the verified set: a row added to the ledger after the
 * verification (the only thing the MAC check would catch on a second call)
 * is still refused.  The SAM's memory is trusted as much as its token
 * session; the database is not.
 */
#define SAM_SAD_CACHE 128

struct sam_sad_cent {
	char sad_id[SAM_SAD_ID_HEX + 1];	/* "" : free slot */
	unsigned char mac[SAM_SAD_MAC_LEN];
	struct sam_sad_row *row;		/* owned; row->h in position order */
	uint8_t *sorted;			/* row->h.n hashes of row->h.len bytes, sorted */
};

static struct sam_sad_cache {
	struct sam_sad_cent ent[SAM_SAD_CACHE];
	size_t next;				/* round-robin victim when none expired */
	size_t sort_len;			/* for sam_sad_cache_cmp */
} sam_sad_cache;

static void
sam_sad_cent_clear(struct sam_sad_cent *e)
{
	if (e->row != NULL)
		sam_sad_hashes_free(&e->row->h);
	pp_free(e->row);
	pp_free(e->sorted);
	pp_wipe(e->mac, sizeof(e->mac));
	memset(e, 0, sizeof(*e));
}

static int
sam_sad_cache_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sam_sad_cache.sort_len);
}

/* The verified entry of sad_id, or NULL. */
static struct sam_sad_cent *
sam_sad_cache_get(const char *sad_id)
{
	for (size_t i = 0; i < SAM_SAD_CACHE; i++) {
		struct sam_sad_cent *e = &sam_sad_cache.ent[i];
		if (e->row != NULL && strcmp(e->sad_id, sad_id) == 0)
			return e;
	}
	return NULL;
}

/* Keeps a verified row (ownership moves to the cache on PP_OK). */
static enum pp_err
sam_sad_cache_put(const char *sad_id, const unsigned char mac[SAM_SAD_MAC_LEN], struct sam_sad_row *r,
    int64_t now)
{
	struct sam_sad_cent *e = NULL;
	uint8_t *sorted;

	if ((sorted = pp_malloc(r->h.n * r->h.len)) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < r->h.n; i++)
		memcpy(sorted + i * r->h.len, r->h.p[i], r->h.len);
	sam_sad_cache.sort_len = r->h.len;
	qsort(sorted, r->h.n, r->h.len, sam_sad_cache_cmp);
	/* A free slot, else one whose SAD has expired, else the oldest. */
	for (size_t i = 0; i < SAM_SAD_CACHE && e == NULL; i++)
		if (sam_sad_cache.ent[i].row == NULL)
			e = &sam_sad_cache.ent[i];
	for (size_t i = 0; i < SAM_SAD_CACHE && e == NULL; i++)
		if (now >= sam_sad_cache.ent[i].row->expires_ms) {
			e = &sam_sad_cache.ent[i];
			sam_sad_cent_clear(e);
		}
	if (e == NULL) {
		e = &sam_sad_cache.ent[sam_sad_cache.next];
		sam_sad_cache.next = (sam_sad_cache.next + 1) % SAM_SAD_CACHE;
		sam_sad_cent_clear(e);
	}
	memcpy(e->sad_id, sad_id, SAM_SAD_ID_HEX + 1);
	memcpy(e->mac, mac, SAM_SAD_MAC_LEN);
	e->row = r;
	e->sorted = sorted;
	return PP_OK;
}

/* 1 when every one of the n hashes is in e's verified set. */
static int
sam_sad_cache_covers(const struct sam_sad_cent *e, const uint8_t *const *h, size_t n, size_t len)
{
	if (len != e->row->h.len)
		return 0;
	sam_sad_cache.sort_len = len;
	for (size_t i = 0; i < n; i++)
		if (bsearch(h[i], e->sorted, e->row->h.n, len, sam_sad_cache_cmp) == NULL)
			return 0;
	return 1;
}

static void
sam_sad_cache_free(void)
{
	for (size_t i = 0; i < SAM_SAD_CACHE; i++)
		sam_sad_cent_clear(&sam_sad_cache.ent[i]);
}

/* Hex of SHA-256 over the batch's hashes in request order (the audit
 * record names what was signed without listing every digest). */
static enum pp_err
sam_sad_batch_digest(const struct sam_sad_hashes *h, char out[65])
{
	unsigned char d[32];
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok = m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < h->n; i++)
		ok = EVP_DigestUpdate(m, h->p[i], h->len) == 1;
	ok = ok && EVP_DigestFinal_ex(m, d, NULL) == 1;
	EVP_MD_CTX_free(m);
	if (!ok)
		return PP_ERR_INTERNAL;
	pp_hex(d, sizeof(d), out);
	return PP_OK;
}

static size_t
sam_sad_sig_max(enum pp_p11_keytype kt)
{
	switch (kt) {
	case PP_P11_RSA3072: return 384;
	case PP_P11_RSA4096: return 512;
	case PP_P11_RSA2048: return 256;
	case PP_P11_EC_P256: return 72;
	case PP_P11_EC_P384: return 104;
	default: return PP_P11_ECDSA_DER_MAX;
	}
}

/*
 * Signing in rounds.  The SAM's loop reads every request waiting on its
 * connections, handles each, then calls the daemon's flush hook once
 * (pp_ipc_serve_ex).  A "sign" request is checked entirely when it is
 * handled (refusals that need only the request, the verified SAD and the
 * credential are answered there); the rest is queued as a job whose answer
 * is deferred, and every job goes through, in this order:
 *   1. sam_sad_flush: one write transaction reserves every job of the
 *      round (a savepoint per job, so each is all or none and a later job
 *      of the round sees an earlier one's reservations): one fsync;
 *   2. the signing thread (sam_sad_signer) signs each reserved job, one at
 *      a time on its own token session, and wakes the loop (eventfd);
 *   3. sam_sad_wake, in the loop: every finished job's record
 *      (signature.create, the token's failure, or the refusal met in 1)
 *      goes to the audit daemon at once, which commits them together;
 *   4. one write transaction settles them (CONSUMED, or BURNED where the
 *      token failed or the record was not acknowledged): one fsync;
 *   5. the answers are delivered to the connections that wait for them.
 * The loop's steps 1, 3 and 4 for some jobs overlap the thread's step 2 for
 * others.  A crash anywhere leaves what it left with one request at a
 * time: RESERVED rows that recovery burns, no answer sent.  A round holds
 * at most one request per connection (PP_IPC_MAX_CLIENTS).
 */
#define SAM_ROUND_MAX PP_IPC_MAX_CLIENTS
#define SAM_SAD_LEDGER_DOWN "the SAD ledger could not be written: nothing was signed; try again"
#define SAM_SAD_AUDIT_DOWN "the audit log cannot record this: nothing was done; try again"
#define SAM_SAD_HSM_DOWN "the HSM failed during the batch: no signature was delivered"
#define SAM_SAD_HSM_VERIFY "the HSM did not answer: the SAD could not be verified and nothing was signed;" \
	" try again once the service is back"
/* Signed (or perhaps), but the settlement could not be written. */
#define SAM_SAD_SETTLE_DOWN "the SAD ledger could not be written after signing: no signature was delivered;" \
	" these hashes need a new SAD"
/* Signed, but the record was not acknowledged: the signatures are thrown
 * away and the hashes burned (the SAD cannot sign them again). */
#define SAM_SAD_AUDIT_LOST "the audit log did not acknowledge the record: no signature was delivered;" \
	" these hashes need a new SAD"

enum sam_job_state { SAM_JOB_QUEUED, SAM_JOB_REFUSED, SAM_JOB_RESERVED, SAM_JOB_FAILED };

struct sam_sign_job {
	enum sam_job_state state;
	json_object *ans;			/* reference: the answer the loop will send */
	struct sam_sad_rec rec;			/* its strings are the copies below */
	char sca[SAM_ENROL_SCA_MAX + 1], cid[SAM_CRED_ID_LEN + 1], halg[SAM_ID_MAX + 1];
	char salg[SAM_ID_MAX + 1], sad_id[SAM_SAD_ID_HEX + 1], signatory[SAM_ID_MAX + 1];
	char session[SAM_ID_MAX + 1], serial[SAM_SAD_SERIAL_MAX + 1], scakey[4 + 64 + 1];
	char batch[SAM_BATCH_ID_SIZE], hdig[65];
	struct sam_sad_hashes h;		/* owned */
	size_t dlen, signed_n;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	enum pp_p11_mech mech;
	enum pp_p11_hash hash;
	struct pp_p11_pss pss;
	enum sam_outcome *outc;			/* owned: h.n outcomes once signing began */
	json_object *sigs;			/* owned until moved into ans */
	enum pp_err src;			/* the token's (or the record's) failure */
	struct sam_sad_refuse ref;		/* REFUSED: static strings */
	const char *fail;			/* FAILED, or RESERVED and unrecorded: static, told to the SCA */
	const char *discard;			/* signed but not delivered: why (static) */
	uint64_t conn;				/* pp_ipc connection awaiting the answer */
	struct sam_sign_job *next;		/* in sam_pipe.to_sign or sam_pipe.done */
};

static struct {
	struct sam_sign_job *job[SAM_ROUND_MAX];
	size_t n;
} sam_round;

/*
 * The signing thread.  Rounds are reserved by the loop (sam_sad_flush),
 * signed here one batch at a time on one token session (as the raw
 * baseline signs), and recorded, settled and answered by the loop again
 * (sam_sad_wake, woken through the eventfd): the loop's bookkeeping of one
 * round overlaps the token's work on the next.  Jobs move between the
 * lists under mu; a job is touched by one thread at a time.
 */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int running, stop, efd;
	struct pp_p11 *p11;
	struct sam_sign_job *to_sign, **to_sign_tail;	/* reserved, to sign */
	struct sam_sign_job *done, **done_tail;	/* to record, settle, answer */
} sam_pipe = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, -1, NULL, NULL, NULL,
	NULL, NULL };

static void
sam_pipe_push(struct sam_sign_job **head, struct sam_sign_job ***tail, struct sam_sign_job *j)
{
	j->next = NULL;
	if (*head == NULL)
		*tail = head;
	**tail = j;
	*tail = &j->next;
}

static void
sam_pipe_kick(void)
{
	uint64_t one = 1;

	if (sam_pipe.efd >= 0 && write(sam_pipe.efd, &one, sizeof(one)) != (ssize_t)sizeof(one) &&
	    errno != EAGAIN)
		pp_err_log("sam: cannot wake the loop: %s", strerror(errno));
}

static void
sam_sad_job_free(struct sam_sign_job *j)
{
	if (j == NULL)
		return;
	json_object_put(j->ans);
	json_object_put(j->sigs);
	sam_sad_hashes_free(&j->h);
	pp_free(j->outc);
	pp_wipe(j, sizeof(*j));
	pp_free(j);
}

/* Copies s into dst[cap]; 0 when it does not fit. */
static int
sam_sad_copy(char *dst, size_t cap, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (s == NULL || len >= cap)
		return 0;
	memcpy(dst, s, len + 1);
	return 1;
}

struct sam_sad_lists {
	int found;
};

static enum pp_err
sam_sad_lists_row(void *arg, const struct pp_val *c, size_t n)
{
	(void)c;
	(void)n;
	((struct sam_sad_lists *)arg)->found = 1;
	return PP_OK;
}

/* OUT *listed: 1 when the ledger lists under sad_id one of h's hashes (a
 * hash the verified SAD does not cover: a row added behind the SAM). */
static enum pp_err
sam_sad_ledger_lists(struct pp_store *st, const char *sad_id, const struct sam_sad_hashes *h, int *listed)
{
	struct sam_sad_lists l = { 0 };
	enum pp_err rc;

	for (size_t i = 0; i < h->n && !l.found; i++) {
		struct pp_val b[2] = { PP_VAL_S(sad_id), { .type = PP_VAL_BLOB, .p = h->p[i], .len = h->len } };
		if ((rc = pp_store_exec(st, "SELECT 1 FROM sad_hashes WHERE sad = ? AND hash = ?", b, 2,
		    sam_sad_lists_row, &l, NULL)) != PP_OK)
			return rc;
	}
	*listed = l.found;
	return PP_OK;
}

enum pp_err
sam_sad_op_sign(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *cid = pp_json_get_str(req, "credential");
	const char *sadstr = pp_json_get_str(req, "sad"), *halg = pp_json_get_str(req, "hash_algo");
	const char *salg = pp_json_get_str(req, "sign_algo"), *mgf1 = pp_json_get_str(req, "pss_mgf1");
	json_object *hashes = NULL, *salt = NULL;
	struct sam_sad_rec rec = { .type = PP_AUDIT_SAD_REFUSE, .sca = sca, .credential = cid,
		.op = "sign", .hash_algo = halg, .sign_algo = salg };
	struct sam_sad_refuse ref = { "invalid_request", NULL };
	struct sam_sad_hashes h = { 0 };
	struct sam_sad_row *r = NULL;
	const struct sam_sad_row *vr;
	struct sam_sad_cent *ce = NULL;
	struct sam_sad_cred k;
	struct sam_sad_claims c;
	struct pp_p11_pss pss;
	enum pp_p11_keytype kt;
	enum pp_p11_mech mech = PP_P11_ECDSA;
	enum pp_p11_hash hash = PP_P11_SHA256, mh;
	enum sam_refusal why = SAM_REFUSE_NONE;
	struct sam_sign_job *job = NULL;
	unsigned char rid[SAM_SAD_ID_BYTES], mac[SAM_SAD_MAC_LEN], mac2[SAM_SAD_MAC_LEN];
	char sad_id[SAM_SAD_ID_HEX + 1], scakey[4 + 64 + 1];
	const char *hwhy = NULL;
	size_t dlen = 0, i;
	int64_t now;
	int missing, ok;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_sad_shape(req, sam_sad_sign_fields, SAM_N(sam_sad_sign_fields), &missing)) != PP_OK)
		return rc;
	json_object_object_get_ex(req, "hashes", &hashes);
	json_object_object_get_ex(req, "pss_salt_len", &salt);
	if (sam_service_ceased())
		ref = (struct sam_sad_refuse){ SAM_CEASED_CODE, SAM_CEASED_TEXT };
	else if (missing)
		ref.text = "sca, credential, sad, hash_algo, sign_algo and hashes are required";
	else if (!sam_enrol_sca_ok(sca))
		ref.text = "sca: 1 to 256 bytes of UTF-8 without control characters";
	else if (!sam_cred_id_ok(cid))
		ref.text = "credential: a credential id (32 hex digits)";
	else if ((dlen = sam_hash_algo_len(halg)) == 0)
		ref.text = "hash_algo: one of the SHA-256, SHA-384, SHA-512 OIDs";
	else if (!sam_sad_hash_ok(halg, ~sam_algo_withdrawn_hashes()))
		ref.text = SAM_WITHDRAWN_HASH_TEXT;
	else if (!sam_sad_hash_ok(halg, sam_sad_st.hashes))
		ref.text = SAM_SAD_HASH_WITHDRAWN;
	if (ref.text != NULL)
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	if (sam_sad_decode(sadstr, strlen(sadstr), rid, mac) != PP_OK) {
		ref = (struct sam_sad_refuse){ "invalid_token", "sad: not a SAD issued by this service" };
		return sam_sad_refuse(ctx, &rec, &ref, ans);
	}
	pp_hex(rid, sizeof(rid), sad_id);

	/* The SAD's claims: verified before (in memory, the same MAC), or
	 * read from the ledger and its MAC re-derived in the token. */
	now = sam_now_ms();
	if ((ce = sam_sad_cache_get(sad_id)) != NULL) {
		ok = pp_ct_equal(mac, ce->mac, sizeof(mac));
	} else {
		if ((r = pp_malloc(sizeof(*r))) == NULL) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		if ((rc = sam_sad_row_load(ctx->store, sad_id, r)) != PP_OK)
			goto out;
		ok = 0;
		if (r->found) {
			c = (struct sam_sad_claims){ .sad_id = sad_id, .signatory = r->signatory,
				.credential = r->credential, .sca = r->sca, .session = r->session,
				.hash_algo = r->hash_algo, .hashes = r->h.p, .hash_len = r->h.len,
				.nhashes = r->h.n, .expires_ms = r->expires_ms };
			if ((rc = sam_sad_mac(&c, sam_sad_token_mac, &sam_sad_st, mac2)) == PP_ERR_HSM) {
				/* Recorded and told, not a closed connection. */
				ref = (struct sam_sad_refuse){ "temporarily_unavailable", SAM_SAD_HSM_VERIFY };
				rec.sad_id = sad_id;
				rec.signatory = r->signatory;
				rec.session = r->session;
				rc = sam_sad_refuse(ctx, &rec, &ref, ans);
				goto out;
			}
			if (rc != PP_OK)
				goto out;
			ok = sam_sad_mac_equal(mac, mac2);
		}
		if (ok) {
			if ((rc = sam_sad_cache_put(sad_id, mac, r, now)) != PP_OK)
				goto out;
			r = NULL;
			ce = sam_sad_cache_get(sad_id);
		}
	}
	if (!ok || ce == NULL) {
		ref = (struct sam_sad_refuse){ "invalid_token", "sad: not a SAD issued by this service" };
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}
	vr = ce->row;
	rec.sad_id = sad_id;
	rec.signatory = vr->signatory;
	rec.session = vr->session;
	if ((rc = sam_sad_cred_check(ctx->store, cid, sca, NULL, now, &k, &kt, &ref)) != PP_OK)
		goto out;
	if (ref.error != NULL) {
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}
	rec.serial = k.serial;
	ref.error = "invalid_request";
	if ((rc = sam_sad_sign_algo(salg, halg, kt, &mech, &hash, &ref.text)) != PP_OK)
		goto out;
	if (ref.text == NULL && mech == PP_P11_RSA_PSS) {
		int64_t sl = salt ? json_object_get_int64(salt) : (int64_t)dlen;
		mh = hash;
		if (mgf1 != NULL && !sam_sad_hash_of(mgf1, &mh))
			ref.text = "pss_mgf1: one of the SHA-256, SHA-384, SHA-512 OIDs";
		else if (!(sam_sad_st.hashes & (1u << mh)))
			ref.text = "pss_mgf1: this hash algorithm is withdrawn by the service (sam.hash_algos)";
		else if (sl < 0 || sl > (int64_t)(sam_sad_sig_max(kt) - dlen - 2))
			ref.text = "pss_salt_len: 0 up to the key's length less the digest's and 2";
		pss.mgf1 = mh;
		pss.salt_len = (size_t)(sl < 0 ? 0 : sl);
	} else if (ref.text == NULL && (mgf1 != NULL || salt != NULL)) {
		ref.text = "pss_mgf1 and pss_salt_len go with RSASSA-PSS only";
	}
	/* The client's own restriction (allowed_algos of its registration). */
	if (ref.text == NULL && !sam_client_algo_ok(sam_clients_find(sam_client_registry(), sca),
	    sam_cred_key_type_name(kt), salg))
		ref.text = "sign_algo: this client may not sign with this key type or signature algorithm"
		    " (allowed_algos of its registration)";
	if (ref.text != NULL) {
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}
	if ((rc = sam_sad_hashes_get(hashes, dlen, &h, &hwhy)) != PP_OK)
		goto out;
	if (hwhy == NULL && h.n * (4 * ((sam_sad_sig_max(kt) + 2) / 3) + 3) + 256 > PP_IPC_MAX)
		hwhy = "hashes: too many for one call with this key (the answer would not fit): split the batch";
	if (hwhy != NULL) {
		ref.text = hwhy;
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}
	rec.count = (int64_t)h.n;

	/* The verified claims, in the ledger's order of checks (so that the
	 * answer is the one the ledger would give; the ledger checks its own
	 * rows again in the round), and every hash must be one the SAD's MAC
	 * covers. */
	if ((rc = sam_sad_sca_key(sca, scakey)) != PP_OK)
		goto out;
	if (strcmp(scakey, vr->sca) != 0)
		why = SAM_REFUSE_OTHER_SCA;
	else if (now >= vr->expires_ms)
		why = SAM_REFUSE_EXPIRED;
	else if (strcmp(cid, vr->credential) != 0)
		why = SAM_REFUSE_OTHER_CREDENTIAL;
	else if (strcmp(halg, vr->hash_algo) != 0)
		why = SAM_REFUSE_OTHER_ALGO;
	else if (!sam_sad_cache_covers(ce, h.p, h.n, dlen)) {
		why = SAM_REFUSE_HASH_NOT_COVERED;
		if ((rc = sam_sad_ledger_lists(ctx->store, sad_id, &h, &ok)) != PP_OK)
			goto out;
		if (ok)
			pp_err_log("sam: INTEGRITY: SAD %s: the ledger covers a hash the SAD's MAC does not", sad_id);
	}
	if (why != SAM_REFUSE_NONE) {
		ref.error = sam_refusal_csc_error(why);
		ref.text = why == SAM_REFUSE_EXPIRED ? SAM_SAD_EXPIRED : sam_refusal_text(why);
		rec.count = 0;
		rc = sam_sad_refuse(ctx, &rec, &ref, ans);
		goto out;
	}

	/* Queued for the round (sam_sad_flush). */
	if (sam_round.n >= SAM_ROUND_MAX || (job = pp_calloc(1, sizeof(*job))) == NULL) {
		rc = sam_round.n >= SAM_ROUND_MAX ? PP_ERR_INTERNAL : PP_ERR_NOMEM;
		goto out;
	}
	if (!sam_sad_copy(job->sca, sizeof(job->sca), sca) || !sam_sad_copy(job->cid, sizeof(job->cid), cid) ||
	    !sam_sad_copy(job->halg, sizeof(job->halg), halg) ||
	    !sam_sad_copy(job->salg, sizeof(job->salg), salg) ||
	    !sam_sad_copy(job->sad_id, sizeof(job->sad_id), sad_id) ||
	    !sam_sad_copy(job->signatory, sizeof(job->signatory), vr->signatory) ||
	    !sam_sad_copy(job->session, sizeof(job->session), vr->session) ||
	    !sam_sad_copy(job->serial, sizeof(job->serial), k.serial) ||
	    !sam_sad_copy(job->scakey, sizeof(job->scakey), scakey)) {
		rc = PP_ERR_BAD_REQUEST;
		goto out;
	}
	for (i = 0; i < SAM_CRED_KEY_ID_BYTES; i++) {
		unsigned v;
		if (sscanf(k.key_id + 2 * i, "%2x", &v) != 1) {
			rc = PP_ERR_DB;
			goto out;
		}
		job->kid[i] = (unsigned char)v;
	}
	job->rec = rec;
	job->rec.sca = job->sca;
	job->rec.credential = job->cid;
	job->rec.hash_algo = job->halg;
	job->rec.sign_algo = job->salg;
	job->rec.sad_id = job->sad_id;
	job->rec.signatory = job->signatory;
	job->rec.session = job->session;
	job->rec.serial = job->serial;
	job->rec.batch = job->batch;
	job->mech = mech;
	job->hash = hash;
	job->pss = pss;
	job->dlen = dlen;
	job->h = h;
	memset(&h, 0, sizeof(h));
	job->ans = json_object_get(ans);
	job->conn = pp_ipc_current_conn();
	sam_round.job[sam_round.n++] = job;
	job = NULL;
	/* Answered by sam_sad_wake once signed, recorded and settled. */
	ctx->defer = 1;
	rc = PP_OK;
out:
	sam_sad_job_free(job);
	pp_wipe(mac, sizeof(mac));
	pp_wipe(mac2, sizeof(mac2));
	if (r != NULL)
		sam_sad_hashes_free(&r->h);
	pp_free(r);
	sam_sad_hashes_free(&h);
	return rc;
}

/* The token signs every hash of a reserved job.  Sets j->outc, j->sigs,
 * j->signed_n; returns the first failure (the job's outcomes say which
 * hashes the token may have signed). */
static enum pp_err
sam_sad_job_sign(struct pp_daemon_ctx *ctx, struct sam_sign_job *j)
{
	unsigned char sig[PP_P11_SIG_MAX], der[PP_P11_ECDSA_DER_MAX];
	char b64[4 * ((PP_P11_SIG_MAX + 2) / 3) + 1];
	size_t siglen;
	enum pp_err src = PP_OK;

	if ((j->outc = pp_malloc(j->h.n * sizeof(*j->outc))) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < j->h.n; i++)
		j->outc[i] = SAM_OUTCOME_NOT_ATTEMPTED;
	if ((j->sigs = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < j->h.n; i++) {
		siglen = sizeof(sig);
		src = pp_p11_sign(ctx->p11, j->kid, sizeof(j->kid), j->mech, j->hash,
		    j->mech == PP_P11_RSA_PSS ? &j->pss : NULL, j->h.p[i], j->dlen, sig, &siglen);
		if (src != PP_OK) {
			/* No key: the token was never asked.  Anything else: it
			 * may have signed; the row burns. */
			j->outc[i] = src == PP_ERR_NOT_FOUND ? SAM_OUTCOME_NOT_ATTEMPTED : SAM_OUTCOME_AMBIGUOUS;
			pp_err_log("sam: sign: hash %zu of batch %s failed: %s", i, j->batch, pp_err_name(src));
			break;
		}
		j->outc[i] = SAM_OUTCOME_SIGNED;
		j->signed_n++;
		if (j->mech == PP_P11_ECDSA) {
			size_t dl = sizeof(der);
			if ((src = pp_p11_ecdsa_der(sig, siglen, der, &dl)) != PP_OK)
				break;
			memcpy(sig, der, dl);
			siglen = dl;
		}
		pp_b64_encode(sig, siglen, b64);
		json_object *o = json_object_new_string(b64);
		if (o == NULL || json_object_array_add(j->sigs, o) != 0) {
			json_object_put(o);
			src = PP_ERR_NOMEM;
			break;
		}
	}
	pp_wipe(sig, sizeof(sig));
	return src;
}

/*
 * Batches whose settlement failed (the database locked or not writable
 * after signing): their rows stay RESERVED, never signable.  They are
 * burned (AMBIGUOUS: a signature may have been made, none was delivered)
 * at the next tick that can write, instead of at the next start only.
 * More than the list holds are left to the recovery at start.
 */
#define SAM_UNSETTLED_MAX (4 * SAM_ROUND_MAX)
static struct {
	char batch[SAM_BATCH_ID_SIZE];
	size_t n;
} sam_unsettled[SAM_UNSETTLED_MAX];
static size_t sam_nunsettled;

static void
sam_sad_unsettled_add(const struct sam_sign_job *j)
{
	if (sam_nunsettled == SAM_UNSETTLED_MAX) {
		pp_err_log("sam: batch %s stays RESERVED until the next start's recovery", j->batch);
		return;
	}
	memcpy(sam_unsettled[sam_nunsettled].batch, j->batch, SAM_BATCH_ID_SIZE);
	sam_unsettled[sam_nunsettled++].n = j->h.n;
}

void
sam_sad_tick(struct pp_daemon_ctx *ctx)
{
	enum sam_outcome outc[SAM_LEDGER_MAX_HASHES];
	static int64_t next;
	int64_t now = sam_now_ms();
	size_t i = 0;

	/* A locked database holds the loop for database.busy_timeout_ms: not
	 * at every tick. */
	if (sam_nunsettled == 0 || now < next)
		return;
	next = now + 5000;
	while (i < sam_nunsettled) {
		enum pp_err rc;
		size_t n = sam_unsettled[i].n;

		for (size_t h = 0; h < n; h++)
			outc[h] = SAM_OUTCOME_AMBIGUOUS;
		rc = sam_ledger_settle(ctx->store, sam_unsettled[i].batch, outc, n, now);
		if (rc == PP_ERR_DB)
			return;	/* still not writable: the next tick */
		if (rc == PP_OK)
			pp_info_log("sam: batch %s, not settled after signing, burned (%zu hash(es))",
			    sam_unsettled[i].batch, n);
		else if (rc != PP_ERR_NOT_FOUND)
			pp_err_log("sam: batch %s could not be burned (%s): left to the next start's recovery",
			    sam_unsettled[i].batch, pp_err_name(rc));
		sam_unsettled[i] = sam_unsettled[--sam_nunsettled];
	}
}

/* A job the round could not carry out: the SCA is told, nothing was
 * delivered. */
static void
sam_sad_job_fail(struct sam_sign_job *j, const char *why)
{
	j->state = SAM_JOB_FAILED;
	j->fail = why;
}

/* Records, settles and answers jobs the thread is done with (or the round
 * refused): steps 3 to 5 of "Signing in rounds".  deliver NULL: the loop
 * has stopped (shutdown): nothing can be delivered, so what was signed is
 * discarded and recorded as such, what was not is given back. */
static void
sam_sad_complete(struct pp_daemon_ctx *ctx, struct sam_sign_job **jobs, size_t n,
    pp_ipc_deliver_fn deliver, void *darg)
{
	struct pp_audit_event ev[SAM_ROUND_MAX];
	const struct pp_audit_event *send[SAM_ROUND_MAX];
	struct sam_sign_job *evjob[SAM_ROUND_MAX];
	enum pp_err erc[SAM_ROUND_MAX], rc;
	size_t nev = 0, ns = 0, map[SAM_ROUND_MAX], i;
	int64_t now = sam_now_ms();

	/* 3. Every record at once: the signatures (before the answer and
	 * before the rows become CONSUMED: no delivered signature is
	 * unrecorded), the token's failures, the refusals. */
	for (i = 0; i < n; i++) {
		struct sam_sign_job *j = jobs[i];
		struct sam_sad_rec r = j->rec;

		if (j->state == SAM_JOB_RESERVED && j->outc == NULL) {
			/* Never signed (the loop stopped first): given back. */
			if ((j->outc = pp_calloc(j->h.n, sizeof(*j->outc))) != NULL)
				for (size_t h = 0; h < j->h.n; h++)
					j->outc[h] = SAM_OUTCOME_NOT_ATTEMPTED;
			j->src = PP_ERR_UNAVAILABLE;
			continue;
		}
		if (j->state == SAM_JOB_RESERVED && j->src == PP_OK && deliver == NULL) {
			j->src = PP_ERR_UNAVAILABLE;
			j->discard = "the SAM stopped before the signatures could be delivered: discarded";
		}
		if (j->state == SAM_JOB_REFUSED) {
			if (deliver == NULL)
				continue;
			r.failure = 1;
			r.cause = j->ref.text;
			r.error = j->ref.error;
			r.count = 0;
			r.batch = NULL;
		} else if (j->state == SAM_JOB_RESERVED && j->src == PP_OK) {
			r.type = PP_AUDIT_SIGNATURE;
		} else if (j->state == SAM_JOB_RESERVED) {
			r.type = PP_AUDIT_SIGNATURE;
			r.failure = 1;
			r.cause = j->discard ? j->discard : "the HSM failed during the batch: no signature delivered";
			r.count = 0;
			r.extra1_name = "discarded";
			r.extra1 = (int64_t)j->signed_n;
		} else {
			continue;
		}
		erc[nev] = sam_sad_event(&r, &ev[nev]);
		if (erc[nev] == PP_OK) {
			send[ns] = &ev[nev];
			map[ns++] = nev;
		}
		evjob[nev++] = j;
	}
	if (ns > 0) {
		enum pp_err src[SAM_ROUND_MAX];
		(void)pp_audit_emit_many(ctx->conf, send, ns, src);
		for (i = 0; i < ns; i++)
			erc[map[i]] = src[i];
	}
	for (i = 0; i < nev; i++) {
		struct sam_sign_job *j = evjob[i];
		json_object_put(ev[i].details);
		if (erc[i] == PP_OK)
			continue;
		if (j->state == SAM_JOB_REFUSED)
			pp_err_log("sam: the audit record of a refused sign request (%s) was not acknowledged",
			    j->ref.error);
		else
			pp_err_log("sam: the audit record of batch %s was not acknowledged", j->batch);
		if (j->state == SAM_JOB_REFUSED)
			sam_sad_job_fail(j, SAM_SAD_AUDIT_DOWN);
		else if (j->src == PP_OK) {
			j->src = PP_ERR_UNAVAILABLE;	/* unrecorded: thrown away, burned */
			j->fail = SAM_SAD_AUDIT_LOST;
		}
	}

	/* 4. Every reserved job settled in one transaction. */
	if ((rc = pp_store_begin(ctx->store)) == PP_OK) {
		for (i = 0; i < n && rc == PP_OK; i++) {
			struct sam_sign_job *j = jobs[i];
			enum pp_err st;
			if (j->state != SAM_JOB_RESERVED || j->outc == NULL)
				continue;
			if (j->src != PP_OK)
				for (size_t h = 0; h < j->h.n; h++)
					if (j->outc[h] == SAM_OUTCOME_SIGNED)
						j->outc[h] = SAM_OUTCOME_AMBIGUOUS;
			if ((rc = pp_store_exec(ctx->store, "SAVEPOINT sam_job", NULL, 0, NULL, NULL, NULL)) != PP_OK)
				break;
			if ((st = sam_ledger_settle_tx(ctx->store, j->batch, j->outc, j->h.n, now)) != PP_OK) {
				/* Its rows stay RESERVED: never signable, burned
				 * by the next tick that can write (sam_sad_tick). */
				pp_err_log("sam: sign: batch %s could not be settled: %s", j->batch, pp_err_name(st));
				sam_sad_unsettled_add(j);
				sam_sad_job_fail(j, SAM_SAD_SETTLE_DOWN);
				if ((rc = pp_store_exec(ctx->store, "ROLLBACK TO sam_job", NULL, 0, NULL, NULL,
				    NULL)) != PP_OK)
					break;
			}
			rc = pp_store_exec(ctx->store, "RELEASE sam_job", NULL, 0, NULL, NULL, NULL);
		}
		if (rc == PP_OK)
			rc = pp_store_commit(ctx->store);
		if (rc != PP_OK)
			pp_store_rollback(ctx->store);
	}
	if (rc != PP_OK) {
		pp_err_log("sam: sign: the batches could not be settled: %s", pp_err_name(rc));
		for (i = 0; i < n; i++)
			if (jobs[i]->state == SAM_JOB_RESERVED) {
				if (jobs[i]->outc != NULL)
					sam_sad_unsettled_add(jobs[i]);
				sam_sad_job_fail(jobs[i], SAM_SAD_SETTLE_DOWN);
			}
	}

	/* 5. The answers. */
	for (i = 0; i < n; i++) {
		struct sam_sign_job *j = jobs[i];
		enum pp_err a = PP_OK;

		if (j->state == SAM_JOB_RESERVED && j->src == PP_OK) {
			json_object_object_add(j->ans, "signatures", j->sigs);
			j->sigs = NULL;
		} else if (j->state == SAM_JOB_REFUSED) {
			if ((a = pp_json_add_str(j->ans, "error", j->ref.error)) == PP_OK)
				a = pp_json_add_str(j->ans, "error_description", j->ref.text);
		} else {
			if ((a = pp_json_add_str(j->ans, "error", "temporarily_unavailable")) == PP_OK)
				a = pp_json_add_str(j->ans, "error_description",
				    j->state == SAM_JOB_FAILED || j->fail != NULL ? j->fail : SAM_SAD_HSM_DOWN);
		}
		if (a != PP_OK)
			pp_err_log("sam: sign: the answer of batch %s could not be built", j->batch);
		else if (deliver != NULL)
			deliver(darg, j->conn, json_object_get(j->ans));
		sam_sad_job_free(j);
	}
}

/* The signing thread: batches in the order they were reserved. */
static void *
sam_sad_signer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&sam_pipe.mu);
	for (;;) {
		struct sam_sign_job *j;
		while (sam_pipe.to_sign == NULL && !sam_pipe.stop)
			pthread_cond_wait(&sam_pipe.cv, &sam_pipe.mu);
		if (sam_pipe.to_sign == NULL)
			break;
		j = sam_pipe.to_sign;
		sam_pipe.to_sign = j->next;
		pthread_mutex_unlock(&sam_pipe.mu);

		struct pp_daemon_ctx c = { .p11 = sam_pipe.p11 };
		if ((j->src = sam_sad_job_sign(&c, j)) == PP_OK &&
		    (j->src = sam_sad_batch_digest(&j->h, j->hdig)) == PP_OK)
			j->rec.hashes_sha256 = j->hdig;

		pthread_mutex_lock(&sam_pipe.mu);
		sam_pipe_push(&sam_pipe.done, &sam_pipe.done_tail, j);
		sam_pipe_kick();
	}
	pthread_mutex_unlock(&sam_pipe.mu);
	return NULL;
}

enum pp_err
sam_sad_flush(struct pp_daemon_ctx *ctx)
{
	size_t n = sam_round.n, i;
	int64_t now = sam_now_ms();
	enum pp_err rc;

	if (n == 0)
		return PP_OK;
	/* 1. Every job's hashes reserved in one transaction, each all or none. */
	if ((rc = pp_store_begin(ctx->store)) != PP_OK) {
		for (i = 0; i < n; i++)
			sam_sad_job_fail(sam_round.job[i], SAM_SAD_LEDGER_DOWN);
	} else {
		for (i = 0; i < n; i++) {
			struct sam_sign_job *j = sam_round.job[i];
			enum sam_refusal why = SAM_REFUSE_NONE;

			if ((rc = pp_store_exec(ctx->store, "SAVEPOINT sam_job", NULL, 0, NULL, NULL, NULL)) != PP_OK)
				break;
			rc = sam_ledger_reserve_tx(ctx->store, j->sad_id, j->cid, j->scakey, j->halg, j->h.p,
			    j->dlen, j->h.n, now, j->batch, &why);
			if (rc == PP_OK) {
				j->state = SAM_JOB_RESERVED;
				rc = pp_store_exec(ctx->store, "RELEASE sam_job", NULL, 0, NULL, NULL, NULL);
			} else {
				if (why != SAM_REFUSE_NONE) {
					j->state = SAM_JOB_REFUSED;
					j->ref.error = sam_refusal_csc_error(why);
					j->ref.text = why == SAM_REFUSE_EXPIRED ? SAM_SAD_EXPIRED : sam_refusal_text(why);
				} else {
					sam_sad_job_fail(j, SAM_SAD_LEDGER_DOWN);
				}
				if ((rc = pp_store_exec(ctx->store, "ROLLBACK TO sam_job", NULL, 0, NULL, NULL,
				    NULL)) == PP_OK)
					rc = pp_store_exec(ctx->store, "RELEASE sam_job", NULL, 0, NULL, NULL, NULL);
			}
			if (rc != PP_OK)
				break;
		}
		if (rc != PP_OK || (rc = pp_store_commit(ctx->store)) != PP_OK) {
			pp_store_rollback(ctx->store);
			pp_err_log("sam: sign: the round's reservations could not be committed: %s",
			    pp_err_name(rc));
			for (i = 0; i < n; i++)
				if (sam_round.job[i]->state != SAM_JOB_REFUSED)
					sam_sad_job_fail(sam_round.job[i], SAM_SAD_LEDGER_DOWN);
		}
	}
	/* 2. To the signing thread; the others straight to completion. */
	pthread_mutex_lock(&sam_pipe.mu);
	for (i = 0; i < n; i++) {
		struct sam_sign_job *j = sam_round.job[i];
		if (j->state == SAM_JOB_RESERVED)
			sam_pipe_push(&sam_pipe.to_sign, &sam_pipe.to_sign_tail, j);
		else
			sam_pipe_push(&sam_pipe.done, &sam_pipe.done_tail, j);
		sam_round.job[i] = NULL;
	}
	sam_round.n = 0;
	pthread_cond_signal(&sam_pipe.cv);
	if (sam_pipe.done != NULL)
		sam_pipe_kick();
	pthread_mutex_unlock(&sam_pipe.mu);
	return PP_OK;
}

/* Takes up to SAM_ROUND_MAX jobs off the done list. */
static size_t
sam_sad_take_done(struct sam_sign_job **jobs)
{
	size_t n = 0;

	pthread_mutex_lock(&sam_pipe.mu);
	while (sam_pipe.done != NULL && n < SAM_ROUND_MAX) {
		jobs[n++] = sam_pipe.done;
		sam_pipe.done = sam_pipe.done->next;
	}
	pthread_mutex_unlock(&sam_pipe.mu);
	return n;
}

void
sam_sad_wake(struct pp_daemon_ctx *ctx, pp_ipc_deliver_fn deliver, void *darg)
{
	struct sam_sign_job *jobs[SAM_ROUND_MAX];
	uint64_t v;
	size_t n;

	/* Drained first: a job done meanwhile kicks again. */
	if (read(sam_pipe.efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pp_err_log("sam: eventfd: %s", strerror(errno));
	while ((n = sam_sad_take_done(jobs)) > 0)
		sam_sad_complete(ctx, jobs, n, deliver, darg);
}

int
sam_sad_wake_fd(struct pp_daemon_ctx *ctx)
{
	(void)ctx;
	return sam_pipe.efd;
}

/* Starts the signing thread (sam_sad_init). */
static enum pp_err
sam_sad_pipe_start(struct pp_daemon_ctx *ctx)
{
	sam_pipe.p11 = ctx->p11;
	sam_pipe.stop = 0;
	sam_pipe.to_sign = sam_pipe.done = NULL;
	if ((sam_pipe.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		pp_err_log("sam: eventfd: %s", strerror(errno));
		return PP_ERR_INTERNAL;
	}
	if (pthread_create(&sam_pipe.thread, NULL, sam_sad_signer, NULL) != 0) {
		pp_err_log("sam: cannot start the signing thread");
		close(sam_pipe.efd);
		sam_pipe.efd = -1;
		return PP_ERR_INTERNAL;
	}
	sam_pipe.running = 1;
	return PP_OK;
}

/* Stops the signing thread once it has finished the batch in hand; what
 * it had not started is given back, what it signed but the loop could not
 * deliver any more is discarded (recorded), and the ledger says so. */
static void
sam_sad_pipe_stop(struct pp_daemon_ctx *ctx)
{
	struct sam_sign_job *jobs[SAM_ROUND_MAX];
	size_t n;

	if (!sam_pipe.running)
		return;
	pthread_mutex_lock(&sam_pipe.mu);
	sam_pipe.stop = 1;
	/* Not started: straight to completion, never signed. */
	while (sam_pipe.to_sign != NULL) {
		struct sam_sign_job *j = sam_pipe.to_sign;
		sam_pipe.to_sign = j->next;
		sam_pipe_push(&sam_pipe.done, &sam_pipe.done_tail, j);
	}
	pthread_cond_broadcast(&sam_pipe.cv);
	pthread_mutex_unlock(&sam_pipe.mu);
	pthread_join(sam_pipe.thread, NULL);
	sam_pipe.running = 0;
	while ((n = sam_sad_take_done(jobs)) > 0)
		sam_sad_complete(ctx, jobs, n, NULL, NULL);
	for (size_t i = 0; i < sam_round.n; i++)
		sam_sad_job_free(sam_round.job[i]);
	sam_round.n = 0;
	close(sam_pipe.efd);
	sam_pipe.efd = -1;
}

/* ------------------------------------------------------------------ algorithms */

static const struct sam_sad_field sam_sad_algorithms_fields[] = {
	{ "sca", json_type_string, 1 },
};

static enum pp_err
sam_sad_add_strs(json_object *ans, const char *key, const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	if (a == NULL || json_object_object_add(ans, key, a) != 0) {
		json_object_put(a);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_string(v[i]);
		if (e == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			return PP_ERR_NOMEM;
		}
	}
	return PP_OK;
}

enum pp_err
sam_sad_op_algorithms(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *kt[PP_P11_KEYTYPE__MAX], *h[PP_P11_HASH__MAX], *sa[SAM_N(sam_sad_algos)];
	size_t nk = 0, nh = 0, ns;
	int missing, refused;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	/* A read of the configuration in force: nothing else to refuse but a
	 * malformed request, which closes the connection. */
	if ((rc = sam_sad_shape(req, sam_sad_algorithms_fields, SAM_N(sam_sad_algorithms_fields),
	    &missing)) != PP_OK)
		return rc;
	if (missing || !sam_enrol_sca_ok(pp_json_get_str(req, "sca")))
		return PP_ERR_BAD_REQUEST;
	for (int i = 0; i < PP_P11_KEYTYPE__MAX; i++)
		if (sam_sad_st.allowed & (1u << i))
			kt[nk++] = sam_cred_key_type_name((enum pp_p11_keytype)i);
	for (int i = 0; i < PP_P11_HASH__MAX; i++)
		if (sam_sad_st.hashes & (1u << i))
			h[nh++] = sam_sad_hash_oids[i];
	ns = sam_sad_sign_algos(sam_sad_st.allowed, sam_sad_st.hashes, sa, SAM_N(sa));
	if ((rc = sam_sad_add_strs(ans, "key_types", kt, nk)) != PP_OK ||
	    (rc = sam_sad_add_strs(ans, "hash_algos", h, nh)) != PP_OK)
		return rc;
	return sam_sad_add_strs(ans, "sign_algos", sa, ns);
}

/* ------------------------------------------------------------------ request checks */

enum pp_err
sam_sad_req_check(json_object *req, const char **why)
{
	const char *op = pp_json_get_str(req, "op"), *halg, *salg, *mgf1, *sadstr;
	const struct sam_sad_field *f;
	json_object *v = NULL, *salt = NULL;
	struct sam_sad_hashes h = { 0 };
	struct sam_sad_claims c;
	unsigned char id[SAM_SAD_ID_BYTES], mac[SAM_SAD_MAC_LEN], *in = NULL;
	enum pp_p11_mech mech;
	enum pp_p11_hash hash, mh;
	size_t n, dlen = 0, len;
	int missing, kt, usable = 0;
	enum pp_err rc;

	*why = NULL;
	if (op == NULL)
		return PP_ERR_BAD_REQUEST;
	if (strcmp(op, "otp.send") == 0)
		f = sam_sad_otp_fields, n = SAM_N(sam_sad_otp_fields);
	else if (strcmp(op, "sad.issue") == 0)
		f = sam_sad_issue_fields, n = SAM_N(sam_sad_issue_fields);
	else if (strcmp(op, "sign") == 0)
		f = sam_sad_sign_fields, n = SAM_N(sam_sad_sign_fields);
	else if (strcmp(op, "algorithms") == 0)
		f = sam_sad_algorithms_fields, n = SAM_N(sam_sad_algorithms_fields);
	else
		return PP_ERR_BAD_REQUEST;
	if ((rc = sam_sad_shape(req, f, n, &missing)) != PP_OK)
		return rc;
	if (missing) {
		*why = "a required member is missing";
		return PP_OK;
	}
	if (!sam_enrol_sca_ok(pp_json_get_str(req, "sca"))) {
		*why = "sca: 1 to 256 bytes of UTF-8 without control characters";
		return PP_OK;
	}
	if (strcmp(op, "algorithms") == 0)
		return PP_OK;
	if (strcmp(op, "sign") != 0 && !sam_enrol_id_ok(pp_json_get_str(req, "signatory")))
		*why = "signatory: 1 to 64 printable ASCII characters, no space";
	else if (strcmp(op, "otp.send") != 0 && !sam_cred_id_ok(pp_json_get_str(req, "credential")))
		*why = "credential: a credential id (32 hex digits)";
	else if (strcmp(op, "sign") != 0 && !sam_sad_ident_ok(pp_json_get_str(req, "session")))
		*why = "session: 1 to 128 printable ASCII characters, no space";
	if (*why != NULL || strcmp(op, "otp.send") == 0)
		return PP_OK;

	halg = pp_json_get_str(req, "hash_algo");
	if ((dlen = sam_hash_algo_len(halg)) == 0) {
		*why = "hash_algo: one of the SHA-256, SHA-384, SHA-512 OIDs";
		return PP_OK;
	}
	if (strcmp(op, "sad.issue") == 0) {
		if (!sam_sad_otp_id_ok(pp_json_get_str(req, "otp_id")))
			*why = "otp_id: the id otp.send answered (32 hex digits)";
		else if (!json_object_object_get_ex(req, "consent", &v) || !json_object_get_boolean(v))
			*why = "consent: the signatory's explicit consent (true) is required";
		if (*why != NULL)
			return PP_OK;
	} else {
		sadstr = pp_json_get_str(req, "sad");
		if (sam_sad_decode(sadstr, strlen(sadstr), id, mac) != PP_OK) {
			*why = "sad: not a SAD issued by this service";
			return PP_OK;
		}
		pp_wipe(mac, sizeof(mac));
		/* The algorithms for every key type the credential might have. */
		salg = pp_json_get_str(req, "sign_algo");
		mgf1 = pp_json_get_str(req, "pss_mgf1");
		json_object_object_get_ex(req, "pss_salt_len", &salt);
		for (kt = 0; kt < PP_P11_KEYTYPE__MAX; kt++) {
			const char *w = NULL;
			if ((rc = sam_sad_sign_algo(salg, halg, (enum pp_p11_keytype)kt, &mech, &hash, &w)) != PP_OK)
				return rc;
			if (w != NULL)
				continue;
			if (mech == PP_P11_RSA_PSS) {
				int64_t sl = salt ? json_object_get_int64(salt) : (int64_t)dlen;
				if ((mgf1 != NULL && !sam_sad_hash_of(mgf1, &mh)) || sl < 0 ||
				    sl > (int64_t)(sam_sad_sig_max((enum pp_p11_keytype)kt) - dlen - 2))
					continue;
			} else if (mgf1 != NULL || salt != NULL) {
				continue;
			}
			usable = 1;
		}
		if (!usable) {
			*why = "sign_algo: no key type can sign with these algorithm members";
			return PP_OK;
		}
	}
	json_object_object_get_ex(req, "hashes", &v);
	if ((rc = sam_sad_hashes_get(v, dlen, &h, why)) != PP_OK || *why != NULL)
		return rc;
	/* What sad.issue would MAC (and sign would re-derive) over them. */
	memset(id, 0, sizeof(id));
	c = (struct sam_sad_claims){ .sad_id = "00000000000000000000000000000000", .signatory = "s",
		.credential = "c", .sca = "sca-x", .session = "s", .hash_algo = halg, .hashes = h.p,
		.hash_len = h.len, .nhashes = h.n, .expires_ms = 1 };
	if ((rc = sam_sad_mac_input(&c, &in, &len)) == PP_OK)
		pp_free(in);
	sam_sad_hashes_free(&h);
	return rc;
}

enum pp_err
sam_sad_start(struct pp_daemon_ctx *ctx)
{
	return sam_sad_pipe_start(ctx);
}
