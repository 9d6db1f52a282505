#!/usr/bin/env bash
# The five processes and nginx start, answer their health checks through
# the three listeners, stop cleanly on SIGTERM, and restart on the same state.
. "$(dirname "$0")/lib.sh"
pp_init
pp_conf_set sca workers 3
pp_start

check "all six processes running" pp_all_running

http GET "$PUB/healthz"
expect "signer /healthz through the public listener" 200 '"status":"ok"'
check "signer health checks database, SAM and audit" \
	grep -q '"database":"ok","sam":"ok","audit":"ok"' <<<"$BODY"
http GET "$SCA/healthz" "${SCA_CERT[@]}"
expect "SCA-API /healthz through the SCA listener" 200 '"component":"sca"'
http GET "$CON/healthz" "${STAFF_CERT[@]}"
expect "admin /healthz through the console listener" 200 '"component":"admin"'

# The SCA API runs pre-forked workers under one supervising process: a
# worker that dies is replaced, the service keeps answering.
# A worker killed before it is ready (its start not yet recorded) stops the
# plugin by design: wait until all three said they listen.
sca_pid=$(cat "$STATE/run/sca.pid")
all_ready() { [ "$(grep -c " listening on " "$STATE/log/sca.log")" -ge 3 ]; }
check "the 3 SCA workers are ready" wait_for 20 all_ready
mapfile -t workers < <(pgrep -P "$sca_pid")
check "the SCA API runs its 3 configured workers (${#workers[@]})" test ${#workers[@]} -eq 3
kill -KILL "${workers[0]}"
replaced() { [ "$(pgrep -P "$sca_pid" | wc -l)" -eq 3 ] && ! pgrep -P "$sca_pid" | grep -qx "${workers[0]}"; }
for _ in $(seq 1 50); do replaced && break; sleep 0.1; done
check "a worker killed is replaced" replaced
check "... and the replacement is logged" grep -q "worker ${workers[0]} ended (status 137): replaced" "$STATE/log/sca.log"
for _ in 1 2 3 4 5 6; do
	http GET "$SCA/healthz" "${SCA_CERT[@]}"
	[ "$CODE" = 200 ] || break
done
expect "the SCA API keeps answering" 200 '"component":"sca"'

# Least privilege: started as root, every process ends up as the service
# user with no capabilities; the daemons holding PINs cannot dump core.
if [ "$(id -u)" -eq 0 ]; then
	for n in auditd samd signer sca admin; do
		pid=$(cat "$STATE/run/$n.pid")
		check "$n runs as the service user" test "$(ps -o user= -p "$pid")" = paraphe
		check "$n has no effective capabilities" \
			grep -q '^CapEff:[[:space:]]*0000000000000000' "/proc/$pid/status"
	done
	for n in auditd samd; do
		pid=$(cat "$STATE/run/$n.pid")
		check "$n cannot dump core" bash -c "grep '^Max core file size' /proc/$pid/limits | grep -q ' 0 *0 '"
	done
	master=$(cat "$STATE/run/nginx.pid")
	check "nginx master runs as the service user, not root" test "$(ps -o user= -p "$master")" = paraphe
	check "nginx master has no effective capabilities" \
		grep -q '^CapEff:[[:space:]]*0000000000000000' "/proc/$master/status"
	for w in $(pgrep -P "$master"); do
		check "nginx worker $w runs as the service user" test "$(ps -o user= -p "$w")" = paraphe
	done
else
	ok "not root: every process runs as $(id -un) (nothing to drop)"
fi

# The daemons answer the health request on their sockets: a stopped SAM
# makes the plugins that depend on it report unavailable (503).
samd_pid=$(cat "$STATE/run/samd.pid")
kill -TERM "$samd_pid"
for _ in $(seq 1 50); do kill -0 "$samd_pid" 2>/dev/null || break; sleep 0.1; done
check "SAM stops on SIGTERM" bash -c "! kill -0 $samd_pid 2>/dev/null"
check "SAM logged its stop" grep -q "paraphe-samd stopping" "$STATE/log/samd.log"
check "SAM removed its socket" test ! -e "$STATE/run/sam.sock"
http GET "$PUB/healthz"
expect "signer health is 503 while the SAM is down" 503 '"sam":"temporarily_unavailable"'
http GET "$CON/healthz" "${STAFF_CERT[@]}"
expect "admin health (no SAM dependency) stays 200" 200

# Every process stops on SIGTERM and leaves nothing behind.
mapfile -t pids < <(pp_instance_pids)
check "nginx master and worker(s) among the instance's processes" test ${#pids[@]} -ge 6
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1
check "supervisor stop succeeds without SIGKILL" test $? -eq 0
check "no process of the instance is left" pp_none_alive "${pids[@]}"
for n in signer sca admin; do
	check "$n logged a clean stop" grep -q "$n stopping" "$STATE/log/$n.log"
	check "$n removed its socket" test ! -e "$STATE/run/$n.sock"
done
check "audit daemon logged a clean stop" grep -q "paraphe-auditd stopping" "$STATE/log/auditd.log"
check "no PID file is left" bash -c "! ls '$STATE'/run/*.pid 2>/dev/null | grep -q ."

# Restart on the same state: migrations are not applied twice, tokens reused.
"$top_srcdir/scripts/paraphe-init" "$STATE" "$BASE" "$top_srcdir" >/dev/null 2>&1
check "re-initialisation is idempotent" test $? -eq 0
if "$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$top_builddir" >/dev/null 2>&1; then
	ok "restart on the same state"
else
	not_ok "restart on the same state" "$(tail -n 5 "$STATE"/log/*.log)"
fi
check "database migrated exactly once" \
	test "$(grep -c 'database migrated to version 1' "$STATE/log/signer.log")" -eq 1
check "web database is in WAL mode" \
	test "$(sqlite3 "$STATE/db/web.db" 'PRAGMA journal_mode')" = wal

# Workers that cannot start (here: no audit daemon to record their start)
# make the supervising process fail, and none is left behind.
sed -e "s|^socket = $STATE/run/sca.sock\$|socket = $PP_TMP/alt-sca.sock|" \
	-e "s|^socket = $STATE/run/audit.sock\$|socket = $PP_TMP/no-audit.sock|" "$STATE/paraphe.conf" >"$PP_TMP/alt.conf"
timeout 30 "$top_builddir/fcgi/sca/paraphe-sca" -c "$PP_TMP/alt.conf" >"$PP_TMP/alt.log" 2>&1
st=$?
check "a plugin whose workers fail at start exits with a failure ($st)" test $st -eq 1
check "... saying a worker failed at start" grep -q "failed at start" "$PP_TMP/alt.log"
no_alt() { ! pgrep -f "[p]araphe-sca -c $PP_TMP/alt.conf" >/dev/null; }
check "... and leaves no worker behind" no_alt

# A daemon refuses to start with a PIN file readable by others.
chmod 0644 "$STATE/hsm/audit.pin"
"$top_builddir/audit/paraphe-auditd" -c "$STATE/paraphe.conf" >"$PP_TMP/badpin.log" 2>&1 &
bad=$!
wait $bad
check "audit daemon refuses a PIN file readable by others" test $? -ne 0
check "the refusal says why" grep -q "too open" "$PP_TMP/badpin.log"
chmod 0600 "$STATE/hsm/audit.pin"
# A plugin refuses to start with an unknown configuration key.
cp "$STATE/paraphe.conf" "$PP_TMP/bad.conf"
printf '[limits]\nmax_bodyy = 1\n' >>"$PP_TMP/bad.conf"
"$top_builddir/fcgi/sca/paraphe-sca" -c "$PP_TMP/bad.conf" >"$PP_TMP/badconf.log" 2>&1
check "plugin refuses an unknown configuration key" test $? -ne 0
check "the refusal names the line" grep -q "unknown key 'max_bodyy'" "$PP_TMP/badconf.log"

pp_finish
