#!/usr/bin/env bash
# The audit review in the console (AUD-6, AUD-2, SEC-3) on a real instance:
#   - failed console logins and failed OTPs are the day's failed attempts,
#     listed with their counts; today cannot be signed off (not over);
#   - with review_since moved back (the injected install date), an overdue
#     business day shows on the home page; its sign-off is stored with the
#     report, recorded (audit.review), refused the second time, and the
#     alert goes; a controller reads everything and signs nothing (403);
#   - manual entries are recorded with the persons present, late ones
#     marked;
#   - the fortnightly analysis finds an injected burst of failed logins and
#     an injected impossible travel (records appended through the audit
#     socket with client_ip and geo details), and is signed off once;
#   - the monthly reconciliation lists nothing for clean signing flows (a
#     CSC session, an ephemeral session's authorisation request) and
#     finds an injected signature.create without SAD, one whose SAD was
#     never issued, and a stray HSM key made behind the SAM's back.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
pp_init
CONF=$STATE/paraphe.conf
# A key nobody asked for in the SAM's token, before the SAM starts (as in
# t_sam_staff.sh).
STRAY=5354524159000000000000000000cafe
"$BIN/tests/tools/pp-test-p11keygen" "$CONF" "$STRAY" ec-p256 >/dev/null 2>"$PP_TMP/keygen.err" ||
	echo "# pp-test-p11keygen: $(cat "$PP_TMP/keygen.err")"
SVC_USER=$(sed -n 's/^user = //p' "$CONF" | head -n 1)
if [ "$(id -u)" = 0 ] && [ -n "$SVC_USER" ]; then chown -R "$SVC_USER:" "$STATE/hsm/tokens"; fi
pp_start
admin_up

SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
A="\"sca\":\"CN=Demo SCA,O=Paraphe Demo SCA,C=FR\",\"client_sha256\":\"$SCA_SHA256\""
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2
sam() { ANS=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
adb() { sqlite3 -cmd ".timeout 5000" "$STATE/db/admin.db" "$1"; }
# audit STRING...: one record of audit.db holds every STRING.
audit() {
	local l s
	l=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/audit.db" "SELECT record FROM records") || return 1
	for s in "$@"; do l=$(grep -F -- "$s" <<<"$l") || return 1; done
	return 0
}
# append JSON: one record through the audit daemon's socket.
append() { "$BIN/tools/paraphe-audit" -c "$CONF" append "$1" >/dev/null; }
# ac ROLE PATH [curl args...]: one console request; sets CODE, BODY, HEADERS.
ac() {
	local role=$1 path=$2
	shift 2
	rm -f "$PP_TMP/ac.body" "$PP_TMP/ac.hdr"
	CODE=$(acurl "$role" -o "$PP_TMP/ac.body" -D "$PP_TMP/ac.hdr" -w '%{http_code}' "$@" "$path") || CODE=000
	BODY=$(cat "$PP_TMP/ac.body" 2>/dev/null || true)
	HEADERS=$(cat "$PP_TMP/ac.hdr" 2>/dev/null || true)
}
has() { if grep -qF -- "$2" <<<"$BODY"; then ok "$1"; else not_ok "$1" "page lacks '$2': ${BODY:0:400}"; fi; }
lacks() { if ! grep -qF -- "$2" <<<"$BODY"; then ok "$1"; else not_ok "$1" "page has '$2'"; fi; }
day() { date -u -d "$TODAY $1 days" +%F; }
wday() { date -u -d "$1" +%u; }

TODAY=$(date -u +%F)
MONTH=$(date -u +%Y-%m)
LAST_MONTH=$(date -u -d "$(date -u +%Y-%m-01) -1 day" +%Y-%m)
# An older install date: reviews are due from 40 days ago.
SINCE=$(day -40)
adb "INSERT INTO params (name, value, changed_ms, changed_by) VALUES ('review_since', '$SINCE', 0, 'test')"
# D: the first business day (Mon-Fri) at least 20 days ago: overdue.
D=$(day -20)
while [ "$(wday "$D")" -gt 5 ]; do D=$(date -u -d "$D +1 day" +%F); done

# --- failed attempts: two wrong console codes, two wrong OTPs.
for i in 1 2; do
	ahttp share-holder GET /login
	ahttp share-holder POST /login --data-urlencode "csrf=$(admin_field)" --data-urlencode "code=000000"
done
check "wrong console codes are recorded as role.login_failure" audit '"type":"role.login_failure"'
sam "{\"v\":1,\"op\":\"signatory.create\",$A,\"id\":\"sig-rv\",\"given_name\":\"Rita\",\"surname\":\"Vue\",\"country\":\"FR\",\"serial_number\":\"IDCFR-7\",\"mobile\":\"+33612340000\",\"evidence\":\"KYC-7\"}"
sam "{\"v\":1,\"op\":\"credential.create\",$A,\"signatory\":\"sig-rv\",\"key_type\":\"ec-p256\"}"
C1=$(amember id)
check "a signatory with a credential" test -n "$C1"
printf 'document r\n' >"$PP_TMP/r.txt"
H=$(openssl dgst -sha256 -binary "$PP_TMP/r.txt" | base64 -w0)
for s in s-bad-1 s-bad-2; do
	sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-rv\",\"session\":\"$s\"}"
	OTP=$(amember otp_id)
	sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-rv\",\"credential\":\"$C1\",\"session\":\"$s\",\"otp_id\":\"$OTP\",\"otp\":\"000000\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H\"],\"consent\":true}"
done
check "wrong OTPs are recorded as failed signatory.auth" audit '"type":"signatory.auth"' '"outcome":"failure"' '"recipient":"sig-rv"'

# --- the review list and today's page.
ac security-manager /review
expect "the review list answers" 200 'id="days"'
if [ "$(wday "$TODAY")" -le 5 ]; then
	has "today is in progress" "id=\"day-$TODAY\" data-state=\"in progress\""
else
	lacks "today is no business day: not listed" "id=\"day-$TODAY\""
fi
has "an old business day is overdue" "id=\"day-$D\" data-state=\"NOT REVIEWED (overdue)\""
has "review_since is the injected date" "id=\"review-since\">$SINCE<"
ac security-manager "/review/$TODAY"
expect "today's failed attempts are listed" 200 'id="failures"'
has "... role.login_failure counted" 'data-type="role.login_failure">2<'
has "... signatory.auth failures counted" 'data-type="signatory.auth">2<'
has "... today is not over" 'id="day-open"'
lacks "... and cannot be signed off" 'id="sign-form"'
ac security-manager "/review/$TODAY" --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "comment=too early"
expect "signing off today is refused (409)" 409 "not over"
ac security-manager "/review/$(day 3)" --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "comment=future"
expect "signing off a future day is refused (409)" 409
ac security-manager /review/not-a-day
expect "a path that is no day is a 404" 404

# --- SEC-3: the home page's alerts.
ac security-manager /
expect "the home page answers" 200
has "the overdue day is an alert" "Failed attempts of $D not reviewed"
has "... linking to its review" "href=\"/review/$D\""
has "older unreviewed days are counted in one alarm" "business day(s) between $SINCE and $(day -31) not reviewed"
has "no fortnightly analysis: a warning" "No fortnightly analysis"
has "no monthly reconciliation: a warning" "No monthly reconciliation"
ac controller /
has "the controller sees the alerts too" "Failed attempts of $D not reviewed"
ac operator /
lacks "the operator does not" "not reviewed"

# --- the controller reads and signs nothing.
ac controller "/review/$D"
expect "a controller reads a day's review" 200 'id="no-failures"'
lacks "... without a sign-off form" 'id="sign-form"'
ac controller "/review/$D" --data-urlencode "csrf=$(acsrf controller)" --data-urlencode "comment=I agree"
expect "a controller cannot sign off (403)" 403
ac operator /review
expect "an operator cannot read the reviews (403)" 403

# --- the sign-off.
ac security-manager "/review/$D"
has "the security manager is offered the sign-off" 'id="sign-form"'
ac security-manager "/review/$D" --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "comment= "
expect "a sign-off without comment is refused" 400 "comment"
ac security-manager "/review/$D" --data-urlencode "comment=no csrf"
expect "a sign-off without the CSRF token is refused" 403 "out of date"
ac security-manager "/review/$D" --data-urlencode "csrf=$(acsrf security-manager-2)" --data-urlencode "comment=other token"
expect "a sign-off with another session's CSRF token is refused" 403
ac security-manager "/review/$D" --data-urlencode "csrf=$(acsrf security-manager)" \
	--data-urlencode "comment=Checked every failure of the day: none.
Nothing to report."
expect "the sign-off is accepted (a comment of two lines)" 303
ac security-manager "/review/$D"
has "the day shows who signed off" 'id="signed-by">Test security-manager<'
has "... and the comment" 'Checked every failure of the day: none.'
check "the sign-off is stored with its report" test "$(adb "SELECT kind || ' ' || period_end || ' ' || findings || ' ' || json_extract(report, '\$.day') || ' ' || json_type(report, '\$.seqs') FROM reviews WHERE kind = 'daily' AND period_start = '$D'")" = "daily $(date -u -d "$D +1 day" +%F) 0 $D array"
check "... the comment kept with its lines" test "$(adb "SELECT comment FROM reviews WHERE kind = 'daily' AND period_start = '$D'" | wc -l)" = 2
check "audit.review is recorded (kind, period, failures, the report's hash, the comment in one line)" audit \
	'"type":"audit.review"' "\"period\":\"$D\"" '"kind":"daily"' '"failures":0' '"report_sha256":"' \
	'"cause":"Checked every failure of the day: none. Nothing to report."'
H_REPORT=$(adb "SELECT report FROM reviews WHERE kind = 'daily' AND period_start = '$D'" | tr -d '\n' | sha256sum | cut -c1-64)
check "... whose report_sha256 is the stored report's" audit '"type":"audit.review"' "\"report_sha256\":\"$H_REPORT\""
ac security-manager-2 "/review/$D" --data-urlencode "csrf=$(acsrf security-manager-2)" --data-urlencode "comment=again"
expect "a second sign-off of the day is refused (409)" 409 "already signed off"
check "... and not stored" test "$(adb "SELECT count(*) FROM reviews WHERE period_start = '$D'")" = 1
ac security-manager /
lacks "the signed day's alert is gone" "Failed attempts of $D not reviewed"
ac security-manager /review
has "the list shows the day signed" "id=\"day-$D\" data-state=\"signed\""

# --- AUD-2: manual entries.
NOW=$(date -u +%Y-%m-%dT%H:%M)
ac system-engineer /manual --data-urlencode "csrf=$(acsrf system-engineer)" --data-urlencode kind=maintenance \
	--data-urlencode "event_time=$NOW" --data-urlencode "present=Alice Martin, Bob Durand" \
	--data-urlencode "description=Replaced disk 2
of the HSM host"
expect "a system engineer records a maintenance" 303
check "manual.maintenance is recorded with the persons present and the description" audit \
	'"type":"manual.maintenance"' '"present":["Alice Martin","Bob Durand"]' '"cause":"Replaced disk 2 of the HSM host"' \
	"\"event_time\":\"$NOW:00Z\"" '"late":false' '"kind":"staff"'
YESTERDAY=$(day -1)T09:30
ac security-manager /manual --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode kind=physical_access \
	--data-urlencode "event_time=$YESTERDAY" --data-urlencode "present=Carl Garde" \
	--data-urlencode "description=Visitor escorted to the server room"
expect "an entry about yesterday is accepted" 303
check "... flagged late" audit '"type":"manual.physical_access"' '"late":true' "\"event_time\":\"$YESTERDAY:00Z\""
ac system-engineer /manual
expect "the manual entries are listed" 200 'id="entries"'
has "... with the persons present" 'Alice Martin, Bob Durand'
has "... the late one marked" 'data-late="1"'
ac system-engineer /manual --data-urlencode "csrf=$(acsrf system-engineer)" --data-urlencode kind=maintenance \
	--data-urlencode "event_time=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M)" --data-urlencode "description=future"
expect "an event in the future is refused" 400
ac system-engineer /manual --data-urlencode "csrf=$(acsrf system-engineer)" --data-urlencode kind=maintenance \
	--data-urlencode "event_time=$NOW" --data-urlencode "present=a,b,c,d,e,f,g,h,i" --data-urlencode "description=x"
expect "nine persons present are refused" 400 "at most 8"
ac system-engineer /manual --data-urlencode "csrf=$(acsrf system-engineer)" --data-urlencode kind=coffee \
	--data-urlencode "event_time=$NOW" --data-urlencode "description=x"
expect "an unknown kind is refused" 400
ac operator /manual
expect "an operator cannot make manual entries (403)" 403

# --- the fortnightly analysis: an injected burst and impossible travel.
for i in 1 2 3 4 5; do
	append "{\"type\":\"role.login_failure\",\"outcome\":\"failure\",\"actor\":{\"kind\":\"anonymous\",\"id\":\"console\"},\"client_ip\":\"192.0.2.66\",\"cause\":\"wrong code $i\"}"
done
append '{"type":"role.login","outcome":"success","actor":{"kind":"staff","id":"stf-traveller","role":"operator"},"client_ip":"127.0.0.1","details":{"country":"FR","city":"Paris","geo":"48.8566,2.3522"}}'
append '{"type":"role.login","outcome":"success","actor":{"kind":"staff","id":"stf-traveller","role":"operator"},"client_ip":"127.0.0.4","details":{"country":"JP","city":"Tokyo","geo":"35.6762,139.6503"}}'
# A signatory seen in France, then authenticating from the United States.
for cc in 'FR","city":"Paris","geo":"48.8566,2.3522' 'US","city":"New York","geo":"40.7128,-74.0060'; do
	append "{\"type\":\"signatory.auth\",\"outcome\":\"success\",\"actor\":{\"kind\":\"signatory\",\"id\":\"sig-geo\"},\"recipient\":\"sig-geo\",\"details\":{\"country\":\"$cc\"}}"
done
check "the injected records are in the log" audit '"id":"stf-traveller"' '"city":"Tokyo"'
# Staff may log in from France and Belgium only: the console parameter,
# proposed by one security manager and approved by the other.
PID=$(admin_propose security-manager params.set "param=allowed_countries" "value=FR BE")
admin_approve security-manager-2 "$PID"
check "allowed_countries is set by dual control" test "$(adb "SELECT value FROM params WHERE name = 'allowed_countries'")" = "FR BE"
FROM=$(day -13)
ac controller "/analysis?from=$FROM"
expect "the controller reads the analysis" 200 'id="sec-bursts"'
has "the burst from 192.0.2.66 is found" 'from IP 192.0.2.66: at least 5'
has "the impossible travel is found" 'stf-traveller: Paris (FR) then Tokyo (JP)'
has "the OTP failures per signatory are listed" '2 OTP failure(s)'
has "a signatory's new country is found" 'signatory sig-geo authenticated from US (New York) for the first time'
has "a staff login from outside the allowed countries is found" 'staff stf-traveller logged in from JP (Tokyo), outside the allowed countries (FR BE)'
lacks "... not the one from France" 'logged in from FR'
has "the controller's refusal is an integrity finding" 'access.denied'
lacks "... and no sign-off form for the controller" 'id="sign-form"'
has "these two weeks are not over" 'id="analysis-open"'
ac security-manager /analysis --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "from=$FROM" \
	--data-urlencode "comment=too early"
expect "an analysis of a fortnight not over is refused (409)" 409
FROM=$(day -14)
ac security-manager "/analysis?from=$FROM"
has "the last 14 days can be signed off" 'id="sign-form"'
ac security-manager /analysis --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "from=$FROM" \
	--data-urlencode "comment=Burst from 192.0.2.66 and the travel of stf-traveller investigated: test records."
expect "the analysis is signed off" 303
# The fortnight signed ends before today: today's injected records are not in it.
check "... stored with its report" test "$(adb "SELECT json_extract(report, '\$.to') || ' ' || json_type(report, '\$.findings.bursts') || ' ' || json_type(report, '\$.findings.impossible_travel') FROM reviews WHERE kind = 'fortnightly' AND period_start = '$FROM'")" = "$TODAY array array"
check "... and recorded" audit '"type":"audit.review"' '"kind":"fortnightly"' "\"period\":\"$FROM\""
ac security-manager /analysis --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "from=$FROM" \
	--data-urlencode "comment=again"
expect "... once (409)" 409
ac security-manager /
lacks "the fortnightly warning is gone" "No fortnightly analysis"

# --- the monthly reconciliation.
sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-rv\",\"session\":\"s-good\"}"
OTP=$(amember otp_id)
CODE=$(tail -n +4 "$SPOOL/paraphe-$OTP" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-rv\",\"credential\":\"$C1\",\"session\":\"s-good\",\"otp_id\":\"$OTP\",\"otp\":\"$CODE\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H\"],\"consent\":true}"
SAD=$(amember sad)
sam "{\"v\":1,\"op\":\"sign\",$A,\"credential\":\"$C1\",\"sad\":\"$SAD\",\"hash_algo\":\"$SHA256\",\"sign_algo\":\"$ECDSA256\",\"hashes\":[\"$H\"]}"
check "a clean signing flow signs" grep -q '"signatures":\["' <<<"$ANS"
check "... recorded" audit '"type":"signature.create"' "\"credential\":\"$C1\""
# ... and a clean flow of an authorisation request: an ephemeral session
# opened by the SCA, the signatory's OTP and approval (on the SAM's socket,
# as the signer pages would), the SAD to the SCA, signHash.
J=(-H 'Content-Type: application/json')
post() { http POST "$SCA$1" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$2"; }
bmember() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" <<<"$BODY" | head -n 1; }
otp_of() { tail -n +4 "$SPOOL/paraphe-$1" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6; }
post /ra/v1/signatories '{"id":"sig-eph","given_name":"Eve","surname":"Phemere","country":"FR","serial_number":"IDCFR-8","mobile":"+33612340001","evidence":"KYC-8"}'
expect "a second signatory is enrolled by the SCA" 201
post /ephemeral/v1/sessions '{"signatory":"sig-eph","key_type":"ec-p256","description":"Bail"}'
SID=$(bmember sessionID)
sam "{\"v\":1,\"op\":\"authz.otp_send\",\"authz\":\"$SID\",\"ip\":\"192.0.2.9\"}"
OTP=$(amember otp_id)
sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$SID\",\"otp_id\":\"$OTP\",\"otp\":\"$(otp_of "$OTP")\",\"ip\":\"192.0.2.9\"}"
http GET "$SCA/ephemeral/v1/sessions/$SID" "${SCA_CERT[@]}"
CRED=$(bmember credentialID)
post "/ephemeral/v1/sessions/$SID/documents" "{\"hashAlgorithmOID\":\"$SHA256\",\"hashes\":[\"$H\"]}"
sam "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"$SID\",\"consent\":true,\"ip\":\"192.0.2.9\"}"
http GET "$SCA/ephemeral/v1/sessions/$SID" "${SCA_CERT[@]}"
SAD=$(bmember SAD)
post /csc/v2/signatures/signHash "{\"credentialID\":\"$CRED\",\"SAD\":\"$SAD\",\"hashes\":[\"$H\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "the ephemeral session's document is signed" 200 '"signatures":["'
check "... recorded" audit '"type":"signature.create"' "\"correlation\":\"$SID\""
ac controller "/reconciliation?month=$MONTH"
expect "the controller reads the reconciliation" 200 'id="recon-total"'
has "both signatures are counted" 'id="recon-signatures">2<'
lacks "the clean flow has no log mismatch" 'data-rule="no_'
has "the stray HSM key is a mismatch" "HSM key ${STRAY}"
has "... of its kind" 'data-rule="key_without_credential"'
has "the month is not over" 'id="recon-open"'
append "{\"type\":\"signature.create\",\"outcome\":\"success\",\"actor\":{\"kind\":\"sca\",\"id\":\"CN=Injected SCA\"},\"recipient\":\"sig-rv\",\"details\":{\"credential\":\"$C1\"}}"
append "{\"type\":\"signature.create\",\"outcome\":\"success\",\"actor\":{\"kind\":\"sca\",\"id\":\"CN=Injected SCA\"},\"recipient\":\"sig-rv\",\"details\":{\"credential\":\"$C1\",\"sad_id\":\"0123456789abcdef0123456789abcdef\"}}"
ac security-manager "/reconciliation?month=$MONTH"
has "a signature without SAD is found" 'data-rule="no_sad"'
has "a signature whose SAD was never issued is found" 'data-rule="no_sad_issue"'
has "... naming the SAD" 'no sad.issue record of SAD 0123456789abcdef0123456789abcdef'
has "four signatures are counted" 'id="recon-signatures">4<'
ac security-manager /reconciliation --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "month=$MONTH" \
	--data-urlencode "comment=too early"
expect "a month not over cannot be signed off (409)" 409
ac controller /reconciliation --data-urlencode "csrf=$(acsrf controller)" --data-urlencode "month=$LAST_MONTH" \
	--data-urlencode "comment=controller"
expect "a controller cannot sign off a reconciliation (403)" 403
ac security-manager /reconciliation --data-urlencode "csrf=$(acsrf security-manager)" --data-urlencode "month=$LAST_MONTH" \
	--data-urlencode "comment=Stray key $STRAY reported to the HSM custodians."
expect "last month is signed off" 303
check "... stored with the HSM mismatch" test "$(adb "SELECT findings >= 1 AND json_extract(report, '\$.hsm.available') FROM reviews WHERE kind = 'monthly' AND period_start = '$LAST_MONTH-01'")" = 1
check "... and recorded" audit '"type":"audit.review"' '"kind":"monthly"' "\"period\":\"$LAST_MONTH-01\""
ac security-manager /
lacks "the monthly warning is gone" "No monthly reconciliation"

pp_finish
