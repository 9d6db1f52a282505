/*
 * sam_enrol: signatories (see sam_enrol.h).  SQL only through prepared
 * statements with bound values; every value checked before it is bound.
 */
#include "config.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "pp_audit.h"
#include "pp_daemon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_client.h"
#include "sam_enrol.h"

static const char *const sam_refusal_codes[SAM_REFUSAL__MAX] = {
	[SAM_REFUSAL_NONE] = "none",
	[SAM_REFUSAL_INVALID] = "invalid_request",
	[SAM_REFUSAL_DENIED] = "access_denied",
	[SAM_REFUSAL_NOT_FOUND] = "not_found",
	[SAM_REFUSAL_CONFLICT] = "conflict",
};

const char *
sam_refusal_code(enum sam_req_refusal r)
{
	return (unsigned)r < SAM_REFUSAL__MAX ? sam_refusal_codes[r] : "invalid_request";
}

/*
 * The SAM's clock (TIME-1): CLOCK_MONOTONIC plus the largest difference
 * between the wall clock and it seen so far, i.e. the wall clock, except
 * that it never goes back.  A step back of the wall clock leaves it running
 * at the real rate from where it was, so a SAD, an OTP or an authorisation
 * lives its lifetime in real elapsed time, never longer (until the SAM is
 * restarted, its times are ahead of the wall clock by the step); a step
 * forward is followed, so what was issued before expires sooner: refused as
 * expired, never accepted late.  Every step over PP_CLOCK_STEP_MS is an
 * ALARM in the log (the audit daemon, on the same clock, records it in the
 * audit log).  Called from the loop and the signing thread: atomics.
 */
static _Atomic int64_t sam_clock_top = INT64_MIN;
static _Atomic int64_t sam_clock_seen;

int64_t
sam_now_ms(void)
{
	struct timespec w, m;
	int64_t mono, off, top, prev;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	mono = (int64_t)m.tv_sec * 1000 + m.tv_nsec / 1000000;
	off = (int64_t)w.tv_sec * 1000 + w.tv_nsec / 1000000 - mono;
	top = atomic_load(&sam_clock_top);
	while (off > top && !atomic_compare_exchange_weak(&sam_clock_top, &top, off))
		;
	if (off > top)
		top = off;
	prev = atomic_exchange(&sam_clock_seen, off);
	if (prev != 0 && (off - prev > PP_CLOCK_STEP_MS || prev - off > PP_CLOCK_STEP_MS)) {
		if (off > prev)
			pp_err_log("sam: ALARM: the system clock stepped forward by %lld ms (TIME-1): the SAM"
			    " follows it, so SADs, OTPs and authorisations issued before expire that much sooner",
			    (long long)(off - prev));
		else
			pp_err_log("sam: ALARM: the system clock stepped back by %lld ms (TIME-1): the SAM's"
			    " clock does not: lifetimes keep to real elapsed time, and the SAM's times stay"
			    " %lld ms ahead of the wall clock until it is restarted", (long long)(prev - off),
			    (long long)(top - off));
	}
	return mono + top;
}

/* Written by the op loop only (staff.cessation, start-up); read by the
 * ops, all on that loop. */
static int64_t sam_ceased_ms;

void
sam_service_set_ceased(int64_t since_ms)
{
	if (sam_ceased_ms == 0)
		sam_ceased_ms = since_ms > 0 ? since_ms : 1;
}

int64_t
sam_service_ceased(void)
{
	return sam_ceased_ms;
}

static unsigned sam_withdrawn_keys, sam_withdrawn_hashes;

void
sam_algo_withdraw(unsigned key_mask, unsigned hash_mask)
{
	sam_withdrawn_keys |= key_mask;
	sam_withdrawn_hashes |= hash_mask;
}

unsigned
sam_algo_withdrawn_keys(void)
{
	return sam_withdrawn_keys;
}

unsigned
sam_algo_withdrawn_hashes(void)
{
	return sam_withdrawn_hashes;
}

static void
sam_refuse_set(struct sam_refuse *ref, enum sam_req_refusal why, const char *text)
{
	ref->why = why;
	ref->text = text;
}

