/*
 * Fetching /v1/metrics into the cache (client/metrics.c), from a demo broker and
 * from a test server that answers what no broker should.
 */

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/metrics.h"
#include "client/metrics.h"
#include "tests/support/broker_process.h"
#include "tests/support/check_main.h"
#include "tests/support/http_client.h"
#include "tests/unit/test_client_support.h"

#define DAY 86400
#define FETCH_TIMEOUT_MS 30000

static struct broker_process demo;

static void start_demo(void)
{
	ck_assert_msg(broker_process_start(&demo, true, NULL), "the demo broker did not start");
}

static void stop_demo(void)
{
	broker_process_cleanup(&demo);
}

struct fetch_report {
	int calls;
	int64_t window_seconds;
	char error[768];
	bool failed;
};

static void record_outcome(void *ctx, int64_t window_seconds, const char *error)
{
	struct fetch_report *o = ctx;

	o->calls++;
	o->window_seconds = window_seconds;
	o->failed = error != NULL;
	snprintf(o->error, sizeof o->error, "%s", error ? error : "");
}

static bool fetched(void *arg)
{
	return ((struct fetch_report *)arg)->calls > 0;
}

/* A cache, an http client and a metrics client for one test, and what they reported. */
struct rig {
	char directory[256];
	struct cache *cache;
	struct http_client *http;
	struct metrics_client *metrics;
	struct fetch_report outcome;
};

static void rig_open(struct rig *rig, const char *url, const char *token)
{
	memset(rig, 0, sizeof *rig);
	test_make_directory(rig->directory, sizeof rig->directory, "gatehouse-metrics-client");
	rig->cache = test_open_cache(rig->directory, "cache.db");
	rig->http = test_http_client(url, token);
	rig->metrics = metrics_client_new(rig->http, rig->cache, record_outcome, &rig->outcome);
}

static void rig_wait(struct rig *rig)
{
	struct test_loop loop = { .http = rig->http };

	ck_assert_msg(test_loop_run(&loop, fetched, &rig->outcome, FETCH_TIMEOUT_MS),
		      "the metrics fetch did not end in %d ms", FETCH_TIMEOUT_MS);
}

static void rig_close(struct rig *rig)
{
	metrics_client_free(rig->metrics);
	http_client_free(rig->http);
	cache_close(rig->cache);
	test_remove_directory(rig->directory);
}

