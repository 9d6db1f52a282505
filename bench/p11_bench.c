/*
 * paraphe-bench-p11: the raw PKCS#11 signing rate of a token, the baseline
 * the end-to-end signHash figures are divided by (bench/run-sign).
 *
 *   paraphe-bench-p11 MODULE TOKEN_LABEL PIN_FILE SOFTHSM2_CONF THREADS SECONDS
 *
 * Generates one ECDSA P-256 and one RSA-3072 key pair in the token, signs
 * SHA-256 digests with each for SECONDS using THREADS threads over a pool of
 * THREADS sessions (pp_p11_sign: C_SignInit + C_Sign), prints one JSON line
 * per key type, then destroys the keys.
 */
#include "config.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <openssl/rand.h>
#include "pp_log.h"
#include "pp_p11.h"
#include "pp_util.h"

struct job {
	struct pp_p11 *p;
	const unsigned char *id;
	enum pp_p11_mech mech;
	double until;
	long count, errors;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
worker(void *arg)
{
	struct job *j = arg;
	unsigned char digest[32], sig[PP_P11_SIG_MAX];

	RAND_bytes(digest, sizeof(digest));
	while (now_s() < j->until) {
		size_t siglen = sizeof(sig);
		if (pp_p11_sign(j->p, j->id, 16, j->mech, PP_P11_SHA256, NULL, digest, sizeof(digest),
		    sig, &siglen) == PP_OK)
			j->count++;
		else
			j->errors++;
		digest[0]++;
	}
	return NULL;
}

static int
run(struct pp_p11 *p, enum pp_p11_keytype type, enum pp_p11_mech mech, const char *name, int threads,
    double secs)
{
	unsigned char id[16];
	struct pp_p11_objs objs;
	struct job jobs[64];
	pthread_t th[64];
	size_t destroyed;
	long total = 0, errors = 0;
	double t0;

	RAND_bytes(id, sizeof(id));
	if (pp_p11_key_generate(p, type, id, sizeof(id), "paraphe-bench", &objs) != PP_OK) {
		fprintf(stderr, "key generation failed for %s\n", name);
		return 1;
	}
	t0 = now_s();
	for (int i = 0; i < threads; i++) {
		jobs[i] = (struct job){ .p = p, .id = id, .mech = mech, .until = t0 + secs };
		if (pthread_create(&th[i], NULL, worker, &jobs[i]) != 0)
			return 1;
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		total += jobs[i].count;
		errors += jobs[i].errors;
	}
	double el = now_s() - t0;
	printf("{\"bench\":\"p11_sign\",\"key\":\"%s\",\"threads\":%d,\"signatures\":%ld,\"errors\":%ld,"
	    "\"seconds\":%.3f,\"signatures_per_s\":%.1f}\n", name, threads, total, errors, el, total / el);
	if (pp_p11_destroy(p, id, sizeof(id), &destroyed) != PP_OK)
		return 1;
	return errors != 0;
}

int
main(int argc, char **argv)
{
	struct pp_p11 *p = NULL;
	int64_t threads, secs;
	int rc = 0;

	if (argc != 7 || pp_strtonum(argv[5], strlen(argv[5]), 1, 64, &threads) != PP_OK ||
	    pp_strtonum(argv[6], strlen(argv[6]), 1, 600, &secs) != PP_OK) {
		fprintf(stderr, "usage: paraphe-bench-p11 MODULE TOKEN_LABEL PIN_FILE SOFTHSM2_CONF THREADS SECONDS\n");
		return 2;
	}
	pp_log_open("paraphe-bench-p11", PP_LOG_WARN, PP_LOG_STDERR);
	if (pp_p11_open_pool(argv[1], argv[2], argv[3], argv[4], (size_t)threads, &p) != PP_OK)
		return 1;
	rc |= run(p, PP_P11_EC_P256, PP_P11_ECDSA, "ec-p256", (int)threads, (double)secs);
	rc |= run(p, PP_P11_RSA3072, PP_P11_RSA_PKCS1, "rsa3072", (int)threads, (double)secs);
	pp_p11_close(p);
	return rc;
}
