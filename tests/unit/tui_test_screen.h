#ifndef GATEHOUSE_TESTS_TUI_TEST_SCREEN_H
#define GATEHOUSE_TESTS_TUI_TEST_SCREEN_H

/*
 * A curses screen for drawing tests: an xterm-256color terminal whose output
 * goes to /dev/null and whose input is empty. Tests draw into stdscr and
 * read the cells back, so nothing depends on a real terminal. Each Check
 * test runs in a child process of its own, so every test starts its screen.
 */

#include <check.h>
#include <curses.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Filled into every cell before a draw, to see which cells the draw changed. */
#define TEST_SENTINEL L'.'
#define TEST_ROW_MAX 512

struct test_screen {
	SCREEN *screen;
	FILE *output;
	FILE *input;
};

static struct test_screen test_screen;

/* Start a screen for terminal type term (for example "xterm" for 8 colours). */
static inline void test_screen_start_term(const char *term, int rows, int cols)
{
	ck_assert_msg(setlocale(LC_ALL, "C.UTF-8") != NULL,
		      "setlocale(LC_ALL, \"C.UTF-8\") failed: install the C.UTF-8 locale");
	test_screen.output = fopen("/dev/null", "w");
	test_screen.input = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(test_screen.output);
	ck_assert_ptr_nonnull(test_screen.input);
	test_screen.screen = newterm(term, test_screen.output, test_screen.input);
	ck_assert_msg(test_screen.screen != NULL,
		      "newterm(\"%s\") failed: install ncurses-term", term);
	set_term(test_screen.screen);
	ck_assert_int_eq(resizeterm(rows, cols), OK);
	ck_assert_int_eq(LINES, rows);
	ck_assert_int_eq(COLS, cols);
}

static inline void test_screen_start(int rows, int cols)
{
	test_screen_start_term("xterm-256color", rows, cols);
}

static inline void test_screen_stop(void)
{
	if (!test_screen.screen)
		return;
	endwin();
	delscreen(test_screen.screen);
	fclose(test_screen.output);
	fclose(test_screen.input);
	test_screen.screen = NULL;
}

static inline void test_screen_fill_sentinel(void)
{
	cchar_t sentinel;
	wchar_t text[2] = { TEST_SENTINEL, L'\0' };

	setcchar(&sentinel, text, A_NORMAL, 0, NULL);
	for (int y = 0; y < LINES; y++)
		mvwhline_set(stdscr, y, 0, &sentinel, COLS);
}

/* Return the first character of the cell at (y, x) of stdscr; its attributes go to *attributes. */
static inline wchar_t test_screen_cell(int y, int x, attr_t *attributes)
{
	cchar_t cell;
	wchar_t text[CCHARW_MAX + 1] = { 0 };
	attr_t attrs = 0;
	short pair = 0;

	ck_assert_int_ne(mvwin_wch(stdscr, y, x, &cell), ERR);
	getcchar(&cell, text, &attrs, &pair, NULL);
	if (attributes)
		*attributes = attrs | (attr_t)COLOR_PAIR(pair);
	return text[0];
}

/* Return row y of stdscr as UTF-8; the caller frees it. Wide characters come once. */
static inline char *test_screen_row(int y)
{
	wchar_t wide[TEST_ROW_MAX + 1] = { 0 };
	char *text = calloc(TEST_ROW_MAX * 4 + 1, 1);

	ck_assert_ptr_nonnull(text);
	ck_assert_int_ne(mvwinnwstr(stdscr, y, 0, wide, TEST_ROW_MAX), ERR);
	ck_assert(wcstombs(text, wide, TEST_ROW_MAX * 4) != (size_t)-1);
	return text;
}

/*
 * Return the characters that start in columns [x, x + width) of row y as
 * UTF-8; the caller frees it. Columns come from wcwidth(), as ncursesw
 * counts them, and combining marks stay with their base character.
 */
static inline char *test_screen_text(int y, int x, int width)
{
	wchar_t row[TEST_ROW_MAX + 1] = { 0 };
	wchar_t wide[TEST_ROW_MAX + 1] = { 0 };
	char *text = calloc(TEST_ROW_MAX * 4 + 1, 1);
	int column = 0;
	int count = 0;
	bool base_kept = false;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_ne(mvwinnwstr(stdscr, y, 0, row, TEST_ROW_MAX), ERR);
	for (int i = 0; row[i]; i++) {
		int columns = wcwidth(row[i]);

		if (columns <= 0) {
			if (base_kept)
				wide[count++] = row[i];
			continue;
		}
		base_kept = column >= x && column < x + width;
		if (base_kept)
			wide[count++] = row[i];
		column += columns;
	}
	ck_assert(wcstombs(text, wide, TEST_ROW_MAX * 4) != (size_t)-1);
	return text;
}

/* True when the cell at (y, x) still contains the sentinel with no attributes. */
static inline bool test_screen_untouched(int y, int x)
{
	attr_t attributes;

	return test_screen_cell(y, x, &attributes) == TEST_SENTINEL &&
	       attributes == A_NORMAL;
}

/* Assert that no cell outside the rectangle (top, left, height, width) changed. */
static inline void test_screen_assert_only_inside(int top, int left, int height,
						  int width)
{
	for (int y = 0; y < LINES; y++) {
		for (int x = 0; x < COLS; x++) {
			bool inside = y >= top && y < top + height && x >= left &&
				      x < left + width;

			if (!inside)
				ck_assert_msg(test_screen_untouched(y, x),
					      "cell (%d, %d) outside the %dx%d area at (%d, %d) "
					      "changed on a %dx%d screen",
					      y, x, width, height, top, left, COLS, LINES);
		}
	}
}

#endif