enum pp_err
sam_req_shape(json_object *req, const struct sam_field *f, size_t n, struct sam_refuse *ref)
{
	size_t i;

	sam_refuse_set(ref, SAM_REFUSAL_NONE, NULL);
	if (!json_object_is_type(req, json_type_object))
		return PP_ERR_BAD_REQUEST;
	json_object_object_foreach(req, key, val) {
		if (strcmp(key, "v") == 0 || strcmp(key, "op") == 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(key, f[i].name) == 0)
				break;
		if (i == n || !json_object_is_type(val, json_type_string))
			return PP_ERR_BAD_REQUEST;
	}
	for (i = 0; i < n; i++)
		if (f[i].required && !json_object_object_get_ex(req, f[i].name, NULL)) {
			/* Static texts only: the refusal text reaches the audit record. */
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "a required member is missing");
			return PP_OK;
		}
	return PP_OK;
}

/* ------------------------------------------------------------------ value checks */

int
sam_enrol_id_ok(const char *s)
{
	size_t len, i;

	if (s == NULL)
		return 0;
	len = strnlen(s, SAM_ENROL_ID_MAX + 1);
	if (len == 0 || len > SAM_ENROL_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

int
sam_enrol_text_ok(const char *s, size_t max)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strnlen(s, max + 1);
	return len > 0 && len <= max && pp_utf8_valid(s, len, 0);
}

int
sam_enrol_sca_ok(const char *s)
{
	return sam_enrol_text_ok(s, SAM_ENROL_SCA_MAX);
}

/* A name: UTF-8 without controls, no leading or trailing blank. */
int
sam_enrol_name_ok(const char *s)
{
	size_t len;

	if (!sam_enrol_text_ok(s, SAM_ENROL_NAME_MAX))
		return 0;
	len = strlen(s);
	return s[0] != ' ' && s[len - 1] != ' ';
}

/* Officially assigned ISO 3166-1 alpha-2 codes (iso-codes 4.x), sorted. */
static const char sam_enrol_countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCD"
    "CFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
    "GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
    "KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
    "NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
    "SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
    "VNVUWFWSYEYTZAZMZW";

int
sam_enrol_country_ok(const char *s)
{
	size_t i;

	if (s == NULL || strnlen(s, 3) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		return 0;
	for (i = 0; i + 1 < sizeof(sam_enrol_countries); i += 2)
		if (sam_enrol_countries[i] == s[0] && sam_enrol_countries[i + 1] == s[1])
			return 1;
	return 0;
}

/* PrintableString characters (X.680) without the space. */
static int
sam_enrol_printable(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    strchr("'()+,-./:=?", c) != NULL;
}

int
sam_enrol_serial_ok(const char *s)
{
	static const char *const kinds[] = { "IDC", "PAS", "PNO", "TIN", "TAX" };
	size_t len, i;
	int kind = 0;

	if (s == NULL)
		return 0;
	len = strnlen(s, SAM_ENROL_SERIAL_MAX + 1);
	if (len < 7 || len > SAM_ENROL_SERIAL_MAX)
		return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (memcmp(s, kinds[i], 3) == 0)
			kind = 1;
	if (!kind || s[3] < 'A' || s[3] > 'Z' || s[4] < 'A' || s[4] > 'Z' || s[5] != '-')
		return 0;
	for (i = 6; i < len; i++)
		if (s[i] == '\0' || !sam_enrol_printable(s[i]))
			return 0;
	return 1;
}

int
sam_enrol_mobile_norm(const char *s, char out[SAM_ENROL_MOBILE_MAX + 1])
{
	size_t len, i;

	if (s == NULL)
		return 0;
	if (s[0] == '+')
		s++;
	len = strnlen(s, SAM_ENROL_MOBILE_MAX + 1);
	if (len < 8 || len > SAM_ENROL_MOBILE_MAX || s[0] == '0')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	memcpy(out, s, len);
	out[len] = '\0';
	return 1;
}

/* ------------------------------------------------------------------ parsing */

static const struct sam_field sam_enrol_create_fields[] = {
	{"sca", 1}, {"id", 1}, {"given_name", 1}, {"surname", 1}, {"country", 1},
	{"serial_number", 1}, {"mobile", 1}, {"idp_subject", 0}, {"evidence", 1},
};
static const struct sam_field sam_enrol_update_fields[] = {
	{"sca", 1}, {"id", 1}, {"given_name", 0}, {"surname", 0}, {"country", 0},
	{"serial_number", 0}, {"mobile", 0}, {"idp_subject", 0}, {"evidence", 0},
};
static const struct sam_field sam_enrol_id_fields[] = { {"sca", 1}, {"id", 1} };

#define SAM_N(a) (sizeof(a) / sizeof((a)[0]))

/* Copies a checked value (its length was bounded by the check). */
static void
sam_enrol_copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* sca and id of any op on one signatory. */
static int
sam_enrol_parse_ids(json_object *req, struct sam_signatory *s, struct sam_refuse *ref)
{
	const char *sca = pp_json_get_str(req, "sca"), *id = pp_json_get_str(req, "id");

	if (!sam_enrol_sca_ok(sca)) {
		sam_refuse_set(ref, SAM_REFUSAL_INVALID, "sca: 1 to 256 bytes of UTF-8 without control characters");
		return 0;
	}
	if (!sam_enrol_id_ok(id)) {
		sam_refuse_set(ref, SAM_REFUSAL_INVALID, "id: 1 to 64 printable ASCII characters, no space");
		return 0;
	}
	sam_enrol_copy(s->sca, sizeof(s->sca), sca);
	sam_enrol_copy(s->id, sizeof(s->id), id);
	return 1;
}

enum pp_err
sam_enrol_parse(json_object *req, int update, struct sam_signatory *s, unsigned *mask,
    struct sam_refuse *ref)
{
	const char *v;
	enum pp_err rc;
	unsigned m = 0;

	memset(s, 0, sizeof(*s));
	*mask = 0;
	rc = update ? sam_req_shape(req, sam_enrol_update_fields, SAM_N(sam_enrol_update_fields), ref)
	    : sam_req_shape(req, sam_enrol_create_fields, SAM_N(sam_enrol_create_fields), ref);
	if (rc != PP_OK || ref->why != SAM_REFUSAL_NONE)
		return rc;
	if (!sam_enrol_parse_ids(req, s, ref))
		return PP_OK;
	if ((v = pp_json_get_str(req, "given_name")) != NULL) {
		if (!sam_enrol_name_ok(v))
			goto bad_given;
		sam_enrol_copy(s->given_name, sizeof(s->given_name), v);
		m |= SAM_ENROL_F_GIVEN;
	}
	if ((v = pp_json_get_str(req, "surname")) != NULL) {
		if (!sam_enrol_name_ok(v))
			goto bad_surname;
		sam_enrol_copy(s->surname, sizeof(s->surname), v);
		m |= SAM_ENROL_F_SURNAME;
	}
	if ((v = pp_json_get_str(req, "country")) != NULL) {
		if (!sam_enrol_country_ok(v)) {
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "country: an assigned ISO 3166-1 alpha-2 code in capitals, e.g. FR");
			return PP_OK;
		}
		sam_enrol_copy(s->country, sizeof(s->country), v);
		m |= SAM_ENROL_F_COUNTRY;
	}
	if ((v = pp_json_get_str(req, "serial_number")) != NULL) {
		if (!sam_enrol_serial_ok(v)) {
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "serial_number: IDC|PAS|PNO|TIN|TAX, country, '-', identifier (EN 319 412-1), e.g. IDCFR-123456");
			return PP_OK;
		}
		sam_enrol_copy(s->serial_number, sizeof(s->serial_number), v);
		m |= SAM_ENROL_F_SERIAL;
	}
	if ((v = pp_json_get_str(req, "mobile")) != NULL) {
		if (!sam_enrol_mobile_norm(v, s->mobile)) {
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "mobile: E.164, optional '+' then 8 to 15 digits with the country code");
			return PP_OK;
		}
		m |= SAM_ENROL_F_MOBILE;
	}
	if ((v = pp_json_get_str(req, "idp_subject")) != NULL) {
		if (!sam_enrol_text_ok(v, SAM_ENROL_SUBJECT_MAX)) {
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "idp_subject: 1 to 256 bytes of UTF-8 without control characters");
			return PP_OK;
		}
		sam_enrol_copy(s->idp_subject, sizeof(s->idp_subject), v);
		m |= SAM_ENROL_F_IDP;
	}
	if ((v = pp_json_get_str(req, "evidence")) != NULL) {
		if (!sam_enrol_text_ok(v, SAM_ENROL_EVIDENCE_MAX)) {
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "evidence: 1 to 128 bytes of UTF-8 without control characters");
			return PP_OK;
		}
		sam_enrol_copy(s->evidence, sizeof(s->evidence), v);
		m |= SAM_ENROL_F_EVIDENCE;
	}
	if (update && m == 0) {
		sam_refuse_set(ref, SAM_REFUSAL_INVALID, "nothing to update: give at least one member to change");
		return PP_OK;
	}
	/* The certificate's commonName is "given_name surname" (at most 64 bytes). */
	if (!update && strlen(s->given_name) + 1 + strlen(s->surname) > SAM_ENROL_NAME_MAX) {
		sam_refuse_set(ref, SAM_REFUSAL_INVALID, "given_name and surname together must fit 63 bytes (the certificate's common name)");
		return PP_OK;
	}
	*mask = m;
	return PP_OK;
