/* The start-up permission checker (lib/pp_sandbox.c): each kind of path,
 * each mode bit it forbids, owners, file types, links, missing paths, the
 * one-line reason; and pp_perm_check_start over a configuration. */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_sandbox.h"
#include "pp_test.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	umask(077);
	snprintf(dir, sizeof(dir), "/tmp/pp-sandbox.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return chmod(dir, 0755);
}

static int
teardown(void **state)
{
	(void)state;
	return pp_test_rmtree(dir);
}

static void
mkfile(const char *name, mode_t mode, char *path, size_t cap)
{
	int fd;

	snprintf(path, cap, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

/* Every mode bit of 0777: the kind passes exactly when no forbidden bit is
 * set, and the reason names the path, the mode and the mode wanted. */
static void
check_bits(enum pp_perm_kind kind, mode_t forbidden, mode_t want, int is_dir)
{
	char path[128], why[512], expect[64];

	if (is_dir) {
		snprintf(path, sizeof(path), "%s/d%d", dir, (int)kind);
		assert_int_equal(mkdir(path, 0700), 0);
	} else {
		mkfile("f", 0600, path, sizeof(path));
	}
	for (mode_t bit = 1; bit <= 0400; bit <<= 1) {
		mode_t mode = (mode_t)(want | bit);
		assert_int_equal(chmod(path, mode), 0);
		enum pp_err rc = pp_perm_check(path, kind, geteuid(), 0, why, sizeof(why));
		if (mode & forbidden) {
			assert_int_equal(rc, PP_ERR_CONFIG);
			assert_non_null(strstr(why, path));
			snprintf(expect, sizeof(expect), "mode %04o is too open, want %04o", (unsigned)mode,
			    (unsigned)want);
			assert_non_null(strstr(why, expect));
		} else {
			assert_int_equal(rc, PP_OK);
			assert_string_equal(why, "");
		}
	}
	if (is_dir)
		assert_int_equal(rmdir(path), 0);
	else
		assert_int_equal(unlink(path), 0);
}

static void
test_secret_bits(void **state)
{
	(void)state;
	check_bits(PP_PERM_SECRET, 0077, 0600, 0);
}

static void
test_data_bits(void **state)
{
	(void)state;
	check_bits(PP_PERM_DATA, 0027, 0600, 0);
}

static void
test_conf_bits(void **state)
{
	(void)state;
	check_bits(PP_PERM_CONF, 0022, 0644, 0);
}

static void
test_dir_bits(void **state)
{
	(void)state;
	check_bits(PP_PERM_DIR, 0022, 0755, 1);
	check_bits(PP_PERM_SECRET_DIR, 0077, 0700, 1);
}

static void
test_owner(void **state)
{
	char path[128], why[512];

	(void)state;
	mkfile("pin", 0600, path, sizeof(path));
	/* Owned by us: fine when we are the run user... */
	assert_int_equal(pp_perm_check(path, PP_PERM_SECRET, geteuid(), 0, why, sizeof(why)), PP_OK);
	if (geteuid() == 0) {
		/* ...and root-owned files are fine for any run user. */
		assert_int_equal(pp_perm_check(path, PP_PERM_SECRET, 4242, 0, why, sizeof(why)), PP_OK);
		assert_int_equal(chown(path, 4243, 4243), 0);
		assert_int_equal(pp_perm_check(path, PP_PERM_SECRET, 4242, 0, why, sizeof(why)), PP_ERR_CONFIG);
		assert_non_null(strstr(why, "owned by uid 4243, want root or uid 4242"));
		assert_int_equal(pp_perm_check(path, PP_PERM_SECRET, 4243, 0, why, sizeof(why)), PP_OK);
	} else {
		/* Not root: someone else's uid is refused. */
		assert_int_equal(pp_perm_check(path, PP_PERM_SECRET, geteuid() + 1, 0, why, sizeof(why)),
		    PP_ERR_CONFIG);
		assert_non_null(strstr(why, "owned by uid"));
	}
	unlink(path);
}

static void
test_types(void **state)
{
	char path[128], link[128], why[512];

	(void)state;
	mkfile("real", 0600, path, sizeof(path));
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	/* A secret reached through a link is refused (not the file itself). */
	assert_int_equal(pp_perm_check(link, PP_PERM_SECRET, geteuid(), 0, why, sizeof(why)), PP_ERR_CONFIG);
	assert_non_null(strstr(why, "not a regular file"));
	/* A file where a directory is wanted, and the other way round. */
	assert_int_equal(pp_perm_check(path, PP_PERM_DIR, geteuid(), 0, why, sizeof(why)), PP_ERR_CONFIG);
	assert_non_null(strstr(why, "not a directory"));
	assert_int_equal(pp_perm_check(dir, PP_PERM_DATA, geteuid(), 0, why, sizeof(why)), PP_ERR_CONFIG);
	/* Missing: refused unless allowed (a database made at first start). */
	snprintf(link, sizeof(link), "%s/none.db", dir);
	assert_int_equal(pp_perm_check(link, PP_PERM_DATA, geteuid(), 0, why, sizeof(why)), PP_ERR_CONFIG);
	assert_non_null(strstr(why, "No such file"));
	assert_int_equal(pp_perm_check(link, PP_PERM_DATA, geteuid(), 1, why, sizeof(why)), PP_OK);
	/* The directory of a file is checked too. */
	assert_int_equal(chmod(dir, 0775), 0);
	assert_int_equal(pp_perm_check_in_dir(path, PP_PERM_SECRET, geteuid(), 0, why, sizeof(why)),
	    PP_ERR_CONFIG);
	assert_non_null(strstr(why, "mode 0775 is too open, want 0755"));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(pp_perm_check_in_dir(path, PP_PERM_SECRET, geteuid(), 0, why, sizeof(why)), PP_OK);
	/* Bad arguments. */
	assert_int_equal(pp_perm_check("", PP_PERM_DIR, 0, 0, why, sizeof(why)), PP_ERR_INTERNAL);
	assert_int_equal(pp_perm_check(dir, PP_PERM__MAX, 0, 0, why, sizeof(why)), PP_ERR_INTERNAL);
	unlink(path);
	snprintf(link, sizeof(link), "%s/link", dir);
	unlink(link);
}

/* A configuration whose SAM paths are all right passes; each path made too
 * open in turn makes pp_perm_check_start refuse, and restoring it passes
 * again. */
static void
test_start(void **state)
{
	char conf_path[128], pin[128], db[128], run[128], spool[128], sock[160], text[8192], err[256];
	struct pp_conf *conf = NULL;
	FILE *f;

	(void)state;
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	snprintf(db, sizeof(db), "%s/db", dir);
	assert_int_equal(mkdir(run, 0750), 0);
	assert_int_equal(mkdir(spool, 0700), 0);
	assert_int_equal(mkdir(db, 0750), 0);
	snprintf(sock, sizeof(sock), "%s/sam.sock", run);
	mkfile("sam.pin", 0600, pin, sizeof(pin));
	snprintf(text, sizeof(text),
	    "[service]\nstate_dir = %s\ntemplates_dir = %s\n[database]\nweb = %s/web.db\nsam = %s/sam.db\n"
	    "audit = %s/audit.db\nadmin = %s/admin.db\n[signer]\nsocket = %s/s.sock\nclient_ca = %s/ca\n"
	    "[sca]\nsocket = %s/c.sock\nclient_ca = %s/ca\n[admin]\nsocket = %s/a.sock\nclient_ca = %s/ca\n"
	    "[sam]\nsocket = %s\npkcs11_module = %s/m.so\ntoken_label = t\npin_file = %s\nsms_spool = %s\n"
	    "[audit]\nsocket = %s/audit.sock\npkcs11_module = %s/m.so\ntoken_label = a\npin_file = %s\n"
	    "public_key = %s/k.pem\narchive_dir = %s\n",
	    dir, dir, db, db, db, db, run, dir, run, dir, run, dir, sock, dir, pin, spool, run, dir, pin, dir, dir);
	snprintf(conf_path, sizeof(conf_path), "%s/paraphe.conf", dir);
	f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(pp_conf_load(conf_path, &conf, err, sizeof(err)), PP_OK);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_OK);

	struct {
		const char *path;
		mode_t good, bad;
	} cases[] = {
		{ pin, 0600, 0640 },
		{ pin, 0600, 0604 },
		{ db, 0750, 0770 },
		{ run, 0750, 0757 },
		{ spool, 0700, 0720 },
		{ dir, 0755, 0775 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(chmod(cases[i].path, cases[i].bad), 0);
		assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_ERR_CONFIG);
		assert_int_equal(chmod(cases[i].path, cases[i].good), 0);
		assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_OK);
	}
	/* The database once made, and its WAL. */
	char file[160];
	snprintf(file, sizeof(file), "%s/sam.db", db);
	int fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_ERR_CONFIG);
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_OK);
	snprintf(file, sizeof(file), "%s/sam.db-wal", db);
	fd = open(file, O_CREAT | O_WRONLY, 0666);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(file, 0666), 0);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_ERR_CONFIG);
	assert_int_equal(chmod(file, 0600), 0);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_OK);
	/* The audit kind checks its PIN and the archive directory. */
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_AUDIT, "audit", "audit"), PP_OK);
	assert_int_equal(chmod(pin, 0660), 0);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_AUDIT, "audit", "audit"), PP_ERR_CONFIG);
	assert_int_equal(chmod(pin, 0600), 0);
	assert_int_equal(chmod(spool, 0777), 0);	/* the SAM's spool: not the audit daemon's business */
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_AUDIT, "audit", "audit"), PP_OK);
	assert_int_equal(pp_perm_check_start(conf, PP_SANDBOX_SAM, "sam", "sam"), PP_ERR_CONFIG);
	assert_int_equal(chmod(spool, 0700), 0);
	pp_conf_free(conf);
}

