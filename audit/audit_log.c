/*
 * The log itself: state at start-up (and its verification), appending with
 * group commit, checkpoints signed in the audit token.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include "auditd.h"
#include "pp_canon.h"
#include "pp_conf.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"

int64_t
audit_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum pp_err
audit_clock(json_object *details, int *synced)
{
	struct timex tx;
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	/* The kernel says "unsynchronised" (TIME_ERROR, STA_UNSYNC) until an
	 * NTP/PTP daemon has disciplined the clock. */
	*synced = state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	if (details == NULL)
		return PP_OK;
	if (pp_json_add_bool(details, "clock_synchronised", *synced) != PP_OK ||
	    pp_json_add_int(details, "clock_maxerror_us", state == -1 ? -1 : (int64_t)tx.maxerror) != PP_OK ||
	    pp_json_add_int(details, "clock_esterror_us", state == -1 ? -1 : (int64_t)tx.esterror) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

enum pp_err
audit_sign(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	struct audit *a = ctx;
	unsigned char rs[132];
	size_t rslen = sizeof(rs);
	enum pp_err rc;

	rc = pp_p11_ecdsa_sign(a->ctx->p11, a->key_priv, digest, PP_HASH_LEN, rs, &rslen);
	if (rc != PP_OK)
		return rc;
	return pp_p11_ecdsa_der(rs, rslen, sig, siglen);
}

/* Writes data to path atomically (temporary file, fsync, rename). */
static enum pp_err
audit_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[4200];
	int fd;
	size_t done = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return PP_ERR_CONFIG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1) {
		pp_err_log("audit: %s: %s", tmp, strerror(errno));
		return PP_ERR_IO;
	}
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done != len || fchmod(fd, mode) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		pp_err_log("audit: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return PP_ERR_IO;
	}
	return PP_OK;
}

/* ---- rows ---------------------------------------------------------------- */

struct audit_state_row {
	int found;
	char origin[PP_ORIGIN_MAX + 1];
	int64_t size, forwarded;
	pp_hash hashes[PP_MERKLE_MAX_LEVELS];
	unsigned nhashes;
	char *params;
};

static enum pp_err
audit_frontier_blob(const struct pp_val *v, pp_hash *out, unsigned *n)
{
	if (v->type != PP_VAL_BLOB && !(v->type == PP_VAL_TEXT && v->len == 0))
		return v->len == 0 ? (*n = 0, PP_OK) : PP_ERR_DB;
	if (v->len % PP_HASH_LEN != 0 || v->len / PP_HASH_LEN > PP_MERKLE_MAX_LEVELS)
		return PP_ERR_DB;
	*n = (unsigned)(v->len / PP_HASH_LEN);
	if (v->len)
		memcpy(out, v->p, v->len);
	return PP_OK;
}

static enum pp_err
audit_state_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct audit_state_row *r = ctx;

	if (n != 5 || c[0].type != PP_VAL_TEXT || c[0].len > PP_ORIGIN_MAX)
		return PP_ERR_DB;
	memcpy(r->origin, c[0].p, c[0].len);
	r->origin[c[0].len] = '\0';
	r->size = c[1].i;
	if (audit_frontier_blob(&c[2], r->hashes, &r->nhashes) != PP_OK)
		return PP_ERR_DB;
	r->forwarded = c[3].i;
	r->params = pp_malloc(c[4].len + 1);
	if (r->params == NULL)
		return PP_ERR_NOMEM;
	memcpy(r->params, c[4].p, c[4].len);
	r->params[c[4].len] = '\0';
	r->found = 1;
	return PP_OK;
}

/* Replays records (from, to] read back from the database onto f. */
struct audit_replay {
	struct pp_merkle_frontier *f;
	int64_t next;
	enum pp_err err;
	const char *why;
};

static enum pp_err
audit_replay_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct audit_replay *r = ctx;
	struct pp_canon_field seq = { .key = "seq", .is_int = 1 };
	pp_hash leaf;

	if (n != 2 || c[0].i != r->next || c[1].type != PP_VAL_BLOB) {
		r->why = "sequence numbers in the database are not contiguous";
		return PP_ERR_INTERNAL;
	}
	if (pp_canon_check(c[1].p, c[1].len, 8, &seq, 1) != PP_OK || !seq.found || seq.i != c[0].i) {
		r->why = "a stored record is not canonical or carries another sequence number";
		return PP_ERR_INTERNAL;
	}
	pp_merkle_leaf_hash(c[1].p, c[1].len, leaf);
	if (pp_merkle_frontier_append(r->f, leaf) != PP_OK)
		return PP_ERR_INTERNAL;
	r->next++;
	return PP_OK;
}

