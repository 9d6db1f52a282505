#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_test.h"

/*
 * The minimal valid configuration is generated from the schema: every
 * required key with a value of its type.  A schema change therefore does not
 * break these tests; the literal text below checks a few known keys.
 */

struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(tmp));
	buf_add(b, tmp, (size_t)n);
}

/* A value of the key's type, valid for the schema. */
static void
value_for(const struct pp_conf_key *k, char *out, size_t outlen)
{
	switch (k->type) {
	case PP_CONF_PATH:
		snprintf(out, outlen, "/srv/paraphe/%s_%s", k->section, k->key);
		break;
	case PP_CONF_INT:
		snprintf(out, outlen, "%lld", (long long)k->min);
		break;
	case PP_CONF_BOOL:
		snprintf(out, outlen, "yes");
		break;
	default:
		snprintf(out, outlen, "value-%s", k->key);
		break;
	}
}

/* prefix + every required key (except skip, "section.key") + suffix;
 * newline is "\n" or "\r\n".  Returns a malloc'd text. */
static char *
conf_text_nl(const char *prefix, const char *skip, const char *suffix, const char *nl, size_t *len)
{
	size_t n;
	const struct pp_conf_key *keys = pp_conf_schema(&n);
	struct buf b = { NULL, 0, 0 };
	const char *cur = NULL;

	buf_puts(&b, "");
	if (prefix)
		buf_puts(&b, prefix);
	for (size_t i = 0; i < n; i++) {
		char name[160], val[256];
		if (keys[i].def != NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", keys[i].section, keys[i].key);
		if (skip && strcmp(name, skip) == 0)
			continue;
		if (cur == NULL || strcmp(cur, keys[i].section) != 0) {
			buf_printf(&b, "%s[%s]%s", nl, keys[i].section, nl);
			cur = keys[i].section;
		}
		value_for(&keys[i], val, sizeof(val));
		buf_printf(&b, "%s = %s%s", keys[i].key, val, nl);
	}
	if (suffix)
		buf_puts(&b, suffix);
	if (len)
		*len = b.len;
	return b.p;
}

static char *
conf_text(const char *prefix, const char *skip, const char *suffix, size_t *len)
{
	return conf_text_nl(prefix, skip, suffix, "\n", len);
}

static enum pp_err
parse(const char *text, size_t len, struct pp_conf **conf, char *err, size_t errlen)
{
	/* An exact-size copy, not NUL-terminated: ASan sees any overread. */
	char *copy = malloc(len ? len : 1);
	enum pp_err rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	err[0] = '\0';
	rc = pp_conf_parse(copy, len, conf, err, errlen);
	free(copy);
	return rc;
}

/* Parses prefix + minimal + suffix; expects PP_ERR_CONFIG and every needle
 * in the error message. */
static void
expect_error(const char *prefix, const char *skip, const char *suffix, const char *needle1,
    const char *needle2)
{
	struct pp_conf *conf = NULL;
	char err[512];
	size_t len;
	char *text = conf_text(prefix, skip, suffix, &len);
	enum pp_err rc = parse(text, len, &conf, err, sizeof(err));

	if (rc != PP_ERR_CONFIG) {
		/* Free before failing: a failed assertion must not leak. */
		print_error("configuration: %s[required keys%s%s]\n%s\n", prefix ? prefix : "",
		    skip ? " but " : "", skip ? skip : "", suffix ? suffix : "");
		pp_conf_free(conf);
		free(text);
		fail_msg("expected PP_ERR_CONFIG (%s / %s), got %s; err '%s'", needle1,
		    needle2 ? needle2 : "", pp_err_name(rc), rc == PP_OK ? "" : err);
	}
	free(text);
	assert_null(conf);
	if (needle1 && strstr(err, needle1) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle1);
	if (needle2 && strstr(err, needle2) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle2);
}


/* ------------------------------------------------------------------ schema */

static void
test_schema_sane(void **state)
{
	size_t n;
	const struct pp_conf_key *k = pp_conf_schema(&n);
	(void)state;

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(k[i].section);
		assert_non_null(k[i].key);
		assert_non_null(k[i].doc);
		assert_true(k[i].type < PP_CONF__MAX);
		for (const char *p = k[i].key; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
		if (k[i].type == PP_CONF_INT) {
			assert_true(k[i].min <= k[i].max);
			assert_non_null(k[i].def);
			long long d = atoll(k[i].def);
			assert_true(d >= k[i].min && d <= k[i].max);
		}
		for (size_t j = i + 1; j < n; j++)
			assert_false(strcmp(k[i].section, k[j].section) == 0 &&
			    strcmp(k[i].key, k[j].key) == 0);
	}
}

/* ------------------------------------------------------------------ valid */

static void
test_minimal_valid(void **state)
{
	struct pp_conf *conf = NULL;
	char err[512];
	size_t len, n;
	char *text = conf_text("# minimal configuration\n", NULL, NULL, &len);
	const struct pp_conf_key *keys = pp_conf_schema(&n);
	(void)state;

	if (parse(text, len, &conf, err, sizeof(err)) != PP_OK)
		fail_msg("minimal configuration refused: %s\n%s", err, text);
	assert_non_null(conf);
	/* Required values as given, defaults for the rest. */
	for (size_t i = 0; i < n; i++) {
		char val[256];
		const char *got = pp_conf_str(conf, keys[i].section, keys[i].key);
		if (keys[i].def == NULL) {
			value_for(&keys[i], val, sizeof(val));
			assert_string_equal(got, val);
		} else {
			assert_string_equal(got, keys[i].def);
			if (keys[i].type == PP_CONF_INT)
				assert_int_equal(pp_conf_int(conf, keys[i].section, keys[i].key),
				    atoll(keys[i].def));
		}
	}
	assert_string_equal(pp_conf_str(conf, "service", "state_dir"), "/srv/paraphe/service_state_dir");
	assert_string_equal(pp_conf_str(conf, "service", "node_id"), "paraphe-node-1");
	assert_string_equal(pp_conf_str(conf, "service", "lang_default"), "en");
	assert_string_equal(pp_conf_str(conf, "service", "user"), "");
	assert_string_equal(pp_conf_str(conf, "log", "level"), "info");
	assert_string_equal(pp_conf_str(conf, "log", "destination"), "stderr");
	assert_string_equal(pp_conf_str(conf, "database", "backend"), "sqlite");
	assert_string_equal(pp_conf_str(conf, "sca", "region"), "FR");
	assert_int_equal(pp_conf_int(conf, "limits", "max_body_bytes"), 65536);
	assert_int_equal(pp_conf_int(conf, "limits", "max_header_bytes"), 16384);
	assert_int_equal(pp_conf_int(conf, "limits", "max_params"), 128);
	assert_int_equal(pp_conf_int(conf, "limits", "max_fields"), 2048);
	assert_int_equal(pp_conf_int(conf, "limits", "max_json_depth"), 8);
	assert_int_equal(pp_conf_int(conf, "database", "busy_timeout_ms"), 5000);
	/* A key not in the schema: "" and 0 (a programming error, logged). */
	assert_string_equal(pp_conf_str(conf, "service", "no_such_key"), "");
	assert_string_equal(pp_conf_str(conf, "nosection", "node_id"), "");
	assert_int_equal(pp_conf_int(conf, "limits", "no_such_limit"), 0);
	assert_int_equal(pp_conf_bool(conf, "service", "no_such_flag"), 0);
	pp_conf_free(conf);
	free(text);
}

/* The same keys, written by hand, with the syntax the format allows. */
static const char literal_conf[] =
	"# Paraphe configuration\n"
	"; another comment style\n"
	"\n"
	"   # indented comment\n"
	"[service]\n"
	"node_id = node-A\n"
	"state_dir=/var/lib/paraphe\n"
	"\ttemplates_dir \t=\t /usr/share/paraphe/templates \t \n"
	"user =\n"
	"lang_default = fr\n"
	"\n"
	"[log]\n"
	"level = debug\n"
	"destination = syslog\n"
	"[limits]\n"
	"max_body_bytes = 0\n"
	"max_json_depth = 64\n"
	"max_fields = 1\n"
	"[database]\n"
	"web = /var/lib/paraphe/web.db\n"
	"sam = /var/lib/paraphe/sam.db\n"
	"audit = /var/lib/paraphe/audit.db\n"
	"admin = /var/lib/paraphe/admin.db\n"
	"busy_timeout_ms = 600000\n"
	"[signer]\n"
	"socket = /run/paraphe/signer.sock\n"
	"client_ca = /etc/paraphe/ca/notaries.pem\n"
	"[sca]\n"
	"socket = /run/paraphe/sca.sock\n"
	"client_ca = /etc/paraphe/ca/sca.pem\n"
	"description = A value = with an equals sign # and a hash\n"
	"region = CH\n"
	"[admin]\n"
	"socket = /run/paraphe/admin.sock\n"
	"client_ca = /etc/paraphe/ca/staff.pem\n"
	"[sam]\n"
	"socket = /run/paraphe/sam.sock\n"
	"pkcs11_module = /usr/lib/softhsm/libsofthsm2.so\n"
	"token_label = paraphe-sam\n"
	"pin_file = /etc/paraphe/sam.pin\n"
	"[audit]\n"
	"socket = /run/paraphe/audit.sock\n"
	"pkcs11_module = /usr/lib/softhsm/libsofthsm2.so\n"
	"token_label = paraphe-audit\n"
	"pin_file = /etc/paraphe/audit.pin\n"
	"public_key = /var/lib/paraphe/audit/audit-key.pem\n"
	"archive_dir = /var/lib/paraphe/archive\n"
	"# last line without newline";

static void
check_literal(struct pp_conf *conf)
{
	assert_string_equal(pp_conf_str(conf, "service", "node_id"), "node-A");
	assert_string_equal(pp_conf_str(conf, "service", "state_dir"), "/var/lib/paraphe");
	assert_string_equal(pp_conf_str(conf, "service", "templates_dir"), "/usr/share/paraphe/templates");
	assert_string_equal(pp_conf_str(conf, "service", "user"), "");
	assert_string_equal(pp_conf_str(conf, "service", "group"), "");
	assert_string_equal(pp_conf_str(conf, "service", "lang_default"), "fr");
	assert_string_equal(pp_conf_str(conf, "log", "level"), "debug");
	assert_string_equal(pp_conf_str(conf, "log", "destination"), "syslog");
	assert_int_equal(pp_conf_int(conf, "limits", "max_body_bytes"), 0);
	assert_int_equal(pp_conf_int(conf, "limits", "max_json_depth"), 64);
	assert_int_equal(pp_conf_int(conf, "limits", "max_fields"), 1);
	assert_int_equal(pp_conf_int(conf, "limits", "max_params"), 128);
	assert_int_equal(pp_conf_int(conf, "database", "busy_timeout_ms"), 600000);
	assert_string_equal(pp_conf_str(conf, "sca", "description"),
	    "A value = with an equals sign # and a hash");
	assert_string_equal(pp_conf_str(conf, "sca", "region"), "CH");
	assert_string_equal(pp_conf_str(conf, "sca", "service_name"), "Paraphe");
	assert_string_equal(pp_conf_str(conf, "audit", "pin_file"), "/etc/paraphe/audit.pin");
	assert_string_equal(pp_conf_str(conf, "sam", "softhsm2_conf"), "");
}

static void
test_literal_comments_blanks(void **state)
{
	struct pp_conf *conf = NULL;
	char err[512];
	(void)state;

	if (parse(literal_conf, sizeof(literal_conf) - 1, &conf, err, sizeof(err)) != PP_OK)
		fail_msg("refused: %s", err);
	check_literal(conf);
	pp_conf_free(conf);
}

static void
test_crlf(void **state)
{
	struct pp_conf *conf = NULL;
	struct buf b = { NULL, 0, 0 };
	char err[512];
	size_t len;
	(void)state;

	/* The literal text with every "\n" turned into "\r\n". */
	for (const char *p = literal_conf; *p; p++) {
		if (*p == '\n')
			buf_add(&b, "\r\n", 2);
		else
			buf_add(&b, p, 1);
	}
	if (parse(b.p, b.len, &conf, err, sizeof(err)) != PP_OK)
		fail_msg("CRLF text refused: %s", err);
	check_literal(conf);
	pp_conf_free(conf);
	free(b.p);

	char *text = conf_text_nl("# crlf\r\n\r\n", NULL, NULL, "\r\n", &len);
	assert_int_equal(parse(text, len, &conf, err, sizeof(err)), PP_OK);
	assert_string_equal(pp_conf_str(conf, "service", "state_dir"), "/srv/paraphe/service_state_dir");
	pp_conf_free(conf);
	free(text);
}

static void
test_load_file(void **state)
{
	struct pp_conf *conf = NULL;
	char path[] = "/tmp/pp_conf_XXXXXX";
	char err[512] = "";
	size_t len;
	char *text = conf_text(NULL, NULL, "[log]\nlevel = warn\n", &len);
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(pp_conf_load(path, &conf, err, sizeof(err)), PP_OK);
	assert_string_equal(pp_conf_str(conf, "log", "level"), "warn");
	pp_conf_free(conf);
	unlink(path);
	conf = NULL;
	assert_int_equal(pp_conf_load(path, &conf, err, sizeof(err)), PP_ERR_IO);
	assert_null(conf);
	assert_non_null(strstr(err, path));
	free(text);
}

/* 1 when the file f has a line "key = ..." in [section] (comments and
 * other sections do not count). */
static int
example_sets(FILE *f, const char *section, const char *key)
{
	char line[4096], cur[64] = "";
	size_t klen = strlen(key);

	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '[') {
			size_t n = strcspn(line + 1, "]");
			snprintf(cur, sizeof(cur), "%.*s", (int)n, line + 1);
			continue;
		}
		if (strcmp(cur, section) == 0 && strncmp(line, key, klen) == 0 &&
		    strspn(line + klen, " \t") > 0 && line[klen + strspn(line + klen, " \t")] == '=')
			return 1;
	}
	return 0;
}

