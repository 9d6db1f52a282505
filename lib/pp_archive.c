/*
 * pp_archive: writing audit archive segments and verifying them offline.
 * The format and the problem codes are specified in docs/AUDIT.md; this
 * file is their only implementation, so the two must change together.
 *
 * Verification is one streaming pass over each segment's records with a
 * few fixed buffers: the only allocation that grows with the archive is
 * the array of leaf hashes kept for proofs (32 bytes per record).
 *
 * Verdict rule (also in docs/AUDIT.md): a problem is an integrity problem
 * when the archive itself shows that something signed was changed,
 * removed, added or rolled back (including a required file of a present
 * segment that is missing or garbage); it is "unverifiable" when the
 * verifier cannot conclude for reasons that are not evidence against the
 * archive (no key, a directory or file the operating system will not let
 * us read, a format version we do not know, a checkpoint given by the
 * auditor that is not a valid checkpoint of this log, a range that is not
 * in the archive).  Any integrity problem makes the verdict INTEGRITY;
 * otherwise any unverifiable problem makes it UNVERIFIABLE.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/evp.h>
#include "pp_archive.h"
#include "pp_canon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_tsa.h"
#include "pp_util.h"

#define ARCHIVE_RECORDS "records.jsonl.gz"
#define ARCHIVE_MANIFEST "manifest.json"
#define ARCHIVE_CHECKPOINT "checkpoint"
#define ARCHIVE_TSR "manifest.tsr"
#define ARCHIVE_MAX_NUMBER 99999999ULL	/* 8 digits in the directory name */
#define ARCHIVE_RECORD_DEPTH 16		/* records are 3 deep; room for growth */
#define ARCHIVE_MANIFEST_DEPTH 4
#define ARCHIVE_MANIFEST_MAX (1024 * 1024)
#define ARCHIVE_MANIFEST_MEMBERS 256
#define ARCHIVE_IOBUF (64 * 1024)
#define ARCHIVE_TIME_LEN 27		/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
#define ARCHIVE_HEX_LEN (2 * PP_HASH_LEN)
#define ARCHIVE_B64_LEN 44		/* base64 of 32 bytes */
#define ARCHIVE_EXT_PREFIX "paraphe-segment "

/* ------------------------------------------------------------------ shared helpers */

/* 1 when s[0..len) is "YYYY-MM-DDTHH:MM:SS.ffffffZ" with plausible fields. */
static int
archive_time_valid(const char *s, size_t len)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	int mo, d, h, mi, se;

	if (len != ARCHIVE_TIME_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	}
	mo = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	h = (s[11] - '0') * 10 + (s[12] - '0');
	mi = (s[14] - '0') * 10 + (s[15] - '0');
	se = (s[17] - '0') * 10 + (s[18] - '0');
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60;
}

/* 1 when s[0..len) is lower-case hex of a SHA-256. */
static int
archive_hex_valid(const char *s, size_t len)
{
	if (len != ARCHIVE_HEX_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
archive_hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch - 'a' + 10;
}

/* s is archive_hex_valid. */
static void
archive_unhex(const char *s, uint8_t out[PP_HASH_LEN])
{
	for (size_t i = 0; i < PP_HASH_LEN; i++)
		out[i] = (uint8_t)(archive_hexval(s[2 * i]) << 4 | archive_hexval(s[2 * i + 1]));
}

static int
archive_popcount(uint64_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/*
 * The canonical (RFC 8785) escaped body of an origin.  Origins are
 * printable ASCII (pp_note_origin_valid), where only '"' and '\\' are
 * escaped, so a record's "origin" body (still escaped, from pp_canon_check)
 * can be compared byte for byte.  out holds 2 * PP_ORIGIN_MAX + 1 bytes.
 */
static size_t
archive_escape_origin(const char *origin, char *out)
{
	size_t o = 0;

	for (const char *p = origin; *p; p++) {
		if (*p == '"' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o] = '\0';
	return o;
}

static void
archive_sha256(const void *p, size_t len, uint8_t out[PP_HASH_LEN])
{
	/* EVP_Digest fails only without a SHA-256 implementation, which a
	 * working libcrypto always has; the zeroed result would then fail
	 * every comparison instead of passing one. */
	if (EVP_Digest(p, len, out, NULL, EVP_sha256(), NULL) != 1)
		memset(out, 0, PP_HASH_LEN);
}

static EVP_MD_CTX *
archive_md_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

static void
archive_md_final(EVP_MD_CTX *md, uint8_t out[PP_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(md, out, &n) != 1 || n != PP_HASH_LEN)
		memset(out, 0, PP_HASH_LEN);
}

/* zlib allocates through pp_malloc, so that allocation-failure tests reach
 * the compression paths too. */
static voidpf
archive_zalloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return pp_calloc(items, size);
}

static void
archive_zfree(voidpf opaque, voidpf p)
{
	(void)opaque;
	pp_free(p);
}

static enum pp_err
archive_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return PP_ERR_IO;
		c += w;
		n -= (size_t)w;
	}
	return PP_OK;
}

/* ------------------------------------------------------------------ writer */

static const char *const archive_files[] = {
	ARCHIVE_RECORDS, ARCHIVE_MANIFEST, ARCHIVE_CHECKPOINT, ARCHIVE_TSR,
};

/* Removes a segment directory the writer made (only the names it writes,
 * so a directory holding anything else is never emptied by accident). */
static enum pp_err
archive_remove_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd == -1)
		return errno == ENOENT ? PP_OK : PP_ERR_IO;
	for (size_t i = 0; i < sizeof(archive_files) / sizeof(archive_files[0]); i++)
		(void)unlinkat(dfd, archive_files[i], 0);
	close(dfd);
	return rmdir(dir) == 0 ? PP_OK : PP_ERR_IO;
}

/* One file of the segment: created (never overwritten), written, fsynced. */
static enum pp_err
archive_write_file(int dfd, const char *name, const void *p, size_t n)
{
	enum pp_err rc;
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	if (fd == -1)
		return PP_ERR_IO;
	rc = archive_write_all(fd, p, n);
	if (rc == PP_OK && fsync(fd) == -1)
		rc = PP_ERR_IO;
	if (close(fd) == -1 && rc == PP_OK)
		rc = PP_ERR_IO;
	return rc;
}

/* Feeds p[0..n) to the deflate stream and writes what comes out.  flush:
 * Z_NO_FLUSH, or Z_FINISH to end the stream. */
