sbin_PROGRAMS += admin/paraphe-admin
admin_paraphe_admin_SOURCES = admin/admin.c
admin_paraphe_admin_LDADD = $(CORE_LIBS)
