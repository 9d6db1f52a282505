/*
 * admin_roles: the trust roles (ROLE-1) and the combinations ROLE-2 forbids.
 * The same rule is enforced three times on purpose: here (the console and
 * the CLI ceremony ask before writing), and by the admin database's trigger
 * staff_roles_role2 (lib/pp_schema.c), which refuses the row whatever
 * wrote it.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "admin.h"

static const char *const admin_role_names[ADMIN_ROLE__MAX] = {
	[ADMIN_ROLE_SECURITY_MANAGER] = "security_manager",
	[ADMIN_ROLE_APPLICATION_MANAGER] = "application_manager",
	[ADMIN_ROLE_SYSTEM_ENGINEER] = "system_engineer",
	[ADMIN_ROLE_OPERATOR] = "operator",
	[ADMIN_ROLE_CONTROLLER] = "controller",
	[ADMIN_ROLE_SHARE_HOLDER] = "share_holder",
};

const char *
admin_role_name(enum admin_role r)
{
	return (unsigned)r < ADMIN_ROLE__MAX ? admin_role_names[r] : "?";
}

enum pp_err
admin_role_from(const char *name, enum admin_role *r)
{
	for (int i = 0; name != NULL && i < ADMIN_ROLE__MAX; i++)
		if (strcmp(name, admin_role_names[i]) == 0) {
			*r = (enum admin_role)i;
			return PP_OK;
		}
	return PP_ERR_FIELD_INVALID;
}

/* ROLE-2 [5.2.4]: never held together. */
static const struct {
	unsigned a, b;
	const char *why;
} admin_role_conflicts[] = {
	{ ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER), ADMIN_R(ADMIN_ROLE_SYSTEM_ENGINEER),
	  "a security manager cannot also be a system engineer (ROLE-2)" },
	{ ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER), ADMIN_R(ADMIN_ROLE_OPERATOR),
	  "a security manager cannot also be an operator (ROLE-2)" },
	{ ADMIN_R(ADMIN_ROLE_SYSTEM_ENGINEER), ADMIN_R(ADMIN_ROLE_OPERATOR),
	  "a system engineer cannot also be an operator (ROLE-2)" },
	{ ADMIN_R(ADMIN_ROLE_CONTROLLER), ADMIN_R_ALL & ~ADMIN_R(ADMIN_ROLE_CONTROLLER),
	  "a controller cannot hold any other role (ROLE-2)" },
};

int
admin_roles_allowed(unsigned roles, const char **why)
{
	*why = NULL;
	if (roles & ~ADMIN_R_ALL) {
		*why = "unknown role";
		return 0;
	}
	for (size_t i = 0; i < sizeof(admin_role_conflicts) / sizeof(admin_role_conflicts[0]); i++)
		if ((roles & admin_role_conflicts[i].a) && (roles & admin_role_conflicts[i].b)) {
			*why = admin_role_conflicts[i].why;
			return 0;
		}
	return 1;
}

void
admin_roles_label(unsigned roles, char *out, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (int i = 0; i < ADMIN_ROLE__MAX; i++) {
		if (!(roles & ADMIN_R(i)))
			continue;
		int n = snprintf(out + len, cap - len, "%s%s", len ? "+" : "", admin_role_names[i]);
		if (n < 0 || (size_t)n >= cap - len) {
			out[len] = '\0';
			return;
		}
		len += (size_t)n;
	}
}
