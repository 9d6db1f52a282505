#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "pp_http.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_test.h"

/*
 * The request pipeline of pp_http.c driven without libfcgi: a hand-built
 * context, a route table of our own, an in-memory database, no templates
 * (errors are JSON), and requests given as an envp array plus a body.
 */

/* ------------------------------------------------------------------ the test application */

static const char *const modes[] = {"fast", "slow", NULL};
static const char *const langs[] = {"en", "fr", NULL};

static const struct pp_field json_fields[] = {
	{"name", PP_FIELD_STRING, 16, 1, 0, 0, NULL},
	{"code", PP_FIELD_TOKEN, 32, 0, 0, 0, NULL},
	{"count", PP_FIELD_INT, 0, 0, 1, 100, NULL},
	{"flag", PP_FIELD_BOOL, 0, 0, 0, 0, NULL},
	{"mode", PP_FIELD_ENUM, 0, 0, 0, 0, modes},
	{"extra", PP_FIELD_JSON, 0, 0, 0, 0, NULL},
	{"lang", PP_FIELD_ENUM, 0, 0, 0, 0, langs},
	{"big", PP_FIELD_INT, 0, 0, INT64_MIN, INT64_MAX, NULL},
};

static const struct pp_field form_fields[] = {
	{"name", PP_FIELD_STRING, 16, 1, 0, 0, NULL},
	{"count", PP_FIELD_INT, 0, 0, 0, 10, NULL},
	{"flag", PP_FIELD_BOOL, 0, 0, 0, 0, NULL},
	{"code", PP_FIELD_TOKEN, 8, 0, 0, 0, NULL},
	{"extra", PP_FIELD_JSON, 0, 0, 0, 0, NULL},
	{"lang", PP_FIELD_ENUM, 0, 0, 0, 0, langs},
};

static const struct pp_field many_fields[] = {
	{"f0", PP_FIELD_INT, 0, 0, 0, 9, NULL}, {"f1", PP_FIELD_INT, 0, 0, 0, 9, NULL},
	{"f2", PP_FIELD_INT, 0, 0, 0, 9, NULL}, {"f3", PP_FIELD_INT, 0, 0, 0, 9, NULL},
	{"f4", PP_FIELD_INT, 0, 0, 0, 9, NULL}, {"f5", PP_FIELD_INT, 0, 0, 0, 9, NULL},
	{"f6", PP_FIELD_INT, 0, 0, 0, 9, NULL}, {"f7", PP_FIELD_INT, 0, 0, 0, 9, NULL},
	{"f8", PP_FIELD_INT, 0, 0, 0, 9, NULL}, {"f9", PP_FIELD_INT, 0, 0, 0, 9, NULL},
};

static const struct pp_field get_fields[] = {
	{"q", PP_FIELD_STRING, 8, 0, 0, 0, NULL},
	{"n", PP_FIELD_INT, 0, 0, 0, 5, NULL},
};

static int handler_calls;
static const char *handler_lang;
static int handler_cert;

/* Echoes the validated values back as JSON. */
static enum pp_err
h_echo(struct pp_req *req)
{
	json_object *o = json_object_new_object();
	enum pp_err rc = PP_OK;

	handler_calls++;
	handler_lang = req->lang;
	handler_cert = req->client.present;
	if (o == NULL)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < req->route->nfields && rc == PP_OK; i++) {
		const struct pp_field *f = &req->route->fields[i];
		const struct pp_value *v = &req->val[i];
		if (!v->set)
			continue;
		switch (f->type) {
		case PP_FIELD_INT:
			rc = pp_json_add_int(o, f->name, v->i);
			break;
		case PP_FIELD_BOOL:
			rc = pp_json_add_bool(o, f->name, (int)v->i);
			break;
		case PP_FIELD_JSON:
			if (json_object_object_add(o, f->name, json_object_get(v->j)) != 0)
				rc = PP_ERR_NOMEM;
			break;
		default:
			assert_int_equal(strlen(v->s), v->len);
			rc = pp_json_add_str(o, f->name, v->s);
			break;
		}
	}
	if (rc == PP_OK && req->client.present)
		rc = pp_json_add_str(o, "cn", req->client.common_name);
	if (rc != PP_OK) {
		json_object_put(o);
		return rc;
	}
	return pp_reply_json(req, 200, o);
}

static enum pp_err
h_forbidden(struct pp_req *req)
{
	handler_calls++;
	return pp_fail(req, PP_ERR_FORBIDDEN, "Not for you.");
}

static enum pp_err
h_silent(struct pp_req *req)
{
	(void)req;
	handler_calls++;
	return PP_OK;	/* no response: a handler bug */
}

#define NF(a) (sizeof(a) / sizeof((a)[0]))

/* Answers the path parameter and the method; 204 for DELETE. */
static enum pp_err
h_param(struct pp_req *req)
{
	json_object *o = json_object_new_object();

	handler_calls++;
	if (o == NULL)
		return PP_ERR_NOMEM;
	assert_true(req->param.set);
	assert_int_equal(strlen(req->param.s), req->param.len);
	if (req->method == PP_DELETE) {
		json_object_put(o);
		return pp_reply_empty(req, 204);
	}
	if (pp_json_add_str(o, "id", req->param.s) != PP_OK ||
	    pp_json_add_str(o, "method", pp_http_method_name(req->method)) != PP_OK ||
	    (req->val && req->val[0].set && pp_json_add_str(o, "name", req->val[0].s) != PP_OK)) {
		json_object_put(o);
		return PP_ERR_NOMEM;
	}
	return pp_reply_json(req, 200, o);
}

/* Browser helpers: a session cookie read back, a cookie set, a redirect,
 * a CSRF-checked form (the expected token is "tok-<session cookie>"). */
static const struct pp_field csrf_fields[] = {
	{"csrf", PP_FIELD_TOKEN, 64, 0, 0, 0, NULL},
	{"to", PP_FIELD_STRING, 64, 0, 0, 0, NULL},
};

static enum pp_err
h_browser(struct pp_req *req)
{
	const char *sid = pp_req_cookie(req, "__Host-s");
	const char *to = pp_req_value(req, "to");
	enum pp_err rc;

	handler_calls++;
	if (req->method == PP_POST) {
		char want[80];
		snprintf(want, sizeof(want), "tok-%s", sid ? sid : "");
		if ((rc = pp_csrf_check(req, sid ? want : NULL)) != PP_OK)
			return rc;
	}
	if ((rc = pp_reply_cookie(req, "__Host-s", sid ? sid : "new", sid ? -1 : 600)) != PP_OK)
		return rc;
	if (to != NULL) {
		char *url = pp_url_add_param(req->pool, to, "state", "a b&c=d/é");
		return url ? pp_reply_redirect(req, 303, url) : PP_ERR_NOMEM;
	}
	return pp_reply_empty(req, 204);
}

/* Answers after an extra header, then fails: no header may survive. */
static enum pp_err
h_header_then_fail(struct pp_req *req)
{
	handler_calls++;
	assert_int_equal(pp_reply_header(req, "X-Test", "one"), PP_OK);
	assert_int_equal(pp_reply_header(req, "X-Bad", "two\r\nInjected: yes"), PP_ERR_INTERNAL);
	assert_int_equal(pp_reply_header(req, "Bad Name", "x"), PP_ERR_INTERNAL);
	assert_int_equal(pp_reply_cookie(req, "c", "a;b", 1), PP_ERR_INTERNAL);
	assert_int_equal(pp_reply_redirect(req, 200, "/x"), PP_ERR_INTERNAL);
	assert_int_equal(pp_reply_redirect(req, 303, "/x\ny"), PP_ERR_INTERNAL);
	return pp_fail(req, PP_ERR_FORBIDDEN, "No.");
}

static const struct pp_route routes[] = {
	{PP_POST, "/json", h_echo, PP_BODY_JSON, json_fields, NF(json_fields)},
	{PP_POST, "/form", h_echo, PP_BODY_FORM, form_fields, NF(form_fields)},
	{PP_GET, "/get", h_echo, PP_BODY_NONE, get_fields, NF(get_fields)},
	{PP_GET | PP_POST, "/both", h_echo, PP_BODY_FORM, NULL, 0},
	{PP_POST, "/nobody", h_echo, PP_BODY_NONE, NULL, 0},
	{PP_GET, "/forbidden", h_forbidden, PP_BODY_NONE, NULL, 0},
	{PP_GET, "/silent", h_silent, PP_BODY_NONE, NULL, 0},
	{PP_GET | PP_POST, "/many", h_echo, PP_BODY_FORM, many_fields, NF(many_fields)},
	{PP_GET | PP_DELETE, "/things/{id}", h_param, PP_BODY_NONE, NULL, 0},
	{PP_PATCH, "/things/{id}", h_param, PP_BODY_JSON, json_fields, NF(json_fields)},
	{PP_POST, "/things/{id}/revoke", h_param, PP_BODY_JSON, NULL, 0},
	{PP_GET, "/things/all", h_echo, PP_BODY_NONE, NULL, 0},
	{PP_POST, "/either", h_echo, PP_BODY_JSON_FORM, form_fields, NF(form_fields)},
	{PP_GET | PP_POST, "/browser", h_browser, PP_BODY_FORM, csrf_fields, NF(csrf_fields)},
	{PP_GET, "/header-fail", h_header_then_fail, PP_BODY_NONE, NULL, 0},
};

