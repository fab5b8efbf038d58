/* Cached audit entries: appended by the client, listed per object for the detail view. */

#include <jansson.h>
#include <stdlib.h>

#include "api/json.h"
#include "cache/internal.h"
#include "cache/objects.h"
#include "common/alloc.h"

bool cache_put_audit_entry(struct cache *cache, const struct audit_entry *e, const char *json)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_AUDIT_PUT,
		"INSERT INTO audit (seq, object_kind, object_id, at, actor, action, reason, json)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (seq) DO NOTHING");
	char *encoded = NULL;
	bool ok;

	if (!statement)
		return false;
	if (!json) {
		json_t *object = audit_entry_to_json(e);
		encoded = json_dumps(object, JSON_COMPACT);
		json_decref(object);
		json = encoded;
	}
	sqlite3_bind_int64(statement, 1, e->seq);
	/* An entry without an object (none exist in API v1) is filed under "". */
	cache_bind_text(statement, 2, e->object_kind ? e->object_kind : "");
	sqlite3_bind_int64(statement, 3, e->object_id);
	cache_bind_time(statement, 4, e->at);
	cache_bind_text(statement, 5, e->actor);
	cache_bind_text(statement, 6, e->action);
	cache_bind_text(statement, 7, e->reason);
	cache_bind_text(statement, 8, json);
	ok = sqlite3_step(statement) == SQLITE_DONE ||
	     cache_fail(cache, "put audit entry %lld", (long long)e->seq);
	cache_statement_done(statement);
	free(encoded);
	return ok;
}

static bool decode_audit_entry(struct cache *cache, sqlite3_stmt *statement,
			       struct audit_entry *out)
{
	const char *text = (const char *)sqlite3_column_text(statement, 1);
	size_t length = (size_t)sqlite3_column_bytes(statement, 1);
	long long seq = sqlite3_column_int64(statement, 0);
	json_error_t parse_error;
	char decode_error[160] = "";
	json_t *object = json_loadb(text ? text : "", length, JSON_ALLOW_NUL, &parse_error);

	if (!object)
		return cache_fail_plain(cache, "decode cached audit entry %lld: %s", seq,
					parse_error.text);
	bool ok = audit_entry_from_json(object, out, decode_error, sizeof decode_error);
	json_decref(object);
	if (!ok)
		return cache_fail_plain(cache, "decode cached audit entry %lld: %s", seq,
					decode_error);
	return true;
}

size_t cache_list_audit(struct cache *cache, const char *object_kind, int64_t object_id,
			struct audit_entry **entries)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"SELECT seq, json FROM audit WHERE object_kind = ?1 AND object_id = ?2 ORDER BY seq");
	struct audit_entry *list;
	size_t count = 0, capacity = 8;
	bool ok = true;
	int rc = SQLITE_DONE;

	*entries = NULL;
	if (!statement)
		return 0;
	cache_bind_text(statement, 1, object_kind);
	sqlite3_bind_int64(statement, 2, object_id);
	list = xcalloc(capacity, sizeof *list);
	while (ok && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
		if (count == capacity) {
			capacity *= 2;
			list = xreallocarray(list, capacity, sizeof *list);
		}
		ok = decode_audit_entry(cache, statement, &list[count]);
		if (ok)
			count++;
	}
	if (ok && rc != SQLITE_DONE)
		ok = cache_fail(cache, "list audit entries of %s %lld", object_kind,
				(long long)object_id);
	sqlite3_finalize(statement);
	if (!ok) {
		audit_entries_free(list, count);
		return 0;
	}
	*entries = list;
	return count;
}

void audit_entries_free(struct audit_entry *entries, size_t count)
{
	for (size_t i = 0; i < count && entries; i++)
		audit_entry_free(&entries[i]);
	free(entries);
}
