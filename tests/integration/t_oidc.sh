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

pp_finish
