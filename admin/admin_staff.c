/*
 * admin_staff: staff accounts, the two-factor login and the sessions of the
 * console (ROLE-3, ROLE-4).
 *
 * Login = the client certificate nginx verified against the staff CA (the
 * first factor, re-checked by pp_http) + a TOTP code (RFC 6238, liboath)
 * from the member's authenticator.  An account is found by the SHA-256 of
 * its certificate; a certificate that is not an active account's opens
 * nothing.  The first visit of an account without a second factor shows its
 * enrolment: a secret made here, shown once as a QR code (libqrencode, SVG)
 * and as text, confirmed by a first code.
 *
 * Codes: 6 digits, 30 s steps, one step of clock drift either way; compared
 * in constant time; a code's time step is never accepted twice (replay);
 * lockout_failures wrong codes in a row lock the account for lockout_s.
 *
 * Sessions: the cookie __Host-paraphe-admin (128 random bits; HttpOnly,
 * Secure, SameSite=Strict, no Max-Age) is known to the database only by its
 * SHA-256 and is bound to the certificate that opened it; a request after
 * idle_timeout_s of inactivity ends it.  The login form's CSRF token is a
 * double-submit cookie (__Host-paraphe-admin-pre): there is no session yet.
 * Every login, logout, failure and timeout is audited.
 */
#include "config.h"
#include <liboath/oath.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "admin.h"
#include "admin_accounts.h"
#include "pp_conf.h"
#include <openssl/rand.h>
#include "pp_core.h"
#include "pp_html.h"
#include "pp_json.h"
#include "pp_store.h"
#include "pp_util.h"

#define ADMIN_COOKIE "__Host-paraphe-admin"
#define ADMIN_PRE_COOKIE "__Host-paraphe-admin-pre"
#define ADMIN_TOTP_STEP 30
#define ADMIN_TOTP_DIGITS 6
#define ADMIN_TOTP_SECRET 20

/* --- accounts */

struct admin_staff_row {
	struct admin_staff *st;
	int found;
	unsigned char secret[ADMIN_TOTP_SECRET];
	size_t secret_len;
	unsigned char pending[ADMIN_TOTP_SECRET];
	size_t pending_len;
	int64_t last_step, failures, locked_until_ms;
	char status[16];
};

static enum pp_err
admin_staff_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_staff_row *r = ctx;

	if (n != 9 || !pp_val_text(&c[0], r->st->id, sizeof(r->st->id)) ||
	    !pp_val_text(&c[1], r->st->name, sizeof(r->st->name)) ||
	    !pp_val_text(&c[2], r->st->cert_sha256, sizeof(r->st->cert_sha256)) ||
	    !pp_val_text(&c[3], r->status, sizeof(r->status)))
		return PP_ERR_DB;
	if (c[4].type == PP_VAL_BLOB && c[4].len == ADMIN_TOTP_SECRET) {
		memcpy(r->secret, c[4].p, c[4].len);
		r->secret_len = c[4].len;
	}
	if (c[5].type == PP_VAL_BLOB && c[5].len == ADMIN_TOTP_SECRET) {
		memcpy(r->pending, c[5].p, c[5].len);
		r->pending_len = c[5].len;
	}
	r->last_step = c[6].i;
	r->failures = c[7].i;
	r->locked_until_ms = c[8].i;
	r->found = 1;
	return PP_OK;
}

#define ADMIN_STAFF_COLS "SELECT id, name, cert_sha256, status, totp_secret, totp_pending," \
	" totp_last_step, failures, locked_until_ms FROM staff"

/* The account of column = value (id or cert_sha256), any status. */
static enum pp_err
admin_staff_find(struct pp_store *db, const char *sql, const char *value, struct admin_staff *st,
    struct admin_staff_row *r)
{
	struct pp_val b[] = { PP_VAL_S(value) };
	enum pp_err rc;

