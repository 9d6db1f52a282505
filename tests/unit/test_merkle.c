#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_merkle.h"

/* ------------------------------------------------------------ helpers */

static void
unhex(const char *s, unsigned char *out, size_t len)
{
	assert_int_equal(strlen(s), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			fail_msg("bad hex in test vector: %s", s);
		out[i] = (unsigned char)v;
	}
}

static void
hash_of(const char *hex, pp_hash out)
{
	unhex(hex, out, PP_HASH_LEN);
}

static void
assert_hash(const pp_hash got, const char *want_hex, const char *what)
{
	pp_hash want;

	hash_of(want_hex, want);
	if (memcmp(got, want, PP_HASH_LEN) != 0) {
		char g[2 * PP_HASH_LEN + 1];
		for (size_t i = 0; i < PP_HASH_LEN; i++)
			snprintf(g + 2 * i, 3, "%02x", got[i]);
		fail_msg("%s: got %s, want %s", what, g, want_hex);
	}
}

/* xorshift64*: reproducible pseudo-random data. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* n distinct pseudo-random leaf hashes; caller frees. */
static pp_hash *
random_leaves(size_t n, uint64_t seed)
{
	pp_hash *l = malloc((n ? n : 1) * sizeof(pp_hash));

	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		uint64_t r[2] = { rnd(&seed), i };
		pp_merkle_leaf_hash(r, sizeof(r), l[i]);
	}
	return l;
}

/* -------------------------------------------------- published vectors */

/*
 * The RFC 6962 test vectors shared by the Certificate Transparency
 * implementations, typed here as data from
 *   transparency-dev/merkle testonly/constants.go (leaf inputs, node
 *     hashes of the complete subtrees, roots of sizes 0..8, compact ranges),
 *   transparency-dev/merkle proof/verify_test.go (inclusion and
 *     consistency proofs; its leaf numbers are 1-based),
 *   transparency-dev/merkle proof/proof_test.go (which nodes make up the
 *     proofs, by level and index).
 * The same vectors are in google/certificate-transparency's C++ tests.
 */
static const char *const ct_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

/* ct_roots[n]: root of the tree of the first n leaves. */
static const char *const ct_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* ct_nodes[level][index]: the complete subtrees of the 8-leaf tree. */
static const char *const ct_nodes[4][8] = {
	{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
		"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
	}, {
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	}, {
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	}, {
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	},
};

struct ct_proof {
	uint64_t a, b;		/* inclusion: index, size; consistency: size1, size2 */
	size_t n;
	const char *h[3];
};

