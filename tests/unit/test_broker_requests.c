/* The request state machine of gatehoused, driven over HTTP. */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define DEFAULT_PENDING_TTL (24 * 3600)

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

/* The types of the events after seq `after` about one object, in feed order, comma-separated. */
static void event_types(const char *object, int64_t id, int64_t after, char *out, size_t size)
{
	struct http_result r;
	char path[96];
	size_t i, used = 0;
	json_t *event;

	out[0] = '\0';
	snprintf(path, sizeof path, "/v1/events?after=%lld", (long long)after);
	ck_assert_int_eq(world_get(&world, ROOT, path, &r), 200);
	json_array_foreach(json_object_get(r.json, "events"), i, event) {
		if (strcmp(json_string_value(json_object_get(event, "object")), object) != 0 ||
		    json_integer_value(json_object_get(event, "id")) != id)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "",
					 json_string_value(json_object_get(event, "type")));
	}
	http_result_free(&r);
}

START_TEST(test_create_is_pending)
{
	struct http_result r;
	char *body = request_body("svc", "read", "INC-1: look at logs", 3600);

	ck_assert_int_eq(world_post(&world, ALICE, "/v1/requests", body, &r), 201);
	int64_t id = http_json_int(&r, "id");
	char location[64];
	snprintf(location, sizeof location, "/v1/requests/%lld", (long long)id);
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(r.location, location);
	ck_assert_str_eq(r.etag, "\"1\"");
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_str_eq(http_json_string(&r, "requester"), "alice");
	ck_assert_str_eq(http_json_string(&r, "resource"), "svc");
	ck_assert_str_eq(http_json_string(&r, "reason"), "INC-1: look at logs");
	ck_assert_str_eq(http_json_string(&r, "approver_group"), "ops");
	ck_assert_int_eq(http_json_int(&r, "approvals_needed"), 1);
	ck_assert_int_eq(http_json_int(&r, "duration_seconds"), 3600);
	ck_assert_int_eq(http_json_int(&r, "version"), 1);
	ck_assert(json_is_null(json_object_get(r.json, "decided_at")));
	ck_assert(json_is_null(json_object_get(r.json, "grant_id")));
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 0);
	ck_assert_int_eq(json_time_field(r.json, "expires_at") - json_time_field(r.json, "created_at"),
			 DEFAULT_PENDING_TTL);
	http_result_free(&r);
	free(body);
}
END_TEST

START_TEST(test_approve_one_grants)
{
	struct http_result r, g;
	char path[64];
	int64_t id = world_create_request(&world, ALICE, "svc", 7200);

	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", "ok", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "bob");
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	ck_assert_str_eq(r.etag, "\"2\"");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 1);
	int64_t grant_id = http_json_int(&r, "grant_id");
	ck_assert_int_gt(grant_id, 0);

	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)grant_id);
	ck_assert_int_eq(world_get(&world, ALICE, path, &g), 200);
	ck_assert_str_eq(http_json_string(&g, "status"), "active");
	ck_assert_str_eq(http_json_string(&g, "kind"), "jit");
	ck_assert_str_eq(http_json_string(&g, "principal"), "alice");
	ck_assert_str_eq(http_json_string(&g, "resource"), "svc");
	ck_assert_int_eq(http_json_int(&g, "request_id"), id);
	ck_assert_int_eq(http_json_int(&g, "version"), 1);
	ck_assert_int_eq(json_time_field(g.json, "expires_at") - json_time_field(g.json, "granted_at"),
			 7200);
	ck_assert_int_eq(json_time_field(g.json, "granted_at"), json_time_field(r.json, "decided_at"));
	http_result_free(&g);
	http_result_free(&r);
}
END_TEST

START_TEST(test_approve_events_in_order)
{
	char types[256];
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
	event_types("request", id, 0, types, sizeof types);
	ck_assert_str_eq(types, "request.created,request.approved");
	ck_assert_int_eq(world_count_audit(&world, "request", id, "request.create"), 1);
	ck_assert_int_eq(world_count_audit(&world, "request", id, "request.approve"), 1);
}
END_TEST

