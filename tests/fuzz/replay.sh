#!/usr/bin/env bash
# Replays every fuzz corpus through its target (built with replay.c): the
# seeds and every crash ever found stay regression tests.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
pass=0 fail=0
for t in json http conf ipc cert canon note audit archive tsa pss sam jose authz oauth oidc console; do
	if "$top_builddir/tests/fuzz/replay_$t" "$top_srcdir/tests/fuzz/corpus/$t" >/dev/null; then
		pass=$((pass + 1)); echo "ok - corpus $t replayed"
	else
		fail=$((fail + 1)); echo "not ok - corpus $t"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
