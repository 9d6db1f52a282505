#!/usr/bin/env bash
# CSC v2 signatures/signHash on the SCA listener, through real nginx with
# client certificates, down to the real SAM and its SoftHSMv2 token.  The
# SAD is obtained as an SCA's signer pages would (otp.send, the code read
# from the SMS spool, sad.issue) with pp-test-sam on the SAM's socket.
# Every signature is verified with openssl against the credential's
# certificate from credentials/info; every refusal is a CSC JSON error.
. "$(dirname "$0")/lib.sh"

pp_init
pp_start
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
OTHER_CERT=(--cert "$PKI/sca/sca-other.crt" --key "$PKI/sca/sca-other.key")
# The demo SCA's certificate subject: the SAM's owner of what it creates.
A='"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
SHA256=2.16.840.1.101.3.4.2.1
SHA384=2.16.840.1.101.3.4.2.2
ECDSA256=1.2.840.10045.4.3.2
RSAENC=1.2.840.113549.1.1.1
RSAPSS=1.2.840.113549.1.1.10

post() {
	local path=$1 body=$2
	shift 2
	[ $# -eq 0 ] && set -- "${SCA_CERT[@]}"
	http POST "$SCA$path" "$@" "${J[@]}" --data-binary "$body"
}
has() {
	if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:400}"; fi
}
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$1$2" | head -n 1; }
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$top_builddir/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
# h NAME: base64 SHA-256 of the document NAME (its digest in $PP_TMP/NAME.bin).
h() {
	printf 'document %s\n' "$1" >"$PP_TMP/$1.txt"
	openssl dgst -sha256 -binary "$PP_TMP/$1.txt" >"$PP_TMP/$1.bin"
	base64 -w0 <"$PP_TMP/$1.bin"
}
arr() { local IFS=,; local a=("$@"); printf '[%s]' "$(printf '"%s",' "${a[@]}" | sed 's/,$//')"; }
# sad CREDENTIAL SESSION HASHES_JSON: a SAD from the SAM (OTP by SMS, consent).
sad() {
	local otp_id code
	sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"$2\"}"
	otp_id=$(amember otp_id)
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$1\",\"session\":\"$2\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$SHA256\",\"hashes\":$3,\"consent\":true}"
	amember sad
}
# pubkey CREDENTIAL FILE: the public key of the credential's certificate (credentials/info).
pubkey() {
	post /csc/v2/credentials/info "{\"credentialID\":\"$1\"}"
	grep -o '"certificates":\["[^"]*"' <<<"$BODY" | sed 's/.*\["//; s/"$//' | base64 -d |
		openssl x509 -inform DER -pubkey -noout >"$2" 2>/dev/null
}
# sigs: the signatures of the last body, one per line.
sigs() { sed -n 's/.*"signatures":\[\([^]]*\)\].*/\1/p' <<<"$BODY" | tr -d '"' | tr ',' '\n'; }
# verify DESC PUBKEY DOC SIG_B64 [pkeyopt...]
verify() {
	local d=$1 pub=$2 doc=$3 sig=$4
	shift 4
	base64 -d <<<"$sig" >"$PP_TMP/sig.bin" 2>/dev/null
	check "$d" openssl pkeyutl -verify -pubin -inkey "$pub" -in "$PP_TMP/$doc.bin" \
		-sigfile "$PP_TMP/sig.bin" -pkeyopt digest:sha256 "$@"
}

# --- info advertises signHash.
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "info lists signatures/signHash" 200 '"methods":["info","credentials/list","credentials/info","signatures/signHash","credentials/authorize","credentials/authorizeCheck","oauth2/pushed_authorize","oauth2/token"]'

# --- a signatory and two credentials, through the RA routes.
post /ra/v1/signatories '{"id":"sig-001","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-001"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "an EC P-256 credential" 201 '"state":"ACTIVE"'
EC=$(bmember id)
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"rsa3072"}'
expect "an RSA-3072 credential" 201 '"state":"ACTIVE"'
RSA=$(bmember id)
pubkey "$EC" "$PP_TMP/ec.pub"
pubkey "$RSA" "$PP_TMP/rsa.pub"
check "both certificates' keys from credentials/info" test -s "$PP_TMP/ec.pub" -a -s "$PP_TMP/rsa.pub"

H1=$(h d1) H2=$(h d2) H3=$(h d3) H4=$(h d4) H5=$(h d5) H6=$(h d6)
SAD=$(sad "$EC" s-1 "$(arr "$H1" "$H2" "$H3")")
check "a SAD for 3 hashes" bash -c '[[ $1 =~ ^[A-Za-z0-9_-]{64}$ ]]' _ "$SAD"

