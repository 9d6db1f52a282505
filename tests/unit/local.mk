# Unit tests of the core library (cmocka), one program per module.
PP_UNIT_TESTS = \
	tests/unit/test_err \
	tests/unit/test_mem \
	tests/unit/test_util \
	tests/unit/test_sandbox \
	tests/unit/test_conf \
	tests/unit/test_json \
	tests/unit/test_http \
	tests/unit/test_cert \
	tests/unit/test_store \
	tests/unit/test_ipc \
	tests/unit/test_html \
	tests/unit/test_store_race \
	tests/unit/test_merkle \
	tests/unit/test_canon \
	tests/unit/test_note \
	tests/unit/test_tsa \
	tests/unit/test_syslog \
	tests/unit/test_audit \
	tests/unit/test_geo \
	tests/unit/test_admin_chart \
	tests/unit/test_admin_audit \
	tests/unit/test_archive \
	tests/unit/test_sam_ledger \
	tests/unit/test_sam_otp \
	tests/unit/test_sam_ca \
	tests/unit/test_sam_enrol \
	tests/unit/test_sam_cred \
	tests/unit/test_sam_sad \
	tests/unit/test_sam_client \
	tests/unit/test_sam_authz \
	tests/unit/test_sam_staff \
	tests/unit/test_sca_oauth \
	tests/unit/test_p11 \
	tests/unit/test_jose \
	tests/unit/test_signer_oidc \
	tests/unit/test_signer_session \
	tests/unit/test_admin_archive \
	tests/unit/test_admin_anomaly \
	tests/unit/test_admin_roles

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

tests_unit_test_cert_SOURCES = tests/unit/test_cert.c
tests_unit_test_cert_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_cert_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_http_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_geo_SOURCES = tests/unit/test_geo.c
tests_unit_test_geo_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_geo_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_admin_chart_SOURCES = tests/unit/test_admin_chart.c admin/admin_chart.h admin/admin_chart.c
tests_unit_test_admin_chart_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_unit_test_admin_chart_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_admin_chart_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_admin_audit_SOURCES = tests/unit/test_admin_audit.c admin/admin_audit.h admin/admin_audit.c \
	admin/admin_chart.h admin/admin_chart.c
tests_unit_test_admin_audit_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_unit_test_admin_audit_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_admin_audit_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

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

tests_unit_test_merkle_SOURCES = tests/unit/test_merkle.c tests/unit/pp_test.h
tests_unit_test_merkle_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_merkle_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_canon_SOURCES = tests/unit/test_canon.c tests/unit/pp_test.h
tests_unit_test_canon_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_canon_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_note_SOURCES = tests/unit/test_note.c tests/unit/pp_test.h
tests_unit_test_note_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_note_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_tsa_SOURCES = tests/unit/test_tsa.c tests/unit/pp_test.h
tests_unit_test_tsa_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_tsa_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_syslog_SOURCES = tests/unit/test_syslog.c tests/unit/pp_test.h
tests_unit_test_syslog_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_syslog_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_audit_SOURCES = tests/unit/test_audit.c tests/unit/pp_test.h
tests_unit_test_audit_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_audit_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_archive_SOURCES = tests/unit/test_archive.c tests/unit/pp_test.h
tests_unit_test_archive_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_archive_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

# The SAM's modules are linked from sam/ (they are not part of the core library).
tests_unit_test_sam_ledger_SOURCES = tests/unit/test_sam_ledger.c tests/unit/pp_test.h sam/sam_ledger.h sam/sam_ledger.c
tests_unit_test_sam_ledger_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_ledger_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_ledger_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_sam_otp_SOURCES = tests/unit/test_sam_otp.c tests/unit/pp_test.h sam/sam_otp.h sam/sam_otp.c
tests_unit_test_sam_otp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_otp_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_otp_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_sam_ca_SOURCES = tests/unit/test_sam_ca.c tests/unit/pp_test.h sam/sam_ca.h sam/sam_ca.c
tests_unit_test_sam_ca_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_ca_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_ca_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_sam_enrol_SOURCES = tests/unit/test_sam_enrol.c tests/unit/pp_test.h sam/sam_enrol.h sam/sam_enrol.c \
	sam/sam_client.h sam/sam_client.c
tests_unit_test_sam_enrol_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_enrol_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_enrol_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_sam_cred_SOURCES = tests/unit/test_sam_cred.c tests/unit/pp_test.h sam/sam_cred.h sam/sam_cred.c sam/sam_enrol.h sam/sam_enrol.c sam/sam_ca.h sam/sam_ca.c \
	sam/sam_client.h sam/sam_client.c
