#include "config.h"
#include <stdint.h>
#include <string.h>
#include <openssl/rand.h>
#include "pp_log.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_ledger.h"

/*
 * Every statement is compiled in; request data is only ever bound.  Writes
 * happen inside pp_store_begin (BEGIN IMMEDIATE on SQLite: the write lock
 * is taken before the first read), so the checks and the updates of one
 * call see and change the same state, and two processes reserving the same
 * hash are serialised: the second one reads RESERVED and is refused.
 */

static const struct {
	const char *oid;
	size_t len;
} sam_algos[] = {
	{SAM_OID_SHA256, 32},
	{SAM_OID_SHA384, 48},
	{SAM_OID_SHA512, 64},
};

static const char *const sam_state_names[SAM_HASH__MAX] = {
	[SAM_HASH_AUTHORIZED] = "AUTHORIZED",
	[SAM_HASH_RESERVED] = "RESERVED",
	[SAM_HASH_CONSUMED] = "CONSUMED",
	[SAM_HASH_BURNED] = "BURNED",
};

static const struct {
	const char *name;
	const char *csc;
	const char *text;
} sam_refusals[SAM_REFUSE__MAX] = {
	[SAM_REFUSE_NONE] = {"NONE", "invalid_request", "No refusal."},
	[SAM_REFUSE_MALFORMED] = {"MALFORMED", "invalid_request",
	    "A parameter is missing, empty or out of bounds."},
	[SAM_REFUSE_UNKNOWN_ALGO] = {"UNKNOWN_ALGO", "invalid_request",
	    "Invalid parameter hashAlgo: SHA-256, SHA-384 or SHA-512 only."},
	[SAM_REFUSE_BAD_LENGTH] = {"BAD_LENGTH", "invalid_request",
	    "Invalid digest value length for the hash algorithm."},
	[SAM_REFUSE_DUPLICATE] = {"DUPLICATE", "invalid_request",
	    "The same hash is given more than once."},
	[SAM_REFUSE_COUNT_MISMATCH] = {"COUNT_MISMATCH", "invalid_request",
	    "numSignatures must equal the number of hashes."},
	[SAM_REFUSE_BAD_EXPIRY] = {"BAD_EXPIRY", "invalid_request",
	    "The SAD lifetime is out of bounds."},
	[SAM_REFUSE_SAD_EXISTS] = {"SAD_EXISTS", "invalid_request",
	    "The SAD was already issued."},
	[SAM_REFUSE_UNKNOWN_SAD] = {"UNKNOWN_SAD", "invalid_token",
	    "Invalid SAD."},
	[SAM_REFUSE_OTHER_SCA] = {"OTHER_SCA", "access_denied",
	    "The SAD was not issued to this client."},
	[SAM_REFUSE_EXPIRED] = {"EXPIRED", "expired_token",
	    "The SAD has expired."},
	[SAM_REFUSE_OTHER_CREDENTIAL] = {"OTHER_CREDENTIAL", "access_denied",
	    "The SAD does not authorise this credential."},
	[SAM_REFUSE_OTHER_ALGO] = {"OTHER_ALGO", "invalid_request",
	    "hashAlgo differs from the algorithm the SAD was issued for."},
	[SAM_REFUSE_HASH_NOT_COVERED] = {"HASH_NOT_COVERED", "access_denied",
	    "A hash is not authorised by the SAD."},
	[SAM_REFUSE_HASH_USED] = {"HASH_USED", "access_denied",
	    "A hash was already signed or its authorisation is spent."},
};

size_t
sam_hash_algo_len(const char *oid)
{
	if (oid == NULL || strnlen(oid, SAM_ID_MAX + 1) > SAM_ID_MAX)
		return 0;
	for (size_t i = 0; i < sizeof(sam_algos) / sizeof(sam_algos[0]); i++)
		if (strcmp(oid, sam_algos[i].oid) == 0)
			return sam_algos[i].len;
	return 0;
}

const char *
sam_refusal_text(enum sam_refusal why)
{
	if ((unsigned)why >= SAM_REFUSE__MAX)
		return "Request refused.";
	return sam_refusals[why].text;
}

const char *
sam_refusal_csc_error(enum sam_refusal why)
{
	if ((unsigned)why >= SAM_REFUSE__MAX)
		return "invalid_request";
	return sam_refusals[why].csc;
}

