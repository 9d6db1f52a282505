#!/bin/bash
# The staff console (issue #6): the founding ceremony, the two-factor login
# and its lockout, sessions (cookie attributes, certificate binding,
# inactivity), CSRF, ROLE-2 on every path (console, command line, database),
# the whole permission matrix, and dual control that nobody can bypass alone.
. "$(dirname "$0")/lib.sh"

pp_init
# The shortest inactivity timeout the configuration allows.
pp_conf_set admin idle_timeout_s 30
pp_conf_set admin lockout_failures 3
pp_start
ADB=$STATE/db/admin.db
SQL() { sqlite3 -cmd ".timeout 5000" "$@"; }
# audit_has TYPE OUTCOME SUBSTRING: a record of that type and outcome whose
# bytes contain SUBSTRING.
audit_has() {
	[ "$(SQL "$STATE/db/audit.db" "SELECT count(*) FROM records WHERE type = '$1' AND outcome = '$2'
		AND instr(CAST(record AS TEXT), '$3') > 0")" -gt 0 ]
}
STAFF=("$top_builddir/tools/paraphe-staff" -c "$STATE/paraphe.conf")

# --- the founding ceremony (command line) -------------------------------
OUT=$("${STAFF[@]}" bootstrap --name "Forbidden Mix" --cert "$PKI/staff/operator.crt" \
	--role security_manager --role operator --present "Witness" 2>&1)
check "the ceremony refuses a security manager who is also an operator (ROLE-2)" \
	grep -q "cannot also be an operator" <<<"$OUT"
OUT=$("${STAFF[@]}" bootstrap --name "No Witness" --cert "$PKI/staff/security-manager.crt" 2>&1)
check "the ceremony needs the persons present (usage otherwise)" grep -q usage <<<"$OUT"
OUT=$("${STAFF[@]}" bootstrap --name "Rogue" --cert "$PKI/rogue/rogue-client.crt" --present W 2>&1 || true)
check "the ceremony refuses a certificate that is not from the staff CA" \
	grep -q "not a valid certificate of the staff CA" <<<"$OUT"

admin_up
ok "founding ceremony for two security managers, then five accounts proposed and approved in the console"
check "the ceremony recorded the persons present" audit_has account.create success '"present":["Test witness"]'
OUT=$("${STAFF[@]}" bootstrap --name "Third" --cert "$PKI/staff/controller.crt" --present W 2>&1 || true)
check "with two security managers the ceremony refuses: every change is dual-controlled" \
	grep -q "already has 2 active security managers" <<<"$OUT"
check "paraphe-staff list shows the seven accounts with their second factor" \
	test "$("${STAFF[@]}" list | grep -c $'\t2fa\t')" = 7

# --- the database refuses ROLE-2 whatever writes the row -----------------
OPID=$(SQL "$ADB" "SELECT id FROM staff WHERE name = 'Test operator'")
SMID=$(SQL "$ADB" "SELECT id FROM staff WHERE name = 'Test security-manager'")
CTID=$(SQL "$ADB" "SELECT id FROM staff WHERE name = 'Test controller'")
AMID=$(SQL "$ADB" "SELECT id FROM staff WHERE name = 'Test application-manager'")
for pair in "$OPID security_manager" "$OPID system_engineer" "$CTID operator" "$SMID controller"; do
	set -- $pair
	OUT=$(SQL "$ADB" "INSERT INTO staff_roles VALUES ('$1', '$2', 0, 'test')" 2>&1 || true)
	check "the database refuses $2 for $(SQL "$ADB" "SELECT name FROM staff WHERE id = '$1'") (trigger)" \
		grep -q "ROLE-2" <<<"$OUT"
done
OUT=$(SQL "$ADB" "UPDATE staff_roles SET role = 'controller' WHERE staff = '$OPID'" 2>&1 || true)
check "a role row is never changed in place" grep -q "never changed" <<<"$OUT"
OUT=$(SQL "$ADB" "UPDATE proposals SET decider = proposer WHERE rowid = 1" 2>&1 || true)
check "the database refuses a proposal decided by its proposer" grep -qi "constraint\|final" <<<"$OUT"

# --- ... and the console at once -----------------------------------------
apost security-manager /proposals/new/role.grant "staff=$OPID" role=security_manager
expect "the console refuses proposing security manager for an operator (ROLE-2)" 400 "cannot also be an operator"
apost security-manager /proposals/new/role.grant "staff=$CTID" role=share_holder
expect "... and any second role for the controller" 400 "controller cannot hold any other role"

