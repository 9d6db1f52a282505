#!/usr/bin/env bash
# The SCA listener's PKI/RA enrolment routes and CSC v2 credentials/list and
# credentials/info, through real nginx with client certificates, down to the
# real SAM and its SoftHSMv2 token: answers, isolation between two SCAs,
# refusals with the right status, and the SAM being down.
. "$(dirname "$0")/lib.sh"

pp_init
# Withdraw every key type but EC P-256 (SEC-6).
pp_conf_set sam key_types "ec-p256"
pp_start

J=(-H 'Content-Type: application/json')
OTHER_CERT=(--cert "$PKI/sca/sca-other.crt" --key "$PKI/sca/sca-other.key")
# post PATH JSON [CERT...]: POST with the demo SCA's certificate unless others are given.
post() {
	local path=$1 body=$2
	shift 2
	[ $# -eq 0 ] && set -- "${SCA_CERT[@]}"
	http POST "$SCA$path" "$@" "${J[@]}" --data-binary "$body"
}
# has DESC SUBSTRING: the last body contains SUBSTRING.
has() {
	if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:400}"; fi
}
lacks() {
	if [[ $BODY != *"$2"* ]]; then ok "$1"; else not_ok "$1" "body has '$2': ${BODY:0:400}"; fi
}
# member NAME: a string member of the last body (first occurrence).
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
# certs: the base64 certificates of the last body, one a line.
certs() { grep -o '"certificates":\[[^]]*\]' <<<"$BODY" | head -n 1 | sed 's/.*\[//; s/\]//; s/"//g' | tr ',' '\n'; }

SIG='{"id":"sig-001","given_name":"\u00c9lodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-2026-0001"}'

# --- the info document lists what exists.
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "info lists the credential methods" 200 '"methods":["info","credentials/list","credentials/info","signatures/signHash","credentials/authorize","credentials/authorizeCheck","oauth2/pushed_authorize","oauth2/token"]'

# --- enrolment.
post /ra/v1/signatories "$SIG"
expect "POST /ra/v1/signatories creates the signatory" 201 '"id":"sig-001"'
has "... stored with the mobile number as E.164 digits" '"mobile":"33612345678"'
has "... owned by the demo SCA's certificate subject" '"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
post /ra/v1/signatories "$SIG"
expect_json_error "the same id twice is a conflict" 409 conflict
has "... saying so" 'exists already'
post /ra/v1/signatories "$SIG" "${OTHER_CERT[@]}"
expect_json_error "... whichever SCA asks" 409 conflict
post /ra/v1/signatories '{"id":"sig-002","given_name":"A","surname":"B","country":"ZZ","serial_number":"IDCFR-1","mobile":"33612345678","evidence":"e"}'
expect_json_error "an unassigned country is refused by the SAM" 400 invalid_request
has "... with the SAM's description of what to fix" 'Country:'
post /ra/v1/signatories '{"id":"sig-002","given_name":"A","surname":"B","country":"FR","serial_number":"IDCFR-1","mobile":"33612345678","evidence":"e","admin":true}'
expect_json_error "an unknown field is refused" 400 invalid_request
has "... by name" "Unknown field 'admin'"
post /ra/v1/signatories '{"id":"sig-002","given_name":"A"}'
expect_json_error "a missing field is refused" 400 invalid_request
has "... by name" "Field 'surname' is required"
post /ra/v1/signatories '{"id":"sig 002"}'
expect_json_error "an id that cannot be a path segment is refused" 400 invalid_request
post /ra/v1/signatories '{"id":'
expect_json_error "malformed JSON is refused" 400 invalid_request
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" -H 'Content-Type: text/plain' --data-binary "$SIG"
expect_json_error "a body that is not JSON is refused" 415 invalid_request

http GET "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}"
expect "GET /ra/v1/signatories/{id} reads it back" 200 '"surname":"Martin"'
http GET "$SCA/ra/v1/signatories/sig-001" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot read it" 403 access_denied
lacks "... and learns nothing of it" Martin
http GET "$SCA/ra/v1/signatories/nobody" "${SCA_CERT[@]}"
expect_json_error "an unknown signatory is 404" 404 not_found
http GET "$SCA/ra/v1/signatories/sig-001/more" "${SCA_CERT[@]}"
expect_json_error "a path with an extra segment is 404" 404 not_found
http PUT "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}" "${J[@]}" -d '{}'
expect_json_error "PUT is not a method of the signatory" 405 method_not_allowed
check "405 lists the signatory's methods" grep -qi '^allow: GET, HEAD, PATCH, DELETE' <<<"$HEADERS"