	memset(r, 0, sizeof(*r));
	memset(st, 0, sizeof(*st));
	r->st = st;
	if ((rc = pp_store_exec(db, sql, b, 1, admin_staff_row, r, NULL)) != PP_OK)
		return rc;
	if (!r->found)
		return PP_ERR_NOT_FOUND;
	return admin_accounts_roles(db, st);
}

/* --- sessions */

static enum pp_err
admin_cookie_hash(const char *cookie, unsigned char id[32])
{
	if (cookie == NULL || strlen(cookie) != 2 * 16)
		return PP_ERR_NOT_FOUND;
	return pp_sha256(cookie, strlen(cookie), id);
}

struct admin_sess_row {
	struct admin_session *s;
	int found;
	char cert[65];
	int64_t last_ms;
};

static enum pp_err
admin_sess_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_sess_row *r = ctx;

	if (n != 4 || !pp_val_text(&c[0], r->s->staff.id, sizeof(r->s->staff.id)) ||
	    !pp_val_text(&c[1], r->cert, sizeof(r->cert)) ||
	    !pp_val_text(&c[2], r->s->csrf, sizeof(r->s->csrf)))
		return PP_ERR_DB;
	r->last_ms = c[3].i;
	r->found = 1;
	return PP_OK;
}

enum pp_err
admin_session_load(struct pp_req *req, struct admin_session *s)
{
	struct pp_store *db = admin_db(req);
	struct admin_sess_row r = { .s = s };
	int64_t now = pp_now_ms(), idle = admin_of(req)->idle_timeout_s * 1000;
	enum pp_err rc;

	memset(s, 0, sizeof(*s));
	if (admin_cookie_hash(pp_req_cookie(req, ADMIN_COOKIE), s->id) != PP_OK)
		return PP_ERR_NOT_FOUND;
	struct pp_val b[] = { { .type = PP_VAL_BLOB, .p = s->id, .len = 32 } };
	if ((rc = pp_store_exec(db, "SELECT staff, cert_sha256, csrf, last_ms FROM staff_sessions WHERE id = ?",
	    b, 1, admin_sess_row, &r, NULL)) != PP_OK)
		return rc;
	/* Another certificate than the one that opened the session: no
	 * session (the cookie alone is not enough). */
	if (!r.found || !req->client.present || strcmp(r.cert, req->client.sha256) != 0)
		return PP_ERR_NOT_FOUND;
	if ((rc = admin_staff_get(db, s->staff.id, &s->staff)) == PP_ERR_NOT_FOUND ||
	    (rc == PP_OK && strcmp(s->staff.cert_sha256, req->client.sha256) != 0)) {
		/* Disabled since, or its certificate changed: the session ends. */
		rc = pp_store_exec(db, "DELETE FROM staff_sessions WHERE id = ?", b, 1, NULL, NULL, NULL);
		return rc == PP_OK ? PP_ERR_NOT_FOUND : rc;
	}
	if (rc != PP_OK)
		return rc;
	if (now - r.last_ms > idle) {
		int64_t gone = 0;

		if ((rc = pp_store_exec(db, "DELETE FROM staff_sessions WHERE id = ?", b, 1, NULL, NULL,
		    &gone)) != PP_OK)
			return rc;
		/* Only the request that ended it records the timeout. */
		if (gone == 1 && (rc = admin_audit(req, s, PP_AUDIT_ROLE_LOGOUT, PP_AUDIT_SUCCESS,
		    "timeout: no request for longer than admin.idle_timeout_s", NULL)) != PP_OK)
			return rc;
		req->detail = "timeout";
		return PP_ERR_NOT_FOUND;
	}
	struct pp_val u[] = { PP_VAL_I(now), b[0] };
	return pp_store_exec(db, "UPDATE staff_sessions SET last_ms = ? WHERE id = ?", u, 2, NULL, NULL, NULL);
}

