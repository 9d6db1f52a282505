/*
 * admin_perm: the console's permission matrix, role x action, in one table.
 * Every console page names its action (admin.h) and the dispatcher asks
 * this table before the handler runs; docs/CONSOLE.md shows the same matrix
 * and tests/unit/test_admin_perm.c checks that the two agree.
 *
 * The controller may look at everything and change nothing; the share
 * holders take part only in the HSM ceremonies (the bulk key destruction
 * and the cessation), as the second person.  Which roles may approve each
 * kind of proposal is admin_dual.c's table; ADMIN_A_PROPOSAL_DECIDE only
 * lets those who approve some kind reach the form.
 */
#include "config.h"
#include "admin.h"

#define SM ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER)
#define AM ADMIN_R(ADMIN_ROLE_APPLICATION_MANAGER)
#define SE ADMIN_R(ADMIN_ROLE_SYSTEM_ENGINEER)
#define OP ADMIN_R(ADMIN_ROLE_OPERATOR)
#define CT ADMIN_R(ADMIN_ROLE_CONTROLLER)
#define SH ADMIN_R(ADMIN_ROLE_SHARE_HOLDER)

static const struct {
	const char *name;
	unsigned roles;
} admin_perm[ADMIN_A__MAX] = {
	[ADMIN_A_PUBLIC] = { "public", ADMIN_R_ALL },
	[ADMIN_A_HOME] = { "home", ADMIN_R_ALL },
	[ADMIN_A_STAFF_VIEW] = { "staff.view", SM | CT },
	[ADMIN_A_STAFF_PROPOSE] = { "staff.propose", SM },
	[ADMIN_A_PROPOSAL_VIEW] = { "proposal.view", ADMIN_R_ALL },
	[ADMIN_A_PROPOSAL_DECIDE] = { "proposal.decide", SM | AM | OP | SH },
	[ADMIN_A_CLIENT_VIEW] = { "client.view", SM | AM | CT },
	[ADMIN_A_CLIENT_PROPOSE] = { "client.propose", AM },
	[ADMIN_A_ALGO_PROPOSE] = { "algorithm.propose", AM },
	[ADMIN_A_SIGNATORY_VIEW] = { "signatory.view", OP | CT },
	[ADMIN_A_CREDENTIAL_REVOKE] = { "credential.revoke", OP },
	[ADMIN_A_KEYS_PROPOSE] = { "keys.propose", OP },
	[ADMIN_A_CESSATION_PROPOSE] = { "cessation.propose", SM },
	[ADMIN_A_STATUS_VIEW] = { "status.view", SM | SE | CT },
	[ADMIN_A_AUDIT_VIEW] = { "audit.view", SM | CT },
	[ADMIN_A_REVIEW_SIGN] = { "review.sign", SM },
	[ADMIN_A_MANUAL_ENTRY] = { "manual.entry", SM | SE },
	[ADMIN_A_PARAMS_PROPOSE] = { "params.propose", SM },
	[ADMIN_A_ARCHIVE_VIEW] = { "archive.view", SM | CT },
	[ADMIN_A_ARCHIVE_CHECK] = { "archive.check", SM },
	[ADMIN_A_ARCHIVE_EXPORT] = { "archive.export", SM },
};

unsigned
admin_perm_roles(enum admin_action a)
{
	return (unsigned)a < ADMIN_A__MAX ? admin_perm[a].roles : 0;
}

int
admin_perm_allows(unsigned roles, enum admin_action a)
{
	return (roles & admin_perm_roles(a)) != 0;
}

const char *
admin_action_name(enum admin_action a)
{
	return (unsigned)a < ADMIN_A__MAX && admin_perm[a].name ? admin_perm[a].name : "?";
}
