/*
 * pp-test-idp: a stand-in OpenID Connect provider for the tests and the demo
 * (the production provider is LPDI or another one; see docs/OPERATIONS.md).
 *
 *   pp-test-idp --issuer https://127.0.0.1:PORT --cert CRT --key KEY
 *               --client-id ID --client-secret-file FILE --redirect-uri URI
 *               [--control FILE] [--ready-file FILE] [--rs256]
 *
 * Listens on 127.0.0.1:PORT over HTTPS (the demo PKI's server certificate)
 * and serves the authorization code flow with PKCE for one registered
 * client:
 *   GET  /.well-known/openid-configuration   discovery document
 *   GET  /jwks                                its public key (JWK set)
 *   GET  /authorize                           "Log in as <name>" page: a form,
 *                                             no JavaScript
 *   POST /authorize                           the button: 303 to redirect_uri
 *                                             with code and state
 *   POST /token                               client_secret_basic,
 *                                             authorization_code, PKCE S256
 *                                             checked, the code single-use;
 *                                             answers id_token, access_token
 * The ID token is really signed: ES256 (RS256 with --rs256) with a key made
 * at start.
 *
 * The control file (KEY=VALUE lines, read at every request, so a test
 * changes it between steps) says who logs in and which fault to produce:
 *   subject=demo-signatory     the "sub" claim (default demo-signatory)
 *   name=...                   shown on the page (default the subject)
 *   acr=substantial            the "acr" claim (default substantial)
 *   fault=none | bad-signature | wrong-audience | expired | wrong-nonce |
 *         wrong-acr | other-subject | wrong-issuer | unknown-kid
 * (unknown-kid: signed with a key /jwks never publishes, under a kid it
 * does not know either, as after a key roll the client missed)
 *
 * Each request is logged on stdout (method, path, status).  Test code: one
 * connection at a time, every read bounded in size and time.  Exits on
 * SIGTERM.
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_util.h"

#define IDP_MAX_HEADER 8192
#define IDP_MAX_BODY 8192
#define IDP_IO_TIMEOUT_S 5
#define IDP_SLOTS 64
#define IDP_CODE_TTL_S 60
#define IDP_STR 512

struct idp_pending {		/* an /authorize request shown, not yet answered */
	char id[33];
	char redirect_uri[IDP_STR], state[IDP_STR], nonce[IDP_STR], challenge[64], acr_values[IDP_STR];
	time_t at;
};

struct idp_code {		/* a code handed out */
	char code[44];
	char redirect_uri[IDP_STR], nonce[IDP_STR], challenge[64], subject[IDP_STR], acr[64];
	char fault[32];
	time_t at;
	int used;
};

static struct {
	const char *issuer, *client_id, *redirect_uri, *control;
	char secret[256];
	EVP_PKEY *key, *wrong_key;	/* wrong_key: bad-signature, same kid */
	char kid[23];
	struct idp_pending pending[IDP_SLOTS];
	struct idp_code codes[IDP_SLOTS];
	unsigned npending, ncodes;
} idp;

static volatile sig_atomic_t idp_stop;

static void
idp_on_signal(int sig)
{
	(void)sig;
	idp_stop = 1;
}

static void
idp_random_b64(char *out, size_t bytes)
{
	unsigned char b[32];

	if (bytes > sizeof(b) || RAND_bytes(b, (int)bytes) != 1)
		abort();
	pp_b64url_encode(b, bytes, out);
}

/* Copies src (truncated) into dst[cap]. */
static void
idp_copy(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strnlen(src, cap - 1) : 0;

	memmove(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* ------------------------------------------------------------------ control file */

struct idp_control {
	char subject[IDP_STR], name[IDP_STR], acr[64], fault[32];
};

static void
idp_control_read(struct idp_control *c)
{
	char line[IDP_STR + 32], *eq, *nl;
	FILE *f;

	idp_copy(c->subject, sizeof(c->subject), "demo-signatory");
	c->name[0] = '\0';
	idp_copy(c->acr, sizeof(c->acr), "substantial");
	idp_copy(c->fault, sizeof(c->fault), "none");
	if (idp.control == NULL || (f = fopen(idp.control, "r")) == NULL)
		goto done;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "subject") == 0)
			idp_copy(c->subject, sizeof(c->subject), eq);
		else if (strcmp(line, "name") == 0)
			idp_copy(c->name, sizeof(c->name), eq);
		else if (strcmp(line, "acr") == 0)
			idp_copy(c->acr, sizeof(c->acr), eq);
		else if (strcmp(line, "fault") == 0)
			idp_copy(c->fault, sizeof(c->fault), eq);
	}
	fclose(f);
