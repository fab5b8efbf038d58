#include "tui/dialog.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/strbuf.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/theme.h"
#include "tui/wrap.h"

/* The widest a dialog grows, border included, so that lines stay easy to read. */
#define DIALOG_MAX_WIDTH 72
/* The inner width of a dialog whose text is short. */
#define DIALOG_MIN_INNER 30
/* The inner width of a prompt, which leaves room to type. */
#define DIALOG_PROMPT_INNER 60
/* Border and one column of padding on each side. */
#define DIALOG_FRAME_COLUMNS 4
/* Characters a typed confirm takes beyond its phrase, so that a typo can be seen. */
#define DIALOG_PHRASE_SLACK 16
#define PHRASE_LABEL "Type: "

/* The positions of a dialog's parts on the screen, computed once per draw. */
struct dialog_layout {
	int top;
	int left;
	int height;
	int width;
	/* Columns inside the border and padding. */
	int inner;
	int message_lines;
	enum text_charset charset;
};

/* The text a draw shows: the sanitized message and the bottom line's hint. */
struct dialog_content {
	/* Sanitized one line at a time, with '\n' between the lines. */
	struct strbuf message;
	struct strbuf hint;
};

static void dialog_open(struct dialog *d, enum dialog_kind kind,
			const char *title, const char *message,
			size_t max_chars)
{
	d->kind = kind;
	d->title = xstrdup(title ? title : "");
	d->message = xstrdup(message ? message : "");
	d->phrase = NULL;
	d->choices = NULL;
	d->choice = 0;
	d->required = false;
	d->rejection = DIALOG_REJECTION_NONE;
	line_input_init(&d->input, max_chars);
}

void dialog_prompt(struct dialog *d, const char *title, const char *message,
		   size_t max_chars, bool required)
{
	dialog_open(d, DIALOG_PROMPT, title, message, max_chars);
	d->required = required;
}

void dialog_confirm(struct dialog *d, const char *title, const char *message)
{
	dialog_open(d, DIALOG_CONFIRM, title, message, 0);
}

void dialog_choice(struct dialog *d, const char *title, const char *message,
		   const char *choices)
{
	dialog_open(d, DIALOG_CHOICE, title, message, 0);
	d->choices = xstrdup(choices);
}

void dialog_typed_confirm(struct dialog *d, const char *title,
			  const char *message, const char *phrase)
{
	/* strlen() counts bytes, so it is at least the phrase's length in characters. */
	dialog_open(d, DIALOG_TYPED_CONFIRM, title, message,
		    strlen(phrase) + DIALOG_PHRASE_SLACK);
	d->phrase = xstrdup(phrase);
}

void dialog_free(struct dialog *d)
{
	xfree_str(&d->title);
	xfree_str(&d->message);
	xfree_str(&d->phrase);
	xfree_str(&d->choices);
	line_input_free(&d->input);
}

const char *dialog_text(const struct dialog *d)
{
	return line_input_text(&d->input);
}

int dialog_choice_key(const struct dialog *d)
{
	return d->choice;
}

static bool has_input(const struct dialog *d)
{
	return d->kind == DIALOG_PROMPT || d->kind == DIALOG_TYPED_CONFIRM;
}

static bool is_blank_text(const char *text)
{
	return text[strspn(text, " ")] == '\0';
}

static enum dialog_result accept_text(struct dialog *d)
{
	const char *text = line_input_text(&d->input);

	if (d->kind == DIALOG_PROMPT && d->required && is_blank_text(text)) {
		d->rejection = DIALOG_REJECTION_EMPTY;
		return DIALOG_OPEN;
	}
	if (d->kind == DIALOG_TYPED_CONFIRM && strcmp(text, d->phrase) != 0) {
		d->rejection = DIALOG_REJECTION_MISMATCH;
		return DIALOG_OPEN;
	}
	return DIALOG_ACCEPTED;
}

