/*
 * paraphe-loadgen: an HTTPS load generator that presents a client
 * certificate (no off-the-shelf bench tool does), keeps connections alive
 * and runs N of them in parallel, for the end-to-end benchmarks through
 * nginx (the SCA API listener requires mutual TLS).
 *
 *   paraphe-loadgen --url https://127.0.0.1:PORT/PATH --cacert CA.pem
 *       [--cert CERT.pem --key KEY.pem] [--connections N] [--requests M]
 *       [--method GET|POST] [--body TEXT | --body-file FILE | --bodies-file FILE]
 *       [--header 'Name: value' (repeatable, e.g. a session cookie)]
 *       [--content-type TYPE] [--expect STATUS]
 *
 * Each connection sends its share of the M requests one after the other on
 * one TLS session (HTTP/1.1 keep-alive; reconnects if the server closes).
 * --bodies-file gives one body per line, each sent once (request k of
 * connection c sends line c * M/N + k): for requests that cannot be
 * replayed, such as signHash calls each consuming its own authorised hash;
 * M defaults then to the number of lines.
 * Prints one JSON object: requests, failures (transport errors or a status
 * other than --expect, default 200), seconds, requests/s, latency p50/p90/
 * p99/max in ms, and the status codes seen.
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>
#include "pp_mem.h"
#include "pp_util.h"
#include "bench_http.h"

#define LG_MAX_CONN 256
#define LG_MAX_RESPONSE (4 * 1024 * 1024)

struct lg {
	const char *host, *port, *path, *method, *ctype;
	char extra[2048];	/* --header lines, each ending in CRLF */
	char *body;
	size_t bodylen;
	char **bodies;		/* --bodies-file: one per request slot, or NULL */
	size_t *bodylens;
	size_t nbodies;
	int expect;
	SSL_CTX *ctx;
	long per_conn;
	double *lat;		/* one slot per request */
	int *status;
	long failures_transport;
};

struct lg_conn {
	struct lg *lg;
	int index;
	long ok, failed;
};

static void *
lg_run(void *arg)
{
	struct lg_conn *c = arg;
	struct lg *lg = c->lg;
	struct bench_http_conn conn = { .ctx = lg->ctx, .host = lg->host, .port = lg->port, .fd = -1 };
	struct bench_http_resp resp = { .buf = malloc(LG_MAX_RESPONSE + 1), .cap = LG_MAX_RESPONSE + 1 };
	char head[4096], *req = NULL;
	int hlen;
	size_t reqlen, reqcap = 0;

	if (resp.buf == NULL)
		return NULL;
	for (long i = 0; i < lg->per_conn; i++) {
		size_t slot = (size_t)c->index * (size_t)lg->per_conn + (size_t)i;
		const char *body = lg->bodies ? lg->bodies[slot] : lg->body;
		size_t blen = lg->bodies ? lg->bodylens[slot] : lg->bodylen;
		double t0;
		int status = -1;

		hlen = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: paraphe-loadgen\r\n"
		    "%s%s%s%sContent-Length: %zu\r\n\r\n", lg->method, lg->path, lg->host, lg->port,
		    lg->ctype ? "Content-Type: " : "", lg->ctype ? lg->ctype : "", lg->ctype ? "\r\n" : "", lg->extra,
		    blen);
		if (hlen < 0 || (size_t)hlen >= sizeof(head))
			break;
		/* Head and body in one write: one TLS record, one segment. */
		reqlen = (size_t)hlen + blen;
		if (reqlen > reqcap) {
			char *nr = realloc(req, reqlen);
			if (nr == NULL)
				break;
			req = nr;
			reqcap = reqlen;
		}
		memcpy(req, head, (size_t)hlen);
		if (blen)
			memcpy(req + hlen, body, blen);
		t0 = bench_http_now();

		/* A second attempt on a new connection when the first failed
		 * (the server may have closed an idle one). */
		for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
			if (conn.ssl == NULL && bench_http_connect(&conn) != 0)
				break;
			if (bench_http_write_all(conn.ssl, req, reqlen) == 0 && bench_http_read(conn.ssl, &resp) == 0)
				status = resp.status;
			if (status < 0 || !resp.keep)
				bench_http_close(&conn, 0);
		}
		lg->lat[slot] = bench_http_now() - t0;
		lg->status[slot] = status;
		if (status == lg->expect)
			c->ok++;
		else
			c->failed++;
	}
	bench_http_close(&conn, 1);
	free(resp.buf);
	free(req);
	return NULL;
}

