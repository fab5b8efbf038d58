#ifndef GATEHOUSE_TUI_INPUT_H
#define GATEHOUSE_TUI_INPUT_H

/*
 * A single-line text editor: the reason field of a dialog, the filter and
 * the command line. The text is UTF-8, and the cursor moves by character.
 * Only characters that text_sanitize() keeps as they are and that take at
 * least one column can enter the text, so control characters (a pasted
 * escape sequence), bidi overrides and zero-width characters never do.
 *
 * Keys: Left/Right, Home/End and Ctrl-A/Ctrl-E move; Backspace and Delete
 * delete a character; Ctrl-U deletes to the start, Ctrl-K to the end and
 * Ctrl-W the word before the cursor; Enter submits; Esc cancels.
 */

#include <curses.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "tui/key.h"
#include "tui/text.h"

struct line_input {
	struct strbuf text;
	/* A byte offset into text, always at a character boundary. */
	size_t cursor;
	/* The number of characters in text. */
	size_t chars;
	size_t max_chars;
};

enum input_result {
	INPUT_CONTINUE,
	INPUT_SUBMIT,
	INPUT_CANCEL,
};

/* Start empty; max_chars limits the text's length in characters. */
void line_input_init(struct line_input *in, size_t max_chars);
void line_input_free(struct line_input *in);
void line_input_clear(struct line_input *in);

/*
 * Replace the text with utf8, keeping the characters that typing them could
 * enter, up to max_chars, with the cursor at the end.
 */
void line_input_set(struct line_input *in, const char *utf8);

/* Return the text, "" when empty. */
const char *line_input_text(const struct line_input *in);

/* Apply one key. A character that cannot enter the text, or does not fit, is ignored. */
enum input_result line_input_key(struct line_input *in,
				 const struct key_event *ev);

/*
 * Draw the text in width columns at (y, x) of w, scrolled sideways so that
 * the cursor is visible. Returns the cursor's column in w, or -1 when (y, x)
 * is outside w. The caller places the terminal cursor there (curs_set(1)).
 */
int line_input_draw(WINDOW *w, int y, int x, int width,
		    const struct line_input *in, enum text_charset cs);

#endif
