/* The SQLite store: access requests and their approvals. */

#include "broker/store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define REQUEST_COLUMNS                                                              \
	"id, status, requester, resource, role, reason, duration, created_at, decided_at," \
	" expires_at, approvals_needed, approver_group, decided_by, decision_reason,"     \
	" grant_id, version"

static const char SQL_INSERT_REQUEST[] =
	"INSERT INTO requests(status, requester, resource, role, reason, duration, created_at,"
	" decided_at, expires_at, approvals_needed, approver_group, decided_by, decision_reason,"
	" grant_id, version) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GET_REQUEST[] = "SELECT " REQUEST_COLUMNS " FROM requests WHERE id = ?";
static const char SQL_UPDATE_REQUEST[] =
	"UPDATE requests SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ?,"
	" grant_id = ?, version = ? WHERE id = ?";
static const char SQL_APPROVALS_OF[] =
	"SELECT approver, reason, at FROM approvals WHERE request_id = ? ORDER BY at, approver";
static const char SQL_ADD_APPROVAL[] =
	"INSERT INTO approvals(request_id, approver, reason, at) VALUES(?, ?, ?, ?)";
static const char SQL_DUE_REQUESTS[] =
	"SELECT id FROM requests WHERE status = 'pending' AND expires_at <= ? ORDER BY id";
static const char SQL_COUNT_REQUESTS[] =
	"SELECT count(*) FROM requests WHERE ?1 IS NULL OR status = ?1";

static void bind_request_fields(sqlite3_stmt *st, const struct access_request *r)
{
	sqlite3_bind_text(st, 1, request_status_name(r->status), -1, SQLITE_STATIC);
	store_bind_text(st, 2, r->requester);
	store_bind_text(st, 3, r->resource);
	store_bind_text(st, 4, r->role);
	store_bind_text(st, 5, r->reason);
	sqlite3_bind_int64(st, 6, r->duration_seconds);
	sqlite3_bind_int64(st, 7, r->created_at);
	store_bind_time(st, 8, r->decided_at);
	sqlite3_bind_int64(st, 9, r->expires_at);
	sqlite3_bind_int(st, 10, r->approvals_needed);
	store_bind_text(st, 11, r->approver_group);
	store_bind_text(st, 12, r->decided_by);
	store_bind_text(st, 13, r->decision_reason);
	store_bind_time(st, 14, r->grant_id);
	sqlite3_bind_int64(st, 15, r->version);
}

enum store_status store_insert_request(struct store *s, struct access_request *r)
{
	sqlite3_stmt *st = store_statement(s, SQL_INSERT_REQUEST);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	bind_request_fields(st, r);
	status = store_step_done(s, st, "saving a request");
	if (status == STORE_OK)
		r->id = sqlite3_last_insert_rowid(s->db);
	return status;
}

static void read_request_row(sqlite3_stmt *st, struct access_request *r)
{
	const char *status = (const char *)sqlite3_column_text(st, 1);

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	if (!status || !request_status_parse(status, &r->status))
		r->status = REQUEST_PENDING; /* the CHECK constraint makes this unreachable */
	r->requester = store_column_text(st, 2);
	r->resource = store_column_text(st, 3);
	r->role = store_column_text(st, 4);
	r->reason = store_column_text(st, 5);
	r->duration_seconds = sqlite3_column_int64(st, 6);
	r->created_at = sqlite3_column_int64(st, 7);
	r->decided_at = sqlite3_column_int64(st, 8);
	r->expires_at = sqlite3_column_int64(st, 9);
	r->approvals_needed = sqlite3_column_int(st, 10);
	r->approver_group = store_column_text(st, 11);
	r->decided_by = store_column_text(st, 12);
	r->decision_reason = store_column_text(st, 13);
	r->grant_id = sqlite3_column_int64(st, 14);
	r->version = sqlite3_column_int64(st, 15);
}

static enum store_status load_approvals(struct store *s, struct access_request *r)
{
	sqlite3_stmt *st = store_statement(s, SQL_APPROVALS_OF);
	size_t cap = 0;
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->approval_count == cap) {
			cap = cap ? cap * 2 : 2;
			r->approvals = xreallocarray(r->approvals, cap, sizeof *r->approvals);
		}
		struct approval *a = &r->approvals[r->approval_count++];
		a->approver = store_column_text(st, 0);
		a->reason = store_column_text(st, 1);
		a->at = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "loading approvals");
}

