#include "tui/list.h"

#include <stdio.h>

#include "tui/draw.h"

static size_t visible_rows(const struct list_state *ls)
{
	return ls->height > 0 ? (size_t)ls->height : 1;
}

/* The largest top that still fills every visible row. */
static size_t max_top(const struct list_state *ls)
{
	size_t rows = visible_rows(ls);

	return ls->count > rows ? ls->count - rows : 0;
}

/* Restore the invariants after selected, top, count or height changed. */
static void keep_selection_visible(struct list_state *ls)
{
	size_t rows = visible_rows(ls);

	if (ls->count == 0) {
		ls->selected = 0;
		ls->top = 0;
		return;
	}
	if (ls->selected >= ls->count)
		ls->selected = ls->count - 1;
	if (ls->selected < ls->top)
		ls->top = ls->selected;
	else if (ls->selected - ls->top >= rows)
		ls->top = ls->selected - rows + 1;
	/* Lowering top to max_top keeps the selection visible: selected < count. */
	if (ls->top > max_top(ls))
		ls->top = max_top(ls);
}

void list_set_count(struct list_state *ls, size_t count)
{
	ls->count = count;
	keep_selection_visible(ls);
}

void list_set_height(struct list_state *ls, int height)
{
	ls->height = height;
	keep_selection_visible(ls);
}

static size_t add_clamped(size_t value, size_t amount, size_t limit)
{
	return limit - value < amount ? limit : value + amount;
}

static size_t subtract_clamped(size_t value, size_t amount)
{
	return value < amount ? 0 : value - amount;
}

void list_move(struct list_state *ls, ptrdiff_t delta)
{
	if (ls->count == 0)
		return;
	if (delta < 0) {
		/* -(delta + 1) + 1 avoids negating PTRDIFF_MIN. */
		size_t amount = (size_t)(-(delta + 1)) + 1;

		ls->selected = subtract_clamped(ls->selected, amount);
	} else {
		ls->selected = add_clamped(ls->selected, (size_t)delta,
					   ls->count - 1);
	}
	keep_selection_visible(ls);
}

void list_page(struct list_state *ls, int direction)
{
	size_t rows = visible_rows(ls);

	if (ls->count == 0 || direction == 0)
		return;
	/* Moving both by a page keeps the selection on the same screen row, except at the ends. */
	if (direction > 0) {
		ls->top = add_clamped(ls->top, rows, max_top(ls));
		ls->selected = add_clamped(ls->selected, rows, ls->count - 1);
	} else {
		ls->top = subtract_clamped(ls->top, rows);
		ls->selected = subtract_clamped(ls->selected, rows);
	}
	keep_selection_visible(ls);
}

void list_home(struct list_state *ls)
{
	ls->selected = 0;
	ls->top = 0;
	keep_selection_visible(ls);
}

void list_end(struct list_state *ls)
{
	ls->selected = ls->count > 0 ? ls->count - 1 : 0;
	keep_selection_visible(ls);
}

void list_select(struct list_state *ls, size_t index)
{
	ls->selected = index;
	keep_selection_visible(ls);
}

void list_draw(WINDOW *w, int y, int x, int height, int width,
	       const struct list_state *ls, list_draw_row_fn *draw_row,
	       void *ctx)
{
	int columns = draw_clip_width(w, y, x, width);

	if (columns == 0)
		return;
	for (int row = 0; row < height && y + row < getmaxy(w); row++) {
		size_t index = ls->top + (size_t)row;

		if (index < ls->count)
			draw_row(ctx, w, y + row, x, columns, index,
				 index == ls->selected);
		else
			draw_fill(w, y + row, x, columns, THEME_NORMAL);
	}
}

void list_format_position(const struct list_state *ls, char *out, size_t size)
{
	snprintf(out, size, "%zu/%zu", ls->count > 0 ? ls->selected + 1 : 0,
		 ls->count);
}

bool list_row_at(const struct list_state *ls, int offset, size_t *index)
{
	int height = ls->height < 1 ? 1 : ls->height;

	if (offset < 0 || offset >= height || ls->top + (size_t)offset >= ls->count)
		return false;
	*index = ls->top + (size_t)offset;
	return true;
}
