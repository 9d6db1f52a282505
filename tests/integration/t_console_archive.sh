#!/usr/bin/env bash
# The audit archive from the console (ARC-3, ARC-4): the six-monthly check
# warning, complete and partial checks by the security manager with their
# reports and records, a tampered segment and a truncated archive caught
# and named, the period export that tar extracts and paraphe-audit-verify
# verifies offline, and who may do what.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
# record TYPE PATTERN...: a forwarded record of TYPE matches every PATTERN.
record() {
	local lines p
	lines=$(grep -- "\"type\":\"$1\"" "$STATE/log/collector.log" 2>/dev/null) || return 1
	shift
	for p in "$@"; do lines=$(grep -- "$p" <<<"$lines") || return 1; done
}
# ac ROLE PATH [curl args...]: one console request; sets CODE, BODY, HEADERS.
ac() {
	local role=$1 path=$2
	shift 2
	rm -f "$PP_TMP/ac.body" "$PP_TMP/ac.hdr"
	CODE=$(acurl "$role" -o "$PP_TMP/ac.body" -D "$PP_TMP/ac.hdr" -w '%{http_code}' "$@" "$path") || CODE=000
	BODY=$(cat "$PP_TMP/ac.body" 2>/dev/null || true)
	HEADERS=$(cat "$PP_TMP/ac.hdr" 2>/dev/null || true)
}
# check_archive ROLE [from to]: POST /archive/check; sets CODE, REPORT (the
# report page's path) and BODY (the report page).
check_archive() {
	local role=$1 extra=()
	[ $# -eq 3 ] && extra=(--data-urlencode "from=$2" --data-urlencode "to=$3")
	ac "$role" /archive/check --data-urlencode "csrf=$(acsrf "$role")" "${extra[@]}"
	REPORT=$(sed -n 's/^[Ll]ocation: *\(\/archive\/checks\/[0-9]*\).*/\1/p' <<<"$HEADERS" | tr -d '\r')
	if [ "$CODE" = 303 ] && [ -n "$REPORT" ]; then
		ac "$role" "$REPORT"
	fi
}

pp_init
# Segments are cut every 10 records: the staff logins alone make several.
pp_conf_set audit segment_max_records 10
pp_start
admin_up
ARCH=$STATE/archive
KEY=$STATE/audit/audit-key.pem
ORIGIN=paraphe.local/audit/$(sed -n 's/^node_id *= *//p' "$STATE/paraphe.conf" | head -n1)
check "the audit daemon cut three segments" wait_for 30 test -d "$ARCH/seg-00000003"

# --- ARC-3: no check yet.
ac security-manager /archive
expect "the archive page lists the segments" 200 'id="segments"'
check "the page names this node's origin" grep -q "$ORIGIN" <<<"$BODY"
check "with no check, the six-months warning shows" grep -q 'id="archive-overdue"' <<<"$BODY"
ac security-manager /
expect "the home page shows the same warning" 200 "never been completely checked"
check "the home alert links to the archive page" grep -q 'href="/archive"' <<<"$BODY"

# --- who may check: the security manager only.
for role in operator controller system-engineer; do
	ac "$role" /archive/check --data-urlencode "csrf=$(acsrf "$role")"
	expect "$role may not run an archive check (403)" 403
done
ac controller /archive
expect "a controller reads the archive page" 200 'id="segments"'
check "a controller is not offered the check" bash -c '! grep -q "id=\"check-all\"" <<<"$1"' _ "$BODY"
ac security-manager /archive/check --data-urlencode csrf=0123456789abcdef0123456789abcdef
expect "a check with another session's CSRF token is refused" 403

# --- a tampered segment: one byte of segment 2's records flipped.
F=$ARCH/seg-00000002/records.jsonl.gz
cp -p "$F" "$PP_TMP/records.orig"
python3 - "$F" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x01
open(p, 'wb').write(bytes(b))
PY
check_archive security-manager
expect "the check of a tampered archive answers its report" 200 'data-result="integrity_failure"'
check "the report names the problem" grep -q '<code>records_modified</code>' <<<"$BODY"
check "the report says which segment, in words" \
	grep -q '<th scope="row">2</th><td class="console-alarm">The file of records is not the one that was signed' <<<"$BODY"
check "archive.check failure recorded" wait_for 10 record archive.check '"outcome":"failure"'
cp -p "$PP_TMP/records.orig" "$F"
ac security-manager /archive
check "a failed check leaves the warning" grep -q 'id="archive-overdue"' <<<"$BODY"

# --- a truncated archive: the last segment removed; the daemon's
# checkpoint kept outside the archive shows it.
LAST=$(ls -d "$ARCH"/seg-* | sort | tail -n1)
mv "$LAST" "$PP_TMP/last-segment"
check_archive security-manager
expect "a truncated archive fails the check" 200 'data-result="integrity_failure"'
check "the report names the truncation" grep -q '<code>rollback_or_truncation</code>' <<<"$BODY"
mv "$PP_TMP/last-segment" "$LAST"

# --- a complete check that passes.
check_archive security-manager
expect "a complete check of the intact archive passes" 200 'data-result="ok"'
check "its report shows the scope" grep -q 'id="check-scope">complete' <<<"$BODY"
check "the latest signed checkpoint was matched" grep -q 'id="check-pin">[0-9]* records; matched' <<<"$BODY"
GOOD=$REPORT
check "archive.check success recorded with its range and result" wait_for 10 record archive.check \
	'"outcome":"success"' '"complete":true,"from":1,"problems":0,"result":"ok"' '"to":[0-9]*[},]'
ac security-manager /archive
check "after a complete check the warning is gone" grep -q 'id="archive-uptodate"' <<<"$BODY"
check "the history links to the report" grep -q "href=\"$GOOD\"" <<<"$BODY"
ac security-manager /
check "and the home page no longer shows it" bash -c '! grep -q "completely checked" <<<"$1"' _ "$BODY"
ac controller /archive
check "a controller sees the history" grep -q "href=\"$GOOD\"" <<<"$BODY"
ac controller "$GOOD"
expect "a controller reads a report" 200 'data-result="ok"'
ac controller /archive/checks/99999
expect "an unknown report is 404" 404
# Six months later (184 days): the warning is back, with the date.
ADB() { sqlite3 -cmd ".timeout 5000" "$STATE/db/admin.db" "$@"; }
ADB "UPDATE archive_checks SET finished_ms = finished_ms - 184 * 86400000"
ac security-manager /archive
check "184 days after the last complete check the warning is back" \
	grep -q 'id="archive-overdue".*more than six months ago' <<<"$BODY"
ac security-manager /
check "and on the home page" grep -q "more than six months ago" <<<"$BODY"
ADB "UPDATE archive_checks SET finished_ms = finished_ms + 184 * 86400000"
ac security-manager /archive
check "back to today, the warning is gone again" grep -q 'id="archive-uptodate"' <<<"$BODY"

# --- a partial check.
check_archive security-manager 1 2
expect "a partial check of segments 1-2 passes" 200 'data-result="ok"'
check "it is shown as partial" grep -q 'id="check-scope">partial: segments 1 to 2' <<<"$BODY"
ac security-manager /archive/check --data-urlencode "csrf=$(acsrf security-manager)" \
	--data-urlencode from=2 --data-urlencode to=1
expect "a range that ends before it starts is refused" 400

# --- ARC-4: the export of a period.
FROM=$(date -u -d yesterday +%F)
TO=$(date -u -d tomorrow +%F)
for role in operator controller system-engineer; do
	ac "$role" "/archive/export?from=$FROM&to=$TO"
	expect "$role may not export the archive (403)" 403
done
ac security-manager "/archive/export?from=2001-01-01&to=2001-01-31"
expect "a period without segments is 404" 404 "no archive segment"
ac security-manager "/archive/export?from=2026-02-30&to=$TO"
expect "an impossible date is refused" 400
acurl security-manager -o "$PP_TMP/export.tar" -D "$PP_TMP/export.hdr" "/archive/export?from=$FROM&to=$TO"
check "the export is a tar download" grep -qi '^content-type: application/x-tar' "$PP_TMP/export.hdr"
check "tar lists it" tar -tf "$PP_TMP/export.tar"
mkdir -p "$PP_TMP/x"
check "tar extracts it" tar -xf "$PP_TMP/export.tar" -C "$PP_TMP/x"
TOP=$PP_TMP/x/paraphe-archive-$FROM-$TO
check "it holds the README" grep -q "paraphe-audit-verify" "$TOP/README.txt"
check "it holds the audit public key" cmp -s "$TOP/audit-public-key.pem" "$KEY"
NSEG=$(ls -d "$TOP"/archive/seg-* | wc -l)
N1=$(ls "$TOP"/archive | sort | head -n1 | sed 's/seg-0*//')
N2=$(ls "$TOP"/archive | sort | tail -n1 | sed 's/seg-0*//')
check "every segment of the period is in it" test "$NSEG" -ge 3
check "paraphe-audit-verify verifies the export offline" \
	"$BIN/tools/paraphe-audit-verify" --key "$TOP/audit-public-key.pem" --origin "$ORIGIN" \
	"$TOP/archive" range "$N1" "$N2"
check "archive.export recorded with the period and size" wait_for 10 record archive.export \
	'"bytes":[0-9]*' "\"first_segment\":$N1,\"from\":\"$FROM\",\"last_segment\":$N2,\"segments\":$NSEG" \
	"\"to\":\"$TO\""
# A flipped byte in the export is caught offline too.
python3 - "$TOP/archive/seg-00000001/manifest.json" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[10] ^= 0x01
open(p, 'wb').write(bytes(b))
PY
check "the offline verifier catches a change in the export" bash -c \
	'"$1" --key "$2" --origin "$3" "$4" range "$5" "$6" >/dev/null; test $? -eq 1' _ \
	"$BIN/tools/paraphe-audit-verify" "$TOP/audit-public-key.pem" "$ORIGIN" "$TOP/archive" "$N1" "$N2"

# --- a record kept on site, after the last segment but within the latest
# checkpoint, changed in audit.db: the archive alone is intact, the pin
# catches it (pin_tail).  Done last: the daemon is left with a changed
# record until it is put back.  No segment may be cut meanwhile: first
# let one be cut (each refused request is one access.denied record), then
# add two records and wait until a checkpoint covers them.
SQL() { sqlite3 -cmd ".timeout 5000" "$STATE/db/audit.db" "$@"; }
pending() { echo $(($(SQL "SELECT max(seq) FROM records") - $(SQL "SELECT coalesce(max(last_seq), 0) FROM segments"))); }
deny() { ac operator /archive/check --data-urlencode "csrf=$(acsrf operator)"; }
for _ in $(seq 1 12); do [ "$(pending)" -le 2 ] && break; deny; sleep 0.2; done
deny
deny
cp_size() { sed -n 2p "$STATE/audit/checkpoint"; }
covered() { [ "$(cp_size)" -gt "$(SQL "SELECT max(last_seq) FROM segments")" ]; }
check "a checkpoint covers records kept on site" wait_for 10 covered
SEQ=$(cp_size)
ORIG=$(SQL "SELECT hex(record) FROM records WHERE seq = $SEQ")
TYPE=$(SQL "SELECT typeof(record) FROM records WHERE seq = $SEQ")
SQL "UPDATE records SET record = CAST(replace(CAST(record AS TEXT), '\"outcome\":\"failure\"', '\"outcome\":\"success\"') AS $TYPE) WHERE seq = $SEQ"
check "the on-site record was changed" test "$(SQL "SELECT hex(record) FROM records WHERE seq = $SEQ")" != "$ORIG"
check_archive security-manager
expect "a changed on-site record fails the complete check" 200 'data-result="integrity_failure"'
check "the report names it pin_tail" grep -q '<code>pin_tail</code>' <<<"$BODY"
SQL "UPDATE records SET record = CAST(X'$ORIG' AS $TYPE) WHERE seq = $SEQ"
check "put back, the record is the original" test "$(SQL "SELECT hex(record) FROM records WHERE seq = $SEQ")" = "$ORIG"

pp_finish
