noinst_LIBRARIES += lib/libparaphe.a
lib_libparaphe_a_SOURCES = \
	lib/pp_core.h \
	lib/pp_err.h lib/pp_err.c \
	lib/pp_mem.h lib/pp_mem.c \
	lib/pp_log.h lib/pp_log.c \
	lib/pp_util.h lib/pp_util.c \
	lib/pp_conf.h lib/pp_conf.c \
	lib/pp_json.h lib/pp_json.c \
	lib/pp_store.h lib/pp_store.c lib/pp_store_sqlite.c lib/pp_schema.c \
	lib/pp_p11.h lib/pp_p11.c \
	lib/pp_proc.h lib/pp_proc.c \
	lib/pp_sandbox.h lib/pp_sandbox.c \
	lib/pp_ipc.h lib/pp_ipc.c \
	lib/pp_cert.h lib/pp_cert.c \
	lib/pp_html.h lib/pp_html.c \
	lib/pp_http.h lib/pp_http.c \
	lib/pp_daemon.h lib/pp_daemon.c \
	lib/pp_merkle.h lib/pp_merkle.c \
	lib/pp_canon.h lib/pp_canon.c \
	lib/pp_note.h lib/pp_note.c \
	lib/pp_tsa.h lib/pp_tsa.c \
	lib/pp_syslog.h lib/pp_syslog.c \
	lib/pp_archive.h lib/pp_archive.c \
	lib/pp_audit.h lib/pp_audit.c \
	lib/pp_geo.h lib/pp_geo.c \
	lib/pp_jose.h lib/pp_jose.c
