/* Loading single objects and audit trails into the cache, beside the main chain. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/apply.h"
#include "client/cursor_history.h"
#include "client/sync_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"

/*
 * The page size of an audit trail, and the maximum number of its pages. A
 * trail contains an object's creation, its approvals and how it ended, so
 * 50,000 entries is far beyond a real one. The cap keeps a faulty broker
 * from filling the cache and memory without end.
 */
#define AUDIT_PAGE_SIZE 500
#define AUDIT_MAX_PAGES 100

enum fetch_type {
	FETCH_AUDIT,
	FETCH_OBJECT,
};

struct sync_fetch {
	struct sync *sync;
	struct sync_fetch *prev;
	struct sync_fetch *next;
	struct http_request *call;
	enum fetch_type type;
	enum cache_object_kind kind;
	int64_t id;
	char *cursor;               /* the audit page in flight, NULL for the first */
	struct cursor_history cursors; /* every cursor of this audit trail */
	int64_t skipped;            /* audit entries left out because they did not decode */
	char *skipped_reason;       /* why the last of them did not decode */
};

static const char *const kind_names[] = {
	[CACHE_REQUESTS] = "request",
	[CACHE_GRANTS] = "grant",
};

static void on_fetch(void *ctx, const struct http_response *response);

static void fetch_free(struct sync_fetch *fetch)
{
	struct sync *sync = fetch->sync;

	if (fetch->prev)
		fetch->prev->next = fetch->next;
	else
		sync->fetches = fetch->next;
	if (fetch->next)
		fetch->next->prev = fetch->prev;
	free(fetch->cursor);
	cursor_history_free(&fetch->cursors);
	free(fetch->skipped_reason);
	free(fetch);
}

void sync_fetches_cancel(struct sync *sync)
{
	while (sync->fetches) {
		http_client_cancel(sync->http, sync->fetches->call);
		fetch_free(sync->fetches);
	}
}

static bool fetch_send(struct sync_fetch *fetch)
{
	struct strbuf path = STRBUF_INIT;
	const char *kind = kind_names[fetch->kind];

	if (fetch->type == FETCH_OBJECT) {
		strbuf_printf(&path, "/v1/%ss/%lld", kind, (long long)fetch->id);
	} else {
		strbuf_printf(&path, "/v1/audit?object=%s&object_id=%lld&limit=%d", kind,
			      (long long)fetch->id, AUDIT_PAGE_SIZE);
		if (fetch->cursor) {
			char *escaped = sync_query_escape(fetch->cursor);
			strbuf_printf(&path, "&cursor=%s", escaped);
			free(escaped);
		}
	}
	fetch->call = http_client_send(fetch->sync->http, "GET", strbuf_str(&path), NULL, NULL,
				       on_fetch, fetch);
	strbuf_free(&path);
	return fetch->call != NULL;
}

static bool fetch_start(struct sync *sync, enum fetch_type type, const char *kind_name, int64_t id)
{
	int kind = apply_object_kind(kind_name);
	struct sync_fetch *fetch;

	if (kind < 0 || id < 1)
		return false;
	fetch = xcalloc(1, sizeof *fetch);
	fetch->sync = sync;
	fetch->type = type;
	fetch->kind = (enum cache_object_kind)kind;
	fetch->id = id;
	/* Every page but the first comes from a cursor. */
	cursor_history_init(&fetch->cursors, AUDIT_MAX_PAGES - 1);
	fetch->next = sync->fetches;
	if (sync->fetches)
		sync->fetches->prev = fetch;
	sync->fetches = fetch;
	if (fetch_send(fetch))
		return true;
	fetch_free(fetch);
	return false;
}

bool sync_fetch_audit(struct sync *sync, const char *kind, int64_t id)
{
	return fetch_start(sync, FETCH_AUDIT, kind, id);
}

bool sync_fetch_object(struct sync *sync, const char *kind, int64_t id)
{
	return fetch_start(sync, FETCH_OBJECT, kind, id);
}

/* Read next_cursor of an audit page: a new string, or NULL on the last page; false with err. */
static bool read_audit_cursor(struct sync_fetch *fetch, const json_t *body, char **cursor,
			      char *err, size_t errlen)
{
	json_t *next = json_object_get(body, "next_cursor");

	*cursor = NULL;
	if (!next || json_is_null(next))
		return true;
	if (!json_is_string(next) || json_string_length(next) == 0) {
		snprintf(err, errlen, "field \"next_cursor\": expected a string or null");
		return false;
	}
	switch (cursor_history_add(&fetch->cursors, json_string_value(next),
				   json_string_length(next))) {
	case CURSOR_NEW:
		break;
	case CURSOR_REPEATED:
		snprintf(err, errlen, "the broker repeated a page cursor; stopping the listing");
		return false;
	case CURSOR_TOO_MANY:
		snprintf(err, errlen, "the broker sent more than %d pages of %d entries; stopping the "
			 "listing", AUDIT_MAX_PAGES, AUDIT_PAGE_SIZE);
		return false;
	}
	*cursor = xstrdup(json_string_value(next));
	return true;
}

