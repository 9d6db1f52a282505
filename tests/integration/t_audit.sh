#!/usr/bin/env bash
# The audit log end to end: the real audit daemon with its SoftHSMv2 token,
# the real components, the stand-in syslog collector and time-stamping
# authority, the offline verifier on the archive the daemon cut, and the
# attacks it must catch.
. "$(dirname "$0")/lib.sh"

BIN=$top_builddir
AUDIT() { "$BIN/tools/paraphe-audit" -c "$STATE/paraphe.conf" "$@"; }


forwarded() { grep -q -- "$1" "$STATE/log/collector.log" 2>/dev/null; }
# sqlite3 beside the running daemon: wait for its write lock, never fail on it.
SQL() { sqlite3 -cmd ".timeout 5000" "$@"; }

pp_init
# The stand-in TSA, with the demo PKI's time-stamping certificate.
"$BIN/tests/tools/pp-test-tsa" --cert "$PKI/tsa/tsa.crt" --key "$PKI/tsa/tsa.key" \
	--port-file "$PP_TMP/tsa.port" >"$PP_TMP/tsa.log" 2>&1 &
TSA_PID=$!
trap 'kill $TSA_PID 2>/dev/null; pp_down' EXIT
wait_for 10 test -s "$PP_TMP/tsa.port" || { echo "Bail out! the stand-in TSA did not start"; exit 99; }
pp_conf_set audit tsa_url "http://127.0.0.1:$(cat "$PP_TMP/tsa.port")/"
pp_conf_set audit tsa_ca "$PKI/tsa-ca.crt"
pp_conf_set audit heartbeat_s 2
pp_conf_set audit segment_max_records 40
pp_conf_set audit syslog_retry_s 1
pp_conf_set database busy_timeout_ms 300
pp_start
KEY=$STATE/audit/audit-key.pem
ARCH=$STATE/archive
VERIFY=("$BIN/tools/paraphe-audit-verify" --key "$KEY")

# --- start-up: every component logged its start, forwarded to the collector.
check "the checkpoint public key was published" test -s "$KEY"
check "audit.start forwarded" wait_for 10 forwarded '"type":"audit.start"'
check "the checkpoint key generation is recorded" forwarded '"type":"key.generate"'
check "the parameters of the new log are recorded" forwarded '"type":"audit.param_change"'
for c in paraphe-samd paraphe-signer paraphe-sca paraphe-admin; do
	check "$c logged its start" wait_for 10 forwarded "\"id\":\"$c\",\"kind\":\"system\"},\"details\":{\"pid\""
done
check "collector lines are RFC 5424 from the audit daemon" \
	grep -qE '^<8[0-9]>1 [0-9T:.-]+Z [^ ]+ paraphe-auditd [0-9]+ audit\.start - ' "$STATE/log/collector.log"
AUDIT health >"$PP_TMP/health.json"
check "health: integrity, forwarding and clock status, ok" \
	grep -qE '"integrity": ?true' "$PP_TMP/health.json"
check "health reports the clock status (TIME-1)" grep -q '"clock_synchronised"' "$PP_TMP/health.json"
check "health ok" grep -qE '"ok": ?true' "$PP_TMP/health.json"

# --- a trust-role login attempt is recorded before the console answers: a
# staff certificate without an account is refused, and that is recorded.
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "console answers a staff certificate (no account bound to it: refused)" 403 "opens no staff account"
check "the attempt is recorded as role.login_failure with the certificate serial" \
	wait_for 10 forwarded '"type":"role.login_failure"'
check "role.login_failure carries the client address" forwarded '"client_ip":"127.0.0.1"'

# --- fail closed: no audit daemon, no console.
AUDITD_PID=$(cat "$STATE/run/auditd.pid")
kill -TERM "$AUDITD_PID"
check "the audit daemon stops on SIGTERM" wait_for 10 pp_none_alive "$AUDITD_PID"
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "console refuses with 503 while the audit log cannot record" 503 "audit"
SCA_PID=$(cat "$STATE/run/sca.pid")
kill -TERM "$SCA_PID"
wait_for 10 pp_none_alive "$SCA_PID"
if "$BIN/fcgi/sca/paraphe-sca" -c "$STATE/paraphe.conf" >"$PP_TMP/sca-noaudit.log" 2>&1; then
	not_ok "a plugin refuses to run when its start cannot be logged"
