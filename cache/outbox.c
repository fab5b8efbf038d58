/* The outbox of writes waiting for the broker. */

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "cache/internal.h"
#include "cache/outbox.h"
#include "common/alloc.h"
#include "common/timeutil.h"

#define OUTBOX_ITEM_COLUMNS \
	"id, idempotency_key, method, path, body, if_match, object_kind, object_id, label," \
	" state, attempts, created_at, updated_at, last_status, last_error, replaced_by"

static const char *const state_names[] = {
	[OUTBOX_QUEUED] = "queued",
	[OUTBOX_SENDING] = "sending",
	[OUTBOX_DONE] = "done",
	[OUTBOX_FAILED] = "failed",
	[OUTBOX_CONFLICT] = "conflict",
	[OUTBOX_DROPPED] = "dropped",
	[OUTBOX_RETRIED] = "retried",
};

#define STATE_COUNT (sizeof state_names / sizeof state_names[0])

const char *outbox_state_name(enum outbox_state state)
{
	return (size_t)state < STATE_COUNT ? state_names[state] : "unknown";
}

/* Parse a state column. The CHECK constraint allows only the names above. */
static enum outbox_state parse_state(const unsigned char *name)
{
	for (size_t i = 0; i < STATE_COUNT; i++)
		if (name && strcmp((const char *)name, state_names[i]) == 0)
			return (enum outbox_state)i;
	return OUTBOX_FAILED;
}

/*
 * Write 32 lowercase hex digits from 128 random bits: printable ASCII well
 * under the broker's limit of 255 characters, and too many bits for two
 * writes ever to share a key.
 */
static bool generate_key(char key[OUTBOX_KEY_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[(OUTBOX_KEY_SIZE - 1) / 2];

	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw) != 0)
		return false;
	for (size_t i = 0; i < sizeof raw; i++) {
		key[2 * i] = hex[raw[i] >> 4];
		key[2 * i + 1] = hex[raw[i] & 15];
	}
	key[OUTBOX_KEY_SIZE - 1] = '\0';
	return true;
}

/*
 * In WAL mode with synchronous=NORMAL a commit survives a crash of the
 * program but may roll back after power loss or an OS crash. A user's write
 * commits with synchronous=FULL, which syncs the WAL, so that it survives both.
 * Inside the caller's transaction the caller's commit decides instead.
 * Returns false on failure. durable_end restores the mode when *own_commit is set.
 */
static bool durable_begin(struct cache *cache, bool *own_commit)
{
	*own_commit = sqlite3_get_autocommit(cache->db);
	return !*own_commit || cache_exec(cache, "PRAGMA synchronous = FULL", "set synchronous mode");
}