static const struct pp_app app_optional = {
	"test", PP_OUT_JSON, PP_CERT_OPTIONAL, 0, routes, NF(routes), NULL, NULL, NULL, NULL, NULL,
};

static const struct pp_app app_required = {
	"test", PP_OUT_JSON, PP_CERT_REQUIRED, 0, routes, NF(routes), NULL, NULL, NULL, NULL, NULL,
};

/* The pre hook: counts, refuses with X-Refuse, answers 429 itself with
 * X-Limit (before the body is read: a bad one never matters). */
static int pre_calls;

static enum pp_err
pre_hook(struct pp_req *req)
{
	pre_calls++;
	if (pp_req_param(req, "HTTP_X_REFUSE"))
		return pp_fail(req, PP_ERR_FORBIDDEN, "Refused early.");
	if (pp_req_param(req, "HTTP_X_LIMIT")) {
		json_object *o = json_object_new_object();
		if (o == NULL || pp_json_add_str(o, "error", "slow_down") != PP_OK ||
		    pp_reply_header(req, "Retry-After", "60") != PP_OK) {
			json_object_put(o);
			return PP_ERR_NOMEM;
		}
		return pp_reply_json(req, 429, o);
	}
	return PP_OK;
}

static const struct pp_app app_pre = {
	"test", PP_OUT_JSON, PP_CERT_OPTIONAL, 0, routes, NF(routes), NULL, NULL, pre_hook, NULL, NULL,
};

static struct pp_ctx ctx;

#define MAX_BODY 1024
#define MAX_PARAMS 24
#define MAX_HEADER 4096
#define MAX_FIELDS 8
#define MAX_DEPTH 4

/* ------------------------------------------------------------------ certificates */

static char tmpdir[256];
static char *cert_good, *cert_sibling, *cert_expired;	/* URL-escaped PEM */

static EVP_PKEY *
gen_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	return k;
}

static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int ca, long from, long to)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509V3_CTX v3;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), from));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), to));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	X509_NAME *name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	assert_non_null(ex);
	assert_int_equal(X509_add_ext(x, ex, -1), 1);
	X509_EXTENSION_free(ex);
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static char *
pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s;
	long n;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_X509(b, x), 1);
	n = BIO_get_mem_data(b, &p);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

/* Like nginx's $ssl_client_escaped_cert: all but unreserved bytes escaped. */
static char *
url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

static char *
escaped_pem(X509 *x)
{
	char *pem = pem_of(x), *e = url_escape(pem);
	free(pem);
	return e;
}

static void
make_pki(void)
{
	EVP_PKEY *ca_key = gen_key(), *sib_key = gen_key(), *cl_key = gen_key();
	X509 *ca = make_cert(ca_key, "Test Issuing CA", NULL, NULL, 1, -3600, 86400);
	X509 *sib = make_cert(sib_key, "Sibling CA", NULL, NULL, 1, -3600, 86400);
	X509 *good = make_cert(cl_key, "Notaire Zo\xc3\xa9", ca, ca_key, 0, -3600, 86400);
	X509 *other = make_cert(cl_key, "Intruder", sib, sib_key, 0, -3600, 86400);
	X509 *old = make_cert(cl_key, "Expired", ca, ca_key, 0, -7200, -3600);
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, ca), 1);
	fclose(f);
	assert_int_equal(pp_cert_issuers_load(path, &ctx.issuers), PP_OK);
	cert_good = escaped_pem(good);
	cert_sibling = escaped_pem(other);
	cert_expired = escaped_pem(old);
	X509_free(ca);
	X509_free(sib);
	X509_free(good);
	X509_free(other);
	X509_free(old);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(sib_key);
	EVP_PKEY_free(cl_key);
}

/* ------------------------------------------------------------------ driving requests */

struct src {
	const char *p;
	size_t len, pos;
	int calls;
	size_t chunk;	/* 0: as much as asked */
};

static int
src_read(void *arg, char *buf, int n)
{
	struct src *s = arg;
	size_t k = s->len - s->pos;

	s->calls++;
	if (n <= 0)
		return -1;
	if (k > (size_t)n)
		k = (size_t)n;
	if (s->chunk && k > s->chunk)
		k = s->chunk;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	return (int)k;
}

struct env {
	char *v[256];
	int n;
};

static struct env env;
static struct src src;
static struct pp_pool *pool;
static struct pp_req *req;
static json_object *resp;

static void
env_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
env_add(const char *fmt, ...)
{
	char buf[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(env.n < 255);
	env.v[env.n] = strdup(buf);
	assert_non_null(env.v[env.n]);
	env.n++;
	env.v[env.n] = NULL;
}

static void
reset(void)
{
	for (int i = 0; i < env.n; i++)
		free(env.v[i]);
	env.n = 0;
	env.v[0] = NULL;
	json_object_put(resp);
	resp = NULL;
	pp_pool_free(pool);
	pool = NULL;
	req = NULL;
	memset(&src, 0, sizeof(src));
	handler_calls = 0;
	handler_lang = NULL;
	handler_cert = -1;
}

/* Starts a request: method and path (plus query, content type). */
static void
start(const char *method, const char *uri, const char *query, const char *ctype)
{
	reset();
	if (method)
		env_add("REQUEST_METHOD=%s", method);
	if (uri)
		env_add("DOCUMENT_URI=%s", uri);
	if (query)
		env_add("QUERY_STRING=%s", query);
	if (ctype)
		env_add("CONTENT_TYPE=%s", ctype);
	env_add("REMOTE_ADDR=192.0.2.1");
}

/* Runs the request built so far with body (and its exact Content-Length
 * unless clen is given; "-" for none). */
static struct pp_req *
run(const char *body, size_t bodylen, const char *clen)
{
	if (clen == NULL)
		env_add("CONTENT_LENGTH=%zu", bodylen);
	else if (strcmp(clen, "-") != 0)
		env_add("CONTENT_LENGTH=%s", clen);
	src.p = body ? body : "";
	src.len = body ? bodylen : 0;
	struct pp_http_in in = { env.v, src_read, &src };
	assert_int_equal(pp_pool_new(&pool), PP_OK);
	assert_int_equal(pp_http_handle(&ctx, &in, pool, &req), PP_OK);
	assert_non_null(req);
	assert_non_null(req->body);
	assert_non_null(req->content_type);
	if (strncmp(req->content_type, "application/json", 16) == 0 && req->body_len > 0) {
		char *copy = strndup(req->body, req->body_len);
		resp = json_tokener_parse(copy);
		free(copy);
		assert_non_null(resp);
	}
	return req;
}

static struct pp_req *
post_json(const char *uri, const char *body)
{
	start("POST", uri, NULL, "application/json");
	return run(body, strlen(body), NULL);
}

static struct pp_req *
post_form(const char *uri, const char *body)
{
	start("POST", uri, NULL, "application/x-www-form-urlencoded");
	return run(body, strlen(body), NULL);
}

static struct pp_req *
get(const char *uri, const char *query)
{
	start("GET", uri, query, NULL);
	return run(NULL, 0, "-");
}

static const char *
resp_str(const char *key)
{
	const char *s = pp_json_get_str(resp, key);
	if (s == NULL)
		fail_msg("response has no string '%s': %.*s", key, (int)req->body_len, req->body);
	return s;
}

static int64_t
resp_int(const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(resp, key, &v) || !json_object_is_type(v, json_type_int))
		fail_msg("response has no integer '%s': %.*s", key, (int)req->body_len, req->body);
	return json_object_get_int64(v);
}

static void
expect_ok(void)
{
	if (req->status != 200)
		fail_msg("status %d, want 200: %.*s", req->status, (int)req->body_len, req->body);
	assert_string_equal(req->content_type, "application/json");
	assert_int_equal(handler_calls, 1);
}

/* The error response: status, "error" code, a substring of the description. */
static void
expect_err(int status, const char *code, const char *needle)
{
	if (req->status != status)
		fail_msg("status %d, want %d: %.*s", req->status, status, (int)req->body_len, req->body);
	assert_string_equal(req->content_type, "application/json");
	assert_non_null(resp);
	assert_string_equal(resp_str("error"), code);
	const char *d = resp_str("error_description");
	if (needle && strstr(d, needle) == NULL)
		fail_msg("description '%s' lacks '%s'", d, needle);
	assert_int_equal(handler_calls, 0);
}

/* ------------------------------------------------------------------ fixtures */

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp_http_XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.app = &app_optional;
	ctx.limits.max_body = MAX_BODY;
	ctx.limits.max_header = MAX_HEADER;
	ctx.limits.max_params = MAX_PARAMS;
	ctx.limits.max_fields = MAX_FIELDS;
	ctx.limits.max_json_depth = MAX_DEPTH;
	ctx.lang_default = "en";
	ctx.html = NULL;
	if (pp_store_open_with(&pp_store_sqlite_ops, ":memory:", 1000, NULL, 0, &ctx.store) != PP_OK)
		return -1;
	make_pki();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	reset();
	pp_store_close(ctx.store);
	pp_cert_issuers_free(ctx.issuers);
	free(cert_good);
	free(cert_sibling);
	free(cert_expired);
	return pp_test_rmtree(tmpdir) == 0 ? 0 : -1;
}

