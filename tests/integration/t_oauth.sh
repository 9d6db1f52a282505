#!/usr/bin/env bash
# Authorisation requests (docs/AUTHZ.md) through real nginx and the real
# SAM: the SCA API's oauth2/pushed_authorize, oauth2/token,
# credentials/authorize and credentials/authorizeCheck, with the signer
# pages' steps driven directly on the SAM's socket with pp-test-sam
# (authz.create as oauth2/authorize makes it, authz.get, authz.otp_send,
# the code read from the SMS spool, authz.otp_verify, authz.approve), so
# that this test does not depend on the pages.  The SAD then signs through
# signatures/signHash exactly once; PKCE, code replay (which revokes the
# SAD), redirect URIs, clients, expiry, cancellation, notaries, PAR, RAR
# labels and the audit records are checked on the way.
. "$(dirname "$0")/lib.sh"

pp_init
# The other SCA may use the loopback redirect URI too: its refusals below
# are then about the credential and the code, not the URI.
pp_client_set other-sca redirect_uris '["http://127.0.0.1/callback"]'
pp_start
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
J=(-H 'Content-Type: application/json')
OTHER_CERT=(--cert "$PKI/sca/sca-other.crt" --key "$PKI/sca/sca-other.key")
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2
CB=http://127.0.0.1/callback
NOTARY="CN=Maitre Dupont,O=Notaires de France,C=FR"

