/* Cached grants: puts from the client, and the active list, counts and detail for the views. */

#include <jansson.h>
#include <stdlib.h>

#include "api/json.h"
#include "cache/internal.h"
#include "cache/objects.h"

#define GRANT_ROW_COLUMNS \
	"id, status, kind, principal, resource, role, granted_at, expires_at, version"

/* As for requests, an equal version updates too, which refreshes sync_generation. */
static const char put_grant_sql[] =
	"INSERT INTO grants (id, request_id, status, kind, principal, resource, role, reason,"
	" granted_at, expires_at, revoked_at, revoked_by, version, json, sync_generation)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	GENERATION_SQL(GENERATION_KEY_GRANTS) ")"
	" ON CONFLICT (id) DO UPDATE SET request_id = excluded.request_id,"
	" status = excluded.status, kind = excluded.kind, principal = excluded.principal,"
	" resource = excluded.resource, role = excluded.role, reason = excluded.reason,"
	" granted_at = excluded.granted_at, expires_at = excluded.expires_at,"
	" revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by,"
	" version = excluded.version, json = excluded.json,"
	" sync_generation = excluded.sync_generation"
	" WHERE excluded.version >= grants.version";

static void bind_grant(sqlite3_stmt *statement, const struct grant *g, const char *json)
{
	sqlite3_bind_int64(statement, 1, g->id);
	cache_bind_optional(statement, 2, g->request_id);
	cache_bind_text(statement, 3, grant_status_name(g->status));
	cache_bind_text(statement, 4, grant_kind_name(g->kind));
	cache_bind_text(statement, 5, g->principal);
	cache_bind_text(statement, 6, g->resource);
	cache_bind_text(statement, 7, g->role);
	cache_bind_text(statement, 8, g->reason);
	cache_bind_time(statement, 9, g->granted_at);
	/* NULL for a grant that never expires, which the active list puts last. */
	cache_bind_time(statement, 10, g->expires_at);
	cache_bind_time(statement, 11, g->revoked_at);
	cache_bind_text(statement, 12, g->revoked_by);
	sqlite3_bind_int64(statement, 13, g->version);
	cache_bind_text(statement, 14, json);
}

static bool mark_grant_seen(struct cache *cache, int64_t id)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_GRANT_MARK_SEEN,
		"UPDATE grants SET sync_generation = "
		GENERATION_SQL(GENERATION_KEY_GRANTS) " WHERE id = ?1");

	if (!statement)
		return false;
	sqlite3_bind_int64(statement, 1, id);
	return cache_step_done(cache, statement, "mark cached grant seen");
}

bool cache_put_grant(struct cache *cache, const struct grant *g, const char *json)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_GRANT_PUT, put_grant_sql);
	char *encoded = NULL;
	bool ok;

	if (!statement)
		return false;
	if (!json) {
		json_t *object = grant_to_json(g);
		encoded = json_dumps(object, JSON_COMPACT);
		json_decref(object);
		json = encoded;
	}
	bind_grant(statement, g, json);
	ok = sqlite3_step(statement) == SQLITE_DONE ||
	     cache_fail(cache, "put grant %lld", (long long)g->id);
	cache_statement_done(statement);
	free(encoded);
	/* No row changed: the cache has a newer version, which the resync must still count as seen. */
	if (ok && sqlite3_changes(cache->db) == 0)
		ok = mark_grant_seen(cache, g->id);
	return ok;
}

static void read_grant_row(sqlite3_stmt *statement, void *row_memory, struct row_array *array)
{
	struct grant_row *row = row_memory;

	row->id = sqlite3_column_int64(statement, 0);
	grant_status_parse((const char *)sqlite3_column_text(statement, 1), &row->status);
	grant_kind_parse((const char *)sqlite3_column_text(statement, 2), &row->kind);
	row->principal = row_array_copy_text(array, statement, 3);
	row->resource = row_array_copy_text(array, statement, 4);
	row->role = row_array_copy_text(array, statement, 5);
	row->granted_at = sqlite3_column_int64(statement, 6);
	row->expires_at = sqlite3_column_int64(statement, 7);
	row->version = sqlite3_column_int64(statement, 8);
}

static bool load_active_part(struct cache *cache, sqlite3_stmt *statement, int64_t limit,
			     struct row_array **array)
{
	if (!statement)
		return false;
	sqlite3_bind_int64(statement, 1, limit);
	return row_array_load(cache, statement, array, read_grant_row, "load active grants");
}

/*
 * Load active rows, all of them when limit is negative. An index cannot order NULL
 * expiries after the others, so the grants that expire and the standing
 * grants that never do are two range scans of grants_by_status, one after the
 * other.
 */
