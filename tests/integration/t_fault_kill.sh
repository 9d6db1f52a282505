#!/usr/bin/env bash
# Fault injection, kill -9 (issue #7 item 3): while several clients run full
# signing flows (a SAD by OTP on the SAM's socket as an SCA's pages obtain
# it, or by the authorisation flow: authz.create, OTP and approval on the
# SAM's socket, oauth2/token on the SCA listener; then signHash batches
# through nginx and the SCA plugin, a public page and a console page), each process is killed with SIGKILL at a random moment
# (seeded: PP_FAULT_SEED, printed), in turn: paraphe-signer, paraphe-sca,
# paraphe-admin's supervisor, one of its workers, paraphe-samd (while a batch
# is RESERVED when the load gives one within 3 s), paraphe-auditd, nginx.
# It is restarted as systemd's Restart=on-failure would (RestartSec, then
# paraphe-supervise start STATE BUILD NAME; for nginx the control group's
# leftover workers are killed first; a plugin's worker is replaced by its
# own supervisor), and then tests/integration/invariants.sh checks the
# instance: processes up, no RESERVED row, nothing signed twice, every
# signature audited, the Merkle log consistent with the checkpoint from
# before the fault, and every client request answered with a success or a
# clear error.  The figures (requests per class, recovery times) are printed
# as TAP comments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/invariants.sh"

BIN=$top_builddir
SEED=${PP_FAULT_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$SEED
echo "# seed $SEED (PP_FAULT_SEED=$SEED reproduces the kill moments)"
CLIENTS=${PP_FAULT_CLIENTS:-4}
SIGS=6
RESTART_S=${PP_FAULT_RESTART_S:-1}

pp_init
pp_conf_set admin workers 2
pp_conf_set audit segment_max_records 200
pp_start
. "$(dirname "$0")/fault.sh"
J=(-H 'Content-Type: application/json')
RSAENC=1.2.840.113549.1.1.1
CB=http://127.0.0.1/callback
now_ms() { date +%s%3N; }

# --- the clients' signatories: SIGS per client (the SAM sends a signatory
# at most 10 OTPs an hour), an RSA-3072 credential for client 1 (its bigger
# batches keep rows RESERVED longer), EC P-256 for the others.
for c in $(seq 1 "$CLIENTS"); do
	kt=ec-p256
	[ "$c" = 1 ] && kt=rsa3072
	for k in $(seq 1 $SIGS); do
		http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
			"{\"id\":\"sig-c$c-$k\",\"given_name\":\"Client\",\"surname\":\"Number$c\",\"country\":\"FR\",\"serial_number\":\"IDCFR-$c$k\",\"mobile\":\"+3361234560$c\",\"evidence\":\"KYC-$c\"}"
		[ "$CODE" = 201 ] || { echo "# $CODE $BODY"; echo "Bail out! signatory sig-c$c-$k"; exit 99; }
		http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
			"{\"signatory\":\"sig-c$c-$k\",\"key_type\":\"$kt\"}"
		[ "$CODE" = 201 ] || { echo "# $CODE $BODY"; echo "Bail out! credential of sig-c$c-$k"; exit 99; }
		echo "sig-c$c-$k $(fault_member id "$BODY")" >>"$PP_TMP/creds.$c"
		fault_member certificate "$BODY" | base64 -d | openssl x509 -inform DER -pubkey -noout \
			>"$PP_TMP/pub-$(fault_member id "$BODY").pem"
	done
done
ok "$((CLIENTS * SIGS)) signatories with a credential each, through the RA API"

# sad_for SIGNATORY CREDENTIAL SESSION HASHES_JSON: prints the SAD (empty
# when the SAM refused or was down; the answer goes to the client's log).
sad_for() {
	local ans otp_id code
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"otp.send\",$FAULT_A,\"signatory\":\"$1\",\"session\":\"$3\"}" 2>&1)
	otp_id=$(fault_member otp_id "$ans")
	[ -n "$otp_id" ] || { echo "otp.send: ${ans:0:200}" >&2; return 0; }
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"sad.issue\",$FAULT_A,\"signatory\":\"$1\",\"credential\":\"$2\",\"session\":\"$3\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$FAULT_SHA256\",\"hashes\":$4,\"consent\":true}" 2>&1)
	fault_member sad "$ans"
	[ -n "$(fault_member sad "$ans")" ] || echo "sad.issue: ${ans:0:200}" >&2
}

