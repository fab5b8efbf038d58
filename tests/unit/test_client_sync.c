/*
 * Tests of the sync (client/sync*.c): a real demo gatehoused, shared by the
 * "broker" test case, and a fake broker of the test's own on loopback for
 * outages and malformed responses.
 */

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "api/json.h"
#include "cache/objects.h"
#include "cache/outbox.h"
#include "cache/policy.h"
#include "client/backoff.h"
#include "client/cursor_history.h"
#include "client/sync.h"
#include "tests/support/broker_process.h"
#include "tests/support/check_main.h"
#include "tests/support/http_client.h"
#include "tests/unit/test_client_support.h"

#define FAR_FUTURE_SEQ 1000000000
#define FAKE_REQUEST_ID 999999999
#define SYNC_TIMEOUT_MS 60000

static struct broker_process demo;

static void start_demo(void)
{
	ck_assert_msg(broker_process_start(&demo, true, NULL), "the demo broker did not start");
}

static void stop_demo(void)
{
	broker_process_cleanup(&demo);
}

#define MAX_STATES 64

struct recorder {
	enum sync_state states[MAX_STATES];
	char details[MAX_STATES][512];
	int state_count;
	unsigned changed;          /* every bit reported so far */
	int changed_calls;
	char fetch_error[768];
	int fetch_failures;
};

static void record_state(void *ctx, enum sync_state state, const char *detail)
{
	struct recorder *r = ctx;

	if (r->state_count == MAX_STATES)
		return;
	r->states[r->state_count] = state;
	snprintf(r->details[r->state_count], sizeof r->details[0], "%s", detail);
	r->state_count++;
}

static void record_changed(void *ctx, unsigned what)
{
	struct recorder *r = ctx;

	r->changed |= what;
	r->changed_calls++;
}

static void record_fetch_failure(void *ctx, const char *message)
{
	struct recorder *r = ctx;

	snprintf(r->fetch_error, sizeof r->fetch_error, "%s", message);
	r->fetch_failures++;
}

static const struct sync_callbacks recorder_callbacks = {
	.on_state = record_state,
	.on_changed = record_changed,
	.on_fetch_failed = record_fetch_failure,
};

/* One console: a cache in its own directory, an HTTP client and a sync. */
struct harness {
	char directory[64];
	struct cache *cache;
	struct http_client *http;
	struct sync *sync;
	struct recorder recorder;
	struct test_loop loop;
};

/* Open a console whose responses may be at most max_response_bytes long (0: the default). */
static void harness_open_limited(struct harness *h, const char *url, const char *token,
				 size_t max_response_bytes)
{
	memset(h, 0, sizeof *h);
	test_make_directory(h->directory, sizeof h->directory, "test_client_sync");
	h->cache = test_open_cache(h->directory, "cache.db");
	h->http = test_http_client_limited(url, token, max_response_bytes);
	h->sync = sync_new(h->http, h->cache, &recorder_callbacks, &h->recorder);
	h->loop.http = h->http;
	h->loop.sync = h->sync;
}

static void harness_open(struct harness *h, const char *url, const char *token)
{
	harness_open_limited(h, url, token, 0);
}

static void harness_close(struct harness *h)
{
	sync_free(h->sync);
	http_client_free(h->http);
	cache_close(h->cache);
	test_remove_directory(h->directory);
}

static int64_t cached_last_seq(struct harness *h)
{
	int64_t seq = -1;

	ck_assert(cache_get_last_seq(h->cache, &seq));
	return seq;
}

/* Synced: online, with a feed position below the one a test planted. */
static bool is_synced(void *arg)
{
	struct harness *h = arg;
	int64_t seq = cached_last_seq(h);

	return sync_get_state(h->sync) == SYNC_ONLINE && seq > 0 && seq < FAR_FUTURE_SEQ;
}

static void sync_until_synced(struct harness *h)
{
	sync_start(h->sync);
	ck_assert_msg(test_loop_run(&h->loop, is_synced, h, SYNC_TIMEOUT_MS),
		      "not synced: state %s, detail \"%s\"", sync_state_name(sync_get_state(h->sync)),
		      sync_get_detail(h->sync));
}

/* Count what the broker lists at path, following next_cursor, with a direct call. */
static long count_listing(const char *token, const char *path)
{
	char page_path[512];
	char cursor[64] = "";
	long count = 0;

	for (;;) {
		struct http_result result;
		snprintf(page_path, sizeof page_path, "%s%s%s", path, cursor[0] ? "&cursor=" : "",
			 cursor);
		ck_assert_int_eq(http_call("GET", demo.url, page_path, token, NULL, NULL, &result), 0);
		ck_assert_int_eq(result.status, 200);
		count += (long)json_array_size(json_object_get(result.json, "items"));
		snprintf(cursor, sizeof cursor, "%s", http_json_string(&result, "next_cursor"));
		http_result_free(&result);
		if (!cursor[0])
			return count;
	}
}

static void put_fake_pending_request(struct cache *cache)
{
	struct access_request fake = {
		.id = FAKE_REQUEST_ID, .status = REQUEST_PENDING, .requester = "ghost",
		.resource = "res-ghost", .role = "read", .reason = "planted by the test",
		.duration_seconds = 3600, .created_at = 1, .expires_at = 2, .approvals_needed = 1,
		.approver_group = "nobody", .version = 1,
	};

	ck_assert(cache_put_request(cache, &fake, NULL));
}

static enum cache_result cached_request_status(struct cache *cache, int64_t id,
					       enum request_status *status)
{
	struct access_request r;
	enum cache_result found = cache_get_request(cache, id, &r);

	if (found == CACHE_FOUND) {
		*status = r.status;
		access_request_free(&r);
	}
	return found;
}

static void fetch_broker_id(char *out, size_t size)
{
	struct http_result result;

	ck_assert_int_eq(http_call("GET", demo.url, "/v1/me", demo.admin_token, NULL, NULL, &result), 0);
	snprintf(out, size, "%s", http_json_string(&result, "broker_id"));
	http_result_free(&result);
	ck_assert_int_gt(strlen(out), 0);
}

START_TEST(test_backoff_delays_double_with_jitter)
{
	static const int64_t bases[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };
	struct backoff backoff;

	backoff_init(&backoff, 1000, 30000);
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		int64_t delay = backoff_next_delay_ms(&backoff);
		ck_assert_msg(delay >= bases[i] * 8 / 10, "try %zu: %lld ms", i, (long long)delay);
		ck_assert_msg(delay <= bases[i] * 12 / 10 && delay <= 30000, "try %zu: %lld ms", i,
			      (long long)delay);
	}
	backoff_reset(&backoff);
	ck_assert_int_le(backoff_next_delay_ms(&backoff), 1200);
}
END_TEST

START_TEST(test_resync_fills_cache)
{
	struct harness h;
	char broker_id[64], *cached_id = NULL, *me_json = NULL;
	int64_t synced_at = 0;

	harness_open(&h, demo.url, demo.admin_token);
	sync_until_synced(&h);

	ck_assert_int_eq(cache_count_pending(h.cache),
			 count_listing(demo.admin_token, "/v1/requests?status=pending&limit=100"));
	ck_assert_int_eq(cache_count_active_grants(h.cache),
			 count_listing(demo.admin_token, "/v1/grants?status=active&limit=100"));
	/* More than one page of 100: the resync followed the cursor. */
	ck_assert_int_gt(cache_count_active_grants(h.cache), 100);

	fetch_broker_id(broker_id, sizeof broker_id);
	ck_assert_int_eq(cache_get_broker_id(h.cache, &cached_id), CACHE_FOUND);
	ck_assert_str_eq(cached_id, broker_id);
	ck_assert_int_eq(cache_get_me_json(h.cache, &me_json), CACHE_FOUND);
	ck_assert_ptr_nonnull(strstr(me_json, "\"demo-admin\""));
	ck_assert(cache_get_synced_at(h.cache, &synced_at));
	ck_assert_int_gt(synced_at, 0);
	ck_assert_ptr_nonnull(sync_principal(h.sync));
	ck_assert_str_eq(sync_principal(h.sync)->id, "demo-admin");
	ck_assert(sync_principal(h.sync)->roles & ROLE_ADMIN);

	ck_assert_int_ge(h.recorder.state_count, 2);
	ck_assert_int_eq(h.recorder.states[0], SYNC_CONNECTING);
	ck_assert_int_eq(h.recorder.states[h.recorder.state_count - 1], SYNC_ONLINE);
	ck_assert_msg(strstr(h.recorder.details[h.recorder.state_count - 1], "as demo-admin") != NULL,
		      "detail \"%s\"", h.recorder.details[h.recorder.state_count - 1]);
	ck_assert_uint_eq(h.recorder.changed & (SYNC_CHANGED_ME | SYNC_CHANGED_REQUESTS |
						SYNC_CHANGED_GRANTS),
			  SYNC_CHANGED_ME | SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS);
	free(cached_id);
	free(me_json);
	harness_close(&h);
}
END_TEST