static enum dialog_result handle_confirm_key(enum action action)
{
	switch (action) {
	case ACTION_YES:
		return DIALOG_ACCEPTED;
	case ACTION_NO:
	case ACTION_CANCEL:
		return DIALOG_CANCELED;
	default:
		return DIALOG_OPEN;
	}
}

static enum dialog_result handle_choice_key(struct dialog *d,
					    const struct key_event *ev)
{
	bool printable = !ev->function && ev->code > ' ' && ev->code < 0x7F;

	if (printable && strchr(d->choices, ev->code)) {
		d->choice = ev->code;
		return DIALOG_ACCEPTED;
	}
	if (keymap_lookup(KEY_CONTEXT_DIALOG, ev) == ACTION_CANCEL)
		return DIALOG_CANCELED;
	return DIALOG_OPEN;
}

static enum dialog_result handle_input_key(struct dialog *d,
					   const struct key_event *ev)
{
	/* Printable characters are text, even when a binding uses them (y, n). */
	if (!key_event_is_text(ev)) {
		enum action action = keymap_lookup(KEY_CONTEXT_DIALOG, ev);

		if (action == ACTION_ACCEPT)
			return accept_text(d);
		if (action == ACTION_CANCEL)
			return DIALOG_CANCELED;
	}
	/*
	 * The keymap decides what accepts and cancels, so line_input_key()'s own
	 * INPUT_SUBMIT and INPUT_CANCEL for an unbound Enter or Esc are ignored.
	 */
	line_input_key(&d->input, ev);
	d->rejection = DIALOG_REJECTION_NONE;
	return DIALOG_OPEN;
}

enum dialog_result dialog_handle_key(struct dialog *d, const struct key_event *ev)
{
	switch (d->kind) {
	case DIALOG_CONFIRM:
		return handle_confirm_key(keymap_lookup(KEY_CONTEXT_DIALOG, ev));
	case DIALOG_CHOICE:
		return handle_choice_key(d, ev);
	case DIALOG_PROMPT:
	case DIALOG_TYPED_CONFIRM:
		break;
	}
	return handle_input_key(d, ev);
}

/* Sanitize message into out line by line, keeping each '\n' as the line break. */
static void sanitize_message(const char *message, enum text_charset cs,
			     struct strbuf *out)
{
	for (;;) {
		const char *newline = strchr(message, '\n');
		size_t len = newline ? (size_t)(newline - message) : strlen(message);

		text_sanitize(message, len, cs, out);
		if (!newline)
			return;
		strbuf_putc(out, '\n');
		message = newline + 1;
	}
}

/*
 * Find the display line that starts at pos of a sanitize_message() output:
 * store its length in *line_bytes and return where the next one starts.
 */
static size_t next_message_line(const struct strbuf *message, size_t pos,
				int columns, size_t *line_bytes)
{
	const char *text = strbuf_str(message);
	const char *newline = memchr(text + pos, '\n', message->len - pos);
	size_t line_end = newline ? (size_t)(newline - text) : message->len;
	size_t next = pos + wrap_line_len(text + pos, line_end - pos, columns, line_bytes);

	return next == line_end && newline ? next + 1 : next;
}

static int count_message_lines(const struct strbuf *message, int columns)
{
	size_t pos = 0;
	int lines = 0;

	while (pos < message->len && lines < DIALOG_MESSAGE_LINES) {
		size_t line_bytes;

		pos = next_message_line(message, pos, columns, &line_bytes);
		lines++;
	}
	return lines;
}

/* Return the width of the widest line of a sanitize_message() output. */
static int widest_message_line(const struct strbuf *message)
{
	char *copy = xstrdup(strbuf_str(message));
	char *save = NULL;
	int widest = 0;

	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int width = text_width(line);

		if (width > widest)
			widest = width;
	}
	free(copy);
	return widest;
}

static int sanitized_width(const char *untrusted, enum text_charset cs)
{
	struct strbuf sanitized = STRBUF_INIT;

	text_sanitize(untrusted, TEXT_NUL_TERMINATED, cs, &sanitized);
	int width = text_width(strbuf_str(&sanitized));

	strbuf_free(&sanitized);
	return width;
}

