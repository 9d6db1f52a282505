/*
 * admin_archive: the audit archive from the console (ARC-3, ARC-4).
 *
 *   GET  /archive               the segments the audit daemon cut (audit.db,
 *                               read-only), the history of integrity checks,
 *                               a warning when no complete check succeeded
 *                               in the last 183 days
 *   POST /archive/check         runs the offline verifier in-process over
 *                               audit.archive_dir (all segments, or a range),
 *                               pinned to the daemon's latest checkpoint kept
 *                               outside the archive; stores the report;
 *                               records archive.check; shows the report
 *   GET  /archive/checks/{id}   one stored report, in words
 *   GET  /archive/export        a period's segments of this node as a tar
 *                               (with the audit public key and how to verify
 *                               it offline), recorded archive.export first
 *
 * Why the pin needs more than pp_archive_verify: the daemon's latest
 * checkpoint (<state_dir>/audit/checkpoint) usually covers records still
 * on site, not yet in a segment.  Given as a pin it would be beyond the
 * archive's end and read as a truncation.  So when it is, the check
 * proves the rest itself: the archive must end where the daemon says it
 * cut its last segment (audit.db), and the records kept on site after
 * that end, appended to the archive's verified tree, must give the root
 * the checkpoint signs.  A truncated archive fails the first test; an
 * archive and a database both cut back fail the second, because the
 * checkpoint file is newer than either.
 */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "admin.h"
#include "admin_tar.h"
#include "pp_archive.h"
#include "pp_conf.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_merkle.h"
#include "pp_note.h"
#include "pp_store.h"
#include "pp_util.h"

/* ARC-3: at least every six months. */
#define ARCHIVE_CHECK_MAX_AGE_MS (183LL * 86400 * 1000)
/* The export is built in memory before it is recorded and sent. */
#define ARCHIVE_EXPORT_MAX (64u * 1024 * 1024)
/* Segment files as the writer makes them (pp_archive.c bounds them too). */
#define ARCHIVE_MANIFEST_MAX (64 * 1024)
#define ARCHIVE_SMALL_MAX (64 * 1024)
/* Segments listed on the page (the newest); the export reads them all. */
#define ARCHIVE_LIST_MAX 200
/* History rows shown. */
#define ARCHIVE_HISTORY_MAX 100
/* A stored report is parsed back with these bounds. */
#define ARCHIVE_REPORT_MAX_MEMBERS 1000000

/* ------------------------------------------------------------ helpers */

static const char *
archive_dir(struct pp_req *req)
{
	return pp_conf_str(req->ctx->conf, "audit", "archive_dir");
}

/* The log's origin as the audit daemon derives it (audit_log.c). */
static const char *
archive_origin(struct pp_req *req)
{
	const char *o = pp_conf_str(req->ctx->conf, "audit", "origin");

	if (o && *o)
		return o;
	return pp_pool_printf(req->pool, "paraphe.local/audit/%s",
	    pp_conf_str(req->ctx->conf, "service", "node_id"));
}

/* "2026-11-21 14:05:12 UTC" into pool memory. */
static const char *
archive_time(struct pp_req *req, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		return "?";
	return pp_pool_strdup(req->pool, buf);
}

static enum pp_err
archive_setf(HDF *hdf, const char *value, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sets the HDF node named by fmt to value. */
static enum pp_err
archive_setf(HDF *hdf, const char *value, const char *fmt, ...)
{
	char name[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name))
		return PP_ERR_INTERNAL;
	return pp_hdf_set(hdf, name, value ? value : "");
}

static enum pp_err
archive_seti(HDF *hdf, int64_t v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum pp_err
archive_seti(HDF *hdf, int64_t v, const char *fmt, ...)
{
	char name[128], num[24];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(name))
		return PP_ERR_INTERNAL;
	snprintf(num, sizeof(num), "%" PRId64, v);
	return pp_hdf_set(hdf, name, num);
}

/*
 * Reads a file of a segment: a regular file (a symbolic link is not
 * followed) of at most max bytes.  OUT *data (pp_malloc'd, caller frees),
 * *len.  PP_ERR_NOT_FOUND when absent, PP_ERR_IO otherwise.
 */
static enum pp_err
archive_read(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*data = NULL;
	*len = 0;
	if (fd == -1)
		return errno == ENOENT ? PP_ERR_NOT_FOUND : PP_ERR_IO;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return PP_ERR_IO;
	}
	if ((buf = pp_malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return PP_ERR_NOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		pp_free(buf);
		return PP_ERR_IO;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return PP_OK;
}

/* ------------------------------------------------------------ segments */

struct archive_seg {
	int64_t number, first_seq, last_seq, timestamped;
	char manifest_sha256[65];
	char cut[32];			/* when the daemon cut it */
	/* From the segment's manifest.json (period and origin); "" when it
	 * cannot be read. */
	char first_time[32], last_time[32];
	char origin[PP_ORIGIN_MAX + 1];
};

struct archive_segs {
	struct pp_pool *pool;
	struct archive_seg *v;
	size_t n, cap;
};

static enum pp_err
archive_seg_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_segs *l = ctx;
	struct archive_seg *s;

	if (n != 6)
		return PP_ERR_DB;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct archive_seg *v = pp_pool_alloc(l->pool, cap * sizeof(*v));
		if (v == NULL)
			return PP_ERR_NOMEM;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	s = &l->v[l->n];
	memset(s, 0, sizeof(*s));
	s->number = c[0].i;
	s->first_seq = c[1].i;
	s->last_seq = c[2].i;
	if (!pp_val_text(&c[3], s->manifest_sha256, sizeof(s->manifest_sha256)) ||
	    !pp_val_text(&c[4], s->cut, sizeof(s->cut)))
		return PP_ERR_DB;
	s->timestamped = c[5].i;
	l->n++;
	return PP_OK;
}