static int
setup(void **state)
{
	(void)state;
	ctx.app = &app_optional;
	ctx.lang_default = "en";
	return 0;
}

/* stderr while it is sent to /dev/null (restored by teardown, so that a
 * failure message is never lost). */
static int saved_stderr = -1;

static void
quiet_stderr(void)
{
	int null = open("/dev/null", O_WRONLY);

	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0 && null >= 0);
	dup2(null, 2);
	close(null);
}

static void
restore_stderr(void)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
}

static int
teardown(void **state)
{
	(void)state;
	restore_stderr();
	pp_mem_fail_after(-1);
	reset();
	return 0;
}

/* ------------------------------------------------------------------ routing */

static void
test_route_lookup(void **state)
{
	const struct pp_route *r = NULL;
	const char *allow = NULL;
	(void)state;

	assert_int_equal(pp_http_route(&app_optional, "/json", PP_POST, &r, &allow), PP_OK);
	assert_ptr_equal(r, &routes[0]);
	assert_int_equal(pp_http_route(&app_optional, "/get", PP_HEAD, &r, &allow), PP_OK);
	assert_ptr_equal(r, &routes[2]);
	assert_int_equal(pp_http_route(&app_optional, "/json", PP_GET, &r, &allow), PP_ERR_METHOD);
	assert_string_equal(allow, "POST");
	assert_int_equal(pp_http_route(&app_optional, "/get", PP_POST, &r, &allow), PP_ERR_METHOD);
	assert_string_equal(allow, "GET, HEAD");
	assert_int_equal(pp_http_route(&app_optional, "/nope", PP_GET, &r, &allow), PP_ERR_NOT_FOUND);
	/* Exact match only. */
	assert_int_equal(pp_http_route(&app_optional, "/json/", PP_POST, &r, NULL), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_http_route(&app_optional, "/JSON", PP_POST, &r, NULL), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_http_route(&app_optional, "/jso", PP_POST, &r, NULL), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_http_route(&app_optional, "/get", PP_POST, &r, NULL), PP_ERR_METHOD);
}

static void
test_not_found(void **state)
{
	(void)state;
	get("/nope", NULL);
	expect_err(404, "not_found", NULL);
	get("/json/", NULL);
	expect_err(404, "not_found", NULL);
	get("relative", NULL);
	expect_err(404, "not_found", NULL);
	start("GET", NULL, NULL, NULL);
	run(NULL, 0, "-");
	expect_err(404, "not_found", NULL);
	char longpath[1100];
	longpath[0] = '/';
	memset(longpath + 1, 'a', sizeof(longpath) - 2);
	longpath[sizeof(longpath) - 1] = '\0';
	get(longpath, NULL);
	expect_err(404, "not_found", NULL);
}

