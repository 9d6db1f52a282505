/*
 * pp_syslog: RFC 5424 messages to a collector over a unix datagram socket,
 * UDP (RFC 5426) or TCP with octet counting (RFC 6587).
 *
 * What each transport can promise:
 *   unix  a datagram is queued on the collector's socket or the send fails;
 *         a collector that went away is noticed at once.
 *   tcp   bytes are handed to the collector's kernel or the send fails; a
 *         collector that closed the connection is noticed before the next
 *         message is written.  A collector that dies after accepting bytes
 *         into its socket buffer loses them: RFC 6587 has no
 *         acknowledgement, so nothing on this side can tell.
 *   udp   loss cannot be detected.  A send only fails when the local stack
 *         refuses the datagram (or reports an ICMP error for an earlier
 *         one); a stopped collector usually goes unnoticed.  Use unix or tcp
 *         when the audit trail must not have gaps.
 *
 * Bounds: pp_syslog_send never waits past timeout_ms for connecting or
 * writing, and never raises SIGPIPE (MSG_NOSIGNAL everywhere).  The one
 * wait it cannot bound is the resolution of a host *name* by
 * getaddrinfo(); configure a numeric address for a strict bound.
 *
 * Not thread-safe: one struct pp_syslog per thread.
 */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_syslog.h"
#include "pp_util.h"

/* RFC 5424 section 6 field limits. */
#define PP_SYSLOG_HOSTNAME_MAX 255
#define PP_SYSLOG_APP_MAX 48
#define PP_SYSLOG_PROCID_MAX 128
#define PP_SYSLOG_MSGID_MAX 32
/* Longest peer host: a DNS name (RFC 1035) or an IPv6 literal. */
#define PP_SYSLOG_PEER_MAX 253
/* Room for the octet-counting prefix "LEN SP" in front of a message. */
#define PP_SYSLOG_PREFIX 8
#define PP_SYSLOG_TARGET_MAX 300
#define PP_SYSLOG_FACILITY 10	/* authpriv */

static const char pp_syslog_bom[] = "\xef\xbb\xbf";

enum pp_syslog_kind { PP_SYSLOG_UNIX, PP_SYSLOG_UDP, PP_SYSLOG_TCP };

struct pp_syslog {
	enum pp_syslog_kind kind;
	char target[PP_SYSLOG_TARGET_MAX + 1];	/* for log lines */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char host[PP_SYSLOG_PEER_MAX + 1];	/* without IPv6 brackets */
	char port[6];
	/* Validated at open; "-" when not given. */
	char hostname[PP_SYSLOG_HOSTNAME_MAX + 1];
	char app[PP_SYSLOG_APP_MAX + 1];
	int fd;		/* -1: not connected; the next send connects */
	int down;	/* an outage was logged: log the recovery, once */
	/* One formatted message, preceded by room for the TCP frame prefix. */
	char buf[PP_SYSLOG_PREFIX + PP_SYSLOG_MAX];
};

static int64_t
pp_syslog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ formatting */

/* A header field: NILVALUE for NULL or "", else 1..max PRINTUSASCII
 * (RFC 5424 section 6: %d33-126, so no space, no control, no 8-bit byte). */
static enum pp_err
pp_syslog_field(const char *s, size_t max, const char **out)
{
	size_t n;

	if (s == NULL || s[0] == '\0') {
		*out = "-";
		return PP_OK;
	}
	n = strnlen(s, max + 1);
	if (n > max)
		return PP_ERR_FIELD_TOO_LONG;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
			return PP_ERR_FIELD_INVALID;
	*out = s;
	return PP_OK;
}