else
	check "a plugin refuses to run when its start cannot be logged" \
		grep -q "did not acknowledge the start record" "$PP_TMP/sca-noaudit.log"
fi
restart() {	# restart NAME BINARY
	"$2" -c "$STATE/paraphe.conf" >>"$STATE/log/$1.log" 2>&1 </dev/null &
	echo $! >"$STATE/run/$1.pid"
}
rm -f "$STATE/run/audit.sock"
restart auditd "$BIN/audit/paraphe-auditd"
wait_for 10 test -S "$STATE/run/audit.sock"
restart sca "$BIN/fcgi/sca/paraphe-sca"
check "the SCA plugin starts again once the audit daemon is back" wait_for 10 test -S "$STATE/run/sca.sock"
check "the stop and restart are recorded (audit.stop, previous_stop clean)" \
	wait_for 10 forwarded '"previous_stop":"clean"'
check "audit.stop was forwarded before the daemon stopped" forwarded '"type":"audit.stop"'
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "console works again" 403 "opens no staff account"
if "$BIN/audit/paraphe-auditd" -c "$STATE/paraphe.conf" >"$PP_TMP/second.log" 2>&1; then
	not_ok "a second audit daemon refuses to take over a live socket"
else
	check "a second audit daemon refuses to take over a live socket" grep -q 'in use by a running process' "$PP_TMP/second.log"
fi
check "... and the first one still answers" AUDIT health

# --- malformed or refused messages: refused, recorded, the daemon lives on.
IPC=("$BIN/tests/tools/pp-test-ipc" "$STATE/run/audit.sock")
out=$(printf '\377\377\377\377garbage' | "${IPC[@]}")
check "an oversized frame closes the connection" test "$out" = closed
out=$(printf '\0\0\0\003{{{' | "${IPC[@]}")
check "a frame that is not JSON closes the connection" test "$out" = closed
msg='{"v":1,"op":"erase","record":{}}'
out=$(printf "\\0\\0\\0\\$(printf '%03o' ${#msg})%s" "$msg" | "${IPC[@]}")
check "an op outside the permit table closes the connection" test "$out" = closed
if AUDIT append '{"type":"sad.issue","outcome":"success","actor":{"kind":"signatory","id":"s1"},"details":{"otp":"S3CR3T-OTP-77"}}' >/dev/null 2>&1; then
	not_ok "a record carrying a secret is refused"
else
	ok "a record carrying a secret is refused"
fi
check "refusals are recorded as audit.message_refused" wait_for 10 forwarded '"type":"audit.message_refused"'
check "the refusal names the reason" wait_for 10 forwarded 'a key naming a secret'
check "the secret itself never reaches the log" bash -c '! grep -q S3CR3T-OTP-77 "$1/log/collector.log" && ! sqlite3 -cmd ".timeout 5000" "$1/db/audit.db" "SELECT record FROM records" | grep -q S3CR3T-OTP-77' _ "$STATE"
check "the daemon still answers" AUDIT health

# --- records, segments, time-stamps.
for i in $(seq 1 130); do
	AUDIT append "{\"type\":\"manual.maintenance\",\"outcome\":\"success\",\"actor\":{\"kind\":\"staff\",\"id\":\"CN=tester\",\"role\":\"system-engineer\"},\"cause\":\"test entry $i\"}" >/dev/null || { not_ok "append $i"; break; }
done
check "segments are cut by size" wait_for 20 test -d "$ARCH/seg-00000003"
check "segments carry an RFC 3161 time-stamp token" test -s "$ARCH/seg-00000001/manifest.tsr"
check "the token verifies with openssl ts" \
	openssl ts -verify -in "$ARCH/seg-00000001/manifest.tsr" -data "$ARCH/seg-00000001/manifest.json" \
	-CAfile "$PKI/tsa-ca.crt" -untrusted "$PKI/tsa/tsa.crt"
check "ARC-1: the manifest records the executables' SHA-256" \
	grep -q "\"$BIN/audit/paraphe-auditd\":\"$(sha256sum "$BIN/audit/paraphe-auditd" | cut -c1-64)\"" "$ARCH/seg-00000001/manifest.json"
