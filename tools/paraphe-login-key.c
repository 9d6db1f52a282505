/*
 * paraphe-login-key: the signer plugin's login-token key (AUTH-4,
 * docs/AUTHZ.md "Login token").
 *
 *   paraphe-login-key -c FILE
 *
 * Logs in to the token of [oidc] (pkcs11_module, token_label, pin_file,
 * softhsm2_conf), finds the ECDSA P-256 key pair labelled oidc.key_label
 * or, when there is none, generates it there (private key sensitive, not
 * extractable, sign only), and writes its public key (PEM) to
 * sam.login_key_file, the file the SAM verifies login tokens with.
 * Idempotent: a key already there is kept and the file rewritten only
 * when it differs.  Run at initialisation by root (the PIN file is
 * root-only), before the services start.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include "pp_conf.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_p11.h"
#include "pp_util.h"

static int
usage(void)
{
	fprintf(stderr, "usage: paraphe-login-key -c FILE\n");
	return 2;
}

/* Writes pem[0..len) to path by rename, unless it already holds it. */
static int
login_key_write(const char *path, const char *pem, size_t len)
{
	char tmp[4096];
	char *old = NULL;
	size_t oldlen = 0;
	FILE *f;

	/* A first initialisation has no file yet: not an error worth a log line. */
	if (access(path, F_OK) == 0 && pp_file_read(path, 65536, &old, &oldlen) == PP_OK) {
		int same = oldlen == len && memcmp(old, pem, len) == 0;
		pp_free(old);
		if (same)
			return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	if (fwrite(pem, 1, len, f) != len || fchmod(fileno(f), 0644) != 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	printf("wrote %s\n", path);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *label, *out;
	struct pp_conf *conf = NULL;
	struct pp_p11 *p = NULL;
	CK_OBJECT_HANDLE priv, pub;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	char err[512] = "", *pem;
	long pemlen;
	int ch, rc = 1;
	enum pp_err e;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			return usage();
		path = optarg;
	}
	if (path == NULL || optind != argc)
		return usage();
	pp_log_open("paraphe-login-key", PP_LOG_INFO, PP_LOG_STDERR);
	if (pp_conf_load(path, &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
	label = pp_conf_str(conf, "oidc", "key_label");
	out = pp_conf_str(conf, "sam", "login_key_file");
	if (*pp_conf_str(conf, "oidc", "pkcs11_module") == '\0' || *pp_conf_str(conf, "oidc", "pin_file") == '\0' ||
	    *out == '\0' || *label == '\0') {
		fprintf(stderr, "paraphe-login-key: need oidc.pkcs11_module, oidc.pin_file, oidc.key_label and "
		    "sam.login_key_file\n");
		goto done;
	}
	if (pp_p11_open(pp_conf_str(conf, "oidc", "pkcs11_module"), pp_conf_str(conf, "oidc", "token_label"),
	    pp_conf_str(conf, "oidc", "pin_file"), pp_conf_str(conf, "oidc", "softhsm2_conf"), &p) != PP_OK)
		goto done;
	e = pp_p11_ec_find(p, label, &priv, &pub);
	if (e == PP_ERR_NOT_FOUND) {
		if (pp_p11_ec_generate(p, label, &priv, &pub) != PP_OK)
			goto done;
		printf("generated the login-token key '%s' in token '%s'\n", label,
		    pp_conf_str(conf, "oidc", "token_label"));
	} else if (e != PP_OK) {
		goto done;
	}
	if (pp_p11_ec_public(p, pub, &key) != PP_OK)
		goto done;
	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PUBKEY(bio, key) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0)
		goto done;
	if (login_key_write(out, pem, (size_t)pemlen) != 0) {
		perror(out);
		goto done;
	}
	rc = 0;
done:
	BIO_free(bio);
	EVP_PKEY_free(key);
	pp_p11_close(p);
	pp_conf_free(conf);
	return rc;
}
