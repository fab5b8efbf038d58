#ifndef GATEHOUSE_LIST_PAGES_H
#define GATEHOUSE_LIST_PAGES_H

/*
 * Pages of GET /v1/requests and GET /v1/grants, served from the broker's page
 * cache while the feed position (last_seq) is unchanged. The rule that makes
 * this safe is in list_pages.c.
 */

#include <stdint.h>

#include "broker/exchange.h"
#include "common/strbuf.h"

/*
 * Read one page for query inside the caller's read transaction and serialize the
 * whole response body, last_seq included, into *body (freed by the caller).
 */
typedef enum store_status (*list_pages_loader)(struct store *s, const void *query,
					       int64_t last_seq, char **body);

/*
 * Respond with the page that key names: from the cache when it has the page at
 * the current feed position, else loaded with load and then cached. key must name
 * everything the body depends on besides last_seq: the listing, every filter, the
 * cursor, the limit and the caller's scope. operation names the listing in errors.
 */
void list_pages_respond(struct http_exchange *x, const char *key, list_pages_loader load,
			const void *query, const char *operation);

/*
 * Append a text field to a key: "-" for NULL, else the length, ':' and the text, so
 * that no two lists of fields make the same key. End integer fields with a space.
 */
void list_pages_key_text(struct strbuf *key, const char *text);

#endif
