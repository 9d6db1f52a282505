#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pp_canon.h"
#include "pp_mem.h"
#include "pp_util.h"

/*
 * One rule set, two directions: pp_canon_serialize writes exactly the
 * bytes pp_canon_check accepts, and pp_canon_check accepts nothing else.
 * Both are bounded by max_depth, at most 64 as for pp_json_parse, so that
 * what one accepts the other can read (the fuzz target checks it).
 *
 * A string's text is valid UTF-8 without NUL and without DEL (0x7f).  JCS
 * would write DEL raw; it is refused instead because the strict reader of
 * the project (pp_json_parse, through pp_utf8_valid) refuses it, and a
 * record that could be written but not read back would be worse.  The
 * runs of bytes between escapes are checked one by one with
 * pp_utf8_valid(run, runlen, 0) (which also refuses DEL and raw controls):
 * runs are cut only at ASCII bytes, never inside a multi-byte sequence,
 * so checking them one by one is checking the whole string.
 */
#define PP_CANON_MAX_DEPTH 64

/* ------------------------------------------------------ serialization */

struct pp_cbuf {
	char *p;		/* pp_malloc'd, owned until handed to the caller */
	size_t len, cap;	/* cap > len once anything was written: room for the NUL */
	enum pp_err err;	/* first error; later writes are no-ops */
};

static void
pp_cbuf_fail(struct pp_cbuf *b, enum pp_err e)
{
	if (b->err == PP_OK)
		b->err = e;
}

static void
pp_cbuf_put(struct pp_cbuf *b, const char *s, size_t n)
{
	if (b->err != PP_OK)
		return;
	if (b->cap - b->len <= n) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;
		while (cap - b->len <= n) {
			if (cap > SIZE_MAX / 2) {
				pp_cbuf_fail(b, PP_ERR_NOMEM);
				return;
			}
			cap *= 2;
		}
		if ((p = pp_realloc(b->p, cap)) == NULL) {
			pp_cbuf_fail(b, PP_ERR_NOMEM);
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* JCS string escaping (RFC 8785 3.2.2.2). */
static void
pp_canon_put_string(struct pp_cbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	pp_cbuf_put(b, "\"", 1);
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : 0;
		char esc[6];
		size_t elen = 2;

		if (i < len && c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (!pp_utf8_valid(s + run, i - run, 0)) {
			pp_cbuf_fail(b, PP_ERR_FIELD_INVALID);
			return;
		}
		pp_cbuf_put(b, s + run, i - run);
		if (i == len)
			break;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\0':
			pp_cbuf_fail(b, PP_ERR_FIELD_INVALID);
			return;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		pp_cbuf_put(b, esc, elen);
	}
	pp_cbuf_put(b, "\"", 1);
}

struct pp_canon_member {
	const char *key;
	json_object *val;
};

/* strcmp compares as unsigned char (C11 7.24.4): UTF-8 byte order, a
 * shorter prefix first. */
static int
pp_canon_member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pp_canon_member *)a)->key,
	    ((const struct pp_canon_member *)b)->key);
}

static void pp_canon_put_value(struct pp_cbuf *b, json_object *o, int depth, int max_depth);

static void
pp_canon_put_object(struct pp_cbuf *b, json_object *o, int depth, int max_depth)
{
	struct pp_canon_member *m = NULL;
	size_t n = 0, cap = (size_t)json_object_object_length(o);

	if (cap > 0 && (m = pp_malloc(cap * sizeof(*m))) == NULL) {
		pp_cbuf_fail(b, PP_ERR_NOMEM);
		return;
	}
	json_object_object_foreach(o, k, v) {
		if (n == cap) {		/* more members than it said: an invariant */
			pp_cbuf_fail(b, PP_ERR_INTERNAL);
			break;
		}
		m[n].key = k;
		m[n].val = v;
		n++;
	}
	if (b->err != PP_OK) {
		pp_free(m);
		return;
	}
	if (n > 1)
		qsort(m, n, sizeof(*m), pp_canon_member_cmp);
	pp_cbuf_put(b, "{", 1);
	for (size_t i = 0; i < n && b->err == PP_OK; i++) {
		/* json-c can hold a key twice (JSON_C_OBJECT_ADD_KEY_IS_NEW). */
		if (i > 0 && strcmp(m[i - 1].key, m[i].key) == 0) {
			pp_cbuf_fail(b, PP_ERR_FIELD_INVALID);
			break;
		}
		if (i > 0)
			pp_cbuf_put(b, ",", 1);
		pp_canon_put_string(b, m[i].key, strlen(m[i].key));
		pp_cbuf_put(b, ":", 1);
		pp_canon_put_value(b, m[i].val, depth, max_depth);
	}
	pp_cbuf_put(b, "}", 1);
	pp_free(m);
}

