/*
 * The metrics pane's offline path (cache/metrics.c): the fixture history put into
 * a cache as the client puts objects, and every series computed from it checked
 * against series.awk, exactly. Also the decoding and keeping of the broker's figures.
 */

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/metrics.h"
#include "cache/objects.h"
#include "tests/support/check_main.h"
#include "tests/unit/test_metrics_fixture.h"

static char directory[256];
static char cache_path[320];

static struct cache *open_cache(void)
{
	char err[512];
	struct cache *cache;

	snprintf(directory, sizeof directory, "/tmp/gatehouse-metrics-cache-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(cache_path, sizeof cache_path, "%s/cache.db", directory);
	cache = cache_open(cache_path, err, sizeof err);
	ck_assert_msg(cache != NULL, "cache_open: %s", err);
	return cache;
}

static void close_cache(struct cache *cache)
{
	char path[400];

	cache_close(cache);
	unlink(cache_path);
	snprintf(path, sizeof path, "%s-wal", cache_path);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", cache_path);
	unlink(path);
	rmdir(directory);
}

static struct cache *open_fixture_cache(void)
{
	struct cache *cache = open_cache();
	struct fixture fx;

	fixture_load(&fx);
	ck_assert(cache_begin(cache));
	for (size_t i = 0; i < fx.request_count; i++)
		ck_assert_msg(cache_put_request(cache, &fx.requests[i], NULL), "%s",
			      cache_last_error(cache));
	for (size_t i = 0; i < fx.grant_count; i++)
		ck_assert_msg(cache_put_grant(cache, &fx.grants[i], NULL), "%s", cache_last_error(cache));
	ck_assert(cache_commit(cache));
	fixture_free(&fx);
	return cache;
}

static void expect_figures_match(const struct metrics_figures *f, int64_t now)
{
	struct expected_series expected;

	expected_load(f->from, f->step, f->points, now, &expected);
	for (int s = 0; s < METRICS_SERIES_COUNT; s++) {
		const char *name = metrics_series_key(s);
		char **want = expected_values(&expected, name);
		for (size_t i = 0; i < f->points; i++) {
			double v = f->values[s][i];
			expect_value(name, i, !isnan(v), isnan(v) ? 0 : (int64_t)v, want[i], false);
		}
	}
	expected_free(&expected);
}

static void expect_window(struct cache *cache, int64_t from, int64_t step, size_t points,
			  int64_t now)
{
	struct metrics_figures f;

	ck_assert_msg(cache_metrics_compute(cache, from, step, points, now, &f), "%s",
		      cache_last_error(cache));
	ck_assert_int_eq(f.from, from);
	ck_assert_int_eq(f.step, step);
	ck_assert_uint_eq(f.points, points);
	expect_figures_match(&f, now);
	metrics_figures_free(&f);
}

START_TEST(test_metrics_cache_hourly)
{
	struct cache *cache = open_fixture_cache();

	expect_window(cache, FIXTURE_DAY_ONE - 4 * HOUR, HOUR, 54, FIXTURE_DAY_ONE + 400 * DAY);
	close_cache(cache);
}
END_TEST

START_TEST(test_metrics_cache_long_steps)
{
	struct cache *cache = open_fixture_cache();

	expect_window(cache, FIXTURE_DAY_ONE, 6 * HOUR, 8, FIXTURE_DAY_ONE + 400 * DAY);
	expect_window(cache, FIXTURE_DAY_ONE + 13 * HOUR, 5 * HOUR, 6, FIXTURE_DAY_ONE + 400 * DAY);
	expect_window(cache, FIXTURE_DAY_ONE - 30 * DAY, DAY, 40, FIXTURE_DAY_ONE + 400 * DAY);
	close_cache(cache);
}
END_TEST

/* Steps that end after now take their points at now, mid-history here. */
START_TEST(test_metrics_cache_now_inside_window)
{
	struct cache *cache = open_fixture_cache();

	expect_window(cache, FIXTURE_DAY_ONE, 6 * HOUR, 8, FIXTURE_DAY_ONE + 30 * HOUR + 17 * 60);
	expect_window(cache, FIXTURE_DAY_ONE, HOUR, 48, FIXTURE_DAY_ONE + 11 * HOUR);
	close_cache(cache);
}
END_TEST

/* A request the cache still has as pending stops counting when it would have lapsed. */
START_TEST(test_metrics_cache_lapsed_pending)
{
	struct cache *cache = open_cache();
	struct access_request r = {
		.id = 1,
		.status = REQUEST_PENDING,
		.requester = "alice",
		.resource = "svc",
		.role = "read",
		.reason = "offline",
		.duration_seconds = 3600,
		.created_at = FIXTURE_DAY_ONE + 10,
		.expires_at = FIXTURE_DAY_ONE + 2 * HOUR + 10,
		.approvals_needed = 1,
		.version = 1,
	};
	struct metrics_figures f;

	ck_assert(cache_put_request(cache, &r, NULL));
	ck_assert(cache_metrics_compute(cache, FIXTURE_DAY_ONE, HOUR, 4, FIXTURE_DAY_ONE + DAY, &f));
	ck_assert_double_eq(f.values[METRICS_PENDING][0], 1);
	ck_assert_double_eq(f.values[METRICS_PENDING][1], 1);
	ck_assert_double_eq(f.values[METRICS_PENDING][2], 0);
	ck_assert_double_eq(f.values[METRICS_CREATED][0], 1);
	ck_assert(isnan(f.values[METRICS_ACCESS_MEAN][0]));
	metrics_figures_free(&f);
	close_cache(cache);
}
END_TEST

START_TEST(test_metrics_cache_rejects_bad_window)
{
	struct cache *cache = open_cache();
	struct metrics_figures f;

	ck_assert(!cache_metrics_compute(cache, FIXTURE_DAY_ONE, 0, 4, FIXTURE_DAY_ONE, &f));
	ck_assert(!cache_metrics_compute(cache, FIXTURE_DAY_ONE, HOUR, 0, FIXTURE_DAY_ONE, &f));
	ck_assert(!cache_metrics_compute(cache, FIXTURE_DAY_ONE, HOUR, METRICS_POINTS_MAX + 1,
					 FIXTURE_DAY_ONE, &f));
	ck_assert_ptr_nonnull(strstr(cache_last_error(cache), "not a window"));
	close_cache(cache);
}
END_TEST

/* A response body with every series; value i of each is base + i, null where i is 1. */
static char *response_body(size_t points, int base)
{
	json_t *series = json_object();

	for (int s = 0; s < METRICS_SERIES_COUNT; s++) {
		json_t *values = json_array();
		for (size_t i = 0; i < points; i++)
			json_array_append_new(values, i == 1 ? json_null() : json_integer(base + (int)i));
		json_object_set_new(series, metrics_series_key(s), values);
	}
	json_object_set_new(series, "a_newer_series", json_array());
	json_t *body = json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "from", "2026-01-05T00:00:00Z",
				 "to", "2026-01-05T03:00:00Z", "step_seconds", (json_int_t)HOUR,
				 "points", (json_int_t)points, "as_of", "2026-01-05T02:30:00Z",
				 "series", series);
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return text;
}

