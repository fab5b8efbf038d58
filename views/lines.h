#ifndef GATEHOUSE_LINES_H
#define GATEHOUSE_LINES_H

/*
 * A scrolling page of labelled lines, for the detail and help views. Values
 * are untrusted text: they are sanitized, then wrapped to the width of the
 * area when drawn, so a long reason reads in full on any terminal.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "tui/keymap.h"
#include "tui/text.h"
#include "tui/theme.h"
#include "views/view.h"

struct line_entry {
	char *label;            /* NULL for a section heading or a line without label */
	char *value;
	enum theme_role role;
};

struct lines {
	struct line_entry *entries;
	size_t count;
	size_t capacity;
	size_t top;             /* the first wrapped line shown */
	size_t wrapped_count;   /* wrapped lines at the last draw's width */
	int height;             /* rows at the last draw */
	int label_width;
};

void lines_init(struct lines *l, int label_width);
void lines_clear(struct lines *l);
void lines_free(struct lines *l);
/* Add a line: label may be NULL; the value is formatted. */
void lines_add(struct lines *l, enum theme_role role, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Add a section heading with a blank line before it (unless it is the first line). */
void lines_heading(struct lines *l, const char *title);

void lines_draw(struct lines *l, WINDOW *w, const struct area *area, enum text_charset cs);
/* Scroll for the movement actions; false for any other. */
bool lines_handle_action(struct lines *l, enum action action);

#endif
