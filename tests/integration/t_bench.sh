#!/usr/bin/env bash
# The benchmarks keep working (run small, figures printed, never judged:
# speed is reported by `make bench`, not asserted by the test suite).
. "$(dirname "$0")/lib.sh"
PP_TMP=$(mktemp -d /tmp/pp-bench-smoke.XXXXXX)
trap 'rm -rf "$PP_TMP"' EXIT
"$top_srcdir/bench/run-audit" "$top_builddir" --quick >"$PP_TMP/out" 2>&1
rc=$?
check "bench/run-audit --quick runs" test $rc -eq 0
check "it reports append throughput and latency" grep -qE 'durable appends, 16 clients: +[0-9]+ records/s, p99 [0-9.]+ ms' "$PP_TMP/out"
check "it reports the raw SQLite baseline" grep -qE "raw SQLite fsync'd commits: +[0-9]+ commits/s" "$PP_TMP/out"
check "it reports verification against raw SHA-256" grep -qE 'ratio verify throughput / raw SHA-256: [0-9.]+' "$PP_TMP/out"
[ $PP_FAIL -gt 0 ] && sed 's/^/# /' "$PP_TMP/out"
pp_finish
