/*
 * Fuzz target: the SCA API's OAuth parsing (fcgi/sca/sca_oauth.c) as a
 * client's request reaches it: the body goes through pp_http_handle with
 * the real field tables of PAR, oauth2/token, credentials/authorize and
 * the ephemeral session's documents, then the handler's parsers run on the
 * fields (the comma-separated hashes list, RAR authorization_details and
 * its documentDigests, the hashes array) instead of the SAM call.
 * Input: one byte choosing the endpoint and the body's kind, then the body.
 * Every document accepted must be a digest in standard base64.
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_core.h"
#include "pp_http.h"
#include "sca_oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the SAM would be sent: each document one digest in the standard
 * base64 alphabet, padded to a multiple of 4, at most a SHA-512's 88
 * characters (with its label, a string, when given).  The SAM decodes it
 * strictly (canonical bits, the hash algorithm's length) and refuses the
 * rest itself. */
static void
fz_check_docs(json_object *docs)
{
	size_t n;

	if (!json_object_is_type(docs, json_type_array) || (n = json_object_array_length(docs)) == 0 || n > 1000)
		abort();
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(docs, i), *h, *l;
		const char *s;
		size_t len, pad = 0;
		if (!json_object_object_get_ex(e, "hash", &h) || !json_object_is_type(h, json_type_string))
			abort();
		s = json_object_get_string(h);
		len = (size_t)json_object_get_string_len(h);
		if (len == 0 || len % 4 != 0 || len > 88 || strlen(s) != len)
			abort();
		while (pad < 2 && s[len - 1 - pad] == '=')
			pad++;
		for (size_t k = 0; k < len - pad; k++)
			if (!((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') ||
			    s[k] == '+' || s[k] == '/'))
				abort();
		if (json_object_object_get_ex(e, "label", &l) && !json_object_is_type(l, json_type_string))
			abort();
	}
}

static enum pp_err
fz_par(struct pp_req *req)
{
	const struct pp_value *hashes = &req->val[SCA_PAR_HASHES], *rar = &req->val[SCA_PAR_RAR];
	json_object *docs = NULL, *root = NULL;
	const char *why = NULL, *cred = NULL, *halg = NULL;
	enum pp_err rc;

	if (rar->set) {
		if ((rc = sca_oauth_rar(req, rar->s, rar->len, &root, &cred, &halg, &docs)) != PP_OK)
			return rc;
		if (root == NULL || cred == NULL || halg == NULL)
			abort();
		fz_check_docs(docs);
		json_object_put(docs);
		json_object_put(root);
	}
	if (hashes->set) {
		if ((rc = sca_oauth_hashes(hashes->s, hashes->len, &docs, &why)) != PP_OK)
			return rc;
		if ((why == NULL) == (docs == NULL))
			abort();
		if (docs != NULL)
			fz_check_docs(docs);
		json_object_put(docs);
	}
	return pp_reply_json(req, 201, json_object_new_object());
}

static enum pp_err
fz_token(struct pp_req *req)
{
	/* Every required field is there, and within its limits. */
	for (size_t i = 0; i < SCA_TOK__MAX; i++)
		if (!req->val[i].set || req->val[i].s == NULL || strlen(req->val[i].s) != req->val[i].len ||
		    req->val[i].len > sca_token_fields[i].maxlen)
			abort();
	return pp_reply_json(req, 200, json_object_new_object());
}

/* credentials/authorize and an ephemeral session's documents: hashes or
 * documentDigests, as their handlers read them. */
static enum pp_err
fz_docs(struct pp_req *req, const struct pp_value *h, const struct pp_value *dd)
{
	json_object *docs = NULL;
	const char *why = NULL;
	enum pp_err rc;

	if (h->set) {
		if ((rc = sca_oauth_hash_array(req, h->j, &docs)) != PP_OK)
			return rc;
		fz_check_docs(docs);
		json_object_put(docs);
		docs = NULL;
	}
	if (dd->set) {
		if ((rc = sca_oauth_digests(dd->j, &docs, &why)) != PP_OK)
			return rc;
		if ((why == NULL) == (docs == NULL))
			abort();
		if (docs != NULL)
			fz_check_docs(docs);
		json_object_put(docs);
	}
	return pp_reply_json(req, 202, json_object_new_object());
}

