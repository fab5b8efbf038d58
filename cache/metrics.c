/*
 * The metrics pane's figures from the cache: computed from the cached requests and
 * grants (the offline path), and the broker's own, stored in the meta table.
 */

#include "cache/metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#define HOUR 3600
/* Stands for "never" where an interval has no end. */
#define NEVER INT64_MAX

static const struct {
	const char *key;
	const char *label;
	enum metrics_kind kind;
} series_info[METRICS_SERIES_COUNT] = {
	[METRICS_CREATED] = { "requests_created", "Requests created", METRICS_KIND_COUNT },
	[METRICS_ALLOWED] = { "allowed_by_policy", "Allowed by policy", METRICS_KIND_COUNT },
	[METRICS_APPROVED] = { "approved_by_people", "Approved by people", METRICS_KIND_COUNT },
	[METRICS_DENIED] = { "denied", "Denied", METRICS_KIND_COUNT },
	[METRICS_EXPIRED] = { "expired", "Expired", METRICS_KIND_COUNT },
	[METRICS_CANCELED] = { "canceled", "Canceled", METRICS_KIND_COUNT },
	[METRICS_ACCESS_MEAN] = { "time_to_access_mean_seconds", "Time to access, mean",
				  METRICS_KIND_SECONDS },
	[METRICS_ACCESS_MEDIAN] = { "time_to_access_median_seconds", "Time to access, median",
				    METRICS_KIND_SECONDS },
	[METRICS_ACCESS_P90] = { "time_to_access_p90_seconds", "Time to access, 90th pct",
				 METRICS_KIND_SECONDS },
	[METRICS_PENDING] = { "pending_requests", "Pending requests", METRICS_KIND_POINT },
	[METRICS_ACTIVE_JIT] = { "active_jit_grants", "Active JIT grants", METRICS_KIND_POINT },
	[METRICS_STANDING] = { "standing_grants", "Standing grants", METRICS_KIND_POINT },
	[METRICS_REVOCATIONS] = { "revocations", "Revocations", METRICS_KIND_COUNT },
	[METRICS_HOLDERS] = { "principals_with_access", "Principals with access",
			      METRICS_KIND_POINT },
};

const char *metrics_series_key(enum metrics_series series)
{
	return series < METRICS_SERIES_COUNT ? series_info[series].key : "";
}

const char *metrics_series_label(enum metrics_series series)
{
	return series < METRICS_SERIES_COUNT ? series_info[series].label : "";
}

enum metrics_kind metrics_series_kind(enum metrics_series series)
{
	return series < METRICS_SERIES_COUNT ? series_info[series].kind : METRICS_KIND_COUNT;
}

int64_t metrics_step_for_window(int64_t window_seconds)
{
	return window_seconds <= 7 * 24 * HOUR ? HOUR : 6 * HOUR;
}

void metrics_window_ending(int64_t window_seconds, int64_t now, int64_t *from, int64_t *step,
			   size_t *points)
{
	*step = metrics_step_for_window(window_seconds);
	*from = now - window_seconds;
	*from -= *from % HOUR;
	*points = (size_t)((now - *from + *step - 1) / *step);
}

void metrics_figures_free(struct metrics_figures *f)
{
	for (int s = 0; s < METRICS_SERIES_COUNT; s++)
		free(f->values[s]);
	memset(f, 0, sizeof *f);
}

static void figures_init(struct metrics_figures *f, int64_t from, int64_t step, size_t points,
			 int64_t as_of)
{
	memset(f, 0, sizeof *f);
	f->from = from;
	f->step = step;
	f->points = points;
	f->as_of = as_of;
	for (int s = 0; s < METRICS_SERIES_COUNT; s++)
		f->values[s] = xcalloc(points + 1, sizeof *f->values[s]);
}

/* ---- Computed from the cache ---- */

/* The window being computed, and what the rows add to it. */
struct computation {
	int64_t from;
	int64_t step;
	size_t points;
	int64_t now;
	/* Per gauge, +1 where a step starts to count an interval and -1 where it stops. */
	int64_t *changes[METRICS_SERIES_COUNT];
	/* Each approval's step and time to access, for the per-step statistics. */
	struct access_sample {
		size_t step;
		int64_t seconds;
	} *samples;
	size_t sample_count, sample_capacity;
};

