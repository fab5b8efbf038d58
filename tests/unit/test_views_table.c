/* The list panes' shared model (views/table.c) and column layout (views/columns.c). */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/check_main.h"
#include "views/columns.h"
#include "views/table.h"

struct fake_row {
	int64_t id;
	int64_t version;
	const char *text;
};

struct fake_rows {
	struct fake_row *rows;
	size_t count;
};

static int64_t fake_id(void *ctx, size_t row)
{
	return ((struct fake_rows *)ctx)->rows[row].id;
}

static int64_t fake_version(void *ctx, size_t row)
{
	return ((struct fake_rows *)ctx)->rows[row].version;
}

static bool fake_matches(void *ctx, size_t row, const char *needle)
{
	return strcasestr(((struct fake_rows *)ctx)->rows[row].text, needle) != NULL;
}

static void set_rows(struct table *t, struct fake_rows *data, int64_t keep)
{
	struct table_rows rows = { data->count, fake_id, fake_version, fake_matches, data };

	table_set_rows(t, &rows, keep);
}

static struct fake_row sample[] = {
	{ 10, 1, "alice read billing" },
	{ 20, 2, "bob write payroll" },
	{ 30, 1, "carol read Billing-export" },
	{ 40, 5, "dave admin vault" },
};

static void type(struct table *t, const char *text)
{
	for (const char *p = text; *p; p++) {
		struct key_event ev = key_event_make((unsigned char)*p, false);
		ck_assert(table_take_key(t, &ev));
	}
}

START_TEST(test_filter_is_incremental_and_case_insensitive)
{
	struct table t;
	struct fake_rows data = { sample, 4 };

	table_init(&t);
	set_rows(&t, &data, 0);
	ck_assert_uint_eq(t.visible_count, 4);
	ck_assert(table_handle_action(&t, ACTION_FILTER));
	type(&t, "bil");
	ck_assert_uint_eq(t.visible_count, 2);
	type(&t, "LING-");
	ck_assert_uint_eq(t.visible_count, 1);
	ck_assert_int_eq(table_selected_id(&t), 30);

	struct key_event enter = key_event_make('\n', false);
	table_take_key(&t, &enter);
	ck_assert(!t.filtering);
	ck_assert_str_eq(table_filter(&t), "bilLING-");
	ck_assert_uint_eq(t.visible_count, 1);
	table_free(&t);
}
END_TEST

START_TEST(test_escape_clears_the_filter)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct key_event esc = key_event_make(27, false);

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_FILTER);
	type(&t, "vault");
	ck_assert_uint_eq(t.visible_count, 1);
	table_take_key(&t, &esc);
	ck_assert(!t.filtering);
	ck_assert_str_eq(table_filter(&t), "");
	ck_assert_uint_eq(t.visible_count, 4);
	ck_assert_int_eq(table_selected_id(&t), 40);
	table_free(&t);
}
END_TEST

START_TEST(test_selection_follows_id_across_reload)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct fake_row reordered[] = { sample[3], sample[0], sample[2] };
	struct fake_rows again = { reordered, 3 };

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_DOWN);
	table_handle_action(&t, ACTION_DOWN);
	ck_assert_int_eq(table_selected_id(&t), 30);
	set_rows(&t, &again, table_selected_id(&t));
	ck_assert_int_eq(table_selected_id(&t), 30);
	ck_assert_uint_eq(t.list.selected, 2);
	table_free(&t);
}
END_TEST

START_TEST(test_selection_stays_in_range_when_row_goes)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct fake_rows fewer = { sample, 2 };

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_END);
	ck_assert_int_eq(table_selected_id(&t), 40);
	set_rows(&t, &fewer, table_selected_id(&t));
	ck_assert_int_eq(table_selected_id(&t), 20);
	table_free(&t);
}
END_TEST

START_TEST(test_marks_drive_targets)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct action_target *targets;
	bool from_marks;
	size_t count;

	table_init(&t);
	set_rows(&t, &data, 0);
	count = table_collect_targets(&t, &targets, &from_marks);
	ck_assert_uint_eq(count, 1);
	ck_assert(!from_marks);
	ck_assert_int_eq(targets[0].id, 10);
	free(targets);

	table_handle_action(&t, ACTION_MARK);  /* marks 10, moves to 20 */
	table_handle_action(&t, ACTION_DOWN);  /* 30 */
	table_handle_action(&t, ACTION_MARK);  /* marks 30 */
	ck_assert(table_is_marked(&t, 10));
	ck_assert(!table_is_marked(&t, 20));
	ck_assert(table_is_marked(&t, 30));
	count = table_collect_targets(&t, &targets, &from_marks);
	ck_assert(from_marks);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(targets[0].id, 10);
	ck_assert_int_eq(targets[1].id, 30);
	ck_assert_int_eq(targets[1].version, 1);
	free(targets);

	table_handle_action(&t, ACTION_UP);
	table_handle_action(&t, ACTION_MARK); /* toggles 30 off again */
	ck_assert(!table_is_marked(&t, 30));
	table_handle_action(&t, ACTION_CLEAR_MARKS);
	ck_assert_uint_eq(t.mark_count, 0);
	table_free(&t);
}
END_TEST

START_TEST(test_marked_row_gone_is_not_a_target)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct fake_rows without_10 = { sample + 1, 3 };
	struct action_target *targets;
	bool from_marks;

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_MARK_ALL);
	ck_assert_uint_eq(t.mark_count, 4);
	set_rows(&t, &without_10, 0);
	size_t count = table_collect_targets(&t, &targets, &from_marks);
	ck_assert_uint_eq(count, 3);
	for (size_t i = 0; i < count; i++)
		ck_assert_int_ne(targets[i].id, 10);
	free(targets);
	table_free(&t);
}
END_TEST

