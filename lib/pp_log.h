/*
 * pp_log: operational logging (not the audit log, which goes through the
 * audit daemon).  Messages never contain secrets: callers pass identifiers
 * and error names, never PINs, OTPs, SADs or request bodies.
 */
#ifndef PP_LOG_H
#define PP_LOG_H

enum pp_log_level { PP_LOG_ERROR, PP_LOG_WARN, PP_LOG_INFO, PP_LOG_DEBUG, PP_LOG__MAX };
enum pp_log_dest { PP_LOG_STDERR, PP_LOG_SYSLOG, PP_LOG_DEST__MAX };

/* component: short program name copied into every line (static storage). */
void pp_log_open(const char *component, enum pp_log_level level, enum pp_log_dest dest);
void pp_log_close(void);
void pp_log(enum pp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Parses "error", "warn", "info", "debug"; -1 when unknown. */
int pp_log_level_parse(const char *s);

#define pp_err_log(...)  pp_log(PP_LOG_ERROR, __VA_ARGS__)
#define pp_warn_log(...) pp_log(PP_LOG_WARN, __VA_ARGS__)
#define pp_info_log(...) pp_log(PP_LOG_INFO, __VA_ARGS__)
#define pp_dbg_log(...)  pp_log(PP_LOG_DEBUG, __VA_ARGS__)

#endif
