/*
 * Cached listing pages of gatehoused: the same bytes as without the cache, never a
 * page from before a change (made over HTTP, by the reaper, or by a second broker
 * on the same database), and never another principal's page.
 */

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define EXPIRY_BOUND_MS 5000

static struct test_world world;
/* A second gatehoused on the world's database, started by the tests that need one. */
static struct broker_process second;

static const char *const uncached[] = { "--page-cache", "0", NULL };

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

static void stop_brokers(void)
{
	int status = broker_process_stop(&second);

	broker_process_cleanup(&second);
	world_stop(&world);
	ck_assert_msg(status == 0, "the second gatehoused exited with %d", status);
}

/* Start the second broker on the world's database, with its own folder for its port and log. */
static void start_second_broker(const char *const *extra_args)
{
	memset(&second, 0, sizeof second);
	test_make_dir(second.dir, sizeof second.dir);
	snprintf(second.db_path, sizeof second.db_path, "%s", world.bp.db_path);
	ck_assert_msg(broker_process_start(&second, false, extra_args),
		      "the second gatehoused did not start; see %s/broker.log", second.dir);
}

/* GET path from the broker at url as who, check the 200, and return the body. The caller frees it. */
static char *fetch_page(const char *url, enum cast_member who, const char *path)
{
	struct http_result r;

	ck_assert_int_eq(http_call("GET", url, path, world_token(&world, who), NULL, NULL, &r), 0);
	ck_assert_msg(r.status == 200, "GET %s as %s: %ld %s", path, cast[who].id, r.status, r.body);
	char *body = strdup(r.body);
	http_result_free(&r);
	return body;
}

/* Whether a listing body has an item with this id. */
static bool page_has_id(const char *body, int64_t id)
{
	json_t *page = json_loads(body, 0, NULL);
	size_t i;
	json_t *item;
	bool found = false;

	ck_assert_msg(page != NULL, "not JSON: %s", body);
	json_array_foreach(json_object_get(page, "items"), i, item)
		if (json_integer_value(json_object_get(item, "id")) == id)
			found = true;
	json_decref(page);
	return found;
}

/* Check that every item of a listing body has field equal to value. */
static void check_every_item(const char *body, const char *field, const char *value)
{
	json_t *page = json_loads(body, 0, NULL);
	size_t i;
	json_t *item;

	ck_assert_msg(page != NULL, "not JSON: %s", body);
	ck_assert_uint_gt(json_array_size(json_object_get(page, "items")), 0);
	json_array_foreach(json_object_get(page, "items"), i, item)
		ck_assert_str_eq(json_string_value(json_object_get(item, field)), value);
	json_decref(page);
}

static long long page_last_seq(const char *body)
{
	json_t *page = json_loads(body, 0, NULL);
	long long last_seq = json_integer_value(json_object_get(page, "last_seq"));

	json_decref(page);
	return last_seq;
}

/* Requests and grants in several states, for the listings to show. */
static void make_history(int64_t *vault_id)
{
	for (int i = 0; i < 3; i++) {
		world_create_request(&world, ALICE, "svc", 3600);
		world_create_request(&world, ERIN, "db1", 3600);
	}
	int64_t approved = world_create_request(&world, ALICE, "svc", 3600);
	ck_assert_int_eq(world_decide_status(&world, BOB, approved, "approve", "on call"), 200);
	/*
	 * Carol approves a second before Bob, so that time order (the API's) and approver
	 * order (the table's key) differ.
	 */
	*vault_id = world_create_request(&world, ERIN, "vault", 7200);
	ck_assert_int_eq(world_decide_status(&world, CAROL, *vault_id, "approve", NULL), 200);
	test_sleep_ms(1100);
	ck_assert_int_eq(world_decide_status(&world, BOB, *vault_id, "approve", "second"), 200);
	world_make_grant(&world, ALICE, "open");
	world_make_grant(&world, ERIN, "open-c");
}