START_TEST(test_mark_all_marks_only_what_the_filter_shows)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct key_event enter = key_event_make('\n', false);

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_FILTER);
	type(&t, "read");
	table_take_key(&t, &enter);
	table_handle_action(&t, ACTION_MARK_ALL);
	table_handle_action(&t, ACTION_MARK_ALL); /* twice marks nothing twice */
	ck_assert_uint_eq(t.mark_count, 2);
	ck_assert(table_is_marked(&t, 10));
	ck_assert(table_is_marked(&t, 30));
	ck_assert(!table_is_marked(&t, 20));
	table_free(&t);
}
END_TEST

START_TEST(test_hidden_marks_are_not_targets)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct key_event enter = key_event_make('\n', false);
	struct action_target *targets;
	bool from_marks;

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_MARK_ALL);
	table_handle_action(&t, ACTION_FILTER);
	type(&t, "vault");
	table_take_key(&t, &enter);
	ck_assert_uint_eq(t.mark_count, 4);
	ck_assert_uint_eq(table_marked_visible(&t), 1);
	size_t count = table_collect_targets(&t, &targets, &from_marks);
	ck_assert(from_marks);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(targets[0].id, 40);
	free(targets);
	table_free(&t);
}
END_TEST

START_TEST(test_new_filter_starts_empty)
{
	struct table t;
	struct fake_rows data = { sample, 4 };
	struct key_event enter = key_event_make('\n', false);

	table_init(&t);
	set_rows(&t, &data, 0);
	table_handle_action(&t, ACTION_FILTER);
	type(&t, "alice");
	table_take_key(&t, &enter);
	ck_assert_uint_eq(t.visible_count, 1);
	table_handle_action(&t, ACTION_FILTER);
	ck_assert_str_eq(table_filter(&t), "");
	ck_assert_uint_eq(t.visible_count, 4);
	type(&t, "bob");
	ck_assert_str_eq(table_filter(&t), "bob");
	ck_assert_uint_eq(t.visible_count, 1);
	table_free(&t);
}
END_TEST

START_TEST(test_empty_table_has_no_target)
{
	struct table t;
	struct fake_rows data = { NULL, 0 };
	struct action_target *targets;
	bool from_marks;

	table_init(&t);
	set_rows(&t, &data, 0);
	ck_assert_int_eq(table_selected_id(&t), 0);
	ck_assert_uint_eq(table_collect_targets(&t, &targets, &from_marks), 0);
	free(targets);
	ck_assert(table_handle_action(&t, ACTION_DOWN));
	ck_assert(table_handle_action(&t, ACTION_MARK));
	ck_assert_uint_eq(t.mark_count, 0);
	table_free(&t);
}
END_TEST

static const struct column layout_columns[] = {
	{ "ID", 6, 90, false, true },
	{ "WHO", 10, 95, false, false },
	{ "GROUP", 12, 30, false, false },
	{ "REASON", 8, 50, true, false },
};

START_TEST(test_columns_fill_the_width)
{
	int widths[4];
	size_t shown = columns_layout(layout_columns, 4, 80, widths);

	ck_assert_uint_eq(shown, 4);
	ck_assert_int_eq(widths[0] + widths[1] + widths[2] + widths[3] + 3, 80);
	ck_assert_int_eq(widths[3], 80 - 6 - 10 - 12 - 3);
}
END_TEST

START_TEST(test_columns_drop_least_important_first)
{
	int widths[4];
	size_t shown = columns_layout(layout_columns, 4, 30, widths);

	ck_assert_uint_eq(shown, 3);
	ck_assert_int_eq(widths[2], 0); /* GROUP goes first */
	ck_assert_int_eq(widths[0] + widths[1] + widths[3] + 2, 30);

	shown = columns_layout(layout_columns, 4, 17, widths);
	ck_assert_uint_eq(shown, 2);
	ck_assert_int_eq(widths[3], 0);
	ck_assert_int_eq(widths[0] + widths[1] + 1, 17);
}
END_TEST

START_TEST(test_columns_never_exceed_tiny_widths)
{
	int widths[4];

	for (int total = 0; total < 60; total++) {
		columns_layout(layout_columns, 4, total, widths);
		int used = 0, shown = 0;
		for (int i = 0; i < 4; i++) {
			ck_assert_int_ge(widths[i], 0);
			if (widths[i] > 0) {
				used += widths[i];
				shown++;
			}
		}
		if (shown > 1)
			used += shown - 1;
		ck_assert_int_le(used, total);
	}
}
END_TEST

static Suite *views_table_suite(void)
{
	Suite *s = suite_create("views_table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_filter_is_incremental_and_case_insensitive);
	tcase_add_test(tc, test_escape_clears_the_filter);
	tcase_add_test(tc, test_selection_follows_id_across_reload);
	tcase_add_test(tc, test_selection_stays_in_range_when_row_goes);
	tcase_add_test(tc, test_marks_drive_targets);
	tcase_add_test(tc, test_marked_row_gone_is_not_a_target);
	tcase_add_test(tc, test_mark_all_marks_only_what_the_filter_shows);
	tcase_add_test(tc, test_hidden_marks_are_not_targets);
	tcase_add_test(tc, test_new_filter_starts_empty);
	tcase_add_test(tc, test_empty_table_has_no_target);
	suite_add_tcase(s, tc);

	tc = tcase_create("columns");
	tcase_add_test(tc, test_columns_fill_the_width);
	tcase_add_test(tc, test_columns_drop_least_important_first);
	tcase_add_test(tc, test_columns_never_exceed_tiny_widths);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(views_table_suite)
