/* Handler for /v1/events: the change feed, with long polling. */

#include <stdlib.h>
#include <string.h>

#include "broker/authz.h"
#include "broker/feed.h"
#include "broker/routes.h"
#include "common/timeutil.h"

#define WAIT_MAX_SECONDS 60
#define EVENTS_LIMIT_DEFAULT 500
#define EVENTS_LIMIT_MAX 1000

struct feed_page {
	struct feed_event *events;
	size_t count;
	int64_t oldest_seq;
	int64_t last_seq;
};

static enum store_status read_page(struct http_exchange *x, int64_t after, int limit,
				   struct feed_page *page)
{
	struct store *s = exchange_acquire_store(x);
	enum store_status status;

	if (!s)
		return STORE_BUSY;
	/*
	 * One read transaction, so that the bounds and the events come from the same
	 * snapshot: a write that prunes in between must not open a silent gap.
	 */
	status = store_begin_read(s);

	if (status == STORE_OK)
		status = store_list_events(s, after, limit, &page->events, &page->count,
					   &page->oldest_seq, &page->last_seq);
	store_rollback(s);
	store_pool_release(x->broker->pool, s);
	return status;
}

static void free_page(struct feed_page *page)
{
	for (size_t i = 0; i < page->count; i++)
		feed_event_free(&page->events[i]);
	free(page->events);
	memset(page, 0, sizeof *page);
}

/* Whether the caller may see the object an event carries. */
static bool event_visible(const struct principal *p, const struct feed_event *e)
{
	if (authz_sees_everything(p))
		return true;
	json_t *data = json_loads(e->data_json ? e->data_json : "", 0, NULL);
	const char *owner_field = strcmp(e->object_kind, "grant") == 0 ? "principal" : "requester";
	const char *owner = json_string_value(json_object_get(data, owner_field));
	bool visible = owner && strcmp(owner, p->id) == 0;

	json_decref(data);
	return visible;
}

/* Append the visible events of a page to list; returns how many were appended. */
static size_t append_visible(struct http_exchange *x, const struct feed_page *page, json_t *list)
{
	size_t appended = 0;

	for (size_t i = 0; i < page->count; i++) {
		if (!event_visible(&x->principal, &page->events[i]))
			continue;
		json_array_append_new(list, feed_event_to_json(&page->events[i]));
		appended++;
	}
	return appended;
}

static void respond_cursor_expired(struct http_exchange *x, int64_t after, const struct feed_page *page)
{
	struct outcome o;

	if (after > page->last_seq)
		outcome_set(&o, 410, "cursor_expired",
			    "after=%lld is beyond the newest event (%lld): list the objects again "
			    "and continue from last_seq", (long long)after, (long long)page->last_seq);
	else
		outcome_set(&o, 410, "cursor_expired",
			    "events after %lld are no longer kept (the feed holds %lld to %lld); "
			    "list the objects again and continue from last_seq",
			    (long long)after, (long long)page->oldest_seq, (long long)page->last_seq);
	exchange_respond_problem(x, &o);

	/* Add last_seq to the problem body so that the client knows where to resume. */
	json_t *body = json_loads(x->response_body, 0, NULL);
	json_object_set_new(body, "last_seq", json_integer(page->last_seq));
	exchange_respond_json(x, 410, body);
	x->problem = true;
}

/*
 * Append the visible events after *after to list, waiting until deadline_ms while
 * there are none, and move *after past them. False after setting a problem response.
 */
static bool collect_events(struct http_exchange *x, int64_t *after, int limit,
			   int64_t deadline_ms, json_t *list)
{
	struct feed_page page = { 0 };

	for (;;) {
		uint64_t generation = broker_generation(x->broker);
		enum store_status status = read_page(x, *after, limit, &page);
		if (status != STORE_OK) {
			struct outcome o;
			outcome_store_failure(&o, status, "reading the feed");
			exchange_respond_problem(x, &o);
			return false;
		}
		if (*after > page.last_seq || *after < page.oldest_seq - 1) {
			respond_cursor_expired(x, *after, &page);
			free_page(&page);
			return false;
		}
		size_t appended = append_visible(x, &page, list);
		if (page.count > 0)
			*after = page.events[page.count - 1].seq;
		bool page_full = page.count == (size_t)limit;
		free_page(&page);
		if (appended > 0 || page_full || time_now_ms() >= deadline_ms)
			return true;
		if (!broker_wait_change(x->broker, generation, deadline_ms))
			return true; /* shutting down: answer with what there is */
	}
}

void api_events(struct http_exchange *x)
{
	static const char *const allowed[] = { "after", "wait", "limit", NULL };
	int64_t after, wait, limit;
	bool long_poll, collected;
	json_t *list;

	if (!exchange_check_query(x, allowed) ||
	    !exchange_query_int(x, "after", 0, INT64_MAX, 0, &after) ||
	    !exchange_query_int(x, "wait", 0, WAIT_MAX_SECONDS, 0, &wait) ||
	    !exchange_query_int(x, "limit", 1, EVENTS_LIMIT_MAX, EVENTS_LIMIT_DEFAULT, &limit))
		return;
	/* Past --max-long-polls open ones, a principal's call returns at once, as with wait=0. */
	long_poll = wait > 0 && long_polls_enter(x->broker->long_polls, x->principal.id);
	if (!long_poll)
		wait = 0;
	list = json_array();
	collected = collect_events(x, &after, (int)limit, time_now_ms() + wait * 1000, list);
	if (long_poll)
		long_polls_leave(x->broker->long_polls, x->principal.id);
	if (collected)
		exchange_respond_json(x, 200, json_pack("{s:o, s:I}", "events", list, "last_seq",
							(json_int_t)after));
	else
		json_decref(list);
}
