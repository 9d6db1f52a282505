/*
 * paraphe-samd: the Signature Activation Module.  The only process that
 * holds the PIN of the signatory-key token.  Start-up (login, wipe,
 * privilege drop) and the loop are pp_daemon's; the permit table below is
 * every op the SAM answers besides "health" (docs/ARCHITECTURE.md, daemon
 * protocol).  The handlers live in the modules: sam_enrol (signatories),
 * sam_cred (credentials and the built-in CA).
 */
#include "config.h"
#include "pp_daemon.h"
#include "sam_cred.h"
#include "sam_enrol.h"

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
};

static const struct pp_daemon sam_daemon = {
	.name = "sam",
	.ops = sam_ops,
	.nops = sizeof(sam_ops) / sizeof(sam_ops[0]),
	.init = sam_cred_init,
	.fini = sam_cred_fini,
	.audited = 1,
};

int
main(int argc, char **argv)
{
	return pp_daemon_main(&sam_daemon, argc, argv);
}