/* etc/paraphe.conf.example must always load, and show every key of the
 * schema (set, or left empty where the default is empty), so that it
 * documents the whole configuration. */
static void
test_example_file(void **state)
{
	const char *srcdir = getenv("srcdir");
	char path[4096], err[512] = "";
	struct pp_conf *conf = NULL;
	const struct pp_conf_key *keys;
	size_t n, missing = 0;
	FILE *f;
	(void)state;

	snprintf(path, sizeof(path), "%s/etc/paraphe.conf.example", srcdir && *srcdir ? srcdir : ".");
	if (access(path, R_OK) != 0) {
		print_message("%s does not exist (yet): skipped\n", path);
		skip();
		return;
	}
	if (pp_conf_load(path, &conf, err, sizeof(err)) != PP_OK)
		fail_msg("%s: %s", path, err);
	pp_conf_free(conf);
	assert_non_null(f = fopen(path, "r"));
	keys = pp_conf_schema(&n);
	for (size_t i = 0; i < n; i++) {
		if (!example_sets(f, keys[i].section, keys[i].key)) {
			print_message("%s: [%s] %s is missing\n", path, keys[i].section, keys[i].key);
			missing++;
		}
	}
	/* The check itself: a key in a comment or another section is not there. */
	assert_false(example_sets(f, "log", "state_dir"));
	assert_true(example_sets(f, "service", "state_dir"));
	fclose(f);
	assert_int_equal(missing, 0);
}

