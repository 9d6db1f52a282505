#include "config.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_util.h"

#define PP_CONF_MAX_BYTES (256 * 1024)
#define PP_CONF_MAX_LINE 4096

#define S PP_CONF_STRING
#define P PP_CONF_PATH
#define I PP_CONF_INT
#define B PP_CONF_BOOL
/* The schema.  Paths must be absolute.  Keep docs/OPERATIONS.md in step. */
static const struct pp_conf_key pp_conf_keys[] = {
	{"service", "node_id", S, "paraphe-node-1", 0, 0, "log origin and node name (one per node)"},
	{"service", "state_dir", P, NULL, 0, 0, "directory holding databases, sockets and run-time state"},
	{"service", "templates_dir", P, NULL, 0, 0, "ClearSilver templates and language files"},
	{"service", "user", S, "", 0, 0, "user to switch to after start-up when started as root (empty: stay)"},
	{"service", "group", S, "", 0, 0, "group to switch to with user (empty: the user's primary group)"},
	{"service", "lang_default", S, "en", 0, 0, "page language when the browser expresses no preference (en|fr)"},
	{"service", "public_url", S, "", 0, 0, "base URL of the public listener (signer pages) in links given to signatories, e.g. https://sign.example.eu (empty: credentials/authorize is refused)"},
	{"service", "demo", B, "false", 0, 0, "serve the demo pages (demo SCA, demo phone): never in production"},
	{"service", "seccomp", B, "true", 0, 0, "system call filter of every daemon and plugin (docs/SECURITY.md); no: for debugging only, logged as a warning and in the component.start record"},
	{"log", "level", S, "info", 0, 0, "error|warn|info|debug"},
	{"log", "destination", S, "stderr", 0, 0, "stderr|syslog"},
	{"limits", "max_body_bytes", I, "65536", 0, 16777216, "largest request body accepted by a plugin"},
	{"limits", "max_header_bytes", I, "16384", 1024, 1048576, "largest total size of FastCGI parameters"},
	{"limits", "max_params", I, "128", 16, 4096, "most FastCGI parameters (headers) in one request"},
	{"limits", "max_fields", I, "2048", 1, 4096, "most fields (query, form or JSON keys, at any depth) in one request"},
	{"limits", "max_json_depth", I, "8", 1, 64, "deepest JSON nesting accepted"},
	{"database", "backend", S, "sqlite", 0, 0, "storage backend (sqlite)"},
	{"database", "web", P, NULL, 0, 0, "database of the web plugins"},
	{"database", "sam", P, NULL, 0, 0, "database of the SAM daemon"},
	{"database", "audit", P, NULL, 0, 0, "database of the audit daemon"},
	{"database", "admin", P, NULL, 0, 0, "database of the staff console (accounts, roles, sessions, proposals, reviews)"},
	{"database", "busy_timeout_ms", I, "5000", 0, 600000, "how long to wait for a locked database"},
	{"signer", "socket", P, NULL, 0, 0, "FastCGI socket of the signer-pages plugin"},
	{"signer", "workers", I, "4", 0, 64, "worker processes of the signer-pages plugin (0: one per CPU core; they wait for the SAM on every page, so more than the cores pays)"},
	{"signer", "client_ca", P, NULL, 0, 0, "issuing CA certificate(s) of notaries (PEM)"},
	{"signer", "session_lifetime_s", I, "1800", 60, 3600, "life of a signatory's browser session"},
	{"signer", "rate_per_ip", I, "120", 1, 100000, "requests a minute one client IP may make to the signer pages"},
	{"sca", "socket", P, NULL, 0, 0, "FastCGI socket of the SCA-API plugin"},
	{"sca", "workers", I, "8", 0, 64, "worker processes of the SCA-API plugin (0: one per CPU core; they mostly wait for the SAM, so more than the cores pays)"},
	{"sca", "client_ca", P, NULL, 0, 0, "issuing CA certificate(s) of SCAs and PKI/RA clients (PEM)"},
	{"sca", "service_name", S, "Paraphe", 0, 0, "name in the CSC info document"},
	{"sca", "logo_url", S, "", 0, 0, "logo URL in the CSC info document"},
	{"sca", "region", S, "FR", 0, 0, "ISO 3166-1 alpha-2 country code in the CSC info document"},
	{"sca", "description", S, "Remote qualified electronic signature service", 0, 0, "description in the CSC info document"},
	{"admin", "socket", P, NULL, 0, 0, "FastCGI socket of the admin-console plugin"},
	{"admin", "workers", I, "1", 0, 64, "worker processes of the admin-console plugin (0: one per CPU core)"},
	{"admin", "client_ca", P, NULL, 0, 0, "issuing CA certificate(s) of staff (PEM)"},
	{"admin", "idle_timeout_s", I, "600", 30, 86400, "a console session ends after this long without a request (ROLE-4)"},
	{"admin", "lockout_failures", I, "5", 1, 100, "failed second-factor codes in a row that lock a staff account"},
	{"admin", "lockout_s", I, "900", 1, 604800, "how long a locked staff account stays locked"},
	{"admin", "proposal_lifetime_s", I, "86400", 60, 2592000, "a dual-control proposal expires unless approved within this time"},
	{"admin", "totp_issuer", S, "Paraphe", 0, 0, "issuer name shown by the staff's authenticator app"},
	{"demo", "socket", P, "", 0, 0, "FastCGI socket of the demo pages (demo SCA, demo phone; only with service.demo)"},
	{"demo", "workers", I, "1", 1, 1, "worker processes of the demo pages (one: pending demo flows live in its memory)"},
	{"demo", "client_ca", P, "", 0, 0, "issuing CA certificate(s) accepted on the public listener (the notary CA, as the signer's)"},
	{"demo", "info_file", P, "", 0, 0, "the instance description (demo.json) the demo SCA reads its URLs, certificate and credentials from"},
	{"demo", "client_id", S, "demo-sca", 0, 0, "OAuth client id of the demo SCA in the SAM's client registry"},
	{"sam", "socket", P, NULL, 0, 0, "unix socket of the SAM daemon"},
	{"sam", "pkcs11_module", P, NULL, 0, 0, "PKCS#11 module for the signatory-key token"},
	{"sam", "token_label", S, NULL, 0, 0, "label of the signatory-key token"},
	{"sam", "pin_file", P, NULL, 0, 0, "file holding the token PIN (owner-only, mode 0400/0600)"},
	{"sam", "softhsm2_conf", S, "", 0, 0, "SOFTHSM2_CONF for SoftHSMv2 (empty: module default)"},
	{"sam", "key_types", S, "rsa3072 rsa4096 ec-p256 ec-p384 ec-p521", 0, 0, "space-separated key types credentials may be created with and sign with (remove one to withdraw it, SEC-6)"},
	{"sam", "hash_algos", S, "sha256 sha384 sha512", 0, 0, "space-separated hash algorithms SADs and signatures may use (remove one to withdraw it, SEC-6)"},
	{"sam", "cert_validity_days", I, "1095", 1, 3650, "validity of a long-term certificate issued by the built-in CA"},
	{"sam", "policy_oid", S, "2.999.1.1", 0, 0, "certificate policy OID of the built-in CA (the default is in the ITU example arc: set your own)"},
	{"sam", "ca_common_name", S, "Paraphe Qualified CA", 0, 0, "CN of the built-in CA (used when it is created)"},
	{"sam", "ca_organization", S, "Paraphe", 0, 0, "O of the built-in CA (used when it is created)"},
	{"sam", "ca_country", S, "FR", 0, 0, "C of the built-in CA, ISO 3166-1 alpha-2 (used when it is created)"},
	{"sam", "sms_spool", P, "", 0, 0, "smstools3 outgoing spool directory for SMS OTPs (empty: otp.send is refused)"},
	{"sam", "sad_lifetime_s", I, "300", 1, 300, "lifetime of a SAD in seconds (at most 5 minutes)"},
	{"sam", "clients_file", P, "", 0, 0, "registry of the SCAs and PKI/RA clients (JSON, root-owned; empty: <state_dir>/etc/clients.json)"},
	{"sam", "external_ca_file", P, "", 0, 0, "CA certificate(s) (PEM) trusted to certify credentials created with ca=external (empty: the external-CA mode is refused)"},
	{"sam", "sweep_interval_s", I, "3600", 1, 86400, "seconds between two expiry sweeps (credentials whose certificate expired are closed, their keys destroyed)"},
	{"sam", "cert_validity_s", I, "0", 0, 315360000, "validity in seconds of a certificate of the built-in CA; 0: cert_validity_days (set for tests of expiry)"},
	{"sam", "authz_lifetime_s", I, "600", 60, 3600, "seconds a signatory has to authenticate and approve an authorisation request"},
	{"sam", "login_key_file", P, "", 0, 0, "public key (PEM) of the signer plugin's login-token key (empty: OpenID Connect logins are refused)"},
	{"sam", "ephemeral_validity_s", I, "1800", 60, 1800, "validity of an ephemeral-session certificate (KEY-4, at most 30 minutes)"},
	{"audit", "socket", P, NULL, 0, 0, "unix socket of the audit daemon"},
	{"audit", "pkcs11_module", P, NULL, 0, 0, "PKCS#11 module for the audit-key token"},
	{"audit", "token_label", S, NULL, 0, 0, "label of the audit-key token"},
	{"audit", "pin_file", P, NULL, 0, 0, "file holding the audit token PIN (owner-only)"},
	{"audit", "softhsm2_conf", S, "", 0, 0, "SOFTHSM2_CONF for SoftHSMv2 (empty: module default)"},
	{"audit", "origin", S, "", 0, 0, "log origin and checkpoint key name (empty: paraphe.local/audit/<node_id>)"},
	{"audit", "key_label", S, "paraphe-audit-checkpoint", 0, 0, "label of the ECDSA P-256 checkpoint key in the audit token"},
	{"audit", "public_key", P, NULL, 0, 0, "where the daemon writes the checkpoint public key (PEM) for verifiers"},
	{"audit", "archive_dir", P, NULL, 0, 0, "directory receiving the archive segments"},
	{"audit", "segment_interval_s", I, "86400", 1, 86400, "cut a segment when UTC time crosses a multiple of this (86400: daily at midnight)"},
	{"audit", "segment_max_records", I, "100000", 1, 10000000, "cut a segment when this many records are waiting"},
	{"audit", "retention_days", I, "31", 31, 36500, "days records stay in the on-site database once archived (at least one month)"},
	{"audit", "heartbeat_s", I, "300", 1, 3600, "idle heartbeat (clock status and a checkpoint) every this many seconds"},
	{"audit", "syslog_target", S, "unix:/dev/log", 0, 0, "collector: unix:/path | udp:host:port | tcp:host:port"},
	{"audit", "syslog_retry_s", I, "5", 1, 3600, "seconds between attempts to reach a failed collector"},
	{"audit", "tsa_url", S, "", 0, 0, "RFC 3161 time-stamping authority for segment manifests (empty: none)"},
	{"audit", "tsa_ca", P, "", 0, 0, "CA certificate(s) of the TSA, to check its tokens (empty: not checked)"},
	{"audit", "tsa_timeout_ms", I, "5000", 100, 60000, "time allowed to the TSA"},
	{"audit", "archive_hash_files", S, "", 0, 0, "space-separated absolute paths of executables and configuration hashed into each segment (ARC-1)"},
	{"geoip", "database", P, "", 0, 0, "MaxMind DB (GeoIP2/GeoLite2 City) giving the country, city and location recorded with client addresses in the audit log (empty: no GeoIP)"},
	{"oidc", "issuer", S, "", 0, 0, "issuer of the OpenID Connect provider (its discovery document is <issuer>/.well-known/openid-configuration; empty: no OIDC login)"},
	{"oidc", "client_id", S, "", 0, 0, "client id registered with the provider"},
	{"oidc", "client_secret_file", P, "", 0, 0, "file holding the client secret (owner-only; client_secret_basic)"},
	{"oidc", "redirect_uri", S, "", 0, 0, "redirect URI registered with the provider: <public_url>/oidc/callback"},
	{"oidc", "scope", S, "openid", 0, 0, "scopes requested (space-separated, openid included)"},
	{"oidc", "acr_values", S, "", 0, 0, "acr_values sent in the authorization request (empty: none)"},
	{"oidc", "required_acr", S, "substantial", 0, 0, "space-separated acr values accepted in the ID token (the level required, AUTH-1)"},
	{"oidc", "subject_claim", S, "sub", 0, 0, "ID token claim matched against the signatory's enrolled idp_subject (AUTH-3)"},
	{"oidc", "ca_file", P, "", 0, 0, "CA certificate(s) (PEM) trusted for the provider's TLS (empty: the system store)"},
	{"oidc", "timeout_ms", I, "5000", 100, 60000, "time allowed to each call to the provider"},
	{"oidc", "pkcs11_module", P, "", 0, 0, "PKCS#11 module of the signer's login-key token (AUTH-4)"},
	{"oidc", "token_label", S, "paraphe-web", 0, 0, "label of the signer's login-key token (not the SAM's)"},
	{"oidc", "pin_file", P, "", 0, 0, "file holding that token's PIN (owner-only)"},
	{"oidc", "softhsm2_conf", S, "", 0, 0, "SOFTHSM2_CONF for SoftHSMv2 (empty: module default)"},
	{"oidc", "key_label", S, "paraphe-login", 0, 0, "label of the ECDSA P-256 key signing login tokens"},
};
#undef S
#undef P
#undef I
#undef B
#define PP_CONF_NKEYS (sizeof(pp_conf_keys) / sizeof(pp_conf_keys[0]))

