#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/check_main.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/list.h"

#define BIG_COUNT 100000

enum list_op {
	OP_SET_COUNT,
	OP_SET_HEIGHT,
	OP_MOVE,
	OP_PAGE,
	OP_HOME,
	OP_END,
	OP_SELECT,
};

/* One operation on a starting state and the state expected after it. */
struct list_case {
	const char *name;
	struct list_state start;
	enum list_op op;
	long long argument;
	size_t selected;
	size_t top;
};

static const struct list_case list_cases[] = {
	/* count 0: nothing moves and nothing is selected */
	{ "empty move down", { 0, 0, 0, 5 }, OP_MOVE, 1, 0, 0 },
	{ "empty move up", { 0, 0, 0, 5 }, OP_MOVE, -1, 0, 0 },
	{ "empty page down", { 0, 0, 0, 5 }, OP_PAGE, 1, 0, 0 },
	{ "empty end", { 0, 0, 0, 5 }, OP_END, 0, 0, 0 },
	{ "empty select", { 0, 0, 0, 5 }, OP_SELECT, 7, 0, 0 },
	/* count 1 */
	{ "one row move down", { 1, 0, 0, 5 }, OP_MOVE, 1, 0, 0 },
	{ "one row move up", { 1, 0, 0, 5 }, OP_MOVE, -3, 0, 0 },
	{ "one row page down", { 1, 0, 0, 5 }, OP_PAGE, 1, 0, 0 },
	{ "one row end", { 1, 0, 0, 5 }, OP_END, 0, 0, 0 },
	/* height larger than count: top stays 0 */
	{ "short list move down", { 3, 0, 0, 10 }, OP_MOVE, 1, 1, 0 },
	{ "short list move past end", { 3, 1, 0, 10 }, OP_MOVE, 5, 2, 0 },
	{ "short list page down", { 3, 0, 0, 10 }, OP_PAGE, 1, 2, 0 },
	{ "short list page up", { 3, 2, 0, 10 }, OP_PAGE, -1, 0, 0 },
	{ "short list end", { 3, 0, 0, 10 }, OP_END, 0, 2, 0 },
	/* scrolling by single rows */
	{ "move down inside view", { 100, 3, 0, 10 }, OP_MOVE, 1, 4, 0 },
	{ "move down past view", { 100, 9, 0, 10 }, OP_MOVE, 1, 10, 1 },
	{ "move up past view", { 100, 20, 20, 10 }, OP_MOVE, -1, 19, 19 },
	{ "move up stops at 0", { 100, 2, 0, 10 }, OP_MOVE, -5, 0, 0 },
	{ "move down stops at end", { 100, 97, 90, 10 }, OP_MOVE, 5, 99, 90 },
	{ "move by PTRDIFF_MIN", { 100, 50, 45, 10 }, OP_MOVE, INT64_MIN, 0, 0 },
	{ "move by PTRDIFF_MAX", { 100, 50, 45, 10 }, OP_MOVE, INT64_MAX, 99, 90 },
	/* paging keeps the selection's screen row, and stops at the ends */
	{ "page down", { 100, 3, 0, 10 }, OP_PAGE, 1, 13, 10 },
	{ "page down near end", { 100, 93, 90, 10 }, OP_PAGE, 1, 99, 90 },
	{ "page down from middle of last page", { 100, 85, 82, 10 }, OP_PAGE, 1, 95, 90 },
	{ "page up", { 100, 53, 50, 10 }, OP_PAGE, -1, 43, 40 },
	{ "page up near start", { 100, 7, 5, 10 }, OP_PAGE, -1, 0, 0 },
	{ "page up at start", { 100, 0, 0, 10 }, OP_PAGE, -1, 0, 0 },
	{ "page with height 1", { 100, 5, 5, 1 }, OP_PAGE, 1, 6, 6 },
	{ "page with height 0", { 100, 5, 5, 0 }, OP_PAGE, 1, 6, 6 },
	/* home, end, select */
	{ "home", { 100, 55, 50, 10 }, OP_HOME, 0, 0, 0 },
	{ "end", { 100, 5, 0, 10 }, OP_END, 0, 99, 90 },
	{ "select below view", { 100, 5, 0, 10 }, OP_SELECT, 40, 40, 31 },
	{ "select above view", { 100, 50, 45, 10 }, OP_SELECT, 12, 12, 12 },
	{ "select inside view", { 100, 50, 45, 10 }, OP_SELECT, 47, 47, 45 },
	{ "select past end", { 100, 5, 0, 10 }, OP_SELECT, 1000, 99, 90 },
	/* count changes: the selected index stays while it is in range */
	{ "count shrinks below selection", { 100, 80, 75, 10 }, OP_SET_COUNT, 50, 49, 40 },
	{ "count shrinks keeps selection", { 100, 30, 25, 10 }, OP_SET_COUNT, 50, 30, 25 },
	{ "count shrink fills view", { 100, 42, 40, 10 }, OP_SET_COUNT, 45, 42, 35 },
	{ "count grows keeps selection", { 10, 4, 0, 10 }, OP_SET_COUNT, 500, 4, 0 },
	{ "count drops to zero", { 100, 30, 25, 10 }, OP_SET_COUNT, 0, 0, 0 },
	{ "count shrinks under height", { 100, 30, 25, 10 }, OP_SET_COUNT, 4, 3, 0 },
	/* height changes */
	{ "height shrinks below selection", { 100, 15, 10, 10 }, OP_SET_HEIGHT, 3, 15, 13 },
	{ "height grows fills from above", { 100, 95, 90, 10 }, OP_SET_HEIGHT, 20, 95, 80 },
	{ "height 0 keeps selection on top", { 100, 15, 10, 10 }, OP_SET_HEIGHT, 0, 15, 15 },
};

