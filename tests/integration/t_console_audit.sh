#!/usr/bin/env bash
# GeoIP in audit records and the console's audit search, export and charts
# (issue #6, items 7, 9 and 10; admin/admin_audit.c, lib/pp_geo.c).
# The instance reads the tests' own MaxMind database (tests/tools/pp-test-mmdb:
# 127.0.0.3 is New York, 127.0.0.4 Tokyo, 127.0.0.1 Paris); a signatory
# authenticates on the signer pages from those addresses (curl --interface:
# loopback routes all of 127/8), staff log in from 127.0.0.1.
. "$(dirname "$0")/lib.sh"

pp_init
if ! pp_geoip; then
	echo "1..0 # SKIP the MaxMind DB writer is not installed (libmaxmind-db-writer-perl)"
	exit 77
fi
pp_start
admin_up

SPOOL=$STATE/sms/outgoing
CB=http://127.0.0.1/callback
SHA256=2.16.840.1.101.3.4.2.1
J=(-H 'Content-Type: application/json')
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')
AUDIT_DB=$STATE/db/audit.db

has() { if [[ $BODY == *"$2"* ]]; then ok "$1"; else not_ok "$1" "body lacks '$2': ${BODY:0:600}"; fi; }
lacks() { if [[ $BODY != *"$2"* ]]; then ok "$1"; else not_ok "$1" "body has '$2': ${BODY:0:600}"; fi; }
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
header() { grep -i "^$1:" <<<"$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
digest() { printf '%s' "$1" | openssl dgst -sha256 -binary | b64url; }
csrf() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1; }
code_in_spool() {
	local f
	f=$(ls -t "$SPOOL"/paraphe-* 2>/dev/null | head -n 1)
	tail -n +4 "$f" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6
}
# q SQL: a query of the audit store (the test reads it directly as the
# ground truth the console must agree with).
q() { sqlite3 "$AUDIT_DB" "$1"; }

# The demo SCA's subject as the SAM records it.
DEMO_DN=$(openssl x509 -in "$PKI/sca/sca-demo.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')

# --- a signatory with an EC credential, through the RA API.
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-geo","given_name":"Grace","surname":"Hopper","country":"US","serial_number":"IDCUS-1906","mobile":"+33612340001","evidence":"KYC-G"}'
expect "the signatory is enrolled" 201
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-geo","key_type":"ec-p256"}'
expect "... with an EC credential" 201
EC=$(member id)
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-tokyo","given_name":"Kenji","surname":"Sato","country":"JP","serial_number":"IDCJP-4242","mobile":"+33612340002","evidence":"KYC-T"}'
expect "a second signatory" 201
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-tokyo","key_type":"ec-p256"}'
expect "... with an EC credential" 201
EC2=$(member id)

VER=$(head -c 48 /dev/urandom | b64url)
CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | b64url)
H1=$(digest "geo contract")

# authorize IFACE JAR CRED: a CSC oauth2/authorize from address IFACE; sets AUTHZ.
authorize() {
	http GET "$PUB/csc/v2/oauth2/authorize" --interface "$1" -c "$2" -b "$2" -G \
		--data-urlencode response_type=code --data-urlencode client_id=demo-sca \
		--data-urlencode "redirect_uri=$CB" --data-urlencode scope=credential \
		--data-urlencode "credentialID=$3" --data-urlencode numSignatures=1 \
		--data-urlencode "hashes=$H1" --data-urlencode "hashAlgorithmOID=$SHA256" \
		--data-urlencode "code_challenge=$CHAL" --data-urlencode code_challenge_method=S256 \
		--data-urlencode "state=geo"
	AUTHZ=$(header Location | sed -n 's|^/sign/\([0-9a-f]\{32\}\)$|\1|p')
}
page() { local ip=$1 jar=$2 path=$3; shift 3; http GET "$PUB$path" --interface "$ip" -c "$jar" -b "$jar" "$@"; }
form() { local ip=$1 jar=$2 path=$3 data=$4; shift 4; http POST "$PUB$path" --interface "$ip" -c "$jar" -b "$jar" "${FORM[@]}" --data "$data" "$@"; }