/* ------------------------------------------------------------------ errors */

static void
test_unknown_section(void **state)
{
	(void)state;
	expect_error("# c\n\n[bogus]\n", NULL, NULL, "line 3:", "unknown section [bogus]");
	expect_error(NULL, NULL, "[servicex]\nnode_id = a\n", "unknown section [servicex]", NULL);
	/* Malformed headers. */
	expect_error("[service\n", NULL, NULL, "line 1:", "malformed section");
	expect_error("[]\n", NULL, NULL, "line 1:", "malformed section");
	expect_error("[Service]\n", NULL, NULL, "line 1:", "malformed section");
	expect_error("[ service ]\n", NULL, NULL, "line 1:", "malformed section");
	expect_error("[\n", NULL, NULL, "line 1:", "malformed section");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("[service]\nnode_id = x\nnode_idd = y\n", NULL, NULL, "line 3:", "unknown key 'node_idd'");
	/* A key of another section is unknown here. */
	expect_error("\n[log]\nstate_dir = /x\n", NULL, NULL, "line 3:", "unknown key 'state_dir' in [log]");
	expect_error("[service]\nNode_id = x\n", NULL, NULL, "line 2:", "malformed key");
	expect_error("[service]\n= x\n", NULL, NULL, "line 2:", "malformed key");
	expect_error("[service]\nnode id = x\n", NULL, NULL, "line 2:", "malformed key");
	expect_error("[service]\nnode_id\n", NULL, NULL, "line 2:", "expected 'key = value'");
}

