/*
 * SMS OTPs of the SAM: the code's distribution, the smstools3 spool file,
 * the state machine of verification, the limits, and that nothing usable
 * or secret is left behind by a failure.  The tests learn each code the way
 * a signatory does: by reading the text message in the spool.
 */
#include "config.h"
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "pp_core.h"
#include "pp_test.h"
#include "sam_otp.h"

#define T0 1790000000000LL	/* a fixed "now", in ms */
#define SIG "signatory-1"
#define SES "session-1"
#define PHONE "+33612345678"

struct fx {
	char dir[64];
	char db[128];
	char spool[128];
	struct pp_store *store;
	unsigned char key[SAM_OTP_KEY_LEN];
	struct sam_otp_policy policy;
	struct sam_otp_spool sp;
};

static struct pp_store *
fx_open(const char *path)
{
	const struct pp_migration *m;
	struct pp_store *s = NULL;
	size_t n;

	m = pp_schema_migrations("sam", &n);
	assert_non_null(m);
	assert_int_equal(pp_store_open_with(&pp_store_sqlite_ops, path, 5000, m, n, &s), PP_OK);
	return s;
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/pp-otp.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/sam.db", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/outgoing", f->dir);
	assert_int_equal(mkdir(f->spool, 0700), 0);
	f->store = fx_open(f->db);
	for (size_t i = 0; i < sizeof(f->key); i++)
		f->key[i] = (unsigned char)(i * 7 + 1);
	sam_otp_policy_default(&f->policy);
	f->sp.dir = f->spool;
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	pp_mem_fail_after(-1);
	pp_store_close(f->store);
	assert_int_equal(pp_test_rmtree(f->dir), 0);
	free(f);
	return 0;
}

static enum pp_err
fx_issue_at(struct fx *f, const char *sig, const char *ses, int64_t now, char id[SAM_OTP_ID_SIZE],
    enum sam_otp_outcome *o)
{
	return sam_otp_issue(f->store, f->key, &f->policy, &f->sp, sig, ses, PHONE, now, id, o);
}

/* Issues and expects SAM_OTP_ISSUED. */
static void
fx_issue(struct fx *f, const char *sig, const char *ses, char id[SAM_OTP_ID_SIZE])
{
	enum sam_otp_outcome o = SAM_OTP__MAX;

	assert_int_equal(fx_issue_at(f, sig, ses, T0, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_ISSUED);
	assert_int_equal(strlen(id), SAM_OTP_ID_LEN);
}

static enum sam_otp_outcome
fx_verify(struct fx *f, const char *id, const char *sig, const char *ses, const char *typed,
    int64_t now)
{
	enum sam_otp_outcome o = SAM_OTP__MAX;

	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, id, sig, ses, typed,
	    typed ? strlen(typed) : 0, now, &o), PP_OK);
	return o;
}

/* Contents of the spool file of id; OUT *mode its permission bits. */
static size_t
fx_spool_read(struct fx *f, const char *id, char *buf, size_t cap, mode_t *mode)
{
	char path[256];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/paraphe-%s", f->spool, id);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if (mode)
		*mode = st.st_mode & 07777;
	n = read(fd, buf, cap - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fd);
	return (size_t)n;
}

/* The code in id's text message: the first run of exactly 6 digits after
 * the empty line. */
static void
fx_code(struct fx *f, const char *id, char code[SAM_OTP_DIGITS + 1])
{
	char buf[1024];
	const char *p;

	fx_spool_read(f, id, buf, sizeof(buf), NULL);
	p = strstr(buf, "\n\n");
	assert_non_null(p);
	for (p += 2; *p; p++) {
		size_t n = strspn(p, "0123456789");
		if (n == SAM_OTP_DIGITS) {
			memcpy(code, p, SAM_OTP_DIGITS);
			code[SAM_OTP_DIGITS] = '\0';
			return;
		}
		if (n > 0)
			p += n - 1;
	}
	fail_msg("no code in the message of %s", id);
}

/* A code that is not the right one: digit k changed. */
static void
fx_wrong_at(const char *code, int k, char wrong[SAM_OTP_DIGITS + 1])
{
	memcpy(wrong, code, SAM_OTP_DIGITS + 1);
	wrong[k] = wrong[k] == '9' ? '0' : (char)(wrong[k] + 1);
}

static void
fx_wrong(const char *code, char wrong[SAM_OTP_DIGITS + 1])
{
	fx_wrong_at(code, 0, wrong);
}