/* Append "KEYS label" for action to hints, when a key is bound to it. */
static void append_hint(struct strbuf *hints, enum action action,
			const char *label)
{
	char keys[KEYMAP_KEYS_SIZE];

	keymap_describe(action, KEY_CONTEXT_DIALOG, keys, sizeof keys);
	if (!keys[0])
		return;
	if (hints->len > 0)
		strbuf_puts(hints, "  ");
	strbuf_puts(hints, keys);
	strbuf_putc(hints, ' ');
	strbuf_puts(hints, label);
}

/* Append "p/r choose" for the keys of a choice. */
static void append_choice_hint(struct strbuf *hints, const char *choices)
{
	for (const char *c = choices; *c; c++) {
		if (c > choices)
			strbuf_putc(hints, '/');
		strbuf_putc(hints, *c);
	}
	strbuf_puts(hints, " choose");
}

/* Build the bottom line: the keys to use, or the reason the last accept was rejected. */
static void build_hint(const struct dialog *d, struct strbuf *hint)
{
	switch (d->rejection) {
	case DIALOG_REJECTION_EMPTY:
		strbuf_puts(hint, "type something first, or Esc to cancel");
		return;
	case DIALOG_REJECTION_MISMATCH:
		strbuf_puts(hint, "no match: type the phrase exactly");
		return;
	case DIALOG_REJECTION_NONE:
		break;
	}
	switch (d->kind) {
	case DIALOG_CONFIRM:
		append_hint(hint, ACTION_YES, "yes");
		append_hint(hint, ACTION_NO, "no");
		return;
	case DIALOG_CHOICE:
		append_choice_hint(hint, d->choices);
		append_hint(hint, ACTION_CANCEL, "cancel");
		return;
	case DIALOG_PROMPT:
	case DIALOG_TYPED_CONFIRM:
		append_hint(hint, ACTION_ACCEPT, "accept");
		append_hint(hint, ACTION_CANCEL, "cancel");
		return;
	}
}

/* Return the inner width that fits the dialog's content. */
static int wanted_inner(const struct dialog *d, const struct dialog_content *text,
			enum text_charset cs)
{
	int inner = d->kind == DIALOG_PROMPT ? DIALOG_PROMPT_INNER : DIALOG_MIN_INNER;
	int widths[] = {
		sanitized_width(d->title, cs) + 2,
		widest_message_line(&text->message),
		d->phrase ? (int)strlen(PHRASE_LABEL) + sanitized_width(d->phrase, cs) : 0,
		text_width(strbuf_str(&text->hint)),
	};

	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		if (widths[i] > inner)
			inner = widths[i];
	}
	return inner;
}

