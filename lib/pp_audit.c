#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "pp_audit.h"
#include "pp_canon.h"
#include "pp_conf.h"
#include "pp_geo.h"
#include "pp_ipc.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_sandbox.h"
#include "pp_mem.h"
#include "pp_util.h"

/* Indexed by enum pp_audit_type; the strings are part of the archive
 * format and never change meaning. */
static const char *const pp_audit_types[PP_AUDIT__MAX] = {
	[PP_AUDIT_ACCOUNT_CREATE] = "account.create",
	[PP_AUDIT_ACCOUNT_UPDATE] = "account.update",
	[PP_AUDIT_ACCOUNT_DELETE] = "account.delete",
	[PP_AUDIT_CREDENTIAL_CHANGE] = "credential.change",
	[PP_AUDIT_ROLE_ASSIGN] = "role.assign",
	[PP_AUDIT_ROLE_REVOKE] = "role.revoke",
	[PP_AUDIT_ROLE_LOGIN] = "role.login",
	[PP_AUDIT_ROLE_LOGOUT] = "role.logout",
	[PP_AUDIT_ROLE_LOGIN_FAILURE] = "role.login_failure",
	[PP_AUDIT_COMPONENT_START] = "component.start",
	[PP_AUDIT_COMPONENT_STOP] = "component.stop",
	[PP_AUDIT_LOG_START] = "audit.start",
	[PP_AUDIT_LOG_STOP] = "audit.stop",
	[PP_AUDIT_LOG_PARAM_CHANGE] = "audit.param_change",
	[PP_AUDIT_LOG_FAILURE] = "audit.failure",
	[PP_AUDIT_LOG_FORWARD_FAILURE] = "audit.forward_failure",
	[PP_AUDIT_LOG_FORWARD_RESTORED] = "audit.forward_restored",
	[PP_AUDIT_LOG_HEARTBEAT] = "audit.heartbeat",
	[PP_AUDIT_LOG_MESSAGE_REFUSED] = "audit.message_refused",
	[PP_AUDIT_LOG_SEGMENT] = "audit.segment",
	[PP_AUDIT_LOG_PRUNE] = "audit.prune",
	[PP_AUDIT_KEY_GENERATE] = "key.generate",
	[PP_AUDIT_KEY_DESTROY] = "key.destroy",
	[PP_AUDIT_SIGNATURE] = "signature.create",
	[PP_AUDIT_SIGNATORY_AUTH] = "signatory.auth",
	[PP_AUDIT_SAD_ISSUE] = "sad.issue",
	[PP_AUDIT_SAD_USE] = "sad.use",
	[PP_AUDIT_SAD_REFUSE] = "sad.refuse",
	[PP_AUDIT_MANUAL_PHYSICAL] = "manual.physical_access",
	[PP_AUDIT_MANUAL_MAINTENANCE] = "manual.maintenance",
	[PP_AUDIT_MANUAL_CONFIG] = "manual.config_change",
	[PP_AUDIT_MANUAL_PERSONNEL] = "manual.personnel_change",
	[PP_AUDIT_MANUAL_MEDIA] = "manual.media_destruction",
	[PP_AUDIT_ARCHIVE_CHECK] = "archive.check",
	[PP_AUDIT_ARCHIVE_EXPORT] = "archive.export",
	[PP_AUDIT_REVIEW] = "audit.review",
	[PP_AUDIT_DUAL_PROPOSE] = "dual.propose",
	[PP_AUDIT_DUAL_DECIDE] = "dual.decide",
	[PP_AUDIT_ACCESS_DENIED] = "access.denied",
	[PP_AUDIT_SERVICE_CESSATION] = "service.cessation",
	[PP_AUDIT_ALGO_WITHDRAW] = "algorithm.withdraw",
};

static const char *const pp_audit_outcomes[PP_AUDIT_OUTCOME__MAX] = { "success", "failure" };

static const char *const pp_audit_actors[PP_AUDIT_ACTOR__MAX] = {
	"system", "staff", "signatory", "sca", "notary", "anonymous",
};

/*
 * Detail keys that would carry a secret.  The schema has no member for a
 * secret; this list is the second line of defence against a component
 * putting one in "details" by mistake.
 */
