/*
 * The SAM's client registry (SAD-5, AUTH-2): the strict parser (every
 * malformed entry, duplicates), the file checks (mode, owner, symbolic
 * link), the op policy and the decision (unknown, suspended, fingerprint
 * mismatch or missing, wrong role), and the check made by the ops: the
 * client members taken out of the request, a malformed member closing the
 * connection, no answer when the refusal cannot be recorded; allocation
 * failures.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_test.h"
#include "sam_client.h"

#define FP_A "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
#define FP_B "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
#define SUBJ_A "CN=Demo SCA,O=Paraphe Demo SCA,C=FR"
#define SUBJ_B "CN=Other SCA,O=Other Demo SCA,C=DE"
#define SUBJ_C "CN=Subject Only,O=Test,C=FR"
#define SUBJ_S "CN=Suspended SCA,O=Test,C=FR"

static const char good[] =
    "{\"clients\":["
    "{\"id\":\"demo-sca\",\"name\":\"Paraphe Demo SCA\",\"roles\":[\"sca\",\"ra\"],"
    "\"subject\":\"" SUBJ_A "\",\"sha256\":\"" FP_A "\",\"status\":\"active\"},"
    "{\"id\":\"other.sca_1\",\"name\":\"Other SCA GmbH \xc3\xa9\",\"roles\":[\"sca\"],"
    "\"subject\":\"" SUBJ_B "\",\"sha256\":\"3A6EB0790F39AC87C94F3856B2DD2C5D110E6811602261A9A923D3BB23ADC8B7\","
    "\"status\":\"active\"},"
    "{\"id\":\"ra-only\",\"name\":\"RA\",\"roles\":[\"ra\"],\"subject\":\"" SUBJ_C "\",\"status\":\"active\"},"
    "{\"id\":\"gone\",\"name\":\"Suspended\",\"roles\":[\"sca\",\"ra\"],\"subject\":\"" SUBJ_S "\","
    "\"status\":\"suspended\"}"
    "]}";

static struct sam_clients *
parse_ok(const char *text)
{
	struct sam_clients *reg = NULL;
	char why[512];

	if (sam_clients_parse(text, strlen(text), &reg, why, sizeof(why)) != PP_OK)
		fail_msg("refused: %s", why);
	return reg;
}

/* text is refused, and the reason contains needle. */
static void
refused(const char *text, const char *needle)
{
	struct sam_clients *reg = (void *)1;
	char why[512];

	assert_int_equal(sam_clients_parse(text, strlen(text), &reg, why, sizeof(why)), PP_ERR_CONFIG);
	assert_null(reg);
	if (strstr(why, needle) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\" (registry %s)", why, needle, text);
}

/* One entry around members m (a JSON object body). */
static void
refused_entry(const char *m, const char *needle)
{
	char text[2048];

	snprintf(text, sizeof(text), "{\"clients\":[{%s}]}", m);
	refused(text, needle);
}

#define E_ID "\"id\":\"x\","
#define E_NAME "\"name\":\"X\","
#define E_ROLES "\"roles\":[\"sca\"],"
#define E_SUBJ "\"subject\":\"CN=X\","
#define E_STATUS "\"status\":\"active\""

