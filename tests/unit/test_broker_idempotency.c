/* If-Match and Idempotency-Key in gatehoused: conditional writes and safe retries. */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

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

static void stop_broker(void)
{
	world_stop(&world);
}

/* POST path as who with one extra header (NULL for none). */
static long post_with(enum cast_member who, const char *path, const char *body, const char *header,
		      struct http_result *result)
{
	const char *headers[] = { header, NULL };

	return world_call(&world, who, "POST", path, body, headers, result);
}

static long approve_with(enum cast_member who, int64_t id, const char *header,
			 struct http_result *result)
{
	char path[64];

	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
	return post_with(who, path, "{\"reason\": \"ok\"}", header, result);
}

static int64_t request_version(int64_t id)
{
	struct http_result r;
	int64_t version;

	world_get_request(&world, id, &r);
	version = http_json_int(&r, "version");
	http_result_free(&r);
	return version;
}

START_TEST(test_etag_is_version)
{
	struct http_result r;
	char expected[16];
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);

	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
	world_get_request(&world, id, &r);
	snprintf(expected, sizeof expected, "\"%lld\"", (long long)http_json_int(&r, "version"));
	ck_assert_str_eq(r.etag, expected);
	ck_assert_str_eq(r.etag, "\"2\"");
	http_result_free(&r);
}
END_TEST

START_TEST(test_if_match_current_succeeds)
{
	static const char *const forms[] = { "If-Match: \"1\"", "If-Match: 1", "If-Match: *" };
	struct http_result r;

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		int64_t id = world_create_request(&world, ALICE, "svc", 3600);
		ck_assert_msg(approve_with(BOB, id, forms[i], &r) == 200, "%s: %ld %s", forms[i],
			      r.status, r.body);
		ck_assert_str_eq(http_json_string(&r, "status"), "approved");
		http_result_free(&r);
	}
}
END_TEST

START_TEST(test_if_match_stale_changes_nothing)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);

	ck_assert_int_eq(approve_with(BOB, id, "If-Match: \"1\"", &r), 200);
	http_result_free(&r);
	size_t audit_before = world_count_audit(&world, "request", id, NULL);

	ck_assert_int_eq(approve_with(CAROL, id, "If-Match: \"1\"", &r), 412);
	ck_assert_str_eq(http_json_string(&r, "code"), "stale_version");
	http_result_free(&r);
	world_get_request(&world, id, &r);
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 1);
	http_result_free(&r);
	ck_assert_int_eq(world_count_audit(&world, "request", id, NULL), audit_before);

	ck_assert_int_eq(approve_with(CAROL, id, "If-Match: \"2\"", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	http_result_free(&r);
}
END_TEST

START_TEST(test_if_match_stale_on_grant)
{
	struct http_result r;
	char path[64];
	int64_t grant_id = world_make_grant(&world, ALICE, "open");

	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(post_with(ROOT, path, "{\"reason\": \"x\"}", "If-Match: \"7\"", &r), 412);
	ck_assert_str_eq(http_json_string(&r, "code"), "stale_version");
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 1);
	ck_assert_int_eq(post_with(ROOT, path, "{\"reason\": \"x\"}", "If-Match: \"1\"", &r), 200);
	ck_assert_str_eq(r.etag, "\"2\"");
	http_result_free(&r);
}
END_TEST

START_TEST(test_if_match_malformed_rejected)
{
	static const char *const malformed[] = {
		"If-Match: \"abc\"", "If-Match: \"1", "If-Match: 1\"", "If-Match: \"-1\"",
		"If-Match: 1.5", "If-Match: \"1\", \"2\"", "If-Match: 99999999999999999999999",
		"If-Match: -0", "If-Match: \"+1\"", "If-Match: W/", "If-Match: W/\"x\"",
	};
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		ck_assert_msg(approve_with(BOB, id, malformed[i], &r) == 400, "%s: %ld", malformed[i],
			      r.status);
		ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
		ck_assert_str_eq(http_json_string(&r, "field"), "If-Match");
		http_result_free(&r);
	}
	ck_assert_int_eq(request_version(id), 1);
}
END_TEST

/* If-Match uses the strong comparison (RFC 9110 section 13.1.1): a weak tag never matches. */
START_TEST(test_if_match_weak_never_matches)
{
	struct http_result r;
	char path[64];
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	int64_t grant_id = world_make_grant(&world, ALICE, "open");

	ck_assert_int_eq(approve_with(BOB, id, "If-Match: W/\"1\"", &r), 412);
	ck_assert_str_eq(http_json_string(&r, "code"), "stale_version");
	ck_assert_msg(strstr(http_json_string(&r, "detail"), "weak") != NULL, "%s", r.body);
	http_result_free(&r);
	ck_assert_int_eq(request_version(id), 1);

	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(post_with(ROOT, path, "{\"reason\": \"x\"}", "If-Match: W/\"1\"", &r), 412);
	ck_assert_str_eq(http_json_string(&r, "code"), "stale_version");
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 1);

	ck_assert_int_eq(approve_with(BOB, id, "If-Match: \"1\"", &r), 200);
	http_result_free(&r);
}
END_TEST

