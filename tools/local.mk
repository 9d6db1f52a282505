bin_PROGRAMS += tools/paraphe-config
tools_paraphe_config_SOURCES = tools/paraphe-config.c
tools_paraphe_config_LDADD = $(CORE_LIBS)
bin_PROGRAMS += tools/paraphe-audit-verify
tools_paraphe_audit_verify_SOURCES = tools/paraphe-audit-verify.c
tools_paraphe_audit_verify_LDADD = $(CORE_LIBS)
sbin_PROGRAMS += tools/paraphe-audit
tools_paraphe_audit_SOURCES = tools/paraphe-audit.c
tools_paraphe_audit_LDADD = $(CORE_LIBS)
sbin_PROGRAMS += tools/paraphe-sam-admin
tools_paraphe_sam_admin_SOURCES = tools/paraphe-sam-admin.c
tools_paraphe_sam_admin_LDADD = $(CORE_LIBS)
# The signer's login-token key (AUTH-4): found or generated in its token,
# its public key written for the SAM (run by scripts/paraphe-init).
sbin_PROGRAMS += tools/paraphe-login-key
tools_paraphe_login_key_SOURCES = tools/paraphe-login-key.c
tools_paraphe_login_key_LDADD = $(CORE_LIBS)
# The founding ceremony of the console's security managers (docs/CONSOLE.md).
sbin_PROGRAMS += tools/paraphe-staff
tools_paraphe_staff_SOURCES = tools/paraphe-staff.c $(ADMIN_CORE)
tools_paraphe_staff_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
tools_paraphe_staff_LDADD = $(CORE_LIBS)
