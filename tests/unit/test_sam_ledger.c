/*
 * The SAD ledger's state machine, against a real (file) SQLite database
 * with the "sam" schema: every refusal changes nothing, a batch is
 * reserved whole or not at all, settle and recovery, two processes racing
 * for the same hashes, and allocation failures inside SQLite at every
 * point of every write.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_test.h"
#include "sam_ledger.h"

#define NOW	INT64_C(1700000000000)
#define LIFE	INT64_C(60000)
#define NH	8

static char dbdir[256];
static char dbpath[300];
static struct pp_store *store;

/* Distinct test hashes of 64 bytes (the first 32/48 serve SHA-256/384),
 * differing in byte 7. */
static uint8_t hbuf[NH][64];
static const uint8_t *hashes[NH];
static uint8_t other[64];		/* a hash no SAD lists */

/* ------------------------------------------------------------------ SQLite allocation failures */

/* SQLite does not allocate through pp_malloc, so its allocator is wrapped
 * (before it is initialised): the allocation the countdown reaches fails,
 * once.  One failure, not every one after it: SQLite needs memory to roll
 * back, and a connection that cannot roll back stays in its transaction
 * (pp_store_rollback cannot report that), which no caller can repair. */
static sqlite3_mem_methods sqlite_real;
static long sqlite_countdown = -1;

static long sqlite_failed;

static int
sqlite_fail_now(void)
{
	if (sqlite_countdown < 0)
		return 0;
	if (sqlite_countdown-- > 0)
		return 0;
	sqlite_failed++;
	return 1;
}

static void *
sqlite_fail_malloc(int n)
{
	return sqlite_fail_now() ? NULL : sqlite_real.xMalloc(n);
}

static void *
sqlite_fail_realloc(void *p, int n)
{
	return sqlite_fail_now() ? NULL : sqlite_real.xRealloc(p, n);
}

static int
sqlite_fail_install(void)
{
	sqlite3_mem_methods m;

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_real) != SQLITE_OK)
		return -1;
	m = sqlite_real;
	m.xMalloc = sqlite_fail_malloc;
	m.xRealloc = sqlite_fail_realloc;
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -1;
}

/* ------------------------------------------------------------------ fixtures */

static int
group_setup(void **state)
{
	(void)state;
	for (int i = 0; i < NH; i++) {
		for (int j = 0; j < 64; j++)
			hbuf[i][j] = (uint8_t)(j + 1);
		hbuf[i][7] = (uint8_t)(0x80 + i);	/* in every digest length */
		hashes[i] = hbuf[i];
	}
	memset(other, 0xee, sizeof(other));
	snprintf(dbdir, sizeof(dbdir), "/tmp/pp_ledger_XXXXXX");
	return mkdtemp(dbdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return pp_test_rmtree(dbdir) == 0 ? 0 : -1;
}

static enum pp_err
open_sam(const char *path, int busy_ms, struct pp_store **out)
{
	const struct pp_migration *m;
	size_t n;

	m = pp_schema_migrations("sam", &n);
	return pp_store_open_with(&pp_store_sqlite_ops, path, busy_ms, m, n, out);
}

/* A fresh database file per test. */
static int
setup(void **state)
{
	static int n;

	(void)state;
	snprintf(dbpath, sizeof(dbpath), "%s/sam%d.db", dbdir, n++);
	store = NULL;
	return open_sam(dbpath, 1000, &store) == PP_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pp_mem_fail_after(-1);
	sqlite_countdown = -1;
	pp_store_close(store);
	store = NULL;
	return 0;
}

/* ------------------------------------------------------------------ helpers */

static struct sam_grant
grant(const char *sad, size_t first, size_t n)
{
	return (struct sam_grant){
		.sad_id = sad, .signatory = "alice", .credential = "cred-1", .sca = "sca-A",
		.session = "sess-1", .hash_algo = SAM_OID_SHA256, .hashes = &hashes[first],
		.hash_len = 32, .nhashes = n, .num_signatures = (int64_t)n, .expires_ms = NOW + LIFE,
	};
}

static void
authorize(const char *sad, size_t first, size_t n)
{
	struct sam_grant g = grant(sad, first, n);
	enum sam_refusal why = SAM_REFUSE__MAX;

	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);
	assert_int_equal(why, SAM_REFUSE_NONE);
}

/* Reserves hashes (pointers) for sad with the default attributes; returns
 * the refusal (SAM_REFUSE_NONE on success, batch filled). */
static enum sam_refusal
reserve_at(const char *sad, const uint8_t *const *hs, size_t n, int64_t now, char *batch)
{
	enum sam_refusal why = SAM_REFUSE__MAX;
	enum pp_err rc = sam_ledger_reserve(store, sad, "cred-1", "sca-A", SAM_OID_SHA256, hs, 32, n,
	    now, batch, &why);

	if (why == SAM_REFUSE_NONE)
		assert_int_equal(rc, PP_OK);
	else
		assert_int_equal(rc, PP_ERR_FORBIDDEN);
	return why;
}

static enum sam_refusal
reserve(const char *sad, const uint8_t *const *hs, size_t n, char *batch)
{
	return reserve_at(sad, hs, n, NOW, batch);
}

static enum sam_hash_state
state_of(const char *sad, const uint8_t *h)
{
	enum sam_hash_state st = SAM_HASH__MAX;

	assert_int_equal(sam_ledger_hash_state(store, sad, h, 32, &st), PP_OK);
	return st;
}

static struct sam_ledger_counts
counts(const char *sad)
{
	struct sam_ledger_counts c;

	assert_int_equal(sam_ledger_sad_counts(store, sad, &c), PP_OK);
	return c;
}

