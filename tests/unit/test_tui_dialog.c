#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tests/support/check_main.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/dialog.h"
#include "tui/keymap.h"
#include "tui/wrap.h"

#define HOSTILE_MESSAGE                                                          \
	"Revoke the grant of emp-00017? Reason given: \x1b]52;c;aGk=\x07 "       \
	"\xE2\x80\xAE" "txt.exe" "\xE2\x80\xAC" " and a long principal id "      \
	"principal-0000000000000000000000000000000000000000000000000000000001 " \
	"then more words so that the message wraps over several lines of a "    \
	"wide dialog and is cut with an ellipsis at the end of the last one"

struct size {
	int rows;
	int cols;
};

static const struct size sizes[] = {
	{ 50, 200 }, { 24, 80 }, { 6, 20 }, { 3, 10 }, { 1, 1 },
};

#define SIZES ((int)(sizeof sizes / sizeof sizes[0]))
#define KINDS 4

/* The position of a drawn dialog's box, found from its corners. */
struct box {
	int top;
	int left;
	int height;
	int width;
};

static struct key_event key(int code)
{
	return key_event_make(code, false);
}

static enum dialog_result press(struct dialog *d, int code)
{
	struct key_event ev = key(code);

	return dialog_handle_key(d, &ev);
}

static void type(struct dialog *d, const char *text)
{
	for (const char *p = text; *p; p++)
		ck_assert_int_eq(press(d, (unsigned char)*p), DIALOG_OPEN);
}

static void open_kind(struct dialog *d, int kind, const char *message)
{
	switch (kind) {
	case DIALOG_PROMPT:
		dialog_prompt(d, "Deny request 12", message, 1000, true);
		break;
	case DIALOG_CONFIRM:
		dialog_confirm(d, "Approve 3 requests", message);
		break;
	case DIALOG_CHOICE:
		dialog_choice(d, "Bulk revoke", message, "pr");
		break;
	default:
		dialog_typed_confirm(d, "Revoke grant 12", message, "revoke 12");
		break;
	}
}

static struct screen_info info_for(int rows, int cols, enum text_charset cs)
{
	struct screen_info info = { rows, cols, cs, false, 0 };

	return info;
}

static bool find_box(wchar_t top_left, wchar_t bottom_right, struct box *box)
{
	for (int y = 0; y < LINES; y++) {
		for (int x = 0; x < COLS; x++) {
			if (test_screen_cell(y, x, NULL) != top_left)
				continue;
			int bottom = y + 1;
			int right = x + 1;

			while (bottom < LINES && test_screen_cell(bottom, x, NULL) != L'\x2514' &&
			       test_screen_cell(bottom, x, NULL) != L'+')
				bottom++;
			while (right < COLS && test_screen_cell(y, right, NULL) != L'\x2510' &&
			       test_screen_cell(y, right, NULL) != L'+')
				right++;
			if (bottom == LINES || right == COLS)
				return false;
			ck_assert(test_screen_cell(bottom, right, NULL) == bottom_right);
			box->top = y;
			box->left = x;
			box->height = bottom - y + 1;
			box->width = right - x + 1;
			return true;
		}
	}
	return false;
}

/* Assert the side borders are whole: text that wrapped would overwrite them. */
static void assert_sides_intact(const struct box *box, wchar_t vertical)
{
	for (int y = box->top + 1; y < box->top + box->height - 1; y++) {
		ck_assert_msg(test_screen_cell(y, box->left, NULL) == vertical,
			      "left border broken at row %d", y);
		ck_assert_msg(test_screen_cell(y, box->left + box->width - 1, NULL) == vertical,
			      "right border broken at row %d", y);
	}
}

static bool screen_contains(const char *needle)
{
	for (int y = 0; y < LINES; y++) {
		char *row = test_screen_row(y);
		bool found = strstr(row, needle) != NULL;

		free(row);
		if (found)
			return true;
	}
	return false;
}

