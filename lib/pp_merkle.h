/*
 * pp_merkle: the RFC 9162 (Certificate Transparency v2) Merkle tree over
 * the audit records.
 *
 *   leaf hash = SHA-256(0x00 || record bytes)
 *   node hash = SHA-256(0x01 || left || right)
 *   root of the empty tree = SHA-256("")
 *
 * The writer keeps only the frontier (compact range [0, size)): one hash
 * per set bit of size, the roots of the perfect subtrees the tree is made
 * of, from the largest (leftmost) to the smallest.  Appending is O(log n)
 * and the root is O(log n) from the frontier.  Proof generation works on an
 * array of leaf hashes held by the caller (the offline verifier loads the
 * leaves of an archive); proof verification needs only hashes.
 */
#ifndef PP_MERKLE_H
#define PP_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

#define PP_HASH_LEN 32
#define PP_MERKLE_MAX_LEVELS 64
/* Longest inclusion or consistency proof for a tree of < 2^64 leaves. */
#define PP_MERKLE_MAX_PROOF (2 * PP_MERKLE_MAX_LEVELS)

typedef uint8_t pp_hash[PP_HASH_LEN];

/* These two cannot fail for their callers: if OpenSSL cannot compute
 * SHA-256 at all they abort() rather than return a wrong hash.  out may
 * alias an input. */
void pp_merkle_leaf_hash(const void *data, size_t len, pp_hash out);
void pp_merkle_node_hash(const pp_hash left, const pp_hash right, pp_hash out);

struct pp_merkle_frontier {
	uint64_t size;			/* leaves appended so far */
	unsigned n;			/* == popcount(size) */
	pp_hash h[PP_MERKLE_MAX_LEVELS];	/* largest subtree first */
};

void pp_merkle_frontier_init(struct pp_merkle_frontier *f);
/* PP_ERR_INTERNAL only when size would overflow. */
enum pp_err pp_merkle_frontier_append(struct pp_merkle_frontier *f, const pp_hash leaf) PP_WUR;
/* Root of the tree [0, f->size). */
void pp_merkle_frontier_root(const struct pp_merkle_frontier *f, pp_hash root);
/* Rebuilds a frontier from its size and its n hashes (as stored in a
 * manifest); PP_ERR_BAD_REQUEST when n != popcount(size). */
enum pp_err pp_merkle_frontier_set(struct pp_merkle_frontier *f, uint64_t size,
    const pp_hash *hashes, unsigned n) PP_WUR;

/* Root of leaves[0..n) (leaf hashes).  n == 0 gives SHA-256(""). */
enum pp_err pp_merkle_root(const pp_hash *leaves, uint64_t n, pp_hash root) PP_WUR;

/* RFC 9162 2.1.3 inclusion proof of leaf index in the tree leaves[0..size).
 * OUT proof[0..*plen), *plen <= PP_MERKLE_MAX_PROOF: proof must have room
 * for PP_MERKLE_MAX_PROOF hashes.  O(size) hashing, no allocation.
 * PP_ERR_BAD_REQUEST when index >= size; *plen untouched on error. */
enum pp_err pp_merkle_inclusion_proof(const pp_hash *leaves, uint64_t size, uint64_t index,
    pp_hash *proof, size_t *plen) PP_WUR;
/* RFC 9162 2.1.3.2: PP_OK when proof shows leaf at index in the tree of
 * size with that root; PP_ERR_FORBIDDEN when it does not; PP_ERR_BAD_REQUEST
 * when the arguments are impossible (index >= size, wrong proof length). */
enum pp_err pp_merkle_inclusion_verify(uint64_t index, uint64_t size, const pp_hash leaf,
    const pp_hash *proof, size_t plen, const pp_hash root) PP_WUR;

/* RFC 9162 2.1.4 consistency proof between the trees of size1 and size2
 * (0 < size1 <= size2) of leaves[0..size2).  Same OUT, room, cost and
 * errors as pp_merkle_inclusion_proof; size1 == size2 gives *plen == 0. */
enum pp_err pp_merkle_consistency_proof(const pp_hash *leaves, uint64_t size2, uint64_t size1,
    pp_hash *proof, size_t *plen) PP_WUR;
/* RFC 9162 2.1.4.2; same return convention as pp_merkle_inclusion_verify. */
enum pp_err pp_merkle_consistency_verify(uint64_t size1, uint64_t size2, const pp_hash root1,
    const pp_hash root2, const pp_hash *proof, size_t plen) PP_WUR;

#endif