static void
assert_counts(const char *sad, int64_t a, int64_t r, int64_t c, int64_t b)
{
	struct sam_ledger_counts n = counts(sad);

	assert_int_equal(n.n[SAM_HASH_AUTHORIZED], a);
	assert_int_equal(n.n[SAM_HASH_RESERVED], r);
	assert_int_equal(n.n[SAM_HASH_CONSUMED], c);
	assert_int_equal(n.n[SAM_HASH_BURNED], b);
}

/* The whole ledger as one string, to prove a call changed nothing. */
static char snap_buf[2][1 << 16];

static enum pp_err
snap_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	char *out = ctx;
	size_t used = strlen(out);

	for (size_t i = 0; i < ncols; i++) {
		int w;
		if (cols[i].type == PP_VAL_INT)
			w = snprintf(out + used, sizeof(snap_buf[0]) - used, "%lld|", (long long)cols[i].i);
		else if (cols[i].type == PP_VAL_TEXT)
			w = snprintf(out + used, sizeof(snap_buf[0]) - used, "%.*s|", (int)cols[i].len,
			    (const char *)cols[i].p);
		else
			w = snprintf(out + used, sizeof(snap_buf[0]) - used, "null|");
		if (w < 0 || (size_t)w >= sizeof(snap_buf[0]) - used)
			return PP_ERR_INTERNAL;
		used += (size_t)w;
	}
	return PP_OK;
}

static const char *
snapshot(int slot)
{
	long saved = sqlite_countdown;

	sqlite_countdown = -1;
	snap_buf[slot][0] = '\0';
	assert_int_equal(pp_store_exec(store, "SELECT id, signatory, credential, sca, session, hash_algo,"
	    " num_signatures, expires_ms, created_ms FROM sads ORDER BY id", NULL, 0, snap_row,
	    snap_buf[slot], NULL), PP_OK);
	assert_int_equal(pp_store_exec(store, "SELECT sad, hex(hash), position, state, batch, batch_pos,"
	    " burned_why, updated_ms FROM sad_hashes ORDER BY sad, position", NULL, 0, snap_row,
	    snap_buf[slot], NULL), PP_OK);
	sqlite_countdown = saved;
	return snap_buf[slot];
}

static int
is_batch_id(const char *s)
{
	if (strlen(s) != SAM_BATCH_ID_SIZE - 1)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ the state machine */

/* authorise -> reserve -> settle signed -> the same hash again: refused. */
static void
test_sign_once(void **state)
{
	enum sam_outcome ok[3] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED };
	char batch[SAM_BATCH_ID_SIZE], batch2[SAM_BATCH_ID_SIZE] = "untouched";

	(void)state;
	authorize("sad-1", 0, 3);
	assert_counts("sad-1", 3, 0, 0, 0);
	assert_int_equal(reserve("sad-1", hashes, 3, batch), SAM_REFUSE_NONE);
	assert_true(is_batch_id(batch));
	assert_counts("sad-1", 0, 3, 0, 0);
	/* Reserved but not yet settled: not reservable either. */
	assert_int_equal(reserve("sad-1", &hashes[1], 1, batch2), SAM_REFUSE_HASH_USED);
	assert_string_equal(batch2, "untouched");
	assert_int_equal(sam_ledger_settle(store, batch, ok, 3, NOW + 1), PP_OK);
	assert_counts("sad-1", 0, 0, 3, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(state_of("sad-1", hashes[i]), SAM_HASH_CONSUMED);
	const char *before = snapshot(0);
	assert_int_equal(reserve("sad-1", hashes, 1, batch2), SAM_REFUSE_HASH_USED);
	assert_int_equal(reserve("sad-1", &hashes[2], 1, batch2), SAM_REFUSE_HASH_USED);
	assert_string_equal(snapshot(1), before);
	/* The batch is settled: settling it again finds nothing to settle. */
	assert_int_equal(sam_ledger_settle(store, batch, ok, 3, NOW + 2), PP_ERR_NOT_FOUND);
	assert_string_equal(snapshot(1), before);
	/* The grant's order is kept. */
	enum sam_hash_state st;
	assert_int_equal(sam_ledger_hash_state(store, "sad-1", other, 32, &st), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_sad_counts(store, "sad-none", &(struct sam_ledger_counts){ {0} }),
	    PP_ERR_NOT_FOUND);
}

/* A revoked SAD (its authorisation code presented twice): its unused rows
 * are burned REVOKED, a batch already reserved still settles, a consumed
 * row stays consumed, and nothing of it is signable afterwards. */
static void
test_revoke(void **state)
{
	enum sam_outcome ok[1] = { SAM_OUTCOME_SIGNED };
	char b1[SAM_BATCH_ID_SIZE], b2[SAM_BATCH_ID_SIZE], b3[SAM_BATCH_ID_SIZE];
	int64_t burned = -1;

	(void)state;
	authorize("sad-1", 0, 4);
	authorize("sad-2", 4, 2);
	assert_int_equal(reserve("sad-1", hashes, 1, b1), SAM_REFUSE_NONE);
	assert_int_equal(sam_ledger_settle(store, b1, ok, 1, NOW + 1), PP_OK);
	assert_int_equal(reserve("sad-1", &hashes[1], 1, b2), SAM_REFUSE_NONE);
	assert_int_equal(pp_store_begin(store), PP_OK);
	assert_int_equal(sam_ledger_revoke_tx(store, "sad-1", NOW + 2, &burned), PP_OK);
	assert_int_equal(pp_store_commit(store), PP_OK);
	assert_int_equal(burned, 2);
	assert_counts("sad-1", 0, 1, 1, 2);
	assert_counts("sad-2", 2, 0, 0, 0);
	assert_int_equal(sam_ledger_settle(store, b2, ok, 1, NOW + 3), PP_OK);
	assert_counts("sad-1", 0, 0, 2, 2);
	assert_int_equal(reserve("sad-1", &hashes[2], 1, b3), SAM_REFUSE_HASH_USED);
	assert_int_equal(reserve("sad-1", &hashes[3], 1, b3), SAM_REFUSE_HASH_USED);
	assert_int_equal(sam_ledger_revoke_tx(store, "bad id", NOW, &burned), PP_ERR_INTERNAL);
}

static void
test_positions_kept(void **state)
{
	const uint8_t *rev[3] = { hashes[2], hashes[0], hashes[1] };
	struct sam_grant g = grant("sad-p", 0, 3);
	enum sam_refusal why;
	int64_t pos = -1;

	(void)state;
	g.hashes = rev;
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);
	for (int i = 0; i < 3; i++) {
		struct pp_val b[2] = { PP_VAL_S("sad-p"), { .type = PP_VAL_BLOB, .p = rev[i], .len = 32 } };
		char out[64] = "";
		assert_int_equal(pp_store_exec(store, "SELECT position FROM sad_hashes WHERE sad = ? AND hash = ?",
		    b, 2, snap_row, out, NULL), PP_OK);
		pos = strtoll(out, NULL, 10);
		assert_int_equal(pos, i);
	}
}