static enum pp_err
audit_replay(struct audit *a, struct pp_merkle_frontier *f, uint64_t to, const char **why)
{
	struct audit_replay r = { .f = f, .next = (int64_t)f->size + 1, .why = NULL };
	struct pp_val b[2] = { PP_VAL_I((int64_t)f->size), PP_VAL_I((int64_t)to) };
	enum pp_err rc;

	rc = pp_store_exec(a->ctx->store, "SELECT seq, record FROM records WHERE seq > ? AND seq <= ?"
	    " ORDER BY seq", b, 2, audit_replay_cb, &r, NULL);
	if (rc == PP_OK && f->size != to) {
		r.why = "records are missing from the database";
		rc = PP_ERR_INTERNAL;
	}
	*why = rc == PP_OK ? NULL : r.why ? r.why : "the database could not be read";
	return rc;
}

static int
audit_frontier_equal(const struct pp_merkle_frontier *x, const struct pp_merkle_frontier *y)
{
	pp_hash rx, ry;

	if (x->size != y->size)
		return 0;
	pp_merkle_frontier_root(x, rx);
	pp_merkle_frontier_root(y, ry);
	return memcmp(rx, ry, PP_HASH_LEN) == 0;
}

/* The records since the last checkpoint, read back from the database and
 * replayed onto the checkpoint's frontier, must give the committed tree. */
static enum pp_err
audit_check_since_cp(struct audit *a)
{
	struct pp_merkle_frontier f = a->cp.frontier;
	const char *why;

	if (a->size < a->cp.size) {
		pp_err_log("audit: INTEGRITY: the tree (%llu) is smaller than its last checkpoint (%llu)",
		    (unsigned long long)a->size, (unsigned long long)a->cp.size);
		a->broken = 1;
		return PP_ERR_INTERNAL;
	}
	if (audit_replay(a, &f, a->size, &why) != PP_OK || !audit_frontier_equal(&f, &a->frontier)) {
		pp_err_log("audit: INTEGRITY: refusing to sign a checkpoint inconsistent with the previous one"
		    " (size %llu): %s", (unsigned long long)a->cp.size, why ? why : "roots differ");
		a->broken = 1;
		return PP_ERR_INTERNAL;
	}
	return PP_OK;
}

/* Stores a signed checkpoint of the committed tree (database and the file
 * outside it) and makes it the latest. */
static enum pp_err
audit_keep_checkpoint(struct audit *a, const char *note, size_t nlen, const char *reason)
{
	char now[PP_AUDIT_TIME_LEN];
	pp_hash root;
	enum pp_err rc;

	pp_merkle_frontier_root(&a->frontier, root);
	pp_audit_now(now);
	struct pp_val b[6] = {
		PP_VAL_I((int64_t)a->size),
		{ .type = PP_VAL_BLOB, .p = root, .len = PP_HASH_LEN },
		{ .type = PP_VAL_BLOB, .p = a->frontier.h, .len = (size_t)a->frontier.n * PP_HASH_LEN },
		{ .type = PP_VAL_TEXT, .p = note, .len = nlen },
		PP_VAL_S(now), PP_VAL_S(reason),
	};
	if ((rc = pp_store_exec(a->ctx->store, "INSERT INTO checkpoints (tree_size, root, frontier, note,"
	    " time, reason) VALUES (?, ?, ?, ?, ?, ?)", b, 6, NULL, NULL, NULL)) != PP_OK)
		return rc;
	if ((rc = audit_write_file(a->cp_file, note, nlen, 0644)) != PP_OK)
		return rc;
	a->cp.size = a->size;
	memcpy(a->cp.root, root, PP_HASH_LEN);
	a->cp.frontier = a->frontier;
	a->cp.mono_ms = audit_mono_ms();
	pp_dbg_log("audit: checkpoint %s at %llu", reason, (unsigned long long)a->size);
	return PP_OK;
}

/* A checkpoint could not be signed since the last one that was. */
static int audit_cp_failing;

