/*
 * pp_ipc: the request/answer protocol of the daemons (SAM, audit) over unix
 * stream sockets.
 *
 * Frame: 4-byte big-endian length (1..PP_IPC_MAX) then that many bytes of one
 * JSON object.  Every request carries "v" (protocol version, PP_IPC_VERSION)
 * and "op"; every answer carries "v" and the op's own members ("health"
 * answers "ok": true|false).  A request that is malformed, of an op not in
 * the daemon's permit table, or refused gets no answer: the server logs it
 * and closes the connection.  The server checks the peer with SO_PEERCRED
 * against its allow list before reading a byte.
 */
#ifndef PP_IPC_H
#define PP_IPC_H

#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>
#include "pp_err.h"

#define PP_IPC_VERSION 1
#define PP_IPC_MAX (64 * 1024)
#define PP_IPC_MAX_DEPTH 8
/* Object members in one message: an authorisation request's documents are
 * objects ({"hash","label"}), up to 1000 of them (docs/AUTHZ.md); the
 * 64 KiB frame bounds the rest. */
#define PP_IPC_MAX_MEMBERS 4096
#define PP_IPC_MAX_CLIENTS 64

/* One request, one answer.  OUT *answer: new reference owned by caller.
 * PP_ERR_UNAVAILABLE when the daemon cannot be reached in time. */
enum pp_err pp_ipc_call(const char *path, json_object *request, int timeout_ms,
    json_object **answer) PP_WUR;

/* n requests (at most PP_IPC_MAX_BATCH) on n connections at once, all
 * sent before any answer is read, so that a batching server handles them
 * in one round.  OUT answers[i] (new references, NULL on failure) and
 * rcs[i] (as pp_ipc_call's).  Returns PP_OK unless the call itself is
 * wrong (too many, path too long). */
#define PP_IPC_MAX_BATCH 32
enum pp_err pp_ipc_call_many(const char *path, json_object *const *requests, size_t n,
    int timeout_ms, json_object **answers, enum pp_err *rcs) PP_WUR;

struct pp_ipc_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* Handles one request.  Return PP_OK with *answer set (new reference) to
 * reply; any error closes the connection (it is logged by the server). */
typedef enum pp_err (*pp_ipc_handler)(void *ctx, const struct pp_ipc_peer *peer,
    json_object *request, json_object **answer);

/* Serves lfd until pp_proc_stop.  allowed: uids that may connect. */
enum pp_err pp_ipc_serve(int lfd, const uid_t *allowed, size_t nallowed,
    pp_ipc_handler handler, void *ctx) PP_WUR;

/*
 * The same server with batching hooks, for the audit daemon's group commit.
 * Each poll round reads what every connection has sent, calls handle for
 * each complete request (at most one outstanding request per connection),
 * then flush once, then sends the answers.  If flush fails, the answers of
 * that round are not sent and their connections are closed: a client never
 * receives an acknowledgement for something that was not made durable.
 */
/* Delivers a deferred answer (see pp_ipc_server_ops.wake): the connection
 * of token conn gets answer (a reference the call takes); dropped when
 * that connection has gone. */
typedef void (*pp_ipc_deliver_fn)(void *darg, uint64_t conn, json_object *answer);

struct pp_ipc_server_ops {
	/* PP_OK with *answer NULL defers the answer: the connection waits
	 * (neither read nor timed out) until wake delivers it, with the
	 * token pp_ipc_current_conn() gave during the call. */
	pp_ipc_handler handle;
	/* May be NULL.  Makes the round's effects durable. */
	enum pp_err (*flush)(void *ctx);
	/* May be NULL.  Told about every refused peer or request, after the
	 * server has logged it (the connection is then closed). */
	void (*refused)(void *ctx, const struct pp_ipc_peer *peer, const char *why);
	/* May be NULL.  Called after every round and at least every tick_ms. */
	void (*tick)(void *ctx);
	int tick_ms;
	/* May be NULL.  With wake_fd (readable when deferred answers are
	 * ready: an eventfd), called from the loop to deliver them. */
	void (*wake)(void *ctx, pp_ipc_deliver_fn deliver, void *darg);
	int wake_fd;		/* only read when wake is set */
};

/* During ops->handle: the token of the connection being served. */
uint64_t pp_ipc_current_conn(void);

enum pp_err pp_ipc_serve_ex(int lfd, const uid_t *allowed, size_t nallowed,
    const struct pp_ipc_server_ops *ops, void *ctx) PP_WUR;

/* Frame helpers (exposed for tests and fuzzing). */
enum pp_err pp_ipc_decode(const unsigned char *buf, size_t len, json_object **msg) PP_WUR;

#endif
