/*
 * sam_otp: SMS one-time passwords (see sam_otp.h for the state machine).
 *
 * Secrets here: the code (6 digits) and every buffer that held it (the
 * HMAC input, the rendered message, the spool file contents).  They live on
 * the stack or in one pp_malloc'd buffer, are wiped before release, and are
 * never logged; logs carry OTP ids and error names only.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"
#include "sam_otp.h"

#define SAM_OTP_MAC_LEN		32
#define SAM_OTP_ID_BYTES	(SAM_OTP_ID_LEN / 2)
/* E.164: a country code never starts with 0; 15 digits at most.  8 is the
 * shortest mobile number we accept with its country code. */
#define SAM_OTP_PHONE_MIN	8
#define SAM_OTP_PHONE_MAX	15
/* Largest multiple of 10^6 below 2^32: a draw at or above it is redrawn, so
 * each of the 10^6 codes comes from exactly 4294 draws. */
#define SAM_OTP_DRAW_LIMIT	4294000000u
/* A working CSPRNG redraws with probability 2.3e-4; 16 redraws in a row
 * means it is broken. */
#define SAM_OTP_DRAW_TRIES	16
/* Spool file header: "To: " 15 digits, "\nAlphabet: UTF-8\n\n". */
#define SAM_OTP_HEADER_MAX	64
#define SAM_OTP_PATH_MAX	(SAM_OTP_SPOOL_PATH_MAX + SAM_OTP_ID_LEN + 32)

/* Bounds of a sane policy; anything outside is a configuration error. */
#define SAM_OTP_LIFETIME_MIN_MS		(30 * 1000LL)
#define SAM_OTP_LIFETIME_MAX_MS		(60 * 60 * 1000LL)
#define SAM_OTP_WINDOW_MAX_MS		(31 * 24 * 60 * 60 * 1000LL)

const char sam_otp_template_en[] =
    "Paraphe: your signing code is {code}. It expires in {minutes} minutes. Never share it.";
const char sam_otp_template_fr[] =
    "Paraphe : votre code de signature est {code}. Il expire dans {minutes} minutes. "
    "Ne le communiquez jamais.";

static const char *const sam_otp_outcome_texts[SAM_OTP__MAX] = {
	[SAM_OTP_ISSUED] = "otp issued",
	[SAM_OTP_VERIFIED] = "otp verified",
	[SAM_OTP_WRONG] = "otp failed",
	[SAM_OTP_LOCKED] = "otp locked",
	[SAM_OTP_EXPIRED] = "otp expired",
	[SAM_OTP_USED] = "otp already used",
	[SAM_OTP_SUPERSEDED] = "otp superseded",
	[SAM_OTP_NOT_FOUND] = "otp unknown",
	[SAM_OTP_MISMATCH] = "otp of another signatory or session",
	[SAM_OTP_MALFORMED] = "otp malformed",
	[SAM_OTP_SESSION_LIMIT] = "otp limit per session reached",
	[SAM_OTP_SIGNATORY_LIMIT] = "otp limit per signatory reached",
};

const char *
sam_otp_outcome_text(enum sam_otp_outcome o)
{
	if ((unsigned)o >= SAM_OTP__MAX || sam_otp_outcome_texts[o] == NULL)
		return "otp outcome unknown";
	return sam_otp_outcome_texts[o];
}

void
sam_otp_policy_default(struct sam_otp_policy *p)
{
	p->lifetime_ms = 5 * 60 * 1000;
	p->max_attempts = 3;
	p->max_per_session = 3;
	p->max_per_signatory = 10;
	p->window_ms = 60 * 60 * 1000;
}

static enum pp_err
sam_otp_policy_check(const struct sam_otp_policy *p)
{
	if (p == NULL || p->lifetime_ms < SAM_OTP_LIFETIME_MIN_MS ||
	    p->lifetime_ms > SAM_OTP_LIFETIME_MAX_MS || p->max_attempts < 1 ||
	    p->max_attempts > 10 || p->max_per_session < 1 || p->max_per_signatory < 1 ||
	    p->window_ms < 1 || p->window_ms > SAM_OTP_WINDOW_MAX_MS) {
		pp_err_log("sam_otp: policy out of bounds");
		return PP_ERR_CONFIG;
	}
	return PP_OK;
}