enum pp_err
audit_checkpoint(struct audit *a, const char *reason)
{
	struct pp_checkpoint c;
	char text[PP_NOTE_MAX], note[PP_NOTE_MAX];
	size_t tlen, nlen;
	enum pp_err rc;

	if (a->broken)
		return PP_ERR_INTERNAL;
	if ((rc = audit_check_since_cp(a)) != PP_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", a->origin);
	c.size = a->size;
	pp_merkle_frontier_root(&a->frontier, c.root);
	if ((rc = pp_checkpoint_format(&c, text, sizeof(text), &tlen)) != PP_OK ||
	    (rc = pp_note_sign(text, tlen, a->origin, a->key_id, audit_sign, a, note, sizeof(note), &nlen)) != PP_OK) {
		/* Retried at every tick: said once per outage, with the repair
		 * (the daemon logs in to its token at start only). */
		if (!audit_cp_failing)
			pp_err_log("audit: ALARM: checkpoint at %llu could not be signed (%s): records are still"
			    " appended and forwarded, but no signed checkpoint covers them; if the audit token"
			    " went away, restart the audit daemon once it is back (it logs in at start only)",
			    (unsigned long long)c.size, pp_err_name(rc));
		audit_cp_failing = 1;
		return rc;
	}
	if (audit_cp_failing)
		pp_info_log("audit: checkpoints are signed again (at %llu)", (unsigned long long)c.size);
	audit_cp_failing = 0;
	return audit_keep_checkpoint(a, note, nlen, reason);
}

/* Records a checkpoint signed elsewhere (the segment's, by the archive
 * writer through audit_sign) as the latest. */
enum pp_err
audit_adopt_checkpoint(struct audit *a, const char *note, size_t nlen, const char *reason)
{
	return audit_keep_checkpoint(a, note, nlen, reason);
}

/* ---- append and group commit --------------------------------------------- */

static void
audit_pending_clear(struct audit *a)
{
	for (size_t i = 0; i < a->npending; i++)
		pp_free(a->pending[i].rec);
	a->npending = 0;
}

static void
audit_copy_member(json_object *o, const char *key, const char *sub, char *out, size_t outlen)
{
	json_object *v;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v))
		return;
	if (sub && !json_object_object_get_ex(v, sub, &v))
		return;
	if (json_object_is_type(v, json_type_string))
		snprintf(out, outlen, "%s", json_object_get_string(v));
}

enum pp_err
audit_append(struct audit *a, json_object *record, const struct pp_ipc_peer *peer, int64_t *seq,
    char time[PP_AUDIT_TIME_LEN], const char **why)
{
	struct audit_pending *p;
	pp_hash leaf;
	enum pp_err rc;

	if (a->broken) {
		*why = "the audit log is halted after an integrity failure";
		return PP_ERR_UNAVAILABLE;
	}
	if (a->npending == AUDIT_BATCH_MAX && (rc = audit_flush(a)) != PP_OK) {
		*why = "the audit store cannot be written";
		return rc;
	}
	if (a->npending == 0)
		a->pending_frontier = a->frontier;
	p = &a->pending[a->npending];
	memset(p, 0, sizeof(*p));
	p->seq = (int64_t)a->size + (int64_t)a->npending + 1;
	pp_audit_now(p->time);
	if ((rc = pp_audit_record_build(record, a->origin, p->seq, p->time, peer, &p->rec, &p->len, why)) != PP_OK)
		return rc;
	pp_merkle_leaf_hash(p->rec, p->len, leaf);
	if ((rc = pp_merkle_frontier_append(&a->pending_frontier, leaf)) != PP_OK) {
		pp_free(p->rec);
		return rc;
	}
	audit_copy_member(record, "type", NULL, p->type, sizeof(p->type));
	audit_copy_member(record, "outcome", NULL, p->outcome, sizeof(p->outcome));
	audit_copy_member(record, "actor", "id", p->actor, sizeof(p->actor));
	a->npending++;
	*seq = p->seq;
	memcpy(time, p->time, PP_AUDIT_TIME_LEN);
	return PP_OK;
}

enum pp_err
audit_own(struct audit *a, enum pp_audit_type type, enum pp_audit_outcome outcome, const char *cause,
    json_object *details)
{
	struct pp_audit_event ev = {
		.type = type,
		.outcome = outcome,
		.actor_kind = PP_AUDIT_ACTOR_SYSTEM,
		.actor_id = "paraphe-auditd",
		.cause = cause,
		.details = details,
	};
	json_object *rec = NULL;
	char time[PP_AUDIT_TIME_LEN];
	const char *why = NULL;
	int64_t seq;
	enum pp_err rc;

	if ((rc = pp_audit_event_json(&ev, &rec)) != PP_OK)
		return rc;
	rc = audit_append(a, rec, NULL, &seq, time, &why);
	json_object_put(rec);
	if (rc != PP_OK)
		pp_err_log("audit: own record %s not queued: %s", pp_audit_type_name(type), why ? why : "?");
	return rc;
}

