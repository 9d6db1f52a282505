/*
 * admin_accounts: the writes to staff accounts and roles, shared by the
 * console (after a dual-control approval, admin_dual.c) and the founding
 * ceremony on the command line (tools/paraphe-staff.c).  Neither decides
 * here who may do what: callers check the permission and the dual control;
 * this file keeps the accounts' own invariants (ROLE-2 before the write,
 * the database trigger at the write; one account per person and per
 * certificate; at least one active security manager left).
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "admin.h"
#include "admin_accounts.h"
#include "pp_store.h"
#include "pp_util.h"

static enum pp_err
admin_role_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_staff *st = ctx;
	char name[32];
	enum admin_role r;

	if (n == 1 && pp_val_text(&c[0], name, sizeof(name)) && admin_role_from(name, &r) == PP_OK)
		st->roles |= ADMIN_R(r);
	return PP_OK;
}

enum pp_err
admin_accounts_roles(struct pp_store *db, struct admin_staff *st)
{
	struct pp_val b[] = { PP_VAL_S(st->id) };
	enum pp_err rc;

	st->roles = 0;
	rc = pp_store_exec(db, "SELECT role FROM staff_roles WHERE staff = ?", b, 1, admin_role_row, st, NULL);
	admin_roles_label(st->roles, st->role_label, sizeof(st->role_label));
	return rc;
}

struct admin_get_row {
	struct admin_staff *st;
	int found;
};

static enum pp_err
admin_get_row(void *ctx, const struct pp_val *c, size_t n)
{
	struct admin_get_row *r = ctx;

	if (n != 3 || !pp_val_text(&c[0], r->st->id, sizeof(r->st->id)) ||
	    !pp_val_text(&c[1], r->st->name, sizeof(r->st->name)) ||
	    !pp_val_text(&c[2], r->st->cert_sha256, sizeof(r->st->cert_sha256)))
		return PP_ERR_DB;
	r->found = 1;
	return PP_OK;
}

enum pp_err
admin_staff_get(struct pp_store *db, const char *id, struct admin_staff *st)
{
	struct admin_get_row r = { st, 0 };
	char key[ADMIN_ID_HEX + 1] = "";
	enum pp_err rc;

	/* id may point into st (a reload of the same member). */
	if (strlen(id) > ADMIN_ID_HEX)
		return PP_ERR_NOT_FOUND;
	memcpy(key, id, strlen(id) + 1);
	struct pp_val b[] = { PP_VAL_S(key) };
	memset(st, 0, sizeof(*st));
	if ((rc = pp_store_exec(db, "SELECT id, name, cert_sha256 FROM staff WHERE id = ? AND status = 'active'",
	    b, 1, admin_get_row, &r, NULL)) != PP_OK)
		return rc;
	if (!r.found)
		return PP_ERR_NOT_FOUND;
	return admin_accounts_roles(db, st);
}

enum pp_err
admin_accounts_count_role(struct pp_store *db, enum admin_role role, int64_t *n)
{
	struct pp_val b[] = { PP_VAL_S(admin_role_name(role)) };

	*n = 0;
	return pp_store_exec(db, "SELECT count(*) FROM staff_roles r JOIN staff s ON s.id = r.staff"
	    " WHERE r.role = ? AND s.status = 'active'", b, 1, pp_store_int_row, n, NULL);
}

static enum pp_err
admin_accounts_roles_of(struct pp_store *db, const char *id, unsigned *roles, int *active)
{
	struct admin_staff st;
	enum pp_err rc;

	memset(&st, 0, sizeof(st));
	if ((rc = admin_staff_get(db, id, &st)) != PP_OK)
		return rc;
	*roles = st.roles;
	*active = 1;
	return PP_OK;
}

enum pp_err
admin_accounts_create(struct pp_store *db, const struct admin_account_new *a, char id[ADMIN_ID_HEX + 1],
    const char **why)
{
	struct pp_val b[7];
	int64_t now = pp_now_ms(), exists = 0;
	enum pp_err rc;

	*why = NULL;
	if (!admin_roles_allowed(a->roles, why))
		return PP_ERR_FIELD_INVALID;
	if (a->roles == 0) {
		*why = "an account needs at least one trust role";
		return PP_ERR_FIELD_INVALID;
	}
	{
		struct pp_val c[] = { PP_VAL_S(a->name), PP_VAL_S(a->cert_sha256) };
		if ((rc = pp_store_exec(db, "SELECT count(*) FROM staff WHERE name = ? OR cert_sha256 = ?",
		    c, 2, pp_store_int_row, &exists, NULL)) != PP_OK)
			return rc;
		if (exists) {
			*why = "this person or this certificate already has an account (one account per person, never shared)";
			return PP_ERR_CONFLICT;
		}
	}
	if ((rc = pp_random_hex(id, 16)) != PP_OK)
		return rc;
	b[0] = PP_VAL_S(id);
	b[1] = PP_VAL_S(a->name);
	b[2] = PP_VAL_S(a->cert_sha256);
	b[3] = PP_VAL_S(a->cert_subject);
	b[4] = PP_VAL_I(now);
	b[5] = PP_VAL_S(a->created_by);
	b[6] = PP_VAL_S(a->present ? a->present : "");
	if ((rc = pp_store_begin(db)) != PP_OK)
		return rc;
	if ((rc = pp_store_exec(db, "INSERT INTO staff (id, name, cert_sha256, cert_subject, status,"
	    " created_ms, created_by, present) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)", b, 7, NULL, NULL,
	    NULL)) != PP_OK)
		goto fail;
	for (int r = 0; r < ADMIN_ROLE__MAX; r++) {
		if (!(a->roles & ADMIN_R(r)))
			continue;
		struct pp_val g[] = { PP_VAL_S(id), PP_VAL_S(admin_role_name((enum admin_role)r)),
		    PP_VAL_I(now), PP_VAL_S(a->created_by) };
		if ((rc = pp_store_exec(db, "INSERT INTO staff_roles (staff, role, granted_ms, granted_by)"
		    " VALUES (?, ?, ?, ?)", g, 4, NULL, NULL, NULL)) != PP_OK) {
			*why = "the database refused this combination of roles (ROLE-2)";
			goto fail;
		}
	}
	return pp_store_commit(db);
fail:
	pp_store_rollback(db);
	return rc;
}

