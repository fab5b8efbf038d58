/*
 * The metrics pane: one sparkline per series of GET /v1/metrics over a window of
 * 24 hours, 7 days or 30 days, with the last step's value, the range and the
 * trend. It is the third pane; the next-window and previous-window keys (w and
 * W by default) change the window.
 */

#include <stdio.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "views/metrics.h"

#define DAY 86400
#define LABEL_WIDTH 24
/* The lines above the series: where the figures come from, and the column headings. */
#define HEADER_ROWS 2

static const struct {
	const char *name;
	int64_t seconds;
} windows[] = {
	{ "24 hours", DAY },
	{ "7 days", 7 * DAY },
	{ "30 days", 30 * DAY },
};
#define WINDOW_COUNT (sizeof windows / sizeof windows[0])

struct metrics_view {
	struct view base;
	size_t window;              /* index into windows */
	struct metrics_shown shown;
	int64_t loaded_at;
	size_t top;                 /* the first series shown when the area is short */
	int rows;                   /* series rows at the last draw */
	metrics_want_figures want;
};

static struct metrics_view *metrics_of(struct view *v)
{
	return (struct metrics_view *)v;
}

static void metrics_reload(struct view *v, size_t limit)
{
	struct metrics_view *m = metrics_of(v);

	(void)limit;
	m->loaded_at = time_now();
	metrics_shown_load(&m->shown, v->app, windows[m->window].seconds, m->loaded_at, m->want);
}

static void metrics_title(struct view *v, char *out, size_t size)
{
	char keys[KEYMAP_KEYS_SIZE];

	keymap_describe(ACTION_NEXT_WINDOW, KEY_CONTEXT_METRICS, keys, sizeof keys);
	if (keys[0])
		snprintf(out, size, "Metrics, last %s (%s: window)", windows[metrics_of(v)->window].name,
			 keys);
	else
		snprintf(out, size, "Metrics, last %s", windows[metrics_of(v)->window].name);
}

/* The first line: where the figures come from, in a warning colour when not the broker's. */
static void draw_source(struct metrics_view *m, WINDOW *w, const struct area *area)
{
	enum text_charset cs = m->base.app->screen.charset;
	char line[320], stamp[RFC3339_LEN];

	if (!m->shown.have || m->shown.computed) {
		draw_text(w, area->y, area->x, area->width, m->shown.note, THEME_STATUS_WARNING, cs);
		return;
	}
	time_format_rfc3339(m->shown.figures.as_of, stamp);
	snprintf(line, sizeof line, "from the broker, as of %s (UTC); windows: 24 hours, 7 days, 30 days",
		 stamp);
	draw_text(w, area->y, area->x, area->width, line, THEME_DIM, cs);
}

static void metrics_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct metrics_view *m = metrics_of(v);
	enum text_charset cs = v->app->screen.charset;
	int label_width = area->width < 60 ? area->width / 3 : LABEL_WIDTH;

	(void)focused;
	if (metrics_shown_due(&m->shown, v->app, m->loaded_at, time_now()))
		metrics_reload(v, 0);
	for (int y = area->y; y < area->y + area->height; y++)
		draw_fill(w, y, area->x, area->width, THEME_NORMAL);
	draw_source(m, w, area);
	if (!m->shown.have || area->height < HEADER_ROWS + 1)
		return;
	metrics_draw_heading(w, area->y + 1, area->x, area->width, label_width, m->shown.figures.step, cs);
	m->rows = area->height - HEADER_ROWS;
	if (m->top + (size_t)m->rows > METRICS_SERIES_COUNT)
		m->top = METRICS_SERIES_COUNT > (size_t)m->rows ? METRICS_SERIES_COUNT - (size_t)m->rows : 0;
	for (int row = 0; row < m->rows && m->top + (size_t)row < METRICS_SERIES_COUNT; row++)
		metrics_draw_series(w, area->y + HEADER_ROWS + row, area->x, area->width, label_width,
				    &m->shown.figures, (enum metrics_series)(m->top + (size_t)row), cs);
}

static void change_window(struct metrics_view *m, size_t window)
{
	m->window = window;
	m->top = 0;
	metrics_reload(&m->base, 0);
	m->base.app->dirty = true;
}

static bool metrics_handle_action(struct view *v, enum action action)
{
	struct metrics_view *m = metrics_of(v);
	size_t last_top = METRICS_SERIES_COUNT > (size_t)m->rows && m->rows > 0
				  ? METRICS_SERIES_COUNT - (size_t)m->rows : 0;

	switch (action) {
	case ACTION_NEXT_WINDOW:
		change_window(m, (m->window + 1) % WINDOW_COUNT);
		return true;
	case ACTION_PREVIOUS_WINDOW:
		change_window(m, (m->window + WINDOW_COUNT - 1) % WINDOW_COUNT);
		return true;
	case ACTION_UP:
		if (m->top > 0)
			m->top--;
		return true;
	case ACTION_DOWN:
		if (m->top < last_top)
			m->top++;
		return true;
	case ACTION_HOME:
		m->top = 0;
		return true;
	case ACTION_END:
		m->top = last_top;
		return true;
	default:
		return false;
	}
}

static void metrics_destroy(struct view *v)
{
	metrics_shown_free(&metrics_of(v)->shown);
	free(v);
}

static const struct view_ops metrics_ops = {
	.name = "metrics",
	.context = KEY_CONTEXT_METRICS,
	.reload = metrics_reload,
	.title = metrics_title,
	.draw = metrics_draw,
	.handle_action = metrics_handle_action,
	.destroy = metrics_destroy,
};

struct view *metrics_view_new(struct app *app, metrics_want_figures want)
{
	struct metrics_view *m = xcalloc(1, sizeof *m);

	m->base.ops = &metrics_ops;
	m->base.app = app;
	m->want = want;
	return &m->base;
}
