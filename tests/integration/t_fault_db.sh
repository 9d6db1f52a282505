#!/usr/bin/env bash
# Fault injection (issue #7): the databases.  sam.db, web.db and admin.db
# locked by another writer holding BEGIN EXCLUSIVE (the sqlite3 shell, as an
# operator's stray session would), longer than database.busy_timeout_ms;
# sam.db and web.db made read-only under the running processes (chattr +i:
# every write fails with an I/O error) and at a restart of the SAM.
# Expected: clear errors (a 503 JSON error on the SCA API, the 503 page on
# the signer and console listeners, never a 500 without a body or a
# crash), no partial rows (the ledger all or none: a refused batch signs
# once the database is back; a batch signed but not settled is burned once
# the database is back), recovery after the release without a restart
# (pp_invariants).
. "$(dirname "$0")/lib.sh"
pp_up
. "$(dirname "$0")/fault.sh"
fault_enrol
pp_inv_mark
DB=$STATE/db
LOCKS=()
IMMUTABLE=()
db_cleanup() {
	local p
	for p in "${LOCKS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ ${#IMMUTABLE[@]} -eq 0 ] || chattr -i "${IMMUTABLE[@]}" 2>/dev/null || true
	pp_down
}
trap db_cleanup EXIT
# db_lock FILE SECONDS: another writer holds FILE's write lock (BEGIN
# EXCLUSIVE in the sqlite3 shell) for SECONDS; returns once it holds it.
db_lock() {
	(echo 'BEGIN EXCLUSIVE;'; sleep "$2"; echo 'COMMIT;') | sqlite3 "$1" &
	LOCK_PID=$!
	LOCKS+=("$LOCK_PID")
	wait_for 5 bash -c '! sqlite3 -cmd ".timeout 0" "$1" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null' _ "$1"
}
# immutable on|off FILE...: chattr +i / -i (writes through open descriptors
# fail too: EPERM, which SQLite reports as a disk I/O error).
immutable() {
	local op=$1
	shift
	if [ "$op" = on ]; then chattr +i "$@" && IMMUTABLE+=("$@"); else chattr -i "$@"; fi
}
# page_clear DESC: the last answer is the 503 page, HTML with a body.
page_clear() {
	if [ "$CODE" = 503 ] && grep -qi '^content-type: text/html' <<<"$HEADERS" && [[ $BODY == *'<h1'* ]]; then
		ok "$1"
	else
		not_ok "$1" "status $CODE: ${BODY:0:200}"
	fi
}

# --- baseline.
check "3 SADs" test "$(fault_sads a 3)" = 3
fault_sign_all a 3
fault_wait
check "the baseline load signs all 3" test "$(fault_count a signed)" = 3

# --- 1. sam.db locked (12 s, over the 5 s busy timeout) during a load.
check "4 SADs for the load" test "$(fault_sads b 4)" = 4
check "sam.db: another writer holds BEGIN EXCLUSIVE" db_lock "$DB/sam.db" 12
fault_sign_all b 4
fault_wait
fault_figure "sam.db locked 12 s" b
fault_clear "sam.db locked: every signHash ends in a signature or a JSON error" b
n=$(fault_count b 'refused 503 temporarily_unavailable')
check "sam.db locked: the ledger refused $n of 4 with 503 ($(fault_count b signed) signed after the release)" \
	test "$n" -ge 1 -a $((n + $(fault_count b signed))) = 4
check "... saying nothing was signed" \
	bash -c 'grep -l "The SAD ledger could not be written: nothing was signed; try again" "$@" | grep -q .' _ "$PP_TMP"/flows/b-*.body
check "... the SAM's log names the lock" grep -q 'sqlite: database is locked' "$STATE/log/samd.log"
wait "$LOCK_PID" 2>/dev/null
check "sam.db released: nothing RESERVED" test "$(fault_reserved)" = 0
for i in 1 2 3 4; do
	[ "$(fault_outcome "b-$i")" = signed ] || fault_sign "b-$i" "$(cat "$PP_TMP/flows/b-$i.sad")"
