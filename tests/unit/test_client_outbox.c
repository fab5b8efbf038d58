/*
 * Tests of the outbox sender (client/outbox*.c) against a real demo
 * gatehoused, shared by the "broker" test case, and against a loopback
 * server of the test's own that is down, then up.
 */

#include <check.h>
#include <jansson.h>

#include "api/json.h"
#include "cache/objects.h"
#include "cache/outbox.h"
#include "client/outbox.h"
#include "client/sync.h"
#include "tests/support/broker_process.h"
#include "tests/support/check_main.h"
#include "tests/support/http_client.h"
#include "tests/unit/test_client_support.h"

#define RESULT_TIMEOUT_MS 30000

static struct broker_process demo;

static void start_demo(void)
{
	ck_assert_msg(broker_process_start(&demo, true, NULL), "the demo broker did not start");
}

static void stop_demo(void)
{
	broker_process_cleanup(&demo);
}

struct recorded_result {
	int64_t item_id;
	bool success;
	enum outbox_state state;
	char label[128];
	char message[768];
	long status;
	char code[64];
	bool replayed;
	int64_t revoked;
};

struct recorder {
	int count;
	struct recorded_result last;
	int dry_runs;
	bool dry_run_ok;
	int64_t matched;
	char dry_run_message[512];
};

static void record_result(void *ctx, const struct outbox_result *result)
{
	struct recorder *r = ctx;
	struct recorded_result *last = &r->last;

	r->count++;
	last->item_id = result->item_id;
	last->success = result->success;
	last->state = result->state;
	snprintf(last->label, sizeof last->label, "%s", result->label);
	snprintf(last->message, sizeof last->message, "%s", result->message);
	last->status = result->http_status;
	snprintf(last->code, sizeof last->code, "%s", result->problem_code ? result->problem_code : "");
	last->replayed = result->replayed;
	last->revoked = result->revoked;
}

static void record_dry_run(void *ctx, const struct outbox_dry_run *result)
{
	struct recorder *r = ctx;

	r->dry_runs++;
	r->dry_run_ok = result->ok;
	r->matched = result->matched;
	snprintf(r->dry_run_message, sizeof r->dry_run_message, "%s",
		 result->message ? result->message : "");
}

static const struct outbox_callbacks recorder_callbacks = { .on_result = record_result };

/* One console: a cache, an HTTP client, a sync that is never started (for reloads), a sender. */
struct harness {
	char directory[64];
	struct cache *cache;
	struct http_client *http;
	struct sync *sync;
	struct outbox_sender *sender;
	struct recorder recorder;
	struct test_loop loop;
};

/* Attach a client whose responses may be at most max_response_bytes long (0: the default). */
static void harness_attach_limited(struct harness *h, const char *url, const char *token,
				   size_t max_response_bytes)
{
	h->http = test_http_client_limited(url, token, max_response_bytes);
	h->sync = sync_new(h->http, h->cache, NULL, NULL);
	h->sender = outbox_sender_new(h->http, h->cache, h->sync, &recorder_callbacks, &h->recorder);
	h->loop = (struct test_loop){ .http = h->http, .sync = h->sync, .outbox = h->sender };
}

static void harness_attach(struct harness *h, const char *url, const char *token)
{
	harness_attach_limited(h, url, token, 0);
}

static void harness_detach(struct harness *h)
{
	outbox_sender_free(h->sender);
	sync_free(h->sync);
	http_client_free(h->http);
}

static void harness_open(struct harness *h, const char *url, const char *token)
{
	memset(h, 0, sizeof *h);
	test_make_directory(h->directory, sizeof h->directory, "test_client_outbox");
	h->cache = test_open_cache(h->directory, "cache.db");
	harness_attach(h, url, token);
}

static void harness_close(struct harness *h)
{
	harness_detach(h);
	cache_close(h->cache);
	test_remove_directory(h->directory);
}

struct count_wait {
	struct harness *harness;
	int count;
};

static bool has_results(void *arg)
{
	struct count_wait *w = arg;

	return w->harness->recorder.count >= w->count;
}

/* Run the loop until the sender has reported count results in all. */
static void wait_for_results(struct harness *h, int count)
{
	struct count_wait wait = { h, count };

	ck_assert_msg(test_loop_run(&h->loop, has_results, &wait, RESULT_TIMEOUT_MS),
		      "%d results after %d s, expected %d", h->recorder.count,
		      RESULT_TIMEOUT_MS / 1000, count);
}