START_TEST(test_cached_pages_match_uncached)
{
	static const char *const paths[] = {
		"/v1/requests", "/v1/requests?status=pending", "/v1/requests?status=approved&limit=1",
		"/v1/requests?requester=erin", "/v1/requests?resource=vault",
		"/v1/requests?limit=3&cursor=5", "/v1/grants", "/v1/grants?status=active&kind=jit",
		"/v1/grants?principal=erin&limit=1",
	};
	static const enum cast_member callers[] = { ROOT, ALICE, BOB };
	int64_t vault_id;

	make_history(&vault_id);
	start_second_broker(uncached);
	for (size_t c = 0; c < sizeof callers / sizeof callers[0]; c++) {
		for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
			char *first = fetch_page(world.bp.url, callers[c], paths[p]);
			char *cached = fetch_page(world.bp.url, callers[c], paths[p]);
			char *fresh = fetch_page(second.url, callers[c], paths[p]);
			ck_assert_str_eq(cached, first);
			ck_assert_str_eq(fresh, first);
			free(first);
			free(cached);
			free(fresh);
		}
	}
	/* A page and the request itself list the two approvals in time order. */
	char path[64];
	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)vault_id);
	char *request = fetch_page(world.bp.url, ROOT, path);
	char *page = fetch_page(world.bp.url, ROOT, "/v1/requests?resource=vault");
	const char *texts[] = { request, page };
	for (int i = 0; i < 2; i++) {
		const char *carol = strstr(texts[i], "\"approver\":\"carol\"");
		const char *bob = strstr(texts[i], "\"approver\":\"bob\"");
		ck_assert_ptr_nonnull(carol);
		ck_assert_ptr_nonnull(bob);
		ck_assert_msg(carol < bob, "bob's approval is listed before carol's: %s", texts[i]);
	}
	free(request);
	free(page);
}
END_TEST

START_TEST(test_write_between_gets_shows)
{
	const char *path = "/v1/requests?status=pending";
	char *before = fetch_page(world.bp.url, ROOT, path);
	char *again = fetch_page(world.bp.url, ROOT, path);

	ck_assert_str_eq(again, before);
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	char *created = fetch_page(world.bp.url, ROOT, path);
	ck_assert(page_has_id(created, id));
	ck_assert_int_gt(page_last_seq(created), page_last_seq(before));

	ck_assert_int_eq(world_decide_status(&world, BOB, id, "approve", NULL), 200);
	char *approved = fetch_page(world.bp.url, ROOT, path);
	ck_assert(!page_has_id(approved, id));
	free(before);
	free(again);
	free(created);
	free(approved);
}
END_TEST

START_TEST(test_revoke_between_gets_shows)
{
	const char *path = "/v1/grants?status=active";
	int64_t grant_id = world_make_grant(&world, ALICE, "open");
	char *before = fetch_page(world.bp.url, ALICE, path);
	char *again = fetch_page(world.bp.url, ALICE, path);
	struct http_result r;
	char revoke[64];

	ck_assert_str_eq(again, before);
	ck_assert(page_has_id(before, grant_id));
	snprintf(revoke, sizeof revoke, "/v1/grants/%lld/revoke", (long long)grant_id);
	ck_assert_int_eq(world_post(&world, ALICE, revoke, "{\"reason\": \"done\"}", &r), 200);
	http_result_free(&r);
	char *after = fetch_page(world.bp.url, ALICE, path);
	ck_assert(!page_has_id(after, grant_id));
	free(before);
	free(again);
	free(after);
}
END_TEST

/* A change committed by another process reaches the first broker's next page. */
START_TEST(test_other_broker_write_shows)
{
	const char *path = "/v1/requests?status=pending";
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	char url[64], approve[64];
	struct http_result r;

	start_second_broker(NULL);
	char *before = fetch_page(world.bp.url, ROOT, path);
	char *again = fetch_page(world.bp.url, ROOT, path);
	ck_assert_str_eq(again, before);
	ck_assert(page_has_id(before, id));

	snprintf(url, sizeof url, "%s", second.url);
	snprintf(approve, sizeof approve, "/v1/requests/%lld/approve", (long long)id);
	ck_assert_int_eq(http_call("POST", url, approve, world_token(&world, BOB), "{}", NULL, &r), 0);
	ck_assert_msg(r.status == 200, "approving on the second broker: %ld %s", r.status, r.body);
	http_result_free(&r);

	char *after = fetch_page(world.bp.url, ROOT, path);
	char *from_second = fetch_page(second.url, ROOT, path);
	ck_assert(!page_has_id(after, id));
	ck_assert_str_eq(after, from_second);
	free(before);
	free(again);
	free(after);
	free(from_second);
}
END_TEST

