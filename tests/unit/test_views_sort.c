/* Sorting the list panes (views/sort.c) and the sorted column's arrow (views/columns.c). */

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/support/check_main.h"
#include "views/columns.h"
#include "views/sort.h"

struct fake_row {
	int64_t id;
	const char *name;
	int64_t count;
	int64_t needed;
	int64_t created_at;
	int64_t expires_at;
};

enum fake_column {
	FAKE_MARK, FAKE_ID, FAKE_NAME, FAKE_COUNT, FAKE_CREATED, FAKE_EXPIRES, FAKE_COLUMNS
};

static const struct column fake_columns[FAKE_COLUMNS] = {
	[FAKE_MARK] = { "", 1, 100, false, false },
	[FAKE_ID] = { "ID", 6, 99, false, true },
	[FAKE_NAME] = { "NAME", 10, 90, true, false },
	[FAKE_COUNT] = { "APPR", 4, 80, false, true },
	[FAKE_CREATED] = { "AGE", 6, 70, false, true },
	[FAKE_EXPIRES] = { "EXPIRES IN", 10, 60, false, true },
};

static const struct sort_key fake_keys[FAKE_COLUMNS] = {
	[FAKE_ID] = { SORT_NUMBER, offsetof(struct fake_row, id), SORT_NONE, 0 },
	[FAKE_NAME] = { SORT_TEXT, offsetof(struct fake_row, name), SORT_NONE, 0 },
	[FAKE_COUNT] = { SORT_NUMBER, offsetof(struct fake_row, count),
			 SORT_NUMBER, offsetof(struct fake_row, needed) },
	[FAKE_CREATED] = { SORT_AGE, offsetof(struct fake_row, created_at), SORT_NONE, 0 },
	[FAKE_EXPIRES] = { SORT_EXPIRY, offsetof(struct fake_row, expires_at), SORT_NONE, 0 },
};

static void sort_fake(struct fake_row *rows, size_t count, enum fake_column column, bool descending)
{
	struct sort_rows sortable = { rows, count, sizeof *rows, offsetof(struct fake_row, id) };

	sort_rows(&sortable, &fake_keys[column], descending);
}

static void assert_ids(const struct fake_row *rows, size_t count, const int64_t *expected)
{
	for (size_t i = 0; i < count; i++)
		ck_assert_msg(rows[i].id == expected[i], "row %zu has id %lld, expected %lld", i,
			      (long long)rows[i].id, (long long)expected[i]);
}

START_TEST(test_compare_numbers_and_ages)
{
	int64_t small = -5, large = INT64_MAX, zero = 0;

	ck_assert_int_lt(sort_compare_field(SORT_NUMBER, &small, &large), 0);
	ck_assert_int_gt(sort_compare_field(SORT_NUMBER, &large, &small), 0);
	ck_assert_int_eq(sort_compare_field(SORT_NUMBER, &zero, &zero), 0);
	/* A later creation time is a smaller age. */
	ck_assert_int_gt(sort_compare_field(SORT_AGE, &small, &large), 0);
	ck_assert_int_eq(sort_compare_field(SORT_NONE, &small, &large), 0);
}
END_TEST

START_TEST(test_compare_expiry_never_last)
{
	int64_t never = 0, soon = 100, late = 200, past = -1;

	ck_assert_int_lt(sort_compare_field(SORT_EXPIRY, &soon, &late), 0);
	ck_assert_int_gt(sort_compare_field(SORT_EXPIRY, &never, &late), 0);
	ck_assert_int_lt(sort_compare_field(SORT_EXPIRY, &late, &never), 0);
	ck_assert_int_lt(sort_compare_field(SORT_EXPIRY, &past, &never), 0);
	ck_assert_int_eq(sort_compare_field(SORT_EXPIRY, &never, &never), 0);
}
END_TEST

START_TEST(test_compare_enums)
{
	int first = 0, second = 1;

	ck_assert_int_lt(sort_compare_field(SORT_ENUM, &first, &second), 0);
	ck_assert_int_eq(sort_compare_field(SORT_ENUM, &second, &second), 0);
}
END_TEST

