/* Concurrent writes to gatehoused: exactly one of two racing decisions wins. */

#include <pthread.h>

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define RACE_ROUNDS 30
#define BULK_GRANTS 12

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

/* One racer: a principal that sends the same POST as the other racers once the barrier opens. */
struct racer {
	pthread_barrier_t *barrier;
	CURL *curl;
	char url[160];
	char authorization[TEST_TOKEN_SIZE + 32];
	const char *body;
	long status;
	char *answer;
	CURLcode rc;
};

static void *run_racer(void *arg)
{
	struct racer *racer = arg;
	const char *headers[] = { racer->authorization, "Content-Type: application/json", NULL };
	struct raw_response r;

	pthread_barrier_wait(racer->barrier);
	racer->rc = raw_call(racer->curl, racer->url, "POST", headers, racer->body,
			     strlen(racer->body), &r);
	racer->status = r.status;
	racer->answer = strbuf_detach(&r.body);
	raw_response_free(&r);
	return NULL;
}

static void racer_init(struct racer *racer, pthread_barrier_t *barrier, enum cast_member who,
		       const char *body)
{
	memset(racer, 0, sizeof *racer);
	racer->barrier = barrier;
	racer->curl = curl_easy_init();
	racer->body = body;
	snprintf(racer->authorization, sizeof racer->authorization, "Authorization: Bearer %s",
		 world.tokens[who]);
}

/* Run the racers at once, each on its own thread and curl handle, sending path. */
static void race(struct racer *racers, size_t count, const char *path)
{
	pthread_t threads[4];

	for (size_t i = 0; i < count; i++) {
		snprintf(racers[i].url, sizeof racers[i].url, "%s%s", world.bp.url, path);
		free(racers[i].answer);
		racers[i].answer = NULL;
		ck_assert_int_eq(pthread_create(&threads[i], NULL, run_racer, &racers[i]), 0);
	}
	for (size_t i = 0; i < count; i++)
		pthread_join(threads[i], NULL);
	for (size_t i = 0; i < count; i++)
		ck_assert_msg(racers[i].rc == CURLE_OK, "racer %zu: %s", i,
			      curl_easy_strerror(racers[i].rc));
}

static void racer_free(struct racer *racer)
{
	curl_easy_cleanup(racer->curl);
	free(racer->answer);
}

static const char *answer_string(const char *answer, const char *field, char *out, size_t size)
{
	json_t *j = json_loads(answer, 0, NULL);

	snprintf(out, size, "%s", j ? json_string_value(json_object_get(j, field)) : "(not JSON)");
	json_decref(j);
	return out;
}

START_TEST(test_approve_race_one_wins)
{
	pthread_barrier_t barrier;
	struct racer racers[2];
	char path[64], code[64], detail[320];

	pthread_barrier_init(&barrier, NULL, 2);
	racer_init(&racers[0], &barrier, BOB, "{\"reason\": \"bob was first\"}");
	racer_init(&racers[1], &barrier, CAROL, "{\"reason\": \"carol was first\"}");
	for (int round = 0; round < RACE_ROUNDS; round++) {
		int64_t id = world_create_request(&world, ALICE, "svc", 3600);
		snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
		race(racers, 2, path);

		int winner = racers[0].status == 200 ? 0 : 1;
		int loser = 1 - winner;
		ck_assert_msg(racers[winner].status == 200, "round %d: %ld and %ld", round,
			      racers[0].status, racers[1].status);
		ck_assert_msg(racers[loser].status == 409, "round %d: %ld and %ld", round,
			      racers[0].status, racers[1].status);
		ck_assert_str_eq(answer_string(racers[loser].answer, "code", code, sizeof code),
				 "not_pending");
		answer_string(racers[loser].answer, "detail", detail, sizeof detail);
		ck_assert_msg(strstr(detail, winner == 0 ? "bob" : "carol") != NULL,
			      "round %d: the loser's detail does not name the winner: %s", round, detail);

		struct http_result r;
		world_get_request(&world, id, &r);
		ck_assert_str_eq(http_json_string(&r, "status"), "approved");
		ck_assert_int_eq(http_json_int(&r, "version"), 2);
		ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 1);
		ck_assert_int_gt(http_json_int(&r, "grant_id"), 0);
		http_result_free(&r);
		ck_assert_int_eq(world_count_audit(&world, "request", id, "request.approve"), 1);
	}
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?principal=alice&limit=500"),
			 RACE_ROUNDS);
	racer_free(&racers[0]);
	racer_free(&racers[1]);
	pthread_barrier_destroy(&barrier);
}
END_TEST

