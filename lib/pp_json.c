#include "config.h"
#include <stdint.h>
#include <string.h>
#include "pp_json.h"
#include "pp_util.h"

/*
 * Strict RFC 8259 validation of untrusted bytes before json-c sees them
 * (json-c, even in strict mode, accepts single quotes, NaN, "1." and raw
 * control characters in strings).  Also enforced here: nesting depth,
 * the total number of object members, no "\u0000" in a key (json-c would
 * cut the key at it), integers within int64 (json-c would clamp them; the
 * member holding one is reported so the error can name the field).
 * Recursion is bounded by max_depth (at most 64).
 */
struct pp_jv {
	const char *p;
	size_t len, pos, members, max_members;
	int depth, max_depth;
	enum pp_err err;
	const char *key;	/* last member name seen (raw, unescaped) */
	size_t keylen;
	const char *bad_key;	/* member whose value is out of range */
	size_t bad_keylen;
};

static int
pp_jv_fail(struct pp_jv *v, enum pp_err e)
{
	if (v->err == PP_OK)
		v->err = e;
	return -1;
}

static void
pp_jv_ws(struct pp_jv *v)
{
	while (v->pos < v->len && strchr(" \t\r\n", v->p[v->pos]) && v->p[v->pos])
		v->pos++;
}

static int
pp_jv_lit(struct pp_jv *v, const char *lit)
{
	size_t n = strlen(lit);

	if (v->len - v->pos < n || memcmp(v->p + v->pos, lit, n) != 0)
		return pp_jv_fail(v, PP_ERR_BAD_JSON);
	v->pos += n;
	return 0;
}

static int
pp_jv_hex4(struct pp_jv *v, unsigned *out)
{
	unsigned u = 0;

	if (v->len - v->pos < 4)
		return pp_jv_fail(v, PP_ERR_BAD_JSON);
	for (int k = 0; k < 4; k++) {
		char c = v->p[v->pos++];
		u <<= 4;
		if (c >= '0' && c <= '9')
			u |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			u |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			u |= (unsigned)(c - 'A' + 10);
		else
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
	}
	*out = u;
	return 0;
}

static int
pp_jv_string(struct pp_jv *v, int is_key)
{
	v->pos++;	/* opening quote */
	while (v->pos < v->len) {
		unsigned char c = (unsigned char)v->p[v->pos++];
		if (c == '"')
			return 0;
		if (c < 0x20)
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
		if (c != '\\')
			continue;
		if (v->pos >= v->len)
			break;
		c = (unsigned char)v->p[v->pos++];
		if (c == 'u') {
			unsigned u, lo;
			if (pp_jv_hex4(v, &u) < 0)
				return -1;
			if (u == 0 && is_key)
				return pp_jv_fail(v, PP_ERR_FIELD_UNKNOWN);
			if (u >= 0xdc00 && u <= 0xdfff)
				return pp_jv_fail(v, PP_ERR_BAD_JSON);
			if (u >= 0xd800 && u <= 0xdbff) {
				/* A high surrogate must be followed by a low one. */
				if (v->len - v->pos < 6 || v->p[v->pos] != '\\' || v->p[v->pos + 1] != 'u')
					return pp_jv_fail(v, PP_ERR_BAD_JSON);
				v->pos += 2;
				if (pp_jv_hex4(v, &lo) < 0)
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return pp_jv_fail(v, PP_ERR_BAD_JSON);
			}
		} else if (!strchr("\"\\/bfnrt", c) || c == 0)
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
	}
	return pp_jv_fail(v, PP_ERR_BAD_JSON);
}

static int
pp_jv_number(struct pp_jv *v)
{
	size_t start = v->pos;
	int integral = 1;
	int64_t dummy;

	if (v->p[v->pos] == '-')
		v->pos++;
	if (v->pos >= v->len)
		return pp_jv_fail(v, PP_ERR_BAD_JSON);
	if (v->p[v->pos] == '0')
		v->pos++;
	else if (v->p[v->pos] >= '1' && v->p[v->pos] <= '9')
		while (v->pos < v->len && v->p[v->pos] >= '0' && v->p[v->pos] <= '9')
			v->pos++;
	else
		return pp_jv_fail(v, PP_ERR_BAD_JSON);
	if (v->pos < v->len && v->p[v->pos] == '.') {
		integral = 0;
		v->pos++;
		if (v->pos >= v->len || v->p[v->pos] < '0' || v->p[v->pos] > '9')
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
		while (v->pos < v->len && v->p[v->pos] >= '0' && v->p[v->pos] <= '9')
			v->pos++;
	}
	if (v->pos < v->len && (v->p[v->pos] == 'e' || v->p[v->pos] == 'E')) {
		integral = 0;
		v->pos++;
		if (v->pos < v->len && (v->p[v->pos] == '+' || v->p[v->pos] == '-'))
			v->pos++;
		if (v->pos >= v->len || v->p[v->pos] < '0' || v->p[v->pos] > '9')
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
		while (v->pos < v->len && v->p[v->pos] >= '0' && v->p[v->pos] <= '9')
			v->pos++;
	}
	if (integral && pp_strtonum(v->p + start, v->pos - start, INT64_MIN, INT64_MAX, &dummy) != PP_OK) {
		v->bad_key = v->key;
		v->bad_keylen = v->keylen;
		return pp_jv_fail(v, PP_ERR_FIELD_INVALID);
	}
	return 0;
}

static int pp_jv_value(struct pp_jv *v);

