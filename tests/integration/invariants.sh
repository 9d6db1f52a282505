# Invariants of a Paraphe instance after a fault and its recovery (issue #7,
# fault injection).  Sourced after lib.sh, once pp_up (or pp_start) ran:
#
#   pp_inv_mark                 keeps the audit log's signed checkpoint (and
#                               the newest archived segment's) as they are
#                               before a fault: pp_invariants checks that the
#                               log after the fault extends them.
#   pp_invariants LABEL         ok/not_ok checks, each named "LABEL: ...":
#     - every supervised process is up and the three /healthz answer;
#     - the SAM answers and no ledger row is RESERVED (recovery settled or
#       burned what a crash left);
#     - no (SAD, hash) is CONSUMED twice, no document of an authorisation is
#       signed twice, no SAD signs more than its numSignatures;
#     - every signature the ledger holds (CONSUMED rows, by batch) has the
#       signature.create success record the SAM writes for it in audit.db,
#       with the same SAD, credential and count;
#     - the audit daemon reports its integrity, the Merkle root computed over
#       audit.db's records equals the root of a checkpoint it signs now, and
#       the first records still give the root of the checkpoint kept by
#       pp_inv_mark (consistency: nothing before the fault changed); the
#       archive verifies offline (paraphe-audit-verify, pinned to the segment
#       checkpoint kept by pp_inv_mark);
#     - when PP_INV_DELIVERED names a file of "SAD HASH" lines (one per
#       signature a client received), no signature was delivered twice.
#   Call it with no load running: a batch in flight is RESERVED by design.
#   Its parts, for a test that needs one alone: pp_inv_ledger LABEL SAM_DB,
#   pp_inv_signatures LABEL SAM_DB AUDIT_DB, pp_inv_cp_check.
#   pp_inv_selftest LABEL      the checker on altered copies of the databases
#                               must fail (a signature without its record, a
#                               row RESERVED, an audit record changed).
#
# Clients of a load log one line per request with pp_inv_req and the log is
# judged by pp_inv_outcomes:
#   pp_inv_req LOG CLIENT STEP LISTENER URL [curl args...]
#       sends one request (LISTENER: sca, public or console), sets CODE and
#       BODY like http, and appends to LOG one tab-separated line
#       "time_ms client step listener http_code curl_exit duration_ms class";
#       CLASS (also set) is
#         ok        2xx or 3xx
#         error     a clear error: on the SCA listener a JSON
#                   {"error","error_description"} with a documented status
#                   (docs/API.md: 400 401 403 404 405 409 413 415 429 431
#                   503, nginx's 502/503/504 page for a dead plugin being
#                   that 503 JSON); on the public and console listeners a
#                   4xx or 503 with a body (nginx's unavailable page)
#         refused   connection refused (nothing listens: nginx is down)
#         empty     the connection closed without an answer (curl 52)
#         reset     the connection broke mid-answer (curl 35, 56)
#         timeout   no answer in PP_INV_TIMEOUT seconds (curl 28): a hang
#         bad       anything else (5xx other than 503, an SCA error that is
#                   not the JSON error, an empty body)
#   pp_inv_outcomes LOG LABEL [CLASS...]
#       prints the counts per class (# lines) and checks that every line is
#       ok or error, or one of the extra CLASSes allowed (e.g. refused and
#       reset while nginx itself is killed).  Sets INV_COUNTS ("ok=N ...").

: "${PP_INV_TIMEOUT:=20}"
PP_INV_PRE_CP=""
PP_INV_PRE_SEG=""

# pp_inv_until SECONDS CMD...: as wait_for, but SECONDS of the clock however
# long CMD takes (a health check can take its own timeouts).
pp_inv_until() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

pp_inv_audit() { "$top_builddir/tools/paraphe-audit" -c "$STATE/paraphe.conf" "$@"; }
pp_inv_sql() { sqlite3 -cmd ".timeout 10000" "$@"; }
pp_inv_sam() { "$top_builddir/tests/tools/pp-test-sam" "$STATE/run/sam.sock" "$1" 2>&1; }