/* Every dialog kind at every size stays inside the screen and draws its box whole. */
START_TEST(test_dialog_fits_every_size)
{
	const struct size *size = &sizes[_i / KINDS];
	int kind = _i % KINDS;
	struct screen_info info = info_for(size->rows, size->cols, TEXT_UTF8);
	struct dialog d;
	struct box box;

	test_screen_start(size->rows, size->cols);
	test_screen_fill_sentinel();
	keymap_reset();
	open_kind(&d, kind, HOSTILE_MESSAGE);
	bool has_input = kind == DIALOG_PROMPT || kind == DIALOG_TYPED_CONFIRM;

	if (has_input)
		type(&d, "some text that is longer than the narrowest input field");

	bool cursor_shown = dialog_draw(&d, &info);
	int cursor_y, cursor_x;

	/* Reading cells moves stdscr's cursor, so take its position first. */
	getyx(stdscr, cursor_y, cursor_x);

	if (size->cols < SCREEN_MIN_COLS || size->rows < SCREEN_MIN_ROWS) {
		ck_assert(!cursor_shown);
		test_screen_assert_only_inside(0, 0, 0, 0);
		dialog_free(&d);
		test_screen_stop();
		return;
	}

	ck_assert_msg(find_box(L'\x250C', L'\x2518', &box), "no dialog box on %dx%d",
		      size->cols, size->rows);
	ck_assert_int_ge(box.top, 0);
	ck_assert_int_ge(box.left, 0);
	ck_assert_int_le(box.top + box.height, LINES);
	ck_assert_int_le(box.left + box.width, COLS);
	test_screen_assert_only_inside(box.top, box.left, box.height, box.width);
	assert_sides_intact(&box, L'\x2502');
	static const char *const titles[KINDS] = {
		[DIALOG_PROMPT] = " Deny",
		[DIALOG_CONFIRM] = " Approve",
		[DIALOG_CHOICE] = " Bulk revoke",
		[DIALOG_TYPED_CONFIRM] = " Revoke",
	};

	ck_assert_msg(screen_contains(titles[kind]), "title missing on %dx%d",
		      size->cols, size->rows);
	ck_assert(screen_contains("Revoke the"));
	if (kind == DIALOG_TYPED_CONFIRM)
		ck_assert_msg(screen_contains("Type: revoke 12"), "phrase missing on %dx%d",
			      size->cols, size->rows);

	ck_assert_int_eq(cursor_shown, has_input);
	if (cursor_shown) {
		ck_assert_int_gt(cursor_y, box.top);
		ck_assert_int_lt(cursor_y, box.top + box.height - 1);
		ck_assert_int_gt(cursor_x, box.left);
		ck_assert_int_lt(cursor_x, box.left + box.width - 1);
	}
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

START_TEST(test_dialog_sanitizes_untrusted_text)
{
	struct screen_info info = info_for(24, 80, TEXT_UTF8);
	struct dialog d;

	test_screen_start(24, 80);
	keymap_reset();
	dialog_confirm(&d, "Grant of \x1b[2Jemp-1", HOSTILE_MESSAGE);
	dialog_draw(&d, &info);
	for (int y = 0; y < LINES; y++) {
		for (int x = 0; x < COLS; x++) {
			wchar_t ch = test_screen_cell(y, x, NULL);

			ck_assert_msg(ch >= 0x20 && ch != 0x7F && !(ch >= 0x80 && ch < 0xA0) &&
				      ch != 0x202E && ch != 0x202C,
				      "cell (%d, %d) holds U+%04X", y, x, (unsigned)ch);
		}
	}
	ck_assert(screen_contains(" Grant of \u241B[2Jemp-1 "));
	ck_assert(screen_contains("\u241B]52;c;aGk=\u2407"));
	ck_assert(screen_contains("<U+202E>txt.exe<U+202C>"));
	ck_assert(screen_contains("\u2026"));
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

START_TEST(test_dialog_ascii_box)
{
	struct screen_info info = info_for(24, 80, TEXT_ASCII);
	struct dialog d;
	struct box box;

	test_screen_start(24, 80);
	keymap_reset();
	dialog_confirm(&d, "Approve", "Approve 3 requests?");
	dialog_draw(&d, &info);
	ck_assert(find_box(L'+', L'+', &box));
	assert_sides_intact(&box, L'|');
	ck_assert(test_screen_cell(box.top, box.left + 1, NULL) == L'-');
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

START_TEST(test_dialog_hints_from_keymap)
{
	struct screen_info info = info_for(24, 80, TEXT_UTF8);
	struct dialog d;
	char err[256] = "";

	test_screen_start(24, 80);
	keymap_reset();
	dialog_prompt(&d, "Approve", "Reason (optional)", 1000, false);
	dialog_draw(&d, &info);
	ck_assert(screen_contains("Enter accept  Esc cancel"));
	dialog_free(&d);

	dialog_confirm(&d, "Approve", "Approve 3 requests?");
	dialog_draw(&d, &info);
	ck_assert(screen_contains("y yes  n no"));
	dialog_free(&d);

	ck_assert_msg(keymap_parse("bind dialog C-s accept\nunbind dialog Enter\n", err,
				   sizeof err),
		      "%s", err);
	dialog_prompt(&d, "Approve", "Reason (optional)", 1000, false);
	dialog_draw(&d, &info);
	ck_assert(screen_contains("C-s accept  Esc cancel"));
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, 19), DIALOG_ACCEPTED);
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

START_TEST(test_dialog_prompt_required_text)
{
	struct screen_info info = info_for(24, 80, TEXT_UTF8);
	struct dialog d;

	test_screen_start(24, 80);
	keymap_reset();
	dialog_prompt(&d, "Deny request 12", "Reason (required)", 1000, true);
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	ck_assert_int_eq(d.rejection, DIALOG_REJECTION_EMPTY);
	type(&d, "   ");
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	dialog_draw(&d, &info);
	ck_assert(screen_contains("type something first"));

	/* y, n and q are text here, not yes/no keys or commands. */
	type(&d, "yes, quit now");
	ck_assert_int_eq(d.rejection, DIALOG_REJECTION_NONE);
	ck_assert_int_eq(press(&d, '\r'), DIALOG_ACCEPTED);
	ck_assert_str_eq(dialog_text(&d), "   yes, quit now");
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

START_TEST(test_dialog_prompt_editing_and_cancel)
{
	struct dialog d;
	struct key_event backspace = key_event_make(KEY_BACKSPACE, true);

	keymap_reset();
	dialog_prompt(&d, "Approve", "Reason (optional)", 5, false);
	ck_assert_int_eq(press(&d, '\r'), DIALOG_ACCEPTED);
	type(&d, "abcdefg");
	ck_assert_str_eq(dialog_text(&d), "abcde");
	ck_assert_int_eq(dialog_handle_key(&d, &backspace), DIALOG_OPEN);
	ck_assert_str_eq(dialog_text(&d), "abcd");
	ck_assert_int_eq(press(&d, 21), DIALOG_OPEN); /* Ctrl-U */
	ck_assert_str_eq(dialog_text(&d), "");
	ck_assert_int_eq(press(&d, 27), DIALOG_CANCELED);
	dialog_free(&d);
}
END_TEST

START_TEST(test_dialog_confirm_keys)
{
	struct dialog d;
	struct key_event f1 = key_event_make(KEY_F(1), true);

	keymap_reset();
	dialog_confirm(&d, "Approve", "Approve 3 requests?");
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, 'q'), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, 'Y'), DIALOG_OPEN);
	ck_assert_int_eq(dialog_handle_key(&d, &f1), DIALOG_OPEN);
	ck_assert_str_eq(dialog_text(&d), "");
	ck_assert_int_eq(press(&d, 'y'), DIALOG_ACCEPTED);
	ck_assert_int_eq(press(&d, 'n'), DIALOG_CANCELED);
	ck_assert_int_eq(press(&d, 27), DIALOG_CANCELED);
	dialog_free(&d);
}
END_TEST

