#!/usr/bin/env bash
# The SAM's enrolment and credential ops end to end: the real SAM with its
# SoftHSMv2 token and the real audit daemon, driven on its unix socket with
# tests/tools/pp-test-sam.  Certificates are checked with openssl, the
# token's objects with tests/tools/pp-test-p11 (pp_p11_list), the audit
# records in what the stand-in syslog collector received.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
forwarded() { grep -q -- "$1" "$STATE/log/collector.log" 2>/dev/null; }

pp_init
# Withdraw two algorithms (SEC-6): new credentials may not use them.
pp_conf_set sam key_types "rsa3072 ec-p256 ec-p384"
# The socket-level SCAs of this test, registered by subject alone.
pp_client_add t-demo "sca ra" "CN=sca-demo,O=Demo SCA,C=FR"
pp_client_add t-other "sca ra" "CN=sca-other,O=Other SCA,C=DE"
pp_start
SOCK=$STATE/run/sam.sock
# sam JSON: one request; sets ANS (the answer line, or "closed").
sam() { ANS=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
# has DESC SUBSTRING: the last answer contains SUBSTRING.
has() {
	if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:400}"; fi
}
# member NAME: a string member of the last answer (first occurrence).
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
A='"sca":"CN=sca-demo,O=Demo SCA,C=FR"'
B='"sca":"CN=sca-other,O=Other SCA,C=DE"'
# The token's objects as last listed (pp_p11_list) into OBJS: has3 KEY_ID:
# a private key, a public key and a certificate under that CKA_ID and
# nothing else; none KEY_ID: no object under it, in a listing that shows
# other keys (so not an empty or failed one).
OBJS=""
has3() {
	[ "$(pp_p11_count "$OBJS" "id=$1")" -eq 3 ] && pp_p11_has "$OBJS" class=private "id=$1" &&
		pp_p11_has "$OBJS" class=public "id=$1" && pp_p11_has "$OBJS" class=certificate "id=$1"
}
none() { [ "$(pp_p11_count "$OBJS" "id=$1")" -eq 0 ] && pp_p11_has "$OBJS" class=private; }

sam '{"v":1,"op":"health"}'
has "the SAM answers health" '"ok":true'

# --- the built-in CA, made at first start.
sam '{"v":1,"op":"ca.certificate"}'
member certificate | base64 -d >"$PP_TMP/ca.der"
openssl x509 -inform DER -in "$PP_TMP/ca.der" -out "$PP_TMP/ca.pem" 2>/dev/null
check "ca.certificate gives the built-in CA's certificate" test -s "$PP_TMP/ca.pem"
openssl x509 -in "$PP_TMP/ca.pem" -noout -text >"$PP_TMP/ca.txt"
check "the built-in CA is a CA (pathlen 0) with an EC P-384 key" \
	bash -c 'grep -q "CA:TRUE, pathlen:0" "$1" && grep -q "NIST CURVE: P-384" "$1"' _ "$PP_TMP/ca.txt"
check "the CA key's generation is recorded" wait_for 10 forwarded '"cause":"built-in CA key"'