forwarded() { grep -q -- "$1" "$STATE/log/collector.log" 2>/dev/null; }
db() { sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "$1"; }
post() {
	local path=$1 body=$2
	shift 2
	[ $# -eq 0 ] && set -- "${SCA_CERT[@]}"
	http POST "$SCA$path" "$@" "${J[@]}" --data-binary "$body"
}
# form PATH CERT... -- NAME=VALUE...: an x-www-form-urlencoded POST.
form() {
	local path=$1 args=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	for kv in "$@"; do args+=(--data-urlencode "$kv"); done
	http POST "$SCA$path" "${args[@]}"
}
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$top_builddir/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
has() {
	if [[ $ANS == *"$2"* ]]; then ok "$1"; else not_ok "$1" "answer lacks '$2': ${ANS:0:400}"; fi
}
# h NAME: base64 SHA-256 of the document NAME; hu NAME: base64url of it.
h() {
	printf 'document %s\n' "$1" >"$PP_TMP/$1.txt"
	openssl dgst -sha256 -binary "$PP_TMP/$1.txt" | base64 -w0
}
hu() { h "$1" | tr '+/' '-_' | tr -d '='; }
# PKCE: a fresh verifier in V and its S256 challenge in C.
pkce() {
	V=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n' | head -c 64)
	C=$(printf '%s' "$V" | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
}
otp_of() { tail -n +4 "$SPOOL/paraphe-$1" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6; }
# authn AUTHZ [NOTARY]: the signatory authenticates by SMS OTP.
authn() {
	local n=""
	[ -n "${2:-}" ] && n=",\"notary\":\"$2\""
	sam "{\"v\":1,\"op\":\"authz.otp_send\",\"authz\":\"$1\",\"ip\":\"192.0.2.7\"$n}"
	OTP_ID=$(amember otp_id)
	sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$1\",\"otp_id\":\"$OTP_ID\",\"otp\":\"$(otp_of "$OTP_ID")\",\"ip\":\"192.0.2.7\"$n}"
}
approve() { sam "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"$1\",\"consent\":true,\"ip\":\"192.0.2.7\"}"; }
# redirect_req DOCS_JSON: what oauth2/authorize makes (mode redirect); sets AZ.
redirect_req() {
	pkce
	sam "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"demo-sca\",\"mode\":\"redirect\",\"redirect_uri\":\"$CB\",\"credential\":\"$EC\",\"hash_algo\":\"$SHA256\",\"documents\":$1,\"num_signatures\":$2,\"code_challenge\":\"$C\",\"code_challenge_method\":\"S256\",\"state\":\"st-1\",\"ip\":\"192.0.2.7\"}"
	AZ=$(amember authz)
}
# token CODE VERIFIER [REDIRECT [CLIENT [CERT...]]]
token() {
	local code=$1 ver=$2 uri=${3:-$CB} cid=${4:-demo-sca}
	shift 4 2>/dev/null || shift $#
	[ $# -eq 0 ] && set -- "${SCA_CERT[@]}"
	form /csc/v2/oauth2/token "$@" -- grant_type=authorization_code "client_id=$cid" "code=$code" \
		"code_verifier=$ver" "redirect_uri=$uri"
}
sign() {
	post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$1\",\"hashes\":[$2],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
}

# --- a signatory and a credential, through the RA routes.
post /ra/v1/signatories '{"id":"sig-001","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-001"'
post /ra/v1/credentials '{"signatory":"sig-001","key_type":"ec-p256"}'
expect "an EC P-256 credential" 201 '"state":"ACTIVE"'
EC=$(bmember id)

http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "info lists the authorisation methods" 200 '"credentials/authorize","credentials/authorizeCheck","oauth2/pushed_authorize","oauth2/token"'

# --- the redirect flow: request, authentication, approval, token, signHash once.
D1=$(h d1) D2=$(h d2)
redirect_req "[{\"hash\":\"$D1\",\"label\":\"Contrat de bail.pdf\"},{\"hash\":\"$D2\"}]" 2
check "authz.create answers a 32-hex request id" grep -qE '^[0-9a-f]{32}$' <<<"$AZ"
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZ\"}"
has "authz.get shows the request" '"status":"NEW","mode":"redirect","client_id":"demo-sca","sca_name":"Paraphe Demo SCA"'
has "... the documents with their labels" "\"documents\":[{\"hash\":\"$D1\",\"label\":\"Contrat de bail.pdf\"},{\"hash\":\"$D2\"}]"
has "... the methods and the mobile hint" '"methods":["sms","sms_notary"],"mobile_hint":"78"'
has "... the credential" "\"credential\":{\"id\":\"$EC\",\"key_type\":\"ec-p256\",\"subject_cn\":\"Elodie Martin\",\"issuer_cn\":\"Paraphe Qualified CA\",\"serial\":"
# shown AUTHZ: how many "shown" records of the request the audit log holds
# (durable before the SAM answers, so exact at once).
shown() { sqlite3 -cmd ".timeout 5000" "$STATE/db/audit.db" "SELECT count(*) FROM records WHERE CAST(record AS TEXT) LIKE '%authorisation request shown%' AND CAST(record AS TEXT) LIKE '%\"correlation\":\"$1\"%'"; }
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZ\"}"
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZ\"}"
has "the request shown again" '"status":"NEW"'
check "... is recorded as shown once in its state, not per view ($(shown "$AZ"))" test "$(shown "$AZ")" -eq 1
approve "$AZ"
has "approval before authentication is refused" '"error":"access_denied"'
authn "$AZ"
has "the OTP authenticates the signatory" '"status":"AUTHENTICATED"'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZ\"}"
has "a request shown again and again (the SAM reuses its answer) shows its new state at once" '"status":"AUTHENTICATED"'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZ\"}"
has "... also the next time" '"status":"AUTHENTICATED"'
check "... and once more in its new state, the documents to approve ($(shown "$AZ"))" test "$(shown "$AZ")" -eq 2
sam "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"$AZ\",\"consent\":false}"
has "approval without consent is refused" '"error":"invalid_request"'
approve "$AZ"
CODE1=$(amember code)
has "the approval gives a code, the redirect URI and the state" "\"redirect_uri\":\"$CB\",\"state\":\"st-1\""
check "... a 43-character code" grep -qE '^[A-Za-z0-9_-]{43}$' <<<"$CODE1"
check "the SAM keeps only the code's SHA-256" test "$(db "SELECT count(*) FROM authz WHERE id = '$AZ' AND length(code_sha256) = 32 AND instr(hex(code_sha256), hex('$CODE1')) = 0")" = 1
V1=$V
token "$CODE1" "${V1}x"
expect_json_error "a wrong PKCE verifier is refused" 400 invalid_grant
token "$CODE1" "$V1" https://127.0.0.1/elsewhere
expect_json_error "another redirect_uri is refused" 400 invalid_grant
token "$CODE1" "$V1" "$CB" other-sca "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot redeem the code" 401 invalid_client
token "$CODE1" "$V1" "$CB" demo-sca "${OTHER_CERT[@]}"
expect_json_error "... not even naming the right client_id" 401 invalid_client
form /csc/v2/oauth2/token "${SCA_CERT[@]}" -- grant_type=password client_id=demo-sca "code=$CODE1" "code_verifier=$V1" "redirect_uri=$CB"
expect_json_error "another grant type is unsupported" 400 unsupported_grant_type
token "$CODE1" "$V1"
expect "the code and verifier give the SAD" 200 '"token_type":"SAD"'
SAD1=$(bmember access_token)
check "the SAD leaves the row once redeemed" test "$(db "SELECT count(*) FROM authz WHERE id = '$AZ' AND status = 'REDEEMED' AND sad IS NULL")" = 1
sign "$SAD1" "\"$D1\""
expect "the SAD signs the approved hash" 200 '"signatures":["'
sign "$SAD1" "\"$D1\""
expect_json_error "... exactly once" 403 access_denied
sign "$SAD1" "\"$(h other)\""
expect_json_error "... and only the approved hashes" 403 access_denied

# --- code replay: refused, and the SAD it gave is revoked.
token "$CODE1" "$V1"
expect_json_error "a code used twice is refused" 400 invalid_grant
sign "$SAD1" "\"$D2\""
expect_json_error "... and the SAD it gave no longer signs" 403 access_denied
check "... its unused row is burned REVOKED" test "$(db "SELECT burned_why FROM sad_hashes WHERE state = 'BURNED' AND sad = (SELECT sad_id FROM authz WHERE id = '$AZ')")" = REVOKED

# --- JSON body on the token endpoint, base64url hashes given as such.
redirect_req "[{\"hash\":\"$(h d3)\"}]" 1
authn "$AZ"
approve "$AZ"
post /csc/v2/oauth2/token "{\"grant_type\":\"authorization_code\",\"client_id\":\"demo-sca\",\"code\":\"$(amember code)\",\"code_verifier\":\"$V\",\"redirect_uri\":\"$CB\"}"
expect "the token endpoint takes a JSON body too" 200 '"access_token":"'

# --- clients and redirect URIs at creation.
pkce
sam "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"nobody\",\"mode\":\"redirect\",\"redirect_uri\":\"$CB\",\"credential\":\"$EC\",\"hash_algo\":\"$SHA256\",\"documents\":[{\"hash\":\"$D1\"}],\"num_signatures\":1,\"code_challenge\":\"$C\",\"code_challenge_method\":\"S256\"}"
has "an unknown client_id is refused" '"error":"access_denied"'
sam "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"demo-sca\",\"mode\":\"redirect\",\"redirect_uri\":\"http://127.0.0.1/callback2\",\"credential\":\"$EC\",\"hash_algo\":\"$SHA256\",\"documents\":[{\"hash\":\"$D1\"}],\"num_signatures\":1,\"code_challenge\":\"$C\",\"code_challenge_method\":\"S256\"}"
has "an unregistered redirect URI is refused" 'redirect_uri: not one of the client'
sam "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"other-sca\",\"mode\":\"redirect\",\"redirect_uri\":\"$CB\",\"credential\":\"$EC\",\"hash_algo\":\"$SHA256\",\"documents\":[{\"hash\":\"$D1\"}],\"num_signatures\":1,\"code_challenge\":\"$C\",\"code_challenge_method\":\"S256\"}"
has "another client cannot ask for the demo SCA's credential" '"error":"access_denied"'
token "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$V" "$CB" nobody
expect_json_error "an unknown code is refused" 400 invalid_grant

# --- an expired code: refused, and the SAD it would have given is burned.
redirect_req "[{\"hash\":\"$(h d4)\"}]" 1
authn "$AZ"
approve "$AZ"
CODE4=$(amember code)
db "UPDATE authz SET code_expires_ms = 1 WHERE id = '$AZ'"
token "$CODE4" "$V"
expect_json_error "an expired code is refused" 400 invalid_grant
check "... the request is EXPIRED and its SAD's rows burned" test "$(db "SELECT status || (SELECT count(*) FROM sad_hashes WHERE sad = authz.sad_id AND state = 'BURNED') FROM authz WHERE id = '$AZ'")" = EXPIRED1

# --- cancel: before and after approval.
redirect_req "[{\"hash\":\"$(h d5)\"}]" 1
authn "$AZ"
approve "$AZ"
CODE5=$(amember code)
sam "{\"v\":1,\"op\":\"authz.cancel\",\"authz\":\"$AZ\",\"ip\":\"192.0.2.7\"}"
has "the signatory cancels: back to the SCA" "\"redirect_uri\":\"$CB\",\"state\":\"st-1\""
token "$CODE5" "$V"
expect_json_error "a cancelled request's code is refused" 400 invalid_grant
approve "$AZ"
has "a cancelled request cannot be approved" '"error":"access_denied"'

# --- an expired request (sam.authz_lifetime_s).
redirect_req "[{\"hash\":\"$(h d6)\"}]" 1
db "UPDATE authz SET expires_ms = 1 WHERE id = '$AZ'"
authn "$AZ"
has "an expired request cannot be authenticated" '"error":"expired_token"'

# --- notary: the one present when the code was sent, at verification too.
redirect_req "[{\"hash\":\"$(h d7)\"}]" 1
sam "{\"v\":1,\"op\":\"authz.otp_send\",\"authz\":\"$AZ\",\"notary\":\"$NOTARY\",\"ip\":\"192.0.2.7\"}"
OTP_ID=$(amember otp_id)
sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$AZ\",\"otp_id\":\"$OTP_ID\",\"otp\":\"$(otp_of "$OTP_ID")\",\"notary\":\"CN=Someone Else,C=FR\"}"
has "another notary at verification is refused" 'notary: not the notary present'
sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$AZ\",\"otp_id\":\"$OTP_ID\",\"otp\":\"$(otp_of "$OTP_ID")\"}"
has "... so is no notary" 'notary: not the notary present'
sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$AZ\",\"otp_id\":\"$OTP_ID\",\"otp\":\"$(otp_of "$OTP_ID")\",\"notary\":\"$NOTARY\",\"ip\":\"192.0.2.7\"}"
has "the same notary: authenticated" '"status":"AUTHENTICATED"'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZ\"}"
has "... recorded as sms_notary with the notary" "\"auth_method\":\"sms_notary\",\"notary\":\"$NOTARY\""
NOTARY_AZ=$AZ
approve "$AZ"

# --- PAR, with RAR labels; the request_uri is only good with its client.
pkce
RAR="[{\"type\":\"credential\",\"credentialID\":\"$EC\",\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[{\"hash\":\"$(hu p1)\",\"label\":\"Offre de prêt\"},{\"hash\":\"$(h p2)\",\"label\":\"Annexe 1\"}]}]"
form /csc/v2/oauth2/pushed_authorize "${SCA_CERT[@]}" -- response_type=code client_id=demo-sca "redirect_uri=$CB" \
	"code_challenge=$C" code_challenge_method=S256 state=par-1 "authorization_details=$RAR"
expect "PAR answers a request_uri" 201 '"request_uri":"urn:ietf:params:oauth:request_uri:'
PAR=$(bmember request_uri | sed 's/.*://')
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$PAR\",\"client_id\":\"other-sca\"}"
has "the request_uri with another client_id is refused" '"error":"invalid_request"'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$PAR\",\"client_id\":\"demo-sca\"}"
has "with its own client it shows the RAR labels" "\"documents\":[{\"hash\":\"$(h p1)\",\"label\":\"Offre de prêt\"},{\"hash\":\"$(h p2)\",\"label\":\"Annexe 1\"}]"
has "... in mode par" '"mode":"par"'
authn "$PAR"
approve "$PAR"
token "$(amember code)" "$V"
expect "the PAR flow gives a SAD" 200 '"token_type":"SAD"'
SADP=$(bmember access_token)
sign "$SADP" "\"$(h p1)\",\"$(h p2)\""
expect "... which signs both documents" 200 '"signatures":["'
form /csc/v2/oauth2/pushed_authorize "${SCA_CERT[@]}" -- response_type=code client_id=other-sca "redirect_uri=$CB" \
	"code_challenge=$C" code_challenge_method=S256 "credentialID=$EC" numSignatures=1 "hashes=$(hu p3)" "hashAlgorithmOID=$SHA256"
expect_json_error "PAR naming another client than the certificate's is refused" 401 invalid_client
form /csc/v2/oauth2/pushed_authorize "${SCA_CERT[@]}" -- response_type=code client_id=demo-sca "redirect_uri=$CB" \
	"code_challenge=$C" code_challenge_method=S256 "credentialID=$EC" numSignatures=2 "hashes=$(hu p3),$(h p4)" "hashAlgorithmOID=$SHA256"
expect "PAR with comma-separated base64url and base64 hashes" 201 '"request_uri":"'
form /csc/v2/oauth2/pushed_authorize "${SCA_CERT[@]}" -- response_type=code client_id=demo-sca "redirect_uri=$CB" \
	"code_challenge=$C" code_challenge_method=S256 "credentialID=$EC" numSignatures=3 "hashes=$(hu p3),$(h p4)" "hashAlgorithmOID=$SHA256"
expect_json_error "... numSignatures must be the number of hashes" 400 invalid_request

# --- credentials/authorize: 202 with the link; authorizeCheck pending, then the SAD once.
post /csc/v2/credentials/authorize "{\"credentialID\":\"$EC\",\"numSignatures\":1,\"hashAlgorithmOID\":\"$SHA256\",\"description\":\"Avenant\",\"documentDigests\":[{\"hash\":\"$(h l1)\",\"label\":\"Avenant n°2\"}]}"
expect "credentials/authorize answers 202" 202 '"url":"https://127.0.0.1:'
AID=$(bmember authorizationID)
check "... with the link to the signer page" grep -q "\"url\":\"https://127.0.0.1:$BASE/sign/$AID\"" <<<"$BODY"
post /csc/v2/credentials/authorize "{\"credentialID\":\"$EC\",\"numSignatures\":1,\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[\"$(h l2)\"],\"authData\":[]}"
expect_json_error "authData is refused" 400 invalid_request
post /csc/v2/credentials/authorizeCheck "{\"authorizationID\":\"$AID\"}"
expect "authorizeCheck: pending" 202 '{"status":"pending"}'
post /csc/v2/credentials/authorizeCheck "{\"authorizationID\":\"$AID\"}" "${OTHER_CERT[@]}"
expect_json_error "another SCA cannot check it" 403 access_denied
authn "$AID"
post /csc/v2/credentials/authorizeCheck "{\"authorizationID\":\"$AID\"}"
expect "... still pending once authenticated" 202 '{"status":"pending"}'
approve "$AID"
has "the link request's approval gives no code" '"approved_ms":'
[[ $ANS != *'"code":'* ]] && ok "... indeed none" || not_ok "... indeed none" "$ANS"
post /csc/v2/credentials/authorizeCheck "{\"authorizationID\":\"$AID\"}"
expect "authorizeCheck: the SAD" 200 '"SAD":"'
SADL=$(bmember SAD)
post /csc/v2/credentials/authorizeCheck "{\"authorizationID\":\"$AID\"}"
expect_json_error "... only once" 403 access_denied
sign "$SADL" "\"$(h l1)\""
expect "the SAD of credentials/authorize signs" 200 '"signatures":["'

# --- OpenID Connect: the login token the signer plugin makes after the
# provider's ID token (the stand-in provider and the signer's client,
# driven by pp-test-oidc as in t_oidc), verified by the SAM (AUTH-3/4).
CONF=$STATE/paraphe.conf
OIDC=$top_builddir/tests/tools/pp-test-oidc
REDIRECT=$("$top_builddir/tools/paraphe-config" -c "$CONF" get oidc.redirect_uri)
# login_token SUBJECT AUTHZ: sets TOKEN (empty on failure).
login_token() {
	printf 'subject=%s\nfault=none\n' "$1" >"$STATE/idp/control"
	local b url st no ve req loc code
	b=$("$OIDC" -c "$CONF" begin) || { TOKEN=""; return; }
	url=$(jq -r .url <<<"$b") st=$(jq -r .state <<<"$b") no=$(jq -r .nonce <<<"$b") ve=$(jq -r .verifier <<<"$b")
	http GET "$url"
	req=$(sed -n 's/.*name="req" value="\([^"]*\)".*/\1/p' <<<"$BODY")
	http POST "$IDP/authorize" -d "req=$req"
	loc=$(sed -n 's/^[Ll]ocation: //p' <<<"$HEADERS" | tr -d '\r')
	code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$loc")
	TOKEN=$("$OIDC" -c "$CONF" finish "$code" "$no" "$ve" "$2" 2>>"$PP_TMP/oidc.log" | jq -r '.login_token // empty')
}
post /ra/v1/signatories '{"id":"sig-002","given_name":"Paul","surname":"Durand","country":"FR","serial_number":"IDCFR-654321","mobile":"+33612345679","evidence":"KYC-2","idp_subject":"demo-signatory"}'
expect "a signatory with an IdP subject" 201 '"id":"sig-002"'
post /ra/v1/credentials '{"signatory":"sig-002","key_type":"ec-p256"}'
EC2=$(bmember id)
pkce
sam "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"demo-sca\",\"mode\":\"redirect\",\"redirect_uri\":\"$CB\",\"credential\":\"$EC2\",\"hash_algo\":\"$SHA256\",\"documents\":[{\"hash\":\"$(h o1)\"}],\"num_signatures\":1,\"code_challenge\":\"$C\",\"code_challenge_method\":\"S256\"}"
AZO=$(amember authz)
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZO\"}"
has "oidc is offered to a signatory with an IdP subject" '"methods":["sms","sms_notary","oidc"]'
login_token someone-else "$AZO"
check "the provider's login for another identity gives a login token" test -n "$TOKEN"
sam "{\"v\":1,\"op\":\"authz.login\",\"authz\":\"$AZO\",\"token\":\"$TOKEN\",\"ip\":\"192.0.2.8\"}"
has "another identity than the enrolled one is refused (AUTH-3)" "subject is not the signatory's enrolled one"
login_token demo-signatory 00000000000000000000000000000000
sam "{\"v\":1,\"op\":\"authz.login\",\"authz\":\"$AZO\",\"token\":\"$TOKEN\"}"
has "a login token for another request is refused" 'issued for another authorisation request'
login_token demo-signatory "$AZO"
# One character of the signature changed (not the last: its low bits are padding).
c=${TOKEN: -20:1}
[ "$c" = A ] && c=B || c=A
BAD=${TOKEN:0:${#TOKEN}-20}$c${TOKEN: -19}
sam "{\"v\":1,\"op\":\"authz.login\",\"authz\":\"$AZO\",\"token\":\"$BAD\"}"
has "a login token with a bad signature is refused" '"error":"access_denied"'
sam "{\"v\":1,\"op\":\"authz.login\",\"authz\":\"$AZO\",\"token\":\"$TOKEN\",\"ip\":\"192.0.2.8\"}"
has "the enrolled identity's login token authenticates" '"status":"AUTHENTICATED"'
sam "{\"v\":1,\"op\":\"authz.login\",\"authz\":\"$AZO\",\"token\":\"$TOKEN\"}"
has "... once" '"error":'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$AZO\"}"
has "... recorded as oidc" '"auth_method":"oidc"'
check "the issuer is recorded with the request (SAD-4)" test "$(db "SELECT issuer FROM authz WHERE id = '$AZO'")" = "$IDP"
approve "$AZO"
token "$(amember code)" "$V"
expect "the OIDC-authenticated request gives a SAD" 200 '"token_type":"SAD"'
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC2\",\"SAD\":\"$(bmember access_token)\",\"hashes\":[\"$(h o1)\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "... which signs" 200 '"signatures":["'
check "sad.issue records the method and the IdP's issuer" \
	wait_for 10 forwarded "\"auth_method\":\"oidc\".*\"issuer\":\"$IDP\".*\"type\":\"sad.issue\""

# --- many documents: one message to the SAM and back (its member limit).
# (hashes as strings: documentDigests objects count against limits.max_fields)
docs=$(for i in $(seq 1 400); do printf '"%s",' "$(printf 'many %d' "$i" | openssl dgst -sha256 -binary | base64 -w0)"; done)
post /csc/v2/credentials/authorize "{\"credentialID\":\"$EC\",\"numSignatures\":400,\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[${docs%,}]}"
expect "400 documents in one request" 202 '"authorizationID":"'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$(bmember authorizationID)\"}"
check "... all shown by authz.get" test "$(grep -o '"hash":' <<<"$ANS" | wc -l)" = 400
# Labelled documents (two members each) within the default limits.
ldocs=$(for i in $(seq 1 250); do printf '{"hash":"%s","label":"Annexe %d.pdf"},' "$(printf 'label %d' "$i" | openssl dgst -sha256 -binary | base64 -w0)" "$i"; done)
post /csc/v2/credentials/authorize "{\"credentialID\":\"$EC\",\"numSignatures\":250,\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[${ldocs%,}]}"
expect "250 labelled documentDigests in one request (default limits)" 202 '"authorizationID":"'
sam "{\"v\":1,\"op\":\"authz.get\",\"authz\":\"$(bmember authorizationID)\"}"
check "... all shown with their labels" test "$(grep -o '"label":"Annexe [0-9]*.pdf"' <<<"$ANS" | wc -l)" = 250

# --- the audit records.
check "signatory.auth is recorded with the request and the client IP" \
	wait_for 10 forwarded "\"client_ip\":\"192.0.2.7\".*\"correlation\":\"$NOTARY_AZ\".*\"type\":\"signatory.auth\""
check "... with the notary present" wait_for 10 forwarded "\"present\":\\[\"$NOTARY\"\\].*\"type\":\"signatory.auth\""
check "sad.issue is recorded with the notary present and the method" \
	wait_for 10 forwarded "\"auth_method\":\"sms_notary\".*\"present\":\\[\"$NOTARY\"\\].*\"type\":\"sad.issue\""
check "the cancellation is recorded (sad.refuse)" \
	wait_for 10 forwarded '"cause":"the signatory cancelled the authorisation request".*"type":"sad.refuse"'
check "the code replay is recorded with what it burned" \
	wait_for 10 forwarded '"cause":"code: the authorisation code was already used; the SAD it gave is revoked".*"burned":1'
check "the SAD's delivery is recorded (sad.use)" \
	wait_for 10 forwarded '"cause":"SAD delivered for the authorisation code (PKCE verified)".*"type":"sad.use"'

pp_down
pp_finish
