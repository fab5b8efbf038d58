/*
 * Expiry and restarts of gatehoused: the reaper expires pending requests and
 * grants on time, and on start-up expires what fell due while it was down.
 * One test waits for a real 60 s grant to lapse, so this program takes over a minute.
 */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define EXPIRY_BOUND_MS 5000

static struct test_world world;

static const char *const short_ttl[] = { "--pending-ttl", "2s", NULL };

static void build_world(void)
{
	world_build(&world);
}

static void destroy_world(void)
{
	world_destroy(&world);
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* Stop the broker with SIGTERM, check its exit status, and start it again on the same database. */
static void restart_broker(const char *const *extra_args)
{
	ck_assert_int_eq(broker_process_stop(&world.bp), 0);
	ck_assert_msg(broker_process_start(&world.bp, false, extra_args),
		      "gatehoused did not restart; see %s/broker.log", world.bp.dir);
}

/* Poll GET path as root until its status is expected; fails after bound_ms. */
static void wait_for_status(const char *path, const char *expected, long bound_ms)
{
	struct http_result r;
	char last[32] = "";

	for (long waited = 0; waited <= bound_ms; waited += 100) {
		ck_assert_int_eq(world_get(&world, ROOT, path, &r), 200);
		snprintf(last, sizeof last, "%s", http_json_string(&r, "status"));
		http_result_free(&r);
		if (strcmp(last, expected) == 0)
			return;
		test_sleep_ms(100);
	}
	ck_abort_msg("%s is still %s after %ld ms, expected %s", path, last, bound_ms, expected);
}

/* The event of type about object id in the feed that root reads, or NULL. The caller frees it. */
static json_t *find_event(const char *type, const char *object, int64_t id)
{
	struct http_result r;
	size_t i;
	json_t *event, *found = NULL;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/events?after=0&limit=1000", &r), 200);
	json_array_foreach(json_object_get(r.json, "events"), i, event) {
		if (strcmp(json_string_value(json_object_get(event, "type")), type) == 0 &&
		    strcmp(json_string_value(json_object_get(event, "object")), object) == 0 &&
		    json_integer_value(json_object_get(event, "id")) == id)
			found = json_incref(event);
	}
	http_result_free(&r);
	return found;
}

/* Check the audit entry and the event that the reaper left for an expired object. */
static void check_expiry_recorded(const char *object, int64_t id, const char *action,
				  const char *event_type)
{
	struct http_result r;
	char path[128];
	size_t i;
	json_t *entry, *event;
	int entries = 0;

	snprintf(path, sizeof path, "/v1/audit?object=%s&object_id=%lld", object, (long long)id);
	ck_assert_int_eq(world_get(&world, ROOT, path, &r), 200);
	json_array_foreach(result_items(&r), i, entry) {
		if (strcmp(json_string_value(json_object_get(entry, "action")), action) != 0)
			continue;
		ck_assert_str_eq(json_string_value(json_object_get(entry, "actor")), "system");
		entries++;
	}
	http_result_free(&r);
	ck_assert_int_eq(entries, 1);

	event = find_event(event_type, object, id);
	ck_assert_msg(event != NULL, "no %s event for %s %lld", event_type, object, (long long)id);
	ck_assert_str_eq(json_string_value(json_object_get(event, "actor")), "system");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(event, "data"), "status")),
			 "expired");
	json_decref(event);
}

START_TEST(test_pending_expires_after_restart)
{
	struct http_result r;
	char path[64];

	world_start(&world, short_ttl);
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)id);

	ck_assert_int_eq(broker_process_stop(&world.bp), 0);
	test_sleep_ms(3000);
	ck_assert(broker_process_start(&world.bp, false, short_ttl));
	wait_for_status(path, "expired", EXPIRY_BOUND_MS);

	world_get_request(&world, id, &r);
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "system");
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	ck_assert(!json_is_null(json_object_get(r.json, "decided_at")));
	http_result_free(&r);
	check_expiry_recorded("request", id, "request.expire", "request.expired");
	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 409);
}
END_TEST

START_TEST(test_pending_expires_while_running)
{
	char path[64];

	world_start(&world, short_ttl);
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);
	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)id);
	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
	wait_for_status(path, "expired", EXPIRY_BOUND_MS);
	check_expiry_recorded("request", id, "request.expire", "request.expired");
	ck_assert_int_eq(world_count_items(&world, "/v1/grants"), 0);
}
END_TEST

/*
 * A grant lasts at least 60 s, so instead of waiting, move its expires_at into
 * the past in the database while the broker is down, as if the broker had been
 * stopped for an hour.
 */
START_TEST(test_grant_expires_after_restart)
{
	char path[64], sql[160];

	world_start(&world, NULL);
	int64_t grant_id = world_make_grant(&world, ALICE, "open");
	int64_t kept_id = world_make_grant(&world, ERIN, "open");
	ck_assert_int_eq(broker_process_stop(&world.bp), 0);
	snprintf(sql, sizeof sql, "UPDATE grants SET expires_at = expires_at - 7200 WHERE id = %lld",
		 (long long)grant_id);
	test_db_exec(world.bp.db_path, sql);

	ck_assert(broker_process_start(&world.bp, false, NULL));
	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)grant_id);
	wait_for_status(path, "expired", EXPIRY_BOUND_MS);
	check_expiry_recorded("grant", grant_id, "grant.expire", "grant.expired");
	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)kept_id);
	wait_for_status(path, "active", 0);
}
END_TEST

