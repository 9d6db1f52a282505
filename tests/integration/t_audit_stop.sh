#!/usr/bin/env bash
# AUD-1 at shutdown: an orderly stop leaves every component's stop record,
# then the audit daemon's own, in the log and at the collector; and the
# next start says the previous stop was clean.
. "$(dirname "$0")/lib.sh"
pp_up
COLL=$STATE/log/collector.log
"$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >"$PP_TMP/stop.log" 2>&1
check "the supervisor stops everything with SIGTERM (no SIGKILL needed)" test $? -eq 0
for c in paraphe-admin paraphe-sca paraphe-signer paraphe-samd; do
	check "$c's component.stop reached the collector" \
		grep -q "component.stop - .*\"id\":\"$c\"" "$COLL"
done
check "audit.stop is the last record forwarded" bash -c 'tail -n 1 "$1" | grep -q " audit.stop - "' _ "$COLL"
check "no component reported an unacknowledged stop record" \
	bash -c '! grep -l "stop record was not acknowledged" "$1"/log/*.log' _ "$STATE"
n=$(grep -c ' - ' "$COLL")
check "every record was forwarded once (sequence numbers 1..$n)" \
	test "$(grep -o '"seq":[0-9]*' "$COLL" | cut -d: -f2 | sort -n | uniq | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')"
pp_start
check "the next start records that the previous stop was clean" \
	bash -c 'for i in $(seq 1 50); do grep -q "\"previous_stop\":\"clean\"" "$1" && exit 0; sleep 0.1; done; exit 1' _ "$COLL"
pp_finish