START_TEST(test_compare_text_null_and_case)
{
	const char *null = NULL, *empty = "", *lower = "alice", *upper = "ALICE", *bob = "bob";
	const char *control = "\x1b[2J\x01", *high = "\xff\xfe";

	ck_assert_int_eq(sort_compare_field(SORT_TEXT, &null, &empty), 0);
	ck_assert_int_lt(sort_compare_field(SORT_TEXT, &null, &lower), 0);
	ck_assert_int_gt(sort_compare_field(SORT_TEXT, &lower, &null), 0);
	ck_assert_int_eq(sort_compare_field(SORT_TEXT, &lower, &upper), 0);
	ck_assert_int_lt(sort_compare_field(SORT_TEXT, &upper, &bob), 0);
	ck_assert_int_lt(sort_compare_field(SORT_TEXT, &control, &lower), 0);
	ck_assert_int_gt(sort_compare_field(SORT_TEXT, &high, &bob), 0);
}
END_TEST

START_TEST(test_sort_text_ties_by_id)
{
	struct fake_row rows[] = {
		{ .id = 4, .name = "bob" }, { .id = 2, .name = "Alice" }, { .id = 3, .name = NULL },
		{ .id = 1, .name = "alice" }, { .id = 5, .name = "\x1b]0;title\x07" },
	};
	static const int64_t ascending[] = { 3, 5, 1, 2, 4 };
	static const int64_t descending[] = { 4, 1, 2, 5, 3 };

	sort_fake(rows, 5, FAKE_NAME, false);
	assert_ids(rows, 5, ascending);
	/* Equal names keep ascending ids in both directions. */
	sort_fake(rows, 5, FAKE_NAME, true);
	assert_ids(rows, 5, descending);
}
END_TEST

START_TEST(test_sort_second_field_breaks_ties)
{
	struct fake_row rows[] = {
		{ .id = 1, .count = 1, .needed = 2 }, { .id = 2, .count = 0, .needed = 1 },
		{ .id = 3, .count = 1, .needed = 1 }, { .id = 4, .count = 1, .needed = 1 },
	};
	static const int64_t ascending[] = { 2, 3, 4, 1 };
	static const int64_t descending[] = { 1, 3, 4, 2 };

	sort_fake(rows, 4, FAKE_COUNT, false);
	assert_ids(rows, 4, ascending);
	sort_fake(rows, 4, FAKE_COUNT, true);
	assert_ids(rows, 4, descending);
}
END_TEST

START_TEST(test_sort_ages_and_expiry)
{
	struct fake_row rows[] = {
		{ .id = 1, .created_at = 100, .expires_at = 0 },
		{ .id = 2, .created_at = 300, .expires_at = 500 },
		{ .id = 3, .created_at = 200, .expires_at = 400 },
	};
	static const int64_t youngest_first[] = { 2, 3, 1 };
	static const int64_t soonest_first[] = { 3, 2, 1 };
	static const int64_t never_first[] = { 1, 2, 3 };

	sort_fake(rows, 3, FAKE_CREATED, false);
	assert_ids(rows, 3, youngest_first);
	sort_fake(rows, 3, FAKE_EXPIRES, false);
	assert_ids(rows, 3, soonest_first);
	sort_fake(rows, 3, FAKE_EXPIRES, true);
	assert_ids(rows, 3, never_first);
}
END_TEST

START_TEST(test_sort_empty_and_unsortable)
{
	struct fake_row rows[] = { { .id = 2 }, { .id = 1 } };
	static const int64_t unchanged[] = { 2, 1 };

	sort_fake(NULL, 0, FAKE_NAME, false);
	sort_fake(rows, 1, FAKE_ID, true);
	sort_fake(rows, 2, FAKE_MARK, false);
	assert_ids(rows, 2, unchanged);
}
END_TEST