done
check "sam.db released: the refused SADs sign now (the batch was all or none)" test "$(fault_count b signed)" = 4
pp_invariants "after sam.db was locked"

# --- 2. web.db locked: the signer pages answer the 503 page; the SCA API,
# which does not write web.db, signs on.
check "3 SADs" test "$(fault_sads c 3)" = 3
check "web.db: another writer holds BEGIN EXCLUSIVE" db_lock "$DB/web.db" 10
http GET "$PUB/"
page_clear "web.db locked: the signer's landing page is the 503 page"
fault_sign_all c 3
fault_wait
check "web.db locked: the SCA API signs on" test "$(fault_count c signed)" = 3
wait "$LOCK_PID" 2>/dev/null
http GET "$PUB/"
expect "web.db released: the landing page again" 200 '<h1'

# --- 3. admin.db locked: the console's login answers the 503 page.
"$top_builddir/tools/paraphe-staff" -c "$STATE/paraphe.conf" bootstrap --name "Test security-manager" \
	--cert "$PKI/staff/security-manager.crt" --present "Test witness" >"$PP_TMP/staff.log" 2>&1
check "a staff account (the founding ceremony)" test $? = 0
check "admin.db: another writer holds BEGIN EXCLUSIVE" db_lock "$DB/admin.db" 10
ahttp security-manager GET /login
page_clear "admin.db locked: the console's login is the 503 page"
wait "$LOCK_PID" 2>/dev/null
check "admin.db released: the member logs in" admin_login security-manager

# --- 4. sam.db and web.db read-only under the running processes.
check "3 SADs" test "$(fault_sads d 3)" = 3
immutable on "$DB/sam.db" "$DB/sam.db-wal" "$DB/web.db" "$DB/web.db-wal"
fault_sign_all d 3
fault_wait
fault_figure "sam.db read-only" d
fault_clear "sam.db read-only: every signHash ends in a signature or a JSON error" d
check "sam.db read-only: none signed, all 503" test "$(fault_count d 'refused 503 temporarily_unavailable')" = 3
http GET "$PUB/"
page_clear "web.db read-only: the landing page is the 503 page"
check "sam.db read-only: the SAM's log names the I/O error" grep -q 'sqlite: disk I/O error' "$STATE/log/samd.log"
check "every process is still running" pp_all_running
immutable off "$DB/sam.db" "$DB/sam.db-wal" "$DB/web.db" "$DB/web.db-wal"
check "writable again: nothing RESERVED" test "$(fault_reserved)" = 0
for i in 1 2 3; do fault_sign "d-$i" "$(cat "$PP_TMP/flows/d-$i.sad")"; done
check "writable again: the refused SADs sign now, without a restart" test "$(fault_count d signed)" = 3
http GET "$PUB/"
expect "writable again: the landing page" 200 '<h1'
pp_invariants "after sam.db and web.db were read-only"

# --- 5. sam.db read-only at a restart of the SAM: it refuses to start.
fault_stop samd
# The SAM's orderly stop folded the WAL into sam.db and removed it.
RO=("$DB/sam.db")
[ -f "$DB/sam.db-wal" ] && RO+=("$DB/sam.db-wal")
immutable on "${RO[@]}"
RC=0
timeout 60 "$top_builddir/sam/paraphe-samd" -c "$STATE/paraphe.conf" >>"$STATE/log/samd.log" 2>&1 </dev/null || RC=$?
check "sam.db read-only at start: the SAM does not start (status $RC)" test "$RC" != 0 -a "$RC" != 124
check "... saying why in its log" grep -q 'attempt to write a readonly database' "$STATE/log/samd.log"
fault_sca_healthz
expect "... the SCA listener's /healthz is 503 naming the SAM" 503 '"sam":"temporarily_unavailable"'
immutable off "${RO[@]}"
check "writable again: the SAM starts" fault_start samd
check "3 SADs" test "$(fault_sads e 3)" = 3
fault_sign_all e 3
fault_wait
check "the load signs all 3" test "$(fault_count e signed)" = 3
pp_invariants "after the SAM's restart on a read-only sam.db"

