/*
 * Tests of the policy pane's client side: fetching the policy into the cache
 * (client/policy.c) and publishing through the outbox (outbox_queue_publish),
 * against a loopback server of the test's own that serves GET and PUT
 * /v1/policy as docs/API.md describes them, with If-Match checked.
 */

#include <check.h>
#include <jansson.h>

#include "cache/outbox.h"
#include "cache/policy.h"
#include "client/outbox.h"
#include "client/outbox_message.h"
#include "client/policy.h"
#include "client/sync.h"
#include "tests/support/check_main.h"
#include "tests/unit/test_client_support.h"

#define RESULT_TIMEOUT_MS 10000
#define SOURCE_V3 "default require 1 approval from \"owners\"\n"
#define SOURCE_NEW "default deny \"closed\"\n"

/* The stand-in broker's one policy; the handler runs on the server's threads. */
static pthread_mutex_t policy_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t policy_version;
static char policy_source[4096];

static void set_policy(int64_t version, const char *source)
{
	pthread_mutex_lock(&policy_lock);
	policy_version = version;
	snprintf(policy_source, sizeof policy_source, "%s", source);
	pthread_mutex_unlock(&policy_lock);
}

static void respond_policy(int fd)
{
	json_t *body = json_pack("{sI ss ss ss}", "version", (json_int_t)policy_version,
				 "source", policy_source, "published_at", "2026-12-04T15:00:00Z",
				 "published_by", "demo-admin");
	char *text = json_dumps(body, JSON_COMPACT);

	test_respond(fd, 200, "application/json", text);
	free(text);
	json_decref(body);
}

/* The version in an If-Match header of the request, or -1 without one. */
static int64_t if_match_of(const struct test_request *request)
{
	const char *header = strcasestr(request->headers, "If-Match: \"");

	return header ? strtoll(header + strlen("If-Match: \""), NULL, 10) : -1;
}

static void publish(int fd, const struct test_request *request)
{
	json_t *body = json_loadb(request->body, request->body_length, 0, NULL);
	const char *source = json_string_value(json_object_get(body, "source"));

	if (if_match_of(request) != policy_version) {
		test_respond(fd, 412, "application/problem+json",
			     "{\"code\": \"stale_version\", \"title\": \"Precondition Failed\","
			     " \"detail\": \"the policy is at version 5, not the version in If-Match\"}");
	} else if (!source) {
		test_respond(fd, 400, "application/problem+json", "{\"code\": \"invalid\"}");
	} else {
		policy_version++;
		snprintf(policy_source, sizeof policy_source, "%s", source);
		respond_policy(fd);
	}
	json_decref(body);
}

static void policy_handler(struct test_server *server, int fd, const struct test_request *request)
{
	(void)server;
	pthread_mutex_lock(&policy_lock);
	if (strcmp(request->target, "/v1/policy") != 0)
		test_respond(fd, 404, "application/problem+json", "{\"code\": \"not_found\"}");
	else if (strcmp(request->method, "GET") == 0 && policy_version == 0)
		test_respond(fd, 404, "application/problem+json", "{\"code\": \"not_found\"}");
	else if (strcmp(request->method, "GET") == 0)
		respond_policy(fd);
	else if (strcmp(request->method, "PUT") == 0)
		publish(fd, request);
	else
		test_respond(fd, 405, "application/problem+json", "{\"code\": \"method_not_allowed\"}");
	pthread_mutex_unlock(&policy_lock);
}

struct recorder {
	int results;
	struct outbox_result last;
	char message[768];
	int fetches;
	char fetch_error[512];
};

static void record_result(void *ctx, const struct outbox_result *result)
{
	struct recorder *r = ctx;

	r->results++;
	r->last = *result;
	snprintf(r->message, sizeof r->message, "%s", result->message);
	r->last.message = r->message;
	r->last.label = NULL;
	r->last.problem_code = NULL;
}