/*
 * Find a pending request without approvals that needs approvals_needed and
 * that demo-approver may approve; skip picks a later one. Returns its id.
 */
static int64_t find_request_for_approver(int approvals_needed, int skip)
{
	static const char *const approver_groups[] = {
		"data-owners", "identity-owners", "infra-owners", "payments-owners",
	};
	struct http_result result;
	size_t i;
	json_t *item;
	int64_t found = 0;

	ck_assert_int_eq(http_call("GET", demo.url, "/v1/requests?status=pending&limit=500",
				   demo.admin_token, NULL, NULL, &result), 0);
	json_array_foreach(json_object_get(result.json, "items"), i, item) {
		const char *group = json_string_value(json_object_get(item, "approver_group"));
		const char *requester = json_string_value(json_object_get(item, "requester"));
		bool in_group = false;
		for (size_t g = 0; group && g < sizeof approver_groups / sizeof approver_groups[0]; g++)
			in_group |= strcmp(group, approver_groups[g]) == 0;
		if (!in_group || strcmp(requester, "demo-approver") == 0 ||
		    strcmp(requester, "demo-admin") == 0 ||
		    json_integer_value(json_object_get(item, "approvals_needed")) != approvals_needed ||
		    json_array_size(json_object_get(item, "approvals")) != 0)
			continue;
		if (skip-- > 0)
			continue;
		found = json_integer_value(json_object_get(item, "id"));
		break;
	}
	http_result_free(&result);
	ck_assert_msg(found > 0, "no pending request for demo-approver needing %d approvals",
		      approvals_needed);
	return found;
}

struct approval_wait {
	struct harness *harness;
	int64_t request_id;
	int64_t grant_id;
};

/* The request is approved in the cache, and its grant is there too. */
static bool approval_arrived(void *arg)
{
	struct approval_wait *w = arg;
	enum request_status status;
	struct grant grant;

	if (cached_request_status(w->harness->cache, w->request_id, &status) != CACHE_FOUND ||
	    status != REQUEST_APPROVED)
		return false;
	if (cache_get_grant(w->harness->cache, w->grant_id, &grant) != CACHE_FOUND)
		return false;
	grant_free(&grant);
	return true;
}

