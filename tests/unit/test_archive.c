/*
 * pp_archive: segments written with the real writer and a software P-256
 * key, then attacked one way per test, each time on a fresh archive; the
 * verifier must name the attack with the right verdict and problem code.
 *
 * The standard archive ("history A") has three segments of 5, 8 and 11
 * records (tree sizes 5, 13, 24: frontiers of every shape).  "History B"
 * has the same sizes, origin and key but other record contents: a fork.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "pp_archive.h"
#include "pp_canon.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_merkle.h"
#include "pp_note.h"
#include "pp_util.h"
#include "pp_test.h"

#define ORIGIN "paraphe.example/audit"
#define CREATED "2026-11-21T10:00:00.000000Z"
#define MAXSEG 8

static EVP_PKEY *key;		/* the audit key */
static EVP_PKEY *other;		/* someone else's key */
static EVP_PKEY *pub;		/* the audit public key as the auditor loads it */
static uint32_t key_id, other_id;
static char keydir[PATH_MAX];	/* holds the public key PEM for the whole run */
static char tmpdir[PATH_MAX];	/* one per test */
static char arch[PATH_MAX];	/* tmpdir/arch: history A */

struct signer {
	EVP_PKEY *k;
	int fail;
};

/* A history written to an archive, with what a daemon would remember. */
struct hist {
	char dir[PATH_MAX];
	int variant;				/* record contents: A = 0, B = 1 */
	struct pp_merkle_frontier f;
	uint64_t nseg;
	char prev[2 * PP_HASH_LEN + 1];
	char cp[MAXSEG + 1][PP_NOTE_MAX];	/* checkpoint of each segment */
	size_t cplen[MAXSEG + 1];
	pp_hash leaves[64];
};

static struct hist ha;			/* the standard archive of each test */
static const size_t sizes[] = { 5, 8, 11 };

/* ------------------------------------------------------------------ helpers */

static enum pp_err
sign_evp(void *ctx, const pp_hash digest, uint8_t *sig, size_t *siglen)
{
	struct signer *s = ctx;
	EVP_PKEY_CTX *pc;
	enum pp_err rc = PP_ERR_HSM;

	if (s->fail)
		return PP_ERR_HSM;
	pc = EVP_PKEY_CTX_new(s->k, NULL);
	if (pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
	    EVP_PKEY_sign(pc, sig, siglen, digest, PP_HASH_LEN) == 1)
		rc = PP_OK;
	EVP_PKEY_CTX_free(pc);
	return rc;
}

static void
path_of(char *out, const char *dir, const char *rel)
{
	assert_true((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, rel) < PATH_MAX);
}

/* A synthetic canonical record. */
static char *
make_record(uint64_t seq, int variant, size_t *len)
{
	json_object *o = json_object_new_object(), *d = json_object_new_object();
	char t[64], *out = NULL;

	snprintf(t, sizeof(t), "2026-11-21T%02u:%02u:%02u.%06uZ", (unsigned)(10 + seq / 3600 % 10),
	    (unsigned)(seq / 60 % 60), (unsigned)(seq % 60), (unsigned)(seq * 7 % 1000000));
	json_object_object_add(d, "n", json_object_new_int64((int64_t)seq));
	json_object_object_add(d, "variant", json_object_new_int(variant));
	json_object_object_add(d, "note", json_object_new_string("a \"quoted\" / caf\xc3\xa9"));
	json_object_object_add(o, "details", d);
	json_object_object_add(o, "origin", json_object_new_string(ORIGIN));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "type", json_object_new_string("test.event"));
	assert_int_equal(pp_canon_serialize(o, 8, &out, len), PP_OK);
	json_object_put(o);
	return out;
}

/* Fills in for segment h->nseg + 1 of count records; the caller owns recs. */
static void
segment_input(struct hist *h, size_t count, struct pp_segment_in *in, char **recs, size_t *lens,
    struct signer *sg)
{
	static const char *hash_files[2];
	static char present[PATH_MAX];

	path_of(present, keydir, "audit.pem");
	hash_files[0] = present;
	hash_files[1] = "/nonexistent/paraphe.conf";
	for (size_t i = 0; i < count; i++)
		recs[i] = make_record(h->f.size + 1 + i, h->variant, &lens[i]);
	memset(in, 0, sizeof(*in));
	in->archive_dir = h->dir;
	in->origin = ORIGIN;
	in->number = h->nseg + 1;
	in->before = &h->f;
	in->records = (const char *const *)recs;
	in->lens = lens;
	in->count = count;
	in->prev_manifest_sha256 = h->prev;
	in->hash_files = hash_files;
	in->nhash_files = 2;
	in->created = CREATED;
	in->clock_synchronised = 1;
	in->key_id = key_id;
	in->sign = sign_evp;
	in->sign_ctx = sg;
	in->tsa_url = "";
	in->tsa_ca = "";
}

static void
free_records(char **recs, size_t count)
{
	for (size_t i = 0; i < count; i++)
		pp_free(recs[i]);
}

/* Remembers a written segment as the daemon does. */
static void
segment_done(struct hist *h, const struct pp_segment_in *in, const struct pp_segment_out *out)
{
	for (size_t i = 0; i < in->count; i++) {
		pp_hash leaf;
		pp_merkle_leaf_hash(in->records[i], in->lens[i], leaf);
		memcpy(h->leaves[h->f.size], leaf, PP_HASH_LEN);
		assert_int_equal(pp_merkle_frontier_append(&h->f, leaf), PP_OK);
	}
	h->nseg++;
	memcpy(h->cp[h->nseg], out->checkpoint, out->checkpoint_len);
	h->cplen[h->nseg] = out->checkpoint_len;
	memcpy(h->prev, out->manifest_sha256, sizeof(h->prev));
	assert_int_equal(out->tree_size, h->f.size);
}

static void
append_segment(struct hist *h, size_t count)
{
	struct pp_segment_in in;
	struct pp_segment_out out;
	struct signer sg = { key, 0 };
	char *recs[32];
	size_t lens[32];

	assert_true(count <= 32 && h->nseg < MAXSEG);
	segment_input(h, count, &in, recs, lens, &sg);
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_OK);
	assert_int_equal(out.timestamped, 0);
	segment_done(h, &in, &out);
	free_records(recs, count);
}

