#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pp_html.h"
#include "pp_log.h"
#include "pp_mem.h"
#include "pp_test.h"

static char dir[256];
static struct pp_html *html;

static void
write_text(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
group_setup(void **state)
{
	char path[512];
	(void)state;

	snprintf(dir, sizeof(dir), "/tmp/pp_html_XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/lang", dir);
	if (mkdir(path, 0755) != 0)
		return -1;
	write_text("lang/en.hdf", "L.hello = Hello\n");
	write_text("t.cs", "<p><?cs var:X ?></p>");
	write_text("greet.cs", "<h1><?cs var:L.hello ?></h1><p lang=\"<?cs var:Lang ?>\"><?cs var:Name ?></p>");
	write_text("broken.cs", "<p><?cs var:X </p>");
	write_text("loop.cs", "<?cs set:Page.t = X ?><?cs var:Page.t ?>|<?cs each:i = Items ?><?cs var:i ?>,<?cs /each ?>");
	if (pp_html_new(dir, &html) != PP_OK)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	pp_html_free(html);
	html = NULL;
	return pp_test_rmtree(dir) == 0 ? 0 : -1;
}


static void
test_escaping(void **state)
{
	HDF *hdf = NULL;
	char *page = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_html_data(html, "en", &hdf), PP_OK);
	assert_non_null(hdf);
	assert_int_equal(pp_hdf_set(hdf, "X", "<script>alert(\"x\")&'</script>"), PP_OK);
	assert_int_equal(pp_html_render(html, hdf, "t.cs", &page, &len), PP_OK);
	assert_non_null(page);
	assert_int_equal(len, strlen(page));
	assert_non_null(strstr(page, "&lt;script&gt;"));
	assert_null(strstr(page, "<script>"));
	assert_null(strstr(page, "</script>"));
	assert_null(strstr(page, "\"x\""));	/* quotes escaped too */
	assert_non_null(strstr(page, "&amp;"));
	assert_int_equal(strncmp(page, "<p>", 3), 0);
	assert_int_equal(strcmp(page + len - 4, "</p>"), 0);
	pp_free(page);
	hdf_destroy(&hdf);
}

/* Escaping holds even if a template or a caller turns it off in the data. */
static void
test_escaping_forced(void **state)
{
	HDF *hdf = NULL;
	char *page = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_html_data(html, "en", &hdf), PP_OK);
	assert_int_equal(pp_hdf_set(hdf, "Config.VarEscapeMode", "none"), PP_OK);
	assert_int_equal(pp_hdf_set(hdf, "X", "<b>"), PP_OK);
	assert_int_equal(pp_html_render(html, hdf, "t.cs", &page, &len), PP_OK);
	assert_string_equal(page, "<p>&lt;b&gt;</p>");
	pp_free(page);
	hdf_destroy(&hdf);
}

static void
test_language_strings(void **state)
{
	HDF *hdf = NULL;
	char *page = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_html_data(html, "en", &hdf), PP_OK);
	assert_string_equal(hdf_get_value(hdf, "L.hello", ""), "Hello");
	assert_string_equal(hdf_get_value(hdf, "Lang", ""), "en");
	assert_int_equal(pp_hdf_set(hdf, "Name", "Zo\xc3\xa9 & co"), PP_OK);
	assert_int_equal(pp_html_render(html, hdf, "greet.cs", &page, &len), PP_OK);
	assert_string_equal(page, "<h1>Hello</h1><p lang=\"en\">Zo\xc3\xa9 &amp; co</p>");
	pp_free(page);
	/* NULL value is the empty string. */
	assert_int_equal(pp_hdf_set(hdf, "Name", NULL), PP_OK);
	assert_string_equal(hdf_get_value(hdf, "Name", "unset"), "");
	hdf_destroy(&hdf);
}

static void
test_unknown_language(void **state)
{
	HDF *hdf = NULL;
	(void)state;

	assert_int_equal(pp_html_data(html, "de", &hdf), PP_ERR_INTERNAL);
	assert_null(hdf);
	assert_int_equal(pp_html_data(html, "", &hdf), PP_ERR_INTERNAL);
	assert_int_equal(pp_html_data(html, "EN", &hdf), PP_ERR_INTERNAL);
	assert_int_equal(pp_html_data(html, "../lang/en", &hdf), PP_ERR_INTERNAL);
	assert_int_equal(pp_html_data(html, "en/../../x", &hdf), PP_ERR_INTERNAL);
	assert_null(hdf);
	/* A known language whose file is missing: a template error. */
	assert_int_equal(pp_html_data(html, "fr", &hdf), PP_ERR_TEMPLATE);
	assert_null(hdf);
}

