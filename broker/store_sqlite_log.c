/* The SQLite store: the change feed, the audit trail and idempotency records. */

#include "broker/store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static const char SQL_APPEND_EVENT[] =
	"INSERT INTO events(at, type, actor, object_kind, object_id, data) VALUES(?, ?, ?, ?, ?, ?)";
static const char SQL_LIST_EVENTS[] =
	"SELECT seq, at, type, actor, object_kind, object_id, data FROM events"
	" WHERE seq > ? ORDER BY seq LIMIT ?";
/*
 * The feed's bounds. sqlite_sequence keeps the last seq handed out even after
 * pruning removed every event, so a cursor can never be reused.
 */
static const char SQL_EVENT_BOUNDS[] =
	"SELECT (SELECT min(seq) FROM events),"
	" coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)";
static const char SQL_FEED_POSITION[] =
	"SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)";
static const char SQL_PRUNE_EVENTS[] =
	"DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ?";
static const char SQL_LAST_AUDIT[] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
static const char SQL_APPEND_AUDIT[] =
	"INSERT INTO audit(seq, at, actor, action, object_kind, object_id, reason, prev_hash, hash)"
	" VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET_IDEMPOTENT[] =
	"SELECT fingerprint, status, body, etag, location FROM idempotency"
	" WHERE principal = ? AND key = ?";
static const char SQL_PUT_IDEMPOTENT[] =
	"INSERT INTO idempotency(principal, key, fingerprint, status, body, etag, location, created_at)"
	" VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_PRUNE_IDEMPOTENT[] = "DELETE FROM idempotency WHERE created_at < ?";

enum store_status store_append_event(struct store *s, struct feed_event *e)
{
	sqlite3_stmt *st = store_statement(s, SQL_APPEND_EVENT);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, e->at);
	store_bind_text(st, 2, e->type);
	store_bind_text(st, 3, e->actor);
	store_bind_text(st, 4, e->object_kind);
	sqlite3_bind_int64(st, 5, e->object_id);
	store_bind_text(st, 6, e->data_json);
	status = store_step_done(s, st, "appending an event");
	if (status == STORE_OK)
		e->seq = sqlite3_last_insert_rowid(s->db);
	return status;
}

static enum store_status read_event_bounds(struct store *s, int64_t *oldest, int64_t *last)
{
	sqlite3_stmt *st = store_statement(s, SQL_EVENT_BOUNDS);
	int rc;

	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*last = sqlite3_column_int64(st, 1);
		/* With no events kept, the next one will be last + 1. */
		*oldest = sqlite3_column_type(st, 0) == SQLITE_NULL ? *last + 1
								    : sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "reading the feed's bounds");
}

enum store_status store_feed_position(struct store *s, int64_t *last_seq)
{
	sqlite3_stmt *st = store_statement(s, SQL_FEED_POSITION);
	int rc;

	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*last_seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "reading the feed position");
}

enum store_status store_list_events(struct store *s, int64_t after, int limit,
				    struct feed_event **out, size_t *count,
				    int64_t *oldest_seq, int64_t *last_seq)
{
	enum store_status status = read_event_bounds(s, oldest_seq, last_seq);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*count = 0;
	if (status != STORE_OK)
		return status;
	st = store_statement(s, SQL_LIST_EVENTS);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	*out = xcalloc((size_t)limit, sizeof **out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct feed_event *e = &(*out)[(*count)++];
		e->seq = sqlite3_column_int64(st, 0);
		e->at = sqlite3_column_int64(st, 1);
		e->type = store_column_text(st, 2);
		e->actor = store_column_text(st, 3);
		e->object_kind = store_column_text(st, 4);
		e->object_id = sqlite3_column_int64(st, 5);
		e->data_json = store_column_text(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *count; i++)
			feed_event_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
		return store_fail(s, "listing events");
	}
	return STORE_OK;
}

enum store_status store_prune_events(struct store *s, int64_t keep)
{
	sqlite3_stmt *st = store_statement(s, SQL_PRUNE_EVENTS);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, keep);
	return store_step_done(s, st, "pruning events");
}

void feed_event_free(struct feed_event *e)
{
	free(e->type);
	free(e->actor);
	free(e->object_kind);
	free(e->data_json);
	memset(e, 0, sizeof *e);
}

enum store_status store_last_audit_hash(struct store *s, int64_t *seq, char **hash)
{
	sqlite3_stmt *st = store_statement(s, SQL_LAST_AUDIT);
	int rc;

