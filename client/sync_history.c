/*
 * Loading the broker's decided requests into the cache once, beside the
 * feed, so that the policy pane simulates a draft against the broker's
 * history and not only against what this console happened to see. It
 * starts with the first feed call, so after the listings of a cold sync,
 * and requests one page at a time. Once every status is done, the feed's
 * request events keep the history current and the fetch never runs again
 * for this cache. A fetch cut short (the broker dropped, the console quit)
 * resumes on the next feed call after its retry delay, from the cursor
 * stored with its last page.
 *
 * NOTE: a resync after the broker dropped the feed position (HTTP 410) lists
 * only pending requests, so requests decided during that gap stay missing.
 */

#include <stdio.h>
#include <stdlib.h>

#include "client/sync_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

/* One more page than the cap needs, for a last page that the broker fills exactly. */
#define HISTORY_MAX_PAGES (SYNC_HISTORY_MAX_PER_STATUS / SYNC_LIST_PAGE_SIZE + 1)

/* The statuses the simulation replays: it counts canceled and expired requests as undecided. */
static const char *const history_statuses[] = { "approved", "denied" };
#define HISTORY_STATUS_COUNT (sizeof history_statuses / sizeof history_statuses[0])

static void on_history_page(void *ctx, const struct http_response *response);

void sync_history_init(struct sync *sync)
{
	backoff_init(&sync->history_backoff, SYNC_RETRY_FIRST_MS, SYNC_RETRY_MAX_MS);
	/* Every page but the first comes from a cursor. */
	cursor_history_init(&sync->history_cursors, HISTORY_MAX_PAGES - 1);
}

void sync_history_free(struct sync *sync)
{
	sync_history_cancel(sync);
	cursor_history_free(&sync->history_cursors);
	free(sync->history_error);
}

void sync_history_cancel(struct sync *sync)
{
	if (sync->history_call)
		http_client_cancel(sync->http, sync->history_call);
	sync->history_call = NULL;
	sync->history_status = NULL;
	sync->history_done = false;
}

/*
 * Find the first status whose fetch is not done and read its progress.
 * Returns NULL when every status is done, or with *failed on a cache error.
 */
static const char *next_status(struct sync *sync, struct cache_history_progress *progress,
			       bool *failed)
{
	*failed = false;
	for (size_t i = 0; i < HISTORY_STATUS_COUNT; i++) {
		enum cache_result found = cache_get_history_progress(sync->cache, history_statuses[i],
								     progress);
		if (found == CACHE_ERROR) {
			*failed = true;
			return NULL;
		}
		if (!progress->done)
			return history_statuses[i];
		cache_history_progress_free(progress);
	}
	return NULL;
}

static bool send_history_page(struct sync *sync, const char *status, const char *cursor)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_printf(&path, "/v1/requests?status=%s&limit=%d", status, SYNC_LIST_PAGE_SIZE);
	if (cursor) {
		char *escaped = sync_query_escape(cursor);
		strbuf_printf(&path, "&cursor=%s", escaped);
		free(escaped);
	}
	sync->history_status = status;
	sync->history_call = http_client_send(sync->http, "GET", strbuf_str(&path), NULL, NULL,
					      on_history_page, sync);
	strbuf_free(&path);
	return sync->history_call != NULL;
}

/*
 * Wait before the next page, and report a failure that the main chain does
 * not: the connection's own failures show in its state already. A broker
 * that rejects the request (a 4xx other than 401 and 429, such as a cursor
 * it no longer accepts) gets that status's fetch started over.
 */
static void history_fail(struct sync *sync, const struct http_response *response,
			 const char *message)
{
	long status = response ? response->status : 0;
	int64_t retry_after = response ? response->retry_after_seconds : -1;
	int64_t delay_ms = backoff_delay_after_ms(&sync->history_backoff, retry_after);
	char text[768];

	sync->history_retry_at_ms = time_monotonic_ms() + delay_ms;
	if (status >= 400 && status < 500 && status != 401 && status != 429 && sync->history_status)
		cache_forget_history_progress(sync->cache, sync->history_status);
	if (!message && response && (response->connect_failed || status >= 500 || status == 401))
		return;
	snprintf(text, sizeof text, "loading the broker's %s requests failed: %s; retrying in "
		 "%lld s", sync->history_status ? sync->history_status : "decided",
		 message ? message : response->error, (long long)((delay_ms + 999) / 1000));
	free(sync->history_error);
	sync->history_error = xstrdup(text);
}

