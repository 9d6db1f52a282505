/*
 * bench_http: the HTTPS/1.1 client the end-to-end benchmarks share
 * (paraphe-loadgen, paraphe-bench-flow): a monotonic clock, one TLS
 * connection kept alive, a write loop and a response reader.  One request
 * is in flight on a connection at a time (no pipelining).
 *
 * Functions return 0 on success and -1 on a transport or framing error;
 * what they found goes to OUT parameters.  Only bench_http_ctx prints
 * (OpenSSL's errors, on stderr: a set-up failure ends the program).
 */
#ifndef BENCH_HTTP_H
#define BENCH_HTTP_H

#include <stddef.h>
#include <openssl/ssl.h>

/* Largest piece given to one SSL_read or SSL_write. */
#define BENCH_HTTP_IO_MAX 65536

/* CLOCK_MONOTONIC in seconds, for latencies and schedules. */
double bench_http_now(void);

/* qsort comparator of doubles (latencies in seconds), ascending. */
int bench_http_cmp_double(const void *a, const void *b);

/* The TLS options of the benchmark programs: --cacert CA.pem, and
 * --cert CERT.pem with --key KEY.pem for a client certificate.  The
 * strings are borrowed (argv). */
struct bench_http_tls {
	const char *cacert, *cert, *key;
};

/* 1 when option o is one of them (value v stored in t), else 0. */
int bench_http_tls_option(struct bench_http_tls *t, const char *o, const char *v);

/*
 * A client context that verifies the server against cacert (PEM) and,
 * when cert is not NULL, presents cert (a PEM chain) with key.  Returns
 * NULL on failure, after printing OpenSSL's errors; the caller frees the
 * context with SSL_CTX_free once every connection using it is closed.
 */
SSL_CTX *bench_http_ctx(const char *cacert, const char *cert, const char *key);

/*
 * One keep-alive TLS connection to host:port.  The caller sets ctx, host
 * and port (borrowed: they must outlive the connection; the context
 * decides the verification and the client certificate) and fd = -1,
 * ssl = NULL; the connection owns ssl and fd, which bench_http_close
 * releases.  ssl == NULL means "not connected".
 */
struct bench_http_conn {
	SSL_CTX *ctx;		/* IN, borrowed */
	const char *host;	/* IN, borrowed; also the SNI name */
	const char *port;	/* IN, borrowed */
	SSL *ssl;		/* owned */
	int fd;			/* owned */
	int reused;		/* an answer came on it since it opened */
};

/* Opens closed connection c (ssl NULL): TCP (TCP_NODELAY: requests are
 * small and answered at once), then the TLS handshake with SNI.  On
 * failure c stays closed. */
int bench_http_connect(struct bench_http_conn *c);

/* Releases c's session and socket (a no-op when closed).  notify sends
 * the TLS close_notify first: only on a healthy connection, never after
 * a read or write failed. */
void bench_http_close(struct bench_http_conn *c, int notify);

/* Writes len bytes of p, in pieces of at most BENCH_HTTP_IO_MAX. */
int bench_http_write_all(SSL *ssl, const void *p, size_t len);

/*
 * One response.  The caller owns buf (cap bytes, cap >= 2) and sets buf
 * and cap; bench_http_read fills the rest.  The raw response may take up
 * to cap - 1 bytes (a larger one is a framing error); a chunked body is
 * joined in place, so body always points into buf at blen contiguous
 * bytes followed by a NUL (the headers, buf[0..hlen), are followed by the
 * body, not by a NUL: read them with hlen).  The fields other than buf and
 * cap are only valid until the next read into the same buf.
 */
struct bench_http_resp {
	char *buf;		/* IN, owned by the caller */
	size_t cap;		/* IN */
	int status;		/* OUT: the status code; -1 until read */
	size_t hlen;		/* OUT: header bytes, through the blank line */
	const char *body;	/* OUT: into buf */
	size_t blen;		/* OUT */
	int keep;		/* OUT: 0 when the server closes after it */
	int any;		/* OUT: 1 once a byte of it arrived */
};

/* Clears r's OUT fields to "no response" (status -1, empty body). */
void bench_http_resp_reset(struct bench_http_resp *r);

/* Reads one HTTP/1.1 response on ssl: Content-Length or chunked framing
 * (no trailers), Connection: close.  A response with neither framing is
 * refused (a keep-alive client cannot tell where it ends).  On failure
 * status is -1; body (NUL-terminated) holds what came, for messages. */
int bench_http_read(SSL *ssl, struct bench_http_resp *r);

#endif