bad_given:
	sam_refuse_set(ref, SAM_REFUSAL_INVALID, "given_name: 1 to 64 bytes of UTF-8, no control characters, no blank at either end");
	return PP_OK;
bad_surname:
	sam_refuse_set(ref, SAM_REFUSAL_INVALID, "surname: 1 to 64 bytes of UTF-8, no control characters, no blank at either end");
	return PP_OK;
}

/* ------------------------------------------------------------------ storage */

#define SAM_ENROL_COLS "id, sca, given_name, surname, country, serial_number, mobile," \
	" idp_subject, evidence, created_ms, updated_ms"

struct sam_enrol_row {
	struct sam_signatory *s;
	int found;
};

static enum pp_err
sam_enrol_col(const struct pp_val *c, char *dst, size_t cap)
{
	return pp_val_text(c, dst, cap) ? PP_OK : PP_ERR_DB;
}

static enum pp_err
sam_enrol_row_fn(void *ctx, const struct pp_val *c, size_t n)
{
	struct sam_enrol_row *r = ctx;
	struct sam_signatory *s = r->s;

	if (n != 11 || c[9].type != PP_VAL_INT || c[10].type != PP_VAL_INT ||
	    sam_enrol_col(&c[0], s->id, sizeof(s->id)) != PP_OK ||
	    sam_enrol_col(&c[1], s->sca, sizeof(s->sca)) != PP_OK ||
	    sam_enrol_col(&c[2], s->given_name, sizeof(s->given_name)) != PP_OK ||
	    sam_enrol_col(&c[3], s->surname, sizeof(s->surname)) != PP_OK ||
	    sam_enrol_col(&c[4], s->country, sizeof(s->country)) != PP_OK ||
	    sam_enrol_col(&c[5], s->serial_number, sizeof(s->serial_number)) != PP_OK ||
	    sam_enrol_col(&c[6], s->mobile, sizeof(s->mobile)) != PP_OK ||
	    sam_enrol_col(&c[7], s->idp_subject, sizeof(s->idp_subject)) != PP_OK ||
	    sam_enrol_col(&c[8], s->evidence, sizeof(s->evidence)) != PP_OK)
		return PP_ERR_DB;
	s->created_ms = c[9].i;
	s->updated_ms = c[10].i;
	r->found = 1;
	return PP_OK;
}

