# Integration test harness: a whole Paraphe instance (real nginx, the three
# plugins, both daemons, throwaway SoftHSMv2 tokens) in a temporary state
# directory on free loopback ports, driven with curl.
#
# A test script sources this file, calls pp_up, runs checks, and ends with
# pp_finish (which prints "N passed, M failed" and sets the exit status).
# pp_down runs on exit whatever happens.  KEEP=1 keeps the directory.
set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)

PP_PASS=0
PP_FAIL=0
PP_TMP=""
STATE=""

# The release tarball's check (quickstart's distcheck, PP_DIST_SMOKE=1) runs
# the tests that start every program and read every shipped file: the full
# suite has just passed twice (normal build, sanitizers) from the same tree.
PP_DIST_SMOKE_TESTS="t_lifecycle.sh t_conformance.sh t_browser.sh t_csc.sh t_pages.sh t_oidc.sh t_demo_pages.sh t_console.sh"
if [ "${PP_DIST_SMOKE:-0}" = 1 ] && [[ " $PP_DIST_SMOKE_TESTS " != *" $(basename "$0") "* ]]; then
	echo "1..0 # SKIP the release tarball's check runs the smoke set ($PP_DIST_SMOKE_TESTS)"
	exit 77
fi

ok() { PP_PASS=$((PP_PASS + 1)); printf 'ok %d - %s\n' $((PP_PASS + PP_FAIL)) "$1"; }
not_ok() {
	PP_FAIL=$((PP_FAIL + 1))
	printf 'not ok %d - %s\n' $((PP_PASS + PP_FAIL)) "$1"
	[ -n "${2:-}" ] && printf '#   %s\n' "$2" | head -c 2000
	return 0
}
# check DESC CMD...: passes when CMD succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d" "command failed: $*"; fi; }

# A free base port such that base..base+3 are all free (public, SCA API,
# console, the stand-in OpenID Connect provider).
pp_pick_base() {
	local used base i busy lo=20000 span=12000 eph
	# Below the kernel's ephemeral range: a port in it can be taken by any
	# outgoing connection's source port while a test restarts its nginx.
	eph=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ -n "$eph" ] && [ "$eph" -gt $((lo + 400)) ] && span=$((eph - lo - 4))
	used=$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
	for i in $(seq 1 100); do
		base=$((lo + (RANDOM * 7 + $$ + i * 13) % span))
		busy=0
		for p in $base $((base + 1)) $((base + 2)) $((base + 3)); do
			grep -qx "$p" <<<"$used" && busy=1
		done
		[ $busy -eq 0 ] && { echo "$base"; return 0; }
	done
	return 1
}

# pp_up = pp_init (state directory, configuration) + pp_start (processes);
# a test that changes the configuration calls them apart, with pp_conf_set
# in between.
# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; 1 when
# it never did within SECONDS.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

pp_up() { pp_init; pp_start; }

pp_init() {
	PP_TMP=$(mktemp -d /tmp/pp-it.XXXXXX)
	chmod 0755 "$PP_TMP"
	trap pp_down EXIT
	STATE=$PP_TMP/state
	BASE=$(pp_pick_base) || { echo "no free ports" >&2; exit 99; }
	PUB=https://127.0.0.1:$BASE
	SCA=https://127.0.0.1:$((BASE + 1))
	CON=https://127.0.0.1:$((BASE + 2))
	IDP=https://127.0.0.1:$((BASE + 3))
	"$top_srcdir/scripts/paraphe-init" "$STATE" "$BASE" "$top_srcdir" "$top_builddir" >"$PP_TMP/init.log" 2>&1 || {
		cat "$PP_TMP/init.log" >&2
		echo "Bail out! paraphe-init failed"
		exit 99
	}
	PKI=$STATE/pki
	CA=$PKI/root-ca.crt
	SCA_CERT=(--cert "$PKI/sca/sca-demo.crt" --key "$PKI/sca/sca-demo.key")
	# The demo SCA is registered with its certificate's fingerprint: a
	# request sent straight to the SAM's socket in its name carries it, as
	# the SCA plugin's do ("client_sha256").
	SCA_SHA256=$(pp_cert_sha256 "$PKI/sca/sca-demo.crt")
	STAFF_CERT=(--cert "$PKI/staff/operator.crt" --key "$PKI/staff/operator.key")
	NOTARY_CERT=(--cert "$PKI/notary/notary-demo.crt" --key "$PKI/notary/notary-demo.key")
}