#define LIST_CASES ((int)(sizeof list_cases / sizeof list_cases[0]))

static void apply_op(struct list_state *ls, enum list_op op, long long argument)
{
	switch (op) {
	case OP_SET_COUNT:
		list_set_count(ls, (size_t)argument);
		break;
	case OP_SET_HEIGHT:
		list_set_height(ls, (int)argument);
		break;
	case OP_MOVE:
		if (argument == INT64_MIN)
			list_move(ls, PTRDIFF_MIN);
		else if (argument == INT64_MAX)
			list_move(ls, PTRDIFF_MAX);
		else
			list_move(ls, (ptrdiff_t)argument);
		break;
	case OP_PAGE:
		list_page(ls, (int)argument);
		break;
	case OP_HOME:
		list_home(ls);
		break;
	case OP_END:
		list_end(ls);
		break;
	case OP_SELECT:
		list_select(ls, (size_t)argument);
		break;
	}
}

/* The invariants every operation must restore. */
static void assert_invariants(const struct list_state *ls, const char *name)
{
	size_t rows = ls->height > 0 ? (size_t)ls->height : 1;

	if (ls->count == 0) {
		ck_assert_msg(ls->selected == 0 && ls->top == 0,
			      "%s: empty list has selected %zu, top %zu", name,
			      ls->selected, ls->top);
		return;
	}
	ck_assert_msg(ls->selected < ls->count, "%s: selected %zu past count %zu",
		      name, ls->selected, ls->count);
	ck_assert_msg(ls->top <= ls->selected, "%s: top %zu below selected %zu",
		      name, ls->top, ls->selected);
	ck_assert_msg(ls->selected - ls->top < rows,
		      "%s: selected %zu not visible from top %zu in %zu rows", name,
		      ls->selected, ls->top, rows);
	ck_assert_msg(ls->count < rows || ls->top + rows <= ls->count,
		      "%s: empty rows at the bottom (top %zu, %zu rows, count %zu)",
		      name, ls->top, rows, ls->count);
}

