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
PP_DIST_SMOKE_TESTS="t_lifecycle.sh t_conformance.sh t_browser.sh t_csc.sh t_pages.sh t_oidc.sh t_demo_pages.sh"
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
	local used base i busy
	used=$(ss -Htan 2>/dev/null | awk '{print $4}' | sed 's/.*://' | sort -u)
	for i in $(seq 1 100); do
		base=$((20000 + (RANDOM * 7 + $$ + i * 13) % 40000))
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
