/*
 * The frame around the panes, computed afresh on every draw from the screen
 * size: the title bar, the offline banner, the pane tabs or side-by-side
 * panes, the open dialog, and the status line.
 */

#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "tui/theme.h"
#include "views/metrics.h"

/* From this width both lists show side by side, each still 70 columns or more. */
#define SIDE_BY_SIDE_COLUMNS 140

static const char *connection_word(enum sync_state state)
{
	switch (state) {
	case SYNC_ONLINE: return "online";
	case SYNC_CONNECTING: return "connecting";
	case SYNC_OFFLINE: return "OFFLINE";
	case SYNC_UNAUTHORIZED: return "TOKEN REFUSED";
	}
	return "";
}

/* Shown in the title bar for the whole session when --insecure turned TLS checks off. */
#define TLS_WARNING " TLS NOT VERIFIED "

/*
 * The title bar: the broker and who is signed in on the left; the
 * connection and queue on the right. The TLS warning comes first, so that
 * no width cuts it.
 */
static void draw_title(struct app *app, int width)
{
	char title[512], right[96];
	int right_width, left = 0;

	if (app->options->insecure_tls) {
		left = text_width(TLS_WARNING);
		if (left > width)
			left = width;
		draw_text(stdscr, 0, 0, left, TLS_WARNING, THEME_STATUS_ERROR, app->screen.charset);
	}
	snprintf(title, sizeof title, " Gatehouse  %s  %s%s", app->options->url,
		 app->principal_label[0] ? app->principal_label : "(not signed in yet)",
		 app->options->read_only ? "  read-only" : "");
	/* The leading blank keeps a cut title from running into the connection word. */
	if (app->outbox_pending)
		snprintf(right, sizeof right, " %s  outbox: %lld queued ",
			 connection_word(app->connection), (long long)app->outbox_pending);
	else
		snprintf(right, sizeof right, " %s ", connection_word(app->connection));
	right_width = text_width(right);
	if (right_width > (width - left) / 2)
		right_width = 0; /* too narrow: the broker and principal come first */
	draw_text(stdscr, 0, left, width - left - right_width, title, THEME_TITLE,
		  app->screen.charset);
	if (right_width)
		draw_text_right(stdscr, 0, width - right_width, right_width, right, THEME_TITLE,
				app->screen.charset);
}

/*
 * Format the banner line shown under the title while the broker is not
 * responding, most important first: how old the data on screen is. Returns
 * false when no banner is needed.
 */
static bool format_banner(struct app *app, char *out, size_t size)
{
	char age[16] = "";

	if (app->connection == SYNC_ONLINE)
		return false;
	if (app->synced_at)
		duration_format(time_now() - app->synced_at, age, sizeof age);
	switch (app->connection) {
	case SYNC_CONNECTING:
		if (app->synced_at)
			snprintf(out, size, "connecting... showing cached data from %s ago", age);
		else
			snprintf(out, size, "connecting to the broker...");
		break;
	case SYNC_UNAUTHORIZED:
		snprintf(out, size, "the broker refused the token: check --token-file. %s",
			 app->connection_detail);
		break;
	default:
		if (app->synced_at)
			snprintf(out, size, "offline: showing cached data from %s ago. %s", age,
				 app->connection_detail);
		else
			snprintf(out, size, "offline, nothing cached yet. %s", app->connection_detail);
		break;
	}
	return true;
}

/*
 * Draw a tab per pane. When they do not all fit, each is cut to an equal share
 * of the row, so that a long title cannot push the later panes off the screen.
 */
static void draw_tabs(struct app *app, int y, int width)
{
	enum text_charset cs = app->screen.charset;
	char title[128], tabs[PANE_COUNT][160];
	int widths[PANE_COUNT], total = PANE_COUNT - 1, x = 0;

	for (int i = 0; i < PANE_COUNT; i++) {
		app->panes[i]->ops->title(app->panes[i], title, sizeof title);
		snprintf(tabs[i], sizeof tabs[i], " %d %s ", i + 1, title);
		widths[i] = text_width(tabs[i]);
		total += widths[i];
	}
	int share = (width - (PANE_COUNT - 1)) / PANE_COUNT;
	draw_fill(stdscr, y, 0, width, THEME_NORMAL);
	for (int i = 0; i < PANE_COUNT && x < width; i++) {
		int tab_width = widths[i];
		if (total > width && tab_width > share)
			tab_width = share;
		if (tab_width > width - x)
			tab_width = width - x;
		draw_text(stdscr, y, x, tab_width, tabs[i],
			  (int)app->focus == i ? THEME_SELECTED : THEME_HEADER, cs);
		app->pane_labels[i] = (struct area){ y, x, 1, tab_width };
		x += tab_width + 1;
	}
}