START_TEST(test_two_approvals_need_two)
{
	struct http_result r;
	char types[256];
	int64_t id = world_create_request(&world, ALICE, "vault", 3600);

	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", "first", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "pending");
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	ck_assert_int_eq(http_json_int(&r, "approvals_needed"), 2);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 1);
	ck_assert(json_is_null(json_object_get(r.json, "grant_id")));
	http_result_free(&r);
	event_types("request", id, 0, types, sizeof types);
	ck_assert_str_eq(types, "request.created,request.approval_added");

	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", "again", &r), 409);
	ck_assert_str_eq(http_json_string(&r, "code"), "conflict");
	http_result_free(&r);

	ck_assert_int_eq(world_decide(&world, CAROL, id, "approve", "second", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "carol");
	ck_assert_int_eq(http_json_int(&r, "version"), 3);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 2);
	ck_assert_int_gt(http_json_int(&r, "grant_id"), 0);
	http_result_free(&r);
	event_types("request", id, 0, types, sizeof types);
	ck_assert_str_eq(types, "request.created,request.approval_added,request.approved");
}
END_TEST

START_TEST(test_deny_needs_reason)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide(&world, BOB, id, "deny", NULL, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);
	ck_assert_int_eq(world_decide(&world, BOB, id, "deny", "", &r), 400);
	http_result_free(&r);

	ck_assert_int_eq(world_decide(&world, BOB, id, "deny", "not needed", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "denied");
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "bob");
	ck_assert_str_eq(http_json_string(&r, "decision_reason"), "not needed");
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	ck_assert(json_is_null(json_object_get(r.json, "grant_id")));
	ck_assert(!json_is_null(json_object_get(r.json, "decided_at")));
	http_result_free(&r);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?principal=alice"), 0);
}
END_TEST

START_TEST(test_cancel_by_requester)
{
	struct http_result r;
	char types[256];
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide(&world, ALICE, id, "cancel", NULL, &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "canceled");
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "alice");
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	http_result_free(&r);
	event_types("request", id, 0, types, sizeof types);
	ck_assert_str_eq(types, "request.created,request.canceled");
	ck_assert_int_eq(world_count_audit(&world, "request", id, "request.cancel"), 1);
}
END_TEST

/* Every decision on a request that is no longer pending is 409 not_pending, and changes nothing. */
static void check_terminal(int64_t id, const char *status)
{
	static const struct {
		enum cast_member who;
		const char *verb;
	} attempts[] = {
		{ BOB, "approve" }, { CAROL, "approve" }, { BOB, "deny" }, { ALICE, "cancel" },
	};
	struct http_result r;

	for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
		long code = world_decide(&world, attempts[i].who, id, attempts[i].verb, "late", &r);
		ck_assert_msg(code == 409, "%s of a request %s by %s: %ld", attempts[i].verb, status,
			      cast[attempts[i].who].id, code);
		ck_assert_str_eq(http_json_string(&r, "code"), "not_pending");
		http_result_free(&r);
	}
	world_get_request(&world, id, &r);
	ck_assert_str_eq(http_json_string(&r, "status"), status);
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	http_result_free(&r);
	ck_assert_int_eq(world_count_audit(&world, "request", id, NULL), 2);
}

START_TEST(test_approved_is_final)
{
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
	check_terminal(id, "approved");
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?principal=alice"), 1);
}
END_TEST

START_TEST(test_denied_is_final)
{
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide_status(&world, CAROL, id, "deny", "no"), 200);
	check_terminal(id, "denied");
}
END_TEST

START_TEST(test_canceled_is_final)
{
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide_status(&world, ALICE, id, "cancel", NULL), 200);
	check_terminal(id, "canceled");
}
END_TEST

START_TEST(test_not_pending_names_decider)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	ck_assert_int_eq(world_decide_status(&world, CAROL, id, "approve", NULL), 200);
	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", NULL, &r), 409);
	ck_assert_ptr_nonnull(strstr(http_json_string(&r, "detail"), "carol"));
	ck_assert_str_eq(r.content_type, "application/problem+json");
	ck_assert_int_eq(http_json_int(&r, "status"), 409);
	http_result_free(&r);
}
END_TEST

START_TEST(test_zero_approvals_grants_at_once)
{
	struct http_result r, g;
	char path[64], types[256];
	char *body = request_body("open", "read", "routine", 600);

	ck_assert_int_eq(world_post(&world, ERIN, "/v1/requests", body, &r), 201);
	int64_t id = http_json_int(&r, "id");
	int64_t grant_id = http_json_int(&r, "grant_id");
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	ck_assert_int_eq(http_json_int(&r, "approvals_needed"), 0);
	ck_assert_str_eq(http_json_string(&r, "decided_by"), "system");
	ck_assert_int_gt(grant_id, 0);
	ck_assert(!json_is_null(json_object_get(r.json, "decided_at")));

	snprintf(path, sizeof path, "/v1/grants/%lld", (long long)grant_id);
	ck_assert_int_eq(world_get(&world, ERIN, path, &g), 200);
	ck_assert_str_eq(http_json_string(&g, "status"), "active");
	ck_assert_int_eq(http_json_int(&g, "request_id"), id);
	ck_assert_int_eq(json_time_field(g.json, "expires_at") - json_time_field(g.json, "granted_at"),
			 600);
	event_types("request", id, 0, types, sizeof types);
	ck_assert_str_eq(types, "request.created,request.approved");
	event_types("grant", grant_id, 0, types, sizeof types);
	ck_assert_str_eq(types, "grant.created");
	http_result_free(&g);
	http_result_free(&r);
	free(body);
}
END_TEST

