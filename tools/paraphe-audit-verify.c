/*
 * paraphe-audit-verify: offline verification of an audit archive with
 * nothing but the archive and the audit public key (docs/AUDIT.md,
 * "Verifying an archive").
 *
 *   paraphe-audit-verify --key PEM [--origin O] [--tsa-ca PEM] [--json]
 *       [--pin CHECKPOINT_FILE] ARCHIVE_DIR all | segment N | range FROM TO
 *   paraphe-audit-verify --key PEM [...] ARCHIVE_DIR consistency OLD_CHECKPOINT NEW_CHECKPOINT
 *   paraphe-audit-verify --key PEM [...] ARCHIVE_DIR inclusion SEQ [CHECKPOINT]
 *
 * Exit status: 0 verified, 1 integrity failure, 2 unverifiable, 64 usage.
 * The archive is hostile input: everything printed from it goes through
 * json-c (--json) or through print_safe (terminal control bytes removed).
 */
#include "config.h"
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "pp_archive.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_note.h"
#include "pp_util.h"

#define EXIT_USAGE 64

enum verify_cmd { CMD_ALL, CMD_SEGMENT, CMD_RANGE, CMD_CONSISTENCY, CMD_INCLUSION, CMD__MAX };

static int
usage(void)
{
	fprintf(stderr,
	    "usage: paraphe-audit-verify --key PEM [--origin ORIGIN] [--tsa-ca PEM] [--json]\n"
	    "           [--pin CHECKPOINT_FILE] ARCHIVE_DIR all\n"
	    "       paraphe-audit-verify --key PEM [options] [--pin CHECKPOINT_FILE] ARCHIVE_DIR segment N\n"
	    "       paraphe-audit-verify --key PEM [options] [--pin CHECKPOINT_FILE] ARCHIVE_DIR range FROM TO\n"
	    "       paraphe-audit-verify --key PEM [options] ARCHIVE_DIR consistency OLD_CHECKPOINT NEW_CHECKPOINT\n"
	    "       paraphe-audit-verify --key PEM [options] ARCHIVE_DIR inclusion SEQ [CHECKPOINT]\n"
	    "\n"
	    "  --key PEM         the audit public key (P-256 SubjectPublicKeyInfo)\n"
	    "  --origin ORIGIN   the log's origin (default: the first segment's)\n"
	    "  --tsa-ca PEM      check time-stamp tokens against this TSA CA\n"
	    "  --pin FILE        a checkpoint kept outside the archive (detects rollback and forks)\n"
	    "  --json            print the JSON report instead of the summary\n"
	    "exit status: 0 verified, 1 integrity failure, 2 unverifiable, 64 usage error\n");
	return EXIT_USAGE;
}

/* Prints untrusted text without terminal control bytes (C0, DEL, and the
 * two-byte UTF-8 C1 controls), which could rewrite what the auditor sees. */
static void
print_safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s != NULL ? s : "");

	for (; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			putchar('?');
		else if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
			putchar('?');
			u++;
		} else
			putchar(*u);
	}
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
get_int(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int64(v);
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v;

	return o != NULL && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void
print_segments(json_object *report)
{
	json_object *segs = get(report, "segments");
	size_t n = segs != NULL ? json_object_array_length(segs) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(segs, i);
		const char *status = get_str(s, "status");
		printf("segment %" PRId64 ": ", get_int(s, "segment"));
		if (get(s, "first_seq") != NULL) {
			printf("seq %" PRId64 "..%" PRId64 " (%" PRId64 " records), ",
			    get_int(s, "first_seq"), get_int(s, "last_seq"), get_int(s, "count"));
			print_safe(get_str(s, "first_time"));
			printf(" .. ");
			print_safe(get_str(s, "last_time"));
			printf(", tree size %" PRId64 ", ", get_int(s, "tree_size"));
		}
		printf("time-stamp ");
		print_safe(get_str(s, "timestamp"));
		if (get(s, "timestamp_time") != NULL) {
			printf(" ");
			print_safe(get_str(s, "timestamp_time"));
		}
		printf(": %s\n", status != NULL && strcmp(status, "ok") == 0 ? "ok" :
		    status != NULL && strcmp(status, "failed") == 0 ? "FAILED" : "UNVERIFIABLE");
	}
}

static void
print_entries(json_object *report, const char *key, const char *label)
{
	json_object *a = get(report, key);
	size_t n = a != NULL ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(a, i);
		int64_t seg = get_int(p, "segment");
		printf("%s: ", label);
		if (seg > 0)
			printf("segment %" PRId64 ": ", seg);
		print_safe(get_str(p, "code"));
		printf(": ");
		print_safe(get_str(p, "message"));
		printf("\n");
	}
}

static void
print_proof(json_object *o)
{
	json_object *proof = get(o, "proof");
	size_t n = proof != NULL ? json_object_array_length(proof) : 0;

	printf("proof (%zu hashes):\n", n);
	for (size_t i = 0; i < n; i++) {
		printf("  ");
		print_safe(json_object_get_string(json_object_array_get_idx(proof, i)));
		printf("\n");
	}
}

