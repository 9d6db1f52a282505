#!/usr/bin/env bash
# Fault injection (issue #7): the HSM tokens.  The SAM's token goes away
# during a signing load (its SoftHSMv2 directory moved out), comes back;
# the SAM's PIN file is changed while it runs and before a restart; its
# PKCS#11 module path points nowhere at a restart; the audit daemon's
# sealing token goes away.  Expected: every signHash ends in a verified
# signature or a clear 503 JSON error, each refusal is recorded, nothing is
# half done (the SADs refused while the token was away sign once it is
# back), the daemons log in once and never retry a PIN the token refused
# (exit status 78, which the systemd units do not restart), and the
# service recovers with the restart the log asks for (pp_invariants).
. "$(dirname "$0")/lib.sh"
pp_up
. "$(dirname "$0")/fault.sh"
fault_enrol
pp_inv_mark
CONF=$STATE/paraphe.conf
token_dir() { dirname "$(grep -a -l "$1 " "$STATE"/hsm/tokens/*/token.object | head -n 1)"; }
SAM_TOK=$(token_dir paraphe-sam)
AUD_TOK=$(token_dir paraphe-audit)
check "the SAM's and the audit daemon's token directories" test -d "$SAM_TOK" -a -d "$AUD_TOK" -a "$SAM_TOK" != "$AUD_TOK"
# samd_fg: the SAM started in the foreground as the service manager would;
# its exit status in RC (it exits at once when it cannot start).
samd_fg() {
	RC=0
	timeout 60 "$top_builddir/sam/paraphe-samd" -c "$CONF" >>"$STATE/log/samd.log" 2>&1 </dev/null || RC=$?
}
sad_refusals() {
	sqlite3 "file:$STATE/db/audit.db?mode=ro" "SELECT count(*) FROM records WHERE type = 'sad.refuse'
		AND CAST(record AS TEXT) LIKE '%\"correlation\":\"$1-%' AND CAST(record AS TEXT) LIKE '%the HSM did not answer%'"
}

# --- baseline.
check "3 SADs before the faults" test "$(fault_sads a 3)" = 3
fault_sign_all a 3
fault_wait
check "the baseline load signs all 3" test "$(fault_count a signed)" = 3

# --- 1. the SAM's token goes away during a load.
check "4 SADs for the load" test "$(fault_sads b 4)" = 4
mv "$SAM_TOK" "$SAM_TOK.away"
fault_sign_all b 4
fault_wait
fault_figure "SAM token gone" b
fault_clear "token gone: every signHash ends in a signature or a JSON error" b
check "token gone: all 4 refused 503 temporarily_unavailable" \
	test "$(fault_count b 'refused 503 temporarily_unavailable')" = 4
check "... saying the HSM did not answer and nothing was signed" \
	grep -q 'The HSM did not answer: the SAD could not be verified and nothing was signed' "$PP_TMP/flows/b-1.body"
check "token gone: each refusal is recorded (sad.refuse naming the HSM)" test "$(sad_refusals b)" = 4
fault_sca_healthz
expect "token gone: the SCA listener's /healthz is 503 naming the SAM" 503 '"sam":"temporarily_unavailable"'
check "token gone: the SAM's log says what to do" wait_for 15 \
	grep -q 'signatory-key token does not answer: nothing can be signed; once it is back, restart the SAM' "$STATE/log/samd.log"
mv "$SAM_TOK.away" "$SAM_TOK"
check "token back: nothing is RESERVED, no signature was made" test "$(fault_reserved)" = 0
fault_stop samd
check "token back: the SAM starts again (restart, as its log asked)" fault_start samd
for i in 1 2 3 4; do fault_sign "b-$i" "$(cat "$PP_TMP/flows/b-$i.sad")"; done
check "token back: the 4 SADs refused while it was away now sign (nothing was half done)" \
	test "$(fault_count b signed)" = 4
pp_invariants "after the SAM's token went away and came back"

# --- 2. a wrong PIN: changed while the SAM runs (it logs in at start only,
# so nothing changes), then a restart: refused once, never retried.
cp -p "$STATE/hsm/sam.pin" "$PP_TMP/sam.pin.good"
printf '999999\n' >"$STATE/hsm/sam.pin"
check "PIN file changed while running: 3 SADs" test "$(fault_sads c 3)" = 3
fault_sign_all c 3
fault_wait
check "PIN file changed while running: the SAM signs on (it never logs in again)" test "$(fault_count c signed)" = 3
fault_stop samd
before=$(grep -c "refused the PIN" "$STATE/log/samd.log")
samd_fg
check "wrong PIN at start: the SAM refuses to start with status 78 (got $RC)" test "$RC" = 78
check "... one login attempt, logged with the PIN file and the repair" \
	test "$(grep -c "token 'paraphe-sam' refused the PIN of $STATE/hsm/sam.pin (0xa0): not tried again" "$STATE/log/samd.log")" = $((before + 1))