static void
test_parse(void **state)
{
	struct sam_clients *reg;
	const struct sam_client *c;

	(void)state;
	reg = parse_ok(good);
	assert_int_equal(reg->n, 4);
	c = sam_clients_find(reg, SUBJ_A);
	assert_non_null(c);
	assert_string_equal(c->id, "demo-sca");
	assert_string_equal(c->name, "Paraphe Demo SCA");
	assert_int_equal(c->roles, SAM_CLIENT_R_SCA | SAM_CLIENT_R_RA);
	assert_string_equal(c->sha256, FP_A);
	c = sam_clients_find(reg, SUBJ_B);
	assert_non_null(c);
	assert_string_equal(c->sha256, FP_B);	/* upper-case hex normalised */
	assert_int_equal(c->roles, SAM_CLIENT_R_SCA);
	c = sam_clients_find(reg, SUBJ_C);
	assert_string_equal(c->sha256, "");
	assert_int_equal(c->roles, SAM_CLIENT_R_RA);
	assert_int_equal(sam_clients_find(reg, SUBJ_S)->status, SAM_CLIENT_SUSPENDED);
	/* Exact subjects only. */
	assert_null(sam_clients_find(reg, "CN=Demo SCA, O=Paraphe Demo SCA, C=FR"));
	assert_null(sam_clients_find(reg, "cn=demo sca,o=paraphe demo sca,c=fr"));
	assert_null(sam_clients_find(reg, NULL));
	sam_clients_free(reg);
	sam_clients_free(NULL);

	reg = parse_ok("{\"clients\":[]}");
	assert_int_equal(reg->n, 0);
	assert_null(sam_clients_find(reg, SUBJ_A));
	sam_clients_free(reg);
	assert_string_equal(sam_client_role_name(SAM_CLIENT_SCA), "sca");
	assert_string_equal(sam_client_role_name(SAM_CLIENT_RA), "ra");
	assert_string_equal(sam_client_role_name(SAM_CLIENT_ROLE__MAX), "?");
}

/* redirect_uris (docs/AUTHZ.md): exact URIs, https or loopback http. */
static void
test_redirect_uris(void **state)
{
	struct sam_clients *reg;
	const struct sam_client *c;

	(void)state;
	reg = parse_ok("{\"clients\":[{\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\","
	    "\"status\":\"active\",\"redirect_uris\":[\"https://sca.example/cb?x=1\",\"http://127.0.0.1/callback\","
	    "\"http://localhost:8080/cb\",\"http://[::1]:9/cb\"]}]}");
	assert_non_null(c = sam_clients_find_id(reg, "a"));
	assert_null(sam_clients_find_id(reg, "b"));
	assert_int_equal(c->nredirect, 4);
	assert_true(sam_client_redirect_ok(c, "https://sca.example/cb?x=1"));
	assert_true(sam_client_redirect_ok(c, "http://127.0.0.1/callback"));
	/* Exact: no prefix, no case folding, no other query. */
	assert_false(sam_client_redirect_ok(c, "https://sca.example/cb"));
	assert_false(sam_client_redirect_ok(c, "https://sca.example/cb?x=1&y=2"));
	assert_false(sam_client_redirect_ok(c, "HTTPS://sca.example/cb?x=1"));
	assert_false(sam_client_redirect_ok(c, NULL));
	sam_clients_free(reg);

	assert_true(sam_client_redirect_uri_ok("https://a/"));
	assert_false(sam_client_redirect_uri_ok("http://sca.example/cb"));
	assert_false(sam_client_redirect_uri_ok("http://127.0.0.1.evil.example/cb"));
	assert_false(sam_client_redirect_uri_ok("http://localhost@evil.example/cb"));
	assert_false(sam_client_redirect_uri_ok("https://sca.example/cb#frag"));
	assert_false(sam_client_redirect_uri_ok("https:///cb"));
	assert_false(sam_client_redirect_uri_ok("https://sca.example/a b"));
	assert_false(sam_client_redirect_uri_ok("javascript:alert(1)"));
	assert_false(sam_client_redirect_uri_ok(""));
	refused_entry("\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\",\"status\":\"active\","
	    "\"redirect_uris\":[\"http://sca.example/cb\"]", "redirect_uris[0]");
	refused_entry("\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\",\"status\":\"active\","
	    "\"redirect_uris\":[]", "redirect_uris");
	refused_entry("\"id\":\"a\",\"name\":\"A\",\"roles\":[\"ra\"],\"subject\":\"CN=A\",\"status\":\"active\","
	    "\"redirect_uris\":[\"https://a/\"]", "for an sca client");
	refused_entry("\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\",\"status\":\"active\","
	    "\"redirect_uris\":\"https://a/\"", "redirect_uris");
}