/* The period and origin of segment s from its manifest.json. */
static void
archive_seg_manifest(struct pp_req *req, struct archive_seg *s)
{
	char path[4096], *buf = NULL;
	size_t len;
	json_object *m = NULL;
	const char *v;

	if ((size_t)snprintf(path, sizeof(path), "%s/seg-%08" PRId64 "/manifest.json", archive_dir(req),
	    s->number) >= sizeof(path))
		return;
	if (archive_read(path, ARCHIVE_MANIFEST_MAX, &buf, &len) != PP_OK)
		return;
	if (pp_json_parse(buf, len, 4, 512, &m) == PP_OK) {
		if ((v = pp_json_get_str(m, "first_time")) != NULL && strlen(v) < sizeof(s->first_time))
			snprintf(s->first_time, sizeof(s->first_time), "%s", v);
		if ((v = pp_json_get_str(m, "last_time")) != NULL && strlen(v) < sizeof(s->last_time))
			snprintf(s->last_time, sizeof(s->last_time), "%s", v);
		if ((v = pp_json_get_str(m, "origin")) != NULL && strlen(v) < sizeof(s->origin))
			snprintf(s->origin, sizeof(s->origin), "%s", v);
	}
	json_object_put(m);
	pp_free(buf);
}

/* Every segment audit.db records, oldest first, with their manifests'
 * periods when with_manifest. */
static enum pp_err
archive_segments(struct pp_req *req, int with_manifest, struct archive_segs *out)
{
	struct pp_store *db = admin_of(req)->audit_db;
	enum pp_err rc;

	memset(out, 0, sizeof(*out));
	out->pool = req->pool;
	if (db == NULL)
		return pp_fail(req, PP_ERR_DB, "the audit database cannot be read");
	rc = pp_store_exec(db, "SELECT number, first_seq, last_seq, manifest_sha256, time, timestamped"
	    " FROM segments ORDER BY number", NULL, 0, archive_seg_row, out, NULL);
	if (rc != PP_OK)
		return rc;
	if (with_manifest)
		for (size_t i = 0; i < out->n; i++)
			archive_seg_manifest(req, &out->v[i]);
	return PP_OK;
}

/* ------------------------------------------------------------ check history */

struct archive_last {
	int64_t ms;
	int found;
};

static enum pp_err
archive_last_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_last *l = ctx;

	if (n == 1 && c[0].type == PP_VAL_INT) {
		l->ms = c[0].i;
		l->found = 1;
	}
	return PP_OK;
}

/* When the last complete check that found the archive intact finished. */
static enum pp_err
archive_last_ok(struct pp_req *req, struct archive_last *l)
{
	memset(l, 0, sizeof(*l));
	return pp_store_exec(admin_db(req), "SELECT max(finished_ms) FROM archive_checks"
	    " WHERE complete = 1 AND result = 'ok'", NULL, 0, archive_last_row, l, NULL);
}

/* The six-months warning's text, or NULL when a recent check exists. */
static const char *
archive_overdue(struct pp_req *req, const struct archive_last *l)
{
	int64_t now = pp_now_ms();

	if (!l->found)
		return "The audit archive has never been completely checked. ARC-3 requires a complete "
		    "integrity check at least every six months.";
	if (now - l->ms > ARCHIVE_CHECK_MAX_AGE_MS)
		return pp_pool_printf(req->pool, "The last complete archive check that passed was on %s, "
		    "more than six months ago. ARC-3 requires one at least every six months.",
		    archive_time(req, l->ms));
	return NULL;
}

enum pp_err
admin_archive_alerts(struct pp_req *req, const struct admin_session *s)
{
	struct archive_last l;
	const char *text;
	enum pp_err rc;

	if (!admin_perm_allows(s->staff.roles, ADMIN_A_ARCHIVE_VIEW))
		return PP_OK;
	if ((rc = archive_last_ok(req, &l)) != PP_OK)
		return rc;
	if ((text = archive_overdue(req, &l)) == NULL)
		return PP_OK;
	return admin_alert(req, "warning", text, "/archive");
}

struct archive_hist {
	struct pp_req *req;
	HDF *hdf;
	size_t n;
};

static enum pp_err
archive_hist_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_hist *h = ctx;
	char name[ADMIN_NAME_MAX + 1], result[32];
	size_t i = h->n;
	enum pp_err rc;

	if (n != 7 || !pp_val_text(&c[1], name, sizeof(name)) || !pp_val_text(&c[6], result, sizeof(result)))
		return PP_ERR_DB;
	if ((rc = archive_seti(h->hdf, c[0].i, "Checks.%zu.id", i)) != PP_OK ||
	    (rc = archive_setf(h->hdf, name, "Checks.%zu.staff", i)) != PP_OK ||
	    (rc = archive_setf(h->hdf, archive_time(h->req, c[2].i), "Checks.%zu.time", i)) != PP_OK ||
	    (rc = archive_setf(h->hdf, c[3].i ? "complete" : "partial", "Checks.%zu.scope", i)) != PP_OK ||
	    (rc = archive_seti(h->hdf, c[4].i, "Checks.%zu.from", i)) != PP_OK ||
	    (rc = archive_seti(h->hdf, c[5].i, "Checks.%zu.to", i)) != PP_OK ||
	    (rc = archive_setf(h->hdf, result, "Checks.%zu.result", i)) != PP_OK)
		return rc;
	h->n++;
	return PP_OK;
}

/* ------------------------------------------------------------ GET /archive */