enum pp_err
audit_flush(struct audit *a)
{
	struct pp_store *s = a->ctx->store;
	enum pp_err rc;
	size_t i;

	if (a->npending == 0)
		return PP_OK;
	if ((rc = pp_store_begin(s)) != PP_OK)
		goto fail;
	for (i = 0; i < a->npending; i++) {
		struct audit_pending *p = &a->pending[i];
		struct pp_val b[6] = {
			PP_VAL_I(p->seq), PP_VAL_S(p->time), PP_VAL_S(p->type), PP_VAL_S(p->outcome),
			PP_VAL_S(p->actor), { .type = PP_VAL_BLOB, .p = p->rec, .len = p->len },
		};
		if ((rc = pp_store_exec(s, "INSERT INTO records (seq, time, type, outcome, actor, record)"
		    " VALUES (?, ?, ?, ?, ?, ?)", b, 6, NULL, NULL, NULL)) != PP_OK)
			goto rollback;
	}
	struct pp_val u[3] = {
		PP_VAL_I((int64_t)a->pending_frontier.size),
		{ .type = PP_VAL_BLOB, .p = a->pending_frontier.h,
		  .len = (size_t)a->pending_frontier.n * PP_HASH_LEN },
		PP_VAL_I(a->forwarded),
	};
	if ((rc = pp_store_exec(s, "UPDATE log_state SET tree_size = ?, frontier = ?, forwarded = ?"
	    " WHERE id = 1", u, 3, NULL, NULL, NULL)) != PP_OK)
		goto rollback;
	if ((rc = pp_store_commit(s)) != PP_OK)
		goto rollback;
	a->size = a->pending_frontier.size;
	a->frontier = a->pending_frontier;
	a->forwarded_saved = a->forwarded;
	a->last_record_ms = audit_mono_ms();
	audit_pending_clear(a);
	if (a->write_failures) {
		/* AUD-2: the action taken when logging failed is itself logged. */
		json_object *d = json_object_new_object();
		unsigned n = a->write_failures;
		a->write_failures = 0;
		if (d && pp_json_add_int(d, "failed_commits", n) == PP_OK &&
		    pp_json_add_str(d, "failing_since", a->write_failed_since) == PP_OK &&
		    pp_json_add_str(d, "action", "the requests of the failed commits were refused;"
		    " their components failed closed (503)") == PP_OK &&
		    audit_own(a, PP_AUDIT_LOG_FAILURE, PP_AUDIT_FAILURE, "audit store write failed", d) == PP_OK)
			pp_info_log("audit: writing works again after %u failed commits", n);
		json_object_put(d);
	}
	return PP_OK;
rollback:
	pp_store_rollback(s);
fail:
	if (a->write_failures++ == 0)
		pp_audit_now(a->write_failed_since);
	pp_err_log("audit: ALARM: %zu records could not be committed (%s); their requests are refused",
	    a->npending, pp_err_name(rc));
	audit_pending_clear(a);
	return rc == PP_OK ? PP_ERR_DB : rc;
}

/* ---- start-up ------------------------------------------------------------- */

/* The audit parameters in force, as canonical JSON (for audit.param_change). */
static enum pp_err
audit_params(const struct pp_conf *conf, char **out, size_t *len)
{
	const struct pp_conf_key *k;
	json_object *o = json_object_new_object();
	size_t n;
	enum pp_err rc = PP_ERR_NOMEM;

	if (o == NULL)
		return rc;
	k = pp_conf_schema(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(k[i].section, "audit") == 0 &&
		    pp_json_add_str(o, k[i].key, pp_conf_str(conf, "audit", k[i].key)) != PP_OK)
			goto out;
	rc = pp_canon_serialize(o, 2, out, len);
out:
	json_object_put(o);
	return rc;
}

