# Unit tests of the core library (cmocka), one program per module.
PP_UNIT_TESTS = \
	tests/unit/test_err \
	tests/unit/test_mem \
	tests/unit/test_util \
	tests/unit/test_conf \
	tests/unit/test_json \
	tests/unit/test_http \
	tests/unit/test_store \
	tests/unit/test_ipc \
	tests/unit/test_html \
	tests/unit/test_store_race

check_PROGRAMS += $(PP_UNIT_TESTS)
TESTS += $(PP_UNIT_TESTS)

tests_unit_test_err_SOURCES = tests/unit/test_err.c tests/unit/pp_test.h
tests_unit_test_err_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_err_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_mem_SOURCES = tests/unit/test_mem.c
tests_unit_test_mem_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_mem_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_util_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_conf_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_json_SOURCES = tests/unit/test_json.c
tests_unit_test_json_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_json_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_http_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_store_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_ipc_SOURCES = tests/unit/test_ipc.c
tests_unit_test_ipc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ipc_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_html_SOURCES = tests/unit/test_html.c
tests_unit_test_html_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_html_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_store_race_SOURCES = tests/unit/test_store_race.c
tests_unit_test_store_race_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_store_race_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
