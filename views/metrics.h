#ifndef GATEHOUSE_VIEWS_METRICS_H
#define GATEHOUSE_VIEWS_METRICS_H

/*
 * The metrics pane, and the strip of its key sparklines that sits under the
 * lists on a tall terminal. Both show the broker's figures while the console is
 * online and they are fresh, and otherwise compute the same series from the cache
 * (cache/metrics.h) and say so.
 */

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache/metrics.h"
#include "tui/text.h"
#include "views/view.h"

/*
 * Asks the application to fetch the broker's figures for a window (seconds
 * ending now), for example with metrics_client_fetch(). The views call it when
 * they are online and hold no figures of the broker younger than
 * METRICS_REFRESH_SECONDS; it may ignore calls while a fetch is in flight.
 */
typedef void (*metrics_want_figures)(struct app *app, int64_t window_seconds);

/* A view loads its figures again on a draw this long after its last load, in seconds. */
#define METRICS_RELOAD_SECONDS 15
/* The broker's figures are fetched again when older than this, in seconds. */
#define METRICS_REFRESH_SECONDS 60
/* and shown only while younger than this; after that, the cache's are computed. */
#define METRICS_STALE_SECONDS 600

/* The pane. want may be NULL: the pane then shows figures computed from the cache. */
struct view *metrics_view_new(struct app *app, metrics_want_figures want);

/*
 * The strip: mean time to access, pending requests and denials over the last 24
 * hours, a rule with its title and then one line each, metrics_strip_height() rows.
 */
struct view *metrics_strip_new(struct app *app, metrics_want_figures want);
/* The rows the strip takes under the lists of a body of body_rows rows, 0 when too short. */
int metrics_strip_height(int body_rows);

/* ---- Shared by the pane and the strip (views/metrics_figures.c) ---- */

/* The figures of one window as a view shows them. */
struct metrics_shown {
	int64_t window_seconds;
	struct metrics_figures figures;
	bool have;              /* false when neither source had figures */
	bool computed;          /* computed from the cache, not the broker's */
	int64_t fetched_at;     /* when the broker's arrived, 0 when computed */
	bool loaded_online;     /* whether the console was online when they were loaded */
	char note[160];         /* why they were computed, for the pane to say */
};

/*
 * Load the figures for the window ending now: the broker's when the console is
 * online and they are not stale, else computed from the cache. Calls want for a
 * fetch when online and the broker's are missing or due for a refresh.
 */
void metrics_shown_load(struct metrics_shown *shown, struct app *app, int64_t window_seconds,
			int64_t now, metrics_want_figures want);
void metrics_shown_free(struct metrics_shown *shown);
/* Whether figures loaded at loaded_at are due for a reload: old, or the connection changed. */
bool metrics_shown_due(const struct metrics_shown *shown, const struct app *app, int64_t loaded_at,
		       int64_t now);

/* Write a series value for a column: a count, or a duration ("3h05m"); "-" for none. */
void metrics_format_value(enum metrics_series series, double value, char *out, size_t size);

/*
 * Write how the second half of a series compares with the first, by their means:
 * "↑ 12%", "↓ 40%" or "→" within 5% (ASCII: "+12%", "-40%", "="), "↑ new" when the
 * first half is 0. Empty when a half has no value.
 */
void metrics_format_trend(const double *values, size_t count, enum text_charset charset,
			  char *out, size_t size);

/* Draw the column headings of metrics_draw_series lines of the same width; step in seconds. */
void metrics_draw_heading(WINDOW *w, int y, int x, int width, int label_width, int64_t step,
			  enum text_charset charset);

/*
 * Draw one series in a row of width columns at (y, x): its label in label_width
 * columns, its sparkline, the last step's value, and, where they fit, the range and
 * the trend.
 */
void metrics_draw_series(WINDOW *w, int y, int x, int width, int label_width,
			 const struct metrics_figures *f, enum metrics_series series,
			 enum text_charset charset);

#endif
