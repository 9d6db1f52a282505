#!/usr/bin/env bash
# Algorithm withdrawal (SEC-6, KEY-2) and SAD expiry (SAD-3) through real
# nginx with client certificates, down to the real SAM and its SoftHSMv2
# token.  The instance runs three times on the same state directory:
#   1. every algorithm allowed: credentials EC P-256, EC P-384 and RSA-3072
#      sign, SHA-512 included; two SADs are kept unused for later;
#   2. restarted with ec-p384 withdrawn from sam.key_types and sha512 from
#      sam.hash_algos: the CSC info document and credentials/info change,
#      the kept SADs no longer sign (clear errors, audited), the other
#      algorithms still do, weak requests are refused;
#   3. restarted with sam.sad_lifetime_s = 5: a SAD signs just before its
#      expiry and is refused (expired_token, audited) just after.
. "$(dirname "$0")/lib.sh"

pp_init
pp_start
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
A='"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
SHA1=1.3.14.3.2.26
MD5=1.2.840.113549.2.5
SHA256=2.16.840.1.101.3.4.2.1
SHA384=2.16.840.1.101.3.4.2.2
SHA512=2.16.840.1.101.3.4.2.3
RSAENC=1.2.840.113549.1.1.1
RSASHA1=1.2.840.113549.1.1.5
RSASHA384=1.2.840.113549.1.1.12
RSASHA512=1.2.840.113549.1.1.13
RSAPSS=1.2.840.113549.1.1.10
ECDSA256=1.2.840.10045.4.3.2
ECDSA384=1.2.840.10045.4.3.3
ECDSA512=1.2.840.10045.4.3.4
ECKEY=1.2.840.10045.2.1

