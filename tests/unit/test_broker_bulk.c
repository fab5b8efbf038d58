/* Bulk revoke in gatehoused: POST /v1/grants/revoke by principal, by resource, or both. */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

/*
 * Every test starts from the same grants. Alice has ALICE_GRANTS, two of them
 * on "open", and erin has two on "open" and one on "open-b". So "open" has four.
 */
#define ALICE_GRANTS 4
#define ERIN_GRANTS 3
#define OPEN_GRANTS 4
#define ALL_GRANTS (ALICE_GRANTS + ERIN_GRANTS)

static struct test_world world;

static void build_world(void)
{
	world_build(&world);
}

static void destroy_world(void)
{
	world_destroy(&world);
}

static void start_with_grants(void)
{
	world_start(&world, NULL);
	world_make_grant(&world, ALICE, "open");
	world_make_grant(&world, ALICE, "open");
	world_make_grant(&world, ALICE, "open-b");
	world_make_grant(&world, ALICE, "open-c");
	world_make_grant(&world, ERIN, "open");
	world_make_grant(&world, ERIN, "open");
	world_make_grant(&world, ERIN, "open-b");
}

static void stop_broker(void)
{
	world_stop(&world);
}

static size_t active_grants(const char *filter)
{
	char path[160];

	snprintf(path, sizeof path, "/v1/grants?status=active&limit=500%s", filter);
	return world_count_items(&world, path);
}

/* POST /v1/grants/revoke as root; result receives the response. */
static long bulk_revoke(const char *body, struct http_result *result)
{
	return world_post(&world, ROOT, "/v1/grants/revoke", body, result);
}

/* Check that every id in the answer's grant_ids is a revoked grant, revoked by root for reason. */
static void check_revoked(const struct http_result *answer, const char *reason)
{
	json_t *ids = json_object_get(answer->json, "grant_ids");
	size_t i;
	json_t *id;

	json_array_foreach(ids, i, id) {
		struct http_result g;
		char path[64];
		snprintf(path, sizeof path, "/v1/grants/%lld", (long long)json_integer_value(id));
		ck_assert_int_eq(world_get(&world, ROOT, path, &g), 200);
		ck_assert_str_eq(http_json_string(&g, "status"), "revoked");
		ck_assert_str_eq(http_json_string(&g, "revoked_by"), "root");
		ck_assert_str_eq(http_json_string(&g, "reason"), reason);
		ck_assert_str_eq(http_json_string(&g, "request_reason"), "test access");
		ck_assert_int_eq(http_json_int(&g, "version"), 2);
		ck_assert_int_eq(world_count_audit(&world, "grant", json_integer_value(id),
						   "grant.revoke"), 1);
		http_result_free(&g);
	}
}

START_TEST(test_dry_run_revokes_nothing)
{
	struct http_result r;

	ck_assert_int_eq(bulk_revoke("{\"principal\": \"alice\", \"reason\": \"check\", "
				     "\"dry_run\": true}", &r), 200);
	ck_assert_int_eq(http_json_int(&r, "matched"), ALICE_GRANTS);
	ck_assert_int_eq(http_json_int(&r, "revoked"), 0);
	ck_assert(json_is_true(json_object_get(r.json, "dry_run")));
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "grant_ids")), ALICE_GRANTS);
	http_result_free(&r);
	ck_assert_int_eq(active_grants(""), ALL_GRANTS);
	ck_assert_int_eq(world_count_items(&world, "/v1/audit?actor=root"), 0);
}
END_TEST

START_TEST(test_revoke_by_principal)
{
	struct http_result r;

	ck_assert_int_eq(bulk_revoke("{\"principal\": \"alice\", \"reason\": \"laptop stolen\"}", &r),
			 200);
	ck_assert_int_eq(http_json_int(&r, "matched"), ALICE_GRANTS);
	ck_assert_int_eq(http_json_int(&r, "revoked"), ALICE_GRANTS);
	ck_assert(json_is_false(json_object_get(r.json, "dry_run")));
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "grant_ids")), ALICE_GRANTS);
	check_revoked(&r, "laptop stolen");
	http_result_free(&r);
	ck_assert_int_eq(active_grants("&principal=alice"), 0);
	ck_assert_int_eq(active_grants("&principal=erin"), ERIN_GRANTS);
	ck_assert_int_eq(active_grants(""), ALL_GRANTS - ALICE_GRANTS);
}
END_TEST

START_TEST(test_revoke_by_resource)
{
	struct http_result r;

	ck_assert_int_eq(bulk_revoke("{\"resource\": \"open\", \"reason\": \"breach\"}", &r), 200);
	ck_assert_int_eq(http_json_int(&r, "matched"), OPEN_GRANTS);
	ck_assert_int_eq(http_json_int(&r, "revoked"), OPEN_GRANTS);
	check_revoked(&r, "breach");
	http_result_free(&r);
	ck_assert_int_eq(active_grants("&resource=open"), 0);
	ck_assert_int_eq(active_grants(""), ALL_GRANTS - OPEN_GRANTS);
}
END_TEST