	*seq = 0;
	*hash = NULL;
	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		*hash = store_column_text(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return STORE_OK;
	return store_fail(s, "reading the last audit entry");
}

enum store_status store_append_audit(struct store *s, const struct audit_entry *e)
{
	sqlite3_stmt *st = store_statement(s, SQL_APPEND_AUDIT);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_int64(st, 2, e->at);
	store_bind_text(st, 3, e->actor);
	store_bind_text(st, 4, e->action);
	store_bind_text(st, 5, e->object_kind);
	sqlite3_bind_int64(st, 6, e->object_id);
	store_bind_text(st, 7, e->reason);
	store_bind_text(st, 8, e->prev_hash);
	store_bind_text(st, 9, e->hash);
	return store_step_done(s, st, "appending an audit entry");
}

/* The audit listing for each combination of filters; see the request listing. */
enum { AUDIT_BY_OBJECT = 1, AUDIT_BY_ID = 2, AUDIT_BY_ACTOR = 4, AUDIT_FORMS = 8 };
static char audit_list_sql[AUDIT_FORMS][400];
static pthread_once_t audit_list_sql_once = PTHREAD_ONCE_INIT;

static void build_audit_list_sql(void)
{
	for (int form = 0; form < AUDIT_FORMS; form++)
		snprintf(audit_list_sql[form], sizeof audit_list_sql[form],
			 "SELECT seq, at, actor, action, object_kind, object_id, reason, prev_hash,"
			 " hash FROM audit WHERE seq > ?4%s%s%s ORDER BY seq LIMIT ?5",
			 form & AUDIT_BY_OBJECT ? " AND object_kind = ?1" : "",
			 form & AUDIT_BY_ID ? " AND object_id = ?2" : "",
			 form & AUDIT_BY_ACTOR ? " AND actor = ?3" : "");
}

static void read_audit_row(sqlite3_stmt *st, struct audit_entry *e)
{
	e->seq = sqlite3_column_int64(st, 0);
	e->at = sqlite3_column_int64(st, 1);
	e->actor = store_column_text(st, 2);
	e->action = store_column_text(st, 3);
	e->object_kind = store_column_text(st, 4);
	e->object_id = sqlite3_column_int64(st, 5);
	e->reason = store_column_text(st, 6);
	e->prev_hash = store_column_text(st, 7);
	e->hash = store_column_text(st, 8);
}

enum store_status store_list_audit(struct store *s, const struct audit_query *q,
				   struct audit_entry **out, size_t *count)
{
	int form = (q->object_kind ? AUDIT_BY_OBJECT : 0) | (q->object_id ? AUDIT_BY_ID : 0) |
		   (q->actor ? AUDIT_BY_ACTOR : 0);
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*count = 0;
	pthread_once(&audit_list_sql_once, build_audit_list_sql);
	st = store_statement(s, audit_list_sql[form]);
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, q->object_kind);
	sqlite3_bind_int64(st, 2, q->object_id);
	store_bind_text(st, 3, q->actor);
	sqlite3_bind_int64(st, 4, q->after_seq);
	sqlite3_bind_int(st, 5, q->limit);
	*out = xcalloc((size_t)q->limit, sizeof **out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_audit_row(st, &(*out)[(*count)++]);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *count; i++)
			audit_entry_free(&(*out)[i]);
		free(*out);
		*out = NULL;
		*count = 0;
		return store_fail(s, "listing the audit trail");
	}
	return STORE_OK;
}

enum store_status store_get_idempotent(struct store *s, const char *principal, const char *key,
				       struct idempotent_record *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_GET_IDEMPOTENT);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, principal);
	store_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->fingerprint = store_column_text(st, 0);
		out->status = sqlite3_column_int(st, 1);
		out->body = store_column_text(st, 2);
		out->etag = store_column_text(st, 3);
		out->location = store_column_text(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : store_fail(s, "loading an idempotency key");
}

enum store_status store_put_idempotent(struct store *s, const char *principal, const char *key,
				       const struct idempotent_record *rec, int64_t created_at)
{
	sqlite3_stmt *st = store_statement(s, SQL_PUT_IDEMPOTENT);

	if (!st)
		return STORE_ERROR;
	store_bind_text(st, 1, principal);
	store_bind_text(st, 2, key);
	store_bind_text(st, 3, rec->fingerprint);
	sqlite3_bind_int(st, 4, rec->status);
	store_bind_text(st, 5, rec->body);
	store_bind_text(st, 6, rec->etag);
	store_bind_text(st, 7, rec->location);
	sqlite3_bind_int64(st, 8, created_at);
	return store_step_done(s, st, "saving an idempotency key");
}

enum store_status store_prune_idempotent(struct store *s, int64_t before)
{
	sqlite3_stmt *st = store_statement(s, SQL_PRUNE_IDEMPOTENT);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, before);
	return store_step_done(s, st, "pruning idempotency keys");
}

void idempotent_record_free(struct idempotent_record *rec)
{
	free(rec->fingerprint);
	free(rec->body);
	free(rec->etag);
	free(rec->location);
	memset(rec, 0, sizeof *rec);
}
