#include "tui/screen.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "tui/draw.h"
#include "tui/theme.h"

/* Esc waits this long for the rest of an escape sequence; ncurses' default is 1000 ms. */
#define ESCAPE_DELAY_MS 25

#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static SCREEN *screen;
static struct screen_mouse last_mouse;
static bool last_mouse_valid;

__attribute__((format(printf, 3, 4)))
static bool screen_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* Return TERM made safe to print: it comes from the environment, unchecked. */
static char *printable_term(const char *term)
{
	struct strbuf out = STRBUF_INIT;

	text_sanitize(term, TEXT_NUL_TERMINATED, TEXT_ASCII, &out);
	return strbuf_detach(&out);
}

static bool check_terminal(const char *term, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return screen_error(err, errlen,
				    "standard input and output must be a terminal");
	if (!term || !*term)
		return screen_error(err, errlen,
				    "TERM is not set: set it to your terminal's type, "
				    "for example TERM=xterm-256color");
	return true;
}

/*
 * Check the terminal type with setupterm() before newterm(): newterm()
 * returns NULL for an unknown type too, but leaks its screen when it does
 * (ncurses 6.4).
 */
static bool check_terminal_type(const char *term, char *err, size_t errlen)
{
	char *shown = printable_term(term);
	int status;
	bool usable = false;

	if (setupterm(term, STDOUT_FILENO, &status) != OK) {
		screen_error(err, errlen,
			     status < 0 ? "no terminfo database found for TERM \"%s\"; "
					  "install ncurses-base"
					: "unknown terminal type \"%s\" (TERM): no terminfo "
					  "entry; install ncurses-term or use TERM=xterm-256color",
			     shown);
		free(shown);
		return false;
	}
	/* "dumb" and hard-copy types have a terminfo entry but no cursor addressing. */
	char *cup = tigetstr("cup");

	if (cup && cup != (char *)-1)
		usable = true;
	else
		screen_error(err, errlen,
			     "terminal type \"%s\" (TERM) cannot move the cursor, "
			     "which a full-screen program needs",
			     shown);
	del_curterm(cur_term);
	free(shown);
	return usable;
}

static bool open_screen(const char *term, char *err, size_t errlen)
{
	if (!check_terminal_type(term, err, errlen))
		return false;
	/* Unlike initscr(), newterm() returns instead of exiting when it fails. */
	screen = newterm(term, stdout, stdin);
	if (!screen)
		return screen_error(err, errlen, "failed to start curses on the terminal");
	set_term(screen);
	return true;
}

/*
 * Ask the terminal to mark pasted text (xterm's bracketed paste, DEC private
 * mode 2004; terminals without it ignore the request), so that a newline or an
 * escape inside a paste can be told from Enter and Esc typed by hand.
 */
static void set_bracketed_paste(bool on)
{
	fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
	fflush(stdout);
}

/*
 * Ask for clicks and the wheel; a terminal that cannot report them sends
 * nothing. On the Linux console (a TERM containing "linux") ncurses would load
 * libgpm instead, which LeakSanitizer finds leaking when no gpm daemon runs
 * (libgpm 1.20.7), so the mouse stays off there.
 */
static void enable_mouse(void)
{
	const char *term = getenv("TERM");

	if (term && strstr(term, "linux"))
		return;
	mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
}

static void set_input_modes(void)
{
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESCAPE_DELAY_MS);
	define_key("\033[200~", KEY_PASTE_START);
	define_key("\033[201~", KEY_PASTE_END);
	/* Terminals without an invisible cursor return ERR; the cursor then stays. */
	(void)curs_set(0);
	set_bracketed_paste(true);
	enable_mouse();
}

static void fill_info(struct screen_info *info)
{
	info->rows = LINES;
	info->cols = COLS;
	info->charset = text_charset_from_locale();
	info->color = theme_start_color();
	info->colors = info->color ? COLORS : 0;
}

bool screen_start(struct screen_info *info, char *err, size_t errlen)
{
	const char *term = getenv("TERM");

	if (screen)
		return screen_error(err, errlen, "the screen is already started");
	if (!check_terminal(term, err, errlen) || !open_screen(term, err, errlen))
		return false;
	set_input_modes();
	fill_info(info);
	return true;
}

void screen_stop(void)
{
	if (!screen)
		return;
	theme_stop_color();
	endwin();
	set_bracketed_paste(false);
	delscreen(screen);
	screen = NULL;
}

/* Read the size of the terminal on stdout, or else stdin. Returns false when neither reports one. */
static bool read_window_size(int *rows, int *cols)
{
	struct winsize size;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 &&
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &size) != 0)
		return false;
	if (size.ws_row == 0 || size.ws_col == 0)
		return false;
	*rows = size.ws_row;
	*cols = size.ws_col;
	return true;
}