# authz_sad CREDENTIAL LOG CLIENT HASH...: a SAD by the authorisation flow
# (docs/AUTHZ.md): authz.create as oauth2/authorize makes it, the signatory's
# OTP and approval on the SAM's socket as the signer pages send them, then
# oauth2/token on the SCA listener (logged with pp_inv_req, step "token");
# prints the SAD (empty on failure, the reason on stderr).
authz_sad() {
	local cred=$1 log=$2 client=$3 docs ans az otp_id code v ch
	shift 3
	docs=$(printf '{"hash":"%s"},' "$@" | sed 's/,$//')
	v=$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n' | head -c 64)
	ch=$(printf '%s' "$v" | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"demo-sca\",\"mode\":\"redirect\",\"redirect_uri\":\"$CB\",\"credential\":\"$cred\",\"hash_algo\":\"$FAULT_SHA256\",\"documents\":[$docs],\"num_signatures\":$#,\"code_challenge\":\"$ch\",\"code_challenge_method\":\"S256\",\"state\":\"st\",\"ip\":\"192.0.2.7\"}" 2>&1)
	az=$(fault_member authz "$ans")
	[ -n "$az" ] || { echo "authz.create: ${ans:0:200}" >&2; return 0; }
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"authz.otp_send\",\"authz\":\"$az\",\"ip\":\"192.0.2.7\"}" 2>&1)
	otp_id=$(fault_member otp_id "$ans")
	[ -n "$otp_id" ] || { echo "authz.otp_send: ${ans:0:200}" >&2; return 0; }
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"$az\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"ip\":\"192.0.2.7\"}" 2>&1)
	[[ $ans == *'"status":"AUTHENTICATED"'* ]] || { echo "authz.otp_verify: ${ans:0:200}" >&2; return 0; }
	ans=$("$BIN/tests/tools/pp-test-sam" "$SOCK" "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"$az\",\"consent\":true,\"ip\":\"192.0.2.7\"}" 2>&1)
	code=$(fault_member code "$ans")
	[ -n "$code" ] || { echo "authz.approve: ${ans:0:200}" >&2; return 0; }
	pp_inv_req "$log" "$client" token sca "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" \
		--data-urlencode grant_type=authorization_code --data-urlencode client_id=demo-sca \
		--data-urlencode "code=$code" --data-urlencode "code_verifier=$v" --data-urlencode "redirect_uri=$CB"
	[ "$CODE" = 200 ] || { echo "oauth2/token: $CODE ${BODY:0:200}" >&2; return 0; }
	fault_member access_token "$BODY"
}