static size_t load_active(struct cache *cache, int64_t limit, struct grant_row **rows)
{
	sqlite3_stmt *expiring = cache_statement(cache, STMT_ACTIVE_GRANTS_EXPIRING,
		"SELECT " GRANT_ROW_COLUMNS " FROM grants WHERE status = 'active'"
		" AND expires_at IS NOT NULL ORDER BY expires_at, id LIMIT ?1");
	sqlite3_stmt *standing = cache_statement(cache, STMT_ACTIVE_GRANTS_STANDING,
		"SELECT " GRANT_ROW_COLUMNS " FROM grants WHERE status = 'active'"
		" AND expires_at IS NULL ORDER BY id LIMIT ?1");
	struct row_array *array = row_array_new(sizeof **rows);
	bool ok = load_active_part(cache, expiring, limit, &array);

	if (ok && limit >= 0)
		limit -= (int64_t)row_array_count(array);
	if (ok && limit != 0)
		ok = load_active_part(cache, standing, limit, &array);
	*rows = NULL;
	if (!ok) {
		row_array_free(row_array_finish(array));
		return 0;
	}
	*rows = row_array_finish(array);
	return row_array_count(array);
}

size_t cache_load_active_grants(struct cache *cache, struct grant_row **rows)
{
	return load_active(cache, -1, rows);
}

size_t cache_load_active_grants_page(struct cache *cache, size_t limit, struct grant_row **rows)
{
	return load_active(cache, limit > INT64_MAX ? -1 : (int64_t)limit, rows);
}

void grant_rows_free(struct grant_row *rows)
{
	row_array_free(rows);
}

int64_t cache_count_active_grants(struct cache *cache)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_ACTIVE_GRANTS_COUNT,
		"SELECT count(*) FROM grants WHERE status = 'active'");

	if (!statement)
		return -1;
	return cache_step_count(cache, statement, "count active grants");
}

/* One statement per filter, because "?1 IS NULL OR principal = ?1" would keep SQLite off the index. */
static const char *matching_sql(const char *principal, const char *resource)
{
	if (principal && resource)
		return "SELECT count(*) FROM grants WHERE status = 'active'"
		       " AND principal = ?1 AND resource = ?2";
	if (principal)
		return "SELECT count(*) FROM grants WHERE status = 'active' AND principal = ?1";
	if (resource)
		return "SELECT count(*) FROM grants WHERE status = 'active' AND resource = ?2";
	return "SELECT count(*) FROM grants WHERE status = 'active'";
}

int64_t cache_count_active_grants_matching(struct cache *cache, const char *principal,
					   const char *resource)
{
	sqlite3_stmt *statement = cache_prepare(cache, matching_sql(principal, resource));
	int64_t count;

	if (!statement)
		return -1;
	if (principal)
		cache_bind_text(statement, 1, principal);
	if (resource)
		cache_bind_text(statement, 2, resource);
	count = cache_step_count(cache, statement, "count matching active grants");
	sqlite3_finalize(statement);
	return count;
}

static enum cache_result decode_grant(struct cache *cache, sqlite3_stmt *statement, int64_t id,
				      struct grant *out)
{
	const char *text = (const char *)sqlite3_column_text(statement, 0);
	size_t length = (size_t)sqlite3_column_bytes(statement, 0);
	json_error_t parse_error;
	char decode_error[160] = "";
	json_t *object = json_loadb(text ? text : "", length, JSON_ALLOW_NUL, &parse_error);

	if (!object) {
		cache_fail_plain(cache, "decode cached grant %lld: %s", (long long)id,
				 parse_error.text);
		return CACHE_ERROR;
	}
	bool ok = grant_from_json(object, out, decode_error, sizeof decode_error);
	json_decref(object);
	if (!ok) {
		cache_fail_plain(cache, "decode cached grant %lld: %s", (long long)id,
				 decode_error);
		return CACHE_ERROR;
	}
	return CACHE_FOUND;
}

enum cache_result cache_get_grant(struct cache *cache, int64_t id, struct grant *out)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_GRANT_GET,
		"SELECT json FROM grants WHERE id = ?1");
	enum cache_result result = CACHE_ERROR;
	int rc;

	if (!statement)
		return CACHE_ERROR;
	sqlite3_bind_int64(statement, 1, id);
	rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW)
		result = decode_grant(cache, statement, id, out);
	else if (rc == SQLITE_DONE)
		result = CACHE_NOT_FOUND;
	else
		cache_fail(cache, "read cached grant %lld", (long long)id);
	cache_statement_done(statement);
	return result;
}