/* Signatory and session identifiers: bounded, valid UTF-8, no controls. */
static enum pp_err
sam_otp_name_check(const char *s)
{
	size_t len;

	if (s == NULL)
		return PP_ERR_FIELD_INVALID;
	len = strnlen(s, SAM_OTP_NAME_MAX + 1);
	if (len == 0 || len > SAM_OTP_NAME_MAX || !pp_utf8_valid(s, len, 0))
		return PP_ERR_FIELD_INVALID;
	return PP_OK;
}

/* An OTP id as issued: exactly SAM_OTP_ID_LEN lower-case hex digits. */
static enum pp_err
sam_otp_id_check(const char *id)
{
	size_t i;

	if (id == NULL)
		return PP_ERR_FIELD_INVALID;
	for (i = 0; i < SAM_OTP_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return PP_ERR_FIELD_INVALID;
	return id[i] == '\0' ? PP_OK : PP_ERR_FIELD_INVALID;
}

/*
 * OUT out: the number as smstools3 wants it in "To:", international format
 * without the leading '+' (smstools3 documentation, "SMS file format").
 * Only digits: nothing else may reach a header line of the spool file.
 */
static enum pp_err
sam_otp_phone_normalise(const char *in, char out[SAM_OTP_PHONE_MAX + 1])
{
	size_t len, i;

	if (in == NULL)
		return PP_ERR_FIELD_INVALID;
	if (in[0] == '+')
		in++;
	len = strnlen(in, SAM_OTP_PHONE_MAX + 1);
	if (len < SAM_OTP_PHONE_MIN || len > SAM_OTP_PHONE_MAX || in[0] == '0')
		return PP_ERR_FIELD_INVALID;
	for (i = 0; i < len; i++)
		if (in[i] < '0' || in[i] > '9')
			return PP_ERR_FIELD_INVALID;
	memcpy(out, in, len);
	out[len] = '\0';
	return PP_OK;
}

enum pp_err
sam_otp_code_generate(char code[SAM_OTP_DIGITS + 1])
{
	unsigned char b[4];
	uint32_t v = 0;
	enum pp_err rc = PP_ERR_INTERNAL;
	int i;

	for (i = 0; i < SAM_OTP_DRAW_TRIES; i++) {
		if (RAND_bytes(b, sizeof(b)) != 1)
			break;
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		if (v < SAM_OTP_DRAW_LIMIT) {
			rc = PP_OK;
			break;
		}
	}
	if (rc != PP_OK) {
		pp_err_log("sam_otp: CSPRNG failed");
		goto fail;
	}
	v %= 1000000u;
	for (i = SAM_OTP_DIGITS - 1; i >= 0; i--) {
		code[i] = (char)('0' + v % 10);
		v /= 10;
	}
	code[SAM_OTP_DIGITS] = '\0';
fail:
	pp_wipe(b, sizeof(b));
	pp_wipe(&v, sizeof(v));
	return rc;
}

/* OUT mac = HMAC-SHA256(key, id || code); id has a fixed length, so the
 * concatenation is unambiguous and binds the code to its OTP. */
static enum pp_err
sam_otp_mac(const unsigned char *key, const char *id, const char *code,
    unsigned char mac[SAM_OTP_MAC_LEN])
{
	unsigned char msg[SAM_OTP_ID_LEN + SAM_OTP_DIGITS];
	unsigned int maclen = 0;
	enum pp_err rc = PP_OK;

	memcpy(msg, id, SAM_OTP_ID_LEN);
	memcpy(msg + SAM_OTP_ID_LEN, code, SAM_OTP_DIGITS);
	if (HMAC(EVP_sha256(), key, SAM_OTP_KEY_LEN, msg, sizeof(msg), mac, &maclen) == NULL ||
	    maclen != SAM_OTP_MAC_LEN) {
		pp_err_log("sam_otp: HMAC-SHA256 failed");
		rc = PP_ERR_INTERNAL;
	}
	pp_wipe(msg, sizeof(msg));
	return rc;
}

/* Appends src[0..n) at buf[*len], within cap; 0 when it does not fit. */
static int
sam_otp_append(char *buf, size_t cap, size_t *len, const char *src, size_t n)
{
	if (n > cap - *len)
		return 0;
	memcpy(buf + *len, src, n);
	*len += n;
	return 1;
}

/*
 * OUT *out, *outlen: the whole spool file, pp_malloc'd, holding the code;
 * the caller wipes it (outlen bytes) and frees it.  Format (smstools3, "SMS
 * file format"): header lines, an empty line, the text.  "Alphabet: UTF-8"
 * (smstools3 >= 3.1.16) because a template may hold accented letters.  No
 * newline after the text: everything after the empty line is sent.
 */
static enum pp_err
sam_otp_render(const char *tmpl, const char *phone, const char *code, int64_t lifetime_ms,
    char **out, size_t *outlen)
{
	const size_t cap = SAM_OTP_HEADER_MAX + SAM_OTP_TEXT_MAX;
	char minutes[24];
	size_t tlen, len = 0, text_start, i;
	int ncode = 0, n;
	char *buf = NULL;
	enum pp_err rc = PP_ERR_FIELD_INVALID;

	tlen = strnlen(tmpl, SAM_OTP_TEMPLATE_MAX + 1);
	if (tlen == 0 || tlen > SAM_OTP_TEMPLATE_MAX || !pp_utf8_valid(tmpl, tlen, 1)) {
		pp_err_log("sam_otp: message template empty, too long or not UTF-8");
		return PP_ERR_FIELD_INVALID;
	}
	n = snprintf(minutes, sizeof(minutes), "%lld", (long long)((lifetime_ms + 59999) / 60000));
	if (n < 0 || (size_t)n >= sizeof(minutes))
		return PP_ERR_INTERNAL;
	if ((buf = pp_malloc(cap)) == NULL)
		return PP_ERR_NOMEM;
	n = snprintf(buf, cap, "To: %s\nAlphabet: UTF-8\n\n", phone);
	if (n < 0 || (size_t)n >= SAM_OTP_HEADER_MAX) {
		rc = PP_ERR_INTERNAL;
		goto fail;
	}
	len = text_start = (size_t)n;
	for (i = 0; i < tlen;) {
		int ok;
		if (strncmp(tmpl + i, "{code}", 6) == 0) {
			ncode++;
			ok = sam_otp_append(buf, cap, &len, code, SAM_OTP_DIGITS);
			i += 6;
		} else if (strncmp(tmpl + i, "{minutes}", 9) == 0) {
			ok = sam_otp_append(buf, cap, &len, minutes, strlen(minutes));
			i += 9;
		} else {
			ok = sam_otp_append(buf, cap, &len, tmpl + i, 1);
			i++;
		}
		if (!ok || len - text_start > SAM_OTP_TEXT_MAX)
			break;
	}
	if (i < tlen || ncode != 1) {
		pp_err_log("sam_otp: message template needs {code} exactly once and must fit %d bytes",
		    SAM_OTP_TEXT_MAX);
		goto fail;
	}
	*out = buf;
	*outlen = len;
	return PP_OK;
fail:
	pp_wipe(buf, cap);
	pp_free(buf);
	return rc;
}

/* write(2) until done or a real error. */
static int
sam_otp_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
sam_otp_fsync_dir(const char *dir)
{
	int fd, r;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	if (close(fd) != 0)
		r = -1;
	return r;
}

/*
 * Writes data to <dir>/.paraphe-<id>.tmp (a dot file: smsd >= 3.1.17 skips
 * hidden files, and a rename is atomic, so the gateway never reads half a
 * message), fsyncs it, renames it to <dir>/paraphe-<id> and fsyncs the
 * directory.  The id is 128 random bits, so the final name is unique and
 * O_EXCL on the temporary name catches anything else.
 * OUT final: the final path (for an unlink if the commit fails).
 * On error no file of this id is left in the spool.
 */
static enum pp_err
sam_otp_spool_write(const char *dir, unsigned int mode, const char *id, const char *data,
    size_t len, char final[SAM_OTP_PATH_MAX])
{
	char tmp[SAM_OTP_PATH_MAX];
	const char *step;
	int fd = -1, renamed = 0, n;

	n = snprintf(tmp, sizeof(tmp), "%s/.paraphe-%s.tmp", dir, id);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return PP_ERR_CONFIG;
	n = snprintf(final, SAM_OTP_PATH_MAX, "%s/paraphe-%s", dir, id);
	if (n < 0 || n >= SAM_OTP_PATH_MAX)
		return PP_ERR_CONFIG;
	step = "create";
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		goto fail;
	/* The umask may have removed bits the gateway needs: set them exactly. */
	step = "chmod";
	if (fchmod(fd, (mode_t)mode) != 0)
		goto fail;
	step = "write";
	if (sam_otp_write_all(fd, data, len) != 0)
		goto fail;
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail;
	step = "close";
	n = close(fd);
	fd = -1;
	if (n != 0)
		goto fail;
	step = "rename";
	if (rename(tmp, final) != 0)
		goto fail;
	renamed = 1;
	step = "fsync directory";
	if (sam_otp_fsync_dir(dir) != 0)
		goto fail;
	return PP_OK;
fail:
	pp_err_log("sam_otp: spool %s of OTP %s failed: %s", step, id, strerror(errno));
	if (fd >= 0)
		close(fd);
	/* Unlink what exists; the file holds the code. */
	(void)unlink(renamed ? final : tmp);
	return PP_ERR_IO;
}

struct sam_otp_count {
	int64_t n;
};

static enum pp_err
sam_otp_count_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct sam_otp_count *c = ctx;

	if (ncols != 1 || cols[0].type != PP_VAL_INT)
		return PP_ERR_INTERNAL;
	c->n = cols[0].i;
	return PP_OK;
}