/* A hash the SAD does not list: refused, and the batch's other hashes
 * are untouched (all or none). */
static void
test_not_covered_all_or_none(void **state)
{
	const uint8_t *batch_hs[3] = { hashes[0], hashes[1], other };
	const uint8_t *last[3] = { hashes[0], hashes[1], hashes[5] };	/* listed by another SAD */
	char batch[SAM_BATCH_ID_SIZE];

	(void)state;
	authorize("sad-1", 0, 3);
	authorize("sad-2", 5, 1);
	const char *before = snapshot(0);
	assert_int_equal(reserve("sad-1", batch_hs, 3, batch), SAM_REFUSE_HASH_NOT_COVERED);
	assert_string_equal(snapshot(1), before);
	assert_int_equal(reserve("sad-1", last, 3, batch), SAM_REFUSE_HASH_NOT_COVERED);
	assert_string_equal(snapshot(1), before);
	assert_int_equal(state_of("sad-1", hashes[0]), SAM_HASH_AUTHORIZED);
	assert_int_equal(state_of("sad-1", hashes[1]), SAM_HASH_AUTHORIZED);
	assert_int_equal(state_of("sad-2", hashes[5]), SAM_HASH_AUTHORIZED);
	/* The covered part alone goes through. */
	assert_int_equal(reserve("sad-1", batch_hs, 2, batch), SAM_REFUSE_NONE);
	assert_counts("sad-1", 1, 2, 0, 0);
	/* A used hash anywhere in a batch stops the whole batch. */
	const uint8_t *mixed[2] = { hashes[2], hashes[0] };
	before = snapshot(0);
	assert_int_equal(reserve("sad-1", mixed, 2, batch), SAM_REFUSE_HASH_USED);
	assert_string_equal(snapshot(1), before);
	assert_int_equal(state_of("sad-1", hashes[2]), SAM_HASH_AUTHORIZED);
}

/* Other SCA, credential, algorithm, unknown SAD, expiry: refused, nothing
 * changed, and the right reason. */
static void
test_sad_binding(void **state)
{
	char batch[SAM_BATCH_ID_SIZE];
	enum sam_refusal why;
	const uint8_t *h384[1] = { hashes[0] };

	(void)state;
	authorize("sad-1", 0, 2);
	const char *before = snapshot(0);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-B", SAM_OID_SHA256, hashes, 32, 2,
	    NOW, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_OTHER_SCA);
	/* Another client learns nothing more, even about expiry. */
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-2", "sca-B", SAM_OID_SHA256, hashes, 32, 2,
	    NOW + LIFE, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_OTHER_SCA);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-2", "sca-A", SAM_OID_SHA256, hashes, 32, 2,
	    NOW, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_OTHER_CREDENTIAL);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", SAM_OID_SHA384, h384, 48, 1,
	    NOW, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_OTHER_ALGO);
	/* SHA-384 named, SHA-256-sized hashes: a length error first. */
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", SAM_OID_SHA384, hashes, 32, 2,
	    NOW, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_BAD_LENGTH);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", "1.2.840.113549.2.5", hashes, 16, 2,
	    NOW, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_UNKNOWN_ALGO);
	assert_int_equal(reserve("sad-9", hashes, 2, batch), SAM_REFUSE_UNKNOWN_SAD);
	/* Expiry: the last millisecond before is fine, the expiry itself not. */
	assert_int_equal(reserve_at("sad-1", hashes, 2, NOW + LIFE, batch), SAM_REFUSE_EXPIRED);
	assert_int_equal(reserve_at("sad-1", hashes, 2, NOW + LIFE + 3600000, batch), SAM_REFUSE_EXPIRED);
	assert_string_equal(snapshot(1), before);
	assert_int_equal(reserve_at("sad-1", hashes, 2, NOW + LIFE - 1, batch), SAM_REFUSE_NONE);
	assert_counts("sad-1", 0, 2, 0, 0);
}

static void
test_duplicate_in_batch(void **state)
{
	const uint8_t *dup[3] = { hashes[0], hashes[1], hashes[0] };
	uint8_t copy[32];
	const uint8_t *dup_copy[2] = { hashes[1], copy };
	char batch[SAM_BATCH_ID_SIZE];

	(void)state;
	authorize("sad-1", 0, 3);
	const char *before = snapshot(0);
	assert_int_equal(reserve("sad-1", dup, 3, batch), SAM_REFUSE_DUPLICATE);
	/* Equal bytes at another address are the same hash. */
	memcpy(copy, hashes[1], 32);
	assert_int_equal(reserve("sad-1", dup_copy, 2, batch), SAM_REFUSE_DUPLICATE);
	assert_string_equal(snapshot(1), before);
}

