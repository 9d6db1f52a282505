/*
 * pp-test-totp: the staff member's authenticator app in the tests.
 *
 *   pp-test-totp BASE32-SECRET [STEPS]
 *
 * prints the 6-digit TOTP code (RFC 6238, HMAC-SHA1, 30 s) of the current
 * time step plus STEPS (default 0; the console accepts one step either
 * way), as an authenticator app shows it.  Exit status: 0, or 2 on usage.
 */
#include "config.h"
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	char *secret = NULL, otp[16];
	size_t len = 0;
	long steps = 0;

	if (argc < 2 || argc > 3 || oath_init() != OATH_OK)
		return 2;
	if (argc == 3)
		steps = strtol(argv[2], NULL, 10);
	if (oath_base32_decode(argv[1], strlen(argv[1]), &secret, &len) != OATH_OK ||
	    oath_totp_generate(secret, len, time(NULL) + steps * 30, 30, 0, 6, otp) != OATH_OK) {
		fprintf(stderr, "pp-test-totp: not a base32 secret\n");
		free(secret);
		return 2;
	}
	printf("%s\n", otp);
	free(secret);
	return 0;
}
