/* Queueing the user's actions in the cache's outbox and sending them one at a time. */

#include "client/outbox.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/policy.h"
#include "client/apply.h"
#include "client/outbox_internal.h"
#include "client/outbox_message.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* The broker requires a reason even for a dry run, which revokes nothing. */
#define DRY_RUN_REASON "dry run: count the grants a bulk revoke would take"

struct outbox_sender *outbox_sender_new(struct http_client *http, struct cache *cache,
					struct sync *sync, const struct outbox_callbacks *callbacks,
					void *ctx)
{
	struct outbox_sender *sender = xcalloc(1, sizeof *sender);

	sender->http = http;
	sender->cache = cache;
	sender->sync = sync;
	if (callbacks)
		sender->callbacks = *callbacks;
	sender->ctx = ctx;
	sender->stale_after_seconds = OUTBOX_STALE_AFTER_SECONDS;
	backoff_init(&sender->backoff, OUTBOX_RETRY_FIRST_MS, OUTBOX_RETRY_MAX_MS);
	return sender;
}

struct outbox_side_call *outbox_side_call_new(struct outbox_sender *sender, void *ctx)
{
	struct outbox_side_call *side = xcalloc(1, sizeof *side);

	side->sender = sender;
	side->ctx = ctx;
	side->next = sender->side_calls;
	if (sender->side_calls)
		sender->side_calls->prev = side;
	sender->side_calls = side;
	return side;
}

void outbox_side_call_free(struct outbox_side_call *side)
{
	struct outbox_sender *sender = side->sender;

	if (side->prev)
		side->prev->next = side->next;
	else
		sender->side_calls = side->next;
	if (side->next)
		side->next->prev = side->prev;
	outbox_item_free(&side->item);
	free(side);
}

void outbox_sender_free(struct outbox_sender *sender)
{
	if (!sender)
		return;
	if (sender->call)
		http_client_cancel(sender->http, sender->call);
	outbox_item_free(&sender->item);
	while (sender->side_calls) {
		http_client_cancel(sender->http, sender->side_calls->call);
		outbox_side_call_free(sender->side_calls);
	}
	free(sender);
}

int64_t outbox_sender_resume(struct outbox_sender *sender)
{
	int64_t requeued = cache_outbox_requeue_sending(sender->cache);

	if (requeued < 0)
		snprintf(sender->error, sizeof sender->error, "%s", cache_last_error(sender->cache));
	outbox_sender_kick(sender);
	return requeued;
}

void outbox_sender_set_stale_after(struct outbox_sender *sender, int64_t seconds)
{
	sender->stale_after_seconds = seconds;
}

const char *outbox_last_error(const struct outbox_sender *sender)
{
	return sender->error;
}

static void report(struct outbox_sender *sender, const struct outbox_result *result)
{
	if (sender->callbacks.on_result)
		sender->callbacks.on_result(sender->ctx, result);
}

/*
 * Record an item's new state, with the message as its last_error unless
 * it succeeded; a failure to record is appended to the message.
 */
static void mark(struct outbox_sender *sender, const struct outbox_item *item,
		 enum outbox_state state, long status, bool with_error, struct strbuf *message)
{
	char *error = with_error ? xstrdup(strbuf_str(message)) : NULL;

	if (!cache_outbox_mark(sender->cache, item->id, state, (int)status, error))
		strbuf_printf(message, " (the outbox could not record it: %s)",
			      cache_last_error(sender->cache));
	free(error);
}

/* No response, a token to fix, a timeout or rate limit on the way, or a broker fault. */
static bool is_retryable(const struct http_response *response)
{
	long status = response->status;

	return status == 0 || status == 401 || status == 408 || status == 429 || status >= 500;
}

static void handle_retry(struct outbox_sender *sender, const struct outbox_item *item,
			 const struct http_response *response, struct outbox_result *result,
			 struct strbuf *message)
{
	int64_t delay_ms = response->status == 401 ? SYNC_UNAUTHORIZED_RETRY_MS :
			   backoff_delay_after_ms(&sender->backoff, response->retry_after_seconds);

	sender->retry_at_ms = time_monotonic_ms() + delay_ms;
	outbox_message_retry(response, delay_ms, message);
	mark(sender, item, OUTBOX_QUEUED, response->status, true, message);
	result->state = OUTBOX_QUEUED;
}

/* Read "revoked" from a bulk revoke's response, -1 when it is missing or wrong. */
static int64_t read_revoked(const json_t *body)
{
	json_t *revoked = json_object_get(body, "revoked");

	return json_is_integer(revoked) && json_integer_value(revoked) >= 0
		       ? (int64_t)json_integer_value(revoked) : -1;
}