START_TEST(test_feed_delivers_approval)
{
	struct harness h;
	struct http_result result;
	char path[96];

	harness_open(&h, demo.url, demo.admin_token);
	sync_until_synced(&h);
	int64_t id = find_request_for_approver(1, 0);
	enum request_status status;
	ck_assert_int_eq(cached_request_status(h.cache, id, &status), CACHE_FOUND);
	ck_assert_int_eq(status, REQUEST_PENDING);

	h.recorder.changed = 0;
	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
	ck_assert_int_eq(http_call("POST", demo.url, path, demo.approver_token,
				   "{\"reason\": \"approved outside the console\"}", NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	int64_t grant_id = http_json_int(&result, "grant_id");
	http_result_free(&result);

	ck_assert_int_gt(grant_id, 0);
	struct approval_wait wait = { &h, id, grant_id };
	ck_assert_msg(test_loop_run(&h.loop, approval_arrived, &wait, 40000),
		      "the approval did not arrive through the feed");
	ck_assert(h.recorder.changed & SYNC_CHANGED_REQUESTS);

	struct grant grant;
	ck_assert_int_eq(cache_get_grant(h.cache, grant_id, &grant), CACHE_FOUND);
	ck_assert_int_eq(grant.status, GRANT_ACTIVE);
	ck_assert_int_eq(grant.request_id, id);
	ck_assert(h.recorder.changed & SYNC_CHANGED_GRANTS);
	grant_free(&grant);
	harness_close(&h);
}
END_TEST

static bool never(void *arg)
{
	(void)arg;
	return false;
}

static bool history_complete(void *arg)
{
	struct harness *h = arg;

	return sync_history_complete(h->sync);
}

/* Make a request as demo-requester and deny it as demo-admin; returns its id. */
static int64_t make_denied_request(void)
{
	struct http_result result;
	char path[64];
	int64_t id;

	ck_assert_int_eq(http_call("POST", demo.url, "/v1/requests", demo.requester_token,
				   "{\"resource\": \"res-14354\", \"role\": \"read\", \"reason\": "
				   "\"history test\", \"duration_seconds\": 3600}", NULL, &result), 0);
	ck_assert_int_eq(result.status, 201);
	id = http_json_int(&result, "id");
	http_result_free(&result);
	snprintf(path, sizeof path, "/v1/requests/%lld/deny", (long long)id);
	ck_assert_int_eq(http_call("POST", demo.url, path, demo.admin_token,
				   "{\"reason\": \"history test\"}", NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	http_result_free(&result);
	return id;
}

/* The id of the newest request the broker lists with status. */
static int64_t newest_request_id(const char *status)
{
	struct http_result result;
	char path[64];
	int64_t id;

	snprintf(path, sizeof path, "/v1/requests?status=%s&limit=1", status);
	ck_assert_int_eq(http_call("GET", demo.url, path, demo.admin_token, NULL, NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	id = json_integer_value(json_object_get(json_array_get(json_object_get(result.json, "items"),
								0), "id"));
	http_result_free(&result);
	ck_assert_int_gt(id, 0);
	return id;
}

/* Delete one cached request with a connection of the test's own, as if it had never come. */
static void delete_cached_request(struct harness *h, int64_t id)
{
	char path[128], sql[96];
	sqlite3 *db;

	snprintf(path, sizeof path, "%s/cache.db", h->directory);
	snprintf(sql, sizeof sql, "DELETE FROM requests WHERE id = %lld", (long long)id);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_close(db);
}

/* Start a new sync on the same cache, as the console does on its next start. */
static void harness_restart(struct harness *h)
{
	sync_free(h->sync);
	memset(&h->recorder, 0, sizeof h->recorder);
	h->sync = sync_new(h->http, h->cache, &recorder_callbacks, &h->recorder);
	h->loop.sync = h->sync;
}

START_TEST(test_history_fetched_once)
{
	struct harness h;
	struct policy_history *history;
	size_t skipped = 99;
	int64_t denied_id = make_denied_request(), newest_approved, newest_denied;
	enum request_status status;
	long approved = count_listing(demo.admin_token, "/v1/requests?status=approved&limit=500");
	long denied = count_listing(demo.admin_token, "/v1/requests?status=denied&limit=500");

	/* Below the cap, so every decided request of the broker is fetched. */
	ck_assert_int_lt(approved, SYNC_HISTORY_MAX_PER_STATUS);
	ck_assert_int_lt(denied, SYNC_HISTORY_MAX_PER_STATUS);
	/* Several pages of 500. */
	ck_assert_int_gt(approved, 1000);
	harness_open(&h, demo.url, demo.admin_token);
	sync_until_synced(&h);
	ck_assert_msg(test_loop_run(&h.loop, history_complete, &h, SYNC_TIMEOUT_MS),
		      "the decided requests did not arrive: state %s, detail \"%s\", last failure \"%s\"",
		      sync_state_name(sync_get_state(h.sync)), sync_get_detail(h.sync),
		      h.recorder.fetch_error);

	history = cache_policy_history(h.cache, &skipped);
	ck_assert_ptr_nonnull(history);
	ck_assert_uint_eq(skipped, 0);
	ck_assert_uint_eq(policy_history_count(history), (size_t)(approved + denied));
	/* Only the attributes the broker's decision saw name the requester's roles. */
	ck_assert(policy_history_has_attribute(history, "requester.roles"));
	policy_history_free(history);
	ck_assert_int_eq(cached_request_status(h.cache, denied_id, &status), CACHE_FOUND);
	ck_assert_int_eq(status, REQUEST_DENIED);
	ck_assert_int_eq(cache_count_pending(h.cache),
			 count_listing(demo.admin_token, "/v1/requests?status=pending&limit=500"));

	/* The next start finds the history done: the newest of each status, deleted here, stays away. */
	newest_approved = newest_request_id("approved");
	newest_denied = newest_request_id("denied");
	delete_cached_request(&h, newest_approved);
	delete_cached_request(&h, newest_denied);
	harness_restart(&h);
	sync_until_synced(&h);
	ck_assert(sync_history_complete(h.sync));
	ck_assert(!test_loop_run(&h.loop, never, NULL, 3000));
	ck_assert_int_eq(cached_request_status(h.cache, newest_approved, &status), CACHE_NOT_FOUND);
	ck_assert_int_eq(cached_request_status(h.cache, newest_denied, &status), CACHE_NOT_FOUND);
	harness_close(&h);
}
END_TEST

START_TEST(test_idle_long_poll_sleeps)
{
	struct harness h;
	unsigned iterations = 0;

	harness_open(&h, demo.url, demo.admin_token);
	sync_until_synced(&h);
	/* Idle comes after the one-time fetch of decided requests. */
	ck_assert(test_loop_run(&h.loop, history_complete, &h, SYNC_TIMEOUT_MS));
	/* Let curl send the long poll it was just handed. */
	test_loop_run(&h.loop, never, NULL, 300);
	ck_assert_uint_eq(http_client_in_flight(h.http), 1);
	ck_assert_int_eq(sync_next_timeout_ms(h.sync, time_monotonic_ms()), -1);

	int64_t started = time_monotonic_ms();
	int64_t first_poll_ms = -1;
	while (time_monotonic_ms() - started < 3000) {
		int64_t before = time_monotonic_ms();
		int left = (int)(3000 - (before - started));
		ck_assert_int_eq(http_client_poll(h.http, NULL, 0, left), 0);
		if (first_poll_ms < 0)
			first_poll_ms = time_monotonic_ms() - before;
		http_client_perform(h.http);
		sync_tick(h.sync, time_monotonic_ms());
		iterations++;
	}
	ck_assert_msg(iterations <= 5, "%u loop iterations in 3 s while idle", iterations);
	ck_assert_int_ge(first_poll_ms, 2500);
	ck_assert_uint_eq(http_client_in_flight(h.http), 1);
	ck_assert_int_eq(sync_get_state(h.sync), SYNC_ONLINE);
	harness_close(&h);
}
END_TEST

START_TEST(test_expired_cursor_resyncs)
{
	struct harness h;
	char broker_id[64];
	enum request_status status;

	harness_open(&h, demo.url, demo.admin_token);
	fetch_broker_id(broker_id, sizeof broker_id);
	ck_assert(cache_set_broker_id(h.cache, broker_id));
	ck_assert(cache_set_last_seq(h.cache, FAR_FUTURE_SEQ));
	put_fake_pending_request(h.cache);

	sync_until_synced(&h);
	ck_assert_int_lt(cached_last_seq(&h), FAR_FUTURE_SEQ);
	ck_assert_int_eq(cached_request_status(h.cache, FAKE_REQUEST_ID, &status), CACHE_NOT_FOUND);
	ck_assert_int_eq(cache_count_pending(h.cache),
			 count_listing(demo.admin_token, "/v1/requests?status=pending&limit=100"));
	harness_close(&h);
}
END_TEST

START_TEST(test_broker_change_clears_cache)
{
	struct harness h;
	char broker_id[64], key[OUTBOX_KEY_SIZE], *cached_id = NULL;
	enum request_status status;

	harness_open(&h, demo.url, demo.admin_token);
	ck_assert(cache_set_broker_id(h.cache, "another-broker"));
	ck_assert(cache_set_last_seq(h.cache, 3));
	put_fake_pending_request(h.cache);
	ck_assert_int_gt(cache_outbox_add(h.cache, "POST", "/v1/requests/1/approve", "{}", 1,
					  "request", 1, "approve request 1", key), 0);

	sync_until_synced(&h);
	bool reported = false;
	for (int i = 0; i < h.recorder.state_count; i++) {
		const char *detail = h.recorder.details[i];
		if (strstr(detail, "another broker") && strstr(detail, "cache was cleared") &&
		    strstr(detail, "1 queued action was not sent"))
			reported = true;
	}
	ck_assert_msg(reported, "last detail \"%s\"", sync_get_detail(h.sync));
	ck_assert_int_eq(cached_request_status(h.cache, FAKE_REQUEST_ID, &status), CACHE_NOT_FOUND);
	fetch_broker_id(broker_id, sizeof broker_id);
	ck_assert_int_eq(cache_get_broker_id(h.cache, &cached_id), CACHE_FOUND);
	ck_assert_str_eq(cached_id, broker_id);
	/* The action named an object of the other broker: it must never be sent here. */
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);
	struct outbox_item *items;
	size_t count = cache_outbox_list_recent(h.cache, 10, &items);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(items[0].state, OUTBOX_FAILED);
	ck_assert_ptr_nonnull(strstr(items[0].last_error, "another broker"));
	outbox_items_free(items, count);
	ck_assert_int_gt(cache_count_pending(h.cache), 0);
	free(cached_id);
	harness_close(&h);
}
END_TEST

START_TEST(test_principal_change_clears_cache)
{
	struct harness h;
	char broker_id[64], key[OUTBOX_KEY_SIZE];
	enum request_status status;

	/* The same broker, but the cache was last used by someone else. */
	harness_open(&h, demo.url, demo.admin_token);
	fetch_broker_id(broker_id, sizeof broker_id);
	ck_assert(cache_set_broker_id(h.cache, broker_id));
	ck_assert(cache_set_me_json(h.cache, "{\"id\": \"someone-else\", \"roles\": [\"admin\"]}"));
	ck_assert(cache_set_last_seq(h.cache, 3));
	put_fake_pending_request(h.cache);
	ck_assert_int_gt(cache_outbox_add(h.cache, "POST", "/v1/requests/1/approve", "{}", 1,
					  "request", 1, "approve request 1", key), 0);

	sync_until_synced(&h);
	bool reported = false;
	for (int i = 0; i < h.recorder.state_count; i++)
		if (strstr(h.recorder.details[i], "another principal") &&
		    strstr(h.recorder.details[i], "1 queued action was not sent"))
			reported = true;
	ck_assert_msg(reported, "last detail \"%s\"", sync_get_detail(h.sync));
	ck_assert(sync_broker_changed(h.sync));
	ck_assert_int_eq(cached_request_status(h.cache, FAKE_REQUEST_ID, &status), CACHE_NOT_FOUND);
	/* Another person's action must never be sent with this token. */
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);
	ck_assert_int_gt(cache_count_pending(h.cache), 0);
	harness_close(&h);
}
END_TEST

static bool fake_request_gone(void *arg)
{
	struct harness *h = arg;
	enum request_status status;

	return cached_request_status(h->cache, FAKE_REQUEST_ID, &status) == CACHE_NOT_FOUND;
}

START_TEST(test_refresh_lists_again)
{
	struct harness h;

	harness_open(&h, demo.url, demo.admin_token);
	sync_until_synced(&h);
	put_fake_pending_request(h.cache);
	ck_assert(!fake_request_gone(&h));
	sync_refresh(h.sync);
	ck_assert(test_loop_run(&h.loop, fake_request_gone, &h, SYNC_TIMEOUT_MS));
	ck_assert(test_loop_run(&h.loop, is_synced, &h, SYNC_TIMEOUT_MS));
	harness_close(&h);
}
END_TEST

static bool audit_changed(void *arg)
{
	struct harness *h = arg;

	return (h->recorder.changed & SYNC_CHANGED_AUDIT) || h->recorder.fetch_failures > 0;
}

START_TEST(test_fetch_audit_stores_entries)
{
	struct harness h;
	struct http_result result;
	struct audit_entry *entries;
	char path[128];
	int64_t id = find_request_for_approver(1, 1);

	harness_open(&h, demo.url, demo.admin_token);
	ck_assert(!sync_fetch_audit(h.sync, "principal", id));
	ck_assert(!sync_fetch_audit(h.sync, "request", 0));
	ck_assert(sync_fetch_audit(h.sync, "request", id));
	ck_assert(test_loop_run(&h.loop, audit_changed, &h, 20000));
	ck_assert_msg(h.recorder.fetch_failures == 0, "%s", h.recorder.fetch_error);

	snprintf(path, sizeof path, "/v1/audit?object=request&object_id=%lld", (long long)id);
	ck_assert_int_eq(http_call("GET", demo.url, path, demo.admin_token, NULL, NULL, &result), 0);
	size_t expected = json_array_size(json_object_get(result.json, "items"));
	http_result_free(&result);
	size_t count = cache_list_audit(h.cache, "request", id, &entries);
	ck_assert_uint_gt(count, 0);
	ck_assert_uint_eq(count, expected);
	ck_assert_str_eq(entries[0].action, "request.create");
	audit_entries_free(entries, count);
	harness_close(&h);
}
END_TEST

static bool fetch_failed(void *arg)
{
	return ((struct harness *)arg)->recorder.fetch_failures > 0;
}

START_TEST(test_fetch_object_reports_failure)
{
	struct harness h;

	harness_open(&h, demo.url, demo.admin_token);
	ck_assert(sync_fetch_object(h.sync, "request", FAKE_REQUEST_ID));
	ck_assert(test_loop_run(&h.loop, fetch_failed, &h, 20000));
	ck_assert_msg(strstr(h.recorder.fetch_error, "reloading request 999999999 failed") != NULL,
		      "message \"%s\"", h.recorder.fetch_error);
	ck_assert_msg(strstr(h.recorder.fetch_error, "not found") != NULL, "message \"%s\"",
		      h.recorder.fetch_error);
	harness_close(&h);
}
END_TEST

static bool is_unauthorized(void *arg)
{
	return sync_get_state(((struct harness *)arg)->sync) == SYNC_UNAUTHORIZED;
}

START_TEST(test_invalid_token_unauthorized)
{
	struct harness h;

	harness_open(&h, demo.url, "ghs_this_token_does_not_exist_anywhere");
	sync_start(h.sync);
	ck_assert(test_loop_run(&h.loop, is_unauthorized, &h, 20000));
	ck_assert_msg(strstr(sync_get_detail(h.sync), "rejected the token (HTTP 401)") != NULL,
		      "detail \"%s\"", sync_get_detail(h.sync));
	ck_assert_ptr_null(strstr(sync_get_detail(h.sync), "ghs_this_token"));
	ck_assert_int_gt(sync_next_timeout_ms(h.sync, time_monotonic_ms()), 60000);
	ck_assert_uint_eq(http_client_in_flight(h.http), 0);
	harness_close(&h);
}
END_TEST

/* What the fake broker sends. */
enum fake_mode {
	FAKE_GOOD,
	FAKE_BAD_ME,                /* /v1/me with a number for id */
	FAKE_HTML_ME,               /* /v1/me as an HTML page */
	FAKE_HUGE_ME,               /* /v1/me larger than FAKE_MAX_RESPONSE_BYTES */
	FAKE_BAD_EVENT,             /* a request with a number for status (seq 6), then a good one */
	FAKE_FAST_EMPTY,            /* /v1/events responds at once, empty, ignoring wait */
	FAKE_REPLAY_FEED,           /* /v1/events always returns event 6 with last_seq 6 */
	FAKE_BACKWARDS_FEED,        /* /v1/events returns an event and last_seq below after */
	FAKE_BAD_ITEM,              /* the pending listing contains a request with a number for status */
	FAKE_CURSOR_CYCLE,          /* the pending listing's cursors go a, b, a, b... */
	FAKE_AUDIT_CYCLE,           /* the audit trail's cursors go 10, 20, 10, 20... */
	FAKE_AUDIT_ENDLESS,         /* every audit page has one entry and a new cursor */
	FAKE_AUDIT_BAD_ENTRY,       /* one audit page: a good entry and one with an invalid time */
	FAKE_LIMITED_ME,            /* /v1/me answers 429 with Retry-After: 5 */
	FAKE_LIMITED_ME_ZERO,       /* /v1/me answers 429 with Retry-After: 0 */
	FAKE_LIMITED_ME_DAY,        /* /v1/me answers 429 with Retry-After: 86400 */
	FAKE_LIMITED_FEED,          /* /v1/events answers 503 with Retry-After: 3 */
	FAKE_GRANT_EXPIRES,         /* grant 9 listed active, then a grant.expired event for it */
	FAKE_HISTORY_DROP,          /* two pages of approved requests, the second failing once */
};

/* The client's response size limit in the fake tests, so that FAKE_HUGE_ME stays small. */
#define FAKE_MAX_RESPONSE_BYTES 1024

struct fake_broker {
	atomic_int mode;
	atomic_uint events_calls;
	atomic_uint requests_calls;
	atomic_uint audit_calls;
	atomic_uint history_first_pages; /* calls for the first page of approved requests */
	atomic_uint history_second_pages;
};

static const char fake_request_json[] =
	"{\"id\": 1, \"status\": \"pending\", \"requester\": \"emp-1\", \"resource\": \"res-1\","
	" \"role\": \"read\", \"reason\": \"fake\", \"duration_seconds\": 3600,"
	" \"created_at\": \"2026-12-04T15:00:00Z\", \"decided_at\": null,"
	" \"expires_at\": \"2026-12-05T15:00:00Z\", \"approvals_needed\": 1,"
	" \"approver_group\": \"ops\", \"approvals\": [], \"decided_by\": null,"
	" \"decision_reason\": null, \"grant_id\": null, \"version\": 1}";

/* A valid pending request with another id, as JSON text. */
static void fake_request_with_id(int64_t id, char *out, size_t size)
{
	json_t *request = json_loads(fake_request_json, 0, NULL);

	ck_assert_ptr_nonnull(request);
	json_object_set_new(request, "id", json_integer(id));
	char *text = json_dumps(request, JSON_COMPACT);
	snprintf(out, size, "%s", text);
	free(text);
	json_decref(request);
}

/* The value of a query parameter ("after=") in target, "" when it is missing. */
static void query_value(const char *target, const char *name, char *out, size_t size)
{
	const char *found = strstr(target, name);

	out[0] = '\0';
	if (found && (found[-1] == '?' || found[-1] == '&'))
		snprintf(out, size, "%.*s", (int)strcspn(found + strlen(name), "&"),
			 found + strlen(name));
}

static long long query_number(const char *target, const char *name)
{
	char value[32];

	query_value(target, name, value, sizeof value);
	return strtoll(value, NULL, 10);
}

/* An audit entry of request 1 with this seq, as JSON text; bad gives it an invalid time. */
static void fake_audit_entry(long long seq, bool bad, char *out, size_t size)
{
	snprintf(out, size, "{\"seq\": %lld, \"at\": \"%s\", \"actor\": \"fake\","
		 " \"action\": \"request.create\", \"object\": \"request\", \"object_id\": 1,"
		 " \"reason\": \"r\", \"prev_hash\": \"p\", \"hash\": \"h\"}", seq,
		 bad ? "yesterday" : "2026-12-04T15:00:00Z");
}

/* Answer with a status and a Retry-After header, as a broker under load would. */
static void fake_retry_after(int fd, int status, const char *seconds)
{
	char response[512];
	static const char body[] = "{\"code\": \"busy\", \"detail\": \"come back later\"}";

	snprintf(response, sizeof response, "HTTP/1.1 %d Busy\r\nContent-Type: "
		 "application/problem+json\r\nRetry-After: %s\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s", status, seconds, sizeof body - 1, body);
	test_send(fd, response, strlen(response));
}

static void fake_me(int fd, int mode)
{
	char body[FAKE_MAX_RESPONSE_BYTES * 4];

	if (mode == FAKE_LIMITED_ME) {
		fake_retry_after(fd, 429, "5");
	} else if (mode == FAKE_LIMITED_ME_ZERO) {
		fake_retry_after(fd, 429, "0");
	} else if (mode == FAKE_LIMITED_ME_DAY) {
		fake_retry_after(fd, 429, "86400");
	} else if (mode == FAKE_BAD_ME) {
		test_respond(fd, 200, "application/json", "{\"id\": 5, \"broker_id\": \"fake\"}");
	} else if (mode == FAKE_HTML_ME) {
		test_respond(fd, 200, "text/html", "<html>Sign in to the Wi-Fi</html>");
	} else if (mode == FAKE_HUGE_ME) {
		snprintf(body, sizeof body, "{\"id\": \"fake-admin\", \"padding\": \"%0*d\"}",
			 FAKE_MAX_RESPONSE_BYTES * 2, 0);
		test_respond(fd, 200, "application/json", body);
	} else {
		test_respond(fd, 200, "application/json",
			     "{\"id\": \"fake-admin\", \"display_name\": \"Fake\", \"roles\": [\"admin\"],"
			     " \"groups\": [], \"attributes\": {}, \"broker_id\": \"fake-broker\"}");
	}
}

static void fake_requests(int fd, int mode, const char *target)
{
	char body[4096], bad[2048], next[16] = "null", cursor[16];

	if (mode == FAKE_BAD_ITEM) {
		snprintf(bad, sizeof bad, "%s", fake_request_json);
		/* Request 3, with a number for its status. */
		memcpy(strstr(bad, "\"id\": 1"), "\"id\": 3", 7);
		memcpy(strstr(bad, "\"pending\""), "7        ", 9);
		snprintf(body, sizeof body, "{\"items\": [%s, %s], \"next_cursor\": null, "
			 "\"last_seq\": 5}", bad, fake_request_json);
	} else {
		if (mode == FAKE_CURSOR_CYCLE) {
			query_value(target, "cursor=", cursor, sizeof cursor);
			snprintf(next, sizeof next, "\"%s\"", strcmp(cursor, "a") == 0 ? "b" : "a");
		}
		snprintf(body, sizeof body, "{\"items\": [%s], \"next_cursor\": %s, \"last_seq\": 5}",
			 fake_request_json, next);
	}
	test_respond(fd, 200, "application/json", body);
}

/* Grant 9, active or expired, as JSON text. */
static void fake_grant(bool expired, char *out, size_t size)
{
	snprintf(out, size, "{\"id\": 9, \"request_id\": null, \"principal\": \"emp-9\","
		 " \"resource\": \"res-9\", \"role\": \"read\", \"kind\": \"jit\", \"status\": \"%s\","
		 " \"granted_at\": \"2026-12-04T15:00:00Z\", \"expires_at\": \"2026-12-04T16:00:00Z\","
		 " \"revoked_at\": null, \"revoked_by\": null, \"reason\": \"fake\","
		 " \"request_reason\": \"fake\", \"last_used_at\": null, \"version\": %d}",
		 expired ? "expired" : "active", expired ? 2 : 1);
}

/* Respond to /v1/events in the modes that send events; false for the other modes. */
static bool fake_event_page(int fd, int mode, long long after)
{
	char body[8192], first[2048], second[2048];

	if (mode == FAKE_LIMITED_FEED) {
		fake_retry_after(fd, 503, "3");
		return true;
	} else if (mode == FAKE_GRANT_EXPIRES && after < 6) {
		fake_grant(true, first, sizeof first);
		snprintf(body, sizeof body, "{\"events\": [{\"seq\": 6, \"type\": \"grant.expired\","
			 " \"object\": \"grant\", \"id\": 9, \"data\": %s}], \"last_seq\": 6}", first);
	} else if (mode == FAKE_BAD_EVENT && after < 7) {
		fake_request_with_id(4, second, sizeof second);
		snprintf(body, sizeof body, "{\"events\": [{\"seq\": 6, \"type\": \"request.created\","
			 " \"object\": \"request\", \"id\": 2, \"data\": {\"id\": 2, \"status\": 7}},"
			 " {\"seq\": 7, \"type\": \"request.created\", \"object\": \"request\","
			 " \"id\": 4, \"data\": %s}], \"last_seq\": 7}", second);
	} else if (mode == FAKE_REPLAY_FEED) {
		fake_request_with_id(2, first, sizeof first);
		snprintf(body, sizeof body, "{\"events\": [{\"seq\": 6, \"type\": \"request.created\","
			 " \"object\": \"request\", \"id\": 2, \"data\": %s}], \"last_seq\": 6}", first);
	} else if (mode == FAKE_BACKWARDS_FEED) {
		fake_request_with_id(3, first, sizeof first);
		snprintf(body, sizeof body, "{\"events\": [{\"seq\": %lld, \"type\": \"request.created\","
			 " \"object\": \"request\", \"id\": 3, \"data\": %s}], \"last_seq\": %lld}",
			 after - 1, first, after - 1);
	} else {
		return false;
	}
	test_respond(fd, 200, "application/json", body);
	return true;
}

static void fake_events(struct test_server *server, int fd, int mode, const char *target)
{
	struct fake_broker *fake = server->ctx;
	long long after = query_number(target, "after=");
	char body[128];

	atomic_fetch_add(&fake->events_calls, 1);
	if (fake_event_page(fd, mode, after))
		return;
	if (mode != FAKE_FAST_EMPTY)
		test_server_hold(server, 2000);
	snprintf(body, sizeof body, "{\"events\": [], \"last_seq\": %lld}", after);
	test_respond(fd, 200, "application/json", body);
}

static void fake_audit(int fd, int mode, const char *target)
{
	char body[2048], entry[512], bad[512], cursor[16], next[32] = "null";
	long long page = query_number(target, "cursor=");

	query_value(target, "cursor=", cursor, sizeof cursor);
	fake_audit_entry(page + 1, false, entry, sizeof entry);
	if (mode == FAKE_AUDIT_CYCLE)
		snprintf(next, sizeof next, "\"%s\"", strcmp(cursor, "10") == 0 ? "20" : "10");
	else if (mode == FAKE_AUDIT_ENDLESS)
		snprintf(next, sizeof next, "\"%lld\"", page + 1);
	if (mode == FAKE_AUDIT_BAD_ENTRY) {
		fake_audit_entry(page + 2, true, bad, sizeof bad);
		snprintf(body, sizeof body, "{\"items\": [%s, %s], \"next_cursor\": null}", entry, bad);
	} else {
		snprintf(body, sizeof body, "{\"items\": [%s], \"next_cursor\": %s}", entry, next);
	}
	test_respond(fd, 200, "application/json", body);
}

static void fake_grants(int fd, int mode)
{
	char body[2048], grant[1024] = "";

	if (mode == FAKE_GRANT_EXPIRES)
		fake_grant(false, grant, sizeof grant);
	snprintf(body, sizeof body, "{\"items\": [%s], \"next_cursor\": null, \"last_seq\": 5}", grant);
	test_respond(fd, 200, "application/json", body);
}

/* Request id, approved, as JSON text. */
static void fake_approved_request(int64_t id, char *out, size_t size)
{
	json_t *request = json_loads(fake_request_json, 0, NULL);

	ck_assert_ptr_nonnull(request);
	json_object_set_new(request, "id", json_integer(id));
	json_object_set_new(request, "status", json_string("approved"));
	json_object_set_new(request, "decided_at", json_string("2026-12-04T15:10:00Z"));
	json_object_set_new(request, "decided_by", json_string("emp-2"));
	json_object_set_new(request, "version", json_integer(2));
	char *text = json_dumps(request, JSON_COMPACT);
	snprintf(out, size, "%s", text);
	free(text);
	json_decref(request);
}

/*
 * Answer a listing of decided requests: none, or in FAKE_HISTORY_DROP
 * approved request 11, then at cursor "h2" a 503 the first time and
 * approved request 12 after that.
 */
static void fake_history(struct fake_broker *fake, int fd, int mode, const char *target)
{
	char body[4096], item[2048], cursor[16];

	query_value(target, "cursor=", cursor, sizeof cursor);
	if (mode != FAKE_HISTORY_DROP || !strstr(target, "status=approved")) {
		test_respond(fd, 200, "application/json",
			     "{\"items\": [], \"next_cursor\": null, \"last_seq\": 5}");
		return;
	}
	if (!cursor[0]) {
		atomic_fetch_add(&fake->history_first_pages, 1);
		fake_approved_request(11, item, sizeof item);
		snprintf(body, sizeof body, "{\"items\": [%s], \"next_cursor\": \"h2\", "
			 "\"last_seq\": 5}", item);
	} else if (atomic_fetch_add(&fake->history_second_pages, 1) == 0) {
		fake_retry_after(fd, 503, "1");
		return;
	} else {
		fake_approved_request(12, item, sizeof item);
		snprintf(body, sizeof body, "{\"items\": [%s], \"next_cursor\": null, "
			 "\"last_seq\": 5}", item);
	}
	test_respond(fd, 200, "application/json", body);
}

static void fake_handler(struct test_server *server, int fd, const struct test_request *request)
{
	struct fake_broker *fake = server->ctx;
	int mode = atomic_load(&fake->mode);
	const char *path = request->target;

	if (strcmp(path, "/v1/me") == 0) {
		fake_me(fd, mode);
	} else if (strncmp(path, "/v1/requests?status=approved", 28) == 0 ||
		   strncmp(path, "/v1/requests?status=denied", 26) == 0) {
		fake_history(fake, fd, mode, path);
	} else if (strncmp(path, "/v1/requests?", 13) == 0) {
		atomic_fetch_add(&fake->requests_calls, 1);
		fake_requests(fd, mode, path);
	} else if (strncmp(path, "/v1/grants?", 11) == 0) {
		fake_grants(fd, mode);
	} else if (strncmp(path, "/v1/events?", 11) == 0) {
		fake_events(server, fd, mode, path);
	} else if (strncmp(path, "/v1/audit?", 10) == 0) {
		atomic_fetch_add(&fake->audit_calls, 1);
		fake_audit(fd, mode, path);
	} else {
		test_respond(fd, 404, "application/problem+json",
			     "{\"code\": \"not_found\", \"detail\": \"no such path\"}");
	}
}

static bool is_offline(void *arg)
{
	return sync_get_state(((struct harness *)arg)->sync) == SYNC_OFFLINE;
}

static bool is_online(void *arg)
{
	return sync_get_state(((struct harness *)arg)->sync) == SYNC_ONLINE;
}

START_TEST(test_offline_then_online)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	test_server_bind(&server, fake_handler, &fake);
	harness_open(&h, server.url, "ghs_fake_token");
	sync_start(h.sync);
	ck_assert(test_loop_run(&h.loop, is_offline, &h, 10000));
	const char *detail = sync_get_detail(h.sync);
	ck_assert_msg(strstr(detail, "broker unreachable: connection refused") != NULL,
		      "detail \"%s\"", detail);
	ck_assert_msg(strstr(detail, "retrying in") != NULL, "detail \"%s\"", detail);
	int first_delay = sync_next_timeout_ms(h.sync, time_monotonic_ms());
	ck_assert_int_ge(first_delay, 0);
	ck_assert_int_le(first_delay, 1200);

	test_server_listen(&server);
	ck_assert(test_loop_run(&h.loop, is_online, &h, 10000));
	ck_assert(test_loop_run(&h.loop, is_synced, &h, 10000));
	ck_assert_int_eq(cached_last_seq(&h), 5);
	ck_assert_int_eq(cache_count_pending(h.cache), 1);
	ck_assert_int_eq(h.recorder.states[0], SYNC_CONNECTING);
	ck_assert_int_eq(h.recorder.states[1], SYNC_OFFLINE);
	ck_assert_int_eq(h.recorder.states[h.recorder.state_count - 1], SYNC_ONLINE);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

static bool has_two_failures(void *arg)
{
	struct harness *h = arg;
	int offline = 0;

	for (int i = 0; i < h->recorder.state_count; i++)
		offline += h->recorder.states[i] == SYNC_OFFLINE;
	return offline >= 2;
}

START_TEST(test_offline_retry_delay_grows)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	test_server_bind(&server, fake_handler, &fake);
	harness_open(&h, server.url, "ghs_fake_token");
	sync_start(h.sync);
	ck_assert(test_loop_run(&h.loop, has_two_failures, &h, 10000));
	ck_assert_msg(strstr(sync_get_detail(h.sync), "(attempt 3)") != NULL, "detail \"%s\"",
		      sync_get_detail(h.sync));
	int second_delay = sync_next_timeout_ms(h.sync, time_monotonic_ms());
	ck_assert_int_ge(second_delay, 1500);
	ck_assert_int_le(second_delay, 2400);
	ck_assert_uint_eq(http_client_in_flight(h.http), 0);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

/* Start a sync against the fake broker in mode, wait for OFFLINE, and check its detail. */
static void expect_offline(enum fake_mode mode, const char *expected)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	atomic_store(&fake.mode, mode);
	test_server_start(&server, fake_handler, &fake);
	harness_open_limited(&h, server.url, "ghs_fake_token", FAKE_MAX_RESPONSE_BYTES);
	sync_start(h.sync);
	ck_assert(test_loop_run(&h.loop, is_offline, &h, 20000));
	ck_assert_msg(strstr(sync_get_detail(h.sync), expected) != NULL, "mode %d: detail \"%s\"",
		      mode, sync_get_detail(h.sync));
	ck_assert_msg(strstr(sync_get_detail(h.sync), "retrying in") != NULL, "detail \"%s\"",
		      sync_get_detail(h.sync));
	harness_close(&h);
	test_server_stop(&server);
}

START_TEST(test_malformed_me_goes_offline)
{
	expect_offline(FAKE_BAD_ME, "field \"id\": expected a string");
	expect_offline(FAKE_HTML_ME, "text/html, not JSON");
}
END_TEST

/*
 * Start a sync against the fake broker in mode, wait for OFFLINE, and check
 * its detail and that the next try is from at_least_ms to at_most_ms away.
 */
static void expect_retry_delay(enum fake_mode mode, int at_least_ms, int at_most_ms,
			       const char *expected)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	atomic_store(&fake.mode, mode);
	test_server_start(&server, fake_handler, &fake);
	harness_open(&h, server.url, "ghs_fake_token");
	sync_start(h.sync);
	ck_assert(test_loop_run(&h.loop, is_offline, &h, 20000));
	int delay = sync_next_timeout_ms(h.sync, time_monotonic_ms());
	ck_assert_msg(delay >= at_least_ms && delay <= at_most_ms, "mode %d: next try in %d ms",
		      mode, delay);
	ck_assert_msg(strstr(sync_get_detail(h.sync), expected) != NULL, "mode %d: detail \"%s\"",
		      mode, sync_get_detail(h.sync));
	harness_close(&h);
	test_server_stop(&server);
}

START_TEST(test_retry_after_sets_delay)
{
	/* The loop may take a moment between the failure and the measurement. */
	expect_retry_delay(FAKE_LIMITED_ME, 4500, 5000, "retrying in 5 s, as the broker asked");
	expect_retry_delay(FAKE_LIMITED_FEED, 2500, 3000,
			   "broker error on GET /v1/events: come back later (HTTP 503 busy); "
			   "retrying in 3 s, as the broker asked");
	/* Never sooner than the usual first delay, never later than the cap. */
	expect_retry_delay(FAKE_LIMITED_ME_ZERO, 500, SYNC_RETRY_FIRST_MS, "retrying in 1 s");
	expect_retry_delay(FAKE_LIMITED_ME_DAY, BACKOFF_RETRY_AFTER_MAX_MS - 500,
			   BACKOFF_RETRY_AFTER_MAX_MS, "retrying in 600 s");
}
END_TEST

START_TEST(test_oversized_response_not_unreachable)
{
	/* The broker was reached: "unreachable" would send the user to check the network. */
	expect_offline(FAKE_HUGE_ME, "GET /v1/me failed: the response is larger than 1024 bytes");
}
END_TEST

/* Start a sync against the fake broker in mode and run until synced. */
static void start_synced(struct fake_broker *fake, enum fake_mode mode, struct test_server *server,
			 struct harness *h)
{
	atomic_store(&fake->mode, mode);
	test_server_start(server, fake_handler, fake);
	harness_open(h, server->url, "ghs_fake_token");
	sync_start(h->sync);
	ck_assert_msg(test_loop_run(&h->loop, is_synced, h, 10000), "not synced: state %s, "
		      "detail \"%s\"", sync_state_name(sync_get_state(h->sync)),
		      sync_get_detail(h->sync));
}

struct position_wait {
	struct harness *harness;
	int64_t seq;
};

static bool position_reached(void *arg)
{
	struct position_wait *w = arg;

	return cached_last_seq(w->harness) == w->seq;
}

START_TEST(test_malformed_event_skipped)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	enum request_status status;

	start_synced(&fake, FAKE_BAD_EVENT, &server, &h);
	struct position_wait wait = { &h, 7 };
	ck_assert_msg(test_loop_run(&h.loop, position_reached, &wait, 10000),
		      "position %lld, detail \"%s\"", (long long)cached_last_seq(&h),
		      sync_get_detail(h.sync));
	ck_assert_int_eq(sync_get_state(h.sync), SYNC_ONLINE);
	ck_assert_int_eq(cached_request_status(h.cache, 2, &status), CACHE_NOT_FOUND);
	ck_assert_int_eq(cached_request_status(h.cache, 4, &status), CACHE_FOUND);
	ck_assert_msg(strstr(sync_get_detail(h.sync), "; skipped 1 object the broker sent malformed "
			     "(last: invalid request 2 from the broker: field \"status\"") != NULL,
		      "detail \"%s\"", sync_get_detail(h.sync));
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_history_resumes_after_failure)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	enum request_status status;

	start_synced(&fake, FAKE_HISTORY_DROP, &server, &h);
	ck_assert_msg(test_loop_run(&h.loop, history_complete, &h, 20000),
		      "the decided requests did not arrive: last failure \"%s\"", h.recorder.fetch_error);
	/* The failed page was requested again, and the first page was not. */
	unsigned second_pages = atomic_load(&fake.history_second_pages);
	unsigned first_pages = atomic_load(&fake.history_first_pages);
	ck_assert_uint_eq(second_pages, 2);
	ck_assert_uint_eq(first_pages, 1);
	ck_assert_int_eq(cached_request_status(h.cache, 11, &status), CACHE_FOUND);
	ck_assert_int_eq(status, REQUEST_APPROVED);
	ck_assert_int_eq(cached_request_status(h.cache, 12, &status), CACHE_FOUND);
	ck_assert_int_eq(status, REQUEST_APPROVED);
	/* A broker error is the connection's to report, not the history's. */
	ck_assert_int_eq(h.recorder.fetch_failures, 0);
	ck_assert_int_eq(cache_count_pending(h.cache), 1);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_malformed_item_skipped)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	enum request_status status;

	start_synced(&fake, FAKE_BAD_ITEM, &server, &h);
	ck_assert_int_eq(sync_skipped_objects(h.sync), 1);
	ck_assert_int_eq(cache_count_pending(h.cache), 1);
	ck_assert_int_eq(cached_request_status(h.cache, 1, &status), CACHE_FOUND);
	ck_assert_int_eq(cached_request_status(h.cache, 3, &status), CACHE_NOT_FOUND);
	ck_assert_msg(strstr(sync_get_detail(h.sync), "connected to") != NULL, "detail \"%s\"",
		      sync_get_detail(h.sync));
	ck_assert_msg(strstr(sync_get_detail(h.sync), "skipped 1 object the broker sent malformed "
			     "(last: invalid request 3 from the broker: field \"status\"") != NULL,
		      "detail \"%s\"", sync_get_detail(h.sync));
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

