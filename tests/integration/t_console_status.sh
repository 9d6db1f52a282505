#!/usr/bin/env bash
# The console's system status (issue #6, item 6): every component asked
# (daemons over their sockets, plugins over FastCGI, nginx on its
# listeners), the HSM tokens, the clock, disks, and the SHA-256 of the
# configuration; a stopped SAM shows as down; status.json for monitoring.
. "$(dirname "$0")/lib.sh"

ac() {
	local role=$1 path=$2
	shift 2
	rm -f "$PP_TMP/ac.body"
	CODE=$(acurl "$role" -o "$PP_TMP/ac.body" -w '%{http_code}' "$@" "$path") || CODE=000
	BODY=$(cat "$PP_TMP/ac.body" 2>/dev/null || true)
}
# jqok FILTER [args]: the JSON in BODY satisfies FILTER (jq -e, quiet).
jqok() { jq -e "$@" <<<"$BODY" >/dev/null; }
# state COMPONENT: the state the status page shows for it.
state() { sed -n "s/.*<tr id=\"component-$1\">.*data-state=\"\([a-z]*\)\".*/\1/p" <<<"$BODY"; }

pp_up
admin_up

ac system-engineer /status
expect "the system engineer reads the status page" 200 'id="components"'
for c in audit sam signer sca admin nginx; do
	check "$c is shown up" test "$(state "$c")" = ok
done
check "the SAM's token is listed" grep -q '<td>paraphe-sam</td>' <<<"$BODY"
check "the audit daemon's token is listed" grep -q '<td>paraphe-audit</td>' <<<"$BODY"
check "the clock state is shown" grep -q 'id="clock" data-synchronised="[01]"' <<<"$BODY"
check "disk space of the state directory is shown" grep -q "<code>$STATE</code>" <<<"$BODY"
for role in security-manager controller; do
	ac "$role" /status
	expect "$role reads the status page" 200 'id="components"'
done
for role in operator application-manager share-holder; do
	ac "$role" /status
	expect "$role may not read the status page (403)" 403
	ac "$role" /status.json
	expect "$role may not read status.json (403)" 403
done

# --- status.json parses and agrees.
ac system-engineer /status.json
expect "status.json answers" 200
check "status.json is JSON with every component" \
	jqok '([.components[] | .state] | all(. == "ok")) and
		([.components[] | .name] | contains(["admin","audit","nginx","sam","sca","signer"]))'
check "status.json reports both tokens logged in" \
	jqok '[.tokens[] | select(.logged_in and .present) | .component] | sort == ["audit","sam"]'
check "status.json has the clock" jqok '.clock | has("synchronised") and has("maxerror_us")'
check "status.json has the disks" jqok '[.disks[] | select(.used_percent >= 0)] | length >= 3'
# The overall flag is every line's: components, log, clock (this machine's
# may well be unsynchronised: then the flag is false and the page says so).
check "status.json's ok is the conjunction of its lines" jqok '.ok == (([.components[].state] | all(. == "ok"))
	and .audit_log.integrity and .audit_log.writing and .clock.synchronised
	and ([.disks[].state] | all(. == "ok")))'
SYNC=$(jq -r 'if .clock.synchronised then 1 else 0 end' <<<"$BODY")
OK=$(jq -r 'if .ok then 1 else 0 end' <<<"$BODY")
CONF=$(readlink -f "$STATE/paraphe.conf")
SUM=$(sha256sum "$CONF" | cut -d' ' -f1)
check "the configuration file's SHA-256 is sha256sum's" \
	jqok --arg p "$CONF" --arg h "$SUM" '[.files[] | select(.path == $p and .sha256 == $h)] | length >= 1'
EXE=$(readlink -f "$top_builddir/admin/paraphe-admin")
XSUM=$(sha256sum "$EXE" | cut -d' ' -f1)
check "the running console executable's SHA-256 is sha256sum's" \
	jqok --arg h "$XSUM" '[.files[] | select(.what == "running console executable" and .sha256 == $h)] | length == 1'
ac system-engineer /status
check "the page shows the same SHA-256" grep -q "$SUM" <<<"$BODY"
check "the page shows the clock as status.json does" grep -q "id=\"clock\" data-synchronised=\"$SYNC\"" <<<"$BODY"
check "the page's overall state is status.json's" grep -q "id=\"status-overall\" data-ok=\"$OK\"" <<<"$BODY"
if [ "$SYNC" = 0 ]; then
	check "an unsynchronised clock is shown red" grep -q 'data-synchronised="0" class="console-alarm"' <<<"$BODY"
fi

# --- the SAM stopped: down, and the whole not ok.
SAMD=$(cat "$STATE/run/samd.pid")
kill -TERM "$SAMD"
check "the SAM stopped" wait_for 10 pp_none_alive "$SAMD"
ac system-engineer /status
expect "the status page still answers with the SAM down" 200
check "the SAM is shown down" test "$(state sam)" = down
check "the audit daemon is still shown up" test "$(state audit)" = ok
check "the page says something needs attention" grep -q 'id="status-overall" data-ok="0"' <<<"$BODY"
ac system-engineer /status.json
check "status.json says the SAM is down and the whole not ok" \
	jqok '(.ok == false) and ([.components[] | select(.name == "sam") | .state] == ["down"])'

pp_finish