static void
test_method_not_allowed(void **state)
{
	const char *bytes;
	size_t len;
	(void)state;

	get("/json", NULL);
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "POST");
	assert_int_equal(pp_http_format(req, &bytes, &len), PP_OK);
	assert_non_null(strstr(bytes, "\r\nAllow: POST\r\n"));

	post_form("/get", "q=a");
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "GET, HEAD");
	assert_int_equal(src.calls, 0);

	/* A method the framework does not know: the path's own methods, or
	 * every method it knows where there is no route. */
	start("PUT", "/json", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "POST");
	start("PUT", "/nope", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "GET, HEAD, POST");
	start("PUT", "/things/x", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "GET, HEAD, PATCH, DELETE");
	/* A known method the route does not take: its own methods. */
	start("DELETE", "/json", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "POST");
	/* Method names are case-sensitive. */
	start("get", "/get", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
	start(NULL, "/get", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
}

/* "{id}" routes: one bounded segment of token characters, exact routes
 * first, PATCH with a JSON body, DELETE without one, 204 without a body. */
static void
test_path_params(void **state)
{
	const char *p, *bytes;
	size_t n, len;
	char longid[80];
	(void)state;

	assert_true(pp_http_path_match("/a/{id}", "/a/x-1.Y_~", &p, &n));
	assert_int_equal(n, 7);
	assert_memory_equal(p, "x-1.Y_~", 7);
	assert_true(pp_http_path_match("/a/{id}/b", "/a/42/b", &p, &n));
	assert_int_equal(n, 2);
	assert_true(pp_http_path_match("/a", "/a", &p, &n));
	assert_null(p);
	static const char *const no[] = {"/a/", "/a//b", "/a/x/y", "/a/x/", "/a/x%41", "/a/.", "/a/..",
	    "/a/x y", "/a/x\x01", "/ab", "/b/x", "/a/{id}z"};
	for (size_t i = 0; i < NF(no); i++)
		if (pp_http_path_match("/a/{id}", no[i], &p, &n))
			fail_msg("'%s' matched /a/{id}", no[i]);
	assert_false(pp_http_path_match("/a/{id}/b", "/a/x/c", &p, &n));
	assert_false(pp_http_path_match("/a/{id}/b", "/a//b", &p, &n));
	/* A pattern whose "{id}" is not a whole segment never matches. */
	assert_false(pp_http_path_match("/a{id}", "/ax", &p, &n));
	assert_false(pp_http_path_match("/a/{id}b", "/a/xb", &p, &n));
	memset(longid, 'a', 64);
	longid[64] = '\0';
	char path[96];
	snprintf(path, sizeof(path), "/a/%s", longid);
	assert_true(pp_http_path_match("/a/{id}", path, &p, &n));
	snprintf(path, sizeof(path), "/a/%sa", longid);
	assert_false(pp_http_path_match("/a/{id}", path, &p, &n));

	get("/things/t-1", NULL);
	expect_ok();
	assert_string_equal(resp_str("id"), "t-1");
	assert_string_equal(resp_str("method"), "GET");
	get(path, NULL);	/* "/a/..." has no route */
	expect_err(404, "not_found", NULL);
	snprintf(path, sizeof(path), "/things/%sa", longid);
	get(path, NULL);
	expect_err(404, "not_found", NULL);
	get("/things/a%2Fb", NULL);
	expect_err(404, "not_found", NULL);
	/* The exact route wins over the pattern. */
	get("/things/all", NULL);
	expect_ok();
	assert_null(pp_json_get_str(resp, "id"));

	start("PATCH", "/things/t-2", NULL, "application/json");
	run("{\"name\":\"n\"}", 12, NULL);
	expect_ok();
	assert_string_equal(resp_str("method"), "PATCH");
	assert_string_equal(resp_str("name"), "n");
	start("PATCH", "/things/t-2", NULL, "application/json");
	run("{\"nope\":1}", 10, NULL);
	expect_err(400, "invalid_request", "Unknown field 'nope'");
	start("PATCH", "/things/t-2", "name=n", "application/json");
	run("{}", 2, NULL);
	expect_err(400, "invalid_request", "PATCH request takes its fields in the body");

	start("DELETE", "/things/t-3", NULL, NULL);
	run(NULL, 0, "-");
	assert_int_equal(req->status, 204);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(pp_http_format(req, &bytes, &len), PP_OK);
	assert_string_equal(bytes, "Status: 204 No Content\r\nCache-Control: no-store\r\n\r\n");
	start("DELETE", "/things/t-3", NULL, "application/json");
	run("{}", 2, NULL);
	expect_err(400, "invalid_request", "A DELETE request has no body");

	post_json("/things/t-4/revoke", "{}");
	expect_ok();
	assert_string_equal(resp_str("id"), "t-4");
	start("POST", "/things/t-4/revoke", NULL, "application/json");
	run(NULL, 0, NULL);
	expect_ok();
	/* Methods of every route of the path, in a fixed order. */
	post_json("/things/t-5", "{}");
	expect_err(405, "method_not_allowed", NULL);
	assert_string_equal(req->allow, "GET, HEAD, PATCH, DELETE");
	start("PATCH", "/healthz", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
}

static void
test_get_and_head(void **state)
{
	const char *bytes;
	size_t len;
	(void)state;

	get("/get", "q=hi&n=3");
	expect_ok();
	assert_string_equal(resp_str("q"), "hi");
	assert_int_equal(resp_int("n"), 3);
	get("/get", NULL);
	expect_ok();
	get("/get", "");
	expect_ok();

	/* HEAD follows GET: the handler runs, the body is not sent. */
	start("HEAD", "/get", "q=hi", NULL);
	run(NULL, 0, "-");
	assert_int_equal(req->status, 200);
	assert_int_equal(handler_calls, 1);
	assert_int_equal(req->body_len, 0);
	assert_int_equal(req->method, PP_HEAD);
	assert_int_equal(pp_http_format(req, &bytes, &len), PP_OK);
	assert_int_equal(strncmp(bytes, "Status: 200 OK\r\n", 16), 0);
	assert_int_equal(strcmp(bytes + len - 4, "\r\n\r\n"), 0);
	/* HEAD of a POST-only route is refused like GET. */
	start("HEAD", "/json", NULL, NULL);
	run(NULL, 0, "-");
	assert_int_equal(req->status, 405);
	assert_int_equal(req->body_len, 0);

	/* A route with both methods. */
	get("/both", NULL);
	expect_ok();
	post_form("/both", "");
	expect_ok();
}

static void
test_healthz(void **state)
{
	json_object *checks, *v;
	(void)state;

	get("/healthz", NULL);
	assert_int_equal(req->status, 200);
	assert_string_equal(req->content_type, "application/json");
	assert_string_equal(resp_str("status"), "ok");
	assert_string_equal(resp_str("component"), "test");
	assert_true(json_object_object_get_ex(resp, "checks", &checks));
	assert_true(json_object_object_get_ex(checks, "database", &v));
	assert_string_equal(json_object_get_string(v), "ok");
	/* HEAD too. */
	start("HEAD", "/healthz", NULL, NULL);
	run(NULL, 0, "-");
	assert_int_equal(req->status, 200);
	assert_int_equal(req->body_len, 0);
}

/* /healthz is a built-in GET route (docs/ARCHITECTURE.md, step 3: route by
 * exact path, then method of the route -> 405), so POST is 405, not 404. */
static void
test_healthz_post(void **state)
{
	(void)state;
	start("POST", "/healthz", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(405, "method_not_allowed", NULL);
	assert_non_null(req->allow);
	assert_string_equal(req->allow, "GET, HEAD");
}

/* ------------------------------------------------------------------ fields */

static void
test_json_valid(void **state)
{
	json_object *extra, *v;
	(void)state;

	post_json("/json", "{\"name\":\"Zo\\u00e9 \xe2\x82\xac\",\"code\":\"aZ09._~-\",\"count\":100,"
	    "\"flag\":false,\"mode\":\"slow\",\"extra\":{\"a\":[1,2,{\"b\":null}]}}");
	expect_ok();
	assert_string_equal(resp_str("name"), "Zo\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(resp_str("code"), "aZ09._~-");
	assert_int_equal(resp_int("count"), 100);
	assert_true(json_object_object_get_ex(resp, "flag", &v));
	assert_true(json_object_is_type(v, json_type_boolean));
	assert_false(json_object_get_boolean(v));
	assert_string_equal(resp_str("mode"), "slow");
	assert_true(json_object_object_get_ex(resp, "extra", &extra));
	assert_true(json_object_object_get_ex(extra, "a", &v));
	assert_int_equal(json_object_array_length(v), 3);

	/* Only the required field. */
	post_json("/json", "{\"name\":\"\"}");
	expect_ok();
	assert_string_equal(resp_str("name"), "");
	/* Any JSON value in a JSON field. */
	post_json("/json", "{\"name\":\"x\",\"extra\":null}");
	expect_ok();
	post_json("/json", "{\"name\":\"x\",\"extra\":\"s\",\"count\":1,\"flag\":true}");
	expect_ok();
	/* The whole int64 range where declared. */
	post_json("/json", "{\"name\":\"x\",\"big\":-9223372036854775808}");
	expect_ok();
	assert_int_equal(resp_int("big"), INT64_MIN);
	post_json("/json", "{\"name\":\"x\",\"big\":9223372036854775807}");
	expect_ok();
	assert_int_equal(resp_int("big"), INT64_MAX);
}

static void
test_form_valid(void **state)
{
	json_object *v;
	(void)state;

	post_form("/form", "name=Zo%C3%A9+x%2B&count=0&flag=true&code=a-b");
	expect_ok();
	assert_string_equal(resp_str("name"), "Zo\xc3\xa9 x+");
	assert_int_equal(resp_int("count"), 0);
	assert_true(json_object_object_get_ex(resp, "flag", &v));
	assert_true(json_object_get_boolean(v));
	assert_string_equal(resp_str("code"), "a-b");
	/* Empty items are skipped; a percent-encoded name is a name. */
	post_form("/form", "&&na%6De=x&&");
	expect_ok();
	assert_string_equal(resp_str("name"), "x");
	/* A name without '=' has the empty value. */
	post_form("/form", "name");
	expect_ok();
	assert_string_equal(resp_str("name"), "");
}

/* PP_BODY_JSON_FORM: a form or a JSON object, by Content-Type; anything
 * else is refused before the body is read. */
static void
test_json_or_form(void **state)
{
	(void)state;
	post_form("/either", "name=a%20b&count=2");
	expect_ok();
	assert_string_equal(resp_str("name"), "a b");
	assert_int_equal(resp_int("count"), 2);
	post_json("/either", "{\"name\":\"c\",\"count\":3}");
	expect_ok();
	assert_string_equal(resp_str("name"), "c");
	assert_int_equal(resp_int("count"), 3);
	start("POST", "/either", NULL, "text/plain");
	run("name=x", 6, NULL);
	expect_err(415, "invalid_request", "x-www-form-urlencoded or application/json");
	/* A JSON body under a form type is a form (and not a valid one). */
	post_form("/either", "{\"name\":\"c\"}");
	assert_int_equal(req->status, 400);
}

static void
test_unknown_field(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":\"x\",\"bogus\":1}");
	expect_err(400, "invalid_request", "'bogus'");
	post_form("/form", "name=x&bogus=1");
	expect_err(400, "invalid_request", "'bogus'");
	get("/get", "q=a&zzz=1");
	expect_err(400, "invalid_request", "'zzz'");
	/* Fields of another route are unknown here. */
	get("/get", "name=x");
	expect_err(400, "invalid_request", "'name'");
	/* Unsafe names are not echoed. */
	post_form("/form", "name=x&%3Cscript%3E%0A=1");
	expect_err(400, "invalid_request", "Unknown field '?'");
	assert_null(strstr(resp_str("error_description"), "\n"));
	post_json("/json", "{\"name\":\"x\",\"a b\":1}");
	expect_err(400, "invalid_request", "'?'");
	/* Case matters. */
	post_json("/json", "{\"Name\":\"x\"}");
	expect_err(400, "invalid_request", "'Name'");
}

/* A member name is the whole JSON string: "name\u0000x" is not "name". */
static void
test_unknown_field_embedded_nul(void **state)
{
	(void)state;
	post_json("/json", "{\"name\\u0000x\":\"b\"}");
	expect_err(400, "invalid_request", NULL);
}

static void
test_duplicate_field(void **state)
{
	(void)state;
	post_form("/form", "name=a&name=b");
	expect_err(400, "invalid_request", "given twice");
	post_form("/form", "name=a&count=1&na%6de=a");
	expect_err(400, "invalid_request", "'name'");
	get("/get", "n=1&n=1");
	expect_err(400, "invalid_request", "'n'");
	post_json("/json", "{\"name\":\"a\",\"name\":\"b\"}");
	expect_err(400, "invalid_request", "more than once");
	post_json("/json", "{\"name\":\"a\",\"\\u006eame\":\"a\"}");
	expect_err(400, "invalid_request", NULL);
}

static void
test_oversized_field(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":\"0123456789abcdef\"}");
	expect_ok();
	post_json("/json", "{\"name\":\"0123456789abcdefg\"}");
	expect_err(400, "invalid_request", "'name' is limited to 16 bytes");
	/* Bytes, not characters: 8 x U+00E9 fit, 9 do not. */
	post_json("/json", "{\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}");
	expect_ok();
	post_json("/json", "{\"name\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}");
	expect_err(400, "invalid_request", "limited to 16 bytes");
	/* After decoding: 16 escaped bytes fit in a form. */
	post_form("/form", "name=%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41");
	expect_ok();
	post_form("/form", "name=%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41");
	expect_err(400, "invalid_request", "limited to 16 bytes");
	get("/get", "q=123456789");
	expect_err(400, "invalid_request", "'q'");
}

static void
test_missing_required(void **state)
{
	(void)state;
	post_json("/json", "{}");
	expect_err(400, "invalid_request", "'name' is required");
	post_json("/json", "{\"count\":5}");
	expect_err(400, "invalid_request", "'name' is required");
	post_form("/form", "count=1");
	expect_err(400, "invalid_request", "'name' is required");
	post_form("/form", "");
	expect_err(400, "invalid_request", "'name' is required");
	/* No body at all on a JSON route. */
	start("POST", "/json", NULL, NULL);
	run(NULL, 0, "-");
	expect_err(400, "invalid_request", "'name' is required");
}

static void
test_int_field(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":\"x\",\"count\":0}");
	expect_err(400, "invalid_request", "'count' must be an integer from 1 to 100");
	post_json("/json", "{\"name\":\"x\",\"count\":101}");
	expect_err(400, "invalid_request", "from 1 to 100");
	post_json("/json", "{\"name\":\"x\",\"count\":-1}");
	expect_err(400, "invalid_request", "from 1 to 100");
	post_json("/json", "{\"name\":\"x\",\"count\":99999999999999999999}");
	expect_err(400, "invalid_request", NULL);
	post_form("/form", "name=x&count=11");
	expect_err(400, "invalid_request", "'count' must be an integer from 0 to 10");
	post_form("/form", "name=x&count=-0");
	expect_err(400, "invalid_request", "'count'");
	post_form("/form", "name=x&count=05");
	expect_err(400, "invalid_request", "'count'");
	post_form("/form", "name=x&count=+5");
	expect_err(400, "invalid_request", "'count'");
	post_form("/form", "name=x&count=");
	expect_err(400, "invalid_request", "'count'");
	post_form("/form", "name=x&count=5%20");
	expect_err(400, "invalid_request", "'count'");
	get("/get", "n=6");
	expect_err(400, "invalid_request", "from 0 to 5");
}

/* An integer outside int64 is refused, not clamped to INT64_MAX/MIN. */
static void
test_int_field_overflow(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":\"x\",\"big\":9223372036854775808}");
	expect_err(400, "invalid_request", "'big'");
	post_json("/json", "{\"name\":\"x\",\"big\":-9223372036854775809}");
	expect_err(400, "invalid_request", "'big'");
	post_json("/json", "{\"name\":\"x\",\"big\":18446744073709551616}");
	expect_err(400, "invalid_request", "'big'");
}

