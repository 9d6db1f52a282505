#include "config.h"
#include <string.h>
#include "pp_json.h"
#include "pp_util.h"

/*
 * Structural pre-scan of untrusted JSON: nesting depth, the number of
 * object members (one per ':' outside strings) and where the top-level
 * object or array ends (*end; len when it never closes).  It does not
 * validate the grammar; json-c does that afterwards, in strict mode.
 */
static enum pp_err
pp_json_scan(const char *buf, size_t len, int max_depth, size_t max_members, size_t *members,
    size_t *end)
{
	int depth = 0, in_str = 0;
	size_t n = 0;

	*end = len;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_str = 1;
			break;
		case '{':
		case '[':
			if (++depth > max_depth)
				return PP_ERR_TOO_DEEP;
			break;
		case '}':
		case ']':
			if (--depth == 0) {
				*end = i + 1;
				*members = n;
				return PP_OK;
			}
			break;
		case ':':
			if (++n > max_members)
				return PP_ERR_TOO_MANY_FIELDS;
			break;
		default:
			break;
		}
	}
	*members = n;
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
	struct json_tokener *tok;
	json_object *o;
	size_t members = 0, end;
	enum pp_err rc;

	if (len == 0 || len > INT32_MAX)
		return PP_ERR_BAD_JSON;
	if (!pp_utf8_valid(buf, len, 1))
		return PP_ERR_BAD_JSON;
	if ((rc = pp_json_scan(buf, len, max_depth, max_members, &members, &end)) != PP_OK)
		return rc;
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", buf[i]))
			return PP_ERR_TRAILING_DATA;
	tok = json_tokener_new_ex(max_depth + 1);
	if (tok == NULL)
		return PP_ERR_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)end);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		rc = json_tokener_get_error(tok) == json_tokener_error_depth ? PP_ERR_TOO_DEEP : PP_ERR_BAD_JSON;
		json_object_put(o);
		json_tokener_free(tok);
		return rc;
	}
	if (json_tokener_get_parse_end(tok) != end) {
		json_object_put(o);
		json_tokener_free(tok);
		return PP_ERR_BAD_JSON;
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