check "the segment cut is itself recorded" wait_for 10 forwarded '"type":"audit.segment"'
"${VERIFY[@]}" --tsa-ca "$PKI/tsa-ca.crt" "$ARCH" all >"$PP_TMP/verify.txt" 2>&1
rc=$?
check "the offline verifier accepts the daemon's archive (exit 0)" test $rc -eq 0
check "the verifier's verdict line says OK" grep -q '^OK' "$PP_TMP/verify.txt"
"${VERIFY[@]}" --json "$ARCH" all >"$PP_TMP/verify.json" 2>/dev/null
check "the JSON report says ok" grep -q '"result": *"ok"' "$PP_TMP/verify.json"

# Checkpoints kept outside the archive (what an auditor pins).
cp "$ARCH/seg-00000001/checkpoint" "$PP_TMP/pin1"
cp "$ARCH/seg-00000003/checkpoint" "$PP_TMP/pin3"
AUDIT checkpoint >"$PP_TMP/live.cp"
check "the live checkpoint is a signed note of this origin" grep -q '^— paraphe.local/audit/paraphe-demo-1 ' "$PP_TMP/live.cp"
check "consistency between two segment checkpoints" "${VERIFY[@]}" "$ARCH" consistency "$PP_TMP/pin1" "$PP_TMP/pin3"
check "inclusion proof of record 5" "${VERIFY[@]}" "$ARCH" inclusion 5 "$PP_TMP/pin3"
check "the pinned checkpoint is within the archive: ok" "${VERIFY[@]}" --pin "$PP_TMP/pin3" "$ARCH" all

# --- attacks on copies of the real archive: each must be caught (exit 1).
attack() {	# attack DESC SETUP-FUNCTION [verify args...]
	local desc=$1 fn=$2 rc
	shift 2
	rm -rf "$PP_TMP/a" && cp -a "$ARCH" "$PP_TMP/a"
	"$fn" "$PP_TMP/a"
	"${VERIFY[@]}" "$@" "$PP_TMP/a" all >"$PP_TMP/attack.txt" 2>&1
	rc=$?
	if [ $rc -eq 1 ]; then ok "detected: $desc"; else not_ok "detected: $desc" "exit $rc: $(tail -n 3 "$PP_TMP/attack.txt")"; fi
}
edit_records() {	# edit_records DIR SEG SED-SCRIPT
	local f=$1/$2/records.jsonl.gz
	gzip -dc "$f" | sed "$3" | gzip -n >"$f.new" && mv "$f.new" "$f"
}
modify() { edit_records "$1" seg-00000002 '3s/test entry/TEST ENTRY/'; }
delete() { edit_records "$1" seg-00000002 '5d'; }
insert() { edit_records "$1" seg-00000002 '5p'; }
reorder() { edit_records "$1" seg-00000002 '4{h;d};5G'; }
truncate_tail() { edit_records "$1" seg-00000003 '$d'; }
drop_middle() { rm -rf "$1/seg-00000002"; }
drop_last() { rm -rf "$1/seg-00000003"; }
swap() { mv "$1/seg-00000001" "$1/x" && mv "$1/seg-00000002" "$1/seg-00000001" && mv "$1/x" "$1/seg-00000002"; }
manifest() { sed -i 's/"clock_synchronised":[a-z]*/"clock_synchronised":true,"x":1/' "$1/seg-00000002/manifest.json"; }
flip_gz() { printf 'X' | dd of="$1/seg-00000001/records.jsonl.gz" bs=1 seek=40 conv=notrunc status=none; }
attack "a modified record" modify
attack "a deleted record" delete
attack "an inserted record" insert
attack "two records swapped" reorder
attack "the tail of a segment truncated" truncate_tail
attack "a missing middle segment" drop_middle
attack "segments renamed into another order" swap
attack "a modified manifest" manifest
attack "a flipped byte in the compressed records" flip_gz
attack "the last segment removed, against a pinned checkpoint" drop_last --pin "$PP_TMP/pin3"
# The last segment is whichever the daemon cut last (how many records the
# components wrote at start varies, with the plugins' workers for one).
rm -rf "$PP_TMP/a" && cp -a "$ARCH" "$PP_TMP/a" && rm -rf "$(ls -d "$PP_TMP"/a/seg-* | sort | tail -n 1)"
check "without a pin, removing the last segment is not detectable (why pins exist)" \
	"${VERIFY[@]}" "$PP_TMP/a" all
