/* The sync's main chain: /v1/me, the feed, retries and the notifications to the UI. */

#include "client/sync.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "cache/outbox.h"
#include "client/apply.h"
#include "client/sync_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* Extra time over the feed's wait before the client gives up on a long poll. */
#define FEED_TIMEOUT_MARGIN_MS 15000
/*
 * A feed call that comes back empty sooner than this did not wait (a proxy
 * that cuts long polls, a broker that ignores wait): pause before the next
 * one so that the console does not spin.
 */
#define FEED_MIN_EMPTY_INTERVAL_MS 1000

static const char *const state_names[] = {
	[SYNC_CONNECTING] = "connecting",
	[SYNC_ONLINE] = "online",
	[SYNC_OFFLINE] = "offline",
	[SYNC_UNAUTHORIZED] = "unauthorized",
};

const char *sync_state_name(enum sync_state state)
{
	return (size_t)state < sizeof state_names / sizeof state_names[0] ? state_names[state]
									     : "unknown";
}

struct sync *sync_new(struct http_client *http, struct cache *cache,
		      const struct sync_callbacks *callbacks, void *ctx)
{
	struct sync *sync = xcalloc(1, sizeof *sync);

	sync->http = http;
	sync->cache = cache;
	if (callbacks)
		sync->callbacks = *callbacks;
	sync->ctx = ctx;
	sync->state = SYNC_CONNECTING;
	sync->detail = xstrdup("");
	backoff_init(&sync->backoff, SYNC_RETRY_FIRST_MS, SYNC_RETRY_MAX_MS);
	backoff_init(&sync->stall_backoff, FEED_MIN_EMPTY_INTERVAL_MS, SYNC_RETRY_MAX_MS);
	/* Every page but the first comes from a cursor. */
	cursor_history_init(&sync->list_cursors, SYNC_LIST_MAX_PAGES - 1);
	sync_history_init(sync);
	return sync;
}

static void cancel_call(struct sync *sync)
{
	if (sync->call)
		http_client_cancel(sync->http, sync->call);
	sync->call = NULL;
}

void sync_free(struct sync *sync)
{
	if (!sync)
		return;
	cancel_call(sync);
	sync_fetches_cancel(sync);
	sync_history_free(sync);
	if (sync->have_me)
		principal_free(&sync->me);
	free(sync->list_cursor);
	cursor_history_free(&sync->list_cursors);
	free(sync->detail);
	free(sync->online_detail);
	free(sync->skipped_reason);
	free(sync);
}

void sync_set_state(struct sync *sync, enum sync_state state, const char *fmt, ...)
{
	struct strbuf detail = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(&detail, fmt, ap);
	va_end(ap);
	if (state != sync->state || strcmp(strbuf_str(&detail), sync->detail) != 0) {
		free(sync->detail);
		sync->detail = strbuf_detach(&detail);
		sync->state = state;
		sync->state_changed = true;
	}
	strbuf_free(&detail);
}

void sync_notify(struct sync *sync)
{
	/* Clear each flag before its callback, which may re-enter the sync. */
	if (sync->state_changed) {
		char *detail = xstrdup(sync->detail);
		enum sync_state state = sync->state;
		sync->state_changed = false;
		if (sync->callbacks.on_state)
			sync->callbacks.on_state(sync->ctx, state, detail);
		free(detail);
	}
	if (sync->changed) {
		unsigned what = sync->changed;
		sync->changed = 0;
		if (sync->callbacks.on_changed)
			sync->callbacks.on_changed(sync->ctx, what);
	}
	if (sync->history_error) {
		char *message = sync->history_error;
		sync->history_error = NULL;
		if (sync->callbacks.on_fetch_failed)
			sync->callbacks.on_fetch_failed(sync->ctx, message);
		free(message);
	}
}

static void schedule(struct sync *sync, enum sync_phase phase, int64_t delay_ms)
{
	sync->phase = SYNC_PHASE_WAITING;
	sync->retry_phase = phase;
	sync->retry_at_ms = time_monotonic_ms() + delay_ms;
}

/* Round a delay up to whole seconds for people: 1 ms reads as "1 s", never "0 s". */
static long long delay_seconds(int64_t delay_ms)
{
	return (long long)((delay_ms + 999) / 1000);
}