/* details of audit.param_change: "key": "old -> new" for each change. */
static enum pp_err
audit_params_diff(const char *old, const char *new, json_object *d, int *changed)
{
	json_object *o = NULL, *n = NULL;
	enum pp_err rc;

	*changed = 0;
	if ((rc = pp_json_parse(new, strlen(new), 4, 256, &n)) != PP_OK)
		return rc;
	if (*old && pp_json_parse(old, strlen(old), 4, 256, &o) != PP_OK)
		o = NULL;
	json_object_object_foreach(n, k, v) {
		json_object *ov = NULL;
		const char *nv = json_object_get_string(v), *was = "";
		if (o && json_object_object_get_ex(o, k, &ov))
			was = json_object_get_string(ov);
		if (o && strcmp(was, nv) == 0)
			continue;
		char buf[PP_AUDIT_MAX_STRING + 1];
		size_t bl;
		snprintf(buf, sizeof(buf), "%s -> %s", o ? was : "(new log)", nv);
		/* A long value is cut to the detail limit: never inside a UTF-8
		 * sequence, or the record would be refused. */
		bl = strlen(buf);
		if (bl == PP_AUDIT_MAX_STRING && !pp_utf8_valid(buf, bl, 0))
			while (bl > 0 && !pp_utf8_valid(buf, bl, 0))
				buf[--bl] = '\0';
		if (pp_json_add_str(d, k, buf) != PP_OK) {
			rc = PP_ERR_NOMEM;
			break;
		}
		(*changed)++;
	}
	json_object_put(o);
	json_object_put(n);
	return rc;
}

struct audit_cp_row {
	int found;
	int64_t size;
	char *note;
	size_t notelen;
	pp_hash hashes[PP_MERKLE_MAX_LEVELS];
	unsigned nhashes;
};

static enum pp_err
audit_cp_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct audit_cp_row *r = ctx;

	if (n != 3 || c[1].type != PP_VAL_TEXT)
		return PP_ERR_DB;
	r->size = c[0].i;
	if (audit_frontier_blob(&c[2], r->hashes, &r->nhashes) != PP_OK)
		return PP_ERR_DB;
	if ((r->note = pp_malloc(c[1].len + 1)) == NULL)
		return PP_ERR_NOMEM;
	memcpy(r->note, c[1].p, c[1].len);
	r->note[c[1].len] = '\0';
	r->notelen = c[1].len;
	r->found = 1;
	return PP_OK;
}

struct audit_seg_row {
	int found;
	int64_t number, last_seq;
	char manifest[2 * PP_HASH_LEN + 1];
	pp_hash hashes[PP_MERKLE_MAX_LEVELS];
	unsigned nhashes;
	char time[PP_AUDIT_TIME_LEN];
};

static enum pp_err
audit_seg_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct audit_seg_row *r = ctx;

	if (n != 5 || c[2].type != PP_VAL_TEXT || c[2].len != 2 * PP_HASH_LEN ||
	    c[4].type != PP_VAL_TEXT || c[4].len >= sizeof(r->time))
		return PP_ERR_DB;
	r->number = c[0].i;
	r->last_seq = c[1].i;
	memcpy(r->manifest, c[2].p, c[2].len);
	r->manifest[c[2].len] = '\0';
	if (audit_frontier_blob(&c[3], r->hashes, &r->nhashes) != PP_OK)
		return PP_ERR_DB;
	memcpy(r->time, c[4].p, c[4].len);
	r->time[c[4].len] = '\0';
	r->found = 1;
	return PP_OK;
}

static enum pp_err
audit_count_cb(void *ctx, const struct pp_val *c, size_t n)
{
	(void)c;
	(void)n;
	(*(int64_t *)ctx)++;
	return PP_OK;
}

/* Parses and verifies a signed checkpoint with our key. */
static enum pp_err
audit_cp_parse(struct audit *a, const char *note, size_t len, struct pp_checkpoint *c)
{
	size_t tlen;

	if (pp_note_verify(note, len, a->origin, a->pub, &tlen) != PP_OK ||
	    pp_checkpoint_parse(note, tlen, c) != PP_OK || strcmp(c->origin, a->origin) != 0)
		return PP_ERR_FORBIDDEN;
	return PP_OK;
}

static enum pp_err
audit_load_key(struct audit *a, int *generated)
{
	const struct pp_conf *conf = a->ctx->conf;
	const char *label = pp_conf_str(conf, "audit", "key_label");
	BIO *bio = NULL;
	char *pem;
	long pemlen;
	enum pp_err rc;

	*generated = 0;
	rc = pp_p11_ec_find(a->ctx->p11, label, &a->key_priv, &a->key_pub);
	if (rc == PP_ERR_NOT_FOUND) {
		if (a->size != 0) {
			/* Never silently start a new key under an existing log. */
			pp_err_log("audit: the checkpoint key '%s' is missing from the token but the log"
			    " holds %llu records: refusing to start", label, (unsigned long long)a->size);
			return PP_ERR_HSM;
		}
		if ((rc = pp_p11_ec_generate(a->ctx->p11, label, &a->key_priv, &a->key_pub)) != PP_OK)
			return rc;
		*generated = 1;
	} else if (rc != PP_OK)
		return rc;
	if ((rc = pp_p11_ec_public(a->ctx->p11, a->key_pub, &a->pub)) != PP_OK ||
	    (rc = pp_note_key_id(a->pub, &a->key_id)) != PP_OK)
		return rc;
	/* Publish the public key for verifiers (not a secret). */
	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PUBKEY(bio, a->pub) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
		BIO_free(bio);
		return PP_ERR_NOMEM;
	}
	rc = audit_write_file(pp_conf_str(conf, "audit", "public_key"), pem, (size_t)pemlen, 0644);
	BIO_free(bio);
	return rc;
}

