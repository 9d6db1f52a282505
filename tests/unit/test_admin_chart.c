/* admin_chart: the console's SVG bar charts (escaping, empty data, one bar,
 * many bars, the axis scale, malformed input).  The integration test parses
 * the served documents as XML (t_console_audit.sh). */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "admin_chart.h"
#include "pp_mem.h"
#include "pp_util.h"

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static struct pp_pool *pool;

static int
setup(void **state)
{
	(void)state;
	return pp_pool_new(&pool) == PP_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	pp_pool_free(pool);
	return 0;
}

static void
test_axis(void **state)
{
	(void)state;
	assert_int_equal(admin_chart_axis_max(0), 4);
	assert_int_equal(admin_chart_axis_max(-5), 4);
	assert_int_equal(admin_chart_axis_max(1), 4);
	assert_int_equal(admin_chart_axis_max(4), 4);
	assert_int_equal(admin_chart_axis_max(5), 8);
	assert_int_equal(admin_chart_axis_max(9), 20);
	assert_int_equal(admin_chart_axis_max(17), 20);
	assert_int_equal(admin_chart_axis_max(21), 40);
	assert_int_equal(admin_chart_axis_max(100), 200);
	assert_int_equal(admin_chart_axis_max(1234), 2000);
	assert_int_equal(admin_chart_axis_max(20001), 40000);
	assert_true(admin_chart_axis_max(INT64_MAX / 2) >= INT64_MAX / 2);
}

static void
test_escaping(void **state)
{
	const char *labels[] = { "<script>alert(1)</script>", "a&b \"q\" 'x'\x01" };
	int64_t v[] = { 3, 5 };
	struct admin_chart_series s = { "events <&>", v };
	struct admin_chart c = { "Title <b>&amp;", "desc \"quoted\"", "rec<ords>", labels, 2, &s, 1 };
	char *svg;
	size_t len;

	(void)state;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	assert_int_equal(strlen(svg), len);
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "<b>"));
	assert_null(strstr(svg, "<ords>"));
	assert_null(strchr(svg, '\x01'));
	assert_non_null(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(svg, "a&amp;b &quot;q&quot; &#39;x&#39;"));
	assert_non_null(strstr(svg, "<title id=\"chart-title\">Title &lt;b&gt;&amp;amp;</title>"));
	assert_non_null(strstr(svg, "<desc id=\"chart-desc\">desc &quot;quoted&quot;</desc>"));
	assert_non_null(strstr(svg, "events &lt;&amp;&gt;"));
	/* Every bar has its title: label, series, value. */
	assert_non_null(strstr(svg, "<title>&lt;script&gt;alert(1)&lt;/script&gt;, events &lt;&amp;&gt;: 3</title>"));
	/* Well-formed enough: one root, closed. */
	assert_int_equal(count(svg, "<svg "), 1);
	assert_int_equal(count(svg, "</svg>"), 1);
	assert_int_equal(count(svg, "<rect class=\"chart-bar"), count(svg, "</rect>"));
}

static void
test_empty(void **state)
{
	int64_t none[1] = { 0 };
	struct admin_chart_series s[2] = { { "events", none }, { "failures", none } };
	struct admin_chart c = { "Events per day", NULL, NULL, NULL, 0, s, 2 };
	char *svg;
	size_t len;

	(void)state;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	assert_non_null(strstr(svg, "No data"));
	assert_int_equal(count(svg, "chart-bar"), 0);
	/* The description falls back to the title. */
	assert_non_null(strstr(svg, "<desc id=\"chart-desc\">Events per day</desc>"));
	/* The legend still names both series. */
	assert_non_null(strstr(svg, ">events</text>"));
	assert_non_null(strstr(svg, ">failures</text>"));
}

static void
test_one_bar(void **state)
{
	const char *labels[] = { "CN=sca-demo,O=Demo,C=FR" };
	int64_t v[] = { 7 };
	struct admin_chart_series s = { "signatures", v };
	struct admin_chart c = { "Signatures per SCA", "d", "signatures", labels, 1, &s, 1 };
	char *svg;
	size_t len;

	(void)state;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	assert_int_equal(count(svg, "class=\"chart-bar chart-s0\""), 1);
	assert_int_equal(count(svg, "chart-s1"), 0);
	/* 7 on an axis of 8: 7/8 of the plot's 192 units. */
	assert_non_null(strstr(svg, "height=\"168.00\""));
	assert_non_null(strstr(svg, ">8</text>"));
	assert_non_null(strstr(svg, "CN=sca-demo,O=Demo,C=FR, signatures: 7</title>"));
	assert_null(strstr(svg, "No data"));
}

