/*
 * paraphe-auditd: the single writer of the audit log.  Here: start-up with
 * the audit token, the health request and a clean stop; records, the Merkle
 * log and checkpoints arrive with the audit issue.
 */
#include "config.h"
#include "pp_daemon.h"

static const struct pp_daemon audit_daemon = {
	.name = "audit",
	.ops = NULL,
	.nops = 0,
};

int
main(int argc, char **argv)
{
	return pp_daemon_main(&audit_daemon, argc, argv);
}
