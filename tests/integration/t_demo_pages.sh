#!/usr/bin/env bash
# The demo pages (paraphe-demo, service.demo) through the real nginx, signer
# pages, SCA API and SAM: the demo SCA starts the CSC OAuth2 flow for a typed
# text, the signatory (curl with a cookie jar; the code read on the demo
# phone page) approves, the demo SCA exchanges the code, has the hash signed
# and shows a signature that openssl verifies with the certificate it shows.
# Cancelling comes back as access_denied.  demo.json lists the demo SCA's
# OAuth client and the demo signatory.
. "$(dirname "$0")/lib.sh"

pp_up
"$top_srcdir/scripts/demo-enrol" "$STATE" >"$PP_TMP/enrol.log" 2>&1
check "the demo signatory and credentials are enrolled" test $? -eq 0
DEMO=$STATE/demo.json
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')
header() { grep -i "^$1:" <<<"$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
# go JAR URL [curl args]: GET an absolute URL or a path of the public listener.
go() { local jar=$1 url=$2; shift 2; [[ $url == /* ]] && url=$PUB$url; http GET "$url" -c "$jar" -b "$jar" "$@"; }
post() { local jar=$1 path=$2 data=$3; http POST "$PUB$path" -c "$jar" -b "$jar" "${FORM[@]}" --data "$data"; }
field() { sed -n "s/.*name=\"$1\" value=\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
back_link() { sed -n 's/.*id="back" href="\([^"]*\)".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g'; }
newest_code() { tail -n +4 "$(ls -t "$STATE"/sms/outgoing/paraphe-* | head -n 1)" | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6; }

check "demo.json names the demo SCA's OAuth client" test "$(jq -r '.demo.oauth.client_id' "$DEMO")" = demo-sca
check "... its registered redirect URI" test "$(jq -r '.demo.oauth.redirect_uri' "$DEMO")" = "${PUB}/demo/sca/callback"
check "... and the demo signatory's identifiers" \
	bash -c "[ -n \"\$(jq -r '.demo.signatory.id // empty' '$DEMO')\" ] && [ -n \"\$(jq -r '.demo.signatory.idp_subject // empty' '$DEMO')\" ]"

# --- 1. The demo SCA page.
J=$PP_TMP/jar
go "$J" /demo/sca
expect "the demo SCA page" 200 "Demo signature creation application"
DCSRF=$(field csrf)
check "... with its CSRF token" test ${#DCSRF} -eq 64
check "... offering both demo keys" bash -c 'grep -q "value=\"ec-p256\"" "$1" && grep -q "value=\"rsa3072\"" "$1"' _ "$PP_TMP/body"
post "$J" /demo/sca/start "label=hello.txt&text=Hello&key_type=ec-p256"
expect "starting without the CSRF token is refused" 403

# sign KEY_TYPE TEXT LABEL: the whole flow; leaves the demo's result page in BODY.
sign() {
	post "$J" /demo/sca/start "csrf=$DCSRF&label=$3&text=$2&key_type=$1"
	expect "[$1] the demo SCA starts the flow" 303
	local loc authz t
	loc=$(header Location)
	check "[$1] ... at the service's oauth2/authorize with PKCE and RAR" \
		bash -c "grep -q '^$PUB/csc/v2/oauth2/authorize?' <<<'$loc' && grep -q 'code_challenge_method=S256' <<<'$loc' && grep -q 'authorization_details=' <<<'$loc'"
	go "$J" "$loc"
	expect "[$1] the service opens the request" 303
	authz=$(header Location)
	go "$J" "$authz"
	expect "[$1] the signatory sees the document's name" 200 "$3"
	t=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1)
	post "$J" "$authz/method" "method=sms&csrf=$t"
	expect "[$1] a code is sent" 303
	go "$J" /demo/phone
	expect "[$1] the demo phone shows the message" 200 "Demo phone"
	local code
	code=$(newest_code)
	check "[$1] ... with the code in it" grep -q "$code" <<<"$BODY"
	post "$J" "$authz/otp" "csrf=$t&action=verify&otp=$code"
	expect "[$1] the code is accepted" 303
	post "$J" "$authz/approve" "csrf=$t&consent=true"
	expect "[$1] the signatory approves" 200
	go "$J" "$(back_link)"
}

# --- 2. ECDSA P-256: sign, then verify what the page shows with openssl.
sign ec-p256 "Hello, world" "hello.txt"
expect "[ec-p256] the demo SCA shows the result" 200 "Signed."
sed -n 's/.*<pre class="wrap">\([^<]*\)<\/pre>.*/\1/p' <<<"$BODY" | base64 -d >"$PP_TMP/sig.der"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' <<<"$BODY" >"$PP_TMP/cert.pem"
printf '%s' "Hello, world" >"$PP_TMP/document.txt"
openssl x509 -in "$PP_TMP/cert.pem" -pubkey -noout >"$PP_TMP/pub.pem" 2>/dev/null
check "the signature the page shows verifies with the certificate it shows (openssl dgst -verify)" \
	openssl dgst -sha256 -verify "$PP_TMP/pub.pem" -signature "$PP_TMP/sig.der" "$PP_TMP/document.txt"
printf '%s' "Hello, world!" >"$PP_TMP/other.txt"
check "... and not another text" bash -c "! openssl dgst -sha256 -verify '$PP_TMP/pub.pem' -signature '$PP_TMP/sig.der' '$PP_TMP/other.txt' >/dev/null 2>&1"
check "... the certificate is the demo signatory's credential" grep -q "$(jq -r '.demo.credentials["ec-p256"]' "$DEMO")" "$PP_TMP/body"
check "the page gives the openssl commands" grep -q "openssl dgst -sha256 -verify pub.pem -signature signature.der document.txt" "$PP_TMP/body"

# --- 3. RSA-3072 too.
sign rsa3072 "Lease" "lease.txt"
expect "[rsa3072] the demo SCA shows the result" 200 "Signed."
sed -n 's/.*<pre class="wrap">\([^<]*\)<\/pre>.*/\1/p' <<<"$BODY" | base64 -d >"$PP_TMP/sig2.der"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' <<<"$BODY" >"$PP_TMP/cert2.pem"
printf '%s' "Lease" >"$PP_TMP/lease.txt"
openssl x509 -in "$PP_TMP/cert2.pem" -pubkey -noout >"$PP_TMP/pub2.pem" 2>/dev/null
check "[rsa3072] the signature verifies with openssl" \
	openssl dgst -sha256 -verify "$PP_TMP/pub2.pem" -signature "$PP_TMP/sig2.der" "$PP_TMP/lease.txt"

# --- 4. A state comes back once.
go "$J" "/demo/sca/callback?code=AAAA&state=00000000000000000000000000000000"
expect "an unknown state is refused with a readable page" 400 'role="alert"'

# --- 5. Cancelling comes back to the demo SCA as access_denied.
post "$J" /demo/sca/start "csrf=$DCSRF&label=no.txt&text=No&key_type=ec-p256"
go "$J" "$(header Location)"
AUTHZ=$(header Location)
go "$J" "$AUTHZ"
T=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1)
post "$J" "$AUTHZ/cancel" "csrf=$T"
expect "the signatory cancels" 200
go "$J" "$(back_link)"
expect "the demo SCA says the signatory cancelled" 200 "The signatory cancelled."

# --- 6. Without demo mode the demo process does not run.
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
pp_conf_set service demo false
"$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$top_builddir" >/dev/null 2>&1
check "the instance restarts without demo mode" test $? -eq 0
check "... and without the demo process" test ! -e "$STATE/run/demo.pid"
http GET "$PUB/demo/sca"
expect "... /demo/ answers unavailable" 503
check "the demo program refuses to start without demo mode" \
	bash -c "! timeout 20 '$top_builddir/demo/paraphe-demo' -c '$STATE/paraphe.conf' >'$PP_TMP/nodemo.log' 2>&1 && grep -q 'service.demo' '$PP_TMP/nodemo.log'"

pp_finish