static enum pp_err
archive_view(struct pp_req *req, const struct admin_session *s)
{
	HDF *hdf = pp_req_hdf(req);
	struct archive_segs segs;
	struct archive_last last;
	struct archive_hist hist = { req, hdf, 0 };
	const char *overdue;
	size_t first;
	enum pp_err rc;

	if (hdf == NULL)
		return PP_ERR_NOMEM;
	if ((rc = archive_segments(req, 0, &segs)) != PP_OK)
		return rc;
	first = segs.n > ARCHIVE_LIST_MAX ? segs.n - ARCHIVE_LIST_MAX : 0;
	/* Newest first. */
	for (size_t i = segs.n, j = 0; i-- > first; j++) {
		struct archive_seg *g = &segs.v[i];
		archive_seg_manifest(req, g);
		if ((rc = archive_seti(hdf, g->number, "Segments.%zu.number", j)) != PP_OK ||
		    (rc = archive_seti(hdf, g->first_seq, "Segments.%zu.first_seq", j)) != PP_OK ||
		    (rc = archive_seti(hdf, g->last_seq, "Segments.%zu.last_seq", j)) != PP_OK ||
		    (rc = archive_seti(hdf, g->last_seq - g->first_seq + 1, "Segments.%zu.records", j)) != PP_OK ||
		    (rc = archive_setf(hdf, g->first_time, "Segments.%zu.first_time", j)) != PP_OK ||
		    (rc = archive_setf(hdf, g->last_time, "Segments.%zu.last_time", j)) != PP_OK ||
		    (rc = archive_setf(hdf, g->cut, "Segments.%zu.cut", j)) != PP_OK ||
		    (rc = archive_setf(hdf, g->manifest_sha256, "Segments.%zu.manifest_sha256", j)) != PP_OK ||
		    (rc = archive_setf(hdf, g->timestamped ? "yes" : "no", "Segments.%zu.timestamped", j)) != PP_OK)
			return rc;
	}
	if ((rc = archive_seti(hdf, (int64_t)segs.n, "Archive.segments")) != PP_OK ||
	    (rc = archive_seti(hdf, (int64_t)first, "Archive.not_shown")) != PP_OK ||
	    (rc = archive_seti(hdf, segs.n ? segs.v[segs.n - 1].number : 0, "Archive.last")) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Archive.dir", archive_dir(req))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Archive.origin", archive_origin(req))) != PP_OK ||
	    (rc = archive_seti(hdf, ARCHIVE_EXPORT_MAX / (1024 * 1024), "Archive.export_max_mb")) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(admin_db(req), "SELECT id, staff_name, finished_ms, complete, seg_from, seg_to,"
	    " result FROM archive_checks ORDER BY id DESC LIMIT ?", &PP_VAL_I(ARCHIVE_HISTORY_MAX), 1,
	    archive_hist_row, &hist, NULL)) != PP_OK)
		return rc;
	if ((rc = archive_last_ok(req, &last)) != PP_OK)
		return rc;
	if ((overdue = archive_overdue(req, &last)) != NULL &&
	    (rc = pp_hdf_set(hdf, "Archive.overdue", overdue)) != PP_OK)
		return rc;
	if (last.found && (rc = pp_hdf_set(hdf, "Archive.last_ok", archive_time(req, last.ms))) != PP_OK)
		return rc;
	if ((rc = pp_hdf_set(hdf, "Can.check",
	    admin_perm_allows(s->staff.roles, ADMIN_A_ARCHIVE_CHECK) ? "1" : "0")) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Can.export",
	    admin_perm_allows(s->staff.roles, ADMIN_A_ARCHIVE_EXPORT) ? "1" : "0")) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_archive.cs");
}

/* ------------------------------------------------------------ the check */

/* Adds a problem to a verifier report, in the verifier's own shape, and
 * makes the verdict follow the verifier's rule (integrity wins). */
static enum pp_err
archive_report_problem(json_object *report, int64_t seg, const char *code, int integrity,
    const char *msg)
{
	json_object *problems, *p = json_object_new_object();
	const char *res = pp_json_get_str(report, "result");

	if (p == NULL || pp_json_add_int(p, "segment", seg) != PP_OK ||
	    pp_json_add_str(p, "code", code) != PP_OK ||
	    pp_json_add_str(p, "severity", integrity ? "integrity" : "unverifiable") != PP_OK ||
	    pp_json_add_str(p, "message", msg) != PP_OK) {
		json_object_put(p);
		return PP_ERR_NOMEM;
	}
	if (!json_object_object_get_ex(report, "problems", &problems) ||
	    !json_object_is_type(problems, json_type_array)) {
		if ((problems = json_object_new_array()) == NULL) {
			json_object_put(p);
			return PP_ERR_NOMEM;
		}
		json_object_object_add(report, "problems", problems);
	}
	if (json_object_array_add(problems, p) != 0) {
		json_object_put(p);
		return PP_ERR_NOMEM;
	}
	if (integrity)
		return pp_json_add_str(report, "result", "integrity_failure");
	if (res == NULL || strcmp(res, "ok") == 0)
		return pp_json_add_str(report, "result", "unverifiable");
	return PP_OK;
}

struct archive_tail {
	struct pp_merkle_frontier f;
	int64_t next;			/* seq expected next */
	int broken;
};

static enum pp_err
archive_tail_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_tail *t = ctx;
	pp_hash leaf;

	if (n != 2 || c[0].type != PP_VAL_INT || (c[1].type != PP_VAL_BLOB && c[1].type != PP_VAL_TEXT)) {
		t->broken = 1;
		return PP_OK;
	}
	if (c[0].i != t->next) {
		t->broken = 1;
		return PP_OK;
	}
	pp_merkle_leaf_hash(c[1].p, c[1].len, leaf);
	if (pp_merkle_frontier_append(&t->f, leaf) != PP_OK)
		t->broken = 1;
	t->next++;
	return PP_OK;
}

struct archive_front {
	int found;
	unsigned char h[PP_MERKLE_MAX_LEVELS * PP_HASH_LEN];
	size_t len;
};

static enum pp_err
archive_front_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_front *f = ctx;

	if (n != 1 || c[0].type != PP_VAL_BLOB || c[0].len > sizeof(f->h))
		return PP_OK;
	memcpy(f->h, c[0].p, c[0].len);
	f->len = c[0].len;
	f->found = 1;
	return PP_OK;
}

/*
 * The pin beyond the archive's end (see the top of this file): the archive
 * must end at the daemon's last segment, and the records on site after it
 * must lead to the checkpoint.  db_last: last_seq of that segment (0: none).
 */