# Rollback: an older, validly signed copy of the archive.
mkdir -p "$PP_TMP/old" && cp -a "$ARCH/seg-00000001" "$PP_TMP/old/"
"${VERIFY[@]}" --pin "$PP_TMP/pin3" "$PP_TMP/old" all >/dev/null 2>&1
check "rollback to an older signed archive is caught with the pin" test $? -eq 1
"${VERIFY[@]}" "$PP_TMP/old" all >/dev/null 2>&1
check "... and the older archive alone still verifies" test $? -eq 0
"${VERIFY[@]}" "$ARCH" bogus >/dev/null 2>&1
check "usage errors exit 64" test $? -eq 64
"${VERIFY[@]}" "$PP_TMP/nonexistent" all >/dev/null 2>&1
check "an unreadable archive is unverifiable (exit 2)" test $? -eq 2

# --- forwarding failures are recorded and caught up, never dropped.
COLL_PID=$(cat "$STATE/run/collector.pid")
kill -TERM "$COLL_PID"
wait_for 10 pp_none_alive "$COLL_PID"
for i in 1 2 3; do AUDIT append '{"type":"manual.physical_access","outcome":"success","actor":{"kind":"staff","id":"CN=tester"},"cause":"while the collector is down"}' >/dev/null; done
check "records are still acknowledged while the collector is down" test $? -eq 0
forwarding_down() { AUDIT health | grep -qE '"forwarding": ?false'; }
check "health reports forwarding down" wait_for 10 forwarding_down
"$BIN/tests/tools/pp-test-syslog" --unix "$STATE/run/collector.sock" --out "$STATE/log/collector.log" \
	>>"$STATE/log/collector.log.err" 2>&1 </dev/null &
echo $! >"$STATE/run/collector.pid"
check "the failure is recorded and delivered once the collector is back" wait_for 20 forwarded '"type":"audit.forward_failure"'
check "so is the recovery" wait_for 20 forwarded '"type":"audit.forward_restored"'
check "the records written meanwhile reach the collector" forwarded 'while the collector is down'
last=$(SQL "$STATE/db/audit.db" "SELECT max(seq) FROM records")
missing=$(for s in $(seq 1 $((last - 5))); do grep -q "\"seq\":$s," "$STATE/log/collector.log" || echo "$s"; done | head -n 5)
check "no sequence number is missing at the collector" test -z "$missing"

# --- the store cannot be written: nothing is acknowledged, the failure and
# the action taken are recorded once writing works again.
DB=$STATE/db/audit.db
# The lock is held until the test has seen both refusals (a loaded machine
# may take its time); the sqlite3 shell says when it holds it.
rm -f "$PP_TMP/locked" "$PP_TMP/unlock"
(printf 'BEGIN EXCLUSIVE;\n.print locked\n'; wait_for 30 test -e "$PP_TMP/unlock"; printf 'COMMIT;\n') |
	sqlite3 "$DB" >"$PP_TMP/locked" &
LOCK_PID=$!
wait_for 20 grep -q locked "$PP_TMP/locked" || echo "# the test could not take the store's write lock"
if AUDIT append '{"type":"manual.maintenance","outcome":"success","actor":{"kind":"staff","id":"CN=tester"},"cause":"while locked"}' >/dev/null 2>&1; then
	not_ok "a record that cannot be committed is not acknowledged"
else
	ok "a record that cannot be committed is not acknowledged"
fi
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "the console fails closed while the store cannot be written" 503
touch "$PP_TMP/unlock"
wait $LOCK_PID
check "appends work again once the store is writable" AUDIT append '{"type":"manual.maintenance","outcome":"success","actor":{"kind":"staff","id":"CN=tester"},"cause":"after the lock"}'
check "the failed commits and the action taken are recorded (audit.failure)" wait_for 10 forwarded '"failed_commits":'
check "the refused record was never stored" bash -c '! sqlite3 -cmd ".timeout 5000" "$1" "SELECT record FROM records" | grep -q "while locked"' _ "$DB"

