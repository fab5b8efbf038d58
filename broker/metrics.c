/* The series of GET /v1/metrics, from the hourly rollups of the store. */

#include "broker/metrics.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char *const metric_names[BROKER_METRIC_COUNT] = {
	[BROKER_METRIC_CREATED] = "requests_created",
	[BROKER_METRIC_ALLOWED] = "allowed_by_policy",
	[BROKER_METRIC_APPROVED] = "approved_by_people",
	[BROKER_METRIC_DENIED] = "denied",
	[BROKER_METRIC_EXPIRED] = "expired",
	[BROKER_METRIC_CANCELED] = "canceled",
	[BROKER_METRIC_ACCESS_MEAN] = "time_to_access_mean_seconds",
	[BROKER_METRIC_ACCESS_MEDIAN] = "time_to_access_median_seconds",
	[BROKER_METRIC_ACCESS_P90] = "time_to_access_p90_seconds",
	[BROKER_METRIC_PENDING] = "pending_requests",
	[BROKER_METRIC_ACTIVE_JIT] = "active_jit_grants",
	[BROKER_METRIC_STANDING] = "standing_grants",
	[BROKER_METRIC_REVOCATIONS] = "revocations",
	[BROKER_METRIC_HOLDERS] = "principals_with_access",
};

const char *broker_metric_name(enum broker_metric metric)
{
	return metric >= 0 && metric < BROKER_METRIC_COUNT ? metric_names[metric] : "";
}

void broker_metrics_hours(const struct broker_metrics_window *w, int64_t *from_hour,
			  int64_t *to_hour)
{
	*from_hour = w->from / BROKER_METRICS_HOUR;
	*to_hour = *from_hour + (int64_t)w->points * (w->step / BROKER_METRICS_HOUR);
}

int64_t broker_metrics_bin_value(int64_t lower)
{
	int64_t width = 1;

	if (lower >= STORE_METRICS_EXACT_BELOW) {
		int bits = 63 - __builtin_clzll((unsigned long long)lower);
		width = INT64_C(1) << (bits - 4);
	}
	return lower + width / 2;
}

static void add_hour(struct metrics_hour *to, const struct metrics_hour *h)
{
	to->created += h->created;
	to->allowed += h->allowed;
	to->approved += h->approved;
	to->denied += h->denied;
	to->expired += h->expired;
	to->canceled += h->canceled;
	to->access_seconds += h->access_seconds;
	to->revoked += h->revoked;
	to->jit_change += h->jit_change;
	to->standing_change += h->standing_change;
	to->holders_change += h->holders_change;
}

/* Requests made less requests decided: what the hours add to the pending count. */
static int64_t pending_change(const struct metrics_hour *h)
{
	return h->created - h->allowed - h->approved - h->denied - h->expired - h->canceled;
}

/* The step that an hour of the window belongs to. */
static size_t step_of_hour(const struct broker_metrics_window *w, int64_t hour)
{
	return (size_t)((hour - w->from / BROKER_METRICS_HOUR) / (w->step / BROKER_METRICS_HOUR));
}

static void set_counts(struct broker_metrics *out, size_t i, const struct metrics_hour *sum)
{
	int64_t approvals = sum->allowed + sum->approved;

	out->values[BROKER_METRIC_CREATED][i] = sum->created;
	out->values[BROKER_METRIC_ALLOWED][i] = sum->allowed;
	out->values[BROKER_METRIC_APPROVED][i] = sum->approved;
	out->values[BROKER_METRIC_DENIED][i] = sum->denied;
	out->values[BROKER_METRIC_EXPIRED][i] = sum->expired;
	out->values[BROKER_METRIC_CANCELED][i] = sum->canceled;
	out->values[BROKER_METRIC_REVOCATIONS][i] = sum->revoked;
	/* The mean rounded to the nearest second, halves up. */
	out->values[BROKER_METRIC_ACCESS_MEAN][i] =
		approvals ? (2 * sum->access_seconds + approvals) / (2 * approvals) : BROKER_METRIC_NONE;
}

/*
 * Set the gauges of each step: the counts before the window plus every change up
 * to the step's end, or the live counts when the step ends after now.
 */