tests_unit_test_sam_cred_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_cred_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_cred_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_sam_sad_SOURCES = tests/unit/test_sam_sad.c tests/unit/pp_test.h sam/sam_sad.h sam/sam_sad.c \
	sam/sam_ledger.h sam/sam_ledger.c sam/sam_otp.h sam/sam_otp.c sam/sam_cred.h sam/sam_cred.c \
	sam/sam_enrol.h sam/sam_enrol.c sam/sam_ca.h sam/sam_ca.c sam/sam_client.h sam/sam_client.c
tests_unit_test_sam_sad_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_sad_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_sad_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

# The client registry's parser and decision; sam_enrol for its value checks.
tests_unit_test_sam_client_SOURCES = tests/unit/test_sam_client.c tests/unit/pp_test.h sam/sam_client.h \
	sam/sam_client.c sam/sam_enrol.h sam/sam_enrol.c
tests_unit_test_sam_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_client_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sam_client_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

# Needs softhsm2-util: makes a throwaway token of its own.
tests_unit_test_p11_SOURCES = tests/unit/test_p11.c tests/unit/pp_test.h
tests_unit_test_p11_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_p11_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_jose_SOURCES = tests/unit/test_jose.c tests/unit/pp_test.h
tests_unit_test_jose_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_jose_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

# The signer plugin's OpenID Connect client; its source is compiled in.
tests_unit_test_signer_session_SOURCES = tests/unit/test_signer_session.c tests/unit/pp_test.h \
	fcgi/signer/signer_session.h fcgi/signer/signer_session.c fcgi/signer/signer.h
tests_unit_test_signer_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/signer
tests_unit_test_signer_session_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_signer_session_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_signer_oidc_SOURCES = tests/unit/test_signer_oidc.c tests/unit/pp_test.h
tests_unit_test_signer_oidc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/signer
tests_unit_test_signer_oidc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_signer_oidc_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
EXTRA_tests_unit_test_signer_oidc_DEPENDENCIES = $(top_srcdir)/fcgi/signer/signer_oidc.c

tests_unit_test_sam_authz_SOURCES = tests/unit/test_sam_authz.c tests/unit/pp_test.h sam/sam_authz.h sam/sam_authz.c \
	sam/sam_sad.h sam/sam_sad.c sam/sam_ledger.h sam/sam_ledger.c sam/sam_otp.h sam/sam_otp.c sam/sam_cred.h \
	sam/sam_cred.c sam/sam_enrol.h sam/sam_enrol.c sam/sam_ca.h sam/sam_ca.c sam/sam_client.h sam/sam_client.c
tests_unit_test_sam_authz_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_authz_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
tests_unit_test_sam_authz_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS) -lpthread

tests_unit_test_sam_staff_SOURCES = tests/unit/test_sam_staff.c tests/unit/pp_test.h sam/sam_staff.h sam/sam_staff.c \
	sam/sam_authz.h sam/sam_authz.c sam/sam_sad.h sam/sam_sad.c sam/sam_ledger.h sam/sam_ledger.c sam/sam_otp.h \
	sam/sam_otp.c sam/sam_cred.h sam/sam_cred.c sam/sam_enrol.h sam/sam_enrol.c sam/sam_ca.h sam/sam_ca.c \
	sam/sam_client.h sam/sam_client.c
tests_unit_test_sam_staff_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_unit_test_sam_staff_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -pthread
tests_unit_test_sam_staff_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS) -lpthread

tests_unit_test_sca_oauth_SOURCES = tests/unit/test_sca_oauth.c tests/unit/pp_test.h fcgi/sca/sca_oauth.h \
	fcgi/sca/sca_oauth.c fcgi/sca/sca_sam.h fcgi/sca/sca_sam.c
tests_unit_test_sca_oauth_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/sca
tests_unit_test_sca_oauth_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sca_oauth_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_admin_archive_SOURCES = tests/unit/test_admin_archive.c tests/unit/pp_test.h \
	admin/admin_tar.h admin/admin_tar.c
tests_unit_test_admin_archive_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_unit_test_admin_archive_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_admin_archive_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_admin_anomaly_SOURCES = tests/unit/test_admin_anomaly.c tests/unit/pp_test.h admin/admin_anomaly.h admin/admin_anomaly.c
tests_unit_test_admin_anomaly_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_unit_test_admin_anomaly_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_admin_anomaly_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS) -lm
tests_unit_test_admin_roles_SOURCES = tests/unit/test_admin_roles.c admin/admin_roles.c admin/admin_perm.c admin/admin.h
tests_unit_test_admin_roles_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_unit_test_admin_roles_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_admin_roles_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
tests_unit_test_sandbox_SOURCES = tests/unit/test_sandbox.c
tests_unit_test_sandbox_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_sandbox_LDADD = $(CORE_LIBS) $(CMOCKA_LIBS)
