/*
 * Retrying and dropping outbox items that failed or conflicted. A retry is
 * a new action: its object is read from the broker first, so that the user
 * decides on what is true now, and it goes out with a new Idempotency-Key
 * and the version just read.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/policy.h"
#include "client/apply.h"
#include "client/outbox_internal.h"
#include "client/outbox_message.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* Load an item that can be retried; false with the reason in the sender's error. */
static bool load_retryable(struct outbox_sender *sender, int64_t item_id, struct outbox_item *item)
{
	enum cache_result found = cache_outbox_get(sender->cache, item_id, item);

	if (found == CACHE_FOUND && (item->state == OUTBOX_FAILED || item->state == OUTBOX_CONFLICT))
		return true;
	if (found == CACHE_ERROR)
		snprintf(sender->error, sizeof sender->error, "%s", cache_last_error(sender->cache));
	else if (found == CACHE_NOT_FOUND)
		snprintf(sender->error, sizeof sender->error, "outbox item %lld was not found",
			 (long long)item_id);
	else
		snprintf(sender->error, sizeof sender->error, "\"%s\" is %s; only a failed or "
			 "conflicting action can be retried", item->label,
			 outbox_state_name(item->state));
	outbox_item_free(item);
	return false;
}

/* Free the side call, then report the review, whose callback may start another. */
static void finish_review(struct outbox_side_call *side, const struct outbox_review *review)
{
	outbox_review_callback callback = side->review_done;
	void *ctx = side->ctx;

	outbox_side_call_free(side);
	callback(ctx, review);
}

/* Put the object just read into the cache, so that the lists show it; a failure is appended to message. */
static void store_object(struct outbox_side_call *side, const json_t *object, struct strbuf *message)
{
	struct outbox_sender *sender = side->sender;
	int kind = apply_object_kind(side->item.object_kind);
	char error[512];

	if (apply_object(sender->cache, (enum cache_object_kind)kind, object, error,
			 sizeof error) != APPLY_STORED)
		strbuf_printf(message, " (the cache could not store it: %s)", error);
}

static void on_object_read(void *ctx, const struct http_response *response)
{
	struct outbox_side_call *side = ctx;
	const struct outbox_item *item = &side->item;
	const struct principal *me = sync_principal(side->sender->sync);
	struct outbox_review review = { .item_id = item->id };
	struct strbuf message = STRBUF_INIT;

	if (response->error) {
		strbuf_printf(&message, "could not read %s %lld from the broker: %s",
			      item->object_kind, (long long)item->object_id, response->error);
	} else {
		enum outbox_review_verdict verdict = outbox_message_review(item, response->json,
									   me ? me->id : NULL,
									   &message);
		review.ok = verdict != OUTBOX_REVIEW_INVALID;
		review.applies = verdict == OUTBOX_REVIEW_APPLIES;
		review.version = (int64_t)json_integer_value(json_object_get(response->json, "version"));
		if (review.ok)
			store_object(side, response->json, &message);
	}
	review.message = strbuf_str(&message);
	finish_review(side, &review);
	strbuf_free(&message);
}

static void on_count(void *ctx, const struct http_response *response)
{
	struct outbox_side_call *side = ctx;
	struct outbox_review review = { .item_id = side->item.id };
	struct strbuf message = STRBUF_INIT;
	const char *error;
	int64_t matched;

	if (outbox_read_matched(response, &matched, &error)) {
		review.ok = true;
		review.applies = outbox_message_review_bulk(&side->item, matched, &message) ==
				 OUTBOX_REVIEW_APPLIES;
	} else {
		strbuf_printf(&message, "could not ask the broker what \"%s\" would take now: %s",
			      side->item.label, error);
	}
	review.message = strbuf_str(&message);
	finish_review(side, &review);
	strbuf_free(&message);
}

/* Count what a bulk revoke would take now, with the filters of its stored body. */
static bool send_count(struct outbox_side_call *side)
{
	json_t *body = json_loads(side->item.body ? side->item.body : "", 0, NULL);
	const char *principal = json_string_value(json_object_get(body, "principal"));
	const char *resource = json_string_value(json_object_get(body, "resource"));
	bool sent = outbox_send_dry_run(side, principal, resource, on_count);

	json_decref(body);
	return sent;
}