static enum pp_err
archive_check_tail(struct pp_req *req, json_object *report, const struct pp_checkpoint *cp,
    int64_t db_last, int64_t db_last_number, json_object *pin)
{
	struct pp_store *db = admin_of(req)->audit_db;
	struct archive_tail t;
	json_object *v;
	int64_t end = 0;
	pp_hash root;
	char msg[512];
	enum pp_err rc;

	if (json_object_object_get_ex(report, "tree_size", &v))
		end = json_object_get_int64(v);
	if (end != db_last) {
		snprintf(msg, sizeof(msg), "the archive ends at record %" PRId64 " but the audit daemon cut "
		    "its segments up to record %" PRId64 ": segments were removed from the end of the "
		    "archive, or it is an older copy", end, db_last);
		return archive_report_problem(report, 0, "rollback_or_truncation", 1, msg);
	}
	pp_merkle_frontier_init(&t.f);
	t.next = db_last + 1;
	t.broken = 0;
	if (db_last > 0) {
		struct archive_front fr = { 0 };
		const char *vroot = pp_json_get_str(report, "root");
		char b64[64];
		if ((rc = pp_store_exec(db, "SELECT frontier FROM segments WHERE number = ?",
		    &PP_VAL_I(db_last_number), 1, archive_front_row, &fr, NULL)) != PP_OK)
			return rc;
		if (!fr.found || fr.len % PP_HASH_LEN != 0 ||
		    pp_merkle_frontier_set(&t.f, (uint64_t)db_last, (const pp_hash *)fr.h,
		    (unsigned)(fr.len / PP_HASH_LEN)) != PP_OK)
			return archive_report_problem(report, 0, "pin_tail", 1, "the audit database does not "
			    "hold a usable tree state for the archive's last segment");
		/* The stored frontier is only trusted once it gives the root
		 * the verifier recomputed from the archive itself. */
		pp_merkle_frontier_root(&t.f, root);
		pp_b64_encode(root, PP_HASH_LEN, b64);
		if (vroot == NULL || strcmp(vroot, b64) != 0)
			return archive_report_problem(report, 0, "pin_tail", 1, "the tree state the audit "
			    "database keeps for the archive's last segment is not the archive's tree");
	}
	if ((rc = pp_store_exec(db, "SELECT seq, record FROM records WHERE seq > ? AND seq <= ? ORDER BY seq",
	    (struct pp_val[]){ PP_VAL_I(db_last), PP_VAL_I((int64_t)cp->size) }, 2, archive_tail_row, &t,
	    NULL)) != PP_OK)
		return rc;
	pp_merkle_frontier_root(&t.f, root);
	if (pp_json_add_int(pin, "archive_size", db_last) != PP_OK ||
	    pp_json_add_int(pin, "on_site_records", (int64_t)cp->size - db_last) != PP_OK)
		return PP_ERR_NOMEM;
	if (t.broken || t.next != (int64_t)cp->size + 1 || t.f.size != cp->size ||
	    CRYPTO_memcmp(root, cp->root, PP_HASH_LEN) != 0) {
		snprintf(msg, sizeof(msg), "the archive (up to record %" PRId64 ") and the records kept on "
		    "site after it do not make the log the audit daemon last signed (%" PRIu64 " records): "
		    "records were removed or changed", db_last, cp->size);
		return archive_report_problem(report, 0, "pin_tail", 1, msg);
	}
	return pp_json_add_bool(pin, "verified", 1);
}

struct archive_dblast {
	int64_t number, last_seq;
};

static enum pp_err
archive_dblast_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_dblast *l = ctx;

	if (n == 2 && c[0].type == PP_VAL_INT && c[1].type == PP_VAL_INT) {
		l->number = c[0].i;
		l->last_seq = c[1].i;
	}
	return PP_OK;
}

/* The last segment the audit daemon recorded cutting (0, 0: none). */
static enum pp_err
archive_dblast(struct pp_req *req, struct archive_dblast *l)
{
	l->number = l->last_seq = 0;
	return pp_store_exec(admin_of(req)->audit_db, "SELECT number, last_seq FROM segments"
	    " ORDER BY number DESC LIMIT 1", NULL, 0, archive_dblast_row, l, NULL);
}

/*
 * Runs the verifier over [from, to] (0, 0: all) and returns its report
 * with the pin's outcome.  OUT *report (caller puts), *result ("ok", ...).
 */