/* OUT *outcome: SAM_OTP_ISSUED when both windows still have room.  Called
 * inside the issuing transaction, so concurrent issues cannot both take the
 * last slot. */
static enum pp_err
sam_otp_limits(struct pp_store *store, const struct sam_otp_policy *p, const char *signatory,
    const char *session, int64_t now_ms, enum sam_otp_outcome *outcome)
{
	struct sam_otp_count c = { -1 };
	struct pp_val b[2];
	enum pp_err rc;

	b[0] = PP_VAL_S(session);
	b[1] = PP_VAL_I(now_ms - p->window_ms);
	if ((rc = pp_store_exec(store, "SELECT COUNT(*) FROM otps WHERE session = ? AND created_ms > ?",
	    b, 2, sam_otp_count_row, &c, NULL)) != PP_OK)
		return rc;
	if (c.n < 0)
		return PP_ERR_INTERNAL;
	if (c.n >= p->max_per_session) {
		*outcome = SAM_OTP_SESSION_LIMIT;
		return PP_OK;
	}
	c.n = -1;
	b[0] = PP_VAL_S(signatory);
	if ((rc = pp_store_exec(store, "SELECT COUNT(*) FROM otps WHERE signatory = ? AND created_ms > ?",
	    b, 2, sam_otp_count_row, &c, NULL)) != PP_OK)
		return rc;
	if (c.n < 0)
		return PP_ERR_INTERNAL;
	*outcome = c.n >= p->max_per_signatory ? SAM_OTP_SIGNATORY_LIMIT : SAM_OTP_ISSUED;
	return PP_OK;
}

