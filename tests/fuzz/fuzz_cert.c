/*
 * Fuzz target: the client certificate passed by nginx (URL-encoded PEM in
 * SSL_CLIENT_CERT), checked against a fixed issuing CA.
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pp_cert.h"
#include "pp_log.h"
#include "pp_mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A throwaway CA made for this target only (its key is not kept). */
static const char fz_ca_pem[] =
"-----BEGIN CERTIFICATE-----\n"
"MIIBezCCASGgAwIBAgIULhyOhrtUQt3WaKKeiGGglHDVCo4wCgYIKoZIzj0EAwIw\n"
"EjEQMA4GA1UEAwwHRnV6eiBDQTAgFw0yNjExMjEwNTI5MTNaGA8yMTI2MTAyODA1\n"
"MjkxM1owEjEQMA4GA1UEAwwHRnV6eiBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
"A0IABHvPh1tsdg4OOmbkWbs4RIy84BtfG1kLgdnbdoBOV5eK/4nsjKujYz5xdXGt\n"
"AvGXzdppWvvzdP1KlKScXNIWYaGjUzBRMB0GA1UdDgQWBBTc/5tt9gXHvomEzcHK\n"
"omfhoH5ohjAfBgNVHSMEGDAWgBTc/5tt9gXHvomEzcHKomfhoH5ohjAPBgNVHRMB\n"
"Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQC6rtCp6lzGXLucJ/KBhOT/LM9C\n"
"rh7raaYrFE1j4ZyuIwIgBl6EUTzXiD7q+l25o+0v8vXFcz1up0xwdgUbby0Jao4=\n"
"-----END CERTIFICATE-----\n"
;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pp_cert_issuers *iss;
	struct pp_client_cert cc;
	struct pp_pool *pool = NULL;
	char *s;

	if (iss == NULL) {
		char path[] = "/tmp/pp-fuzz-ca.XXXXXX";
		int fd = mkstemp(path);
		pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
		if (fd < 0 || write(fd, fz_ca_pem, sizeof(fz_ca_pem) - 1) != (ssize_t)(sizeof(fz_ca_pem) - 1))
			abort();
		close(fd);
		if (pp_cert_issuers_load(path, &iss) != PP_OK)
			abort();
		unlink(path);
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pp_pool_new(&pool) == PP_OK && pp_cert_check(pool, iss, "SUCCESS", s, &cc) == PP_OK &&
	    cc.present && strlen(cc.sha256) != 64)
		abort();	/* an accepted certificate always has its fingerprint */
	pp_pool_free(pool);
	free(s);
	return 0;
}
