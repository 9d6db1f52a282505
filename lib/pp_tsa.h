/*
 * pp_tsa: RFC 3161 time-stamp tokens for archive manifests.
 *
 * pp_tsa_fetch sends a TimeStampReq (SHA-256 imprint, random 64-bit nonce,
 * certReq true) with HTTP POST (application/timestamp-query, libcurl) and
 * checks the answer before returning it: status granted, same imprint, same
 * nonce.  The whole DER TimeStampResp is kept (a ".tsr", readable by
 * `openssl ts -reply -in` and `openssl ts -verify`).
 * pp_tsa_verify checks a stored TimeStampResp offline against a digest and
 * the TSA's CA certificate(s).
 */
#ifndef PP_TSA_H
#define PP_TSA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "pp_err.h"
#include "pp_merkle.h"

#define PP_TSA_MAX_RESPONSE (64 * 1024)

/* OUT *tsr (pp_malloc'd, caller pp_free), *len.  PP_ERR_UNAVAILABLE when
 * the TSA cannot be reached in timeout_ms; PP_ERR_PROTO when it answers
 * something else than a granted token for this request.  ca_file: when not
 * empty, the token's signature is also verified against it. */
enum pp_err pp_tsa_fetch(const char *url, const pp_hash digest, int timeout_ms, const char *ca_file,
    uint8_t **tsr, size_t *len) PP_WUR;

/* Offline check of a stored TimeStampResp: PP_OK when granted, the imprint
 * is SHA-256 digest, and the signer chains to ca_file with the
 * timeStamping extended key usage.  OUT *gen_time (may be NULL).
 * PP_ERR_FORBIDDEN on any mismatch or bad signature; PP_ERR_BAD_REQUEST
 * when tsr does not parse. */
enum pp_err pp_tsa_verify(const uint8_t *tsr, size_t len, const pp_hash digest, const char *ca_file,
    time_t *gen_time) PP_WUR;

#endif
