#!/usr/bin/env bash
# The credential life cycle beyond the built-in CA, through real nginx and
# the PKI/RA routes down to the real SAM and its SoftHSMv2 token:
#   - external CA: the SAM's CSR, the PKI's certificate uploaded, checked
#     (key, chain, profile), ACTIVE, and a signature verified with openssl;
#     a certificate for another key or from an untrusted CA refused, the
#     credential still PENDING and unable to sign; a pending one abandoned;
#   - expiry: certificates made short-lived (sam.cert_validity_s) are
#     closed by paraphe-sam-admin sweep, by the SAM's timer
#     (sam.sweep_interval_s) and at the SAM's start: row EXPIRED, key gone
#     from the token (listed with tests/tools/pp-test-p11), signHash
#     refused, key.destroy recorded with the serial and the cause.
# The audit records are read where the stand-in collector received them.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
# rec A B C...: one record received by the collector contains every string.
rec() {
	local l
	l=$(grep -F -- "$1" "$STATE/log/collector.log" 2>/dev/null) || return 1
	shift
	for s in "$@"; do l=$(grep -F -- "$s" <<<"$l") || return 1; done
	return 0
}

pp_init
# A throwaway external CA (the PKI's issuing CA) and a second one the SAM
# does not trust.
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 30 \
		-keyout "$PP_TMP/$1.key" -out "$PP_TMP/$1.crt" -subj "/C=FR/O=Test PKI/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE,pathlen:0 \
		-addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1
}
mkca extca "Test External Qualified CA"
mkca rogue "Test External Qualified CA"
check "the test PKI's CAs are made" test -s "$PP_TMP/extca.crt" -a -s "$PP_TMP/rogue.crt"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,nonRepudiation\n' >"$PP_TMP/ee.ext"
pp_conf_set sam external_ca_file "$PP_TMP/extca.crt"
pp_start

SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
A='"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2
# nobj KEY_ID [FIELD...]: how many of the SAM token's objects carry that
# CKA_ID (and every FIELD, e.g. class=certificate); -1 when the token cannot
# be listed or the listing lacks the built-in CA's key, so that no count
# passes on a failed listing.
nobj() {
	local l
	l=$(pp_p11_list sam) && pp_p11_has "$l" class=private || { echo -1; return; }
	pp_p11_count "$l" "id=${1,,}" "${@:2}"
}
db() { sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "$1"; }
keyid() { db "SELECT key_id FROM credentials WHERE id = '$1'"; }
state() { db "SELECT state FROM credentials WHERE id = '$1'"; }

post() {
	local path=$1 body=$2
	http POST "$SCA$path" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$body"
}
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
has() { if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:400}"; fi; }
# pemjson FILE: the file as the inside of a JSON string (line breaks as \n).
pemjson() { awk '{ printf "%s\\n", $0 }' "$1"; }
h() {
	printf 'document %s\n' "$1" >"$PP_TMP/$1.txt"
	openssl dgst -sha256 -binary "$PP_TMP/$1.txt" >"$PP_TMP/$1.bin"
	base64 -w0 <"$PP_TMP/$1.bin"
}
# sad CREDENTIAL SESSION HASH: a SAD for one hash (OTP from the SMS spool).
sad() {
	local otp_id code
	sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"$2\"}"
	otp_id=$(amember otp_id)
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$1\",\"session\":\"$2\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$3\"],\"consent\":true}"
	amember sad
}
signhash() {
	post /csc/v2/signatures/signHash "{\"credentialID\":\"$1\",\"SAD\":\"$2\",\"hashes\":[\"$3\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
}
restart_sam() {
	local pid
	pid=$(cat "$STATE/run/samd.pid")
	kill "$pid"
	wait_for 20 pp_none_alive "$pid"
	rm -f "$SOCK"
	"$BIN/sam/paraphe-samd" -c "$STATE/paraphe.conf" >>"$STATE/log/samd.log" 2>&1 </dev/null &
	echo $! >"$STATE/run/samd.pid"
	sam_up() { sam '{"v":1,"op":"health"}'; [[ $ANS == *'"ok":true'* ]]; }
	wait_for 30 sam_up
}

post /ra/v1/signatories '{"id":"sig-001","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-001"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "a credential of the built-in CA (no ca: builtin)" 201 '"ca":"builtin"'
BI=$(bmember id)