check "... the PIN itself is not in the log" bash -c '! grep -q 999999 "$1"' _ "$STATE/log/samd.log"
for u in paraphe-samd paraphe-auditd; do
	check "... $u.service does not restart on status 78" grep -qx 'RestartPreventExitStatus=78' "$top_srcdir/systemd/$u.service"
done
check "wrong PIN: d SADs cannot be had with the SAM down" test "$(fault_sads d 1)" = 0
FAULT_JOBS=()
fault_sign c-1 "$(cat "$PP_TMP/flows/c-1.sad")"
check "wrong PIN: signHash is a clear 503 JSON error" test "$(fault_outcome c-1)" = "refused 503 temporarily_unavailable"
http GET "$PUB/healthz"
expect "wrong PIN: the public listener's /healthz is 503 naming the SAM" 503 '"sam":"temporarily_unavailable"'
cp -p "$PP_TMP/sam.pin.good" "$STATE/hsm/sam.pin"
check "PIN restored: the SAM starts (the token was not locked)" fault_start samd
check "PIN restored: 3 SADs" test "$(fault_sads e 3)" = 3
fault_sign_all e 3
fault_wait
check "PIN restored: the load signs all 3" test "$(fault_count e signed)" = 3

# --- 3. the module path points nowhere at a restart.
MODULE=$("$top_builddir/tools/paraphe-config" -c "$CONF" get sam.pkcs11_module)
fault_stop samd
pp_conf_set sam pkcs11_module "$PP_TMP/no-such-pkcs11.so"
samd_fg
check "no PKCS#11 module: the SAM refuses to start with status 78 (got $RC)" test "$RC" = 78
check "... naming the module it cannot load" grep -q "pkcs11: cannot load $PP_TMP/no-such-pkcs11.so" "$STATE/log/samd.log"
pp_conf_set sam pkcs11_module "$MODULE"
check "module restored: the SAM starts" fault_start samd
pp_invariants "after a wrong PIN and a missing module"

# --- 4. the audit daemon's sealing token goes away: records are still
# appended and forwarded (signing goes on), checkpoints cannot be signed,
# health says so; a restart of the audit daemon once it is back.
mv "$AUD_TOK" "$AUD_TOK.away"
check "audit token gone: 3 SADs (records are still appended)" test "$(fault_sads f 3)" = 3
fault_sign_all f 3
fault_wait
check "audit token gone: the load signs (each record appended and forwarded)" test "$(fault_count f signed)" = 3
cp_out=$("$top_builddir/tools/paraphe-audit" -c "$CONF" checkpoint 2>&1) && cp_rc=0 || cp_rc=$?
check "audit token gone: no checkpoint can be had" test "$cp_rc" != 0
fault_sca_healthz
expect "audit token gone: the SCA listener's /healthz is 503 naming the audit log" 503 '"audit":"temporarily_unavailable"'
check "audit token gone: the audit daemon's log raises the alarm once, with the repair" \
	test "$(grep -c 'ALARM: checkpoint at [0-9]* could not be signed.*restart the audit daemon once it is back' "$STATE/log/auditd.log")" = 1
mv "$AUD_TOK.away" "$AUD_TOK"
fault_stop auditd
check "audit token back: the audit daemon starts again" fault_start auditd
pp_invariants "after the audit token went away and came back"

# --- 5. the audit daemon's PIN wrong at a restart: it refuses (78); the
# SAM then records nothing and signs nothing.
cp -p "$STATE/hsm/audit.pin" "$PP_TMP/audit.pin.good"
printf '999999\n' >"$STATE/hsm/audit.pin"
check "3 SADs before the audit daemon's restart" test "$(fault_sads g 3)" = 3
fault_stop auditd
RC=0
timeout 60 "$top_builddir/audit/paraphe-auditd" -c "$CONF" >>"$STATE/log/auditd.log" 2>&1 </dev/null || RC=$?
check "wrong audit PIN: the audit daemon refuses to start with status 78 (got $RC)" test "$RC" = 78
check "... naming the PIN file" grep -q "token 'paraphe-audit' refused the PIN of $STATE/hsm/audit.pin" "$STATE/log/auditd.log"
fault_sign_all g 3
fault_wait
fault_clear "audit daemon down: every signHash ends in a signature or a JSON error" g
check "audit daemon down: none signed" test "$(fault_count g signed)" = 0
cp -p "$PP_TMP/audit.pin.good" "$STATE/hsm/audit.pin"
check "audit PIN restored: the audit daemon starts" fault_start auditd
check "3 SADs" test "$(fault_sads h 3)" = 3
fault_sign_all h 3
fault_wait
check "the load signs all 3" test "$(fault_count h signed)" = 3
pp_invariants "after a wrong audit PIN"
pp_finish