# pp_conf_set SECTION KEY VALUE: sets a key of the instance's configuration
# (replaced when present in the section, else added to it).
pp_conf_set() {
	local conf=$STATE/paraphe.conf
	awk -v sec="[$1]" -v key="$2" -v val="$3" '
		function emit() { if (insec && !done) { print key " = " val; done = 1 } }
		/^\[/ { emit(); insec = ($0 == sec) }
		insec && $1 == key && $2 == "=" { print key " = " val; done = 1; next }
		{ print }
		END { emit() }' "$conf" >"$conf.tmp" && mv "$conf.tmp" "$conf" && chmod 0644 "$conf"
}

# pp_geoip: builds the tests' GeoIP database (tests/tools/pp-test-mmdb:
# 127.0.0.1 and ::1 Paris, .2 Lyon, .3 New York, .4 Tokyo) into the state
# directory and sets geoip.database; between pp_init and pp_start.  1 when
# the writer (libmaxmind-db-writer-perl) is missing: the caller skips.
pp_geoip() {
	mkdir -p "$STATE/geoip" && chmod 0755 "$STATE/geoip" &&
		perl "$top_srcdir/tests/tools/pp-test-mmdb" "$STATE/geoip/test-city.mmdb" &&
		chmod 0644 "$STATE/geoip/test-city.mmdb" || return 1
	grep -qx '\[geoip\]' "$STATE/paraphe.conf" || printf '\n[geoip]\n' >>"$STATE/paraphe.conf"
	pp_conf_set geoip database "$STATE/geoip/test-city.mmdb"
}

# pp_client_add ID ROLES SUBJECT [SHA256 [STATUS]]: registers a client with
# the SAM (etc/clients.json; ROLES "sca", "ra" or "sca ra"; no SHA256: any
# certificate of that subject).  Between pp_init and pp_start, or before a
# restart of the SAM: it reads the registry at start.
pp_client_add() {
	local f=$STATE/etc/clients.json
	jq --arg id "$1" --arg roles "$2" --arg subject "$3" --arg sha "${4:-}" --arg status "${5:-active}" \
		'.clients += [{id: $id, name: ("Test client " + $id), roles: ($roles | split(" ")),
		  subject: $subject, status: $status} + (if $sha == "" then {} else {sha256: $sha} end)]' \
		"$f" >"$f.tmp" && chmod 0644 "$f.tmp" && mv "$f.tmp" "$f"
}

# pp_client_set ID KEY JSON_VALUE: changes one member of a registered client.
pp_client_set() {
	local f=$STATE/etc/clients.json
	jq --arg id "$1" --arg key "$2" --argjson val "$3" \
		'.clients |= map(if .id == $id then .[$key] = $val else . end)' \
		"$f" >"$f.tmp" && chmod 0644 "$f.tmp" && mv "$f.tmp" "$f"
}

# pp_cert_sha256 CERT: the SHA-256 fingerprint of a PEM certificate, as the
# SCA plugin passes it (64 lower-case hex digits).
pp_cert_sha256() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# pp_p11_list SECTION: the objects of the [sam] or [audit] token, one line
# each with class, key_type, id (hex), label and the attributes
# (tests/tools/pp-test-p11, which logs in with the section's PIN file like
# the daemon: the tests run as its owner).  Fails when it cannot list.
pp_p11_list() { "$top_builddir/tests/tools/pp-test-p11" -c "$STATE/paraphe.conf" "$1" list; }
# pp_p11_count LISTING FIELD...: how many lines of LISTING (pp_p11_list's
# output) have every FIELD, e.g. class=private "id=$KID" sensitive=1.
pp_p11_count() {
	local l f found n=0
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		found=1
		for f in "${@:2}"; do [[ " $l " == *" $f "* ]] || { found=0; break; }; done
		n=$((n + found))
	done <<<"$1"
	echo $n
}
# pp_p11_has LISTING FIELD...: at least one line has every FIELD.
pp_p11_has() { [ "$(pp_p11_count "$@")" -gt 0 ]; }

