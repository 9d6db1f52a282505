/*
 * pp-test-p11 -c CONFIG SECTION list
 * pp-test-p11 -c CONFIG SECTION keygen HEXID LABEL
 *
 * For the integration tests that check what the SAM and the audit daemon
 * keep in their tokens: works on the token of the [sam], [audit] or [oidc]
 * (the signer's login-token key) section of a Paraphe configuration (pkcs11_module, token_label, pin_file,
 * softhsm2_conf).
 *
 * keygen makes an EC P-256 key pair under that CKA_ID as the SAM's
 * credential.create does (pp_p11_key_generate), to stage a creation that
 * a crash interrupted.  Objects made as root belong to root: the caller
 * gives them back to the token's owner.
 *
 * list prints the token's objects, one line each:
 *
 *   class=private key_type=ec id=0a1b... label=my%20key token=1 private=1 sensitive=1 ...
 *
 * Fields are space-separated KEY=VALUE: class (data, certificate, public,
 * private, secret or 0x...), key_type for keys (rsa, ec, generic_secret,
 * aes or 0x...), id as lower-case hex (empty when none), label with bytes
 * other than printable ASCII, space and '%' written %XX, then every boolean
 * attribute the object has (token, private, sensitive, always_sensitive,
 * extractable, never_extractable, sign, verify, encrypt, decrypt, wrap,
 * unwrap, derive) as 0 or 1, value_len for secret keys, and truncated=1
 * when the id or label was too long to show whole.  Attributes the object
 * does not have are left out.
 *
 * It logs in with the section's PIN file, read by lib/pp_p11 like the
 * daemons do (never on argv): run it as the PIN file's owner, i.e. as root
 * when the instance was initialised as root.  Exit 0 done, 1 when the
 * configuration or the token fails, 2 on usage errors.
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "pp_conf.h"
#include "pp_mem.h"
#include "pp_p11.h"

static void
pp_test_p11_usage(void)
{
	fprintf(stderr, "usage: pp-test-p11 -c CONFIG sam|audit list\n"
	    "       pp-test-p11 -c CONFIG sam|audit keygen HEXID LABEL\n");
}

/* OUT id[0..*len) from hex text; 0 when it is not 1..PP_P11_ID_MAX bytes
 * of hex. */
static int
pp_test_p11_unhex(const char *hex, unsigned char *id, size_t *len)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 != 0 || n / 2 > PP_P11_ID_MAX)
		return 0;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;
		if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
		    sscanf(hex + 2 * i, "%2x", &b) != 1)
			return 0;
		id[i] = (unsigned char)b;
	}
	*len = n / 2;
	return 1;
}

static void
pp_test_p11_class(CK_OBJECT_CLASS c)
{
	switch (c) {
	case CKO_DATA: printf("class=data"); break;
	case CKO_CERTIFICATE: printf("class=certificate"); break;
	case CKO_PUBLIC_KEY: printf("class=public"); break;
	case CKO_PRIVATE_KEY: printf("class=private"); break;
	case CKO_SECRET_KEY: printf("class=secret"); break;
	default: printf("class=0x%lx", (unsigned long)c); break;
	}
}

static void
pp_test_p11_key_type(CK_KEY_TYPE k)
{
	switch (k) {
	case CK_UNAVAILABLE_INFORMATION: break;
	case CKK_RSA: printf(" key_type=rsa"); break;
	case CKK_EC: printf(" key_type=ec"); break;
	case CKK_GENERIC_SECRET: printf(" key_type=generic_secret"); break;
	case CKK_AES: printf(" key_type=aes"); break;
	default: printf(" key_type=0x%lx", (unsigned long)k); break;
	}
}

static void
pp_test_p11_print(const struct pp_p11_obj *o)
{
	pp_test_p11_class(o->cls);
	pp_test_p11_key_type(o->key_type);
	printf(" id=");
	for (size_t i = 0; i < o->idlen; i++)
		printf("%02x", o->id[i]);
	printf(" label=");
	for (size_t i = 0; i < o->labellen; i++) {
		unsigned char c = (unsigned char)o->label[i];
		if (c > ' ' && c < 0x7f && c != '%')
			putchar(c);
		else
			printf("%%%02X", c);
	}
	for (int a = 0; a < PP_P11_A__MAX; a++)
		if (o->attr[a] >= 0)
			printf(" %s=%d", pp_p11_attr_name((enum pp_p11_attr)a), o->attr[a]);
	if (o->cls == CKO_SECRET_KEY)
		printf(" value_len=%lu", o->value_len);
	if (o->truncated)
		printf(" truncated=1");
	putchar('\n');
}

int
main(int argc, char **argv)
{
	struct pp_conf *conf = NULL;
	struct pp_p11 *p = NULL;
	struct pp_p11_obj *objs = NULL;
	struct pp_p11_objs made;
	unsigned char id[PP_P11_ID_MAX];
	size_t idlen = 0, n = 0;
	const char *sec;
	char err[256];
	int rc = 1, keygen;

	if (argc < 5 || strcmp(argv[1], "-c") != 0 ||
	    (strcmp(argv[3], "sam") != 0 && strcmp(argv[3], "audit") != 0 && strcmp(argv[3], "oidc") != 0)) {
		pp_test_p11_usage();
		return 2;
	}
	keygen = strcmp(argv[4], "keygen") == 0;
	if (keygen ? argc != 7 || !pp_test_p11_unhex(argv[5], id, &idlen) :
	    argc != 5 || strcmp(argv[4], "list") != 0) {
		pp_test_p11_usage();
		return 2;
	}
	sec = argv[3];
	if (pp_conf_load(argv[2], &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "pp-test-p11: %s\n", err);
		return 1;
	}
	if (pp_p11_open(pp_conf_str(conf, sec, "pkcs11_module"), pp_conf_str(conf, sec, "token_label"),
	    pp_conf_str(conf, sec, "pin_file"), pp_conf_str(conf, sec, "softhsm2_conf"), &p) != PP_OK) {
		fprintf(stderr, "pp-test-p11: cannot log in to the [%s] token\n", sec);
		goto out;
	}
	if (keygen) {
		if (pp_p11_key_generate(p, PP_P11_EC_P256, id, idlen, argv[6], &made) != PP_OK) {
			fprintf(stderr, "pp-test-p11: cannot make the key pair\n");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (pp_p11_list(p, &objs, &n) != PP_OK) {
		fprintf(stderr, "pp-test-p11: cannot list the [%s] token's objects\n", sec);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		pp_test_p11_print(&objs[i]);
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
out:
	pp_free(objs);
	pp_p11_close(p);
	pp_conf_free(conf);
	return rc;
}
