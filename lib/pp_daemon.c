#include "config.h"
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "pp_audit.h"
#include "pp_conf.h"
#include "pp_daemon.h"
#include "pp_geo.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_proc.h"
#include "pp_sandbox.h"
#include "pp_store.h"

struct pp_daemon_run {
	const struct pp_daemon *d;
	struct pp_daemon_ctx ctx;
};

/* The token sessions of the daemon (pp_p11_info): "open" and "pool" never
 * grow past the pool's size; "opened" grows by one per replaced session;
 * "module" is the module's count, null when it does not keep one. */
static enum pp_err
pp_daemon_sessions(json_object *tok, const struct pp_p11_info *info)
{
	json_object *s = json_object_new_object();

	if (s == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(tok, "sessions", s);
	if (pp_json_add_int(s, "open", (int64_t)info->sessions_open) != PP_OK ||
	    pp_json_add_int(s, "pool", (int64_t)info->sessions_pool) != PP_OK ||
	    pp_json_add_int(s, "opened", (int64_t)info->sessions_opened) != PP_OK)
		return PP_ERR_NOMEM;
	if (info->module_sessions < 0)
		json_object_object_add(s, "module", NULL);
	else if (pp_json_add_int(s, "module", info->module_sessions) != PP_OK)
		return PP_ERR_NOMEM;
	return PP_OK;
}

static enum pp_err
pp_daemon_health(const struct pp_daemon *d, struct pp_daemon_ctx *ctx, json_object *ans)
{
	struct pp_p11_info info;
	json_object *tok;
	enum pp_err hsm = pp_p11_health(ctx->p11, &info), db = pp_store_ping(ctx->store);
	int ok = hsm == PP_OK && db == PP_OK;

	tok = json_object_new_object();
	if (tok == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(ans, "token", tok);
	if (pp_json_add_str(tok, "status", hsm == PP_OK ? "ok" : pp_err_code(hsm)) != PP_OK ||
	    pp_json_add_str(tok, "label", info.label) != PP_OK ||
	    pp_json_add_str(tok, "manufacturer", info.manufacturer) != PP_OK ||
	    pp_json_add_str(tok, "model", info.model) != PP_OK ||
	    pp_json_add_str(tok, "serial", info.serial) != PP_OK ||
	    pp_json_add_int(tok, "slot", (int64_t)info.slot) != PP_OK ||
	    /* The token answered C_GetTokenInfo (its label is read then);
	     * logged in: the session is still in a user state. */
	    pp_json_add_bool(tok, "present", info.label[0] != '\0') != PP_OK ||
	    pp_json_add_bool(tok, "logged_in", hsm == PP_OK) != PP_OK ||
	    pp_daemon_sessions(tok, &info) != PP_OK ||
	    pp_json_add_str(ans, "database", db == PP_OK ? "ok" : pp_err_code(db)) != PP_OK ||
	    pp_json_add_str(ans, "version", PP_VERSION) != PP_OK)
		return PP_ERR_NOMEM;
	if (d->health && d->health(ctx, ans, &ok) != PP_OK)
		return PP_ERR_NOMEM;
	return pp_json_add_bool(ans, "ok", ok);
}

static enum pp_err
pp_daemon_dispatch(void *arg, const struct pp_ipc_peer *peer, json_object *req, json_object **out)
{
	struct pp_daemon_run *run = arg;
	const char *op = pp_json_get_str(req, "op");
	json_object *ans;
	enum pp_err rc = PP_ERR_BAD_REQUEST;

	if (op == NULL)
		return PP_ERR_BAD_REQUEST;
	ans = json_object_new_object();
	if (ans == NULL || pp_json_add_int(ans, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(ans, "component", run->d->name) != PP_OK) {
		json_object_put(ans);
		return PP_ERR_NOMEM;
	}
	if (strcmp(op, "health") == 0)
		rc = pp_daemon_health(run->d, &run->ctx, ans);
	else
		for (size_t i = 0; i < run->d->nops; i++)
			if (strcmp(op, run->d->ops[i].op) == 0) {
				rc = run->d->ops[i].fn(&run->ctx, peer, req, ans);
				break;
			}
	if (rc != PP_OK || run->ctx.defer) {
		run->ctx.defer = 0;
		json_object_put(ans);
		if (rc == PP_OK)
			*out = NULL;	/* answered later, through wake */
		return rc;
	}
	*out = ans;
	return PP_OK;
}

static void
pp_daemon_wake(void *arg, pp_ipc_deliver_fn deliver, void *darg)
{
	struct pp_daemon_run *run = arg;

	run->d->wake(&run->ctx, deliver, darg);
}

static enum pp_err
pp_daemon_flush(void *arg)
{
	struct pp_daemon_run *run = arg;

	return run->d->flush ? run->d->flush(&run->ctx) : PP_OK;
}

static void
pp_daemon_tick(void *arg)
{
	struct pp_daemon_run *run = arg;

	if (run->d->tick)
		run->d->tick(&run->ctx);
}

static void
pp_daemon_refused(void *arg, const struct pp_ipc_peer *peer, const char *why)
{
	struct pp_daemon_run *run = arg;

	if (run->d->refused)
		run->d->refused(&run->ctx, peer, why);
}

int
pp_daemon_main(const struct pp_daemon *d, int argc, char **argv)
{
	struct pp_daemon_run run;
	const char *sock, *user;
	static char prog[32];
	uid_t allowed[3];
	size_t nallowed = 0;
	int fd = -1, status = 1, own_socket = 0;
	enum pp_err rc;

	memset(&run, 0, sizeof(run));
	run.d = d;
	snprintf(prog, sizeof(prog), "paraphe-%sd", d->name);
	/* No core dumps from the first instruction: this process will hold a PIN
	 * and a logged-in HSM session. */
	pp_proc_no_dumps();
	pp_mem_tune();
	if ((status = pp_proc_start(prog, argc, argv, &run.ctx.conf)) != 0)
		return status;
	status = 1;
	struct pp_conf *conf = run.ctx.conf;
	enum pp_sandbox_kind kind = strcmp(d->name, "audit") == 0 ? PP_SANDBOX_AUDIT : PP_SANDBOX_SAM;
	user = pp_conf_str(conf, "service", "user");
	sock = pp_conf_str(conf, d->name, "socket");
	pp_sandbox_setup(conf);
	/* Nothing is opened when a PIN, the database, the archive or a
	 * directory on the way is too open (pp_sandbox.h). */
	if (pp_perm_check_start(conf, kind, d->name, d->name) != PP_OK) {
		status = PP_DAEMON_EXIT_CONFIG;	/* a restart cannot help either */
		goto out;
	}

	if ((rc = pp_p11_open_pool(pp_conf_str(conf, d->name, "pkcs11_module"), pp_conf_str(conf, d->name, "token_label"),
	    pp_conf_str(conf, d->name, "pin_file"), pp_conf_str(conf, d->name, "softhsm2_conf"),
	    d->nsessions > 0 ? (size_t)d->nsessions : 1, &run.ctx.p11)) != PP_OK) {
		/* A PIN the token refused, a locked PIN, a module that does not
		 * load: starting again cannot help and, for a wrong PIN, would
		 * count toward the token's lockout.  The units do not restart
		 * on this status (RestartPreventExitStatus). */
		if (rc == PP_ERR_CONFIG)
			status = PP_DAEMON_EXIT_CONFIG;
		goto out;
	}
	/* Audit records with a client address carry where it is (pp_geo.h). */
	if (pp_geo_open(pp_conf_str(conf, "geoip", "database")) != PP_OK)
		goto out;
	fd = pp_proc_listen_fd();
	if (fd < 0) {
		if (pp_proc_unix_listen(sock, user, pp_conf_str(conf, "service", "group"), &fd) != PP_OK)
			goto out;
		own_socket = 1;
	}
	/* Peers allowed: root, ourselves, and the service user. */
	allowed[nallowed++] = 0;
	if (*user) {
		struct passwd *pw = getpwnam(user);
		if (pw)
			allowed[nallowed++] = pw->pw_uid;
	}
	if (pp_proc_drop(user, pp_conf_str(conf, "service", "group")) != PP_OK)
		goto out;
	/* A change of identity resets the dumpable flag to the system's
	 * default: set it again. */
	pp_proc_no_dumps();
	allowed[nallowed++] = geteuid();
	if (pp_store_open(conf, d->name, &run.ctx.store) != PP_OK)
		goto out;
	if (d->init && d->init(&run.ctx) != PP_OK)
		goto out;
	/* Start-up is over (token session, socket, database, threads): from
	 * here on only the calls the daemon needs to serve. */
	if (pp_sandbox_enter(kind) != PP_OK)
		goto out;
	if (d->audited && pp_audit_component(conf, prog, PP_AUDIT_COMPONENT_START) != PP_OK) {
		/* Fail closed: a component whose start cannot be logged does not run. */
		pp_err_log("%s: the audit daemon did not acknowledge the start record", prog);
		goto out;
	}
	pp_info_log("%s %s listening on %s", prog, PP_VERSION, sock);
	struct pp_ipc_server_ops sops = {
		.handle = pp_daemon_dispatch,
		.flush = pp_daemon_flush,
		.tick = pp_daemon_tick,
		.refused = pp_daemon_refused,
		.tick_ms = d->tick_ms,
		.wake = d->wake && d->wake_fd ? pp_daemon_wake : NULL,
		.wake_fd = d->wake && d->wake_fd ? d->wake_fd(&run.ctx) : -1,
	};
	status = pp_ipc_serve_ex(fd, allowed, nallowed, &sops, &run) == PP_OK ? 0 : 1;
	pp_info_log("%s stopping", prog);
	if (d->audited && pp_audit_component(conf, prog, PP_AUDIT_COMPONENT_STOP) != PP_OK)
		pp_err_log("%s: the stop record was not acknowledged by the audit daemon", prog);
	if (d->fini)
		d->fini(&run.ctx);
out:
	if (status != 0)
		pp_err_log("%s could not start or failed", prog);
	if (fd >= 0)
		close(fd);
	if (own_socket)
		unlink(sock);
	pp_store_close(run.ctx.store);
	pp_p11_close(run.ctx.p11);
	pp_geo_close();
	pp_conf_free(conf);
	pp_log_close();
	return status;
}