/* The time at which step i's points are taken: its end, or now for the step in progress. */
static int64_t point_time(const struct computation *c, size_t i)
{
	int64_t end = c->from + (int64_t)(i + 1) * c->step;

	return end < c->now ? end : c->now;
}

/* How many steps take their points at or before t; the point times only grow. */
static size_t points_until(const struct computation *c, int64_t t)
{
	size_t low = 0, high = c->points;

	while (low < high) {
		size_t middle = low + (high - low) / 2;
		if (point_time(c, middle) <= t)
			low = middle + 1;
		else
			high = middle;
	}
	return low;
}

/* The step that time t falls in, or -1 outside the window. */
static long step_of(const struct computation *c, int64_t t)
{
	if (t < c->from || t >= c->from + (int64_t)c->points * c->step)
		return -1;
	return (long)((t - c->from) / c->step);
}

/* Count an interval (start, end] in series at the points it holds: start < T <= end. */
static void count_interval(struct computation *c, enum metrics_series series, int64_t start,
			   int64_t end)
{
	size_t first = points_until(c, start);
	size_t stop = end == NEVER ? c->points : points_until(c, end);

	if (first >= stop)
		return;
	c->changes[series][first]++;
	c->changes[series][stop]--;
}

static void count_event(struct computation *c, struct metrics_figures *out,
			enum metrics_series series, int64_t t)
{
	long i = step_of(c, t);

	if (i >= 0)
		out->values[series][i]++;
}

static void add_sample(struct computation *c, int64_t decided_at, int64_t created_at)
{
	long i = step_of(c, decided_at);

	if (i < 0)
		return;
	if (c->sample_count == c->sample_capacity) {
		c->sample_capacity = c->sample_capacity ? c->sample_capacity * 2 : 256;
		c->samples = xreallocarray(c->samples, c->sample_capacity, sizeof *c->samples);
	}
	int64_t seconds = decided_at - created_at;
	c->samples[c->sample_count++] = (struct access_sample){
		.step = (size_t)i,
		.seconds = seconds > 0 ? seconds : 0,
	};
}

static void add_request(struct computation *c, struct metrics_figures *out, sqlite3_stmt *row)
{
	const char *status = (const char *)sqlite3_column_text(row, 0);
	int64_t created_at = sqlite3_column_int64(row, 1);
	int64_t decided_at = sqlite3_column_int64(row, 2);
	int64_t expires_at = sqlite3_column_int64(row, 3);
	int64_t approvals_needed = sqlite3_column_int64(row, 4);
	const char *decided_by = (const char *)sqlite3_column_text(row, 5);
	bool pending = !status || strcmp(status, "pending") == 0 || decided_at == 0;

	count_event(c, out, METRICS_CREATED, created_at);
	int64_t pending_until = decided_at;
	if (pending)
		pending_until = expires_at ? expires_at : NEVER;
	count_interval(c, METRICS_PENDING, created_at, pending_until);
	if (pending)
		return;
	if (strcmp(status, "approved") == 0) {
		bool allowed = approvals_needed == 0 || (decided_by && strcmp(decided_by, "system") == 0);
		count_event(c, out, allowed ? METRICS_ALLOWED : METRICS_APPROVED, decided_at);
		add_sample(c, decided_at, created_at);
	} else if (strcmp(status, "denied") == 0) {
		count_event(c, out, METRICS_DENIED, decided_at);
	} else if (strcmp(status, "expired") == 0) {
		count_event(c, out, METRICS_EXPIRED, decided_at);
	} else if (strcmp(status, "canceled") == 0) {
		count_event(c, out, METRICS_CANCELED, decided_at);
	}
}

/* One principal's grants merged into spans of holding access, touching ones joined. */
struct holding {
	char *principal;
	int64_t start;
	int64_t end;
	bool open;
};

static void holding_flush(struct computation *c, struct holding *h)
{
	if (h->open)
		count_interval(c, METRICS_HOLDERS, h->start, h->end);
	h->open = false;
}

static void holding_add(struct computation *c, struct holding *h, const char *principal,
			int64_t start, int64_t end)
{
	bool same = h->open && strcmp(h->principal, principal) == 0;

	if (same && start <= h->end) {
		if (end > h->end)
			h->end = end;
		return;
	}
	holding_flush(c, h);
	free(h->principal);
	h->principal = xstrdup(principal);
	h->start = start;
	h->end = end;
	h->open = true;
}