/* The number of pending requests that the broker lists to root. */
static int64_t broker_pending_count(void)
{
	struct http_result r;
	int64_t count;

	ck_assert_int_eq(http_call("GET", demo.url, "/v1/requests?status=pending&limit=500",
				   demo.admin_token, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	count = (int64_t)json_array_size(json_object_get(r.json, "items"));
	http_result_free(&r);
	return count;
}

START_TEST(test_metrics_client_keeps_figures)
{
	struct rig rig;
	struct metrics_figures f;
	int64_t fetched_at, before = time_now();

	rig_open(&rig, demo.url, demo.admin_token);
	ck_assert(metrics_client_fetch(rig.metrics, DAY, time_now()));
	ck_assert(metrics_client_busy(rig.metrics, DAY));
	ck_assert(!metrics_client_busy(rig.metrics, 7 * DAY));
	/* A second fetch of a window in flight is not sent. */
	ck_assert(!metrics_client_fetch(rig.metrics, DAY, time_now()));
	rig_wait(&rig);
	ck_assert_msg(!rig.outcome.failed, "%s", rig.outcome.error);
	ck_assert_int_eq(rig.outcome.calls, 1);
	ck_assert_int_eq(rig.outcome.window_seconds, DAY);
	ck_assert(!metrics_client_busy(rig.metrics, DAY));

	ck_assert_int_eq(cache_metrics_load(rig.cache, DAY, &f, &fetched_at), CACHE_FOUND);
	ck_assert_int_ge(fetched_at, before);
	char *message = NULL;
	int64_t failed_at;
	ck_assert_int_eq(cache_metrics_last_failure(rig.cache, DAY, &message, &failed_at),
			 CACHE_NOT_FOUND);
	ck_assert_int_eq(f.step, 3600);
	ck_assert_int_eq(f.from % 3600, 0);
	ck_assert_uint_ge(f.points, 24);
	ck_assert_uint_le(f.points, 25);
	/* The step in progress counts what is pending now. */
	ck_assert_double_eq(f.values[METRICS_PENDING][f.points - 1], (double)broker_pending_count());
	for (int s = 0; s < METRICS_SERIES_COUNT; s++)
		for (size_t i = 0; i < f.points; i++)
			ck_assert(isnan(f.values[s][i]) || f.values[s][i] >= 0);
	metrics_figures_free(&f);
	rig_close(&rig);
}
END_TEST

/* The 30-day window comes in 6-hour steps, as the pane computes it offline. */
START_TEST(test_metrics_client_month_window)
{
	struct rig rig;
	struct metrics_figures f;
	int64_t fetched_at;

	rig_open(&rig, demo.url, demo.approver_token);
	ck_assert(metrics_client_fetch(rig.metrics, 30 * DAY, time_now()));
	rig_wait(&rig);
	ck_assert_msg(!rig.outcome.failed, "%s", rig.outcome.error);
	ck_assert_int_eq(cache_metrics_load(rig.cache, 30 * DAY, &f, &fetched_at), CACHE_FOUND);
	ck_assert_int_eq(f.step, 6 * 3600);
	ck_assert_uint_ge(f.points, 120);
	ck_assert_uint_le(f.points, 121);
	metrics_figures_free(&f);
	ck_assert_int_eq(cache_metrics_load(rig.cache, DAY, &f, &fetched_at), CACHE_NOT_FOUND);
	rig_close(&rig);
}
END_TEST

START_TEST(test_metrics_client_refused)
{
	struct rig rig;
	struct metrics_figures f;
	int64_t fetched_at;

	rig_open(&rig, demo.url, demo.requester_token);
	ck_assert(metrics_client_fetch(rig.metrics, DAY, time_now()));
	rig_wait(&rig);
	ck_assert(rig.outcome.failed);
	ck_assert_msg(strstr(rig.outcome.error, "403") || strstr(rig.outcome.error, "admins"),
		      "the error does not say why: %s", rig.outcome.error);
	ck_assert_int_eq(cache_metrics_load(rig.cache, DAY, &f, &fetched_at), CACHE_NOT_FOUND);
	/* The failure is noted for the pane, which says why it computes its own figures. */
	char *message = NULL;
	int64_t failed_at = 0;
	ck_assert_int_eq(cache_metrics_last_failure(rig.cache, DAY, &message, &failed_at), CACHE_FOUND);
	ck_assert_str_eq(message, rig.outcome.error);
	ck_assert_int_ge(failed_at, time_now() - 60);
	free(message);
	rig_close(&rig);
}
END_TEST

/* A server that answers every call with the JSON text in ctx. */
static void answer_json(struct test_server *server, int fd, const struct test_request *request)
{
	(void)request;
	test_respond(fd, 200, "application/json", server->ctx);
}

static void expect_unusable(const char *body, const char *fragment)
{
	struct test_server server;
	struct rig rig;
	struct metrics_figures f;
	int64_t fetched_at;

	test_server_start(&server, answer_json, (void *)body);
	rig_open(&rig, server.url, "ghs_test");
	ck_assert(metrics_client_fetch(rig.metrics, DAY, time_now()));
	rig_wait(&rig);
	ck_assert(rig.outcome.failed);
	ck_assert_msg(strstr(rig.outcome.error, fragment) != NULL, "error \"%s\" does not name %s",
		      rig.outcome.error, fragment);
	ck_assert_int_eq(cache_metrics_load(rig.cache, DAY, &f, &fetched_at), CACHE_NOT_FOUND);
	rig_close(&rig);
	test_server_stop(&server);
}

START_TEST(test_metrics_client_rejects_bad_body)
{
	expect_unusable("{\"points\": 2, \"step_seconds\": 3600, \"from\": \"2026-01-05T00:00:00Z\","
			" \"as_of\": \"2026-01-05T01:00:00Z\", \"series\": {}}", "requests_created");
	expect_unusable("[1, 2, 3]", "points");
	expect_unusable("{\"points\": 1e9}", "points");
}
END_TEST

static Suite *metrics_client_suite(void)
{
	Suite *s = suite_create("metrics_client");
	TCase *broker = tcase_create("broker");
	TCase *hostile = tcase_create("hostile");

	tcase_add_unchecked_fixture(broker, start_demo, stop_demo);
	tcase_set_timeout(broker, 60);
	tcase_add_test(broker, test_metrics_client_keeps_figures);
	tcase_add_test(broker, test_metrics_client_month_window);
	tcase_add_test(broker, test_metrics_client_refused);
	suite_add_tcase(s, broker);
	tcase_set_timeout(hostile, 60);
	tcase_add_test(hostile, test_metrics_client_rejects_bad_body);
	suite_add_tcase(s, hostile);
	return s;
}

CHECK_MAIN(metrics_client_suite)
