#ifndef GATEHOUSE_TUI_KEY_H
#define GATEHOUSE_TUI_KEY_H

#include <curses.h>
#include <stdbool.h>

/*
 * One key press. function is true for ncurses KEY_* codes (KEY_UP,
 * KEY_RESIZE, ...). Otherwise code is a Unicode code point, and Ctrl keys
 * are their control codes (Ctrl-R is 18, Esc is 27).
 */
struct key_event {
	int code;
	bool function;
};

/*
 * The start and end of a bracketed paste (the terminal wraps pasted text in
 * ESC [ 200 ~ and ESC [ 201 ~ once the program asks for it), as function keys
 * outside ncurses' own KEY_* range.
 */
#define KEY_PASTE_START (KEY_MAX + 1)
#define KEY_PASTE_END (KEY_MAX + 2)

/*
 * Build a key event in the one form that key handling compares against.
 * Enter arrives as '\r' (after nonl()), '\n' or KEY_ENTER and becomes '\n'.
 * Backspace arrives as KEY_BACKSPACE, DEL (127) or Ctrl-H (8) and becomes
 * the function key KEY_BACKSPACE.
 */
static inline struct key_event key_event_make(int code, bool function)
{
	struct key_event ev = { code, function };

	if ((!function && (code == '\r' || code == '\n')) ||
	    (function && code == KEY_ENTER)) {
		ev.code = '\n';
		ev.function = false;
	} else if (!function && (code == 127 || code == 8)) {
		ev.code = KEY_BACKSPACE;
		ev.function = true;
	}
	return ev;
}

/*
 * True for a mouse event, which ncurses reports as the function key
 * KEY_MOUSE: screen_last_mouse() returns where and what it was.
 */
static inline bool key_event_is_mouse(const struct key_event *ev)
{
	return ev->function && ev->code == KEY_MOUSE;
}

/* True for a key that inserts a character: neither a function key nor a control. */
static inline bool key_event_is_text(const struct key_event *ev)
{
	return !ev->function && ev->code >= 0x20 && ev->code != 0x7F &&
	       !(ev->code >= 0x80 && ev->code < 0xA0) && ev->code <= 0x10FFFF;
}

#endif
