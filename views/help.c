/* The help view: every key and what it does, from the key map itself. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "console/app.h"
#include "console/commands_line.h"
#include "tui/keymap.h"
#include "views/lines.h"
#include "views/view.h"

struct help_view {
	struct view base;
	struct lines lines;
};

static struct help_view *help_of(struct view *v)
{
	return (struct help_view *)v;
}

/* The heading of a context's keys; every context has its own, so none shows its binding-file name. */
static const char *context_title(enum key_context context)
{
	switch (context) {
	case KEY_CONTEXT_GLOBAL: return "Everywhere";
	case KEY_CONTEXT_LIST: return "In a list";
	case KEY_CONTEXT_PENDING: return "In the pending requests";
	case KEY_CONTEXT_GRANTS: return "In the grants";
	/* The outbox, the messages and this help are detail views too, and r and x act in the outbox. */
	case KEY_CONTEXT_DETAIL: return "In a detail view or the outbox";
	case KEY_CONTEXT_POLICY: return "In the policy pane";
	case KEY_CONTEXT_METRICS: return "In the metrics pane";
	case KEY_CONTEXT_DIALOG: return "In a dialog";
	case KEY_CONTEXT_COUNT: break;
	}
	return key_context_name(context);
}

/* The ":" commands, from the table that runs and completes them. */
static void add_commands(struct help_view *h)
{
	struct command_help command;
	size_t cursor = 0;

	lines_heading(&h->lines, "Commands (type : first; Tab completes)");
	while (command_line_help_next(&cursor, &command))
		lines_add(&h->lines, THEME_NORMAL, command.name, "%s -- %s", command.usage,
			  command.help);
}

static void help_reload(struct view *v, size_t limit)
{
	struct help_view *h = help_of(v);
	struct keymap_help entry;
	size_t cursor = 0;
	int context = -1;

	(void)limit;
	lines_clear(&h->lines);
	while (keymap_help_next(&cursor, &entry)) {
		if ((int)entry.context != context) {
			context = (int)entry.context;
			lines_heading(&h->lines, context_title(entry.context));
		}
		lines_add(&h->lines, THEME_NORMAL, entry.keys[0] ? entry.keys : "(unbound)", "%s",
			  entry.help);
	}
	add_commands(h);
	lines_heading(&h->lines, "Reading the lists");
	lines_add(&h->lines, THEME_NORMAL, "*", "marked: the next approve, deny or revoke applies to it");
	lines_add(&h->lines, THEME_NORMAL, "~", "an action on it is queued and not sent yet");
	lines_add(&h->lines, THEME_NORMAL, "N+", "in a title: the rest of the list is still loading");
	lines_heading(&h->lines, "About");
	lines_add(&h->lines, THEME_NORMAL, NULL,
		  "Text from the broker is shown with control characters, escape sequences and "
		  "bidirectional overrides replaced by visible placeholders such as <U+202E>.");
}

static void help_title(struct view *v, char *out, size_t size)
{
	(void)v;
	snprintf(out, size, "Help: keys (Esc or ? closes it)");
}

static void help_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	(void)focused;
	lines_draw(&help_of(v)->lines, w, area, v->app->screen.charset);
}

static bool help_handle_action(struct view *v, enum action action)
{
	if (action == ACTION_BACK || action == ACTION_HELP) {
		app_close_overlay(v->app);
		return true;
	}
	return lines_handle_action(&help_of(v)->lines, action);
}

static void help_destroy(struct view *v)
{
	lines_free(&help_of(v)->lines);
	free(v);
}

static const struct view_ops help_ops = {
	.name = "help",
	.context = KEY_CONTEXT_DETAIL,
	.reload = help_reload,
	.title = help_title,
	.draw = help_draw,
	.handle_action = help_handle_action,
	.destroy = help_destroy,
};

struct view *help_view_new(struct app *app)
{
	struct help_view *h = xcalloc(1, sizeof *h);

	h->base.ops = &help_ops;
	h->base.app = app;
	lines_init(&h->lines, 18);
	return &h->base;
}
