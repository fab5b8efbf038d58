#include "views/columns.h"

#include <string.h>

#include "tui/draw.h"

static int used_width(const struct column *columns, size_t count, const int *widths)
{
	int used = 0, shown = 0;

	for (size_t i = 0; i < count; i++) {
		if (widths[i] > 0) {
			used += widths[i];
			shown++;
		}
	}
	return used + (shown > 1 ? shown - 1 : 0);
}

/* The shown column with the lowest priority, or count when none is left. */
static size_t least_important(const struct column *columns, size_t count, const int *widths)
{
	size_t found = count;

	for (size_t i = 0; i < count; i++)
		if (widths[i] > 0 && (found == count || columns[i].priority < columns[found].priority))
			found = i;
	return found;
}

size_t columns_layout(const struct column *columns, size_t count, int total, int *widths)
{
	size_t shown = count;

	for (size_t i = 0; i < count; i++)
		widths[i] = columns[i].width;
	while (shown > 0 && used_width(columns, count, widths) > total) {
		size_t drop = least_important(columns, count, widths);
		if (shown == 1) {
			widths[drop] = total > 0 ? total : 0; /* the last column shrinks instead */
			return total > 0 ? 1 : 0;
		}
		widths[drop] = 0;
		shown--;
	}
	/* The spare width goes to the flexible columns shown, in equal shares. */
	int spare = total - used_width(columns, count, widths);
	int flexible = 0;
	for (size_t i = 0; i < count; i++)
		if (columns[i].flexible && widths[i] > 0)
			flexible++;
	for (size_t i = 0; i < count && spare > 0 && flexible > 0; i++) {
		if (!columns[i].flexible || widths[i] == 0)
			continue;
		int share = spare / flexible;
		widths[i] += share;
		spare -= share;
		flexible--;
	}
	return shown;
}

void columns_format_header(const struct column *columns, size_t count, const int *widths,
			   struct strbuf *out)
{
	columns_format_sorted_header(columns, count, widths, count, false, TEXT_ASCII, out);
}

static const char *sort_arrow(bool descending, enum text_charset cs)
{
	if (cs == TEXT_UTF8)
		return descending ? "\u25bc" : "\u25b2";
	return descending ? "v" : "^";
}

/* Append one header cell of width columns: the title, then the arrow when there is one. */
static void format_header_cell(const struct column *column, int width, const char *arrow,
			       struct strbuf *out)
{
	int title_width = (int)strlen(column->title);

	if (!arrow) {
		strbuf_printf(out, column->right_aligned ? "%*s" : "%-*s", width, column->title);
		return;
	}
	/* printf pads by bytes, and the UTF-8 arrow takes three bytes for one column. */
	if (title_width > width - 1)
		title_width = width - 1;
	int padding = width - title_width - 1;

	if (column->right_aligned)
		strbuf_printf(out, "%*s", padding, "");
	strbuf_append(out, column->title, (size_t)title_width);
	strbuf_puts(out, arrow);
	if (!column->right_aligned)
		strbuf_printf(out, "%*s", padding, "");
}

void columns_format_sorted_header(const struct column *columns, size_t count, const int *widths,
				  size_t sorted, bool descending, enum text_charset cs,
				  struct strbuf *out)
{
	bool first = true;

	for (size_t c = 0; c < count; c++) {
		if (widths[c] <= 0)
			continue;
		if (!first)
			strbuf_putc(out, ' ');
		first = false;
		format_header_cell(&columns[c], widths[c], c == sorted ? sort_arrow(descending, cs) : NULL,
				   out);
	}
}

void columns_draw_row(WINDOW *w, int y, int x, int width, const struct column *columns,
		      size_t count, const int *widths, const char *const *cells,
		      enum theme_role role, enum text_charset cs)
{
	int end = x + width;

	draw_fill(w, y, x, width, role);
	for (size_t c = 0; c < count && x < end; c++) {
		int cell = widths[c] < end - x ? widths[c] : end - x;
		if (cell <= 0)
			continue;
		if (columns[c].right_aligned)
			draw_text_right(w, y, x, cell, cells[c], role, cs);
		else
			draw_text(w, y, x, cell, cells[c], role, cs);
		x += cell + 1;
	}
}

enum theme_role columns_row_role(bool selected, bool marked, bool focused)
{
	if (selected && !focused)
		return THEME_SELECTED_INACTIVE;
	if (selected && marked)
		return THEME_SELECTED_MARKED;
	if (selected)
		return THEME_SELECTED;
	return marked ? THEME_MARKED : THEME_NORMAL;
}