static enum pp_err
archive_deflate(z_stream *z, const void *p, size_t n, int flush, int fd, uint8_t *buf,
    EVP_MD_CTX *gzmd, uint64_t *gzbytes)
{
	int ret;

	z->next_in = (Bytef *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	do {
		z->next_out = buf;
		z->avail_out = ARCHIVE_IOBUF;
		ret = deflate(z, flush);
		if (ret == Z_STREAM_ERROR)
			return PP_ERR_INTERNAL;
		size_t have = ARCHIVE_IOBUF - z->avail_out;
		if (have > 0) {
			if (archive_write_all(fd, buf, have) != PP_OK)
				return PP_ERR_IO;
			if (EVP_DigestUpdate(gzmd, buf, have) != 1)
				return PP_ERR_INTERNAL;
			*gzbytes += have;
		}
	} while (z->avail_out == 0 || (flush == Z_FINISH && ret != Z_STREAM_END));
	return PP_OK;
}

/* Writes records.jsonl.gz.  OUT gz digest and size, digest of the
 * uncompressed stream. */
static enum pp_err
archive_write_records(int dfd, const struct pp_segment_in *in, uint8_t gzsha[PP_HASH_LEN],
    uint64_t *gzbytes, uint8_t recsha[PP_HASH_LEN])
{
	z_stream z;
	EVP_MD_CTX *gzmd = NULL, *recmd = NULL;
	uint8_t *buf = NULL;
	int fd = -1, zinit = 0;
	enum pp_err rc = PP_ERR_NOMEM;

	memset(&z, 0, sizeof(z));
	z.zalloc = archive_zalloc;
	z.zfree = archive_zfree;
	*gzbytes = 0;
	gzmd = archive_md_new();
	recmd = archive_md_new();
	buf = pp_malloc(ARCHIVE_IOBUF);
	if (gzmd == NULL || recmd == NULL || buf == NULL)
		goto fail;
	/* windowBits 15 + 16: a gzip wrapper (mtime 0, no name), so the file
	 * is readable with zcat and the same records give the same bytes. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto fail;
	zinit = 1;
	rc = PP_ERR_IO;
	fd = openat(dfd, ARCHIVE_RECORDS, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1)
		goto fail;
	for (size_t i = 0; i < in->count; i++) {
		if (EVP_DigestUpdate(recmd, in->records[i], in->lens[i]) != 1 ||
		    EVP_DigestUpdate(recmd, "\n", 1) != 1) {
			rc = PP_ERR_INTERNAL;
			goto fail;
		}
		rc = archive_deflate(&z, in->records[i], in->lens[i], Z_NO_FLUSH, fd, buf, gzmd, gzbytes);
		if (rc == PP_OK)
			rc = archive_deflate(&z, "\n", 1, Z_NO_FLUSH, fd, buf, gzmd, gzbytes);
		if (rc != PP_OK)
			goto fail;
	}
	rc = archive_deflate(&z, "", 0, Z_FINISH, fd, buf, gzmd, gzbytes);
	if (rc != PP_OK)
		goto fail;
	if (fsync(fd) == -1) {
		rc = PP_ERR_IO;
		goto fail;
	}
	archive_md_final(gzmd, gzsha);
	archive_md_final(recmd, recsha);
	rc = PP_OK;
fail:
	if (fd != -1 && close(fd) == -1 && rc == PP_OK)
		rc = PP_ERR_IO;
	if (zinit)
		deflateEnd(&z);
	pp_free(buf);
	EVP_MD_CTX_free(gzmd);
	EVP_MD_CTX_free(recmd);
	return rc;
}

/* ARC-1: SHA-256 of a program or configuration file, or "unreadable" (a
 * file that cannot be read is recorded as such, it does not stop the cut:
 * the auditor sees it in the manifest). */
static enum pp_err
archive_hash_file(const char *path, uint8_t *buf, char hex[ARCHIVE_HEX_LEN + 1])
{
	struct stat st;
	EVP_MD_CTX *md = NULL;
	uint8_t h[PP_HASH_LEN];
	int fd;

	snprintf(hex, ARCHIVE_HEX_LEN + 1, "%s", "unreadable");
	/* O_NONBLOCK: a FIFO named by mistake must not hang the daemon. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return PP_OK;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto done;
	md = archive_md_new();
	if (md == NULL) {
		close(fd);
		return PP_ERR_NOMEM;
	}
	for (;;) {
		ssize_t n = read(fd, buf, ARCHIVE_IOBUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			goto done;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(md, buf, (size_t)n) != 1)
			goto done;
	}
	archive_md_final(md, h);
	pp_hex(h, PP_HASH_LEN, hex);
done:
	EVP_MD_CTX_free(md);
	close(fd);
	return PP_OK;
}

/* rc chain for building json-c objects: v is always consumed. */
static void
archive_put(enum pp_err *rc, json_object *o, const char *key, json_object *v)
{
	if (*rc == PP_OK && v == NULL)
		*rc = PP_ERR_NOMEM;
	if (*rc != PP_OK) {
		json_object_put(v);
		return;
	}
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		*rc = PP_ERR_NOMEM;
	}
}

static json_object *
archive_b64_json(const pp_hash h)
{
	char b64[ARCHIVE_B64_LEN + 1];

	pp_b64_encode(h, PP_HASH_LEN, b64);
	return json_object_new_string(b64);
}

static json_object *
archive_hex_json(const uint8_t h[PP_HASH_LEN])
{
	char hex[ARCHIVE_HEX_LEN + 1];

	pp_hex(h, PP_HASH_LEN, hex);
	return json_object_new_string(hex);
}

/* Facts about the segment the manifest is built from. */
struct archive_facts {
	pp_hash root_before, segment_root, root;
	uint64_t tree_size;
	uint8_t gzsha[PP_HASH_LEN], recsha[PP_HASH_LEN];
	uint64_t gzbytes;
	char first_time[ARCHIVE_TIME_LEN + 1], last_time[ARCHIVE_TIME_LEN + 1];
};

/* OUT *man: the manifest object (caller puts). */
static enum pp_err
archive_manifest_build(const struct pp_segment_in *in, const struct archive_facts *fa,
    json_object **man)
{
	json_object *m = NULL, *fr = NULL, *files = NULL, *gz = NULL, *sw = NULL;
	uint8_t *buf = NULL;
	enum pp_err rc = PP_OK;

	m = json_object_new_object();
	fr = json_object_new_array();
	files = json_object_new_object();
	gz = json_object_new_object();
	sw = json_object_new_object();
	buf = pp_malloc(ARCHIVE_IOBUF);
	if (m == NULL || fr == NULL || files == NULL || gz == NULL || sw == NULL || buf == NULL) {
		rc = PP_ERR_NOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < in->before->n && rc == PP_OK; i++) {
		json_object *h = archive_b64_json(in->before->h[i]);
		if (h == NULL || json_object_array_add(fr, h) != 0) {
			json_object_put(h);
			rc = PP_ERR_NOMEM;
		}
	}
	for (size_t i = 0; i < in->nhash_files && rc == PP_OK; i++) {
		char hex[ARCHIVE_HEX_LEN + 1];
		rc = archive_hash_file(in->hash_files[i], buf, hex);
		if (rc == PP_OK)
			archive_put(&rc, sw, in->hash_files[i], json_object_new_string(hex));
	}
	archive_put(&rc, gz, "bytes", json_object_new_int64((int64_t)fa->gzbytes));
	archive_put(&rc, gz, "sha256", archive_hex_json(fa->gzsha));
	archive_put(&rc, files, ARCHIVE_RECORDS, gz);
	gz = NULL;
	archive_put(&rc, m, "format", json_object_new_string(PP_ARCHIVE_FORMAT));
	archive_put(&rc, m, "origin", json_object_new_string(in->origin));
	archive_put(&rc, m, "segment", json_object_new_int64((int64_t)in->number));
	archive_put(&rc, m, "first_seq", json_object_new_int64((int64_t)(in->before->size + 1)));
	archive_put(&rc, m, "last_seq", json_object_new_int64((int64_t)fa->tree_size));
	archive_put(&rc, m, "count", json_object_new_int64((int64_t)in->count));
	archive_put(&rc, m, "first_time", json_object_new_string(fa->first_time));
	archive_put(&rc, m, "last_time", json_object_new_string(fa->last_time));
	archive_put(&rc, m, "tree_size_before", json_object_new_int64((int64_t)in->before->size));
	archive_put(&rc, m, "root_before", archive_b64_json(fa->root_before));
	archive_put(&rc, m, "frontier_before", fr);
	fr = NULL;
	archive_put(&rc, m, "segment_root", archive_b64_json(fa->segment_root));
	archive_put(&rc, m, "tree_size", json_object_new_int64((int64_t)fa->tree_size));
	archive_put(&rc, m, "root", archive_b64_json(fa->root));
	archive_put(&rc, m, "prev_manifest_sha256", json_object_new_string(in->prev_manifest_sha256));
	archive_put(&rc, m, "files", files);
	files = NULL;
	archive_put(&rc, m, "records_sha256", archive_hex_json(fa->recsha));
	archive_put(&rc, m, "software", sw);
	sw = NULL;
	archive_put(&rc, m, "created", json_object_new_string(in->created));
	archive_put(&rc, m, "clock_synchronised", json_object_new_boolean(in->clock_synchronised != 0));
	if (rc != PP_OK)
		goto fail;
	*man = m;
	m = NULL;
fail:
	pp_free(buf);
	json_object_put(m);
	json_object_put(fr);
	json_object_put(files);
	json_object_put(gz);
	json_object_put(sw);
	return rc;
}

/*
 * Everything the verifier will insist on is checked here first, so the
 * daemon cannot write a segment that fails verification: contiguous seq,
 * canonical records without newline, the record origin, time format.
 * Computes the leaf hashes into the trees at the same time.
 */
/* PP_ERR_BAD_REQUEST with the reason for the caller's log line. */
static enum pp_err
archive_refuse(const char **why, const char *reason)
{
	*why = reason;
	return PP_ERR_BAD_REQUEST;
}

static enum pp_err
archive_check_input(const struct pp_segment_in *in, struct archive_facts *fa, const char **why)
{
	struct pp_merkle_frontier f, seg;
	char oesc[2 * PP_ORIGIN_MAX + 1];
	size_t oesclen;

	if (in == NULL || in->archive_dir == NULL || in->origin == NULL || in->before == NULL ||
	    in->records == NULL || in->lens == NULL || in->count == 0 || in->sign == NULL ||
	    in->created == NULL || in->prev_manifest_sha256 == NULL ||
	    (in->nhash_files > 0 && in->hash_files == NULL))
		return archive_refuse(why, "a required input is missing");
	if (!pp_note_origin_valid(in->origin) || in->number == 0 || in->number > ARCHIVE_MAX_NUMBER)
		return archive_refuse(why, "invalid origin or segment number");
	if (in->before->n != (unsigned)archive_popcount(in->before->size) ||
	    in->before->size > INT64_MAX - in->count)
		return archive_refuse(why, "the tree before the segment is inconsistent");
	/* Segment 1 starts the tree and the chain; every other one continues both. */
	if (in->number == 1 ? (in->before->size != 0 || in->prev_manifest_sha256[0] != '\0') :
	    !archive_hex_valid(in->prev_manifest_sha256, strlen(in->prev_manifest_sha256)))
		return archive_refuse(why, in->number == 1 ? "segment 1 must start an empty tree" :
		    "prev_manifest_sha256 is not a SHA-256 in hex");
	if (!archive_time_valid(in->created, strlen(in->created)))
		return archive_refuse(why, "created is not a UTC time");
	if (in->nhash_files > PP_ARCHIVE_MAX_HASH_FILES)
		return archive_refuse(why, "too many files to hash");
	for (size_t i = 0; i < in->nhash_files; i++) {
		const char *p = in->hash_files[i];
		if (p == NULL || p[0] != '/' || strlen(p) >= PATH_MAX || !pp_utf8_valid(p, strlen(p), 0))
			return archive_refuse(why, "a file to hash is not an absolute UTF-8 path");
	}
	oesclen = archive_escape_origin(in->origin, oesc);
	f = *in->before;
	pp_merkle_frontier_init(&seg);
	for (size_t i = 0; i < in->count; i++) {
		struct pp_canon_field fl[] = {
			{ .key = "seq", .is_int = 1 }, { .key = "time" },
			{ .key = "type" }, { .key = "origin" },
		};
		const char *r = in->records[i];
		size_t len = in->lens[i];
		pp_hash leaf;

		if (r == NULL || len == 0 || len > PP_ARCHIVE_MAX_RECORD || memchr(r, '\n', len) != NULL)
			return archive_refuse(why, "a record is empty, too long or holds a newline");
		if (pp_canon_check(r, len, ARCHIVE_RECORD_DEPTH, fl, 4) != PP_OK)
			return archive_refuse(why, "a record is not canonical JSON");
		if (!fl[0].found || !fl[1].found || !fl[2].found || !fl[3].found ||
		    fl[0].i < 1 || (uint64_t)fl[0].i != in->before->size + 1 + i ||
		    !archive_time_valid(fl[1].s, fl[1].slen) ||
		    fl[3].slen != oesclen || memcmp(fl[3].s, oesc, oesclen) != 0)
			return archive_refuse(why, "a record lacks seq, time, type or origin, "
			    "is out of sequence or is of another origin");
		if (i == 0)
			memcpy(fa->first_time, fl[1].s, ARCHIVE_TIME_LEN);
		if (i == in->count - 1)
			memcpy(fa->last_time, fl[1].s, ARCHIVE_TIME_LEN);
		pp_merkle_leaf_hash(r, len, leaf);
		if (pp_merkle_frontier_append(&f, leaf) != PP_OK ||
		    pp_merkle_frontier_append(&seg, leaf) != PP_OK)
			return archive_refuse(why, "the tree would overflow");
	}
	fa->first_time[ARCHIVE_TIME_LEN] = '\0';
	fa->last_time[ARCHIVE_TIME_LEN] = '\0';
	pp_merkle_frontier_root(in->before, fa->root_before);
	pp_merkle_frontier_root(&seg, fa->segment_root);
	pp_merkle_frontier_root(&f, fa->root);
	fa->tree_size = f.size;
	return PP_OK;
}

/* Moves tmp to final unless final exists, atomically where the kernel and
 * file system can (a rename onto an existing empty directory would
 * otherwise replace it). */
static enum pp_err
archive_rename_noreplace(const char *tmp, const char *final)
{
	struct stat st;

	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
		return PP_OK;
	if (errno != EINVAL && errno != ENOSYS)
		return PP_ERR_IO;
	/* No RENAME_NOREPLACE here: the daemon is the only writer, so a check
	 * just before the rename is as good. */
	if (lstat(final, &st) == 0 || errno != ENOENT)
		return PP_ERR_IO;
	return rename(tmp, final) == 0 ? PP_OK : PP_ERR_IO;
}

enum pp_err
pp_archive_write_segment(const struct pp_segment_in *in, struct pp_segment_out *out)
{
	char tmp[PATH_MAX], final[PATH_MAX], text[PP_NOTE_MAX];
	struct archive_facts fa;
	struct pp_checkpoint cp;
	struct stat st;
	json_object *man = NULL;
	char *mtext = NULL;
	uint8_t *tsr = NULL;
	size_t mlen = 0, tsrlen = 0, tlen = 0;
	pp_hash mdigest;
	int dfd = -1, adfd = -1, made = 0, placed = 0;
	const char *why = "";
	enum pp_err rc;

	if (out == NULL)
		return PP_ERR_BAD_REQUEST;
	memset(out, 0, sizeof(*out));
	memset(&fa, 0, sizeof(fa));
	rc = archive_check_input(in, &fa, &why);
	if (rc != PP_OK) {
		pp_err_log("archive: segment %" PRIu64 " refused: %s", in != NULL ? in->number : 0,
		    why);
		return rc;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.seg-%08" PRIu64 ".tmp", in->archive_dir,
	    in->number) >= sizeof(tmp) ||
	    (size_t)snprintf(final, sizeof(final), "%s/seg-%08" PRIu64, in->archive_dir,
	    in->number) >= sizeof(final))
		return PP_ERR_BAD_REQUEST;
	/* A segment, once cut, is never rewritten: its checkpoint may already
	 * be pinned somewhere, and a second version would be a fork. */
	if (lstat(final, &st) == 0 || errno != ENOENT) {
		pp_err_log("archive: %s exists or cannot be checked; not overwritten", final);
		return PP_ERR_IO;
	}
	/* A temporary directory left by a crash is incomplete by construction. */
	if (archive_remove_dir(tmp) != PP_OK) {
		pp_err_log("archive: cannot remove the stale %s", tmp);
		return PP_ERR_IO;
	}
	adfd = open(in->archive_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (adfd == -1 || mkdir(tmp, 0750) == -1) {
		pp_err_log("archive: cannot create %s: %s", tmp, strerror(errno));
		rc = PP_ERR_IO;
		goto fail;
	}
	made = 1;
	rc = PP_ERR_IO;
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1)
		goto fail;
	rc = archive_write_records(dfd, in, fa.gzsha, &fa.gzbytes, fa.recsha);
	if (rc != PP_OK)
		goto fail;
	rc = archive_manifest_build(in, &fa, &man);
	if (rc != PP_OK)
		goto fail;
	rc = pp_canon_serialize(man, ARCHIVE_MANIFEST_DEPTH, &mtext, &mlen);
	if (rc != PP_OK)
		goto fail;
	rc = archive_write_file(dfd, ARCHIVE_MANIFEST, mtext, mlen);
	if (rc != PP_OK)
		goto fail;
	archive_sha256(mtext, mlen, mdigest);
	pp_hex(mdigest, PP_HASH_LEN, out->manifest_sha256);

	/* The extension line binds the manifest, and through it the records,
	 * the software hashes and the chain, to the signed tree head. */
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, in->origin, strlen(in->origin) + 1);
	cp.size = fa.tree_size;
	memcpy(cp.root, fa.root, PP_HASH_LEN);
	snprintf(cp.ext, sizeof(cp.ext), ARCHIVE_EXT_PREFIX "%" PRIu64 " %s\n", in->number,
	    out->manifest_sha256);
	rc = pp_checkpoint_format(&cp, text, sizeof(text), &tlen);
	if (rc == PP_OK)
		rc = pp_note_sign(text, tlen, in->origin, in->key_id, in->sign, in->sign_ctx,
		    out->checkpoint, sizeof(out->checkpoint), &out->checkpoint_len);
	if (rc != PP_OK) {
		pp_err_log("archive: segment %" PRIu64 ": checkpoint not signed (%s)", in->number,
		    pp_err_name(rc));
		goto fail;
	}
	rc = archive_write_file(dfd, ARCHIVE_CHECKPOINT, out->checkpoint, out->checkpoint_len);
	if (rc != PP_OK)
		goto fail;

	/* A time-stamp is extra evidence of when, not a condition of the
	 * segment: the signed checkpoint already protects the content. */
	if (in->tsa_url != NULL && in->tsa_url[0] != '\0') {
		out->tsa_error = pp_tsa_fetch(in->tsa_url, mdigest, in->tsa_timeout_ms,
		    in->tsa_ca != NULL ? in->tsa_ca : "", &tsr, &tsrlen);
		if (out->tsa_error == PP_OK) {
			rc = archive_write_file(dfd, ARCHIVE_TSR, tsr, tsrlen);
			if (rc != PP_OK)
				goto fail;
			out->timestamped = 1;
		}
	}
	rc = PP_ERR_IO;
	if (fsync(dfd) == -1)
		goto fail;
	if (archive_rename_noreplace(tmp, final) != PP_OK) {
		pp_err_log("archive: cannot move %s to %s: %s", tmp, final, strerror(errno));
		goto fail;
	}
	placed = 1;
	if (fsync(adfd) == -1) {
		/* The rename may not survive a crash; take it back so that the
		 * daemon cuts this segment again rather than trusting it. */
		pp_err_log("archive: fsync of %s: %s", in->archive_dir, strerror(errno));
		if (rename(final, tmp) == 0)
			placed = 0;
		goto fail;
	}
	out->tree_size = fa.tree_size;
	memcpy(out->root, fa.root, PP_HASH_LEN);
	rc = PP_OK;
fail:
	if (rc != PP_OK && made && !placed)
		(void)archive_remove_dir(tmp);
	if (rc != PP_OK) {
		out->checkpoint[0] = '\0';
		out->checkpoint_len = 0;
		out->timestamped = 0;
	}
	if (dfd != -1)
		close(dfd);
	if (adfd != -1)
		close(adfd);
	json_object_put(man);
	pp_free(mtext);
	pp_free(tsr);
	return rc;
}

