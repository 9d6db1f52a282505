/*
 * pp_cert: the client certificate as nginx passed it.
 *
 * nginx verifies the chain and passes SSL_CLIENT_VERIFY plus the PEM
 * ($ssl_client_escaped_cert).  The plugin does not take nginx's word alone:
 * it parses the certificate, requires that it be issued directly by one of
 * the issuing CAs configured for this listener (so a certificate from a
 * sibling CA under the same root is refused even if a chain was presented),
 * re-checks its validity period, and derives the subject DN, serial and
 * SHA-256 fingerprint itself.  Headers sent by the client never count.
 */
#ifndef PP_CERT_H
#define PP_CERT_H

#include <stddef.h>
#include "pp_err.h"

struct pp_pool;
struct pp_cert_issuers;

struct pp_client_cert {
	int present;		/* a certificate was presented and accepted */
	const char *subject;	/* RFC 2253 DN, UTF-8 (pool memory) */
	const char *common_name;/* CN, UTF-8 (pool memory) */
	const char *serial;	/* upper-case hex */
	const char *issuer;	/* RFC 2253 DN of the issuing CA */
	char sha256[65];	/* lower-case hex of SHA-256 over the DER */
};

/* Loads the PEM file of issuing CA certificates.  OUT *out owned by caller. */
enum pp_err pp_cert_issuers_load(const char *path, struct pp_cert_issuers **out) PP_WUR;
void pp_cert_issuers_free(struct pp_cert_issuers *iss);

/*
 * verify: nginx's $ssl_client_verify ("SUCCESS", "NONE", "FAILED:...");
 * escaped_pem: $ssl_client_escaped_cert (URL-encoded PEM) or NULL.
 * No certificate: PP_OK with out->present = 0.  A certificate that fails any
 * check: PP_ERR_CLIENT_CERT.
 */
enum pp_err pp_cert_check(struct pp_pool *pool, const struct pp_cert_issuers *iss,
    const char *verify, const char *escaped_pem, struct pp_client_cert *out) PP_WUR;

#endif
