#!/usr/bin/env bash
# docs/CONFORMANCE.md stays honest: one row per requirement ID, a known
# status, and for every implemented or partial requirement the code and the
# tests it names exist in the tree.
. "$(dirname "$0")/lib.sh"

doc=$top_srcdir/docs/CONFORMANCE.md
# The requirement IDs of the policy digest (../shared/REQUIREMENTS.md).
ids=(KEY-1 KEY-2 KEY-3 KEY-4 KEY-5 KEY-6 AUTH-1 AUTH-2 AUTH-3 AUTH-4
	SAD-1 SAD-2 SAD-3 SAD-4 SAD-5 ROLE-1 ROLE-2 ROLE-3 ROLE-4 ROLE-5 ROLE-6
	AUD-1 AUD-2 AUD-3 AUD-4 AUD-5 AUD-6 AUD-7 TIME-1 ARC-1 ARC-2 ARC-3 ARC-4
	SEC-1 SEC-2 SEC-3 SEC-4 SEC-5 SEC-6 SEC-7)
shared=$top_srcdir/../shared/REQUIREMENTS.md
if [ -f "$shared" ]; then
	mapfile -t src_ids < <(grep -oE '^- [A-Z]+-[0-9]+' "$shared" | sed 's/^- //')
	check "the ID list matches the requirements digest" \
		test "$(printf '%s\n' "${src_ids[@]}" | sort)" = "$(printf '%s\n' "${ids[@]}" | sort)"
fi

check "docs/CONFORMANCE.md exists" test -f "$doc"
for id in "${ids[@]}"; do
	rows=$(grep -cE "^\| *$id *\|" "$doc" || true)
	if [ "$rows" != 1 ]; then
		not_ok "$id has exactly one row" "found $rows"
		continue
	fi
	row=$(grep -E "^\| *$id *\|" "$doc")
	status=$(awk -F'|' '{gsub(/^ +| +$/, "", $4); print $4}' <<<"$row")
	code=$(awk -F'|' '{print $5}' <<<"$row")
	tests=$(awk -F'|' '{print $6}' <<<"$row")
	case $status in
	implemented*|partial*)
		paths=$(grep -oE '`[^`]+`' <<<"$code $tests" | tr -d '`' || true)
		if [ -z "$(grep -oE '`[^`]+`' <<<"$tests")" ]; then
			not_ok "$id ($status) names its tests"
			continue
		fi
		missing=""
		for p in $paths; do
			p=${p%%:*}
			[ -e "$top_srcdir/$p" ] || missing+=" $p"
		done
		if [ -z "$missing" ]; then ok "$id ($status): code and tests exist"; else not_ok "$id: missing$missing"; fi
		;;
	planned*)
		ok "$id planned"
		;;
	*)
		not_ok "$id has a known status" "status '$status'"
		;;
	esac
done

# The operations guide documents every configuration key (a row of its
# section naming the key, alone or with its siblings).
undocumented=""
while IFS=$'\t' read -r name _; do
	sec=${name%%.*} key=${name#*.}
	grep -qE "^\| $sec \| ([^|]*[ ,])?$key([ ,][^|]*)? \|" "$top_srcdir/docs/OPERATIONS.md" || undocumented+=" $name"
done < <("$top_builddir/tools/paraphe-config" schema)
if [ -z "$undocumented" ]; then ok "docs/OPERATIONS.md documents every configuration key"
else not_ok "docs/OPERATIONS.md documents every configuration key" "missing:$undocumented"; fi
pp_finish
