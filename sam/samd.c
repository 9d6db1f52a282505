/*
 * paraphe-samd: the Signature Activation Module.  The only process that
 * holds the PIN of the signatory-key token.  Here: start-up (login, wipe,
 * privilege drop), the health request and a clean stop; key generation, SAD
 * issue and signing arrive with the signing core.
 */
#include "config.h"
#include "pp_daemon.h"

static const struct pp_daemon sam_daemon = {
	.name = "sam",
	.ops = NULL,
	.nops = 0,
	.audited = 1,
};

int
main(int argc, char **argv)
{
	return pp_daemon_main(&sam_daemon, argc, argv);
}
