/*
 * paraphe-sam-admin: runs the SAM's maintenance ops from the command line
 * (an operator on the SAM's host, or a timer of the system).
 *
 *   paraphe-sam-admin -c FILE sweep     close now every credential whose
 *                                       certificate has expired (keys
 *                                       destroyed in the HSM, each closure
 *                                       recorded in the audit log); prints
 *                                       how many were closed
 *   paraphe-sam-admin -c FILE health    the SAM's health answer (JSON)
 *
 * The SAM runs the same sweep at start and every sam.sweep_interval_s; this
 * tool runs it at once (after a clock problem, before an audit).  It talks
 * to the SAM's socket, so it must run as root or the service user.
 *
 * Exit status: 0 done, 1 refused or failed, 2 usage, 3 SAM unreachable.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "pp_conf.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"

/* A sweep destroys keys one by one in the token: give it time. */
#define SAM_ADMIN_TIMEOUT_MS 60000

static int
usage(void)
{
	fprintf(stderr, "usage: paraphe-sam-admin -c FILE sweep | health\n");
	return 2;
}

static int
call(const char *sock, const char *op, json_object **ans)
{
	json_object *req = json_object_new_object();
	enum pp_err rc;

	if (req == NULL || pp_json_add_int(req, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(req, "op", op) != PP_OK) {
		json_object_put(req);
		return 1;
	}
	rc = pp_ipc_call(sock, req, SAM_ADMIN_TIMEOUT_MS, ans);
	json_object_put(req);
	if (rc != PP_OK) {
		fprintf(stderr, "paraphe-sam-admin: %s: no answer from the SAM (%s)\n", op, pp_err_name(rc));
		return rc == PP_ERR_UNAVAILABLE ? 3 : 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct pp_conf *conf = NULL;
	json_object *ans = NULL, *v;
	const char *sock;
	char err[512];
	int status = 2;

	pp_log_open("paraphe-sam-admin", PP_LOG_WARN, PP_LOG_STDERR);
	if (argc != 4 || strcmp(argv[1], "-c") != 0)
		return usage();
	if (pp_conf_load(argv[2], &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "paraphe-sam-admin: %s: %s\n", argv[2], err);
		return 1;
	}
	sock = pp_conf_str(conf, "sam", "socket");
	if (strcmp(argv[3], "sweep") == 0) {
		if ((status = call(sock, "credential.sweep", &ans)) == 0) {
			if (json_object_object_get_ex(ans, "closed", &v) && json_object_is_type(v, json_type_int))
				printf("closed %lld\n", (long long)json_object_get_int64(v));
			else {
				fprintf(stderr, "paraphe-sam-admin: sweep: %s\n",
				    pp_json_get_str(ans, "error_description") ? pp_json_get_str(ans,
				    "error_description") : "the SAM did not say how many were closed");
				status = 1;
			}
		}
	} else if (strcmp(argv[3], "health") == 0) {
		if ((status = call(sock, "health", &ans)) == 0) {
			printf("%s\n", json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PRETTY |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			if (!json_object_object_get_ex(ans, "ok", &v) || !json_object_get_boolean(v))
				status = 1;
		}
	} else
		status = usage();
	json_object_put(ans);
	pp_conf_free(conf);
	return status;
}
