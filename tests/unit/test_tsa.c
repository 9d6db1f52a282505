/*
 * pp_tsa: RFC 3161 tokens fetched from the stand-in TSA (tests/tools/
 * pp-test-tsa) on loopback, verified offline, and cross-checked with
 * `openssl ts -verify`.  A throwaway TSA CA is made with the openssl CLI.
 *
 * Needs top_builddir (exported by `make check`) to find pp-test-tsa.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_tsa.h"
#include "pp_util.h"
#include "pp_test.h"

enum { SRV_GOOD, SRV_BAD_IMPRINT, SRV_REJECT, SRV_SHORT_LIVED, SRV__MAX };

static const char *srv_flag[SRV__MAX] = {NULL, "--bad-imprint", "--reject", NULL};
static pid_t srv_pid[SRV__MAX];
static char srv_url[SRV__MAX][64];
static char tmpdir[256];
static char ca_file[512], other_ca[512];
static pp_hash digest;

/* ------------------------------------------------------------------ helpers */

static const char *
tmp_path(const char *name)
{
	static char path[4][512];
	static int which;

	which = (which + 1) % 4;
	snprintf(path[which], sizeof(path[which]), "%s/%s", tmpdir, name);
	return path[which];
}

static int
run(const char *cmd)
{
	int st = system(cmd);

	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A throwaway CA and TSA certificate (P-256, EKU timeStamping, critical),
 * and an unrelated CA for the negative tests. */
static int
make_pki(void)
{
	char cmd[4096], quiet[4400];
	FILE *f = fopen(tmp_path("pki.cnf"), "w");

	if (f == NULL)
		return -1;
	fputs("[ req ]\n"
	    "distinguished_name = dn\n"
	    "prompt = no\n"
	    "[ dn ]\n"
	    "CN = placeholder\n"
	    "[ ca ]\n"
	    "basicConstraints = critical, CA:TRUE\n"
	    "keyUsage = critical, keyCertSign, cRLSign\n"
	    "subjectKeyIdentifier = hash\n"
	    "[ tsa ]\n"
	    "basicConstraints = critical, CA:FALSE\n"
	    "keyUsage = critical, digitalSignature\n"
	    "extendedKeyUsage = critical, timeStamping\n"
	    "subjectKeyIdentifier = hash\n"
	    "authorityKeyIdentifier = keyid:always\n", f);
	if (fclose(f) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "cd '%s' && "
	    "for ca in ca other; do "
	    "openssl req -x509 -config pki.cnf -extensions ca -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key -out $ca.crt "
	    "-subj \"/CN=Test $ca TSA CA\" -days 30 || exit 1; done && "
	    "openssl req -new -config pki.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout tsa.key -out tsa.csr -subj '/CN=Test TSA' && "
	    "openssl x509 -req -in tsa.csr -CA ca.crt -CAkey ca.key -set_serial 2 -days 30 "
	    "-extfile pki.cnf -extensions tsa -out tsa.crt", tmpdir);
	/* Quiet unless it fails: then the CLI's words are the diagnostic. */
	snprintf(quiet, sizeof(quiet), "( %s ) >'%s/openssl.log' 2>&1", cmd, tmpdir);
	if (run(quiet) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/openssl.log' >&2", tmpdir);
		(void)run(cmd);
		return -1;
	}
	snprintf(ca_file, sizeof(ca_file), "%s/ca.crt", tmpdir);
	snprintf(other_ca, sizeof(other_ca), "%s/other.crt", tmpdir);
	return 0;
}

/* Starts pp-test-tsa (server which, certificate cert_name in tmpdir);
 * waits for its port. */
static int
start_server(int which, const char *cert_name)
{
	const char *top = getenv("top_builddir");
	char prog[1024], port_file[512], cert[512], key[512];
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/tests/tools/pp-test-tsa", top && *top ? top : ".");
	snprintf(port_file, sizeof(port_file), "%s/port.%d", tmpdir, which);
	snprintf(cert, sizeof(cert), "%s/%s", tmpdir, cert_name);
	snprintf(key, sizeof(key), "%s/tsa.key", tmpdir);
	if (access(prog, X_OK) != 0) {
		fprintf(stderr, "%s not found (set top_builddir)\n", prog);
		return -1;
	}
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		execl(prog, prog, "--cert", cert, "--key", key, "--port-file", port_file,
		    srv_flag[which], (char *)NULL);
		_exit(127);
	}
	srv_pid[which] = pid;
	/* Up to 10 s for the port file (a loaded sanitizer build is slow). */
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen(port_file, "r");
		int port = 0;

		if (f != NULL) {
			int ok = fscanf(f, "%d", &port) == 1;
			fclose(f);
			if (ok && port > 0 && port < 65536) {
				snprintf(srv_url[which], sizeof(srv_url[which]), "http://127.0.0.1:%d/tsa", port);
				return 0;
			}
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			srv_pid[which] = 0;
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

static int
stop_server(int which)
{
	int st = 0;

	if (srv_pid[which] <= 0)
		return 0;
	kill(srv_pid[which], SIGTERM);
	if (waitpid(srv_pid[which], &st, 0) != srv_pid[which])
		return -1;
	srv_pid[which] = 0;
	/* A clean exit on SIGTERM. */
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A loopback port nothing listens on (bound, then released). */
static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/*
 * A one-shot fake TSA for answers pp-test-tsa never gives: accepts one
 * connection, reads the request (bounded), sends resp[0..len) verbatim.
 * OUT url; returns the child's pid.
 */
static pid_t
fake_server(const void *resp, size_t len, char *url, size_t urlcap)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	snprintf(url, urlcap, "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		struct timeval tv = {5, 0};
		int fd = accept(lfd, NULL, NULL);
		const char *p = resp;
		size_t got = 0;

		if (fd < 0)
			_exit(1);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* The whole request is read before answering: closing on unread
		 * bytes would reset the connection under the client. */
		size_t need = 0;
		while (got < sizeof(buf) && (need == 0 || got < need)) {
			ssize_t r = recv(fd, buf + got, sizeof(buf) - got, 0);
			const char *end;
			if (r <= 0)
				break;
			got += (size_t)r;
			end = memmem(buf, got, "\r\n\r\n", 4);
			if (need == 0 && end != NULL) {
				const char *cl = memmem(buf, (size_t)(end - buf), "Content-Length: ", 16);
				need = (size_t)(end - buf) + 4 + (cl ? strtoul(cl + 16, NULL, 10) : 0);
			}
		}
		while (len > 0) {
			ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			p += w;
			len -= (size_t)w;
		}
		close(fd);
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void
reap(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------ setup */

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;

	snprintf(tmpdir, sizeof(tmpdir), "%s/pp_tsa_XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	SHA256((const unsigned char *)"manifest of segment 1\n", 22, digest);
	if (make_pki() != 0)
		return -1;
	/* SRV_SHORT_LIVED is started by its test. */
	for (int i = 0; i < SRV_SHORT_LIVED; i++)
		if (start_server(i, "tsa.crt") != 0)
			return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	int rc = 0;
	(void)state;

	pp_mem_fail_after(-1);
	for (int i = 0; i < SRV__MAX; i++)
		if (stop_server(i) != 0) {
			fprintf(stderr, "pp-test-tsa %d did not exit cleanly on SIGTERM\n", i);
			rc = -1;
		}
	if (pp_test_rmtree(tmpdir) != 0)
		rc = -1;
	return rc;
}

/* ------------------------------------------------------------------ tests */

static void
test_fetch_and_verify(void **state)
{
	uint8_t *tsr = NULL;
	size_t len = 0;
	time_t gen = 0, now = time(NULL);
	char hex[2 * PP_HASH_LEN + 1], cmd[2048];
	(void)state;

	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &tsr, &len), PP_OK);
	assert_non_null(tsr);
	assert_true(len > 100 && len <= PP_TSA_MAX_RESPONSE);
	assert_int_equal(pp_tsa_verify(tsr, len, digest, ca_file, &gen), PP_OK);
	/* genTime is the TSA's clock: this machine's, a moment ago. */
	assert_true(gen >= now - 60 && gen <= now + 60);
	assert_int_equal(pp_tsa_verify(tsr, len, digest, ca_file, NULL), PP_OK);

	/* The stored bytes are a standard TimeStampResp. */
	write_bytes(tmp_path("x.tsr"), tsr, len);
	pp_hex(digest, PP_HASH_LEN, hex);
	snprintf(cmd, sizeof(cmd), "openssl ts -verify -digest %s -in '%s' -CAfile '%s' >/dev/null 2>&1",
	    hex, tmp_path("x.tsr"), ca_file);
	assert_int_equal(run(cmd), 0);
	/* ... and the CLI refuses it for another digest or another CA. */
	hex[0] = hex[0] == '0' ? '1' : '0';
	snprintf(cmd, sizeof(cmd), "openssl ts -verify -digest %s -in '%s' -CAfile '%s' >/dev/null 2>&1",
	    hex, tmp_path("x.tsr"), ca_file);
	assert_int_not_equal(run(cmd), 0);
	pp_hex(digest, PP_HASH_LEN, hex);
	snprintf(cmd, sizeof(cmd), "openssl ts -verify -digest %s -in '%s' -CAfile '%s' >/dev/null 2>&1",
	    hex, tmp_path("x.tsr"), other_ca);
	assert_int_not_equal(run(cmd), 0);
	pp_free(tsr);

	/* With the CA file the client checks the signature itself. */
	tsr = NULL;
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, ca_file, &tsr, &len), PP_OK);
	assert_int_equal(pp_tsa_verify(tsr, len, digest, ca_file, NULL), PP_OK);
	pp_free(tsr);
}

static long
serial_of(const uint8_t *tsr, size_t len)
{
	const unsigned char *p = tsr;
	TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)len);
	long s;

	assert_non_null(r);
	s = ASN1_INTEGER_get(TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r)));
	TS_RESP_free(r);
	return s;
}

