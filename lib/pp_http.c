#include "config.h"
#include <errno.h>
#include <fcgiapp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_geo.h"
#include "pp_html.h"
#include "pp_http.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_proc.h"
#include "pp_sandbox.h"
#include "pp_store.h"
#include "pp_util.h"

#define PP_HEALTH_TIMEOUT_MS 2000

/* ------------------------------------------------------------------ helpers */

static int pp_http_token_char(char c);
static int pp_http_is_token(const char *s, size_t len);

const char *
pp_req_param(const struct pp_req *req, const char *name)
{
	size_t n = strlen(name);

	for (char **e = req->envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

enum pp_err
pp_fail(struct pp_req *req, enum pp_err e, const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	req->detail = pp_pool_strdup(req->pool, buf);
	return e;
}

/* Untrusted names echoed in error details: printable ASCII only, bounded. */
static const char *
pp_http_safe_name(struct pp_req *req, const char *s, size_t len)
{
	const char *copy;

	if (len == 0 || len > 64)
		return "?";
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return "?";
	copy = pp_pool_strndup(req->pool, s, len);
	return copy ? copy : "?";
}

HDF *
pp_req_hdf(struct pp_req *req)
{
	if (req->hdf == NULL && pp_html_data(req->ctx->html, req->lang, &req->hdf) != PP_OK)
		req->hdf = NULL;
	return req->hdf;
}

enum pp_err
pp_reply_json(struct pp_req *req, int status, json_object *obj)
{
	const char *s;
	size_t len;

	if (obj == NULL)
		return PP_ERR_NOMEM;
	s = pp_json_str(obj, &len);
	req->body = s ? pp_pool_strndup(req->pool, s, len) : NULL;
	json_object_put(obj);
	if (req->body == NULL)
		return PP_ERR_NOMEM;
	req->body_len = len;
	req->status = status;
	req->content_type = "application/json";
	return PP_OK;
}

enum pp_err
pp_reply_empty(struct pp_req *req, int status)
{
	req->body = "";
	req->body_len = 0;
	req->status = status;
	req->content_type = "application/json";
	return PP_OK;
}

enum pp_err
pp_reply_html(struct pp_req *req, int status, const char *tmpl)
{
	char *page = NULL;
	size_t len = 0;
	enum pp_err rc;
	HDF *hdf = pp_req_hdf(req);

	if (hdf == NULL)
		return PP_ERR_TEMPLATE;
	if ((rc = pp_html_render(req->ctx->html, hdf, tmpl, &page, &len)) != PP_OK)
		return rc;
	req->body = pp_pool_strndup(req->pool, page, len);
	pp_free(page);
	if (req->body == NULL)
		return PP_ERR_NOMEM;
	req->body_len = len;
	req->status = status;
	req->content_type = "text/html; charset=utf-8";
	return PP_OK;
}

enum pp_err
pp_reply_header(struct pp_req *req, const char *name, const char *value)
{
	char *h;

	if (name == NULL || value == NULL || !pp_http_is_token(name, strlen(name)))
		return PP_ERR_INTERNAL;
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return PP_ERR_INTERNAL;
	h = pp_pool_printf(req->pool, "%s%s: %s\r\n", req->headers ? req->headers : "", name, value);
	if (h == NULL)
		return PP_ERR_NOMEM;
	req->headers = h;
	return PP_OK;
}

enum pp_err
pp_reply_redirect(struct pp_req *req, int status, const char *location)
{
	enum pp_err rc;

	if ((status != 302 && status != 303) || location == NULL || *location == '\0')
		return PP_ERR_INTERNAL;
	if ((rc = pp_reply_header(req, "Location", location)) != PP_OK)
		return rc;
	req->status = status;
	req->body = "";
	req->body_len = 0;
	req->content_type = "text/html; charset=utf-8";
	return PP_OK;
}

/* RFC 6265 cookie-octet: printable ASCII but space, '"', ',', ';', '\\'. */
static int
pp_http_cookie_octets(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\')
			return 0;
	}
	return 1;
}

static enum pp_err
pp_reply_cookie_same(struct pp_req *req, const char *name, const char *value, long max_age,
    const char *same_site)
{
	char age[40] = "";
	char *c;

	if (name == NULL || value == NULL || !pp_http_is_token(name, strlen(name)) ||
	    !pp_http_cookie_octets(value, strlen(value)))
		return PP_ERR_INTERNAL;
	if (max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
	c = pp_pool_printf(req->pool, "%s=%s; Path=/%s; Secure; HttpOnly; SameSite=%s", name, value, age,
	    same_site);
	return c ? pp_reply_header(req, "Set-Cookie", c) : PP_ERR_NOMEM;
}

enum pp_err
pp_reply_cookie(struct pp_req *req, const char *name, const char *value, long max_age)
{
	return pp_reply_cookie_same(req, name, value, max_age, "Lax");
}

enum pp_err
pp_reply_cookie_strict(struct pp_req *req, const char *name, const char *value, long max_age)
{
	return pp_reply_cookie_same(req, name, value, max_age, "Strict");
}

const char *
pp_req_cookie(struct pp_req *req, const char *name)
{
	const char *p = pp_req_param(req, "HTTP_COOKIE");
	size_t nlen = strlen(name);

	/* cookie-string: cookie-pair *( ";" SP cookie-pair ); lenient on
	 * white space around the pairs. */
	while (p && *p) {
		const char *semi = strchr(p, ';'), *end = semi ? semi : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
			const char *v = eq + 1, *ve = end;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
				v++;
				ve--;
			}
			if (!pp_http_cookie_octets(v, (size_t)(ve - v)))
				return NULL;
			return pp_pool_strndup(req->pool, v, (size_t)(ve - v));
		}
		p = semi ? semi + 1 : end;
	}
	return NULL;
}