static enum pp_err
admin_session_open(struct pp_req *req, const struct admin_staff *st)
{
	char cookie[2 * 16 + 1], csrf[ADMIN_ID_HEX + 1];
	unsigned char id[32];
	int64_t now = pp_now_ms();
	enum pp_err rc;

	if ((rc = pp_random_hex(cookie, 16)) != PP_OK || (rc = pp_random_hex(csrf, 16)) != PP_OK ||
	    (rc = pp_sha256(cookie, strlen(cookie), id)) != PP_OK)
		return rc;
	struct pp_val b[] = { { .type = PP_VAL_BLOB, .p = id, .len = 32 }, PP_VAL_S(st->id),
	    PP_VAL_S(req->client.sha256), PP_VAL_S(csrf), PP_VAL_I(now), PP_VAL_I(now) };
	/* One session per member: a new login ends the others. */
	struct pp_val d[] = { PP_VAL_S(st->id) };
	if ((rc = pp_store_exec(admin_db(req), "DELETE FROM staff_sessions WHERE staff = ?", d, 1,
	    NULL, NULL, NULL)) != PP_OK ||
	    (rc = pp_store_exec(admin_db(req), "INSERT INTO staff_sessions (id, staff, cert_sha256, csrf,"
	    " created_ms, last_ms) VALUES (?, ?, ?, ?, ?, ?)", b, 6, NULL, NULL, NULL)) != PP_OK)
		return rc;
	rc = pp_reply_cookie_strict(req, ADMIN_COOKIE, cookie, -1);
	if (rc == PP_OK)
		rc = pp_reply_cookie_strict(req, ADMIN_PRE_COOKIE, "0", 0);
	pp_wipe(cookie, sizeof(cookie));
	return rc;
}

/* --- TOTP */

struct admin_totp_cmp {
	const char *code;
};

/* liboath's comparison callback: 0 when test_otp is the code typed. */
static int
admin_totp_cmp(void *handle, const char *test_otp)
{
	const struct admin_totp_cmp *c = handle;

	if (strlen(test_otp) != ADMIN_TOTP_DIGITS)
		return 1;
	return pp_ct_equal(test_otp, c->code, ADMIN_TOTP_DIGITS) ? 0 : 1;
}

/* Checks code against secret: OUT *step, the time step it belongs to. */
static int
admin_totp_check(const unsigned char *secret, size_t len, const char *code, int64_t *step)
{
	struct admin_totp_cmp c = { code };
	time_t now = time(NULL);
	int pos = 0, rc;

	if (code == NULL || strlen(code) != ADMIN_TOTP_DIGITS ||
	    strspn(code, "0123456789") != ADMIN_TOTP_DIGITS)
		return 0;
	rc = oath_totp_validate2_callback((const char *)secret, len, now, ADMIN_TOTP_STEP, 0,
	    ADMIN_TOTP_DIGITS, 1, &pos, admin_totp_cmp, &c);
	if (rc < 0)
		return 0;
	*step = (int64_t)(now / ADMIN_TOTP_STEP) + pos;
	return 1;
}

/* --- pages */

static enum pp_err
admin_page_set(struct pp_req *req, const char *name, const char *value)
{
	HDF *hdf = pp_req_hdf(req);

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	return pp_hdf_set(hdf, name, value ? value : "");
}

/* The pre-session CSRF token: the cookie's value, set when absent. */
static enum pp_err
admin_pre_token(struct pp_req *req, const char **tok)
{
	const char *c = pp_req_cookie(req, ADMIN_PRE_COOKIE);
	char *t;
	enum pp_err rc;

	if (c != NULL && strlen(c) == ADMIN_ID_HEX) {
		*tok = c;
		return PP_OK;
	}
	if ((t = pp_pool_alloc(req->pool, ADMIN_ID_HEX + 1)) == NULL)
		return PP_ERR_NOMEM;
	if ((rc = pp_random_hex(t, 16)) != PP_OK ||
	    (rc = pp_reply_cookie_strict(req, ADMIN_PRE_COOKIE, t, -1)) != PP_OK)
		return rc;
	*tok = t;
	return PP_OK;
}