START_TEST(test_key_replays_create)
{
	struct http_result first, second;
	char *body = request_body("svc", "read", "retry me", 3600);

	ck_assert_int_eq(post_with(ALICE, "/v1/requests", body, "Idempotency-Key: create-1", &first),
			 201);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", body, "Idempotency-Key: create-1", &second),
			 201);
	ck_assert_str_eq(first.body, second.body);
	ck_assert_int_eq(first.replayed, 0);
	ck_assert_int_eq(second.replayed, 1);
	ck_assert_str_eq(second.location, first.location);
	ck_assert_str_eq(second.etag, first.etag);
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 1);
	ck_assert_int_eq(world_count_audit(&world, "request", http_json_int(&first, "id"), NULL), 1);
	http_result_free(&first);
	http_result_free(&second);
	free(body);
}
END_TEST

START_TEST(test_key_replays_approve)
{
	struct http_result first, second;
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);

	ck_assert_int_eq(approve_with(BOB, id, "Idempotency-Key: approve-1", &first), 200);
	ck_assert_int_eq(approve_with(BOB, id, "Idempotency-Key: approve-1", &second), 200);
	ck_assert_str_eq(first.body, second.body);
	ck_assert_int_eq(second.replayed, 1);
	ck_assert_int_eq(request_version(id), 2);
	ck_assert_int_eq(world_count_audit(&world, "request", id, "request.approve"), 1);
	http_result_free(&first);
	http_result_free(&second);

	/* The replay stays the same after the request moved on. */
	ck_assert_int_eq(world_decide_status(&world, CAROL, id, "approve", NULL), 200);
	ck_assert_int_eq(approve_with(BOB, id, "Idempotency-Key: approve-1", &second), 200);
	ck_assert_int_eq(http_json_int(&second, "version"), 2);
	ck_assert_int_eq(second.replayed, 1);
	http_result_free(&second);
}
END_TEST

START_TEST(test_key_replays_bulk_revoke)
{
	struct http_result first, second;
	static const char body[] = "{\"principal\": \"alice\", \"reason\": \"incident\"}";

	world_make_grant(&world, ALICE, "open");
	world_make_grant(&world, ALICE, "open-b");
	ck_assert_int_eq(post_with(ROOT, "/v1/grants/revoke", body, "Idempotency-Key: bulk", &first),
			 200);
	world_make_grant(&world, ALICE, "open-c");
	ck_assert_int_eq(post_with(ROOT, "/v1/grants/revoke", body, "Idempotency-Key: bulk", &second),
			 200);
	ck_assert_str_eq(first.body, second.body);
	ck_assert_int_eq(http_json_int(&second, "revoked"), 2);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 1);
	http_result_free(&first);
	http_result_free(&second);
}
END_TEST

