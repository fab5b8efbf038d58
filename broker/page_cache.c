/*
 * The page cache: a small array of entries searched by key hash, with a use clock
 * for least-recently-used eviction. A few hundred entries at most, so a linear
 * search costs less than a hash table would save.
 */

#include "broker/page_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

struct page_entry {
	uint64_t hash;
	char *key;
	int64_t version;
	char *body;
	size_t body_length;
	size_t bytes;        /* what this entry counts against max_bytes */
	uint64_t last_used;  /* the cache's clock at the entry's last put or hit */
};

struct page_cache {
	pthread_mutex_t lock;
	struct page_entry *entries;
	size_t count;
	size_t max_entries;
	size_t bytes;
	size_t max_bytes;
	uint64_t clock;
	uint64_t hits;
	uint64_t misses;
	uint64_t evictions;
};

struct page_cache *page_cache_create(size_t max_entries, size_t max_bytes)
{
	struct page_cache *cache;

	if (max_entries == 0 || max_bytes == 0)
		return NULL;
	cache = xcalloc(1, sizeof *cache);
	pthread_mutex_init(&cache->lock, NULL);
	cache->entries = xcalloc(max_entries, sizeof *cache->entries);
	cache->max_entries = max_entries;
	cache->max_bytes = max_bytes;
	return cache;
}

static void free_entry(struct page_entry *entry)
{
	free(entry->key);
	free(entry->body);
}

void page_cache_destroy(struct page_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->count; i++)
		free_entry(&cache->entries[i]);
	free(cache->entries);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}

/* FNV-1a, 64 bits: cheap, and only used to skip most string comparisons. */
static uint64_t hash_key(const char *key)
{
	uint64_t hash = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		hash ^= *p;
		hash *= 1099511628211ULL;
	}
	return hash;
}

static struct page_entry *find_entry(struct page_cache *cache, uint64_t hash, const char *key)
{
	for (size_t i = 0; i < cache->count; i++) {
		struct page_entry *entry = &cache->entries[i];
		if (entry->hash == hash && strcmp(entry->key, key) == 0)
			return entry;
	}
	return NULL;
}

char *page_cache_get(struct page_cache *cache, const char *key, int64_t version)
{
	uint64_t hash;
	char *copy = NULL;

	if (!cache)
		return NULL;
	hash = hash_key(key);
	pthread_mutex_lock(&cache->lock);
	struct page_entry *entry = find_entry(cache, hash, key);
	if (entry && entry->version == version) {
		copy = xmalloc(entry->body_length + 1);
		memcpy(copy, entry->body, entry->body_length + 1);
		entry->last_used = ++cache->clock;
		cache->hits++;
	} else {
		cache->misses++;
	}
	pthread_mutex_unlock(&cache->lock);
	return copy;
}

/* Drop the entry at index i; the last entry takes its place. */
static void remove_entry(struct page_cache *cache, size_t i)
{
	cache->bytes -= cache->entries[i].bytes;
	free_entry(&cache->entries[i]);
	cache->entries[i] = cache->entries[--cache->count];
}

static void evict_least_recent(struct page_cache *cache)
{
	size_t oldest = 0;

	for (size_t i = 1; i < cache->count; i++)
		if (cache->entries[i].last_used < cache->entries[oldest].last_used)
			oldest = i;
	remove_entry(cache, oldest);
	cache->evictions++;
}

/* Insert entry (its strings already copied) after making room for it. */
static void insert_entry(struct page_cache *cache, struct page_entry *entry)
{
	while (cache->count > 0 &&
	       (cache->count == cache->max_entries || cache->bytes + entry->bytes > cache->max_bytes))
		evict_least_recent(cache);
	entry->last_used = ++cache->clock;
	cache->entries[cache->count++] = *entry;
	cache->bytes += entry->bytes;
}

void page_cache_put(struct page_cache *cache, const char *key, int64_t version, const char *body,
		    size_t length)
{
	size_t key_length = strlen(key);
	struct page_entry fresh = {
		.hash = hash_key(key),
		.version = version,
		.body_length = length,
		.bytes = sizeof fresh + key_length + 1 + length + 1,
	};

	if (!cache || fresh.bytes > cache->max_bytes)
		return;
	/* Copy before taking the lock, so that other threads' lookups do not wait for it. */
	fresh.key = xstrndup(key, key_length);
	fresh.body = xmalloc(length + 1);
	memcpy(fresh.body, body, length);
	fresh.body[length] = '\0';

	pthread_mutex_lock(&cache->lock);
	struct page_entry *old = find_entry(cache, fresh.hash, key);
	if (old && old->version > version) {
		/* A reader of an older snapshot finished late: the newer page stays. */
		free_entry(&fresh);
	} else {
		if (old)
			remove_entry(cache, (size_t)(old - cache->entries));
		insert_entry(cache, &fresh);
	}
	pthread_mutex_unlock(&cache->lock);
}

void page_cache_stats(struct page_cache *cache, struct page_cache_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!cache)
		return;
	pthread_mutex_lock(&cache->lock);
	out->entries = cache->count;
	out->bytes = cache->bytes;
	out->hits = cache->hits;
	out->misses = cache->misses;
	out->evictions = cache->evictions;
	pthread_mutex_unlock(&cache->lock);
}