static void
test_wrong_json_type(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":5}");
	expect_err(400, "invalid_request", "'name' must be a string");
	post_json("/json", "{\"name\":null}");
	expect_err(400, "invalid_request", "must be a string");
	post_json("/json", "{\"name\":[\"x\"]}");
	expect_err(400, "invalid_request", "must be a string");
	post_json("/json", "{\"name\":\"x\",\"count\":\"5\"}");
	expect_err(400, "invalid_request", "'count' must be an integer");
	post_json("/json", "{\"name\":\"x\",\"count\":5.0}");
	expect_err(400, "invalid_request", "'count' must be an integer");
	post_json("/json", "{\"name\":\"x\",\"count\":true}");
	expect_err(400, "invalid_request", "'count' must be an integer");
	post_json("/json", "{\"name\":\"x\",\"flag\":\"true\"}");
	expect_err(400, "invalid_request", "'flag' must be true or false");
	post_json("/json", "{\"name\":\"x\",\"flag\":1}");
	expect_err(400, "invalid_request", "'flag' must be true or false");
	post_json("/json", "{\"name\":\"x\",\"mode\":1}");
	expect_err(400, "invalid_request", "'mode' must be a string");
	post_json("/json", "{\"name\":\"x\",\"code\":{}}");
	expect_err(400, "invalid_request", "'code' must be a string");
	/* Form values are checked as text. */
	post_form("/form", "name=x&flag=1");
	expect_err(400, "invalid_request", "'flag'");
	post_form("/form", "name=x&flag=TRUE");
	expect_err(400, "invalid_request", "'flag'");
	/* A JSON field cannot come from a form. */
	post_form("/form", "name=x&extra=%7B%7D");
	expect_err(400, "invalid_request", "'extra' must be sent in a JSON body");
}

static void
test_enum_token_string(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":\"x\",\"mode\":\"medium\"}");
	expect_err(400, "invalid_request", "'mode' has an invalid value");
	post_json("/json", "{\"name\":\"x\",\"mode\":\"FAST\"}");
	expect_err(400, "invalid_request", "'mode'");
	post_json("/json", "{\"name\":\"x\",\"mode\":\"fas\"}");
	expect_err(400, "invalid_request", "'mode'");
	post_json("/json", "{\"name\":\"x\",\"mode\":\"fast \"}");
	expect_err(400, "invalid_request", "'mode'");
	post_json("/json", "{\"name\":\"x\",\"mode\":\"fast\\u0000\"}");
	expect_err(400, "invalid_request", "'mode'");
	post_json("/json", "{\"name\":\"x\",\"mode\":\"\"}");
	expect_err(400, "invalid_request", "'mode'");
	post_json("/json", "{\"name\":\"x\",\"mode\":\"fast\"}");
	expect_ok();
	/* Tokens. */
	post_json("/json", "{\"name\":\"x\",\"code\":\"a b\"}");
	expect_err(400, "invalid_request", "'code' has an invalid value");
	post_json("/json", "{\"name\":\"x\",\"code\":\"\"}");
	expect_err(400, "invalid_request", "'code'");
	post_json("/json", "{\"name\":\"x\",\"code\":\"a/b\"}");
	expect_err(400, "invalid_request", "'code'");
	post_json("/json", "{\"name\":\"x\",\"code\":\"\\u00e9\"}");
	expect_err(400, "invalid_request", "'code'");
	/* Strings: no control characters, no NUL. */
	post_json("/json", "{\"name\":\"a\\nb\"}");
	expect_err(400, "invalid_request", "'name' has an invalid value");
	post_json("/json", "{\"name\":\"a\\u0000b\"}");
	expect_err(400, "invalid_request", "'name'");
	post_json("/json", "{\"name\":\"a\\u007fb\"}");
	expect_err(400, "invalid_request", "'name'");
	post_form("/form", "name=a%00b");
	expect_err(400, "invalid_request", "'name'");
	post_form("/form", "name=a%0D%0Ab");
	expect_err(400, "invalid_request", "'name'");
	post_form("/form", "name=%C3");
	expect_err(400, "invalid_request", "'name'");
	post_form("/form", "name=%zz");
	expect_err(400, "invalid_request", "percent-encoding");
	post_form("/form", "name=a%2");
	expect_err(400, "invalid_request", "percent-encoding");
}

static void
test_too_many_fields(void **state)
{
	char body[512];
	size_t p;
	(void)state;

	/* MAX_FIELDS items: fine; one more: refused. */
	for (int extra = 0; extra <= 1; extra++) {
		p = 0;
		for (int i = 0; i < MAX_FIELDS + extra; i++)
			p += (size_t)snprintf(body + p, sizeof(body) - p, "%sf%d=%d", i ? "&" : "", i, i);
		post_form("/many", body);
		if (extra)
			expect_err(400, "invalid_request", "too many fields");
		else
			expect_ok();
		get("/many", body);
		if (extra)
			expect_err(400, "invalid_request", "too many fields");
		else
			expect_ok();
	}
	/* Empty items do not count. */
	post_form("/many", "f0=1&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&f1=1");
	expect_ok();
	/* JSON: members count at every level ("name" + "extra" + 6 = 8). */
	for (int extra = 0; extra <= 1; extra++) {
		p = (size_t)snprintf(body, sizeof(body), "{\"name\":\"x\",\"extra\":{");
		for (int i = 0; i < MAX_FIELDS - 2 + extra; i++)
			p += (size_t)snprintf(body + p, sizeof(body) - p, "%s\"k%d\":1", i ? "," : "", i);
		snprintf(body + p, sizeof(body) - p, "}}");
		post_json("/json", body);
		if (extra)
			expect_err(400, "invalid_request", "too many fields");
		else
			expect_ok();
	}
}

static void
test_bad_json_body(void **state)
{
	(void)state;
	post_json("/json", "{\"name\":\"x\"");
	expect_err(400, "invalid_request", "not a well-formed JSON object");
	post_json("/json", "[\"name\"]");
	expect_err(400, "invalid_request", "not a well-formed JSON object");
	post_json("/json", "{\"name\":\"x\",\"extra\":[[[[1]]]]}");
	expect_err(400, "invalid_request", "nested too deeply");
	post_json("/json", "{\"name\":\"x\",\"extra\":[[[1]]]}");
	expect_ok();
	post_json("/json", "{\"name\":\"\xc3\"}");
	expect_err(400, "invalid_request", "not a well-formed JSON object");
}

/* ------------------------------------------------------------------ body framing */

static void
test_body_too_large(void **state)
{
	char big[MAX_BODY + 2];
	(void)state;

	memset(big, 'a', sizeof(big));
	start("POST", "/json", NULL, "application/json");
	run(big, sizeof(big), "1025");
	expect_err(413, "request_too_large", "1024");
	assert_int_equal(src.calls, 0);
	/* Even when the body that follows is small. */
	start("POST", "/json", NULL, "application/json");
	run("{}", 2, "1000000");
	expect_err(413, "request_too_large", NULL);
	assert_int_equal(src.calls, 0);
	start("POST", "/form", NULL, "application/x-www-form-urlencoded");
	run("", 0, "9223372036854775807");
	expect_err(413, "request_too_large", NULL);
	assert_int_equal(src.calls, 0);
	/* Exactly the limit is fine. */
	char body[MAX_BODY + 1];
	memset(body, ' ', MAX_BODY);
	memcpy(body, "{\"name\":\"x\"}", 12);
	body[MAX_BODY] = '\0';
	post_json("/json", body);
	expect_ok();
}

static void
test_bad_content_length(void **state)
{
	static const char *const bad[] = {
		"12a", "-1", "+12", " 12", "12 ", "012", "0x10", "1e3", "-0",
		"99999999999999999999", "12,0",
	};
	(void)state;

	for (size_t i = 0; i < NF(bad); i++) {
		start("POST", "/json", NULL, "application/json");
		run("{\"name\":\"x\"}", 12, bad[i]);
		if (req->status != 400)
			fail_msg("Content-Length '%s' gave %d", bad[i], req->status);
		expect_err(400, "invalid_request", "Content-Length");
		assert_int_equal(src.calls, 0);
	}
	/* An empty CONTENT_LENGTH is no body. */
	start("POST", "/json", NULL, "application/json");
	run(NULL, 0, "");
	expect_err(400, "invalid_request", "'name' is required");
}