void sync_history_continue(struct sync *sync)
{
	struct cache_history_progress progress;
	const char *status;
	bool failed;
	char error[512];

	if (sync->history_call || sync->history_done ||
	    time_monotonic_ms() < sync->history_retry_at_ms)
		return;
	status = next_status(sync, &progress, &failed);
	if (failed) {
		snprintf(error, sizeof error, "the cache could not be read: %s",
			 cache_last_error(sync->cache));
		history_fail(sync, NULL, error);
		return;
	}
	if (!status) {
		sync->history_done = true;
		return;
	}
	/* Repeated cursors are caught within one run of a status; a resumed run starts afresh. */
	if (status != sync->history_status || !progress.cursor)
		cursor_history_clear(&sync->history_cursors);
	if (!send_history_page(sync, status, progress.cursor))
		history_fail(sync, NULL, "the request could not be started");
	cache_history_progress_free(&progress);
}

/*
 * Put one page and the status's new progress into the cache in one
 * transaction; false with err when nothing was put. *finished is set when
 * the status is done.
 */
static bool store_history_page(struct sync *sync, const struct http_response *response,
			       int64_t *skipped, bool *finished, char *err, size_t errlen)
{
	json_t *items = json_object_get(response->json, "items");
	struct cache_history_progress progress;
	char *cursor = NULL;
	bool ok;

	if (!json_is_array(items)) {
		snprintf(err, errlen, "field \"items\": expected an array");
		return false;
	}
	if (!sync_read_next_cursor(&sync->history_cursors, HISTORY_MAX_PAGES, response->json,
				   &cursor, err, errlen))
		return false;
	if (cache_get_history_progress(sync->cache, sync->history_status, &progress) == CACHE_ERROR ||
	    !cache_begin(sync->cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(sync->cache));
		cache_history_progress_free(&progress);
		free(cursor);
		return false;
	}
	free(progress.cursor);
	progress.cursor = cursor;
	progress.fetched += (int64_t)json_array_size(items);
	progress.done = !cursor || progress.fetched >= SYNC_HISTORY_MAX_PER_STATUS;
	if (progress.done)
		xfree_str(&progress.cursor);
	ok = sync_put_items(sync, CACHE_REQUESTS, items, response, skipped, err, errlen) &&
	     cache_set_history_progress(sync->cache, sync->history_status, &progress) &&
	     cache_commit(sync->cache);
	if (!ok) {
		if (!err[0])
			snprintf(err, errlen, "the cache could not be written: %s",
				 cache_last_error(sync->cache));
		cache_rollback(sync->cache);
	}
	*finished = progress.done;
	cache_history_progress_free(&progress);
	return ok;
}

static void on_history_page(void *ctx, const struct http_response *response)
{
	struct sync *sync = ctx;
	char error[512] = "";
	int64_t skipped = 0;
	bool finished = false;

	sync->history_call = NULL;
	if (response->error) {
		history_fail(sync, response, NULL);
	} else if (!store_history_page(sync, response, &skipped, &finished, error, sizeof error)) {
		history_fail(sync, response, error);
	} else {
		backoff_reset(&sync->history_backoff);
		/* Views reload once a status is in, not on each of its pages. */
		if (finished)
			sync->changed |= SYNC_CHANGED_REQUESTS;
		if (skipped > 0 && sync->state == SYNC_ONLINE)
			sync_report_online(sync);
		sync_history_continue(sync);
	}
	sync_notify(sync);
}

bool sync_history_complete(struct sync *sync)
{
	struct cache_history_progress progress;
	bool failed;

	if (sync->history_done)
		return true;
	if (next_status(sync, &progress, &failed)) {
		cache_history_progress_free(&progress);
		return false;
	}
	return !failed;
}