static enum pp_err
admin_login_failure(struct pp_req *req, const struct admin_staff *st, const char *cause)
{
	json_object *d = json_object_new_object();
	struct pp_audit_event ev = {
		.type = PP_AUDIT_ROLE_LOGIN_FAILURE,
		.outcome = PP_AUDIT_FAILURE,
		.actor_kind = st ? PP_AUDIT_ACTOR_STAFF : PP_AUDIT_ACTOR_ANONYMOUS,
		.actor_id = st ? st->id : NULL,
		.actor_role = st && st->role_label[0] ? st->role_label : NULL,
		.cause = cause,
		.details = d,
	};
	enum pp_err rc;

	if (d == NULL || pp_json_add_str(d, "certificate_sha256", req->client.sha256) != PP_OK ||
	    pp_json_add_str(d, "certificate_serial", req->client.serial) != PP_OK ||
	    pp_json_add_str(d, "interface", "console") != PP_OK ||
	    (st && pp_json_add_str(d, "staff_name", st->name) != PP_OK)) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	rc = pp_req_audit(req, &ev);
	json_object_put(d);
	return rc;
}

/* The account of the request's certificate, or a refusal page (audited). */
static enum pp_err
admin_login_account(struct pp_req *req, struct admin_staff *st, struct admin_staff_row *r, int *refused)
{
	enum pp_err rc;

	*refused = 0;
	rc = admin_staff_find(admin_db(req), ADMIN_STAFF_COLS " WHERE cert_sha256 = ?",
	    req->client.sha256, st, r);
	if (rc == PP_OK && strcmp(r->status, "active") == 0)
		return PP_OK;
	if (rc != PP_OK && rc != PP_ERR_NOT_FOUND)
		return rc;
	*refused = 1;
	if ((rc = admin_login_failure(req, rc == PP_OK ? st : NULL, rc == PP_OK ?
	    "the staff account is disabled" : "the certificate is not a staff account's")) != PP_OK)
		return rc;
	/* The page names the certificate the browser presented (as nginx and
	 * pp_cert verified it, never a header), so that its holder can give
	 * it to a security manager. */
	if ((rc = admin_page_set(req, "Refused.name", req->client.common_name)) != PP_OK ||
	    (rc = admin_page_set(req, "Refused.subject", req->client.subject)) != PP_OK ||
	    (rc = admin_page_set(req, "Refused.serial", req->client.serial)) != PP_OK ||
	    (rc = admin_page_set(req, "Refused.fingerprint", req->client.sha256)) != PP_OK ||
	    (rc = admin_page_set(req, "Refused.disabled", strcmp(r->status, "disabled") == 0 ? "1" : "")) != PP_OK)
		return rc;
	return admin_reply(req, NULL, 403, "console_refused.cs");
}

static const char *
admin_totp_uri(struct pp_req *req, const struct admin_staff *st, const unsigned char *secret,
    char **b32)
{
	size_t len = 0;
	const char *issuer = pp_conf_str(req->ctx->conf, "admin", "totp_issuer");
	char *e_issuer, *e_name, *uri;

	*b32 = NULL;
	if (oath_base32_encode((const char *)secret, ADMIN_TOTP_SECRET, b32, &len) != OATH_OK)
		return NULL;
	e_issuer = pp_url_add_param(req->pool, "", "x", issuer);
	e_name = pp_url_add_param(req->pool, "", "x", st->name);
	if (e_issuer == NULL || e_name == NULL)
		return NULL;
	/* pp_url_add_param gave "?x=<escaped>". */
	uri = pp_pool_printf(req->pool, "otpauth://totp/%s:%s?secret=%s&issuer=%s&digits=6&period=30",
	    e_issuer + 3, e_name + 3, *b32, e_issuer + 3);
	return uri;
}

