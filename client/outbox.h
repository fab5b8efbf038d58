#ifndef GATEHOUSE_CLIENT_OUTBOX_H
#define GATEHOUSE_CLIENT_OUTBOX_H

/*
 * The sender of the user's actions. Each action is first queued in the
 * cache's outbox (cache/outbox.h), with an Idempotency-Key fixed at that
 * moment, then sent one at a time with that key and If-Match. So an action
 * survives a crash or a lost connection, and sending it again never
 * changes anything twice at the broker. Each response is stored in the cache
 * and reported through on_result in plain words.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cache/cache.h"
#include "cache/outbox.h"
#include "client/http.h"
#include "client/sync.h"

/*
 * An item still marked as sending after this long was claimed by a sender
 * that crashed or lost the response, and is sent again.
 */
#define OUTBOX_STALE_AFTER_SECONDS 60
#define OUTBOX_RETRY_FIRST_MS 1000
#define OUTBOX_RETRY_MAX_MS 30000

/*
 * The outcome of one attempt. state is OUTBOX_DONE, OUTBOX_FAILED or
 * OUTBOX_CONFLICT when the item is finished, and OUTBOX_QUEUED when it will
 * be sent again (no response, 401, 408, 429 or 5xx). Strings are
 * valid only during the callback and may quote the broker: sanitize them
 * before drawing.
 */
struct outbox_result {
	int64_t item_id;
	const char *label;          /* "approve request 42" */
	bool success;
	enum outbox_state state;
	const char *message;        /* "you cannot approve your own request 42" */
	long http_status;           /* 0 when no response arrived */
	const char *problem_code;   /* the broker's problem code, or NULL */
	bool replayed;              /* the broker replayed its stored response to the key */
	int64_t revoked;            /* for a bulk revoke that succeeded: grants revoked, else -1 */
};

/* The outcome of outbox_dry_run_bulk(); message is set when ok is false. */
struct outbox_dry_run {
	bool ok;
	int64_t matched;            /* active grants a bulk revoke would take now */
	const char *message;
};

/*
 * on_result runs from http_client_perform(), outbox_tick() or
 * outbox_sender_kick(), after the cache contains the outcome (the item's new
 * state, and the object the broker returned), so views may reload there.
 * It may queue more actions.
 */
struct outbox_callbacks {
	void (*on_result)(void *ctx, const struct outbox_result *result);
};

typedef void (*outbox_dry_run_callback)(void *ctx, const struct outbox_dry_run *result);

struct outbox_sender;

/*
 * Create a sender that uses http, cache and sync (for reloading an object
 * after a conflict), which must outlive it. Nothing is sent before the
 * first kick or queued action.
 */
struct outbox_sender *outbox_sender_new(struct http_client *http, struct cache *cache,
					struct sync *sync, const struct outbox_callbacks *callbacks,
					void *ctx);
/*
 * Cancel the sender's calls, without callbacks, and free it. An item being
 * sent stays marked as sending and is sent again, with its key, once stale.
 */
void outbox_sender_free(struct outbox_sender *sender);
/*
 * Put the items left in the sending state back in the queue, then start
 * sending: a console calls it once at start, before anything else sends.
 * Such an item was claimed by a run killed before it recorded the response
 * (or by another console on the same cache), and its Idempotency-Key makes
 * sending it again harmless, so it need not wait OUTBOX_STALE_AFTER_SECONDS.
 * Returns how many items it requeued, or -1 with the reason in
 * outbox_last_error().
 */
int64_t outbox_sender_resume(struct outbox_sender *sender);
/* Change how long an item may stay in the sending state before it is sent again. */
void outbox_sender_set_stale_after(struct outbox_sender *sender, int64_t seconds);

/*
 * Queue an action and start sending. version is the object's version as the
 * user saw it, sent as If-Match (0 sends none). reason may be NULL where
 * the API makes it optional. Returns the outbox item's id, or -1 with the
 * reason in outbox_last_error().
 */
int64_t outbox_queue_approve(struct outbox_sender *sender, int64_t request_id, int64_t version,
			     const char *reason);
