/*
 * The store pool's shared writes in-process: writes from many threads share
 * commits, each keeps or undoes only its own changes, and a write on a pooled
 * connection of its own waits for the shared one to commit first.
 */

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/reaper.h"
#include "broker/store.h"
#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

#define WRITERS 8
#define WRITES_EACH 40
#define POOL_SIZE 4

static char dir[256];
static struct store_pool *pool;

static void open_pool(void)
{
	char path[320], err[512];

	test_make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/pool.db", dir);
	pool = store_pool_open(path, POOL_SIZE, err, sizeof err);
	ck_assert_msg(pool != NULL, "store_pool_open: %s", err);
}

static void close_pool(void)
{
	store_pool_close(pool);
	pool = NULL;
	test_remove_dir(dir);
}

/* Whether writer w undoes its write number i: every fourth one. */
static bool undone(int w, int i)
{
	return (w + i) % 4 == 0;
}

struct writer {
	int number;
	bool own_connection;  /* write with store_begin_write on a pooled connection */
	int failures;
};

static enum store_status write_shared(int w, int i, const char *key)
{
	enum store_status status;
	struct store *s = store_pool_begin_write(pool, &status);

	if (!s)
		return status;
	status = store_meta_set(s, key, "set");
	return store_pool_end_write(pool, s, status == STORE_OK && !undone(w, i));
}

static enum store_status write_own(int w, int i, const char *key)
{
	struct store *s = store_pool_acquire(pool);
	enum store_status status = store_begin_write(s);

	if (status == STORE_OK)
		status = store_meta_set(s, key, "set");
	if (status == STORE_OK && !undone(w, i))
		status = store_commit(s);
	else
		store_rollback(s);
	store_pool_release(pool, s);
	return status;
}

static void *run_writer(void *arg)
{
	struct writer *writer = arg;
	char key[32];

	for (int i = 0; i < WRITES_EACH; i++) {
		snprintf(key, sizeof key, "key-%d-%d", writer->number, i);
		enum store_status status = writer->own_connection
						   ? write_own(writer->number, i, key)
						   : write_shared(writer->number, i, key);
		if (status != STORE_OK)
			writer->failures++;
	}
	return NULL;
}

/* Run WRITERS threads, own_connections of them with their own connections, and check every key. */
static void run_writers(int own_connections)
{
	struct writer writers[WRITERS];
	pthread_t threads[WRITERS];
	char key[32];

	for (int w = 0; w < WRITERS; w++) {
		writers[w] = (struct writer){ .number = w, .own_connection = w < own_connections };
		ck_assert_int_eq(pthread_create(&threads[w], NULL, run_writer, &writers[w]), 0);
	}
	for (int w = 0; w < WRITERS; w++) {
		pthread_join(threads[w], NULL);
		ck_assert_int_eq(writers[w].failures, 0);
	}
	struct store *s = store_pool_acquire(pool);
	for (int w = 0; w < WRITERS; w++) {
		for (int i = 0; i < WRITES_EACH; i++) {
			char *value = NULL;
			snprintf(key, sizeof key, "key-%d-%d", w, i);
			enum store_status status = store_meta_get(s, key, &value);
			ck_assert_msg(status == (undone(w, i) ? STORE_NOT_FOUND : STORE_OK),
				      "%s: status %d", key, status);
			free(value);
		}
	}
	store_pool_release(pool, s);
}

START_TEST(test_shared_writes_keep_own)
{
	run_writers(0);
}
END_TEST

START_TEST(test_own_connection_writes_mix)
{
	run_writers(WRITERS / 2);
}
END_TEST

/* A thread that writes already gets an error for a second write, instead of waiting for itself. */
START_TEST(test_nested_write_fails)
{
	enum store_status status;
	struct store *shared = store_pool_begin_write(pool, &status);
	struct store *own = store_pool_acquire(pool);

	ck_assert_ptr_nonnull(shared);
	ck_assert_int_eq(store_begin_write(own), STORE_ERROR);
	ck_assert_int_eq(store_meta_set(shared, "outer", "set"), STORE_OK);
	ck_assert_int_eq(store_pool_end_write(pool, shared, true), STORE_OK);

	char *value = NULL;
	ck_assert_int_eq(store_meta_get(own, "outer", &value), STORE_OK);
	ck_assert_str_eq(value, "set");
	free(value);
	store_pool_release(pool, own);
}
END_TEST