/* The distinct problem codes, for the verdict line. */
static void
print_codes(json_object *report)
{
	json_object *a = get(report, "problems");
	size_t n = a != NULL ? json_object_array_length(a) : 0, shown = 0;

	for (size_t i = 0; i < n; i++) {
		const char *code = get_str(json_object_array_get_idx(a, i), "code");
		size_t k;
		for (k = 0; k < i; k++) {
			const char *prev = get_str(json_object_array_get_idx(a, k), "code");
			if (prev != NULL && code != NULL && strcmp(prev, code) == 0)
				break;
		}
		if (k < i || code == NULL)
			continue;
		printf("%s", shown++ ? ", " : "");
		print_safe(code);
	}
	printf(" (%zu problem%s)\n", n, n == 1 ? "" : "s");
}

static void
print_summary(json_object *report, enum verify_cmd cmd, enum pp_verify_result res)
{
	json_object *inc = get(report, "inclusion"), *con = get(report, "consistency");

	print_segments(report);
	if (cmd == CMD_CONSISTENCY && con != NULL) {
		printf("old checkpoint: size %" PRId64 ", root ", get_int(get(con, "old"), "size"));
		print_safe(get_str(get(con, "old"), "root"));
		printf("\nnew checkpoint: size %" PRId64 ", root ", get_int(get(con, "new"), "size"));
		print_safe(get_str(get(con, "new"), "root"));
		printf("\n");
		print_proof(con);
	}
	if (cmd == CMD_INCLUSION && inc != NULL) {
		json_object *rec = get(inc, "record");
		printf("checkpoint: size %" PRId64 ", root ", get_int(get(inc, "checkpoint"), "size"));
		print_safe(get_str(get(inc, "checkpoint"), "root"));
		printf("\n");
		if (rec != NULL) {
			printf("record %" PRId64 ", ", get_int(rec, "seq"));
			print_safe(get_str(rec, "time"));
			printf(", ");
			print_safe(get_str(rec, "type"));
			printf(":\n  ");
			print_safe(get_str(rec, "record"));
			printf("\nleaf hash: ");
			print_safe(get_str(inc, "leaf_hash"));
			printf("\n");
			print_proof(inc);
		}
	}
	print_entries(report, "problems", "problem");
	print_entries(report, "warnings", "warning");
	switch (res) {
	case PP_VERIFY_OK:
		printf("OK: ");
		if (cmd == CMD_CONSISTENCY)
			printf("the checkpoints of tree sizes %" PRId64 " and %" PRId64
			    " are consistent with each other and with the archive",
			    get_int(get(con, "old"), "size"), get_int(get(con, "new"), "size"));
		else if (cmd == CMD_INCLUSION)
			printf("record %" PRId64 " is in the signed tree of size %" PRId64,
			    get_int(get(inc, "record"), "seq"), get_int(get(inc, "checkpoint"), "size"));
		else {
			printf("%" PRId64 " segment(s) verified, tree size %" PRId64 ", root ",
			    get_int(report, "segments_verified"), get_int(report, "tree_size"));
			print_safe(get_str(report, "root"));
			if (get(report, "pin") != NULL)
				printf(", pinned checkpoint of size %" PRId64 " matches",
				    get_int(get(report, "pin"), "size"));
		}
		printf("\n");
		break;
	case PP_VERIFY_INTEGRITY:
		printf("INTEGRITY FAILURE: ");
		print_codes(report);
		break;
	default:
		printf("UNVERIFIABLE: ");
		print_codes(report);
		break;
	}
}

/* A report for a failure before the library runs (key, checkpoint files). */
static json_object *
early_report(const char *dir, const char *code, const char *msg)
{
	json_object *r = json_object_new_object(), *probs = json_object_new_array();
	json_object *p = json_object_new_object();

	if (r == NULL || probs == NULL || p == NULL) {
		json_object_put(r);
		json_object_put(probs);
		json_object_put(p);
		return NULL;
	}
	json_object_object_add(p, "segment", json_object_new_int64(0));
	json_object_object_add(p, "code", json_object_new_string(code));
	json_object_object_add(p, "severity", json_object_new_string("unverifiable"));
	json_object_object_add(p, "message", json_object_new_string(msg));
	json_object_array_add(probs, p);
	json_object_object_add(r, "result", json_object_new_string("unverifiable"));
	json_object_object_add(r, "archive", json_object_new_string(dir));
	json_object_object_add(r, "segments", json_object_new_array());
	json_object_object_add(r, "problems", probs);
	json_object_object_add(r, "warnings", json_object_new_array());
	return r;
}

