#!/usr/bin/env bash
# The benchmarks keep working (run small, figures printed, never judged:
# speed is reported by `make bench`, not asserted by the test suite).
. "$(dirname "$0")/lib.sh"
# Figures from a sanitizer build mean nothing, and the benchmarks are the
# slowest tests there: they run in the normal build.
if ldd "$top_builddir/sam/paraphe-samd" 2>/dev/null | grep -q libasan; then
	echo "1..0 # SKIP the benchmarks run in the normal build, not under the sanitizers"
	exit 77
fi
pp_up
LG=("$top_builddir/bench/paraphe-loadgen" --url "$SCA/csc/v2/info" --cacert "$CA"
	--method POST --body '{}' --content-type application/json --connections 4 --requests 200)
out=$("${LG[@]}" "${SCA_CERT[@]}")
check "the load generator presents the client certificate and keeps connections alive" \
	grep -qE '"requests":200,"connections":4,"ok":200,"failures":0' <<<"$out"
check "it reports throughput and latency percentiles" grep -qE '"requests_per_s":[0-9.]+,"p50_ms":[0-9.]+,"p90_ms":[0-9.]+,"p99_ms":[0-9.]+' <<<"$out"
out=$("${LG[@]}")
check "without a certificate every request is counted as a failure (401)" \
	grep -qE '"ok":0,"failures":200.*"status":\{"401":200\}' <<<"$out"
"$top_srcdir/bench/run-audit" "$top_builddir" --quick >"$PP_TMP/out" 2>&1
rc=$?
check "bench/run-audit --quick runs" test $rc -eq 0
check "it reports append throughput and latency" grep -qE 'durable appends, 16 clients: +[0-9]+ records/s, p99 [0-9.]+ ms' "$PP_TMP/out"
check "it reports the raw SQLite baseline" grep -qE "raw SQLite fsync'd commits: +[0-9]+ commits/s" "$PP_TMP/out"
check "it reports verification against raw SHA-256" grep -qE 'ratio verify throughput / raw SHA-256: [0-9.]+' "$PP_TMP/out"
"$top_srcdir/bench/run-sign" "$top_builddir" --quick >"$PP_TMP/sign" 2>&1
check "bench/run-sign --quick measures the raw PKCS#11 rate for both key types" \
	bash -c 'grep -qE "\"key\":\"ec-p256\",\"threads\":1,.*\"errors\":0" "$1" && grep -qE "\"key\":\"rsa3072\",\"threads\":1,.*\"errors\":0" "$1"' _ "$PP_TMP/sign"
"$top_srcdir/bench/run-signhash" "$top_builddir" --quick >"$PP_TMP/sh" 2>&1
rc=$?
check "bench/run-signhash --quick runs" test $rc -eq 0
for phase in "ECDSA P-256, 1 hash/call" "ECDSA P-256, 64 hashes/call" "RSA-3072, 1 hash/call"; do
	check "it drives end-to-end signHash ($phase): every call signed, ratio to raw reported" \
		grep -qE "^$phase +[0-9]+ calls/s +[0-9]+ signatures/s .* ok [1-9][0-9]* failed 0  ratio [0-9.]+" "$PP_TMP/sh"
done
check "it reports the raw rate of the SAM's token for both key types" \
	grep -qE 'raw PKCS#11 C_Sign, SAM token, 1 thread: ECDSA P-256 [0-9.]+/s, RSA-3072 [0-9.]+/s' "$PP_TMP/sh"
check "it reports CPU per call by process" grep -qE 'CPU per call \(us\):.* samd [0-9]+ .*total [0-9]+' "$PP_TMP/sh"
check "it reports the resident memory of the SAM and the plugins" \
	bash -c 'grep -qE "samd +paraphe-samd +pid [0-9]+ +[0-9]+ / +[0-9]+" "$1" && grep -qE "sca +paraphe-sca" "$1"' _ "$PP_TMP/sh"
"$top_srcdir/bench/run-pages" "$top_builddir" --quick >"$PP_TMP/pages" 2>&1
rc=$?
check "bench/run-pages --quick runs" test $rc -eq 0
check "it measures a static file served by nginx" grep -qE '^static file \(nginx alone\) +[0-9]+ requests/s .* ok [1-9][0-9]* failed 0' "$PP_TMP/pages"
check "it renders the real approval page (session, SAM, template) every time" \
	grep -qE '^approval page \([0-9]+ bytes\) +[0-9]+ requests/s .* ok [1-9][0-9]* failed 0' "$PP_TMP/pages"
check "it reports the ratio to the static file and the p99" grep -qE '^approval page: [0-9]+ pages/s = [0-9.]+x the static file; p99 [0-9.]+ ms' "$PP_TMP/pages"
# The soak (bench/run-soak), 20 s instead of 30 minutes: it runs, every
# flow succeeds, and it reports every figure (never judged here).
PP_SOAK_JSON=$PP_TMP/soak.json "$top_srcdir/bench/run-soak" "$top_builddir" --seconds 20 --max-seconds 8 >"$PP_TMP/soak" 2>&1
rc=$?
check "bench/run-soak --seconds 20 runs with every flow signed" test $rc -eq 0
check "it measures the maximum throughput of the whole flow first" \
	grep -qE '^maximum: [0-9.]+ flows/s \(p50 [0-9.]+ ms, p99 [0-9.]+ ms, 0 errors\)' "$PP_TMP/soak"
check "it runs the flow at half that rate with zero errors" \
	grep -qE '^soak: [1-9][0-9]* flows in [0-9.]+ s at [0-9.]+ flows/s \(target [0-9.]+\), 0 errors, p50 [0-9.]+ ms, p99 [0-9.]+ ms' "$PP_TMP/soak"
soakjq() { jq -e "$1" "$PP_TMP/soak.json" >/dev/null 2>&1; }
check "its JSON: rate half the maximum, flows, zero errors, p99 first and last interval" \
	soakjq '.errors == 0 and .flows > 0 and (.rate - .max_flows_per_s / 2 | fabs) < 0.02 and (.p99_first_ms | type) == "number" and (.p99_last_ms | type) == "number" and (.intervals | length) >= 2'
for comm in nginx paraphe-samd paraphe-auditd paraphe-sca paraphe-signer paraphe-admin; do
	check "it samples $comm: RSS slope, RSS and fds first / last / max" \
		soakjq "[.processes[] | select(.comm == \"$comm\") | select(.samples >= 2 and .rss_first_kib > 0 and .rss_max_kib >= .rss_last_kib and (.rss_slope_kib_per_min | type) == \"number\" and .fds_first > 0 and .fds_max >= .fds_last)] | length >= 1"
done
check "nginx's master and worker, each plugin's supervisor and workers are all sampled" \
	soakjq '([.processes[] | select(.comm == "nginx")] | length) >= 2 and ([.processes[] | select(.comm == "paraphe-sca")] | length) >= 2 and ([.processes[] | select(.comm == "paraphe-signer")] | length) >= 2'
check "the SAM's and the audit daemon's token sessions come from their health answers, none lost or opened again" \
	soakjq '[.sessions[] | select(.open_first == .pool and .open_last == .pool and .opened_last == .opened_first)] | map(.component) | sort == ["audit","sam"]'
[ $PP_FAIL -gt 0 ] && sed 's/^/# /' "$PP_TMP/out" "$PP_TMP/sh" "$PP_TMP/pages" "$PP_TMP/soak"; true
pp_finish
