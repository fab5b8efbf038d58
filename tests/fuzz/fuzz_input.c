/*
 * Fuzz target for the line editor in tui/input.h. The input is a header and
 * a stream of operations:
 *
 *   byte 0   max_chars (0..63), small so that inputs reach the limit
 *   byte 1   the draw width (0..90); its top bit picks TEXT_ASCII
 *   then     an opcode byte and its operands, repeated:
 *            0  a function key from function_keys[] (1 operand byte)
 *            1  a byte code through key_event_make(), as getch() gives it (1)
 *            2  a code point from 3 bytes, up to 0xFFFFFF, so past U+10FFFF (3)
 *            3  a printable ASCII character, so words and spaces are common (1)
 *            4  line_input_set() with the next N bytes, N from 0 to 15 (1 + N)
 *
 * After every operation the editor's state must be consistent, and
 * line_input_draw() must put the cursor inside the field, on the cell that
 * shows the character under it.
 */

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/fuzz/fuzz_support.h"
#include "tui/input.h"
#include "tui/key.h"
#include "tui/text.h"

#define MAX_CHARS_LIMIT 64
#define DRAW_WIDTH_LIMIT 91
#define ASCII_FLAG 0x80
#define SET_LENGTH_LIMIT 16
#define OPCODE_COUNT 5
/* The field starts here, not at column 0, so that a cursor column that leaves out x fails the check. */
#define FIELD_X 3
#define WINDOW_COLUMNS (FIELD_X + DRAW_WIDTH_LIMIT)

static const int function_keys[] = {
	KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_END, KEY_BACKSPACE, KEY_DC,
	KEY_ENTER, KEY_UP, KEY_DOWN, KEY_RESIZE, KEY_F(1),
};

/* An output for newterm(): nothing reaches it, because the target never refreshes. */
static FILE *null_output;
static FILE *null_input;
static WINDOW *field_window;

/* The remaining operation bytes. */
struct op_reader {
	const uint8_t *data;
	size_t size;
};

static bool read_byte(struct op_reader *reader, uint8_t *out)
{
	if (reader->size == 0)
		return false;
	*out = reader->data[0];
	reader->data++;
	reader->size--;
	return true;
}

/*
 * Check that the text is one that typing could enter: text_sanitize() keeps
 * it unchanged, so every character is printable, or a combining mark on the
 * character before it.
 */
static void check_insertable(const char *text, size_t len)
{
	struct strbuf sanitized = STRBUF_INIT;
	size_t placeholders = text_sanitize(text, len, TEXT_UTF8, &sanitized);

	if (placeholders != 0 || sanitized.len != len || memcmp(strbuf_str(&sanitized), text, len) != 0)
		fuzz_fail("text_sanitize() changes the text (%zu placeholders)", placeholders);
	strbuf_free(&sanitized);
}

static void check_state(const struct line_input *in)
{
	const char *text = line_input_text(in);
	const unsigned char *bytes = (const unsigned char *)text;
	size_t len = in->text.len;
	size_t chars = 0;
	bool cursor_on_boundary = in->cursor == len;

	if (strlen(text) != len)
		fuzz_fail("text length is %zu, strlen() %zu", len, strlen(text));
	if (in->cursor > len)
		fuzz_fail("cursor %zu is past the text's %zu bytes", in->cursor, len);
	for (size_t pos = 0; pos < len;) {
		uint32_t cp;
		size_t length = fuzz_utf8_decode(bytes + pos, len - pos, &cp);

		if (length == 0)
			fuzz_fail("invalid UTF-8 at byte %zu", pos);
		if (pos == in->cursor)
			cursor_on_boundary = true;
		chars++;
		pos += length;
	}
	check_insertable(text, len);
	if (!cursor_on_boundary)
		fuzz_fail("cursor %zu is inside a character", in->cursor);
	if (chars != in->chars)
		fuzz_fail("chars is %zu, the text has %zu", in->chars, chars);
	if (chars > in->max_chars)
		fuzz_fail("%zu characters, max_chars is %zu", chars, in->max_chars);
}

/* Return the code point that the cell at (y, x) of field_window shows. */
static wchar_t read_cell(int y, int x)
{
	cchar_t cell;
	wchar_t text[CCHARW_MAX + 1] = { 0 };
	attr_t attributes;
	short pair;

	if (mvwin_wch(field_window, y, x, &cell) == ERR ||
	    getcchar(&cell, text, &attributes, &pair, NULL) == ERR)
		fuzz_fail("cannot read the cell at column %d", x);
	return text[0];
}