START_TEST(test_list_case_table)
{
	const struct list_case *c = &list_cases[_i];
	struct list_state ls = c->start;

	apply_op(&ls, c->op, c->argument);
	ck_assert_msg(ls.selected == c->selected, "%s: selected %zu, expected %zu",
		      c->name, ls.selected, c->selected);
	ck_assert_msg(ls.top == c->top, "%s: top %zu, expected %zu", c->name,
		      ls.top, c->top);
	assert_invariants(&ls, c->name);
}
END_TEST

START_TEST(test_list_zeroed_state_is_valid)
{
	struct list_state ls = { 0 };

	list_set_height(&ls, 10);
	list_set_count(&ls, 3);
	ck_assert_uint_eq(ls.selected, 0);
	ck_assert_uint_eq(ls.top, 0);
	list_move(&ls, 1);
	ck_assert_uint_eq(ls.selected, 1);
}
END_TEST

/* A fixed pseudo-random walk of every operation: the invariants hold after each step. */
START_TEST(test_list_random_walk_invariants)
{
	struct list_state ls = { 0, 0, 0, 7 };
	uint32_t seed = 12345;

	for (int step = 0; step < 20000; step++) {
		char name[48];

		seed = seed * 1103515245u + 12345u;
		uint32_t r = seed >> 8;
		long long argument = (long long)(r % 61) - 30;

		snprintf(name, sizeof name, "step %d", step);
		switch (r % 7) {
		case OP_SET_COUNT:
			apply_op(&ls, OP_SET_COUNT, (long long)(r % 40));
			break;
		case OP_SET_HEIGHT:
			apply_op(&ls, OP_SET_HEIGHT, (long long)(r % 15) - 2);
			break;
		default:
			apply_op(&ls, (enum list_op)(r % 7), argument);
			break;
		}
		assert_invariants(&ls, name);
	}
}
END_TEST

START_TEST(test_list_big_count_operations)
{
	struct list_state ls = { 0 };

	list_set_height(&ls, 40);
	list_set_count(&ls, BIG_COUNT);
	list_end(&ls);
	ck_assert_uint_eq(ls.selected, BIG_COUNT - 1);
	ck_assert_uint_eq(ls.top, BIG_COUNT - 40);
	list_page(&ls, -1);
	ck_assert_uint_eq(ls.selected, BIG_COUNT - 41);
	ck_assert_uint_eq(ls.top, BIG_COUNT - 80);
	list_select(&ls, BIG_COUNT / 2);
	ck_assert_uint_eq(ls.selected, BIG_COUNT / 2);
	ck_assert_uint_eq(ls.top, BIG_COUNT / 2);
	list_move(&ls, -(ptrdiff_t)BIG_COUNT);
	ck_assert_uint_eq(ls.selected, 0);
	ck_assert_uint_eq(ls.top, 0);
	for (int i = 0; i < BIG_COUNT; i++)
		list_move(&ls, 1);
	ck_assert_uint_eq(ls.selected, BIG_COUNT - 1);
	ck_assert_uint_eq(ls.top, BIG_COUNT - 40);
	list_set_count(&ls, 10);
	ck_assert_uint_eq(ls.selected, 9);
	ck_assert_uint_eq(ls.top, 0);
}
END_TEST

START_TEST(test_list_format_position)
{
	struct list_state ls = { 0, 0, 0, 10 };
	char text[LIST_POSITION_SIZE];

	list_format_position(&ls, text, sizeof text);
	ck_assert_str_eq(text, "0/0");
	list_set_count(&ls, 4567);
	list_select(&ls, 122);
	list_format_position(&ls, text, sizeof text);
	ck_assert_str_eq(text, "123/4567");
	ls.count = SIZE_MAX;
	ls.selected = SIZE_MAX - 1;
	list_format_position(&ls, text, sizeof text);
	ck_assert_str_eq(text, "18446744073709551615/18446744073709551615");
}
END_TEST

/* What draw_row saw, to check which rows list_draw() asked for. */
struct draw_log {
	int calls;
	size_t first_index;
	size_t last_index;
	int selected_calls;
	size_t selected_index;
	int width;
};