static void
test_short_and_trailing_body(void **state)
{
	(void)state;
	/* Shorter than announced. */
	start("POST", "/json", NULL, "application/json");
	run("{\"name\":\"x\"}", 12, "20");
	expect_err(400, "invalid_request", "shorter than its Content-Length");
	/* Longer than announced. */
	start("POST", "/json", NULL, "application/json");
	run("{\"name\":\"x\"}   xyz", 18, "12");
	expect_err(400, "invalid_request", "after the end of the body");
	start("POST", "/form", NULL, "application/x-www-form-urlencoded");
	run("name=x&name=y", 13, "6");
	expect_err(400, "invalid_request", "after the end of the body");
	/* No Content-Length but a body. */
	start("POST", "/form", NULL, "application/x-www-form-urlencoded");
	run("name=x", 6, "-");
	expect_err(400, "invalid_request", "after the end of the body");
	/* A body arriving one byte at a time is read whole. */
	start("POST", "/json", NULL, "application/json");
	src.chunk = 1;
	run("{\"name\":\"slow\"}", 15, NULL);
	expect_ok();
	assert_string_equal(resp_str("name"), "slow");
	assert_true(src.calls >= 16);
}

static void
test_content_type(void **state)
{
	static const char *const good_json[] = {
		"application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
		"APPLICATION/JSON", "application/json; charset=\"utf-8\"",
	};
	static const char *const bad_json[] = {
		"text/plain", "application/jsonp", "application/json; charset=latin1",
		"application/x-www-form-urlencoded", "application/json-patch+json", "", "application/json;",
		"multipart/form-data; boundary=x",
	};
	(void)state;

	for (size_t i = 0; i < NF(good_json); i++) {
		start("POST", "/json", NULL, good_json[i]);
		run("{\"name\":\"x\"}", 12, NULL);
		if (req->status != 200)
			fail_msg("Content-Type '%s' refused", good_json[i]);
	}
	for (size_t i = 0; i < NF(bad_json); i++) {
		start("POST", "/json", NULL, bad_json[i]);
		run("{\"name\":\"x\"}", 12, NULL);
		if (req->status != 415)
			fail_msg("Content-Type '%s' gave %d", bad_json[i], req->status);
		expect_err(415, "invalid_request", "application/json");
		assert_int_equal(src.calls, 0);
	}
	/* No Content-Type at all. */
	start("POST", "/json", NULL, NULL);
	run("{\"name\":\"x\"}", 12, NULL);
	expect_err(415, "invalid_request", NULL);
	/* A form route wants a form. */
	start("POST", "/form", NULL, "application/json");
	run("{\"name\":\"x\"}", 12, NULL);
	expect_err(415, "invalid_request", "application/x-www-form-urlencoded");
	start("POST", "/form", NULL, "application/x-www-form-urlencoded; charset=UTF-8");
	run("name=x", 6, NULL);
	expect_ok();
	/* A route without a body refuses one. */
	start("POST", "/nobody", NULL, "application/json");
	run("{}", 2, NULL);
	expect_err(400, "invalid_request", "takes no body");
	start("POST", "/nobody", NULL, NULL);
	run(NULL, 0, NULL);
	expect_ok();
}

static void
test_post_with_query(void **state)
{
	(void)state;
	start("POST", "/form", "name=x", "application/x-www-form-urlencoded");
	run("count=1", 7, NULL);
	expect_err(400, "invalid_request", "not the URL");
	assert_int_equal(src.calls, 0);
	start("POST", "/json", "a", "application/json");
	run("{\"name\":\"x\"}", 12, NULL);
	expect_err(400, "invalid_request", "not the URL");
	/* An empty query string is no query. */
	start("POST", "/form", "", "application/x-www-form-urlencoded");
	run("name=x", 6, NULL);
	expect_ok();
}

static void
test_get_with_body(void **state)
{
	(void)state;
	start("GET", "/get", NULL, "application/x-www-form-urlencoded");
	run("q=x", 3, NULL);
	expect_err(400, "invalid_request", "has no body");
	assert_int_equal(src.calls, 0);
	start("HEAD", "/get", NULL, NULL);
	run("q=x", 3, NULL);
	assert_int_equal(req->status, 400);
	/* Content-Length: 0 is fine; bytes without a Content-Length are not. */
	start("GET", "/get", "q=a", NULL);
	run(NULL, 0, "0");
	expect_ok();
	start("GET", "/get", NULL, NULL);
	run("zz", 2, "-");
	expect_err(400, "invalid_request", NULL);
}

static void
test_params_limits(void **state)
{
	(void)state;
	/* MAX_PARAMS parameters in all: fine. */
	start("GET", "/get", NULL, NULL);
	while (env.n < MAX_PARAMS)
		env_add("HTTP_X_FILL_%d=1", env.n);
	run(NULL, 0, "-");
	expect_ok();
	/* One more: 431. */
	start("GET", "/get", NULL, NULL);
	while (env.n < MAX_PARAMS + 1)
		env_add("HTTP_X_FILL_%d=1", env.n);
	run(NULL, 0, "-");
	expect_err(431, "invalid_request", NULL);
	/* Too many bytes in few parameters. */
	char big[MAX_HEADER + 1];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	start("GET", "/get", NULL, NULL);
	env_add("HTTP_COOKIE=%s", big);
	run(NULL, 0, "-");
	expect_err(431, "invalid_request", NULL);
	/* Checked before anything else, even the route. */
	start("GET", "/nope", NULL, NULL);
	env_add("HTTP_COOKIE=%s", big);
	run(NULL, 0, "-");
	expect_err(431, "invalid_request", NULL);
}

/* ------------------------------------------------------------------ client certificates */

static void
test_cert_required_absent(void **state)
{
	(void)state;
	ctx.app = &app_required;
	get("/get", NULL);
	expect_err(401, "invalid_client", NULL);
	start("GET", "/get", NULL, NULL);
	env_add("SSL_CLIENT_VERIFY=NONE");
	run(NULL, 0, "-");
	expect_err(401, "invalid_client", NULL);
	/* Checked before routing: no information about routes. */
	get("/nope", NULL);
	expect_err(401, "invalid_client", NULL);
	/* A client header pretending to carry a certificate does not count. */
	start("GET", "/get", NULL, NULL);
	env_add("HTTP_SSL_CLIENT_VERIFY=SUCCESS");
	env_add("HTTP_SSL_CLIENT_CERT=%s", cert_good);
	run(NULL, 0, "-");
	expect_err(401, "invalid_client", NULL);
}

static void
test_cert_garbage(void **state)
{
	static const char *const garbage[] = {
		"garbage",
		"-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----%0A",
		"%zz",
	};
	(void)state;

	for (int a = 0; a < 2; a++) {
		ctx.app = a ? &app_required : &app_optional;
		for (size_t i = 0; i < NF(garbage); i++) {
			start("GET", "/get", NULL, NULL);
			env_add("SSL_CLIENT_VERIFY=SUCCESS");
			env_add("SSL_CLIENT_CERT=%s", garbage[i]);
			run(NULL, 0, "-");
			expect_err(401, "invalid_client", NULL);
		}
		/* SUCCESS without a certificate. */
		start("GET", "/get", NULL, NULL);
		env_add("SSL_CLIENT_VERIFY=SUCCESS");
		run(NULL, 0, "-");
		expect_err(401, "invalid_client", NULL);
	}
}

static void
test_cert_checks(void **state)
{
	(void)state;
	ctx.app = &app_required;
	/* A certificate of the configured CA. */
	start("GET", "/get", NULL, NULL);
	env_add("SSL_CLIENT_VERIFY=SUCCESS");
	env_add("SSL_CLIENT_CERT=%s", cert_good);
	run(NULL, 0, "-");
	expect_ok();
	assert_int_equal(handler_cert, 1);
	assert_string_equal(resp_str("cn"), "Notaire Zo\xc3\xa9");
	assert_int_equal(strlen(req->client.sha256), 64);
	assert_non_null(strstr(req->client.subject, "CN=Notaire"));
	assert_non_null(strstr(req->client.issuer, "CN=Test Issuing CA"));
	/* nginx did not verify it. */
	start("GET", "/get", NULL, NULL);
	env_add("SSL_CLIENT_VERIFY=FAILED:certificate has expired");
	env_add("SSL_CLIENT_CERT=%s", cert_good);
	run(NULL, 0, "-");
	expect_err(401, "invalid_client", NULL);
	/* Issued by another CA. */
	start("GET", "/get", NULL, NULL);
	env_add("SSL_CLIENT_VERIFY=SUCCESS");
	env_add("SSL_CLIENT_CERT=%s", cert_sibling);
	run(NULL, 0, "-");
	expect_err(401, "invalid_client", NULL);
	/* Expired. */
	start("GET", "/get", NULL, NULL);
	env_add("SSL_CLIENT_VERIFY=SUCCESS");
	env_add("SSL_CLIENT_CERT=%s", cert_expired);
	run(NULL, 0, "-");
	expect_err(401, "invalid_client", NULL);
	/* Optional policy: a good certificate is reported, none is fine. */
	ctx.app = &app_optional;
	get("/get", NULL);
	expect_ok();
	assert_int_equal(handler_cert, 0);
	start("GET", "/get", NULL, NULL);
	env_add("SSL_CLIENT_VERIFY=SUCCESS");
	env_add("SSL_CLIENT_CERT=%s", cert_good);
	run(NULL, 0, "-");
	expect_ok();
	assert_int_equal(handler_cert, 1);
}