/* Keep the policy a publish returned as the active one; false with error set. */
static bool store_published(struct outbox_sender *sender, const json_t *body, char *error,
			    size_t size)
{
	struct cached_policy policy;
	bool stored;

	if (!cached_policy_from_json(body, &policy, error, size))
		return false;
	stored = cache_policy_published(sender->cache, &policy, time_now());
	cached_policy_free(&policy);
	if (!stored)
		snprintf(error, size, "%s", cache_last_error(sender->cache));
	return stored;
}

static void handle_success(struct outbox_sender *sender, const struct outbox_item *item,
			   const struct http_response *response, struct outbox_result *result,
			   struct strbuf *message)
{
	int kind = apply_object_kind(item->object_kind);
	bool publish = outbox_item_is_publish(item);
	char error[512] = "";
	bool stored = response->error == NULL;

	backoff_reset(&sender->backoff);
	if (stored && publish) {
		stored = store_published(sender, response->json, error, sizeof error);
	} else if (stored && kind >= 0) {
		stored = apply_object(sender->cache, (enum cache_object_kind)kind, response->json,
				      error, sizeof error) == APPLY_STORED;
	} else if (stored) {
		result->revoked = read_revoked(response->json);
		if (result->revoked < 0)
			snprintf(error, sizeof error, "field \"revoked\": expected a whole number");
		stored = result->revoked >= 0;
	}
	outbox_message_success(item, response, result->revoked, message);
	if (!stored && error[0])
		strbuf_printf(message, "; but its response was unusable (%s)", error);
	/* The broker made the change either way: only the cached copy may be stale. */
	if (!stored && kind >= 0)
		sync_fetch_object(sender->sync, item->object_kind, item->object_id);
	mark(sender, item, OUTBOX_DONE, response->status, !stored, message);
	result->state = OUTBOX_DONE;
	result->success = true;
}

static void handle_rejection(struct outbox_sender *sender, const struct outbox_item *item,
			     const struct http_response *response, struct outbox_result *result,
			     struct strbuf *message)
{
	bool conflict = response->status == 409 || response->status == 412;

	outbox_message_rejected(item, response, message);
	result->state = conflict ? OUTBOX_CONFLICT : OUTBOX_FAILED;
	mark(sender, item, result->state, response->status, true, message);
	/* Show the truth in the row the user acted on. */
	if (conflict && apply_object_kind(item->object_kind) >= 0)
		sync_fetch_object(sender->sync, item->object_kind, item->object_id);
}

static void send_next(struct outbox_sender *sender);

static void on_sent(void *ctx, const struct http_response *response)
{
	struct outbox_sender *sender = ctx;
	struct outbox_item item = sender->item;
	struct strbuf message = STRBUF_INIT;
	struct outbox_result result = {
		.item_id = item.id, .label = item.label, .http_status = response->status,
		.problem_code = response->problem_code, .replayed = response->replayed,
		.revoked = -1,
	};

	memset(&sender->item, 0, sizeof sender->item);
	sender->sending = false;
	sender->call = NULL;
	if (is_retryable(response))
		handle_retry(sender, &item, response, &result, &message);
	else if (response->status >= 200 && response->status < 300)
		handle_success(sender, &item, response, &result, &message);
	else
		handle_rejection(sender, &item, response, &result, &message);
	result.message = strbuf_str(&message);
	send_next(sender);
	report(sender, &result);
	strbuf_free(&message);
	outbox_item_free(&item);
}

/* Finish an item that cannot be sent at all (a path the HTTP layer rejects). */
static void fail_unsendable(struct outbox_sender *sender, struct outbox_item *item)
{
	struct strbuf message = STRBUF_INIT;
	struct outbox_result result = {
		.item_id = item->id, .label = item->label, .state = OUTBOX_FAILED, .revoked = -1,
	};

	strbuf_printf(&message, "\"%s\" could not be sent: its method or path is invalid",
		      item->label);
	if (!cache_outbox_mark(sender->cache, item->id, OUTBOX_FAILED, 0, strbuf_str(&message)))
		strbuf_printf(&message, " (the outbox could not record it: %s)",
			      cache_last_error(sender->cache));
	result.message = strbuf_str(&message);
	report(sender, &result);
	strbuf_free(&message);
}

