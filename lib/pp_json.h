/*
 * pp_json: JSON in and out, with the limits applied before json-c sees the
 * bytes.  A request body must be exactly one JSON object: valid UTF-8, at
 * most max_depth levels of nesting, at most max_members object members in
 * total, no duplicate keys at any level, nothing but whitespace after it.
 */
#ifndef PP_JSON_H
#define PP_JSON_H

#include <stddef.h>
#include <json-c/json.h>
#include "pp_err.h"

/* OUT *obj: new reference owned by the caller (json_object_put). */
enum pp_err pp_json_parse(const char *buf, size_t len, int max_depth, size_t max_members,
    json_object **obj) PP_WUR;
/* Same; on an integer outside int64, field (fieldlen bytes) receives the
 * name of the member holding it, for the error message. */
enum pp_err pp_json_parse_ex(const char *buf, size_t len, int max_depth, size_t max_members,
    json_object **obj, char *field, size_t fieldlen) PP_WUR;
/* Compact serialization, '/' not escaped.  Pointer valid while obj lives. */
const char *pp_json_str(json_object *obj, size_t *len);
/* Adds key = string / int / bool; PP_ERR_NOMEM on failure. */
enum pp_err pp_json_add_str(json_object *obj, const char *key, const char *val) PP_WUR;
enum pp_err pp_json_add_int(json_object *obj, const char *key, int64_t val) PP_WUR;
enum pp_err pp_json_add_bool(json_object *obj, const char *key, int val) PP_WUR;
/* String member of obj, or NULL when absent or not a string. */
const char *pp_json_get_str(json_object *obj, const char *key);

#endif
