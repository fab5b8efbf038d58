#include "views/table.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "tui/draw.h"
#include "tui/theme.h"

void table_init(struct table *t)
{
	memset(t, 0, sizeof *t);
	line_input_init(&t->filter_input, TABLE_FILTER_MAX);
}

void table_free(struct table *t)
{
	free(t->visible);
	free(t->marks);
	line_input_free(&t->filter_input);
	memset(t, 0, sizeof *t);
}

const char *table_filter(const struct table *t)
{
	return line_input_text(&t->filter_input);
}

/* The filter, lowercased for a case-insensitive match of ASCII letters. */
static char *lowercase_needle(const struct table *t)
{
	char *needle = xstrdup(table_filter(t));

	for (char *p = needle; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return needle;
}

int64_t table_selected_id(const struct table *t)
{
	size_t row;

	return table_selected_row(t, &row) ? t->rows.id(t->rows.ctx, row) : 0;
}

/* Recompute which rows pass the filter, keeping the selection on keep_id if it still shows. */
static void refilter(struct table *t, int64_t keep_id)
{
	char *needle = lowercase_needle(t);
	size_t selected = 0;
	bool found = false;

	t->visible = xreallocarray(t->visible, t->rows.count ? t->rows.count : 1, sizeof *t->visible);
	t->visible_count = 0;
	for (size_t row = 0; row < t->rows.count; row++) {
		if (*needle && !t->rows.matches(t->rows.ctx, row, needle))
			continue;
		if (!found && keep_id && t->rows.id(t->rows.ctx, row) == keep_id) {
			selected = t->visible_count;
			found = true;
		}
		t->visible[t->visible_count++] = row;
	}
	free(needle);
	list_set_count(&t->list, t->visible_count);
	if (found)
		list_select(&t->list, selected);
}

void table_set_rows(struct table *t, const struct table_rows *rows, int64_t keep_id)
{
	t->rows = *rows;
	refilter(t, keep_id);
}

bool table_selected_row(const struct table *t, size_t *row)
{
	if (t->visible_count == 0 || t->list.selected >= t->visible_count)
		return false;
	*row = t->visible[t->list.selected];
	return true;
}

size_t table_collect_targets(const struct table *t, struct action_target **out, bool *from_marks)
{
	size_t count = 0, row;

	*out = xcalloc(t->mark_count ? t->mark_count : 1, sizeof **out);
	*from_marks = t->mark_count > 0;
	if (*from_marks) {
		/* Only what the user can see: marked rows that the filter hides are left alone. */
		for (size_t i = 0; i < t->visible_count && count < t->mark_count; i++) {
			row = t->visible[i];
			int64_t id = t->rows.id(t->rows.ctx, row);
			if (table_is_marked(t, id))
				(*out)[count++] = (struct action_target){ id, t->rows.version(t->rows.ctx, row) };
		}
	} else if (table_selected_row(t, &row)) {
		(*out)[count++] = (struct action_target){ t->rows.id(t->rows.ctx, row),
							  t->rows.version(t->rows.ctx, row) };
	}
	return count;
}

size_t table_marked_visible(const struct table *t)
{
	size_t count = 0;

	for (size_t i = 0; t->mark_count && i < t->visible_count; i++)
		if (table_is_marked(t, t->rows.id(t->rows.ctx, t->visible[i])))
			count++;
	return count;
}

static size_t mark_position(const struct table *t, int64_t id, bool *found)
{
	size_t low = 0, high = t->mark_count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (t->marks[mid] < id)
			low = mid + 1;
		else
			high = mid;
	}
	*found = low < t->mark_count && t->marks[low] == id;
	return low;
}

bool table_is_marked(const struct table *t, int64_t id)
{
	bool found;

	mark_position(t, id, &found);
	return found;
}

static void toggle_mark(struct table *t, int64_t id)
{
	bool found;
	size_t at = mark_position(t, id, &found);

	if (found) {
		memmove(&t->marks[at], &t->marks[at + 1], (t->mark_count - at - 1) * sizeof *t->marks);
		t->mark_count--;
		return;
	}
	t->marks = xreallocarray(t->marks, t->mark_count + 1, sizeof *t->marks);
	memmove(&t->marks[at + 1], &t->marks[at], (t->mark_count - at) * sizeof *t->marks);
	t->marks[at] = id;
	t->mark_count++;
}