static void
make_history(struct hist *h, const char *dir, int variant, size_t nseg)
{
	memset(h, 0, sizeof(*h));
	assert_true(strlen(dir) < sizeof(h->dir));
	strcpy(h->dir, dir);
	h->variant = variant;
	pp_merkle_frontier_init(&h->f);
	assert_int_equal(mkdir(dir, 0750), 0);
	for (size_t i = 0; i < nseg; i++)
		append_segment(h, sizes[i]);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_archive.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	path_of(arch, tmpdir, "arch");
	make_history(&ha, arch, 0, 3);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pp_mem_fail_after(-1);
	assert_int_equal(pp_test_rmtree(tmpdir), 0);
	return 0;
}

static int
group_setup(void **state)
{
	char path[PATH_MAX];
	FILE *f;

	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	assert_non_null(other);
	assert_int_equal(pp_note_key_id(key, &key_id), PP_OK);
	assert_int_equal(pp_note_key_id(other, &other_id), PP_OK);
	strcpy(keydir, "/tmp/test_archive_key.XXXXXX");
	assert_non_null(mkdtemp(keydir));
	path_of(path, keydir, "audit.pem");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PUBKEY(f, key), 1);
	assert_int_equal(fclose(f), 0);
	/* The verifier holds only the public half, loaded as the tool does. */
	assert_int_equal(pp_note_load_pubkey(path, &pub), PP_OK);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	EVP_PKEY_free(pub);
	return pp_test_rmtree(keydir);
}

/* --- verification helpers */

static enum pp_verify_result
verify_ex(const char *dir, const char *pin, size_t pinlen, uint64_t from, uint64_t to,
    json_object **rep)
{
	struct pp_verify_opts o;

	memset(&o, 0, sizeof(o));
	o.archive_dir = dir;
	o.key = pub;
	o.pin = pin;
	o.pinlen = pinlen;
	o.from = from;
	o.to = to;
	return pp_archive_verify(&o, rep);
}

static int
has_entry(json_object *rep, const char *arr, const char *code)
{
	json_object *a;

	if (!json_object_object_get_ex(rep, arr, &a))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *c = pp_json_get_str(json_object_array_get_idx(a, i), "code");
		if (c != NULL && strcmp(c, code) == 0)
			return 1;
	}
	return 0;
}

static size_t
count_entries(json_object *rep, const char *arr)
{
	json_object *a;

	return json_object_object_get_ex(rep, arr, &a) ? json_object_array_length(a) : 0;
}

/* Checks verdict and problem code (NULL: no problem at all); prints the
 * report when they are not as expected. */
static void
expect_report(enum pp_verify_result got, json_object *rep, enum pp_verify_result want,
    const char *code)
{
	static const char *const result[] = { "ok", "integrity_failure", "unverifiable" };
	int ok = got == want && rep != NULL;

	if (ok)
		ok = strcmp(pp_json_get_str(rep, "result"), result[want]) == 0;
	if (ok && code != NULL)
		ok = has_entry(rep, "problems", code);
	if (ok && code == NULL)
		ok = count_entries(rep, "problems") == 0;
	if (!ok) {
		print_message("%s\n", rep ? json_object_to_json_string_ext(rep,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE) : "(no report)");
		fail_msg("verdict %d, want %d with problem %s", got, want, code ? code : "(none)");
	}
}

/* The call is made before the report is looked at. */
#define EXPECT(call, rep, want, code) do {				\
	enum pp_verify_result r_ = (call);					\
	expect_report(r_, (rep), (want), (code));				\
} while (0)

static json_object *
expect_verify(const char *pin, size_t pinlen, enum pp_verify_result want, const char *code)
{
	json_object *rep = NULL;
	enum pp_verify_result r = verify_ex(arch, pin, pinlen, 0, 0, &rep);

	expect_report(r, rep, want, code);
	return rep;
}

static void
check(enum pp_verify_result want, const char *code)
{
	json_object_put(expect_verify(NULL, 0, want, code));
}

/* --- archive surgery */

static void
seg_path(char *out, const char *dir, uint64_t seg, const char *file)
{
	assert_true((size_t)snprintf(out, PATH_MAX, "%s/seg-%08" PRIu64 "%s%s", dir, seg,
	    file ? "/" : "", file ? file : "") < PATH_MAX);
}

static char *
slurp(const char *path, size_t *len)
{
	char *data = NULL;

	assert_int_equal(pp_file_read(path, 64 * 1024 * 1024, &data, len), PP_OK);
	return data;
}

static void
spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The records of a segment, uncompressed. */
static char *
gz_slurp(uint64_t seg, size_t *len)
{
	char path[PATH_MAX], *buf = malloc(1 << 20);
	gzFile g;
	int n;

	seg_path(path, arch, seg, "records.jsonl.gz");
	g = gzopen(path, "rb");
	assert_non_null(g);
	assert_non_null(buf);
	n = gzread(g, buf, 1 << 20);
	assert_true(n > 0);
	gzclose(g);
	*len = (size_t)n;
	return buf;
}

/* Recompresses, so the gzip is valid and only the content differs. */
static void
gz_spit(uint64_t seg, const char *buf, size_t len)
{
	char path[PATH_MAX];
	gzFile g;

	seg_path(path, arch, seg, "records.jsonl.gz");
	g = gzopen(path, "wb");
	assert_non_null(g);
	assert_int_equal(gzwrite(g, buf, (unsigned)len), (int)len);
	assert_int_equal(gzclose(g), Z_OK);
}

/* Offsets of line i (0-based): [*start, *end) including its '\n'. */
static void
line_span(const char *buf, size_t len, size_t i, size_t *start, size_t *end)
{
	size_t s = 0;

	for (size_t k = 0; k < i; k++) {
		const char *nl = memchr(buf + s, '\n', len - s);
		assert_non_null(nl);
		s = (size_t)(nl - buf) + 1;
	}
	const char *nl = memchr(buf + s, '\n', len - s);
	assert_non_null(nl);
	*start = s;
	*end = (size_t)(nl - buf) + 1;
}

static void
rm_segment(const char *dir, uint64_t seg)
{
	char path[PATH_MAX];

	seg_path(path, dir, seg, NULL);
	assert_int_equal(pp_test_rmtree(path), 0);
}

/* Signs checkpoint text with k (for forged and re-signed checkpoints). */
static size_t
sign_text(const char *text, size_t tlen, EVP_PKEY *k, uint32_t id, char *note)
{
	struct signer sg = { k, 0 };
	size_t len = 0;

	assert_int_equal(pp_note_sign(text, tlen, ORIGIN, id, sign_evp, &sg, note, PP_NOTE_MAX,
	    &len), PP_OK);
	return len;
}

/* A checkpoint of history h at any size (a pin the daemon published
 * between two segments). */
