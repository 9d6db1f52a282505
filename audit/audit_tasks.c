/*
 * The audit daemon's timers: periodic checkpoints, the idle heartbeat,
 * forwarding to syslog, archive segments and on-site retention.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "auditd.h"
#include "pp_archive.h"
#include "pp_canon.h"
#include "pp_conf.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"

#define AUDIT_CP_INTERVAL_MS 1000	/* at most one checkpoint a second */
#define AUDIT_FORWARD_BATCH 256
#define AUDIT_FORWARD_TIMEOUT_MS 1000
#define AUDIT_CUT_RETRY_MS 60000
#define AUDIT_PRUNE_INTERVAL_MS (3600 * 1000)

enum pp_err
audit_tasks_open(struct audit *a)
{
	const struct pp_conf *conf = a->ctx->conf;

	if (pp_syslog_open(pp_conf_str(conf, "audit", "syslog_target"),
	    pp_conf_str(conf, "service", "node_id"), "paraphe-auditd", &a->syslog) != PP_OK) {
		pp_err_log("audit: audit.syslog_target '%s' is not a valid target",
		    pp_conf_str(conf, "audit", "syslog_target"));
		return PP_ERR_CONFIG;
	}
	a->next_forward_ms = 0;
	a->next_cut_try_ms = 0;
	a->next_prune_ms = audit_mono_ms() + 60000;
	return PP_OK;
}

/* ---- forwarding (AUD-5) -------------------------------------------------- */

struct audit_fwd {
	struct audit *a;
	int64_t sent;
	enum pp_err err;
};

static enum pp_err
audit_fwd_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct audit_fwd *f = ctx;
	char time[PP_AUDIT_TIME_LEN], type[40];
	enum pp_syslog_sev sev;

	if (n != 5 || c[1].len >= sizeof(time) || c[2].len >= sizeof(type))
		return PP_ERR_DB;
	memcpy(time, c[1].p, c[1].len);
	time[c[1].len] = '\0';
	memcpy(type, c[2].p, c[2].len);
	type[c[2].len] = '\0';
	sev = c[3].len == 7 && memcmp(c[3].p, "failure", 7) == 0 ? PP_SYSLOG_WARNING : PP_SYSLOG_NOTICE;
	if (strcmp(type, "audit.failure") == 0 || strcmp(type, "audit.forward_failure") == 0)
		sev = PP_SYSLOG_ERR;
	f->err = pp_syslog_send(f->a->syslog, sev, time, type, c[4].p, c[4].len, AUDIT_FORWARD_TIMEOUT_MS);
	if (f->err != PP_OK)
		return f->err;
	f->a->forwarded = c[0].i;
	f->sent++;
	return PP_OK;
}

void
audit_forward(struct audit *a)
{
	int64_t now = audit_mono_ms(), before = a->forwarded;
	struct audit_fwd f = { .a = a };
	enum pp_err rc;

	if (now < a->next_forward_ms || a->forwarded >= (int64_t)a->size)
		return;
	do {
		struct pp_val b[2] = { PP_VAL_I(a->forwarded), PP_VAL_I(AUDIT_FORWARD_BATCH) };
		f.sent = 0;
		f.err = PP_OK;
		rc = pp_store_exec(a->ctx->store, "SELECT seq, time, type, outcome, record FROM records"
		    " WHERE seq > ? ORDER BY seq LIMIT ?", b, 2, audit_fwd_cb, &f, NULL);
	} while (rc == PP_OK && f.sent == AUDIT_FORWARD_BATCH && !a->stopping);
	if (rc != PP_OK) {
		int64_t backlog = (int64_t)a->size - a->forwarded;
		a->next_forward_ms = now + 1000 * pp_conf_int(a->ctx->conf, "audit", "syslog_retry_s");
		if (!a->forward_failing) {
			/* Once per episode: an alarm, and a record that will itself be
			 * forwarded when the collector is back. */
			json_object *d = json_object_new_object();
			a->forward_failing = 1;
			pp_audit_now(a->forward_down_since);
			pp_err_log("audit: ALARM: records cannot be forwarded to %s (%s); %lld waiting, retrying",
			    pp_conf_str(a->ctx->conf, "audit", "syslog_target"), pp_err_name(rc), (long long)backlog);
			if (d && pp_json_add_str(d, "target", pp_conf_str(a->ctx->conf, "audit", "syslog_target")) == PP_OK &&
			    pp_json_add_str(d, "error", pp_err_code(rc)) == PP_OK &&
			    pp_json_add_int(d, "first_unforwarded_seq", a->forwarded + 1) == PP_OK &&
			    pp_json_add_str(d, "action", "records kept and retried until the collector accepts them") == PP_OK)
				(void)audit_own(a, PP_AUDIT_LOG_FORWARD_FAILURE, PP_AUDIT_FAILURE,
				    "syslog collector unreachable", d);
			json_object_put(d);
		}
	} else {
		a->next_forward_ms = 0;
		if (a->forward_failing) {
			json_object *d = json_object_new_object();
			a->forward_failing = 0;
			pp_info_log("audit: forwarding works again; %lld records delivered late",
			    (long long)(a->forwarded - before));
			if (d && pp_json_add_str(d, "down_since", a->forward_down_since) == PP_OK &&
			    pp_json_add_int(d, "delivered_late", a->forwarded - before) == PP_OK)
				(void)audit_own(a, PP_AUDIT_LOG_FORWARD_RESTORED, PP_AUDIT_SUCCESS, NULL, d);
			json_object_put(d);
		}
	}
	/* The cursor is saved with every commit; when idle, on its own, at most
	 * once a second (a write of its own is an fsync the appends would wait
	 * for).  After a crash, at most that much is forwarded twice. */
	if (a->forwarded != a->forwarded_saved && a->npending == 0 &&
	    (now - a->last_record_ms >= 1000 || a->stopping)) {
		struct pp_val b[1] = { PP_VAL_I(a->forwarded) };
		if (pp_store_exec(a->ctx->store, "UPDATE log_state SET forwarded = ? WHERE id = 1",
		    b, 1, NULL, NULL, NULL) == PP_OK)
			a->forwarded_saved = a->forwarded;
	}
}