static bool grant_expired(void *arg)
{
	return cache_count_active_grants(((struct harness *)arg)->cache) == 0;
}

START_TEST(test_grant_expiry_event_applied)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	struct grant grant;

	start_synced(&fake, FAKE_GRANT_EXPIRES, &server, &h);
	ck_assert(test_loop_run(&h.loop, grant_expired, &h, 10000));
	ck_assert_int_eq(cached_last_seq(&h), 6);
	ck_assert_int_eq(cache_get_grant(h.cache, 9, &grant), CACHE_FOUND);
	ck_assert_int_eq(grant.status, GRANT_EXPIRED);
	ck_assert_int_eq(grant.version, 2);
	grant_free(&grant);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

/* The JSON text the cache keeps for request id, read with a connection of the test's own. */
static void stored_request_json(struct harness *h, int64_t id, char *out, size_t size)
{
	char path[128];
	sqlite3 *db;
	sqlite3_stmt *statement;

	snprintf(path, sizeof path, "%s/cache.db", h->directory);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT json FROM requests WHERE id = ?1", -1,
					    &statement, NULL), SQLITE_OK);
	sqlite3_bind_int64(statement, 1, id);
	ck_assert_int_eq(sqlite3_step(statement), SQLITE_ROW);
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(statement, 0));
	sqlite3_finalize(statement);
	sqlite3_close(db);
}