static size_t
checkpoint_at(const struct hist *h, uint64_t size, EVP_PKEY *k, uint32_t id, char *note)
{
	struct pp_checkpoint cp;
	char text[PP_NOTE_MAX];
	size_t tlen = 0;

	memset(&cp, 0, sizeof(cp));
	strcpy(cp.origin, ORIGIN);
	cp.size = size;
	assert_int_equal(pp_merkle_root((const pp_hash *)h->leaves, size, cp.root), PP_OK);
	assert_int_equal(pp_checkpoint_format(&cp, text, sizeof(text), &tlen), PP_OK);
	return sign_text(text, tlen, k, id, note);
}

/* Replaces a segment's manifest with a re-serialized, edited one; the
 * checkpoint is left alone unless resign (the key holder's own doing). */
static void
edit_manifest(uint64_t seg, const char *member, json_object *val, int resign)
{
	char path[PATH_MAX], *buf, *out = NULL;
	size_t len, olen;
	json_object *m = NULL;

	seg_path(path, arch, seg, "manifest.json");
	buf = slurp(path, &len);
	assert_int_equal(pp_json_parse(buf, len, 8, 1000, &m), PP_OK);
	pp_free(buf);
	if (strcmp(member, "software") == 0) {
		json_object *sw;
		assert_true(json_object_object_get_ex(m, "software", &sw));
		json_object_object_foreach(sw, k, v) {
			(void)v;
			json_object_object_add(sw, k, val);
			break;
		}
	} else
		json_object_object_add(m, member, val);
	assert_int_equal(pp_canon_serialize(m, 8, &out, &olen), PP_OK);
	json_object_put(m);
	spit(path, out, olen);
	if (resign) {
		struct pp_checkpoint cp;
		char text[PP_NOTE_MAX], note[PP_NOTE_MAX];
		uint8_t d[PP_HASH_LEN];
		char hex[2 * PP_HASH_LEN + 1];
		size_t tlen = 0, nlen;
		assert_int_equal(EVP_Digest(out, olen, d, NULL, EVP_sha256(), NULL), 1);
		pp_hex(d, PP_HASH_LEN, hex);
		memset(&cp, 0, sizeof(cp));
		strcpy(cp.origin, ORIGIN);
		cp.size = ha.f.size;
		pp_merkle_frontier_root(&ha.f, cp.root);
		assert_true(seg == ha.nseg);
		snprintf(cp.ext, sizeof(cp.ext), "paraphe-segment %" PRIu64 " %s\n", seg, hex);
		assert_int_equal(pp_checkpoint_format(&cp, text, sizeof(text), &tlen), PP_OK);
		nlen = sign_text(text, tlen, key, key_id, note);
		seg_path(path, arch, seg, "checkpoint");
		spit(path, note, nlen);
	}
	pp_free(out);
}

/* ------------------------------------------------------------------ good archives */

static void
test_good_archive(void **state)
{
	json_object *rep;
	(void)state;

	rep = expect_verify(NULL, 0, PP_VERIFY_OK, NULL);
	assert_int_equal(count_entries(rep, "segments"), 3);
	assert_int_equal(count_entries(rep, "warnings"), 0);
	json_object *v;
	assert_true(json_object_object_get_ex(rep, "tree_size", &v));
	assert_int_equal(json_object_get_int64(v), 24);
	char b64[64];
	pp_hash root;
	pp_merkle_frontier_root(&ha.f, root);
	pp_b64_encode(root, PP_HASH_LEN, b64);
	assert_string_equal(pp_json_get_str(rep, "root"), b64);
	assert_string_equal(pp_json_get_str(rep, "origin"), ORIGIN);
	json_object_put(rep);

	/* The checkpoint the writer returned is the one stored, and verifies. */
	char path[PATH_MAX], *note;
	size_t len, tlen;
	seg_path(path, arch, 3, "checkpoint");
	note = slurp(path, &len);
	assert_int_equal(len, ha.cplen[3]);
	assert_memory_equal(note, ha.cp[3], len);
	assert_int_equal(pp_note_verify(note, len, ORIGIN, pub, &tlen), PP_OK);
	pp_free(note);
}

static void
test_partial_ranges(void **state)
{
	json_object *rep = NULL;
	(void)state;

	EXPECT(verify_ex(arch, NULL, 0, 2, 2, &rep), rep, PP_VERIFY_OK, NULL);
	assert_int_equal(count_entries(rep, "segments"), 1);
	json_object_put(rep);
	EXPECT(verify_ex(arch, NULL, 0, 2, 3, &rep), rep, PP_VERIFY_OK, NULL);
	assert_int_equal(count_entries(rep, "segments"), 2);
	json_object_put(rep);
	/* A segment beyond the archive: nothing to conclude from. */
	EXPECT(verify_ex(arch, NULL, 0, 9, 9, &rep), rep, PP_VERIFY_UNVERIFIABLE,
	    "segment_absent");
	json_object_put(rep);
	/* A pin inside the range that is verified. */
	EXPECT(verify_ex(arch, ha.cp[3], ha.cplen[3], 3, 3, &rep), rep, PP_VERIFY_OK, NULL);
	json_object_put(rep);
	/* A pin before the range cannot be checked from it. */
	EXPECT(verify_ex(arch, ha.cp[1], ha.cplen[1], 3, 3, &rep), rep,
	    PP_VERIFY_UNVERIFIABLE, "pin_not_covered");
	json_object_put(rep);
}

static void
test_pins_that_match(void **state)
{
	char note[PP_NOTE_MAX];
	size_t len;
	json_object *rep;
	(void)state;

	for (uint64_t seg = 1; seg <= 3; seg++)
		json_object_put(expect_verify(ha.cp[seg], ha.cplen[seg], PP_VERIFY_OK, NULL));
	/* Checkpoints published between segments, at any size. */
	const uint64_t at[] = { 0, 1, 4, 6, 10, 13, 14, 23 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		len = checkpoint_at(&ha, at[i], key, key_id, note);
		rep = expect_verify(note, len, PP_VERIFY_OK, NULL);
		json_object *p, *v;
		assert_true(json_object_object_get_ex(rep, "pin", &p));
		assert_true(json_object_object_get_ex(p, "verified", &v));
		assert_true(json_object_get_boolean(v));
		json_object_put(rep);
	}
}