static unsigned
pp_syslog_digits(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* Exactly "YYYY-MM-DDTHH:MM:SS.ffffffZ": the RFC 5424 TIMESTAMP with the
 * precision the audit records carry, UTC, a real calendar date, no leap
 * second (RFC 5424 6.2.3 forbids them). */
static int
pp_syslog_time_valid(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d;

	if (t == NULL || strnlen(t, sizeof(shape)) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
			return 0;
	y = pp_syslog_digits(t, 4);
	mo = pp_syslog_digits(t + 5, 2);
	d = pp_syslog_digits(t + 8, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return pp_syslog_digits(t + 11, 2) <= 23 && pp_syslog_digits(t + 14, 2) <= 59 &&
	    pp_syslog_digits(t + 17, 2) <= 59;
}

/*
 * procid <= 0 is written as NILVALUE (no process has that id).  msg must be
 * UTF-8 without NUL or any C0 control, newline included: UDP and unix
 * collectors are line-oriented, and canonical JSON escapes controls anyway.
 * The whole message must fit both buflen and PP_SYSLOG_MAX
 * (PP_ERR_FIELD_TOO_LONG otherwise).
 */
enum pp_err
pp_syslog_format(enum pp_syslog_sev sev, const char *time, const char *hostname,
    const char *app, long procid, const char *msgid, const char *msg, size_t msglen,
    char *buf, size_t buflen, size_t *len)
{
	/* Longest header: every field at its limit, well under 512 bytes. */
	char hdr[512], pid[24];
	const char *h, *a, *m;
	size_t cap, hlen;
	enum pp_err rc;
	int n;

	if ((unsigned)sev >= PP_SYSLOG__MAX || buf == NULL || len == NULL ||
	    (msg == NULL && msglen > 0))
		return PP_ERR_INTERNAL;
	if (!pp_syslog_time_valid(time))
		return PP_ERR_FIELD_INVALID;
	if ((rc = pp_syslog_field(hostname, PP_SYSLOG_HOSTNAME_MAX, &h)) != PP_OK ||
	    (rc = pp_syslog_field(app, PP_SYSLOG_APP_MAX, &a)) != PP_OK ||
	    (rc = pp_syslog_field(msgid, PP_SYSLOG_MSGID_MAX, &m)) != PP_OK)
		return rc;
	if (procid > 0)
		snprintf(pid, sizeof(pid), "%ld", procid);
	else
		memcpy(pid, "-", 2);
	/* Length first: no point scanning megabytes that will be refused. */
	if (msglen > PP_SYSLOG_MAX)
		return PP_ERR_FIELD_TOO_LONG;
	if (msglen > 0 && !pp_utf8_valid(msg, msglen, 0))
		return PP_ERR_FIELD_INVALID;
	n = snprintf(hdr, sizeof(hdr), "<%d>1 %s %s %s %s %s - %s",
	    PP_SYSLOG_FACILITY * 8 + (int)sev, time, h, a, pid, m, pp_syslog_bom);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return PP_ERR_INTERNAL;
	hlen = (size_t)n;
	cap = buflen < PP_SYSLOG_MAX ? buflen : PP_SYSLOG_MAX;
	if (hlen > cap || msglen > cap - hlen)
		return PP_ERR_FIELD_TOO_LONG;
	memcpy(buf, hdr, hlen);
	if (msglen > 0)
		memcpy(buf + hlen, msg, msglen);
	*len = hlen + msglen;
	return PP_OK;
}

/* --------------------------------------------------------------- targets */

/* "/absolute/path" that fits sun_path with its NUL. */
static enum pp_err
pp_syslog_parse_unix(struct pp_syslog *s, const char *path)
{
	size_t n = strlen(path);

	if (path[0] != '/') {
		pp_err_log("syslog target %s: the socket path must be absolute", s->target);
		return PP_ERR_CONFIG;
	}
	if (n >= sizeof(s->path)) {
		pp_err_log("syslog target %s: socket path longer than %zu bytes",
		    s->target, sizeof(s->path) - 1);
		return PP_ERR_CONFIG;
	}
	memcpy(s->path, path, n + 1);
	return PP_OK;
}

/* A host name of letters, digits, hyphens and dots: no empty label, no
 * label starting or ending with a hyphen.  Not resolved here. */
static int
pp_syslog_name_valid(const char *h, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > PP_SYSLOG_PEER_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return h[n - 1] != '-';
}

/* "host:port" or "[ipv6]:port", port 1..65535 written canonically. */
static enum pp_err
pp_syslog_parse_inet(struct pp_syslog *s, const char *spec)
{
	const char *host, *colon;
	size_t hlen;
	int64_t port;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		struct in6_addr a6;
		if (end == NULL)
			goto fail;
		host = spec + 1;
		hlen = (size_t)(end - host);
		if (hlen == 0 || hlen > PP_SYSLOG_PEER_MAX)
			goto fail;
		memcpy(s->host, host, hlen);
		s->host[hlen] = '\0';
		/* Brackets hold an IPv6 address and nothing else (no zone). */
		if (inet_pton(AF_INET6, s->host, &a6) != 1)
			goto fail;
		colon = end + 1;
		if (*colon != ':')
			goto fail;
	} else {
		host = spec;
		colon = strchr(spec, ':');
		if (colon == NULL)
			goto fail;
		hlen = (size_t)(colon - host);
		if (!pp_syslog_name_valid(host, hlen))
			goto fail;
		memcpy(s->host, host, hlen);
		s->host[hlen] = '\0';
	}
	/* pp_strtonum refuses a second colon, signs, spaces, leading zeros. */
	if (pp_strtonum(colon + 1, strlen(colon + 1), 1, 65535, &port) != PP_OK)
		goto fail;
	snprintf(s->port, sizeof(s->port), "%d", (int)port);
	return PP_OK;
fail:
	pp_err_log("syslog target %s: want host:port or [ipv6]:port with port 1..65535",
	    s->target);
	return PP_ERR_CONFIG;
}

enum pp_err
pp_syslog_open(const char *target, const char *hostname, const char *app,
    struct pp_syslog **out)
{
	struct pp_syslog *s = NULL;
	const char *h, *a;
	enum pp_err rc = PP_ERR_CONFIG;

	if (target == NULL || out == NULL)
		return PP_ERR_INTERNAL;
	if (pp_syslog_field(hostname, PP_SYSLOG_HOSTNAME_MAX, &h) != PP_OK ||
	    pp_syslog_field(app, PP_SYSLOG_APP_MAX, &a) != PP_OK) {
		pp_err_log("syslog: hostname and application name must be printable ASCII "
		    "without space, at most %d and %d bytes",
		    PP_SYSLOG_HOSTNAME_MAX, PP_SYSLOG_APP_MAX);
		return PP_ERR_CONFIG;
	}
	if (strnlen(target, PP_SYSLOG_TARGET_MAX + 1) > PP_SYSLOG_TARGET_MAX) {
		pp_err_log("syslog target longer than %d bytes", PP_SYSLOG_TARGET_MAX);
		return PP_ERR_CONFIG;
	}
	s = pp_calloc(1, sizeof(*s));
	if (s == NULL)
		return PP_ERR_NOMEM;
	s->fd = -1;
	memcpy(s->target, target, strlen(target) + 1);
	memcpy(s->hostname, h, strlen(h) + 1);
	memcpy(s->app, a, strlen(a) + 1);
	/* Scheme names are lower case, as in the documentation: one spelling. */
	if (strncmp(target, "unix:", 5) == 0) {
		s->kind = PP_SYSLOG_UNIX;
		rc = pp_syslog_parse_unix(s, target + 5);
	} else if (strncmp(target, "udp:", 4) == 0) {
		s->kind = PP_SYSLOG_UDP;
		rc = pp_syslog_parse_inet(s, target + 4);
	} else if (strncmp(target, "tcp:", 4) == 0) {
		s->kind = PP_SYSLOG_TCP;
		rc = pp_syslog_parse_inet(s, target + 4);
	} else
		pp_err_log("syslog target %s: want unix:/path, udp:host:port or tcp:host:port",
		    target);
	if (rc != PP_OK)
		goto fail;
	*out = s;
	return PP_OK;
fail:
	pp_free(s);
	return rc;
}

void
pp_syslog_close(struct pp_syslog *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	pp_free(s);
}

/* ------------------------------------------------------------- transport */

/* Waits until fd is ready for events.  PP_ERR_UNAVAILABLE once the
 * deadline has passed.  POLLERR/POLLHUP count as ready: the next call on
 * fd reports what went wrong. */
static enum pp_err
pp_syslog_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - pp_syslog_now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int r;

		if (left <= 0)
			return PP_ERR_UNAVAILABLE;
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return PP_OK;
		if (r < 0 && errno != EINTR)
			return PP_ERR_UNAVAILABLE;
	}
}

