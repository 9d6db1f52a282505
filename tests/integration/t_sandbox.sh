#!/usr/bin/env bash
# The processes' sandbox (lib/pp_sandbox.c, docs/SECURITY.md):
#  - every daemon, plugin worker and plugin supervisor of a running instance
#    has its seccomp filter (Seccomp: 2), NO_NEW_PRIVS, is not dumpable (its
#    /proc entry is root's) with a core size limit of 0, and runs as the
#    service user when the test runs as root;
#  - each profile kills the calls it forbids (execve, ptrace, mount, bpf,
#    unshare, packet sockets, making itself dumpable again, fork outside the
#    supervisor, a TCP socket in the SAM), allows what it needs and answers
#    ENOSYS to a call it does not list (tests/tools/pp-test-sandbox);
#  - a signature still goes end to end (signHash) under the filters;
#  - every path a process checks at start (PIN files, client secret,
#    databases, their directory, the run and state directories, the archive,
#    the SMS spool) made too open makes that process refuse to start with one
#    log line naming the path, its mode and the mode wanted (exit status 78
#    for the daemons, which their units do not restart, 1 for the plugins);
#    put back, the process starts.
. "$(dirname "$0")/lib.sh"

pp_init
pp_start
B=$top_builddir
CONF=$STATE/paraphe.conf
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
SVC_UID=$(id -u)
[ $ROOT -eq 1 ] && SVC_UID=$(id -u paraphe)

# --- 1. the running processes.
not_readable() {
	if [ $ROOT -eq 1 ]; then
		! setpriv --reuid="$SVC_UID" --regid="$(id -g paraphe)" --clear-groups head -c 1 "/proc/$1/environ" >/dev/null 2>&1
	else
		! head -c 1 "/proc/$1/environ" >/dev/null 2>&1
	fi
}
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null | awk '{print $1}'; }
for name in auditd samd signer sca admin demo; do
	pid=$(cat "$STATE/run/$name.pid" 2>/dev/null || true)
	[ -n "$pid" ] || { not_ok "$name has a pid file"; continue; }
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	for p in $pid $kids; do
		what="$name (pid $p$([ "$p" != "$pid" ] && echo ", worker"))"
		check "$what has its seccomp filter (Seccomp: 2)" test "$(status_of "$p" Seccomp)" = 2
		check "$what has NoNewPrivs: 1" test "$(status_of "$p" NoNewPrivs)" = 1
		# Not dumpable: another process of the same user cannot read its
		# memory, environment or descriptors.
		check "$what is not dumpable (its user cannot read /proc/PID/environ)" not_readable "$p"
		check "$what has a core size limit of 0" \
			bash -c "grep -E '^Max core file size +0 +0 ' /proc/$p/limits >/dev/null"
		check "$what runs as uid $SVC_UID" test "$(status_of "$p" Uid)" = "$SVC_UID"
	done
	[ $ROOT -eq 1 ] && [ "$SVC_UID" != 0 ] && check "$name's user is not root" test "$(status_of "$pid" Uid)" != 0
done
check "the SAM logged its filter in force" grep -q "seccomp filter 'sam' in force" "$STATE/log/samd.log"
check "the audit daemon logged its filter" grep -q "seccomp filter 'audit' in force" "$STATE/log/auditd.log"
check "the SCA plugin's supervisor logged its filter" grep -q "seccomp filter 'supervisor' in force" "$STATE/log/sca.log"
check "the SCA plugin's workers keep to unix sockets" \
	grep -q "seccomp filter 'plugin' in force .*; unix sockets only" "$STATE/log/sca.log"
check "the signer may reach its OpenID Connect provider" bash -c "grep \"seccomp filter 'plugin'\" '$STATE/log/signer.log' | grep -vq 'unix sockets only'"
check "the console may probe the listeners" bash -c "grep \"seccomp filter 'plugin'\" '$STATE/log/admin.log' | grep -vq 'unix sockets only'"

# --- 2. what each profile kills, refuses and allows.
T=$B/tests/tools/pp-test-sandbox
SAN=$("$T" counts | sed -n 's/^sanitizers //p')
"$T" counts >"$PP_TMP/counts.txt"
check "every profile allows more than 100 calls and kills more than 60" \
	awk '$2 == "allowed" && ($3 < 100 || $5 < 60) { bad = 1 } END { exit bad }' "$PP_TMP/counts.txt"
