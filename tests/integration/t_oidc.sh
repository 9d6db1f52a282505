#!/usr/bin/env bash
# OpenID Connect login (AUTH-1, AUTH-3, AUTH-4): the stand-in provider the
# supervisor starts (tests/tools/pp-test-idp), the signer's login-token key
# in its own token, and the login through the signer pages with every
# refusal of the issue.
. "$(dirname "$0")/lib.sh"

pp_init
pp_start
CONF=$STATE/paraphe.conf
CTL=$STATE/idp/control
jqt() { jq -e "$@" >/dev/null; }

# ---------------------------------------------------------------- the key and the secrets
mode_of() { stat -c %a "$1"; }
check "web.pin is owner-only" [ "$(mode_of "$STATE/hsm/web.pin")" = 600 ]
check "the OIDC client secret is owner-only" [ "$(mode_of "$STATE/hsm/oidc-client-secret")" = 600 ]
check "sam.login_key_file is written" [ -s "$STATE/hsm/login-key.pem" ]
check "the login key is an EC P-256 public key" \
	bash -c "openssl pkey -pubin -in '$STATE/hsm/login-key.pem' -noout -text | grep -q 'NIST CURVE: P-256'"
LIST=$("$top_builddir/tests/tools/pp-test-p11" -c "$CONF" oidc list) || LIST=""
check "the login key is in token paraphe-web: private, sensitive, never extractable, sign only" \
	pp_p11_has "$LIST" class=private key_type=ec label=paraphe-login sensitive=1 extractable=0 \
	never_extractable=1 sign=1 decrypt=0 unwrap=0 derive=0
check "the SAM's token does not hold it" \
	bash -c "! '$top_builddir/tests/tools/pp-test-p11' -c '$CONF' sam list | grep -q label=paraphe-login"
# Re-initialising keeps the token, its key and the file.
before=$(sha256sum <"$STATE/hsm/login-key.pem")
pin_before=$(sha256sum <"$STATE/hsm/web.pin")
"$top_srcdir/scripts/paraphe-init" "$STATE" "$BASE" "$top_srcdir" "$top_builddir" >"$PP_TMP/reinit.log" 2>&1
check "paraphe-init again succeeds" [ $? -eq 0 ]
check "re-initialisation keeps the login key" [ "$(sha256sum <"$STATE/hsm/login-key.pem")" = "$before" ]
check "re-initialisation keeps the PIN" [ "$(sha256sum <"$STATE/hsm/web.pin")" = "$pin_before" ]
LIST=$("$top_builddir/tests/tools/pp-test-p11" -c "$CONF" oidc list) || LIST=""
check "still one login key" [ "$(pp_p11_count "$LIST" class=private label=paraphe-login)" = 1 ]

check "demo.json names the provider, its control file and the login key" \
	jqt --arg iss "$IDP" --arg ctl "$CTL" '.oidc.issuer == $iss and .oidc.control == $ctl and
	(.oidc.login_key | endswith("/hsm/login-key.pem")) and .hsm.tokens.web == "paraphe-web"' "$STATE/demo.json"

# ---------------------------------------------------------------- the stand-in provider
check "the supervisor started the stand-in provider" \
	bash -c "'$top_srcdir/scripts/paraphe-supervise' status '$STATE' | grep -q '^idp .*running'"
http GET "$IDP/.well-known/openid-configuration"
expect "discovery document" 200 "\"issuer\":\"$IDP\""
http GET "$IDP/jwks"
expect "JWK set" 200 '"kty":"EC"'

