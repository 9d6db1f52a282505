#!/usr/bin/env bash
# Registered clients (SAD-5, AUTH-2) through real nginx and the real SAM:
# a certificate the SCA CA issued is not enough, its holder must be in the
# SAM's registry (etc/clients.json) with the role of the API it calls.
# Certificates made here by the SCA CA: one unregistered, one registered
# for the CSC API only, one for the PKI/RA API only, and a "twin" with the
# subject of a registered client but another key (fingerprint mismatch).
# A client suspended in the registry is refused once the SAM restarts; a
# malformed or unsafe registry stops the SAM.  Every refusal is recorded.
. "$(dirname "$0")/lib.sh"

# forwarded PATTERN...: one record the collector received matches every PATTERN.
forwarded() {
	local f=$STATE/log/collector.log p
	local lines
	lines=$(cat "$f" 2>/dev/null) || return 1
	for p in "$@"; do
		lines=$(grep -F -- "$p" <<<"$lines") || return 1
	done
	[ -n "$lines" ]
}
J=(-H 'Content-Type: application/json')
post() {
	local path=$1 body=$2
	shift 2
	http POST "$SCA$path" "$@" "${J[@]}" --data-binary "$body"
}
has() {
	if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:400}"; fi
}

pp_init

# mkcert NAME SUBJECT: a client certificate from the SCA CA, in $PP_TMP.
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
subject() { openssl x509 -in "$1" -noout -subject -nameopt rfc2253,-esc_msb | sed 's/^subject=//'; }
mkcert unreg '/C=FR/O=Test/CN=Unregistered SCA' && mkcert scaonly '/C=FR/O=Test/CN=SCA only' &&
	mkcert raonly '/C=FR/O=Test/CN=RA only' && mkcert twin '/C=FR/O=Test/CN=SCA only'
check "client certificates issued by the SCA CA" openssl verify -CAfile "$CA" -untrusted "$PKI/sca-ca.crt" \
	"$PP_TMP/unreg.crt" "$PP_TMP/scaonly.crt" "$PP_TMP/raonly.crt" "$PP_TMP/twin.crt"
UNREG=(--cert "$PP_TMP/unreg.crt" --key "$PP_TMP/unreg.key")
SCAONLY=(--cert "$PP_TMP/scaonly.crt" --key "$PP_TMP/scaonly.key")
RAONLY=(--cert "$PP_TMP/raonly.crt" --key "$PP_TMP/raonly.key")
TWIN=(--cert "$PP_TMP/twin.crt" --key "$PP_TMP/twin.key")
SCAONLY_FP=$(pp_cert_sha256 "$PP_TMP/scaonly.crt")
pp_client_add sca-only sca "$(subject "$PP_TMP/scaonly.crt")" "$SCAONLY_FP"
pp_client_add ra-only ra "$(subject "$PP_TMP/raonly.crt")" "$(pp_cert_sha256 "$PP_TMP/raonly.crt")"

# The registry paraphe-init wrote: the demo SCA (both roles) and the other
# SCA, each with its certificate's subject and fingerprint; not writable by
# anyone but its owner.
REG=$STATE/etc/clients.json
check "paraphe-init registers the demo SCA with both roles and its fingerprint" \
	jq -e --arg fp "$(pp_cert_sha256 "$PKI/sca/sca-demo.crt")" '.clients[] | select(.id == "demo-sca") |
		.subject == "CN=Demo SCA,O=Paraphe Demo SCA,C=FR" and .sha256 == $fp and .roles == ["sca","ra"] and
		.status == "active"' "$REG"
check "... and the other SCA" jq -e '.clients[] | select(.id == "other-sca") | .sha256 | length == 64' "$REG"
check "the registry is writable by its owner only" bash -c '[ "$(stat -c %a "$1")" = 644 ]' _ "$REG"
pp_start

SIG='{"id":"sig-ra","given_name":"Jan","surname":"Test","country":"FR","serial_number":"IDCFR-777777","mobile":"+33639980002","evidence":"KYC-T"}'