static enum pp_err
admin_login_form(struct pp_req *req, const struct admin_staff *st, const struct admin_staff_row *r,
    int status, const char *msg)
{
	const char *tok = NULL, *why = pp_req_value(req, "why");
	enum pp_err rc;

	if ((rc = admin_pre_token(req, &tok)) != PP_OK ||
	    (rc = admin_page_set(req, "Csrf", tok)) != PP_OK ||
	    (rc = admin_page_set(req, "Login.name", st->name)) != PP_OK ||
	    (rc = admin_page_set(req, "Login.subject", req->client.subject)) != PP_OK ||
	    (rc = admin_page_set(req, "Login.fingerprint", req->client.sha256)) != PP_OK ||
	    (rc = admin_page_set(req, "Login.roles", st->role_label)) != PP_OK ||
	    (rc = admin_page_set(req, "Login.msg", msg)) != PP_OK)
		return rc;
	if (why && strcmp(why, "timeout") == 0) {
		int64_t t = admin_of(req)->idle_timeout_s;
		if ((rc = admin_page_set(req, "Login.timeout", t % 60 ? pp_pool_printf(req->pool,
		    "%lld seconds", (long long)t) : pp_pool_printf(req->pool, "%lld minutes",
		    (long long)t / 60))) != PP_OK)
			return rc;
	}
	if (why && strcmp(why, "logout") == 0 && (rc = admin_page_set(req, "Login.logout", "1")) != PP_OK)
		return rc;
	if (r->secret_len == 0) {
		char *b32 = NULL;
		const char *uri = admin_totp_uri(req, st, r->pending, &b32);

		rc = uri == NULL ? PP_ERR_NOMEM : admin_page_set(req, "Enrol.secret", b32);
		if (b32) {
			pp_wipe(b32, strlen(b32));
			free(b32);
		}
		if (rc != PP_OK)
			return rc;
		return admin_reply(req, NULL, status, "console_enrol.cs");
	}
	return admin_reply(req, NULL, status, "console_login.cs");
}

/* GET /login: the second-factor form, or the enrolment of a new account. */
static enum pp_err
admin_login_get(struct pp_req *req, const struct admin_session *unused)
{
	struct admin_staff st;
	struct admin_staff_row r;
	int refused;
	enum pp_err rc;
	(void)unused;

	if ((rc = admin_login_account(req, &st, &r, &refused)) != PP_OK || refused)
		goto out;
	if (r.secret_len == 0 && r.pending_len == 0) {
		/* A first visit: the enrolment secret, made once and kept until
		 * confirmed (reloading the page shows the same one). */
		if (RAND_bytes(r.pending, ADMIN_TOTP_SECRET) != 1) {
			rc = PP_ERR_INTERNAL;
			goto out;
		}
		r.pending_len = ADMIN_TOTP_SECRET;
		struct pp_val b[] = { { .type = PP_VAL_BLOB, .p = r.pending, .len = ADMIN_TOTP_SECRET },
		    PP_VAL_S(st.id) };
		if ((rc = pp_store_exec(admin_db(req), "UPDATE staff SET totp_pending = ? WHERE id = ?"
		    " AND totp_secret IS NULL AND totp_pending IS NULL", b, 2, NULL, NULL, NULL)) != PP_OK)
			goto out;
		/* Two tabs at once: show what the database kept. */
		char id[ADMIN_ID_HEX + 1];
		memcpy(id, st.id, sizeof(id));
		if ((rc = admin_staff_find(admin_db(req), ADMIN_STAFF_COLS " WHERE id = ?", id, &st,
		    &r)) != PP_OK)
			goto out;
	}
	rc = admin_login_form(req, &st, &r, 200, NULL);
out:
	pp_wipe(&r, sizeof(r));
	return rc;
}

/* GET /login/qr.svg: the enrolment secret as a QR code (only before the
 * second factor is enrolled, only for the account's certificate). */