# --- sessions ---------------------------------------------------------------
ahttp operator POST /login --data-urlencode "csrf=x" --data-urlencode "code=000000"
expect "a login form without its CSRF token is refused" 403 "out of date"
http GET "$CON/"
expect "no client certificate: no console" 401
ahttp security-manager GET /login
PRE=$(admin_field)
SECRET=$(cat "$STATE/admin/security-manager.totp")
CODE6=$("$top_builddir/tests/tools/pp-test-totp" "$SECRET" 1)
ahttp security-manager POST /login --data-urlencode "csrf=$PRE" --data-urlencode "code=$CODE6"
expect "login with the certificate and a fresh code" 303
check "the session cookie is __Host-, HttpOnly, Secure, SameSite=Strict, a browser-session cookie" \
	grep -qiE '^set-cookie: __Host-paraphe-admin=[0-9a-f]{32}; Path=/; Secure; HttpOnly; SameSite=Strict'$'\r'?'$' <<<"$HEADERS"
COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: __Host-paraphe-admin=\([0-9a-f]*\);.*/\1/p' <<<"$HEADERS" | head -n1)
ahttp security-manager GET /
admin_field >"$STATE/admin/security-manager.csrf"
ahttp security-manager GET /login
ahttp security-manager POST /login --data-urlencode "csrf=$(admin_field)" --data-urlencode "code=$CODE6"
expect "the same code again is refused (a time step is spent once)" 400 "already used"
check "... and recorded as a login failure" audit_has role.login_failure failure "already used"
http GET "$CON/" --cert "$PKI/staff/controller.crt" --key "$PKI/staff/controller.key" -H "Cookie: __Host-paraphe-admin=$COOKIE"
check "a stolen session cookie with another staff certificate opens nothing (bound to the certificate)" \
	bash -c '[ "$1" = 303 ] && grep -qi "^location: /login" <<<"$2"' _ "$CODE" "$HEADERS"
ahttp security-manager POST /proposals/new/params.set --data-urlencode "csrf=00000000000000000000000000000000" \
	--data-urlencode param=burst_threshold --data-urlencode value=7
expect "a console form with a wrong CSRF token is refused" 403 "out of date"
ahttp security-manager POST /proposals/new/params.set --data-urlencode param=burst_threshold --data-urlencode value=7
expect "... and without one (the dispatcher's CSRF check, before the fields)" 403 "out of date"

