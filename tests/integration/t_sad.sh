#!/usr/bin/env bash
# Signature activation end to end on a real instance (SAD-1..5, SEC-5):
# the SAM's otp.send, sad.issue and sign ops with its SoftHSMv2 token and
# the real audit daemon, driven on the SAM's socket with pp-test-sam.  The
# test is the SMS gateway: it reads the code from the smstools3 spool.
# Every signature is verified with openssl against the credential's
# certificate; every forbidden case is refused with its error; a SAM killed
# in the middle of a batch signs no hash twice after restart and the audit
# log agrees with the ledger.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
forwarded() { grep -q -- "$1" "$STATE/log/collector.log" 2>/dev/null; }
db() { sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "$1"; }

pp_init
# The socket-level SCAs of this test, registered by subject alone.
pp_client_add t-demo "sca ra" "CN=sca-demo,O=Demo SCA,C=FR"
pp_client_add t-other "sca ra" "CN=sca-other,O=Other SCA,C=DE"
pp_start
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
sam() { ANS=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
has() {
	if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:400}"; fi
}
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
A='"sca":"CN=sca-demo,O=Demo SCA,C=FR"'
B='"sca":"CN=sca-other,O=Other SCA,C=DE"'
SHA256=2.16.840.1.101.3.4.2.1
SHA384=2.16.840.1.101.3.4.2.2
ECDSA256=1.2.840.10045.4.3.2
ECDSA384=1.2.840.10045.4.3.3
RSAENC=1.2.840.113549.1.1.1
RSAPSS=1.2.840.113549.1.1.10