void sync_fail(struct sync *sync, const struct http_response *response, const char *what,
	       const char *message)
{
	long status = response ? response->status : 0;
	const char *reason = message ? message : response->error;
	int64_t retry_after = response ? response->retry_after_seconds : -1;
	/* Retry-After comes with 429 and 503; its wait replaces the usual delay. */
	const char *as_requested = retry_after >= 0 ? ", as the broker asked" : "";
	int64_t delay_ms;

	if (status == 401) {
		schedule(sync, SYNC_PHASE_ME, SYNC_UNAUTHORIZED_RETRY_MS);
		sync_set_state(sync, SYNC_UNAUTHORIZED,
			       "the broker rejected the token (HTTP 401): %s; use a valid token, "
			       "or refresh to try again (next try in %lld min)",
			       response->problem_detail ? response->problem_detail : reason,
			       (long long)(SYNC_UNAUTHORIZED_RETRY_MS / 60000));
		return;
	}
	delay_ms = backoff_delay_after_ms(&sync->backoff, retry_after);
	schedule(sync, SYNC_PHASE_ME, delay_ms);
	/*
	 * The attempt number changes the detail on every failure, so each one is
	 * reported. Other transport failures (TLS, a response too large) reached
	 * the broker, and read as "GET /v1/me failed: ...".
	 */
	if (response && !message && response->connect_failed)
		sync_set_state(sync, SYNC_OFFLINE, "broker unreachable: %s; retrying in %lld s "
			       "(attempt %u)", reason, delay_seconds(delay_ms),
			       sync->backoff.failures + 1);
	else if (status >= 500)
		sync_set_state(sync, SYNC_OFFLINE, "broker error on %s: %s; retrying in %lld s%s "
			       "(attempt %u)", what, reason, delay_seconds(delay_ms), as_requested,
			       sync->backoff.failures + 1);
	else
		sync_set_state(sync, SYNC_OFFLINE, "%s failed: %s; retrying in %lld s%s (attempt %u)",
			       what, reason, delay_seconds(delay_ms), as_requested,
			       sync->backoff.failures + 1);
}

char *sync_query_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf out = STRBUF_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			strbuf_putc(&out, (char)*p);
		} else {
			strbuf_putc(&out, '%');
			strbuf_putc(&out, hex[*p >> 4]);
			strbuf_putc(&out, hex[*p & 15]);
		}
	}
	return strbuf_detach(&out);
}

/* The principal id in the cached /v1/me, or NULL when there is none. */
static char *cached_principal_id(struct sync *sync)
{
	char *json = NULL, *id = NULL;

	if (cache_get_me_json(sync->cache, &json) != CACHE_FOUND)
		return NULL;
	json_t *me = json_loads(json, 0, NULL);
	const char *value = json_string_value(json_object_get(me, "id"));
	if (value)
		id = xstrdup(value);
	json_decref(me);
	free(json);
	return id;
}

/*
 * Find out whether the cache belongs to someone else: another broker now at
 * the URL, or another principal signed in with this cache file. Either way
 * the cached objects are not this session's to show, and the queued actions
 * must never be sent: their ids name another broker's objects, or they were
 * meant to be done as another person. Returns the number of queued actions
 * marked failed, or -1 on a cache error.
 */
static int64_t check_cache_owner(struct sync *sync, const char *broker_id, const char *principal,
				 enum cache_owner_change *change)
{
	char *cached_broker = NULL, *cached_principal = cached_principal_id(sync);
	enum cache_result found = cache_get_broker_id(sync->cache, &cached_broker);
	int64_t unsent = 0;

	*change = CACHE_OWNER_SAME;
	if (found == CACHE_FOUND && strcmp(cached_broker, broker_id) != 0)
		*change = CACHE_OWNER_OTHER_BROKER;
	else if (cached_principal && strcmp(cached_principal, principal) != 0)
		*change = CACHE_OWNER_OTHER_PRINCIPAL;
	free(cached_broker);
	free(cached_principal);
	if (found == CACHE_ERROR)
		return -1;
	if (*change != CACHE_OWNER_SAME) {
		unsent = cache_clear_objects(sync->cache);
		if (unsent > 0)
			unsent = cache_outbox_fail_unsent(sync->cache, *change == CACHE_OWNER_OTHER_BROKER ?
				"not sent: queued for another broker that answered at this URL before" :
				"not sent: queued by another principal who used this cache before");
		if (unsent < 0)
			return -1;
		sync->changed |= SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS | SYNC_CHANGED_AUDIT;
	}
	if (found != CACHE_FOUND || *change == CACHE_OWNER_OTHER_BROKER) {
		if (!cache_set_broker_id(sync->cache, broker_id))
			return -1;
	}
	return unsent;
}

