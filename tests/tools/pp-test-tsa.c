/*
 * pp-test-tsa: a stand-in RFC 3161 time-stamping authority for the tests.
 *
 *   pp-test-tsa --cert TSA.crt --key TSA.key --port-file FILE
 *               [--bad-imprint | --reject]
 *
 * Listens on 127.0.0.1, on a port the kernel picks, and writes that port to
 * FILE (atomically, by rename) once it accepts connections.  Serves one
 * HTTP/1.1 POST of a DER TimeStampReq per connection and answers a
 * TimeStampResp made by OpenSSL's TS_RESP_CTX (SHA-256, policy
 * 1.3.6.1.4.1.99999.1, serials counting from 1, the TSA certificate
 * included when the request asks).  --bad-imprint answers a token over
 * another digest; --reject answers status "rejection".  Exits on SIGTERM.
 *
 * Test code only: one connection at a time, every read bounded in size and
 * time so a stuck client cannot wedge a test run.
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include "pp_util.h"

#define TSA_POLICY "1.3.6.1.4.1.99999.1"
#define TSA_MAX_HEADER 8192
#define TSA_MAX_BODY (64 * 1024)
#define TSA_IO_TIMEOUT_S 5

enum tsa_mode { TSA_GOOD, TSA_BAD_IMPRINT, TSA_REJECT };

static volatile sig_atomic_t tsa_stop;
static long tsa_serial;

static void
tsa_on_signal(int sig)
{
	(void)sig;
	tsa_stop = 1;
}

static ASN1_INTEGER *
tsa_next_serial(TS_RESP_CTX *ctx, void *data)
{
	ASN1_INTEGER *s = ASN1_INTEGER_new();

	(void)data;
	if (s == NULL || ASN1_INTEGER_set(s, ++tsa_serial) != 1) {
		ASN1_INTEGER_free(s);
		TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "no serial");
		return NULL;
	}
	return s;
}

static TS_RESP_CTX *
tsa_ctx_new(const char *cert_path, const char *key_path)
{
	TS_RESP_CTX *ctx = NULL;
	ASN1_OBJECT *policy = NULL;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	FILE *f;

	if ((f = fopen(cert_path, "r")) != NULL) {
		cert = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if ((f = fopen(key_path, "r")) != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	policy = OBJ_txt2obj(TSA_POLICY, 1);
	ctx = TS_RESP_CTX_new();
	if (cert == NULL || key == NULL || policy == NULL || ctx == NULL ||
	    TS_RESP_CTX_set_signer_cert(ctx, cert) != 1 ||
	    TS_RESP_CTX_set_signer_key(ctx, key) != 1 ||
	    TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_def_policy(ctx, policy) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_accuracy(ctx, 1, 0, 0) != 1) {
		fprintf(stderr, "pp-test-tsa: cannot load %s / %s\n", cert_path, key_path);
		ERR_print_errors_fp(stderr);
		TS_RESP_CTX_free(ctx);
		ctx = NULL;
	} else
		TS_RESP_CTX_set_serial_cb(ctx, tsa_next_serial, NULL);
	/* The context holds its own references. */
	ASN1_OBJECT_free(policy);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

/* --bad-imprint: the same request with the first digest byte flipped, so
 * the token is genuine but over another digest.  NULL when req is not a
 * TimeStampReq. */
static BIO *
tsa_twist_imprint(const unsigned char *req, size_t len)
{
	const unsigned char *p = req;
	unsigned char buf[EVP_MAX_MD_SIZE], *der = NULL;
	TS_REQ *r = d2i_TS_REQ(NULL, &p, (long)len);
	TS_MSG_IMPRINT *imp;
	const ASN1_OCTET_STRING *msg;
	BIO *b = NULL;
	int n;

	if (r == NULL)
		return NULL;
	imp = TS_REQ_get_msg_imprint(r);
	msg = TS_MSG_IMPRINT_get_msg(imp);
	n = ASN1_STRING_length(msg);
	if (n > 0 && n <= (int)sizeof(buf)) {
		memcpy(buf, ASN1_STRING_get0_data(msg), (size_t)n);
		buf[0] ^= 0xff;
		/* A memory BIO of its own: der is freed below. */
		if (TS_MSG_IMPRINT_set_msg(imp, buf, n) == 1 && (n = i2d_TS_REQ(r, &der)) > 0 &&
		    (b = BIO_new(BIO_s_mem())) != NULL && BIO_write(b, der, n) != n) {
			BIO_free(b);
			b = NULL;
		}
	}
	OPENSSL_free(der);
	TS_REQ_free(r);
	return b;
}

