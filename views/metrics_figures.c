/*
 * What the metrics pane and the strip share: where the figures come from, how a
 * value and a trend read, and how one series is drawn on a line.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "console/app.h"
#include "tui/draw.h"
#include "tui/sparkline.h"
#include "views/metrics.h"

/* A change of the mean within this share of the first half's reads as flat. */
#define TREND_FLAT_PERCENT 5

void metrics_shown_free(struct metrics_shown *shown)
{
	metrics_figures_free(&shown->figures);
	shown->have = false;
	shown->computed = false;
	shown->fetched_at = 0;
	shown->note[0] = '\0';
}

bool metrics_shown_due(const struct metrics_shown *shown, const struct app *app, int64_t loaded_at,
		       int64_t now)
{
	return now - loaded_at >= METRICS_RELOAD_SECONDS ||
	       shown->loaded_online != (app->connection == SYNC_ONLINE);
}

/* Whether to ask for the broker's figures: none, or due for a refresh, and no recent failure. */
static bool fetch_due(struct app *app, int64_t window_seconds, int64_t now, bool kept,
		      int64_t fetched_at, char *failure, size_t size)
{
	char *message = NULL;
	int64_t failed_at = 0;
	bool failed_lately = false;

	if (cache_metrics_last_failure(app->cache, window_seconds, &message, &failed_at) == CACHE_FOUND) {
		failed_lately = now - failed_at < METRICS_REFRESH_SECONDS && failed_at >= fetched_at;
		if (failed_at >= fetched_at)
			snprintf(failure, size, "%s", message);
	}
	free(message);
	return !failed_lately && (!kept || now - fetched_at >= METRICS_REFRESH_SECONDS);
}

static void compute_from_cache(struct metrics_shown *shown, struct app *app, int64_t now,
			       bool online, const char *failure)
{
	int64_t from, step;
	size_t points;

	metrics_window_ending(shown->window_seconds, now, &from, &step, &points);
	shown->have = cache_metrics_compute(app->cache, from, step, points, now, &shown->figures);
	shown->computed = true;
	if (!shown->have)
		snprintf(shown->note, sizeof shown->note, "reading the cache failed: %s",
			 cache_last_error(app->cache));
	else if (!online)
		snprintf(shown->note, sizeof shown->note,
			 "offline: computed from the cache, which holds only what this console has seen");
	else if (failure[0])
		snprintf(shown->note, sizeof shown->note, "computed from the cache, because %s", failure);
	else
		snprintf(shown->note, sizeof shown->note,
			 "computed from the cache until the broker's figures arrive");
}

void metrics_shown_load(struct metrics_shown *shown, struct app *app, int64_t window_seconds,
			int64_t now, metrics_want_figures want)
{
	struct metrics_figures broker;
	char failure[128] = "";
	int64_t fetched_at = 0;
	bool online = app->connection == SYNC_ONLINE;
	bool kept = cache_metrics_load(app->cache, window_seconds, &broker, &fetched_at) == CACHE_FOUND;

	metrics_shown_free(shown);
	shown->window_seconds = window_seconds;
	shown->loaded_online = online;
	if (online && fetch_due(app, window_seconds, now, kept, fetched_at, failure, sizeof failure) &&
	    want)
		want(app, window_seconds);
	if (online && kept && now - fetched_at < METRICS_STALE_SECONDS) {
		shown->figures = broker;
		shown->have = true;
		shown->fetched_at = fetched_at;
		return;
	}
	if (kept)
		metrics_figures_free(&broker);
	compute_from_cache(shown, app, now, online, failure);
}

void metrics_format_value(enum metrics_series series, double value, char *out, size_t size)
{
	if (isnan(value))
		snprintf(out, size, "-");
	else if (metrics_series_kind(series) == METRICS_KIND_SECONDS)
		duration_format((int64_t)value, out, size);
	else
		snprintf(out, size, "%.0f", value);
}

/* The mean of the values in [first, end) that have one; false when none has. */
static bool mean_of(const double *values, size_t first, size_t end, double *mean)
{
	double sum = 0;
	size_t present = 0;

	for (size_t i = first; i < end; i++) {
		if (!isnan(values[i])) {
			sum += values[i];
			present++;
		}
	}
	if (present)
		*mean = sum / (double)present;
	return present > 0;
}

void metrics_format_trend(const double *values, size_t count, enum text_charset charset,
			  char *out, size_t size)
{
	bool utf8 = charset == TEXT_UTF8;
	double first, second;

	out[0] = '\0';
	if (count < 2 || !mean_of(values, 0, count / 2, &first) ||
	    !mean_of(values, count / 2, count, &second))
		return;
	if (first == 0 && second > 0) {
		snprintf(out, size, "%s", utf8 ? "\u2191 new" : "+new");
		return;
	}
	if (first == 0) {
		snprintf(out, size, "%s", utf8 ? "\u2192" : "=");
		return;
	}
	double percent = (second - first) / fabs(first) * 100;
	if (fabs(percent) < TREND_FLAT_PERCENT)
		snprintf(out, size, "%s", utf8 ? "\u2192" : "=");
	else if (utf8)
		snprintf(out, size, "%s %.0f%%", percent > 0 ? "\u2191" : "\u2193", fabs(percent));
	else
		snprintf(out, size, "%+.0f%%", percent);
}