post() {
	local path=$1 body=$2
	shift 2
	[ $# -eq 0 ] && set -- "${SCA_CERT[@]}"
	http POST "$SCA$path" "$@" "${J[@]}" --data-binary "$body"
}
has() {
	if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:400}"; fi
}
lacks() {
	if [[ $BODY != *"$2"* ]]; then ok "$1"; else not_ok "$1" "body has '$2': ${BODY:0:400}"; fi
}
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$top_builddir/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
ahas() {
	if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:400}"; fi
}
# h NAME [sha256|sha384|sha512]: base64 digest of the document NAME (binary in $PP_TMP/NAME.bin).
h() {
	printf 'document %s\n' "$1" >"$PP_TMP/$1.txt"
	openssl dgst -"${2:-sha256}" -binary "$PP_TMP/$1.txt" >"$PP_TMP/$1.bin"
	base64 -w0 <"$PP_TMP/$1.bin"
}
arr() { local a=("$@"); printf '[%s]' "$(printf '"%s",' "${a[@]}" | sed 's/,$//')"; }
# otp SESSION: sends an OTP to sig-001; sets OTP_ID and CODE (read from the SMS spool).
otp() {
	sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"$1\"}"
	OTP_ID=$(amember otp_id)
	CODE=$(tail -n +4 "$SPOOL/paraphe-$OTP_ID" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
}
# issue CREDENTIAL SESSION HASH_OID HASHES_JSON: sad.issue after an OTP; the answer in ANS.
issue() {
	otp "$2"
	sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$1\",\"session\":\"$2\",\"otp_id\":\"$OTP_ID\",\"otp\":\"$CODE\",\"hash_algo\":\"$3\",\"hashes\":$4,\"consent\":true}"
}
# sign CREDENTIAL SAD HASH_OID SIGN_OID HASHES_JSON [EXTRA_MEMBERS]: signHash over nginx.
sign() {
	post /csc/v2/signatures/signHash "{\"credentialID\":\"$1\",\"SAD\":\"$2\",\"hashAlgorithmOID\":\"$3\",\"signAlgo\":\"$4\",\"hashes\":$5${6:+,$6}}"
}
sigs() { sed -n 's/.*"signatures":\[\([^]]*\)\].*/\1/p' <<<"$BODY" | tr -d '"' | tr ',' '\n'; }
# pubkey CREDENTIAL FILE: the public key of the credential's certificate.
pubkey() {
	post /csc/v2/credentials/info "{\"credentialID\":\"$1\"}"
	grep -o '"certificates":\["[^"]*"' <<<"$BODY" | sed 's/.*\["//; s/"$//' | base64 -d |
		openssl x509 -inform DER -pubkey -noout >"$2" 2>/dev/null
}
# verify DESC PUBKEY DOC DIGEST [pkeyopt...]: the first signature of the last body.
verify() {
	local d=$1 pub=$2 doc=$3 md=$4 sig
	shift 4
	sig=$(sigs | head -n 1)
	base64 -d <<<"$sig" >"$PP_TMP/sig.bin" 2>/dev/null
	check "$d" openssl pkeyutl -verify -pubin -inkey "$pub" -in "$PP_TMP/$doc.bin" \
		-sigfile "$PP_TMP/sig.bin" -pkeyopt "digest:$md" "$@"
}
# algos: the signAlgorithms.algos of the last body, one a line.
algos() { grep -o '"signAlgorithms":{"algos":\[[^]]*\]' <<<"$BODY" | sed 's/.*\[//; s/\]//' | tr -d '"' | tr ',' '\n'; }
listed() { algos | grep -qx "$1"; }
unlisted() { ! listed "$1"; }
# keyalgo: key.algo of the last body, one a line.
keyalgo() { grep -o '"algo":\[[^]]*\]' <<<"$BODY" | head -n 1 | sed 's/.*\[//; s/\]//' | tr -d '"' | tr ',' '\n'; }
# audited DESC PATTERN...: one record of the collector's log matches every pattern.
audited() {
	local d=$1 i f=$STATE/log/collector.log
	shift
	for i in $(seq 1 50); do
		if awk -v n=$# 'BEGIN { for (i = 1; i <= n; i++) p[i] = ARGV[i]; ARGC = 1 }
			{ m = 1; for (i = 1; i <= n; i++) if (index($0, p[i]) == 0) m = 0; if (m) { found = 1; exit } }
			END { exit !found }' "$@" <"$f"; then
			ok "$d"
			return
		fi
		sleep 0.1
	done
	not_ok "$d" "no record of the collector has: $*"
}
restart() {
	"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >"$PP_TMP/stop.log" 2>&1 ||
		{ cat "$PP_TMP/stop.log" >&2; echo "Bail out! the service did not stop"; exit 99; }
	pp_start
}

# ======================================================== 1. everything allowed
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "info answers" 200 '"signAlgorithms":{"algos":['
INFO1=$(algos | sort | tr '\n' ' ')
for o in $RSAENC $RSASHA384 $RSASHA512 $RSAPSS $ECDSA256 $ECDSA384 $ECDSA512; do
	check "info lists $o with every algorithm allowed" listed "$o"
done
check "... and no SHA-1 signature algorithm" unlisted $RSASHA1

post /ra/v1/signatories '{"id":"sig-001","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-001"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "an EC P-256 credential" 201 '"state":"ACTIVE"'
EC256=$(bmember id)
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p384"}'
expect "an EC P-384 credential" 201 '"state":"ACTIVE"'
EC384=$(bmember id)
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"rsa3072"}'
expect "an RSA-3072 credential" 201 '"state":"ACTIVE"'
RSA=$(bmember id)
pubkey "$EC256" "$PP_TMP/ec256.pub"
pubkey "$EC384" "$PP_TMP/ec384.pub"
pubkey "$RSA" "$PP_TMP/rsa.pub"
check "the three certificates' keys from credentials/info" test -s "$PP_TMP/ec256.pub" -a -s "$PP_TMP/ec384.pub" -a -s "$PP_TMP/rsa.pub"
post /csc/v2/credentials/info "{\"credentialID\":\"$EC384\"}"
expect "credentials/info: the P-384 key is enabled" 200 '"key":{"status":"enabled"'
check "... with ecdsa-with-SHA512 among its algorithms" grep -qx $ECDSA512 <(keyalgo)

