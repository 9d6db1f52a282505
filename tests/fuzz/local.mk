# Fuzz targets, one per parser of untrusted bytes.  Each is built twice:
# with replay.c (always; `make check` replays the corpora, under ASan/UBSan
# in the sanitizer build) and, with --enable-fuzzing (clang), as a libFuzzer
# binary that `make fuzz` runs for FUZZ_SECONDS each.
FUZZ_TARGETS = json http conf ipc cert canon note audit archive tsa pss sam jose authz oauth oidc console
FUZZ_CPPFLAGS = $(AM_CPPFLAGS)

check_PROGRAMS += tests/fuzz/replay_json tests/fuzz/replay_http tests/fuzz/replay_conf \
	tests/fuzz/replay_ipc tests/fuzz/replay_cert tests/fuzz/replay_canon tests/fuzz/replay_note \
	tests/fuzz/replay_audit tests/fuzz/replay_archive tests/fuzz/replay_tsa \
	tests/fuzz/replay_pss tests/fuzz/replay_sam tests/fuzz/replay_jose tests/fuzz/replay_authz \
	tests/fuzz/replay_oauth tests/fuzz/replay_oidc tests/fuzz/replay_console
tests_fuzz_replay_json_SOURCES = tests/fuzz/fuzz_json.c tests/fuzz/replay.c
tests_fuzz_replay_json_LDADD = $(CORE_LIBS)
tests_fuzz_replay_http_SOURCES = tests/fuzz/fuzz_http.c tests/fuzz/replay.c
tests_fuzz_replay_http_LDADD = $(CORE_LIBS)
tests_fuzz_replay_conf_SOURCES = tests/fuzz/fuzz_conf.c tests/fuzz/replay.c
tests_fuzz_replay_conf_LDADD = $(CORE_LIBS)
tests_fuzz_replay_ipc_SOURCES = tests/fuzz/fuzz_ipc.c tests/fuzz/replay.c
tests_fuzz_replay_ipc_LDADD = $(CORE_LIBS)
tests_fuzz_replay_cert_SOURCES = tests/fuzz/fuzz_cert.c tests/fuzz/replay.c
tests_fuzz_replay_cert_LDADD = $(CORE_LIBS)
tests_fuzz_replay_canon_SOURCES = tests/fuzz/fuzz_canon.c tests/fuzz/replay.c
tests_fuzz_replay_canon_LDADD = $(CORE_LIBS)
tests_fuzz_replay_note_SOURCES = tests/fuzz/fuzz_note.c tests/fuzz/replay.c
tests_fuzz_replay_note_LDADD = $(CORE_LIBS)
tests_fuzz_replay_audit_SOURCES = tests/fuzz/fuzz_audit.c tests/fuzz/replay.c
tests_fuzz_replay_audit_LDADD = $(CORE_LIBS)
tests_fuzz_replay_archive_SOURCES = tests/fuzz/fuzz_archive.c tests/fuzz/replay.c
tests_fuzz_replay_archive_LDADD = $(CORE_LIBS)
tests_fuzz_replay_tsa_SOURCES = tests/fuzz/fuzz_tsa.c tests/fuzz/replay.c
tests_fuzz_replay_tsa_LDADD = $(CORE_LIBS)
tests_fuzz_replay_jose_SOURCES = tests/fuzz/fuzz_jose.c tests/fuzz/replay.c
tests_fuzz_replay_jose_LDADD = $(CORE_LIBS)
# The plugin's and the SAM's parsers are not in the core library: their
# sources are compiled in (the SAM's modules without a token or a database).
tests_fuzz_replay_pss_SOURCES = tests/fuzz/fuzz_pss.c fcgi/sca/sca_pss.h fcgi/sca/sca_pss.c tests/fuzz/replay.c
tests_fuzz_replay_pss_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/sca
tests_fuzz_replay_pss_LDADD = $(CORE_LIBS)
tests_fuzz_replay_sam_SOURCES = tests/fuzz/fuzz_sam.c $(SAM_MODULES) tests/fuzz/replay.c
tests_fuzz_replay_sam_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_fuzz_replay_sam_LDADD = $(CORE_LIBS)
# The OIDC client's source is included by the target (its static functions).
tests_fuzz_replay_oidc_SOURCES = tests/fuzz/fuzz_oidc.c tests/fuzz/replay.c
tests_fuzz_replay_oidc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/signer
tests_fuzz_replay_oidc_LDADD = $(CORE_LIBS)
EXTRA_tests_fuzz_replay_oidc_DEPENDENCIES = $(top_srcdir)/fcgi/signer/signer_oidc.c
tests_fuzz_replay_oauth_SOURCES = tests/fuzz/fuzz_oauth.c fcgi/sca/sca_oauth.h fcgi/sca/sca_oauth.c \
	fcgi/sca/sca_sam.h fcgi/sca/sca_sam.c tests/fuzz/replay.c
tests_fuzz_replay_oauth_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/sca
tests_fuzz_replay_oauth_LDADD = $(CORE_LIBS)
tests_fuzz_replay_authz_SOURCES = tests/fuzz/fuzz_authz.c $(SAM_MODULES) tests/fuzz/replay.c
tests_fuzz_replay_authz_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_fuzz_replay_authz_LDADD = $(CORE_LIBS)