START_TEST(test_revoke_by_both)
{
	struct http_result r;

	ck_assert_int_eq(bulk_revoke("{\"principal\": \"erin\", \"resource\": \"open\", "
				     "\"reason\": \"narrow\"}", &r), 200);
	ck_assert_int_eq(http_json_int(&r, "revoked"), 2);
	check_revoked(&r, "narrow");
	http_result_free(&r);
	ck_assert_int_eq(active_grants("&principal=erin"), 1);
	ck_assert_int_eq(active_grants("&principal=erin&resource=open-b"), 1);
	ck_assert_int_eq(active_grants("&principal=alice"), ALICE_GRANTS);
}
END_TEST

START_TEST(test_revoke_again_matches_none)
{
	struct http_result r;
	static const char body[] = "{\"principal\": \"alice\", \"reason\": \"twice\"}";

	ck_assert_int_eq(bulk_revoke(body, &r), 200);
	http_result_free(&r);
	ck_assert_int_eq(bulk_revoke(body, &r), 200);
	ck_assert_int_eq(http_json_int(&r, "matched"), 0);
	ck_assert_int_eq(http_json_int(&r, "revoked"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "grant_ids")), 0);
	http_result_free(&r);
	ck_assert_int_eq(bulk_revoke("{\"principal\": \"nobody\", \"reason\": \"x\"}", &r), 200);
	ck_assert_int_eq(http_json_int(&r, "matched"), 0);
	http_result_free(&r);
}
END_TEST

START_TEST(test_bulk_input_rejected)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
		{ "{\"principal\": \"alice\"}", "reason" },
		{ "{\"principal\": \"alice\", \"reason\": \"\"}", "reason" },
		{ "{\"principal\": \"alice\", \"reason\": null}", "reason" },
		{ "{\"reason\": \"everything\"}", "principal" },
		{ "{}", "reason" },
		{ "{\"principal\": 7, \"reason\": \"x\"}", "principal" },
		{ "{\"resource\": [\"open\"], \"reason\": \"x\"}", "resource" },
		{ "{\"principal\": \"alice\", \"reason\": \"x\", \"dry_run\": \"yes\"}", "dry_run" },
		{ "{\"principal\": \"alice\", \"reason\": \"x\", \"everyone\": true}", "everyone" },
	};
	struct http_result r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(bulk_revoke(cases[i].body, &r) == 400, "%s: %ld", cases[i].body,
			      r.status);
		ck_assert_str_eq(http_json_string(&r, "code"), "invalid");
		ck_assert_msg(strcmp(http_json_string(&r, "field"), cases[i].field) == 0,
			      "%s: field \"%s\", expected \"%s\"", cases[i].body,
			      http_json_string(&r, "field"), cases[i].field);
		http_result_free(&r);
	}
	ck_assert_int_eq(active_grants(""), ALL_GRANTS);
}
END_TEST

START_TEST(test_bulk_events_and_audit)
{
	struct http_result r, events;
	size_t i, revoked_events = 0;
	json_t *event;

	ck_assert_int_eq(world_get(&world, ROOT, "/v1/events?after=0&wait=0", &events), 200);
	int64_t before = http_json_int(&events, "last_seq");
	http_result_free(&events);
	ck_assert_int_eq(bulk_revoke("{\"resource\": \"open-b\", \"reason\": \"rotate\"}", &r), 200);
	ck_assert_int_eq(http_json_int(&r, "revoked"), 2);
	http_result_free(&r);

	char path[64];
	snprintf(path, sizeof path, "/v1/events?after=%lld", (long long)before);
	ck_assert_int_eq(world_get(&world, ROOT, path, &events), 200);
	json_array_foreach(json_object_get(events.json, "events"), i, event) {
		ck_assert_str_eq(json_string_value(json_object_get(event, "type")), "grant.revoked");
		ck_assert_str_eq(json_string_value(json_object_get(event, "actor")), "root");
		json_t *data = json_object_get(event, "data");
		ck_assert_str_eq(json_string_value(json_object_get(data, "status")), "revoked");
		revoked_events++;
	}
	ck_assert_int_eq(revoked_events, 2);
	http_result_free(&events);
	ck_assert_int_eq(world_count_items(&world, "/v1/audit?actor=root"), 2);
}
END_TEST

static Suite *bulk_suite(void)
{
	Suite *suite = suite_create("broker_bulk");
	TCase *bulk = tcase_create("bulk_revoke");

	tcase_set_timeout(bulk, 60);
	tcase_add_unchecked_fixture(bulk, build_world, destroy_world);
	tcase_add_checked_fixture(bulk, start_with_grants, stop_broker);
	tcase_add_test(bulk, test_dry_run_revokes_nothing);
	tcase_add_test(bulk, test_revoke_by_principal);
	tcase_add_test(bulk, test_revoke_by_resource);
	tcase_add_test(bulk, test_revoke_by_both);
	tcase_add_test(bulk, test_revoke_again_matches_none);
	tcase_add_test(bulk, test_bulk_input_rejected);
	tcase_add_test(bulk, test_bulk_events_and_audit);
	suite_add_tcase(suite, bulk);
	return suite;
}

CHECK_MAIN(bulk_suite)