static enum pp_err
archive_run_check(struct pp_req *req, int64_t from, int64_t to, int complete, const struct archive_dblast *dbl,
    json_object **report)
{
	const struct pp_conf *conf = req->ctx->conf;
	struct pp_verify_opts o;
	EVP_PKEY *key = NULL;
	char path[4096], *pin = NULL;
	size_t pinlen = 0, textlen = 0;
	struct pp_checkpoint cp;
	json_object *pj = NULL;
	int pin_usable = 0;
	enum pp_err rc = PP_OK;

	*report = NULL;
	memset(&o, 0, sizeof(o));
	o.archive_dir = archive_dir(req);
	o.origin = archive_origin(req);
	o.from = (uint64_t)from;
	o.to = (uint64_t)to;
	if (o.origin == NULL)
		return PP_ERR_NOMEM;
	/* No key: the verifier says "no_key" (unverifiable), as it should. */
	if (pp_note_load_pubkey(pp_conf_str(conf, "audit", "public_key"), &key) != PP_OK)
		key = NULL;
	o.key = key;
	o.tsa_ca = *pp_conf_str(conf, "audit", "tsa_ca") ? pp_conf_str(conf, "audit", "tsa_ca") : NULL;

	/* The pin: only a complete check reaches the archive's end. */
	if (complete) {
		if ((pj = json_object_new_object()) == NULL) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		snprintf(path, sizeof(path), "%s/audit/checkpoint", pp_conf_str(conf, "service", "state_dir"));
		if (pp_json_add_str(pj, "source", path) != PP_OK) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		if (key != NULL && archive_read(path, PP_NOTE_MAX, &pin, &pinlen) == PP_OK &&
		    pp_note_verify(pin, pinlen, o.origin, key, &textlen) == PP_OK &&
		    pp_checkpoint_parse(pin, textlen, &cp) == PP_OK && strcmp(cp.origin, o.origin) == 0)
			pin_usable = 1;
		if (pin_usable && (pp_json_add_int(pj, "size", (int64_t)cp.size) != PP_OK ||
		    pp_json_add_bool(pj, "verified", 0) != PP_OK)) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		/* Within the archive: the verifier checks it itself. */
		if (pin_usable && (int64_t)cp.size <= dbl->last_seq) {
			o.pin = pin;
			o.pinlen = pinlen;
		}
	}
	(void)pp_archive_verify(&o, report);
	if (*report == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	if (complete) {
		json_object *vp;
		if (!pin_usable) {
			rc = archive_report_problem(*report, 0, "pin_invalid", 0, "the audit daemon's latest "
			    "checkpoint (kept outside the archive) could not be read or is not validly signed: "
			    "without it a truncated archive cannot be told from a complete one");
		} else if (o.pin == NULL) {
			/* An archive that already failed has no trustworthy end
			 * to extend: its own problems are the verdict. */
			const char *res = pp_json_get_str(*report, "result");
			if (res != NULL && strcmp(res, "ok") == 0)
				rc = archive_check_tail(req, *report, &cp, dbl->last_seq, dbl->number, pj);
			else if (pp_json_add_str(pj, "note", "not compared: the archive itself failed") != PP_OK)
				rc = PP_ERR_NOMEM;
		} else if (json_object_object_get_ex(*report, "pin", &vp) &&
		    json_object_object_get_ex(vp, "verified", &vp)) {
			rc = pp_json_add_bool(pj, "verified", json_object_get_boolean(vp)) == PP_OK &&
			    pp_json_add_int(pj, "on_site_records", 0) == PP_OK ? PP_OK : PP_ERR_NOMEM;
		}
		if (rc == PP_OK) {
			json_object_object_add(*report, "pin", pj);
			pj = NULL;
		}
	}
out:
	if (rc != PP_OK) {
		json_object_put(*report);
		*report = NULL;
	}
	json_object_put(pj);
	pp_free(pin);
	EVP_PKEY_free(key);
	return rc;
}

enum { CHECK_CSRF, CHECK_FROM, CHECK_TO, CHECK__MAX };
static const struct pp_field archive_check_fields[CHECK__MAX] = {
	[CHECK_CSRF] = { "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	[CHECK_FROM] = { "from", PP_FIELD_INT, 20, 0, 1, 99999999, NULL },
	[CHECK_TO] = { "to", PP_FIELD_INT, 20, 0, 1, 99999999, NULL },
};

static enum pp_err
archive_check(struct pp_req *req, const struct admin_session *s)
{
	struct archive_dblast dbl = { 0, 0 };
	int64_t check_id = 0;
	json_object *report = NULL, *d = NULL, *v;
	int64_t from = 0, to = 0, started = pp_now_ms(), finished, problems = 0;
	int complete;
	const char *result, *text;
	size_t tlen;
	enum pp_err rc;

	if (admin_of(req)->audit_db == NULL)
		return pp_fail(req, PP_ERR_DB, "the audit database cannot be read");
	if ((rc = archive_dblast(req, &dbl)) != PP_OK)
		return rc;
	if (req->val[CHECK_FROM].set != req->val[CHECK_TO].set)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "give both the first and the last segment, or neither");
	if (req->val[CHECK_FROM].set) {
		from = req->val[CHECK_FROM].i;
		to = req->val[CHECK_TO].i;
		if (from > to)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "the first segment comes after the last one");
		if (to > dbl.number)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "the archive has %" PRId64 " segments", dbl.number);
	}
	/* A complete check covers every segment, whatever the form said. */
	complete = from <= 1 && (to == 0 || to == dbl.number);
	if (complete)
		from = to = 0;
	/* The daemon may cut a segment while the check runs: the archive's
	 * end would then be beyond the one read before, which is no
	 * truncation.  Run it again (twice at most) until the last segment
	 * is the same before and after. */
	for (int attempt = 0; ; attempt++) {
		struct archive_dblast after = { 0, 0 };
		if ((rc = archive_run_check(req, from, to, complete, &dbl, &report)) != PP_OK)
			return rc;
		if ((rc = archive_dblast(req, &after)) != PP_OK) {
			json_object_put(report);
			return rc;
		}
		if (after.number == dbl.number || attempt == 2)
			break;
		json_object_put(report);
		report = NULL;
		dbl = after;
	}
	finished = pp_now_ms();
	result = pp_json_get_str(report, "result");
	if (result == NULL)
		result = "unverifiable";
	if (json_object_object_get_ex(report, "problems", &v) && json_object_is_type(v, json_type_array))
		problems = (int64_t)json_object_array_length(v);
	if (complete) {
		from = dbl.number ? 1 : 0;
		to = dbl.number;
	}
	text = pp_json_str(report, &tlen);
	if (text == NULL) {
		json_object_put(report);
		return PP_ERR_NOMEM;
	}
	/* The stored report and the record go together or not at all. */
	if ((rc = pp_store_begin(admin_db(req))) != PP_OK) {
		json_object_put(report);
		return rc;
	}
	{
		struct pp_val b[] = {
			PP_VAL_S(s->staff.id), PP_VAL_S(s->staff.name), PP_VAL_I(started), PP_VAL_I(finished),
			PP_VAL_I(complete), PP_VAL_I(from), PP_VAL_I(to), PP_VAL_S(result),
			{ .type = PP_VAL_TEXT, .p = text, .len = tlen },
		};
		rc = pp_store_exec(admin_db(req), "INSERT INTO archive_checks (staff, staff_name, started_ms,"
		    " finished_ms, complete, seg_from, seg_to, result, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
		    " RETURNING id", b, sizeof(b) / sizeof(b[0]), pp_store_int_row, &check_id, NULL);
	}
	if (rc == PP_OK && ((d = json_object_new_object()) == NULL ||
	    pp_json_add_int(d, "check", check_id) != PP_OK || pp_json_add_int(d, "from", from) != PP_OK ||
	    pp_json_add_int(d, "to", to) != PP_OK || pp_json_add_bool(d, "complete", complete) != PP_OK ||
	    pp_json_add_str(d, "result", result) != PP_OK || pp_json_add_int(d, "problems", problems) != PP_OK))
		rc = PP_ERR_NOMEM;
	if (rc == PP_OK)
		rc = admin_audit(req, s, PP_AUDIT_ARCHIVE_CHECK,
		    strcmp(result, "ok") == 0 ? PP_AUDIT_SUCCESS : PP_AUDIT_FAILURE,
		    strcmp(result, "ok") == 0 ? NULL : result, d);
	json_object_put(d);
	json_object_put(report);
	if (rc != PP_OK) {
		pp_store_rollback(admin_db(req));
		return rc;
	}
	if ((rc = pp_store_commit(admin_db(req))) != PP_OK)
		return rc;
	return pp_reply_redirect(req, 303, pp_pool_printf(req->pool, "/archive/checks/%" PRId64, check_id));
}

/* ------------------------------------------------------------ GET /archive/checks/{id} */

/* What each problem code means, for an auditor (docs/AUDIT.md has the
 * precise rules). */