static void
test_serials_increase(void **state)
{
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;
	(void)state;

	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &a, &alen), PP_OK);
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &b, &blen), PP_OK);
	assert_true(serial_of(b, blen) > serial_of(a, alen));
	/* Fresh nonces: two tokens for one digest differ. */
	assert_false(alen == blen && memcmp(a, b, alen) == 0);
	pp_free(a);
	pp_free(b);
}

static void
test_verify_refusals(void **state)
{
	uint8_t *tsr = NULL, *big;
	size_t len = 0;
	pp_hash other;
	time_t gen = 12345;
	(void)state;

	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &tsr, &len), PP_OK);
	/* Wrong digest. */
	memcpy(other, digest, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(pp_tsa_verify(tsr, len, other, ca_file, &gen), PP_ERR_FORBIDDEN);
	assert_int_equal(gen, 12345);
	/* Wrong CA: the token does not chain to it. */
	assert_int_equal(pp_tsa_verify(tsr, len, digest, other_ca, &gen), PP_ERR_FORBIDDEN);
	/* The TSA certificate itself is no trust anchor for its own tokens
	 * (it is not a CA). */
	assert_int_equal(pp_tsa_verify(tsr, len, digest, tmp_path("tsa.crt"), &gen), PP_ERR_FORBIDDEN);
	/* A flipped byte near the end (inside the signature). */
	tsr[len - 5] ^= 0x55;
	assert_int_not_equal(pp_tsa_verify(tsr, len, digest, ca_file, &gen), PP_OK);
	tsr[len - 5] ^= 0x55;
	assert_int_equal(pp_tsa_verify(tsr, len, digest, ca_file, &gen), PP_OK);
	gen = 12345;
	/* Not parseable: garbage, empty, truncated, trailing bytes. */
	static const uint8_t garbage[] = "this is not a TimeStampResp";
	assert_int_equal(pp_tsa_verify(garbage, sizeof(garbage), digest, ca_file, &gen),
	    PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_tsa_verify(tsr, 0, digest, ca_file, &gen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_tsa_verify(NULL, 10, digest, ca_file, &gen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_tsa_verify(tsr, len - 1, digest, ca_file, &gen), PP_ERR_BAD_REQUEST);
	assert_int_equal(pp_tsa_verify(tsr, len / 2, digest, ca_file, &gen), PP_ERR_BAD_REQUEST);
	big = malloc(len + 1);
	assert_non_null(big);
	memcpy(big, tsr, len);
	big[len] = 0;
	assert_int_equal(pp_tsa_verify(big, len + 1, digest, ca_file, &gen), PP_ERR_BAD_REQUEST);
	free(big);
	/* A CA file that cannot be read is a configuration error. */
	assert_int_equal(pp_tsa_verify(tsr, len, digest, tmp_path("missing.crt"), &gen), PP_ERR_CONFIG);
	assert_int_equal(pp_tsa_verify(tsr, len, digest, "", &gen), PP_ERR_CONFIG);
	assert_int_equal(gen, 12345);
	pp_free(tsr);
}

static void
test_fetch_bad_answers(void **state)
{
	uint8_t *tsr = NULL;
	size_t len = 0;
	(void)state;

	/* A genuine token over another digest. */
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_BAD_IMPRINT], digest, 5000, "", &tsr, &len),
	    PP_ERR_PROTO);
	assert_null(tsr);
	/* status: rejection. */
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_REJECT], digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	assert_null(tsr);
	/* A good token signed by a TSA the given CA does not vouch for. */
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, other_ca, &tsr, &len),
	    PP_ERR_PROTO);
	assert_null(tsr);
	/* An unreadable CA file. */
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, tmp_path("missing.crt"), &tsr,
	    &len), PP_ERR_CONFIG);
	assert_null(tsr);
}

