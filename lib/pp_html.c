#include "config.h"
#include <string.h>
#include "pp_html.h"
#include "pp_log.h"
#include "pp_mem.h"

/* The language strings are read from disk on first use, kept, and copied
 * into each request's dataset. */
static const char *const pp_html_langs[] = { "en", "fr" };
#define PP_HTML_NLANGS (sizeof(pp_html_langs) / sizeof(pp_html_langs[0]))

/* Parsed templates, kept per process: a page is parsed once and rendered
 * many times (cs_render resets its state at each call; the dataset is the
 * request's, set before each render).  Parsing each time was a quarter of
 * a signer page's CPU. */
#define PP_HTML_CACHE 32

struct pp_html {
	char *dir;
	HDF *lang[PP_HTML_NLANGS];
	struct {
		char name[64];
		CSPARSE *cs;
	} cache[PP_HTML_CACHE];
};

static enum pp_err pp_html_nerr(NEOERR *err, const char *what);

void
pp_html_free(struct pp_html *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < PP_HTML_NLANGS; i++)
		if (h->lang[i])
			hdf_destroy(&h->lang[i]);
	for (size_t i = 0; i < PP_HTML_CACHE; i++)
		if (h->cache[i].cs)
			cs_destroy(&h->cache[i].cs);
	free(h->dir);
	pp_free(h);
}

enum pp_err
pp_html_new(const char *templates_dir, struct pp_html **out)
{
	struct pp_html *h = pp_calloc(1, sizeof(*h));

	if (h == NULL)
		return PP_ERR_NOMEM;
	h->dir = strdup(templates_dir);
	if (h->dir == NULL) {
		pp_free(h);
		return PP_ERR_NOMEM;
	}
	nerr_init();
	*out = h;
	return PP_OK;
}

static enum pp_err
pp_html_nerr(NEOERR *err, const char *what)
{
	STRING s;

	string_init(&s);
	nerr_error_string(err, &s);
	pp_err_log("template %s: %s", what, s.buf ? s.buf : "?");
	string_clear(&s);
	nerr_ignore(&err);
	return PP_ERR_TEMPLATE;
}

enum pp_err
pp_hdf_set(HDF *hdf, const char *name, const char *value)
{
	NEOERR *err = hdf_set_value(hdf, name, value ? value : "");

	if (err != STATUS_OK) {
		nerr_ignore(&err);
		return PP_ERR_NOMEM;
	}
	return PP_OK;
}

enum pp_err
pp_html_data(struct pp_html *h, const char *lang, HDF **out)
{
	HDF *hdf = NULL, *strings;
	size_t i;
	NEOERR *err;

	for (i = 0; i < PP_HTML_NLANGS; i++)
		if (strcmp(lang, pp_html_langs[i]) == 0)
			break;
	if (i == PP_HTML_NLANGS)
		return PP_ERR_INTERNAL;
	if (h->lang[i] == NULL) {
		char path[4096];
		HDF *l = NULL;
		snprintf(path, sizeof(path), "%s/lang/%s.hdf", h->dir, lang);
		if ((err = hdf_init(&l)) != STATUS_OK)
			return pp_html_nerr(err, "init");
		if ((err = hdf_read_file(l, path)) != STATUS_OK) {
			hdf_destroy(&l);
			return pp_html_nerr(err, path);
		}
		h->lang[i] = l;
	}
	strings = hdf_get_obj(h->lang[i], "L");
	if ((err = hdf_init(&hdf)) != STATUS_OK)
		return pp_html_nerr(err, "init");
	/* Auto-escaping for every variable of every page. */
	if (pp_hdf_set(hdf, "Config.VarEscapeMode", "html") != PP_OK ||
	    pp_hdf_set(hdf, "hdf.loadpaths.0", h->dir) != PP_OK ||
	    pp_hdf_set(hdf, "Lang", lang) != PP_OK) {
		hdf_destroy(&hdf);
		return PP_ERR_NOMEM;
	}
	if (strings != NULL && (err = hdf_copy(hdf, "L", strings)) != STATUS_OK) {
		hdf_destroy(&hdf);
		return pp_html_nerr(err, "language strings");
	}
	*out = hdf;
	return PP_OK;
}

static NEOERR *
pp_html_out(void *ctx, char *s)
{
	return string_append((STRING *)ctx, s);
}

/* A template parsed with data as its dataset; NULL on error (logged). */
static CSPARSE *
pp_html_parse(HDF *data, const char *tmpl)
{
	CSPARSE *cs = NULL;
	NEOERR *err;

	if ((err = cs_init(&cs, data)) != STATUS_OK) {
		(void)pp_html_nerr(err, tmpl);
		return NULL;
	}
	if ((err = cgi_register_strfuncs(cs)) != STATUS_OK || (err = cs_parse_file(cs, tmpl)) != STATUS_OK) {
		(void)pp_html_nerr(err, tmpl);
		cs_destroy(&cs);
		return NULL;
	}
	return cs;
}

enum pp_err
pp_html_render(struct pp_html *h, HDF *data, const char *tmpl, char **out, size_t *len)
{
	CSPARSE *cs = NULL;
	STRING s;
	NEOERR *err;
	enum pp_err rc = PP_OK;
	size_t slot = PP_HTML_CACHE;

	/* Template names are compiled-in constants of the form [a-z_]+.cs;
	 * refuse anything else (no paths, no dot segments). */
	size_t tl = strlen(tmpl), k = 0;
	while (k < tl && ((tmpl[k] >= 'a' && tmpl[k] <= 'z') || tmpl[k] == '_'))
		k++;
	if (k == 0 || tl != k + 3 || strcmp(tmpl + k, ".cs") != 0 || tl >= sizeof(h->cache[0].name))
		return PP_ERR_INTERNAL;
	if (pp_hdf_set(data, "Config.VarEscapeMode", "html") != PP_OK)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < PP_HTML_CACHE; i++) {
		if (h->cache[i].cs != NULL && strcmp(h->cache[i].name, tmpl) == 0) {
			cs = h->cache[i].cs;
			slot = i;
			break;
		}
		if (h->cache[i].cs == NULL && slot == PP_HTML_CACHE)
			slot = i;
	}
	if (cs == NULL) {
		/* Parsed with the first request's dataset (its escaping mode
		 * and load path, the same for every request). */
		if ((cs = pp_html_parse(data, tmpl)) == NULL)
			return PP_ERR_TEMPLATE;
		if (slot < PP_HTML_CACHE) {
			memcpy(h->cache[slot].name, tmpl, tl + 1);
			h->cache[slot].cs = cs;
		}
	}
	cs->hdf = data;
	string_init(&s);
	err = cs_render(cs, &s, pp_html_out);
	cs->hdf = NULL;
	if (err != STATUS_OK) {
		rc = pp_html_nerr(err, tmpl);
		/* A parse whose render failed is not trusted again. */
		if (slot < PP_HTML_CACHE && h->cache[slot].cs == cs)
			h->cache[slot].cs = NULL;
		cs_destroy(&cs);
		goto done;
	}
	if (slot >= PP_HTML_CACHE || h->cache[slot].cs != cs)
		cs_destroy(&cs);	/* the cache is full: not kept */
	*out = pp_malloc((size_t)s.len + 1);
	if (*out == NULL) {
		rc = PP_ERR_NOMEM;
		goto done;
	}
	if (s.len)
		memcpy(*out, s.buf, (size_t)s.len);
	(*out)[s.len] = '\0';
	*len = (size_t)s.len;
done:
	string_clear(&s);
	return rc;
}
