/*
 * admin_status: the system status page (issue #6, item 6; SEC-3, TIME-1,
 * ARC-1).
 *
 *   GET /status        every component, the HSM tokens, the clock, disk
 *                      space, versions and SHA-256 of the executables and
 *                      configuration
 *   GET /status.json   the same document, for monitoring
 *
 * Each component is asked, never presumed from a PID file: the daemons
 * answer their "health" op on their unix sockets (lib/pp_ipc.h), the
 * plugins their /healthz over FastCGI on theirs (a minimal FastCGI client
 * below: one request, bounded answer, two-second deadline), nginx must
 * accept TCP connections on each listener of its configuration.  The
 * document is built once as JSON (status_build) and the page is rendered
 * from that JSON, so the two can never disagree.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "admin.h"
#include "pp_conf.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_mem.h"
#include "pp_store.h"
#include "pp_util.h"

#define STATUS_TIMEOUT_MS 2000
#define STATUS_FCGI_MAX (64 * 1024)
#define STATUS_DISK_ALARM 90		/* % used */
#define STATUS_HASH_MAX (512LL * 1024 * 1024)
#define STATUS_LISTENERS_MAX 16

/* ------------------------------------------------------------ helpers */

static int64_t
status_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
status_utc(char *buf, size_t cap, time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "?");
	return buf;
}

