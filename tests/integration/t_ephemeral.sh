#!/usr/bin/env bash
# Ephemeral signing sessions (KEY-4, docs/AUTHZ.md) through nginx and the
# real SAM with its SoftHSMv2 token: the SCA opens a session for an
# enrolled signatory, the signatory authenticates (driven on the SAM's
# socket with pp-test-sam, as the signer pages would), the SAM makes a key
# and a certificate valid 30 minutes, the SCA reads the certificate and
# gives the documents, the signatory approves, the SCA gets the SAD once
# and signs; the key is then destroyed (checked in the token) whichever
# way the session ends: every hash signed, closed by the SCA, cancelled by
# the signatory, the certificate's end.  The key serves nothing else.
. "$(dirname "$0")/lib.sh"

pp_init
pp_start
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
OTHER_CERT=(--cert "$PKI/sca/sca-other.crt" --key "$PKI/sca/sca-other.key")
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2

forwarded() { grep -q -- "$1" "$STATE/log/collector.log" 2>/dev/null; }
db() { sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "$1"; }
post() {
	local path=$1 body=$2
	shift 2
	[ $# -eq 0 ] && set -- "${SCA_CERT[@]}"
	http POST "$SCA$path" "$@" "${J[@]}" --data-binary "$body"
}
get() { http GET "$SCA$1" "${SCA_CERT[@]}"; }
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$top_builddir/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
has() {
	if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:400}"; fi
}
h() { printf 'document %s\n' "$1" | openssl dgst -sha256 -binary | base64 -w0; }
otp_of() { tail -n +4 "$SPOOL/paraphe-$1" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6; }
authn() {
	sam "{\"v\":1,\"op\":\"authz.otp_send\",\"authz\":\"$1\",\"ip\":\"192.0.2.9\"}"
	local id
	id=$(amember otp_id)
	sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$1\",\"otp_id\":\"$id\",\"otp\":\"$(otp_of "$id")\",\"ip\":\"192.0.2.9\"}"
}
# nobj KEY_ID: the SAM token's objects with that CKA_ID; -1 when the token
# cannot be listed (or lacks the built-in CA's key), so no count passes on
# a failed listing.
nobj() {
	local l
	l=$(pp_p11_list sam) && pp_p11_has "$l" class=private || { echo -1; return; }
	pp_p11_count "$l" "id=${1,,}"
}
keyid() { db "SELECT key_id FROM credentials WHERE id = '$1'"; }
gone() { [ "$(nobj "$1")" = 0 ]; }
# open: a new session for sig-001; sets SID.
open_session() {
	post /ephemeral/v1/sessions '{"signatory":"sig-001","key_type":"ec-p256","description":"Bail"}'
	SID=$(bmember sessionID)
}

post /ra/v1/signatories '{"id":"sig-001","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-001"'

# --- the session: opened, authenticated, key and 30-minute certificate.
open_session
expect "an ephemeral session is opened" 201 "\"url\":\"https://127.0.0.1:$BASE/sign/"
check "... with a 32-hex session id" grep -qE '^[0-9a-f]{32}$' <<<"$SID"
post /ephemeral/v1/sessions '{"signatory":"nobody","key_type":"ec-p256"}'
expect_json_error "a signatory the client did not enrol is refused" 404 not_found
post /ephemeral/v1/sessions '{"signatory":"sig-001","key_type":"rsa2048"}'
expect_json_error "a key type the service does not make is refused" 400 invalid_request
get "/ephemeral/v1/sessions/$SID"
expect "the session is pending, without a key" 200 '{"status":"pending"}'
post "/ephemeral/v1/sessions/$SID/documents" "{\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[\"$(h e1)\"]}"
expect_json_error "no documents before the signatory authenticated" 400 invalid_request
http GET "$SCA/ephemeral/v1/sessions/$SID" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot read the session" 403 access_denied
authn "$SID"
has "the signatory authenticates" '"status":"AUTHENTICATED"'
get "/ephemeral/v1/sessions/$SID"
expect "the session has its credential once authenticated" 200 '"status":"authenticated","credentialID":"'
CRED=$(bmember credentialID)
KID=$(keyid "$CRED")
check "the key is in the token" test "$(nobj "$KID")" -ge 2
post /csc/v2/credentials/info "{\"credentialID\":\"$CRED\"}"
expect "the SCA reads the certificate before hashing" 200 '"status":"valid"'
grep -o '"certificates":\["[^"]*"' <<<"$BODY" | sed 's/.*\["//; s/"$//' | base64 -d >"$PP_TMP/eph.der" 2>/dev/null
nb=$(openssl x509 -inform DER -in "$PP_TMP/eph.der" -noout -startdate | sed 's/.*=//')
na=$(openssl x509 -inform DER -in "$PP_TMP/eph.der" -noout -enddate | sed 's/.*=//')
check "the certificate lives 30 minutes" test $(( $(date -d "$na" +%s) - $(date -d "$nb" +%s) )) -eq 1800

