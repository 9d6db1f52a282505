#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_proc.h"

static int64_t
pp_ipc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves all of buf through fd before the deadline (fd non-blocking). */
static enum pp_err
pp_ipc_io(int fd, unsigned char *buf, size_t len, int writing, int64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = writing ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
		    : recv(fd, buf + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return PP_ERR_PROTO;	/* peer closed mid-frame */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return PP_ERR_IO;
		int64_t left = deadline - pp_ipc_now_ms();
		if (left <= 0)
			return PP_ERR_UNAVAILABLE;
		struct pollfd p = { .fd = fd, .events = writing ? POLLOUT : POLLIN };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return PP_ERR_IO;
	}
	return PP_OK;
}

static enum pp_err
pp_ipc_send(int fd, json_object *msg, int64_t deadline)
{
	unsigned char hdr[4];
	size_t len;
	const char *s = pp_json_str(msg, &len);
	enum pp_err rc;

	if (s == NULL)
		return PP_ERR_NOMEM;
	if (len == 0 || len > PP_IPC_MAX)
		return PP_ERR_INTERNAL;
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
	if ((rc = pp_ipc_io(fd, hdr, 4, 1, deadline)) != PP_OK)
		return rc;
	return pp_ipc_io(fd, (unsigned char *)(uintptr_t)s, len, 1, deadline);
}

enum pp_err
pp_ipc_decode(const unsigned char *buf, size_t len, json_object **msg)
{
	json_object *o = NULL, *v;
	enum pp_err rc;

	rc = pp_json_parse((const char *)buf, len, PP_IPC_MAX_DEPTH, PP_IPC_MAX_MEMBERS, &o);
	if (rc != PP_OK)
		return PP_ERR_PROTO;
	if (!json_object_object_get_ex(o, "v", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != PP_IPC_VERSION) {
		json_object_put(o);
		return PP_ERR_PROTO;
	}
	*msg = o;
	return PP_OK;
}

/* Reads one frame.  OUT *msg; PP_ERR_PROTO on a malformed frame. */
static enum pp_err
pp_ipc_recv(int fd, int64_t deadline, json_object **msg)
{
	unsigned char hdr[4], *buf;
	uint32_t len;
	enum pp_err rc;

	if ((rc = pp_ipc_io(fd, hdr, 4, 0, deadline)) != PP_OK)
		return rc;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	if (len == 0 || len > PP_IPC_MAX)
		return PP_ERR_PROTO;
	buf = pp_malloc(len);
	if (buf == NULL)
		return PP_ERR_NOMEM;
	rc = pp_ipc_io(fd, buf, len, 0, deadline);
	if (rc == PP_OK)
		rc = pp_ipc_decode(buf, len, msg);
	pp_free(buf);
	return rc;
}

enum pp_err
pp_ipc_call(const char *path, json_object *request, int timeout_ms, json_object **answer)
{
	struct sockaddr_un sa;
	int64_t deadline = pp_ipc_now_ms() + timeout_ms;
	enum pp_err rc;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return PP_ERR_CONFIG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return PP_ERR_IO;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno != EINPROGRESS) {
		close(fd);
		return PP_ERR_UNAVAILABLE;
	}
	rc = pp_ipc_send(fd, request, deadline);
	if (rc == PP_OK)
		rc = pp_ipc_recv(fd, deadline, answer);
	close(fd);
	if (rc == PP_ERR_IO)
		rc = PP_ERR_UNAVAILABLE;
	return rc;
}