enum pp_err audit_start_records(struct audit *a, int generated, const char *params_old,
    const char *params_new, int clean);

enum pp_err
audit_open(struct audit *a, struct pp_daemon_ctx *ctx)
{
	const struct pp_conf *conf = ctx->conf;
	struct audit_state_row st;
	struct audit_cp_row cpr;
	struct audit_seg_row seg;
	char *params = NULL, *filenote = NULL;
	size_t plen, fnlen;
	int generated = 0, clean = 1;
	enum pp_err rc;
	const char *why;

	memset(&st, 0, sizeof(st));
	memset(&cpr, 0, sizeof(cpr));
	memset(&seg, 0, sizeof(seg));
	a->ctx = ctx;
	if (*pp_conf_str(conf, "audit", "origin"))
		snprintf(a->origin, sizeof(a->origin), "%s", pp_conf_str(conf, "audit", "origin"));
	else
		snprintf(a->origin, sizeof(a->origin), "paraphe.local/audit/%s",
		    pp_conf_str(conf, "service", "node_id"));
	if (!pp_note_origin_valid(a->origin)) {
		pp_err_log("audit: origin '%s' is not a valid key name (printable ASCII, no space or '+')",
		    a->origin);
		return PP_ERR_CONFIG;
	}
	if ((size_t)snprintf(a->cp_file, sizeof(a->cp_file), "%s/audit/checkpoint",
	    pp_conf_str(conf, "service", "state_dir")) >= sizeof(a->cp_file))
		return PP_ERR_CONFIG;
	if ((rc = audit_params(conf, &params, &plen)) != PP_OK)
		return rc;

	/* The tree state; a new database starts a new log. */
	rc = pp_store_exec(ctx->store, "SELECT origin, tree_size, frontier, forwarded, params FROM log_state"
	    " WHERE id = 1", NULL, 0, audit_state_cb, &st, NULL);
	if (rc != PP_OK)
		goto out;
	if (!st.found) {
		struct pp_val b[2] = { PP_VAL_S(a->origin), { .type = PP_VAL_BLOB, .p = "", .len = 0 } };
		if ((rc = pp_store_exec(ctx->store, "INSERT INTO log_state (id, origin, tree_size, frontier,"
		    " forwarded, params) VALUES (1, ?, 0, ?, 0, '')", b, 2, NULL, NULL, NULL)) != PP_OK)
			goto out;
		snprintf(st.origin, sizeof(st.origin), "%s", a->origin);
		if ((st.params = pp_malloc(1)) == NULL) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		st.params[0] = '\0';
	}
	if (strcmp(st.origin, a->origin) != 0) {
		pp_err_log("audit: the database holds the log of origin '%s', not '%s': an origin never"
		    " changes (a new origin needs a new database)", st.origin, a->origin);
		rc = PP_ERR_CONFIG;
		goto out;
	}
	a->size = (uint64_t)st.size;
	a->forwarded = a->forwarded_saved = st.forwarded;
	if ((rc = pp_merkle_frontier_set(&a->frontier, a->size, (const pp_hash *)st.hashes, st.nhashes)) != PP_OK) {
		pp_err_log("audit: INTEGRITY: the stored tree state is malformed");
		goto out;
	}
	if ((rc = audit_load_key(a, &generated)) != PP_OK)
		goto out;

	/* The last segment: its end is where on-site verification starts. */
	if ((rc = pp_store_exec(ctx->store, "SELECT number, last_seq, manifest_sha256, frontier, time"
	    " FROM segments ORDER BY number DESC LIMIT 1", NULL, 0, audit_seg_cb, &seg, NULL)) != PP_OK)
		goto out;
	pp_merkle_frontier_init(&a->seg_frontier);
	a->seg_time = time(NULL);
	if (seg.found) {
		a->seg_number = (uint64_t)seg.number;
		a->seg_last_seq = (uint64_t)seg.last_seq;
		memcpy(a->seg_manifest, seg.manifest, sizeof(a->seg_manifest));
		if ((rc = pp_merkle_frontier_set(&a->seg_frontier, a->seg_last_seq,
		    (const pp_hash *)seg.hashes, seg.nhashes)) != PP_OK)
			goto out;
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		if (strptime(seg.time, "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
			a->seg_time = timegm(&tm);
	}

	/* The last checkpoint, verified with the token's key. */
	if ((rc = pp_store_exec(ctx->store, "SELECT tree_size, note, frontier FROM checkpoints"
	    " ORDER BY id DESC LIMIT 1", NULL, 0, audit_cp_cb, &cpr, NULL)) != PP_OK)
		goto out;
	pp_merkle_frontier_init(&a->cp.frontier);
	pp_merkle_frontier_root(&a->cp.frontier, a->cp.root);	/* no checkpoint yet: the empty tree */
	if (cpr.found) {
		struct pp_checkpoint c;
		pp_hash r;
		if (audit_cp_parse(a, cpr.note, cpr.notelen, &c) != PP_OK ||
		    pp_merkle_frontier_set(&a->cp.frontier, (uint64_t)cpr.size, (const pp_hash *)cpr.hashes,
		    cpr.nhashes) != PP_OK || c.size != (uint64_t)cpr.size) {
			pp_err_log("audit: INTEGRITY: the last checkpoint in the database does not verify");
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		pp_merkle_frontier_root(&a->cp.frontier, r);
		if (memcmp(r, c.root, PP_HASH_LEN) != 0) {
			pp_err_log("audit: INTEGRITY: the stored frontier of the last checkpoint does not give its root");
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		a->cp.size = c.size;
		memcpy(a->cp.root, c.root, PP_HASH_LEN);
	}

	/* Every record on site since the last segment, read back and replayed:
	 * it must reach the last checkpoint's root, then the stored tree. */
	{
		struct pp_merkle_frontier f = a->seg_frontier;
		pp_hash r;
		if (a->cp.size < a->seg_last_seq || a->size < a->cp.size) {
			pp_err_log("audit: INTEGRITY: segment, checkpoint and tree sizes are out of order"
			    " (%llu, %llu, %llu)", (unsigned long long)a->seg_last_seq,
			    (unsigned long long)a->cp.size, (unsigned long long)a->size);
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		if (audit_replay(a, &f, a->cp.size, &why) != PP_OK || (pp_merkle_frontier_root(&f, r),
		    memcmp(r, a->cp.root, PP_HASH_LEN) != 0)) {
			pp_err_log("audit: INTEGRITY: the records on site do not match the last signed"
			    " checkpoint (size %llu): %s", (unsigned long long)a->cp.size, why ? why : "roots differ");
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		if (audit_replay(a, &f, a->size, &why) != PP_OK || !audit_frontier_equal(&f, &a->frontier)) {
			pp_err_log("audit: INTEGRITY: the records after the last checkpoint do not match the"
			    " stored tree: %s", why ? why : "roots differ");
			rc = PP_ERR_INTERNAL;
			goto out;
		}
	}

	/* The checkpoint file kept beside the database: a database restored
	 * from an older copy is older than that file. */
	if (pp_file_read(a->cp_file, PP_NOTE_MAX, &filenote, &fnlen) == PP_OK) {
		struct pp_checkpoint c;
		int64_t known = 0;
		if (audit_cp_parse(a, filenote, fnlen, &c) != PP_OK) {
			pp_err_log("audit: INTEGRITY: %s is not a checkpoint signed by the audit key", a->cp_file);
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		if (c.size > a->size) {
			pp_err_log("audit: INTEGRITY: ROLLBACK: the latest checkpoint (%s) has %llu records,"
			    " the database only %llu", a->cp_file, (unsigned long long)c.size,
			    (unsigned long long)a->size);
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		struct pp_val b[2] = { PP_VAL_I((int64_t)c.size), { .type = PP_VAL_BLOB, .p = c.root, .len = PP_HASH_LEN } };
		if ((rc = pp_store_exec(ctx->store, "SELECT 1 FROM checkpoints WHERE tree_size = ?"
		    " AND root = ?", b, 2, audit_count_cb, &known, NULL)) != PP_OK)
			goto out;
		if (known == 0) {
			/* Signed by our key but unknown to this database: the
			 * database was replaced by another history. */
			pp_err_log("audit: INTEGRITY: the latest checkpoint (%s, size %llu) is not in the"
			    " database: it was replaced", a->cp_file, (unsigned long long)c.size);
			rc = PP_ERR_INTERNAL;
			goto out;
		}
	} else if (a->size > 0) {
		pp_warn_log("audit: %s is missing; it is written again at the next checkpoint", a->cp_file);
	}

	/* Was the previous run stopped cleanly (its last record audit.stop)? */
	if (a->size > 0) {
		int64_t rows = 0;
		struct pp_val b[1] = { PP_VAL_I((int64_t)a->size) };
		if ((rc = pp_store_exec(ctx->store, "SELECT 1 FROM records WHERE seq = ?"
		    " AND type = 'audit.stop'", b, 1, audit_count_cb, &rows, NULL)) != PP_OK)
			goto out;
		clean = rows > 0;
	}
	if ((rc = audit_tasks_open(a)) != PP_OK)
		goto out;
	a->last_record_ms = audit_mono_ms();
	rc = audit_start_records(a, generated, st.params, params, clean);
out:
	pp_free(st.params);
	pp_free(cpr.note);
	pp_free(filenote);
	pp_free(params);
	return rc;
}

/* audit.start, key.generate, audit.param_change, committed, then the
 * start checkpoint. */
enum pp_err
audit_start_records(struct audit *a, int generated, const char *params_old, const char *params_new,
    int clean)
{
	json_object *d = json_object_new_object(), *k = NULL, *p = NULL;
	int synced, changed = 0;
	enum pp_err rc = PP_ERR_NOMEM;

	if (d == NULL || pp_json_add_str(d, "version", PP_VERSION) != PP_OK ||
	    pp_json_add_int(d, "pid", (int64_t)getpid()) != PP_OK ||
	    pp_json_add_int(d, "tree_size", (int64_t)a->size) != PP_OK ||
	    pp_json_add_str(d, "previous_stop", a->size == 0 ? "none" : clean ? "clean" : "unclean") != PP_OK ||
	    audit_clock(d, &synced) != PP_OK)
		goto out;
	if ((rc = audit_own(a, PP_AUDIT_LOG_START, PP_AUDIT_SUCCESS, NULL, d)) != PP_OK)
		goto out;
	if (!synced)
		pp_warn_log("audit: the system clock is not synchronised (TIME-1); recorded");
	if (generated) {
		char id[9];
		rc = PP_ERR_NOMEM;
		snprintf(id, sizeof(id), "%08x", a->key_id);
		if ((k = json_object_new_object()) == NULL ||
		    pp_json_add_str(k, "key_label", pp_conf_str(a->ctx->conf, "audit", "key_label")) != PP_OK ||
		    pp_json_add_str(k, "key_id", id) != PP_OK ||
		    pp_json_add_str(k, "algorithm", "ECDSA P-256") != PP_OK ||
		    pp_json_add_str(k, "purpose", "audit checkpoints") != PP_OK)
			goto out;
		if ((rc = audit_own(a, PP_AUDIT_KEY_GENERATE, PP_AUDIT_SUCCESS, NULL, k)) != PP_OK)
			goto out;
	}
	rc = PP_ERR_NOMEM;
	if ((p = json_object_new_object()) == NULL ||
	    audit_params_diff(params_old, params_new, p, &changed) != PP_OK)
		goto out;
	if (changed && (rc = audit_own(a, PP_AUDIT_LOG_PARAM_CHANGE, PP_AUDIT_SUCCESS,
	    *params_old ? "configuration changed since the previous run" : "parameters of a new log", p)) != PP_OK)
		goto out;
	if (changed) {
		struct pp_val b[1] = { PP_VAL_S(params_new) };
		if ((rc = pp_store_exec(a->ctx->store, "UPDATE log_state SET params = ? WHERE id = 1",
		    b, 1, NULL, NULL, NULL)) != PP_OK)
			goto out;
	}
	if ((rc = audit_flush(a)) != PP_OK)
		goto out;
	rc = audit_checkpoint(a, changed ? "start, parameters changed" : "start");
out:
	json_object_put(d);
	json_object_put(k);
	json_object_put(p);
	return rc;
}

void
audit_close(struct audit *a)
{
	audit_pending_clear(a);
	EVP_PKEY_free(a->pub);
	a->pub = NULL;
	pp_syslog_close(a->syslog);
	a->syslog = NULL;
}
