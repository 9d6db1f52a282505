#!/usr/bin/env bash
# The signer pages (docs/AUTHZ.md, "Public listener") through the real nginx,
# the signer plugin and the real SAM, driven with curl and a cookie jar per
# browser; the test is the SMS gateway (it reads the code in the spool).
# The whole OTP flow from oauth2/authorize to the receipt and its code, the
# notary flow, cancellation, sessions bound to their request, CSRF, the
# errors that never redirect and those that go back to the SCA, the OTP
# messages, the language, the rate limit.
. "$(dirname "$0")/lib.sh"

pp_init
pp_conf_set signer rate_per_ip 400
pp_start

SPOOL=$STATE/sms/outgoing
CB=http://127.0.0.1/callback
SHA256=2.16.840.1.101.3.4.2.1
J=(-H 'Content-Type: application/json')
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')

has() { if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:600}"; fi; }
lacks() { if [[ $BODY != *"$2"* ]]; then ok "$1"; else not_ok "$1" "body has '$2': ${BODY:0:600}"; fi; }
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
# header NAME: the value of a header of the last answer.
header() { grep -i "^$1:" <<<"$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
# digest TEXT: SHA-256 of TEXT in base64url.
digest() { printf '%s' "$1" | openssl dgst -sha256 -binary | b64url; }
# fp B64URL: the page's short fingerprint of a digest ("3F2A 9C01").
fp() { local h; h=$(printf '%s' "$1" | tr -- '-_' '+/'); while [ $((${#h} % 4)) -ne 0 ]; do h="$h="; done
	h=$(base64 -d <<<"$h" | od -An -tx1 -N4 | tr -d ' \n' | tr 'a-f' 'A-F'); echo "${h:0:4} ${h:4:4}"; }
# csrf: the CSRF token of the last page.
csrf() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1; }
# code_in_spool: the code of the newest text message.
code_in_spool() {
	local f
	f=$(ls -t "$SPOOL"/paraphe-* 2>/dev/null | head -n 1)
	tail -n +4 "$f" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6
}
spool_count() { ls "$SPOOL" 2>/dev/null | wc -l; }

# --- a signatory with a mobile and an EC credential, through the RA API.
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-p1","given_name":"\u00c9lodie","surname":"Martin","country":"FR","serial_number":"IDCFR-777","mobile":"+33612345678","evidence":"KYC-1"}'
expect "the signatory is enrolled" 201
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-p1","key_type":"ec-p256"}'
expect "an EC credential is made" 201
EC=$(member id)
CRED=$BODY
SERIAL=$(sed -n 's/.*"serial":"\([^"]*\)".*/\1/p' <<<"$BODY" | head -n 1)

# A second signatory, with a credential: the SAM allows a signatory 10
# codes a window, and this test sends more.
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-p2","given_name":"Luc","surname":"Morel","country":"FR","serial_number":"IDCFR-778","mobile":"+33612345679","evidence":"KYC-2"}'
expect "a second signatory is enrolled" 201
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-p2","key_type":"ec-p256"}'
expect "... with an EC credential" 201
EC2=$(member id)

VER=$(head -c 48 /dev/urandom | b64url)
CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | b64url)
H1=$(digest "contract page 1") H2=$(digest "contract annex")

# authorize JAR STATE [extra curl args]: a CSC oauth2/authorize for two
# hashes of the EC credential; sets AUTHZ from the Location.
authorize() {
	local jar=$1 state=$2
	shift 2
	http GET "$PUB/csc/v2/oauth2/authorize" -c "$jar" -b "$jar" -G \
		--data-urlencode response_type=code --data-urlencode client_id=demo-sca \
		--data-urlencode "redirect_uri=$CB" --data-urlencode scope=credential \
		--data-urlencode "credentialID=${AUTH_EC:-$EC}" --data-urlencode numSignatures=2 \
		--data-urlencode "hashes=$H1,$H2" --data-urlencode "hashAlgorithmOID=$SHA256" \
		--data-urlencode "code_challenge=$CHAL" --data-urlencode code_challenge_method=S256 \
		--data-urlencode "state=$state" --data-urlencode "description=Lease of flat 4B" "$@"
	AUTHZ=$(header Location | sed -n 's|^/sign/\([0-9a-f]\{32\}\)$|\1|p')
}
# page JAR PATH [curl args]: GET on the public listener with the jar.
page() { local jar=$1 path=$2; shift 2; http GET "$PUB$path" -c "$jar" -b "$jar" "$@"; }
# form JAR PATH DATA [curl args]: a POST form with the jar.
form() { local jar=$1 path=$2 data=$3; shift 3; http POST "$PUB$path" -c "$jar" -b "$jar" "${FORM[@]}" --data "$data" "$@"; }

A=$PP_TMP/jar-a
# --- 1. authorize: a session, then the request's page.
authorize "$A" "st-1"
expect "authorize answers 303" 303
check "... to /sign/{authz}" test ${#AUTHZ} -eq 32
COOKIE=$(header Set-Cookie)
check "the session cookie is __Host-paraphe with 128 bits" \
	grep -qE '^__Host-paraphe=[0-9a-f]{32}; ' <<<"$COOKIE"
for attr in "Path=/" "Secure" "HttpOnly" "SameSite=Lax" "Max-Age=1800"; do
	check "... $attr" grep -q "; $attr\(;\|$\)" <<<"$COOKIE"
done
check "... never Domain" bash -c "! grep -qi 'domain=' <<<'$COOKIE'"
check "the answer is not stored by caches" grep -qi '^cache-control: no-store' <<<"$HEADERS"
check "web.db holds only the cookie's SHA-256" \
	bash -c "v=\$(sed 's/^__Host-paraphe=\\([0-9a-f]*\\);.*/\\1/' <<<'$COOKIE');
		h=\$(printf %s \"\$v\" | sha256sum | cut -c1-64);
		[ \"\$(sqlite3 '$STATE/db/web.db' \"SELECT hex(id) FROM browser_sessions WHERE authz='$AUTHZ'\" | tr A-F a-f)\" = \"\$h\" ] &&
		! sqlite3 '$STATE/db/web.db' .dump | grep -q \"\$v\""

page "$A" "/sign/$AUTHZ"
expect "the request's page" 200 "Paraphe Demo SCA"
has "... says how many documents" '<strong id="num">2</strong>'
has "... each with its short fingerprint" "$(fp "$H1")"
has "... the second too" "$(fp "$H2")"
has "... the description" "Lease of flat 4B"
has "... the certificate's holder" "lodie Martin"
check "the credential has a serial" test -n "$SERIAL"
has "... the page shows it" "<code id=\"cert-serial\">$SERIAL</code>"
NOT_AFTER=$(date -u -d "@$(sed -n 's/.*"not_after":\([0-9]*\).*/\1/p' <<<"$CRED" | head -n 1)" '+%Y-%m-%d %H:%M UTC')
has "... and its end of validity" "$NOT_AFTER"
has "... the SMS method with the mobile's last digits" 'value="sms"'
lacks "... no notary method without a notary certificate" 'value="sms_notary"'
has "... a cancel form" "/sign/$AUTHZ/cancel"
TOKEN=$(csrf)
check "... every form carries the CSRF token" test ${#TOKEN} -eq 32

# --- 2. the session is bound to its request.
B=$PP_TMP/jar-b
page "$B" "/sign/$AUTHZ"
expect "another browser (no session) gets an error page" 403 'another browser'
lacks "... without the request's content" "Lease of flat"
AUTHZ_A=$AUTHZ
authorize "$B" "st-b"
AUTHZ_B=$AUTHZ
AUTHZ=$AUTHZ_A
page "$A" "/sign/$AUTHZ_B"
expect "a browser holding another request's session gets an error page" 403 "another signature request"
page "$B" "/sign/$AUTHZ_B"
expect "... while its own browser sees it" 200 "Paraphe Demo SCA"

# --- 3. CSRF: every POST.
form "$A" "/sign/$AUTHZ/method" "method=sms"
expect "choosing a method without the CSRF token is refused" 403 "out of date"
form "$A" "/sign/$AUTHZ/method" "method=sms&csrf=00000000000000000000000000000000"
expect "... with a wrong one too" 403
form "$B" "/sign/$AUTHZ_B/method" "method=sms&csrf=$TOKEN"
expect "... and with another session's" 403
N0=$(spool_count)
check "... and no code was sent" test "$(spool_count)" -eq "$N0"

# --- 4. the OTP.
form "$A" "/sign/$AUTHZ/method" "method=sms&csrf=$TOKEN"
expect "method sms sends a code and leads to the code form" 303
check "... /sign/{authz}/otp" test "$(header Location)" = "/sign/$AUTHZ/otp"
OTP=$(code_in_spool)
check "the text message is in the spool" test ${#OTP} -eq 6
page "$A" "/sign/$AUTHZ/otp"
expect "the code form" 200 'autocomplete="one-time-code"'
has "... with a label for the field" '<label for="otp">'
form "$A" "/sign/$AUTHZ/otp" "csrf=$TOKEN&action=verify&otp=12"
expect "a code that is not 6 digits" 200 'id="error-summary"'
has "... the error summary links to the field" 'href="#otp"'
has "... the field is marked invalid" 'aria-invalid="true"'
WRONG=$(printf '%06d' $(( (10#$OTP + 1) % 1000000 )))
form "$A" "/sign/$AUTHZ/otp" "csrf=$TOKEN&action=verify&otp=$WRONG"
expect "a wrong code says so" 200 "The code is not correct."
form "$A" "/sign/$AUTHZ/approve" "csrf=$TOKEN&consent=true"
expect "approval before authentication leads back to the request" 303
page "$A" "/sign/$AUTHZ/approve"
expect "... also on GET" 303
# Every worker shows the request (and keeps a copy of it) just before...
for _ in 1 2 3 4 5 6 7 8; do page "$A" "/sign/$AUTHZ"; done
expect "the request's page, many times over the workers" 200 "Paraphe Demo SCA"
form "$A" "/sign/$AUTHZ/otp" "csrf=$TOKEN&action=verify&otp=$OTP"
expect "the right code authenticates" 303
check "... and leads to the approval" test "$(header Location)" = "/sign/$AUTHZ/approve"
# ... and right after, whichever worker answers shows the new state.
stale=0
for _ in 1 2 3 4 5 6 7 8; do
	page "$A" "/sign/$AUTHZ/approve"
	[ "$CODE" = 200 ] || stale=$((stale + 1))
done
check "no worker shows its copy from before the change ($stale stale)" test $stale -eq 0

# --- 5. approval and receipt.
page "$A" "/sign/$AUTHZ/approve"
expect "the approval page" 200 "Sign these 2 documents"
has "... shows the documents again" "$(fp "$H2")"
check "... with one button and no checkbox" bash -c "[ \$(grep -c '<button' <<<'$BODY') -eq 2 ] && ! grep -q checkbox <<<'$BODY'"
form "$A" "/sign/$AUTHZ/approve" "consent=true"
expect "approval without the CSRF token is refused" 403
form "$A" "/sign/$AUTHZ/approve" "csrf=$TOKEN&consent=true"
expect "approval answers with the receipt" 200 "Signature approved"
has "... the certificate serial" "<code id=\"done-serial\">$SERIAL</code>"
has "... the documents" "$(fp "$H1")"
BACK=$(sed -n 's/.*id="back" href="\([^"]*\)".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g')
CODE_A=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$BACK")
check "... the way back to the SCA's redirect URI" grep -q "^$CB?code=" <<<"$BACK"
check "... with a 43-character code" grep -qE '^[A-Za-z0-9_-]{43}$' <<<"$CODE_A"
check "... and the state" grep -q '&state=st-1$' <<<"$BACK"
page "$A" "/sign/$AUTHZ/done"
expect "the receipt again later" 200 "already approved"
lacks "... without the code" "$CODE_A"
page "$A" "/sign/$AUTHZ"
expect "the request's page of an approved request leads to the receipt" 303

# --- 6. the SCA exchanges the code (oauth2/token) and signHash signs once.
http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" "${FORM[@]}" --data-urlencode grant_type=authorization_code \
	--data-urlencode client_id=demo-sca --data-urlencode "code=$CODE_A" --data-urlencode "code_verifier=$VER" \
	--data-urlencode "redirect_uri=$CB"
expect "the code and the verifier give the SCA its SAD" 200 '"token_type":"SAD"'
SAD=$(member access_token)
HB1=$(printf '%s' "$H1" | tr -- '-_' '+/')=
HB2=$(printf '%s' "$H2" | tr -- '-_' '+/')=
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":[\"$HB1\",\"$HB2\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}"
expect "signHash accepts the SAD for the approved hashes" 200 '"signatures":['
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":[\"$HB1\",\"$HB2\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}"
expect_json_error "... once" 403 access_denied

# --- 7. cancel: back to the SCA with access_denied and the state.
C=$PP_TMP/jar-c
authorize "$C" "st-cancel"
page "$C" "/sign/$AUTHZ"
T=$(csrf)
form "$C" "/sign/$AUTHZ/cancel" ""
expect "cancel without the CSRF token is refused" 403
form "$C" "/sign/$AUTHZ/cancel" "csrf=$T"
expect "cancel answers a page with the way back" 200 "Nothing was signed"
BACK=$(sed -n 's/.*id="back" href="\([^"]*\)".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g')
check "... to the SCA with error=access_denied and the state" test "$BACK" = "$CB?error=access_denied&state=st-cancel"
check "... and the session cookie deleted" grep -qi '^set-cookie: __Host-paraphe=; Path=/; Max-Age=0' <<<"$HEADERS"
page "$C" "/sign/$AUTHZ"
expect "the cancelled request's page is gone for that browser" 403

# --- 7b. cancel from the code form and from the approval page.
for step in otp approve; do
	C2=$PP_TMP/jar-c-$step
	AUTH_EC=$EC2 authorize "$C2" "st-c-$step"
	page "$C2" "/sign/$AUTHZ"
	T=$(csrf)
	form "$C2" "/sign/$AUTHZ/method" "method=sms&csrf=$T"
	[ $step = approve ] && form "$C2" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$(code_in_spool)"
	page "$C2" "/sign/$AUTHZ/$step"
	has "the $step page has the cancel form" "action=\"/sign/$AUTHZ/cancel\""
	form "$C2" "/sign/$AUTHZ/cancel" "csrf=$T"
	expect "... which cancels from there" 200 "Nothing was signed"
	has "... with the way back and the state" "error=access_denied&amp;state=st-c-$step"
done

# --- 8. errors that never redirect, and those that go back to the SCA.
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=code --data-urlencode client_id=nobody \
	--data-urlencode "redirect_uri=$CB" --data-urlencode "hashes=$H1" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode state=x --data-urlencode "credentialID=$EC" \
	--data-urlencode "hashAlgorithmOID=$SHA256"
expect "an unknown client gets an error page" 400 "not come from an application registered"
check "... and no redirect" test -z "$(header Location)"
authorize "$PP_TMP/jar-x" "st-x" --data-urlencode "redirect_uri=https://evil.example/cb"
expect "a redirect URI given twice is refused with an error page" 400
check "... and no redirect" test -z "$(header Location)"
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=code --data-urlencode client_id=demo-sca \
	--data-urlencode "redirect_uri=https://evil.example/cb" --data-urlencode "hashes=$H1" \
	--data-urlencode "code_challenge=$CHAL" --data-urlencode code_challenge_method=S256 --data-urlencode state=x \
	--data-urlencode "credentialID=$EC" --data-urlencode "hashAlgorithmOID=$SHA256"
expect "a redirect URI the client did not register gets an error page" 400 "not come from an application registered"
check "... and no redirect" test -z "$(header Location)"
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=code --data-urlencode client_id=demo-sca
expect "no redirect URI at all: an error page" 400
check "... and no redirect" test -z "$(header Location)"
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=code --data-urlencode client_id=demo-sca \
	--data-urlencode "redirect_uri=$CB" --data-urlencode "credentialID=$EC" --data-urlencode "hashAlgorithmOID=$SHA256"
expect "no documents: an error page saying what is missing" 400 "hashes or authorization_details is required"
check "... and no redirect" test -z "$(header Location)"
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=token --data-urlencode client_id=demo-sca \
	--data-urlencode "redirect_uri=$CB" --data-urlencode "hashes=$H1" --data-urlencode "credentialID=$EC" \
	--data-urlencode "hashAlgorithmOID=$SHA256" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode "state=s t&8"
expect "another error goes back to the SCA" 303
LOC=$(header Location)
check "... with unsupported_response_type, a description and the state" \
	grep -q "^$CB?error=unsupported_response_type&error_description=[^&]*response_type[^&]*&state=s%20t%268$" <<<"$LOC"
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=code --data-urlencode client_id=demo-sca \
	--data-urlencode "redirect_uri=$CB" --data-urlencode "hashes=$H1" --data-urlencode "credentialID=$EC" \
	--data-urlencode "hashAlgorithmOID=$SHA256" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=plain --data-urlencode state=s9
expect "PKCE without S256 goes back to the SCA" 303
check "... as invalid_request with the state" grep -q "^$CB?error=invalid_request&error_description=.*&state=s9$" <<<"$(header Location)"
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode response_type=code --data-urlencode client_id=demo-sca \
	--data-urlencode "redirect_uri=$CB" --data-urlencode "hashes=$H1" --data-urlencode "credentialID=$EC" \
	--data-urlencode "hashAlgorithmOID=$SHA256" --data-urlencode state=s10
expect "PKCE missing goes back to the SCA" 303
check "... as invalid_request" grep -q "^$CB?error=invalid_request&" <<<"$(header Location)"
http GET "$PUB/sign/0123456789abcdef0123456789abcdef"
expect "an unknown request's page is an error page" 404 "does not exist"
http GET "$PUB/sign/not-an-id"
expect "... as is a malformed id" 404

# --- 9. RAR: labels shown.
RAR="[{\"type\":\"credential\",\"credentialID\":\"$EC\",\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[{\"hash\":\"$H1\",\"label\":\"Bail <meublé>\"}]}]"
R=$PP_TMP/jar-r
http GET "$PUB/csc/v2/oauth2/authorize" -c "$R" -b "$R" -G --data-urlencode response_type=code \
	--data-urlencode client_id=demo-sca --data-urlencode "redirect_uri=$CB" \
	--data-urlencode "authorization_details=$RAR" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode state=rar
expect "a RAR request is accepted" 303
page "$R" "$(header Location)"
expect "... its page shows the document's label, escaped" 200 "Bail &lt;meublé&gt;"
has "... and says one document" "one document"

# --- 10. the notary flow: sms_notary only with the notary's certificate.
N=$PP_TMP/jar-n
authorize "$N" "st-n" "${NOTARY_CERT[@]}"
page "$N" "/sign/$AUTHZ" "${NOTARY_CERT[@]}"
expect "with a notary certificate the notary method is offered" 200 'value="sms_notary"'
T=$(csrf)
form "$N" "/sign/$AUTHZ/method" "method=sms_notary&csrf=$T"
expect "... and refused without it" 403 "notary"
form "$N" "/sign/$AUTHZ/method" "method=sms_notary&csrf=$T" "${NOTARY_CERT[@]}"
expect "method sms_notary sends a code" 303
OTP=$(code_in_spool)
page "$N" "/sign/$AUTHZ/otp" "${NOTARY_CERT[@]}"
expect "the code form names the notary" 200 "Under the supervision of your notary"
form "$N" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$OTP"
expect "the code without the notary's certificate is refused" 403
form "$N" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$OTP" "${NOTARY_CERT[@]}"
expect "the code with it authenticates" 303
form "$N" "/sign/$AUTHZ/approve" "csrf=$T&consent=true" "${NOTARY_CERT[@]}"
expect "... and the signatory approves" 200 "Signature approved"

# --- 11. too many wrong codes; resend.
L=$PP_TMP/jar-l
authorize "$L" "st-l"
page "$L" "/sign/$AUTHZ"
T=$(csrf)
form "$L" "/sign/$AUTHZ/method" "method=sms&csrf=$T"
OTP=$(code_in_spool)
WRONG=$(printf '%06d' $(( (10#$OTP + 7) % 1000000 )))
form "$L" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$WRONG"
expect "a first wrong code says how many attempts are left" 200 "The code is not correct. Attempts left: 2"
form "$L" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$WRONG"
expect "... a second one too" 200 "Attempts left: 1"
form "$L" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$WRONG"
expect "the third wrong code locks it" 200 "Too many wrong codes"
form "$L" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$OTP"
expect "... even the right code then" 200 "Too many wrong codes"
form "$L" "/sign/$AUTHZ/otp" "csrf=$T&action=resend"
expect "a new code can be asked for" 200 "A new code is on its way"
OTP=$(code_in_spool)
form "$L" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$OTP"
expect "... and it works" 303

# --- 11b. an expired code; an expired request (their expiry moved into the
# past in the SAM's database: the test plays the clock).
E=$PP_TMP/jar-e
AUTH_EC=$EC2 authorize "$E" "st-e"
page "$E" "/sign/$AUTHZ"
T=$(csrf)
form "$E" "/sign/$AUTHZ/method" "method=sms&csrf=$T"
OTP=$(code_in_spool)
sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "UPDATE otps SET expires_ms = 1 WHERE session = '$AUTHZ' AND state = 'PENDING'"
form "$E" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$OTP"
expect "an expired code says so" 200 "This code has expired."
form "$E" "/sign/$AUTHZ/otp" "csrf=$T&action=resend"
expect "... and a new one can be asked for" 200 "A new code is on its way"
sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "UPDATE authz SET expires_ms = 1 WHERE id = '$AUTHZ'"
page "$E" "/sign/$AUTHZ"
expect "an expired request's page says so" 410 "has expired"
form "$E" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$(code_in_spool)"
expect "... and its code form leads nowhere" 410

# --- 12. French: Accept-Language, the switch, kept in the session.
F=$PP_TMP/jar-f
authorize "$F" "st-f" -H 'Accept-Language: fr-FR,fr;q=0.9,en;q=0.5'
page "$F" "/sign/$AUTHZ" -H 'Accept-Language: fr-FR,fr;q=0.9'
expect "Accept-Language fr gives the French page" 200 "Demande de signature"
has "... declared as French" '<html lang="fr">'
page "$F" "/sign/$AUTHZ?lang=en"
expect "the switch gives English" 200 "Signature request"
page "$F" "/sign/$AUTHZ" -H 'Accept-Language: fr'
expect "... kept in the session" 200 "Signature request"
page "$F" "/sign/$AUTHZ?lang=fr"
T=$(csrf)
form "$F" "/sign/$AUTHZ/method" "method=sms&csrf=$T"
form "$F" "/sign/$AUTHZ/otp" "csrf=$T&action=verify&otp=$(code_in_spool)"
page "$F" "/sign/$AUTHZ/approve"
expect "the approval button in French" 200 "Signer ces 2 documents"

# --- 12b. OpenID Connect: a link to the provider, its answer at /oidc/callback.
http PATCH "$SCA/ra/v1/signatories/sig-p1" "${SCA_CERT[@]}" "${J[@]}" -d '{"idp_subject":"elodie-oidc"}'
expect "the signatory's digital identity is registered" 200
CTL=$STATE/idp/control
# oidc_login JAR: from the request's page through the stand-in provider's
# page and button; sets CB_URL to the provider's redirect to the callback.
oidc_login() {
	page "$1" "/sign/$AUTHZ/oidc"
	IDP_URL=$(header Location)
	http GET "$IDP_URL"
	local r
	r=$(sed -n 's/.*name="req" value="\([^"]*\)".*/\1/p' <<<"$BODY")
	http POST "${IDP_URL%%\?*}" --data-urlencode "req=$r"
	CB_URL=$(header Location)
}
O=$PP_TMP/jar-o
printf 'subject=elodie-oidc\n' >"$CTL"
authorize "$O" "st-o"
page "$O" "/sign/$AUTHZ"
has "the request's page offers the digital identity as a link" "href=\"/sign/$AUTHZ/oidc\""
oidc_login "$O"
check "the link leads to the provider with state, nonce and PKCE" \
	grep -qE "^$IDP/authorize\?.*state=.*nonce=.*code_challenge=.*code_challenge_method=S256" <<<"$IDP_URL"
check "the provider answers to the signer's callback" grep -q "^$PUB/oidc/callback?code=" <<<"$CB_URL"
http GET "${CB_URL/&state=/&state=x}" -c "$O" -b "$O"
expect "a callback with another state is refused" 403 "could not be checked"
http GET "$CB_URL" -c "$PP_TMP/jar-none"
expect "the callback without the session is refused" 403 "another browser"
http GET "$CB_URL" -c "$O" -b "$O"
expect "the callback of this browser's login authenticates" 303
check "... and leads to the approval" test "$(header Location)" = "/sign/$AUTHZ/approve"
http GET "$CB_URL" -c "$O" -b "$O"
expect "... once: the state is spent" 403 "could not be checked"
form "$O" "/sign/$AUTHZ/approve" "csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$(curl -s --cacert "$CA" -b "$O" "$PUB/sign/$AUTHZ/approve")" | head -n 1)&consent=true"
expect "... where the signatory approves" 200 "Signature approved"
authorize "$O" "st-o2"
printf 'subject=somebody-else\n' >"$CTL"
oidc_login "$O"
http GET "$CB_URL" -c "$O" -b "$O"
expect "another person's identity is refused by the SAM" 403 "not the one registered"
has "... with the way back to the request" "href=\"/sign/$AUTHZ\""
printf 'subject=elodie-oidc\nfault=wrong-nonce\n' >"$CTL"
oidc_login "$O"
http GET "$CB_URL" -c "$O" -b "$O"
expect "an ID token with another nonce is refused" 403 "could not be checked"
check "... and recorded in the audit log" wait_for 10 grep -q '"op":"oidc.callback".*"outcome":"failure"' "$STATE/log/collector.log"
printf 'subject=elodie-oidc\n' >"$CTL"
page "$O" "/sign/$AUTHZ/oidc"
http GET "$PUB/oidc/callback" -c "$O" -b "$O" -G --data-urlencode error=access_denied \
	--data-urlencode "state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$(header Location)")"
expect "the provider's refusal is a page" 403 "cancelled or refused"

# --- 13. PAR: the browser comes with client_id and request_uri.
P=$PP_TMP/jar-p
http POST "$SCA/csc/v2/oauth2/pushed_authorize" "${SCA_CERT[@]}" "${FORM[@]}" --data-urlencode response_type=code \
	--data-urlencode client_id=demo-sca --data-urlencode "redirect_uri=$CB" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode state=par --data-urlencode "credentialID=$EC" \
	--data-urlencode numSignatures=1 --data-urlencode "hashes=$(digest par)" --data-urlencode "hashAlgorithmOID=$SHA256"
expect "PAR gives the SCA a request_uri" 201 '"request_uri":"urn:ietf:params:oauth:request_uri:'
RURI=$(member request_uri)
http GET "$PUB/csc/v2/oauth2/authorize" -G --data-urlencode client_id=other-sca --data-urlencode "request_uri=$RURI"
expect "the request_uri with another client is an error page" 404 "does not exist"
check "... and no redirect" test -z "$(header Location)"
http GET "$PUB/csc/v2/oauth2/authorize" -c "$P" -b "$P" -G --data-urlencode client_id=demo-sca --data-urlencode "request_uri=$RURI"
expect "with its client it opens a session" 303
PAR_ID=${RURI##*:}
check "... for the pushed request" test "$(header Location)" = "/sign/$PAR_ID"
page "$P" "/sign/$PAR_ID"
expect "... whose page shows it" 200 "$(fp "$(digest par)")"
http GET "$PUB/csc/v2/oauth2/authorize" -c "$PP_TMP/jar-p2" -b "$PP_TMP/jar-p2" -G \
	--data-urlencode client_id=demo-sca --data-urlencode "request_uri=$RURI"
expect "a second browser with the same request_uri is refused" 403 "another browser"

# --- 14. credentials/authorize: the first browser to open the link holds it.
K=$PP_TMP/jar-k
http POST "$SCA/csc/v2/credentials/authorize" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"credentialID\":\"$EC\",\"numSignatures\":1,\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[{\"hash\":\"$(digest link | tr -- '-_' '+/')=\",\"label\":\"Avenant\"}]}"
expect "credentials/authorize gives a link" 202 '"url":"'
LINK=$(member url)
LINK_ID=${LINK##*/}
page "$K" "/sign/$LINK_ID"
expect "the first browser to open the link sees the request" 200 "Avenant"
check "... with a new session" grep -qi '^set-cookie: __Host-paraphe=' <<<"$HEADERS"
page "$PP_TMP/jar-k2" "/sign/$LINK_ID"
expect "a second browser is refused" 403 "another browser"
T=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$(curl -s --cacert "$CA" -b "$K" "$PUB/sign/$LINK_ID")" | head -n 1)
form "$K" "/sign/$LINK_ID/method" "method=sms&csrf=$T"
form "$K" "/sign/$LINK_ID/otp" "csrf=$T&action=verify&otp=$(code_in_spool)"
form "$K" "/sign/$LINK_ID/approve" "csrf=$T&consent=true"
expect "the link's receipt" 200 "Signature approved"
has "... tells the signatory to close the page" "You can close this page"
lacks "... with no way back" 'id="back"'
http POST "$SCA/csc/v2/credentials/authorizeCheck" "${SCA_CERT[@]}" "${J[@]}" --data-binary "{\"authorizationID\":\"$LINK_ID\"}"
expect "the SCA gets the SAD with authorizeCheck" 200 '"SAD":"'

# --- 14b. an ephemeral session (KEY-4): the documents and the certificate
# come after authentication; the approval page waits for them.
X=$PP_TMP/jar-eph
http POST "$SCA/ephemeral/v1/sessions" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-p2","key_type":"ec-p256","description":"Bail"}'
expect "the SCA opens an ephemeral session" 201 '"url":"'
EPH=$(member sessionID)
page "$X" "/sign/$EPH"
expect "its link opens the request's page" 200 "documents it sends once you have confirmed who you are"
has "... saying the certificate is made after" 'id="cert-later"'
T=$(csrf)
form "$X" "/sign/$EPH/method" "method=sms&csrf=$T"
form "$X" "/sign/$EPH/otp" "csrf=$T&action=verify&otp=$(code_in_spool)"
expect "the signatory authenticates" 303
page "$X" "/sign/$EPH/approve"
expect "the approval page waits for the documents" 200 'id="waiting"'
has "... refreshing itself" '<meta http-equiv="refresh" content="5">'
lacks "... with nothing to approve yet" 'id="approve"'
has "... and shows the certificate made for the session" 'id="cert-serial"'
http POST "$SCA/ephemeral/v1/sessions/$EPH/documents" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[{\"hash\":\"$(digest e1 | tr -- '-_' '+/')=\",\"label\":\"Bail.pdf\"},{\"hash\":\"$(digest e2 | tr -- '-_' '+/')=\",\"label\":\"Annexe.pdf\"}]}"
expect "the SCA gives the documents" 200
# A change the SCA makes reaches the pages within SIGNER_AUTHZ_COPY_MS (a
# worker's copy of the request lives 1 s; the waiting page refreshes every 5 s).
for _ in $(seq 1 30); do
	page "$X" "/sign/$EPH/approve"
	[[ $BODY == *"Sign these 2 documents"* ]] && break
	sleep 0.1
done
expect "then the approval page shows them (within a second)" 200 "Sign these 2 documents"
has "... with their labels" "Annexe.pdf"
lacks "... and stops refreshing" 'http-equiv="refresh"'
form "$X" "/sign/$EPH/approve" "csrf=$T&consent=true"
expect "the signatory approves" 200 "You can close this page"
http GET "$SCA/ephemeral/v1/sessions/$EPH" "${SCA_CERT[@]}"
expect "the SCA gets the SAD" 200 '"status":"approved"'

# --- 15. the rate limit: a readable 429, shared by the workers.  The count
# is per clock minute: start early in one (a window that ends half-way
# starts again from zero, so the loop allows two windows' worth).
sec=$((10#$(date +%S)))
[ "$sec" -gt 45 ] && sleep $((61 - sec))
for i in $(seq 1 850); do
	c=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$PUB/")
	[ "$c" = 429 ] && break
done
http GET "$PUB/"
expect "over signer.rate_per_ip a minute: 429" 429 "Too many requests"
check "... with Retry-After" grep -qi '^retry-after: 60' <<<"$HEADERS"
check "... counted in web.db" test "$(sqlite3 "$STATE/db/web.db" "SELECT max(hits) FROM rate_hits")" -gt 400

pp_finish
