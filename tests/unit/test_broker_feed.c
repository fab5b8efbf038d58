/* The change feed of gatehoused: GET /v1/events, long polling, cursors and retention. */

#include <pthread.h>

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define RETENTION 5
#define STRESS_WRITES 150

static struct test_world world;

static void build_world(void)
{
	world_build(&world);
}

static void destroy_world(void)
{
	world_destroy(&world);
}

static void start_broker(void)
{
	world_start(&world, NULL);
}

static void start_short_feed(void)
{
	static const char *const args[] = { "--event-retention", "5", NULL };

	world_start(&world, args);
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* GET /v1/events with a query as root; returns the status. */
static long get_events(const char *query, struct http_result *r)
{
	char path[160];

	snprintf(path, sizeof path, "/v1/events?%s", query);
	return world_get(&world, ROOT, path, r);
}

/* The feed's newest seq, as a request listing reports it (the feed itself may be pruned). */
static int64_t feed_position(void)
{
	struct http_result r;
	int64_t last;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/requests?limit=1", &r), 200);
	last = http_json_int(&r, "last_seq");
	ck_assert_int_ge(last, 0);
	http_result_free(&r);
	return last;
}

START_TEST(test_events_after_in_order)
{
	struct http_result r;
	char query[64];
	size_t i;
	json_t *event;

	world_create_request(&world, ALICE, "svc", 3600);
	int64_t mark = feed_position();
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);
	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
	ck_assert_int_eq(world_decide_status(&world, CAROL, id, "approve", NULL), 200);

	snprintf(query, sizeof query, "after=%lld", (long long)mark);
	ck_assert_int_eq(get_events(query, &r), 200);
	json_t *events = json_object_get(r.json, "events");
	static const char *const expected[] = {
		"request.created", "request.approval_added", "grant.created", "request.approved",
	};
	ck_assert_int_eq(json_array_size(events), 4);
	int64_t previous = mark;
	json_array_foreach(events, i, event) {
		int64_t seq = json_integer_value(json_object_get(event, "seq"));
		ck_assert_int_eq(seq, previous + 1);
		ck_assert_str_eq(json_string_value(json_object_get(event, "type")), expected[i]);
		ck_assert(json_is_object(json_object_get(event, "data")));
		ck_assert(json_is_string(json_object_get(event, "at")));
		previous = seq;
	}
	ck_assert_int_eq(http_json_int(&r, "last_seq"), previous);
	json_t *approved = json_array_get(events, 3);
	ck_assert_str_eq(json_string_value(json_object_get(approved, "actor")), "carol");
	ck_assert_int_eq(json_integer_value(json_object_get(approved, "id")), id);
	json_t *data = json_object_get(approved, "data");
	ck_assert_str_eq(json_string_value(json_object_get(data, "status")), "approved");
	ck_assert_int_eq(json_integer_value(json_object_get(data, "version")), 3);
	http_result_free(&r);
}
END_TEST

START_TEST(test_events_limit_pages)
{
	struct http_result r;
	char query[64];
	int64_t after = 0, seen = 0;

	for (int i = 0; i < 5; i++)
		world_create_request(&world, ERIN, "svc", 3600);
	for (int page = 0; page < 3; page++) {
		snprintf(query, sizeof query, "after=%lld&limit=2", (long long)after);
		ck_assert_int_eq(get_events(query, &r), 200);
		json_t *events = json_object_get(r.json, "events");
		ck_assert_int_eq(json_array_size(events), page < 2 ? 2 : 1);
		ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(events, 0), "seq")),
				 after + 1);
		seen += (int64_t)json_array_size(events);
		after = http_json_int(&r, "last_seq");
		http_result_free(&r);
	}
	ck_assert_int_eq(seen, 5);
	ck_assert_int_eq(after, 5);
}
END_TEST

struct delayed_change {
	long delay_ms;
};

static void *make_change_later(void *arg)
{
	struct delayed_change *change = arg;
	struct http_result r;
	char *body = request_body("svc", "read", "wake the poller", 3600);

	test_sleep_ms(change->delay_ms);
	http_call("POST", world.bp.url, "/v1/requests", world.tokens[ERIN], body, NULL, &r);
	http_result_free(&r);
	free(body);
	return NULL;
}