CLIENT_ID=$("$top_builddir/tools/paraphe-config" -c "$CONF" get oidc.client_id)
REDIRECT=$("$top_builddir/tools/paraphe-config" -c "$CONF" get oidc.redirect_uri)
SECRET=$(cat "$STATE/hsm/oidc-client-secret")
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
VERIFIER=$(head -c 32 /dev/urandom | basenc --base64url | tr -d '=')
CHALLENGE=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
# idp_code: the stand-in's login page, its button; sets code from the redirect.
idp_code() {
	local q req
	q="response_type=code&client_id=$(urlenc "$CLIENT_ID")&redirect_uri=$(urlenc "$REDIRECT")&scope=openid"
	q="$q&state=st1&nonce=n1&code_challenge=$CHALLENGE&code_challenge_method=S256"
	http GET "$IDP/authorize?$q"
	req=$(sed -n 's/.*name="req" value="\([^"]*\)".*/\1/p' <<<"$BODY")
	http POST "$IDP/authorize" -d "req=$req"
	code=$(sed -n 's/^[Ll]ocation: .*[?&]code=\([^&]*\).*/\1/p' <<<"$HEADERS" | tr -d '\r')
}
idp_code
check "the stand-in redirects to the registered URI with a code and the state" \
	grep -q "^[Ll]ocation: $REDIRECT?code=.*&state=st1" <<<"$HEADERS"
http POST "$IDP/token" -u "$CLIENT_ID:wrong" -d "grant_type=authorization_code&code=$code&redirect_uri=$(urlenc "$REDIRECT")&code_verifier=$VERIFIER"
expect "the token endpoint refuses a wrong client secret" 401 invalid_client
idp_code
http POST "$IDP/token" -u "$CLIENT_ID:$SECRET" -d "grant_type=authorization_code&code=$code&redirect_uri=$(urlenc "$REDIRECT")&code_verifier=${VERIFIER}x"
expect "the token endpoint checks PKCE" 400 invalid_grant
idp_code
http POST "$IDP/token" -u "$CLIENT_ID:$SECRET" -d "grant_type=authorization_code&code=$code&redirect_uri=$(urlenc "$REDIRECT")&code_verifier=$VERIFIER"
expect "code, client secret and PKCE verifier give an ID token" 200 '"id_token":"'
http POST "$IDP/token" -u "$CLIENT_ID:$SECRET" -d "grant_type=authorization_code&code=$code&redirect_uri=$(urlenc "$REDIRECT")&code_verifier=$VERIFIER"
expect "a code is good once" 400 invalid_grant

# ---------------------------------------------------------------- the signer's OIDC client
# Through tests/tools/pp-test-oidc (fcgi/signer/signer_oidc.c compiled in),
# against the stand-in: the same code the plugin runs.
OIDC=$top_builddir/tests/tools/pp-test-oidc
AUTHZ=0123456789abcdef0123456789abcdef
OCONF=$CONF OIDP=$IDP
# oidc_login FAULT [SUBJECT]: the stand-in told who logs in and which fault
# to make; begin, the stand-in's page and button, the callback's state
# checked, finish.  Sets OUT (pp-test-oidc's answer) and RC.
oidc_login() {
	printf 'subject=%s\nfault=%s\n' "${2:-demo-signatory}" "$1" >"$CTL"
	local b url st no ve req loc
	b=$("$OIDC" -c "$OCONF" begin 2>>"$PP_TMP/oidc.log") || { OUT="begin failed"; RC=9; return; }
	url=$(jq -r .url <<<"$b") st=$(jq -r .state <<<"$b") no=$(jq -r .nonce <<<"$b") ve=$(jq -r .verifier <<<"$b")
	url_seen=$url
	http GET "$url"
	req=$(sed -n 's/.*name="req" value="\([^"]*\)".*/\1/p' <<<"$BODY")
	http POST "$OIDP/authorize" -d "req=$req"
	loc=$(sed -n 's/^[Ll]ocation: //p' <<<"$HEADERS" | tr -d '\r')
	[[ $loc == "$REDIRECT?"*"&state=$st" ]] || { OUT="callback without the state: $loc"; RC=8; return; }
	code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$loc")
	OUT=$("$OIDC" -c "$OCONF" finish "$code" "$no" "$ve" "$AUTHZ" 2>>"$PP_TMP/oidc.log")
	RC=$?
	LAST_NONCE=$no LAST_VERIFIER=$ve
}

oidc_login none
check "the authorization request carries client, redirect URI, state, nonce and PKCE S256" \
	bash -c 'grep -q "code_challenge_method=S256" <<<"$1" && grep -q "nonce=" <<<"$1"' _ "$url_seen"