static const char *const pp_audit_secret_keys[] = {
	"pin", "puk", "otp", "password", "passcode", "passphrase", "secret", "sad",
	"private_key", "so_pin", "code_verifier", "client_secret", "session_key",
};

const char *
pp_audit_type_name(enum pp_audit_type t)
{
	return (unsigned)t < PP_AUDIT__MAX ? pp_audit_types[t] : "?";
}

const char *
pp_audit_outcome_name(enum pp_audit_outcome o)
{
	return (unsigned)o < PP_AUDIT_OUTCOME__MAX ? pp_audit_outcomes[o] : "?";
}

const char *
pp_audit_actor_name(enum pp_audit_actor a)
{
	return (unsigned)a < PP_AUDIT_ACTOR__MAX ? pp_audit_actors[a] : "?";
}

static int
pp_audit_lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

enum pp_err
pp_audit_type_from(const char *name, enum pp_audit_type *t)
{
	int i = pp_audit_lookup(pp_audit_types, PP_AUDIT__MAX, name);

	if (i < 0)
		return PP_ERR_FIELD_INVALID;
	*t = (enum pp_audit_type)i;
	return PP_OK;
}

void
pp_audit_now(char out[PP_AUDIT_TIME_LEN])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* 19 bytes of date and time, then ".ffffffZ": 27 bytes and the NUL. */
	if (strftime(out, PP_AUDIT_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		memcpy(out, "0000-00-00T00:00:00.000000Z", PP_AUDIT_TIME_LEN);
		return;
	}
	snprintf(out + 19, PP_AUDIT_TIME_LEN - 19, ".%06uZ", (unsigned)(ts.tv_nsec / 1000) % 1000000u);
}

/* ---- validation shared by both sides ---------------------------------- */

/* A printable UTF-8 string of 1..max bytes (no control characters). */
static int
pp_audit_text_ok(const char *s, size_t len, size_t max)
{
	return len > 0 && len <= max && pp_utf8_valid(s, len, 0) && memchr(s, '\t', len) == NULL;
}

static int
pp_audit_key_ok(const char *k)
{
	size_t len = strlen(k);

	if (len == 0 || len > 32)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	for (size_t i = 0; i < sizeof(pp_audit_secret_keys) / sizeof(pp_audit_secret_keys[0]); i++)
		if (strcmp(k, pp_audit_secret_keys[i]) == 0)
			return 0;
	return 1;
}

static int
pp_audit_correlation_ok(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._:-", s[i]) != NULL))
			return 0;
	return 1;
}

static int
pp_audit_ip_ok(const char *s, size_t len)
{
	unsigned char buf[16];
	char tmp[64];

	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return inet_pton(AF_INET, tmp, buf) == 1 || inet_pton(AF_INET6, tmp, buf) == 1;
}

/* The optional top-level string members and their limits. */
struct pp_audit_member {
	const char *name;
	size_t max;
	int (*check)(const char *, size_t);
};

static const struct pp_audit_member pp_audit_strings[] = {
	{"requester", 256, NULL},
	{"recipient", 256, NULL},
	{"cause", PP_AUDIT_MAX_STRING, NULL},
	{"correlation", 64, pp_audit_correlation_ok},
	{"client_ip", 45, pp_audit_ip_ok},
};

static enum pp_err
pp_audit_check_string(json_object *v, size_t max, int (*check)(const char *, size_t))
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return PP_ERR_FIELD_INVALID;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len > max)
		return PP_ERR_FIELD_TOO_LONG;
	if (!pp_audit_text_ok(s, len, max) || (check && !check(s, len)))
		return PP_ERR_FIELD_INVALID;
	return PP_OK;
}