/* verify_test.go inclusionProofs, leaf numbers made 0-based. */
static const struct ct_proof ct_inclusion[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 8, 3, {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, 3, {
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 3, 1, {
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, 3, {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

/* verify_test.go consistencyProofs. */
static const struct ct_proof ct_consistency[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3, {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, 3, {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 5, 2, {
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 6, 7, 3, {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

/*
 * proof_test.go: the nodes of proofs in the 8-leaf tree, as (level,
 * index) into ct_nodes.  Where a proof needs a node that is not complete
 * in the stored tree (level 2, index 1 of a tree of 7 leaves) it is the
 * hash of two nodes: {l, i, l2, i2} = node_hash(ct_nodes[l][i],
 * ct_nodes[l2][i2]); l2 < 0 for a plain node.
 */
struct ct_node_ref {
	int l, i, l2, i2;
};
#define N(l, i) { l, i, -1, 0 }
#define L7 { 1, 2, 0, 6 }	/* hash(i, j): leaves 4..6 of a 7-leaf tree */

struct ct_shape {
	uint64_t a, b;
	size_t n;
	struct ct_node_ref r[4];
};

static const struct ct_shape ct_inclusion_shapes[] = {
	{ 0, 1, 0, { N(0, 0) } },
	{ 0, 2, 1, { N(0, 1) } },
	{ 1, 2, 1, { N(0, 0) } },
	{ 1, 3, 2, { N(0, 0), N(0, 2) } },
	{ 0, 7, 3, { N(0, 1), N(1, 1), L7 } },
	{ 1, 7, 3, { N(0, 0), N(1, 1), L7 } },
	{ 2, 7, 3, { N(0, 3), N(1, 0), L7 } },
	{ 3, 7, 3, { N(0, 2), N(1, 0), L7 } },
	{ 4, 7, 3, { N(0, 5), N(0, 6), N(2, 0) } },
	{ 5, 7, 3, { N(0, 4), N(0, 6), N(2, 0) } },
	{ 6, 7, 2, { N(1, 2), N(2, 0) } },
	{ 2, 4, 2, { N(0, 3), N(1, 0) } },
	{ 3, 5, 3, { N(0, 2), N(1, 0), N(0, 4) } },
	{ 3, 6, 3, { N(0, 2), N(1, 0), N(1, 2) } },
	{ 4, 6, 2, { N(0, 5), N(2, 0) } },
};

static const struct ct_shape ct_consistency_shapes[] = {
	{ 1, 2, 1, { N(0, 1) } },
	{ 1, 4, 2, { N(0, 1), N(1, 1) } },
	{ 1, 6, 3, { N(0, 1), N(1, 1), N(1, 2) } },
	{ 2, 3, 1, { N(0, 2) } },
	{ 2, 8, 2, { N(1, 1), N(2, 1) } },
	{ 3, 7, 4, { N(0, 2), N(0, 3), N(1, 0), L7 } },
	{ 4, 7, 1, { L7 } },
	{ 5, 7, 4, { N(0, 4), N(0, 5), N(0, 6), N(2, 0) } },
	{ 6, 7, 3, { N(1, 2), N(0, 6), N(2, 0) } },
	{ 7, 8, 4, { N(0, 6), N(0, 7), N(1, 2), N(2, 0) } },
	{ 1, 1, 0, { N(0, 0) } },
	{ 2, 2, 0, { N(0, 0) } },
	{ 3, 3, 0, { N(0, 0) } },
	{ 4, 4, 0, { N(0, 0) } },
	{ 5, 5, 0, { N(0, 0) } },
	{ 7, 7, 0, { N(0, 0) } },
	{ 8, 8, 0, { N(0, 0) } },
	{ 2, 4, 1, { N(1, 1) } },
	{ 3, 5, 4, { N(0, 2), N(0, 3), N(1, 0), N(0, 4) } },
	{ 3, 6, 4, { N(0, 2), N(0, 3), N(1, 0), N(1, 2) } },
	{ 4, 6, 1, { N(1, 2) } },
	{ 1, 7, 3, { N(0, 1), N(1, 1), L7 } },
};

/* Leaf hashes of the 8 CT leaf inputs. */
static void
ct_leaf_hashes(pp_hash out[8])
{
	for (int i = 0; i < 8; i++) {
		unsigned char buf[16];
		size_t len = strlen(ct_leaves[i]) / 2;
		unhex(ct_leaves[i], buf, len);
		pp_merkle_leaf_hash(buf, len, out[i]);
	}
}

static void
ct_node(const struct ct_node_ref *r, pp_hash out)
{
	hash_of(ct_nodes[r->l][r->i], out);
	if (r->l2 >= 0) {
		pp_hash right;
		hash_of(ct_nodes[r->l2][r->i2], right);
		pp_merkle_node_hash(out, right, out);
	}
}

static void
test_ct_hashes(void **state)
{
	pp_hash leaves[8], h;
	(void)state;

	ct_leaf_hashes(leaves);
	for (int i = 0; i < 8; i++)
		assert_hash(leaves[i], ct_nodes[0][i], "leaf hash");
	/* Every complete subtree: parent = node(left child, right child). */
	for (int l = 1; l < 4; l++) {
		for (int i = 0; i < 8 >> l; i++) {
			pp_hash a, b;
			hash_of(ct_nodes[l - 1][2 * i], a);
			hash_of(ct_nodes[l - 1][2 * i + 1], b);
			pp_merkle_node_hash(a, b, h);
			assert_hash(h, ct_nodes[l][i], "node hash");
		}
	}
	/* The empty leaf is SHA-256(0x00), the empty tree SHA-256(""). */
	pp_merkle_leaf_hash(NULL, 0, h);
	assert_hash(h, ct_nodes[0][0], "empty leaf");
}

static void
test_ct_roots(void **state)
{
	pp_hash leaves[8], root;
	struct pp_merkle_frontier f;
	/* testonly/constants.go CompactTrees: the frontier of each size. */
	static const struct ct_node_ref compact[9][3] = {
		{ N(0, 0) }, { N(0, 0) }, { N(1, 0) }, { N(1, 0), N(0, 2) }, { N(2, 0) },
		{ N(2, 0), N(0, 4) }, { N(2, 0), N(1, 2) }, { N(2, 0), N(1, 2), N(0, 6) }, { N(3, 0) },
	};
	(void)state;

	ct_leaf_hashes(leaves);
	pp_merkle_frontier_init(&f);
	for (uint64_t n = 0; n <= 8; n++) {
		char what[64];
		snprintf(what, sizeof(what), "root of size %u", (unsigned)n);
		assert_int_equal(pp_merkle_root(leaves, n, root), PP_OK);
		assert_hash(root, ct_roots[n], what);
		pp_merkle_frontier_root(&f, root);
		assert_hash(root, ct_roots[n], what);
		assert_int_equal(f.size, n);
		assert_int_equal(f.n, __builtin_popcountll(n));
		for (unsigned k = 0; k < f.n; k++) {
			pp_hash want;
			ct_node(&compact[n][k], want);
			assert_memory_equal(f.h[k], want, PP_HASH_LEN);
		}
		if (n < 8)
			assert_int_equal(pp_merkle_frontier_append(&f, leaves[n]), PP_OK);
	}
	/* NULL leaves are fine for the empty tree only. */
	assert_int_equal(pp_merkle_root(NULL, 0, root), PP_OK);
	assert_hash(root, ct_roots[0], "empty root");
	assert_int_equal(pp_merkle_root(NULL, 1, root), PP_ERR_BAD_REQUEST);
}

static void
check_proof(const pp_hash *got, size_t got_n, const struct ct_proof *want, const char *what)
{
	if (got_n != want->n)
		fail_msg("%s (%u, %u): %zu hashes, want %zu", what, (unsigned)want->a,
		    (unsigned)want->b, got_n, want->n);
	for (size_t i = 0; i < want->n; i++)
		assert_hash(got[i], want->h[i], what);
}

static void
test_ct_inclusion(void **state)
{
	pp_hash leaves[8], proof[PP_MERKLE_MAX_PROOF], root;
	size_t plen;
	(void)state;

	ct_leaf_hashes(leaves);
	for (size_t t = 0; t < sizeof(ct_inclusion) / sizeof(ct_inclusion[0]); t++) {
		const struct ct_proof *v = &ct_inclusion[t];
		pp_hash vp[3];
		assert_int_equal(pp_merkle_inclusion_proof(leaves, v->b, v->a, proof, &plen), PP_OK);
		check_proof(proof, plen, v, "inclusion proof");
		for (size_t i = 0; i < v->n; i++)
			hash_of(v->h[i], vp[i]);
		hash_of(ct_roots[v->b], root);
		assert_int_equal(pp_merkle_inclusion_verify(v->a, v->b, leaves[v->a], vp, v->n, root), PP_OK);
		/* The published proof against another leaf or root. */
		assert_int_equal(pp_merkle_inclusion_verify(v->a, v->b, leaves[(v->a + 1) % 8], vp, v->n,
		    root), PP_ERR_FORBIDDEN);
		hash_of(ct_roots[0], root);
		assert_int_equal(pp_merkle_inclusion_verify(v->a, v->b, leaves[v->a], vp, v->n, root),
		    PP_ERR_FORBIDDEN);
	}
	for (size_t t = 0; t < sizeof(ct_inclusion_shapes) / sizeof(ct_inclusion_shapes[0]); t++) {
		const struct ct_shape *s = &ct_inclusion_shapes[t];
		assert_int_equal(pp_merkle_inclusion_proof(leaves, s->b, s->a, proof, &plen), PP_OK);
		assert_int_equal(plen, s->n);
		for (size_t i = 0; i < s->n; i++) {
			pp_hash want;
			ct_node(&s->r[i], want);
			if (memcmp(proof[i], want, PP_HASH_LEN) != 0)
				fail_msg("inclusion (%u, %u): element %zu differs", (unsigned)s->a,
				    (unsigned)s->b, i);
		}
	}
}

static void
test_ct_consistency(void **state)
{
	pp_hash leaves[8], proof[PP_MERKLE_MAX_PROOF], r1, r2;
	size_t plen;
	(void)state;

	ct_leaf_hashes(leaves);
	for (size_t t = 0; t < sizeof(ct_consistency) / sizeof(ct_consistency[0]); t++) {
		const struct ct_proof *v = &ct_consistency[t];
		pp_hash vp[3];
		assert_int_equal(pp_merkle_consistency_proof(leaves, v->b, v->a, proof, &plen), PP_OK);
		check_proof(proof, plen, v, "consistency proof");
		for (size_t i = 0; i < v->n; i++)
			hash_of(v->h[i], vp[i]);
		hash_of(ct_roots[v->a], r1);
		hash_of(ct_roots[v->b], r2);
		assert_int_equal(pp_merkle_consistency_verify(v->a, v->b, r1, r2, vp, v->n), PP_OK);
		if (v->a != v->b) {
			/* Swapped roots. */
			assert_int_equal(pp_merkle_consistency_verify(v->a, v->b, r2, r1, vp, v->n),
			    PP_ERR_FORBIDDEN);
		}
	}
	for (size_t t = 0; t < sizeof(ct_consistency_shapes) / sizeof(ct_consistency_shapes[0]); t++) {
		const struct ct_shape *s = &ct_consistency_shapes[t];
		assert_int_equal(pp_merkle_consistency_proof(leaves, s->b, s->a, proof, &plen), PP_OK);
		assert_int_equal(plen, s->n);
		for (size_t i = 0; i < s->n; i++) {
			pp_hash want;
			ct_node(&s->r[i], want);
			if (memcmp(proof[i], want, PP_HASH_LEN) != 0)
				fail_msg("consistency (%u, %u): element %zu differs", (unsigned)s->a,
				    (unsigned)s->b, i);
		}
	}
}

/* ----------------------------------------------------- frontier, root */

static void
test_frontier_matches_root(void **state)
{
	const size_t max = 300;
	pp_hash *leaves = random_leaves(max, 42), r1, r2, r3;
	struct pp_merkle_frontier f, g;
	(void)state;

	pp_merkle_frontier_init(&f);
	for (size_t n = 0; n <= max; n++) {
		assert_int_equal(pp_merkle_root(leaves, n, r1), PP_OK);
		pp_merkle_frontier_root(&f, r2);
		if (memcmp(r1, r2, PP_HASH_LEN) != 0)
			fail_msg("frontier root differs from pp_merkle_root at size %zu", n);
		assert_int_equal(f.n, __builtin_popcountll(n));
		/* A frontier rebuilt from its stored hashes gives the same root and
		 * keeps growing the same tree. */
		assert_int_equal(pp_merkle_frontier_set(&g, f.size, (const pp_hash *)f.h, f.n), PP_OK);
		pp_merkle_frontier_root(&g, r3);
		assert_memory_equal(r2, r3, PP_HASH_LEN);
		if (n < max) {
			assert_int_equal(pp_merkle_frontier_append(&g, leaves[n]), PP_OK);
			assert_int_equal(pp_merkle_frontier_append(&f, leaves[n]), PP_OK);
			/* Entries past n are scratch space, not compared. */
			assert_int_equal(f.size, g.size);
			assert_int_equal(f.n, g.n);
			assert_memory_equal(f.h, g.h, f.n * sizeof(pp_hash));
		}
	}
	free(leaves);
}

static void
test_frontier_set_refused(void **state)
{
	struct pp_merkle_frontier f;
	pp_hash h[PP_MERKLE_MAX_LEVELS], r;
	(void)state;

	memset(h, 0x5a, sizeof(h));
	pp_merkle_frontier_init(&f);
	assert_int_equal(pp_merkle_frontier_set(&f, 5, (const pp_hash *)h, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_frontier_set(&f, 5, (const pp_hash *)h, 3), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_frontier_set(&f, 0, (const pp_hash *)h, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_frontier_set(&f, 8, (const pp_hash *)h, 0), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_frontier_set(&f, 8, NULL, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_frontier_set(&f, 1, (const pp_hash *)h, 65), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_frontier_set(&f, 1, (const pp_hash *)h, UINT32_MAX), PP_ERR_BAD_REQUEST);
	/* Refused: the frontier is unchanged. */
	assert_int_equal(f.size, 0);
	assert_int_equal(pp_merkle_frontier_set(&f, 0, NULL, 0), PP_OK);
	pp_merkle_frontier_root(&f, r);
	assert_hash(r, ct_roots[0], "empty frontier");
	assert_int_equal(pp_merkle_frontier_set(&f, 5, (const pp_hash *)h, 2), PP_OK);
	assert_int_equal(f.size, 5);
	/* The largest tree: one more leaf would overflow the size. */
	assert_int_equal(pp_merkle_frontier_set(&f, UINT64_MAX, (const pp_hash *)h, 64), PP_OK);
	pp_merkle_frontier_root(&f, r);
	assert_int_equal(pp_merkle_frontier_append(&f, h[0]), PP_ERR_INTERNAL);
	assert_int_equal(f.size, UINT64_MAX);
	/* Just below: 63 set bits; the append fills the 64th entry. */
	assert_int_equal(pp_merkle_frontier_set(&f, UINT64_MAX - 1, (const pp_hash *)h, 63), PP_OK);
	assert_int_equal(pp_merkle_frontier_append(&f, h[0]), PP_OK);
	assert_int_equal(f.size, UINT64_MAX);
	assert_int_equal(f.n, 64);
}

/* ------------------------------------------------- exhaustive, small */

#define SMALL 70

static void
flip(pp_hash h, unsigned bit)
{
	h[bit / 8] ^= (unsigned char)(1u << (bit % 8));
}

static void
test_inclusion_all(void **state)
{
	pp_hash *leaves = random_leaves(SMALL, 7), roots[SMALL + 2];
	pp_hash proof[PP_MERKLE_MAX_PROOF + 1], bad[PP_MERKLE_MAX_PROOF + 1], leaf, root;
	uint64_t seed = 99;
	size_t plen;
	(void)state;

	for (uint64_t n = 0; n <= SMALL; n++)
		assert_int_equal(pp_merkle_root(leaves, n, roots[n]), PP_OK);
	for (uint64_t size = 1; size <= SMALL; size++) {
		for (uint64_t i = 0; i < size; i++) {
			assert_int_equal(pp_merkle_inclusion_proof(leaves, size, i, proof, &plen), PP_OK);
			assert_true(plen <= PP_MERKLE_MAX_LEVELS);
			if (pp_merkle_inclusion_verify(i, size, leaves[i], proof, plen, roots[size]) != PP_OK)
				fail_msg("inclusion (%u, %u) does not verify", (unsigned)i, (unsigned)size);
			/* One bit of the leaf, of any proof element, of the root. */
			unsigned bits[3] = { 0, 255, (unsigned)(rnd(&seed) % 256) };
			for (int b = 0; b < 3; b++) {
				memcpy(leaf, leaves[i], PP_HASH_LEN);
				flip(leaf, bits[b]);
				assert_int_equal(pp_merkle_inclusion_verify(i, size, leaf, proof, plen,
				    roots[size]), PP_ERR_FORBIDDEN);
				memcpy(root, roots[size], PP_HASH_LEN);
				flip(root, bits[b]);
				assert_int_equal(pp_merkle_inclusion_verify(i, size, leaves[i], proof, plen,
				    root), PP_ERR_FORBIDDEN);
				for (size_t k = 0; k < plen; k++) {
					memcpy(bad, proof, plen * sizeof(pp_hash));
					flip(bad[k], bits[b]);
					assert_int_equal(pp_merkle_inclusion_verify(i, size, leaves[i], bad,
					    plen, roots[size]), PP_ERR_FORBIDDEN);
				}
			}
			/* Another index in the same tree, or the same index in a tree of
			 * another size (with that tree's root). */
			for (uint64_t j = 0; j < size; j++)
				if (j != i && pp_merkle_inclusion_verify(j, size, leaves[i], proof, plen,
				    roots[size]) == PP_OK)
					fail_msg("inclusion (%u, %u) verified as index %u", (unsigned)i,
					    (unsigned)size, (unsigned)j);
			for (uint64_t s = i + 1; s <= SMALL; s++)
				if (s != size && pp_merkle_inclusion_verify(i, s, leaves[i], proof, plen,
				    roots[s]) == PP_OK)
					fail_msg("inclusion (%u, %u) verified in size %u", (unsigned)i,
					    (unsigned)size, (unsigned)s);
			/* Wrong length: impossible, not merely false. */
			memcpy(bad, proof, plen * sizeof(pp_hash));
			memcpy(bad[plen], roots[size], PP_HASH_LEN);
			assert_int_equal(pp_merkle_inclusion_verify(i, size, leaves[i], bad, plen + 1,
			    roots[size]), PP_ERR_BAD_REQUEST);
			if (plen > 0)
				assert_int_equal(pp_merkle_inclusion_verify(i, size, leaves[i], proof,
				    plen - 1, roots[size]), PP_ERR_BAD_REQUEST);
			/* Impossible index. */
			assert_int_equal(pp_merkle_inclusion_verify(size, size, leaves[i], proof, plen,
			    roots[size]), PP_ERR_BAD_REQUEST);
		}
		assert_int_equal(pp_merkle_inclusion_proof(leaves, size, size, proof, &plen),
		    PP_ERR_BAD_REQUEST);
	}
	free(leaves);
}

static void
test_consistency_all(void **state)
{
	pp_hash *leaves = random_leaves(SMALL, 8), roots[SMALL + 1];
	pp_hash proof[PP_MERKLE_MAX_PROOF + 1], bad[PP_MERKLE_MAX_PROOF + 1], r;
	uint64_t seed = 1234;
	size_t plen;
	(void)state;

	for (uint64_t n = 0; n <= SMALL; n++)
		assert_int_equal(pp_merkle_root(leaves, n, roots[n]), PP_OK);
	for (uint64_t n = 1; n <= SMALL; n++) {
		for (uint64_t m = 1; m <= n; m++) {
			assert_int_equal(pp_merkle_consistency_proof(leaves, n, m, proof, &plen), PP_OK);
			assert_true(plen <= PP_MERKLE_MAX_PROOF);
			if (m == n)
				assert_int_equal(plen, 0);
			if (pp_merkle_consistency_verify(m, n, roots[m], roots[n], proof, plen) != PP_OK)
				fail_msg("consistency (%u, %u) does not verify", (unsigned)m, (unsigned)n);
			unsigned bits[3] = { 0, 255, (unsigned)(rnd(&seed) % 256) };
			for (int b = 0; b < 3; b++) {
				memcpy(r, roots[m], PP_HASH_LEN);
				flip(r, bits[b]);
				assert_int_equal(pp_merkle_consistency_verify(m, n, r, roots[n], proof,
				    plen), PP_ERR_FORBIDDEN);
				memcpy(r, roots[n], PP_HASH_LEN);
				flip(r, bits[b]);
				assert_int_equal(pp_merkle_consistency_verify(m, n, roots[m], r, proof,
				    plen), PP_ERR_FORBIDDEN);
				for (size_t k = 0; k < plen; k++) {
					memcpy(bad, proof, plen * sizeof(pp_hash));
					flip(bad[k], bits[b]);
					assert_int_equal(pp_merkle_consistency_verify(m, n, roots[m], roots[n],
					    bad, plen), PP_ERR_FORBIDDEN);
				}
			}
			/* Other sizes, with the roots of those sizes. */
			for (uint64_t m2 = 1; m2 <= n; m2++)
				if (m2 != m && pp_merkle_consistency_verify(m2, n, roots[m2], roots[n],
				    proof, plen) == PP_OK)
					fail_msg("consistency (%u, %u) verified as (%u, %u)", (unsigned)m,
					    (unsigned)n, (unsigned)m2, (unsigned)n);
			for (uint64_t n2 = m; n2 <= SMALL; n2++)
				if (n2 != n && pp_merkle_consistency_verify(m, n2, roots[m], roots[n2],
				    proof, plen) == PP_OK)
					fail_msg("consistency (%u, %u) verified as (%u, %u)", (unsigned)m,
					    (unsigned)n, (unsigned)m, (unsigned)n2);
			/* Wrong length. */
			memcpy(bad, proof, plen * sizeof(pp_hash));
			memcpy(bad[plen], roots[m], PP_HASH_LEN);
			assert_int_equal(pp_merkle_consistency_verify(m, n, roots[m], roots[n], bad,
			    plen + 1), PP_ERR_BAD_REQUEST);
			if (plen > 0)
				assert_int_equal(pp_merkle_consistency_verify(m, n, roots[m], roots[n],
				    proof, plen - 1), PP_ERR_BAD_REQUEST);
		}
	}
	free(leaves);
}

/* -------------------------------------------------------- arguments */

static void
test_bad_arguments(void **state)
{
	pp_hash leaves[4], proof[PP_MERKLE_MAX_PROOF], root;
	size_t plen = 12345;
	(void)state;

	memset(leaves, 1, sizeof(leaves));
	memset(proof, 2, sizeof(proof));
	memset(root, 3, sizeof(root));
	/* Inclusion: index outside the tree, empty tree, NULL. */
	assert_int_equal(pp_merkle_inclusion_proof(leaves, 4, 4, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_proof(leaves, 0, 0, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_proof(NULL, 4, 0, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_proof(leaves, 4, 0, NULL, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_proof(leaves, 4, 0, proof, NULL), PP_ERR_BAD_REQUEST);
	assert_int_equal(plen, 12345);	/* OUT untouched on error */
	assert_int_equal(pp_merkle_inclusion_verify(4, 4, leaves[0], proof, 2, root), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 0, leaves[0], proof, 0, root), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(UINT64_MAX, UINT64_MAX, leaves[0], proof, 0, root),
	    PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 4, leaves[0], proof, 3, root), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 4, leaves[0], proof, 1, root), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 4, leaves[0], NULL, 2, root), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 4, NULL, proof, 2, root), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 4, leaves[0], proof, 2, NULL), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_inclusion_verify(0, 4, leaves[0], proof, SIZE_MAX, root),
	    PP_ERR_BAD_REQUEST);
	/* A size-1 tree: empty proof, root == leaf. */
	assert_int_equal(pp_merkle_inclusion_verify(0, 1, leaves[0], NULL, 0, leaves[0]), PP_OK);
	assert_int_equal(pp_merkle_inclusion_verify(0, 1, leaves[0], NULL, 0, root), PP_ERR_FORBIDDEN);
	/* Huge trees: the right length is accepted as a question and answered
	 * no (the hashes are junk), nothing overflows. */
	assert_int_equal(pp_merkle_inclusion_verify(UINT64_MAX - 1, UINT64_MAX, leaves[0], proof, 63,
	    root), PP_ERR_FORBIDDEN);
	assert_int_equal(pp_merkle_inclusion_verify((uint64_t)1 << 63, UINT64_MAX, leaves[0], proof, 64,
	    root), PP_ERR_FORBIDDEN);
	assert_int_equal(pp_merkle_inclusion_verify(0, UINT64_MAX, leaves[0], proof, 64, root),
	    PP_ERR_FORBIDDEN);

	/* Consistency: size1 > size2, size1 == 0, NULL, wrong length. */
	plen = 12345;
	assert_int_equal(pp_merkle_consistency_proof(leaves, 3, 4, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_proof(leaves, 4, 0, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_proof(leaves, 0, 0, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_proof(NULL, 4, 2, proof, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_proof(leaves, 4, 2, NULL, &plen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_proof(leaves, 4, 2, proof, NULL), PP_ERR_BAD_REQUEST);
	assert_int_equal(plen, 12345);
	assert_int_equal(pp_merkle_consistency_verify(4, 3, root, root, proof, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(0, 3, root, root, proof, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(0, 0, root, root, NULL, 0), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(2, 4, root, root, proof, 0), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(2, 4, root, root, proof, 2), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(2, 4, root, root, NULL, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(2, 4, NULL, root, proof, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(2, 4, root, NULL, proof, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(3, 3, root, root, proof, 1), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_merkle_consistency_verify(3, 3, root, root, NULL, 0), PP_OK);
	assert_int_equal(pp_merkle_consistency_verify(3, 3, root, leaves[0], NULL, 0), PP_ERR_FORBIDDEN);
	assert_int_equal(pp_merkle_consistency_verify(1, UINT64_MAX, root, root, proof, 64),
	    PP_ERR_FORBIDDEN);
	assert_int_equal(pp_merkle_consistency_verify(UINT64_MAX - 1, UINT64_MAX, root, root, proof,
	    SIZE_MAX), PP_ERR_BAD_REQUEST);
}

/* ------------------------------------------------------ larger trees */

/* Proofs in a tree of ~150,000 leaves (not a power of two) against the
 * frontier's root; also shows generation is not quadratic. */
static void
test_large_tree(void **state)
{
	const uint64_t n = (1u << 17) + 12345;
	pp_hash *leaves = random_leaves(n, 5), root, mid, proof[PP_MERKLE_MAX_PROOF];
	struct pp_merkle_frontier f;
	uint64_t seed = 77;
	size_t plen;
	(void)state;

	pp_merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(pp_merkle_frontier_append(&f, leaves[i]), PP_OK);
	pp_merkle_frontier_root(&f, root);
	for (int t = 0; t < 4; t++) {
		uint64_t i = t == 0 ? n - 1 : rnd(&seed) % n;
		assert_int_equal(pp_merkle_inclusion_proof(leaves, n, i, proof, &plen), PP_OK);
		assert_int_equal(pp_merkle_inclusion_verify(i, n, leaves[i], proof, plen, root), PP_OK);
		uint64_t m = t == 0 ? 1 : 1 + rnd(&seed) % n;
		assert_int_equal(pp_merkle_root(leaves, m, mid), PP_OK);
		assert_int_equal(pp_merkle_consistency_proof(leaves, n, m, proof, &plen), PP_OK);
		assert_int_equal(pp_merkle_consistency_verify(m, n, mid, root, proof, plen), PP_OK);
	}
	free(leaves);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_hashes),
		cmocka_unit_test(test_ct_roots),
		cmocka_unit_test(test_ct_inclusion),
		cmocka_unit_test(test_ct_consistency),
		cmocka_unit_test(test_frontier_matches_root),
		cmocka_unit_test(test_frontier_set_refused),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_large_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