/* depth: containers already open around o.  Recursion is bounded by
 * max_depth (<= PP_CANON_MAX_DEPTH), which also stops a cyclic object. */
static void
pp_canon_put_value(struct pp_cbuf *b, json_object *o, int depth, int max_depth)
{
	char num[24];
	int64_t v;
	int n;

	if (b->err != PP_OK)
		return;
	switch (json_object_get_type(o)) {
	case json_type_null:
		pp_cbuf_put(b, "null", 4);
		break;
	case json_type_boolean:
		if (json_object_get_boolean(o))
			pp_cbuf_put(b, "true", 4);
		else
			pp_cbuf_put(b, "false", 5);
		break;
	case json_type_int:
		/* json-c keeps integers above INT64_MAX as uint64 and clamps them
		 * to INT64_MAX when read as int64: those are out of range. */
		v = json_object_get_int64(o);
		if (v == INT64_MAX && json_object_get_uint64(o) != (uint64_t)INT64_MAX) {
			pp_cbuf_fail(b, PP_ERR_FIELD_INVALID);
			break;
		}
		n = snprintf(num, sizeof(num), "%" PRId64, v);
		pp_cbuf_put(b, num, (size_t)n);
		break;
	case json_type_string:
		pp_canon_put_string(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
		break;
	case json_type_array:
		if (depth + 1 > max_depth) {
			pp_cbuf_fail(b, PP_ERR_TOO_DEEP);
			break;
		}
		pp_cbuf_put(b, "[", 1);
		for (size_t i = 0, len = json_object_array_length(o); i < len && b->err == PP_OK; i++) {
			if (i > 0)
				pp_cbuf_put(b, ",", 1);
			pp_canon_put_value(b, json_object_array_get_idx(o, i), depth + 1, max_depth);
		}
		pp_cbuf_put(b, "]", 1);
		break;
	case json_type_object:
		if (depth + 1 > max_depth) {
			pp_cbuf_fail(b, PP_ERR_TOO_DEEP);
			break;
		}
		pp_canon_put_object(b, o, depth + 1, max_depth);
		break;
	case json_type_double:
	default:
		pp_cbuf_fail(b, PP_ERR_FIELD_INVALID);
		break;
	}
}

enum pp_err
pp_canon_serialize(json_object *o, int max_depth, char **out, size_t *len)
{
	struct pp_cbuf b = { NULL, 0, 0, PP_OK };

	if (max_depth < 1 || max_depth > PP_CANON_MAX_DEPTH || out == NULL || len == NULL)
		return PP_ERR_INTERNAL;
	/* A record is an object; pp_canon_check accepts nothing else. */
	if (!json_object_is_type(o, json_type_object))
		return PP_ERR_FIELD_INVALID;
	pp_canon_put_value(&b, o, 0, max_depth);
	if (b.err != PP_OK)
		goto fail;
	b.p[b.len] = '\0';
	*out = b.p;
	*len = b.len;
	return PP_OK;
fail:
	pp_free(b.p);
	return b.err;
}

/* ------------------------------------------------------------- checking */

struct pp_cc {
	const unsigned char *p;
	size_t len, pos;
	int depth, max_depth;
	enum pp_err err;
	int64_t last_int;		/* value of the last number read */
	struct pp_canon_field *fields;	/* borrowed from the caller */
	size_t nfields;
};

static int
pp_cc_fail(struct pp_cc *c, enum pp_err e)
{
	if (c->err == PP_OK)
		c->err = e;
	return -1;
}

/* Lower-case hex digit only: "\u001F" is not canonical. */
static int
pp_cc_hex(unsigned char x)
{
	if (x >= '0' && x <= '9')
		return x - '0';
	if (x >= 'a' && x <= 'f')
		return x - 'a' + 10;
	return -1;
}

/*
 * A string at c->pos (on its opening quote), exactly as
 * pp_canon_put_string writes it.  OUT [*start, *end): the body between
 * the quotes, still escaped.
 */
static int
pp_cc_string(struct pp_cc *c, size_t *start, size_t *end)
{
	const unsigned char *p = c->p;
	size_t i = c->pos + 1, run = i;

	*start = i;
	for (;;) {
		unsigned char ch;
		if (i >= c->len)
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		ch = p[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\') {
			i++;
			continue;
		}
		if (!pp_utf8_valid((const char *)p + run, i - run, 0))
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		if (ch == '"')
			break;
		if (ch != '\\' || c->len - i < 2)	/* raw control character */
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		switch (p[i + 1]) {
		case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
			i += 2;
			break;
		case 'u': {
			int lo;
			if (c->len - i < 6 || p[i + 2] != '0' || p[i + 3] != '0' ||
			    (p[i + 4] != '0' && p[i + 4] != '1') || (lo = pp_cc_hex(p[i + 5])) < 0)
				return pp_cc_fail(c, PP_ERR_BAD_JSON);
			/* Only the controls without a short escape; never NUL. */
			unsigned v = (unsigned)(p[i + 4] - '0') * 16 + (unsigned)lo;
			if (v == 0 || v == '\b' || v == '\t' || v == '\n' || v == '\f' || v == '\r')
				return pp_cc_fail(c, PP_ERR_BAD_JSON);
			i += 6;
			break;
		}
		default:
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		}
		run = i;
	}
	*end = i;
	c->pos = i + 1;
	return 0;
}

/* Next unescaped byte of a checked string body s[*i..end), -1 at its end. */
static int
pp_cc_next(const unsigned char *s, size_t end, size_t *i)
{
	unsigned char ch;

	if (*i >= end)
		return -1;
	ch = s[(*i)++];
	if (ch != '\\')
		return ch;
	ch = s[(*i)++];
	switch (ch) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u':
		*i += 4;
		return (s[*i - 2] - '0') * 16 + pp_cc_hex(s[*i - 1]);
	default:
		return ch;	/* '"' or '\\' */
	}
}