static const struct {
	const char *code, *words;
} archive_words[] = {
	{ "file_missing", "A file of the segment is missing or is not an ordinary file." },
	{ "manifest_invalid", "The segment's description (manifest) is malformed." },
	{ "manifest_modified", "The segment's description was changed after it was signed." },
	{ "checkpoint_invalid", "The segment's signed tree head is malformed." },
	{ "checkpoint_signature", "The segment is not signed by the audit key." },
	{ "segment_misplaced", "The segment was renamed or moved." },
	{ "origin_mismatch", "The segment or a record belongs to another log." },
	{ "records_modified", "The file of records is not the one that was signed: it was changed." },
	{ "records_corrupt", "The file of records is damaged or truncated." },
	{ "record_not_canonical", "A record was rewritten." },
	{ "record_invalid", "A record lacks its number, time, type or origin." },
	{ "sequence_gap", "Records are missing: some were deleted." },
	{ "sequence_reordered", "Records were duplicated, inserted or reordered." },
	{ "count_mismatch", "The segment does not hold the number of records it was signed with." },
	{ "time_mismatch", "A record's time is not the time that was signed." },
	{ "root_mismatch", "The records do not give the signed hash tree: something was changed." },
	{ "chain_broken", "The segment does not follow the one before it." },
	{ "segment_missing", "A whole segment is missing from the archive." },
	{ "rollback_or_truncation", "The archive is shorter than the log that was signed: segments were removed "
	    "from its end, or it is an older copy." },
	{ "fork", "The archive is a different history from the one that was signed." },
	{ "pin_tail", "The records kept on site since the last segment do not match the log that was last "
	    "signed." },
	{ "timestamp_invalid", "The segment's time-stamp token is not valid." },
	{ "unreadable", "The archive or one of its files cannot be read (permissions or disk error)." },
	{ "no_key", "The audit public key is missing or unusable: nothing could be verified." },
	{ "unknown_format", "The segment is in a format this verifier does not know." },
	{ "no_segments", "The archive holds no segment yet." },
	{ "segment_absent", "A segment asked for is beyond the end of the archive." },
	{ "pin_invalid", "The latest signed checkpoint kept outside the archive cannot be used." },
	{ "pin_signature", "The checkpoint kept outside the archive is not signed by the audit key." },
	{ "pin_not_covered", "The checkpoint kept outside the archive is not within the segments checked." },
	{ "internal", "The verifier ran out of memory." },
};

static const char *
archive_word(const char *code)
{
	for (size_t i = 0; i < sizeof(archive_words) / sizeof(archive_words[0]); i++)
		if (strcmp(archive_words[i].code, code) == 0)
			return archive_words[i].words;
	return "";
}

struct archive_row {
	int found;
	char staff[ADMIN_NAME_MAX + 1], result[32];
	int64_t started, finished, complete, from, to;
	char *report;
	size_t report_len;
	struct pp_pool *pool;
};

static enum pp_err
archive_row_cb(void *ctx, const struct pp_val *c, size_t n)
{
	struct archive_row *r = ctx;

	if (n != 8 || !pp_val_text(&c[0], r->staff, sizeof(r->staff)) ||
	    !pp_val_text(&c[6], r->result, sizeof(r->result)) || c[7].type != PP_VAL_TEXT)
		return PP_ERR_DB;
	r->started = c[1].i;
	r->finished = c[2].i;
	r->complete = c[3].i;
	r->from = c[4].i;
	r->to = c[5].i;
	if ((r->report = pp_pool_strndup(r->pool, c[7].p, c[7].len)) == NULL)
		return PP_ERR_NOMEM;
	r->report_len = c[7].len;
	r->found = 1;
	return PP_OK;
}

static const char *
archive_jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

/* Report entries (problems or warnings) into Prefix.N.{segment,code,message,words}. */
static enum pp_err
archive_entries(HDF *hdf, json_object *report, const char *key, const char *prefix)
{
	json_object *a;
	enum pp_err rc;

	if (!json_object_object_get_ex(report, key, &a) || !json_object_is_type(a, json_type_array))
		return PP_OK;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *p = json_object_array_get_idx(a, i);
		const char *seg = archive_jstr(p, "segment");
		if ((rc = archive_setf(hdf, strcmp(seg, "0") == 0 ? "" : seg, "%s.%zu.segment", prefix, i)) != PP_OK ||
		    (rc = archive_setf(hdf, archive_jstr(p, "code"), "%s.%zu.code", prefix, i)) != PP_OK ||
		    (rc = archive_setf(hdf, archive_jstr(p, "severity"), "%s.%zu.severity", prefix, i)) != PP_OK ||
		    (rc = archive_setf(hdf, archive_jstr(p, "message"), "%s.%zu.message", prefix, i)) != PP_OK ||
		    (rc = archive_setf(hdf, archive_word(archive_jstr(p, "code")), "%s.%zu.words", prefix, i)) != PP_OK)
			return rc;
	}
	return PP_OK;
}

static enum pp_err
archive_report(struct pp_req *req, const struct admin_session *s)
{
	HDF *hdf = pp_req_hdf(req);
	struct archive_row r;
	json_object *report = NULL, *a, *pin;
	int64_t id;
	enum pp_err rc;

	memset(&r, 0, sizeof(r));
	r.pool = req->pool;
	if (hdf == NULL)
		return PP_ERR_NOMEM;
	if (req->param.s == NULL ||
	    pp_strtonum(req->param.s, req->param.len, 1, INT64_MAX, &id) != PP_OK)
		return pp_fail(req, PP_ERR_NOT_FOUND, "no such archive check");
	if ((rc = pp_store_exec(admin_db(req), "SELECT staff_name, started_ms, finished_ms, complete, seg_from,"
	    " seg_to, result, report FROM archive_checks WHERE id = ?", &PP_VAL_I(id), 1, archive_row_cb, &r,
	    NULL)) != PP_OK)
		return rc;
	if (!r.found)
		return pp_fail(req, PP_ERR_NOT_FOUND, "no such archive check");
	if (pp_json_parse(r.report, r.report_len, 8, ARCHIVE_REPORT_MAX_MEMBERS, &report) != PP_OK)
		return pp_fail(req, PP_ERR_DB, "the stored report cannot be read");
	if ((rc = archive_seti(hdf, id, "Check.id")) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.staff", r.staff)) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.started", archive_time(req, r.started))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.finished", archive_time(req, r.finished))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.scope", r.complete ? "complete" : "partial")) != PP_OK ||
	    (rc = archive_seti(hdf, r.from, "Check.from")) != PP_OK ||
	    (rc = archive_seti(hdf, r.to, "Check.to")) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.result", r.result)) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.origin", archive_jstr(report, "origin"))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.tree_size", archive_jstr(report, "tree_size"))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.root", archive_jstr(report, "root"))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.segments_verified", archive_jstr(report, "segments_verified"))) != PP_OK)
		goto out;
	if (json_object_object_get_ex(report, "pin", &pin) &&
	    ((rc = pp_hdf_set(hdf, "Check.pin.size", archive_jstr(pin, "size"))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.pin.verified", archive_jstr(pin, "verified"))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.pin.on_site", archive_jstr(pin, "on_site_records"))) != PP_OK ||
	    (rc = pp_hdf_set(hdf, "Check.pin.note", archive_jstr(pin, "note"))) != PP_OK))
		goto out;
	if ((rc = archive_entries(hdf, report, "problems", "Problems")) != PP_OK ||
	    (rc = archive_entries(hdf, report, "warnings", "Warnings")) != PP_OK)
		goto out;
	if (json_object_object_get_ex(report, "segments", &a) && json_object_is_type(a, json_type_array))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *g = json_object_array_get_idx(a, i);
			static const char *const keys[] = {
				"segment", "status", "first_seq", "last_seq", "count", "first_time", "last_time",
				"timestamp",
			};
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				if ((rc = archive_setf(hdf, archive_jstr(g, keys[k]), "Segments.%zu.%s", i,
				    keys[k])) != PP_OK)
					goto out;
		}
	rc = admin_reply(req, s, 200, "console_archive_report.cs");
