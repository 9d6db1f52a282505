# What the fault-injection tests (t_fault_*.sh) share: a signatory with an
# EC P-256 credential, SADs obtained as the signer pages would (otp.send,
# the code read from the SMS spool, sad.issue, through pp-test-sam on the
# SAM's socket, as t_signhash.sh does), signHash through nginx and the SCA
# plugin, and a small concurrent load whose every outcome is written down:
#
#   $PP_TMP/outcomes: one line per signHash, "NAME signed" (200 with a
#   signature that verifies with the credential's key), "NAME refused
#   STATUS CODE" (a JSON error {"error","error_description"} with the right
#   content type), or "NAME bad STATUS BODY" (anything else: a 5xx without
#   JSON, a dropped connection, a 200 whose signature does not verify).
#
# Sourced after lib.sh, once the instance runs (fault_enrol after pp_up).
SOCK=$STATE/run/sam.sock
SPOOL=$STATE/sms/outgoing
FAULT_A='"sca":"CN=Demo SCA,O=Paraphe Demo SCA,C=FR"'
FAULT_SHA256=2.16.840.1.101.3.4.2.1
FAULT_ECDSA256=1.2.840.10045.4.3.2

fault_member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$2" | head -n 1; }
# fault_sam JSON: one request to the SAM's socket; the answer (or the
# tool's complaint when the SAM closed the connection) on stdout.
fault_sam() { "$top_builddir/tests/tools/pp-test-sam" "$SOCK" "$1" 2>&1 || true; }
# fault_post PATH JSON [curl args...]
fault_post() {
	local path=$1 body=$2
	shift 2
	http POST "$SCA$path" "${SCA_CERT[@]}" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

# fault_enrol [PREFIX [KEY_TYPE]]: signatory sig-PREFIX and its credential
# (KEY_TYPE, default ec-p256)
# ($PP_TMP/flows/PREFIX.cred), the certificate's public key in
# $PP_TMP/flows/PREFIX.pub.  One signatory per load: the SAM sends at most
# 10 OTPs per signatory in its window.  Without PREFIX: sets up the files.
fault_enrol() {
	mkdir -p "$PP_TMP/flows"
	[ -f "$PP_TMP/outcomes" ] || : >"$PP_TMP/outcomes"
	[ -f "$PP_TMP/delivered" ] || : >"$PP_TMP/delivered"
	PP_INV_DELIVERED=$PP_TMP/delivered
	[ $# -gt 0 ] || return 0
	local p=$1 kt=${2:-ec-p256} cred
	fault_post /ra/v1/signatories "{\"id\":\"sig-$p\",\"given_name\":\"Faustine\",\"surname\":\"Panne\",\"country\":\"FR\",\"serial_number\":\"IDCFR-$p\",\"mobile\":\"+33612340077\",\"evidence\":\"KYC-F\"}"
	[ "$CODE" = 201 ] || { echo "# enrol sig-$p: $CODE ${BODY:0:200}"; return 1; }
	fault_post /ra/v1/credentials "{\"signatory\":\"sig-$p\",\"key_type\":\"$kt\"}" --max-time 30
	[ "$CODE" = 201 ] || { echo "# credential for sig-$p: $CODE ${BODY:0:200}"; return 1; }
	cred=$(fault_member id "$BODY")
	echo "$cred" >"$PP_TMP/flows/$p.cred"
	fault_post /csc/v2/credentials/info "{\"credentialID\":\"$cred\"}"
	grep -o '"certificates":\["[^"]*"' <<<"$BODY" | sed 's/.*\["//; s/"$//' | base64 -d |
		openssl x509 -inform DER -pubkey -noout >"$PP_TMP/flows/$p.pub" 2>/dev/null
	test -s "$PP_TMP/flows/$p.pub"
}

# fault_doc NAME: the base64 SHA-256 of a document of that name (its
# digest in $PP_TMP/flows/NAME.bin).
fault_doc() {
	printf 'fault document %s\n' "$1" | openssl dgst -sha256 -binary >"$PP_TMP/flows/$1.bin"
	base64 -w0 <"$PP_TMP/flows/$1.bin"
}

# fault_sad NAME: a SAD for document NAME's hash, session NAME, on stdout
# (empty when the SAM refused or did not answer; its answer in
# $PP_TMP/flows/NAME.sad.log).
fault_sad() {
	local name=$1 p=${1%-*} hash ans otp_id code
	hash=$(fault_doc "$name")
	ans=$(fault_sam "{\"v\":1,\"op\":\"otp.send\",$FAULT_A,\"signatory\":\"sig-$p\",\"session\":\"$name\"}")
	echo "otp.send: $ans" >"$PP_TMP/flows/$name.sad.log"
	otp_id=$(fault_member otp_id "$ans")
	[ -n "$otp_id" ] || return 0
	code=$(tail -n +4 "$SPOOL/paraphe-$otp_id" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6)
	ans=$(fault_sam "{\"v\":1,\"op\":\"sad.issue\",$FAULT_A,\"signatory\":\"sig-$p\",\"credential\":\"$(cat "$PP_TMP/flows/$p.cred")\",\"session\":\"$name\",\"otp_id\":\"$otp_id\",\"otp\":\"$code\",\"hash_algo\":\"$FAULT_SHA256\",\"hashes\":[\"$hash\"],\"consent\":true}")
	echo "sad.issue: $ans" >>"$PP_TMP/flows/$name.sad.log"
	fault_member sad "$ans"
}

# fault_sign NAME SAD: signHash of document NAME's hash; appends its outcome
# to $PP_TMP/outcomes.  Runs in the background: its own files, no CODE.
fault_sign() {
	local name=$1 sad=$2 p=${1%-*} out=$PP_TMP/flows/$1 code body sig
	code=$(curl -s -o "$out.body" -D "$out.hdr" -w '%{http_code} %{time_total}' --max-time 40 --cacert "$CA" \
		"${SCA_CERT[@]}" -H 'Content-Type: application/json' -X POST "$SCA/csc/v2/signatures/signHash" \
		--data-binary "{\"credentialID\":\"$(cat "$PP_TMP/flows/$p.cred")\",\"SAD\":\"$sad\",\"hashes\":[\"$(base64 -w0 <"$out.bin")\"],\"hashAlgorithmOID\":\"$FAULT_SHA256\",\"signAlgo\":\"$FAULT_ECDSA256\"}") || code="000 ${code#* }"
	echo "$name ${code#* }" >>"$PP_TMP/durations"
	code=${code%% *}
	body=$(cat "$out.body" 2>/dev/null || true)
	if [ "$code" = 200 ]; then
		sig=$(sed -n 's/.*"signatures":\["\([^"]*\)"\].*/\1/p' <<<"$body")
		if [ -n "$sig" ] && base64 -d <<<"$sig" >"$out.sig" 2>/dev/null &&
			openssl pkeyutl -verify -pubin -inkey "$PP_TMP/flows/$p.pub" -in "$out.bin" -sigfile "$out.sig" \
				-pkeyopt digest:sha256 >/dev/null 2>&1; then
			echo "$name signed" >>"$PP_TMP/outcomes"
			echo "$sad $(base64 -w0 <"$out.bin")" >>"$PP_TMP/delivered"
		else
			echo "$name bad 200 ${body:0:200}" >>"$PP_TMP/outcomes"
		fi
	elif [[ $body == '{"error":"'*'","error_description":"'* ]] &&
		grep -qi '^content-type: application/json' "$out.hdr"; then
		echo "$name refused $code $(fault_member error "$body")" >>"$PP_TMP/outcomes"
	else
		echo "$name bad $code ${body:0:200}" >>"$PP_TMP/outcomes"
	fi
}

# fault_sads PREFIX N: a signatory and credential for PREFIX (fault_enrol)
# and N SADs obtained now (documents PREFIX-1..N, N <= 10), their SADs in
# $PP_TMP/flows/PREFIX-I.sad; prints how many were issued.
fault_sads() {
	local i n=0 s
	fault_enrol "$1" >&2 || { echo 0; return 0; }
	for i in $(seq 1 "$2"); do
		s=$(fault_sad "$1-$i")
		if [ -n "$s" ]; then
			echo "$s" >"$PP_TMP/flows/$1-$i.sad"
			n=$((n + 1))
		fi
	done
	echo $n
}

# fault_sign_all PREFIX N: signHash of documents PREFIX-1..N whose SAD was
# issued, all at once (the load), in the background; FAULT_JOBS lists them.
fault_sign_all() {
	local i
	FAULT_JOBS=()
	for i in $(seq 1 "$2"); do
		[ -s "$PP_TMP/flows/$1-$i.sad" ] || continue
		fault_sign "$1-$i" "$(cat "$PP_TMP/flows/$1-$i.sad")" &
		FAULT_JOBS+=($!)
	done
}
fault_wait() { local p; for p in "${FAULT_JOBS[@]}"; do wait "$p" 2>/dev/null || true; done; FAULT_JOBS=(); }

# fault_slowest PREFIX: the longest signHash of PREFIX-* in seconds (for
# the figures: how long a client waited for its answer under the fault).
fault_slowest() { grep "^$1-[0-9]* " "$PP_TMP/durations" | cut -d' ' -f2 | sort -g | tail -n 1; }
fault_figure() { echo "# figure: $1: $(fault_count "$2" '') signHash, slowest answered in $(fault_slowest "$2") s"; }

# fault_outcome NAME: the last outcome line of document NAME.
fault_outcome() { grep "^$1 " "$PP_TMP/outcomes" | tail -n 1 | cut -d' ' -f2-; }
# fault_count PREFIX KIND: how many outcomes of PREFIX-* are KIND.
fault_count() { grep -c "^$1-[0-9]* $2" "$PP_TMP/outcomes" || true; }

# fault_clear DESC PREFIX: every signHash of PREFIX-* ended in a verified
# signature or a JSON error; none got anything else.
fault_clear() {
	local bad
	bad=$(grep "^$2-[0-9]* bad" "$PP_TMP/outcomes" || true)
	if [ -z "$bad" ] && grep -q "^$2-" "$PP_TMP/outcomes"; then ok "$1"; else not_ok "$1" "${bad:-no outcome}"; fi
}

# fault_sam_health: the SAM answers its health op with ok true.
fault_sam_health() { fault_sam '{"v":1,"op":"health"}' | grep -q '"ok":true'; }
fault_audit_health() {
	"$top_builddir/tests/tools/pp-test-sam" "$STATE/run/audit.sock" '{"v":1,"op":"health"}' 2>&1 | grep -q '"ok":true'
}

# fault_sca_healthz: the SCA listener's /healthz status (sets CODE, BODY).
fault_sca_healthz() { http GET "$SCA/healthz" "${SCA_CERT[@]}"; }

# fault_audit_count TYPE: how many records of TYPE the audit log holds.
fault_audit_count() {
	sqlite3 -readonly "file:$STATE/db/audit.db?mode=ro" "SELECT count(*) FROM records WHERE type = '$1'" 2>/dev/null
}

# fault_reserved: how many SAD ledger rows are RESERVED.
fault_reserved() {
	sqlite3 "file:$STATE/db/sam.db?mode=ro" "SELECT count(*) FROM sad_hashes WHERE state = 'RESERVED'" 2>/dev/null
}

# fault_stop NAME: ends one supervised process (SIGTERM, then SIGKILL after
# 10 s) as paraphe-supervise does; fault_start NAME starts it again the
# same way and waits until its socket answers; 1 when it did not start.
fault_pid() { cat "$STATE/run/$1.pid" 2>/dev/null || true; }
fault_stop() {
	local pid
	pid=$(fault_pid "$1")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait_for 10 pp_none_alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
	wait_for 5 pp_none_alive "$pid" || true
	rm -f "$STATE/run/$1.pid"
}
fault_start() {
	local name=$1 bin pid
	case $name in
	auditd) bin=$top_builddir/audit/paraphe-auditd ;;
	samd) bin=$top_builddir/sam/paraphe-samd ;;
	signer) bin=$top_builddir/fcgi/signer/paraphe-signer ;;
	sca) bin=$top_builddir/fcgi/sca/paraphe-sca ;;
	admin) bin=$top_builddir/admin/paraphe-admin ;;
	*) return 1 ;;
	esac
	setsid "$bin" -c "$STATE/paraphe.conf" >>"$STATE/log/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$STATE/run/$name.pid"
	case $name in
	auditd) wait_for 20 fault_audit_health ;;
	samd) wait_for 20 fault_sam_health ;;
	*) wait_for 20 test -S "$STATE/run/$name.sock" ;;
	esac || { kill -0 "$pid" 2>/dev/null || rm -f "$STATE/run/$name.pid"; return 1; }
}
fault_alive() { local pid; pid=$(fault_pid "$1"); [ -n "$pid" ] && ! pp_none_alive "$pid"; }

# The invariants after each fault and its recovery (tests/integration/
# invariants.sh): pp_inv_mark before the fault, pp_invariants LABEL after,
# with PP_INV_DELIVERED naming every signature a client of the load got.
# shellcheck source=invariants.sh
. "$top_srcdir/tests/integration/invariants.sh"
