/*
 * Fuzz target: an archive segment as the offline verifier reads it
 * (pp_archive_verify).  An archive is hostile input: it sat in storage for
 * years and anyone could have changed any of its files.
 *
 * The input is a small container of the segment's files:
 *   byte 0: flags
 *     0x01  the records part is plain records.jsonl, gzipped here before
 *           it is written, so that mutations reach the line and record
 *           checks instead of dying in zlib
 *     0x02  manifest.tsr is checked against the fuzz TSA CA (tsa_ca)
 *     0x04  the expected origin is given (--origin)
 *   then up to five parts in this order: manifest.json, checkpoint,
 *   records.jsonl.gz, manifest.tsr, a pinned checkpoint.  Each part is a
 *   4-byte big-endian length and its bytes; length 0xffffffff means "no
 *   such file" (no pin), a length past the end is cut to what remains, and
 *   parts after the end of the input are absent.
 * The files are written into seg-00000001 of an archive in a temporary
 * directory made once per process (and removed at exit); every input
 * overwrites or removes each of them, so no input sees another's files.
 *
 * The seed corpus holds segments that pp_archive_write_segment really
 * wrote, signed with the private half of fz_pub_pem (thrown away since),
 * and time-stamps from a throwaway TSA whose CA is fz_tsa_ca_pem, so
 * mutations start from inputs that pass the signature checks.
 *
 * Invariants checked (abort = finding):
 *   - there is always a report, and its "result" is the verdict returned;
 *   - a verdict "ok" has no problem, and the trust chain holds when
 *     re-derived here: the checkpoint verifies with the key, it names the
 *     SHA-256 of manifest.json, and manifest.json names the SHA-256 of
 *     records.jsonl.gz.
 */
#include "config.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "pp_archive.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_note.h"
#include "pp_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_INPUT (256 * 1024)	/* bounds the work of one input */
#define FZ_ORIGIN "fuzz.example/audit"
#define FZ_FLAG_PLAIN 0x01
#define FZ_FLAG_TSA 0x02
#define FZ_FLAG_ORIGIN 0x04
#define FZ_ABSENT 0xffffffffU

enum fz_part { FZ_MANIFEST, FZ_CHECKPOINT, FZ_RECORDS, FZ_TSR, FZ_PIN, FZ__MAX };

/* The files of the segment, by part; FZ_PIN is not a file. */
static const char *const fz_names[FZ_PIN] = {
	"manifest.json", "checkpoint", "records.jsonl.gz", "manifest.tsr",
};

/* The audit key of the seeds; its private half is not kept. */
static const char fz_pub_pem[] =
"-----BEGIN PUBLIC KEY-----\n"
"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfroMx7dq9U9H3ekFRytYQljXquBX\n"
"FAUu1khLPY4zVbcHyyXpZa4Q17q/8MZFnsZwjxylousEFq1KvrPVgDkzGA==\n"
"-----END PUBLIC KEY-----\n"
;

/* A throwaway TSA CA made for the fuzz targets (its key is not kept); the
 * same as in fuzz_tsa.c. */
static const char fz_tsa_ca_pem[] =
"-----BEGIN CERTIFICATE-----\n"
"MIIBczCCARigAwIBAgIUb4KM9cukMxfzpE0qiz03M2SziwkwCgYIKoZIzj0EAwIw\n"
"FjEUMBIGA1UEAwwLRnV6eiBUU0EgQ0EwIBcNMjYxMTIxMDY0MTA3WhgPMjEyNjEw\n"
"MjgwNjQxMDdaMBYxFDASBgNVBAMMC0Z1enogVFNBIENBMFkwEwYHKoZIzj0CAQYI\n"
"KoZIzj0DAQcDQgAE297ocHt3Rut8LW9WpUcgNKHevClATMtyOtw2rwW2WxOAFhzu\n"
"gPXpIdzCrOZbOQI8ELqblWwbsNTOBp9yyIGixaNCMEAwDwYDVR0TAQH/BAUwAwEB\n"
"/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFB+LmTzoV9PbK3yY1iL60IcCjxGK\n"
"MAoGCCqGSM49BAMCA0kAMEYCIQC5e9GwgkcEzoOTxMUSZvzsCCj0ALp7DjAshBCf\n"
"SwiR7wIhAMTdYvPzieplECKbAulCwULsx2SpWrjhO9ttUaMn1NWY\n"
"-----END CERTIFICATE-----\n"
;

/* Paths of the per-process directory: base/tsa-ca.pem, base/archive/seg-00000001. */
static char fz_base[256], fz_archive[300], fz_seg[320], fz_ca[300];
static int fz_segfd = -1;
static EVP_PKEY *fz_key;

static void
fz_cleanup(void)
{
	for (size_t i = 0; i < FZ_PIN; i++)
		(void)unlinkat(fz_segfd, fz_names[i], 0);
	close(fz_segfd);
	(void)rmdir(fz_seg);
	(void)rmdir(fz_archive);
	(void)unlink(fz_ca);
	(void)rmdir(fz_base);
}

static void
fz_init(void)
{
	const char *tmp = getenv("TMPDIR");
	BIO *b;
	int fd;

	pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
	b = BIO_new_mem_buf(fz_pub_pem, (int)sizeof(fz_pub_pem) - 1);
	fz_key = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (fz_key == NULL)
		abort();
	snprintf(fz_base, sizeof(fz_base), "%s/pp-fuzz-archive.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fz_base) == NULL)
		abort();
	snprintf(fz_archive, sizeof(fz_archive), "%s/archive", fz_base);
	snprintf(fz_seg, sizeof(fz_seg), "%s/seg-00000001", fz_archive);
	snprintf(fz_ca, sizeof(fz_ca), "%s/tsa-ca.pem", fz_base);
	if (mkdir(fz_archive, 0700) != 0 || mkdir(fz_seg, 0700) != 0)
		abort();
	fd = open(fz_ca, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, fz_tsa_ca_pem, sizeof(fz_tsa_ca_pem) - 1) !=
	    (ssize_t)(sizeof(fz_tsa_ca_pem) - 1))
		abort();
	close(fd);
	fz_segfd = open(fz_seg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fz_segfd < 0)
		abort();
	atexit(fz_cleanup);
}

