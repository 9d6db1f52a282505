sbin_PROGRAMS += fcgi/signer/paraphe-signer fcgi/sca/paraphe-sca
fcgi_signer_paraphe_signer_SOURCES = fcgi/signer/signer.c fcgi/signer/signer.h \
	fcgi/signer/signer_pages.c fcgi/signer/signer_sam.h fcgi/signer/signer_sam.c \
	fcgi/signer/signer_session.h fcgi/signer/signer_session.c \
	fcgi/signer/signer_oidc.h fcgi/signer/signer_oidc.c
fcgi_signer_paraphe_signer_LDADD = $(CORE_LIBS)
fcgi_sca_paraphe_sca_SOURCES = fcgi/sca/sca.c fcgi/sca/sca_sam.h fcgi/sca/sca_sam.c \
	fcgi/sca/sca_cred.h fcgi/sca/sca_cred.c fcgi/sca/sca_pss.h fcgi/sca/sca_pss.c \
	fcgi/sca/sca_oauth.h fcgi/sca/sca_oauth.c
fcgi_sca_paraphe_sca_LDADD = $(CORE_LIBS)
