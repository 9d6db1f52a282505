/*
 * paraphe-bench-flow: the whole signing flow, as an SCA and its signatories
 * drive it, for the soak benchmark (bench/run-soak).  One flow is:
 *
 *   SCA        POST /csc/v2/credentials/authorize      (one random digest)
 *   signatory  GET  /sign/{authz}                      (session cookie, CSRF token)
 *              POST /sign/{authz}/method  method=sms   (the SAM sends the code)
 *              the code read from the SMS spool        (the file addressed to its mobile)
 *              POST /sign/{authz}/otp     action=verify
 *              POST /sign/{authz}/approve consent=true
 *   SCA        POST /csc/v2/credentials/authorizeCheck (the SAD, once)
 *              POST /csc/v2/signatures/signHash        (ECDSA P-256)
 *
 * through nginx (mutual TLS on the SCA listener, keep-alive on both), the
 * signer and SCA plugins, the SAM, its token and the audit daemon.
 *
 *   paraphe-bench-flow enrol COMMON --count N --first I --out FILE
 *       enrols N signatories (ids PREFIX-I.., mobile +336 and I on 8 digits),
 *       each with an ec-p256 credential; appends "id credential mobile" lines.
 *   paraphe-bench-flow run COMMON --public URL --spool DIR --signatories FILE
 *       [--skip K] [--rate FLOWS_PER_S (0: as fast as possible)] --seconds S
 *       [--interval S (60)]
 *       runs flows on --threads threads for S seconds; prints one JSON line
 *       per interval (flows, errors, p50/p99 of the flow and of its signHash)
 *       and a summary line.
 *   COMMON: --sca URL --cacert CA --cert CERT --key KEY [--threads T (8)]
 *       [--prefix P (soak)]
 *
 * The SAM sends a signatory at most 10 codes an hour: each thread takes
 * signatories from the file in turn (a global counter from --skip) and uses
 * each for 10 flows, so that two flows in flight never share a mobile and
 * the spool file of a flow is the one addressed to its signatory.  When the
 * file runs out, a thread enrols one more (not counted in any latency;
 * reported as "enrolled_during_run").
 *
 * With --rate the flows start on a fixed schedule (flow k at k/rate seconds,
 * whichever thread is free: open loop) and a flow's latency counts from its
 * scheduled start, so a service that falls behind shows in the figures;
 * without, each thread starts the next flow when the last ends (closed loop,
 * the maximum throughput).  Exit 0 when every flow succeeded.
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include "pp_util.h"
#include "bench_http.h"

#define BF_MAX_THREADS 64
#define BF_RESP_MAX (256 * 1024)	/* a response, headers included */
#define BF_FLOWS_PER_SIGNATORY 10
#define BF_SHA256_OID "2.16.840.1.101.3.4.2.1"
#define BF_ECDSA_SHA256_OID "1.2.840.10045.4.3.2"

/* The steps of a flow, for the error counts. */
enum bf_step {
	BF_AUTHORIZE, BF_PAGE, BF_METHOD, BF_SPOOL, BF_OTP, BF_APPROVE, BF_CHECK, BF_SIGN, BF_ENROL,
	BF_STEP__MAX
};
static const char *const bf_step_names[BF_STEP__MAX] = {
	"authorize", "page", "method", "spool", "otp", "approve", "authorize_check", "sign_hash", "enrol"
};

struct bf_url {
	char host[256], port[16];
};

struct bf_sig {
	char id[64], cred[128], mobile[24];
};

/* One finished flow. */
struct bf_rec {
	double t_end, lat, sign_lat;
	int ok;
};

struct bf {
	struct bf_url sca, pub;
	const char *spool, *prefix, *sigfile;
	SSL_CTX *ctx_sca, *ctx_pub;
	int threads;
	double rate, seconds, interval, t0;
	/* signatories */
	pthread_mutex_t mu;
	struct bf_sig *sigs;
	size_t nsigs, nextsig;
	atomic_long nextindex;	/* enrolment index for new signatories */
	atomic_long enrolled_run;
	/* schedule and results (under mu) */
	atomic_long nextflow;
	struct bf_rec *recs;
	size_t nrecs, caprecs;
	long errors[BF_STEP__MAX];
	int printed_errors;
	FILE *out;		/* enrol: the file appended to */
	long count;		/* enrol: how many */
	atomic_long enrol_failed;
	atomic_long enrol_retries;	/* enrolments refused and tried again */
};

