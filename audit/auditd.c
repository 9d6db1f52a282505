/*
 * paraphe-auditd: the single writer of the audit log.
 *
 * Requests (permit table): "append" (a component's record; answered once
 * durable), "checkpoint" (the latest signed checkpoint, for pinning it
 * outside the archive), plus the built-in "health".  Everything else, and
 * every malformed or refused request, closes the connection and is itself
 * recorded (audit.message_refused).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "auditd.h"
#include "pp_conf.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"

#define AUDIT_REFUSALS_PER_SECOND 20

static struct audit the_audit;

static enum pp_err
auditd_append(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req, json_object *ans)
{
	struct audit *a = ctx->data;
	json_object *rec;
	char time[PP_AUDIT_TIME_LEN];
	const char *why = NULL;
	int64_t seq;
	enum pp_err rc;

	if (!json_object_object_get_ex(req, "record", &rec) || json_object_object_length(req) != 3) {
		pp_warn_log("audit: append from pid %ld without exactly v, op and record", (long)peer->pid);
		return PP_ERR_BAD_REQUEST;
	}
	rc = audit_append(a, rec, peer, &seq, time, &why);
	if (rc != PP_OK) {
		pp_warn_log("audit: record from pid %ld refused: %s", (long)peer->pid, why ? why : pp_err_name(rc));
		a->last_why = why;	/* static string, for the refusal record */
		return rc;
	}
	if (pp_json_add_int(ans, "seq", seq) != PP_OK || pp_json_add_str(ans, "time", time) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

struct auditd_note {
	char *note;
};

static enum pp_err
auditd_note_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct auditd_note *r = ctx;

	if (n != 1 || c[0].type != PP_VAL_TEXT || (r->note = pp_malloc(c[0].len + 1)) == NULL)
		return PP_ERR_DB;
	memcpy(r->note, c[0].p, c[0].len);
	r->note[c[0].len] = '\0';
	return PP_OK;
}

static enum pp_err
auditd_checkpoint(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, json_object *req, json_object *ans)
{
	struct audit *a = ctx->data;
	struct auditd_note r = { NULL };
	enum pp_err rc;

	(void)peer;
	(void)req;
	/* Whatever is committed is covered: a fresh checkpoint if needed. */
	if (a->npending && (rc = audit_flush(a)) != PP_OK)
		return rc;
	if (a->size != a->cp.size && (rc = audit_checkpoint(a, "requested")) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(ctx->store, "SELECT note FROM checkpoints ORDER BY id DESC LIMIT 1",
	    NULL, 0, auditd_note_cb, &r, NULL)) != PP_OK || r.note == NULL) {
		pp_free(r.note);
		return rc != PP_OK ? rc : PP_ERR_INTERNAL;
	}
	rc = pp_json_add_str(ans, "checkpoint", r.note);
	if (rc == PP_OK)
		rc = pp_json_add_str(ans, "origin", a->origin);
	if (rc == PP_OK)
		rc = pp_json_add_int(ans, "tree_size", (int64_t)a->cp.size);
	pp_free(r.note);
	return rc;
}

static const struct pp_daemon_op auditd_ops[] = {
	{ "append", auditd_append },
	{ "checkpoint", auditd_checkpoint },
};

static enum pp_err
auditd_init(struct pp_daemon_ctx *ctx)
{
	memset(&the_audit, 0, sizeof(the_audit));
	ctx->data = &the_audit;
	return audit_open(&the_audit, ctx);
}