/* The request as the broker has it now, with a direct call. */
static json_t *broker_request(int64_t id)
{
	struct http_result result;
	char path[64];

	snprintf(path, sizeof path, "/v1/requests/%lld", (long long)id);
	ck_assert_int_eq(http_call("GET", demo.url, path, demo.admin_token, NULL, NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	json_t *request = json_incref(result.json);
	http_result_free(&result);
	return request;
}

/*
 * Find a pending request with no approvals yet that needs approvals_needed,
 * whose requester is (mine) or is not (!mine) demo-admin, and that demo-approver
 * may approve. skip picks a later one.
 */
static int64_t find_pending_request(int approvals_needed, bool mine, int skip)
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
		if ((strcmp(requester, "demo-admin") == 0) != mine)
			continue;
		if (!mine && (!in_group || strcmp(requester, "demo-approver") == 0 ||
			      json_integer_value(json_object_get(item, "approvals_needed")) !=
				      approvals_needed ||
			      json_array_size(json_object_get(item, "approvals")) != 0))
			continue;
		if (skip-- > 0)
			continue;
		found = json_integer_value(json_object_get(item, "id"));
		break;
	}
	http_result_free(&result);
	ck_assert_msg(found > 0, "no pending request (approvals %d, mine %d, skip %d)",
		      approvals_needed, mine, skip);
	return found;
}

static int64_t json_int_field(const json_t *object, const char *field)
{
	return (int64_t)json_integer_value(json_object_get(object, field));
}

/* The outbox item with this id, which the caller frees with outbox_item_free. */
static void load_item(struct harness *h, int64_t id, struct outbox_item *out)
{
	struct outbox_item *items;
	size_t count = cache_outbox_list_recent(h->cache, 100, &items);
	bool found = false;

	for (size_t i = 0; i < count; i++) {
		if (items[i].id != id)
			continue;
		*out = items[i];
		memset(&items[i], 0, sizeof items[i]);
		found = true;
	}
	outbox_items_free(items, count);
	ck_assert_msg(found, "outbox item %lld not found", (long long)id);
}

/* Send an outbox item straight to the broker with its key, as a sender that then crashed would. */
static struct http_result send_item_directly(const struct outbox_item *item)
{
	struct http_result result;
	char key_header[96], if_match_header[64];
	const char *headers[3] = { key_header, NULL, NULL };

	snprintf(key_header, sizeof key_header, "Idempotency-Key: %s", item->idempotency_key);
	if (item->if_match > 0) {
		snprintf(if_match_header, sizeof if_match_header, "If-Match: \"%lld\"",
			 (long long)item->if_match);
		headers[1] = if_match_header;
	}
	ck_assert_int_eq(http_call(item->method, demo.url, item->path, demo.admin_token, item->body,
				   headers, &result), 0);
	return result;
}

START_TEST(test_approve_updates_cache)
{
	struct harness h;
	struct access_request cached;
	struct outbox_item item;
	char expected[96];
	int64_t id = find_pending_request(1, false, 0);
	json_t *before = broker_request(id);
	int64_t version = json_int_field(before, "version");

	json_decref(before);
	harness_open(&h, demo.url, demo.admin_token);
	int64_t item_id = outbox_queue_approve(h.sender, id, version, "looks right");
	ck_assert_msg(item_id > 0, "%s", outbox_last_error(h.sender));
	wait_for_results(&h, 1);

	snprintf(expected, sizeof expected, "approved request %lld", (long long)id);
	ck_assert(h.recorder.last.success);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_DONE);
	ck_assert_str_eq(h.recorder.last.message, expected);
	ck_assert_int_eq(h.recorder.last.status, 200);
	ck_assert_int_eq(h.recorder.last.item_id, item_id);
	snprintf(expected, sizeof expected, "approve request %lld", (long long)id);
	ck_assert_str_eq(h.recorder.last.label, expected);
	ck_assert(!h.recorder.last.replayed);

	ck_assert_int_eq(cache_get_request(h.cache, id, &cached), CACHE_FOUND);
	ck_assert_int_eq(cached.status, REQUEST_APPROVED);
	ck_assert_int_eq(cached.version, version + 1);
	ck_assert_uint_eq(cached.approval_count, 1);
	ck_assert_str_eq(cached.approvals[0].approver, "demo-admin");
	access_request_free(&cached);

	/* The broker stored the item's key, so sending it again replays the stored response. */
	load_item(&h, item_id, &item);
	ck_assert_int_eq(item.state, OUTBOX_DONE);
	ck_assert_int_eq(item.if_match, version);
	struct http_result replay = send_item_directly(&item);
	ck_assert_int_eq(replay.status, 200);
	ck_assert(replay.replayed);
	http_result_free(&replay);
	outbox_item_free(&item);
	harness_close(&h);
}
END_TEST