const char *
sam_refusal_name(enum sam_refusal why)
{
	if ((unsigned)why >= SAM_REFUSE__MAX)
		return "?";
	return sam_refusals[why].name;
}

const char *
sam_hash_state_name(enum sam_hash_state st)
{
	if ((unsigned)st >= SAM_HASH__MAX)
		return "?";
	return sam_state_names[st];
}

/* 1 when s is a bounded identifier: 1..SAM_ID_MAX bytes in 0x21..0x7e.
 * Reads at most SAM_ID_MAX + 1 bytes, so an unterminated buffer is
 * refused rather than overrun. */
static int
sam_ledger_id_ok(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strnlen(s, SAM_ID_MAX + 1);
	if (len == 0 || len > SAM_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* Checks a list of hashes from the request: count within bounds, no NULL,
 * the digest length of algo, no hash twice.  Quadratic, but n is bounded
 * by SAM_LEDGER_MAX_HASHES and it needs no memory. */
static enum sam_refusal
sam_ledger_check_hashes(const char *algo, const uint8_t *const *hashes, size_t hash_len, size_t n)
{
	size_t want;

	if (hashes == NULL || n == 0 || n > SAM_LEDGER_MAX_HASHES)
		return SAM_REFUSE_MALFORMED;
	for (size_t i = 0; i < n; i++)
		if (hashes[i] == NULL)
			return SAM_REFUSE_MALFORMED;
	if ((want = sam_hash_algo_len(algo)) == 0)
		return SAM_REFUSE_UNKNOWN_ALGO;
	if (hash_len != want)
		return SAM_REFUSE_BAD_LENGTH;
	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(hashes[i], hashes[j], hash_len) == 0)
				return SAM_REFUSE_DUPLICATE;
	return SAM_REFUSE_NONE;
}

static struct pp_val
sam_ledger_blob(const uint8_t *p, size_t len)
{
	return (struct pp_val){ .type = PP_VAL_BLOB, .p = p, .len = len };
}

/* Row callback for a single integer column. */
static enum pp_err
sam_ledger_int_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	if (ncols != 1 || cols[0].type != PP_VAL_INT)
		return PP_ERR_INTERNAL;
	*(int64_t *)ctx = cols[0].i;
	return PP_OK;
}

static enum pp_err
sam_ledger_state_parse(const struct pp_val *v, enum sam_hash_state *st)
{
	if (v->type != PP_VAL_TEXT)
		return PP_ERR_INTERNAL;
	for (int i = 0; i < SAM_HASH__MAX; i++)
		if (v->len == strlen(sam_state_names[i]) && memcmp(v->p, sam_state_names[i], v->len) == 0) {
			*st = (enum sam_hash_state)i;
			return PP_OK;
		}
	pp_err_log("sam ledger: unknown hash state in the database");
	return PP_ERR_INTERNAL;
}

/* Row callback for "state": ctx is {found, state}. */
struct sam_ledger_state_ctx {
	int found;
	enum sam_hash_state state;
};

static enum pp_err
sam_ledger_state_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct sam_ledger_state_ctx *c = ctx;

	if (ncols != 1)
		return PP_ERR_INTERNAL;
	c->found++;
	return sam_ledger_state_parse(&cols[0], &c->state);
}

/* Row callback for "state, COUNT(*)" of a SAD left-joined to its hashes:
 * ctx is {found, counts}; a NULL state is the SAD without hash rows. */
struct sam_ledger_count_ctx {
	int found;
	struct sam_ledger_counts c;
};

static enum pp_err
sam_ledger_count_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct sam_ledger_count_ctx *c = ctx;
	enum sam_hash_state st;
	enum pp_err rc;

	if (ncols != 2 || cols[1].type != PP_VAL_INT)
		return PP_ERR_INTERNAL;
	c->found = 1;
	if (cols[0].type == PP_VAL_NULL)
		return PP_OK;
	if ((rc = sam_ledger_state_parse(&cols[0], &st)) != PP_OK)
		return rc;
	c->c.n[st] = cols[1].i;
	return PP_OK;
}

/* ------------------------------------------------------------------ authorize */