START_TEST(test_long_poll_wakes_early)
{
	struct delayed_change change = { 300 };
	struct http_result r;
	pthread_t thread;
	char query[64];
	int64_t mark = feed_position();

	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(query, sizeof query, "after=%lld&wait=2", (long long)mark);
	ck_assert_int_eq(pthread_create(&thread, NULL, make_change_later, &change), 0);
	int64_t started = time_monotonic_ms();
	ck_assert_int_eq(get_events(query, &r), 200);
	int64_t elapsed = time_monotonic_ms() - started;
	pthread_join(thread, NULL);

	ck_assert_int_eq(json_array_size(json_object_get(r.json, "events")), 1);
	ck_assert_int_eq(http_json_int(&r, "last_seq"), mark + 1);
	ck_assert_msg(elapsed < 1500, "the long poll answered after %lld ms", (long long)elapsed);
	http_result_free(&r);
	curl_global_cleanup();
}
END_TEST

START_TEST(test_long_poll_times_out)
{
	struct http_result r;
	char query[64];
	int64_t mark = feed_position();

	snprintf(query, sizeof query, "after=%lld&wait=1", (long long)mark);
	int64_t started = time_monotonic_ms();
	ck_assert_int_eq(get_events(query, &r), 200);
	int64_t elapsed = time_monotonic_ms() - started;
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "events")), 0);
	ck_assert_int_eq(http_json_int(&r, "last_seq"), mark);
	ck_assert_msg(elapsed >= 900, "the long poll answered after %lld ms", (long long)elapsed);
	ck_assert_msg(elapsed < 3000, "the long poll answered after %lld ms", (long long)elapsed);
	http_result_free(&r);
}
END_TEST

START_TEST(test_poll_without_wait_immediate)
{
	struct http_result r;
	char query[64];
	int64_t mark = feed_position();

	snprintf(query, sizeof query, "after=%lld", (long long)mark);
	int64_t started = time_monotonic_ms();
	ck_assert_int_eq(get_events(query, &r), 200);
	ck_assert_int_lt(time_monotonic_ms() - started, 900);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "events")), 0);
	http_result_free(&r);
}
END_TEST

struct long_poll {
	struct test_world *world;
	long status;
	int64_t elapsed_ms;
};

static void *poll_long(void *arg)
{
	struct long_poll *poll = arg;
	struct http_result r;
	int64_t started = time_monotonic_ms();

	http_call("GET", poll->world->bp.url, "/v1/events?after=0&wait=30",
		  poll->world->tokens[ROOT], NULL, NULL, &r);
	poll->status = r.status;
	poll->elapsed_ms = time_monotonic_ms() - started;
	http_result_free(&r);
	return NULL;
}

/* SIGTERM ends a long poll in flight at once, with a response, and the broker exits with 0. */
START_TEST(test_stop_ends_long_poll)
{
	struct long_poll poll = { &world, 0, 0 };
	pthread_t thread;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ck_assert_int_eq(pthread_create(&thread, NULL, poll_long, &poll), 0);
	test_sleep_ms(500);
	ck_assert_int_eq(broker_process_stop(&world.bp), 0);
	pthread_join(thread, NULL);
	ck_assert_int_eq(poll.status, 200);
	ck_assert_msg(poll.elapsed_ms < 10000, "the long poll lasted %lld ms", (long long)poll.elapsed_ms);
	curl_global_cleanup();
}
END_TEST

static void check_cursor_expired(int64_t after, int64_t last_seq)
{
	struct http_result r;
	char query[64];

	snprintf(query, sizeof query, "after=%lld", (long long)after);
	ck_assert_msg(get_events(query, &r) == 410, "after=%lld: %ld", (long long)after, r.status);
	ck_assert_str_eq(http_json_string(&r, "code"), "cursor_expired");
	ck_assert_str_eq(r.content_type, "application/problem+json");
	ck_assert_int_eq(http_json_int(&r, "last_seq"), last_seq);
	http_result_free(&r);
}

START_TEST(test_cursor_beyond_last_expired)
{
	struct http_result r;

	world_create_request(&world, ALICE, "svc", 3600);
	world_create_request(&world, ALICE, "svc", 3600);
	check_cursor_expired(3, 2);
	check_cursor_expired(1000000, 2);
	/* Nothing after 999999 was ever dropped: the detail says the cursor is ahead of the feed. */
	ck_assert_int_eq(get_events("after=999999", &r), 410);
	ck_assert_str_eq(http_json_string(&r, "detail"),
			 "after=999999 is beyond the newest event (2): list the objects again and "
			 "continue from last_seq");
	http_result_free(&r);
}
END_TEST