/* Reserve 2 of 5, then the 3 others, then nothing is left. */
static void
test_partial_batches(void **state)
{
	enum sam_outcome ok[3] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED };
	char b1[SAM_BATCH_ID_SIZE], b2[SAM_BATCH_ID_SIZE];

	(void)state;
	authorize("sad-5", 0, 5);
	assert_int_equal(reserve("sad-5", hashes, 2, b1), SAM_REFUSE_NONE);
	assert_counts("sad-5", 3, 2, 0, 0);
	/* Overlapping a reserved batch: refused. */
	assert_int_equal(reserve("sad-5", &hashes[1], 4, b2), SAM_REFUSE_HASH_USED);
	assert_int_equal(reserve("sad-5", &hashes[2], 3, b2), SAM_REFUSE_NONE);
	assert_string_not_equal(b1, b2);
	assert_counts("sad-5", 0, 5, 0, 0);
	/* Batches settle independently, in any order. */
	assert_int_equal(sam_ledger_settle(store, b2, ok, 3, NOW), PP_OK);
	assert_counts("sad-5", 0, 2, 3, 0);
	assert_int_equal(sam_ledger_settle(store, b1, ok, 2, NOW), PP_OK);
	assert_counts("sad-5", 0, 0, 5, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(reserve("sad-5", &hashes[i], 1, b2), SAM_REFUSE_HASH_USED);
	/* Beyond numSignatures: any other hash is not covered. */
	assert_int_equal(reserve("sad-5", &hashes[5], 1, b2), SAM_REFUSE_HASH_NOT_COVERED);
}

/* SIGNED consumes, NOT_ATTEMPTED gives the hash back, AMBIGUOUS burns. */
static void
test_settle_outcomes(void **state)
{
	enum sam_outcome mixed[4] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_NOT_ATTEMPTED, SAM_OUTCOME_AMBIGUOUS,
	    SAM_OUTCOME_NOT_ATTEMPTED };
	const uint8_t *order[4] = { hashes[3], hashes[2], hashes[1], hashes[0] };
	char batch[SAM_BATCH_ID_SIZE], again[SAM_BATCH_ID_SIZE];

	(void)state;
	authorize("sad-1", 0, 4);
	/* Batch order, not grant order, is what outcomes follow. */
	assert_int_equal(reserve("sad-1", order, 4, batch), SAM_REFUSE_NONE);
	const char *before = snapshot(0);
	/* Wrong count, unknown or malformed batch, bad outcome: nothing changes. */
	assert_int_equal(sam_ledger_settle(store, batch, mixed, 3, NOW), PP_ERR_INTERNAL);
	enum sam_outcome five[5] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED,
	    SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED };
	assert_int_equal(sam_ledger_settle(store, batch, five, 5, NOW), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_settle(store, "0123456789abcdef0123456789abcdef", mixed, 4, NOW),
	    PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_settle(store, "0123456789ABCDEF0123456789ABCDEF", mixed, 4, NOW),
	    PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_settle(store, "short", mixed, 4, NOW), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_settle(store, NULL, mixed, 4, NOW), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_settle(store, batch, NULL, 4, NOW), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_settle(store, batch, mixed, 0, NOW), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_settle(NULL, batch, mixed, 4, NOW), PP_ERR_INTERNAL);
	enum sam_outcome bad[4] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME__MAX, SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED };
	assert_int_equal(sam_ledger_settle(store, batch, bad, 4, NOW), PP_ERR_INTERNAL);
	assert_string_equal(snapshot(1), before);

	assert_int_equal(sam_ledger_settle(store, batch, mixed, 4, NOW + 5), PP_OK);
	assert_int_equal(state_of("sad-1", hashes[3]), SAM_HASH_CONSUMED);
	assert_int_equal(state_of("sad-1", hashes[2]), SAM_HASH_AUTHORIZED);
	assert_int_equal(state_of("sad-1", hashes[1]), SAM_HASH_BURNED);
	assert_int_equal(state_of("sad-1", hashes[0]), SAM_HASH_AUTHORIZED);
	assert_counts("sad-1", 2, 0, 1, 1);
	/* The burned and the signed hash are spent; the others can be retried. */
	assert_int_equal(reserve("sad-1", &hashes[1], 1, again), SAM_REFUSE_HASH_USED);
	assert_int_equal(reserve("sad-1", &hashes[3], 1, again), SAM_REFUSE_HASH_USED);
	assert_int_equal(reserve("sad-1", hashes, 1, again), SAM_REFUSE_NONE);
	enum sam_outcome amb[1] = { SAM_OUTCOME_AMBIGUOUS };
	assert_int_equal(sam_ledger_settle(store, again, amb, 1, NOW + 6), PP_OK);
	assert_int_equal(state_of("sad-1", hashes[0]), SAM_HASH_BURNED);
	assert_counts("sad-1", 1, 0, 1, 2);
}

/* A "crash": reserved, never settled; recovery burns those rows and the
 * unused rows of expired SADs, and nothing else. */