START_TEST(test_dialog_typed_confirm_needs_exact_phrase)
{
	struct screen_info info = info_for(6, 20, TEXT_UTF8);
	struct dialog d;

	test_screen_start(6, 20);
	keymap_reset();
	dialog_typed_confirm(&d, "Revoke grant 12", "This ends the access now.",
			     "revoke 12");
	type(&d, "revoke 1");
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	ck_assert_int_eq(d.rejection, DIALOG_REJECTION_MISMATCH);
	test_screen_fill_sentinel();
	dialog_draw(&d, &info);
	ck_assert(screen_contains("no match"));

	type(&d, "2 ");
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	type(&d, "\x7f");
	ck_assert_int_eq(press(&d, '\r'), DIALOG_ACCEPTED);
	ck_assert_str_eq(dialog_text(&d), "revoke 12");
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

START_TEST(test_dialog_choice_keys)
{
	struct screen_info info = info_for(24, 80, TEXT_UTF8);
	struct dialog d;
	struct key_event up = key_event_make(KEY_UP, true);

	test_screen_start(24, 80);
	keymap_reset();
	dialog_choice(&d, "Bulk revoke", "p: every grant of emp-1\nr: every grant on res-2", "pr");
	dialog_draw(&d, &info);
	ck_assert(screen_contains("p/r choose  Esc cancel"));
	ck_assert_int_eq(dialog_choice_key(&d), 0);
	ck_assert_int_eq(press(&d, 'x'), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, 'P'), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, 'y'), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, '\r'), DIALOG_OPEN);
	ck_assert_int_eq(dialog_handle_key(&d, &up), DIALOG_OPEN);
	ck_assert_int_eq(press(&d, 0), DIALOG_OPEN);
	ck_assert_int_eq(dialog_choice_key(&d), 0);
	ck_assert_int_eq(press(&d, 'r'), DIALOG_ACCEPTED);
	ck_assert_int_eq(dialog_choice_key(&d), 'r');
	dialog_free(&d);

	dialog_choice(&d, "Bulk revoke", "p or r", "pr");
	ck_assert_int_eq(press(&d, 27), DIALOG_CANCELED);
	ck_assert_int_eq(dialog_choice_key(&d), 0);
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