static enum pp_err
admin_login_qr(struct pp_req *req, const struct admin_session *unused)
{
	struct admin_staff st;
	struct admin_staff_row r;
	QRcode *qr = NULL;
	char *b32 = NULL, *svg = NULL;
	const char *uri;
	int refused;
	enum pp_err rc;
	(void)unused;

	if ((rc = admin_login_account(req, &st, &r, &refused)) != PP_OK || refused)
		goto out;
	if (r.secret_len != 0 || r.pending_len == 0) {
		rc = pp_fail(req, PP_ERR_NOT_FOUND, "No enrolment is in progress for this account.");
		goto out;
	}
	if ((uri = admin_totp_uri(req, &st, r.pending, &b32)) == NULL ||
	    (qr = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	/* One path of unit squares, a 4-module quiet zone. */
	{
		int w = qr->width, q = 4;
		size_t cap = 256 + (size_t)w * (size_t)w * 16, len;
		char *p;

		if ((svg = pp_pool_alloc(req->pool, cap)) == NULL) {
			rc = PP_ERR_NOMEM;
			goto out;
		}
		len = (size_t)snprintf(svg, cap, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
		    " width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\"><title>Enrolment QR code</title>"
		    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		    w + 2 * q, w + 2 * q, (w + 2 * q) * 6, (w + 2 * q) * 6);
		for (int y = 0; y < w; y++)
			for (int x = 0; x < w; x++)
				if (qr->data[y * w + x] & 1) {
					p = svg + len;
					len += (size_t)snprintf(p, cap - len, "M%d %dh1v1h-1z", x + q, y + q);
				}
		len += (size_t)snprintf(svg + len, cap - len, "\"/></svg>\n");
		if ((rc = pp_reply_header(req, "Cache-Control", "no-store")) == PP_OK)
			rc = admin_reply_bytes(req, 200, "image/svg+xml", NULL, svg, len);
	}
out:
	if (qr)
		QRcode_free(qr);
	if (b32) {
		pp_wipe(b32, strlen(b32));
		free(b32);
	}
	pp_wipe(&r, sizeof(r));
	return rc;
}

/* One wrong code: counted, maybe locking the account; audited. */
static enum pp_err
admin_login_wrong(struct pp_req *req, const struct admin_staff *st, struct admin_staff_row *r,
    const char *what)
{
	struct admin *a = admin_of(req);
	int64_t failures = r->failures + 1, locked = 0;
	enum pp_err rc;

	if (failures >= a->lockout_failures) {
		locked = pp_now_ms() + a->lockout_s * 1000;
		failures = 0;
	}
	struct pp_val b[] = { PP_VAL_I(failures), PP_VAL_I(locked), PP_VAL_S(st->id) };
	if ((rc = pp_store_exec(admin_db(req), "UPDATE staff SET failures = ?, locked_until_ms ="
	    " MAX(locked_until_ms, ?) WHERE id = ?", b, 3, NULL, NULL, NULL)) != PP_OK)
		return rc;
	if ((rc = admin_login_failure(req, st, locked ? pp_pool_printf(req->pool,
	    "%s; the account is now locked for %lld s", what, (long long)a->lockout_s) : what)) != PP_OK)
		return rc;
	r->failures = failures;
	if (locked)
		return pp_fail(req, PP_ERR_FORBIDDEN, "Too many wrong codes: the account is locked for %lld"
		    " minutes. The security managers can see this in the audit log.",
		    (long long)(a->lockout_s + 59) / 60);
	return admin_login_form(req, st, r, 400, pp_pool_printf(req->pool,
	    "%s. %lld attempt(s) left before the account is locked.", what,
	    (long long)(a->lockout_failures - failures)));
}

/* POST /login and POST /login/enrol. */
static enum pp_err
admin_login_post(struct pp_req *req, const struct admin_session *unused)
{
	struct admin_staff st;
	struct admin_staff_row r;
	const char *code = pp_req_value(req, "code"), *pre = pp_req_cookie(req, ADMIN_PRE_COOKIE);
	int enrol = strcmp(req->path, "/login/enrol") == 0, refused;
	int64_t step = 0;
	enum pp_err rc;
	(void)unused;

	if ((rc = pp_csrf_check(req, pre && strlen(pre) == ADMIN_ID_HEX ? pre : NULL)) != PP_OK)
		return rc;
	if ((rc = admin_login_account(req, &st, &r, &refused)) != PP_OK || refused)
		goto out;
	if (r.locked_until_ms > pp_now_ms()) {
		if ((rc = admin_login_failure(req, &st, "the account is locked")) == PP_OK)
			rc = pp_fail(req, PP_ERR_FORBIDDEN, "This account is locked after too many wrong"
			    " codes; try again later.");
		goto out;
	}
	if (enrol != (r.secret_len == 0) || (enrol && r.pending_len == 0)) {
		rc = pp_fail(req, PP_ERR_CONFLICT, "This form is out of date: open the login page again.");
		goto out;
	}
	if (!admin_totp_check(enrol ? r.pending : r.secret, ADMIN_TOTP_SECRET, code, &step)) {
		rc = admin_login_wrong(req, &st, &r, "Wrong or expired code");
		goto out;
	}
	if (step <= r.last_step) {
		rc = admin_login_wrong(req, &st, &r, "This code was already used; wait for the next one");
		goto out;
	}
	/* Accepted: the step is spent, the counters reset, the enrolment
	 * (if any) confirmed, in one statement guarded by the old step so two
	 * logins racing with one code cannot both pass. */
	{
		struct pp_val b[] = { PP_VAL_I(step), PP_VAL_S(st.id), PP_VAL_I(r.last_step) };
		int64_t changed = 0;

		rc = pp_store_exec(admin_db(req), enrol ?
		    "UPDATE staff SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?,"
		    " failures = 0, locked_until_ms = 0 WHERE id = ? AND totp_last_step = ? AND totp_secret IS NULL" :
		    "UPDATE staff SET totp_last_step = ?, failures = 0, locked_until_ms = 0"
		    " WHERE id = ? AND totp_last_step = ?", b, 3, NULL, NULL, &changed);
		if (rc == PP_OK && changed != 1) {
			rc = admin_login_wrong(req, &st, &r, "This code was already used; wait for the next one");
			goto out;
		}
		if (rc != PP_OK)
			goto out;
	}
	if (enrol && (rc = admin_audit_as(req, &st, PP_AUDIT_CREDENTIAL_CHANGE, PP_AUDIT_SUCCESS,
	    "second factor (TOTP) enrolled", NULL)) != PP_OK)
		goto out;
	if ((rc = admin_audit_as(req, &st, PP_AUDIT_ROLE_LOGIN, PP_AUDIT_SUCCESS, NULL, NULL)) != PP_OK ||
	    (rc = admin_session_open(req, &st)) != PP_OK)
		goto out;
	rc = pp_reply_redirect(req, 303, "/");
out:
	pp_wipe(&r, sizeof(r));
	return rc;
}

/* POST /logout */
static enum pp_err
admin_logout(struct pp_req *req, const struct admin_session *s)
{
	struct pp_val b[] = { { .type = PP_VAL_BLOB, .p = s->id, .len = 32 } };
	enum pp_err rc;

	if ((rc = pp_store_exec(admin_db(req), "DELETE FROM staff_sessions WHERE id = ?", b, 1, NULL,
	    NULL, NULL)) != PP_OK ||
	    (rc = admin_audit(req, s, PP_AUDIT_ROLE_LOGOUT, PP_AUDIT_SUCCESS, "logout", NULL)) != PP_OK ||
	    (rc = pp_reply_cookie_strict(req, ADMIN_COOKIE, "0", 0)) != PP_OK)
		return rc;
	return pp_reply_redirect(req, 303, "/login?why=logout");
}

#pragma weak admin_review_alerts
#pragma weak admin_archive_alerts

/* GET / : the member's home: roles, alerts, what they can do. */
static enum pp_err
admin_home(struct pp_req *req, const struct admin_session *s)
{
	enum pp_err rc;

	if ((admin_review_alerts && (rc = admin_review_alerts(req, s)) != PP_OK) ||
	    (admin_archive_alerts && (rc = admin_archive_alerts(req, s)) != PP_OK) ||
	    (rc = admin_dual_alerts(req, s)) != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_home.cs");
}

/* --- the accounts page */

static const char *const admin_staff_cols[] = { "id", "name", "subject", "status", "enrolled", "locked",
	"roles", "created", "created_by", "present" };

static enum pp_err
admin_staff_page(struct pp_req *req, const struct admin_session *s)
{
	struct admin_rows l = { pp_req_hdf(req), "Accounts", admin_staff_cols,
	    sizeof(admin_staff_cols) / sizeof(admin_staff_cols[0]), 0 };
	struct pp_val b[] = { PP_VAL_I(pp_now_ms()) };
	enum pp_err rc;

	if (l.hdf == NULL)
		return PP_ERR_TEMPLATE;
	if ((rc = pp_store_exec(admin_db(req), "SELECT id, name, cert_subject, status,"
	    " totp_secret IS NOT NULL, locked_until_ms > ?,"
	    " COALESCE((SELECT group_concat(role, ' ') FROM (SELECT role FROM staff_roles"
	    "  WHERE staff = staff.id ORDER BY role)), ''),"
	    " strftime('%Y-%m-%d %H:%M', created_ms / 1000, 'unixepoch'), created_by, present"
	    " FROM staff ORDER BY name", b, 1, admin_rows_hdf, &l, NULL)) != PP_OK)
		return rc;
	for (int r = 0; r < ADMIN_ROLE__MAX; r++) {
		char key[32];

		snprintf(key, sizeof(key), "Roles.%d", r);
		if (pp_hdf_set(l.hdf, key, admin_role_name((enum admin_role)r)) != PP_OK)
			return PP_ERR_NOMEM;
	}
	return admin_reply(req, s, 200, "console_staff.cs");
}

static const char *const admin_why[] = { "timeout", "logout", NULL };

static const struct pp_field admin_login_get_fields[] = {
	{ "why", PP_FIELD_ENUM, 8, 0, 0, 0, admin_why },
};
static const struct pp_field admin_login_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
	{ "code", PP_FIELD_STRING, 16, 1, 0, 0, NULL },
};
static const struct pp_field admin_csrf_fields[] = {
	{ "csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL },
};

#define NF(a) (sizeof(a) / sizeof((a)[0]))

static const struct admin_page admin_staff_page_list[] = {
	{ PP_GET, "/login", ADMIN_A_PUBLIC, admin_login_get, PP_BODY_NONE, admin_login_get_fields,
	  NF(admin_login_get_fields) },
	{ PP_POST, "/login", ADMIN_A_PUBLIC, admin_login_post, PP_BODY_FORM, admin_login_fields,
	  NF(admin_login_fields) },
	{ PP_POST, "/login/enrol", ADMIN_A_PUBLIC, admin_login_post, PP_BODY_FORM, admin_login_fields,
	  NF(admin_login_fields) },
	{ PP_GET, "/login/qr.svg", ADMIN_A_PUBLIC, admin_login_qr, PP_BODY_NONE, NULL, 0 },
	{ PP_POST, "/logout", ADMIN_A_HOME, admin_logout, PP_BODY_FORM, admin_csrf_fields,
	  NF(admin_csrf_fields) },
	{ PP_GET, "/", ADMIN_A_HOME, admin_home, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/staff", ADMIN_A_STAFF_VIEW, admin_staff_page, PP_BODY_NONE, NULL, 0 },
};

const struct admin_pages admin_staff_pages = { admin_staff_page_list, NF(admin_staff_page_list) };
