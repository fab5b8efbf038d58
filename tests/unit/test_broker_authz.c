/* Authentication and authorization in gatehoused: who may read and change what. */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

static struct test_world world;

static void build_world(void)
{
	world_build(&world);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void destroy_world(void)
{
	world_destroy(&world);
	curl_global_cleanup();
}

static void start_broker(void)
{
	world_start(&world, NULL);
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* GET /v1/me with exactly these headers; checks the 401 and its WWW-Authenticate header. */
static void check_rejected(const char *const *headers, const char *what)
{
	CURL *curl = curl_easy_init();
	struct raw_response r;
	char url[128], challenge[128];
	json_t *problem;

	snprintf(url, sizeof url, "%s/v1/me", world.bp.url);
	ck_assert_int_eq(raw_call(curl, url, "GET", headers, NULL, 0, &r), CURLE_OK);
	ck_assert_msg(r.status == 401, "%s: %ld", what, r.status);
	ck_assert_msg(raw_header(&r, "WWW-Authenticate", challenge, sizeof challenge),
		      "%s: no WWW-Authenticate", what);
	ck_assert_msg(strncmp(challenge, "Bearer", 6) == 0, "%s: WWW-Authenticate: %s", what,
		      challenge);
	problem = json_loads(strbuf_str(&r.body), 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(problem, "code")), "unauthenticated");
	json_decref(problem);
	raw_response_free(&r);
	curl_easy_cleanup(curl);
}

START_TEST(test_missing_token_rejected)
{
	check_rejected(NULL, "no Authorization");
}
END_TEST

START_TEST(test_malformed_token_rejected)
{
	static const char *const malformed[] = {
		"Authorization:",
		"Authorization: Bearer",
		"Authorization: Bearer ",
		"Authorization: Basic YWxpY2U6c2VjcmV0",
		"Authorization: bearer-ghs_nothing",
		"Authorization: Token ghs_abc",
	};

	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		const char *headers[] = { malformed[i], NULL };
		check_rejected(headers, malformed[i]);
	}
}
END_TEST

START_TEST(test_unknown_token_rejected)
{
	char header[TEST_TOKEN_SIZE + 32], long_header[1200];
	const char *headers[] = { header, NULL };

	/* A token of the right shape that the broker never issued, and one a character off. */
	snprintf(header, sizeof header, "Authorization: Bearer ghs_%043d", 7);
	check_rejected(headers, "made-up token");
	snprintf(header, sizeof header, "Authorization: Bearer %s", world.tokens[ALICE]);
	size_t last = strlen(header) - 1;
	header[last] = header[last] == 'A' ? 'B' : 'A';
	check_rejected(headers, "altered token");
	memset(long_header, 'a', sizeof long_header - 1);
	long_header[sizeof long_header - 1] = '\0';
	memcpy(long_header, "Authorization: Bearer ", 22);
	headers[0] = long_header;
	check_rejected(headers, "1 KB token");
}
END_TEST

START_TEST(test_token_identifies_principal)
{
	struct http_result r;

	for (int i = 0; i < CAST_COUNT; i++) {
		ck_assert_int_eq(world_get(&world, (enum cast_member)i, "/v1/me", &r), 200);
		ck_assert_str_eq(http_json_string(&r, "id"), cast[i].id);
		http_result_free(&r);
	}
}
END_TEST