START_TEST(test_self_approval_fails_plainly)
{
	struct harness h;
	struct outbox_item item;
	char expected[96];
	int64_t id = find_pending_request(0, true, 0);

	harness_open(&h, demo.url, demo.admin_token);
	int64_t item_id = outbox_queue_approve(h.sender, id, 0, NULL);
	ck_assert_int_gt(item_id, 0);
	wait_for_results(&h, 1);

	snprintf(expected, sizeof expected, "you cannot approve your own request %lld", (long long)id);
	ck_assert(!h.recorder.last.success);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_FAILED);
	ck_assert_str_eq(h.recorder.last.message, expected);
	ck_assert_int_eq(h.recorder.last.status, 403);
	ck_assert_str_eq(h.recorder.last.code, "self_approval");
	load_item(&h, item_id, &item);
	ck_assert_int_eq(item.state, OUTBOX_FAILED);
	ck_assert_int_eq(item.last_status, 403);
	ck_assert_str_eq(item.last_error, expected);
	outbox_item_free(&item);
	harness_close(&h);
}
END_TEST

struct version_wait {
	struct harness *harness;
	int64_t id;
	int64_t version;
};

static bool cached_version_reached(void *arg)
{
	struct version_wait *w = arg;
	struct access_request r;
	bool reached;

	if (cache_get_request(w->harness->cache, w->id, &r) != CACHE_FOUND)
		return false;
	reached = r.version >= w->version;
	access_request_free(&r);
	return reached;
}

START_TEST(test_stale_version_conflict_reloads)
{
	struct harness h;
	struct http_result result;
	char path[96], expected[128];
	int64_t id = find_pending_request(2, false, 0);

	harness_open(&h, demo.url, demo.admin_token);
	/* The console saw version 1; then someone else approved. */
	ck_assert(sync_fetch_object(h.sync, "request", id));
	struct version_wait seen = { &h, id, 1 };
	ck_assert(test_loop_run(&h.loop, cached_version_reached, &seen, RESULT_TIMEOUT_MS));
	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
	ck_assert_int_eq(http_call("POST", demo.url, path, demo.approver_token, "{}", NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	http_result_free(&result);

	ck_assert_int_gt(outbox_queue_approve(h.sender, id, 1, NULL), 0);
	wait_for_results(&h, 1);
	snprintf(expected, sizeof expected, "request %lld changed since you saw it; reloading it",
		 (long long)id);
	ck_assert(!h.recorder.last.success);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_CONFLICT);
	ck_assert_int_eq(h.recorder.last.status, 412);
	ck_assert_str_eq(h.recorder.last.code, "stale_version");
	ck_assert_str_eq(h.recorder.last.message, expected);

	struct version_wait reloaded = { &h, id, 2 };
	ck_assert_msg(test_loop_run(&h.loop, cached_version_reached, &reloaded, RESULT_TIMEOUT_MS),
		      "the row was not reloaded");
	json_t *now = broker_request(id);
	ck_assert_int_eq(json_int_field(now, "version"), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(now, "approvals")), 1);
	json_decref(now);
	harness_close(&h);
}
END_TEST

START_TEST(test_decided_request_conflict_names_decider)
{
	struct harness h;
	struct http_result result;
	char path[96], expected[128];
	int64_t id = find_pending_request(1, false, 0);

	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
	ck_assert_int_eq(http_call("POST", demo.url, path, demo.approver_token, "{}", NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	http_result_free(&result);

	harness_open(&h, demo.url, demo.admin_token);
	ck_assert_int_gt(outbox_queue_approve(h.sender, id, 0, "late"), 0);
	wait_for_results(&h, 1);
	snprintf(expected, sizeof expected, "request %lld was already approved by demo-approver",
		 (long long)id);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_CONFLICT);
	ck_assert_int_eq(h.recorder.last.status, 409);
	ck_assert_str_eq(h.recorder.last.code, "not_pending");
	ck_assert_msg(strncmp(h.recorder.last.message, expected, strlen(expected)) == 0,
		      "message \"%s\"", h.recorder.last.message);
	harness_close(&h);
}
END_TEST

START_TEST(test_deny_without_reason_fails)
{
	struct harness h;
	int64_t id = find_pending_request(1, false, 0);

	harness_open(&h, demo.url, demo.admin_token);
	ck_assert_int_gt(outbox_queue_deny(h.sender, id, 0, NULL), 0);
	wait_for_results(&h, 1);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_FAILED);
	ck_assert_int_eq(h.recorder.last.status, 400);
	ck_assert_msg(strstr(h.recorder.last.message, "reason is required") != NULL,
		      "message \"%s\"", h.recorder.last.message);
	json_t *now = broker_request(id);
	ck_assert_str_eq(json_string_value(json_object_get(now, "status")), "pending");
	json_decref(now);
	harness_close(&h);
}
END_TEST