static int
lg_usage(void)
{
	fprintf(stderr, "usage: paraphe-loadgen --url https://HOST:PORT/PATH --cacert CA [--cert C --key K]\n"
	    "       [--connections N] [--requests M] [--method M] [--body TEXT | --body-file F | --bodies-file F]\n"
	    "       [--content-type T] [--expect STATUS] [--header 'Name: value']...\n");
	return 2;
}

static long
lg_num(const char *s, long max)
{
	int64_t v;

	return pp_strtonum(s, strlen(s), 1, max, &v) == PP_OK ? (long)v : -1;
}

int
main(int argc, char **argv)
{
	struct lg lg = { .method = "GET", .expect = 200 };
	struct bench_http_tls tls = { NULL, NULL, NULL };
	const char *url = NULL, *bodyfile = NULL;
	const char *bodiesfile = NULL;
	long conns = 8, requests = 1000;
	int requests_set = 0;
	static char hostbuf[256], portbuf[16];
	pthread_t th[LG_MAX_CONN];
	struct lg_conn cs[LG_MAX_CONN];

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return lg_usage();
		if (bench_http_tls_option(&tls, o, v))
			;
		else if (strcmp(o, "--url") == 0) url = v;
		else if (strcmp(o, "--connections") == 0) conns = lg_num(v, LG_MAX_CONN);
		else if (strcmp(o, "--requests") == 0) {
			requests = lg_num(v, 100000000);
			requests_set = 1;
		}
		else if (strcmp(o, "--method") == 0) lg.method = v;
		else if (strcmp(o, "--body") == 0) {
			pp_free(lg.body);
			lg.bodylen = strlen(v);
			if ((lg.body = pp_malloc(lg.bodylen + 1)) == NULL)
				return 1;
			memcpy(lg.body, v, lg.bodylen + 1);
		}
		else if (strcmp(o, "--body-file") == 0) bodyfile = v;
		else if (strcmp(o, "--bodies-file") == 0) bodiesfile = v;
		else if (strcmp(o, "--content-type") == 0) lg.ctype = v;
		else if (strcmp(o, "--expect") == 0) lg.expect = (int)lg_num(v, 599);
		else if (strcmp(o, "--header") == 0) {
			size_t used = strlen(lg.extra), n = strlen(v);
			/* One header line: no CR or LF inside, room for CRLF. */
			if (strpbrk(v, "\r\n") != NULL || strchr(v, ':') == NULL ||
			    used + n + 3 > sizeof(lg.extra))
				return lg_usage();
			memcpy(lg.extra + used, v, n);
			memcpy(lg.extra + used + n, "\r\n", 3);
		}
		else return lg_usage();
		i++;
	}
	if (url == NULL || tls.cacert == NULL || conns < 1 || requests < 1 || lg.expect < 100 ||
	    strncmp(url, "https://", 8) != 0 || (tls.cert == NULL) != (tls.key == NULL))
		return lg_usage();
	/* https://HOST:PORT/PATH */
	const char *h = url + 8, *colon = strchr(h, ':'), *slash = strchr(h, '/');
	if (colon == NULL || slash == NULL || colon > slash || (size_t)(colon - h) >= sizeof(hostbuf) ||
	    (size_t)(slash - colon - 1) >= sizeof(portbuf))
		return lg_usage();
	memcpy(hostbuf, h, (size_t)(colon - h));
	memcpy(portbuf, colon + 1, (size_t)(slash - colon - 1));
	lg.host = hostbuf;
	lg.port = portbuf;
	lg.path = slash;
	if (bodyfile) {
		char *data;
		size_t len;
		if (pp_file_read(bodyfile, 16 * 1024 * 1024, &data, &len) != PP_OK)
			return 1;
		lg.body = data;
		lg.bodylen = len;
	}
	if (bodiesfile) {
		/* One body per line; the file's buffer is split in place. */
		char *data, *p, *e;
		size_t len, cap = 0;
		if (bodyfile || pp_file_read(bodiesfile, 1024 * 1024 * 1024, &data, &len) != PP_OK)
			return lg_usage();
		lg.body = data;
		for (p = data; p < data + len; p = e + 1) {
			if ((e = memchr(p, '\n', (size_t)(data + len - p))) == NULL)
				e = data + len;
			if (e == p)
				continue;
			if (lg.nbodies == cap) {
				cap = cap ? 2 * cap : 1024;
				lg.bodies = realloc(lg.bodies, cap * sizeof(*lg.bodies));
				lg.bodylens = realloc(lg.bodylens, cap * sizeof(*lg.bodylens));
				if (lg.bodies == NULL || lg.bodylens == NULL)
					return 1;
			}
			lg.bodies[lg.nbodies] = p;
			lg.bodylens[lg.nbodies++] = (size_t)(e - p);
		}
		if (lg.nbodies == 0)
			return lg_usage();
		if (!requests_set || requests > (long)lg.nbodies)
			requests = (long)lg.nbodies;
		if (conns > requests)
			conns = requests;
	}
	if ((lg.ctx = bench_http_ctx(tls.cacert, tls.cert, tls.key)) == NULL)
		return 1;
	lg.per_conn = requests / conns > 0 ? requests / conns : 1;
	size_t n = (size_t)lg.per_conn * (size_t)conns;
	lg.lat = calloc(n, sizeof(double));
	lg.status = calloc(n, sizeof(int));
	if (lg.lat == NULL || lg.status == NULL)
		return 1;
	double t0 = bench_http_now();
	for (long c = 0; c < conns; c++) {
		cs[c] = (struct lg_conn){ .lg = &lg, .index = (int)c };
		if (pthread_create(&th[c], NULL, lg_run, &cs[c]) != 0)
			return 1;
	}
	long ok = 0, failed = 0;
	for (long c = 0; c < conns; c++) {
		pthread_join(th[c], NULL);
		ok += cs[c].ok;
		failed += cs[c].failed;
	}
	double secs = bench_http_now() - t0;
	int seen[600] = { 0 }, transport = 0;
	for (size_t i = 0; i < n; i++) {
		if (lg.status[i] >= 100 && lg.status[i] < 600)
			seen[lg.status[i]]++;
		else
			transport++;
	}
	qsort(lg.lat, n, sizeof(double), bench_http_cmp_double);
	printf("{\"requests\":%zu,\"connections\":%ld,\"ok\":%ld,\"failures\":%ld,\"transport_errors\":%d,"
	    "\"seconds\":%.3f,\"requests_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
	    "\"max_ms\":%.3f,\"status\":{", n, conns, ok, failed, transport, secs, (double)n / secs,
	    lg.lat[n / 2] * 1e3, lg.lat[(n * 9) / 10] * 1e3, lg.lat[(n * 99) / 100] * 1e3, lg.lat[n - 1] * 1e3);
	for (int s = 100, first = 1; s < 600; s++)
		if (seen[s]) {
			printf("%s\"%d\":%d", first ? "" : ",", s, seen[s]);
			first = 0;
		}
	printf("}}\n");
	SSL_CTX_free(lg.ctx);
	free(lg.lat);
	free(lg.status);
	free(lg.bodies);
	free(lg.bodylens);
	pp_free(lg.body);
	return failed == 0 ? 0 : 1;
}