enum pp_err
pp_ipc_call_many(const char *path, json_object *const *requests, size_t n, int timeout_ms,
    json_object **answers, enum pp_err *rcs)
{
	struct sockaddr_un sa;
	int64_t deadline = pp_ipc_now_ms() + timeout_ms;
	int fds[PP_IPC_MAX_BATCH];

	if (n > PP_IPC_MAX_BATCH)
		return PP_ERR_INTERNAL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return PP_ERR_CONFIG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Every request is sent before any answer is awaited: the server
	 * reads them in one round and commits them together. */
	for (size_t i = 0; i < n; i++) {
		answers[i] = NULL;
		rcs[i] = PP_OK;
		fds[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fds[i] == -1) {
			rcs[i] = PP_ERR_IO;
			continue;
		}
		if (connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) == -1 && errno != EINPROGRESS)
			rcs[i] = PP_ERR_UNAVAILABLE;
		else
			rcs[i] = pp_ipc_send(fds[i], requests[i], deadline);
	}
	for (size_t i = 0; i < n; i++) {
		if (fds[i] == -1)
			continue;
		if (rcs[i] == PP_OK)
			rcs[i] = pp_ipc_recv(fds[i], deadline, &answers[i]);
		if (rcs[i] == PP_ERR_IO)
			rcs[i] = PP_ERR_UNAVAILABLE;
		close(fds[i]);
	}
	return PP_OK;
}

/*
 * Server.  One request is handled at a time, but connections are many: each
 * has an input buffer filled as bytes arrive, so a slow or silent client
 * cannot block the others (it is dropped after PP_IPC_IDLE_MS).  A
 * connection with an answer waiting for the round's flush is not read.
 */
#define PP_IPC_IDLE_MS 30000
#define PP_IPC_REPLY_MS 5000

struct pp_ipc_conn {
	int fd;
	struct pp_ipc_peer peer;
	unsigned char hdr[4];
	size_t hdr_got;
	unsigned char *body;
	size_t body_len, body_got;
	int64_t last;
	json_object *answer;	/* handled, waiting for flush */
	int fresh;		/* accepted this round: read before the flush */
	int deferred;		/* handled, its answer to come through wake */
	uint64_t token;		/* generation << 8 | slot */
};

static uint64_t pp_ipc_generation, pp_ipc_current;

uint64_t
pp_ipc_current_conn(void)
{
	return pp_ipc_current;
}

static void
pp_ipc_conn_close(struct pp_ipc_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	pp_free(c->body);
	json_object_put(c->answer);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int
pp_ipc_allowed(uid_t uid, const uid_t *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (allowed[i] == uid)
			return 1;
	return 0;
}

static void
pp_ipc_refused(const struct pp_ipc_server_ops *ops, void *ctx, const struct pp_ipc_peer *peer,
    const char *why)
{
	if (ops->refused)
		ops->refused(ctx, peer, why);
}

/* Accepts every pending connection (lfd is non-blocking), so that a burst
 * of clients is served in one round and shares one flush. */
static void
pp_ipc_accept(int lfd, struct pp_ipc_conn *conns, const uid_t *allowed, size_t nallowed,
    const struct pp_ipc_server_ops *ops, void *ctx)
{
	for (;;) {
		struct ucred cred = { .pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t cl = sizeof(cred);
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), i;
		struct pp_ipc_peer peer;

		if (fd == -1)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == -1 ||
		    !pp_ipc_allowed(cred.uid, allowed, nallowed)) {
			pp_warn_log("ipc: refused connection from uid %ld pid %ld",
			    (long)cred.uid, (long)cred.pid);
			close(fd);
			peer = (struct pp_ipc_peer){ cred.pid, cred.uid, cred.gid };
			pp_ipc_refused(ops, ctx, &peer, "peer not allowed");
			continue;
		}
		for (i = 0; i < PP_IPC_MAX_CLIENTS; i++)
			if (conns[i].fd < 0) {
				conns[i].fd = fd;
				conns[i].token = ++pp_ipc_generation << 8 | (uint64_t)i;
				conns[i].peer.pid = cred.pid;
				conns[i].peer.uid = cred.uid;
				conns[i].peer.gid = cred.gid;
				conns[i].last = pp_ipc_now_ms();
				conns[i].fresh = 1;
				break;
			}
		if (i == PP_IPC_MAX_CLIENTS) {
			/* Full: the rest stay in the listen queue until a slot frees. */
			pp_warn_log("ipc: %d connections open; pid %ld waits", PP_IPC_MAX_CLIENTS, (long)cred.pid);
			close(fd);
			return;
		}
	}
}