enum pp_err
sam_ledger_authorize(struct pp_store *store, const struct sam_grant *g, int64_t now_ms,
    int64_t max_life_ms, enum sam_refusal *why)
{
	enum sam_refusal r = SAM_REFUSE_NONE;
	enum pp_err rc = PP_OK;
	int64_t exists = 0;
	int began = 0;

	if (why != NULL)
		*why = SAM_REFUSE_NONE;
	if (store == NULL || g == NULL || why == NULL || now_ms < 0 || max_life_ms <= 0)
		return PP_ERR_INTERNAL;
	if (!sam_ledger_id_ok(g->sad_id) || !sam_ledger_id_ok(g->signatory) ||
	    !sam_ledger_id_ok(g->credential) || !sam_ledger_id_ok(g->sca) ||
	    !sam_ledger_id_ok(g->session) || !sam_ledger_id_ok(g->hash_algo)) {
		r = SAM_REFUSE_MALFORMED;
		goto refuse;
	}
	if ((r = sam_ledger_check_hashes(g->hash_algo, g->hashes, g->hash_len, g->nhashes)) != SAM_REFUSE_NONE)
		goto refuse;
	/* CSC v2 (SCAL2): one signature per hash listed, so the hash rows are
	 * the signature count and no separate counter can drift from them. */
	if (g->num_signatures <= 0 || (uint64_t)g->num_signatures != (uint64_t)g->nhashes) {
		r = SAM_REFUSE_COUNT_MISMATCH;
		goto refuse;
	}
	/* Both are non-negative here, so the difference cannot overflow. */
	if (g->expires_ms <= now_ms || g->expires_ms - now_ms > max_life_ms) {
		r = SAM_REFUSE_BAD_EXPIRY;
		goto refuse;
	}

	if ((rc = pp_store_begin(store)) != PP_OK)
		goto fail;
	began = 1;
	{
		struct pp_val b[1] = { PP_VAL_S(g->sad_id) };
		rc = pp_store_exec(store, "SELECT COUNT(*) FROM sads WHERE id = ?", b, 1,
		    sam_ledger_int_row, &exists, NULL);
		if (rc != PP_OK)
			goto fail;
	}
	/* A SAD id is never reused, even after its rows are gone from use. */
	if (exists != 0) {
		r = SAM_REFUSE_SAD_EXISTS;
		goto refuse;
	}
	{
		struct pp_val b[9] = {
			PP_VAL_S(g->sad_id), PP_VAL_S(g->signatory), PP_VAL_S(g->credential),
			PP_VAL_S(g->sca), PP_VAL_S(g->session), PP_VAL_S(g->hash_algo),
			PP_VAL_I(g->num_signatures), PP_VAL_I(g->expires_ms), PP_VAL_I(now_ms),
		};
		rc = pp_store_exec(store, "INSERT INTO sads (id, signatory, credential, sca, session,"
		    " hash_algo, num_signatures, expires_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    b, 9, NULL, NULL, NULL);
		if (rc != PP_OK)
			goto fail;
	}
	for (size_t i = 0; i < g->nhashes; i++) {
		struct pp_val b[4] = {
			PP_VAL_S(g->sad_id), sam_ledger_blob(g->hashes[i], g->hash_len),
			PP_VAL_I((int64_t)i), PP_VAL_I(now_ms),
		};
		rc = pp_store_exec(store, "INSERT INTO sad_hashes (sad, hash, position, state, updated_ms)"
		    " VALUES (?, ?, ?, 'AUTHORIZED', ?)", b, 4, NULL, NULL, NULL);
		if (rc != PP_OK)
			goto fail;
	}
	if ((rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	return PP_OK;

refuse:
	*why = r;
	rc = PP_ERR_FORBIDDEN;
fail:
	if (began)
		pp_store_rollback(store);
	return rc;
}

/* ------------------------------------------------------------------ reserve */

/* The SAD's attributes compared in SQL with the request's, so no copy of
 * stored text is needed. */
struct sam_ledger_sad_row {
	int found;
	int64_t same_sca, expires_ms, same_credential, same_algo;
};

static enum pp_err
sam_ledger_sad_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct sam_ledger_sad_row *s = ctx;

	if (ncols != 4)
		return PP_ERR_INTERNAL;
	for (size_t i = 0; i < ncols; i++)
		if (cols[i].type != PP_VAL_INT)
			return PP_ERR_INTERNAL;
	s->found = 1;
	s->same_sca = cols[0].i;
	s->expires_ms = cols[1].i;
	s->same_credential = cols[2].i;
	s->same_algo = cols[3].i;
	return PP_OK;
}

static enum pp_err
sam_ledger_batch_id(char *out)
{
	unsigned char raw[(SAM_BATCH_ID_SIZE - 1) / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		pp_err_log("sam ledger: RAND_bytes failed");
		return PP_ERR_INTERNAL;
	}
	pp_hex(raw, sizeof(raw), out);
	return PP_OK;
}

static enum pp_err
sam_ledger_reserve_do(struct pp_store *store, int own_tx, const char *sad_id, const char *credential,
    const char *sca, const char *hash_algo, const uint8_t *const *hashes, size_t hash_len,
    size_t nhashes, int64_t now_ms, char *batch_id, enum sam_refusal *why)
{
	struct sam_ledger_sad_row sad;
	char batch[SAM_BATCH_ID_SIZE];
	enum sam_refusal r = SAM_REFUSE_NONE;
	enum pp_err rc = PP_OK;
	int began = 0;

	if (why != NULL)
		*why = SAM_REFUSE_NONE;
	if (store == NULL || batch_id == NULL || why == NULL || now_ms < 0)
		return PP_ERR_INTERNAL;
	if (!sam_ledger_id_ok(sad_id) || !sam_ledger_id_ok(credential) || !sam_ledger_id_ok(sca) ||
	    !sam_ledger_id_ok(hash_algo)) {
		r = SAM_REFUSE_MALFORMED;
		goto refuse;
	}
	if ((r = sam_ledger_check_hashes(hash_algo, hashes, hash_len, nhashes)) != SAM_REFUSE_NONE)
		goto refuse;
	/* Drawn before the transaction so that the write lock is held as
	 * briefly as possible. */
	if ((rc = sam_ledger_batch_id(batch)) != PP_OK)
		goto fail;

	if (own_tx) {
		if ((rc = pp_store_begin(store)) != PP_OK)
			goto fail;
		began = 1;
	}
	memset(&sad, 0, sizeof(sad));
	{
		struct pp_val b[4] = { PP_VAL_S(sca), PP_VAL_S(credential), PP_VAL_S(hash_algo), PP_VAL_S(sad_id) };
		rc = pp_store_exec(store, "SELECT sca = ?, expires_ms, credential = ?, hash_algo = ?"
		    " FROM sads WHERE id = ?", b, 4, sam_ledger_sad_row, &sad, NULL);
		if (rc != PP_OK)
			goto fail;
	}
	/* Order matters: another client learns nothing past "not yours". */
	if (!sad.found)
		r = SAM_REFUSE_UNKNOWN_SAD;
	else if (!sad.same_sca)
		r = SAM_REFUSE_OTHER_SCA;
	else if (now_ms >= sad.expires_ms)
		r = SAM_REFUSE_EXPIRED;
	else if (!sad.same_credential)
		r = SAM_REFUSE_OTHER_CREDENTIAL;
	else if (!sad.same_algo)
		r = SAM_REFUSE_OTHER_ALGO;
	if (r != SAM_REFUSE_NONE)
		goto refuse;
	/* Each hash moved if it is AUTHORIZED; the first that is not says
	 * why, and the transaction (or the caller's savepoint) is rolled back:
	 * all or none, one statement per hash in the usual case. */
	for (size_t i = 0; i < nhashes; i++) {
		int64_t changes = 0;
		struct pp_val b[5] = {
			PP_VAL_S(batch), PP_VAL_I((int64_t)i), PP_VAL_I(now_ms),
			PP_VAL_S(sad_id), sam_ledger_blob(hashes[i], hash_len),
		};
		rc = pp_store_exec(store, "UPDATE sad_hashes SET state = 'RESERVED', batch = ?,"
		    " batch_pos = ?, updated_ms = ? WHERE sad = ? AND hash = ? AND state = 'AUTHORIZED'",
		    b, 5, NULL, NULL, &changes);
		if (rc != PP_OK)
			goto fail;
		if (changes == 1)
			continue;
		if (changes != 0) {
			/* (sad, hash) is the primary key. */
			pp_err_log("sam ledger: reserved %lld rows for one hash", (long long)changes);
			rc = PP_ERR_INTERNAL;
			goto fail;
		}
		struct sam_ledger_state_ctx st = { 0, SAM_HASH_AUTHORIZED };
		rc = pp_store_exec(store, "SELECT state FROM sad_hashes WHERE sad = ? AND hash = ?",
		    b + 3, 2, sam_ledger_state_row, &st, NULL);
		if (rc != PP_OK)
			goto fail;
		r = st.found == 0 ? SAM_REFUSE_HASH_NOT_COVERED : SAM_REFUSE_HASH_USED;
		goto refuse;
	}
	if (own_tx && (rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	memcpy(batch_id, batch, sizeof(batch));
	return PP_OK;

refuse:
	*why = r;
	rc = PP_ERR_FORBIDDEN;
fail:
	if (began)
		pp_store_rollback(store);
	return rc;
}

enum pp_err
sam_ledger_reserve(struct pp_store *store, const char *sad_id, const char *credential,
    const char *sca, const char *hash_algo, const uint8_t *const *hashes, size_t hash_len,
    size_t nhashes, int64_t now_ms, char *batch_id, enum sam_refusal *why)
{
	return sam_ledger_reserve_do(store, 1, sad_id, credential, sca, hash_algo, hashes, hash_len,
	    nhashes, now_ms, batch_id, why);
}

enum pp_err
sam_ledger_reserve_tx(struct pp_store *store, const char *sad_id, const char *credential,
    const char *sca, const char *hash_algo, const uint8_t *const *hashes, size_t hash_len,
    size_t nhashes, int64_t now_ms, char *batch_id, enum sam_refusal *why)
{
	return sam_ledger_reserve_do(store, 0, sad_id, credential, sca, hash_algo, hashes, hash_len,
	    nhashes, now_ms, batch_id, why);
}

/* ------------------------------------------------------------------ settle */

static int
sam_ledger_batch_id_ok(const char *s)
{
	if (s == NULL || strnlen(s, SAM_BATCH_ID_SIZE) != SAM_BATCH_ID_SIZE - 1)
		return 0;
	for (size_t i = 0; i < SAM_BATCH_ID_SIZE - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

struct sam_ledger_batch_row {
	int64_t n, min_pos, max_pos;
};

static enum pp_err
sam_ledger_batch_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct sam_ledger_batch_row *b = ctx;

	if (ncols != 3 || cols[0].type != PP_VAL_INT)
		return PP_ERR_INTERNAL;
	b->n = cols[0].i;
	/* MIN and MAX are NULL for an empty batch. */
	b->min_pos = cols[1].type == PP_VAL_INT ? cols[1].i : -1;
	b->max_pos = cols[2].type == PP_VAL_INT ? cols[2].i : -1;
	return PP_OK;
}

static enum pp_err
sam_ledger_settle_do(struct pp_store *store, int own_tx, const char *batch_id,
    const enum sam_outcome *outcomes, size_t n, int64_t now_ms)
{
	static const char *const sql[SAM_OUTCOME__MAX] = {
		[SAM_OUTCOME_SIGNED] = "UPDATE sad_hashes SET state = 'CONSUMED', updated_ms = ?"
		    " WHERE batch = ? AND batch_pos = ? AND state = 'RESERVED'",
		[SAM_OUTCOME_NOT_ATTEMPTED] = "UPDATE sad_hashes SET state = 'AUTHORIZED', batch = NULL,"
		    " batch_pos = NULL, updated_ms = ? WHERE batch = ? AND batch_pos = ? AND state = 'RESERVED'",
		[SAM_OUTCOME_AMBIGUOUS] = "UPDATE sad_hashes SET state = 'BURNED', burned_why = 'AMBIGUOUS',"
		    " updated_ms = ? WHERE batch = ? AND batch_pos = ? AND state = 'RESERVED'",
	};
	struct sam_ledger_batch_row batch = { 0, -1, -1 };
	enum pp_err rc;
	int began = 0;

	if (store == NULL || outcomes == NULL || n == 0 || n > SAM_LEDGER_MAX_HASHES || now_ms < 0 ||
	    !sam_ledger_batch_id_ok(batch_id))
		return PP_ERR_INTERNAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned)outcomes[i] >= SAM_OUTCOME__MAX)
			return PP_ERR_INTERNAL;

	if (own_tx) {
		if ((rc = pp_store_begin(store)) != PP_OK)
			goto fail;
		began = 1;
	}
	{
		struct pp_val b[1] = { PP_VAL_S(batch_id) };
		rc = pp_store_exec(store, "SELECT COUNT(*), MIN(batch_pos), MAX(batch_pos) FROM sad_hashes"
		    " WHERE batch = ? AND state = 'RESERVED'", b, 1, sam_ledger_batch_row, &batch, NULL);
		if (rc != PP_OK)
			goto fail;
	}
	if (batch.n == 0) {
		rc = PP_ERR_NOT_FOUND;
		goto fail;
	}
	/* Reserve numbers a batch 0..n-1 and moves it as a whole, so anything
	 * else is a caller that lost track of its batch. */
	if ((uint64_t)batch.n != (uint64_t)n || batch.min_pos != 0 || batch.max_pos != (int64_t)n - 1) {
		pp_err_log("sam ledger: batch %s has %lld reserved hashes, %zu outcomes given",
		    batch_id, (long long)batch.n, n);
		rc = PP_ERR_INTERNAL;
		goto fail;
	}
	/* The usual case, every hash signed: one statement for the batch. */
	size_t same = 1;
	while (same < n && outcomes[same] == outcomes[0])
		same++;
	if (same == n && outcomes[0] == SAM_OUTCOME_SIGNED) {
		int64_t changes = 0;
		struct pp_val b[2] = { PP_VAL_I(now_ms), PP_VAL_S(batch_id) };
		if ((rc = pp_store_exec(store, "UPDATE sad_hashes SET state = 'CONSUMED', updated_ms = ?"
		    " WHERE batch = ? AND state = 'RESERVED'", b, 2, NULL, NULL, &changes)) != PP_OK)
			goto fail;
		if ((uint64_t)changes != (uint64_t)n) {
			pp_err_log("sam ledger: batch %s: %lld rows settled, %zu expected", batch_id,
			    (long long)changes, n);
			rc = PP_ERR_INTERNAL;
			goto fail;
		}
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t changes = 0;
		struct pp_val b[3] = { PP_VAL_I(now_ms), PP_VAL_S(batch_id), PP_VAL_I((int64_t)i) };
		if ((rc = pp_store_exec(store, sql[outcomes[i]], b, 3, NULL, NULL, &changes)) != PP_OK)
			goto fail;
		if (changes != 1) {
			pp_err_log("sam ledger: batch %s position %zu: %lld rows settled",
			    batch_id, i, (long long)changes);
			rc = PP_ERR_INTERNAL;
			goto fail;
		}
	}
	if (own_tx && (rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	return PP_OK;

fail:
	if (began)
		pp_store_rollback(store);
	return rc;
}

enum pp_err
sam_ledger_settle(struct pp_store *store, const char *batch_id, const enum sam_outcome *outcomes,
    size_t n, int64_t now_ms)
{
	return sam_ledger_settle_do(store, 1, batch_id, outcomes, n, now_ms);
}

enum pp_err
sam_ledger_settle_tx(struct pp_store *store, const char *batch_id, const enum sam_outcome *outcomes,
    size_t n, int64_t now_ms)
{
	return sam_ledger_settle_do(store, 0, batch_id, outcomes, n, now_ms);
}

/* ------------------------------------------------------------------ expiry and recovery */

/* Burns expired AUTHORIZED rows; inside the caller's transaction. */
static enum pp_err
sam_ledger_burn_expired(struct pp_store *store, int64_t now_ms, int64_t *burned)
{
	struct pp_val b[2] = { PP_VAL_I(now_ms), PP_VAL_I(now_ms) };

	return pp_store_exec(store, "UPDATE sad_hashes SET state = 'BURNED', burned_why = 'EXPIRED',"
	    " updated_ms = ? WHERE state = 'AUTHORIZED'"
	    " AND sad IN (SELECT id FROM sads WHERE expires_ms <= ?)", b, 2, NULL, NULL, burned);
}

enum pp_err
sam_ledger_expire(struct pp_store *store, int64_t now_ms, int64_t *burned)
{
	int64_t n = 0;
	enum pp_err rc;

	if (store == NULL || burned == NULL || now_ms < 0)
		return PP_ERR_INTERNAL;
	*burned = 0;
	if ((rc = pp_store_begin(store)) != PP_OK)
		return rc;
	if ((rc = sam_ledger_burn_expired(store, now_ms, &n)) != PP_OK)
		goto fail;
	if ((rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	*burned = n;
	return PP_OK;

fail:
	pp_store_rollback(store);
	return rc;
}

enum pp_err
sam_ledger_revoke_tx(struct pp_store *store, const char *sad_id, int64_t now_ms, int64_t *burned)
{
	struct pp_val b[2] = { PP_VAL_I(now_ms), { 0 } };

	if (store == NULL || burned == NULL || now_ms < 0 || !sam_ledger_id_ok(sad_id))
		return PP_ERR_INTERNAL;
	*burned = 0;
	b[1] = PP_VAL_S(sad_id);
	/* RESERVED rows are a batch the HSM is signing for a call made before
	 * the revocation: settled as usual. */
	return pp_store_exec(store, "UPDATE sad_hashes SET state = 'BURNED', burned_why = 'REVOKED',"
	    " updated_ms = ? WHERE sad = ? AND state = 'AUTHORIZED'", b, 2, NULL, NULL, burned);
}

enum pp_err
sam_ledger_recover(struct pp_store *store, int64_t now_ms, struct sam_recovery *rec)
{
	struct sam_recovery r = { 0, 0 };
	enum pp_err rc;

	if (store == NULL || rec == NULL || now_ms < 0)
		return PP_ERR_INTERNAL;
	memset(rec, 0, sizeof(*rec));
	if ((rc = pp_store_begin(store)) != PP_OK)
		return rc;
	{
		/* The process that reserved these is gone: whether the HSM
		 * signed is unknowable, so they can never be signed again. */
		struct pp_val b[1] = { PP_VAL_I(now_ms) };
		rc = pp_store_exec(store, "UPDATE sad_hashes SET state = 'BURNED', burned_why = 'INTERRUPTED',"
		    " updated_ms = ? WHERE state = 'RESERVED'", b, 1, NULL, NULL, &r.reserved_burned);
		if (rc != PP_OK)
			goto fail;
	}
	if ((rc = sam_ledger_burn_expired(store, now_ms, &r.expired_burned)) != PP_OK)
		goto fail;
	if ((rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	*rec = r;
	return PP_OK;

fail:
	pp_store_rollback(store);
	return rc;
}

/* ------------------------------------------------------------------ reads */

enum pp_err
sam_ledger_sad_counts(struct pp_store *store, const char *sad_id, struct sam_ledger_counts *counts)
{
	struct sam_ledger_count_ctx c;
	enum pp_err rc;

	if (store == NULL || counts == NULL)
		return PP_ERR_INTERNAL;
	memset(counts, 0, sizeof(*counts));
	if (!sam_ledger_id_ok(sad_id))
		return PP_ERR_NOT_FOUND;
	memset(&c, 0, sizeof(c));
	/* One statement, so the counts are one consistent snapshot. */
	struct pp_val b[1] = { PP_VAL_S(sad_id) };
	rc = pp_store_exec(store, "SELECT h.state, COUNT(h.hash) FROM sads s"
	    " LEFT JOIN sad_hashes h ON h.sad = s.id WHERE s.id = ? GROUP BY h.state",
	    b, 1, sam_ledger_count_row, &c, NULL);
	if (rc != PP_OK)
		return rc;
	if (!c.found)
		return PP_ERR_NOT_FOUND;
	*counts = c.c;
	return PP_OK;
}

enum pp_err
sam_ledger_hash_state(struct pp_store *store, const char *sad_id, const uint8_t *hash,
    size_t hash_len, enum sam_hash_state *state)
{
	struct sam_ledger_state_ctx st = { 0, SAM_HASH_AUTHORIZED };
	enum pp_err rc;

	if (store == NULL || state == NULL)
		return PP_ERR_INTERNAL;
	if (!sam_ledger_id_ok(sad_id) || hash == NULL || hash_len == 0 || hash_len > 64)
		return PP_ERR_NOT_FOUND;
	struct pp_val b[2] = { PP_VAL_S(sad_id), sam_ledger_blob(hash, hash_len) };
	rc = pp_store_exec(store, "SELECT state FROM sad_hashes WHERE sad = ? AND hash = ?",
	    b, 2, sam_ledger_state_row, &st, NULL);
	if (rc != PP_OK)
		return rc;
	if (st.found == 0)
		return PP_ERR_NOT_FOUND;
	*state = st.state;
	return PP_OK;
}
