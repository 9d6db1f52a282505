/*
 * pp_http: a FastCGI plugin as a declarative table.
 *
 * A plugin is a struct pp_app: its name, whether it answers in JSON or HTML,
 * its client-certificate policy, its health dependencies and its routes
 * {methods, path, handler, body kind, declared fields}.  pp_http_main() does
 * the rest: configuration, logging, database, templates, the listen socket,
 * privilege drop, and for each request, in this order:
 *   1. limits on the FastCGI parameters (count, total bytes)   -> 431
 *   2. client certificate re-checked (pp_cert)                 -> 401
 *   3. route lookup by path (exact, else a "{id}" pattern), then method
 *                                                               -> 404 / 405
 *   4. Content-Length strictly parsed and bounded, before any read -> 413
 *   5. Content-Type matched to the route's body kind           -> 415
 *   6. body read exactly; short or trailing bytes refused      -> 400
 *   7. fields: unknown, duplicate, oversized, mistyped, missing -> 400
 *   8. the handler, which sees only typed, validated values.
 * Any error becomes a response in one place (pp_http_error) as JSON
 * {"error","error_description"} or the HTML error page.
 */
#ifndef PP_HTTP_H
#define PP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_html.h"
#include "pp_cert.h"
#include "pp_err.h"

struct pp_pool;
struct pp_conf;
struct pp_store;
struct pp_html;
struct pp_req;

/* POST and PATCH carry a body (of the route's kind); GET, HEAD and DELETE
 * take their fields from the query string. */
enum pp_method {
	PP_GET = 1 << 0, PP_POST = 1 << 1, PP_HEAD = 1 << 2, PP_PATCH = 1 << 3, PP_DELETE = 1 << 4
};

enum pp_field_type {
	PP_FIELD_STRING,	/* UTF-8 text without control characters */
	PP_FIELD_TOKEN,		/* [A-Za-z0-9._~-]+ (identifiers, codes) */
	PP_FIELD_INT,		/* integer in [min, max] */
	PP_FIELD_BOOL,		/* true/false (JSON) or "true"/"false" */
	PP_FIELD_ENUM,		/* one of choices[] */
	PP_FIELD_JSON,		/* any JSON value (JSON bodies only) */
	PP_FIELD_TEXT,		/* as STRING, and tab, CR, LF (a textarea: a PEM, a comment) */
	PP_FIELD__MAX
};

struct pp_field {
	const char *name;
	enum pp_field_type type;
	size_t maxlen;		/* bytes, after decoding (strings, tokens) */
	int required;
	int64_t min, max;	/* PP_FIELD_INT */
	const char *const *choices; /* PP_FIELD_ENUM, NULL-terminated */
};

/* A validated field value; valid for the request. */
struct pp_value {
	int set;
	const char *s;		/* string, token, enum (pool memory) */
	size_t len;
	int64_t i;		/* int, bool */
	json_object *j;		/* PP_FIELD_JSON (borrowed from the body) */
};

/* PP_BODY_JSON_FORM: either, by Content-Type (OAuth endpoints take forms,
 * RFC 6749, and JSON); PP_FIELD_JSON fields then only in a JSON body. */
enum pp_body { PP_BODY_NONE, PP_BODY_JSON, PP_BODY_FORM, PP_BODY_JSON_FORM, PP_BODY__MAX };

typedef enum pp_err (*pp_handler)(struct pp_req *req);

struct pp_route {
	unsigned methods;	/* PP_GET | PP_POST ...; HEAD follows GET */
	/* Exact match, or a pattern with one whole segment "{id}" (for
	 * example "/things/{id}/revoke"): that segment matches 1 to
	 * PP_PATH_PARAM_MAX bytes of [A-Za-z0-9._~-], not "." or "..", and
	 * reaches the handler as req->param.  Exact routes win. */
	const char *path;
	pp_handler handler;
	enum pp_body body;	/* what a POST body must be */
	const struct pp_field *fields;
	size_t nfields;
};

#define PP_PATH_PARAM_MAX 64