out:
	json_object_put(report);
	return rc;
}

/* ------------------------------------------------------------ export (ARC-4) */

/* n decimal digits at s (leading zeros allowed), or -1. */
static int64_t
archive_digits(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* 1 when s is "YYYY-MM-DD" and a real date (the calendar round trip
 * refuses 2026-02-30). */
static int
archive_date_ok(const char *s)
{
	struct tm tm;
	time_t t;
	char back[11];
	int64_t y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    (y = archive_digits(s, 4)) < 1970 || (m = archive_digits(s + 5, 2)) < 1 || m > 12 ||
	    (d = archive_digits(s + 8, 2)) < 1 || d > 31)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL || strftime(back, sizeof(back), "%Y-%m-%d", &tm) != 10)
		return 0;
	return memcmp(back, s, 10) == 0;
}

static const char archive_readme[] =
"Paraphe audit archive, exported from the staff console\n"
"=====================================================\n"
"\n"
"Node origin:   %s\n"
"Period asked:  %s to %s (UTC days)\n"
"Segments:      %" PRId64 " to %" PRId64 " (%zu segments)\n"
"Exported:      %s by %s\n"
"\n"
"archive/                the segments, exactly as the audit daemon wrote them\n"
"audit-public-key.pem    the audit public key of this node, as configured\n"
"                        (audit.public_key). Do not trust it because it is\n"
"                        here: compare it with the key you obtained from the\n"
"                        operator through a channel you trust.\n"
"\n"
"How to verify it offline\n"
"------------------------\n"
"With paraphe-audit-verify (docs/AUDIT.md, \"Verifying an archive\"):\n"
"\n"
"  paraphe-audit-verify --key TRUSTED-KEY.pem --origin '%s' \\\n"
"      archive range %" PRId64 " %" PRId64 "\n"
"\n"
"Exit status 0 means every segment, its records and the links between the\n"
"segments are intact and signed by the audit key; 1 means something was\n"
"modified, removed, inserted or reordered; 2 means it could not conclude.\n"
"Add --json for the full report, and --pin CHECKPOINT with a checkpoint you\n"
"kept yourself to also detect segments removed from the end.\n"
"\n"
"A range does not check the link to the segment before the first one\n"
"exported; to check the whole log, export or copy the whole archive and run\n"
"'paraphe-audit-verify ... archive all'.\n";

static void
archive_tar_cleanup(void *arg)
{
	admin_tar_free(arg);
}

enum { EXPORT_FROM, EXPORT_TO, EXPORT__MAX };
static const struct pp_field archive_export_fields[EXPORT__MAX] = {
	[EXPORT_FROM] = { "from", PP_FIELD_STRING, 10, 1, 0, 0, NULL },
	[EXPORT_TO] = { "to", PP_FIELD_STRING, 10, 1, 0, 0, NULL },
};

/* The files of a segment in the export; manifest.tsr is optional. */
static const struct {
	const char *name;
	int optional;
} archive_files[] = {
	{ "manifest.json", 0 }, { "checkpoint", 0 }, { "records.jsonl.gz", 0 }, { "manifest.tsr", 1 },
};

