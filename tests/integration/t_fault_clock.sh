#!/usr/bin/env bash
# Fault injection, clock steps (issue #7 item 3, TIME-1, AUD-3, AUD-4): the
# SAM and the audit daemon run under libfaketime (their wall clock only:
# FAKETIME_DONT_FAKE_MONOTONIC) with an offset file the test changes while
# they serve, so the machine's clock is never touched.  The wall clock steps
# back one hour, then forward two.  Expected (docs: the SAM's clock in
# sam/sam_enrol.c, the audit daemon's clock watch in audit/audit_tasks.c):
#  - each step is an ALARM in both daemons' logs and is recorded in the
#    audit log (audit.heartbeat, outcome failure, clock_step_ms);
#  - SADs keep to their lifetime in real elapsed time: a step back does not
#    lengthen it (a SAD issued before the step expires on time), a step
#    forward shortens it (a SAD issued before is refused expired_token, a
#    clear error), and signing goes on with SADs issued after each step;
#  - no audit record is lost and the Merkle log stays consistent with the
#    checkpoint taken before the steps (tests/integration/invariants.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/invariants.sh"

BIN=$top_builddir
FAKETIME_LIB=
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/*/faketime/libfaketime.so.1 \
	/usr/lib/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1; do
	[ -r "$f" ] && { FAKETIME_LIB=$f; break; }
done
if [ -z "$FAKETIME_LIB" ]; then
	echo "1..0 # SKIP libfaketime is not installed (Debian package libfaketime)"
	exit 77
fi

LIFE=6
pp_init
pp_conf_set sam sad_lifetime_s $LIFE
pp_start
. "$(dirname "$0")/fault.sh"
J=(-H 'Content-Type: application/json')
adb() { sqlite3 -cmd ".timeout 5000" "$STATE/db/audit.db" "$1"; }

http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-t","given_name":"Tempus","surname":"Fugit","country":"FR","serial_number":"IDCFR-T","mobile":"+33612345670","evidence":"KYC-T"}'
expect "a signatory" 201
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-t","key_type":"ec-p256"}'
expect "an EC credential" 201
CRED=$(fault_member id "$BODY")

# --- the SAM and the audit daemon again, under libfaketime (offset "+0").
FT=$PP_TMP/faketime
echo "+0" >"$FT"
chmod 0644 "$FT"
for p in samd auditd; do
	pid=$(cat "$STATE/run/$p.pid")
	kill -TERM "$pid"
	wait_for 20 pp_none_alive "$pid"
done
san=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
if env LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$FT" FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	ASAN_OPTIONS="$san" "$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$BIN" auditd samd \
	>"$PP_TMP/restart.log" 2>&1; then
	ok "the audit daemon and the SAM run under libfaketime"
else
	not_ok "the audit daemon and the SAM run under libfaketime" "$(tail -n 20 "$PP_TMP/restart.log")"
fi
for p in samd auditd; do
	check "... $p has libfaketime loaded" grep -q faketime "/proc/$(cat "$STATE/run/$p.pid")/maps"
done
pp_inv_mark

# sad NAME N: a SAD for N new hashes (SAD_NAME, HASHES_NAME as JSON).
sad() {
	local ans otp_id code hs=() i
	for ((i = 0; i < $2; i++)); do hs+=("\"$(head -c 32 /dev/urandom | base64 -w0)\""); done
	printf -v "HASHES_$1" '%s' "$(IFS=,; echo "${hs[*]}")"
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"otp.send\",$FAULT_A,\"signatory\":\"sig-t\",\"session\":\"s-$1\"}" 2>&1)
	otp_id=$(fault_member otp_id "$ans")
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"sad.issue\",$FAULT_A,\"signatory\":\"sig-t\",\"credential\":\"$CRED\",\"session\":\"s-$1\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$FAULT_SHA256\",\"hashes\":[$(IFS=,; echo "${hs[*]}")],\"consent\":true}" 2>&1)
	printf -v "SAD_$1" '%s' "$(fault_member sad "$ans")"
	printf -v "EXP_$1" '%s' "$(sed -n 's/.*"expires_ms":\([0-9]*\).*/\1/p' <<<"$ans")"
}
# sign NAME INDEX: signHash of the INDEX-th hash of SAD NAME (CODE, BODY).
sign() {
	local s=SAD_$1 h=HASHES_$1 hs
	IFS=, read -r -a hs <<<"${!h}"
	http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
		"{\"credentialID\":\"$CRED\",\"SAD\":\"${!s}\",\"hashes\":[${hs[$2]}],\"hashAlgorithmOID\":\"$FAULT_SHA256\",\"signAlgo\":\"$FAULT_ECDSA256\"}"
}
# step_recorded LO HI [N]: N (1) audit.heartbeat failures with LO <= clock_step_ms <= HI.
step_recorded() {
	[ "$(adb "SELECT count(*) FROM records WHERE type = 'audit.heartbeat' AND outcome = 'failure'
		AND json_extract(CAST(record AS TEXT), '\$.details.clock_step_ms') BETWEEN $1 AND $2")" -eq "${3:-1}" ]
}