/* Decode /v1/me into *me and its broker_id; false with err naming the field. */
static bool decode_me(const struct http_response *response, struct principal *me,
		      const char **broker_id, char *err, size_t errlen)
{
	char decode_error[256];

	*broker_id = json_string_value(json_object_get(response->json, "broker_id"));
	if (!principal_from_json(response->json, me, decode_error, sizeof decode_error)) {
		snprintf(err, errlen, "invalid /v1/me response: %s", decode_error);
		return false;
	}
	if (!*broker_id || !**broker_id) {
		snprintf(err, errlen, "invalid /v1/me response: field \"broker_id\": expected a "
			 "non-empty string");
		principal_free(me);
		return false;
	}
	return true;
}

static void report_online(struct sync *sync, enum cache_owner_change change, int64_t unsent)
{
	const char *url = http_client_base_url(sync->http);
	const char *who = change == CACHE_OWNER_OTHER_BROKER ? "another broker is now at" :
			  "another principal used the cache of";
	struct strbuf detail = STRBUF_INIT;

	sync->broker_changed = change != CACHE_OWNER_SAME;
	if (change == CACHE_OWNER_SAME)
		strbuf_printf(&detail, "connected to %s as %s", url, sync->me.id);
	else if (unsent > 0)
		strbuf_printf(&detail, "%s %s, so the cache was cleared; %lld queued action%s %s "
			      "not sent", who, url, (long long)unsent, unsent == 1 ? "" : "s",
			      unsent == 1 ? "was" : "were");
	else
		strbuf_printf(&detail, "%s %s, so the cache was cleared", who, url);
	free(sync->online_detail);
	sync->online_detail = strbuf_detach(&detail);
	sync->skipped = 0;
	xfree_str(&sync->skipped_reason);
	sync_report_online(sync);
}

void sync_report_online(struct sync *sync)
{
	const char *base = sync->online_detail ? sync->online_detail : "";

	if (sync->skipped == 0)
		sync_set_state(sync, SYNC_ONLINE, "%s", base);
	else
		sync_set_state(sync, SYNC_ONLINE, "%s; skipped %lld object%s the broker sent "
			       "malformed (last: %s)", base, (long long)sync->skipped,
			       sync->skipped == 1 ? "" : "s", sync->skipped_reason);
}

void sync_count_skipped(struct sync *sync, const char *reason)
{
	sync->skipped++;
	free(sync->skipped_reason);
	sync->skipped_reason = xstrdup(reason);
}

/* Store what /v1/me returned; false with err when the response or the cache fails. */
static bool store_me(struct sync *sync, const struct http_response *response, char *err,
		     size_t errlen)
{
	struct principal me;
	const char *broker_id;
	enum cache_owner_change change;
	int64_t unsent;

	if (!decode_me(response, &me, &broker_id, err, errlen))
		return false;
	unsent = check_cache_owner(sync, broker_id, me.id, &change);
	if (unsent < 0 || !cache_set_me_json(sync->cache, response->body) ||
	    !cache_set_synced_at(sync->cache, time_now())) {
		snprintf(err, errlen, "the cache could not be written: %s",
			 cache_last_error(sync->cache));
		principal_free(&me);
		return false;
	}
	if (sync->have_me)
		principal_free(&sync->me);
	sync->me = me;
	sync->have_me = true;
	sync->changed |= SYNC_CHANGED_ME;
	if (change != CACHE_OWNER_SAME) {
		/* A page in flight belongs to the other owner, and the cleared cache starts the history over. */
		sync_history_cancel(sync);
		sync->resync_needed = true;
	}
	report_online(sync, change, unsent);
	return true;
}

static void on_me(void *ctx, const struct http_response *response)
{
	struct sync *sync = ctx;
	char error[512];
	int64_t last_seq = 0;

	sync->call = NULL;
	if (response->error) {
		sync_fail(sync, response, "GET /v1/me", NULL);
	} else if (!store_me(sync, response, error, sizeof error)) {
		sync_fail(sync, response, "GET /v1/me", error);
	} else if (!cache_get_last_seq(sync->cache, &last_seq)) {
		snprintf(error, sizeof error, "the cache could not be read: %s",
			 cache_last_error(sync->cache));
		sync_fail(sync, NULL, "reading the feed position", error);
	} else if (sync->resync_needed || last_seq <= 0) {
		sync_resync_start(sync);
	} else {
		sync_feed_start(sync);
	}
	sync_notify(sync);
}

