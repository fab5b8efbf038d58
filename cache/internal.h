#ifndef GATEHOUSE_CACHE_INTERNAL_H
#define GATEHOUSE_CACHE_INTERNAL_H

/* Declarations shared by the files of cache/ and hidden from the rest of the program. */

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

/*
 * The statements that each handle prepares on first use and keeps until
 * cache_close, because the hot paths (puts, loads, counts) run thousands of
 * times per listing.
 */
enum cache_statement {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_META_GET,
	STMT_META_SET,
	STMT_META_DELETE,
	STMT_REQUEST_PUT,
	STMT_REQUEST_MARK_SEEN,
	STMT_REQUEST_GET,
	STMT_PENDING_LOAD,
	STMT_PENDING_COUNT,
	STMT_GRANT_PUT,
	STMT_GRANT_MARK_SEEN,
	STMT_GRANT_GET,
	STMT_ACTIVE_GRANTS_EXPIRING,
	STMT_ACTIVE_GRANTS_STANDING,
	STMT_ACTIVE_GRANTS_COUNT,
	STMT_AUDIT_PUT,
	STMT_COUNT
};

struct cache {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *statements[STMT_COUNT];
	char error[1024];
};

#define KEY_LAST_SEQ "last_seq"
#define KEY_BROKER_ID "broker_id"
#define KEY_SYNCED_AT "synced_at"
#define KEY_ME_JSON "me_json"

/*
 * The meta keys of the resync generations. Every put stamps the row with its
 * kind's current generation, and cache_resync_begin increments it.
 */
#define GENERATION_KEY_REQUESTS "resync_generation.requests"
#define GENERATION_KEY_GRANTS "resync_generation.grants"
#define GENERATION_SQL(key) \
	"COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '" key "'), 0)"

/* Apply the schema migrations that the file lacks (cache/schema.c). */
bool cache_migrate(struct cache *cache);

/*
 * Create the directories above path and the file itself with private modes,
 * and tighten an existing file, -wal or -shm whose mode is looser (cache/files.c).
 */
bool cache_files_prepare(const char *path, char *err, size_t errlen);

/*
 * Return the statement id, prepared from sql on first use, ready for binding.
 * Returns NULL and records the error when sql does not compile.
 */
sqlite3_stmt *cache_statement(struct cache *cache, enum cache_statement id, const char *sql);
/*
 * Prepare a statement for one call, which the caller finalizes.
 * Returns NULL and records the error when sql does not compile.
 */
sqlite3_stmt *cache_prepare(struct cache *cache, const char *sql);
/* Reset a statement and clear its bindings, which releases its read snapshot. */
void cache_statement_done(sqlite3_stmt *statement);

/*
 * Record "OPERATION: SQLITE MESSAGE" as the last error, with advice when the
 * file is damaged or not a database. Always returns false.
 */
bool cache_fail(struct cache *cache, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a message that has no SQLite error behind it. Always returns false. */
bool cache_fail_plain(struct cache *cache, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Step a statement that returns no rows, then reset it. On failure record operation. */
bool cache_step_done(struct cache *cache, sqlite3_stmt *statement, const char *operation);
/* Run one count(*) statement, then reset it. Returns -1 on failure. */
int64_t cache_step_count(struct cache *cache, sqlite3_stmt *statement, const char *operation);
/* Run statements that return no rows, outside the statement table. */
bool cache_exec(struct cache *cache, const char *sql, const char *operation);

/* Bind a string, or NULL for a NULL pointer. The string must outlive the step. */
void cache_bind_text(sqlite3_stmt *statement, int index, const char *text);
/* Bind a time in seconds, or NULL for 0, which the model uses for a JSON null. */
void cache_bind_time(sqlite3_stmt *statement, int index, int64_t t);
/* Bind an id or count, or NULL for 0. */
void cache_bind_optional(sqlite3_stmt *statement, int index, int64_t value);
/* Return a heap copy of a text column, NULL for SQL NULL. */
char *cache_column_strdup(sqlite3_stmt *statement, int column);

/*
 * Start or end a savepoint, which nests inside a cache_begin transaction and
 * starts a transaction of its own outside one. cache_savepoint_end releases
 * it when ok and rolls it back otherwise, and returns whether it was released.
 */
bool cache_savepoint_begin(struct cache *cache);
bool cache_savepoint_end(struct cache *cache, bool ok);

/*
 * An array of rows that grows as a load steps through its result, with the
 * rows' strings copied into a few large blocks instead of one malloc each.
 * The caller sees only the rows: row_array_finish returns a pointer to the
 * first row, and row_array_free finds the header from it again.
 */
struct row_array;

struct row_array *row_array_new(size_t row_size);
/* Append a zeroed row and return it. *array may move. */
void *row_array_append(struct row_array **array);
/* Copy a text column into the array's string blocks. SQL NULL reads as "". */
const char *row_array_copy_text(struct row_array *array, sqlite3_stmt *statement, int column);
size_t row_array_count(const struct row_array *array);
/* Fill one row from the statement's current result row. */
typedef void row_reader(sqlite3_stmt *statement, void *row, struct row_array *array);
/*
 * Step statement to the end, appending a row for each result row, then reset
 * it. On failure records operation and returns false, and *array keeps the
 * rows read so far for the caller to free.
 */
bool row_array_load(struct cache *cache, sqlite3_stmt *statement, struct row_array **array,
		    row_reader *read_row, const char *operation);
void *row_array_finish(struct row_array *array);
void row_array_free(void *rows);

#endif