/* Claim the next item; false when there is none to send now. */
static bool claim(struct outbox_sender *sender)
{
	enum cache_result found = cache_outbox_claim_next(sender->cache,
							  sender->stale_after_seconds,
							  &sender->item);
	int64_t waiting;

	if (found == CACHE_FOUND)
		return true;
	if (found == CACHE_ERROR) {
		/* NOTE: a cache that cannot be read is retried silently; the views show its error. */
		sender->retry_at_ms = time_monotonic_ms() + backoff_next_delay_ms(&sender->backoff);
		return false;
	}
	/* Items still marked as sending by another sender become claimable once stale. */
	waiting = cache_outbox_pending_count(sender->cache);
	if (waiting != 0)
		sender->retry_at_ms = time_monotonic_ms() + sender->stale_after_seconds * 1000;
	return false;
}

static void send_next(struct outbox_sender *sender)
{
	while (!sender->sending && sender->retry_at_ms == 0 && claim(sender)) {
		struct http_request_options options = {
			.if_match = sender->item.if_match,
			.idempotency_key = sender->item.idempotency_key,
		};
		sender->call = http_client_send(sender->http, sender->item.method, sender->item.path,
						sender->item.body, &options, on_sent, sender);
		if (sender->call) {
			sender->sending = true;
			return;
		}
		struct outbox_item item = sender->item;
		memset(&sender->item, 0, sizeof sender->item);
		fail_unsendable(sender, &item);
		outbox_item_free(&item);
	}
}

void outbox_sender_kick(struct outbox_sender *sender)
{
	if (sender->sending)
		return;
	sender->retry_at_ms = 0;
	send_next(sender);
}

int outbox_next_timeout_ms(const struct outbox_sender *sender, int64_t now_ms)
{
	int64_t remaining;

	if (sender->sending || sender->retry_at_ms == 0)
		return -1;
	remaining = sender->retry_at_ms - now_ms;
	if (remaining <= 0)
		return 0;
	return remaining > INT_MAX ? INT_MAX : (int)remaining;
}

void outbox_tick(struct outbox_sender *sender, int64_t now_ms)
{
	if (sender->sending || sender->retry_at_ms == 0 || now_ms < sender->retry_at_ms)
		return;
	sender->retry_at_ms = 0;
	send_next(sender);
}

/* Add a write to the outbox and start sending; the body is encoded here and body freed. */
static int64_t queue(struct outbox_sender *sender, const char *method, const char *path,
		     json_t *body, int64_t if_match, const char *kind, int64_t object_id,
		     const char *label)
{
	char key[OUTBOX_KEY_SIZE];
	char *text = json_dumps(body, JSON_COMPACT);
	int64_t id;

	json_decref(body);
	if (!text) {
		snprintf(sender->error, sizeof sender->error, "%s: out of memory", label);
		return -1;
	}
	id = cache_outbox_add(sender->cache, method, path, text, if_match, kind, object_id, label,
			      key);
	free(text);
	if (id < 0) {
		snprintf(sender->error, sizeof sender->error, "%s", cache_last_error(sender->cache));
		return -1;
	}
	sender->error[0] = '\0';
	outbox_sender_kick(sender);
	return id;
}

/*
 * Set a string field unless value is NULL or empty. jansson rejects a
 * string that is not UTF-8, which would otherwise drop the field silently.
 */
static bool set_string(struct outbox_sender *sender, json_t *body, const char *field,
		       const char *value)
{
	json_t *string;

	if (!value || !*value)
		return true;
	string = json_string(value);
	if (string && json_object_set_new(body, field, string) == 0)
		return true;
	snprintf(sender->error, sizeof sender->error, "the %s is not valid UTF-8", field);
	return false;
}

/* A body with the reason, when there is one; NULL with the error set. */
static json_t *reason_body(struct outbox_sender *sender, const char *reason)
{
	json_t *body = json_object();

	if (set_string(sender, body, "reason", reason))
		return body;
	json_decref(body);
	return NULL;
}

static int64_t queue_object_action(struct outbox_sender *sender, const char *kind, int64_t id,
				   const char *action, int64_t version, const char *reason)
{
	char path[96], label[96];

	if (id < 1 || version < 0) {
		snprintf(sender->error, sizeof sender->error, "invalid %s id %lld or version %lld",
			 kind, (long long)id, (long long)version);
		return -1;
	}
	json_t *body = reason_body(sender, reason);

	if (!body)
		return -1;
	snprintf(path, sizeof path, "/v1/%ss/%lld/%s", kind, (long long)id, action);
	snprintf(label, sizeof label, "%s %s %lld", action, kind, (long long)id);
	return queue(sender, "POST", path, body, version, kind, id, label);
}

int64_t outbox_queue_approve(struct outbox_sender *sender, int64_t request_id, int64_t version,
			     const char *reason)
{
	return queue_object_action(sender, "request", request_id, "approve", version, reason);
}

int64_t outbox_queue_deny(struct outbox_sender *sender, int64_t request_id, int64_t version,
			  const char *reason)
{
	return queue_object_action(sender, "request", request_id, "deny", version, reason);
}

