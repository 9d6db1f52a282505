#!/usr/bin/env bash
# The bad-input catalogue (issue #7, item 4): every row of
# tests/integration/hostile/*.tsv is one hostile request to one listener of
# one running instance: the public signer pages, the SCA API (mutual TLS),
# the staff console, and the SAM's and the audit daemon's unix sockets.
# Each row must get its documented 4xx (or the named harmless answer) with
# a clear error: on the SCA API a JSON {"error","error_description"} with
# the CSC code, elsewhere a readable HTML page; never a 5xx, never an empty
# answer, the security headers of nginx/headers.conf on every response,
# never a payload echoed unescaped (column "absent").  After the whole
# catalogue: the same processes (PIDs), the stored data unchanged (a digest
# of the rows hostile requests could touch, taken before and after) and the
# audit log verifiable offline.
#
# Row format (tab-separated, "-" for an empty column; hostile/README.md):
#   id  category  listener  method  path  headers  body  status  expect  absent
# HOSTILE_ROWS=REGEX runs only the rows whose id matches (for debugging).
. "$(dirname "$0")/lib.sh"
# Bash 5.2 would read "&" in a ${s//pat/rep} replacement as the match: the
# rows are full of "&".
shopt -u patsub_replacement 2>/dev/null || true

HDIR=$top_srcdir/tests/integration/hostile
BIN=$top_builddir
SAMC=$BIN/tests/tools/pp-test-sam

pp_init
# The signer counts requests per client address: the rows to the public
# listener come from 25 loopback addresses (127.0.0.10-34) so that none
# reaches this limit, and the rate-limit rows reach it from 127.0.0.3 on
# purpose (@burst).
pp_conf_set signer rate_per_ip 40
# Segments are cut while the catalogue runs, so the offline verifier checks
# the records the hostile requests caused.
pp_conf_set audit segment_max_records 20
pp_conf_set audit heartbeat_s 2
# Long enough for a slow (sanitizer) run: the requests the rows look at
# must not expire meanwhile, nor the console sessions.
pp_conf_set sam authz_lifetime_s 3600
pp_conf_set admin idle_timeout_s 3600
pp_start

SPOOL=$STATE/sms/outgoing
SHA256=2.16.840.1.101.3.4.2.1
ECDSA256=1.2.840.10045.4.3.2
CB=http://127.0.0.1/callback
J=(-H 'Content-Type: application/json')
XSS='<script>alert(1)</script>'
XSSQ='"><img src=x onerror=alert(2)>'

