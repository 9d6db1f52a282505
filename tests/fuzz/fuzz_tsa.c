/*
 * Fuzz target: a stored RFC 3161 TimeStampResp (an archive's manifest.tsr)
 * checked offline by pp_tsa_verify against a fixed digest and a fixed TSA
 * CA.  The seed corpus holds responses from a throwaway TSA under that CA
 * (its keys are not kept) over fz_digest, so mutations start from tokens
 * that verify.
 *
 * Invariants checked (abort = finding):
 *   - only the documented answers: PP_OK, PP_ERR_FORBIDDEN (mismatch or bad
 *     signature), PP_ERR_BAD_REQUEST (does not parse);
 *   - an accepted token is bound to its imprint: the same bytes are refused
 *     for any other digest, and accepted without asking for the time.
 */
#include "config.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pp_log.h"
#include "pp_tsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A throwaway TSA CA made for the fuzz targets (its key is not kept); the
 * same as in fuzz_archive.c. */
static const char fz_tsa_ca_pem[] =
"-----BEGIN CERTIFICATE-----\n"
"MIIBczCCARigAwIBAgIUb4KM9cukMxfzpE0qiz03M2SziwkwCgYIKoZIzj0EAwIw\n"
"FjEUMBIGA1UEAwwLRnV6eiBUU0EgQ0EwIBcNMjYxMTIxMDY0MTA3WhgPMjEyNjEw\n"
"MjgwNjQxMDdaMBYxFDASBgNVBAMMC0Z1enogVFNBIENBMFkwEwYHKoZIzj0CAQYI\n"
"KoZIzj0DAQcDQgAE297ocHt3Rut8LW9WpUcgNKHevClATMtyOtw2rwW2WxOAFhzu\n"
"gPXpIdzCrOZbOQI8ELqblWwbsNTOBp9yyIGixaNCMEAwDwYDVR0TAQH/BAUwAwEB\n"
"/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFB+LmTzoV9PbK3yY1iL60IcCjxGK\n"
"MAoGCCqGSM49BAMCA0kAMEYCIQC5e9GwgkcEzoOTxMUSZvzsCCj0ALp7DjAshBCf\n"
"SwiR7wIhAMTdYvPzieplECKbAulCwULsx2SpWrjhO9ttUaMn1NWY\n"
"-----END CERTIFICATE-----\n"
;

/* SHA-256("paraphe-fuzz-tsa"): the imprint of the seed tokens. */
static const pp_hash fz_digest = {
	0x19, 0x48, 0xb0, 0x49, 0x45, 0x59, 0xa4, 0x77, 0x35, 0x3e, 0x5b, 0x07, 0xa9, 0xbc, 0x74, 0x86,
	0x5d, 0x99, 0x4a, 0x49, 0xdf, 0x2e, 0x08, 0x3d, 0x37, 0x67, 0x6b, 0xc7, 0x30, 0xc3, 0x64, 0x8a,
};

/* pp_tsa_verify reads the CA file on every call: it stays for the life of
 * the process. */
static char fz_ca[256];

static void
fz_cleanup(void)
{
	(void)unlink(fz_ca);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pp_hash other;
	time_t gen = 0;
	enum pp_err rc;

	if (fz_ca[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		int fd;

		pp_log_open("fuzz", PP_LOG_ERROR, PP_LOG_STDERR);
		snprintf(fz_ca, sizeof(fz_ca), "%s/pp-fuzz-tsa-ca.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		fd = mkstemp(fz_ca);
		if (fd < 0 || write(fd, fz_tsa_ca_pem, sizeof(fz_tsa_ca_pem) - 1) !=
		    (ssize_t)(sizeof(fz_tsa_ca_pem) - 1))
			abort();
		close(fd);
		atexit(fz_cleanup);
	}
	/* Anything over the cap is refused before parsing; twice the cap
	 * still tests that. */
	if (size > 2 * PP_TSA_MAX_RESPONSE)
		return 0;
	rc = pp_tsa_verify(data, size, fz_digest, fz_ca, &gen);
	if (rc != PP_OK && rc != PP_ERR_FORBIDDEN && rc != PP_ERR_BAD_REQUEST)
		abort();
	if (rc == PP_OK) {
		memcpy(other, fz_digest, sizeof(other));
		other[PP_HASH_LEN - 1] ^= 1;
		if (pp_tsa_verify(data, size, other, fz_ca, NULL) != PP_ERR_FORBIDDEN ||
		    pp_tsa_verify(data, size, fz_digest, fz_ca, NULL) != PP_OK)
			abort();
	}
	return 0;
}
