/*
 * The metrics pane and strip (views/metrics*.c) drawn on a test screen: where the
 * figures come from and that the pane shows it, one line per series with its
 * sparkline, value, range and trend, the windows, and both charsets.
 */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/metrics.h"
#include "cache/objects.h"
#include "console/app.h"
#include "tests/support/check_main.h"
#include "tests/unit/test_metrics_fixture.h"
#include "tests/unit/tui_test_screen.h"
#include "tui/theme.h"
#include "views/metrics.h"

#define ROWS 30
#define COLS 120
#define FULL_BLOCK "\u2588"
#define LOWEST_BLOCK "\u2581"

static char directory[256];
static struct app app;
static struct console_options options;
static int want_calls;
static int64_t wanted_window;

static void record_want(struct app *a, int64_t window_seconds)
{
	ck_assert_ptr_eq(a, &app);
	want_calls++;
	wanted_window = window_seconds;
}

/* An app with a fresh cache holding the fixture history, offline, as the views see it. */
static void setup(void)
{
	char path[400], err[512];
	struct theme theme;
	struct fixture fx;

	snprintf(directory, sizeof directory, "/tmp/gatehouse-metrics-view-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof path, "%s/cache.db", directory);
	memset(&app, 0, sizeof app);
	app.options = &options;
	app.cache = cache_open(path, err, sizeof err);
	ck_assert_msg(app.cache != NULL, "%s", err);
	fixture_load(&fx);
	for (size_t i = 0; i < fx.request_count; i++)
		ck_assert(cache_put_request(app.cache, &fx.requests[i], NULL));
	for (size_t i = 0; i < fx.grant_count; i++)
		ck_assert(cache_put_grant(app.cache, &fx.grants[i], NULL));
	fixture_free(&fx);
	app.connection = SYNC_OFFLINE;
	app.screen.charset = TEXT_UTF8;
	want_calls = 0;
	test_screen_start(ROWS, COLS);
	theme_default(&theme);
	theme_use(&theme);
}

static void teardown(void)
{
	static const char *const files[] = { "cache.db", "cache.db-wal", "cache.db-shm" };
	char path[400];

	test_screen_stop();
	cache_close(app.cache);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", directory, files[i]);
		unlink(path);
	}
	rmdir(directory);
}

/* The row of the screen that starts with text, or -1. */
static int find_row(const char *text)
{
	for (int y = 0; y < ROWS; y++) {
		char *row = test_screen_row(y);
		bool found = strncmp(row, text, strlen(text)) == 0;
		free(row);
		if (found)
			return y;
	}
	return -1;
}

static bool row_contains(int y, const char *text)
{
	char *row = test_screen_row(y);
	bool found = strstr(row, text) != NULL;

	free(row);
	return found;
}

static void draw(struct view *v, int height, int width)
{
	struct area area = { 0, 0, height, width };

	test_screen_fill_sentinel();
	v->ops->draw(v, stdscr, &area, true);
}

static void title_of(struct view *v, char *out, size_t size)
{
	v->ops->title(v, out, size);
}

/* A broker's response for the last 24 hours: series s has value s + i at step i. */
static void keep_broker_figures(int64_t fetched_at)
{
	int64_t from, step, now = time_now();
	size_t points;
	char from_text[RFC3339_LEN], as_of[RFC3339_LEN];
	json_t *series = json_object();

	metrics_window_ending(DAY, now, &from, &step, &points);
	for (int s = 0; s < METRICS_SERIES_COUNT; s++) {
		json_t *values = json_array();
		for (size_t i = 0; i < points; i++)
			json_array_append_new(values, json_integer(s * 100 + (json_int_t)i));
		json_object_set_new(series, metrics_series_key(s), values);
	}
	time_format_rfc3339(from, from_text);
	time_format_rfc3339(now, as_of);
	json_t *body = json_pack("{s:s, s:I, s:I, s:s, s:o}", "from", from_text, "step_seconds",
				 (json_int_t)step, "points", (json_int_t)points, "as_of", as_of,
				 "series", series);
	char *text = json_dumps(body, JSON_COMPACT);
	ck_assert(cache_metrics_store(app.cache, DAY, text, fetched_at));
	free(text);
	json_decref(body);
}

