/*
 * paraphe-staff: the founding ceremony of the console's staff accounts
 * (docs/CONSOLE.md, "The founding ceremony"), on the console's host.
 *
 *   paraphe-staff -c FILE bootstrap --name "Full Name" --cert FILE.pem
 *       [--role ROLE]... --present "Witness Name" [--present NAME]...
 *       creates an account for a founding security manager (every --role
 *       given, security_manager among them; ROLE-2 applies), bound to the
 *       staff certificate in FILE.pem, and records the persons present.
 *       Allowed only while the console has fewer than two active security
 *       managers: with two, every change is a console proposal that another
 *       person must approve (dual control), and this command refuses.
 *   paraphe-staff -c FILE list
 *       prints the accounts: id, status, second factor, roles, name.
 *
 * Both records (account.create, role.assign, with the persons present)
 * are in the audit log before the command says it is done; when the audit
 * daemon cannot record them, nothing is created.  Run as root (it becomes
 * the service user, as the console does) or as the service user.
 *
 * Exit status: 0 done, 1 refused or failed, 2 usage.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin.h"
#include "admin_accounts.h"
#include "pp_audit.h"
#include "pp_cert.h"
#include "pp_conf.h"
#include "pp_core.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_proc.h"
#include "pp_store.h"
#include "pp_util.h"

#define STAFF_MAX_PRESENT 6

static int
usage(void)
{
	fprintf(stderr, "usage: paraphe-staff -c FILE bootstrap --name NAME --cert FILE [--role ROLE]..."
	    " --present NAME...\n       paraphe-staff -c FILE list\n");
	return 2;
}

static enum pp_err
staff_list_row(void *ctx, const struct pp_val *c, size_t n)
{
	char f[5][300];
	(void)ctx;

	for (size_t i = 0; i < n && i < 5; i++)
		if (!pp_val_text(&c[i], f[i], sizeof(f[i])))
			snprintf(f[i], sizeof(f[i]), "%lld", (long long)c[i].i);
	printf("%s\t%s\t%s\t%s\t%s\n", f[0], f[1], f[2], f[3], f[4]);
	return PP_OK;
}

/* The certificate file, checked as a staff certificate (the staff CA of
 * admin.client_ca, dates), as the console checks it at every login. */
static int
staff_cert(const struct pp_conf *conf, struct pp_pool *pool, const char *path, struct pp_client_cert *c)
{
	struct pp_cert_issuers *iss = NULL;
	char *pem = NULL, *esc;
	size_t len = 0;
	int ok = 0;

	if (pp_file_read(path, 64 * 1024, &pem, &len) != PP_OK) {
		fprintf(stderr, "paraphe-staff: cannot read %s\n", path);
		return 0;
	}
	if (pp_cert_issuers_load(pp_conf_str(conf, "admin", "client_ca"), &iss) != PP_OK)
		fprintf(stderr, "paraphe-staff: cannot load the staff CA (admin.client_ca)\n");
	else if ((esc = pp_url_add_param(pool, "", "x", pem)) == NULL)
		fprintf(stderr, "paraphe-staff: out of memory\n");
	else if (pp_cert_check(pool, iss, "SUCCESS", esc + 3, c) != PP_OK || !c->present)
		fprintf(stderr, "paraphe-staff: %s is not a valid certificate of the staff CA\n", path);
	else
		ok = 1;
	pp_cert_issuers_free(iss);
	pp_free(pem);
	return ok;
}

