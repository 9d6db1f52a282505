/*
 * sam_cred: credentials and the built-in CA (see sam_cred.h).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_ca.h"
#include "sam_client.h"
#include "sam_cred.h"
#include "sam_enrol.h"

#define SAM_N(a) (sizeof(a) / sizeof((a)[0]))
#define SAM_CRED_SERIAL_MAX 64		/* hex of a serial (ours are 16 bytes) */
#define SAM_CRED_CA_YEARS 10
#define SAM_CRED_PROG "paraphe-samd"

static const char *const sam_cred_types[PP_P11_KEYTYPE__MAX] = {
	[PP_P11_RSA3072] = "rsa3072",
	[PP_P11_RSA4096] = "rsa4096",
	[PP_P11_EC_P256] = "ec-p256",
	[PP_P11_EC_P384] = "ec-p384",
	[PP_P11_EC_P521] = "ec-p521",
	[PP_P11_RSA2048] = "rsa2048",	/* imported legacy credentials only */
};

/* The SAM's credential state, ctx->data. */
struct sam_cred {
	struct sam_ca *ca;
	EVP_PKEY *ca_pub;
	unsigned char *ca_der;
	size_t ca_len;
	unsigned char ca_id[SAM_CRED_KEY_ID_BYTES];
	struct pp_p11 *p11;
	unsigned allowed;
	int64_t validity_s;
	const char *ext_ca_file;	/* sam.external_ca_file (borrowed), "" or NULL: none */
	int64_t sweep_interval_s, last_sweep_s;
};

/* What sam_ca's callback signs with: a key of the token, by CKA_ID. */
struct sam_cred_signer {
	struct pp_p11 *p11;
	const unsigned char *id;
	EVP_PKEY *pub;
};

static enum pp_err sam_cred_text(const struct pp_val *c, char *dst, size_t cap);
static enum pp_err sam_cred_set_state(struct pp_store *st, const char *id, const char *state);
static int sam_cred_unhex(const char *hex, unsigned char out[SAM_CRED_KEY_ID_BYTES]);

enum pp_err
sam_cred_key_type(const char *name, enum pp_p11_keytype *t)
{
	for (int i = 0; name != NULL && i < PP_P11_KEYTYPE__MAX; i++)
		if (strcmp(name, sam_cred_types[i]) == 0) {
			*t = (enum pp_p11_keytype)i;
			return PP_OK;
		}
	return PP_ERR_FIELD_INVALID;
}

const char *
sam_cred_key_type_name(enum pp_p11_keytype t)
{
	return (unsigned)t < PP_P11_KEYTYPE__MAX ? sam_cred_types[t] : "?";
}

enum pp_err
sam_cred_key_types_parse(const char *list, unsigned *mask)
{
	char name[16];
	size_t n;
	enum pp_p11_keytype t;

	*mask = 0;
	while (list != NULL && *list) {
		while (*list == ' ' || *list == '\t')
			list++;
		if (!*list)
			break;
		n = strcspn(list, " \t");
		if (n >= sizeof(name))
			goto bad;
		memcpy(name, list, n);
		name[n] = '\0';
		if (sam_cred_key_type(name, &t) != PP_OK)
			goto bad;
		if (t == PP_P11_RSA2048) {
			pp_err_log("sam: sam.key_types: rsa2048 is not a key type for new credentials (KEY-2); imported"
			    " legacy RSA 2048 credentials sign while rsa3072 is allowed");
			*mask = 0;
			return PP_ERR_CONFIG;
		}
		*mask |= 1u << t;
		list += n;
	}
	if (*mask == 0)
		goto bad;
	return PP_OK;
bad:
	pp_err_log("sam: sam.key_types: give one or more of rsa3072 rsa4096 ec-p256 ec-p384 ec-p521");
	*mask = 0;
	return PP_ERR_CONFIG;
}

unsigned
sam_cred_key_types_in_force(unsigned mask)
{
	if (mask & (1u << PP_P11_RSA3072))
		mask |= 1u << PP_P11_RSA2048;
	return mask;
}

void
sam_cred_import_check(const struct pp_p11_key_attrs *a, int64_t not_before, unsigned in_force,
    enum pp_p11_keytype *type, const char **why)
{
	*type = PP_P11_KEYTYPE__MAX;
	*why = NULL;
	if (!a->sensitive)
		*why = "key_id: the private key is not sensitive (CKA_SENSITIVE must be true)";
	else if (a->extractable)
		*why = "key_id: the private key is extractable (CKA_EXTRACTABLE must be false)";
	else if (!a->sign)
		*why = "key_id: the private key may not sign (CKA_SIGN must be true)";
	if (*why != NULL)
		return;
	switch (a->kind) {
	case PP_P11_KIND_RSA:
		if (a->bits == 3072)
			*type = PP_P11_RSA3072;
		else if (a->bits == 4096)
			*type = PP_P11_RSA4096;
		else if (a->bits == 2048)
			*type = PP_P11_RSA2048;
		else if (a->bits < 2048)
			*why = "key_id: RSA key too short (3072 or 4096 bits; 2048 only for certificates issued before"
			    " 2025-12-31)";
		else
			*why = "key_id: RSA key size not supported (3072 or 4096 bits)";
		break;
	case PP_P11_KIND_EC:
		if (a->bits == 256)
			*type = PP_P11_EC_P256;
		else if (a->bits == 384)
			*type = PP_P11_EC_P384;
		else if (a->bits == 521)
			*type = PP_P11_EC_P521;
		else
			*why = "key_id: EC curve not accepted (P-256, P-384 or P-521 only)";
		break;
	default:
		*why = "key_id: the key is neither RSA nor EC";
		break;
	}
	if (*why != NULL)
		return;
	if (*type == PP_P11_RSA2048 && not_before >= SAM_CA_RSA2048_LEGACY_END)
		*why = SAM_CRED_RSA2048_REFUSAL;
	else if (*type == PP_P11_RSA2048 && !(in_force & (1u << *type)))
		*why = "key_id: RSA 2048 is withdrawn by the service with rsa3072 (sam.key_types)";
	else if (!(in_force & (1u << *type)))
		*why = "key_id: this key algorithm is withdrawn by the service (sam.key_types)";
	if (*why != NULL)
		*type = PP_P11_KEYTYPE__MAX;
}

int
sam_cred_id_ok(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < SAM_CRED_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

enum pp_err
sam_cred_ca_mode(const char *s, int *external)
{
	if (s == NULL || strcmp(s, "builtin") == 0)
		*external = 0;
	else if (strcmp(s, "external") == 0)
		*external = 1;
	else
		return PP_ERR_FIELD_INVALID;
	return PP_OK;
}

size_t
sam_cred_der_next(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;
	size_t n = 0;

	if (der == NULL || len == 0)
		return 0;
	if ((x = d2i_X509(NULL, &p, (long)(len > SAM_CA_DER_MAX ? SAM_CA_DER_MAX : len))) != NULL)
		n = (size_t)(p - der);
	X509_free(x);
	ERR_clear_error();
	return n;
}

#define SAM_CRED_PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define SAM_CRED_PEM_END "-----END CERTIFICATE-----"

/* The PEM certificates of text, at most max, DER concatenated into
 * der[0..*len).  Only whitespace may come between and after the blocks. */
static enum pp_err
sam_cred_pem_read(const char *text, size_t max, unsigned char *der, size_t cap, size_t *len,
    size_t *count)
{
	const size_t bl = strlen(SAM_CRED_PEM_BEGIN), el = strlen(SAM_CRED_PEM_END);
	const char *pos = text, *e;
	BIO *bio = NULL;
	X509 *x = NULL;
	enum pp_err rc = PP_ERR_FIELD_INVALID;

	*len = *count = 0;
	for (;;) {
		unsigned char *p;
		int n;

		pos += strspn(pos, " \t\r\n");
		if (*pos == '\0')
			break;
		if (*count == max || strncmp(pos, SAM_CRED_PEM_BEGIN, bl) != 0 ||
		    (e = strstr(pos + bl, SAM_CRED_PEM_END)) == NULL || e - pos > 4 * SAM_CA_DER_MAX)
			goto out;
		e += el;
		if ((bio = BIO_new_mem_buf(pos, (int)(e - pos))) == NULL) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
			goto out;
		if ((n = i2d_X509(x, NULL)) <= 0 || (size_t)n > SAM_CA_DER_MAX || (size_t)n > cap - *len)
			goto out;
		p = der + *len;
		if (i2d_X509(x, &p) != n)
			goto out;
		*len += (size_t)n;
		(*count)++;
		X509_free(x);
		x = NULL;
		BIO_free(bio);
		bio = NULL;
		pos = e;
	}
	rc = *count > 0 ? PP_OK : PP_ERR_FIELD_INVALID;
out:
	X509_free(x);
	BIO_free(bio);
	ERR_clear_error();
	if (rc != PP_OK)
		*len = *count = 0;
	return rc;
}

enum pp_err
sam_cred_cert_decode(const char *text, unsigned char *der, size_t cap, size_t *len)
{
	size_t count;
	enum pp_err rc;

	*len = 0;
	if (text == NULL || *text == '\0')
		return PP_ERR_FIELD_INVALID;
	if (*text == '-')
		return sam_cred_pem_read(text, 1, der, cap, len, &count);
	if ((rc = pp_b64_decode(text, strlen(text), der, cap, len)) != PP_OK)
		return PP_ERR_FIELD_INVALID;
	if (sam_cred_der_next(der, *len) != *len) {
		*len = 0;
		return PP_ERR_FIELD_INVALID;
	}
	return PP_OK;
}

enum pp_err
sam_cred_chain_decode(const char *pem, unsigned char *der, size_t cap, size_t *len, size_t *count)
{
	*len = *count = 0;
	if (pem == NULL)
		return PP_ERR_FIELD_INVALID;
	return sam_cred_pem_read(pem, SAM_CRED_CHAIN_CERTS, der, cap, len, count);
}

/* ------------------------------------------------------------------ signing through the token */

/* sam_ca_sign_fn: hashes tbs as the key's certificates require and signs
 * the digest in the token; ECDSA's raw r||s becomes DER (X.509 form). */
static enum pp_err
sam_cred_sign(void *arg, const unsigned char *tbs, size_t len, unsigned char *sig, size_t *siglen)
{
	struct sam_cred_signer *s = arg;
	unsigned char dg[EVP_MAX_MD_SIZE], raw[PP_P11_SIG_MAX];
	unsigned int dlen = 0;
	size_t rawlen = sizeof(raw);
	const EVP_MD *md;
	enum pp_p11_hash h;
	enum pp_err rc;
	int ec = EVP_PKEY_get_base_id(s->pub) == EVP_PKEY_EC;

	if ((rc = sam_ca_sig_md(s->pub, &md)) != PP_OK)
		return rc;
	switch (EVP_MD_get_type(md)) {
	case NID_sha256: h = PP_P11_SHA256; break;
	case NID_sha384: h = PP_P11_SHA384; break;
	case NID_sha512: h = PP_P11_SHA512; break;
	default: return PP_ERR_INTERNAL;
	}
	if (EVP_Digest(tbs, len, dg, &dlen, md, NULL) != 1)
		return PP_ERR_INTERNAL;
	if ((rc = pp_p11_sign(s->p11, s->id, SAM_CRED_KEY_ID_BYTES, ec ? PP_P11_ECDSA : PP_P11_RSA_PKCS1,
	    h, NULL, dg, dlen, ec ? raw : sig, ec ? &rawlen : siglen)) != PP_OK)
		return rc;
	if (ec)
		rc = pp_p11_ecdsa_der(raw, rawlen, sig, siglen);
	return rc;
}

/* ------------------------------------------------------------------ audit */

struct sam_cred_rec {
	enum pp_audit_type type;
	int failure;
	const char *actor_kind_system;	/* non-NULL: a system record (the CA) */
	const struct sam_cred_actor *staff;	/* non-NULL: a staff member's order (sam_staff.c) */
	const char *sca, *signatory, *credential, *key_type, *serial, *cause, *error, *op;
	const char *state;		/* the credential's new state (a staff order's credential.change) */
};

static enum pp_err
sam_cred_audit(struct pp_daemon_ctx *ctx, const struct sam_cred_rec *r)
{
	struct pp_audit_event ev;
	enum pp_err rc = PP_ERR_NOMEM;

	memset(&ev, 0, sizeof(ev));
	ev.type = r->type;
	ev.outcome = r->failure ? PP_AUDIT_FAILURE : PP_AUDIT_SUCCESS;
	if (r->staff) {
		ev.actor_kind = PP_AUDIT_ACTOR_STAFF;
		ev.actor_id = r->staff->id;
		ev.actor_role = r->staff->role;
		ev.requester = r->staff->requester;
		ev.correlation = r->staff->correlation;
	} else if (r->actor_kind_system) {
		ev.actor_kind = PP_AUDIT_ACTOR_SYSTEM;
		ev.actor_id = r->actor_kind_system;
	} else {
		ev.actor_kind = PP_AUDIT_ACTOR_SCA;
		ev.actor_id = sam_enrol_sca_ok(r->sca) ? r->sca : "unknown";
		ev.requester = ev.actor_id;
	}
	ev.recipient = sam_enrol_id_ok(r->signatory) ? r->signatory : NULL;
	ev.cause = r->cause;
	if ((ev.details = json_object_new_object()) == NULL ||
	    (sam_cred_id_ok(r->credential) && pp_json_add_str(ev.details, "credential", r->credential) != PP_OK) ||
	    (r->key_type && pp_json_add_str(ev.details, "key_type", r->key_type) != PP_OK) ||
	    (r->serial && *r->serial && pp_json_add_str(ev.details, "serial", r->serial) != PP_OK) ||
	    (r->error && pp_json_add_str(ev.details, "error", r->error) != PP_OK) ||
	    (r->op && pp_json_add_str(ev.details, "op", r->op) != PP_OK) ||
	    (r->staff && r->sca && sam_enrol_sca_ok(r->sca) && pp_json_add_str(ev.details, "sca", r->sca) != PP_OK) ||
	    (r->state && pp_json_add_str(ev.details, "state", r->state) != PP_OK))
		goto out;
	if ((rc = pp_audit_emit(ctx->conf, &ev, NULL)) != PP_OK)
		pp_err_log("sam: the audit record %s was not acknowledged", pp_audit_type_name(r->type));
out:
	json_object_put(ev.details);
	return rc;
}

/* ------------------------------------------------------------------ built-in CA */

static enum pp_err
sam_cred_ca_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_cred *cr = arg;

	if (n != 2 || c[0].type != PP_VAL_TEXT || c[0].len != 2 * SAM_CRED_KEY_ID_BYTES ||
	    c[1].type != PP_VAL_BLOB || c[1].len == 0 || c[1].len > SAM_CA_DER_MAX)
		return PP_ERR_DB;
	for (size_t i = 0; i < SAM_CRED_KEY_ID_BYTES; i++) {
		unsigned v;
		if (sscanf((const char *)c[0].p + 2 * i, "%2x", &v) != 1)
			return PP_ERR_DB;
		cr->ca_id[i] = (unsigned char)v;
	}
	if ((cr->ca_der = pp_malloc(c[1].len)) == NULL)
		return PP_ERR_NOMEM;
	memcpy(cr->ca_der, c[1].p, c[1].len);
	cr->ca_len = c[1].len;
	return PP_OK;
}

