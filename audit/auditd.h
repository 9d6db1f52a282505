/*
 * paraphe-auditd internals.  One process, one thread: the IPC loop calls
 * audit_append for each request of a poll round, audit_flush once per
 * round (group commit: one transaction, one fsync, then every answer of
 * the round), and audit_tick for the timers (checkpoints, heartbeat,
 * forwarding, segments, pruning).
 *
 * Invariants:
 *   - log.size / log.frontier describe exactly the committed records
 *     1..size; pending records (seq size+1..) live only in memory until the
 *     flush commits them with the new frontier in the same transaction.
 *   - cp (the last signed checkpoint) is a prefix of the committed tree;
 *     a new checkpoint is signed only after the records since cp were read
 *     back from the database and replayed onto cp's frontier.
 *   - broken != 0 means an invariant was found violated: the daemon
 *     refuses every append (components fail closed) until an operator
 *     investigates and restarts it.
 */
#ifndef AUDITD_H
#define AUDITD_H

#include <stdint.h>
#include <time.h>
#include "pp_audit.h"
#include "pp_daemon.h"
#include "pp_merkle.h"
#include "pp_note.h"
#include "pp_p11.h"
#include "pp_syslog.h"

#define AUDIT_BATCH_MAX 1024

struct audit_pending {
	char *rec;		/* canonical bytes (pp_malloc) */
	size_t len;
	int64_t seq;
	char type[40];
	char outcome[16];
	char actor[264];
	char time[PP_AUDIT_TIME_LEN];
};

struct audit_cp {
	uint64_t size;
	pp_hash root;
	struct pp_merkle_frontier frontier;
	int64_t mono_ms;	/* when signed (monotonic) */
};

struct audit {
	struct pp_daemon_ctx *ctx;
	char origin[PP_ORIGIN_MAX + 1];
	char cp_file[4096];		/* latest signed checkpoint, outside the database */
	/* Checkpoint key in the audit token. */
	CK_OBJECT_HANDLE key_priv, key_pub;
	EVP_PKEY *pub;
	uint32_t key_id;
	/* Committed tree. */
	uint64_t size;
	struct pp_merkle_frontier frontier;
	struct audit_cp cp;
	/* This round's records. */
	struct audit_pending pending[AUDIT_BATCH_MAX];
	size_t npending;
	struct pp_merkle_frontier pending_frontier;
	/* Timers (monotonic ms). */
	int64_t last_record_ms;
	int64_t next_forward_ms;
	int64_t next_cut_try_ms;
	int64_t next_prune_ms;
	/* Wall clock minus monotonic at the last tick (pp_clock_step): a
	 * change of more than a second is a step of the clock, recorded. */
	int64_t clock_offset_ms;
	/* Archive. */
	uint64_t seg_number;		/* last segment cut (0: none) */
	uint64_t seg_last_seq;
	char seg_manifest[2 * PP_HASH_LEN + 1];
	struct pp_merkle_frontier seg_frontier;
	time_t seg_time;		/* when the last segment was cut (or start) */
	/* Forwarding. */
	struct pp_syslog *syslog;
	int64_t forwarded, forwarded_saved;
	int forward_failing;
	char forward_down_since[PP_AUDIT_TIME_LEN];
	/* Failures. */
	unsigned write_failures;
	char write_failed_since[PP_AUDIT_TIME_LEN];
	unsigned refusals_this_second, refusals_suppressed;
	int64_t refusal_window_ms;
	const char *last_why;		/* reason of the last refused append (static) */
	int broken;
	int stopping;
};

/* audit_log.c */
enum pp_err audit_open(struct audit *a, struct pp_daemon_ctx *ctx) PP_WUR;
void audit_close(struct audit *a);
/* Queues one record built from a component's request (or the daemon's
 * own, peer NULL).  OUT *seq, time. */
enum pp_err audit_append(struct audit *a, json_object *record, const struct pp_ipc_peer *peer,
    int64_t *seq, char time[PP_AUDIT_TIME_LEN], const char **why) PP_WUR;
/* The daemon's own event, queued (flushed with the round or by the tick).
 * audit_own, audit_flush and audit_checkpoint log their own failures, so
 * callers that can do nothing more may ignore the result. */
enum pp_err audit_own(struct audit *a, enum pp_audit_type type, enum pp_audit_outcome outcome,
    const char *cause, json_object *details);
enum pp_err audit_flush(struct audit *a);
/* Signs a checkpoint of the committed tree, after replaying the records
 * since the last one from the database; reason is kept with it. */
enum pp_err audit_checkpoint(struct audit *a, const char *reason);
/* The segment's checkpoint (signed by the archive writer) becomes the latest. */
enum pp_err audit_adopt_checkpoint(struct audit *a, const char *note, size_t nlen, const char *reason) PP_WUR;
int64_t audit_mono_ms(void);
/* TIME-1: adjtimex status into details. */
enum pp_err audit_clock(json_object *details, int *synced);
/* Signs a digest with the checkpoint key (pp_note_sign_fn). */
enum pp_err audit_sign(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen);

/* audit_tasks.c */
void audit_tick(struct audit *a);
enum pp_err audit_tasks_open(struct audit *a) PP_WUR;
/* Sends what is still unforwarded (stop: last chance). */
void audit_forward(struct audit *a);
enum pp_err audit_cut(struct audit *a) PP_WUR;

#endif