START_TEST(test_healthz_needs_no_token)
{
	struct http_result r;

	ck_assert_int_eq(world_get(&world, NOBODY, "/healthz", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "ok");
	http_result_free(&r);
}
END_TEST

START_TEST(test_self_approval_rejected)
{
	struct http_result r;
	int64_t bob_request = world_create_request(&world, BOB, "svc", 3600);
	int64_t root_request = world_create_request(&world, ROOT, "svc", 3600);

	ck_assert_int_eq(world_decide(&world, BOB, bob_request, "approve", NULL, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "self_approval");
	http_result_free(&r);
	ck_assert_int_eq(world_decide(&world, BOB, bob_request, "deny", "mine", &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "self_approval");
	http_result_free(&r);
	ck_assert_int_eq(world_decide(&world, ROOT, root_request, "approve", NULL, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "self_approval");
	http_result_free(&r);

	world_get_request(&world, bob_request, &r);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_int_eq(http_json_int(&r, "version"), 1);
	http_result_free(&r);
	ck_assert_int_eq(world_decide_status(&world, CAROL, bob_request, "approve", NULL), 200);
	ck_assert_int_eq(world_decide_status(&world, BOB, root_request, "approve", NULL), 200);
}
END_TEST

START_TEST(test_approver_outside_group_forbidden)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide(&world, DAVE, id, "approve", NULL, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(world_decide(&world, DAVE, id, "deny", "not mine", &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	world_get_request(&world, id, &r);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	http_result_free(&r);

	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
}
END_TEST

START_TEST(test_admin_decides_any_group)
{
	int64_t id = world_create_request(&world, ALICE, "db1", 3600);

	ck_assert_int_eq(world_decide_status(&world, ROOT, id, "approve", NULL), 200);
}
END_TEST

/*
 * A requester cannot see other people's requests, so deciding one answers 404,
 * like reading it: the broker does not confirm that the request exists.
 */
START_TEST(test_requester_cannot_decide)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide(&world, ERIN, id, "approve", NULL, &r), 404);
	ck_assert_str_eq(http_json_string(&r, "code"), "not_found");
	http_result_free(&r);
	ck_assert_int_eq(world_decide_status(&world, ERIN, id, "deny", "no"), 404);
	ck_assert_int_eq(world_decide(&world, ALICE, id, "approve", NULL, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "self_approval");
	http_result_free(&r);
	world_get_request(&world, id, &r);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 0);
	http_result_free(&r);
}
END_TEST

START_TEST(test_cancel_by_other_forbidden)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide(&world, BOB, id, "cancel", NULL, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(world_decide(&world, ROOT, id, "cancel", NULL, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(world_decide_status(&world, ERIN, id, "cancel", NULL), 404);
	world_get_request(&world, id, &r);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	http_result_free(&r);
}
END_TEST

/* Check that every item of GET path as who has field equal to owner; returns how many there are. */
static size_t count_owned(enum cast_member who, const char *path, const char *field,
			  const char *owner)
{
	struct http_result r;
	size_t i, count;
	json_t *item;

	ck_assert_int_eq(world_get(&world, who, path, &r), 200);
	json_array_foreach(result_items(&r), i, item)
		ck_assert_str_eq(json_string_value(json_object_get(item, field)), owner);
	count = json_array_size(result_items(&r));
	http_result_free(&r);
	return count;
}

START_TEST(test_requester_sees_own_requests)
{
	struct http_result r;
	char path[64];

	world_create_request(&world, ALICE, "svc", 3600);
	world_create_request(&world, ALICE, "db1", 3600);
	int64_t erins = world_create_request(&world, ERIN, "svc", 3600);

	ck_assert_int_eq(count_owned(ALICE, "/v1/requests", "requester", "alice"), 2);
	ck_assert_int_eq(count_owned(ALICE, "/v1/requests?requester=erin", "requester", "alice"), 2);
	ck_assert_int_eq(count_owned(ERIN, "/v1/requests", "requester", "erin"), 1);
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 3);

	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)erins);
	ck_assert_int_eq(world_get(&world, ALICE, path, &r), 404);
	ck_assert_str_eq(http_json_string(&r, "code"), "not_found");
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ERIN, path, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, BOB, path, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, AUDREY, path, &r), 200);
	http_result_free(&r);
}
END_TEST

START_TEST(test_requester_sees_own_grants)
{
	struct http_result r;
	char path[64];

	world_make_grant(&world, ALICE, "open");
	int64_t erins = world_make_grant(&world, ERIN, "open");

	ck_assert_int_eq(count_owned(ALICE, "/v1/grants", "principal", "alice"), 1);
	ck_assert_int_eq(count_owned(ALICE, "/v1/grants?principal=erin", "principal", "alice"), 1);
	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)erins);
	ck_assert_int_eq(world_get(&world, ALICE, path, &r), 404);
	http_result_free(&r);
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)erins);
	ck_assert_int_eq(world_post(&world, ALICE, path, "{\"reason\": \"mine now\"}", &r), 404);
	http_result_free(&r);
}
END_TEST

