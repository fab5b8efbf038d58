#ifndef GATEHOUSE_CLIENT_SYNC_H
#define GATEHOUSE_CLIENT_SYNC_H

/*
 * Keeps the cache in step with the broker. It calls /v1/me, then lists the
 * pending requests and active grants when the cache has no feed position
 * (or the broker no longer keeps it), then long-polls /v1/events for as
 * long as the console runs. Beside the feed, once per cache, it loads the
 * broker's decided requests (approved and denied, newest first, up to a
 * cap) for the policy pane's simulation. Failures are retried with a
 * growing delay. The
 * callbacks report every change of connection state and every change to
 * the cache. The sync never draws and never waits on the network, because
 * all its calls go through the http_client's event loop.
 *
 * The broker is not trusted to be well-behaved: an object that does not
 * decode is left out and counted in the ONLINE detail, a listing that
 * repeats a page cursor or runs past a million objects fails, and a feed
 * that does not advance is called again only after a growing pause.
 */

#include <stdbool.h>
#include <stdint.h>

#include "api/model.h"
#include "cache/cache.h"
#include "client/http.h"

/* How long each /v1/events call waits at the broker for something new. */
#define SYNC_FEED_WAIT_SECONDS 25
/* The first and the longest delay before retrying after a failure. */
#define SYNC_RETRY_FIRST_MS 1000
#define SYNC_RETRY_MAX_MS 30000
/*
 * The most decided requests fetched per status (approved, denied), newest
 * first: 100,000 in all. The policy pane decodes every cached decided
 * request each time it simulates, so the cap bounds that time and the cache
 * file (a demo request takes 0.5 to 2 KB), not the broker's history.
 */
#define SYNC_HISTORY_MAX_PER_STATUS 50000
/* How long to wait after a 401 before trying the same token again. */
#define SYNC_UNAUTHORIZED_RETRY_MS (5 * 60 * 1000)

enum sync_state {
	SYNC_CONNECTING,            /* started, no response from the broker yet */
	SYNC_ONLINE,                /* the broker responded and accepted the token */
	SYNC_OFFLINE,               /* unreachable, 5xx or an unusable response; retrying */
	SYNC_UNAUTHORIZED,          /* 401: the token is invalid; retrying only slowly */
};

/* Bits of on_changed's what: which cached objects changed. */
enum sync_change {
	SYNC_CHANGED_REQUESTS = 1u << 0,
	SYNC_CHANGED_GRANTS = 1u << 1,
	SYNC_CHANGED_ME = 1u << 2,
	SYNC_CHANGED_AUDIT = 1u << 3,
};

/*
 * The callbacks run from http_client_perform(), sync_tick() or the sync
 * call that caused them, after the sync has finished its own work, so they
 * may call any sync function. detail and message are valid only during the
 * call and may quote the broker: sanitize them before drawing. Any callback
 * may be NULL.
 */
struct sync_callbacks {
	/* The connection state or its detail changed ("retrying in 4 s"). */
	void (*on_state)(void *ctx, enum sync_state state, const char *detail);
	/* The cache changed: views that show what (enum sync_change bits) reload. */
	void (*on_changed)(void *ctx, unsigned what);
	/*
	 * A sync_fetch_audit() or sync_fetch_object() failed, an audit trail
	 * was stored without the entries that did not decode, or a page of the
	 * decided requests failed for another reason than the connection.
	 */
	void (*on_fetch_failed)(void *ctx, const char *message);
};

struct sync;

/* Create a sync that uses http and cache, which must outlive it. Nothing is sent before sync_start(). */
struct sync *sync_new(struct http_client *http, struct cache *cache,
		      const struct sync_callbacks *callbacks, void *ctx);
/* Cancel the sync's calls, without callbacks, and free it. */
void sync_free(struct sync *sync);

/*
 * Start (or start again): GET /v1/me, then continue the feed from the
 * cache's last_seq, or list everything first when there is none. When
 * /v1/me names another broker_id than the cached one, the cached objects
 * are cleared first, and the ONLINE detail includes the number of outbox
 * items that were queued for the other broker.
 */
void sync_start(struct sync *sync);
/* Drop what is in progress and list everything again, now (the UI's refresh key). */
void sync_refresh(struct sync *sync);

/* Milliseconds from now_ms until sync_tick() has work, 0 when due, -1 when nothing is scheduled. */
int sync_next_timeout_ms(const struct sync *sync, int64_t now_ms);
/* Start the retries that are due at now_ms (time_monotonic_ms()). */
void sync_tick(struct sync *sync, int64_t now_ms);

/*
 * GET the audit trail of one object (kind "request" or "grant"), every
 * page, into the cache, then on_changed(SYNC_CHANGED_AUDIT). Returns false
 * without sending for an unknown kind or an id below 1.
 */
bool sync_fetch_audit(struct sync *sync, const char *kind, int64_t id);
/*
 * GET one request or grant and put it into the cache, then on_changed
 * with its kind's bit: the outbox uses it to show the truth after a conflict.
 */
bool sync_fetch_object(struct sync *sync, const char *kind, int64_t id);

/*
 * Whether the cache contains the broker's decided requests: their fetch has
 * finished, now or in an earlier run on this cache. False on a cache error.
 */
bool sync_history_complete(struct sync *sync);

enum sync_state sync_get_state(const struct sync *sync);
/*
 * Whether the last /v1/me named another broker or principal than the cache
 * had, so that the cache was cleared and its queued actions were not sent.
 */
bool sync_broker_changed(const struct sync *sync);
/* The current state's detail, "" when there is none. */
const char *sync_get_detail(const struct sync *sync);
/*
 * The number of objects left out since the last /v1/me because they did
 * not decode. The ONLINE detail names the last one.
 */
int64_t sync_skipped_objects(const struct sync *sync);
/* The principal from the last /v1/me, or NULL before the first response. */
const struct principal *sync_principal(const struct sync *sync);
const char *sync_state_name(enum sync_state state);

#endif