/* Answers pp-test-tsa never gives, from a one-shot fake server. */
static void
test_fetch_fake_answers(void **state)
{
	uint8_t *tsr = NULL, *good = NULL;
	size_t len = 0, glen = 0;
	char url[64], head[256];
	char *resp;
	size_t rlen;
	pid_t pid;
	(void)state;

	/* A real token, replayed: its nonce is not the new request's. */
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &good, &glen), PP_OK);
	resp = malloc(PP_TSA_MAX_RESPONSE + 1024);
	assert_non_null(resp);
	rlen = (size_t)snprintf(resp, 256, "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", glen);
	memcpy(resp + rlen, good, glen);
	pid = fake_server(resp, rlen + glen, url, sizeof(url));
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	reap(pid);

	/* Right bytes, wrong Content-Type. */
	rlen = (size_t)snprintf(resp, 256, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", glen);
	memcpy(resp + rlen, good, glen);
	pid = fake_server(resp, rlen + glen, url, sizeof(url));
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	reap(pid);

	/* HTTP error status. */
	static const char err500[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	pid = fake_server(err500, sizeof(err500) - 1, url, sizeof(url));
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	reap(pid);

	/* Garbage body. */
	static const char junk[] = "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\n"
	    "Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	pid = fake_server(junk, sizeof(junk) - 1, url, sizeof(url));
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	reap(pid);

	/* Over PP_TSA_MAX_RESPONSE, announced ... */
	rlen = (size_t)snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/timestamp-reply\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
	    PP_TSA_MAX_RESPONSE + 1);
	memcpy(resp, head, rlen);
	memset(resp + rlen, 'A', PP_TSA_MAX_RESPONSE + 1);
	pid = fake_server(resp, rlen + PP_TSA_MAX_RESPONSE + 1, url, sizeof(url));
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	reap(pid);
	/* ... or not (no Content-Length, ends when the connection closes). */
	rlen = (size_t)snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/timestamp-reply\r\nConnection: close\r\n\r\n");
	memcpy(resp, head, rlen);
	memset(resp + rlen, 'A', PP_TSA_MAX_RESPONSE + 1);
	pid = fake_server(resp, rlen + PP_TSA_MAX_RESPONSE + 1, url, sizeof(url));
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_PROTO);
	reap(pid);
	assert_null(tsr);
	free(resp);
	pp_free(good);
}