static void
test_recover(void **state)
{
	enum sam_outcome ok[2] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_SIGNED };
	struct sam_recovery rec = { -1, -1 };
	char crashed[SAM_BATCH_ID_SIZE], done[SAM_BATCH_ID_SIZE], b[SAM_BATCH_ID_SIZE];
	struct sam_grant g;
	enum sam_refusal why;

	(void)state;
	authorize("sad-crash", 0, 3);		/* 2 reserved then "crash", 1 left */
	authorize("sad-live", 3, 2);		/* 1 signed, 1 authorised: untouched */
	g = grant("sad-old", 5, 2);		/* expires soon: burned */
	g.expires_ms = NOW + 10;
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);
	assert_int_equal(reserve("sad-crash", hashes, 2, crashed), SAM_REFUSE_NONE);
	assert_int_equal(reserve("sad-live", &hashes[3], 1, done), SAM_REFUSE_NONE);
	assert_int_equal(sam_ledger_settle(store, done, ok, 1, NOW), PP_OK);

	assert_int_equal(sam_ledger_recover(store, NOW + 20, &rec), PP_OK);
	assert_int_equal(rec.reserved_burned, 2);
	assert_int_equal(rec.expired_burned, 2);
	assert_counts("sad-crash", 1, 0, 0, 2);
	assert_counts("sad-live", 1, 0, 1, 0);
	assert_counts("sad-old", 0, 0, 0, 2);
	/* The interrupted batch can neither be settled nor reserved again. */
	assert_int_equal(sam_ledger_settle(store, crashed, ok, 2, NOW + 21), PP_ERR_NOT_FOUND);
	assert_int_equal(reserve_at("sad-crash", hashes, 1, NOW + 21, b), SAM_REFUSE_HASH_USED);
	assert_int_equal(reserve_at("sad-crash", &hashes[2], 1, NOW + 21, b), SAM_REFUSE_NONE);
	/* Idempotent: a second recovery finds nothing more. */
	const char *before = snapshot(0);
	assert_int_equal(sam_ledger_recover(store, NOW + 22, &rec), PP_OK);
	assert_int_equal(rec.reserved_burned, 1);	/* the batch just reserved */
	assert_int_equal(rec.expired_burned, 0);
	assert_int_equal(sam_ledger_recover(store, NOW + 23, &rec), PP_OK);
	assert_int_equal(rec.reserved_burned, 0);
	assert_int_equal(rec.expired_burned, 0);
	assert_string_not_equal(snapshot(1), before);

	/* The periodic sweep burns expired rows only. */
	int64_t burned = -1;
	assert_int_equal(sam_ledger_expire(store, NOW + 24, &burned), PP_OK);
	assert_int_equal(burned, 0);
	assert_int_equal(sam_ledger_expire(store, NOW + LIFE, &burned), PP_OK);
	assert_int_equal(burned, 1);			/* sad-live's last hash */
	assert_counts("sad-live", 0, 0, 1, 1);
	assert_int_equal(sam_ledger_expire(NULL, NOW, &burned), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_expire(store, NOW, NULL), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_recover(store, NOW, NULL), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_recover(NULL, NOW, &rec), PP_ERR_INTERNAL);
}

/* A real kill -9: a child reserves a batch and is killed before settling;
 * a new process recovers and burns it. */
static void
test_kill9(void **state)
{
	char batch[SAM_BATCH_ID_SIZE];
	struct sam_recovery rec;
	int ready[2], st;
	pid_t pid;

	(void)state;
	authorize("sad-k", 0, 3);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pp_store *c = NULL;
		enum sam_refusal why;
		char b[SAM_BATCH_ID_SIZE];
		close(ready[0]);
		if (open_sam(dbpath, 5000, &c) != PP_OK ||
		    sam_ledger_reserve(c, "sad-k", "cred-1", "sca-A", SAM_OID_SHA256, hashes, 32, 2, NOW,
		    b, &why) != PP_OK)
			_exit(1);
		if (write(ready[1], b, SAM_BATCH_ID_SIZE) != SAM_BATCH_ID_SIZE)
			_exit(1);
		for (;;)
			pause();	/* "signing" when the kill comes */
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], batch, sizeof(batch)), (ssize_t)sizeof(batch));
	close(ready[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));

	/* The SAM restarts: a new connection, recovery first. */
	pp_store_close(store);
	store = NULL;
	assert_int_equal(open_sam(dbpath, 1000, &store), PP_OK);
	assert_counts("sad-k", 1, 2, 0, 0);
	assert_int_equal(sam_ledger_recover(store, NOW + 1, &rec), PP_OK);
	assert_int_equal(rec.reserved_burned, 2);
	assert_counts("sad-k", 1, 0, 0, 2);
	assert_int_equal(reserve("sad-k", hashes, 1, batch), SAM_REFUSE_HASH_USED);
}

/* Processes racing for the same hashes: exactly one wins, the others are
 * told HASH_USED, and only the winner's rows are reserved. */
static void
race(const char *sad, const uint8_t *const *a, const uint8_t *const *b, size_t n, int64_t want_reserved)
{
	enum { P = 6 };
	pid_t pids[P];
	int go[2], wins = 0, used = 0;

	assert_int_equal(pipe(go), 0);
	for (int i = 0; i < P; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct pp_store *c = NULL;
			enum sam_refusal why = SAM_REFUSE_NONE;
			char batch[SAM_BATCH_ID_SIZE], x;
			enum pp_err rc;
			close(go[1]);
			/* The parent's connection is left alone (SQLite
			 * connections must not cross fork); a new one: */
			if (open_sam(dbpath, 20000, &c) != PP_OK)
				_exit(3);
			/* Everyone is connected; start together. */
			if (read(go[0], &x, 1) != 0)
				_exit(3);
			rc = sam_ledger_reserve(c, sad, "cred-1", "sca-A", SAM_OID_SHA256, i % 2 ? b : a, 32, n,
			    NOW, batch, &why);
			pp_store_close(c);
			if (rc == PP_OK)
				_exit(0);
			_exit(rc == PP_ERR_FORBIDDEN && why == SAM_REFUSE_HASH_USED ? 1 : 2);
		}
	}
	close(go[0]);
	usleep(100000);
	close(go[1]);		/* EOF releases every child at once */
	for (int i = 0; i < P; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) == 0)
			wins++;
		else if (WEXITSTATUS(st) == 1)
			used++;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(used, P - 1);
	assert_int_equal(counts(sad).n[SAM_HASH_RESERVED], want_reserved);
}

static void
test_concurrent_reserve(void **state)
{
	const uint8_t *ab[2] = { hashes[0], hashes[1] }, *bc[2] = { hashes[1], hashes[2] };

	(void)state;
	for (int round = 0; round < 4; round++) {
		char sad[32];
		snprintf(sad, sizeof(sad), "sad-race-%d", round);
		authorize(sad, 0, 3);
		if (round % 2)
			race(sad, hashes, hashes, 3, 3);	/* the very same batch */
		else
			race(sad, ab, bc, 2, 2);		/* overlapping on one hash */
		assert_int_equal(counts(sad).n[SAM_HASH_AUTHORIZED], 3 - counts(sad).n[SAM_HASH_RESERVED]);
	}
}