/* Rows come ordered by principal and granted_at, so each principal's spans merge in one pass. */
static void add_grant(struct computation *c, struct metrics_figures *out, struct holding *h,
		      sqlite3_stmt *row)
{
	const char *principal = (const char *)sqlite3_column_text(row, 0);
	const char *kind = (const char *)sqlite3_column_text(row, 1);
	const char *status = (const char *)sqlite3_column_text(row, 2);
	int64_t granted_at = sqlite3_column_int64(row, 3);
	int64_t expires_at = sqlite3_column_int64(row, 4);
	int64_t revoked_at = sqlite3_column_int64(row, 5);
	bool revoked = status && strcmp(status, "revoked") == 0 && revoked_at != 0;
	int64_t end = expires_at ? expires_at : NEVER;

	if (revoked) {
		count_event(c, out, METRICS_REVOCATIONS, revoked_at);
		if (revoked_at < end)
			end = revoked_at;
	}
	if (end <= granted_at)
		return;
	bool standing = kind && strcmp(kind, "standing") == 0;
	count_interval(c, standing ? METRICS_STANDING : METRICS_ACTIVE_JIT, granted_at, end);
	holding_add(c, h, principal ? principal : "", granted_at, end);
}

static bool load_rows(struct cache *cache, const char *sql, const char *operation,
		      struct computation *c, struct metrics_figures *out, bool grants)
{
	sqlite3_stmt *statement = cache_prepare(cache, sql);
	struct holding holding = { .principal = NULL, .open = false };
	int rc;

	if (!statement)
		return false;
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		if (grants)
			add_grant(c, out, &holding, statement);
		else
			add_request(c, out, statement);
	}
	holding_flush(c, &holding);
	free(holding.principal);
	bool ok = rc == SQLITE_DONE || cache_fail(cache, "%s", operation);
	sqlite3_finalize(statement);
	return ok;
}

static int compare_samples(const void *a, const void *b)
{
	const struct access_sample *x = a, *y = b;

	if (x->step != y->step)
		return (x->step > y->step) - (x->step < y->step);
	return (x->seconds > y->seconds) - (x->seconds < y->seconds);
}

/* The mean, nearest-rank median and 90th percentile of each step's times to access. */
static void set_access_times(struct computation *c, struct metrics_figures *out)
{
	if (c->sample_count > 1)
		qsort(c->samples, c->sample_count, sizeof *c->samples, compare_samples);
	for (size_t i = 0; i < c->points; i++) {
		out->values[METRICS_ACCESS_MEAN][i] = NAN;
		out->values[METRICS_ACCESS_MEDIAN][i] = NAN;
		out->values[METRICS_ACCESS_P90][i] = NAN;
	}
	for (size_t first = 0; first < c->sample_count;) {
		size_t end = first, n;
		int64_t sum = 0;
		while (end < c->sample_count && c->samples[end].step == c->samples[first].step)
			sum += c->samples[end++].seconds;
		n = end - first;
		size_t i = c->samples[first].step;
		/* Whole seconds, halves up, as the broker rounds. */
		out->values[METRICS_ACCESS_MEAN][i] = (double)((2 * sum + (int64_t)n) / (2 * (int64_t)n));
		out->values[METRICS_ACCESS_MEDIAN][i] = (double)c->samples[first + (n + 1) / 2 - 1].seconds;
		out->values[METRICS_ACCESS_P90][i] = (double)c->samples[first + (9 * n + 9) / 10 - 1].seconds;
		first = end;
	}
}

static void set_points(struct computation *c, struct metrics_figures *out)
{
	static const enum metrics_series gauges[] = {
		METRICS_PENDING, METRICS_ACTIVE_JIT, METRICS_STANDING, METRICS_HOLDERS,
	};

	for (size_t g = 0; g < sizeof gauges / sizeof gauges[0]; g++) {
		int64_t running = 0;
		for (size_t i = 0; i < c->points; i++) {
			running += c->changes[gauges[g]][i];
			out->values[gauges[g]][i] = (double)running;
		}
	}
}