static void
test_fetch_unreachable(void **state)
{
	uint8_t *tsr = NULL;
	size_t len = 0;
	char url[64];
	double t0;
	int port = free_port();
	(void)state;

	/* Nothing listening: refused at once. */
	assert_true(port > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	t0 = now_s();
	assert_int_equal(pp_tsa_fetch(url, digest, 5000, "", &tsr, &len), PP_ERR_UNAVAILABLE);
	assert_true(now_s() - t0 < 2.0);
	assert_null(tsr);

	/* Listening but never answering: the timeout bounds the wait. */
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	t0 = now_s();
	assert_int_equal(pp_tsa_fetch(url, digest, 300, "", &tsr, &len), PP_ERR_UNAVAILABLE);
	assert_true(now_s() - t0 < 3.0);
	close(lfd);
}

static void
test_fetch_bad_arguments(void **state)
{
	uint8_t *tsr = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_tsa_fetch("", digest, 5000, "", &tsr, &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 0, "", &tsr, &len), PP_ERR_INTERNAL);
	assert_int_equal(pp_tsa_fetch("file:///etc/passwd", digest, 5000, "", &tsr, &len),
	    PP_ERR_CONFIG);
	assert_int_equal(pp_tsa_fetch("ftp://127.0.0.1/", digest, 5000, "", &tsr, &len), PP_ERR_CONFIG);
	assert_int_equal(pp_tsa_fetch("not a url", digest, 5000, "", &tsr, &len), PP_ERR_CONFIG);
	assert_null(tsr);
}

