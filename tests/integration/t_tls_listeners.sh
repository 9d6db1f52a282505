#!/usr/bin/env bash
# The three nginx listeners (public signer pages, SCA API with mutual TLS,
# staff console with mutual TLS) at the TLS level and their headers
# (issue #7, item 6):
#  - TLS 1.3 and 1.2 accepted; TLS 1.1, 1.0 and SSLv3 refused;
#  - TLS 1.2: every configured suite accepted, and nothing else: CBC
#    suites, RSA key exchange (no forward secrecy), DHE, 3DES, NULL,
#    EXPORT, RC4, CCM, Camellia, ARIA refused; TLS 1.3: the configured
#    suites accepted, the CCM ones refused.  Each refusal is checked first
#    against a permissive openssl s_server (the control): a suite the
#    client cannot negotiate anywhere proves nothing and is skipped;
#  - renegotiation refused, client-initiated over TLS 1.2, secure and
#    legacy;
#  - client certificates from the wrong CA refused with the documented
#    error on the SCA and console listeners (another CA made here, a
#    self-signed certificate, an expired one, the SCA's on the console and
#    the staff's on the SCA API), and on the public listener (optional);
#  - the security headers on every kind of response of each listener: 200
#    pages, JSON, 3xx, the plugins' 4xx, nginx's own refusals (400, 404,
#    405, 413, 414, 401/403 certificate refused, 503 unavailable), static
#    files; Cache-Control: no-store on everything but static files; a
#    Content-Type that says what the body is.
#
# The instance gets an RSA certificate beside its ECDSA one (as an operator
# may deploy both): the configured ECDHE-RSA suites can then be negotiated,
# and the RSA key-exchange suites would be if the configuration allowed
# them, so their refusal means something.
. "$(dirname "$0")/lib.sh"
pp_init

T=$PP_TMP/tls
mkdir -p "$T"
CTRL_PID=""
cleanup() { [ -n "$CTRL_PID" ] && kill "$CTRL_PID" 2>/dev/null; pp_down; }
trap cleanup EXIT

# --- certificates made for the test ------------------------------------------
# An RSA server certificate from the TLS CA (key encipherment too, so that
# RSA key exchange is possible with it).
cat >"$T/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
EOF
cat >"$T/client.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
cat >"$T/ca.ext" <<EOF
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
EOF
q() { "$@" >>"$T/openssl.log" 2>&1; }
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key"
q openssl req -new -key "$T/rsa.key" -subj /CN=localhost -out "$T/rsa.csr"
q openssl x509 -req -in "$T/rsa.csr" -CA "$PKI/tls-ca.crt" -CAkey "$PKI/tls-ca.key" -CAcreateserial \
	-days 30 -extfile "$T/server.ext" -out "$T/rsa.crt"
cat "$T/rsa.crt" "$PKI/tls-ca.crt" >"$T/rsa-fullchain.pem"
# nginx reads it as the service's user, as it reads the ECDSA key.
chmod 0755 "$T"
chmod 0644 "$T/rsa-fullchain.pem"
chown --reference="$PKI/server/localhost.key" "$T/rsa.key"
chmod --reference="$PKI/server/localhost.key" "$T/rsa.key"
# Another CA, unknown to the service, and a client certificate from it
# bearing the demo SCA's subject; a self-signed one with the same subject.
SCA_SUBJ=$(openssl x509 -in "$PKI/sca/sca-demo.crt" -noout -subject -nameopt compat | sed 's/^subject=//')
STAFF_SUBJ=$(openssl x509 -in "$PKI/staff/operator.crt" -noout -subject -nameopt compat | sed 's/^subject=//')
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/other-ca.key" \
	-subj "/O=Other/CN=Other Test CA" -days 30 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign -out "$T/other-ca.crt"
mkclient() { # NAME SUBJECT: a client certificate from the other CA
	q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/$1.key" \
		-subj "$2" -out "$T/$1.csr"
	q openssl x509 -req -in "$T/$1.csr" -CA "$T/other-ca.crt" -CAkey "$T/other-ca.key" -CAcreateserial \
		-days 30 -extfile "$T/client.ext" -out "$T/$1.crt"
}
mkclient other-sca "$SCA_SUBJ"
mkclient other-staff "$STAFF_SUBJ"
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/self.key" \
	-subj "$SCA_SUBJ" -days 30 -addext extendedKeyUsage=clientAuth -out "$T/self.crt"