static enum pp_err
fx_int_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	*(int64_t *)ctx = ncols == 1 && cols[0].type == PP_VAL_INT ? cols[0].i : -1;
	return PP_OK;
}

static int64_t
fx_count(struct fx *f, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(pp_store_exec(f->store, sql, NULL, 0, fx_int_row, &n, NULL), PP_OK);
	return n;
}

struct fx_state {
	char state[16];
	int64_t attempts;
	int found;
};

static enum pp_err
fx_state_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct fx_state *s = ctx;

	assert_int_equal(ncols, 2);
	assert_true(cols[0].len < sizeof(s->state));
	memcpy(s->state, cols[0].p, cols[0].len);
	s->state[cols[0].len] = '\0';
	s->attempts = cols[1].i;
	s->found = 1;
	return PP_OK;
}

static struct fx_state
fx_state(struct fx *f, const char *id)
{
	struct fx_state s = { .found = 0 };
	struct pp_val b[1] = { PP_VAL_S(id) };

	assert_int_equal(pp_store_exec(f->store, "SELECT state, attempts FROM otps WHERE id = ?", b, 1,
	    fx_state_row, &s, NULL), PP_OK);
	return s;
}

static void
fx_assert_state(struct fx *f, const char *id, const char *state, int64_t attempts)
{
	struct fx_state s = fx_state(f, id);

	assert_true(s.found);
	assert_string_equal(s.state, state);
	assert_int_equal(s.attempts, attempts);
}

/* Number of entries in the spool directory (dot files included). */
static int
fx_spool_entries(struct fx *f)
{
	DIR *d = opendir(f->spool);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_outcome_text(void **state)
{
	(void)state;
	for (int o = 0; o < SAM_OTP__MAX; o++)
		assert_string_not_equal(sam_otp_outcome_text((enum sam_otp_outcome)o),
		    "otp outcome unknown");
	assert_string_equal(sam_otp_outcome_text(SAM_OTP_VERIFIED), "otp verified");
	assert_string_equal(sam_otp_outcome_text(SAM_OTP_WRONG), "otp failed");
	assert_string_equal(sam_otp_outcome_text(SAM_OTP_EXPIRED), "otp expired");
	assert_string_equal(sam_otp_outcome_text(SAM_OTP_LOCKED), "otp locked");
	assert_string_equal(sam_otp_outcome_text(SAM_OTP__MAX), "otp outcome unknown");
}

static void
test_generate_distribution(void **state)
{
	enum { N = 10000 };
	int count[SAM_OTP_DIGITS][10] = { { 0 } };
	char code[SAM_OTP_DIGITS + 1];

	(void)state;
	for (int i = 0; i < N; i++) {
		memset(code, 'x', sizeof(code));
		assert_int_equal(sam_otp_code_generate(code), PP_OK);
		assert_int_equal(strlen(code), SAM_OTP_DIGITS);
		for (int d = 0; d < SAM_OTP_DIGITS; d++) {
			assert_true(code[d] >= '0' && code[d] <= '9');
			count[d][code[d] - '0']++;
		}
	}
	/* Expected 1000 each, standard deviation 30: 700..1300 is ten sigmas. */
	for (int d = 0; d < SAM_OTP_DIGITS; d++)
		for (int v = 0; v < 10; v++) {
			assert_true(count[d][v] > 700);
			assert_true(count[d][v] < 1300);
		}
}

static void
test_spool_format(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1], buf[1024], want[1024];
	enum sam_otp_outcome o;
	mode_t mode;
	size_t n;

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	n = fx_spool_read(f, id, buf, sizeof(buf), &mode);
	snprintf(want, sizeof(want), "To: 33612345678\nAlphabet: UTF-8\n\n"
	    "Paraphe: your signing code is %s. It expires in 5 minutes. Never share it.", code);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(mode, 0600);
	/* Only the final file: no temporary left behind. */
	assert_int_equal(fx_spool_entries(f), 1);

	/* French, without '+', group-readable for the gateway, 10 minutes. */
	f->sp.template = sam_otp_template_fr;
	f->sp.mode = 0640;
	f->policy.lifetime_ms = 10 * 60 * 1000;
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, "session-2",
	    "4917212345678", T0, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_ISSUED);
	fx_code(f, id, code);
	fx_spool_read(f, id, buf, sizeof(buf), &mode);
	snprintf(want, sizeof(want), "To: 4917212345678\nAlphabet: UTF-8\n\n"
	    "Paraphe : votre code de signature est %s. Il expire dans 10 minutes. "
	    "Ne le communiquez jamais.", code);
	assert_string_equal(buf, want);
	assert_int_equal(mode, 0640);
	assert_int_equal(fx_spool_entries(f), 2);

	/* A custom template with accents; lifetime rounded up to minutes. */
	f->sp.template = "Code Paraphe : {code} (valable {minutes} min, \xc3\xa0 usage unique)";
	f->policy.lifetime_ms = 90 * 1000;
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, "session-3",
	    PHONE, T0, id, &o), PP_OK);
	fx_code(f, id, code);
	fx_spool_read(f, id, buf, sizeof(buf), NULL);
	snprintf(want, sizeof(want), "To: 33612345678\nAlphabet: UTF-8\n\n"
	    "Code Paraphe : %s (valable 2 min, \xc3\xa0 usage unique)", code);
	assert_string_equal(buf, want);
}

