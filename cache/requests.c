/* Cached requests: puts from the client, and the pending list, counts and detail for the views. */

#include <jansson.h>
#include <stdlib.h>

#include "api/json.h"
#include "cache/internal.h"
#include "cache/objects.h"

#define REQUEST_ROW_COLUMNS \
	"id, status, requester, resource, role, reason, approver_group, created_at," \
	" expires_at, duration_seconds, approval_count, approvals_needed, version"

/*
 * An equal version updates too: it carries the same change, and the update
 * refreshes sync_generation for a resync.
 */
static const char put_request_sql[] =
	"INSERT INTO requests (id, status, requester, resource, role, reason, duration_seconds,"
	" created_at, decided_at, expires_at, approval_count, approvals_needed, approver_group,"
	" decided_by, grant_id, version, json, sync_generation)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	GENERATION_SQL(GENERATION_KEY_REQUESTS) ")"
	" ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
	" requester = excluded.requester, resource = excluded.resource, role = excluded.role,"
	" reason = excluded.reason, duration_seconds = excluded.duration_seconds,"
	" created_at = excluded.created_at, decided_at = excluded.decided_at,"
	" expires_at = excluded.expires_at, approval_count = excluded.approval_count,"
	" approvals_needed = excluded.approvals_needed, approver_group = excluded.approver_group,"
	" decided_by = excluded.decided_by, grant_id = excluded.grant_id,"
	" version = excluded.version, json = excluded.json,"
	" sync_generation = excluded.sync_generation"
	" WHERE excluded.version >= requests.version";

static void bind_request(sqlite3_stmt *statement, const struct access_request *r, const char *json)
{
	sqlite3_bind_int64(statement, 1, r->id);
	cache_bind_text(statement, 2, request_status_name(r->status));
	cache_bind_text(statement, 3, r->requester);
	cache_bind_text(statement, 4, r->resource);
	cache_bind_text(statement, 5, r->role);
	cache_bind_text(statement, 6, r->reason);
	sqlite3_bind_int64(statement, 7, r->duration_seconds);
	cache_bind_time(statement, 8, r->created_at);
	cache_bind_time(statement, 9, r->decided_at);
	cache_bind_time(statement, 10, r->expires_at);
	sqlite3_bind_int64(statement, 11, (sqlite3_int64)r->approval_count);
	sqlite3_bind_int64(statement, 12, r->approvals_needed);
	cache_bind_text(statement, 13, r->approver_group);
	cache_bind_text(statement, 14, r->decided_by);
	cache_bind_optional(statement, 15, r->grant_id);
	sqlite3_bind_int64(statement, 16, r->version);
	cache_bind_text(statement, 17, json);
}

/* Stamp a row that kept its newer version as seen by the current resync. */
static bool mark_request_seen(struct cache *cache, int64_t id)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_REQUEST_MARK_SEEN,
		"UPDATE requests SET sync_generation = "
		GENERATION_SQL(GENERATION_KEY_REQUESTS) " WHERE id = ?1");

	if (!statement)
		return false;
	sqlite3_bind_int64(statement, 1, id);
	return cache_step_done(cache, statement, "mark cached request seen");
}

bool cache_put_request(struct cache *cache, const struct access_request *r, const char *json)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_REQUEST_PUT, put_request_sql);
	char *encoded = NULL;
	bool ok;

	if (!statement)
		return false;
	if (!json) {
		json_t *object = request_to_json(r);
		encoded = json_dumps(object, JSON_COMPACT);
		json_decref(object);
		json = encoded;
	}
	bind_request(statement, r, json);
	ok = sqlite3_step(statement) == SQLITE_DONE ||
	     cache_fail(cache, "put request %lld", (long long)r->id);
	cache_statement_done(statement);
	free(encoded);
	/* No row changed: the cache has a newer version, which the resync must still count as seen. */
	if (ok && sqlite3_changes(cache->db) == 0)
		ok = mark_request_seen(cache, r->id);
	return ok;
}