START_TEST(test_create_validates_fields)
{
	static const struct {
		const char *resource;
		const char *role;
		const char *reason;
		int64_t duration;
		const char *field;
	} cases[] = {
		{ "nowhere", "read", "x", 3600, "resource" },
		{ "", "read", "x", 3600, "resource" },
		{ "svc", "", "x", 3600, "role" },
		{ "svc", "read", "", 3600, "reason" },
		{ "svc", "read", "x", 59, "duration_seconds" },
		{ "svc", "read", "x", 8 * 3600 + 1, "duration_seconds" },
		{ "svc", "read", "x", -3600, "duration_seconds" },
	};
	struct http_result r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *body = request_body(cases[i].resource, cases[i].role, cases[i].reason,
					  cases[i].duration);
		ck_assert_msg(world_post(&world, ALICE, "/v1/requests", body, &r) == 400,
			      "%s: %ld", body, r.status);
		ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
		ck_assert_str_eq(http_json_string(&r, "field"), cases[i].field);
		http_result_free(&r);
		free(body);
	}
	ck_assert_int_eq(world_count_items(&world, "/v1/requests"), 0);
}
END_TEST

START_TEST(test_duration_bounds_accepted)
{
	world_create_request(&world, ALICE, "svc", 60);
	world_create_request(&world, ALICE, "svc", 8 * 3600);
	ck_assert_int_eq(world_count_items(&world, "/v1/requests?requester=alice"), 2);
}
END_TEST

