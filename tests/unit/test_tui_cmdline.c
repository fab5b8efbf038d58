#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "tests/support/check_main.h"
#include "tui/cmdline.h"

#define CTRL(letter) ((letter) & 0x1F)

static void use_utf8_locale(void)
{
	ck_assert_msg(setlocale(LC_ALL, "C.UTF-8") != NULL,
		      "setlocale(LC_ALL, \"C.UTF-8\") failed: install the C.UTF-8 locale");
}

/* Offers the command names, then request ids after "approve", unsorted and with a repeat. */
static void complete_words(void *ctx, const char *const *words, size_t word_index,
			   struct cmdline_completion *completion)
{
	static const char *const commands[] = { "approve", "deny", "revoke", "refresh" };
	static const char *const ids[] = { "1702", "17", "1701", "42", "1701", "with blank" };

	(void)ctx;
	if (word_index == 0) {
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			cmdline_completion_add(completion, commands[i]);
	} else if (strcmp(words[0], "approve") == 0) {
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
			cmdline_completion_add(completion, ids[i]);
	}
}

static struct cmdline *start(const char *history_path)
{
	char err[256] = "";
	struct cmdline *cl = cmdline_new(history_path, complete_words, NULL, err, sizeof err);

	ck_assert_msg(cl != NULL, "cmdline_new failed: %s", err);
	return cl;
}

static enum cmdline_result press(struct cmdline *cl, int code, bool function)
{
	struct key_event ev = key_event_make(code, function);

	return cmdline_key(cl, &ev);
}

static void type(struct cmdline *cl, const char *text)
{
	for (const char *p = text; *p; p++)
		ck_assert_int_eq(press(cl, (unsigned char)*p, false), CMDLINE_EDITING);
}

/* Check the line as drawn on one row, read back with its ":" and without trailing blanks. */
static void assert_line(struct cmdline *cl, const char *expected)
{
	WINDOW *w = newpad(1, 200);
	char shown[256];

	ck_assert_ptr_nonnull(w);
	cmdline_draw(cl, w, 0, 200, TEXT_UTF8);
	mvwinnstr(w, 0, 0, shown, 199);
	for (size_t end = strlen(shown); end > 0 && shown[end - 1] == ' '; end--)
		shown[end - 1] = '\0';
	ck_assert_str_eq(shown, expected);
	delwin(w);
}

static SCREEN *test_screen;
static FILE *null_output;

/* A curses screen on /dev/null, so that the line can be drawn into a pad. */
static void start_curses(void)
{
	null_output = fopen("/dev/null", "w");
	ck_assert_ptr_nonnull(null_output);
	test_screen = newterm("xterm", null_output, stdin);
	ck_assert_ptr_nonnull(test_screen);
}

static void stop_curses(void)
{
	endwin();
	delscreen(test_screen);
	fclose(null_output);
}

START_TEST(test_cmdline_edits_and_submits)
{
	struct cmdline *cl = start(NULL);

	start_curses();
	type(cl, "deny 5");
	assert_line(cl, ":deny 5");
	ck_assert_int_eq(press(cl, CTRL('a'), false), CMDLINE_EDITING);
	ck_assert_int_eq(press(cl, CTRL('k'), false), CMDLINE_EDITING);
	assert_line(cl, ":");
	type(cl, "approve 12");
	ck_assert_int_eq(press(cl, KEY_LEFT, true), CMDLINE_EDITING);
	ck_assert_int_eq(press(cl, KEY_BACKSPACE, true), CMDLINE_EDITING);
	assert_line(cl, ":approve 2");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_str_eq(cmdline_submitted(cl), "approve 2");
	assert_line(cl, ":");
	stop_curses();
	cmdline_free(cl);
}
END_TEST

START_TEST(test_cmdline_escape_cancels)
{
	struct cmdline *cl = start(NULL);

	type(cl, "revoke 9");
	ck_assert_int_eq(press(cl, 27, false), CMDLINE_CANCELED);
	ck_assert_str_eq(cmdline_submitted(cl), "");
	type(cl, "quit");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_str_eq(cmdline_submitted(cl), "quit");
	/* C-d on an empty line is end of input for libedit: the line closes as canceled. */
	ck_assert_int_eq(press(cl, CTRL('d'), false), CMDLINE_CANCELED);
	type(cl, "help");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_str_eq(cmdline_submitted(cl), "help");
	cmdline_free(cl);
}
END_TEST

