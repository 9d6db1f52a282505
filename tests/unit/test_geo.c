/*
 * pp_geo and the GeoIP details of audit records, over a MaxMind DB the test
 * builds with tests/tools/pp-test-mmdb (the same tool and the same places as
 * the integration tests; no binary fixture in the tree: the database is
 * made from readable source each run).  Skipped when the Perl writer
 * module (libmaxmind-db-writer-perl) is not installed.
 */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "pp_audit.h"
#include "pp_geo.h"
#include "pp_json.h"
#include "pp_test.h"

static char tmpdir[256];
static char dbpath[300];
static int have_db;

static int
setup(void **state)
{
	const char *src = getenv("top_srcdir");
	char cmd[1024];
	int st;

	(void)state;
	if (src == NULL || *src == '\0')
		src = getenv("srcdir");
	if (src == NULL || *src == '\0')
		src = ".";
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-test-geo.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/city.mmdb", tmpdir);
	snprintf(cmd, sizeof(cmd), "perl '%s/tests/tools/pp-test-mmdb' '%s'", src, dbpath);
	st = system(cmd);
	have_db = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!have_db && !(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 2))
		return -1;	/* the tool exists and failed: a real failure */
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	pp_geo_close();
	pp_test_rmtree(tmpdir);
	return 0;
}

static void
open_db(void)
{
	if (!have_db)
		skip();
	assert_int_equal(pp_geo_open(dbpath), PP_OK);
	assert_true(pp_geo_enabled());
}

static void
test_off(void **state)
{
	struct pp_geo g;
	json_object *d = json_object_new_object();

	(void)state;
	assert_int_equal(pp_geo_open(""), PP_OK);
	assert_false(pp_geo_enabled());
	assert_int_equal(pp_geo_open(NULL), PP_OK);
	assert_int_equal(pp_geo_lookup("127.0.0.3", &g), PP_ERR_NOT_FOUND);
	assert_string_equal(g.country, "");
	assert_int_equal(pp_geo_details("127.0.0.3", d, 32), PP_OK);
	assert_int_equal(json_object_object_length(d), 0);
	json_object_put(d);
	pp_geo_close();
	pp_geo_close();		/* twice: a no-op */
}

