bin_PROGRAMS += tools/paraphe-config
tools_paraphe_config_SOURCES = tools/paraphe-config.c
tools_paraphe_config_LDADD = $(CORE_LIBS)
