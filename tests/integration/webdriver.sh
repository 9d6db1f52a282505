# WebDriver helpers for the browser tests: headless Chromium driven over the
# W3C WebDriver protocol (chromedriver, spoken to with curl and jq), and the
# loopback TLS proxy (socat) that presents a client certificate for the
# browser, which headless cannot (it picks none without a managed policy),
# as a smart-card middleware would.  Sourced after lib.sh; call wd_up after
# pp_start (it sets the EXIT trap that stops everything with the instance).
#
# One browser session at a time: SID; the last command's "value" in WDV.
# Screenshots go to $SHOTS and, when SCREENSHOT_DIR is set, to
# $SCREENSHOT_DIR/$SHOT_PREFIX-NAME.png.

chromium=$(command -v chromium || command -v chromium-browser || true)
driver=$(command -v chromedriver || true)
if [ -z "$chromium" ] || [ -z "$driver" ] || ! command -v socat >/dev/null; then
	echo "Bail out! chromium, chromium-driver and socat are not installed (./quickstart test installs them)"
	exit 99
fi
ELEM=element-6066-11e4-a52e-4f735466cecf
WD_J=(-H 'Content-Type: application/json')
SID=""
PROXY_PID=""
WD_PID=""
: "${SHOT_PREFIX:=browser}"

# free_port FROM: the first port from FROM on that nothing listens on.
free_port() {
	local p=$1
	while ss -Htan 2>/dev/null | awk '{print $4}' | grep -q ":$p\$"; do p=$((p + 1)); done
	echo "$p"
}

# wd_up: chromedriver on a free port, stopped (by its PID) with the instance.
wd_up() {
	SHOTS=$PP_TMP/screenshots
	mkdir -p "$SHOTS"
	WD_PORT=$(free_port $((BASE + 5)))
	"$driver" --port="$WD_PORT" >"$PP_TMP/chromedriver.log" 2>&1 &
	WD_PID=$!
	WD=http://127.0.0.1:$WD_PORT
	trap wd_down EXIT
	wait_for 20 curl -sf "$WD/status" -o /dev/null || { echo "Bail out! chromedriver did not start"; exit 99; }
}
wd_down() {
	end_session
	proxy_down
	if [ -n "$WD_PID" ]; then
		kill "$WD_PID" 2>/dev/null
		wait "$WD_PID" 2>/dev/null
	fi
	pp_down
}