# An expired staff certificate from the staff CA itself (its only defect),
# with the demo PKI's own CA configuration.
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/staff-expired.key" \
	-subj "/C=FR/O=Paraphe Demo Staff/OU=operator/CN=Expired Operator" -out "$T/staff-expired.csr"
(cd "$PKI" && q openssl ca -batch -notext -config work/ca.cnf -name staff-ca -extfile work/extensions.cnf \
	-extensions client -in "$T/staff-expired.csr" -out "$T/staff-expired.crt" \
	-startdate 200101000000Z -enddate 201231235959Z)
for f in rsa.crt other-sca.crt other-staff.crt self.crt staff-expired.crt; do
	[ -s "$T/$f" ] || { cat "$T/openssl.log"; echo "Bail out! could not make $f"; exit 99; }
done

# The RSA certificate beside the ECDSA one, in the instance's nginx.conf.
NGX=$STATE/nginx/nginx.conf
sed -i "s|^\( *\)ssl_certificate_key \(.*\)/localhost.key;|&\n\1ssl_certificate $T/rsa-fullchain.pem;\n\1ssl_certificate_key $T/rsa.key;|" "$NGX"
check "the instance's nginx.conf has the RSA certificate beside the ECDSA one" \
	test "$(grep -c '^ *ssl_certificate ' "$NGX")" -eq 2
pp_start

PORTS=("$BASE" $((BASE + 1)) $((BASE + 2)))
NAMES=(public "SCA API" console)
URLS=("$PUB" "$SCA" "$CON")

# --- the control: a permissive TLS server with the same two certificates ----
CTRL_PORT=$(pp_pick_base) || CTRL_PORT=$((BASE + 7))
# (-www: it answers each request with a page and does not read stdin.)
openssl s_server -www -accept "127.0.0.1:$CTRL_PORT" -cert "$PKI/server/localhost.crt" -key "$PKI/server/localhost.key" \
	-cert_chain "$PKI/tls-ca.crt" -dcert "$T/rsa.crt" -dkey "$T/rsa.key" -dcert_chain "$PKI/tls-ca.crt" \
	-client_renegotiation -legacy_renegotiation -min_protocol TLSv1 -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' \
	-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256 \
	>/dev/null 2>"$T/ctrl.log" </dev/null &
CTRL_PID=$!
wait_for 10 bash -c "ss -Htln | grep -q ':$CTRL_PORT '" || true

# hs PORT [s_client args]: a handshake; prints "PROTOCOL CIPHER" when it
# completed, "-" when it was refused.
hs() {
	local port=$1 out
	shift
	out=$(timeout 10 openssl s_client -brief -connect "127.0.0.1:$port" -servername localhost -CAfile "$CA" "$@" </dev/null 2>&1)
	if [[ $out == *"CONNECTION ESTABLISHED"* ]]; then
		printf '%s %s\n' "$(sed -n 's/^Protocol version: //p' <<<"$out" | head -n 1)" \
			"$(sed -n 's/^Ciphersuite: //p' <<<"$out" | head -n 1)"
	else
		echo -
	fi
}
skip() { PP_PASS=$((PP_PASS + 1)); printf 'ok %d - %s # SKIP %s\n' $((PP_PASS + PP_FAIL)) "$1" "$2"; }
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', expected '$3'"; fi; }