# --- signatories.
SIG='"id":"sig-001","given_name":"\u00c9lodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-2026-0001"'
sam "{\"v\":1,\"op\":\"signatory.create\",$A,$SIG}"
has "signatory.create answers the signatory" '"id":"sig-001"'
has "the mobile number is stored as E.164 digits" '"mobile":"33612345678"'
sam "{\"v\":1,\"op\":\"signatory.create\",$A,$SIG}"
has "the same id twice is a conflict" '"error":"conflict"'
sam "{\"v\":1,\"op\":\"signatory.create\",$B,$SIG}"
has "... whichever SCA asks" '"error":"conflict"'
sam "{\"v\":1,\"op\":\"signatory.create\",$A,\"id\":\"sig-002\",\"given_name\":\"A\",\"surname\":\"B\",\"country\":\"ZZ\",\"serial_number\":\"IDCFR-1\",\"mobile\":\"33612345678\",\"evidence\":\"e\"}"
has "an unassigned country code is refused" '"error":"invalid_request"'
has "... saying what to fix" '"error_description":"country:'
sam "{\"v\":1,\"op\":\"signatory.create\",$A,\"id\":\"sig-002\",\"given_name\":\"A\",\"surname\":\"B\",\"country\":\"FR\",\"serial_number\":\"IDCFR-1\",\"mobile\":\"0612345678\",\"evidence\":\"e\"}"
has "a mobile number that is not E.164 is refused" '"error_description":"mobile:'
sam "{\"v\":1,\"op\":\"signatory.get\",$A,\"id\":\"sig-001\"}"
has "signatory.get by its SCA" '"surname":"Martin"'
sam "{\"v\":1,\"op\":\"signatory.get\",$B,\"id\":\"sig-001\"}"
has "another SCA cannot read it" '"error":"access_denied"'
[[ $ANS != *Martin* ]] && ok "... and learns nothing of it" || not_ok "... and learns nothing of it" "$ANS"
sam "{\"v\":1,\"op\":\"signatory.update\",$B,\"id\":\"sig-001\",\"mobile\":\"+4915112345678\"}"
has "another SCA cannot change it" '"error":"access_denied"'
sam "{\"v\":1,\"op\":\"signatory.update\",$A,\"id\":\"sig-001\",\"idp_subject\":\"oidc|elodie\"}"
has "signatory.update by its SCA" '"idp_subject":"oidc|elodie"'
sam "{\"v\":1,\"op\":\"signatory.get\",$A,\"id\":\"nobody\"}"
has "an unknown signatory is not_found" '"error":"not_found"'
check "account.create is recorded" wait_for 10 forwarded '"type":"account.create"'
check "account.update is recorded" forwarded '"type":"account.update"'
check "refusals are recorded with the SCA as actor" \
	bash -c 'grep "\"type\":\"account.update\"" "$1" | grep "\"outcome\":\"failure\"" | grep -q "\"id\":\"CN=sca-other,O=Other SCA,C=DE\",\"kind\":\"sca\""' _ "$STATE/log/collector.log"

# --- credentials.
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"ec-p256\"}"
has "an EC P-256 credential is created ACTIVE" '"state":"ACTIVE"'
EC=$(member id)
EC_KEY=$(member key_id)
EC_SERIAL=$(member serial)
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"rsa3072\"}"
has "an RSA-3072 credential is created ACTIVE" '"state":"ACTIVE"'
RSA=$(member id)
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"rsa4096\"}"
has "a withdrawn key type is refused" '"error":"invalid_request"'
has "... saying it is withdrawn" 'withdrawn'
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"rsa2048\"}"
has "RSA-2048 is refused" '"error_description":"key_type: one of'
sam "{\"v\":1,\"op\":\"credential.create\",$B,\"signatory\":\"sig-001\",\"key_type\":\"ec-p256\"}"
has "another SCA cannot make a credential for the signatory" '"error":"access_denied"'

for c in "$EC" "$RSA"; do
	sam "{\"v\":1,\"op\":\"credential.info\",$A,\"credential\":\"$c\"}"
	member certificate | base64 -d >"$PP_TMP/$c.der"
	openssl x509 -inform DER -in "$PP_TMP/$c.der" -out "$PP_TMP/$c.pem" 2>/dev/null
	check "credential $c: the certificate verifies against the built-in CA" \
		openssl verify -CAfile "$PP_TMP/ca.pem" "$PP_TMP/$c.pem"
	openssl x509 -in "$PP_TMP/$c.pem" -noout -subject -nameopt RFC2253,-esc_msb >"$PP_TMP/$c.subj"
	check "credential $c: the subject is the signatory's" \
		grep -q 'CN=Élodie Martin.*serialNumber=IDCFR-123456\|serialNumber=IDCFR-123456.*CN=Élodie Martin' "$PP_TMP/$c.subj"
	# The QC statements are inside the extension's OCTET STRING: parse it.
	off=$(openssl asn1parse -inform DER -in "$PP_TMP/$c.der" |
		grep -A1 -E 'qcStatements|1\.3\.6\.1\.5\.5\.7\.1\.3' | tail -n 1 | sed 's/^ *\([0-9]*\):.*/\1/')
	openssl asn1parse -inform DER -in "$PP_TMP/$c.der" -strparse "${off:-0}" >"$PP_TMP/$c.qc" 2>/dev/null
	check "credential $c: qcStatements QcCompliance, QcSSCD, QcType esign" bash -c \
		'grep -q ":0.4.0.1862.1.1$" "$1" && grep -q ":0.4.0.1862.1.4$" "$1" && grep -q ":0.4.0.1862.1.6.1$" "$1"' _ "$PP_TMP/$c.qc"
	has "credential $c: info gives the chain (signer, CA)" '"chain":["'
done
openssl x509 -inform DER -in "$PP_TMP/$EC.der" -noout -text >"$PP_TMP/ec.txt"
check "the EC credential's key is P-256 and certified for nonRepudiation only" \
	bash -c 'grep -q "NIST CURVE: P-256" "$1" && grep -A1 "Key Usage: critical" "$1" | grep -qx " *Non Repudiation"' _ "$PP_TMP/ec.txt"
