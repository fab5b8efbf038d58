/* Loading single objects and audit trails into the cache, beside the main chain. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/apply.h"
#include "client/sync_internal.h"
#include "common/alloc.h"
#include "common/strbuf.h"

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
		strbuf_printf(&path, "/v1/audit?object=%s&object_id=%lld&limit=500", kind,
			      (long long)fetch->id);
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

/* Put one audit page into the cache; false with err. *more is set when a next page exists. */
static bool store_audit_page(struct sync_fetch *fetch, const json_t *body, bool *more, char *err,
			     size_t errlen)
{
	struct cache *cache = fetch->sync->cache;
	json_t *items = json_object_get(body, "items");
	json_t *next = json_object_get(body, "next_cursor");
	size_t i;
	json_t *item;
	bool ok = true;

	*more = false;
	if (!json_is_array(items)) {
		snprintf(err, errlen, "field \"items\": expected an array");
		return false;
	}
	if (next && !json_is_null(next) && (!json_is_string(next) ||
	    (fetch->cursor && strcmp(fetch->cursor, json_string_value(next)) == 0))) {
		snprintf(err, errlen, "field \"next_cursor\": expected a new cursor or null");
		return false;
	}
	if (!cache_begin(cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(cache));
		return false;
	}
	json_array_foreach(items, i, item) {
		ok = apply_audit_entry(cache, item, err, errlen);
		if (!ok)
			break;
	}
	if (ok && !cache_commit(cache)) {
		snprintf(err, errlen, "the cache could not be written: %s", cache_last_error(cache));
		ok = false;
	}
	if (!ok) {
		cache_rollback(cache);
		return false;
	}
	if (json_is_string(next)) {
		free(fetch->cursor);
		fetch->cursor = xstrdup(json_string_value(next));
		*more = true;
	}
	fetch->sync->changed |= SYNC_CHANGED_AUDIT;
	return true;
}

static bool store_object(struct sync_fetch *fetch, const json_t *body, char *err, size_t errlen)
{
	if (!apply_object(fetch->sync->cache, fetch->kind, body, err, errlen))
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
	bool ok;

	fetch->call = NULL;
	ok = store_fetched(fetch, response, &more, message, sizeof message);
	if (ok && more && !fetch_send(fetch)) {
		snprintf(message, sizeof message, "loading the audit trail of %s %lld failed: the "
			 "request could not be started", kind_names[fetch->kind], (long long)fetch->id);
		ok = false;
		more = false;
	}
	if (!more)
		fetch_free(fetch);
	sync_notify(sync);
	if (!ok && sync->callbacks.on_fetch_failed)
		sync->callbacks.on_fetch_failed(sync->ctx, message);
}