static void
test_bad_pins(void **state)
{
	char note[PP_NOTE_MAX];
	size_t len;
	(void)state;

	/* Not a checkpoint, a checkpoint signed by someone else: they say
	 * nothing about the archive. */
	json_object_put(expect_verify("garbage\n", 8, PP_VERIFY_UNVERIFIABLE, "pin_invalid"));
	len = checkpoint_at(&ha, 13, other, other_id, note);
	json_object_put(expect_verify(note, len, PP_VERIFY_UNVERIFIABLE, "pin_signature"));
	/* The genuine checkpoint with its signature damaged. */
	json_object *rep = NULL;
	memcpy(note, ha.cp[2], ha.cplen[2]);
	note[ha.cplen[2] - 8] = note[ha.cplen[2] - 8] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_ex(arch, note, ha.cplen[2], 0, 0, &rep), PP_VERIFY_UNVERIFIABLE);
	assert_true(has_entry(rep, "problems", "pin_signature") ||
	    has_entry(rep, "problems", "pin_invalid"));
	/* The archive itself was still verified and found intact. */
	assert_int_equal(count_entries(rep, "problems"), 1);
	json_object_put(rep);
}

/* ------------------------------------------------------------------ attacks on records */

static void
test_record_modified(void **state)
{
	size_t len, s, e;
	char *buf = gz_slurp(2, &len);
	(void)state;

	/* One byte of one record, still canonical, recompressed: the gzip is
	 * valid, only the signed digests and roots tell. */
	line_span(buf, len, 3, &s, &e);
	char *t = memmem(buf + s, e - s, "test.event", 10);
	assert_non_null(t);
	t[0] = 'T';
	gz_spit(2, buf, len);
	free(buf);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "records_modified");
	assert_true(has_entry(rep, "problems", "root_mismatch"));
	assert_false(has_entry(rep, "problems", "sequence_gap"));
	json_object_put(rep);
}

static void
test_gz_byte_flipped(void **state)
{
	char path[PATH_MAX], *buf;
	size_t len;
	(void)state;

	seg_path(path, arch, 2, "records.jsonl.gz");
	buf = slurp(path, &len);
	buf[len / 2] ^= 0x20;
	spit(path, buf, len);
	pp_free(buf);
	check(PP_VERIFY_INTEGRITY, "records_modified");
}

static void
test_record_deleted(void **state)
{
	size_t len, s, e;
	char *buf = gz_slurp(2, &len);
	(void)state;

	line_span(buf, len, 4, &s, &e);
	memmove(buf + s, buf + e, len - e);
	gz_spit(2, buf, len - (e - s));
	free(buf);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "sequence_gap");
	assert_true(has_entry(rep, "problems", "count_mismatch"));
	json_object_put(rep);

	/* The last record of the last segment: the tail of the sequence. */
	teardown(state);
	setup(state);
	buf = gz_slurp(3, &len);
	line_span(buf, len, 10, &s, &e);
	assert_int_equal(e, len);
	gz_spit(3, buf, s);
	free(buf);
	rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "count_mismatch");
	assert_true(has_entry(rep, "problems", "sequence_gap"));
	json_object_put(rep);
}

static void
test_record_inserted(void **state)
{
	size_t len, s, e;
	char *buf = gz_slurp(2, &len), *nb;
	(void)state;

	/* A copy of a genuine record (a replay). */
	line_span(buf, len, 2, &s, &e);
	nb = malloc(len + (e - s));
	assert_non_null(nb);
	memcpy(nb, buf, e);
	memcpy(nb + e, buf + s, e - s);
	memcpy(nb + e + (e - s), buf + e, len - e);
	gz_spit(2, nb, len + (e - s));
	free(buf);
	free(nb);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "sequence_reordered");
	assert_true(has_entry(rep, "problems", "count_mismatch"));
	json_object_put(rep);

	/* A new record with the next seq at the end of the last segment. */
	teardown(state);
	setup(state);
	size_t rlen;
	char *rec = make_record(25, 0, &rlen);
	buf = gz_slurp(3, &len);
	nb = malloc(len + rlen + 1);
	assert_non_null(nb);
	memcpy(nb, buf, len);
	memcpy(nb + len, rec, rlen);
	nb[len + rlen] = '\n';
	gz_spit(3, nb, len + rlen + 1);
	free(buf);
	free(nb);
	pp_free(rec);
	rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "count_mismatch");
	assert_true(has_entry(rep, "problems", "records_modified"));
	json_object_put(rep);
}

static void
test_records_swapped(void **state)
{
	size_t len, s1, e1, s2, e2;
	char *buf = gz_slurp(3, &len), *nb;
	(void)state;

	line_span(buf, len, 5, &s1, &e1);
	line_span(buf, len, 6, &s2, &e2);
	nb = malloc(len);
	assert_non_null(nb);
	memcpy(nb, buf, s1);
	memcpy(nb + s1, buf + s2, e2 - s2);
	memcpy(nb + s1 + (e2 - s2), buf + s1, e1 - s1);
	memcpy(nb + e2, buf + e2, len - e2);
	gz_spit(3, nb, len);
	free(buf);
	free(nb);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "sequence_reordered");
	assert_false(has_entry(rep, "problems", "count_mismatch"));
	json_object_put(rep);
}

static void
test_records_truncated(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	(void)state;

	seg_path(path, arch, 3, "records.jsonl.gz");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - st.st_size / 3), 0);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "records_modified");
	assert_true(has_entry(rep, "problems", "records_corrupt"));
	json_object_put(rep);

	/* Garbage after the gzip stream. */
	teardown(state);
	setup(state);
	seg_path(path, arch, 3, "records.jsonl.gz");
	FILE *f = fopen(path, "ab");
	assert_non_null(f);
	fputs("trailing", f);
	fclose(f);
	rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "records_corrupt");
	json_object_put(rep);
}

static void
test_records_hostile(void **state)
{
	char path[PATH_MAX], *big;
	size_t blen = 3 * PP_ARCHIVE_MAX_RECORD;
	(void)state;

	/* A line longer than any record, a non-canonical record, a record
	 * without newline, no file at all: named, never a crash. */
	big = malloc(blen);
	assert_non_null(big);
	memset(big, 'x', blen);
	gz_spit(1, big, blen);
	free(big);
	check(PP_VERIFY_INTEGRITY, "records_corrupt");

	/* Many more lines than the signed count: reading stops early. */
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, '\n', 1 << 20);
	gz_spit(1, big, 1 << 20);
	free(big);
	check(PP_VERIFY_INTEGRITY, "count_mismatch");

	gz_spit(1, "{ \"seq\":1}\n", 11);
	check(PP_VERIFY_INTEGRITY, "record_not_canonical");
	gz_spit(1, "{\"seq\":1}\n", 10);
	check(PP_VERIFY_INTEGRITY, "record_invalid");
	gz_spit(1, "{\"seq\":1}", 9);
	check(PP_VERIFY_INTEGRITY, "records_corrupt");

	seg_path(path, arch, 1, "records.jsonl.gz");
	assert_int_equal(unlink(path), 0);
	check(PP_VERIFY_INTEGRITY, "file_missing");
	spit(path, "not gzip at all", 15);
	check(PP_VERIFY_INTEGRITY, "records_corrupt");
}

