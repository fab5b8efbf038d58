/* The meta table: string values by key, and typed accessors for the keys the client uses. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache/internal.h"
#include "common/alloc.h"

enum cache_result cache_meta_get(struct cache *cache, const char *key, char **value)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_META_GET,
						  "SELECT value FROM meta WHERE key = ?1");
	enum cache_result result;
	int rc;

	*value = NULL;
	if (!statement)
		return CACHE_ERROR;
	cache_bind_text(statement, 1, key);
	rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
		*value = cache_column_strdup(statement, 0);
		result = CACHE_FOUND;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		result = CACHE_NOT_FOUND;
	} else {
		cache_fail(cache, "read meta %s", key);
		result = CACHE_ERROR;
	}
	cache_statement_done(statement);
	return result;
}

static bool meta_delete(struct cache *cache, const char *key)
{
	sqlite3_stmt *statement = cache_statement(cache, STMT_META_DELETE,
						  "DELETE FROM meta WHERE key = ?1");
	bool ok;

	if (!statement)
		return false;
	cache_bind_text(statement, 1, key);
	ok = sqlite3_step(statement) == SQLITE_DONE || cache_fail(cache, "delete meta %s", key);
	cache_statement_done(statement);
	return ok;
}

bool cache_meta_set(struct cache *cache, const char *key, const char *value)
{
	sqlite3_stmt *statement;
	bool ok;

	if (!value)
		return meta_delete(cache, key);
	statement = cache_statement(cache, STMT_META_SET,
				    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
				    " ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	if (!statement)
		return false;
	cache_bind_text(statement, 1, key);
	cache_bind_text(statement, 2, value);
	ok = sqlite3_step(statement) == SQLITE_DONE || cache_fail(cache, "write meta %s", key);
	cache_statement_done(statement);
	return ok;
}

/* Read an integer value, 0 when the key is missing. */
static bool meta_get_int64(struct cache *cache, const char *key, int64_t *out)
{
	char *text = NULL;
	char *end = NULL;
	enum cache_result result = cache_meta_get(cache, key, &text);

	*out = 0;
	if (result != CACHE_FOUND)
		return result == CACHE_NOT_FOUND;
	errno = 0;
	long long value = strtoll(text, &end, 10);
	bool valid = errno == 0 && end != text && *end == '\0';
	if (valid)
		*out = value;
	else
		cache_fail_plain(cache, "meta %s is not an integer: \"%.40s\"", key, text);
	free(text);
	return valid;
}

static bool meta_set_int64(struct cache *cache, const char *key, int64_t value)
{
	char text[24];

	snprintf(text, sizeof text, "%" PRId64, value);
	return cache_meta_set(cache, key, text);
}

bool cache_get_last_seq(struct cache *cache, int64_t *seq)
{
	return meta_get_int64(cache, KEY_LAST_SEQ, seq);
}

bool cache_set_last_seq(struct cache *cache, int64_t seq)
{
	return meta_set_int64(cache, KEY_LAST_SEQ, seq);
}

enum cache_result cache_get_broker_id(struct cache *cache, char **broker_id)
{
	return cache_meta_get(cache, KEY_BROKER_ID, broker_id);
}

bool cache_set_broker_id(struct cache *cache, const char *broker_id)
{
	return cache_meta_set(cache, KEY_BROKER_ID, broker_id);
}

bool cache_get_synced_at(struct cache *cache, int64_t *synced_at)
{
	return meta_get_int64(cache, KEY_SYNCED_AT, synced_at);
}

bool cache_set_synced_at(struct cache *cache, int64_t synced_at)
{
	return meta_set_int64(cache, KEY_SYNCED_AT, synced_at);
}

enum cache_result cache_get_me_json(struct cache *cache, char **json)
{
	return cache_meta_get(cache, KEY_ME_JSON, json);
}

bool cache_set_me_json(struct cache *cache, const char *json)
{
	return cache_meta_set(cache, KEY_ME_JSON, json);
}

/* The meta key of one status's progress: "history.approved". */
#define HISTORY_KEY_PREFIX "history."

static void history_key(const char *status, char *key, size_t size)
{
	snprintf(key, size, HISTORY_KEY_PREFIX "%s", status);
}

void cache_history_progress_free(struct cache_history_progress *progress)
{
	free(progress->cursor);
	memset(progress, 0, sizeof *progress);
}

/* Decode a stored progress; false when the text is not what cache_set_history_progress wrote. */
static bool decode_history_progress(const char *text, struct cache_history_progress *out)
{
	json_t *object = json_loads(text, 0, NULL);
	json_t *cursor = json_object_get(object, "cursor");
	json_t *fetched = json_object_get(object, "fetched");
	json_t *done = json_object_get(object, "done");
	bool valid = json_is_integer(fetched) && json_integer_value(fetched) >= 0 &&
		     json_is_boolean(done) && (json_is_null(cursor) || json_is_string(cursor));

	if (valid) {
		out->fetched = (int64_t)json_integer_value(fetched);
		out->done = json_is_true(done);
		out->cursor = json_is_string(cursor) ? xstrdup(json_string_value(cursor)) : NULL;
	}
	json_decref(object);
	return valid;
}

enum cache_result cache_get_history_progress(struct cache *cache, const char *status,
					     struct cache_history_progress *out)
{
	char key[64], *text = NULL;
	enum cache_result found;

	memset(out, 0, sizeof *out);
	history_key(status, key, sizeof key);
	found = cache_meta_get(cache, key, &text);
	if (found == CACHE_FOUND && !decode_history_progress(text, out)) {
		cache_fail_plain(cache, "meta %s is not a fetch progress: \"%.60s\"", key, text);
		found = CACHE_ERROR;
	}
	free(text);
	return found;
}

bool cache_set_history_progress(struct cache *cache, const char *status,
				const struct cache_history_progress *progress)
{
	char key[64], *text;
	json_t *object = json_pack("{s:o, s:I, s:b}", "cursor",
				   progress->cursor ? json_string(progress->cursor) : json_null(),
				   "fetched", (json_int_t)progress->fetched, "done", progress->done);
	bool ok;

	history_key(status, key, sizeof key);
	text = object ? json_dumps(object, JSON_COMPACT) : NULL;
	json_decref(object);
	if (!text)
		return cache_fail_plain(cache, "write meta %s: the cursor is not valid UTF-8", key);
	ok = cache_meta_set(cache, key, text);
	free(text);
	return ok;
}

bool cache_forget_history_progress(struct cache *cache, const char *status)
{
	char key[64];
	sqlite3_stmt *statement;
	bool ok;

	if (status) {
		history_key(status, key, sizeof key);
		return cache_meta_set(cache, key, NULL);
	}
	statement = cache_prepare(cache, "DELETE FROM meta WHERE key LIKE '" HISTORY_KEY_PREFIX "%'");
	if (!statement)
		return false;
	ok = cache_step_done(cache, statement, "forget the progress of the decided-request fetch");
	sqlite3_finalize(statement);
	return ok;
}