static void durable_end(struct cache *cache, bool own_commit)
{
	/* Not checked: the write is stored either way, and FULL is only slower. */
	if (own_commit)
		sqlite3_exec(cache->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

static bool make_key(struct cache *cache, const char *label, char key[OUTBOX_KEY_SIZE])
{
	if (generate_key(key))
		return true;
	return cache_fail_plain(cache, "queue outbox item \"%s\": the system's random source failed",
				label ? label : "");
}

/* Insert a queued item with key; returns its id, or -1. */
static int64_t insert_item(struct cache *cache, const struct outbox_item *item, const char *key)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"INSERT INTO outbox (idempotency_key, method, path, body, if_match, object_kind,"
		" object_id, label, state, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9, ?9)");
	int64_t id = -1;

	if (!statement)
		return -1;
	cache_bind_text(statement, 1, key);
	cache_bind_text(statement, 2, item->method);
	cache_bind_text(statement, 3, item->path);
	cache_bind_text(statement, 4, item->body);
	cache_bind_optional(statement, 5, item->if_match);
	cache_bind_text(statement, 6, item->object_kind);
	cache_bind_optional(statement, 7, item->object_id);
	cache_bind_text(statement, 8, item->label);
	sqlite3_bind_int64(statement, 9, time_now());
	if (sqlite3_step(statement) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(cache->db);
	else
		cache_fail(cache, "queue outbox item \"%s\"", item->label ? item->label : "");
	sqlite3_finalize(statement);
	return id;
}

int64_t cache_outbox_add(struct cache *cache, const char *method, const char *path,
			 const char *body, int64_t if_match, const char *object_kind,
			 int64_t object_id, const char *label, char key_out[OUTBOX_KEY_SIZE])
{
	/* The strings are only read: the casts let one struct carry them to the insert. */
	const struct outbox_item item = {
		.method = (char *)method, .path = (char *)path, .body = (char *)body,
		.if_match = if_match, .object_kind = (char *)object_kind, .object_id = object_id,
		.label = (char *)label,
	};
	bool own_commit;
	int64_t id;

	if (!make_key(cache, label, key_out) || !durable_begin(cache, &own_commit))
		return -1;
	id = insert_item(cache, &item, key_out);
	durable_end(cache, own_commit);
	return id;
}

static void read_item(sqlite3_stmt *statement, struct outbox_item *item)
{
	item->id = sqlite3_column_int64(statement, 0);
	item->idempotency_key = cache_column_strdup(statement, 1);
	item->method = cache_column_strdup(statement, 2);
	item->path = cache_column_strdup(statement, 3);
	item->body = cache_column_strdup(statement, 4);
	item->if_match = sqlite3_column_int64(statement, 5);
	item->object_kind = cache_column_strdup(statement, 6);
	item->object_id = sqlite3_column_int64(statement, 7);
	item->label = cache_column_strdup(statement, 8);
	item->state = parse_state(sqlite3_column_text(statement, 9));
	item->attempts = sqlite3_column_int64(statement, 10);
	item->created_at = sqlite3_column_int64(statement, 11);
	item->updated_at = sqlite3_column_int64(statement, 12);
	item->last_status = sqlite3_column_int(statement, 13);
	item->last_error = cache_column_strdup(statement, 14);
	item->replaced_by = sqlite3_column_int64(statement, 15);
}

enum cache_result cache_outbox_claim_next(struct cache *cache, int64_t stale_after_seconds,
					  struct outbox_item *item)
{
	/* One statement finds and claims the item, so two consoles never claim the same one. */
	sqlite3_stmt *statement = cache_prepare(cache,
		"UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?1"
		" WHERE id = (SELECT id FROM outbox WHERE state = 'queued'"
		"   OR (state = 'sending' AND updated_at <= ?2) ORDER BY id LIMIT 1)"
		" RETURNING " OUTBOX_ITEM_COLUMNS);
	int64_t now = time_now();
	enum cache_result result = CACHE_ERROR;
	int rc;

	memset(item, 0, sizeof *item);
	if (!statement)
		return CACHE_ERROR;
	sqlite3_bind_int64(statement, 1, now);
	sqlite3_bind_int64(statement, 2, now - stale_after_seconds);
	rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW) {
		read_item(statement, item);
		result = CACHE_FOUND;
		/* RETURNING hands out the row before the statement ends, so run it to the end. */
		rc = sqlite3_step(statement);
	} else if (rc == SQLITE_DONE) {
		result = CACHE_NOT_FOUND;
	}
	if (rc != SQLITE_DONE) {
		cache_fail(cache, "claim the next outbox item");
		outbox_item_free(item);
		result = CACHE_ERROR;
	}
	sqlite3_finalize(statement);
	return result;
}

bool cache_outbox_mark(struct cache *cache, int64_t id, enum outbox_state state,
		       int http_status, const char *error)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"UPDATE outbox SET state = ?1, last_status = ?2, last_error = ?3, updated_at = ?4"
		" WHERE id = ?5");
	bool ok;

	if (!statement)
		return false;
	cache_bind_text(statement, 1, outbox_state_name(state));
	cache_bind_optional(statement, 2, http_status);
	cache_bind_text(statement, 3, error);
	sqlite3_bind_int64(statement, 4, time_now());
	sqlite3_bind_int64(statement, 5, id);
	ok = cache_step_done(cache, statement, "update outbox item");
	sqlite3_finalize(statement);
	if (ok && sqlite3_changes(cache->db) == 0)
		return cache_fail_plain(cache, "update outbox item %lld: not found", (long long)id);
	return ok;
}

