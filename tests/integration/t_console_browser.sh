#!/usr/bin/env bash
# The staff console (issue #6) in a real browser: headless Chromium over
# WebDriver (webdriver.sh), through the real nginx console listener, the
# paraphe-admin plugin and the SAM.  Headless Chromium cannot present a
# client certificate, so each staff member's browser goes through a loopback
# TLS proxy that presents theirs (one proxy and one fresh browser, with its
# own cookies, per member in turn).
#
# Two members, the second security manager and the controller, set up their
# second factor in the browser (the secret read off the page, the QR image
# shown); the others are enrolled by admin_up with curl.  Then every member,
# on a 360 px phone screen:
#   logs in with the keyboard only (the code field has the focus, the code
#   typed, Enter); the home page names them and their roles and fits;
#   the first Tab reaches the skip link, the nav links are in the tab order;
#   every nav link, followed with Enter, answers a console page with an
#   <h1> (a screenshot of each);
#   no page has a script, an event handler or a javascript: link, every
#   button is in a form with a method and an action;
#   a page outside their roles shows the 403 page;
#   logging out ends the session (the next page is the login page).
# Links and buttons are used with the keyboard (Enter on them).  The
# controller's browser runs with JavaScript disabled throughout (checked
# with a page whose script would change it).  And dual control across two
# browsers: the security manager proposes granting a role on /staff, the
# second security manager approves it from /proposals.  Screenshots are
# kept in the test's directory and in $SCREENSHOT_DIR (console-*.png).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webdriver.sh"

pp_up
SHOT_PREFIX=console
wd_up
TOTP=$top_builddir/tests/tools/pp-test-totp
# The controller's browser: JavaScript off in Chromium's preferences.
NOJS='{"prefs": {"webkit": {"webprefs": {"javascript_enabled": false}}}}'
# The console pages a member may be denied (admin.c's navigation, less
# home and proposals which everyone sees).
GUARDED="/staff /clients /signatories /status /audit /manual /archive"

# browse_as CERT: a fresh browser (JavaScript off for the controller) behind a
# fresh proxy presenting CERT's certificate to the console listener.
browse_as() {
	end_session
	proxy_down
	proxy_up "$PKI/staff/$1.crt" "$PKI/staff/$1.key" "${CON##*:}" ||
		{ echo "Bail out! the proxy for $1 does not answer"; exit 99; }
	if [ "$1" = controller ]; then new_session "$1-$RANDOM" "$NOJS"; else new_session "$1-$RANDOM"; fi
	[ -n "$SID" ] || { echo "Bail out! no browser session for $1: $WDV"; exit 99; }
}

# plain_page WHAT: the page source has no script element, no event handler
# attribute, no javascript: link, and every button is in a form with a
# method and an action.
plain_page() {
	local why
	why=$(source_of | perl -0777 -ne '
		my @w;
		push @w, "a script element" if /<script/i;
		push @w, "an event handler attribute" if /<[^>]*\son[a-z]+\s*=/i;
		push @w, "a javascript: link" if /javascript:/i;
		for my $f (/<form\b[^>]*>/gi) {
			push @w, "a form without method or action: $f"
				unless $f =~ /\smethod="(post|get)"/i && $f =~ /\saction="[^"]+"/i;
		}
		s/<form\b.*?<\/form>//gis;
		push @w, "a button outside a form" if /<button/i;
		print join("; ", @w);')
	if [ -z "$why" ]; then ok "$1: no script, plain forms"; else not_ok "$1: no script, plain forms" "$why"; fi
}

# code_for CERT STEPS: the member's current code (their authenticator app).
code_for() { "$TOTP" "$(cat "$STATE/admin/$1.totp")" "$2"; }

# browser_login CERT: the login page, the code typed where the focus is
# and Enter.  A code is accepted once per time step: after an earlier login
# in this step, the next step's (accepted one step early); after two, the
# next step.  0 when the browser reaches the home page.
browser_login() {
	local try
	go "$PROXY/login"
	for try in 0 1 2; do
		if [ "$try" = 2 ]; then
			echo "# $1: both codes spent, waiting for the next time step"
			sleep $((30 - $(date +%s) % 30)).2
		fi
		[ "$(active id)" = code ] || { echo "# the focus is on '$(active id)', not the code field"; return 1; }
		keys "$(code_for "$1" $((try > 0)))"$'\uE007'
		[ "$(url)" = "$PROXY/" ] && return 0
	done
	echo "# $1 still on $(url): $(text_of '#login-error')"
	return 1
}

# first_login CERT (admin_up's ADMIN_FIRST_LOGIN): the second security
# manager and the controller set up their second factor in the browser
# with the keyboard; then a curl session as admin_login leaves, which
# admin_up needs for the approvals.
first_login() {
	case $1 in security-manager-2 | controller) ;; *) admin_login "$1"; return ;; esac
	local who=$1 order
	browse_as "$who"
	go "$PROXY/login"
	page_has "$who: the first login shows the enrolment page" "Set up your second factor"
	wd POST "/session/$SID/execute/sync" '{"script":"return document.getElementById(\"qr\").naturalWidth","args":[]}'
	check "$who: ... with the QR code image loaded (width $WDV)" test "$WDV" -gt 0 2>/dev/null
	text_of "#totp-secret" >"$STATE/admin/$who.totp"
	check "$who: ... and the secret to type by hand" grep -qE '^[A-Z2-7]{16,}=*$' "$STATE/admin/$who.totp"
	shot "$who-enrol"
	plain_page "$who: the enrolment page"
	order=$(tabs 2 id)
	check "$who: Tab reaches the skip link, then the code field ($order)" test "$order" = "skip code "
	keys "$(code_for "$who" 0)"$'\uE007'
	check "$who: the code and Enter confirm the second factor and open the home page" \
		test "$(url)" = "$PROXY/"
	page_has "$who: ... which names them" "Test $who"
	shot "$who-enrolled"
	end_session
	admin_login "$who"
}