/* ------------------------------------------------------------------ attacks on segments */

static void
test_last_segment_deleted(void **state)
{
	json_object *rep;
	(void)state;

	/* Without a pin this cannot be seen: the archive is a shorter, valid
	 * log.  That is what a pinned checkpoint kept elsewhere is for. */
	rm_segment(arch, 3);
	rep = expect_verify(NULL, 0, PP_VERIFY_OK, NULL);
	json_object *v;
	assert_true(json_object_object_get_ex(rep, "tree_size", &v));
	assert_int_equal(json_object_get_int64(v), 13);
	json_object_put(rep);
	json_object_put(expect_verify(ha.cp[3], ha.cplen[3], PP_VERIFY_INTEGRITY,
	    "rollback_or_truncation"));
	/* A pin at a size the remaining archive holds is still fine. */
	json_object_put(expect_verify(ha.cp[2], ha.cplen[2], PP_VERIFY_OK, NULL));
	/* All segments gone. */
	rm_segment(arch, 2);
	rm_segment(arch, 1);
	check(PP_VERIFY_UNVERIFIABLE, "no_segments");
	json_object_put(expect_verify(ha.cp[1], ha.cplen[1], PP_VERIFY_INTEGRITY,
	    "rollback_or_truncation"));
}

static void
test_middle_segment_deleted(void **state)
{
	(void)state;
	rm_segment(arch, 2);
	check(PP_VERIFY_INTEGRITY, "segment_missing");
	rm_segment(arch, 1);
	check(PP_VERIFY_INTEGRITY, "segment_missing");
}

static void
test_manifest_modified(void **state)
{
	(void)state;
	/* ARC-1: someone hides a changed binary. */
	edit_manifest(2, "software", json_object_new_string(
	    "0000000000000000000000000000000000000000000000000000000000000000"), 0);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "manifest_modified");
	/* The next segment's link shows it too. */
	assert_true(has_entry(rep, "problems", "chain_broken"));
	json_object_put(rep);
}

/* A manifest edited to claim a huge count, over a small gzip that inflates
 * to a billion blank lines: the verifier must not read what no checkpoint
 * vouches for (it would inflate for minutes). */
static void
test_bomb_not_inflated(void **state)
{
	char path[PATH_MAX], *zeros = calloc(1, 1 << 20);
	struct timespec a, b;
	gzFile g;
	(void)state;

	assert_non_null(zeros);
	memset(zeros, '\n', 1 << 20);
	seg_path(path, arch, 2, "records.jsonl.gz");
	g = gzopen(path, "wb9");
	assert_non_null(g);
	for (int i = 0; i < 1024; i++)	/* 1 GiB of newlines, about 1 MB compressed */
		assert_int_equal(gzwrite(g, zeros, 1 << 20), 1 << 20);
	assert_int_equal(gzclose(g), Z_OK);
	free(zeros);
	/* A consistent-looking manifest: count, last_seq and tree_size agree. */
	edit_manifest(2, "count", json_object_new_int64(INT64_C(1000000000)), 0);
	edit_manifest(2, "last_seq", json_object_new_int64(INT64_C(1000000005)), 0);
	edit_manifest(2, "tree_size", json_object_new_int64(INT64_C(1000000005)), 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "manifest_modified");
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(has_entry(rep, "warnings", "records_not_examined"));
	/* Generous bound: inflating 1 GiB alone takes several seconds. */
	assert_true(b.tv_sec - a.tv_sec < 3);
	json_object_put(rep);
}

static void
test_manifest_hostile(void **state)
{
	char path[PATH_MAX];
	(void)state;

	seg_path(path, arch, 1, "manifest.json");
	spit(path, "\x01\xff{{{", 5);
	check(PP_VERIFY_INTEGRITY, "manifest_invalid");
	spit(path, "{\"format\":\"paraphe-audit-segment/1\"}", 36);
	check(PP_VERIFY_INTEGRITY, "manifest_invalid");
	assert_int_equal(unlink(path), 0);
	check(PP_VERIFY_INTEGRITY, "file_missing");
	assert_int_equal(mkdir(path, 0700), 0);
	check(PP_VERIFY_INTEGRITY, "file_missing");
}

static void
test_unknown_format(void **state)
{
	(void)state;
	/* Signed by the key holder, in a format from the future: we cannot
	 * judge it, which is not evidence of tampering. */
	edit_manifest(3, "format", json_object_new_string("paraphe-audit-segment/2"), 1);
	check(PP_VERIFY_UNVERIFIABLE, "unknown_format");
	/* The same re-signing with a consistent manifest is accepted: the
	 * test's re-signing itself is right. */
	teardown(state);
	setup(state);
	edit_manifest(3, "clock_synchronised", json_object_new_boolean(0), 1);
	check(PP_VERIFY_OK, NULL);
	/* A member the format does not have. */
	edit_manifest(3, "extra", json_object_new_int(1), 1);
	check(PP_VERIFY_INTEGRITY, "manifest_invalid");
}

static void
test_checkpoint_other_key(void **state)
{
	char path[PATH_MAX], note[PP_NOTE_MAX], *old;
	size_t len, tlen, nlen;
	(void)state;

	/* The same checkpoint text, signed by another key. */
	seg_path(path, arch, 2, "checkpoint");
	old = slurp(path, &len);
	assert_int_equal(pp_note_verify(old, len, ORIGIN, pub, &tlen), PP_OK);
	nlen = sign_text(old, tlen, other, other_id, note);
	pp_free(old);
	spit(path, note, nlen);
	check(PP_VERIFY_INTEGRITY, "checkpoint_signature");

	/* Garbage and absence. */
	spit(path, "\x1b[2J\n\n", 6);
	check(PP_VERIFY_INTEGRITY, "checkpoint_invalid");
	assert_int_equal(unlink(path), 0);
	check(PP_VERIFY_INTEGRITY, "file_missing");
}

static void
test_older_copy_replaces_archive(void **state)
{
	struct hist old;
	char olddir[PATH_MAX];
	json_object *rep = NULL;
	(void)state;

	/* The same history as it was after segment 2, validly signed. */
	path_of(olddir, tmpdir, "old");
	make_history(&old, olddir, 0, 2);
	EXPECT(verify_ex(olddir, NULL, 0, 0, 0, &rep), rep, PP_VERIFY_OK, NULL);
	json_object_put(rep);
	/* The pin taken after segment 3 exposes it. */
	EXPECT(verify_ex(olddir, ha.cp[3], ha.cplen[3], 0, 0, &rep), rep,
	    PP_VERIFY_INTEGRITY, "rollback_or_truncation");
	json_object_put(rep);
}