# wd METHOD PATH [JSON]: one WebDriver command; sets WDV to its "value".
wd() {
	local out data=()
	[ $# -ge 3 ] && data=(--data-binary "$3")
	out=$(curl -s --max-time 60 -X "$1" "$WD$2" "${WD_J[@]}" "${data[@]}") || out='{"value":{"error":"curl"}}'
	WDV=$(jq -c '.value' <<<"$out")
}
# new_session NAME [CHROME-OPTIONS-JSON]: a fresh browser (its own profile,
# so no cookie is shared) on a 360 px phone screen; the JSON object is
# merged into goog:chromeOptions (e.g. prefs).  Sets SID.
new_session() {
	local caps more=${2:-'{}'}
	caps=$(jq -nc --arg bin "$chromium" --arg dir "$PP_TMP/chrome-$1" --argjson more "$more" '{capabilities: {alwaysMatch: {
		browserName: "chrome", acceptInsecureCerts: true,
		"goog:chromeOptions": ({binary: $bin, args: ["--headless", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-quic", "--ignore-certificate-errors", ("--user-data-dir=" + $dir),
		"--lang=en-GB"],
		mobileEmulation: {deviceMetrics: {width: 360, height: 740, pixelRatio: 2}}} + $more)}}}')
	wd POST /session "$caps"
	SID=$(jq -r '.sessionId // empty' <<<"$WDV")
}
end_session() {
	[ -n "$SID" ] && curl -s -X DELETE "$WD/session/$SID" >/dev/null 2>&1
	SID=""
}
go() { wd POST "/session/$SID/url" "$(jq -nc --arg u "$1" '{url: $u}')"; }
url() { wd GET "/session/$SID/url"; jq -r . <<<"$WDV"; }
source_of() { wd GET "/session/$SID/source"; jq -r . <<<"$WDV"; }
# find SELECTOR: the element reference of the first match ("" for none); a
# selector starting with / is an XPath (to find by text), else CSS.
find() { wd POST "/session/$SID/element" "$(wd_using "$1")"; jq -r ".\"$ELEM\" // empty" <<<"$WDV"; }
# find_all SELECTOR: the element references of every match, one a line.
find_all() { wd POST "/session/$SID/elements" "$(wd_using "$1")"; jq -r ".[]?.\"$ELEM\" // empty" <<<"$WDV"; }
wd_using() { jq -nc --arg s "$1" '{using: (if ($s | startswith("/")) then "xpath" else "css selector" end), value: $s}'; }
click() { local e; e=$(find "$1"); [ -n "$e" ] && wd POST "/session/$SID/element/$e/click" '{}'; [ -n "$e" ]; }
# press SELECTOR: Enter on the element (focused first): follows a link,
# submits a button's form.  Unlike click, it works with JavaScript off.
press() { type_in "$1" $'\uE007'; }
type_in() { local e; e=$(find "$1"); [ -n "$e" ] && wd POST "/session/$SID/element/$e/value" "$(jq -nc --arg t "$2" '{text: $t}')"; [ -n "$e" ]; }
attr() { local e; e=$(find "$1"); wd GET "/session/$SID/element/$e/attribute/$2"; jq -r '. // empty' <<<"$WDV"; }
# attrs SELECTOR ATTR: that attribute of every match, one a line.
attrs() {
	local e
	for e in $(find_all "$1"); do
		wd GET "/session/$SID/element/$e/attribute/$2"
		jq -r '. // empty' <<<"$WDV"
	done
}
text_of() { local e; e=$(find "$1"); wd GET "/session/$SID/element/$e/text"; jq -r '. // empty' <<<"$WDV"; }
# keys TEXT: keys pressed on whatever has the focus (W3C actions; "\uE004"
# is Tab, "\uE007" Enter).
keys() {
	wd POST "/session/$SID/actions" "$(jq -nc --arg t "$1" '{actions: [{type: "key", id: "kb",
		actions: [$t | split("")[] | ({type: "keyDown", value: .}, {type: "keyUp", value: .})]}]}')"
}
# active ATTR: that attribute of the element that has the focus ("-": none).
active() {
	local e
	wd GET "/session/$SID/element/active"
	e=$(jq -r ".\"$ELEM\" // empty" <<<"$WDV")
	wd GET "/session/$SID/element/$e/attribute/$1"
	jq -r '. // "-"' <<<"$WDV"
}
# shot NAME: a screenshot of the page as it is.
shot() {
	wd GET "/session/$SID/screenshot"
	jq -r . <<<"$WDV" | base64 -d >"$SHOTS/$1.png" 2>/dev/null
	[ -n "${SCREENSHOT_DIR:-}" ] && cp "$SHOTS/$1.png" "$SCREENSHOT_DIR/$SHOT_PREFIX-$1.png" 2>/dev/null
	check "screenshot: $1" test -s "$SHOTS/$1.png"
}
# page_width: the page's width in CSS pixels (read by the driver, the pages
# have no script).
page_width() {
	wd POST "/session/$SID/execute/sync" '{"script":"return document.documentElement.scrollWidth","args":[]}'
	echo "$WDV"
}
# fits WHAT: the page is no wider than the 360 px screen.
fits() {
	local w
	w=$(page_width)
	if [ "$w" -le 360 ] 2>/dev/null; then ok "$1 fits a 360 px screen"; else not_ok "$1 fits a 360 px screen" "width $w"; fi
}
# tabs N [ATTR]: the ids (or ATTR) of the elements the keyboard reaches
# with N presses of Tab.
tabs() {
	local _
	for _ in $(seq 1 "$1"); do
		keys $'\uE004'
		printf '%s ' "$(active "${2:-id}")"
	done
}
page_has() { if [[ $(source_of) == *"$2"* ]]; then ok "$1"; else not_ok "$1" "the page lacks '$2'"; fi; }

# proxy_up CERT KEY PORT: a TLS proxy on a free loopback port that presents
# CERT to the listener on PORT; sets PROXY (its https:// address).  One at a
# time: proxy_down stops it.
proxy_up() {
	local p
	if [ ! -f "$PP_TMP/proxy.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
			-keyout "$PP_TMP/proxy.key" -out "$PP_TMP/proxy.crt" 2>/dev/null
		cat "$PP_TMP/proxy.key" "$PP_TMP/proxy.crt" >"$PP_TMP/proxy.pem"
	fi
	p=$(free_port $((WD_PORT + 1)))
	socat "OPENSSL-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork,cert=$PP_TMP/proxy.pem,verify=0" \
		"OPENSSL:127.0.0.1:$3,cert=$1,key=$2,verify=0" 2>>"$PP_TMP/socat.log" &
	PROXY_PID=$!
	PROXY=https://127.0.0.1:$p
	wait_for 10 curl -sk "$PROXY/" -o /dev/null
}
proxy_down() {
	[ -n "$PROXY_PID" ] || return 0
	pkill -P "$PROXY_PID" 2>/dev/null
	kill "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=""
}