sam "{\"v\":1,\"op\":\"credential.info\",$B,\"credential\":\"$EC\"}"
has "another SCA cannot see the credential" '"error":"access_denied"'
sam "{\"v\":1,\"op\":\"credential.list\",$A,\"signatory\":\"sig-001\"}"
has "credential.list lists both credentials" "\"id\":\"$RSA\""
[[ $ANS == *"\"id\":\"$EC\""* ]] && ok "... the EC one too" || not_ok "... the EC one too" "$ANS"
sam "{\"v\":1,\"op\":\"credential.list\",$B,\"signatory\":\"sig-001\"}"
has "another SCA cannot list them" '"error":"access_denied"'

OBJS=$(pp_p11_list sam) || not_ok "pp-test-p11 lists the SAM's token"
check "the token holds private key, public key and certificate under one CKA_ID" has3 "${EC_KEY,,}"
check "the private key is sensitive and never extractable" pp_p11_has "$OBJS" class=private "id=${EC_KEY,,}" \
	sensitive=1 always_sensitive=1 extractable=0 never_extractable=1
check "... a private token object that may only sign" pp_p11_has "$OBJS" class=private "id=${EC_KEY,,}" \
	token=1 private=1 sign=1 decrypt=0 unwrap=0 derive=0

check "key.generate is recorded with the credential" wait_for 10 forwarded "\"credential\":\"$EC\",\"key_type\":\"ec-p256\"}.*\"type\":\"key.generate\""
check "the certificate binding (credential.change) is recorded with the serial" \
	wait_for 10 forwarded "\"credential\":\"$EC\",\"key_type\":\"ec-p256\",\"serial\":\"$EC_SERIAL\""
check "the withdrawn algorithm's refusal is recorded" forwarded 'this algorithm is withdrawn'

# --- deletion and revocation.
sam "{\"v\":1,\"op\":\"signatory.delete\",$A,\"id\":\"sig-001\"}"
has "deleting a signatory with an active credential is refused" '"error":"conflict"'
sam "{\"v\":1,\"op\":\"credential.revoke\",$B,\"credential\":\"$EC\"}"
has "another SCA cannot revoke" '"error":"access_denied"'
sam "{\"v\":1,\"op\":\"credential.revoke\",$A,\"credential\":\"$EC\"}"
has "credential.revoke answers REVOKED" '"state":"REVOKED"'
sam "{\"v\":1,\"op\":\"credential.info\",$A,\"credential\":\"$EC\"}"
has "credential.info shows REVOKED" '"state":"REVOKED"'
sam "{\"v\":1,\"op\":\"credential.revoke\",$A,\"credential\":\"$EC\"}"
has "revoking twice is a conflict" '"error":"conflict"'
OBJS=$(pp_p11_list sam) || not_ok "pp-test-p11 lists the SAM's token"
check "the revoked credential's objects are gone from the token" none "${EC_KEY,,}"
check "key.destroy is recorded with the serial" \
	wait_for 10 forwarded "\"serial\":\"$EC_SERIAL\"}.*\"type\":\"key.destroy\""
sam "{\"v\":1,\"op\":\"credential.revoke\",$A,\"credential\":\"$RSA\"}"
sam "{\"v\":1,\"op\":\"signatory.delete\",$A,\"id\":\"sig-001\"}"
has "with no active credential left the signatory is deleted" '"deleted":true'
sam "{\"v\":1,\"op\":\"signatory.get\",$A,\"id\":\"sig-001\"}"
has "... really (GDPR)" '"error":"not_found"'
check "account.delete is recorded" wait_for 10 forwarded '"type":"account.delete"'

# --- malformed requests close the connection; the SAM lives on.
sam "{\"v\":1,\"op\":\"signatory.get\",$A,\"id\":\"sig-001\",\"admin\":\"yes\"}"
check "an unknown member closes the connection" test "$ANS" = closed
sam "{\"v\":1,\"op\":\"signatory.get\",$A,\"id\":42}"
check "a member of the wrong type closes the connection" test "$ANS" = closed
sam "{\"v\":1,\"op\":\"credential.sign\",$A}"
check "an op outside the permit table closes the connection" test "$ANS" = closed
sam '{"v":1,"op":"health"}'
has "the SAM still answers" '"ok":true'