TESTS += tests/fuzz/replay.sh
# The console's parsers of staff input (admin/).
FUZZ_CONSOLE_SOURCES = tests/fuzz/fuzz_console.c admin/admin_audit.h admin/admin_audit.c admin/admin_chart.h \
	admin/admin_chart.c admin/admin_anomaly.h admin/admin_anomaly.c admin/admin_params.c
tests_fuzz_replay_console_SOURCES = $(FUZZ_CONSOLE_SOURCES) tests/fuzz/replay.c
tests_fuzz_replay_console_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_fuzz_replay_console_LDADD = $(CORE_LIBS) -lm
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/corpus tests/fuzz/dict tests/fuzz/run-plateau

if FUZZING
FUZZ_BINS = tests/fuzz/fuzz_json tests/fuzz/fuzz_http tests/fuzz/fuzz_conf \
	tests/fuzz/fuzz_ipc tests/fuzz/fuzz_cert tests/fuzz/fuzz_canon tests/fuzz/fuzz_note tests/fuzz/fuzz_audit \
	tests/fuzz/fuzz_archive tests/fuzz/fuzz_tsa tests/fuzz/fuzz_pss tests/fuzz/fuzz_sam tests/fuzz/fuzz_jose \
	tests/fuzz/fuzz_authz tests/fuzz/fuzz_oauth tests/fuzz/fuzz_oidc tests/fuzz/fuzz_console
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz_json.c
tests_fuzz_fuzz_json_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_json_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_http_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_http_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_conf_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_ipc_SOURCES = tests/fuzz/fuzz_ipc.c
tests_fuzz_fuzz_ipc_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_ipc_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_ipc_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_cert_SOURCES = tests/fuzz/fuzz_cert.c
tests_fuzz_fuzz_cert_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_cert_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_cert_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_canon_SOURCES = tests/fuzz/fuzz_canon.c
tests_fuzz_fuzz_canon_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_canon_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_canon_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_note_SOURCES = tests/fuzz/fuzz_note.c
tests_fuzz_fuzz_note_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_note_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_note_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_audit_SOURCES = tests/fuzz/fuzz_audit.c
tests_fuzz_fuzz_audit_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_audit_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_audit_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_archive_SOURCES = tests/fuzz/fuzz_archive.c
tests_fuzz_fuzz_archive_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_archive_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_archive_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_tsa_SOURCES = tests/fuzz/fuzz_tsa.c
tests_fuzz_fuzz_tsa_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_tsa_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_tsa_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_jose_SOURCES = tests/fuzz/fuzz_jose.c
tests_fuzz_fuzz_jose_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_jose_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_jose_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_pss_SOURCES = tests/fuzz/fuzz_pss.c fcgi/sca/sca_pss.h fcgi/sca/sca_pss.c
tests_fuzz_fuzz_pss_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/sca
tests_fuzz_fuzz_pss_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_pss_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_pss_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_sam_SOURCES = tests/fuzz/fuzz_sam.c $(SAM_MODULES)
tests_fuzz_fuzz_sam_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
# clang reads sam_ca.c's long message split over two literals as a missing comma.
tests_fuzz_fuzz_sam_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) -Wno-string-concatenation
tests_fuzz_fuzz_sam_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_sam_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_oidc_SOURCES = tests/fuzz/fuzz_oidc.c
tests_fuzz_fuzz_oidc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/signer
tests_fuzz_fuzz_oidc_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_oidc_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_oidc_LDADD = $(CORE_LIBS)
EXTRA_tests_fuzz_fuzz_oidc_DEPENDENCIES = $(top_srcdir)/fcgi/signer/signer_oidc.c
tests_fuzz_fuzz_oauth_SOURCES = tests/fuzz/fuzz_oauth.c fcgi/sca/sca_oauth.h fcgi/sca/sca_oauth.c \
	fcgi/sca/sca_sam.h fcgi/sca/sca_sam.c
tests_fuzz_fuzz_oauth_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/fcgi/sca
tests_fuzz_fuzz_oauth_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_oauth_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_oauth_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_authz_SOURCES = tests/fuzz/fuzz_authz.c $(SAM_MODULES)
tests_fuzz_fuzz_authz_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sam
tests_fuzz_fuzz_authz_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS) -Wno-string-concatenation
tests_fuzz_fuzz_authz_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_authz_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_console_SOURCES = $(FUZZ_CONSOLE_SOURCES)
tests_fuzz_fuzz_console_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tests_fuzz_fuzz_console_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_console_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_console_LDADD = $(CORE_LIBS) -lm

FUZZ_SECONDS ?= 60
noinst_PROGRAMS += $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz-work/$$t && \
		echo "fuzzing $$t for $(FUZZ_SECONDS) s" && \
		dict=; test -f $(srcdir)/tests/fuzz/dict/$$t.dict && dict=-dict=$(srcdir)/tests/fuzz/dict/$$t.dict; \
		tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$dict \
			fuzz-work/$$t $(srcdir)/tests/fuzz/corpus/$$t || exit 1; \
	done
else
fuzz:
	@echo "configure with --enable-fuzzing CC=clang to build the libFuzzer targets"; exit 1
endif
.PHONY: fuzz
