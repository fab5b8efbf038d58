#ifndef GATEHOUSE_TUI_KEYMAP_H
#define GATEHOUSE_TUI_KEYMAP_H

/*
 * Key bindings: the one table of actions, and the keys bound to them. Key
 * handling (keymap_lookup()) and the help view (keymap_help_next()) both
 * read it, so the help cannot drift from what the keys do.
 *
 * Bindings are text, one per line, and the defaults are compiled in in the
 * same format (keymap_default_text) and read by the same parser:
 *
 *   # comment lines start with '#'
 *   bind CONTEXT KEY ACTION
 *   unbind CONTEXT KEY
 *
 * KEY is a printable ASCII character ("a", "?", "R") or a name: Enter, Esc,
 * Tab, S-Tab, Space, Backspace, Delete, Insert, Up, Down, Left, Right,
 * PgUp, PgDn, Home, End, F1..F24, or C-a..C-z for Ctrl with a letter.
 *
 * A key is looked up in the context of the focused pane first, then in the
 * contexts it inherits: pending, grants, detail, policy and metrics inherit
 * list (so the same keys scroll), and list inherits global.
 * Dialogs are modal: the dialog context inherits nothing.
 */

#include <stdbool.h>
#include <stddef.h>

#include "tui/key.h"

/* X(IDENTIFIER, "name in binding files") */
#define KEY_CONTEXTS(X)            \
	X(GLOBAL, "global")        \
	X(LIST, "list")            \
	X(PENDING, "pending")      \
	X(GRANTS, "grants")        \
	X(DETAIL, "detail")        \
	X(POLICY, "policy")        \
	X(METRICS, "metrics")      \
	X(DIALOG, "dialog")

enum key_context {
#define KEY_CONTEXT_ENUM(id, name) KEY_CONTEXT_##id,
	KEY_CONTEXTS(KEY_CONTEXT_ENUM)
#undef KEY_CONTEXT_ENUM
	KEY_CONTEXT_COUNT
};

/*
 * X(IDENTIFIER, "name in binding files", CONTEXT, "help text") for every
 * action. An action belongs to one context, and it can be bound there or in
 * a context that inherits it.
 */
#define ACTIONS(X)                                                                   \
	X(QUIT, "quit", GLOBAL, "Quit gatehouse")                                    \
	X(HELP, "help", GLOBAL, "Show the keys and what they do")                    \
	X(NEXT_PANE, "next-pane", GLOBAL, "Go to the next pane")                     \
	X(PREVIOUS_PANE, "previous-pane", GLOBAL, "Go to the previous pane")         \
	X(PANE_PENDING, "pane-pending", GLOBAL, "Go to the pending requests")        \
	X(PANE_GRANTS, "pane-grants", GLOBAL, "Go to the grants")                    \
	X(REFRESH, "refresh", GLOBAL, "Fetch fresh data from the broker now")        \
	X(REDRAW, "redraw", GLOBAL, "Redraw the whole screen")                       \
	X(PANE_METRICS, "pane-metrics", GLOBAL, "Show the metrics pane")                \
	X(PANE_POLICY, "pane-policy", GLOBAL, "Go to the policy")                    \
	X(MESSAGES, "messages", GLOBAL, "Show the recent messages in full")          \
	X(OUTBOX, "outbox", GLOBAL, "Show the outbox: each recent action and its fate") \
	X(COMMAND_LINE, "command-line", GLOBAL, "Type a command (Tab completes; :help lists them)") \
	X(UP, "up", LIST, "Move up one row")                                         \
	X(DOWN, "down", LIST, "Move down one row")                                   \
	X(PAGE_UP, "page-up", LIST, "Move up one page")                              \
	X(PAGE_DOWN, "page-down", LIST, "Move down one page")                        \
	X(HOME, "home", LIST, "Go to the first row")                                 \
	X(END, "end", LIST, "Go to the last row")                                    \
	X(OPEN, "open", LIST, "Show the selected row in detail")                     \
	X(FILTER, "filter", LIST, "Show only the rows that match a text")            \
	X(CLEAR_FILTER, "clear-filter", LIST, "Show all rows again")                 \
	X(MARK, "mark", LIST, "Mark or unmark the selected row")                     \
	X(MARK_ALL, "mark-all", LIST, "Mark every row the filter shows")             \
	X(CLEAR_MARKS, "clear-marks", LIST, "Unmark every row")                      \
	X(APPROVE, "approve", PENDING, "Approve the marked requests, or the selected one") \
	X(DENY, "deny", PENDING, "Deny the marked requests, or the selected one")    \
	X(REVOKE, "revoke", GRANTS, "Revoke the marked grants, or the selected one")  \
	X(BULK_REVOKE, "bulk-revoke", GRANTS,                                        \
	  "Revoke every grant of the selected grant's principal, or on its resource") \
	X(BACK, "back", DETAIL, "Go back to the list")                               \
	X(EDIT_POLICY, "edit", POLICY, "Edit the policy in $VISUAL or $EDITOR")      \
	X(SIMULATE_POLICY, "simulate", POLICY,                                       \
	  "Simulate the draft against the cached history")                          \
	X(SIMULATE_AT_BROKER, "simulate-at-broker", POLICY,                          \
	  "Ask the broker to simulate the draft over its whole history")            \
	X(PUBLISH_POLICY, "publish", POLICY, "Publish the draft, after a question")  \
	X(DISCARD_DRAFT, "discard-draft", POLICY, "Discard the draft, after a question") \
	X(NEXT_WINDOW, "next-window", METRICS,                                      \
	  "Show the next window of 24 hours, 7 days or 30 days")                    \
	X(PREVIOUS_WINDOW, "previous-window", METRICS, "Show the previous window")   \
	X(RETRY, "retry", DETAIL, "In the outbox: check and send again a failed action") \
	X(DROP, "drop", DETAIL, "In the outbox: drop an action so it is never sent") \
	X(ACCEPT, "accept", DIALOG, "Accept the dialog's text")                      \
	X(CANCEL, "cancel", DIALOG, "Close the dialog without acting")               \
	X(YES, "yes", DIALOG, "Answer yes to a question")                            \
	X(NO, "no", DIALOG, "Answer no to a question")