/* Draw a view under its title line; number > 0 puts the pane's key before the title. */
static void draw_pane(struct app *app, struct view *v, const struct area *area, bool focused,
		      int number)
{
	struct area inside = *area;
	char title[192], text[176];

	v->ops->title(v, text, sizeof text);
	if (number > 0)
		snprintf(title, sizeof title, " %d %s", number, text);
	else
		snprintf(title, sizeof title, "%s", text);
	draw_text(stdscr, area->y, area->x, area->width, title,
		  focused ? THEME_SELECTED : THEME_HEADER, app->screen.charset);
	if (number > 0)
		app->pane_labels[number - 1] = (struct area){ area->y, area->x, 1, area->width };
	inside.y++;
	inside.height--;
	if (inside.height > 0)
		v->ops->draw(v, stdscr, &inside, focused);
}

/* Whether the focused pane is one of the two lists, which share the body on a wide screen. */
static bool lists_focused(const struct app *app)
{
	return app->focus == PANE_PENDING || app->focus == PANE_GRANTS;
}

/* Take the metrics strip's rows off the bottom of a tall body of lists, and draw it there. */
static void draw_strip(struct app *app, struct area *body)
{
	int height = metrics_strip_height(body->height);
	struct area strip = *body;

	if (height == 0 || !app->metrics_strip)
		return;
	body->height -= height;
	strip.y = body->y + body->height;
	strip.height = height;
	app->metrics_strip->ops->draw(app->metrics_strip, stdscr, &strip, false);
}

/* The two lists side by side, each under its title, with a rule between them. */
static void draw_side_by_side(struct app *app, const struct area *body)
{
	struct area left = *body, right = *body;

	left.width = body->width / 2;
	right.x = left.width + 1;
	right.width = body->width - left.width - 1;
	for (int y = body->y; y < body->y + body->height; y++)
		draw_text(stdscr, y, left.width, 1, app->screen.charset == TEXT_UTF8 ? "\u2502" : "|",
			  THEME_BORDER, app->screen.charset);
	draw_pane(app, app->panes[PANE_PENDING], &left, app->focus == PANE_PENDING, 1);
	draw_pane(app, app->panes[PANE_GRANTS], &right, app->focus == PANE_GRANTS, 2);
}

/*
 * Draw the panes (or the top overlay) into the body; returns the focused view.
 * On a wide screen the lists share the body and the other panes take it whole;
 * on a narrow one, tabs name every pane.
 */
static struct view *draw_body(struct app *app, const struct area *whole)
{
	struct area body = *whole;

	memset(app->pane_labels, 0, sizeof app->pane_labels);
	if (app->overlay_count > 0) {
		struct view *top = app->overlays[app->overlay_count - 1];
		draw_pane(app, top, &body, true, 0);
		return top;
	}
	if (lists_focused(app))
		draw_strip(app, &body);
	if (body.width >= SIDE_BY_SIDE_COLUMNS && lists_focused(app)) {
		draw_side_by_side(app, &body);
		return app->panes[app->focus];
	}
	draw_tabs(app, body.y, body.width);
	body.y++;
	body.height--;
	if (body.height > 0)
		app->panes[app->focus]->ops->draw(app->panes[app->focus], stdscr, &body, true);
	return app->panes[app->focus];
}

/* The status line: the last message on the left; connection, counts and queue on the right. */
static void draw_status(struct app *app, int y, int width)
{
	struct strbuf right = STRBUF_INIT;
	char title[128];

	for (int i = PANE_PENDING; i <= PANE_GRANTS; i++) {
		app->panes[i]->ops->title(app->panes[i], title, sizeof title);
		strbuf_printf(&right, "%s  ", title);
	}
	strbuf_puts(&right, "3 metrics  4 policy  ? help");
	status_draw(stdscr, y, width, &app->status, strbuf_str(&right), app->screen.charset);
	strbuf_free(&right);
}

/* Show the terminal cursor where text is being typed, hide it otherwise. */
static void place_cursor(struct app *app, struct view *focused, bool dialog_cursor)
{
	int y, x;

	if (dialog_cursor) {
		curs_set(1);
		return;
	}
	if (focused->ops->cursor && focused->ops->cursor(focused, &y, &x)) {
		move(y, x);
		curs_set(1);
		return;
	}
	curs_set(0);
}

void app_draw(struct app *app)
{
	int rows = app->screen.rows, cols = app->screen.cols;
	char banner[600];
	struct area body = { 1, 0, rows - 2, cols };

	app->dirty = false;
	if (screen_too_small(&app->screen)) {
		curs_set(0);
		screen_draw_too_small(&app->screen);
		refresh();
		return;
	}
	erase();
	app->seconds_shown = false; /* the views set it again while they draw */
	draw_title(app, cols);
	if (format_banner(app, banner, sizeof banner)) {
		draw_text(stdscr, 1, 0, cols, banner, THEME_BANNER_OFFLINE, app->screen.charset);
		body.y++;
		body.height--;
	}
	struct view *focused = draw_body(app, &body);
	draw_status(app, rows - 1, cols);
	bool dialog_cursor = app->dialog_open && dialog_draw(&app->dialog, &app->screen);
	place_cursor(app, focused, dialog_cursor);
	refresh();
}