static void
bf_sleep_until(double t)
{
	double d = t - bench_http_now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
bf_parse_url(const char *u, struct bf_url *out)
{
	const char *h, *colon, *end;

	if (strncmp(u, "https://", 8) != 0)
		return -1;
	h = u + 8;
	colon = strchr(h, ':');
	end = h + strcspn(h, "/");
	if (colon == NULL || colon > end || (size_t)(colon - h) >= sizeof(out->host) ||
	    (size_t)(end - colon - 1) >= sizeof(out->port) || end == colon + 1)
		return -1;
	memcpy(out->host, h, (size_t)(colon - h));
	out->host[colon - h] = '\0';
	memcpy(out->port, colon + 1, (size_t)(end - colon - 1));
	out->port[end - colon - 1] = '\0';
	return 0;
}

/*
 * One request on c (connects when needed).  A request that failed on a
 * reused connection before any byte of the answer came is sent again once
 * on a new one (the server may have closed the idle connection meanwhile).
 * OUT r: status -1 on a transport error.
 */
static void
bf_request(struct bench_http_conn *c, const char *method, const char *path, const char *ctype, const char *cookie,
    const char *body, struct bench_http_resp *r)
{
	char head[1024];
	size_t blen = body ? strlen(body) : 0;
	int n;

	bench_http_resp_reset(r);
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: paraphe-bench-flow\r\n"
	    "%s%s%s%s%s%sContent-Length: %zu\r\n\r\n", method, path, c->host, c->port,
	    ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "",
	    cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "", blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused;
		if (c->ssl == NULL && bench_http_connect(c) != 0)
			return;
		reused = c->reused;
		if (bench_http_write_all(c->ssl, head, (size_t)n) == 0 &&
		    (blen == 0 || bench_http_write_all(c->ssl, body, blen) == 0) && bench_http_read(c->ssl, r) == 0) {
			c->reused = 1;
			if (!r->keep)
				bench_http_close(c, 1);
			return;
		}
		bench_http_close(c, 0);
		if (!reused || r->any)
			return;
	}
}

