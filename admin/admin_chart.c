#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admin_chart.h"
#include "pp_mem.h"

/* Geometry (user units; the SVG scales with its viewBox). */
#define CH_W 720
#define CH_H 320
#define CH_LEFT 64
#define CH_RIGHT 16
#define CH_TOP 56
#define CH_BOTTOM 72
#define CH_PW (CH_W - CH_LEFT - CH_RIGHT)
#define CH_PH (CH_H - CH_TOP - CH_BOTTOM)
#define CH_TICKS 4
#define CH_MAX_LABELS 16	/* category labels written at most (every k-th) */
#define CH_STRAIGHT 6		/* up to this many categories, labels are not turned */
#define CH_LABEL_CHARS 14	/* characters of a turned label (it must fit under the plot) */
#define CH_BAR_MAX 48.0		/* widest bar */

/* Colour per series: distinguishable, dark enough on white (contrast >= 4.5),
 * and not the only cue (legend order, bar titles, the page's table). */
static const char *const admin_chart_fill[ADMIN_CHART_MAX_SERIES] = {
	"#1f5fa8", "#b3261e", "#2e7d32", "#6d4c41",
};

int64_t
admin_chart_axis_max(int64_t max)
{
	int64_t step, p = 1;

	if (max <= 0)
		return CH_TICKS;
	step = max / CH_TICKS + (max % CH_TICKS != 0);
	/* Round step up to 1, 2 or 5 times a power of ten. */
	while (p <= INT64_MAX / 10 && p * 10 <= step)
		p *= 10;
	if (step <= p)
		step = p;
	else if (step <= 2 * p)
		step = 2 * p;
	else if (step <= 5 * p)
		step = 5 * p;
	else
		step = 10 * p;
	return step * CH_TICKS;
}

/* s with &, <, >, " and ' escaped (text and attribute values alike);
 * characters XML 1.0 forbids (C0 controls but tab, CR, LF) dropped. */
static void
admin_chart_esc(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
				fputc(c, f);
		}
	}
}

/* A category label, at most max characters: a longer one is cut at a
 * character boundary and ends with an ellipsis (the bar's title and the
 * page's table keep the whole text). */
static void
admin_chart_label(FILE *f, const char *s, size_t max)
{
	size_t n = 0, i = 0, cut = 0;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++n == max)
			cut = i;	/* the start of the max-th character */
	if (n <= max) {
		admin_chart_esc(f, s);
		return;
	}
	char buf[512];
	if (cut >= sizeof(buf))
		cut = sizeof(buf) - 1;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(buf, s, cut);
	buf[cut] = '\0';
	admin_chart_esc(f, buf);
	fputs("\xe2\x80\xa6", f);	/* U+2026 */
}

static enum pp_err
admin_chart_check(const struct admin_chart *c)
{
	if (c == NULL || c->title == NULL || c->series == NULL || c->nseries == 0 ||
	    c->nseries > ADMIN_CHART_MAX_SERIES || c->n > ADMIN_CHART_MAX_BARS ||
	    (c->n > 0 && c->labels == NULL))
		return PP_ERR_FIELD_INVALID;
	for (size_t k = 0; k < c->nseries; k++)
		if (c->series[k].name == NULL || (c->n > 0 && c->series[k].values == NULL))
			return PP_ERR_FIELD_INVALID;
	for (size_t i = 0; i < c->n; i++)
		if (c->labels[i] == NULL)
			return PP_ERR_FIELD_INVALID;
	return PP_OK;
}

static void
admin_chart_legend(FILE *f, const struct admin_chart *c)
{
	double x = CH_LEFT;

	for (size_t k = 0; k < c->nseries; k++) {
		fprintf(f, "<rect x=\"%.1f\" y=\"34\" width=\"12\" height=\"12\" fill=\"%s\"/>", x,
		    admin_chart_fill[k]);
		fprintf(f, "<text x=\"%.1f\" y=\"44\">", x + 16);
		admin_chart_esc(f, c->series[k].name);
		fputs("</text>", f);
		/* Room for the name: a rough 7 units per byte. */
		x += 16 + 7.0 * (double)strlen(c->series[k].name) + 24;
	}
}