/* ------------------------------------------------------------------ verifier */

/* Record-level problems are counted per segment and reported once per code
 * with the first occurrence, so a mangled file of a million records gives
 * a readable report. */
enum archive_issue {
	ISSUE_NOT_CANONICAL,
	ISSUE_INVALID,
	ISSUE_ORIGIN,
	ISSUE_GAP,
	ISSUE_REORDERED,
	ISSUE__MAX
};

static const char *const archive_issue_code[ISSUE__MAX] = {
	"record_not_canonical", "record_invalid", "origin_mismatch", "sequence_gap",
	"sequence_reordered",
};

/* The parsed manifest.json of one segment. */
struct archive_manifest {
	char origin[PP_ORIGIN_MAX + 1];
	uint64_t segment, first_seq, last_seq, count, tree_size_before, tree_size, gzbytes;
	char first_time[ARCHIVE_TIME_LEN + 1], last_time[ARCHIVE_TIME_LEN + 1];
	pp_hash root_before, segment_root, root;
	pp_hash frontier[PP_MERKLE_MAX_LEVELS];
	unsigned nfrontier;
	uint8_t gzsha[PP_HASH_LEN], recsha[PP_HASH_LEN], prev[PP_HASH_LEN];
	int has_prev;
};

/* The state of one segment's record scan. */
struct archive_scan {
	uint64_t lines, expect, max_seq;
	uint64_t limit;			/* the manifest's count */
	int corrupt;			/* the gzip stream or line framing is broken */
	int too_many;			/* more lines than limit: reading stopped */
	char first_time[ARCHIVE_TIME_LEN + 1], last_time[ARCHIVE_TIME_LEN + 1];
	uint64_t issue_n[ISSUE__MAX];
	char issue_first[ISSUE__MAX][160];
	struct pp_merkle_frontier seg;	/* this segment's leaves alone */
};

struct archive_ctx {
	const struct pp_verify_opts *o;
	json_object *report, *segments, *problems, *warnings;
	int integrity, unverifiable, nomem;
	int cur_integrity, cur_unverifiable;	/* of the segment being verified */
	uint64_t cur;

	char origin[PP_ORIGIN_MAX + 1];
	int have_origin;
	char oesc[2 * PP_ORIGIN_MAX + 1];
	size_t oesclen;

	struct pp_merkle_frontier tree;	/* whole tree while streaming */
	uint64_t records;		/* lines read in all segments */
	uint64_t nsegments;		/* segments looked at */

	/* The previous segment, for the links. */
	int have_prev;
	uint64_t prev_number, prev_tree_size;
	uint8_t prev_mhash[PP_HASH_LEN];
	pp_hash prev_root;

	/* The end of what was verified: the last segment's signed tree head. */
	int have_end;
	uint64_t end_size;
	pp_hash end_root;
	char end_note[PP_NOTE_MAX + 1];
	size_t end_note_len;
	uint64_t last_present;		/* highest segment number in the archive */
	int to_end;			/* the range reaches the last present segment */

	/* The pinned checkpoint, checked once the origin is known. */
	int have_pin, pin_pending, pin_done;
	struct pp_checkpoint pin;

	/* Leaves kept for proofs, in stream order from segment 1. */
	int collect, leaves_ok;
	pp_hash *leaves;
	uint64_t nleaves, cap;
	uint64_t want;			/* 0-based index of the record to keep, or UINT64_MAX */
	char *want_rec;
	size_t want_len;

	uint8_t *inbuf, *outbuf;
	char *line;
	size_t linelen;
};

static void
archive_nomem(struct archive_ctx *c)
{
	c->nomem = 1;
	c->unverifiable = 1;
}

static void
archive_entry(struct archive_ctx *c, json_object *arr, uint64_t seg, const char *code,
    const char *sev, const char *msg)
{
	json_object *p = json_object_new_object();
	enum pp_err rc = p != NULL ? PP_OK : PP_ERR_NOMEM;

	archive_put(&rc, p, "segment", json_object_new_int64((int64_t)seg));
	archive_put(&rc, p, "code", json_object_new_string(code));
	if (sev != NULL)
		archive_put(&rc, p, "severity", json_object_new_string(sev));
	archive_put(&rc, p, "message", json_object_new_string(msg));
	if (rc != PP_OK || json_object_array_add(arr, p) != 0) {
		json_object_put(p);
		archive_nomem(c);
	}
}

/* Records a problem.  sev: PP_VERIFY_INTEGRITY or PP_VERIFY_UNVERIFIABLE.
 * seg 0: the archive as a whole (or a checkpoint given by the auditor). */
static void archive_problem(struct archive_ctx *c, uint64_t seg, const char *code,
    enum pp_verify_result sev, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
archive_problem(struct archive_ctx *c, uint64_t seg, const char *code, enum pp_verify_result sev,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == PP_VERIFY_INTEGRITY) {
		c->integrity = 1;
		if (seg != 0 && seg == c->cur)
			c->cur_integrity = 1;
	} else {
		c->unverifiable = 1;
		if (seg != 0 && seg == c->cur)
			c->cur_unverifiable = 1;
	}
	archive_entry(c, c->problems, seg, code,
	    sev == PP_VERIFY_INTEGRITY ? "integrity" : "unverifiable", msg);
}

/* Something that is not part of the format but does not change a verdict. */
static void archive_warning(struct archive_ctx *c, uint64_t seg, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
archive_warning(struct archive_ctx *c, uint64_t seg, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	archive_entry(c, c->warnings, seg, code, NULL, msg);
}

/* Fixes the origin the whole verification holds every segment to. */
static void
archive_set_origin(struct archive_ctx *c, const char *origin)
{
	memcpy(c->origin, origin, strlen(origin) + 1);
	c->oesclen = archive_escape_origin(c->origin, c->oesc);
	c->have_origin = 1;
}

/* Reading a file of a segment, with what went wrong told apart: a missing
 * or non-regular file is evidence against the archive, an error from the
 * operating system is not. */
enum archive_read {
	READ_OK,
	READ_MISSING,		/* absent, a symbolic link or not a regular file */
	READ_TOO_BIG,
	READ_ERROR,		/* permission, I/O error */
	READ_NOMEM,
};

static int
archive_open(int dfd, const char *name, enum archive_read *why)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

	if (fd == -1) {
		*why = errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? READ_MISSING : READ_ERROR;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*why = READ_ERROR;
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = READ_MISSING;
		close(fd);
		return -1;
	}
	*why = READ_OK;
	return fd;
}

/* OUT *data (pp_malloc'd, NUL-terminated, caller pp_free), *len. */
static enum archive_read
archive_read_small(int dfd, const char *name, size_t max, char **data, size_t *len)
{
	enum archive_read why;
	size_t got = 0;
	char *buf;
	int fd = archive_open(dfd, name, &why);

	if (fd == -1)
		return why;
	buf = pp_malloc(max + 2);
	if (buf == NULL) {
		close(fd);
		return READ_NOMEM;
	}
	/* Read one byte more than allowed to tell "too big" without trusting
	 * st_size (the file may change under us). */
	while (got < max + 1) {
		ssize_t n = read(fd, buf + got, max + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			pp_free(buf);
			return READ_ERROR;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got > max) {
		pp_free(buf);
		return READ_TOO_BIG;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return READ_OK;
}

/* Reports a file that could not be read.  1 when reported. */
static int
archive_read_problem(struct archive_ctx *c, uint64_t seg, const char *name, enum archive_read r)
{
	switch (r) {
	case READ_OK:
		return 0;
	case READ_MISSING:
		archive_problem(c, seg, "file_missing", PP_VERIFY_INTEGRITY,
		    "%s is missing or not a regular file", name);
		break;
	case READ_TOO_BIG:
		archive_problem(c, seg, "file_missing", PP_VERIFY_INTEGRITY,
		    "%s is larger than any file the writer makes", name);
		break;
	case READ_ERROR:
		archive_problem(c, seg, "unreadable", PP_VERIFY_UNVERIFIABLE,
		    "%s cannot be read: %s", name, strerror(errno));
		break;
	case READ_NOMEM:
		archive_nomem(c);
		break;
	}
	return 1;
}

/* --- manifest.json */

static const char *const archive_manifest_members[] = {
	"clock_synchronised", "count", "created", "files", "first_seq", "first_time", "format",
	"frontier_before", "last_seq", "last_time", "origin", "prev_manifest_sha256",
	"records_sha256", "root", "root_before", "segment", "segment_root", "software",
	"tree_size", "tree_size_before",
};
#define ARCHIVE_NMEMBERS (sizeof(archive_manifest_members) / sizeof(archive_manifest_members[0]))

static int
archive_get_u64(json_object *o, const char *key, uint64_t min, uint64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	int64_t i = json_object_get_int64(v);
	if (i < 0 || (uint64_t)i < min)
		return 0;
	*out = (uint64_t)i;
	return 1;
}

static const char *
archive_get_str(json_object *o, const char *key, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static int
archive_b64_hash(json_object *v, pp_hash out)
{
	size_t n = 0;

	if (!json_object_is_type(v, json_type_string) ||
	    pp_b64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), out,
	    PP_HASH_LEN, &n) != PP_OK || n != PP_HASH_LEN)
		return 0;
	return 1;
}

static int
archive_get_b64(json_object *o, const char *key, pp_hash out)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && archive_b64_hash(v, out);
}

static int
archive_get_hex(json_object *o, const char *key, uint8_t out[PP_HASH_LEN])
{
	size_t len = 0;
	const char *s = archive_get_str(o, key, &len);

	if (s == NULL || !archive_hex_valid(s, len))
		return 0;
	archive_unhex(s, out);
	return 1;
}

static int
archive_get_time(json_object *o, const char *key, char out[ARCHIVE_TIME_LEN + 1])
{
	size_t len = 0;
	const char *s = archive_get_str(o, key, &len);

	if (s == NULL || !archive_time_valid(s, len))
		return 0;
	memcpy(out, s, ARCHIVE_TIME_LEN + 1);
	return 1;
}