http PATCH "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}" "${J[@]}" -d '{"idp_subject":"oidc|elodie"}'
expect "PATCH /ra/v1/signatories/{id} changes it" 200 '"idp_subject":"oidc|elodie"'
http PATCH "$SCA/ra/v1/signatories/sig-001" "${OTHER_CERT[@]}" "${J[@]}" -d '{"mobile":"+4915112345678"}'
expect_json_error "another SCA cannot change it" 403 access_denied
http PATCH "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}" "${J[@]}" -d '{"id":"sig-009"}'
expect_json_error "the id cannot be changed" 400 invalid_request
has "... (it is not a field of PATCH)" "Unknown field 'id'"
http PATCH "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}" "${J[@]}" -d '{}'
expect_json_error "a PATCH without any change is refused by the SAM" 400 invalid_request

# --- credentials.
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "POST /ra/v1/credentials creates an EC P-256 credential" 201 '"state":"ACTIVE"'
EC=$(member id)
lacks "... without the token's CKA_ID" '"key_id"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"rsa3072"}'
expect_json_error "a withdrawn key type is refused" 400 invalid_request
has "... saying it is withdrawn" withdrawn
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"dsa1024"}'
expect_json_error "an unknown key type is refused" 400 invalid_request
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}' "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot make a credential for the signatory" 403 access_denied
http GET "$SCA/ra/v1/credentials/$EC" "${SCA_CERT[@]}"
expect "GET /ra/v1/credentials/{id} reads it back" 200 "\"id\":\"$EC\""
has "... with its certificate chain" '"chain":["'

# --- CSC credentials/list.
post /csc/v2/credentials/list '{"userID":"sig-001"}'
expect "credentials/list lists the credential" 200 "\"credentialIDs\":[\"$EC\"]"
lacks "... without credentialInfos unless asked" credentialInfos
post /csc/v2/credentials/list '{"userID":"sig-001","credentialInfo":true,"certificates":"chain","certInfo":true}'
expect "credentials/list with credentialInfo" 200 "\"credentialID\":\"$EC\""
has "... key algorithm id-ecPublicKey" '"algo":["1.2.840.10045.2.1"'
has "... ecdsa-with-SHA256 among its algorithms" '"1.2.840.10045.4.3.2"'
has "... curve P-256" '"curve":"1.2.840.10045.3.1.7"'
has "... 256 bits" '"len":256'
post /csc/v2/credentials/list '{"userID":"sig-001","credInfo":true}'
expect "credInfo is accepted as an alias of credentialInfo" 200 '"credentialInfos":[{'
post /csc/v2/credentials/list '{"userID":"sig-001","maxResults":1,"onlyValid":true}'
expect "maxResults (v1.0.4) and onlyValid are accepted" 200 "\"credentialIDs\":[\"$EC\"]"
has "... onlyValid is echoed" '"onlyValid":true'
post /csc/v2/credentials/list '{"userID":"sig-001"}' "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot list them" 403 access_denied
post /csc/v2/credentials/list '{"userID":"nobody"}'
expect_json_error "listing for an unknown user is 404" 404 not_found
post /csc/v2/credentials/list '{"userID":"sig-001","pageToken":"x"}'
expect_json_error "an unknown field is refused" 400 invalid_request
post /csc/v2/credentials/list '{"userID":"sig-001","maxResults":0}'
expect_json_error "maxResults out of range" 400 invalid_request
post /csc/v2/credentials/list '{}'
expect_json_error "userID is required" 400 invalid_request

# --- CSC credentials/info.
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\",\"certificates\":\"chain\",\"certInfo\":true,\"authInfo\":true}"
expect "credentials/info answers" 200 '"key":{"status":"enabled"'
has "... cert status valid" '"cert":{"status":"valid"'
has "... SCAL 2" '"SCAL":"2"'
has "... multisign" '"multisign":1000'
has "... authMode explicit (v1.0.4)" '"authMode":"explicit"'
has "... auth.mode explicit (v2)" '"auth":{"mode":"explicit"'
has "... QES" '"signatureQualifier":"eu_eidas_qes"'
check "... validFrom and validTo in CSC date format" bash -c \
	'grep -Eq "\"validFrom\":\"[0-9]{14}Z\",\"validTo\":\"[0-9]{14}Z\"" <<<"$1"' _ "$BODY"
certs >"$PP_TMP/chain.b64"
check "... two certificates in the chain" test "$(wc -l <"$PP_TMP/chain.b64")" -eq 2
sed -n 1p "$PP_TMP/chain.b64" | base64 -d | openssl x509 -inform DER -out "$PP_TMP/signer.pem" 2>/dev/null
sed -n 2p "$PP_TMP/chain.b64" | base64 -d | openssl x509 -inform DER -out "$PP_TMP/ca.pem" 2>/dev/null
check "... the signer first, verified by the CA that follows" \
	openssl verify -CAfile "$PP_TMP/ca.pem" "$PP_TMP/signer.pem"
