#!/usr/bin/env bash
# The SAM's staff ops (sam/sam_staff.c, issue #6) end to end: the real SAM
# with its SoftHSMv2 token and the real audit daemon, the ops sent on the
# SAM's socket with tests/tools/pp-test-sam as the console would send them:
#   - staff.signatory.search, staff.credential.list and staff.session.list
#     answer what was enrolled, made and authorised (filters, pages, the
#     mobile number masked, no SAD or OTP value);
#   - staff.credential.revoke closes the credential and destroys its key
#     (gone from the token), recorded with the staff member as actor and
#     the reason as cause (read in audit.db); a second one is refused;
#   - staff.keys.inventory finds a key made in the token behind the SAM's
#     back and a credential whose key was destroyed behind its back;
#   - staff.keys.destroy_bulk with the proposer approving is refused and
#     recorded; with two people it destroys the matching keys;
#   - staff.client.put / remove (dual control): a console entry calls the
#     SCA API at once, its allowed_algos is enforced at signing, a replaced
#     entry is in force at once, a removed one is refused at once, a file
#     entry's id or subject cannot be taken; entries survive a restart;
#   - staff.algo.withdraw (dual control) withdraws a key type and a hash:
#     credential.create and sad.issue refuse them naming the withdrawal,
#     and GET /csc/v2/notices shows the notice (after a restart too);
#   - staff.cessation destroys every key, and from then on (after a
#     restart too) credential.create and signHash are refused with the
#     documented error, through the RA and CSC routes too;
#   - malformed requests (unknown members, wrong types) close the
#     connection; refusals say what to fix.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
pp_init
CONF=$STATE/paraphe.conf
# A key nobody asked for, in the SAM's token before the SAM starts (a
# module may show a process only the objects present when it logged in, as
# t_legacy.sh says); run as root, the tool's object files become the
# service user's, as paraphe-init leaves the token store.
STRAY=5354524159000000000000000000beef
"$BIN/tests/tools/pp-test-p11keygen" "$CONF" "$STRAY" ec-p256 >/dev/null 2>"$PP_TMP/keygen.err"
SVC_USER=$(sed -n 's/^user = //p' "$CONF" | head -n 1)
if [ "$(id -u)" = 0 ] && [ -n "$SVC_USER" ]; then chown -R "$SVC_USER:" "$STATE/hsm/tokens"; fi
# Client certificates of the SCA CA that no registry entry names yet
# (as t_clients.sh makes them): the console will register them.
cat >"$PP_TMP/ext.cnf" <<'EOF'
[ client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
mkcert() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$PP_TMP/$1.key" 2>/dev/null &&
	openssl req -new -key "$PP_TMP/$1.key" -subj "$2" -out "$PP_TMP/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$PP_TMP/$1.csr" -CA "$PKI/sca-ca.crt" -CAkey "$PKI/sca-ca.key" \
		-set_serial "0x$(openssl rand -hex 15)" -days 30 -sha256 \
		-extfile "$PP_TMP/ext.cnf" -extensions client -out "$PP_TMP/$1.crt" 2>/dev/null
}
mkcert con '/C=FR/O=Test/CN=Console SCA' && mkcert con2 '/C=FR/O=Test/CN=Console SCA Two'
check "two client certificates of the SCA CA" test -s "$PP_TMP/con.crt" -a -s "$PP_TMP/con2.crt"
CON_CERT=(--cert "$PP_TMP/con.crt" --key "$PP_TMP/con.key")
CON2_CERT=(--cert "$PP_TMP/con2.crt" --key "$PP_TMP/con2.key")
CON_FP=$(pp_cert_sha256 "$PP_TMP/con.crt")
CON2_FP=$(pp_cert_sha256 "$PP_TMP/con2.crt")
CON_SUBJ='CN=Console SCA,O=Test,C=FR'
CON2_SUBJ='CN=Console SCA Two,O=Test,C=FR'
pp_start
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
A="\"sca\":\"CN=Demo SCA,O=Paraphe Demo SCA,C=FR\",\"client_sha256\":\"$SCA_SHA256\""
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2
# The people the console names (sam_staff.h): an operator, two security
# managers for dual control.
OPS='{"id":"stf-ops-1","name":"Olivier Operateur","role":"operator"}'
SM1='{"id":"stf-sm-1","name":"Sophie Securite","role":"security_manager"}'
SM2='{"id":"stf-sm-2","name":"Samuel Second","role":"security_manager"}'