static enum pp_err
pp_audit_check_actor(json_object *a)
{
	int seen_kind = 0, seen_id = 0;

	if (!json_object_is_type(a, json_type_object))
		return PP_ERR_FIELD_INVALID;
	json_object_object_foreach(a, k, v) {
		enum pp_err rc;
		if (strcmp(k, "kind") == 0) {
			if (!json_object_is_type(v, json_type_string) ||
			    pp_audit_lookup(pp_audit_actors, PP_AUDIT_ACTOR__MAX, json_object_get_string(v)) < 0)
				return PP_ERR_FIELD_INVALID;
			seen_kind = 1;
		} else if (strcmp(k, "id") == 0) {
			if ((rc = pp_audit_check_string(v, 256, NULL)) != PP_OK)
				return rc;
			seen_id = 1;
		} else if (strcmp(k, "role") == 0) {
			if ((rc = pp_audit_check_string(v, 64, NULL)) != PP_OK)
				return rc;
		} else
			return PP_ERR_FIELD_UNKNOWN;
	}
	return seen_kind && seen_id ? PP_OK : PP_ERR_FIELD_MISSING;
}

static enum pp_err
pp_audit_check_details(json_object *d)
{
	size_t n = 0;

	if (!json_object_is_type(d, json_type_object))
		return PP_ERR_FIELD_INVALID;
	json_object_object_foreach(d, k, v) {
		if (++n > PP_AUDIT_MAX_DETAILS)
			return PP_ERR_TOO_MANY_FIELDS;
		if (!pp_audit_key_ok(k))
			return PP_ERR_FIELD_INVALID;
		switch (json_object_get_type(v)) {
		case json_type_int:
		case json_type_boolean:
			break;
		case json_type_string: {
			enum pp_err rc = pp_audit_check_string(v, PP_AUDIT_MAX_STRING, NULL);
			if (rc != PP_OK)
				return rc;
			break;
		}
		default:
			return PP_ERR_FIELD_INVALID;
		}
	}
	return PP_OK;
}

static enum pp_err
pp_audit_check_present(json_object *p)
{
	size_t n;

	if (!json_object_is_type(p, json_type_array))
		return PP_ERR_FIELD_INVALID;
	n = json_object_array_length(p);
	if (n == 0 || n > PP_AUDIT_MAX_PRESENT)
		return PP_ERR_FIELD_INVALID;
	for (size_t i = 0; i < n; i++) {
		enum pp_err rc = pp_audit_check_string(json_object_array_get_idx(p, i), 256, NULL);
		if (rc != PP_OK)
			return rc;
	}
	return PP_OK;
}

/* Checks the members a component may send; *why names the first problem. */
static enum pp_err
pp_audit_check(json_object *in, const char **why)
{
	int seen_type = 0, seen_outcome = 0, seen_actor = 0;
	enum pp_err rc = PP_OK;

	if (!json_object_is_type(in, json_type_object)) {
		*why = "record is not an object";
		return PP_ERR_BAD_REQUEST;
	}
	json_object_object_foreach(in, k, v) {
		size_t i;
		if (strcmp(k, "type") == 0) {
			enum pp_audit_type t;
			if (!json_object_is_type(v, json_type_string) ||
			    pp_audit_type_from(json_object_get_string(v), &t) != PP_OK) {
				*why = "unknown event type";
				return PP_ERR_FIELD_INVALID;
			}
			seen_type = 1;
			continue;
		}
		if (strcmp(k, "outcome") == 0) {
			if (!json_object_is_type(v, json_type_string) ||
			    pp_audit_lookup(pp_audit_outcomes, PP_AUDIT_OUTCOME__MAX, json_object_get_string(v)) < 0) {
				*why = "unknown outcome";
				return PP_ERR_FIELD_INVALID;
			}
			seen_outcome = 1;
			continue;
		}
		if (strcmp(k, "actor") == 0) {
			if ((rc = pp_audit_check_actor(v)) != PP_OK) {
				*why = "invalid actor";
				return rc;
			}
			seen_actor = 1;
			continue;
		}
		if (strcmp(k, "details") == 0) {
			if ((rc = pp_audit_check_details(v)) != PP_OK) {
				*why = "invalid details (type, size, or a key naming a secret)";
				return rc;
			}
			continue;
		}
		if (strcmp(k, "present") == 0) {
			if ((rc = pp_audit_check_present(v)) != PP_OK) {
				*why = "invalid persons present";
				return rc;
			}
			continue;
		}
		for (i = 0; i < sizeof(pp_audit_strings) / sizeof(pp_audit_strings[0]); i++)
			if (strcmp(k, pp_audit_strings[i].name) == 0)
				break;
		if (i == sizeof(pp_audit_strings) / sizeof(pp_audit_strings[0])) {
			*why = "unknown member";
			return PP_ERR_FIELD_UNKNOWN;
		}
		if ((rc = pp_audit_check_string(v, pp_audit_strings[i].max, pp_audit_strings[i].check)) != PP_OK) {
			*why = "invalid value";
			return rc;
		}
	}
	if (!seen_type || !seen_outcome || !seen_actor) {
		*why = "type, outcome and actor are required";
		return PP_ERR_FIELD_MISSING;
	}
	return PP_OK;
}