enum pp_err
admin_accounts_grant(struct pp_store *db, const char *id, enum admin_role role, const char *by,
    const char **why)
{
	unsigned roles = 0;
	int active = 0;
	enum pp_err rc;

	*why = NULL;
	if ((rc = admin_accounts_roles_of(db, id, &roles, &active)) != PP_OK) {
		*why = "no such active account";
		return rc;
	}
	if (roles & ADMIN_R(role)) {
		*why = "the account already holds this role";
		return PP_ERR_CONFLICT;
	}
	if (!admin_roles_allowed(roles | ADMIN_R(role), why))
		return PP_ERR_FIELD_INVALID;
	struct pp_val g[] = { PP_VAL_S(id), PP_VAL_S(admin_role_name(role)), PP_VAL_I(pp_now_ms()),
	    PP_VAL_S(by) };
	rc = pp_store_exec(db, "INSERT INTO staff_roles (staff, role, granted_ms, granted_by) VALUES (?, ?, ?, ?)",
	    g, 4, NULL, NULL, NULL);
	if (rc != PP_OK)
		*why = "the database refused this combination of roles (ROLE-2)";
	return rc;
}

/* The change must leave one active security manager (else nobody could
 * ever approve an account again). */
static enum pp_err
admin_accounts_keep_sm(struct pp_store *db, unsigned roles, const char **why)
{
	int64_t n = 0;
	enum pp_err rc;

	if (!(roles & ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER)))
		return PP_OK;
	if ((rc = admin_accounts_count_role(db, ADMIN_ROLE_SECURITY_MANAGER, &n)) != PP_OK)
		return rc;
	if (n <= 1) {
		*why = "this would leave no active security manager";
		return PP_ERR_CONFLICT;
	}
	return PP_OK;
}

enum pp_err
admin_accounts_revoke(struct pp_store *db, const char *id, enum admin_role role, const char **why)
{
	unsigned roles = 0;
	int active = 0;
	int64_t gone = 0;
	enum pp_err rc;

	*why = NULL;
	if ((rc = admin_accounts_roles_of(db, id, &roles, &active)) != PP_OK) {
		*why = "no such active account";
		return rc;
	}
	if (!(roles & ADMIN_R(role))) {
		*why = "the account does not hold this role";
		return PP_ERR_CONFLICT;
	}
	if ((rc = admin_accounts_keep_sm(db, roles & ADMIN_R(role), why)) != PP_OK)
		return rc;
	struct pp_val b[] = { PP_VAL_S(id), PP_VAL_S(admin_role_name(role)) };
	if ((rc = pp_store_exec(db, "DELETE FROM staff_roles WHERE staff = ? AND role = ?", b, 2, NULL,
	    NULL, &gone)) != PP_OK)
		return rc;
	/* Rights change at once (ROLE-4): the member's sessions end. */
	return pp_store_exec(db, "DELETE FROM staff_sessions WHERE staff = ?", b, 1, NULL, NULL, NULL);
}

enum pp_err
admin_accounts_disable(struct pp_store *db, const char *id, const char **why)
{
	unsigned roles = 0;
	int active = 0;
	enum pp_err rc;

	*why = NULL;
	if ((rc = admin_accounts_roles_of(db, id, &roles, &active)) != PP_OK) {
		*why = "no such active account";
		return rc;
	}
	if ((rc = admin_accounts_keep_sm(db, roles, why)) != PP_OK)
		return rc;
	struct pp_val b[] = { PP_VAL_S(id) };
	if ((rc = pp_store_exec(db, "UPDATE staff SET status = 'disabled' WHERE id = ?", b, 1, NULL, NULL,
	    NULL)) != PP_OK)
		return rc;
	return pp_store_exec(db, "DELETE FROM staff_sessions WHERE staff = ?", b, 1, NULL, NULL, NULL);
}