static bool send_read(struct outbox_side_call *side)
{
	struct outbox_sender *sender = side->sender;
	char path[96];

	snprintf(path, sizeof path, "/v1/%ss/%lld", side->item.object_kind,
		 (long long)side->item.object_id);
	side->call = http_client_send(sender->http, "GET", path, NULL, NULL, on_object_read, side);
	if (!side->call)
		snprintf(sender->error, sizeof sender->error, "reading %s %lld could not be started",
			 side->item.object_kind, (long long)side->item.object_id);
	return side->call != NULL;
}

static void on_policy_read(void *ctx, const struct http_response *response)
{
	struct outbox_side_call *side = ctx;
	struct outbox_review review = { .item_id = side->item.id };
	struct strbuf message = STRBUF_INIT;
	struct cached_policy policy;
	char error[256];

	if (response->error) {
		strbuf_printf(&message, "could not read the published policy from the broker: %s",
			      response->error);
	} else if (!cached_policy_from_json(response->json, &policy, error, sizeof error)) {
		strbuf_printf(&message, "the broker sent an invalid policy: %s", error);
	} else {
		review.ok = true;
		review.applies = outbox_message_review_publish(&side->item, policy.version, &message) ==
				 OUTBOX_REVIEW_APPLIES;
		review.version = policy.version;
		if (!cache_policy_store(side->sender->cache, &policy, time_now()))
			strbuf_printf(&message, " (the cache could not store it: %s)",
				      cache_last_error(side->sender->cache));
		cached_policy_free(&policy);
	}
	review.message = strbuf_str(&message);
	finish_review(side, &review);
	strbuf_free(&message);
}

/* Read the published policy, whose version a publish's retry goes out over. */
static bool send_policy_read(struct outbox_side_call *side)
{
	struct outbox_sender *sender = side->sender;

	side->call = http_client_send(sender->http, "GET", OUTBOX_POLICY_PATH, NULL, NULL,
				      on_policy_read, side);
	if (!side->call)
		snprintf(sender->error, sizeof sender->error, "reading the policy could not be started");
	return side->call != NULL;
}

/* Read what the item acts on, for the review: its object, the policy, or a bulk revoke's count. */
static bool send_review_read(struct outbox_side_call *side)
{
	if (apply_object_kind(side->item.object_kind) >= 0)
		return send_read(side);
	if (outbox_item_is_publish(&side->item))
		return send_policy_read(side);
	return send_count(side);
}

bool outbox_review_retry(struct outbox_sender *sender, int64_t item_id,
			 outbox_review_callback callback, void *ctx)
{
	struct outbox_side_call *side;
	bool sent;

	if (!callback) {
		snprintf(sender->error, sizeof sender->error, "no callback for the review");
		return false;
	}
	side = outbox_side_call_new(sender, ctx);
	side->review_done = callback;
	if (!load_retryable(sender, item_id, &side->item)) {
		outbox_side_call_free(side);
		return false;
	}
	sent = send_review_read(side);
	if (!sent)
		outbox_side_call_free(side);
	return sent;
}

int64_t outbox_retry(struct outbox_sender *sender, int64_t item_id, int64_t version)
{
	char key[OUTBOX_KEY_SIZE];
	int64_t id = cache_outbox_requeue_as_new(sender->cache, item_id, version, key);

	if (id < 0) {
		snprintf(sender->error, sizeof sender->error, "%s", cache_last_error(sender->cache));
		return -1;
	}
	sender->error[0] = '\0';
	outbox_sender_kick(sender);
	return id;
}

bool outbox_drop(struct outbox_sender *sender, int64_t item_id)
{
	if (cache_outbox_drop(sender->cache, item_id)) {
		sender->error[0] = '\0';
		return true;
	}
	snprintf(sender->error, sizeof sender->error, "%s", cache_last_error(sender->cache));
	return false;
}