# P-384 with SHA-384: one hash signed now, one kept for after the withdrawal.
P1=$(h p1 sha384) P2=$(h p2 sha384)
issue "$EC384" s-1 $SHA384 "$(arr "$P1" "$P2")"
SAD_P384=$(amember sad)
check "a SAD for the P-384 credential" test -n "$SAD_P384"
sign "$EC384" "$SAD_P384" $SHA384 $ECDSA384 "$(arr "$P1")"
expect "P-384 signs while allowed" 200 '"signatures":["'
verify "... and the signature verifies" "$PP_TMP/ec384.pub" p1 sha384
# P-256 with SHA-512: the same.
Q1=$(h q1 sha512) Q2=$(h q2 sha512)
issue "$EC256" s-2 $SHA512 "$(arr "$Q1" "$Q2")"
SAD_512=$(amember sad)
check "a SAD for SHA-512 hashes" test -n "$SAD_512"
sign "$EC256" "$SAD_512" $SHA512 $ECDSA512 "$(arr "$Q1")"
expect "ecdsa-with-SHA512 signs while SHA-512 is allowed" 200 '"signatures":["'
verify "... and the signature verifies" "$PP_TMP/ec256.pub" q1 sha512

# ======================================================== 2. ec-p384 and sha512 withdrawn
pp_conf_set sam key_types "rsa3072 rsa4096 ec-p256 ec-p521"
pp_conf_set sam hash_algos "sha256 sha384"
restart
check "the SAM logs the algorithms in force" grep -q 'algorithms in force: key types "rsa3072 rsa4096 ec-p256 ec-p521", hashes "sha256 sha384"' "$STATE/log/samd.log"

http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "info answers after the change" 200 '"signAlgorithms":{"algos":['
INFO2=$(algos | sort | tr '\n' ' ')
check "the info document changed" test "$INFO1" != "$INFO2"
for o in $ECDSA512 $RSASHA512; do
	check "info no longer lists $o (SHA-512 withdrawn)" unlisted "$o"
done
for o in $RSAENC $RSASHA384 $RSAPSS $ECDSA256 $ECDSA384; do
	check "info still lists $o" listed "$o"
done

post /csc/v2/credentials/info "{\"credentialID\":\"$EC384\"}"
expect "credentials/info of the P-384 credential" 200 '"key":{"status":"disabled"'
check "... lists only its key algorithm, no signature algorithm" test "$(keyalgo | tr '\n' ' ')" = "$ECKEY "
has "... while its certificate stays valid" '"cert":{"status":"valid"'
post /csc/v2/credentials/info "{\"credentialID\":\"$EC256\"}"
expect "the P-256 credential stays enabled" 200 '"key":{"status":"enabled"'
check "... with ecdsa-with-SHA256 and SHA-384" test "$(keyalgo | tr '\n' ' ')" = "$ECKEY $ECDSA256 $ECDSA384 "
post /csc/v2/credentials/info "{\"credentialID\":\"$RSA\"}"
check "the RSA credential lists no sha512WithRSAEncryption" test "$(keyalgo | tr '\n' ' ')" = "$RSAENC 1.2.840.113549.1.1.11 $RSASHA384 $RSAPSS "
post /csc/v2/credentials/list '{"userID":"sig-001","onlyValid":true}'
expect "credentials/list onlyValid" 200 '"credentialIDs":['
lacks "... leaves the withdrawn P-384 credential out" "$EC384"
has "... keeps the P-256 one" "$EC256"
post /csc/v2/credentials/list '{"userID":"sig-001","credentialInfo":true}'
expect "credentials/list with credentialInfo" 200 '"credentialInfos":[{'
check "... describes one key as disabled" test "$(grep -o '"status":"disabled"' <<<"$BODY" | wc -l)" -eq 1

# The kept SADs were issued before the change: they sign nothing now.
sign "$EC384" "$SAD_P384" $SHA384 $ECDSA384 "$(arr "$P2")"
expect_json_error "signHash with the withdrawn key type is refused" 400 invalid_request
has "... saying the key algorithm is withdrawn" "key algorithm is withdrawn by the service"
audited "... and the refusal is audited" '"type":"sad.refuse"' '"outcome":"failure"' "$EC384" 'key algorithm is withdrawn'
sign "$EC256" "$SAD_512" $SHA512 $ECDSA512 "$(arr "$Q2")"
expect_json_error "signHash with the withdrawn hash is refused" 400 invalid_request
has "... saying the hash algorithm is withdrawn" "this hash algorithm is withdrawn by the service (sam.hash_algos)"
audited "... and the refusal is audited" '"type":"sad.refuse"' '"outcome":"failure"' "\"hash_algo\":\"$SHA512\"" 'hash algorithm is withdrawn'
# New SADs are not issued for them either.
issue "$EC384" s-3 $SHA384 "$(arr "$P2")"
ahas "sad.issue for the withdrawn key type is refused" '"error":"invalid_request"'
ahas "... saying why" 'key algorithm is withdrawn'
issue "$EC256" s-4 $SHA512 "$(arr "$Q2")"
ahas "sad.issue for SHA-512 hashes is refused" 'hash algorithm is withdrawn'
audited "... and recorded" '"type":"sad.refuse"' '"op":"sad.issue"' "\"hash_algo\":\"$SHA512\""