START_TEST(test_resend_after_crash_changes_nothing_twice)
{
	struct harness h;
	struct test_server down;
	struct outbox_item claimed, item;
	int64_t id = find_pending_request(2, false, 0);

	/* A console that queued the approval while the broker was down. */
	memset(&h, 0, sizeof h);
	test_make_directory(h.directory, sizeof h.directory, "test_client_outbox");
	h.cache = test_open_cache(h.directory, "cache.db");
	test_server_bind(&down, NULL, NULL);
	harness_attach(&h, down.url, demo.admin_token);
	int64_t item_id = outbox_queue_approve(h.sender, id, 1, "sent twice");
	ck_assert_int_gt(item_id, 0);
	wait_for_results(&h, 1);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_QUEUED);
	harness_detach(&h);
	test_server_stop(&down);

	/* A sender claims it and sends it, then crashes before recording the response. */
	ck_assert_int_eq(cache_outbox_claim_next(h.cache, 60, &claimed), CACHE_FOUND);
	ck_assert_int_eq(claimed.id, item_id);
	struct http_result first = send_item_directly(&claimed);
	ck_assert_int_eq(first.status, 200);
	ck_assert(!first.replayed);
	http_result_free(&first);
	outbox_item_free(&claimed);

	/* The next console finds it still marked as sending, and sends it again once stale. */
	h.recorder.count = 0;
	harness_attach(&h, demo.url, demo.admin_token);
	outbox_sender_set_stale_after(h.sender, 1);
	outbox_sender_kick(h.sender);
	ck_assert_int_eq(h.recorder.count, 0);
	ck_assert_int_ge(outbox_next_timeout_ms(h.sender, time_monotonic_ms()), 0);
	wait_for_results(&h, 1);

	ck_assert(h.recorder.last.success);
	ck_assert(h.recorder.last.replayed);
	ck_assert_msg(strstr(h.recorder.last.message, "changed nothing twice") != NULL,
		      "message \"%s\"", h.recorder.last.message);
	load_item(&h, item_id, &item);
	ck_assert_int_eq(item.state, OUTBOX_DONE);
	ck_assert_int_eq(item.attempts, 3);
	outbox_item_free(&item);
	json_t *now = broker_request(id);
	ck_assert_int_eq(json_int_field(now, "version"), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(now, "approvals")), 1);
	json_decref(now);
	harness_close(&h);
}
END_TEST

/* Count the active grants that match a filter at the broker, with a direct call. */
static long count_active_grants(const char *filter)
{
	char path[256], cursor[64] = "";
	long count = 0;

	for (;;) {
		struct http_result result;
		snprintf(path, sizeof path, "/v1/grants?status=active&limit=500&%s%s%s", filter,
			 cursor[0] ? "&cursor=" : "", cursor);
		ck_assert_int_eq(http_call("GET", demo.url, path, demo.admin_token, NULL, NULL,
					   &result), 0);
		ck_assert_int_eq(result.status, 200);
		count += (long)json_array_size(json_object_get(result.json, "items"));
		snprintf(cursor, sizeof cursor, "%s", http_json_string(&result, "next_cursor"));
		http_result_free(&result);
		if (!cursor[0])
			return count;
	}
}

/* The first active grant of someone other than except, as a new JSON object. */
static json_t *find_active_grant(const char *except)
{
	struct http_result result;
	size_t i;
	json_t *item, *found = NULL;

	ck_assert_int_eq(http_call("GET", demo.url, "/v1/grants?status=active&limit=500",
				   demo.admin_token, NULL, NULL, &result), 0);
	json_array_foreach(json_object_get(result.json, "items"), i, item) {
		const char *principal = json_string_value(json_object_get(item, "principal"));
		if (except && strcmp(principal, except) == 0)
			continue;
		found = json_incref(item);
		break;
	}
	http_result_free(&result);
	ck_assert_ptr_nonnull(found);
	return found;
}

static bool dry_run_done(void *arg)
{
	return ((struct harness *)arg)->recorder.dry_runs > 0;
}