# --- before any step.
sad a 4
check "a SAD is issued" test -n "$SAD_a"
sign a 0
expect "... and signs" 200 '"signatures":["'
T_A=$(date +%s%3N)
last=$(adb "SELECT max(seq) FROM records")

# --- the wall clock steps back one hour.
echo "-3600" >"$FT"
check "the audit daemon records the step back (audit.heartbeat, clock_step_ms about -3600000)" \
	wait_for 10 step_recorded -3610000 -3590000
check "... as an ALARM in its log" grep -q "ALARM: the system clock stepped back" "$STATE/log/auditd.log"
sign a 1
expect "a SAD issued before the step back still signs within its lifetime" 200 '"signatures":["'
check "... the SAM's log has the ALARM" wait_for 10 grep -q "sam: ALARM: the system clock stepped back" "$STATE/log/samd.log"
t=$(adb "SELECT time FROM records WHERE seq > $last AND type = 'signature.create' ORDER BY seq DESC LIMIT 1")
t0=$(adb "SELECT time FROM records WHERE seq <= $last ORDER BY seq DESC LIMIT 1")
check "records after the step carry the wall clock's time, an hour earlier ($t0 -> $t)" \
	test "$(date -d "$t" +%s)" -lt $(( $(date -d "$t0" +%s) - 3000 ))
sad b 2
check "a SAD is issued after the step back" test -n "$SAD_b"
now_wall=$(( $(date +%s%3N) - 3600000 ))
check "... its expiry is on the SAM's clock, which did not go back (expires $EXP_b, wall $now_wall)" \
	test "${EXP_b:-0}" -gt $((now_wall + 3000000))
sign b 0
expect "... and signs" 200 '"signatures":["'
# The first SAD's lifetime ends $LIFE s after it was issued, in real time.
left=$((T_A + LIFE * 1000 + 500 - $(date +%s%3N)))
[ $left -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
sign a 2
expect_json_error "the SAD issued before the step back expires after its lifetime in real time" 400 expired_token

# --- the wall clock steps forward two hours (to an hour ahead).
sad c 2
sign c 0
expect "a SAD issued just before the step forward signs" 200 '"signatures":["'
echo "+3600" >"$FT"
check "the audit daemon records the step forward (clock_step_ms about +7200000)" \
	wait_for 10 step_recorded 7190000 7210000
sign c 1
expect_json_error "... after the step forward it is refused as expired (a clear error)" 400 expired_token
check "... the SAM's log has the ALARM" wait_for 10 grep -q "sam: ALARM: the system clock stepped forward" "$STATE/log/samd.log"
sad d 2
sign d 0
expect "a SAD issued after the step forward signs" 200 '"signatures":["'
sign d 0
expect_json_error "... each hash once" 403 access_denied

# --- back to the real time: the audit daemon records that step too.
echo "+0" >"$FT"
two_back() { step_recorded -3610000 -3590000 2; }
check "the step back to the real time is recorded (a second step back of an hour)" wait_for 10 two_back
check "three steps recorded in all" test "$(adb "SELECT count(*) FROM records WHERE type = 'audit.heartbeat'
	AND outcome = 'failure' AND json_extract(CAST(record AS TEXT), '\$.details.clock_step_ms') IS NOT NULL")" -eq 3
sad e 1
sign e 0
expect "signing works after the clock is right again" 200 '"signatures":["'
n=$(adb "SELECT count(*) FROM records")
m=$(adb "SELECT max(seq) FROM records")
check "no audit record is missing ($n records, seq 1..$m)" test "$n" = "$m"
pp_invariants "after the clock steps"
pp_inv_selftest "self-test"
pp_finish
