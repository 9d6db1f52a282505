# Integration tests: real nginx, plugins, daemons and SoftHSMv2 on loopback.
INTEGRATION_TESTS = \
	tests/integration/t_lifecycle.sh \
	tests/integration/t_tls.sh \
	tests/integration/t_tls_listeners.sh \
	tests/integration/t_requests.sh \
	tests/integration/t_hardening.sh \
	tests/integration/t_sandbox.sh \
	tests/integration/t_conformance.sh \
	tests/integration/t_browser.sh \
	tests/integration/t_pages.sh \
	tests/integration/t_browser_flow.sh \
	tests/integration/t_audit.sh \
	tests/integration/t_audit_stop.sh \
	tests/integration/t_sam.sh \
	tests/integration/t_csc.sh \
	tests/integration/t_sad.sh \
	tests/integration/t_signhash.sh \
	tests/integration/t_oauth.sh \
	tests/integration/t_ephemeral.sh \
	tests/integration/t_clients.sh \
	tests/integration/t_demo.sh \
	tests/integration/t_demo_pages.sh \
	tests/integration/t_cred.sh \
	tests/integration/t_algo.sh \
	tests/integration/t_legacy.sh \
	tests/integration/t_sam_staff.sh \
	tests/integration/t_console.sh \
	tests/integration/t_console_ops.sh \
	tests/integration/t_bench.sh \
	tests/integration/t_oidc.sh \
	tests/integration/t_console_archive.sh \
	tests/integration/t_console_status.sh \
	tests/integration/t_console_review.sh \
	tests/integration/t_console_audit.sh \
	tests/integration/t_console_browser.sh \
	tests/integration/t_fault_kill.sh \
	tests/integration/t_fault_clock.sh \
	tests/integration/t_fault_audit.sh \
	tests/integration/t_fault_hsm.sh \
	tests/integration/t_fault_db.sh \
	tests/integration/t_fault_disk.sh \
	tests/integration/t_hostile.sh
TESTS += $(INTEGRATION_TESTS)
# The bad-input catalogue's rows (t_hostile.sh).
EXTRA_DIST += tests/integration/hostile/README.md tests/integration/hostile/sca.tsv \
	tests/integration/hostile/sock.tsv tests/integration/hostile/con.tsv tests/integration/hostile/pub.tsv
EXTRA_DIST += tests/integration/lib.sh tests/integration/webdriver.sh tests/integration/invariants.sh \
	tests/integration/fault.sh $(INTEGRATION_TESTS)
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(BASH)
AM_TESTS_ENVIRONMENT = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)'; export top_srcdir top_builddir;
