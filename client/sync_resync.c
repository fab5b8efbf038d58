/*
 * Listing every pending request and active grant into the cache: at the
 * first start, after the broker no longer keeps the feed position, and on
 * the refresh key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/apply.h"
#include "client/json_spans.h"
#include "client/sync_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

struct listing {
	const char *path;           /* the first page, with its filter and the largest page size */
	const char *status;         /* the status the listing covers, for cache_resync_end */
	const char *what;           /* for messages */
	unsigned change;
};

#define STRINGIFY(x) #x
#define EXPAND_STRINGIFY(x) STRINGIFY(x)
#define PAGE_SIZE_TEXT EXPAND_STRINGIFY(SYNC_LIST_PAGE_SIZE)

static const struct listing listings[] = {
	[CACHE_REQUESTS] = { "/v1/requests?status=pending&limit=" PAGE_SIZE_TEXT, "pending",
			     "GET /v1/requests", SYNC_CHANGED_REQUESTS },
	[CACHE_GRANTS] = { "/v1/grants?status=active&limit=" PAGE_SIZE_TEXT, "active",
			   "GET /v1/grants", SYNC_CHANGED_GRANTS },
};

static void on_page(void *ctx, const struct http_response *response);

static void fail_cache(struct sync *sync, const char *what)
{
	char error[512];

	snprintf(error, sizeof error, "the cache could not be written: %s",
		 cache_last_error(sync->cache));
	sync_fail(sync, NULL, what, error);
}

/* Send one page of a listing; cursor is NULL for the first page, else taken over. */
static void send_page(struct sync *sync, enum cache_object_kind kind, char *cursor)
{
	struct strbuf path = STRBUF_INIT;

	sync->phase = SYNC_PHASE_LIST;
	sync->list_kind = kind;
	free(sync->list_cursor);
	sync->list_cursor = cursor;
	if (!cursor)
		cursor_history_clear(&sync->list_cursors);
	strbuf_puts(&path, listings[kind].path);
	if (cursor) {
		char *escaped = sync_query_escape(cursor);
		strbuf_printf(&path, "&cursor=%s", escaped);
		free(escaped);
	}
	sync->call = http_client_send(sync->http, "GET", strbuf_str(&path), NULL, NULL, on_page,
				      sync);
	strbuf_free(&path);
	if (!sync->call)
		sync_fail(sync, NULL, listings[kind].what, "the request could not be started");
}

void sync_resync_start(struct sync *sync)
{
	if (!cache_resync_begin(sync->cache, CACHE_REQUESTS) ||
	    !cache_resync_begin(sync->cache, CACHE_GRANTS)) {
		fail_cache(sync, "starting a resync");
		return;
	}
	sync->list_seq = -1;
	send_page(sync, CACHE_REQUESTS, NULL);
}

bool sync_read_next_cursor(struct cursor_history *cursors, int max_pages, const json_t *body,
			   char **cursor, char *err, size_t errlen)
{
	json_t *value = json_object_get(body, "next_cursor");

	*cursor = NULL;
	if (!value || json_is_null(value))
		return true;
	if (!json_is_string(value) || json_string_length(value) == 0) {
		snprintf(err, errlen, "field \"next_cursor\": expected a string or null");
		return false;
	}
	switch (cursor_history_add(cursors, json_string_value(value),
				   json_string_length(value))) {
	case CURSOR_NEW:
		break;
	case CURSOR_REPEATED:
		snprintf(err, errlen, "the broker repeated a page cursor; stopping the listing");
		return false;
	case CURSOR_TOO_MANY:
		snprintf(err, errlen, "the broker sent more than %d pages of %d; stopping the listing",
			 max_pages, SYNC_LIST_PAGE_SIZE);
		return false;
	}
	*cursor = xstrdup(json_string_value(value));
	return true;
}

