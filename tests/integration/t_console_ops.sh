#!/bin/bash
# The console acting on what the SAM holds (issue #6), end to end through
# nginx, the console and the SAM: the operator's signatory, credential and
# session pages and a revocation with its reason; the application manager's
# client registry and algorithm withdrawal under dual control, seen by the
# SCAs; a bulk key destruction and the cessation procedure (SEC-7), each
# approved by a second person.
. "$(dirname "$0")/lib.sh"

pp_up
admin_up
"$top_srcdir/scripts/demo-enrol" "$STATE" >"$PP_TMP/enrol.log" 2>&1 || { cat "$PP_TMP/enrol.log"; echo "Bail out! demo-enrol"; exit 99; }
SIG=$(jq -r .demo.signatory.id "$STATE/demo.json")
EC=$(jq -r '.demo.credentials["ec-p256"]' "$STATE/demo.json")
RSA=$(jq -r '.demo.credentials.rsa3072' "$STATE/demo.json")
SQL() { sqlite3 -cmd ".timeout 5000" "$@"; }
audit_has() {
	[ "$(SQL "$STATE/db/audit.db" "SELECT count(*) FROM records WHERE type = '$1' AND outcome = '$2'
		AND instr(CAST(record AS TEXT), '$3') > 0")" -gt 0 ]
}
cred_state() { SQL "$STATE/db/sam.db" "SELECT state FROM credentials WHERE id = '$1'"; }
# An SCA that has just signed its contract: a certificate of the SCA CA
# that no registry entry names yet.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/C=FR/O=New Demo SCA/CN=New SCA" \
	-keyout "$PP_TMP/new-sca.key" -out "$PP_TMP/new-sca.csr" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n' >"$PP_TMP/new-sca.ext"
openssl x509 -req -in "$PP_TMP/new-sca.csr" -CA "$PKI/sca-ca.crt" -CAkey "$PKI/sca-ca.key" -CAcreateserial \
	-CAserial "$PP_TMP/new-sca.srl" -days 30 -extfile "$PP_TMP/new-sca.ext" -out "$PP_TMP/new-sca.crt" 2>/dev/null
OTHER=(--cert "$PP_TMP/new-sca.crt" --key "$PP_TMP/new-sca.key")
OTHER_SHA=$(pp_cert_sha256 "$PP_TMP/new-sca.crt")

# --- operator: signatories, credentials, sessions ---------------------------
ahttp operator GET "/signatories?q=demo"
expect "the operator finds the demo signatory" 200 "$SIG"
ahttp operator GET "/signatories/$SIG"
expect "... and sees its credentials" 200 "$EC"
check "... with a revocation form for each active one" grep -q "/credentials/$RSA/revoke" <<<"$BODY"
apost operator "/credentials/$RSA/revoke" "signatory=$SIG"
expect "a revocation needs a reason" 400
apost operator "/credentials/$RSA/revoke" "signatory=$SIG" "reason=device reported lost by the signatory"
expect "the operator revokes the RSA credential" 303
check "the SAM closed it" test "$(cred_state "$RSA")" != ACTIVE
check "the key destruction is recorded with the operator as actor and the reason" \
	audit_has key.destroy success "device reported lost by the signatory"
apost operator "/credentials/$RSA/revoke" "signatory=$SIG" "reason=again"
expect "revoking it again is refused clearly" 409 "already"
ahttp security-manager GET "/signatories/$SIG"
expect "the security manager has no access to signatories (matrix)" 403

# --- application manager: the client registry under dual control --------------
http POST "$SCA/csc/v2/credentials/list" "${OTHER[@]}" -H 'Content-Type: application/json' -d '{"userID":"nobody"}'
check "an unregistered SCA is refused by the SAM's registry ($CODE)" grep -q access_denied <<<"$BODY"
ID=$(admin_propose application-manager client.register client_id=new-sca "client_name=New Demo SCA" \
	client_roles=sca "subject=CN=New SCA,O=New Demo SCA,C=FR" "sha256=$OTHER_SHA" \
	"redirect_uris=https://other.example/cb" "contact=ops@other.example")
check "the application manager proposes registering it" test -n "$ID"
admin_approve application-manager "$ID"
expect "... but cannot approve it alone" 403 "different person"
admin_approve security-manager "$ID"
expect "a security manager approves it" 303
ahttp security-manager GET "/proposals/$ID"
expect "the proposal says approved, with the SAM's answer" 200 "approved"
http POST "$SCA/csc/v2/credentials/list" "${OTHER[@]}" -H 'Content-Type: application/json' -d '{"userID":"nobody"}'
check "the new SCA is served at once: past the registry, the SAM looks for the signatory" \
	grep -q '"error":"not_found"' <<<"$BODY"
ahttp application-manager GET /clients
expect "the registry lists it" 200 "new-sca"
ID=$(admin_propose application-manager client.remove client_id=new-sca "reason=contract ended")
admin_approve security-manager "$ID"
expect "removing it is approved" 303
http POST "$SCA/csc/v2/credentials/list" "${OTHER[@]}" -H 'Content-Type: application/json' -d '{"userID":"nobody"}'
check "the removed SCA is refused at once" grep -q access_denied <<<"$BODY"

# --- algorithm withdrawal (SEC-6) -------------------------------------------------
ID=$(admin_propose application-manager algorithm.withdraw algo=rsa3072 \
	"notice=RSA-3072 keys are withdrawn from 2027; use ECDSA P-256")
admin_approve security-manager-2 "$ID"
expect "a withdrawal approved by a security manager" 303
http GET "$SCA/csc/v2/notices" "${SCA_CERT[@]}"
expect "every SCA reads the notice" 200 "use ECDSA P-256"
ahttp controller GET /clients
expect "the controller sees the withdrawn algorithm" 200 "RSA-3072 keys are withdrawn"

# --- bulk key destruction, approved by a share holder ------------------------------
ID=$(admin_propose operator keys.destroy "key_type=ec-p256" "reason=P-256 keys of the pilot are retired")
admin_approve operator "$ID"
expect "the operator cannot approve their own bulk destruction" 403
admin_approve share-holder "$ID"
expect "a share holder approves it" 303
check "the EC credential's key is destroyed" test "$(cred_state "$EC")" != ACTIVE

# --- cessation (SEC-7) -------------------------------------------------------------
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" -H 'Content-Type: application/json' \
	-d "{\"signatory\":\"$SIG\",\"key_type\":\"ec-p384\"}"
EC2=$(jq -r '.id // .credentialID // empty' <<<"$BODY")
check "a new credential exists before the cessation" test "$(cred_state "$EC2")" = ACTIVE
apost security-manager /proposals/new/cessation "reason=end of service" confirm=yes
expect "the cessation needs the typed confirmation" 400 "DESTROY ALL KEYS"
ID=$(admin_propose security-manager cessation "reason=end of the service on 2026-12-31" "confirm=DESTROY ALL KEYS")
admin_approve security-manager "$ID"
expect "the proposer cannot approve the cessation" 403
admin_approve share-holder "$ID"
expect "a share holder approves the cessation" 303
check "no active credential is left" test "$(SQL "$STATE/db/sam.db" "SELECT count(*) FROM credentials WHERE state = 'ACTIVE'")" = 0
check "the cessation is recorded" audit_has service.cessation success "end of the service"
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" -H 'Content-Type: application/json' \
	-d "{\"signatory\":\"$SIG\",\"key_type\":\"ec-p256\"}"
check "after the cessation no credential is made ($CODE)" test "$CODE" != 200 -a "$CODE" != 201

pp_finish
