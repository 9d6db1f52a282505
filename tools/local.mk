bin_PROGRAMS += tools/paraphe-config
tools_paraphe_config_SOURCES = tools/paraphe-config.c
tools_paraphe_config_LDADD = $(CORE_LIBS)
bin_PROGRAMS += tools/paraphe-audit-verify
tools_paraphe_audit_verify_SOURCES = tools/paraphe-audit-verify.c
tools_paraphe_audit_verify_LDADD = $(CORE_LIBS)
