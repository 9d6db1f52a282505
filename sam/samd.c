/*
 * paraphe-samd: the Signature Activation Module.  The only process that
 * holds the PIN of the signatory-key token.  Start-up (login, wipe,
 * privilege drop) and the loop are pp_daemon's; the permit table below is
 * every op the SAM answers besides "health" (docs/ARCHITECTURE.md, daemon
 * protocol).  The handlers live in the modules: sam_enrol (signatories),
 * sam_cred (credentials and the built-in CA), sam_sad (OTP, SAD, signing),
 * sam_authz (authorisation requests: docs/AUTHZ.md), sam_staff (the staff
 * console's ops, "staff.*", and the cessation of service);
 * sam_client (the registry of clients, loaded first) is checked at the top
 * of every op a client calls.
 */
#include "config.h"
#include "pp_core.h"
#include "pp_daemon.h"
#include "pp_p11.h"
#include "sam_authz.h"
#include "sam_client.h"
#include "sam_cred.h"
#include "sam_enrol.h"
#include "sam_sad.h"
#include "sam_staff.h"

static const struct pp_daemon_op sam_ops[] = {
	{"signatory.create", sam_enrol_op_create},
	{"signatory.get", sam_enrol_op_get},
	{"signatory.update", sam_enrol_op_update},
	{"signatory.delete", sam_enrol_op_delete},
	{"ca.certificate", sam_cred_op_ca},
	{"credential.create", sam_cred_op_create},
	{"credential.list", sam_cred_op_list},
	{"credential.info", sam_cred_op_info},
	{"credential.revoke", sam_cred_op_revoke},
	{"credential.certificate", sam_cred_op_certificate},
	{"credential.import", sam_cred_op_import},
	{"credential.sweep", sam_cred_op_sweep},
	{"otp.send", sam_sad_op_otp_send},
	{"sad.issue", sam_sad_op_issue},
	{"sign", sam_sad_op_sign},
	{"algorithms", sam_sad_op_algorithms},
	{"authz.create", sam_authz_op_create},
	{"authz.get", sam_authz_op_get},
	{"authz.otp_send", sam_authz_op_otp_send},
	{"authz.otp_verify", sam_authz_op_otp_verify},
	{"authz.login", sam_authz_op_login},
	{"authz.approve", sam_authz_op_approve},
	{"authz.cancel", sam_authz_op_cancel},
	{"authz.redeem", sam_authz_op_redeem},
	{"authz.check", sam_authz_op_check},
	{"authz.documents", sam_authz_op_documents},
	{"authz.close", sam_authz_op_close},
	/* The staff console (sam_staff.h): not client ops, no client check. */
	{"staff.signatory.search", sam_staff_op_signatory_search},
	{"staff.credential.list", sam_staff_op_credential_list},
	{"staff.session.list", sam_staff_op_session_list},
	{"staff.credential.revoke", sam_staff_op_credential_revoke},
	{"staff.keys.inventory", sam_staff_op_keys_inventory},
	{"staff.keys.destroy_bulk", sam_staff_op_keys_destroy_bulk},
	{"staff.cessation", sam_staff_op_cessation},
	{"staff.algo.withdraw", sam_staff_op_algo_withdraw},
	{"staff.algo.list", sam_staff_op_algo_list},
	{"staff.client.list", sam_staff_op_client_list},
	{"staff.client.put", sam_staff_op_client_put},
	{"staff.client.remove", sam_staff_op_client_remove},
	/* A client op (sam_client_check): the notices of withdrawn algorithms. */
	{"algo.notices", sam_staff_op_algo_notices},
};

/* Start-up: the built-in CA (and unfinished credentials), then the SAD
 * key and the ledger's crash recovery, all before the first request. */
static enum pp_err
samd_init(struct pp_daemon_ctx *ctx)
{
	enum pp_err rc;

	if ((rc = sam_client_init(ctx)) != PP_OK)
		return rc;
	if ((rc = sam_staff_init(ctx)) != PP_OK) {
		sam_client_fini(ctx);
		return rc;
	}
	if ((rc = sam_cred_init(ctx)) != PP_OK) {
		sam_client_fini(ctx);
		return rc;
	}
	if ((rc = sam_sad_init(ctx)) != PP_OK || (rc = sam_authz_init(ctx)) != PP_OK ||
	    (rc = sam_sad_start(ctx)) != PP_OK) {
		sam_authz_fini(ctx);
		sam_sad_fini(ctx);
		sam_cred_fini(ctx);
		sam_client_fini(ctx);
		return rc;
	}
	/* Staff withdrawals (read by sam_staff_init) narrow what sam_cred and
	 * sam_sad allow. */
	sam_staff_start(ctx);
	return PP_OK;
}

static void
samd_fini(struct pp_daemon_ctx *ctx)
{
	sam_authz_fini(ctx);
	sam_sad_fini(ctx);
	sam_cred_fini(ctx);
	sam_client_fini(ctx);
}

/* Every 10 s, the token: its loss is told once, with the repair.  The SAM
 * logs in at start only (the PIN is read as root and wiped), so a token
 * that went away and came back needs a restart of the SAM; meanwhile every
 * signature is refused 503 and recorded (sam_sad.c) and health says so. */
#define SAMD_TOKEN_WATCH_MS 10000
static void
samd_token_watch(struct pp_daemon_ctx *ctx)
{
	static int64_t next;
	static int down;
	struct pp_p11_info info;
	int64_t now = pp_now_ms();
	int bad;

	if (now < next)
		return;
	next = now + SAMD_TOKEN_WATCH_MS;
	bad = pp_p11_health(ctx->p11, &info) != PP_OK;
	if (bad && !down)
		pp_err_log("sam: the signatory-key token does not answer: nothing can be signed; once it is"
		    " back, restart the SAM, which logs in at start only (systemctl restart paraphe-samd)");
	else if (!bad && down)
		pp_info_log("sam: the signatory-key token answers again");
	down = bad;
}

/* Every second: the credentials' and the authorisation requests' expiry
 * sweeps (each at sam.sweep_interval_s), the batches left unsettled, and
 * the token's watch. */
static void
samd_tick(struct pp_daemon_ctx *ctx)
{
	sam_cred_tick(ctx);
	sam_authz_tick(ctx);
	sam_sad_tick(ctx);
	samd_token_watch(ctx);
}

/* The round's signatures, together (sam_sad.c, "Signing in rounds"). */
static enum pp_err
samd_flush(struct pp_daemon_ctx *ctx)
{
	return sam_sad_flush(ctx);
}

static const struct pp_daemon sam_daemon = {
	.name = "sam",
	.ops = sam_ops,
	.nops = sizeof(sam_ops) / sizeof(sam_ops[0]),
	.init = samd_init,
	.fini = samd_fini,
	.flush = samd_flush,
	/* One token session for the signing thread, the others for the loop. */
	.nsessions = 3,
	.wake_fd = sam_sad_wake_fd,
	.wake = sam_sad_wake,
	/* The expiry sweep (sam.sweep_interval_s) is checked every second. */
	.tick = samd_tick,
	.tick_ms = 1000,
	.audited = 1,
};

int
main(int argc, char **argv)
{
	return pp_daemon_main(&sam_daemon, argc, argv);
}