struct pp_conf {
	char *values[PP_CONF_NKEYS];	/* NULL: not set in the file */
	int64_t ints[PP_CONF_NKEYS];
};

const struct pp_conf_key *
pp_conf_schema(size_t *n)
{
	*n = PP_CONF_NKEYS;
	return pp_conf_keys;
}

static void
pp_conf_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
pp_conf_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static long
pp_conf_find(const char *section, size_t slen, const char *key, size_t klen)
{
	for (size_t i = 0; i < PP_CONF_NKEYS; i++)
		if (strlen(pp_conf_keys[i].section) == slen &&
		    memcmp(pp_conf_keys[i].section, section, slen) == 0 &&
		    strlen(pp_conf_keys[i].key) == klen &&
		    memcmp(pp_conf_keys[i].key, key, klen) == 0)
			return (long)i;
	return -1;
}

static int
pp_conf_section_known(const char *s, size_t len)
{
	for (size_t i = 0; i < PP_CONF_NKEYS; i++)
		if (strlen(pp_conf_keys[i].section) == len &&
		    memcmp(pp_conf_keys[i].section, s, len) == 0)
			return 1;
	return 0;
}

/* Checks value v against the type of key i; fills conf->ints. */
static enum pp_err
pp_conf_check(struct pp_conf *conf, size_t i, const char *v, char *err, size_t errlen,
    unsigned line)
{
	const struct pp_conf_key *k = &pp_conf_keys[i];
	size_t len = strlen(v);

	if (!pp_utf8_valid(v, len, 0)) {
		pp_conf_seterr(err, errlen, "line %u: %s.%s: invalid characters", line, k->section, k->key);
		return PP_ERR_CONFIG;
	}
	if (len == 0 && k->def == NULL) {
		pp_conf_seterr(err, errlen, "line %u: %s.%s is required and cannot be empty", line,
		    k->section, k->key);
		return PP_ERR_CONFIG;
	}
	switch (k->type) {
	case PP_CONF_PATH:
		if (len > 0 && v[0] != '/') {
			pp_conf_seterr(err, errlen, "line %u: %s.%s: path must be absolute", line, k->section, k->key);
			return PP_ERR_CONFIG;
		}
		if (len > 0 && (strstr(v, "/../") != NULL || strstr(v, "/./") != NULL ||
		    (len >= 3 && strcmp(v + len - 3, "/..") == 0) ||
		    (len >= 2 && strcmp(v + len - 2, "/.") == 0))) {
			pp_conf_seterr(err, errlen, "line %u: %s.%s: path must not contain '.' or '..' components",
			    line, k->section, k->key);
			return PP_ERR_CONFIG;
		}
		break;
	case PP_CONF_INT:
		if (pp_strtonum(v, len, k->min, k->max, &conf->ints[i]) != PP_OK) {
			pp_conf_seterr(err, errlen, "line %u: %s.%s: want an integer in [%lld, %lld]", line,
			    k->section, k->key, (long long)k->min, (long long)k->max);
			return PP_ERR_CONFIG;
		}
		break;
	case PP_CONF_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			conf->ints[i] = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			conf->ints[i] = 0;
		else {
			pp_conf_seterr(err, errlen, "line %u: %s.%s: want yes or no", line, k->section, k->key);
			return PP_ERR_CONFIG;
		}
		break;
	default:
		break;
	}
	return PP_OK;
}