START_TEST(test_column_name_first_word_lowercase)
{
	char name[16];
	struct column untitled = { NULL, 1, 1, false, false };

	sort_column_name(&fake_columns[FAKE_EXPIRES], name, sizeof name);
	ck_assert_str_eq(name, "expires");
	sort_column_name(&fake_columns[FAKE_MARK], name, sizeof name);
	ck_assert_str_eq(name, "");
	sort_column_name(&untitled, name, sizeof name);
	ck_assert_str_eq(name, "");
	sort_column_name(&fake_columns[FAKE_EXPIRES], name, 4);
	ck_assert_str_eq(name, "exp");
	name[0] = 'x';
	sort_column_name(&fake_columns[FAKE_EXPIRES], name, 0);
	ck_assert_int_eq(name[0], 'x');
}
END_TEST

START_TEST(test_find_column_names)
{
	size_t found = FAKE_COLUMNS;

	ck_assert(sort_find_column(fake_columns, fake_keys, FAKE_COLUMNS, "name", &found));
	ck_assert_uint_eq(found, FAKE_NAME);
	ck_assert(sort_find_column(fake_columns, fake_keys, FAKE_COLUMNS, "ExPiReS", &found));
	ck_assert_uint_eq(found, FAKE_EXPIRES);
	ck_assert(sort_find_column(fake_columns, fake_keys, FAKE_COLUMNS, "ID", &found));
	ck_assert_uint_eq(found, FAKE_ID);
}
END_TEST

START_TEST(test_find_column_rejects_hostile_names)
{
	static const char *const names[] = {
		"", "expires in", "EXPIRES IN", " name", "name ", "nam", "names", "n\0ame",
		"\x1b[31mname", "na\xffme", "%s%n", "mark",
	};
	size_t found = 99;

	ck_assert(!sort_find_column(fake_columns, fake_keys, FAKE_COLUMNS, NULL, &found));
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(!sort_find_column(fake_columns, fake_keys, FAKE_COLUMNS, names[i], &found),
			      "name %zu matched column %zu", i, found);
	ck_assert_uint_eq(found, 99);
}
END_TEST

START_TEST(test_choose_default_order)
{
	static const char *const defaults[] = { NULL, "", "default", "DEFAULT" };
	struct sort_order order;
	char err[128] = "";

	for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		order = (struct sort_order){ true, FAKE_NAME, true };
		ck_assert(sort_choose("Fake", fake_columns, fake_keys, FAKE_COLUMNS, defaults[i], false,
				      &order, err, sizeof err));
		ck_assert(!order.by_column);
	}
	order = (struct sort_order){ true, FAKE_NAME, false };
	ck_assert(!sort_choose("Fake", fake_columns, fake_keys, FAKE_COLUMNS, "default", true, &order,
			       err, sizeof err));
	ck_assert(order.by_column);
	ck_assert_ptr_nonnull(strstr(err, "no direction"));
}
END_TEST

START_TEST(test_choose_column_and_direction)
{
	struct sort_order order = { false, 0, false };
	char err[128] = "";

	ck_assert(sort_choose("Fake", fake_columns, fake_keys, FAKE_COLUMNS, "Appr", true, &order, err,
			      sizeof err));
	ck_assert(order.by_column);
	ck_assert_uint_eq(order.column, FAKE_COUNT);
	ck_assert(order.descending);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_choose_unknown_lists_columns)
{
	struct sort_order order = { true, FAKE_ID, true };
	char err[256];

	ck_assert(!sort_choose("Fake", fake_columns, fake_keys, FAKE_COLUMNS, "foo", false, &order, err,
			       sizeof err));
	ck_assert_str_eq(err, "no column \"foo\" in Fake: id, name, appr, age, expires");
	ck_assert(order.by_column);
	ck_assert_uint_eq(order.column, FAKE_ID);
	ck_assert(order.descending);
}
END_TEST

START_TEST(test_choose_cuts_long_names)
{
	struct sort_order order = { false, 0, false };
	char name[4096], err[256], tiny[8];

	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	ck_assert(!sort_choose("Fake", fake_columns, fake_keys, FAKE_COLUMNS, name, false, &order, err,
			       sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "id, name, appr, age, expires"));
	ck_assert_uint_lt(strlen(err), 120);
	ck_assert(!sort_choose("Fake", fake_columns, fake_keys, FAKE_COLUMNS, name, false, &order, tiny,
			       sizeof tiny));
	ck_assert_str_eq(tiny, "no colu");
}
END_TEST

