#!/usr/bin/env bash
# The signer pages in a real browser: headless Chromium, driven over the
# W3C WebDriver protocol (chromedriver, spoken to with curl and jq), through
# the real nginx, signer plugin and SAM.  The OTP flow end to end on a
# 360 px window, with the keyboard where a signatory types (the code, then
# Enter); the SCA then exchanges the code and signHash accepts the SAD once;
# and a cancellation.  A screenshot of each step is kept in the test's
# directory and in $SCREENSHOT_DIR when set.  The notary flow needs the
# notary's client certificate, which headless Chromium cannot present (it
# picks none without a managed policy): a TLS proxy on loopback (socat)
# presents it to the public listener for the browser, as a smart-card
# middleware would; the pages the browser sees are the real ones.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webdriver.sh"

pp_init
# The stand-in provider serves one connection at a time and gives an idle
# one 5 s: Chromium's spare connection to it can hold the signer's call to
# its token endpoint that long.
pp_conf_set oidc timeout_ms 15000
pp_start

SPOOL=$STATE/sms/outgoing
CB=http://127.0.0.1/callback
SHA256=2.16.840.1.101.3.4.2.1
J=(-H 'Content-Type: application/json')
SHOT_PREFIX=flow
wd_up

code_in_spool() {
	local f
	f=$(ls -t "$SPOOL"/paraphe-* 2>/dev/null | head -n 1)
	tail -n +4 "$f" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6
}
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }

# --- a signatory and a credential, through the RA API.
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-b1","given_name":"Jean","surname":"Dupont","country":"FR","serial_number":"IDCFR-9","mobile":"+33611223344","evidence":"KYC-9"}'
expect "the signatory is enrolled" 201
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-b1","key_type":"ec-p256"}'
expect "an EC credential is made" 201
EC=$(member id)
VER=$(head -c 48 /dev/urandom | b64url)
CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | b64url)
H1=$(printf 'deed of sale' | openssl dgst -sha256 -binary | b64url)
H2=$(printf 'deed annex' | openssl dgst -sha256 -binary | b64url)
RAR=$(jq -nc --arg c "$EC" --arg h1 "$H1" --arg h2 "$H2" --arg oid "$SHA256" \
	'[{type: "credential", credentialID: $c, hashAlgorithmOID: $oid,
	  documentDigests: [{hash: $h1, label: "Deed of sale"}, {hash: $h2, label: "Annex: plan of the flat"}]}]')
authorize_url() {
	printf '%s/csc/v2/oauth2/authorize?response_type=code&client_id=demo-sca&redirect_uri=%s&code_challenge=%s&code_challenge_method=S256&state=%s&authorization_details=%s' \
		"$PUB" "$(jq -rn --arg v "$CB" '$v|@uri')" "$CHAL" "$1" "$(jq -rn --arg v "$RAR" '$v|@uri')"
}

# --- the OTP flow.
new_session otp
check "a browser session starts" test -n "$SID"
go "$(authorize_url br-1)"
check "authorize leads the browser to its request" grep -qE "^$PUB/sign/[0-9a-f]{32}$" <<<"$(url)"
page_has "the request's page names the SCA" "Paraphe Demo SCA"
page_has "... and the documents' labels" "Annex: plan of the flat"
shot 1-request
fits "the request's page"
ORDER=$(tabs 6)
check "the keyboard reaches the skip link first, then the language, the methods, then cancel ($ORDER)" \
	grep -qE '^skip lang-switch method-sms .*cancel' <<<"$ORDER"
