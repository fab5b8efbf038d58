#ifndef GATEHOUSE_TUI_SCREEN_H
#define GATEHOUSE_TUI_SCREEN_H

/*
 * The terminal as a whole: start and stop curses, follow resizes and read
 * keys. The console uses stdin and stdout, which must be a terminal.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "tui/key.h"
#include "tui/text.h"

/* Below this size the panes do not fit and screen_draw_too_small() is shown instead. */
#define SCREEN_MIN_COLS 20
#define SCREEN_MIN_ROWS 6

struct screen_info {
	int rows;
	int cols;
	enum text_charset charset;
	bool color;
	/* The terminal's colour count while colour is on, else 0. */
	int colors;
};

/*
 * Start curses on stdin and stdout for a full-screen program: cbreak, no
 * echo, keypad, non-blocking reads, hidden cursor, a 25 ms Esc delay, and
 * colour by theme roles unless NO_COLOR is set (see theme_start_color()).
 * The caller has called setlocale(LC_ALL, ""), and should register
 * screen_stop() with atexit(). On failure, for example an unknown TERM or a
 * terminal that cannot move the cursor, writes why to err and returns false
 * with the terminal untouched.
 */
bool screen_start(struct screen_info *info, char *err, size_t errlen);

/* Restore the terminal. Safe to call twice and from an atexit() handler. */
void screen_stop(void);

/*
 * Read the terminal's size after SIGWINCH (TIOCGWINSZ), resize curses to it
 * and update info. When the size changed, ncurses also queues one KEY_RESIZE
 * key, which screen_read_key() returns next. Calling screen_resize() again
 * for that key is harmless: with the size unchanged it queues nothing.
 */
void screen_resize(struct screen_info *info);

/*
 * Restore the terminal and stop the process as SIGTSTP would. When it is
 * continued, return to curses mode with a full repaint at the current size
 * (info is updated). Call it when signals_next() returns SIGTSTP.
 */
void screen_suspend(struct screen_info *info);

/*
 * Read one key without waiting, in key_event_make() form. Returns false when
 * no input is pending. Reads through stdscr, so like wget_wch() it refreshes
 * stdscr first when stdscr has changed since its last refresh.
 */
bool screen_read_key(struct key_event *ev);

/* The kind of a mouse event, on terminals that report the mouse. */
enum screen_mouse_button {
	SCREEN_MOUSE_CLICK,         /* button 1 pressed and released */
	SCREEN_MOUSE_WHEEL_UP,
	SCREEN_MOUSE_WHEEL_DOWN,
};

struct screen_mouse {
	int y;
	int x;
	enum screen_mouse_button button;
};

/*
 * The mouse event of the last KEY_MOUSE key that screen_read_key() returned.
 * Returns false when it was none of the events above (ncurses could not
 * decode it, or another button), which the caller ignores. Terminals report
 * the mouse as escape sequences that ncurses decodes (SGR 1006 for xterm
 * types, the older X10 form for screen and tmux types), so they never
 * arrive as text.
 */
bool screen_last_mouse(struct screen_mouse *out);

/* Return the file descriptor to poll for keyboard input. */
int screen_input_fd(void);

/* True when info is below SCREEN_MIN_COLS x SCREEN_MIN_ROWS. */
bool screen_too_small(const struct screen_info *info);

/*
 * Clear stdscr and draw a centered "terminal too small" notice with the size.
 * It shortens itself to fit and writes nothing outside the screen, even at 1x1.
 */
void screen_draw_too_small(const struct screen_info *info);

#endif
