#include "config.h"
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <maxminddb.h>
#include "pp_geo.h"
#include "pp_json.h"
#include "pp_log.h"
#include "pp_util.h"

/* The process-wide database: opened once at start, read-only afterwards
 * (libmaxminddb lookups on an open handle do not modify it). */
static MMDB_s pp_geo_db;
static int pp_geo_open_flag;

enum pp_err
pp_geo_open(const char *path)
{
	int st;

	pp_geo_close();
	if (path == NULL || *path == '\0')
		return PP_OK;
	if ((st = MMDB_open(path, MMDB_MODE_MMAP, &pp_geo_db)) != MMDB_SUCCESS) {
		pp_err_log("geoip: %s cannot be opened: %s", path, MMDB_strerror(st));
		memset(&pp_geo_db, 0, sizeof(pp_geo_db));
		return PP_ERR_CONFIG;
	}
	pp_geo_open_flag = 1;
	return PP_OK;
}

void
pp_geo_close(void)
{
	if (!pp_geo_open_flag)
		return;
	MMDB_close(&pp_geo_db);
	memset(&pp_geo_db, 0, sizeof(pp_geo_db));
	pp_geo_open_flag = 0;
}

int
pp_geo_enabled(void)
{
	return pp_geo_open_flag;
}

/* The value at path (NULL-terminated list of keys) of entry e, when it is
 * a UTF-8 string: *s (not NUL-terminated, in the mapped file), *len. */
static int
pp_geo_string(MMDB_entry_s *e, const char *const *path, const char **s, size_t *len)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return 0;
	*s = d.utf8_string;
	*len = d.data_size;
	return 1;
}

static int
pp_geo_double(MMDB_entry_s *e, const char *const *path, double *v)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data)
		return 0;
	if (d.type == MMDB_DATA_TYPE_DOUBLE)
		*v = d.double_value;
	else if (d.type == MMDB_DATA_TYPE_FLOAT)
		*v = d.float_value;
	else
		return 0;
	return isfinite(*v);
}

/* ip as a socket address for libmaxminddb: literals only (no name
 * resolution, unlike MMDB_lookup_string with a host name). */
static int
pp_geo_sockaddr(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strlen(ip) > 45)
		return 0;
	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		return 1;
	}
	return 0;
}

enum pp_err
pp_geo_lookup(const char *ip, struct pp_geo *out)
{
	static const char *const p_country[] = { "country", "iso_code", NULL };
	static const char *const p_city[] = { "city", "names", "en", NULL };
	static const char *const p_lat[] = { "location", "latitude", NULL };
	static const char *const p_lon[] = { "location", "longitude", NULL };
	struct sockaddr_storage ss;
	MMDB_lookup_result_s r;
	const char *s;
	size_t len;
	double lat, lon;
	int err = MMDB_SUCCESS;

	memset(out, 0, sizeof(*out));
	if (ip == NULL || !pp_geo_sockaddr(ip, &ss))
		return PP_ERR_FIELD_INVALID;
	if (!pp_geo_open_flag)
		return PP_ERR_NOT_FOUND;
	r = MMDB_lookup_sockaddr(&pp_geo_db, (struct sockaddr *)&ss, &err);
	if (err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
		return PP_ERR_NOT_FOUND;
	if (err != MMDB_SUCCESS) {
		pp_err_log("geoip: lookup of %s failed: %s", ip, MMDB_strerror(err));
		return PP_ERR_IO;
	}
	if (!r.found_entry)
		return PP_ERR_NOT_FOUND;
	/* Only what fits the record schema enters a record. */
	if (pp_geo_string(&r.entry, p_country, &s, &len) && len == 2 &&
	    s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z') {
		out->country[0] = s[0];
		out->country[1] = s[1];
	}
	if (pp_geo_string(&r.entry, p_city, &s, &len) && len > 0 && len <= PP_GEO_CITY_MAX &&
	    pp_utf8_valid(s, len, 0) && memchr(s, '\t', len) == NULL) {
		memcpy(out->city, s, len);
		out->city[len] = '\0';
	}
	if (pp_geo_double(&r.entry, p_lat, &lat) && pp_geo_double(&r.entry, p_lon, &lon) &&
	    lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0)
		snprintf(out->geo, sizeof(out->geo), "%.4f,%.4f", lat, lon);
	return out->country[0] || out->city[0] || out->geo[0] ? PP_OK : PP_ERR_NOT_FOUND;
}

enum pp_err
pp_geo_details(const char *ip, json_object *d, size_t max_keys)
{
	const char *keys[3] = { "country", "city", "geo" };
	struct pp_geo g;
	const char *vals[3];

	if (!pp_geo_open_flag || ip == NULL || pp_geo_lookup(ip, &g) != PP_OK)
		return PP_OK;
	vals[0] = g.country;
	vals[1] = g.city;
	vals[2] = g.geo;
	for (size_t i = 0; i < 3; i++) {
		if (vals[i][0] == '\0' || json_object_object_get_ex(d, keys[i], NULL))
			continue;
		if ((size_t)json_object_object_length(d) >= max_keys)
			break;
		if (pp_json_add_str(d, keys[i], vals[i]) != PP_OK)
			return PP_ERR_NOMEM;
	}
	return PP_OK;
}