/* ---- component side ---------------------------------------------------- */

static enum pp_err
pp_audit_add_opt(json_object *o, const char *key, const char *val)
{
	return val == NULL ? PP_OK : pp_json_add_str(o, key, val);
}

/*
 * The record's details: the caller's, plus where its client_ip is when
 * GeoIP is on (country, city, geo; pp_geo.h).  The caller's object is
 * shared, never changed: the additions go into a shallow copy, and a detail
 * the caller set is never replaced.
 */
static enum pp_err
pp_audit_details(const struct pp_audit_event *ev, json_object *o)
{
	json_object *d;

	if (ev->client_ip == NULL || !pp_geo_enabled() ||
	    (ev->details != NULL && !json_object_is_type(ev->details, json_type_object))) {
		if (ev->details)
			json_object_object_add(o, "details", json_object_get(ev->details));
		return PP_OK;
	}
	if ((d = json_object_new_object()) == NULL)
		return PP_ERR_NOMEM;
	json_object_object_add(o, "details", d);
	if (ev->details) {
		json_object_object_foreach(ev->details, k, v) {
			json_object *c = json_object_get(v);
			if (json_object_object_add(d, k, c) != 0) {
				json_object_put(c);
				return PP_ERR_NOMEM;
			}
		}
	}
	if (pp_geo_details(ev->client_ip, d, PP_AUDIT_MAX_DETAILS) != PP_OK)
		return PP_ERR_NOMEM;
	if (ev->details == NULL && json_object_object_length(d) == 0)
		json_object_object_del(o, "details");	/* as without GeoIP */
	return PP_OK;
}

enum pp_err
pp_audit_event_json(const struct pp_audit_event *ev, json_object **out)
{
	json_object *o = json_object_new_object(), *actor = json_object_new_object(), *present = NULL;
	enum pp_err rc = PP_ERR_NOMEM;
	const char *why = NULL;

	if (o == NULL || actor == NULL) {
		json_object_put(actor);
		goto fail;
	}
	json_object_object_add(o, "actor", actor);
	if ((unsigned)ev->type >= PP_AUDIT__MAX || (unsigned)ev->outcome >= PP_AUDIT_OUTCOME__MAX ||
	    (unsigned)ev->actor_kind >= PP_AUDIT_ACTOR__MAX || ev->actor_id == NULL) {
		rc = PP_ERR_FIELD_INVALID;
		goto fail;
	}
	if (pp_json_add_str(o, "type", pp_audit_types[ev->type]) != PP_OK ||
	    pp_json_add_str(o, "outcome", pp_audit_outcomes[ev->outcome]) != PP_OK ||
	    pp_json_add_str(actor, "kind", pp_audit_actors[ev->actor_kind]) != PP_OK ||
	    pp_json_add_str(actor, "id", ev->actor_id) != PP_OK ||
	    pp_audit_add_opt(actor, "role", ev->actor_role) != PP_OK ||
	    pp_audit_add_opt(o, "requester", ev->requester) != PP_OK ||
	    pp_audit_add_opt(o, "recipient", ev->recipient) != PP_OK ||
	    pp_audit_add_opt(o, "cause", ev->cause) != PP_OK ||
	    pp_audit_add_opt(o, "correlation", ev->correlation) != PP_OK ||
	    pp_audit_add_opt(o, "client_ip", ev->client_ip) != PP_OK)
		goto fail;
	for (size_t i = 0; i < PP_AUDIT_MAX_PRESENT && ev->present[i]; i++) {
		if (present == NULL) {
			if ((present = json_object_new_array()) == NULL)
				goto fail;
			json_object_object_add(o, "present", present);
		}
		json_object *s = json_object_new_string(ev->present[i]);
		if (s == NULL || json_object_array_add(present, s) != 0) {
			json_object_put(s);
			goto fail;
		}
	}
	if ((rc = pp_audit_details(ev, o)) != PP_OK)
		goto fail;
	/* The daemon checks again; checking here names the programming error
	 * in the component's own log instead of a refused connection. */
	if ((rc = pp_audit_check(o, &why)) != PP_OK) {
		pp_err_log("audit: event %s breaks the record schema: %s", pp_audit_types[ev->type], why);
		goto fail;
	}
	*out = o;
	return PP_OK;
fail:
	json_object_put(o);
	return rc;
}

