/*
 * pp_conf: the one configuration file of the whole service.
 *
 * Format (documented in docs/OPERATIONS.md, example in etc/paraphe.conf.example):
 *   # comment            ; comment
 *   [section]
 *   key = value          (value runs to end of line, surrounding blanks trimmed)
 * Every section and key must be in the schema (pp_conf.c); unknown ones,
 * duplicates, values of the wrong type and missing required keys are refused
 * at load time with the line number, so a typo never silently weakens the
 * service.  After a successful load the getters cannot fail.
 */
#ifndef PP_CONF_H
#define PP_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

struct pp_conf;

enum pp_conf_type { PP_CONF_STRING, PP_CONF_PATH, PP_CONF_INT, PP_CONF_BOOL, PP_CONF__MAX };

struct pp_conf_key {
	const char *section;
	const char *key;
	enum pp_conf_type type;
	const char *def;	/* default value; NULL = required */
	int64_t min, max;	/* PP_CONF_INT bounds */
	const char *doc;	/* one-line description */
};

/* Loads and validates path.  OUT *conf owned by caller (pp_conf_free).
 * On error, err (if not NULL) holds a one-line reason with the line number. */
enum pp_err pp_conf_load(const char *path, struct pp_conf **conf, char *err, size_t errlen) PP_WUR;
/* Same from memory (text need not be NUL-terminated). */
enum pp_err pp_conf_parse(const char *text, size_t len, struct pp_conf **conf,
    char *err, size_t errlen) PP_WUR;
void pp_conf_free(struct pp_conf *conf);

/* Value or schema default; "" for an optional key left empty.  A key not in
 * the schema is a programming error: logged, returns "" / 0. */
const char *pp_conf_str(const struct pp_conf *conf, const char *section, const char *key);
int64_t pp_conf_int(const struct pp_conf *conf, const char *section, const char *key);
int pp_conf_bool(const struct pp_conf *conf, const char *section, const char *key);

/* The schema, for documentation and the paraphe-config tool. */
const struct pp_conf_key *pp_conf_schema(size_t *n);

#endif