int64_t cache_outbox_fail_unsent(struct cache *cache, const char *error)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"UPDATE outbox SET state = 'failed', last_status = NULL, last_error = ?1,"
		" updated_at = ?2 WHERE state IN ('queued', 'sending')");
	bool ok;

	if (!statement)
		return -1;
	cache_bind_text(statement, 1, error);
	sqlite3_bind_int64(statement, 2, time_now());
	ok = cache_step_done(cache, statement, "fail unsent outbox items");
	sqlite3_finalize(statement);
	return ok ? sqlite3_changes(cache->db) : -1;
}

int64_t cache_outbox_requeue_sending(struct cache *cache)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"UPDATE outbox SET state = 'queued', updated_at = ?1 WHERE state = 'sending'");
	int64_t requeued = -1;

	if (!statement)
		return -1;
	sqlite3_bind_int64(statement, 1, time_now());
	if (cache_step_done(cache, statement, "requeue outbox items left sending"))
		requeued = sqlite3_changes(cache->db);
	sqlite3_finalize(statement);
	return requeued;
}

enum cache_result cache_outbox_get(struct cache *cache, int64_t id, struct outbox_item *item)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"SELECT " OUTBOX_ITEM_COLUMNS " FROM outbox WHERE id = ?1");
	enum cache_result result = CACHE_ERROR;
	int rc;

	memset(item, 0, sizeof *item);
	if (!statement)
		return CACHE_ERROR;
	sqlite3_bind_int64(statement, 1, id);
	rc = sqlite3_step(statement);
	if (rc == SQLITE_ROW) {
		read_item(statement, item);
		result = CACHE_FOUND;
	} else if (rc == SQLITE_DONE) {
		result = CACHE_NOT_FOUND;
	} else {
		cache_fail(cache, "read outbox item %lld", (long long)id);
	}
	sqlite3_finalize(statement);
	return result;
}

/* Load an item that must exist and be in one of the states of mask (bits of 1 << state). */
static bool get_in_state(struct cache *cache, int64_t id, unsigned mask, const char *operation,
			 struct outbox_item *item)
{
	enum cache_result found = cache_outbox_get(cache, id, item);

	if (found == CACHE_ERROR)
		return false;
	if (found == CACHE_NOT_FOUND)
		return cache_fail_plain(cache, "%s outbox item %lld: not found", operation,
					(long long)id);
	if (mask & (1u << item->state))
		return true;
	cache_fail_plain(cache, "%s outbox item %lld: it is %s", operation, (long long)id,
			 outbox_state_name(item->state));
	outbox_item_free(item);
	return false;
}

static bool mark_retried(struct cache *cache, int64_t id, int64_t replaced_by)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"UPDATE outbox SET state = 'retried', replaced_by = ?1, updated_at = ?2 WHERE id = ?3");
	bool ok;

	if (!statement)
		return false;
	sqlite3_bind_int64(statement, 1, replaced_by);
	sqlite3_bind_int64(statement, 2, time_now());
	sqlite3_bind_int64(statement, 3, id);
	ok = cache_step_done(cache, statement, "mark outbox item retried");
	sqlite3_finalize(statement);
	return ok;
}