pp_start() {
	if ! "$top_srcdir/scripts/paraphe-supervise" start "$STATE" "$top_builddir" >"$PP_TMP/start.log" 2>&1; then
		cat "$PP_TMP/start.log" >&2
		tail -n 30 "$STATE"/log/*.log >&2 || true
		echo "Bail out! the service did not start"
		exit 99
	fi
}

pp_down() {
	[ -n "$STATE" ] && [ -d "$STATE" ] || return 0
	"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1 || true
	# Under ASan/UBSan a report (a leak at exit included) lands in a
	# process's log, not in the exit status the test sees: look for it.
	local san
	san=$(grep -hE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
		"$STATE"/log/*.log "$PP_TMP"/*.log 2>/dev/null | head -n 5)
	if [ -n "$san" ]; then
		not_ok "no sanitizer report in the logs of the instance" "$san"
		echo "$PP_PASS passed, $PP_FAIL failed"
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $PP_TMP"
	elif [ $PP_FAIL -gt 0 ]; then
		# Keep the logs of a failing run next to the test log.
		tail -n 40 "$STATE"/log/*.log 2>/dev/null | sed 's/^/# /' || true
		rm -rf "$PP_TMP"
	else
		rm -rf "$PP_TMP"
	fi
	STATE=""
	[ -z "$san" ] || exit 1
}

pp_finish() {
	echo "$PP_PASS passed, $PP_FAIL failed"
	[ $PP_FAIL -eq 0 ]
}

# http METHOD URL [curl args...]: sets CODE, BODY and HEADERS.
http() {
	local method=$1 url=$2
	shift 2
	local out=$PP_TMP/body hdr=$PP_TMP/headers
	CODE=$(curl -s -o "$out" -D "$hdr" -w '%{http_code}' --max-time 10 --cacert "$CA" \
		-X "$method" "$@" "$url") || CODE=000
	BODY=$(cat "$out" 2>/dev/null || true)
	HEADERS=$(cat "$hdr" 2>/dev/null || true)
}

# expect DESC STATUS [SUBSTRING]: the last http call answered STATUS and its
# body contains SUBSTRING.
expect() {
	local desc=$1 status=$2 sub=${3:-}
	if [ "$CODE" != "$status" ]; then
		not_ok "$desc" "status $CODE, expected $status; body: ${BODY:0:300}"
	elif [ -n "$sub" ] && [[ $BODY != *"$sub"* ]]; then
		not_ok "$desc" "body lacks '$sub': ${BODY:0:300}"
	else
		ok "$desc"
	fi
}

# expect_json_error DESC STATUS CODE: a JSON {"error": CODE, "error_description": ...}.
expect_json_error() {
	local desc=$1 status=$2 code=$3
	if [ "$CODE" != "$status" ]; then
		not_ok "$desc" "status $CODE, expected $status; body: ${BODY:0:300}"
	elif [[ $BODY != *"\"error\":\"$code\""* ]] || [[ $BODY != *'"error_description":"'* ]]; then
		not_ok "$desc" "not a JSON error '$code': ${BODY:0:300}"
	elif ! grep -qi '^content-type: application/json' <<<"$HEADERS"; then
		not_ok "$desc" "content type is not JSON"
	else
		ok "$desc"
	fi
}

# PIDs of the instance: the supervised processes and nginx's workers.
pp_instance_pids() {
	local f pid
	for f in "$STATE"/run/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		echo "$pid"
		pgrep -P "$pid" 2>/dev/null || true
	done | sort -u
}

# None of the given PIDs is alive.
pp_none_alive() {
	local pid st
	for pid in "$@"; do
		kill -0 "$pid" 2>/dev/null || continue
		# A zombie has finished; only its parent has not reaped it yet.
		st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
		[ -n "$st" ] && [ "$st" != Z ] && return 1
	done
	return 0
}

# All six processes of the instance are alive.
pp_all_running() { "$top_srcdir/scripts/paraphe-supervise" status "$STATE" >/dev/null; }

# --- the staff console (admin/, docs/CONSOLE.md) ----------------------------
# One account per demo staff certificate ($PKI/staff/<cert>.crt): the two
# security managers by the founding ceremony (tools/paraphe-staff), every
# other one proposed by the first and approved by the second in the console.
# Each member's cookie jar, TOTP secret and CSRF token are kept in
# $STATE/admin/<cert>.{jar,totp,csrf}.
ADMIN_CERTS="security-manager security-manager-2 application-manager system-engineer operator controller share-holder"
admin_role_of() { case $1 in security-manager-2) echo security_manager ;; *) echo "${1//-/_}" ;; esac; }
admin_cert() { echo --cert "$PKI/staff/$1.crt" --key "$PKI/staff/$1.key"; }

# ahttp CERT METHOD PATH [curl args...]: as http, through the console with
# that member's certificate and cookie jar (CODE, BODY, HEADERS).
ahttp() {
	local who=$1 method=$2 path=$3
	shift 3
	mkdir -p "$STATE/admin"
	# shellcheck disable=SC2046
	http "$method" "$CON$path" $(admin_cert "$who") -b "$STATE/admin/$who.jar" -c "$STATE/admin/$who.jar" "$@"
}

# acurl CERT [curl args...] PATH: prints the body of PATH (GET unless the
# args say otherwise); -o, -w and the rest as curl takes them.
acurl() {
	local who=$1
	shift
	local path=${*: -1}
	set -- "${@:1:$(($# - 1))}"
	mkdir -p "$STATE/admin"
	# shellcheck disable=SC2046
	curl -s --max-time 30 --cacert "$CA" $(admin_cert "$who") -b "$STATE/admin/$who.jar" \
		-c "$STATE/admin/$who.jar" "$@" "$CON$path"
}

# acsrf CERT: the CSRF token of that member's session.
acsrf() { cat "$STATE/admin/$1.csrf"; }

# apost CERT PATH [name=value...]: a console form posted with the session's
# CSRF token (sets CODE, BODY, HEADERS).
apost() {
	local who=$1 path=$2 kv
	shift 2
	local args=(--data-urlencode "csrf=$(acsrf "$who")")
	for kv in "$@"; do args+=(--data-urlencode "$kv"); done
	ahttp "$who" POST "$path" "${args[@]}"
}

# The value of the hidden csrf field (or of the element with id=$2) in BODY.
admin_field() { sed -n "s/.*name=\"csrf\" value=\"\([0-9a-f]*\)\".*/\1/p" <<<"$BODY" | head -n 1; }
admin_secret() { sed -n 's/.*id="totp-secret"[^>]*>\([A-Z2-7=]*\)<.*/\1/p' <<<"$BODY" | head -n 1; }

# admin_login CERT: enrols the second factor on the first visit, else logs
# in with the next unused code; leaves the session in the jar and its CSRF
# token in $STATE/admin/CERT.csrf.  1 on failure.
admin_login() {
	local who=$1 secret code step
	mkdir -p "$STATE/admin"
	rm -f "$STATE/admin/$who.jar"
	ahttp "$who" GET /login
	[ "$CODE" = 200 ] || { echo "# admin_login $who: GET /login $CODE ${BODY:0:200}"; return 1; }
	local pre
	pre=$(admin_field)
	if [[ $BODY == *'id="totp-secret"'* ]]; then
		secret=$(admin_secret)
		echo "$secret" >"$STATE/admin/$who.totp"
		code=$("$top_builddir/tests/tools/pp-test-totp" "$secret")
		ahttp "$who" POST /login/enrol --data-urlencode "csrf=$pre" --data-urlencode "code=$code"
	else
		secret=$(cat "$STATE/admin/$who.totp")
		# A code is accepted once per time step: after a login in the
		# same step, the next step's code (accepted one step early).
		for step in 0 1; do
			code=$("$top_builddir/tests/tools/pp-test-totp" "$secret" "$step")
			ahttp "$who" POST /login --data-urlencode "csrf=$pre" --data-urlencode "code=$code"
			[ "$CODE" = 303 ] && break
			ahttp "$who" GET /login
			pre=$(admin_field)
		done
	fi
	[ "$CODE" = 303 ] || { echo "# admin_login $who: $CODE ${BODY:0:300}"; return 1; }
	ahttp "$who" GET /
	[ "$CODE" = 200 ] || { echo "# admin_login $who: home $CODE"; return 1; }
	admin_field >"$STATE/admin/$who.csrf"
}

# admin_propose CERT KIND name=value...: prints the new proposal's id.
admin_propose() {
	local who=$1 kind=$2
	shift 2
	apost "$who" "/proposals/new/$kind" "$@"
	[ "$CODE" = 303 ] || { echo "# propose $kind: $CODE ${BODY:0:300}" >&2; return 1; }
	sed -n 's/^[Ll]ocation: .*\/proposals\/\([0-9a-f]*\).*/\1/p' <<<"$HEADERS" | tr -d '\r'
}

# admin_approve CERT ID: sets CODE (303 when approved).
admin_approve() { apost "$1" "/proposals/$2/approve"; }

# admin_up: after pp_up, every demo staff member has an account with their
# role, a second factor and a live session.  ADMIN_FIRST_LOGIN names the
# command that does each member's first login (admin_login by default; a
# browser test enrols some members in the browser), which must leave what
# admin_login leaves: $STATE/admin/CERT.{jar,totp,csrf}.
admin_up() {
	local who id sm="security-manager" sm2="security-manager-2"
	for who in $sm $sm2; do
		"$top_builddir/tools/paraphe-staff" -c "$STATE/paraphe.conf" bootstrap --name "Test $who" \
			--cert "$PKI/staff/$who.crt" --present "Test witness" >"$PP_TMP/staff-$who.log" 2>&1 ||
			{ cat "$PP_TMP/staff-$who.log" >&2; echo "Bail out! founding ceremony failed"; exit 99; }
		"${ADMIN_FIRST_LOGIN:-admin_login}" $who || { echo "Bail out! $who cannot log in"; exit 99; }
	done
	for who in $ADMIN_CERTS; do
		[ "$who" = $sm ] || [ "$who" = $sm2 ] && continue
		id=$(admin_propose $sm account.create "name=Test $who" "role=$(admin_role_of "$who")" \
			"cert=$(cat "$PKI/staff/$who.crt")") || { echo "Bail out! proposal for $who"; exit 99; }
		admin_approve $sm2 "$id"
		[ "$CODE" = 303 ] || { echo "# approve $who: $CODE ${BODY:0:300}"; echo "Bail out! approval for $who"; exit 99; }
		"${ADMIN_FIRST_LOGIN:-admin_login}" "$who" || { echo "Bail out! $who cannot log in"; exit 99; }
	done
}