enum pp_out { PP_OUT_JSON, PP_OUT_HTML };
enum pp_cert_policy { PP_CERT_OPTIONAL, PP_CERT_REQUIRED };
enum { PP_DEP_SAM = 1 << 0, PP_DEP_AUDIT = 1 << 1 };

struct pp_limits {
	size_t max_body, max_header, max_params, max_fields;
	int max_json_depth;
};

/* Process-wide state of a plugin; owned by pp_http_main. */
struct pp_ctx {
	const struct pp_app *app;
	struct pp_conf *conf;
	struct pp_store *store;
	struct pp_html *html;
	struct pp_cert_issuers *issuers;
	struct pp_limits limits;
	const char *lang_default;
	void *data;		/* the plugin's own state */
};

struct pp_app {
	const char *name;	/* program and config section name */
	enum pp_out out;
	enum pp_cert_policy cert;
	unsigned deps;		/* PP_DEP_*: daemons /healthz checks */
	const struct pp_route *routes;
	size_t nroutes;
	enum pp_err (*init)(struct pp_ctx *ctx);	/* optional */
	void (*fini)(struct pp_ctx *ctx);		/* optional */
	/* Optional, called for every request to one of routes[] once it is
	 * routed, before its body is read (not for /healthz): an error stops
	 * the request; PP_OK with an answer set (req->body) answers it without
	 * the handler (a rate limit's page, for example). */
	enum pp_err (*pre)(struct pp_req *req);
	/* Optional, called once in the plugin's first process, as the user it
	 * was started as, before the privilege drop and the workers' fork:
	 * reads what only root may read (a PIN file, a client secret) into
	 * memory that init then uses in each worker.  It must not open
	 * PKCS#11 or sockets (they do not survive the fork). */
	enum pp_err (*preinit)(struct pp_ctx *ctx);
	const char *store;	/* storage domain (pp_store_open); NULL: "web" */
};

struct pp_req {
	struct pp_ctx *ctx;
	struct pp_pool *pool;
	const struct pp_route *route;
	enum pp_method method;
	const char *path;
	const char *query;
	const char *remote_addr;
	const char *lang;		/* "en" or "fr" */
	struct pp_client_cert client;
	struct pp_value *val;		/* one per route field */
	struct pp_value param;		/* the "{id}" path segment (pool), if any */
	json_object *json;		/* JSON body, owned by the request */
	HDF *hdf;			/* page data, owned by the request */
	const char *detail;		/* extra error description (pool) */
	char **envp;			/* FastCGI parameters (borrowed) */
	/* Response. */
	int status;
	const char *content_type;
	const char *body;
	size_t body_len;
	const char *allow;		/* Allow header for 405 */
	const char *headers;		/* extra "Name: value\r\n" lines (pool), or NULL */
};

/* Input of one request, independent of libfcgi (tests drive it directly). */
struct pp_http_in {
	char **envp;			/* NULL-terminated NAME=value */
	int (*read)(void *ctx, char *buf, int n);	/* bytes, 0 at end, <0 error */
	void *read_ctx;
};

/* Runs the plugin: returns the process exit status. */
int pp_http_main(const struct pp_app *app, int argc, char **argv);

/* Handles one request into *out (allocated from pool); always produces a
 * response unless it returns PP_ERR_NOMEM. */
enum pp_err pp_http_handle(struct pp_ctx *ctx, const struct pp_http_in *in,
    struct pp_pool *pool, struct pp_req **out) PP_WUR;
/* The CGI response bytes (headers and body) of a handled request. */
enum pp_err pp_http_format(struct pp_req *req, const char **bytes, size_t *len) PP_WUR;

/* Route lookup: PP_ERR_NOT_FOUND, PP_ERR_METHOD (with *allow set), PP_OK. */
enum pp_err pp_http_route(const struct pp_app *app, const char *path, enum pp_method m,
    const struct pp_route **route, const char **allow) PP_WUR;
/* Matches path against a route pattern.  Returns 1 on a match; when the
 * pattern has a "{id}" segment, *param and *len point into path at it
 * (else NULL, 0). */
int pp_http_path_match(const char *pattern, const char *path, const char **param, size_t *len);
/* "GET", "POST", ... for logs; "?" for anything else. */
const char *pp_http_method_name(enum pp_method m);
/* Parses application/x-www-form-urlencoded (query string or form body)
 * into values per the declared fields. */