static void
test_duplicate_key(void **state)
{
	(void)state;
	expect_error("[service]\nnode_id = a\nnode_id = b\n", NULL, NULL, "line 3:", "service.node_id set twice");
	/* Also across two headers of the same section. */
	expect_error("[service]\nnode_id = a\n[log]\n[service]\nnode_id = a\n", NULL, NULL, "line 5:",
	    "set twice");
	/* Also a required key given twice (the second in the generated part). */
	expect_error("[service]\nstate_dir = /a\n", NULL, NULL, "service.state_dir set twice", NULL);
}

static void
test_key_outside_section(void **state)
{
	(void)state;
	expect_error("node_id = x\n", NULL, NULL, "line 1:", "outside any [section]");
	expect_error("# comment\n\nnode_id = x\n", NULL, NULL, "line 3:", "outside any [section]");
}

static void
test_relative_path(void **state)
{
	(void)state;
	expect_error("[service]\nstate_dir = var/lib/paraphe\n", "service.state_dir", NULL, "line 2:",
	    "path must be absolute");
	expect_error("\n[database]\nweb = ./web.db\n", "database.web", NULL, "line 3:", "absolute");
	expect_error("[database]\nweb = ~/web.db\n", "database.web", NULL, "line 2:", "absolute");
	expect_error("[database]\nweb = /var/lib/../../etc/web.db\n", "database.web", NULL, "line 2:", "..");
	expect_error("[database]\nweb = /../web.db\n", "database.web", NULL, "line 2:", "..");
}