int64_t outbox_queue_deny(struct outbox_sender *sender, int64_t request_id, int64_t version,
			  const char *reason);
int64_t outbox_queue_revoke(struct outbox_sender *sender, int64_t grant_id, int64_t version,
			    const char *reason);
/*
 * Queue a revoke of every active grant of principal, on resource, or both
 * (NULL for either, not both).
 */
int64_t outbox_queue_bulk_revoke(struct outbox_sender *sender, const char *principal,
				 const char *resource, const char *reason);
/*
 * Queue a publish of a policy's source (PUT /v1/policy) over the active
 * policy of version based_on, sent as If-Match, so that the broker rejects it
 * with 412 when someone published in between. The item's object_kind is
 * OUTBOX_KIND_POLICY and its object_id is based_on. On success the cache
 * holds the new active policy (cache/policy.h), and the draft is discarded
 * when it is the text published.
 */
int64_t outbox_queue_publish(struct outbox_sender *sender, const char *source, int64_t based_on);
#define OUTBOX_KIND_POLICY "policy"
#define OUTBOX_POLICY_PATH "/v1/policy"
/* Whether an item is a policy publish. */
bool outbox_item_is_publish(const struct outbox_item *item);

/* The reason the last queue call failed. */
const char *outbox_last_error(const struct outbox_sender *sender);

/*
 * Send the next item now, even during a retry delay: after queueing, and
 * when the sync goes online again.
 */
void outbox_sender_kick(struct outbox_sender *sender);
/* Milliseconds from now_ms until outbox_tick() has work, 0 when due, -1 when nothing is scheduled. */
int outbox_next_timeout_ms(const struct outbox_sender *sender, int64_t now_ms);
/* Send again when a retry delay has passed at now_ms (time_monotonic_ms()). */
void outbox_tick(struct outbox_sender *sender, int64_t now_ms);

/*
 * Ask the broker how many active grants a bulk revoke with this filter
 * would take, without revoking any and without the outbox. The callback
 * runs once from http_client_perform(), unless the sender is freed first.
 * Returns false without sending, with the reason in outbox_last_error(),
 * when both filters are NULL or empty or a filter is not valid UTF-8.
 */
bool outbox_dry_run_bulk(struct outbox_sender *sender, const char *principal,
			 const char *resource, outbox_dry_run_callback callback, void *ctx);

/*
 * The findings of outbox_review_retry(), valid only during the callback.
 * message may quote the broker, so sanitize it before drawing.
 */
struct outbox_review {
	int64_t item_id;
	bool ok;                    /* false when the broker was unreachable; message has the reason */
	bool applies;               /* the action would still change something: ask, then outbox_retry() */
	int64_t version;            /* the object's version now, for outbox_retry(); 0 for a bulk write */
	const char *message;        /* the question to ask, or why there is nothing to retry */
};

typedef void (*outbox_review_callback)(void *ctx, const struct outbox_review *review);

/*
 * Prepare the retry of a failed or conflicting item: read its object from
 * the broker again (into the cache too), or count what a bulk revoke would
 * take now, and describe what changed since the user acted. The callback
 * runs once from http_client_perform(), unless the sender is freed first.
 * Returns false without sending, with the reason in outbox_last_error(),
 * for an item that is missing or in another state.
 */
bool outbox_review_retry(struct outbox_sender *sender, int64_t item_id,
			 outbox_review_callback callback, void *ctx);
/*
 * Queue a failed or conflicting item again as a new item, with a new
 * Idempotency-Key and version (from its review) as If-Match, mark the old
 * one retried, and start sending. Returns the new item's id, or -1 with the
 * reason in outbox_last_error().
 */
int64_t outbox_retry(struct outbox_sender *sender, int64_t item_id, int64_t version);
/*
 * Mark a queued, failed or conflicting item dropped, so that it is never
 * sent. Returns false with the reason in outbox_last_error(), for an item
 * being sent or finished.
 */
bool outbox_drop(struct outbox_sender *sender, int64_t item_id);

#endif
