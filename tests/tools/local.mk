# Stand-ins for third parties the project cannot run, started by the tests
# (and, for the collector, by the demo supervisor) on loopback: a
# time-stamping authority (RFC 3161 over HTTP) and a syslog collector.
# Built by `make` (not installed) because the demo instance uses them.
noinst_PROGRAMS += tests/tools/pp-test-tsa tests/tools/pp-test-syslog tests/tools/pp-test-ipc tests/tools/pp-test-sam \
	tests/tools/pp-test-p11keygen
tests_tools_pp_test_tsa_SOURCES = tests/tools/pp-test-tsa.c
tests_tools_pp_test_tsa_LDADD = $(CORE_LIBS)
tests_tools_pp_test_syslog_SOURCES = tests/tools/pp-test-syslog.c
tests_tools_pp_test_syslog_LDADD = $(CORE_LIBS)
tests_tools_pp_test_ipc_SOURCES = tests/tools/pp-test-ipc.c
tests_tools_pp_test_sam_SOURCES = tests/tools/pp-test-sam.c
tests_tools_pp_test_sam_LDADD = $(CORE_LIBS)
# An HSM vendor's migration tool: a legacy key pair in the SAM's token (t_legacy).
tests_tools_pp_test_p11keygen_SOURCES = tests/tools/pp-test-p11keygen.c
tests_tools_pp_test_p11keygen_LDADD = $(CORE_LIBS)
# The objects of the SAM's or the audit daemon's token, listed with their
# attributes, and a key pair made in it (t_sam, t_sad, t_cred), so that no
# test depends on opensc's pkcs11-tool.
noinst_PROGRAMS += tests/tools/pp-test-p11
tests_tools_pp_test_p11_SOURCES = tests/tools/pp-test-p11.c
tests_tools_pp_test_p11_LDADD = $(CORE_LIBS)
# The stand-in OpenID Connect provider (tests and the demo; the supervisor
# starts it when oidc.issuer is the demo's loopback one).
noinst_PROGRAMS += tests/tools/pp-test-idp
tests_tools_pp_test_idp_SOURCES = tests/tools/pp-test-idp.c
tests_tools_pp_test_idp_LDADD = $(CORE_LIBS)
# The signer's OpenID Connect client driven from the shell (t_oidc).
noinst_PROGRAMS += tests/tools/pp-test-oidc
tests_tools_pp_test_oidc_SOURCES = tests/tools/pp-test-oidc.c fcgi/signer/signer_oidc.h fcgi/signer/signer_oidc.c
tests_tools_pp_test_oidc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/signer
tests_tools_pp_test_oidc_LDADD = $(CORE_LIBS)
# The tests' GeoIP database (GeoIP2-City shape, MaxMind::DB::Writer; test_geo,
# lib.sh pp_geoip).
EXTRA_DIST += tests/tools/pp-test-mmdb
# The staff's authenticator app: TOTP codes for the console's tests.
noinst_PROGRAMS += tests/tools/pp-test-totp
tests_tools_pp_test_totp_SOURCES = tests/tools/pp-test-totp.c
tests_tools_pp_test_totp_CPPFLAGS = $(AM_CPPFLAGS) $(OATH_CFLAGS)
tests_tools_pp_test_totp_LDADD = $(OATH_LIBS)
# One of the processes' seccomp profiles applied to itself, then one system
# call (t_sandbox: what kills, what is refused, what is allowed).
noinst_PROGRAMS += tests/tools/pp-test-sandbox
tests_tools_pp_test_sandbox_SOURCES = tests/tools/pp-test-sandbox.c
tests_tools_pp_test_sandbox_LDADD = $(CORE_LIBS) -lpthread