/* First start: the CA key in the token, its certificate, the row. */
static enum pp_err
sam_cred_ca_create(struct pp_daemon_ctx *ctx, struct sam_cred *cr)
{
	const struct pp_conf *conf = ctx->conf;
	struct sam_ca_ca_name name = {
		.country = pp_conf_str(conf, "sam", "ca_country"),
		.organization = pp_conf_str(conf, "sam", "ca_organization"),
		.common_name = pp_conf_str(conf, "sam", "ca_common_name"),
	};
	struct sam_cred_signer sg = { ctx->p11, cr->ca_id, NULL };
	struct sam_ca_signer signer;
	struct sam_cred_rec rec = { .type = PP_AUDIT_KEY_GENERATE, .actor_kind_system = SAM_CRED_PROG,
		.key_type = "ec-p384", .cause = "built-in CA key" };
	struct pp_p11_objs objs;
	char hex[2 * SAM_CRED_KEY_ID_BYTES + 1];
	struct pp_val b[3];
	int64_t now = sam_now_ms() / 1000;
	size_t count;
	enum pp_err rc;

	if (RAND_bytes(cr->ca_id, sizeof(cr->ca_id)) != 1)
		return PP_ERR_INTERNAL;
	pp_hex(cr->ca_id, sizeof(cr->ca_id), hex);
	if ((rc = pp_p11_key_generate(ctx->p11, PP_P11_EC_P384, cr->ca_id, sizeof(cr->ca_id),
	    "paraphe-builtin-ca", &objs)) != PP_OK) {
		pp_err_log("sam: the built-in CA key could not be generated");
		return rc;
	}
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK ||
	    (rc = pp_p11_key_public(ctx->p11, cr->ca_id, sizeof(cr->ca_id), &cr->ca_pub)) != PP_OK)
		goto fail;
	sg.pub = cr->ca_pub;
	signer = (struct sam_ca_signer){ .pub = cr->ca_pub, .fn = sam_cred_sign, .ctx = &sg };
	if ((rc = sam_ca_root_make(&signer, &name, now - 60, now + SAM_CRED_CA_YEARS * 366 * 86400LL,
	    &cr->ca_der, &cr->ca_len)) != PP_OK ||
	    (rc = pp_p11_cert_store(ctx->p11, cr->ca_id, sizeof(cr->ca_id), cr->ca_der, cr->ca_len)) != PP_OK)
		goto fail;
	b[0] = PP_VAL_S(hex);
	b[1] = (struct pp_val){ .type = PP_VAL_BLOB, .p = cr->ca_der, .len = cr->ca_len };
	b[2] = PP_VAL_I(now * 1000);
	if ((rc = pp_store_exec(ctx->store, "INSERT INTO ca (id, key_id, key_type, certificate, created_ms)"
	    " VALUES (1, ?, 'ec-p384', ?, ?)", b, 3, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	pp_info_log("sam: built-in CA created (EC P-384, key id %s)", hex);
	return PP_OK;
fail:
	pp_err_log("sam: the built-in CA could not be created: %s", pp_err_name(rc));
	if (pp_p11_destroy(ctx->p11, cr->ca_id, sizeof(cr->ca_id), &count) == PP_OK) {
		rec.type = PP_AUDIT_KEY_DESTROY;
		(void)sam_cred_audit(ctx, &rec);
	}
	EVP_PKEY_free(cr->ca_pub);
	cr->ca_pub = NULL;
	pp_free(cr->ca_der);
	cr->ca_der = NULL;
	return rc;
}

static void
sam_cred_free(struct sam_cred *cr)
{
	if (cr == NULL)
		return;
	sam_ca_free(cr->ca);
	EVP_PKEY_free(cr->ca_pub);
	pp_free(cr->ca_der);
	pp_free(cr);
}

struct sam_cred_pending {
	char id[SAM_CRED_ID_LEN + 1];
	char key_id[2 * SAM_CRED_KEY_ID_BYTES + 1];
	char signatory[SAM_ENROL_ID_MAX + 1];
	char sca[SAM_ENROL_SCA_MAX + 1];
	char key_type[8];
	int found;
};

static enum pp_err
sam_cred_pending_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_cred_pending *p = arg;

	if (n != 5 || sam_cred_text(&c[0], p->id, sizeof(p->id)) != PP_OK ||
	    sam_cred_text(&c[1], p->key_id, sizeof(p->key_id)) != PP_OK ||
	    sam_cred_text(&c[2], p->signatory, sizeof(p->signatory)) != PP_OK ||
	    sam_cred_text(&c[3], p->sca, sizeof(p->sca)) != PP_OK ||
	    sam_cred_text(&c[4], p->key_type, sizeof(p->key_type)) != PP_OK)
		return PP_ERR_DB;
	p->found = 1;
	return PP_OK;
}

/*
 * KEY-6 after a crash: a PENDING row without csr is a creation that never
 * finished (an external credential's row gets its csr last).
 * Whatever the token holds under its CKA_ID (a key pair, maybe a
 * certificate) is destroyed and the row becomes DESTROYED, one row at a
 * time, before the SAM serves.
 */
static enum pp_err
sam_cred_recover(struct pp_daemon_ctx *ctx)
{
	struct sam_cred_pending p;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	size_t count;
	enum pp_err rc, drc;

	for (;;) {
		memset(&p, 0, sizeof(p));
		/* With a csr: waiting for its external CA's certificate, kept. */
		if ((rc = pp_store_exec(ctx->store, "SELECT id, key_id, signatory, sca, key_type FROM credentials"
		    " WHERE state = 'PENDING' AND csr IS NULL ORDER BY created_ms LIMIT 1", NULL, 0, sam_cred_pending_row, &p,
		    NULL)) != PP_OK)
			return rc;
		if (!p.found)
			return PP_OK;
		if (!sam_cred_unhex(p.key_id, kid))
			return PP_ERR_DB;
		count = 0;
		drc = pp_p11_destroy(ctx->p11, kid, sizeof(kid), &count);
		if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
			pp_err_log("sam: credential %s left PENDING: its objects could not be destroyed", p.id);
			return drc;
		}
		if (count > 0) {
			struct sam_cred_rec rec = { .type = PP_AUDIT_KEY_DESTROY, .sca = p.sca,
				.signatory = p.signatory, .credential = p.id, .key_type = p.key_type,
				.cause = "creation interrupted (found PENDING at start)" };
			if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
				return rc;
		}
		if ((rc = sam_cred_set_state(ctx->store, p.id, "DESTROYED")) != PP_OK)
			return rc;
		pp_info_log("sam: credential %s found PENDING: %zu object(s) destroyed", p.id, count);
	}
}

/* The signer context of the CA outlives sam_ca (it is borrowed). */
static struct sam_cred_signer sam_cred_ca_signer;

enum pp_err
sam_cred_init(struct pp_daemon_ctx *ctx)
{
	const struct pp_conf *conf = ctx->conf;
	struct sam_ca_profile prof = { .policy_oid = pp_conf_str(conf, "sam", "policy_oid") };
	struct sam_ca_signer signer;
	struct sam_cred *cr;
	size_t closed;
	enum pp_err rc;

	if ((cr = pp_malloc(sizeof(*cr))) == NULL)
		return PP_ERR_NOMEM;
	memset(cr, 0, sizeof(*cr));
	cr->p11 = ctx->p11;
	cr->validity_s = pp_conf_int(conf, "sam", "cert_validity_s");
	if (cr->validity_s == 0)
		cr->validity_s = pp_conf_int(conf, "sam", "cert_validity_days") * 86400;
	cr->ext_ca_file = pp_conf_str(conf, "sam", "external_ca_file");
	cr->sweep_interval_s = pp_conf_int(conf, "sam", "sweep_interval_s");
	if ((rc = sam_cred_key_types_parse(pp_conf_str(conf, "sam", "key_types"), &cr->allowed)) != PP_OK)
		goto fail;
	if ((rc = pp_store_exec(ctx->store, "SELECT key_id, certificate FROM ca WHERE id = 1", NULL, 0,
	    sam_cred_ca_row, cr, NULL)) != PP_OK)
		goto fail;
	if (cr->ca_der == NULL)
		rc = sam_cred_ca_create(ctx, cr);
	else
		rc = pp_p11_key_public(ctx->p11, cr->ca_id, sizeof(cr->ca_id), &cr->ca_pub);
	if (rc != PP_OK) {
		pp_err_log("sam: no usable built-in CA key in the token");
		goto fail;
	}
	sam_cred_ca_signer = (struct sam_cred_signer){ ctx->p11, cr->ca_id, cr->ca_pub };
	signer = (struct sam_ca_signer){ .pub = cr->ca_pub, .fn = sam_cred_sign, .ctx = &sam_cred_ca_signer };
	if ((rc = sam_ca_new(cr->ca_der, cr->ca_len, &signer, &prof, &cr->ca)) != PP_OK) {
		pp_err_log("sam: the built-in CA certificate or profile (sam.policy_oid) is refused");
		goto fail;
	}
	if ((rc = sam_cred_recover(ctx)) != PP_OK) {
		pp_err_log("sam: unfinished credentials could not be cleaned up");
		goto fail;
	}
	/* Certificates that expired while the SAM was down: closed before the
	 * first request. */
	cr->last_sweep_s = sam_now_ms() / 1000;
	if ((rc = sam_cred_sweep(ctx, cr->last_sweep_s, &closed)) != PP_OK) {
		pp_err_log("sam: the expiry sweep at start failed");
		goto fail;
	}
	ctx->data = cr;
	return PP_OK;
fail:
	sam_cred_free(cr);
	return rc;
}