static int
pp_jv_container(struct pp_jv *v, char close)
{
	int first = 1;

	if (++v->depth > v->max_depth)
		return pp_jv_fail(v, PP_ERR_TOO_DEEP);
	v->pos++;	/* opening bracket */
	for (;;) {
		pp_jv_ws(v);
		if (v->pos >= v->len)
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
		if (v->p[v->pos] == close && first) {
			v->pos++;
			break;
		}
		if (close == '}') {
			size_t kstart = v->pos + 1;
			if (v->p[v->pos] != '"' || pp_jv_string(v, 1) < 0)
				return pp_jv_fail(v, PP_ERR_BAD_JSON);
			v->key = v->p + kstart;
			v->keylen = v->pos - kstart - 1;
			if (++v->members > v->max_members)
				return pp_jv_fail(v, PP_ERR_TOO_MANY_FIELDS);
			pp_jv_ws(v);
			if (v->pos >= v->len || v->p[v->pos] != ':')
				return pp_jv_fail(v, PP_ERR_BAD_JSON);
			v->pos++;
		}
		if (pp_jv_value(v) < 0)
			return -1;
		pp_jv_ws(v);
		if (v->pos >= v->len)
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
		if (v->p[v->pos] == ',') {
			v->pos++;
			first = 0;
			continue;
		}
		if (v->p[v->pos] != close)
			return pp_jv_fail(v, PP_ERR_BAD_JSON);
		v->pos++;
		break;
	}
	v->depth--;
	return 0;
}

static int
pp_jv_value(struct pp_jv *v)
{
	pp_jv_ws(v);
	if (v->pos >= v->len)
		return pp_jv_fail(v, PP_ERR_BAD_JSON);
	switch (v->p[v->pos]) {
	case '{':
		return pp_jv_container(v, '}');
	case '[':
		return pp_jv_container(v, ']');
	case '"':
		return pp_jv_string(v, 0);
	case 't':
		return pp_jv_lit(v, "true");
	case 'f':
		return pp_jv_lit(v, "false");
	case 'n':
		return pp_jv_lit(v, "null");
	default:
		return pp_jv_number(v);
	}
}

/* Validates buf[0..len): exactly one JSON value, then only whitespace.
 * OUT *members: object members in total; field: the member name (raw,
 * printable ASCII only, else "?") of an out-of-range integer. */
static enum pp_err
pp_json_validate(const char *buf, size_t len, int max_depth, size_t max_members, size_t *members,
    char *field, size_t fieldlen)
{
	struct pp_jv v = { buf, len, 0, 0, max_members, 0, max_depth, PP_OK, NULL, 0, NULL, 0 };

	if (pp_jv_value(&v) < 0) {
		if (field && fieldlen && v.bad_key) {
			size_t n = v.bad_keylen < fieldlen - 1 ? v.bad_keylen : fieldlen - 1;
			for (size_t i = 0; i < n; i++)
				field[i] = v.bad_key[i] > 0x20 && v.bad_key[i] < 0x7f ? v.bad_key[i] : '?';
			field[n] = '\0';
		}
		return v.err != PP_OK ? v.err : PP_ERR_BAD_JSON;
	}
	pp_jv_ws(&v);
	if (v.pos != len)
		return PP_ERR_TRAILING_DATA;
	*members = v.members;
	return PP_OK;
}

/* Members in the parsed tree; fewer than the scan found means json-c merged
 * duplicate keys (it keeps the last one silently). */
static size_t
pp_json_count(json_object *o)
{
	size_t n = 0;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			n += 1 + pp_json_count(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		size_t len = json_object_array_length(o);
		for (size_t i = 0; i < len; i++)
			n += pp_json_count(json_object_array_get_idx(o, i));
	}
	return n;
}

enum pp_err
pp_json_parse(const char *buf, size_t len, int max_depth, size_t max_members, json_object **obj)
{
	return pp_json_parse_ex(buf, len, max_depth, max_members, obj, NULL, 0);
}

enum pp_err
pp_json_parse_ex(const char *buf, size_t len, int max_depth, size_t max_members, json_object **obj,
    char *field, size_t fieldlen)
{
	struct json_tokener *tok;
	json_object *o;
	size_t members = 0;
	enum pp_err rc;

	if (len == 0 || len > INT32_MAX)
		return PP_ERR_BAD_JSON;
	if (!pp_utf8_valid(buf, len, 1))
		return PP_ERR_BAD_JSON;
	if (max_depth < 1 || max_depth > 64)
		return PP_ERR_INTERNAL;
	if (field && fieldlen)
		field[0] = '\0';
	if ((rc = pp_json_validate(buf, len, max_depth, max_members, &members, field, fieldlen)) != PP_OK)
		return rc;
	tok = json_tokener_new_ex(max_depth + 1);
	if (tok == NULL)
		return PP_ERR_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		rc = json_tokener_get_error(tok) == json_tokener_error_depth ? PP_ERR_TOO_DEEP : PP_ERR_BAD_JSON;
		json_object_put(o);
		json_tokener_free(tok);
		return rc;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return PP_ERR_BAD_JSON;
	}
	if (pp_json_count(o) != members) {
		json_object_put(o);
		return PP_ERR_FIELD_DUPLICATE;
	}
	*obj = o;
	return PP_OK;
}

const char *
pp_json_str(json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

static enum pp_err
pp_json_add(json_object *obj, const char *key, json_object *v)
{
	if (v == NULL)
		return PP_ERR_NOMEM;
	if (json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return PP_ERR_NOMEM;
	}
	return PP_OK;
}

enum pp_err
pp_json_add_str(json_object *obj, const char *key, const char *val)
{
	return pp_json_add(obj, key, json_object_new_string(val));
}

enum pp_err
pp_json_add_int(json_object *obj, const char *key, int64_t val)
{
	return pp_json_add(obj, key, json_object_new_int64(val));
}

enum pp_err
pp_json_add_bool(json_object *obj, const char *key, int val)
{
	return pp_json_add(obj, key, json_object_new_boolean(val != 0));
}

const char *
pp_json_get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
