/*
 * Fuzz target: the SAM's validation of authorisation requests
 * (sam/sam_authz.c) as a frame from a web plugin carries them, decoded like
 * every frame (pp_ipc_decode): the members of each authz op
 * (sam_authz_req_shape), the documents of authz.create and authz.documents
 * (sam_authz_docs_get, with hash_algo's digest length), and authz.login's
 * token (sam_authz_login_check) with a fixed login key: the frame's "token"
 * as it comes, and, so that fuzzed claims reach the checks made after the
 * signature, the frame's "claims" object signed with that key.  These run
 * before the ops touch the client registry, the store or the token, and
 * need none of them.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include "pp_ipc.h"
#include "pp_jose.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "sam_authz.h"
#include "sam_ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_NOW_S	INT64_C(1800000000)
#define FZ_AUTHZ	"0123456789abcdef0123456789abcdef"

/* The login key: a fixed P-256 pair made for this target (its private
 * part is no secret: it signs nothing but these inputs). */
static EVP_PKEY *
fz_login_key(void)
{
	static const char pem[] =
	    "-----BEGIN PRIVATE KEY-----\n"
	    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGKcQwo3XUnBelXtF\n"
	    "ysqntWqiXb7hDipmJNiqozi3YLShRANCAASmq/DZof8++j0XtdglrDYRUpl8e7uY\n"
	    "Ev5pzU6yvQhVk2VJM11Htzowc18qmcbl7v2PId2ZQTHqNNcPypUySgDh\n"
	    "-----END PRIVATE KEY-----\n";
	BIO *b = BIO_new_mem_buf(pem, (int)sizeof(pem) - 1);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return k;
}

/* What a check accepted must hold. */
static void
fz_docs(json_object *o)
{
	json_object *docs, *h;
	struct sam_authz_docs d = { 0 };
	const char *why = NULL;
	size_t dlen;

	if (!json_object_object_get_ex(o, "documents", &docs) || !json_object_is_type(docs, json_type_array) ||
	    !json_object_object_get_ex(o, "hash_algo", &h) || !json_object_is_type(h, json_type_string) ||
	    (dlen = sam_hash_algo_len(json_object_get_string(h))) == 0)
		return;
	if (sam_authz_docs_get(docs, dlen, &d, &why) != PP_OK || why != NULL)
		return;
	if (d.n != json_object_array_length(docs) || d.n == 0 || d.n > 1000 || d.hash_len != dlen)
		abort();
	for (size_t i = 0; i < d.n; i++) {
		if (strnlen(d.label[i], sizeof(d.label[i])) >= sizeof(d.label[i]))
			abort();
		for (size_t j = 0; j < i; j++)
			if (memcmp(d.hash[i], d.hash[j], dlen) == 0)
				abort();
	}
	sam_authz_docs_free(&d);
}

static void
fz_login(EVP_PKEY *key, const struct sam_authz *a, const char *token)
{
	json_object *p = NULL;
	const char *iss, *sub, *jti, *why;
	int64_t exp_s;

	why = sam_authz_login_check(key, token, a, FZ_NOW_S, &p, &iss, &sub, &jti, &exp_s);
	if (why == NULL && (p == NULL || iss == NULL || sub == NULL || jti == NULL || strlen(jti) != 32 ||
	    exp_s <= FZ_NOW_S || strcmp(pp_json_get_str(p, "authz"), a->id) != 0))
		abort();
	json_object_put(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	static struct sam_authz a;
	json_object *o = NULL, *claims;
	const char *token;
	char *jws = NULL;
	int missing = 0;
	enum pp_err rc;

	if (key == NULL) {
		if ((key = fz_login_key()) == NULL)
			abort();
		memcpy(a.id, FZ_AUTHZ, sizeof(a.id));
	}
	if (size > PP_IPC_MAX || pp_ipc_decode(data, size, &o) != PP_OK)
		return 0;
	rc = sam_authz_req_shape(pp_json_get_str(o, "op"), o, &missing);
	if (rc != PP_OK && rc != PP_ERR_BAD_REQUEST && rc != PP_ERR_NOT_FOUND)
		abort();
	/* The documents are checked after the members, as the ops do; here
	 * also for frames the shape refuses, which the parser must bear. */
	fz_docs(o);
	if ((token = pp_json_get_str(o, "token")) != NULL)
		fz_login(key, &a, token);
	if (json_object_object_get_ex(o, "claims", &claims) && json_object_is_type(claims, json_type_object) &&
	    pp_jws_sign_pkey(key, "paraphe-login+jwt", NULL, claims, &jws) == PP_OK) {
		fz_login(key, &a, jws);
		pp_free(jws);
	}
	json_object_put(o);
	return 0;
}
