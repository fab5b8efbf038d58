#include "client/cursor_history.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void cursor_history_init(struct cursor_history *history, size_t max_cursors)
{
	memset(history, 0, sizeof *history);
	history->max_cursors = max_cursors;
}

void cursor_history_clear(struct cursor_history *history)
{
	history->count = 0;
}

void cursor_history_free(struct cursor_history *history)
{
	free(history->digests);
	cursor_history_init(history, history->max_cursors);
}

enum cursor_check cursor_history_add(struct cursor_history *history, const char *cursor,
				     size_t length)
{
	char digest[SHA256_HEX_LEN];

	sha256_hex(cursor, length, digest);
	/* A linear search is enough: a whole listing costs at most max_cursors^2 / 2 comparisons. */
	for (size_t i = 0; i < history->count; i++)
		if (memcmp(history->digests[i], digest, SHA256_HEX_LEN) == 0)
			return CURSOR_REPEATED;
	if (history->count >= history->max_cursors)
		return CURSOR_TOO_MANY;
	if (history->count == history->capacity) {
		history->capacity = history->capacity ? history->capacity * 2 : 16;
		history->digests = xreallocarray(history->digests, history->capacity,
						 sizeof *history->digests);
	}
	memcpy(history->digests[history->count++], digest, SHA256_HEX_LEN);
	return CURSOR_NEW;
}