# pp_inv_mark: the checkpoints before a fault (in $PP_TMP/inv-pre.*).
pp_inv_mark() {
	local seg
	PP_INV_PRE_CP=$PP_TMP/inv-pre.cp
	pp_inv_audit checkpoint >"$PP_INV_PRE_CP" 2>/dev/null || PP_INV_PRE_CP=""
	PP_INV_PRE_SEG=""
	seg=$(ls -d "$STATE"/archive/seg-* 2>/dev/null | tail -n 1)
	if [ -n "$seg" ] && [ -s "$seg/checkpoint" ]; then
		cp "$seg/checkpoint" "$PP_TMP/inv-pre-seg.cp" && PP_INV_PRE_SEG=$PP_TMP/inv-pre-seg.cp
	fi
}

# pp_inv_root DB SIZE: the RFC 9162 Merkle tree hash (base64) of records
# 1..SIZE of the audit store (leaf = SHA-256(0x00 || record), node =
# SHA-256(0x01 || left || right), lib/pp_merkle.h).
pp_inv_root() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
size = int(sys.argv[2])
rows = db.execute("SELECT seq, record FROM records WHERE seq <= ? ORDER BY seq", (size,)).fetchall()
if len(rows) != size or any(r[0] != i + 1 for i, r in enumerate(rows)):
    print("records 1..%d are not all there (%d rows)" % (size, len(rows)))
    sys.exit(1)
level = [hashlib.sha256(b"\x00" + bytes(r[1])).digest() for r in rows]
def mth(a, lo, hi):
    n = hi - lo
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return a[lo]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(a, lo, lo + k) + mth(a, lo + k, hi)).digest()
sys.setrecursionlimit(10000)
print(base64.b64encode(mth(level, 0, size)).decode())
PY
}

# pp_inv_cp_check LABEL DESC CHECKPOINT_FILE [AUDIT_DB]: the records give
# its root.
pp_inv_cp_check() {
	local label=$1 desc=$2 cp=$3 adb=${4:-$STATE/db/audit.db} size root got
	size=$(sed -n 2p "$cp")
	root=$(sed -n 3p "$cp")
	if ! [[ $size =~ ^[0-9]+$ ]] || [ -z "$root" ]; then
		not_ok "$label: $desc" "not a checkpoint: $(head -c 300 "$cp")"
		return
	fi
	got=$(pp_inv_root "$adb" "$size" 2>&1)
	if [ "$got" = "$root" ]; then
		ok "$label: $desc (size $size)"
	else
		not_ok "$label: $desc (size $size)" "checkpoint root $root, records give $got"
	fi
}

# pp_inv_ledger LABEL SAM_DB [WAIT_S]: no row RESERVED (within WAIT_S s,
# 0 by default), no (SAD, hash) or authorised document signed twice, no SAD
# over its numSignatures.
pp_inv_ledger() {
	local label=$1 db=$2 wait=${3:-0} n
	pp_inv_reserved() { [ "$(pp_inv_sql "$db" "SELECT count(*) FROM sad_hashes WHERE state = 'RESERVED'")" = 0 ]; }
	if pp_inv_reserved || wait_for "$wait" pp_inv_reserved; then
		ok "$label: no ledger row is RESERVED"
	else
		not_ok "$label: no ledger row is RESERVED" \
			"$(pp_inv_sql "$db" "SELECT sad, batch, updated_ms FROM sad_hashes WHERE state = 'RESERVED' LIMIT 5")"
	fi
	n=$(pp_inv_sql "$db" "SELECT count(*) FROM (SELECT sad, hash FROM sad_hashes WHERE state = 'CONSUMED'
		GROUP BY sad, hash HAVING count(*) > 1)")
	check "$label: no (SAD, hash) is signed twice ($n)" test "$n" = 0
	n=$(pp_inv_sql "$db" "SELECT count(*) FROM (SELECT d.authz, d.hash FROM authz_docs d
		JOIN authz a ON a.id = d.authz JOIN sad_hashes h ON h.sad = a.sad_id AND h.hash = d.hash
		WHERE h.state = 'CONSUMED' GROUP BY d.authz, d.hash HAVING count(*) > 1)")
	check "$label: no document of an authorisation is signed twice ($n)" test "$n" = 0
	n=$(pp_inv_sql "$db" "SELECT count(*) FROM sads s WHERE (SELECT count(*) FROM sad_hashes h
		WHERE h.sad = s.id AND h.state = 'CONSUMED') > s.num_signatures")
	check "$label: no SAD signs more than its numSignatures ($n)" test "$n" = 0
}