/* ------------------------------------------------------------------ failures */

/* The ledger allocates nothing itself: with every pp_malloc failing, it
 * works. */
static void
test_no_heap(void **state)
{
	enum sam_outcome ok[2] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_AMBIGUOUS };
	struct sam_recovery rec;
	char batch[SAM_BATCH_ID_SIZE];

	(void)state;
	pp_mem_fail_after(0);
	authorize("sad-1", 0, 3);
	assert_int_equal(reserve("sad-1", hashes, 2, batch), SAM_REFUSE_NONE);
	assert_int_equal(sam_ledger_settle(store, batch, ok, 2, NOW), PP_OK);
	assert_int_equal(sam_ledger_recover(store, NOW + LIFE, &rec), PP_OK);
	pp_mem_fail_after(-1);
	assert_counts("sad-1", 0, 0, 1, 2);
}

/* Runs op with SQLite's k-th allocation failing, for k = 0, 1, ... until
 * it succeeds; every failure must be a clean error with the ledger exactly
 * as before.  Returns the number of failures seen. */
typedef enum pp_err (*ledger_op)(void);

static int
inject(ledger_op op)
{
	int failures = 0;

	for (long k = 0; k < 100000; k++) {
		static char before[sizeof(snap_buf[0])];
		strcpy(before, snapshot(0));
		sqlite_countdown = k;
		enum pp_err rc = op();
		sqlite_countdown = -1;
		if (rc == PP_OK)
			return failures;
		assert_true(rc == PP_ERR_NOMEM || rc == PP_ERR_DB);
		assert_string_equal(snapshot(1), before);
		failures++;
	}
	fail_msg("operation never succeeded");
	return failures;
}

static char op_batch[SAM_BATCH_ID_SIZE];
static const char *op_sad;

static enum pp_err
op_authorize(void)
{
	struct sam_grant g = grant(op_sad, 0, 4);
	enum sam_refusal why;

	return sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why);
}

static enum pp_err
op_reserve(void)
{
	enum sam_refusal why;

	return sam_ledger_reserve(store, op_sad, "cred-1", "sca-A", SAM_OID_SHA256, hashes, 32, 3, NOW,
	    op_batch, &why);
}

static enum pp_err
op_settle(void)
{
	enum sam_outcome o[3] = { SAM_OUTCOME_SIGNED, SAM_OUTCOME_NOT_ATTEMPTED, SAM_OUTCOME_AMBIGUOUS };

	return sam_ledger_settle(store, op_batch, o, 3, NOW + 1);
}

static enum pp_err
op_recover(void)
{
	struct sam_recovery rec;

	return sam_ledger_recover(store, NOW + LIFE, &rec);
}

/* One round of every write under injection, for SAD sad. */
static int
inject_round(const char *sad)
{
	struct sam_recovery rec;
	char b[SAM_BATCH_ID_SIZE];
	int n = 0;

	op_sad = sad;
	n += inject(op_authorize);
	assert_counts(sad, 4, 0, 0, 0);
	n += inject(op_reserve);
	assert_counts(sad, 1, 3, 0, 0);
	n += inject(op_settle);
	assert_counts(sad, 2, 0, 1, 1);
	/* Leave one RESERVED for recovery to burn. */
	assert_int_equal(reserve(sad, &hashes[1], 1, b), SAM_REFUSE_NONE);
	n += inject(op_recover);
	assert_counts(sad, 0, 0, 1, 3);
	/* The last successful recovery did the work. */
	assert_int_equal(sam_ledger_recover(store, NOW + LIFE, &rec), PP_OK);
	assert_int_equal(rec.reserved_burned + rec.expired_burned, 0);
	return n;
}

static void
test_sqlite_alloc_failures(void **state)
{
	int cold, warm;

	(void)state;
	/* A fresh connection, so statements are prepared under injection;
	 * then again with every statement cached, so failures land in
	 * binding, stepping and committing. */
	pp_store_close(store);
	store = NULL;
	assert_int_equal(open_sam(dbpath, 1000, &store), PP_OK);
	sqlite_failed = 0;
	cold = inject_round("sad-f");
	warm = inject_round("sad-g");
	assert_true(cold > 0 && warm > 0);	/* the injection did reach SQLite */
	assert_true(sqlite_failed >= cold + warm);
}

/* ------------------------------------------------------------------ input validation */

