/* Statement preparation, binding, stepping and error messages for cache/. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cache/internal.h"
#include "common/alloc.h"

static void append_damage_advice(struct cache *cache)
{
	size_t used = strlen(cache->error);
	size_t left = sizeof cache->error - used;

	switch (sqlite3_errcode(cache->db)) {
	case SQLITE_NOTADB:
		snprintf(cache->error + used, left,
			 ". %s is not a SQLite database: delete it and gatehouse creates a new cache"
			 " and fills it from the broker",
			 cache->path);
		break;
	case SQLITE_CORRUPT:
		snprintf(cache->error + used, left,
			 ". %s is damaged: delete it and gatehouse creates a new cache and fills it"
			 " from the broker, but writes still waiting in its outbox are lost",
			 cache->path);
		break;
	default:
		break;
	}
}

bool cache_fail(struct cache *cache, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	va_start(ap, fmt);
	vsnprintf(cache->error, sizeof cache->error, fmt, ap);
	va_end(ap);
	used = strlen(cache->error);
	snprintf(cache->error + used, sizeof cache->error - used, ": %s",
		 sqlite3_errmsg(cache->db));
	append_damage_advice(cache);
	return false;
}

bool cache_fail_plain(struct cache *cache, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cache->error, sizeof cache->error, fmt, ap);
	va_end(ap);
	return false;
}

const char *cache_last_error(const struct cache *cache)
{
	return cache->error;
}

sqlite3_stmt *cache_statement(struct cache *cache, enum cache_statement id, const char *sql)
{
	if (cache->statements[id])
		return cache->statements[id];
	if (sqlite3_prepare_v3(cache->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &cache->statements[id], NULL) != SQLITE_OK) {
		cache_fail(cache, "prepare statement \"%.200s\"", sql);
		return NULL;
	}
	return cache->statements[id];
}

sqlite3_stmt *cache_prepare(struct cache *cache, const char *sql)
{
	sqlite3_stmt *statement = NULL;

	if (sqlite3_prepare_v2(cache->db, sql, -1, &statement, NULL) != SQLITE_OK) {
		cache_fail(cache, "prepare statement \"%.200s\"", sql);
		sqlite3_finalize(statement);
		return NULL;
	}
	return statement;
}

void cache_statement_done(sqlite3_stmt *statement)
{
	sqlite3_reset(statement);
	sqlite3_clear_bindings(statement);
}

bool cache_step_done(struct cache *cache, sqlite3_stmt *statement, const char *operation)
{
	bool ok = sqlite3_step(statement) == SQLITE_DONE || cache_fail(cache, "%s", operation);

	cache_statement_done(statement);
	return ok;
}

int64_t cache_step_count(struct cache *cache, sqlite3_stmt *statement, const char *operation)
{
	int64_t count = -1;

	if (sqlite3_step(statement) == SQLITE_ROW)
		count = sqlite3_column_int64(statement, 0);
	else
		cache_fail(cache, "%s", operation);
	cache_statement_done(statement);
	return count;
}

bool cache_exec(struct cache *cache, const char *sql, const char *operation)
{
	if (sqlite3_exec(cache->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cache_fail(cache, "%s", operation);
	return true;
}

void cache_bind_text(sqlite3_stmt *statement, int index, const char *text)
{
	if (text)
		sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(statement, index);
}

void cache_bind_time(sqlite3_stmt *statement, int index, int64_t t)
{
	cache_bind_optional(statement, index, t);
}

void cache_bind_optional(sqlite3_stmt *statement, int index, int64_t value)
{
	if (value)
		sqlite3_bind_int64(statement, index, value);
	else
		sqlite3_bind_null(statement, index);
}

char *cache_column_strdup(sqlite3_stmt *statement, int column)
{
	const unsigned char *text = sqlite3_column_text(statement, column);

	if (!text)
		return NULL;
	return xstrndup((const char *)text, (size_t)sqlite3_column_bytes(statement, column));
}

bool cache_begin(struct cache *cache)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_BEGIN, "BEGIN IMMEDIATE");

	return statement && cache_step_done(cache, statement, "begin transaction");
}

bool cache_commit(struct cache *cache)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_COMMIT, "COMMIT");

	return statement && cache_step_done(cache, statement, "commit transaction");
}

bool cache_rollback(struct cache *cache)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_ROLLBACK, "ROLLBACK");

	return statement && cache_step_done(cache, statement, "roll back transaction");
}

bool cache_savepoint_begin(struct cache *cache)
{
	return cache_exec(cache, "SAVEPOINT cache_change", "start savepoint");
}

bool cache_savepoint_end(struct cache *cache, bool ok)
{
	if (ok)
		return cache_exec(cache, "RELEASE cache_change", "release savepoint");
	/* Keep the first error, which names the step that failed. */
	sqlite3_exec(cache->db, "ROLLBACK TO cache_change; RELEASE cache_change", NULL, NULL, NULL);
	return false;
}