static void
test_phone_refused(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"", "+", "++33612345678", "0612345678", "+0612345678", "1234567", "+1234567",
		"3361234567890123", "+33 612345678", "33-612345678", "33612345678\nFlash: yes",
		"33612345678 ", "s12345678", "\xef\xbc\x93" "3612345678",
	};
	char id[SAM_OTP_ID_SIZE];
	enum sam_otp_outcome o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, SES, bad[i],
		    T0, id, &o), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, SES, NULL,
	    T0, id, &o), PP_ERR_FIELD_INVALID);
	/* Bounds accepted: 8 and 15 digits. */
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, "s8", "12345678",
	    T0, id, &o), PP_OK);
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, "s15",
	    "+123456789012345", T0, id, &o), PP_OK);
	assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps"), 2);
	assert_int_equal(fx_spool_entries(f), 2);
}

static void
test_arguments_refused(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], longname[SAM_OTP_NAME_MAX + 2], longtmpl[SAM_OTP_TEMPLATE_MAX + 2];
	enum sam_otp_outcome o;
	struct sam_otp_policy p;

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, longname, SES, PHONE,
	    T0, id, &o), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, "", PHONE,
	    T0, id, &o), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_otp_issue(f->store, f->key, &f->policy, &f->sp, SIG, "a\nb", PHONE,
	    T0, id, &o), PP_ERR_FIELD_INVALID);

	/* Templates: {code} exactly once, bounded, UTF-8. */
	f->sp.template = "no code here";
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_FIELD_INVALID);
	f->sp.template = "{code} and {code}";
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_FIELD_INVALID);
	f->sp.template = "bad \xff {code}";
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_FIELD_INVALID);
	memset(longtmpl, 'x', sizeof(longtmpl) - 1);
	memcpy(longtmpl, "{code}", 6);
	longtmpl[sizeof(longtmpl) - 1] = '\0';
	f->sp.template = longtmpl;
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_FIELD_INVALID);
	f->sp.template = NULL;

	/* Spool and policy are configuration. */
	f->sp.mode = 0644;
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_CONFIG);
	f->sp.mode = 04600;
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_CONFIG);
	f->sp.mode = 0;
	f->sp.dir = "relative/outgoing";
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_CONFIG);
	f->sp.dir = f->spool;
	p = f->policy;
	f->policy.max_attempts = 0;
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_CONFIG);
	f->policy = p;
	f->policy.lifetime_ms = 0;
	assert_int_equal(fx_issue_at(f, SIG, SES, T0, id, &o), PP_ERR_CONFIG);
	f->policy = p;

	assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps"), 0);
	assert_int_equal(fx_spool_entries(f), 0);
}

static void
test_spool_unwritable(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], id2[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1], path[160];
	enum sam_otp_outcome o;
	int fd;

	/* A first OTP, spooled fine. */
	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);

	/* The spool vanishes (tests may run as root: permissions would not stop
	 * a write, a missing directory does). */
	snprintf(path, sizeof(path), "%s/missing", f->dir);
	f->sp.dir = path;
	assert_int_equal(fx_issue_at(f, SIG, SES, T0 + 1000, id2, &o), PP_ERR_IO);
	assert_string_equal(id2, "");
	/* A regular file where the directory should be. */
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fx_issue_at(f, SIG, SES, T0 + 2000, id2, &o), PP_ERR_IO);
	f->sp.dir = f->spool;

	/* No row of the failed OTPs, none pending but the first, which was not
	 * superseded by a message that never left and still works. */
	assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps"), 1);
	fx_assert_state(f, id, "PENDING", 0);
	assert_int_equal(fx_spool_entries(f), 1);
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 3000), SAM_OTP_VERIFIED);
}