void
sam_cred_fini(struct pp_daemon_ctx *ctx)
{
	sam_cred_free(ctx->data);
	ctx->data = NULL;
}

/* ------------------------------------------------------------------ rows */

struct sam_credential {
	char id[SAM_CRED_ID_LEN + 1];
	char signatory[SAM_ENROL_ID_MAX + 1];
	char sca[SAM_ENROL_SCA_MAX + 1];
	char key_type[8];
	char key_id[2 * SAM_CRED_KEY_ID_BYTES + 1];
	char state[10];
	char serial[SAM_CRED_SERIAL_MAX + 1];
	unsigned char cert[SAM_CA_DER_MAX];
	size_t cert_len;
	int64_t not_before, not_after, created_ms, updated_ms;
	int external;			/* ca = 'external' */
	unsigned char csr[SAM_CA_DER_MAX];
	size_t csr_len;
	unsigned char chain[SAM_CRED_CHAIN_MAX];	/* external CA: what the PKI sent */
	size_t chain_len;
	int found;
};

#define SAM_CRED_COLS "id, signatory, sca, key_type, key_id, state, serial, certificate," \
	" not_before, not_after, created_ms, updated_ms, ca, csr, chain"

static enum pp_err
sam_cred_text(const struct pp_val *c, char *dst, size_t cap)
{
	return pp_val_text(c, dst, cap) ? PP_OK : PP_ERR_DB;
}

static enum pp_err
sam_cred_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_credential *k = arg;

	if (n != 15 || sam_cred_text(&c[0], k->id, sizeof(k->id)) != PP_OK ||
	    sam_cred_text(&c[1], k->signatory, sizeof(k->signatory)) != PP_OK ||
	    sam_cred_text(&c[2], k->sca, sizeof(k->sca)) != PP_OK ||
	    sam_cred_text(&c[3], k->key_type, sizeof(k->key_type)) != PP_OK ||
	    sam_cred_text(&c[4], k->key_id, sizeof(k->key_id)) != PP_OK ||
	    sam_cred_text(&c[5], k->state, sizeof(k->state)) != PP_OK ||
	    sam_cred_text(&c[6], k->serial, sizeof(k->serial)) != PP_OK)
		return PP_ERR_DB;
	k->cert_len = 0;
	if (c[7].type == PP_VAL_BLOB) {
		if (c[7].len > sizeof(k->cert))
			return PP_ERR_DB;
		memcpy(k->cert, c[7].p, c[7].len);
		k->cert_len = c[7].len;
	}
	k->not_before = c[8].type == PP_VAL_INT ? c[8].i : 0;
	k->not_after = c[9].type == PP_VAL_INT ? c[9].i : 0;
	k->created_ms = c[10].i;
	k->updated_ms = c[11].i;
	if (c[12].type != PP_VAL_TEXT)
		return PP_ERR_DB;
	k->external = c[12].len == 8 && memcmp(c[12].p, "external", 8) == 0;
	k->csr_len = k->chain_len = 0;
	if (c[13].type == PP_VAL_BLOB) {
		if (c[13].len > sizeof(k->csr))
			return PP_ERR_DB;
		memcpy(k->csr, c[13].p, c[13].len);
		k->csr_len = c[13].len;
	}
	if (c[14].type == PP_VAL_BLOB) {
		if (c[14].len > sizeof(k->chain))
			return PP_ERR_DB;
		memcpy(k->chain, c[14].p, c[14].len);
		k->chain_len = c[14].len;
	}
	k->found = 1;
	return PP_OK;
}

static enum pp_err
sam_cred_set_state(struct pp_store *st, const char *id, const char *state)
{
	struct pp_val b[3] = { PP_VAL_S(state), PP_VAL_I(sam_now_ms()), PP_VAL_S(id) };

	return pp_store_exec(st, "UPDATE credentials SET state = ?, updated_ms = ? WHERE id = ?", b, 3,
	    NULL, NULL, NULL);
}

/*
 * Closing a credential (revocation, expiry) and destroying its key are two
 * steps that cannot share a transaction: the row is closed first (unusable
 * at once) and, in the same transaction, the destruction is owed
 * (keys_owed); the debt is paid only once the token's objects are gone and
 * key.destroy is recorded (sam_cred_paid).  Every sweep retries what is
 * owed (sam_cred_pay_owed), so a token or audit failure delays the
 * destruction or its record, never loses it (KEY-5).
 */
static enum pp_err
sam_cred_close(struct pp_store *st, const char *id, const char *key_id, const char *state, const char *cause)
{
	struct pp_val b[4] = { PP_VAL_S(id), PP_VAL_S(key_id), PP_VAL_S(cause), PP_VAL_I(sam_now_ms()) };
	enum pp_err rc;

	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_cred_set_state(st, id, state)) != PP_OK ||
	    (rc = pp_store_exec(st, "INSERT OR REPLACE INTO keys_owed (credential, key_id, cause, since_ms)"
	    " VALUES (?, ?, ?, ?)", b, 4, NULL, NULL, NULL)) != PP_OK ||
	    (rc = pp_store_commit(st)) != PP_OK) {
		pp_store_rollback(st);
		return rc;
	}
	return PP_OK;
}

static enum pp_err
sam_cred_paid(struct pp_store *st, const char *id)
{
	struct pp_val b[1] = { PP_VAL_S(id) };

	return pp_store_exec(st, "DELETE FROM keys_owed WHERE credential = ?", b, 1, NULL, NULL, NULL);
}

/* Base64 of der into obj[key]. */
static enum pp_err
sam_cred_add_b64(json_object *obj, const char *key, const unsigned char *der, size_t len)
{
	char *b64 = pp_malloc(4 * ((len + 2) / 3) + 1);
	enum pp_err rc;

	if (b64 == NULL)
		return PP_ERR_NOMEM;
	pp_b64_encode(der, len, b64);
	rc = pp_json_add_str(obj, key, b64);
	pp_free(b64);
	return rc;
}