/* ------------------------------------------------------------------ handlers and output */

static void
test_handler_errors(void **state)
{
	(void)state;
	get("/forbidden", NULL);
	assert_int_equal(req->status, 403);
	assert_string_equal(resp_str("error"), "access_denied");
	assert_non_null(strstr(resp_str("error_description"), "Not for you."));
	get("/silent", NULL);
	assert_int_equal(req->status, 500);
	assert_string_equal(resp_str("error"), "server_error");
}

static void
test_format(void **state)
{
	const char *bytes;
	size_t len;
	char want[64];
	(void)state;

	get("/get", "q=x");
	expect_ok();
	assert_int_equal(pp_http_format(req, &bytes, &len), PP_OK);
	assert_int_equal(strncmp(bytes, "Status: 200 OK\r\n", 16), 0);
	assert_int_equal(len, strlen(bytes));
	snprintf(want, sizeof(want), "\r\nContent-Length: %zu\r\n", req->body_len);
	assert_non_null(strstr(bytes, want));
	assert_non_null(strstr(bytes, "\r\nContent-Type: application/json\r\n"));
	assert_null(strstr(bytes, "Allow:"));
	const char *sep = strstr(bytes, "\r\n\r\n");
	assert_non_null(sep);
	assert_int_equal((size_t)(bytes + len - (sep + 4)), req->body_len);
	assert_memory_equal(sep + 4, req->body, req->body_len);

	static const struct {
		const char *uri;
		const char *line;
	} t[] = {
		{"/nope", "Status: 404 Not Found\r\n"},
		{"/json", "Status: 405 Method Not Allowed\r\n"},
		{"/forbidden", "Status: 403 Forbidden\r\n"},
		{"/silent", "Status: 500 Internal Server Error\r\n"},
	};
	for (size_t i = 0; i < NF(t); i++) {
		get(t[i].uri, NULL);
		assert_int_equal(pp_http_format(req, &bytes, &len), PP_OK);
		assert_int_equal(strncmp(bytes, t[i].line, strlen(t[i].line)), 0);
	}
}

/* ------------------------------------------------------------------ language */

static void
test_lang(void **state)
{
	(void)state;
	assert_string_equal(pp_http_lang(NULL, "fr-CH, en;q=0.5", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "en;q=0.2, fr;q=0.9", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "de", "en"), "en");
	assert_string_equal(pp_http_lang(NULL, "de", "fr"), "fr");
	assert_string_equal(pp_http_lang(NULL, "de-DE,de;q=0.9", "en"), "en");
	assert_string_equal(pp_http_lang(NULL, NULL, "en"), "en");
	assert_string_equal(pp_http_lang(NULL, "", "fr"), "fr");
	assert_string_equal(pp_http_lang(NULL, "de", "xx"), "en");
	/* Explicit choice wins. */
	assert_string_equal(pp_http_lang("en", "fr", "fr"), "en");
	assert_string_equal(pp_http_lang("fr", "en", "en"), "fr");
	assert_string_equal(pp_http_lang("de", "fr", "en"), "fr");
	assert_string_equal(pp_http_lang("", "fr", "en"), "fr");
	assert_string_equal(pp_http_lang("EN", NULL, "fr"), "fr");
	/* Weights. */
	assert_string_equal(pp_http_lang(NULL, "en;q=0, fr;q=0.1", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "fr;q=0", "en"), "en");
	assert_string_equal(pp_http_lang(NULL, "fr;q=0.0", "en"), "en");
	assert_string_equal(pp_http_lang(NULL, "fr;q=0.05, en;q=0.049", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "en-US;q=0.8, fr-FR;q=0.9", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "fr;q=1.0, en;q=0.999", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "FR", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "*", "fr"), "fr");
	assert_string_equal(pp_http_lang(NULL, "english, fr", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, ",,;;q=,;q=0.", "fr"), "fr");
	assert_string_equal(pp_http_lang(NULL, "fr;q=", "en"), "en");
}

/* RFC 9110: weight = OWS ";" OWS "q=" qvalue. */
static void
test_lang_ows(void **state)
{
	(void)state;
	assert_string_equal(pp_http_lang(NULL, "en; q=0.1, fr", "en"), "fr");
	assert_string_equal(pp_http_lang(NULL, "en ;q=0.1, fr", "en"), "fr");
}

static void
test_lang_in_request(void **state)
{
	(void)state;
	start("POST", "/json", NULL, "application/json");
	env_add("HTTP_ACCEPT_LANGUAGE=fr-CH, en;q=0.5");
	run("{\"name\":\"x\"}", 12, NULL);
	expect_ok();
	assert_string_equal(handler_lang, "fr");
	/* The declared "lang" field wins. */
	start("POST", "/json", NULL, "application/json");
	env_add("HTTP_ACCEPT_LANGUAGE=fr-CH, en;q=0.5");
	run("{\"name\":\"x\",\"lang\":\"en\"}", 24, NULL);
	expect_ok();
	assert_string_equal(handler_lang, "en");
	/* The context default otherwise. */
	ctx.lang_default = "fr";
	get("/get", NULL);
	expect_ok();
	assert_string_equal(handler_lang, "fr");
	/* Error responses know the language too. */
	start("GET", "/nope", NULL, NULL);
	env_add("HTTP_ACCEPT_LANGUAGE=en");
	run(NULL, 0, "-");
	assert_string_equal(req->lang, "en");
}

/* ------------------------------------------------------------------ allocation failures */

struct scenario {
	const char *method, *uri, *query, *ctype, *body, *extra;
};

static void
build(const struct scenario *sc, int certs)
{
	start(sc->method, sc->uri, sc->query, sc->ctype);
	if (sc->extra)
		env_add("%s", sc->extra);
	if (certs) {
		env_add("SSL_CLIENT_VERIFY=SUCCESS");
		env_add("SSL_CLIENT_CERT=%s", cert_good);
	}
}

/* Pool memory comes in 4 KiB blocks, so most pool allocations never reach
 * pp_malloc.  To make every one of them fail in turn, the pool is first
 * filled so that only `room` bytes are left in its current block, then the
 * next (or a later) block allocation is made to fail. */
#define POOL_BLOCK 4096
#define POOL_ALIGN 16

static void
prefill(struct pp_pool *p, size_t room)
{
	size_t used = POOL_BLOCK - room;

	if (room >= POOL_BLOCK)
		return;
	/* At most half a block at a time, so it is carved from the block. */
	while (used > 0) {
		size_t n = used > POOL_BLOCK / 2 ? POOL_BLOCK / 2 : used;
		assert_non_null(pp_pool_alloc(p, n));
		used -= n;
	}
}

static void
inject(const struct scenario *sc, int certs)
{
	int base_status;
	char *base_body;
	long runs = 0, failed = 0;

	/* Reference run without injection. */
	build(sc, certs);
	run(sc->body, sc->body ? strlen(sc->body) : 0, sc->body ? NULL : "-");
	base_status = req->status;
	base_body = strndup(req->body, req->body_len);
	assert_non_null(base_body);

	for (size_t room = 0; room <= POOL_BLOCK; room += POOL_ALIGN) {
		for (long n = 0; n < 3; n++) {
			struct pp_req *r = NULL;
			enum pp_err rc;

			build(sc, certs);
			if (sc->body)
				env_add("CONTENT_LENGTH=%zu", strlen(sc->body));
			src.p = sc->body ? sc->body : "";
			src.len = sc->body ? strlen(sc->body) : 0;
			struct pp_http_in in = { env.v, src_read, &src };
			assert_int_equal(pp_pool_new(&pool), PP_OK);
			prefill(pool, room);
			pp_mem_fail_after(n);
			rc = pp_http_handle(&ctx, &in, pool, &r);
			runs++;
			if (rc == PP_OK) {
				const char *bytes = NULL;
				size_t len = 0;
				/* Always a complete response, whatever failed. */
				assert_non_null(r);
				assert_true(r->status >= 200 && r->status <= 599);
				assert_non_null(r->body);
				assert_non_null(r->content_type);
				enum pp_err frc = pp_http_format(r, &bytes, &len);
				pp_mem_fail_after(-1);
				assert_true(frc == PP_OK || frc == PP_ERR_NOMEM);
				if (frc == PP_OK)
					assert_int_equal(strncmp(bytes, "Status: ", 8), 0);
				if (r->status != base_status || r->body_len != strlen(base_body) ||
				    memcmp(r->body, base_body, r->body_len) != 0) {
					/* A failure may only turn into an error response. */
					failed++;
					assert_true(r->status >= 400);
				}
			} else {
				pp_mem_fail_after(-1);
				assert_int_equal(rc, PP_ERR_NOMEM);
				failed++;
			}
		}
	}
	pp_mem_fail_after(-1);
	print_message("%s %s%s: %ld runs, %ld affected by a failed allocation\n", sc->method, sc->uri,
	    certs ? " (client certificate)" : "", runs, failed);
	assert_true(failed > 0);
	/* And everything is back to normal. */
	build(sc, certs);
	run(sc->body, sc->body ? strlen(sc->body) : 0, sc->body ? NULL : "-");
	assert_int_equal(req->status, base_status);
	assert_int_equal(req->body_len, strlen(base_body));
	free(base_body);
	reset();
}