static enum pp_err
archive_export(struct pp_req *req, const struct admin_session *s)
{
	const char *from = pp_req_value(req, "from"), *to = pp_req_value(req, "to");
	const char *origin = archive_origin(req), *dir = archive_dir(req);
	char lo[32], hi[32], path[4096], top[64], name[128];
	struct archive_segs segs;
	struct admin_tar *tar;
	struct stat st;
	size_t nsel = 0, first = 0, last = 0, total;
	int64_t now = (int64_t)time(NULL);
	char *readme, *data;
	size_t len;
	json_object *d;
	enum pp_err rc;

	if (!archive_date_ok(from) || !archive_date_ok(to))
		return pp_fail(req, PP_ERR_FIELD_INVALID, "dates are written YYYY-MM-DD");
	if (strcmp(from, to) > 0)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "the period ends before it starts");
	if (origin == NULL)
		return PP_ERR_NOMEM;
	snprintf(lo, sizeof(lo), "%sT00:00:00.000000Z", from);
	snprintf(hi, sizeof(hi), "%sT23:59:59.999999Z", to);
	if ((rc = archive_segments(req, 1, &segs)) != PP_OK)
		return rc;

	/* The segments of this node whose records overlap the period, and
	 * their size, before anything is read (ARC-4: a component recovers
	 * only its own archives). */
	total = 3 * ADMIN_TAR_BLOCK + 2 * ADMIN_TAR_BLOCK + admin_tar_entry_size(sizeof(archive_readme) + 1024);
	for (size_t i = 0; i < segs.n; i++) {
		struct archive_seg *g = &segs.v[i];
		if (g->first_time[0] == '\0' || strcmp(g->origin, origin) != 0 ||
		    strcmp(g->first_time, hi) > 0 || strcmp(g->last_time, lo) < 0)
			continue;
		if (nsel == 0)
			first = i;
		else if (i != last + 1)
			return pp_fail(req, PP_ERR_CONFLICT, "segment %" PRId64 " of the period cannot be read: "
			    "run an archive check", segs.v[last + 1].number);
		last = i;
		nsel++;
		total += ADMIN_TAR_BLOCK;
		for (size_t f = 0; f < sizeof(archive_files) / sizeof(archive_files[0]); f++) {
			snprintf(path, sizeof(path), "%s/seg-%08" PRId64 "/%s", dir, g->number, archive_files[f].name);
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
				total += admin_tar_entry_size((size_t)st.st_size);
		}
	}
	if (nsel == 0)
		return pp_fail(req, PP_ERR_NOT_FOUND, "no archive segment of this node holds records from %s to %s",
		    from, to);
	if (total > ARCHIVE_EXPORT_MAX)
		return pp_fail(req, PP_ERR_FIELD_INVALID, "the period holds %zu segments, about %zu MB, more than "
		    "the %u MB an export may hold: choose a shorter period, or copy the archive directory %s",
		    nsel, total / (1024 * 1024) + 1, ARCHIVE_EXPORT_MAX / (1024 * 1024), dir);

	if ((tar = pp_pool_alloc(req->pool, sizeof(*tar))) == NULL)
		return PP_ERR_NOMEM;
	admin_tar_init(tar, ARCHIVE_EXPORT_MAX);
	if ((rc = pp_pool_cleanup(req->pool, archive_tar_cleanup, tar)) != PP_OK) {
		admin_tar_free(tar);
		return rc;
	}
	snprintf(top, sizeof(top), "paraphe-archive-%s-%s", from, to);
	readme = pp_pool_printf(req->pool, archive_readme, origin, from, to, segs.v[first].number,
	    segs.v[last].number, nsel, archive_time(req, pp_now_ms()), s->staff.name, origin,
	    segs.v[first].number, segs.v[last].number);
	if (readme == NULL)
		return PP_ERR_NOMEM;
	if ((rc = admin_tar_dir(tar, top, now)) != PP_OK ||
	    (rc = admin_tar_file(tar, pp_pool_printf(req->pool, "%s/README.txt", top), readme, strlen(readme),
	    now)) != PP_OK)
		return rc;
	if ((rc = archive_read(pp_conf_str(req->ctx->conf, "audit", "public_key"), ARCHIVE_SMALL_MAX, &data,
	    &len)) != PP_OK)
		return pp_fail(req, PP_ERR_CONFLICT, "the audit public key (audit.public_key) cannot be read");
	rc = admin_tar_file(tar, pp_pool_printf(req->pool, "%s/audit-public-key.pem", top), data, len, now);
	pp_free(data);
	if (rc != PP_OK)
		return rc;
	snprintf(name, sizeof(name), "%s/archive", top);
	if ((rc = admin_tar_dir(tar, name, now)) != PP_OK)
		return rc;
	for (size_t i = first; i <= last; i++) {
		struct archive_seg *g = &segs.v[i];
		snprintf(name, sizeof(name), "%s/archive/seg-%08" PRId64, top, g->number);
		if ((rc = admin_tar_dir(tar, name, now)) != PP_OK)
			return rc;
		for (size_t f = 0; f < sizeof(archive_files) / sizeof(archive_files[0]); f++) {
			snprintf(path, sizeof(path), "%s/seg-%08" PRId64 "/%s", dir, g->number, archive_files[f].name);
			rc = archive_read(path, ARCHIVE_EXPORT_MAX, &data, &len);
			if (rc == PP_ERR_NOT_FOUND && archive_files[f].optional)
				continue;
			if (rc == PP_ERR_NOMEM)
				return rc;
			if (rc != PP_OK)
				return pp_fail(req, PP_ERR_CONFLICT, "segment %" PRId64 ": %s cannot be read: run an "
				    "archive check", g->number, archive_files[f].name);
			rc = admin_tar_file(tar, pp_pool_printf(req->pool, "%s/archive/seg-%08" PRId64 "/%s", top,
			    g->number, archive_files[f].name), data, len, now);
			pp_free(data);
			if (rc == PP_ERR_BODY_TOO_LARGE)
				return pp_fail(req, PP_ERR_FIELD_INVALID, "the period holds more than the %u MB an "
				    "export may hold: choose a shorter period", ARCHIVE_EXPORT_MAX / (1024 * 1024));
			if (rc != PP_OK)
				return rc;
		}
	}
	if ((rc = admin_tar_finish(tar)) != PP_OK)
		return rc;

	/* Recorded before a byte leaves (ARC-4, AUD-2). */
	if ((d = json_object_new_object()) == NULL || pp_json_add_str(d, "from", from) != PP_OK ||
	    pp_json_add_str(d, "to", to) != PP_OK || pp_json_add_int(d, "segments", (int64_t)nsel) != PP_OK ||
	    pp_json_add_int(d, "first_segment", segs.v[first].number) != PP_OK ||
	    pp_json_add_int(d, "last_segment", segs.v[last].number) != PP_OK ||
	    pp_json_add_int(d, "bytes", (int64_t)tar->len) != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = admin_audit(req, s, PP_AUDIT_ARCHIVE_EXPORT, PP_AUDIT_SUCCESS, NULL, d);
	json_object_put(d);
	if (rc != PP_OK)
		return rc;
	return admin_reply_bytes(req, 200, "application/x-tar", pp_pool_printf(req->pool, "%s.tar", top),
	    tar->buf, tar->len);
}

/* ------------------------------------------------------------ pages */

static const struct admin_page archive_pages[] = {
	{ PP_GET, "/archive", ADMIN_A_ARCHIVE_VIEW, archive_view, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/archive/check", ADMIN_A_ARCHIVE_CHECK, archive_check, PP_BODY_FORM,
	  archive_check_fields, CHECK__MAX },
	{ PP_GET, "/archive/checks/{id}", ADMIN_A_ARCHIVE_VIEW, archive_report, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/archive/export", ADMIN_A_ARCHIVE_EXPORT, archive_export, PP_BODY_NONE,
	  archive_export_fields, EXPORT__MAX },
};

const struct admin_pages admin_archive_pages = {
	archive_pages, sizeof(archive_pages) / sizeof(archive_pages[0]),
};