START_TEST(test_cmdline_history_up_and_search)
{
	struct cmdline *cl = start(NULL);

	start_curses();
	type(cl, "approve 1701");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	type(cl, "deny 42");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_int_eq(press(cl, KEY_UP, true), CMDLINE_EDITING);
	assert_line(cl, ":deny 42");
	ck_assert_int_eq(press(cl, KEY_UP, true), CMDLINE_EDITING);
	assert_line(cl, ":approve 1701");
	ck_assert_int_eq(press(cl, KEY_DOWN, true), CMDLINE_EDITING);
	assert_line(cl, ":deny 42");
	ck_assert_int_eq(press(cl, 27, false), CMDLINE_CANCELED);

	/* C-r reads the pattern's keys inside one libedit call: each must still arrive. */
	ck_assert_int_eq(press(cl, CTRL('r'), false), CMDLINE_EDITING);
	type(cl, "app");
	assert_line(cl, ":reverse search: app  approve 1701");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_str_eq(cmdline_submitted(cl), "approve 1701");
	stop_curses();
	cmdline_free(cl);
}
END_TEST

START_TEST(test_cmdline_tab_completes)
{
	struct cmdline *cl = start(NULL);

	start_curses();
	type(cl, "ap");
	ck_assert_int_eq(press(cl, '\t', false), CMDLINE_EDITING);
	assert_line(cl, ":approve");
	ck_assert_str_eq(cmdline_hint(cl), "");
	type(cl, "17");
	ck_assert_int_eq(press(cl, '\t', false), CMDLINE_EDITING);
	ck_assert_str_eq(cmdline_hint(cl), "17  1701  1702");
	assert_line(cl, ":approve 17");
	type(cl, "02");
	ck_assert_int_eq(press(cl, '\t', false), CMDLINE_EDITING);
	assert_line(cl, ":approve 1702");
	type(cl, "x");
	ck_assert_int_eq(press(cl, '\t', false), CMDLINE_EDITING);
	ck_assert_str_eq(cmdline_hint(cl), "nothing completes \"x\" here");
	stop_curses();
	cmdline_free(cl);
}
END_TEST

START_TEST(test_cmdline_history_file_kept)
{
	char directory[] = "/tmp/gatehouse-cmdline-XXXXXX";
	char path[256];
	struct stat st;
	struct cmdline *cl;

	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof path, "%s/state/gatehouse/history", directory);
	cl = start(path);
	type(cl, "theme mono");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_str_eq(cmdline_take_error(cl), "");
	cmdline_free(cl);

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof path, "%s/state/gatehouse", directory);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);

	start_curses();
	snprintf(path, sizeof path, "%s/state/gatehouse/history", directory);
	cl = start(path);
	ck_assert_int_eq(press(cl, KEY_UP, true), CMDLINE_EDITING);
	assert_line(cl, ":theme mono");
	stop_curses();
	cmdline_free(cl);

	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof path, "%s/state/gatehouse", directory);
	ck_assert_int_eq(rmdir(path), 0);
	snprintf(path, sizeof path, "%s/state", directory);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(rmdir(directory), 0);
}
END_TEST

/* Write length bytes of text as a new history file in a new folder; path receives its name. */
static void write_history(char *directory, char *path, size_t size, const char *text,
			  size_t length)
{
	FILE *file;

	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, size, "%s/history", directory);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(fwrite(text, 1, length, file), length);
	ck_assert_int_eq(fclose(file), 0);
}

static void remove_history(const char *directory, const char *path)
{
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(directory), 0);
}

/* A FIFO as the history file: neither loading nor saving may wait for a writer or a reader. */
START_TEST(test_cmdline_history_fifo_rejected)
{
	char directory[] = "/tmp/gatehouse-cmdline-XXXXXX";
	char path[256];
	struct cmdline *cl;

	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof path, "%s/history", directory);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	alarm(10);
	cl = start(path);
	ck_assert_ptr_nonnull(strstr(cmdline_take_error(cl), "is a FIFO, not a regular file"));
	type(cl, "refresh");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_ptr_nonnull(strstr(cmdline_take_error(cl), "cannot write the history file"));
	cmdline_free(cl);
	alarm(0);
	remove_history(directory, path);
}
END_TEST