# --- the permission matrix, walked whole -----------------------------------
# For every route and every member: a member whose roles do not allow the
# route's action gets 403 (and an access.denied record); one whose roles
# allow it never gets 403 from the matrix nor a server error (a page may
# still say 400 or 404 for the dummy values).
ROUTES=$("$top_builddir/admin/paraphe-admin" --routes)
denied_before=$(SQL "$STATE/db/audit.db" "SELECT count(*) FROM records WHERE type = 'access.denied'")
bad="" cells=0 denials=0
while read -r method path action roles; do
	[ "$action" = public ] && continue
	[ "$path" = /logout ] && continue
	p=${path//\{id\}/0123456789abcdef0123456789abcdef}
	for who in $ADMIN_CERTS; do
		role=$(admin_role_of "$who")
		if [ "$method" = POST ]; then apost "$who" "$p"; else ahttp "$who" GET "$p"; fi
		cells=$((cells + 1))
		if [[ "+$roles+" == *"+$role+"* ]]; then
			[ "$CODE" = 403 ] && [[ $BODY == *"do not allow this action"* ]] && bad+=" $who:$method:$path(403)"
			# Allowed: the page renders (its template ships), whatever
			# the dummy values make it answer.
			[ "$CODE" -ge 500 ] && bad+=" $who:$method:$path($CODE)"
		else
			[ "$CODE" = 403 ] || bad+=" $who:$method:$path($CODE)"
			denials=$((denials + 1))
		fi
	done
done <<<"$ROUTES"
if [ -z "$bad" ]; then ok "permission matrix: $cells route x member cells as docs/CONSOLE.md says"
else not_ok "permission matrix" "wrong:$bad"; fi
denied_after=$(SQL "$STATE/db/audit.db" "SELECT count(*) FROM records WHERE type = 'access.denied'")
check "every refusal of the matrix is recorded (access.denied: $denials)" test $((denied_after - denied_before)) -eq "$denials"
check "the routes checked include every page of the console" test "$(wc -l <<<"$ROUTES")" -ge 40

# --- lockout: three wrong codes lock the account ----------------------------
for i in 1 2; do
	ahttp share-holder GET /login
	ahttp share-holder POST /login --data-urlencode "csrf=$(admin_field)" --data-urlencode "code=000000"
done
expect "a wrong code says how many attempts are left" 400 "1 attempt(s) left"
ahttp share-holder GET /login
ahttp share-holder POST /login --data-urlencode "csrf=$(admin_field)" --data-urlencode "code=000000"
expect "the third wrong code locks the account" 403 "locked"
SHSECRET=$(cat "$STATE/admin/share-holder.totp")
ahttp share-holder GET /login
ahttp share-holder POST /login --data-urlencode "csrf=$(admin_field)" \
	--data-urlencode "code=$("$top_builddir/tests/tools/pp-test-totp" "$SHSECRET")"
expect "a locked account refuses even the right code" 403 "locked"
check "the lockout is recorded" audit_has role.login_failure failure "now locked"

# --- dual control -------------------------------------------------------------
ID=$(admin_propose security-manager params.set param=burst_threshold value=9)
check "a proposal is recorded as dual.propose" audit_has dual.propose success "$ID"
admin_approve security-manager "$ID"
expect "the proposer cannot approve their own proposal" 403 "different person"
check "... refusal recorded" audit_has dual.decide failure "different person"
ahttp security-manager-2 GET "/proposals/$ID"
expect "the other security manager sees the approve button" 200 'id="approve"'
admin_approve security-manager-2 "$ID"
expect "the other security manager approves" 303
check "the parameter changed" test "$(SQL "$ADB" "SELECT value FROM params WHERE name = 'burst_threshold'")" = 9
check "the change is recorded with approver and proposer" audit_has audit.param_change success "\"requester\":\"$SMID\""
admin_approve security-manager-2 "$ID"
expect "replaying the approval form is refused: a decision is taken once" 409 "already approved"
ID2=$(admin_propose security-manager params.set param=working_hours value=25:00-26:00 2>/dev/null || true)
check "an invalid parameter value is refused at the proposal" test -z "$ID2"

# The same person with two roles: the application manager is also given
# the operator role; proposing a bulk key destruction as operator, they
# cannot approve it as operator either.
ID=$(admin_propose security-manager role.grant "staff=$AMID" role=operator)
admin_approve security-manager-2 "$ID"
expect "granting the operator role to the application manager (allowed by ROLE-2)" 303
admin_login application-manager
ahttp application-manager GET /
expect "the member now holds both roles" 200 "application_manager+operator"
ID=$(admin_propose application-manager keys.destroy key_type=rsa4096 "reason=test of dual control")
admin_approve application-manager "$ID"
expect "a person holding two approving roles still cannot approve their own proposal" 403 "different person"
admin_approve controller "$ID"
expect "the controller cannot approve anything (matrix)" 403
check "the proposal is still pending" test "$(SQL "$ADB" "SELECT status FROM proposals WHERE id = '$ID'")" = pending
# Expiry: the proposal's time is moved into the past, as if a day had gone.
SQL "$ADB" "UPDATE proposals SET expires_ms = 1 WHERE id = '$ID'"
ahttp security-manager GET /proposals
admin_approve operator "$ID"
expect "an expired proposal cannot be approved" 409 "expired"
check "the expiry is recorded" audit_has dual.decide failure "expired without approval"

# Revoking a role ends the member's sessions at once (ROLE-4).
ID=$(admin_propose security-manager role.revoke "staff=$AMID" role=operator)
admin_approve security-manager-2 "$ID"
expect "revoking the operator role" 303
ahttp application-manager GET /
check "the member's session ended with the revocation" test "$CODE" = 303
check "the role revocation is recorded" audit_has role.revoke success "$AMID"

# --- logout and the inactivity timeout --------------------------------------
apost system-engineer /logout
check "logout answers with the login page" bash -c '[ "$1" = 303 ] && grep -qi "^location: /login?why=logout" <<<"$2"' _ "$CODE" "$HEADERS"
ahttp system-engineer GET /status
check "after logout the session is gone" test "$CODE" = 303
check "the logout is recorded" audit_has role.logout success '"cause":"logout"'
admin_login controller
sleep 31
ahttp controller GET /staff
check "after 30 s without a request the session ends" \
	bash -c '[ "$1" = 303 ] && grep -qi "^location: /login?why=timeout" <<<"$2"' _ "$CODE" "$HEADERS"
ahttp controller GET /login?why=timeout
expect "the login page says why" 200 "without activity"
check "the timeout is recorded" audit_has role.logout success "timeout"
check "every login is recorded" test "$(SQL "$STATE/db/audit.db" "SELECT count(*) FROM records WHERE type = 'role.login'")" -ge 8

pp_finish