/* memcmp order of the unescaped keys, a shorter prefix first. */
static int
pp_cc_keycmp(const unsigned char *p, size_t as, size_t ae, size_t bs, size_t be)
{
	for (;;) {
		int x = pp_cc_next(p, ae, &as), y = pp_cc_next(p, be, &bs);
		if (x != y)
			return x < y ? -1 : 1;
		if (x < 0)
			return 0;
	}
}

/* 1 when the checked key body p[s..e) unescapes to the C string want. */
static int
pp_cc_keyeq(const unsigned char *p, size_t s, size_t e, const char *want)
{
	const unsigned char *w = (const unsigned char *)want;

	for (;; w++) {
		int x = pp_cc_next(p, e, &s);
		if (x < 0)
			return *w == '\0';
		if (*w == '\0' || x != *w)
			return 0;
	}
}

static void
pp_cc_capture(struct pp_cc *c, size_t ks, size_t ke, size_t vstart)
{
	unsigned char first = c->p[vstart];

	for (size_t f = 0; f < c->nfields; f++) {
		struct pp_canon_field *fl = &c->fields[f];
		if (!pp_cc_keyeq(c->p, ks, ke, fl->key))
			continue;
		if (fl->is_int && (first == '-' || (first >= '0' && first <= '9'))) {
			fl->found = 1;
			fl->i = c->last_int;
		} else if (!fl->is_int && first == '"') {
			fl->found = 1;
			fl->s = (const char *)c->p + vstart + 1;
			fl->slen = c->pos - vstart - 2;
		}
	}
}

static int
pp_cc_number(struct pp_cc *c)
{
	size_t start = c->pos;

	if (c->p[c->pos] == '-')
		c->pos++;
	while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9')
		c->pos++;
	/* pp_strtonum refuses leading zeros, "-0", "-" and out-of-range
	 * values; a fraction or an exponent stops the digits and is then
	 * refused by the container as a stray byte. */
	if (pp_strtonum((const char *)c->p + start, c->pos - start, INT64_MIN, INT64_MAX,
	    &c->last_int) != PP_OK)
		return pp_cc_fail(c, PP_ERR_BAD_JSON);
	return 0;
}

static int
pp_cc_lit(struct pp_cc *c, const char *lit, size_t n)
{
	if (c->len - c->pos < n || memcmp(c->p + c->pos, lit, n) != 0)
		return pp_cc_fail(c, PP_ERR_BAD_JSON);
	c->pos += n;
	return 0;
}

