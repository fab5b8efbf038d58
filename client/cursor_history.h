#ifndef GATEHOUSE_CLIENT_CURSOR_HISTORY_H
#define GATEHOUSE_CLIENT_CURSOR_HISTORY_H

/*
 * The page cursors one paged listing has returned so far. A broker that
 * sends a cursor it sent before (a, b, a, b...) would keep the console
 * paging forever. One that always sends a new cursor would fill the cache
 * without end. So a listing stops at a repeated cursor, and after a maximum
 * number of pages.
 *
 * Only the SHA-256 of each cursor is kept, so the memory is at most
 * max_cursors * 65 bytes however long the broker's cursors are.
 */

#include <stddef.h>

#include "common/crypto.h"

struct cursor_history {
	char (*digests)[SHA256_HEX_LEN];
	size_t count;
	size_t capacity;
	size_t max_cursors;
};

enum cursor_check {
	CURSOR_NEW,
	CURSOR_REPEATED,            /* the listing returned this cursor before */
	CURSOR_TOO_MANY,            /* the listing already returned max_cursors cursors */
};

/* Start an empty history that accepts at most max_cursors cursors. */
void cursor_history_init(struct cursor_history *history, size_t max_cursors);
/* Forget every cursor before a new listing. The maximum stays. */
void cursor_history_clear(struct cursor_history *history);
void cursor_history_free(struct cursor_history *history);
/* Record the next cursor of the listing (length bytes, which may include NUL). */
enum cursor_check cursor_history_add(struct cursor_history *history, const char *cursor,
				     size_t length);

#endif