/* ---- archive segments (AUD-7, ARC-1, ARC-2) ------------------------------- */

struct audit_seg_load {
	char **recs;
	size_t *lens;
	size_t n, cap;
	int64_t next;
};

static enum pp_err
audit_seg_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct audit_seg_load *l = ctx;

	if (n != 2 || c[0].i != l->next || l->n == l->cap)
		return PP_ERR_INTERNAL;
	if ((l->recs[l->n] = pp_malloc(c[1].len + 1)) == NULL)
		return PP_ERR_NOMEM;
	memcpy(l->recs[l->n], c[1].p, c[1].len);
	l->recs[l->n][c[1].len] = '\0';
	l->lens[l->n++] = c[1].len;
	l->next++;
	return PP_OK;
}

/* Space-separated list of absolute paths (ARC-1). */
static size_t
audit_hash_files(const char *list, char *buf, size_t buflen, const char **out, size_t max)
{
	size_t n = 0;

	snprintf(buf, buflen, "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		out[n++] = t;
	return n;
}

enum pp_err
audit_cut(struct audit *a)
{
	const struct pp_conf *conf = a->ctx->conf;
	uint64_t max = (uint64_t)pp_conf_int(conf, "audit", "segment_max_records");
	uint64_t first = a->seg_last_seq + 1, last = a->size;
	struct audit_seg_load l = { 0 };
	struct pp_segment_in in;
	struct pp_segment_out out;
	const char *files[PP_ARCHIVE_MAX_HASH_FILES];
	char filebuf[4096], created[PP_AUDIT_TIME_LEN], reason[64];
	int synced;
	enum pp_err rc;

	if (last < first)
		return PP_OK;
	if (last - first + 1 > max)
		last = first + max - 1;
	/* The segment ends at a committed size; its checkpoint must continue
	 * the last one, so the records since it are replayed first. */
	if (last == a->size && (rc = audit_checkpoint(a, "before segment")) != PP_OK)
		return rc;
	l.cap = (size_t)(last - first + 1);
	l.next = (int64_t)first;
	l.recs = pp_calloc(l.cap, sizeof(*l.recs));
	l.lens = pp_calloc(l.cap, sizeof(*l.lens));
	if (l.recs == NULL || l.lens == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	struct pp_val b[2] = { PP_VAL_I((int64_t)first), PP_VAL_I((int64_t)last) };
	if ((rc = pp_store_exec(a->ctx->store, "SELECT seq, record FROM records WHERE seq >= ? AND seq <= ?"
	    " ORDER BY seq", b, 2, audit_seg_cb, &l, NULL)) != PP_OK || l.n != l.cap) {
		rc = rc != PP_OK ? rc : PP_ERR_INTERNAL;
		goto out;
	}
	pp_audit_now(created);
	(void)audit_clock(NULL, &synced);
	memset(&in, 0, sizeof(in));
	in.archive_dir = pp_conf_str(conf, "audit", "archive_dir");
	in.origin = a->origin;
	in.number = a->seg_number + 1;
	in.before = &a->seg_frontier;
	in.records = (const char *const *)l.recs;
	in.lens = l.lens;
	in.count = l.n;
	in.prev_manifest_sha256 = a->seg_number ? a->seg_manifest : "";
	in.nhash_files = audit_hash_files(pp_conf_str(conf, "audit", "archive_hash_files"), filebuf,
	    sizeof(filebuf), files, PP_ARCHIVE_MAX_HASH_FILES);
	in.hash_files = files;
	in.created = created;
	in.clock_synchronised = synced;
	in.key_id = a->key_id;
	in.sign = audit_sign;
	in.sign_ctx = a;
	in.tsa_url = pp_conf_str(conf, "audit", "tsa_url");
	in.tsa_ca = pp_conf_str(conf, "audit", "tsa_ca");
	in.tsa_timeout_ms = (int)pp_conf_int(conf, "audit", "tsa_timeout_ms");
	memset(&out, 0, sizeof(out));
	if ((rc = pp_archive_write_segment(&in, &out)) != PP_OK)
		goto out;

	/* The segment's root must be ours: computed apart from the same rows. */
	struct pp_merkle_frontier f = a->seg_frontier;
	for (size_t i = 0; i < l.n; i++) {
		pp_hash leaf;
		pp_merkle_leaf_hash(l.recs[i], l.lens[i], leaf);
		if ((rc = pp_merkle_frontier_append(&f, leaf)) != PP_OK)
			goto out;
	}
	pp_hash root;
	pp_merkle_frontier_root(&f, root);
	if (out.tree_size != last || memcmp(out.root, root, PP_HASH_LEN) != 0) {
		pp_err_log("audit: INTEGRITY: segment %llu does not end at the expected tree head",
		    (unsigned long long)in.number);
		a->broken = 1;
		rc = PP_ERR_INTERNAL;
		goto out;
	}
	struct pp_val sb[7] = {
		PP_VAL_I((int64_t)in.number), PP_VAL_I((int64_t)first), PP_VAL_I((int64_t)last),
		PP_VAL_S(out.manifest_sha256),
		{ .type = PP_VAL_BLOB, .p = f.h, .len = (size_t)f.n * PP_HASH_LEN },
		PP_VAL_S(created), PP_VAL_I(out.timestamped),
	};
	if ((rc = pp_store_exec(a->ctx->store, "INSERT INTO segments (number, first_seq, last_seq,"
	    " manifest_sha256, frontier, time, timestamped) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    sb, 7, NULL, NULL, NULL)) != PP_OK)
		goto out;
	a->seg_number = in.number;
	a->seg_last_seq = last;
	a->seg_frontier = f;
	a->seg_time = time(NULL);
	memcpy(a->seg_manifest, out.manifest_sha256, sizeof(a->seg_manifest));
	snprintf(reason, sizeof(reason), "segment %llu", (unsigned long long)in.number);
	if (last == a->size && (rc = audit_adopt_checkpoint(a, out.checkpoint, out.checkpoint_len, reason)) != PP_OK)
		goto out;

	json_object *d = json_object_new_object();
	if (d && pp_json_add_int(d, "segment", (int64_t)in.number) == PP_OK &&
	    pp_json_add_int(d, "first_seq", (int64_t)first) == PP_OK &&
	    pp_json_add_int(d, "last_seq", (int64_t)last) == PP_OK &&
	    pp_json_add_str(d, "manifest_sha256", out.manifest_sha256) == PP_OK &&
	    pp_json_add_bool(d, "timestamped", out.timestamped) == PP_OK &&
	    (*in.tsa_url == '\0' || out.timestamped ||
	    pp_json_add_str(d, "timestamp_error", pp_err_code(out.tsa_error)) == PP_OK))
		(void)audit_own(a, PP_AUDIT_LOG_SEGMENT, out.timestamped || *in.tsa_url == '\0' ?
		    PP_AUDIT_SUCCESS : PP_AUDIT_FAILURE, NULL, d);
	json_object_put(d);
	pp_info_log("audit: segment %llu cut: records %llu..%llu", (unsigned long long)in.number,
	    (unsigned long long)first, (unsigned long long)last);
out:
	for (size_t i = 0; i < l.n; i++)
		pp_free(l.recs[i]);
	pp_free(l.recs);
	pp_free(l.lens);
	return rc;
}

/* Cut when UTC time crosses a multiple of the interval (daily: midnight),
 * or when enough records wait. */
static int
audit_cut_due(struct audit *a)
{
	const struct pp_conf *conf = a->ctx->conf;
	int64_t interval = pp_conf_int(conf, "audit", "segment_interval_s");
	uint64_t waiting = a->size - a->seg_last_seq;
	time_t now = time(NULL);

	if (waiting == 0)
		return 0;
	if (waiting >= (uint64_t)pp_conf_int(conf, "audit", "segment_max_records"))
		return 1;
	return now / interval != a->seg_time / interval;
}

/* AUD-7: archived records older than the retention leave the database. */
static void
audit_prune(struct audit *a)
{
	char cutoff[PP_AUDIT_TIME_LEN];
	time_t t = time(NULL) - (time_t)pp_conf_int(a->ctx->conf, "audit", "retention_days") * 86400;
	struct tm tm;
	int64_t changes = 0;

	gmtime_r(&t, &tm);
	strftime(cutoff, sizeof(cutoff), "%Y-%m-%dT%H:%M:%S", &tm);
	struct pp_val b[2] = { PP_VAL_I((int64_t)a->seg_last_seq), PP_VAL_S(cutoff) };
	if (pp_store_exec(a->ctx->store, "DELETE FROM records WHERE seq <= ? AND time < ?",
	    b, 2, NULL, NULL, &changes) != PP_OK)
		return;
	if (changes > 0) {
		json_object *d = json_object_new_object();
		if (d && pp_json_add_int(d, "records", changes) == PP_OK &&
		    pp_json_add_str(d, "older_than", cutoff) == PP_OK &&
		    pp_json_add_int(d, "archived_up_to_seq", (int64_t)a->seg_last_seq) == PP_OK)
			(void)audit_own(a, PP_AUDIT_LOG_PRUNE, PP_AUDIT_SUCCESS, NULL, d);
		json_object_put(d);
	}
}

/*
 * A step of the system clock (TIME-1): the records' times jump with it
 * (forward, or back to times already written), so the step is recorded at
 * once, between the records before and after it: audit.heartbeat, outcome
 * failure, with the step in ms (clock_step_ms, positive forward) and the
 * clock's synchronisation.  Not recorded (the store cannot be written): the
 * next tick tries again.
 */
static void
audit_clock_watch(struct audit *a)
{
	int64_t before = a->clock_offset_ms, step = pp_clock_step(&a->clock_offset_ms);
	json_object *d;
	int synced, done = 0;

	if (step == 0)
		return;
	pp_err_log("audit: ALARM: the system clock stepped %s by %lld ms (TIME-1); recorded",
	    step > 0 ? "forward" : "back", (long long)(step > 0 ? step : -step));
	if ((d = json_object_new_object()) != NULL && audit_clock(d, &synced) == PP_OK &&
	    pp_json_add_int(d, "clock_step_ms", step) == PP_OK &&
	    pp_json_add_int(d, "tree_size", (int64_t)a->size) == PP_OK &&
	    audit_own(a, PP_AUDIT_LOG_HEARTBEAT, PP_AUDIT_FAILURE,
	    "the system clock stepped: record times before and after it differ by the step", d) == PP_OK &&
	    audit_flush(a) == PP_OK)
		done = 1;
	json_object_put(d);
	if (!done)
		a->clock_offset_ms = before;
}

void
audit_tick(struct audit *a)
{
	int64_t now = audit_mono_ms();
	int64_t heartbeat = 1000 * pp_conf_int(a->ctx->conf, "audit", "heartbeat_s");

	if (a->broken)
		return;
	/* Records the daemon queued itself (refusals, failures) and the rest
	 * of a round: committed now. */
	if (a->npending && audit_flush(a) != PP_OK)
		return;
	audit_clock_watch(a);
	if (now - a->last_record_ms >= heartbeat) {
		json_object *d = json_object_new_object();
		int synced;
		if (d && audit_clock(d, &synced) == PP_OK && pp_json_add_int(d, "tree_size", (int64_t)a->size) == PP_OK &&
		    audit_own(a, PP_AUDIT_LOG_HEARTBEAT, PP_AUDIT_SUCCESS, NULL, d) == PP_OK &&
		    audit_flush(a) == PP_OK)
			(void)audit_checkpoint(a, "heartbeat");
		else
			a->last_record_ms = now;	/* retried at the next interval */
		json_object_put(d);
	}
	if (a->size > a->cp.size && now - a->cp.mono_ms >= AUDIT_CP_INTERVAL_MS)
		(void)audit_checkpoint(a, "periodic");
	audit_forward(a);
	if (now >= a->next_cut_try_ms && audit_cut_due(a)) {
		if (audit_cut(a) != PP_OK && !a->broken) {
			json_object *d = json_object_new_object();
			a->next_cut_try_ms = now + AUDIT_CUT_RETRY_MS;
			pp_err_log("audit: ALARM: archive segment %llu could not be written; retrying in %d s",
			    (unsigned long long)a->seg_number + 1, AUDIT_CUT_RETRY_MS / 1000);
			if (d && pp_json_add_str(d, "action", "segment retried every minute; records stay on site") == PP_OK &&
			    pp_json_add_int(d, "segment", (int64_t)a->seg_number + 1) == PP_OK)
				(void)audit_own(a, PP_AUDIT_LOG_FAILURE, PP_AUDIT_FAILURE,
				    "archive segment could not be written", d);
			json_object_put(d);
		}
	}
	if (now >= a->next_prune_ms) {
		a->next_prune_ms = now + AUDIT_PRUNE_INTERVAL_MS;
		audit_prune(a);
	}
	if (a->npending)
		(void)audit_flush(a);
}