sam() { ANS=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
has() { if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:600}"; fi; }
lacks() { if [[ $ANS != *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer has '$2': ${ANS:0:600}"; fi; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
anum() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p" <<<"$ANS" | head -n 1; }
db() { sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "$1"; }
keyid() { db "SELECT key_id FROM credentials WHERE id = '$1'"; }
state() { db "SELECT state FROM credentials WHERE id = '$1'"; }
# audit STRING...: one record of audit.db holds every STRING.
audit() {
	local l
	l=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/audit.db" "SELECT record FROM records") || return 1
	for s in "$@"; do l=$(grep -F -- "$s" <<<"$l") || return 1; done
	return 0
}
# nobj KEY_ID: the token objects under that CKA_ID (-1: listing failed).
nobj() {
	local l
	l=$(pp_p11_list sam) && pp_p11_has "$l" class=private || { echo -1; return; }
	pp_p11_count "$l" "id=${1,,}"
}
post() { http POST "$SCA$1" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$2"; }
staff() { sam "{\"v\":1,\"op\":\"$1\",\"staff\":$OPS${2:+,$2}}"; }
dual() { sam "{\"v\":1,\"op\":\"$1\",\"staff\":$3,\"proposal\":\"prop-$RANDOM\",\"proposer\":$2,\"approver\":$3${4:+,$4}}"; }

# --- what the staff will look at: three signatories, four credentials.
for s in 'sig-001","given_name":"Elodie","surname":"Martin","mobile":"+33612345678' \
	'sig-002","given_name":"Jean","surname":"Dupont","mobile":"+33698765432' \
	'sig-003","given_name":"Marthe","surname":"Durand","mobile":"+33611112299'; do
	sam "{\"v\":1,\"op\":\"signatory.create\",$A,\"id\":\"$s\",\"country\":\"FR\",\"serial_number\":\"IDCFR-1\",\"evidence\":\"KYC-1\"}"
done
check "three signatories are enrolled" test "$(db "SELECT count(*) FROM signatories")" = 3
mkcred() {
	sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"$1\",\"key_type\":\"$2\"}"
	amember id
}
C1=$(mkcred sig-001 ec-p256)
C2=$(mkcred sig-001 ec-p256)
C3=$(mkcred sig-002 ec-p384)
C4=$(mkcred sig-003 ec-p256)
check "four credentials are made" test -n "$C1" -a -n "$C2" -a -n "$C3" -a -n "$C4"

# --- staff.signatory.search.
staff staff.signatory.search '"q":"MAR"'
has "search: a substring of the names, any case, finds Martin" '"id":"sig-001"'
has "... and Marthe" '"id":"sig-003"'
lacks "... not Dupont" '"id":"sig-002"'
has "... total 2" '"total":2'
has "... the mobile number masked to its last two digits" '"mobile":"*********78"'
lacks "... never in full" '33612345678'
has "... the SMS method" '"methods":["sms"]'
has "... the creation time" '"created":"20'
has "... the status from the active credentials" '"status":"active"'
staff staff.signatory.search '"limit":1,"offset":1'
has "a page of one, from the second: sig-002" '"id":"sig-002"'
lacks "... only that one" '"id":"sig-001"'
has "... the total is every match" '"total":3'
staff staff.signatory.search "\"sca\":\"CN=Other,C=FR\""
has "an SCA filter with no signatory: none" '"signatories":[],"total":0'
staff staff.signatory.search '"limit":101'
has "limit 101 is refused" 'limit: 1 to 100'
sam '{"v":1,"op":"staff.signatory.search","staff":{"id":"stf-x","name":"X","role":"root"}}'
has "a role that is no trust role is refused" '"error":"invalid_request"'
sam '{"v":1,"op":"staff.signatory.search"}'
has "no staff member: refused" 'staff'
staff staff.signatory.search '"nope":1'
has "an unknown member is malformed: the connection closes" 'closed'
staff staff.signatory.search '"q":5'
has "a member of the wrong type is malformed" 'closed'
sam "{\"v\":1,\"op\":\"staff.signatory.search\",\"staff\":{\"id\":\"stf-ops-1\",\"name\":\"O\",\"role\":\"operator\",\"x\":1}}"
has "an unknown member inside staff is malformed" 'closed'

# --- staff.credential.list.
staff staff.credential.list '"signatory":"sig-001"'
has "credentials of sig-001: C1" "\"id\":\"$C1\""
has "... and C2" "\"id\":\"$C2\""
has "... total 2" '"total":2'
has "... with their SCA" '"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
has "... the certificate's subject" '"subject":"'
has "... the CA" '"ca":"builtin"'
has "... the status in the filter's words" '"status":"active"'
has "... not ephemeral" '"ephemeral":false'
lacks "... no certificate or chain" '"certificate"'
staff staff.credential.list '"key_type":"ec-p384"'
has "key type filter: C3 only" "\"total\":1"
has "... C3" "\"id\":\"$C3\""
staff staff.credential.list '"status":"closed"'
has "no closed credential yet" '"credentials":[],"total":0'
staff staff.credential.list '"status":"gone"'
has "an unknown status is refused" 'status: active, pending'

# --- staff.session.list: a SAD issued with an SMS code.
printf 'document a\n' >"$PP_TMP/a.txt"
H=$(openssl dgst -sha256 -binary "$PP_TMP/a.txt" | base64 -w0)
sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"s-1\"}"
OTP=$(amember otp_id)
CODE=$(tail -n +4 "$SPOOL/paraphe-$OTP" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$C1\",\"session\":\"s-1\",\"otp_id\":\"$OTP\",\"otp\":\"$CODE\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H\"],\"consent\":true}"
SAD=$(amember sad)
check "a SAD is issued for C1" test -n "$SAD"
staff staff.session.list '"signatory":"sig-001"'
has "the session list shows the SAD" '"kind":"sad"'
has "... of its session" '"session":"s-1"'
has "... one session in all" '"total":1'
has "... its credential" "\"credential\":\"$C1\""
has "... valid, none used" '"signatures_used":0'
has "... its state" '"state":"valid"'
has "... the method" '"method":"sms"'
lacks "... never the SAD itself" "$SAD"
lacks "... nor the code" "\"$CODE\""
post /csc/v2/signatures/signHash "{\"credentialID\":\"$C1\",\"SAD\":\"$SAD\",\"hashes\":[\"$H\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "the SAD signs" 200 '"signatures":["'
staff staff.session.list '"signatory":"sig-001"'
has "... then one signature used" '"signatures_used":1'
has "... the SAD used" '"state":"used"'
staff staff.session.list '"signatory":"sig-002"'
has "no session of sig-002" '"sessions":[],"total":0'

# --- staff.credential.revoke.
K2=$(keyid "$C2")
check "C2's key is in the token" test "$(nobj "$K2")" -eq 3
staff staff.credential.revoke "\"credential\":\"$C2\""
has "a revocation without reason is refused" '"error":"invalid_request"'
staff staff.credential.revoke "\"credential\":\"$C2\",\"reason\":\"signatory reported the phone stolen (ticket 4711)\""
has "staff revoke answers the credential REVOKED" '"state":"REVOKED"'
has "... it was ACTIVE" '"was":"ACTIVE"'
check "... the row is REVOKED" test "$(state "$C2")" = REVOKED
check "... its key is gone from the token" test "$(nobj "$K2")" -eq 0
check "... key.destroy recorded with the staff member as actor and the reason as cause" audit \
	'"type":"key.destroy"' "\"credential\":\"$C2\"" '"kind":"staff"' '"id":"stf-ops-1"' '"role":"operator"' \
	'"cause":"signatory reported the phone stolen (ticket 4711)"' '"outcome":"success"'
check "... and credential.change with the new state" audit '"type":"credential.change"' \
	"\"credential\":\"$C2\"" '"kind":"staff"' '"state":"REVOKED"'
check "... no owed destruction left" test "$(db "SELECT count(*) FROM keys_owed")" = 0
staff staff.credential.revoke "\"credential\":\"$C2\",\"reason\":\"again\""
has "revoking it again: credential already closed" '"error_description":"credential already closed"'
check "... the refusal is recorded" audit '"type":"key.destroy"' '"outcome":"failure"' 'credential already closed'
staff staff.credential.revoke '"credential":"00000000000000000000000000000000","reason":"x"'
has "an unknown credential: not_found" '"error":"not_found"'
staff staff.credential.list '"status":"closed"'
has "the closed list now has C2" "\"id\":\"$C2\""

# --- staff.keys.inventory.
check "the stray key is in the token" test "$(nobj "$STRAY")" -eq 2
staff staff.keys.inventory
has "inventory: the stray key has no credential" "\"keys_without_credential\":[{\"key_id\":\"$STRAY\",\"key_type\":\"ec\""
has "... it is the only one (C2's key is gone with C2)" '"}],"credentials_without_key":[]'
has "... no credential without its key" '"credentials_without_key":[]'
has "... three live credentials" '"credentials_active":3'
has "... five private keys: the CA's, three credentials', the stray one" '"keys":5'
K1=$(keyid "$C1")
"$BIN/tests/tools/pp-test-p11keygen" "$CONF" "$K1" destroy
check "C1's key is destroyed behind the SAM's back" test "$(nobj "$K1")" -eq 0
staff staff.keys.inventory
has "inventory still finds the stray key" "\"key_id\":\"$STRAY\",\"key_type\":\"ec\""
has "... and the credential without its key" "{\"credential\":\"$C1\",\"signatory\":\"sig-001\",\"state\":\"ACTIVE\""
staff staff.keys.inventory '"x":1'
has "inventory takes no other member" 'closed'

# --- staff.keys.destroy_bulk under dual control.
dual staff.keys.destroy_bulk "$SM1" "$SM1" '"reason":"P-384 withdrawn","key_type":"ec-p384"'
has "the proposer approving their own bulk destruction is refused" 'may not approve their own proposal'
check "... recorded, with the proposer as requester" audit '"outcome":"failure"' '"op":"staff.keys.destroy_bulk"' \
	'"requester":"stf-sm-1"' 'may not approve their own proposal'
check "... C3 untouched" test "$(state "$C3")" = ACTIVE
dual staff.keys.destroy_bulk "$SM1" "$SM2" '"reason":"P-384 withdrawn"'
has "a bulk destruction without a filter is refused" 'at least one filter'
sam "{\"v\":1,\"op\":\"staff.keys.destroy_bulk\",\"staff\":$SM2,\"proposal\":\"p-1\",\"proposer\":$SM1,\"approver\":$OPS,\"reason\":\"x\",\"key_type\":\"ec-p384\"}"
has "an approver who is not the acting member is refused" 'approver: must be the staff member acting'
sam "{\"v\":1,\"op\":\"staff.keys.destroy_bulk\",\"staff\":$SM2,\"proposal\":\"p-77\",\"proposer\":$SM1,\"approver\":$SM2,\"reason\":\"P-384 withdrawn\",\"key_type\":\"ec-p384\"}"
has "with two people: one key destroyed" '"destroyed":1'
has "... none failed" '"failed":0'
check "... C3 REVOKED" test "$(state "$C3")" = REVOKED
check "... C1 and C4 (P-256) still ACTIVE" test "$(state "$C1")$(state "$C4")" = ACTIVEACTIVE
check "... its key.destroy names the approver, the proposer and the proposal" audit '"type":"key.destroy"' \
	"\"credential\":\"$C3\"" '"id":"stf-sm-2"' '"requester":"stf-sm-1"' '"correlation":"p-77"'

# --- the client registry under dual control (SAD-5).
staff staff.client.list
has "client list: the file's demo SCA" '"id":"demo-sca"'
has "... from the file" '"source":"file"'
post2() { http POST "$SCA$1" "${@:3}" "${J[@]}" --data-binary "$2"; }
http GET "$SCA/csc/v2/notices" "${CON_CERT[@]}"
expect_json_error "an unregistered certificate is refused by the SCA API" 403 access_denied
CLIENT="{\"id\":\"console-sca\",\"name\":\"Console SCA\",\"roles\":[\"sca\",\"ra\"],\"subject\":\"$CON_SUBJ\",\"sha256\":\"$CON_FP\",\"redirect_uris\":[\"https://sca.example/cb\"],\"allowed_algos\":[\"ec-p384\"],\"contact\":\"ops@sca.example\"}"
dual staff.client.put "$SM1" "$SM1" "\"client\":$CLIENT"
has "a registration approved by its proposer is refused" 'may not approve their own proposal'
dual staff.client.put "$SM1" "$SM2" "\"client\":{\"id\":\"demo-sca\",\"name\":\"X\",\"roles\":[\"sca\"],\"subject\":\"CN=X\"}"
has "a console entry may not take a file entry's id" "the id of a registry file entry"
dual staff.client.put "$SM1" "$SM2" "\"client\":{\"id\":\"dup\",\"name\":\"X\",\"roles\":[\"sca\"],\"subject\":\"CN=Demo SCA,O=Paraphe Demo SCA,C=FR\"}"
has "... nor its subject" "already the subject of a registry file entry"
dual staff.client.put "$SM1" "$SM2" "\"client\":{\"id\":\"bad\",\"name\":\"X\",\"roles\":[\"admin\"],\"subject\":\"CN=Y\"}"
has "the file's rules apply (roles)" 'roles: each one'
dual staff.client.put "$SM1" "$SM2" "\"client\":{\"id\":\"bad\",\"name\":\"X\",\"roles\":[\"sca\"],\"subject\":\"CN=Y\",\"extra\":1}"
has "... (unknown members)" 'unknown member'
sam "{\"v\":1,\"op\":\"staff.client.put\",\"staff\":$SM2,\"proposal\":\"p-cli\",\"proposer\":$SM1,\"approver\":$SM2,\"client\":$CLIENT}"
has "a console entry is registered" '"client":"console-sca","replaced":false'
check "... recorded as account.create by the staff, with the client id" audit '"type":"account.create"' \
	'"client":"console-sca"' '"id":"stf-sm-2"' '"requester":"stf-sm-1"' '"correlation":"p-cli"'
staff staff.client.list
has "... listed from the console" '"id":"console-sca","name":"Console SCA","roles":["sca","ra"]'
has "... with its source" '"source":"console"'
http GET "$SCA/csc/v2/notices" "${CON_CERT[@]}"
expect "its certificate may call the SCA API at once" 200 '"notices":'
post2 /ra/v1/signatories '{"id":"sig-c1","given_name":"Claire","surname":"Console","country":"FR","serial_number":"IDCFR-9","mobile":"+33600000011","evidence":"KYC-C"}' "${CON_CERT[@]}"
expect "... and enrol a signatory through the RA API" 201 '"id":"sig-c1"'
post2 /ra/v1/credentials '{"signatory":"sig-c1","key_type":"ec-p256"}' "${CON_CERT[@]}"
expect "... and make it a P-256 credential" 201 '"state":"ACTIVE"'
CC=$(sed -n 's/.*"id":"\([0-9a-f]\{32\}\)".*/\1/p' <<<"$BODY" | head -n 1)
sam "{\"v\":1,\"op\":\"otp.send\",\"sca\":\"$CON_SUBJ\",\"client_sha256\":\"$CON_FP\",\"signatory\":\"sig-c1\",\"session\":\"s-c\"}"
OTP=$(amember otp_id)
CODE=$(tail -n +4 "$SPOOL/paraphe-$OTP" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
sam "{\"v\":1,\"op\":\"sad.issue\",\"sca\":\"$CON_SUBJ\",\"client_sha256\":\"$CON_FP\",\"signatory\":\"sig-c1\",\"credential\":\"$CC\",\"session\":\"s-c\",\"otp_id\":\"$OTP\",\"otp\":\"$CODE\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H\"],\"consent\":true}"
SADC=$(amember sad)
check "a SAD for the console client's credential" test -n "$SADC"
post2 /csc/v2/signatures/signHash "{\"credentialID\":\"$CC\",\"SAD\":\"$SADC\",\"hashes\":[\"$H\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}" "${CON_CERT[@]}"
expect_json_error "allowed_algos [ec-p384]: signHash with a P-256 key is refused" 400 invalid_request
check "... saying so" bash -c '[[ $1 == *allowed_algos* ]]' _ "$BODY"
check "... recorded" audit '"type":"sad.refuse"' 'allowed_algos'
CLIENT2=${CLIENT/\"ec-p384\"/\"ec-p256\",\"$ECDSA256\"}
dual staff.client.put "$SM1" "$SM2" "\"client\":$CLIENT2"
has "the entry is replaced with allowed_algos [ec-p256, ecdsa-with-SHA256]" '"client":"console-sca","replaced":true'
check "... recorded as account.update" audit '"type":"account.update"' '"client":"console-sca"'
post2 /csc/v2/signatures/signHash "{\"credentialID\":\"$CC\",\"SAD\":\"$SADC\",\"hashes\":[\"$H\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}" "${CON_CERT[@]}"
expect "... and the same SAD now signs" 200 '"signatures":["'
dual staff.client.remove "$SM1" "$SM2" '"id":"demo-sca","reason":"x"'
has "a file entry cannot be removed by the console" 'a registry file entry'
dual staff.client.remove "$SM1" "$SM2" '"id":"console-sca","reason":"contract ended"'
has "the console entry is removed" '"removed":"console-sca"'
check "... recorded as account.delete with the reason" audit '"type":"account.delete"' '"client":"console-sca"' \
	'"cause":"contract ended"'
http GET "$SCA/csc/v2/notices" "${CON_CERT[@]}"
expect_json_error "... its certificate is refused at once" 403 access_denied
dual staff.client.remove "$SM1" "$SM2" '"id":"console-sca","reason":"again"'
has "removing it again: not_found" '"error":"not_found"'
dual staff.client.put "$SM1" "$SM2" "\"client\":{\"id\":\"console-two\",\"name\":\"Console SCA Two\",\"roles\":[\"sca\"],\"subject\":\"$CON2_SUBJ\",\"sha256\":\"$CON2_FP\"}"
has "a second console entry (kept across the restart below)" '"client":"console-two"'

# --- algorithm withdrawal (SEC-6) under dual control, and its notice.
http GET "$SCA/csc/v2/notices" "${SCA_CERT[@]}"
expect "GET /csc/v2/notices: none yet" 200 '{"notices":[]}'
NOTICE='ECDSA P-384 keys are withdrawn from 2026-12-01 (ANSSI advisory 42); use P-256 or RSA 3072.'
dual staff.algo.withdraw "$SM1" "$SM1" "\"algo\":\"ec-p384\",\"notice\":\"$NOTICE\""
has "a withdrawal approved by its proposer is refused" 'may not approve their own proposal'
dual staff.algo.withdraw "$SM1" "$SM2" "\"algo\":\"rsa1024\",\"notice\":\"x\""
has "an algorithm that is none of ours is refused" 'algo: a key type'
sam "{\"v\":1,\"op\":\"staff.algo.withdraw\",\"staff\":$SM2,\"proposal\":\"p-algo\",\"proposer\":$SM1,\"approver\":$SM2,\"algo\":\"ec-p384\",\"notice\":\"$NOTICE\"}"
has "ec-p384 is withdrawn" '"algo":"ec-p384"'
check "... recorded with the notice as cause" audit '"type":"algorithm.withdraw"' '"op":"staff.algo.withdraw"' \
	'"algo":"ec-p384"' '"correlation":"p-algo"' '"requester":"stf-sm-1"' "$NOTICE"
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-002\",\"key_type\":\"ec-p384\"}"
has "credential.create with ec-p384 is refused" 'this key type was withdrawn by the service (SEC-6)'
post /ra/v1/credentials '{"signatory":"sig-002","key_type":"ec-p384"}'
expect_json_error "... through the RA route too (400)" 400 invalid_request
check "... naming the notices" bash -c '[[ $1 == *"/csc/v2/notices"* ]]' _ "$BODY"
http GET "$SCA/csc/v2/notices" "${SCA_CERT[@]}"
expect "GET /csc/v2/notices shows it" 200 '"algo":"ec-p384","withdrawn_at":"20'
check "... with its notice" bash -c '[[ $1 == *"$2"* ]]' _ "$BODY" "$NOTICE"
check "... and not who decided it" bash -c '[[ $1 != *stf-sm* && $1 != *p-algo* ]]' _ "$BODY"
http GET "$SCA/csc/v2/notices"
check "... only to a client with a certificate" test "$CODE" != 200
dual staff.algo.withdraw "$SM1" "$SM2" "\"algo\":\"ec-p384\",\"notice\":\"again\""
has "withdrawing it twice is a conflict" '"error":"conflict"'
dual staff.algo.withdraw "$SM1" "$SM2" '"algo":"sha512","notice":"SHA-512 withdrawn (test)"'
has "sha512 is withdrawn" '"algo":"sha512"'
H512=$(openssl dgst -sha512 -binary "$PP_TMP/a.txt" | base64 -w0)
sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-003\",\"credential\":\"$C4\",\"session\":\"s-9\",\"otp_id\":\"0123456789abcdef0123456789abcdef\",\"otp\":\"000000\",\"hash_algo\":\"2.16.840.1.101.3.4.2.3\",\"hashes\":[\"$H512\"],\"consent\":true}"
has "sad.issue with SHA-512 is refused naming the withdrawal" 'hash_algo: this hash algorithm was withdrawn by the service (SEC-6)'
staff staff.algo.list
has "staff.algo.list shows both, with the proposal" '"proposal":"p-algo"'
has "... under withdrawn" '"withdrawn":[{"algo":"ec-p384","withdrawn_at":"20'
has "... and sha512" '"algo":"sha512"'

# --- staff.cessation (SEC-7).
dual staff.cessation "$SM2" "$SM2" '"reason":"end of service"'
has "a cessation approved by its proposer is refused" 'may not approve their own proposal'
check "... nothing ceased" test "$(db "SELECT count(*) FROM service_state")" = 0
sam "{\"v\":1,\"op\":\"staff.cessation\",\"staff\":$SM1,\"proposal\":\"p-end\",\"proposer\":$SM2,\"approver\":$SM1,\"reason\":\"end of service (board decision 2026-11)\"}"
has "cessation: the three remaining keys ended (C1, C4, the console client's)" '"destroyed":3'
has "... none failed" '"failed":0'
check "... every credential closed" test "$(db "SELECT count(*) FROM credentials WHERE state IN ('ACTIVE','PENDING')")" = 0
K4=$(keyid "$C4")
check "... C4's key is gone from the token" test "$(nobj "$K4")" -eq 0
check "... the service is marked ceased in sam.db" test "$(db "SELECT proposal FROM service_state")" = p-end
check "... the start is recorded with proposer and approver" audit '"type":"service.cessation"' '"phase":"start"' \
	'"requester":"stf-sm-2"' '"id":"stf-sm-1"' '"correlation":"p-end"'
check "... the end with the counts" audit '"type":"service.cessation"' '"phase":"end"' '"destroyed":3'
check "... one key.destroy per key" audit '"type":"key.destroy"' "\"credential\":\"$C4\"" '"correlation":"p-end"'
check "... a cessation cannot be undone in the database" bash -c "! sqlite3 '$STATE/db/sam.db' 'DELETE FROM service_state' 2>/dev/null"
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-001\",\"key_type\":\"ec-p256\"}"
has "credential.create is refused" '"error":"access_denied"'
has "... with the service_ceased description" '"error_description":"the service has ceased (SEC-7): no new credential, SAD or signature (service_ceased)"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect_json_error "the RA route answers 403" 403 access_denied
check "... saying the service ceased" bash -c '[[ $1 == *service_ceased* ]]' _ "$BODY"
post /csc/v2/signatures/signHash "{\"credentialID\":\"$C1\",\"SAD\":\"$SAD\",\"hashes\":[\"$H\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect_json_error "signHash is refused with 403" 403 access_denied
check "... saying the service ceased" bash -c '[[ $1 == *service_ceased* ]]' _ "$BODY"
check "... the refusal is recorded" audit '"type":"sad.refuse"' 'service_ceased'
sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-001\",\"session\":\"s-2\"}"
OTP=$(amember otp_id)
sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-001\",\"credential\":\"$C1\",\"session\":\"s-2\",\"otp_id\":\"$OTP\",\"otp\":\"000000\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H\"],\"consent\":true}"
has "sad.issue is refused" 'service_ceased'
sam "{\"v\":1,\"op\":\"credential.import\",$A,\"signatory\":\"sig-001\",\"key_id\":\"$STRAY\",\"certificate\":\"x\"}"
has "credential.import is refused" 'service_ceased'
sam "{\"v\":1,\"op\":\"authz.create\",$A,\"mode\":\"link\",\"credential\":\"$C1\",\"hash_algo\":\"$SHA256\",\"documents\":[{\"hash\":\"$H\"}],\"num_signatures\":1}"
has "authz.create is refused" 'service_ceased'

# The mark survives a restart.
pid=$(cat "$STATE/run/samd.pid")
kill "$pid"
wait_for 20 pp_none_alive "$pid"
rm -f "$SOCK"
"$BIN/sam/paraphe-samd" -c "$CONF" >>"$STATE/log/samd.log" 2>&1 </dev/null &
echo $! >"$STATE/run/samd.pid"
sam_up() { sam '{"v":1,"op":"health"}'; [[ $ANS == *'"ok":true'* ]]; }
check "the SAM starts again" wait_for 30 sam_up
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-002\",\"key_type\":\"ec-p256\"}"
has "after a restart credential.create is still refused" 'service_ceased'
staff staff.algo.list
has "after a restart the withdrawals are still there" '"algo":"ec-p384"'
staff staff.client.list
has "after a restart the console entry is loaded again" '"id":"console-two"'
http GET "$SCA/csc/v2/notices" "${CON2_CERT[@]}"
expect "... and its certificate may call the SCA API" 200 '"notices":'
http GET "$SCA/csc/v2/notices" "${SCA_CERT[@]}"
expect "... and still noticed to SCAs" 200 '"algo":"ec-p384"'

pp_finish