# --- a certificate of the SCA CA that is not registered.
post /csc/v2/credentials/list '{"userID":"sig-ra"}' "${UNREG[@]}"
expect_json_error "unregistered client: CSC credentials/list refused" 403 access_denied
has "... the client is not registered" "not registered with this service"
post /ra/v1/signatories "$SIG" "${UNREG[@]}"
expect_json_error "unregistered client: RA enrolment refused" 403 access_denied
http GET "$SCA/csc/v2/info" "${UNREG[@]}"
expect_json_error "unregistered client: CSC info refused" 403 access_denied
post /csc/v2/signatures/signHash '{"credentialID":"00000000000000000000000000000000","SAD":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","hashes":["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="],"hashAlgorithmOID":"2.16.840.1.101.3.4.2.1","signAlgo":"1.2.840.10045.4.3.2"}' "${UNREG[@]}"
expect_json_error "unregistered client: signHash refused" 403 access_denied
check "the refusals are recorded (enrolment)" wait_for 10 forwarded '"type":"account.create"' \
	'"outcome":"failure"' '"error":"access_denied","op":"signatory.create"' '"id":"CN=Unregistered SCA,O=Test,C=FR","kind":"sca"'
check "... (signHash: sad.refuse)" wait_for 10 forwarded '"type":"sad.refuse"' '"op":"sign"' \
	'"cause":"the client is not registered with this service"' '"id":"CN=Unregistered SCA,O=Test,C=FR"'

# --- a client registered for the PKI/RA API only.
post /ra/v1/signatories "$SIG" "${RAONLY[@]}"
expect "RA client: enrols a signatory" 201 '"id":"sig-ra"'
post /ra/v1/credentials '{"signatory":"sig-ra","key_type":"ec-p256"}' "${RAONLY[@]}"
expect "RA client: creates a credential" 201 '"state":"ACTIVE"'
CID=$(sed -n 's/.*"id":"\([0-9a-f]\{32\}\)".*/\1/p' <<<"$BODY" | head -n 1)
http GET "$SCA/ra/v1/credentials/$CID" "${RAONLY[@]}"
expect "RA client: reads it on the RA route" 200 "\"id\":\"$CID\""
post /csc/v2/credentials/list '{"userID":"sig-ra"}' "${RAONLY[@]}"
expect_json_error "RA client: CSC credentials/list refused" 403 access_denied
has "... it is not registered for the CSC API" "needs the sca role"
post /csc/v2/credentials/info "{\"credentialID\":\"$CID\"}" "${RAONLY[@]}"
expect_json_error "RA client: CSC credentials/info refused" 403 access_denied
post /csc/v2/signatures/signHash "{\"credentialID\":\"$CID\",\"SAD\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"hashes\":[\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"],\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}" "${RAONLY[@]}"
expect_json_error "RA client: signHash refused" 403 access_denied
has "... it is not registered for signing" "needs the sca role"
check "... recorded with the client's id" wait_for 10 forwarded '"type":"sad.refuse"' '"client":"ra-only"' \
	'"client_role":"sca"' '"op":"sign"' '"outcome":"failure"'