START_TEST(test_metrics_view_title)
{
	struct view *v = metrics_view_new(&app, NULL);
	char title[160];

	title_of(v, title, sizeof title);
	ck_assert_ptr_nonnull(strstr(title, "Metrics"));
	ck_assert_ptr_nonnull(strstr(title, "24 hours"));
	v->ops->destroy(v);
}
END_TEST

START_TEST(test_metrics_view_offline_says_computed)
{
	struct view *v = metrics_view_new(&app, record_want);

	draw(v, ROWS, COLS);
	ck_assert(row_contains(0, "offline: computed from the cache"));
	ck_assert_int_eq(want_calls, 0);
	for (int s = 0; s < METRICS_SERIES_COUNT; s++)
		ck_assert_msg(find_row(metrics_series_label(s)) >= 2, "no line for %s",
			      metrics_series_label(s));
	/* The fixture's standing grants never end: a flat line at the top. */
	int standing = find_row("Standing grants");
	ck_assert(row_contains(standing, FULL_BLOCK FULL_BLOCK FULL_BLOCK));
	ck_assert(row_contains(standing, "2\u20132"));
	ck_assert(row_contains(standing, "\u2192"));
	test_screen_assert_only_inside(0, 0, ROWS, COLS);
	v->ops->destroy(v);
}
END_TEST

START_TEST(test_metrics_view_ascii)
{
	struct view *v = metrics_view_new(&app, NULL);

	app.screen.charset = TEXT_ASCII;
	draw(v, ROWS, COLS);
	int standing = find_row("Standing grants");
	ck_assert(row_contains(standing, "@@@@@@"));
	ck_assert(row_contains(standing, "2..2"));
	for (int y = 0; y < ROWS; y++) {
		char *row = test_screen_row(y);
		for (const unsigned char *p = (const unsigned char *)row; *p; p++)
			ck_assert_msg(*p < 0x80, "row %d has non-ASCII text: %s", y, row);
		free(row);
	}
	v->ops->destroy(v);
}
END_TEST

START_TEST(test_metrics_view_broker_figures)
{
	struct view *v = metrics_view_new(&app, record_want);

	keep_broker_figures(time_now());
	app.connection = SYNC_ONLINE;
	draw(v, ROWS, COLS);
	ck_assert(row_contains(0, "from the broker"));
	ck_assert_int_eq(want_calls, 0);
	/* Series 0 counts 0, 1, ... 24: it rises from the lowest block to the full one. */
	int created = find_row("Requests created");
	ck_assert(row_contains(created, LOWEST_BLOCK));
	ck_assert(row_contains(created, FULL_BLOCK));
	ck_assert(row_contains(created, "\u2191"));
	int pending = find_row("Pending requests");
	ck_assert(row_contains(pending, "900\u2013"));
	v->ops->destroy(v);
}
END_TEST

/* Online with figures due for a refresh: shown, and asked for again. */
START_TEST(test_metrics_view_asks_for_fresh_figures)
{
	struct view *v = metrics_view_new(&app, record_want);

	keep_broker_figures(time_now() - METRICS_REFRESH_SECONDS - 5);
	app.connection = SYNC_ONLINE;
	draw(v, ROWS, COLS);
	ck_assert(row_contains(0, "from the broker"));
	ck_assert_int_eq(want_calls, 1);
	ck_assert_int_eq(wanted_window, DAY);
	v->ops->destroy(v);
}
END_TEST

/* Online with stale figures: computed from the cache until fresh ones arrive. */
START_TEST(test_metrics_view_stale_figures)
{
	struct view *v = metrics_view_new(&app, record_want);

	keep_broker_figures(time_now() - METRICS_STALE_SECONDS - 5);
	app.connection = SYNC_ONLINE;
	draw(v, ROWS, COLS);
	ck_assert(row_contains(0, "computed from the cache until the broker's figures arrive"));
	ck_assert_int_eq(want_calls, 1);
	v->ops->destroy(v);
}
END_TEST

/* A rejected fetch is shown, and not requested again at once. */
START_TEST(test_metrics_view_refused)
{
	struct view *v = metrics_view_new(&app, record_want);

	ck_assert(cache_metrics_note_failure(app.cache, DAY, "the broker answered 403", time_now()));
	app.connection = SYNC_ONLINE;
	draw(v, ROWS, COLS);
	ck_assert(row_contains(0, "computed from the cache, because the broker answered 403"));
	ck_assert_int_eq(want_calls, 0);
	v->ops->destroy(v);
}
END_TEST