# The others still sign.
E1=$(h e1) E2=$(h e2) E3=$(h e3)
issue "$EC256" s-5 $SHA256 "$(arr "$E1" "$E2" "$E3")"
SAD_EC=$(amember sad)
check "a SAD for SHA-256 hashes after the change" test -n "$SAD_EC"
sign "$EC256" "$SAD_EC" $SHA256 $ECDSA256 "$(arr "$E1")"
expect "ecdsa-with-SHA256 still signs" 200 '"signatures":["'
verify "... and the signature verifies" "$PP_TMP/ec256.pub" e1 sha256
R1=$(h r1 sha384) R2=$(h r2 sha384)
issue "$RSA" s-6 $SHA384 "$(arr "$R1" "$R2")"
SAD_RSA=$(amember sad)
sign "$RSA" "$SAD_RSA" $SHA384 $RSASHA384 "$(arr "$R1")"
expect "sha384WithRSAEncryption still signs" 200 '"signatures":["'
verify "... and the signature verifies" "$PP_TMP/rsa.pub" r1 sha384

# Weak or inconsistent requests: clear refusals.
sign "$EC256" "$SAD_EC" $SHA1 $ECDSA256 "$(arr "$(head -c 20 /dev/urandom | base64)")"
expect_json_error "a SHA-1 hashAlgorithmOID is refused" 400 invalid_request
has "... naming the accepted hashes" 'one of the SHA-256, SHA-384, SHA-512 OIDs'
sign "$EC256" "$SAD_EC" $MD5 $ECDSA256 "$(arr "$(head -c 16 /dev/urandom | base64)")"
expect_json_error "an MD5 hashAlgorithmOID is refused" 400 invalid_request
has "... the same way" 'one of the SHA-256, SHA-384, SHA-512 OIDs'
sign "$EC256" "$SAD_EC" $SHA384 $ECDSA384 "$(arr "$E2")"
expect_json_error "a 32-byte digest announced as SHA-384 is refused" 400 invalid_request
has "... saying the length does not match" "length is not the length of hash_algo"
sign "$RSA" "$SAD_RSA" $SHA256 $RSASHA1 "$(arr "$(h r3)")"
expect_json_error "sha1WithRSAEncryption is refused" 400 invalid_request
has "... naming the accepted signature algorithms" 'ign_algo: rsaEncryption, RSASSA-PSS, sha2WithRSAEncryption or ecdsa-with-SHA2 OID'
# RSASSA-PSS-params with SHA-1 (the DER defaults) and with MGF1-SHA-512.
PSS_SHA1=MAA=
post /csc/v2/signatures/signHash "{\"credentialID\":\"$RSA\",\"SAD\":\"$SAD_RSA\",\"hashAlgorithmOID\":\"$SHA1\",\"signAlgo\":\"$RSAPSS\",\"signAlgoParams\":\"$PSS_SHA1\",\"hashes\":$(arr "$(head -c 20 /dev/urandom | base64)")}"
expect_json_error "RSASSA-PSS with SHA-1 (the parameters' defaults) is refused" 400 invalid_request
# SHA-384, MGF1 with SHA-512, salt 48 (RFC 4055 DER).
PSS_MGF512=MDSgDzANBglghkgBZQMEAgIFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgMFAKIDAgEw
base64 -d <<<"$PSS_MGF512" | openssl asn1parse -inform DER >"$PP_TMP/pss.txt" 2>&1
check "the PSS parameters name SHA-384 and MGF1 with SHA-512" bash -c \
	'grep -q "OBJECT *:sha384" "$1" && grep -q "OBJECT *:sha512" "$1" && grep -q "OBJECT *:mgf1" "$1"' _ "$PP_TMP/pss.txt"