/* The value of "name" (a string) in a JSON answer, copied to out. */
static int
bf_json_str(const struct bench_http_resp *r, const char *name, char *out, size_t cap)
{
	json_object *o = json_tokener_parse(r->body), *v;
	int rc = -1;

	if (o && json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) < cap) {
		memcpy(out, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* The page's CSRF token: name="csrf" value="HEX". */
static int
bf_csrf(const struct bench_http_resp *r, char *out, size_t cap)
{
	const char *p = strstr(r->body, "name=\"csrf\" value=\""), *e;

	if (p == NULL)
		return -1;
	p += strlen("name=\"csrf\" value=\"");
	e = strchr(p, '"');
	if (e == NULL || (size_t)(e - p) >= cap || e == p)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* The browser session cookie the signer set: "__Host-paraphe=VALUE". */
static int
bf_cookie(const struct bench_http_resp *r, char *out, size_t cap)
{
	const char *p = r->buf, *end = r->buf + r->hlen;

	while ((p = strstr(p, "\r\n")) != NULL && p < end) {
		p += 2;
		if (strncasecmp(p, "Set-Cookie:", 11) == 0) {
			const char *v = p + 11 + strspn(p + 11, " ");
			size_t n = strcspn(v, ";\r");
			if (strncmp(v, "__Host-paraphe=", 15) == 0 && n < cap) {
				memcpy(out, v, n);
				out[n] = '\0';
				return 0;
			}
		}
	}
	return -1;
}

/* The code of the spool file addressed to mobile (digits of "+33...");
 * the file is removed, as the SMS gateway would.  Looks a few times: the
 * SAM writes the file before it answers, so the first look finds it. */
static int
bf_spool_code(const char *dir, const char *mobile, char code[7])
{
	char want[40];

	snprintf(want, sizeof(want), "To: %s\n", mobile[0] == '+' ? mobile + 1 : mobile);
	for (int tries = 0; tries < 20; tries++) {
		DIR *d = opendir(dir);
		struct dirent *de;
		if (d == NULL)
			return -1;
		while ((de = readdir(d)) != NULL) {
			char path[1024], *data = NULL, *p;
			size_t len;
			if (strncmp(de->d_name, "paraphe-", 8) != 0)
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
			    pp_file_read(path, 4096, &data, &len) != PP_OK)
				continue;
			if (strncmp(data, want, strlen(want)) != 0 || (p = strstr(data, "\n\n")) == NULL) {
				free(data);
				continue;
			}
			for (p += 2; *p; p++) {
				size_t n = strspn(p, "0123456789");
				if (n == 6) {
					memcpy(code, p, 6);
					code[6] = '\0';
					break;
				}
				p += n;
				if (*p == '\0')
					break;
			}
			free(data);
			unlink(path);
			closedir(d);
			return code[0] ? 0 : -1;
		}
		closedir(d);
		usleep(50000);
	}
	return -1;
}

static void
bf_error(struct bf *bf, enum bf_step step, const struct bench_http_resp *r)
{
	pthread_mutex_lock(&bf->mu);
	bf->errors[step]++;
	if (bf->printed_errors++ < 10)
		fprintf(stderr, "paraphe-bench-flow: %s: status %d: %.300s\n", bf_step_names[step], r ? r->status : 0,
		    r ? r->body : "");
	pthread_mutex_unlock(&bf->mu);
}

/* Enrols signatory index i through the RA API; OUT s. */
static int
bf_enrol(struct bf *bf, struct bench_http_conn *sca, struct bench_http_resp *r, long i, struct bf_sig *s)
{
	char body[512];

	snprintf(s->id, sizeof(s->id), "%s-%ld", bf->prefix, i);
	snprintf(s->mobile, sizeof(s->mobile), "+336%08ld", i % 100000000L);
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"given_name\":\"Soak\",\"surname\":\"Signatory\","
	    "\"country\":\"FR\",\"serial_number\":\"IDCFR-S%ld\",\"mobile\":\"%s\",\"evidence\":\"bench\"}",
	    s->id, i, s->mobile);
	bf_request(sca, "POST", "/ra/v1/signatories", "application/json", NULL, body, r);
	if (r->status != 201)
		return -1;
	snprintf(body, sizeof(body), "{\"signatory\":\"%s\",\"key_type\":\"ec-p256\"}", s->id);
	bf_request(sca, "POST", "/ra/v1/credentials", "application/json", NULL, body, r);
	if (r->status != 201)
		return -1;
	{
		json_object *o = json_tokener_parse(r->body), *c, *v;
		int rc = -1;
		/* {"credential":{"id":…}} or the credential itself. */
		if (o && !json_object_object_get_ex(o, "credential", &c))
			c = o;
		if (o && json_object_object_get_ex(c, "id", &v) && json_object_is_type(v, json_type_string) &&
		    (size_t)json_object_get_string_len(v) < sizeof(s->cred)) {
			memcpy(s->cred, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
			rc = 0;
		}
		json_object_put(o);
		return rc;
	}
}

/*
 * Enrols a new signatory (OUT s), trying again under a new id when the
 * service refused (a loaded SAM may not answer within the plugin's time,
 * after having enrolled it or not): enrolment is the benchmark's set-up,
 * not what it measures.  The refusals are counted in *retries.
 */
static int
bf_enrol_retry(struct bf *bf, struct bench_http_conn *sca, struct bench_http_resp *r, struct bf_sig *s)
{
	for (int i = 0; i < 5; i++) {
		if (bf_enrol(bf, sca, r, atomic_fetch_add(&bf->nextindex, 1), s) == 0)
			return 0;
		atomic_fetch_add(&bf->enrol_retries, 1);
		pthread_mutex_lock(&bf->mu);
		if (bf->printed_errors++ < 10)
			fprintf(stderr, "paraphe-bench-flow: enrolment refused (%d), trying again: %.200s\n", r->status,
			    r->body);
		pthread_mutex_unlock(&bf->mu);
		sleep(1);
	}
	return -1;
}

/* The next signatory for a thread: from the file, else a new one. */
static int
bf_next_sig(struct bf *bf, struct bench_http_conn *sca, struct bench_http_resp *r, struct bf_sig *s)
{
	pthread_mutex_lock(&bf->mu);
	if (bf->nextsig < bf->nsigs) {
		*s = bf->sigs[bf->nextsig++];
		pthread_mutex_unlock(&bf->mu);
		return 0;
	}
	pthread_mutex_unlock(&bf->mu);
	if (bf_enrol_retry(bf, sca, r, s) != 0) {
		bf_error(bf, BF_ENROL, r);
		return -1;
	}
	atomic_fetch_add(&bf->enrolled_run, 1);
	return 0;
}

/* One flow for signatory s.  OUT *sign_lat: the signHash call's seconds.
 * Returns 0 when the signature came back, else the failed step + 1. */
static int
bf_flow(struct bf *bf, struct bench_http_conn *sca, struct bench_http_conn *pub, struct bench_http_resp *r, const struct bf_sig *s,
    double *sign_lat)
{
	unsigned char h[32];
	char b64[48], body[2048], authz[80], path[160], cookie[160], csrf[80], code[7] = "", sad[1024];
	double t;

	if (RAND_bytes(h, sizeof(h)) != 1)
		return BF_AUTHORIZE + 1;
	pp_b64_encode(h, sizeof(h), b64);
	snprintf(body, sizeof(body), "{\"credentialID\":\"%s\",\"numSignatures\":1,\"hashAlgorithmOID\":\"%s\","
	    "\"hashes\":[\"%s\"],\"description\":\"soak\"}", s->cred, BF_SHA256_OID, b64);
	bf_request(sca, "POST", "/csc/v2/credentials/authorize", "application/json", NULL, body, r);
	if (r->status != 202 || bf_json_str(r, "authorizationID", authz, sizeof(authz)) != 0)
		return BF_AUTHORIZE + 1;
	snprintf(path, sizeof(path), "/sign/%s", authz);
	bf_request(pub, "GET", path, NULL, NULL, NULL, r);
	if (r->status != 200 || bf_cookie(r, cookie, sizeof(cookie)) != 0 || bf_csrf(r, csrf, sizeof(csrf)) != 0)
		return BF_PAGE + 1;
	snprintf(path, sizeof(path), "/sign/%s/method", authz);
	snprintf(body, sizeof(body), "method=sms&csrf=%s", csrf);
	bf_request(pub, "POST", path, "application/x-www-form-urlencoded", cookie, body, r);
	if (r->status != 303)
		return BF_METHOD + 1;
	if (bf_spool_code(bf->spool, s->mobile, code) != 0)
		return BF_SPOOL + 1;
	snprintf(path, sizeof(path), "/sign/%s/otp", authz);
	snprintf(body, sizeof(body), "csrf=%s&action=verify&otp=%s", csrf, code);
	bf_request(pub, "POST", path, "application/x-www-form-urlencoded", cookie, body, r);
	if (r->status != 303)
		return BF_OTP + 1;
	snprintf(path, sizeof(path), "/sign/%s/approve", authz);
	snprintf(body, sizeof(body), "csrf=%s&consent=true", csrf);
	bf_request(pub, "POST", path, "application/x-www-form-urlencoded", cookie, body, r);
	if (r->status != 200 || strstr(r->body, "Signature approved") == NULL)
		return BF_APPROVE + 1;
	snprintf(body, sizeof(body), "{\"authorizationID\":\"%s\"}", authz);
	bf_request(sca, "POST", "/csc/v2/credentials/authorizeCheck", "application/json", NULL, body, r);
	if (r->status != 200 || bf_json_str(r, "SAD", sad, sizeof(sad)) != 0)
		return BF_CHECK + 1;
	snprintf(body, sizeof(body), "{\"credentialID\":\"%s\",\"SAD\":\"%s\",\"hashAlgorithmOID\":\"%s\","
	    "\"signAlgo\":\"%s\",\"hashes\":[\"%s\"]}", s->cred, sad, BF_SHA256_OID, BF_ECDSA_SHA256_OID, b64);
	t = bench_http_now();
	bf_request(sca, "POST", "/csc/v2/signatures/signHash", "application/json", NULL, body, r);
	*sign_lat = bench_http_now() - t;
	if (r->status != 200 || strstr(r->body, "\"signatures\":[\"") == NULL)
		return BF_SIGN + 1;
	return 0;
}

static void
bf_record(struct bf *bf, double t_end, double lat, double sign_lat, int ok)
{
	pthread_mutex_lock(&bf->mu);
	if (bf->nrecs == bf->caprecs) {
		size_t cap = bf->caprecs ? 2 * bf->caprecs : 4096;
		struct bf_rec *n = realloc(bf->recs, cap * sizeof(*n));
		if (n == NULL) {
			pthread_mutex_unlock(&bf->mu);
			return;
		}
		bf->recs = n;
		bf->caprecs = cap;
	}
	bf->recs[bf->nrecs++] = (struct bf_rec){ t_end, lat, sign_lat, ok };
	pthread_mutex_unlock(&bf->mu);
}

static void *
bf_run_thread(void *arg)
{
	struct bf *bf = arg;
	struct bench_http_conn sca = { .ctx = bf->ctx_sca, .host = bf->sca.host, .port = bf->sca.port, .fd = -1 };
	struct bench_http_conn pub = { .ctx = bf->ctx_pub, .host = bf->pub.host, .port = bf->pub.port, .fd = -1 };
	struct bench_http_resp r = { .buf = malloc(BF_RESP_MAX + 1), .cap = BF_RESP_MAX + 1 };
	struct bf_sig s;
	int uses = BF_FLOWS_PER_SIGNATORY;
	double end = bf->t0 + bf->seconds;

	if (r.buf == NULL)
		return NULL;
	for (;;) {
		double start, sign_lat = 0;
		int failed;
		if (bf->rate > 0) {
			long k = atomic_fetch_add(&bf->nextflow, 1);
			start = bf->t0 + (double)k / bf->rate;
			if (start >= end)
				break;
		} else {
			start = bench_http_now();
			if (start >= end)
				break;
		}
		/* A new signatory before the schedule's time: its enrolment
		 * counts in no latency. */
		if (uses == BF_FLOWS_PER_SIGNATORY) {
			if (bf_next_sig(bf, &sca, &r, &s) != 0) {
				bf_record(bf, bench_http_now(), 0, 0, 0);
				continue;
			}
			uses = 0;
		}
		uses++;
		if (bf->rate > 0)
			bf_sleep_until(start);
		else
			start = bench_http_now();
		failed = bf_flow(bf, &sca, &pub, &r, &s, &sign_lat);
		if (failed) {
			bf_error(bf, (enum bf_step)(failed - 1), &r);
			/* The signatory may be left with a code pending: next one. */
			uses = BF_FLOWS_PER_SIGNATORY;
		}
		bf_record(bf, bench_http_now(), bench_http_now() - start, sign_lat, !failed);
	}
	bench_http_close(&sca, 1);
	bench_http_close(&pub, 1);
	free(r.buf);
	return NULL;
}

/* Percentile q of v[0..n) (sorted in place); 0 when empty. */
static double
bf_pct(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_http_cmp_double);
	i = (size_t)ceil(q * (double)n) - (q > 0 ? 1 : 0);
	return v[i < n ? i : n - 1];
}

/* Stats of the records finished in [from, to) (seconds since t0). */
static void
bf_stats(struct bf *bf, double from, double to, long *flows, long *errs, double *p50, double *p99, double *sp50,
    double *sp99, double *max)
{
	double *lat, *sl;
	size_t n = 0, m = 0;

	pthread_mutex_lock(&bf->mu);
	lat = malloc((bf->nrecs + 1) * sizeof(double));
	sl = malloc((bf->nrecs + 1) * sizeof(double));
	*flows = 0;
	*errs = 0;
	*max = 0;
	for (size_t i = 0; lat && sl && i < bf->nrecs; i++) {
		const struct bf_rec *x = &bf->recs[i];
		double t = x->t_end - bf->t0;
		if (t < from || t >= to)
			continue;
		(*flows)++;
		if (!x->ok) {
			(*errs)++;
			continue;
		}
		lat[n++] = x->lat;
		sl[m++] = x->sign_lat;
		if (x->lat > *max)
			*max = x->lat;
	}
	pthread_mutex_unlock(&bf->mu);
	*p50 = lat ? bf_pct(lat, n, 0.5) * 1e3 : 0;
	*p99 = lat ? bf_pct(lat, n, 0.99) * 1e3 : 0;
	*sp50 = sl ? bf_pct(sl, m, 0.5) * 1e3 : 0;
	*sp99 = sl ? bf_pct(sl, m, 0.99) * 1e3 : 0;
	*max *= 1e3;
	free(lat);
	free(sl);
}

static int
bf_load_sigs(struct bf *bf, long skip)
{
	FILE *f = fopen(bf->sigfile, "r");
	char line[512];
	size_t cap = 0;
	long seen = 0;

	if (f == NULL) {
		perror(bf->sigfile);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct bf_sig s;
		if (sscanf(line, "%63s %127s %23s", s.id, s.cred, s.mobile) != 3)
			continue;
		if (seen++ < skip)
			continue;
		if (bf->nsigs == cap) {
			struct bf_sig *n;
			cap = cap ? 2 * cap : 1024;
			if ((n = realloc(bf->sigs, cap * sizeof(*n))) == NULL) {
				fclose(f);
				return -1;
			}
			bf->sigs = n;
		}
		bf->sigs[bf->nsigs++] = s;
	}
	fclose(f);
	return 0;
}

static void *
bf_enrol_thread(void *arg)
{
	struct bf *bf = arg;
	struct bench_http_conn sca = { .ctx = bf->ctx_sca, .host = bf->sca.host, .port = bf->sca.port, .fd = -1 };
	struct bench_http_resp r = { .buf = malloc(BF_RESP_MAX + 1), .cap = BF_RESP_MAX + 1 };
	struct bf_sig s;

	if (r.buf == NULL)
		return NULL;
	for (;;) {
		pthread_mutex_lock(&bf->mu);
		if (bf->count <= 0) {
			pthread_mutex_unlock(&bf->mu);
			break;
		}
		bf->count--;
		pthread_mutex_unlock(&bf->mu);
		if (bf_enrol_retry(bf, &sca, &r, &s) != 0) {
			atomic_fetch_add(&bf->enrol_failed, 1);
			bf_error(bf, BF_ENROL, &r);
			continue;
		}
		pthread_mutex_lock(&bf->mu);
		fprintf(bf->out, "%s %s %s\n", s.id, s.cred, s.mobile);
		pthread_mutex_unlock(&bf->mu);
	}
	bench_http_close(&sca, 1);
	free(r.buf);
	return NULL;
}

static int
bf_usage(void)
{
	fprintf(stderr, "usage: paraphe-bench-flow enrol --sca URL --cacert CA --cert C --key K --count N --first I --out FILE\n"
	    "           [--threads T] [--prefix P]\n"
	    "       paraphe-bench-flow run --sca URL --public URL --cacert CA --cert C --key K --spool DIR\n"
	    "           --signatories FILE [--skip K] [--rate R] --seconds S [--interval S] [--threads T] [--prefix P]\n");
	return 2;
}

static double
bf_num(const char *s, double max)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	return errno || e == s || *e || !(v >= 0) || v > max ? -1 : v;
}