/* The range of a series' values: "0–12" (ASCII "0..12"), "-" when none has one. */
static void format_range(enum metrics_series series, const double *values, size_t count,
			 enum text_charset charset, char *out, size_t size)
{
	char low_text[24], high_text[24];
	double low = NAN, high = NAN;

	for (size_t i = 0; i < count; i++) {
		if (isnan(values[i]))
			continue;
		if (isnan(low) || values[i] < low)
			low = values[i];
		if (isnan(high) || values[i] > high)
			high = values[i];
	}
	if (isnan(low)) {
		snprintf(out, size, "-");
		return;
	}
	metrics_format_value(series, low, low_text, sizeof low_text);
	metrics_format_value(series, high, high_text, sizeof high_text);
	snprintf(out, size, "%s%s%s", low_text, charset == TEXT_UTF8 ? "\u2013" : "..", high_text);
}

static enum theme_role series_role(enum metrics_series series)
{
	switch (series) {
	case METRICS_DENIED: return THEME_DENIED;
	case METRICS_PENDING: return THEME_PENDING;
	case METRICS_STANDING: return THEME_STANDING;
	case METRICS_REVOCATIONS: return THEME_REVOKED;
	case METRICS_ALLOWED:
	case METRICS_APPROVED: return THEME_APPROVED;
	default: return THEME_NORMAL;
	}
}

/* Column widths of a series line; a column that does not fit is 0. */
struct series_layout {
	int spark;
	int value;
	int range;
	int trend;
};

/* The sparkline gets what the other columns leave, and they give way below these widths. */
#define SPARK_MIN 8
#define VALUE_WIDTH 8
#define RANGE_WIDTH 16
#define TREND_WIDTH 8

static struct series_layout lay_out(int width, int label_width)
{
	struct series_layout l = { 0, VALUE_WIDTH, RANGE_WIDTH, TREND_WIDTH };
	int rest = width - label_width - 1;

	if (rest - (l.value + 1) - (l.range + 1) - (l.trend + 1) < SPARK_MIN)
		l.range = 0;
	if (rest - (l.value + 1) - (l.trend + 1) < SPARK_MIN)
		l.trend = 0;
	l.spark = rest - (l.value + 1) - (l.range ? l.range + 1 : 0) - (l.trend ? l.trend + 1 : 0);
	if (l.spark < 1) {
		l.spark = rest;
		l.value = 0;
	}
	return l;
}

void metrics_draw_heading(WINDOW *w, int y, int x, int width, int label_width, int64_t step,
			  enum text_charset charset)
{
	struct series_layout l = lay_out(width, label_width);
	char step_text[24], spark_heading[64];

	draw_fill(w, y, x, width, THEME_HEADER);
	draw_text(w, y, x, label_width, "SERIES", THEME_HEADER, charset);
	x += label_width + 1;
	if (step % 3600 == 0)
		snprintf(step_text, sizeof step_text, "%lldh", (long long)(step / 3600));
	else
		duration_format(step, step_text, sizeof step_text);
	snprintf(spark_heading, sizeof spark_heading, "STEPS OF %s, OLDEST FIRST", step_text);
	if (l.spark > 0) {
		draw_text(w, y, x, l.spark, spark_heading, THEME_HEADER, charset);
		x += l.spark + 1;
	}
	if (l.value) {
		draw_text_right(w, y, x, l.value, "LAST", THEME_HEADER, charset);
		x += l.value + 1;
	}
	if (l.range) {
		draw_text(w, y, x, l.range, "RANGE", THEME_HEADER, charset);
		x += l.range + 1;
	}
	if (l.trend)
		draw_text(w, y, x, l.trend, "TREND", THEME_HEADER, charset);
}

void metrics_draw_series(WINDOW *w, int y, int x, int width, int label_width,
			 const struct metrics_figures *f, enum metrics_series series,
			 enum text_charset charset)
{
	struct series_layout l = lay_out(width, label_width);
	const double *values = f->values[series];
	struct strbuf spark = STRBUF_INIT;
	char text[64];

	draw_text(w, y, x, label_width, metrics_series_label(series), THEME_NORMAL, charset);
	x += label_width + 1;
	if (l.spark > 0) {
		sparkline_render(values, f->points, l.spark, charset, &spark);
		draw_sanitized(w, y, x, l.spark, strbuf_str(&spark), series_role(series), charset);
		x += l.spark + 1;
	}
	strbuf_free(&spark);
	if (l.value) {
		metrics_format_value(series, f->points ? values[f->points - 1] : NAN, text, sizeof text);
		draw_text_right(w, y, x, l.value, text, THEME_NORMAL, charset);
		x += l.value + 1;
	}
	if (l.range) {
		format_range(series, values, f->points, charset, text, sizeof text);
		draw_text(w, y, x, l.range, text, THEME_DIM, charset);
		x += l.range + 1;
	}
	if (l.trend) {
		metrics_format_trend(values, f->points, charset, text, sizeof text);
		draw_text(w, y, x, l.trend, text, THEME_NORMAL, charset);
	}
}
