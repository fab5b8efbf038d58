/* The messages view: the recent status-line messages, newest first, wrapped in full. */

#include <stdio.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/status.h"
#include "views/lines.h"
#include "views/view.h"

struct messages_view {
	struct view base;
	struct lines lines;
};

static struct messages_view *messages_of(struct view *v)
{
	return (struct messages_view *)v;
}

static enum theme_role severity_role(enum status_severity severity)
{
	switch (severity) {
	case STATUS_ERROR: return THEME_STATUS_ERROR;
	case STATUS_WARNING: return THEME_STATUS_WARNING;
	case STATUS_OK: return THEME_STATUS_OK;
	default: return THEME_NORMAL;
	}
}

static void messages_reload(struct view *v, size_t limit)
{
	struct messages_view *m = messages_of(v);
	const struct app *app = v->app;
	size_t kept = app->message_count < APP_MESSAGE_LOG ? app->message_count : APP_MESSAGE_LOG;

	(void)limit;
	lines_clear(&m->lines);
	if (kept == 0)
		lines_add(&m->lines, THEME_DIM, NULL, "no messages yet");
	for (size_t i = 0; i < kept; i++) {
		const struct logged_message *message =
			&app->messages[(app->message_count - 1 - i) % APP_MESSAGE_LOG];
		char stamp[RFC3339_LEN];
		time_format_rfc3339(message->time, stamp);
		lines_add(&m->lines, severity_role(message->severity), stamp + 11, "%s%s",
			  status_prefix(message->severity), message->text);
	}
}

static void messages_title(struct view *v, char *out, size_t size)
{
	(void)v;
	snprintf(out, size, "Messages, newest first, times in UTC (Esc: back)");
}

static void messages_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	(void)focused;
	messages_reload(v, 0); /* new messages arrive while it is open */
	lines_draw(&messages_of(v)->lines, w, area, v->app->screen.charset);
}

static bool messages_handle_action(struct view *v, enum action action)
{
	if (action == ACTION_BACK || action == ACTION_MESSAGES) {
		app_close_overlay(v->app);
		return true;
	}
	return lines_handle_action(&messages_of(v)->lines, action);
}

static void messages_destroy(struct view *v)
{
	lines_free(&messages_of(v)->lines);
	free(v);
}

static const struct view_ops messages_ops = {
	.name = "messages",
	.context = KEY_CONTEXT_DETAIL,
	.reload = messages_reload,
	.title = messages_title,
	.draw = messages_draw,
	.handle_action = messages_handle_action,
	.destroy = messages_destroy,
};

struct view *messages_view_new(struct app *app)
{
	struct messages_view *m = xcalloc(1, sizeof *m);

	m->base.ops = &messages_ops;
	m->base.app = app;
	lines_init(&m->lines, 10);
	return &m->base;
}
