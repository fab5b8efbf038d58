/*
 * Replacing cached objects as a whole: a resync after the broker no longer
 * has the events the cache missed, and clearing for another broker.
 */

#include <stdio.h>

#include "cache/internal.h"

struct object_table {
	const char *table;
	const char *generation_key;
};

static const struct object_table object_tables[] = {
	[CACHE_REQUESTS] = { "requests", GENERATION_KEY_REQUESTS },
	[CACHE_GRANTS] = { "grants", GENERATION_KEY_GRANTS },
};

bool cache_resync_begin(struct cache *cache, enum cache_object_kind kind)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"INSERT INTO meta (key, value) VALUES (?1, 1)"
		" ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1");
	bool ok;

	if (!statement)
		return false;
	cache_bind_text(statement, 1, object_tables[kind].generation_key);
	ok = cache_step_done(cache, statement, "start resync");
	sqlite3_finalize(statement);
	return ok;
}

int64_t cache_resync_end(struct cache *cache, enum cache_object_kind kind, const char *status)
{
	const struct object_table *objects = &object_tables[kind];
	char sql[256];
	sqlite3_stmt *statement;
	int64_t deleted = -1;

	snprintf(sql, sizeof sql,
		 "DELETE FROM %s WHERE sync_generation <"
		 " COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1), 0)"
		 " AND (?2 IS NULL OR status = ?2)",
		 objects->table);
	statement = cache_prepare(cache, sql);
	if (!statement)
		return -1;
	cache_bind_text(statement, 1, objects->generation_key);
	cache_bind_text(statement, 2, status);
	if (cache_step_done(cache, statement, "delete objects the resync did not see"))
		deleted = sqlite3_changes(cache->db);
	sqlite3_finalize(statement);
	return deleted;
}

int64_t cache_clear_objects(struct cache *cache)
{
	sqlite3_stmt *statement = NULL;
	int64_t unsent = -1;

	if (!cache_savepoint_begin(cache))
		return -1;
	if (cache_exec(cache, "DELETE FROM requests; DELETE FROM grants; DELETE FROM audit",
		       "clear cached objects") &&
	    cache_meta_set(cache, KEY_LAST_SEQ, NULL) && cache_forget_history_progress(cache, NULL))
		statement = cache_prepare(cache, "SELECT count(*) FROM outbox"
					  " WHERE state IN ('queued', 'sending')");
	if (statement) {
		unsent = cache_step_count(cache, statement, "count unsent outbox items");
		sqlite3_finalize(statement);
	}
	if (!cache_savepoint_end(cache, unsent >= 0))
		return -1;
	return unsent;
}
