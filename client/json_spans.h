#ifndef GATEHOUSE_CLIENT_JSON_SPANS_H
#define GATEHOUSE_CLIENT_JSON_SPANS_H

/*
 * Byte ranges of the elements of one array inside JSON text. A listing's
 * objects are stored in the cache as the broker sent them, because encoding
 * each one again took about a third of a cold sync's time (bench/sync.sh).
 */

#include <stdbool.h>
#include <stddef.h>

struct json_span {
	size_t start;
	size_t length;
};

/*
 * Find the array that is the value of member name of the top-level object of
 * text, which jansson must already have parsed without error. Sets *spans to
 * the byte range of each element (the caller frees it) and *count to their
 * number. Returns false, with *spans NULL, when the top level is not an
 * object or the member is missing or not an array. It also returns false when
 * the member is named twice or a key has an escape, because jansson's reading
 * could then differ from this one's. The caller then encodes the elements.
 */
bool json_member_array_spans(const char *text, size_t length, const char *name,
			     struct json_span **spans, size_t *count);

#endif