bool sync_put_items(struct sync *sync, enum cache_object_kind kind, const json_t *items,
		    const struct http_response *response, int64_t *skipped, char *err, size_t errlen)
{
	char reason[512];
	struct json_span *spans;
	size_t i, span_count;
	json_t *item;
	bool as_sent = json_member_array_spans(response->body, response->body_length, "items",
					       &spans, &span_count) &&
		       span_count == json_array_size(items);

	json_array_foreach(items, i, item) {
		enum apply_result result = as_sent ?
			apply_object_as_sent(sync->cache, kind, item, response->body + spans[i].start,
					     spans[i].length, reason, sizeof reason) :
			apply_object(sync->cache, kind, item, reason, sizeof reason);
		if (result == APPLY_CACHE_ERROR) {
			snprintf(err, errlen, "%s", reason);
			free(spans);
			return false;
		}
		if (result == APPLY_INVALID) {
			sync_count_skipped(sync, reason);
			(*skipped)++;
		}
	}
	free(spans);
	return true;
}

/*
 * Put one page into the cache in one transaction; false with err when
 * nothing was put. *skipped counts the items left out because they did not
 * decode.
 */
static bool store_page(struct sync *sync, const struct http_response *response, char **cursor,
		       int64_t *skipped, char *err, size_t errlen)
{
	const json_t *body = response->json;
	json_t *items = json_object_get(body, "items");
	int64_t last_seq;

	if (!json_is_array(items)) {
		snprintf(err, errlen, "field \"items\": expected an array");
		return false;
	}
	if (!apply_read_seq(body, "last_seq", &last_seq, err, errlen) ||
	    !sync_read_next_cursor(&sync->list_cursors, SYNC_LIST_MAX_PAGES, body, cursor, err,
				   errlen))
		return false;
	if (!cache_begin(sync->cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(sync->cache));
		xfree_str(cursor);
		return false;
	}
	if (!sync_put_items(sync, sync->list_kind, items, response, skipped, err, errlen) ||
	    !cache_commit(sync->cache)) {
		if (!err[0])
			snprintf(err, errlen, "the cache could not be written: %s",
				 cache_last_error(sync->cache));
		cache_rollback(sync->cache);
		xfree_str(cursor);
		return false;
	}
	/*
	 * The feed continues from the older of the two first pages' positions,
	 * so no change made while the listings ran is missed. Replayed events
	 * are harmless: the cache keeps the newest version of each object.
	 */
	if (!sync->list_cursor && (sync->list_seq < 0 || last_seq < sync->list_seq))
		sync->list_seq = last_seq;
	sync->changed |= listings[sync->list_kind].change;
	return true;
}

/* Delete what the listings did not see and set the feed position, in one transaction. */
static bool finish_resync(struct sync *sync)
{
	bool ok = cache_begin(sync->cache) &&
		  cache_resync_end(sync->cache, CACHE_REQUESTS, listings[CACHE_REQUESTS].status) >= 0 &&
		  cache_resync_end(sync->cache, CACHE_GRANTS, listings[CACHE_GRANTS].status) >= 0 &&
		  cache_set_last_seq(sync->cache, sync->list_seq) &&
		  cache_set_synced_at(sync->cache, time_now()) && cache_commit(sync->cache);

	if (!ok)
		cache_rollback(sync->cache);
	return ok;
}

/* Send the next page, the next listing, or finish the resync and follow the feed. */
static void continue_listing(struct sync *sync, char *cursor)
{
	if (cursor) {
		send_page(sync, sync->list_kind, cursor);
	} else if (sync->list_kind == CACHE_REQUESTS) {
		send_page(sync, CACHE_GRANTS, NULL);
	} else if (!finish_resync(sync)) {
		fail_cache(sync, "finishing a resync");
	} else {
		xfree_str(&sync->list_cursor);
		sync->resync_needed = false;
		sync->feed_unconfirmed = true;
		sync->changed |= SYNC_CHANGED_REQUESTS | SYNC_CHANGED_GRANTS;
		sync_feed_start(sync);
	}
}

static void on_page(void *ctx, const struct http_response *response)
{
	struct sync *sync = ctx;
	char error[512] = "";
	char *cursor = NULL;
	int64_t skipped = 0;

	sync->call = NULL;
	if (response->error) {
		sync_fail(sync, response, listings[sync->list_kind].what, NULL);
	} else if (!store_page(sync, response, &cursor, &skipped, error, sizeof error)) {
		sync_fail(sync, response, listings[sync->list_kind].what, error);
	} else {
		if (skipped > 0)
			sync_report_online(sync);
		continue_listing(sync, cursor);
	}
	sync_notify(sync);
}
