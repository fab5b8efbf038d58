#ifndef GATEHOUSE_TUI_LIST_H
#define GATEHOUSE_TUI_LIST_H

/*
 * A scrolling list's position, kept apart from drawing so that it can be
 * tested. Every operation is O(1) in count, and list_draw() touches only the
 * visible rows, so 100,000 rows cost what 100 do.
 *
 * After every operation: selected < count (0 when count is 0), the
 * selection is on screen (top <= selected < top + height), and no empty row
 * shows at the bottom while rows above top could fill it.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

struct list_state {
	size_t count;
	size_t selected;
	/* The index of the first visible row. */
	size_t top;
	/* Visible rows; a height below 1 counts as 1. */
	int height;
};

/* A buffer size that fits any list_format_position() output. */
#define LIST_POSITION_SIZE 48

/* Change the number of rows. The selected index stays unless it is now past the end. */
void list_set_count(struct list_state *ls, size_t count);
void list_set_height(struct list_state *ls, int height);
/* Move the selection by delta rows, stopping at the first and the last row. */
void list_move(struct list_state *ls, ptrdiff_t delta);
/* Move the selection and the view by one page: direction > 0 is down, < 0 up. */
void list_page(struct list_state *ls, int direction);
void list_home(struct list_state *ls);
void list_end(struct list_state *ls);
/* Select index, or the last row when index is past the end. */
void list_select(struct list_state *ls, size_t index);

/*
 * Find the row shown offset rows below the first visible one (a click at
 * that line). Returns false when no row shows there.
 */
bool list_row_at(const struct list_state *ls, int offset, size_t *index);

/*
 * Draw one row: the row index of the list at (y, x) of w, in exactly width
 * columns, highlighted when selected is true.
 */
typedef void list_draw_row_fn(void *ctx, WINDOW *w, int y, int x, int width,
			      size_t index, bool selected);

/*
 * Draw the visible rows of ls into the height x width area at (y, x) of w:
 * draw_row for each row from ls->top, then blank lines below the last row.
 */
void list_draw(WINDOW *w, int y, int x, int height, int width,
	       const struct list_state *ls, list_draw_row_fn *draw_row,
	       void *ctx);

/* Write the scroll position "SELECTED/COUNT" (1-based, "0/0" when empty) to out. */
void list_format_position(const struct list_state *ls, char *out, size_t size);

#endif