/* OUT *data, *len: a checkpoint file (pp_free). 0 when unreadable. */
static int
read_note(const char *path, char **data, size_t *len)
{
	return pp_file_read(path, PP_NOTE_MAX, data, len) == PP_OK;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	int64_t v;

	if (pp_strtonum(s, strlen(s), 1, INT64_MAX, &v) != PP_OK)
		return 0;
	*out = (uint64_t)v;
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "origin", required_argument, NULL, 'o' },
		{ "tsa-ca", required_argument, NULL, 't' },
		{ "pin", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pp_verify_opts o;
	const char *keypath = NULL, *pinpath = NULL, *dir, *files[2] = { NULL, NULL };
	char *notes[2] = { NULL, NULL }, *pin = NULL, msg[600];
	size_t notelens[2] = { 0, 0 }, pinlen = 0;
	enum verify_cmd cmd;
	enum pp_verify_result res = PP_VERIFY_UNVERIFIABLE;
	json_object *report = NULL;
	EVP_PKEY *key = NULL;
	uint64_t a = 0, b = 0;
	int json = 0, ch, nargs;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			keypath = optarg;
			break;
		case 'o':
			o.origin = optarg;
			break;
		case 't':
			o.tsa_ca = optarg;
			break;
		case 'p':
			pinpath = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (keypath == NULL || argc < 2)
		return usage();
	if (o.origin != NULL && !pp_note_origin_valid(o.origin)) {
		fprintf(stderr, "paraphe-audit-verify: --origin: not a valid origin\n");
		return usage();
	}
	dir = argv[0];
	nargs = argc - 2;
	if (strcmp(argv[1], "all") == 0 && nargs == 0)
		cmd = CMD_ALL;
	else if (strcmp(argv[1], "segment") == 0 && nargs == 1 && parse_u64(argv[2], &a))
		cmd = CMD_SEGMENT;
	else if (strcmp(argv[1], "range") == 0 && nargs == 2 && parse_u64(argv[2], &a) &&
	    parse_u64(argv[3], &b) && a <= b)
		cmd = CMD_RANGE;
	else if (strcmp(argv[1], "consistency") == 0 && nargs == 2) {
		cmd = CMD_CONSISTENCY;
		files[0] = argv[2];
		files[1] = argv[3];
	} else if (strcmp(argv[1], "inclusion") == 0 && (nargs == 1 || nargs == 2) &&
	    parse_u64(argv[2], &a)) {
		cmd = CMD_INCLUSION;
		files[0] = nargs == 2 ? argv[3] : NULL;
	} else
		return usage();
	/* The pin belongs to the segment checks; consistency and inclusion
	 * take their checkpoints as arguments. */
	if (pinpath != NULL && cmd != CMD_ALL && cmd != CMD_SEGMENT && cmd != CMD_RANGE)
		return usage();

	pp_log_open("paraphe-audit-verify", PP_LOG_ERROR, PP_LOG_STDERR);
	if (pp_note_load_pubkey(keypath, &key) != PP_OK) {
		snprintf(msg, sizeof(msg), "the audit public key %s cannot be loaded (P-256 PEM)",
		    keypath);
		report = early_report(dir, "no_key", msg);
		goto out;
	}
	if (pinpath != NULL && !read_note(pinpath, &pin, &pinlen)) {
		snprintf(msg, sizeof(msg), "the pinned checkpoint %s cannot be read", pinpath);
		report = early_report(dir, "unreadable", msg);
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		if (files[i] != NULL && !read_note(files[i], &notes[i], &notelens[i])) {
			snprintf(msg, sizeof(msg), "the checkpoint %s cannot be read", files[i]);
			report = early_report(dir, "unreadable", msg);
			goto out;
		}
	}
	o.archive_dir = dir;
	o.key = key;
	o.pin = pin;
	o.pinlen = pinlen;
	switch (cmd) {
	case CMD_ALL:
		res = pp_archive_verify(&o, &report);
		break;
	case CMD_SEGMENT:
		o.from = o.to = a;
		res = pp_archive_verify(&o, &report);
		break;
	case CMD_RANGE:
		o.from = a;
		o.to = b;
		res = pp_archive_verify(&o, &report);
		break;
	case CMD_CONSISTENCY:
		res = pp_archive_consistency(&o, notes[0], notelens[0], notes[1], notelens[1],
		    &report);
		break;
	case CMD_INCLUSION:
		res = pp_archive_inclusion(&o, a, notes[0], notelens[0], &report);
		break;
	case CMD__MAX:
		break;
	}
out:
	if (report == NULL) {
		fprintf(stderr, "paraphe-audit-verify: out of memory\n");
		res = PP_VERIFY_UNVERIFIABLE;
	} else if (json)
		printf("%s\n", json_object_to_json_string_ext(report,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_summary(report, cmd, res);
	json_object_put(report);
	EVP_PKEY_free(key);
	pp_free(pin);
	pp_free(notes[0]);
	pp_free(notes[1]);
	if (fflush(stdout) != 0)
		return PP_VERIFY_UNVERIFIABLE;
	return (int)res;
}