# --- the key serves nothing but its session.
sam "{\"v\":1,\"op\":\"otp.send\",\"sca\":\"CN=Demo SCA,O=Paraphe Demo SCA,C=FR\",\"signatory\":\"sig-001\",\"session\":\"s-x\"}"
OTP_X=$(amember otp_id)
sam "{\"v\":1,\"op\":\"sad.issue\",\"sca\":\"CN=Demo SCA,O=Paraphe Demo SCA,C=FR\",\"signatory\":\"sig-001\",\"credential\":\"$CRED\",\"session\":\"s-x\",\"otp_id\":\"$OTP_X\",\"otp\":\"$(otp_of "$OTP_X")\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$(h x1)\"],\"consent\":true}"
has "sad.issue refuses the ephemeral key" 'ephemeral session'
post /csc/v2/credentials/authorize "{\"credentialID\":\"$CRED\",\"numSignatures\":1,\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[\"$(h x2)\"]}"
expect_json_error "so does another authorisation request" 400 invalid_request

# --- documents, approval, the SAD once, signatures; then the key is gone.
post "/ephemeral/v1/sessions/$SID/documents" "{\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[{\"hash\":\"$(h e1)\",\"label\":\"Bail.pdf\"},{\"hash\":\"$(h e2)\",\"label\":\"Annexe.pdf\"}]}"
expect "the SCA gives the documents" 200 '"status":"authenticated"'
post "/ephemeral/v1/sessions/$SID/documents" "{\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[\"$(h e3)\"]}"
expect_json_error "... once" 400 invalid_request
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$SID\"}"
has "the signatory is shown them" '"label":"Bail.pdf"'
sam "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"$SID\",\"consent\":true,\"ip\":\"192.0.2.9\"}"
has "the signatory approves" '"approved_ms":'
get "/ephemeral/v1/sessions/$SID"
expect "the SCA gets the SAD" 200 '"status":"approved","credentialID":"'
SAD=$(bmember SAD)
get "/ephemeral/v1/sessions/$SID"
expect "... once" 200 '{"status":"delivered","credentialID":"'
post /csc/v2/signatures/signHash "{\"credentialID\":\"$CRED\",\"SAD\":\"$SAD\",\"hashes\":[\"$(h e1)\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "the first document is signed" 200 '"signatures":["'
sleep 2
check "the key stays while a hash is left" test "$(nobj "$KID")" -ge 2
post /csc/v2/signatures/signHash "{\"credentialID\":\"$CRED\",\"SAD\":\"$SAD\",\"hashes\":[\"$(h e2)\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "the second document is signed" 200 '"signatures":["'
check "every hash signed: the key is destroyed" wait_for 10 gone "$KID"
check "... the credential is closed" test "$(db "SELECT state FROM credentials WHERE id = '$CRED'")" = REVOKED
check "... and key.destroy recorded" wait_for 10 forwarded "\"credential\":\"$CRED\".*\"type\":\"key.destroy\""
post /csc/v2/signatures/signHash "{\"credentialID\":\"$CRED\",\"SAD\":\"$SAD\",\"hashes\":[\"$(h e2)\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect_json_error "nothing signs with it any more" 400 invalid_request

# --- closed by the SCA: the key goes at once.
open_session
authn "$SID"
get "/ephemeral/v1/sessions/$SID"
KID2=$(keyid "$(bmember credentialID)")
check "a second session has its own key" test "$(nobj "$KID2")" -ge 2
post "/ephemeral/v1/sessions/$SID/close" ''
expect "the SCA closes the session" 200 '{"status":"closed"}'
check "... its key is destroyed" test "$(nobj "$KID2")" = 0
get "/ephemeral/v1/sessions/$SID"
expect_json_error "a closed session is over" 403 access_denied

# --- cancelled by the signatory after approval: the SAD and the key go.
open_session
authn "$SID"
get "/ephemeral/v1/sessions/$SID"
KID3=$(keyid "$(bmember credentialID)")
post "/ephemeral/v1/sessions/$SID/documents" "{\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[\"$(h c1)\"]}"
sam "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"$SID\",\"consent\":true}"
sam "{\"v\":1,\"op\":\"authz.cancel\",\"authz\":\"$SID\",\"ip\":\"192.0.2.9\"}"
check "the signatory cancels: the key is destroyed" test "$(nobj "$KID3")" = 0
get "/ephemeral/v1/sessions/$SID"
expect_json_error "... and no SAD is delivered" 403 access_denied

# --- the certificate's end: the reaper destroys the key.
open_session
authn "$SID"
get "/ephemeral/v1/sessions/$SID"
CRED4=$(bmember credentialID)
KID4=$(keyid "$CRED4")
check "a fourth key is made" test "$(nobj "$KID4")" -ge 2
db "UPDATE credentials SET not_after = 1 WHERE id = '$CRED4'"
check "past the certificate's end the key is destroyed" wait_for 10 gone "$KID4"

# --- the records.
check "the session's opening is recorded" wait_for 10 forwarded '"cause":"ephemeral signing session opened"'
check "key.generate is recorded for the session's key" wait_for 10 forwarded "\"credential\":\"$CRED\".*\"type\":\"key.generate\""
check "sad.issue is recorded for the session" wait_for 10 forwarded "\"op\":\"authz.approve\".*\"type\":\"sad.issue\""

pp_down
pp_finish
