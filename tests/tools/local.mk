# Stand-ins the tests start on loopback for third parties the project cannot
# run: a time-stamping authority (RFC 3161 over HTTP) and a syslog collector.
check_PROGRAMS += tests/tools/pp-test-tsa tests/tools/pp-test-syslog
tests_tools_pp_test_tsa_SOURCES = tests/tools/pp-test-tsa.c
tests_tools_pp_test_tsa_LDADD = $(CORE_LIBS)
tests_tools_pp_test_syslog_SOURCES = tests/tools/pp-test-syslog.c
tests_tools_pp_test_syslog_LDADD = $(CORE_LIBS)