# raw_hello PORT VERSION SUITES: a hand-made ClientHello (VERSION "0300" or
# "0303", SUITES the cipher suite codes in hex, e.g. "000a0005"), with the
# extensions an ECDSA server needs (P-256, uncompressed points, ECDSA and
# RSA-PSS SHA-256 signatures); prints the first 3 bytes of the answer in
# hex: "160303" is a ServerHello (accepted), "15...." an alert, "" closed.
# For what no client library here can offer any more (SSLv3, 3DES, RC4,
# EXPORT).
raw_hello() {
	local port=$1 ver=$2 suites=$3 ext body hs rec
	hexlen() { printf "%0${2}x" $(( ${#1} / 2 )); }
	ext=000a000400020017 # supported_groups: secp256r1
	ext+=000b00020100 # ec_point_formats: uncompressed
	ext+=000d0006000404030804 # signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
	body="$ver$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')00$(hexlen "$suites" 4)${suites}0100$(hexlen "$ext" 4)$ext"
	hs="01$(hexlen "$body" 6)$body"
	rec="160301$(hexlen "$hs" 4)$hs"
	# shellcheck disable=SC2016
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 || exit 1
		printf "$2" >&3
		timeout 5 head -c 3 <&3 | od -An -tx1 | tr -d " \n"' _ "$port" "$(sed 's/../\\x&/g' <<<"$rec")"
}

# --- protocol versions ------------------------------------------------------
LOW=(-cipher 'DEFAULT:@SECLEVEL=0')
for i in 0 1 2; do
	p=${PORTS[$i]} n=${NAMES[$i]}
	r=$(hs "$p" -tls1_3)
	is "$n: TLS 1.3 accepted" "${r%% *}" TLSv1.3
	r=$(hs "$p" -tls1_2)
	is "$n: TLS 1.2 accepted" "${r%% *}" TLSv1.2
	for v in tls1_1 tls1; do
		label="TLS 1.1"
		[ $v = tls1 ] && label="TLS 1.0"
		if [ "$(hs "$CTRL_PORT" -$v "${LOW[@]}")" = - ]; then
			skip "$n: $label refused" "this openssl client cannot speak $label at all"
			continue
		fi
		r=$(hs "$p" -$v "${LOW[@]}")
		is "$n: $label refused (the same client negotiates it with the control)" "$r" -
	done
	# SSLv3: no client here speaks it any more; a hand-made SSLv3
	# ClientHello (AES128-SHA, 3DES, ECDHE-ECDSA-AES128-SHA) must not get a
	# ServerHello back.
	first=$(raw_hello "$p" 0300 002f000ac009)
	if [ "${first:0:4}" = 1603 ]; then
		not_ok "$n: SSLv3 refused" "the server answered an SSLv3 ClientHello with a handshake ($first)"
	else
		ok "$n: SSLv3 refused (answer '${first:-closed}': an alert or nothing, never a ServerHello)"
	fi
done

# --- cipher suites ----------------------------------------------------------
CONFIGURED=$(sed -n 's/^ *ssl_ciphers \(.*\);/\1/p' "$NGX" | tr ':' ' ')
check "nginx.conf lists the TLS 1.2 suites" test -n "$CONFIGURED"
for s in $CONFIGURED; do
	for i in 0 1 2; do
		r=$(hs "${PORTS[$i]}" -tls1_2 -cipher "$s")
		is "${NAMES[$i]}: configured suite $s accepted over TLS 1.2" "$r" "TLSv1.2 $s"
	done
done
# What must never be negotiated, by family.
FORBIDDEN=(
	"AES128-SHA RSA key exchange (no forward secrecy), CBC"
	"AES256-SHA256 RSA key exchange, CBC"
	"AES128-GCM-SHA256 RSA key exchange, AEAD"
	"AES256-GCM-SHA384 RSA key exchange, AEAD"
	"ECDHE-ECDSA-AES128-SHA CBC (ECDHE, ECDSA)"
	"ECDHE-RSA-AES256-SHA384 CBC (ECDHE, RSA)"
	"ECDHE-ECDSA-AES256-SHA384 CBC with SHA-384"
	"DHE-RSA-AES128-GCM-SHA256 finite-field DHE"
	"DES-CBC3-SHA 3DES"
	"ECDHE-RSA-DES-CBC3-SHA 3DES with ECDHE"
	"ECDHE-ECDSA-NULL-SHA NULL encryption"
	"NULL-SHA256 NULL encryption, RSA"
	"EXP-RC4-MD5 EXPORT"
	"EXP-DES-CBC-SHA EXPORT"
	"RC4-SHA RC4"
	"ECDHE-ECDSA-AES128-CCM AES-CCM"
	"ECDHE-ECDSA-CAMELLIA128-SHA256 Camellia"
	"ECDHE-ECDSA-ARIA128-GCM-SHA256 ARIA"
	"AECDH-AES128-SHA anonymous ECDH"
)
for f in "${FORBIDDEN[@]}"; do
	s=${f%% *} why=${f#* }
	if ! openssl ciphers "$s:@SECLEVEL=0" >/dev/null 2>&1; then
		skip "$s ($why) refused" "this openssl client has no $s to offer (the hand-made ClientHellos below offer it)"
		continue
	fi
	if [ "$(hs "$CTRL_PORT" -tls1_2 -cipher "$s:@SECLEVEL=0")" != "TLSv1.2 $s" ]; then
		skip "$s ($why) refused" "the permissive control server does not negotiate it either"
		continue
	fi
	for i in 0 1 2; do
		r=$(hs "${PORTS[$i]}" -tls1_2 -cipher "$s:@SECLEVEL=0")
		is "${NAMES[$i]}: $s ($why) refused, though the control negotiates it" "$r" -
	done
done
# What this client library cannot offer any more, in hand-made TLS 1.2
# ClientHellos: the same hello with a configured suite is the control.
for i in 0 1 2; do
	r=$(raw_hello "${PORTS[$i]}" 0303 c02b)
	is "${NAMES[$i]}: control: a hand-made TLS 1.2 ClientHello with ECDHE-ECDSA-AES128-GCM-SHA256 gets a ServerHello" "$r" 160303
	for f in "000a DES-CBC3-SHA (3DES)" "c008 ECDHE-ECDSA-DES-CBC3-SHA (3DES)" "c012 ECDHE-RSA-DES-CBC3-SHA (3DES)" \
		"0005 RC4-SHA (RC4)" "c007 ECDHE-ECDSA-RC4-SHA (RC4)" "0003 EXP-RC4-MD5 (EXPORT)" "0008 EXP-DES40-CBC-SHA (EXPORT)" \
		"0014 EXP-EDH-RSA-DES40-CBC-SHA (EXPORT)" "0001 NULL-MD5 (NULL)" "c006 ECDHE-ECDSA-NULL-SHA (NULL)" \
		"0018 ADH-RC4-MD5 (anonymous)"; do
		r=$(raw_hello "${PORTS[$i]}" 0303 "${f%% *}")
		if [ "${r:0:4}" = 1603 ]; then
			not_ok "${NAMES[$i]}: ${f#* } refused in a hand-made ClientHello" "a handshake came back ($r)"
		else
			ok "${NAMES[$i]}: ${f#* } refused in a hand-made ClientHello (answer '${r:-closed}')"
		fi
	done
done
# TLS 1.3: the configured suites (ssl_conf_command Ciphersuites).
TLS13=$(sed -n 's/^ *ssl_conf_command Ciphersuites \(.*\);/\1/p' "$NGX" | tr ':' ' ')
check "nginx.conf sets the TLS 1.3 suites" test -n "$TLS13"
for s in $TLS13; do
	for i in 0 1 2; do
		r=$(hs "${PORTS[$i]}" -tls1_3 -ciphersuites "$s")
		is "${NAMES[$i]}: configured TLS 1.3 suite $s accepted" "$r" "TLSv1.3 $s"
	done
done
for s in TLS_AES_128_CCM_SHA256 TLS_AES_128_CCM_8_SHA256; do
	if [ "$(hs "$CTRL_PORT" -tls1_3 -ciphersuites "$s")" != "TLSv1.3 $s" ]; then
		skip "TLS 1.3 $s refused" "the permissive control server does not negotiate it either"
		continue
	fi
	for i in 0 1 2; do
		r=$(hs "${PORTS[$i]}" -tls1_3 -ciphersuites "$s")
		is "${NAMES[$i]}: TLS 1.3 $s refused, though the control negotiates it" "$r" -
	done
done

# --- renegotiation ------------------------------------------------------------
# reneg PORT [s_client args]: over TLS 1.2, the client asks to renegotiate
# ("R"), then sends a request.  Prints the number of ServerHello messages
# and whether an HTTP answer came back.
reneg() {
	local port=$1 out
	shift
	out=$( (sleep 1; echo R; sleep 1; printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'; sleep 3) |
		timeout 15 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$CA" -tls1_2 -msg "$@" 2>&1)
	printf '%s %s %s\n' "$(grep -c 'ServerHello$' <<<"$out")" "$(grep -cE '^HTTP/1\.[01] ' <<<"$out")" \
		"$(grep -q 'RENEGOTIATING' <<<"$out" && echo asked || echo not-asked)"
}
r=$(reneg "$CTRL_PORT")
if [ "$r" != "2 1 asked" ]; then
	skip "renegotiation refused" "the client could not renegotiate with the control server ($r)"
else
	ok "control: the client renegotiates with a server that allows it (a second ServerHello, then the answer)"
	CERTS=("" "-cert $PKI/sca/sca-demo.crt -key $PKI/sca/sca-demo.key" "-cert $PKI/staff/operator.crt -key $PKI/staff/operator.key")
	for i in 0 1 2; do
		# shellcheck disable=SC2086
		r=$(reneg "${PORTS[$i]}" ${CERTS[$i]})
		is "${NAMES[$i]}: client-initiated (secure) renegotiation refused: one ServerHello, no answer after it" "$r" "1 0 asked"
		# shellcheck disable=SC2086
		r=$(reneg "${PORTS[$i]}" -legacy_renegotiation ${CERTS[$i]})
		is "${NAMES[$i]}: legacy renegotiation refused" "$r" "1 0 asked"
	done
fi
kill "$CTRL_PID" 2>/dev/null
CTRL_PID=""

# --- client certificates ---------------------------------------------------
# want_refused DESC URL KIND CERT KEY: the documented refusal of the listener.
SCA_REFUSAL='"error":"invalid_client","error_description":"A valid client certificate issued by the SCA CA is required."'
refused() {
	local d=$1 url=$2 kind=$3
	shift 3
	http GET "$url" "$@"
	case $kind in
	sca) if [ "$CODE" = 401 ] && [[ $BODY == *"$SCA_REFUSAL"* ]] && grep -qi '^content-type: application/json' <<<"$HEADERS"; then
		ok "$d"; else not_ok "$d" "$CODE ${BODY:0:200}"; fi ;;
	console) expect "$d" 401 '<h1>Certificate required</h1>' ;;
	public) expect "$d" 403 '<h1>Certificate refused</h1>' ;;
	esac
}
C() { echo --cert "$T/$1.crt" --key "$T/$1.key"; }
# shellcheck disable=SC2046
{
refused "SCA API: a certificate from another CA (with the SCA's name) is refused" "$SCA/csc/v2/info" sca $(C other-sca)
refused "SCA API: a self-signed certificate (with the SCA's name) is refused" "$SCA/csc/v2/info" sca $(C self)
refused "SCA API: an expired SCA certificate is refused" "$SCA/csc/v2/info" sca --cert "$PKI/sca/sca-expired.crt" --key "$PKI/sca/sca-expired.key"
refused "SCA API: the staff certificate is refused" "$SCA/csc/v2/info" sca "${STAFF_CERT[@]}"
refused "SCA API: no certificate is refused" "$SCA/csc/v2/info" sca
refused "console: a certificate from another CA (with a staff member's name) is refused" "$CON/login" console $(C other-staff)
refused "console: a self-signed certificate is refused" "$CON/login" console $(C self)
refused "console: an expired staff certificate from the staff CA is refused" "$CON/login" console $(C staff-expired)
refused "console: the SCA certificate is refused" "$CON/login" console "${SCA_CERT[@]}"
refused "console: no certificate is refused" "$CON/login" console
refused "public: a certificate from another CA is refused (optional, but checked when sent)" "$PUB/" public $(C other-sca)
refused "public: a self-signed certificate is refused" "$PUB/" public $(C self)
}
http GET "$SCA/csc/v2/info" "${SCA_CERT[@]}"
expect "SCA API: the SCA certificate is accepted (the control of the refusals)" 200 '"specs"'
http GET "$CON/login" "${STAFF_CERT[@]}"
expect "console: the staff certificate passes nginx (the plugin names it: no account yet)" 403 'Demo Operator'
http GET "$PUB/" "${NOTARY_CERT[@]}"
expect "public: a notary certificate is accepted" 200 'Maître Demo Notary'

# --- security headers on every kind of response ------------------------------
# An authorisation request for a 303 of the signer pages, through the RA API.
J=(-H 'Content-Type: application/json')
http POST "$SCA/ra/v1/signatories" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	'{"id":"sig-tls","given_name":"Tess","surname":"Ell","country":"FR","serial_number":"IDCFR-4431","mobile":"+33612340001","evidence":"KYC"}'
http POST "$SCA/ra/v1/credentials" "${SCA_CERT[@]}" "${J[@]}" --data-binary '{"signatory":"sig-tls","key_type":"ec-p256"}'
CRED=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1)
H=$(printf tls | openssl dgst -sha256 -binary | base64)
http POST "$SCA/csc/v2/credentials/authorize" "${SCA_CERT[@]}" "${J[@]}" --data-binary \
	"{\"credentialID\":\"$CRED\",\"numSignatures\":1,\"hashAlgorithmOID\":\"2.16.840.1.101.3.4.2.1\",\"hashes\":[\"$H\"]}"
AUTHZ=$(sed -n 's/.*"authorizationID":"\([0-9a-f]*\)".*/\1/p' <<<"$BODY")
JAR=$PP_TMP/jar
http GET "$PUB/sign/$AUTHZ" -c "$JAR" -b "$JAR"
TOKEN=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' <<<"$BODY" | head -n 1)
check "an authorisation request to answer with a redirect" test -n "$TOKEN"

BIGHDR="X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"
LONGURI=/$(head -c 9000 /dev/zero | tr '\0' a)
BIGBODY=$PP_TMP/big
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' a >"$BIGBODY"
# headers DESC CACHE STATUS TYPE URL [curl args]: the response has STATUS,
# a Content-Type starting with TYPE, and every security header once;
# CACHE "store" for a static file, "no-store" for everything else.
headers() {
	local d=$1 cache=$2 status=$3 type=$4 url=$5 h miss="" n
	shift 5
	http GET "$url" "$@"
	[ "$CODE" = "$status" ] || { not_ok "$d: status $status" "got $CODE ${BODY:0:200}"; return; }
	for h in 'strict-transport-security: max-age=63072000' \
		"content-security-policy: default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'" \
		'x-content-type-options: nosniff' 'x-frame-options: DENY' 'referrer-policy: no-referrer' \
		'permissions-policy: camera=(), microphone=(), geolocation=(), payment=()' \
		'cross-origin-opener-policy: same-origin'; do
		n=$(grep -ciF -- "$h" <<<"$HEADERS")
		[ "$n" = 1 ] || miss="$miss [$h: $n times]"
	done
	n=$(grep -ci '^cache-control:' <<<"$HEADERS")
	if [ "$cache" = no-store ]; then
		grep -qi '^cache-control: no-store' <<<"$HEADERS" && [ "$n" = 1 ] || miss="$miss [cache-control: no-store, $n headers]"
	else
		[ "$n" = 0 ] || miss="$miss [static file with cache-control]"
	fi
	grep -qi "^content-type: $type" <<<"$HEADERS" || miss="$miss [content-type not $type: $(grep -i '^content-type' <<<"$HEADERS")]"
	grep -qi '^server: nginx/' <<<"$HEADERS" && miss="$miss [server version]"
	if [ -z "$miss" ]; then ok "$d ($status): every security header, $cache"; else not_ok "$d ($status)" "missing or wrong:$miss"; fi
}
HTML="text/html; charset=utf-8" JSON=application/json
# Public listener.
headers "public: landing page" no-store 200 "$HTML" "$PUB/"
headers "public: static stylesheet" store 200 text/css "$PUB/static/paraphe.css"
headers "public: static script (the demo SCA's)" store 200 'text/javascript' "$PUB/static/demo-sca.js"
headers "public: the signer's redirect after choosing a method" no-store 303 "$HTML" "$PUB/sign/$AUTHZ/method" \
	-b "$JAR" -c "$JAR" -X POST --data "method=sms&csrf=$TOKEN"
headers "public: the signer's 404 page" no-store 404 "$HTML" "$PUB/sign/not-an-id"
headers "public: nginx's 404 of a static file (an HTML page, whatever the extension)" no-store 404 "$HTML" "$PUB/static/nope.css"
headers "public: nginx's 405 on a static file" no-store 405 "$HTML" "$PUB/static/paraphe.css" -X POST -d x
headers "public: nginx's 413" no-store 413 "$HTML" "$PUB/" -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$BIGBODY"
headers "public: nginx's 400 (headers too large)" no-store 400 "$HTML" "$PUB/" -H "$BIGHDR"
headers "public: nginx's 414" no-store 414 "$HTML" "$PUB$LONGURI"
headers "public: certificate refused" no-store 403 "$HTML" "$PUB/static/paraphe.css" "${SCA_CERT[@]}"
# SCA API.
headers "SCA API: JSON answer" no-store 200 "$JSON" "$SCA/csc/v2/info" "${SCA_CERT[@]}"
headers "SCA API: the plugin's JSON 400" no-store 400 "$JSON" "$SCA/csc/v2/credentials/info" "${SCA_CERT[@]}" -X POST "${J[@]}" -d '{"credentialID":1}'
headers "SCA API: the plugin's JSON 404" no-store 404 "$JSON" "$SCA/csc/v2/nope" "${SCA_CERT[@]}"
headers "SCA API: nginx's 404 (JSON, whatever the extension)" no-store 404 "$JSON" "$SCA/nope.png" "${SCA_CERT[@]}"
headers "SCA API: certificate refused (JSON, whatever the extension)" no-store 401 "$JSON" "$SCA/csc/v2/x.css"
headers "SCA API: nginx's 413" no-store 413 "$JSON" "$SCA/csc/v2/info" "${SCA_CERT[@]}" -X POST "${J[@]}" --data-binary "@$BIGBODY"
headers "SCA API: nginx's 400 (headers too large)" no-store 400 "$JSON" "$SCA/csc/v2/info" "${SCA_CERT[@]}" -H "$BIGHDR"
headers "SCA API: nginx's 414" no-store 414 "$JSON" "$SCA$LONGURI" "${SCA_CERT[@]}"
# Console.
headers "console: the login redirect" no-store 303 "$HTML" "$CON/" "${STAFF_CERT[@]}"
headers "console: the page naming a certificate without an account" no-store 403 "$HTML" "$CON/login" "${STAFF_CERT[@]}"
headers "console: static stylesheet" store 200 text/css "$CON/static/paraphe.css" "${STAFF_CERT[@]}"
headers "console: the plugin's 404" no-store 404 "$HTML" "$CON/nope" "${STAFF_CERT[@]}"
headers "console: nginx's 404 of a static file" no-store 404 "$HTML" "$CON/static/nope.png" "${STAFF_CERT[@]}"
headers "console: nginx's 405 on a static file" no-store 405 "$HTML" "$CON/static/paraphe.css" "${STAFF_CERT[@]}" -X POST -d x
headers "console: certificate refused" no-store 401 "$HTML" "$CON/static/paraphe.css"
headers "console: nginx's 413" no-store 413 "$HTML" "$CON/login" "${STAFF_CERT[@]}" -X POST --data-binary "@$BIGBODY"
headers "console: nginx's 400 (headers too large)" no-store 400 "$HTML" "$CON/" "${STAFF_CERT[@]}" -H "$BIGHDR"
headers "console: nginx's 414" no-store 414 "$HTML" "$CON$LONGURI" "${STAFF_CERT[@]}"
# A malformed request line straight on the socket: nginx's 400 page.
for i in 0 1 2; do
	raw=$(printf 'GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n' |
		timeout 10 openssl s_client -quiet -connect "127.0.0.1:${PORTS[$i]}" -servername localhost -CAfile "$CA" 2>/dev/null | tr -d '\r')
	HEADERS=$(sed '/^$/q' <<<"$raw")
	if grep -q '^HTTP/1.1 400' <<<"$HEADERS" && grep -qi '^strict-transport-security:' <<<"$HEADERS" &&
		grep -qi "^content-security-policy: default-src 'self'" <<<"$HEADERS" && grep -qi '^x-frame-options: DENY' <<<"$HEADERS" &&
		grep -qi '^cache-control: no-store' <<<"$HEADERS"; then
		ok "${NAMES[$i]}: a malformed request line gets nginx's 400 with the security headers"
	else
		not_ok "${NAMES[$i]}: a malformed request line gets nginx's 400 with the security headers" "${HEADERS:0:600}"
	fi
done
# Unavailable: the plugins stopped, nginx answers 503 itself.
down=()
for name in signer sca admin; do
	p=$(cat "$STATE/run/$name.pid")
	down+=("$p" $(pgrep -P "$p"))
	kill -TERM "$p" 2>/dev/null
done
check "the three plugins stopped" wait_for 20 pp_none_alive "${down[@]}"
headers "public: nginx's 503 when the signer is down" no-store 503 "$HTML" "$PUB/"
headers "SCA API: nginx's 503 when the plugin is down" no-store 503 "$JSON" "$SCA/csc/v2/info" "${SCA_CERT[@]}"
headers "console: nginx's 503 when the plugin is down" no-store 503 "$HTML" "$CON/" "${STAFF_CERT[@]}"

pp_finish