static void
auditd_fini(struct pp_daemon_ctx *ctx)
{
	struct audit *a = ctx->data;
	json_object *d;

	if (a == NULL)
		return;
	a->stopping = 1;
	if (!a->broken) {
		/* AUD-1: logging stops with a record, a final checkpoint, and a
		 * last attempt to forward everything. */
		d = json_object_new_object();
		if (d && pp_json_add_int(d, "tree_size", (int64_t)a->size + (int64_t)a->npending + 1) == PP_OK &&
		    pp_json_add_int(d, "pid", (int64_t)getpid()) == PP_OK &&
		    audit_own(a, PP_AUDIT_LOG_STOP, PP_AUDIT_SUCCESS, NULL, d) == PP_OK &&
		    audit_flush(a) == PP_OK && audit_checkpoint(a, "stop") == PP_OK) {
			a->next_forward_ms = 0;
			audit_forward(a);
		} else
			pp_err_log("audit: the stop record could not be written");
		json_object_put(d);
	}
	audit_close(a);
}

static enum pp_err
auditd_flush(struct pp_daemon_ctx *ctx)
{
	return audit_flush(ctx->data);
}

static void
auditd_tick(struct pp_daemon_ctx *ctx)
{
	audit_tick(ctx->data);
}

/* A refused peer or request is a security event in its own right; at most
 * AUDIT_REFUSALS_PER_SECOND records a second, the rest counted. */
static void
auditd_refused(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, const char *why)
{
	struct audit *a = ctx->data;
	int64_t now = audit_mono_ms();
	json_object *d;

	if (a == NULL || a->broken)
		return;
	if (now - a->refusal_window_ms >= 1000) {
		a->refusal_window_ms = now;
		a->refusals_this_second = 0;
	}
	if (++a->refusals_this_second > AUDIT_REFUSALS_PER_SECOND) {
		a->refusals_suppressed++;
		a->last_why = NULL;
		return;
	}
	d = json_object_new_object();
	if (d && pp_json_add_int(d, "peer_uid", (int64_t)peer->uid) == PP_OK &&
	    pp_json_add_int(d, "peer_pid", (int64_t)peer->pid) == PP_OK &&
	    (a->refusals_suppressed == 0 ||
	    pp_json_add_int(d, "not_recorded_before", a->refusals_suppressed) == PP_OK)) {
		a->refusals_suppressed = 0;
		(void)audit_own(a, PP_AUDIT_LOG_MESSAGE_REFUSED, PP_AUDIT_FAILURE, a->last_why ? a->last_why : why, d);
	}
	json_object_put(d);
	a->last_why = NULL;
}

static enum pp_err
auditd_health(struct pp_daemon_ctx *ctx, json_object *ans, int *ok)
{
	struct audit *a = ctx->data;
	json_object *log = json_object_new_object();
	int synced;

	if (log == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "log", log);
	if (pp_json_add_str(log, "origin", a->origin) != PP_OK ||
	    pp_json_add_int(log, "tree_size", (int64_t)a->size) != PP_OK ||
	    pp_json_add_int(log, "checkpoint_size", (int64_t)a->cp.size) != PP_OK ||
	    pp_json_add_int(log, "forwarded", a->forwarded) != PP_OK ||
	    pp_json_add_bool(log, "forwarding", !a->forward_failing) != PP_OK ||
	    pp_json_add_int(log, "segments", (int64_t)a->seg_number) != PP_OK ||
	    pp_json_add_bool(log, "integrity", !a->broken) != PP_OK ||
	    pp_json_add_bool(log, "writing", a->write_failures == 0) != PP_OK ||
	    audit_clock(log, &synced) != PP_OK)
		return PP_ERR_NOMEM;
	if (a->broken || a->write_failures)
		*ok = 0;
	return PP_OK;
}

static const struct pp_daemon audit_daemon = {
	.name = "audit",
	.ops = auditd_ops,
	.nops = sizeof(auditd_ops) / sizeof(auditd_ops[0]),
	.init = auditd_init,
	.fini = auditd_fini,
	.flush = auditd_flush,
	.tick = auditd_tick,
	.refused = auditd_refused,
	.health = auditd_health,
	.tick_ms = 200,
	.audited = 0,
};

int
main(int argc, char **argv)
{
	return pp_daemon_main(&audit_daemon, argc, argv);
}
