sbin_PROGRAMS += sam/paraphe-samd
SAM_MODULES = sam/sam_ledger.h sam/sam_ledger.c sam/sam_otp.h sam/sam_otp.c sam/sam_ca.h sam/sam_ca.c \
	sam/sam_enrol.h sam/sam_enrol.c sam/sam_cred.h sam/sam_cred.c sam/sam_sad.h sam/sam_sad.c \
	sam/sam_client.h sam/sam_client.c sam/sam_authz.h sam/sam_authz.c \
	sam/sam_staff.h sam/sam_staff.c
sam_paraphe_samd_SOURCES = sam/samd.c $(SAM_MODULES)
sam_paraphe_samd_CFLAGS = $(AM_CFLAGS) -pthread
sam_paraphe_samd_LDADD = $(CORE_LIBS) -lpthread
