#!/usr/bin/env bash
# Hostile and malformed requests get clear 4xx errors, identity headers
# cannot be spoofed, and the processes keep serving.
. "$(dirname "$0")/lib.sh"
pp_up

J=(-H 'Content-Type: application/json')

# Spoofed client-certificate headers are ignored.
notary_pem=$(sed ':a;N;$!ba;s/\n/%0A/g' "$PKI/notary/notary-demo.crt")
http GET "$PUB/" -H "Ssl-Client-Verify: SUCCESS" -H "Ssl-Client-Cert: $notary_pem" \
	-H "X-Ssl-Client-S-Dn: CN=Mallory" -H "SSL_CLIENT_VERIFY: SUCCESS"
expect "spoofed certificate headers on the public listener" 200 '<h1>'
check "no notary session from spoofed headers" bash -c '! grep -q "Maître" <<<"$0"' "$BODY"
http GET "$CON/login" "${STAFF_CERT[@]}" -H "Ssl-Client-S-Dn: CN=Mallory" -H "X-Client-Dn: CN=Mallory" \
	-H "Ssl-Client-Cert: $notary_pem"
expect "console with spoofed headers still sees the real certificate" 403 'Demo Operator'
check "spoofed name never shown" bash -c '! grep -q "Mallory" <<<"$0"' "$BODY"
http GET "$SCA/csc/v2/info" -H "Ssl-Client-Verify: SUCCESS" -H "Ssl-Client-Cert: $notary_pem"
expect_json_error "spoofed headers without a certificate on the SCA listener" 401 invalid_client

# Body size: refused before parsing.
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary "{\"lang\":\"$big\"}"
expect_json_error "oversized body" 413 request_too_large

# Malformed and unexpected input.
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"lang":'
expect_json_error "truncated JSON" 400 invalid_request
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"lang":"en"} trailing'
expect_json_error "bytes after the JSON value" 400 invalid_request
check "the error says there is data after the body" grep -q "after the end of the body" <<<"$BODY"
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '["lang"]'
expect_json_error "JSON array instead of an object" 400 invalid_request
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"lang":"en","nope":1}'
expect_json_error "unknown field" 400 invalid_request
check "the error names the unknown field" grep -q "Unknown field 'nope'" <<<"$BODY"
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"lang":"en","lang":"fr"}'
expect_json_error "duplicated field" 400 invalid_request
check "the error says a field is duplicated" grep -q "more than once" <<<"$BODY"
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"lang":"en US<script>"}'
expect_json_error "field with characters outside its type" 400 invalid_request
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"lang":12}'
expect_json_error "field of the wrong JSON type" 400 invalid_request
deep=$(printf '{"lang":%s' "$(printf '[%.0s' $(seq 1 40))")
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$deep"
expect_json_error "deeply nested JSON" 400 invalid_request
check "the error says it is nested too deeply" grep -q "nested too deeply" <<<"$BODY"
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" --data-binary $'{"lang":"\xc3\x28"}'
expect_json_error "invalid UTF-8" 400 invalid_request
http POST "$SCA/csc/v2/info" "${SCA_CERT[@]}" -H 'Content-Type: text/plain' --data-binary '{"lang":"en"}'
expect_json_error "wrong content type" 415 invalid_request
http POST "$SCA/csc/v2/info?lang=en" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{}'
expect_json_error "POST with fields in the URL" 400 invalid_request
http GET "$SCA/csc/v2/info?lang=en&lang=fr" "${SCA_CERT[@]}"
expect_json_error "duplicated query parameter" 400 invalid_request
http GET "$SCA/csc/v2/info?lang=%zz" "${SCA_CERT[@]}"
expect_json_error "malformed percent-encoding" 400 invalid_request
http DELETE "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect_json_error "wrong method" 405 method_not_allowed
check "405 says which methods are allowed" grep -qi '^allow: GET, HEAD, POST' <<<"$HEADERS"
http PUT "$SCA/csc/v2/info" "${SCA_CERT[@]}" "${J[@]}" -d '{}'
expect_json_error "PUT" 405 method_not_allowed
http GET "$SCA/csc/v2/nope" "${SCA_CERT[@]}"
expect_json_error "unknown CSC route" 404 not_found
http GET "$SCA/nope" "${SCA_CERT[@]}"
expect_json_error "unknown path on the SCA listener" 404 not_found
http GET "$SCA/csc/v2/../v2/info" "${SCA_CERT[@]}" --path-as-is
expect "dot segments are normalised, not a way around routing" 200 '"specs"'

# Browser pages: readable HTML errors, everything escaped.
http GET "$PUB/?lang=de"
expect "invalid language choice gives a readable page" 400 '<h1>'
check "error page is HTML" grep -qi '^content-type: text/html' <<<"$HEADERS"
http GET "$PUB/?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1"
expect "unknown field on a page" 400
check "echoed field name is HTML-escaped" bash -c '! grep -q "<script>alert" <<<"$0" && grep -q "&lt;script&gt;" <<<"$0"' "$BODY"
http GET "$PUB/?lang=fr"
expect "language switch to French" 200 'lang="fr"'
http GET "$PUB/" -H 'Accept-Language: fr-FR,fr;q=0.9,en;q=0.5'
expect "French chosen from Accept-Language" 200 'Signez vos documents'
http GET "$PUB/" -H 'Accept-Language: de, en;q=0.4'
expect "English when French is not preferred" 200 'Sign documents'
http GET "$PUB/nope"
expect "unknown page" 404 '<h1>'
http POST "$PUB/" -H 'Content-Type: application/x-www-form-urlencoded' -d 'lang=en'
expect "POST on a GET-only page" 405
http GET "$PUB/healthz" -H "Cookie: $(head -c 20000 /dev/zero | tr '\0' 'c')"
check "oversized headers refused by nginx with a 4xx" test "${CODE:0:1}" = 4
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}" -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' 'h')"
expect_json_error "oversized header on the SCA listener gets a JSON error" 400 invalid_request
http POST "$SCA/healthz" "${SCA_CERT[@]}" "${J[@]}" -d '{}'
expect_json_error "POST on /healthz" 405 method_not_allowed

# Header injection: a CR/LF in a field never reaches a response header.
http GET "$PUB/?lang=en%0D%0ASet-Cookie:%20x=1"
expect "CRLF in a field" 400
check "no injected header" bash -c '! grep -qi "^set-cookie" <<<"$0"' "$HEADERS"

# After all that, everything still serves.
check "all processes still running" pp_all_running
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "SCA API still answers" 200 '"specs"'
check "no plugin logged a crash or internal error" bash -c "! grep -E 'server_error|PP_ERR_INTERNAL|AddressSanitizer|runtime error' '$STATE'/log/*.log"

pp_finish