START_TEST(test_key_other_body_rejected)
{
	struct http_result r;
	char *body = request_body("svc", "read", "first", 3600);
	char *other = request_body("svc", "read", "second", 3600);

	ck_assert_int_eq(post_with(ALICE, "/v1/requests", body, "Idempotency-Key: k", &r), 201);
	int64_t id = http_json_int(&r, "id");
	http_result_free(&r);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", other, "Idempotency-Key: k", &r), 422);
	ck_assert_str_eq(http_json_string(&r, "code"), "idempotency_key_reused");
	ck_assert_int_eq(r.replayed, 0);
	http_result_free(&r);
	ck_assert_int_eq(approve_with(BOB, id, "Idempotency-Key: k", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 1);
	free(body);
	free(other);
}
END_TEST

START_TEST(test_key_other_path_rejected)
{
	struct http_result r;
	int64_t first = world_create_request(&world, ALICE, "svc", 3600);
	int64_t second = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(approve_with(BOB, first, "Idempotency-Key: same", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(approve_with(BOB, second, "Idempotency-Key: same", &r), 422);
	ck_assert_str_eq(http_json_string(&r, "code"), "idempotency_key_reused");
	http_result_free(&r);
	ck_assert_int_eq(request_version(second), 1);
}
END_TEST

START_TEST(test_key_scoped_to_principal)
{
	struct http_result r;
	char *body = request_body("svc", "read", "same", 3600);

	ck_assert_int_eq(post_with(ALICE, "/v1/requests", body, "Idempotency-Key: shared", &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(post_with(ERIN, "/v1/requests", body, "Idempotency-Key: shared", &r), 201);
	ck_assert_int_eq(r.replayed, 0);
	ck_assert_str_eq(http_json_string(&r, "requester"), "erin");
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 2);
	free(body);
}
END_TEST

/*
 * The broker stores a key only with a successful write, in the same transaction,
 * so a write that failed can be retried with the same key once the cause is fixed.
 */
START_TEST(test_key_failed_write_not_stored)
{
	struct http_result r;
	char *bad = request_body("svc", "read", "too short", 30);
	char *good = request_body("svc", "read", "fixed", 3600);

	ck_assert_int_eq(post_with(ALICE, "/v1/requests", bad, "Idempotency-Key: retry", &r), 400);
	http_result_free(&r);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", bad, "Idempotency-Key: retry", &r), 400);
	ck_assert_int_eq(r.replayed, 0);
	http_result_free(&r);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", good, "Idempotency-Key: retry", &r), 201);
	ck_assert_int_eq(r.replayed, 0);
	http_result_free(&r);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", good, "Idempotency-Key: retry", &r), 201);
	ck_assert_int_eq(r.replayed, 1);
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 1);
	free(bad);
	free(good);
}
END_TEST

START_TEST(test_key_after_conflict_not_stored)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);

	/* Carol's first try fails on an old If-Match; her retry with the same key and no If-Match works. */
	ck_assert_int_eq(approve_with(BOB, id, NULL, &r), 200);
	http_result_free(&r);
	const char *headers[] = { "Idempotency-Key: carol-1", "If-Match: \"1\"", NULL };
	char path[64];
	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
	ck_assert_int_eq(world_call(&world, CAROL, "POST", path, "{\"reason\": \"ok\"}", headers, &r),
			 412);
	http_result_free(&r);
	ck_assert_int_eq(approve_with(CAROL, id, "Idempotency-Key: carol-1", &r), 200);
	ck_assert_int_eq(r.replayed, 0);
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	http_result_free(&r);
}
END_TEST

START_TEST(test_key_malformed_rejected)
{
	struct http_result r;
	char long_key[300];
	char *body = request_body("svc", "read", "k", 3600);

	snprintf(long_key, sizeof long_key, "Idempotency-Key: %0256d", 1);
	const char *keys[] = { long_key, "Idempotency-Key: has space", "Idempotency-Key: t\xc3\xa9st" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		ck_assert_msg(post_with(ALICE, "/v1/requests", body, keys[i], &r) == 400, "%s: %ld",
			      keys[i], r.status);
		ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
		http_result_free(&r);
	}
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 0);
	free(body);
}
END_TEST

START_TEST(test_key_longest_accepted)
{
	struct http_result r;
	char key[300];
	char *body = request_body("svc", "read", "k", 3600);

	snprintf(key, sizeof key, "Idempotency-Key: %0255d", 1);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", body, key, &r), 201);
	http_result_free(&r);
	ck_assert_int_eq(post_with(ALICE, "/v1/requests", body, key, &r), 201);
	ck_assert_int_eq(r.replayed, 1);
	http_result_free(&r);
	free(body);
}
END_TEST

static Suite *idempotency_suite(void)
{
	Suite *suite = suite_create("broker_idempotency");
	TCase *versions = tcase_create("if_match");
	TCase *keys = tcase_create("idempotency_key");

	tcase_set_timeout(versions, 60);
	tcase_add_unchecked_fixture(versions, build_world, destroy_world);
	tcase_add_checked_fixture(versions, start_broker, stop_broker);
	tcase_add_test(versions, test_etag_is_version);
	tcase_add_test(versions, test_if_match_current_succeeds);
	tcase_add_test(versions, test_if_match_stale_changes_nothing);
	tcase_add_test(versions, test_if_match_stale_on_grant);
	tcase_add_test(versions, test_if_match_malformed_rejected);
	tcase_add_test(versions, test_if_match_weak_never_matches);
	suite_add_tcase(suite, versions);

	tcase_set_timeout(keys, 60);
	tcase_add_unchecked_fixture(keys, build_world, destroy_world);
	tcase_add_checked_fixture(keys, start_broker, stop_broker);
	tcase_add_test(keys, test_key_replays_create);
	tcase_add_test(keys, test_key_replays_approve);
	tcase_add_test(keys, test_key_replays_bulk_revoke);
	tcase_add_test(keys, test_key_other_body_rejected);
	tcase_add_test(keys, test_key_other_path_rejected);
	tcase_add_test(keys, test_key_scoped_to_principal);
	tcase_add_test(keys, test_key_failed_write_not_stored);
	tcase_add_test(keys, test_key_after_conflict_not_stored);
	tcase_add_test(keys, test_key_malformed_rejected);
	tcase_add_test(keys, test_key_longest_accepted);
	suite_add_tcase(suite, keys);
	return suite;
}

CHECK_MAIN(idempotency_suite)
