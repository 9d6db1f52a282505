sbin_PROGRAMS += sam/paraphe-samd
sam_paraphe_samd_SOURCES = sam/samd.c
sam_paraphe_samd_LDADD = $(CORE_LIBS)