START_TEST(test_listing_stored_as_sent)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	struct access_request request;
	char stored[4096];

	start_synced(&fake, FAKE_GOOD, &server, &h);
	/* The page's bytes, spaces and all, not the object encoded again. */
	stored_request_json(&h, 1, stored, sizeof stored);
	ck_assert_str_eq(stored, fake_request_json);
	ck_assert_int_eq(cache_get_request(h.cache, 1, &request), CACHE_FOUND);
	ck_assert_str_eq(request.reason, "fake");
	access_request_free(&request);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_empty_feed_does_not_spin)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	start_synced(&fake, FAKE_FAST_EMPTY, &server, &h);
	unsigned before = atomic_load(&fake.events_calls);
	test_loop_run(&h.loop, never, NULL, 3000);
	unsigned calls = atomic_load(&fake.events_calls) - before;
	ck_assert_msg(calls <= 5, "%u feed calls in 3 s", calls);
	ck_assert_uint_ge(calls, 2);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_replayed_feed_does_not_spin)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	enum request_status status;

	start_synced(&fake, FAKE_REPLAY_FEED, &server, &h);
	unsigned before = atomic_load(&fake.events_calls);
	test_loop_run(&h.loop, never, NULL, 3000);
	unsigned calls = atomic_load(&fake.events_calls) - before;
	/* Event 6 once, then its replays after pauses of about 1 s and 2 s. */
	ck_assert_msg(calls <= 4, "%u feed calls in 3 s", calls);
	ck_assert_uint_ge(calls, 2);
	ck_assert_int_eq(cached_last_seq(&h), 6);
	ck_assert_int_eq(cached_request_status(h.cache, 2, &status), CACHE_FOUND);
	ck_assert_int_eq(sync_get_state(h.sync), SYNC_ONLINE);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_backwards_feed_keeps_position)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	enum request_status status;

	start_synced(&fake, FAKE_BACKWARDS_FEED, &server, &h);
	unsigned before = atomic_load(&fake.events_calls);
	test_loop_run(&h.loop, never, NULL, 2500);
	unsigned calls = atomic_load(&fake.events_calls) - before;
	ck_assert_msg(calls <= 3, "%u feed calls in 2.5 s", calls);
	ck_assert_uint_ge(calls, 1);
	ck_assert_int_eq(cached_last_seq(&h), 5);
	/* Event 4 is older than the position: applying it could undo a newer change. */
	ck_assert_int_eq(cached_request_status(h.cache, 3, &status), CACHE_NOT_FOUND);
	ck_assert_int_eq(sync_get_state(h.sync), SYNC_ONLINE);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_cursor_cycle_goes_offline)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	atomic_store(&fake.mode, FAKE_CURSOR_CYCLE);
	test_server_start(&server, fake_handler, &fake);
	harness_open(&h, server.url, "ghs_fake_token");
	sync_start(h.sync);
	ck_assert_msg(test_loop_run(&h.loop, is_offline, &h, 10000), "%u listing calls, detail \"%s\"",
		      atomic_load(&fake.requests_calls), sync_get_detail(h.sync));
	/* The first page, then cursor a, then cursor b, which sends a again. */
	unsigned calls = atomic_load(&fake.requests_calls);
	ck_assert_uint_eq(calls, 3);
	ck_assert_msg(strstr(sync_get_detail(h.sync), "GET /v1/requests failed: the broker repeated "
			     "a page cursor; stopping the listing; retrying in") != NULL,
		      "detail \"%s\"", sync_get_detail(h.sync));
	ck_assert_int_gt(sync_next_timeout_ms(h.sync, time_monotonic_ms()), 0);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_cursor_history_repeats_and_cap)
{
	struct cursor_history history;

	cursor_history_init(&history, 3);
	ck_assert_int_eq(cursor_history_add(&history, "a", 1), CURSOR_NEW);
	ck_assert_int_eq(cursor_history_add(&history, "b", 1), CURSOR_NEW);
	ck_assert_int_eq(cursor_history_add(&history, "a", 1), CURSOR_REPEATED);
	ck_assert_int_eq(cursor_history_add(&history, "a\0b", 3), CURSOR_NEW);
	ck_assert_int_eq(cursor_history_add(&history, "c", 1), CURSOR_TOO_MANY);
	ck_assert_int_eq(cursor_history_add(&history, "b", 1), CURSOR_REPEATED);
	cursor_history_clear(&history);
	ck_assert_int_eq(cursor_history_add(&history, "a", 1), CURSOR_NEW);
	cursor_history_free(&history);
}
END_TEST

