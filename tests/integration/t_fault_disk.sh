#!/usr/bin/env bash
# Fault injection (issue #7): a full disk under the audit store (audit.db)
# and under the archive, each a small tmpfs mounted for the instance (root
# only: skipped otherwise).  Expected: with the store full the audit daemon
# refuses the appends it cannot commit (never acknowledges them, never
# writes a partial record), raises the alarm in its log and in its health,
# the SAM then signs nothing (503 JSON errors) and the log resumes once
# space is freed, recording the failed commits (audit.failure); with the
# archive full a segment cannot be cut: the alarm, an audit.failure record,
# the records stay on site, and the cut is retried (every minute) and
# succeeds once space is freed.  The log verifies (pp_invariants,
# paraphe-audit-verify on the archive).  The filesystems are unmounted at
# exit, whatever happens.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP mounting a small filesystem needs root"
	exit 77
fi
pp_init
AFS=$STATE/audit-fs
XFS=$STATE/archive
USER_=$("$top_builddir/tools/paraphe-config" -c "$STATE/paraphe.conf" get service.user)
MOUNTS=()
disk_cleanup() {
	local m
	# The instance first (it holds files there), then the filesystems,
	# then the rest of the instance's directory.
	[ -z "$STATE" ] || "$top_srcdir/scripts/paraphe-supervise" stop "$STATE" >/dev/null 2>&1 || true
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
	pp_down
}
trap disk_cleanup EXIT
# fs_mount DIR SIZE: a tmpfs of SIZE owned by the service user, mode 0750.
fs_mount() {
	mkdir -p "$1" &&
		mount -t tmpfs -o "size=$2,mode=0750,uid=$(id -u "$USER_"),gid=$(id -g "$USER_")" paraphe-fault "$1" &&
		MOUNTS+=("$1")
}
# fs_fill DIR: fills DIR's filesystem (the file DIR/filler, as the service
# user would see it: no reserved blocks on tmpfs).
fs_fill() { dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null || true; sync; }
fs_free() { rm -f "$1/filler"; }
fs_avail() { df -k --output=avail "$1" | tail -n 1 | tr -d ' '; }
check "a 16 MiB tmpfs for the audit store" fs_mount "$AFS" 16m
# The archive's own directory is the mount point (the configured one).
check "a 1 MiB tmpfs for the archive" fs_mount "$XFS" 1m
pp_conf_set database audit "$AFS/audit.db"
# pp_invariants reads the store where the other tests keep it.
ln -s "$AFS/audit.db" "$STATE/db/audit.db"
# A segment every 60 records, so that the load makes some.
pp_conf_set audit segment_max_records 60
pp_start
. "$(dirname "$0")/fault.sh"
fault_enrol
pp_inv_mark
CONF=$STATE/paraphe.conf
aud_health() { "$top_builddir/tools/paraphe-audit" -c "$CONF" health 2>/dev/null; }
append() {
	"$top_builddir/tools/paraphe-audit" -c "$CONF" append \
		'{"type":"manual.maintenance","outcome":"success","actor":{"kind":"staff","id":"stf-disk","role":"system_engineer"},"cause":"filling the audit store (t_fault_disk)"}' >/dev/null 2>&1
}

# --- baseline.
check "3 SADs" test "$(fault_sads a 3)" = 3
fault_sign_all a 3
fault_wait
check "the baseline load signs all 3" test "$(fault_count a signed)" = 3
check "the store is on the small filesystem" test -f "$AFS/audit.db"

# --- 1. the audit store's filesystem full.
check "4 SADs for the load" test "$(fault_sads b 4)" = 4
size0=$(sqlite3 "file:$AFS/audit.db?mode=ro" 'SELECT max(seq) FROM records')
fs_fill "$AFS"
# The WAL reuses its free pages first: appends until a commit needs room.
n=0
while [ $n -lt 5000 ] && append; do n=$((n + 1)); done
check "store full: an append is refused (after $n that still fitted, $(fs_avail "$AFS") KiB free)" test $n -lt 5000
check "... the audit daemon raises the alarm in its log" \
	grep -q 'audit: ALARM: [0-9]* records could not be committed' "$STATE/log/auditd.log"