START_TEST(test_grant_revoke_by_holder)
{
	struct http_result r;
	char path[64];
	int64_t grant_id = world_make_grant(&world, ALICE, "open");

	snprintf(path, sizeof path, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(world_post(&world, ALICE, path, "{}", &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "reason");
	http_result_free(&r);

	ck_assert_int_eq(world_post(&world, ALICE, path, "{\"reason\": \"done\"}", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "revoked");
	ck_assert_str_eq(http_json_string(&r, "revoked_by"), "alice");
	ck_assert_str_eq(http_json_string(&r, "reason"), "done");
	ck_assert_str_eq(http_json_string(&r, "request_reason"), "test access");
	ck_assert_int_eq(http_json_int(&r, "version"), 2);
	http_result_free(&r);

	ck_assert_int_eq(world_post(&world, ALICE, path, "{\"reason\": \"again\"}", &r), 409);
	ck_assert_str_eq(http_json_string(&r, "code"), "conflict");
	http_result_free(&r);
	ck_assert_int_eq(world_count_audit(&world, "grant", grant_id, "grant.revoke"), 1);
}
END_TEST

/* Follow next_cursor through GET path (which ends in a query) and return the ids seen, newest first. */
static size_t list_ids(const char *path, int64_t *ids, size_t size)
{
	struct http_result r;
	char page[256], cursor[32] = "";
	size_t count = 0, i;
	json_t *item;

	for (int pages = 0; pages < 20; pages++) {
		snprintf(page, sizeof page, "%s%s%s", path, cursor[0] ? "&cursor=" : "", cursor);
		ck_assert_int_eq(world_get(&world, ROOT, page, &r), 200);
		json_array_foreach(result_items(&r), i, item) {
			ck_assert_uint_lt(count, size);
			ids[count++] = json_integer_value(json_object_get(item, "id"));
		}
		json_t *next = json_object_get(r.json, "next_cursor");
		snprintf(cursor, sizeof cursor, "%s", json_is_string(next) ? json_string_value(next) : "");
		http_result_free(&r);
		if (!cursor[0])
			return count;
	}
	ck_abort_msg("%s: more than 20 pages", path);
	return count;
}

START_TEST(test_list_pages_newest_first)
{
	int64_t created[5], seen[8];

	for (int i = 0; i < 5; i++)
		created[i] = world_create_request(&world, i % 2 ? ERIN : ALICE, "svc", 3600);
	ck_assert_int_eq(list_ids("/v1/requests?limit=2", seen, 8), 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(seen[i], created[4 - i]);
	ck_assert_int_eq(list_ids("/v1/requests?limit=1&requester=alice", seen, 8), 3);
	ck_assert_int_eq(seen[0], created[4]);
	ck_assert_int_eq(seen[2], created[0]);
	ck_assert_int_eq(list_ids("/v1/requests?limit=5&status=pending", seen, 8), 5);
	ck_assert_int_eq(world_decide_status(&world, BOB, created[1], "approve", NULL), 200);
	ck_assert_int_eq(list_ids("/v1/requests?limit=2&status=approved", seen, 8), 1);
	ck_assert_int_eq(seen[0], created[1]);
	ck_assert_int_eq(list_ids("/v1/grants?limit=1", seen, 8), 1);
}
END_TEST

START_TEST(test_resources_listed)
{
	struct http_result r;

	ck_assert_int_eq(world_get(&world, ALICE, "/v1/resources?limit=500", &r), 200);
	json_t *items = result_items(&r);
	ck_assert_int_eq(json_array_size(items), sizeof world_routes / sizeof world_routes[0]);
	json_t *first = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "id")), "db1");
	ck_assert_str_eq(json_string_value(json_object_get(first, "owner_group")), "db");
	ck_assert_int_eq(json_integer_value(json_object_get(first, "approvals_needed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(first, "max_duration_seconds")), 8 * 3600);
	ck_assert(json_is_null(json_object_get(r.json, "next_cursor")));
	http_result_free(&r);

	ck_assert_int_eq(world_get(&world, ALICE, "/v1/resources?limit=2", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "next_cursor"), "open");
	http_result_free(&r);
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/resources?limit=2&cursor=open", &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(result_items(&r), 0), "id")),
			 "open-b");
	http_result_free(&r);
}
END_TEST

/* A request keeps the approver group and approval count its route had when it was made. */
START_TEST(test_route_change_spares_pending)
{
	struct http_result r;
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);

	test_set_route(world.bp.db_path, "svc", "db", "2", "1h");
	ck_assert_int_eq(world_decide_status(&world, DAVE, id, "approve", NULL), 403);
	ck_assert_int_eq(world_decide(&world, BOB, id, "approve", NULL, &r), 200);
	ck_assert_str_eq(http_json_string(&r, "status"), "approved");
	ck_assert_str_eq(http_json_string(&r, "approver_group"), "ops");
	http_result_free(&r);

	int64_t later = world_create_request(&world, ALICE, "svc", 3600);
	world_get_request(&world, later, &r);
	ck_assert_str_eq(http_json_string(&r, "approver_group"), "db");
	ck_assert_int_eq(http_json_int(&r, "approvals_needed"), 2);
	http_result_free(&r);
	char *body = request_body("svc", "read", "too long now", 3601);
	ck_assert_int_eq(world_post(&world, ALICE, "/v1/requests", body, &r), 400);
	ck_assert_str_eq(http_json_string(&r, "field"), "duration_seconds");
	http_result_free(&r);
	free(body);
}
END_TEST

static Suite *requests_suite(void)
{
	Suite *suite = suite_create("broker_requests");
	TCase *states = tcase_create("states");

	tcase_set_timeout(states, 60);
	tcase_add_unchecked_fixture(states, build_world, destroy_world);
	tcase_add_checked_fixture(states, start_broker, stop_broker);
	tcase_add_test(states, test_create_is_pending);
	tcase_add_test(states, test_approve_one_grants);
	tcase_add_test(states, test_approve_events_in_order);
	tcase_add_test(states, test_two_approvals_need_two);
	tcase_add_test(states, test_deny_needs_reason);
	tcase_add_test(states, test_cancel_by_requester);
	tcase_add_test(states, test_approved_is_final);
	tcase_add_test(states, test_denied_is_final);
	tcase_add_test(states, test_canceled_is_final);
	tcase_add_test(states, test_not_pending_names_decider);
	tcase_add_test(states, test_zero_approvals_grants_at_once);
	tcase_add_test(states, test_create_validates_fields);
	tcase_add_test(states, test_duration_bounds_accepted);
	tcase_add_test(states, test_grant_revoke_by_holder);
	tcase_add_test(states, test_list_pages_newest_first);
	tcase_add_test(states, test_resources_listed);
	tcase_add_test(states, test_route_change_spares_pending);
	suite_add_tcase(suite, states);
	return suite;
}

CHECK_MAIN(requests_suite)