/* Connects a non-blocking socket.  OUT *err: errno of the failure. */
static enum pp_err
pp_syslog_connect_unix(struct pp_syslog *s, int *err)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		*err = errno;
		return PP_ERR_UNAVAILABLE;
	}
	/* A datagram connect completes at once: ENOENT or ECONNREFUSED
	 * when no collector is bound. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		*err = errno;
		close(fd);
		return PP_ERR_UNAVAILABLE;
	}
	s->fd = fd;
	return PP_OK;
}

/* Tries every address of host in turn until one connects or the deadline
 * passes.  OUT *err: errno of the last failure, or -1 with *gai set when
 * resolution failed. */
static enum pp_err
pp_syslog_connect_inet(struct pp_syslog *s, int64_t deadline, int *err, int *gai)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = s->kind == PP_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	*gai = getaddrinfo(s->host, s->port, &hints, &res);
	if (*gai != 0) {
		*err = *gai == EAI_SYSTEM ? errno : -1;
		return PP_ERR_UNAVAILABLE;
	}
	*err = ETIMEDOUT;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
		if (fd == -1) {
			*err = errno;
			continue;
		}
		/* UDP connects at once; TCP usually answers EINPROGRESS. */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		*err = errno;
		if (*err == EINPROGRESS) {
			if (pp_syslog_wait(fd, POLLOUT, deadline) == PP_OK) {
				int soerr = 0;
				socklen_t sl = sizeof(soerr);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
					break;
				*err = soerr ? soerr : errno;
			} else
				*err = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
		if (pp_syslog_now_ms() >= deadline)
			break;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return PP_ERR_UNAVAILABLE;
	s->fd = fd;
	return PP_OK;
}

static enum pp_err
pp_syslog_connect(struct pp_syslog *s, int64_t deadline, int *err, int *gai)
{
	*gai = 0;
	if (s->kind == PP_SYSLOG_UNIX)
		return pp_syslog_connect_unix(s, err);
	return pp_syslog_connect_inet(s, deadline, err, gai);
}