/* ------------------------------------------------------------------ browser helpers */

static const char *
formatted(void)
{
	const char *bytes;
	size_t len;

	assert_int_equal(pp_http_format(req, &bytes, &len), PP_OK);
	return bytes;
}

static void
test_cookie_set_and_read(void **state)
{
	(void)state;
	/* No cookie: a new one with every attribute. */
	get("/browser", NULL);
	assert_int_equal(req->status, 204);
	assert_non_null(strstr(formatted(),
	    "\r\nSet-Cookie: __Host-s=new; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=Lax\r\n"));
	/* Read back among others, with spaces and quotes; the first wins. */
	start("GET", "/browser", NULL, NULL);
	env_add("HTTP_COOKIE=a=1; __Host-s=abc123;__Host-s=second; z=\"q\"");
	run(NULL, 0, "-");
	assert_non_null(strstr(formatted(), "Set-Cookie: __Host-s=abc123; Path=/; Secure;"));
	assert_null(strstr(formatted(), "Max-Age"));
	start("GET", "/browser", NULL, NULL);
	env_add("HTTP_COOKIE=__Host-s=\"quoted\"");
	run(NULL, 0, "-");
	assert_non_null(strstr(formatted(), "Set-Cookie: __Host-s=quoted;"));
	/* A name that only ends like ours, or a value with a bad octet. */
	start("GET", "/browser", NULL, NULL);
	env_add("HTTP_COOKIE=x__Host-s=evil; __Host-s=bad\\value");
	run(NULL, 0, "-");
	assert_non_null(strstr(formatted(), "Set-Cookie: __Host-s=new;"));
	reset();
}

static void
test_redirect(void **state)
{
	const char *out;
	(void)state;

	get("/browser", "to=https://sca.example/cb");
	assert_int_equal(req->status, 303);
	out = formatted();
	assert_int_equal(strncmp(out, "Status: 303 See Other\r\n", 23), 0);
	assert_non_null(strstr(out, "\r\nLocation: https://sca.example/cb?state=a%20b%26c%3Dd%2F%C3%A9\r\n"));
	assert_non_null(strstr(out, "\r\nCache-Control: no-store\r\n"));
	assert_non_null(strstr(out, "\r\nContent-Length: 0\r\n"));
	/* A URL with a query already gets '&'. */
	get("/browser", "to=/cb%3Fx%3D1");
	assert_non_null(strstr(formatted(), "\r\nLocation: /cb?x=1&state=a%20b"));
	reset();
}

static void
test_header_dropped_on_error(void **state)
{
	const char *out;
	(void)state;

	get("/header-fail", NULL);
	assert_int_equal(req->status, 403);
	out = formatted();
	assert_null(strstr(out, "X-Test"));
	assert_null(strstr(out, "Injected"));
	assert_null(strstr(out, "Location"));
	reset();
}

static void
test_csrf(void **state)
{
	(void)state;
	/* The token bound to the session passes. */
	start("POST", "/browser", NULL, "application/x-www-form-urlencoded");
	env_add("HTTP_COOKIE=__Host-s=s1");
	run("csrf=tok-s1", 11, NULL);
	assert_int_equal(req->status, 204);
	/* Missing, empty, wrong, another session's, a prefix, longer. */
	static const char *const bad[] = {"", "csrf=tok-s2", "csrf=tok-s", "csrf=tok-s11",
	    "to=x"};
	for (size_t i = 0; i < NF(bad); i++) {
		start("POST", "/browser", NULL, "application/x-www-form-urlencoded");
		env_add("HTTP_COOKIE=__Host-s=s1");
		run(bad[i], strlen(bad[i]), NULL);
		assert_int_equal(req->status, 403);
		assert_string_equal(resp_str("error"), "access_denied");
		assert_non_null(strstr(resp_str("error_description"), "out of date"));
		assert_null(strstr(formatted(), "Set-Cookie"));
	}
	/* An empty token is not even a token. */
	start("POST", "/browser", NULL, "application/x-www-form-urlencoded");
	env_add("HTTP_COOKIE=__Host-s=s1");
	run("csrf=", 5, NULL);
	assert_int_equal(req->status, 400);
	/* No session at all: nothing matches. */
	start("POST", "/browser", NULL, "application/x-www-form-urlencoded");
	run("csrf=tok-", 9, NULL);
	assert_int_equal(req->status, 403);
	reset();
}

static void
test_pre_hook(void **state)
{
	(void)state;
	ctx.app = &app_pre;
	pre_calls = 0;
	get("/get", "q=x");
	expect_ok();
	assert_int_equal(pre_calls, 1);
	assert_int_equal(handler_calls, 1);
	/* Its own answer, headers kept, handler not called, body not read. */
	start("POST", "/json", NULL, "application/json");
	env_add("HTTP_X_LIMIT=1");
	run("{not json", 9, NULL);
	assert_int_equal(req->status, 429);
	assert_int_equal(handler_calls, 0);
	assert_string_equal(resp_str("error"), "slow_down");
	assert_int_equal(strncmp(formatted(), "Status: 429 Too Many Requests\r\n", 31), 0);
	assert_non_null(strstr(formatted(), "\r\nRetry-After: 60\r\n"));
	/* An error from it is the answer. */
	start("GET", "/get", NULL, NULL);
	env_add("HTTP_X_REFUSE=1");
	run(NULL, 0, "-");
	assert_int_equal(req->status, 403);
	assert_int_equal(handler_calls, 0);
	/* Not for /healthz nor for a path without a route. */
	pre_calls = 0;
	get("/healthz", NULL);
	get("/nope", NULL);
	assert_int_equal(pre_calls, 0);
	ctx.app = &app_optional;
	reset();
}

static void
test_url_add_param(void **state)
{
	struct pp_pool *p;
	(void)state;

	assert_int_equal(pp_pool_new(&p), PP_OK);
	assert_string_equal(pp_url_add_param(p, "https://a/b", "error", "access_denied"),
	    "https://a/b?error=access_denied");
	assert_string_equal(pp_url_add_param(p, "https://a/b?x=1", "e", "\n\"<>+"),
	    "https://a/b?x=1&e=%0A%22%3C%3E%2B");
	assert_string_equal(pp_url_add_param(p, "/", "e", ""), "/?e=");
	pp_pool_free(p);
}

static void
test_alloc_failure(void **state)
{
	static const struct scenario sc[] = {
		{"POST", "/json", NULL, "application/json",
		 "{\"name\":\"x\",\"code\":\"c\",\"count\":5,\"flag\":true,\"mode\":\"fast\",\"extra\":[1,{\"a\":2}],\"lang\":\"fr\"}", NULL},
		{"POST", "/form", NULL, "application/x-www-form-urlencoded", "name=Zo%C3%A9&count=3&flag=false&code=abc", NULL},
		{"GET", "/get", "q=abc&n=2", NULL, NULL, "HTTP_ACCEPT_LANGUAGE=fr"},
		{"POST", "/form", NULL, "application/x-www-form-urlencoded", "name=x&%3Cbad%3E=1", NULL},
		{"POST", "/json", NULL, "application/json", "{\"name\":\"x\",\"unknown_field\":1}", NULL},
		{"GET", "/nope", NULL, NULL, NULL, NULL},
		{"GET", "/json", NULL, NULL, NULL, NULL},
		{"GET", "/forbidden", NULL, NULL, NULL, NULL},
		{"GET", "/healthz", NULL, NULL, NULL, NULL},
		{"HEAD", "/get", NULL, NULL, NULL, NULL},
	};
	(void)state;

	/* Thousands of expected "out of memory" log lines: not in the log. */
	quiet_stderr();
	for (size_t i = 0; i < NF(sc); i++)
		inject(&sc[i], 0);
	/* With a client certificate, which allocates from the pool too. */
	inject(&sc[2], 1);
	restore_stderr();
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_route_lookup),
		T(test_not_found),
		T(test_method_not_allowed),
		T(test_path_params),
		T(test_get_and_head),
		T(test_healthz),
		T(test_healthz_post),
		T(test_json_valid),
		T(test_form_valid),
		T(test_json_or_form),
		T(test_unknown_field),
		T(test_unknown_field_embedded_nul),
		T(test_duplicate_field),
		T(test_oversized_field),
		T(test_missing_required),
		T(test_int_field),
		T(test_int_field_overflow),
		T(test_wrong_json_type),
		T(test_enum_token_string),
		T(test_too_many_fields),
		T(test_bad_json_body),
		T(test_body_too_large),
		T(test_bad_content_length),
		T(test_short_and_trailing_body),
		T(test_content_type),
		T(test_post_with_query),
		T(test_get_with_body),
		T(test_params_limits),
		T(test_cert_required_absent),
		T(test_cert_garbage),
		T(test_cert_checks),
		T(test_handler_errors),
		T(test_format),
		T(test_lang),
		T(test_lang_ows),
		T(test_lang_in_request),
		T(test_cookie_set_and_read),
		T(test_redirect),
		T(test_header_dropped_on_error),
		T(test_csrf),
		T(test_pre_hook),
		T(test_url_add_param),
		T(test_alloc_failure),
	};
	pp_log_open("test_http", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