# --- external CA: the CSR.
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256","ca":"external"}'
expect "an external-CA credential is created PENDING" 201 '"state":"PENDING"'
EXT=$(bmember id)
check "... it has no certificate yet" bash -c '[[ $1 != *'"'"'"certificate"'"'"'* ]]' _ "$BODY"
bmember csr | base64 -d >"$PP_TMP/ext.csr.der" 2>/dev/null
check "... the answer carries the CSR (base64 DER), signed by the key" \
	openssl req -inform DER -in "$PP_TMP/ext.csr.der" -verify -noout
openssl req -inform DER -in "$PP_TMP/ext.csr.der" -out "$PP_TMP/ext.csr" 2>/dev/null
check "... the CSR names the signatory" bash -c \
	'openssl req -in "$1" -noout -subject -nameopt RFC2253 | grep -q "CN=Elodie Martin" &&
	 openssl req -in "$1" -noout -subject -nameopt RFC2253 | grep -q "serialNumber=IDCFR-123456"' _ "$PP_TMP/ext.csr"
check "... the CSR's key is a P-256 key" bash -c \
	'openssl req -in "$1" -noout -text | grep -q "NIST CURVE: P-256"' _ "$PP_TMP/ext.csr"
KID=$(keyid "$EXT")
check "... its key pair is in the token, no certificate yet" test "$(nobj "$KID")" -eq 2 \
	-a "$(nobj "$KID" class=private sensitive=1 extractable=0 sign=1)" -eq 1 -a "$(nobj "$KID" class=public)" -eq 1
http GET "$SCA/ra/v1/credentials/$EXT" "${SCA_CERT[@]}"
expect "GET gives the PENDING credential with its CSR" 200 '"csr":"'
check "... the same CSR" test "$(bmember csr)" = "$(base64 -w0 <"$PP_TMP/ext.csr.der")"
check "the CSR is recorded" wait_for 10 rec "\"credential\":\"$EXT\"" '"cause":"certificate request made for an external CA"' '"type":"credential.change"'