# client N PHASE: signing flows until $PP_TMP/stop exists.  Requests go to
# $PP_TMP/load-PHASE.log (pp_inv_req), delivered signatures ("SAD HASH") to
# $PP_TMP/delivered, each SAD with its hashes (hex) to $PP_TMP/sads, the
# SAM socket's failures to get a SAD to $PP_TMP/sadfail-PHASE.
client() {
	local c=$1 phase=$2 log=$PP_TMP/load-$2.log it=0 per=3 n=12 sig cred sad i b flow
	[ "$c" = 1 ] && per=20 && n=40
	while [ -d "$PP_TMP" ] && [ ! -e "$PP_TMP/stop" ]; do
		it=$((it + 1))
		# Each flow the next signatory, across phases (their OTP budget).
		flow=$(( $(cat "$PP_TMP/flows.$c" 2>/dev/null || echo 0) + 1 ))
		echo "$flow" >"$PP_TMP/flows.$c"
		read -r sig cred < <(sed -n "$(( (flow - 1) % SIGS + 1 ))p" "$PP_TMP/creds.$c")
		local hs=() hex=()
		for ((i = 0; i < n; i++)); do
			hs+=("$(head -c 32 /dev/urandom | base64 -w0)")
		done
		# Even clients on even flows: the authorisation flow (OAuth);
		# the others: a SAD straight from sad.issue.
		if [ $((c % 2)) = 0 ] && [ $((flow % 2)) = 0 ]; then
			sad=$(authz_sad "$cred" "$log" "c$c" "${hs[@]}" 2>>"$PP_TMP/sadfail-$phase")
		else
			sad=$(sad_for "$sig" "$cred" "p$phase-c$c-$it" "[$(printf '"%s",' "${hs[@]}" | sed 's/,$//')]" \
				2>>"$PP_TMP/sadfail-$phase")
		fi
		if [ -z "$sad" ]; then
			sleep 0.3
			continue
		fi
		for h in "${hs[@]}"; do hex+=("$(base64 -d <<<"$h" | od -An -tx1 | tr -d ' \n')"); done
		echo "$sad $cred ${hex[*]}" >>"$PP_TMP/sads"
		local alg=$FAULT_ECDSA256
		[ "$c" = 1 ] && alg=$RSAENC
		for ((b = 0; b < n; b += per)); do
			local batch=("${hs[@]:b:per}") body try
			body="{\"credentialID\":\"$cred\",\"SAD\":\"$sad\",\"hashes\":[$(printf '"%s",' "${batch[@]}" | sed 's/,$//')],\"hashAlgorithmOID\":\"$FAULT_SHA256\",\"signAlgo\":\"$alg\"}"
			for try in sign retry; do
				pp_inv_req "$log" "c$c" "$try" sca "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" \
					--data-binary "$body"
				if [ "$CODE" = 200 ]; then
					local k=0 s
					for s in $(sed -n 's/.*"signatures":\[\([^]]*\)\].*/\1/p' <<<"$BODY" | tr -d '"' | tr ',' ' '); do
						[ -n "$s" ] && echo "$sad ${batch[k]}" >>"$PP_TMP/delivered" &&
							echo "$cred ${batch[k]} $s" >>"$PP_TMP/signatures"
						k=$((k + 1))
					done
					[ "$k" = "${#batch[@]}" ] || echo "$sad count-mismatch $k" >>"$PP_TMP/delivered"
				fi
				# Retry once what got no answer from the SAM (503, or
				# nothing at all): signed then, or refused as spent.
				case $CLASS/$CODE in
				ok/* | error/4*) break ;;
				esac
				sleep 1
			done
		done
		pp_inv_req "$log" "c$c" page public "$PUB/"
		pp_inv_req "$log" "c$c" console console "$CON/login" "${STAFF_CERT[@]}"
	done
}

load_start() {	# load_start PHASE
	rm -f "$PP_TMP/stop"
	LOAD_PIDS=()
	local c
	for c in $(seq 1 "$CLIENTS"); do
		client "$c" "$1" &
		LOAD_PIDS+=($!)
	done
}
load_stop() {
	touch "$PP_TMP/stop"
	wait "${LOAD_PIDS[@]}" 2>/dev/null
}

healthy() {
	"$top_srcdir/scripts/paraphe-supervise" health "$STATE" >/dev/null 2>&1 &&
		[[ $("$BIN/tests/tools/pp-test-sam" "$SOCK" '{"v":1,"op":"health"}' 2>&1) == *'"ok":true'* ]]
}
reserved_batch() {
	sqlite3 -cmd ".timeout 2000" "$STATE/db/sam.db" "SELECT batch FROM sad_hashes WHERE state = 'RESERVED' LIMIT 1" 2>/dev/null
}

# --- a first run without a fault: the load works.
PP_INV_DELIVERED=$PP_TMP/delivered
: >"$PP_INV_DELIVERED"
pp_inv_mark
load_start baseline
sleep 4
load_stop
pp_inv_outcomes "$PP_TMP/load-baseline.log" "no fault"
n=$(awk -F'\t' '$3 == "sign" && $8 == "ok"' "$PP_TMP/load-baseline.log" | wc -l)
check "without a fault signHash succeeds ($n)" test "$n" -gt 0
n=$(awk -F'\t' '$8 != "ok" && $3 != "console"' "$PP_TMP/load-baseline.log" | wc -l)
check "... and nothing but the console's refusal of a certificate without account fails ($n)" test "$n" -eq 0
pp_invariants "no fault"

# kill_restart VICTIM LABEL: kills it now (SIGKILL) and restarts it as
# systemd would; sets T0 (kill), T1 (restart), T2 (healthy again), and for
# the SAM CAUGHT (a batch left RESERVED by the kill: the dead SAM cannot
# settle it, so the ledger shows it until the restart's recovery).
kill_restart() {
	local victim=$1 label=$2 pid workers=""
	CAUGHT=""
	case $victim in
	admin-worker) pid=$(pgrep -P "$(cat "$STATE/run/admin.pid")" | head -n 1) ;;
	*)
		pid=$(cat "$STATE/run/$victim.pid")
		# What else runs in its control group: nginx's and the
		# plugins' workers.
		workers=$(pgrep -P "$pid" | tr '\n' ' ') ;;
	esac
	[ -n "$pid" ] || { not_ok "$label: a process to kill"; return 1; }
	if [ "$victim" = samd ]; then
		# The moment a batch is RESERVED (between its reservation and
		# its settlement), seen by a poller that holds the database open
		# and kills at once; at the latest after 3 s.
		python3 - "$STATE/db/sam.db" "$pid" <<'PY'
import os, signal, sqlite3, sys, time
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=1)
end = time.monotonic() + 3
while time.monotonic() < end:
    try:
        if db.execute("SELECT 1 FROM sad_hashes WHERE state = 'RESERVED' LIMIT 1").fetchone():
            break
    except sqlite3.OperationalError:
        pass
    time.sleep(0.001)
os.kill(int(sys.argv[2]), signal.SIGKILL)
PY
		T0=$(now_ms)
	else
		T0=$(now_ms)
		kill -9 "$pid"
	fi
	wait_for 10 pp_none_alive "$pid"
	[ "$victim" = samd ] && CAUGHT=$(reserved_batch)
	echo "# $label: pid $pid${CAUGHT:+ (batch $CAUGHT left RESERVED)}"
	if [ "$victim" = admin-worker ]; then
		# The plugin's supervisor replaces its worker itself.
		newworker() { pgrep -P "$(cat "$STATE/run/admin.pid")" | grep -qvx "$pid"; }
		check "$label: the supervisor replaces the worker" wait_for 20 newworker
		T1=$T0
	else
		# systemd: RestartSec, the unit's control group emptied (what is
		# left gets SIGTERM, then SIGKILL after a while), started again.
		# A plugin's workers have had SIGTERM from the kernel already
		# (PR_SET_PDEATHSIG), nginx's workers outlive their master.
		sleep "$RESTART_S"
		if [ -n "$workers" ]; then
			# shellcheck disable=SC2086
			kill -TERM $workers 2>/dev/null
			# shellcheck disable=SC2086
			if ! wait_for 10 pp_none_alive $workers; then
				echo "# $label: workers still alive 10 s after SIGTERM: SIGKILL"
				# shellcheck disable=SC2086
				kill -9 $workers 2>/dev/null
				# shellcheck disable=SC2086
				wait_for 10 pp_none_alive $workers
			fi
		fi
		T1=$(now_ms)
		# The supervisor waits 10 s for health; under the sanitizers and
		# the load a plugin may take longer: then it is given a minute.
		if "$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$BIN" "$victim" >"$PP_TMP/restart.log" 2>&1 ||
			{ pp_all_running && pp_inv_until 60 healthy; }; then
			ok "$label: started again"
		else
			not_ok "$label: started again" "$(tail -n 20 "$PP_TMP/restart.log")"
		fi
	fi
	pp_inv_until 120 healthy || not_ok "$label: healthy again within 2 minutes"
	T2=$(now_ms)
}

# --- the kills.
FIGURES=()
for victim in signer sca admin admin-worker samd auditd nginx; do
	label="kill -9 $victim"
	pp_inv_mark
	load_start "$victim"
	delay=$((1000 + RANDOM % 2000))
	sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
	echo "# $label: at $delay ms into the load"
	extra=()
	[ "$victim" = nginx ] && extra=(refused reset empty)
	if [ "$victim" = samd ]; then
		# Up to three kills, each the moment a batch is RESERVED
		# (between its reservation and its settlement), until one leaves
		# a batch RESERVED.
		for attempt in 1 2 3; do
			kill_restart samd "$label (attempt $attempt)" || break
			[ -n "$CAUGHT" ] && break
			sleep 1
		done
	else
		kill_restart "$victim" "$label"
	fi
	sleep 2
	load_stop
	FIGURES+=("$victim: healthy $((T2 - T1)) ms after the restart ($((T2 - T0)) ms after the kill)")
	echo "# $label: healthy again $((T2 - T1)) ms after the restart, $((T2 - T0)) ms after the kill"
	caught=$CAUGHT
	pp_inv_outcomes "$PP_TMP/load-$victim.log" "$label" "${extra[@]}"
	# What the fault cost the clients (the console's 403 for a certificate
	# without an account comes with every flow, fault or not).
	echo "# $label: answers other than a success, by step and status: $(awk -F'\t' '$8 != "ok" && !($3 == "console" && $5 == 403) { print $3 "/" $4 "/" $5 "/" $8 }' \
		"$PP_TMP/load-$victim.log" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
	n=$(awk -F'\t' '$7 > 0 { if ($7 > m) m = $7 } END { print m + 0 }' "$PP_TMP/load-$victim.log")
	echo "# $label: longest request $n ms"
	if [ "$victim" = samd ] && [ -n "$caught" ]; then
		st=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" \
			"SELECT group_concat(DISTINCT state || '/' || coalesce(burned_why, '')) FROM sad_hashes WHERE batch = '$caught'")
		check "$label: the batch RESERVED at the kill is BURNED (INTERRUPTED) by the restart ($st)" \
			test "$st" = BURNED/INTERRUPTED
		check "$label: ... and the recovery is recorded" wait_for 10 bash -c \
			'sqlite3 -cmd ".timeout 5000" "$1" "SELECT count(*) FROM records WHERE type = '"'"'sad.use'"'"' AND CAST(record AS TEXT) LIKE '"'"'%reserved_burned%'"'"'" | grep -qv "^0$"' \
			_ "$STATE/db/audit.db"
		# Its SAD cannot sign those hashes again.
		sadid=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT DISTINCT sad FROM sad_hashes WHERE batch = '$caught'")
		h1=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT lower(hex(hash)) FROM sad_hashes WHERE batch = '$caught' ORDER BY batch_pos LIMIT 1")
		read -r tok cred _ < <(grep -- " $h1" "$PP_TMP/sads" | head -n 1)
		if [ -n "${tok:-}" ]; then
			hb=$(printf '%s' "$h1" | sed 's/../\\x&/g' | xargs -0 printf '%b' | base64 -w0)
			alg=$FAULT_ECDSA256
			grep -q "$cred" "$PP_TMP/creds.1" && alg=$RSAENC
			http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
				"{\"credentialID\":\"$cred\",\"SAD\":\"$tok\",\"hashes\":[\"$hb\"],\"hashAlgorithmOID\":\"$FAULT_SHA256\",\"signAlgo\":\"$alg\"}"
			expect_json_error "$label: a hash of the interrupted batch is never signed (SAD $sadid)" 403 access_denied
		else
			not_ok "$label: the interrupted batch's SAD is one a client holds" "$h1"
		fi
	elif [ "$victim" = samd ]; then
		echo "# $label: no kill left a batch RESERVED"
	fi
	pp_invariants "$label"
done

n=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT count(*) FROM authz_docs d JOIN authz a ON a.id = d.authz
	JOIN sad_hashes h ON h.sad = a.sad_id AND h.hash = d.hash WHERE h.state = 'CONSUMED'")
check "documents of authorisation requests were signed ($n): the check of each signed once per authorisation had work" \
	test "$n" -gt 0
check "every answer carried one signature per hash" bash -c '! grep -q count-mismatch "$1"' _ "$PP_INV_DELIVERED"
# A sample of the signatures delivered, verified with the credential's
# certificate (PKCS#1 v1.5 for the RSA credentials, ECDSA for the others).
bad=0 nv=0
while read -r cred hb sig; do
	base64 -d <<<"$hb" >"$PP_TMP/v.hash"
	base64 -d <<<"$sig" >"$PP_TMP/v.sig"
	openssl pkeyutl -verify -pubin -inkey "$PP_TMP/pub-$cred.pem" -in "$PP_TMP/v.hash" -sigfile "$PP_TMP/v.sig" \
		-pkeyopt digest:sha256 >/dev/null 2>&1 || bad=$((bad + 1))
	nv=$((nv + 1))
done < <(shuf -n 50 --random-source=<(yes "$SEED") "$PP_TMP/signatures")
check "$nv signatures delivered, drawn at random, verify with their credential's certificate ($bad do not)" \
	test "$nv" -gt 0 -a "$bad" -eq 0
pp_inv_selftest "self-test"
total=$(cat "$PP_TMP"/load-*.log | wc -l)
echo "# figures: seed $SEED, $CLIENTS clients, $total requests, $(wc -l <"$PP_INV_DELIVERED") signatures delivered"
for f in "${FIGURES[@]}"; do echo "#   $f"; done
for c in ok error refused empty reset timeout; do
	echo "#   $c: $(cat "$PP_TMP"/load-*.log | awk -F'\t' -v c="$c" '$8 == c' | wc -l)"
done
echo "#   SAD requests the SAM could not answer: $(cat "$PP_TMP"/sadfail-* 2>/dev/null | wc -l)"
consumed=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT count(*) FROM sad_hashes WHERE state = 'CONSUMED'")
burned=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/sam.db" "SELECT group_concat(burned_why || '=' || n, ' ') FROM (SELECT burned_why, count(*) AS n FROM sad_hashes WHERE state = 'BURNED' GROUP BY burned_why)")
echo "#   signatures in the ledger (CONSUMED) $consumed, delivered $(wc -l <"$PP_INV_DELIVERED"): $((consumed - $(wc -l <"$PP_INV_DELIVERED"))) made but lost with the process that carried the answer (never signed again)"
echo "#   hashes burned, by reason: ${burned:-none}"
pp_finish
