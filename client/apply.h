#ifndef GATEHOUSE_CLIENT_APPLY_H
#define GATEHOUSE_CLIENT_APPLY_H

/*
 * Putting objects the broker sent into the cache. Everything here comes
 * from untrusted JSON: an object that does not decode is rejected with a
 * message naming the field, and nothing of it is stored.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cache/cache.h"

/* The cached object kind named "request" or "grant" in the API, or -1 for another name. */
int apply_object_kind(const char *name);

/*
 * The outcome of putting one object into the cache. Callers skip an invalid
 * object and keep the rest, but stop at a cache error.
 */
enum apply_result {
	APPLY_STORED,
	APPLY_INVALID,              /* the object did not decode, so nothing of it was stored */
	APPLY_CACHE_ERROR,
};

/*
 * Decode a request or grant and put it into the cache, keeping the JSON as
 * the broker sent it for the detail view. Sets err to the reason unless
 * the result is APPLY_STORED.
 */
enum apply_result apply_request(struct cache *cache, const json_t *json, char *err,
				size_t errlen);
enum apply_result apply_grant(struct cache *cache, const json_t *json, char *err, size_t errlen);
enum apply_result apply_object(struct cache *cache, enum cache_object_kind kind,
			       const json_t *json, char *err, size_t errlen);
/*
 * Decode json as apply_object() does, but store text, length bytes that are
 * json as the broker sent it, instead of encoding json again.
 */
enum apply_result apply_object_as_sent(struct cache *cache, enum cache_object_kind kind,
				       const json_t *json, const char *text, size_t length,
				       char *err, size_t errlen);
/* Decode an audit entry and put it into the cache. */
enum apply_result apply_audit_entry(struct cache *cache, const json_t *json, char *err,
				    size_t errlen);

/*
 * Read a "last_seq" or other whole-number field of a JSON object that must
 * be present and not negative. Returns false with err naming the field.
 */
bool apply_read_seq(const json_t *object, const char *field, int64_t *out, char *err,
		    size_t errlen);

#endif