/* Slow: waits for a real 60 s grant, the shortest there is, to lapse. */
START_TEST(test_grant_expires_on_time)
{
	struct http_result r;
	char path[64];

	world_start(&world, NULL);
	int64_t id = world_create_request(&world, ALICE, "svc", 60);
	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", NULL, &r), 200);
	int64_t grant_id = http_json_int(&r, "grant_id");
	http_result_free(&r);

	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)grant_id);
	ck_assert_int_eq(world_get(&world, ROOT, path, &r), 200);
	int64_t expires_at = json_time_field(r.json, "expires_at");
	http_result_free(&r);
	wait_for_status(path, "expired", 70 * 1000);
	ck_assert_int_ge(time_now(), expires_at);
	check_expiry_recorded("grant", grant_id, "grant.expire", "grant.expired");

	ck_assert_int_eq(world_get(&world, ROOT, path, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	ck_assert(json_is_null(json_object_get(r.json, "revoked_at")));
	http_result_free(&r);
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(world_post(&world, ALICE, path, "{\"reason\": \"late\"}", &r), 409);
	http_result_free(&r);
}
END_TEST

START_TEST(test_restart_keeps_state)
{
	struct http_result before, after;

	world_start(&world, NULL);
	int64_t pending = world_create_request(&world, ALICE, "svc", 3600);
	int64_t grant_id = world_make_grant(&world, ALICE, "open");
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/me", &before), 200);

	restart_broker(NULL);
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/me", &after), 200);
	ck_assert_str_eq(http_json_string(&after, "broker_id"), http_json_string(&before, "broker_id"));
	http_result_free(&before);
	http_result_free(&after);
	ck_assert_int_eq(world_decide_status(&world, BOB, pending, "approve", NULL), 200);

	/* An idempotency key outlives a restart: the retry is answered from the stored response. */
	const char *key[] = { "Idempotency-Key: before-restart", NULL };
	char *body = request_body("open", "read", "once", 3600);
	ck_assert_int_eq(world_call(&world, ERIN, "POST", "/v1/requests", body, key, &before), 201);
	restart_broker(NULL);
	ck_assert_int_eq(world_call(&world, ERIN, "POST", "/v1/requests", body, key, &after), 201);
	ck_assert_int_eq(after.replayed, 1);
	ck_assert_str_eq(after.body, before.body);
	http_result_free(&before);
	http_result_free(&after);
	free(body);

	char path[64];
	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)grant_id);
	wait_for_status(path, "active", 0);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 3);
}
END_TEST

/* A fresh demo seed takes seconds (more under the sanitizers): one test, one seed. */
START_TEST(test_demo_restart_keeps_seed)
{
	struct broker_process bp = { 0 };
	struct http_result r;
	const char *demo_args[] = { "--quiet", NULL };

	ck_assert_msg(broker_process_start(&bp, true, demo_args), "the demo broker did not start");
	int64_t requests = test_db_query_int(bp.db_path, "SELECT count(*) FROM requests");
	int64_t grants = test_db_query_int(bp.db_path, "SELECT count(*) FROM grants");
	int64_t seeded_at = test_db_query_int(bp.db_path,
		"SELECT value FROM meta WHERE key = 'demo.seeded_at'");
	ck_assert_int_gt(requests, 1000);
	ck_assert_int_eq(http_call("GET", bp.url, "/v1/me", bp.admin_token, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	char broker_id[64];
	snprintf(broker_id, sizeof broker_id, "%s", http_json_string(&r, "broker_id"));
	http_result_free(&r);
	char admin_token[sizeof bp.admin_token];
	snprintf(admin_token, sizeof admin_token, "%s", bp.admin_token);

	ck_assert_int_eq(broker_process_stop(&bp), 0);
	ck_assert_msg(broker_process_start(&bp, true, demo_args), "the demo broker did not restart");
	ck_assert_int_eq(test_db_query_int(bp.db_path, "SELECT count(*) FROM requests"), requests);
	ck_assert_int_eq(test_db_query_int(bp.db_path, "SELECT count(*) FROM grants"), grants);
	ck_assert_int_eq(test_db_query_int(bp.db_path,
		"SELECT value FROM meta WHERE key = 'demo.seeded_at'"), seeded_at);
	ck_assert_str_eq(bp.admin_token, admin_token);

	ck_assert_int_eq(http_call("GET", bp.url, "/v1/me", bp.admin_token, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_json_string(&r, "broker_id"), broker_id);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", bp.url, "/v1/requests?status=pending&limit=1",
				   bp.approver_token, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_array_size(result_items(&r)), 1);
	http_result_free(&r);
	ck_assert_int_eq(http_call("GET", bp.url, "/v1/audit/verify", bp.admin_token, NULL, NULL, &r),
			 0);
	ck_assert(json_is_true(json_object_get(r.json, "ok")));
	http_result_free(&r);
	int status = broker_process_stop(&bp);
	broker_process_cleanup(&bp);
	ck_assert_int_eq(status, 0);
}
END_TEST

static Suite *expiry_suite(void)
{
	Suite *suite = suite_create("broker_expiry");
	TCase *expiry = tcase_create("expiry");
	TCase *demo = tcase_create("demo");

	tcase_set_timeout(expiry, 120);
	tcase_add_unchecked_fixture(expiry, build_world, destroy_world);
	tcase_add_checked_fixture(expiry, NULL, stop_broker);
	tcase_add_test(expiry, test_pending_expires_after_restart);
	tcase_add_test(expiry, test_pending_expires_while_running);
	tcase_add_test(expiry, test_grant_expires_after_restart);
	tcase_add_test(expiry, test_grant_expires_on_time);
	tcase_add_test(expiry, test_restart_keeps_state);
	suite_add_tcase(suite, expiry);

	tcase_set_timeout(demo, 120);
	tcase_add_test(demo, test_demo_restart_keeps_seed);
	suite_add_tcase(suite, demo);
	return suite;
}

CHECK_MAIN(expiry_suite)