static void
test_segments_renamed(void **state)
{
	char a[PATH_MAX], b[PATH_MAX], t[PATH_MAX];
	(void)state;

	seg_path(a, arch, 2, NULL);
	seg_path(b, arch, 3, NULL);
	path_of(t, tmpdir, "swap");
	assert_int_equal(rename(a, t), 0);
	assert_int_equal(rename(b, a), 0);
	assert_int_equal(rename(t, b), 0);
	json_object *rep = expect_verify(NULL, 0, PP_VERIFY_INTEGRITY, "segment_misplaced");
	assert_true(has_entry(rep, "problems", "chain_broken"));
	json_object_put(rep);
}

static void
test_leftover_tmp(void **state)
{
	char path[PATH_MAX];
	json_object *rep;
	(void)state;

	path_of(path, arch, ".seg-00000004.tmp");
	assert_int_equal(mkdir(path, 0750), 0);
	path_of(path, arch, ".seg-00000004.tmp/records.jsonl.gz");
	spit(path, "x", 1);
	path_of(path, arch, "README");
	spit(path, "x", 1);
	rep = expect_verify(NULL, 0, PP_VERIFY_OK, NULL);
	assert_true(has_entry(rep, "warnings", "leftover_temp"));
	assert_true(has_entry(rep, "warnings", "stray_entry"));
	json_object_put(rep);
}

static void
test_fork(void **state)
{
	struct hist hb;
	char bdir[PATH_MAX], note[PP_NOTE_MAX];
	json_object *rep = NULL;
	size_t len;
	(void)state;

	/* Another record set of the same sizes signed with the same key. */
	path_of(bdir, tmpdir, "fork");
	make_history(&hb, bdir, 1, 3);
	EXPECT(verify_ex(bdir, NULL, 0, 0, 0, &rep), rep, PP_VERIFY_OK, NULL);
	json_object_put(rep);
	EXPECT(verify_ex(bdir, ha.cp[3], ha.cplen[3], 0, 0, &rep), rep,
	    PP_VERIFY_INTEGRITY, "fork");
	json_object_put(rep);
	/* A pin in the middle of a segment. */
	len = checkpoint_at(&ha, 10, key, key_id, note);
	EXPECT(verify_ex(bdir, note, len, 0, 0, &rep), rep, PP_VERIFY_INTEGRITY, "fork");
	json_object_put(rep);
}

static void
test_origin_and_key(void **state)
{
	struct pp_verify_opts o;
	json_object *rep = NULL;
	(void)state;

	memset(&o, 0, sizeof(o));
	o.archive_dir = arch;
	o.key = pub;
	o.origin = "other.example/audit";
	EXPECT(pp_archive_verify(&o, &rep), rep, PP_VERIFY_INTEGRITY, "origin_mismatch");
	json_object_put(rep);
	o.origin = ORIGIN;
	EXPECT(pp_archive_verify(&o, &rep), rep, PP_VERIFY_OK, NULL);
	json_object_put(rep);
	o.key = NULL;
	EXPECT(pp_archive_verify(&o, &rep), rep, PP_VERIFY_UNVERIFIABLE, "no_key");
	json_object_put(rep);
	o.key = other;
	EXPECT(pp_archive_verify(&o, &rep), rep, PP_VERIFY_INTEGRITY, "checkpoint_signature");
	json_object_put(rep);
	o.key = pub;
	o.archive_dir = "/nonexistent/archive";
	EXPECT(pp_archive_verify(&o, &rep), rep, PP_VERIFY_UNVERIFIABLE, "unreadable");
	json_object_put(rep);
}

static void
test_timestamp_token(void **state)
{
	char path[PATH_MAX], ca[PATH_MAX];
	struct pp_verify_opts o;
	json_object *rep = NULL;
	(void)state;

	/* A token is optional; present and not checked without a TSA CA. */
	seg_path(path, arch, 2, "manifest.tsr");
	spit(path, "\x30\x03\x02\x01\x00", 5);
	rep = expect_verify(NULL, 0, PP_VERIFY_OK, NULL);
	json_object *segs, *s2;
	assert_true(json_object_object_get_ex(rep, "segments", &segs));
	s2 = json_object_array_get_idx(segs, 1);
	assert_string_equal(pp_json_get_str(s2, "timestamp"), "not checked");
	assert_string_equal(pp_json_get_str(json_object_array_get_idx(segs, 0), "timestamp"),
	    "absent");
	json_object_put(rep);
	/* Checked against a CA, a token that is not one fails. */
	path_of(ca, keydir, "audit.pem");
	memset(&o, 0, sizeof(o));
	o.archive_dir = arch;
	o.key = pub;
	o.tsa_ca = ca;
	assert_int_not_equal(pp_archive_verify(&o, &rep), PP_VERIFY_OK);
	assert_true(has_entry(rep, "problems", "timestamp_invalid") ||
	    has_entry(rep, "problems", "timestamp_unverifiable"));
	json_object_put(rep);
}

/* ------------------------------------------------------------------ proofs */

static enum pp_verify_result
inclusion(uint64_t seq, const char *note, size_t len, json_object **rep)
{
	struct pp_verify_opts o;

	memset(&o, 0, sizeof(o));
	o.archive_dir = arch;
	o.key = pub;
	return pp_archive_inclusion(&o, seq, note, len, rep);
}

/* Checks the proof of a report on its own, as a third party would. */
static void
check_inclusion_report(json_object *rep, uint64_t seq, uint64_t size, const pp_hash root)
{
	json_object *inc, *rec, *proof;
	pp_hash leaf, p[PP_MERKLE_MAX_PROOF];
	size_t n, got;
	const char *r;

	assert_true(json_object_object_get_ex(rep, "inclusion", &inc));
	assert_true(json_object_object_get_ex(inc, "record", &rec));
	r = pp_json_get_str(rec, "record");
	assert_non_null(r);
	assert_string_equal(pp_json_get_str(rec, "type"), "test.event");
	assert_non_null(pp_json_get_str(rec, "time"));
	size_t elen;
	char *expect = make_record(seq, 0, &elen);
	assert_string_equal(r, expect);
	pp_free(expect);
	pp_merkle_leaf_hash(r, strlen(r), leaf);
	assert_true(json_object_object_get_ex(inc, "proof", &proof));
	n = json_object_array_length(proof);
	assert_true(n <= PP_MERKLE_MAX_PROOF);
	for (size_t i = 0; i < n; i++) {
		const char *h = json_object_get_string(json_object_array_get_idx(proof, i));
		assert_int_equal(pp_b64_decode(h, strlen(h), p[i], PP_HASH_LEN, &got), PP_OK);
		assert_int_equal(got, PP_HASH_LEN);
	}
	assert_int_equal(pp_merkle_inclusion_verify(seq - 1, size, leaf, (const pp_hash *)p, n, root),
	    PP_OK);
}

