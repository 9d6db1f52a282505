/*
 * pp_canon: canonical JSON, the byte form of an audit record.
 *
 * The bytes hashed into the Merkle tree are exactly the bytes stored and
 * archived, so one value has exactly one serialization:
 *   - no insignificant whitespace;
 *   - object members sorted by key, comparing the keys' UTF-8 bytes
 *     (memcmp order, a shorter prefix first); no duplicate keys;
 *   - numbers are integers only, in [-2^63, 2^63), written in shortest
 *     decimal form (no '+', no leading zeros, "-0" is not allowed);
 *     no floats, no exponents;
 *   - strings are valid UTF-8 without NUL; escaped exactly as RFC 8785
 *     (JCS): \" \\ \b \f \n \r \t, other C0 controls as \u00xx with
 *     lower-case hex, everything else (including '/' and non-ASCII) raw;
 *   - true, false, null as literals.
 * That is RFC 8785 restricted to integers and to byte-order key sorting
 * (identical to JCS ordering for keys in the Basic Multilingual Plane).
 * One further restriction: DEL (0x7f) is refused in strings, as
 * pp_json_parse refuses it, so that every canonical record can be read
 * back by the strict parser.
 * Depth counts containers as pp_json_parse does (a flat object is 1);
 * max_depth must be in [1, 64], else PP_ERR_INTERNAL.
 */
#ifndef PP_CANON_H
#define PP_CANON_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"

/* Serializes o canonically.  OUT *out (pp_malloc'd, NUL-terminated, caller
 * pp_free) and *len.  PP_ERR_FIELD_INVALID for a double, invalid UTF-8 or
 * a NUL in a string; PP_ERR_TOO_DEEP beyond max_depth nesting.
 * Also PP_ERR_FIELD_INVALID when o is not an object (a record is one; that
 * is all pp_canon_check accepts), for an integer above INT64_MAX, DEL in a
 * string or a key held twice; PP_ERR_NOMEM.  OUT untouched on error. */
enum pp_err pp_canon_serialize(json_object *o, int max_depth, char **out, size_t *len) PP_WUR;

/* A top-level member to capture while checking (see pp_canon_check). */
struct pp_canon_field {
	const char *key;	/* IN: member name */
	int is_int;		/* IN: 1 want an integer, 0 want a string */
	int found;		/* OUT: 1 when present with the wanted type */
	int64_t i;		/* OUT: value when is_int */
	const char *s;		/* OUT: string body inside buf (still escaped) */
	size_t slen;		/* OUT */
};

/* Checks that buf[0..len) is exactly the canonical serialization of one
 * JSON object (nothing before or after), at most max_depth deep, without
 * building it.  Fills the requested top-level fields.  PP_ERR_BAD_JSON when
 * the bytes are not canonical JSON; PP_ERR_TOO_DEEP.  Fast: one pass, no
 * allocation (the verifier checks millions of records).
 * Only members of the top-level object are captured, never a same-named
 * member of a nested object.  A member present with the other type leaves
 * found at 0.  On any error every field is cleared (found = 0).
 * PP_ERR_INTERNAL for a bad max_depth, fields NULL with nfields > 0, or a
 * field without key. */
enum pp_err pp_canon_check(const char *buf, size_t len, int max_depth,
    struct pp_canon_field *fields, size_t nfields) PP_WUR;

#endif
