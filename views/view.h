#ifndef GATEHOUSE_VIEW_H
#define GATEHOUSE_VIEW_H

/*
 * A pane of the console. Each file in views/ implements one, as a constant
 * table of operations; the application (console/) holds the panes, routes
 * keys to the focused one and asks each to draw its area. Views read the
 * cache and never talk HTTP; writes go through the application, which
 * queues them in the outbox.
 */

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/key.h"
#include "tui/keymap.h"

struct app;
struct view;

/* A rectangle of the screen, in rows and columns. */
struct area {
	int y;
	int x;
	int height;
	int width;
};

/* One object an action applies to, with the version the user saw (sent as If-Match). */
struct action_target {
	int64_t id;
	int64_t version;
};

struct view_ops {
	const char *name;
	/* The keymap context of the view's keys. */
	enum key_context context;
	/* Read the view's data again from the cache. limit > 0 loads only that many rows (first paint). */
	void (*reload)(struct view *v, size_t limit);
	/* Write the view's title ("Pending (63)") to out. */
	void (*title)(struct view *v, char *out, size_t size);
	/* Draw the view inside area; focused says whether keys go to it. */
	void (*draw)(struct view *v, WINDOW *w, const struct area *area, bool focused);
	/*
	 * Take a key before the keymap does (a filter being typed). Returns true
	 * when the view used it. May be NULL.
	 */
	bool (*take_key)(struct view *v, const struct key_event *ev);
	/* Run an action; returns false when the view has no use for it. */
	bool (*handle_action)(struct view *v, enum action action);
	/* Whether the view is editing text (a filter being typed). May be NULL. */
	bool (*editing)(struct view *v);
	/* Where the terminal cursor goes while the view edits text, or false. May be NULL. */
	bool (*cursor)(struct view *v, int *y, int *x);
	/*
	 * Sort the rows by the column named column (its heading's first word,
	 * any case); NULL or "default" brings back the view's own order. On
	 * failure writes a message to err and keeps the order. NULL for views
	 * that cannot sort.
	 */
	bool (*sort)(struct view *v, const char *column, bool descending, char *err, size_t errlen);
	/* Write the name of the index-th column sort takes, for Tab; false past the last. May be NULL. */
	bool (*sort_column)(struct view *v, size_t index, char *out, size_t size);
	void (*destroy)(struct view *v);
};

struct view {
	const struct view_ops *ops;
	struct app *app;
};

/* The panes, one constructor each. */
struct view *pending_view_new(struct app *app);
struct view *grants_view_new(struct app *app);
/* The detail of one request or grant (kind "request" or "grant"). */
struct view *detail_view_new(struct app *app, const char *kind, int64_t id);
struct view *help_view_new(struct app *app);
/* The recent status messages, newest first, in full. */
struct view *messages_view_new(struct app *app);

#endif