/* One file of the segment: p == NULL removes it.  An existing file is
 * rewritten in place and cut to size: on ext4, truncating a file to zero
 * or replacing it costs more than the verification itself. */
static void
fz_put(const char *name, const uint8_t *p, size_t n)
{
	int fd;

	if (p == NULL) {
		(void)unlinkat(fz_segfd, name, 0);
		return;
	}
	fd = openat(fz_segfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || (n > 0 && pwrite(fd, p, n, 0) != (ssize_t)n) || ftruncate(fd, (off_t)n) != 0)
		abort();	/* the temporary directory is ours: a failure is the machine's */
	close(fd);
}

/* gzip of p[0..n) as the writer makes it.  OUT *out (malloc'd), *outlen. */
static int
fz_gzip(const uint8_t *p, size_t n, uint8_t **out, size_t *outlen)
{
	z_stream z;
	uLong cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	cap = deflateBound(&z, (uLong)n);
	*out = malloc(cap);
	if (*out == NULL) {
		deflateEnd(&z);
		return 0;
	}
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(*out);
		*out = NULL;
		return 0;
	}
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return 1;
}

static void
fz_sha256_hex(const void *p, size_t n, char hex[2 * PP_HASH_LEN + 1])
{
	uint8_t h[PP_HASH_LEN];

	if (EVP_Digest(p, n, h, NULL, EVP_sha256(), NULL) != 1)
		abort();
	pp_hex(h, PP_HASH_LEN, hex);
}

/* An "ok" verdict re-derived: signed checkpoint -> manifest -> records.
 * origin: the one the report says the archive was held to. */
static void
fz_check_ok(const char *origin, const uint8_t *part[], const size_t len[], const uint8_t *gz,
    size_t gzlen)
{
	char hex[2 * PP_HASH_LEN + 1];
	size_t textlen = 0;

	if (origin == NULL || part[FZ_MANIFEST] == NULL || part[FZ_CHECKPOINT] == NULL || gz == NULL)
		abort();
	if (pp_note_verify((const char *)part[FZ_CHECKPOINT], len[FZ_CHECKPOINT], origin, fz_key,
	    &textlen) != PP_OK)
		abort();
	fz_sha256_hex(part[FZ_MANIFEST], len[FZ_MANIFEST], hex);
	if (memmem(part[FZ_CHECKPOINT], textlen, hex, strlen(hex)) == NULL)
		abort();
	fz_sha256_hex(gz, gzlen, hex);
	if (memmem(part[FZ_MANIFEST], len[FZ_MANIFEST], hex, strlen(hex)) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[PP_VERIFY__MAX] = { "ok", "integrity_failure", "unverifiable" };
	const uint8_t *part[FZ__MAX] = { NULL }, *gz;
	size_t len[FZ__MAX] = { 0 }, off = 1, gzlen;
	uint8_t flags, *zipped = NULL;
	struct pp_verify_opts o;
	json_object *report = NULL, *v;
	enum pp_verify_result res;

	if (size < 1 || size > FZ_MAX_INPUT)
		return 0;
	if (fz_segfd < 0)
		fz_init();
	flags = data[0];
	for (int i = 0; i < FZ__MAX && size - off >= 4; i++) {
		uint32_t n = (uint32_t)data[off] << 24 | (uint32_t)data[off + 1] << 16 |
		    (uint32_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (n == FZ_ABSENT)
			continue;
		if (n > size - off)
			n = (uint32_t)(size - off);
		part[i] = data + off;
		len[i] = n;
		off += n;
	}
	gz = part[FZ_RECORDS];
	gzlen = len[FZ_RECORDS];
	if (gz != NULL && (flags & FZ_FLAG_PLAIN)) {
		if (!fz_gzip(gz, gzlen, &zipped, &gzlen))
			return 0;
		gz = zipped;
	}
	for (int i = 0; i < FZ_PIN; i++)
		fz_put(fz_names[i], i == FZ_RECORDS ? gz : part[i], i == FZ_RECORDS ? gzlen : len[i]);

	memset(&o, 0, sizeof(o));
	o.archive_dir = fz_archive;
	o.key = fz_key;
	o.origin = (flags & FZ_FLAG_ORIGIN) ? FZ_ORIGIN : NULL;
	o.tsa_ca = (flags & FZ_FLAG_TSA) ? fz_ca : NULL;
	/* A part of length 0 is an empty pin, not none. */
	o.pin = (const char *)part[FZ_PIN];
	o.pinlen = len[FZ_PIN];
	res = pp_archive_verify(&o, &report);
	if (report == NULL || res >= PP_VERIFY__MAX ||
	    !json_object_object_get_ex(report, "result", &v) ||
	    strcmp(json_object_get_string(v), names[res]) != 0)
		abort();
	if (res == PP_VERIFY_OK) {
		if (!json_object_object_get_ex(report, "problems", &v) ||
		    json_object_array_length(v) != 0 ||
		    !json_object_object_get_ex(report, "origin", &v))
			abort();
		fz_check_ok(json_object_get_string(v), part, len, gz, gzlen);
	}
	json_object_put(report);
	free(zipped);
	return 0;
}
