/*
 * paraphe-bench-audit: the audit log's benchmark programs (bench/run-audit
 * drives them; figures are reported as ratios against raw baselines
 * measured in the same run, never asserted as timed tests).
 *
 *   append SOCKET CLIENTS PER_CLIENT
 *       CLIENTS processes each append PER_CLIENT records through the real
 *       client API (pp_audit_emit_to) to a running audit daemon; prints
 *       records/s and acknowledgement latency percentiles (JSON).
 *   sqlite DIR COMMITS
 *       the raw baseline: one writer committing one row per transaction to
 *       a SQLite database in WAL mode with synchronous=FULL (one fsync per
 *       commit), the way the audit store is opened; prints commits/s.
 *   archive DIR RECORDS SEGMENTS
 *       writes an archive of RECORDS records of about 300 bytes in SEGMENTS
 *       segments with pp_archive_write_segment and a software P-256 key;
 *       the public key goes to DIR/key.pem (for the verifier's timing).
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include "pp_archive.h"
#include "pp_audit.h"
#include "pp_canon.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_note.h"
#include "pp_util.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
bench_append(const char *sock, int clients, int per)
{
	size_t n = (size_t)clients * (size_t)per;
	/* Latencies in shared memory, one slot per record. */
	double *lat = mmap(NULL, n * sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	double t0, t1;
	int failed = 0;

	if (lat == MAP_FAILED)
		return 1;
	t0 = now_s();
	for (int c = 0; c < clients; c++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			char actor[32];
			snprintf(actor, sizeof(actor), "bench-%d", c);
			json_object *d = json_object_new_object();
			if (pp_json_add_str(d, "document", "contract-2026-11-21.pdf") != PP_OK ||
			    pp_json_add_str(d, "hash", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") != PP_OK)
				_exit(1);
			struct pp_audit_event ev = {
				.type = PP_AUDIT_SIGNATURE, .outcome = PP_AUDIT_SUCCESS,
				.actor_kind = PP_AUDIT_ACTOR_SCA, .actor_id = actor,
				.recipient = "signatory-000042", .correlation = "bench",
				.client_ip = "192.0.2.10", .details = d,
			};
			for (int i = 0; i < per; i++) {
				double a = now_s();
				if (pp_audit_emit_to(sock, 10000, &ev, NULL) != PP_OK)
					_exit(2);
				lat[(size_t)c * (size_t)per + (size_t)i] = now_s() - a;
			}
			_exit(0);
		}
	}
	for (int c = 0; c < clients; c++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	t1 = now_s();
	qsort(lat, n, sizeof(double), cmp_double);
	printf("{\"bench\":\"append\",\"clients\":%d,\"records\":%zu,\"seconds\":%.3f,"
	    "\"records_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"failed_clients\":%d}\n",
	    clients, n, t1 - t0, (double)n / (t1 - t0), lat[n / 2] * 1e3, lat[(n * 99) / 100] * 1e3,
	    lat[n - 1] * 1e3, failed);
	return failed != 0;
}

static int
bench_sqlite(const char *dir, int commits)
{
	char path[4096];
	sqlite3 *db;
	sqlite3_stmt *st;
	char rec[300];
	double t0, t1;

	snprintf(path, sizeof(path), "%s/raw.db", dir);
	unlink(path);
	memset(rec, 'r', sizeof(rec));
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE r (seq INTEGER PRIMARY KEY, record BLOB)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO r (record) VALUES (?)", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < commits; i++) {
		/* One record, one transaction, one fsync: what a writer without
		 * group commit would do. */
		sqlite3_bind_blob(st, 1, rec, sizeof(rec), SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return 1;
		sqlite3_reset(st);
	}
	t1 = now_s();
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	printf("{\"bench\":\"sqlite_commit\",\"commits\":%d,\"seconds\":%.3f,\"commits_per_s\":%.0f}\n",
	    commits, t1 - t0, commits / (t1 - t0));
	return 0;
}

static EVP_PKEY *bench_key;

static enum pp_err
bench_sign(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(bench_key, NULL);
	int ok;

	(void)ctx;
	ok = c && EVP_PKEY_sign_init(c) > 0 && EVP_PKEY_sign(c, sig, siglen, digest, PP_HASH_LEN) > 0;
	EVP_PKEY_CTX_free(c);
	return ok ? PP_OK : PP_ERR_INTERNAL;
}

static int
bench_archive(const char *dir, long records, long segments)
{
	struct pp_merkle_frontier f;
	char path[4096], prev[2 * PP_HASH_LEN + 1] = "";
	uint32_t key_id;
	long per = records / segments, seq = 0;
	FILE *fp;

	bench_key = EVP_EC_gen("P-256");
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (bench_key == NULL || (fp = fopen(path, "w")) == NULL || PEM_write_PUBKEY(fp, bench_key) != 1 ||
	    fclose(fp) != 0 || pp_note_key_id(bench_key, &key_id) != PP_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/archive", dir);
	mkdir(path, 0755);
	pp_merkle_frontier_init(&f);
	for (long s = 1; s <= segments; s++) {
		long count = s == segments ? records - per * (segments - 1) : per;
		char **recs = calloc((size_t)count, sizeof(*recs));
		size_t *lens = calloc((size_t)count, sizeof(*lens));
		for (long i = 0; i < count; i++) {
			json_object *o = json_object_new_object(), *a = json_object_new_object(), *d = json_object_new_object();
			char t[PP_AUDIT_TIME_LEN];
			seq++;
			unsigned long u = (unsigned long)seq;
			snprintf(t, sizeof(t), "2026-11-21T06:%02lu:%02lu.%06luZ", (u / 60000000) % 60,
			    (u / 1000000) % 60, u % 1000000);
			json_object_object_add(o, "actor", a);
			json_object_object_add(o, "details", d);
			if (pp_json_add_str(a, "kind", "sca") != PP_OK || pp_json_add_str(a, "id", "CN=sca-demo,O=Paraphe demo") != PP_OK ||
			    pp_json_add_str(d, "document", "contract-2026-11-21.pdf") != PP_OK ||
			    pp_json_add_str(d, "hash", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08") != PP_OK ||
			    pp_json_add_int(o, "seq", seq) != PP_OK || pp_json_add_str(o, "time", t) != PP_OK ||
			    pp_json_add_str(o, "type", "signature.create") != PP_OK || pp_json_add_str(o, "outcome", "success") != PP_OK ||
			    pp_json_add_str(o, "origin", "bench.example/audit") != PP_OK || pp_json_add_int(o, "v", 1) != PP_OK ||
			    pp_canon_serialize(o, 4, &recs[i], &lens[i]) != PP_OK)
				return 1;
			json_object_put(o);
		}
		struct pp_segment_in in = {
			.archive_dir = path, .origin = "bench.example/audit", .number = (uint64_t)s,
			.before = &f, .records = (const char *const *)recs, .lens = lens, .count = (size_t)count,
			.prev_manifest_sha256 = prev, .hash_files = NULL, .nhash_files = 0,
			.created = "2026-11-21T07:00:00.000000Z", .clock_synchronised = 1,
			.key_id = key_id, .sign = bench_sign, .sign_ctx = NULL, .tsa_url = "", .tsa_ca = "",
		};
		struct pp_segment_out out;
		if (pp_archive_write_segment(&in, &out) != PP_OK) {
			fprintf(stderr, "segment %ld could not be written\n", s);
			return 1;
		}
		memcpy(prev, out.manifest_sha256, sizeof(prev));
		for (long i = 0; i < count; i++) {
			pp_hash leaf;
			pp_merkle_leaf_hash(recs[i], lens[i], leaf);
			if (pp_merkle_frontier_append(&f, leaf) != PP_OK)
				return 1;
			pp_free(recs[i]);
		}
		free(recs);
		free(lens);
	}
	printf("{\"bench\":\"archive\",\"records\":%ld,\"segments\":%ld}\n", records, segments);
	return 0;
}

/* A whole decimal argument in [1, max], or -1. */
static long
arg(const char *s, long max)
{
	int64_t v;

	return pp_strtonum(s, strlen(s), 1, max, &v) == PP_OK ? (long)v : -1;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "append") == 0 && arg(argv[3], 64) > 0 && arg(argv[4], 1000000) > 0)
		return bench_append(argv[2], (int)arg(argv[3], 64), (int)arg(argv[4], 1000000));
	if (argc == 4 && strcmp(argv[1], "sqlite") == 0 && arg(argv[3], 10000000) > 0)
		return bench_sqlite(argv[2], (int)arg(argv[3], 10000000));
	if (argc == 5 && strcmp(argv[1], "archive") == 0 && arg(argv[3], 100000000) > 0 &&
	    arg(argv[4], 10000) > 0 && arg(argv[4], 10000) <= arg(argv[3], 100000000))
		return bench_archive(argv[2], arg(argv[3], 100000000), arg(argv[4], 10000));
	fprintf(stderr, "usage: paraphe-bench-audit append SOCKET CLIENTS PER_CLIENT | sqlite DIR COMMITS |"
	    " archive DIR RECORDS SEGMENTS\n");
	return 2;
}