/* Reads what is available; handles a complete frame, keeping the answer
 * in c->answer.  0 keep, -1 close. */
static int
pp_ipc_conn_read(struct pp_ipc_conn *c, const struct pp_ipc_server_ops *ops, void *ctx)
{
	ssize_t n;

	c->last = pp_ipc_now_ms();
	if (c->hdr_got < 4) {
		n = recv(c->fd, c->hdr + c->hdr_got, 4 - c->hdr_got, 0);
		if (n <= 0)
			return (n < 0 && (errno == EAGAIN || errno == EINTR)) ? 0 : -1;
		c->hdr_got += (size_t)n;
		if (c->hdr_got < 4)
			return 0;
		c->body_len = (size_t)c->hdr[0] << 24 | (size_t)c->hdr[1] << 16 |
		    (size_t)c->hdr[2] << 8 | c->hdr[3];
		if (c->body_len == 0 || c->body_len > PP_IPC_MAX) {
			pp_warn_log("ipc: pid %ld sent a frame of %zu bytes: closing",
			    (long)c->peer.pid, c->body_len);
			pp_ipc_refused(ops, ctx, &c->peer, "frame length out of bounds");
			return -1;
		}
		c->body = pp_malloc(c->body_len);
		if (c->body == NULL)
			return -1;
		c->body_got = 0;
	}
	n = recv(c->fd, c->body + c->body_got, c->body_len - c->body_got, 0);
	if (n <= 0)
		return (n < 0 && (errno == EAGAIN || errno == EINTR)) ? 0 : -1;
	c->body_got += (size_t)n;
	if (c->body_got < c->body_len)
		return 0;

	json_object *req = NULL, *ans = NULL;
	enum pp_err rc = pp_ipc_decode(c->body, c->body_len, &req);
	pp_free(c->body);
	c->body = NULL;
	c->hdr_got = 0;
	if (rc != PP_OK) {
		pp_warn_log("ipc: malformed message from pid %ld: closing", (long)c->peer.pid);
		pp_ipc_refused(ops, ctx, &c->peer, "malformed message");
		return -1;
	}
	pp_ipc_current = c->token;
	rc = ops->handle(ctx, &c->peer, req, &ans);
	pp_ipc_current = 0;
	json_object_put(req);
	if (rc != PP_OK) {
		pp_warn_log("ipc: request from pid %ld refused (%s): closing",
		    (long)c->peer.pid, pp_err_name(rc));
		pp_ipc_refused(ops, ctx, &c->peer, pp_err_name(rc));
		return -1;
	}
	c->answer = ans;
	c->deferred = ans == NULL;
	return 0;
}

struct pp_ipc_deliver_arg {
	struct pp_ipc_conn *conns;
};

static void
pp_ipc_deliver(void *darg, uint64_t token, json_object *answer)
{
	struct pp_ipc_deliver_arg *d = darg;
	struct pp_ipc_conn *c = &d->conns[token & 0xff];

	if ((token & 0xff) < PP_IPC_MAX_CLIENTS && c->fd >= 0 && c->deferred && c->token == token) {
		c->deferred = 0;
		c->last = pp_ipc_now_ms();
		if (pp_ipc_send(c->fd, answer, pp_ipc_now_ms() + PP_IPC_REPLY_MS) != PP_OK)
			pp_ipc_conn_close(c);
	}
	json_object_put(answer);
}