# --- the CA survives a restart.
SAMD_PID=$(cat "$STATE/run/samd.pid")
kill -TERM "$SAMD_PID"
wait_for 10 pp_none_alive "$SAMD_PID"
rm -f "$SOCK"
# A creation interrupted by a crash (KEY-6): a PENDING row whose CKA_ID has
# a key pair in the token.  The restarted SAM must destroy it.
KID=00112233445566778899aabbccddeeff
CID=0123456789abcdef0123456789abcdef
sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "INSERT INTO credentials (id, signatory, sca, key_type, key_id, state, created_ms, updated_ms) VALUES ('$CID', 'sig-009', 'CN=sca-demo,O=Demo SCA,C=FR', 'ec-p256', '$KID', 'PENDING', 1, 1)"
check "(a key pair is made in the token under that CKA_ID)" \
	"$BIN/tests/tools/pp-test-p11" -c "$STATE/paraphe.conf" sam keygen "$KID" interrupted
# Made by this (maybe root) process: give the new object files to the
# token's owner, the SAM's user after its privilege drop.
for d in "$STATE"/hsm/tokens/*/; do chown -R "$(stat -c %u:%g "$d")" "$d" 2>/dev/null; done
OBJS=$(pp_p11_list sam) || not_ok "pp-test-p11 lists the SAM's token"
check "(the interrupted creation's key pair is in the token)" pp_p11_has "$OBJS" class=private "id=$KID" label=interrupted
"$BIN/sam/paraphe-samd" -c "$STATE/paraphe.conf" >>"$STATE/log/samd.log" 2>&1 </dev/null &
echo $! >"$STATE/run/samd.pid"
wait_for 10 test -S "$SOCK"
sam '{"v":1,"op":"ca.certificate"}'
member certificate | base64 -d >"$PP_TMP/ca2.der"
check "after a restart the built-in CA is the same" cmp -s "$PP_TMP/ca.der" "$PP_TMP/ca2.der"
check "a credential left PENDING by a crash is DESTROYED at start" \
	test "$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT state FROM credentials WHERE id = '$CID'")" = DESTROYED
OBJS=$(pp_p11_list sam) || not_ok "pp-test-p11 lists the SAM's token"
check "... with its objects in the token" none "$KID"
check "... and the destruction is recorded" wait_for 10 forwarded "\"credential\":\"$CID\".*\"type\":\"key.destroy\""

# --- fail closed: no audit record, no credential (and nothing left in the token).
sam "{\"v\":1,\"op\":\"signatory.create\",$A,\"id\":\"sig-003\",\"given_name\":\"Jean\",\"surname\":\"Dupont\",\"country\":\"BE\",\"serial_number\":\"PASBE-EH123456\",\"mobile\":\"32470123456\",\"evidence\":\"KYC-3\"}"
has "a second signatory is enrolled" '"id":"sig-003"'
AUDITD_PID=$(cat "$STATE/run/auditd.pid")
kill -TERM "$AUDITD_PID"
wait_for 10 pp_none_alive "$AUDITD_PID"
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-003\",\"key_type\":\"ec-p256\"}"
check "without the audit daemon credential.create fails" test "$ANS" = closed
sam "{\"v\":1,\"op\":\"signatory.update\",$A,\"id\":\"sig-003\",\"mobile\":\"32470999999\"}"
check "without the audit daemon signatory.update fails" test "$ANS" = closed
check "... and the change was rolled back, not committed unrecorded" \
	test "$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT mobile FROM signatories WHERE id = 'sig-003'")" = 32470123456
sam "{\"v\":1,\"op\":\"signatory.delete\",$A,\"id\":\"sig-003\"}"
check "without the audit daemon signatory.delete fails and the signatory stays" \
	test "$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT count(*) FROM signatories WHERE id = 'sig-003'")" = 1
rm -f "$STATE/run/audit.sock"
"$BIN/audit/paraphe-auditd" -c "$STATE/paraphe.conf" >>"$STATE/log/auditd.log" 2>&1 </dev/null &
echo $! >"$STATE/run/auditd.pid"
wait_for 10 test -S "$STATE/run/audit.sock"
check "... and leaves no usable credential (DESTROYED)" \
	test "$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT group_concat(state) FROM credentials WHERE signatory = 'sig-003'")" = DESTROYED
OBJS=$(pp_p11_list sam) || not_ok "pp-test-p11 lists the SAM's token"
check "... and no key in the token but the CA's" test "$(pp_p11_count "$OBJS" class=private)" -eq 1
sam '{"v":1,"op":"health"}'
has "the SAM is still up" '"ok":true'

pp_finish