const char *
pp_req_value(const struct pp_req *req, const char *name)
{
	if (req->route == NULL || req->val == NULL)
		return NULL;
	for (size_t i = 0; i < req->route->nfields; i++)
		if (strcmp(req->route->fields[i].name, name) == 0)
			return req->val[i].set ? req->val[i].s : NULL;
	return NULL;
}

enum pp_err
pp_csrf_check(struct pp_req *req, const char *expected)
{
	const char *given = pp_req_value(req, "csrf");
	size_t n = expected ? strlen(expected) : 0;

	/* Lengths are not secret (every token has the same); the bytes are
	 * compared in constant time. */
	if (n == 0 || given == NULL || strlen(given) != n || !pp_ct_equal(given, expected, n))
		return pp_fail(req, PP_ERR_FORBIDDEN,
		    "The form is out of date or did not come from this site; open the page again.");
	return PP_OK;
}

char *
pp_url_add_param(struct pp_pool *pool, const char *url, const char *name, const char *value)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t ul = strlen(url), nl = strlen(name), vl = strlen(value), o;
	char *out = pp_pool_alloc(pool, ul + nl + 3 * vl + 3);

	if (out == NULL)
		return NULL;
	memcpy(out, url, ul);
	o = ul;
	out[o++] = strchr(url, '?') ? '&' : '?';
	memcpy(out + o, name, nl);
	o += nl;
	out[o++] = '=';
	for (size_t i = 0; i < vl; i++) {
		unsigned char c = (unsigned char)value[i];
		if (pp_http_token_char((char)c))
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hexd[c >> 4];
			out[o++] = hexd[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

/* Minimal page when even the error template cannot be rendered: fixed text
 * only, nothing from the request. */
static void
pp_http_error_fallback(struct pp_req *req, enum pp_err e)
{
	req->status = pp_err_status(e);
	req->content_type = "text/html; charset=utf-8";
	req->body = pp_pool_printf(req->pool, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>Error %d</title></head><body><main><h1>Error %d</h1><p>%s</p></main></body></html>\n",
	    req->status, req->status, pp_err_text(e));
	if (req->body == NULL) {
		req->body = "";
		req->content_type = "text/plain";
	}
	req->body_len = strlen(req->body);
}

void
pp_http_error(struct pp_req *req, enum pp_err e)
{
	char desc[512];
	int status = pp_err_status(e);

	if (req->detail && *req->detail)
		snprintf(desc, sizeof(desc), "%s %s", pp_err_text(e), req->detail);
	else
		snprintf(desc, sizeof(desc), "%s", pp_err_text(e));
	if (status >= 500)
		pp_err_log("%s %s: %s", req->path ? req->path : "?", pp_err_name(e),
		    req->detail ? req->detail : "");
	if (req->ctx->app->out == PP_OUT_JSON || req->ctx->html == NULL ||
	    (req->path && strcmp(req->path, "/healthz") == 0)) {
		json_object *o = json_object_new_object();
		if (o == NULL || pp_json_add_str(o, "error", pp_err_code(e)) != PP_OK ||
		    pp_json_add_str(o, "error_description", desc) != PP_OK ||
		    pp_reply_json(req, status, o) != PP_OK) {
			req->status = status;
			req->content_type = "application/json";
			req->body = "{\"error\":\"server_error\",\"error_description\":\"Out of memory.\"}";
			req->body_len = strlen(req->body);
		}
		return;
	}
	HDF *hdf = pp_req_hdf(req);
	char code[8];
	snprintf(code, sizeof(code), "%d", status);
	if (hdf == NULL || pp_hdf_set(hdf, "Err.status", code) != PP_OK ||
	    pp_hdf_set(hdf, "Err.code", pp_err_code(e)) != PP_OK ||
	    pp_hdf_set(hdf, "Err.detail", req->detail ? req->detail : "") != PP_OK ||
	    pp_hdf_set(hdf, "Err.class", status >= 500 ? "server" : "client") != PP_OK ||
	    pp_reply_html(req, status, "error.cs") != PP_OK)
		pp_http_error_fallback(req, e);
	req->status = status;
}

/* ------------------------------------------------------------------ routing */

const char *
pp_http_method_name(enum pp_method m)
{
	switch (m) {
	case PP_GET: return "GET";
	case PP_POST: return "POST";
	case PP_HEAD: return "HEAD";
	case PP_PATCH: return "PATCH";
	case PP_DELETE: return "DELETE";
	}
	return "?";
}

static int
pp_http_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '~' || c == '-';
}

int
pp_http_path_match(const char *pattern, const char *path, const char **param, size_t *len)
{
	static const char mark[] = "{id}";
	const char *at = strstr(pattern, mark);
	size_t plen = strlen(path), pre, suf, n;

	*param = NULL;
	*len = 0;
	if (at == NULL)
		return strcmp(pattern, path) == 0;
	/* "{id}" is one whole segment: after a '/', before '/' or the end. */
	pre = (size_t)(at - pattern);
	suf = strlen(at + sizeof(mark) - 1);
	if (pre == 0 || pattern[pre - 1] != '/' || (suf && at[sizeof(mark) - 1] != '/'))
		return 0;
	if (plen < pre + suf + 1 || memcmp(pattern, path, pre) != 0 ||
	    memcmp(at + sizeof(mark) - 1, path + plen - suf, suf) != 0)
		return 0;
	n = plen - pre - suf;
	if (n > PP_PATH_PARAM_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!pp_http_token_char(path[pre + i]))
			return 0;
	if ((n == 1 && path[pre] == '.') || (n == 2 && path[pre] == '.' && path[pre + 1] == '.'))
		return 0;
	*param = path + pre;
	*len = n;
	return 1;
}

/* The Allow header for a set of methods (HEAD follows GET).  Static strings,
 * built once per set: the plugins are single-threaded. */
static const char *
pp_http_allow(unsigned methods)
{
	static char tab[32][40];
	static const struct { unsigned m; const char *name; } order[] = {
		{PP_GET, "GET"}, {PP_GET, "HEAD"}, {PP_POST, "POST"}, {PP_PATCH, "PATCH"},
		{PP_DELETE, "DELETE"},
	};
	char *t = tab[methods & 31];

	if (*t == '\0')
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (methods & order[i].m)
				snprintf(t + strlen(t), sizeof(tab[0]) - strlen(t), "%s%s", *t ? ", " : "",
				    order[i].name);
	return t;
}

enum pp_err
pp_http_route(const struct pp_app *app, const char *path, enum pp_method m,
    const struct pp_route **route, const char **allow)
{
	unsigned want = m == PP_HEAD ? PP_GET : (unsigned)m, found = 0;
	const char *param;
	size_t len;

	/* Exact paths first: a pattern never shadows a fixed route. */
	for (int pass = 0; pass < 2 && found == 0; pass++)
		for (size_t i = 0; i < app->nroutes; i++) {
			const struct pp_route *r = &app->routes[i];
			int pattern = strstr(r->path, "{id}") != NULL;
			if (pattern != pass || !pp_http_path_match(r->path, path, &param, &len))
				continue;
			found |= r->methods;
			if (r->methods & want) {
				*route = r;
				return PP_OK;
			}
		}
	if (found && allow)
		*allow = pp_http_allow(found);
	return found ? PP_ERR_METHOD : PP_ERR_NOT_FOUND;
}

/* ------------------------------------------------------------------ fields */

static long
pp_http_field_index(const struct pp_route *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strlen(r->fields[i].name) == len && memcmp(r->fields[i].name, name, len) == 0)
			return (long)i;
	return -1;
}