/* A path ending in "/.." also contains a ".." component. */
static void
test_path_trailing_dotdot(void **state)
{
	(void)state;
	expect_error("[service]\nstate_dir = /var/lib/paraphe/..\n", "service.state_dir", NULL, "line 2:", "..");
	expect_error("[service]\nstate_dir = /..\n", "service.state_dir", NULL, "line 2:", "..");
}

/* A required key cannot be satisfied by an empty value (docs/OPERATIONS.md:
 * a path may be empty "only where the default is empty"); "" is no path, and
 * sqlite would open a private temporary database for "database.web =". */
static void
test_required_key_empty(void **state)
{
	(void)state;
	expect_error("[database]\nweb =\n", "database.web", NULL, "database.web", NULL);
	expect_error("[sam]\ntoken_label =   \n", "sam.token_label", NULL, "sam.token_label", NULL);
}

static void
test_int_range(void **state)
{
	(void)state;
	expect_error("[limits]\nmax_json_depth = 0\n", NULL, NULL, "line 2:", "limits.max_json_depth");
	expect_error("[limits]\nmax_json_depth = 65\n", NULL, NULL, "line 2:", "[1, 64]");
	expect_error("[limits]\nmax_json_depth = -1\n", NULL, NULL, "line 2:", "integer");
	expect_error("[limits]\nmax_json_depth = 08\n", NULL, NULL, "line 2:", "integer");
	expect_error("[limits]\nmax_json_depth = +8\n", NULL, NULL, "line 2:", "integer");
	expect_error("[limits]\nmax_json_depth = 8k\n", NULL, NULL, "line 2:", "integer");
	expect_error("[limits]\nmax_json_depth =\n", NULL, NULL, "line 2:", "integer");
	expect_error("[limits]\nmax_body_bytes = 16777217\n", NULL, NULL, "line 2:", "limits.max_body_bytes");
	expect_error("[limits]\nmax_body_bytes = 99999999999999999999999\n", NULL, NULL, "line 2:", "integer");
	expect_error("[limits]\nmax_header_bytes = 1023\n", NULL, NULL, "line 2:", "[1024, 1048576]");
	expect_error("[database]\nbusy_timeout_ms = 600001\n", NULL, NULL, "line 2:", "busy_timeout_ms");
}