/* Run a key as the console's loop does: the action its binding in the view's context names. */
static bool press(struct view *v, const struct key_event *key)
{
	return v->ops->handle_action(v, keymap_lookup(v->ops->context, key));
}

START_TEST(test_metrics_view_windows)
{
	struct view *v = metrics_view_new(&app, record_want);
	struct key_event w = key_event_make('w', false), back = key_event_make('W', false);
	struct key_event other = key_event_make('x', false);
	char title[160];

	app.connection = SYNC_ONLINE;
	ck_assert(press(v, &w));
	title_of(v, title, sizeof title);
	ck_assert_ptr_nonnull(strstr(title, "7 days"));
	ck_assert_int_eq(wanted_window, 7 * DAY);
	ck_assert(press(v, &w));
	title_of(v, title, sizeof title);
	ck_assert_ptr_nonnull(strstr(title, "30 days"));
	ck_assert_int_eq(wanted_window, 30 * DAY);
	draw(v, ROWS, COLS);
	ck_assert(row_contains(1, "STEPS OF 6h"));
	ck_assert(press(v, &w));
	title_of(v, title, sizeof title);
	ck_assert_ptr_nonnull(strstr(title, "24 hours"));
	ck_assert(press(v, &back));
	title_of(v, title, sizeof title);
	ck_assert_ptr_nonnull(strstr(title, "30 days"));
	ck_assert(!press(v, &other));
	v->ops->destroy(v);
}
END_TEST

/* A short area scrolls through the series; a narrow one drops the range and trend. */
START_TEST(test_metrics_view_small_areas)
{
	struct view *v = metrics_view_new(&app, NULL);

	draw(v, 6, COLS);
	ck_assert_int_eq(find_row("Requests created"), 2);
	ck_assert(v->ops->handle_action(v, ACTION_END));
	draw(v, 6, COLS);
	ck_assert_int_eq(find_row("Principals with access"), 5);
	ck_assert_int_eq(find_row("Requests created"), -1);
	ck_assert(v->ops->handle_action(v, ACTION_HOME));
	draw(v, 6, 50);
	int created = find_row("Requests created");
	ck_assert_int_eq(created, 2);
	ck_assert(!row_contains(created, "\u2013"));
	test_screen_assert_only_inside(0, 0, 6, 50);
	ck_assert(!v->ops->handle_action(v, ACTION_APPROVE));
	v->ops->destroy(v);
}
END_TEST

START_TEST(test_metrics_strip)
{
	struct view *s = metrics_strip_new(&app, NULL);
	char title[160];

	ck_assert_int_eq(metrics_strip_height(20), 0);
	ck_assert_int_eq(metrics_strip_height(40), 4);
	draw(s, 4, COLS);
	ck_assert(row_contains(0, "Metrics, last 24 hours"));
	ck_assert(row_contains(0, "computed from the cache"));
	ck_assert_int_eq(find_row("Time to access, mean"), 1);
	ck_assert_int_eq(find_row("Pending requests"), 2);
	ck_assert_int_eq(find_row("Denied"), 3);
	test_screen_assert_only_inside(0, 0, 4, COLS);
	title_of(s, title, sizeof title);
	ck_assert_ptr_nonnull(strstr(title, "Metrics"));
	s->ops->destroy(s);
}
END_TEST

static Suite *metrics_view_suite(void)
{
	Suite *s = suite_create("metrics_view");
	TCase *tc = tcase_create("pane");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metrics_view_title);
	tcase_add_test(tc, test_metrics_view_offline_says_computed);
	tcase_add_test(tc, test_metrics_view_ascii);
	tcase_add_test(tc, test_metrics_view_broker_figures);
	tcase_add_test(tc, test_metrics_view_asks_for_fresh_figures);
	tcase_add_test(tc, test_metrics_view_stale_figures);
	tcase_add_test(tc, test_metrics_view_refused);
	tcase_add_test(tc, test_metrics_view_windows);
	tcase_add_test(tc, test_metrics_view_small_areas);
	tcase_add_test(tc, test_metrics_strip);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(metrics_view_suite)
