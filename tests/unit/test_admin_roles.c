/*
 * The console's trust roles: the ROLE-2 rule over every role set, role
 * names, labels, and the permission matrix of admin_perm.c against the one
 * docs/CONSOLE.md shows (the two must never disagree).
 */
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "admin.h"

#define R(x) ADMIN_R(ADMIN_ROLE_##x)

/* ROLE-2 written again from the requirement's words, independently of
 * admin_roles.c: "Never held together: Security Manager with System
 * Engineer or Operator; Controller with any other role; System Engineer
 * with Operator." */
static int
role2_allows(unsigned s)
{
	if ((s & R(SECURITY_MANAGER)) && (s & (R(SYSTEM_ENGINEER) | R(OPERATOR))))
		return 0;
	if ((s & R(CONTROLLER)) && (s & ~R(CONTROLLER)))
		return 0;
	if ((s & R(SYSTEM_ENGINEER)) && (s & R(OPERATOR)))
		return 0;
	return 1;
}

static void
test_role2_every_set(void **state)
{
	unsigned allowed = 0;
	(void)state;

	for (unsigned s = 0; s <= ADMIN_R_ALL; s++) {
		const char *why = NULL;
		int a = admin_roles_allowed(s, &why);

		assert_int_equal(a, role2_allows(s));
		if (!a) {
			assert_non_null(why);
			assert_non_null(strstr(why, "ROLE-2"));
		}
		allowed += (unsigned)a;
	}
	/* The allowed sets, counted by hand: the controller alone, and the
	 * sets of {SM, AM, SE, OP, SH} without SM+SE, SM+OP or SE+OP: AM and
	 * SH free (4) x {none, SM, SE, OP} (4) = 16, the empty set included. */
	assert_int_equal(allowed, 1 + 16);
	/* Unknown bits. */
	const char *why = NULL;
	assert_int_equal(admin_roles_allowed(1u << ADMIN_ROLE__MAX, &why), 0);
}

static void
test_role_names(void **state)
{
	enum admin_role r;
	char label[160];
	(void)state;

	for (int i = 0; i < ADMIN_ROLE__MAX; i++) {
		assert_int_equal(admin_role_from(admin_role_name((enum admin_role)i), &r), PP_OK);
		assert_int_equal(r, i);
	}
	assert_int_equal(admin_role_from("root", &r), PP_ERR_FIELD_INVALID);
	assert_int_equal(admin_role_from(NULL, &r), PP_ERR_FIELD_INVALID);
	assert_int_equal(admin_role_from("security_manager ", &r), PP_ERR_FIELD_INVALID);
	assert_string_equal(admin_role_name(ADMIN_ROLE__MAX), "?");
	admin_roles_label(R(APPLICATION_MANAGER) | R(OPERATOR), label, sizeof(label));
	assert_string_equal(label, "application_manager+operator");
	admin_roles_label(0, label, sizeof(label));
	assert_string_equal(label, "");
	/* Truncated at a whole name, never mid-name. */
	admin_roles_label(R(APPLICATION_MANAGER) | R(OPERATOR), label, 24);
	assert_string_equal(label, "application_manager");
}

static void
test_perm_basics(void **state)
{
	(void)state;
	/* The controller changes nothing. */
	static const enum admin_action changes[] = { ADMIN_A_STAFF_PROPOSE, ADMIN_A_PROPOSAL_DECIDE,
	    ADMIN_A_CLIENT_PROPOSE, ADMIN_A_ALGO_PROPOSE, ADMIN_A_CREDENTIAL_REVOKE, ADMIN_A_KEYS_PROPOSE,
	    ADMIN_A_CESSATION_PROPOSE, ADMIN_A_REVIEW_SIGN, ADMIN_A_MANUAL_ENTRY, ADMIN_A_PARAMS_PROPOSE,
	    ADMIN_A_ARCHIVE_CHECK, ADMIN_A_ARCHIVE_EXPORT };
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
		assert_false(admin_perm_allows(R(CONTROLLER), changes[i]));
	/* Every action has a name and at least one role. */
	for (int a = 0; a < ADMIN_A__MAX; a++) {
		assert_string_not_equal(admin_action_name((enum admin_action)a), "?");
		assert_true(admin_perm_roles((enum admin_action)a) != 0);
	}
	assert_int_equal(admin_perm_roles(ADMIN_A__MAX), 0);
	assert_false(admin_perm_allows(ADMIN_R_ALL, ADMIN_A__MAX));
}

/* docs/CONSOLE.md's matrix, row by row, against the code. */
static void
test_perm_matches_docs(void **state)
{
	const char *srcdir = getenv("srcdir");
	char path[4096], line[1024];
	int rows = 0, seen[ADMIN_A__MAX] = { 0 };
	FILE *f;
	(void)state;

	snprintf(path, sizeof(path), "%s/docs/CONSOLE.md", srcdir && *srcdir ? srcdir : ".");
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f)) {
		char *cells[8], *p = line;
		int n = 0, a;

		if (strncmp(line, "| ", 2) != 0)
			continue;
		while (n < 8 && (p = strchr(p, '|')) != NULL) {
			*p++ = '\0';
			cells[n++] = p;
		}
		if (n != 8)
			continue;
		for (int i = 0; i < 7; i++) {
			char *e = cells[i] + strlen(cells[i]);
			while (*cells[i] == ' ')
				cells[i]++;
			while (e > cells[i] && (e[-1] == ' ' || e[-1] == '|' || e[-1] == '\n'))
				*--e = '\0';
		}
		for (a = 1; a < ADMIN_A__MAX; a++)
			if (strcmp(cells[0], admin_action_name((enum admin_action)a)) == 0)
				break;
		if (a == ADMIN_A__MAX)
			continue;	/* the header or another table */
		for (int r = 0; r < ADMIN_ROLE__MAX; r++) {
			int doc = strcmp(cells[1 + r], "yes") == 0;
			if (doc != admin_perm_allows(ADMIN_R(r), (enum admin_action)a))
				fail_msg("docs/CONSOLE.md: %s for %s says '%s', admin_perm.c says %s",
				    cells[0], admin_role_name((enum admin_role)r), cells[1 + r],
				    doc ? "no" : "yes");
		}
		seen[a] = 1;
		rows++;
	}
	fclose(f);
	/* Every action but "public" (no session) is in the table. */
	for (int a = 1; a < ADMIN_A__MAX; a++)
		if (!seen[a])
			fail_msg("docs/CONSOLE.md has no row for %s", admin_action_name((enum admin_action)a));
	assert_int_equal(rows, ADMIN_A__MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role2_every_set),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_perm_basics),
		cmocka_unit_test(test_perm_matches_docs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