# pp_inv_signatures LABEL SAM_DB AUDIT_DB: every CONSUMED batch has its
# signature.create success record (same batch, SAD, credential and count),
# no batch recorded twice.  Sets INV_RECORDED_NOT_CONSUMED.
pp_inv_signatures() {
	local label=$1 db=$2 adb=$3
	local q
	q="ATTACH 'file:$adb?mode=ro' AS a;
	CREATE TEMP TABLE rec AS SELECT json_extract(CAST(record AS TEXT), '\$.details.batch') AS batch,
		json_extract(CAST(record AS TEXT), '\$.details.sad_id') AS sad,
		json_extract(CAST(record AS TEXT), '\$.details.credential') AS cred,
		json_extract(CAST(record AS TEXT), '\$.details.count') AS cnt
		FROM a.records WHERE type = 'signature.create' AND outcome = 'success';
	CREATE TEMP TABLE sig AS SELECT h.batch, h.sad, s.credential AS cred, count(*) AS cnt
		FROM sad_hashes h JOIN sads s ON s.id = h.sad WHERE h.state = 'CONSUMED' GROUP BY h.batch;
	SELECT (SELECT count(*) FROM sig), (SELECT coalesce(sum(cnt), 0) FROM sig),
		(SELECT count(*) FROM sig WHERE NOT EXISTS (SELECT 1 FROM rec WHERE rec.batch = sig.batch
			AND rec.sad = sig.sad AND rec.cred = sig.cred AND rec.cnt = sig.cnt)),
		(SELECT count(*) FROM (SELECT batch FROM rec GROUP BY batch HAVING count(*) > 1)),
		(SELECT count(*) FROM rec WHERE batch NOT IN (SELECT batch FROM sig)),
		(SELECT group_concat(batch) FROM (SELECT batch FROM sig WHERE NOT EXISTS (SELECT 1 FROM rec
			WHERE rec.batch = sig.batch AND rec.cnt = sig.cnt) LIMIT 3));"
	local nb nsig miss dup extra which
	IFS='|' read -r nb nsig miss dup extra which < <(pp_inv_sql "file:$db?mode=ro" "$q" 2>&1 | tail -n 1)
	if [ "${miss:-x}" = 0 ]; then
		ok "$label: each of the $nsig signatures ($nb batches) in the ledger has its signature.create record"
	else
		not_ok "$label: each of the ${nsig:-?} signatures in the ledger has its signature.create record" \
			"${miss:-?} batches without (e.g. ${which:-?}): $nb $nsig $miss $dup $extra"
	fi
	check "$label: no batch is recorded as signed twice ($dup)" test "${dup:-x}" = 0
	# A record acknowledged whose settlement a crash prevented: the rows
	# were burned, the signatures never delivered.  Recorded, not an error.
	INV_RECORDED_NOT_CONSUMED=${extra:-0}
	[ "${extra:-0}" = 0 ] || echo "# $label: $extra signature.create records for batches burned before delivery"
}