/* Fetch the audit trail of request 1 from the fake broker in mode until the fetch fails. */
static void fetch_audit_until_failed(struct fake_broker *fake, enum fake_mode mode,
				     struct test_server *server, struct harness *h)
{
	atomic_store(&fake->mode, mode);
	test_server_start(server, fake_handler, fake);
	harness_open(h, server->url, "ghs_fake_token");
	ck_assert(sync_fetch_audit(h->sync, "request", 1));
	ck_assert_msg(test_loop_run(&h->loop, fetch_failed, h, 30000), "%u audit calls",
		      atomic_load(&fake->audit_calls));
	ck_assert_int_eq(h->recorder.fetch_failures, 1);
}

START_TEST(test_audit_cursor_cycle_stops)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;

	fetch_audit_until_failed(&fake, FAKE_AUDIT_CYCLE, &server, &h);
	unsigned calls = atomic_load(&fake.audit_calls);
	ck_assert_uint_eq(calls, 3);
	ck_assert_str_eq(h.recorder.fetch_error, "loading the audit trail of request 1 failed: the "
			 "broker repeated a page cursor; stopping the listing");
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_audit_pages_capped)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	struct audit_entry *entries;

	fetch_audit_until_failed(&fake, FAKE_AUDIT_ENDLESS, &server, &h);
	unsigned calls = atomic_load(&fake.audit_calls);
	ck_assert_uint_eq(calls, 100);
	ck_assert_str_eq(h.recorder.fetch_error, "loading the audit trail of request 1 failed: the "
			 "broker sent more than 100 pages of 500 entries; stopping the listing");
	size_t count = cache_list_audit(h.cache, "request", 1, &entries);
	ck_assert_uint_eq(count, 100);
	audit_entries_free(entries, count);
	test_loop_run(&h.loop, never, NULL, 300);
	calls = atomic_load(&fake.audit_calls);
	ck_assert_uint_eq(calls, 100);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_audit_malformed_entry_skipped)
{
	struct fake_broker fake = { 0 };
	struct test_server server;
	struct harness h;
	struct audit_entry *entries;

	fetch_audit_until_failed(&fake, FAKE_AUDIT_BAD_ENTRY, &server, &h);
	ck_assert_msg(strstr(h.recorder.fetch_error, "the audit trail of request 1 is incomplete: "
			     "skipped 1 entry the broker sent malformed (last: invalid audit entry 2 "
			     "from the broker: field \"at\"") != NULL, "message \"%s\"",
		      h.recorder.fetch_error);
	ck_assert(h.recorder.changed & SYNC_CHANGED_AUDIT);
	size_t count = cache_list_audit(h.cache, "request", 1, &entries);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(entries[0].seq, 1);
	audit_entries_free(entries, count);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

static Suite *client_sync_suite(void)
{
	Suite *suite = suite_create("client_sync");
	TCase *broker = tcase_create("broker");
	TCase *fake = tcase_create("fake");

	tcase_set_timeout(broker, 120);
	tcase_add_unchecked_fixture(broker, start_demo, stop_demo);
	tcase_add_test(broker, test_resync_fills_cache);
	tcase_add_test(broker, test_history_fetched_once);
	tcase_add_test(broker, test_feed_delivers_approval);
	tcase_add_test(broker, test_idle_long_poll_sleeps);
	tcase_add_test(broker, test_expired_cursor_resyncs);
	tcase_add_test(broker, test_broker_change_clears_cache);
	tcase_add_test(broker, test_principal_change_clears_cache);
	tcase_add_test(broker, test_refresh_lists_again);
	tcase_add_test(broker, test_fetch_audit_stores_entries);
	tcase_add_test(broker, test_fetch_object_reports_failure);
	tcase_add_test(broker, test_invalid_token_unauthorized);
	suite_add_tcase(suite, broker);

	tcase_set_timeout(fake, 60);
	tcase_add_test(fake, test_backoff_delays_double_with_jitter);
	tcase_add_test(fake, test_offline_then_online);
	tcase_add_test(fake, test_offline_retry_delay_grows);
	tcase_add_test(fake, test_malformed_me_goes_offline);
	tcase_add_test(fake, test_retry_after_sets_delay);
	tcase_add_test(fake, test_grant_expiry_event_applied);
	tcase_add_test(fake, test_listing_stored_as_sent);
	tcase_add_test(fake, test_oversized_response_not_unreachable);
	tcase_add_test(fake, test_malformed_event_skipped);
	tcase_add_test(fake, test_malformed_item_skipped);
	tcase_add_test(fake, test_history_resumes_after_failure);
	tcase_add_test(fake, test_empty_feed_does_not_spin);
	tcase_add_test(fake, test_replayed_feed_does_not_spin);
	tcase_add_test(fake, test_backwards_feed_keeps_position);
	tcase_add_test(fake, test_cursor_cycle_goes_offline);
	tcase_add_test(fake, test_cursor_history_repeats_and_cap);
	tcase_add_test(fake, test_audit_cursor_cycle_stops);
	tcase_add_test(fake, test_audit_pages_capped);
	tcase_add_test(fake, test_audit_malformed_entry_skipped);
	suite_add_tcase(suite, fake);
	return suite;
}

CHECK_MAIN(client_sync_suite)