START_TEST(test_empty_feed_starts_at_zero)
{
	struct http_result r;

	ck_assert_int_eq(get_events("after=0", &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "events")), 0);
	ck_assert_int_eq(http_json_int(&r, "last_seq"), 0);
	http_result_free(&r);
	check_cursor_expired(1, 0);
}
END_TEST

/* With --event-retention 5 the broker keeps the newest five events and no more. */
START_TEST(test_pruned_cursor_expired)
{
	struct http_result r;
	char query[64];

	for (int i = 0; i < 4; i++)
		world_make_grant(&world, ALICE, "open");
	int64_t last = feed_position();
	ck_assert_int_eq(last, 12);

	check_cursor_expired(0, last);
	check_cursor_expired(last - RETENTION - 1, last);
	snprintf(query, sizeof query, "after=%lld", (long long)(last - RETENTION));
	ck_assert_int_eq(get_events(query, &r), 200);
	json_t *events = json_object_get(r.json, "events");
	ck_assert_int_eq(json_array_size(events), RETENTION);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(events, 0), "seq")),
			 last - RETENTION + 1);
	http_result_free(&r);
	ck_assert_int_eq(test_db_query_int(world.bp.db_path, "SELECT count(*) FROM events"), RETENTION);
}
END_TEST

static void *write_many(void *arg)
{
	struct http_result r;
	char *body = request_body("svc", "read", "stress", 3600);

	(void)arg;
	for (int i = 0; i < STRESS_WRITES; i++) {
		http_call("POST", world.bp.url, "/v1/requests", world.tokens[ERIN], body, NULL, &r);
		http_result_free(&r);
	}
	free(body);
	return NULL;
}

/*
 * A reader that follows the feed while writes prune it must get either the next
 * events without a gap or 410: never a page that silently skips events.
 */
START_TEST(test_feed_no_gap_while_pruning)
{
	struct http_result r;
	pthread_t writer;
	char query[64];
	int64_t cursor = 0;
	int pages = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	ck_assert_int_eq(pthread_create(&writer, NULL, write_many, NULL), 0);
	while (cursor < STRESS_WRITES) {
		snprintf(query, sizeof query, "after=%lld&limit=1000", (long long)cursor);
		long status = get_events(query, &r);
		ck_assert_msg(status == 200 || status == 410, "after=%lld: %ld", (long long)cursor,
			      status);
		json_t *first = json_array_get(json_object_get(r.json, "events"), 0);
		if (status == 200 && first)
			ck_assert_int_eq(json_integer_value(json_object_get(first, "seq")), cursor + 1);
		pages += status == 200;
		cursor = http_json_int(&r, "last_seq");
		http_result_free(&r);
	}
	pthread_join(writer, NULL);
	ck_assert_int_gt(pages, 0);
	curl_global_cleanup();
}
END_TEST

static Suite *feed_suite(void)
{
	Suite *suite = suite_create("broker_feed");
	TCase *feed = tcase_create("feed");
	TCase *retention = tcase_create("retention");

	tcase_set_timeout(feed, 60);
	tcase_add_unchecked_fixture(feed, build_world, destroy_world);
	tcase_add_checked_fixture(feed, start_broker, stop_broker);
	tcase_add_test(feed, test_events_after_in_order);
	tcase_add_test(feed, test_events_limit_pages);
	tcase_add_test(feed, test_long_poll_wakes_early);
	tcase_add_test(feed, test_long_poll_times_out);
	tcase_add_test(feed, test_poll_without_wait_immediate);
	tcase_add_test(feed, test_cursor_beyond_last_expired);
	tcase_add_test(feed, test_empty_feed_starts_at_zero);
	tcase_add_test(feed, test_stop_ends_long_poll);
	suite_add_tcase(suite, feed);

	tcase_set_timeout(retention, 60);
	tcase_add_unchecked_fixture(retention, build_world, destroy_world);
	tcase_add_checked_fixture(retention, start_short_feed, stop_broker);
	tcase_add_test(retention, test_pruned_cursor_expired);
	tcase_add_test(retention, test_feed_no_gap_while_pruning);
	suite_add_tcase(suite, retention);
	return suite;
}

CHECK_MAIN(feed_suite)