static void
admin_chart_axes(FILE *f, const struct admin_chart *c, int64_t top)
{
	for (int t = 0; t <= CH_TICKS; t++) {
		double y = CH_TOP + CH_PH - (double)CH_PH * t / CH_TICKS;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>",
		    CH_LEFT, y, CH_W - CH_RIGHT, y, t == 0 ? "#333333" : "#dddddd");
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>", CH_LEFT - 6, y + 4,
		    top / CH_TICKS * t);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\" stroke-width=\"1\"/>",
	    CH_LEFT, CH_TOP, CH_LEFT, CH_TOP + CH_PH);
	if (c->unit != NULL) {
		fprintf(f, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">",
		    CH_TOP + CH_PH / 2, CH_TOP + CH_PH / 2);
		admin_chart_esc(f, c->unit);
		fputs("</text>", f);
	}
}

static void
admin_chart_draw_bars(FILE *f, const struct admin_chart *c, int64_t top)
{
	double gw = (double)CH_PW / (double)c->n, bw = gw * 0.8 / (double)c->nseries;
	size_t every = (c->n + CH_MAX_LABELS - 1) / CH_MAX_LABELS;
	/* Few categories: labels written straight, as wide as a group. */
	int straight = c->n <= CH_STRAIGHT;
	size_t maxch = straight ? (size_t)(gw / 6.5) : CH_LABEL_CHARS;

	if (bw > CH_BAR_MAX)
		bw = CH_BAR_MAX;
	if (maxch < 4)
		maxch = 4;
	for (size_t i = 0; i < c->n; i++) {
		double x0 = CH_LEFT + gw * (double)i + (gw - bw * (double)c->nseries) / 2;
		for (size_t k = 0; k < c->nseries; k++) {
			int64_t v = c->series[k].values[i] < 0 ? 0 : c->series[k].values[i];
			double h = (double)CH_PH * (double)v / (double)top;
			fprintf(f, "<rect class=\"chart-bar chart-s%zu\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			    "height=\"%.2f\" fill=\"%s\"><title>", k, x0 + bw * (double)k, CH_TOP + CH_PH - h, bw, h,
			    admin_chart_fill[k]);
			admin_chart_esc(f, c->labels[i]);
			fputs(", ", f);
			admin_chart_esc(f, c->series[k].name);
			fprintf(f, ": %" PRId64 "</title></rect>", v);
		}
		if (straight) {
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", CH_LEFT + gw * ((double)i + 0.5),
			    CH_TOP + CH_PH + 16);
			admin_chart_label(f, c->labels[i], maxch);
			fputs("</text>", f);
		} else if (i % every == 0) {
			double lx = CH_LEFT + gw * ((double)i + 0.5);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-40 %.1f %d)\">",
			    lx, CH_TOP + CH_PH + 14, lx, CH_TOP + CH_PH + 14);
			admin_chart_label(f, c->labels[i], maxch);
			fputs("</text>", f);
		}
	}
}

enum pp_err
admin_chart_bars(struct pp_pool *pool, const struct admin_chart *c, char **svg, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	int64_t max = 0, top;
	enum pp_err rc;
	FILE *f;

	*svg = NULL;
	*len = 0;
	if ((rc = admin_chart_check(c)) != PP_OK)
		return rc;
	for (size_t k = 0; k < c->nseries; k++)
		for (size_t i = 0; i < c->n; i++)
			if (c->series[k].values[i] > max)
				max = c->series[k].values[i];
	top = admin_chart_axis_max(max);
	if ((f = open_memstream(&buf, &size)) == NULL)
		return PP_ERR_NOMEM;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" "
	    "font-family=\"sans-serif\" font-size=\"11\" fill=\"#222222\">\n", CH_W, CH_H, CH_W, CH_H);
	fputs("<title id=\"chart-title\">", f);
	admin_chart_esc(f, c->title);
	fputs("</title>\n<desc id=\"chart-desc\">", f);
	admin_chart_esc(f, c->desc != NULL ? c->desc : c->title);
	fputs("</desc>\n<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", f);
	fputs("<text x=\"8\" y=\"20\" font-size=\"15\" font-weight=\"bold\">", f);
	admin_chart_esc(f, c->title);
	fputs("</text>\n", f);
	admin_chart_legend(f, c);
	fputc('\n', f);
	admin_chart_axes(f, c, top);
	fputc('\n', f);
	if (c->n == 0)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">No data</text>",
		    CH_LEFT + CH_PW / 2, CH_TOP + CH_PH / 2);
	else
		admin_chart_draw_bars(f, c, top);
	fputs("\n</svg>\n", f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return PP_ERR_NOMEM;
	}
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return PP_ERR_NOMEM;
	}
	*svg = pp_pool_strndup(pool, buf, size);
	free(buf);
	if (*svg == NULL)
		return PP_ERR_NOMEM;
	*len = size;
	return PP_OK;
}