void screen_resize(struct screen_info *info)
{
	int rows;
	int cols;

	if (!screen)
		return;
	/*
	 * resizeterm() queues a KEY_RESIZE even when the size is the same, so a
	 * caller that resizes on KEY_RESIZE would never stop without this check.
	 */
	if (read_window_size(&rows, &cols) && (rows != LINES || cols != COLS))
		resizeterm(rows, cols);
	/* Terminals reflow the old content differently on resize, so repaint it all. */
	clearok(curscr, TRUE);
	info->rows = LINES;
	info->cols = COLS;
}

void screen_suspend(struct screen_info *info)
{
	struct sigaction stop_action;
	struct sigaction previous;

	if (!screen)
		return;
	endwin();
	set_bracketed_paste(false);

	/* Stop with the default action, so the shell reports it as a job stop. */
	memset(&stop_action, 0, sizeof stop_action);
	stop_action.sa_handler = SIG_DFL;
	sigemptyset(&stop_action.sa_mask);
	sigaction(SIGTSTP, &stop_action, &previous);
	raise(SIGTSTP);
	sigaction(SIGTSTP, &previous, NULL);

	/* Continued: the first refresh after endwin() returns to curses mode. */
	set_bracketed_paste(true);
	screen_resize(info);
	doupdate();
}

/* Decode the mouse event behind a KEY_MOUSE key into last_mouse. */
static void read_mouse(void)
{
	MEVENT event;

	last_mouse_valid = getmouse(&event) == OK;
	if (!last_mouse_valid)
		return;
	last_mouse.y = event.y;
	last_mouse.x = event.x;
	if (event.bstate & BUTTON1_CLICKED)
		last_mouse.button = SCREEN_MOUSE_CLICK;
	else if (event.bstate & BUTTON4_PRESSED)
		last_mouse.button = SCREEN_MOUSE_WHEEL_UP;
	else if (event.bstate & BUTTON5_PRESSED)
		last_mouse.button = SCREEN_MOUSE_WHEEL_DOWN;
	else
		last_mouse_valid = false;
}

bool screen_read_key(struct key_event *ev)
{
	wint_t ch;
	int result;

	if (!screen)
		return false;
	result = wget_wch(stdscr, &ch);
	if (result == ERR)
		return false;
	*ev = key_event_make((int)ch, result == KEY_CODE_YES);
	if (key_event_is_mouse(ev))
		read_mouse();
	return true;
}

bool screen_last_mouse(struct screen_mouse *out)
{
	if (last_mouse_valid)
		*out = last_mouse;
	return last_mouse_valid;
}

int screen_input_fd(void)
{
	return STDIN_FILENO;
}

bool screen_too_small(const struct screen_info *info)
{
	return info->rows < SCREEN_MIN_ROWS || info->cols < SCREEN_MIN_COLS;
}

/* Return the first of the texts (longest first) that fits in cols columns, or the last. */
static const char *longest_fitting(const char *const *texts, size_t count,
				   int cols)
{
	for (size_t i = 0; i + 1 < count; i++) {
		if ((int)strlen(texts[i]) <= cols)
			return texts[i];
	}
	return texts[count - 1];
}

static void draw_centered(int y, int cols, const char *text, enum theme_role role,
			  enum text_charset cs)
{
	int width = (int)strlen(text);

	if (width > cols)
		width = cols;
	draw_text(stdscr, y, (cols - width) / 2, width, text, role, cs);
}

void screen_draw_too_small(const struct screen_info *info)
{
	static const char *const notices[] = {
		"terminal too small", "too small", "small", "!",
	};
	char size[64];
	char need[96];
	int rows = info->rows < LINES ? info->rows : LINES;
	int cols = info->cols < COLS ? info->cols : COLS;

	if (!stdscr || rows <= 0 || cols <= 0)
		return;
	werase(stdscr);
	snprintf(size, sizeof size, "%dx%d", info->cols, info->rows);
	snprintf(need, sizeof need, "%s, need %dx%d", size, SCREEN_MIN_COLS,
		 SCREEN_MIN_ROWS);

	const char *sizes[] = { need, size };
	const char *notice = longest_fitting(notices, ARRAY_COUNT(notices), cols);
	const char *detail = longest_fitting(sizes, ARRAY_COUNT(sizes), cols);

	if (rows == 1) {
		draw_centered(0, cols, notice, THEME_STATUS_WARNING, info->charset);
		return;
	}
	draw_centered((rows - 2) / 2, cols, notice, THEME_STATUS_WARNING,
		      info->charset);
	draw_centered((rows - 2) / 2 + 1, cols, detail, THEME_NORMAL,
		      info->charset);
}