/* A line longer than the command line takes is left out; the others decode as libedit wrote them. */
START_TEST(test_cmdline_history_long_line_skipped)
{
	char directory[] = "/tmp/gatehouse-cmdline-XXXXXX";
	char path[256];
	struct strbuf text = STRBUF_INIT;
	struct cmdline *cl;

	strbuf_puts(&text, "_HiStOrY_V2_\ndeny\\0405\\040--reason\\040a\\134b\n");
	for (int i = 0; i < 5000; i++)
		strbuf_putc(&text, 'x');
	strbuf_puts(&text, "\ntheme\\040mono\n");
	write_history(directory, path, sizeof path, text.data, text.len);
	start_curses();
	cl = start(path);
	ck_assert_ptr_nonnull(strstr(cmdline_take_error(cl), "has 1 invalid or too long line,"));
	ck_assert_int_eq(press(cl, KEY_UP, true), CMDLINE_EDITING);
	assert_line(cl, ":theme mono");
	ck_assert_int_eq(press(cl, KEY_UP, true), CMDLINE_EDITING);
	assert_line(cl, ":deny 5 --reason a\\b");
	stop_curses();
	cmdline_free(cl);
	remove_history(directory, path);
	strbuf_free(&text);
}
END_TEST

/* A history file over 1 MiB (one 2 MiB line here) is not loaded, and the line editor still works. */
START_TEST(test_cmdline_history_too_large)
{
	char directory[] = "/tmp/gatehouse-cmdline-XXXXXX";
	char path[256];
	size_t length = 2 * 1024 * 1024;
	char *text = malloc(length);
	struct cmdline *cl;

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', length);
	memcpy(text, "_HiStOrY_V2_\n", 13);
	write_history(directory, path, sizeof path, text, length);
	free(text);
	start_curses();
	cl = start(path);
	ck_assert_ptr_nonnull(strstr(cmdline_take_error(cl), "is larger than 1048576 bytes"));
	type(cl, "refresh");
	assert_line(cl, ":refresh");
	stop_curses();
	cmdline_free(cl);
	remove_history(directory, path);
}
END_TEST

/* What the editor saves, with blanks, a backslash and a tab, loads back the same. */
START_TEST(test_cmdline_history_escapes_round_trip)
{
	char directory[] = "/tmp/gatehouse-cmdline-XXXXXX";
	char path[256];
	struct cmdline *cl;

	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof path, "%s/history", directory);
	cl = start(path);
	type(cl, "deny 7 --reason a\\b  c");
	ck_assert_int_eq(press(cl, '\n', false), CMDLINE_SUBMITTED);
	ck_assert_str_eq(cmdline_take_error(cl), "");
	cmdline_free(cl);

	start_curses();
	cl = start(path);
	ck_assert_str_eq(cmdline_take_error(cl), "");
	ck_assert_int_eq(press(cl, KEY_UP, true), CMDLINE_EDITING);
	assert_line(cl, ":deny 7 --reason a\\b  c");
	stop_curses();
	cmdline_free(cl);
	remove_history(directory, path);
}
END_TEST

static Suite *cmdline_suite(void)
{
	Suite *suite = suite_create("tui cmdline");
	TCase *edit = tcase_create("edit");

	tcase_add_checked_fixture(edit, use_utf8_locale, NULL);
	tcase_add_test(edit, test_cmdline_edits_and_submits);
	tcase_add_test(edit, test_cmdline_escape_cancels);
	tcase_add_test(edit, test_cmdline_history_up_and_search);
	tcase_add_test(edit, test_cmdline_tab_completes);
	tcase_add_test(edit, test_cmdline_history_file_kept);
	tcase_add_test(edit, test_cmdline_history_fifo_rejected);
	tcase_add_test(edit, test_cmdline_history_long_line_skipped);
	tcase_add_test(edit, test_cmdline_history_too_large);
	tcase_add_test(edit, test_cmdline_history_escapes_round_trip);
	suite_add_tcase(suite, edit);
	return suite;
}

CHECK_MAIN(cmdline_suite)