/* Each '\n' starts a line; other controls in the message stay placeholders. */
START_TEST(test_dialog_message_line_breaks)
{
	struct screen_info info = info_for(24, 80, TEXT_UTF8);
	struct dialog d;
	struct box box;

	test_screen_start(24, 80);
	keymap_reset();
	dialog_choice(&d, "Bulk revoke",
		      "p: every active grant of emp-1\n\nr: every active grant on res\r2", "pr");
	dialog_draw(&d, &info);
	ck_assert(find_box(L'\x250C', L'\x2518', &box));

	char *first = test_screen_text(box.top + 1, box.left + 2, box.width - 4);
	char *second = test_screen_text(box.top + 2, box.left + 2, box.width - 4);
	char *third = test_screen_text(box.top + 3, box.left + 2, box.width - 4);

	ck_assert_str_eq(first, "p: every active grant of emp-1");
	ck_assert_uint_eq(strspn(second, " "), strlen(second));
	ck_assert_str_eq(third, "r: every active grant on res\u240D2");
	free(first);
	free(second);
	free(third);
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

/* More lines than fit: the last line shown takes the rest and ends in an ellipsis. */
START_TEST(test_dialog_message_cut_marks_rest)
{
	struct screen_info info = info_for(24, 80, TEXT_UTF8);
	struct dialog d;
	struct box box;

	test_screen_start(24, 80);
	keymap_reset();
	dialog_confirm(&d, "Many", "one\ntwo\nthree\nfour\nfive\nsix");
	dialog_draw(&d, &info);
	ck_assert(find_box(L'\x250C', L'\x2518', &box));
	ck_assert_int_eq(box.height, 2 + DIALOG_MESSAGE_LINES + 1);

	char *last = test_screen_text(box.top + DIALOG_MESSAGE_LINES, box.left + 2,
				      box.width - 4);

	ck_assert_msg(strncmp(last, "four five six ", 14) == 0, "%s", last);
	free(last);
	dialog_free(&d);

	dialog_confirm(&d, "Many", "one\ntwo\nthree\nfour\nfive\nsix");
	info = info_for(6, 20, TEXT_UTF8);
	ck_assert_int_eq(resizeterm(6, 20), OK);
	test_screen_fill_sentinel();
	dialog_draw(&d, &info);
	ck_assert(find_box(L'\x250C', L'\x2518', &box));
	last = test_screen_text(box.top + 3, box.left + 2, box.width - 4);
	ck_assert_msg(strcmp(last, "three four five\u2026") == 0, "%s", last);
	free(last);
	dialog_free(&d);
	test_screen_stop();
}
END_TEST

struct wrap_case {
	const char *text;
	int columns;
	/* The lines expected, joined by '|'. */
	const char *lines;
};

static const struct wrap_case wrap_cases[] = {
	{ "deny the request", 8, "deny the|request" },
	{ "deny the request", 16, "deny the request" },
	{ "deny the request", 4, "deny|the|requ|est" },
	{ "a  b", 1, "a|b" },
	{ "ab cd", 2, "ab|cd" },
	{ "ab   cd", 3, "ab|cd" },
	{ "世界世界", 5, "世界|世界" },
	{ "世界", 1, "世|界" },
	{ "x\u0301y\u0301", 1, "x\u0301|y\u0301" },
	{ "", 5, "" },
};

#define WRAP_CASES ((int)(sizeof wrap_cases / sizeof wrap_cases[0]))

START_TEST(test_wrap_line_table)
{
	const struct wrap_case *c = &wrap_cases[_i];
	struct strbuf lines = STRBUF_INIT;
	size_t len = strlen(c->text);
	size_t pos = 0;

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	do {
		size_t line_bytes;
		size_t next = wrap_line(c->text + pos, c->columns, &line_bytes);

		ck_assert_msg(next > 0 || len == 0, "no progress at byte %zu", pos);
		if (pos > 0)
			strbuf_putc(&lines, '|');
		strbuf_append(&lines, c->text + pos, line_bytes);
		pos += next;
	} while (pos < len);
	ck_assert_str_eq(strbuf_str(&lines), c->lines);
	strbuf_free(&lines);
}
END_TEST

START_TEST(test_wrap_line_len_stops_at_len)
{
	size_t line_bytes;

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	ck_assert_uint_eq(wrap_line_len("deny the request", 8, 20, &line_bytes), 8);
	ck_assert_uint_eq(line_bytes, 8);
	ck_assert_uint_eq(wrap_line_len("deny the request", 8, 5, &line_bytes), 5);
	ck_assert_uint_eq(line_bytes, 4);
}
END_TEST

static Suite *dialog_suite(void)
{
	Suite *suite = suite_create("tui dialog");
	TCase *draw = tcase_create("draw");
	TCase *keys = tcase_create("keys");
	TCase *wrap = tcase_create("wrap");

	tcase_add_loop_test(draw, test_dialog_fits_every_size, 0, SIZES * KINDS);
	tcase_add_test(draw, test_dialog_sanitizes_untrusted_text);
	tcase_add_test(draw, test_dialog_ascii_box);
	tcase_add_test(draw, test_dialog_hints_from_keymap);
	suite_add_tcase(suite, draw);

	tcase_add_test(keys, test_dialog_prompt_required_text);
	tcase_add_test(keys, test_dialog_prompt_editing_and_cancel);
	tcase_add_test(keys, test_dialog_confirm_keys);
	tcase_add_test(keys, test_dialog_choice_keys);
	tcase_add_test(draw, test_dialog_message_line_breaks);
	tcase_add_test(draw, test_dialog_message_cut_marks_rest);
	tcase_add_test(keys, test_dialog_typed_confirm_needs_exact_phrase);
	suite_add_tcase(suite, keys);

	tcase_add_loop_test(wrap, test_wrap_line_table, 0, WRAP_CASES);
	tcase_add_test(wrap, test_wrap_line_len_stops_at_len);
	suite_add_tcase(suite, wrap);
	return suite;
}

CHECK_MAIN(dialog_suite)