# h NAME: base64 SHA-256 of the document NAME (its digest kept in $PP_TMP/NAME.bin).
h() {
	printf 'document %s\n' "$1" >"$PP_TMP/$1.txt"
	openssl dgst -sha256 -binary "$PP_TMP/$1.txt" >"$PP_TMP/$1.bin"
	base64 -w0 <"$PP_TMP/$1.bin"
}
# arr B64...: a JSON array of strings.
arr() { local IFS=,; local a=("$@"); printf '[%s]' "$(printf '"%s",' "${a[@]}" | sed 's/,$//')"; }
# otp SESSION: sends an OTP; sets OTP_ID and CODE (read from the spool).
otp() {
	sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"$1\"}"
	OTP_ID=$(member otp_id)
	CODE=$(tail -n +4 "$SPOOL/paraphe-$OTP_ID" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
}
# issue SESSION CREDENTIAL HASH_ALGO HASHES_JSON [EXTRA]: sad.issue with the last OTP.
issue() {
	sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$2\",\"session\":\"$1\",\"otp_id\":\"$OTP_ID\",\"otp\":\"${6:-$CODE}\",\"hash_algo\":\"$3\",\"hashes\":$4${5:+,$5}}"
}
# sign SCA CREDENTIAL SAD HASH_ALGO SIGN_ALGO HASHES_JSON [EXTRA]
sign() {
	sam "{\"v\":1,\"op\":\"sign\",$1,\"credential\":\"$2\",\"sad\":\"$3\",\"hash_algo\":\"$4\",\"sign_algo\":\"$5\",\"hashes\":$6${7:+,$7}}"
}
# sigs: the signatures of the last answer, one per line.
sigs() { sed -n 's/.*"signatures":\[\([^]]*\)\].*/\1/p' <<<"$ANS" | tr -d '"' | tr ',' '\n'; }
# verify DESC PUBKEY DOC SIG_B64 [pkeyopt...]
verify() {
	local d=$1 pub=$2 doc=$3 sig=$4
	shift 4
	base64 -d <<<"$sig" >"$PP_TMP/sig.bin"
	check "$d" openssl pkeyutl -verify -pubin -inkey "$pub" -in "$PP_TMP/$doc.bin" \
		-sigfile "$PP_TMP/sig.bin" -pkeyopt digest:sha256 "$@"
}

check "the SMS spool directory exists" test -d "$SPOOL"
objs=$(pp_p11_list sam) || not_ok "pp-test-p11 lists the SAM's token"
check "the SAD key is a secret in the token, sensitive and never extractable" pp_p11_has "$objs" \
	class=secret label=paraphe-sam-sad-hmac sensitive=1 extractable=0 never_extractable=1
check "... one 32-byte generic secret, a private token object that may only MAC" pp_p11_has "$objs" \
	class=secret key_type=generic_secret label=paraphe-sam-sad-hmac value_len=32 token=1 private=1 \
	sign=1 verify=1 encrypt=0 decrypt=0 wrap=0 unwrap=0 derive=0
check "... and the only one" test "$(pp_p11_count "$objs" label=paraphe-sam-sad-hmac)" -eq 1

# --- a signatory and two credentials.
sam "{\"v\":1,\"op\":\"signatory.create\",$A,\"id\":\"sig-001\",\"given_name\":\"Elodie\",\"surname\":\"Martin\",\"country\":\"FR\",\"serial_number\":\"IDCFR-123456\",\"mobile\":\"+33612345678\",\"evidence\":\"KYC-1\"}"
has "a signatory is enrolled" '"id":"sig-001"'
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"ec-p256\"}"
EC=$(member id)
EC_SERIAL=$(member serial)
member certificate | base64 -d | openssl x509 -inform DER -pubkey -noout >"$PP_TMP/ec.pub"
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"rsa3072\"}"
RSA=$(member id)
member certificate | base64 -d | openssl x509 -inform DER -pubkey -noout >"$PP_TMP/rsa.pub"
check "an EC P-256 and an RSA-3072 credential exist" test -s "$PP_TMP/ec.pub" -a -s "$PP_TMP/rsa.pub"

# --- OTP by SMS.
otp s-1
check "otp.send answers an otp_id" test ${#OTP_ID} -eq 32
check "the text message is in the spool, addressed to the mobile" grep -q '^To: 33612345678$' "$SPOOL/paraphe-$OTP_ID"
check "it holds a 6-digit code" test ${#CODE} -eq 6
[[ $ANS != *"$CODE"* ]] && ok "the code is not in the answer" || not_ok "the code is not in the answer" "$ANS"
check "signatory.auth is recorded for the OTP sent" wait_for 10 forwarded "\"otp_id\":\"$OTP_ID\".*\"type\":\"signatory.auth\""
! grep -rqw -- "$CODE" "$STATE/log" && ok "the code is in no log" || not_ok "the code is in no log"
sam "{\"v\":1,\"op\":\"otp.send\",$B,\"signatory\":\"sig-001\",\"session\":\"s-x\"}"
has "another SCA cannot send an OTP to the signatory" '"error":"access_denied"'

H1=$(h d1) H2=$(h d2) H3=$(h d3) H4=$(h d4)
# --- consent is required, and a refusal does not use the OTP up.
issue s-1 "$EC" $SHA256 "$(arr "$H1" "$H2" "$H3")"
has "without consent no SAD" '"error":"invalid_request"'
has "... saying consent is required" 'consent'
issue s-1 "$EC" $SHA256 "$(arr "$H1" "$H2" "$H3")" '"consent":false'
has "consent false: no SAD" 'consent'
issue s-1 "$EC" $SHA256 "$(arr "$H1" "$H2" "$H3")" '"consent":true'
has "sad.issue with the code and consent answers a SAD" '"sad":"'
SAD=$(member sad)
check "the SAD is 64 base64url characters" bash -c '[[ $1 =~ ^[A-Za-z0-9_-]{64}$ ]]' _ "$SAD"
check "sad.issue is recorded (3 hashes, credential)" wait_for 10 forwarded "\"count\":3,\"credential\":\"$EC\".*\"type\":\"sad.issue\""
issue s-1 "$EC" $SHA256 "$(arr "$H4")" '"consent":true'
has "the OTP is single use" '"error":"access_denied"'

# --- sign 2 of the 3, then the third; every signature verified.
sign "$A" "$EC" "$SAD" $SHA256 $ECDSA256 "$(arr "$H1" "$H2")"
has "sign answers signatures" '"signatures":["'
mapfile -t S < <(sigs)
check "two signatures for two hashes" test ${#S[@]} -eq 2
verify "ECDSA signature 1 verifies with the certificate's key" "$PP_TMP/ec.pub" d1 "${S[0]:-x}"
verify "ECDSA signature 2 verifies (request order)" "$PP_TMP/ec.pub" d2 "${S[1]:-x}"
sign "$A" "$EC" "$SAD" $SHA256 $ECDSA256 "$(arr "$H3")"
mapfile -t S < <(sigs)
verify "the third hash is signed by a second call" "$PP_TMP/ec.pub" d3 "${S[0]:-x}"
check "signature.create is recorded with the serial" \
	wait_for 10 forwarded "\"serial\":\"$EC_SERIAL\".*\"type\":\"signature.create\""

# --- forbidden cases.
sign "$A" "$EC" "$SAD" $SHA256 $ECDSA256 "$(arr "$H1")"
has "a hash signed once is not signed twice" '"error":"access_denied"'
sign "$A" "$EC" "$SAD" $SHA256 $ECDSA256 "$(arr "$H4")"
has "a hash the SAD does not cover is refused" '"error":"access_denied"'
has "... saying so" 'not authorised by the SAD'
T=${SAD:0:60}$([ "${SAD:60:1}" = A ] && echo B || echo A)${SAD:61}
sign "$A" "$EC" "$T" $SHA256 $ECDSA256 "$(arr "$H1")"
has "a tampered SAD fails its MAC" '"error":"invalid_token"'
sign "$A" "$EC" "not-a-sad" $SHA256 $ECDSA256 "$(arr "$H1")"
has "a string that is no SAD is refused" '"error":"invalid_token"'
check "refusals are recorded (sad.refuse)" wait_for 10 forwarded '"type":"sad.refuse"'

# A second SAD for the remaining forbidden cases.
H5=$(h d5) H6=$(h d6)
otp s-2
issue s-2 "$EC" $SHA256 "$(arr "$H5" "$H6")" '"consent":true'
SAD2=$(member sad)
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA256 "$(arr "$H5" "$H4")"
has "an extra hash makes the whole batch refused" '"error":"access_denied"'
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA256 "$(arr "$H5" "$H5")"
has "the same hash twice in one batch is refused" '"error":"invalid_request"'
sign "$B" "$EC" "$SAD2" $SHA256 $ECDSA256 "$(arr "$H5")"
has "another SCA cannot use the SAD" '"error":"access_denied"'
sign "$A" "$RSA" "$SAD2" $SHA256 $RSAENC "$(arr "$H5")"
has "the SAD cannot sign with another credential" '"error":"access_denied"'
has "... saying so" 'does not authorise this credential'
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA256 "$(arr "$(head -c 20 /dev/zero | base64)")"
has "a digest of the wrong length is refused" '"error":"invalid_request"'
has "... saying so" 'length'
sign "$A" "$EC" "$SAD2" $SHA384 $ECDSA384 "$(arr "$(head -c 48 /dev/zero | base64)")"
has "another hash algorithm than the SAD's is refused" '"error":"invalid_request"'
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA384 "$(arr "$H5")"
has "a signature algorithm naming another hash is refused" '"error":"invalid_request"'
sign "$A" "$EC" "$SAD2" $SHA256 $RSAENC "$(arr "$H5")"
has "a signature algorithm that does not fit the key is refused" '"error":"invalid_request"'
check "after all these refusals both hashes are still AUTHORIZED" \
	test "$(db "SELECT group_concat(state) FROM sad_hashes WHERE sad = (SELECT sad FROM sad_hashes WHERE hash = X'$(base64 -d <<<"$H5" | od -An -tx1 | tr -d ' \n')' AND state = 'AUTHORIZED')")" = AUTHORIZED,AUTHORIZED
# A row added to the ledger behind the SAM's back, once the SAD was verified
# (and its claims kept in the SAM's memory), is still refused: the hashes a
# batch reserves must be the ones the SAD's MAC covers.
hex() { base64 -d <<<"$1" | od -An -tx1 | tr -d ' \n'; }
SAD2_ID=$(db "SELECT sad FROM sad_hashes WHERE hash = X'$(hex "$H5")'")
db "INSERT INTO sad_hashes (sad, hash, position, state, updated_ms) VALUES ('$SAD2_ID', X'$(hex "$H4")', 99, 'AUTHORIZED', 0)"
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA256 "$(arr "$H4")"
has "a hash added to the ledger after the SAD was verified is refused" '"error":"access_denied"'
check "... and reported as an INTEGRITY error" grep -q "INTEGRITY: SAD $SAD2_ID" "$STATE/log/samd.log"
check "... nothing was signed: the added row is not CONSUMED" \
	test "$(db "SELECT state FROM sad_hashes WHERE sad = '$SAD2_ID' AND position = 99")" = AUTHORIZED
db "DELETE FROM sad_hashes WHERE sad = '$SAD2_ID' AND position = 99"
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA256 "$(arr "$H6" "$H5")"
mapfile -t S < <(sigs)
verify "... and then sign (H6)" "$PP_TMP/ec.pub" d6 "${S[0]:-x}"
verify "... and then sign (H5)" "$PP_TMP/ec.pub" d5 "${S[1]:-x}"

# --- a wrong OTP: three attempts, then locked.
otp s-3
GOOD=$CODE
BAD=$(printf '%06d' $(((10#$GOOD + 1) % 1000000)))
issue s-3 "$RSA" $SHA256 "$(arr "$H1")" '"consent":true' "$BAD"
has "a wrong code is refused" 'wrong code'
issue s-3 "$RSA" $SHA256 "$(arr "$H1")" '"consent":true' "$BAD"
has "a second wrong code is refused" 'wrong code'
issue s-3 "$RSA" $SHA256 "$(arr "$H1")" '"consent":true' "$BAD"
has "the third wrong code locks the OTP" 'locked'
issue s-3 "$RSA" $SHA256 "$(arr "$H1")" '"consent":true' "$GOOD"
has "once locked even the right code is refused" 'locked'
check "the failed authentications are recorded" \
	wait_for 10 forwarded '"outcome":"failure".*"type":"signatory.auth"'

# --- RSA: PKCS#1 v1.5 and PSS, verified.
otp s-4
issue s-4 "$RSA" $SHA256 "$(arr "$H1" "$H2")" '"consent":true'
SAD3=$(member sad)
sign "$A" "$RSA" "$SAD3" $SHA256 $RSAENC "$(arr "$H1")"
mapfile -t S < <(sigs)
verify "RSA PKCS#1 v1.5 signature verifies" "$PP_TMP/rsa.pub" d1 "${S[0]:-x}"
sign "$A" "$RSA" "$SAD3" $SHA256 $RSAPSS "$(arr "$H2")" '"pss_salt_len":32'
mapfile -t S < <(sigs)
verify "RSASSA-PSS signature verifies" "$PP_TMP/rsa.pub" d2 "${S[0]:-x}" \
	-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32

# --- crash in the middle of a batch (kill -9), restart, no hash signed twice.
N=120
CH=()
for i in $(seq 1 $N); do CH+=("$(h c$i)"); done
otp s-5
issue s-5 "$RSA" $SHA256 "$(arr "${CH[@]}")" '"consent":true'
SAD4=$(member sad)
check "a SAD for $N hashes" test -n "$SAD4"
SAD4_ID=$(db "SELECT sad FROM sad_hashes WHERE hash = X'$(base64 -d <<<"${CH[0]}" | od -An -tx1 | tr -d ' \n')'")
SAMD_PID=$(cat "$STATE/run/samd.pid")
"$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"sign\",$A,\"credential\":\"$RSA\",\"sad\":\"$SAD4\",\"hash_algo\":\"$SHA256\",\"sign_algo\":\"$RSAENC\",\"hashes\":$(arr "${CH[@]}")}" \
	>"$PP_TMP/crash.out" 2>&1 &
CLIENT=$!
reserved() { [ "$(db "SELECT count(*) FROM sad_hashes WHERE sad = '$SAD4_ID' AND state = 'RESERVED'")" -gt 0 ]; }
check "the batch is reserved and being signed" wait_for 20 reserved
kill -9 "$SAMD_PID"
wait "$CLIENT" 2>/dev/null || true
wait_for 10 pp_none_alive "$SAMD_PID"
check "the SCA got no signature from the killed SAM" grep -qx closed "$PP_TMP/crash.out"
rm -f "$SOCK"
# The expiry test below needs short-lived SADs: the restart takes the change.
pp_conf_set sam sad_lifetime_s 2
"$BIN/sam/paraphe-samd" -c "$STATE/paraphe.conf" >>"$STATE/log/samd.log" 2>&1 </dev/null &
echo $! >"$STATE/run/samd.pid"
wait_for 20 test -S "$SOCK"
sam '{"v":1,"op":"health"}'
has "the SAM restarts" '"ok":true'
check "after restart no ledger row is RESERVED" test "$(db "SELECT count(*) FROM sad_hashes WHERE state = 'RESERVED'")" -eq 0
check "the interrupted batch's rows are all BURNED" \
	test "$(db "SELECT count(*) FROM sad_hashes WHERE sad = '$SAD4_ID' AND state = 'BURNED'")" -eq $N
check "the recovery is recorded with what it burned" \
	wait_for 10 forwarded "\"reserved_burned\":$N.*\"type\":\"sad.use\""
sign "$A" "$RSA" "$SAD4" $SHA256 $RSAENC "$(arr "${CH[0]}")"
has "a hash of the interrupted batch is never signed again" '"error":"access_denied"'
# --- concurrent calls: the SAM does the requests waiting on its connections
# in one round (one reservation, one audit commit, one settlement); each
# hash is still signed once, whichever call asks for it first.
otp s-7
HC=()
for i in 1 2 3 4 5 6; do HC+=("$(h cc$i)"); done
issue s-7 "$EC" $SHA256 "$(arr "${HC[@]}")" '"consent":true'
SAD7=$(member sad)
pids=()
for i in $(seq 0 11); do
	"$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"sign\",$A,\"credential\":\"$EC\",\"sad\":\"$SAD7\",\"hash_algo\":\"$SHA256\",\"sign_algo\":\"$ECDSA256\",\"hashes\":[\"${HC[i % 6]}\"]}" \
		>"$PP_TMP/conc.$i" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
signed=0 denied=0 bad=0
for i in $(seq 0 11); do
	if grep -q '"signatures":\["' "$PP_TMP/conc.$i"; then
		signed=$((signed + 1))
		sig=$(sed -n 's/.*"signatures":\["\([^"]*\)".*/\1/p' "$PP_TMP/conc.$i")
		base64 -d <<<"$sig" >"$PP_TMP/sig.bin"
		openssl pkeyutl -verify -pubin -inkey "$PP_TMP/ec.pub" -in "$PP_TMP/cc$((i % 6 + 1)).bin" \
			-sigfile "$PP_TMP/sig.bin" -pkeyopt digest:sha256 >/dev/null 2>&1 || bad=$((bad + 1))
	elif grep -q '"error":"access_denied"' "$PP_TMP/conc.$i"; then
		denied=$((denied + 1))
	fi
done
check "twelve concurrent calls for six hashes: six signed ($signed)" test $signed -eq 6
check "... six refused as already used ($denied)" test $denied -eq 6
check "... every signature made verifies against its own document" test $bad -eq 0
check "... and the six rows are CONSUMED" \
	test "$(db "SELECT count(*) FROM sad_hashes WHERE state = 'CONSUMED' AND sad = (SELECT sad FROM sad_hashes WHERE hash = X'$(hex "${HC[0]}")')")" -eq 6
# --- SIGTERM in the middle of a batch: the signing thread finishes the
# batch in hand, but the answer can no longer be delivered: what was signed
# is discarded (burned, recorded), what was not is given back.
CT=()
for i in $(seq 1 120); do CT+=("$(h t$i)"); done
otp s-8
issue s-8 "$RSA" $SHA256 "$(arr "${CT[@]}")" '"consent":true'
SAD8=$(member sad)
SAD8_ID=$(db "SELECT sad FROM sad_hashes WHERE hash = X'$(hex "${CT[0]}")'")
SAMD_PID=$(cat "$STATE/run/samd.pid")
"$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"sign\",$A,\"credential\":\"$RSA\",\"sad\":\"$SAD8\",\"hash_algo\":\"$SHA256\",\"sign_algo\":\"$RSAENC\",\"hashes\":$(arr "${CT[@]}")}" \
	>"$PP_TMP/term.out" 2>&1 &
CLIENT=$!
reserved8() { [ "$(db "SELECT count(*) FROM sad_hashes WHERE sad = '$SAD8_ID' AND state = 'RESERVED'")" -gt 0 ]; }
check "a batch of 120 is reserved and being signed" wait_for 20 reserved8
kill -TERM "$SAMD_PID"
wait "$CLIENT" 2>/dev/null || true
check "the SAM stops on SIGTERM during a batch" wait_for 20 pp_none_alive "$SAMD_PID"
check "... and the SCA got no signature" grep -qx closed "$PP_TMP/term.out"
check "... no row of the batch is left RESERVED or CONSUMED" \
	test "$(db "SELECT count(*) FROM sad_hashes WHERE sad = '$SAD8_ID' AND state IN ('RESERVED', 'CONSUMED')")" -eq 0
burned=$(db "SELECT count(*) FROM sad_hashes WHERE sad = '$SAD8_ID' AND state = 'BURNED'")
back=$(db "SELECT count(*) FROM sad_hashes WHERE sad = '$SAD8_ID' AND state = 'AUTHORIZED'")
check "... each row burned (signed, discarded) or given back ($burned + $back)" test $((burned + back)) -eq 120
if [ "$burned" -gt 0 ]; then
	check "... the discarded signatures are recorded" \
		wait_for 10 forwarded "stopped before the signatures could be delivered.*\"discarded\":$burned,"
fi
"$BIN/sam/paraphe-samd" -c "$STATE/paraphe.conf" >>"$STATE/log/samd.log" 2>&1 </dev/null &
echo $! >"$STATE/run/samd.pid"
wait_for 20 test -S "$SOCK"
sam '{"v":1,"op":"health"}'
has "the SAM starts again" '"ok":true'
consumed=$(db "SELECT count(*) FROM sad_hashes WHERE state = 'CONSUMED'")
recorded=$(grep '"type":"signature.create"' "$STATE/log/collector.log" | grep '"outcome":"success"' |
	grep -o '"count":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }')
check "the audit log's signatures ($recorded) agree with the ledger's CONSUMED rows ($consumed)" \
	test "${recorded:-0}" -eq "$consumed"

# --- an expired SAD (sam.sad_lifetime_s = 2).
otp s-6
issue s-6 "$EC" $SHA256 "$(arr "$H1")" '"consent":true'
SAD5=$(member sad)
check "a short-lived SAD is issued" test -n "$SAD5"
sleep 3
sign "$A" "$EC" "$SAD5" $SHA256 $ECDSA256 "$(arr "$H1")"
has "an expired SAD is refused" '"error":"expired_token"'

# --- malformed requests close the connection.
sign "$A" "$EC" "$SAD2" $SHA256 $ECDSA256 '"x"'
check "hashes that are not an array close the connection" test "$ANS" = closed
sam "{\"v\":1,\"op\":\"sign\",$A,\"credential\":\"$EC\",\"sad\":\"$SAD2\",\"hash_algo\":\"$SHA256\",\"sign_algo\":\"$ECDSA256\",\"hashes\":[\"$H5\"],\"admin\":true}"
check "an unknown member closes the connection" test "$ANS" = closed
sam '{"v":1,"op":"health"}'
has "the SAM still answers" '"ok":true'

pp_finish
