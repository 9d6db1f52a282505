/*
 * admin_accounts: writes to staff accounts and roles (admin_accounts.c).
 * Every function returns PP_OK or an error with *why (static text, may be
 * shown to staff) saying what rule refused it.
 */
#ifndef ADMIN_ACCOUNTS_H
#define ADMIN_ACCOUNTS_H

#include <stdint.h>
#include "admin.h"

struct pp_store;

struct admin_account_new {
	const char *name;		/* the named person (ROLE-3) */
	const char *cert_sha256;	/* their staff certificate */
	const char *cert_subject;
	unsigned roles;			/* ADMIN_R bits, allowed by ROLE-2, not 0 */
	const char *created_by;		/* a staff id, or "ceremony" */
	const char *present;		/* persons present, "" when none */
};

/* OUT id: the new account's id. */
enum pp_err admin_accounts_create(struct pp_store *db, const struct admin_account_new *a,
    char id[ADMIN_ID_HEX + 1], const char **why) PP_WUR;
enum pp_err admin_accounts_grant(struct pp_store *db, const char *id, enum admin_role role,
    const char *by, const char **why) PP_WUR;
/* Revoking or disabling ends the member's sessions at once (ROLE-4). */
enum pp_err admin_accounts_revoke(struct pp_store *db, const char *id, enum admin_role role,
    const char **why) PP_WUR;
enum pp_err admin_accounts_disable(struct pp_store *db, const char *id, const char **why) PP_WUR;
/* The roles of st->id into st->roles and st->role_label. */
enum pp_err admin_accounts_roles(struct pp_store *db, struct admin_staff *st) PP_WUR;
/* Active accounts holding role. */
enum pp_err admin_accounts_count_role(struct pp_store *db, enum admin_role role, int64_t *n) PP_WUR;

#endif