START_TEST(test_bulk_revoke_after_dry_run)
{
	struct harness h;
	char filter[128], expected[128];
	json_t *grant = find_active_grant(NULL);
	char principal[64];

	snprintf(principal, sizeof principal, "%s",
		 json_string_value(json_object_get(grant, "principal")));
	json_decref(grant);
	snprintf(filter, sizeof filter, "principal=%s", principal);
	long active = count_active_grants(filter);
	ck_assert_int_gt(active, 0);

	harness_open(&h, demo.url, demo.admin_token);
	ck_assert(!outbox_dry_run_bulk(h.sender, NULL, "", record_dry_run, &h.recorder));
	ck_assert_ptr_nonnull(strstr(outbox_last_error(h.sender), "needs a principal"));
	ck_assert(outbox_dry_run_bulk(h.sender, principal, NULL, record_dry_run, &h.recorder));
	ck_assert(test_loop_run(&h.loop, dry_run_done, &h, RESULT_TIMEOUT_MS));
	ck_assert_msg(h.recorder.dry_run_ok, "%s", h.recorder.dry_run_message);
	ck_assert_int_eq(h.recorder.matched, active);
	ck_assert_int_eq(count_active_grants(filter), active);
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);

	ck_assert_int_gt(outbox_queue_bulk_revoke(h.sender, principal, NULL, "incident drill"), 0);
	wait_for_results(&h, 1);
	snprintf(expected, sizeof expected, "revoked %ld grant%s", active, active == 1 ? "" : "s");
	ck_assert(h.recorder.last.success);
	ck_assert_str_eq(h.recorder.last.message, expected);
	ck_assert_int_eq(h.recorder.last.revoked, active);
	snprintf(expected, sizeof expected, "revoke every active grant of %s", principal);
	ck_assert_str_eq(h.recorder.last.label, expected);
	ck_assert_int_eq(count_active_grants(filter), 0);
	harness_close(&h);
}
END_TEST

START_TEST(test_revoke_grant_updates_cache)
{
	struct harness h;
	struct grant cached;
	char expected[64];
	json_t *grant = find_active_grant(NULL);
	int64_t id = json_int_field(grant, "id");
	int64_t version = json_int_field(grant, "version");

	json_decref(grant);
	harness_open(&h, demo.url, demo.admin_token);
	ck_assert_int_gt(outbox_queue_revoke(h.sender, id, version, "no longer needed"), 0);
	wait_for_results(&h, 1);
	snprintf(expected, sizeof expected, "revoked grant %lld", (long long)id);
	ck_assert(h.recorder.last.success);
	ck_assert_str_eq(h.recorder.last.message, expected);
	ck_assert_int_eq(cache_get_grant(h.cache, id, &cached), CACHE_FOUND);
	ck_assert_int_eq(cached.status, GRANT_REVOKED);
	ck_assert_str_eq(cached.revoked_by, "demo-admin");
	grant_free(&cached);
	harness_close(&h);
}
END_TEST

START_TEST(test_resume_sends_half_sent_at_once)
{
	struct harness h;
	struct test_server down;
	struct outbox_item claimed, item;
	int64_t id = find_pending_request(1, false, 0);

	/* A console queued the approval, claimed it, and was killed before it was sent. */
	memset(&h, 0, sizeof h);
	test_make_directory(h.directory, sizeof h.directory, "test_client_outbox");
	h.cache = test_open_cache(h.directory, "cache.db");
	test_server_bind(&down, NULL, NULL);
	harness_attach(&h, down.url, demo.admin_token);
	int64_t item_id = outbox_queue_approve(h.sender, id, 1, "killed right after");
	wait_for_results(&h, 1);
	harness_detach(&h);
	test_server_stop(&down);
	ck_assert_int_eq(cache_outbox_claim_next(h.cache, 60, &claimed), CACHE_FOUND);
	ck_assert_int_eq(claimed.id, item_id);
	outbox_item_free(&claimed);

	/* The next console sends it at start, long before it would be stale. */
	h.recorder.count = 0;
	harness_attach(&h, demo.url, demo.admin_token);
	ck_assert_int_eq(outbox_sender_resume(h.sender), 1);
	wait_for_results(&h, 1);
	ck_assert_msg(h.recorder.last.success, "message \"%s\"", h.recorder.last.message);
	ck_assert_int_eq(h.recorder.last.item_id, item_id);
	load_item(&h, item_id, &item);
	ck_assert_int_eq(item.state, OUTBOX_DONE);
	outbox_item_free(&item);
	json_t *now = broker_request(id);
	ck_assert_str_eq(json_string_value(json_object_get(now, "status")), "approved");
	json_decref(now);
	ck_assert_int_eq(outbox_sender_resume(h.sender), 0);
	harness_close(&h);
}
END_TEST

