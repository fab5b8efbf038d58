#ifndef GATEHOUSE_CACHE_METRICS_H
#define GATEHOUSE_CACHE_METRICS_H

/*
 * The figures of the console's metrics pane: the series of GET /v1/metrics
 * (docs/API.md defines them), either as the broker sent them, which
 * client/metrics.c stores in the cache's meta table, or computed here from the
 * cached requests and grants while the broker is out of reach. The cache holds
 * the pending requests, the active grants and whatever the change feed brought
 * since, so figures computed from it count only what this console has seen.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

/* The series, in the order of the API's response. */
enum metrics_series {
	METRICS_CREATED,
	METRICS_ALLOWED,
	METRICS_APPROVED,
	METRICS_DENIED,
	METRICS_EXPIRED,
	METRICS_CANCELED,
	METRICS_ACCESS_MEAN,
	METRICS_ACCESS_MEDIAN,
	METRICS_ACCESS_P90,
	METRICS_PENDING,
	METRICS_ACTIVE_JIT,
	METRICS_STANDING,
	METRICS_REVOCATIONS,
	METRICS_HOLDERS,
	METRICS_SERIES_COUNT
};

/* The kind of a series' values: counts within a step, values at its end, or durations. */
enum metrics_kind {
	METRICS_KIND_COUNT,
	METRICS_KIND_POINT,
	METRICS_KIND_SECONDS,
};

/* A window of figures: points steps of step seconds from from. */
struct metrics_figures {
	int64_t from;
	int64_t step;
	size_t points;
	int64_t as_of;             /* when they were read or computed */
	double *values[METRICS_SERIES_COUNT];   /* points values each; NAN for none */
};

/* The maximum number of points in a stored or computed window. */
#define METRICS_POINTS_MAX 2000

/* The series' name in the API's response ("requests_created"). */
const char *metrics_series_key(enum metrics_series series);
/* A short label for the pane ("Requests created"). */
const char *metrics_series_label(enum metrics_series series);
enum metrics_kind metrics_series_kind(enum metrics_series series);

/*
 * The step the pane uses for a window of window_seconds: an hour up to a week,
 * then six hours, which keeps a 30-day window at 120 points.
 */
int64_t metrics_step_for_window(int64_t window_seconds);

/*
 * Fill out with the window of window_seconds that ends at now, its start moved back
 * to the hour as the broker does: points steps of metrics_step_for_window().
 */
void metrics_window_ending(int64_t window_seconds, int64_t now, int64_t *from, int64_t *step,
			   size_t *points);

/*
 * Compute the figures of points steps of step seconds from from out of the cached
 * requests and grants, by the API's definitions. Steps that end after now take the
 * values at now. Percentiles are exact here. A cached request still pending counts
 * as pending until its expires_at, when the broker would expire it, so that figures
 * computed offline do not keep lapsed requests. False on a cache error.
 */
bool cache_metrics_compute(struct cache *cache, int64_t from, int64_t step, size_t points,
			   int64_t now, struct metrics_figures *out);

/*
 * Decode the body of a GET /v1/metrics response. Unknown series are ignored; a
 * missing one, a wrong length or a value that is not a whole number or null is an
 * error named in err.
 */
bool metrics_figures_from_json(const json_t *body, struct metrics_figures *out, char *err,
			       size_t errlen);

/*
 * Keep the broker's response for the pane's window of window_seconds, with when it
 * arrived and the broker_id it came from, in the meta table.
 */
bool cache_metrics_store(struct cache *cache, int64_t window_seconds, const char *json,
			 int64_t fetched_at);
/*
 * Load what cache_metrics_store kept for window_seconds into out, with
 * *fetched_at. CACHE_NOT_FOUND when nothing was kept, or it came from another
 * broker than the cache's, or it no longer decodes.
 */
enum cache_result cache_metrics_load(struct cache *cache, int64_t window_seconds,
				     struct metrics_figures *out, int64_t *fetched_at);

/*
 * Record that fetching window_seconds failed at time at with message. The pane
 * then shows why it computes its own figures and waits before it fetches again.
 * cache_metrics_store clears it.
 */
bool cache_metrics_note_failure(struct cache *cache, int64_t window_seconds, const char *message,
				int64_t at);
/* The failure noted for window_seconds: *message (the caller frees it) and *at. */
enum cache_result cache_metrics_last_failure(struct cache *cache, int64_t window_seconds,
					     char **message, int64_t *at);

void metrics_figures_free(struct metrics_figures *f);

#endif
