#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/check_main.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/input.h"

#define CTRL(letter) ((letter) & 0x1F)

static void use_utf8_locale(void)
{
	ck_assert_msg(setlocale(LC_ALL, "C.UTF-8") != NULL,
		      "setlocale(LC_ALL, \"C.UTF-8\") failed: install the C.UTF-8 locale");
}

static enum input_result press(struct line_input *in, int code)
{
	struct key_event ev = key_event_make(code, false);

	return line_input_key(in, &ev);
}

static enum input_result press_function(struct line_input *in, int code)
{
	struct key_event ev = key_event_make(code, true);

	return line_input_key(in, &ev);
}

/* Type the code points of a wide string, one key each. */
static void type(struct line_input *in, const wchar_t *text)
{
	for (const wchar_t *p = text; *p; p++)
		ck_assert_int_eq(press(in, (int)*p), INPUT_CONTINUE);
}

static void assert_state(const struct line_input *in, const char *text,
			 size_t cursor, size_t chars)
{
	ck_assert_str_eq(line_input_text(in), text);
	ck_assert_uint_eq(in->cursor, cursor);
	ck_assert_uint_eq(in->chars, chars);
}

START_TEST(test_input_insert_and_move)
{
	struct line_input in;

	line_input_init(&in, 100);
	assert_state(&in, "", 0, 0);
	type(&in, L"helo");
	press_function(&in, KEY_LEFT);
	type(&in, L"l");
	assert_state(&in, "hello", 4, 5);
	press_function(&in, KEY_HOME);
	type(&in, L">");
	assert_state(&in, ">hello", 1, 6);
	press_function(&in, KEY_END);
	assert_state(&in, ">hello", 6, 6);
	press_function(&in, KEY_RIGHT);
	assert_state(&in, ">hello", 6, 6);
	press(&in, CTRL('a'));
	press_function(&in, KEY_LEFT);
	assert_state(&in, ">hello", 0, 6);
	press(&in, CTRL('e'));
	assert_state(&in, ">hello", 6, 6);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_delete_keys)
{
	struct line_input in;

	line_input_init(&in, 100);
	type(&in, L"abcdef");
	press_function(&in, KEY_LEFT);
	press_function(&in, KEY_LEFT);
	press_function(&in, KEY_BACKSPACE);
	assert_state(&in, "abcef", 3, 5);
	press_function(&in, KEY_DC);
	assert_state(&in, "abcf", 3, 4);
	/* DEL and Ctrl-H arrive as Backspace. */
	press(&in, 127);
	press(&in, 8);
	assert_state(&in, "af", 1, 2);
	press_function(&in, KEY_HOME);
	press_function(&in, KEY_BACKSPACE);
	assert_state(&in, "af", 0, 2);
	press_function(&in, KEY_END);
	press_function(&in, KEY_DC);
	assert_state(&in, "af", 2, 2);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_kill_keys)
{
	struct line_input in;

	line_input_init(&in, 100);
	type(&in, L"deny  because   of INC-7");
	press(&in, CTRL('w'));
	assert_state(&in, "deny  because   of ", 19, 19);
	press(&in, CTRL('w'));
	assert_state(&in, "deny  because   ", 16, 16);
	press_function(&in, KEY_LEFT);
	press_function(&in, KEY_LEFT);
	press_function(&in, KEY_LEFT);
	press_function(&in, KEY_LEFT);
	press(&in, CTRL('k'));
	assert_state(&in, "deny  becaus", 12, 12);
	press_function(&in, KEY_LEFT);
	press(&in, CTRL('u'));
	assert_state(&in, "s", 0, 1);
	press(&in, CTRL('w'));
	assert_state(&in, "s", 0, 1);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_multibyte_and_wide)
{
	struct line_input in;

	line_input_init(&in, 100);
	/* é is 2 bytes, 世 3 bytes and 2 columns, U+1F600 4 bytes and 2 columns. */
	type(&in, L"é世\U0001F600x");
	assert_state(&in, "é世\U0001F600x", 10, 4);
	press_function(&in, KEY_LEFT);
	press_function(&in, KEY_LEFT);
	ck_assert_uint_eq(in.cursor, 5);
	press_function(&in, KEY_BACKSPACE);
	assert_state(&in, "é\U0001F600x", 2, 3);
	press_function(&in, KEY_DC);
	assert_state(&in, "éx", 2, 2);
	press_function(&in, KEY_LEFT);
	ck_assert_uint_eq(in.cursor, 0);
	press_function(&in, KEY_RIGHT);
	ck_assert_uint_eq(in.cursor, 2);
	type(&in, L"日本");
	assert_state(&in, "é日本x", 8, 4);
	press(&in, CTRL('w'));
	assert_state(&in, "x", 0, 1);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_rejects_controls_and_invisible)
{
	static const int rejected[] = {
		0x00, 0x02, 0x07, 0x09, 0x0C, 0x1F, 0x80, 0x85, 0x9B, 0x9F,
		0x00AD,   /* soft hyphen */
		0x200B,   /* zero-width space */
		0x200F,   /* right-to-left mark */
		0x202E,   /* right-to-left override */
		0x2066,   /* left-to-right isolate */
		0xFEFF,   /* zero-width no-break space */
		0xFE0F,   /* variation selector */
		0xD800,   /* surrogate */
		0x110000, /* past Unicode */
		0xE0001,  /* language tag */
	};
	struct line_input in;

	line_input_init(&in, 100);
	type(&in, L"ok");
	for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
		ck_assert_int_eq(press(&in, rejected[i]), INPUT_CONTINUE);
		ck_assert_msg(strcmp(line_input_text(&in), "ok") == 0,
			      "U+%04X entered the text", (unsigned)rejected[i]);
	}
	assert_state(&in, "ok", 2, 2);
	line_input_free(&in);
}
END_TEST