int64_t cache_outbox_requeue_as_new(struct cache *cache, int64_t id, int64_t if_match,
				    char key_out[OUTBOX_KEY_SIZE])
{
	const unsigned retryable = 1u << OUTBOX_FAILED | 1u << OUTBOX_CONFLICT;
	struct outbox_item old;
	int64_t new_id = -1;
	bool own_commit;

	if (!durable_begin(cache, &own_commit))
		return -1;
	if (!cache_savepoint_begin(cache)) {
		durable_end(cache, own_commit);
		return -1;
	}
	if (get_in_state(cache, id, retryable, "retry", &old)) {
		old.if_match = if_match;
		if (make_key(cache, old.label, key_out))
			new_id = insert_item(cache, &old, key_out);
		if (new_id > 0 && !mark_retried(cache, id, new_id))
			new_id = -1;
		outbox_item_free(&old);
	}
	if (!cache_savepoint_end(cache, new_id > 0))
		new_id = -1;
	durable_end(cache, own_commit);
	return new_id;
}

bool cache_outbox_drop(struct cache *cache, int64_t id)
{
	const unsigned droppable = 1u << OUTBOX_QUEUED | 1u << OUTBOX_FAILED | 1u << OUTBOX_CONFLICT;
	/* The state test is repeated in the UPDATE, because a sender may claim the item in between. */
	sqlite3_stmt *statement = cache_prepare(cache,
		"UPDATE outbox SET state = 'dropped', updated_at = ?1"
		" WHERE id = ?2 AND state IN ('queued', 'failed', 'conflict')");
	struct outbox_item item;
	bool ok;

	if (!statement)
		return false;
	sqlite3_bind_int64(statement, 1, time_now());
	sqlite3_bind_int64(statement, 2, id);
	ok = cache_step_done(cache, statement, "drop outbox item");
	sqlite3_finalize(statement);
	if (!ok || sqlite3_changes(cache->db) == 1)
		return ok;
	/* Nothing changed: name the state that kept it. */
	if (get_in_state(cache, id, droppable, "drop", &item)) {
		outbox_item_free(&item);
		return cache_fail_plain(cache, "drop outbox item %lld: it changed meanwhile",
					(long long)id);
	}
	return false;
}

int64_t cache_outbox_pending_count(struct cache *cache)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')");
	int64_t count;

	if (!statement)
		return -1;
	count = cache_step_count(cache, statement, "count pending outbox items");
	sqlite3_finalize(statement);
	return count;
}

size_t cache_outbox_list_recent(struct cache *cache, size_t limit, struct outbox_item **items)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"SELECT " OUTBOX_ITEM_COLUMNS " FROM outbox ORDER BY id DESC LIMIT ?1");
	struct outbox_item *list;
	size_t count = 0, capacity = 16;
	int rc;

	*items = NULL;
	if (!statement)
		return 0;
	sqlite3_bind_int64(statement, 1, limit > INT64_MAX ? -1 : (int64_t)limit);
	list = xcalloc(capacity, sizeof *list);
	while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
		if (count == capacity) {
			capacity *= 2;
			list = xreallocarray(list, capacity, sizeof *list);
		}
		read_item(statement, &list[count++]);
	}
	if (rc != SQLITE_DONE) {
		cache_fail(cache, "list outbox items");
		outbox_items_free(list, count);
		list = NULL;
		count = 0;
	}
	sqlite3_finalize(statement);
	*items = list;
	return count;
}

int64_t cache_outbox_delete_done(struct cache *cache, int64_t updated_before)
{
	sqlite3_stmt *statement = cache_prepare(cache,
		"DELETE FROM outbox WHERE state = 'done' AND updated_at < ?1");
	int64_t deleted = -1;

	if (!statement)
		return -1;
	sqlite3_bind_int64(statement, 1, updated_before);
	if (cache_step_done(cache, statement, "delete sent outbox items"))
		deleted = sqlite3_changes(cache->db);
	sqlite3_finalize(statement);
	return deleted;
}

void outbox_item_free(struct outbox_item *item)
{
	free(item->idempotency_key);
	free(item->method);
	free(item->path);
	free(item->body);
	free(item->object_kind);
	free(item->label);
	free(item->last_error);
	memset(item, 0, sizeof *item);
}

void outbox_items_free(struct outbox_item *items, size_t count)
{
	for (size_t i = 0; i < count && items; i++)
		outbox_item_free(&items[i]);
	free(items);
}