/* Reads signatory id into *s; checks the owner.  Inside or outside a
 * transaction. */
static enum pp_err
sam_enrol_load(struct pp_store *st, const char *sca, const char *id, struct sam_signatory *s,
    struct sam_refuse *ref)
{
	struct sam_enrol_row r = { s, 0 };
	struct pp_val b[1] = { PP_VAL_S(id) };
	enum pp_err rc;

	sam_refuse_set(ref, SAM_REFUSAL_NONE, NULL);
	memset(s, 0, sizeof(*s));
	rc = pp_store_exec(st, "SELECT " SAM_ENROL_COLS " FROM signatories WHERE id = ?", b, 1,
	    sam_enrol_row_fn, &r, NULL);
	if (rc != PP_OK)
		return rc;
	if (!r.found)
		sam_refuse_set(ref, SAM_REFUSAL_NOT_FOUND, "no signatory with this id");
	else if (strcmp(s->sca, sca) != 0) {
		sam_refuse_set(ref, SAM_REFUSAL_DENIED, "the signatory belongs to another SCA");
		memset(s, 0, sizeof(*s));
	}
	return PP_OK;
}

enum pp_err
sam_enrol_get(struct pp_store *st, const char *sca, const char *id, struct sam_signatory *s,
    struct sam_refuse *ref)
{
	return sam_enrol_load(st, sca, id, s, ref);
}