if [ $RC -eq 0 ]; then ok "an ID token from the provider gives a login token"; else not_ok "an ID token from the provider gives a login token" "$OUT"; fi
TOKEN=$(jq -r '.login_token // empty' <<<"$OUT")
CLAIMS=$("$OIDC" verify "$STATE/hsm/login-key.pem" "$TOKEN" 2>/dev/null) || CLAIMS=""
check "the login token verifies with sam.login_key_file (ES256, typ paraphe-login+jwt)" [ -n "$CLAIMS" ]
check "it names the identity, the request, the issuer and the acr" \
	jqt --arg iss "$IDP" --arg a "$AUTHZ" \
	'.idp_sub == "demo-signatory" and .authz == $a and .iss == $iss and .acr == "substantial"' <<<"${CLAIMS:-null}"
check "it lives 120 s and has a 128-bit jti" \
	jqt '(.exp - .iat) == 120 and (.jti | test("^[0-9a-f]{32}$")) and (.auth_time | type) == "number"' \
	<<<"${CLAIMS:-null}"
OUT=$("$OIDC" -c "$CONF" finish "$code" "$LAST_NONCE" "$LAST_VERIFIER" "$AUTHZ" 2>>"$PP_TMP/oidc.log")
check "a code is exchanged once" jqt '.error == "PP_ERR_BAD_REQUEST" and (.detail | test("refused the code"))' <<<"$OUT"

# Each fault of the ID token: refused, with a reason for the audit record.
# refused FAULT ERROR DETAIL_REGEX
refused() {
	oidc_login "$1"
	if [ $RC -ne 1 ]; then
		not_ok "an ID token with $1 is refused" "rc $RC: $OUT"
	elif ! jq -e --arg e "$2" --arg d "$3" '.error == $e and (.detail | test($d))' <<<"$OUT" >/dev/null; then
		not_ok "an ID token with $1 is refused" "$OUT"
	else
		ok "an ID token with $1 is refused ($2)"
	fi
}
refused bad-signature PP_ERR_TOKEN_INVALID signature
refused wrong-audience PP_ERR_TOKEN_INVALID aud
refused expired PP_ERR_TOKEN_EXPIRED expired
refused wrong-nonce PP_ERR_TOKEN_INVALID nonce
refused wrong-acr PP_ERR_FORBIDDEN acr
refused wrong-issuer PP_ERR_TOKEN_INVALID issuer
# A key the provider rolled: the client fetches the JWK set once more, and
# refuses a kid still unknown.
jwks_gets() { grep -c 'GET /jwks ' "$STATE/log/idp.log"; }
n0=$(jwks_gets)
refused unknown-kid PP_ERR_TOKEN_INVALID "no key"
check "an unknown kid makes the client fetch the JWK set again, once" [ $(($(jwks_gets) - n0)) -eq 2 ]
# Another subject passes the provider's checks: the SAM refuses it against
# the enrolled idp_subject (AUTH-3).
oidc_login other-subject
check "another subject is carried as it is, for the SAM to compare" \
	bash -c '"$1" verify "$2" "$(jq -r .login_token <<<"$3")" | jq -e ".idp_sub == \"demo-signatory-other\"" >/dev/null' \
	_ "$OIDC" "$STATE/hsm/login-key.pem" "$OUT"
printf 'fault=none\n' >"$CTL"

# A provider signing with RS256: a second stand-in (--rs256) and a copy of
# the configuration naming it.
BASE2=$(pp_pick_base)
OIDP=https://127.0.0.1:$BASE2 OCONF=$PP_TMP/rs256.conf
sed "/^\[oidc\]/,/^\[/s|^issuer = .*|issuer = $OIDP|" "$CONF" >"$OCONF"
"$top_builddir/tests/tools/pp-test-idp" --issuer "$OIDP" --cert "$PKI/server/localhost-fullchain.pem" \
	--key "$PKI/server/localhost.key" --client-id "$CLIENT_ID" --client-secret-file "$STATE/hsm/oidc-client-secret" \
	--redirect-uri "$REDIRECT" --control "$CTL" --ready-file "$PP_TMP/idp2.ready" --rs256 >"$PP_TMP/idp2.log" 2>&1 &