static void send_me(struct sync *sync)
{
	sync->phase = SYNC_PHASE_ME;
	sync->call = http_client_send(sync->http, "GET", "/v1/me", NULL, NULL, on_me, sync);
	if (!sync->call)
		sync_fail(sync, NULL, "GET /v1/me", "the request could not be started");
}

void sync_start(struct sync *sync)
{
	cancel_call(sync);
	sync->retry_at_ms = 0;
	if (sync->state != SYNC_ONLINE)
		sync_set_state(sync, SYNC_CONNECTING, "connecting to %s",
			       http_client_base_url(sync->http));
	send_me(sync);
	sync_notify(sync);
}

void sync_refresh(struct sync *sync)
{
	backoff_reset(&sync->backoff);
	backoff_reset(&sync->stall_backoff);
	backoff_reset(&sync->history_backoff);
	sync->history_retry_at_ms = 0;
	sync->resync_needed = true;
	sync_start(sync);
}

/*
 * Put one event into the cache when it is after the position the feed call
 * sent. Sets err unless the result is APPLY_STORED, which also covers an
 * event that is skipped on purpose: one the console has already applied, or
 * one about an object kind it does not know (from a newer broker).
 */
static enum apply_result apply_event(struct sync *sync, const json_t *event, size_t index,
				     char *err, size_t errlen)
{
	json_t *seq = json_object_get(event, "seq");
	json_t *data = json_object_get(event, "data");
	int kind;
	enum apply_result result;

	if (!json_is_object(event)) {
		snprintf(err, errlen, "event %zu: expected an object", index);
		return APPLY_INVALID;
	}
	if (!json_is_integer(seq) || json_integer_value(seq) <= 0) {
		snprintf(err, errlen, "event %zu: field \"seq\": expected a positive integer", index);
		return APPLY_INVALID;
	}
	/* A broker that sends old events again must not undo newer ones. */
	if (json_integer_value(seq) <= sync->feed_after)
		return APPLY_STORED;
	kind = apply_object_kind(json_string_value(json_object_get(event, "object")));
	if (kind < 0)
		return APPLY_STORED;
	if (!json_is_object(data)) {
		snprintf(err, errlen, "event %lld: field \"data\": expected an object",
			 (long long)json_integer_value(seq));
		return APPLY_INVALID;
	}
	result = apply_object(sync->cache, (enum cache_object_kind)kind, data, err, errlen);
	if (result == APPLY_STORED)
		sync->changed |= kind == CACHE_REQUESTS ? SYNC_CHANGED_REQUESTS : SYNC_CHANGED_GRANTS;
	return result;
}

/*
 * Put the events of one feed response into the cache, skipping those that
 * do not decode. Returns false with err only when the cache fails.
 */
static bool apply_events(struct sync *sync, const json_t *events, int64_t *skipped, char *err,
			 size_t errlen)
{
	char reason[512];
	size_t i;
	json_t *event;

	json_array_foreach(events, i, event) {
		enum apply_result result = apply_event(sync, event, i, reason, sizeof reason);
		if (result == APPLY_CACHE_ERROR) {
			snprintf(err, errlen, "%s", reason);
			return false;
		}
		if (result == APPLY_INVALID) {
			sync_count_skipped(sync, reason);
			(*skipped)++;
		}
	}
	return true;
}

/*
 * Apply one feed response in one transaction, and set *position to the new
 * feed position, which never moves back from the after that was sent.
 * Returns false with err when nothing was applied. *skipped counts the
 * events that were left out because they did not decode.
 */
static bool store_feed_page(struct sync *sync, const json_t *body, int64_t *position,
			    int64_t *skipped, char *err, size_t errlen)
{
	json_t *events = json_object_get(body, "events");
	unsigned changed_before = sync->changed;
	int64_t last_seq;

	if (!json_is_array(events)) {
		snprintf(err, errlen, "field \"events\": expected an array");
		return false;
	}
	if (!apply_read_seq(body, "last_seq", &last_seq, err, errlen))
		return false;
	*position = last_seq > sync->feed_after ? last_seq : sync->feed_after;
	if (!cache_begin(sync->cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(sync->cache));
		return false;
	}
	if (!apply_events(sync, events, skipped, err, errlen)) {
		cache_rollback(sync->cache);
		sync->changed = changed_before;
		return false;
	}
	if (!cache_set_last_seq(sync->cache, *position) ||
	    !cache_set_synced_at(sync->cache, time_now()) || !cache_commit(sync->cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(sync->cache));
		cache_rollback(sync->cache);
		sync->changed = changed_before;
		return false;
	}
	return true;
}