enum pp_err pp_http_parse_form(struct pp_req *req, const char *s, size_t len) PP_WUR;
/* Maps the members of a JSON object onto the declared fields. */
enum pp_err pp_http_parse_json(struct pp_req *req, json_object *obj) PP_WUR;
/* Chooses "en" or "fr": explicit choice, else Accept-Language, else def. */
const char *pp_http_lang(const char *explicit_lang, const char *accept_language, const char *def);

/* Handler helpers.  pp_reply_json takes ownership of obj. */
enum pp_err pp_reply_json(struct pp_req *req, int status, json_object *obj) PP_WUR;
/* An answer without a body, such as 204 No Content. */
enum pp_err pp_reply_empty(struct pp_req *req, int status) PP_WUR;
enum pp_err pp_reply_html(struct pp_req *req, int status, const char *tmpl) PP_WUR;
/* A 302 or 303 to location (absolute URL or path; no CR, LF or control
 * character), with an empty body. */
enum pp_err pp_reply_redirect(struct pp_req *req, int status, const char *location) PP_WUR;
/* Adds a response header.  name is a token, value printable (no CR/LF):
 * PP_ERR_INTERNAL otherwise.  Errors answered after it drop the extra
 * headers (an error page never sets a cookie or redirects). */
enum pp_err pp_reply_header(struct pp_req *req, const char *name, const char *value) PP_WUR;
/* Set-Cookie for name=value with Path=/, Secure, HttpOnly, SameSite=Lax;
 * max_age seconds (0 deletes the cookie, < 0: no Max-Age, a browser
 * session cookie).  name and value must be cookie tokens (RFC 6265
 * cookie-octets), else PP_ERR_INTERNAL. */
enum pp_err pp_reply_cookie(struct pp_req *req, const char *name, const char *value,
    long max_age) PP_WUR;
/* The same with SameSite=Strict (the console: no cross-site request ever
 * carries the cookie, not even a top-level link). */
enum pp_err pp_reply_cookie_strict(struct pp_req *req, const char *name, const char *value,
    long max_age) PP_WUR;
/* The value of cookie name in the request's Cookie header (pool memory),
 * or NULL when absent or not made of cookie-octets.  The first one wins. */
const char *pp_req_cookie(struct pp_req *req, const char *name);
/* The value of the route's declared field name, or NULL when not given. */
const char *pp_req_value(const struct pp_req *req, const char *name);
/* Checks the form field "csrf" against expected (the token of the browser
 * session), in constant time: PP_ERR_FORBIDDEN with a readable detail when
 * it is missing, empty or different, or when expected is NULL or empty. */
enum pp_err pp_csrf_check(struct pp_req *req, const char *expected) PP_WUR;
/* url + "?" or "&" + name=value, the value percent-encoded (everything but
 * [A-Za-z0-9._~-]); pool memory, NULL when out of memory. */
char *pp_url_add_param(struct pp_pool *pool, const char *url, const char *name, const char *value);
/* Page data of the request, created on first use; NULL when out of memory. */
HDF *pp_req_hdf(struct pp_req *req);
/* Records an error detail for the response and returns e. */
enum pp_err pp_fail(struct pp_req *req, enum pp_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records ev in the audit log for this request (client_ip and, unless
 * set, the actor's certificate identity filled in) and waits until it is
 * durable.  When it is not, the request fails: PP_ERR_UNAVAILABLE (503)
 * with a description saying so, and the handler must not go on. */
struct pp_audit_event;
enum pp_err pp_req_audit(struct pp_req *req, struct pp_audit_event *ev) PP_WUR;
/* Value of a FastCGI parameter of the current request, or NULL. */
const char *pp_req_param(const struct pp_req *req, const char *name);
/* Turns req into the error response for e (JSON or HTML per the app). */
void pp_http_error(struct pp_req *req, enum pp_err e);

/* Builds the health document of this plugin; PP_OK when all checks pass. */
enum pp_err pp_http_health(struct pp_ctx *ctx, json_object **doc) PP_WUR;

#endif