IDP2_PID=$!
trap 'kill $IDP2_PID 2>/dev/null; pp_down' EXIT
if wait_for 10 test -s "$PP_TMP/idp2.ready"; then
	http GET "$OIDP/.well-known/openid-configuration"
	expect "the second stand-in signs with RS256" 200 '"id_token_signing_alg_values_supported":["RS256"]'
	oidc_login none
	check "an RS256 ID token gives a login token" jqt '.login_token | length > 0' <<<"$OUT"
	refused bad-signature PP_ERR_TOKEN_INVALID signature
else
	not_ok "the RS256 stand-in starts" "$(cat "$PP_TMP/idp2.log")"
fi
kill $IDP2_PID 2>/dev/null
OIDP=$IDP OCONF=$CONF

# A wrong verifier: the provider refuses the code (PKCE).
b=$("$OIDC" -c "$CONF" begin 2>>"$PP_TMP/oidc.log")
http GET "$(jq -r .url <<<"$b")"
req=$(sed -n 's/.*name="req" value="\([^"]*\)".*/\1/p' <<<"$BODY")
http POST "$IDP/authorize" -d "req=$req"
code=$(sed -n 's/^[Ll]ocation: .*[?&]code=\([^&]*\).*/\1/p' <<<"$HEADERS" | tr -d '\r')
OUT=$("$OIDC" -c "$CONF" finish "$code" "$(jq -r .nonce <<<"$b")" "$(jq -r .verifier <<<"$b")x" "$AUTHZ" 2>>"$PP_TMP/oidc.log")
check "a code with another PKCE verifier is refused" jqt '.error == "PP_ERR_BAD_REQUEST"' <<<"$OUT"

# The demo signatory is enrolled with the stand-in's default identity.
check "demo-enrol gives the demo signatory an idp_subject" \
	bash -c '"$1/scripts/demo-enrol" "$2" >"$3/enrol.log" 2>&1' _ "$top_srcdir" "$STATE" "$PP_TMP"
http GET "$SCA/ra/v1/signatories/demo-signatory" "${SCA_CERT[@]}"
expect "its idp_subject is the stand-in's default subject" 200 '"idp_subject":"demo-signatory"'

# ---------------------------------------------------------------- through the signer pages
# The whole flow as a browser does it: oauth2/authorize, the method oidc,
# the stand-in's page and button, /oidc/callback (authz.login in the SAM),
# approval, the SCA's code exchange and one signHash; then every refusal of
# the issue, each a generic page, an audit record, and no approval.
CB=http://127.0.0.1/callback
SHA256=2.16.840.1.101.3.4.2.1
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')
EC=$(jq -r '.demo.credentials["ec-p256"] // empty' "$STATE/demo.json")
b64url() { basenc --base64url -w0 | tr -d '='; }
digest() { printf '%s' "$1" | openssl dgst -sha256 -binary | b64url; }
header() { grep -i "^$1:" <<<"$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
csrf() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1; }
H1=$(digest "oidc contract") H2=$(digest "oidc annex")
VER=$(head -c 48 /dev/urandom | b64url)
CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | b64url)
# signer_authorize JAR STATE: a CSC oauth2/authorize for two hashes of the
# demo signatory's EC credential; sets AUTHZ.
signer_authorize() {
	http GET "$PUB/csc/v2/oauth2/authorize" -c "$1" -b "$1" -G \
		--data-urlencode response_type=code --data-urlencode client_id=demo-sca \
		--data-urlencode "redirect_uri=$CB" --data-urlencode scope=credential \
		--data-urlencode "credentialID=$EC" --data-urlencode numSignatures=2 \
		--data-urlencode "hashes=$H1,$H2" --data-urlencode "hashAlgorithmOID=$SHA256" \
		--data-urlencode "code_challenge=$CHAL" --data-urlencode code_challenge_method=S256 \
		--data-urlencode "state=$2"
	AUTHZ=$(header Location | sed -n 's|^/sign/\([0-9a-f]\{32\}\)$|\1|p')
}
# signer_oidc JAR FAULT [SUBJECT]: authorize, method oidc, the stand-in's
# login (with that fault and subject); sets CALLBACK (the URL the provider
# sends the browser to) and AUTHZ, T (the CSRF token).
signer_oidc() {
	printf 'subject=%s\nfault=%s\n' "${3:-demo-signatory}" "$2" >"$CTL"
	CALLBACK=""
	signer_authorize "$1" "st-$2"
	http GET "$PUB/sign/$AUTHZ" -c "$1" -b "$1"
	T=$(csrf)
	http POST "$PUB/sign/$AUTHZ/method" -c "$1" -b "$1" "${FORM[@]}" --data "method=oidc&csrf=$T"
	local loc req
	loc=$(header Location)
	[[ $loc == "$IDP/authorize?"* ]] || return 1
	http GET "$loc"
	req=$(sed -n 's/.*name="req" value="\([^"]*\)".*/\1/p' <<<"$BODY")
	http POST "$IDP/authorize" -d "req=$req"
	CALLBACK=$(header Location)
}
# audited AUTHZ OUTCOME CAUSE_REGEX: the collector received a signatory.auth
# record of that request, method oidc, with that outcome and cause.
audited() {
	grep -F "\"correlation\":\"$1\"" "$STATE/log/collector.log" | grep -F ' signatory.auth ' |
		grep -F '"auth_method":"oidc"' | grep -F "\"outcome\":\"$2\"" | grep -qE "\"cause\":\"[^\"]*$3"
}

