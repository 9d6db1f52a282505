#!/usr/bin/env bash
# The three TLS listeners: protocol versions, client certificates accepted
# and refused per listener, security headers on every response.
. "$(dirname "$0")/lib.sh"
pp_up

# SCA API: client certificate from the SCA CA required.
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "info with the SCA certificate" 200 '"specs":"2.0.0.2"'
check "info advertises only implemented methods" grep -q '"methods":\["info","credentials/list","credentials/info","signatures/signHash","credentials/authorize","credentials/authorizeCheck","oauth2/pushed_authorize","oauth2/token"\]' <<<"$BODY"
check "info says the SCA authenticates by TLS" grep -q '"authType":\["TLS"\]' <<<"$BODY"
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" -H 'Content-Type: application/json' -d '{"lang":"fr-FR"}'
expect "POST info with lang" 200 '"lang":"fr-FR"'
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "POST info without a body" 200 '"specs"'
http GET "$SCA/csc/v2/info"
expect_json_error "info without a client certificate is refused" 401 invalid_client
http GET "$SCA/csc/v2/info" --cert "$PKI/sca/sca-expired.crt" --key "$PKI/sca/sca-expired.key"
expect_json_error "an expired SCA certificate is refused" 401 invalid_client
http GET "$SCA/csc/v2/info" "${STAFF_CERT[@]}"
expect_json_error "a staff certificate is refused on the SCA listener" 401 invalid_client
http GET "$SCA/csc/v2/info" --cert "$PKI/staff/security-manager-chain.pem" --key "$PKI/staff/security-manager.key"
expect_json_error "a staff certificate with its chain (same root) is refused by the plugin" 401 invalid_client
http GET "$SCA/csc/v2/info" --cert "$PKI/rogue/rogue-client.crt" --key "$PKI/rogue/rogue-client.key"
expect_json_error "a certificate from an unknown CA with the SCA's name is refused" 401 invalid_client
http GET "$SCA/csc/v2/info" --cert "$PKI/notary/notary-demo.crt" --key "$PKI/notary/notary-demo.key"
expect_json_error "a notary certificate is refused on the SCA listener" 401 invalid_client

# Console: staff CA.
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "console names the staff certificate presented (no account bound to it yet)" 403 'Demo Operator'
check "console shows the certificate subject" grep -q 'CN=Demo Operator,OU=operator,O=Paraphe Demo Staff,C=FR' <<<"$BODY"
fp=$(openssl x509 -in "$PKI/staff/operator.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
check "console shows the SHA-256 fingerprint derived from the certificate" grep -q "$fp" <<<"$BODY"
http GET "$CON/"
expect "console without a certificate is refused" 401 'Certificate required'
http GET "$CON/" "${SCA_CERT[@]}"
expect "console refuses an SCA certificate" 401
http GET "$CON/" --cert "$PKI/sca/sca-demo-chain.pem" --key "$PKI/sca/sca-demo.key"
expect "console refuses an SCA certificate presented with its chain" 401

# Public listener: certificate optional; a notary certificate is recognised.
http GET "$PUB/"
expect "landing page without a certificate" 200 '<h1>'
check "landing page links the stylesheet" grep -q '/static/paraphe.css' <<<"$BODY"
http GET "$PUB/" "${NOTARY_CERT[@]}"
expect "landing page recognises a notary" 200 'Maître Demo Notary'
http GET "$PUB/" "${SCA_CERT[@]}"
expect "public listener refuses a certificate that is not a notary's" 403 'Certificate refused'
http GET "$PUB/static/paraphe.css"
expect "stylesheet served" 200 'font-family'

# Protocol versions.
check "TLS 1.3 accepted" curl -s -o /dev/null --cacert "$CA" --tlsv1.3 "$PUB/"
check "TLS 1.2 accepted" curl -s -o /dev/null --cacert "$CA" --tlsv1.2 --tls-max 1.2 "$PUB/"
check "TLS 1.1 refused" bash -c "! openssl s_client -connect 127.0.0.1:$BASE -tls1_1 </dev/null >/dev/null 2>&1"
check "TLS 1.0 refused" bash -c "! openssl s_client -connect 127.0.0.1:$BASE -tls1 </dev/null >/dev/null 2>&1"
check "server certificate verifies against the demo root for localhost" \
	curl -s -o /dev/null --cacert "$CA" "https://localhost:$BASE/"

# Security headers on success, plugin errors and nginx-generated errors.
for req in "GET $PUB/" "GET $PUB/nope" "GET $SCA/csc/v2/info" "GET $CON/"; do
	set -- $req
	http "$1" "$2" "${SCA_CERT[@]}"
	for h in 'strict-transport-security: max-age=' "content-security-policy: default-src 'self'" \
		"frame-ancestors 'none'" 'x-content-type-options: nosniff' 'referrer-policy: no-referrer'; do
		if grep -qi -- "$h" <<<"$HEADERS"; then ok "$2 ($CODE) sends $h"; else not_ok "$2 ($CODE) sends $h"; fi
	done
done
check "no server version disclosed" bash -c "! grep -qi '^server: nginx/' <<<\"\$0\"" "$HEADERS"

pp_finish