/* Rows besides the border and the message: phrase, input and hint. */
static int fixed_rows(const struct dialog *d)
{
	return (d->kind == DIALOG_TYPED_CONFIRM ? 1 : 0) + (has_input(d) ? 1 : 0) + 1;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

static void plan_layout(const struct dialog *d, const struct dialog_content *text,
			int rows, int cols, struct dialog_layout *layout)
{
	int max_width = min_int(cols, DIALOG_MAX_WIDTH);

	layout->width = min_int(wanted_inner(d, text, layout->charset) +
					DIALOG_FRAME_COLUMNS,
				max_width);
	layout->inner = layout->width - DIALOG_FRAME_COLUMNS;

	/* At SCREEN_MIN_ROWS this leaves at least one message line for every kind. */
	int room = rows - 2 - fixed_rows(d);

	layout->message_lines =
		min_int(count_message_lines(&text->message, layout->inner), room);
	layout->height = 2 + layout->message_lines + fixed_rows(d);
	layout->top = (rows - layout->height) / 2;
	layout->left = (cols - layout->width) / 2;
}

static void draw_frame(const struct dialog *d, const struct dialog_layout *l)
{
	for (int row = 0; row < l->height; row++)
		draw_fill(stdscr, l->top + row, l->left, l->width, THEME_DIALOG);
	draw_box(stdscr, l->top, l->left, l->height, l->width, THEME_DIALOG_BORDER,
		 l->charset);

	struct strbuf title = STRBUF_INIT;

	strbuf_putc(&title, ' ');
	text_sanitize(d->title, TEXT_NUL_TERMINATED, l->charset, &title);
	strbuf_putc(&title, ' ');
	if (title.len > 2) {
		int width = min_int(text_width(strbuf_str(&title)), l->inner);

		draw_sanitized(stdscr, l->top, l->left + 2, width, strbuf_str(&title),
			       THEME_DIALOG_BORDER, l->charset);
	}
	strbuf_free(&title);
}

/*
 * Draw the message lines that fit. When text is left over, the last line
 * takes the rest, with line breaks as spaces, and text_fit() ends it in an
 * ellipsis.
 */
static void draw_message(const struct strbuf *message, const struct dialog_layout *l,
			 int y)
{
	size_t pos = 0;

	for (int line = 0; line < l->message_lines; line++) {
		size_t line_bytes;
		size_t next = next_message_line(message, pos, l->inner, &line_bytes);
		bool cut = line == l->message_lines - 1 && next < message->len;
		struct strbuf text = STRBUF_INIT;

		strbuf_append(&text, strbuf_str(message) + pos,
			      cut ? message->len - pos : line_bytes);
		for (size_t i = 0; i < text.len; i++) {
			if (text.data[i] == '\n')
				text.data[i] = ' ';
		}
		draw_sanitized(stdscr, y + line, l->left + 2, l->inner,
			       strbuf_str(&text), THEME_DIALOG, l->charset);
		strbuf_free(&text);
		pos = next;
	}
}

static void draw_phrase(const struct dialog *d, const struct dialog_layout *l,
			int y)
{
	int label = min_int((int)strlen(PHRASE_LABEL), l->inner);

	draw_text(stdscr, y, l->left + 2, label, PHRASE_LABEL, THEME_DIALOG,
		  l->charset);
	draw_text(stdscr, y, l->left + 2 + label, l->inner - label, d->phrase,
		  THEME_KEY, l->charset);
}

static enum theme_role hint_role(const struct dialog *d)
{
	return d->rejection == DIALOG_REJECTION_NONE ? THEME_DIALOG
						     : THEME_STATUS_WARNING;
}

static void dialog_content_free(struct dialog_content *text)
{
	strbuf_free(&text->message);
	strbuf_free(&text->hint);
}

bool dialog_draw(const struct dialog *d, const struct screen_info *info)
{
	int rows = min_int(info->rows, LINES);
	int cols = min_int(info->cols, COLS);
	struct dialog_content text = { STRBUF_INIT, STRBUF_INIT };
	struct dialog_layout layout = { .charset = info->charset };

	if (rows < SCREEN_MIN_ROWS || cols < SCREEN_MIN_COLS)
		return false;
	sanitize_message(d->message, info->charset, &text.message);
	build_hint(d, &text.hint);
	plan_layout(d, &text, rows, cols, &layout);

	int y = layout.top + 1;
	int x = layout.left + 2;
	int cursor = -1;
	int cursor_row = 0;

	draw_frame(d, &layout);
	draw_message(&text.message, &layout, y);
	y += layout.message_lines;
	if (d->kind == DIALOG_TYPED_CONFIRM)
		draw_phrase(d, &layout, y++);
	if (has_input(d)) {
		cursor_row = y;
		cursor = line_input_draw(stdscr, y++, x, layout.inner, &d->input,
					 info->charset);
	}
	draw_text(stdscr, y, x, layout.inner, strbuf_str(&text.hint), hint_role(d),
		  info->charset);
	dialog_content_free(&text);

	if (cursor < 0)
		return false;
	wmove(stdscr, cursor_row, cursor);
	return true;
}
