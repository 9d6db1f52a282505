#!/usr/bin/env bash
# Legacy credentials (KEY-2, issue #4) through real nginx, the PKI/RA route
# POST /ra/v1/credentials/import and the real SAM with its SoftHSMv2 token:
#   - key pairs are put in the SAM's token as an HSM vendor's migration
#     tools would (tests/tools/pp-test-p11keygen, which also signs a CSR
#     for each in the token), certified by a throwaway CA with `openssl ca`
#     (backdated notBefore);
#   - RSA 2048 with a certificate issued 2025-06-01 is imported: ACTIVE,
#     key type rsa2048, recorded as credential.change "legacy import";
#     CSC credentials/info describes it (len 2048); signHash with PKCS#1
#     v1.5 and PSS verified with openssl; revoked like any other;
#   - refused with the reason, recorded, nothing made: the same key with a
#     certificate issued 2026-01-10, an RSA 1024 key, a certificate for
#     another key, an extractable key, a key that may not sign, a CKA_ID
#     the token does not hold, a key already a credential's; and RSA 2048
#     through credential.create.
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
# The PKI's issuing CA (trusted by the SAM) and its `openssl ca` set-up.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 30 \
	-keyout "$PP_TMP/extca.key" -out "$PP_TMP/extca.crt" -subj "/C=FR/O=Test PKI/CN=Test Legacy Qualified CA" \
	-addext basicConstraints=critical,CA:TRUE,pathlen:0 -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1