static struct pp_val
sam_enrol_opt(const char *s)
{
	return *s ? PP_VAL_S(s) : (struct pp_val){ .type = PP_VAL_NULL };
}

/* The record, then the commit; see struct sam_enrol_record. */
static enum pp_err
sam_enrol_commit(struct pp_store *st, struct sam_enrol_record *rec)
{
	enum pp_err rc;

	if (rec && rec->fn) {
		if ((rc = rec->fn(rec->arg)) != PP_OK) {
			pp_store_rollback(st);
			return rc;
		}
		rec->done = 1;
	}
	if ((rc = pp_store_commit(st)) != PP_OK)
		pp_store_rollback(st);
	return rc;
}

enum pp_err
sam_enrol_create(struct pp_store *st, struct sam_signatory *s, int64_t now_ms, struct sam_refuse *ref,
    struct sam_enrol_record *rec)
{
	struct sam_signatory old;
	struct pp_val b[11];
	enum pp_err rc;

	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_enrol_load(st, s->sca, s->id, &old, ref)) != PP_OK)
		goto fail;
	if (ref->why != SAM_REFUSAL_NOT_FOUND) {
		/* Exists, whoever owns it: ids are unique across SCAs. */
		sam_refuse_set(ref, SAM_REFUSAL_CONFLICT, "a signatory with this id exists already");
		pp_store_rollback(st);
		return PP_OK;
	}
	sam_refuse_set(ref, SAM_REFUSAL_NONE, NULL);
	s->created_ms = s->updated_ms = now_ms;
	b[0] = PP_VAL_S(s->id);
	b[1] = PP_VAL_S(s->sca);
	b[2] = PP_VAL_S(s->given_name);
	b[3] = PP_VAL_S(s->surname);
	b[4] = PP_VAL_S(s->country);
	b[5] = PP_VAL_S(s->serial_number);
	b[6] = PP_VAL_S(s->mobile);
	b[7] = sam_enrol_opt(s->idp_subject);
	b[8] = PP_VAL_S(s->evidence);
	b[9] = PP_VAL_I(now_ms);
	b[10] = PP_VAL_I(now_ms);
	if ((rc = pp_store_exec(st, "INSERT INTO signatories (" SAM_ENROL_COLS ")"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", b, 11, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	return sam_enrol_commit(st, rec);
fail:
	pp_store_rollback(st);
	return rc;
}

enum pp_err
sam_enrol_update(struct pp_store *st, const struct sam_signatory *upd, unsigned mask, int64_t now_ms,
    struct sam_signatory *s, struct sam_refuse *ref, struct sam_enrol_record *rec)
{
	struct pp_val b[9];
	enum pp_err rc;

	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_enrol_load(st, upd->sca, upd->id, s, ref)) != PP_OK)
		goto fail;
	if (ref->why != SAM_REFUSAL_NONE) {
		pp_store_rollback(st);
		return PP_OK;
	}
	if (mask & SAM_ENROL_F_GIVEN)
		memcpy(s->given_name, upd->given_name, sizeof(s->given_name));
	if (mask & SAM_ENROL_F_SURNAME)
		memcpy(s->surname, upd->surname, sizeof(s->surname));
	if (mask & SAM_ENROL_F_COUNTRY)
		memcpy(s->country, upd->country, sizeof(s->country));
	if (mask & SAM_ENROL_F_SERIAL)
		memcpy(s->serial_number, upd->serial_number, sizeof(s->serial_number));
	if (mask & SAM_ENROL_F_MOBILE)
		memcpy(s->mobile, upd->mobile, sizeof(s->mobile));
	if (mask & SAM_ENROL_F_IDP)
		memcpy(s->idp_subject, upd->idp_subject, sizeof(s->idp_subject));
	if (mask & SAM_ENROL_F_EVIDENCE)
		memcpy(s->evidence, upd->evidence, sizeof(s->evidence));
	if (strlen(s->given_name) + 1 + strlen(s->surname) > SAM_ENROL_NAME_MAX) {
		sam_refuse_set(ref, SAM_REFUSAL_INVALID, "given_name and surname together must fit 63 bytes (the certificate's common name)");
		pp_store_rollback(st);
		return PP_OK;
	}
	s->updated_ms = now_ms;
	b[0] = PP_VAL_S(s->given_name);
	b[1] = PP_VAL_S(s->surname);
	b[2] = PP_VAL_S(s->country);
	b[3] = PP_VAL_S(s->serial_number);
	b[4] = PP_VAL_S(s->mobile);
	b[5] = sam_enrol_opt(s->idp_subject);
	b[6] = PP_VAL_S(s->evidence);
	b[7] = PP_VAL_I(now_ms);
	b[8] = PP_VAL_S(s->id);
	if ((rc = pp_store_exec(st, "UPDATE signatories SET given_name = ?, surname = ?, country = ?,"
	    " serial_number = ?, mobile = ?, idp_subject = ?, evidence = ?, updated_ms = ? WHERE id = ?",
	    b, 9, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	return sam_enrol_commit(st, rec);
fail:
	pp_store_rollback(st);
	return rc;
}

static enum pp_err
sam_enrol_count_fn(void *ctx, const struct pp_val *c, size_t n)
{
	if (n != 1 || c[0].type != PP_VAL_INT)
		return PP_ERR_DB;
	*(int64_t *)ctx = c[0].i;
	return PP_OK;
}

enum pp_err
sam_enrol_delete(struct pp_store *st, const char *sca, const char *id, struct sam_refuse *ref,
    struct sam_enrol_record *rec)
{
	struct sam_signatory s;
	struct pp_val b[1] = { PP_VAL_S(id) };
	int64_t live = -1;
	enum pp_err rc;

	if ((rc = pp_store_begin(st)) != PP_OK)
		return rc;
	if ((rc = sam_enrol_load(st, sca, id, &s, ref)) != PP_OK)
		goto fail;
	if (ref->why != SAM_REFUSAL_NONE) {
		pp_store_rollback(st);
		return PP_OK;
	}
	if ((rc = pp_store_exec(st, "SELECT COUNT(*) FROM credentials WHERE signatory = ?"
	    " AND state IN ('PENDING', 'ACTIVE')", b, 1, sam_enrol_count_fn, &live, NULL)) != PP_OK)
		goto fail;
	if (live != 0) {
		sam_refuse_set(ref, SAM_REFUSAL_CONFLICT, "the signatory has an active credential: revoke it first");
		pp_store_rollback(st);
		return PP_OK;
	}
	if ((rc = pp_store_exec(st, "DELETE FROM signatories WHERE id = ?", b, 1, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	return sam_enrol_commit(st, rec);
fail:
	pp_store_rollback(st);
	return rc;
}

/* ------------------------------------------------------------------ answers */

enum pp_err
sam_enrol_json(const struct sam_signatory *s, json_object *answer)
{
	json_object *o = json_object_new_object();

	if (o == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(answer, "signatory", o);
	if (pp_json_add_str(o, "id", s->id) != PP_OK || pp_json_add_str(o, "sca", s->sca) != PP_OK ||
	    pp_json_add_str(o, "given_name", s->given_name) != PP_OK ||
	    pp_json_add_str(o, "surname", s->surname) != PP_OK ||
	    pp_json_add_str(o, "country", s->country) != PP_OK ||
	    pp_json_add_str(o, "serial_number", s->serial_number) != PP_OK ||
	    pp_json_add_str(o, "mobile", s->mobile) != PP_OK ||
	    (*s->idp_subject && pp_json_add_str(o, "idp_subject", s->idp_subject) != PP_OK) ||
	    pp_json_add_str(o, "evidence", s->evidence) != PP_OK ||
	    pp_json_add_int(o, "created_ms", s->created_ms) != PP_OK ||
	    pp_json_add_int(o, "updated_ms", s->updated_ms) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

enum pp_err
sam_refuse_json(const struct sam_refuse *ref, json_object *answer)
{
	if (pp_json_add_str(answer, "error", sam_refusal_code(ref->why)) != PP_OK ||
	    pp_json_add_str(answer, "error_description", ref->text ? ref->text : "refused") != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* ------------------------------------------------------------------ ops */

/* Records an account change (or its refusal) by sca on signatory id. */
static enum pp_err
sam_enrol_audit(struct pp_daemon_ctx *ctx, enum pp_audit_type type, const char *op, const char *sca,
    const char *id, const struct sam_refuse *ref)
{
	struct pp_audit_event ev;
	enum pp_err rc;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.outcome = ref->why == SAM_REFUSAL_NONE ? PP_AUDIT_SUCCESS : PP_AUDIT_FAILURE;
	ev.actor_kind = PP_AUDIT_ACTOR_SCA;
	/* A refused request may carry an sca that is not valid text: the
	 * record then names no one rather than something malformed. */
	ev.actor_id = sam_enrol_sca_ok(sca) ? sca : "unknown";
	ev.requester = ev.actor_id;
	ev.recipient = sam_enrol_id_ok(id) ? id : NULL;
	if (ref->why != SAM_REFUSAL_NONE) {
		ev.cause = ref->text;
		if ((ev.details = json_object_new_object()) == NULL ||
		    pp_json_add_str(ev.details, "error", sam_refusal_code(ref->why)) != PP_OK ||
		    (op != NULL && pp_json_add_str(ev.details, "op", op) != PP_OK)) {
			json_object_put(ev.details);
			return PP_ERR_NOMEM;
		}
	}
	rc = pp_audit_emit(ctx->conf, &ev, NULL);
	json_object_put(ev.details);
	if (rc != PP_OK)
		pp_err_log("sam: the audit record of an account change was not acknowledged");
	return rc;
}

/* Audits the outcome, then fills the answer: the signatory or the refusal. */
static enum pp_err
sam_enrol_finish(struct pp_daemon_ctx *ctx, enum pp_audit_type type, json_object *req,
    const struct sam_signatory *s, const struct sam_refuse *ref, json_object *ans, int with_body)
{
	enum pp_err rc;

	if ((rc = sam_enrol_audit(ctx, type, pp_json_get_str(req, "op"), pp_json_get_str(req, "sca"),
	    pp_json_get_str(req, "id"), ref)) != PP_OK)
		return rc;
	if (ref->why != SAM_REFUSAL_NONE)
		return sam_refuse_json(ref, ans);
	return with_body ? sam_enrol_json(s, ans) : PP_OK;
}

/* The success record of a change, written inside its transaction. */
struct sam_enrol_rec_arg {
	struct pp_daemon_ctx *ctx;
	enum pp_audit_type type;
	json_object *req;
};

static enum pp_err
sam_enrol_rec_fn(void *arg)
{
	struct sam_enrol_rec_arg *a = arg;
	struct sam_refuse ok = { .why = SAM_REFUSAL_NONE };

	return sam_enrol_audit(a->ctx, a->type, pp_json_get_str(a->req, "op"), pp_json_get_str(a->req, "sca"),
	    pp_json_get_str(a->req, "id"), &ok);
}

/*
 * After a change: a refusal is recorded now (nothing changed); a success
 * was recorded before the commit.  A commit that failed after its record
 * gets a second record saying so, then the request fails.
 */
static enum pp_err
sam_enrol_after(struct pp_daemon_ctx *ctx, enum pp_audit_type type, json_object *req,
    const struct sam_signatory *s, struct sam_refuse *ref, const struct sam_enrol_record *rec,
    enum pp_err rc, json_object *ans, int with_body)
{
	if (rc != PP_OK) {
		if (rec->done) {
			sam_refuse_set(ref, SAM_REFUSAL_INVALID, "recorded but not committed: the store failed");
			(void)sam_enrol_audit(ctx, type, pp_json_get_str(req, "op"), pp_json_get_str(req, "sca"),
			    pp_json_get_str(req, "id"), ref);
		}
		return rc;
	}
	if (ref->why != SAM_REFUSAL_NONE)
		return sam_enrol_finish(ctx, type, req, s, ref, ans, with_body);
	return with_body ? sam_enrol_json(s, ans) : PP_OK;
}

enum pp_err
sam_enrol_op_create(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_enrol_rec_arg arg = { ctx, PP_AUDIT_ACCOUNT_CREATE, req };
	struct sam_enrol_record rec = { sam_enrol_rec_fn, &arg, 0 };
	struct sam_signatory s;
	struct sam_refuse ref;
	unsigned mask;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	if ((rc = sam_enrol_parse(req, 0, &s, &mask, &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE)
		rc = sam_enrol_create(ctx->store, &s, sam_now_ms(), &ref, &rec);
	return sam_enrol_after(ctx, PP_AUDIT_ACCOUNT_CREATE, req, &s, &ref, &rec, rc, ans, 1);
}

enum pp_err
sam_enrol_op_get(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_signatory s;
	struct sam_refuse ref;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	memset(&s, 0, sizeof(s));
	if ((rc = sam_req_shape(req, sam_enrol_id_fields, SAM_N(sam_enrol_id_fields), &ref)) != PP_OK)
		return rc;
	/* sam_enrol_get clears s first: the ids are read from the request. */
	if (ref.why == SAM_REFUSAL_NONE && sam_enrol_parse_ids(req, &s, &ref) &&
	    (rc = sam_enrol_get(ctx->store, pp_json_get_str(req, "sca"), pp_json_get_str(req, "id"), &s,
	    &ref)) != PP_OK)
		return rc;
	/* Reading is not an account change; only a refusal is recorded (as
	 * account.update with details.op "signatory.get": AUD-2 has no read
	 * event). */
	if (ref.why != SAM_REFUSAL_NONE)
		return sam_enrol_finish(ctx, PP_AUDIT_ACCOUNT_UPDATE, req, &s, &ref, ans, 1);
	return sam_enrol_json(&s, ans);
}

enum pp_err
sam_enrol_op_update(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_enrol_rec_arg arg = { ctx, PP_AUDIT_ACCOUNT_UPDATE, req };
	struct sam_enrol_record rec = { sam_enrol_rec_fn, &arg, 0 };
	struct sam_signatory upd, s;
	struct sam_refuse ref;
	unsigned mask;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	memset(&s, 0, sizeof(s));
	if ((rc = sam_enrol_parse(req, 1, &upd, &mask, &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE)
		rc = sam_enrol_update(ctx->store, &upd, mask, sam_now_ms(), &s, &ref, &rec);
	return sam_enrol_after(ctx, PP_AUDIT_ACCOUNT_UPDATE, req, &s, &ref, &rec, rc, ans, 1);
}

enum pp_err
sam_enrol_op_delete(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req,
    json_object *ans)
{
	struct sam_enrol_rec_arg arg = { ctx, PP_AUDIT_ACCOUNT_DELETE, req };
	struct sam_enrol_record rec = { sam_enrol_rec_fn, &arg, 0 };
	struct sam_signatory s;
	struct sam_refuse ref;
	enum pp_err rc;
	int refused;

	(void)peer;
	if ((rc = sam_client_check(ctx, req, ans, &refused)) != PP_OK || refused)
		return rc;
	memset(&s, 0, sizeof(s));
	if ((rc = sam_req_shape(req, sam_enrol_id_fields, SAM_N(sam_enrol_id_fields), &ref)) != PP_OK)
		return rc;
	if (ref.why == SAM_REFUSAL_NONE && sam_enrol_parse_ids(req, &s, &ref))
		rc = sam_enrol_delete(ctx->store, s.sca, s.id, &ref, &rec);
	if ((rc = sam_enrol_after(ctx, PP_AUDIT_ACCOUNT_DELETE, req, &s, &ref, &rec, rc, ans, 0)) != PP_OK)
		return rc;
	return ref.why == SAM_REFUSAL_NONE ? pp_json_add_bool(ans, "deleted", 1) : PP_OK;
}