check "... and in its health (writing false)" bash -c '"$1" -c "$2" health | grep -q "\"writing\":false"' _ "$top_builddir/tools/paraphe-audit" "$CONF"
fault_sign_all b 4
fault_wait
fault_figure "audit store full" b
fault_clear "store full: every signHash ends in a signature or a JSON error" b
check "store full: none signed, all 503" test "$(fault_count b 'refused 503 temporarily_unavailable')" = 4
fault_sca_healthz
expect "store full: the SCA listener's /healthz is 503 naming the audit log" 503 '"audit":"temporarily_unavailable"'
check "every process is still running" pp_all_running
fs_free "$AFS"
check "space freed: appends are acknowledged again" wait_for 10 append
check "... the failed commits are recorded (audit.failure, failed_commits)" \
	bash -c 'sqlite3 "file:$1?mode=ro" "SELECT CAST(record AS TEXT) FROM records WHERE type = '"'audit.failure'"'" | grep -q "\"failed_commits\":[1-9]"' _ "$AFS/audit.db"
check "... and the daemon says writing works again" grep -q 'audit: writing works again after [0-9]* failed commits' "$STATE/log/auditd.log"
check "... every record the store holds is whole (consecutive sequence numbers, JSON)" \
	test "$(sqlite3 "file:$AFS/audit.db?mode=ro" 'SELECT count(*) = max(seq) - min(seq) + 1 AND sum(json_valid(CAST(record AS TEXT))) = count(*) FROM records')" = 1
check "4 new SADs" test "$(fault_sads c 4)" = 4
fault_sign_all c 4
fault_wait
check "the load signs all 4 again, without a restart" test "$(fault_count c signed)" = 4
pp_invariants "after the audit store's disk was full"

# --- 2. the archive's filesystem full when a segment is cut.
segs() { ls -d "$XFS"/seg-* 2>/dev/null | wc -l; }
check "segments were cut so far ($(segs))" test "$(segs)" -ge 1
s0=$(segs)
fs_fill "$XFS"
for i in $(seq 1 70); do append || break; done
check "archive full: the cut fails with the alarm in the log" wait_for 10 \
	grep -q 'audit: ALARM: archive segment [0-9]* could not be written; retrying in 60 s' "$STATE/log/auditd.log"
check "... recorded as audit.failure (archive segment could not be written)" \
	bash -c 'sqlite3 "file:$1?mode=ro" "SELECT CAST(record AS TEXT) FROM records WHERE type = '"'audit.failure'"'" | grep -q "archive segment could not be written"' _ "$AFS/audit.db"
check "archive full: no segment was added" test "$(segs)" = "$s0"
check "archive full: no partial segment is left (only whole seg-* directories)" \
	bash -c '! ls -a "$1" | grep -v -e "^\.\.*$" -e "^seg-[0-9]*$" -e "^filler$" | grep -q .' _ "$XFS"
check "archive full: appends still work (records stay on site)" append
check "archive full: a signing flow still works" test "$(fault_sads d 1)" = 1
fault_sign_all d 1
fault_wait
check "... and signs" test "$(fault_count d signed)" = 1
fs_free "$XFS"
segs_grew() { [ "$(segs)" -gt "$s0" ]; }
check "space freed: the cut is retried within a minute and succeeds" wait_for 75 segs_grew
check "the archive verifies offline (paraphe-audit-verify)" bash -c '"$1" --key "$2" "$3" all >"$4"' _ \
	"$top_builddir/tools/paraphe-audit-verify" "$STATE/audit/audit-key.pem" "$XFS" "$PP_TMP/verify.txt"
pp_invariants "after the archive's disk was full"
pp_finish
