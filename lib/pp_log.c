#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "pp_log.h"

static const char *pp_log_component = "paraphe";
static enum pp_log_level pp_log_max = PP_LOG_INFO;
static enum pp_log_dest pp_log_dest = PP_LOG_STDERR;

static const char *const pp_log_names[PP_LOG__MAX] = {"error", "warn", "info", "debug"};
static const int pp_log_prio[PP_LOG__MAX] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

void
pp_log_open(const char *component, enum pp_log_level level, enum pp_log_dest dest)
{
	pp_log_component = component;
	pp_log_max = level;
	pp_log_dest = dest;
	if (dest == PP_LOG_SYSLOG)
		openlog(component, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
pp_log_close(void)
{
	if (pp_log_dest == PP_LOG_SYSLOG)
		closelog();
}

int
pp_log_level_parse(const char *s)
{
	for (int i = 0; i < PP_LOG__MAX; i++)
		if (strcmp(s, pp_log_names[i]) == 0)
			return i;
	return -1;
}

void
pp_log(enum pp_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if ((unsigned)level >= PP_LOG__MAX || level > pp_log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line per message: control characters from any source are
	 * replaced so that a log line can never be forged or split. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (pp_log_dest == PP_LOG_SYSLOG) {
		syslog(pp_log_prio[level], "%s", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%ld] %s: %s\n", when, ts.tv_nsec / 1000000L,
	    pp_log_component, (long)getpid(), pp_log_names[level], msg);
}
