#ifndef GATEHOUSE_CLIENT_SYNC_INTERNAL_H
#define GATEHOUSE_CLIENT_SYNC_INTERNAL_H

/* Declarations shared by the files of the sync (client/sync*.c) and hidden from its users. */

#include <jansson.h>
#include <stdarg.h>

#include "client/backoff.h"
#include "client/cursor_history.h"
#include "client/sync.h"

/* The page size of the listings, and the most pages a listing may take: a million objects. */
#define SYNC_LIST_PAGE_SIZE 500
#define SYNC_LIST_MAX_PAGES (1000000 / SYNC_LIST_PAGE_SIZE)

/* The step of the main chain: /v1/me, then the listings, then the feed, forever. */
enum sync_phase {
	SYNC_PHASE_IDLE,            /* not started */
	SYNC_PHASE_ME,
	SYNC_PHASE_LIST,
	SYNC_PHASE_FEED,
	SYNC_PHASE_WAITING,         /* a timer will start retry_phase */
};

struct sync_fetch;

/* Who the cache belonged to before the last /v1/me. */
enum cache_owner_change {
	CACHE_OWNER_SAME,
	CACHE_OWNER_OTHER_BROKER,
	CACHE_OWNER_OTHER_PRINCIPAL,
};

struct sync {
	struct http_client *http;
	struct cache *cache;
	struct sync_callbacks callbacks;
	void *ctx;

	enum sync_phase phase;
	struct http_request *call;  /* the main chain's call in flight, or NULL */
	int64_t retry_at_ms;        /* when the timer fires (time_monotonic_ms), 0 for none */
	enum sync_phase retry_phase;
	struct backoff backoff;
	bool resync_needed;         /* list everything before following the feed */

	enum cache_object_kind list_kind;
	int64_t list_seq;           /* the smallest last_seq of the listings' first pages, -1 before */
	char *list_cursor;          /* the cursor of the page in flight, NULL for a first page */
	struct cursor_history list_cursors; /* every cursor of the listing in progress */

	/* A listing set the feed position, and no feed call has accepted it yet. */
	bool feed_unconfirmed;
	int64_t feed_after;         /* the position sent as after in the feed call in flight */
	/* The pause before the next feed call while the feed does not advance. */
	struct backoff stall_backoff;

	struct principal me;
	bool have_me;
	/* The last /v1/me named another broker_id or principal than the cache had. */
	bool broker_changed;
	char *online_detail;        /* the ONLINE detail from the last /v1/me */
	int64_t skipped;            /* objects left out since the last /v1/me because they did not decode */
	char *skipped_reason;       /* why the last of them did not decode */

	/* Notifications wait here until the sync has finished its own work. */
	enum sync_state state;
	char *detail;
	bool state_changed;
	unsigned changed;

	struct sync_fetch *fetches;

	/* The background fetch of decided requests (client/sync_history.c). */
	struct http_request *history_call; /* the page in flight, or NULL */
	const char *history_status; /* the status of the page in flight */
	bool history_done;          /* every status finished, as the cache records */
	int64_t history_retry_at_ms; /* no page before this time (time_monotonic_ms) after a failure */
	struct backoff history_backoff;
	struct cursor_history history_cursors; /* every cursor of the status in progress */
	char *history_error;        /* a failure for on_fetch_failed, sent by sync_notify */
};

/* Record a new state and detail, to be reported by sync_notify when either changed. */
void sync_set_state(struct sync *sync, enum sync_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Call on_state and on_changed for what changed since the last call. */
void sync_notify(struct sync *sync);

/* Count an object from the broker that was left out because it did not decode. */
void sync_count_skipped(struct sync *sync, const char *reason);
/* Set the ONLINE state: the connection, and how many objects were skipped, when any were. */
void sync_report_online(struct sync *sync);

/*
 * Handle a failed step of the main chain: a call that failed (what names
 * it, "GET /v1/me"), or a response that could not be used (message gives
 * why, response may be NULL). Schedules the retry from /v1/me and sets the
 * state that tells the user when it will be.
 */
void sync_fail(struct sync *sync, const struct http_response *response, const char *what,
	       const char *message);

/* Start listing the pending requests and active grants into the cache (client/sync_resync.c). */
void sync_resync_start(struct sync *sync);
/* Start the next long poll of the feed from the cache's last_seq. */
void sync_feed_start(struct sync *sync);
/* Cancel the audit and object fetches without callbacks (client/sync_fetch.c). */
void sync_fetches_cancel(struct sync *sync);

/*
 * Read a listing page's next_cursor into *cursor: a new string, or NULL on
 * the last page. Returns false with err on a wrong one, a cursor that
 * cursors has seen, or one past max_pages.
 */
bool sync_read_next_cursor(struct cursor_history *cursors, int max_pages, const json_t *body,
			   char **cursor, char *err, size_t errlen);
/*
 * Put the items of a listing page of kind into the cache, skipping and
 * counting in *skipped those that do not decode; false with err on a cache
 * error. Each item is stored as the broker sent it, cut from the body's
 * text, unless the scanner cannot find each item's text there.
 */
bool sync_put_items(struct sync *sync, enum cache_object_kind kind, const json_t *items,
		    const struct http_response *response, int64_t *skipped, char *err, size_t errlen);

/*
 * Send the next page of the decided requests when that fetch is neither
 * finished, nor in flight, nor waiting after a failure (client/sync_history.c).
 */
void sync_history_continue(struct sync *sync);
/* Cancel the fetch of decided requests without callbacks; the next continue starts it again. */
void sync_history_cancel(struct sync *sync);
/* Set up and free the history fields of struct sync. */
void sync_history_init(struct sync *sync);
void sync_history_free(struct sync *sync);

/* Percent-encode s for a query string; the caller frees the result. */
char *sync_query_escape(const char *s);

#endif