# --- a client registered for the CSC API only.
post /ra/v1/signatories '{"id":"sig-sca","given_name":"Jan","surname":"Test","country":"FR","serial_number":"IDCFR-777778","mobile":"+33639980003","evidence":"KYC-T"}' "${SCAONLY[@]}"
expect_json_error "SCA-only client: RA enrolment refused" 403 access_denied
has "... it is not registered for the RA API" "needs the ra role"
http GET "$SCA/ra/v1/signatories/sig-ra" "${SCAONLY[@]}"
expect_json_error "SCA-only client: RA signatory read refused" 403 access_denied
http GET "$SCA/ra/v1/credentials/$CID" "${SCAONLY[@]}"
expect_json_error "SCA-only client: RA credential read refused (credential.info on the RA route)" 403 access_denied
http POST "$SCA/ra/v1/credentials/$CID/revoke" "${SCAONLY[@]}"
expect_json_error "SCA-only client: RA revocation refused" 403 access_denied
http GET "$SCA/csc/v2/info" "${SCAONLY[@]}"
expect "SCA-only client: CSC info answers" 200 '"specs"'
post /csc/v2/credentials/list '{"userID":"sig-ra"}' "${SCAONLY[@]}"
expect_json_error "SCA-only client: admitted to the CSC API, sees no other client's signatory" 403 access_denied
has "... refused by ownership, not by the registry" "another SCA"
check "the RA refusals are recorded" wait_for 10 forwarded '"type":"account.create"' '"client":"sca-only"' \
	'"client_role":"ra"' "\"client_sha256\":\"$SCAONLY_FP\""

# --- the subject of a registered client with another certificate.
post /csc/v2/credentials/list '{"userID":"sig-ra"}' "${TWIN[@]}"
expect_json_error "same subject, other certificate: refused" 403 access_denied
has "... the certificate is not the registered one" "not the one registered for this client"
check "... recorded with the presented fingerprint" wait_for 10 forwarded '"type":"credential.change"' \
	"\"client_sha256\":\"$(pp_cert_sha256 "$PP_TMP/twin.crt")\"" '"client":"sca-only"'

# --- the demo SCA keeps both APIs.
post /ra/v1/signatories '{"id":"sig-demo","given_name":"Ana","surname":"Demo","country":"FR","serial_number":"IDCFR-777779","mobile":"+33639980004","evidence":"KYC-T"}' "${SCA_CERT[@]}"
expect "demo SCA: RA enrolment" 201 '"id":"sig-demo"'
post /csc/v2/credentials/list '{"userID":"sig-demo"}' "${SCA_CERT[@]}"
expect "demo SCA: CSC credentials/list" 200 '"credentialIDs":[]'

# --- suspended in the registry: refused once the SAM has restarted.
pp_client_set sca-only status '"suspended"'
post /csc/v2/credentials/list '{"userID":"sig-ra"}' "${SCAONLY[@]}"
expect "the registry is read at start: a change waits for the restart" 403 "another SCA"
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
pp_start
post /csc/v2/credentials/list '{"userID":"sig-ra"}' "${SCAONLY[@]}"
expect_json_error "suspended client refused after the restart" 403 access_denied
has "... the registration is suspended" "suspended"
check "... recorded" wait_for 10 forwarded '"cause":"the client'"'"'s registration is suspended"' '"client":"sca-only"'
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "the demo SCA is unaffected" 200 '"specs"'

# --- a registry the SAM cannot trust stops it.
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
cp "$REG" "$PP_TMP/clients.good"
printf '{"clients":[{"id":"x","name":"X","roles":["sca"],"subject":"CN=X","status":"active"},{"id":"x","name":"Y","roles":["ra"],"subject":"CN=Y","status":"active"}]}\n' >"$REG"
if "$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$top_builddir" >"$PP_TMP/bad.log" 2>&1; then
	not_ok "a malformed registry (duplicate id) stops the SAM" "the service started"
else
	ok "a malformed registry (duplicate id) stops the SAM"
fi
check "... with a message naming the file and the entry" \
	grep -q "client registry (sam.clients_file) refused: $REG: client x: id given twice" "$STATE/log/samd.log"
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
cp "$PP_TMP/clients.good" "$REG"
chmod 0666 "$REG"
if "$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$top_builddir" >"$PP_TMP/bad.log" 2>&1; then
	not_ok "a registry writable by others stops the SAM" "the service started"
else
	ok "a registry writable by others stops the SAM"
fi
check "... with a message saying why" grep -q "writable by its group or others" "$STATE/log/samd.log"
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
chmod 0644 "$REG"
pp_start
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "restored, the service starts again" 200 '"specs"'

pp_finish
