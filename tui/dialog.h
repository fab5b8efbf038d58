#ifndef GATEHOUSE_TUI_DIALOG_H
#define GATEHOUSE_TUI_DIALOG_H

/*
 * Modal dialogs, drawn in a centered box over the screen:
 *
 *   prompt         a text input, for the reason of an approve, deny or revoke
 *   confirm        a yes/no question
 *   choice         one key picks one of a few options ("p" or "r")
 *   typed confirm  the user types an exact phrase ("revoke 12") before a
 *                  destructive action; Enter accepts only a match
 *
 * Keys are looked up in the keymap's dialog context (accept, cancel, yes,
 * no), and the key hints shown come from there too. In a dialog with a text
 * input, printable characters always go to the text.
 *
 * The title, message and phrase may contain untrusted text (a reason, a
 * principal id): they are sanitized when drawn. Each '\n' in the message
 * starts a new line, so a caller that formats untrusted values into the
 * message must replace their newlines first, or a value could add lines that
 * look like the dialog's own.
 */

#include <stdbool.h>
#include <stddef.h>

#include "tui/input.h"
#include "tui/key.h"
#include "tui/screen.h"

enum dialog_kind {
	DIALOG_PROMPT,
	DIALOG_CONFIRM,
	DIALOG_CHOICE,
	DIALOG_TYPED_CONFIRM,
};

enum dialog_result {
	DIALOG_OPEN,
	DIALOG_ACCEPTED,
	DIALOG_CANCELED,
};

/* The reason the last accept was rejected, shown in place of the key hints. */
enum dialog_rejection {
	DIALOG_REJECTION_NONE,
	DIALOG_REJECTION_EMPTY,
	DIALOG_REJECTION_MISMATCH,
};

struct dialog {
	enum dialog_kind kind;
	char *title;
	char *message;
	/* The phrase a typed confirm waits for, NULL otherwise. */
	char *phrase;
	/* The keys a choice accepts, as ASCII characters ("pr"), NULL otherwise. */
	char *choices;
	/* The key that closed a choice, 0 before. */
	int choice;
	/* For a prompt: whether an empty (or all-space) text is rejected. */
	bool required;
	enum dialog_rejection rejection;
	struct line_input input;
};

/* The maximum number of message lines a dialog shows. The last one ends in an ellipsis when cut. */
#define DIALOG_MESSAGE_LINES 4

/* Open a prompt for up to max_chars characters of text. */
void dialog_prompt(struct dialog *d, const char *title, const char *message,
		   size_t max_chars, bool required);

/* Open a yes/no question. */
void dialog_confirm(struct dialog *d, const char *title, const char *message);

/* Open a choice: each character of choices (printable ASCII) is a key that accepts. */
void dialog_choice(struct dialog *d, const char *title, const char *message,
		   const char *choices);

/* Open a dialog that waits until the user has typed phrase exactly. */
void dialog_typed_confirm(struct dialog *d, const char *title,
			  const char *message, const char *phrase);

void dialog_free(struct dialog *d);

/* Apply one key; DIALOG_ACCEPTED and DIALOG_CANCELED close the dialog. */
enum dialog_result dialog_handle_key(struct dialog *d, const struct key_event *ev);

/* Return the text a prompt or typed confirm contains, "" for the other kinds. */
const char *dialog_text(const struct dialog *d);

/* Return the key that accepted a choice ('p'), or 0. */
int dialog_choice_key(const struct dialog *d);

/*
 * Draw the dialog on stdscr, inside the screen: it shrinks and cuts its
 * text to fit down to SCREEN_MIN_COLS x SCREEN_MIN_ROWS, and draws nothing
 * on a smaller screen. Returns true when it has a text input and has moved
 * stdscr's cursor there: the caller then shows the cursor (curs_set(1)).
 */
bool dialog_draw(const struct dialog *d, const struct screen_info *info);

#endif
