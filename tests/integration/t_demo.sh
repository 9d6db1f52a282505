#!/usr/bin/env bash
# The quickstart's demo data (issue #4): scripts/demo-enrol, run by
# `./quickstart run` once the service is up, enrols the demo signatory and
# creates one ECDSA P-256 and one RSA-3072 credential for the demo SCA
# through the real PKI/RA API, and lists them in demo.json.  Run again (a
# restart, paraphe-init included) it finds the same ones: same identifiers,
# nothing duplicated, the other members of demo.json kept.
. "$(dirname "$0")/lib.sh"

pp_up
DEMO=$STATE/demo.json
J=(-H 'Content-Type: application/json')
jqcheck() { local d=$1; shift; check "$d" jq -e "$@" "$DEMO"; }

check "demo-enrol runs against the started instance" \
	bash -c '"$1/scripts/demo-enrol" "$2" >"$3/enrol1.log" 2>&1' _ "$top_srcdir" "$STATE" "$PP_TMP"
jqcheck "demo.json lists the demo signatory" '.demo.signatory.id == "demo-signatory"'
jqcheck "... with the demo mobile number" '.demo.signatory.mobile == "+33639980001"'
jqcheck "... an ECDSA P-256 and an RSA-3072 credential" \
	'(.demo.credentials["ec-p256"] | test("^[0-9a-f]{32}$")) and (.demo.credentials.rsa3072 | test("^[0-9a-f]{32}$"))'
jqcheck "... and keeps its other members" \
	--arg sca "$PKI/sca/sca-demo.crt" '.sca.cert == $sca and (.urls.sca_api | startswith("https://127.0.0.1:")) and .hsm.tokens.sam == "paraphe-sam"'
EC=$(jq -r '.demo.credentials["ec-p256"]' "$DEMO")
RSA=$(jq -r '.demo.credentials.rsa3072' "$DEMO")

http GET "$SCA/ra/v1/signatories/demo-signatory" "${SCA_CERT[@]}"
expect "the signatory is enrolled, owned by the demo SCA, with the demo mobile" 200 \
	'"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
check "... mobile 33639980001" grep -q '"mobile":"33639980001"' <<<"$BODY"
http POST "$SCA/csc/v2/credentials/list" "${SCA_CERT[@]}" "${J[@]}" -d '{"userID":"demo-signatory"}'
expect "CSC credentials/list for the demo SCA lists both credentials" 200 "\"credentialIDs\":["
check "... exactly these two" bash -c 'jq -e --arg ec "$2" --arg rsa "$3" \
	"(.credentialIDs | sort) == ([\$ec, \$rsa] | sort)" <<<"$1"' _ "$BODY" "$EC" "$RSA"
http GET "$SCA/ra/v1/credentials/$EC" "${SCA_CERT[@]}"
expect "the first is an active ec-p256 credential" 200 '"key_type":"ec-p256","state":"ACTIVE"'
http GET "$SCA/ra/v1/credentials/$RSA" "${SCA_CERT[@]}"
expect "the second an active rsa3072 credential" 200 '"key_type":"rsa3072","state":"ACTIVE"'
recorded() {
	for _ in $(seq 1 100); do
		grep -q "$1" "$STATE/log/collector.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "the enrolment went through the RA API (recorded as the demo SCA)" \
	recorded '"actor":{"id":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR","kind":"sca"}.*"recipient":"demo-signatory".*"type":"account.create"'

# Again: nothing new.
check "demo-enrol again" bash -c '"$1/scripts/demo-enrol" "$2" >"$3/enrol2.log" 2>&1' _ "$top_srcdir" "$STATE" "$PP_TMP"
jqcheck "... the same identifiers" --arg ec "$EC" --arg rsa "$RSA" \
	'.demo.credentials == {"ec-p256": $ec, "rsa3072": $rsa}'
http POST "$SCA/csc/v2/credentials/list" "${SCA_CERT[@]}" "${J[@]}" -d '{"userID":"demo-signatory"}'
check "... still two credentials" bash -c 'jq -e ".credentialIDs | length == 2" <<<"$1"' _ "$BODY"

# A restart as `./quickstart run` does it: paraphe-init, start, demo-enrol.
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
"$top_srcdir/scripts/paraphe-init" "$STATE" "$BASE" "$top_srcdir" "$top_builddir" >"$PP_TMP/init2.log" 2>&1
jqcheck "paraphe-init keeps the demo data in demo.json" --arg ec "$EC" '.demo.credentials["ec-p256"] == $ec'
pp_start
check "demo-enrol after a restart" bash -c '"$1/scripts/demo-enrol" "$2" >"$3/enrol3.log" 2>&1' _ "$top_srcdir" "$STATE" "$PP_TMP"
jqcheck "... the same identifiers" --arg ec "$EC" --arg rsa "$RSA" \
	'.demo.credentials == {"ec-p256": $ec, "rsa3072": $rsa} and .demo.signatory.id == "demo-signatory"'
http POST "$SCA/csc/v2/credentials/list" "${SCA_CERT[@]}" "${J[@]}" -d '{"userID":"demo-signatory"}'
check "... still two credentials" bash -c 'jq -e ".credentialIDs | length == 2" <<<"$1"' _ "$BODY"

# A credential revoked meanwhile is replaced, the other kept.
http POST "$SCA/ra/v1/credentials/$RSA/revoke" "${SCA_CERT[@]}"
expect "the RSA credential is revoked" 200 '"state":"REVOKED"'
check "demo-enrol replaces it" bash -c '"$1/scripts/demo-enrol" "$2" >"$3/enrol4.log" 2>&1' _ "$top_srcdir" "$STATE" "$PP_TMP"
jqcheck "... a new RSA-3072 credential, the same ECDSA one" --arg ec "$EC" --arg rsa "$RSA" \
	'.demo.credentials["ec-p256"] == $ec and .demo.credentials.rsa3072 != $rsa and (.demo.credentials.rsa3072 | test("^[0-9a-f]{32}$"))'

pp_finish