static void set_gauges(const struct broker_metrics_window *w, const struct metrics_rollup *r,
		       const struct metrics_hour *steps, struct broker_metrics *out)
{
	struct metrics_hour running = r->before;
	int64_t pending = pending_change(&r->before);

	for (size_t i = 0; i < w->points; i++) {
		add_hour(&running, &steps[i]);
		pending += pending_change(&steps[i]);
		bool live = w->from + (int64_t)(i + 1) * w->step > w->now;
		out->values[BROKER_METRIC_PENDING][i] = live ? r->pending_now : pending;
		out->values[BROKER_METRIC_ACTIVE_JIT][i] = live ? r->jit_now : running.jit_change;
		out->values[BROKER_METRIC_STANDING][i] = live ? r->standing_now : running.standing_change;
		out->values[BROKER_METRIC_HOLDERS][i] = live ? r->holders_now : running.holders_change;
	}
}

static int compare_bin_lower(const void *a, const void *b)
{
	const struct metrics_access_bin *x = a, *y = b;

	return (x->lower > y->lower) - (x->lower < y->lower);
}

/* The value of the nearest-rank percentile rank (1-based) of bins sorted by lower. */
static int64_t rank_value(const struct metrics_access_bin *bins, size_t count, int64_t rank)
{
	int64_t seen = 0;

	for (size_t i = 0; i < count; i++) {
		seen += bins[i].count;
		if (seen >= rank)
			return broker_metrics_bin_value(bins[i].lower);
	}
	return BROKER_METRIC_NONE;
}

/* Set the median and 90th percentile of one step from its bins, merged across its hours. */
static void set_percentiles(struct broker_metrics *out, size_t i, struct metrics_access_bin *bins,
			    size_t count)
{
	int64_t total = 0;

	for (size_t b = 0; b < count; b++)
		total += bins[b].count;
	if (total <= 0) {
		out->values[BROKER_METRIC_ACCESS_MEDIAN][i] = BROKER_METRIC_NONE;
		out->values[BROKER_METRIC_ACCESS_P90][i] = BROKER_METRIC_NONE;
		return;
	}
	qsort(bins, count, sizeof *bins, compare_bin_lower);
	/* Nearest rank: the ceil(q * total)-th smallest value. */
	out->values[BROKER_METRIC_ACCESS_MEDIAN][i] = rank_value(bins, count, (total + 1) / 2);
	out->values[BROKER_METRIC_ACCESS_P90][i] = rank_value(bins, count, (9 * total + 9) / 10);
}

/* The bins come ordered by hour, so each step's bins are one run of the array. */
static void compute_percentiles(const struct broker_metrics_window *w,
				const struct metrics_rollup *r, struct broker_metrics *out)
{
	struct metrics_access_bin *scratch = xcalloc(r->bin_count + 1, sizeof *scratch);
	size_t next = 0;

	for (size_t i = 0; i < w->points; i++) {
		size_t count = 0;
		while (next < r->bin_count && step_of_hour(w, r->bins[next].hour) == i)
			scratch[count++] = r->bins[next++];
		set_percentiles(out, i, scratch, count);
	}
	free(scratch);
}

void broker_metrics_compute(const struct broker_metrics_window *w, const struct metrics_rollup *r,
			    struct broker_metrics *out)
{
	/* Each step's counts, and the changes of the gauges, summed over its hours. */
	struct metrics_hour *steps = xcalloc(w->points + 1, sizeof *steps);

	memset(out, 0, sizeof *out);
	out->window = *w;
	for (int m = 0; m < BROKER_METRIC_COUNT; m++)
		out->values[m] = xcalloc(w->points + 1, sizeof *out->values[m]);
	for (size_t h = 0; h < r->hour_count; h++) {
		size_t i = step_of_hour(w, r->hours[h].hour);
		if (i < w->points)
			add_hour(&steps[i], &r->hours[h]);
	}
	for (size_t i = 0; i < w->points; i++)
		set_counts(out, i, &steps[i]);
	set_gauges(w, r, steps, out);
	compute_percentiles(w, r, out);
	free(steps);
}

void broker_metrics_free(struct broker_metrics *m)
{
	for (int i = 0; i < BROKER_METRIC_COUNT; i++)
		free(m->values[i]);
	memset(m, 0, sizeof *m);
}