static void
test_fetch_nomem(void **state)
{
	uint8_t *tsr = NULL;
	size_t len = 0;
	(void)state;

	/* The response buffer is the first pp_malloc: the answer is lost, and
	 * nothing leaks (the sanitizer build checks). */
	pp_mem_fail_after(0);
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &tsr, &len), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(tsr);
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_GOOD], digest, 5000, "", &tsr, &len), PP_OK);
	pp_free(tsr);
}

/*
 * Stored tokens outlive the TSA certificate: pp_tsa_verify checks the chain
 * as of the token's genTime, where `openssl ts -verify` (today's date)
 * gives up.  The TSA certificate here expires seconds after it is issued.
 */
static void
test_verify_after_tsa_cert_expiry(void **state)
{
	char cmd[4096], nb[32], na[32], hex[2 * PP_HASH_LEN + 1];
	time_t now = time(NULL), gen = 0, end;
	struct tm tm;
	uint8_t *tsr = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	f = fopen(tmp_path("ca.cnf"), "w");
	assert_non_null(f);
	fputs("[ ca ]\ndefault_ca = tca\n[ tca ]\ndatabase = index.txt\nnew_certs_dir = .\n"
	    "certificate = ca.crt\nprivate_key = ca.key\ndefault_md = sha256\npolicy = pol\n"
	    "serial = serial\n[ pol ]\ncommonName = supplied\n", f);
	assert_int_equal(fclose(f), 0);
	end = now + 3;
	strftime(nb, sizeof(nb), "%Y%m%d%H%M%SZ", gmtime_r(&(time_t){now - 60}, &tm));
	strftime(na, sizeof(na), "%Y%m%d%H%M%SZ", gmtime_r(&end, &tm));
	snprintf(cmd, sizeof(cmd), "cd '%s' && : >index.txt && echo 10 >serial && "
	    "openssl ca -batch -notext -config ca.cnf -extfile pki.cnf -extensions tsa "
	    "-startdate %s -enddate %s -in tsa.csr -out short.crt >openssl.log 2>&1",
	    tmpdir, nb, na);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(start_server(SRV_SHORT_LIVED, "short.crt"), 0);
	/* Fresh: the client's own check (today's date) passes. */
	assert_int_equal(pp_tsa_fetch(srv_url[SRV_SHORT_LIVED], digest, 5000, ca_file, &tsr, &len),
	    PP_OK);
	assert_int_equal(stop_server(SRV_SHORT_LIVED), 0);
	while (time(NULL) <= end + 1)
		usleep(100000);
	assert_int_equal(pp_tsa_verify(tsr, len, digest, ca_file, &gen), PP_OK);
	assert_true(gen <= end);
	write_bytes(tmp_path("short.tsr"), tsr, len);
	pp_hex(digest, PP_HASH_LEN, hex);
	snprintf(cmd, sizeof(cmd), "openssl ts -verify -digest %s -in '%s' -CAfile '%s' >/dev/null 2>&1",
	    hex, tmp_path("short.tsr"), ca_file);
	assert_int_not_equal(run(cmd), 0);
	/* Still refused for another digest or CA. */
	digest[0] ^= 1;
	assert_int_equal(pp_tsa_verify(tsr, len, digest, ca_file, &gen), PP_ERR_FORBIDDEN);
	digest[0] ^= 1;
	assert_int_equal(pp_tsa_verify(tsr, len, digest, other_ca, &gen), PP_ERR_FORBIDDEN);
	pp_free(tsr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_and_verify),
		cmocka_unit_test(test_serials_increase),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_fetch_bad_answers),
		cmocka_unit_test(test_fetch_fake_answers),
		cmocka_unit_test(test_fetch_unreachable),
		cmocka_unit_test(test_fetch_bad_arguments),
		cmocka_unit_test_teardown(test_fetch_nomem, pp_test_alloc_reset),
		cmocka_unit_test(test_verify_after_tsa_cert_expiry),
	};
	/* The fake servers may close early: a write to them must not kill
	 * the test. */
	signal(SIGPIPE, SIG_IGN);
	pp_log_open("test_tsa", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