static void record_fetch(void *ctx, const char *error)
{
	struct recorder *r = ctx;

	r->fetches++;
	snprintf(r->fetch_error, sizeof r->fetch_error, "%s", error ? error : "");
}

static const struct outbox_callbacks recorder_callbacks = { .on_result = record_result };

struct harness {
	char directory[64];
	struct test_server server;
	struct cache *cache;
	struct http_client *http;
	struct sync *sync;
	struct outbox_sender *sender;
	struct policy_client *client;
	struct recorder recorder;
	struct test_loop loop;
};

static void harness_open(struct harness *h)
{
	memset(h, 0, sizeof *h);
	test_server_start(&h->server, policy_handler, NULL);
	test_make_directory(h->directory, sizeof h->directory, "test_client_policy");
	h->cache = test_open_cache(h->directory, "cache.db");
	h->http = test_http_client(h->server.url, "ghs_fake_token");
	h->sync = sync_new(h->http, h->cache, NULL, NULL);
	h->sender = outbox_sender_new(h->http, h->cache, h->sync, &recorder_callbacks, &h->recorder);
	h->client = policy_client_new(h->http, h->cache, record_fetch, &h->recorder);
	h->loop = (struct test_loop){ .http = h->http, .sync = h->sync, .outbox = h->sender };
}

static void harness_close(struct harness *h)
{
	policy_client_free(h->client);
	outbox_sender_free(h->sender);
	sync_free(h->sync);
	http_client_free(h->http);
	cache_close(h->cache);
	test_server_stop(&h->server);
	test_remove_directory(h->directory);
}

static bool fetched(void *arg)
{
	return ((struct harness *)arg)->recorder.fetches > 0;
}

static bool has_result(void *arg)
{
	return ((struct harness *)arg)->recorder.results > 0;
}

static void fetch(struct harness *h)
{
	h->recorder.fetches = 0;
	ck_assert(policy_client_fetch(h->client));
	ck_assert(test_loop_run(&h->loop, fetched, h, RESULT_TIMEOUT_MS));
}

START_TEST(test_fetch_stores_policy)
{
	struct harness h;
	struct cached_policy policy;

	set_policy(3, SOURCE_V3);
	harness_open(&h);
	fetch(&h);
	ck_assert_str_eq(h.recorder.fetch_error, "");
	ck_assert_int_eq(cache_policy_load(h.cache, &policy), CACHE_FOUND);
	ck_assert_int_eq(policy.version, 3);
	ck_assert_str_eq(policy.source, SOURCE_V3);
	ck_assert_str_eq(policy.published_by, "demo-admin");
	ck_assert_int_gt(policy.published_at, 0);
	cached_policy_free(&policy);
	harness_close(&h);
}
END_TEST

START_TEST(test_fetch_without_policy_forgets)
{
	struct harness h;
	struct cached_policy policy = { .version = 2, .source = (char *)SOURCE_V3 };

	set_policy(0, "");
	harness_open(&h);
	ck_assert(cache_policy_store(h.cache, &policy, 1));
	fetch(&h);
	ck_assert_str_eq(h.recorder.fetch_error, "");
	ck_assert_int_eq(cache_policy_load(h.cache, &policy), CACHE_NOT_FOUND);
	harness_close(&h);
}
END_TEST

START_TEST(test_publish_queued_with_base_version)
{
	struct harness h;
	struct outbox_item item;
	int64_t id;

	set_policy(3, SOURCE_V3);
	harness_open(&h);
	id = outbox_queue_publish(h.sender, SOURCE_NEW, 3);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(cache_outbox_get(h.cache, id, &item), CACHE_FOUND);
	ck_assert_str_eq(item.method, "PUT");
	ck_assert_str_eq(item.path, "/v1/policy");
	ck_assert_int_eq(item.if_match, 3);
	ck_assert_str_eq(item.object_kind, "policy");
	ck_assert_int_eq(item.object_id, 3);
	ck_assert_int_eq(strlen(item.idempotency_key), OUTBOX_KEY_SIZE - 1);
	json_t *body = json_loads(item.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(body, "source")), SOURCE_NEW);
	json_decref(body);
	outbox_item_free(&item);
	harness_close(&h);
}
END_TEST

