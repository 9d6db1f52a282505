#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "pp_merkle.h"

/*
 * Hashing.  The offline verifier hashes millions of records and twice as
 * many nodes, so the digest context is reused: one EVP_MD_CTX per thread,
 * kept under a pthread key (freed when the thread exits), and SHA-256
 * fetched from the provider once.  OpenSSL's one-shot SHA256() fetches
 * the algorithm and allocates a context on every call, about three times
 * slower for a 65-byte node.
 */
static pthread_once_t pp_merkle_once = PTHREAD_ONCE_INIT;
static pthread_key_t pp_merkle_key;
static int pp_merkle_key_ok;
static EVP_MD *pp_merkle_md;

static void
pp_merkle_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void
pp_merkle_init(void)
{
	pp_merkle_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	pp_merkle_key_ok = pthread_key_create(&pp_merkle_key, pp_merkle_ctx_free) == 0;
}

/* This thread's digest context, NULL when one cannot be had. */
static EVP_MD_CTX *
pp_merkle_ctx(void)
{
	EVP_MD_CTX *ctx;

	if (pthread_once(&pp_merkle_once, pp_merkle_init) != 0 || pp_merkle_md == NULL ||
	    !pp_merkle_key_ok)
		return NULL;
	ctx = pthread_getspecific(pp_merkle_key);
	if (ctx != NULL)
		return ctx;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return NULL;
	if (pthread_setspecific(pp_merkle_key, ctx) != 0) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * out = SHA-256(prefix || a[0..alen) || b[0..blen)).  out may alias a or
 * b: the digest is written only after every input was read.
 *
 * The hash functions of the header return void (a hash cannot "fail" for
 * its callers), so when OpenSSL cannot compute SHA-256 at all (no memory
 * for a context, provider missing) this aborts: carrying on with a wrong
 * hash would silently corrupt the audit trail.
 */
static void
pp_merkle_sha256(unsigned char prefix, const void *a, size_t alen, const void *b, size_t blen,
    pp_hash out)
{
	EVP_MD_CTX *ctx = pp_merkle_ctx();
	unsigned int olen = 0;

	if (ctx == NULL || !EVP_DigestInit_ex2(ctx, pp_merkle_md, NULL) ||
	    !EVP_DigestUpdate(ctx, &prefix, 1) ||
	    (alen && !EVP_DigestUpdate(ctx, a, alen)) ||
	    (blen && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &olen) || olen != PP_HASH_LEN) {
		fputs("pp_merkle: SHA-256 unavailable\n", stderr);
		abort();
	}
}

void
pp_merkle_leaf_hash(const void *data, size_t len, pp_hash out)
{
	pp_merkle_sha256(0x00, data, len, NULL, 0, out);
}

void
pp_merkle_node_hash(const pp_hash left, const pp_hash right, pp_hash out)
{
	pp_merkle_sha256(0x01, left, PP_HASH_LEN, right, PP_HASH_LEN, out);
}

/* SHA-256 of nothing: the root of the empty tree (RFC 9162 2.1.1). */
static void
pp_merkle_empty_root(pp_hash out)
{
	static const pp_hash empty = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8,
		0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};

	memcpy(out, empty, PP_HASH_LEN);
}

