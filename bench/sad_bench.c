/*
 * paraphe-bench-sads: prepares the request bodies of the end-to-end
 * signHash benchmark (bench/run-signhash).  Every signHash call consumes
 * authorised hashes, so each request of the run needs its own: this tool
 * obtains SADs from the SAM the way the signer pages will (otp.send, the
 * code read back from the SMS spool, sad.issue with consent) over random
 * SHA-256 digests, and writes one signHash body per line for
 * paraphe-loadgen --bodies-file.
 *
 *   paraphe-bench-sads SAM_SOCKET SPOOL_DIR SCA_SUBJECT SIGNATORY CREDENTIAL
 *       SIGN_ALGO_OID NSADS HASHES_PER_SAD HASHES_PER_CALL OUT_FILE
 *
 * HASHES_PER_SAD must be a multiple of HASHES_PER_CALL.  Appends to
 * OUT_FILE.  Exit 0 when every SAD was issued, 1 otherwise (the SAM's
 * answer is printed).  A benchmark tool: the SAM's OTP limits apply (at most
 * 10 OTPs per signatory per window), so the script spreads SADs over
 * several signatories.
 */
#include "config.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_util.h"

#define SB_SHA256_OID "2.16.840.1.101.3.4.2.1"
#define SB_MAX_HASHES 1000

static json_object *
sb_call(const char *sock, json_object *req)
{
	json_object *ans = NULL;

	if (pp_ipc_call(sock, req, 60000, &ans) != PP_OK) {
		fprintf(stderr, "paraphe-bench-sads: the SAM closed the connection\n");
		return NULL;
	}
	return ans;
}

static const char *
sb_str(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* The code in the spool file of OTP id: the first run of exactly six
 * digits after the header (which ends at the first empty line). */
static int
sb_code(const char *spool, const char *id, char code[7])
{
	char path[512], *data = NULL, *p;
	size_t len;

	if ((size_t)snprintf(path, sizeof(path), "%s/paraphe-%s", spool, id) >= sizeof(path) ||
	    pp_file_read(path, 65536, &data, &len) != PP_OK)
		return -1;
	p = strstr(data, "\n\n");
	for (p = p ? p + 2 : data; *p; p++) {
		size_t n = strspn(p, "0123456789");
		if (n == 6 && (p == data || p[-1] < '0' || p[-1] > '9')) {
			memcpy(code, p, 6);
			code[6] = '\0';
			free(data);
			/* The gateway would have taken it: keep the spool small. */
			unlink(path);
			return 0;
		}
		if (n > 0)
			p += n - 1;
	}
	free(data);
	return -1;
}

int
main(int argc, char **argv)
{
	const char *sock, *spool, *sca, *sig, *cred, *salg, *out;
	int64_t nsads, per_sad, per_call;
	FILE *f;

	if (argc != 11) {
		fprintf(stderr, "usage: paraphe-bench-sads SAM_SOCKET SPOOL_DIR SCA_SUBJECT SIGNATORY CREDENTIAL\n"
		    "       SIGN_ALGO_OID NSADS HASHES_PER_SAD HASHES_PER_CALL OUT_FILE\n");
		return 2;
	}
	sock = argv[1], spool = argv[2], sca = argv[3], sig = argv[4], cred = argv[5], salg = argv[6];
	out = argv[10];
	if (pp_strtonum(argv[7], strlen(argv[7]), 1, 100, &nsads) != PP_OK ||
	    pp_strtonum(argv[8], strlen(argv[8]), 1, SB_MAX_HASHES, &per_sad) != PP_OK ||
	    pp_strtonum(argv[9], strlen(argv[9]), 1, SB_MAX_HASHES, &per_call) != PP_OK ||
	    per_sad % per_call != 0) {
		fprintf(stderr, "paraphe-bench-sads: bad counts\n");
		return 2;
	}
	if ((f = fopen(out, "a")) == NULL) {
		perror(out);
		return 1;
	}
	for (int64_t s = 0; s < nsads; s++) {
		char session[64], code[7], b64[45];
		unsigned char (*h)[32] = malloc((size_t)per_sad * 32);
		json_object *req, *ans, *arr;
		const char *otp_id, *sad;

		snprintf(session, sizeof(session), "bench-%ld-%lld", (long)getpid(), (long long)s);
		req = json_object_new_object();
		json_object_object_add(req, "v", json_object_new_int(1));
		json_object_object_add(req, "op", json_object_new_string("otp.send"));
		json_object_object_add(req, "sca", json_object_new_string(sca));
		json_object_object_add(req, "signatory", json_object_new_string(sig));
		json_object_object_add(req, "session", json_object_new_string(session));
		ans = sb_call(sock, req);
		json_object_put(req);
		if (h == NULL || ans == NULL || (otp_id = sb_str(ans, "otp_id")) == NULL ||
		    sb_code(spool, otp_id, code) != 0) {
			fprintf(stderr, "paraphe-bench-sads: otp.send: %s\n", ans ? pp_json_str(ans, NULL) : "-");
			return 1;
		}
		if (RAND_bytes((unsigned char *)h, (int)per_sad * 32) != 1)
			return 1;
		req = json_object_new_object();
		arr = json_object_new_array();
		for (int64_t i = 0; i < per_sad; i++) {
			pp_b64_encode(h[i], 32, b64);
			json_object_array_add(arr, json_object_new_string(b64));
		}
		json_object_object_add(req, "v", json_object_new_int(1));
		json_object_object_add(req, "op", json_object_new_string("sad.issue"));
		json_object_object_add(req, "sca", json_object_new_string(sca));
		json_object_object_add(req, "signatory", json_object_new_string(sig));
		json_object_object_add(req, "credential", json_object_new_string(cred));
		json_object_object_add(req, "session", json_object_new_string(session));
		json_object_object_add(req, "otp_id", json_object_new_string(otp_id));
		json_object_object_add(req, "otp", json_object_new_string(code));
		json_object_object_add(req, "hash_algo", json_object_new_string(SB_SHA256_OID));
		json_object_object_add(req, "hashes", arr);
		json_object_object_add(req, "consent", json_object_new_boolean(1));
		json_object_put(ans);
		ans = sb_call(sock, req);
		json_object_put(req);
		if (ans == NULL || (sad = sb_str(ans, "sad")) == NULL) {
			fprintf(stderr, "paraphe-bench-sads: sad.issue: %s\n", ans ? pp_json_str(ans, NULL) : "-");
			return 1;
		}
		for (int64_t i = 0; i < per_sad; i += per_call) {
			fprintf(f, "{\"credentialID\":\"%s\",\"SAD\":\"%s\",\"hashAlgorithmOID\":\"%s\","
			    "\"signAlgo\":\"%s\",\"hashes\":[", cred, sad, SB_SHA256_OID, salg);
			for (int64_t j = 0; j < per_call; j++) {
				pp_b64_encode(h[i + j], 32, b64);
				fprintf(f, "%s\"%s\"", j ? "," : "", b64);
			}
			fprintf(f, "]}\n");
		}
		json_object_put(ans);
		free(h);
	}
	return fclose(f) == 0 ? 0 : 1;
}