# pp_inv_selftest LABEL: the checker catches what it must, on copies of the
# instance's databases: a signature whose audit record is missing (a
# CONSUMED batch renamed), a row left RESERVED, an audit record altered
# (the Merkle root no longer that of the checkpoint).  Needs at least one
# signature in the ledger.
pp_inv_selftest() {
	local label=$1 d=$PP_TMP/inv-selftest out
	rm -rf "$d" && mkdir -p "$d"
	pp_inv_sql "$STATE/db/sam.db" ".backup '$d/sam.db'" &&
		pp_inv_sql "$STATE/db/audit.db" ".backup '$d/audit.db'" &&
		pp_inv_audit checkpoint >"$d/cp" || { not_ok "$label: copies of the databases"; return; }
	pp_inv_sql "$d/sam.db" "DROP TRIGGER sad_hashes_transition;
		UPDATE sad_hashes SET batch = 'f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1'
		WHERE batch = (SELECT batch FROM sad_hashes WHERE state = 'CONSUMED' LIMIT 1);
		UPDATE sad_hashes SET state = 'RESERVED', batch = 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0', batch_pos = 0,
		burned_why = NULL WHERE rowid = (SELECT rowid FROM sad_hashes WHERE state IN ('AUTHORIZED', 'BURNED') LIMIT 1);"
	out=$(pp_inv_signatures "$label" "$d/sam.db" "$d/audit.db")
	if grep -q '^not ok .*has its signature.create record' <<<"$out"; then
		ok "$label: the checker finds a signature without its audit record"
	else
		not_ok "$label: the checker finds a signature without its audit record" "$out"
	fi
	if [ "$(pp_inv_sql "$d/sam.db" "SELECT count(*) FROM sad_hashes WHERE state = 'RESERVED'")" -gt 0 ]; then
		out=$(pp_inv_ledger "$label" "$d/sam.db")
		if grep -q '^not ok .*no ledger row is RESERVED' <<<"$out"; then
			ok "$label: the checker finds a row left RESERVED"
		else
			not_ok "$label: the checker finds a row left RESERVED" "$out"
		fi
	fi
	pp_inv_sql "$d/audit.db" "UPDATE records SET record = CAST(CAST(record AS TEXT) || ' ' AS BLOB)
		WHERE seq = (SELECT max(seq) / 2 FROM records)"
	out=$(pp_inv_cp_check "$label" "altered" "$d/cp" "$d/audit.db")
	if grep -q '^not ok' <<<"$out"; then
		ok "$label: the checker finds an altered audit record (Merkle root)"
	else
		not_ok "$label: the checker finds an altered audit record (Merkle root)" "$out"
	fi
	rm -rf "$d"
}

pp_invariants() {
	local label=$1 n ans db=$STATE/db/sam.db adb=$STATE/db/audit.db
	# --- processes and listeners.
	if wait_for 30 pp_all_running; then
		ok "$label: every process is up"
	else
		not_ok "$label: every process is up" "$("$top_srcdir/scripts/paraphe-supervise" status "$STATE" 2>&1)"
	fi
	if pp_inv_until 30 "$top_srcdir/scripts/paraphe-supervise" health "$STATE" >/dev/null 2>&1; then
		ok "$label: /healthz answers on the three listeners"
	else
		not_ok "$label: /healthz answers on the three listeners" \
			"$("$top_srcdir/scripts/paraphe-supervise" health "$STATE" 2>&1 | head -c 600)"
	fi
	ans=$(pp_inv_sam '{"v":1,"op":"health"}')
	if [[ $ans == *'"ok":true'* ]]; then ok "$label: the SAM answers"; else not_ok "$label: the SAM answers" "${ans:0:300}"; fi

	pp_inv_ledger "$label" "$db" 10
	pp_inv_signatures "$label" "$db" "$adb"

	# --- the Merkle log.
	local health
	health=$(pp_inv_audit health 2>&1)
	if grep -qE '"integrity": ?true' <<<"$health"; then
		ok "$label: the audit daemon reports its log's integrity"
	else
		not_ok "$label: the audit daemon reports its log's integrity" "${health:0:600}"
	fi
	if pp_inv_audit checkpoint >"$PP_TMP/inv-now.cp" 2>&1; then
		pp_inv_cp_check "$label" "audit.db's records give the root of the checkpoint signed now" "$PP_TMP/inv-now.cp"
	else
		not_ok "$label: the audit daemon signs a checkpoint" "$(head -c 300 "$PP_TMP/inv-now.cp")"
	fi
	if [ -n "$PP_INV_PRE_CP" ]; then
		pp_inv_cp_check "$label" "the log extends the checkpoint taken before the fault" "$PP_INV_PRE_CP"
		local s0 s1
		s0=$(sed -n 2p "$PP_INV_PRE_CP")
		s1=$(sed -n 2p "$PP_TMP/inv-now.cp")
		check "$label: the log grew, never shrank ($s0 -> $s1)" test "${s1:-0}" -ge "${s0:-1}"
	fi
	if ls -d "$STATE"/archive/seg-* >/dev/null 2>&1; then
		local pin=()
		[ -n "$PP_INV_PRE_SEG" ] && pin=(--pin "$PP_INV_PRE_SEG")
		if "$top_builddir/tools/paraphe-audit-verify" --key "$STATE/audit/audit-key.pem" "${pin[@]}" \
			"$STATE/archive" all >"$PP_TMP/inv-verify.txt" 2>&1; then
			ok "$label: the archive verifies offline${pin:+ (pinned to the segment before the fault)}"
		else
			not_ok "$label: the archive verifies offline" "$(tail -n 5 "$PP_TMP/inv-verify.txt")"
		fi
	fi

	# --- what the clients received.
	if [ -n "${PP_INV_DELIVERED:-}" ] && [ -f "$PP_INV_DELIVERED" ]; then
		n=$(sort "$PP_INV_DELIVERED" | uniq -d | wc -l)
		check "$label: no signature was delivered twice for one (SAD, hash) ($(wc -l <"$PP_INV_DELIVERED") delivered)" \
			test "$n" -eq 0
		local delivered consumed
		delivered=$(wc -l <"$PP_INV_DELIVERED")
		consumed=$(pp_inv_sql "$db" "SELECT count(*) FROM sad_hashes WHERE state = 'CONSUMED'")
		check "$label: every delivered signature is CONSUMED in the ledger ($delivered <= $consumed)" \
			test "$delivered" -le "$consumed"
	fi
}