static void
refuse_grant(const struct sam_grant *g, int64_t max_life, enum sam_refusal want)
{
	enum sam_refusal why = SAM_REFUSE__MAX;
	const char *before = snapshot(0);

	assert_int_equal(sam_ledger_authorize(store, g, NOW, max_life, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, want);
	assert_string_equal(snapshot(1), before);
}

static void
test_grant_validation(void **state)
{
	char longid[SAM_ID_MAX + 2];
	const uint8_t *with_null[2] = { hashes[0], NULL };
	const uint8_t *dup[2] = { hashes[1], hashes[1] };
	const char *bad_ids[] = { NULL, "", "has space", "tab\there", "nl\n", "\x7f", "caf\xc3\xa9", longid };
	enum sam_refusal why;
	struct sam_grant g;

	(void)state;
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		for (int f = 0; f < 6; f++) {
			g = grant("sad-v", 0, 2);
			const char **field[6] = { &g.sad_id, &g.signatory, &g.credential, &g.sca, &g.session,
			    &g.hash_algo };
			*field[f] = bad_ids[i];
			refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_MALFORMED);
		}
	}
	/* The longest identifier is fine. */
	longid[SAM_ID_MAX] = '\0';
	g = grant(longid, 0, 1);
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);

	g = grant("sad-v", 0, 2);
	g.hash_algo = "1.3.14.3.2.26";			/* SHA-1 */
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_UNKNOWN_ALGO);
	g = grant("sad-v", 0, 2);
	g.hash_len = 31;
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_BAD_LENGTH);
	g.hash_len = 48;
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_BAD_LENGTH);
	g.hash_algo = SAM_OID_SHA384;
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);
	g = grant("sad-v512", 0, 2);
	g.hash_algo = SAM_OID_SHA512;
	g.hash_len = 64;
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);

	g = grant("sad-w", 0, 0);
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_MALFORMED);	/* empty set */
	g = grant("sad-w", 0, 2);
	g.hashes = NULL;
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_MALFORMED);
	g.hashes = with_null;
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_MALFORMED);
	g = grant("sad-w", 0, 2);
	g.nhashes = SAM_LEDGER_MAX_HASHES + 1;
	g.num_signatures = (int64_t)g.nhashes;
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_MALFORMED);
	g = grant("sad-w", 0, 2);
	g.hashes = dup;
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_DUPLICATE);

	/* numSignatures must equal the number of hashes. */
	int64_t counts_bad[] = { 0, -1, 1, 3, INT64_MAX, INT64_MIN };
	for (size_t i = 0; i < sizeof(counts_bad) / sizeof(counts_bad[0]); i++) {
		g = grant("sad-w", 0, 2);
		g.num_signatures = counts_bad[i];
		refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_COUNT_MISMATCH);
	}

	/* Expiry in (now, now + max]. */
	int64_t exp_bad[] = { NOW, NOW - 1, 0, -1, INT64_MIN, NOW + SAM_SAD_MAX_LIFE_MS + 1, INT64_MAX };
	for (size_t i = 0; i < sizeof(exp_bad) / sizeof(exp_bad[0]); i++) {
		g = grant("sad-w", 0, 2);
		g.expires_ms = exp_bad[i];
		refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_BAD_EXPIRY);
	}
	g = grant("sad-w", 0, 2);
	g.expires_ms = NOW + 1000;
	refuse_grant(&g, 999, SAM_REFUSE_BAD_EXPIRY);
	g.expires_ms = NOW + SAM_SAD_MAX_LIFE_MS;
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);

	/* A SAD id is used once, even with other hashes. */
	g = grant("sad-w", 4, 2);
	refuse_grant(&g, SAM_SAD_MAX_LIFE_MS, SAM_REFUSE_SAD_EXISTS);
	/* The same hash may be authorised by two SADs. */
	g = grant("sad-x", 0, 2);
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_OK);

	/* Contract violations by the caller. */
	const char *before = snapshot(0);
	g = grant("sad-y", 0, 2);
	why = SAM_REFUSE__MAX;
	assert_int_equal(sam_ledger_authorize(NULL, &g, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_ERR_INTERNAL);
	assert_int_equal(why, SAM_REFUSE_NONE);
	assert_int_equal(sam_ledger_authorize(store, NULL, NOW, SAM_SAD_MAX_LIFE_MS, &why), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, SAM_SAD_MAX_LIFE_MS, NULL), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_authorize(store, &g, NOW, 0, &why), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_authorize(store, &g, -1, SAM_SAD_MAX_LIFE_MS, &why), PP_ERR_INTERNAL);
	assert_string_equal(snapshot(1), before);
}

static void
test_reserve_validation(void **state)
{
	char longid[SAM_ID_MAX + 2], batch[SAM_BATCH_ID_SIZE];
	const uint8_t *with_null[2] = { hashes[0], NULL };
	enum sam_refusal why;

	(void)state;
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	authorize("sad-1", 0, 3);
	const char *before = snapshot(0);
	const char *bad_ids[] = { NULL, "", "a b", longid, "\x01" };
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		for (int f = 0; f < 4; f++) {
			const char *v[4] = { "sad-1", "cred-1", "sca-A", SAM_OID_SHA256 };
			v[f] = bad_ids[i];
			why = SAM_REFUSE__MAX;
			assert_int_equal(sam_ledger_reserve(store, v[0], v[1], v[2], v[3], hashes, 32, 1, NOW,
			    batch, &why), PP_ERR_FORBIDDEN);
			assert_int_equal(why, SAM_REFUSE_MALFORMED);
		}
	}
	assert_int_equal(reserve("sad-1", NULL, 1, batch), SAM_REFUSE_MALFORMED);
	assert_int_equal(reserve("sad-1", hashes, 0, batch), SAM_REFUSE_MALFORMED);
	assert_int_equal(reserve("sad-1", with_null, 2, batch), SAM_REFUSE_MALFORMED);
	assert_int_equal(reserve("sad-1", hashes, SAM_LEDGER_MAX_HASHES + 1, batch), SAM_REFUSE_MALFORMED);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", SAM_OID_SHA256, hashes, 64, 1,
	    NOW, batch, &why), PP_ERR_FORBIDDEN);
	assert_int_equal(why, SAM_REFUSE_BAD_LENGTH);
	why = SAM_REFUSE__MAX;
	assert_int_equal(sam_ledger_reserve(NULL, "sad-1", "cred-1", "sca-A", SAM_OID_SHA256, hashes, 32, 1,
	    NOW, batch, &why), PP_ERR_INTERNAL);
	assert_int_equal(why, SAM_REFUSE_NONE);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", SAM_OID_SHA256, hashes, 32, 1,
	    NOW, NULL, &why), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", SAM_OID_SHA256, hashes, 32, 1,
	    NOW, batch, NULL), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_reserve(store, "sad-1", "cred-1", "sca-A", SAM_OID_SHA256, hashes, 32, 1,
	    -5, batch, &why), PP_ERR_INTERNAL);
	assert_string_equal(snapshot(1), before);

	/* Reads refuse nonsense without crashing. */
	enum sam_hash_state st;
	struct sam_ledger_counts c;
	assert_int_equal(sam_ledger_hash_state(store, NULL, hashes[0], 32, &st), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_hash_state(store, "sad-1", NULL, 32, &st), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_hash_state(store, "sad-1", hashes[0], 0, &st), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_hash_state(store, "sad-1", hashes[0], 65, &st), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_hash_state(store, "sad-1", hashes[0], 32, NULL), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_hash_state(NULL, "sad-1", hashes[0], 32, &st), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_sad_counts(store, longid, &c), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_ledger_sad_counts(store, "sad-1", NULL), PP_ERR_INTERNAL);
	assert_int_equal(sam_ledger_sad_counts(NULL, "sad-1", &c), PP_ERR_INTERNAL);
}

