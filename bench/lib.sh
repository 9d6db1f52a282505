# bench/lib.sh: what the end-to-end benchmarks share (sourced, not run).
# bench_up NAME [SECTION KEY VALUE]...: a throwaway instance of the whole
# service (scripts/paraphe-init, the given configuration changes, then
# scripts/paraphe-supervise) on free loopback ports; it is stopped and
# removed on exit.  Sets tmp, state, conf, pki, ca, port, pub, sca,
# ra_cert, subject.  Needs build and src set by the caller.

# Four consecutive free ports (public, SCA API, console, the stand-in OpenID
# Connect provider); other instances, such as the test suite's, may run
# beside it.
pick_port() {
	local used base busy
	used=$(ss -Htan 2>/dev/null | awk '{ print $4 }' | sed 's/.*://' | sort -u)
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

bench_cleanup() {
	"$src/scripts/paraphe-supervise" stop "$state" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}

# bench_conf SECTION KEY VALUE: sets a key of the instance's configuration.
bench_conf() {
	awk -v sec="[$1]" -v key="$2" -v val="$3" '
		function emit() { if (insec && !done) { print key " = " val; done = 1 } }
		/^\[/ { emit(); insec = ($0 == sec) }
		insec && $1 == key && $2 == "=" { print key " = " val; done = 1; next }
		{ print }
		END { emit() }' "$conf" >"$conf.tmp" && mv "$conf.tmp" "$conf" && chmod 0644 "$conf"
}

bench_up() {
	tmp=$(mktemp -d "/tmp/pp-bench-$1.XXXXXX")
	shift
	chmod 0755 "$tmp"
	state=$tmp/state
	trap bench_cleanup EXIT
	port=${PP_BENCH_PORT:-$(pick_port)}
	"$src/scripts/paraphe-init" "$state" "$port" "$src" "$build" >/dev/null
	conf=$state/paraphe.conf
	while [ $# -ge 3 ]; do
		bench_conf "$1" "$2" "$3"
		shift 3
	done
	"$src/scripts/paraphe-supervise" start "$state" "$build" >"$tmp/start.log" 2>&1 ||
		{ cat "$tmp/start.log" >&2; exit 1; }
	pki=$state/pki
	ca=$pki/root-ca.crt
	pub=https://127.0.0.1:$port
	sca=https://127.0.0.1:$((port + 1))
	ra_cert=(--cert "$pki/sca/sca-demo.crt" --key "$pki/sca/sca-demo.key")
	[ -f "$pki/ra/ra-demo.crt" ] && ra_cert=(--cert "$pki/ra/ra-demo.crt" --key "$pki/ra/ra-demo.key")
	subject=$(openssl x509 -in "$pki/sca/sca-demo.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
}

# ra PATH JSON: a POST to the PKI/RA API; prints the answer.
ra() {
	local out
	if ! out=$(curl -sS --fail-with-body --cacert "$ca" "${ra_cert[@]}" -H 'Content-Type: application/json' \
		-X POST "$sca$1" --data-binary "$2"); then
		echo "bench: POST $1: $out" >&2
		return 1
	fi
	printf '%s\n' "$out"
}
# num NAME JSON: a number member of a JSON line.
num() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2" | head -n 1; }
# cpu: "name ticks" for every process of the service (utime + stime).
cpu() {
	local f p name
	for f in "$state"/run/*.pid; do
		name=$(basename "$f" .pid)
		p=$(cat "$f")
		for q in $p $(pgrep -P "$p" 2>/dev/null || true); do
			[ -r "/proc/$q/stat" ] || continue
			echo "$name $q $(sed 's/.*) //' "/proc/$q/stat" | awk '{ print $12 + $13 }')"
		done
	done | sort -u -k2,2 | awk '{ t[$1] += $3 } END { for (n in t) print n, t[n] }' | sort
}
# cpu_report BEFORE AFTER CALLS: CPU time per call by process during a run.
cpu_report() {
	local hz
	hz=$(getconf CLK_TCK)
	join <(echo "$1") <(echo "$2") | awk -v hz="$hz" -v n="$3" '
		{ d = ($3 - $2) / hz; tot += d; out = out sprintf(" %s %.0f", $1, d / n * 1e6) }
		END { printf "   CPU per call (us):%s, total %.0f\n", out, tot / n * 1e6 }'
}
rss() {
	local p name q
	echo "resident memory after the runs (kB, VmRSS now / VmHWM peak):"
	local seen=" "
	for f in "$state"/run/*.pid; do
		name=$(basename "$f" .pid)
		p=$(cat "$f")
		for q in $p $(pgrep -P "$p" 2>/dev/null || true); do
			[ -r "/proc/$q/status" ] || continue
			[[ $seen == *" $q "* ]] && continue
			seen="$seen$q "
			awk -v n="$name" -v q="$q" -v c="$(tr -d '\0' </proc/"$q"/comm)" \
				'/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "  %-10s %-16s pid %-7s %7d / %7d\n", n, c, q, r, h }' \
				"/proc/$q/status"
		done
	done
}