struct review_record {
	int count;
	int64_t item_id;
	bool ok;
	bool applies;
	int64_t version;
	char message[768];
};

static void record_review(void *ctx, const struct outbox_review *review)
{
	struct review_record *r = ctx;

	r->count++;
	r->item_id = review->item_id;
	r->ok = review->ok;
	r->applies = review->applies;
	r->version = review->version;
	snprintf(r->message, sizeof r->message, "%s", review->message);
}

static bool review_done(void *arg)
{
	return ((struct review_record *)arg)->count > 0;
}

/* Approve request id as demo-approver, with a direct call. */
static void approve_as_approver(int64_t id)
{
	struct http_result result;
	char path[96];

	snprintf(path, sizeof path, "/v1/requests/%lld/approve", (long long)id);
	ck_assert_int_eq(http_call("POST", demo.url, path, demo.approver_token, "{}", NULL, &result), 0);
	ck_assert_int_eq(result.status, 200);
	http_result_free(&result);
}

/* Queue an approval of request id at version 1 and wait until the broker rejected it. */
static int64_t queue_conflicting_approval(struct harness *h, int64_t id)
{
	int64_t item_id = outbox_queue_approve(h->sender, id, 1, "on a stale copy");

	ck_assert_int_gt(item_id, 0);
	wait_for_results(h, 1);
	ck_assert_int_eq(h->recorder.last.state, OUTBOX_CONFLICT);
	return item_id;
}

static void review(struct harness *h, int64_t item_id, struct review_record *out)
{
	memset(out, 0, sizeof *out);
	ck_assert_msg(outbox_review_retry(h->sender, item_id, record_review, out), "%s",
		      outbox_last_error(h->sender));
	ck_assert(test_loop_run(&h->loop, review_done, out, RESULT_TIMEOUT_MS));
	ck_assert_int_eq(out->count, 1);
	ck_assert_int_eq(out->item_id, item_id);
}

START_TEST(test_retry_changed_request_with_new_version)
{
	struct harness h;
	struct review_record found;
	struct outbox_item old, retried;
	char expected[256];
	int64_t id = find_pending_request(2, false, 0);

	approve_as_approver(id);
	harness_open(&h, demo.url, demo.admin_token);
	int64_t item_id = queue_conflicting_approval(&h, id);

	review(&h, item_id, &found);
	ck_assert(found.ok);
	ck_assert(found.applies);
	ck_assert_int_eq(found.version, 2);
	snprintf(expected, sizeof expected, "request %lld changed since you acted (version 1, now 2):"
		 " 1 of 2 approvals (demo-approver); approve anyway? (y/n)", (long long)id);
	ck_assert_str_eq(found.message, expected);

	int64_t new_id = outbox_retry(h.sender, item_id, found.version);
	ck_assert_int_gt(new_id, item_id);
	wait_for_results(&h, 2);
	ck_assert_msg(h.recorder.last.success, "message \"%s\"", h.recorder.last.message);
	ck_assert_int_eq(h.recorder.last.item_id, new_id);
	load_item(&h, item_id, &old);
	load_item(&h, new_id, &retried);
	ck_assert_int_eq(old.state, OUTBOX_RETRIED);
	ck_assert_int_eq(old.replaced_by, new_id);
	ck_assert_int_eq(retried.state, OUTBOX_DONE);
	ck_assert_int_eq(retried.if_match, 2);
	ck_assert_str_ne(retried.idempotency_key, old.idempotency_key);
	ck_assert_str_eq(retried.body, old.body);
	outbox_item_free(&old);
	outbox_item_free(&retried);
	json_t *now = broker_request(id);
	ck_assert_str_eq(json_string_value(json_object_get(now, "status")), "approved");
	ck_assert_uint_eq(json_array_size(json_object_get(now, "approvals")), 2);
	json_decref(now);

	/* Only a failed or conflicting item is retried, and only once. */
	ck_assert(!outbox_review_retry(h.sender, item_id, record_review, &found));
	ck_assert_msg(strstr(outbox_last_error(h.sender), "is retried") != NULL, "error \"%s\"",
		      outbox_last_error(h.sender));
	ck_assert_int_eq(outbox_retry(h.sender, new_id, 2), -1);
	harness_close(&h);
}
END_TEST