/* A new object appended to array a, or NULL. */
static json_object *
status_push(json_object *a)
{
	json_object *o = json_object_new_object();

	if (o != NULL && json_object_array_add(a, o) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------ FastCGI client */

enum {
	FCGI_BEGIN_REQUEST = 1, FCGI_END_REQUEST = 3, FCGI_PARAMS = 4, FCGI_STDIN = 5,
	FCGI_STDOUT = 6, FCGI_STDERR = 7, FCGI_RESPONDER = 1,
};

/* Appends one record header and content to buf. */
static size_t
status_fcgi_record(unsigned char *buf, size_t at, int type, const void *content, size_t len)
{
	unsigned char *h = buf + at;

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;		/* request id 1 */
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;		/* no padding */
	h[7] = 0;
	if (len)
		memcpy(h + 8, content, len);
	return at + 8 + len;
}

/* One name-value pair (both shorter than 128 bytes). */
static size_t
status_fcgi_pair(unsigned char *buf, size_t at, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	buf[at++] = (unsigned char)n;
	buf[at++] = (unsigned char)v;
	memcpy(buf + at, name, n);
	memcpy(buf + at + n, value, v);
	return at + n + v;
}

static int
status_wait(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int64_t left = deadline - status_mono_ms();
	int r;

	if (left <= 0)
		return 0;
	do
		r = poll(&p, 1, (int)left);
	while (r == -1 && errno == EINTR);
	return r == 1;
}

/* Reads exactly n bytes before the deadline; 1 when done. */
static int
status_recv(int fd, void *buf, size_t n, int64_t deadline)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r;
		if (!status_wait(fd, POLLIN, deadline))
			return 0;
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

/*
 * GET /healthz from the FastCGI plugin listening on the unix socket path.
 * OUT *status (the CGI Status, 200 when absent), *body (pool memory,
 * NUL-terminated).  PP_ERR_UNAVAILABLE when it does not answer in time.
 */
static enum pp_err
status_fcgi_healthz(struct pp_req *req, const char *path, int *status, char **body)
{
	static const char *const params[][2] = {
		{ "REQUEST_METHOD", "GET" }, { "DOCUMENT_URI", "/healthz" }, { "SCRIPT_NAME", "/healthz" },
		{ "REQUEST_URI", "/healthz" }, { "QUERY_STRING", "" }, { "SERVER_PROTOCOL", "HTTP/1.1" },
		{ "REMOTE_ADDR", "127.0.0.1" }, { "GATEWAY_INTERFACE", "CGI/1.1" },
	};
	unsigned char out[1024], pairs[512], hdr[8];
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
	struct sockaddr_un sa;
	char *resp = NULL, *p;
	size_t olen = 0, plen = 0, rlen = 0, sent = 0;
	int64_t deadline = status_mono_ms() + STATUS_TIMEOUT_MS;
	int fd = -1, ended = 0;
	enum pp_err rc = PP_ERR_UNAVAILABLE;

	*status = 0;
	*body = NULL;
	if (path == NULL || *path == '\0' || strlen(path) >= sizeof(sa.sun_path))
		return PP_ERR_UNAVAILABLE;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		plen = status_fcgi_pair(pairs, plen, params[i][0], params[i][1]);
	olen = status_fcgi_record(out, olen, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	olen = status_fcgi_record(out, olen, FCGI_PARAMS, pairs, plen);
	olen = status_fcgi_record(out, olen, FCGI_PARAMS, NULL, 0);
	olen = status_fcgi_record(out, olen, FCGI_STDIN, NULL, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return PP_ERR_UNAVAILABLE;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    (errno != EINPROGRESS && errno != EAGAIN))
		goto out;
	while (sent < olen) {
		ssize_t n;
		if (!status_wait(fd, POLLOUT, deadline))
			goto out;
		n = send(fd, out + sent, olen - sent, MSG_NOSIGNAL);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			goto out;
		sent += (size_t)n;
	}
	if ((resp = pp_pool_alloc(req->pool, STATUS_FCGI_MAX + 1)) == NULL) {
		rc = PP_ERR_NOMEM;
		goto out;
	}
	/* Records until FCGI_END_REQUEST; STDOUT content is kept, the rest
	 * (STDERR, padding) read and dropped. */
	while (!ended) {
		size_t clen, pad;
		if (!status_recv(fd, hdr, 8, deadline) || hdr[0] != 1)
			goto out;
		clen = (size_t)hdr[4] << 8 | hdr[5];
		pad = hdr[6];
		if (hdr[1] == FCGI_STDOUT) {
			if (rlen + clen > STATUS_FCGI_MAX || !status_recv(fd, resp + rlen, clen, deadline))
				goto out;
			rlen += clen;
			clen = 0;
		} else if (hdr[1] == FCGI_END_REQUEST)
			ended = 1;
		else if (hdr[1] != FCGI_STDERR)
			goto out;
		for (size_t left = clen + pad; left > 0; ) {
			size_t k = left < sizeof(out) ? left : sizeof(out);
			if (!status_recv(fd, out, k, deadline))
				goto out;
			left -= k;
		}
	}
	resp[rlen] = '\0';
	/* CGI answer: headers, blank line, body. */
	p = strstr(resp, "\r\n\r\n");
	if (p == NULL) {
		rc = PP_ERR_PROTO;
		goto out;
	}
	*p = '\0';
	*body = p + 4;
	*status = 200;
	for (char *l = resp; l && *l; ) {
		char *e = strstr(l, "\r\n");
		if (e)
			*e = '\0';
		if (strncasecmp(l, "Status:", 7) == 0) {
			int64_t st;
			const char *v = l + 7;
			while (*v == ' ')
				v++;
			if (strlen(v) < 3 || pp_strtonum(v, 3, 100, 599, &st) != PP_OK) {
				rc = PP_ERR_PROTO;
				goto out;
			}
			*status = (int)st;
		}
		l = e ? e + 2 : NULL;
	}
	rc = PP_OK;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

/* ------------------------------------------------------------ components */

static enum pp_err
status_component(json_object *comps, const char *name, const char *kind, const char *state,
    const char *detail, json_object **out)
{
	json_object *c = status_push(comps);

	if (out)
		*out = c;
	if (c == NULL || pp_json_add_str(c, "name", name) != PP_OK || pp_json_add_str(c, "kind", kind) != PP_OK ||
	    pp_json_add_str(c, "state", state) != PP_OK || pp_json_add_str(c, "detail", detail) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static const char *
status_jstr(json_object *o, const char *key, const char *def)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return def;
	return json_object_get_string(v);
}

static int
status_jbool(json_object *o, const char *key)
{
	json_object *v;

	return o != NULL && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}

/* A daemon's health answer: the component, its token, and (audit) its log. */
static enum pp_err
status_daemon(struct pp_req *req, json_object *doc, const char *name, const char *section, int *all_ok)
{
	json_object *comps, *tokens, *ask = json_object_new_object(), *ans = NULL, *c, *tok, *t;
	const char *sock = pp_conf_str(req->ctx->conf, section, "socket");
	enum pp_err rc;
	char detail[256];

	json_object_object_get_ex(doc, "components", &comps);
	json_object_object_get_ex(doc, "tokens", &tokens);
	if (ask == NULL || pp_json_add_int(ask, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(ask, "op", "health") != PP_OK) {
		json_object_put(ask);
		return PP_ERR_NOMEM;
	}
	rc = pp_ipc_call(sock, ask, STATUS_TIMEOUT_MS, &ans);
	json_object_put(ask);
	if (rc != PP_OK) {
		*all_ok = 0;
		snprintf(detail, sizeof(detail), "no answer on %s", sock);
		rc = status_component(comps, name, "daemon", "down", detail, &c);
		json_object_put(ans);
		return rc;
	}
	json_object_object_get_ex(ans, "token", &tok);
	if (status_jbool(ans, "ok"))
		snprintf(detail, sizeof(detail), "version %s, database %s", status_jstr(ans, "version", "?"),
		    status_jstr(ans, "database", "?"));
	else {
		*all_ok = 0;
		snprintf(detail, sizeof(detail), "unhealthy: database %s, token %s", status_jstr(ans, "database", "?"),
		    status_jstr(tok, "status", "?"));
	}
	rc = status_component(comps, name, "daemon", status_jbool(ans, "ok") ? "ok" : "degraded", detail, &c);
	if (rc == PP_OK && pp_json_add_str(c, "version", status_jstr(ans, "version", "")) != PP_OK)
		rc = PP_ERR_NOMEM;
	/* What the daemon says about its token (lib/pp_daemon.c). */
	if (rc == PP_OK && tok != NULL) {
		t = status_push(tokens);
		if (t == NULL || pp_json_add_str(t, "component", name) != PP_OK ||
		    pp_json_add_str(t, "label", status_jstr(tok, "label", "")) != PP_OK ||
		    pp_json_add_str(t, "slot", status_jstr(tok, "slot", "")) != PP_OK ||
		    pp_json_add_str(t, "serial", status_jstr(tok, "serial", "")) != PP_OK ||
		    pp_json_add_str(t, "manufacturer", status_jstr(tok, "manufacturer", "")) != PP_OK ||
		    pp_json_add_str(t, "model", status_jstr(tok, "model", "")) != PP_OK ||
		    pp_json_add_bool(t, "present", status_jbool(tok, "present") ||
		    strcmp(status_jstr(tok, "status", ""), "ok") == 0) != PP_OK ||
		    pp_json_add_bool(t, "logged_in", strcmp(status_jstr(tok, "status", ""), "ok") == 0) != PP_OK ||
		    pp_json_add_str(t, "status", status_jstr(tok, "status", "?")) != PP_OK)
			rc = PP_ERR_NOMEM;
	}
	/* The audit daemon's log state. */
	if (rc == PP_OK && json_object_object_get_ex(ans, "log", &t)) {
		json_object_get(t);
		json_object_object_add(doc, "audit_log", t);
		if (!status_jbool(t, "integrity") || !status_jbool(t, "writing"))
			*all_ok = 0;
	}
	json_object_put(ans);
	return rc;
}

/* A plugin's /healthz over FastCGI. */
static enum pp_err
status_plugin(struct pp_req *req, json_object *comps, const char *name, const char *sock, int *all_ok)
{
	json_object *h = NULL, *checks, *c;
	char detail[512], *body;
	int st;
	enum pp_err rc;

	rc = status_fcgi_healthz(req, sock, &st, &body);
	if (rc == PP_ERR_NOMEM)
		return rc;
	if (rc != PP_OK) {
		*all_ok = 0;
		snprintf(detail, sizeof(detail), "no FastCGI answer on %s", sock);
		return status_component(comps, name, "plugin", "down", detail, NULL);
	}
	if (pp_json_parse(body, strlen(body), 4, 64, &h) != PP_OK)
		h = NULL;
	if (st == 401) {
		/* A plugin that requires a client certificate of its own CA
		 * refuses every request without one, /healthz included: it
		 * answered, so its workers serve; its dependencies (SAM,
		 * audit) are checked directly above. */
		snprintf(detail, sizeof(detail), "answers (its /healthz needs a client certificate of its own "
		    "CA; refused as expected)");
		rc = status_component(comps, name, "plugin", "ok", detail, &c);
		json_object_put(h);
		return rc;
	}
	if (h == NULL || (st != 200 && st != 503)) {
		*all_ok = 0;
		snprintf(detail, sizeof(detail), "unexpected answer (status %d)", st);
		json_object_put(h);
		return status_component(comps, name, "plugin", "degraded", detail, NULL);
	}
	{
		size_t at = 0;
		at += (size_t)snprintf(detail, sizeof(detail), "version %s", status_jstr(h, "version", "?"));
		if (json_object_object_get_ex(h, "checks", &checks) && json_object_is_type(checks, json_type_object)) {
			json_object_object_foreach(checks, k, v) {
				if (at < sizeof(detail))
					at += (size_t)snprintf(detail + at, sizeof(detail) - at, ", %s %s", k,
					    json_object_get_string(v));
			}
		}
	}
	if (st != 200)
		*all_ok = 0;
	rc = status_component(comps, name, "plugin", st == 200 ? "ok" : "degraded", detail, &c);
	if (rc == PP_OK && pp_json_add_str(c, "version", status_jstr(h, "version", "")) != PP_OK)
		rc = PP_ERR_NOMEM;
	json_object_put(h);
	return rc;
}

/* The console itself: this process answers, its checks are run here. */
static enum pp_err
status_self(struct pp_req *req, json_object *comps, int *all_ok)
{
	json_object *h = NULL, *checks, *c;
	char detail[512];
	size_t at;
	enum pp_err r = pp_http_health(req->ctx, &h), rc;

	if (h == NULL)
		return r == PP_ERR_NOMEM ? r : PP_ERR_INTERNAL;
	at = (size_t)snprintf(detail, sizeof(detail), "version %s (this page)", PP_VERSION);
	if (json_object_object_get_ex(h, "checks", &checks) && json_object_is_type(checks, json_type_object)) {
		json_object_object_foreach(checks, k, v) {
			if (at < sizeof(detail))
				at += (size_t)snprintf(detail + at, sizeof(detail) - at, ", %s %s", k,
				    json_object_get_string(v));
		}
	}
	if (r != PP_OK)
		*all_ok = 0;
	rc = status_component(comps, "admin", "plugin", r == PP_OK ? "ok" : "degraded", detail, &c);
	if (rc == PP_OK && pp_json_add_str(c, "version", PP_VERSION) != PP_OK)
		rc = PP_ERR_NOMEM;
	json_object_put(h);
	return rc;
}

/* TCP connect to addr:port within the deadline. */
static int
status_tcp_ok(const char *addr, int port)
{
	struct sockaddr_in sa;
	int fd, ok = 0, err = 0;
	socklen_t el = sizeof(err);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 0;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		ok = 1;
	else if (errno == EINPROGRESS && status_wait(fd, POLLOUT, status_mono_ms() + STATUS_TIMEOUT_MS) &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)
		ok = 1;
	close(fd);
	return ok;
}

/*
 * nginx: its master's PID file (<state_dir>/run/nginx.master.pid) names a
 * live process called nginx, and every "listen ADDR:PORT" of its
 * configuration (<state_dir>/nginx/nginx.conf) accepts a connection.
 */
static enum pp_err
status_nginx(struct pp_req *req, json_object *comps, int *all_ok)
{
	const char *state = pp_conf_str(req->ctx->conf, "service", "state_dir");
	char path[4096], comm[64], detail[512], *conf = NULL, *pid = NULL;
	size_t len, at = 0;
	int64_t n;
	int alive = 0, listeners = 0, up = 0, have_pid = 0, have_conf = 0;
	const char *st;

	snprintf(path, sizeof(path), "%s/run/nginx.master.pid", state);
	if (pp_file_read(path, 64, &pid, &len) == PP_OK) {
		have_pid = 1;
		while (len && (pid[len - 1] == '\n' || pid[len - 1] == ' '))
			pid[--len] = '\0';
		if (pp_strtonum(pid, len, 1, INT_MAX, &n) == PP_OK) {
			FILE *f;
			snprintf(path, sizeof(path), "/proc/%" PRId64 "/comm", n);
			if ((f = fopen(path, "re")) != NULL) {
				if (fgets(comm, sizeof(comm), f) && strncmp(comm, "nginx", 5) == 0)
					alive = 1;
				fclose(f);
			}
		}
		pp_free(pid);
	}
	at = (size_t)snprintf(detail, sizeof(detail), "%s", alive ? "master process running" :
	    "no running master process (PID file)");
	snprintf(path, sizeof(path), "%s/nginx/nginx.conf", state);
	if (pp_file_read(path, 1024 * 1024, &conf, &len) == PP_OK) {
		have_conf = 1;
		for (char *l = conf; l && *l && listeners < STATUS_LISTENERS_MAX; ) {
			char *e = strchr(l, '\n'), addr[64];
			int port;
			if (e)
				*e = '\0';
			while (*l == ' ' || *l == '\t')
				l++;
			if (sscanf(l, "listen %63[0-9.]:%d", addr, &port) == 2 && port > 0 && port < 65536) {
				int ok = status_tcp_ok(addr, port);
				listeners++;
				up += ok;
				if (at < sizeof(detail))
					at += (size_t)snprintf(detail + at, sizeof(detail) - at, "; %s:%d %s", addr, port,
					    ok ? "accepts" : "refuses");
			}
			l = e ? e + 1 : NULL;
		}
		pp_free(conf);
	}
	if (!have_pid && !have_conf) {
		/* Not started by paraphe-supervise (systemd, another
		 * layout): nothing here says where it listens. */
		return status_component(comps, "nginx", "front end", "unknown", "not checked: no "
		    "<state_dir>/run/nginx.master.pid nor <state_dir>/nginx/nginx.conf (ask the service "
		    "manager; this page itself came through it)", NULL);
	}
	if (alive && (listeners == 0 || up == listeners))
		st = "ok";
	else if (up > 0)
		st = "degraded";
	else
		st = "down";
	if (strcmp(st, "ok") != 0)
		*all_ok = 0;
	return status_component(comps, "nginx", "front end", st, detail, NULL);
}

/* ------------------------------------------------------------ clock, disks, files */

/* TIME-1, measured as the audit daemon does (audit/audit_log.c,
 * audit_clock): adjtimex, unsynchronised on TIME_ERROR or STA_UNSYNC. */
static enum pp_err
status_clock(json_object *doc, int *all_ok)
{
	struct timex tx;
	json_object *c = json_object_new_object();
	int state, synced;

	if (c == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(doc, "clock", c);
	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	synced = state != -1 && state != TIME_ERROR && !(tx.status & STA_UNSYNC);
	if (!synced)
		*all_ok = 0;
	if (pp_json_add_bool(c, "synchronised", synced) != PP_OK ||
	    pp_json_add_int(c, "maxerror_us", state == -1 ? -1 : (int64_t)tx.maxerror) != PP_OK ||
	    pp_json_add_int(c, "esterror_us", state == -1 ? -1 : (int64_t)tx.esterror) != PP_OK ||
	    pp_json_add_int(c, "kernel_status", state == -1 ? -1 : (int64_t)tx.status) != PP_OK ||
	    pp_json_add_str(c, "state", synced ? "ok" : "alarm") != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static enum pp_err
status_disk(json_object *disks, const char *what, const char *path, int *all_ok)
{
	struct statvfs sv;
	json_object *d = status_push(disks);
	int64_t total, avail, used_pct;

	if (d == NULL || pp_json_add_str(d, "what", what) != PP_OK || pp_json_add_str(d, "path", path) != PP_OK)
		return PP_ERR_NOMEM;
	if (statvfs(path, &sv) != 0 || sv.f_blocks == 0) {
		*all_ok = 0;
		return pp_json_add_str(d, "state", "unreadable");
	}
	total = (int64_t)sv.f_blocks * (int64_t)sv.f_frsize;
	avail = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
	/* Used as df counts it: what ordinary users can no longer use. */
	used_pct = (int64_t)((sv.f_blocks - sv.f_bfree) * 100 / (sv.f_blocks - sv.f_bfree + sv.f_bavail));
	if (used_pct > STATUS_DISK_ALARM)
		*all_ok = 0;
	if (pp_json_add_int(d, "total_bytes", total) != PP_OK || pp_json_add_int(d, "free_bytes", avail) != PP_OK ||
	    pp_json_add_int(d, "total_mb", total / (1024 * 1024)) != PP_OK ||
	    pp_json_add_int(d, "free_mb", avail / (1024 * 1024)) != PP_OK ||
	    pp_json_add_int(d, "used_percent", used_pct) != PP_OK ||
	    pp_json_add_str(d, "state", used_pct > STATUS_DISK_ALARM ? "alarm" : "ok") != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* The directory part of a file path, into out. */
static void
status_dirname(const char *path, char *out, size_t cap)
{
	const char *s = strrchr(path, '/');

	if (s == NULL || s == path)
		snprintf(out, cap, "/");
	else
		snprintf(out, cap, "%.*s", (int)(s - path), path);
}

/* SHA-256 of a file, streamed, into hex (65 bytes). */
static enum pp_err
status_sha256(const char *path, char *hex, int64_t *size, int64_t *mtime)
{
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	struct stat st;
	EVP_MD_CTX *ctx;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum pp_err rc = PP_ERR_IO;
	ssize_t n;

	if (fd == -1)
		return PP_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATUS_HASH_MAX ||
	    (ctx = EVP_MD_CTX_new()) == NULL) {
		close(fd);
		return PP_ERR_IO;
	}
	*size = (int64_t)st.st_size;
	*mtime = (int64_t)st.st_mtime;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
		while ((n = read(fd, buf, sizeof(buf))) > 0 || (n == -1 && errno == EINTR))
			if (n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
				break;
		if (n == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32) {
			pp_hex(md, 32, hex);
			rc = PP_OK;
		}
	}
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

static enum pp_err
status_file(json_object *files, const char *what, const char *path, const char *hash_path)
{
	json_object *f = status_push(files);
	char hex[65], when[32];
	int64_t size = 0, mtime = 0;

	if (f == NULL || pp_json_add_str(f, "what", what) != PP_OK || pp_json_add_str(f, "path", path) != PP_OK)
		return PP_ERR_NOMEM;
	if (status_sha256(hash_path, hex, &size, &mtime) != PP_OK)
		return pp_json_add_str(f, "state", "unreadable");
	if (pp_json_add_int(f, "size", size) != PP_OK ||
	    pp_json_add_str(f, "mtime", status_utc(when, sizeof(when), (time_t)mtime)) != PP_OK ||
	    pp_json_add_str(f, "sha256", hex) != PP_OK || pp_json_add_str(f, "state", "ok") != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

/* The configuration file this process was started with ("-c FILE", read
 * back from /proc/self/cmdline: pp_proc_start does not keep it). */
static int
status_conf_path(char *out, size_t cap)
{
	char *buf = NULL;
	size_t len;
	int found = 0;

	/* /proc files report a size of 0: read by hand. */
	FILE *f = fopen("/proc/self/cmdline", "re");

	if (f == NULL)
		return 0;
	if ((buf = pp_malloc(1 << 16)) == NULL) {
		fclose(f);
		return 0;
	}
	len = fread(buf, 1, (1 << 16) - 1, f);
	buf[len] = '\0';
	fclose(f);
	for (size_t i = 0; i < len && !found; ) {
		const char *a = buf + i;
		size_t al = strnlen(a, len - i);
		if (strcmp(a, "-c") == 0 && i + al + 1 < len) {
			const char *p = a + al + 1;
			if (realpath(p, out) != NULL || (size_t)snprintf(out, cap, "%s", p) < cap)
				found = 1;
		} else if (strncmp(a, "-c", 2) == 0 && al > 2) {
			if (realpath(a + 2, out) != NULL || (size_t)snprintf(out, cap, "%s", a + 2) < cap)
				found = 1;
		}
		i += al + 1;
	}
	pp_free(buf);
	return found;
}

static enum pp_err
status_files(struct pp_req *req, json_object *files)
{
	const char *list = pp_conf_str(req->ctx->conf, "audit", "archive_hash_files");
	char exe[PATH_MAX], conf[PATH_MAX];
	ssize_t n;
	enum pp_err rc;

	/* The running executable: /proc/self/exe is the file this process
	 * runs, even if the path now names another one. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if ((rc = status_file(files, "running console executable", n > 0 ? exe : "/proc/self/exe",
	    "/proc/self/exe")) != PP_OK)
		return rc;
	if (status_conf_path(conf, sizeof(conf)) &&
	    (rc = status_file(files, "configuration file", conf, conf)) != PP_OK)
		return rc;
	/* ARC-1: what the audit daemon hashes into every segment. */
	for (const char *p = list; p && *p; ) {
		char path[PATH_MAX];
		size_t l;
		while (*p == ' ' || *p == '\t')
			p++;
		l = strcspn(p, " \t");
		if (l == 0)
			break;
		if (l < sizeof(path)) {
			memcpy(path, p, l);
			path[l] = '\0';
			if ((rc = status_file(files, "archived with every segment (audit.archive_hash_files)", path,
			    path)) != PP_OK)
				return rc;
		}
		p += l;
	}
	return PP_OK;
}

/* ------------------------------------------------------------ the document */

static enum pp_err
status_build(struct pp_req *req, json_object **out)
{
	const struct pp_conf *conf = req->ctx->conf;
	json_object *doc = json_object_new_object(), *comps = json_object_new_array(),
	    *tokens = json_object_new_array(), *disks = json_object_new_array(),
	    *files = json_object_new_array();
	char when[32], dir[PATH_MAX];
	int all_ok = 1;
	enum pp_err rc;
	static const char *const dbs[] = { "audit", "sam", "web", "admin" };

	*out = NULL;
	if (doc == NULL || comps == NULL || tokens == NULL || disks == NULL || files == NULL) {
		json_object_put(doc);
		json_object_put(comps);
		json_object_put(tokens);
		json_object_put(disks);
		json_object_put(files);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(doc, "components", comps);
	json_object_object_add(doc, "tokens", tokens);
	json_object_object_add(doc, "disks", disks);
	json_object_object_add(doc, "files", files);
	if ((rc = pp_json_add_str(doc, "node", pp_conf_str(conf, "service", "node_id"))) != PP_OK ||
	    (rc = pp_json_add_str(doc, "version", PP_VERSION)) != PP_OK ||
	    (rc = pp_json_add_str(doc, "time", status_utc(when, sizeof(when), time(NULL)))) != PP_OK)
		goto fail;
	if ((rc = status_daemon(req, doc, "audit", "audit", &all_ok)) != PP_OK ||
	    (rc = status_daemon(req, doc, "sam", "sam", &all_ok)) != PP_OK ||
	    (rc = status_plugin(req, comps, "signer", pp_conf_str(conf, "signer", "socket"), &all_ok)) != PP_OK ||
	    (rc = status_plugin(req, comps, "sca", pp_conf_str(conf, "sca", "socket"), &all_ok)) != PP_OK ||
	    (rc = status_self(req, comps, &all_ok)) != PP_OK)
		goto fail;
	if (pp_conf_bool(conf, "service", "demo") && *pp_conf_str(conf, "demo", "socket") &&
	    (rc = status_plugin(req, comps, "demo", pp_conf_str(conf, "demo", "socket"), &all_ok)) != PP_OK)
		goto fail;
	if ((rc = status_nginx(req, comps, &all_ok)) != PP_OK || (rc = status_clock(doc, &all_ok)) != PP_OK)
		goto fail;
	/* Disks: each database's directory (once per directory), the
	 * archive, the state directory. */
	{
		char seen[4][PATH_MAX];
		size_t nseen = 0;
		for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
			const char *p = pp_conf_str(conf, "database", dbs[i]);
			int dup = 0;
			if (p == NULL || *p == '\0')
				continue;
			status_dirname(p, dir, sizeof(dir));
			for (size_t j = 0; j < nseen; j++)
				dup |= strcmp(seen[j], dir) == 0;
			if (dup)
				continue;
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", dir);
			if ((rc = status_disk(disks, "databases", dir, &all_ok)) != PP_OK)
				goto fail;
		}
	}
	if ((rc = status_disk(disks, "audit archive", pp_conf_str(conf, "audit", "archive_dir"), &all_ok)) != PP_OK ||
	    (rc = status_disk(disks, "state directory", pp_conf_str(conf, "service", "state_dir"), &all_ok)) != PP_OK ||
	    (rc = status_files(req, files)) != PP_OK)
		goto fail;
	if ((rc = pp_json_add_bool(doc, "ok", all_ok)) != PP_OK)
		goto fail;
	*out = doc;
	return PP_OK;
fail:
	json_object_put(doc);
	return rc;
}

/* Copies a JSON value into the HDF under name: objects and arrays as
 * children (arrays numbered from 0), booleans as 1/0. */
static enum pp_err
status_hdf(HDF *hdf, const char *name, json_object *v, int depth)
{
	char child[256];
	enum pp_err rc;

	if (depth > 6)
		return PP_OK;
	switch (json_object_get_type(v)) {
	case json_type_object: {
		json_object_object_foreach(v, k, c) {
			if ((size_t)snprintf(child, sizeof(child), "%s.%s", name, k) >= sizeof(child))
				continue;
			if ((rc = status_hdf(hdf, child, c, depth + 1)) != PP_OK)
				return rc;
		}
		return PP_OK;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			snprintf(child, sizeof(child), "%s.%zu", name, i);
			if ((rc = status_hdf(hdf, child, json_object_array_get_idx(v, i), depth + 1)) != PP_OK)
				return rc;
		}
		return PP_OK;
	case json_type_boolean:
		return pp_hdf_set(hdf, name, json_object_get_boolean(v) ? "1" : "0");
	case json_type_null:
		return pp_hdf_set(hdf, name, "");
	default:
		return pp_hdf_set(hdf, name, json_object_get_string(v));
	}
}

static enum pp_err
status_page(struct pp_req *req, const struct admin_session *s)
{
	HDF *hdf = pp_req_hdf(req);
	json_object *doc = NULL;
	enum pp_err rc;

	if (hdf == NULL)
		return PP_ERR_NOMEM;
	if ((rc = status_build(req, &doc)) != PP_OK)
		return rc;
	rc = status_hdf(hdf, "Status", doc, 0);
	json_object_put(doc);
	if (rc != PP_OK)
		return rc;
	return admin_reply(req, s, 200, "console_status.cs");
}

static enum pp_err
status_json(struct pp_req *req, const struct admin_session *s)
{
	json_object *doc = NULL;
	enum pp_err rc;

	(void)s;
	if ((rc = status_build(req, &doc)) != PP_OK)
		return rc;
	return pp_reply_json(req, 200, doc);
}

static const struct admin_page status_pages[] = {
	{ PP_GET, "/status", ADMIN_A_STATUS_VIEW, status_page, PP_BODY_NONE, NULL, 0 },
	{ PP_GET, "/status.json", ADMIN_A_STATUS_VIEW, status_json, PP_BODY_NONE, NULL, 0 },
};

const struct admin_pages admin_status_pages = {
	status_pages, sizeof(status_pages) / sizeof(status_pages[0]),
};
