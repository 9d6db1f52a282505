/*
 * pp-test-syslog: a stand-in syslog collector the tests start on loopback.
 *
 *   pp-test-syslog (--unix PATH | --udp | --tcp) --out FILE
 *       [--port-file FILE] [--port N]
 *
 * --udp/--tcp listen on 127.0.0.1, on port N (0 or absent: an ephemeral
 * port; a fixed port lets a test restart the collector where a client
 * expects it).  --unix binds a datagram socket at PATH (mode 0666, a stale
 * socket replaced).  Once ready it writes the port ("0" for --unix) to the
 * port file, by rename, so a reader never sees half a number.
 *
 * Each message is appended to the out file as one line, with one write(2)
 * per message so that a test can read it at once.  TCP carries RFC 6587
 * octet-counted frames ("LEN SP MSG"), from many clients at once, split
 * anywhere.  A message that does not start with '<' or holds a newline is
 * reported on stderr and not written; a TCP stream whose framing is broken
 * cannot be resynchronised, so that client is disconnected.
 *
 * SIGTERM or SIGINT: clean exit (status 0), unix socket removed.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_proc.h"
#include "pp_util.h"

/* Larger than PP_SYSLOG_MAX, so that an oversized message from a client
 * shows up as a message rather than as a framing error. */
#define COL_MSG_MAX 65536
#define COL_LEN_DIGITS 5	/* COL_MSG_MAX has 5 digits */
#define COL_CLIENTS 64

enum col_mode { COL_NONE, COL_UNIX, COL_UDP, COL_TCP };

struct col_client {
	int fd;		/* -1: free slot */
	char *buf;	/* COL_LEN_DIGITS + 1 + COL_MSG_MAX bytes, owned */
	size_t got;
};

static void
col_usage(void)
{
	fprintf(stderr, "usage: pp-test-syslog (--unix PATH | --udp | --tcp) --out FILE "
	    "[--port-file FILE] [--port N]\n");
}

/* Appends one message as a line, or reports why it is not one. */
static void
col_emit(int out, const char *msg, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)(uintptr_t)msg, .iov_len = len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	ssize_t n;

	if (len == 0 || msg[0] != '<' || memchr(msg, '\n', len) != NULL) {
		pp_warn_log("malformed message (%zu bytes): not written", len);
		return;
	}
	/* O_APPEND and one writev: the line lands whole. */
	n = writev(out, iov, 2);
	if (n != (ssize_t)(len + 1))
		pp_err_log("out file: %s", n < 0 ? strerror(errno) : "short write");
}

/* Port file written by rename, so a reader never sees a partial number. */
static int
col_port_file(const char *path, int port)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
col_bind_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		pp_err_log("%s: path too long", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	unlink(path);	/* a test socket left by a killed collector */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || chmod(path, 0666) == -1) {
		pp_err_log("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* 127.0.0.1:port (0: ephemeral).  OUT *bound: the port in use. */
static int
col_bind_inet(int type, int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	/* A restart on the same port must not wait for TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    (type == SOCK_STREAM && listen(fd, 16) == -1) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == -1) {
		pp_err_log("127.0.0.1:%d: %s", port, strerror(errno));
		close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

static void
col_client_close(struct col_client *c)
{
	close(c->fd);
	pp_free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->got = 0;
}

/* Consumes every complete frame at the start of c->buf; keeps the rest.
 * -1 when the framing is broken. */
static int
col_frames(struct col_client *c, int out)
{
	size_t off = 0;

	for (;;) {
		size_t i = off, len = 0;

		while (i < c->got && i - off <= COL_LEN_DIGITS && c->buf[i] >= '0' && c->buf[i] <= '9')
			len = len * 10 + (size_t)(c->buf[i++] - '0');
		if (i - off > COL_LEN_DIGITS || (i > off && c->buf[off] == '0'))
			return -1;
		if (i == c->got)
			break;		/* the length is still arriving */
		if (i == off || c->buf[i] != ' ' || len == 0 || len > COL_MSG_MAX)
			return -1;
		if (c->got - (i + 1) < len)
			break;		/* the message is still arriving */
		col_emit(out, c->buf + i + 1, len);
		off = i + 1 + len;
	}
	memmove(c->buf, c->buf + off, c->got - off);
	c->got -= off;
	return 0;
}

static void
col_client_read(struct col_client *c, int out)
{
	size_t cap = COL_LEN_DIGITS + 1 + COL_MSG_MAX;
	ssize_t n = recv(c->fd, c->buf + c->got, cap - c->got, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (c->got > 0)
			pp_warn_log("client closed in the middle of a frame (%zu bytes)", c->got);
		col_client_close(c);
		return;
	}
	c->got += (size_t)n;
	if (col_frames(c, out) < 0) {
		pp_warn_log("malformed frame: closing the client");
		col_client_close(c);
	}
}

static void
col_accept(int lfd, struct col_client *clients)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd == -1)
		return;
	for (int i = 0; i < COL_CLIENTS; i++)
		if (clients[i].fd < 0) {
			clients[i].buf = pp_malloc(COL_LEN_DIGITS + 1 + COL_MSG_MAX);
			if (clients[i].buf == NULL) {
				pp_err_log("out of memory: refusing a client");
				close(fd);
				return;
			}
			clients[i].fd = fd;
			clients[i].got = 0;
			return;
		}
	pp_warn_log("too many clients: refusing one");
	close(fd);
}

static void
col_datagram(int fd, int out)
{
	static char buf[COL_MSG_MAX + 1];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n < 0)
		return;
	if ((size_t)n > COL_MSG_MAX) {
		pp_warn_log("datagram over %d bytes: not written", COL_MSG_MAX);
		return;
	}
	col_emit(out, buf, (size_t)n);
}