# --- ECDSA: 2 hashes with the v2 names, 1 with the v1.0.4 aliases.
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":$(arr "$H1" "$H2"),\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\",\"operationMode\":\"S\",\"clientData\":\"batch 1\"}"
expect "signHash answers signatures" 200 '"signatures":["'
mapfile -t S < <(sigs)
check "... two signatures for two hashes" test ${#S[@]} -eq 2
verify "... ECDSA signature 1 verifies with the certificate's key" "$PP_TMP/ec.pub" d1 "${S[0]:-x}"
verify "... ECDSA signature 2 verifies (request order)" "$PP_TMP/ec.pub" d2 "${S[1]:-x}"
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hash\":$(arr "$H3"),\"hashAlgo\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "signHash with the v1.0.4 names hash and hashAlgo" 200 '"signatures":["'
mapfile -t S < <(sigs)
verify "... the third hash's signature verifies" "$PP_TMP/ec.pub" d3 "${S[0]:-x}"

# --- refusals of the SAM.
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":$(arr "$H1"),\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect_json_error "a hash signed once is not signed twice" 403 access_denied
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":$(arr "$H4"),\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect_json_error "a hash the SAD does not cover is refused" 403 access_denied
post /csc/v2/signatures/signHash "{\"credentialID\":\"$RSA\",\"SAD\":\"$SAD\",\"hashes\":$(arr "$H1"),\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$RSAENC\"}"
expect_json_error "the SAD does not sign with another credential" 403 access_denied
T=${SAD:0:60}$([ "${SAD:60:1}" = A ] && echo B || echo A)${SAD:61}
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$T\",\"hashes\":$(arr "$H1"),\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect_json_error "a tampered SAD is invalid_token" 400 invalid_token

# --- RSA: PKCS#1 v1.5 and PSS with signAlgoParams.
SAD2=$(sad "$RSA" s-2 "$(arr "$H5" "$H6")")
check "a SAD for the RSA credential" bash -c '[[ $1 =~ ^[A-Za-z0-9_-]{64}$ ]]' _ "$SAD2"
RQ="\"credentialID\":\"$RSA\",\"SAD\":\"$SAD2\",\"hashAlgorithmOID\":\"$SHA256\""
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":$(arr "$(head -c 20 /dev/zero | base64)"),\"signAlgo\":\"$RSAENC\"}"
expect_json_error "a digest of the wrong length is refused" 400 invalid_request
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":$(arr "$H5"),\"signAlgo\":\"$RSAENC\"}" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot use the SAD" 403 access_denied
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":$(arr "$H5"),\"signAlgo\":\"$RSAENC\"}"
expect "RSA PKCS#1 v1.5" 200 '"signatures":["'
mapfile -t S < <(sigs)
verify "... verifies with the certificate's key" "$PP_TMP/rsa.pub" d5 "${S[0]:-x}"
# RSASSA-PSS-params (RFC 4055): SHA-256, MGF1 with SHA-256, salt 32, as DER.
PSS=MDSgDzANBglghkgBZQMEAgEFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgEFAKIDAgEg
base64 -d <<<"$PSS" | openssl asn1parse -inform DER >"$PP_TMP/pss.txt" 2>&1
check "the PSS parameters name SHA-256, MGF1 and salt 32" bash -c \
	'grep -c "OBJECT *:sha256" "$1" | grep -qx 2 && grep -q "OBJECT *:mgf1" "$1" && grep -q "INTEGER *:20" "$1"' _ "$PP_TMP/pss.txt"
post /csc/v2/signatures/signHash "{\"credentialID\":\"$RSA\",\"SAD\":\"$SAD2\",\"hashes\":$(arr "$H6"),\"hashAlgorithmOID\":\"$SHA384\",\"signAlgo\":\"$RSAPSS\",\"signAlgoParams\":\"$PSS\"}"
expect_json_error "PSS parameters naming another hash than hashAlgorithmOID" 400 invalid_request
has "... saying so" 'differs from hashAlgorithmOID'
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":$(arr "$H6"),\"signAlgo\":\"$RSAPSS\",\"signAlgoParams\":\"MAo=\"}"
expect_json_error "signAlgoParams that are no PSS parameters" 400 invalid_request
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":$(arr "$H6"),\"signAlgo\":\"$RSAPSS\",\"signAlgoParams\":\"$PSS\"}"
expect "RSASSA-PSS with signAlgoParams" 200 '"signatures":["'
mapfile -t S < <(sigs)
verify "... verifies with the certificate's key (salt 32)" "$PP_TMP/rsa.pub" d6 "${S[0]:-x}" \
	-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 -pkeyopt rsa_mgf1_md:sha256

# --- refusals of the plugin.
SH="\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\""
post /csc/v2/signatures/signHash "{$SH,\"hashes\":$(arr "$H4"),\"hash\":$(arr "$H4")}"
expect_json_error "both hashes and hash are refused" 400 invalid_request
post /csc/v2/signatures/signHash "{$SH,\"hashes\":$(arr "$H4"),\"hashAlgo\":\"$SHA256\"}"
expect_json_error "both hashAlgorithmOID and hashAlgo are refused" 400 invalid_request
post /csc/v2/signatures/signHash "{$SH}"
expect_json_error "no hashes at all" 400 invalid_request
post /csc/v2/signatures/signHash "{$SH,\"hashes\":$(arr "$H4"),\"numSignatures\":1}"
expect_json_error "an unknown field is refused" 400 invalid_request
has "... by name" "Unknown field 'numSignatures'"
post /csc/v2/signatures/signHash "{$SH,\"hashes\":$(arr "$H4"),\"operationMode\":\"A\"}"
expect_json_error "operationMode A is refused" 400 invalid_request
has "... saying it is not supported" 'not supported'
post /csc/v2/signatures/signHash "{$SH,\"hashes\":[]}"
expect_json_error "an empty array of hashes" 400 invalid_request
post /csc/v2/signatures/signHash "{$SH,\"hashes\":\"$H4\"}"
expect_json_error "hashes that are not an array" 400 invalid_request
post /csc/v2/signatures/signHash "{$SH,\"hashes\":$(arr "$H4"),\"signAlgoParams\":\"$PSS\"}"
expect_json_error "signAlgoParams with ECDSA" 400 invalid_request
check "no plugin logged a crash" bash -c "! grep -E 'PP_ERR_INTERNAL|PP_ERR_PROTO|AddressSanitizer|runtime error' '$STATE'/log/*.log"

pp_finish