/* A combining mark joins the character before the cursor, but cannot start the text. */
START_TEST(test_input_combining_mark_after_base)
{
	struct line_input in;

	line_input_init(&in, 100);
	ck_assert_int_eq(press(&in, 0x0301), INPUT_CONTINUE);
	ck_assert_str_eq(line_input_text(&in), "");
	type(&in, L"e");
	ck_assert_int_eq(press(&in, 0x0301), INPUT_CONTINUE);
	type(&in, L"\u6f22");
	/* "e" U+0301 U+6F22: the decomposed accent reaches the broker as typed. */
	ck_assert_str_eq(line_input_text(&in), "e\xcc\x81\xe6\xbc\xa2");
	/* A zero-width space is still rejected after a base character. */
	ck_assert_int_eq(press(&in, 0x200B), INPUT_CONTINUE);
	ck_assert_str_eq(line_input_text(&in), "e\xcc\x81\xe6\xbc\xa2");
	line_input_free(&in);
}
END_TEST

/* A pasted OSC 52 sequence: Esc cancels, and no control byte enters the text. */
START_TEST(test_input_pasted_escape_sequence)
{
	const char *paste = "\x1b]52;c;aGk=\x07";
	struct line_input in;
	int cancels = 0;

	line_input_init(&in, 100);
	for (const char *p = paste; *p; p++) {
		if (press(&in, (unsigned char)*p) == INPUT_CANCEL)
			cancels++;
	}
	ck_assert_int_eq(cancels, 1);
	ck_assert_str_eq(line_input_text(&in), "]52;c;aGk=");
	for (const char *p = line_input_text(&in); *p; p++)
		ck_assert_int_ge((unsigned char)*p, 0x20);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_submit_and_cancel)
{
	struct line_input in;

	line_input_init(&in, 100);
	type(&in, L"ok");
	ck_assert_int_eq(press(&in, '\r'), INPUT_SUBMIT);
	ck_assert_int_eq(press(&in, '\n'), INPUT_SUBMIT);
	ck_assert_int_eq(press_function(&in, KEY_ENTER), INPUT_SUBMIT);
	ck_assert_int_eq(press(&in, 27), INPUT_CANCEL);
	ck_assert_int_eq(press_function(&in, KEY_F(1)), INPUT_CONTINUE);
	assert_state(&in, "ok", 2, 2);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_max_length_in_characters)
{
	struct line_input in;

	line_input_init(&in, 4);
	type(&in, L"世界ab");
	type(&in, L"cd");
	assert_state(&in, "世界ab", 8, 4);
	press_function(&in, KEY_HOME);
	type(&in, L"x");
	assert_state(&in, "世界ab", 0, 4);
	press_function(&in, KEY_DC);
	type(&in, L"x");
	assert_state(&in, "x界ab", 1, 4);
	line_input_free(&in);
}
END_TEST

START_TEST(test_input_set_filters_text)
{
	struct line_input in;

	line_input_init(&in, 8);
	line_input_set(&in, "ab\x1b[31mc\u202Ed\xff");
	assert_state(&in, "ab[31mcd", 8, 8);
	line_input_set(&in, "over the limit");
	assert_state(&in, "over the", 8, 8);
	line_input_set(&in, "\xe4\xb8");
	assert_state(&in, "", 0, 0);
	line_input_clear(&in);
	assert_state(&in, "", 0, 0);
	line_input_free(&in);
}
END_TEST