done:
	if (c->name[0] == '\0')
		idp_copy(c->name, sizeof(c->name), c->subject);
}

/* ------------------------------------------------------------------ HTTP */

struct idp_req {
	char method[8];
	char path[IDP_STR];
	char query[IDP_MAX_HEADER];
	char auth[IDP_STR];
	char body[IDP_MAX_BODY + 1];
	size_t body_len;
};

/* One request: headers up to the blank line, then Content-Length bytes. */
static int
idp_read_req(SSL *ssl, struct idp_req *r)
{
	static char buf[IDP_MAX_HEADER + IDP_MAX_BODY + 1];
	size_t have = 0, hlen, clen = 0;
	char *end = NULL, *line, *next, *q;
	int n;

	memset(r, 0, sizeof(*r));
	while (end == NULL) {
		if (have >= IDP_MAX_HEADER)
			return -1;
		if ((n = SSL_read(ssl, buf + have, (int)(IDP_MAX_HEADER - have))) <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	hlen = (size_t)(end - buf) + 4;
	*end = '\0';
	line = buf;
	next = strstr(line, "\r\n");
	if (next)
		*next = '\0';
	if (sscanf(line, "%7s", r->method) != 1 || (q = strchr(line, ' ')) == NULL)
		return -1;
	q++;
	{
		char *sp = strchr(q, ' '), *qm;

		if (sp == NULL)
			return -1;
		*sp = '\0';
		if ((qm = strchr(q, '?')) != NULL) {
			*qm = '\0';
			idp_copy(r->query, sizeof(r->query), qm + 1);
		}
		idp_copy(r->path, sizeof(r->path), q);
	}
	for (line = next ? next + 2 : NULL; line != NULL && *line; line = next ? next + 2 : NULL) {
		if ((next = strstr(line, "\r\n")) != NULL)
			*next = '\0';
		if (strncasecmp(line, "Content-Length:", 15) == 0) {
			clen = strtoul(line + 15, NULL, 10);
			if (clen > IDP_MAX_BODY)
				return -1;
		} else if (strncasecmp(line, "Authorization:", 14) == 0) {
			const char *v = line + 14;
			while (*v == ' ')
				v++;
			idp_copy(r->auth, sizeof(r->auth), v);
		}
	}
	have -= hlen;
	if (have > clen)
		return -1;
	memmove(buf, buf + hlen, have);
	while (have < clen) {
		if ((n = SSL_read(ssl, buf + have, (int)(clen - have))) <= 0)
			return -1;
		have += (size_t)n;
	}
	memcpy(r->body, buf, clen);
	r->body[clen] = '\0';
	r->body_len = clen;
	return 0;
}

/* Value of name in a form / query string, URL-decoded into out; 0 when absent. */
static int
idp_form(const char *s, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), vl, ol;
	const char *p = s, *amp;

	while (p && *p) {
		amp = strchr(p, '&');
		vl = amp ? (size_t)(amp - p) : strlen(p);
		if (vl > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (vl - nl - 1 >= cap || pp_url_decode(p + nl + 1, vl - nl - 1, out, &ol) != PP_OK)
				return 0;
			out[ol] = '\0';
			return 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

static void
idp_send(SSL *ssl, struct idp_req *r, int status, const char *type, const char *extra, const char *body)
{
	char head[2048];
	const char *reason = status == 200 ? "OK" : status == 303 ? "See Other" : status == 400 ? "Bad Request" :
	    status == 401 ? "Unauthorized" : status == 404 ? "Not Found" : "Error";
	int n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s"
	    "Connection: close\r\n\r\n", status, reason, type, strlen(body), extra ? extra : "");

	if (n > 0 && (size_t)n < sizeof(head))
		SSL_write(ssl, head, n);
	if (*body)
		SSL_write(ssl, body, (int)strlen(body));
	printf("pp-test-idp: %s %s %d\n", r->method, r->path, status);
	fflush(stdout);
}

static void
idp_json(SSL *ssl, struct idp_req *r, int status, json_object *o)
{
	size_t len;
	const char *s = pp_json_str(o, &len);

	idp_send(ssl, r, status, "application/json", NULL, s ? s : "{}");
	json_object_put(o);
}

static void
idp_oauth_error(SSL *ssl, struct idp_req *r, int status, const char *err, const char *desc)
{
	json_object *o = json_object_new_object();

	if (o == NULL || pp_json_add_str(o, "error", err) != PP_OK ||
	    pp_json_add_str(o, "error_description", desc) != PP_OK) {
		json_object_put(o);
		idp_send(ssl, r, 500, "text/plain", NULL, "out of memory\n");
		return;
	}
	printf("pp-test-idp: refused: %s (%s)\n", err, desc);
	idp_json(ssl, r, status, o);
}

/* ------------------------------------------------------------------ endpoints */

static void
idp_discovery(SSL *ssl, struct idp_req *r)
{
	json_object *o = json_object_new_object(), *a;
	char url[IDP_STR];
	static const char *const arrays[][2] = {
		{ "response_types_supported", "code" },
		{ "subject_types_supported", "public" },
		{ "token_endpoint_auth_methods_supported", "client_secret_basic" },
		{ "code_challenge_methods_supported", "S256" },
		{ "grant_types_supported", "authorization_code" },
		{ "acr_values_supported", "substantial" },
	};

	if (o == NULL)
		abort();
	if (pp_json_add_str(o, "issuer", idp.issuer) != PP_OK)
		abort();
	snprintf(url, sizeof(url), "%s/authorize", idp.issuer);
	if (pp_json_add_str(o, "authorization_endpoint", url) != PP_OK)
		abort();
	snprintf(url, sizeof(url), "%s/token", idp.issuer);
	if (pp_json_add_str(o, "token_endpoint", url) != PP_OK)
		abort();
	snprintf(url, sizeof(url), "%s/jwks", idp.issuer);
	if (pp_json_add_str(o, "jwks_uri", url) != PP_OK)
		abort();
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		if ((a = json_object_new_array()) == NULL)
			abort();
		json_object_array_add(a, json_object_new_string(arrays[i][1]));
		json_object_object_add(o, arrays[i][0], a);
	}
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(pp_jose_alg(idp.key)));
	json_object_object_add(o, "id_token_signing_alg_values_supported", a);
	idp_json(ssl, r, 200, o);
}

static void
idp_jwks(SSL *ssl, struct idp_req *r)
{
	json_object *o = json_object_new_object(), *keys = json_object_new_array(), *jwk;

	if (o == NULL || keys == NULL || pp_jwk_public(idp.key, idp.kid, &jwk) != PP_OK)
		abort();
	json_object_array_add(keys, jwk);
	json_object_object_add(o, "keys", keys);
	idp_json(ssl, r, 200, o);
}

/* HTML-escapes s into out. */
static void
idp_html(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	for (; *s && o + 7 < cap; s++) {
		const char *e = NULL;
		switch (*s) {
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '&': e = "&amp;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
		if (e) {
			memcpy(out + o, e, strlen(e));
			o += strlen(e);
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

static void
idp_authorize_page(SSL *ssl, struct idp_req *r)
{
	struct idp_pending *p;
	struct idp_control c;
	char v[IDP_STR], name[IDP_STR * 6], page[IDP_STR * 8];

	if (!idp_form(r->query, "client_id", v, sizeof(v)) || strcmp(v, idp.client_id) != 0) {
		idp_send(ssl, r, 400, "text/plain", NULL, "unknown client_id\n");
		return;
	}
	/* Never redirect to a URI the client did not register. */
	if (!idp_form(r->query, "redirect_uri", v, sizeof(v)) || strcmp(v, idp.redirect_uri) != 0) {
		idp_send(ssl, r, 400, "text/plain", NULL, "redirect_uri not registered\n");
		return;
	}
	p = &idp.pending[idp.npending++ % IDP_SLOTS];
	memset(p, 0, sizeof(*p));
	idp_copy(p->redirect_uri, sizeof(p->redirect_uri), v);
	if (!idp_form(r->query, "response_type", v, sizeof(v)) || strcmp(v, "code") != 0 ||
	    !idp_form(r->query, "scope", v, sizeof(v)) || strstr(v, "openid") == NULL ||
	    !idp_form(r->query, "state", p->state, sizeof(p->state)) ||
	    !idp_form(r->query, "nonce", p->nonce, sizeof(p->nonce)) ||
	    !idp_form(r->query, "code_challenge", p->challenge, sizeof(p->challenge)) ||
	    !idp_form(r->query, "code_challenge_method", v, sizeof(v)) || strcmp(v, "S256") != 0) {
		p->id[0] = '\0';
		idp_send(ssl, r, 400, "text/plain", NULL,
		    "need response_type=code, scope with openid, state, nonce, code_challenge (S256)\n");
		return;
	}
	idp_form(r->query, "acr_values", p->acr_values, sizeof(p->acr_values));
	idp_random_b64(p->id, 16);
	p->at = time(NULL);
	idp_control_read(&c);
	idp_html(c.name, name, sizeof(name));
	snprintf(page, sizeof(page),
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stand-in provider</title></head>\n"
	    "<body><h1>Stand-in OpenID Connect provider</h1>\n"
	    "<p>Test and demo only: no password is asked.</p>\n"
	    "<form method=\"post\" action=\"/authorize\">\n"
	    "<input type=\"hidden\" name=\"req\" value=\"%s\">\n"
	    "<button type=\"submit\" id=\"login\">Log in as %s</button>\n"
	    "</form></body></html>\n", p->id, name);
	idp_send(ssl, r, 200, "text/html; charset=utf-8", NULL, page);
}

static void
idp_authorize_post(SSL *ssl, struct idp_req *r)
{
	struct idp_pending *p = NULL;
	struct idp_code *code;
	struct idp_control c;
	char id[64], loc[IDP_STR * 4], state[IDP_STR * 3];
	size_t i;

	if (idp_form(r->body, "req", id, sizeof(id))) {
		for (i = 0; i < IDP_SLOTS; i++) {
			if (idp.pending[i].id[0] && strcmp(idp.pending[i].id, id) == 0) {
				p = &idp.pending[i];
				break;
			}
		}
	}
	if (p == NULL || time(NULL) - p->at > 600) {
		idp_send(ssl, r, 400, "text/plain", NULL, "unknown or expired login request\n");
		return;
	}
	idp_control_read(&c);
	code = &idp.codes[idp.ncodes++ % IDP_SLOTS];
	memset(code, 0, sizeof(*code));
	idp_random_b64(code->code, 32);
	idp_copy(code->redirect_uri, sizeof(code->redirect_uri), p->redirect_uri);
	idp_copy(code->nonce, sizeof(code->nonce), p->nonce);
	idp_copy(code->challenge, sizeof(code->challenge), p->challenge);
	idp_copy(code->subject, sizeof(code->subject), c.subject);
	idp_copy(code->acr, sizeof(code->acr), c.acr);
	idp_copy(code->fault, sizeof(code->fault), c.fault);
	code->at = time(NULL);
	/* The state goes back as it came, URL-encoded. */
	{
		size_t o = 0;
		for (const char *s = p->state; *s && o + 4 < sizeof(state); s++) {
			unsigned char ch = (unsigned char)*s;
			if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			    ch == '-' || ch == '_' || ch == '.' || ch == '~')
				state[o++] = (char)ch;
			else
				o += (size_t)snprintf(state + o, 4, "%%%02X", ch);
		}
		state[o] = '\0';
	}
	snprintf(loc, sizeof(loc), "Location: %s%scode=%s&state=%s\r\n", p->redirect_uri,
	    strchr(p->redirect_uri, '?') ? "&" : "?", code->code, state);
	p->id[0] = '\0';	/* one answer per request */
	idp_send(ssl, r, 303, "text/plain", loc, "");
}

/* client_secret_basic: "Basic base64(client_id:secret)". */
static int
idp_client_ok(const char *auth)
{
	unsigned char dec[IDP_STR];
	char want[IDP_STR];
	size_t n;
	int wl;

	if (strncasecmp(auth, "Basic ", 6) != 0)
		return 0;
	if (pp_b64_decode(auth + 6, strlen(auth + 6), dec, sizeof(dec), &n) != PP_OK)
		return 0;
	wl = snprintf(want, sizeof(want), "%s:%s", idp.client_id, idp.secret);
	return wl > 0 && (size_t)wl == n && pp_ct_equal(dec, want, n);
}

static void
idp_token(SSL *ssl, struct idp_req *r)
{
	struct idp_code *code = NULL;
	char v[IDP_STR], verifier[256], access[44], *jws = NULL;
	unsigned char dg[SHA256_DIGEST_LENGTH];
	char chal[PP_B64URL_LEN(SHA256_DIGEST_LENGTH) + 1];
	json_object *claims, *o;
	time_t now = time(NULL);
	int64_t iat = (int64_t)now, exp = (int64_t)now + 300;
	const char *iss = idp.issuer, *aud = idp.client_id, *nonce, *sub, *acr;
	char other[IDP_STR + 8];
	EVP_PKEY *signer = idp.key;
	const char *kid = idp.kid;
	size_t i;

	if (!idp_client_ok(r->auth)) {
		idp_oauth_error(ssl, r, 401, "invalid_client", "client authentication failed");
		return;
	}
	if (!idp_form(r->body, "grant_type", v, sizeof(v)) || strcmp(v, "authorization_code") != 0) {
		idp_oauth_error(ssl, r, 400, "unsupported_grant_type", "authorization_code only");
		return;
	}
	if (idp_form(r->body, "code", v, sizeof(v))) {
		for (i = 0; i < IDP_SLOTS; i++) {
			if (idp.codes[i].code[0] && strcmp(idp.codes[i].code, v) == 0) {
				code = &idp.codes[i];
				break;
			}
		}
	}
	if (code == NULL || code->used || now - code->at > IDP_CODE_TTL_S) {
		if (code)
			code->used = 1;
		idp_oauth_error(ssl, r, 400, "invalid_grant", "unknown, used or expired code");
		return;
	}
	code->used = 1;		/* single use, whatever follows */
	if (!idp_form(r->body, "redirect_uri", v, sizeof(v)) || strcmp(v, code->redirect_uri) != 0) {
		idp_oauth_error(ssl, r, 400, "invalid_grant", "redirect_uri mismatch");
		return;
	}
	if (!idp_form(r->body, "code_verifier", verifier, sizeof(verifier)) || strlen(verifier) < 43) {
		idp_oauth_error(ssl, r, 400, "invalid_grant", "code_verifier missing");
		return;
	}
	SHA256((const unsigned char *)verifier, strlen(verifier), dg);
	pp_b64url_encode(dg, sizeof(dg), chal);
	if (strcmp(chal, code->challenge) != 0) {
		idp_oauth_error(ssl, r, 400, "invalid_grant", "PKCE verifier does not match the challenge");
		return;
	}
	nonce = code->nonce;
	sub = code->subject;
	acr = code->acr;
	if (strcmp(code->fault, "bad-signature") == 0)
		signer = idp.wrong_key;
	else if (strcmp(code->fault, "unknown-kid") == 0) {
		signer = idp.wrong_key;
		kid = "rolled-key";
	} else if (strcmp(code->fault, "wrong-audience") == 0)
		aud = "another-client";
	else if (strcmp(code->fault, "expired") == 0) {
		iat = (int64_t)now - 3600;
		exp = (int64_t)now - 1800;
	} else if (strcmp(code->fault, "wrong-nonce") == 0)
		nonce = "not-the-nonce-that-was-sent";
	else if (strcmp(code->fault, "wrong-acr") == 0)
		acr = "low";
	else if (strcmp(code->fault, "other-subject") == 0) {
		snprintf(other, sizeof(other), "%s-other", sub);
		sub = other;
	} else if (strcmp(code->fault, "wrong-issuer") == 0)
		iss = "https://impostor.example";
	if ((claims = json_object_new_object()) == NULL || pp_json_add_str(claims, "iss", iss) != PP_OK ||
	    pp_json_add_str(claims, "sub", sub) != PP_OK || pp_json_add_str(claims, "aud", aud) != PP_OK ||
	    pp_json_add_int(claims, "iat", iat) != PP_OK || pp_json_add_int(claims, "exp", exp) != PP_OK ||
	    pp_json_add_int(claims, "auth_time", iat) != PP_OK || pp_json_add_str(claims, "nonce", nonce) != PP_OK ||
	    pp_json_add_str(claims, "acr", acr) != PP_OK || pp_json_add_str(claims, "azp", idp.client_id) != PP_OK ||
	    pp_jws_sign_pkey(signer, "JWT", kid, claims, &jws) != PP_OK)
		abort();
	json_object_put(claims);
	idp_random_b64(access, 32);
	if ((o = json_object_new_object()) == NULL || pp_json_add_str(o, "access_token", access) != PP_OK ||
	    pp_json_add_str(o, "token_type", "Bearer") != PP_OK || pp_json_add_int(o, "expires_in", 300) != PP_OK ||
	    pp_json_add_str(o, "id_token", jws) != PP_OK)
		abort();
	pp_free(jws);
	printf("pp-test-idp: id_token for %s (fault %s)\n", sub, code->fault);
	idp_json(ssl, r, 200, o);
}

static void
idp_serve(SSL *ssl)
{
	static struct idp_req r;

	if (idp_read_req(ssl, &r) != 0)
		return;
	if (strcmp(r.method, "GET") == 0 && strcmp(r.path, "/.well-known/openid-configuration") == 0)
		idp_discovery(ssl, &r);
	else if (strcmp(r.method, "GET") == 0 && strcmp(r.path, "/jwks") == 0)
		idp_jwks(ssl, &r);
	else if (strcmp(r.method, "GET") == 0 && strcmp(r.path, "/authorize") == 0)
		idp_authorize_page(ssl, &r);
	else if (strcmp(r.method, "POST") == 0 && strcmp(r.path, "/authorize") == 0)
		idp_authorize_post(ssl, &r);
	else if (strcmp(r.method, "POST") == 0 && strcmp(r.path, "/token") == 0)
		idp_token(ssl, &r);
	else
		idp_send(ssl, &r, 404, "text/plain", NULL, "not found\n");
}

/* ------------------------------------------------------------------ main */

static void
idp_usage(void)
{
	fprintf(stderr, "usage: pp-test-idp --issuer https://127.0.0.1:PORT --cert CRT --key KEY --client-id ID "
	    "--client-secret-file FILE --redirect-uri URI [--control FILE] [--ready-file FILE] [--rs256]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *secret_file = NULL, *ready = NULL, *p;
	int rs256 = 0, lfd, one = 1;
	long port;
	size_t slen;
	struct sockaddr_in sa;
	struct sigaction act;
	SSL_CTX *ctx;
	unsigned char kb[16];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--issuer") == 0 && i + 1 < argc)
			idp.issuer = argv[++i];
		else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			cert = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--client-id") == 0 && i + 1 < argc)
			idp.client_id = argv[++i];
		else if (strcmp(argv[i], "--client-secret-file") == 0 && i + 1 < argc)
			secret_file = argv[++i];
		else if (strcmp(argv[i], "--redirect-uri") == 0 && i + 1 < argc)
			idp.redirect_uri = argv[++i];
		else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc)
			idp.control = argv[++i];
		else if (strcmp(argv[i], "--ready-file") == 0 && i + 1 < argc)
			ready = argv[++i];
		else if (strcmp(argv[i], "--rs256") == 0)
			rs256 = 1;
		else
			idp_usage();
	}
	if (!idp.issuer || !cert || !key || !idp.client_id || !secret_file || !idp.redirect_uri)
		idp_usage();
	if (strncmp(idp.issuer, "https://127.0.0.1:", 18) != 0 || (port = strtol(idp.issuer + 18, (char **)&p, 10)) < 1 ||
	    port > 65535 || *p != '\0') {
		fprintf(stderr, "pp-test-idp: the issuer must be https://127.0.0.1:PORT\n");
		return 2;
	}
	if (pp_secret_file_read(secret_file, idp.secret, sizeof(idp.secret), &slen) != PP_OK || slen == 0) {
		fprintf(stderr, "pp-test-idp: cannot read the client secret %s\n", secret_file);
		return 1;
	}
	idp.key = rs256 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	idp.wrong_key = rs256 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
	    EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (idp.key == NULL || idp.wrong_key == NULL || RAND_bytes(kb, sizeof(kb)) != 1)
		return 1;
	pp_b64url_encode(kb, sizeof(kb), idp.kid);

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = idp_on_signal;	/* no SA_RESTART: SIGTERM interrupts accept() */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd == -1 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(lfd, 16) == -1) {
		perror("pp-test-idp: listen");
		return 1;
	}
	if (ready != NULL) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
		if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%ld\n", port) < 0 || fclose(f) != 0 ||
		    rename(tmp, ready) != 0) {
			perror("pp-test-idp: ready file");
			return 1;
		}
	}
	printf("pp-test-idp: %s (%s, kid %s)\n", idp.issuer, pp_jose_alg(idp.key), idp.kid);
	fflush(stdout);
	while (!idp_stop) {
		struct timeval tv = { IDP_IO_TIMEOUT_S, 0 };
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		SSL *ssl;

		if (fd == -1) {
			if (errno == EINTR)
				continue;
			perror("pp-test-idp: accept");
			break;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if ((ssl = SSL_new(ctx)) != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
			idp_serve(ssl);
			SSL_shutdown(ssl);
		}
		SSL_free(ssl);
		close(fd);
	}
	close(lfd);
	if (ready != NULL)
		unlink(ready);
	pp_wipe(idp.secret, sizeof(idp.secret));
	SSL_CTX_free(ctx);
	EVP_PKEY_free(idp.key);
	EVP_PKEY_free(idp.wrong_key);
	return 0;
}