/*
 * Start the next feed call, or first wait when the broker responded sooner
 * than FEED_MIN_EMPTY_INTERVAL_MS with nothing new. A broker that ignores
 * wait, or sends the same events again, would otherwise have the console
 * call it as fast as the network allows.
 */
static void continue_feed(struct sync *sync, const struct http_response *response,
			  int64_t position, size_t count)
{
	bool early = response->duration_ms < FEED_MIN_EMPTY_INTERVAL_MS;

	if (early && position == sync->feed_after) {
		/* The pause grows while the feed stays where it is. */
		schedule(sync, SYNC_PHASE_FEED, backoff_next_delay_ms(&sync->stall_backoff));
		return;
	}
	backoff_reset(&sync->stall_backoff);
	if (early && count == 0)
		schedule(sync, SYNC_PHASE_FEED, FEED_MIN_EMPTY_INTERVAL_MS);
	else
		sync_feed_start(sync);
}

static void on_feed(void *ctx, const struct http_response *response)
{
	struct sync *sync = ctx;
	char error[512];
	int64_t position = 0, skipped = 0;

	sync->call = NULL;
	if (response->status == 410 && sync->feed_unconfirmed) {
		/* A broker that rejects the position its own listings gave would make us loop. */
		sync->resync_needed = true;
		sync_fail(sync, response, "GET /v1/events", NULL);
	} else if (response->status == 410) {
		/* The broker no longer has every event after our position: list everything again. */
		sync->resync_needed = true;
		sync_resync_start(sync);
	} else if (response->error) {
		sync_fail(sync, response, "GET /v1/events", NULL);
	} else if (!store_feed_page(sync, response->json, &position, &skipped, error,
				    sizeof error)) {
		sync_fail(sync, response, "GET /v1/events", error);
	} else {
		backoff_reset(&sync->backoff);
		sync->feed_unconfirmed = false;
		if (skipped > 0)
			sync_report_online(sync);
		continue_feed(sync, response, position,
			      json_array_size(json_object_get(response->json, "events")));
	}
	sync_notify(sync);
}

void sync_feed_start(struct sync *sync)
{
	struct http_request_options options = {
		.timeout_ms = SYNC_FEED_WAIT_SECONDS * 1000 + FEED_TIMEOUT_MARGIN_MS,
	};
	char path[96];
	int64_t last_seq;

	if (!cache_get_last_seq(sync->cache, &last_seq)) {
		snprintf(path, sizeof path, "the cache could not be read");
		sync_fail(sync, NULL, "reading the feed position", path);
		return;
	}
	/* Decided requests load from the first feed call on, so never before the listings. */
	sync_history_continue(sync);
	snprintf(path, sizeof path, "/v1/events?after=%lld&wait=%d", (long long)last_seq,
		 SYNC_FEED_WAIT_SECONDS);
	sync->feed_after = last_seq;
	sync->phase = SYNC_PHASE_FEED;
	sync->call = http_client_send(sync->http, "GET", path, NULL, &options, on_feed, sync);
	if (!sync->call)
		sync_fail(sync, NULL, "GET /v1/events", "the request could not be started");
}

int sync_next_timeout_ms(const struct sync *sync, int64_t now_ms)
{
	int64_t remaining;

	if (sync->phase != SYNC_PHASE_WAITING || sync->retry_at_ms == 0)
		return -1;
	remaining = sync->retry_at_ms - now_ms;
	if (remaining <= 0)
		return 0;
	return remaining > INT_MAX ? INT_MAX : (int)remaining;
}

void sync_tick(struct sync *sync, int64_t now_ms)
{
	if (sync->phase != SYNC_PHASE_WAITING || sync->retry_at_ms == 0 ||
	    now_ms < sync->retry_at_ms)
		return;
	sync->retry_at_ms = 0;
	if (sync->retry_phase == SYNC_PHASE_FEED)
		sync_feed_start(sync);
	else
		send_me(sync);
	sync_notify(sync);
}

bool sync_broker_changed(const struct sync *sync)
{
	return sync->broker_changed;
}

enum sync_state sync_get_state(const struct sync *sync)
{
	return sync->state;
}

const char *sync_get_detail(const struct sync *sync)
{
	return sync->detail;
}

int64_t sync_skipped_objects(const struct sync *sync)
{
	return sync->skipped;
}

const struct principal *sync_principal(const struct sync *sync)
{
	return sync->have_me ? &sync->me : NULL;
}