static void
test_malformed(void **state)
{
	(void)state;
	/* The document. */
	refused("", "not one JSON object");
	refused("[]", "not one JSON object");
	refused("{\"clients\":[]} x", "not one JSON object");
	refused("{\"clients\":[],\"clients\":[]}", "not one JSON object");	/* duplicate key */
	refused("{\"clients\":[\"\xff\"]}", "not one JSON object");		/* not UTF-8 */
	refused("{}", "the only member is \"clients\"");
	refused("{\"clients\":{}}", "the only member is \"clients\"");
	refused("{\"clients\":[],\"version\":1}", "the only member is \"clients\"");
	refused("{\"clients\":[1]}", "clients[0]: not an object");
	/* Members. */
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ E_STATUS ",\"note\":\"x\"", "clients[0]: unknown member \"note\"");
	refused_entry(E_NAME E_ROLES E_SUBJ E_STATUS, "clients[0]: id");
	refused_entry("\"id\":\"a b\"," E_NAME E_ROLES E_SUBJ E_STATUS, "clients[0]: id");
	refused_entry("\"id\":\"\"," E_NAME E_ROLES E_SUBJ E_STATUS, "clients[0]: id");
	refused_entry("\"id\":\"x/y\"," E_NAME E_ROLES E_SUBJ E_STATUS, "clients[0]: id");
	refused_entry("\"id\":7," E_NAME E_ROLES E_SUBJ E_STATUS, "are strings");
	refused_entry(E_ID E_ROLES E_SUBJ E_STATUS, "client x: name");
	refused_entry(E_ID "\"name\":\"\"," E_ROLES E_SUBJ E_STATUS, "client x: name");
	refused_entry(E_ID "\"name\":\"a\\nb\"," E_ROLES E_SUBJ E_STATUS, "client x: name");
	refused_entry(E_ID E_NAME E_ROLES E_STATUS, "client x: subject");
	refused_entry(E_ID E_NAME E_ROLES "\"subject\":\"\"," E_STATUS, "client x: subject");
	refused_entry(E_ID E_NAME E_ROLES "\"subject\":\"CN=a\\u0001\"," E_STATUS, "client x: subject");
	refused_entry(E_ID E_NAME E_ROLES "\"subject\":\"CN=X\"", "client x: status");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ "\"status\":\"ACTIVE\"", "client x: status");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ "\"status\":\"revoked\"", "client x: status");
	refused_entry(E_ID E_NAME E_SUBJ E_STATUS, "client x: roles");
	refused_entry(E_ID E_NAME "\"roles\":[]," E_SUBJ E_STATUS, "client x: roles");
	refused_entry(E_ID E_NAME "\"roles\":\"sca\"," E_SUBJ E_STATUS, "client x: roles");
	refused_entry(E_ID E_NAME "\"roles\":[\"admin\"]," E_SUBJ E_STATUS, "client x: roles");
	refused_entry(E_ID E_NAME "\"roles\":[\"SCA\"]," E_SUBJ E_STATUS, "client x: roles");
	refused_entry(E_ID E_NAME "\"roles\":[1]," E_SUBJ E_STATUS, "client x: roles");
	refused_entry(E_ID E_NAME "\"roles\":[\"ra\",\"ra\"]," E_SUBJ E_STATUS, "\"ra\" given twice");
	refused_entry(E_ID E_NAME "\"roles\":[\"sca\",\"ra\",\"sca\"]," E_SUBJ E_STATUS, "client x: roles");
	/* Fingerprints: 64 hex digits, nothing else. */
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ "\"sha256\":\"" FP_A "0\"," E_STATUS, "client x: sha256");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ "\"sha256\":\"8f434346\"," E_STATUS, "client x: sha256");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ "\"sha256\":\"\"," E_STATUS, "client x: sha256");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ
	    "\"sha256\":\"8F:43:43:46:64:8F:6B:96:DF:89:DD:A9:01:C5:17:6B:10:A6:D8:39:61:DD:3C:1A:C8:8B:59:B2:DC:32:7A:A4\","
	    E_STATUS, "client x: sha256");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ
	    "\"sha256\":\"g f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa\"," E_STATUS,
	    "client x: sha256");
	refused_entry(E_ID E_NAME E_ROLES E_SUBJ "\"sha256\":null," E_STATUS, "are strings");
}

