/*
 * The SQLite store's connection pool, and how the broker's writes share commits.
 *
 * Every write of this process runs while its thread holds the pool's writer lock.
 * Writes made with store_pool_begin_write run on the pool's one writer connection,
 * each in a savepoint of a transaction that several writes share (a write group),
 * and the group commits once no other write is waiting for the lock. Most of a
 * commit's cost is per page, and consecutive writes touch the same tail pages of
 * the feed, the audit trail and the indexes, so one commit for several writes
 * writes far fewer pages than one each. The writer connection also keeps its page
 * cache between writes, which SQLite empties whenever another connection commits.
 *
 * A write is done only when its group has committed, so store_pool_end_write waits
 * for that. If the group fails, every write in it fails, including those that were
 * undone or that only read, because their responses were computed from the group's
 * state.
 */

#include "broker/store_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/timeutil.h"

/* The maximum number of writes in a group: it commits at this size even while more wait. */
#define GROUP_MAX_WRITES 64
/*
 * How long a write waits for its group before it commits the group itself. Only a
 * writer that gave up on the lock after the busy timeout leaves a group without
 * someone to commit it, so this is a safety net, not a batching delay.
 */
#define GROUP_WAIT_MS 50

/* A write of the open group, waiting in store_pool_end_write for the group to end. */
struct write_member {
	enum store_status result;
	bool done;
	struct write_member *next;
};

struct store_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct store **free_list;
	int free_count;
	struct store **all;
	int size;
	char *path;                      /* for store_pool_open_private */

	/* Held by the one thread that writes; error-checking, so a nested write fails. */
	pthread_mutex_t writer_lock;
	pthread_cond_t group_ended;
	atomic_int writers_waiting;      /* threads between asking for writer_lock and getting it */
	struct store *writer;            /* the connection of the write groups */
	bool group_open;                 /* writer is inside BEGIN IMMEDIATE */
	struct write_member *members;    /* the open group's writes */
	int member_count;
};

static struct timespec deadline_after_ms(int64_t ms)
{
	int64_t deadline_ms = time_now_ms() + ms;

	return (struct timespec){
		.tv_sec = (time_t)(deadline_ms / 1000),
		.tv_nsec = (long)(deadline_ms % 1000) * 1000000L,
	};
}

/* Take the writer lock, waiting at most the busy timeout like SQLite would. */
static int lock_writer(struct store_pool *pool)
{
	struct timespec deadline = deadline_after_ms(STORE_BUSY_TIMEOUT_MS);
	int rc;

	atomic_fetch_add(&pool->writers_waiting, 1);
	rc = pthread_mutex_timedlock(&pool->writer_lock, &deadline);
	atomic_fetch_sub(&pool->writers_waiting, 1);
	return rc;
}

static enum store_status lock_failure(int rc)
{
	return rc == ETIMEDOUT ? STORE_BUSY : STORE_ERROR;
}

/* Commit the open group (or roll it back when result is not STORE_OK) and wake its writes. */
static void end_group(struct store_pool *pool, enum store_status result)
{
	struct store *w = pool->writer;

	if (!pool->group_open)
		return;
	if (result == STORE_OK && sqlite3_get_autocommit(w->db))
		result = STORE_ERROR; /* SQLite already rolled the transaction back after an error */
	if (result == STORE_OK)
		result = store_exec(w, "COMMIT");
	if (!sqlite3_get_autocommit(w->db))
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	for (struct write_member *m = pool->members; m; m = m->next) {
		m->result = result;
		m->done = true;
	}
	pool->members = NULL;
	pool->member_count = 0;
	pool->group_open = false;
	pthread_cond_broadcast(&pool->group_ended);
}

/* Commit the open group unless another write is about to join it, then let go of the lock. */
static void unlock_writer(struct store_pool *pool)
{
	if (atomic_load(&pool->writers_waiting) == 0 || pool->member_count >= GROUP_MAX_WRITES)
		end_group(pool, STORE_OK);
	pthread_mutex_unlock(&pool->writer_lock);
}

enum store_status store_pool_lock_writer(struct store *s)
{
	int rc = lock_writer(s->pool);

	if (rc != 0) {
		snprintf(s->error, sizeof s->error, "starting a write failed: %s",
			 rc == ETIMEDOUT ? "another write held the database past the busy timeout"
					 : strerror(rc));
		return lock_failure(rc);
	}
	/* This write uses its own connection, so the group must commit before it begins. */
	end_group(s->pool, STORE_OK);
	s->holds_writer_lock = true;
	return STORE_OK;
}

void store_pool_unlock_writer(struct store *s)
{
	if (!s->holds_writer_lock)
		return;
	s->holds_writer_lock = false;
	unlock_writer(s->pool);
}

struct store *store_pool_begin_write(struct store_pool *pool, enum store_status *status)
{
	struct store *w = pool->writer;
	int rc = lock_writer(pool);