START_TEST(test_metrics_cache_decodes_response)
{
	char *text = response_body(3, 10), err[256];
	json_t *body = json_loads(text, 0, NULL);
	struct metrics_figures f;

	ck_assert_msg(metrics_figures_from_json(body, &f, err, sizeof err), "%s", err);
	ck_assert_int_eq(f.from, FIXTURE_DAY_ONE);
	ck_assert_int_eq(f.step, HOUR);
	ck_assert_uint_eq(f.points, 3);
	ck_assert_int_eq(f.as_of, FIXTURE_DAY_ONE + 2 * HOUR + 30 * 60);
	for (int s = 0; s < METRICS_SERIES_COUNT; s++) {
		ck_assert_double_eq(f.values[s][0], 10);
		ck_assert(isnan(f.values[s][1]));
		ck_assert_double_eq(f.values[s][2], 12);
	}
	metrics_figures_free(&f);
	json_decref(body);
	free(text);
}
END_TEST

static void expect_rejected(json_t *body, const char *fragment)
{
	char err[256] = "";
	struct metrics_figures f;

	ck_assert(!metrics_figures_from_json(body, &f, err, sizeof err));
	ck_assert_msg(strstr(err, fragment) != NULL, "error \"%s\" does not name %s", err, fragment);
	json_decref(body);
}