# --- helpers for the set-up -------------------------------------------------
member() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$BODY" | head -n 1; }
header() { grep -i "^$1:" <<<"$HEADERS" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
sam() { ANS=$("$SAMC" "$STATE/run/sam.sock" "$1" 2>&1) || true; }
amember() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$ANS" | head -n 1; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
digest() { printf '%s' "$1" | openssl dgst -sha256 -binary | base64 -w0; }
pkce() {
	VER=$(head -c 48 /dev/urandom | b64url)
	CHAL=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | b64url)
}
otp_of() { tail -n +4 "$SPOOL/paraphe-$1" 2>/dev/null | grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' | tr -dc 0-9 | head -c 6; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1; }
bail() { echo "Bail out! set-up: $1 (${BODY:0:300}${ANS:0:300})"; exit 99; }

# Values the rows refer to as {{NAME}}.
declare -A V
V[SHA256]=$SHA256
V[ECDSA256]=$ECDSA256
V[CB]=$CB
V[XSS]=$XSS

# --- set-up (before the digest): what the rows need to exist --------------
# A signatory and an EC credential of the demo SCA; a second SCA's
# signatory for the cross-client rows.
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-h1","given_name":"Hostile","surname":"Target","country":"FR","serial_number":"IDCFR-31337","mobile":"+33612340001","evidence":"KYC-H1"}'
[ "$CODE" = 201 ] || bail "signatory"
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-h1","key_type":"ec-p256"}'
[ "$CODE" = 201 ] || bail "credential"
V[CRED]=$(member id)
http POST "$SCA/ra/v1/signatories" --cert "$PKI/sca/sca-other.crt" --key "$PKI/sca/sca-other.key" "${J[@]}" --data-binary \
	'{"id":"sig-other","given_name":"Other","surname":"Client","country":"FR","serial_number":"IDCFR-424242","mobile":"+33612340002","evidence":"KYC-O1"}'
[ "$CODE" = 201 ] || bail "other signatory"


# A request through the signer pages whose echoed fields carry markup
# (description, state, RAR labels), with a browser session (jar "a"), up to
# the OTP form; the code is sent and used once, then replayed by a row.
JA=$PP_TMP/jar-a
pkce
RAR="[{\"type\":\"credential\",\"credentialID\":\"${V[CRED]}\",\"hashAlgorithmOID\":\"$SHA256\",\"documentDigests\":[{\"hash\":\"$(digest doc-a | tr '+/' '-_' | tr -d '=')\",\"label\":\"$XSS\"},{\"hash\":\"$(digest doc-b | tr '+/' '-_' | tr -d '=')\",\"label\":\"${XSSQ//\"/\\\"}\"}]}]"
http GET "$PUB/csc/v2/oauth2/authorize" -c "$JA" -b "$JA" -G --data-urlencode response_type=code \
	--data-urlencode client_id=demo-sca --data-urlencode "redirect_uri=$CB" --data-urlencode scope=credential \
	--data-urlencode "authorization_details=$RAR" --data-urlencode "code_challenge=$CHAL" \
	--data-urlencode code_challenge_method=S256 --data-urlencode "state=$XSSQ" \
	--data-urlencode "description=$XSS desc"
V[AZ2]=$(header Location | sed -n 's|^/sign/\([0-9a-f]\{32\}\)$|\1|p')
[ -n "${V[AZ2]}" ] || bail "authorize with markup ($CODE)"
http GET "$PUB/sign/${V[AZ2]}" -c "$JA" -b "$JA"
V[CSRF_A]=$(csrf_of)
[ -n "${V[CSRF_A]}" ] || bail "csrf of the request page"
http POST "$PUB/sign/${V[AZ2]}/method" -c "$JA" -b "$JA" --data "csrf=${V[CSRF_A]}&method=sms"
[ "$CODE" = 303 ] || bail "method sms ($CODE)"
V[OTP2]=$(otp_of "$(ls -t "$SPOOL" | head -n 1 | sed 's/^paraphe-//')")
http POST "$PUB/sign/${V[AZ2]}/otp" -c "$JA" -b "$JA" --data "csrf=${V[CSRF_A]}&action=verify&otp=${V[OTP2]}"
[ "$CODE" = 303 ] || bail "otp via the page ($CODE)"
# A second request, still NEW, for the CSRF and method rows (jar "b").
JB=$PP_TMP/jar-b
pkce
http GET "$PUB/csc/v2/oauth2/authorize" -c "$JB" -b "$JB" -G --data-urlencode response_type=code \
	--data-urlencode client_id=demo-sca --data-urlencode "redirect_uri=$CB" --data-urlencode scope=credential \
	--data-urlencode "credentialID=${V[CRED]}" --data-urlencode numSignatures=1 \
	--data-urlencode "hashes=$(digest doc-c | tr '+/' '-_' | tr -d '=')" --data-urlencode "hashAlgorithmOID=$SHA256" \
	--data-urlencode "code_challenge=$CHAL" --data-urlencode code_challenge_method=S256 --data-urlencode state=sb
V[AZ3]=$(header Location | sed -n 's|^/sign/\([0-9a-f]\{32\}\)$|\1|p')
[ -n "${V[AZ3]}" ] || bail "authorize b"
http GET "$PUB/sign/${V[AZ3]}" -c "$JB" -b "$JB"
V[CSRF_B]=$(csrf_of)

# The console: the two founding security managers, an operator and an
# application manager proposed and approved; a pending proposal whose name
# and reason carry markup (shown on /proposals).
for who in security-manager security-manager-2; do
	"$BIN/tools/paraphe-staff" -c "$STATE/paraphe.conf" bootstrap --name "Test $who" \
		--cert "$PKI/staff/$who.crt" --present "Test witness" >"$PP_TMP/staff-$who.log" 2>&1 || bail "ceremony"
	admin_login $who || bail "login $who"
done
for who in operator application-manager; do
	id=$(admin_propose security-manager account.create "name=Test $who" "role=$(admin_role_of "$who")" \
		"cert=$(cat "$PKI/staff/$who.crt")") || bail "proposal $who"
	admin_approve security-manager-2 "$id"
	[ "$CODE" = 303 ] || bail "approval $who"
	admin_login "$who" || bail "login $who"
done
V[PROP]=$(admin_propose security-manager account.create "name=$XSS" role=controller \
	"cert=$(cat "$PKI/staff/controller.crt")") || bail "proposal with markup"
V[CSRF_SM]=$(acsrf security-manager)
V[CSRF_OP]=$(acsrf operator)
V[CSRF_AM]=$(acsrf application-manager)
ahttp security-manager GET /staff
V[STAFF_OP]=$(sed -n 's|.*href="/staff/\([0-9a-f]\{32\}\)".*Test operator.*|\1|p' <<<"$BODY" | head -n 1)
V[STAFF_OP]=${V[STAFF_OP]:-$(sqlite3 -cmd ".timeout 5000" "$STATE/db/admin.db" "SELECT id FROM staff WHERE name = 'Test operator'")}

# Last, so that the rows find them fresh (a SAD lives 300 s at most): a
# whole redirect flow on the SAM's socket (as the signer pages drive it);
# the OTP, the code and the SAD are used once here, and replayed by rows.
H1=$(digest "hostile document 1")
V[H1]=$H1
pkce
sam "{\"v\":1,\"op\":\"authz.create\",\"client_id\":\"demo-sca\",\"mode\":\"redirect\",\"redirect_uri\":\"$CB\",\"credential\":\"${V[CRED]}\",\"hash_algo\":\"$SHA256\",\"documents\":[{\"hash\":\"$H1\",\"label\":\"h1\"}],\"num_signatures\":1,\"code_challenge\":\"$CHAL\",\"code_challenge_method\":\"S256\",\"state\":\"s1\",\"ip\":\"192.0.2.9\"}"
V[AZ1]=$(amember authz)
[ -n "${V[AZ1]}" ] || bail "authz.create"
sam "{\"v\":1,\"op\":\"authz.otp_send\",\"authz\":\"${V[AZ1]}\",\"ip\":\"192.0.2.9\"}"
V[OTPID1]=$(amember otp_id)
V[OTP1]=$(otp_of "${V[OTPID1]}")
sam "{\"v\":1,\"op\":\"authz.otp_verify\",\"authz\":\"${V[AZ1]}\",\"otp_id\":\"${V[OTPID1]}\",\"otp\":\"${V[OTP1]}\",\"ip\":\"192.0.2.9\"}"
[[ $ANS == *AUTHENTICATED* ]] || bail "otp_verify"
sam "{\"v\":1,\"op\":\"authz.approve\",\"authz\":\"${V[AZ1]}\",\"consent\":true,\"ip\":\"192.0.2.9\"}"
V[CODE1]=$(amember code)
V[VER1]=$VER
[ -n "${V[CODE1]}" ] || bail "approve"
http POST "$SCA/csc/v2/oauth2/token" "${SCA_CERT[@]}" --data-urlencode grant_type=authorization_code \
	--data-urlencode client_id=demo-sca --data-urlencode "code=${V[CODE1]}" \
	--data-urlencode "code_verifier=$VER" --data-urlencode "redirect_uri=$CB"
V[SAD1]=$(member access_token)
[ -n "${V[SAD1]}" ] || bail "token"
http POST "$SCA/csc/v2/signatures/signHash" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"credentialID\":\"${V[CRED]}\",\"SAD\":\"${V[SAD1]}\",\"hashes\":[\"$H1\"],\"hashAlgorithmOID\":\"$SHA256\",\"signAlgo\":\"$ECDSA256\"}"
[ "$CODE" = 200 ] || bail "signHash"

# Long values for the oversized rows, and the rest the rows name.
rep() { head -c "$1" /dev/zero | tr '\0' "$2"; }
V[BIG9K]=$(rep 9000 a)
V[BIG6K]=$(rep 6000 b)
V[BIG600]=$(rep 600 c)
V[BIG300]=$(rep 300 d)
V[BIG100]=$(rep 100 e)
V[LONGPATH]=$(rep 9000 f)
V[MANYQ]=$(printf 'a=&%.0s' $(seq 1 2100))
V[NOTARY_PEM1]=$(grep -v -- ----- "$PKI/notary/notary-demo.crt" | tr -d '\n')
V[H1U]=$(tr '+/' '-_' <<<"$H1" | tr -d '=')
V[CHAL]=$CHAL
V[SCA_SHA256]=$SCA_SHA256
V[SCA_PEM1]=$(grep -v -- ----- "$PKI/sca/sca-demo.crt" | tr -d '\n')
V[H2]=$(digest "hostile document 2")
V[VER1]=${V[VER1]}
s=${V[SAD1]}
if [ "${s: -1}" = A ]; then V[SAD1X]=${s:0:-1}B; else V[SAD1X]=${s:0:-1}A; fi
V[SCA_ID]="\"sca\":\"$(openssl x509 -in "$PKI/sca/sca-demo.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')\",\"client_sha256\":\"$SCA_SHA256\",\"client_role\":\"sca\""
V[SCA_RA]=${V[SCA_ID]/\"client_role\":\"sca\"/\"client_role\":\"ra\"}
V[SM_DN]=$(openssl x509 -in "$PKI/staff/security-manager.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
V[SM_SHA256]=$(pp_cert_sha256 "$PKI/staff/security-manager.crt")
V[SM_COOKIE]=$(awk '$6 == "__Host-paraphe-admin" {print $7}' "$STATE/admin/security-manager.jar")
V[CSRF_SM2]=$(acsrf security-manager-2)
V[PRE]=0123456789abcdef0123456789abcdef
# {{FN_TOTP_SM2}}: the code of the time step the second security manager
# last logged in with (a replay), computed when the row runs.
v_FN_TOTP_SM2() {
	local t now
	t=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/admin.db" "SELECT totp_last_step FROM staff WHERE name = 'Test security-manager-2'")
	now=$(($(date +%s) / 30))
	"$BIN/tests/tools/pp-test-totp" "$(cat "$STATE/admin/security-manager-2.totp")" $((t - now))
}
# --- the digest of what hostile requests could change ---------------------
# Every row of every table of sam.db, web.db and admin.db, except what the
# service legitimately updates on a refused or read-only request: the
# signer's per-IP rate counts (rate_hits), browser and staff sessions
# (browser_sessions, staff_sessions: last use, CSRF), the last shown state
# of a request (authz.shown_status, updated_ms), an OTP's wrong-attempt
# count (otps.attempts, updated_ms) and a staff member's failed-login
# counters (staff.failures, locked_until_ms, totp_last_step); and
# schema_migrations/node_info, which nothing but a start writes.
db_digest() {
	local db t cols
	for db in sam web admin; do
		for t in $(sqlite3 -cmd ".timeout 5000" "$STATE/db/$db.db" \
			"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
			case $db.$t in
			web.rate_hits | web.browser_sessions | admin.staff_sessions | *.schema_migrations | *.node_info) continue ;;
			esac
			cols=$(sqlite3 -cmd ".timeout 5000" "$STATE/db/$db.db" "SELECT group_concat('quote(' || name || ')', ' || ''|'' || ') FROM pragma_table_info('$t')
				WHERE '$db.$t.' || name NOT IN ('sam.authz.shown_status', 'sam.authz.updated_ms', 'sam.otps.attempts',
				'sam.otps.updated_ms', 'admin.staff.failures', 'admin.staff.locked_until_ms', 'admin.staff.totp_last_step')")
			echo "== $db.$t"
			sqlite3 -cmd ".timeout 5000" "$STATE/db/$db.db" "SELECT $cols FROM \"$t\" ORDER BY 1"
		done
	done
}

# --- the runner -------------------------------------------------------------
# subst TEXT: {{NAME}} replaced by V[NAME] (never eval: the rows are hostile),
# into SUBST (no subshell per field and row).
subst() {
	local s=$1 k
	while [[ $s =~ \{\{([A-Z0-9_]+)\}\} ]]; do
		k=${BASH_REMATCH[1]}
		if [[ $k == FN_* ]]; then s=${s//"{{$k}}"/$("v_$k")}; else s=${s//"{{$k}}"/${V[$k]-}}; fi
	done
	SUBST=$s
}
# body_to FILE SPEC: writes a row's body.  "-": none (returns 1); @pad:N a
# JSON object with an N-byte string; @nest:N N nested objects; @arr:N N
# nested arrays; @many:N N members; @num:N an N-digit integer; @file:NAME a
# file of hostile/; anything else: the text with printf %b escapes (\xHH,
# \r, \n, \\) after the {{NAME}} substitution.
body_to() {
	local f=$1 spec=$2 n
	case $spec in
	-) return 1 ;;
	@pad:*) n=${spec#@pad:}; { printf '{"lang":"'; head -c "$n" /dev/zero | tr '\0' a; printf '"}'; } >"$f" ;;
	@nest:*) n=${spec#@nest:}; { for ((i = 0; i < n; i++)); do printf '{"a":'; done; printf '1'
		for ((i = 0; i < n; i++)); do printf '}'; done; } >"$f" ;;
	@arr:*) n=${spec#@arr:}; { printf '{"a":'; for ((i = 0; i < n; i++)); do printf '['; done
		for ((i = 0; i < n; i++)); do printf ']'; done; printf '}'; } >"$f" ;;
	@many:*) n=${spec#@many:}; { printf '{'; for ((i = 0; i < n; i++)); do printf '"f%d":1,' $i; done
		printf '"z":1}'; } >"$f" ;;
	@num:*) n=${spec#@num:}; { printf '{"maxResults":'; head -c "$n" /dev/zero | tr '\0' 9; printf '}'; } >"$f" ;;
	@hashes:*) n=${spec#@hashes:}; { printf '{"credentialID":"%s","SAD":"%s","hashes":[' "${V[CRED]}" "${V[SAD1]}"
		local sep=""; for ((i = 0; i < n; i++)); do printf '%s"A%041dA="' "$sep" $i; sep=,; done
		printf '],"hashAlgorithmOID":"%s","signAlgo":"%s"}' "$SHA256" "$ECDSA256"; } >"$f" ;;
	@file:*) cp "$HDIR/${spec#@file:}" "$f" ;;
	@frame:*) subst "${spec#@frame:}"; printf '%b' "$SUBST" >"$f.json"
		n=$(stat -c %s "$f.json")
		{ printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"; cat "$f.json"; } >"$f" ;;
	*) subst "$spec"; printf '%b' "$SUBST" >"$f" ;;
	esac
	return 0
}

