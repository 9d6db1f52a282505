/*
 * admin_chart: server-rendered SVG bar charts for the console (issue #6,
 * item 10: events and failures per day, signatures per SCA).  No script:
 * the page shows the SVG as an <img> with alternative text, next to a data
 * table with the same figures.
 *
 * The document is standalone SVG 1.1: presentation attributes only (an SVG
 * shown through <img> does not see the page's stylesheet, and the console's
 * CSP forbids inline styles), every text XML-escaped, <title> and <desc>
 * for assistive technology, and a <title> on every bar giving its label,
 * series and value.
 */
#ifndef ADMIN_CHART_H
#define ADMIN_CHART_H

#include <stddef.h>
#include <stdint.h>
#include "pp_err.h"

struct pp_pool;

#define ADMIN_CHART_MAX_SERIES 4
#define ADMIN_CHART_MAX_BARS 400	/* categories */

/* One series: a value per category (>= 0; negative values draw as 0). */
struct admin_chart_series {
	const char *name;		/* legend text */
	const int64_t *values;		/* n values, borrowed */
};

struct admin_chart {
	const char *title;		/* required */
	const char *desc;		/* longer description (may be NULL) */
	const char *unit;		/* what the values count, e.g. "records" (may be NULL) */
	const char *const *labels;	/* n category labels, borrowed */
	size_t n;			/* 0: an empty chart saying "No data" */
	const struct admin_chart_series *series;
	size_t nseries;			/* 1..ADMIN_CHART_MAX_SERIES */
};

/*
 * Renders c as an SVG document into pool memory.  OUT *svg (NUL-terminated,
 * pool memory), *len.  Each category has one <rect class="chart-bar
 * chart-sK"> per series K (zero-height bars included, so that a reader of
 * the document finds one per category).  PP_ERR_FIELD_INVALID when c is
 * malformed (no title, no series, too many, missing labels or values);
 * PP_ERR_NOMEM.
 */
enum pp_err admin_chart_bars(struct pp_pool *pool, const struct admin_chart *c, char **svg,
    size_t *len) PP_WUR;

/* The smallest "nice" axis maximum (1, 2 or 5 times a power of ten, times
 * the tick count 4) at least max; 4 for max <= 0.  Exposed for tests. */
int64_t admin_chart_axis_max(int64_t max);

#endif
