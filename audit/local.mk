sbin_PROGRAMS += audit/paraphe-auditd
audit_paraphe_auditd_SOURCES = audit/auditd.c audit/auditd.h audit/audit_log.c audit/audit_tasks.c
audit_paraphe_auditd_LDADD = $(CORE_LIBS)