static void
test_inclusion_ok(void **state)
{
	const uint64_t seqs[] = { 1, 5, 6, 13, 14, 20, 24 };
	json_object *rep = NULL;
	pp_hash root;
	(void)state;

	pp_merkle_frontier_root(&ha.f, root);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		EXPECT(inclusion(seqs[i], NULL, 0, &rep), rep, PP_VERIFY_OK, NULL);
		check_inclusion_report(rep, seqs[i], 24, root);
		json_object_put(rep);
	}
	/* In an older checkpoint's tree. */
	assert_int_equal(pp_merkle_root((const pp_hash *)ha.leaves, 13, root), PP_OK);
	EXPECT(inclusion(7, ha.cp[2], ha.cplen[2], &rep), rep, PP_VERIFY_OK, NULL);
	check_inclusion_report(rep, 7, 13, root);
	json_object_put(rep);
	/* Not in that tree. */
	EXPECT(inclusion(20, ha.cp[2], ha.cplen[2], &rep), rep, PP_VERIFY_UNVERIFIABLE,
	    "seq_out_of_range");
	json_object_put(rep);
	EXPECT(inclusion(25, NULL, 0, &rep), rep, PP_VERIFY_UNVERIFIABLE, "seq_out_of_range");
	json_object_put(rep);
}

static void
test_inclusion_tampered(void **state)
{
	size_t len, s, e;
	json_object *rep = NULL;
	char *buf = gz_slurp(2, &len);
	(void)state;

	line_span(buf, len, 1, &s, &e);	/* seq 7 */
	char *t = memmem(buf + s, e - s, "quoted", 6);
	assert_non_null(t);
	t[0] = 'Q';
	gz_spit(2, buf, len);
	free(buf);
	EXPECT(inclusion(7, NULL, 0, &rep), rep, PP_VERIFY_INTEGRITY, "inclusion_failed");
	json_object_put(rep);
	/* Against a pinned-elsewhere checkpoint too. */
	EXPECT(inclusion(7, ha.cp[3], ha.cplen[3], &rep), rep, PP_VERIFY_INTEGRITY,
	    "inclusion_failed");
	json_object_put(rep);
	/* A checkpoint from someone else proves nothing. */
	char note[PP_NOTE_MAX];
	size_t nlen = checkpoint_at(&ha, 24, other, other_id, note);
	teardown(state);
	setup(state);
	EXPECT(inclusion(7, note, nlen, &rep), rep, PP_VERIFY_UNVERIFIABLE, "pin_signature");
	json_object_put(rep);
}

static enum pp_verify_result
consistency(const char *dir, const char *a, size_t alen, const char *b, size_t blen,
    json_object **rep)
{
	struct pp_verify_opts o;

	memset(&o, 0, sizeof(o));
	o.archive_dir = dir;
	o.key = pub;
	return pp_archive_consistency(&o, a, alen, b, blen, rep);
}

static void
test_consistency_ok(void **state)
{
	json_object *rep = NULL, *c, *v;
	char note[PP_NOTE_MAX];
	size_t len;
	(void)state;

	EXPECT(consistency(arch, ha.cp[1], ha.cplen[1], ha.cp[3], ha.cplen[3], &rep), rep,
	    PP_VERIFY_OK, NULL);
	assert_true(json_object_object_get_ex(rep, "consistency", &c));
	assert_true(json_object_object_get_ex(c, "proof", &v));
	assert_true(json_object_array_length(v) > 0);
	json_object_put(rep);
	/* Order does not matter; equal checkpoints; between segments. */
	EXPECT(consistency(arch, ha.cp[3], ha.cplen[3], ha.cp[2], ha.cplen[2], &rep), rep,
	    PP_VERIFY_OK, NULL);
	json_object_put(rep);
	EXPECT(consistency(arch, ha.cp[2], ha.cplen[2], ha.cp[2], ha.cplen[2], &rep), rep,
	    PP_VERIFY_OK, NULL);
	json_object_put(rep);
	len = checkpoint_at(&ha, 7, key, key_id, note);
	EXPECT(consistency(arch, note, len, ha.cp[3], ha.cplen[3], &rep), rep,
	    PP_VERIFY_OK, NULL);
	json_object_put(rep);
}

static void
test_consistency_two_histories(void **state)
{
	struct hist hb;
	char bdir[PATH_MAX];
	json_object *rep = NULL;
	(void)state;

	path_of(bdir, tmpdir, "fork");
	make_history(&hb, bdir, 1, 3);
	/* Old from history B, new from A, through A's archive. */
	EXPECT(consistency(arch, hb.cp[1], hb.cplen[1], ha.cp[3], ha.cplen[3], &rep), rep,
	    PP_VERIFY_INTEGRITY, "inconsistent");
	json_object_put(rep);
	/* Both from B, through A's archive: A is not B's history. */
	EXPECT(consistency(arch, hb.cp[1], hb.cplen[1], hb.cp[3], hb.cplen[3], &rep), rep,
	    PP_VERIFY_INTEGRITY, "fork");
	json_object_put(rep);
	/* A checkpoint newer than the archive. */
	rm_segment(arch, 3);
	EXPECT(consistency(arch, ha.cp[1], ha.cplen[1], ha.cp[3], ha.cplen[3], &rep), rep,
	    PP_VERIFY_INTEGRITY, "rollback_or_truncation");
	json_object_put(rep);
}

/* ------------------------------------------------------------------ writer */

static int
exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	path_of(path, dir, name);
	return lstat(path, &st) == 0;
}

