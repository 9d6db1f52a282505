#!/usr/bin/env bash
# Fault injection (issue #7): the audit daemon stops answering in the middle
# of a signing load (SIGSTOP), is then killed (SIGKILL while stopped: its
# queued appends are never read) and later, in a second load, terminated
# (SIGTERM).  No signature may leave the SAM without its signature.create
# record acknowledged: every signHash ends in a verified signature or a
# clear 503 JSON error, the three listeners' /healthz say the audit log is
# unavailable, and once the audit daemon is started again the SAM and the
# plugins sign again without a restart of their own; the log verifies and
# extends the checkpoint taken before the fault (pp_invariants).
. "$(dirname "$0")/lib.sh"
pp_up
. "$(dirname "$0")/fault.sh"
fault_enrol
pp_inv_mark

# --- baseline: a small load signs.
check "3 SADs before the fault" test "$(fault_sads a 3)" = 3
fault_sign_all a 3
fault_wait
check "the baseline load signs all 3 (signatures verify)" test "$(fault_count a signed)" = 3

# --- SIGSTOP during the load: the SAM waits for the acknowledgement (5 s),
# throws the signatures away and says why.
check "4 SADs for the load" test "$(fault_sads b 4)" = 4
recs=$(fault_audit_count signature.create)
AUD=$(fault_pid auditd)
kill -STOP "$AUD"
fault_sign_all b 4
fault_wait
fault_figure "audit daemon SIGSTOPped" b
fault_clear "SIGSTOP: every signHash ends in a signature or a JSON error" b
n_signed=$(fault_count b signed)
check "SIGSTOP: the refusals are 503 temporarily_unavailable ($n_signed signed before the stop)" \
	test "$(fault_count b 'refused 503 temporarily_unavailable')" -eq $((4 - n_signed))
refused=$(grep -l 'temporarily_unavailable' "$PP_TMP"/flows/b-*.body | head -n 1)
if [ "$n_signed" -lt 4 ]; then
	check "... saying that the audit log did not acknowledge the record" \
		grep -qi 'the audit log did not acknowledge the record: no signature was delivered' "$refused"
fi
check "... the SAM's log names the unacknowledged record" \
	grep -q 'the audit record of batch [0-9a-f]* was not acknowledged' "$STATE/log/samd.log"
ans=$(fault_sam "{\"v\":1,\"op\":\"otp.send\",$FAULT_A,\"signatory\":\"sig-a\",\"session\":\"stopped\"}")
check "SIGSTOP: no OTP is sent without its record (the SAM answers nothing)" \
	bash -c '[[ $1 != *otp_id* ]]' _ "$ans"
check "SIGSTOP: no SMS was spooled for it" \
	bash -c '! grep -l "stopped" "$1"/paraphe-* 2>/dev/null | grep -q .' _ "$SPOOL"
fault_sca_healthz
expect "SIGSTOP: the SCA listener's /healthz is 503 naming the audit log" 503 '"audit":"temporarily_unavailable"'
http GET "$PUB/healthz"
expect "SIGSTOP: the public listener's /healthz is 503" 503 '"audit":"temporarily_unavailable"'

# --- SIGKILL of the stopped daemon: nothing it had queued is read.
kill -KILL "$AUD"
wait_for 5 pp_none_alive "$AUD"
check "SIGKILL: the audit daemon is gone" pp_none_alive "$AUD"
check "SIGKILL: no record was added while it was stopped" test "$(fault_audit_count signature.create)" = "$((recs + n_signed))"
for i in 1 2 3 4; do
	o=$(fault_outcome "b-$i")
	[ "$o" = signed ] && continue
	fault_sign "b-$i" "$(cat "$PP_TMP/flows/b-$i.sad")"
done
check "audit daemon down: the SADs of the unsigned hashes still get no signature" \
	test "$(fault_count b signed)" = "$n_signed"
fault_clear "audit daemon down: a clear JSON error for each" b
ans=$(fault_sam "{\"v\":1,\"op\":\"otp.send\",$FAULT_A,\"signatory\":\"sig-a\",\"session\":\"down\"}")
check "audit daemon down: no OTP without its record" bash -c '[[ $1 != *otp_id* ]]' _ "$ans"
http GET "$CON/healthz" "${STAFF_CERT[@]}"
expect "audit daemon down: the console's /healthz is 503" 503 '"audit":"temporarily_unavailable"'

# --- back: started again, the others need no restart.
SAM_PID=$(fault_pid samd) SCA_PID=$(fault_pid sca)
check "the audit daemon starts again after SIGKILL" fault_start auditd
check "... and records that the previous stop was not clean" \
	wait_for 10 grep -q '"previous_stop":"unclean"' "$STATE/log/collector.log"
check "the SAM answers health ok again without a restart" wait_for 10 fault_sam_health
check "... the SAM and SCA plugin are the same processes" \
	test "$(fault_pid samd) $(fault_pid sca)" = "$SAM_PID $SCA_PID"
check "4 new SADs once the audit daemon is back" test "$(fault_sads c 4)" = 4
fault_sign_all c 4
fault_wait
check "the load signs all 4 again" test "$(fault_count c signed)" = 4
for i in 1 2 3 4; do
	[ "$(fault_outcome "b-$i")" = signed ] && continue
	fault_sign "b-$i" "$(cat "$PP_TMP/flows/b-$i.sad")"
	check "b-$i: a hash whose signature was thrown away is not signed later (a new SAD is needed)" \
		test "$(fault_outcome "b-$i")" = "refused 403 access_denied"
done
pp_invariants "after SIGSTOP and SIGKILL of the audit daemon"

# --- SIGTERM during a load: the stop is orderly, the answers clear.
check "6 SADs for the second load" test "$(fault_sads d 6)" = 6
fault_sign_all d 6
kill -TERM "$(fault_pid auditd)"
fault_wait
fault_figure "audit daemon SIGTERMed during the load" d
fault_clear "SIGTERM: every signHash ends in a signature or a JSON error" d
check "SIGTERM: the audit daemon stopped" wait_for 10 pp_none_alive "$(fault_pid auditd)"
rm -f "$STATE/run/auditd.pid"
n=$(fault_count d 'refused 503 temporarily_unavailable')
check "SIGTERM: the rest are 503 temporarily_unavailable ($(fault_count d signed) signed, $n refused)" \
	test $(($(fault_count d signed) + n)) = 6
check "the audit daemon starts again after SIGTERM" fault_start auditd
check "3 new SADs" test "$(fault_sads e 3)" = 3
fault_sign_all e 3
fault_wait
check "the load signs all 3 again" test "$(fault_count e signed)" = 3
pp_invariants "after SIGTERM of the audit daemon"
pp_finish