/* DER TimeStampResp for the request body; OUT *out (OPENSSL_free). */
static int
tsa_answer(TS_RESP_CTX *ctx, enum tsa_mode mode, const unsigned char *req, size_t len,
    unsigned char **out)
{
	TS_RESP *resp = NULL;
	BIO *in = NULL;
	int n = -1;

	if (mode == TSA_REJECT) {
		TS_STATUS_INFO *si = TS_STATUS_INFO_new();
		resp = TS_RESP_new();
		if (si == NULL || resp == NULL || TS_STATUS_INFO_set_status(si, TS_STATUS_REJECTION) != 1 ||
		    TS_RESP_set_status_info(resp, si) != 1) {
			TS_RESP_free(resp);
			resp = NULL;
		}
		TS_STATUS_INFO_free(si);
	} else {
		if (mode == TSA_BAD_IMPRINT)
			in = tsa_twist_imprint(req, len);
		else
			in = BIO_new_mem_buf(req, (int)len);
		/* A body that is no TimeStampReq gets what the context makes of
		 * it (a rejection with badDataFormat). */
		if (in == NULL)
			in = BIO_new_mem_buf(req, (int)len);
		if (in != NULL)
			resp = TS_RESP_create_response(ctx, in);
	}
	if (resp != NULL)
		n = i2d_TS_RESP(resp, out);
	TS_RESP_free(resp);
	BIO_free(in);
	ERR_clear_error();
	return n;
}

static int
tsa_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR && !tsa_stop)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
tsa_status(int fd, const char *status)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	    status);

	if (n > 0 && (size_t)n < sizeof(msg))
		(void)tsa_write_all(fd, msg, (size_t)n);
}

/* Value of header name in head[0..len) (a line "name: value\r\n"); 0 when absent. */
static int
tsa_header(const char *head, size_t len, const char *name, struct pp_str *value)
{
	size_t nlen = strlen(name);
	const char *p = head, *end = head + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1, *ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			value->p = v;
			value->len = (size_t)(ve - v);
			return 1;
		}
		p = eol + 1;
	}
	return 0;
}

static void
tsa_serve(int fd, TS_RESP_CTX *ctx, enum tsa_mode mode)
{
	static char buf[TSA_MAX_HEADER + TSA_MAX_BODY];
	size_t got = 0, head = 0, need;
	struct pp_str cl;
	int64_t clen;
	unsigned char *der = NULL;
	char hdr[256];
	int n;

	/* Headers, up to the blank line. */
	while (head == 0) {
		ssize_t r;
		if (got == TSA_MAX_HEADER) {
			tsa_status(fd, "431 Request Header Fields Too Large");
			return;
		}
		r = recv(fd, buf + got, TSA_MAX_HEADER - got, 0);
		if (r == -1 && errno == EINTR && !tsa_stop)
			continue;
		if (r <= 0)
			return;
		got += (size_t)r;
		for (size_t i = 3; i < got; i++)
			if (memcmp(buf + i - 3, "\r\n\r\n", 4) == 0) {
				head = i + 1;
				break;
			}
	}
	if (strncmp(buf, "POST ", 5) != 0) {
		tsa_status(fd, "405 Method Not Allowed");
		return;
	}
	if (!tsa_header(buf, head, "Content-Length", &cl) ||
	    pp_strtonum(cl.p, cl.len, 0, TSA_MAX_BODY, &clen) != PP_OK) {
		tsa_status(fd, "411 Length Required");
		return;
	}
	need = head + (size_t)clen;
	while (got < need) {
		ssize_t r = recv(fd, buf + got, need - got, 0);
		if (r == -1 && errno == EINTR && !tsa_stop)
			continue;
		if (r <= 0)
			return;
		got += (size_t)r;
	}
	n = tsa_answer(ctx, mode, (unsigned char *)buf + head, (size_t)clen, &der);
	if (n <= 0) {
		tsa_status(fd, "500 Internal Server Error");
		return;
	}
	snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n", n);
	if (tsa_write_all(fd, hdr, strlen(hdr)) == 0)
		(void)tsa_write_all(fd, der, (size_t)n);
	OPENSSL_free(der);
}

static int
tsa_write_port(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0)
		return -1;
	/* Readers never see a half-written number. */
	return rename(tmp, path);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pp-test-tsa --cert TSA.crt --key TSA.key --port-file FILE "
	    "[--bad-imprint|--reject]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *port_file = NULL;
	enum tsa_mode mode = TSA_GOOD;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct sigaction act;
	struct timeval tv = {TSA_IO_TIMEOUT_S, 0};
	TS_RESP_CTX *ctx;
	int lfd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			cert = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
			port_file = argv[++i];
		else if (strcmp(argv[i], "--bad-imprint") == 0 && mode == TSA_GOOD)
			mode = TSA_BAD_IMPRINT;
		else if (strcmp(argv[i], "--reject") == 0 && mode == TSA_GOOD)
			mode = TSA_REJECT;
		else
			usage();
	}
	if (cert == NULL || key == NULL || port_file == NULL)
		usage();
	ctx = tsa_ctx_new(cert, key);
	if (ctx == NULL)
		return 1;

	/* No SA_RESTART: SIGTERM must interrupt accept(). */
	memset(&act, 0, sizeof(act));
	act.sa_handler = tsa_on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(lfd, 16) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) == -1) {
		perror("pp-test-tsa: listen");
		return 1;
	}
	if (tsa_write_port(port_file, ntohs(sa.sin_port)) != 0) {
		perror("pp-test-tsa: port file");
		return 1;
	}
	while (!tsa_stop) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("pp-test-tsa: accept");
			break;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		tsa_serve(fd, ctx, mode);
		close(fd);
	}
	close(lfd);
	TS_RESP_CTX_free(ctx);
	return tsa_stop ? 0 : 1;
}