/* "credential": {...}; with_cert adds the certificate and the chain. */
static enum pp_err
sam_cred_json(const struct sam_cred *cr, const struct sam_credential *k, int with_cert, json_object *into,
    const char *key)
{
	json_object *o = json_object_new_object(), *chain;

	if (o == NULL)
		return PP_ERR_NOMEM;
	if (key)
		json_object_object_add(into, key, o);
	else if (json_object_array_add(into, o) != 0) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	if (pp_json_add_str(o, "id", k->id) != PP_OK ||
	    pp_json_add_str(o, "ca", k->external ? "external" : "builtin") != PP_OK ||
	    pp_json_add_str(o, "signatory", k->signatory) != PP_OK ||
	    pp_json_add_str(o, "key_type", k->key_type) != PP_OK ||
	    pp_json_add_str(o, "key_id", k->key_id) != PP_OK ||
	    pp_json_add_str(o, "state", k->state) != PP_OK ||
	    (*k->serial && pp_json_add_str(o, "serial", k->serial) != PP_OK) ||
	    (k->not_after && (pp_json_add_int(o, "not_before", k->not_before) != PP_OK ||
	    pp_json_add_int(o, "not_after", k->not_after) != PP_OK)) ||
	    pp_json_add_int(o, "created_ms", k->created_ms) != PP_OK ||
	    pp_json_add_int(o, "updated_ms", k->updated_ms) != PP_OK)
		return PP_ERR_NOMEM;
	/* A credential waiting for its external CA: the request to send it. */
	if (with_cert && k->csr_len > 0 && strcmp(k->state, "PENDING") == 0 &&
	    sam_cred_add_b64(o, "csr", k->csr, k->csr_len) != PP_OK)
		return PP_ERR_NOMEM;
	if (!with_cert || k->cert_len == 0)
		return PP_OK;
	if (sam_cred_add_b64(o, "certificate", k->cert, k->cert_len) != PP_OK ||
	    (chain = json_object_new_array()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(o, "chain", chain);
	/* The signer first, then its CA: the built-in one, or what the
	 * external CA's PKI sent (CSC credentials/info order). */
	char *b64 = pp_malloc(4 * ((SAM_CA_DER_MAX + 2) / 3) + 1);
	size_t want = 2;
	if (b64 == NULL)
		return PP_ERR_NOMEM;
	pp_b64_encode(k->cert, k->cert_len, b64);
	json_object_array_add(chain, json_object_new_string(b64));
	if (!k->external) {
		pp_b64_encode(cr->ca_der, cr->ca_len, b64);
		json_object_array_add(chain, json_object_new_string(b64));
	} else {
		size_t off = 0, n;
		want = 1;
		while (off < k->chain_len && (n = sam_cred_der_next(k->chain + off, k->chain_len - off)) > 0) {
			pp_b64_encode(k->chain + off, n, b64);
			json_object_array_add(chain, json_object_new_string(b64));
			off += n;
			want++;
		}
	}
	pp_free(b64);
	return json_object_array_length(chain) == want ? PP_OK : PP_ERR_NOMEM;
}

/* Loads credential id for sca.  Refusals: not_found, access_denied. */
static enum pp_err
sam_cred_load(struct pp_store *st, const char *sca, const char *id, struct sam_credential *k,
    struct sam_refuse *ref)
{
	struct pp_val b[1] = { PP_VAL_S(id) };
	enum pp_err rc;

	k->found = 0;
	ref->why = SAM_REFUSAL_NONE;
	ref->text = NULL;
	if ((rc = pp_store_exec(st, "SELECT " SAM_CRED_COLS " FROM credentials WHERE id = ?", b, 1,
	    sam_cred_row, k, NULL)) != PP_OK)
		return rc;
	if (!k->found) {
		ref->why = SAM_REFUSAL_NOT_FOUND;
		ref->text = "no credential with this id";
	} else if (sca != NULL && strcmp(k->sca, sca) != 0) {
		ref->why = SAM_REFUSAL_DENIED;
		ref->text = "the credential belongs to another SCA";
	}
	return PP_OK;
}

/* Hex text of a key id back to bytes. */
static int
sam_cred_unhex(const char *hex, unsigned char out[SAM_CRED_KEY_ID_BYTES])
{
	for (size_t i = 0; i < SAM_CRED_KEY_ID_BYTES; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (unsigned char)v;
	}
	return 1;
}

/* ------------------------------------------------------------------ ops */

static const struct sam_field sam_cred_create_fields[] = { {"sca", 1}, {"signatory", 1}, {"key_type", 1},
	{"ca", 0} };
static const struct sam_field sam_cred_cert_fields[] = { {"sca", 1}, {"credential", 1},
	{"certificate", 1}, {"chain", 0} };
static const struct sam_field sam_cred_list_fields[] = { {"sca", 1}, {"signatory", 1} };
static const struct sam_field sam_cred_one_fields[] = { {"sca", 1}, {"credential", 1} };

enum pp_err
sam_cred_op_ca(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const struct sam_cred *cr = ctx->data;
	struct sam_refuse ref;
	enum pp_err rc;

	(void)peer;
	if ((rc = sam_req_shape(req, NULL, 0, &ref)) != PP_OK)
		return rc;
	return sam_cred_add_b64(ans, "certificate", cr->ca_der, cr->ca_len);
}

/* Answers a refusal after recording it. */
static enum pp_err
sam_cred_refuse(struct pp_daemon_ctx *ctx, enum pp_audit_type type, json_object *req,
    const char *signatory, const char *credential, const struct sam_refuse *ref, json_object *ans)
{
	struct sam_cred_rec rec = { .type = type, .failure = 1, .sca = pp_json_get_str(req, "sca"),
		.signatory = signatory, .credential = credential, .cause = ref->text,
		.error = sam_refusal_code(ref->why), .op = pp_json_get_str(req, "op") };
	enum pp_err rc;

	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
		return rc;
	return sam_refuse_json(ref, ans);
}

/* The serial of a DER certificate as lower-case hex.  OUT serial. */
static enum pp_err
sam_cred_serial(const unsigned char *der, size_t len, char serial[SAM_CRED_SERIAL_MAX + 1])
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	BIGNUM *bn = NULL;
	char *hex = NULL;
	enum pp_err rc = PP_ERR_INTERNAL;

	if (x != NULL && (bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL &&
	    (hex = BN_bn2hex(bn)) != NULL && strlen(hex) <= SAM_CRED_SERIAL_MAX) {
		for (size_t i = 0; hex[i]; i++)
			serial[i] = (char)((hex[i] >= 'A' && hex[i] <= 'F') ? hex[i] - 'A' + 'a' : hex[i]);
		serial[strlen(hex)] = '\0';
		rc = PP_OK;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	X509_free(x);
	return rc;
}

/* Undoes a credential that did not become ACTIVE: every object of its
 * CKA_ID destroyed, the row DESTROYED, key.destroy recorded (best effort:
 * the operation is failing anyway). */
static void
sam_cred_undo(struct pp_daemon_ctx *ctx, const struct sam_credential *k, const unsigned char *kid,
    const char *sca, const char *why)
{
	struct sam_cred_rec rec = { .type = PP_AUDIT_KEY_DESTROY, .sca = sca, .signatory = k->signatory,
		.credential = k->id, .key_type = k->key_type, .cause = why };
	size_t count = 0;
	enum pp_err rc = pp_p11_destroy(ctx->p11, kid, SAM_CRED_KEY_ID_BYTES, &count);

	if (rc != PP_OK && rc != PP_ERR_NOT_FOUND) {
		pp_err_log("sam: credential %s: the objects of a failed creation could not be destroyed", k->id);
		rec.failure = 1;
	}
	if (sam_cred_set_state(ctx->store, k->id, "DESTROYED") != PP_OK)
		pp_err_log("sam: credential %s: could not be marked DESTROYED", k->id);
	if (count > 0 || rec.failure)
		(void)sam_cred_audit(ctx, &rec);
}

/*
 * External CA: the PKCS#10 request of credential k (its key, kid, already
 * generated and recorded), signed by that key in the token, recorded,
 * stored in the row, answered.  The row stays PENDING.  On failure the
 * credential is undone (as any half-made one).
 */
static enum pp_err
sam_cred_csr(struct pp_daemon_ctx *ctx, struct sam_credential *k, const unsigned char *kid,
    const struct sam_ca_subject *subj, struct sam_cred_rec *rec, json_object *ans)
{
	struct sam_cred_signer sg = { ctx->p11, kid, NULL };
	struct sam_ca_signer signer;
	unsigned char *der = NULL;
	size_t dlen = 0;
	struct pp_val b[3];
	enum pp_err rc;

	if ((rc = pp_p11_key_public(ctx->p11, kid, SAM_CRED_KEY_ID_BYTES, &sg.pub)) != PP_OK)
		goto fail;
	signer = (struct sam_ca_signer){ .pub = sg.pub, .fn = sam_cred_sign, .ctx = &sg };
	if ((rc = sam_ca_csr_make(&signer, subj, &der, &dlen)) != PP_OK || dlen > sizeof(k->csr)) {
		rc = rc != PP_OK ? rc : PP_ERR_INTERNAL;
		goto fail;
	}
	rec->type = PP_AUDIT_CREDENTIAL_CHANGE;
	rec->cause = "certificate request made for an external CA";
	if ((rc = sam_cred_audit(ctx, rec)) != PP_OK)
		goto fail;
	k->updated_ms = sam_now_ms();
	b[0] = (struct pp_val){ .type = PP_VAL_BLOB, .p = der, .len = dlen };
	b[1] = PP_VAL_I(k->updated_ms);
	b[2] = PP_VAL_S(k->id);
	if ((rc = pp_store_exec(ctx->store, "UPDATE credentials SET csr = ?, updated_ms = ? WHERE id = ?"
	    " AND state = 'PENDING'", b, 3, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	memcpy(k->csr, der, dlen);
	k->csr_len = dlen;
	rc = sam_cred_json(ctx->data, k, 1, ans, "credential");
	EVP_PKEY_free(sg.pub);
	pp_free(der);
	return rc;
fail:
	pp_err_log("sam: credential %s: certificate request not made or not stored: %s", k->id, pp_err_name(rc));
	sam_cred_undo(ctx, k, kid, k->sca, "certificate request not made or not stored");
	EVP_PKEY_free(sg.pub);
	pp_free(der);
	return rc;
}

/*
 * Makes credential k of signatory s for sca: the PENDING row, the key pair
 * in the token (key.generate recorded), then for the built-in CA the
 * certificate valid validity_s from now, bound to the key and recorded,
 * and the row ACTIVE; for an external CA the PKCS#10 request, answered in
 * ans (the row stays PENDING).  OUT *k.  On failure whatever was made is
 * undone (sam_cred_undo).
 */
static enum pp_err
sam_cred_make(struct pp_daemon_ctx *ctx, const char *sca, const struct sam_signatory *sp, enum pp_p11_keytype type,
    int external, int64_t validity_s, struct sam_credential *k, json_object *ans)
{
	struct sam_cred *cr = ctx->data;
	const char *sig = sp->id, *kt = sam_cred_key_type_name(type);
	struct pp_p11_objs objs;
	struct sam_ca_subject subj;
	struct sam_cred_rec rec;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES], rnd[SAM_CRED_ID_LEN / 2];
	char cn[2 * SAM_ENROL_NAME_MAX + 2];	/* fits SAM_ENROL_NAME_MAX: checked at enrolment */
	unsigned char *der = NULL;
	size_t dlen = 0;
	EVP_PKEY *pub = NULL;
	int64_t now;
	struct pp_val b[8];
	enum pp_err rc;

	memset(k, 0, sizeof(*k));
	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || RAND_bytes(kid, sizeof(kid)) != 1) {
		rc = PP_ERR_INTERNAL;
		goto out;
	}
	pp_hex(rnd, sizeof(rnd), k->id);
	pp_hex(kid, sizeof(kid), k->key_id);
	snprintf(k->signatory, sizeof(k->signatory), "%s", sig);
	snprintf(k->sca, sizeof(k->sca), "%s", sca);
	snprintf(k->key_type, sizeof(k->key_type), "%s", kt);
	snprintf(k->state, sizeof(k->state), "PENDING");
	k->external = external;
	now = sam_now_ms();
	k->created_ms = k->updated_ms = now;
	/* The row first: after a crash a PENDING row names the CKA_ID whose
	 * objects (if any) must be destroyed. */
	b[0] = PP_VAL_S(k->id);
	b[1] = PP_VAL_S(k->signatory);
	b[2] = PP_VAL_S(k->sca);
	b[3] = PP_VAL_S(k->key_type);
	b[4] = PP_VAL_S(k->key_id);
	b[5] = PP_VAL_I(now);
	b[6] = PP_VAL_I(now);
	b[7] = PP_VAL_S(external ? "external" : "builtin");
	if ((rc = pp_store_exec(ctx->store, "INSERT INTO credentials (id, signatory, sca, key_type, key_id,"
	    " state, created_ms, updated_ms, ca) VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)", b, 8, NULL, NULL,
	    NULL)) != PP_OK)
		goto out;

	memset(&rec, 0, sizeof(rec));
	rec.type = PP_AUDIT_KEY_GENERATE;
	rec.sca = sca;
	rec.signatory = sig;
	rec.credential = k->id;
	rec.key_type = kt;
	if ((rc = pp_p11_key_generate(ctx->p11, type, kid, sizeof(kid), k->id, &objs)) != PP_OK) {
		rec.failure = 1;
		rec.cause = "key generation failed in the HSM";
		(void)sam_cred_audit(ctx, &rec);
		sam_cred_undo(ctx, k, kid, sca, "key generation failed");
		goto out;
	}
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK) {
		sam_cred_undo(ctx, k, kid, sca, "key generation could not be recorded");
		goto out;
	}

	/* The certificate, by the CA key in the token, for exactly this key. */
	snprintf(cn, sizeof(cn), "%s %s", sp->given_name, sp->surname);
	subj = (struct sam_ca_subject){ .country = sp->country, .given_name = sp->given_name,
		.surname = sp->surname, .common_name = cn, .serial_number = sp->serial_number };
	if (external) {
		rc = sam_cred_csr(ctx, k, kid, &subj, &rec, ans);
		goto out;
	}
	k->not_before = now / 1000;
	k->not_after = k->not_before + validity_s;
	if ((rc = pp_p11_key_public(ctx->p11, kid, sizeof(kid), &pub)) != PP_OK ||
	    (rc = sam_ca_issue(cr->ca, pub, &subj, k->not_before, k->not_after, &der, &dlen)) != PP_OK ||
	    (rc = sam_ca_cert_matches_key(der, dlen, pub)) != PP_OK ||
	    (rc = sam_cred_serial(der, dlen, k->serial)) != PP_OK ||
	    (rc = pp_p11_cert_store(ctx->p11, kid, sizeof(kid), der, dlen)) != PP_OK) {
		pp_err_log("sam: credential %s: certificate not issued or not bound: %s", k->id, pp_err_name(rc));
		sam_cred_undo(ctx, k, kid, sca, "certificate not issued or not bound");
		goto out;
	}
	rec.type = PP_AUDIT_CREDENTIAL_CHANGE;
	rec.serial = k->serial;
	rec.cause = "certificate bound to the key";
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK) {
		sam_cred_undo(ctx, k, kid, sca, "certificate binding could not be recorded");
		goto out;
	}
	memcpy(k->cert, der, dlen);
	k->cert_len = dlen;
	snprintf(k->state, sizeof(k->state), "ACTIVE");
	k->updated_ms = sam_now_ms();
	b[0] = (struct pp_val){ .type = PP_VAL_BLOB, .p = der, .len = dlen };
	b[1] = PP_VAL_S(k->serial);
	b[2] = PP_VAL_I(k->not_before);
	b[3] = PP_VAL_I(k->not_after);
	b[4] = PP_VAL_I(k->updated_ms);
	b[5] = PP_VAL_S(k->id);
	if ((rc = pp_store_exec(ctx->store, "UPDATE credentials SET state = 'ACTIVE', certificate = ?,"
	    " serial = ?, not_before = ?, not_after = ?, updated_ms = ? WHERE id = ?", b, 6, NULL, NULL,
	    NULL)) != PP_OK) {
		sam_cred_undo(ctx, k, kid, sca, "the active credential could not be stored");
		goto out;
	}
	rc = PP_OK;
out:
	EVP_PKEY_free(pub);
	pp_free(der);
	return rc;
}

enum pp_err
sam_cred_op_create(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_cred *cr = ctx->data;
	const char *sca = pp_json_get_str(req, "sca"), *sig = pp_json_get_str(req, "signatory");
	const char *kt = pp_json_get_str(req, "key_type");
	struct sam_signatory s;
	int external = 0;
	struct sam_credential *k = NULL;
	struct sam_refuse ref;
	enum pp_p11_keytype type;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_cred_create_fields, SAM_N(sam_cred_create_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why != SAM_REFUSAL_NONE)
		goto refuse;
	if (sam_service_ceased()) {
		ref.why = SAM_REFUSAL_DENIED;
		ref.text = SAM_CEASED_TEXT;
		goto refuse;
	}
	ref.why = SAM_REFUSAL_INVALID;
	if (!sam_enrol_sca_ok(sca)) {
		ref.text = "sca: 1 to 256 bytes of UTF-8 without control characters";
		goto refuse;
	}
	if (!sam_enrol_id_ok(sig)) {
		ref.text = "signatory: 1 to 64 printable ASCII characters, no space";
		goto refuse;
	}
	if (sam_cred_key_type(kt, &type) != PP_OK) {
		ref.text = "key_type: one of rsa3072, rsa4096, ec-p256, ec-p384, ec-p521";
		goto refuse;
	}
	if (type == PP_P11_RSA2048) {
		ref.text = "key_type: one of rsa3072, rsa4096, ec-p256, ec-p384, ec-p521 (RSA 2048 is accepted only"
		    " for a legacy key imported with its certificate issued before 2025-12-31: credential.import)";
		goto refuse;
	}
	if (sam_algo_withdrawn_keys() & (1u << type)) {
		ref.text = SAM_WITHDRAWN_KEY_TEXT;
		goto refuse;
	}
	if (!(cr->allowed & (1u << type))) {
		ref.text = "key_type: this algorithm is withdrawn by the service (sam.key_types)";
		goto refuse;
	}
	if (sam_cred_ca_mode(pp_json_get_str(req, "ca"), &external) != PP_OK) {
		ref.text = "ca: builtin or external";
		goto refuse;
	}
	if (external && (cr->ext_ca_file == NULL || *cr->ext_ca_file == '\0')) {
		ref.text = "ca: this service trusts no external CA (sam.external_ca_file is not set)";
		goto refuse;
	}
	if ((rc = sam_enrol_get(ctx->store, sca, sig, &s, &ref)) != PP_OK)
		return rc;
	if (ref.why != SAM_REFUSAL_NONE)
		goto refuse;

	if ((k = pp_malloc(sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = sam_cred_make(ctx, sca, &s, type, external, cr->validity_s, k, ans)) != PP_OK || external)
		goto out;
	rc = sam_cred_json(cr, k, 1, ans, "credential");
out:
	pp_free(k);
	return rc;
refuse:
	return sam_cred_refuse(ctx, PP_AUDIT_KEY_GENERATE, req, sam_enrol_id_ok(sig) ? sig : NULL, NULL,
	    &ref, ans);
}

enum pp_err
sam_cred_make_builtin(struct pp_daemon_ctx *ctx, const char *sca, const char *signatory, const char *key_type,
    int64_t validity_s, char id[SAM_CRED_ID_LEN + 1], const char **why)
{
	struct sam_cred *cr = ctx->data;
	struct sam_credential *k;
	struct sam_signatory s;
	struct sam_refuse ref;
	enum pp_p11_keytype type;
	enum pp_err rc;

	*why = NULL;
	id[0] = '\0';
	/* A session opened before the cessation makes no key after it. */
	if (sam_service_ceased()) {
		*why = SAM_CEASED_TEXT;
		return PP_OK;
	}
	if (sam_cred_key_type(key_type, &type) != PP_OK || type == PP_P11_RSA2048) {
		*why = "key_type: one of rsa3072, rsa4096, ec-p256, ec-p384, ec-p521";
		return PP_OK;
	}
	if (sam_algo_withdrawn_keys() & (1u << type)) {
		*why = SAM_WITHDRAWN_KEY_TEXT;
		return PP_OK;
	}
	if (!(cr->allowed & (1u << type))) {
		*why = "key_type: this algorithm is withdrawn by the service (sam.key_types)";
		return PP_OK;
	}
	if ((rc = sam_enrol_get(ctx->store, sca, signatory, &s, &ref)) != PP_OK)
		return rc;
	if (ref.why != SAM_REFUSAL_NONE) {
		*why = "signatory: not a signatory of this client";
		return PP_OK;
	}
	if ((k = pp_malloc(sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = sam_cred_make(ctx, sca, &s, type, 0, validity_s, k, NULL)) == PP_OK)
		memcpy(id, k->id, SAM_CRED_ID_LEN + 1);
	pp_free(k);
	return rc;
}

/*
 * Ends credential k (loaded): ACTIVE -> REVOKED, or with abandon PENDING ->
 * DESTROYED, the destruction owed in the same transaction; for a staff
 * order (who) credential.change records the new state; then the key
 * objects are destroyed, key.destroy recorded (actor: who, else the SAM)
 * and the debt paid.  OUT *count: objects destroyed.  A token or audit
 * failure is returned; the destruction stays owed (the next sweep).
 */
static enum pp_err
sam_cred_end_loaded(struct pp_daemon_ctx *ctx, struct sam_credential *k, const struct sam_cred_actor *who,
    const char *cause, size_t *count)
{
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	const char *to = strcmp(k->state, "PENDING") == 0 ? "DESTROYED" : "REVOKED";
	enum pp_err rc, drc;

	*count = 0;
	if (!sam_cred_unhex(k->key_id, kid))
		return PP_ERR_DB;
	/* Unusable first (the destruction owed), then destroyed, recorded. */
	if ((rc = sam_cred_close(ctx->store, k->id, k->key_id, to, cause)) != PP_OK)
		return rc;
	snprintf(k->state, sizeof(k->state), "%s", to);
	k->updated_ms = sam_now_ms();
	struct sam_cred_rec rec = { .type = PP_AUDIT_CREDENTIAL_CHANGE, .actor_kind_system = SAM_CRED_PROG,
		.staff = who, .sca = k->sca, .signatory = k->signatory, .credential = k->id, .key_type = k->key_type,
		.serial = k->serial, .cause = cause, .state = to };
	if (who != NULL && (rc = sam_cred_audit(ctx, &rec)) != PP_OK)
		return rc;
	drc = pp_p11_destroy(ctx->p11, kid, sizeof(kid), count);
	rec.type = PP_AUDIT_KEY_DESTROY;
	rec.state = NULL;
	if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
		rec.failure = 1;
		rec.cause = "the key could not be destroyed (owed: the next sweep retries)";
	}
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
		return rc;
	if (drc != PP_OK && drc != PP_ERR_NOT_FOUND)
		return drc;
	if ((rc = sam_cred_paid(ctx->store, k->id)) == PP_OK)
		pp_info_log("sam: credential %s ended (%s): %zu object(s) destroyed", k->id, cause, *count);
	return rc;
}

enum pp_err
sam_cred_retire(struct pp_daemon_ctx *ctx, const char *id, const char *cause)
{
	struct sam_credential *k;
	struct sam_refuse ref;
	size_t count = 0;
	enum pp_err rc;

	if ((k = pp_malloc(sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	k->found = 0;
	if ((rc = sam_cred_load(ctx->store, NULL, id, k, &ref)) == PP_OK && k->found &&
	    strcmp(k->state, "ACTIVE") == 0)
		rc = sam_cred_end_loaded(ctx, k, NULL, cause, &count);
	pp_free(k);
	return rc;
}

enum pp_err
sam_cred_end(struct pp_daemon_ctx *ctx, const char *id, const struct sam_cred_actor *who, const char *cause,
    struct sam_cred_ended *out)
{
	struct sam_credential *k;
	struct sam_refuse ref;
	enum pp_err rc;

	memset(out, 0, sizeof(*out));
	if ((k = pp_malloc(sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	k->found = 0;
	if ((rc = sam_cred_load(ctx->store, NULL, id, k, &ref)) != PP_OK || !k->found)
		goto out;
	out->found = 1;
	snprintf(out->was, sizeof(out->was), "%s", k->state);
	snprintf(out->signatory, sizeof(out->signatory), "%s", k->signatory);
	if (strcmp(k->state, "ACTIVE") == 0 || strcmp(k->state, "PENDING") == 0)
		rc = sam_cred_end_loaded(ctx, k, who, cause, &out->objects);
	snprintf(out->state, sizeof(out->state), "%s", k->state);
out:
	pp_free(k);
	return rc;
}

/* The certificate's subject (RFC 2253) into dst; "" when none. */
static void
sam_cred_subject(const struct sam_credential *k, char *dst, size_t cap)
{
	const unsigned char *p = k->cert;
	X509 *x = k->cert_len ? d2i_X509(NULL, &p, (long)k->cert_len) : NULL;
	BIO *b = NULL;
	int n;

	dst[0] = '\0';
	if (x != NULL && (b = BIO_new(BIO_s_mem())) != NULL &&
	    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_read(b, dst, (int)cap - 1)) > 0)
		dst[n] = '\0';
	BIO_free(b);
	X509_free(x);
}

struct sam_cred_found {
	const struct sam_cred *cr;
	json_object *arr;
	struct sam_credential *k;
};

static enum pp_err
sam_cred_found_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_cred_found *l = arg;
	char subject[SAM_CA_DER_MAX < 1024 ? SAM_CA_DER_MAX : 1024], status[sizeof(l->k->state)] = "";
	json_object *o;
	enum pp_err rc;

	if (n != 16 || c[15].type != PP_VAL_INT)
		return PP_ERR_DB;
	if ((rc = sam_cred_row(l->k, c, 15)) != PP_OK || (rc = sam_cred_json(l->cr, l->k, 0, l->arr, NULL)) != PP_OK)
		return rc;
	o = json_object_array_get_idx(l->arr, json_object_array_length(l->arr) - 1);
	sam_cred_subject(l->k, subject, sizeof(subject));
	/* "status": the state in the words of the staff's filter ("active"). */
	for (size_t i = 0; i < sizeof(status) - 1 && l->k->state[i]; i++)
		status[i] = (char)(l->k->state[i] >= 'A' && l->k->state[i] <= 'Z' ? l->k->state[i] - 'A' + 'a' :
		    l->k->state[i]);
	if (pp_json_add_str(o, "status", status) != PP_OK || pp_json_add_str(o, "sca", l->k->sca) != PP_OK ||
	    (*subject && pp_json_add_str(o, "subject", subject) != PP_OK) ||
	    pp_json_add_bool(o, "ephemeral", c[15].i != 0) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static enum pp_err
sam_cred_count_one(void *arg, const struct pp_val *c, size_t n)
{
	if (n != 1 || c[0].type != PP_VAL_INT)
		return PP_ERR_DB;
	*(int64_t *)arg = c[0].i;
	return PP_OK;
}

#define SAM_CRED_FILTER " FROM credentials WHERE (?1 IS NULL OR sca = ?1) AND (?2 IS NULL OR signatory = ?2)" \
	" AND (?3 IS NULL OR key_type = ?3) AND (?4 IS NULL OR state IN (?4, ?5, ?6))"

enum pp_err
sam_cred_search(struct pp_daemon_ctx *ctx, const struct sam_cred_filter *f, json_object *arr, int64_t *total)
{
	struct sam_cred_found l = { ctx->data, arr, NULL };
	struct pp_val b[8];
	enum pp_err rc;

	*total = 0;
	b[0] = f->sca ? PP_VAL_S(f->sca) : (struct pp_val){ .type = PP_VAL_NULL };
	b[1] = f->signatory ? PP_VAL_S(f->signatory) : (struct pp_val){ .type = PP_VAL_NULL };
	b[2] = f->key_type ? PP_VAL_S(f->key_type) : (struct pp_val){ .type = PP_VAL_NULL };
	for (int i = 0; i < 3; i++)
		b[3 + i] = f->states[i] ? PP_VAL_S(f->states[i]) :
		    f->states[0] ? PP_VAL_S(f->states[0]) : (struct pp_val){ .type = PP_VAL_NULL };
	b[6] = PP_VAL_I(f->limit);
	b[7] = PP_VAL_I(f->offset);
	if ((rc = pp_store_exec(ctx->store, "SELECT count(*)" SAM_CRED_FILTER, b, 6, sam_cred_count_one, total,
	    NULL)) != PP_OK)
		return rc;
	if ((l.k = pp_malloc(sizeof(*l.k))) == NULL)
		return PP_ERR_NOMEM;
	rc = pp_store_exec(ctx->store, "SELECT " SAM_CRED_COLS ", EXISTS (SELECT 1 FROM authz"
	    " WHERE authz.mode = 'ephemeral' AND authz.credential = credentials.id)" SAM_CRED_FILTER
	    " ORDER BY created_ms, id LIMIT ?7 OFFSET ?8", b, 8, sam_cred_found_row, &l, NULL);
	pp_free(l.k);
	return rc;
}

void
sam_cred_withdraw(struct pp_daemon_ctx *ctx, enum pp_p11_keytype t)
{
	struct sam_cred *cr = ctx->data;

	if (cr != NULL && t < PP_P11_KEYTYPE__MAX)
		cr->allowed &= ~(1u << t);
}

struct sam_cred_list {
	const struct sam_cred *cr;
	json_object *arr;
	struct sam_credential *k;
};

static enum pp_err
sam_cred_list_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_cred_list *l = arg;
	enum pp_err rc;

	if ((rc = sam_cred_row(l->k, c, n)) != PP_OK)
		return rc;
	return sam_cred_json(l->cr, l->k, 0, l->arr, NULL);
}

enum pp_err
sam_cred_op_list(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *sig = pp_json_get_str(req, "signatory");
	struct sam_signatory s;
	struct sam_refuse ref;
	struct sam_cred_list l = { ctx->data, NULL, NULL };
	struct pp_val b[2];
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_cred_list_fields, SAM_N(sam_cred_list_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE && (!sam_enrol_sca_ok(sca) || !sam_enrol_id_ok(sig))) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = "sca and signatory: the SCA identity and a signatory id";
	}
	if (ref.why == SAM_REFUSAL_NONE && (rc = sam_enrol_get(ctx->store, sca, sig, &s, &ref)) != PP_OK)
		return rc;
	if (ref.why != SAM_REFUSAL_NONE)
		return sam_cred_refuse(ctx, PP_AUDIT_CREDENTIAL_CHANGE, req, sig, NULL, &ref, ans);
	if ((l.arr = json_object_new_array()) == NULL || (l.k = pp_malloc(sizeof(*l.k))) == NULL) {
		json_object_put(l.arr);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(ans, "credentials", l.arr);
	b[0] = PP_VAL_S(sig);
	b[1] = PP_VAL_S(sca);
	rc = pp_store_exec(ctx->store, "SELECT " SAM_CRED_COLS " FROM credentials WHERE signatory = ?"
	    " AND sca = ? ORDER BY created_ms, id", b, 2, sam_cred_list_row, &l, NULL);
	pp_free(l.k);
	return rc;
}

enum pp_err
sam_cred_op_info(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *id = pp_json_get_str(req, "credential");
	struct sam_credential *k;
	struct sam_refuse ref;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_cred_one_fields, SAM_N(sam_cred_one_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE && (!sam_enrol_sca_ok(sca) || !sam_cred_id_ok(id))) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = "sca and credential: the SCA identity and a credential id (32 hex digits)";
	}
	if ((k = pp_malloc(sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	if (ref.why == SAM_REFUSAL_NONE && (rc = sam_cred_load(ctx->store, sca, id, k, &ref)) != PP_OK)
		goto out;
	if (ref.why != SAM_REFUSAL_NONE)
		rc = sam_cred_refuse(ctx, PP_AUDIT_CREDENTIAL_CHANGE, req, NULL, id, &ref, ans);
	else
		rc = sam_cred_json(ctx->data, k, 1, ans, "credential");
out:
	pp_free(k);
	return rc;
}

enum pp_err
sam_cred_op_revoke(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const char *sca = pp_json_get_str(req, "sca"), *id = pp_json_get_str(req, "credential");
	struct sam_credential *k;
	struct sam_refuse ref;
	struct sam_cred_rec rec;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	size_t count = 0;
	int pending;
	enum pp_err rc, drc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_cred_one_fields, SAM_N(sam_cred_one_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE && (!sam_enrol_sca_ok(sca) || !sam_cred_id_ok(id))) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = "sca and credential: the SCA identity and a credential id (32 hex digits)";
	}
	if ((k = pp_malloc(sizeof(*k))) == NULL)
		return PP_ERR_NOMEM;
	k->found = 0;
	if (ref.why == SAM_REFUSAL_NONE && (rc = sam_cred_load(ctx->store, sca, id, k, &ref)) != PP_OK)
		goto out;
	/* PENDING: waiting for its external CA's certificate; revoking it
	 * abandons it (its key destroyed, the row DESTROYED). */
	pending = ref.why == SAM_REFUSAL_NONE && strcmp(k->state, "PENDING") == 0;
	if (ref.why == SAM_REFUSAL_NONE && !pending && strcmp(k->state, "ACTIVE") != 0) {
		ref.why = SAM_REFUSAL_CONFLICT;
		ref.text = "the credential is not active";
	}
	if (ref.why != SAM_REFUSAL_NONE) {
		rc = sam_cred_refuse(ctx, PP_AUDIT_KEY_DESTROY, req, k->found ? k->signatory : NULL, id, &ref, ans);
		goto out;
	}
	if (!sam_cred_unhex(k->key_id, kid)) {
		rc = PP_ERR_DB;
		goto out;
	}
	/* Unusable first (the destruction owed), then destroyed. */
	if ((rc = sam_cred_close(ctx->store, k->id, k->key_id, pending ? "DESTROYED" : "REVOKED",
	    pending ? "pending credential abandoned" : "credential revoked")) != PP_OK)
		goto out;
	snprintf(k->state, sizeof(k->state), pending ? "DESTROYED" : "REVOKED");
	k->updated_ms = sam_now_ms();
	drc = pp_p11_destroy(ctx->p11, kid, sizeof(kid), &count);
	memset(&rec, 0, sizeof(rec));
	rec.type = PP_AUDIT_KEY_DESTROY;
	rec.sca = sca;
	rec.signatory = k->signatory;
	rec.credential = k->id;
	rec.key_type = k->key_type;
	rec.serial = k->serial;
	rec.cause = pending ? "pending credential abandoned (revoked before its certificate)" :
	    "credential revoked";
	if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
		rec.failure = 1;
		rec.cause = "credential revoked; the key could not be destroyed";
	}
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
		goto out;
	if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
		rc = drc;
		goto out;
	}
	if ((rc = sam_cred_paid(ctx->store, k->id)) != PP_OK)
		goto out;
	rc = sam_cred_json(ctx->data, k, 1, ans, "credential");
out:
	pp_free(k);
	return rc;
}

/* ------------------------------------------------------------------ external CA: the certificate */

/* The refusal of an upload: what sam_ca_check_external found, as a text
 * the PKI can act on (static). */
static const char *const sam_cred_verdict_refusal[SAM_CA_VERDICT__MAX] = {
	[SAM_CA_MALFORMED] = "certificate: not a well-formed DER X.509 v3 certificate",
	[SAM_CA_KEY_MISMATCH] = "certificate: its public key is not the credential's key (not the key of the CSR)",
	[SAM_CA_KEY_TYPE] = "certificate: its key is neither RSA nor EC",
	[SAM_CA_KEY_WEAK] = "certificate: RSA key too short (3072 bits required; 2048 only for certificates valid from before 2025-12-31)",
	[SAM_CA_CURVE] = "certificate: EC curve not accepted (P-256, P-384 or P-521 only)",
	[SAM_CA_SIG_ALG] = "certificate: signature algorithm not accepted (SHA-256, SHA-384 or SHA-512 only)",
	[SAM_CA_IS_CA] = "certificate: it is a CA certificate",
	[SAM_CA_KEY_USAGE] = "certificate: keyUsage absent or without nonRepudiation",
	[SAM_CA_NOT_YET_VALID] = "certificate: not valid yet",
	[SAM_CA_EXPIRED] = "certificate: expired",
	[SAM_CA_UNTRUSTED] = "certificate: does not chain to a CA this service trusts (sam.external_ca_file)",
};

/* The certificate store in the token, tolerating the same certificate
 * left there by an upload whose recording or commit failed. */
static enum pp_err
sam_cred_cert_bind(struct pp_p11 *p11, const unsigned char *kid, const unsigned char *der, size_t len)
{
	unsigned char *have = NULL;
	size_t hlen = 0;
	enum pp_err rc = pp_p11_cert_store(p11, kid, SAM_CRED_KEY_ID_BYTES, der, len);

	if (rc != PP_ERR_BAD_REQUEST)
		return rc;
	if (pp_p11_cert_load(p11, kid, SAM_CRED_KEY_ID_BYTES, &have, &hlen) == PP_OK && hlen == len &&
	    memcmp(have, der, len) == 0)
		rc = PP_OK;
	pp_free(have);
	return rc;
}

enum pp_err
sam_cred_op_certificate(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const struct sam_cred *cr = ctx->data;
	const char *sca = pp_json_get_str(req, "sca"), *id = pp_json_get_str(req, "credential");
	const char *chain = pp_json_get_str(req, "chain");
	struct sam_credential *k;
	struct sam_refuse ref;
	struct sam_cred_rec rec;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	unsigned char *der = NULL, *cdr = NULL;
	size_t dlen = 0, clen = 0, ccount = 0;
	enum sam_ca_verdict verdict = SAM_CA_MALFORMED;
	EVP_PKEY *pub = NULL;
	int64_t now = sam_now_ms();
	struct pp_val b[7];
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_cred_cert_fields, SAM_N(sam_cred_cert_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE && (!sam_enrol_sca_ok(sca) || !sam_cred_id_ok(id))) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = "sca and credential: the SCA identity and a credential id (32 hex digits)";
	}
	if ((k = pp_malloc(sizeof(*k))) == NULL || (der = pp_malloc(SAM_CA_DER_MAX)) == NULL ||
	    (cdr = pp_malloc(SAM_CRED_CHAIN_MAX)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	k->found = 0;
	if (ref.why == SAM_REFUSAL_NONE && (rc = sam_cred_load(ctx->store, sca, id, k, &ref)) != PP_OK)
		goto out;
	if (ref.why == SAM_REFUSAL_NONE && (!k->external || strcmp(k->state, "PENDING") != 0 ||
	    k->csr_len == 0)) {
		ref.why = SAM_REFUSAL_CONFLICT;
		ref.text = "the credential is not waiting for a certificate (only a PENDING credential of an external CA is)";
	}
	if (ref.why == SAM_REFUSAL_NONE &&
	    sam_cred_cert_decode(pp_json_get_str(req, "certificate"), der, SAM_CA_DER_MAX, &dlen) != PP_OK) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = "certificate: one X.509 certificate, PEM or the base64 of its DER";
	}
	if (ref.why == SAM_REFUSAL_NONE && chain != NULL &&
	    sam_cred_chain_decode(chain, cdr, SAM_CRED_CHAIN_MAX, &clen, &ccount) != PP_OK) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = "chain: 1 to 4 PEM certificates (the issuing CA first), 8 KiB of DER at most";
	}
	if (ref.why != SAM_REFUSAL_NONE)
		goto refuse;
	if (!sam_cred_unhex(k->key_id, kid)) {
		rc = PP_ERR_DB;
		goto out;
	}
	/* The key is the token's, never the certificate's word for it. */
	if ((rc = pp_p11_key_public(ctx->p11, kid, sizeof(kid), &pub)) != PP_OK) {
		pp_err_log("sam: credential %s: its key is not in the token: %s", k->id, pp_err_name(rc));
		goto out;
	}
	if ((rc = sam_ca_check_external(der, dlen, pub, cr->ext_ca_file, now / 1000, &verdict, NULL)) != PP_OK) {
		pp_err_log("sam: credential %s: the uploaded certificate could not be checked (sam.external_ca_file)",
		    k->id);
		goto out;
	}
	if (verdict != SAM_CA_ACCEPTED) {
		ref.why = SAM_REFUSAL_INVALID;
		ref.text = (unsigned)verdict < SAM_CA_VERDICT__MAX && sam_cred_verdict_refusal[verdict] ?
		    sam_cred_verdict_refusal[verdict] : "certificate: refused";
		goto refuse;
	}
	if ((rc = sam_ca_cert_facts(der, dlen, &k->not_before, &k->not_after, k->serial,
	    sizeof(k->serial))) != PP_OK) {
		rc = PP_ERR_INTERNAL;
		goto out;
	}
	/* Bound in the token, recorded, then usable. */
	if ((rc = sam_cred_cert_bind(ctx->p11, kid, der, dlen)) != PP_OK) {
		pp_err_log("sam: credential %s: the certificate could not be stored in the token: %s", k->id,
		    pp_err_name(rc));
		goto out;
	}
	memset(&rec, 0, sizeof(rec));
	rec.type = PP_AUDIT_CREDENTIAL_CHANGE;
	rec.sca = sca;
	rec.signatory = k->signatory;
	rec.credential = k->id;
	rec.key_type = k->key_type;
	rec.serial = k->serial;
	rec.cause = "certificate of the external CA bound to the key";
	rec.op = pp_json_get_str(req, "op");
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
		goto out;
	k->updated_ms = sam_now_ms();
	b[0] = (struct pp_val){ .type = PP_VAL_BLOB, .p = der, .len = dlen };
	b[1] = clen ? (struct pp_val){ .type = PP_VAL_BLOB, .p = cdr, .len = clen } :
	    (struct pp_val){ .type = PP_VAL_NULL };
	b[2] = PP_VAL_S(k->serial);
	b[3] = PP_VAL_I(k->not_before);
	b[4] = PP_VAL_I(k->not_after);
	b[5] = PP_VAL_I(k->updated_ms);
	b[6] = PP_VAL_S(k->id);
	if ((rc = pp_store_exec(ctx->store, "UPDATE credentials SET state = 'ACTIVE', certificate = ?,"
	    " chain = ?, serial = ?, not_before = ?, not_after = ?, updated_ms = ? WHERE id = ?"
	    " AND state = 'PENDING'", b, 7, NULL, NULL, NULL)) != PP_OK)
		goto out;
	memcpy(k->cert, der, dlen);
	k->cert_len = dlen;
	memcpy(k->chain, cdr, clen);
	k->chain_len = clen;
	snprintf(k->state, sizeof(k->state), "ACTIVE");
	rc = sam_cred_json(cr, k, 1, ans, "credential");
	goto out;
refuse:
	rc = sam_cred_refuse(ctx, PP_AUDIT_CREDENTIAL_CHANGE, req, k->found ? k->signatory : NULL, id, &ref, ans);
out:
	EVP_PKEY_free(pub);
	pp_free(cdr);
	pp_free(der);
	pp_free(k);
	return rc;
}

/* ------------------------------------------------------------------ legacy import */

static const struct sam_field sam_cred_import_fields[] = { {"sca", 1}, {"signatory", 1}, {"key_id", 1},
	{"certificate", 1}, {"chain", 0} };

/* A CKA_ID as given: SAM_CRED_KEY_ID_BYTES bytes in hex, either case.
 * OUT kid, hex (lower case, as the rows hold it). */
static int
sam_cred_key_id_parse(const char *s, unsigned char kid[SAM_CRED_KEY_ID_BYTES],
    char hex[2 * SAM_CRED_KEY_ID_BYTES + 1])
{
	if (s == NULL || strspn(s, "0123456789abcdefABCDEF") != 2 * SAM_CRED_KEY_ID_BYTES ||
	    s[2 * SAM_CRED_KEY_ID_BYTES] != '\0' || !sam_cred_unhex(s, kid))
		return 0;
	pp_hex(kid, SAM_CRED_KEY_ID_BYTES, hex);
	return 1;
}

static enum pp_err
sam_cred_count_row(void *arg, const struct pp_val *c, size_t n)
{
	int64_t *count = arg;

	if (n != 1 || c[0].type != PP_VAL_INT)
		return PP_ERR_DB;
	*count = c[0].i;
	return PP_OK;
}

enum pp_err
sam_cred_op_import(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	const struct sam_cred *cr = ctx->data;
	const char *sca = pp_json_get_str(req, "sca"), *sig = pp_json_get_str(req, "signatory");
	const char *chain = pp_json_get_str(req, "chain");
	struct sam_signatory s;
	struct sam_credential *k = NULL;
	struct sam_refuse ref;
	struct sam_cred_rec rec;
	struct pp_p11_key_attrs attrs;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES], rnd[SAM_CRED_ID_LEN / 2];
	char hex[2 * SAM_CRED_KEY_ID_BYTES + 1];
	unsigned char *der = NULL, *cdr = NULL;
	size_t dlen = 0, clen = 0, ccount = 0;
	enum sam_ca_verdict verdict = SAM_CA_MALFORMED;
	enum pp_p11_keytype type;
	EVP_PKEY *pub = NULL;
	const unsigned char *p;
	X509 *x = NULL;
	int64_t now = sam_now_ms(), used = 0;
	struct pp_val b[12];
	enum pp_err rc;
	int refused, legacy = 0;

	(void)peer;
	memset(&attrs, 0, sizeof(attrs));
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_req_shape(req, sam_cred_import_fields, SAM_N(sam_cred_import_fields), &ref)) != PP_OK)
		return rc;
	if ((k = pp_malloc(sizeof(*k))) == NULL || (der = pp_malloc(SAM_CA_DER_MAX)) == NULL ||
	    (cdr = pp_malloc(SAM_CRED_CHAIN_MAX)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	memset(k, 0, sizeof(*k));
	if (ref.why != SAM_REFUSAL_NONE)
		goto refuse;
	/* No credential of any kind once the service has ceased (SEC-7). */
	if (sam_service_ceased()) {
		ref.why = SAM_REFUSAL_DENIED;
		ref.text = SAM_CEASED_TEXT;
		goto refuse;
	}
	ref.why = SAM_REFUSAL_INVALID;
	if (!sam_enrol_sca_ok(sca)) {
		ref.text = "sca: 1 to 256 bytes of UTF-8 without control characters";
		goto refuse;
	}
	if (!sam_enrol_id_ok(sig)) {
		ref.text = "signatory: 1 to 64 printable ASCII characters, no space";
		goto refuse;
	}
	if (!sam_cred_key_id_parse(pp_json_get_str(req, "key_id"), kid, hex)) {
		ref.text = "key_id: the key's CKA_ID in the token, 16 bytes as 32 hex digits";
		goto refuse;
	}
	if (cr->ext_ca_file == NULL || *cr->ext_ca_file == '\0') {
		ref.text = "this service trusts no external CA (sam.external_ca_file is not set)";
		goto refuse;
	}
	if (sam_cred_cert_decode(pp_json_get_str(req, "certificate"), der, SAM_CA_DER_MAX, &dlen) != PP_OK) {
		ref.text = "certificate: one X.509 certificate, PEM or the base64 of its DER";
		goto refuse;
	}
	if (chain != NULL && sam_cred_chain_decode(chain, cdr, SAM_CRED_CHAIN_MAX, &clen, &ccount) != PP_OK) {
		ref.text = "chain: 1 to 4 PEM certificates (the issuing CA first), 8 KiB of DER at most";
		goto refuse;
	}
	if ((rc = sam_enrol_get(ctx->store, sca, sig, &s, &ref)) != PP_OK)
		goto out;
	if (ref.why != SAM_REFUSAL_NONE)
		goto refuse;
	/* A key that is already a credential's, or the built-in CA's. */
	b[0] = PP_VAL_S(hex);
	b[1] = PP_VAL_S(hex);
	if ((rc = pp_store_exec(ctx->store, "SELECT (SELECT count(*) FROM credentials WHERE key_id = ?)"
	    " + (SELECT count(*) FROM ca WHERE key_id = ?)", b, 2, sam_cred_count_row, &used, NULL)) != PP_OK)
		goto out;
	if (used != 0) {
		ref.why = SAM_REFUSAL_CONFLICT;
		ref.text = "key_id: this key is already in use by the service";
		goto refuse;
	}
	rc = pp_p11_key_attrs(ctx->p11, kid, sizeof(kid), &attrs);
	if (rc == PP_ERR_NOT_FOUND) {
		ref.text = "key_id: no private key with this CKA_ID in the token";
		goto refuse;
	}
	if (rc != PP_OK) {
		pp_err_log("sam: key %s: its attributes could not be read: %s", hex, pp_err_name(rc));
		goto out;
	}
	if (sam_ca_cert_facts(der, dlen, &k->not_before, &k->not_after, k->serial, sizeof(k->serial)) != PP_OK) {
		ref.text = sam_cred_verdict_refusal[SAM_CA_MALFORMED];
		goto refuse;
	}
	sam_cred_import_check(&attrs, k->not_before, sam_cred_key_types_in_force(cr->allowed), &type, &ref.text);
	if (ref.text != NULL)
		goto refuse;
	/* The key is the token's, never the certificate's word for it: the
	 * public key object, and for RSA what the private key itself names. */
	rc = pp_p11_key_public(ctx->p11, kid, sizeof(kid), &pub);
	if (rc == PP_ERR_NOT_FOUND && attrs.rsa_pub != NULL) {
		pub = attrs.rsa_pub;
		attrs.rsa_pub = NULL;
	} else if (rc == PP_ERR_NOT_FOUND) {
		ref.text = "key_id: no public key object with this CKA_ID in the token (an EC key needs one)";
		goto refuse;
	} else if (rc != PP_OK) {
		pp_err_log("sam: key %s: its public key could not be read: %s", hex, pp_err_name(rc));
		goto out;
	}
	p = der;
	if (attrs.rsa_pub != NULL && ((x = d2i_X509(NULL, &p, (long)dlen)) == NULL ||
	    X509_get0_pubkey(x) == NULL || EVP_PKEY_eq(X509_get0_pubkey(x), attrs.rsa_pub) != 1)) {
		ref.text = "certificate: its public key is not the key of this CKA_ID";
		goto refuse;
	}
	if ((rc = sam_ca_check_external(der, dlen, pub, cr->ext_ca_file, now / 1000, &verdict, &legacy)) != PP_OK) {
		pp_err_log("sam: key %s: the certificate could not be checked (sam.external_ca_file)", hex);
		goto out;
	}
	if (verdict == SAM_CA_KEY_MISMATCH) {
		ref.text = "certificate: its public key is not the key of this CKA_ID";
		goto refuse;
	}
	if (verdict != SAM_CA_ACCEPTED) {
		ref.text = (unsigned)verdict < SAM_CA_VERDICT__MAX && sam_cred_verdict_refusal[verdict] ?
		    sam_cred_verdict_refusal[verdict] : "certificate: refused";
		goto refuse;
	}
	/* The two checks of RSA 2048 agree (sam_ca's rule is the same date). */
	if ((type == PP_P11_RSA2048) != (legacy != 0)) {
		rc = PP_ERR_INTERNAL;
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		rc = PP_ERR_INTERNAL;
		goto out;
	}
	pp_hex(rnd, sizeof(rnd), k->id);
	snprintf(k->key_id, sizeof(k->key_id), "%s", hex);
	snprintf(k->signatory, sizeof(k->signatory), "%s", sig);
	snprintf(k->sca, sizeof(k->sca), "%s", sca);
	snprintf(k->key_type, sizeof(k->key_type), "%s", sam_cred_key_type_name(type));
	snprintf(k->state, sizeof(k->state), "ACTIVE");
	k->external = 1;
	/* Bound in the token (the certificate a previous attempt left there
	 * is the same one), recorded, then usable. */
	if ((rc = sam_cred_cert_bind(ctx->p11, kid, der, dlen)) == PP_ERR_BAD_REQUEST) {
		ref.why = SAM_REFUSAL_CONFLICT;
		ref.text = "key_id: the token holds another certificate for this key";
		goto refuse;
	}
	if (rc != PP_OK) {
		pp_err_log("sam: key %s: the certificate could not be stored in the token: %s", hex, pp_err_name(rc));
		goto out;
	}
	memset(&rec, 0, sizeof(rec));
	rec.type = PP_AUDIT_CREDENTIAL_CHANGE;
	rec.sca = sca;
	rec.signatory = sig;
	rec.credential = k->id;
	rec.key_type = k->key_type;
	rec.serial = k->serial;
	rec.cause = "legacy import";
	rec.op = pp_json_get_str(req, "op");
	if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
		goto out;
	k->created_ms = k->updated_ms = sam_now_ms();
	b[0] = PP_VAL_S(k->id);
	b[1] = PP_VAL_S(k->signatory);
	b[2] = PP_VAL_S(k->sca);
	b[3] = PP_VAL_S(k->key_type);
	b[4] = PP_VAL_S(k->key_id);
	b[5] = (struct pp_val){ .type = PP_VAL_BLOB, .p = der, .len = dlen };
	b[6] = clen ? (struct pp_val){ .type = PP_VAL_BLOB, .p = cdr, .len = clen } :
	    (struct pp_val){ .type = PP_VAL_NULL };
	b[7] = PP_VAL_S(k->serial);
	b[8] = PP_VAL_I(k->not_before);
	b[9] = PP_VAL_I(k->not_after);
	b[10] = PP_VAL_I(k->created_ms);
	b[11] = PP_VAL_I(k->updated_ms);
	if ((rc = pp_store_exec(ctx->store, "INSERT INTO credentials (id, signatory, sca, key_type, key_id, state,"
	    " certificate, chain, serial, not_before, not_after, created_ms, updated_ms, ca)"
	    " VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, 'external')", b, 12, NULL, NULL, NULL)) != PP_OK) {
		/* Recorded but not stored: the certificate stays in the token
		 * and the same import can be sent again. */
		pp_err_log("sam: key %s: imported but not stored: %s", hex, pp_err_name(rc));
		rec.failure = 1;
		rec.cause = "legacy import: the credential could not be stored";
		(void)sam_cred_audit(ctx, &rec);
		goto out;
	}
	pp_info_log("sam: credential %s imported (%s, key id %s, certificate %s)", k->id, k->key_type, hex, k->serial);
	memcpy(k->cert, der, dlen);
	k->cert_len = dlen;
	memcpy(k->chain, cdr, clen);
	k->chain_len = clen;
	rc = sam_cred_json(cr, k, 1, ans, "credential");
	goto out;
refuse:
	if (ref.why == SAM_REFUSAL_NONE)
		ref.why = SAM_REFUSAL_INVALID;
	rc = sam_cred_refuse(ctx, PP_AUDIT_CREDENTIAL_CHANGE, req, sam_enrol_id_ok(sig) ? sig : NULL, NULL, &ref, ans);
out:
	X509_free(x);
	EVP_PKEY_free(attrs.rsa_pub);
	EVP_PKEY_free(pub);
	pp_free(cdr);
	pp_free(der);
	pp_free(k);
	return rc;
}

/* ------------------------------------------------------------------ expiry */

struct sam_cred_expired {
	char id[SAM_CRED_ID_LEN + 1];
	char key_id[2 * SAM_CRED_KEY_ID_BYTES + 1];
	char signatory[SAM_ENROL_ID_MAX + 1];
	char sca[SAM_ENROL_SCA_MAX + 1];
	char key_type[8];
	char serial[SAM_CRED_SERIAL_MAX + 1];
	int found;
};

static enum pp_err
sam_cred_expired_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_cred_expired *e = arg;

	if (n != 6 || sam_cred_text(&c[0], e->id, sizeof(e->id)) != PP_OK ||
	    sam_cred_text(&c[1], e->key_id, sizeof(e->key_id)) != PP_OK ||
	    sam_cred_text(&c[2], e->signatory, sizeof(e->signatory)) != PP_OK ||
	    sam_cred_text(&c[3], e->sca, sizeof(e->sca)) != PP_OK ||
	    sam_cred_text(&c[4], e->key_type, sizeof(e->key_type)) != PP_OK ||
	    sam_cred_text(&c[5], e->serial, sizeof(e->serial)) != PP_OK)
		return PP_ERR_DB;
	e->found = 1;
	return PP_OK;
}

#define SAM_CRED_OWED_MAX 64

struct sam_cred_owed {
	struct {
		char id[SAM_CRED_ID_LEN + 1];
		char key_id[2 * SAM_CRED_KEY_ID_BYTES + 1];
		char signatory[SAM_ENROL_ID_MAX + 1];
		char sca[SAM_ENROL_SCA_MAX + 1];
		char key_type[8];
		char serial[SAM_CRED_SERIAL_MAX + 1];
		char cause[96];
	} row[SAM_CRED_OWED_MAX];
	size_t n;
};

static enum pp_err
sam_cred_owed_row(void *arg, const struct pp_val *c, size_t n)
{
	struct sam_cred_owed *o = arg;

	if (o->n >= SAM_CRED_OWED_MAX)
		return PP_OK;
	if (n != 7 || sam_cred_text(&c[0], o->row[o->n].id, sizeof(o->row[o->n].id)) != PP_OK ||
	    sam_cred_text(&c[1], o->row[o->n].key_id, sizeof(o->row[o->n].key_id)) != PP_OK ||
	    sam_cred_text(&c[2], o->row[o->n].signatory, sizeof(o->row[o->n].signatory)) != PP_OK ||
	    sam_cred_text(&c[3], o->row[o->n].sca, sizeof(o->row[o->n].sca)) != PP_OK ||
	    sam_cred_text(&c[4], o->row[o->n].key_type, sizeof(o->row[o->n].key_type)) != PP_OK ||
	    sam_cred_text(&c[5], o->row[o->n].serial, sizeof(o->row[o->n].serial)) != PP_OK ||
	    sam_cred_text(&c[6], o->row[o->n].cause, sizeof(o->row[o->n].cause)) != PP_OK)
		return PP_ERR_DB;
	o->n++;
	return PP_OK;
}

/* Retries the key destructions owed (and their records).  A destruction
 * the token still refuses stays owed; an audit daemon that does not
 * acknowledge stops the retry (PP_ERR_UNAVAILABLE), the rest stays owed. */
static enum pp_err
sam_cred_pay_owed(struct pp_daemon_ctx *ctx)
{
	struct sam_cred_owed *o = pp_calloc(1, sizeof(*o));
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	enum pp_err rc, drc, first = PP_OK;
	char cause[160];
	size_t count;

	if (o == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_store_exec(ctx->store, "SELECT o.credential, o.key_id, c.signatory, c.sca, c.key_type,"
	    " c.serial, o.cause FROM keys_owed o JOIN credentials c ON c.id = o.credential"
	    " ORDER BY o.since_ms, o.credential LIMIT 64", NULL, 0, sam_cred_owed_row, o, NULL)) != PP_OK)
		goto out;
	for (size_t i = 0; i < o->n; i++) {
		if (!sam_cred_unhex(o->row[i].key_id, kid)) {
			rc = PP_ERR_DB;
			goto out;
		}
		count = 0;
		drc = pp_p11_destroy(ctx->p11, kid, sizeof(kid), &count);
		if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
			pp_err_log("sam: credential %s: its key still cannot be destroyed", o->row[i].id);
			if (first == PP_OK)
				first = drc;
			continue;
		}
		snprintf(cause, sizeof(cause), "%s; destroyed on a later attempt", o->row[i].cause);
		struct sam_cred_rec rec = { .type = PP_AUDIT_KEY_DESTROY, .actor_kind_system = SAM_CRED_PROG,
			.sca = o->row[i].sca, .signatory = o->row[i].signatory, .credential = o->row[i].id,
			.key_type = o->row[i].key_type, .serial = o->row[i].serial[0] ? o->row[i].serial : NULL,
			.cause = cause };
		if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK)
			goto out;
		if ((rc = sam_cred_paid(ctx->store, o->row[i].id)) != PP_OK)
			goto out;
		pp_info_log("sam: credential %s: the key destruction owed is done (%zu object(s))", o->row[i].id,
		    count);
	}
	rc = first;
out:
	pp_free(o);
	return rc;
}

enum pp_err
sam_cred_sweep(struct pp_daemon_ctx *ctx, int64_t now, size_t *closed)
{
	struct sam_cred_expired e;
	unsigned char kid[SAM_CRED_KEY_ID_BYTES];
	struct pp_val b[1] = { PP_VAL_I(now) };
	size_t count;
	enum pp_err rc, drc;

	*closed = 0;
	/* What earlier closures could not finish, first. */
	if ((rc = sam_cred_pay_owed(ctx)) != PP_OK && rc != PP_ERR_HSM)
		return rc;
	for (;;) {
		memset(&e, 0, sizeof(e));
		/* notAfter is the last valid second: the sign path refuses from
		 * it on, and so the sweep closes from it on. */
		if ((rc = pp_store_exec(ctx->store, "SELECT id, key_id, signatory, sca, key_type, serial"
		    " FROM credentials WHERE state = 'ACTIVE' AND not_after <= ? ORDER BY not_after, id LIMIT 1",
		    b, 1, sam_cred_expired_row, &e, NULL)) != PP_OK)
			return rc;
		if (!e.found)
			return PP_OK;
		if (!sam_cred_unhex(e.key_id, kid))
			return PP_ERR_DB;
		/* Unusable first (the destruction owed), then destroyed, then
		 * recorded. */
		if ((rc = sam_cred_close(ctx->store, e.id, e.key_id, "EXPIRED", "certificate expired")) != PP_OK)
			return rc;
		count = 0;
		drc = pp_p11_destroy(ctx->p11, kid, sizeof(kid), &count);
		struct sam_cred_rec rec = { .type = PP_AUDIT_KEY_DESTROY, .actor_kind_system = SAM_CRED_PROG,
			.sca = e.sca, .signatory = e.signatory, .credential = e.id, .key_type = e.key_type,
			.serial = e.serial, .cause = "certificate expired" };
		if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
			rec.failure = 1;
			rec.cause = "certificate expired; the key could not be destroyed";
		}
		if ((rc = sam_cred_audit(ctx, &rec)) != PP_OK) {
			pp_err_log("sam: credential %s closed (certificate expired) but not recorded", e.id);
			return rc;
		}
		if (drc != PP_OK && drc != PP_ERR_NOT_FOUND) {
			pp_err_log("sam: credential %s: certificate expired, its key could not be destroyed", e.id);
			return drc;
		}
		if ((rc = sam_cred_paid(ctx->store, e.id)) != PP_OK)
			return rc;
		pp_info_log("sam: credential %s closed: certificate %s expired, %zu object(s) destroyed", e.id,
		    e.serial, count);
		(*closed)++;
	}
}

void
sam_cred_tick(struct pp_daemon_ctx *ctx)
{
	struct sam_cred *cr = ctx->data;
	int64_t now = sam_now_ms() / 1000;
	size_t closed;

	if (cr == NULL || now - cr->last_sweep_s < cr->sweep_interval_s)
		return;
	cr->last_sweep_s = now;
	if (sam_cred_sweep(ctx, now, &closed) != PP_OK)
		pp_err_log("sam: the expiry sweep failed; it runs again in %lld s", (long long)cr->sweep_interval_s);
}

enum pp_err
sam_cred_op_sweep(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_cred *cr = ctx->data;
	struct sam_refuse ref;
	size_t closed = 0;
	int64_t now = sam_now_ms() / 1000;
	enum pp_err rc;

	/* Not a client's op (paraphe-sam-admin, an operator): it only closes
	 * what has expired, whoever asks, and takes no argument. */
	(void)peer;
	if ((rc = sam_req_shape(req, NULL, 0, &ref)) != PP_OK)
		return rc;
	if ((rc = sam_cred_sweep(ctx, now, &closed)) != PP_OK)
		return rc;
	cr->last_sweep_s = now;
	return pp_json_add_int(ans, "closed", (int64_t)closed);
}