/* Put the entries of an audit page into the cache, skipping those that do not decode; false on a cache error. */
static bool put_audit_entries(struct sync_fetch *fetch, const json_t *items, char *err,
			      size_t errlen)
{
	char reason[512];
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item) {
		enum apply_result result = apply_audit_entry(fetch->sync->cache, item, reason,
							     sizeof reason);
		if (result == APPLY_CACHE_ERROR) {
			snprintf(err, errlen, "%s", reason);
			return false;
		}
		if (result == APPLY_INVALID) {
			fetch->skipped++;
			free(fetch->skipped_reason);
			fetch->skipped_reason = xstrdup(reason);
		}
	}
	return true;
}

/*
 * Put one audit page into the cache; false with err. *more is set when a
 * next page exists. The entries are stored before the cursor is checked, so
 * that the pages up to the cap are kept.
 */
static bool store_audit_page(struct sync_fetch *fetch, const json_t *body, bool *more, char *err,
			     size_t errlen)
{
	struct cache *cache = fetch->sync->cache;
	json_t *items = json_object_get(body, "items");
	char *cursor = NULL;

	*more = false;
	if (!json_is_array(items)) {
		snprintf(err, errlen, "field \"items\": expected an array");
		return false;
	}
	if (!cache_begin(cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(cache));
		return false;
	}
	if (!put_audit_entries(fetch, items, err, errlen)) {
		cache_rollback(cache);
		return false;
	}
	if (!cache_commit(cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(cache));
		cache_rollback(cache);
		return false;
	}
	fetch->sync->changed |= SYNC_CHANGED_AUDIT;
	if (!read_audit_cursor(fetch, body, &cursor, err, errlen))
		return false;
	if (cursor) {
		free(fetch->cursor);
		fetch->cursor = cursor;
		*more = true;
	}
	return true;
}

static bool store_object(struct sync_fetch *fetch, const json_t *body, char *err, size_t errlen)
{
	if (apply_object(fetch->sync->cache, fetch->kind, body, err, errlen) != APPLY_STORED)
		return false;
	fetch->sync->changed |= fetch->kind == CACHE_REQUESTS ? SYNC_CHANGED_REQUESTS
							    : SYNC_CHANGED_GRANTS;
	return true;
}

/* Store what a fetch call returned; false with a message in err. *more requests the next page. */
static bool store_fetched(struct sync_fetch *fetch, const struct http_response *response,
			  bool *more, char *err, size_t errlen)
{
	char reason[512] = "";
	bool ok;

	*more = false;
	if (response->error) {
		snprintf(reason, sizeof reason, "%s", response->error);
		ok = false;
	} else if (fetch->type == FETCH_AUDIT) {
		ok = store_audit_page(fetch, response->json, more, reason, sizeof reason);
	} else {
		ok = store_object(fetch, response->json, reason, sizeof reason);
	}
	if (!ok)
		snprintf(err, errlen, "%s %s %lld failed: %s",
			 fetch->type == FETCH_AUDIT ? "loading the audit trail of" : "reloading",
			 kind_names[fetch->kind], (long long)fetch->id, reason);
	return ok;
}

static void on_fetch(void *ctx, const struct http_response *response)
{
	struct sync_fetch *fetch = ctx;
	struct sync *sync = fetch->sync;
	char message[768];
	bool more;
	bool failed;

	fetch->call = NULL;
	failed = !store_fetched(fetch, response, &more, message, sizeof message);
	if (!failed && more && !fetch_send(fetch)) {
		snprintf(message, sizeof message, "loading the audit trail of %s %lld failed: the "
			 "request could not be started", kind_names[fetch->kind], (long long)fetch->id);
		failed = true;
		more = false;
	} else if (!failed && !more && fetch->skipped > 0) {
		/* The entries that decoded are shown, so report what is missing from them. */
		snprintf(message, sizeof message, "the audit trail of %s %lld is incomplete: skipped "
			 "%lld entr%s the broker sent malformed (last: %s)", kind_names[fetch->kind],
			 (long long)fetch->id, (long long)fetch->skipped,
			 fetch->skipped == 1 ? "y" : "ies", fetch->skipped_reason);
		failed = true;
	}
	if (!more)
		fetch_free(fetch);
	sync_notify(sync);
	if (failed && sync->callbacks.on_fetch_failed)
		sync->callbacks.on_fetch_failed(sync->ctx, message);
}
