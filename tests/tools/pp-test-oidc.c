/*
 * pp-test-oidc: drives the signer plugin's OpenID Connect client
 * (fcgi/signer/signer_oidc.c, compiled in) from a shell, against the
 * provider of a Paraphe configuration (the tests: the stand-in
 * pp-test-idp), without the pages around it.
 *
 *   pp-test-oidc -c CONFIG begin
 *       {"url":..., "state":..., "nonce":..., "verifier":...}
 *   pp-test-oidc -c CONFIG finish CODE NONCE VERIFIER AUTHZ
 *       {"login_token":...}, or exit 1 and {"error": PP_ERR_..., "detail":...}
 *   pp-test-oidc verify PEM TOKEN
 *       the payload of a login token whose ES256 signature verifies with
 *       the public key in PEM and whose typ is paraphe-login+jwt; exit 1
 *       otherwise
 *
 * It reads the [oidc] PIN and client secret files itself (no privilege
 * drop here): run it as their owner.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <openssl/pem.h>
#include "pp_conf.h"
#include "pp_http.h"
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_util.h"
#include "signer_oidc.h"

static int
usage(void)
{
	fprintf(stderr, "usage: pp-test-oidc -c CONFIG begin\n"
	    "       pp-test-oidc -c CONFIG finish CODE NONCE VERIFIER AUTHZ\n"
	    "       pp-test-oidc verify PEM TOKEN\n");
	return 2;
}

static int
verify(const char *pem, const char *tok)
{
	FILE *f = fopen(pem, "r");
	EVP_PKEY *k = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	json_object *p = NULL;
	size_t len;
	int rc = 1;

	if (f)
		fclose(f);
	if (k == NULL) {
		fprintf(stderr, "pp-test-oidc: no public key in %s\n", pem);
		return 1;
	}
	if (pp_jws_verify(tok, strlen(tok), k, "paraphe-login+jwt", &p) == PP_OK) {
		printf("%s\n", pp_json_str(p, &len));
		rc = 0;
	} else {
		fprintf(stderr, "pp-test-oidc: the login token does not verify\n");
	}
	json_object_put(p);
	EVP_PKEY_free(k);
	return rc;
}

int
main(int argc, char **argv)
{
	struct pp_ctx ctx;
	struct pp_req req;
	struct signer_oidc *o = NULL;
	json_object *out;
	char err[512];
	const char *url, *state, *nonce, *verifier, *tok;
	size_t len;
	enum pp_err rc;
	int status = 1;

	pp_log_open("pp-test-oidc", PP_LOG_INFO, PP_LOG_STDERR);
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2], argv[3]);
	if (argc < 4 || strcmp(argv[1], "-c") != 0)
		return usage();
	memset(&ctx, 0, sizeof(ctx));
	memset(&req, 0, sizeof(req));
	if (pp_conf_load(argv[2], &ctx.conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "pp-test-oidc: %s\n", err);
		return 1;
	}
	req.ctx = &ctx;
	if (pp_pool_new(&req.pool) != PP_OK || (out = json_object_new_object()) == NULL)
		return 1;
	if ((rc = signer_oidc_init(&ctx, &o)) != PP_OK || o == NULL) {
		fprintf(stderr, "pp-test-oidc: signer_oidc_init: %s (OIDC %s)\n", pp_err_name(rc),
		    o ? "on" : "off");
		goto done;
	}
	if (strcmp(argv[3], "begin") == 0 && argc == 4) {
		rc = signer_oidc_begin(o, &req, &url, &state, &nonce, &verifier);
		if (rc == PP_OK && (pp_json_add_str(out, "url", url) != PP_OK ||
		    pp_json_add_str(out, "state", state) != PP_OK || pp_json_add_str(out, "nonce", nonce) != PP_OK ||
		    pp_json_add_str(out, "verifier", verifier) != PP_OK))
			rc = PP_ERR_NOMEM;
	} else if (strcmp(argv[3], "finish") == 0 && argc == 8) {
		rc = signer_oidc_finish(o, &req, argv[4], argv[5], argv[6], argv[7], &tok);
		if (rc == PP_OK && pp_json_add_str(out, "login_token", tok) != PP_OK)
			rc = PP_ERR_NOMEM;
	} else {
		status = usage();
		goto done;
	}
	if (rc != PP_OK && (pp_json_add_str(out, "error", pp_err_name(rc)) != PP_OK ||
	    pp_json_add_str(out, "detail", req.detail ? req.detail : "") != PP_OK))
		goto done;
	printf("%s\n", pp_json_str(out, &len));
	status = rc == PP_OK ? 0 : 1;
done:
	json_object_put(out);
	signer_oidc_fini(o);
	pp_pool_free(req.pool);
	pp_conf_free(ctx.conf);
	return status;
}