static void
test_many(void **state)
{
	static char lab[30][12];
	const char *labels[30];
	int64_t ev[30], fail[30];
	struct admin_chart_series s[2] = { { "events", ev }, { "failures", fail } };
	struct admin_chart c = { "Events and failures per day", NULL, "records", labels, 30, s, 2 };
	char *svg;
	size_t len;

	(void)state;
	for (int i = 0; i < 30; i++) {
		snprintf(lab[i], sizeof(lab[i]), "2026-11-%02d", i + 1);
		labels[i] = lab[i];
		ev[i] = i * 10;
		fail[i] = i % 3 == 0 ? -1 : i;	/* negative: drawn as 0 */
	}
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	assert_int_equal(count(svg, "class=\"chart-bar chart-s0\""), 30);
	assert_int_equal(count(svg, "class=\"chart-bar chart-s1\""), 30);
	assert_non_null(strstr(svg, "2026-11-01, failures: 0</title>"));
	assert_non_null(strstr(svg, "2026-11-30, events: 290</title>"));
	/* 30 categories: a label on every second one only. */
	assert_non_null(strstr(svg, ">2026-11-01</text>"));
	assert_null(strstr(svg, ">2026-11-02</text>"));
	assert_non_null(strstr(svg, ">2026-11-03</text>"));
	assert_null(strstr(svg, "height=\"-"));
}

/* Long labels are cut under the plot (whole in the bar's title), at a
 * character boundary. */
static void
test_long_labels(void **state)
{
	const char *labels[8] = { "CN=sca-demo,O=Paraphe Demo,C=FR",
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		"c", "d", "e", "f", "g", "h" };
	int64_t v[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct admin_chart_series s = { "n", v };
	struct admin_chart c = { "t", NULL, NULL, labels, 8, &s, 1 };
	char *svg;
	size_t len;

	(void)state;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	assert_non_null(strstr(svg, "<title>CN=sca-demo,O=Paraphe Demo,C=FR, n: 1</title>"));
	/* 13 characters and the ellipsis. */
	assert_non_null(strstr(svg, ">CN=sca-demo,O\xe2\x80\xa6</text>"));
	assert_non_null(strstr(svg, ">\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6</text>"));
	assert_true(pp_utf8_valid(svg, len, 1));
	/* A single bar is not as wide as the plot. */
	c.n = 1;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	assert_non_null(strstr(svg, "width=\"48.00\""));
	/* Few bars: the label is written straight and whole when it fits. */
	assert_non_null(strstr(svg, "text-anchor=\"middle\">CN=sca-demo,O=Paraphe Demo,C=FR</text>"));
}

static void
test_invalid(void **state)
{
	const char *labels[] = { "a", NULL };
	int64_t v[] = { 1, 2 };
	struct admin_chart_series s = { "x", v }, nonames = { NULL, v }, novals = { "x", NULL };
	struct admin_chart c = { "t", NULL, NULL, labels, 1, &s, 1 };
	char *svg = (char *)"unchanged";
	size_t len = 9;

	(void)state;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_OK);
	c.title = NULL;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	assert_null(svg);
	assert_int_equal(len, 0);
	c.title = "t";
	c.n = 2;	/* a NULL label */
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	c.n = 1;
	c.nseries = 0;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	c.nseries = ADMIN_CHART_MAX_SERIES + 1;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	c.nseries = 1;
	c.series = &nonames;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	c.series = &novals;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	c.series = &s;
	c.n = ADMIN_CHART_MAX_BARS + 1;
	assert_int_equal(admin_chart_bars(pool, &c, &svg, &len), PP_ERR_FIELD_INVALID);
	assert_int_equal(admin_chart_bars(pool, NULL, &svg, &len), PP_ERR_FIELD_INVALID);
}

/* The copy into the pool is the one allocation counted by pp_malloc. */
static void
test_nomem(void **state)
{
	const char *labels[] = { "a" };
	int64_t v[] = { 1 };
	struct admin_chart_series s = { "x", v };
	struct admin_chart c = { "t", NULL, NULL, labels, 1, &s, 1 };
	struct pp_pool *p2;
	char *svg;
	size_t len;

	(void)state;
	assert_int_equal(pp_pool_new(&p2), PP_OK);
	pp_mem_fail_after(0);
	assert_int_equal(admin_chart_bars(p2, &c, &svg, &len), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(svg);
	pp_pool_free(p2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axis),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_bar),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_long_labels),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_nomem),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
