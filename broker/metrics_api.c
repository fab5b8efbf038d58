/* The handler of GET /v1/metrics: the query, the access check and the response. */

#include <stdio.h>
#include <stdlib.h>

#include "api/json.h"
#include "broker/authz.h"
#include "broker/metrics.h"
#include "broker/routes.h"
#include "common/timeutil.h"

/* The window when the query gives none: the last day, hour by hour. */
#define DEFAULT_WINDOW (24 * 3600)
#define DEFAULT_STEP 3600

/* Read an RFC 3339 query parameter, or fallback when it is absent. */
static bool query_time(struct http_exchange *x, const char *name, int64_t fallback, int64_t *out)
{
	const char *text = exchange_query(x, name);

	if (!text) {
		*out = fallback;
		return true;
	}
	if (time_parse_rfc3339(text, out) && *out >= 0)
		return true;
	exchange_fail_field(x, name, "%s must be an RFC 3339 time such as 2026-12-04T15:00:00Z", name);
	return false;
}

static bool query_step(struct http_exchange *x, int64_t *step)
{
	const char *text = exchange_query(x, "step");

	if (!text) {
		*step = DEFAULT_STEP;
		return true;
	}
	if (!duration_parse(text, step) || *step <= 0 || *step % BROKER_METRICS_HOUR != 0) {
		exchange_fail_field(x, "step",
				    "step must be a whole number of hours, such as 1h, 6h or 1d, "
				    "because the broker keeps its figures by the hour");
		return false;
	}
	return true;
}

/*
 * Read from, to and step into a window. from starts on the hour before it, to
 * later than now is cut to now, and the last step may end after to.
 */
static bool parse_window(struct http_exchange *x, struct broker_metrics_window *w)
{
	static const char *const allowed[] = { "from", "to", "step", NULL };
	int64_t from, to;

	if (!exchange_check_query(x, allowed) || !query_step(x, &w->step) ||
	    !query_time(x, "to", x->now, &to))
		return false;
	if (to > x->now)
		to = x->now;
	if (!query_time(x, "from", to - DEFAULT_WINDOW, &from))
		return false;
	from -= from % BROKER_METRICS_HOUR;
	if (from >= to) {
		exchange_fail_field(x, "from", "from must be earlier than to and than the current time");
		return false;
	}
	int64_t points = (to - from + w->step - 1) / w->step;
	if (points > BROKER_METRICS_POINTS_MAX) {
		exchange_fail_field(x, "step",
				    "the window has %lld steps of %lld s; at most %d are allowed: "
				    "choose a longer step or a shorter window",
				    (long long)points, (long long)w->step, BROKER_METRICS_POINTS_MAX);
		return false;
	}
	w->from = from;
	w->points = (size_t)points;
	w->now = x->now;
	return true;
}

static json_t *series_json(const struct broker_metrics *m, enum broker_metric metric)
{
	json_t *values = json_array();

	for (size_t i = 0; i < m->window.points; i++) {
		int64_t v = m->values[metric][i];
		json_array_append_new(values, v == BROKER_METRIC_NONE ? json_null() : json_integer(v));
	}
	return values;
}

static json_t *metrics_json(const struct broker_metrics *m)
{
	const struct broker_metrics_window *w = &m->window;
	json_t *series = json_object();

	for (int metric = 0; metric < BROKER_METRIC_COUNT; metric++)
		json_object_set_new(series, broker_metric_name(metric), series_json(m, metric));
	return json_pack("{s:o, s:o, s:I, s:I, s:o, s:o}",
			 "from", json_instant(w->from),
			 "to", json_instant(w->from + (int64_t)w->points * w->step),
			 "step_seconds", (json_int_t)w->step,
			 "points", (json_int_t)w->points,
			 "as_of", json_instant(w->now),
			 "series", series);
}

void api_metrics(struct http_exchange *x)
{
	struct broker_metrics_window window;
	struct metrics_rollup rollup;
	struct broker_metrics metrics;
	int64_t from_hour, to_hour;
	enum store_status status;

	if (!parse_window(x, &window))
		return;
	if (!authz_sees_everything(&x->principal)) {
		exchange_fail(x, 403, "forbidden",
			      "only admins, approvers and auditors may read metrics; %s is none of them",
			      x->principal.id);
		return;
	}
	broker_metrics_hours(&window, &from_hour, &to_hour);
	status = store_read_metrics(x->store, from_hour, to_hour, &rollup);
	if (status != STORE_OK) {
		struct outcome o;
		outcome_store_failure(&o, status, "reading the metrics");
		exchange_respond_problem(x, &o);
		return;
	}
	broker_metrics_compute(&window, &rollup, &metrics);
	metrics_rollup_free(&rollup);
	exchange_respond_json(x, 200, metrics_json(&metrics));
	broker_metrics_free(&metrics);
}