static void
test_writer_refuses_overwrite(void **state)
{
	struct hist h1;
	struct pp_segment_in in;
	struct pp_segment_out out;
	struct signer sg = { key, 0 };
	char *recs[32], path[PATH_MAX], *before, *after;
	size_t lens[32], blen, alen;
	(void)state;

	/* Segment 1 again, as a daemon that lost its state would write it. */
	memset(&h1, 0, sizeof(h1));
	strcpy(h1.dir, arch);
	pp_merkle_frontier_init(&h1.f);
	seg_path(path, arch, 1, "manifest.json");
	before = slurp(path, &blen);
	segment_input(&h1, 3, &in, recs, lens, &sg);
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_IO);
	free_records(recs, 3);
	after = slurp(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	pp_free(before);
	pp_free(after);
	assert_false(exists(arch, ".seg-00000001.tmp"));
	check(PP_VERIFY_OK, NULL);
}

static void
test_writer_failures_leave_nothing(void **state)
{
	struct pp_segment_in in;
	struct pp_segment_out out;
	struct signer sg = { key, 0 };
	char *recs[32];
	size_t lens[32];
	enum pp_err rc = PP_ERR_NOMEM;
	long n;
	(void)state;

	segment_input(&ha, 4, &in, recs, lens, &sg);
	/* Every allocation of the writer fails in turn. */
	for (n = 0; n < 2000; n++) {
		pp_mem_fail_after(n);
		rc = pp_archive_write_segment(&in, &out);
		pp_mem_fail_after(-1);
		if (rc == PP_OK)
			break;
		assert_int_equal(rc, PP_ERR_NOMEM);
		assert_false(exists(arch, ".seg-00000004.tmp"));
		assert_false(exists(arch, "seg-00000004"));
	}
	assert_int_equal(rc, PP_OK);
	assert_true(n > 3);
	segment_done(&ha, &in, &out);
	free_records(recs, 4);
	check(PP_VERIFY_OK, NULL);

	/* The HSM fails after the records and manifest are written. */
	sg.fail = 1;
	segment_input(&ha, 2, &in, recs, lens, &sg);
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_HSM);
	assert_false(exists(arch, ".seg-00000005.tmp"));
	assert_false(exists(arch, "seg-00000005"));
	/* A stale temporary directory of a crashed writer is replaced. */
	char path[PATH_MAX];
	path_of(path, arch, ".seg-00000005.tmp");
	assert_int_equal(mkdir(path, 0750), 0);
	path_of(path, arch, ".seg-00000005.tmp/manifest.json");
	spit(path, "{}", 2);
	sg.fail = 0;
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_OK);
	segment_done(&ha, &in, &out);
	free_records(recs, 2);
	assert_false(exists(arch, ".seg-00000005.tmp"));
	check(PP_VERIFY_OK, NULL);

	/* An archive directory that does not exist. */
	path_of(path, tmpdir, "nowhere");
	segment_input(&ha, 1, &in, recs, lens, &sg);
	in.archive_dir = path;
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_IO);
	free_records(recs, 1);
}

static void
test_writer_rejects_bad_input(void **state)
{
	struct pp_segment_in in;
	struct pp_segment_out out;
	struct signer sg = { key, 0 };
	char *recs[32], *saved;
	size_t lens[32];
	struct pp_merkle_frontier wrong;
	(void)state;

	segment_input(&ha, 3, &in, recs, lens, &sg);
	/* A record out of sequence. */
	saved = recs[1];
	recs[1] = recs[2];
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
	recs[1] = saved;
	/* Not canonical; a newline; a record of another origin. */
	char sp[] = "{ \"seq\":26}", nl[] = "{\"a\":\"x\"\n}";
	const char *bad[] = { sp, nl };
	for (size_t i = 0; i < 2; i++) {
		saved = recs[0];
		recs[0] = (char *)(uintptr_t)bad[i];
		lens[0] = strlen(bad[i]);
		assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
		recs[0] = saved;
		lens[0] = strlen(saved);
	}
	in.origin = "other.example/audit";
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
	in.origin = ORIGIN;
	/* Segment 1 must start an empty tree; the chain must be hex. */
	in.number = 1;
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
	in.number = 4;
	in.prev_manifest_sha256 = "";
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
	in.prev_manifest_sha256 = ha.prev;
	/* A frontier that does not fit its size. */
	wrong = ha.f;
	wrong.n = 0;
	in.before = &wrong;
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
	in.before = &ha.f;
	in.created = "yesterday";
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_ERR_BAD_REQUEST);
	in.created = CREATED;
	assert_false(exists(arch, ".seg-00000004.tmp"));
	assert_false(exists(arch, "seg-00000004"));
	/* And the same input, corrected, is accepted. */
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_OK);
	segment_done(&ha, &in, &out);
	free_records(recs, 3);
	check(PP_VERIFY_OK, NULL);
}

static void
test_writer_tsa_unreachable(void **state)
{
	struct pp_segment_in in;
	struct pp_segment_out out;
	struct signer sg = { key, 0 };
	char *recs[32];
	size_t lens[32];
	json_object *rep;
	(void)state;

	/* Nothing listens on the discard port of loopback. */
	segment_input(&ha, 2, &in, recs, lens, &sg);
	in.tsa_url = "http://127.0.0.1:9/tsa";
	in.tsa_timeout_ms = 2000;
	assert_int_equal(pp_archive_write_segment(&in, &out), PP_OK);
	assert_int_equal(out.timestamped, 0);
	assert_int_not_equal(out.tsa_error, PP_OK);
	assert_false(exists(arch, "seg-00000004/manifest.tsr"));
	segment_done(&ha, &in, &out);
	free_records(recs, 2);
	rep = expect_verify(NULL, 0, PP_VERIFY_OK, NULL);
	json_object_put(rep);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_good_archive),
		T(test_partial_ranges),
		T(test_pins_that_match),
		T(test_bad_pins),
		T(test_record_modified),
		T(test_gz_byte_flipped),
		T(test_record_deleted),
		T(test_record_inserted),
		T(test_records_swapped),
		T(test_records_truncated),
		T(test_records_hostile),
		T(test_last_segment_deleted),
		T(test_middle_segment_deleted),
		T(test_manifest_modified),
		T(test_manifest_hostile),
		T(test_bomb_not_inflated),
		T(test_unknown_format),
		T(test_checkpoint_other_key),
		T(test_older_copy_replaces_archive),
		T(test_segments_renamed),
		T(test_leftover_tmp),
		T(test_fork),
		T(test_origin_and_key),
		T(test_timestamp_token),
		T(test_inclusion_ok),
		T(test_inclusion_tampered),
		T(test_consistency_ok),
		T(test_consistency_two_histories),
		T(test_writer_refuses_overwrite),
		T(test_writer_failures_leave_nothing),
		T(test_writer_rejects_bad_input),
		T(test_writer_tsa_unreachable),
	};
	/* The writer logs its refusals; those errors are expected here. */
	pp_log_open("test_archive", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