/* Cross-checks of values (docs/OPERATIONS.md): the message names the key;
 * they run after the whole file is read, so it has no line number. */
static void
test_bad_values(void **state)
{
	(void)state;
	expect_error("[log]\nlevel = verbose\n", NULL, NULL, "log.level", "verbose");
	expect_error("[log]\nlevel = INFO\n", NULL, NULL, "log.level", NULL);
	expect_error("[log]\nlevel =\n", NULL, NULL, "log.level", NULL);
	expect_error("[log]\ndestination = file\n", NULL, NULL, "log.destination", NULL);
	expect_error("[database]\nbackend = postgres\n", NULL, NULL, "database.backend", NULL);
	expect_error("[service]\nlang_default = de\n", NULL, NULL, "service.lang_default", NULL);
	expect_error("[sca]\nregion = fr\n", NULL, NULL, "sca.region", NULL);
	expect_error("[sca]\nregion = FRA\n", NULL, NULL, "sca.region", NULL);
	/* Invalid UTF-8 or control characters in a value. */
	expect_error("[service]\nnode_id = caf\xc3\n", NULL, NULL, "line 2:", "invalid characters");
	expect_error("[service]\nnode_id = a\x1b[0mb\n", NULL, NULL, "line 2:", "invalid characters");
	expect_error("[service]\nnode_id = a\rb\n", NULL, NULL, "line 2:", "invalid characters");
}