subj=$(openssl x509 -in "$PP_TMP/signer.pem" -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//')
iss=$(openssl x509 -in "$PP_TMP/signer.pem" -noout -issuer -nameopt RFC2253,-esc_msb | sed 's/^issuer=//')
serial=$(openssl x509 -in "$PP_TMP/signer.pem" -noout -serial | sed 's/^serial=//')
check "... subjectDN is the certificate's" test "$(member subjectDN)" = "$subj"
check "... issuerDN is the certificate's" test "$(member issuerDN)" = "$iss"
check "... serialNumber is the certificate's" test "$(member serialNumber)" = "$serial"
openssl x509 -in "$PP_TMP/signer.pem" -noout -text >"$PP_TMP/signer.txt"
check "... an EC P-256 key" grep -q "NIST CURVE: P-256" "$PP_TMP/signer.txt"
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\"}"
expect "credentials/info by default" 200 '"status":"valid"'
certs >"$PP_TMP/single.b64"
check "... gives the signer's certificate only (certificates single)" test "$(wc -l <"$PP_TMP/single.b64")" -eq 1
lacks "... and no certInfo fields unless asked" subjectDN
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\",\"certificates\":\"none\"}"
expect "certificates none" 200 '"cert":{"status":"valid"}'
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\"}" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot see the credential" 403 access_denied
post /csc/v2/credentials/info '{"credentialID":"0123456789abcdef0123456789abcdef"}'
expect_json_error "an unknown credential is 404" 404 not_found
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\",\"certificates\":\"all\"}"
expect_json_error "certificates outside none|single|chain" 400 invalid_request
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\",\"certInfo\":\"yes\"}"
expect_json_error "certInfo not a boolean" 400 invalid_request
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\",\"hash\":[\"x\"]}"
expect_json_error "a field of another endpoint is refused" 400 invalid_request

# --- deletion and revocation.
http DELETE "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}"
expect_json_error "deleting a signatory with an active credential is a conflict" 409 conflict
has "... saying what to do" 'revoke it first'
http POST "$SCA/ra/v1/credentials/$EC/revoke" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot revoke" 403 access_denied
http POST "$SCA/ra/v1/credentials/$EC/revoke" "${SCA_CERT[@]}"
expect "POST /ra/v1/credentials/{id}/revoke (no body)" 200 '"state":"REVOKED"'
post "/ra/v1/credentials/$EC/revoke" '{}'
expect_json_error "revoking twice is a conflict" 409 conflict
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\"}"
expect "after revocation credentials/info" 200 '"cert":{"status":"revoked"'
has "... and the key is disabled" '"key":{"status":"disabled"'
post /csc/v2/credentials/list '{"userID":"sig-001","onlyValid":true}'
expect "onlyValid leaves the revoked credential out" 200 '"credentialIDs":[]'
http DELETE "$SCA/ra/v1/signatories/sig-001" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot delete the signatory" 403 access_denied
http DELETE "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}" "${J[@]}" -d '{}'
expect_json_error "DELETE with a body is refused" 400 invalid_request
http DELETE "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}"
expect "DELETE /ra/v1/signatories/{id} with no active credential" 204
check "... with an empty body" test -z "$BODY"
http GET "$SCA/ra/v1/signatories/sig-001" "${SCA_CERT[@]}"
expect_json_error "... really gone" 404 not_found

# --- the other SCA has its own signatories.
post /ra/v1/signatories '{"id":"sig-100","given_name":"Jan","surname":"Schmidt","country":"DE","serial_number":"IDCDE-T22000129","mobile":"4915112345678","evidence":"KYC-9"}' "${OTHER_CERT[@]}"
expect "the other SCA enrols its own signatory" 201 '"sca":"CN=Other SCA,O=Other Demo SCA,C=DE"'
http GET "$SCA/ra/v1/signatories/sig-100" "${SCA_CERT[@]}"
expect_json_error "... which the demo SCA cannot read" 403 access_denied

# --- the SAM down: 503 with JSON.
SAMD_PID=$(cat "$STATE/run/samd.pid")
kill -TERM "$SAMD_PID"
for _ in $(seq 1 100); do pp_none_alive "$SAMD_PID" && break; sleep 0.1; done
post /csc/v2/credentials/list '{"userID":"sig-100"}' "${OTHER_CERT[@]}"
expect_json_error "with the SAM stopped: 503" 503 temporarily_unavailable
has "... saying the SAM did not answer" 'signature activation module did not answer'
http GET "$SCA/ra/v1/signatories/sig-100" "${OTHER_CERT[@]}"
expect_json_error "... on the RA routes too" 503 temporarily_unavailable
check "no plugin logged a crash" bash -c "! grep -E 'PP_ERR_INTERNAL|AddressSanitizer|runtime error' '$STATE'/log/*.log"

pp_finish