static int
fx_file_contains(const char *path, const char *needle)
{
	char *data = NULL;
	size_t len = 0, n = strlen(needle);
	int found = 0;

	if (access(path, F_OK) != 0)
		return 0;
	assert_int_equal(pp_file_read(path, 64 * 1024 * 1024, &data, &len), PP_OK);
	for (size_t i = 0; i + n <= len && !found; i++)
		found = memcmp(data + i, needle, n) == 0;
	pp_free(data);
	return found;
}

struct fx_scan {
	const char *code;
	int hits;
	int rows;
};

static enum pp_err
fx_scan_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct fx_scan *s = ctx;
	size_t n = strlen(s->code);

	s->rows++;
	for (size_t c = 0; c < ncols; c++) {
		char num[32];
		const char *p = cols[c].p;
		size_t len = cols[c].len;
		if (cols[c].type == PP_VAL_INT) {
			snprintf(num, sizeof(num), "%lld", (long long)cols[c].i);
			p = num;
			len = strlen(num);
		}
		if (p == NULL)
			continue;
		for (size_t i = 0; i + n <= len; i++)
			if (memcmp(p + i, s->code, n) == 0)
				s->hits++;
	}
	return PP_OK;
}

struct fx_mac {
	unsigned char mac[32];
	size_t len;
};

static enum pp_err
fx_mac_row(void *ctx, const struct pp_val *cols, size_t ncols)
{
	struct fx_mac *m = ctx;

	assert_int_equal(ncols, 1);
	assert_int_equal(cols[0].type, PP_VAL_BLOB);
	m->len = cols[0].len;
	memcpy(m->mac, cols[0].p, cols[0].len < 32 ? cols[0].len : 32);
	return PP_OK;
}

static void
test_code_not_stored(void **state)
{
	struct fx *f = *state;
	char id[5][SAM_OTP_ID_SIZE], code[5][SAM_OTP_DIGITS + 1], path[160];
	unsigned char msg[SAM_OTP_ID_LEN + SAM_OTP_DIGITS], want[32];
	unsigned int wantlen = 0;

	for (int i = 0; i < 5; i++) {
		char ses[16];
		snprintf(ses, sizeof(ses), "session-%d", i);
		fx_issue(f, SIG, ses, id[i]);
		fx_code(f, id[i], code[i]);
	}
	for (int i = 0; i < 5; i++) {
		struct fx_scan s = { code[i], 0, 0 };
		struct fx_mac m = { .len = 0 };
		struct pp_val b[1] = { PP_VAL_S(id[i]) };

		/* Every value of every row, integers as decimal text. */
		assert_int_equal(pp_store_exec(f->store, "SELECT * FROM otps", NULL, 0, fx_scan_row, &s,
		    NULL), PP_OK);
		assert_int_equal(s.rows, 5);
		assert_int_equal(s.hits, 0);
		/* What is stored is HMAC-SHA256(key, id || code). */
		memcpy(msg, id[i], SAM_OTP_ID_LEN);
		memcpy(msg + SAM_OTP_ID_LEN, code[i], SAM_OTP_DIGITS);
		assert_non_null(HMAC(EVP_sha256(), f->key, sizeof(f->key), msg, sizeof(msg), want, &wantlen));
		assert_int_equal(pp_store_exec(f->store, "SELECT mac FROM otps WHERE id = ?", b, 1,
		    fx_mac_row, &m, NULL), PP_OK);
		assert_int_equal(m.len, 32);
		assert_memory_equal(m.mac, want, 32);
	}
	/* The database files' bytes, before and after the WAL is checkpointed
	 * at close.  An ASCII run of these exact 6 digits in SQLite's binary
	 * pages by chance has a probability around 1e-5: acceptable. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 5; i++) {
			assert_false(fx_file_contains(f->db, code[i]));
			snprintf(path, sizeof(path), "%s-wal", f->db);
			assert_false(fx_file_contains(path, code[i]));
			snprintf(path, sizeof(path), "%s-journal", f->db);
			assert_false(fx_file_contains(path, code[i]));
		}
		pp_store_close(f->store);
		f->store = fx_open(f->db);
	}
}

static void
test_verify_right_once(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1];

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	fx_assert_state(f, id, "PENDING", 0);
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 1000), SAM_OTP_VERIFIED);
	fx_assert_state(f, id, "VERIFIED", 0);
	/* Single use. */
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 2000), SAM_OTP_USED);
	fx_assert_state(f, id, "VERIFIED", 0);
}