# --- a PENDING credential never signs.
H0=$(h d0)
sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"s-p\"}"
OTP=$(amember otp_id)
CODE=$(tail -n +4 "$SPOOL/paraphe-$OTP" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$EXT\",\"session\":\"s-p\",\"otp_id\":\"$OTP\",\"otp\":\"$CODE\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H0\"],\"consent\":true}"
has "no SAD for a PENDING credential" 'the credential is not active'
SAD0=$(sad "$BI" s-0 "$H0")
check "a SAD for the built-in credential" test -n "$SAD0"
signhash "$EXT" "$SAD0" "$H0"
expect_json_error "signHash with the PENDING credential is refused" 400 invalid_request
check "... saying it is not active" bash -c '[[ $1 == *"not active"* ]]' _ "$BODY"

# --- uploads refused: another key, an untrusted CA, garbage.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PP_TMP/other.key" \
	-out "$PP_TMP/other.csr" -subj "/C=FR/CN=Elodie Martin" >/dev/null 2>&1
openssl x509 -req -in "$PP_TMP/other.csr" -CA "$PP_TMP/extca.crt" -CAkey "$PP_TMP/extca.key" \
	-CAcreateserial -days 365 -sha256 -extfile "$PP_TMP/ee.ext" -out "$PP_TMP/other.crt" 2>/dev/null
post "/ra/v1/credentials/$EXT/certificate" "{\"certificate\":\"$(pemjson "$PP_TMP/other.crt")\"}"
expect_json_error "a certificate for another key is refused" 400 invalid_request
check "... saying so" bash -c '[[ $1 == *"not the credential'"'"'s key"* ]]' _ "$BODY"
check "... the refusal is recorded" wait_for 10 rec "\"credential\":\"$EXT\"" '"outcome":"failure"' 'not the credential' '"type":"credential.change"'
check "... the credential stays PENDING" test "$(state "$EXT")" = PENDING
openssl x509 -req -in "$PP_TMP/ext.csr" -CA "$PP_TMP/rogue.crt" -CAkey "$PP_TMP/rogue.key" \
	-CAcreateserial -days 365 -sha256 -extfile "$PP_TMP/ee.ext" -out "$PP_TMP/rogue-ee.crt" 2>/dev/null
post "/ra/v1/credentials/$EXT/certificate" "{\"certificate\":\"$(pemjson "$PP_TMP/rogue-ee.crt")\"}"
expect_json_error "a certificate from a CA the SAM does not trust is refused" 400 invalid_request
check "... saying so" bash -c '[[ $1 == *"does not chain"* ]]' _ "$BODY"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$PP_TMP/ds.ext"
openssl x509 -req -in "$PP_TMP/ext.csr" -CA "$PP_TMP/extca.crt" -CAkey "$PP_TMP/extca.key" \
	-CAcreateserial -days 365 -sha256 -extfile "$PP_TMP/ds.ext" -out "$PP_TMP/ds.crt" 2>/dev/null
post "/ra/v1/credentials/$EXT/certificate" "{\"certificate\":\"$(pemjson "$PP_TMP/ds.crt")\"}"
expect_json_error "a certificate without nonRepudiation is refused" 400 invalid_request
post "/ra/v1/credentials/$EXT/certificate" '{"certificate":"bm90IGEgY2VydGlmaWNhdGU="}'
expect_json_error "bytes that are no certificate are refused" 400 invalid_request
post "/ra/v1/credentials/$EXT/certificate" '{"certificate":42}'
expect_json_error "a certificate that is not a string is refused at the edge" 400 invalid_request
check "after every refusal the credential is still PENDING" test "$(state "$EXT")" = PENDING

# --- the PKI's certificate for the CSR: accepted, ACTIVE, signs.
openssl x509 -req -in "$PP_TMP/ext.csr" -CA "$PP_TMP/extca.crt" -CAkey "$PP_TMP/extca.key" \
	-CAcreateserial -days 365 -sha256 -extfile "$PP_TMP/ee.ext" -out "$PP_TMP/ext.crt" 2>/dev/null
post "/ra/v1/credentials/$EXT/certificate" "{\"certificate\":\"$(pemjson "$PP_TMP/ext.crt")\",\"chain\":\"$(pemjson "$PP_TMP/extca.crt")\"}"
expect "the PKI's certificate is accepted: ACTIVE" 200 '"state":"ACTIVE"'
check "... the credential holds exactly that certificate" \
	test "$(bmember certificate)" = "$(openssl x509 -in "$PP_TMP/ext.crt" -outform DER | base64 -w0)"
check "... its chain is the certificate, then the external CA" bash -c \
	'[[ $1 == *"\"chain\":[\"$2\",\"$3\"]"* ]]' _ "$BODY" "$(openssl x509 -in "$PP_TMP/ext.crt" -outform DER | base64 -w0)" \
	"$(openssl x509 -in "$PP_TMP/extca.crt" -outform DER | base64 -w0)"
SERIAL=$(openssl x509 -in "$PP_TMP/ext.crt" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
check "... the serial is the certificate's" test "$(bmember serial)" = "$SERIAL"
check "... the binding is recorded with the serial" wait_for 10 rec "\"credential\":\"$EXT\"" "\"serial\":\"$SERIAL\"" \
	'"cause":"certificate of the external CA bound to the key"' '"type":"credential.change"'
check "... the certificate is stored in the token under the key's CKA_ID" test "$(nobj "$KID")" -eq 3 \
	-a "$(nobj "$KID" class=certificate)" -eq 1
post "/ra/v1/credentials/$EXT/certificate" "{\"certificate\":\"$(openssl x509 -in "$PP_TMP/ext.crt" -outform DER | base64 -w0)\"}"
expect_json_error "a second upload is a conflict" 409 conflict
post "/csc/v2/credentials/info" "{\"credentialID\":\"$EXT\",\"certificates\":\"chain\"}"
expect "CSC credentials/info describes it enabled" 200 '"status":"enabled"'
H1=$(h d1)
SAD1=$(sad "$EXT" s-1 "$H1")
check "a SAD for the external credential" test -n "$SAD1"
signhash "$EXT" "$SAD1" "$H1"
expect "signHash with it answers a signature" 200 '"signatures":["'
sed -n 's/.*"signatures":\["\([^"]*\)".*/\1/p' <<<"$BODY" | base64 -d >"$PP_TMP/sig1.bin" 2>/dev/null
openssl x509 -in "$PP_TMP/ext.crt" -pubkey -noout >"$PP_TMP/ext.pub"
check "... which verifies with the external certificate's key" openssl pkeyutl -verify -pubin \
	-inkey "$PP_TMP/ext.pub" -in "$PP_TMP/d1.bin" -sigfile "$PP_TMP/sig1.bin" -pkeyopt digest:sha256

# --- a pending credential abandoned by revoke.
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p384","ca":"external"}'
expect "a second external credential" 201 '"state":"PENDING"'
AB=$(bmember id)
AB_KID=$(keyid "$AB")
post "/ra/v1/credentials/$AB/revoke" '{}'
expect "revoking a PENDING credential abandons it" 200 '"state":"DESTROYED"'
check "... its key is gone from the token" test "$(nobj "$AB_KID")" -eq 0
check "... the destruction is recorded" wait_for 10 rec "\"credential\":\"$AB\"" '"type":"key.destroy"' 'abandoned'
post "/ra/v1/credentials/$AB/certificate" "{\"certificate\":\"$(pemjson "$PP_TMP/ext.crt")\"}"
expect_json_error "... and it takes no certificate any more" 409 conflict
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256","ca":"acme"}'
expect_json_error "an unknown ca is refused" 400 invalid_request

# --- expiry: the admin tool.  Certificates of the built-in CA now live 6 s.
pp_conf_set sam cert_validity_s 6
pp_conf_set sam sweep_interval_s 3600
check "the SAM restarts with short-lived certificates" restart_sam
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "a short-lived credential" 201 '"state":"ACTIVE"'
X=$(bmember id)
X_SERIAL=$(bmember serial)
X_KID=$(keyid "$X")
check "... valid for 6 seconds" test $(($(db "SELECT not_after - not_before FROM credentials WHERE id = '$X'"))) -eq 6
H2=$(h d2)
SADX=$(sad "$X" s-2 "$H2")
check "a SAD for it while it is valid" test -n "$SADX"
ADMIN=("$BIN/tools/paraphe-sam-admin" -c "$STATE/paraphe.conf")
check "paraphe-sam-admin sweep closes nothing before the expiry" bash -c '[ "$("$@")" = "closed 0" ]' _ "${ADMIN[@]}" sweep
check "... the credential is still ACTIVE" test "$(state "$X")" = ACTIVE
expired() { [ "$(date +%s)" -gt "$(db "SELECT not_after FROM credentials WHERE id = '$1'")" ]; }
wait_for 15 expired "$X"
OUT=$("${ADMIN[@]}" sweep)
check "paraphe-sam-admin sweep closes the expired credential" test "$OUT" = "closed 1"
check "... the row is EXPIRED" test "$(state "$X")" = EXPIRED
check "... its key is gone from the token" test "$(nobj "$X_KID")" -eq 0
check "... key.destroy is recorded with the serial and the cause" wait_for 10 rec "\"credential\":\"$X\"" \
	"\"serial\":\"$X_SERIAL\"" '"cause":"certificate expired"' '"type":"key.destroy"' '"outcome":"success"'
signhash "$X" "$SADX" "$H2"
expect_json_error "signHash with the expired credential is refused" 400 invalid_request
check "... saying it is not active" bash -c '[[ $1 == *"not active"* ]]' _ "$BODY"
http GET "$SCA/ra/v1/credentials/$X" "${SCA_CERT[@]}"
expect "the RA sees it EXPIRED" 200 '"state":"EXPIRED"'
check "a second sweep closes nothing" bash -c '[ "$("$@")" = "closed 0" ]' _ "${ADMIN[@]}" sweep
check "paraphe-sam-admin health" bash -c '"$@" | grep -q "\"ok\":true"' _ "${ADMIN[@]}" health
"${ADMIN[@]}" frobnicate >/dev/null 2>&1
check "paraphe-sam-admin refuses an unknown command (usage)" test $? -eq 2

# --- expiry at start: a credential that expires while the SAM is down.
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "another short-lived credential" 201 '"state":"ACTIVE"'
Z=$(bmember id)
Z_KID=$(keyid "$Z")
# --- and by the timer: every second from now on.
pp_conf_set sam sweep_interval_s 1
wait_for 15 expired "$Z"
check "the SAM restarts with a 1 s sweep" restart_sam
check "the credential that expired meanwhile is closed at start" test "$(state "$Z")" = EXPIRED
check "... its key is gone from the token" test "$(nobj "$Z_KID")" -eq 0
check "... recorded" wait_for 10 rec "\"credential\":\"$Z\"" '"cause":"certificate expired"' '"type":"key.destroy"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "a third short-lived credential" 201 '"state":"ACTIVE"'
Y=$(bmember id)
Y_KID=$(keyid "$Y")
is_expired() { [ "$(state "$1")" = EXPIRED ]; }
check "the timer closes it once its certificate expired" wait_for 20 is_expired "$Y"
check "... its key is gone from the token" test "$(nobj "$Y_KID")" -eq 0
check "... recorded with the SAM as actor" wait_for 10 rec "\"credential\":\"$Y\"" '"cause":"certificate expired"' \
	'"type":"key.destroy"' '"kind":"system"'
check "the external credential (valid a year) is untouched" test "$(state "$EXT")" = ACTIVE
check "... its key and certificate are still in the token" test "$(nobj "$KID")" -eq 3 \
	-a "$(nobj "$KID" class=certificate)" -eq 1

pp_finish