static void
test_setup_default(void **state)
{
	(void)state;
	pp_sandbox_setup(NULL);
	assert_int_equal(pp_sandbox_enabled(), 1);
	assert_string_equal(pp_sandbox_kind_name(PP_SANDBOX_SAM), "sam");
	assert_string_equal(pp_sandbox_kind_name(PP_SANDBOX_SUPERVISOR), "supervisor");
	assert_null(pp_sandbox_kind_name(PP_SANDBOX__MAX));
	/* The SAM's profile allows less than a plugin's (no network), the
	 * supervisor's more (fork, wait). */
	size_t sam_a, sam_k, plug_a, plug_k, sup_a, sup_k;
	pp_sandbox_counts(PP_SANDBOX_SAM, &sam_a, &sam_k);
	pp_sandbox_counts(PP_SANDBOX_PLUGIN, &plug_a, &plug_k);
	pp_sandbox_counts(PP_SANDBOX_SUPERVISOR, &sup_a, &sup_k);
	assert_true(sam_a > 100 && sam_a < plug_a && plug_a <= sup_a);
	/* Under the sanitizers the plugin allows fork and wait too. */
	if (!pp_sandbox_sanitized())
		assert_true(plug_a < sup_a);
	assert_true(sam_k >= 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_bits),
		cmocka_unit_test(test_data_bits),
		cmocka_unit_test(test_conf_bits),
		cmocka_unit_test(test_dir_bits),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_setup_default),
	};

	pp_log_open("test_sandbox", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
