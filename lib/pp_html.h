/*
 * pp_html: pages rendered from ClearSilver templates.
 *
 * Every render sets Config.VarEscapeMode = html, so every <?cs var:x ?> is
 * HTML-escaped; templates never use uvar:.  Language strings are read from
 * <templates_dir>/lang/<lang>.hdf on first use, kept, and copied into each
 * dataset under "L".
 */
#ifndef PP_HTML_H
#define PP_HTML_H

#include <stddef.h>
/* ClearSilver's cs_config.h defines autoconf's PACKAGE_* macros: keep them
 * out of our namespace (we use PP_VERSION). */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_VERSION
#undef PACKAGE_URL
#include <ClearSilver.h>
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_VERSION
#undef PACKAGE_URL
#include "pp_err.h"

struct pp_html;

enum pp_err pp_html_new(const char *templates_dir, struct pp_html **out) PP_WUR;
void pp_html_free(struct pp_html *h);
/* OUT *hdf: a new dataset (hdf_destroy) prepared for rendering. */
enum pp_err pp_html_data(struct pp_html *h, const char *lang, HDF **hdf) PP_WUR;
/* Renders template (a file name under templates_dir) with data.
 * OUT *out: pp_malloc'd NUL-terminated page, *len its length. */
enum pp_err pp_html_render(struct pp_html *h, HDF *data, const char *tmpl, char **out,
    size_t *len) PP_WUR;
/* Sets name = value (value copied).  PP_ERR_NOMEM on failure. */
enum pp_err pp_hdf_set(HDF *hdf, const char *name, const char *value) PP_WUR;

#endif