	if (rc != 0) {
		*status = lock_failure(rc);
		return NULL;
	}
	*status = STORE_OK;
	if (!pool->group_open) {
		*status = store_exec(w, "BEGIN IMMEDIATE");
		pool->group_open = *status == STORE_OK;
	}
	if (*status == STORE_OK)
		*status = store_exec(w, "SAVEPOINT write");
	if (*status != STORE_OK) {
		unlock_writer(pool);
		return NULL;
	}
	return w;
}

/*
 * Close the write's savepoint: release it to keep the write, or roll back to it to
 * undo only this write. Returns false when the group's transaction cannot go on:
 * SQLite rolled it back after an error, or the savepoint could not be closed.
 */
static bool close_savepoint(struct store *w, bool keep)
{
	if (sqlite3_get_autocommit(w->db))
		return false;
	if (keep)
		return store_exec(w, "RELEASE write") == STORE_OK;
	return store_exec(w, "ROLLBACK TO write") == STORE_OK &&
	       store_exec(w, "RELEASE write") == STORE_OK;
}

/* Wait, with the lock, until the group ends; commit it after GROUP_WAIT_MS without an end. */
static void wait_for_group(struct store_pool *pool, struct write_member *me)
{
	struct timespec deadline = deadline_after_ms(GROUP_WAIT_MS);

	while (!me->done) {
		if (pthread_cond_timedwait(&pool->group_ended, &pool->writer_lock, &deadline) ==
		    ETIMEDOUT && !me->done)
			end_group(pool, STORE_OK);
	}
}

enum store_status store_pool_end_write(struct store_pool *pool, struct store *writer, bool keep)
{
	struct write_member me = { .result = STORE_OK };

	me.next = pool->members;
	pool->members = &me;
	pool->member_count++;
	if (!close_savepoint(writer, keep))
		end_group(pool, STORE_ERROR);
	if (atomic_load(&pool->writers_waiting) == 0 || pool->member_count >= GROUP_MAX_WRITES)
		end_group(pool, STORE_OK);
	wait_for_group(pool, &me);
	pthread_mutex_unlock(&pool->writer_lock);
	return me.result;
}

struct store_pool *store_pool_open(const char *path, int size, char *err, size_t errlen)
{
	struct store_pool *pool = xcalloc(1, sizeof *pool);
	pthread_mutexattr_t attributes;

	pthread_mutexattr_init(&attributes);
	pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&pool->writer_lock, &attributes);
	pthread_mutexattr_destroy(&attributes);
	pthread_cond_init(&pool->group_ended, NULL);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->freed, NULL);
	pool->path = xstrdup(path);
	pool->free_list = xcalloc((size_t)size, sizeof *pool->free_list);
	pool->all = xcalloc((size_t)size, sizeof *pool->all);
	pool->writer = store_open(path, err, errlen);
	if (!pool->writer) {
		store_pool_close(pool);
		return NULL;
	}
	for (int i = 0; i < size; i++) {
		struct store *s = store_open(path, err, errlen);
		if (!s) {
			store_pool_close(pool);
			return NULL;
		}
		s->pool = pool;
		pool->all[pool->size++] = s;
		pool->free_list[pool->free_count++] = s;
	}
	return pool;
}

struct store *store_pool_acquire(struct store_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	while (pool->free_count == 0)
		pthread_cond_wait(&pool->freed, &pool->lock);
	struct store *s = pool->free_list[--pool->free_count];
	pthread_mutex_unlock(&pool->lock);
	return s;
}

struct store *store_pool_acquire_within(struct store_pool *pool, int64_t timeout_ms)
{
	struct timespec deadline = deadline_after_ms(timeout_ms);
	struct store *s = NULL;

	pthread_mutex_lock(&pool->lock);
	while (pool->free_count == 0) {
		if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) == ETIMEDOUT)
			break;
	}
	if (pool->free_count > 0)
		s = pool->free_list[--pool->free_count];
	pthread_mutex_unlock(&pool->lock);
	return s;
}

struct store *store_pool_open_private(struct store_pool *pool, char *err, size_t errlen)
{
	struct store *s = store_open(pool->path, err, errlen);

	if (s)
		s->pool = pool;
	return s;
}

void store_pool_release(struct store_pool *pool, struct store *s)
{
	store_rollback(s); /* a handler that returned mid-transaction must not keep the lock */
	pthread_mutex_lock(&pool->lock);
	pool->free_list[pool->free_count++] = s;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

void store_pool_close(struct store_pool *pool)
{
	if (!pool)
		return;
	for (int i = 0; i < pool->size; i++)
		store_close(pool->all[i]);
	store_close(pool->writer);
	free(pool->all);
	free(pool->free_list);
	free(pool->path);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->writer_lock);
	pthread_cond_destroy(&pool->group_ended);
	free(pool);
}