START_TEST(test_two_approvals_race_both_count)
{
	pthread_barrier_t barrier;
	struct racer racers[2];
	char path[64];

	pthread_barrier_init(&barrier, NULL, 2);
	racer_init(&racers[0], &barrier, BOB, "{}");
	racer_init(&racers[1], &barrier, CAROL, "{}");
	for (int round = 0; round < RACE_ROUNDS / 3; round++) {
		int64_t id = world_create_request(&world, ALICE, "vault", 3600);
		snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
		race(racers, 2, path);
		ck_assert_int_eq(racers[0].status, 200);
		ck_assert_int_eq(racers[1].status, 200);

		struct http_result r;
		world_get_request(&world, id, &r);
		ck_assert_str_eq(http_json_string(&r, "status"), "approved");
		ck_assert_int_eq(http_json_int(&r, "version"), 3);
		ck_assert_int_eq(json_array_size(json_object_get(r.json, "approvals")), 2);
		http_result_free(&r);
	}
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?principal=alice&limit=500"),
			 RACE_ROUNDS / 3);
	racer_free(&racers[0]);
	racer_free(&racers[1]);
	pthread_barrier_destroy(&barrier);
}
END_TEST

START_TEST(test_bulk_revoke_race_counts_once)
{
	static const char *const resources[] = { "open", "open-b", "open-c" };
	static const char body[] = "{\"principal\": \"alice\", \"reason\": \"incident\"}";
	pthread_barrier_t barrier;
	struct racer racers[2];

	for (int i = 0; i < BULK_GRANTS; i++)
		world_make_grant(&world, ALICE, resources[i % 3]);
	world_make_grant(&world, ERIN, "open");

	pthread_barrier_init(&barrier, NULL, 2);
	racer_init(&racers[0], &barrier, ROOT, body);
	racer_init(&racers[1], &barrier, ROOT, body);
	race(racers, 2, "/v1/grants/revoke");
	ck_assert_int_eq(racers[0].status, 200);
	ck_assert_int_eq(racers[1].status, 200);

	json_t *first = json_loads(racers[0].answer, 0, NULL);
	json_t *second = json_loads(racers[1].answer, 0, NULL);
	json_int_t revoked = json_integer_value(json_object_get(first, "revoked")) +
			     json_integer_value(json_object_get(second, "revoked"));
	ck_assert_int_eq(revoked, BULK_GRANTS);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?principal=alice&status=active"), 0);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?principal=alice&status=revoked"),
			 BULK_GRANTS);
	ck_assert_int_eq(world_count_items(&world, "/v1/grants?status=active"), 1);
	json_decref(first);
	json_decref(second);
	racer_free(&racers[0]);
	racer_free(&racers[1]);
	pthread_barrier_destroy(&barrier);
}
END_TEST

static Suite *race_suite(void)
{
	Suite *suite = suite_create("broker_race");
	TCase *races = tcase_create("races");

	tcase_set_timeout(races, 120);
	tcase_add_unchecked_fixture(races, build_world, destroy_world);
	tcase_add_checked_fixture(races, start_broker, stop_broker);
	tcase_add_test(races, test_approve_race_one_wins);
	tcase_add_test(races, test_two_approvals_race_both_count);
	tcase_add_test(races, test_bulk_revoke_race_counts_once);
	suite_add_tcase(suite, races);
	return suite;
}

CHECK_MAIN(race_suite)