# --- 1. New York: a wrong code, then the right one, approval, signature.
NY=127.0.0.3
A=$PP_TMP/jar-a
authorize $NY "$A" "$EC"
expect "authorize from New York" 303
AUTHZ_NY=$AUTHZ
page $NY "$A" "/sign/$AUTHZ"
TOKEN=$(csrf)
form $NY "$A" "/sign/$AUTHZ/method" "method=sms&csrf=$TOKEN"
expect "an SMS code is sent" 303
OTP=$(code_in_spool)
WRONG=$(printf '%06d' $(( (10#$OTP + 1) % 1000000 )))
form $NY "$A" "/sign/$AUTHZ/otp" "csrf=$TOKEN&action=verify&otp=$WRONG"
expect "a wrong code from New York" 200 "The code is not correct."
form $NY "$A" "/sign/$AUTHZ/otp" "csrf=$TOKEN&action=verify&otp=$OTP"
expect "the right code from New York" 303
form $NY "$A" "/sign/$AUTHZ/approve" "csrf=$TOKEN&consent=true"
expect "approved" 200 "Signature approved"
BACK=$(sed -n 's/.*id="back" href="\([^"]*\)".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g')
CODE_A=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$BACK")
http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" "${FORM[@]}" --data-urlencode grant_type=authorization_code \
	--data-urlencode client_id=demo-sca --data-urlencode "code=$CODE_A" --data-urlencode "code_verifier=$VER" \
	--data-urlencode "redirect_uri=$CB"
expect "the SCA gets its SAD" 200 '"token_type":"SAD"'
SAD=$(member access_token)
HB1=$(printf '%s' "$H1" | tr -- '-_' '+/')=
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":[\"$HB1\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"1.2.840.10045.4.3.2\"}"
expect "one signature made" 200 '"signatures":['

# --- 2. Tokyo: one wrong code for the second signatory.
TK=127.0.0.4
B=$PP_TMP/jar-b
authorize $TK "$B" "$EC2"
expect "authorize from Tokyo" 303
AUTHZ_TK=$AUTHZ
page $TK "$B" "/sign/$AUTHZ"
T2=$(csrf)
form $TK "$B" "/sign/$AUTHZ/method" "method=sms&csrf=$T2"
OTP2=$(code_in_spool)
WRONG2=$(printf '%06d' $(( (10#$OTP2 + 1) % 1000000 )))
form $TK "$B" "/sign/$AUTHZ/otp" "csrf=$T2&action=verify&otp=$WRONG2"
expect "a wrong code from Tokyo" 200 "The code is not correct."

# --- 3. The records carry where the address is.
AUTH_OK=$(q "SELECT seq FROM records WHERE type='signatory.auth' AND outcome='success' AND CAST(record AS TEXT) LIKE '%\"correlation\":\"$AUTHZ_NY\"%' ORDER BY seq DESC LIMIT 1")
AUTH_BAD=$(q "SELECT seq FROM records WHERE type='signatory.auth' AND outcome='failure' AND CAST(record AS TEXT) LIKE '%\"correlation\":\"$AUTHZ_NY\"%' ORDER BY seq DESC LIMIT 1")
AUTH_TK=$(q "SELECT seq FROM records WHERE type='signatory.auth' AND outcome='failure' AND CAST(record AS TEXT) LIKE '%\"correlation\":\"$AUTHZ_TK\"%' ORDER BY seq DESC LIMIT 1")
check "the successful authentication is recorded" test -n "$AUTH_OK"
check "... and the failed ones" test -n "$AUTH_BAD" -a -n "$AUTH_TK"
REC_OK=$(q "SELECT CAST(record AS TEXT) FROM records WHERE seq=$AUTH_OK")
check "signatory.auth from 127.0.0.3 has client_ip 127.0.0.3" grep -q '"client_ip":"127.0.0.3"' <<<"$REC_OK"
check "... details.country US" grep -q '"country":"US"' <<<"$REC_OK"
check "... details.city New York" grep -q '"city":"New York"' <<<"$REC_OK"
check "... details.geo 40.7128,-74.0060" grep -q '"geo":"40.7128,-74.0060"' <<<"$REC_OK"
check "... and the SAM's own details are kept" grep -q '"auth_method":"sms"' <<<"$REC_OK"
REC_TK=$(q "SELECT CAST(record AS TEXT) FROM records WHERE seq=$AUTH_TK")
check "the failure from Tokyo says JP, Tokyo" bash -c "grep -q '\"country\":\"JP\"' <<<'$REC_TK' && grep -q '\"city\":\"Tokyo\"' <<<'$REC_TK'"
LOGIN=$(q "SELECT CAST(record AS TEXT) FROM records WHERE type='role.login' ORDER BY seq DESC LIMIT 1")
check "a staff login from 127.0.0.1 says FR, Paris" bash -c "grep -q '\"country\":\"FR\"' <<<'$LOGIN' && grep -q '\"city\":\"Paris\"' <<<'$LOGIN' && grep -q '\"geo\":\"48.8566,2.3522\"' <<<'$LOGIN'"
NOGEO=$(q "SELECT count(*) FROM records WHERE json_extract(CAST(record AS TEXT), '\$.client_ip') IS NULL AND json_extract(CAST(record AS TEXT), '\$.details.geo') IS NOT NULL")
check "records without a client address get no GeoIP details" test "$NOGEO" = 0
NGEO=$(q "SELECT count(*) FROM records WHERE json_extract(CAST(record AS TEXT), '\$.client_ip') = '127.0.0.5'")
check "(no request came from an address the database does not know)" test "$NGEO" = 0

# --- 4. The search: each filter finds what it should and not what it should not.
SM=security-manager
# seqs PATH: the seqs listed by a search page, one a line.
seqs() { acurl $SM "$1" | sed -n 's/.*<tr id="rec-\([0-9]*\)">.*/\1/p'; }
in_list() { grep -qx "$1" <<<"$2"; }
search_has() { local d=$1 path=$2 yes=$3 no=${4:-}; local l; l=$(seqs "$path")
	if ! in_list "$yes" "$l"; then not_ok "$d" "$path lacks $yes: $(tr '\n' ' ' <<<"$l")"
	elif [ -n "$no" ] && in_list "$no" "$l"; then not_ok "$d" "$path has $no"
	else ok "$d"; fi; }

ahttp $SM GET /audit
expect "the security manager's audit search page" 200 'id="search"'
has "... a GET form" '<form method="get" action="/audit"'
has "... every event type in the select" '<option value="algorithm.withdraw">'
has "... export links" 'id="export-csv"'
TOTAL=$(q "SELECT count(*) FROM records")
has "... the total of every record" "<strong id=\"total-count\">"
ROWS=$(grep -c '<tr id="rec-' <<<"$BODY")
check "... 50 records on the first page" test "$ROWS" -eq 50

search_has "type=signatory.auth finds the authentication, not a login" "/audit?type=signatory.auth" "$AUTH_OK" \
	"$(q "SELECT max(seq) FROM records WHERE type='role.login'")"
search_has "outcome=failure finds the wrong code, not the right one" "/audit?outcome=failure&type=signatory.auth" "$AUTH_BAD" "$AUTH_OK"
search_has "outcome=success finds the right code, not the wrong one" "/audit?outcome=success&type=signatory.auth" "$AUTH_OK" "$AUTH_BAD"
search_has "country=US finds New York, not Tokyo" "/audit?country=US" "$AUTH_OK" "$AUTH_TK"
search_has "country=jp (any case) finds Tokyo, not New York" "/audit?country=jp" "$AUTH_TK" "$AUTH_OK"
search_has "ip=127.0.0.4 finds Tokyo, not New York" "/audit?ip=127.0.0.4" "$AUTH_TK" "$AUTH_OK"
search_has "signatory=sig-geo finds its authentication, not the other's" "/audit?signatory=sig-geo" "$AUTH_OK" "$AUTH_TK"
search_has "signatory=sig-tokyo finds its failure, not sig-geo's" "/audit?signatory=sig-tokyo" "$AUTH_TK" "$AUTH_OK"
search_has "correlation finds the request's records, not another's" "/audit?correlation=$AUTHZ_NY" "$AUTH_OK" "$AUTH_TK"
ENC_DN=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$DEMO_DN")
SIG=$(q "SELECT max(seq) FROM records WHERE type='signature.create'")
search_has "sca=<the demo SCA's subject> finds its signature, not a staff login" "/audit?sca=$ENC_DN" "$SIG" \
	"$(q "SELECT max(seq) FROM records WHERE type='role.login'")"
search_has "sca=demo-sca (its client id) finds the request it made" "/audit?sca=demo-sca&type=sad.use" \
	"$(q "SELECT min(seq) FROM records WHERE type='sad.use' AND json_extract(CAST(record AS TEXT), '\$.details.client')='demo-sca'")"
SM_ID=$(q "SELECT json_extract(CAST(record AS TEXT), '\$.actor.id') FROM records WHERE type='role.login' AND json_extract(CAST(record AS TEXT), '\$.actor.role') LIKE 'security_manager%' ORDER BY seq LIMIT 1")
search_has "actor=<a security manager> finds their login, not the signatory's authentication" "/audit?actor=$SM_ID" \
	"$(q "SELECT min(seq) FROM records WHERE type='role.login' AND actor='$SM_ID'")" "$AUTH_OK"
TODAY=$(date -u +%F)
search_has "from=today finds today's records" "/audit?from=$TODAY&type=signatory.auth" "$AUTH_OK"
L=$(seqs "/audit?from=$(date -u -d tomorrow +%F)")
check "from=tomorrow finds nothing" test -z "$L"
L=$(seqs "/audit?to=$(date -u -d yesterday +%F)")
check "to=yesterday finds nothing" test -z "$L"
ahttp $SM GET "/audit?to=$(date -u -d yesterday +%F)"
has "... and says so" 'id="no-results"'
# Counts agree with the store.
ahttp $SM GET "/audit?type=signatory.auth&outcome=failure"
N=$(q "SELECT count(*) FROM records WHERE type='signatory.auth' AND outcome='failure'")
has "the total is the store's count ($N)" "<strong id=\"total-count\">$N</strong>"
ahttp $SM GET "/audit?country=USA"
expect "a malformed filter is refused" 400 "country"
ahttp $SM GET "/audit?from=2026-02-30"
expect "... an impossible date too" 400 "from"
ahttp $SM GET "/audit?nope=1"
expect "... and an unknown field" 400

# --- 5. Paging: 50 a page, older and newer links keep the filters.
P1=$(seqs "/audit")
ahttp $SM GET /audit
OLDER=$(sed -n 's/.*href="\([^"]*\)" id="page-older".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g' | head -n 1)
check "the first page links to older records" test -n "$OLDER"
check "... and not to newer ones" bash -c "! grep -q 'id=\"page-newer\"' <<<'$BODY'"
P2=$(seqs "$OLDER")
MIN1=$(sort -n <<<"$P1" | head -n 1)
MAX2=$(sort -n <<<"$P2" | tail -n 1)
check "the older page continues below the first ($MAX2 < $MIN1)" test "$MAX2" -lt "$MIN1"
check "... without a gap" test "$((MIN1 - 1))" = "$MAX2"
ahttp $SM GET "$OLDER"
NEWER=$(sed -n 's/.*href="\([^"]*\)" id="page-newer".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g' | head -n 1)
check "the older page links back to newer records" test -n "$NEWER"
check "... which is the first page again" test "$(seqs "$NEWER")" = "$P1"
ahttp $SM GET "/audit?outcome=success"
OLDER=$(sed -n 's/.*href="\([^"]*\)" id="page-older".*/\1/p' <<<"$BODY" | sed 's/&amp;/\&/g' | head -n 1)
check "paging links keep the filters" grep -q 'outcome=success' <<<"$OLDER"
ahttp $SM GET "$OLDER"
check "... and the older page has only successes" bash -c "! grep -q 'class=\"console-warning\">failure' <<<'$BODY'"

# --- 6. One record.
ahttp $SM GET "/audit/record/$AUTH_OK?back=%2Faudit%3Fcountry%3DUS"
expect "a record's page" 200 "Audit record"
has "... every member: details.country" '<td data-member="details.country">US</td>'
has "... details.city" '<td data-member="details.city">New York</td>'
has "... client_ip" '<td data-member="client_ip">127.0.0.3</td>'
has "... the link back keeps the search" 'href="/audit?country=US" id="back"'
ahttp $SM GET "/audit/record/$AUTH_OK?back=https%3A%2F%2Fevil.example%2F"
has "a foreign back link is replaced by the search page" 'href="/audit" id="back"'
ahttp $SM GET "/audit/record/999999999"
expect "an unknown record is 404" 404
ahttp $SM GET "/audit/record/abc"
expect "... and a name that is not a seq" 404

# --- 7. Export: CSV and JSON, parsed, match the search.
EXPORTS0=$(q "SELECT count(*) FROM records WHERE type='archive.export'")
ahttp $SM GET "/audit/export?format=csv&type=signatory.auth"
expect "the CSV export" 200 "seq,time,type,outcome"
check "... text/csv" grep -qi '^content-type: text/csv' <<<"$HEADERS"
check "... as a download" grep -qi '^content-disposition: attachment; filename="audit-.*\.csv"' <<<"$HEADERS"
cp "$PP_TMP/body" "$PP_TMP/export.csv"
CSV_SEQS=$(python3 - "$PP_TMP/export.csv" <<'EOF'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    rows = list(csv.DictReader(f))
assert all(r['type'] == 'signatory.auth' for r in rows), 'a row of another type'
print('\n'.join(r['seq'] for r in rows))
EOF
) || not_ok "the CSV parses (python3 csv)"
SEARCH_SEQS=$(seqs "/audit?type=signatory.auth" | sort -n)
check "the CSV holds the records the search shows" test "$(sort -n <<<"$CSV_SEQS")" = "$SEARCH_SEQS"
check "... their number is in the header" test "$(header Paraphe-Export-Count)" = "$(wc -l <<<"$SEARCH_SEQS")"
check "... not truncated" test "$(header Paraphe-Export-Truncated)" = no
CSV_US=$(python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    if r["seq"] == sys.argv[2]: print(r["country"], r["city"], r["client_ip"], sep="|")' "$PP_TMP/export.csv" "$AUTH_OK")
check "... with country, city and address columns" test "$CSV_US" = "US|New York|127.0.0.3"
ahttp $SM GET "/audit/export?format=json&country=JP"
expect "the JSON export" 200
check "... application/json" grep -qi '^content-type: application/json' <<<"$HEADERS"
cp "$PP_TMP/body" "$PP_TMP/export.json"
JSON_SEQS=$(python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
assert isinstance(recs, list)
assert all(r["details"]["country"] == "JP" for r in recs)
print("\n".join(str(r["seq"]) for r in recs))' "$PP_TMP/export.json") || not_ok "the JSON parses"
check "the JSON holds the records the search shows" test "$(sort -n <<<"$JSON_SEQS")" = "$(seqs "/audit?country=JP" | sort -n)"
# The array's elements are the stored records' exact bytes, one a line.
sed '1d;$d' "$PP_TMP/export.json" | sed 's/,$//' >"$PP_TMP/json.lines"
for s in $JSON_SEQS; do q "SELECT CAST(record AS TEXT) FROM records WHERE seq=$s"; done >"$PP_TMP/db.lines"
check "... the canonical records, byte for byte" cmp -s "$PP_TMP/json.lines" "$PP_TMP/db.lines"
EXPORTS1=$(q "SELECT count(*) FROM records WHERE type='archive.export'")
check "each export is recorded (archive.export)" test "$EXPORTS1" -eq $((EXPORTS0 + 2))
EREC=$(q "SELECT CAST(record AS TEXT) FROM records WHERE type='archive.export' ORDER BY seq DESC LIMIT 1")
check "... details.kind records" grep -q '"kind":"records"' <<<"$EREC"
check "... the format" grep -q '"format":"json"' <<<"$EREC"
check "... the filters" grep -q '"filter_country":"JP"' <<<"$EREC"
check "... the number of records" grep -q "\"count\":$(wc -l <<<"$JSON_SEQS")," <<<"$EREC"
check "... the SHA-256 of the file delivered" grep -q "\"sha256\":\"$(sha256sum "$PP_TMP/export.json" | cut -c1-64)\"" <<<"$EREC"
check "... by the security manager" grep -q "\"actor\":{\"id\":\"$SM_ID\"" <<<"$EREC"
ahttp $SM GET "/audit/export?format=xml"
expect "an unknown format is refused" 400
ahttp $SM GET "/audit/export?type=signatory.auth"
expect "... and a missing one" 400

# --- 8. Charts.
ahttp $SM GET "/charts/events.svg?days=7"
expect "the events chart" 200 "<svg"
check "... image/svg+xml" grep -qi '^content-type: image/svg+xml' <<<"$HEADERS"
printf '%s' "$BODY" >"$PP_TMP/events.svg"
BARS=$(python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg"
assert root.find(ns + "title").text.startswith("Audit events")
assert root.find(ns + "desc") is not None
bars = [r for r in root.iter(ns + "rect") if "chart-s0" in r.get("class", "")]
fails = [r for r in root.iter(ns + "rect") if "chart-s1" in r.get("class", "")]
assert len(bars) == len(fails)
print(len(bars))' "$PP_TMP/events.svg") || BARS=x
check "... parses as XML with one bar per day (7)" test "$BARS" = 7
check "... today's bar says the store's count at the time" grep -q "<title>$TODAY, all events: [0-9]*</title>" "$PP_TMP/events.svg"
ahttp $SM GET "/charts/events.svg"
printf '%s' "$BODY" >"$PP_TMP/events30.svg"
BARS=$(python3 -c '
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
print(sum(1 for r in ET.parse(sys.argv[1]).getroot().iter(ns + "rect") if "chart-s0" in r.get("class", "")))' "$PP_TMP/events30.svg")
check "... 30 days by default" test "$BARS" = 30
ahttp $SM GET "/charts/signatures.svg"
expect "the signatures chart" 200 "<svg"
printf '%s' "$BODY" >"$PP_TMP/sigs.svg"
SIGBAR=$(python3 -c '
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
for r in ET.parse(sys.argv[1]).getroot().iter(ns + "rect"):
    if "chart-s0" in r.get("class", ""):
        print(r.find(ns + "title").text)' "$PP_TMP/sigs.svg")
check "... one bar, the demo SCA's signature" test "$SIGBAR" = "$DEMO_DN, signatures: 1"
ahttp $SM GET "/charts/events.svg?days=0"
expect "days out of range is refused" 400
ahttp $SM GET /audit/charts
expect "the charts page" 200 '<img src="/charts/events.svg?days=30"'
has "... with alternative text" 'alt="Bar chart of the audit records'
has "... and the data table" 'id="daily"'
has "... the signatures table names the SCA" "$(sed 's/&/\&amp;/g' <<<"$DEMO_DN")"

# --- 9. Who may: security managers and controllers, nobody else (the matrix).
for who in controller security-manager-2; do
	for path in /audit "/audit/export?format=csv" /audit/charts /charts/events.svg /charts/signatures.svg "/audit/record/$AUTH_OK"; do
		code=$(acurl $who -o /dev/null -w '%{http_code}' "$path")
		check "$who may GET $path" test "$code" = 200
	done
done
for who in operator application-manager system-engineer share-holder; do
	for path in /audit "/audit/export?format=csv" /audit/charts /charts/events.svg /charts/signatures.svg "/audit/record/$AUTH_OK"; do
		code=$(acurl $who -o /dev/null -w '%{http_code}' "$path")
		check "$who gets 403 on $path" test "$code" = 403
	done
done

pp_finish
