/*
 * pp_daemon: the common life of the unix-socket daemons (SAM, audit).
 *
 * Start-up order: configuration, no core dumps, PKCS#11 login with the PIN
 * file (the PIN is wiped at once), listen socket, privilege drop, database
 * and migrations, then serve.  Requests are dispatched through a permit
 * table {op, handler}; "health" is built in; any other op is refused and the
 * connection closed.  SIGTERM stops the loop, logs out and exits 0.
 */
#ifndef PP_DAEMON_H
#define PP_DAEMON_H

#include <json-c/json.h>
#include "pp_err.h"
#include "pp_ipc.h"

struct pp_conf;
struct pp_store;
struct pp_p11;

struct pp_daemon_ctx {
	struct pp_conf *conf;
	struct pp_store *store;
	struct pp_p11 *p11;
	void *data;
	/* Set by an op that answers later, through the daemon's wake hook
	 * (it keeps its own reference to the answer object). */
	int defer;
};

typedef enum pp_err (*pp_daemon_op_fn)(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer,
    json_object *request, json_object *answer);

struct pp_daemon_op {
	const char *op;
	pp_daemon_op_fn fn;
};

struct pp_daemon {
	const char *name;	/* config section and storage domain: "sam", "audit" */
	const struct pp_daemon_op *ops;	/* permit table (besides "health") */
	size_t nops;
	/* Optional hooks (NULL: none).  init runs after the store is open and
	 * privileges are dropped; a failure stops the daemon before it serves.
	 * fini runs once the loop has stopped.  flush, tick and refused are
	 * the pp_ipc_server_ops hooks; health adds members to the health
	 * answer and may set *ok to 0. */
	enum pp_err (*init)(struct pp_daemon_ctx *ctx);
	void (*fini)(struct pp_daemon_ctx *ctx);
	enum pp_err (*flush)(struct pp_daemon_ctx *ctx);
	void (*tick)(struct pp_daemon_ctx *ctx);
	void (*refused)(struct pp_daemon_ctx *ctx, const struct pp_ipc_peer *peer, const char *why);
	enum pp_err (*health)(struct pp_daemon_ctx *ctx, json_object *answer, int *ok);
	int tick_ms;
	/* 1: log component.start/stop to the audit daemon, and refuse to run
	 * when the start cannot be logged (every daemon but the audit daemon). */
	int audited;
	/* Token sessions in the pool (0: one). */
	int nsessions;
	/* Deferred answers (pp_ipc_server_ops.wake): the fd init made, read
	 * after init; wake delivers what is ready. */
	int (*wake_fd)(struct pp_daemon_ctx *ctx);
	void (*wake)(struct pp_daemon_ctx *ctx, pp_ipc_deliver_fn deliver, void *darg);
};

/* The exit status when the token refused the PIN, reports it locked, or
 * the module does not load, or a path it relies on is too open
 * (pp_perm_check_start) (EX_CONFIG): a restart cannot help, and with a
 * wrong PIN each one would count toward the token's lockout. */
#define PP_DAEMON_EXIT_CONFIG 78

int pp_daemon_main(const struct pp_daemon *d, int argc, char **argv);

#endif