struct draw_case {
	const char *name;
	const wchar_t *typed;
	int lefts; /* Left presses after typing */
	int width;
	enum text_charset charset;
	const char *shown;
	int cursor;
};

static const struct draw_case draw_cases[] = {
	{ "short", L"hello", 0, 10, TEXT_UTF8, "hello     ", 5 },
	{ "empty", L"", 0, 10, TEXT_UTF8, "          ", 0 },
	{ "exact fit, cursor at end scrolls", L"abcdefghij", 0, 10, TEXT_UTF8,
	  "bcdefghij ", 9 },
	{ "exact fit, cursor on last", L"abcdefghij", 1, 10, TEXT_UTF8, "abcdefghij", 9 },
	{ "long, cursor at end", L"abcdefghijklmnopqrst", 0, 10, TEXT_UTF8,
	  "lmnopqrst ", 9 },
	{ "long, cursor at start", L"abcdefghijklmnopqrst", 20, 10, TEXT_UTF8,
	  "abcdefghi\u2026", 0 },
	{ "long, cursor in middle", L"abcdefghijklmnopqrst", 5, 10, TEXT_UTF8,
	  "hijklmnop\u2026", 8 },
	{ "wide, cursor at end", L"世界世界世界", 0, 7, TEXT_UTF8, "界世界 ", 6 },
	{ "wide, cursor at start", L"世界世界世界", 6, 7, TEXT_UTF8, "世界世\u2026", 0 },
	{ "ascii charset", L"é世x", 0, 10, TEXT_ASCII, "??x       ", 3 },
	{ "width 1", L"abc", 1, 1, TEXT_UTF8, "c", 0 },
};

#define DRAW_CASES ((int)(sizeof draw_cases / sizeof draw_cases[0]))

START_TEST(test_input_draw_scrolls_to_cursor)
{
	const struct draw_case *c = &draw_cases[_i];
	struct line_input in;

	test_screen_start(24, 80);
	test_screen_fill_sentinel();
	line_input_init(&in, 100);
	type(&in, c->typed);
	for (int i = 0; i < c->lefts; i++)
		press_function(&in, KEY_LEFT);

	int cursor = line_input_draw(stdscr, 3, 4, c->width, &in, c->charset);
	char *shown = test_screen_text(3, 4, c->width);

	ck_assert_msg(strcmp(shown, c->shown) == 0, "%s: shown \"%s\", expected \"%s\"",
		      c->name, shown, c->shown);
	ck_assert_msg(cursor == 4 + c->cursor, "%s: cursor at %d, expected %d", c->name,
		      cursor, 4 + c->cursor);
	test_screen_assert_only_inside(3, 4, 1, c->width);
	free(shown);
	line_input_free(&in);
	test_screen_stop();
}
END_TEST

START_TEST(test_input_draw_clips_at_edge)
{
	struct line_input in;

	test_screen_start(6, 20);
	test_screen_fill_sentinel();
	line_input_init(&in, 100);
	type(&in, L"世界世界世界世界");

	int cursor = line_input_draw(stdscr, 5, 15, 30, &in, TEXT_UTF8);

	ck_assert_int_eq(cursor, 19);
	test_screen_assert_only_inside(5, 15, 1, 5);
	ck_assert_int_eq(line_input_draw(stdscr, 6, 0, 10, &in, TEXT_UTF8), -1);
	ck_assert_int_eq(line_input_draw(stdscr, 0, 20, 10, &in, TEXT_UTF8), -1);
	line_input_free(&in);
	test_screen_stop();
}
END_TEST

static Suite *input_suite(void)
{
	Suite *suite = suite_create("tui input");
	TCase *edit = tcase_create("edit");
	TCase *draw = tcase_create("draw");

	tcase_add_checked_fixture(edit, use_utf8_locale, NULL);
	tcase_add_test(edit, test_input_insert_and_move);
	tcase_add_test(edit, test_input_delete_keys);
	tcase_add_test(edit, test_input_kill_keys);
	tcase_add_test(edit, test_input_multibyte_and_wide);
	tcase_add_test(edit, test_input_rejects_controls_and_invisible);
	tcase_add_test(edit, test_input_combining_mark_after_base);
	tcase_add_test(edit, test_input_pasted_escape_sequence);
	tcase_add_test(edit, test_input_submit_and_cancel);
	tcase_add_test(edit, test_input_max_length_in_characters);
	tcase_add_test(edit, test_input_set_filters_text);
	suite_add_tcase(suite, edit);

	tcase_add_loop_test(draw, test_input_draw_scrolls_to_cursor, 0, DRAW_CASES);
	tcase_add_test(draw, test_input_draw_clips_at_edge);
	suite_add_tcase(suite, draw);
	return suite;
}

CHECK_MAIN(input_suite)