START_TEST(test_publish_stores_new_version)
{
	struct harness h;
	struct cached_policy policy;
	struct outbox_item item;
	char *draft = NULL;
	int64_t based_on, id;

	set_policy(3, SOURCE_V3);
	harness_open(&h);
	fetch(&h);
	ck_assert(cache_policy_set_draft(h.cache, SOURCE_NEW, 3));
	id = outbox_queue_publish(h.sender, SOURCE_NEW, 3);
	ck_assert(test_loop_run(&h.loop, has_result, &h, RESULT_TIMEOUT_MS));
	ck_assert_msg(h.recorder.last.success, "%s", h.recorder.message);
	ck_assert_str_eq(h.recorder.message, "published the policy as version 4");
	ck_assert_int_eq(cache_outbox_get(h.cache, id, &item), CACHE_FOUND);
	ck_assert_int_eq(item.state, OUTBOX_DONE);
	outbox_item_free(&item);
	ck_assert_int_eq(cache_policy_load(h.cache, &policy), CACHE_FOUND);
	ck_assert_int_eq(policy.version, 4);
	ck_assert_str_eq(policy.source, SOURCE_NEW);
	cached_policy_free(&policy);
	ck_assert_int_eq(cache_policy_load_draft(h.cache, &draft, &based_on), CACHE_NOT_FOUND);
	harness_close(&h);
}
END_TEST

START_TEST(test_stale_publish_conflicts_with_broker_words)
{
	struct harness h;
	struct outbox_item item;
	char *draft = NULL;
	int64_t based_on, id;

	set_policy(5, SOURCE_V3);
	harness_open(&h);
	ck_assert(cache_policy_set_draft(h.cache, SOURCE_NEW, 3));
	id = outbox_queue_publish(h.sender, SOURCE_NEW, 3);
	ck_assert(test_loop_run(&h.loop, has_result, &h, RESULT_TIMEOUT_MS));
	ck_assert(!h.recorder.last.success);
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_CONFLICT);
	ck_assert_int_eq(h.recorder.last.http_status, 412);
	ck_assert_msg(strstr(h.recorder.message, "the policy is at version 5") != NULL, "%s",
		      h.recorder.message);
	ck_assert_int_eq(cache_outbox_get(h.cache, id, &item), CACHE_FOUND);
	ck_assert_int_eq(item.state, OUTBOX_CONFLICT);
	ck_assert_ptr_nonnull(strstr(item.last_error, "the policy is at version 5"));
	outbox_item_free(&item);
	/* The draft survives a rejected publish. */
	ck_assert_int_eq(cache_policy_load_draft(h.cache, &draft, &based_on), CACHE_FOUND);
	ck_assert_str_eq(draft, SOURCE_NEW);
	ck_assert_int_eq(based_on, 3);
	free(draft);
	harness_close(&h);
}
END_TEST

struct review_record {
	int count;
	bool ok;
	bool applies;
	int64_t version;
	char message[512];
};

static void record_review(void *ctx, const struct outbox_review *review)
{
	struct review_record *r = ctx;

	r->count++;
	r->ok = review->ok;
	r->applies = review->applies;
	r->version = review->version;
	snprintf(r->message, sizeof r->message, "%s", review->message);
}

static bool reviewed(void *arg)
{
	return ((struct review_record *)arg)->count > 0;
}