enum pp_err
pp_ipc_serve_ex(int lfd, const uid_t *allowed, size_t nallowed, const struct pp_ipc_server_ops *ops,
    void *ctx)
{
	struct pp_ipc_conn conns[PP_IPC_MAX_CLIENTS];
	struct pollfd pfd[PP_IPC_MAX_CLIENTS + 2];
	int map[PP_IPC_MAX_CLIENTS + 2];
	int tick_ms = ops->tick_ms > 0 ? ops->tick_ms : 1000;
	extern volatile sig_atomic_t pp_proc_stop;

	for (int i = 0; i < PP_IPC_MAX_CLIENTS; i++) {
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].fd = -1;
	}
	if (fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) == -1) {
		pp_err_log("ipc: listen socket: %s", strerror(errno));
		return PP_ERR_IO;
	}
	while (!pp_proc_stop) {
		nfds_t n = 0;
		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (int i = 0; i < PP_IPC_MAX_CLIENTS; i++)
			if (conns[i].fd >= 0 && !conns[i].deferred) {
				pfd[n].fd = conns[i].fd;
				pfd[n].events = POLLIN;
				map[n++] = i;
			}
		if (ops->wake) {
			pfd[n].fd = ops->wake_fd;
			pfd[n].events = POLLIN;
			map[n++] = -2;
		}
		sigset_t mask;
		sigprocmask(SIG_SETMASK, NULL, &mask);
		sigdelset(&mask, SIGTERM);
		sigdelset(&mask, SIGINT);
		struct timespec ts = { tick_ms / 1000, (long)(tick_ms % 1000) * 1000000L };
		int r = ppoll(pfd, n, &ts, &mask);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			pp_err_log("ipc: poll: %s", strerror(errno));
			return PP_ERR_IO;
		}
		int64_t now = pp_ipc_now_ms();
		int answers = 0;
		if (pfd[0].revents & POLLIN)
			pp_ipc_accept(lfd, conns, allowed, nallowed, ops, ctx);
		for (nfds_t k = 1; k < n; k++) {
			if (map[k] == -2) {
				if (pfd[k].revents & POLLIN) {
					struct pp_ipc_deliver_arg d = { conns };
					ops->wake(ctx, pp_ipc_deliver, &d);
				}
				continue;
			}
			struct pp_ipc_conn *c = &conns[map[k]];
			if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (pp_ipc_conn_read(c, ops, ctx) < 0)
					pp_ipc_conn_close(c);
				else if (c->answer || c->deferred)
					answers++;
			} else if (now - c->last > PP_IPC_IDLE_MS)
				pp_ipc_conn_close(c);
		}
		/* A client usually sends its request right after connecting:
		 * read the new connections now rather than one round later. */
		for (int i = 0; i < PP_IPC_MAX_CLIENTS; i++) {
			struct pp_ipc_conn *c = &conns[i];
			if (c->fd < 0 || !c->fresh)
				continue;
			c->fresh = 0;
			if (pp_ipc_conn_read(c, ops, ctx) < 0)
				pp_ipc_conn_close(c);
			else if (c->answer || c->deferred)
				answers++;
		}
		if (answers) {
			/* Group commit: one flush for every request of the round. */
			enum pp_err frc = ops->flush ? ops->flush(ctx) : PP_OK;
			int64_t deadline = pp_ipc_now_ms() + PP_IPC_REPLY_MS;
			for (int i = 0; i < PP_IPC_MAX_CLIENTS; i++) {
				struct pp_ipc_conn *c = &conns[i];
				if (c->fd < 0 || c->answer == NULL)
					continue;
				if (frc != PP_OK || pp_ipc_send(c->fd, c->answer, deadline) != PP_OK) {
					pp_ipc_conn_close(c);
					continue;
				}
				json_object_put(c->answer);
				c->answer = NULL;
			}
		}
		if (ops->tick)
			ops->tick(ctx);
	}
	for (int i = 0; i < PP_IPC_MAX_CLIENTS; i++)
		if (conns[i].fd >= 0)
			pp_ipc_conn_close(&conns[i]);
	return PP_OK;
}

enum pp_err
pp_ipc_serve(int lfd, const uid_t *allowed, size_t nallowed, pp_ipc_handler handler, void *ctx)
{
	struct pp_ipc_server_ops ops = { .handle = handler, .tick_ms = 1000 };

	return pp_ipc_serve_ex(lfd, allowed, nallowed, &ops, ctx);
}
