#include "views/lines.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/strbuf.h"
#include "tui/draw.h"
#include "tui/wrap.h"

void lines_init(struct lines *l, int label_width)
{
	memset(l, 0, sizeof *l);
	l->label_width = label_width;
}

void lines_clear(struct lines *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->entries[i].label);
		free(l->entries[i].value);
	}
	l->count = 0;
}

void lines_free(struct lines *l)
{
	lines_clear(l);
	free(l->entries);
	memset(l, 0, sizeof *l);
}

static void add_entry(struct lines *l, enum theme_role role, const char *label, char *value)
{
	if (l->count == l->capacity) {
		l->capacity = l->capacity ? l->capacity * 2 : 32;
		l->entries = xreallocarray(l->entries, l->capacity, sizeof *l->entries);
	}
	l->entries[l->count++] = (struct line_entry){
		.label = label ? xstrdup(label) : NULL,
		.value = value,
		.role = role,
	};
}

void lines_add(struct lines *l, enum theme_role role, const char *label, const char *fmt, ...)
{
	struct strbuf value = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&value, fmt, ap);
	va_end(ap);
	add_entry(l, role, label, strbuf_detach(&value));
}

void lines_heading(struct lines *l, const char *title)
{
	if (l->count)
		add_entry(l, THEME_NORMAL, NULL, xstrdup(""));
	add_entry(l, THEME_HEADER, NULL, xstrdup(title));
}

/* Count the wrapped lines of one entry's sanitized value at a width. */
static size_t wrapped_lines(const char *sanitized, int width)
{
	size_t lines = 0, offset = 0, length = strlen(sanitized), line_bytes;

	do {
		offset += wrap_line(sanitized + offset, width, &line_bytes);
		lines++;
	} while (offset < length);
	return lines;
}

/* Draw entry's wrapped lines from the skip-th, as many as fit; returns the rows used. */
static int draw_entry(const struct line_entry *e, WINDOW *w, int y, int x, int width,
		      int label_width, size_t skip, int rows, enum text_charset cs)
{
	struct strbuf sanitized = STRBUF_INIT, piece = STRBUF_INIT;
	int value_x = e->label ? x + label_width : x;
	int value_width = e->label ? width - label_width : width;
	size_t offset = 0, length, line_bytes, index = 0;
	int used = 0;

	text_sanitize(e->value, TEXT_NUL_TERMINATED, cs, &sanitized);
	length = sanitized.len;
	do {
		size_t next = offset + wrap_line(strbuf_str(&sanitized) + offset, value_width, &line_bytes);
		if (index >= skip && used < rows) {
			strbuf_reset(&piece);
			strbuf_append(&piece, strbuf_str(&sanitized) + offset, line_bytes);
			if (e->label) /* a long label is cut, keeping one space before the value */
				draw_text(w, y + used, x, label_width - 1,
					  index == 0 ? e->label : "", THEME_DIM, cs);
			if (e->label)
				draw_fill(w, y + used, x + label_width - 1, 1, THEME_NORMAL);
			draw_sanitized(w, y + used, value_x, value_width, strbuf_str(&piece), e->role, cs);
			used++;
		}
		offset = next;
		index++;
	} while (offset < length && used < rows);
	strbuf_free(&piece);
	strbuf_free(&sanitized);
	return used;
}

static size_t count_wrapped(const struct lines *l, int width, enum text_charset cs)
{
	struct strbuf sanitized = STRBUF_INIT;
	size_t total = 0;

	for (size_t i = 0; i < l->count; i++) {
		const struct line_entry *e = &l->entries[i];
		int value_width = e->label ? width - l->label_width : width;
		strbuf_reset(&sanitized);
		text_sanitize(e->value, TEXT_NUL_TERMINATED, cs, &sanitized);
		total += wrapped_lines(strbuf_str(&sanitized), value_width > 0 ? value_width : 1);
	}
	strbuf_free(&sanitized);
	return total;
}

void lines_draw(struct lines *l, WINDOW *w, const struct area *area, enum text_charset cs)
{
	int label_width = l->label_width < area->width / 2 ? l->label_width : area->width / 2;
	int saved = l->label_width;
	size_t line = 0;
	int y = 0;

	if (area->height <= 0 || area->width <= 0)
		return;
	l->label_width = label_width;
	l->height = area->height;
	l->wrapped_count = count_wrapped(l, area->width, cs);
	if (l->top + (size_t)area->height > l->wrapped_count)
		l->top = l->wrapped_count > (size_t)area->height ? l->wrapped_count - (size_t)area->height : 0;
	for (size_t i = 0; i < l->count && y < area->height; i++) {
		const struct line_entry *e = &l->entries[i];
		int value_width = e->label ? area->width - label_width : area->width;
		struct strbuf sanitized = STRBUF_INIT;
		text_sanitize(e->value, TEXT_NUL_TERMINATED, cs, &sanitized);
		size_t n = wrapped_lines(strbuf_str(&sanitized), value_width > 0 ? value_width : 1);
		strbuf_free(&sanitized);
		if (line + n > l->top) {
			size_t skip = l->top > line ? l->top - line : 0;
			y += draw_entry(e, w, area->y + y, area->x, area->width, label_width, skip,
					area->height - y, cs);
		}
		line += n;
	}
	for (; y < area->height; y++)
		draw_fill(w, area->y + y, area->x, area->width, THEME_NORMAL);
	l->label_width = saved;
}

bool lines_handle_action(struct lines *l, enum action action)
{
	size_t page = l->height > 1 ? (size_t)l->height - 1 : 1;
	size_t last = l->wrapped_count > (size_t)l->height ? l->wrapped_count - (size_t)l->height : 0;

	switch (action) {
	case ACTION_UP: l->top = l->top ? l->top - 1 : 0; break;
	case ACTION_DOWN: l->top = l->top < last ? l->top + 1 : last; break;
	case ACTION_PAGE_UP: l->top = l->top > page ? l->top - page : 0; break;
	case ACTION_PAGE_DOWN: l->top = l->top + page < last ? l->top + page : last; break;
	case ACTION_HOME: l->top = 0; break;
	case ACTION_END: l->top = last; break;
	default: return false;
	}
	return true;
}