sed 's/^/# /' "$PP_TMP/counts.txt"
# sandboxed PROFILE CALL: sets RC and OUT.
sandboxed() { OUT=$("$T" "$1" "$2" 2>/dev/null); RC=$?; }
killed() {
	sandboxed "$1" "$2"
	if [ $RC -eq 159 ]; then ok "$1 profile: $2 kills the process (SIGSYS)"; else not_ok "$1 profile: $2 kills the process" "exit $RC, output: $OUT"; fi
}
answered() {
	sandboxed "$1" "$2"
	if [ $RC -eq 0 ] && [[ $OUT == *"$3"* ]]; then ok "$1 profile: $2 -> $3"; else not_ok "$1 profile: $2 -> $3" "exit $RC, output: $OUT"; fi
}
for p in sam audit plugin supervisor; do
	for c in mount bpf unshare packet dumpable; do
		[ "$SAN" = 1 ] && [ $c = dumpable ] && continue
		killed $p $c
	done
	if [ "$SAN" = 1 ]; then
		# LeakSanitizer's exit check needs ptrace and a fork-like clone, a
		# report may start a symbolizer: allowed, and execve only refused.
		answered $p execve "refused: execve"
	else
		killed $p execve
		killed $p ptrace
	fi
	answered $p none "Seccomp:	2"
	answered $p thread "allowed: thread"
	answered $p unix "allowed: unix socket"
	answered $p unlisted "refused: getpriority: Function not implemented"
done
killed sam tcp
answered audit tcp "allowed: tcp socket"
answered plugin tcp "allowed: tcp socket"
# The SCA API's plugin never reaches the network.
killed plugin-local tcp
killed supervisor-local tcp
answered plugin-local unix "allowed: unix socket"
answered supervisor-local fork "allowed: fork"
answered supervisor fork "allowed: fork"
if [ "$SAN" != 1 ]; then
	killed sam fork
	killed plugin fork
	killed audit fork
fi

