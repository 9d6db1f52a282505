/*
 * pp-test-p11keygen CONF KEY_ID TYPE [extractable] [nosign]: stands in for
 * an HSM vendor's migration tools in the legacy-import tests.  It logs in
 * to the SAM's token as the configuration's [sam] section says
 * (pkcs11_module, token_label, pin_file, softhsm2_conf), makes a key pair
 * there under CKA_ID KEY_ID (hex), and prints a PKCS#10 request for it,
 * signed by that key in the token (PEM, subject CN=Legacy signatory), for
 * a throwaway CA to certify with `openssl ca`.
 *
 * TYPE: rsa1024, rsa2048, rsa3072 or ec-p256.  The private key is a token
 * object, private and sensitive, able to sign; "extractable" makes it
 * CKA_EXTRACTABLE (what the SAM must refuse), "nosign" CKA_SIGN false
 * (the request is then not signed by it: the tool signs nothing and
 * prints no request).  The key is generated with raw PKCS#11 calls on
 * purpose: pp_p11_key_generate makes only the SAM's own, compliant keys.
 *
 * An id already on the token is refused.  TYPE "find" makes nothing and
 * tells whether the token holds any object under KEY_ID (exit 0) or none
 * (exit 4), for the tests that check a key was destroyed.  TYPE "destroy"
 * destroys every object under KEY_ID behind the SAM's back (exit 0; 4
 * when there was none), for the reconciliation tests (staff.keys.inventory).
 *
 * Exit 0 done; 1 failure (told on stderr); 2 usage.  A test tool: the PIN
 * file of a throwaway token is read by pp_p11 as the daemons do.
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "pp_conf.h"
#include "pp_p11.h"

#define KEYGEN_ID_MAX 32

static const CK_BYTE keygen_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

static int
keygen_unhex(const char *s, unsigned char *out, size_t *len)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n / 2 > KEYGEN_ID_MAX || strspn(s, "0123456789abcdefABCDEF") != n)
		return 0;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (unsigned char)v;
	}
	*len = n / 2;
	return 1;
}

/* The key pair, by raw PKCS#11 calls on a pooled session. */
static int
keygen_make(struct pp_p11 *p, const unsigned char *id, size_t idlen, CK_ULONG bits, int extractable,
    int sign)
{
	CK_FUNCTION_LIST_PTR fn = pp_p11_fn(p);
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE e[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM mech = { bits ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pubt[8], privt[8];
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_SESSION_HANDLE s;
	CK_RV rv;

#define A(t, n, type, ptr, len) (t[n++] = (CK_ATTRIBUTE){ (type), (void *)(uintptr_t)(ptr), (len) })
	A(pubt, npub, CKA_TOKEN, &yes, sizeof(yes));
	A(pubt, npub, CKA_VERIFY, &yes, sizeof(yes));
	A(pubt, npub, CKA_ID, id, idlen);
	A(privt, npriv, CKA_TOKEN, &yes, sizeof(yes));
	A(privt, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	A(privt, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	A(privt, npriv, CKA_EXTRACTABLE, extractable ? &yes : &no, sizeof(yes));
	A(privt, npriv, CKA_SIGN, sign ? &yes : &no, sizeof(yes));
	A(privt, npriv, CKA_ID, id, idlen);
	if (bits) {
		A(pubt, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		A(pubt, npub, CKA_PUBLIC_EXPONENT, e, sizeof(e));
	} else {
		A(pubt, npub, CKA_EC_PARAMS, keygen_p256, sizeof(keygen_p256));
	}
#undef A
	if (pp_p11_session_take(p, &s) != PP_OK)
		return 0;
	rv = fn->C_GenerateKeyPair(s, &mech, pubt, npub, privt, npriv, &hpub, &hpriv);
	pp_p11_session_give(p, s);
	if (rv != CKR_OK) {
		fprintf(stderr, "pp-test-p11keygen: C_GenerateKeyPair: 0x%lx\n", (unsigned long)rv);
		return 0;
	}
	return 1;
}

/* A PKCS#10 request for the key of id, signed by it in the token (SHA-256). */
static int
keygen_csr(struct pp_p11 *p, const unsigned char *id, size_t idlen)
{
	EVP_PKEY *pub = NULL;
	X509_REQ *req = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_BIT_STRING *bs = NULL;
	unsigned char *tbs = NULL, dg[32], raw[PP_P11_SIG_MAX], sig[PP_P11_SIG_MAX];
	size_t rawlen = sizeof(raw), siglen = sizeof(sig);
	unsigned int dlen = 0;
	int tbslen, rsa, ok = 0;

	if (pp_p11_key_public(p, id, idlen, &pub) != PP_OK)
		goto out;
	rsa = EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA;
	if ((req = X509_REQ_new()) == NULL || X509_REQ_set_version(req, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
	    (const unsigned char *)"Legacy signatory", -1, -1, 0) != 1 ||
	    X509_REQ_set_pubkey(req, pub) != 1 || (alg = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256),
	    rsa ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) != 1 ||
	    X509_REQ_set1_signature_algo(req, alg) != 1 || (tbslen = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0 ||
	    EVP_Digest(tbs, (size_t)tbslen, dg, &dlen, EVP_sha256(), NULL) != 1)
		goto out;
	if (rsa) {
		if (pp_p11_sign(p, id, idlen, PP_P11_RSA_PKCS1, PP_P11_SHA256, NULL, dg, dlen, sig, &siglen) != PP_OK)
			goto out;
	} else if (pp_p11_sign(p, id, idlen, PP_P11_ECDSA, PP_P11_SHA256, NULL, dg, dlen, raw, &rawlen) != PP_OK ||
	    pp_p11_ecdsa_der(raw, rawlen, sig, &siglen) != PP_OK) {
		goto out;
	}
	if ((bs = ASN1_BIT_STRING_new()) == NULL || ASN1_BIT_STRING_set(bs, sig, (int)siglen) != 1)
		goto out;
	bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, bs);
	bs = NULL;
	ok = X509_REQ_verify(req, pub) == 1 && PEM_write_X509_REQ(stdout, req) == 1;
out:
	if (!ok)
		fprintf(stderr, "pp-test-p11keygen: no certificate request\n");
	ASN1_BIT_STRING_free(bs);
	OPENSSL_free(tbs);
	X509_ALGOR_free(alg);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	return ok;
}

int
main(int argc, char **argv)
{
	struct pp_conf *conf = NULL;
	struct pp_p11 *p = NULL;
	unsigned char id[KEYGEN_ID_MAX];
	size_t idlen = 0;
	CK_ULONG bits;
	struct pp_p11_objs objs;
	enum pp_err rc;
	char err[256];
	int extractable = 0, sign = 1, status = 1;

	if (argc < 4 || !keygen_unhex(argv[2], id, &idlen))
		goto usage;
	if (strcmp(argv[3], "rsa1024") == 0)
		bits = 1024;
	else if (strcmp(argv[3], "rsa2048") == 0)
		bits = 2048;
	else if (strcmp(argv[3], "rsa3072") == 0)
		bits = 3072;
	else if (strcmp(argv[3], "ec-p256") == 0)
		bits = 0;
	else if (strcmp(argv[3], "find") == 0)
		bits = 1;
	else if (strcmp(argv[3], "destroy") == 0)
		bits = 2;
	else
		goto usage;
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "extractable") == 0)
			extractable = 1;
		else if (strcmp(argv[i], "nosign") == 0)
			sign = 0;
		else
			goto usage;
	}
	if (pp_conf_load(argv[1], &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "pp-test-p11keygen: %s\n", err);
		return 1;
	}
	if (pp_p11_open(pp_conf_str(conf, "sam", "pkcs11_module"), pp_conf_str(conf, "sam", "token_label"),
	    pp_conf_str(conf, "sam", "pin_file"), pp_conf_str(conf, "sam", "softhsm2_conf"), &p) != PP_OK) {
		fprintf(stderr, "pp-test-p11keygen: the token could not be opened\n");
		goto out;
	}
	if (bits == 2) {
		size_t count = 0;
		rc = pp_p11_destroy(p, id, idlen, &count);
		status = rc == PP_OK ? 0 : rc == PP_ERR_NOT_FOUND ? 4 : 1;
		goto out;
	}
	rc = pp_p11_find(p, id, idlen, &objs);
	if (bits == 1) {
		status = rc == PP_OK ? 0 : rc == PP_ERR_NOT_FOUND ? 4 : 1;
		goto out;
	}
	if (rc != PP_ERR_NOT_FOUND) {
		fprintf(stderr, "pp-test-p11keygen: the id is in use on the token (or the token failed)\n");
		goto out;
	}
	if (keygen_make(p, id, idlen, bits, extractable, sign) && (!sign || keygen_csr(p, id, idlen)))
		status = 0;
out:
	pp_p11_close(p);
	pp_conf_free(conf);
	return status;
usage:
	fprintf(stderr, "usage: pp-test-p11keygen CONF KEY_ID_HEX rsa1024|rsa2048|rsa3072|ec-p256|find|destroy"
	    " [extractable] [nosign]\n");
	return 2;
}