static int compare_ids(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void mark_all_visible(struct table *t)
{
	t->marks = xreallocarray(t->marks, t->mark_count + t->visible_count + 1, sizeof *t->marks);
	for (size_t i = 0; i < t->visible_count; i++)
		t->marks[t->mark_count + i] = t->rows.id(t->rows.ctx, t->visible[i]);
	t->mark_count += t->visible_count;
	qsort(t->marks, t->mark_count, sizeof *t->marks, compare_ids);

	size_t unique = 0;
	for (size_t i = 0; i < t->mark_count; i++)
		if (unique == 0 || t->marks[unique - 1] != t->marks[i])
			t->marks[unique++] = t->marks[i];
	t->mark_count = unique;
}

bool table_handle_action(struct table *t, enum action action)
{
	size_t row;

	switch (action) {
	case ACTION_UP: list_move(&t->list, -1); return true;
	case ACTION_DOWN: list_move(&t->list, 1); return true;
	case ACTION_PAGE_UP: list_page(&t->list, -1); return true;
	case ACTION_PAGE_DOWN: list_page(&t->list, 1); return true;
	case ACTION_HOME: list_home(&t->list); return true;
	case ACTION_END: list_end(&t->list); return true;
	case ACTION_FILTER:
		/* A new search starts empty, as / does in less and vi; Esc brings all rows back. */
		line_input_clear(&t->filter_input);
		t->filtering = true;
		refilter(t, table_selected_id(t));
		return true;
	case ACTION_CLEAR_FILTER:
		line_input_clear(&t->filter_input);
		t->filtering = false;
		refilter(t, table_selected_id(t));
		return true;
	case ACTION_MARK:
		if (table_selected_row(t, &row)) {
			toggle_mark(t, t->rows.id(t->rows.ctx, row));
			list_move(&t->list, 1);
		}
		return true;
	case ACTION_MARK_ALL:
		mark_all_visible(t);
		return true;
	case ACTION_CLEAR_MARKS:
		t->mark_count = 0;
		return true;
	default:
		return false;
	}
}

/* The count of frames drawn, so that a table can tell whether its last draw is on the screen. */
static unsigned table_frame;

void table_new_frame(void)
{
	table_frame++;
}

bool table_mouse(struct table *t, const struct screen_mouse *mouse)
{
	const struct area *a = &t->drawn;
	size_t index;

	if (t->drawn_frame != table_frame || mouse->y < a->y || mouse->y >= a->y + a->height ||
	    mouse->x < a->x || mouse->x >= a->x + a->width)
		return false;
	if (mouse->button == SCREEN_MOUSE_WHEEL_UP)
		list_move(&t->list, -TABLE_WHEEL_ROWS);
	else if (mouse->button == SCREEN_MOUSE_WHEEL_DOWN)
		list_move(&t->list, TABLE_WHEEL_ROWS);
	else if (list_row_at(&t->list, mouse->y - a->y - 1, &index)) /* the header is row a->y */
		list_select(&t->list, index);
	return true;
}

bool table_take_key(struct table *t, const struct key_event *ev)
{
	int64_t keep;
	struct screen_mouse mouse;

	if (key_event_is_mouse(ev))
		return screen_last_mouse(&mouse) && table_mouse(t, &mouse);
	if (!t->filtering)
		return false;
	keep = table_selected_id(t);
	switch (line_input_key(&t->filter_input, ev)) {
	case INPUT_SUBMIT:
		t->filtering = false; /* the filter stays applied */
		break;
	case INPUT_CANCEL:
		line_input_clear(&t->filter_input);
		t->filtering = false;
		break;
	case INPUT_CONTINUE:
		break;
	}
	refilter(t, keep); /* incremental: the rows follow every key typed */
	return true;
}

void table_draw(struct table *t, WINDOW *w, const struct area *area, const char *header,
		const char *empty_text, table_draw_row_fn *draw_row, void *ctx,
		enum text_charset cs)
{
	bool filter_line = t->filtering || *table_filter(t);
	int rows = area->height - 1 - (filter_line ? 1 : 0);
	int y = area->y;

	t->cursor_x = -1;
	t->cursor_y = -1;
	if (area->height <= 0 || area->width <= 0)
		return;
	t->drawn = (struct area){ area->y, area->x, rows < 1 ? 1 : 1 + rows, area->width };
	t->drawn_frame = table_frame;
	draw_text(w, y++, area->x, area->width, header, THEME_HEADER, cs);
	if (rows < 1)
		return;
	list_set_height(&t->list, rows);
	for (int i = 0; i < rows; i++, y++) {
		size_t index = t->list.top + (size_t)i;
		if (index >= t->visible_count) {
			bool say_empty = i == 0 && empty_text;
			draw_text(w, y, area->x, area->width, say_empty ? empty_text : "",
				  say_empty ? THEME_DIM : THEME_NORMAL, cs);
			continue;
		}
		size_t row = t->visible[index];
		draw_row(ctx, w, y, area->x, area->width, row, index == t->list.selected,
			 table_is_marked(t, t->rows.id(t->rows.ctx, row)));
	}
	if (!filter_line)
		return;
	draw_text(w, y, area->x, 1, "/", THEME_KEY, cs);
	int column = line_input_draw(w, y, area->x + 1, area->width - 1, &t->filter_input, cs);
	if (t->filtering && column >= 0) {
		t->cursor_x = column;
		t->cursor_y = y;
	}
}

bool table_cursor(const struct table *t, int *y, int *x)
{
	if (!t->filtering || t->cursor_x < 0)
		return false;
	*y = t->cursor_y;
	*x = t->cursor_x;
	return true;
}
