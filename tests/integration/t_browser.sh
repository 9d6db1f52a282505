#!/usr/bin/env bash
# The signer landing page and the error page in a real browser (headless
# Chromium) through the real nginx: the page renders, the stylesheet loads
# under the strict CSP, the language switch works, and it fits a phone.
. "$(dirname "$0")/lib.sh"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "Bail out! chromium is not installed (./quickstart test installs it)"
	exit 99
fi
pp_up

browse() {	# browse OUT-PREFIX URL [extra flags]: DOM to OUT.html
	local out=$1 url=$2
	shift 2
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-quic --user-data-dir="$PP_TMP/chrome-$RANDOM" --ignore-certificate-errors \
		"$@" "$url" >"$out.out" 2>"$out.err"
}

browse "$PP_TMP/en" "$PUB/" --dump-dom
cp "$PP_TMP/en.out" "$PP_TMP/en.html"
check "landing page renders in the browser" grep -q '<h1>Sign documents' "$PP_TMP/en.html"
check "the page declares its language" grep -q '<html lang="en">' "$PP_TMP/en.html"
check "skip link for keyboard users" grep -q 'href="#main"' "$PP_TMP/en.html"

browse "$PP_TMP/fr" "$PUB/?lang=fr" --dump-dom
check "French page through the language switch" grep -q 'Signez vos documents' "$PP_TMP/fr.out"

browse "$PP_TMP/shot" "$PUB/" --window-size=360,740 --screenshot="$PP_TMP/phone.png" --hide-scrollbars
check "phone-size screenshot taken" test -s "$PP_TMP/phone.png"
check "the stylesheet was loaded by the browser under the CSP" \
	grep -q 'GET /static/paraphe.css HTTP/1.1" 200' "$STATE/log/nginx-access.log"
check "the browser reported no CSP violation" bash -c "! grep -qi 'content security policy' '$PP_TMP'/*.err"

browse "$PP_TMP/err" "$PUB/?lang=xx" --dump-dom
check "a bad request shows a readable error page" grep -q 'role="alert"' "$PP_TMP/err.out"
[ -n "${SCREENSHOT_DIR:-}" ] && cp "$PP_TMP/phone.png" "$SCREENSHOT_DIR/" || true
pp_finish
