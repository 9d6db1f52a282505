/*
 * paraphe-audit: talks to the audit daemon from the command line.
 *
 *   paraphe-audit -c FILE checkpoint      print the latest signed checkpoint
 *                                         (keep a copy outside the archive:
 *                                         it is what detects a rollback)
 *   paraphe-audit -c FILE health          the daemon's health answer (JSON)
 *   paraphe-audit -c FILE append JSON     append one record ({"type", "outcome",
 *                                         "actor": {...}, ...}) and print its
 *                                         sequence number once durable
 *
 * Exit status: 0 done, 1 refused or failed, 2 usage, 3 daemon unreachable.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"

static int
usage(void)
{
	fprintf(stderr, "usage: paraphe-audit -c FILE checkpoint | health | append JSON\n");
	return 2;
}

static int
call(const char *sock, const char *op, json_object *record, json_object **ans)
{
	json_object *req = json_object_new_object();
	enum pp_err rc;

	if (req == NULL || pp_json_add_int(req, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(req, "op", op) != PP_OK) {
		json_object_put(req);
		return 1;
	}
	if (record)
		json_object_object_add(req, "record", json_object_get(record));
	rc = pp_ipc_call(sock, req, 10000, ans);
	json_object_put(req);
	if (rc != PP_OK) {
		fprintf(stderr, "paraphe-audit: %s: no answer from the audit daemon (%s)\n", op, pp_err_name(rc));
		return rc == PP_ERR_UNAVAILABLE ? 3 : 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct pp_conf *conf = NULL;
	json_object *ans = NULL, *rec = NULL;
	const char *sock;
	char err[512];
	int status = 2;

	pp_log_open("paraphe-audit", PP_LOG_WARN, PP_LOG_STDERR);
	if (argc < 4 || strcmp(argv[1], "-c") != 0)
		return usage();
	if (pp_conf_load(argv[2], &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "paraphe-audit: %s: %s\n", argv[2], err);
		return 1;
	}
	sock = pp_conf_str(conf, "audit", "socket");
	if (strcmp(argv[3], "checkpoint") == 0 && argc == 4) {
		if ((status = call(sock, "checkpoint", NULL, &ans)) == 0) {
			const char *note = pp_json_get_str(ans, "checkpoint");
			if (note == NULL)
				status = 1;
			else
				fputs(note, stdout);
		}
	} else if (strcmp(argv[3], "health") == 0 && argc == 4) {
		if ((status = call(sock, "health", NULL, &ans)) == 0)
			printf("%s\n", json_object_to_json_string_ext(ans, JSON_C_TO_STRING_PRETTY |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (strcmp(argv[3], "append") == 0 && argc == 5) {
		if (pp_json_parse(argv[4], strlen(argv[4]), 4, 128, &rec) != PP_OK) {
			fprintf(stderr, "paraphe-audit: the record is not one JSON object\n");
			status = 2;
		} else if ((status = call(sock, "append", rec, &ans)) == 0) {
			json_object *v;
			if (json_object_object_get_ex(ans, "seq", &v))
				printf("%lld\n", (long long)json_object_get_int64(v));
			else
				status = 1;
		} else
			fprintf(stderr, "paraphe-audit: the record was refused or not written\n");
	} else
		status = usage();
	json_object_put(ans);
	json_object_put(rec);
	pp_conf_free(conf);
	return status;
}
