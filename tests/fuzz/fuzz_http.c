/*
 * Fuzz target: a whole FastCGI request through pp_http_handle.  The input is
 * "PARAM=value\n" lines (the FastCGI parameters), then an empty line, then
 * the body.  Routes cover every field type and both body kinds.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pp_core.h"
#include "pp_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fz_choices[] = { "en", "fr", NULL };
static const struct pp_field fz_fields[] = {
	{ "s", PP_FIELD_STRING, 64, 0, 0, 0, NULL },
	{ "t", PP_FIELD_TOKEN, 32, 0, 0, 0, NULL },
	{ "i", PP_FIELD_INT, 0, 0, -5, 1000, NULL },
	{ "b", PP_FIELD_BOOL, 0, 0, 0, 0, NULL },
	{ "lang", PP_FIELD_ENUM, 2, 0, 0, 0, fz_choices },
	{ "j", PP_FIELD_JSON, 0, 0, 0, 0, NULL },
};

static enum pp_err
fz_handler(struct pp_req *req)
{
	return pp_reply_json(req, 200, json_object_new_object());
}

static const struct pp_route fz_routes[] = {
	{ PP_GET | PP_POST, "/json", fz_handler, PP_BODY_JSON, fz_fields, 6 },
	{ PP_POST, "/form", fz_handler, PP_BODY_FORM, fz_fields, 5 },
	{ PP_GET, "/", fz_handler, PP_BODY_NONE, fz_fields, 5 },
};

static const struct pp_app fz_app = {
	"fuzz", PP_OUT_JSON, PP_CERT_OPTIONAL, 0, fz_routes, 3, NULL, NULL, NULL, NULL, NULL
};

struct fz_body {
	const char *p;
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
	static struct pp_ctx ctx;
	static struct pp_store *store;
	char *copy, *envp[64];
	size_t n = 0, pos = 0;
	struct pp_pool *pool = NULL;
	struct pp_req *req = NULL;

	if (store == NULL) {
		pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
		if (pp_store_open_with(&pp_store_sqlite_ops, ":memory:", 0, NULL, 0, &store) != PP_OK)
			abort();
		ctx.app = &fz_app;
		ctx.store = store;
		ctx.limits = (struct pp_limits){ 4096, 4096, 32, 16, 4 };
		ctx.lang_default = "en";
	}
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	/* Parameters up to the first empty line; the rest is the body. */
	while (pos < size && n < 63) {
		char *nl = memchr(copy + pos, '\n', size - pos);
		if (nl == NULL || nl == copy + pos)
			break;
		*nl = '\0';
		envp[n++] = copy + pos;
		pos = (size_t)(nl - copy) + 1;
	}
	if (pos < size && copy[pos] == '\n')
		pos++;
	envp[n] = NULL;
	struct fz_body body = { copy + pos, size - pos, 0 };
	struct pp_http_in in = { envp, fz_read, &body };
	const char *bytes;
	size_t len;
	if (pp_pool_new(&pool) == PP_OK && pp_http_handle(&ctx, &in, pool, &req) == PP_OK &&
	    pp_http_format(req, &bytes, &len) == PP_OK && len == 0)
		abort();	/* a formatted response always has a status line */
	pp_pool_free(pool);
	free(copy);
	return 0;
}