/* "files": exactly {"records.jsonl.gz": {"bytes": n, "sha256": hex}}. */
static const char *
archive_check_files(json_object *o, struct archive_manifest *m)
{
	json_object *files, *gz;

	if (!json_object_object_get_ex(o, "files", &files) ||
	    !json_object_is_type(files, json_type_object) || json_object_object_length(files) != 1 ||
	    !json_object_object_get_ex(files, ARCHIVE_RECORDS, &gz) ||
	    !json_object_is_type(gz, json_type_object) || json_object_object_length(gz) != 2 ||
	    !archive_get_u64(gz, "bytes", 0, &m->gzbytes) || !archive_get_hex(gz, "sha256", m->gzsha))
		return "files";
	return NULL;
}

/* "software": at most PP_ARCHIVE_MAX_HASH_FILES absolute paths, each a hex
 * digest or "unreadable". */
static const char *
archive_check_software(json_object *o)
{
	json_object *sw;

	if (!json_object_object_get_ex(o, "software", &sw) ||
	    !json_object_is_type(sw, json_type_object) ||
	    json_object_object_length(sw) > PP_ARCHIVE_MAX_HASH_FILES)
		return "software";
	json_object_object_foreach(sw, k, v) {
		const char *s;
		size_t len;
		if (k[0] != '/' || !json_object_is_type(v, json_type_string))
			return "software";
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (!archive_hex_valid(s, len) && strcmp(s, "unreadable") != 0)
			return "software";
	}
	return NULL;
}

/* "frontier_before": popcount(tree_size_before) base64 hashes. */
static const char *
archive_check_frontier(json_object *o, struct archive_manifest *m)
{
	json_object *fr;
	size_t n;

	if (!json_object_object_get_ex(o, "frontier_before", &fr) ||
	    !json_object_is_type(fr, json_type_array))
		return "frontier_before";
	n = json_object_array_length(fr);
	if (n != (size_t)archive_popcount(m->tree_size_before))
		return "frontier_before";
	for (size_t i = 0; i < n; i++)
		if (!archive_b64_hash(json_object_array_get_idx(fr, i), m->frontier[i]))
			return "frontier_before";
	m->nfrontier = (unsigned)n;
	return NULL;
}

/* The name of the first member that is missing, of the wrong type or
 * inconsistent, or NULL when m is filled. */