# --- the accounts: admin_up, with two first logins in the browser.
ADMIN_FIRST_LOGIN=first_login admin_up
ok "seven accounts; two second factors set up in the browser"

# pass CERT: the member's visit (see the header).
pass() {
	local who=$1 role order nav href name e
	role=$(admin_role_of "$who")
	echo "# $who's visit at $(date +%T)"
	browse_as "$who"
	if [ "$who" = controller ]; then
		go 'data:text/html,<p id="probe">static</p><script>document.getElementById("probe").textContent="scripted"</script>'
		check "controller: the browser runs no script" test "$(text_of '#probe')" = static
	fi
	check "$who: logs in in the browser, by the keyboard" browser_login "$who"
	check "$who: the home page names them" test "$(text_of '#staff-name')" = "Test $who"
	check "$who: ... and their roles" test "$(text_of '#home-roles')" = "$role"
	fits "$who: the home page"
	plain_page "$who: the home page"
	mapfile -t nav < <(attrs "nav.console-nav a" href)
	check "$who: the nav has home and proposals (${nav[*]})" test "${nav[0]:-}" = / -a "${nav[1]:-}" = /proposals
	order=$(tabs $((2 + ${#nav[@]})) href)
	check "$who: the first Tab reaches the skip link ($order)" test "${order%% *}" = "#main"
	check "$who: ... then the logout button and every nav link in order" test "$order" = "#main - ${nav[*]} "
	for href in "${nav[@]}"; do
		name=${href#/}
		name=${name:-home}
		go "$PROXY/"
		press "nav.console-nav a[href=\"$href\"]"
		check "$who: the nav link to $href leads there" test "$(url)" = "$PROXY$href"
		e=$(source_of)
		if [[ $e == *"<h1"* && $e != *'class="error"'* && $e == *'aria-current="page">'* ]]; then
			ok "$who: $href is a console page with an <h1>, marked current in the nav"
		else
			not_ok "$who: $href is a console page with an <h1>, marked current in the nav" "$(head -c 600 <<<"$e")"
		fi
		plain_page "$who: $href"
		shot "$who-$name"
		# Every console page fits a phone: wide tables scroll inside
		# their own box.
		fits "$who: $href"
	done
	for href in $GUARDED; do [[ " ${nav[*]} " != *" $href "* ]] && break; done
	go "$PROXY$href"
	page_has "$who: $href, outside their roles, shows the 403 page" "Error 403"
	page_has "$who: ... which says why" "do not allow this action"
	shot "$who-403"
	[ "$who" = security-manager ] && propose
	[ "$who" = security-manager-2 ] && approve
	go "$PROXY/"
	press "#logout"
	check "$who: logout leads to the login page" test "$(url)" = "$PROXY/login?why=logout"
	page_has "$who: ... which says so" 'id="logged-out"'
	go "$PROXY/proposals"
	check "$who: after logout a console page leads to the login page" test "$(url)" = "$PROXY/login"
	page_has "$who: ... with the code form" 'id="login"'
	shot "$who-logout"
}

# Dual control: the security manager proposes granting the operator the
# share holder role (the form on /staff) ...
propose() {
	go "$PROXY/staff"
	click "//select[@id='rg-staff']/option[.='Test operator']"
	click "#rg-role option[value=share_holder]"
	press "#propose-grant"
	PROPOSAL=$(url)
	check "dual control: the proposal has its page ($PROPOSAL)" grep -qE "^$PROXY/proposals/[0-9a-f]{32}\$" <<<"$PROPOSAL"
	check "... pending" test "$(text_of '#proposal-status')" = pending
	page_has "... which its author cannot decide" 'id="own-proposal"'
	shot "security-manager-proposed"
}
# ... and the second security manager approves it in their browser.
approve() {
	go "$PROXY/"
	press "nav.console-nav a[href=\"/proposals\"]"
	press "#pending a[href=\"${PROPOSAL#"$PROXY"}\"]"
	check "dual control: the second security manager opens it from the queue" test "$(url)" = "$PROPOSAL"
	shot "security-manager-2-proposal"
	press "#approve"
	check "... approves it" test "$(url)" = "$PROPOSAL"
	check "... and the page shows it approved" test "$(text_of '#proposal-status')" = approved
	page_has "... by them" "Test security-manager-2"
	shot "security-manager-2-approved"
	go "$PROXY/staff"
	check "... and the operator holds both roles" \
		grep -qE "^operator[ +,]+share_holder$" <<<"$(text_of "//table[@id='staff']//tr[th='Test operator']/td[1]")"
}

PROPOSAL=""
# The second security manager last: the approval needs the proposal, and
# their browser enrolment and curl login spent the steps of their codes.
for who in security-manager application-manager system-engineer operator share-holder controller security-manager-2; do
	pass "$who"
done
end_session
pp_finish