START_TEST(test_retry_of_decided_request_explained)
{
	struct harness h;
	struct review_record found;
	struct outbox_item item;
	char expected[256];
	int64_t id = find_pending_request(1, false, 0);

	approve_as_approver(id);
	harness_open(&h, demo.url, demo.admin_token);
	int64_t item_id = queue_conflicting_approval(&h, id);

	review(&h, item_id, &found);
	ck_assert(found.ok);
	ck_assert(!found.applies);
	snprintf(expected, sizeof expected, "request %lld is now approved by demo-approver; there is "
		 "nothing to approve, so nothing was queued", (long long)id);
	ck_assert_str_eq(found.message, expected);
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);

	ck_assert(outbox_drop(h.sender, item_id));
	load_item(&h, item_id, &item);
	ck_assert_int_eq(item.state, OUTBOX_DROPPED);
	ck_assert_int_eq(item.last_status, 409);
	outbox_item_free(&item);
	ck_assert(!outbox_drop(h.sender, item_id));
	ck_assert_msg(strstr(outbox_last_error(h.sender), "it is dropped") != NULL, "error \"%s\"",
		      outbox_last_error(h.sender));
	harness_close(&h);
}
END_TEST

/* Respond to an approval of request 1 as a broker would, for a sender that retries. */
static void approving_handler(struct test_server *server, int fd, const struct test_request *request)
{
	(void)server;
	if (strcmp(request->method, "POST") == 0 && strcmp(request->target, "/v1/requests/1/approve") == 0)
		test_respond(fd, 200, "application/json",
			     "{\"id\": 1, \"status\": \"approved\", \"requester\": \"emp-1\","
			     " \"resource\": \"res-1\", \"role\": \"read\", \"reason\": \"x\","
			     " \"duration_seconds\": 3600, \"created_at\": \"2026-12-04T15:00:00Z\","
			     " \"decided_at\": \"2026-12-04T15:01:00Z\","
			     " \"expires_at\": \"2026-12-05T15:00:00Z\", \"approvals_needed\": 1,"
			     " \"approver_group\": \"ops\", \"approvals\": [{\"approver\": \"fake\","
			     " \"reason\": null, \"at\": \"2026-12-04T15:01:00Z\"}],"
			     " \"decided_by\": \"fake\", \"decision_reason\": null, \"grant_id\": 9,"
			     " \"version\": 2}");
	else
		test_respond(fd, 404, "application/problem+json", "{\"code\": \"not_found\"}");
}

START_TEST(test_unreachable_broker_queues_then_sends)
{
	struct harness h;
	struct test_server server;
	struct outbox_item item;

	test_server_bind(&server, approving_handler, NULL);
	harness_open(&h, server.url, "ghs_fake_token");
	int64_t item_id = outbox_queue_approve(h.sender, 1, 1, NULL);
	ck_assert_int_gt(item_id, 0);
	wait_for_results(&h, 1);
	ck_assert(!h.recorder.last.success);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_QUEUED);
	ck_assert_int_eq(h.recorder.last.status, 0);
	ck_assert_msg(strncmp(h.recorder.last.message, "queued: broker unreachable (connection refused",
			      46) == 0, "message \"%s\"", h.recorder.last.message);
	ck_assert_msg(strstr(h.recorder.last.message, "will retry in") != NULL, "message \"%s\"",
		      h.recorder.last.message);
	int delay = outbox_next_timeout_ms(h.sender, time_monotonic_ms());
	ck_assert_int_ge(delay, 0);
	ck_assert_int_le(delay, 1200);
	load_item(&h, item_id, &item);
	ck_assert_int_eq(item.state, OUTBOX_QUEUED);
	outbox_item_free(&item);

	test_server_listen(&server);
	wait_for_results(&h, 2);
	ck_assert(h.recorder.last.success);
	ck_assert_str_eq(h.recorder.last.message, "approved request 1");
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);
	ck_assert_int_eq(outbox_next_timeout_ms(h.sender, time_monotonic_ms()), -1);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