enum pp_err
pp_audit_emit_to(const char *socket, int timeout_ms, const struct pp_audit_event *ev, int64_t *seq)
{
	json_object *req = NULL, *rec = NULL, *ans = NULL, *v;
	enum pp_err rc;

	if ((rc = pp_audit_event_json(ev, &rec)) != PP_OK)
		return rc;
	req = json_object_new_object();
	if (req == NULL || pp_json_add_int(req, "v", PP_IPC_VERSION) != PP_OK ||
	    pp_json_add_str(req, "op", "append") != PP_OK) {
		json_object_put(rec);
		json_object_put(req);
		return PP_ERR_NOMEM;
	}
	json_object_object_add(req, "record", rec);
	rc = pp_ipc_call(socket, req, timeout_ms, &ans);
	json_object_put(req);
	if (rc != PP_OK) {
		/* Whatever the transport said, the event is not durable. */
		pp_err_log("audit: %s not acknowledged by the audit daemon (%s)",
		    pp_audit_types[ev->type], pp_err_name(rc));
		return PP_ERR_UNAVAILABLE;
	}
	if (!json_object_object_get_ex(ans, "seq", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 1) {
		json_object_put(ans);
		pp_err_log("audit: the audit daemon answered without a sequence number");
		return PP_ERR_UNAVAILABLE;
	}
	if (seq)
		*seq = json_object_get_int64(v);
	json_object_put(ans);
	return PP_OK;
}

#define PP_AUDIT_TIMEOUT_MS 5000

/* The seq of an append's answer, or 0. */
static int64_t
pp_audit_ack(json_object *ans)
{
	json_object *v;

	if (ans == NULL || !json_object_object_get_ex(ans, "seq", &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v) < 1 ? 0 : json_object_get_int64(v);
}

enum pp_err
pp_audit_emit_many(const struct pp_conf *conf, const struct pp_audit_event *const *evs, size_t n,
    enum pp_err *rcs)
{
	const char *sock = pp_conf_str(conf, "audit", "socket");
	json_object *req[PP_IPC_MAX_BATCH], *ans[PP_IPC_MAX_BATCH];
	enum pp_err rc = PP_OK, r[PP_IPC_MAX_BATCH];

	for (size_t done = 0; done < n;) {
		size_t k = n - done < PP_IPC_MAX_BATCH ? n - done : PP_IPC_MAX_BATCH, built = 0;
		for (; built < k; built++) {
			json_object *rec = NULL;
			const struct pp_audit_event *ev = evs[done + built];
			rcs[done + built] = PP_OK;
			if ((rcs[done + built] = pp_audit_event_json(ev, &rec)) != PP_OK) {
				req[built] = NULL;
				continue;
			}
			req[built] = json_object_new_object();
			if (req[built] == NULL || pp_json_add_int(req[built], "v", PP_IPC_VERSION) != PP_OK ||
			    pp_json_add_str(req[built], "op", "append") != PP_OK) {
				json_object_put(rec);
				rcs[done + built] = PP_ERR_NOMEM;
				continue;
			}
			json_object_object_add(req[built], "record", rec);
		}
		/* Only the well-formed ones are sent. */
		json_object *send[PP_IPC_MAX_BATCH];
		size_t map[PP_IPC_MAX_BATCH], ns = 0;
		for (size_t i = 0; i < k; i++)
			if (rcs[done + i] == PP_OK) {
				send[ns] = req[i];
				map[ns++] = i;
			}
		if (ns > 0 && pp_ipc_call_many(sock, send, ns, PP_AUDIT_TIMEOUT_MS, ans, r) != PP_OK)
			for (size_t j = 0; j < ns; j++) {
				r[j] = PP_ERR_UNAVAILABLE;
				ans[j] = NULL;
			}
		for (size_t j = 0; j < ns; j++) {
			size_t i = map[j];
			if (r[j] != PP_OK || pp_audit_ack(ans[j]) == 0) {
				pp_err_log("audit: %s not acknowledged by the audit daemon (%s)",
				    pp_audit_types[evs[done + i]->type], pp_err_name(r[j] != PP_OK ? r[j] : PP_ERR_PROTO));
				rcs[done + i] = PP_ERR_UNAVAILABLE;
			}
			json_object_put(ans[j]);
		}
		for (size_t i = 0; i < k; i++) {
			json_object_put(req[i]);
			if (rcs[done + i] != PP_OK && rc == PP_OK)
				rc = rcs[done + i];
		}
		done += k;
	}
	return rc;
}

enum pp_err
pp_audit_emit(const struct pp_conf *conf, const struct pp_audit_event *ev, int64_t *seq)
{
	return pp_audit_emit_to(pp_conf_str(conf, "audit", "socket"), PP_AUDIT_TIMEOUT_MS, ev, seq);
}

enum pp_err
pp_audit_component(const struct pp_conf *conf, const char *prog, enum pp_audit_type type)
{
	struct pp_audit_event ev = {
		.type = type,
		.outcome = PP_AUDIT_SUCCESS,
		.actor_kind = PP_AUDIT_ACTOR_SYSTEM,
		.actor_id = prog,
	};
	json_object *d = json_object_new_object();
	enum pp_err rc;

	if (d == NULL || pp_json_add_str(d, "version", PP_VERSION) != PP_OK ||
	    pp_json_add_int(d, "pid", (int64_t)getpid()) != PP_OK ||
	    /* A component started without its system call filter says so in
	     * the log (service.seccomp, for debugging only). */
	    (type == PP_AUDIT_COMPONENT_START && !pp_sandbox_enabled() &&
	    pp_json_add_str(d, "seccomp", "off") != PP_OK)) {
		json_object_put(d);
		return PP_ERR_NOMEM;
	}
	ev.details = d;
	rc = pp_audit_emit(conf, &ev, NULL);
	json_object_put(d);
	return rc;
}

/* ---- daemon side -------------------------------------------------------- */

enum pp_err
pp_audit_record_build(json_object *in, const char *origin, int64_t seq, const char *time,
    const struct pp_ipc_peer *peer, char **out, size_t *len, const char **why)
{
	json_object *rec = NULL, *p;
	const char *reason = NULL;
	enum pp_err rc;

	if ((rc = pp_audit_check(in, &reason)) != PP_OK)
		goto fail;
	/* A shallow copy: the received members plus the daemon's own. */
	rc = PP_ERR_NOMEM;
	if ((rec = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_foreach(in, k, v)
		json_object_object_add(rec, k, json_object_get(v));
	if (pp_json_add_int(rec, "v", 1) != PP_OK || pp_json_add_int(rec, "seq", seq) != PP_OK ||
	    pp_json_add_str(rec, "origin", origin) != PP_OK || pp_json_add_str(rec, "time", time) != PP_OK)
		goto fail;
	if (peer) {
		if ((p = json_object_new_object()) == NULL)
			goto fail;
		json_object_object_add(rec, "peer", p);
		if (pp_json_add_int(p, "uid", (int64_t)peer->uid) != PP_OK ||
		    pp_json_add_int(p, "pid", (int64_t)peer->pid) != PP_OK)
			goto fail;
	}
	if ((rc = pp_canon_serialize(rec, 4, out, len)) != PP_OK) {
		reason = "record cannot be serialized";
		goto fail;
	}
	if (*len > PP_AUDIT_MAX_RECORD) {
		pp_free(*out);
		*out = NULL;
		reason = "record too large";
		rc = PP_ERR_FIELD_TOO_LONG;
		goto fail;
	}
	json_object_put(rec);
	return PP_OK;
fail:
	if (why)
		*why = reason ? reason : "out of memory";
	json_object_put(rec);
	return rc;
}