static enum pp_err
fz_authorize(struct pp_req *req)
{
	return fz_docs(req, &req->val[SCA_CA_HASHES], &req->val[SCA_CA_DIGESTS]);
}

static enum pp_err
fz_eph_docs(struct pp_req *req)
{
	return fz_docs(req, &req->val[SCA_EPHD_HASHES], &req->val[SCA_EPHD_DIGESTS]);
}

/* The SCA's routes of these endpoints (fcgi/sca/sca.c), same fields. */
static const struct pp_route fz_routes[] = {
	{ PP_POST, "/csc/v2/oauth2/pushed_authorize", fz_par, PP_BODY_JSON_FORM, sca_par_fields, SCA_PAR__MAX },
	{ PP_POST, "/csc/v2/oauth2/token", fz_token, PP_BODY_JSON_FORM, sca_token_fields, SCA_TOK__MAX },
	{ PP_POST, "/csc/v2/credentials/authorize", fz_authorize, PP_BODY_JSON, sca_ca_fields, SCA_CA__MAX },
	{ PP_POST, "/ephemeral/v1/sessions/{id}/documents", fz_eph_docs, PP_BODY_JSON, sca_eph_docs_fields,
	    SCA_EPHD__MAX },
};

static const struct pp_app fz_app = {
	"sca", PP_OUT_JSON, PP_CERT_OPTIONAL, 0, fz_routes, sizeof(fz_routes) / sizeof(fz_routes[0]), NULL, NULL,
	NULL, NULL, NULL
};

struct fz_body {
	const uint8_t *p;
	size_t len, pos;
};

static int
fz_read(void *ctx, char *buf, int n)
{
	struct fz_body *b = ctx;
	size_t left = b->len - b->pos, k = (size_t)n < left ? (size_t)n : left;

	memcpy(buf, b->p + b->pos, k);
	b->pos += k;
	return (int)k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/csc/v2/oauth2/pushed_authorize", "/csc/v2/oauth2/token",
		"/csc/v2/credentials/authorize", "/ephemeral/v1/sessions/abc123/documents" };
	static struct pp_ctx ctx;
	char uri[96], clen[48], *envp[8];
	struct pp_pool *pool = NULL;
	struct pp_req *req = NULL;
	const char *bytes;
	size_t len;
	int route, form;

	if (ctx.app == NULL) {
		pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
		ctx.app = &fz_app;
		/* paraphe.conf's [limits] as an operator raises them for
		 * 1000 digests with labels (the defaults, 64 KiB and 64
		 * fields, stop a body at about 30 documentDigests): the most
		 * fields the configuration allows, so that the lists' own
		 * bound of 1000 is reached. */
		ctx.limits = (struct pp_limits){ 256 * 1024, 16384, 128, 4096, 8 };
		ctx.lang_default = "en";
	}
	if (size < 1)
		return 0;
	route = data[0] & 3;
	/* The OAuth endpoints take forms and JSON; the others JSON only. */
	form = route < 2 && (data[0] & 4) != 0;
	snprintf(uri, sizeof(uri), "DOCUMENT_URI=%s", paths[route]);
	snprintf(clen, sizeof(clen), "CONTENT_LENGTH=%zu", size - 1);
	envp[0] = (char *)"REQUEST_METHOD=POST";
	envp[1] = uri;
	envp[2] = form ? (char *)"CONTENT_TYPE=application/x-www-form-urlencoded" :
	    (char *)"CONTENT_TYPE=application/json";
	envp[3] = clen;
	envp[4] = (char *)"REMOTE_ADDR=192.0.2.1";
	envp[5] = NULL;
	struct fz_body body = { data + 1, size - 1, 0 };
	struct pp_http_in in = { envp, fz_read, &body };
	if (pp_pool_new(&pool) == PP_OK && pp_http_handle(&ctx, &in, pool, &req) == PP_OK &&
	    pp_http_format(req, &bytes, &len) == PP_OK && len == 0)
		abort();	/* a formatted response always has a status line */
	pp_pool_free(pool);
	return 0;
}