START_TEST(test_auditor_cannot_write)
{
	struct http_result r;
	char path[64];
	char *body = request_body("svc", "read", "audit", 3600);
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	int64_t grant_id = world_make_grant(&world, ALICE, "open");

	ck_assert_int_eq(world_post(&world, AUDREY, "/v1/requests", body, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(world_decide_status(&world, AUDREY, id, "approve", NULL), 403);
	ck_assert_int_eq(world_decide_status(&world, AUDREY, id, "deny", "no"), 403);
	ck_assert_int_eq(world_decide_status(&world, AUDREY, id, "cancel", NULL), 403);
	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(world_post(&world, AUDREY, path, "{\"reason\": \"x\"}", &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, AUDREY, "/v1/grants/revoke",
				    "{\"principal\": \"alice\", \"reason\": \"x\"}", &r), 403);
	http_result_free(&r);

	ck_assert_int_eq(count_owned(AUDREY, "/v1/requests", "requester", "alice"), 2);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 1);
	world_get_request(&world, id, &r);
	ck_assert_int_eq(http_json_int(&r, "version"), 1);
	http_result_free(&r);
	free(body);
}
END_TEST

START_TEST(test_bulk_revoke_needs_admin)
{
	struct http_result r;
	static const char body[] = "{\"principal\": \"alice\", \"reason\": \"incident\"}";

	world_make_grant(&world, ALICE, "open");
	ck_assert_int_eq(world_post(&world, BOB, "/v1/grants/revoke", body, &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, ALICE, "/v1/grants/revoke", body, &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 1);
	ck_assert_int_eq(world_post(&world, ROOT, "/v1/grants/revoke", body, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "revoked"), 1);
	http_result_free(&r);
}
END_TEST

START_TEST(test_revoke_by_owner_group)
{
	struct http_result r;
	char path[64];
	int64_t ops_grant = world_make_grant(&world, ALICE, "open");
	int64_t db_grant = world_make_grant(&world, ALICE, "open-c");

	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)ops_grant);
	ck_assert_int_eq(world_post(&world, DAVE, path, "{\"reason\": \"x\"}", &r), 403);
	ck_assert_str_eq(http_json_string(&r, "code"), "forbidden");
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, BOB, path, "{\"reason\": \"x\"}", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "revoked_by"), "bob");
	http_result_free(&r);

	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)db_grant);
	ck_assert_int_eq(world_post(&world, BOB, path, "{\"reason\": \"x\"}", &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(world_post(&world, DAVE, path, "{\"reason\": \"x\"}", &r), 200);
	http_result_free(&r);
}
END_TEST

static long audit_status(enum cast_member who, const char *query)
{
	struct http_result r;
	char path[160];
	long status;

	snprintf(path, sizeof path, "/v1/audit%s", query);
	status = world_get(&world, who, path, &r);
	http_result_free(&r);
	return status;
}

START_TEST(test_audit_reading_rules)
{
	char own[96], other[96], own_with_actor[128];
	int64_t alices = world_create_request(&world, ALICE, "svc", 3600);
	int64_t erins = world_create_request(&world, ERIN, "svc", 3600);

	snprintf(own, sizeof own, "?object=request&object_id=%lld", (long long)alices);
	snprintf(other, sizeof other, "?object=request&object_id=%lld", (long long)erins);
	snprintf(own_with_actor, sizeof own_with_actor, "%s&actor=erin", own);

	ck_assert_int_eq(audit_status(ROOT, ""), 200);
	ck_assert_int_eq(audit_status(AUDREY, ""), 200);
	ck_assert_int_eq(audit_status(AUDREY, "?actor=alice"), 200);
	ck_assert_int_eq(audit_status(BOB, ""), 403);
	ck_assert_int_eq(audit_status(BOB, "?actor=alice"), 403);
	ck_assert_int_eq(audit_status(BOB, other), 200);
	ck_assert_int_eq(audit_status(ALICE, ""), 403);
	ck_assert_int_eq(audit_status(ALICE, own), 200);
	ck_assert_int_eq(audit_status(ALICE, other), 403);
	ck_assert_int_eq(audit_status(ALICE, own_with_actor), 403);
	ck_assert_int_eq(audit_status(ALICE, "?object=request"), 403);
}
END_TEST

START_TEST(test_audit_verify_rules)
{
	struct http_result r;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/audit/verify", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, AUDREY, "/v1/audit/verify", &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, BOB, "/v1/audit/verify", &r), 403);
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/audit/verify", &r), 403);
	http_result_free(&r);
}
END_TEST

START_TEST(test_requester_feed_is_own)
{
	struct http_result r;
	size_t i;
	json_t *event;

	world_create_request(&world, ALICE, "svc", 3600);
	world_create_request(&world, ERIN, "svc", 3600);
	world_make_grant(&world, ERIN, "open");

	ck_assert_int_eq(world_get(&world, ALICE, "/v1/events?after=0", &r), 200);
	json_t *events = json_object_get(r.json, "events");
	ck_assert_int_eq(json_array_size(events), 1);
	json_array_foreach(events, i, event) {
		json_t *data = json_object_get(event, "data");
		ck_assert_str_eq(json_string_value(json_object_get(data, "requester")), "alice");
	}
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, BOB, "/v1/events?after=0", &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "events")), 5);
	http_result_free(&r);
}
END_TEST