bool cache_metrics_compute(struct cache *cache, int64_t from, int64_t step, size_t points,
			   int64_t now, struct metrics_figures *out)
{
	struct computation c = { .from = from, .step = step, .points = points, .now = now };
	bool ok;

	if (step <= 0 || points == 0 || points > METRICS_POINTS_MAX) {
		memset(out, 0, sizeof *out);
		return cache_fail_plain(cache, "compute metrics: %zu steps of %lld s is not a window",
					points, (long long)step);
	}
	figures_init(out, from, step, points, now);
	for (int s = 0; s < METRICS_SERIES_COUNT; s++)
		c.changes[s] = xcalloc(points + 1, sizeof *c.changes[s]);
	ok = load_rows(cache, "SELECT status, created_at, decided_at, expires_at, approvals_needed,"
			      " decided_by FROM requests", "compute metrics from cached requests",
		       &c, out, false) &&
	     load_rows(cache, "SELECT principal, kind, status, granted_at, expires_at, revoked_at"
			      " FROM grants ORDER BY principal, granted_at",
		       "compute metrics from cached grants", &c, out, true);
	if (ok) {
		set_access_times(&c, out);
		set_points(&c, out);
	}
	for (int s = 0; s < METRICS_SERIES_COUNT; s++)
		free(c.changes[s]);
	free(c.samples);
	if (!ok)
		metrics_figures_free(out);
	return ok;
}

/* ---- The broker's figures ---- */

static bool decode_series(const json_t *values, size_t points, double *out, const char *key,
			  char *err, size_t errlen)
{
	if (!json_is_array(values) || json_array_size(values) != points) {
		snprintf(err, errlen, "series %s is not an array of %zu values", key, points);
		return false;
	}
	for (size_t i = 0; i < points; i++) {
		const json_t *v = json_array_get(values, i);
		if (json_is_null(v)) {
			out[i] = NAN;
		} else if (json_is_integer(v)) {
			out[i] = (double)json_integer_value(v);
		} else {
			snprintf(err, errlen, "value %zu of series %s is not a whole number or null", i, key);
			return false;
		}
	}
	return true;
}

static bool decode_time(const json_t *body, const char *field, int64_t *out, char *err,
			size_t errlen)
{
	const char *text = json_string_value(json_object_get(body, field));

	if (text && time_parse_rfc3339(text, out))
		return true;
	snprintf(err, errlen, "%s is not an RFC 3339 time", field);
	return false;
}

bool metrics_figures_from_json(const json_t *body, struct metrics_figures *out, char *err,
			       size_t errlen)
{
	const json_t *points = json_object_get(body, "points");
	const json_t *step = json_object_get(body, "step_seconds");
	const json_t *series = json_object_get(body, "series");
	int64_t from = 0, as_of = 0;

	memset(out, 0, sizeof *out);
	if (!json_is_integer(points) || json_integer_value(points) < 1 ||
	    json_integer_value(points) > METRICS_POINTS_MAX) {
		snprintf(err, errlen, "points is not a whole number from 1 to %d", METRICS_POINTS_MAX);
		return false;
	}
	if (!json_is_integer(step) || json_integer_value(step) < 1) {
		snprintf(err, errlen, "step_seconds is not a positive whole number");
		return false;
	}
	if (!json_is_object(series)) {
		snprintf(err, errlen, "series is not an object");
		return false;
	}
	if (!decode_time(body, "from", &from, err, errlen) ||
	    !decode_time(body, "as_of", &as_of, err, errlen))
		return false;
	figures_init(out, from, json_integer_value(step), (size_t)json_integer_value(points), as_of);
	for (int s = 0; s < METRICS_SERIES_COUNT; s++) {
		if (!decode_series(json_object_get(series, series_info[s].key), out->points,
				   out->values[s], series_info[s].key, err, errlen)) {
			metrics_figures_free(out);
			return false;
		}
	}
	return true;
}

/* ---- Kept in the meta table ---- */

static void meta_key(char *out, size_t size, int64_t window_seconds, const char *suffix)
{
	snprintf(out, size, "metrics.%" PRId64 "%s", window_seconds, suffix);
}