int64_t outbox_queue_revoke(struct outbox_sender *sender, int64_t grant_id, int64_t version,
			    const char *reason)
{
	return queue_object_action(sender, "grant", grant_id, "revoke", version, reason);
}

/* The body of a bulk revoke; NULL with the error set when it cannot be made. */
static json_t *bulk_body(struct outbox_sender *sender, const char *principal,
			 const char *resource, const char *reason)
{
	json_t *body;

	if ((!principal || !*principal) && (!resource || !*resource)) {
		snprintf(sender->error, sizeof sender->error,
			 "a bulk revoke needs a principal, a resource or both");
		return NULL;
	}
	body = reason_body(sender, reason);
	if (body && set_string(sender, body, "principal", principal) &&
	    set_string(sender, body, "resource", resource))
		return body;
	json_decref(body);
	return NULL;
}

int64_t outbox_queue_bulk_revoke(struct outbox_sender *sender, const char *principal,
				 const char *resource, const char *reason)
{
	json_t *body = bulk_body(sender, principal, resource, reason);
	struct strbuf label = STRBUF_INIT;
	int64_t id;

	if (!body)
		return -1;
	strbuf_puts(&label, "revoke every active grant");
	if (principal && *principal)
		strbuf_printf(&label, " of %s", principal);
	if (resource && *resource)
		strbuf_printf(&label, " on %s", resource);
	id = queue(sender, "POST", BULK_REVOKE_PATH, body, 0, NULL, 0, strbuf_str(&label));
	strbuf_free(&label);
	return id;
}

int64_t outbox_queue_publish(struct outbox_sender *sender, const char *source, int64_t based_on)
{
	json_t *body = json_object();
	char label[96];

	if (based_on < 1) {
		/* NOTE: the HTTP layer sends no If-Match for version 0, so a first publish cannot go out from here. */
		snprintf(sender->error, sizeof sender->error,
			 "publishing needs the version of the policy it replaces; none is known yet");
		json_decref(body);
		return -1;
	}
	if (!source || !set_string(sender, body, "source", source)) {
		if (!source)
			snprintf(sender->error, sizeof sender->error, "no policy text to publish");
		json_decref(body);
		return -1;
	}
	snprintf(label, sizeof label, "publish the policy over version %lld", (long long)based_on);
	return queue(sender, "PUT", OUTBOX_POLICY_PATH, body, based_on, OUTBOX_KIND_POLICY, based_on,
		     label);
}

bool outbox_read_matched(const struct http_response *response, int64_t *matched,
			 const char **message)
{
	json_t *value = json_object_get(response->json, "matched");

	*matched = -1;
	if (response->error) {
		*message = response->error;
		return false;
	}
	if (!json_is_integer(value) || json_integer_value(value) < 0) {
		*message = "the broker's response is invalid: field \"matched\": expected a whole "
			   "number";
		return false;
	}
	*matched = (int64_t)json_integer_value(value);
	return true;
}

static void on_dry_run(void *ctx, const struct http_response *response)
{
	struct outbox_side_call *side = ctx;
	struct outbox_dry_run result = { .matched = -1 };
	outbox_dry_run_callback callback = side->dry_run_done;
	void *callback_ctx = side->ctx;

	result.ok = outbox_read_matched(response, &result.matched, &result.message);
	outbox_side_call_free(side);
	callback(callback_ctx, &result);
}

bool outbox_send_dry_run(struct outbox_side_call *side, const char *principal,
			 const char *resource, http_callback done)
{
	struct outbox_sender *sender = side->sender;
	json_t *body = bulk_body(sender, principal, resource, DRY_RUN_REASON);
	char *text;

	if (!body)
		return false;
	json_object_set_new(body, "dry_run", json_true());
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text) {
		snprintf(sender->error, sizeof sender->error, "out of memory");
		return false;
	}
	side->call = http_client_send(sender->http, "POST", BULK_REVOKE_PATH, text, NULL, done,
				      side);
	free(text);
	if (!side->call)
		snprintf(sender->error, sizeof sender->error, "the dry run could not be started");
	return side->call != NULL;
}

bool outbox_dry_run_bulk(struct outbox_sender *sender, const char *principal,
			 const char *resource, outbox_dry_run_callback callback, void *ctx)
{
	struct outbox_side_call *side;

	if (!callback)
		return false;
	side = outbox_side_call_new(sender, ctx);
	side->dry_run_done = callback;
	if (outbox_send_dry_run(side, principal, resource, on_dry_run))
		return true;
	outbox_side_call_free(side);
	return false;
}