click "#method-sms"
check "choosing SMS leads to the code form" grep -q "/otp$" <<<"$(url)"
shot 2-code
fits "the code form"
OTP=$(code_in_spool)
check "the code is in the SMS spool" test ${#OTP} -eq 6
# The keyboard: the code typed, Enter submits (the form's first button).
type_in "#otp" "${OTP}"$'\uE007'
check "the right code leads to the approval" grep -q "/approve$" <<<"$(url)"
page_has "... whose button says what it does" "Sign these 2 documents"
shot 3-approve
fits "the approval page"
click "#approve"
page_has "the approval answers with the receipt" "Signature approved"
shot 4-receipt
fits "the receipt"
BACK=$(attr "#back" href)
CODE_A=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$BACK")
check "... with the way back to the SCA, code and state" grep -qE "^$CB\?code=[A-Za-z0-9_-]{43}&state=br-1$" <<<"$BACK"

http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=authorization_code --data-urlencode client_id=demo-sca \
	--data-urlencode "code=$CODE_A" --data-urlencode "code_verifier=$VER" --data-urlencode "redirect_uri=$CB"
expect "the SCA exchanges the code for the SAD" 200 '"token_type":"SAD"'
SAD=$(member access_token)
HB=$(jq -nc --arg a "$H1" --arg b "$H2" '[$a, $b] | map(gsub("-"; "+") | gsub("_"; "/") + "=")')
SIGN="{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":$HB,\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}"
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$SIGN"
expect "signHash signs the approved documents" 200 '"signatures":['
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$SIGN"
expect_json_error "... once" 403 access_denied
http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=authorization_code --data-urlencode client_id=demo-sca \
	--data-urlencode "code=$CODE_A" --data-urlencode "code_verifier=$VER" --data-urlencode "redirect_uri=$CB"
expect_json_error "the code works once" 400 invalid_grant

# --- OpenID Connect: the method's link leads to the provider, its page
# (the button that logs in), back to the approval.
http PATCH "$SCA/ra/v1/signatories/sig-b1" "${SCA_CERT[@]}" "${J[@]}" -d '{"idp_subject":"jean-oidc"}'
expect "the signatory's digital identity is registered" 200
printf 'subject=jean-oidc\n' >"$STATE/idp/control"
end_session
new_session oidc
go "$(authorize_url br-3)"
click "#method-oidc"
check "the OpenID Connect method leads to the provider" grep -q "^$IDP/authorize" <<<"$(url)"
shot 7-provider
click "#login"
check "the provider's answer leads to the approval" grep -q "/approve$" <<<"$(url)"
page_has "... of this request" "Sign these 2 documents"
shot 8-approve-oidc

# --- the notary flow: the browser through the proxy that presents the
# notary's certificate.
proxy_up "$PKI/notary/notary-demo.crt" "$PKI/notary/notary-demo.key" "$BASE"
NPUB=$PROXY
end_session
new_session notary
go "$(authorize_url br-n | sed "s|^$PUB|$NPUB|")"
page_has "with the notary's certificate the request's page offers the notary method" 'id="method-sms-notary"'
page_has "... naming the notary" "Demo Notary"
shot 9-notary-request
click "#method-sms-notary"
check "the notary method leads to the code form" grep -q "/otp$" <<<"$(url)"
page_has "... which names the notary" "Under the supervision of your notary"
shot 10-notary-code
type_in "#otp" "$(code_in_spool)"$'\uE007'
check "the code leads to the approval" grep -q "/approve$" <<<"$(url)"
click "#approve"
page_has "the signatory approves under the notary's supervision" "Signature approved"
shot 11-notary-receipt
BACK=$(attr "#back" href)
CODE_N=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$BACK")
http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode grant_type=authorization_code --data-urlencode client_id=demo-sca \
	--data-urlencode "code=$CODE_N" --data-urlencode "code_verifier=$VER" --data-urlencode "redirect_uri=$CB"
expect "the SCA gets the SAD of the notary session" 200 '"token_type":"SAD"'
SAD=$(member access_token)
SIGN="{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":$HB,\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}"
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$SIGN"
expect "signHash signs with it" 200 '"signatures":['
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$SIGN"
expect_json_error "... once" 403 access_denied
check "the SAD's record names the notary as present" \
	wait_for 10 grep -q '"op":"authz.approve".*"present":\["CN=Ma' "$STATE/log/collector.log"

# --- French, and cancellation.
end_session
new_session cancel
go "$(authorize_url br-2)&lang=fr"
page_has "the language switch in the request gives French" "Demande de signature"
page_has "... declared as French" '<html lang="fr">'
shot 5-request-fr
click "#cancel"
page_has "cancel says nothing was signed" "Rien n'a été signé"
shot 6-cancelled
BACK=$(attr "#back" href)
check "... and leads back to the SCA with access_denied and the state" test "$BACK" = "$CB?error=access_denied&state=br-2"
check "the stylesheet loaded under the CSP" grep -q 'GET /static/paraphe.css HTTP/1.1" 200' "$STATE/log/nginx-access.log"
pp_finish
