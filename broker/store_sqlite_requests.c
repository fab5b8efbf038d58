/* The SQLite store: access requests and their approvals. */

#include "broker/store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/strbuf.h"

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
/*
 * Approvals are read in primary-key order (request_id, approver), which needs no
 * sort in SQLite, and then ordered by time in C (sort_approvals): an index in the
 * API's order would cost every approval one more page to write.
 */
static const char SQL_APPROVALS_OF[] =
	"SELECT approver, reason, at FROM approvals WHERE request_id = ? ORDER BY approver";
/* The approvals of a page of requests, whose ids come as a JSON array. */
static const char SQL_APPROVALS_OF_PAGE[] =
	"SELECT request_id, approver, reason, at FROM approvals"
	" WHERE request_id IN (SELECT value FROM json_each(?))"
	" ORDER BY request_id, approver";
static const char SQL_ADD_APPROVAL[] =
	"INSERT INTO approvals(request_id, approver, reason, at) VALUES(?, ?, ?, ?)";
/* Named for the same reason as the deadline queries in store_sqlite_grants.c. */
static const char SQL_DUE_REQUESTS[] =
	"SELECT id FROM requests INDEXED BY requests_pending_expiry"
	" WHERE status = 'pending' AND expires_at <= ? ORDER BY id";
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

/* Append the approval in columns first .. first + 2 (approver, reason, at) of the row to r. */
static void read_approval_row(sqlite3_stmt *st, int first, struct access_request *r)
{
	r->approvals = xreallocarray(r->approvals, r->approval_count + 1, sizeof *r->approvals);
	struct approval *a = &r->approvals[r->approval_count++];
	a->approver = store_column_text(st, first);
	a->reason = store_column_text(st, first + 1);
	a->at = sqlite3_column_int64(st, first + 2);
}

/*
 * Order r's approvals by time, keeping the approver order of equal times: the API
 * lists them by (at, approver). An insertion sort, because a request has a few.
 */
static void sort_approvals(struct access_request *r)
{
	for (size_t i = 1; i < r->approval_count; i++) {
		struct approval moving = r->approvals[i];
		size_t j = i;
		while (j > 0 && r->approvals[j - 1].at > moving.at) {
			r->approvals[j] = r->approvals[j - 1];
			j--;
		}
		r->approvals[j] = moving;
	}
}

static enum store_status load_approvals(struct store *s, struct access_request *r)
{
	sqlite3_stmt *st = store_statement(s, SQL_APPROVALS_OF);
	int rc;

	if (!st)
		return STORE_ERROR;
	sqlite3_bind_int64(st, 1, r->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_approval_row(st, 0, r);
	sqlite3_reset(st);
	sort_approvals(r);
	return rc == SQLITE_DONE ? STORE_OK : store_fail(s, "loading approvals");
}

/*
 * Load the approvals of a whole page in one query instead of one per request.
 * items are in the listing's order, ids descending. The query returns request ids
 * ascending, so the page is walked from its end.
 */
static enum store_status load_page_approvals(struct store *s, struct access_request *items,
					     size_t count)
{
	sqlite3_stmt *st = store_statement(s, SQL_APPROVALS_OF_PAGE);
	struct strbuf ids = STRBUF_INIT;
	size_t next = count;
	int rc;

	if (!st)
		return STORE_ERROR;
	strbuf_putc(&ids, '[');
	for (size_t i = 0; i < count; i++)
		strbuf_printf(&ids, "%s%lld", i ? "," : "", (long long)items[i].id);
	strbuf_putc(&ids, ']');
	sqlite3_bind_text(st, 1, strbuf_str(&ids), (int)ids.len, SQLITE_TRANSIENT);
	strbuf_free(&ids);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t request_id = sqlite3_column_int64(st, 0);
		while (next > 0 && items[next - 1].id < request_id)
			next--;
		if (next > 0 && items[next - 1].id == request_id)
			read_approval_row(st, 1, &items[next - 1]);
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < count; i++)
		sort_approvals(&items[i]);
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
 * The status is written into the SQL rather than bound: SQLite checks whether a
 * partial index (requests_pending_expiry, WHERE status = 'pending') applies by
 * comparing the bound value, which ties the statement to it, and binding again
 * then recompiles the statement on every run (SQLite 3.40, measured 100 of 100).
 * Built once; store_statement caches the prepared forms by these addresses.
 */
enum { LIST_BY_REQUESTER = 1, LIST_BY_RESOURCE = 2, LIST_FILTER_FORMS = 4 };
#define LIST_STATUS_CHOICES (REQUEST_STATUS_COUNT + 1) /* any status, or one */
static char request_list_sql[LIST_STATUS_CHOICES][LIST_FILTER_FORMS][512];
static pthread_once_t request_list_sql_once = PTHREAD_ONCE_INIT;

static void build_request_list_sql(void)
{
	char status_filter[64];

	for (int choice = 0; choice < LIST_STATUS_CHOICES; choice++) {
		status_filter[0] = '\0';
		if (choice > 0)
			snprintf(status_filter, sizeof status_filter, " AND status = '%s'",
				 request_status_name((enum request_status)(choice - 1)));
		for (int form = 0; form < LIST_FILTER_FORMS; form++)
			snprintf(request_list_sql[choice][form], sizeof request_list_sql[choice][form],
				 "SELECT " REQUEST_COLUMNS " FROM requests WHERE id < ?4%s%s%s"
				 " ORDER BY id DESC LIMIT ?5", status_filter,
				 form & LIST_BY_REQUESTER ? " AND requester = ?2" : "",
				 form & LIST_BY_RESOURCE ? " AND resource = ?3" : "");
	}
}

static const char *request_list_statement(const struct request_query *q)
{
	int form = (q->requester ? LIST_BY_REQUESTER : 0) | (q->resource ? LIST_BY_RESOURCE : 0);
	int choice = q->status >= 0 ? q->status + 1 : 0;

	pthread_once(&request_list_sql_once, build_request_list_sql);
	return request_list_sql[choice][form];
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
	if (status == STORE_OK && *count > 0)
		status = load_page_approvals(s, *out, *count);
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