# --- a record changed under the running daemon: no checkpoint is signed
# over it, the daemon halts and every component fails closed.
# A record that completes a segment (segment_max_records = 40) is covered
# by the checkpoint of its segment cut at once, before the test can change
# it: then take the next one.  Which record that is depends on how many the
# components wrote before (and on idle heartbeats), so it varies.
# Likewise the checkpoint signed at most a second after the append may come
# before the change on a loaded machine: the daemon then rightly signed the
# original record, so restore it and try again with a new one.
halted() { AUDIT health 2>/dev/null | grep -qE '"integrity": ?false'; }
signed_size() { AUDIT health 2>/dev/null | grep -oE '"checkpoint_size": ?[0-9]+' | head -n 1 | tr -dc 0-9; }
for try in 1 2 3 4 5; do
	AUDIT checkpoint >/dev/null
	seq=$(AUDIT append '{"type":"manual.config_change","outcome":"success","actor":{"kind":"staff","id":"CN=tester"},"cause":"original text"}')
	[ $((seq % 40)) -eq 0 ] && continue
	orig=$(SQL "$DB" "SELECT hex(record) FROM records WHERE seq = $seq")
	SQL "$DB" "UPDATE records SET record = CAST(replace(CAST(record AS TEXT), 'original text', 'altered text') AS BLOB) WHERE seq = $seq"
	halted && break
	size=$(signed_size)
	[ -n "$size" ] && [ "$size" -lt "$seq" ] && break
	echo "# record $seq was covered by a checkpoint (size $size) before it was changed: next one"
	SQL "$DB" "UPDATE records SET record = X'$orig' WHERE seq = $seq"
done
check "the daemon refuses to sign over a changed record and reports it" wait_for 10 halted
check "the refusal is an INTEGRITY alarm in its log" grep -q 'INTEGRITY: refusing to sign a checkpoint' "$STATE/log/auditd.log"
if AUDIT append '{"type":"manual.maintenance","outcome":"success","actor":{"kind":"staff","id":"CN=tester"}}' >/dev/null 2>&1; then
	not_ok "a halted log accepts no more records"
else
	ok "a halted log accepts no more records"
fi
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "the console fails closed while the log is halted" 503
SQL "$DB" "UPDATE records SET record = X'$orig' WHERE seq = $seq"

# --- the daemon checks its own store at start: tampering and rollback.
stop_auditd() { local p; p=$(cat "$STATE/run/auditd.pid"); kill -TERM "$p"; wait_for 10 pp_none_alive "$p"; }
stop_auditd
restart auditd "$BIN/audit/paraphe-auditd"
healthy() { AUDIT health 2>/dev/null | grep -qE '"integrity": ?true'; }
check "with the record restored, the daemon starts again" wait_for 10 healthy
stop_auditd
cp "$DB" "$PP_TMP/audit-old.db"
last=$(SQL "$DB" "SELECT max(seq) FROM records")
SQL "$DB" "UPDATE records SET record = CAST(replace(CAST(record AS TEXT), 'success', 'failure') AS BLOB) WHERE seq = $last"
"$BIN/audit/paraphe-auditd" -c "$STATE/paraphe.conf" >"$PP_TMP/tamper.log" 2>&1
check "a record changed in the database stops the daemon at start" grep -q INTEGRITY "$PP_TMP/tamper.log"
cp "$PP_TMP/audit-old.db" "$DB"
restart auditd "$BIN/audit/paraphe-auditd"
check "the untouched database starts" wait_for 10 healthy
AUDIT append '{"type":"manual.maintenance","outcome":"success","actor":{"kind":"staff","id":"CN=tester"},"cause":"after the copy"}' >/dev/null
stop_auditd
cp "$PP_TMP/audit-old.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
"$BIN/audit/paraphe-auditd" -c "$STATE/paraphe.conf" >"$PP_TMP/rollback.log" 2>&1
check "a database rolled back to an older copy is refused at start" grep -q ROLLBACK "$PP_TMP/rollback.log"

pp_finish