declare -A COUNT_L COUNT_C COUNT_S
ROWS=0
SEC_HEADERS=(Strict-Transport-Security Content-Security-Policy X-Content-Type-Options X-Frame-Options
	Referrer-Policy Permissions-Policy Cross-Origin-Opener-Policy)

# raw_send PORT CERTARGS... < bytes: the bytes over TLS as they are (for
# what curl cannot send: NUL bytes, bare LF, garbage request lines); sets
# CODE, HEADERS, BODY from the answer.
raw_send() {
	local port=$1 out=$PP_TMP/raw.out
	shift
	timeout 15 openssl s_client -quiet -ign_eof -connect "127.0.0.1:$port" -servername localhost \
		-CAfile "$CA" "$@" >"$out" 2>/dev/null
	CODE=$(head -n 1 "$out" | sed -n 's|^HTTP/1\.[01] \([0-9][0-9][0-9]\).*|\1|p')
	CODE=${CODE:-000}
	HEADERS=$(sed '/^\r\?$/q' "$out")
	BODY=$(sed '1,/^\r\?$/d' "$out")
}

# has_header NAME [PREFIX]: the last answer has header NAME (its value
# starting with PREFIX), without a grep per header and row.
has_header() { [[ $'\n'${HEADERS,,} == *$'\n'"${1,,}: ${2:-}"* ]]; }