START_TEST(test_nth_column_skips_unsortable)
{
	char name[16];

	ck_assert(sort_nth_column_name(fake_columns, fake_keys, FAKE_COLUMNS, 0, name, sizeof name));
	ck_assert_str_eq(name, "id");
	ck_assert(sort_nth_column_name(fake_columns, fake_keys, FAKE_COLUMNS, 4, name, sizeof name));
	ck_assert_str_eq(name, "expires");
	ck_assert(!sort_nth_column_name(fake_columns, fake_keys, FAKE_COLUMNS, 5, name, sizeof name));
}
END_TEST

static const struct column header_columns[] = {
	{ "ID", 4, 1, false, true },
	{ "NAME", 6, 1, false, false },
	{ "APPR", 4, 1, false, true },
};

static void format_header(const int *widths, size_t sorted, bool descending, enum text_charset cs,
			  struct strbuf *out)
{
	strbuf_reset(out);
	columns_format_sorted_header(header_columns, 3, widths, sorted, descending, cs, out);
}

START_TEST(test_header_arrow_placement)
{
	static const int widths[] = { 4, 6, 4 };
	struct strbuf header = STRBUF_INIT;

	format_header(widths, 3, false, TEXT_UTF8, &header);
	ck_assert_str_eq(strbuf_str(&header), "  ID NAME   APPR");
	format_header(widths, 1, false, TEXT_ASCII, &header);
	ck_assert_str_eq(strbuf_str(&header), "  ID NAME^  APPR");
	format_header(widths, 0, true, TEXT_ASCII, &header);
	ck_assert_str_eq(strbuf_str(&header), " IDv NAME   APPR");
	format_header(widths, 1, true, TEXT_UTF8, &header);
	ck_assert_str_eq(strbuf_str(&header), "  ID NAME\u25bc  APPR");
	/* A title as wide as its column gives up its last letter to the arrow. */
	format_header(widths, 2, false, TEXT_UTF8, &header);
	ck_assert_str_eq(strbuf_str(&header), "  ID NAME   APP\u25b2");
	strbuf_free(&header);
}
END_TEST

START_TEST(test_header_arrow_in_tiny_columns)
{
	static const int one[] = { 0, 1, 0 };
	static const int hidden[] = { 4, 0, 4 };
	struct strbuf header = STRBUF_INIT;

	format_header(one, 1, false, TEXT_ASCII, &header);
	ck_assert_str_eq(strbuf_str(&header), "^");
	/* The sorted column is left out on a narrow terminal: no arrow shows. */
	format_header(hidden, 1, true, TEXT_ASCII, &header);
	ck_assert_str_eq(strbuf_str(&header), "  ID APPR");
	strbuf_free(&header);
}
END_TEST

static Suite *sort_suite(void)
{
	Suite *s = suite_create("views_sort");
	TCase *tc = tcase_create("compare");

	tcase_add_test(tc, test_compare_numbers_and_ages);
	tcase_add_test(tc, test_compare_expiry_never_last);
	tcase_add_test(tc, test_compare_enums);
	tcase_add_test(tc, test_compare_text_null_and_case);
	tcase_add_test(tc, test_sort_text_ties_by_id);
	tcase_add_test(tc, test_sort_second_field_breaks_ties);
	tcase_add_test(tc, test_sort_ages_and_expiry);
	tcase_add_test(tc, test_sort_empty_and_unsortable);
	suite_add_tcase(s, tc);

	tc = tcase_create("columns");
	tcase_add_test(tc, test_column_name_first_word_lowercase);
	tcase_add_test(tc, test_find_column_names);
	tcase_add_test(tc, test_find_column_rejects_hostile_names);
	tcase_add_test(tc, test_choose_default_order);
	tcase_add_test(tc, test_choose_column_and_direction);
	tcase_add_test(tc, test_choose_unknown_lists_columns);
	tcase_add_test(tc, test_choose_cuts_long_names);
	tcase_add_test(tc, test_nth_column_skips_unsortable);
	suite_add_tcase(s, tc);

	tc = tcase_create("header");
	tcase_add_test(tc, test_header_arrow_placement);
	tcase_add_test(tc, test_header_arrow_in_tiny_columns);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sort_suite)