int
main(int argc, char **argv)
{
	struct bf bf = { .threads = 8, .interval = 60, .prefix = "soak", .seconds = -1 };
	struct bench_http_tls tls = { NULL, NULL, NULL };
	const char *sca = NULL, *pub = NULL, *out = NULL;
	double first = 0, skip = 0, count = -1;
	pthread_t th[BF_MAX_THREADS];
	int enrol;

	if (argc < 2 || (strcmp(argv[1], "enrol") != 0 && strcmp(argv[1], "run") != 0))
		return bf_usage();
	enrol = strcmp(argv[1], "enrol") == 0;
	for (int i = 2; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double t = 0;
		if (v == NULL)
			return bf_usage();
		if (bench_http_tls_option(&tls, o, v))
			;
		else if (strcmp(o, "--sca") == 0) sca = v;
		else if (strcmp(o, "--public") == 0) pub = v;
		else if (strcmp(o, "--spool") == 0) bf.spool = v;
		else if (strcmp(o, "--signatories") == 0) bf.sigfile = v;
		else if (strcmp(o, "--prefix") == 0) bf.prefix = v;
		else if (strcmp(o, "--out") == 0) out = v;
		else if (strcmp(o, "--threads") == 0 && (t = bf_num(v, BF_MAX_THREADS)) >= 1) bf.threads = (int)t;
		else if (strcmp(o, "--rate") == 0 && (t = bf_num(v, 100000)) >= 0) bf.rate = t;
		else if (strcmp(o, "--seconds") == 0 && (t = bf_num(v, 86400 * 7)) > 0) bf.seconds = t;
		else if (strcmp(o, "--interval") == 0 && (t = bf_num(v, 86400)) >= 1) bf.interval = t;
		else if (strcmp(o, "--skip") == 0 && (t = bf_num(v, 1e8)) >= 0) skip = floor(t);
		else if (strcmp(o, "--first") == 0 && (t = bf_num(v, 1e8)) >= 0) first = floor(t);
		else if (strcmp(o, "--count") == 0 && (t = bf_num(v, 1e7)) >= 0) count = floor(t);
		else return bf_usage();
	}
	if (sca == NULL || tls.cacert == NULL || tls.cert == NULL || tls.key == NULL ||
	    bf_parse_url(sca, &bf.sca) != 0)
		return bf_usage();
	if (enrol ? (out == NULL || count < 0) :
	    (pub == NULL || bf.spool == NULL || bf.sigfile == NULL || bf.seconds <= 0 || bf_parse_url(pub, &bf.pub) != 0))
		return bf_usage();
	pthread_mutex_init(&bf.mu, NULL);
	if ((bf.ctx_sca = bench_http_ctx(tls.cacert, tls.cert, tls.key)) == NULL ||
	    (!enrol && (bf.ctx_pub = bench_http_ctx(tls.cacert, NULL, NULL)) == NULL))
		return 1;
	if (enrol) {
		double t0 = bench_http_now();
		if ((bf.out = fopen(out, "a")) == NULL) {
			perror(out);
			return 1;
		}
		bf.count = (long)count;
		atomic_store(&bf.nextindex, (long)first);
		for (int i = 0; i < bf.threads; i++)
			if (pthread_create(&th[i], NULL, bf_enrol_thread, &bf) != 0)
				return 1;
		for (int i = 0; i < bf.threads; i++)
			pthread_join(th[i], NULL);
		SSL_CTX_free(bf.ctx_sca);
		printf("{\"enrolled\":%ld,\"failed\":%ld,\"retried\":%ld,\"seconds\":%.3f}\n",
		    (long)count - atomic_load(&bf.enrol_failed), atomic_load(&bf.enrol_failed),
		    atomic_load(&bf.enrol_retries), bench_http_now() - t0);
		return fclose(bf.out) == 0 && atomic_load(&bf.enrol_failed) == 0 ? 0 : 1;
	}
	if (bf_load_sigs(&bf, (long)skip) != 0)
		return 1;
	/* Signatories enrolled during the run take indexes after the file's. */
	atomic_store(&bf.nextindex, 90000000L + (long)(getpid() % 1000) * 10000L);
	bf.t0 = bench_http_now();
	for (int i = 0; i < bf.threads; i++)
		if (pthread_create(&th[i], NULL, bf_run_thread, &bf) != 0)
			return 1;
	/* One line per interval while the threads run. */
	for (int k = 1;; k++) {
		double to = k * bf.interval, p50, p99, sp50, sp99, max;
		long flows, errs;
		if (to > bf.seconds + 1e-9)
			break;
		bf_sleep_until(bf.t0 + to);
		bf_stats(&bf, to - bf.interval, to, &flows, &errs, &p50, &p99, &sp50, &sp99, &max);
		printf("{\"interval\":%d,\"end_s\":%.0f,\"flows\":%ld,\"errors\":%ld,\"flows_per_s\":%.2f,"
		    "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"sign_p50_ms\":%.2f,\"sign_p99_ms\":%.2f}\n",
		    k, to, flows, errs, (double)flows / bf.interval, p50, p99, max, sp50, sp99);
		fflush(stdout);
	}
	for (int i = 0; i < bf.threads; i++)
		pthread_join(th[i], NULL);
	{
		double secs = bench_http_now() - bf.t0, p50, p99, sp50, sp99, max;
		long flows, errs, total_err = 0;
		bf_stats(&bf, 0, 1e12, &flows, &errs, &p50, &p99, &sp50, &sp99, &max);
		printf("{\"summary\":true,\"flows\":%ld,\"ok\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"flows_per_s\":%.2f,"
		    "\"rate_target\":%.2f,\"threads\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,"
		    "\"sign_p50_ms\":%.2f,\"sign_p99_ms\":%.2f,\"signatories_used\":%zu,\"enrolled_during_run\":%ld,\"enrol_retries\":%ld,"
		    "\"errors_by_step\":{", flows, flows - errs, errs, secs, (double)(flows - errs) / secs, bf.rate,
		    bf.threads, p50, p99, max, sp50, sp99, bf.nextsig, atomic_load(&bf.enrolled_run),
		    atomic_load(&bf.enrol_retries));
		for (int s = 0; s < BF_STEP__MAX; s++) {
			printf("%s\"%s\":%ld", s ? "," : "", bf_step_names[s], bf.errors[s]);
			total_err += bf.errors[s];
		}
		printf("}}\n");
		free(bf.sigs);
		free(bf.recs);
		SSL_CTX_free(bf.ctx_sca);
		SSL_CTX_free(bf.ctx_pub);
		return errs == 0 && total_err == 0 ? 0 : 1;
	}
}
