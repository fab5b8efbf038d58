#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/check_main.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/draw.h"
#include "tui/screen.h"
#include "tui/signals.h"
#include "tui/status.h"
#include "tui/theme.h"

/*
 * A pseudo-terminal that becomes the test's stdin and stdout, so that
 * screen_start() runs as it does under SSH. A thread reads and drops what
 * curses writes, so that the terminal's buffer never fills.
 */
struct test_pty {
	int master;
	int slave;
	pthread_t drain;
};

static struct test_pty pty;

static void *drain_output(void *arg)
{
	char buffer[4096];
	int fd = *(int *)arg;

	while (read(fd, buffer, sizeof buffer) > 0)
		continue;
	return NULL;
}

static void set_pty_size(int rows, int cols)
{
	struct winsize size = { (unsigned short)rows, (unsigned short)cols, 0, 0 };

	ck_assert_int_eq(ioctl(pty.master, TIOCSWINSZ, &size), 0);
}

/* Make a pseudo-terminal of rows x cols the process's stdin and stdout. */
static void pty_open(int rows, int cols)
{
	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	pty.master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(pty.master, 0);
	ck_assert_int_eq(grantpt(pty.master), 0);
	ck_assert_int_eq(unlockpt(pty.master), 0);
	pty.slave = open(ptsname(pty.master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(pty.slave, 0);
	set_pty_size(rows, cols);
	ck_assert_int_eq(dup2(pty.slave, STDIN_FILENO), STDIN_FILENO);
	ck_assert_int_eq(dup2(pty.slave, STDOUT_FILENO), STDOUT_FILENO);
	ck_assert_int_eq(pthread_create(&pty.drain, NULL, drain_output, &pty.master), 0);
	setenv("TERM", "xterm-256color", 1);
	unsetenv("NO_COLOR");
}

static void pty_write(const char *bytes)
{
	ssize_t n = write(pty.master, bytes, strlen(bytes));

	ck_assert_int_eq(n, (ssize_t)strlen(bytes));
}

static struct termios slave_modes(void)
{
	struct termios modes;

	ck_assert_int_eq(tcgetattr(pty.slave, &modes), 0);
	return modes;
}

static void assert_same_modes(const struct termios *a, const struct termios *b)
{
	ck_assert_uint_eq(a->c_iflag, b->c_iflag);
	ck_assert_uint_eq(a->c_oflag, b->c_oflag);
	ck_assert_uint_eq(a->c_lflag, b->c_lflag);
	ck_assert_uint_eq(a->c_cflag, b->c_cflag);
}

/* Read keys until count have come or a second has passed. */
static int read_keys(struct key_event *keys, int count)
{
	int got = 0;

	for (int attempt = 0; attempt < 200 && got < count; attempt++) {
		struct pollfd fd = { screen_input_fd(), POLLIN, 0 };

		poll(&fd, 1, 5);
		while (got < count && screen_read_key(&keys[got]))
			got++;
	}
	return got;
}

START_TEST(test_screen_start_and_stop_restore_modes)
{
	struct screen_info info;
	char err[256] = "";

	pty_open(30, 100);
	struct termios before = slave_modes();

	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	ck_assert_int_eq(info.rows, 30);
	ck_assert_int_eq(info.cols, 100);
	ck_assert_int_eq(info.charset, TEXT_UTF8);
	ck_assert(info.color);
	ck_assert_int_eq(info.colors, 256);

	struct termios during = slave_modes();

	ck_assert(!(during.c_lflag & ICANON));
	ck_assert(!(during.c_lflag & ECHO));
	ck_assert(during.c_lflag & ISIG);

	ck_assert(!screen_start(&info, err, sizeof err));
	ck_assert_str_eq(err, "the screen is already started");

	screen_stop();
	struct termios after = slave_modes();

	assert_same_modes(&before, &after);
	screen_stop();
	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	screen_stop();
}
END_TEST

START_TEST(test_screen_no_color)
{
	struct screen_info info;
	char err[256] = "";

	pty_open(24, 80);
	setenv("NO_COLOR", "1", 1);
	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	ck_assert(!info.color);
	ck_assert_int_eq(info.colors, 0);
	ck_assert_uint_eq(theme_attr(THEME_SELECTED), A_REVERSE);
	ck_assert(theme_attr(THEME_MARKED) & A_BOLD);
	screen_stop();
}
END_TEST

START_TEST(test_screen_unknown_term)
{
	struct screen_info info;
	char err[256] = "";

	pty_open(24, 80);
	struct termios before = slave_modes();

	setenv("TERM", "gatehouse-no-such-terminal\x1b[2J", 1);
	ck_assert(!screen_start(&info, err, sizeof err));
	ck_assert_str_eq(err, "unknown terminal type \"gatehouse-no-such-terminal^[[2J\" "
			      "(TERM): no terminfo entry; install ncurses-term or use "
			      "TERM=xterm-256color");
	struct termios after = slave_modes();

	assert_same_modes(&before, &after);
}
END_TEST

START_TEST(test_screen_term_without_cursor_addressing)
{
	struct screen_info info;
	char err[256] = "";

	pty_open(24, 80);
	setenv("TERM", "dumb", 1);
	ck_assert(!screen_start(&info, err, sizeof err));
	ck_assert_str_eq(err, "terminal type \"dumb\" (TERM) cannot move the cursor, "
			      "which a full-screen program needs");
	/* The failed start left nothing behind: a good TERM works now. */
	setenv("TERM", "xterm-256color", 1);
	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	screen_stop();
}
END_TEST

START_TEST(test_screen_term_unset)
{
	struct screen_info info;
	char err[256] = "";

	pty_open(24, 80);
	unsetenv("TERM");
	ck_assert(!screen_start(&info, err, sizeof err));
	ck_assert_str_eq(err, "TERM is not set: set it to your terminal's type, for "
			      "example TERM=xterm-256color");
}
END_TEST

START_TEST(test_screen_needs_terminal)
{
	struct screen_info info;
	char err[256] = "";
	int null_fd = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(null_fd, 0);
	ck_assert_int_eq(dup2(null_fd, STDIN_FILENO), STDIN_FILENO);
	setenv("TERM", "xterm-256color", 1);
	ck_assert(!screen_start(&info, err, sizeof err));
	ck_assert_str_eq(err, "standard input and output must be a terminal");
}
END_TEST

START_TEST(test_screen_resize_reads_tty_size)
{
	struct screen_info info;
	char err[256] = "";

	pty_open(24, 80);
	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	set_pty_size(40, 120);
	screen_resize(&info);
	ck_assert_int_eq(info.rows, 40);
	ck_assert_int_eq(info.cols, 120);
	ck_assert_int_eq(LINES, 40);
	ck_assert_int_eq(COLS, 120);
	set_pty_size(3, 10);
	screen_resize(&info);
	ck_assert_int_eq(info.rows, 3);
	ck_assert_int_eq(info.cols, 10);
	ck_assert(screen_too_small(&info));
	screen_stop();
}
END_TEST

/* A caller that resizes again on KEY_RESIZE gets one key per change, not an endless stream. */
START_TEST(test_screen_resize_queues_one_key)
{
	struct screen_info info;
	struct key_event ev;
	char err[256] = "";
	int resize_keys = 0;

	pty_open(24, 80);
	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	set_pty_size(30, 90);
	screen_resize(&info);
	for (int i = 0; i < 10 && screen_read_key(&ev); i++) {
		ck_assert(ev.function);
		ck_assert_int_eq(ev.code, KEY_RESIZE);
		resize_keys++;
		screen_resize(&info);
	}
	ck_assert_int_eq(resize_keys, 1);
	ck_assert_int_eq(info.rows, 30);
	ck_assert_int_eq(info.cols, 90);
	screen_stop();
}
END_TEST

START_TEST(test_screen_read_key_normalises)
{
	struct screen_info info;
	struct key_event keys[8];
	struct key_event extra;
	char err[256] = "";

	pty_open(24, 80);
	ck_assert_msg(screen_start(&info, err, sizeof err), "%s", err);
	ck_assert(!screen_read_key(&extra));

	/* j, Up in keypad mode, Enter, DEL, é, Ctrl-R, Tab, Shift-Tab */
	pty_write("j\x1bOA\r\x7f\xc3\xa9\x12\t\x1b[Z");
	ck_assert_int_eq(read_keys(keys, 8), 8);
	ck_assert_int_eq(keys[0].code, 'j');
	ck_assert(!keys[0].function);
	ck_assert_int_eq(keys[1].code, KEY_UP);
	ck_assert(keys[1].function);
	ck_assert_int_eq(keys[2].code, '\n');
	ck_assert(!keys[2].function);
	ck_assert_int_eq(keys[3].code, KEY_BACKSPACE);
	ck_assert(keys[3].function);
	ck_assert_int_eq(keys[4].code, 0xE9);
	ck_assert(!keys[4].function);
	ck_assert_int_eq(keys[5].code, 18);
	ck_assert_int_eq(keys[6].code, '\t');
	ck_assert_int_eq(keys[7].code, KEY_BTAB);
	ck_assert(keys[7].function);

	/* A lone Esc comes out as 27 once the escape delay has passed. */
	pty_write("\x1b");
	ck_assert_int_eq(read_keys(keys, 1), 1);
	ck_assert_int_eq(keys[0].code, 27);
	ck_assert(!keys[0].function);
	ck_assert(!screen_read_key(&extra));
	screen_stop();
}
END_TEST

/* The suspended process stops with the terminal restored, and resumes in curses mode. */
START_TEST(test_screen_suspend_restores_terminal)
{
	struct screen_info info;
	char err[256] = "";
	int status;

	pty_open(24, 80);
	struct termios before = slave_modes();
	pid_t child = fork();

	ck_assert_int_ge(child, 0);
	if (child == 0) {
		/* Its own process group, so that SIGTSTP is never discarded as orphaned. */
		setpgid(0, 0);
		if (!screen_start(&info, err, sizeof err) || !signals_open(err, sizeof err))
			_exit(10);
		raise(SIGTSTP);
		if (signals_next() != SIGTSTP)
			_exit(11);
		screen_suspend(&info);
		struct termios resumed;

		tcgetattr(STDIN_FILENO, &resumed);
		if (resumed.c_lflag & ICANON)
			_exit(12);
		if (signals_next() != SIGCONT)
			_exit(13);
		screen_stop();
		_exit(0);
	}

	ck_assert_int_eq(waitpid(child, &status, WUNTRACED), child);
	ck_assert_msg(WIFSTOPPED(status), "child did not stop: status %#x", status);
	ck_assert_int_eq(WSTOPSIG(status), SIGTSTP);
	struct termios stopped = slave_modes();

	assert_same_modes(&before, &stopped);
	ck_assert_int_eq(kill(child, SIGCONT), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child failed: status %#x", status);
}
END_TEST

struct too_small_case {
	int rows;
	int cols;
	const char *lines[3];
	int first_row;
};

static const struct too_small_case too_small_cases[] = {
	{ 1, 1, { "!" }, 0 },
	{ 1, 12, { "too small" }, 0 },
	{ 3, 10, { "too small", "10x3" }, 0 },
	{ 5, 19, { "terminal too small", "19x5, need 20x6" }, 1 },
	{ 6, 20, { "terminal too small", "20x6, need 20x6" }, 2 },
	{ 2, 4, { "!", "4x2" }, 0 },
	{ 24, 80, { "terminal too small", "80x24, need 20x6" }, 11 },
	{ 50, 200, { "terminal too small", "200x50, need 20x6" }, 24 },
};

#define TOO_SMALL_CASES ((int)(sizeof too_small_cases / sizeof too_small_cases[0]))

START_TEST(test_screen_too_small_notice)
{
	const struct too_small_case *c = &too_small_cases[_i];
	struct screen_info info = { c->rows, c->cols, TEXT_UTF8, false, 0 };

	test_screen_start(c->rows, c->cols);
	test_screen_fill_sentinel();
	screen_draw_too_small(&info);
	for (int y = 0; y < LINES; y++) {
		char *row = test_screen_row(y);
		int line = y - c->first_row;
		const char *expected = line >= 0 && line < 3 ? c->lines[line] : NULL;

		if (expected) {
			int width = (int)strlen(expected);
			int left = (c->cols - width) / 2;

			ck_assert_msg(strncmp(row + left, expected, strlen(expected)) == 0,
				      "%dx%d row %d: \"%s\"", c->cols, c->rows, y, row);
			ck_assert_uint_eq(strspn(row, " "), (size_t)left);
		} else {
			ck_assert_msg(strspn(row, " ") == strlen(row),
				      "%dx%d row %d not blank: \"%s\"", c->cols, c->rows, y, row);
		}
		free(row);
	}
	test_screen_stop();
}
END_TEST

START_TEST(test_draw_text_clips_at_right_edge)
{
	test_screen_start(6, 20);
	test_screen_fill_sentinel();
	draw_text(stdscr, 2, 15, 10, "abcdefghij", THEME_NORMAL, TEXT_UTF8);
	char *text = test_screen_text(2, 15, 5);

	ck_assert_str_eq(text, "abcd\u2026");
	free(text);
	test_screen_assert_only_inside(2, 15, 1, 5);

	/* A wide character that would straddle the edge is never wrapped to the next row. */
	test_screen_fill_sentinel();
	draw_text(stdscr, 5, 16, 10, "世界世界", THEME_NORMAL, TEXT_UTF8);
	text = test_screen_text(5, 16, 4);
	ck_assert_str_eq(text, "世\u2026 ");
	free(text);
	test_screen_assert_only_inside(5, 16, 1, 4);

	draw_text(stdscr, 6, 0, 10, "x", THEME_NORMAL, TEXT_UTF8);
	draw_text(stdscr, -1, 0, 10, "x", THEME_NORMAL, TEXT_UTF8);
	draw_text(stdscr, 0, -1, 10, "x", THEME_NORMAL, TEXT_UTF8);
	draw_text(stdscr, 0, 20, 10, "x", THEME_NORMAL, TEXT_UTF8);
	test_screen_assert_only_inside(5, 16, 1, 4);
	test_screen_stop();
}
END_TEST

START_TEST(test_draw_text_sanitizes)
{
	test_screen_start(6, 40);
	draw_text(stdscr, 0, 0, 30, "a\x1b]52;c;x\x07\xE2\x80\xAE" "b", THEME_NORMAL,
		  TEXT_UTF8);
	char *text = test_screen_text(0, 0, 30);

	ck_assert_str_eq(text, "a\u241B]52;c;x\u2407<U+202E>b           ");
	free(text);
	draw_text(stdscr, 1, 0, 8, "\x1b[1mé", THEME_NORMAL, TEXT_ASCII);
	text = test_screen_text(1, 0, 8);
	ck_assert_str_eq(text, "^[[1m?  ");
	free(text);
	test_screen_stop();
}
END_TEST

START_TEST(test_draw_text_right_aligns)
{
	test_screen_start(6, 40);
	draw_text_right(stdscr, 0, 0, 10, "12/345", THEME_NORMAL, TEXT_UTF8);
	char *text = test_screen_text(0, 0, 10);

	ck_assert_str_eq(text, "    12/345");
	free(text);
	test_screen_stop();
}
END_TEST

START_TEST(test_draw_box_utf8_and_ascii)
{
	test_screen_start(6, 20);
	test_screen_fill_sentinel();
	draw_box(stdscr, 1, 2, 3, 5, THEME_BORDER, TEXT_UTF8);
	char *top = test_screen_text(1, 2, 5);
	char *middle = test_screen_text(2, 2, 5);
	char *bottom = test_screen_text(3, 2, 5);

	ck_assert_str_eq(top, "┌───┐");
	ck_assert_str_eq(middle, "│...│");
	ck_assert_str_eq(bottom, "└───┘");
	free(top);
	free(middle);
	free(bottom);
	test_screen_assert_only_inside(1, 2, 3, 5);

	draw_box(stdscr, 0, 0, LINES, COLS, THEME_BORDER, TEXT_ASCII);
	ck_assert(test_screen_cell(0, 0, NULL) == L'+');
	ck_assert(test_screen_cell(0, 1, NULL) == L'-');
	ck_assert(test_screen_cell(1, 0, NULL) == L'|');
	ck_assert(test_screen_cell(LINES - 1, COLS - 1, NULL) == L'+');
	test_screen_stop();
}
END_TEST

START_TEST(test_draw_box_clips_and_skips_tiny)
{
	test_screen_start(6, 20);
	test_screen_fill_sentinel();
	draw_box(stdscr, 2, 2, 1, 5, THEME_BORDER, TEXT_UTF8);
	draw_box(stdscr, 2, 2, 5, 1, THEME_BORDER, TEXT_UTF8);
	test_screen_assert_only_inside(0, 0, 0, 0);

	draw_box(stdscr, 3, 15, 10, 10, THEME_BORDER, TEXT_UTF8);
	ck_assert(test_screen_cell(3, 15, NULL) == L'\x250C');
	ck_assert(test_screen_cell(3, 19, NULL) == L'\x2500');
	ck_assert(test_screen_cell(5, 15, NULL) == L'\x2502');
	test_screen_assert_only_inside(3, 15, 3, 5);

	test_screen_fill_sentinel();
	draw_box(stdscr, -2, -3, 5, 6, THEME_BORDER, TEXT_UTF8);
	ck_assert(test_screen_cell(2, 2, NULL) == L'\x2518');
	ck_assert(test_screen_cell(1, 2, NULL) == L'\x2502');
	ck_assert(test_screen_cell(2, 0, NULL) == L'\x2500');
	test_screen_assert_only_inside(0, 0, 3, 3);
	test_screen_stop();
}
END_TEST

START_TEST(test_draw_hline_and_fill)
{
	test_screen_start(6, 20);
	test_screen_fill_sentinel();
	draw_hline(stdscr, 1, 15, 10, THEME_BORDER, TEXT_ASCII);
	draw_fill(stdscr, 2, -5, 8, THEME_NORMAL);
	char *line = test_screen_text(1, 15, 5);
	char *fill = test_screen_text(2, 0, 4);

	ck_assert_str_eq(line, "-----");
	ck_assert_str_eq(fill, "   .");
	free(line);
	free(fill);
	test_screen_stop();
}
END_TEST

struct status_case {
	int width;
	const char *expected;
};

static const struct status_case status_cases[] = {
	{ 60, "error: approve failed                    12 pending · online" },
	{ 41, "error: approve failed 12 pending · online" },
	{ 40, "error: approve failed 12 pending · onli\u2026" },
	{ 27, "error: approve failed 12 p\u2026" },
	{ 26, "error: approve failed 12 \u2026" },
	{ 25, "error: approve failed    " },
	{ 21, "error: approve failed" },
	{ 12, "error: appr\u2026" },
	{ 1, "\u2026" },
};

#define STATUS_CASES ((int)(sizeof status_cases / sizeof status_cases[0]))

START_TEST(test_status_right_part_shrinks_first)
{
	const struct status_case *c = &status_cases[_i];
	struct status_line status = { 0 };

	test_screen_start(6, 80);
	test_screen_fill_sentinel();
	status_set(&status, STATUS_ERROR, "approve %s", "failed");
	status_draw(stdscr, 4, c->width, &status, "12 pending · online", TEXT_UTF8);
	char *row = test_screen_text(4, 0, c->width);

	ck_assert_msg(strcmp(row, c->expected) == 0, "width %d: \"%s\", expected \"%s\"",
		      c->width, row, c->expected);
	free(row);
	test_screen_assert_only_inside(4, 0, 1, c->width);
	test_screen_stop();
}
END_TEST

START_TEST(test_status_severity_prefix_and_role)
{
	struct status_line status = { 0 };
	attr_t attributes;

	test_screen_start(6, 40);
	theme_stop_color();
	status_draw(stdscr, 0, 40, &status, NULL, TEXT_UTF8);
	char *row = test_screen_text(0, 0, 40);

	ck_assert_uint_eq(strspn(row, " "), 40);
	free(row);

	status_set(&status, STATUS_INFO, "refreshed %d rows", 12);
	status_draw(stdscr, 1, 40, &status, NULL, TEXT_UTF8);
	status_set(&status, STATUS_OK, "approved request 12");
	status_draw(stdscr, 2, 40, &status, NULL, TEXT_UTF8);
	status_set(&status, STATUS_WARNING, "offline: showing cached data");
	status_draw(stdscr, 3, 40, &status, NULL, TEXT_UTF8);
	status_set(&status, STATUS_ERROR, "%s", "broker said \x1b[31mno");
	status_draw(stdscr, 4, 40, &status, NULL, TEXT_UTF8);

	const char *expected[] = {
		"refreshed 12 rows",
		"ok: approved request 12",
		"warning: offline: showing cached data",
		"error: broker said \u241B[31mno",
	};

	for (int i = 0; i < 4; i++) {
		row = test_screen_row(i + 1);
		ck_assert_msg(strncmp(row, expected[i], strlen(expected[i])) == 0,
			      "row %d: \"%s\"", i + 1, row);
		free(row);
	}
	/* Without colour, the error is bold reverse, not only a colour. */
	test_screen_cell(4, 0, &attributes);
	ck_assert(attributes & A_BOLD);
	ck_assert(attributes & A_REVERSE);
	test_screen_stop();
}
END_TEST

START_TEST(test_status_set_cuts_at_character_boundary)
{
	struct status_line status = { 0 };
	char long_text[STATUS_TEXT_SIZE * 2 + 1];

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	/* Two-byte characters: the cut at STATUS_TEXT_SIZE - 1 (odd) bytes falls inside one. */
	for (size_t i = 0; i + 2 <= sizeof long_text - 1; i += 2)
		memcpy(long_text + i, "\xc3\xa9", 2);
	long_text[STATUS_TEXT_SIZE * 2] = '\0';
	status_set(&status, STATUS_INFO, "%s", long_text);
	ck_assert_uint_eq(strlen(status.text), STATUS_TEXT_SIZE - 2);
	ck_assert(mbstowcs(NULL, status.text, 0) != (size_t)-1);
}
END_TEST

START_TEST(test_status_expire_keeps_errors)
{
	struct status_line status = { 0 };

	status_set(&status, STATUS_INFO, "refreshed");
	status_expire(&status, status.time + 5, 5);
	ck_assert_str_eq(status.text, "refreshed");
	status_expire(&status, status.time + 6, 5);
	ck_assert_str_eq(status.text, "");

	status_set(&status, STATUS_ERROR, "approve failed");
	status_expire(&status, status.time + 600, 5);
	ck_assert_str_eq(status.text, "approve failed");
	ck_assert_str_eq(status_prefix(STATUS_ERROR), "error: ");
	ck_assert_str_eq(status_prefix(STATUS_INFO), "");
}
END_TEST

START_TEST(test_signals_arrive_in_order)
{
	char err[256] = "";

	ck_assert_msg(signals_open(err, sizeof err), "%s", err);
	ck_assert_int_ge(signals_fd(), 0);
	ck_assert_int_eq(signals_next(), 0);

	raise(SIGWINCH);
	raise(SIGTERM);
	struct pollfd fd = { signals_fd(), POLLIN, 0 };

	ck_assert_int_eq(poll(&fd, 1, 1000), 1);
	ck_assert_int_eq(signals_next(), SIGWINCH);
	ck_assert_int_eq(signals_next(), SIGTERM);
	ck_assert_int_eq(signals_next(), 0);

	raise(SIGHUP);
	raise(SIGINT);
	raise(SIGTSTP);
	raise(SIGCONT);
	ck_assert_int_eq(signals_next(), SIGHUP);
	ck_assert_int_eq(signals_next(), SIGINT);
	ck_assert_int_eq(signals_next(), SIGTSTP);
	ck_assert_int_eq(signals_next(), SIGCONT);
	ck_assert_int_eq(signals_next(), 0);
	signals_close();
}
END_TEST

START_TEST(test_signals_merge_unread_repeats)
{
	char err[256] = "";

	ck_assert_msg(signals_open(err, sizeof err), "%s", err);
	for (int i = 0; i < 1000; i++)
		raise(SIGWINCH);
	raise(SIGTERM);
	raise(SIGWINCH);
	ck_assert_int_eq(signals_next(), SIGWINCH);
	ck_assert_int_eq(signals_next(), SIGTERM);
	ck_assert_int_eq(signals_next(), 0);

	/* Once read, the same signal is reported again. */
	raise(SIGWINCH);
	ck_assert_int_eq(signals_next(), SIGWINCH);
	signals_close();
}
END_TEST

START_TEST(test_signals_close_restores_handlers)
{
	struct sigaction before;
	struct sigaction action;
	char err[256] = "";

	ck_assert_int_eq(sigaction(SIGTERM, NULL, &before), 0);
	ck_assert_msg(signals_open(err, sizeof err), "%s", err);
	ck_assert_int_eq(sigaction(SIGTERM, NULL, &action), 0);
	ck_assert_ptr_ne(action.sa_handler, before.sa_handler);
	ck_assert(!signals_open(err, sizeof err));
	ck_assert_str_eq(err, "signal handlers are already installed");
	signals_close();
	ck_assert_int_eq(signals_fd(), -1);
	ck_assert_int_eq(signals_next(), 0);
	ck_assert_int_eq(sigaction(SIGTERM, NULL, &action), 0);
	ck_assert_ptr_eq(action.sa_handler, before.sa_handler);
	signals_close();
}
END_TEST

static Suite *screen_suite(void)
{
	Suite *suite = suite_create("tui screen");
	TCase *screen = tcase_create("screen");
	TCase *notice = tcase_create("too small");
	TCase *draw = tcase_create("draw");
	TCase *status = tcase_create("status");
	TCase *signals = tcase_create("signals");

	tcase_add_test(screen, test_screen_start_and_stop_restore_modes);
	tcase_add_test(screen, test_screen_no_color);
	tcase_add_test(screen, test_screen_unknown_term);
	tcase_add_test(screen, test_screen_term_without_cursor_addressing);
	tcase_add_test(screen, test_screen_term_unset);
	tcase_add_test(screen, test_screen_needs_terminal);
	tcase_add_test(screen, test_screen_resize_reads_tty_size);
	tcase_add_test(screen, test_screen_resize_queues_one_key);
	tcase_add_test(screen, test_screen_read_key_normalises);
	tcase_add_test(screen, test_screen_suspend_restores_terminal);
	suite_add_tcase(suite, screen);

	tcase_add_loop_test(notice, test_screen_too_small_notice, 0, TOO_SMALL_CASES);
	suite_add_tcase(suite, notice);

	tcase_add_test(draw, test_draw_text_clips_at_right_edge);
	tcase_add_test(draw, test_draw_text_sanitizes);
	tcase_add_test(draw, test_draw_text_right_aligns);
	tcase_add_test(draw, test_draw_box_utf8_and_ascii);
	tcase_add_test(draw, test_draw_box_clips_and_skips_tiny);
	tcase_add_test(draw, test_draw_hline_and_fill);
	suite_add_tcase(suite, draw);

	tcase_add_loop_test(status, test_status_right_part_shrinks_first, 0, STATUS_CASES);
	tcase_add_test(status, test_status_severity_prefix_and_role);
	tcase_add_test(status, test_status_set_cuts_at_character_boundary);
	tcase_add_test(status, test_status_expire_keeps_errors);
	suite_add_tcase(suite, status);

	tcase_add_test(signals, test_signals_arrive_in_order);
	tcase_add_test(signals, test_signals_merge_unread_repeats);
	tcase_add_test(signals, test_signals_close_restores_handlers);
	suite_add_tcase(suite, signals);
	return suite;
}

CHECK_MAIN(screen_suite)