static void
test_open_refused(void **state)
{
	char path[320];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.mmdb", tmpdir);
	assert_int_equal(pp_geo_open(path), PP_ERR_CONFIG);
	assert_false(pp_geo_enabled());
	snprintf(path, sizeof(path), "%s/not.mmdb", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fputs("this is not a MaxMind database\n", f);
	fclose(f);
	assert_int_equal(pp_geo_open(path), PP_ERR_CONFIG);
	assert_false(pp_geo_enabled());
	/* A failed open after a good one leaves GeoIP off, not half open. */
	if (have_db) {
		assert_int_equal(pp_geo_open(dbpath), PP_OK);
		assert_int_equal(pp_geo_open(path), PP_ERR_CONFIG);
		assert_false(pp_geo_enabled());
	}
}

static void
test_lookup(void **state)
{
	struct pp_geo g;

	(void)state;
	open_db();
	assert_int_equal(pp_geo_lookup("127.0.0.1", &g), PP_OK);
	assert_string_equal(g.country, "FR");
	assert_string_equal(g.city, "Paris");
	assert_string_equal(g.geo, "48.8566,2.3522");
	assert_int_equal(pp_geo_lookup("127.0.0.2", &g), PP_OK);
	assert_string_equal(g.city, "Lyon");
	assert_int_equal(pp_geo_lookup("127.0.0.3", &g), PP_OK);
	assert_string_equal(g.country, "US");
	assert_string_equal(g.city, "New York");
	assert_string_equal(g.geo, "40.7128,-74.0060");
	assert_int_equal(pp_geo_lookup("127.0.0.4", &g), PP_OK);
	assert_string_equal(g.country, "JP");
	assert_string_equal(g.city, "Tokyo");
	assert_string_equal(g.geo, "35.6762,139.6503");
	assert_int_equal(pp_geo_lookup("::1", &g), PP_OK);
	assert_string_equal(g.country, "FR");
	assert_string_equal(g.city, "Paris");
	/* Not in the database. */
	assert_int_equal(pp_geo_lookup("127.0.0.5", &g), PP_ERR_NOT_FOUND);
	assert_string_equal(g.country, "");
	assert_string_equal(g.city, "");
	assert_string_equal(g.geo, "");
	assert_int_equal(pp_geo_lookup("192.0.2.1", &g), PP_ERR_NOT_FOUND);
	assert_int_equal(pp_geo_lookup("2001:db8::1", &g), PP_ERR_NOT_FOUND);
	/* Literals only: no name resolution, no stray bytes. */
	assert_int_equal(pp_geo_lookup("localhost", &g), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_geo_lookup("127.0.0.1 ", &g), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_geo_lookup("", &g), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_geo_lookup(NULL, &g), PP_ERR_FIELD_INVALID);
	assert_int_equal(pp_geo_lookup("127.1", &g), PP_ERR_FIELD_INVALID);
	pp_geo_close();
	assert_false(pp_geo_enabled());
	assert_int_equal(pp_geo_lookup("127.0.0.1", &g), PP_ERR_NOT_FOUND);
}

static void
test_details(void **state)
{
	json_object *d = json_object_new_object();
	char key[8];

	(void)state;
	open_db();
	/* The caller's value wins. */
	assert_int_equal(pp_json_add_str(d, "city", "Brooklyn"), PP_OK);
	assert_int_equal(pp_geo_details("127.0.0.3", d, 32), PP_OK);
	assert_string_equal(pp_json_get_str(d, "country"), "US");
	assert_string_equal(pp_json_get_str(d, "city"), "Brooklyn");
	assert_string_equal(pp_json_get_str(d, "geo"), "40.7128,-74.0060");
	json_object_put(d);
	/* Never beyond max_keys: 30 members leave room for two of the three. */
	d = json_object_new_object();
	for (int i = 0; i < 30; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(pp_json_add_int(d, key, i), PP_OK);
	}
	assert_int_equal(pp_geo_details("127.0.0.4", d, 32), PP_OK);
	assert_int_equal(json_object_object_length(d), 32);
	assert_string_equal(pp_json_get_str(d, "country"), "JP");
	assert_string_equal(pp_json_get_str(d, "city"), "Tokyo");
	assert_null(pp_json_get_str(d, "geo"));
	json_object_put(d);
	/* Unknown or invalid address: nothing added, no error. */
	d = json_object_new_object();
	assert_int_equal(pp_geo_details("127.0.0.5", d, 32), PP_OK);
	assert_int_equal(pp_geo_details("nonsense", d, 32), PP_OK);
	assert_int_equal(json_object_object_length(d), 0);
	json_object_put(d);
	pp_geo_close();
}

/* The record a component builds: GeoIP details for a client address, the
 * caller's details object left untouched, a caller's detail kept. */
static void
test_audit_record(void **state)
{
	struct pp_audit_event ev = {
		.type = PP_AUDIT_SIGNATORY_AUTH,
		.outcome = PP_AUDIT_SUCCESS,
		.actor_kind = PP_AUDIT_ACTOR_SIGNATORY,
		.actor_id = "sig-001",
		.client_ip = "127.0.0.3",
	};
	json_object *caller = json_object_new_object(), *rec = NULL, *d;
	char key[8];

	(void)state;
	open_db();
	assert_int_equal(pp_json_add_str(caller, "op", "authz.otp_verify"), PP_OK);
	ev.details = caller;
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_OK);
	assert_true(json_object_object_get_ex(rec, "details", &d));
	assert_string_equal(pp_json_get_str(d, "op"), "authz.otp_verify");
	assert_string_equal(pp_json_get_str(d, "country"), "US");
	assert_string_equal(pp_json_get_str(d, "city"), "New York");
	assert_string_equal(pp_json_get_str(d, "geo"), "40.7128,-74.0060");
	assert_int_equal(json_object_object_length(caller), 1);	/* not changed */
	json_object_put(rec);

	/* A caller's country is never replaced. */
	assert_int_equal(pp_json_add_str(caller, "country", "CA"), PP_OK);
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_OK);
	assert_true(json_object_object_get_ex(rec, "details", &d));
	assert_string_equal(pp_json_get_str(d, "country"), "CA");
	assert_string_equal(pp_json_get_str(d, "city"), "New York");
	json_object_put(rec);
	json_object_put(caller);

	/* No details of the caller's: the record gets GeoIP ones. */
	ev.details = NULL;
	ev.client_ip = "::1";
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_OK);
	assert_true(json_object_object_get_ex(rec, "details", &d));
	assert_string_equal(pp_json_get_str(d, "country"), "FR");
	assert_string_equal(pp_json_get_str(d, "city"), "Paris");
	json_object_put(rec);

	/* An address the database does not know: no details at all. */
	ev.client_ip = "127.0.0.5";
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_OK);
	assert_false(json_object_object_get_ex(rec, "details", NULL));
	json_object_put(rec);

	/* No client address: nothing looked up. */
	ev.client_ip = NULL;
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_OK);
	assert_false(json_object_object_get_ex(rec, "details", NULL));
	json_object_put(rec);

	/* A full details object stays within the schema's 32 keys. */
	caller = json_object_new_object();
	for (int i = 0; i < 32; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(pp_json_add_int(caller, key, i), PP_OK);
	}
	ev.details = caller;
	ev.client_ip = "127.0.0.1";
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_OK);
	assert_true(json_object_object_get_ex(rec, "details", &d));
	assert_int_equal(json_object_object_length(d), 32);
	assert_null(pp_json_get_str(d, "country"));
	json_object_put(rec);
	json_object_put(caller);

	/* An invalid client_ip is still the schema's error, as without GeoIP. */
	ev.details = NULL;
	ev.client_ip = "not an address";
	assert_int_equal(pp_audit_event_json(&ev, &rec), PP_ERR_FIELD_INVALID);
	pp_geo_close();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_details),
		cmocka_unit_test(test_audit_record),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
