/*
 * pp-test-sam SOCKET JSON: sends one request (the JSON object given as the
 * second argument, framed by pp_ipc_call) to a daemon's unix socket and
 * prints the answer as one line of compact JSON, for the integration tests
 * that drive the SAM's ops.  Exit 0 with an answer; 3 with "closed" when
 * the daemon answered nothing (a refused or malformed request closes the
 * connection); 2 on usage errors.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "pp_ipc.h"
#include "pp_json.h"

int
main(int argc, char **argv)
{
	json_object *req = NULL, *ans = NULL;
	const char *out;

	if (argc != 3) {
		fprintf(stderr, "usage: pp-test-sam SOCKET JSON\n");
		return 2;
	}
	if (pp_json_parse(argv[2], strlen(argv[2]), PP_IPC_MAX_DEPTH, PP_IPC_MAX_MEMBERS, &req) != PP_OK) {
		fprintf(stderr, "pp-test-sam: the request is not one JSON object\n");
		return 2;
	}
	if (pp_ipc_call(argv[1], req, 30000, &ans) != PP_OK) {
		json_object_put(req);
		printf("closed\n");
		return 3;
	}
	out = pp_json_str(ans, NULL);
	printf("%s\n", out ? out : "");
	json_object_put(ans);
	json_object_put(req);
	return 0;
}
