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
};

int pp_daemon_main(const struct pp_daemon *d, int argc, char **argv);

#endif
