#ifndef GATEHOUSE_PAGE_CACHE_H
#define GATEHOUSE_PAGE_CACHE_H

/*
 * A bounded, thread-safe cache of serialized response bodies. Each entry holds a
 * key, the data version the body was read at, and the body. A lookup returns a
 * body only for the same key and the same version, so the caller defines both;
 * list_pages.c states the rule for the listings. Memory is bounded by a number of
 * entries and by the bytes of keys and bodies; the least recently used entry goes
 * first. A NULL cache is a disabled one: lookups miss and stores do nothing.
 */

#include <stddef.h>
#include <stdint.h>

struct page_cache;

struct page_cache_stats {
	size_t entries;
	size_t bytes;        /* keys, bodies and entry records, as counted against max_bytes */
	uint64_t hits;
	uint64_t misses;
	uint64_t evictions;  /* entries dropped to make room, not those replaced by a newer version */
};

/* A cache of at most max_entries entries and max_bytes bytes; NULL (disabled) when either is 0. */
struct page_cache *page_cache_create(size_t max_entries, size_t max_bytes);
void page_cache_destroy(struct page_cache *cache);

/* A copy of the body stored under key for exactly this version, or NULL. The caller frees it. */
char *page_cache_get(struct page_cache *cache, const char *key, int64_t version);

/*
 * Store a copy of body (length bytes, NUL added) under key for version. An entry of the
 * same key is replaced unless it holds a newer version. A body larger than the whole
 * cache is not stored.
 */
void page_cache_put(struct page_cache *cache, const char *key, int64_t version, const char *body,
		    size_t length);

void page_cache_stats(struct page_cache *cache, struct page_cache_stats *out);

#endif