static Suite *authz_suite(void)
{
	Suite *suite = suite_create("broker_authz");
	TCase *authn = tcase_create("authentication");
	TCase *roles = tcase_create("roles");

	tcase_set_timeout(authn, 60);
	tcase_add_unchecked_fixture(authn, build_world, destroy_world);
	tcase_add_checked_fixture(authn, start_broker, stop_broker);
	tcase_add_test(authn, test_missing_token_rejected);
	tcase_add_test(authn, test_malformed_token_rejected);
	tcase_add_test(authn, test_unknown_token_rejected);
	tcase_add_test(authn, test_token_identifies_principal);
	tcase_add_test(authn, test_healthz_needs_no_token);
	suite_add_tcase(suite, authn);

	tcase_set_timeout(roles, 60);
	tcase_add_unchecked_fixture(roles, build_world, destroy_world);
	tcase_add_checked_fixture(roles, start_broker, stop_broker);
	tcase_add_test(roles, test_self_approval_rejected);
	tcase_add_test(roles, test_approver_outside_group_forbidden);
	tcase_add_test(roles, test_admin_decides_any_group);
	tcase_add_test(roles, test_requester_cannot_decide);
	tcase_add_test(roles, test_cancel_by_other_forbidden);
	tcase_add_test(roles, test_requester_sees_own_requests);
	tcase_add_test(roles, test_requester_sees_own_grants);
	tcase_add_test(roles, test_auditor_cannot_write);
	tcase_add_test(roles, test_bulk_revoke_needs_admin);
	tcase_add_test(roles, test_revoke_by_owner_group);
	tcase_add_test(roles, test_audit_reading_rules);
	tcase_add_test(roles, test_audit_verify_rules);
	tcase_add_test(roles, test_requester_feed_is_own);
	suite_add_tcase(suite, roles);
	return suite;
}

CHECK_MAIN(authz_suite)