static int
staff_bootstrap(const struct pp_conf *conf, struct pp_store *db, int argc, char **argv)
{
	const char *name = NULL, *cert = NULL, *present[STAFF_MAX_PRESENT] = { 0 }, *why = NULL;
	unsigned roles = 0;
	size_t npresent = 0;
	int64_t sms = 0;
	struct pp_pool *pool = NULL;
	struct pp_client_cert c;
	char id[ADMIN_ID_HEX + 1], list[1024] = "", label[160];
	enum admin_role r;
	int status = 1;

	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return usage();
		if (strcmp(argv[i], "--name") == 0)
			name = v;
		else if (strcmp(argv[i], "--cert") == 0)
			cert = v;
		else if (strcmp(argv[i], "--role") == 0) {
			if (admin_role_from(v, &r) != PP_OK) {
				fprintf(stderr, "paraphe-staff: unknown role '%s'\n", v);
				return 2;
			}
			roles |= ADMIN_R(r);
		} else if (strcmp(argv[i], "--present") == 0) {
			if (npresent == STAFF_MAX_PRESENT) {
				fprintf(stderr, "paraphe-staff: at most %d persons present\n", STAFF_MAX_PRESENT);
				return 2;
			}
			present[npresent++] = v;
		} else
			return usage();
		i++;
	}
	if (name == NULL || cert == NULL || npresent == 0 || strlen(name) > ADMIN_NAME_MAX ||
	    !pp_utf8_valid(name, strlen(name), 0))
		return usage();
	if (roles == 0)
		roles = ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER);
	if (!(roles & ADMIN_R(ADMIN_ROLE_SECURITY_MANAGER))) {
		fprintf(stderr, "paraphe-staff: the ceremony creates security managers only; every other"
		    " account is a console proposal\n");
		return 1;
	}
	if (!admin_roles_allowed(roles, &why)) {
		fprintf(stderr, "paraphe-staff: refused: %s\n", why);
		return 1;
	}
	if (admin_accounts_count_role(db, ADMIN_ROLE_SECURITY_MANAGER, &sms) != PP_OK)
		return 1;
	if (sms >= 2) {
		fprintf(stderr, "paraphe-staff: refused: the console already has %lld active security"
		    " managers; propose the account in the console (dual control)\n", (long long)sms);
		return 1;
	}
	if (pp_pool_new(&pool) != PP_OK)
		return 1;
	memset(&c, 0, sizeof(c));
	if (!staff_cert(conf, pool, cert, &c))
		goto out;
	for (size_t i = 0; i < npresent; i++) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", present[i]);
	}
	struct admin_account_new a = { name, c.sha256, c.subject, roles, "ceremony", list };
	/* Audited first: an account the log does not show must not exist.
	 * If the write below then fails, the log holds a record of a
	 * creation that failed, which says so in its own outcome record. */
	admin_roles_label(roles, label, sizeof(label));
	json_object *d = json_object_new_object();
	if (d == NULL || pp_json_add_str(d, "account_name", name) != PP_OK ||
	    pp_json_add_str(d, "roles", label) != PP_OK ||
	    pp_json_add_str(d, "certificate_sha256", c.sha256) != PP_OK ||
	    pp_json_add_str(d, "certificate_subject", c.subject) != PP_OK ||
	    pp_json_add_str(d, "ceremony", "founding security manager") != PP_OK) {
		json_object_put(d);
		goto out;
	}
	enum pp_err rc = admin_accounts_create(db, &a, id, &why);
	struct pp_audit_event ev = {
		.type = PP_AUDIT_ACCOUNT_CREATE,
		.outcome = rc == PP_OK ? PP_AUDIT_SUCCESS : PP_AUDIT_FAILURE,
		.actor_kind = PP_AUDIT_ACTOR_SYSTEM,
		.actor_id = "paraphe-staff",
		.recipient = rc == PP_OK ? id : NULL,
		.cause = rc == PP_OK ? "founding ceremony" : why,
		.details = d,
	};
	for (size_t i = 0; i < npresent && i < PP_AUDIT_MAX_PRESENT; i++)
		ev.present[i] = present[i];
	if (pp_audit_emit(conf, &ev, NULL) != PP_OK) {
		fprintf(stderr, "paraphe-staff: the audit log did not record the ceremony\n");
		if (rc == PP_OK) {
			/* Undo: nothing exists that the log does not show. */
			struct pp_val b[] = { PP_VAL_S(id) };
			if (pp_store_exec(db, "DELETE FROM staff_roles WHERE staff = ?", b, 1, NULL, NULL, NULL) != PP_OK ||
			    pp_store_exec(db, "DELETE FROM staff WHERE id = ?", b, 1, NULL, NULL, NULL) != PP_OK)
				fprintf(stderr, "paraphe-staff: the unrecorded account %s could not be removed:"
				    " remove it by hand\n", id);
		}
		json_object_put(d);
		goto out;
	}
	if (rc == PP_OK) {
		ev.type = PP_AUDIT_ROLE_ASSIGN;
		if (pp_audit_emit(conf, &ev, NULL) != PP_OK)
			fprintf(stderr, "paraphe-staff: warning: the role.assign record was not acknowledged\n");
	}
	json_object_put(d);
	if (rc != PP_OK) {
		fprintf(stderr, "paraphe-staff: refused: %s\n", why ? why : pp_err_name(rc));
		goto out;
	}
	printf("%s\n", id);
	status = 0;
out:
	pp_pool_free(pool);
	return status;
}

int
main(int argc, char **argv)
{
	struct pp_conf *conf = NULL;
	struct pp_store *db = NULL;
	char err[512];
	int status = 2;

	if (argc < 4 || strcmp(argv[1], "-c") != 0)
		return usage();
	if (pp_conf_load(argv[2], &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "paraphe-staff: %s\n", err);
		return 1;
	}
	pp_log_open("paraphe-staff", PP_LOG_WARN, PP_LOG_STDERR);
	if (pp_proc_drop(pp_conf_str(conf, "service", "user"), pp_conf_str(conf, "service", "group")) != PP_OK ||
	    pp_store_open(conf, "admin", &db) != PP_OK) {
		status = 1;
		goto out;
	}
	if (strcmp(argv[3], "bootstrap") == 0)
		status = staff_bootstrap(conf, db, argc - 4, argv + 4);
	else if (strcmp(argv[3], "list") == 0 && argc == 4)
		status = pp_store_exec(db, "SELECT id, status, CASE WHEN totp_secret IS NULL THEN 'no-2fa'"
		    " ELSE '2fa' END, COALESCE((SELECT group_concat(role, '+') FROM staff_roles WHERE"
		    " staff = staff.id), ''), name FROM staff ORDER BY name", NULL, 0, staff_list_row, NULL,
		    NULL) == PP_OK ? 0 : 1;
	else
		status = usage();
out:
	pp_store_close(db);
	pp_conf_free(conf);
	return status;
}