static const char *
archive_manifest_fields(json_object *o, struct archive_manifest *m)
{
	const char *s, *bad;
	size_t len = 0;
	json_object *v;

	s = archive_get_str(o, "origin", &len);
	if (s == NULL || len != strlen(s) || !pp_note_origin_valid(s))
		return "origin";
	memcpy(m->origin, s, len + 1);
	if (!archive_get_u64(o, "segment", 1, &m->segment) || m->segment > ARCHIVE_MAX_NUMBER)
		return "segment";
	if (!archive_get_u64(o, "tree_size_before", 0, &m->tree_size_before))
		return "tree_size_before";
	if (!archive_get_u64(o, "first_seq", 1, &m->first_seq) ||
	    m->first_seq != m->tree_size_before + 1)
		return "first_seq";
	if (!archive_get_u64(o, "count", 1, &m->count))
		return "count";
	if (!archive_get_u64(o, "last_seq", 1, &m->last_seq) ||
	    m->last_seq != m->first_seq + m->count - 1)
		return "last_seq";
	if (!archive_get_u64(o, "tree_size", 1, &m->tree_size) || m->tree_size != m->last_seq)
		return "tree_size";
	if (!archive_get_time(o, "first_time", m->first_time))
		return "first_time";
	if (!archive_get_time(o, "last_time", m->last_time))
		return "last_time";
	if (!archive_get_b64(o, "root_before", m->root_before))
		return "root_before";
	if ((bad = archive_check_frontier(o, m)) != NULL)
		return bad;
	if (!archive_get_b64(o, "segment_root", m->segment_root))
		return "segment_root";
	if (!archive_get_b64(o, "root", m->root))
		return "root";
	s = archive_get_str(o, "prev_manifest_sha256", &len);
	if (s == NULL || (len != 0 && !archive_hex_valid(s, len)) || (len == 0) != (m->segment == 1))
		return "prev_manifest_sha256";
	m->has_prev = len != 0;
	if (m->has_prev)
		archive_unhex(s, m->prev);
	if ((bad = archive_check_files(o, m)) != NULL)
		return bad;
	if (!archive_get_hex(o, "records_sha256", m->recsha))
		return "records_sha256";
	if ((bad = archive_check_software(o)) != NULL)
		return bad;
	s = archive_get_str(o, "created", &len);
	if (s == NULL || !archive_time_valid(s, len))
		return "created";
	if (!json_object_object_get_ex(o, "clock_synchronised", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return "clock_synchronised";
	return NULL;
}

enum archive_mstate { MANIFEST_OK, MANIFEST_INVALID, MANIFEST_UNKNOWN_FORMAT };

/* Parses and checks manifest.json; reports what is wrong.  Untrusted bytes:
 * canonical form first (pp_canon_check, no allocation), json-c only then. */
static enum archive_mstate
archive_manifest_parse(struct archive_ctx *c, uint64_t seg, const char *buf, size_t len,
    struct archive_manifest *m)
{
	json_object *o = NULL;
	const char *bad, *fmt;
	size_t flen = 0;
	enum archive_mstate st = MANIFEST_INVALID;

	memset(m, 0, sizeof(*m));
	if (pp_canon_check(buf, len, ARCHIVE_MANIFEST_DEPTH, NULL, 0) != PP_OK ||
	    pp_json_parse(buf, len, ARCHIVE_MANIFEST_DEPTH, ARCHIVE_MANIFEST_MEMBERS, &o) != PP_OK ||
	    !json_object_is_type(o, json_type_object)) {
		archive_problem(c, seg, "manifest_invalid", PP_VERIFY_INTEGRITY,
		    "manifest.json is not one canonical JSON object");
		goto done;
	}
	fmt = archive_get_str(o, "format", &flen);
	if (fmt == NULL) {
		archive_problem(c, seg, "manifest_invalid", PP_VERIFY_INTEGRITY,
		    "manifest.json has no \"format\"");
		goto done;
	}
	if (strcmp(fmt, PP_ARCHIVE_FORMAT) != 0 || flen != strlen(PP_ARCHIVE_FORMAT)) {
		archive_problem(c, seg, "unknown_format", PP_VERIFY_UNVERIFIABLE,
		    "manifest.json has format \"%.64s\"; this verifier knows " PP_ARCHIVE_FORMAT,
		    fmt);
		st = MANIFEST_UNKNOWN_FORMAT;
		goto done;
	}
	/* Exactly the members of the format: a member we do not know could
	 * carry a meaning we would silently ignore. */
	json_object_object_foreach(o, key, val) {
		size_t i;
		(void)val;
		for (i = 0; i < ARCHIVE_NMEMBERS; i++)
			if (strcmp(key, archive_manifest_members[i]) == 0)
				break;
		if (i == ARCHIVE_NMEMBERS) {
			archive_problem(c, seg, "manifest_invalid", PP_VERIFY_INTEGRITY,
			    "manifest.json has an unknown member \"%.64s\"", key);
			goto done;
		}
	}
	if (json_object_object_length(o) != (int)ARCHIVE_NMEMBERS) {
		archive_problem(c, seg, "manifest_invalid", PP_VERIFY_INTEGRITY,
		    "manifest.json lacks members");
		goto done;
	}
	if ((bad = archive_manifest_fields(o, m)) != NULL) {
		archive_problem(c, seg, "manifest_invalid", PP_VERIFY_INTEGRITY,
		    "manifest.json: \"%s\" is missing, of the wrong type or inconsistent", bad);
		goto done;
	}
	st = MANIFEST_OK;
done:
	json_object_put(o);
	return st;
}

/* --- checkpoints */

/* The first line of a note, when it is a valid origin (to know the key
 * name before the signature is checked).  1 when found. */
static int
archive_note_origin(const char *note, size_t len, char out[PP_ORIGIN_MAX + 1])
{
	const char *nl = memchr(note, '\n', len);
	size_t n;

	if (nl == NULL || (n = (size_t)(nl - note)) == 0 || n > PP_ORIGIN_MAX)
		return 0;
	memcpy(out, note, n);
	out[n] = '\0';
	return pp_note_origin_valid(out);
}

enum archive_note_state { NOTE_OK, NOTE_MALFORMED, NOTE_SIGNATURE };

/* Verifies a signed note with the trusted key under the expected origin
 * and parses its checkpoint.  With a bad signature the text is still
 * parsed (OUT *parsed) so that the rest of a segment can be checked. */
static enum archive_note_state
archive_note(struct archive_ctx *c, const char *note, size_t len, struct pp_checkpoint *cp,
    int *parsed)
{
	enum archive_note_state st = NOTE_OK;
	size_t textlen = 0;
	enum pp_err rc;

	*parsed = 0;
	memset(cp, 0, sizeof(*cp));
	rc = pp_note_verify(note, len, c->origin, c->o->key, &textlen);
	if (rc == PP_ERR_FORBIDDEN) {
		const char *sep = NULL;
		st = NOTE_SIGNATURE;
		for (size_t i = 0; i + 1 < len; i++)
			if (note[i] == '\n' && note[i + 1] == '\n') {
				sep = note + i;
				break;
			}
		if (sep == NULL)
			return NOTE_MALFORMED;
		textlen = (size_t)(sep - note) + 1;
	} else if (rc != PP_OK)
		return NOTE_MALFORMED;
	if (pp_checkpoint_parse(note, textlen, cp) != PP_OK)
		return NOTE_MALFORMED;
	*parsed = 1;
	return st;
}

/* --- the pin */

static void
archive_pin_check(struct archive_ctx *c, uint64_t seg)
{
	pp_hash root;
	char b64[ARCHIVE_B64_LEN + 1];

	c->pin_done = 1;
	pp_merkle_frontier_root(&c->tree, root);
	if (CRYPTO_memcmp(root, c->pin.root, PP_HASH_LEN) != 0) {
		pp_b64_encode(root, PP_HASH_LEN, b64);
		archive_problem(c, seg, "fork", PP_VERIFY_INTEGRITY,
		    "the archived tree of size %" PRIu64 " has root %s, not the pinned root: "
		    "the archive is a different history", c->pin.size, b64);
	}
}

/* --- records */

static void
archive_issue(struct archive_scan *s, enum archive_issue i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
archive_issue(struct archive_scan *s, enum archive_issue i, const char *fmt, ...)
{
	va_list ap;

	if (s->issue_n[i]++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(s->issue_first[i], sizeof(s->issue_first[i]), fmt, ap);
	va_end(ap);
}

/* One record line (without its '\n'). */
static void
archive_record(struct archive_ctx *c, struct archive_scan *s, uint64_t seg, const char *p,
    size_t len)
{
	struct pp_canon_field f[] = {
		{ .key = "seq", .is_int = 1 }, { .key = "time" }, { .key = "type" }, { .key = "origin" },
	};
	pp_hash leaf;

	if (s->lines == s->limit) {
		/* More records than the signed count: the verdict is known, and
		 * inflating on would let a gzip bomb run for hours. */
		s->too_many = 1;
		return;
	}
	s->lines++;
	if (pp_canon_check(p, len, ARCHIVE_RECORD_DEPTH, f, 4) != PP_OK) {
		archive_issue(s, ISSUE_NOT_CANONICAL, "record on line %" PRIu64
		    " is not canonical JSON", s->lines);
	} else if (!f[0].found || f[0].i < 1 || !f[1].found || !f[2].found || !f[3].found ||
	    !archive_time_valid(f[1].s, f[1].slen)) {
		archive_issue(s, ISSUE_INVALID, "record on line %" PRIu64
		    " lacks a valid seq, time, type or origin", s->lines);
	} else {
		uint64_t seq = (uint64_t)f[0].i;
		if (f[3].slen != c->oesclen || memcmp(f[3].s, c->oesc, c->oesclen) != 0)
			archive_issue(s, ISSUE_ORIGIN, "record seq %" PRIu64
			    " has another origin", seq);
		/* expect is one past the highest seq seen: a jump forward is a
		 * gap (records removed), anything at or below it came back
		 * (records moved or duplicated). */
		if (seq > s->expect)
			archive_issue(s, ISSUE_GAP, "line %" PRIu64 " has seq %" PRIu64
			    " where %" PRIu64 " was expected", s->lines, seq, s->expect);
		else if (seq < s->expect)
			archive_issue(s, ISSUE_REORDERED, "line %" PRIu64 " has seq %" PRIu64
			    " after seq %" PRIu64, s->lines, seq, s->expect - 1);
		if (seq >= s->expect) {
			s->expect = seq + 1;
			s->max_seq = seq;
		}
		if (s->lines == 1)
			memcpy(s->first_time, f[1].s, ARCHIVE_TIME_LEN);
		memcpy(s->last_time, f[1].s, ARCHIVE_TIME_LEN);
	}
	if (s->lines == 1 && s->first_time[0] == '\0')
		s->first_time[0] = '?';	/* the first record has no valid time */

	/* The leaf is the bytes, whatever they are: a record that fails the
	 * checks above still takes its place in the tree. */
	pp_merkle_leaf_hash(p, len, leaf);
	if (pp_merkle_frontier_append(&c->tree, leaf) != PP_OK ||
	    pp_merkle_frontier_append(&s->seg, leaf) != PP_OK)
		s->corrupt = 1;	/* 2^64 leaves: cannot happen with real files */
	if (c->collect && c->leaves_ok) {
		if (c->nleaves == c->want) {
			pp_free(c->want_rec);
			c->want_rec = pp_malloc(len + 1);
			if (c->want_rec == NULL)
				archive_nomem(c);
			else {
				memcpy(c->want_rec, p, len);
				c->want_rec[len] = '\0';
				c->want_len = len;
			}
		}
		if (c->nleaves == c->cap) {
			uint64_t ncap = c->cap ? 2 * c->cap : 65536;
			pp_hash *n = ncap > SIZE_MAX / PP_HASH_LEN ? NULL :
			    pp_realloc(c->leaves, (size_t)ncap * PP_HASH_LEN);
			if (n == NULL) {
				c->leaves_ok = 0;
				archive_nomem(c);
			} else {
				c->leaves = n;
				c->cap = ncap;
			}
		}
		if (c->leaves_ok)
			memcpy(c->leaves[c->nleaves++], leaf, PP_HASH_LEN);
	}
	if (c->have_pin && !c->pin_done && c->tree.size == c->pin.size)
		archive_pin_check(c, seg);
}

/* Splits decompressed bytes into lines; a line split across two chunks is
 * assembled in c->line, any other line is checked where it lies. */
static void
archive_lines(struct archive_ctx *c, struct archive_scan *s, uint64_t seg, const char *p,
    size_t n)
{
	const char *end = p + n;

	while (p < end && !s->corrupt && !s->too_many) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);

		if (c->linelen + len > PP_ARCHIVE_MAX_RECORD) {
			s->corrupt = 1;
			archive_problem(c, seg, "records_corrupt", PP_VERIFY_INTEGRITY,
			    "a record after line %" PRIu64 " is longer than %d bytes", s->lines,
			    PP_ARCHIVE_MAX_RECORD);
			return;
		}
		if (nl == NULL) {
			memcpy(c->line + c->linelen, p, len);
			c->linelen += len;
			return;
		}
		if (c->linelen > 0) {
			memcpy(c->line + c->linelen, p, len);
			archive_record(c, s, seg, c->line, c->linelen + len);
			c->linelen = 0;
		} else
			archive_record(c, s, seg, p, len);
		p = nl + 1;
	}
}

/* Streams records.jsonl.gz: file digest and size, gzip, lines, records,
 * leaves.  Problems are reported here; s holds the rest for the caller.
 * 0 when the file could not be opened at all. */
static int
archive_scan(struct archive_ctx *c, int dfd, uint64_t seg, const struct archive_manifest *m,
    struct archive_scan *s)
{
	z_stream z;
	EVP_MD_CTX *gzmd = NULL, *recmd = NULL;
	uint8_t gzsha[PP_HASH_LEN], recsha[PP_HASH_LEN];
	uint64_t gzbytes = 0;
	enum archive_read why;
	int fd, zinit = 0, ended = 0, ret = 0;

	memset(&z, 0, sizeof(z));
	z.zalloc = archive_zalloc;
	z.zfree = archive_zfree;
	c->linelen = 0;
	fd = archive_open(dfd, ARCHIVE_RECORDS, &why);
	if (fd == -1) {
		archive_read_problem(c, seg, ARCHIVE_RECORDS, why);
		return 0;
	}
	gzmd = archive_md_new();
	recmd = archive_md_new();
	if (gzmd == NULL || recmd == NULL || inflateInit2(&z, 15 + 16) != Z_OK) {
		archive_nomem(c);
		goto done;
	}
	zinit = 1;
	for (;;) {
		ssize_t n = read(fd, c->inbuf, ARCHIVE_IOBUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_problem(c, seg, "unreadable", PP_VERIFY_UNVERIFIABLE,
			    ARCHIVE_RECORDS " cannot be read: %s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		gzbytes += (uint64_t)n;
		(void)EVP_DigestUpdate(gzmd, c->inbuf, (size_t)n);
		/* Once the stream is known bad, keep reading only to report
		 * the file's size and digest. */
		if (s->corrupt || s->too_many)
			continue;
		if (ended) {
			s->corrupt = 1;
			archive_problem(c, seg, "records_corrupt", PP_VERIFY_INTEGRITY,
			    ARCHIVE_RECORDS " has bytes after the end of the gzip stream");
			continue;
		}
		z.next_in = c->inbuf;
		z.avail_in = (uInt)n;
		for (;;) {
			z.next_out = c->outbuf;
			z.avail_out = ARCHIVE_IOBUF;
			int zr = inflate(&z, Z_NO_FLUSH);
			size_t have = ARCHIVE_IOBUF - z.avail_out;
			if (have > 0) {
				(void)EVP_DigestUpdate(recmd, c->outbuf, have);
				archive_lines(c, s, seg, (const char *)c->outbuf, have);
			}
			if (zr == Z_STREAM_END) {
				ended = 1;
				if (z.avail_in > 0 && !s->corrupt) {
					s->corrupt = 1;
					archive_problem(c, seg, "records_corrupt", PP_VERIFY_INTEGRITY,
					    ARCHIVE_RECORDS " has bytes after the end of the gzip stream");
				}
				break;
			}
			if (zr == Z_MEM_ERROR) {
				archive_nomem(c);
				goto done;
			}
			if (zr != Z_OK && zr != Z_BUF_ERROR) {
				if (!s->corrupt)
					archive_problem(c, seg, "records_corrupt", PP_VERIFY_INTEGRITY,
					    ARCHIVE_RECORDS " is not a valid gzip stream (%s)",
					    z.msg != NULL ? z.msg : "error");
				s->corrupt = 1;
				break;
			}
			if (s->corrupt || s->too_many || (z.avail_out != 0 && z.avail_in == 0) ||
			    zr == Z_BUF_ERROR)
				break;
		}
	}
	if (!ended && !s->corrupt && !s->too_many) {
		s->corrupt = 1;
		archive_problem(c, seg, "records_corrupt", PP_VERIFY_INTEGRITY,
		    ARCHIVE_RECORDS " ends before the end of its gzip stream (truncated)");
	}
	if (!s->corrupt && !s->too_many && c->linelen > 0) {
		s->corrupt = 1;
		archive_problem(c, seg, "records_corrupt", PP_VERIFY_INTEGRITY,
		    "the last record is not followed by a newline");
	}
	archive_md_final(gzmd, gzsha);
	archive_md_final(recmd, recsha);
	if (gzbytes != m->gzbytes || CRYPTO_memcmp(gzsha, m->gzsha, PP_HASH_LEN) != 0)
		archive_problem(c, seg, "records_modified", PP_VERIFY_INTEGRITY,
		    ARCHIVE_RECORDS " is not the file in the manifest (%" PRIu64 " bytes, %s digest)",
		    gzbytes, CRYPTO_memcmp(gzsha, m->gzsha, PP_HASH_LEN) != 0 ? "different" : "same");
	if (!s->corrupt && !s->too_many && CRYPTO_memcmp(recsha, m->recsha, PP_HASH_LEN) != 0)
		archive_problem(c, seg, "records_modified", PP_VERIFY_INTEGRITY,
		    "the records are not those of the manifest (records_sha256)");
	ret = 1;
done:
	if (zinit)
		inflateEnd(&z);
	EVP_MD_CTX_free(gzmd);
	EVP_MD_CTX_free(recmd);
	close(fd);
	return ret;
}

static void archive_pin_load(struct archive_ctx *c);

/* --- one segment */

/* Lists a segment's directory for files the format does not have. */
static void
archive_segment_strays(struct archive_ctx *c, int dfd, uint64_t seg)
{
	int fd = dup(dfd);
	DIR *d;
	struct dirent *e;

	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		size_t i;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (i = 0; i < sizeof(archive_files) / sizeof(archive_files[0]); i++)
			if (strcmp(e->d_name, archive_files[i]) == 0)
				break;
		if (i == sizeof(archive_files) / sizeof(archive_files[0]))
			archive_warning(c, seg, "stray_entry", "unexpected entry \"%.64s\" in the segment",
			    e->d_name);
	}
	closedir(d);
}

/* The checkpoint's extension line must be exactly the one the writer
 * makes for this segment and this manifest. */
/* 1 when the checkpoint's extension line names this segment and manifest. */
static int
archive_check_ext(struct archive_ctx *c, uint64_t seg, const struct pp_checkpoint *cp,
    const uint8_t mhash[PP_HASH_LEN])
{
	char want[PP_CHECKPOINT_EXT_MAX + 1], hex[ARCHIVE_HEX_LEN + 1];
	const char *e = cp->ext, *sp;
	size_t plen = strlen(ARCHIVE_EXT_PREFIX);

	pp_hex(mhash, PP_HASH_LEN, hex);
	snprintf(want, sizeof(want), ARCHIVE_EXT_PREFIX "%" PRIu64 " %s\n", seg, hex);
	if (strcmp(e, want) == 0)
		return 1;
	if (strncmp(e, ARCHIVE_EXT_PREFIX, plen) != 0 || (sp = strchr(e + plen, ' ')) == NULL ||
	    strlen(sp + 1) != ARCHIVE_HEX_LEN + 1 || sp[1 + ARCHIVE_HEX_LEN] != '\n' ||
	    !archive_hex_valid(sp + 1, ARCHIVE_HEX_LEN)) {
		archive_problem(c, seg, "checkpoint_invalid", PP_VERIFY_INTEGRITY,
		    "the checkpoint has no \"" ARCHIVE_EXT_PREFIX "N SHA256\" line");
		return 0;
	}
	int64_t n;
	if (pp_strtonum(e + plen, (size_t)(sp - e - (ptrdiff_t)plen), 1, (int64_t)ARCHIVE_MAX_NUMBER,
	    &n) != PP_OK || (uint64_t)n != seg)
		archive_problem(c, seg, "segment_misplaced", PP_VERIFY_INTEGRITY,
		    "the checkpoint names segment %.*s, the directory is segment %" PRIu64,
		    (int)(sp - e - (ptrdiff_t)plen) > 20 ? 20 : (int)(sp - e - (ptrdiff_t)plen),
		    e + plen, seg);
	if (memcmp(sp + 1, hex, ARCHIVE_HEX_LEN) != 0)
		archive_problem(c, seg, "manifest_modified", PP_VERIFY_INTEGRITY,
		    "manifest.json is not the manifest the checkpoint signs (SHA-256 %s)", hex);
	return 0;
}

/* Links a segment to the one before it in the archive.  prev is valid. */
static void
archive_check_link(struct archive_ctx *c, uint64_t seg, const struct archive_manifest *m)
{
	if (!m->has_prev || CRYPTO_memcmp(m->prev, c->prev_mhash, PP_HASH_LEN) != 0)
		archive_problem(c, seg, "chain_broken", PP_VERIFY_INTEGRITY,
		    "prev_manifest_sha256 is not the SHA-256 of segment %" PRIu64 "'s manifest.json",
		    c->prev_number);
	if (m->tree_size_before != c->prev_tree_size ||
	    CRYPTO_memcmp(m->root_before, c->prev_root, PP_HASH_LEN) != 0)
		archive_problem(c, seg, "chain_broken", PP_VERIFY_INTEGRITY,
		    "tree_size_before %" PRIu64 " / root_before do not continue segment %" PRIu64
		    " (tree size %" PRIu64 ")", m->tree_size_before, c->prev_number, c->prev_tree_size);
}

/* Adds the segment's line to the report. */
static void
archive_segment_report(struct archive_ctx *c, uint64_t seg, const struct archive_manifest *m,
    int have_m, const char *tsstate, const char *tstime, const uint8_t *mhash)
{
	json_object *o = json_object_new_object();
	enum pp_err rc = o != NULL ? PP_OK : PP_ERR_NOMEM;

	archive_put(&rc, o, "segment", json_object_new_int64((int64_t)seg));
	archive_put(&rc, o, "status", json_object_new_string(c->cur_integrity ? "failed" :
	    c->cur_unverifiable ? "unverifiable" : "ok"));
	if (have_m) {
		archive_put(&rc, o, "first_seq", json_object_new_int64((int64_t)m->first_seq));
		archive_put(&rc, o, "last_seq", json_object_new_int64((int64_t)m->last_seq));
		archive_put(&rc, o, "count", json_object_new_int64((int64_t)m->count));
		archive_put(&rc, o, "first_time", json_object_new_string(m->first_time));
		archive_put(&rc, o, "last_time", json_object_new_string(m->last_time));
		archive_put(&rc, o, "tree_size", json_object_new_int64((int64_t)m->tree_size));
		archive_put(&rc, o, "root", archive_b64_json(m->root));
	}
	if (mhash != NULL)
		archive_put(&rc, o, "manifest_sha256", archive_hex_json(mhash));
	archive_put(&rc, o, "timestamp", json_object_new_string(tsstate));
	if (tstime != NULL)
		archive_put(&rc, o, "timestamp_time", json_object_new_string(tstime));
	if (rc != PP_OK || json_object_array_add(c->segments, o) != 0) {
		json_object_put(o);
		archive_nomem(c);
	}
}

/* manifest.tsr, when present. */
static const char *
archive_check_tsr(struct archive_ctx *c, int dfd, uint64_t seg, const pp_hash mdigest,
    char tstime[32])
{
	char *tsr = NULL;
	size_t len = 0;
	time_t gen = 0;
	struct tm tm;
	enum archive_read r;
	enum pp_err rc;

	struct stat st;

	if (fstatat(dfd, ARCHIVE_TSR, &st, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT)
		return "absent";
	if (c->o->tsa_ca == NULL || c->o->tsa_ca[0] == '\0')
		return "not checked";
	r = archive_read_small(dfd, ARCHIVE_TSR, PP_TSA_MAX_RESPONSE, &tsr, &len);
	if (r != READ_OK) {
		archive_read_problem(c, seg, ARCHIVE_TSR, r);
		return "invalid";
	}
	rc = pp_tsa_verify((const uint8_t *)tsr, len, mdigest, c->o->tsa_ca, &gen);
	pp_free(tsr);
	if (rc == PP_OK) {
		if (gmtime_r(&gen, &tm) != NULL)
			strftime(tstime, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return "verified";
	}
	if (rc == PP_ERR_FORBIDDEN || rc == PP_ERR_BAD_REQUEST) {
		archive_problem(c, seg, "timestamp_invalid", PP_VERIFY_INTEGRITY,
		    "manifest.tsr is not a valid time-stamp of this manifest from the given TSA (%s)",
		    pp_err_name(rc));
		return "invalid";
	}
	archive_problem(c, seg, "timestamp_unverifiable", PP_VERIFY_UNVERIFIABLE,
	    "manifest.tsr could not be checked (%s)", pp_err_name(rc));
	return "not checked";
}

static void
archive_verify_segment(struct archive_ctx *c, uint64_t seg)
{
	char name[32], b64[ARCHIVE_B64_LEN + 1], tstime[32] = "";
	char *mbuf = NULL, *note = NULL;
	size_t mlen = 0, notelen = 0;
	struct archive_manifest *m = NULL;
	struct archive_scan *s = NULL;
	struct pp_checkpoint cp;
	uint8_t mhash[PP_HASH_LEN];
	int dfd = -1, have_m = 0, have_cp = 0, cp_ok = 0, chain_ok = 0, vouched = 0;
	const char *tsstate = "absent";
	enum archive_read r;

	c->cur = seg;
	c->cur_integrity = c->cur_unverifiable = 0;
	c->nsegments++;
	snprintf(name, sizeof(name), "seg-%08" PRIu64, seg);
	m = pp_calloc(1, sizeof(*m));
	s = pp_calloc(1, sizeof(*s));
	if (m == NULL || s == NULL) {
		archive_nomem(c);
		goto done;
	}
	{
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->o->archive_dir, name) >=
		    sizeof(path)) {
			archive_problem(c, seg, "unreadable", PP_VERIFY_UNVERIFIABLE,
			    "path too long");
			dfd = -1;
			goto done;
		}
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (dfd == -1) {
		if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT)
			archive_problem(c, seg, "file_missing", PP_VERIFY_INTEGRITY,
			    "%s is not a directory", name);
		else
			archive_problem(c, seg, "unreadable", PP_VERIFY_UNVERIFIABLE,
			    "%s cannot be opened: %s", name, strerror(errno));
		goto done;
	}
	archive_segment_strays(c, dfd, seg);

	r = archive_read_small(dfd, ARCHIVE_MANIFEST, ARCHIVE_MANIFEST_MAX, &mbuf, &mlen);
	if (archive_read_problem(c, seg, ARCHIVE_MANIFEST, r))
		goto done;
	archive_sha256(mbuf, mlen, mhash);
	switch (archive_manifest_parse(c, seg, mbuf, mlen, m)) {
	case MANIFEST_OK:
		have_m = 1;
		break;
	case MANIFEST_UNKNOWN_FORMAT:
	case MANIFEST_INVALID:
		break;
	}
	r = archive_read_small(dfd, ARCHIVE_CHECKPOINT, PP_NOTE_MAX, &note, &notelen);
	archive_read_problem(c, seg, ARCHIVE_CHECKPOINT, r);

	/* The origin every segment is held to: --origin, else the pin's,
	 * else the first segment's. */
	if (!c->have_origin) {
		char o[PP_ORIGIN_MAX + 1];
		if (have_m)
			archive_set_origin(c, m->origin);
		else if (note != NULL && archive_note_origin(note, notelen, o))
			archive_set_origin(c, o);
	}
	if (note != NULL && c->have_origin) {
		int parsed = 0;
		switch (archive_note(c, note, notelen, &cp, &parsed)) {
		case NOTE_OK:
			cp_ok = 1;
			break;
		case NOTE_SIGNATURE:
			archive_problem(c, seg, "checkpoint_signature", PP_VERIFY_INTEGRITY,
			    "the checkpoint is not signed by the audit key under the name \"%s\"",
			    c->origin);
			break;
		case NOTE_MALFORMED:
			archive_problem(c, seg, "checkpoint_invalid", PP_VERIFY_INTEGRITY,
			    "the checkpoint is not a well-formed signed checkpoint");
			break;
		}
		have_cp = parsed;
		if (have_cp) {
			vouched = archive_check_ext(c, seg, &cp, mhash) && cp_ok;
			if (strcmp(cp.origin, c->origin) != 0)
				archive_problem(c, seg, "origin_mismatch", PP_VERIFY_INTEGRITY,
				    "the checkpoint is for origin \"%s\", not \"%s\"", cp.origin,
				    c->origin);
		}
	} else if (note != NULL)
		archive_problem(c, seg, "checkpoint_invalid", PP_VERIFY_INTEGRITY,
		    "no origin can be found for the checkpoint");
	if (c->pin_pending && c->have_origin)
		archive_pin_load(c);
	if (!have_m)
		goto done;

	if (m->segment != seg)
		archive_problem(c, seg, "segment_misplaced", PP_VERIFY_INTEGRITY,
		    "manifest.json is for segment %" PRIu64 ", the directory is segment %" PRIu64,
		    m->segment, seg);
	if (strcmp(m->origin, c->origin) != 0)
		archive_problem(c, seg, "origin_mismatch", PP_VERIFY_INTEGRITY,
		    "manifest.json is for origin \"%s\", not \"%s\"", m->origin, c->origin);
	if (have_cp && (cp.size != m->tree_size ||
	    CRYPTO_memcmp(cp.root, m->root, PP_HASH_LEN) != 0))
		archive_problem(c, seg, "root_mismatch", PP_VERIFY_INTEGRITY,
		    "the checkpoint (size %" PRIu64 ") and manifest.json (tree_size %" PRIu64
		    ") disagree on the tree", cp.size, m->tree_size);

	/* Links: the first segment starts an empty tree; any other continues
	 * the segment just before it, when that one was read. */
	if (seg == 1) {
		if (m->tree_size_before != 0 || m->has_prev)
			archive_problem(c, seg, "chain_broken", PP_VERIFY_INTEGRITY,
			    "segment 1 does not start an empty tree");
	} else if (c->have_prev && c->prev_number == seg - 1)
		archive_check_link(c, seg, m);

	/* The tree before the segment, as signed through the manifest. */
	if (pp_merkle_frontier_set(&c->tree, m->tree_size_before,
	    (const pp_hash *)m->frontier, m->nfrontier) != PP_OK) {
		archive_problem(c, seg, "manifest_invalid", PP_VERIFY_INTEGRITY,
		    "frontier_before does not fit tree_size_before");
		goto done;
	}
	{
		pp_hash r0;
		pp_merkle_frontier_root(&c->tree, r0);
		if (CRYPTO_memcmp(r0, m->root_before, PP_HASH_LEN) != 0)
			archive_problem(c, seg, "root_mismatch", PP_VERIFY_INTEGRITY,
			    "frontier_before does not give root_before");
	}
	chain_ok = 1;
	if (c->have_pin && !c->pin_done && c->pin.size == c->tree.size)
		archive_pin_check(c, seg);

	pp_merkle_frontier_init(&s->seg);
	s->expect = m->first_seq;
	s->limit = m->count;
	if (!vouched) {
		/* The manifest's count and sizes bound the decompression only
		 * once a valid checkpoint vouches for them; otherwise a few
		 * edited bytes could make the verifier inflate gigabytes.  The
		 * segment has already failed. */
		archive_warning(c, seg, "records_not_examined", "the records were not read: no valid"
		    " checkpoint vouches for manifest.json");
		c->leaves_ok = 0;
	} else if (archive_scan(c, dfd, seg, m, s)) {
		pp_hash r1;
		for (int i = 0; i < ISSUE__MAX; i++)
			if (s->issue_n[i] > 0)
				archive_problem(c, seg, archive_issue_code[i], PP_VERIFY_INTEGRITY,
				    "%s (%" PRIu64 " record%s)", s->issue_first[i], s->issue_n[i],
				    s->issue_n[i] == 1 ? "" : "s");
		if (!s->corrupt && !s->too_many && s->max_seq < m->last_seq &&
		    s->issue_n[ISSUE_GAP] == 0 && s->lines > 0)
			archive_problem(c, seg, "sequence_gap", PP_VERIFY_INTEGRITY,
			    "the records stop at seq %" PRIu64 ", last_seq is %" PRIu64, s->max_seq,
			    m->last_seq);
		if (s->too_many) {
			archive_problem(c, seg, "count_mismatch", PP_VERIFY_INTEGRITY,
			    "more records than the manifest's %" PRIu64 " (not read further)", m->count);
			c->leaves_ok = 0;
		} else if (s->lines != m->count)
			archive_problem(c, seg, "count_mismatch", PP_VERIFY_INTEGRITY,
			    "%" PRIu64 " records, the manifest says %" PRIu64, s->lines, m->count);
		if (s->lines > 0 && (strcmp(s->first_time, m->first_time) != 0 ||
		    strcmp(s->last_time, m->last_time) != 0))
			archive_problem(c, seg, "time_mismatch", PP_VERIFY_INTEGRITY,
			    "the first or last record's time is not first_time / last_time");
		pp_merkle_frontier_root(&s->seg, r1);
		if (CRYPTO_memcmp(r1, m->segment_root, PP_HASH_LEN) != 0)
			archive_problem(c, seg, "root_mismatch", PP_VERIFY_INTEGRITY,
			    "the records do not give segment_root");
		pp_merkle_frontier_root(&c->tree, r1);
		if (c->tree.size != m->tree_size || CRYPTO_memcmp(r1, m->root, PP_HASH_LEN) != 0) {
			pp_b64_encode(r1, PP_HASH_LEN, b64);
			archive_problem(c, seg, "root_mismatch", PP_VERIFY_INTEGRITY,
			    "frontier_before and the records give tree size %" PRIu64 " root %s, "
			    "not the signed tree size %" PRIu64, c->tree.size, b64, m->tree_size);
		}
	} else
		c->leaves_ok = 0;	/* the leaves of this segment are missing */

	tsstate = archive_check_tsr(c, dfd, seg, mhash, tstime);
done:
	if (chain_ok) {
		c->have_prev = 1;
		c->prev_number = seg;
		c->prev_tree_size = m->tree_size;
		memcpy(c->prev_root, m->root, PP_HASH_LEN);
		memcpy(c->prev_mhash, mhash, PP_HASH_LEN);
		c->have_end = 1;
		c->end_size = m->tree_size;
		memcpy(c->end_root, m->root, PP_HASH_LEN);
		c->end_note_len = 0;
		if (cp_ok && notelen <= PP_NOTE_MAX) {
			memcpy(c->end_note, note, notelen);
			c->end_note[notelen] = '\0';
			c->end_note_len = notelen;
		}
	} else {
		c->have_prev = 0;
		c->leaves_ok = 0;
	}
	archive_segment_report(c, seg, m, have_m, tsstate, tstime[0] ? tstime : NULL,
	    mbuf != NULL ? mhash : NULL);
	c->cur = 0;
	if (dfd != -1)
		close(dfd);
	pp_free(mbuf);
	pp_free(note);
	pp_free(m);
	pp_free(s);
}

/* --- the archive */

static int
archive_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 1 when name is "seg-" followed by exactly 8 digits (not all zero). */
static int
archive_segment_name(const char *name, const char *prefix, const char *suffix, uint64_t *n)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), len = strlen(name);
	uint64_t v = 0;

	if (len != pl + 8 + sl || strncmp(name, prefix, pl) != 0 || strcmp(name + pl + 8, suffix) != 0)
		return 0;
	for (size_t i = pl; i < pl + 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*n = v;
	return v > 0;
}

/* OUT *nums (pp_malloc'd, sorted), *n.  0 when the directory cannot be read. */
static int
archive_list(struct archive_ctx *c, uint64_t **nums, size_t *n)
{
	DIR *d = opendir(c->o->archive_dir);
	struct dirent *e;
	uint64_t *v = NULL, num;
	size_t cnt = 0, cap = 0;

	*nums = NULL;
	*n = 0;
	if (d == NULL) {
		archive_problem(c, 0, "unreadable", PP_VERIFY_UNVERIFIABLE,
		    "the archive directory cannot be read: %s", strerror(errno));
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (archive_segment_name(e->d_name, "seg-", "", &num)) {
			if (cnt == cap) {
				size_t ncap = cap ? 2 * cap : 64;
				uint64_t *nv = pp_realloc(v, ncap * sizeof(*v));
				if (nv == NULL) {
					archive_nomem(c);
					break;
				}
				v = nv;
				cap = ncap;
			}
			v[cnt++] = num;
		} else if (archive_segment_name(e->d_name, ".seg-", ".tmp", &num))
			archive_warning(c, 0, "leftover_temp", "%.64s: a segment the writer did not "
			    "finish (ignored; it is not part of the archive)", e->d_name);
		else
			archive_warning(c, 0, "stray_entry", "unexpected entry \"%.64s\" in the archive "
			    "(ignored)", e->d_name);
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), archive_cmp_u64);
	*nums = v;
	*n = cnt;
	return 1;
}

static void
archive_missing(struct archive_ctx *c, uint64_t a, uint64_t b)
{
	if (a == b)
		archive_problem(c, a, "segment_missing", PP_VERIFY_INTEGRITY,
		    "segment %" PRIu64 " is not in the archive but later segments are", a);
	else
		archive_problem(c, a, "segment_missing", PP_VERIFY_INTEGRITY,
		    "segments %" PRIu64 " to %" PRIu64 " are not in the archive but later segments are",
		    a, b);
	c->have_prev = 0;
	c->leaves_ok = 0;
}

/* Verifies segments [from, to] (0: first / last) as they appear. */
static void
archive_walk(struct archive_ctx *c, uint64_t from, uint64_t to)
{
	uint64_t *nums = NULL, first, last, next;
	size_t n = 0;

	if (!archive_list(c, &nums, &n))
		return;
	if (n == 0) {
		archive_problem(c, 0, "no_segments", PP_VERIFY_UNVERIFIABLE,
		    "the archive holds no segment");
		c->to_end = 1;
		goto done;
	}
	c->last_present = nums[n - 1];
	first = from ? from : 1;
	last = to ? to : c->last_present;
	if (first > c->last_present) {
		archive_problem(c, 0, "segment_absent", PP_VERIFY_UNVERIFIABLE,
		    "segment %" PRIu64 " is beyond the last segment of the archive (%" PRIu64 ")",
		    first, c->last_present);
		goto done;
	}
	if (last > c->last_present) {
		archive_problem(c, 0, "segment_absent", PP_VERIFY_UNVERIFIABLE,
		    "segments %" PRIu64 " to %" PRIu64 " are beyond the last segment of the archive",
		    c->last_present + 1, last);
		last = c->last_present;
	}
	c->to_end = last == c->last_present;
	next = first;
	for (size_t i = 0; i < n && next <= last; i++) {
		if (nums[i] < next)
			continue;
		if (nums[i] > last) {
			archive_missing(c, next, last);
			next = last + 1;
			break;
		}
		if (nums[i] > next)
			archive_missing(c, next, nums[i] - 1);
		archive_verify_segment(c, nums[i]);
		next = nums[i] + 1;
		if (c->nomem)
			break;
	}
done:
	pp_free(nums);
}

/* --- checkpoints given by the auditor (pin, consistency, inclusion) */

/*
 * A checkpoint the auditor brings is evidence only if the audit key signed
 * it for this log: a malformed one, or one the key did not sign, says
 * nothing about the archive, so it makes the verdict UNVERIFIABLE, never
 * INTEGRITY (a forged "pin" must not make an honest archive look
 * tampered with).  1 when cp is a verified checkpoint.
 */
static int
archive_external(struct archive_ctx *c, const char *what, const char *note, size_t len,
    struct pp_checkpoint *cp)
{
	char o[PP_ORIGIN_MAX + 1];
	size_t textlen = 0;
	enum pp_err rc;

	if (note == NULL || len == 0 || len > PP_NOTE_MAX || !archive_note_origin(note, len, o)) {
		archive_problem(c, 0, "pin_invalid", PP_VERIFY_UNVERIFIABLE,
		    "the %s is not a signed checkpoint", what);
		return 0;
	}
	if (!c->have_origin)
		archive_set_origin(c, o);
	rc = pp_note_verify(note, len, c->origin, c->o->key, &textlen);
	if (rc == PP_ERR_FORBIDDEN) {
		archive_problem(c, 0, "pin_signature", PP_VERIFY_UNVERIFIABLE,
		    "the %s is not signed by the audit key under the name \"%s\"", what, c->origin);
		return 0;
	}
	if (rc != PP_OK || pp_checkpoint_parse(note, textlen, cp) != PP_OK) {
		archive_problem(c, 0, "pin_invalid", PP_VERIFY_UNVERIFIABLE,
		    "the %s is not a well-formed signed checkpoint", what);
		return 0;
	}
	if (strcmp(cp->origin, c->origin) != 0) {
		archive_problem(c, 0, "pin_invalid", PP_VERIFY_UNVERIFIABLE,
		    "the %s is for origin \"%s\", not \"%s\"", what, cp->origin, c->origin);
		return 0;
	}
	return 1;
}

static void
archive_pin_load(struct archive_ctx *c)
{
	c->pin_pending = 0;
	c->have_pin = archive_external(c, "pinned checkpoint", c->o->pin, c->o->pinlen, &c->pin);
}

static json_object *
archive_checkpoint_json(const struct pp_checkpoint *cp)
{
	json_object *o = json_object_new_object();
	enum pp_err rc = o != NULL ? PP_OK : PP_ERR_NOMEM;

	archive_put(&rc, o, "size", json_object_new_int64((int64_t)cp->size));
	archive_put(&rc, o, "root", archive_b64_json(cp->root));
	if (rc != PP_OK) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* --- driver */

static void
archive_ctx_free(struct archive_ctx *c)
{
	if (c == NULL)
		return;
	json_object_put(c->report);
	pp_free(c->leaves);
	pp_free(c->want_rec);
	pp_free(c->inbuf);
	pp_free(c->outbuf);
	pp_free(c->line);
	pp_free(c);
}

/* OUT *cp: a context with an empty report, or NULL when out of memory. */
static struct archive_ctx *
archive_ctx_new(const struct pp_verify_opts *o)
{
	struct archive_ctx *c = pp_calloc(1, sizeof(*c));
	enum pp_err rc = PP_OK;

	if (c == NULL)
		return NULL;
	c->o = o;
	c->want = UINT64_MAX;
	c->leaves_ok = 1;
	c->report = json_object_new_object();
	c->segments = json_object_new_array();
	c->problems = json_object_new_array();
	c->warnings = json_object_new_array();
	c->inbuf = pp_malloc(ARCHIVE_IOBUF);
	c->outbuf = pp_malloc(ARCHIVE_IOBUF);
	c->line = pp_malloc(PP_ARCHIVE_MAX_RECORD + 1);
	if (c->report == NULL || c->inbuf == NULL || c->outbuf == NULL || c->line == NULL)
		rc = PP_ERR_NOMEM;
	/* The verdict first, for a reader; filled in by archive_finish. */
	archive_put(&rc, c->report, "result", json_object_new_string("unverifiable"));
	archive_put(&rc, c->report, "archive", json_object_new_string(o->archive_dir != NULL ?
	    o->archive_dir : ""));
	/* The report owns the arrays from here on. */
	archive_put(&rc, c->report, "segments", c->segments);
	archive_put(&rc, c->report, "problems", c->problems);
	archive_put(&rc, c->report, "warnings", c->warnings);
	if (rc != PP_OK) {
		if (c->report == NULL) {
			json_object_put(c->segments);
			json_object_put(c->problems);
			json_object_put(c->warnings);
		}
		archive_ctx_free(c);
		return NULL;
	}
	pp_merkle_frontier_init(&c->tree);
	return c;
}

/* Runs the verification of [from, to] with the pin of the options. */
static void
archive_run(struct archive_ctx *c, uint64_t from, uint64_t to)
{
	const struct pp_verify_opts *o = c->o;

	if (o->archive_dir == NULL) {
		archive_problem(c, 0, "unreadable", PP_VERIFY_UNVERIFIABLE, "no archive directory");
		return;
	}
	if (o->key == NULL) {
		archive_problem(c, 0, "no_key", PP_VERIFY_UNVERIFIABLE,
		    "no audit public key: nothing can be verified");
		return;
	}
	if (o->origin != NULL) {
		if (!pp_note_origin_valid(o->origin)) {
			archive_problem(c, 0, "unreadable", PP_VERIFY_UNVERIFIABLE,
			    "the expected origin is not a valid origin");
			return;
		}
		archive_set_origin(c, o->origin);
	}
	/* A pin of another origin is not about this archive: it is checked
	 * against the origin the archive is held to (--origin, else the first
	 * segment's), and only without any segment under its own. */
	if (o->pin != NULL) {
		c->pin_pending = 1;
		if (c->have_origin)
			archive_pin_load(c);
	}
	archive_walk(c, from, to);
	if (c->pin_pending)
		archive_pin_load(c);
	if (c->have_pin && !c->pin_done) {
		if (c->to_end && c->have_end && c->pin.size > c->end_size)
			archive_problem(c, 0, "rollback_or_truncation", PP_VERIFY_INTEGRITY,
			    "the pinned checkpoint has tree size %" PRIu64 " but the archive ends at "
			    "%" PRIu64 ": segments were removed or the archive is an older copy",
			    c->pin.size, c->end_size);
		else if (c->to_end && !c->have_end && c->last_present == 0 && c->pin.size > 0)
			archive_problem(c, 0, "rollback_or_truncation", PP_VERIFY_INTEGRITY,
			    "the pinned checkpoint has tree size %" PRIu64 " but the archive is empty",
			    c->pin.size);
		else
			archive_problem(c, 0, "pin_not_covered", PP_VERIFY_UNVERIFIABLE,
			    "the pinned tree size %" PRIu64 " is not within the segments verified",
			    c->pin.size);
	}
}

static enum pp_verify_result
archive_finish(struct archive_ctx *c, json_object **report)
{
	enum pp_verify_result res = c->integrity ? PP_VERIFY_INTEGRITY :
	    c->unverifiable ? PP_VERIFY_UNVERIFIABLE : PP_VERIFY_OK;
	static const char *const names[PP_VERIFY__MAX] = {
		"ok", "integrity_failure", "unverifiable",
	};
	enum pp_err rc = PP_OK;

	if (c->nomem)
		archive_problem(c, 0, "internal", PP_VERIFY_UNVERIFIABLE, "out of memory");
	archive_put(&rc, c->report, "result", json_object_new_string(names[res]));
	if (c->have_origin)
		archive_put(&rc, c->report, "origin", json_object_new_string(c->origin));
	archive_put(&rc, c->report, "segments_verified", json_object_new_int64((int64_t)c->nsegments));
	if (c->have_end) {
		archive_put(&rc, c->report, "tree_size", json_object_new_int64((int64_t)c->end_size));
		archive_put(&rc, c->report, "root", archive_b64_json(c->end_root));
	}
	if (c->o->pin != NULL) {
		json_object *p = c->have_pin ? archive_checkpoint_json(&c->pin) :
		    json_object_new_object();
		if (p == NULL)
			rc = PP_ERR_NOMEM;
		archive_put(&rc, p, "verified", json_object_new_boolean(c->have_pin && c->pin_done));
		archive_put(&rc, c->report, "pin", p);
	}
	*report = c->report;
	c->report = NULL;
	return res;
}

enum pp_verify_result
pp_archive_verify(const struct pp_verify_opts *o, json_object **report)
{
	struct archive_ctx *c;
	enum pp_verify_result res;

	*report = NULL;
	if (o == NULL || (c = archive_ctx_new(o)) == NULL)
		return PP_VERIFY_UNVERIFIABLE;
	if (o->to != 0 && o->from > o->to)
		archive_problem(c, 0, "segment_absent", PP_VERIFY_UNVERIFIABLE,
		    "empty range %" PRIu64 "..%" PRIu64, o->from, o->to);
	else
		archive_run(c, o->from, o->to);
	res = archive_finish(c, report);
	archive_ctx_free(c);
	return res;
}

/* Proof hashes as an array of base64 strings. */
static json_object *
archive_proof_json(const pp_hash *proof, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a != NULL && i < n; i++) {
		json_object *h = archive_b64_json(proof[i]);
		if (h == NULL || json_object_array_add(a, h) != 0) {
			json_object_put(h);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

/* The whole archive from segment 1 with its leaves kept.  1 when the
 * leaves can be trusted to be the records of the archive in order. */
static int
archive_load(struct archive_ctx *c)
{
	c->collect = 1;
	archive_run(c, 0, 0);
	if (!c->leaves_ok || !c->have_end || c->nleaves != c->end_size) {
		archive_problem(c, 0, "proof_unavailable", c->integrity ? PP_VERIFY_INTEGRITY :
		    PP_VERIFY_UNVERIFIABLE,
		    "the archive's leaves could not all be read in order; no proof is built");
		return 0;
	}
	return 1;
}

enum pp_verify_result
pp_archive_consistency(const struct pp_verify_opts *o, const char *old_note, size_t oldlen,
    const char *new_note, size_t newlen, json_object **report)
{
	struct archive_ctx *c;
	struct pp_checkpoint a, b;
	pp_hash proof[PP_MERKLE_MAX_PROOF], ra, rb;
	size_t plen = 0;
	json_object *j = NULL;
	enum pp_err rc = PP_OK;
	int ok_a, ok_b, loaded;

	*report = NULL;
	if (o == NULL || (c = archive_ctx_new(o)) == NULL)
		return PP_VERIFY_UNVERIFIABLE;
	if (o->key == NULL || o->archive_dir == NULL) {
		archive_run(c, 0, 0);
		goto done;
	}
	if (o->origin != NULL && pp_note_origin_valid(o->origin))
		archive_set_origin(c, o->origin);
	/* The archive first: it fixes the origin the checkpoints must have. */
	loaded = archive_load(c);
	ok_a = archive_external(c, "old checkpoint", old_note, oldlen, &a);
	ok_b = archive_external(c, "new checkpoint", new_note, newlen, &b);
	if (!loaded || !ok_a || !ok_b)
		goto done;
	/* Consistency is about a prefix: the smaller tree is the old one. */
	if (a.size > b.size) {
		struct pp_checkpoint t = a;
		a = b;
		b = t;
	}
	j = json_object_new_object();
	if (j == NULL)
		rc = PP_ERR_NOMEM;
	archive_put(&rc, j, "old", archive_checkpoint_json(&a));
	archive_put(&rc, j, "new", archive_checkpoint_json(&b));
	if (b.size > c->nleaves) {
		archive_problem(c, 0, "rollback_or_truncation", PP_VERIFY_INTEGRITY,
		    "the new checkpoint has tree size %" PRIu64 " but the archive ends at %" PRIu64,
		    b.size, c->nleaves);
		goto add;
	}
	if (pp_merkle_root((const pp_hash *)c->leaves, a.size, ra) != PP_OK ||
	    pp_merkle_root((const pp_hash *)c->leaves, b.size, rb) != PP_OK) {
		archive_nomem(c);
		goto add;
	}
	archive_put(&rc, j, "archive_matches_old",
	    json_object_new_boolean(CRYPTO_memcmp(ra, a.root, PP_HASH_LEN) == 0));
	archive_put(&rc, j, "archive_matches_new",
	    json_object_new_boolean(CRYPTO_memcmp(rb, b.root, PP_HASH_LEN) == 0));
	if (a.size == 0) {
		/* The empty tree is a prefix of every tree; RFC 9162 has no
		 * proof for it, only its root to check. */
		if (CRYPTO_memcmp(ra, a.root, PP_HASH_LEN) != 0)
			archive_problem(c, 0, "inconsistent", PP_VERIFY_INTEGRITY,
			    "the old checkpoint's root is not the root of the empty tree");
	} else {
		if (pp_merkle_consistency_proof((const pp_hash *)c->leaves, b.size, a.size, proof,
		    &plen) != PP_OK) {
			archive_problem(c, 0, "proof_unavailable", PP_VERIFY_UNVERIFIABLE,
			    "no consistency proof could be built");
			goto add;
		}
		archive_put(&rc, j, "proof", archive_proof_json(proof, plen));
		if (pp_merkle_consistency_verify(a.size, b.size, a.root, b.root, proof, plen) != PP_OK) {
			if (CRYPTO_memcmp(rb, b.root, PP_HASH_LEN) != 0)
				archive_problem(c, 0, "fork", PP_VERIFY_INTEGRITY,
				    "the archive is not the history of the new checkpoint");
			else
				archive_problem(c, 0, "inconsistent", PP_VERIFY_INTEGRITY,
				    "the old checkpoint is not a prefix of the new one: the audit "
				    "key signed two different histories");
		}
	}
	archive_put(&rc, j, "verified", json_object_new_boolean(!c->integrity && !c->unverifiable));
add:
	archive_put(&rc, c->report, "consistency", j);
	j = NULL;
	if (rc != PP_OK)
		archive_nomem(c);
done:
	{
		enum pp_verify_result res = archive_finish(c, report);
		archive_ctx_free(c);
		return res;
	}
}

/* The record kept for an inclusion proof, with its main members. */
static json_object *
archive_record_json(struct archive_ctx *c, uint64_t seq)
{
	json_object *o = json_object_new_object(), *r = NULL, *v;
	enum pp_err rc = o != NULL ? PP_OK : PP_ERR_NOMEM;

	archive_put(&rc, o, "seq", json_object_new_int64((int64_t)seq));
	archive_put(&rc, o, "record", json_object_new_string_len(c->want_rec, (int)c->want_len));
	if (rc == PP_OK && pp_json_parse(c->want_rec, c->want_len, ARCHIVE_RECORD_DEPTH + 1, 4096,
	    &r) == PP_OK && json_object_is_type(r, json_type_object)) {
		if (json_object_object_get_ex(r, "time", &v) && json_object_is_type(v, json_type_string))
			archive_put(&rc, o, "time", json_object_new_string(json_object_get_string(v)));
		if (json_object_object_get_ex(r, "type", &v) && json_object_is_type(v, json_type_string))
			archive_put(&rc, o, "type", json_object_new_string(json_object_get_string(v)));
	}
	json_object_put(r);
	if (rc != PP_OK) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

enum pp_verify_result
pp_archive_inclusion(const struct pp_verify_opts *o, uint64_t seq, const char *note,
    size_t notelen, json_object **report)
{
	struct archive_ctx *c;
	struct pp_checkpoint cp;
	pp_hash proof[PP_MERKLE_MAX_PROOF], leaf;
	size_t plen = 0;
	json_object *j = NULL;
	enum pp_err rc = PP_OK, vr;
	int ok = 1, loaded;

	*report = NULL;
	if (o == NULL || (c = archive_ctx_new(o)) == NULL)
		return PP_VERIFY_UNVERIFIABLE;
	if (o->key == NULL || o->archive_dir == NULL) {
		archive_run(c, 0, 0);
		goto done;
	}
	if (o->origin != NULL && pp_note_origin_valid(o->origin))
		archive_set_origin(c, o->origin);
	if (seq >= 1)
		c->want = seq - 1;
	loaded = archive_load(c);
	if (note != NULL)
		ok = archive_external(c, "checkpoint", note, notelen, &cp);
	if (!loaded || !ok)
		goto done;
	if (note == NULL) {
		/* The last segment's checkpoint, already verified. */
		memset(&cp, 0, sizeof(cp));
		cp.size = c->end_size;
		memcpy(cp.root, c->end_root, PP_HASH_LEN);
	}
	j = json_object_new_object();
	if (j == NULL)
		rc = PP_ERR_NOMEM;
	archive_put(&rc, j, "checkpoint", archive_checkpoint_json(&cp));
	if (note == NULL && c->end_note_len > 0)
		archive_put(&rc, j, "note", json_object_new_string_len(c->end_note,
		    (int)c->end_note_len));
	if (seq < 1 || seq > cp.size) {
		archive_problem(c, 0, "seq_out_of_range", PP_VERIFY_UNVERIFIABLE,
		    "seq %" PRIu64 " is not in the tree of size %" PRIu64, seq, cp.size);
		goto add;
	}
	if (cp.size > c->nleaves) {
		archive_problem(c, 0, "rollback_or_truncation", PP_VERIFY_INTEGRITY,
		    "the checkpoint has tree size %" PRIu64 " but the archive ends at %" PRIu64,
		    cp.size, c->nleaves);
		goto add;
	}
	if (c->want_rec == NULL) {
		archive_nomem(c);
		goto add;
	}
	archive_put(&rc, j, "record", archive_record_json(c, seq));
	pp_merkle_leaf_hash(c->want_rec, c->want_len, leaf);
	if (pp_merkle_inclusion_proof((const pp_hash *)c->leaves, cp.size, seq - 1, proof,
	    &plen) != PP_OK) {
		archive_problem(c, 0, "proof_unavailable", PP_VERIFY_UNVERIFIABLE,
		    "no inclusion proof could be built");
		goto add;
	}
	archive_put(&rc, j, "leaf_index", json_object_new_int64((int64_t)(seq - 1)));
	archive_put(&rc, j, "leaf_hash", archive_b64_json(leaf));
	archive_put(&rc, j, "proof", archive_proof_json(proof, plen));
	vr = pp_merkle_inclusion_verify(seq - 1, cp.size, leaf, proof, plen, cp.root);
	if (vr != PP_OK)
		archive_problem(c, 0, "inclusion_failed", PP_VERIFY_INTEGRITY,
		    "record %" PRIu64 " as archived is not in the signed tree of size %" PRIu64,
		    seq, cp.size);
	archive_put(&rc, j, "verified", json_object_new_boolean(vr == PP_OK &&
	    !c->integrity && !c->unverifiable));
add:
	archive_put(&rc, c->report, "inclusion", j);
	j = NULL;
	if (rc != PP_OK)
		archive_nomem(c);
done:
	{
		enum pp_verify_result res = archive_finish(c, report);
		archive_ctx_free(c);
		return res;
	}
}