# --- 3. one signature end to end under the filters.
J=(-H 'Content-Type: application/json')
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2
A='"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
post() { http POST "$SCA$1" "${SCA_CERT[@]}" "${J[@]}" --data-binary "$2"; }
bmember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
sam() { ANS=$("$B/tests/tools/pp-test-sam" "$STATE/run/sam.sock" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
post /ra/v1/signatories '{"id":"sig-sbx","given_name":"Elodie","surname":"Martin","country":"FR","serial_number":"IDCFR-123456","mobile":"+33612345678","evidence":"KYC-1"}'
expect "a signatory is enrolled" 201 '"id":"sig-sbx"'
post /ra/v1/credentials '{"signatory":"sig-sbx","key_type":"ec-p256"}'
expect "an EC P-256 credential (a key made in the token under the filter)" 201 '"state":"ACTIVE"'
EC=$(bmember id)
post /csc/v2/credentials/info "{\"credentialID\":\"$EC\"}"
grep -o '"certificates":\["[^"]*"' <<<"$BODY" | sed 's/.*\["//; s/"$//' | base64 -d |
	openssl x509 -inform DER -pubkey -noout >"$PP_TMP/ec.pub" 2>/dev/null
printf 'sandboxed document\n' >"$PP_TMP/d.txt"
openssl dgst -sha256 -binary "$PP_TMP/d.txt" >"$PP_TMP/d.bin"
H=$(base64 -w0 <"$PP_TMP/d.bin")
sam "{\"v\":1,\"op\":\"otp.send\",$A,\"signatory\":\"sig-sbx\",\"session\":\"sbx-1\"}"
OTP_ID=$(amember otp_id)
CODE6=$(tail -n +4 "$STATE/sms/outgoing/paraphe-$OTP_ID" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
sam "{\"v\":1,\"op\":\"sad.issue\",$A,\"signatory\":\"sig-sbx\",\"credential\":\"$EC\",\"session\":\"sbx-1\",\"otp_id\":\"$OTP_ID\",\"otp\":\"$CODE6\",\"hash_algo\":\"$SHA256\",\"hashes\":[\"$H\"],\"consent\":true}"
SAD=$(amember sad)
check "a SAD from the SAM (SMS code written to the spool under the filter)" bash -c '[[ $1 =~ ^[A-Za-z0-9_-]{64}$ ]]' _ "$SAD"
post /csc/v2/signatures/signHash "{\"credentialID\":\"$EC\",\"SAD\":\"$SAD\",\"hashes\":[\"$H\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
expect "signHash signs under the filters" 200 '"signatures":["'
sed -n 's/.*"signatures":\["\([^"]*\)".*/\1/p' <<<"$BODY" | base64 -d >"$PP_TMP/sig.bin" 2>/dev/null
check "... and the signature verifies with the certificate's key" bash -c 'openssl pkeyutl -verify -pubin \
	-inkey "$1/ec.pub" -in "$1/d.bin" -sigfile "$1/sig.bin" -pkeyopt digest:sha256 >/dev/null' _ "$PP_TMP"
check "every process is still running" pp_all_running
check "no process was killed by its filter (no SIGSYS in the logs)" \
	bash -c "! grep -l 'Bad system call\|signal 31\|status 159' '$STATE'/log/*.log"

# --- 4. permission checks at start: too open -> refused with the line; put
# back -> starts.  The instance is stopped; the process under test runs in
# the foreground (refusal) or in the background until it listens.
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1 || true
BG=()
bin_of() {
	case $1 in
	auditd) echo "$B/audit/paraphe-auditd" ;; samd) echo "$B/sam/paraphe-samd" ;;
	signer) echo "$B/fcgi/signer/paraphe-signer" ;; sca) echo "$B/fcgi/sca/paraphe-sca" ;;
	admin) echo "$B/admin/paraphe-admin" ;;
	esac
}
sock_of() { case $1 in auditd) echo "$STATE/run/audit.sock" ;; samd) echo "$STATE/run/sam.sock" ;; *) echo "$STATE/run/$1.sock" ;; esac; }
# runs NAME in the background until its socket appears; 1 if it never does.
bg_start() {
	local name=$1 log=$PP_TMP/bg-$1.log
	rm -f "$(sock_of "$name")"
	setsid "$(bin_of "$name")" -c "$CONF" >"$log" 2>&1 </dev/null &
	BGPID=$!
	if wait_for 30 test -S "$(sock_of "$name")"; then
		sleep 0.3
		return 0
	fi
	return 1
}
bg_stop() {
	kill -TERM "$1" 2>/dev/null || true
	wait_for 15 pp_none_alive "$1" || kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
# loosen NAME PATH BITS: PATH with BITS added refuses NAME's start with a
# line naming PATH and its mode; put back, NAME starts.
loosen() {
	local name=$1 path=$2 bits=$3 mode bad rc log=$PP_TMP/refused-$1.log
	mode=$(stat -c %a "$path")
	bad=$(printf '%o' $((8#$mode | 8#$bits)))
	chmod "$bad" "$path"
	timeout 30 "$(bin_of "$name")" -c "$CONF" >"$log" 2>&1 </dev/null
	rc=$?
	chmod "$mode" "$path"
	local line
	line=$(grep -m1 "refusing to start: .* $path: mode $(printf '%04o' $((8#$bad))) is too open, want 0[0-7]* or stricter" "$log")
	# The daemons exit with EX_CONFIG (78: their units do not restart
	# them), the plugins with 1.
	local want=1
	case $name in auditd|samd) want=78 ;; esac
	if [ $rc -eq $want ] && [ -n "$line" ]; then
		ok "$name refuses to start when $path is $bad (was $mode)"
	else
		not_ok "$name refuses to start when $path is $bad" "exit $rc; $(tail -n 3 "$log")"
	fi
	if bg_start "$name"; then
		ok "... $name starts again once $path is $mode"
		bg_stop "$BGPID"
	else
		not_ok "... $name starts again once $path is $mode" "$(tail -n 5 "$PP_TMP/bg-$name.log")"
		bg_stop "$BGPID"
	fi
}

# The audit daemon first, alone (its socket is its own).
loosen auditd "$STATE/hsm/audit.pin" 040
loosen auditd "$STATE/db/audit.db" 004
loosen auditd "$STATE/db" 020
loosen auditd "$STATE/archive" 002
loosen auditd "$STATE/run" 020
loosen auditd "$STATE" 002
# The others need the audit daemon to log their start.
"$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$B" collector >/dev/null 2>&1 || true
bg_start auditd || not_ok "the audit daemon starts for the next checks"
AUDITD=$BGPID
loosen samd "$STATE/hsm/sam.pin" 004
loosen samd "$STATE/db/sam.db" 040
loosen samd "$STATE/db/sam.db" 004
loosen samd "$STATE/sms/outgoing" 020
loosen samd "$STATE/run" 002
loosen signer "$STATE/hsm/web.pin" 040
loosen signer "$STATE/hsm/oidc-client-secret" 004
loosen signer "$STATE/db/web.db" 020
loosen signer "$STATE/db" 002
loosen sca "$STATE/db/web.db" 004
loosen sca "$STATE/db" 002
loosen admin "$STATE/db/admin.db" 004
loosen admin "$STATE/db/audit.db" 020
if [ $ROOT -eq 1 ]; then
	# Owned by someone else than root or the service user.
	chown nobody "$STATE/hsm/sam.pin"
	timeout 30 "$(bin_of samd)" -c "$CONF" >"$PP_TMP/owner.log" 2>&1 </dev/null
	rc=$?
	chown root "$STATE/hsm/sam.pin"
	if [ $rc -eq 78 ] && grep -q "refusing to start: secret file $STATE/hsm/sam.pin: owned by uid $(id -u nobody), want root or uid $SVC_UID" "$PP_TMP/owner.log"; then
		ok "the SAM refuses a PIN file owned by nobody"
	else
		not_ok "the SAM refuses a PIN file owned by nobody" "exit $rc; $(tail -n 3 "$PP_TMP/owner.log")"
	fi
fi
# service.seccomp = no: a warning, and the start record says so.
pp_conf_set service seccomp no
if bg_start samd; then
	check "with service.seccomp = no the SAM warns" grep -q "service.seccomp is off" "$PP_TMP/bg-samd.log"
	check "... and runs without a filter (Seccomp: 0)" test "$(status_of "$BGPID" Seccomp)" = 0
	check "... and its component.start record says seccomp off" wait_for 10 \
		grep -q '"actor":{"id":"paraphe-samd".*"seccomp":"off".*"type":"component.start"' "$STATE/log/collector.log"
	bg_stop "$BGPID"
else
	not_ok "the SAM starts with service.seccomp = no" "$(tail -n 5 "$PP_TMP/bg-samd.log")"
fi
pp_conf_set service seccomp yes
bg_stop "$AUDITD"
pp_finish