static int
pp_http_is_token(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!pp_http_token_char(s[i]))
			return 0;
	return 1;
}

/* Checks one textual value (from a form or a JSON string) against field f. */
static enum pp_err
pp_http_text_value(struct pp_req *req, const struct pp_field *f, const char *s, size_t len,
    struct pp_value *v)
{
	if (f->maxlen && len > f->maxlen)
		return pp_fail(req, PP_ERR_FIELD_TOO_LONG, "Field '%s' is limited to %zu bytes.",
		    f->name, f->maxlen);
	switch (f->type) {
	case PP_FIELD_STRING:
		if (!pp_utf8_valid(s, len, 0))
			goto invalid;
		break;
	case PP_FIELD_TEXT:
		if (!pp_utf8_valid(s, len, 1))
			goto invalid;
		break;
	case PP_FIELD_TOKEN:
		if (!pp_http_is_token(s, len))
			goto invalid;
		break;
	case PP_FIELD_INT:
		if (pp_strtonum(s, len, f->min, f->max, &v->i) != PP_OK)
			return pp_fail(req, PP_ERR_FIELD_INVALID,
			    "Field '%s' must be an integer from %lld to %lld.", f->name,
			    (long long)f->min, (long long)f->max);
		break;
	case PP_FIELD_BOOL:
		if (len == 4 && memcmp(s, "true", 4) == 0)
			v->i = 1;
		else if (len == 5 && memcmp(s, "false", 5) == 0)
			v->i = 0;
		else
			goto invalid;
		break;
	case PP_FIELD_ENUM: {
		int ok = 0;
		for (const char *const *c = f->choices; c && *c; c++)
			if (strlen(*c) == len && memcmp(*c, s, len) == 0)
				ok = 1;
		if (!ok)
			goto invalid;
		break;
	}
	default:
		goto invalid;
	}
	v->s = pp_pool_strndup(req->pool, s, len);
	if (v->s == NULL)
		return PP_ERR_NOMEM;
	v->len = len;
	v->set = 1;
	return PP_OK;
invalid:
	return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' has an invalid value.", f->name);
}

static enum pp_err
pp_http_alloc_values(struct pp_req *req)
{
	if (req->val != NULL)
		return PP_OK;
	req->val = pp_pool_zalloc(req->pool, sizeof(struct pp_value) * (req->route->nfields + 1));
	return req->val ? PP_OK : PP_ERR_NOMEM;
}

static enum pp_err
pp_http_check_required(struct pp_req *req)
{
	for (size_t i = 0; i < req->route->nfields; i++)
		if (req->route->fields[i].required && !req->val[i].set)
			return pp_fail(req, PP_ERR_FIELD_MISSING, "Field '%s' is required.",
			    req->route->fields[i].name);
	return PP_OK;
}