START_TEST(test_metrics_cache_rejects_bad_response)
{
	char *text = response_body(3, 10);
	json_t *body;

	body = json_loads(text, 0, NULL);
	json_array_remove(json_object_get(json_object_get(body, "series"), "denied"), 0);
	expect_rejected(body, "denied");
	body = json_loads(text, 0, NULL);
	json_array_set_new(json_object_get(json_object_get(body, "series"), "revocations"), 0,
			   json_string("3"));
	expect_rejected(body, "revocations");
	body = json_loads(text, 0, NULL);
	json_object_del(json_object_get(body, "series"), "pending_requests");
	expect_rejected(body, "pending_requests");
	body = json_loads(text, 0, NULL);
	json_object_set_new(body, "points", json_integer(METRICS_POINTS_MAX + 1));
	expect_rejected(body, "points");
	body = json_loads(text, 0, NULL);
	json_object_set_new(body, "from", json_string("yesterday"));
	expect_rejected(body, "from");
	body = json_loads(text, 0, NULL);
	json_object_set_new(body, "step_seconds", json_integer(0));
	expect_rejected(body, "step_seconds");
	free(text);
}
END_TEST

START_TEST(test_metrics_cache_keeps_broker_figures)
{
	struct cache *cache = open_cache();
	char *text = response_body(3, 40);
	struct metrics_figures f;
	int64_t fetched_at;

	ck_assert_int_eq(cache_metrics_load(cache, DAY, &f, &fetched_at), CACHE_NOT_FOUND);
	ck_assert(cache_set_broker_id(cache, "broker-one"));
	ck_assert(cache_metrics_store(cache, DAY, text, FIXTURE_DAY_ONE + 77));
	ck_assert_int_eq(cache_metrics_load(cache, 7 * DAY, &f, &fetched_at), CACHE_NOT_FOUND);
	ck_assert_int_eq(cache_metrics_load(cache, DAY, &f, &fetched_at), CACHE_FOUND);
	ck_assert_int_eq(fetched_at, FIXTURE_DAY_ONE + 77);
	ck_assert_double_eq(f.values[METRICS_HOLDERS][2], 42);
	metrics_figures_free(&f);
	/* Figures of another broker are not shown for this one. */
	ck_assert(cache_set_broker_id(cache, "broker-two"));
	ck_assert_int_eq(cache_metrics_load(cache, DAY, &f, &fetched_at), CACHE_NOT_FOUND);
	free(text);
	close_cache(cache);
}
END_TEST

START_TEST(test_metrics_cache_window_ending)
{
	int64_t from, step;
	size_t points;

	metrics_window_ending(DAY, FIXTURE_DAY_ONE + 10 * HOUR + 5, &from, &step, &points);
	ck_assert_int_eq(from, FIXTURE_DAY_ONE - 14 * HOUR);
	ck_assert_int_eq(step, HOUR);
	ck_assert_uint_eq(points, 25);
	metrics_window_ending(7 * DAY, FIXTURE_DAY_ONE, &from, &step, &points);
	ck_assert_int_eq(step, HOUR);
	ck_assert_uint_eq(points, 168);
	metrics_window_ending(30 * DAY, FIXTURE_DAY_ONE + 1, &from, &step, &points);
	ck_assert_int_eq(from, FIXTURE_DAY_ONE - 30 * DAY);
	ck_assert_int_eq(step, 6 * HOUR);
	ck_assert_uint_eq(points, 121);
}
END_TEST

static Suite *metrics_cache_suite(void)
{
	Suite *s = suite_create("metrics_cache");
	TCase *computed = tcase_create("computed");
	TCase *kept = tcase_create("kept");

	tcase_add_test(computed, test_metrics_cache_hourly);
	tcase_add_test(computed, test_metrics_cache_long_steps);
	tcase_add_test(computed, test_metrics_cache_now_inside_window);
	tcase_add_test(computed, test_metrics_cache_lapsed_pending);
	tcase_add_test(computed, test_metrics_cache_rejects_bad_window);
	tcase_add_test(computed, test_metrics_cache_window_ending);
	suite_add_tcase(s, computed);
	tcase_add_test(kept, test_metrics_cache_decodes_response);
	tcase_add_test(kept, test_metrics_cache_rejects_bad_response);
	tcase_add_test(kept, test_metrics_cache_keeps_broker_figures);
	suite_add_tcase(s, kept);
	return s;
}

CHECK_MAIN(metrics_cache_suite)