static void
test_verify_wrong_then_right(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1], wrong[SAM_OTP_DIGITS + 1];

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	fx_wrong(code, wrong);
	assert_int_equal(fx_verify(f, id, SIG, SES, wrong, T0 + 1000), SAM_OTP_WRONG);
	fx_assert_state(f, id, "PENDING", 1);
	assert_int_equal(fx_verify(f, id, SIG, SES, wrong, T0 + 2000), SAM_OTP_WRONG);
	fx_assert_state(f, id, "PENDING", 2);
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 3000), SAM_OTP_VERIFIED);
	fx_assert_state(f, id, "VERIFIED", 2);
}

static void
test_three_wrongs_lock(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1], wrong[SAM_OTP_DIGITS + 1];

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	fx_wrong(code, wrong);
	assert_int_equal(fx_verify(f, id, SIG, SES, wrong, T0 + 1000), SAM_OTP_WRONG);
	fx_wrong_at(code, 5, wrong);
	assert_int_equal(fx_verify(f, id, SIG, SES, wrong, T0 + 1500), SAM_OTP_WRONG);
	fx_assert_state(f, id, "PENDING", 2);
	assert_int_equal(fx_verify(f, id, SIG, SES, wrong, T0 + 2000), SAM_OTP_LOCKED);
	fx_assert_state(f, id, "FAILED", 3);
	/* No more tries, not even the right code. */
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 3000), SAM_OTP_LOCKED);
	assert_int_equal(fx_verify(f, id, SIG, SES, wrong, T0 + 3000), SAM_OTP_LOCKED);
	fx_assert_state(f, id, "FAILED", 3);
}

static void
test_expired(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], id2[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1];
	int64_t life = f->policy.lifetime_ms;

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + life), SAM_OTP_EXPIRED);
	fx_assert_state(f, id, "EXPIRED", 0);
	/* Expired for good, even with an earlier clock. */
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 1000), SAM_OTP_EXPIRED);

	/* The last millisecond still counts. */
	fx_issue(f, SIG, "session-2", id2);
	fx_code(f, id2, code);
	assert_int_equal(fx_verify(f, id2, SIG, "session-2", code, T0 + life - 1), SAM_OTP_VERIFIED);
}

static void
test_owner(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1], wrong[SAM_OTP_DIGITS + 1];

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	fx_wrong(code, wrong);
	/* Neither the right nor wrong codes from elsewhere touch the OTP. */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fx_verify(f, id, "signatory-2", SES, code, T0 + 1000), SAM_OTP_MISMATCH);
		assert_int_equal(fx_verify(f, id, SIG, "session-2", code, T0 + 1000), SAM_OTP_MISMATCH);
		assert_int_equal(fx_verify(f, id, "signatory-2", SES, wrong, T0 + 1000), SAM_OTP_MISMATCH);
		assert_int_equal(fx_verify(f, id, SIG "x", SES, wrong, T0 + 1000), SAM_OTP_MISMATCH);
	}
	fx_assert_state(f, id, "PENDING", 0);
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 2000), SAM_OTP_VERIFIED);
}

static void
test_superseded(void **state)
{
	struct fx *f = *state;
	char a[SAM_OTP_ID_SIZE], b[SAM_OTP_ID_SIZE], ca[SAM_OTP_DIGITS + 1], cb[SAM_OTP_DIGITS + 1];

	fx_issue(f, SIG, SES, a);
	fx_code(f, a, ca);
	fx_issue(f, SIG, SES, b);
	fx_code(f, b, cb);
	fx_assert_state(f, a, "SUPERSEDED", 0);
	fx_assert_state(f, b, "PENDING", 0);
	assert_int_equal(fx_verify(f, a, SIG, SES, ca, T0 + 1000), SAM_OTP_SUPERSEDED);
	assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps WHERE state = 'PENDING'"), 1);
	/* The new code is bound to its own id. */
	if (strcmp(ca, cb) != 0)
		assert_int_equal(fx_verify(f, b, SIG, SES, ca, T0 + 1000), SAM_OTP_WRONG);
	assert_int_equal(fx_verify(f, b, SIG, SES, cb, T0 + 1000), SAM_OTP_VERIFIED);
	/* The database itself refuses two pending OTPs for one session. */
	assert_int_not_equal(pp_store_exec(f->store, "UPDATE otps SET state = 'PENDING'", NULL, 0,
	    NULL, NULL, NULL), PP_OK);
}

