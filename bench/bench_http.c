/*
 * bench_http: the benchmarks' HTTPS/1.1 client (see bench_http.h).  The
 * responses come from the service under test, through nginx: still, every
 * length is checked against the caller's buffer before a byte is read.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include "bench_http.h"

double
bench_http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
bench_http_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
bench_http_tls_option(struct bench_http_tls *t, const char *o, const char *v)
{
	if (strcmp(o, "--cacert") == 0)
		t->cacert = v;
	else if (strcmp(o, "--cert") == 0)
		t->cert = v;
	else if (strcmp(o, "--key") == 0)
		t->key = v;
	else
		return 0;
	return 1;
}

SSL_CTX *
bench_http_ctx(const char *cacert, const char *cert, const char *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, cacert, NULL) != 1 ||
	    (cert && (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1))) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

int
bench_http_connect(struct bench_http_conn *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int one = 1;

	c->ssl = NULL;
	c->fd = -1;
	c->reused = 0;
	if (getaddrinfo(c->host, c->port, &hints, &res) != 0 || res == NULL)
		return -1;
	c->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(c->fd, res->ai_addr, res->ai_addrlen) != 0) {
		freeaddrinfo(res);
		bench_http_close(c, 0);
		return -1;
	}
	freeaddrinfo(res);
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_set_tlsext_host_name(c->ssl, c->host) != 1 ||
	    SSL_connect(c->ssl) != 1) {
		bench_http_close(c, 0);
		return -1;
	}
	return 0;
}

void
bench_http_close(struct bench_http_conn *c, int notify)
{
	if (c->ssl) {
		if (notify)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
	c->reused = 0;
}

int
bench_http_write_all(SSL *ssl, const void *p, size_t len)
{
	const char *b = p;

	while (len > 0) {
		int n = SSL_write(ssl, b, len > BENCH_HTTP_IO_MAX ? BENCH_HTTP_IO_MAX : (int)len);
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

void
bench_http_resp_reset(struct bench_http_resp *r)
{
	r->status = -1;
	r->hlen = 0;
	r->blen = 0;
	r->keep = 0;
	r->any = 0;
	r->buf[0] = '\0';
	r->body = r->buf;
}

/* Reads at least one more byte into r->buf, up to need (at most cap - 1). */
static int
bench_http_fill(SSL *ssl, struct bench_http_resp *r, size_t *got, size_t need)
{
	size_t room = need - *got;
	int n;

	if (*got >= need)
		return -1;
	n = SSL_read(ssl, r->buf + *got, (int)(room > BENCH_HTTP_IO_MAX ? BENCH_HTTP_IO_MAX : room));
	if (n <= 0)
		return -1;
	r->any = 1;
	*got += (size_t)n;
	r->buf[*got] = '\0';
	return 0;
}

/* Reads until got >= need; need beyond the buffer is a framing error. */
static int
bench_http_fill_to(SSL *ssl, struct bench_http_resp *r, size_t *got, size_t need)
{
	if (need > r->cap - 1)
		return -1;
	while (*got < need)
		if (bench_http_fill(ssl, r, got, need) != 0)
			return -1;
	return 0;
}

/* The chunks from pos (the end of the headers), joined in place after the
 * headers; got grows as more of them are read. */
static int
bench_http_dechunk(SSL *ssl, struct bench_http_resp *r, size_t *got)
{
	size_t pos = r->hlen, out = r->hlen;

	for (;;) {
		char *eol, *end;
		unsigned long size;
		size_t data;
		while ((eol = memmem(r->buf + pos, *got - pos, "\r\n", 2)) == NULL)
			if (bench_http_fill(ssl, r, got, r->cap - 1) != 0)
				return -1;
		/* chunk-size [; extensions] CRLF */
		errno = 0;
		size = strtoul(r->buf + pos, &end, 16);
		if (errno || end == r->buf + pos || (*end != ';' && *end != '\r') || size > r->cap)
			return -1;
		data = (size_t)(eol - r->buf) + 2;
		if (bench_http_fill_to(ssl, r, got, data + size + 2) != 0 ||
		    memcmp(r->buf + data + size, "\r\n", 2) != 0)
			return -1;
		memmove(r->buf + out, r->buf + data, size);
		out += size;
		pos = data + size + 2;
		if (size == 0) {
			r->body = r->buf + r->hlen;
			r->blen = out - r->hlen;
			r->buf[out] = '\0';
			return 0;
		}
	}
}

static int
bench_http_read_1(SSL *ssl, struct bench_http_resp *r)
{
	size_t got = 0, scanned = 0;
	long clen = -1;
	int chunked = 0;
	char *e, *line;

	bench_http_resp_reset(r);
	r->keep = 1;
	for (;;) {
		if (bench_http_fill(ssl, r, &got, r->cap - 1) != 0)
			return -1;
		/* The blank line may straddle two reads. */
		if ((e = memmem(r->buf + scanned, got - scanned, "\r\n\r\n", 4)) != NULL)
			break;
		scanned = got > 3 ? got - 3 : 0;
	}
	r->hlen = (size_t)(e - r->buf) + 4;
	if (sscanf(r->buf, "HTTP/1.%*d %d", &r->status) != 1)
		return -1;
	for (line = strstr(r->buf, "\r\n"); line && line < e; line = strstr(line + 2, "\r\n")) {
		const char *h = line + 2, *eoh = strstr(h, "\r\n"), *v;
		if (strncasecmp(h, "Content-Length:", 15) == 0)
			clen = strtol(h + 15, NULL, 10);
		else if (strncasecmp(h, "Transfer-Encoding:", 18) == 0 && (v = strstr(h, "chunked")) != NULL && v < eoh)
			chunked = 1;
		else if (strncasecmp(h, "Connection:", 11) == 0 &&
		    strncasecmp(h + 11 + strspn(h + 11, " "), "close", 5) == 0)
			r->keep = 0;
	}
	if (chunked)
		return bench_http_dechunk(ssl, r, &got);
	if (clen < 0 || (size_t)clen > r->cap || bench_http_fill_to(ssl, r, &got, r->hlen + (size_t)clen) != 0)
		return -1;
	r->buf[r->hlen + (size_t)clen] = '\0';
	r->body = r->buf + r->hlen;
	r->blen = (size_t)clen;
	return 0;
}

int
bench_http_read(SSL *ssl, struct bench_http_resp *r)
{
	if (bench_http_read_1(ssl, r) == 0)
		return 0;
	/* Half a response is none: the status of a cut answer is not kept. */
	r->status = -1;
	return -1;
}