static void read_request_row(sqlite3_stmt *statement, void *row_memory, struct row_array *array)
{
	struct request_row *row = row_memory;

	row->id = sqlite3_column_int64(statement, 0);
	request_status_parse((const char *)sqlite3_column_text(statement, 1), &row->status);
	row->requester = row_array_copy_text(array, statement, 2);
	row->resource = row_array_copy_text(array, statement, 3);
	row->role = row_array_copy_text(array, statement, 4);
	row->reason = row_array_copy_text(array, statement, 5);
	row->approver_group = row_array_copy_text(array, statement, 6);
	row->created_at = sqlite3_column_int64(statement, 7);
	row->expires_at = sqlite3_column_int64(statement, 8);
	row->duration_seconds = sqlite3_column_int64(statement, 9);
	row->approval_count = sqlite3_column_int64(statement, 10);
	row->approvals_needed = sqlite3_column_int64(statement, 11);
	row->version = sqlite3_column_int64(statement, 12);
}

/* Load pending rows, all of them when limit is negative, as in SQLite's LIMIT. */
static size_t load_pending(struct cache *cache, int64_t limit, struct request_row **rows)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_PENDING_LOAD,
		"SELECT " REQUEST_ROW_COLUMNS " FROM requests WHERE status = 'pending'"
		" ORDER BY created_at, id LIMIT ?1");
	struct row_array *array;

	*rows = NULL;
	if (!statement)
		return 0;
	sqlite3_bind_int64(statement, 1, limit);
	array = row_array_new(sizeof **rows);
	if (!row_array_load(cache, statement, &array, read_request_row, "load pending requests")) {
		row_array_free(row_array_finish(array));
		return 0;
	}
	*rows = row_array_finish(array);
	return row_array_count(array);
}

size_t cache_load_pending(struct cache *cache, struct request_row **rows)
{
	return load_pending(cache, -1, rows);
}

size_t cache_load_pending_page(struct cache *cache, size_t limit, struct request_row **rows)
{
	return load_pending(cache, limit > INT64_MAX ? -1 : (int64_t)limit, rows);
}

void request_rows_free(struct request_row *rows)
{
	row_array_free(rows);
}

int64_t cache_count_pending(struct cache *cache)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_PENDING_COUNT,
		"SELECT count(*) FROM requests WHERE status = 'pending'");

	if (!statement)
		return -1;
	return cache_step_count(cache, statement, "count pending requests");
}

static enum cache_result decode_request(struct cache *cache, sqlite3_stmt *statement,
					int64_t id, struct access_request *out)
{
	const char *text = (const char *)sqlite3_column_text(statement, 0);
	size_t length = (size_t)sqlite3_column_bytes(statement, 0);
	json_error_t parse_error;
	char decode_error[160] = "";
	/* The broker rejects \u0000, but JSON_ALLOW_NUL lets a cached copy that contains one decode. */
	json_t *object = json_loadb(text ? text : "", length, JSON_ALLOW_NUL, &parse_error);

	if (!object) {
		cache_fail_plain(cache, "decode cached request %lld: %s", (long long)id,
				 parse_error.text);
		return CACHE_ERROR;
	}
	bool ok = request_from_json(object, out, decode_error, sizeof decode_error);
	json_decref(object);
	if (!ok) {
		cache_fail_plain(cache, "decode cached request %lld: %s", (long long)id,
				 decode_error);
		return CACHE_ERROR;
	}
	return CACHE_FOUND;
}

enum cache_result cache_get_request(struct cache *cache, int64_t id, struct access_request *out)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_REQUEST_GET,
		"SELECT json FROM requests WHERE id = ?1");
	enum cache_result result = CACHE_ERROR;
	int rc;

	if (!statement)
		return CACHE_ERROR;
	sqlite3_bind_int64(statement, 1, id);
	rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW)
		result = decode_request(cache, statement, id, out);
	else if (rc == SQLITE_DONE)
		result = CACHE_NOT_FOUND;
	else
		cache_fail(cache, "read cached request %lld", (long long)id);
	cache_statement_done(statement);
	return result;
}