/* The reaper's expiry is a write outside any HTTP call; the cached page must still give way. */
START_TEST(test_reaper_expiry_shows)
{
	static const char *const short_ttl[] = { "--pending-ttl", "2s", NULL };
	const char *path = "/v1/requests?status=pending";

	world_stop(&world);
	world_start(&world, short_ttl);
	int64_t id = world_create_request(&world, ALICE, "svc", 3600);
	char *before = fetch_page(world.bp.url, ROOT, path);
	char *again = fetch_page(world.bp.url, ROOT, path);
	ck_assert_str_eq(again, before);
	ck_assert(page_has_id(before, id));

	bool listed = true;
	for (long waited = 0; listed && waited <= EXPIRY_BOUND_MS; waited += 100) {
		char *page = fetch_page(world.bp.url, ROOT, path);
		listed = page_has_id(page, id);
		free(page);
		if (listed)
			test_sleep_ms(100);
	}
	ck_assert_msg(!listed, "request %lld still listed as pending after %d ms", (long long)id,
		      EXPIRY_BOUND_MS);
	struct http_result r;
	world_get_request(&world, id, &r);
	ck_assert_str_eq(http_json_string(&r, "status"), "expired");
	http_result_free(&r);
	free(before);
	free(again);
}
END_TEST

/* Two requesters asking the same path at the same feed position get their own pages. */
START_TEST(test_requesters_get_own_pages)
{
	int64_t vault_id;

	make_history(&vault_id);
	for (int round = 0; round < 2; round++) {
		char *alice = fetch_page(world.bp.url, ALICE, "/v1/requests");
		char *erin = fetch_page(world.bp.url, ERIN, "/v1/requests");
		char *erin_asks_alice = fetch_page(world.bp.url, ERIN, "/v1/requests?requester=alice");
		char *alice_grants = fetch_page(world.bp.url, ALICE, "/v1/grants");
		char *erin_grants = fetch_page(world.bp.url, ERIN, "/v1/grants");

		ck_assert_int_eq(page_last_seq(alice), page_last_seq(erin));
		check_every_item(alice, "requester", "alice");
		check_every_item(erin, "requester", "erin");
		check_every_item(erin_asks_alice, "requester", "erin");
		check_every_item(alice_grants, "principal", "alice");
		check_every_item(erin_grants, "principal", "erin");
		free(alice);
		free(erin);
		free(erin_asks_alice);
		free(alice_grants);
		free(erin_grants);
	}
}
END_TEST

START_TEST(test_page_cache_option_checked)
{
	static const char *const values[] = { "-1", "lots", "65537", "" };
	char db[400], err[1024];

	snprintf(db, sizeof db, "%s/unused.db", world.bp.dir);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		const char *argv[] = { gatehoused_path(), "--db", db, "--page-cache", values[i], NULL };
		ck_assert_int_eq(test_run_program(argv, NULL, 0, err, sizeof err), 2);
		ck_assert_msg(strstr(err, "--page-cache") != NULL, "for \"%s\": %s", values[i], err);
	}
	ck_assert_int_eq(access(db, F_OK), -1);
}
END_TEST

static Suite *pages_suite(void)
{
	Suite *suite = suite_create("broker_pages");
	TCase *pages = tcase_create("pages");

	tcase_set_timeout(pages, 60);
	tcase_add_unchecked_fixture(pages, build_world, destroy_world);
	tcase_add_checked_fixture(pages, start_broker, stop_brokers);
	tcase_add_test(pages, test_cached_pages_match_uncached);
	tcase_add_test(pages, test_write_between_gets_shows);
	tcase_add_test(pages, test_revoke_between_gets_shows);
	tcase_add_test(pages, test_other_broker_write_shows);
	tcase_add_test(pages, test_reaper_expiry_shows);
	tcase_add_test(pages, test_requesters_get_own_pages);
	tcase_add_test(pages, test_page_cache_option_checked);
	suite_add_tcase(suite, pages);
	return suite;
}

CHECK_MAIN(pages_suite)