static char *
pp_conf_strndup(const char *s, size_t n)
{
	char *p = pp_malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void
pp_conf_trim(const char **s, size_t *len)
{
	while (*len && isblank((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isblank((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static int
pp_conf_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* Semantic checks that span one key's value set. */
static enum pp_err
pp_conf_validate(struct pp_conf *conf, char *err, size_t errlen)
{
	const char *v;

	v = pp_conf_str(conf, "log", "level");
	if (pp_log_level_parse(v) < 0) {
		pp_conf_seterr(err, errlen, "log.level: unknown level '%s'", v);
		return PP_ERR_CONFIG;
	}
	v = pp_conf_str(conf, "log", "destination");
	if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0) {
		pp_conf_seterr(err, errlen, "log.destination: want stderr or syslog");
		return PP_ERR_CONFIG;
	}
	v = pp_conf_str(conf, "database", "backend");
	if (strcmp(v, "sqlite") != 0) {
		pp_conf_seterr(err, errlen, "database.backend: only 'sqlite' is available");
		return PP_ERR_CONFIG;
	}
	v = pp_conf_str(conf, "service", "lang_default");
	if (strcmp(v, "en") != 0 && strcmp(v, "fr") != 0) {
		pp_conf_seterr(err, errlen, "service.lang_default: want en or fr");
		return PP_ERR_CONFIG;
	}
	v = pp_conf_str(conf, "sca", "region");
	if (strlen(v) != 2 || !isupper((unsigned char)v[0]) || !isupper((unsigned char)v[1])) {
		pp_conf_seterr(err, errlen, "sca.region: want an ISO 3166-1 alpha-2 code such as FR");
		return PP_ERR_CONFIG;
	}
	return PP_OK;
}

enum pp_err
pp_conf_parse(const char *text, size_t len, struct pp_conf **out, char *err, size_t errlen)
{
	struct pp_conf *conf;
	const char *sec = NULL;
	size_t seclen = 0, pos = 0;
	unsigned line = 0;
	enum pp_err rc = PP_ERR_CONFIG;

	if (len > PP_CONF_MAX_BYTES) {
		pp_conf_seterr(err, errlen, "configuration larger than %d bytes", PP_CONF_MAX_BYTES);
		return PP_ERR_CONFIG;
	}
	conf = pp_calloc(1, sizeof(*conf));
	if (conf == NULL)
		return PP_ERR_NOMEM;
	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;

		pos += ll + (nl ? 1 : 0);
		line++;
		if (ll > PP_CONF_MAX_LINE) {
			pp_conf_seterr(err, errlen, "line %u: longer than %d bytes", line, PP_CONF_MAX_LINE);
			goto fail;
		}
		if (ll && l[ll - 1] == '\r')
			ll--;
		if (memchr(l, '\0', ll) != NULL) {
			pp_conf_seterr(err, errlen, "line %u: NUL byte", line);
			goto fail;
		}
		pp_conf_trim(&l, &ll);
		if (ll == 0 || l[0] == '#' || l[0] == ';')
			continue;
		if (l[0] == '[') {
			if (l[ll - 1] != ']' || !pp_conf_name_ok(l + 1, ll - 2)) {
				pp_conf_seterr(err, errlen, "line %u: malformed section header", line);
				goto fail;
			}
			if (!pp_conf_section_known(l + 1, ll - 2)) {
				pp_conf_seterr(err, errlen, "line %u: unknown section [%.*s]", line,
				    (int)(ll - 2), l + 1);
				goto fail;
			}
			sec = l + 1;
			seclen = ll - 2;
			continue;
		}
		const char *eq = memchr(l, '=', ll);
		if (eq == NULL) {
			pp_conf_seterr(err, errlen, "line %u: expected 'key = value'", line);
			goto fail;
		}
		if (sec == NULL) {
			pp_conf_seterr(err, errlen, "line %u: key outside any [section]", line);
			goto fail;
		}
		const char *k = l, *v = eq + 1;
		size_t kl = (size_t)(eq - l), vl = ll - kl - 1;
		pp_conf_trim(&k, &kl);
		pp_conf_trim(&v, &vl);
		if (!pp_conf_name_ok(k, kl)) {
			pp_conf_seterr(err, errlen, "line %u: malformed key", line);
			goto fail;
		}
		long i = pp_conf_find(sec, seclen, k, kl);
		if (i < 0) {
			pp_conf_seterr(err, errlen, "line %u: unknown key '%.*s' in [%.*s]", line,
			    (int)kl, k, (int)seclen, sec);
			goto fail;
		}
		if (conf->values[i] != NULL) {
			pp_conf_seterr(err, errlen, "line %u: %.*s.%.*s set twice", line,
			    (int)seclen, sec, (int)kl, k);
			goto fail;
		}
		conf->values[i] = pp_conf_strndup(v, vl);
		if (conf->values[i] == NULL) {
			rc = PP_ERR_NOMEM;
			goto fail;
		}
		if ((rc = pp_conf_check(conf, (size_t)i, conf->values[i], err, errlen, line)) != PP_OK)
			goto fail;
		rc = PP_ERR_CONFIG;
	}
	for (size_t i = 0; i < PP_CONF_NKEYS; i++) {
		if (conf->values[i] != NULL)
			continue;
		if (pp_conf_keys[i].def == NULL) {
			pp_conf_seterr(err, errlen, "%s.%s is required", pp_conf_keys[i].section,
			    pp_conf_keys[i].key);
			goto fail;
		}
		if ((rc = pp_conf_check(conf, i, pp_conf_keys[i].def, err, errlen, 0)) != PP_OK)
			goto fail;
		rc = PP_ERR_CONFIG;
	}
	if ((rc = pp_conf_validate(conf, err, errlen)) != PP_OK)
		goto fail;
	*out = conf;
	return PP_OK;
fail:
	pp_conf_free(conf);
	return rc;
}

enum pp_err
pp_conf_load(const char *path, struct pp_conf **conf, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	enum pp_err rc;

	if ((rc = pp_file_read(path, PP_CONF_MAX_BYTES, &text, &len)) != PP_OK) {
		pp_conf_seterr(err, errlen, "%s: cannot read", path);
		return rc;
	}
	rc = pp_conf_parse(text, len, conf, err, errlen);
	pp_free(text);
	return rc;
}

void
pp_conf_free(struct pp_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < PP_CONF_NKEYS; i++)
		pp_free(conf->values[i]);
	pp_free(conf);
}

static long
pp_conf_index(const char *section, const char *key)
{
	long i = pp_conf_find(section, strlen(section), key, strlen(key));

	if (i < 0)
		pp_err_log("configuration key %s.%s is not in the schema", section, key);
	return i;
}

const char *
pp_conf_str(const struct pp_conf *conf, const char *section, const char *key)
{
	long i = pp_conf_index(section, key);

	if (i < 0)
		return "";
	if (conf->values[i] != NULL)
		return conf->values[i];
	return pp_conf_keys[i].def ? pp_conf_keys[i].def : "";
}

int64_t
pp_conf_int(const struct pp_conf *conf, const char *section, const char *key)
{
	long i = pp_conf_index(section, key);

	return i < 0 ? 0 : conf->ints[i];
}

int
pp_conf_bool(const struct pp_conf *conf, const char *section, const char *key)
{
	long i = pp_conf_index(section, key);

	return i < 0 ? 0 : conf->ints[i] != 0;
}