sign "$RSA" "$SAD_RSA" $SHA384 $RSAPSS "$(arr "$R2")" "\"signAlgoParams\":\"$PSS_MGF512\""
expect_json_error "RSASSA-PSS with MGF1 over the withdrawn SHA-512 is refused" 400 invalid_request
has "... saying so" "Pss_mgf1: this hash algorithm is withdrawn"
# The refusals used nothing up: the same hash still signs with PSS over SHA-384.
PSS_384=MDSgDzANBglghkgBZQMEAgIFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgIFAKIDAgEw
sign "$RSA" "$SAD_RSA" $SHA384 $RSAPSS "$(arr "$R2")" "\"signAlgoParams\":\"$PSS_384\""
expect "RSASSA-PSS with SHA-384 and MGF1-SHA-384 still signs" 200 '"signatures":["'
verify "... and the signature verifies" "$PP_TMP/rsa.pub" r2 sha384 \
	-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:48 -pkeyopt rsa_mgf1_md:sha384
# The SAM op behind info, asked as the plugin asks it (the registered demo SCA).
FP="\"client_sha256\":\"$(pp_cert_sha256 "$PKI/sca/sca-demo.crt")\",\"client_role\":\"sca\""
sam "{\"v\":1,\"op\":\"algorithms\",$A,$FP}"
# (rsa2048, of imported legacy credentials only, signs while rsa3072 is allowed.)
ahas "the SAM's algorithms op lists the allowed key types" '"key_types":["rsa3072","rsa4096","ec-p256","ec-p521","rsa2048"]'
ahas "... and hashes" "\"hash_algos\":[\"$SHA256\",\"$SHA384\"]"
sam "{\"v\":1,\"op\":\"algorithms\",$A,$FP,\"more\":1}"
check "... and closes the connection on an unknown member" test "$ANS" = closed

# ======================================================== 3. SAD expiry
pp_conf_set sam key_types "rsa3072 rsa4096 ec-p256 ec-p384 ec-p521"
pp_conf_set sam hash_algos "sha256 sha384 sha512"
pp_conf_set sam sad_lifetime_s 5
restart
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
check "with the algorithms restored info lists ecdsa-with-SHA512 again" listed $ECDSA512
post /csc/v2/credentials/info "{\"credentialID\":\"$EC384\"}"
expect "... and the P-384 key is enabled again" 200 '"key":{"status":"enabled"'
X1=$(h x1) X2=$(h x2)
issue "$EC256" s-7 $SHA256 "$(arr "$X1" "$X2")"
SAD_X=$(amember sad)
EXP=$(sed -n 's/.*"expires_ms":\([0-9]*\).*/\1/p' <<<"$ANS")
check "a SAD living 5 s" test -n "$SAD_X" -a -n "$EXP"
# ms now, from the same clock as the SAM's.
now_ms() { date +%s%3N; }
# Just before expiry (1.5 s left): it still signs.
wait_ms=$((EXP - 1500 - $(now_ms)))
[ "$wait_ms" -gt 0 ] && sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
sign "$EC256" "$SAD_X" $SHA256 $ECDSA256 "$(arr "$X1")"
expect "the SAD signs just before its expiry" 200 '"signatures":["'
verify "... and the signature verifies" "$PP_TMP/ec256.pub" x1 sha256
# Past expiry (by 0.5 s).
wait_ms=$((EXP + 500 - $(now_ms)))
[ "$wait_ms" -gt 0 ] && sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
sign "$EC256" "$SAD_X" $SHA256 $ECDSA256 "$(arr "$X2")"
expect_json_error "the SAD past its expiry is refused" 400 expired_token
has "... saying it expired and what to do" "the signatory must authorise the signature again"
audited "... and the refusal is audited" '"type":"sad.refuse"' '"error":"expired_token"' '"op":"sign"'
check "no plugin logged a crash" bash -c "! grep -E 'PP_ERR_INTERNAL|PP_ERR_PROTO|AddressSanitizer|runtime error' '$STATE'/log/*.log"

pp_finish