static int
col_serve(enum col_mode mode, int sfd, int out)
{
	struct col_client clients[COL_CLIENTS];
	struct pollfd pfd[COL_CLIENTS + 1];
	int map[COL_CLIENTS + 1];
	sigset_t mask;

	for (int i = 0; i < COL_CLIENTS; i++) {
		clients[i].fd = -1;
		clients[i].buf = NULL;
		clients[i].got = 0;
	}
	/* Stop signals are blocked except inside ppoll: none is missed. */
	sigprocmask(SIG_SETMASK, NULL, &mask);
	sigdelset(&mask, SIGTERM);
	sigdelset(&mask, SIGINT);
	while (!pp_proc_stop) {
		nfds_t n = 0;

		pfd[n].fd = sfd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (int i = 0; i < COL_CLIENTS; i++)
			if (clients[i].fd >= 0) {
				pfd[n].fd = clients[i].fd;
				pfd[n].events = POLLIN;
				map[n++] = i;
			}
		if (ppoll(pfd, n, NULL, &mask) < 0) {
			if (errno == EINTR)
				continue;
			pp_err_log("poll: %s", strerror(errno));
			break;
		}
		for (nfds_t k = 1; k < n; k++)
			if (pfd[k].revents)
				col_client_read(&clients[map[k]], out);
		if (pfd[0].revents & POLLIN) {
			if (mode == COL_TCP)
				col_accept(sfd, clients);
			else
				col_datagram(sfd, out);
		}
	}
	for (int i = 0; i < COL_CLIENTS; i++)
		if (clients[i].fd >= 0)
			col_client_close(&clients[i]);
	return pp_proc_stop ? 0 : 1;
}

int
main(int argc, char **argv)
{
	enum col_mode mode = COL_NONE;
	const char *unix_path = NULL, *out_path = NULL, *port_file = NULL;
	int64_t port = 0;
	int sfd = -1, out = -1, bound = 0, status = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--udp") == 0 && mode == COL_NONE)
			mode = COL_UDP;
		else if (strcmp(a, "--tcp") == 0 && mode == COL_NONE)
			mode = COL_TCP;
		else if (strcmp(a, "--unix") == 0 && mode == COL_NONE && v != NULL) {
			mode = COL_UNIX;
			unix_path = argv[++i];
		} else if (strcmp(a, "--out") == 0 && v != NULL)
			out_path = argv[++i];
		else if (strcmp(a, "--port-file") == 0 && v != NULL)
			port_file = argv[++i];
		else if (strcmp(a, "--port") == 0 && v != NULL &&
		    pp_strtonum(v, strlen(v), 0, 65535, &port) == PP_OK)
			i++;
		else {
			col_usage();
			return 2;
		}
	}
	if (mode == COL_NONE || out_path == NULL) {
		col_usage();
		return 2;
	}
	pp_proc_signals();
	pp_log_open("pp-test-syslog", PP_LOG_INFO, PP_LOG_STDERR);
	out = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out == -1) {
		pp_err_log("%s: %s", out_path, strerror(errno));
		return 1;
	}
	if (mode == COL_UNIX)
		sfd = col_bind_unix(unix_path);
	else
		sfd = col_bind_inet(mode == COL_TCP ? SOCK_STREAM : SOCK_DGRAM, (int)port, &bound);
	if (sfd == -1)
		goto fail;
	if (port_file != NULL && col_port_file(port_file, bound) != 0) {
		pp_err_log("%s: cannot write the port file", port_file);
		goto fail;
	}
	status = col_serve(mode, sfd, out);
fail:
	if (sfd != -1)
		close(sfd);
	if (mode == COL_UNIX && sfd != -1)
		unlink(unix_path);
	close(out);
	return status;
}