J1=$PP_TMP/jar-oidc
signer_oidc "$J1" none
# The SAM answers an op it has (even refusing it) and closes the
# connection on one it does not.
SAM_LOGIN=$("$top_builddir/tests/tools/pp-test-sam" "$STATE/run/sam.sock" \
	'{"v":1,"op":"authz.login","authz":"00000000000000000000000000000000","token":"x","ip":"127.0.0.1"}' 2>&1) ||
	SAM_LOGIN=""
if [ -z "$CALLBACK" ] || [ -z "$SAM_LOGIN" ]; then
	not_ok "the signer pages offer OIDC (method oidc: $CODE) and the SAM answers authz.login" "${SAM_LOGIN:-no answer}"
else
	check "method oidc sends the browser to the provider, then back to /oidc/callback" \
		grep -q "^$PUB/oidc/callback?code=" <<<"$CALLBACK"
	http GET "$CALLBACK" -c "$J1" -b "$J1"
	expect "the callback authenticates (authz.login) and leads to the approval" 303
	check "... /sign/{authz}/approve" test "$(header Location)" = "/sign/$AUTHZ/approve"
	http GET "$PUB/sign/$AUTHZ/approve" -c "$J1" -b "$J1"
	expect "the approval page" 200 "Sign these 2 documents"
	T=$(csrf)
	http POST "$PUB/sign/$AUTHZ/approve" -c "$J1" -b "$J1" "${FORM[@]}" --data "csrf=$T&consent=true"
	expect "approval answers with the receipt" 200 "Signature approved"
	BACK=$(sed -n 's/.*id="back" href="\([^"]*\)".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g')
	CODE_A=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$BACK")
	http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" "${FORM[@]}" --data-urlencode grant_type=authorization_code \
		--data-urlencode client_id=demo-sca --data-urlencode "code=$CODE_A" --data-urlencode "code_verifier=$VER" \
		--data-urlencode "redirect_uri=$CB"
	expect "the SCA exchanges the code for its SAD" 200 '"token_type":"SAD"'
	SAD=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$BODY")
	HB1=$(printf '%s' "$H1" | tr -- '-_' '+/')= HB2=$(printf '%s' "$H2" | tr -- '-_' '+/')=
	SIGN="{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":[\"$HB1\",\"$HB2\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}"
	http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" -H 'Content-Type: application/json' --data-binary "$SIGN"
	expect "signHash signs with the SAD of an OIDC login" 200 '"signatures":['
	http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" -H 'Content-Type: application/json' --data-binary "$SIGN"
	expect_json_error "... once" 403 access_denied
	check "the login is audited with the request" audited "$AUTHZ" success ""

	# Every refusal: a generic page (the reason is not shown), an audit
	# record of the request, and no approval.
	# refused_page FAULT CAUSE_REGEX [SUBJECT]
	refused_page() {
		local jar=$PP_TMP/jar-$1-${3:-x} cause=$2
		signer_oidc "$jar" "$1" "${3:-}"
		http GET "$CALLBACK" -c "$jar" -b "$jar"
		if [ "$CODE" = 303 ] && [ "$(header Location)" = "/sign/$AUTHZ/approve" ]; then
			not_ok "an ID token with $1 is refused by the pages" "it led to the approval"
			return
		fi
		if [[ $BODY == *nonce* || $BODY == *signature\ does* || $BODY == *aud/azp* || $BODY == *idp_sub* ]]; then
			not_ok "an ID token with $1 is refused by the pages" "the page shows the reason: ${BODY:0:300}"
			return
		fi
		ok "an ID token with $1 is refused by the pages with a generic page ($CODE)"
		wait_for 5 audited "$AUTHZ" failure "$cause" && ok "... and audited with the reason" ||
			not_ok "... and audited with the reason" "no failure record of $AUTHZ with a cause matching '$cause'"
		http GET "$PUB/sign/$AUTHZ/approve" -c "$jar" -b "$jar"
		[ "$CODE" != 200 ] && ok "... and the request stays unapproved" || not_ok "... and the request stays unapproved"
	}
	refused_page bad-signature "signature"
	refused_page wrong-audience "aud"
	refused_page expired "expired"
	refused_page wrong-nonce "nonce"
	refused_page wrong-acr "acr"
	refused_page wrong-issuer "issuer"
	# Identity mismatch (AUTH-3): the SAM refuses another subject than the
	# enrolled idp_subject.
	refused_page other-subject "subject"
	refused_page none "subject" someone-else
	# State mismatch: the provider's answer with another state.
	JS=$PP_TMP/jar-state
	signer_oidc "$JS" none
	http GET "$(sed 's/&state=[^&]*/\&state=forged/' <<<"$CALLBACK")" -c "$JS" -b "$JS"
	if [ "$CODE" = 303 ] && [ "$(header Location)" = "/sign/$AUTHZ/approve" ]; then
		not_ok "a callback with another state is refused" "it led to the approval"
	else
		ok "a callback with another state is refused ($CODE)"
	fi
	check "... and audited with the reason" audited "$AUTHZ" failure "state"
	http GET "$PUB/sign/$AUTHZ/approve" -c "$JS" -b "$JS"
	[ "$CODE" != 200 ] && ok "... and the request stays unapproved" || not_ok "... and the request stays unapproved"
	# A callback in another browser (no session for that state).
	signer_oidc "$PP_TMP/jar-x" none
	http GET "$CALLBACK" -c "$PP_TMP/jar-other" -b "$PP_TMP/jar-other"
	[ "$CODE" != 303 ] && ok "a callback without the browser session is refused ($CODE)" ||
		not_ok "a callback without the browser session is refused" "$(header Location)"
	printf 'fault=none\n' >"$CTL"
	# The provider unreachable when the browser comes back: 503, and the
	# failed authentication recorded.
	JU=$PP_TMP/jar-unreachable
	signer_oidc "$JU" none
	idp_pid=$(cat "$STATE/run/idp.pid")
	kill -TERM "$idp_pid"
	wait_for 10 bash -c "! kill -0 $idp_pid 2>/dev/null"
	http GET "$CALLBACK" -c "$JU" -b "$JU"
	expect "a provider unreachable at the callback gives a 503 page" 503
	check "... and the failed authentication is audited" wait_for 5 audited "$AUTHZ" failure "OpenID Connect"
	http GET "$PUB/sign/$AUTHZ/approve" -c "$JU" -b "$JU"
	[ "$CODE" != 200 ] && ok "... and the request stays unapproved" || not_ok "... and the request stays unapproved"
fi

pp_finish