static void
test_malformed(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"", "12345", "1234567", "12a456", " 12345", "12345 ", "123 456", "+12345",
		"-12345", "\xef\xbc\x91" "23456", "1234\n6",
	};
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1], typed[8];
	enum sam_otp_outcome o;

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fx_verify(f, id, SIG, SES, bad[i], T0 + 1000), SAM_OTP_MALFORMED);
	/* The right code followed by a byte, or with a NUL inside. */
	memcpy(typed, code, 6);
	typed[6] = '\n';
	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, id, SIG, SES, typed, 7,
	    T0 + 1000, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_MALFORMED);
	typed[2] = '\0';
	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, id, SIG, SES, typed, 6,
	    T0 + 1000, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_MALFORMED);
	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, id, SIG, SES, NULL, 0,
	    T0 + 1000, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_MALFORMED);
	/* Malformed input is not an attempt. */
	fx_assert_state(f, id, "PENDING", 0);

	/* Ids: malformed is refused, well-formed but unknown is not found. */
	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, "abc", SIG, SES, code, 6,
	    T0, &o), PP_ERR_FIELD_INVALID);
	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, "' OR 1=1 --", SIG, SES, code,
	    6, T0, &o), PP_ERR_FIELD_INVALID);
	id[0] = id[0] == 'a' ? 'b' : 'a';
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0), SAM_OTP_NOT_FOUND);
	id[0] = (char)toupper((unsigned char)id[0]);
	assert_int_equal(sam_otp_verify(f->store, f->key, &f->policy, id, SIG, SES, code, 6,
	    T0, &o), PP_ERR_FIELD_INVALID);
}

static void
test_other_key(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1];

	fx_issue(f, SIG, SES, id);
	fx_code(f, id, code);
	f->key[0] ^= 1;
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 1000), SAM_OTP_WRONG);
	f->key[0] ^= 1;
	assert_int_equal(fx_verify(f, id, SIG, SES, code, T0 + 1000), SAM_OTP_VERIFIED);
}

