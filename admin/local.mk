sbin_PROGRAMS += admin/paraphe-admin
# The console (docs/CONSOLE.md): the frame and dispatcher, the permission
# matrix, accounts and login, dual control, the SAM-side pages, then the
# audit review modules.
ADMIN_CORE = admin/admin_roles.c admin/admin_perm.c admin/admin_accounts.c admin/admin_accounts.h \
	admin/admin_params.c
admin_paraphe_admin_SOURCES = admin/admin.c admin/admin.h $(ADMIN_CORE) admin/admin_staff.c \
	admin/admin_dual.c admin/admin_sam.c admin/admin_ops.c
admin_paraphe_admin_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/admin
admin_paraphe_admin_LDADD = $(CORE_LIBS) $(OATH_LIBS) $(QRENCODE_LIBS)
# The console's templates (installed with the others, data.mk).  Each
# module's templates are listed with it.
CONSOLE_TEMPLATES = templates/console_head.cs templates/console_foot.cs templates/console_login.cs \
	templates/console_enrol.cs templates/console_refused.cs templates/console_staff.cs templates/console_proposals.cs \
	templates/console_proposal.cs templates/console_clients.cs templates/console_signatories.cs \
	templates/console_signatory.cs
# Archive checks and export, system status (admin_archive.c, admin_status.c).
admin_paraphe_admin_SOURCES += admin/admin_archive.c admin/admin_tar.c admin/admin_tar.h admin/admin_status.c
CONSOLE_TEMPLATES += templates/console_archive.cs templates/console_archive_report.cs templates/console_status.cs
# Audit search, record view, export and charts (admin_audit.c, admin_chart.c).
admin_paraphe_admin_SOURCES += admin/admin_audit.c admin/admin_audit.h admin/admin_chart.c admin/admin_chart.h
CONSOLE_TEMPLATES += templates/console_audit.cs templates/console_audit_record.cs templates/console_audit_charts.cs
# Audit review: daily review, analysis, reconciliation, manual entries (admin_review.c, admin_recon.c, admin_anomaly.c).
admin_paraphe_admin_SOURCES += admin/admin_review.c admin/admin_review.h admin/admin_recon.c admin/admin_anomaly.c admin/admin_anomaly.h
admin_paraphe_admin_LDADD += -lm
CONSOLE_TEMPLATES += templates/console_review.cs templates/console_review_day.cs templates/console_review_sign.cs \
	templates/console_analysis.cs templates/console_recon.cs templates/console_manual.cs