static int pp_cc_value(struct pp_cc *c);

static int
pp_cc_array(struct pp_cc *c)
{
	if (++c->depth > c->max_depth)
		return pp_cc_fail(c, PP_ERR_TOO_DEEP);
	c->pos++;
	if (c->pos < c->len && c->p[c->pos] == ']') {
		c->pos++;
		c->depth--;
		return 0;
	}
	for (;;) {
		if (pp_cc_value(c) < 0)
			return -1;
		if (c->pos >= c->len)
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		if (c->p[c->pos] == ']')
			break;
		if (c->p[c->pos] != ',')
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		c->pos++;
	}
	c->pos++;
	c->depth--;
	return 0;
}

/* Members strictly increasing by unescaped key: sorted, no duplicates. */
static int
pp_cc_object(struct pp_cc *c)
{
	size_t ps = 0, pe = 0, ks, ke, vstart;
	int first = 1;

	if (++c->depth > c->max_depth)
		return pp_cc_fail(c, PP_ERR_TOO_DEEP);
	c->pos++;
	if (c->pos < c->len && c->p[c->pos] == '}') {
		c->pos++;
		c->depth--;
		return 0;
	}
	for (;;) {
		if (c->pos >= c->len || c->p[c->pos] != '"' || pp_cc_string(c, &ks, &ke) < 0)
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		if (!first && pp_cc_keycmp(c->p, ps, pe, ks, ke) >= 0)
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		first = 0;
		ps = ks;
		pe = ke;
		if (c->pos >= c->len || c->p[c->pos] != ':')
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		vstart = ++c->pos;
		if (pp_cc_value(c) < 0)
			return -1;
		/* Back at depth 1 after the value: a member of the record itself,
		 * never one of a nested object. */
		if (c->depth == 1 && c->nfields > 0)
			pp_cc_capture(c, ks, ke, vstart);
		if (c->pos >= c->len)
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		if (c->p[c->pos] == '}')
			break;
		if (c->p[c->pos] != ',')
			return pp_cc_fail(c, PP_ERR_BAD_JSON);
		c->pos++;
	}
	c->pos++;
	c->depth--;
	return 0;
}

/* Recursion is bounded by max_depth (<= PP_CANON_MAX_DEPTH). */
static int
pp_cc_value(struct pp_cc *c)
{
	size_t s, e;

	if (c->pos >= c->len)
		return pp_cc_fail(c, PP_ERR_BAD_JSON);
	switch (c->p[c->pos]) {
	case '{':
		return pp_cc_object(c);
	case '[':
		return pp_cc_array(c);
	case '"':
		return pp_cc_string(c, &s, &e);
	case 't':
		return pp_cc_lit(c, "true", 4);
	case 'f':
		return pp_cc_lit(c, "false", 5);
	case 'n':
		return pp_cc_lit(c, "null", 4);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return pp_cc_number(c);
	default:
		return pp_cc_fail(c, PP_ERR_BAD_JSON);
	}
}

static void
pp_cc_clear(struct pp_canon_field *fields, size_t nfields)
{
	for (size_t f = 0; f < nfields; f++) {
		fields[f].found = 0;
		fields[f].i = 0;
		fields[f].s = NULL;
		fields[f].slen = 0;
	}
}

enum pp_err
pp_canon_check(const char *buf, size_t len, int max_depth, struct pp_canon_field *fields,
    size_t nfields)
{
	struct pp_cc c = { (const unsigned char *)buf, len, 0, 0, max_depth, PP_OK, 0, fields, nfields };

	if (max_depth < 1 || max_depth > PP_CANON_MAX_DEPTH || (nfields > 0 && fields == NULL))
		return PP_ERR_INTERNAL;
	for (size_t f = 0; f < nfields; f++)
		if (fields[f].key == NULL)
			return PP_ERR_INTERNAL;
	pp_cc_clear(fields, nfields);
	if (buf == NULL || len == 0 || buf[0] != '{') {
		c.err = PP_ERR_BAD_JSON;
		goto fail;
	}
	if (pp_cc_object(&c) < 0)
		goto fail;
	if (c.pos != len) {
		c.err = PP_ERR_BAD_JSON;
		goto fail;
	}
	return PP_OK;
fail:
	/* Nothing half-captured survives a refusal. */
	pp_cc_clear(fields, nfields);
	return c.err != PP_OK ? c.err : PP_ERR_BAD_JSON;
}