static void
test_limits(void **state)
{
	struct fx *f = *state;
	char id[SAM_OTP_ID_SIZE], ses[16];
	enum sam_otp_outcome o;
	int64_t hour = f->policy.window_ms;

	/* Per session: 3 per hour. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_issue_at(f, SIG, SES, T0 + i, id, &o), PP_OK);
		assert_int_equal(o, SAM_OTP_ISSUED);
	}
	assert_int_equal(fx_issue_at(f, SIG, SES, T0 + 10, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_SESSION_LIMIT);
	assert_string_equal(id, "");
	assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps"), 3);
	assert_int_equal(fx_spool_entries(f), 3);
	/* The refusal did not supersede the pending OTP. */
	assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps WHERE state = 'PENDING'"), 1);
	/* Window slides: the first one leaves it at T0 + hour. */
	assert_int_equal(fx_issue_at(f, SIG, SES, T0 + hour - 1, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_SESSION_LIMIT);
	assert_int_equal(fx_issue_at(f, SIG, SES, T0 + hour, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_ISSUED);

	/* Per signatory: 10 per hour, whatever the sessions. */
	for (int i = 0; i < 10; i++) {
		snprintf(ses, sizeof(ses), "s-%d", i / 2);
		assert_int_equal(fx_issue_at(f, "signatory-2", ses, T0 + 2 * hour + i, id, &o), PP_OK);
		assert_int_equal(o, SAM_OTP_ISSUED);
	}
	assert_int_equal(fx_issue_at(f, "signatory-2", "s-new", T0 + 2 * hour + 20, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_SIGNATORY_LIMIT);
	/* Another signatory is not affected. */
	assert_int_equal(fx_issue_at(f, "signatory-3", "s-new", T0 + 2 * hour + 20, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_ISSUED);
	/* Limits are parameters. */
	f->policy.max_per_signatory = 20;
	assert_int_equal(fx_issue_at(f, "signatory-2", "s-new2", T0 + 2 * hour + 30, id, &o), PP_OK);
	assert_int_equal(o, SAM_OTP_ISSUED);
}

/* Allocation failures at every point of issue: each failed run leaves no
 * row, no spool file, and the session's previous OTP usable. */
static void
test_alloc_failure_issue(void **state)
{
	struct fx *f = *state;
	char first[SAM_OTP_ID_SIZE], id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1];
	enum sam_otp_outcome o;
	enum pp_err rc = PP_ERR_NOMEM;
	long n;

	f->policy.max_per_session = 100;
	fx_issue(f, SIG, SES, first);
	fx_code(f, first, code);
	for (n = 0; n < 100; n++) {
		pp_mem_fail_after(n);
		rc = fx_issue_at(f, SIG, SES, T0 + 1, id, &o);
		pp_mem_fail_after(-1);
		if (rc == PP_OK)
			break;
		assert_int_equal(rc, PP_ERR_NOMEM);
		assert_int_equal(fx_count(f, "SELECT COUNT(*) FROM otps"), 1);
		fx_assert_state(f, first, "PENDING", 0);
		assert_int_equal(fx_spool_entries(f), 1);
	}
	assert_int_equal(rc, PP_OK);
	assert_true(n >= 1);	/* at least one allocation was exercised */
	assert_int_equal(o, SAM_OTP_ISSUED);
	fx_assert_state(f, first, "SUPERSEDED", 0);
	fx_code(f, id, code);

	/* Verification: failures leave the OTP as it was. */
	for (n = 0; n < 100; n++) {
		pp_mem_fail_after(n);
		rc = sam_otp_verify(f->store, f->key, &f->policy, id, SIG, SES, code, 6, T0 + 2, &o);
		pp_mem_fail_after(-1);
		if (rc == PP_OK)
			break;
		fx_assert_state(f, id, "PENDING", 0);
	}
	assert_int_equal(rc, PP_OK);
	assert_int_equal(o, SAM_OTP_VERIFIED);
}

/* Several processes verify the right code at once: exactly one wins. */
static void
test_concurrent_verify(void **state)
{
	struct fx *f = *state;
	enum { N = 8 };
	char id[SAM_OTP_ID_SIZE], code[SAM_OTP_DIGITS + 1];
	pid_t pids[N];
	int gate[2], verified = 0, used = 0;

	for (int round = 0; round < 3; round++) {
		char ses[16];
		snprintf(ses, sizeof(ses), "race-%d", round);
		fx_issue(f, SIG, ses, id);
		fx_code(f, id, code);
		assert_int_equal(pipe(gate), 0);
		for (int i = 0; i < N; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				const struct pp_migration *m;
				struct pp_store *s = NULL;
				enum sam_otp_outcome o = SAM_OTP__MAX;
				size_t nm;
				char c;

				close(gate[1]);
				m = pp_schema_migrations("sam", &nm);
				if (pp_store_open_with(&pp_store_sqlite_ops, f->db, 10000, m, nm, &s) != PP_OK)
					_exit(3);
				/* Released all together when the parent closes the gate. */
				if (read(gate[0], &c, 1) < 0)
					_exit(5);
				if (sam_otp_verify(s, f->key, &f->policy, id, SIG, ses, code, 6, T0 + 1000,
				    &o) != PP_OK)
					_exit(4);
				pp_store_close(s);
				_exit(o == SAM_OTP_VERIFIED ? 0 : o == SAM_OTP_USED ? 1 : 2);
			}
		}
		close(gate[0]);
		close(gate[1]);
		verified = used = 0;
		for (int i = 0; i < N; i++) {
			int st;
			assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
			assert_true(WIFEXITED(st));
			if (WEXITSTATUS(st) == 0)
				verified++;
			else if (WEXITSTATUS(st) == 1)
				used++;
		}
		assert_int_equal(verified, 1);
		assert_int_equal(used, N - 1);
		fx_assert_state(f, id, "VERIFIED", 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_text),
		cmocka_unit_test(test_generate_distribution),
		cmocka_unit_test_setup_teardown(test_spool_format, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_phone_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_arguments_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_spool_unwritable, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_code_not_stored, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_right_once, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_wrong_then_right, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_three_wrongs_lock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expired, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_owner, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_superseded, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_other_key, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_limits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_alloc_failure_issue, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_verify, fx_setup, fx_teardown),
	};

	pp_log_open("test_sam_otp", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
