/* The sparkline renderer (tui/sparkline.c) at several widths, with and without UTF-8. */

#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/support/check_main.h"
#include "tui/sparkline.h"

/* The eight UTF-8 levels, lowest first, to spell expected outputs. */
#define L1 "\u2581"
#define L2 "\u2582"
#define L3 "\u2583"
#define L4 "\u2584"
#define L5 "\u2585"
#define L6 "\u2586"
#define L7 "\u2587"
#define L8 "\u2588"

/* Render and return the text; *columns receives the columns written. */
static char *render(const double *values, size_t count, int width, enum text_charset charset,
		    int *columns)
{
	struct strbuf out = STRBUF_INIT;
	int written = sparkline_render(values, count, width, charset, &out);

	if (columns)
		*columns = written;
	return strbuf_detach(&out);
}

static void expect_render(const double *values, size_t count, int width,
			  enum text_charset charset, const char *expected, int expected_columns)
{
	int columns;
	char *text = render(values, count, width, charset, &columns);

	ck_assert_msg(strcmp(text, expected) == 0, "width %d: got \"%s\", expected \"%s\"", width, text,
		      expected);
	ck_assert_int_eq(columns, expected_columns);
	if (charset == TEXT_ASCII)
		ck_assert_int_eq((int)strlen(text), expected_columns);
	free(text);
}

START_TEST(test_sparkline_ramp_utf8)
{
	const double values[] = { 0, 1, 2, 3, 4, 5, 6, 7 };

	expect_render(values, 8, 8, TEXT_UTF8, L1 L2 L3 L4 L5 L6 L7 L8, 8);
}
END_TEST

START_TEST(test_sparkline_ramp_ascii)
{
	const double values[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

	expect_render(values, 9, 9, TEXT_ASCII, ".:-=+*#%@", 9);
}
END_TEST

/* Fewer values than columns: one column each, nothing after them. */
START_TEST(test_sparkline_wider_than_values)
{
	const double values[] = { 0, 7, 14 };

	for (int width = 3; width <= 80; width += 11) {
		expect_render(values, 3, width, TEXT_UTF8, L1 L5 L8, 3);
		expect_render(values, 3, width, TEXT_ASCII, ".+@", 3);
	}
}
END_TEST

/* More values than columns: each column shows the mean of its share. */
START_TEST(test_sparkline_narrower_than_values)
{
	const double values[] = { 0, 0, 7, 7, 14, 14 };
	const double uneven[] = { 0, 14, 14, 14, 14 };

	expect_render(values, 6, 3, TEXT_UTF8, L1 L5 L8, 3);
	expect_render(values, 6, 3, TEXT_ASCII, ".+@", 3);
	/* Shares of 5 values in 2 columns: [0, 2) and [2, 5), with means 7 and 14. */
	expect_render(uneven, 5, 2, TEXT_ASCII, "+@", 2);
	expect_render(values, 6, 1, TEXT_UTF8, L8, 1);
}
END_TEST

START_TEST(test_sparkline_keeps_zero_at_bottom)
{
	const double steady[] = { 100, 101, 102 };
	const double zeros[] = { 0, 0, 0 };

	/* Values far from 0 all sit high: the scale starts at 0. */
	expect_render(steady, 3, 10, TEXT_UTF8, L8 L8 L8, 3);
	expect_render(zeros, 3, 10, TEXT_UTF8, L1 L1 L1, 3);
	expect_render(zeros, 3, 10, TEXT_ASCII, "...", 3);
}
END_TEST

/* Any value above the bottom is drawn at least one level up. */
START_TEST(test_sparkline_small_values_show)
{
	const double values[] = { 0, 1, 1000 };

	expect_render(values, 3, 3, TEXT_UTF8, L1 L2 L8, 3);
	expect_render(values, 3, 3, TEXT_ASCII, ".:@", 3);
}
END_TEST

START_TEST(test_sparkline_gaps)
{
	const double values[] = { NAN, 4, NAN, 8 };
	const double all_missing[] = { NAN, NAN };
	const double halves[] = { NAN, NAN, 8, NAN };

	expect_render(values, 4, 4, TEXT_UTF8, " " L5 " " L8, 4);
	expect_render(values, 4, 4, TEXT_ASCII, " + @", 4);
	expect_render(all_missing, 2, 5, TEXT_ASCII, "  ", 2);
	/* A column keeps a value when any of its share has one. */
	expect_render(halves, 4, 2, TEXT_ASCII, " @", 2);
}
END_TEST

START_TEST(test_sparkline_negative_values)
{
	const double values[] = { -8, 0, 8 };

	expect_render(values, 3, 3, TEXT_ASCII, ".+@", 3);
}
END_TEST

START_TEST(test_sparkline_nothing_to_draw)
{
	const double values[] = { 1, 2 };
	int columns = -1;
	char *text = render(values, 2, 0, TEXT_UTF8, &columns);

	ck_assert_str_eq(text, "");
	ck_assert_int_eq(columns, 0);
	free(text);
	text = render(values, 0, 10, TEXT_UTF8, &columns);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(columns, 0);
	free(text);
}
END_TEST

/* The columns as the terminal counts them: one per UTF-8 block. */
START_TEST(test_sparkline_utf8_widths)
{
	double values[200];

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	for (int i = 0; i < 200; i++)
		values[i] = i % 17;
	for (int width = 1; width <= 200; width *= 3) {
		int columns;
		char *text = render(values, 200, width, TEXT_UTF8, &columns);
		ck_assert_int_eq(columns, width);
		ck_assert_int_eq(text_width(text), width);
		ck_assert_uint_eq(strlen(text), (size_t)width * 3);
		free(text);
	}
}
END_TEST

static Suite *sparkline_suite(void)
{
	Suite *s = suite_create("metrics_sparkline");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_sparkline_ramp_utf8);
	tcase_add_test(tc, test_sparkline_ramp_ascii);
	tcase_add_test(tc, test_sparkline_wider_than_values);
	tcase_add_test(tc, test_sparkline_narrower_than_values);
	tcase_add_test(tc, test_sparkline_keeps_zero_at_bottom);
	tcase_add_test(tc, test_sparkline_small_values_show);
	tcase_add_test(tc, test_sparkline_gaps);
	tcase_add_test(tc, test_sparkline_negative_values);
	tcase_add_test(tc, test_sparkline_nothing_to_draw);
	tcase_add_test(tc, test_sparkline_utf8_widths);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sparkline_suite)
