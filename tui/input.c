#include "tui/input.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tui/draw.h"

#define CTRL(letter) ((letter) & 0x1F)

static bool is_continuation(unsigned char byte)
{
	return (byte & 0xC0) == 0x80;
}

/* Return the length of the sequence that lead starts, assuming well-formed UTF-8; 0 for a stray byte. */
static size_t sequence_length(unsigned char lead)
{
	if (lead < 0x80)
		return 1;
	if ((lead & 0xE0) == 0xC0)
		return 2;
	if ((lead & 0xF0) == 0xE0)
		return 3;
	if ((lead & 0xF8) == 0xF0)
		return 4;
	return 0;
}

static size_t encode_utf8(uint32_t cp, char bytes[4])
{
	if (cp < 0x80) {
		bytes[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		bytes[0] = (char)(0xC0 | (cp >> 6));
		bytes[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		bytes[0] = (char)(0xE0 | (cp >> 12));
		bytes[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		bytes[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	bytes[0] = (char)(0xF0 | (cp >> 18));
	bytes[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	bytes[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	bytes[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Whether the sanitizer keeps text unchanged; width receives its display width. */
static bool sanitizer_keeps(const char *text, size_t len, int *width)
{
	struct strbuf sanitized = STRBUF_INIT;
	size_t placeholders = text_sanitize(text, len, TEXT_UTF8, &sanitized);
	bool same = placeholders == 0 && sanitized.len == len &&
		    memcmp(sanitized.data, text, len) == 0;

	*width = same ? text_width(sanitized.data) : 0;
	strbuf_free(&sanitized);
	return same;
}

static size_t previous_boundary(const struct line_input *in, size_t pos);

/*
 * Return whether the one character in bytes may enter the text at the
 * cursor: the sanitizer keeps it unchanged and it takes at least one column,
 * or it is a combining mark that the sanitizer keeps on the character before
 * the cursor (the accent of a decomposed "é", Thai or Devanagari vowel signs).
 * Asking the sanitizer keeps one definition of what is safe, and also rejects
 * invalid UTF-8, surrogates and zero-width characters such as U+200B.
 */
static bool is_insertable(const struct line_input *in, const char *bytes, size_t len)
{
	char pair[16];
	int width, base_width;
	size_t start;

	if (sanitizer_keeps(bytes, len, &width))
		return width > 0;
	if (in->cursor == 0)
		return false;
	start = previous_boundary(in, in->cursor);
	if (in->cursor - start + len > sizeof pair)
		return false;
	memcpy(pair, in->text.data + start, in->cursor - start);
	memcpy(pair + (in->cursor - start), bytes, len);
	return sanitizer_keeps(pair, in->cursor - start, &base_width) && base_width > 0 &&
	       sanitizer_keeps(pair, in->cursor - start + len, &width) && width == base_width;
}

void line_input_init(struct line_input *in, size_t max_chars)
{
	struct strbuf empty = STRBUF_INIT;

	in->text = empty;
	in->cursor = 0;
	in->chars = 0;
	in->max_chars = max_chars;
}

void line_input_free(struct line_input *in)
{
	strbuf_free(&in->text);
	in->cursor = 0;
	in->chars = 0;
}

void line_input_clear(struct line_input *in)
{
	strbuf_reset(&in->text);
	in->cursor = 0;
	in->chars = 0;
}

const char *line_input_text(const struct line_input *in)
{
	return strbuf_str(&in->text);
}

/* Insert one character at the cursor, when it may enter and fits. */
static void insert_bytes(struct line_input *in, const char *bytes, size_t len)
{
	struct strbuf *text = &in->text;

	if (in->chars >= in->max_chars || !is_insertable(in, bytes, len))
		return;
	strbuf_reserve(text, len);
	memmove(text->data + in->cursor + len, text->data + in->cursor,
		text->len - in->cursor + 1);
	memcpy(text->data + in->cursor, bytes, len);
	text->len += len;
	in->cursor += len;
	in->chars++;
}

void line_input_set(struct line_input *in, const char *utf8)
{
	const unsigned char *bytes = (const unsigned char *)utf8;
	size_t len = strlen(utf8);
	size_t pos = 0;

	line_input_clear(in);
	while (pos < len) {
		size_t length = sequence_length(bytes[pos]);

		if (length == 0 || length > len - pos)
			length = 1;
		insert_bytes(in, utf8 + pos, length);
		pos += length;
	}
}

static size_t previous_code_point(const struct line_input *in, size_t pos)
{
	const unsigned char *bytes = (const unsigned char *)in->text.data;

	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && is_continuation(bytes[pos]))
		pos--;
	return pos;
}

static size_t next_code_point(const struct line_input *in, size_t pos)
{
	const unsigned char *bytes = (const unsigned char *)in->text.data;

	if (pos >= in->text.len)
		return in->text.len;
	pos++;
	while (pos < in->text.len && is_continuation(bytes[pos]))
		pos++;
	return pos;
}

/* Whether the code point at pos takes no column: a combining mark, in text the input accepted. */
static bool is_mark_at(const struct line_input *in, size_t pos)
{
	char one[8];
	size_t len = next_code_point(in, pos) - pos;

	if (pos >= in->text.len || len >= sizeof one)
		return false;
	memcpy(one, in->text.data + pos, len);
	one[len] = '\0';
	return text_width(one) == 0;
}

/* The start of the character before pos, with the combining marks on it: the cursor never splits them. */
static size_t previous_boundary(const struct line_input *in, size_t pos)
{
	pos = previous_code_point(in, pos);
	while (pos > 0 && is_mark_at(in, pos))
		pos = previous_code_point(in, pos);
	return pos;
}

/* The end of the character at pos, with the combining marks on it. */
static size_t next_boundary(const struct line_input *in, size_t pos)
{
	pos = next_code_point(in, pos);
	while (pos < in->text.len && is_mark_at(in, pos))
		pos = next_code_point(in, pos);
	return pos;
}

static size_t count_chars(const char *bytes, size_t len)
{
	size_t count = 0;

	for (size_t i = 0; i < len; i++) {
		if (!is_continuation((unsigned char)bytes[i]))
			count++;
	}
	return count;
}

/* Delete the bytes [from, to) and leave the cursor at from. */
static void remove_bytes(struct line_input *in, size_t from, size_t to)
{
	struct strbuf *text = &in->text;

	in->chars -= count_chars(text->data + from, to - from);
	memmove(text->data + from, text->data + to, text->len - to + 1);
	text->len -= to - from;
}

/*
 * Remove combining marks left at the start of the text when the character
 * they were on is deleted: with nothing to attach to, they would be sent as
 * they are, and shown only as placeholders.
 */
static void drop_leading_marks(struct line_input *in)
{
	int width;

	while (in->text.len > 0) {
		size_t end = next_code_point(in, 0);
		if (sanitizer_keeps(in->text.data, end, &width) && width > 0)
			return;
		remove_bytes(in, 0, end);
		in->cursor = in->cursor > end ? in->cursor - end : 0;
	}
}

static void delete_range(struct line_input *in, size_t from, size_t to)
{
	if (from >= to)
		return;
	remove_bytes(in, from, to);
	in->cursor = from;
	drop_leading_marks(in);
}

/* Return the start of the word before the cursor: spaces first, then non-spaces, as in readline. */
static size_t previous_word_start(const struct line_input *in)
{
	size_t pos = in->cursor;

	while (pos > 0 && in->text.data[pos - 1] == ' ')
		pos--;
	while (pos > 0 && in->text.data[pos - 1] != ' ')
		pos--;
	return pos;
}

static void insert_code_point(struct line_input *in, int code)
{
	char bytes[4];
	size_t len = encode_utf8((uint32_t)code, bytes);

	insert_bytes(in, bytes, len);
}

static enum input_result apply_function_key(struct line_input *in, int code)
{
	switch (code) {
	case KEY_LEFT:
		in->cursor = previous_boundary(in, in->cursor);
		break;
	case KEY_RIGHT:
		in->cursor = next_boundary(in, in->cursor);
		break;
	case KEY_HOME:
		in->cursor = 0;
		break;
	case KEY_END:
		in->cursor = in->text.len;
		break;
	case KEY_BACKSPACE:
		delete_range(in, previous_boundary(in, in->cursor), in->cursor);
		break;
	case KEY_DC:
		delete_range(in, in->cursor, next_boundary(in, in->cursor));
		break;
	default:
		break;
	}
	return INPUT_CONTINUE;
}

static enum input_result apply_control_key(struct line_input *in, int code)
{
	switch (code) {
	case '\n':
		return INPUT_SUBMIT;
	case 27:
		/*
		 * NOTE: a paste that contains ESC cancels here, and the bytes after it
		 * arrive as keys. Bracketed paste (mode 2004) would set pastes apart,
		 * but the terminal layer does not turn it on.
		 */
		return INPUT_CANCEL;
	case CTRL('a'):
		in->cursor = 0;
		break;
	case CTRL('e'):
		in->cursor = in->text.len;
		break;
	case CTRL('u'):
		delete_range(in, 0, in->cursor);
		break;
	case CTRL('k'):
		delete_range(in, in->cursor, in->text.len);
		break;
	case CTRL('w'):
		delete_range(in, previous_word_start(in), in->cursor);
		break;
	default:
		break;
	}
	return INPUT_CONTINUE;
}

enum input_result line_input_key(struct line_input *in,
				 const struct key_event *ev)
{
	if (ev->function)
		return apply_function_key(in, ev->code);
	if (key_event_is_text(ev)) {
		insert_code_point(in, ev->code);
		return INPUT_CONTINUE;
	}
	return apply_control_key(in, ev->code);
}

/*
 * Return the columns of the character at pos, with its combining marks. In
 * ASCII every code point, a mark too, is drawn as one "?" column.
 */
static int char_columns(const struct line_input *in, size_t pos,
			enum text_charset cs)
{
	size_t end = next_boundary(in, pos);
	struct strbuf bytes = STRBUF_INIT;
	int columns;

	if (cs == TEXT_ASCII)
		return (int)count_chars(in->text.data + pos, end - pos);
	strbuf_append(&bytes, in->text.data + pos, end - pos);
	columns = text_width(strbuf_str(&bytes));
	strbuf_free(&bytes);
	return columns;
}

static int columns_between(const struct line_input *in, size_t from, size_t to,
			   enum text_charset cs)
{
	int columns = 0;

	for (size_t pos = from; pos < to; pos = next_boundary(in, pos))
		columns += char_columns(in, pos, cs);
	return columns;
}

/*
 * Return the byte offset of the first visible character. When the text and
 * the cursor do not fit, the text before the cursor scrolls off on the left,
 * so that the character under the cursor and the column after it (the
 * ellipsis when more text follows) stay visible.
 */
static size_t visible_start(const struct line_input *in, int columns,
			    enum text_charset cs)
{
	bool at_end = in->cursor == in->text.len;
	int total = columns_between(in, 0, in->text.len, cs) + (at_end ? 1 : 0);

	if (total <= columns)
		return 0;

	int budget = columns - 1 - (at_end ? 0 : char_columns(in, in->cursor, cs));
	size_t start = in->cursor;

	while (start > 0) {
		size_t previous = previous_boundary(in, start);
		int width = char_columns(in, previous, cs);

		if (width > budget)
			break;
		budget -= width;
		start = previous;
	}
	return start;
}

int line_input_draw(WINDOW *w, int y, int x, int width,
		    const struct line_input *in, enum text_charset cs)
{
	int columns = draw_clip_width(w, y, x, width);

	if (columns == 0)
		return -1;
	size_t start = visible_start(in, columns, cs);

	draw_text(w, y, x, columns, line_input_text(in) + start, THEME_INPUT, cs);
	return x + columns_between(in, start, in->cursor, cs);
}
