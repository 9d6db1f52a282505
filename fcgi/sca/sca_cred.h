/*
 * sca_cred: a SAM credential (credential.info / credential.list member) as
 * the CSC API v2 describes it in credentials/info and credentials/list.
 */
#ifndef SCA_CRED_H
#define SCA_CRED_H

#include <stdint.h>
#include <json-c/json.h>
#include "pp_err.h"

/* What credentials/info was asked to return. */
enum sca_cred_certs { SCA_CERTS_NONE, SCA_CERTS_SINGLE, SCA_CERTS_CHAIN, SCA_CERTS__MAX };

struct sca_cred_opts {
	enum sca_cred_certs certs;
	int cert_info;		/* issuerDN, serialNumber, subjectDN, validFrom, validTo */
	int auth_info;		/* auth.expression and auth.objects */
	int64_t multisign;	/* hashes one SAD may cover */
	/* The SAM's "algorithms" answer (borrowed): its "key_types" and
	 * "sign_algos" arrays say what is still allowed (SEC-6).  NULL: nothing
	 * is known to be allowed, so every key is described as disabled. */
	json_object *algos;
};

/* 1 when the SAM's credential should appear to an SCA at all: a creation
 * that failed half-way (DESTROYED) never existed for it. */
int sca_cred_visible(json_object *cred);
/* 1 when the credential can sign now: ACTIVE and within its validity. */
int sca_cred_usable(json_object *cred, int64_t now);
/* 1 when the credential's key type is among the "key_types" of algos (the
 * SAM's "algorithms" answer, borrowed; NULL: none is). */
int sca_cred_key_allowed(json_object *cred, json_object *algos);

/* Builds the CSC credentials/info object of cred (the SAM's "credential",
 * borrowed) into *out (new reference, owned by caller).  key.status is
 * "enabled" only when the credential can sign now and its key type is
 * allowed; key.algo is the key's algorithm OID, then the signature
 * algorithms of that key that o->algos allows (none for a withdrawn key
 * type).  PP_ERR_PROTO when cred lacks what the SAM always sends or holds
 * a certificate that does not parse. */
enum pp_err sca_cred_info(json_object *cred, const struct sca_cred_opts *o, int64_t now,
    json_object **out) PP_WUR;

#endif