# --- 6. sam.db locked while batches are being signed: the settlement after
# signing fails; the rows, RESERVED, are burned as soon as the ledger can
# be written again, without waiting for a restart's recovery.  Four
# batches of 90 RSA-4096 signatures (about a second each in SoftHSMv2) give
# the lock time to come between their reservation and their settlement.
check "an RSA-4096 credential" fault_enrol r rsa4096
RCRED=$(cat "$PP_TMP/flows/r.cred")
H=()
for i in $(seq 1 360); do H+=("\"$(printf 'batch document %d\n' "$i" | openssl dgst -sha256 -binary | base64 -w0)\""); done
ans=$(fault_sam "{\"v\":1,\"op\":\"otp.send\",$FAULT_A,\"signatory\":\"sig-r\",\"session\":\"r-1\"}")
otp_id=$(fault_member otp_id "$ans")
code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
ans=$(fault_sam "{\"v\":1,\"op\":\"sad.issue\",$FAULT_A,\"signatory\":\"sig-r\",\"credential\":\"$RCRED\",\"session\":\"r-1\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$FAULT_SHA256\",\"hashes\":[$(IFS=,; echo "${H[*]}")],\"consent\":true}")
RSAD=$(fault_member sad "$ans")
check "a SAD for 360 hashes" test -n "$RSAD"
RJOBS=()
for k in 0 1 2 3; do
	curl -s -o "$PP_TMP/r$k.body" -w '%{http_code}' --max-time 60 --cacert "$CA" "${SCA_CERT[@]}" \
		-H 'Content-Type: application/json' -X POST "$SCA/csc/v2/signatures/signHash" \
		--data-binary "{\"credentialID\":\"$RCRED\",\"SAD\":\"$RSAD\",\"hashes\":[$(IFS=,; echo "${H[*]:$((k * 90)):90}")],\"hashAlgorithmOID\":\"$FAULT_SHA256\",\"signAlgo\":\"1.2.840.113549.1.1.11\"}" \
		>"$PP_TMP/r$k.code" &
	RJOBS+=($!)
done
reserved_some() { [ "$(fault_reserved)" -gt 0 ]; }
check "the batches are reserved" wait_for 10 reserved_some
# Waits for the SAM's write transaction in progress, then holds the lock.
(echo 'BEGIN EXCLUSIVE;'; sleep 12; echo 'COMMIT;') | sqlite3 -cmd '.timeout 10000' "$DB/sam.db" &
LOCK_PID=$!
LOCKS+=("$LOCK_PID")
for p in "${RJOBS[@]}"; do wait "$p" 2>/dev/null || true; done
n_ok=0 n_503=0
for k in 0 1 2 3; do
	case $(cat "$PP_TMP/r$k.code") in
	200) n_ok=$((n_ok + 1)) ;;
	503) grep -q '"error":"temporarily_unavailable","error_description":"' "$PP_TMP/r$k.body" && n_503=$((n_503 + 1)) ;;
	esac
done
check "locked while signing: each batch signed or a 503 JSON error ($n_ok signed, $n_503 refused)" \
	test $((n_ok + n_503)) = 4 -a "$n_503" -ge 1
check "... saying the signatures were not delivered and need a new SAD" \
	bash -c 'grep -l "could not be written after signing: no signature was delivered; these hashes need a new SAD" "$@" | grep -q .' _ "$PP_TMP"/r*.body
left=$(fault_reserved)
check "... the unsettled rows are RESERVED while the lock is held ($left)" test "$left" -gt 0
wait "$LOCK_PID" 2>/dev/null
none_reserved() { [ "$(fault_reserved)" = 0 ]; }
check "released: the SAM burns them within seconds, without a restart" wait_for 15 none_reserved
check "... as AMBIGUOUS (signed perhaps, never delivered)" \
	test "$(sqlite3 "file:$DB/sam.db?mode=ro" "SELECT count(*) FROM sad_hashes WHERE burned_why = 'AMBIGUOUS'")" = "$left"
check "... and says so in its log" grep -q 'not settled after signing, burned' "$STATE/log/samd.log"
pp_invariants "after sam.db was locked during signing"
pp_finish