void
pp_merkle_frontier_init(struct pp_merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

/*
 * The frontier of size s holds one perfect subtree per set bit of s.
 * Appending a leaf adds a subtree of one leaf, then merges the two
 * smallest subtrees once per trailing 1 bit of s (binary increment with
 * carries).  Before the merges there are popcount(s) + 1 <= 64 entries:
 * s < 2^64 - 1 has at most 63 set bits.
 */
enum pp_err
pp_merkle_frontier_append(struct pp_merkle_frontier *f, const pp_hash leaf)
{
	unsigned k = f->n;

	if (f->size == UINT64_MAX || k >= PP_MERKLE_MAX_LEVELS)
		return PP_ERR_INTERNAL;
	memcpy(f->h[k++], leaf, PP_HASH_LEN);
	for (uint64_t s = f->size; s & 1; s >>= 1) {
		pp_merkle_node_hash(f->h[k - 2], f->h[k - 1], f->h[k - 2]);
		k--;
	}
	f->size++;
	f->n = k;
	return PP_OK;
}

/* RFC 9162 2.1.1: the right subtrees are folded in from the smallest. */
void
pp_merkle_frontier_root(const struct pp_merkle_frontier *f, pp_hash root)
{
	pp_hash r;

	if (f->size == 0 || f->n == 0) {
		pp_merkle_empty_root(root);
		return;
	}
	memcpy(r, f->h[f->n - 1], PP_HASH_LEN);
	for (unsigned i = f->n - 1; i-- > 0;)
		pp_merkle_node_hash(f->h[i], r, r);
	memcpy(root, r, PP_HASH_LEN);
}

enum pp_err
pp_merkle_frontier_set(struct pp_merkle_frontier *f, uint64_t size, const pp_hash *hashes,
    unsigned n)
{
	if (n != (unsigned)__builtin_popcountll(size) || (n > 0 && hashes == NULL))
		return PP_ERR_BAD_REQUEST;
	pp_merkle_frontier_init(f);
	f->size = size;
	f->n = n;
	if (n > 0)
		memcpy(f->h, hashes, n * sizeof(pp_hash));
	return PP_OK;
}

/* Iterative through a frontier: O(n) hashes, no recursion, no allocation. */
enum pp_err
pp_merkle_root(const pp_hash *leaves, uint64_t n, pp_hash root)
{
	struct pp_merkle_frontier f;
	enum pp_err rc;

	if (n > 0 && leaves == NULL)
		return PP_ERR_BAD_REQUEST;
	pp_merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++)
		if ((rc = pp_merkle_frontier_append(&f, leaves[i])) != PP_OK)
			return rc;
	pp_merkle_frontier_root(&f, root);
	return PP_OK;
}

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t
pp_merkle_split(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* A subtree [lo, hi) of the leaves whose hash goes into a proof. */
struct pp_merkle_range {
	uint64_t lo, hi;
};

/* proof[i] = MTH of the ranges, deepest first: the ranges were collected
 * walking down from the root, the proofs list them from the leaf up.  The
 * ranges are disjoint, so all of them together hash at most size leaves. */
static enum pp_err
pp_merkle_fill(const pp_hash *leaves, const struct pp_merkle_range *r, size_t n, pp_hash *proof)
{
	enum pp_err rc;

	for (size_t i = 0; i < n; i++) {
		const struct pp_merkle_range *x = &r[n - 1 - i];
		if ((rc = pp_merkle_root(leaves + x->lo, x->hi - x->lo, proof[i])) != PP_OK)
			return rc;
	}
	return PP_OK;
}

/*
 * RFC 9162 2.1.3.1, PATH(m, D[n]), without recursion: at each level the
 * sibling of the half holding the leaf goes into the proof.  A tree of
 * fewer than 2^64 leaves is at most 64 levels deep.
 */
enum pp_err
pp_merkle_inclusion_proof(const pp_hash *leaves, uint64_t size, uint64_t index, pp_hash *proof,
    size_t *plen)
{
	struct pp_merkle_range r[PP_MERKLE_MAX_LEVELS];
	uint64_t lo = 0, hi = size;
	size_t n = 0;
	enum pp_err rc;

	if (index >= size || leaves == NULL || proof == NULL || plen == NULL)
		return PP_ERR_BAD_REQUEST;
	while (hi - lo > 1) {
		uint64_t k = pp_merkle_split(hi - lo);
		if (n == PP_MERKLE_MAX_LEVELS)
			return PP_ERR_INTERNAL;
		if (index - lo < k) {
			r[n++] = (struct pp_merkle_range){ lo + k, hi };
			hi = lo + k;
		} else {
			r[n++] = (struct pp_merkle_range){ lo, lo + k };
			lo += k;
		}
	}
	if ((rc = pp_merkle_fill(leaves, r, n, proof)) != PP_OK)
		return rc;
	*plen = n;
	return PP_OK;
}

/*
 * RFC 9162 2.1.4.1, SUBPROOF(m, D[n], b), without recursion.  While the
 * old tree lies in the left half, the right half goes into the proof; once
 * it reaches into the right half, the (complete, shared) left half does.
 * The walk ends at a subtree that is entirely old: its hash is needed
 * unless it is the whole old tree (b still true).
 */
enum pp_err
pp_merkle_consistency_proof(const pp_hash *leaves, uint64_t size2, uint64_t size1,
    pp_hash *proof, size_t *plen)
{
	struct pp_merkle_range r[PP_MERKLE_MAX_LEVELS + 1];
	uint64_t lo = 0, hi = size2, m = size1;
	int whole = 1;
	size_t n = 0;
	enum pp_err rc;

	if (size1 == 0 || size1 > size2 || leaves == NULL || proof == NULL || plen == NULL)
		return PP_ERR_BAD_REQUEST;
	while (m != hi - lo) {
		uint64_t k = pp_merkle_split(hi - lo);
		if (n == PP_MERKLE_MAX_LEVELS)
			return PP_ERR_INTERNAL;
		if (m <= k) {
			r[n++] = (struct pp_merkle_range){ lo + k, hi };
			hi = lo + k;
		} else {
			r[n++] = (struct pp_merkle_range){ lo, lo + k };
			lo += k;
			m -= k;
			whole = 0;
		}
	}
	if (!whole)
		r[n++] = (struct pp_merkle_range){ lo, hi };
	if ((rc = pp_merkle_fill(leaves, r, n, proof)) != PP_OK)
		return rc;
	*plen = n;
	return PP_OK;
}

/*
 * The verification loops of RFC 9162 consume one proof element per step
 * and end when sn reaches 0; the steps depend only on the sizes, so the
 * expected length is known before hashing anything.  A proof of another
 * length is refused as impossible (PP_ERR_BAD_REQUEST) rather than
 * hashed, and the hashing loops below can rely on it.
 */
static size_t
pp_merkle_inclusion_len(uint64_t fn, uint64_t sn)
{
	size_t n = 0;

	while (sn != 0) {
		if ((fn & 1) || fn == sn)
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		fn >>= 1;
		sn >>= 1;
		n++;
	}
	return n;
}

/* RFC 9162 2.1.3.2. */
enum pp_err
pp_merkle_inclusion_verify(uint64_t index, uint64_t size, const pp_hash leaf,
    const pp_hash *proof, size_t plen, const pp_hash root)
{
	uint64_t fn = index, sn = size - 1;
	pp_hash r;

	if (index >= size || leaf == NULL || root == NULL || (plen > 0 && proof == NULL))
		return PP_ERR_BAD_REQUEST;
	if (plen != pp_merkle_inclusion_len(fn, sn))
		return PP_ERR_BAD_REQUEST;
	memcpy(r, leaf, PP_HASH_LEN);
	for (size_t i = 0; i < plen; i++) {
		if ((fn & 1) || fn == sn) {
			pp_merkle_node_hash(proof[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			pp_merkle_node_hash(r, proof[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	/* Roots are public: no need for a constant-time comparison. */
	return sn == 0 && memcmp(r, root, PP_HASH_LEN) == 0 ? PP_OK : PP_ERR_FORBIDDEN;
}

/* Proof length the RFC 9162 2.1.4.2 loop consumes for these sizes
 * (1 <= size1 < size2), the first element included unless size1 is a
 * power of two (then the old root itself starts the walk). */
static size_t
pp_merkle_consistency_len(uint64_t size1, uint64_t size2)
{
	uint64_t fn = size1 - 1, sn = size2 - 1;
	size_t n = (size1 & (size1 - 1)) == 0 ? 0 : 1;

	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	while (sn != 0) {
		if ((fn & 1) || fn == sn) {
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		}
		fn >>= 1;
		sn >>= 1;
		n++;
	}
	return n;
}

/* RFC 9162 2.1.4.2. */
enum pp_err
pp_merkle_consistency_verify(uint64_t size1, uint64_t size2, const pp_hash root1,
    const pp_hash root2, const pp_hash *proof, size_t plen)
{
	uint64_t fn, sn;
	pp_hash fr, sr;
	size_t i = 0;

	if (size1 == 0 || size1 > size2 || root1 == NULL || root2 == NULL ||
	    (plen > 0 && proof == NULL))
		return PP_ERR_BAD_REQUEST;
	if (size1 == size2) {
		if (plen != 0)
			return PP_ERR_BAD_REQUEST;
		return memcmp(root1, root2, PP_HASH_LEN) == 0 ? PP_OK : PP_ERR_FORBIDDEN;
	}
	if (plen != pp_merkle_consistency_len(size1, size2))
		return PP_ERR_BAD_REQUEST;
	/* Step 2: a power-of-two old tree is itself a node of the new one. */
	if ((size1 & (size1 - 1)) == 0) {
		memcpy(fr, root1, PP_HASH_LEN);
	} else {
		memcpy(fr, proof[0], PP_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, PP_HASH_LEN);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < plen; i++) {
		if ((fn & 1) || fn == sn) {
			pp_merkle_node_hash(proof[i], fr, fr);
			pp_merkle_node_hash(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else
			pp_merkle_node_hash(sr, proof[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && memcmp(fr, root1, PP_HASH_LEN) == 0 &&
	    memcmp(sr, root2, PP_HASH_LEN) == 0 ? PP_OK : PP_ERR_FORBIDDEN;
}
