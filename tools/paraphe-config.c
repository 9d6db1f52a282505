/*
 * paraphe-config: checks a configuration file and reads values from it, so
 * that scripts (the quickstart, systemd units, operators) read the same
 * validated configuration as the daemons.
 *
 *   paraphe-config -c FILE check          exit 0 when valid, else the reason
 *   paraphe-config -c FILE get SECTION.KEY
 *   paraphe-config schema                 every key with its default and doc
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "pp_conf.h"

static int
usage(void)
{
	fprintf(stderr, "usage: paraphe-config -c FILE check\n"
	    "       paraphe-config -c FILE get SECTION.KEY\n"
	    "       paraphe-config schema\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	struct pp_conf *conf = NULL;
	char err[512] = "", sec[65];
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			return usage();
		path = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "schema") == 0 && argc == 1) {
		size_t n;
		const struct pp_conf_key *k = pp_conf_schema(&n);
		for (size_t i = 0; i < n; i++)
			printf("%s.%s\t%s\t%s\n", k[i].section, k[i].key,
			    k[i].def ? (*k[i].def ? k[i].def : "(empty)") : "(required)", k[i].doc);
		return 0;
	}
	if (path == NULL)
		return usage();
	if (pp_conf_load(path, &conf, err, sizeof(err)) != PP_OK) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
	int rc = 0;
	if (strcmp(argv[0], "check") == 0 && argc == 1)
		printf("%s: ok\n", path);
	else if (strcmp(argv[0], "get") == 0 && argc == 2) {
		const char *dot = strchr(argv[1], '.');
		if (dot == NULL || (size_t)(dot - argv[1]) >= sizeof(sec)) {
			rc = usage();
		} else {
			size_t n, found = 0;
			const struct pp_conf_key *k = pp_conf_schema(&n);
			memcpy(sec, argv[1], (size_t)(dot - argv[1]));
			sec[dot - argv[1]] = '\0';
			for (size_t i = 0; i < n; i++)
				if (strcmp(k[i].section, sec) == 0 && strcmp(k[i].key, dot + 1) == 0)
					found = 1;
			if (!found) {
				fprintf(stderr, "unknown key %s\n", argv[1]);
				rc = 1;
			} else
				printf("%s\n", pp_conf_str(conf, sec, dot + 1));
		}
	} else
		rc = usage();
	pp_conf_free(conf);
	return rc;
}