static void
test_missing_required(void **state)
{
	size_t n;
	const struct pp_conf_key *keys = pp_conf_schema(&n);
	(void)state;

	for (size_t i = 0; i < n; i++) {
		char name[160], want[200];
		if (keys[i].def != NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", keys[i].section, keys[i].key);
		snprintf(want, sizeof(want), "%s is required", name);
		expect_error(NULL, name, NULL, want, NULL);
	}
	/* An empty text has none of them. */
	struct pp_conf *conf = NULL;
	char err[256];
	assert_int_equal(parse("", 0, &conf, err, sizeof(err)), PP_ERR_CONFIG);
	assert_non_null(strstr(err, "is required"));
	assert_int_equal(parse("\n\n# nothing\n", 12, &conf, err, sizeof(err)), PP_ERR_CONFIG);
	assert_null(conf);
}

static void
test_nul_byte(void **state)
{
	struct pp_conf *conf = NULL;
	char err[256];
	static const char t1[] = "# ok\n[service]\nnode_id = a\0b\n";
	static const char t2[] = "# ok\n#\0 comment\n";
	(void)state;

	assert_int_equal(parse(t1, sizeof(t1) - 1, &conf, err, sizeof(err)), PP_ERR_CONFIG);
	assert_non_null(strstr(err, "line 3: NUL byte"));
	/* Even in a comment. */
	assert_int_equal(parse(t2, sizeof(t2) - 1, &conf, err, sizeof(err)), PP_ERR_CONFIG);
	assert_non_null(strstr(err, "line 2: NUL byte"));
	assert_null(conf);
}

static void
test_line_too_long(void **state)
{
	struct buf b = { NULL, 0, 0 };
	(void)state;

	buf_puts(&b, "[service]\n# ");
	for (int i = 0; i < 5000; i++)
		buf_add(&b, "x", 1);
	buf_puts(&b, "\n");
	expect_error(b.p, NULL, NULL, "line 2:", "longer than");
	free(b.p);

	/* A value of 5000 bytes, on the last line without newline. */
	b.p = NULL;
	b.len = b.cap = 0;
	buf_puts(&b, "[sca]\ndescription = ");
	for (int i = 0; i < 5000; i++)
		buf_add(&b, "d", 1);
	expect_error(NULL, NULL, b.p, "longer than", NULL);
	free(b.p);

	/* A 4000-byte line is fine. */
	struct pp_conf *conf = NULL;
	char err[256];
	size_t len;
	b.p = NULL;
	b.len = b.cap = 0;
	buf_puts(&b, "[sca]\ndescription = ");
	for (int i = 0; i < 4000; i++)
		buf_add(&b, "d", 1);
	buf_puts(&b, "\n");
	char *text = conf_text(b.p, NULL, NULL, &len);
	assert_int_equal(parse(text, len, &conf, err, sizeof(err)), PP_OK);
	assert_int_equal(strlen(pp_conf_str(conf, "sca", "description")), 4000);
	pp_conf_free(conf);
	free(text);
	free(b.p);
}

static void
test_too_large(void **state)
{
	struct pp_conf *conf = NULL;
	char err[256];
	size_t len = 300 * 1024;
	char *big = malloc(len);
	(void)state;

	assert_non_null(big);
	memset(big, '\n', len);
	assert_int_equal(parse(big, len, &conf, err, sizeof(err)), PP_ERR_CONFIG);
	assert_non_null(strstr(err, "larger than"));
	assert_null(conf);
	free(big);
}

/* The error buffer is optional and may be small. */
static void
test_error_buffer(void **state)
{
	struct pp_conf *conf = NULL;
	char small[8];
	(void)state;

	assert_int_equal(pp_conf_parse("[bogus]\n", 8, &conf, NULL, 0), PP_ERR_CONFIG);
	memset(small, 'Z', sizeof(small));
	assert_int_equal(pp_conf_parse("[bogus]\n", 8, &conf, small, sizeof(small)), PP_ERR_CONFIG);
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_int_equal(strncmp(small, "line 1:", 7), 0);
	assert_null(conf);
}

/* Allocation failure at every allocation index until the parse succeeds. */
static void
test_alloc_failure(void **state)
{
	char err[512];
	size_t len;
	char *text = conf_text("[service]\nnode_id = node-x\n[log]\nlevel = warn\n", NULL, NULL, &len);
	long n;
	(void)state;

	for (n = 0; n < 10000; n++) {
		struct pp_conf *conf = NULL;
		pp_mem_fail_after(n);
		enum pp_err rc = pp_conf_parse(text, len, &conf, err, sizeof(err));
		pp_mem_fail_after(-1);
		if (rc == PP_OK) {
			assert_string_equal(pp_conf_str(conf, "service", "node_id"), "node-x");
			assert_string_equal(pp_conf_str(conf, "log", "level"), "warn");
			pp_conf_free(conf);
			break;
		}
		if (rc != PP_ERR_NOMEM)
			fail_msg("allocation %ld failing gave %d (%s)", n, rc, err);
		assert_null(conf);
	}
	assert_true(n > 1);
	assert_true(n < 10000);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_sane),
		cmocka_unit_test(test_minimal_valid),
		cmocka_unit_test(test_literal_comments_blanks),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_key_outside_section),
		cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_path_trailing_dotdot),
		cmocka_unit_test(test_required_key_empty),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test_teardown(test_alloc_failure, pp_test_alloc_reset),
	};
	pp_log_open("test_conf", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
