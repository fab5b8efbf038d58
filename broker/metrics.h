#ifndef GATEHOUSE_BROKER_METRICS_H
#define GATEHOUSE_BROKER_METRICS_H

/*
 * The series of GET /v1/metrics, computed from the store's hourly rollups. A
 * window is a whole number of steps, each a whole number of hours, starting on an
 * hour. docs/API.md defines what each series counts.
 */

#include <stddef.h>
#include <stdint.h>

#include "broker/store.h"

#define BROKER_METRICS_HOUR 3600
/* The most points a window may have. */
#define BROKER_METRICS_POINTS_MAX 2000

/* The series, in the order the response lists them. */
enum broker_metric {
	BROKER_METRIC_CREATED,
	BROKER_METRIC_ALLOWED,
	BROKER_METRIC_APPROVED,
	BROKER_METRIC_DENIED,
	BROKER_METRIC_EXPIRED,
	BROKER_METRIC_CANCELED,
	BROKER_METRIC_ACCESS_MEAN,
	BROKER_METRIC_ACCESS_MEDIAN,
	BROKER_METRIC_ACCESS_P90,
	BROKER_METRIC_PENDING,
	BROKER_METRIC_ACTIVE_JIT,
	BROKER_METRIC_STANDING,
	BROKER_METRIC_REVOCATIONS,
	BROKER_METRIC_HOLDERS,
	BROKER_METRIC_COUNT
};

/* A value for a step that has none: the time to access of a step without approvals. */
#define BROKER_METRIC_NONE INT64_MIN

struct broker_metrics_window {
	int64_t from;       /* the first step's start, on an hour */
	int64_t step;       /* seconds, a multiple of BROKER_METRICS_HOUR */
	size_t points;
	int64_t now;        /* gauges of a step that ends after now take the live counts */
};

struct broker_metrics {
	struct broker_metrics_window window;
	int64_t *values[BROKER_METRIC_COUNT];   /* window.points values each */
};

/* The series' name in the response ("requests_created"). */
const char *broker_metric_name(enum broker_metric metric);

/* The hours that the window's steps cover, as store_read_metrics takes them. */
void broker_metrics_hours(const struct broker_metrics_window *w, int64_t *from_hour,
			  int64_t *to_hour);

/* Compute every series of window w from rollup r (read for broker_metrics_hours(w)). */
void broker_metrics_compute(const struct broker_metrics_window *w, const struct metrics_rollup *r,
			    struct broker_metrics *out);
void broker_metrics_free(struct broker_metrics *m);

/*
 * The time to access that the histogram bin starting at lower stands for: its
 * middle, rounded up. Bins below STORE_METRICS_EXACT_BELOW are one second wide.
 */
int64_t broker_metrics_bin_value(int64_t lower);

#endif