static void rate_limited_handler(struct test_server *server, int fd,
				 const struct test_request *request)
{
	static const char body[] = "{\"code\": \"rate_limited\", \"detail\": \"slow down\"}";
	char response[512];

	(void)server;
	(void)request;
	snprintf(response, sizeof response, "HTTP/1.1 429 Too Many Requests\r\n"
		 "Content-Type: application/problem+json\r\nRetry-After: 4\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof body - 1, body);
	test_send(fd, response, strlen(response));
}

START_TEST(test_rate_limited_send_waits)
{
	struct harness h;
	struct test_server server;

	test_server_start(&server, rate_limited_handler, NULL);
	harness_open(&h, server.url, "ghs_fake_token");
	ck_assert_int_gt(outbox_queue_approve(h.sender, 1, 1, NULL), 0);
	wait_for_results(&h, 1);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_QUEUED);
	ck_assert_int_eq(h.recorder.last.status, 429);
	ck_assert_str_eq(h.recorder.last.message, "queued: the broker asked to retry later "
			 "(slow down (HTTP 429 rate_limited)), will retry in 4 s");
	int delay = outbox_next_timeout_ms(h.sender, time_monotonic_ms());
	ck_assert_msg(delay >= 3500 && delay <= 4000, "next try in %d ms", delay);
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_oversized_response_not_unreachable)
{
	struct harness h;
	struct test_server server;

	/* The approval's response is about 560 bytes: over the limit, though the broker responded. */
	test_server_start(&server, approving_handler, NULL);
	memset(&h, 0, sizeof h);
	test_make_directory(h.directory, sizeof h.directory, "test_client_outbox");
	h.cache = test_open_cache(h.directory, "cache.db");
	harness_attach_limited(&h, server.url, "ghs_fake_token", 256);
	ck_assert_int_gt(outbox_queue_approve(h.sender, 1, 1, NULL), 0);
	wait_for_results(&h, 1);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_QUEUED);
	const char *expected = "queued: the call failed (the response is larger than 256 bytes; "
			       "aborted), will retry in ";
	ck_assert_msg(strncmp(h.recorder.last.message, expected, strlen(expected)) == 0,
		      "message \"%s\"", h.recorder.last.message);
	ck_assert_ptr_null(strstr(h.recorder.last.message, "unreachable"));
	harness_close(&h);
	test_server_stop(&server);
}
END_TEST

START_TEST(test_queue_rejects_bad_input)
{
	struct harness h;
	struct test_server down;

	test_server_bind(&down, NULL, NULL);
	harness_open(&h, down.url, "ghs_fake_token");
	ck_assert_int_eq(outbox_queue_approve(h.sender, 0, 1, NULL), -1);
	ck_assert_ptr_nonnull(strstr(outbox_last_error(h.sender), "invalid request id 0"));
	ck_assert_int_eq(outbox_queue_revoke(h.sender, 5, -1, "x"), -1);
	ck_assert_int_eq(outbox_queue_bulk_revoke(h.sender, NULL, NULL, "x"), -1);
	ck_assert_ptr_nonnull(strstr(outbox_last_error(h.sender), "needs a principal"));
	ck_assert_int_eq(outbox_queue_deny(h.sender, 5, 1, "bad \xff byte"), -1);
	ck_assert_ptr_nonnull(strstr(outbox_last_error(h.sender), "reason is not valid UTF-8"));
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);
	ck_assert_uint_eq(http_client_in_flight(h.http), 0);
	harness_close(&h);
	test_server_stop(&down);
}
END_TEST

static Suite *client_outbox_suite(void)
{
	Suite *suite = suite_create("client_outbox");
	TCase *broker = tcase_create("broker");
	TCase *local = tcase_create("local");

	tcase_set_timeout(broker, 120);
	tcase_add_unchecked_fixture(broker, start_demo, stop_demo);
	tcase_add_test(broker, test_approve_updates_cache);
	tcase_add_test(broker, test_self_approval_fails_plainly);
	tcase_add_test(broker, test_stale_version_conflict_reloads);
	tcase_add_test(broker, test_decided_request_conflict_names_decider);
	tcase_add_test(broker, test_deny_without_reason_fails);
	tcase_add_test(broker, test_resend_after_crash_changes_nothing_twice);
	tcase_add_test(broker, test_revoke_grant_updates_cache);
	tcase_add_test(broker, test_bulk_revoke_after_dry_run);
	tcase_add_test(broker, test_resume_sends_half_sent_at_once);
	tcase_add_test(broker, test_retry_changed_request_with_new_version);
	tcase_add_test(broker, test_retry_of_decided_request_explained);
	suite_add_tcase(suite, broker);

	tcase_set_timeout(local, 60);
	tcase_add_test(local, test_unreachable_broker_queues_then_sends);
	tcase_add_test(local, test_oversized_response_not_unreachable);
	tcase_add_test(local, test_rate_limited_send_waits);
	tcase_add_test(local, test_queue_rejects_bad_input);
	suite_add_tcase(suite, local);
	return suite;
}

CHECK_MAIN(client_outbox_suite)
