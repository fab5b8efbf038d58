/*
 * Serving listing pages through the page cache.
 *
 * The rule: a page is cached under its key (query and scope) together with the
 * feed position last_seq of the snapshot it was read from, and served only to a
 * caller that reads the same last_seq. That is safe because every transaction that
 * changes a request, an approval or a grant also appends a feed event. This holds
 * whichever process commits: the API's writes, the reaper's expiries, the demo's
 * seed and trickle, and a second gatehoused on the same file all append events.
 * The feed's own contract needs it too (docs/API.md: a client that follows
 * /v1/events from a page's last_seq misses no change). last_seq comes from
 * sqlite_sequence, which only grows, so pruning events does not move it back.
 * The gatehoused CLI changes principals, tokens and routes, which no listing
 * shows. A caller's scope is computed from the principal on every call and is
 * part of the key.
 *
 * NOTE: a change written without an event (an operator's sqlite3 session, or an
 * older copy of the database restored under a running broker) is not seen until
 * the next event, as the feed's followers do not see it either.
 */

#include "broker/list_pages.h"

#include <stdlib.h>
#include <string.h>

#include "broker/page_cache.h"

void list_pages_key_text(struct strbuf *key, const char *text)
{
	if (!text)
		strbuf_putc(key, '-');
	else
		strbuf_printf(key, "%zu:%s", strlen(text), text);
}

static void respond_store_failure(struct http_exchange *x, enum store_status status,
				  const char *operation)
{
	struct outcome o;

	outcome_store_failure(&o, status, operation);
	exchange_respond_problem(x, &o);
}

/*
 * Load the page in one read transaction, so that last_seq is the feed position of
 * exactly the rows on it. last_seq may be newer than the position the caller
 * looked up in the cache: the page is then cached under the newer one.
 */
static enum store_status load_page(struct http_exchange *x, list_pages_loader load,
				   const void *query, int64_t *last_seq, char **body)
{
	enum store_status status = store_begin_read(x->store);

	*body = NULL;
	if (status == STORE_OK)
		status = store_feed_position(x->store, last_seq);
	if (status == STORE_OK)
		status = load(x->store, query, *last_seq, body);
	store_rollback(x->store);
	if (status != STORE_OK) {
		free(*body);
		*body = NULL;
	}
	return status;
}

void list_pages_respond(struct http_exchange *x, const char *key, list_pages_loader load,
			const void *query, const char *operation)
{
	struct page_cache *cache = x->broker->pages;
	int64_t last_seq = 0;
	char *body = NULL;
	/* One statement is its own snapshot, so a hit needs no transaction of its own. */
	enum store_status status = store_feed_position(x->store, &last_seq);

	if (status == STORE_OK)
		body = page_cache_get(cache, key, last_seq);
	if (status == STORE_OK && !body) {
		status = load_page(x, load, query, &last_seq, &body);
		if (status == STORE_OK)
			page_cache_put(cache, key, last_seq, body, strlen(body));
	}
	if (status != STORE_OK) {
		respond_store_failure(x, status, operation);
		return;
	}
	exchange_respond_serialized(x, 200, body);
}