/* A write reads its own changes, and an undone one leaves nothing behind. */
START_TEST(test_undone_write_leaves_nothing)
{
	enum store_status status;
	struct store *s = store_pool_begin_write(pool, &status);
	char *value = NULL;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_meta_set(s, "first", "kept"), STORE_OK);
	ck_assert_int_eq(store_meta_get(s, "first", &value), STORE_OK);
	free(value);
	ck_assert_int_eq(store_pool_end_write(pool, s, false), STORE_OK);

	struct store *reader = store_pool_acquire(pool);
	ck_assert_int_eq(store_meta_get(reader, "first", &value), STORE_NOT_FOUND);
	store_pool_release(pool, reader);
}
END_TEST

/* With every connection lent out, a borrower gives up after its timeout instead of waiting forever. */
START_TEST(test_acquire_times_out)
{
	struct store *borrowed[POOL_SIZE];
	int64_t started;

	for (int i = 0; i < POOL_SIZE; i++)
		borrowed[i] = store_pool_acquire(pool);
	started = time_monotonic_ms();
	ck_assert_ptr_null(store_pool_acquire_within(pool, 300));
	ck_assert_int_ge(time_monotonic_ms() - started, 290);
	ck_assert_int_lt(time_monotonic_ms() - started, 3000);
	store_pool_release(pool, borrowed[0]);
	borrowed[0] = store_pool_acquire_within(pool, 300);
	ck_assert_ptr_nonnull(borrowed[0]);
	for (int i = 0; i < POOL_SIZE; i++)
		store_pool_release(pool, borrowed[i]);
}
END_TEST

/* Add an active grant that fell due a second ago, through a connection of the pool. */
static void add_due_grant(struct store_pool *grant_pool)
{
	struct grant g = {
		.principal = "alice", .resource = "svc", .role = "read", .kind = GRANT_JIT,
		.status = GRANT_ACTIVE, .granted_at = time_now() - 120, .expires_at = time_now() - 1,
		.reason = "due", .version = 1,
	};
	struct store *s = store_pool_acquire(grant_pool);

	ck_assert_int_eq(store_begin_write(s), STORE_OK);
	ck_assert_int_eq(store_insert_grant(s, &g), STORE_OK);
	ck_assert_int_eq(store_commit(s), STORE_OK);
	store_pool_release(grant_pool, s);
}

/* The reaper has a connection of its own: borrowers holding every pooled one do not delay expiry. */
START_TEST(test_reaper_needs_no_pooled_connection)
{
	struct broker_config config;
	struct broker b;
	struct store *borrowed[2];
	struct reaper *reaper;
	char path[320], err[512];
	int64_t expired = 0, deadline;

	snprintf(path, sizeof path, "%s/reaper.db", dir);
	broker_config_defaults(&config);
	config.db_path = path;
	config.pool_size = 2;
	ck_assert_msg(broker_init(&b, &config, err, sizeof err), "broker_init: %s", err);
	add_due_grant(b.pool);
	for (int i = 0; i < 2; i++)
		borrowed[i] = store_pool_acquire(b.pool);
	reaper = reaper_start(&b, err, sizeof err);
	ck_assert_msg(reaper != NULL, "reaper_start: %s", err);
	deadline = time_monotonic_ms() + 3000;
	while (expired == 0 && time_monotonic_ms() < deadline) {
		test_sleep_ms(50);
		expired = test_db_query_int(path, "SELECT count(*) FROM grants WHERE status = 'expired'");
	}
	/* Give the connections back before checking, so that a reaper stuck on them can stop. */
	for (int i = 0; i < 2; i++)
		store_pool_release(b.pool, borrowed[i]);
	broker_signal_stop(&b);
	reaper_join(reaper);
	broker_destroy(&b);
	ck_assert_msg(expired == 1, "the due grant was not expired while the pool was lent out");
}
END_TEST

static Suite *store_pool_suite(void)
{
	Suite *suite = suite_create("broker_store_pool");
	TCase *writes = tcase_create("writes");

	tcase_set_timeout(writes, 60);
	tcase_add_checked_fixture(writes, open_pool, close_pool);
	tcase_add_test(writes, test_shared_writes_keep_own);
	tcase_add_test(writes, test_own_connection_writes_mix);
	tcase_add_test(writes, test_nested_write_fails);
	tcase_add_test(writes, test_undone_write_leaves_nothing);
	tcase_add_test(writes, test_acquire_times_out);
	tcase_add_test(writes, test_reaper_needs_no_pooled_connection);
	suite_add_tcase(suite, writes);
	return suite;
}

CHECK_MAIN(store_pool_suite)
