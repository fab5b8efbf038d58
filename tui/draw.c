#include "tui/draw.h"

#include <wchar.h>

#include "common/strbuf.h"

/* The line characters of one charset. */
struct line_set {
	wchar_t horizontal;
	wchar_t vertical;
	wchar_t top_left;
	wchar_t top_right;
	wchar_t bottom_left;
	wchar_t bottom_right;
};

/* Box-drawing characters U+2500 and on; every UTF-8 terminal font has them. */
static const struct line_set utf8_lines = {
	0x2500, 0x2502, 0x250C, 0x2510, 0x2514, 0x2518,
};

static const struct line_set ascii_lines = { '-', '|', '+', '+', '+', '+' };

int draw_clip_width(WINDOW *w, int y, int x, int width)
{
	if (!w || width <= 0 || y < 0 || x < 0 || y >= getmaxy(w) ||
	    x >= getmaxx(w))
		return 0;
	int room = getmaxx(w) - x;

	return width < room ? width : room;
}

static void make_cell(wchar_t ch, enum theme_role role, cchar_t *cell)
{
	wchar_t text[2] = { ch, L'\0' };
	attr_t attr = theme_attr(role);

	setcchar(cell, text, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
}

/* Write the terminal-safe string text at (y, x); the caller has fitted it to the window. */
static void put_text(WINDOW *w, int y, int x, const struct strbuf *text,
		     enum theme_role role)
{
	wattrset(w, theme_attr(role));
	/*
	 * At the bottom-right cell of a window without scrolling, waddnstr()
	 * places the character and then returns ERR, so its result is ignored.
	 */
	(void)mvwaddnstr(w, y, x, strbuf_str(text), (int)text->len);
	wattrset(w, A_NORMAL);
}

void draw_text(WINDOW *w, int y, int x, int width, const char *untrusted,
	       enum theme_role role, enum text_charset cs)
{
	int columns = draw_clip_width(w, y, x, width);
	struct strbuf cell = STRBUF_INIT;

	if (columns == 0)
		return;
	text_cell(untrusted, TEXT_NUL_TERMINATED, columns, cs, &cell);
	put_text(w, y, x, &cell, role);
	strbuf_free(&cell);
}

void draw_sanitized(WINDOW *w, int y, int x, int width, const char *sanitized,
		    enum theme_role role, enum text_charset cs)
{
	int columns = draw_clip_width(w, y, x, width);
	struct strbuf cell = STRBUF_INIT;

	if (columns == 0)
		return;
	text_fit(sanitized, columns, cs, &cell);
	put_text(w, y, x, &cell, role);
	strbuf_free(&cell);
}

void draw_text_right(WINDOW *w, int y, int x, int width,
		     const char *untrusted, enum theme_role role,
		     enum text_charset cs)
{
	int columns = draw_clip_width(w, y, x, width);
	struct strbuf sanitized = STRBUF_INIT;
	struct strbuf cell = STRBUF_INIT;

	if (columns == 0)
		return;
	text_sanitize(untrusted, TEXT_NUL_TERMINATED, cs, &sanitized);
	text_fit_right(strbuf_str(&sanitized), columns, cs, &cell);
	put_text(w, y, x, &cell, role);
	strbuf_free(&sanitized);
	strbuf_free(&cell);
}

/* Draw length copies of cell rightwards from (y, x), clipped to the window. */
static void put_hline(WINDOW *w, int y, int x, int length, const cchar_t *cell)
{
	if (x < 0) {
		length += x;
		x = 0;
	}
	length = draw_clip_width(w, y, x, length);
	if (length > 0)
		mvwhline_set(w, y, x, cell, length);
}

/* Draw length copies of cell downwards from (y, x), clipped to the window. */
static void put_vline(WINDOW *w, int y, int x, int length, const cchar_t *cell)
{
	if (y < 0) {
		length += y;
		y = 0;
	}
	if (x < 0 || x >= getmaxx(w) || y >= getmaxy(w))
		return;
	if (length > getmaxy(w) - y)
		length = getmaxy(w) - y;
	if (length > 0)
		mvwvline_set(w, y, x, cell, length);
}

static void put_cell(WINDOW *w, int y, int x, const cchar_t *cell)
{
	if (draw_clip_width(w, y, x, 1) == 1)
		(void)mvwadd_wch(w, y, x, cell); /* ERR at the bottom-right cell, as above */
}

void draw_fill(WINDOW *w, int y, int x, int width, enum theme_role role)
{
	cchar_t blank;

	if (!w)
		return;
	make_cell(L' ', role, &blank);
	put_hline(w, y, x, width, &blank);
}

static const struct line_set *line_set_for(enum text_charset cs)
{
	return cs == TEXT_UTF8 ? &utf8_lines : &ascii_lines;
}

void draw_hline(WINDOW *w, int y, int x, int width, enum theme_role role,
		enum text_charset cs)
{
	cchar_t line;

	if (!w)
		return;
	make_cell(line_set_for(cs)->horizontal, role, &line);
	put_hline(w, y, x, width, &line);
}

void draw_box(WINDOW *w, int y, int x, int height, int width,
	      enum theme_role role, enum text_charset cs)
{
	const struct line_set *lines = line_set_for(cs);
	cchar_t horizontal, vertical, corner;
	int bottom = y + height - 1;
	int right = x + width - 1;

	if (!w || height < 2 || width < 2)
		return;
	make_cell(lines->horizontal, role, &horizontal);
	make_cell(lines->vertical, role, &vertical);
	put_hline(w, y, x + 1, width - 2, &horizontal);
	put_hline(w, bottom, x + 1, width - 2, &horizontal);
	put_vline(w, y + 1, x, height - 2, &vertical);
	put_vline(w, y + 1, right, height - 2, &vertical);

	make_cell(lines->top_left, role, &corner);
	put_cell(w, y, x, &corner);
	make_cell(lines->top_right, role, &corner);
	put_cell(w, y, right, &corner);
	make_cell(lines->bottom_left, role, &corner);
	put_cell(w, bottom, x, &corner);
	make_cell(lines->bottom_right, role, &corner);
	put_cell(w, bottom, right, &corner);
}