/* The schema holds the state machine even against direct SQL. */
static void
test_schema_guards(void **state)
{
	enum sam_outcome ok[1] = { SAM_OUTCOME_SIGNED };
	char batch[SAM_BATCH_ID_SIZE];
	static const char *const forbidden[] = {
		"UPDATE sad_hashes SET state = 'AUTHORIZED', batch = NULL, batch_pos = NULL WHERE state = 'CONSUMED'",
		"UPDATE sad_hashes SET state = 'RESERVED' WHERE state = 'CONSUMED'",
		"UPDATE sad_hashes SET state = 'AUTHORIZED', burned_why = NULL WHERE state = 'BURNED'",
		"UPDATE sad_hashes SET state = 'CONSUMED' WHERE state = 'AUTHORIZED'",
		"UPDATE sad_hashes SET state = 'RESERVED' WHERE state = 'AUTHORIZED'",	/* no batch */
		"UPDATE sad_hashes SET hash = zeroblob(32) WHERE state = 'AUTHORIZED'",
		"UPDATE sads SET expires_ms = expires_ms + 1000000",
		"UPDATE sads SET sca = 'sca-B'",
		"INSERT INTO sad_hashes (sad, hash, position, state, batch, batch_pos, updated_ms)"
		" VALUES ('sad-1', zeroblob(32), 9, 'RESERVED', 'b', 0, 0)",
		"INSERT INTO sad_hashes (sad, hash, position, state, updated_ms)"
		" VALUES ('sad-1', zeroblob(20), 9, 'AUTHORIZED', 0)",
		"INSERT INTO sad_hashes (sad, hash, position, state, updated_ms)"
		" VALUES ('sad-none', zeroblob(32), 9, 'AUTHORIZED', 0)",
	};

	(void)state;
	authorize("sad-1", 0, 3);
	assert_int_equal(reserve("sad-1", hashes, 1, batch), SAM_REFUSE_NONE);
	assert_int_equal(sam_ledger_settle(store, batch, ok, 1, NOW), PP_OK);
	assert_int_equal(reserve("sad-1", &hashes[1], 1, batch), SAM_REFUSE_NONE);
	enum sam_outcome amb[1] = { SAM_OUTCOME_AMBIGUOUS };
	assert_int_equal(sam_ledger_settle(store, batch, amb, 1, NOW), PP_OK);
	const char *before = snapshot(0);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		assert_int_not_equal(pp_store_exec(store, forbidden[i], NULL, 0, NULL, NULL, NULL), PP_OK);
	assert_string_equal(snapshot(1), before);
}

static void
test_texts(void **state)
{
	(void)state;
	for (int i = 0; i <= SAM_REFUSE__MAX; i++) {
		const char *e = sam_refusal_csc_error((enum sam_refusal)i);
		assert_non_null(sam_refusal_text((enum sam_refusal)i));
		assert_non_null(sam_refusal_name((enum sam_refusal)i));
		assert_true(strcmp(e, "invalid_request") == 0 || strcmp(e, "invalid_token") == 0 ||
		    strcmp(e, "expired_token") == 0 || strcmp(e, "access_denied") == 0);
	}
	assert_string_equal(sam_refusal_csc_error(SAM_REFUSE_EXPIRED), "expired_token");
	assert_string_equal(sam_refusal_csc_error(SAM_REFUSE_UNKNOWN_SAD), "invalid_token");
	assert_string_equal(sam_refusal_csc_error(SAM_REFUSE_HASH_USED), "access_denied");
	assert_string_equal(sam_refusal_csc_error(SAM_REFUSE_BAD_LENGTH), "invalid_request");
	assert_string_equal(sam_refusal_name(SAM_REFUSE_HASH_NOT_COVERED), "HASH_NOT_COVERED");
	assert_string_equal(sam_refusal_csc_error((enum sam_refusal)-1), "invalid_request");
	assert_string_equal(sam_hash_state_name(SAM_HASH_BURNED), "BURNED");
	assert_string_equal(sam_hash_state_name(SAM_HASH__MAX), "?");
	assert_int_equal(sam_hash_algo_len(SAM_OID_SHA256), 32);
	assert_int_equal(sam_hash_algo_len(SAM_OID_SHA384), 48);
	assert_int_equal(sam_hash_algo_len(SAM_OID_SHA512), 64);
	assert_int_equal(sam_hash_algo_len("2.16.840.1.101.3.4.2.4"), 0);	/* SHA-224 */
	assert_int_equal(sam_hash_algo_len(NULL), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sign_once),
		T(test_revoke),
		T(test_positions_kept),
		T(test_not_covered_all_or_none),
		T(test_sad_binding),
		T(test_duplicate_in_batch),
		T(test_partial_batches),
		T(test_settle_outcomes),
		T(test_recover),
		T(test_kill9),
		T(test_concurrent_reserve),
		T(test_no_heap),
		T(test_sqlite_alloc_failures),
		T(test_grant_validation),
		T(test_reserve_validation),
		T(test_schema_guards),
		T(test_texts),
	};

	if (sqlite_fail_install() != 0) {
		fprintf(stderr, "cannot wrap the SQLite allocator\n");
		return 1;
	}
	pp_log_open("test_sam_ledger", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
