/*
 * admin_params: the forms of the console parameters a params.set proposal
 * may set (docs/CONSOLE.md, "Console parameters").  The review modules
 * read the same values with their own parsers (admin_anomaly.c); the fuzz
 * target tests/fuzz/fuzz_console.c checks that every value accepted here
 * is one they understand.
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "admin.h"
#include "pp_util.h"

int
admin_param_valid(const char *name, const char *v)
{
	size_t n = strlen(v);

	if (strcmp(name, "business_days") == 0) {
		/* "1-5" or ISO weekdays "1 2 3 4 5". */
		if (n == 3 && v[0] >= '1' && v[0] <= '7' && v[1] == '-' && v[2] >= v[0] && v[2] <= '7')
			return 1;
		for (size_t i = 0; i < n; i++)
			if (!((i % 2 == 0 && v[i] >= '1' && v[i] <= '7') || (i % 2 == 1 && v[i] == ' ')))
				return 0;
		return n > 0 && n % 2 == 1;
	}
	if (strcmp(name, "working_hours") == 0) {
		int h1, m1, h2, m2;
		char tail;
		return n == 11 && sscanf(v, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) == 4 &&
		    v[2] == ':' && v[5] == '-' && v[8] == ':' &&
		    /* sscanf's %d would take a sign or a space: digits only. */
		    strspn(v, "0123456789") == 2 && strspn(v + 3, "0123456789") == 2 &&
		    strspn(v + 6, "0123456789") == 2 && strspn(v + 9, "0123456789") == 2 &&
		    h1 >= 0 && h1 < 24 && h2 >= 0 && h2 <= 24 && m1 >= 0 && m1 < 60 && m2 >= 0 && m2 < 60 &&
		    h1 * 60 + m1 < h2 * 60 + m2 && h2 * 60 + m2 <= 24 * 60;
	}
	if (strcmp(name, "allowed_countries") == 0) {
		for (size_t i = 0; i < n; i++)
			if (!((i % 3 < 2 && isupper((unsigned char)v[i])) || (i % 3 == 2 && v[i] == ' ')))
				return 0;
		return n == 0 || n % 3 == 2;
	}
	if (strcmp(name, "review_since") == 0) {
		int y, m, d;
		char tail;
		static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

		if (n != 10 || v[4] != '-' || v[7] != '-' || strspn(v, "0123456789-") != 10 ||
		    sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 || m < 1 || m > 12 || d < 1)
			return 0;
		/* A real date: February 29 in leap years only. */
		return d <= mdays[m - 1] + (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
	}
	if (strcmp(name, "burst_threshold") == 0 || strcmp(name, "max_speed_kmh") == 0) {
		int64_t x;
		return pp_strtonum(v, n, 2, 20000, &x) == PP_OK;
	}
	return 0;
}
