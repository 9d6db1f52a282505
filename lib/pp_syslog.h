/*
 * pp_syslog: forwarding audit records to a syslog collector (RFC 5424).
 *
 * Target, from the configuration (audit.syslog_target):
 *   unix:/path          datagram socket (e.g. /dev/log of the local daemon)
 *   udp:host:port       RFC 5426
 *   tcp:host:port       RFC 6587 octet counting ("LEN SP MSG")
 * Message: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - BOM MSG
 * with facility authpriv (10), TIMESTAMP the record's UTC time with
 * microseconds, MSGID the record's event type, MSG the canonical JSON
 * record (UTF-8, preceded by the BOM as RFC 5424 6.4 asks).
 *
 * pp_syslog_send reports failure (never drops silently): the caller keeps
 * its cursor and retries.  A failed stream connection is reopened on the
 * next send.  UDP cannot report a lost datagram (only a local error or an
 * ICMP refusal): prefer tcp: or a local unix: relay for the audit log.
 */
#ifndef PP_SYSLOG_H
#define PP_SYSLOG_H

#include <stddef.h>
#include "pp_err.h"

#define PP_SYSLOG_MAX 16384	/* largest formatted message */

enum pp_syslog_sev {
	PP_SYSLOG_EMERG, PP_SYSLOG_ALERT, PP_SYSLOG_CRIT, PP_SYSLOG_ERR,
	PP_SYSLOG_WARNING, PP_SYSLOG_NOTICE, PP_SYSLOG_INFO, PP_SYSLOG_DEBUG, PP_SYSLOG__MAX
};

struct pp_syslog;

/* Parses target (PP_ERR_CONFIG when malformed); does not connect yet.
 * hostname, app: RFC 5424 HOSTNAME and APP-NAME (printable ASCII, no
 * space; NILVALUE "-" when empty).  OUT *out owned by caller. */
enum pp_err pp_syslog_open(const char *target, const char *hostname, const char *app,
    struct pp_syslog **out) PP_WUR;
void pp_syslog_close(struct pp_syslog *s);

/* Formats one RFC 5424 message.  time: "YYYY-MM-DDTHH:MM:SS.ffffffZ";
 * msgid: printable ASCII without space, at most 32 bytes.  OUT
 * buf[0..*len) (not NUL-terminated). */
enum pp_err pp_syslog_format(enum pp_syslog_sev sev, const char *time, const char *hostname,
    const char *app, long procid, const char *msgid, const char *msg, size_t msglen,
    char *buf, size_t buflen, size_t *len) PP_WUR;

/* Formats and delivers one message within timeout_ms.  PP_ERR_UNAVAILABLE
 * when the collector cannot be reached or the write fails. */
enum pp_err pp_syslog_send(struct pp_syslog *s, enum pp_syslog_sev sev, const char *time,
    const char *msgid, const char *msg, size_t msglen, int timeout_ms) PP_WUR;

#endif