# row LINE: runs one row and reports one TAP line.
row() {
	local id cat lis method path hdrs body status expect absent n i
	IFS=$'\t' read -r id cat lis method path hdrs body status expect absent <<<"$1"
	[ -n "${HOSTILE_ROWS:-}" ] && ! [[ $id =~ $HOSTILE_ROWS ]] && return 0
	ROWS=$((ROWS + 1))
	COUNT_L[$lis]=$((${COUNT_L[$lis]:-0} + 1))
	COUNT_C[$cat]=$((${COUNT_C[$cat]:-0} + 1))
	subst "$path"; path=$SUBST
	subst "$expect"; expect=$SUBST
	subst "$absent"; absent=$SUBST
	local bf=$PP_TMP/row.body args=() base cert=() h hv why="" port
	case $lis in
	pub) base=$PUB; port=$BASE ;;
	sca) base=$SCA; port=$((BASE + 1)); cert=("${SCA_CERT[@]}") ;;
	con) base=$CON; port=$((BASE + 2)); cert=(--cert "$PKI/staff/security-manager.crt" --key "$PKI/staff/security-manager.key") ;;
	sam | audit)
		local sock=$STATE/run/$lis.sock out
		[ "$lis" = audit ] || sock=$STATE/run/sam.sock
		if [ "$method" = FRAME ]; then
			body_to "$bf" "$body" || : >"$bf"
			# socat closes its write side after the bytes: a daemon waiting for
			# the rest of a frame sees the end at once.
			n=$(socat -t 3 - "UNIX-CONNECT:$sock" <"$bf" 2>/dev/null | wc -c)
			if [ "$n" -gt 0 ]; then out="answer $n"; else out=closed; fi
		else
			subst "$body"; out=$("$SAMC" "$sock" "$SUBST" 2>&1)
		fi
		local got=answer
		[ "$out" = closed ] && got=closed
		[[ $out == '{'*'"error":"'* ]] && got=error
		COUNT_S[$lis:$got]=$((${COUNT_S[$lis:$got]:-0} + 1))
		[[ "|$status|" == *"|$got|"* ]] || why="expected $status, got: ${out:0:200}"
		[ -z "$why" ] && [ "$expect" != - ] && [[ $out != *"$expect"* ]] && why="answer lacks '$expect': ${out:0:200}"
		[ -z "$why" ] && [ "$absent" != - ] && [[ $out == *"$absent"* ]] && why="answer has '$absent'"
		if [ -z "$why" ]; then ok "$id ($cat, $lis)"; else not_ok "$id ($cat, $lis)" "$why"; fi
		return 0
		;;
	*) not_ok "$id: unknown listener $lis"; return 0 ;;
	esac
	# Headers and modifiers.
	local jar="" raw=0 src="" burst=0
	if [ "$hdrs" != - ]; then
		local IFS='|'
		for h in $hdrs; do
			case $h in
			@nocert) cert=() ;;
			@cert=*) cert=(--cert "$PKI/${h#@cert=}.crt" --key "$PKI/${h#@cert=}.key") ;;
			@jar=*)
				if [ "$lis" = con ]; then
					jar=$STATE/admin/${h#@jar=}.jar
					cert=(--cert "$PKI/staff/${h#@jar=}.crt" --key "$PKI/staff/${h#@jar=}.key")
				else
					jar=$PP_TMP/jar-${h#@jar=}
				fi ;;
			@http1.0) args+=(--http1.0) ;;
			@from=*) src=${h#@from=} ;;
			@burst=*) burst=${h#@burst=} ;;
			@relogin=*)
				# A fresh login just before the row (a TOTP replay needs the
				# code of a step the member has just used).
				IFS=$' \t\n' admin_login "${h#@relogin=}" >/dev/null || true
				V[CSRF_SM2]=$(acsrf security-manager-2) ;;
			@manyh=*) for ((hv = 0; hv < ${h#@manyh=}; hv++)); do args+=(-H "X-Many-$hv: $hv"); done ;;
			@raw) raw=1 ;;
			*) subst "$h"; printf -v hv '%b' "$SUBST"; args+=(-H "$hv") ;;
			esac
		done
		unset IFS
	fi
	[ -n "$jar" ] && args+=(-b "$jar")
	if [ $raw = 1 ]; then
		body_to "$bf" "$body" || : >"$bf"
		local rc=()
		[ ${#cert[@]} -gt 0 ] && rc=(-cert "${cert[1]}" -key "${cert[3]}")
		raw_send "$port" "${rc[@]}" <"$bf"
	else
		body_to "$bf" "$body" && args+=(--data-binary "@$bf")
		if [ "$method" = HEAD ]; then args+=(-I); else args+=(-X "$method"); fi
		[ "$lis" = pub ] && [ -z "$src" ] && src=127.0.0.$((10 + ROWS % 25))
		[ -n "$src" ] && args+=(--interface "$src")
		if [ "$burst" -gt 0 ]; then
			# The same request burst-1 times first, in one connection, within
			# one minute of the signer's count.
			[ "$(date +%S | sed 's/^0//')" -lt 50 ] || sleep $((61 - $(date +%S | sed 's/^0//')))
			local pre=() i
			for ((i = 1; i < burst; i++)); do pre+=(-o /dev/null "$base$path"); done
			curl -s --cacert "$CA" --interface "$src" "${cert[@]}" "${pre[@]}" >/dev/null 2>&1
		fi
		CODE=$(curl -s -o "$PP_TMP/body" -D "$PP_TMP/headers" -w '%{http_code}' --max-time 15 --cacert "$CA" \
			--path-as-is "${cert[@]}" "${args[@]}" "$base$path" 2>/dev/null) || true
		CODE=${CODE:-000}
		BODY=$(cat "$PP_TMP/body" 2>/dev/null || true)
		HEADERS=$(cat "$PP_TMP/headers" 2>/dev/null || true)
	fi
	# The checks every answer must pass.
	if [ "$CODE" = 000 ] || [ -z "$CODE" ]; then
		why="no answer (empty reply or timeout)"
	elif [ "$CODE" -ge 500 ]; then
		why="a 5xx ($CODE)"
	elif ! [[ "|$status|" == *"|$CODE|"* ]]; then
		why="status $CODE, expected $status"
	elif [ "$CODE" -ge 300 ] && [ "$CODE" -lt 400 ]; then
		# A redirect needs no body, but a place to go.
		has_header Location || why="a redirect without a Location"
	elif [ "$method" != HEAD ] && [ "$CODE" != 204 ] && [ -z "$BODY" ]; then
		why="an empty body"
	fi
	if [ -z "$why" ]; then
		for h in "${SEC_HEADERS[@]}"; do
			has_header "$h" || { why="no $h header"; break; }
		done
	fi
	if [ -z "$why" ] && [ "$CODE" -ge 400 ] && [ "$method" != HEAD ]; then
		if [ "$lis" = sca ]; then
			local err
			err=$(jq -r 'if type == "object" and (.error | type == "string") and (.error_description | type == "string")
				and (.error_description | length > 0) then .error else "" end' 2>/dev/null <<<"$BODY")
			if ! has_header Content-Type application/json; then
				why="an error that is not JSON"
			elif [ -z "$err" ]; then
				why="not a JSON {error, error_description}"
			elif [ "$expect" != - ] && [[ "|$expect|" != *"|$err|"* ]]; then
				why="error '$err', expected '$expect'"
			fi
		elif ! has_header Content-Type text/html || [[ $BODY != *"<h1"* ]]; then
			why="an error that is not a readable HTML page"
		fi
	fi
	if [ -z "$why" ] && [ "$expect" != - ] && ! { [ "$lis" = sca ] && [ "$CODE" -ge 400 ]; }; then
		if [[ $expect == H:* ]]; then
			grep -qiF -- "${expect#H:}" <<<"$HEADERS" || why="headers lack '${expect#H:}'"
		else
			[[ $BODY == *"$expect"* ]] || why="body lacks '$expect'"
		fi
	fi
	if [ -z "$why" ] && [ "$absent" != - ]; then
		[[ $BODY$HEADERS == *"$absent"* ]] && why="the answer has '$absent'"
	fi
	COUNT_S[$lis:$CODE]=$((${COUNT_S[$lis:$CODE]:-0} + 1))
	if [ -z "$why" ]; then ok "$id ($cat, $lis $CODE)"; else not_ok "$id ($cat, $lis)" "$why; body: $(tr -s '\r\n\t ' ' ' <<<"${BODY:0:400}")"; fi
}

echo "# set-up done in $SECONDS s"
T0=$SECONDS
PIDS_BEFORE=$(pp_instance_pids)
db_digest >"$PP_TMP/digest.before"
"$BIN/tools/paraphe-audit" -c "$STATE/paraphe.conf" checkpoint >"$PP_TMP/checkpoint.before"
segs() { ls -d "$STATE"/archive/seg-* 2>/dev/null | wc -l; }
SEGS_BEFORE=$(segs)

# The SCA API first: its replay rows need the SAD of the set-up within its
# 300 s (sam.sad_lifetime_s at most).
for f in "$HDIR"/sca.tsv "$HDIR"/sock.tsv "$HDIR"/con.tsv "$HDIR"/pub.tsv; do
	while IFS= read -r line; do
		[[ -z $line || $line == '#'* ]] && continue
		row "$line"
	done <"$f"
done

# --- after the whole catalogue ----------------------------------------------
echo "# $ROWS rows in $((SECONDS - T0)) s"
for k in $(printf '%s\n' "${!COUNT_L[@]}" | sort); do echo "# listener $k: ${COUNT_L[$k]}"; done
for k in $(printf '%s\n' "${!COUNT_C[@]}" | sort); do echo "# category $k: ${COUNT_C[$k]}"; done
for k in $(printf '%s\n' "${!COUNT_S[@]}" | sort); do echo "# answers $k: ${COUNT_S[$k]}"; done
if [ -z "${HOSTILE_ROWS:-}" ]; then
	check "the catalogue has at least 300 rows ($ROWS)" test "$ROWS" -ge 300
fi
check "every process of the instance is still running" pp_all_running
PIDS_AFTER=$(pp_instance_pids)
if [ "$PIDS_BEFORE" = "$PIDS_AFTER" ]; then
	ok "the same processes (PIDs) as before the catalogue: nothing crashed or was restarted"
else
	not_ok "the same processes (PIDs) as before the catalogue" "before: $(echo $PIDS_BEFORE) after: $(echo $PIDS_AFTER)"
fi
db_digest >"$PP_TMP/digest.after"
if cmp -s "$PP_TMP/digest.before" "$PP_TMP/digest.after"; then
	ok "stored data unchanged ($(grep -vc '^==' "$PP_TMP/digest.after") rows of sam.db, web.db and admin.db)"
else
	not_ok "stored data unchanged" "$(diff "$PP_TMP/digest.before" "$PP_TMP/digest.after" | head -c 1500)"
fi
for who in security-manager operator; do
	ahttp "$who" GET /
	expect "the console session of $who survived the catalogue" 200 "Test $who"
done
# The audit log: the daemon still answers, its checkpoint grew from the one
# before, and the archive (segments cut during the catalogue) verifies
# offline, pinned to the checkpoint taken before the catalogue.
audit_health() { "$BIN/tools/paraphe-audit" -c "$STATE/paraphe.conf" health >/dev/null; }
check "the audit daemon answers its health check" audit_health
"$BIN/tools/paraphe-audit" -c "$STATE/paraphe.conf" checkpoint >"$PP_TMP/checkpoint.after"
check "the audit log grew during the catalogue (refusals are recorded)" \
	test "$(sed -n 2p "$PP_TMP/checkpoint.after")" -gt "$(sed -n 2p "$PP_TMP/checkpoint.before")"
segs_grew() { [ "$(segs)" -gt "$SEGS_BEFORE" ]; }
check "segments were cut during the catalogue ($SEGS_BEFORE before)" wait_for 20 segs_grew
"$BIN/tools/paraphe-audit-verify" --key "$STATE/audit/audit-key.pem" "$STATE/archive" all >"$PP_TMP/verify.txt" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^OK' "$PP_TMP/verify.txt"; then
	ok "the audit archive verifies offline (paraphe-audit-verify: $(grep '^OK' "$PP_TMP/verify.txt" | head -c 200))"
else
	not_ok "the audit archive verifies offline" "exit $rc: $(head -c 800 "$PP_TMP/verify.txt")"
fi
"$BIN/tools/paraphe-audit-verify" --key "$STATE/audit/audit-key.pem" --pin "$PP_TMP/checkpoint.before" \
	"$STATE/archive" all >"$PP_TMP/verify-pin.txt" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "... and extends the checkpoint taken before the catalogue (--pin): no record was lost or rewritten"
else
	not_ok "the archive extends the checkpoint taken before the catalogue" "exit $rc: $(head -c 800 "$PP_TMP/verify-pin.txt")"
fi
pp_finish
