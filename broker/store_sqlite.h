#ifndef GATEHOUSE_STORE_SQLITE_H
#define GATEHOUSE_STORE_SQLITE_H

/* Internals shared by the store_sqlite*.c files; nothing outside them includes this. */

#include <sqlite3.h>

#include "broker/store.h"

/* How long a connection waits for another writer before giving up with STORE_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* About 100 distinct statements exist, the listings' one per combination of filters included. */
#define STORE_STATEMENT_SLOTS 128

struct store {
	sqlite3 *db;
	char broker_id[33];
	char error[256];
	struct store_pool *pool;  /* NULL for a connection outside a pool, and the pool's writer */
	bool holds_writer_lock;   /* between store_begin_write and COMMIT or ROLLBACK */
	struct {
		const char *sql;  /* a string literal: slots are found by its address */
		sqlite3_stmt *stmt;
	} statements[STORE_STATEMENT_SLOTS];
	int statement_count;
};

/*
 * Return the prepared, reset statement for sql, preparing it on first use.
 * sql must be a string literal: it is cached by address. NULL on error.
 */
sqlite3_stmt *store_statement(struct store *s, const char *sql);

/*
 * Run a statement without results (transaction control) from the statement cache, so
 * that it is parsed once per connection. sql must be a string literal, as for
 * store_statement. On failure, record and map the error.
 */
enum store_status store_exec(struct store *s, const char *sql);

/*
 * Take the writer lock of s's pool for a transaction on s itself, after ending the
 * pool's open write group. store_pool_unlock_writer does nothing unless s holds it.
 */
enum store_status store_pool_lock_writer(struct store *s);
void store_pool_unlock_writer(struct store *s);

/* Record the connection's last error and map it to a store status. */
enum store_status store_fail(struct store *s, const char *operation);
/* Map the result of a final sqlite3_step on a write: SQLITE_DONE is STORE_OK. */
enum store_status store_step_done(struct store *s, sqlite3_stmt *st, const char *operation);

void store_bind_text(sqlite3_stmt *st, int index, const char *text);
void store_bind_time(sqlite3_stmt *st, int index, int64_t t);
char *store_column_text(sqlite3_stmt *st, int index);

/* Collect the integer column 0 of every row of a prepared statement. */
enum store_status store_collect_ids(struct store *s, sqlite3_stmt *st, int64_t **ids, size_t *count);

#endif