enum store_status store_get_request(struct store *s, int64_t id, struct access_request *out)
{
	sqlite3_stmt *st = store_statement(s, SQL_GET_REQUEST);
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_request_row(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return store_fail(s, "loading a request");

	enum store_status status = load_approvals(s, out);
	if (status != STORE_OK)
		access_request_free(out);
	return status;
}

enum store_status store_update_request(struct store *s, const struct access_request *r)
{
	sqlite3_stmt *st = store_statement(s, SQL_UPDATE_REQUEST);
	enum store_status status;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_text(st, 1, request_status_name(r->status), -1, SQLITE_STATIC);
	store_bind_time(st, 2, r->decided_at);
	store_bind_text(st, 3, r->decided_by);
	store_bind_text(st, 4, r->decision_reason);
	store_bind_time(st, 5, r->grant_id);
	sqlite3_bind_int64(st, 6, r->version);
	sqlite3_bind_int64(st, 7, r->id);
	status = store_step_done(s, st, "updating a request");
	if (status == STORE_OK && sqlite3_changes(s->db) == 0)
		return STORE_NOT_FOUND;
	return status;
}

enum store_status store_add_approval(struct store *s, int64_t request_id, const struct approval *a)
{
	sqlite3_stmt *st = store_statement(s, SQL_ADD_APPROVAL);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, request_id);
	store_bind_text(st, 2, a->approver);
	store_bind_text(st, 3, a->reason);
	sqlite3_bind_int64(st, 4, a->at);
	return store_step_done(s, st, "saving an approval");
}

/*
 * The listing statement for each combination of filters, so that SQLite can pick
 * the index that fits (a single "?1 IS NULL OR status = ?1" form would scan).
 * Built once; store_statement caches the prepared forms by these addresses.
 */
enum { LIST_BY_STATUS = 1, LIST_BY_REQUESTER = 2, LIST_BY_RESOURCE = 4, LIST_FORMS = 8 };
static char request_list_sql[LIST_FORMS][512];
static pthread_once_t request_list_sql_once = PTHREAD_ONCE_INIT;

static void build_request_list_sql(void)
{
	for (int form = 0; form < LIST_FORMS; form++)
		snprintf(request_list_sql[form], sizeof request_list_sql[form],
			 "SELECT " REQUEST_COLUMNS " FROM requests WHERE id < ?4%s%s%s"
			 " ORDER BY id DESC LIMIT ?5",
			 form & LIST_BY_STATUS ? " AND status = ?1" : "",
			 form & LIST_BY_REQUESTER ? " AND requester = ?2" : "",
			 form & LIST_BY_RESOURCE ? " AND resource = ?3" : "");
}

static const char *request_list_statement(const struct request_query *q)
{
	int form = (q->status >= 0 ? LIST_BY_STATUS : 0) | (q->requester ? LIST_BY_REQUESTER : 0) |
		   (q->resource ? LIST_BY_RESOURCE : 0);

	pthread_once(&request_list_sql_once, build_request_list_sql);
	return request_list_sql[form];
}

static void free_request_array(struct access_request *items, size_t count)
{
	for (size_t i = 0; i < count; i++)
		access_request_free(&items[i]);
	free(items);
}

enum store_status store_list_requests(struct store *s, const struct request_query *q,
				      struct access_request **out, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, request_list_statement(q));
	enum store_status status = STORE_OK;
	int rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return STORE_ERROR;
	if (q->status >= 0)
		sqlite3_bind_text(st, 1, request_status_name((enum request_status)q->status), -1,
				  SQLITE_STATIC);
	store_bind_text(st, 2, q->requester);
	store_bind_text(st, 3, q->resource);
	sqlite3_bind_int64(st, 4, q->before_id > 0 ? q->before_id : INT64_MAX);
	sqlite3_bind_int(st, 5, q->limit);

	*out = xcalloc((size_t)q->limit, sizeof **out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_request_row(st, &(*out)[(*count)++]);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		status = store_fail(s, "listing requests");
	for (size_t i = 0; status == STORE_OK && i < *count; i++)
		status = load_approvals(s, &(*out)[i]);
	if (status != STORE_OK) {
		free_request_array(*out, *count);
		*out = NULL;
		*count = 0;
	}
	return status;
}

enum store_status store_due_requests(struct store *s, int64_t now, int64_t **ids, size_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_DUE_REQUESTS);

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, now);
	return store_collect_ids(s, st, ids, count);
}

enum store_status store_count_requests(struct store *s, int status, int64_t *count)
{
	sqlite3_stmt *st = store_statement(s, SQL_COUNT_REQUESTS);
	int rc;

	if (!st)
		return STORE_ERROR;
	if (status >= 0)
		sqlite3_bind_text(st, 1, request_status_name((enum request_status)status), -1,
				  SQLITE_STATIC);
	rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : store_fail(s, "counting requests");
}