static void
test_bad_template_names(void **state)
{
	static const char *const bad[] = {
		"../t.cs", "lang/en.hdf", "/etc/passwd", "./t.cs", "sub/t.cs", "..", "...", "..t.cs",
		"T.cs", "t.cs ", "t-1.cs", "t.cs\n",
	};
	int failures = 0;
	HDF *hdf = NULL;
	(void)state;

	assert_int_equal(pp_html_data(html, "en", &hdf), PP_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *page = NULL;
		size_t len = 0;
		enum pp_err rc = pp_html_render(html, hdf, bad[i], &page, &len);
		if (rc != PP_ERR_INTERNAL) {
			print_error("pp_html_render(\"%s\") = %s, want PP_ERR_INTERNAL\n", bad[i], pp_err_name(rc));
			failures++;
		}
		if (rc == PP_OK)
			pp_free(page);
	}
	/* An empty name is no template either. */
	char *page = NULL;
	size_t len = 0;
	assert_int_not_equal(pp_html_render(html, hdf, "", &page, &len), PP_OK);
	hdf_destroy(&hdf);
	assert_int_equal(failures, 0);
}

static void
test_missing_and_broken_template(void **state)
{
	HDF *hdf = NULL;
	char *page = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_html_data(html, "en", &hdf), PP_OK);
	assert_int_equal(pp_html_render(html, hdf, "missing.cs", &page, &len), PP_ERR_TEMPLATE);
	assert_null(page);
	assert_int_equal(pp_html_render(html, hdf, "broken.cs", &page, &len), PP_ERR_TEMPLATE);
	assert_null(page);
	/* The dataset is still usable after a failed render. */
	assert_int_equal(pp_hdf_set(hdf, "X", "ok"), PP_OK);
	assert_int_equal(pp_html_render(html, hdf, "t.cs", &page, &len), PP_OK);
	assert_string_equal(page, "<p>ok</p>");
	pp_free(page);
	hdf_destroy(&hdf);
}

/* A template is parsed once per process and rendered again with each
 * request's own dataset: nothing of an earlier render (its values, its
 * loop variables, what it set) shows in a later one, even once the earlier
 * dataset is gone. */
static void
test_cached_render(void **state)
{
	HDF *a = NULL, *b = NULL;
	char *page = NULL;
	size_t len = 0;
	(void)state;

	assert_int_equal(pp_html_data(html, "en", &a), PP_OK);
	assert_int_equal(pp_hdf_set(a, "X", "first"), PP_OK);
	assert_int_equal(pp_hdf_set(a, "Items.0", "one"), PP_OK);
	assert_int_equal(pp_hdf_set(a, "Items.1", "<two>"), PP_OK);
	assert_int_equal(pp_html_render(html, a, "loop.cs", &page, &len), PP_OK);
	assert_string_equal(page, "first|one,&lt;two&gt;,");
	assert_string_equal(hdf_get_value(a, "Page.t", ""), "first");
	pp_free(page);
	hdf_destroy(&a);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(pp_html_data(html, "en", &b), PP_OK);
		assert_int_equal(pp_hdf_set(b, "X", round ? "again" : "second"), PP_OK);
		assert_int_equal(pp_hdf_set(b, "Items.0", "three"), PP_OK);
		assert_int_equal(pp_html_render(html, b, "loop.cs", &page, &len), PP_OK);
		assert_string_equal(page, round ? "again|three," : "second|three,");
		pp_free(page);
		hdf_destroy(&b);
	}
	/* A failed render does not poison the next one. */
	assert_int_equal(pp_html_data(html, "en", &b), PP_OK);
	assert_int_equal(pp_html_render(html, b, "broken.cs", &page, &len), PP_ERR_TEMPLATE);
	assert_int_equal(pp_hdf_set(b, "X", "ok"), PP_OK);
	assert_int_equal(pp_html_render(html, b, "loop.cs", &page, &len), PP_OK);
	assert_string_equal(page, "ok|");
	pp_free(page);
	hdf_destroy(&b);
}

/* A missing templates directory: the language file cannot be read. */
static void
test_missing_dir(void **state)
{
	struct pp_html *h = NULL;
	HDF *hdf = NULL;
	char path[512];
	(void)state;

	snprintf(path, sizeof(path), "%s/nope", dir);
	assert_int_equal(pp_html_new(path, &h), PP_OK);
	assert_int_equal(pp_html_data(h, "en", &hdf), PP_ERR_TEMPLATE);
	assert_null(hdf);
	pp_html_free(h);
	pp_html_free(NULL);
}

static void
test_alloc_failure(void **state)
{
	struct pp_html *h = NULL;
	HDF *hdf = NULL;
	char *page = NULL;
	size_t len;
	(void)state;

	pp_mem_fail_after(0);
	assert_int_equal(pp_html_new(dir, &h), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	assert_null(h);
	/* The page buffer is the allocation that fails. */
	assert_int_equal(pp_html_data(html, "en", &hdf), PP_OK);
	assert_int_equal(pp_hdf_set(hdf, "X", "x"), PP_OK);
	pp_mem_fail_after(0);
	assert_int_equal(pp_html_render(html, hdf, "t.cs", &page, &len), PP_ERR_NOMEM);
	pp_mem_fail_after(-1);
	hdf_destroy(&hdf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_escaping_forced),
		cmocka_unit_test(test_language_strings),
		cmocka_unit_test(test_unknown_language),
		cmocka_unit_test(test_bad_template_names),
		cmocka_unit_test(test_missing_and_broken_template),
		cmocka_unit_test(test_cached_render),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test_teardown(test_alloc_failure, pp_test_alloc_reset),
	};
	pp_log_open("test_html", PP_LOG_ERROR, PP_LOG_STDERR);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