static void
pp_syslog_disconnect(struct pp_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* One datagram, whole.  A kept socket may point at a collector that has
 * since restarted (unix: ECONNREFUSED) or carry the ICMP error of an
 * earlier datagram (udp): such a failure earns one fresh socket before
 * the send is given up. */
static enum pp_err
pp_syslog_send_dgram(struct pp_syslog *s, const char *p, size_t len, int64_t deadline,
    int *err, int *gai)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fresh = s->fd < 0;

		if (fresh && pp_syslog_connect(s, deadline, err, gai) != PP_OK)
			return PP_ERR_UNAVAILABLE;
		for (;;) {
			ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);
			if (n == (ssize_t)len)
				return PP_OK;
			if (n >= 0) {
				*err = EMSGSIZE;	/* datagrams are never cut */
				break;
			}
			*err = errno;
			if (*err == EINTR)
				continue;
			if (*err != EAGAIN && *err != EWOULDBLOCK)
				break;
			/* The collector's queue is full: wait for room. */
			if (pp_syslog_wait(s->fd, POLLOUT, deadline) != PP_OK) {
				*err = ETIMEDOUT;
				return PP_ERR_UNAVAILABLE;
			}
		}
		pp_syslog_disconnect(s);
		if (fresh)
			break;
	}
	return PP_ERR_UNAVAILABLE;
}

/* A collector never writes to us (RFC 6587): a readable connection has
 * been closed or reset by the collector.  Checked before each message
 * because a send() on it would succeed and the message would be lost. */
static int
pp_syslog_stream_alive(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) == 0;
}

/* One octet-counted frame, all of it before the deadline. */
static enum pp_err
pp_syslog_send_stream(struct pp_syslog *s, const char *p, size_t len, int64_t deadline,
    int *err, int *gai)
{
	size_t off = 0;

	if (s->fd >= 0 && !pp_syslog_stream_alive(s->fd))
		pp_syslog_disconnect(s);
	if (s->fd < 0 && pp_syslog_connect(s, deadline, err, gai) != PP_OK)
		return PP_ERR_UNAVAILABLE;
	while (off < len) {
		ssize_t n = send(s->fd, p + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		*err = n == 0 ? EPIPE : errno;
		if (*err == EINTR)
			continue;
		if (*err != EAGAIN && *err != EWOULDBLOCK)
			goto fail;
		if (pp_syslog_wait(s->fd, POLLOUT, deadline) != PP_OK) {
			*err = ETIMEDOUT;
			goto fail;
		}
	}
	return PP_OK;
fail:
	/* Part of a frame may have gone out: the collector's octet counting
	 * is off from here, so this connection is dropped and the next send
	 * opens a new one. */
	pp_syslog_disconnect(s);
	return PP_ERR_UNAVAILABLE;
}

/*
 * Field errors (PP_ERR_FIELD_*) come back as from pp_syslog_format: a
 * retry cannot help.  PP_ERR_UNAVAILABLE is logged once per outage, here
 * because only here is the cause known; the recovery is logged too.
 * A negative timeout_ms counts as 0 (no waiting).
 */
enum pp_err
pp_syslog_send(struct pp_syslog *s, enum pp_syslog_sev sev, const char *time,
    const char *msgid, const char *msg, size_t msglen, int timeout_ms)
{
	char *p = s->buf + PP_SYSLOG_PREFIX;
	int64_t deadline = pp_syslog_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	size_t len;
	int err = 0, gai = 0;
	enum pp_err rc;

	rc = pp_syslog_format(sev, time, s->hostname, s->app, (long)getpid(), msgid, msg,
	    msglen, p, PP_SYSLOG_MAX, &len);
	if (rc != PP_OK)
		return rc;
	if (s->kind == PP_SYSLOG_TCP) {
		char pre[PP_SYSLOG_PREFIX + 1];
		int n = snprintf(pre, sizeof(pre), "%zu ", len);
		if (n < 0 || n > PP_SYSLOG_PREFIX)
			return PP_ERR_INTERNAL;
		p -= n;
		memcpy(p, pre, (size_t)n);
		rc = pp_syslog_send_stream(s, p, len + (size_t)n, deadline, &err, &gai);
	} else
		rc = pp_syslog_send_dgram(s, p, len, deadline, &err, &gai);
	if (rc != PP_OK && !s->down) {
		pp_warn_log("syslog %s: collector unreachable: %s", s->target,
		    gai != 0 && gai != EAI_SYSTEM ? gai_strerror(gai) : strerror(err));
		s->down = 1;
	} else if (rc == PP_OK && s->down) {
		pp_info_log("syslog %s: collector reachable again", s->target);
		s->down = 0;
	}
	return rc;
}
