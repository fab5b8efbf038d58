/*
 * The strip under the lists on a tall terminal: the last 24 hours of the mean time
 * to access, the pending requests and the denials, one sparkline each.
 */

#include <stdio.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "views/metrics.h"

#define DAY 86400
#define LABEL_WIDTH 24
/* From this many body rows the lists keep at least 30 rows beside the strip. */
#define STRIP_MIN_BODY_ROWS 34

static const enum metrics_series strip_series[] = {
	METRICS_ACCESS_MEAN,
	METRICS_PENDING,
	METRICS_DENIED,
};
#define STRIP_SERIES (sizeof strip_series / sizeof strip_series[0])

struct metrics_strip {
	struct view base;
	struct metrics_shown shown;
	int64_t loaded_at;
	metrics_want_figures want;
};

static struct metrics_strip *strip_of(struct view *v)
{
	return (struct metrics_strip *)v;
}

int metrics_strip_height(int body_rows)
{
	return body_rows >= STRIP_MIN_BODY_ROWS ? 1 + (int)STRIP_SERIES : 0;
}

static void strip_reload(struct view *v, size_t limit)
{
	struct metrics_strip *s = strip_of(v);

	(void)limit;
	s->loaded_at = time_now();
	metrics_shown_load(&s->shown, v->app, DAY, s->loaded_at, s->want);
}

static void strip_title(struct view *v, char *out, size_t size)
{
	struct metrics_strip *s = strip_of(v);

	snprintf(out, size, "Metrics, last 24 hours%s",
		 s->shown.computed ? " (computed from the cache)" : "");
}

/* A rule with the title, then one line per series. */
static void strip_draw(struct view *v, WINDOW *w, const struct area *area, bool focused)
{
	struct metrics_strip *s = strip_of(v);
	enum text_charset cs = v->app->screen.charset;
	char text[128], title[160];
	int label_width = area->width < 60 ? area->width / 3 : LABEL_WIDTH;

	(void)focused;
	if (metrics_shown_due(&s->shown, v->app, s->loaded_at, time_now()))
		strip_reload(v, 0);
	strip_title(v, text, sizeof text);
	snprintf(title, sizeof title, " %s ", text);
	int title_width = text_width(title) < area->width - 1 ? text_width(title) : area->width - 1;
	draw_hline(w, area->y, area->x, area->width, THEME_BORDER, cs);
	draw_text(w, area->y, area->x + 1, title_width, title,
		  s->shown.computed ? THEME_STATUS_WARNING : THEME_HEADER, cs);
	for (size_t i = 0; i < STRIP_SERIES && (int)i + 1 < area->height; i++) {
		int y = area->y + 1 + (int)i;
		draw_fill(w, y, area->x, area->width, THEME_NORMAL);
		if (s->shown.have)
			metrics_draw_series(w, y, area->x, area->width, label_width, &s->shown.figures,
					    strip_series[i], cs);
	}
}

static void strip_destroy(struct view *v)
{
	metrics_shown_free(&strip_of(v)->shown);
	free(v);
}

static const struct view_ops strip_ops = {
	.name = "metrics-strip",
	.context = KEY_CONTEXT_GLOBAL,
	.reload = strip_reload,
	.title = strip_title,
	.draw = strip_draw,
	.destroy = strip_destroy,
};

struct view *metrics_strip_new(struct app *app, metrics_want_figures want)
{
	struct metrics_strip *s = xcalloc(1, sizeof *s);

	s->base.ops = &strip_ops;
	s->base.app = app;
	s->want = want;
	return &s->base;
}