enum pp_err
sam_otp_issue(struct pp_store *store, const unsigned char *key, const struct sam_otp_policy *policy,
    const struct sam_otp_spool *spool, const char *signatory, const char *session, const char *phone,
    int64_t now_ms, char id[SAM_OTP_ID_SIZE], enum sam_otp_outcome *outcome)
{
	unsigned char idbytes[SAM_OTP_ID_BYTES], mac[SAM_OTP_MAC_LEN];
	char code[SAM_OTP_DIGITS + 1], to[SAM_OTP_PHONE_MAX + 1], newid[SAM_OTP_ID_SIZE];
	char final[SAM_OTP_PATH_MAX];
	char *file = NULL;
	size_t filelen = 0;
	unsigned int mode;
	int in_tx = 0, spooled = 0;
	enum sam_otp_outcome o;
	enum pp_err rc;
	struct pp_val b[7];

	memset(code, 0, sizeof(code));
	if (store == NULL || key == NULL || spool == NULL || spool->dir == NULL || id == NULL ||
	    outcome == NULL)
		return PP_ERR_INTERNAL;
	id[0] = '\0';
	if ((rc = sam_otp_policy_check(policy)) != PP_OK)
		return rc;
	mode = spool->mode == 0 ? 0600 : spool->mode;
	/* The file holds the code: owner read-write, group at most read-write
	 * for the gateway daemon, nothing for others, no special bits. */
	if ((mode & ~0660u) != 0 || (mode & 0600u) != 0600u ||
	    strnlen(spool->dir, SAM_OTP_SPOOL_PATH_MAX + 1) > SAM_OTP_SPOOL_PATH_MAX ||
	    spool->dir[0] != '/') {
		pp_err_log("sam_otp: spool directory or mode refused");
		return PP_ERR_CONFIG;
	}
	if ((rc = sam_otp_name_check(signatory)) != PP_OK ||
	    (rc = sam_otp_name_check(session)) != PP_OK ||
	    (rc = sam_otp_phone_normalise(phone, to)) != PP_OK)
		return rc;

	if (RAND_bytes(idbytes, sizeof(idbytes)) != 1) {
		pp_err_log("sam_otp: CSPRNG failed");
		return PP_ERR_INTERNAL;
	}
	pp_hex(idbytes, sizeof(idbytes), newid);
	if ((rc = sam_otp_code_generate(code)) != PP_OK)
		goto fail;
	if ((rc = sam_otp_mac(key, newid, code, mac)) != PP_OK)
		goto fail;
	if ((rc = sam_otp_render(spool->template ? spool->template : sam_otp_template_en, to, code,
	    policy->lifetime_ms, &file, &filelen)) != PP_OK)
		goto fail;
	/* From here on only the rendered file and the spool hold the code. */
	pp_wipe(code, sizeof(code));

	if ((rc = pp_store_begin(store)) != PP_OK)
		goto fail;
	in_tx = 1;
	if ((rc = sam_otp_limits(store, policy, signatory, session, now_ms, &o)) != PP_OK)
		goto fail;
	if (o != SAM_OTP_ISSUED) {
		/* A refusal, not a fault: nothing is written (rolled back below). */
		*outcome = o;
		rc = PP_OK;
		goto fail;
	}
	b[0] = PP_VAL_I(now_ms);
	b[1] = PP_VAL_S(session);
	if ((rc = pp_store_exec(store, "UPDATE otps SET state = 'SUPERSEDED', updated_ms = ?"
	    " WHERE session = ? AND state = 'PENDING'", b, 2, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	b[0] = PP_VAL_S(newid);
	b[1] = PP_VAL_S(signatory);
	b[2] = PP_VAL_S(session);
	b[3] = (struct pp_val){ .type = PP_VAL_BLOB, .p = mac, .len = sizeof(mac) };
	b[4] = PP_VAL_I(now_ms + policy->lifetime_ms);
	b[5] = PP_VAL_I(now_ms);
	b[6] = PP_VAL_I(now_ms);
	if ((rc = pp_store_exec(store, "INSERT INTO otps (id, signatory, session, mac, expires_ms,"
	    " attempts, state, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, 0, 'PENDING', ?, ?)",
	    b, 7, NULL, NULL, NULL)) != PP_OK)
		goto fail;
	/* Spooled inside the transaction: a failed write rolls the row back, so
	 * no OTP exists whose message was never queued. */
	if ((rc = sam_otp_spool_write(spool->dir, mode, newid, file, filelen, final)) != PP_OK)
		goto fail;
	spooled = 1;
	if ((rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	in_tx = 0;
	memcpy(id, newid, SAM_OTP_ID_SIZE);
	*outcome = SAM_OTP_ISSUED;
fail:
	if (in_tx)
		pp_store_rollback(store);
	if (rc != PP_OK && spooled) {
		/* The row is gone: take the message back if smsd has not yet. */
		if (unlink(final) == 0)
			(void)sam_otp_fsync_dir(spool->dir);
	}
	pp_wipe(code, sizeof(code));
	pp_wipe(mac, sizeof(mac));
	pp_wipe(idbytes, sizeof(idbytes));
	if (file != NULL) {
		pp_wipe(file, filelen);
		pp_free(file);
	}
	return rc;
}

/* The row of one OTP, copied out of the callback. */
struct sam_otp_row {
	int found;
	int owner_ok;
	const char *signatory;	/* expected, borrowed */
	const char *session;	/* expected, borrowed */
	unsigned char mac[SAM_OTP_MAC_LEN];
	int mac_ok;
	int64_t expires_ms;
	int64_t attempts;
	char state[16];
};

static int
sam_otp_text_is(const struct pp_val *v, const char *s)
{
	size_t n = strlen(s);

	return v->type == PP_VAL_TEXT && v->len == n && memcmp(v->p, s, n) == 0;
}

static enum pp_err
sam_otp_row_fn(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct sam_otp_row *r = ctx;

	if (ncols != 6 || cols[2].type != PP_VAL_BLOB || cols[3].type != PP_VAL_INT ||
	    cols[4].type != PP_VAL_INT || cols[5].type != PP_VAL_TEXT ||
	    cols[5].len >= sizeof(r->state))
		return PP_ERR_INTERNAL;
	r->found = 1;
	r->owner_ok = sam_otp_text_is(&cols[0], r->signatory) && sam_otp_text_is(&cols[1], r->session);
	r->mac_ok = cols[2].len == SAM_OTP_MAC_LEN;
	if (r->mac_ok)
		memcpy(r->mac, cols[2].p, SAM_OTP_MAC_LEN);
	r->expires_ms = cols[3].i;
	r->attempts = cols[4].i;
	memcpy(r->state, cols[5].p, cols[5].len);
	r->state[cols[5].len] = '\0';
	return PP_OK;
}

/* Moves a PENDING OTP to state with attempts; exactly one row must change
 * (the transaction holds the write lock, so anything else is a bug). */
static enum pp_err
sam_otp_settle(struct pp_store *store, const char *id, const char *state, int64_t attempts,
    int64_t now_ms)
{
	struct pp_val b[4];
	int64_t changes = 0;
	enum pp_err rc;

	b[0] = PP_VAL_S(state);
	b[1] = PP_VAL_I(attempts);
	b[2] = PP_VAL_I(now_ms);
	b[3] = PP_VAL_S(id);
	if ((rc = pp_store_exec(store, "UPDATE otps SET state = ?, attempts = ?, updated_ms = ?"
	    " WHERE id = ? AND state = 'PENDING'", b, 4, NULL, NULL, &changes)) != PP_OK)
		return rc;
	if (changes != 1) {
		pp_err_log("sam_otp: OTP %s changed under a write transaction", id);
		return PP_ERR_INTERNAL;
	}
	return PP_OK;
}

enum pp_err
sam_otp_verify(struct pp_store *store, const unsigned char *key, const struct sam_otp_policy *policy,
    const char *id, const char *signatory, const char *session, const char *typed, size_t len,
    int64_t now_ms, enum sam_otp_outcome *outcome)
{
	struct sam_otp_row row;
	unsigned char mac[SAM_OTP_MAC_LEN];
	char code[SAM_OTP_DIGITS + 1];
	struct pp_val b[1];
	enum sam_otp_outcome o;
	enum pp_err rc;
	int in_tx = 0;
	size_t i;

	memset(&row, 0, sizeof(row));
	memset(code, 0, sizeof(code));
	memset(mac, 0, sizeof(mac));
	if (store == NULL || key == NULL || outcome == NULL || (typed == NULL && len > 0))
		return PP_ERR_INTERNAL;
	if ((rc = sam_otp_policy_check(policy)) != PP_OK)
		return rc;
	if ((rc = sam_otp_id_check(id)) != PP_OK || (rc = sam_otp_name_check(signatory)) != PP_OK ||
	    (rc = sam_otp_name_check(session)) != PP_OK)
		return rc;
	if (len != SAM_OTP_DIGITS) {
		*outcome = SAM_OTP_MALFORMED;
		return PP_OK;
	}
	for (i = 0; i < SAM_OTP_DIGITS; i++) {
		if (typed[i] < '0' || typed[i] > '9') {
			*outcome = SAM_OTP_MALFORMED;
			return PP_OK;
		}
		code[i] = typed[i];
	}

	row.signatory = signatory;
	row.session = session;
	if ((rc = pp_store_begin(store)) != PP_OK)
		goto fail;
	in_tx = 1;
	b[0] = PP_VAL_S(id);
	if ((rc = pp_store_exec(store, "SELECT signatory, session, mac, expires_ms, attempts, state"
	    " FROM otps WHERE id = ?", b, 1, sam_otp_row_fn, &row, NULL)) != PP_OK)
		goto fail;
	if (!row.found)
		o = SAM_OTP_NOT_FOUND;
	else if (!row.owner_ok)
		o = SAM_OTP_MISMATCH;
	else if (strcmp(row.state, "VERIFIED") == 0)
		o = SAM_OTP_USED;
	else if (strcmp(row.state, "FAILED") == 0)
		o = SAM_OTP_LOCKED;
	else if (strcmp(row.state, "EXPIRED") == 0)
		o = SAM_OTP_EXPIRED;
	else if (strcmp(row.state, "SUPERSEDED") == 0)
		o = SAM_OTP_SUPERSEDED;
	else if (strcmp(row.state, "PENDING") != 0 || !row.mac_ok) {
		pp_err_log("sam_otp: OTP %s has an impossible row", id);
		rc = PP_ERR_INTERNAL;
		goto fail;
	} else if (now_ms >= row.expires_ms) {
		if ((rc = sam_otp_settle(store, id, "EXPIRED", row.attempts, now_ms)) != PP_OK)
			goto fail;
		o = SAM_OTP_EXPIRED;
	} else if (row.attempts >= policy->max_attempts) {
		/* Only if the policy was lowered after the OTP was issued. */
		if ((rc = sam_otp_settle(store, id, "FAILED", row.attempts, now_ms)) != PP_OK)
			goto fail;
		o = SAM_OTP_LOCKED;
	} else {
		if ((rc = sam_otp_mac(key, id, code, mac)) != PP_OK)
			goto fail;
		if (pp_ct_equal(mac, row.mac, SAM_OTP_MAC_LEN)) {
			rc = sam_otp_settle(store, id, "VERIFIED", row.attempts, now_ms);
			o = SAM_OTP_VERIFIED;
		} else if (row.attempts + 1 >= policy->max_attempts) {
			rc = sam_otp_settle(store, id, "FAILED", row.attempts + 1, now_ms);
			o = SAM_OTP_LOCKED;
		} else {
			rc = sam_otp_settle(store, id, "PENDING", row.attempts + 1, now_ms);
			o = SAM_OTP_WRONG;
		}
		if (rc != PP_OK)
			goto fail;
	}
	/* Committed even when nothing changed: the transaction only held the
	 * write lock.  The outcome counts only once the commit succeeded. */
	if ((rc = pp_store_commit(store)) != PP_OK)
		goto fail;
	in_tx = 0;
	*outcome = o;
fail:
	if (in_tx)
		pp_store_rollback(store);
	pp_wipe(code, sizeof(code));
	pp_wipe(mac, sizeof(mac));
	pp_wipe(row.mac, sizeof(row.mac));
	return rc;
}
