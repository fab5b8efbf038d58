#ifndef GATEHOUSE_CACHE_OUTBOX_H
#define GATEHOUSE_CACHE_OUTBOX_H

/*
 * The outbox: each write the user makes is stored here first, then sent to
 * the broker, so that no action is lost to a crash or a lost connection. Each
 * item has an Idempotency-Key fixed when it is added, so sending it again
 * after a crash or a lost response changes nothing on the broker.
 * See cache/cache.h for the error conventions.
 */

#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

/* 32 hex digits (128 random bits) and the NUL. */
#define OUTBOX_KEY_SIZE 33

enum outbox_state {
	OUTBOX_QUEUED,              /* waiting to be sent */
	OUTBOX_SENDING,             /* claimed by a sender, response not yet recorded */
	OUTBOX_DONE,                /* the broker accepted it */
	OUTBOX_FAILED,              /* the broker rejected it: see last_status and last_error */
	OUTBOX_CONFLICT,            /* the object changed first (409 or 412) */
	OUTBOX_DROPPED,             /* the user dropped it: never sent again */
	OUTBOX_RETRIED,             /* the user queued it again as the item replaced_by */
};

const char *outbox_state_name(enum outbox_state state);

struct outbox_item {
	int64_t id;
	char *idempotency_key;
	char *method;
	char *path;
	char *body;                 /* NULL for a write without a body */
	int64_t if_match;           /* the version for If-Match, 0 to send none */
	char *object_kind;          /* "request" or "grant", NULL for a bulk write */
	int64_t object_id;
	char *label;                /* for people: "approve request 42" */
	enum outbox_state state;
	int64_t attempts;           /* how many times a sender has claimed it */
	int64_t created_at;
	int64_t updated_at;
	int last_status;            /* the last HTTP status, 0 before any */
	char *last_error;
	int64_t replaced_by;        /* for OUTBOX_RETRIED: the item queued in its place, else 0 */
};

/*
 * Queue a write with a new random Idempotency-Key, which is copied into
 * key_out. method, path and label are required. Returns the item's id, or -1
 * on failure.
 */
int64_t cache_outbox_add(struct cache *cache, const char *method, const char *path,
			 const char *body, int64_t if_match, const char *object_kind,
			 int64_t object_id, const char *label, char key_out[OUTBOX_KEY_SIZE]);

/*
 * Claim the next item to send and mark it OUTBOX_SENDING: the oldest item
 * that is queued, or that has been sending since at least stale_after_seconds
 * ago, which means that its sender crashed or lost the response. Such an item
 * keeps its Idempotency-Key, and the broker replays its first response to a
 * key for 24 hours, so a resend within that time changes nothing twice.
 * On CACHE_FOUND the caller frees *item with outbox_item_free.
 */
enum cache_result cache_outbox_claim_next(struct cache *cache, int64_t stale_after_seconds,
					  struct outbox_item *item);

/*
 * Record the outcome of sending item id: its new state, the HTTP status (0
 * for none) and an error message or NULL.
 */
bool cache_outbox_mark(struct cache *cache, int64_t id, enum outbox_state state,
		       int http_status, const char *error);

/*
 * Mark every item queued or being sent as failed with error, so that it is
 * never sent: for actions meant for a broker that no longer answers at the
 * URL. Returns how many items it marked, or -1 on failure.
 */
int64_t cache_outbox_fail_unsent(struct cache *cache, const char *error);

/*
 * Put every item marked as sending back in the queue, and return how many
 * (-1 on failure). A console calls it when it starts: such an item was
 * claimed by a run that was killed before it recorded the response, or by
 * another console on the same file, and its Idempotency-Key makes sending it
 * again harmless either way.
 */
int64_t cache_outbox_requeue_sending(struct cache *cache);

/* Load one item; on CACHE_FOUND the caller frees *item with outbox_item_free. */
enum cache_result cache_outbox_get(struct cache *cache, int64_t id, struct outbox_item *item);

/*
 * Queue a failed or conflicting item again as a new item, with a new
 * Idempotency-Key and if_match as its version, and mark the old one
 * OUTBOX_RETRIED with replaced_by naming the new one, in one transaction.
 * Returns the new item's id, or -1 when the old item is missing or in
 * another state, or on failure.
 */
int64_t cache_outbox_requeue_as_new(struct cache *cache, int64_t id, int64_t if_match,
				    char key_out[OUTBOX_KEY_SIZE]);

/*
 * Mark an item that is queued, failed or conflicting as OUTBOX_DROPPED, so
 * that it is never sent. Fails, naming the state, for an item being sent
 * (its request may be at the broker already) or already finished.
 */
bool cache_outbox_drop(struct cache *cache, int64_t id);

/* Count the items queued or being sent. */
int64_t cache_outbox_pending_count(struct cache *cache);

/*
 * Load the newest limit items in every state, newest first, for the outbox
 * pane. Returns the count and sets *items to an array that the caller
 * releases with outbox_items_free. On failure returns 0 and sets *items to NULL.
 */
size_t cache_outbox_list_recent(struct cache *cache, size_t limit, struct outbox_item **items);

/* Delete the done items last updated before a time, so that the outbox does not grow forever. */
int64_t cache_outbox_delete_done(struct cache *cache, int64_t updated_before);

void outbox_item_free(struct outbox_item *item);
void outbox_items_free(struct outbox_item *items, size_t count);

#endif