# pp_inv_req LOG CLIENT STEP LISTENER URL [curl args...]
pp_inv_req() {
	local log=$1 client=$2 step=$3 lst=$4 url=$5 t0 t1 rc out
	shift 5
	out=$(mktemp "$PP_TMP/inv-body.XXXXXX")
	t0=$(date +%s%3N)
	CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time "$PP_INV_TIMEOUT" --cacert "$CA" "$@" "$url")
	rc=$?
	t1=$(date +%s%3N)
	BODY=$(cat "$out" 2>/dev/null)
	rm -f "$out"
	CLASS=$(pp_inv_class "$lst" "$CODE" "$rc" "$BODY")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t0" "$client" "$step" "$lst" "$CODE" "$rc" \
		$((t1 - t0)) "$CLASS" >>"$log"
	[ "$CLASS" = ok ] || [ "$CLASS" = error ] || printf '%s\n' "${BODY:0:300}" >>"$log.bodies"
}

# pp_inv_class LISTENER HTTP_CODE CURL_EXIT BODY
pp_inv_class() {
	local lst=$1 code=$2 rc=$3 body=$4
	case $rc in
	0) ;;
	7) echo refused; return ;;
	52) echo empty; return ;;
	35 | 56) echo reset; return ;;
	28) echo timeout; return ;;
	*) echo bad; return ;;
	esac
	case $code in
	2?? | 3??) echo ok; return ;;
	esac
	case $lst in
	sca)
		case $code in
		400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 431 | 503)
			if [[ $body =~ ^\{.*\"error\":\"[a-z_]+\".*\"error_description\":\" ]]; then
				echo error
			else
				echo bad
			fi ;;
		*) echo bad ;;
		esac ;;
	*)
		case $code in
		4?? | 503) [ -n "$body" ] && echo error || echo bad ;;
		*) echo bad ;;
		esac ;;
	esac
}

# pp_inv_outcomes LOG LABEL [ALLOWED_CLASS...]
pp_inv_outcomes() {
	local log=$1 label=$2 c counts="" badn=0 total allowed=" ok error ${*:3} "
	total=$(wc -l <"$log" 2>/dev/null || echo 0)
	for c in ok error refused empty reset timeout bad; do
		local k
		k=$(awk -F'\t' -v c="$c" '$8 == c' "$log" 2>/dev/null | wc -l)
		counts="$counts $c=$k"
		[[ $allowed == *" $c "* ]] || badn=$((badn + k))
	done
	INV_COUNTS=${counts# }
	echo "# $label: $total requests: $INV_COUNTS"
	check "$label: the clients' $total requests got a success or a clear error ($INV_COUNTS)" \
		test "$total" -gt 0 -a "$badn" -eq 0
	[ "$badn" -eq 0 ] || head -n 5 "$log.bodies" 2>/dev/null | sed 's/^/#   /'
}