mkdir -p "$PP_TMP/ca/newcerts"
: >"$PP_TMP/ca/index.txt"
echo 1000 >"$PP_TMP/ca/serial"
cat >"$PP_TMP/ca.cnf" <<EOF
[ ca ]
default_ca = legacy
[ legacy ]
dir = $PP_TMP/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
certificate = $PP_TMP/extca.crt
private_key = $PP_TMP/extca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = signer
[ anything ]
commonName = supplied
[ signer ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,nonRepudiation
EOF
check "the test PKI's CA is made" test -s "$PP_TMP/extca.crt"
pp_conf_set sam external_ca_file "$PP_TMP/extca.crt"
CONF=$STATE/paraphe.conf
# keygen NAME KEY_ID TYPE [flags]: a key pair in the SAM's token, its CSR in NAME.csr.
# Run as root, the tool's object files are root's: they become the service
# user's, as paraphe-init leaves the token store.
SVC_USER=$(sed -n 's/^user = //p' "$CONF" | head -n 1)
keygen() {
	local name=$1
	shift
	"$BIN/tests/tools/pp-test-p11keygen" "$CONF" "$@" >"$PP_TMP/$name.csr" 2>"$PP_TMP/$name.err" || return 1
	if [ "$(id -u)" = 0 ] && [ -n "$SVC_USER" ]; then chown -R "$SVC_USER:" "$STATE/hsm/tokens"; fi
}
# certify NAME START: NAME.crt from NAME.csr, valid from START (YYYYMMDDHHMMSSZ) to 2028.
certify() {
	openssl ca -batch -config "$PP_TMP/ca.cnf" -in "$PP_TMP/$1.csr" -out "$PP_TMP/$1.crt" \
		-startdate "$2" -enddate 20280101000000Z -notext >"$PP_TMP/$1.ca.log" 2>&1
}

# --- the legacy keys, made in the token before the SAM starts (a module may
# show a process only the objects present when it logged in).
K2048=0123456789abcdef0123456789ab2048
K1024=0123456789abcdef0123456789ab1024
K3072=0123456789abcdef0123456789ab3072
KEXT=0123456789abcdef0123456789abe0e0
KNOSIGN=0123456789abcdef0123456789ab0000
check "an RSA 2048 key pair is made in the SAM's token, with a CSR signed there" keygen legacy "$K2048" rsa2048
"$BIN/tests/tools/pp-test-p11keygen" "$CONF" "$K2048" find 2>/dev/null
check "... the token holds it" test $? = 0
check "... the CSR verifies (signed by that key)" openssl req -in "$PP_TMP/legacy.csr" -verify -noout
check "an RSA 1024 key pair is made" keygen weak "$K1024" rsa1024
check "an RSA 3072 key pair is made" keygen other "$K3072" rsa3072
check "an extractable RSA 2048 key pair is made" keygen extr "$KEXT" rsa2048 extractable
check "an RSA 2048 key pair that may not sign is made" keygen nosign "$KNOSIGN" rsa2048 nosign
check "the CA certifies the RSA 2048 key with notBefore 2025-06-01" certify legacy 20250601000000Z
cp "$PP_TMP/legacy.csr" "$PP_TMP/recent.csr"
check "... and again with notBefore 2026-01-10" certify recent 20260110000000Z
check "... the first certificate is dated 2025-06-01" bash -c \
	'openssl x509 -in "$1" -noout -startdate | grep -q "Jun  1 00:00:00 2025 GMT"' _ "$PP_TMP/legacy.crt"
check "the CA certifies the RSA 1024 key (2025-06-01)" certify weak 20250601000000Z
check "the CA certifies the extractable key (2025-06-01)" certify extr 20250601000000Z
pp_start

SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
A='"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
SHA256=2.16.840.1.101.3.4.2.1
RSAENC=1.2.840.113549.1.1.1
RSAPSS=1.2.840.113549.1.1.10
SHA256RSA=1.2.840.113549.1.1.11
# RSASSA-PSS-params (RFC 4055): SHA-256, MGF1 with SHA-256, salt 32, as DER.
PSS=MDSgDzANBglghkgBZQMEAgEFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgEFAKIDAgEg

db() { sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "$1"; }
post() { http POST "$SCA$1" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$2"; }
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
has() { if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:400}"; fi; }
pemjson() { awk '{ printf "%s\\n", $0 }' "$1"; }
# import KEY_ID CERT_FILE [chain]: POST /ra/v1/credentials/import.
import() {
	local chain=""
	[ -n "${3:-}" ] && chain=",\"chain\":\"$(pemjson "$PP_TMP/extca.crt")\""
	post /ra/v1/credentials/import "{\"signatory\":\"sig-001\",\"key_id\":\"$1\",\"certificate\":\"$(pemjson "$2")\"$chain}"
}
h() {
	printf 'document %s\n' "$1" >"$PP_TMP/$1.txt"
	openssl dgst -sha256 -binary "$PP_TMP/$1.txt" >"$PP_TMP/$1.bin"
	base64 -w0 <"$PP_TMP/$1.bin"
}
# sad CREDENTIAL SESSION HASHES_JSON: a SAD (OTP from the SMS spool).
sad() {
	local otp_id code
	sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"$2\"}"
	otp_id=$(amember otp_id)
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$1\",\"session\":\"$2\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$SHA256\",\"hashes\":$3,\"consent\":true}"
	amember sad
}
sigs() { sed -n 's/.*"signatures":\[\([^]]*\)\].*/\1/p' <<<"$BODY" | tr -d '"' | tr ',' '\n'; }
# verify DESC PUBKEY DOC SIG_B64 [pkeyopt...]
verify() {
	local d=$1 pub=$2 doc=$3 sig=$4
	shift 4
	base64 -d <<<"$sig" >"$PP_TMP/sig.bin" 2>/dev/null
	check "$d" openssl pkeyutl -verify -pubin -inkey "$pub" -in "$PP_TMP/$doc.bin" \
		-sigfile "$PP_TMP/sig.bin" -pkeyopt digest:sha256 "$@"
}
ncred() { db "SELECT count(*) FROM credentials"; }

post /ra/v1/signatories '{"id":"sig-001","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-001"'

openssl x509 -in "$PP_TMP/legacy.crt" -pubkey -noout >"$PP_TMP/legacy.pub"
N0=$(ncred)

# --- refusals: each says why, is recorded, and leaves nothing behind.
import "$K2048" "$PP_TMP/recent.crt"
expect_json_error "RSA 2048 with a certificate issued 2026-01-10 is refused" 400 invalid_request
has "... with the clear reason" 'RSA 2048 is accepted only for certificates issued before 2025-12-31'
check "... the refusal is recorded" wait_for 10 rec '"outcome":"failure"' \
	'RSA 2048 is accepted only for certificates issued before 2025-12-31' '"type":"credential.change"' '"op":"credential.import"'
import "$K1024" "$PP_TMP/weak.crt"
expect_json_error "an RSA 1024 key is refused, whatever its certificate's date" 400 invalid_request
has "... as too short" 'RSA key too short'
import "$K3072" "$PP_TMP/legacy.crt"
expect_json_error "a certificate for another key is refused" 400 invalid_request
has "... saying so" 'its public key is not the key of this CKA_ID'
import "$KEXT" "$PP_TMP/extr.crt"
expect_json_error "an extractable key is refused" 400 invalid_request
has "... saying so" 'CKA_EXTRACTABLE must be false'
check "... recorded" wait_for 10 rec '"outcome":"failure"' 'CKA_EXTRACTABLE must be false'
import "$KNOSIGN" "$PP_TMP/legacy.crt"
expect_json_error "a key that may not sign is refused" 400 invalid_request
has "... saying so" 'CKA_SIGN must be true'
import 0123456789abcdef0123456789abffff "$PP_TMP/legacy.crt"
expect_json_error "a CKA_ID the token does not hold is refused" 400 invalid_request
has "... saying so" 'no private key with this CKA_ID'
import "${K2048:0:30}" "$PP_TMP/legacy.crt"
expect_json_error "a CKA_ID that is not 16 bytes of hex is refused" 400 invalid_request
post /ra/v1/credentials/import "{\"signatory\":\"nobody\",\"key_id\":\"$K2048\",\"certificate\":\"$(pemjson "$PP_TMP/legacy.crt")\"}"
expect_json_error "an unknown signatory is refused" 404 not_found
post /ra/v1/credentials/import "{\"signatory\":\"sig-001\",\"key_id\":\"$K2048\"}"
expect_json_error "a request without certificate is refused at the edge" 400 invalid_request
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"rsa2048"}'
expect_json_error "credential.create refuses RSA 2048" 400 invalid_request
has "... saying it is for imported legacy keys only" 'RSA 2048 is accepted only for a legacy key imported'
check "no refusal made a credential" test "$(ncred)" = "$N0"

# --- the legacy certificate: imported, ACTIVE.
import "$K2048" "$PP_TMP/legacy.crt" chain
expect "RSA 2048 with a certificate issued 2025-06-01 is imported" 201 '"state":"ACTIVE"'
LEG=$(bmember id)
has "... of key type rsa2048" '"key_type":"rsa2048"'
has "... certified by an external CA" '"ca":"external"'
check "... the credential holds exactly that certificate" \
	test "$(bmember certificate)" = "$(openssl x509 -in "$PP_TMP/legacy.crt" -outform DER | base64 -w0)"
check "... its chain is the certificate, then the CA" bash -c '[[ $1 == *"\"chain\":[\"$2\",\"$3\"]"* ]]' _ "$BODY" \
	"$(openssl x509 -in "$PP_TMP/legacy.crt" -outform DER | base64 -w0)" "$(openssl x509 -in "$PP_TMP/extca.crt" -outform DER | base64 -w0)"
check "... the CKA_ID is not returned" bash -c '[[ $1 != *key_id* ]]' _ "$BODY"
check "... the row names the key by its CKA_ID" test "$(db "SELECT key_id || ' ' || state FROM credentials WHERE id = '$LEG'")" = "$K2048 ACTIVE"
SERIAL=$(openssl x509 -in "$PP_TMP/legacy.crt" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
check "... recorded as a certificate binding with cause \"legacy import\"" wait_for 10 rec "\"credential\":\"$LEG\"" \
	'"type":"credential.change"' '"cause":"legacy import"' '"key_type":"rsa2048"' "\"serial\":\"$SERIAL\"" '"outcome":"success"'
import "$K2048" "$PP_TMP/legacy.crt"
expect_json_error "importing the same key again is a conflict" 409 conflict
http GET "$SCA/ra/v1/credentials/import" "${SCA_CERT[@]}"
check "GET on the import route is not allowed" test "$CODE" = 405

# --- CSC: described and signing.
post /csc/v2/credentials/info "{\"credentialID\":\"$LEG\",\"certificates\":\"chain\",\"certInfo\":true}"
expect "CSC credentials/info describes it" 200 '"len":2048'
has "... enabled" '"status":"enabled"'
has "... an RSA key with the SHA-2 RSA algorithms" "\"algo\":[\"$RSAENC\",\"$SHA256RSA\""
has "... as RSA 2048" '"description":"RSA 2048 long-term credential"'
H1=$(h d1)
H2=$(h d2)
SAD=$(sad "$LEG" s-1 "[\"$H1\",\"$H2\"]")
check "a SAD for the legacy credential" bash -c '[[ $1 =~ ^[A-Za-z0-9_-]{64}$ ]]' _ "$SAD"
RQ="\"credentialID\":\"$LEG\",\"SAD\":\"$SAD\",\"hashAlgorithmOID\":\"$SHA256\""
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":[\"$H1\"],\"signAlgo\":\"$SHA256RSA\"}"
expect "signHash with PKCS#1 v1.5" 200 '"signatures":["'
mapfile -t S < <(sigs)
check "... a 2048-bit signature" test "$(base64 -d <<<"${S[0]:-}" | wc -c)" = 256
verify "... verifies with the certificate's key (openssl)" "$PP_TMP/legacy.pub" d1 "${S[0]:-x}"
post /csc/v2/signatures/signHash "{$RQ,\"hashes\":[\"$H2\"],\"signAlgo\":\"$RSAPSS\",\"signAlgoParams\":\"$PSS\"}"
expect "signHash with RSASSA-PSS" 200 '"signatures":["'
mapfile -t S < <(sigs)
verify "... verifies with the certificate's key (salt 32)" "$PP_TMP/legacy.pub" d2 "${S[0]:-x}" \
	-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 -pkeyopt rsa_mgf1_md:sha256

# --- revoked like any other: the key leaves the token.
post "/ra/v1/credentials/$LEG/revoke" '{}'
expect "the legacy credential is revoked" 200 '"state":"REVOKED"'
check "... its key destruction is recorded" wait_for 10 rec "\"credential\":\"$LEG\"" '"type":"key.destroy"' \
	'"cause":"credential revoked"'
"$BIN/tests/tools/pp-test-p11keygen" "$CONF" "$K2048" find 2>/dev/null
check "... its key and certificate are gone from the token" test $? = 4
import "$K2048" "$PP_TMP/legacy.crt"
expect_json_error "... and cannot be imported again" 409 conflict
pp_finish
