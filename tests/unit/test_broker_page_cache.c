/* The broker's page cache in-process: versions, least-recently-used eviction and memory bounds. */

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/page_cache.h"

#include "tests/support/check_main.h"

#define THREADS 8
#define THREAD_ROUNDS 4000
#define THREAD_KEYS 40

static void put_text(struct page_cache *cache, const char *key, int64_t version, const char *body)
{
	page_cache_put(cache, key, version, body, strlen(body));
}

/* Check that key at version is cached with exactly body. */
static void check_hit(struct page_cache *cache, const char *key, int64_t version, const char *body)
{
	char *found = page_cache_get(cache, key, version);

	ck_assert_msg(found != NULL, "%s at version %lld is not cached", key, (long long)version);
	ck_assert_str_eq(found, body);
	free(found);
}

static void check_miss(struct page_cache *cache, const char *key, int64_t version)
{
	char *found = page_cache_get(cache, key, version);

	ck_assert_msg(found == NULL, "%s at version %lld is cached: %s", key, (long long)version,
		      found);
}

START_TEST(test_hit_returns_same_bytes)
{
	struct page_cache *cache = page_cache_create(4, 4096);
	const char body[] = "{\"items\":[],\"next_cursor\":null,\"last_seq\":7}";
	struct page_cache_stats stats;

	check_miss(cache, "requests a", 7);
	put_text(cache, "requests a", 7, body);
	check_hit(cache, "requests a", 7, body);
	check_hit(cache, "requests a", 7, body);
	page_cache_stats(cache, &stats);
	ck_assert_uint_eq(stats.hits, 2);
	ck_assert_uint_eq(stats.misses, 1);
	ck_assert_uint_eq(stats.entries, 1);
	page_cache_destroy(cache);
}
END_TEST

START_TEST(test_other_version_misses)
{
	struct page_cache *cache = page_cache_create(4, 4096);

	put_text(cache, "requests a", 7, "seven");
	check_miss(cache, "requests a", 8);
	check_miss(cache, "requests a", 6);
	check_miss(cache, "requests b", 7);
	page_cache_destroy(cache);
}
END_TEST

START_TEST(test_newer_version_replaces)
{
	struct page_cache *cache = page_cache_create(4, 4096);
	struct page_cache_stats stats;

	put_text(cache, "requests a", 7, "seven");
	put_text(cache, "requests a", 8, "eight");
	check_hit(cache, "requests a", 8, "eight");
	check_miss(cache, "requests a", 7);
	page_cache_stats(cache, &stats);
	ck_assert_uint_eq(stats.entries, 1);
	ck_assert_uint_eq(stats.evictions, 0);
	page_cache_destroy(cache);
}
END_TEST

/* A reader of an older snapshot that stores its page late must not displace a newer one. */
START_TEST(test_older_version_kept_out)
{
	struct page_cache *cache = page_cache_create(4, 4096);

	put_text(cache, "requests a", 8, "eight");
	put_text(cache, "requests a", 7, "seven");
	check_hit(cache, "requests a", 8, "eight");
	check_miss(cache, "requests a", 7);
	page_cache_destroy(cache);
}
END_TEST

START_TEST(test_entry_cap_evicts_least_recent)
{
	struct page_cache *cache = page_cache_create(3, 1 << 20);
	struct page_cache_stats stats;

	put_text(cache, "a", 1, "page a");
	put_text(cache, "b", 1, "page b");
	put_text(cache, "c", 1, "page c");
	check_hit(cache, "a", 1, "page a"); /* now b is the least recently used */
	put_text(cache, "d", 1, "page d");
	check_miss(cache, "b", 1);
	check_hit(cache, "a", 1, "page a");
	check_hit(cache, "c", 1, "page c");
	check_hit(cache, "d", 1, "page d");
	page_cache_stats(cache, &stats);
	ck_assert_uint_eq(stats.entries, 3);
	ck_assert_uint_eq(stats.evictions, 1);
	page_cache_destroy(cache);
}
END_TEST