enum pp_err
pp_http_parse_form(struct pp_req *req, const char *s, size_t len)
{
	size_t pos = 0, count = 0;
	enum pp_err rc;

	if ((rc = pp_http_alloc_values(req)) != PP_OK)
		return rc;
	while (pos < len) {
		const char *item = s + pos, *amp = memchr(item, '&', len - pos);
		size_t ilen = amp ? (size_t)(amp - item) : len - pos;
		pos += ilen + (amp ? 1 : 0);
		if (ilen == 0)
			continue;
		if (++count > req->ctx->limits.max_fields)
			return pp_fail(req, PP_ERR_TOO_MANY_FIELDS, "At most %zu fields.",
			    req->ctx->limits.max_fields);
		const char *eq = memchr(item, '=', ilen);
		size_t klen = eq ? (size_t)(eq - item) : ilen;
		const char *raw = eq ? eq + 1 : item + ilen;
		size_t rawlen = eq ? ilen - klen - 1 : 0;
		char *key = pp_pool_alloc(req->pool, klen + 1);
		char *val = pp_pool_alloc(req->pool, rawlen + 1);
		size_t kdl, vdl;
		if (key == NULL || val == NULL)
			return PP_ERR_NOMEM;
		if (pp_url_decode(item, klen, key, &kdl) != PP_OK ||
		    pp_url_decode(raw, rawlen, val, &vdl) != PP_OK)
			return pp_fail(req, PP_ERR_BAD_REQUEST, "Malformed percent-encoding.");
		long i = pp_http_field_index(req->route, key, kdl);
		if (i < 0)
			return pp_fail(req, PP_ERR_FIELD_UNKNOWN, "Unknown field '%s'.",
			    pp_http_safe_name(req, key, kdl));
		if (req->val[i].set)
			return pp_fail(req, PP_ERR_FIELD_DUPLICATE, "Field '%s' is given twice.",
			    req->route->fields[i].name);
		if (req->route->fields[i].type == PP_FIELD_JSON)
			return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' must be sent in a JSON body.",
			    req->route->fields[i].name);
		if ((rc = pp_http_text_value(req, &req->route->fields[i], val, vdl, &req->val[i])) != PP_OK)
			return rc;
	}
	return pp_http_check_required(req);
}

enum pp_err
pp_http_parse_json(struct pp_req *req, json_object *obj)
{
	enum pp_err rc;

	if ((rc = pp_http_alloc_values(req)) != PP_OK)
		return rc;
	json_object_object_foreach(obj, key, jv) {
		long i = pp_http_field_index(req->route, key, strlen(key));
		if (i < 0)
			return pp_fail(req, PP_ERR_FIELD_UNKNOWN, "Unknown field '%s'.",
			    pp_http_safe_name(req, key, strlen(key)));
		const struct pp_field *f = &req->route->fields[i];
		struct pp_value *v = &req->val[i];
		switch (f->type) {
		case PP_FIELD_JSON:
			v->j = jv;
			v->set = 1;
			continue;
		case PP_FIELD_INT:
			if (!json_object_is_type(jv, json_type_int))
				return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' must be an integer.", f->name);
			errno = 0;
			v->i = json_object_get_int64(jv);
			if (errno != 0 || v->i < f->min || v->i > f->max)
				return pp_fail(req, PP_ERR_FIELD_INVALID,
				    "Field '%s' must be an integer from %lld to %lld.", f->name,
				    (long long)f->min, (long long)f->max);
			v->set = 1;
			continue;
		case PP_FIELD_BOOL:
			if (!json_object_is_type(jv, json_type_boolean))
				return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' must be true or false.", f->name);
			v->i = json_object_get_boolean(jv);
			v->set = 1;
			continue;
		default:
			if (!json_object_is_type(jv, json_type_string))
				return pp_fail(req, PP_ERR_FIELD_INVALID, "Field '%s' must be a string.", f->name);
			if ((rc = pp_http_text_value(req, f, json_object_get_string(jv),
			    (size_t)json_object_get_string_len(jv), v)) != PP_OK)
				return rc;
		}
	}
	return pp_http_check_required(req);
}

/* ------------------------------------------------------------------ language */

const char *
pp_http_lang(const char *explicit_lang, const char *accept, const char *def)
{
	const char *best = NULL;
	int bestq = 0;

	if (explicit_lang && (strcmp(explicit_lang, "en") == 0 || strcmp(explicit_lang, "fr") == 0))
		return strcmp(explicit_lang, "en") == 0 ? "en" : "fr";
	/* Accept-Language: range [OWS ";" OWS "q=" qvalue], ...  Only the
	 * primary subtag counts; a malformed weight counts as 0. */
	for (const char *p = accept; p && *p;) {
		const char *item = p, *comma = strchr(p, ',');
		size_t ilen = comma ? (size_t)(comma - p) : strlen(p);
		p = comma ? comma + 1 : p + ilen;
		while (ilen && (*item == ' ' || *item == '\t')) {
			item++;
			ilen--;
		}
		size_t tl = 0;
		while (tl < ilen && item[tl] != ';' && item[tl] != '-' && item[tl] != ' ' && item[tl] != '\t')
			tl++;
		int q = 1000;
		const char *semi = memchr(item, ';', ilen);
		if (semi) {
			const char *w = semi + 1, *end = item + ilen;
			while (w < end && (*w == ' ' || *w == '\t'))
				w++;
			q = 0;
			if (end - w >= 3 && (w[0] == 'q' || w[0] == 'Q') && w[1] == '=') {
				w += 2;
				if (*w == '1')
					q = 1000;
				else if (*w == '0') {
					int scale = 100;
					if (w + 1 < end && w[1] == '.')
						for (w += 2; w < end && *w >= '0' && *w <= '9' && scale; w++, scale /= 10)
							q += (*w - '0') * scale;
				}
			}
		}
		const char *lang = NULL;
		if (tl == 2 && strncasecmp(item, "en", 2) == 0)
			lang = "en";
		else if (tl == 2 && strncasecmp(item, "fr", 2) == 0)
			lang = "fr";
		if (lang && q > bestq) {
			best = lang;
			bestq = q;
		}
	}
	return best ? best : (strcmp(def, "fr") == 0 ? "fr" : "en");
}