enum action {
	ACTION_NONE,
#define ACTION_ENUM(id, name, context, help) ACTION_##id,
	ACTIONS(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

/* A buffer size for keymap_describe() that fits every default binding's keys. */
#define KEYMAP_KEYS_SIZE 64

/* The default bindings, in the binding file format. */
extern const char keymap_default_text[];

/* Return an action's name ("bulk-revoke"), "none" for ACTION_NONE. */
const char *action_name(enum action action);
/* Return an action's help text, "" for ACTION_NONE. */
const char *action_help(enum action action);
/* Return the context an action belongs to. */
enum key_context action_context(enum action action);
/* Return a context's name ("pending"). */
const char *key_context_name(enum key_context context);

/* Replace every binding with the compiled-in defaults. */
void keymap_reset(void);

/*
 * Apply binding text over the current bindings: "bind" replaces what the key
 * did in that context, and "unbind" removes it. Nothing changes unless the
 * whole text is valid. On error, writes "LINE:COLUMN: message" to err and
 * returns false.
 */
bool keymap_parse(const char *text, char *err, size_t errlen);

/* Return the action of key in context, or ACTION_NONE; see the inheritance above. */
enum action keymap_lookup(enum key_context context, const struct key_event *key);

/*
 * Write the keys that trigger action in context to out, in binding order
 * and separated by ", " ("j, Down"), or "" when none does. Keys that a more
 * specific context binds to something else are left out.
 */
void keymap_describe(enum action action, enum key_context context, char *out,
		     size_t size);

/*
 * Parse a key name as bindings spell it ("C-r", "PgDn", "a"). Returns false
 * when name is not a key.
 */
bool keymap_key_from_name(const char *name, struct key_event *out);

/* Write the binding-file name of key ("C-r") to out. */
void keymap_key_name(const struct key_event *key, char *out, size_t size);

/* One line of the help view. */
struct keymap_help {
	enum key_context context;
	enum action action;
	const char *name;
	const char *help;
	/* keymap_describe() of the action in its context, "" when unbound. */
	char keys[KEYMAP_KEYS_SIZE];
};

/*
 * Fill out with the next action for the help view, with *cursor starting at
 * 0. Every action comes once, grouped by context in KEY_CONTEXTS order.
 * Returns false after the last.
 */
bool keymap_help_next(size_t *cursor, struct keymap_help *out);

#endif
