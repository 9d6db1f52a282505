/*
 * pp_geo: where an IP address is, from a MaxMind DB (GeoIP2/GeoLite2 City
 * shape, libmaxminddb), for the audit records (issue #6, item 9).
 *
 * One process-wide, read-only handle: every process that emits audit
 * records carrying a client address (the plugins in pp_http_main, the SAM
 * in pp_daemon_main) opens the file named by [geoip] database at start and
 * closes it at exit.  The file is memory-mapped, so pre-forked workers
 * share it.  An empty path leaves GeoIP off: lookups find nothing.
 *
 * pp_audit_event_json adds what a lookup finds to records with a client_ip
 * (details.country, details.city, details.geo), never replacing a detail
 * the caller set.  The database is an operator's input, not an attacker's;
 * still, what it returns is checked before it enters a record.
 */
#ifndef PP_GEO_H
#define PP_GEO_H

#include <json-c/json.h>
#include "pp_err.h"

#define PP_GEO_CITY_MAX 128	/* bytes of an English city name kept */

/* What a lookup found; an empty string is "not in the database". */
struct pp_geo {
	char country[3];	/* ISO 3166-1 alpha-2, upper case */
	char city[PP_GEO_CITY_MAX + 1];	/* English name, printable UTF-8 */
	char geo[32];		/* "lat,lon", 4 decimals, e.g. "48.8566,2.3522" */
};

/* Opens the process-wide database at path (NULL or "": GeoIP off, PP_OK).
 * Replaces a database opened before.  PP_ERR_CONFIG (logged) when the file
 * cannot be opened or is not a MaxMind DB. */
enum pp_err pp_geo_open(const char *path) PP_WUR;
/* Closes it; a no-op when none is open. */
void pp_geo_close(void);
/* 1 when a database is open. */
int pp_geo_enabled(void);

/*
 * Looks ip (an IPv4 or IPv6 literal) up.  OUT *out, cleared first.
 * PP_OK: at least one of country, city and geo was found.
 * PP_ERR_NOT_FOUND: GeoIP off, or nothing known about the address.
 * PP_ERR_FIELD_INVALID: ip is not an address literal.
 * PP_ERR_IO: the database is corrupt at that entry (logged).
 */
enum pp_err pp_geo_lookup(const char *ip, struct pp_geo *out) PP_WUR;

/*
 * Adds country, city and geo of ip to the details object d, each only when
 * found and when d has no member of that name (the caller's value wins)
 * and only while d stays within max_keys members.  PP_OK also when nothing
 * was found or GeoIP is off; PP_ERR_NOMEM.
 */
enum pp_err pp_geo_details(const char *ip, json_object *d, size_t max_keys) PP_WUR;

#endif
