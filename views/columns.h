#ifndef GATEHOUSE_COLUMNS_H
#define GATEHOUSE_COLUMNS_H

/*
 * Column layout for the list panes: each column has a width it wants and a
 * priority; on a narrow terminal the least important columns go first, and
 * the flexible columns share whatever width is left.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "tui/text.h"
#include "tui/theme.h"

struct column {
	const char *title;
	int width;          /* the width it wants; for the flexible column, its minimum */
	int priority;       /* higher stays longer when space runs out */
	bool flexible;      /* takes a share of the remaining width */
	bool right_aligned;
};

/*
 * Fill widths[i] for each of count columns to fit total columns, one space
 * between columns: 0 for a column left out. Returns how many are shown.
 */
size_t columns_layout(const struct column *columns, size_t count, int total, int *widths);

/* Append the header line: each shown column's title placed in its column. */
void columns_format_header(const struct column *columns, size_t count, const int *widths,
			   struct strbuf *out);

/*
 * Append the header line as columns_format_header() does, with an arrow after
 * the title of column sorted: ▲ ascending and ▼ descending, or ^ and v in
 * ASCII. A title that leaves no room for the arrow loses its last letters.
 * sorted == count marks no column. Titles must be ASCII.
 */
void columns_format_sorted_header(const struct column *columns, size_t count, const int *widths,
				  size_t sorted, bool descending, enum text_charset cs,
				  struct strbuf *out);

/*
 * Draw one row at (y, x) in exactly width columns: cells[i] (untrusted text)
 * in column i as laid out by widths, everything in role.
 */
void columns_draw_row(WINDOW *w, int y, int x, int width, const struct column *columns,
		      size_t count, const int *widths, const char *const *cells,
		      enum theme_role role, enum text_charset cs);

/*
 * The role of a list row: selection and marks stay visible without colour
 * through the theme. The selection of a pane without the keys (focused false)
 * is drawn fainter, so that only one pane looks active.
 */
enum theme_role columns_row_role(bool selected, bool marked, bool focused);

#endif