/* A retry would send text written without the other author's change, so the review refuses it. */
START_TEST(test_stale_publish_retry_refused)
{
	struct harness h;
	struct review_record review = { 0 };
	struct cached_policy policy;
	struct outbox_item item;
	int64_t id;

	set_policy(5, SOURCE_V3);
	harness_open(&h);
	id = outbox_queue_publish(h.sender, SOURCE_NEW, 3);
	ck_assert(test_loop_run(&h.loop, has_result, &h, RESULT_TIMEOUT_MS));
	ck_assert_int_eq(h.recorder.last.state, OUTBOX_CONFLICT);
	ck_assert(outbox_review_retry(h.sender, id, record_review, &review));
	ck_assert(test_loop_run(&h.loop, reviewed, &review, RESULT_TIMEOUT_MS));
	ck_assert(review.ok);
	ck_assert(!review.applies);
	ck_assert_int_eq(review.version, 5);
	ck_assert_msg(strstr(review.message, "now version 5") != NULL, "%s", review.message);
	ck_assert_msg(strstr(review.message, "based on version 3") != NULL, "%s", review.message);
	ck_assert_msg(strstr(review.message, "nothing was queued") != NULL, "%s", review.message);
	ck_assert_msg(strstr(review.message, "(y/n)") == NULL, "%s", review.message);
	/* The review stored the new version for the pane, and the broker kept it. */
	ck_assert_int_eq(cache_policy_load(h.cache, &policy), CACHE_FOUND);
	ck_assert_int_eq(policy.version, 5);
	ck_assert_str_eq(policy.source, SOURCE_V3);
	cached_policy_free(&policy);
	ck_assert_int_eq(cache_outbox_get(h.cache, id, &item), CACHE_FOUND);
	ck_assert_int_eq(item.state, OUTBOX_CONFLICT);
	outbox_item_free(&item);
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);
	harness_close(&h);
}
END_TEST

/* A publish that failed over the version still published may be sent again, after a question. */
START_TEST(test_publish_retry_asks_at_same_version)
{
	struct outbox_item item = { .object_kind = (char *)"policy", .if_match = 5,
				    .last_error = (char *)"broker error (HTTP 503)" };
	struct strbuf message = STRBUF_INIT;

	ck_assert_int_eq(outbox_message_review_publish(&item, 5, &message), OUTBOX_REVIEW_APPLIES);
	ck_assert_msg(strstr(message.data, "still version 5; publish it again?") != NULL, "%s",
		      message.data);
	ck_assert_msg(strstr(message.data, "(y/n)") != NULL, "%s", message.data);
	strbuf_reset(&message);
	ck_assert_int_eq(outbox_message_review_publish(&item, 6, &message), OUTBOX_REVIEW_MOOT);
	ck_assert_msg(strstr(message.data, "would undo that change") != NULL, "%s", message.data);
	strbuf_free(&message);
}
END_TEST

START_TEST(test_publish_without_base_rejected)
{
	struct harness h;

	set_policy(0, "");
	harness_open(&h);
	ck_assert_int_eq(outbox_queue_publish(h.sender, SOURCE_NEW, 0), -1);
	ck_assert_ptr_nonnull(strstr(outbox_last_error(h.sender), "version"));
	ck_assert_int_eq(cache_outbox_pending_count(h.cache), 0);
	harness_close(&h);
}
END_TEST

static Suite *client_policy_suite(void)
{
	Suite *suite = suite_create("client_policy");
	TCase *local = tcase_create("local");

	tcase_set_timeout(local, 60);
	tcase_add_test(local, test_fetch_stores_policy);
	tcase_add_test(local, test_fetch_without_policy_forgets);
	tcase_add_test(local, test_publish_queued_with_base_version);
	tcase_add_test(local, test_publish_stores_new_version);
	tcase_add_test(local, test_stale_publish_conflicts_with_broker_words);
	tcase_add_test(local, test_stale_publish_retry_refused);
	tcase_add_test(local, test_publish_retry_asks_at_same_version);
	tcase_add_test(local, test_publish_without_base_rejected);
	suite_add_tcase(suite, local);
	return suite;
}

CHECK_MAIN(client_policy_suite)