bool cache_metrics_store(struct cache *cache, int64_t window_seconds, const char *json,
			 int64_t fetched_at)
{
	char key[64], stamp[24];
	char *broker_id = NULL;
	bool ok;

	if (cache_get_broker_id(cache, &broker_id) == CACHE_ERROR)
		return false;
	if (!cache_savepoint_begin(cache)) {
		free(broker_id);
		return false;
	}
	snprintf(stamp, sizeof stamp, "%" PRId64, fetched_at);
	meta_key(key, sizeof key, window_seconds, "");
	ok = cache_meta_set(cache, key, json);
	meta_key(key, sizeof key, window_seconds, ".fetched_at");
	ok = ok && cache_meta_set(cache, key, stamp);
	meta_key(key, sizeof key, window_seconds, ".broker_id");
	ok = ok && cache_meta_set(cache, key, broker_id ? broker_id : "");
	meta_key(key, sizeof key, window_seconds, ".failed_at");
	ok = ok && cache_meta_set(cache, key, NULL);
	meta_key(key, sizeof key, window_seconds, ".failure");
	ok = ok && cache_meta_set(cache, key, NULL);
	free(broker_id);
	return cache_savepoint_end(cache, ok) && ok;
}

bool cache_metrics_note_failure(struct cache *cache, int64_t window_seconds, const char *message,
				int64_t at)
{
	char key[64], stamp[24];
	bool ok;

	if (!cache_savepoint_begin(cache))
		return false;
	snprintf(stamp, sizeof stamp, "%" PRId64, at);
	meta_key(key, sizeof key, window_seconds, ".failed_at");
	ok = cache_meta_set(cache, key, stamp);
	meta_key(key, sizeof key, window_seconds, ".failure");
	ok = ok && cache_meta_set(cache, key, message);
	return cache_savepoint_end(cache, ok) && ok;
}

enum cache_result cache_metrics_last_failure(struct cache *cache, int64_t window_seconds,
					     char **message, int64_t *at)
{
	char key[64];
	char *stamp = NULL;
	enum cache_result result;

	*message = NULL;
	*at = 0;
	meta_key(key, sizeof key, window_seconds, ".failed_at");
	result = cache_meta_get(cache, key, &stamp);
	meta_key(key, sizeof key, window_seconds, ".failure");
	if (result == CACHE_FOUND)
		result = cache_meta_get(cache, key, message);
	if (result == CACHE_FOUND)
		*at = strtoll(stamp, NULL, 10);
	if (result != CACHE_FOUND)
		xfree_str(message);
	free(stamp);
	return result;
}

/* Whether the kept figures came from the broker the cache now belongs to. */
static enum cache_result same_broker(struct cache *cache, int64_t window_seconds)
{
	char key[64];
	char *kept = NULL, *current = NULL;
	enum cache_result result;

	meta_key(key, sizeof key, window_seconds, ".broker_id");
	result = cache_meta_get(cache, key, &kept);
	if (result == CACHE_FOUND) {
		enum cache_result found = cache_get_broker_id(cache, &current);
		if (found == CACHE_ERROR)
			result = CACHE_ERROR;
		else if (strcmp(kept, current ? current : "") != 0)
			result = CACHE_NOT_FOUND;
	}
	free(kept);
	free(current);
	return result;
}

enum cache_result cache_metrics_load(struct cache *cache, int64_t window_seconds,
				     struct metrics_figures *out, int64_t *fetched_at)
{
	char key[64], err[256];
	char *text = NULL, *stamp = NULL;
	enum cache_result result = same_broker(cache, window_seconds);
	json_t *body = NULL;

	memset(out, 0, sizeof *out);
	*fetched_at = 0;
	meta_key(key, sizeof key, window_seconds, "");
	if (result == CACHE_FOUND)
		result = cache_meta_get(cache, key, &text);
	meta_key(key, sizeof key, window_seconds, ".fetched_at");
	if (result == CACHE_FOUND)
		result = cache_meta_get(cache, key, &stamp);
	if (result == CACHE_FOUND) {
		body = json_loads(text, 0, NULL);
		*fetched_at = strtoll(stamp, NULL, 10);
		if (!body || !metrics_figures_from_json(body, out, err, sizeof err))
			result = CACHE_NOT_FOUND;
	}
	json_decref(body);
	free(text);
	free(stamp);
	return result;
}