/*
 * Draw the field and check where the cursor lands. The character under the
 * cursor must be on screen when it fits before the field's last column,
 * which the ellipsis may take.
 */
static void check_draw(const struct line_input *in, int width,
		       enum text_charset cs)
{
	werase(field_window);
	int column = line_input_draw(field_window, 0, FIELD_X, width, in, cs);

	if (width == 0) {
		if (column != -1)
			fuzz_fail("drawing in 0 columns returned column %d", column);
		return;
	}
	if (column < FIELD_X || column >= FIELD_X + width)
		fuzz_fail("cursor column %d is outside the field [%d, %d)",
			  column, FIELD_X, FIELD_X + width);
	if (in->cursor == in->text.len)
		return;

	const unsigned char *bytes = (const unsigned char *)line_input_text(in);
	uint32_t cp;
	size_t length = fuzz_utf8_decode(bytes + in->cursor,
					 in->text.len - in->cursor, &cp);
	int char_columns = cs == TEXT_ASCII ? 1 : wcwidth((wchar_t)cp);

	if (length == 0 || column + char_columns > FIELD_X + width - 1)
		return;

	wchar_t expected = cs == TEXT_ASCII && cp >= 0x80 ? L'?' : (wchar_t)cp;
	wchar_t displayed = read_cell(0, column);

	if (displayed != expected)
		fuzz_fail("cursor column %d shows U+%04X, the cursor is on U+%04X",
			  column, (unsigned)displayed, (unsigned)expected);
}

static void apply_set(struct line_input *in, struct op_reader *reader)
{
	char text[SET_LENGTH_LIMIT];
	size_t len = 0;
	uint8_t count;
	uint8_t byte;

	if (!read_byte(reader, &count))
		return;
	count %= SET_LENGTH_LIMIT;
	while (len < count && read_byte(reader, &byte))
		text[len++] = (char)byte;
	/* line_input_set() takes a C string, so a NUL byte ends the text early. */
	text[len] = '\0';
	line_input_set(in, text);
}

/* Read one operation and apply it; returns false when the input is used up. */
static bool apply_operation(struct line_input *in, struct op_reader *reader)
{
	uint8_t opcode;
	uint8_t operand[3];
	struct key_event ev;

	if (!read_byte(reader, &opcode))
		return false;
	switch (opcode % OPCODE_COUNT) {
	case 0:
		if (!read_byte(reader, &operand[0]))
			return false;
		ev = key_event_make(function_keys[operand[0] % (sizeof function_keys /
							sizeof function_keys[0])], true);
		break;
	case 1:
		if (!read_byte(reader, &operand[0]))
			return false;
		ev = key_event_make(operand[0], false);
		break;
	case 2:
		if (!read_byte(reader, &operand[0]) || !read_byte(reader, &operand[1]) ||
		    !read_byte(reader, &operand[2]))
			return false;
		ev.code = operand[0] << 16 | operand[1] << 8 | operand[2];
		ev.function = false;
		break;
	case 3:
		if (!read_byte(reader, &operand[0]))
			return false;
		ev = key_event_make(' ' + operand[0] % ('~' - ' ' + 1), false);
		break;
	default:
		apply_set(in, reader);
		return true;
	}
	line_input_key(in, &ev);
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_use_utf8_locale();
	null_output = fopen("/dev/null", "w");
	null_input = fopen("/dev/null", "r");
	if (!null_output || !null_input)
		fuzz_fail("cannot open /dev/null");
	/* Any terminal type does, because the target reads cells and never outputs them. */
	SCREEN *screen = newterm("xterm-256color", null_output, null_input);

	if (!screen)
		fuzz_fail("newterm(\"xterm-256color\") failed: install ncurses-term");
	set_term(screen);
	if (resizeterm(1, WINDOW_COLUMNS) == ERR)
		fuzz_fail("resizeterm() failed");
	field_window = newwin(1, WINDOW_COLUMNS, 0, 0);
	if (!field_window)
		fuzz_fail("newwin() failed");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct op_reader reader = { data, size };
	struct line_input in;
	uint8_t max_chars;
	uint8_t draw;

	if (!read_byte(&reader, &max_chars) || !read_byte(&reader, &draw))
		return 0;

	int width = (draw & ~ASCII_FLAG) % DRAW_WIDTH_LIMIT;
	enum text_charset cs = draw & ASCII_FLAG ? TEXT_ASCII : TEXT_UTF8;

	line_input_init(&in, max_chars % MAX_CHARS_LIMIT);
	while (apply_operation(&in, &reader)) {
		check_state(&in);
		check_draw(&in, width, cs);
	}
	line_input_free(&in);
	return 0;
}
