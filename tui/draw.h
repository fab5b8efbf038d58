#ifndef GATEHOUSE_TUI_DRAW_H
#define GATEHOUSE_TUI_DRAW_H

/*
 * Drawing primitives for every pane. They clip to the window, so nothing is
 * written past its right edge, where ncurses would wrap onto the next line,
 * or outside it. Untrusted text goes through text_cell().
 */

#include <curses.h>

#include "tui/text.h"
#include "tui/theme.h"

/*
 * Draw untrusted at (y, x) in role, sanitized and fitted to exactly width
 * columns (padded or cut with an ellipsis), or fewer when the window ends
 * first.
 */
void draw_text(WINDOW *w, int y, int x, int width, const char *untrusted,
	       enum theme_role role, enum text_charset cs);

/* Draw like draw_text() text that has already been through text_sanitize() with cs. */
void draw_sanitized(WINDOW *w, int y, int x, int width, const char *sanitized,
		    enum theme_role role, enum text_charset cs);

/* Draw like draw_text(), but right-aligned in the width columns. */
void draw_text_right(WINDOW *w, int y, int x, int width,
		     const char *untrusted, enum theme_role role,
		     enum text_charset cs);

/* Fill width columns from (y, x) with spaces in role. */
void draw_fill(WINDOW *w, int y, int x, int width, enum theme_role role);

/* Draw a horizontal line: U+2500 for TEXT_UTF8, '-' for TEXT_ASCII. */
void draw_hline(WINDOW *w, int y, int x, int width, enum theme_role role,
		enum text_charset cs);

/*
 * Draw the frame of a box with its top-left corner at (y, x), with UTF-8
 * box-drawing characters or '-', '|' and '+' for TEXT_ASCII. The inside is
 * left as it is. Nothing is drawn when height or width is below 2.
 */
void draw_box(WINDOW *w, int y, int x, int height, int width,
	      enum theme_role role, enum text_charset cs);

/* Return how many of width columns from (y, x) lie inside w: 0 when (y, x) is outside. */
int draw_clip_width(WINDOW *w, int y, int x, int width);

#endif
