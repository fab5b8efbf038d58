#ifndef GATEHOUSE_TABLE_H
#define GATEHOUSE_TABLE_H

/*
 * What the two list panes share: the rows that pass the filter, the
 * selection, the filter being typed, and the marks. The pane owns its rows;
 * the table refers to them by index and remembers marks and the selection by
 * id, so that both survive a reload that reorders the rows.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/input.h"
#include "tui/key.h"
#include "tui/keymap.h"
#include "tui/list.h"
#include "tui/screen.h"
#include "tui/text.h"
#include "views/view.h"

/* The longest filter text, in characters. */
#define TABLE_FILTER_MAX 120

struct table_rows {
	size_t count;
	/* The row's id. */
	int64_t (*id)(void *ctx, size_t row);
	/* The row's version, as the user sees it. */
	int64_t (*version)(void *ctx, size_t row);
	/* Whether the row matches the lowercase needle. */
	bool (*matches)(void *ctx, size_t row, const char *needle);
	void *ctx;
};

struct table {
	struct table_rows rows;
	struct list_state list;
	size_t *visible;        /* row indexes that pass the filter, in row order */
	size_t visible_count;
	struct line_input filter_input;
	bool filtering;         /* the filter is being typed */
	int64_t *marks;         /* sorted ids */
	size_t mark_count;
	int cursor_y;           /* where the filter's cursor was drawn, -1 for nowhere */
	int cursor_x;
	struct area drawn;      /* the header and rows of the last draw, for the mouse */
	unsigned drawn_frame;   /* the table_new_frame() count at that draw */
};

void table_init(struct table *t);
void table_free(struct table *t);

/*
 * Take a new set of rows and put the selection on keep_id where it shows
 * (table_selected_id() read before the old rows went away).
 */
void table_set_rows(struct table *t, const struct table_rows *rows, int64_t keep_id);

/* The id of the selected row, 0 when nothing shows. */
int64_t table_selected_id(const struct table *t);

/* The row index of the selection; false when nothing shows. */
bool table_selected_row(const struct table *t, size_t *row);

/*
 * Collect what an action applies to: the marked rows that the filter shows,
 * else the selected row. Marked rows hidden by the filter are left out, so an
 * action never touches a row the user cannot see. Returns the count; the
 * caller frees *out. Whether marks were set is returned through from_marks.
 */
size_t table_collect_targets(const struct table *t, struct action_target **out, bool *from_marks);

/* How many marked rows the filter shows. */
size_t table_marked_visible(const struct table *t);

/* Whether a row's id is marked. */
bool table_is_marked(const struct table *t, int64_t id);

/*
 * Handle the list actions (movement, filter, marks). Returns false for any
 * other action.
 */
bool table_handle_action(struct table *t, enum action action);

/* While the filter is being typed, keys edit it; returns true when the key was used. */
bool table_take_key(struct table *t, const struct key_event *ev);

/* The applied filter text, "" for none. */
const char *table_filter(const struct table *t);

/* Rows to draw: the list height follows the area minus header and filter lines. */
typedef void table_draw_row_fn(void *ctx, WINDOW *w, int y, int x, int width, size_t row,
			       bool selected, bool marked);

/*
 * Draw the header line, the visible rows and, when a filter is set or being
 * typed, the filter line at the bottom. When nothing shows, empty_text
 * is drawn on the first row.
 */
void table_draw(struct table *t, WINDOW *w, const struct area *area, const char *header,
		const char *empty_text, table_draw_row_fn *draw_row, void *ctx,
		enum text_charset cs);

/*
 * Start a new frame: a table that is not drawn again before the next mouse
 * event (a pane hidden behind a tab) does not take it.
 */
void table_new_frame(void);

/*
 * Take a mouse event over the table's header or rows: a click selects the
 * row under the pointer, and the wheel moves the selection by
 * TABLE_WHEEL_ROWS. Returns false when the pointer is elsewhere.
 * table_take_key() calls it for KEY_MOUSE.
 */
bool table_mouse(struct table *t, const struct screen_mouse *mouse);

/* Rows the selection moves for one notch of the mouse wheel. */
#define TABLE_WHEEL_ROWS 3

/* Where the terminal cursor goes while the filter is typed; false otherwise. */
bool table_cursor(const struct table *t, int *y, int *x);

#endif