static void log_row(void *ctx, WINDOW *w, int y, int x, int width,
		    size_t index, bool selected)
{
	struct draw_log *log = ctx;
	char text[32];

	if (log->calls == 0)
		log->first_index = index;
	log->last_index = index;
	log->calls++;
	log->width = width;
	if (selected) {
		log->selected_calls++;
		log->selected_index = index;
	}
	snprintf(text, sizeof text, "%c%zu", selected ? '>' : ' ', index);
	mvwaddnstr(w, y, x, text, width);
	for (int column = x + (int)strlen(text); column < x + width; column++)
		mvwaddch(w, y, column, ' ');
}

START_TEST(test_list_draw_visible_rows_only)
{
	struct list_state ls = { 0 };
	struct draw_log log = { 0 };

	test_screen_start(24, 80);
	list_set_height(&ls, 10);
	list_set_count(&ls, BIG_COUNT);
	list_select(&ls, 50005);
	list_draw(stdscr, 2, 5, 10, 30, &ls, log_row, &log);

	ck_assert_int_eq(log.calls, 10);
	ck_assert_uint_eq(log.first_index, ls.top);
	ck_assert_uint_eq(log.last_index, ls.top + 9);
	ck_assert_int_eq(log.selected_calls, 1);
	ck_assert_uint_eq(log.selected_index, 50005);
	ck_assert_int_eq(log.width, 30);
	test_screen_stop();
}
END_TEST

START_TEST(test_list_draw_clears_rows_below)
{
	struct list_state ls = { 0 };
	struct draw_log log = { 0 };

	test_screen_start(24, 80);
	test_screen_fill_sentinel();
	list_set_height(&ls, 10);
	list_set_count(&ls, 3);
	list_draw(stdscr, 2, 5, 10, 30, &ls, log_row, &log);

	ck_assert_int_eq(log.calls, 3);
	char *first = test_screen_text(2, 5, 30);

	ck_assert_str_eq(first, ">0                            ");
	free(first);
	for (int y = 5; y < 12; y++) {
		char *blank = test_screen_text(y, 5, 30);

		ck_assert_msg(strspn(blank, " ") == 30, "row %d is \"%s\", expected blank",
			      y, blank);
		free(blank);
	}
	test_screen_assert_only_inside(2, 5, 10, 30);
	test_screen_stop();
}
END_TEST

START_TEST(test_list_draw_clips_to_window)
{
	struct list_state ls = { 0 };
	struct draw_log log = { 0 };

	test_screen_start(6, 20);
	test_screen_fill_sentinel();
	list_set_height(&ls, 10);
	list_set_count(&ls, 50);
	list_draw(stdscr, 3, 12, 10, 30, &ls, log_row, &log);

	ck_assert_int_eq(log.calls, 3);
	ck_assert_int_eq(log.width, 8);
	test_screen_assert_only_inside(3, 12, 3, 8);

	struct draw_log outside = { 0 };

	list_draw(stdscr, 6, 0, 10, 30, &ls, log_row, &outside);
	list_draw(stdscr, 0, 20, 10, 30, &ls, log_row, &outside);
	list_draw(stdscr, -1, 0, 10, 30, &ls, log_row, &outside);
	ck_assert_int_eq(outside.calls, 0);
	test_screen_stop();
}
END_TEST

static Suite *list_suite(void)
{
	Suite *suite = suite_create("tui list");
	TCase *model = tcase_create("model");
	TCase *draw = tcase_create("draw");

	tcase_add_loop_test(model, test_list_case_table, 0, LIST_CASES);
	tcase_add_test(model, test_list_zeroed_state_is_valid);
	tcase_add_test(model, test_list_random_walk_invariants);
	tcase_add_test(model, test_list_big_count_operations);
	tcase_add_test(model, test_list_format_position);
	suite_add_tcase(suite, model);

	tcase_add_test(draw, test_list_draw_visible_rows_only);
	tcase_add_test(draw, test_list_draw_clears_rows_below);
	tcase_add_test(draw, test_list_draw_clips_to_window);
	suite_add_tcase(suite, draw);
	return suite;
}

CHECK_MAIN(list_suite)