/* ------------------------------------------------------------------ health */

static enum pp_err
pp_http_health_daemon(const char *socket, const char *name, json_object *checks)
{
	json_object *req = json_object_new_object(), *ans = NULL, *ok;
	enum pp_err rc;

	if (req == NULL || pp_json_add_int(req, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(req, "op", "health") != PP_OK) {
		json_object_put(req);
		return PP_ERR_NOMEM;
	}
	rc = pp_ipc_call(socket, req, PP_HEALTH_TIMEOUT_MS, &ans);
	json_object_put(req);
	if (rc == PP_OK && (!json_object_object_get_ex(ans, "ok", &ok) || !json_object_get_boolean(ok)))
		rc = PP_ERR_UNAVAILABLE;
	json_object_put(ans);
	if (pp_json_add_str(checks, name, rc == PP_OK ? "ok" : pp_err_code(rc)) != PP_OK)
		return PP_ERR_NOMEM;
	return rc;
}

enum pp_err
pp_http_health(struct pp_ctx *ctx, json_object **doc)
{
	json_object *d = json_object_new_object(), *checks = json_object_new_object();
	enum pp_err rc = PP_OK, r;

	if (d == NULL || checks == NULL) {
		json_object_put(d);
		json_object_put(checks);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(d, "checks", checks);
	r = pp_store_ping(ctx->store);
	if (pp_json_add_str(checks, "database", r == PP_OK ? "ok" : pp_err_code(r)) != PP_OK)
		r = PP_ERR_NOMEM;
	if (r != PP_OK)
		rc = r;
	if (ctx->app->deps & PP_DEP_SAM) {
		r = pp_http_health_daemon(pp_conf_str(ctx->conf, "sam", "socket"), "sam", checks);
		if (r != PP_OK && rc == PP_OK)
			rc = r;
	}
	if (ctx->app->deps & PP_DEP_AUDIT) {
		r = pp_http_health_daemon(pp_conf_str(ctx->conf, "audit", "socket"), "audit", checks);
		if (r != PP_OK && rc == PP_OK)
			rc = r;
	}
	if (pp_json_add_str(d, "component", ctx->app->name) != PP_OK ||
	    pp_json_add_str(d, "version", PP_VERSION) != PP_OK ||
	    pp_json_add_str(d, "status", rc == PP_OK ? "ok" : "unavailable") != PP_OK) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	*doc = d;
	return rc;
}

static enum pp_err
pp_http_healthz(struct pp_req *req)
{
	json_object *doc = NULL;
	enum pp_err rc = pp_http_health(req->ctx, &doc);

	if (doc == NULL)
		return rc;
	return pp_reply_json(req, rc == PP_OK ? 200 : 503, doc);
}

static const struct pp_route pp_http_health_route = {
	PP_GET, "/healthz", pp_http_healthz, PP_BODY_NONE, NULL, 0
};

/* ------------------------------------------------------------------ request */

static enum pp_err
pp_http_check_params(struct pp_req *req)
{
	size_t n = 0, bytes = 0;

	for (char **e = req->envp; e && *e; e++) {
		n++;
		bytes += strlen(*e);
	}
	if (n > req->ctx->limits.max_params || bytes > req->ctx->limits.max_header)
		return PP_ERR_HEADERS_TOO_LARGE;
	return PP_OK;
}

static int
pp_http_media_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	if (*ct == '\0')
		return 1;
	if (*ct != ';')
		return 0;
	ct++;
	while (*ct == ' ')
		ct++;
	return strcasecmp(ct, "charset=utf-8") == 0 || strcasecmp(ct, "charset=\"utf-8\"") == 0;
}

/* Reads exactly len bytes; one byte more is trailing data. */
static enum pp_err
pp_http_read_body(struct pp_req *req, const struct pp_http_in *in, size_t len, char **out)
{
	char *buf = pp_pool_alloc(req->pool, len + 1);
	size_t got = 0;
	char extra;

	if (buf == NULL)
		return PP_ERR_NOMEM;
	while (got < len) {
		int n = in->read(in->read_ctx, buf + got, (int)(len - got));
		if (n <= 0)
			return pp_fail(req, PP_ERR_BAD_REQUEST, "The body is shorter than its Content-Length.");
		got += (size_t)n;
	}
	if (in->read(in->read_ctx, &extra, 1) > 0)
		return PP_ERR_TRAILING_DATA;
	buf[len] = '\0';
	*out = buf;
	return PP_OK;
}

static void
pp_http_json_put(void *arg)
{
	json_object_put(arg);
}

static enum pp_err
pp_http_json_cleanup_register(struct pp_req *req)
{
	return pp_pool_cleanup(req->pool, pp_http_json_put, req->json);
}

static void
pp_http_hdf_cleanup(void *arg)
{
	struct pp_req *req = arg;

	if (req->hdf)
		hdf_destroy(&req->hdf);
}

static enum pp_err
pp_http_process(struct pp_req *req, const struct pp_http_in *in)
{
	const char *method, *path, *clen, *ctype, *lang_field = NULL;
	const char *allow = NULL;
	int64_t len = 0;
	int has_body, body_json;
	char *body = NULL;
	enum pp_err rc;

	if ((rc = pp_http_check_params(req)) != PP_OK)
		return rc;
	req->remote_addr = pp_req_param(req, "REMOTE_ADDR");
	/* Client certificate: only the parameters nginx sets count. */
	rc = pp_cert_check(req->pool, req->ctx->issuers, pp_req_param(req, "SSL_CLIENT_VERIFY"),
	    pp_req_param(req, "SSL_CLIENT_CERT"), &req->client);
	if (rc != PP_OK)
		return rc;
	if (req->ctx->app->cert == PP_CERT_REQUIRED && !req->client.present)
		return PP_ERR_CLIENT_CERT;

	method = pp_req_param(req, "REQUEST_METHOD");
	if (method && strcmp(method, "GET") == 0)
		req->method = PP_GET;
	else if (method && strcmp(method, "POST") == 0)
		req->method = PP_POST;
	else if (method && strcmp(method, "HEAD") == 0)
		req->method = PP_HEAD;
	else if (method && strcmp(method, "PATCH") == 0)
		req->method = PP_PATCH;
	else if (method && strcmp(method, "DELETE") == 0)
		req->method = PP_DELETE;
	else {
		/* Allow: the methods of the path when it has a route. */
		const struct pp_route *r;
		path = pp_req_param(req, "DOCUMENT_URI");
		req->allow = "GET, HEAD, POST";
		if (path && strcmp(path, pp_http_health_route.path) == 0)
			req->allow = "GET, HEAD";
		else if (path && pp_http_route(req->ctx->app, path, (enum pp_method)0, &r, &allow) == PP_ERR_METHOD)
			req->allow = allow;
		return PP_ERR_METHOD;
	}
	path = pp_req_param(req, "DOCUMENT_URI");
	if (path == NULL || *path != '/' || strlen(path) > 1024)
		return PP_ERR_NOT_FOUND;
	req->path = path;
	req->query = pp_req_param(req, "QUERY_STRING");
	if (strcmp(path, pp_http_health_route.path) == 0) {
		if (req->method != PP_GET && req->method != PP_HEAD) {
			req->allow = "GET, HEAD";
			return PP_ERR_METHOD;
		}
		req->route = &pp_http_health_route;
	} else if ((rc = pp_http_route(req->ctx->app, path, req->method, &req->route, &allow)) != PP_OK) {
		req->allow = allow;
		return rc;
	}
	{
		const char *param;
		size_t plen;
		if (pp_http_path_match(req->route->path, path, &param, &plen) && param) {
			if ((req->param.s = pp_pool_strndup(req->pool, param, plen)) == NULL)
				return PP_ERR_NOMEM;
			req->param.len = plen;
			req->param.set = 1;
		}
	}
	if (req->route != &pp_http_health_route && req->ctx->app->pre != NULL) {
		if ((rc = req->ctx->app->pre(req)) != PP_OK)
			return rc;
		if (req->body != NULL)
			return PP_OK;
	}
	has_body = req->method == PP_POST || req->method == PP_PATCH;

	/* Body limits before reading a byte. */
	clen = pp_req_param(req, "CONTENT_LENGTH");
	if (clen && *clen && pp_strtonum(clen, strlen(clen), 0, INT64_MAX, &len) != PP_OK)
		return pp_fail(req, PP_ERR_BAD_REQUEST, "Invalid Content-Length.");
	if ((uint64_t)len > req->ctx->limits.max_body)
		return pp_fail(req, PP_ERR_BODY_TOO_LARGE, "The limit is %zu bytes.", req->ctx->limits.max_body);
	if (!has_body && len > 0)
		return pp_fail(req, PP_ERR_BAD_REQUEST, "A %s request has no body.", method);
	if (has_body && req->query && *req->query)
		return pp_fail(req, PP_ERR_BAD_REQUEST, "A %s request takes its fields in the body, not the URL.",
		    method);
	ctype = pp_req_param(req, "CONTENT_TYPE");
	body_json = req->route->body == PP_BODY_JSON ||
	    (req->route->body == PP_BODY_JSON_FORM && pp_http_media_is(ctype, "application/json"));
	if (has_body && len > 0) {
		if (req->route->body == PP_BODY_JSON_FORM && !body_json &&
		    !pp_http_media_is(ctype, "application/x-www-form-urlencoded"))
			return pp_fail(req, PP_ERR_UNSUPPORTED_MEDIA,
			    "Send application/x-www-form-urlencoded or application/json.");
		if (req->route->body == PP_BODY_JSON && !pp_http_media_is(ctype, "application/json"))
			return pp_fail(req, PP_ERR_UNSUPPORTED_MEDIA, "Send application/json.");
		if (req->route->body == PP_BODY_FORM &&
		    !pp_http_media_is(ctype, "application/x-www-form-urlencoded"))
			return pp_fail(req, PP_ERR_UNSUPPORTED_MEDIA, "Send application/x-www-form-urlencoded.");
		if (req->route->body == PP_BODY_NONE)
			return pp_fail(req, PP_ERR_BAD_REQUEST, "This endpoint takes no body.");
	}
	if ((rc = pp_http_read_body(req, in, (size_t)len, &body)) != PP_OK)
		return rc;

	/* Fields. */
	if (has_body && body_json && len > 0) {
		char field[65];
		rc = pp_json_parse_ex(body, (size_t)len, req->ctx->limits.max_json_depth,
		    req->ctx->limits.max_fields, &req->json, field, sizeof(field));
		if (rc == PP_ERR_FIELD_INVALID && field[0])
			return pp_fail(req, rc, "Field '%s' holds an integer out of range.", field);
		if (rc != PP_OK)
			return rc;
		if ((rc = pp_http_json_cleanup_register(req)) != PP_OK) {
			json_object_put(req->json);
			req->json = NULL;
			return rc;
		}
		rc = pp_http_parse_json(req, req->json);
	} else if (has_body)
		rc = pp_http_parse_form(req, body, (size_t)len);
	else
		rc = pp_http_parse_form(req, req->query ? req->query : "",
		    req->query ? strlen(req->query) : 0);
	if (rc != PP_OK)
		return rc;

	/* Language: a declared "lang" field overrides Accept-Language. */
	for (size_t i = 0; i < req->route->nfields; i++)
		if (strcmp(req->route->fields[i].name, "lang") == 0 && req->val[i].set)
			lang_field = req->val[i].s;
	/* Without one, req->lang keeps the Accept-Language choice made in
	 * pp_http_handle. */
	if (lang_field)
		req->lang = pp_http_lang(lang_field, NULL, req->ctx->lang_default);
	return req->route->handler(req);
}

enum pp_err
pp_http_handle(struct pp_ctx *ctx, const struct pp_http_in *in, struct pp_pool *pool,
    struct pp_req **out)
{
	struct pp_req *req = pp_pool_zalloc(pool, sizeof(*req));
	enum pp_err rc;

	if (req == NULL)
		return PP_ERR_NOMEM;
	req->ctx = ctx;
	req->pool = pool;
	req->envp = in->envp;
	req->lang = pp_http_lang(NULL, pp_req_param(req, "HTTP_ACCEPT_LANGUAGE"), ctx->lang_default);
	if (pp_pool_cleanup(pool, pp_http_hdf_cleanup, req) != PP_OK)
		return PP_ERR_NOMEM;
	rc = pp_http_process(req, in);
	if (rc == PP_OK && req->body == NULL)
		rc = PP_ERR_INTERNAL;	/* a handler must answer */
	if (rc != PP_OK) {
		const char *allow = req->allow;
		req->body = NULL;
		req->headers = NULL;
		pp_http_error(req, rc);
		req->allow = allow;
	}
	if (req->method == PP_HEAD)
		req->body_len = 0;
	*out = req;
	return PP_OK;
}

static const char *
pp_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

enum pp_err
pp_http_format(struct pp_req *req, const char **bytes, size_t *len)
{
	char *head;

	/* RFC 9110 section 8.6: no Content-Length (nor a body) in a 204. */
	if (req->status == 204)
		head = pp_pool_printf(req->pool, "Status: 204 %s\r\nCache-Control: no-store\r\n%s\r\n",
		    pp_http_reason(204), req->headers ? req->headers : "");
	else
		head = pp_pool_printf(req->pool,
		    "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s%s%s%s\r\n",
		    req->status, pp_http_reason(req->status), req->content_type, req->body_len,
		    req->allow ? "Allow: " : "", req->allow ? req->allow : "", req->allow ? "\r\n" : "",
		    req->headers ? req->headers : "");
	if (head == NULL)
		return PP_ERR_NOMEM;
	size_t hl = strlen(head);
	char *all = pp_pool_alloc(req->pool, hl + req->body_len + 1);
	if (all == NULL)
		return PP_ERR_NOMEM;
	memcpy(all, head, hl);
	if (req->body_len)
		memcpy(all + hl, req->body, req->body_len);
	all[hl + req->body_len] = '\0';
	*bytes = all;
	*len = hl + req->body_len;
	return PP_OK;
}

/* ------------------------------------------------------------------ main loop */

static int
pp_http_fcgx_read(void *ctx, char *buf, int n)
{
	return FCGX_GetStr(buf, n, ((FCGX_Request *)ctx)->in);
}

static void
pp_http_serve_one(struct pp_ctx *ctx, FCGX_Request *fr)
{
	struct pp_http_in in = { fr->envp, pp_http_fcgx_read, fr };
	struct pp_pool *pool = NULL;
	struct pp_req *req = NULL;
	const char *bytes;
	size_t len;
	static const char oom[] = "Status: 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n"
	    "{\"error\":\"temporarily_unavailable\",\"error_description\":\"Out of memory.\"}";

	if (pp_pool_new(&pool) != PP_OK || pp_http_handle(ctx, &in, pool, &req) != PP_OK ||
	    pp_http_format(req, &bytes, &len) != PP_OK) {
		FCGX_PutStr(oom, (int)sizeof(oom) - 1, fr->out);
	} else {
		FCGX_PutStr(bytes, (int)len, fr->out);
		pp_info_log("%s %s %d", pp_http_method_name(req->method), req->path ? req->path : "-",
		    req->status);
	}
	pp_pool_free(pool);
}

enum pp_err
pp_req_audit(struct pp_req *req, struct pp_audit_event *ev)
{
	if (ev->client_ip == NULL && req->remote_addr && *req->remote_addr)
		ev->client_ip = req->remote_addr;
	if (ev->actor_id == NULL && req->client.present && req->client.subject)
		ev->actor_id = req->client.subject;
	if (pp_audit_emit(req->ctx->conf, ev, NULL) != PP_OK)
		return pp_fail(req, PP_ERR_UNAVAILABLE, "the audit log cannot record this %s event;"
		    " nothing was done", pp_audit_type_name(ev->type));
	return PP_OK;
}

int
pp_http_main(const struct pp_app *app, int argc, char **argv)
{
	struct pp_ctx ctx;
	const char *sock, *ca;
	FCGX_Request fr;
	int fd = -1, status = 1, own_socket = 0, started = 0, nworkers, worker = 1, inited = 0;
	static char prog[32];

	memset(&ctx, 0, sizeof(ctx));
	ctx.app = app;
	snprintf(prog, sizeof(prog), "paraphe-%s", app->name);
	/* No core dumps: a plugin holds session secrets (login codes, OAuth
	 * codes in flight, the signer's login-token PIN) and clients' data. */
	pp_proc_no_dumps();
	if ((status = pp_proc_start(prog, argc, argv, &ctx.conf)) != 0)
		return status;
	status = 1;
	pp_sandbox_setup(ctx.conf);
	/* The SCA API plugin talks to unix sockets only (the SAM, the audit
	 * daemon, syslog); the signer reaches its OpenID Connect provider, the
	 * demo the SCA API, the console probes the listeners (status page). */
	if (strcmp(app->name, "sca") == 0)
		pp_sandbox_no_network();
	if (pp_perm_check_start(ctx.conf, PP_SANDBOX_PLUGIN, app->name, app->store ? app->store : "web") != PP_OK)
		goto out;
	ctx.limits.max_body = (size_t)pp_conf_int(ctx.conf, "limits", "max_body_bytes");
	ctx.limits.max_header = (size_t)pp_conf_int(ctx.conf, "limits", "max_header_bytes");
	ctx.limits.max_params = (size_t)pp_conf_int(ctx.conf, "limits", "max_params");
	ctx.limits.max_fields = (size_t)pp_conf_int(ctx.conf, "limits", "max_fields");
	ctx.limits.max_json_depth = (int)pp_conf_int(ctx.conf, "limits", "max_json_depth");
	ctx.lang_default = pp_conf_str(ctx.conf, "service", "lang_default");

	sock = pp_conf_str(ctx.conf, app->name, "socket");
	ca = pp_conf_str(ctx.conf, app->name, "client_ca");
	if (pp_cert_issuers_load(ca, &ctx.issuers) != PP_OK)
		goto out;
	if (pp_html_new(pp_conf_str(ctx.conf, "service", "templates_dir"), &ctx.html) != PP_OK)
		goto out;
	/* Before the fork: the workers share the mapping (audit records' GeoIP). */
	if (pp_geo_open(pp_conf_str(ctx.conf, "geoip", "database")) != PP_OK)
		goto out;
	/* Socket first (it may need root for its directory), then drop
	 * privileges, then open the database as the service user. */
	fd = pp_proc_listen_fd();
	if (fd < 0) {
		if (pp_proc_unix_listen(sock, pp_conf_str(ctx.conf, "service", "user"),
		    pp_conf_str(ctx.conf, "service", "group"), &fd) != PP_OK)
			goto out;
		own_socket = 1;
	}
	if (app->preinit && app->preinit(&ctx) != PP_OK)
		goto out;
	if (pp_proc_drop(pp_conf_str(ctx.conf, "service", "user"),
	    pp_conf_str(ctx.conf, "service", "group")) != PP_OK)
		goto out;
	pp_proc_no_dumps();	/* the identity change reset it */
	/* Workers share the socket; each opens its own database connection
	 * and FastCGI state.  The parent only supervises them. */
	nworkers = (int)pp_conf_int(ctx.conf, app->name, "workers");
	if (nworkers == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nworkers = cpus < 1 ? 1 : cpus > PP_PROC_MAX_WORKERS ? PP_PROC_MAX_WORKERS : (int)cpus;
	}
	if ((status = pp_proc_prefork(nworkers, &worker)) != 0 || !worker)
		goto out;
	status = 1;
	if (nworkers > 1)
		own_socket = 0;	/* the supervisor removes it */
	if (pp_store_open(ctx.conf, app->store ? app->store : "web", &ctx.store) != PP_OK)
		goto out;
	inited = 1;
	if (app->init && app->init(&ctx) != PP_OK)
		goto out;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		pp_err_log("libfcgi initialisation failed");
		goto out;
	}
	/* The worker's start-up is over: from here on only what serving needs. */
	if (pp_sandbox_enter(PP_SANDBOX_PLUGIN) != PP_OK)
		goto out;
	/* Fail closed: a plugin whose start cannot be logged does not serve. */
	if (pp_audit_component(ctx.conf, prog, PP_AUDIT_COMPONENT_START) != PP_OK) {
		pp_err_log("%s: the audit daemon did not acknowledge the start record", prog);
		goto out;
	}
	started = 1;
	pp_proc_worker_ready();
	pp_info_log("%s %s listening on %s", app->name, PP_VERSION, sock);
	status = 0;
	while (!pp_proc_stop) {
		int r = pp_proc_wait_fd(fd, -1);
		if (r < 0) {
			pp_err_log("wait: %s", strerror(errno));
			status = 1;
			break;
		}
		if (r == 0)
			continue;
		if (FCGX_Accept_r(&fr) < 0) {
			if (pp_proc_stop)
				break;
			continue;
		}
		pp_http_serve_one(&ctx, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	fd = -1;
	pp_info_log("%s stopping", app->name);
out:
	if (status != 0)
		pp_err_log("%s could not start", app->name);
	if (started && pp_audit_component(ctx.conf, prog, PP_AUDIT_COMPONENT_STOP) != PP_OK)
		pp_err_log("%s: the stop record was not acknowledged by the audit daemon", prog);
	if (app->fini && inited)
		app->fini(&ctx);
	if (fd >= 0)
		close(fd);
	if (own_socket)
		unlink(sock);
	pp_store_close(ctx.store);
	pp_html_free(ctx.html);
	pp_cert_issuers_free(ctx.issuers);
	pp_geo_close();
	pp_conf_free(ctx.conf);
	pp_log_close();
	return status;
}