/* A registry of n distinct clients (malloc'd). */
static char *
many(size_t n)
{
	size_t cap = 128 * (n + 1), off;
	char *big = malloc(cap);

	assert_non_null(big);
	off = (size_t)snprintf(big, cap, "{\"clients\":[");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(big + off, cap - off, "%s{\"id\":\"c%zu\",\"name\":\"C\",\"roles\":[\"sca\"],"
		    "\"subject\":\"CN=%zu\",\"status\":\"active\"}", i ? "," : "", i, i);
	snprintf(big + off, cap - off, "]}");
	return big;
}

static void
test_duplicates(void **state)
{
	char *big;

	(void)state;
	refused("{\"clients\":[{\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\",\"status\":\"active\"},"
	    "{\"id\":\"a\",\"name\":\"B\",\"roles\":[\"sca\"],\"subject\":\"CN=B\",\"status\":\"active\"}]}",
	    "client a: id given twice");
	/* One subject is one owner: two entries may not share it. */
	refused("{\"clients\":[{\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\",\"status\":\"active\"},"
	    "{\"id\":\"b\",\"name\":\"B\",\"roles\":[\"ra\"],\"subject\":\"CN=A\",\"status\":\"active\"}]}",
	    "client b: subject already registered for client a");
	refused("{\"clients\":[{\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\",\"sha256\":\""
	    FP_A "\",\"status\":\"active\"},{\"id\":\"b\",\"name\":\"B\",\"roles\":[\"sca\"],\"subject\":\"CN=B\","
	    "\"sha256\":\"8F434346648F6B96DF89DDA901C5176B10A6D83961DD3C1AC88B59B2DC327AA4\",\"status\":\"active\"}]}",
	    "client b: sha256 already registered for client a");
	/* Two subject-only entries are not duplicate fingerprints. */
	sam_clients_free(parse_ok("{\"clients\":[{\"id\":\"a\",\"name\":\"A\",\"roles\":[\"sca\"],\"subject\":\"CN=A\","
	    "\"status\":\"active\"},{\"id\":\"b\",\"name\":\"B\",\"roles\":[\"sca\"],\"subject\":\"CN=B\","
	    "\"status\":\"suspended\"}]}"));
	/* At most SAM_CLIENT_MAX entries. */
	big = many(SAM_CLIENT_MAX + 1);
	refused(big, "more than 256 clients");
	free(big);
	big = many(SAM_CLIENT_MAX);
	sam_clients_free(parse_ok(big));
	free(big);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/pp-clients.XXXXXX", path[128], link[128], why[768];
	struct sam_clients *reg = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/clients.json", dir);
	snprintf(link, sizeof(link), "%s/link.json", dir);
	assert_int_equal(sam_clients_load(path, 0, &reg, why, sizeof(why)), PP_ERR_CONFIG);
	assert_non_null(strstr(why, "No such file"));
	write_file(path, good, 0644);
	assert_int_equal(sam_clients_load(path, 0, &reg, why, sizeof(why)), PP_OK);
	assert_int_equal(reg->n, 4);
	sam_clients_free(reg);
	reg = NULL;
	/* Writable by the group or others: anyone could register a client. */
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(sam_clients_load(path, 0, &reg, why, sizeof(why)), PP_ERR_CONFIG);
	assert_non_null(strstr(why, "writable by its group or others"));
	assert_int_equal(chmod(path, 0646), 0);
	assert_int_equal(sam_clients_load(path, 0, &reg, why, sizeof(why)), PP_ERR_CONFIG);
	assert_int_equal(chmod(path, 0600), 0);
	/* A symbolic link is not followed. */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(sam_clients_load(link, 0, &reg, why, sizeof(why)), PP_ERR_CONFIG);
	assert_null(reg);
	/* Owned by root when the SAM starts as root. */
	if (geteuid() == 0) {
		assert_int_equal(sam_clients_load(path, 1, &reg, why, sizeof(why)), PP_OK);
		sam_clients_free(reg);
		reg = NULL;
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(sam_clients_load(path, 1, &reg, why, sizeof(why)), PP_ERR_CONFIG);
		assert_non_null(strstr(why, "not owned by root"));
		assert_int_equal(chown(path, 0, 0), 0);
	} else {
		assert_int_equal(sam_clients_load(path, 1, &reg, why, sizeof(why)), PP_ERR_CONFIG);
		assert_non_null(strstr(why, "not owned by root"));
	}
	/* A malformed file names itself and the entry. */
	write_file(path, "{\"clients\":[{\"id\":\"x\"}]}", 0644);
	assert_int_equal(sam_clients_load(path, 0, &reg, why, sizeof(why)), PP_ERR_CONFIG);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "client x: name"));
	assert_null(reg);
	pp_test_rmtree(dir);
}