START_TEST(test_byte_cap_bounds_memory)
{
	const size_t max_bytes = 64 * 1024;
	struct page_cache *cache = page_cache_create(1000, max_bytes);
	struct page_cache_stats stats;
	char key[32];
	char *body = malloc(10000);

	memset(body, 'x', 9999);
	body[9999] = '\0';
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "page %d", i);
		put_text(cache, key, 1, body);
		page_cache_stats(cache, &stats);
		ck_assert_uint_le(stats.bytes, max_bytes);
	}
	ck_assert_uint_ge(stats.entries, 5);
	ck_assert_uint_le(stats.entries, 6);
	ck_assert_uint_eq(stats.evictions, 100 - stats.entries);
	check_hit(cache, "page 99", 1, body);
	check_miss(cache, "page 0", 1);
	free(body);
	page_cache_destroy(cache);
}
END_TEST

START_TEST(test_oversized_body_not_stored)
{
	struct page_cache *cache = page_cache_create(4, 1000);
	struct page_cache_stats stats;
	char body[2000];

	memset(body, 'y', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	put_text(cache, "small", 1, "fits");
	put_text(cache, "large", 1, body);
	check_miss(cache, "large", 1);
	check_hit(cache, "small", 1, "fits");
	page_cache_stats(cache, &stats);
	ck_assert_uint_eq(stats.entries, 1);
	page_cache_destroy(cache);
}
END_TEST

START_TEST(test_disabled_cache_misses)
{
	struct page_cache *cache = page_cache_create(4, 0);
	struct page_cache_stats stats;

	ck_assert_ptr_null(cache);
	put_text(cache, "a", 1, "page a");
	check_miss(cache, "a", 1);
	page_cache_stats(cache, &stats);
	ck_assert_uint_eq(stats.entries, 0);
	page_cache_destroy(cache);
}
END_TEST

struct worker {
	struct page_cache *cache;
	unsigned seed;
	int wrong;  /* hits whose body was not the one stored for that key and version */
};

/* Every body names its key and version, so a hit can be checked against the lookup. */
static void *hammer_cache(void *arg)
{
	struct worker *w = arg;
	char key[32], body[160];

	for (int i = 0; i < THREAD_ROUNDS; i++) {
		int k = rand_r(&w->seed) % THREAD_KEYS;
		int64_t version = rand_r(&w->seed) % 4;
		snprintf(key, sizeof key, "key %d", k);
		snprintf(body, sizeof body, "%s version %lld %0*d", key, (long long)version, k * 2, 0);
		char *found = page_cache_get(w->cache, key, version);
		if (found && strcmp(found, body) != 0)
			w->wrong++;
		free(found);
		if (!found)
			put_text(w->cache, key, version, body);
	}
	return NULL;
}

START_TEST(test_threads_share_cache)
{
	const size_t max_bytes = 4096;
	struct page_cache *cache = page_cache_create(16, max_bytes);
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	struct page_cache_stats stats;

	for (int i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){ .cache = cache, .seed = (unsigned)i + 1 };
		ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer_cache, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_int_eq(workers[i].wrong, 0);
	}
	page_cache_stats(cache, &stats);
	ck_assert_uint_le(stats.entries, 16);
	ck_assert_uint_le(stats.bytes, max_bytes);
	ck_assert_uint_eq(stats.hits + stats.misses, (uint64_t)THREADS * THREAD_ROUNDS);
	ck_assert_uint_gt(stats.hits, 0);
	page_cache_destroy(cache);
}
END_TEST

static Suite *page_cache_suite(void)
{
	Suite *suite = suite_create("broker_page_cache");
	TCase *lookups = tcase_create("lookups");
	TCase *bounds = tcase_create("bounds");

	tcase_add_test(lookups, test_hit_returns_same_bytes);
	tcase_add_test(lookups, test_other_version_misses);
	tcase_add_test(lookups, test_newer_version_replaces);
	tcase_add_test(lookups, test_older_version_kept_out);
	tcase_add_test(lookups, test_disabled_cache_misses);
	tcase_add_test(bounds, test_entry_cap_evicts_least_recent);
	tcase_add_test(bounds, test_byte_cap_bounds_memory);
	tcase_add_test(bounds, test_oversized_body_not_stored);
	tcase_add_test(bounds, test_threads_share_cache);
	suite_add_tcase(suite, lookups);
	suite_add_tcase(suite, bounds);
	return suite;
}

CHECK_MAIN(page_cache_suite)