static void
test_policy(void **state)
{
	struct sam_client_policy p;

	(void)state;
	assert_int_equal(sam_client_policy("signatory.create", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA);
	assert_int_equal(sam_client_policy("signatory.delete", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA);
	assert_int_equal(sam_client_policy("credential.create", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA);
	assert_int_equal(sam_client_policy("credential.revoke", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA);
	assert_int_equal(sam_client_policy("credential.info", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA | SAM_CLIENT_R_SCA);
	assert_int_equal(sam_client_policy("credential.list", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_SCA);
	assert_int_equal(sam_client_policy("sign", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_SCA);
	assert_int_equal(p.behalf, 0);
	assert_int_equal(sam_client_policy("otp.send", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_SCA);
	assert_int_equal(p.behalf, 1);
	assert_int_equal(sam_client_policy("sad.issue", &p), PP_OK);
	assert_int_equal(p.behalf, 1);
	/* The algorithms in force: any registered client. */
	assert_int_equal(sam_client_policy("algorithms", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA | SAM_CLIENT_R_SCA);
	/* A new enrolment op is an RA op; anything else has no policy. */
	assert_int_equal(sam_client_policy("credential.certify", &p), PP_OK);
	assert_int_equal(p.roles, SAM_CLIENT_R_RA);
	assert_int_equal(sam_client_policy("health", &p), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_client_policy("signx", &p), PP_ERR_NOT_FOUND);
	assert_int_equal(sam_client_policy(NULL, &p), PP_ERR_NOT_FOUND);
}

/* The decision for op; returns the refusal text or NULL when allowed. */
static const char *
decide(const struct sam_clients *reg, const char *op, const char *subject, const char *fp, const char *role)
{
	struct sam_client_policy p;
	const struct sam_client *c = NULL;
	const char *why = NULL;
	enum pp_err rc;

	assert_int_equal(sam_client_policy(op, &p), PP_OK);
	rc = sam_client_decide(reg, &p, subject, fp, role, &c, &why);
	if (rc == PP_OK) {
		assert_non_null(c);
		assert_string_equal(c->subject, subject);
		return NULL;
	}
	assert_int_equal(rc, PP_ERR_FORBIDDEN);
	assert_non_null(why);
	return why;
}

#define ALLOWED(...) assert_null(decide(reg, __VA_ARGS__))
#define REFUSED(needle, ...) do { \
	const char *w_ = decide(reg, __VA_ARGS__); \
	assert_non_null(w_); \
	if (strstr(w_, needle) == NULL) \
		fail_msg("\"%s\" lacks \"%s\"", w_, needle); \
} while (0)

static void
test_decide(void **state)
{
	struct sam_clients *reg = parse_ok(good);

	(void)state;
	/* The demo SCA: both roles, with its fingerprint. */
	ALLOWED("signatory.create", SUBJ_A, FP_A, "ra");
	ALLOWED("credential.list", SUBJ_A, FP_A, "sca");
	ALLOWED("credential.info", SUBJ_A, FP_A, "ra");
	ALLOWED("credential.info", SUBJ_A, FP_A, "sca");
	ALLOWED("sign", SUBJ_A, FP_A, NULL);
	ALLOWED("sign", SUBJ_A, "8F434346648F6B96DF89DDA901C5176B10A6D83961DD3C1AC88B59B2DC327AA4", NULL);
	/* Unknown, suspended. */
	REFUSED("not registered with this service", "sign", "CN=Nobody", FP_A, "sca");
	REFUSED("not registered with this service", "sign", NULL, NULL, NULL);
	REFUSED("suspended", "sign", SUBJ_S, NULL, "sca");
	REFUSED("suspended", "otp.send", SUBJ_S, NULL, NULL);
	/* The subject alone is not enough when a fingerprint is registered. */
	REFUSED("not the one registered", "sign", SUBJ_A, FP_B, "sca");
	REFUSED("not the one registered", "signatory.create", SUBJ_A, FP_B, "ra");
	REFUSED("fingerprint is missing", "sign", SUBJ_A, NULL, "sca");
	REFUSED("fingerprint is missing", "credential.revoke", SUBJ_A, NULL, NULL);
	REFUSED("client_sha256: 64 hex digits", "sign", SUBJ_A, "8f43", "sca");
	/* ... except for the ops made on the SCA's behalf, unless given. */
	ALLOWED("otp.send", SUBJ_A, NULL, NULL);
	ALLOWED("sad.issue", SUBJ_A, NULL, NULL);
	REFUSED("not the one registered", "sad.issue", SUBJ_A, FP_B, NULL);
	/* A subject-only entry takes any certificate of that subject. */
	ALLOWED("signatory.get", SUBJ_C, NULL, "ra");
	ALLOWED("signatory.get", SUBJ_C, FP_A, "ra");
	/* Roles: an SCA-only client on the RA API, an RA client on CSC. */
	REFUSED("needs the ra role", "signatory.create", SUBJ_B, FP_B, "ra");
	REFUSED("needs the ra role", "signatory.create", SUBJ_B, FP_B, NULL);
	REFUSED("needs the ra role", "credential.info", SUBJ_B, FP_B, "ra");
	ALLOWED("credential.info", SUBJ_B, FP_B, "sca");
	ALLOWED("credential.info", SUBJ_B, FP_B, NULL);
	REFUSED("needs the sca role", "sign", SUBJ_C, NULL, "sca");
	REFUSED("needs the sca role", "sign", SUBJ_C, NULL, NULL);
	REFUSED("needs the sca role", "credential.list", SUBJ_C, NULL, NULL);
	REFUSED("needs the sca role", "credential.info", SUBJ_C, NULL, "sca");
	REFUSED("needs the sca role", "otp.send", SUBJ_C, NULL, NULL);
	ALLOWED("credential.info", SUBJ_C, NULL, "ra");
	/* The API the request came through must serve the op. */
	REFUSED("not part of the PKI/RA enrolment API", "sign", SUBJ_A, FP_A, "ra");
	REFUSED("not part of the CSC signature API", "signatory.create", SUBJ_A, FP_A, "sca");
	REFUSED("client_role", "sign", SUBJ_A, FP_A, "admin");
	/* No registry, no client. */
	{
		struct sam_client_policy p;
		const struct sam_client *c;
		const char *why;

		assert_int_equal(sam_client_policy("sign", &p), PP_OK);
		assert_int_equal(sam_client_decide(NULL, &p, SUBJ_A, FP_A, "sca", &c, &why), PP_ERR_FORBIDDEN);
	}
	sam_clients_free(reg);
}

/* A configuration whose SAM reads clients_file and whose audit daemon is
 * not there. */
static struct pp_conf *
conf_with(const char *clients)
{
	size_t n, len = 0, cap = 16384;
	const struct pp_conf_key *keys = pp_conf_schema(&n);
	const char *cur = NULL;
	char *text = malloc(cap), err[256];
	struct pp_conf *conf = NULL;

	assert_non_null(text);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (keys[i].def != NULL)
			continue;
		if (cur == NULL || strcmp(cur, keys[i].section) != 0) {
			if (cur != NULL && strcmp(cur, "sam") == 0)
				len += (size_t)snprintf(text + len, cap - len, "clients_file = %s\n", clients);
			len += (size_t)snprintf(text + len, cap - len, "[%s]\n", keys[i].section);
			cur = keys[i].section;
		}
		len += (size_t)snprintf(text + len, cap - len, "%s = /nonexistent/pp-test/%s_%s\n", keys[i].key,
		    keys[i].section, keys[i].key);
	}
	if (pp_conf_parse(text, len, &conf, err, sizeof(err)) != PP_OK)
		fail_msg("configuration refused: %s\n%s", err, text);
	free(text);
	return conf;
}

static json_object *
req_of(const char *text)
{
	json_object *o = NULL;

	assert_int_equal(pp_json_parse(text, strlen(text), 8, 64, &o), PP_OK);
	return o;
}

static void
test_check(void **state)
{
	char dir[] = "/tmp/pp-clients.XXXXXX", path[128];
	struct pp_daemon_ctx ctx = { 0 };
	json_object *req, *ans;
	int refusedp = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/clients.json", dir);
	write_file(path, good, 0644);
	ctx.conf = conf_with(path);
	assert_int_equal(sam_client_init(&ctx), PP_OK);

	/* Allowed: the client members are taken out, nothing answered. */
	req = req_of("{\"v\":1,\"op\":\"credential.list\",\"sca\":\"" SUBJ_A "\",\"signatory\":\"s\","
	    "\"client_sha256\":\"" FP_A "\",\"client_role\":\"sca\"}");
	ans = json_object_new_object();
	assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
	assert_int_equal(refusedp, 0);
	assert_string_equal(pp_json_str(req, NULL),
	    "{\"v\":1,\"op\":\"credential.list\",\"sca\":\"" SUBJ_A "\",\"signatory\":\"s\"}");
	assert_int_equal(json_object_object_length(ans), 0);
	json_object_put(req);

	/* Malformed client members: the connection is closed. */
	req = req_of("{\"v\":1,\"op\":\"sign\",\"sca\":\"" SUBJ_A "\",\"client_sha256\":1}");
	assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_ERR_BAD_REQUEST);
	json_object_put(req);
	req = req_of("{\"v\":1,\"op\":\"sign\",\"sca\":\"" SUBJ_A "\",\"client_sha256\":\"" FP_A "\","
	    "\"client_role\":[\"sca\"]}");
	assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_ERR_BAD_REQUEST);
	json_object_put(req);
	req = req_of("{\"v\":1,\"op\":\"sign\",\"sca\":\"" SUBJ_A "\",\"client_sha256\":\"" FP_A "00\"}");
	assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_ERR_BAD_REQUEST);
	json_object_put(req);

	/* The signer pages' ops go through without a client (the op checks
	 * the request's recorded client); authz.create too, with a client_id
	 * instead of sca; the SCA plugin's authz ops are checked as any. */
	const char *signer_ops[] = { "authz.get", "authz.otp_send", "authz.otp_verify", "authz.login",
		"authz.approve", "authz.cancel" };
	for (size_t i = 0; i < sizeof(signer_ops) / sizeof(signer_ops[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "{\"v\":1,\"op\":\"%s\",\"authz\":\"x\"}", signer_ops[i]);
		req = req_of(text);
		refusedp = -1;
		assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
		assert_int_equal(refusedp, 0);
		json_object_put(req);
	}
	req = req_of("{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"demo-sca\"}");
	assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
	assert_int_equal(refusedp, 0);
	json_object_put(req);
	req = req_of("{\"v\":1,\"op\":\"authz.redeem\",\"sca\":\"" SUBJ_A "\",\"client_sha256\":\"" FP_A "\"}");
	assert_int_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
	assert_int_equal(refusedp, 0);
	json_object_put(req);
	/* (refused: recorded first, and no audit daemon here) */
	req = req_of("{\"v\":1,\"op\":\"authz.redeem\",\"sca\":\"" SUBJ_A "\",\"client_sha256\":\"" FP_B "\"}");
	assert_int_not_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
	assert_int_equal(json_object_object_length(ans), 0);
	json_object_put(req);

	/* A refusal that cannot be recorded is not answered either. */
	req = req_of("{\"v\":1,\"op\":\"sign\",\"sca\":\"CN=Nobody\"}");
	assert_int_not_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
	assert_false(json_object_object_get_ex(ans, "error", NULL));
	json_object_put(req);
	/* So is an op without a policy. */
	req = req_of("{\"v\":1,\"op\":\"ca.certificate\",\"sca\":\"" SUBJ_A "\"}");
	assert_int_not_equal(sam_client_check(&ctx, req, ans, &refusedp), PP_OK);
	assert_false(json_object_object_get_ex(ans, "error", NULL));
	json_object_put(req);
	json_object_put(ans);
	sam_client_fini(&ctx);
	sam_client_fini(&ctx);	/* twice is harmless */
	pp_conf_free(ctx.conf);

	/* A malformed registry stops the SAM. */
	write_file(path, "{\"clients\":[{\"id\":\"x\"}]}", 0644);
	ctx.conf = conf_with(path);
	assert_int_equal(sam_client_init(&ctx), PP_ERR_CONFIG);
	pp_conf_free(ctx.conf);
	pp_test_rmtree(dir);
}

/* Every allocation failure of the parser and the loader is PP_ERR_NOMEM
 * with nothing returned and nothing leaked (ASan). */
static void
test_alloc(void **state)
{
	char dir[] = "/tmp/pp-clients.XXXXXX", path[128], why[768];
	struct sam_clients *reg;
	enum pp_err rc = PP_ERR_NOMEM;
	long n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/clients.json", dir);
	write_file(path, good, 0644);
	for (n = 0; n < 64; n++) {
		reg = (void *)1;
		pp_mem_fail_after(n);
		rc = sam_clients_parse(good, strlen(good), &reg, why, sizeof(why));
		pp_mem_fail_after(-1);
		if (rc == PP_OK)
			break;
		assert_int_equal(rc, PP_ERR_NOMEM);
		assert_null(reg);
	}
	assert_int_equal(rc, PP_OK);
	assert_true(n > 0);
	sam_clients_free(reg);
	for (n = 0; n < 64; n++) {
		reg = NULL;
		pp_mem_fail_after(n);
		rc = sam_clients_load(path, 0, &reg, why, sizeof(why));
		pp_mem_fail_after(-1);
		if (rc == PP_OK)
			break;
		assert_int_equal(rc, PP_ERR_NOMEM);
		assert_null(reg);
	}
	assert_int_equal(rc, PP_OK);
	sam_clients_free(reg);
	pp_test_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_redirect_uris),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_check),
		cmocka_unit_test_teardown(test_alloc, pp_test_alloc_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
